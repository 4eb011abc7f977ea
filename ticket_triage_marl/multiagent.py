"""Compatibility module: the PettingZoo envs live in :mod:`ticket_triage_marl.envs.multiagent`.

The old import path (and pickles that name it) keeps working; new code imports from ``ticket_triage_marl.envs``.
"""

from .envs.multiagent import (
    METADATA,
    TicketTriageAECEnv,
    TicketTriageParallelEnv,
    agent_names,
    env,
    parallel_env,
    raw_env,
)

__all__ = ["METADATA", "TicketTriageAECEnv", "TicketTriageParallelEnv", "agent_names", "env", "parallel_env", "raw_env"]
