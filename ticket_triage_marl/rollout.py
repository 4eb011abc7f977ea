"""The episode driver: one env of any API stepped the same way, team return, whole episodes ticket by ticket.

The library under ``ticket-triage rollout`` and ``evaluate`` (re-exported by
:mod:`ticket_triage_marl.evaluation`)::

    env = ttm.TicketTriageEnv()
    episode = run_episode(env, make_policy("edf"), seed=0)    # {"return", "resolved", ...}

- :class:`Session` drives one env of any of the three APIs (``coordinator``,
  ``parallel``, ``aec``) the same way, from a policy or from recorded
  actions, and turns every step into a JSON-able record (the step lines of
  a recording, :mod:`ticket_triage_marl.recordings`). :func:`run_steps` runs it for
  a number of steps, resetting without a seed into the next episode of the
  same random stream at each end (Gymnasium's convention).
- :func:`team_reward`: the team's reward of one step in any API.
- :func:`episode_record` (ticket by ticket: arrivals, severities, resolution
  times) and :func:`run_episode` (its metrics, :data:`METRICS`).
"""

from __future__ import annotations

import math
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from ._core.types import agent_action_count
from .baselines import Policy, agent_actions_from, coordinator_action_from
from .config import EnvConfig
from .envs.coordinator import TicketTriageEnv
from .envs.multiagent import env as aec_env
from .envs.multiagent import parallel_env
from .envs.spaces import check_action
from .metrics import ResolvedTickets

__all__ = [
    "APIS",
    "API_TITLES",
    "EPISODE_APIS",
    "METRICS",
    "EpisodeRecord",
    "Session",
    "episode_record",
    "run_episode",
    "run_steps",
    "team_reward",
]

APIS = ("coordinator", "parallel", "aec")
EPISODE_APIS = ("coordinator", "parallel")
"""The APIs :func:`run_episode` and :func:`~ticket_triage_marl.comparison.compare_policies` drive."""
API_TITLES = {"coordinator": "Coordinator env", "parallel": "Parallel env (every engineer acts each step)"}
"""How the CLI and the figures name the API of a :class:`~ticket_triage_marl.comparison.PolicyComparison`."""


# -- one env of any API, stepped the same way ----------------------------------------------------------------


class Session:
    """One env of the chosen API, stepped by a policy or by recorded actions.

    Args:
        api: ``"coordinator"`` (:class:`~ticket_triage_marl.TicketTriageEnv`),
            ``"parallel"`` or ``"aec"`` (the PettingZoo envs).
        config: the env's config.

    Attributes:
        env: the env (the AEC one with PettingZoo's standard wrappers).
        agents: the engineers' names (empty for the coordinator).
        episode: episodes started so far minus one (0 after the first reset).
        done: the current episode has ended (reset before stepping again).

    :meth:`step` returns the step record and the observation bytes the
    determinism digest covers. A record holds ``actions``, ``rewards``,
    ``reward_breakdown`` and ``invalid_action``: single values for the
    coordinator (plus ``engineer_actions``, the joint action it sent), and
    ``{agent: value}`` dicts for the PettingZoo APIs.
    """

    def __init__(self, api: str, config: EnvConfig) -> None:
        if api not in APIS:
            raise ValueError(f"api must be one of {', '.join(APIS)}, got {api!r}")
        self.api = api
        self.config = config
        if api == "coordinator":
            self.env: Any = TicketTriageEnv(config)
        elif api == "parallel":
            self.env = parallel_env(config=config)
        else:
            self.env = aec_env(config=config)
        self.agents: list[str] = list(self.env.unwrapped.possible_agents) if api != "coordinator" else []
        self.episode = -1
        self.done = True
        self._observations: Any = None

    def reset(self, seed: int | None) -> None:
        """Start an episode (``seed=None``: the next episode of the same random stream)."""
        if self.api == "aec":
            self.env.reset(seed=seed)
        else:
            self._observations, _ = self.env.reset(seed=seed)
        self.episode += 1
        self.done = False

    def snapshot(self) -> dict:
        """The env's full raw state (``env.unwrapped.snapshot()``)."""
        return self.env.unwrapped.snapshot()

    def choose(self, policy: Policy, snapshot: dict | None = None) -> int | dict[str, int]:
        """The policy's action: an int for the coordinator, ``{agent: int}`` otherwise."""
        if self.api == "coordinator":
            return coordinator_action_from(policy, self.env, snapshot)
        observations = self._observations if self.api == "parallel" else None
        return agent_actions_from(policy, self.env, observations, snapshot)

    def step(self, action: Any) -> tuple[dict, bytes]:
        """Apply one action (one tick: every engineer acts once); returns ``(record, observation bytes)``.

        Raises:
            TypeError, ValueError: an action of the wrong form or outside the action space.
        """
        if self.api == "coordinator":
            observation, reward, _, truncated, info = self.env.step(action)
            record = {
                "actions": int(action),
                "rewards": reward,
                "reward_breakdown": info["reward_breakdown"],
                "invalid_action": info["invalid_action"],
                "engineer_actions": self.env.last_engineer_actions.tolist(),
            }
            observed = observation.tobytes() + info["action_mask"].tobytes()
        else:
            actions = self._agent_actions(action)
            if self.api == "parallel":
                observations, rewards, _, truncations, infos = self.env.step(actions)
                self._observations = observations
                truncated = any(truncations.values())
            else:
                for agent in self.agents:
                    self.env.step(actions[agent])
                observations = {agent: self.env.observe(agent) for agent in self.agents}
                rewards, infos = self.env.rewards, self.env.infos
                truncated = any(self.env.truncations.values())
            record = {
                "actions": actions,
                "rewards": {agent: float(rewards[agent]) for agent in self.agents},
                "reward_breakdown": {agent: infos[agent]["reward_breakdown"].tolist() for agent in self.agents},
                "invalid_action": {agent: int(infos[agent]["invalid_action"]) for agent in self.agents},
            }
            observed = b"".join(
                observations[agent]["observation"].tobytes() + observations[agent]["action_mask"].tobytes()
                for agent in self.agents
            )
        record["closed"] = self.env.unwrapped.closed_tickets()
        self.done = bool(truncated)
        return record, observed

    def team_reward(self, record: dict) -> float:
        """The team's reward in a step record (see :func:`team_reward`)."""
        return team_reward(self.api, self.config, record["rewards"])

    def _agent_actions(self, action: Any) -> dict[str, int]:
        if not isinstance(action, dict):
            raise TypeError(f"actions for the {self.api} API must be a dict agent -> int, got {action!r}")
        if set(action) != set(self.agents):
            raise ValueError(f"actions must name exactly the agents {self.agents}, got {sorted(action)}")
        n_actions = agent_action_count(self.config)
        return {agent: check_action(agent, action[agent], n_actions) for agent in self.agents}


def team_reward(api: str, config: EnvConfig, rewards: float | dict[str, float]) -> float:
    """The team's reward of one step.

    The coordinator's reward is the team reward. In ``reward_mode="team"``
    every engineer receives the team reward, so it is any engineer's; in
    ``"individual"`` mode the engineers' rewards add up to it.
    """
    if api == "coordinator":
        return float(rewards)  # type: ignore[arg-type]
    assert isinstance(rewards, dict)
    if config.reward_mode == "team":
        return float(next(iter(rewards.values())))
    return float(sum(rewards.values()))


def run_steps(
    session: Session, seed: int, steps: int, policy: Policy | None = None, actions: Sequence[Any] | None = None
) -> Iterator[tuple[dict, bytes, dict]]:
    """Yield ``(record, observation bytes, snapshot)`` for ``steps`` steps.

    The actions come from ``policy`` or, when given, from the recorded
    ``actions`` (one per step). The session is reset with ``seed`` first and
    without a seed at each episode end, so a run longer than the horizon
    continues into the next episodes of the same random stream.
    """
    if (policy is None) == (actions is None):
        raise ValueError("give exactly one of policy and actions")
    session.reset(seed)
    for index in range(steps):
        if session.done:
            session.reset(None)
        action = actions[index] if actions is not None else session.choose(policy)  # type: ignore[arg-type]
        record, observed = session.step(action)
        yield record, observed, session.snapshot()


# -- whole episodes, ticket by ticket ---------------------------------------------------------------------------

METRICS: dict[str, str] = {
    "return": "return",
    "resolved": "resolved",
    "breaches": "breaches",
    "time_to_resolve": "time to resolve",
}
"""The metrics of :func:`run_episode`, key -> label."""


@dataclass(frozen=True)
class EpisodeRecord:
    """What one episode of :func:`episode_record` did, ticket by ticket.

    Attributes:
        metrics: ``{"return", "resolved", "breaches", "time_to_resolve"}``
            (the keys of :data:`METRICS`; see :func:`run_episode`).
        arrivals: ``(horizon,)`` int64, new tickets that arrived in each step
            (reopened tickets, which the ``arrived`` counter also counts, left out).
        first_severity: severity (1..4) of every ticket the episode admitted, once
            (reopens left out): the resolved ones in order of resolution, then those
            still open at the end (the initial backlog included; dropped tickets are
            never seen).
        resolve_steps: time to resolve of each resolved ticket, as
            :func:`ticket_triage_marl.metrics.time_to_resolve` defines it
            (a reopened ticket starts a new measurement).
        resolve_severity: the severity of each of those tickets.
        resolve_awaited: the steps each of those tickets spent awaiting others.
        resolve_arrival: the step each of those tickets arrived.
        resolve_component: the component of each of those tickets, and whether it was a reopened one
            (``resolve_reopened``).
        open_at_end: tickets still open or queued at the horizon (not in
            ``resolve_steps``: censored).
        resolve_reassignments: each resolved ticket's hand-offs to another group (teams; 0 without).
        resolve_moved: whether each finished in another group than the one it arrived at.
    """

    metrics: dict[str, float]
    arrivals: np.ndarray
    first_severity: np.ndarray
    resolve_steps: np.ndarray
    resolve_severity: np.ndarray
    open_at_end: int
    resolve_awaited: np.ndarray
    resolve_arrival: np.ndarray
    resolve_component: np.ndarray
    resolve_reopened: np.ndarray
    resolve_reassignments: np.ndarray
    resolve_moved: np.ndarray


def episode_record(env: Any, policy: Policy, seed: int) -> EpisodeRecord:
    """One full episode from ``env.reset(seed=seed)``, driven by ``policy``, ticket by ticket.

    Args:
        env: the coordinator :class:`~ticket_triage_marl.TicketTriageEnv` or a
            ``parallel_env`` (possibly wrapped). In the coordinator the policy
            makes one assignment a step; in the parallel env every idle
            engineer takes a ticket each step
            (:func:`~ticket_triage_marl.baselines.agent_actions_from`).
        policy: a policy of :mod:`ticket_triage_marl.baselines`.
        seed: the episode's seed.
    """
    base = env.unwrapped
    multi_agent = hasattr(base, "possible_agents")
    observations, _ = env.reset(seed=seed)
    config = base.config
    snapshot = base.snapshot(
        waiting_lists=False, hidden=False
    )  # the queue can hold thousands: policies act on the slots
    resolved = ResolvedTickets()
    arrivals: list[int] = []

    def new_tickets(counters: dict) -> int:
        return int(counters["arrived"]) - int(counters["reopened"])

    arrived = new_tickets(snapshot["counters"])

    total = 0.0
    while True:
        if multi_agent:
            actions = agent_actions_from(policy, env, observations, snapshot)
            observations, rewards, _, _, _ = env.step(actions)
            total += team_reward("parallel", config, rewards)
            finished = not base.agents
        else:
            _, reward, _, finished, _ = env.step(coordinator_action_from(policy, env, snapshot))
            total += reward
        resolved.add(base.closed_tickets())
        snapshot = base.snapshot(waiting_lists=False, hidden=False)
        counters = snapshot["counters"]
        arrivals.append(new_tickets(counters) - arrived)
        arrived = new_tickets(counters)
        if finished:
            break
    final = base.snapshot()
    # every ticket admitted: resolved in its first life, or open at the end (dropped ones never showed)
    first_severity = [
        severity for severity, again in zip(resolved.severities, resolved.reopened, strict=True) if not again
    ]
    still_open = (*final["tickets"], *final["queue"], *final.get("awaiting", ()))
    first_severity += [int(ticket["severity"]) for ticket in still_open if not ticket["reopened"]]
    metrics = {
        "return": total,
        "resolved": float(counters["resolved"]),
        "breaches": float(counters["breaches"]),
        "time_to_resolve": float(np.mean(resolved.steps)) if resolved.steps else math.nan,
    }
    return EpisodeRecord(
        metrics,
        np.asarray(arrivals, dtype=np.int64),
        np.asarray(first_severity, dtype=np.int64),
        np.asarray(resolved.steps, dtype=np.int64),
        np.asarray(resolved.severities, dtype=np.int64),
        int(counters["arrived"] - counters["resolved"] - counters["dropped"]),
        np.asarray(resolved.awaited, dtype=np.int64),
        np.asarray(resolved.arrivals, dtype=np.int64),
        np.asarray(resolved.components, dtype=np.int64),
        np.asarray(resolved.reopened, dtype=np.bool_),
        np.asarray(resolved.reassignments, dtype=np.int64),
        np.asarray(resolved.moved, dtype=np.bool_),
    )


def run_episode(env: Any, policy: Policy, seed: int) -> dict[str, float]:
    """One full episode from ``env.reset(seed=seed)``: its metrics.

    Args:
        env: the coordinator :class:`~ticket_triage_marl.TicketTriageEnv` or a
            ``parallel_env`` (possibly wrapped).
        policy: a policy of :mod:`ticket_triage_marl.baselines`.
        seed: the episode's seed.

    Returns:
        ``{"return", "resolved", "breaches", "time_to_resolve"}`` (the keys
        of :data:`METRICS`). Time to resolve is the mean of
        :func:`ticket_triage_marl.metrics.time_to_resolve` over the tickets
        resolved (from arrival to resolution; a reopened ticket starts a new
        measurement); tickets still open at the horizon are not counted, and
        it is NaN when nothing was resolved.
    """
    return episode_record(env, policy, seed).metrics
