"""ticket_triage_marl: a multi-agent (PettingZoo) simulation of engineering ticket triage.

Public API (the README's Quick start)::

    import ticket_triage_marl as ttm
    cfg = ttm.EnvConfig(n_engineers=5)            # frozen, validated
    cfg = ttm.load_config("configs/default.toml")  # file + overrides
    par = ttm.parallel_env(config=cfg)             # PettingZoo ParallelEnv
    aec = ttm.env(config=cfg)                      # PettingZoo AECEnv (wrapped)
    one = ttm.TicketTriageEnv(config=cfg)          # single-agent Gymnasium coordinator
    one = gymnasium.make("TicketTriage-v0")        # registered on import

``ttm.evaluation`` (episode driver, confidence intervals, policy comparison)
and ``ttm.recordings`` (rollout recordings) are the library under the CLI.
"""

from __future__ import annotations

from typing import Any

from . import evaluation, recordings
from ._version import __version__
from .actions import (
    AgentVerb,
    Verb,
    agent_action,
    coordinator_action,
    decode_agent_action,
    decode_coordinator_action,
    route_group,
)
from .config import EnvConfig, load_config
from .data import TicketLog, fit_config, read_tickets
from .envs.coordinator import CoordinatorWrapper, TicketTriageEnv
from .envs.multiagent import TicketTriageAECEnv, TicketTriageParallelEnv, env, parallel_env, raw_env
from .envs.vector import CoordinatorVectorEnv, VectorTicketTriage

__all__ = [
    "AgentVerb",
    "CoordinatorVectorEnv",
    "CoordinatorWrapper",
    "EnvConfig",
    "TicketLog",
    "TicketTriageAECEnv",
    "TicketTriageEnv",
    "TicketTriageParallelEnv",
    "VectorTicketTriage",
    "Verb",
    "__version__",
    "agent_action",
    "coordinator_action",
    "decode_agent_action",
    "decode_coordinator_action",
    "env",
    "evaluation",
    "fit_config",
    "load_config",
    "parallel_env",
    "raw_env",
    "read_tickets",
    "recordings",
    "route_group",
]


# Gymnasium ids -> register() arguments. No ``max_episode_steps``: the env
# truncates itself at ``config.horizon``, which keyword overrides can change.
# The batched coordinator adds its ``vector_entry_point`` here.
_GYMNASIUM_ENVS: dict[str, dict[str, Any]] = {
    "TicketTriage-v0": {
        "entry_point": "ticket_triage_marl.envs.coordinator:TicketTriageEnv",
        "vector_entry_point": "ticket_triage_marl.envs.vector:CoordinatorVectorEnv",
    },
}


def _register_gymnasium_envs() -> None:
    """Register the ids of ``_GYMNASIUM_ENVS`` with Gymnasium, once however often this runs."""
    import gymnasium

    for env_id, spec in _GYMNASIUM_ENVS.items():
        if env_id not in gymnasium.registry:
            gymnasium.register(id=env_id, **spec)


_register_gymnasium_envs()


def __getattr__(name: str) -> object:
    if name == "TicketTriageVectorEnv":  # deprecated alias (envs/vector.py warns)
        from .envs import vector

        return vector.TicketTriageVectorEnv
    if name == "traces":  # deprecated: renamed recordings (importing the alias module warns)
        import importlib

        return importlib.import_module(".traces", __name__)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
