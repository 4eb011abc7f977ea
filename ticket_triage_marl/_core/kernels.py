"""The ticket-triage dynamics, written once as numba kernels over a batch.

Every function takes the batch arrays (leading axis = environment ``n``) and
works *in place* on environment ``n``; the ``*_batch`` entry points loop over
environments with ``prange``. Each environment's arithmetic depends only on its
own rows, so results are bit-identical whatever the batch size or the number
of threads. ``fastmath`` stays off for the same reason.

One step (SPEC section 4), for environment ``n``:

1. ``apply_action`` for each engineer in index order (the AEC API calls it one
   engineer at a time, so later engineers see earlier ones' effects);
2. ``advance``: idle check, progress work, regressions, release info-blocks,
   resolve, release dependencies on resolved tickets (the same step, not one
   step late), admit arrivals, SLA deadline checks, rewards, shifts.

Nothing is updated per queued ticket per step: tickets store their arrival and
deadline steps (age and SLA time left are differences with the clock), and
``env_i`` keeps running totals (open arrival sum, overdue and waiting tickets,
the earliest deadline) so that the queue is scanned only when something there
can change. The batch entry points prefetch the next environment's records.

Randomness is a counter-based hash of (seed, episode, key, purpose, index):
draws never depend on the order of evaluation, and the exogenous stream
(arrival times and ticket attributes, keyed by step and ticket id) does not
depend on the actions taken, which gives common random numbers.
"""

from __future__ import annotations

import math

import numpy as np
from numba import njit, prange

from .layout import (
    ACTIVE,
    AMBIGUOUS,
    ARRIVAL,
    ARRIVAL_SUM,
    ARRIVED,
    BLOCKED,
    BREACHED,
    BREACHES,
    COMPONENT,
    COORD_ASSIGN,
    COORD_NOOP,
    COORD_SWARM,
    CURRENT_SLOT,
    DEADLINE,
    DEFERRALS,
    DROPPED,
    EPISODE,
    ESCALATED,
    HASH_PREFIX,
    INFO_REQUESTS,
    INVALID,
    N_REWARD,
    NEXT_DEADLINE,
    NEXT_ID,
    ON_SHIFT,
    OVERDUE_OPEN,
    P_AGE_SCALE,
    P_AMBIGUOUS_REGRESSION_FACTOR,
    P_AMBIGUOUS_SLOWDOWN,
    P_ARRIVAL_PROCESS,
    P_ARRIVAL_RATE,
    P_DEFER_STEPS,
    P_EXPERT_SKILL,
    P_HORIZON,
    P_INDIVIDUAL_REWARDS,
    P_INFO_WAIT_MAX,
    P_INFO_WAIT_MIN,
    P_INITIAL_BACKLOG,
    P_LOCAL_OBSERVATION,
    P_MAX_DEFERRALS,
    P_MAX_ESCALATED,
    P_MAX_QUEUE,
    P_N_COMPONENTS,
    P_P_AMBIGUOUS,
    P_P_DEPENDENCY,
    P_P_NEW_TICKET,
    P_P_REGRESSION,
    P_P_REOPEN,
    P_R_CONTEXT_SWITCH,
    P_R_DEFER,
    P_R_ESCALATE,
    P_R_IDLE,
    P_R_INVALID,
    P_R_OVERDUE,
    P_R_REQUEST_INFO,
    P_R_RESOLVE,
    P_R_SLA_BREACH,
    P_R_SWARM,
    P_REGRESSION_WORK,
    P_REOPEN_WINDOW,
    P_REOPEN_WORK_FRACTION,
    P_SHIFT_LENGTH,
    P_SHIFT_PERIOD,
    P_SKILL_NOISE,
    P_SWARM_EFFICIENCY,
    P_SWITCH_RAMP_STEPS,
    P_WORK_DISTRIBUTION,
    P_WORK_MEAN,
    P_WORK_SIGMA,
    PENDING_REOPENS,
    QUEUE_COUNT,
    QUEUE_HEAD,
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
    RAMP_LEFT,
    REOPEN_DUE,
    REOPENED,
    REOPENS,
    RESOLVED,
    RNG_AMBIGUOUS,
    RNG_ARRIVAL,
    RNG_COMPONENT,
    RNG_DEPENDENCY,
    RNG_DEPENDENCY_TARGET,
    RNG_INFO_WAIT,
    RNG_REGRESSION,
    RNG_REOPEN,
    RNG_REOPEN_DELAY,
    RNG_SEVERITY,
    RNG_SKILL,
    RNG_SKILL_2,
    RNG_WORK,
    RNG_WORK_2,
    SEED_HI,
    SEED_LO,
    SEVERITY,
    TICKET_ID,
    TIME_ON_TICKET,
    VERB_DEFER,
    VERB_ESCALATE,
    VERB_REQUEST_INFO,
    VERB_WORK,
    WAITING_ON,
    WAITING_OPEN,
    WORK_REMAINING,
    WORK_TOTAL,
    T,
)
from .prefetch import prefetch_record

# No reference counting (kernels never allocate), and numpy's error model: a
# float division by zero would give inf instead of raising, which drops a branch
# from every division (no kernel divides by zero).
JIT = {"cache": True, "nogil": True, "_nrt": False, "error_model": "numpy", "forceinline": True}
PARALLEL_JIT = {**JIT, "parallel": True}
WORK_EPSILON = 1e-9  # work at or below this is done
MAX_ARRIVALS_PER_STEP = 64  # cap of the poisson draw (rate <= 16 makes it unreachable in practice)
NO_DEADLINE = 2**62  # NEXT_DEADLINE when no open ticket can breach

# Observation layout sizes.
N_GLOBAL = 5
N_TICKET_FEATURES = 9
N_ENGINEER_FEATURES = 3
N_STATE_TICKET_EXTRA = 4
N_STATE_ENGINEER_EXTRA = 2
N_STATE_GLOBAL_EXTRA = 2

# ----------------------------------------------------------------------------
# Randomness: a counter-based 32-bit hash (lowbias32 mixer), uint64 arithmetic
# kept below 2**64 so it never overflows, in numba or in plain Python.
# ----------------------------------------------------------------------------
_M32 = np.uint64(0xFFFFFFFF)
_GOLDEN = np.uint64(0x9E3779B9)
_MUL_1 = np.uint64(0x7FEB352D)
_MUL_2 = np.uint64(0x846CA68B)
_S16 = np.uint64(16)
_S15 = np.uint64(15)


@njit(**JIT)
def _mix32(x):
    x = x ^ (x >> _S16)
    x = (x * _MUL_1) & _M32
    x = x ^ (x >> _S15)
    x = (x * _MUL_2) & _M32
    x = x ^ (x >> _S16)
    return x


@njit(**JIT)
def _absorb(h, value):
    return _mix32((h + (np.uint64(value) & _M32) + _GOLDEN) & _M32)


@njit(**JIT)
def hash_prefix(seed_lo, seed_hi, episode):
    """The hash of (seed, episode) that every draw of the episode starts from."""
    h = _absorb(np.uint64(0), seed_lo)
    h = _absorb(h, seed_hi)
    return _absorb(h, episode)


@njit(**JIT)
def uniform(env_i, n, key, purpose, index):
    """A uniform draw in (0, 1) for environment ``n``: the hash of (seed,
    episode, key, purpose, index), the first two absorbed at reset."""
    h = _absorb(np.uint64(env_i[n, HASH_PREFIX]), key)
    h = _absorb(h, purpose)
    h = _absorb(h, index)
    return (float(h) + 0.5) / 4294967296.0


@njit(**JIT)
def standard_normal(env_i, n, key, purpose_1, purpose_2, index):
    """Box-Muller from two keyed uniforms."""
    u1 = uniform(env_i, n, key, purpose_1, index)
    u2 = uniform(env_i, n, key, purpose_2, index)
    return math.sqrt(-2.0 * math.log(u1)) * math.cos(2.0 * math.pi * u2)


# Kernels index arrays element by element and never slice: a slice is an array
# view whose reference count numba updates atomically, and every environment
# shares the same arrays, so views in the hot path serialize the threads.


@njit(**JIT)
def _copy_ticket(source_i, source_f, source_row, ticket_i, ticket_f, n, row):
    """Copy ticket record ``source_*[n, source_row]`` into ``ticket_*[n, row]``."""
    for k in range(ticket_i.shape[2]):
        ticket_i[n, row, k] = source_i[n, source_row, k]
    for k in range(ticket_f.shape[2]):
        ticket_f[n, row, k] = source_f[n, source_row, k]


@njit(**JIT)
def _fill_int(array, n, value):
    """``array[n, ...] = value`` for a 3-D int array, without a view."""
    for i in range(array.shape[1]):
        for k in range(array.shape[2]):
            array[n, i, k] = value


@njit(**JIT)
def _fill_float(array, n, value):
    for i in range(array.shape[1]):
        for k in range(array.shape[2]):
            array[n, i, k] = value


# ----------------------------------------------------------------------------
# Small queries
# ----------------------------------------------------------------------------


@njit(**JIT)
def queue_row(env_i, params, n, n_slots, position):
    """Row of queue position ``position`` (0 = the head) in the ring buffer."""
    ring = env_i[n, QUEUE_HEAD] + position
    if ring >= int(params[P_MAX_QUEUE]):
        ring -= int(params[P_MAX_QUEUE])
    return n_slots + ring


@njit(**JIT)
def live_row(env_i, params, n, n_slots, index):
    """Row of the ``index``-th open-ticket place: the slots in order, then the
    queue oldest first (``index < n_slots + QUEUE_COUNT``)."""
    if index < n_slots:
        return index
    return queue_row(env_i, params, n, n_slots, index - n_slots)


@njit(**JIT)
def _register_arrival(ticket_i, env_i, n, row):
    """Bookkeeping for a ticket that has just become open in ``row``."""
    env_i[n, ARRIVAL_SUM] += ticket_i[n, row, ARRIVAL]
    if ticket_i[n, row, DEADLINE] < env_i[n, NEXT_DEADLINE]:
        env_i[n, NEXT_DEADLINE] = ticket_i[n, row, DEADLINE]


@njit(**JIT)
def ticket_is_workable(ticket_i, n, row):
    """Open, not waiting for info and not waiting on another ticket."""
    return ticket_i[n, row, ACTIVE] == 1 and ticket_i[n, row, BLOCKED] == 0 and ticket_i[n, row, WAITING_ON] < 0


@njit(**JIT)
def escalated_count(ticket_i, n, n_rows):
    count = 0
    for row in range(n_rows):
        if ticket_i[n, row, ACTIVE] == 1 and ticket_i[n, row, ESCALATED] == 1:
            count += 1
    return count


@njit(**JIT)
def action_is_valid(ticket_i, engineer_i, params, n, engineer, verb, slot, n_slots):
    """Whether ``engineer`` may apply ``verb`` to ``slot`` now (NOOP always may)."""
    if engineer_i[n, engineer, ON_SHIFT] == 0:
        return False
    if ticket_i[n, slot, ACTIVE] == 0:
        return False
    if verb == VERB_WORK:
        return engineer_i[n, engineer, CURRENT_SLOT] == slot or ticket_is_workable(ticket_i, n, slot)
    if verb == VERB_ESCALATE:
        if ticket_i[n, slot, ESCALATED] == 1:
            return False
        return escalated_count(ticket_i, n, n_slots) < int(params[P_MAX_ESCALATED])
    if verb == VERB_REQUEST_INFO:
        return ticket_i[n, slot, BLOCKED] == 0
    if verb == VERB_DEFER:
        return (
            ticket_i[n, slot, SEVERITY] < 4
            and ticket_i[n, slot, DEFERRALS] < int(params[P_MAX_DEFERRALS])
            and ticket_i[n, slot, BREACHED] == 0
        )
    return False


# ----------------------------------------------------------------------------
# Ticket creation and admission
# ----------------------------------------------------------------------------


@njit(**JIT)
def _draw_work(env_i, params, n, ticket_id):
    mean = params[P_WORK_MEAN]
    distribution = int(params[P_WORK_DISTRIBUTION])
    if distribution == 2:  # deterministic
        return mean
    if distribution == 1:  # exponential
        return -mean * math.log(uniform(env_i, n, ticket_id, RNG_WORK, 0))
    sigma = params[P_WORK_SIGMA]  # lognormal with the given mean
    z = standard_normal(env_i, n, ticket_id, RNG_WORK, RNG_WORK_2, 0)
    return math.exp(math.log(mean) - 0.5 * sigma * sigma + sigma * z)


@njit(**JIT)
def _clear_row(ticket_i, ticket_f, contributed, n, row):
    for k in range(ticket_i.shape[2]):
        ticket_i[n, row, k] = 0
    ticket_i[n, row, WAITING_ON] = -1
    for k in range(ticket_f.shape[2]):
        ticket_f[n, row, k] = 0.0
    if row < contributed.shape[1]:  # credit is tracked for slots only
        for k in range(contributed.shape[2]):
            contributed[n, row, k] = 0.0


@njit(**JIT)
def _write_new_ticket(ticket_i, ticket_f, env_i, params, severity_cdf, sla_steps, n, row, ticket_id, n_slots, n_rows):
    """Draw a new ticket's attributes (keyed by its id: common random numbers)
    into ``row``; ``n_rows`` open-ticket places (slots and queue) exist."""
    u = uniform(env_i, n, ticket_id, RNG_SEVERITY, 0)
    severity = 4
    for level in range(4):
        if u < severity_cdf[level]:
            severity = level + 1
            break
    component = int(uniform(env_i, n, ticket_id, RNG_COMPONENT, 0) * params[P_N_COMPONENTS])
    work = _draw_work(env_i, params, n, ticket_id)
    for k in range(ticket_i.shape[2]):
        ticket_i[n, row, k] = 0
    ticket_i[n, row, ACTIVE] = 1
    ticket_i[n, row, TICKET_ID] = ticket_id
    ticket_i[n, row, SEVERITY] = severity
    ticket_i[n, row, COMPONENT] = component
    ticket_i[n, row, ARRIVAL] = env_i[n, T]
    ticket_i[n, row, DEADLINE] = env_i[n, T] + sla_steps[severity - 1]
    ticket_i[n, row, WAITING_ON] = -1
    if uniform(env_i, n, ticket_id, RNG_AMBIGUOUS, 0) < params[P_P_AMBIGUOUS]:
        ticket_i[n, row, AMBIGUOUS] = 1
    ticket_f[n, row, WORK_REMAINING] = work
    ticket_f[n, row, WORK_TOTAL] = work
    # A dependency on a uniformly chosen other open ticket (slots and queue).
    if uniform(env_i, n, ticket_id, RNG_DEPENDENCY, 0) < params[P_P_DEPENDENCY]:
        candidates = 0
        for index in range(n_rows):
            other = live_row(env_i, params, n, n_slots, index)
            if other != row and ticket_i[n, other, ACTIVE] == 1:
                candidates += 1
        if candidates > 0:
            pick = int(uniform(env_i, n, ticket_id, RNG_DEPENDENCY_TARGET, 0) * candidates)
            for index in range(n_rows):
                other = live_row(env_i, params, n, n_slots, index)
                if other != row and ticket_i[n, other, ACTIVE] == 1:
                    if pick == 0:
                        ticket_i[n, row, WAITING_ON] = ticket_i[n, other, TICKET_ID]
                        env_i[n, WAITING_OPEN] += 1
                        break
                    pick -= 1


@njit(**JIT)
def _incoming_row(ticket_i, env_i, params, n, n_slots):
    """Row for an arriving ticket: a free slot if the queue is empty, else the
    queue's tail; -1 when the queue is full (the ticket is dropped)."""
    queue_count = env_i[n, QUEUE_COUNT]
    if queue_count == 0:
        for slot in range(n_slots):
            if ticket_i[n, slot, ACTIVE] == 0:
                return slot
    if queue_count < int(params[P_MAX_QUEUE]):
        env_i[n, QUEUE_COUNT] = queue_count + 1
        return queue_row(env_i, params, n, n_slots, queue_count)
    return -1


@njit(**JIT)
def _promote_queue(ticket_i, ticket_f, contributed, env_i, params, n, n_slots):
    """Move queued tickets, oldest first, into free slots (the ring's head advances)."""
    for slot in range(n_slots):
        if env_i[n, QUEUE_COUNT] == 0:
            return
        if ticket_i[n, slot, ACTIVE] == 1:
            continue
        _copy_ticket(ticket_i, ticket_f, queue_row(env_i, params, n, n_slots, 0), ticket_i, ticket_f, n, slot)
        for engineer in range(contributed.shape[2]):
            contributed[n, slot, engineer] = 0.0
        head = env_i[n, QUEUE_HEAD] + 1
        env_i[n, QUEUE_HEAD] = 0 if head >= int(params[P_MAX_QUEUE]) else head
        env_i[n, QUEUE_COUNT] -= 1


@njit(**JIT)
def _arrive_new(ticket_i, ticket_f, env_i, params, severity_cdf, sla_steps, n, n_slots):
    ticket_id = env_i[n, NEXT_ID]
    env_i[n, NEXT_ID] = ticket_id + 1
    env_i[n, ARRIVED] += 1
    row = _incoming_row(ticket_i, env_i, params, n, n_slots)
    if row < 0:
        env_i[n, DROPPED] += 1
        return
    _write_new_ticket(
        ticket_i, ticket_f, env_i, params, severity_cdf, sla_steps, n, row, ticket_id, n_slots, n_slots + env_i[n, QUEUE_COUNT]
    )
    _register_arrival(ticket_i, env_i, n, row)


@njit(**JIT)
def _arrival_count(env_i, params, n, step):
    """Exogenous arrivals at ``step`` (depends only on seed, episode and step)."""
    u = uniform(env_i, n, step, RNG_ARRIVAL, 0)
    if int(params[P_ARRIVAL_PROCESS]) == 0:
        return 1 if u < params[P_P_NEW_TICKET] else 0
    rate = params[P_ARRIVAL_RATE]  # poisson by inverse transform
    probability = math.exp(-rate)
    cumulative = probability
    count = 0
    while u > cumulative and count < MAX_ARRIVALS_PER_STEP:
        count += 1
        probability *= rate / count
        cumulative += probability
    return count


@njit(**JIT)
def _admit_arrivals(ticket_i, ticket_f, contributed, env_i, reopen_i, reopen_f, params, severity_cdf, sla_steps, n, n_slots, step):
    _promote_queue(ticket_i, ticket_f, contributed, env_i, params, n, n_slots)
    # Reopened tickets due now come back as arrivals of their own id.
    for k in range(reopen_i.shape[1] if env_i[n, PENDING_REOPENS] > 0 else 0):
        if reopen_i[n, k, ACTIVE] == 1 and reopen_i[n, k, REOPEN_DUE] <= step:
            env_i[n, PENDING_REOPENS] -= 1
            env_i[n, ARRIVED] += 1
            env_i[n, REOPENS] += 1
            row = _incoming_row(ticket_i, env_i, params, n, n_slots)
            if row < 0:
                env_i[n, DROPPED] += 1
            else:
                _copy_ticket(reopen_i, reopen_f, k, ticket_i, ticket_f, n, row)
                ticket_i[n, row, REOPEN_DUE] = 0
                ticket_i[n, row, ARRIVAL] = env_i[n, T]
                ticket_i[n, row, DEADLINE] = env_i[n, T] + sla_steps[ticket_i[n, row, SEVERITY] - 1]
                _register_arrival(ticket_i, env_i, n, row)
                if row < n_slots:
                    for engineer in range(contributed.shape[2]):
                        contributed[n, row, engineer] = 0.0
            for field in range(reopen_i.shape[2]):
                reopen_i[n, k, field] = 0
            for field in range(reopen_f.shape[2]):
                reopen_f[n, k, field] = 0.0
    for _ in range(_arrival_count(env_i, params, n, step)):
        _arrive_new(ticket_i, ticket_f, env_i, params, severity_cdf, sla_steps, n, n_slots)


# ----------------------------------------------------------------------------
# Actions
# ----------------------------------------------------------------------------


@njit(**JIT)
def begin_tick(engineer_i, accumulated, n):
    """Start a tick: clear this tick's reward accumulators and invalid flags."""
    for engineer in range(engineer_i.shape[1]):
        for component in range(N_REWARD):
            accumulated[n, engineer, component] = 0.0
        engineer_i[n, engineer, INVALID] = 0


@njit(**JIT)
def apply_action(ticket_i, engineer_i, env_i, accumulated, params, n, engineer, action, n_slots):
    """Apply one engineer's (in-space) action to environment ``n`` in place.

    A masked action is applied as NOOP, flagged INVALID and costs r_invalid.
    """
    if action == 0:
        return
    # action = 1 + (verb - 1) * n_slots + slot, decoded by at most three
    # subtractions (a 64-bit division costs tens of cycles)
    verb = VERB_WORK
    slot = action - 1
    while slot >= n_slots:
        slot -= n_slots
        verb += 1
    if not action_is_valid(ticket_i, engineer_i, params, n, engineer, verb, slot, n_slots):
        engineer_i[n, engineer, INVALID] = 1
        accumulated[n, engineer, R_INVALID] += params[P_R_INVALID]
        return
    if verb == VERB_WORK:
        current = engineer_i[n, engineer, CURRENT_SLOT]
        if current != slot:
            if current >= 0:  # leaving a ticket unfinished: a context switch
                accumulated[n, engineer, R_CONTEXT_SWITCH] += params[P_R_CONTEXT_SWITCH]
                engineer_i[n, engineer, RAMP_LEFT] = int(params[P_SWITCH_RAMP_STEPS])
            engineer_i[n, engineer, CURRENT_SLOT] = slot
            engineer_i[n, engineer, TIME_ON_TICKET] = 0
    elif verb == VERB_ESCALATE:
        ticket_i[n, slot, ESCALATED] = 1
        accumulated[n, engineer, R_ESCALATE] += params[P_R_ESCALATE]
    elif verb == VERB_REQUEST_INFO:
        low = int(params[P_INFO_WAIT_MIN])
        high = int(params[P_INFO_WAIT_MAX])
        requests = ticket_i[n, slot, INFO_REQUESTS]
        wait = low + int(uniform(env_i, n, ticket_i[n, slot, TICKET_ID], RNG_INFO_WAIT, requests) * (high - low + 1))
        ticket_i[n, slot, INFO_REQUESTS] = requests + 1
        ticket_i[n, slot, BLOCKED] = wait
        if wait == 0:
            ticket_i[n, slot, AMBIGUOUS] = 0
        accumulated[n, engineer, R_REQUEST_INFO] += params[P_R_REQUEST_INFO]
    elif verb == VERB_DEFER:
        ticket_i[n, slot, DEADLINE] += int(params[P_DEFER_STEPS])
        ticket_i[n, slot, DEFERRALS] += 1
        accumulated[n, engineer, R_DEFER] += params[P_R_DEFER]


# ----------------------------------------------------------------------------
# The clock: everything that happens after the engineers have acted
# ----------------------------------------------------------------------------


@njit(**JIT)
def _maybe_regress(ticket_i, ticket_f, env_i, params, n, slot, step):
    """A ticket worked on this step (and not finished) may regress: more work.
    The draw is keyed by (step, ticket id), so the order of slots is irrelevant."""
    if params[P_P_REGRESSION] <= 0.0 or ticket_f[n, slot, WORK_REMAINING] <= WORK_EPSILON:
        return
    probability = params[P_P_REGRESSION]
    if ticket_i[n, slot, AMBIGUOUS] == 1:
        probability = min(1.0, probability * params[P_AMBIGUOUS_REGRESSION_FACTOR])
    if uniform(env_i, n, step, RNG_REGRESSION, ticket_i[n, slot, TICKET_ID]) < probability:
        ticket_f[n, slot, WORK_REMAINING] += params[P_REGRESSION_WORK]
        ticket_f[n, slot, WORK_TOTAL] += params[P_REGRESSION_WORK]


@njit(**JIT)
def _charge_idle(ticket_i, engineer_i, accumulated, params, n, n_slots, n_engineers):
    """r_idle for each on-shift engineer making no progress while work waits."""
    any_workable = False
    for slot in range(n_slots):
        if ticket_is_workable(ticket_i, n, slot):
            any_workable = True
            break
    if not any_workable:
        return
    for engineer in range(n_engineers):
        if engineer_i[n, engineer, ON_SHIFT] == 0:
            continue
        current = engineer_i[n, engineer, CURRENT_SLOT]
        if current < 0 or not ticket_is_workable(ticket_i, n, current):
            accumulated[n, engineer, R_IDLE] += params[P_R_IDLE]


@njit(**JIT)
def _works_on(engineer_i, n, engineer, slot):
    return engineer_i[n, engineer, CURRENT_SLOT] == slot and engineer_i[n, engineer, ON_SHIFT] == 1


@njit(**JIT)
def _ramp(engineer_i, n, engineer, ramp_steps):
    """Fraction of full speed after a context switch ((r - left + 1) / (r + 1); 1 when ramped up)."""
    left = engineer_i[n, engineer, RAMP_LEFT]
    return 1.0 if left == 0 else (ramp_steps - left + 1.0) / (ramp_steps + 1.0)


@njit(**JIT)
def _progress_slot(ticket_i, ticket_f, contributed, engineer_i, env_i, skills, params, n, slot, n_engineers, step):
    """Workable ``slot`` loses the swarm-discounted sum of its engineers'
    (ramped) skills, plus the expert's if escalated; then it may regress."""
    ramp_steps = params[P_SWITCH_RAMP_STEPS]
    component = ticket_i[n, slot, COMPONENT]
    workers = 0
    for engineer in range(n_engineers):
        if _works_on(engineer_i, n, engineer, slot):
            workers += 1
    escalated = ticket_i[n, slot, ESCALATED] == 1
    factor = 1.0 if workers <= 1 else params[P_SWARM_EFFICIENCY] ** (workers - 1)
    if ticket_i[n, slot, AMBIGUOUS] == 1:
        factor *= params[P_AMBIGUOUS_SLOWDOWN]
    total = 0.0
    for engineer in range(n_engineers):
        if _works_on(engineer_i, n, engineer, slot):
            ramp = _ramp(engineer_i, n, engineer, ramp_steps)
            total += skills[n, engineer, component] * ramp * factor
    expert = params[P_EXPERT_SKILL] * factor if escalated else 0.0
    remaining = ticket_f[n, slot, WORK_REMAINING]
    removed = min(total + expert, remaining)
    if total + expert > 0.0:
        # engineers are credited their share of the work actually removed
        share = removed / (total + expert)
        for engineer in range(n_engineers):
            if _works_on(engineer_i, n, engineer, slot):
                ramp = _ramp(engineer_i, n, engineer, ramp_steps)
                contributed[n, slot, engineer] += skills[n, engineer, component] * ramp * factor * share
    ticket_f[n, slot, WORK_REMAINING] = remaining - removed
    _maybe_regress(ticket_i, ticket_f, env_i, params, n, slot, step)


@njit(**JIT)
def _progress_work(ticket_i, ticket_f, contributed, engineer_i, env_i, skills, params, n, n_slots, n_engineers, step):
    """Progress every workable ticket that an on-shift engineer or the expert
    works on. Each slot's arithmetic and regression draw depend on that slot
    alone, so slots are visited in any order: those with engineers first (at
    their lowest-index engineer), then escalated ones nobody works on."""
    for engineer in range(n_engineers):
        slot = engineer_i[n, engineer, CURRENT_SLOT]
        if slot < 0 or engineer_i[n, engineer, ON_SHIFT] == 0 or not ticket_is_workable(ticket_i, n, slot):
            continue
        first = True
        for other in range(engineer):
            if _works_on(engineer_i, n, other, slot):
                first = False
        if first:
            _progress_slot(ticket_i, ticket_f, contributed, engineer_i, env_i, skills, params, n, slot, n_engineers, step)
    for slot in range(n_slots):
        if ticket_i[n, slot, ESCALATED] == 0 or not ticket_is_workable(ticket_i, n, slot):
            continue
        staffed = False
        for engineer in range(n_engineers):
            if _works_on(engineer_i, n, engineer, slot):
                staffed = True
        if not staffed:
            _progress_slot(ticket_i, ticket_f, contributed, engineer_i, env_i, skills, params, n, slot, n_engineers, step)
    for engineer in range(n_engineers):
        if engineer_i[n, engineer, CURRENT_SLOT] >= 0:
            engineer_i[n, engineer, TIME_ON_TICKET] += 1
            if engineer_i[n, engineer, RAMP_LEFT] > 0:
                engineer_i[n, engineer, RAMP_LEFT] -= 1


@njit(**JIT)
def _ticket_is_open(ticket_i, env_i, params, n, n_slots, ticket_id):
    for index in range(n_slots + env_i[n, QUEUE_COUNT]):
        row = live_row(env_i, params, n, n_slots, index)
        if ticket_i[n, row, ACTIVE] == 1 and ticket_i[n, row, TICKET_ID] == ticket_id:
            return True
    return False


@njit(**JIT)
def _release_info_blocks(ticket_i, env_i, n, n_slots):
    """Info requests count down; when the info arrives the ambiguity is gone.
    (Only slots: REQUEST_INFO needs a slot, and a blocked ticket keeps it.)"""
    for slot in range(n_slots):
        if ticket_i[n, slot, ACTIVE] == 1 and ticket_i[n, slot, BLOCKED] > 0:
            ticket_i[n, slot, BLOCKED] -= 1
            if ticket_i[n, slot, BLOCKED] == 0:
                ticket_i[n, slot, AMBIGUOUS] = 0


@njit(**JIT)
def _release_dependencies(ticket_i, env_i, params, n, n_slots):
    """Tickets waiting on a ticket that is no longer open can progress again
    (run right after a resolution, so the release is visible the same step;
    resolution is the only way a ticket stops being open)."""
    for index in range(n_slots + env_i[n, QUEUE_COUNT]):
        row = live_row(env_i, params, n, n_slots, index)
        waiting_on = ticket_i[n, row, WAITING_ON]
        if ticket_i[n, row, ACTIVE] == 1 and waiting_on >= 0 and not _ticket_is_open(ticket_i, env_i, params, n, n_slots, waiting_on):
            ticket_i[n, row, WAITING_ON] = -1
            env_i[n, WAITING_OPEN] -= 1


@njit(**JIT)
def _resolve(ticket_i, ticket_f, contributed, engineer_i, env_i, reopen_i, reopen_f, accumulated, params, sla_steps, n, n_slots, n_engineers, step):
    """Finished tickets resolve: credit, free engineers, maybe schedule a reopen.
    Returns how many resolved."""
    resolved = 0
    for slot in range(n_slots):
        if ticket_i[n, slot, ACTIVE] == 0 or ticket_f[n, slot, WORK_REMAINING] > WORK_EPSILON:
            continue
        env_i[n, RESOLVED] += 1
        resolved += 1
        # resolve credit by work contributed (equal split if only the expert worked)
        total = 0.0
        for engineer in range(n_engineers):
            total += contributed[n, slot, engineer]
        for engineer in range(n_engineers):
            if total > 0.0:
                accumulated[n, engineer, R_RESOLVE] += params[P_R_RESOLVE] * contributed[n, slot, engineer] / total
            else:
                accumulated[n, engineer, R_RESOLVE] += params[P_R_RESOLVE] / n_engineers
            if engineer_i[n, engineer, CURRENT_SLOT] == slot:
                engineer_i[n, engineer, CURRENT_SLOT] = -1
                engineer_i[n, engineer, TIME_ON_TICKET] = 0
                engineer_i[n, engineer, RAMP_LEFT] = 0
        ticket_id = ticket_i[n, slot, TICKET_ID]
        if params[P_P_REOPEN] > 0.0 and uniform(env_i, n, ticket_id, RNG_REOPEN, step) < params[P_P_REOPEN]:
            for k in range(reopen_i.shape[1]):
                if reopen_i[n, k, ACTIVE] == 0:
                    delay = 1 + int(uniform(env_i, n, ticket_id, RNG_REOPEN_DELAY, step) * params[P_REOPEN_WINDOW])
                    work = max(ticket_f[n, slot, WORK_TOTAL] * params[P_REOPEN_WORK_FRACTION], WORK_EPSILON * 10)
                    severity = ticket_i[n, slot, SEVERITY]
                    for field in range(reopen_i.shape[2]):
                        reopen_i[n, k, field] = 0
                    reopen_i[n, k, ACTIVE] = 1
                    reopen_i[n, k, TICKET_ID] = ticket_id
                    reopen_i[n, k, SEVERITY] = severity
                    reopen_i[n, k, COMPONENT] = ticket_i[n, slot, COMPONENT]
                    reopen_i[n, k, WAITING_ON] = -1
                    reopen_i[n, k, REOPENED] = 1
                    reopen_i[n, k, REOPEN_DUE] = step + delay
                    reopen_f[n, k, WORK_REMAINING] = work
                    reopen_f[n, k, WORK_TOTAL] = work
                    env_i[n, PENDING_REOPENS] += 1
                    break
        env_i[n, ARRIVAL_SUM] -= ticket_i[n, slot, ARRIVAL]
        if ticket_i[n, slot, BREACHED] == 1:
            env_i[n, OVERDUE_OPEN] -= 1
        if ticket_i[n, slot, WAITING_ON] >= 0:  # only with (almost) no work: waiting tickets make no progress
            env_i[n, WAITING_OPEN] -= 1
        _clear_row(ticket_i, ticket_f, contributed, n, slot)
    return resolved


@njit(**JIT)
def _check_deadlines(ticket_i, env_i, accumulated, params, n, n_slots, n_engineers, step):
    """An open or queued ticket whose deadline has passed at ``step`` breaches
    (once); every overdue ticket costs r_overdue each step. Tickets are only
    scanned when ``step`` passes NEXT_DEADLINE, the earliest deadline seen
    (deferrals and resolutions can leave it early: then a scan finds nothing
    and refreshes it)."""
    share = 1.0 / n_engineers
    if step > env_i[n, NEXT_DEADLINE]:
        next_deadline = NO_DEADLINE
        for index in range(n_slots + env_i[n, QUEUE_COUNT]):
            row = live_row(env_i, params, n, n_slots, index)
            if ticket_i[n, row, ACTIVE] == 0 or ticket_i[n, row, BREACHED] == 1:
                continue
            deadline = ticket_i[n, row, DEADLINE]
            if deadline < step:
                ticket_i[n, row, BREACHED] = 1
                env_i[n, BREACHES] += 1
                env_i[n, OVERDUE_OPEN] += 1
                for engineer in range(n_engineers):
                    accumulated[n, engineer, R_SLA_BREACH] += params[P_R_SLA_BREACH] * share
            elif deadline < next_deadline:
                next_deadline = deadline
        env_i[n, NEXT_DEADLINE] = next_deadline
    if params[P_R_OVERDUE] != 0.0:
        for _ in range(env_i[n, OVERDUE_OPEN]):
            for engineer in range(n_engineers):
                accumulated[n, engineer, R_OVERDUE] += params[P_R_OVERDUE] * share


@njit(**JIT)
def update_shifts(engineer_i, env_i, params, n, n_engineers):
    """On-shift flags for the coming step; going off shift drops the ticket."""
    period = int(params[P_SHIFT_PERIOD])
    for engineer in range(n_engineers):
        on = 1
        if period > 0:
            offset = engineer * period // n_engineers
            on = 1 if (env_i[n, T] + offset) % period < int(params[P_SHIFT_LENGTH]) else 0
        engineer_i[n, engineer, ON_SHIFT] = on
        if on == 0:
            engineer_i[n, engineer, CURRENT_SLOT] = -1
            engineer_i[n, engineer, TIME_ON_TICKET] = 0
            engineer_i[n, engineer, RAMP_LEFT] = 0


@njit(**JIT)
def _finish_rewards(accumulated, parts, rewards, params, n, n_engineers):
    """Team mode: every engineer gets the team total of each component;
    individual mode: its own share. ``rewards`` sums the components in order."""
    individual = params[P_INDIVIDUAL_REWARDS] > 0.0
    for component in range(N_REWARD):
        team = 0.0
        for engineer in range(n_engineers):
            team += accumulated[n, engineer, component]
        for engineer in range(n_engineers):
            parts[n, engineer, component] = accumulated[n, engineer, component] if individual else team
    for engineer in range(n_engineers):
        total = 0.0
        for component in range(N_REWARD):
            total += parts[n, engineer, component]
        rewards[n, engineer] = total


@njit(**JIT)
def advance(ticket_i, ticket_f, contributed, engineer_i, env_i, skills, reopen_i, reopen_f, accumulated, parts, rewards, params, severity_cdf, sla_steps, n):
    """Advance environment ``n`` by one step after every engineer has acted."""
    n_slots = ticket_i.shape[1] - int(params[P_MAX_QUEUE])
    n_engineers = engineer_i.shape[1]
    step = env_i[n, T] + 1
    _charge_idle(ticket_i, engineer_i, accumulated, params, n, n_slots, n_engineers)
    _progress_work(ticket_i, ticket_f, contributed, engineer_i, env_i, skills, params, n, n_slots, n_engineers, step)
    _release_info_blocks(ticket_i, env_i, n, n_slots)
    resolved = _resolve(ticket_i, ticket_f, contributed, engineer_i, env_i, reopen_i, reopen_f, accumulated, params, sla_steps, n, n_slots, n_engineers, step)
    if resolved > 0 and env_i[n, WAITING_OPEN] > 0:
        _release_dependencies(ticket_i, env_i, params, n, n_slots)
    _admit_arrivals(ticket_i, ticket_f, contributed, env_i, reopen_i, reopen_f, params, severity_cdf, sla_steps, n, n_slots, step)
    _check_deadlines(ticket_i, env_i, accumulated, params, n, n_slots, n_engineers, step)
    _finish_rewards(accumulated, parts, rewards, params, n, n_engineers)
    env_i[n, T] = step
    update_shifts(engineer_i, env_i, params, n, n_engineers)


# ----------------------------------------------------------------------------
# Reset
# ----------------------------------------------------------------------------


@njit(**JIT)
def reset_env(ticket_i, ticket_f, contributed, engineer_i, env_i, skills, base_skills, reopen_i, reopen_f, accumulated, parts, rewards, params, severity_cdf, sla_steps, n):
    """Start a new episode in environment ``n`` (seed and episode already set)."""
    n_slots = ticket_i.shape[1] - int(params[P_MAX_QUEUE])
    n_engineers = engineer_i.shape[1]
    # queue rows are rewritten whole when used: clear only the slots
    for row in range(n_slots):
        _clear_row(ticket_i, ticket_f, contributed, n, row)
    _fill_int(reopen_i, n, 0)
    _fill_float(reopen_f, n, 0.0)
    _fill_float(accumulated, n, 0.0)
    _fill_float(parts, n, 0.0)
    _fill_int(engineer_i, n, 0)
    for engineer in range(n_engineers):
        rewards[n, engineer] = 0.0
        engineer_i[n, engineer, CURRENT_SLOT] = -1
    for field in (T, ARRIVED, RESOLVED, BREACHES, DROPPED, REOPENS, NEXT_ID, QUEUE_COUNT, PENDING_REOPENS, QUEUE_HEAD, ARRIVAL_SUM, OVERDUE_OPEN, WAITING_OPEN):
        env_i[n, field] = 0
    env_i[n, NEXT_DEADLINE] = NO_DEADLINE
    env_i[n, HASH_PREFIX] = hash_prefix(env_i[n, SEED_LO], env_i[n, SEED_HI], env_i[n, EPISODE])
    noise = params[P_SKILL_NOISE]
    for engineer in range(n_engineers):
        for component in range(skills.shape[2]):
            skill = base_skills[engineer, component]
            if noise > 0.0:
                z = standard_normal(env_i, n, engineer, RNG_SKILL, RNG_SKILL_2, component)
                skill *= math.exp(noise * z - 0.5 * noise * noise)
            skills[n, engineer, component] = skill
    for _ in range(int(params[P_INITIAL_BACKLOG])):
        _arrive_new(ticket_i, ticket_f, env_i, params, severity_cdf, sla_steps, n, n_slots)
    update_shifts(engineer_i, env_i, params, n, n_engineers)


# ----------------------------------------------------------------------------
# Observations, masks and the centralized state
# ----------------------------------------------------------------------------


@njit(**JIT)
def _write_team_features(ticket_i, ticket_f, engineer_i, env_i, params, n, n_slots, out):
    """Global (5) . tickets (T x 9) . engineers (E x 3) into ``out[n, 0, :5+9T+3E]``.
    Constant scales are applied as multiplications by their reciprocals: a
    division costs several multiplications, and this runs every step."""
    n_engineers = engineer_i.shape[1]
    horizon = params[P_HORIZON]
    age_scale = params[P_AGE_SCALE]
    work_mean = params[P_WORK_MEAN]
    per_age = 1.0 / age_scale
    per_info = 1.0 / max(params[P_INFO_WAIT_MAX], 1.0)
    per_component = 1.0 / params[P_N_COMPONENTS]
    per_engineer = 1.0 / n_engineers
    now = env_i[n, T]
    open_count = env_i[n, QUEUE_COUNT]
    for slot in range(n_slots):
        open_count += ticket_i[n, slot, ACTIVE]
    mean_age = (open_count * now - env_i[n, ARRIVAL_SUM]) / open_count if open_count > 0 else 0.0
    out[n, 0, 0] = min(env_i[n, T] / horizon, 1.0)
    out[n, 0, 1] = open_count / (open_count + n_slots)
    out[n, 0, 2] = min(mean_age / age_scale, 1.0)
    out[n, 0, 3] = min(env_i[n, BREACHES] / horizon, 1.0)
    out[n, 0, 4] = min(env_i[n, RESOLVED] / horizon, 1.0)
    base = N_GLOBAL
    for slot in range(n_slots):
        o = base + slot * N_TICKET_FEATURES
        if ticket_i[n, slot, ACTIVE] == 0:
            for k in range(N_TICKET_FEATURES):
                out[n, 0, o + k] = 0.0
            continue
        assigned = 0
        for engineer in range(n_engineers):
            if engineer_i[n, engineer, CURRENT_SLOT] == slot:
                assigned += 1
        work = ticket_f[n, slot, WORK_REMAINING]
        out[n, 0, o + 0] = ticket_i[n, slot, SEVERITY] * 0.25
        out[n, 0, o + 1] = min((now - ticket_i[n, slot, ARRIVAL]) * per_age, 1.0)
        out[n, 0, o + 2] = (ticket_i[n, slot, COMPONENT] + 1.0) * per_component
        out[n, 0, o + 3] = max(-1.0, min((ticket_i[n, slot, DEADLINE] - now) * per_age, 1.0))
        out[n, 0, o + 4] = 1.0 if ticket_i[n, slot, WAITING_ON] >= 0 else 0.0
        out[n, 0, o + 5] = min(ticket_i[n, slot, BLOCKED] * per_info, 1.0)
        out[n, 0, o + 6] = work / (work + work_mean)
        out[n, 0, o + 7] = float(ticket_i[n, slot, ESCALATED])
        out[n, 0, o + 8] = assigned * per_engineer
    base += n_slots * N_TICKET_FEATURES
    for engineer in range(n_engineers):
        o = base + engineer * N_ENGINEER_FEATURES
        current = engineer_i[n, engineer, CURRENT_SLOT]
        time_on = float(engineer_i[n, engineer, TIME_ON_TICKET])
        out[n, 0, o + 0] = 1.0 if current >= 0 else 0.0
        out[n, 0, o + 1] = (current + 1.0) / n_slots
        out[n, 0, o + 2] = time_on / (time_on + work_mean)


@njit(**JIT)
def _write_agent_masks(ticket_i, engineer_i, params, n, n_slots, masks):
    """Every engineer's mask: off shift only NOOP; otherwise :func:`action_is_valid`'s
    rules evaluated once per slot (they do not depend on who asks), plus WORK on
    its own current ticket (always allowed: it means "continue")."""
    pool_open = escalated_count(ticket_i, n, n_slots) < int(params[P_MAX_ESCALATED])
    max_deferrals = int(params[P_MAX_DEFERRALS])
    n_engineers = engineer_i.shape[1]
    for slot in range(n_slots):
        # branch-free: bitwise & of the conditions
        active = ticket_i[n, slot, ACTIVE] == 1
        not_blocked = ticket_i[n, slot, BLOCKED] == 0
        work = active & not_blocked & (ticket_i[n, slot, WAITING_ON] < 0)
        escalate = active & pool_open & (ticket_i[n, slot, ESCALATED] == 0)
        request_info = active & not_blocked
        defer = active & (ticket_i[n, slot, SEVERITY] < 4) & (ticket_i[n, slot, DEFERRALS] < max_deferrals) & (ticket_i[n, slot, BREACHED] == 0)
        for engineer in range(n_engineers):
            masks[n, engineer, 1 + slot] = work
            masks[n, engineer, 1 + n_slots + slot] = escalate
            masks[n, engineer, 1 + 2 * n_slots + slot] = request_info
            masks[n, engineer, 1 + 3 * n_slots + slot] = defer
    n_actions = masks.shape[2]
    for engineer in range(n_engineers):
        masks[n, engineer, 0] = 1
        if engineer_i[n, engineer, ON_SHIFT] == 0:
            for action in range(1, n_actions):
                masks[n, engineer, action] = 0
        elif engineer_i[n, engineer, CURRENT_SLOT] >= 0:
            masks[n, engineer, 1 + engineer_i[n, engineer, CURRENT_SLOT]] = 1


@njit(**JIT)
def _write_agent_rows(ticket_i, engineer_i, skills, params, n, n_slots, observations):
    """Copy the team features (row 0) to every engineer's row, add its one-hot id,
    and in local mode hide tickets outside its components."""
    n_engineers = engineer_i.shape[1]
    team_size = N_GLOBAL + n_slots * N_TICKET_FEATURES + n_engineers * N_ENGINEER_FEATURES
    local = params[P_LOCAL_OBSERVATION] > 0.0
    for engineer in range(n_engineers - 1, -1, -1):  # row 0 holds the team features: change it last
        if engineer > 0:
            for k in range(team_size):
                observations[n, engineer, k] = observations[n, 0, k]
        for k in range(n_engineers):
            observations[n, engineer, team_size + k] = 1.0 if k == engineer else 0.0
        if local:  # zero tickets outside the engineer's components
            for slot in range(n_slots):
                if ticket_i[n, slot, ACTIVE] == 0 or engineer_i[n, engineer, CURRENT_SLOT] == slot:
                    continue
                if skills[n, engineer, ticket_i[n, slot, COMPONENT]] < 1.0:
                    o = N_GLOBAL + slot * N_TICKET_FEATURES
                    for k in range(N_TICKET_FEATURES):
                        observations[n, engineer, o + k] = 0.0


@njit(**JIT)
def observe_agents(ticket_i, ticket_f, engineer_i, env_i, skills, params, n, observations, masks):
    """Per-engineer observations ``(E, D)`` and action masks ``(E, 1+4T)``."""
    n_slots = ticket_i.shape[1] - int(params[P_MAX_QUEUE])
    _write_team_features(ticket_i, ticket_f, engineer_i, env_i, params, n, n_slots, observations)
    _write_agent_rows(ticket_i, engineer_i, skills, params, n, n_slots, observations)
    _write_agent_masks(ticket_i, engineer_i, params, n, n_slots, masks)


@njit(**JIT)
def write_state(ticket_i, ticket_f, engineer_i, env_i, skills, params, n, out):
    """The centralized-critic state into ``out[n, 0, :]``: team features plus what agents cannot see."""
    n_slots = ticket_i.shape[1] - int(params[P_MAX_QUEUE])
    n_engineers = engineer_i.shape[1]
    _write_team_features(ticket_i, ticket_f, engineer_i, env_i, params, n, n_slots, out)
    o = N_GLOBAL + n_slots * N_TICKET_FEATURES + n_engineers * N_ENGINEER_FEATURES
    max_deferrals = max(params[P_MAX_DEFERRALS], 1.0)
    for slot in range(n_slots):
        out[n, 0, o + 0] = float(ticket_i[n, slot, AMBIGUOUS])
        out[n, 0, o + 1] = float(ticket_i[n, slot, REOPENED])
        out[n, 0, o + 2] = float(ticket_i[n, slot, BREACHED])
        out[n, 0, o + 3] = min(ticket_i[n, slot, DEFERRALS] / max_deferrals, 1.0)
        o += N_STATE_TICKET_EXTRA
    ramp_scale = max(params[P_SWITCH_RAMP_STEPS], 1.0)
    for engineer in range(n_engineers):
        out[n, 0, o + 0] = float(engineer_i[n, engineer, ON_SHIFT])
        out[n, 0, o + 1] = min(engineer_i[n, engineer, RAMP_LEFT] / ramp_scale, 1.0)
        o += N_STATE_ENGINEER_EXTRA
    out[n, 0, o + 0] = env_i[n, QUEUE_COUNT] / max(params[P_MAX_QUEUE], 1.0)
    out[n, 0, o + 1] = escalated_count(ticket_i, n, n_slots) / max(params[P_MAX_ESCALATED], 1.0)
    o += N_STATE_GLOBAL_EXTRA
    for engineer in range(n_engineers):
        for component in range(skills.shape[2]):
            skill = skills[n, engineer, component]
            out[n, 0, o] = skill / (1.0 + skill)
            o += 1


# ----------------------------------------------------------------------------
# The coordinator: one central action mapped onto the engineers
# ----------------------------------------------------------------------------


@njit(**JIT)
def side_action_engineer(engineer_i, n):
    """Who does the coordinator's ESCALATE / REQUEST_INFO / DEFER: the
    lowest-index engineer on shift (engineer 0 if nobody is)."""
    for engineer in range(engineer_i.shape[1]):
        if engineer_i[n, engineer, ON_SHIFT] == 1:
            return engineer
    return 0


@njit(**JIT)
def coordinator_joint_action(ticket_i, engineer_i, params, n, action, n_slots, joint):
    """Map coordinator ``action`` onto per-engineer actions ``joint[n, :]``.

    Returns the coordinator verb if the action is valid, -1 if the mask forbids
    it (then every engineer NOOPs). ASSIGN(t, e): engineer e WORKs t. SWARM(t):
    every on-shift engineer WORKs t. ESCALATE / REQUEST_INFO / DEFER(t): done by
    :func:`side_action_engineer`, everyone else continues.
    """
    n_engineers = engineer_i.shape[1]
    for engineer in range(n_engineers):
        joint[n, engineer] = 0
    if action == 0:
        return COORD_NOOP
    index = action - 1
    if index < n_slots * n_engineers:
        slot = index // n_engineers
        engineer = index % n_engineers
        if not action_is_valid(ticket_i, engineer_i, params, n, engineer, VERB_WORK, slot, n_slots):
            return -1
        joint[n, engineer] = 1 + slot
        return COORD_ASSIGN
    index -= n_slots * n_engineers
    block = index // n_slots
    slot = index % n_slots
    if block == 3:  # SWARM
        any_valid = False
        for engineer in range(n_engineers):
            if action_is_valid(ticket_i, engineer_i, params, n, engineer, VERB_WORK, slot, n_slots):
                joint[n, engineer] = 1 + slot
                any_valid = True
        return COORD_SWARM if any_valid else -1
    verb = block + 2  # ESCALATE, REQUEST_INFO, DEFER
    actor = side_action_engineer(engineer_i, n)
    if not action_is_valid(ticket_i, engineer_i, params, n, actor, verb, slot, n_slots):
        return -1
    joint[n, actor] = 1 + (verb - 1) * n_slots + slot
    return block + 1


@njit(**JIT)
def write_coordinator_mask(ticket_i, engineer_i, params, n, n_slots, masks):
    """Exact validity of every coordinator action, ``masks[n]`` of length 1+T*E+4T."""
    n_engineers = engineer_i.shape[1]
    masks[n, 0] = 1
    actor = side_action_engineer(engineer_i, n)
    swarm_base = 1 + n_slots * n_engineers + 3 * n_slots
    for slot in range(n_slots):
        any_work = False
        for engineer in range(n_engineers):
            ok = action_is_valid(ticket_i, engineer_i, params, n, engineer, VERB_WORK, slot, n_slots)
            masks[n, 1 + slot * n_engineers + engineer] = 1 if ok else 0
            any_work = any_work or ok
        masks[n, swarm_base + slot] = 1 if any_work else 0
        for block in range(3):
            ok = action_is_valid(ticket_i, engineer_i, params, n, actor, block + 2, slot, n_slots)
            masks[n, 1 + n_slots * n_engineers + block * n_slots + slot] = 1 if ok else 0


@njit(**JIT)
def coordinator_step_env(ticket_i, ticket_f, contributed, engineer_i, env_i, skills, reopen_i, reopen_f, accumulated, parts, rewards, params, severity_cdf, sla_steps, coordinator_actions, joint, coordinator_invalid, n):
    """One coordinator step of environment ``n``: map, act, advance."""
    n_slots = ticket_i.shape[1] - int(params[P_MAX_QUEUE])
    begin_tick(engineer_i, accumulated, n)
    verb = coordinator_joint_action(ticket_i, engineer_i, params, n, coordinator_actions[n], n_slots, joint)
    actor = side_action_engineer(engineer_i, n)
    coordinator_invalid[n] = verb < 0
    if verb < 0:
        accumulated[n, actor, R_INVALID] += params[P_R_INVALID]
    elif verb == COORD_SWARM:
        accumulated[n, actor, R_SWARM] += params[P_R_SWARM]
    for engineer in range(engineer_i.shape[1]):
        apply_action(ticket_i, engineer_i, env_i, accumulated, params, n, engineer, joint[n, engineer], n_slots)
    advance(ticket_i, ticket_f, contributed, engineer_i, env_i, skills, reopen_i, reopen_f, accumulated, parts, rewards, params, severity_cdf, sla_steps, n)


@njit(**JIT)
def team_reward(parts, params, n, team_parts):
    """The team's reward breakdown ``team_parts[n, :]`` and total."""
    individual = params[P_INDIVIDUAL_REWARDS] > 0.0
    total = 0.0
    for component in range(N_REWARD):
        value = 0.0
        if individual:
            for engineer in range(parts.shape[1]):
                value += parts[n, engineer, component]
        else:
            value = parts[n, 0, component]
        team_parts[n, component] = value
        total += value
    return total


@njit(**JIT)
def observe_coordinator(ticket_i, ticket_f, engineer_i, env_i, params, n, observations, masks):
    """The seed's flat observation ``observations[n, 0]`` (5+9T+3E) and the
    exact coordinator mask ``masks[n]``."""
    n_slots = ticket_i.shape[1] - int(params[P_MAX_QUEUE])
    _write_team_features(ticket_i, ticket_f, engineer_i, env_i, params, n, n_slots, observations)
    write_coordinator_mask(ticket_i, engineer_i, params, n, n_slots, masks)


# ----------------------------------------------------------------------------
# Whole steps: one environment (serial) and a batch (prange)
# ----------------------------------------------------------------------------


@njit(**JIT)
def step_env(ticket_i, ticket_f, contributed, engineer_i, env_i, skills, reopen_i, reopen_f, accumulated, parts, rewards, params, severity_cdf, sla_steps, actions, n):
    """All engineers of environment ``n`` act in index order, then the clock advances."""
    n_slots = ticket_i.shape[1] - int(params[P_MAX_QUEUE])
    begin_tick(engineer_i, accumulated, n)
    for engineer in range(engineer_i.shape[1]):
        apply_action(ticket_i, engineer_i, env_i, accumulated, params, n, engineer, actions[n, engineer], n_slots)
    advance(ticket_i, ticket_f, contributed, engineer_i, env_i, skills, reopen_i, reopen_f, accumulated, parts, rewards, params, severity_cdf, sla_steps, n)


@njit(**JIT)
def step_and_observe_one(ticket_i, ticket_f, contributed, engineer_i, env_i, skills, reopen_i, reopen_f, accumulated, parts, rewards, params, severity_cdf, sla_steps, actions, observations, masks):
    """The single-environment fast path: step env 0 and build its observations."""
    step_env(ticket_i, ticket_f, contributed, engineer_i, env_i, skills, reopen_i, reopen_f, accumulated, parts, rewards, params, severity_cdf, sla_steps, actions, 0)
    observe_agents(ticket_i, ticket_f, engineer_i, env_i, skills, params, 0, observations, masks)


@njit(**JIT)
def prefetch_env(ticket_i, ticket_f, contributed, engineer_i, env_i, skills, accumulated, parts, rewards, params, n, observations, masks):
    """Ask the memory system for environment ``n``'s hot records while the
    previous one is stepped (see :mod:`.prefetch`; changes no value)."""
    n_slots = ticket_i.shape[1] - int(params[P_MAX_QUEUE])
    prefetch_record(ticket_i, n, n_slots * ticket_i.strides[1])
    prefetch_record(ticket_f, n, n_slots * ticket_f.strides[1])
    prefetch_record(contributed, n, contributed.strides[0])
    prefetch_record(engineer_i, n, engineer_i.strides[0])
    prefetch_record(env_i, n, env_i.strides[0])
    prefetch_record(skills, n, skills.strides[0])
    prefetch_record(accumulated, n, accumulated.strides[0])
    prefetch_record(parts, n, parts.strides[0])
    prefetch_record(rewards, n, rewards.strides[0])
    prefetch_record(observations, n, observations.strides[0])
    prefetch_record(masks, n, masks.strides[0])


@njit(**PARALLEL_JIT)
def step_batch(ticket_i, ticket_f, contributed, engineer_i, env_i, skills, base_skills, reopen_i, reopen_f, accumulated, parts, rewards, params, severity_cdf, sla_steps, actions, observations, masks, done, autoreset):
    """Step every environment; with ``autoreset``, environments that were done
    at the previous step start their next episode instead (next-step reset)."""
    horizon = int(params[P_HORIZON])
    n_envs = env_i.shape[0]
    for n in prange(n_envs):
        if n + 1 < n_envs:
            prefetch_env(ticket_i, ticket_f, contributed, engineer_i, env_i, skills, accumulated, parts, rewards, params, n + 1, observations, masks)
        if autoreset and done[n]:
            env_i[n, EPISODE] += 1
            reset_env(ticket_i, ticket_f, contributed, engineer_i, env_i, skills, base_skills, reopen_i, reopen_f, accumulated, parts, rewards, params, severity_cdf, sla_steps, n)
            done[n] = False
        else:
            step_env(ticket_i, ticket_f, contributed, engineer_i, env_i, skills, reopen_i, reopen_f, accumulated, parts, rewards, params, severity_cdf, sla_steps, actions, n)
            done[n] = env_i[n, T] >= horizon
        observe_agents(ticket_i, ticket_f, engineer_i, env_i, skills, params, n, observations, masks)


@njit(**PARALLEL_JIT)
def reset_batch(ticket_i, ticket_f, contributed, engineer_i, env_i, skills, base_skills, reopen_i, reopen_f, accumulated, parts, rewards, params, severity_cdf, sla_steps, which, observations, masks):
    """Reset the environments with ``which[n]`` set (seed/episode set by the caller)."""
    for n in prange(env_i.shape[0]):
        if which[n]:
            reset_env(ticket_i, ticket_f, contributed, engineer_i, env_i, skills, base_skills, reopen_i, reopen_f, accumulated, parts, rewards, params, severity_cdf, sla_steps, n)
            observe_agents(ticket_i, ticket_f, engineer_i, env_i, skills, params, n, observations, masks)


@njit(**JIT)
def coordinator_step_and_observe_one(ticket_i, ticket_f, contributed, engineer_i, env_i, skills, reopen_i, reopen_f, accumulated, parts, rewards, params, severity_cdf, sla_steps, coordinator_actions, joint, coordinator_invalid, team_parts, team_rewards, observations, masks):
    """The single coordinator env's fast path (environment 0)."""
    coordinator_step_env(ticket_i, ticket_f, contributed, engineer_i, env_i, skills, reopen_i, reopen_f, accumulated, parts, rewards, params, severity_cdf, sla_steps, coordinator_actions, joint, coordinator_invalid, 0)
    team_rewards[0] = team_reward(parts, params, 0, team_parts)
    observe_coordinator(ticket_i, ticket_f, engineer_i, env_i, params, 0, observations, masks)


@njit(**PARALLEL_JIT)
def coordinator_step_batch(ticket_i, ticket_f, contributed, engineer_i, env_i, skills, base_skills, reopen_i, reopen_f, accumulated, parts, rewards, params, severity_cdf, sla_steps, coordinator_actions, joint, coordinator_invalid, team_parts, team_rewards, observations, masks, done, autoreset):
    """Coordinator step of every environment (next-step autoreset as :func:`step_batch`)."""
    horizon = int(params[P_HORIZON])
    n_envs = env_i.shape[0]
    for n in prange(n_envs):
        if n + 1 < n_envs:
            prefetch_env(ticket_i, ticket_f, contributed, engineer_i, env_i, skills, accumulated, parts, rewards, params, n + 1, observations, masks)
        if autoreset and done[n]:
            env_i[n, EPISODE] += 1
            reset_env(ticket_i, ticket_f, contributed, engineer_i, env_i, skills, base_skills, reopen_i, reopen_f, accumulated, parts, rewards, params, severity_cdf, sla_steps, n)
            coordinator_invalid[n] = False
            for component in range(N_REWARD):
                team_parts[n, component] = 0.0
            for engineer in range(joint.shape[1]):
                joint[n, engineer] = 0
            team_rewards[n] = 0.0
            done[n] = False
        else:
            coordinator_step_env(ticket_i, ticket_f, contributed, engineer_i, env_i, skills, reopen_i, reopen_f, accumulated, parts, rewards, params, severity_cdf, sla_steps, coordinator_actions, joint, coordinator_invalid, n)
            team_rewards[n] = team_reward(parts, params, n, team_parts)
            done[n] = env_i[n, T] >= horizon
        observe_coordinator(ticket_i, ticket_f, engineer_i, env_i, params, n, observations, masks)


@njit(**PARALLEL_JIT)
def observe_coordinator_batch(ticket_i, ticket_f, engineer_i, env_i, params, which, observations, masks):
    for n in prange(env_i.shape[0]):
        if which[n]:
            observe_coordinator(ticket_i, ticket_f, engineer_i, env_i, params, n, observations, masks)
