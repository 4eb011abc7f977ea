"""Compatibility module: the shared spaces and action checkers live in :mod:`ticket_triage_marl.envs.spaces`."""

from .envs.spaces import (
    AgentSpaces,
    agent_spaces,
    check_action,
    check_actions,
    check_render_mode,
    team_observation_bounds,
)

__all__ = [
    "AgentSpaces",
    "agent_spaces",
    "check_action",
    "check_actions",
    "check_render_mode",
    "team_observation_bounds",
]
