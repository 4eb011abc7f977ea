"""Actions: one validity rule per verb, and applying an engineer's action.

The rules are used both when an action is applied (:func:`action_is_valid`)
and when the masks are written (:func:`ticket_allows`, in ``observe.py`` and
``coordinator.py``), so a mask shows exactly what would be applied. Who may act
at all: an engineer on shift. WORK on its own current ticket is always allowed
(it means "continue"); otherwise each verb has one rule about the ticket, and
(teams) only the group that owns a ticket acts on it.

Per-engineer encoding (``encoding.py``): ``0`` NOOP, ``1 + (verb-1)*T + slot``
for WORK / ESCALATE / REQUEST_INFO / DEFER on ``slot``, then (teams) ROUTE to
group ``g`` as verb ``VERB_ROUTE + g``.
"""

from __future__ import annotations

import numpy as np
from numba import njit

from .awaiting import INFO_REQUESTED, draw_wait, park
from .encoding import decode_agent_jit
from .handoffs import route_ticket
from .incidents import link_ticket, may_link
from .jit import JIT, SEQUENCE_JIT
from .layout import (
    ACTIVE,
    AMBIGUOUS,
    BLOCKED,
    BREACHED,
    CURRENT_SLOT,
    DEADLINE,
    DEFERRALS,
    ESCALATED,
    ESCALATED_OPEN,
    HANDOFF,
    HASH_PREFIX,
    INFO_REQUESTS,
    INVALID,
    N_REWARD,
    ON_SHIFT,
    R_CONTEXT_SWITCH,
    R_DEFER,
    R_ESCALATE,
    R_INVALID,
    R_REQUEST_INFO,
    RAMP_LEFT,
    RNG_INFO_WAIT,
    SEVERITY,
    TICKET_ID,
    TIME_ON_TICKET,
    VERB_DEFER,
    VERB_ESCALATE,
    VERB_REQUEST_INFO,
    VERB_ROUTE,
    VERB_WORK,
    WAITING_ON,
    T,
)
from .rewards import charge
from .rng import uniform
from .teams import in_group, may_route
from .tickets import info_wait
from .types import Int, Params, State

# verbs as int64 values for calls (a literal argument would compile a function once per value)
WORK = np.int64(VERB_WORK)
ESCALATE = np.int64(VERB_ESCALATE)
REQUEST_INFO = np.int64(VERB_REQUEST_INFO)
DEFER = np.int64(VERB_DEFER)


@njit(**SEQUENCE_JIT)
def ticket_is_workable(state: State, n: Int, row: Int) -> bool:
    """The WORK rule: open, not waiting for info, not waiting on another ticket, not in transit to a group."""
    ticket_i = state.ticket_i
    workable: bool = (
        (ticket_i[n, row, ACTIVE] == 1)
        & (ticket_i[n, row, BLOCKED] == 0)
        & (ticket_i[n, row, WAITING_ON] < 0)
        & (ticket_i[n, row, HANDOFF] == 0)
    )
    return workable


@njit(**SEQUENCE_JIT)
def may_escalate(state: State, n: Int, slot: Int, pool_open: bool) -> bool:
    """The ESCALATE rule: open, not yet escalated, and an expert is free (``pool_open``)."""
    ticket_i = state.ticket_i
    allowed: bool = (ticket_i[n, slot, ACTIVE] == 1) & pool_open & (ticket_i[n, slot, ESCALATED] == 0)
    return allowed


@njit(**SEQUENCE_JIT)
def may_request_info(state: State, n: Int, slot: Int) -> bool:
    """The REQUEST_INFO rule: open and not already waiting for info."""
    ticket_i = state.ticket_i
    allowed: bool = (ticket_i[n, slot, ACTIVE] == 1) & (ticket_i[n, slot, BLOCKED] == 0)
    return allowed


@njit(**SEQUENCE_JIT)
def may_defer(state: State, params: Params, n: Int, slot: Int) -> bool:
    """The DEFER rule: open, not critical, not yet breached, with deferrals left."""
    ticket_i = state.ticket_i
    allowed: bool = (
        (ticket_i[n, slot, ACTIVE] == 1)
        & (ticket_i[n, slot, SEVERITY] < 4)
        & (ticket_i[n, slot, DEFERRALS] < params.max_deferrals)
        & (ticket_i[n, slot, BREACHED] == 0)
    )
    return allowed


@njit(**JIT)
def escalated_count(state: State, params: Params, n: Int) -> int:
    """Open escalated tickets (each holds an expert): a running count, up by ESCALATE, down when one resolves
    (an escalated ticket keeps its expert while it awaits others, and wherever it comes back)."""
    count: int = state.env_i[n, ESCALATED_OPEN]
    return count


@njit(**SEQUENCE_JIT)
def expert_pool_open(state: State, params: Params, n: Int) -> bool:
    """Fewer open escalated tickets than ``max_escalated``: an expert is free."""
    return escalated_count(state, params, n) < params.max_escalated


@njit(**JIT)
def ticket_allows(state: State, params: Params, n: Int, verb: Int, slot: Int, pool_open: bool) -> bool:
    """The ticket rule of ``verb`` on ``slot`` (the same for every engineer who is on shift). A ticket in
    transit to another group (teams) takes no verb, from the step it was routed in."""
    if state.ticket_i[n, slot, HANDOFF] > 0:
        return False
    if verb == VERB_WORK:
        return ticket_is_workable(state, n, slot)
    if verb == VERB_ESCALATE:
        return may_escalate(state, n, slot, pool_open)
    if verb == VERB_REQUEST_INFO:
        return may_request_info(state, n, slot)
    if verb == VERB_DEFER:
        return may_defer(state, params, n, slot)
    if verb == params.link_verb:
        return may_link(state, n, slot)
    if verb >= VERB_ROUTE:
        return may_route(state, params, n, slot, verb - VERB_ROUTE)
    return False


@njit(**JIT)
def action_is_valid(state: State, params: Params, n: Int, engineer: Int, verb: Int, slot: Int) -> bool:
    """Whether ``engineer`` may apply ``verb`` to ``slot`` now (NOOP always may)."""
    engineer_i = state.engineer_i
    if engineer_i[n, engineer, ON_SHIFT] == 0 or state.ticket_i[n, slot, ACTIVE] == 0:
        return False
    if not in_group(state, params, n, engineer, slot):  # teams: another group owns it
        return False
    if verb == VERB_WORK and engineer_i[n, engineer, CURRENT_SLOT] == slot:
        return True  # continuing its own ticket
    pool_open = expert_pool_open(state, params, n) if verb == VERB_ESCALATE else False
    return ticket_allows(state, params, n, verb, slot, pool_open)


@njit(**JIT)
def begin_tick(state: State, n: Int) -> None:
    """Start a tick: clear this tick's reward accumulators and invalid flags."""
    engineer_i, accumulated = state.engineer_i, state.accumulated
    for engineer in range(engineer_i.shape[1]):
        for component in range(N_REWARD):
            accumulated[n, engineer, component] = 0.0
        engineer_i[n, engineer, INVALID] = 0


@njit(**JIT)
def apply_action(state: State, params: Params, n: Int, engineer: Int, action: int) -> None:
    """Apply one engineer's (in-space) action to environment ``n`` in place.

    A masked action is applied as NOOP, flagged INVALID and costs r_invalid.
    """
    if action == 0:
        return
    ticket_i, engineer_i = state.ticket_i, state.engineer_i
    verb, slot = decode_agent_jit(action, params.max_tickets)
    if not action_is_valid(state, params, n, engineer, verb, slot):
        engineer_i[n, engineer, INVALID] = 1
        charge(state, params, n, engineer, R_INVALID, 1.0)
        return
    if verb == VERB_WORK:
        current = engineer_i[n, engineer, CURRENT_SLOT]
        if current != slot:
            if current >= 0:  # leaving a ticket unfinished: a context switch
                charge(state, params, n, engineer, R_CONTEXT_SWITCH, 1.0)
                engineer_i[n, engineer, RAMP_LEFT] = params.switch_ramp_steps
            engineer_i[n, engineer, CURRENT_SLOT] = slot
            engineer_i[n, engineer, TIME_ON_TICKET] = 0
    elif verb == VERB_ESCALATE:
        ticket_i[n, slot, ESCALATED] = 1
        state.env_i[n, ESCALATED_OPEN] += 1
        charge(state, params, n, engineer, R_ESCALATE, 1.0)
    elif verb == VERB_REQUEST_INFO and params.request_info_awaits:  # the ticket goes to the customer
        requests = ticket_i[n, slot, INFO_REQUESTS]
        ticket_i[n, slot, INFO_REQUESTS] = requests + 1
        wait = draw_wait(state, params, n, ticket_i[n, slot, TICKET_ID], requests)
        since = state.env_i[n, T]  # it waits from this step
        if not park(state, n, slot, wait, since, INFO_REQUESTED, state.awaiting_i, state.awaiting_f):  # area full
            ticket_i[n, slot, BLOCKED] = wait
        charge(state, params, n, engineer, R_REQUEST_INFO, 1.0)
    elif verb == VERB_REQUEST_INFO:
        requests = ticket_i[n, slot, INFO_REQUESTS]
        draw = uniform(state.env_i[n, HASH_PREFIX], ticket_i[n, slot, TICKET_ID], RNG_INFO_WAIT, requests)
        wait = info_wait(params, draw)
        ticket_i[n, slot, INFO_REQUESTS] = requests + 1
        ticket_i[n, slot, BLOCKED] = wait
        if wait == 0:
            ticket_i[n, slot, AMBIGUOUS] = 0
        charge(state, params, n, engineer, R_REQUEST_INFO, 1.0)
    elif verb == VERB_DEFER:
        ticket_i[n, slot, DEADLINE] += params.defer_steps
        ticket_i[n, slot, DEFERRALS] += 1
        charge(state, params, n, engineer, R_DEFER, 1.0)
    elif verb == params.link_verb:
        link_ticket(state, params, n, slot, engineer, state.incident_i)
    elif verb >= VERB_ROUTE:
        route_ticket(
            state,
            params,
            n,
            slot,
            verb - VERB_ROUTE,
            state.env_i[n, T],
            state.routing_i,
            state.awaiting_i,
            state.awaiting_f,
        )
