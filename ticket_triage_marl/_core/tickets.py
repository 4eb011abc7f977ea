"""Ticket records: the one writer of an open ticket, the intake queue ring, arrivals.

Rows ``0 .. T-1`` of ``state.ticket_i`` / ``state.ticket_f`` are the visible
slots; rows ``T .. T+Q-1`` hold the intake queue as a ring buffer (see
:mod:`.layout`). Every ticket that becomes open (a new arrival, a reopened
ticket, the initial backlog) is written by :func:`write_ticket` and then
counted by :func:`register_open`.

Kernels index arrays element by element and never slice: a slice is an array
view whose reference count numba updates atomically, and every environment
shares the same arrays, so views in the hot path would serialize the threads.
"""

from __future__ import annotations

import math

import numpy as np
import numpy.typing as npt
from numba import njit

from .jit import ENTRY_JIT, JIT, SEQUENCE_JIT
from .layout import (
    ACTIVE,
    AMBIGUOUS,
    ARRIVAL,
    ARRIVAL_SUM,
    ARRIVED,
    COMPONENT,
    DEADLINE,
    DROPPED,
    HASH_PREFIX,
    LIFE_FIELDS,
    NEXT_DEADLINE,
    NEXT_ID,
    PENDING_REOPENS,
    QUEUE_COUNT,
    QUEUE_HEAD,
    REOPEN_DUE,
    REOPENED,
    REOPENS,
    RNG_AMBIGUOUS,
    RNG_ARRIVAL,
    RNG_COMPONENT,
    RNG_DEPENDENCY,
    RNG_DEPENDENCY_TARGET,
    RNG_SEVERITY,
    RNG_WORK,
    RNG_WORK_2,
    SEVERITY,
    TICKET_ID,
    TRACE_OFFSET,
    WAITING_ON,
    WAITING_OPEN,
    WORK_REMAINING,
    WORK_TOTAL,
    T,
)
from .rng import standard_normal, uniform
from .teams import assign_first_group
from .types import Int, Params, State

# Flags passed to write_ticket as int64 values, not literals: numba compiles a
# function once per literal argument value, once for all int64 values.
FLAG_OFF = np.int64(0)
FLAG_ON = np.int64(1)
NO_TRACE_ROW = np.int64(-1)  # a simulated ticket: its attributes are drawn


# -- places ------------------------------------------------------------------


@njit(**SEQUENCE_JIT)
def queue_row(state: State, params: Params, n: Int, position: Int) -> int:
    """Row of queue position ``position`` (0 = the head, the oldest) in the ring buffer."""
    ring: int = state.env_i[n, QUEUE_HEAD] + position
    if ring >= params.max_queue:
        ring -= params.max_queue
    return params.max_tickets + ring


@njit(**SEQUENCE_JIT)
def live_row(state: State, params: Params, n: Int, index: Int) -> Int:
    """Row of the ``index``-th open-ticket place: the slots in order, then the
    queue oldest first (``index < T + QUEUE_COUNT``)."""
    if index < params.max_tickets:
        return index
    return queue_row(state, params, n, index - params.max_tickets)


@njit(**JIT)
def clear_row(state: State, n: Int, row: Int) -> None:
    """Empty ``row`` (and its resolve credit, tracked for slots only)."""
    ticket_i, ticket_f, contributed = state.ticket_i, state.ticket_f, state.contributed
    for k in range(ticket_i.shape[2]):
        ticket_i[n, row, k] = 0
    ticket_i[n, row, WAITING_ON] = -1
    for k in range(ticket_f.shape[2]):
        ticket_f[n, row, k] = 0.0
    if row < contributed.shape[1]:
        for k in range(contributed.shape[2]):
            contributed[n, row, k] = 0.0


# -- the one writer ----------------------------------------------------------


@njit(**JIT)
def sla_deadline(state: State, params: Params, n: Int, row: Int) -> int:
    """The SLA deadline of the ticket in ``row`` arriving now: the one SLA rule (from its severity)."""
    deadline: int = state.env_i[n, T] + params.sla_steps[state.ticket_i[n, row, SEVERITY] - 1]
    return deadline


@njit(**JIT)
def open_ticket(state: State, n: Int, row: Int, deadline: Int, reopened: Int) -> None:
    """Stamp the ticket in ``row`` as arriving now, keeping its attributes (id, severity, component and
    whatever else its record carries): open, this life's fields cleared, its SLA ``deadline``, no dependency
    (the caller may add one), ``reopened`` as given."""
    ticket_i = state.ticket_i
    for k in LIFE_FIELDS:
        ticket_i[n, row, k] = 0
    ticket_i[n, row, ACTIVE] = 1
    ticket_i[n, row, ARRIVAL] = state.env_i[n, T]
    ticket_i[n, row, DEADLINE] = deadline
    ticket_i[n, row, WAITING_ON] = -1
    ticket_i[n, row, REOPENED] = reopened


@njit(**JIT)
def write_ticket(state: State, params: Params, n: Int, row: Int, reopened: Int) -> None:
    """The one writer of a ticket that becomes open: ``row`` holds its attributes (an arrival's drawn ones,
    or a reopened ticket's record); stamp it as arriving now with its SLA deadline."""
    open_ticket(state, n, row, sla_deadline(state, params, n, row), reopened)


@njit(**JIT)
def register_open(state: State, n: Int, row: Int) -> None:
    """Running totals for a ticket that has just become open in ``row``: the
    arrival sum (mean age) and the earliest deadline."""
    ticket_i, env_i = state.ticket_i, state.env_i
    env_i[n, ARRIVAL_SUM] += ticket_i[n, row, ARRIVAL]
    if ticket_i[n, row, DEADLINE] < env_i[n, NEXT_DEADLINE]:
        env_i[n, NEXT_DEADLINE] = ticket_i[n, row, DEADLINE]


@njit(**JIT)
def move_ticket(state: State, n: Int, source_row: Int, row: Int) -> None:
    """Copy the ticket record of ``source_row`` into ``row`` (queue head -> slot)."""
    ticket_i, ticket_f = state.ticket_i, state.ticket_f
    for k in range(ticket_i.shape[2]):
        ticket_i[n, row, k] = ticket_i[n, source_row, k]
    for k in range(ticket_f.shape[2]):
        ticket_f[n, row, k] = ticket_f[n, source_row, k]


# -- new tickets ---------------------------------------------------------------


@njit(**JIT)
def draw_work(state: State, params: Params, n: Int, ticket_id: Int) -> float:
    """Work units of a new ticket (keyed by its id: common random numbers)."""
    mean = params.work_mean
    prefix = state.env_i[n, HASH_PREFIX]
    if params.work_distribution == 2:  # deterministic
        return mean
    if params.work_distribution == 1:  # exponential
        return -mean * math.log(uniform(prefix, ticket_id, RNG_WORK, 0))
    sigma = params.work_sigma  # lognormal with the given mean
    z = standard_normal(prefix, ticket_id, RNG_WORK, RNG_WORK_2, 0)
    return math.exp(math.log(mean) - 0.5 * sigma * sigma + sigma * z)


@njit(**SEQUENCE_JIT)
def info_wait(params: Params, draw: float) -> int:
    """Steps an info round trip blocks a ticket: uniform over ``info_wait_min .. info_wait_max`` at ``draw``."""
    low, high = params.info_wait_min, params.info_wait_max
    wait: int = low + int(draw * (high - low + 1))
    return wait


@njit(**SEQUENCE_JIT)
def first_passing(u: float, cdf: npt.NDArray[np.float64]) -> int:
    """The first index whose cumulative share passes ``u`` (the last one if none does)."""
    for level in range(cdf.shape[0]):
        if u < cdf[level]:
            return level
    last: int = cdf.shape[0] - 1
    return last


@njit(**JIT)
def write_new_ticket(
    state: State, params: Params, n: Int, row: Int, ticket_id: Int, n_rows: Int, trace_row: Int
) -> None:
    """Draw a new ticket's attributes (keyed by its id) into ``row``; ``n_rows``
    open-ticket places (slots and queue) exist, among which it may depend on one.
    A replayed ticket (``trace_row >= 0``) takes its severity, and its component
    where the trace knows it, from that row of the trace."""
    ticket_i, env_i = state.ticket_i, state.env_i
    prefix = env_i[n, HASH_PREFIX]
    severity = 1 + first_passing(uniform(prefix, ticket_id, RNG_SEVERITY, 0), params.severity_cdf)
    u = uniform(prefix, ticket_id, RNG_COMPONENT, 0)
    component = int(u * params.n_components)
    if params.component_cdf.shape[0] > 0:  # a component mix
        component = first_passing(u, params.component_cdf)
    if trace_row >= 0:
        severity = params.trace_severity[trace_row]
        if params.trace_component[trace_row] >= 0:
            component = params.trace_component[trace_row]
    work = draw_work(state, params, n, ticket_id)
    for k in range(ticket_i.shape[2]):  # a new record: every attribute starts at 0
        ticket_i[n, row, k] = 0
    ticket_i[n, row, TICKET_ID] = ticket_id
    ticket_i[n, row, SEVERITY] = severity
    ticket_i[n, row, COMPONENT] = component
    state.ticket_f[n, row, WORK_REMAINING] = work
    state.ticket_f[n, row, WORK_TOTAL] = work
    write_ticket(state, params, n, row, FLAG_OFF)
    if uniform(prefix, ticket_id, RNG_AMBIGUOUS, 0) < params.p_ambiguous:  # hidden until info is obtained
        ticket_i[n, row, AMBIGUOUS] = 1
    # A dependency on a uniformly chosen other open ticket (slots and queue).
    if uniform(prefix, ticket_id, RNG_DEPENDENCY, 0) < params.p_dependency:
        candidates = 0
        for index in range(n_rows):
            other = live_row(state, params, n, index)
            if other != row and ticket_i[n, other, ACTIVE] == 1:
                candidates += 1
        if candidates > 0:
            pick = int(uniform(prefix, ticket_id, RNG_DEPENDENCY_TARGET, 0) * candidates)
            for index in range(n_rows):
                other = live_row(state, params, n, index)
                if other != row and ticket_i[n, other, ACTIVE] == 1:
                    if pick == 0:
                        ticket_i[n, row, WAITING_ON] = ticket_i[n, other, TICKET_ID]
                        env_i[n, WAITING_OPEN] += 1
                        break
                    pick -= 1


@njit(**JIT)
def claim_incoming_row(state: State, params: Params, n: Int) -> int:
    """Claim the row of an arriving ticket: a free slot if the queue is empty,
    else the queue's tail (the queue grows by one); -1 when the queue is full
    (the ticket is dropped)."""
    ticket_i, env_i = state.ticket_i, state.env_i
    queue_count = env_i[n, QUEUE_COUNT]
    if queue_count == 0:
        for slot in range(params.max_tickets):
            if ticket_i[n, slot, ACTIVE] == 0:
                return slot
    if queue_count < params.max_queue:
        env_i[n, QUEUE_COUNT] = queue_count + 1
        return queue_row(state, params, n, queue_count)
    return -1


@njit(**JIT)
def promote_queue(state: State, params: Params, n: Int) -> None:
    """Move queued tickets, oldest first, into free slots (the ring's head advances)."""
    ticket_i, contributed, env_i = state.ticket_i, state.contributed, state.env_i
    for slot in range(params.max_tickets):
        if env_i[n, QUEUE_COUNT] == 0:
            return
        if ticket_i[n, slot, ACTIVE] == 1:
            continue
        move_ticket(state, n, queue_row(state, params, n, 0), slot)
        for engineer in range(contributed.shape[2]):
            contributed[n, slot, engineer] = 0.0
        head = env_i[n, QUEUE_HEAD] + 1
        env_i[n, QUEUE_HEAD] = 0 if head >= params.max_queue else head
        env_i[n, QUEUE_COUNT] -= 1


@njit(**JIT)
def arrive_new(state: State, params: Params, n: Int, trace_row: Int) -> int:
    """One new (exogenous) ticket arrives: the next id, a row, its attributes
    (from row ``trace_row`` of a replayed trace, or drawn if it is -1); or a drop.
    Returns its row, -1 if it was dropped."""
    env_i = state.env_i
    ticket_id = env_i[n, NEXT_ID]
    env_i[n, NEXT_ID] = ticket_id + 1
    env_i[n, ARRIVED] += 1
    row = claim_incoming_row(state, params, n)
    if row < 0:
        env_i[n, DROPPED] += 1
        return -1
    write_new_ticket(state, params, n, row, ticket_id, params.max_tickets + env_i[n, QUEUE_COUNT], trace_row)
    assign_first_group(state, params, n, row, state.routing_i)
    register_open(state, n, row)
    return row


@njit(**JIT)
def arrival_count(state: State, params: Params, n: Int, step: Int) -> int:
    """Exogenous arrivals at ``step`` (depends only on seed, episode and step):
    bernoulli, or Poisson with a constant rate or the rate of the profile at
    ``step`` (step ``k`` uses ``arrival_profile[(k - 1) % len]``)."""
    u = uniform(state.env_i[n, HASH_PREFIX], step, RNG_ARRIVAL, 0)
    if params.arrival_process == 0:
        return 1 if u < params.p_new_ticket else 0
    if params.arrival_process == 1:
        rate = params.arrival_rate
    else:
        rate = params.arrival_profile[(step - 1) % params.arrival_profile.shape[0]]
    return poisson_count(u, rate)


@njit("int64(float64, float64)", **ENTRY_JIT)
def poisson_count(u: float, rate: float) -> int:
    """The Poisson(``rate``) count at quantile ``u``, by inverse transform, uncapped:
    the sum stops only when it reaches ``u`` or when no probability is left to
    add (past the mode, once a term underflows), so no rate is biased."""
    probability = math.exp(-rate)
    cumulative = probability
    count = 0
    while u > cumulative and (probability > 0.0 or count < rate):
        count += 1
        probability *= rate / count
        cumulative += probability
    return count


@njit(**JIT)
def admit_arrivals(state: State, params: Params, n: Int, step: Int) -> None:
    """Queued tickets into free slots, then reopened tickets due now (as
    arrivals of their own id), then this step's new tickets."""
    env_i, reopen_i, reopen_f, contributed = state.env_i, state.reopen_i, state.reopen_f, state.contributed
    promote_queue(state, params, n)
    for k in range(reopen_i.shape[1] if env_i[n, PENDING_REOPENS] > 0 else 0):
        if reopen_i[n, k, ACTIVE] == 1 and reopen_i[n, k, REOPEN_DUE] <= step:
            env_i[n, PENDING_REOPENS] -= 1
            env_i[n, ARRIVED] += 1
            env_i[n, REOPENS] += 1
            row = claim_incoming_row(state, params, n)
            if row < 0:
                env_i[n, DROPPED] += 1
            else:
                for field in range(reopen_i.shape[2]):  # its whole record: every attribute comes back
                    state.ticket_i[n, row, field] = reopen_i[n, k, field]
                for field in range(reopen_f.shape[2]):
                    state.ticket_f[n, row, field] = reopen_f[n, k, field]
                write_ticket(state, params, n, row, FLAG_ON)
                register_open(state, n, row)
                if row < params.max_tickets:
                    for engineer in range(contributed.shape[2]):
                        contributed[n, row, engineer] = 0.0
            for field in range(reopen_i.shape[2]):
                reopen_i[n, k, field] = 0
            for field in range(reopen_f.shape[2]):
                reopen_f[n, k, field] = 0.0
    if params.arrival_process == 3:  # trace replay: the rows of the trace step this step replays
        trace_step = env_i[n, TRACE_OFFSET] + step - 1
        if trace_step < params.trace_steps:  # after the trace's end, arrivals stop
            for trace_row in range(params.trace_first_row[trace_step], params.trace_first_row[trace_step + 1]):
                arrive_new(state, params, n, trace_row)
        return
    for _ in range(arrival_count(state, params, n, step)):
        arrive_new(state, params, n, NO_TRACE_ROW)


@njit(**JIT)
def schedule_reopen(state: State, n: Int, slot: Int, due: Int, work: float) -> None:
    """Put the ticket resolving in ``slot`` in the reopen buffer: it comes back
    at step ``due`` with ``work`` units, flagged reopened (if the buffer has room)."""
    ticket_i, reopen_i, reopen_f, env_i = state.ticket_i, state.reopen_i, state.reopen_f, state.env_i
    for k in range(reopen_i.shape[1]):
        if reopen_i[n, k, ACTIVE] == 0:
            for field in range(reopen_i.shape[2]):  # its attributes; write_ticket clears this life's fields
                reopen_i[n, k, field] = ticket_i[n, slot, field]
            for field in LIFE_FIELDS:
                reopen_i[n, k, field] = 0
            reopen_i[n, k, ACTIVE] = 1
            reopen_i[n, k, WAITING_ON] = -1
            reopen_i[n, k, REOPENED] = 1
            reopen_i[n, k, REOPEN_DUE] = due
            reopen_f[n, k, WORK_REMAINING] = work
            reopen_f[n, k, WORK_TOTAL] = work
            env_i[n, PENDING_REOPENS] += 1
            return
