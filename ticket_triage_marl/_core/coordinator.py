"""The coordinator: one central action mapped onto the engineers, its mask, the team reward.

The encoding is :mod:`.encoding`'s. The mapping writes the engineers' actions
into ``state.actions[n]`` and the ordinary multi-agent step applies them.
"""

from __future__ import annotations

from numba import njit

from .encoding import (
    COORDINATOR_SIDE_VERBS,
    agent_action_jit,
    coordinator_action_jit,
    decode_coordinator_jit,
    engineer_verb_of_jit,
)
from .incidents import Table
from .jit import JIT, SEQUENCE_JIT
from .layout import (
    ACTIVE,
    COORD_ASSIGN,
    COORD_LINK,
    COORD_NOOP,
    COORD_ROUTE,
    COORD_SWARM,
    CURRENT_SLOT,
    N_REWARD,
    ON_SHIFT,
    R_INVALID,
    R_SWARM,
    VERB_ROUTE,
    VERB_WORK,
)
from .observe import write_team_features
from .rewards import charge
from .rules import WORK, action_is_valid, begin_tick, expert_pool_open, ticket_allows, ticket_is_workable
from .teams import group_actor, in_group
from .types import Int, Params, RoutingI, State


@njit(**SEQUENCE_JIT)
def side_action_engineer(state: State, n: Int) -> int:
    """Who does the coordinator's ESCALATE / REQUEST_INFO / DEFER: the
    lowest-index engineer on shift (engineer 0 if nobody is)."""
    engineer_i = state.engineer_i
    for engineer in range(engineer_i.shape[1]):
        if engineer_i[n, engineer, ON_SHIFT] == 1:
            return engineer
    return 0


@njit(**JIT)
def map_coordinator_action(state: State, params: Params, n: Int, action: int) -> int:
    """Write the per-engineer actions of coordinator ``action`` into ``state.actions[n]``.

    Returns the coordinator verb if the action is valid, -1 if the mask forbids
    it (then every engineer NOOPs). ASSIGN(t, e): engineer e WORKs t. SWARM(t):
    every engineer who may WORK t does. ESCALATE / REQUEST_INFO / DEFER(t) and
    (teams) ROUTE(t, g): done by :func:`.teams.group_actor` (without teams the
    lowest-index engineer on shift), everyone else continues.
    """
    joint = state.actions
    n_slots = params.max_tickets
    n_engineers = joint.shape[1]
    for engineer in range(n_engineers):
        joint[n, engineer] = 0
    verb, slot, assignee = decode_coordinator_jit(action, n_slots, n_engineers, params.n_groups)
    if verb == COORD_NOOP:
        return COORD_NOOP
    if verb == COORD_ASSIGN:
        if not action_is_valid(state, params, n, assignee, WORK, slot):
            return -1
        joint[n, assignee] = agent_action_jit(VERB_WORK, slot, n_slots)
        return COORD_ASSIGN
    if verb == COORD_SWARM:
        any_valid = False
        for engineer in range(n_engineers):
            if action_is_valid(state, params, n, engineer, WORK, slot):
                joint[n, engineer] = agent_action_jit(VERB_WORK, slot, n_slots)
                any_valid = True
        return COORD_SWARM if any_valid else -1
    # ESCALATE, REQUEST_INFO, DEFER, ROUTE (to group ``assignee``), LINK: one engineer of the ticket's group does it
    engineer_verb = params.link_verb if verb == COORD_LINK else engineer_verb_of_jit(verb, assignee)
    actor = group_actor(state, params, n, slot, side_action_engineer(state, n), state.routing_i)
    if actor < 0 or not action_is_valid(state, params, n, actor, engineer_verb, slot):
        return -1
    joint[n, actor] = agent_action_jit(engineer_verb, slot, n_slots)
    return verb


@njit(**JIT)
def write_coordinator_mask(state: State, params: Params, n: Int) -> None:
    """Exact validity of every coordinator action, ``state.coordinator_masks[n]``:
    the rules of :mod:`.rules` for the engineer each action maps to."""
    engineer_i, masks = state.engineer_i, state.coordinator_masks
    n_slots = params.max_tickets
    n_engineers = engineer_i.shape[1]
    masks[n, 0] = 1
    anyone = side_action_engineer(state, n)
    pool_open = expert_pool_open(state, params, n)
    for slot in range(n_slots):
        active = state.ticket_i[n, slot, ACTIVE] == 1
        workable = ticket_is_workable(state, n, slot)
        any_work = False
        for engineer in range(n_engineers):
            ok = (
                engineer_i[n, engineer, ON_SHIFT] == 1
                and in_group(state, params, n, engineer, slot)
                and (workable or (active and engineer_i[n, engineer, CURRENT_SLOT] == slot))
            )
            masks[n, coordinator_action_jit(COORD_ASSIGN, slot, engineer, n_slots, n_engineers)] = 1 if ok else 0
            any_work = any_work or ok
        masks[n, coordinator_action_jit(COORD_SWARM, slot, 0, n_slots, n_engineers)] = 1 if any_work else 0
        actor = group_actor(state, params, n, slot, anyone, state.routing_i)
        actor_on_shift = actor >= 0 and engineer_i[n, actor, ON_SHIFT] == 1
        for verb in COORDINATOR_SIDE_VERBS:
            ok = actor_on_shift and ticket_allows(state, params, n, engineer_verb_of_jit(verb, 0), slot, pool_open)
            masks[n, coordinator_action_jit(verb, slot, 0, n_slots, n_engineers)] = 1 if ok else 0
        write_route_mask(state, params, n, slot, actor_on_shift, pool_open, state.routing_i)
        write_link_mask(state, params, n, slot, actor_on_shift, state.incident_i)


@njit(**JIT)
def write_link_mask(state: State, params: Params, n: Int, slot: Int, actor_on_shift: bool, incident_i: Table) -> None:
    """Incidents: the coordinator's LINK(slot) entry (carried out by the ticket's group's actor)."""
    if incident_i is None:
        return
    ok = actor_on_shift and ticket_allows(state, params, n, params.link_verb, slot, False)
    n_slots, n_engineers = params.max_tickets, state.engineer_i.shape[1]
    action = coordinator_action_jit(COORD_LINK, int(slot), 0, n_slots, n_engineers, params.n_groups)
    state.coordinator_masks[n, action] = 1 if ok else 0


@njit(**JIT)
def write_route_mask(
    state: State, params: Params, n: Int, slot: Int, actor_on_shift: bool, pool_open: bool, routing_i: RoutingI
) -> None:
    """Teams: the coordinator's ROUTE(slot, g) entries (carried out by the ticket's group's actor)."""
    if routing_i is None:
        return
    n_slots, n_engineers = params.max_tickets, state.engineer_i.shape[1]
    for group in range(params.n_groups):
        ok = actor_on_shift and ticket_allows(state, params, n, VERB_ROUTE + group, slot, pool_open)
        action = coordinator_action_jit(COORD_ROUTE, int(slot), group, n_slots, n_engineers)
        state.coordinator_masks[n, action] = 1 if ok else 0


@njit(**JIT)
def begin_coordinator_tick(state: State, params: Params, n: Int) -> None:
    """Start a coordinator tick of ``n``: map ``state.coordinator_actions[n]`` onto
    the engineers' actions, flag it if masked (costs r_invalid), charge a SWARM."""
    begin_tick(state, n)
    verb = map_coordinator_action(state, params, n, state.coordinator_actions[n])
    actor = side_action_engineer(state, n)
    state.coordinator_invalid[n] = verb < 0
    if verb < 0:
        charge(state, params, n, actor, R_INVALID, 1.0)
    elif verb == COORD_SWARM:
        charge(state, params, n, actor, R_SWARM, 1.0)


@njit(**JIT)
def team_reward(state: State, params: Params, n: Int) -> float:
    """The team's reward breakdown into ``state.team_parts[n]``; returns its total."""
    parts, team_parts = state.parts, state.team_parts
    total = 0.0
    for component in range(N_REWARD):
        value = 0.0
        if params.individual_rewards:
            for engineer in range(parts.shape[1]):
                value += parts[n, engineer, component]
        else:
            value = parts[n, 0, component]
        team_parts[n, component] = value
        total += value
    return total


@njit(**SEQUENCE_JIT)
def observe_coordinator(state: State, params: Params, n: Int) -> None:
    """The original description's flat observation ``state.coordinator_observations[n, 0]`` (the team groups of .features)
    and the exact coordinator mask ``state.coordinator_masks[n]``."""
    write_team_features(state, params, n, state.coordinator_observations)
    write_coordinator_mask(state, params, n)
