"""ticket_triage_marl: a multi-agent (PettingZoo) simulation of engineering ticket triage.

Public API (SPEC section 2)::

    import ticket_triage_marl as ttm
    cfg = ttm.EnvConfig(n_engineers=5)            # frozen, validated
    cfg = ttm.load_config("configs/default.toml")  # file + overrides
    par = ttm.parallel_env(config=cfg)             # PettingZoo ParallelEnv
    aec = ttm.env(config=cfg)                      # PettingZoo AECEnv (wrapped)
"""

from __future__ import annotations

from importlib.metadata import PackageNotFoundError, version

from .actions import AgentVerb, Verb, agent_action, coordinator_action, decode_agent_action, decode_coordinator_action
from .config import EnvConfig, load_config
from .multiagent import TicketTriageAECEnv, TicketTriageParallelEnv, env, parallel_env, raw_env

try:
    __version__ = version("ticket_triage_marl")
except PackageNotFoundError:  # pragma: no cover - running from a source tree
    __version__ = "0.0.0+unknown"

__all__ = [
    "AgentVerb",
    "EnvConfig",
    "TicketTriageAECEnv",
    "TicketTriageParallelEnv",
    "Verb",
    "__version__",
    "agent_action",
    "coordinator_action",
    "decode_agent_action",
    "decode_coordinator_action",
    "env",
    "load_config",
    "parallel_env",
    "raw_env",
]
