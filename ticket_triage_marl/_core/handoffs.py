"""Hand-offs: ROUTE to another group, and reassignments within a group (``p_reassign``).

A hand-off (:func:`route_ticket`) gives the ticket a new owner (its group, or the same one), one reassignment
more and ``handoff_work`` more work, and lets go of whoever worked it. It is in transit for its hand-off time
(:func:`draw_handoff`): ``handoff_steps`` in its slot (``handoff_sigma`` 0, the countdown of
:func:`.teams.tick_handoffs`), or drawn heavy-tailed and waited out off the board, in the awaiting area as a
``HANDED_OFF`` record (not awaiting: its SLA runs and it adds no awaited steps), coming back as an arrival of
its new group (:func:`.awaiting.tick_awaiting`). A reassignment within the group (:func:`start_reassigning`)
happens in the step a ticket's work first progresses after it reached its group (``VISIT_WORK``), with
``p_reassign``, or ``p_reassign_bouncing`` for a ticket of the bouncing kind (``bouncing_share``: hidden, drawn
by its id). A new ticket that arrives at a group other than the entry group may wait for that group to pick it
up (``pickup_share``, :func:`start_pickups`): a drawn time waited out off the board like a hand-off, as an
``AWAITING_PICKUP`` record, not counted as a reassignment.

Like every kernel of an optional mechanic, each begins with ``if routing_i is None: return``: a config without
teams compiles none of it.
"""

from __future__ import annotations

from numba import njit

from .awaiting import AWAITING_PICKUP, HANDED_OFF, AreaF, AreaI, lognormal_steps, park
from .jit import JIT
from .layout import (
    ACTIVE,
    CURRENT_SLOT,
    GROUP,
    HANDOFF,
    HASH_PREFIX,
    IN_TRANSIT,
    OFF_BOARD,
    QUEUE_COUNT,
    REASSIGNMENTS,
    RNG_BOUNCING,
    RNG_HANDOFF_TIME,
    RNG_HANDOFF_TIME_2,
    RNG_PICKUP,
    RNG_PICKUP_TIME,
    RNG_PICKUP_TIME_2,
    RNG_REASSIGN,
    ROUTED,
    TICKET_ID,
    TIME_ON_TICKET,
    VISIT_WORK,
    WORK_REMAINING,
    WORK_TOTAL,
    T,
)
from .rng import standard_normal, uniform
from .tickets import clear_row, move_ticket, queue_row
from .types import Int, Params, RoutingI, State


@njit(**JIT)
def draw_handoff(state: State, params: Params, n: Int, ticket_id: Int, key: Int) -> int:
    """Steps of one hand-off: ``handoff_steps``, or with ``handoff_sigma > 0`` lognormal with that mean and
    log-sd, rounded, >= 1 (keyed by ticket and ``key``, its reassignments so far: each hand-off its own)."""
    if params.handoff_sigma <= 0.0:
        return params.handoff_steps
    z = standard_normal(state.env_i[n, HASH_PREFIX], ticket_id, RNG_HANDOFF_TIME, RNG_HANDOFF_TIME_2, key)
    return lognormal_steps(max(params.handoff_steps, 1), params.handoff_sigma, z)


@njit(**JIT)
def route_ticket(
    state: State,
    params: Params,
    n: Int,
    slot: Int,
    group: Int,
    now: Int,
    routing_i: RoutingI,
    awaiting_i: AreaI,
    awaiting_f: AreaF,
) -> None:
    """Hand the ticket in ``slot`` to ``group`` (ROUTE; or its own group, a reassignment within it) at env T
    ``now`` (the step being decided, or the one just advanced): in transit for the rest of that step and its
    hand-off time (:func:`draw_handoff`) more (so no one acts on it again in the step it moved),
    ``handoff_work`` more work, one reassignment more; whoever worked it lets go (the new group picks it up).
    A drawn hand-off (``handoff_sigma > 0``) is waited out off the board, in the awaiting area."""
    if routing_i is None:
        return
    ticket_i, ticket_f, engineer_i = state.ticket_i, state.ticket_f, state.engineer_i
    steps = draw_handoff(state, params, n, ticket_i[n, slot, TICKET_ID], ticket_i[n, slot, REASSIGNMENTS])
    steps += 1 if now == state.env_i[n, T] else 0  # decided now: the rest of this step too
    routing_i[n, ROUTED] += 1
    ticket_i[n, slot, GROUP] = group
    ticket_i[n, slot, REASSIGNMENTS] += 1
    ticket_i[n, slot, VISIT_WORK] = 0
    ticket_f[n, slot, WORK_REMAINING] += params.handoff_work
    ticket_f[n, slot, WORK_TOTAL] += params.handoff_work
    if params.handoff_sigma > 0.0 and park(state, n, slot, steps, now, HANDED_OFF, awaiting_i, awaiting_f):
        routing_i[n, IN_TRANSIT] += 1
        routing_i[n, OFF_BOARD] += 1
        return
    ticket_i[n, slot, HANDOFF] = steps
    routing_i[n, IN_TRANSIT] += 1 if steps > 0 else 0  # handoff_steps 0 within a group: no transit at all
    for engineer in range(engineer_i.shape[1]):
        if engineer_i[n, engineer, CURRENT_SLOT] == slot:
            engineer_i[n, engineer, CURRENT_SLOT] = -1
            engineer_i[n, engineer, TIME_ON_TICKET] = 0


@njit(**JIT)
def goes_to_colleague(state: State, params: Params, n: Int, slot: Int) -> bool:
    """Whether the ticket in ``slot``, first worked in this visit of its group, is handed to another engineer
    of it (``p_reassign``, or ``p_reassign_bouncing`` for a ticket of the bouncing kind; keyed by its id and
    reassignments so far): asked in the work phase too, since such a ticket cannot close before it."""
    if not reassigns(params):
        return False
    ticket_i, prefix = state.ticket_i, state.env_i[n, HASH_PREFIX]
    ticket_id = ticket_i[n, slot, TICKET_ID]
    p = params.p_reassign
    if params.bouncing_share > 0.0 and uniform(prefix, ticket_id, RNG_BOUNCING, 0) < params.bouncing_share:
        p = params.p_reassign_bouncing
    draw = uniform(prefix, ticket_id, RNG_REASSIGN, ticket_i[n, slot, REASSIGNMENTS])
    passes: bool = draw < p
    return passes


@njit(**JIT)
def reassigns(params: Params) -> bool:
    """Whether any ticket may be reassigned within its group (``p_reassign``, or the bouncing kind's)."""
    on: bool = params.p_reassign > 0.0 or (params.bouncing_share > 0.0 and params.p_reassign_bouncing > 0.0)
    return on


@njit(**JIT)
def start_reassigning(
    state: State, params: Params, n: Int, step: Int, routing_i: RoutingI, awaiting_i: AreaI, awaiting_f: AreaF
) -> None:
    """Tickets whose work first progressed in ``step`` since they reached their group are handed to another
    engineer of it with probability ``p_reassign`` (a hand-off to their own group, from ``step``)."""
    if routing_i is None or not reassigns(params):
        return
    ticket_i = state.ticket_i
    for slot in range(params.max_tickets):
        if ticket_i[n, slot, ACTIVE] == 0 or ticket_i[n, slot, VISIT_WORK] != step or ticket_i[n, slot, HANDOFF] > 0:
            continue
        if goes_to_colleague(state, params, n, slot):
            route_ticket(state, params, n, slot, ticket_i[n, slot, GROUP], step, routing_i, awaiting_i, awaiting_f)


@njit(**JIT)
def waits_for_pickup(state: State, params: Params, n: Int, row: Int) -> bool:
    """Whether the new ticket in ``row`` waits for its group to pick it up: it arrived at a group other than the
    entry group, and with probability ``pickup_share`` (keyed by its id)."""
    ticket_i = state.ticket_i
    if params.pickup_share <= 0.0 or ticket_i[n, row, GROUP] == 0:
        return False
    draw = uniform(state.env_i[n, HASH_PREFIX], ticket_i[n, row, TICKET_ID], RNG_PICKUP, 0)
    waits: bool = draw < params.pickup_share
    return waits


@njit(**JIT)
def draw_pickup(state: State, params: Params, n: Int, ticket_id: Int) -> int:
    """Steps until a new ticket's group picks it up: lognormal with mean ``pickup_steps`` and log-sd
    ``pickup_sigma``, rounded, >= 1 (keyed by its id)."""
    z = standard_normal(state.env_i[n, HASH_PREFIX], ticket_id, RNG_PICKUP_TIME, RNG_PICKUP_TIME_2, 0)
    return lognormal_steps(params.pickup_steps, params.pickup_sigma, z)


@njit(**JIT)
def pick_up_later(
    state: State, params: Params, n: Int, row: Int, step: Int, routing_i: RoutingI, awaiting_i: AreaI,
    awaiting_f: AreaF,
) -> bool:  # fmt: skip
    """Move the new ticket in ``row`` off the board until its group picks it up (waits from ``step + 1``), if it
    waits (:func:`waits_for_pickup`) and the area has room; whether it moved."""
    if routing_i is None or not waits_for_pickup(state, params, n, row):
        return False
    wait = draw_pickup(state, params, n, state.ticket_i[n, row, TICKET_ID])
    if not park(state, n, row, wait, step, AWAITING_PICKUP, awaiting_i, awaiting_f):
        return False
    routing_i[n, IN_TRANSIT] += 1
    routing_i[n, OFF_BOARD] += 1
    return True


@njit(**JIT)
def arrived_new(state: State, n: Int, row: Int, first_id: Int) -> bool:
    """The ticket in ``row`` is open and new since ids ``first_id`` on were given (a reopened ticket, or one
    back from a wait, keeps its id)."""
    ticket_i = state.ticket_i
    new: bool = (ticket_i[n, row, ACTIVE] == 1) & (ticket_i[n, row, TICKET_ID] >= first_id)
    return new


@njit(**JIT)
def start_pickups(
    state: State, params: Params, n: Int, step: Int, first_id: Int, routing_i: RoutingI, awaiting_i: AreaI,
    awaiting_f: AreaF,
) -> None:  # fmt: skip
    """The new tickets of ``step`` (ids from ``first_id``, the next id before its arrivals: not reopened ones;
    incidents' too) that arrived at a group other than the entry group wait, with probability ``pickup_share``,
    a drawn time off the board before that group picks them up (:func:`pick_up_later`). In slots they free the
    slot; in the queue they are its tail (they arrived last), which closes up behind them."""
    if routing_i is None or awaiting_i is None or params.pickup_share <= 0.0:
        return
    env_i = state.env_i
    for slot in range(params.max_tickets):
        if arrived_new(state, n, slot, first_id):
            pick_up_later(state, params, n, slot, step, routing_i, awaiting_i, awaiting_f)
    count = env_i[n, QUEUE_COUNT]
    first = count
    while first > 0 and arrived_new(state, n, queue_row(state, params, n, first - 1), first_id):
        first -= 1
    kept = first
    for position in range(first, count):
        row = queue_row(state, params, n, position)
        if pick_up_later(state, params, n, row, step, routing_i, awaiting_i, awaiting_f):
            continue  # parked: its row is clear
        if kept != position:
            move_ticket(state, n, row, queue_row(state, params, n, kept))
            clear_row(state, n, row)
        kept += 1
    env_i[n, QUEUE_COUNT] = kept
