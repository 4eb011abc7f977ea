"""Observations, action masks and the centralized state (scales in multiagent.py's docstring).

The team features (global, tickets, engineers: the original description's layout) are written
once into row 0 of an ``(N, rows, D)`` buffer; every engineer's row copies
them and adds its one-hot id. Masks apply the rules of :mod:`.rules`.
"""

from __future__ import annotations

import numpy as np
import numpy.typing as npt
from numba import njit

from .awaiting import AreaI
from .encoding import AGENT_TICKET_VERBS, agent_action_jit
from .features import (
    ENGINEER_FIELDS,
    GLOBAL_FIELDS,
    MECHANIC_FIELDS,
    N_ENGINEER_FEATURES,
    N_GLOBAL,
    N_STATE_ENGINEER_EXTRA,
    N_STATE_GLOBAL_EXTRA,
    N_STATE_TICKET_EXTRA,
    N_TICKET_FEATURES,
    STATE_ENGINEER_FIELDS,
    STATE_GLOBAL_FIELDS,
    STATE_TICKET_FIELDS,
    TICKET_ATTRIBUTE_COLUMNS,
    TICKET_ATTRIBUTE_OFFSETS,
    TICKET_ATTRIBUTE_SCALES,
    TICKET_FIELDS,
    offset,
)
from .incidents import Table
from .jit import JIT, SEQUENCE_JIT
from .layout import (
    ACTIVE,
    AMBIGUOUS,
    ARRIVAL,
    ARRIVAL_SUM,
    AWAIT_SINCE_SUM,
    AWAITED,
    AWAITING_OPEN,
    BLOCKED,
    BREACHED,
    BREACHES,
    CURRENT_SLOT,
    DEADLINE,
    DEFERRALS,
    GROUP,
    HANDOFF,
    OFF_BOARD,
    ON_SHIFT,
    QUEUE_COUNT,
    RAMP_LEFT,
    REASSIGNMENTS,
    REOPENED,
    RESOLVED,
    TIME_ON_TICKET,
    VERB_ROUTE,
    VERB_WORK,
    WAITING_ON,
    WORK_REMAINING,
    T,
)
from .rules import escalated_count, expert_pool_open, ticket_allows
from .teams import in_group, shown_component
from .types import Int, Params, RoutingI, State

# Each field's offset in its group (features.py owns the layout; numba reads these ints as constants).
G_TIME = offset(GLOBAL_FIELDS, "time")
G_OPEN_LOAD = offset(GLOBAL_FIELDS, "open_load")
G_MEAN_AGE = offset(GLOBAL_FIELDS, "mean_age")
G_BREACHES = offset(GLOBAL_FIELDS, "breaches")
G_RESOLVED = offset(GLOBAL_FIELDS, "resolved")
F_AGE = offset(TICKET_FIELDS, "age")
F_COMPONENT = offset(TICKET_FIELDS, "component")
F_SLA_REMAINING = offset(TICKET_FIELDS, "sla_remaining")
F_WAITING_ON = offset(TICKET_FIELDS, "waiting_on")
F_BLOCKED = offset(TICKET_FIELDS, "blocked")
F_WORK_REMAINING = offset(TICKET_FIELDS, "work_remaining")
F_ASSIGNED = offset(TICKET_FIELDS, "assigned")
E_BUSY = offset(ENGINEER_FIELDS, "busy")
E_CURRENT_SLOT = offset(ENGINEER_FIELDS, "current_slot")
E_TIME_ON_TICKET = offset(ENGINEER_FIELDS, "time_on_ticket")
S_AMBIGUOUS = offset(STATE_TICKET_FIELDS, "ambiguous")
S_REOPENED = offset(STATE_TICKET_FIELDS, "reopened")
S_BREACHED = offset(STATE_TICKET_FIELDS, "breached")
S_DEFERRALS = offset(STATE_TICKET_FIELDS, "deferrals")
S_ON_SHIFT = offset(STATE_ENGINEER_FIELDS, "on_shift")
S_RAMP_LEFT = offset(STATE_ENGINEER_FIELDS, "ramp_left")
S_QUEUE = offset(STATE_GLOBAL_FIELDS, "queue")
S_ESCALATED = offset(STATE_GLOBAL_FIELDS, "escalated")
M_AWAITING_LOAD = offset(MECHANIC_FIELDS, "awaiting_load")
M_AWAITING_TIME = offset(MECHANIC_FIELDS, "awaiting_time")
M_AWAITED = offset(MECHANIC_FIELDS, "awaited")
M_GROUP = offset(MECHANIC_FIELDS, "group")  # the slot's (the first field of that name)
M_REASSIGNMENTS = offset(MECHANIC_FIELDS, "reassignments")
M_IN_TRANSIT = offset(MECHANIC_FIELDS, "in_transit")
M_ENGINEER_GROUP = len(MECHANIC_FIELDS) - 1  # the engineer's group: the last field


@njit(**JIT)
def write_team_features(state: State, params: Params, n: Int, out: npt.NDArray[np.float32]) -> None:
    """Global . tickets (T x ticket fields) . engineers (E x engineer fields) into ``out[n, 0, :]``, as the
    tables of :mod:`.features` lay them out.
    Constant scales are applied as multiplications by their reciprocals: a
    division costs several multiplications, and this runs every step."""
    ticket_i, ticket_f, engineer_i, env_i = state.ticket_i, state.ticket_f, state.engineer_i, state.env_i
    n_slots = params.max_tickets
    n_engineers = engineer_i.shape[1]
    horizon = params.horizon
    age_scale = params.age_scale
    work_mean = params.work_mean
    per_age = 1.0 / age_scale
    per_info = 1.0 / max(float(params.info_wait_max), 1.0)
    per_component = 1.0 / params.n_components
    per_engineer = 1.0 / n_engineers
    now = env_i[n, T]
    open_count = env_i[n, QUEUE_COUNT]
    for slot in range(n_slots):
        open_count += ticket_i[n, slot, ACTIVE]
    all_open = open_count + env_i[n, AWAITING_OPEN]  # the arrival sum counts awaiting tickets too
    mean_age = (all_open * now - env_i[n, ARRIVAL_SUM]) / all_open if all_open > 0 else 0.0
    out[n, 0, G_TIME] = min(env_i[n, T] / horizon, 1.0)
    out[n, 0, G_OPEN_LOAD] = open_count / (open_count + n_slots)
    out[n, 0, G_MEAN_AGE] = min(mean_age / age_scale, 1.0)
    out[n, 0, G_BREACHES] = min(env_i[n, BREACHES] / horizon, 1.0)
    out[n, 0, G_RESOLVED] = min(env_i[n, RESOLVED] / horizon, 1.0)
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
        out[n, 0, o + F_AGE] = min((now - ticket_i[n, slot, ARRIVAL]) * per_age, 1.0)
        out[n, 0, o + F_COMPONENT] = (shown_component(state, params, n, slot) + 1.0) * per_component
        out[n, 0, o + F_SLA_REMAINING] = max(-1.0, min((ticket_i[n, slot, DEADLINE] - now) * per_age, 1.0))
        out[n, 0, o + F_WAITING_ON] = 1.0 if ticket_i[n, slot, WAITING_ON] >= 0 else 0.0
        out[n, 0, o + F_BLOCKED] = min(ticket_i[n, slot, BLOCKED] * per_info, 1.0)
        out[n, 0, o + F_WORK_REMAINING] = work / (work + work_mean)
        out[n, 0, o + F_ASSIGNED] = assigned * per_engineer
        for k in range(TICKET_ATTRIBUTE_OFFSETS.shape[0]):  # the attribute fields: a column times a scale
            out[n, 0, o + TICKET_ATTRIBUTE_OFFSETS[k]] = (
                ticket_i[n, slot, TICKET_ATTRIBUTE_COLUMNS[k]] * TICKET_ATTRIBUTE_SCALES[k]
            )
    base += n_slots * N_TICKET_FEATURES
    for engineer in range(n_engineers):
        o = base + engineer * N_ENGINEER_FEATURES
        current = engineer_i[n, engineer, CURRENT_SLOT]
        time_on = float(engineer_i[n, engineer, TIME_ON_TICKET])
        out[n, 0, o + E_BUSY] = 1.0 if current >= 0 else 0.0
        out[n, 0, o + E_CURRENT_SLOT] = (current + 1.0) / n_slots
        out[n, 0, o + E_TIME_ON_TICKET] = time_on / (time_on + work_mean)
    write_mechanic_features(state, params, n, out, state.awaiting_i, state.routing_i)


@njit(**JIT)
def write_mechanic_features(
    state: State, params: Params, n: Int, out: npt.NDArray[np.float32], awaiting_i: AreaI, routing_i: RoutingI
) -> None:
    """The fields of the mechanics on (features.MECHANIC_*_FIELDS) at their offsets (params.mechanic_offsets):
    waiting on others (without it, ``awaiting_i`` None, that part compiles to nothing) and teams."""
    write_team_fields(state, params, n, out, state.routing_i)
    if awaiting_i is None:
        return
    ticket_i, env_i = state.ticket_i, state.env_i
    offsets = params.mechanic_offsets
    per_age = 1.0 / params.age_scale
    now = env_i[n, T]
    if offsets[M_AWAITING_LOAD] >= 0:
        waiting = env_i[n, AWAITING_OPEN] - off_board(n, routing_i)  # the area's hand-offs are not awaiting
        out[n, 0, offsets[M_AWAITING_LOAD]] = waiting / (waiting + params.max_tickets)
        so_far = (waiting * now - env_i[n, AWAIT_SINCE_SUM]) / waiting if waiting > 0 else 0.0
        out[n, 0, offsets[M_AWAITING_TIME]] = min(so_far * per_age, 1.0)
    stride = params.mechanic_ticket_size
    for slot in range(params.max_tickets):
        o = params.mechanic_ticket_base + slot * stride
        if ticket_i[n, slot, ACTIVE] == 0:
            for k in range(stride):
                out[n, 0, o + k] = 0.0
            continue
        if offsets[M_AWAITED] >= 0:
            out[n, 0, o + offsets[M_AWAITED]] = min(ticket_i[n, slot, AWAITED] * per_age, 1.0)


@njit(**JIT)
def off_board(n: Int, routing_i: RoutingI) -> int:
    """Hand-offs waited out in the awaiting area (0 without teams)."""
    if routing_i is None:
        return 0
    count: int = routing_i[n, OFF_BOARD]
    return count


@njit(**JIT)
def write_team_fields(state: State, params: Params, n: Int, out: npt.NDArray[np.float32], routing_i: RoutingI) -> None:
    """Teams' fields: each slot's owning group, hand-offs so far and transit; each engineer's group."""
    if routing_i is None:
        return
    ticket_i = state.ticket_i
    offsets = params.mechanic_offsets
    per_group = 1.0 / params.n_groups
    for slot in range(params.max_tickets):
        o = params.mechanic_ticket_base + slot * params.mechanic_ticket_size
        if ticket_i[n, slot, ACTIVE] == 0:
            out[n, 0, o + offsets[M_GROUP]] = 0.0
            out[n, 0, o + offsets[M_REASSIGNMENTS]] = 0.0
            out[n, 0, o + offsets[M_IN_TRANSIT]] = 0.0
            continue
        reassignments = float(ticket_i[n, slot, REASSIGNMENTS])
        out[n, 0, o + offsets[M_GROUP]] = (ticket_i[n, slot, GROUP] + 1.0) * per_group
        out[n, 0, o + offsets[M_REASSIGNMENTS]] = reassignments / (reassignments + 1.0)
        out[n, 0, o + offsets[M_IN_TRANSIT]] = 1.0 if ticket_i[n, slot, HANDOFF] > 0 else 0.0
    for engineer in range(state.engineer_i.shape[1]):
        o = params.mechanic_engineer_base + engineer * params.mechanic_engineer_size
        out[n, 0, o + offsets[M_ENGINEER_GROUP]] = (params.engineer_group[engineer] + 1.0) * per_group


@njit(**JIT)
def write_team_masks(state: State, params: Params, n: Int, pool_open: bool, routing_i: RoutingI) -> None:
    """Teams: an engineer's ticket verbs only on its group's tickets, and the ROUTE blocks."""
    if routing_i is None:
        return
    masks = state.masks
    n_slots = params.max_tickets
    n_engineers = state.engineer_i.shape[1]
    for slot in range(n_slots):
        for group in range(params.n_groups):
            allowed = ticket_allows(state, params, n, VERB_ROUTE + group, slot, pool_open)
            action = agent_action_jit(VERB_ROUTE + group, slot, n_slots)
            for engineer in range(n_engineers):
                masks[n, engineer, action] = allowed
        for engineer in range(n_engineers):
            if not in_group(state, params, n, engineer, slot):
                for verb in AGENT_TICKET_VERBS:
                    masks[n, engineer, agent_action_jit(verb, slot, n_slots)] = 0
                for group in range(params.n_groups):
                    masks[n, engineer, agent_action_jit(VERB_ROUTE + group, slot, n_slots)] = 0


@njit(**JIT)
def write_link_masks(state: State, params: Params, n: Int, incident_i: Table) -> None:
    """Incidents: the LINK block (its rule, for the engineers of the group that owns each ticket)."""
    if incident_i is None:
        return
    masks = state.masks
    n_slots = params.max_tickets
    for slot in range(n_slots):
        allowed = ticket_allows(state, params, n, params.link_verb, slot, False)
        action = agent_action_jit(params.link_verb, slot, n_slots)
        for engineer in range(state.engineer_i.shape[1]):
            masks[n, engineer, action] = allowed and in_group(state, params, n, engineer, slot)


@njit(**JIT)
def write_agent_masks(state: State, params: Params, n: Int) -> None:
    """Every engineer's mask: off shift only NOOP; otherwise the ticket rules of
    :mod:`.rules` (the same for everyone, evaluated once per slot), plus WORK
    on its own current ticket (always allowed: "continue")."""
    engineer_i, masks = state.engineer_i, state.masks
    n_slots = params.max_tickets
    n_engineers = engineer_i.shape[1]
    pool_open = expert_pool_open(state, params, n)
    for slot in range(n_slots):
        for verb in AGENT_TICKET_VERBS:
            allowed = ticket_allows(state, params, n, verb, slot, pool_open)
            action = agent_action_jit(verb, slot, n_slots)
            for engineer in range(n_engineers):
                masks[n, engineer, action] = allowed
    write_team_masks(state, params, n, pool_open, state.routing_i)
    write_link_masks(state, params, n, state.incident_i)
    n_actions = masks.shape[2]
    for engineer in range(n_engineers):
        masks[n, engineer, 0] = 1
        if engineer_i[n, engineer, ON_SHIFT] == 0:
            for action in range(1, n_actions):
                masks[n, engineer, action] = 0
        elif engineer_i[n, engineer, CURRENT_SLOT] >= 0:
            masks[n, engineer, agent_action_jit(VERB_WORK, engineer_i[n, engineer, CURRENT_SLOT], n_slots)] = 1


@njit(**JIT)
def write_agent_rows(state: State, params: Params, n: Int) -> None:
    """Copy the team features (row 0) to every engineer's row, add its one-hot id,
    and in local mode hide tickets outside its components."""
    ticket_i, engineer_i, skills, observations = state.ticket_i, state.engineer_i, state.skills, state.observations
    n_slots = params.max_tickets
    n_engineers = engineer_i.shape[1]
    team_size = params.team_size
    stride = params.mechanic_ticket_size
    for engineer in range(n_engineers - 1, -1, -1):  # row 0 holds the team features: change it last
        if engineer > 0:
            for k in range(team_size):
                observations[n, engineer, k] = observations[n, 0, k]
        for k in range(n_engineers):
            observations[n, engineer, team_size + k] = 1.0 if k == engineer else 0.0
        if params.local_observation:  # zero tickets outside the engineer's components
            for slot in range(n_slots):
                if ticket_i[n, slot, ACTIVE] == 0 or engineer_i[n, engineer, CURRENT_SLOT] == slot:
                    continue
                if skills[n, engineer, shown_component(state, params, n, slot)] < 1.0:
                    o = N_GLOBAL + slot * N_TICKET_FEATURES
                    for k in range(N_TICKET_FEATURES):
                        observations[n, engineer, o + k] = 0.0
                    o = params.mechanic_ticket_base + slot * stride
                    for k in range(stride):
                        observations[n, engineer, o + k] = 0.0


@njit(**SEQUENCE_JIT)
def observe_agents(state: State, params: Params, n: Int) -> None:
    """Per-engineer observations ``state.observations[n]`` (E, D) and masks ``state.masks[n]`` (E, 1+4T)."""
    write_team_features(state, params, n, state.observations)
    write_agent_rows(state, params, n)
    write_agent_masks(state, params, n)


@njit(**JIT)
def write_state(state: State, params: Params, n: Int, out: npt.NDArray[np.float32]) -> None:
    """The centralized-critic state into ``out[n, 0, :]``: team features plus what agents cannot see."""
    ticket_i, engineer_i, env_i, skills = state.ticket_i, state.engineer_i, state.env_i, state.skills
    n_slots = params.max_tickets
    n_engineers = engineer_i.shape[1]
    write_team_features(state, params, n, out)
    o = params.team_size
    max_deferrals = max(float(params.max_deferrals), 1.0)
    for slot in range(n_slots):
        out[n, 0, o + S_AMBIGUOUS] = float(ticket_i[n, slot, AMBIGUOUS])
        out[n, 0, o + S_REOPENED] = float(ticket_i[n, slot, REOPENED])
        out[n, 0, o + S_BREACHED] = float(ticket_i[n, slot, BREACHED])
        out[n, 0, o + S_DEFERRALS] = min(ticket_i[n, slot, DEFERRALS] / max_deferrals, 1.0)
        o += N_STATE_TICKET_EXTRA
    ramp_scale = max(float(params.switch_ramp_steps), 1.0)
    for engineer in range(n_engineers):
        out[n, 0, o + S_ON_SHIFT] = float(engineer_i[n, engineer, ON_SHIFT])
        out[n, 0, o + S_RAMP_LEFT] = min(engineer_i[n, engineer, RAMP_LEFT] / ramp_scale, 1.0)
        o += N_STATE_ENGINEER_EXTRA
    out[n, 0, o + S_QUEUE] = env_i[n, QUEUE_COUNT] / max(float(params.max_queue), 1.0)
    out[n, 0, o + S_ESCALATED] = escalated_count(state, params, n) / max(float(params.max_escalated), 1.0)
    o += N_STATE_GLOBAL_EXTRA
    for engineer in range(n_engineers):
        for component in range(skills.shape[2]):
            skill = skills[n, engineer, component]
            out[n, 0, o] = skill / (1.0 + skill)
            o += 1
