"""Spaces and render-mode checks shared by every adapter (built once per env).

The bounds follow the observation layout's field table (``_core/features.py``):
every feature lies in [0, 1] except a ticket's SLA remaining, in [-1, 1].
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import gymnasium
import numpy as np

from .._core.features import team_bounds
from .._core.types import agent_action_count, observation_size, state_size
from ..config import EnvConfig
from ..render import RENDER_MODES

__all__ = [
    "AgentSpaces",
    "agent_spaces",
    "check_action",
    "check_actions",
    "check_render_mode",
    "team_observation_bounds",
]


def team_observation_bounds(config: EnvConfig) -> tuple[np.ndarray, np.ndarray]:
    """Per-feature (low, high) of the team features (the coordinator's flat observation), from the field table
    of ``_core/features.py``."""
    low, high = team_bounds(config.max_tickets, config.n_engineers, config.mechanics())
    return np.asarray(low, dtype=np.float32), np.asarray(high, dtype=np.float32)


@dataclass(frozen=True)
class AgentSpaces:
    """One engineer's spaces (the same objects for every engineer) and the centralized state space."""

    observation: gymnasium.spaces.Dict
    action: gymnasium.spaces.Discrete
    state: gymnasium.spaces.Box


def agent_spaces(config: EnvConfig) -> AgentSpaces:
    """The multi-agent spaces of ``config``: ``Dict(observation, action_mask)``, ``Discrete(1+4T)``, the state box."""
    n_actions = agent_action_count(config)
    team_low, _ = team_observation_bounds(config)
    size = observation_size(config)
    low = np.zeros(size, dtype=np.float32)
    low[: team_low.size] = team_low  # the engineer one-hot after the team features is in [0, 1]
    observation = gymnasium.spaces.Dict(
        {
            "observation": gymnasium.spaces.Box(low=low, high=np.ones(size, dtype=np.float32), dtype=np.float32),
            "action_mask": gymnasium.spaces.Box(low=0, high=1, shape=(n_actions,), dtype=np.int8),
        }
    )
    s_size = state_size(config)
    s_low = np.zeros(s_size, dtype=np.float32)
    s_low[: team_low.size] = team_low
    state = gymnasium.spaces.Box(low=s_low, high=np.ones(s_size, dtype=np.float32), dtype=np.float32)
    return AgentSpaces(observation=observation, action=gymnasium.spaces.Discrete(n_actions), state=state)


def check_render_mode(render_mode: str | None) -> str | None:
    """``render_mode`` if it is None or one of :data:`~ticket_triage_marl.render.RENDER_MODES`, else ``ValueError``."""
    if render_mode is not None and render_mode not in RENDER_MODES:
        raise ValueError(f"render_mode must be one of {RENDER_MODES} or None, got {render_mode!r}")
    return render_mode


# The common case, a Python int or a numpy int64 in range, is accepted by one exact-type test: the
# general checks below cost about 0.3 us per call and the parallel env makes one per engineer per
# step. An exact type leaves bool (a subclass of int, refused) and numpy bools to the general path.
_PLAIN_INT_TYPES = (int, np.int64)


def check_action(agent: str, action: Any, n_actions: int) -> int:
    """An in-space action as int, or a clear error naming the agent."""
    if type(action) in _PLAIN_INT_TYPES and 0 <= action < n_actions:
        return int(action)
    if isinstance(action, np.ndarray):
        if action.shape not in ((), (1,)):
            raise ValueError(f"action for {agent} must be a scalar, got an array of shape {action.shape}")
        action = action.reshape(-1)[0]
    if isinstance(action, (bool, np.bool_)) or not isinstance(action, (int, np.integer)):
        raise TypeError(f"action for {agent} must be an int in [0, {n_actions - 1}], got {action!r}")
    action = int(action)
    if not 0 <= action < n_actions:
        raise ValueError(f"action for {agent} must be in [0, {n_actions - 1}], got {action}")
    return action


def check_actions(actions: Any, shape: tuple[int, ...], n_actions: int | np.integer[Any]) -> np.ndarray:
    """``actions`` as an integer array of ``shape`` inside ``[0, n_actions)``, or a clear error."""
    actions = np.asarray(actions)
    if actions.shape != shape:
        raise ValueError(f"actions must have shape {shape}, got {actions.shape}")
    if not np.issubdtype(actions.dtype, np.integer):
        raise TypeError(f"actions must be integers, got dtype {actions.dtype}")
    if actions.size and (actions.min() < 0 or actions.max() >= n_actions):
        raise ValueError(f"actions must be in [0, {n_actions - 1}], got values in [{actions.min()}, {actions.max()}]")
    return actions
