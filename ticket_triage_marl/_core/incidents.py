"""Incidents: clusters of tickets from one cause (an outage floods the desk with tickets that share it).

On where ``p_incident > 0``; with it off the incident table has no rows and nothing here runs. Each step an
incident begins with probability ``p_incident`` (drawn by step; with profile arrivals, ``p_incident`` times the
step's rate over the profile's mean, capped at 1, so incidents keep office hours too): its size ``S`` (tickets, the root included) is
lognormal with mean ``incident_size_mean`` and log-sd ``incident_size_sigma``, rounded, at least 1, and at most
every open place; its component is uniform. Its root ticket arrives at once; each of the other ``S - 1``
arrives at a uniform offset in ``[0, incident_window)`` steps after the start (drawn by incident and ticket),
with the incident's component. Everything else about a ticket is drawn as for any arrival. The incident is
hidden: a ticket's ``INCIDENT`` column (the root's ``INCIDENT_ROOT``, its tickets' 1 + the root's id) is
not observed.

Resolving a root closes the incident (:func:`close_incident`): its open tickets lose their work left, so each
resolves, without work, once it is in a slot (in the same step for those already there). Arrivals of the
incident after that are not closed: they come with no root to close them, as late reports of a fixed cause.
"""

from __future__ import annotations

import math
from typing import TypeAlias

import numpy as np
import numpy.typing as npt
from numba import njit

from .awaiting import AreaF, AreaI, open_in_area
from .jit import JIT, SEQUENCE_JIT
from .layout import (
    ACTIVE,
    AWAITING_OPEN,
    BLOCKED,
    COMPONENT,
    CURRENT_SLOT,
    HANDOFF,
    HASH_PREFIX,
    INCIDENT,
    INCIDENT_COMPONENT,
    INCIDENT_KEY,
    INCIDENT_ROOT,
    INCIDENT_ROOT_ID,
    INCIDENT_SIZE,
    INCIDENT_START,
    INCIDENTS,
    INFO_REQUESTS,
    QUEUE_COUNT,
    R_REQUEST_INFO,
    RNG_INCIDENT,
    RNG_INCIDENT_COMPONENT,
    RNG_INCIDENT_OFFSET,
    RNG_INCIDENT_SIZE,
    RNG_INCIDENT_SIZE_2,
    RNG_LINK,
    TICKET_ID,
    TIME_ON_TICKET,
    WAITING_ON,
    WAITING_OPEN,
    WORK_REMAINING,
    T,
)
from .rewards import charge
from .rng import standard_normal, uniform
from .teams import assign_first_group
from .tickets import NO_TRACE_ROW, arrive_new, info_wait, live_row
from .types import Int, Params, State

Table: TypeAlias = "npt.NDArray[np.int64] | None"  # the incident table, None where the mechanic is off


@njit(**JIT)
def incident_size(state: State, params: Params, n: Int, key: Int) -> int:
    """Tickets of incident ``key``: lognormal, rounded, at least 1, at most every open place (slots and queue)."""
    sigma = params.incident_size_sigma
    z = standard_normal(state.env_i[n, HASH_PREFIX], key, RNG_INCIDENT_SIZE, RNG_INCIDENT_SIZE_2, 0)
    size = math.exp(math.log(params.incident_size_mean) - 0.5 * sigma * sigma + sigma * z)
    return min(max(1, int(size + 0.5)), params.max_tickets + params.max_queue)


@njit(**JIT)
def arrive_incidents(state: State, params: Params, n: Int, step: Int, incident_i: Table) -> None:
    """An incident may begin at ``step`` (its root arrives); then every incident's tickets due at ``step``
    (``incident_i``: the state's table, None with the mechanic off: then this compiles to nothing)."""
    if incident_i is None:
        return
    env_i = state.env_i
    prefix = env_i[n, HASH_PREFIX]
    window = params.incident_window
    probability = params.p_incident
    if params.arrival_process == 2:  # a profile: incidents follow its shape (office hours), at the same mean
        profile = params.arrival_profile
        probability = min(1.0, probability * profile[(step - 1) % profile.shape[0]] / params.profile_mean)
    if uniform(prefix, step, RNG_INCIDENT, 0) < probability:
        key = env_i[n, INCIDENTS]
        env_i[n, INCIDENTS] = key + 1
        component = int(uniform(prefix, key, RNG_INCIDENT_COMPONENT, 0) * params.n_components)
        k = step % window  # the incident that used this row began ``window`` steps ago: all of it has arrived
        incident_i[n, k, INCIDENT_START] = step
        incident_i[n, k, INCIDENT_SIZE] = incident_size(state, params, n, key)
        incident_i[n, k, INCIDENT_COMPONENT] = component
        incident_i[n, k, INCIDENT_KEY] = key
        row = arrive_new(state, params, n, NO_TRACE_ROW)
        incident_i[n, k, INCIDENT_ROOT_ID] = -1 if row < 0 else state.ticket_i[n, row, TICKET_ID]
        if row >= 0:
            state.ticket_i[n, row, COMPONENT] = component
            state.ticket_i[n, row, INCIDENT] = INCIDENT_ROOT
            assign_first_group(state, params, n, row, state.routing_i)  # teams: its group follows its component
    for k in range(window):
        start = incident_i[n, k, INCIDENT_START]
        if start == 0 or step - start >= window:
            continue
        key = incident_i[n, k, INCIDENT_KEY]
        for child in range(1, incident_i[n, k, INCIDENT_SIZE]):
            if start + int(uniform(prefix, key, RNG_INCIDENT_OFFSET, child) * window) != step:
                continue
            row = arrive_new(state, params, n, NO_TRACE_ROW)
            if row >= 0:
                state.ticket_i[n, row, COMPONENT] = incident_i[n, k, INCIDENT_COMPONENT]
                root_id = incident_i[n, k, INCIDENT_ROOT_ID]
                state.ticket_i[n, row, INCIDENT] = root_id + 1 if root_id >= 0 else 0
                assign_first_group(state, params, n, row, state.routing_i)


@njit(**JIT)
def close_incident(
    state: State, params: Params, n: Int, root_id: Int, incident_i: Table, awaiting_i: AreaI, awaiting_f: AreaF
) -> None:
    """The root ``root_id`` resolved: every open ticket of its incident (slots, queue, awaiting area) loses its
    work left, so it resolves once it is in a slot."""
    if incident_i is None:
        return
    ticket_i, ticket_f = state.ticket_i, state.ticket_f
    parent = root_id + 1
    for index in range(params.max_tickets + state.env_i[n, QUEUE_COUNT]):
        row = live_row(state, params, n, index)
        if ticket_i[n, row, ACTIVE] == 1 and ticket_i[n, row, INCIDENT] == parent:
            ticket_f[n, row, WORK_REMAINING] = 0.0
    if awaiting_i is None or awaiting_f is None:
        return
    for k in range(state.env_i[n, AWAITING_OPEN]):
        if awaiting_i[n, k, INCIDENT] == parent:
            awaiting_f[n, k, WORK_REMAINING] = 0.0


@njit(**JIT)
def clear_incidents(state: State, n: Int, incident_i: Table) -> None:
    """Forget the incidents of ``n`` (a reset)."""
    if incident_i is None:
        return
    for k in range(incident_i.shape[1]):
        for field in range(incident_i.shape[2]):
            incident_i[n, k, field] = 0
    state.env_i[n, INCIDENTS] = 0


@njit(**JIT)
def ticket_is_open(state: State, params: Params, n: Int, ticket_id: Int) -> bool:
    """Ticket ``ticket_id`` is open: in a slot, the queue or the awaiting area."""
    ticket_i = state.ticket_i
    for index in range(params.max_tickets + state.env_i[n, QUEUE_COUNT]):
        row = live_row(state, params, n, index)
        if ticket_i[n, row, ACTIVE] == 1 and ticket_i[n, row, TICKET_ID] == ticket_id:
            return True
    return open_in_area(n, ticket_id, state.env_i[n, AWAITING_OPEN], state.awaiting_i)  # awaiting: open too


@njit(**SEQUENCE_JIT)
def may_link(state: State, n: Int, slot: Int) -> bool:
    """The LINK rule: open, not in transit, not blocked, not already waiting on another ticket (whether it
    belongs to an incident is hidden: the rule cannot tell)."""
    ticket_i = state.ticket_i
    allowed: bool = (
        (ticket_i[n, slot, ACTIVE] == 1)
        & (ticket_i[n, slot, HANDOFF] == 0)
        & (ticket_i[n, slot, BLOCKED] == 0)
        & (ticket_i[n, slot, WAITING_ON] < 0)
    )
    return allowed


@njit(**JIT)
def link_ticket(state: State, params: Params, n: Int, slot: Int, engineer: Int, incident_i: Table) -> None:
    """LINK: ``engineer`` attaches the ticket in ``slot`` to the incident it duplicates. Right (a ticket of an
    incident whose root is open), it waits on the root, its workers let go, and it resolves with the root
    without work; its root already resolved, it resolves now. Wrong (not a ticket of an incident, or a root),
    the reporter objects: an info round trip, the ticket blocked for ``info_wait_min..max`` steps (at least
    one) and ``r_request_info`` charged, as REQUEST_INFO."""
    if incident_i is None:
        return
    ticket_i, env_i = state.ticket_i, state.env_i
    parent = ticket_i[n, slot, INCIDENT]
    if parent > 0:
        if ticket_is_open(state, params, n, parent - 1):
            ticket_i[n, slot, WAITING_ON] = parent - 1
            env_i[n, WAITING_OPEN] += 1
            engineer_i = state.engineer_i
            for other in range(engineer_i.shape[1]):
                if engineer_i[n, other, CURRENT_SLOT] == slot:
                    engineer_i[n, other, CURRENT_SLOT] = -1
                    engineer_i[n, other, TIME_ON_TICKET] = 0
        else:
            state.ticket_f[n, slot, WORK_REMAINING] = 0.0
        return
    draw = uniform(env_i[n, HASH_PREFIX], ticket_i[n, slot, TICKET_ID], RNG_LINK, env_i[n, T])
    ticket_i[n, slot, BLOCKED] = max(1, info_wait(params, draw))
    ticket_i[n, slot, INFO_REQUESTS] += 1
    charge(state, params, n, engineer, R_REQUEST_INFO, 1.0)
