"""Teams and routing: engineers in groups, tickets owned by one group at a time, handed on by ROUTE.

A ticket's owner is its ``GROUP`` column (0, the entry group, without teams: every engineer is in group 0
too, so the group rule below always holds and the mechanic costs a comparison). With teams on
(``params.n_groups > 0``, and ``state.routing_i``, the teams' running counters, allocated):

- a new ticket arrives at the entry group if that is the group most skilled at its *reported* component
  (its home, ``params.component_group``); otherwise at the entry group with probability ``entry_share``,
  else at its home: :func:`assign_first_group`;
- its reported component is wrong with probability ``p_misreport`` (``MISREPORT`` is the shift from the true
  one, hidden); the true one shows once ``reveal_work`` work units are done: :func:`reveal_component`;
- only its group's engineers may act on it (:func:`in_group`, part of every rule in :mod:`.rules`); ROUTE
  to group ``g`` (:func:`route_ticket`) hands it over: it is in transit for ``handoff_steps`` steps
  (nobody may act on it, from the step it was routed in), the new owner reads into it (``handoff_work`` work units more), its workers let go
  and its ``REASSIGNMENTS`` count grows.

Each kernel that only teams need takes ``routing_i`` as an argument and begins with ``if routing_i is None:
return``: numba prunes the rest before typing, so a config without teams compiles none of it (the way of the
other optional mechanics, docs/ARCHITECTURE.md).
"""

from __future__ import annotations

from numba import njit

from .jit import JIT, SEQUENCE_JIT
from .layout import (
    ACTIVE,
    COMPONENT,
    FIRST_GROUP,
    GROUP,
    HANDOFF,
    HASH_PREFIX,
    IN_TRANSIT,
    MISREPORT,
    OFF_BOARD,
    ON_SHIFT,
    RNG_ENTRY,
    RNG_MISREPORT,
    RNG_MISREPORT_SHIFT,
    TICKET_ID,
    WORK_REMAINING,
    WORK_TOTAL,
)
from .rng import uniform
from .types import Int, Params, RoutingI, State


@njit(**SEQUENCE_JIT)
def shown_component(state: State, params: Params, n: Int, row: Int) -> int:
    """The component everyone sees: the reported one until the true one shows (the true one without teams)."""
    ticket_i = state.ticket_i
    shown: int = (ticket_i[n, row, COMPONENT] + ticket_i[n, row, MISREPORT]) % params.n_components
    return shown


@njit(**SEQUENCE_JIT)
def in_group(state: State, params: Params, n: Int, engineer: Int, row: Int) -> bool:
    """Whether ``engineer``'s group owns the ticket in ``row`` (always, without teams)."""
    owned: bool = params.engineer_group[engineer] == state.ticket_i[n, row, GROUP]
    return owned


@njit(**JIT)
def assign_first_group(state: State, params: Params, n: Int, row: Int, routing_i: RoutingI) -> None:
    """A new ticket's reported component (wrong with ``p_misreport``) and the group it arrives at (keyed by
    its id); nothing without teams. Called again if its component is set after its arrival (an incident's)."""
    if routing_i is None:
        return
    ticket_i = state.ticket_i
    prefix = state.env_i[n, HASH_PREFIX]
    ticket_id = ticket_i[n, row, TICKET_ID]
    shift = 0
    if params.n_components > 1 and uniform(prefix, ticket_id, RNG_MISREPORT, 0) < params.p_misreport:
        shift = 1 + int(uniform(prefix, ticket_id, RNG_MISREPORT_SHIFT, 0) * (params.n_components - 1))
    ticket_i[n, row, MISREPORT] = shift
    group = params.component_group[shown_component(state, params, n, row)]
    if uniform(prefix, ticket_id, RNG_ENTRY, 0) < params.entry_share:
        group = 0
    ticket_i[n, row, GROUP] = group
    ticket_i[n, row, FIRST_GROUP] = group


@njit(**SEQUENCE_JIT)
def reveal_component(state: State, params: Params, n: Int, slot: Int) -> None:
    """After work on ``slot``: its true component shows once ``reveal_work`` work units are done."""
    ticket_i, ticket_f = state.ticket_i, state.ticket_f
    if ticket_i[n, slot, MISREPORT] != 0 and (
        ticket_f[n, slot, WORK_TOTAL] - ticket_f[n, slot, WORK_REMAINING] >= params.reveal_work
    ):
        ticket_i[n, slot, MISREPORT] = 0


@njit(**SEQUENCE_JIT)
def may_route(state: State, params: Params, n: Int, slot: Int, group: Int) -> bool:
    """The ROUTE rule: open, not in transit, to a group that exists and does not own it already."""
    ticket_i = state.ticket_i
    allowed: bool = (
        (ticket_i[n, slot, ACTIVE] == 1)
        & (ticket_i[n, slot, HANDOFF] == 0)
        & (group < params.n_groups)
        & (ticket_i[n, slot, GROUP] != group)
    )
    return allowed


@njit(**JIT)
def tick_handoffs(state: State, params: Params, n: Int, routing_i: RoutingI) -> None:
    """Hand-offs in transit in slots count down (ROUTE needs a slot, and the ticket keeps it; those waited out
    off the board count down in the awaiting area), and the count of tickets in transit is taken again (a
    ticket of an incident may close while in transit in its slot)."""
    if routing_i is None or routing_i[n, IN_TRANSIT] == 0:
        return
    ticket_i = state.ticket_i
    in_transit = routing_i[n, OFF_BOARD]
    for slot in range(params.max_tickets):
        if ticket_i[n, slot, HANDOFF] > 0:
            ticket_i[n, slot, HANDOFF] -= 1
            if ticket_i[n, slot, HANDOFF] > 0 and ticket_i[n, slot, ACTIVE] == 1:
                in_transit += 1
    routing_i[n, IN_TRANSIT] = in_transit


@njit(**JIT)
def clear_routing(state: State, n: Int, routing_i: RoutingI) -> None:
    """A new episode: no hand-offs yet."""
    if routing_i is None:
        return
    for k in range(routing_i.shape[1]):
        routing_i[n, k] = 0


@njit(**JIT)
def group_actor(state: State, params: Params, n: Int, slot: Int, anyone: Int, routing_i: RoutingI) -> int:
    """Who carries out a coordinator verb on ``slot`` (ESCALATE / REQUEST_INFO / DEFER / ROUTE): the
    lowest-index engineer on shift of the group that owns it, else that group's lowest-index engineer (then
    the verb is masked). Without teams: ``anyone`` (the lowest-index engineer on shift, else engineer 0)."""
    if routing_i is None:
        return int(anyone)
    engineer_i = state.engineer_i
    first = -1
    for engineer in range(engineer_i.shape[1]):
        if in_group(state, params, n, engineer, slot):
            if engineer_i[n, engineer, ON_SHIFT] == 1:
                return engineer
            if first < 0:
                first = engineer
    return first
