"""Waiting on others: tickets that stall on the customer, a vendor or another team's problem.

On where ``p_await > 0`` or ``request_info="awaits"`` (``EnvConfig.mechanics()``); with it off the awaiting
area has no rows and nothing here runs. A ticket goes awaiting in two ways:

- on its own: in the step its work first progresses, with probability ``p_await`` (drawn by ticket id and
  step), at the end of that step (:func:`start_awaiting`);
- by REQUEST_INFO with ``request_info="awaits"``: at once, in the action phase (``rules.apply_action``);
  its ambiguity is gone when it comes back.

Where the mechanic is off, the state's area arrays are None and every kernel here is compiled as its first
line (see :data:`AreaI`): the mechanic costs a config without it nothing, not even compile time.

An awaiting ticket leaves its slot (its engineers are freed) for the awaiting area, rows
``0 .. AWAITING_OPEN-1`` of ``state.awaiting_i`` kept compact. Its wait ``d`` is drawn lognormal (mean
``await_mean``, log-sd ``await_sigma``), rounded, at least one step. Each of the next ``d`` steps
(:func:`tick_awaiting`, before arrivals) adds one to its ``AWAITED`` steps and, with ``await_sla="paused"``,
one to its SLA deadline; in the ``d``-th it comes back as an arrival (a free slot when the queue is empty,
else the queue's tail; a full queue keeps it waiting a step more). It stays open all along: counted in the
backlog, its deadline checked (``check_deadlines`` scans the area with the SLA running), its dependency kept.
"""

from __future__ import annotations

import math
from typing import TypeAlias

import numpy as np
import numpy.typing as npt
from numba import njit

from .jit import JIT
from .layout import (
    ACTIVE,
    AMBIGUOUS,
    AWAIT_LEFT,
    AWAIT_SINCE,
    AWAIT_SINCE_SUM,
    AWAITED,
    AWAITING_OPEN,
    BLOCKED,
    CURRENT_SLOT,
    DEADLINE,
    FIRST_WORK,
    HASH_PREFIX,
    IN_TRANSIT,
    OFF_BOARD,
    RAMP_LEFT,
    RNG_AWAIT,
    RNG_AWAIT_TIME,
    RNG_AWAIT_TIME_2,
    TICKET_ID,
    TIME_ON_TICKET,
    VISIT_WORK,
)
from .rng import standard_normal, uniform
from .tickets import claim_incoming_row, clear_row
from .types import Int, Params, RoutingI, State

# The awaiting area as the kernels take it: the state's arrays, or None where the mechanic is off. A kernel that
# starts with ``if awaiting_i is None: return`` is compiled, for a config without the mechanic, as that return
# alone: numba prunes a branch on an argument that is None before typing, so configs without the mechanic
# compile none of its code (each kernel takes the arrays as arguments for that: the check must be on one).
AreaI: TypeAlias = "npt.NDArray[np.int32] | None"
AreaF: TypeAlias = "npt.NDArray[np.float64] | None"

INFO_REQUESTED = 1  # BLOCKED in an awaiting record: it waits for the information a REQUEST_INFO asked for
HANDED_OFF = 2  # BLOCKED in an area record: not awaiting, in transit to its group (a drawn hand-off, teams.py)
AWAITING_PICKUP = 3  # BLOCKED in an area record: a new ticket waiting for its group to pick it up (pickup_share)


@njit(**JIT)
def off_board(blocked: Int) -> bool:
    """An area record of this ``BLOCKED`` code is in transit to its group (a drawn hand-off, or a new ticket
    waiting to be picked up), not awaiting: its SLA runs and it adds no awaited steps."""
    moving: bool = bool(blocked >= HANDED_OFF)
    return moving


@njit(**JIT)
def draw_wait(state: State, params: Params, n: Int, ticket_id: Int, key: Int) -> int:
    """Steps of one wait: lognormal with mean ``await_mean`` and log-sd ``await_sigma``, rounded, >= 1."""
    z = standard_normal(state.env_i[n, HASH_PREFIX], ticket_id, RNG_AWAIT_TIME, RNG_AWAIT_TIME_2, key)
    return lognormal_steps(params.await_mean, params.await_sigma, z)


@njit(**JIT)
def lognormal_steps(mean: float, sigma: float, z: float) -> int:
    """Steps of a lognormal time with mean ``mean`` and log-sd ``sigma`` at the standard normal ``z``, rounded,
    at least 1 (a wait on others; a drawn hand-off)."""
    steps = math.exp(math.log(mean) - 0.5 * sigma * sigma + sigma * z)
    return max(1, int(steps + 0.5))


@njit(**JIT)
def park(
    state: State, n: Int, slot: Int, wait: Int, since: Int, info_requested: Int, awaiting_i: AreaI, awaiting_f: AreaF
) -> bool:
    """Move the ticket of ``slot`` to the awaiting area (``awaiting_i``, ``awaiting_f``: the state's, None with
    the mechanic off) for ``wait`` steps, the first of them the step after ``since``, freeing the slot and its
    engineers; False (nothing moved) when the area is full or there is none."""
    if awaiting_i is None or awaiting_f is None:
        return False
    ticket_i, ticket_f, engineer_i, env_i = state.ticket_i, state.ticket_f, state.engineer_i, state.env_i
    k = env_i[n, AWAITING_OPEN]
    if k >= awaiting_i.shape[1]:
        return False
    for field in range(ticket_i.shape[2]):  # its record; the area's two columns more follow
        awaiting_i[n, k, field] = ticket_i[n, slot, field]
    for field in range(awaiting_f.shape[2]):
        awaiting_f[n, k, field] = ticket_f[n, slot, field]
    awaiting_i[n, k, AWAIT_LEFT] = wait
    awaiting_i[n, k, AWAIT_SINCE] = since
    awaiting_i[n, k, BLOCKED] = info_requested
    env_i[n, AWAITING_OPEN] = k + 1
    if not off_board(info_requested):  # the mean wait so far is the awaiting tickets' (agents see it)
        env_i[n, AWAIT_SINCE_SUM] += since
    for engineer in range(engineer_i.shape[1]):
        if engineer_i[n, engineer, CURRENT_SLOT] == slot:
            engineer_i[n, engineer, CURRENT_SLOT] = -1
            engineer_i[n, engineer, TIME_ON_TICKET] = 0
            engineer_i[n, engineer, RAMP_LEFT] = 0
    clear_row(state, n, slot)
    return True


@njit(**JIT)
def goes_awaiting(state: State, params: Params, n: Int, slot: Int, step: Int) -> bool:
    """Whether the ticket in ``slot``, first worked in ``step``, goes awaiting at its end (``p_await``, keyed by
    its id and the step): asked in the work phase too, since such a ticket cannot close before its wait."""
    if params.p_await <= 0.0:
        return False
    draw = uniform(state.env_i[n, HASH_PREFIX], state.ticket_i[n, slot, TICKET_ID], RNG_AWAIT, step)
    awaits: bool = draw < params.p_await
    return awaits


@njit(**JIT)
def start_awaiting(state: State, params: Params, n: Int, step: Int, awaiting_i: AreaI, awaiting_f: AreaF) -> None:
    """Tickets whose work first progressed in ``step`` go awaiting with probability ``p_await``."""
    if awaiting_i is None or awaiting_f is None or params.p_await <= 0.0:
        return
    ticket_i = state.ticket_i
    for slot in range(params.max_tickets):
        if ticket_i[n, slot, ACTIVE] == 0 or ticket_i[n, slot, FIRST_WORK] != step:
            continue
        if goes_awaiting(state, params, n, slot, step):
            wait = draw_wait(state, params, n, ticket_i[n, slot, TICKET_ID], step)
            park(state, n, slot, wait, step, 0, awaiting_i, awaiting_f)  # waits from step + 1


@njit(**JIT)
def remove_awaiting(
    state: State, n: Int, k: Int, awaiting_i: npt.NDArray[np.int32], awaiting_f: npt.NDArray[np.float64]
) -> None:
    """Free row ``k`` of the awaiting area (the last row moves into it: the area stays compact)."""
    env_i = state.env_i
    last = env_i[n, AWAITING_OPEN] - 1
    if not off_board(awaiting_i[n, k, BLOCKED]):
        env_i[n, AWAIT_SINCE_SUM] -= awaiting_i[n, k, AWAIT_SINCE]
    for field in range(awaiting_i.shape[2]):
        awaiting_i[n, k, field] = awaiting_i[n, last, field]
        awaiting_i[n, last, field] = 0
    for field in range(awaiting_f.shape[2]):
        awaiting_f[n, k, field] = awaiting_f[n, last, field]
        awaiting_f[n, last, field] = 0.0
    env_i[n, AWAITING_OPEN] = last


@njit(**JIT)
def open_in_area(n: Int, ticket_id: Int, open_count: Int, awaiting_i: AreaI) -> bool:
    """Ticket ``ticket_id`` waits in the awaiting area (of ``open_count`` rows)."""
    if awaiting_i is None:
        return False
    for k in range(open_count):
        if awaiting_i[n, k, TICKET_ID] == ticket_id:
            return True
    return False


@njit(**JIT)
def tick_awaiting(
    state: State, params: Params, n: Int, awaiting_i: AreaI, awaiting_f: AreaF, routing_i: RoutingI
) -> int:
    """One step of every wait: its ``AWAITED`` steps (and, paused, its deadline) grow by one; a wait that ends
    brings its ticket back as an arrival (the queue full: one more step). A hand-off or a pick-up waited out
    here (:func:`off_board`) only counts down: it is not awaiting, and its SLA runs. Returns how many came back."""
    if awaiting_i is None or awaiting_f is None:
        return 0
    env_i = state.env_i
    returned = 0
    k = 0
    while k < env_i[n, AWAITING_OPEN]:
        handed_off = off_board(awaiting_i[n, k, BLOCKED])
        if not handed_off:
            awaiting_i[n, k, AWAITED] += 1
            if params.await_sla_paused:
                awaiting_i[n, k, DEADLINE] += 1
        if awaiting_i[n, k, AWAIT_LEFT] > 1:
            awaiting_i[n, k, AWAIT_LEFT] -= 1
            k += 1
            continue
        row = claim_incoming_row(state, params, n)
        if row < 0:
            k += 1
            continue
        for field in range(state.ticket_i.shape[2]):
            state.ticket_i[n, row, field] = awaiting_i[n, k, field]
        for field in range(awaiting_f.shape[2]):
            state.ticket_f[n, row, field] = awaiting_f[n, k, field]
        if awaiting_i[n, k, BLOCKED] == INFO_REQUESTED:
            state.ticket_i[n, row, AMBIGUOUS] = 0
        state.ticket_i[n, row, BLOCKED] = 0
        state.ticket_i[n, row, VISIT_WORK] = 0  # back at its group as an arrival: a new visit of it
        if handed_off:  # it reached its group: in transit no more
            end_off_board(n, routing_i)
        if row < params.max_tickets:
            for engineer in range(state.contributed.shape[2]):
                state.contributed[n, row, engineer] = 0.0
        remove_awaiting(state, n, k, awaiting_i, awaiting_f)  # row k now holds the last record: look at it next
        returned += 1
    return returned


@njit(**JIT)
def end_off_board(n: Int, routing_i: RoutingI) -> None:
    """A hand-off waited out off the board ended (it came back, or it closed): one fewer in transit."""
    if routing_i is None:
        return
    routing_i[n, IN_TRANSIT] -= 1
    routing_i[n, OFF_BOARD] -= 1


@njit(**JIT)
def clear_awaiting(state: State, n: Int, awaiting_i: AreaI, awaiting_f: AreaF) -> None:
    """Empty the awaiting area of ``n`` (a reset)."""
    env_i = state.env_i
    if awaiting_i is None or awaiting_f is None:
        return
    for k in range(env_i[n, AWAITING_OPEN]):
        for field in range(awaiting_i.shape[2]):
            awaiting_i[n, k, field] = 0
        for field in range(awaiting_f.shape[2]):
            awaiting_f[n, k, field] = 0.0
    env_i[n, AWAITING_OPEN] = 0
    env_i[n, AWAIT_SINCE_SUM] = 0
