"""Rewards, in one place: a mechanic reports what happened (a reward component and how much of it fell to an
engineer) and :func:`charge` / :func:`charge_share` turn it into reward with the config's weight of that
component. No mechanic reads a reward weight itself.

The components are :data:`.layout.REWARD_NAMES`; :func:`reward_weight` maps each to its config field
(``r_resolve`` ...). What an engineer receives from them (its own share or the team's total) is
``step.finish_rewards``; the coordinator's team reward is ``coordinator.team_reward``.
"""

from __future__ import annotations

from numba import njit

from .jit import SEQUENCE_JIT
from .layout import (
    R_CONTEXT_SWITCH,
    R_DEFER,
    R_ESCALATE,
    R_IDLE,
    R_INVALID,
    R_OVERDUE,
    R_REQUEST_INFO,
    R_RESOLVE,
    R_SLA_BREACH,
    R_SWARM,
)
from .types import Int, Params, State


@njit(**SEQUENCE_JIT)
def reward_weight(params: Params, component: int) -> float:
    """The config's weight of reward ``component`` (its ``r_*`` field)."""
    if component == R_RESOLVE:
        return params.r_resolve
    if component == R_SLA_BREACH:
        return params.r_sla_breach
    if component == R_OVERDUE:
        return params.r_overdue
    if component == R_IDLE:
        return params.r_idle
    if component == R_CONTEXT_SWITCH:
        return params.r_context_switch
    if component == R_ESCALATE:
        return params.r_escalate
    if component == R_REQUEST_INFO:
        return params.r_request_info
    if component == R_DEFER:
        return params.r_defer
    if component == R_INVALID:
        return params.r_invalid
    if component == R_SWARM:
        return params.r_swarm
    return 0.0


@njit(**SEQUENCE_JIT)
def charge(state: State, params: Params, n: Int, engineer: Int, component: int, amount: float) -> None:
    """``engineer`` of env ``n`` caused ``amount`` of reward ``component`` this tick (1.0: one event)."""
    state.accumulated[n, engineer, component] += reward_weight(params, component) * amount


@njit(**SEQUENCE_JIT)
def charge_share(
    state: State, params: Params, n: Int, engineer: Int, component: int, part: float, whole: float
) -> None:
    """``engineer`` earned ``part`` of ``whole`` of one event of reward ``component`` (weight * part / whole)."""
    state.accumulated[n, engineer, component] += reward_weight(params, component) * part / whole
