"""The clock: everything that happens in a step after the engineers have acted.

:func:`advance` runs the phases of a step (the README's "Dynamics") in order, each a small
function: idle check, progress work (with regressions), release info-blocks,
resolve (with reopens scheduled), release dependencies on resolved tickets
(the same step, not one step late), admit arrivals, SLA deadline checks,
rewards, shifts. :func:`reset_env` starts an episode.

Nothing is updated per queued ticket per step: tickets store their arrival and
deadline steps (age and SLA time left are differences with the clock), and
``env_i`` keeps running totals (open arrival sum, overdue and waiting tickets,
the earliest deadline) so that the queue is scanned only when something there
can change.
"""

from __future__ import annotations

import math

import numpy as np
import numpy.typing as npt
from numba import njit

from . import layout as L
from .awaiting import AreaI, clear_awaiting, goes_awaiting, start_awaiting, tick_awaiting
from .handoffs import goes_to_colleague, reassigns, start_pickups, start_reassigning
from .incidents import arrive_incidents, clear_incidents, close_incident, ticket_is_open
from .jit import JIT, SEQUENCE_JIT
from .layout import (
    ACTIVE,
    AMBIGUOUS,
    ARRIVAL,
    ARRIVAL_SUM,
    ARRIVED,
    BLOCKED,
    BREACHED,
    BREACHES,
    CLOSED_ARRIVAL,
    CLOSED_BREACHED,
    CLOSED_COMPONENT,
    CLOSED_COUNT,
    CLOSED_FIRST_WORK,
    CLOSED_ID,
    CLOSED_REOPENED,
    CLOSED_RESOLVED,
    CLOSED_SEVERITY,
    COMPONENT,
    CURRENT_SLOT,
    DEADLINE,
    DROPPED,
    EPISODE,
    ESCALATED,
    FIRST_WORK,
    HASH_PREFIX,
    N_REWARD,
    NEXT_DEADLINE,
    NEXT_ID,
    ON_SHIFT,
    OVERDUE_OPEN,
    PENDING_REOPENS,
    QUEUE_COUNT,
    QUEUE_HEAD,
    R_IDLE,
    R_OVERDUE,
    R_RESOLVE,
    R_SLA_BREACH,
    RAMP_LEFT,
    REOPENED,
    REOPENS,
    RESOLVED,
    RNG_REGRESSION,
    RNG_REOPEN,
    RNG_REOPEN_DELAY,
    RNG_SKILL,
    RNG_SKILL_2,
    RNG_TRACE_START,
    SEED_HI,
    SEED_LO,
    SEVERITY,
    TICKET_ID,
    TIME_ON_TICKET,
    TRACE_OFFSET,
    WAITING_ON,
    WAITING_OPEN,
    WORK_REMAINING,
    WORK_TOTAL,
    T,
)
from .rewards import charge, charge_share
from .rng import hash_prefix, standard_normal, uniform
from .rules import ticket_is_workable
from .teams import clear_routing, reveal_component, tick_handoffs
from .tickets import NO_TRACE_ROW, admit_arrivals, arrive_new, clear_row, live_row, schedule_reopen
from .types import Int, Params, State

WORK_EPSILON = 1e-9  # work at or below this is done
WORK_CLOSE = 0.01  # work left to a ticket done in the step it goes awaiting or is handed on: closing it after
NO_DEADLINE = 2**62  # NEXT_DEADLINE when no open ticket can breach


@njit(**JIT)
def charge_idle(state: State, params: Params, n: Int) -> None:
    """r_idle for each on-shift engineer making no progress while work waits: without a ticket, on one that
    cannot be worked, or on one of a component it has no skill in (skill 0: it can never progress it)."""
    engineer_i, ticket_i, skills = state.engineer_i, state.ticket_i, state.skills
    any_workable = False
    for slot in range(params.max_tickets):
        if ticket_is_workable(state, n, slot):
            any_workable = True
            break
    if not any_workable:
        return
    for engineer in range(engineer_i.shape[1]):
        if engineer_i[n, engineer, ON_SHIFT] == 0:
            continue
        current = engineer_i[n, engineer, CURRENT_SLOT]
        if (
            current < 0
            or not ticket_is_workable(state, n, current)
            or skills[n, engineer, ticket_i[n, current, COMPONENT]] <= 0.0
        ):
            charge(state, params, n, engineer, R_IDLE, 1.0)


@njit(**SEQUENCE_JIT)
def works_on(state: State, n: Int, engineer: Int, slot: Int) -> bool:
    engineer_i = state.engineer_i
    on_it: bool = engineer_i[n, engineer, CURRENT_SLOT] == slot and engineer_i[n, engineer, ON_SHIFT] == 1
    return on_it


@njit(**SEQUENCE_JIT)
def ramp(state: State, params: Params, n: Int, engineer: Int) -> float:
    """Fraction of full speed after a context switch ((r - left + 1) / (r + 1); 1 when ramped up)."""
    left = state.engineer_i[n, engineer, RAMP_LEFT]
    ramp_steps = float(params.switch_ramp_steps)
    return 1.0 if left == 0 else (ramp_steps - left + 1.0) / (ramp_steps + 1.0)


@njit(**JIT)
def maybe_regress(state: State, params: Params, n: Int, slot: Int, step: Int) -> None:
    """A ticket worked on this step (and not finished) may regress: more work.
    The draw is keyed by (step, ticket id), so the order of slots is irrelevant."""
    ticket_i, ticket_f = state.ticket_i, state.ticket_f
    if params.p_regression <= 0.0 or ticket_f[n, slot, WORK_REMAINING] <= WORK_EPSILON:
        return
    probability = params.p_regression
    if ticket_i[n, slot, AMBIGUOUS] == 1:
        probability = min(1.0, probability * params.ambiguous_regression_factor)
    if uniform(state.env_i[n, HASH_PREFIX], step, RNG_REGRESSION, ticket_i[n, slot, TICKET_ID]) < probability:
        ticket_f[n, slot, WORK_REMAINING] += params.regression_work
        ticket_f[n, slot, WORK_TOTAL] += params.regression_work


@njit(**JIT)
def progress_slot(state: State, params: Params, n: Int, slot: Int, step: Int) -> None:
    """Workable ``slot`` loses the swarm-discounted sum of its engineers'
    (ramped) skills, plus the expert's if escalated; then it may regress."""
    ticket_i, ticket_f, contributed, skills = state.ticket_i, state.ticket_f, state.contributed, state.skills
    n_engineers = state.engineer_i.shape[1]
    component = ticket_i[n, slot, COMPONENT]
    workers = 0
    for engineer in range(n_engineers):
        if works_on(state, n, engineer, slot):
            workers += 1
    escalated = ticket_i[n, slot, ESCALATED] == 1
    factor = 1.0 if workers <= 1 else params.swarm_efficiency ** (workers - 1)
    if ticket_i[n, slot, AMBIGUOUS] == 1:
        factor *= params.ambiguous_slowdown
    total = 0.0
    for engineer in range(n_engineers):
        if works_on(state, n, engineer, slot):
            total += skills[n, engineer, component] * ramp(state, params, n, engineer) * factor
    expert = params.expert_skill * factor if escalated else 0.0
    remaining = ticket_f[n, slot, WORK_REMAINING]
    removed = min(total + expert, remaining)
    if total + expert > 0.0:
        # engineers are credited their share of the work actually removed
        share = removed / (total + expert)
        for engineer in range(n_engineers):
            if works_on(state, n, engineer, slot):
                speed = ramp(state, params, n, engineer)
                contributed[n, slot, engineer] += skills[n, engineer, component] * speed * factor * share
    ticket_f[n, slot, WORK_REMAINING] = remaining - removed
    if removed > 0.0 and ticket_i[n, slot, FIRST_WORK] == 0:
        ticket_i[n, slot, FIRST_WORK] = step
        if goes_awaiting(state, params, n, slot, step):  # it awaits at the end of this step: it cannot close in it
            ticket_f[n, slot, WORK_REMAINING] = max(remaining - removed, WORK_CLOSE)
    if removed > 0.0 and reassigns(params) and ticket_i[n, slot, L.VISIT_WORK] == 0:  # (only it reads it)
        ticket_i[n, slot, L.VISIT_WORK] = step
        if goes_to_colleague(state, params, n, slot):  # handed on at the end of this step: it cannot close in it
            ticket_f[n, slot, WORK_REMAINING] = max(remaining - removed, WORK_CLOSE)
    reveal_component(state, params, n, slot)
    maybe_regress(state, params, n, slot, step)


@njit(**JIT)
def progress_work(state: State, params: Params, n: Int, step: Int) -> None:
    """Progress every workable ticket that an on-shift engineer or the expert
    works on. Each slot's arithmetic and regression draw depend on that slot
    alone, so slots are visited in any order: those with engineers first (at
    their lowest-index engineer), then escalated ones nobody works on."""
    ticket_i, engineer_i = state.ticket_i, state.engineer_i
    n_engineers = engineer_i.shape[1]
    for engineer in range(n_engineers):
        slot = engineer_i[n, engineer, CURRENT_SLOT]
        if slot < 0 or engineer_i[n, engineer, ON_SHIFT] == 0 or not ticket_is_workable(state, n, slot):
            continue
        first = True
        for other in range(engineer):
            if works_on(state, n, other, slot):
                first = False
        if first:
            progress_slot(state, params, n, slot, step)
    for slot in range(params.max_tickets):
        if ticket_i[n, slot, ESCALATED] == 0 or not ticket_is_workable(state, n, slot):
            continue
        staffed = False
        for engineer in range(n_engineers):
            if works_on(state, n, engineer, slot):
                staffed = True
        if not staffed:
            progress_slot(state, params, n, slot, step)
    for engineer in range(n_engineers):
        if engineer_i[n, engineer, CURRENT_SLOT] >= 0:
            engineer_i[n, engineer, TIME_ON_TICKET] += 1
            if engineer_i[n, engineer, RAMP_LEFT] > 0:
                engineer_i[n, engineer, RAMP_LEFT] -= 1


@njit(**JIT)
def release_info_blocks(state: State, params: Params, n: Int) -> None:
    """Info requests count down; when the info arrives the ambiguity is gone.
    (Only slots: REQUEST_INFO needs a slot, and a blocked ticket keeps it.)"""
    ticket_i = state.ticket_i
    for slot in range(params.max_tickets):
        if ticket_i[n, slot, ACTIVE] == 1 and ticket_i[n, slot, BLOCKED] > 0:
            ticket_i[n, slot, BLOCKED] -= 1
            if ticket_i[n, slot, BLOCKED] == 0:
                ticket_i[n, slot, AMBIGUOUS] = 0


@njit(**JIT)
def release_dependencies(state: State, params: Params, n: Int) -> None:
    """Tickets waiting on a ticket that is no longer open can progress again
    (run right after a resolution, so the release is visible the same step;
    resolution is the only way a ticket stops being open)."""
    ticket_i, env_i = state.ticket_i, state.env_i
    for index in range(params.max_tickets + env_i[n, QUEUE_COUNT]):
        row = live_row(state, params, n, index)
        waiting_on = ticket_i[n, row, WAITING_ON]
        if ticket_i[n, row, ACTIVE] == 1 and waiting_on >= 0 and not ticket_is_open(state, params, n, waiting_on):
            ticket_i[n, row, WAITING_ON] = -1
            env_i[n, WAITING_OPEN] -= 1


@njit(**JIT)
def record_closed(state: State, n: Int, slot: Int, step: Int) -> None:
    """Append the lifecycle record of the ticket resolving in ``slot`` at ``step`` to
    ``closed_i`` (the last step's resolutions; at most one per slot)."""
    ticket_i, closed_i, env_i = state.ticket_i, state.closed_i, state.env_i
    k = env_i[n, CLOSED_COUNT]
    env_i[n, CLOSED_COUNT] = k + 1
    closed_i[n, k, CLOSED_ID] = ticket_i[n, slot, TICKET_ID]
    closed_i[n, k, CLOSED_SEVERITY] = ticket_i[n, slot, SEVERITY]
    closed_i[n, k, CLOSED_COMPONENT] = ticket_i[n, slot, COMPONENT]
    closed_i[n, k, CLOSED_ARRIVAL] = ticket_i[n, slot, ARRIVAL]
    closed_i[n, k, CLOSED_FIRST_WORK] = ticket_i[n, slot, FIRST_WORK]
    closed_i[n, k, CLOSED_RESOLVED] = step
    closed_i[n, k, CLOSED_BREACHED] = ticket_i[n, slot, BREACHED]
    closed_i[n, k, CLOSED_REOPENED] = ticket_i[n, slot, REOPENED]
    closed_i[n, k, L.CLOSED_AWAITED] = ticket_i[n, slot, L.AWAITED]
    closed_i[n, k, L.CLOSED_REASSIGNMENTS] = ticket_i[n, slot, L.REASSIGNMENTS]
    closed_i[n, k, L.CLOSED_FIRST_GROUP] = ticket_i[n, slot, L.FIRST_GROUP]
    closed_i[n, k, L.CLOSED_GROUP] = ticket_i[n, slot, L.GROUP]


@njit(**JIT)
def resolve(state: State, params: Params, n: Int, step: Int) -> int:
    """Finished tickets resolve: credit, free engineers, maybe schedule a reopen.
    Returns how many resolved."""
    ticket_i, ticket_f, contributed = state.ticket_i, state.ticket_f, state.contributed
    engineer_i, env_i = state.engineer_i, state.env_i
    n_engineers = engineer_i.shape[1]
    resolved = 0
    # with incidents, a second pass: a root closes its incident's tickets, some in slots it has passed
    for _ in range(2 if params.p_incident > 0.0 else 1):
        for slot in range(params.max_tickets):
            if ticket_i[n, slot, ACTIVE] == 0 or ticket_f[n, slot, WORK_REMAINING] > WORK_EPSILON:
                continue
            env_i[n, RESOLVED] += 1
            resolved += 1
            record_closed(state, n, slot, step)
            # resolve credit by work contributed (equal split if only the expert worked)
            total = 0.0
            for engineer in range(n_engineers):
                total += contributed[n, slot, engineer]
            for engineer in range(n_engineers):
                if total > 0.0:
                    charge_share(state, params, n, engineer, R_RESOLVE, contributed[n, slot, engineer], total)
                else:
                    charge_share(state, params, n, engineer, R_RESOLVE, 1.0, float(n_engineers))
                if engineer_i[n, engineer, CURRENT_SLOT] == slot:
                    engineer_i[n, engineer, CURRENT_SLOT] = -1
                    engineer_i[n, engineer, TIME_ON_TICKET] = 0
                    engineer_i[n, engineer, RAMP_LEFT] = 0
            ticket_id = ticket_i[n, slot, TICKET_ID]
            if ticket_i[n, slot, L.INCIDENT] == L.INCIDENT_ROOT:
                close_incident(state, params, n, ticket_id, state.incident_i, state.awaiting_i, state.awaiting_f)
            prefix = env_i[n, HASH_PREFIX]
            if params.p_reopen > 0.0 and uniform(prefix, ticket_id, RNG_REOPEN, step) < params.p_reopen:
                delay = 1 + int(uniform(prefix, ticket_id, RNG_REOPEN_DELAY, step) * params.reopen_window)
                work = max(ticket_f[n, slot, WORK_TOTAL] * params.reopen_work_fraction, WORK_EPSILON * 10)
                schedule_reopen(state, n, slot, step + delay, work)
            env_i[n, ARRIVAL_SUM] -= ticket_i[n, slot, ARRIVAL]
            if ticket_i[n, slot, BREACHED] == 1:
                env_i[n, OVERDUE_OPEN] -= 1
            if ticket_i[n, slot, ESCALATED] == 1:
                env_i[n, L.ESCALATED_OPEN] -= 1
            if ticket_i[n, slot, WAITING_ON] >= 0:  # only with (almost) no work: waiting tickets make no progress
                env_i[n, WAITING_OPEN] -= 1
            clear_row(state, n, slot)
    return resolved


@njit(**JIT)
def check_deadline(
    state: State, params: Params, n: Int, records: npt.NDArray[np.int32], row: Int, step: Int, next_deadline: Int
) -> Int:
    """One open record of ``records`` (the tickets' rows or the awaiting area's): it breaches if its deadline
    has passed at ``step`` (charged once); returns the earliest deadline still ahead, ``next_deadline`` or its."""
    if records[n, row, BREACHED] == 1:
        return next_deadline
    deadline = records[n, row, DEADLINE]
    if deadline < step:
        records[n, row, BREACHED] = 1
        state.env_i[n, BREACHES] += 1
        state.env_i[n, OVERDUE_OPEN] += 1
        n_engineers = state.engineer_i.shape[1]
        for engineer in range(n_engineers):
            charge(state, params, n, engineer, R_SLA_BREACH, 1.0 / n_engineers)
        return next_deadline
    return deadline if deadline < next_deadline else next_deadline


@njit(**JIT)
def check_area_deadlines(state: State, params: Params, n: Int, step: Int, next_deadline: Int, awaiting_i: AreaI) -> Int:
    """:func:`check_deadline` for every ticket of the awaiting area (its clock runs, or its deadline moves)."""
    if awaiting_i is None:
        return next_deadline
    for k in range(state.env_i[n, L.AWAITING_OPEN]):
        next_deadline = check_deadline(state, params, n, awaiting_i, k, step, next_deadline)
    return next_deadline


@njit(**JIT)
def check_deadlines(state: State, params: Params, n: Int, step: Int) -> None:
    """An open or queued ticket whose deadline has passed at ``step`` breaches
    (once); every overdue ticket costs r_overdue each step. Tickets are only
    scanned when ``step`` passes NEXT_DEADLINE, the earliest deadline seen
    (deferrals and resolutions can leave it early: then a scan finds nothing
    and refreshes it)."""
    ticket_i, env_i = state.ticket_i, state.env_i
    n_engineers = state.engineer_i.shape[1]
    share = 1.0 / n_engineers
    if step > env_i[n, NEXT_DEADLINE]:
        next_deadline: Int = NO_DEADLINE
        for index in range(params.max_tickets + env_i[n, QUEUE_COUNT]):
            row = live_row(state, params, n, index)
            if ticket_i[n, row, ACTIVE] == 1:
                next_deadline = check_deadline(state, params, n, ticket_i, row, step, next_deadline)
        next_deadline = check_area_deadlines(state, params, n, step, next_deadline, state.awaiting_i)
        env_i[n, NEXT_DEADLINE] = next_deadline
    if params.r_overdue != 0.0:
        for _ in range(env_i[n, OVERDUE_OPEN]):
            for engineer in range(n_engineers):
                charge(state, params, n, engineer, R_OVERDUE, share)


@njit(**JIT)
def update_shifts(state: State, params: Params, n: Int) -> None:
    """On-shift flags for the coming step; going off shift drops the ticket."""
    engineer_i = state.engineer_i
    n_engineers = engineer_i.shape[1]
    period = params.shift_period
    for engineer in range(n_engineers):
        on = 1
        if period > 0:
            offset = engineer * period // n_engineers
            on = 1 if (state.env_i[n, T] + offset) % period < params.shift_length else 0
        engineer_i[n, engineer, ON_SHIFT] = on
        if on == 0:
            engineer_i[n, engineer, CURRENT_SLOT] = -1
            engineer_i[n, engineer, TIME_ON_TICKET] = 0
            engineer_i[n, engineer, RAMP_LEFT] = 0


@njit(**JIT)
def finish_rewards(state: State, params: Params, n: Int) -> None:
    """Team mode: every engineer gets the team total of each component;
    individual mode: its own share. ``rewards`` sums the components in order."""
    accumulated, parts, rewards = state.accumulated, state.parts, state.rewards
    n_engineers = accumulated.shape[1]
    for component in range(N_REWARD):
        team = 0.0
        for engineer in range(n_engineers):
            team += accumulated[n, engineer, component]
        for engineer in range(n_engineers):
            parts[n, engineer, component] = accumulated[n, engineer, component] if params.individual_rewards else team
    for engineer in range(n_engineers):
        total = 0.0
        for component in range(N_REWARD):
            total += parts[n, engineer, component]
        rewards[n, engineer] = total


@njit(**SEQUENCE_JIT)
def advance(state: State, params: Params, n: Int) -> None:
    """Advance environment ``n`` by one step after every engineer has acted."""
    env_i = state.env_i
    step = env_i[n, T] + 1
    env_i[n, CLOSED_COUNT] = 0
    charge_idle(state, params, n)
    progress_work(state, params, n, step)
    release_info_blocks(state, params, n)
    resolved = resolve(state, params, n, step)
    tick_handoffs(state, params, n, state.routing_i)  # after resolve: a ticket in transit may close with its incident
    returned = tick_awaiting(state, params, n, state.awaiting_i, state.awaiting_f, state.routing_i)
    if (resolved > 0 or returned > 0) and env_i[
        n, WAITING_OPEN
    ] > 0:  # a return may wait on a ticket resolved meanwhile
        release_dependencies(state, params, n)
    start_awaiting(state, params, n, step, state.awaiting_i, state.awaiting_f)
    start_reassigning(state, params, n, step, state.routing_i, state.awaiting_i, state.awaiting_f)
    first_id = env_i[n, NEXT_ID]  # the ids of this step's new tickets start here
    admit_arrivals(state, params, n, step)
    arrive_incidents(state, params, n, step, state.incident_i)
    start_pickups(state, params, n, step, first_id, state.routing_i, state.awaiting_i, state.awaiting_f)
    check_deadlines(state, params, n, step)
    finish_rewards(state, params, n)
    env_i[n, T] = step
    update_shifts(state, params, n)


@njit(**JIT)
def trace_offset(params: Params, prefix: Int) -> int:
    """The trace step an episode's step 1 replays: ``trace_start``, or (``-1``,
    "random") drawn from the episode's hash, uniform over the offsets whose
    whole episode lies in the trace (every step, if the trace is shorter)."""
    if params.arrival_process != 3:
        return 0
    if params.trace_start >= 0:
        return params.trace_start
    choices = params.trace_steps - params.horizon + 1
    if choices < 1:
        choices = params.trace_steps
    return int(uniform(prefix, 0, RNG_TRACE_START, 0) * choices)


@njit(**JIT)
def clear_outputs(state: State, n: Int) -> None:
    """Zero the last step's outputs of ``n`` (rewards and their breakdowns, actions,
    the coordinator's invalid flag): what a reset returns."""
    for engineer in range(state.rewards.shape[1]):
        for component in range(N_REWARD):
            state.parts[n, engineer, component] = 0.0
        state.rewards[n, engineer] = 0.0
        state.actions[n, engineer] = 0
    for component in range(N_REWARD):
        state.team_parts[n, component] = 0.0
    state.team_rewards[n] = 0.0
    state.coordinator_actions[n] = 0
    state.coordinator_invalid[n] = False


@njit(**JIT)
def reset_env(state: State, params: Params, n: Int) -> None:
    """Start a new episode in environment ``n`` (its seed and episode already set):
    empty slots and buffers, this episode's skills, the initial backlog. The
    last step's outputs are left alone (:func:`clear_outputs` clears them)."""
    engineer_i, env_i, skills = state.engineer_i, state.env_i, state.skills
    n_engineers = engineer_i.shape[1]
    for row in range(params.max_tickets):  # queue rows are rewritten whole when used
        clear_row(state, n, row)
    for k in range(state.reopen_i.shape[1]):
        for field in range(state.reopen_i.shape[2]):
            state.reopen_i[n, k, field] = 0
        for field in range(state.reopen_f.shape[2]):
            state.reopen_f[n, k, field] = 0.0
    for engineer in range(n_engineers):
        for component in range(N_REWARD):
            state.accumulated[n, engineer, component] = 0.0
        for field in range(engineer_i.shape[2]):
            engineer_i[n, engineer, field] = 0
        engineer_i[n, engineer, CURRENT_SLOT] = -1
    for field in (T, ARRIVED, RESOLVED, BREACHES, DROPPED, REOPENS, NEXT_ID, QUEUE_COUNT, PENDING_REOPENS, QUEUE_HEAD, ARRIVAL_SUM, OVERDUE_OPEN, WAITING_OPEN, CLOSED_COUNT, L.ESCALATED_OPEN):  # fmt: skip
        env_i[n, field] = 0
    clear_awaiting(state, n, state.awaiting_i, state.awaiting_f)
    clear_incidents(state, n, state.incident_i)
    clear_routing(state, n, state.routing_i)
    env_i[n, NEXT_DEADLINE] = NO_DEADLINE
    env_i[n, HASH_PREFIX] = hash_prefix(env_i[n, SEED_LO], env_i[n, SEED_HI], env_i[n, EPISODE])
    prefix = env_i[n, HASH_PREFIX]
    noise = params.skill_noise
    for engineer in range(n_engineers):
        for component in range(skills.shape[2]):
            skill = params.base_skills[engineer, component]
            if noise > 0.0:
                z = standard_normal(prefix, engineer, RNG_SKILL, RNG_SKILL_2, component)
                skill *= math.exp(noise * z - 0.5 * noise * noise)
            skills[n, engineer, component] = skill
    env_i[n, TRACE_OFFSET] = trace_offset(params, prefix)
    for _ in range(params.initial_backlog):
        arrive_new(state, params, n, NO_TRACE_ROW)
    update_shifts(state, params, n)
