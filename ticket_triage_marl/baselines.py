"""Heuristic baseline policies, usable on the coordinator and on the multi-agent env.

A policy is a small class with one method, ``priority(snapshot)``: the open
ticket slots, best first. Two functions turn a ranking into actions:

- :func:`coordinator_action_from` (single-agent coordinator): the best workable
  ticket nobody works on goes to an idle on-shift engineer (the one most
  skilled on its component, lowest index on ties), checked against the exact
  action mask; one assignment per step, as the coordinator makes one decision
  per step. If every workable ticket is taken, the idle engineer helps on the
  best-ranked ticket with the fewest engineers (a swarm of two beats idling),
  as long as one more engineer speeds it up (``swarm_efficiency``: at most
  three on a ticket at the default 0.7).
  With no idle engineer: NOOP (busy engineers carry on).
- :func:`agent_actions_from` (PettingZoo parallel env; the AEC env through its
  ``unwrapped``): the same rule for every idle engineer at once, each taking a
  different ticket; busy engineers NOOP, i.e. continue their ticket.

With teams (``groups`` set) every ranking also routes, the routing rule of a
real desk: a ticket whose owning group is not the one most skilled at its
*reported* component (``EnvConfig.group_skills``; the owner keeps it on a tie)
is handed to that group by an idle engineer of its owner, best-ranked first,
before the assignments (the coordinator makes that its one decision of the
step). A misreported ticket is routed on its reported component, and again
once its true component shows.

With incidents (``p_incident > 0``) every ranking also links, the linking rule
of a real desk: a ticket in a slot, not blocked, waiting or in transit, with
at least :data:`LINK_BURST` more earlier open tickets of its reported
component in slots, arrived at most ``incident_window`` steps before it, than
chance brings in that window (the arrival rate then, times the window,
times the component's share) is linked (LINK) by an idle engineer of its group, after the
routes and before the assignments; a ticket it linked once (and was refused)
it does not link again in that episode (the policy remembers their ids).

The heuristics otherwise only ASSIGN/WORK; they read what the agents can observe
(severity, age, deadline, work left, blocked/waiting flags, assignees, the
reported component), never the hidden ``ambiguous`` flag or true component. :class:`RandomPolicy` instead picks a uniformly
random valid action (all verbs) from the mask, per engineer in the
multi-agent env, with :func:`random_masked_action` (also usable on its own,
and :func:`random_masked_actions` for a batch of masks).

=============  ====================================================================
name           ranking (best first; ties: lower ticket id)
=============  ====================================================================
``random``     uniformly random valid action (seeded ``numpy.random.Generator``)
``noop``       none: always NOOP (the floor)
``fifo``       oldest first (largest age)
``edf``        earliest deadline first (least SLA time left), then higher severity
``severity``   most severe first, then earliest deadline
``cost_rate``  cµ rule: largest ``severity / work_remaining`` first, then deadline
=============  ====================================================================

Example::

    env = TicketTriageEnv()
    policy = make_policy("edf")
    obs, info = env.reset(seed=0)
    obs, reward, terminated, truncated, info = env.step(coordinator_action_from(policy, env))
"""

from __future__ import annotations

from typing import Any, Protocol, cast

import numpy as np

from ._core import encoding
from ._core import layout as L

__all__ = [
    "POLICIES",
    "CostRatePolicy",
    "EarliestDeadlinePolicy",
    "FifoPolicy",
    "NoopPolicy",
    "Policy",
    "RandomPolicy",
    "SeverityPolicy",
    "agent_actions_from",
    "coordinator_action_from",
    "make_policy",
    "random_masked_action",
    "random_masked_actions",
]


def random_masked_action(rng: np.random.Generator, mask: np.ndarray) -> int:
    """A uniformly random action among those ``mask`` allows (the one definition used everywhere).

    Args:
        rng: the caller's generator (one draw of ``rng.integers``, so the
            stream equals ``rng.choice(np.flatnonzero(mask))``).
        mask: ``(A,)`` 0/1 or bool, e.g. ``info["action_mask"]`` or
            ``observation["action_mask"]``.

    Raises:
        ValueError: the mask allows no action.
    """
    # np.flatnonzero's own steps without its three array-function dispatches: 0.45 us instead of
    # 1.05 us a call, a tenth of a parallel env step that draws one action per engineer
    valid = np.asarray(mask).ravel().nonzero()[0]
    if valid.size == 0:
        raise ValueError(f"the action mask allows no action (mask of {np.size(mask)} zeros)")
    return int(valid[rng.integers(valid.size)])


def random_masked_actions(rng: np.random.Generator, masks: np.ndarray) -> np.ndarray:
    """:func:`random_masked_action` for every row of a ``(..., A)`` batch of masks.

    Rows are drawn in C order, one draw each, so the result equals calling
    :func:`random_masked_action` row by row. Returns int64 of shape ``masks.shape[:-1]``.
    """
    masks = np.asarray(masks)
    rows = masks.reshape(-1, masks.shape[-1])
    actions = np.fromiter((random_masked_action(rng, row) for row in rows), dtype=np.int64, count=len(rows))
    return actions.reshape(masks.shape[:-1])


class Policy(Protocol):
    """What :func:`coordinator_action_from` and :func:`agent_actions_from` need."""

    name: str

    def priority(self, snapshot: dict) -> list[int]:
        """Open ticket slots, best first."""
        ...


class _UniformPolicy(Protocol):
    """A policy with ``uniform_actions = True`` (:class:`RandomPolicy`): it draws from its own generator."""

    rng: np.random.Generator


class RandomPolicy:
    """Uniformly random valid action (masked), from a seeded generator.

    Args:
        seed: seed of the policy's own ``numpy.random.Generator`` (the env's
            randomness is separate).
    """

    name = "random"
    uniform_actions = True  # the action helpers draw a random valid action instead of following a ranking

    def __init__(self, seed: int = 0) -> None:
        self.rng = np.random.default_rng(seed)

    def priority(self, snapshot: dict) -> list[int]:
        """Open slots in random order."""
        slots = [ticket["slot"] for ticket in snapshot["tickets"]]
        self.rng.shuffle(slots)
        return slots


class NoopPolicy:
    """Never acts: every engineer only continues what it does (nobody starts work)."""

    name = "noop"

    def priority(self, snapshot: dict) -> list[int]:
        """No ticket is worth starting."""
        return []


class FifoPolicy:
    """First in, first out: the oldest open ticket first."""

    name = "fifo"

    def priority(self, snapshot: dict) -> list[int]:
        """Open slots by age, oldest first."""
        tickets = sorted(snapshot["tickets"], key=lambda t: (-t["age"], t["id"]))
        return [ticket["slot"] for ticket in tickets]


class EarliestDeadlinePolicy:
    """Earliest deadline first (EDF): least SLA time left, then higher severity.

    Overdue tickets (negative time left) stay at the front: their breach is
    charged already, but they still have to be resolved.
    """

    name = "edf"

    def priority(self, snapshot: dict) -> list[int]:
        """Open slots by SLA remaining, most urgent first."""
        tickets = sorted(snapshot["tickets"], key=lambda t: (t["sla_remaining"], -t["severity"], t["id"]))
        return [ticket["slot"] for ticket in tickets]


class SeverityPolicy:
    """Most severe first (critical = 4), earliest deadline among equals."""

    name = "severity"

    def priority(self, snapshot: dict) -> list[int]:
        """Open slots by severity, highest first."""
        tickets = sorted(snapshot["tickets"], key=lambda t: (-t["severity"], t["sla_remaining"], t["id"]))
        return [ticket["slot"] for ticket in tickets]


class CostRatePolicy:
    """The cµ rule: cost of waiting (severity) times service rate (1 / work left), largest first.

    Short, severe tickets go first; among equals the earlier deadline.
    """

    name = "cost_rate"

    def priority(self, snapshot: dict) -> list[int]:
        """Open slots by ``severity / work_remaining``, highest first."""
        tickets = sorted(
            snapshot["tickets"],
            key=lambda t: (-t["severity"] / max(t["work_remaining"], 1e-9), t["sla_remaining"], t["id"]),
        )
        return [ticket["slot"] for ticket in tickets]


POLICIES: dict[str, type] = {
    "random": RandomPolicy,
    "noop": NoopPolicy,
    "fifo": FifoPolicy,
    "edf": EarliestDeadlinePolicy,
    "severity": SeverityPolicy,
    "cost_rate": CostRatePolicy,
}


# Planners (ticket_triage_marl.planners) for the coordinator: made by make_policy too, with their defaults.
# "clairvoyant" is an oracle upper reference (it sees the true future), not a policy an agent could follow.
PLANNERS = ("rollout", "clairvoyant")


def make_policy(name: str, seed: int = 0) -> Policy:
    """The policy called ``name``: a heuristic of :data:`POLICIES` or a planner of :data:`PLANNERS`
    (``seed`` seeds the random policy and the rollout planner's futures).

    Raises:
        ValueError: unknown name (the message lists the known ones).
    """
    if name in PLANNERS:
        from .planners import ClairvoyantPlanner, RolloutPlanner  # planners build on this module

        return RolloutPlanner(seed=seed) if name == "rollout" else ClairvoyantPlanner(seed=seed)
    if name not in POLICIES:
        raise ValueError(f"unknown policy {name!r}; choose one of: {', '.join([*POLICIES, *PLANNERS])}")
    if POLICIES[name] is RandomPolicy:
        return RandomPolicy(seed)
    return POLICIES[name]()


# -- turning a ranking into actions ------------------------------------------------


def _idle_engineers(snapshot: dict) -> list[int]:
    return [e["index"] for e in snapshot["engineers"] if e["on_shift"] and e["ticket"] is None]


LINK_BURST = 2
"""Earlier open tickets of the same reported component within the window, beyond those chance brings, that
make a ticket look like a duplicate (the linking rule)."""


def _chance_count(config: Any, t: int, component: int) -> float:
    """Tickets of ``component`` that chance brings within ``incident_window`` steps around step ``t``: the
    arrival rate then (the profile's step, or the mean rate) times the window times the component's share."""
    if config.arrival_process == "profile" and config.arrival_profile:
        rate = config.arrival_profile[t % len(config.arrival_profile)]
    elif config.arrival_process == "poisson":
        rate = config.arrival_rate
    elif config.arrival_process == "bernoulli":
        rate = config.p_new_ticket
    else:  # a replayed trace: its mean rate is not in the config; count as a quiet desk
        rate = 0.0
    share = config.component_mix[component] if config.component_mix else 1.0 / config.n_components
    return float(rate) * config.incident_window * share


def _tried_links(policy: Any, snapshot: dict) -> set[int]:
    """The ids of the tickets ``policy`` has linked this episode (kept on the policy; a new episode, seen as
    the clock going back, starts a new set): a desk does not link again a ticket it linked once."""
    memory = getattr(policy, "_linked", None)
    if memory is None or snapshot["t"] < memory[0]:
        memory = (snapshot["t"], set())
    memory = (snapshot["t"], memory[1])
    policy._linked = memory
    tried: set[int] = memory[1]
    return tried


def _links(snapshot: dict, idle: list[int], config: Any, tried: set[int]) -> list[tuple[int, int]]:
    """Incidents' linking rule: ``(engineer, slot)`` for the tickets an idle engineer of their group links (see
    the module docstring), one per idle engineer, oldest tickets first, never one in ``tried`` (linked before).
    Empty without incidents."""
    if config.p_incident <= 0.0:
        return []
    now = snapshot["t"]
    tickets = sorted(snapshot["tickets"], key=lambda ticket: (now - ticket["age"], ticket["id"]))
    idle = list(idle)
    out: list[tuple[int, int]] = []
    for position, ticket in enumerate(tickets):
        if not idle:
            break
        if ticket["blocked"] or ticket["waiting_on"] is not None or ticket.get("in_transit") or ticket["id"] in tried:
            continue
        arrival = now - ticket["age"]
        earlier = [
            other
            for other in tickets[:position]
            if other["component"] == ticket["component"] and arrival - (now - other["age"]) <= config.incident_window
        ]
        movers = [engineer for engineer in idle if config.groups is None or config.groups[engineer] == ticket["group"]]
        if len(earlier) >= LINK_BURST + _chance_count(config, now, ticket["component"]) and movers:
            out.append((movers[0], ticket["slot"]))
            idle.remove(movers[0])
    return out


def _routes(ranking: list[int], snapshot: dict, idle: list[int], config: Any, limit: int) -> list[tuple[int, int, int]]:
    """Teams' routing rule: ``(engineer, slot, group)``, each handing a ticket its group owns to the group most
    skilled at the ticket's reported component (best-ranked tickets first; the owner keeps it on a tie): an
    engineer working the ticket hands it on (its true component has shown), else an idle engineer of the
    owner, at most ``limit`` idle ones. Empty without teams."""
    if config.groups is None:
        return []
    group_skills = config.group_skills()
    tickets = {ticket["slot"]: ticket for ticket in snapshot["tickets"]}
    on_shift = {engineer["index"] for engineer in snapshot["engineers"] if engineer["on_shift"]}
    idle = list(idle)
    out: list[tuple[int, int, int]] = []
    for slot in ranking:
        ticket = tickets[slot]
        if ticket["in_transit"]:
            continue
        owner, component = ticket["group"], ticket["component"]
        best = max(range(config.n_groups), key=lambda g: (group_skills[g][component], g == owner, -g))
        if best == owner:
            continue
        workers = [engineer for engineer in ticket["assignees"] if engineer in on_shift]
        if workers:
            out.append((workers[0], slot, best))
            continue
        movers = [engineer for engineer in idle if config.groups[engineer] == owner]
        if movers and limit > 0:
            out.append((movers[0], slot, best))
            idle.remove(movers[0])
            limit -= 1
    return out


def _assignments(
    ranking: list[int],
    snapshot: dict,
    idle: list[int],
    can_work,
    skills: list[list[float]],
    limit: int,
    efficiency: float = 1.0,
) -> list[tuple[int, int]]:
    """``(engineer, slot)`` pairs for up to ``limit`` idle engineers.

    First every unassigned ticket in ranking order gets the most skilled idle
    engineer who may work it; then idle engineers left over help on the
    best-ranked ticket with the fewest engineers, as long as one more speeds
    it up: ``k + 1`` engineers remove ``(k + 1) * efficiency**k`` units against
    ``k * efficiency**(k - 1)`` (``swarm_efficiency``; 3 at most at 0.7), so a
    helper joins a ticket of ``k`` only if ``efficiency * (k + 1) > k``.
    """
    components = {ticket["slot"]: ticket["component"] for ticket in snapshot["tickets"]}
    load = {ticket["slot"]: len(ticket["assignees"]) for ticket in snapshot["tickets"]}
    idle = list(idle)
    pairs: list[tuple[int, int]] = []
    for slot in ranking:
        if len(pairs) >= limit or not idle:
            return pairs
        if load[slot] > 0:
            continue
        candidates = [engineer for engineer in idle if can_work(engineer, slot)]
        if candidates:
            engineer = max(candidates, key=lambda e: (skills[e][components[slot]], -e))
            pairs.append((engineer, slot))
            idle.remove(engineer)
            load[slot] += 1
    while idle and len(pairs) < limit:
        engineer = idle.pop(0)
        best = None
        for rank, slot in enumerate(ranking):
            helps = efficiency * (load[slot] + 1) > load[slot]  # k+1 engineers remove more than k (swarm_efficiency)
            if helps and can_work(engineer, slot) and (best is None or load[slot] < best[0]):
                best = (load[slot], rank, slot)
        if best is not None:
            pairs.append((engineer, best[2]))
            load[best[2]] += 1
    return pairs


def _random_agent_actions(
    rng: np.random.Generator, agents: list[str], masks: dict[str, np.ndarray], max_tickets: int
) -> dict[str, int]:
    """A uniformly random valid action per engineer, in index order.

    The masks describe the state at the start of the tick, and engineers act
    in index order, so an earlier engineer's side action can invalidate a
    later one's choice (the expert pool fills, the ticket gets blocked or
    deferred). To stay valid, later engineers leave alone the slots earlier
    ones used a side action on, and nobody escalates after an escalation.
    """
    actions: dict[str, int] = {}
    touched = np.zeros(max_tickets, dtype=bool)
    escalated = False
    for agent in agents:
        allowed = masks[agent].astype(bool)
        allowed[1:] &= ~np.tile(touched, (allowed.shape[0] - 1) // max_tickets)  # every verb's block
        if escalated:
            allowed[1 + max_tickets : 1 + 2 * max_tickets] = False
        action = random_masked_action(rng, allowed)
        actions[agent] = action
        verb, slot = divmod(action - 1, max_tickets)
        if action > 0 and verb >= 1:  # ESCALATE, REQUEST_INFO, DEFER or (teams) ROUTE
            touched[slot] = True
            escalated = escalated or verb == 1
    return actions


def coordinator_action_from(policy: Policy, env: Any, snapshot: dict | None = None) -> int:
    """One coordinator action for ``env`` (a :class:`~ticket_triage_marl.TicketTriageEnv`, possibly wrapped).

    Args:
        policy: a policy from :data:`POLICIES`.
        env: the coordinator env, after ``reset()``.
        snapshot: ``env.snapshot()`` if the caller has it already (saves rebuilding it).

    Returns:
        An action the mask allows (NOOP when no assignment helps).
    """
    base = env.unwrapped
    planner = getattr(policy, "coordinator_action", None)
    if planner is not None:  # a planner (ticket_triage_marl.planners) decides by itself
        return int(planner(base, snapshot))
    mask = base.action_masks()
    if getattr(policy, "uniform_actions", False):
        return random_masked_action(cast(_UniformPolicy, policy).rng, mask)
    snapshot = base.snapshot(hidden=False) if snapshot is None else snapshot
    idle = _idle_engineers(snapshot)
    config = base.config
    if not idle and config.groups is None and config.p_incident <= 0.0:  # teams route, incidents link: go on
        return 0
    n_slots, n_engineers = config.max_tickets, config.n_engineers
    ranking = policy.priority(snapshot)
    for _, slot, group in _routes(ranking, snapshot, idle, config, limit=len(idle)):
        action = encoding.coordinator_action(L.COORD_ROUTE, slot, group, n_slots, n_engineers)
        if mask[action]:
            return action

    def can_work(engineer: int, slot: int) -> bool:
        return bool(mask[encoding.coordinator_action(L.COORD_ASSIGN, slot, engineer, n_slots, n_engineers)])

    pairs = (
        _assignments(
            ranking, snapshot, idle, can_work, config.skill_matrix(), limit=1, efficiency=config.swarm_efficiency
        )
        if idle
        else []
    )
    if not pairs:  # nothing to assign: the step's one decision may link a duplicate (any engineer carries it out)
        on_shift = [engineer["index"] for engineer in snapshot["engineers"] if engineer["on_shift"]]
        tried = _tried_links(policy, snapshot)
        by_slot = {ticket["slot"]: ticket["id"] for ticket in snapshot["tickets"]}
        for _, slot in _links(snapshot, on_shift, config, tried):
            action = encoding.coordinator_action(L.COORD_LINK, slot, 0, n_slots, n_engineers, config.n_groups)
            if mask[action]:
                tried.add(by_slot[slot])
                return action
        return 0
    engineer, slot = pairs[0]
    return encoding.coordinator_action(L.COORD_ASSIGN, slot, engineer, n_slots, n_engineers)


def agent_actions_from(
    policy: Policy, env: Any, observations: dict[str, dict] | None = None, snapshot: dict | None = None
) -> dict[str, int]:
    """Per-engineer actions for every live agent of a PettingZoo env of this package.

    Args:
        policy: a policy from :data:`POLICIES`.
        env: the parallel env (or an AEC env: its state at the start of the tick is used).
        observations: the last observations (their ``action_mask`` is used);
            None reads the masks from the env's current state.
        snapshot: ``env.snapshot()`` if the caller has it already.

    Returns:
        ``{agent: action}``; every action is allowed by its agent's mask.
    """
    joint = getattr(policy, "agent_actions", None)
    if joint is not None:  # a planner of the team's joint action
        return cast(dict[str, int], joint(env, observations, snapshot))
    base = env.unwrapped
    agents = list(base.agents)
    if observations is None:
        masks = base.action_masks()
    else:
        masks = {agent: np.asarray(observations[agent]["action_mask"]) for agent in agents}
    if getattr(policy, "uniform_actions", False):
        return _random_agent_actions(cast(_UniformPolicy, policy).rng, agents, masks, base.config.max_tickets)
    actions = dict.fromkeys(agents, 0)
    snapshot = base.snapshot(hidden=False) if snapshot is None else snapshot
    names = {base.agent_name_mapping[agent]: agent for agent in agents}
    n_slots = base.config.max_tickets
    idle = [engineer for engineer in _idle_engineers(snapshot) if engineer in names]
    if not idle and base.config.groups is None:  # with teams a busy engineer may still hand its ticket on
        return actions

    ranking = policy.priority(snapshot)
    routed: set[int] = set()
    for engineer, slot, group in _routes(ranking, snapshot, idle, base.config, limit=len(idle)):
        action = encoding.agent_action(L.VERB_ROUTE + group, slot, n_slots)
        if engineer in names and masks[names[engineer]][action]:
            actions[names[engineer]] = action
            if engineer in idle:
                idle.remove(engineer)
            routed.add(slot)

    link_verb = L.VERB_ROUTE + base.config.n_groups
    tried = _tried_links(policy, snapshot)
    by_slot = {ticket["slot"]: ticket["id"] for ticket in snapshot["tickets"]}
    for engineer, slot in _links(snapshot, [e for e in idle if e in names], base.config, tried):
        action = encoding.agent_action(link_verb, slot, n_slots)
        if slot not in routed and masks[names[engineer]][action]:
            actions[names[engineer]] = action
            idle.remove(engineer)
            routed.add(slot)
            tried.add(by_slot[slot])

    def can_work(engineer: int, slot: int) -> bool:
        return slot not in routed and bool(masks[names[engineer]][encoding.agent_action(L.VERB_WORK, slot, n_slots)])

    skills = base.config.skill_matrix()
    for engineer, slot in _assignments(
        ranking, snapshot, idle, can_work, skills, limit=len(idle), efficiency=base.config.swarm_efficiency
    ):
        actions[names[engineer]] = encoding.agent_action(L.VERB_WORK, slot, n_slots)
    return actions
