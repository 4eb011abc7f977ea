"""Look-ahead planners: a fair one, and a clairvoyant one as an upper reference (coordinator and parallel env).

:class:`RolloutPlanner` is a policy that plans: at each step where there is a decision to make, it takes a
checkpoint, and for each candidate action (the base rule's, NOOP, and the other verbs on the tickets the
base rule ranks first) it plays the action and then the base rule for ``depth`` steps on ``futures``
sampled futures (``restore_state(checkpoint, future_seed=...)``: the same futures for every candidate, so
candidates are compared on common random numbers). It keeps the base rule's action unless a candidate's mean
return is better by more than ``margin``, significantly (a paired t test over the futures at level ``alpha``,
Bonferroni-corrected over the candidates). It sees what an agent could: the sampled futures redraw what the
agents cannot see (README, "Checkpoints and planning").

:class:`ClairvoyantPlanner` is the same search on the true future (the checkpoint restored as it is): it
knows every arrival, wait and hidden attribute to come. It is an **oracle, an upper reference, not a
policy**: no agent could act on what it knows.

In the parallel multi-agent env they plan the team's joint action (:meth:`RolloutPlanner.agent_actions`):
the base rule's joint action, improved by one pass of coordinate ascent (each engineer in turn tries its own
candidates with the others' actions fixed, on the same futures and the same paired test).

Both are policies of :mod:`ticket_triage_marl.baselines` (``make_policy("rollout")``,
``make_policy("clairvoyant")``, and so in ``ticket-triage evaluate``, both APIs); :attr:`RolloutPlanner.stats`
keeps their cost (decisions, simulated steps, seconds). Example::

    env = TicketTriageEnv(load_config("uci_desk_teams"))
    planner = RolloutPlanner(base="cost_rate", futures=4, depth=48)
    obs, info = env.reset(seed=0)
    obs, reward, terminated, truncated, info = env.step(planner.coordinator_action(env))
"""

from __future__ import annotations

import copy
import time
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from .actions import AgentVerb, Verb, decode_agent_action, decode_coordinator_action
from .baselines import Policy, agent_actions_from, coordinator_action_from, make_policy
from .rollout import team_reward
from .statistics import t_quantile

__all__ = ["ClairvoyantPlanner", "PlannerStats", "RolloutPlanner"]


@dataclass
class PlannerStats:
    """What planning cost: decisions planned (steps with more than one candidate), steps taken as the base
    rule's choice without search, candidates compared, simulated steps, and seconds spent planning."""

    decisions: int = 0
    passed: int = 0
    candidates: int = 0
    simulated_steps: int = 0
    seconds: float = 0.0
    changed: int = 0  # decisions where a candidate beat the base rule's action by the margin

    @property
    def seconds_per_decision(self) -> float:
        return self.seconds / self.decisions if self.decisions else 0.0

    def summary(self) -> str:
        return (
            f"{self.decisions} decisions planned ({self.changed} away from the base rule), {self.passed} steps "
            f"without a choice; {self.simulated_steps:,} simulated steps; "
            f"{1000 * self.seconds_per_decision:.1f} ms a decision"
        )


@dataclass
class RolloutPlanner:
    """A fair look-ahead planner for the coordinator (see the module docstring).

    Args:
        base: the rule it rolls forward and falls back on (a :data:`~ticket_triage_marl.baselines.POLICIES` name).
        futures: sampled futures per decision (K), shared by the candidates.
        depth: steps each rollout looks ahead (the candidate's step included), cut at the horizon.
        tickets: how many of the base rule's best-ranked tickets get candidates of every verb.
        margin: how much better (in mean return over the futures) a candidate must be to replace the base
            rule's action.
        alpha: the level of the test that it is better (one-sided, paired over the futures, Bonferroni over the
            candidates): on few futures a noisy candidate would otherwise win by chance, and the base rule is good.
        seed: the seed of the futures (each decision's are drawn from it and the step).
    """

    base: str = "cost_rate"
    futures: int = 8
    depth: int = 96
    tickets: int = 3
    margin: float = 0.0
    alpha: float = 0.05
    seed: int = 0
    stats: PlannerStats = field(default_factory=PlannerStats)

    clairvoyant = False
    name = "rollout"

    def __post_init__(self) -> None:
        if not 0.0 < self.alpha < 1.0:
            raise ValueError(f"alpha must be in (0, 1), got {self.alpha}")
        if self.futures < 1 or self.depth < 1 or self.tickets < 0:
            raise ValueError(
                f"futures and depth must be >= 1 and tickets >= 0, got {self.futures}, {self.depth}, {self.tickets}"
            )
        self._base_policy: Policy = make_policy(self.base, seed=self.seed)

    # a policy of baselines: the ranking is the base rule's (used where a planner is asked for one)
    def priority(self, snapshot: dict) -> list[int]:
        return self._base_policy.priority(snapshot)

    def future_seeds(self, t: int) -> list[int | None]:
        """The futures of the decision at step ``t``: seeds from (``seed``, ``t``), or the true future."""
        if self.clairvoyant:
            return [None]
        root = np.random.SeedSequence([self.seed, t])
        return [int(s) for s in root.generate_state(self.futures, dtype=np.uint64)]

    def candidates(self, env: Any, base_action: int, snapshot: dict | None = None) -> list[int]:
        """The base rule's action, NOOP, and every allowed action on the ``tickets`` best-ranked open tickets
        (ASSIGN to the idle engineer most skilled at it only, SWARM likewise), in that order, no repeats.
        The fair planner proposes no LINK of its own: which tickets belong to an incident is not redrawn in a
        sampled future, so a LINK would be judged on the true membership (the base rule's LINK stays).
        ``snapshot``: the env's visible snapshot if the caller has it."""
        base = env.unwrapped
        config = base.config
        mask = base.action_masks()
        snapshot = base.snapshot(waiting_lists=False, hidden=False) if snapshot is None else snapshot
        chosen = [base_action]
        if mask[0] and 0 not in chosen:
            chosen.append(0)
        ranking = self._base_policy.priority(snapshot)[: self.tickets]
        skills = np.asarray(config.skill_matrix())
        components = {ticket["slot"]: ticket["component"] for ticket in snapshot["tickets"]}  # the shown ones
        allowed = [(int(action), *decode_coordinator_action(int(action), config)) for action in np.flatnonzero(mask)]
        for slot in ranking:
            best: dict[int, tuple[float, int]] = {}  # verb -> (skill, action) for ASSIGN and SWARM
            for action, verb, ticket, argument in allowed:
                if ticket != slot:
                    continue
                if verb in (Verb.ASSIGN, Verb.SWARM) and argument is not None:
                    skill = float(skills[argument, components[slot]])
                    if verb not in best or skill > best[verb][0]:
                        best[verb] = (skill, action)
                elif action not in chosen and (verb != Verb.LINK or self.clairvoyant):
                    chosen.append(action)
            for _, assignment in best.values():
                if assignment not in chosen:
                    chosen.append(assignment)
        return chosen

    def rollout(self, env: Any, checkpoint: dict, action: int, future_seed: int | None) -> float:
        """The return of ``action`` then the base rule for ``depth - 1`` steps, from ``checkpoint`` on the
        future ``future_seed`` (None: the true one)."""
        base = env.unwrapped
        base.restore_state(checkpoint, future_seed=future_seed)
        policy = copy.deepcopy(self._base_policy)  # the rule's memory (links tried) as it was at the decision
        total = 0.0
        for step in range(self.depth):
            _, reward, terminated, truncated, _ = base.step(action)
            total += float(reward)
            self.stats.simulated_steps += 1
            if terminated or truncated or step + 1 == self.depth:
                break
            action = coordinator_action_from(policy, base, base.snapshot(waiting_lists=False, hidden=False))
        return total

    def choose(self, returns: np.ndarray) -> int:
        """The index of the candidate to play, from ``returns`` (candidates x futures; row 0 the base rule's
        action): among the candidates whose mean difference to the base rule's action exceeds ``margin``
        significantly (a one-sided paired t test over the futures at level ``alpha``, Bonferroni-corrected for
        the number of candidates: the best of many noisy estimates is otherwise often a false winner), the one
        with the best mean difference; else 0. With one future (the clairvoyant's) the plain difference."""
        differences = returns - returns[0]
        means = differences.mean(axis=1)
        futures, candidates = returns.shape[1], returns.shape[0] - 1
        if futures > 1 and candidates > 0:
            errors = differences.std(axis=1, ddof=1) / np.sqrt(futures)
            threshold = t_quantile(1.0 - self.alpha / candidates, min(futures - 1, 200))
            better = means - threshold * errors > self.margin
        else:
            better = means > self.margin
        better[0] = False
        if not better.any():
            return 0
        return int(np.argmax(np.where(better, means, -np.inf)))

    def coordinator_action(self, env: Any, snapshot: dict | None = None) -> int:
        """The planner's action for the coordinator ``env`` (after ``reset()``); ``env`` is left as it was."""
        base = env.unwrapped
        snapshot = base.snapshot(waiting_lists=False, hidden=False) if snapshot is None else snapshot
        base_action = coordinator_action_from(self._base_policy, base, snapshot)
        candidates = self.candidates(base, base_action, snapshot)
        if len(candidates) == 1:
            self.stats.passed += 1
            return base_action
        started = time.perf_counter()
        checkpoint = base.clone_state()
        seeds = self.future_seeds(int(snapshot["t"]))
        returns = np.array([[self.rollout(base, checkpoint, action, seed) for seed in seeds] for action in candidates])
        base.restore_state(checkpoint)
        chosen = candidates[self.choose(returns)]
        self.stats.decisions += 1
        self.stats.candidates += len(candidates)
        self.stats.changed += chosen != base_action
        self.stats.seconds += time.perf_counter() - started
        return chosen

    # -- the multi-agent env: the team's joint action, by coordinate ascent ------------------------------
    def agent_candidates(self, env: Any, agent: str, base_action: int, ranking: list[int]) -> list[int]:
        """One engineer's candidates: the base rule's action, NOOP, and every allowed action of its own on the
        ``tickets`` best-ranked tickets (WORK, ESCALATE, REQUEST_INFO, DEFER, ROUTE; LINK for the clairvoyant
        only, as in :meth:`candidates`), no repeats."""
        base = env.unwrapped
        mask = base.action_masks()[agent]
        chosen = [base_action] + ([0] if base_action != 0 and mask[0] else [])
        top = set(ranking[: self.tickets])
        for action in np.flatnonzero(mask):
            verb, slot = decode_agent_action(int(action), base.config)
            fair_link = verb != AgentVerb.LINK or self.clairvoyant
            if verb != AgentVerb.NOOP and slot in top and int(action) not in chosen and fair_link:
                chosen.append(int(action))
        return chosen

    def joint_rollout(self, env: Any, checkpoint: dict, actions: dict[str, int], future_seed: int | None) -> float:
        """The team return of the joint ``actions`` then the base rule for ``depth - 1`` steps (parallel env)."""
        base = env.unwrapped
        base.restore_state(checkpoint, future_seed=future_seed)
        policy = copy.deepcopy(self._base_policy)
        total = 0.0
        for step in range(self.depth):
            observations, rewards, _, truncations, _ = base.step(actions)
            total += team_reward("parallel", base.config, rewards)
            self.stats.simulated_steps += 1
            if not base.agents or any(truncations.values()) or step + 1 == self.depth:
                break
            actions = agent_actions_from(policy, base, observations, base.snapshot(waiting_lists=False, hidden=False))
        return total

    def agent_actions(self, env: Any, observations: dict | None = None, snapshot: dict | None = None) -> dict[str, int]:
        """The team's joint action for the parallel ``env``: the base rule's, improved by one pass of coordinate
        ascent (each engineer in turn tries its candidates, the others' actions fixed; a change is kept on the
        same paired test as the coordinator's, against the current joint action). ``env`` is left as it was."""
        base = env.unwrapped
        if not hasattr(base, "possible_agents") or hasattr(base, "agent_selection"):
            raise ValueError(
                f"{type(self).__name__} plans for the coordinator or the parallel env, not {type(base).__name__}"
            )
        snapshot = base.snapshot(waiting_lists=False, hidden=False) if snapshot is None else snapshot
        current = agent_actions_from(self._base_policy, base, observations, snapshot)
        ranking = self._base_policy.priority(snapshot)
        options = {agent: self.agent_candidates(base, agent, current[agent], ranking) for agent in current}
        if all(len(choices) == 1 for choices in options.values()):
            self.stats.passed += 1
            return current
        started = time.perf_counter()
        checkpoint = base.clone_state()
        seeds = self.future_seeds(int(snapshot["t"]))
        base_actions = dict(current)
        for agent, choices in options.items():
            if len(choices) == 1:
                continue
            trials = [current] + [{**current, agent: action} for action in choices if action != current[agent]]
            returns = np.array(
                [[self.joint_rollout(base, checkpoint, joint, seed) for seed in seeds] for joint in trials]
            )
            current = trials[self.choose(returns)]
            self.stats.candidates += len(trials)
        base.restore_state(checkpoint)
        self.stats.decisions += 1
        self.stats.changed += current != base_actions
        self.stats.seconds += time.perf_counter() - started
        return current


@dataclass
class ClairvoyantPlanner(RolloutPlanner):
    """The same search on the true future: an oracle, an upper reference, not a policy (module docstring)."""

    futures: int = 1
    clairvoyant = True
    name = "clairvoyant"
