"""Running policies and measuring them: the episode driver, team return, confidence intervals, comparisons.

The library under ``ticket-triage rollout / validate / evaluate / replay``;
scripts and tests use it directly::

    from ticket_triage_marl import evaluation
    from ticket_triage_marl.baselines import make_policy

    env = ttm.TicketTriageEnv()
    episode = evaluation.run_episode(env, make_policy("edf"), seed=0)    # {"return", "resolved", ...}
    mean, half = evaluation.mean_ci95([1.0, 2.0, 3.0])                  # 2.0, 2.48
    result = evaluation.compare_policies(["random", "edf"], seeds=range(20))
    result.summary["edf"]["return"].mean, result.paired["edf"]["return"].ci95

- :class:`Session` drives one env of any of the three APIs (``coordinator``,
  ``parallel``, ``aec``) the same way, from a policy or from recorded
  actions, and turns every step into a JSON-able record (the step lines of
  a recording, :mod:`ticket_triage_marl.recordings`). :func:`run_steps` runs it for
  a number of steps, resetting without a seed into the next episode of the
  same random stream at each end (Gymnasium's convention).
- :func:`step_digest` / :func:`run_digests` / :func:`digests_in_fresh_process`:
  the SHA-256 per step that the determinism check compares.
- :func:`team_reward`: the team's reward of one step in any API.
- :func:`t_quantile_95` (exact, no scipy) and :func:`mean_ci95`.
- :func:`episode_record` (ticket by ticket: arrivals, severities, resolution
  times), :func:`run_episode` and :func:`compare_policies`: every policy on the same
  seeds (common random numbers: the same ticket arrivals), per-policy means
  with 95% confidence intervals and paired differences to a reference policy,
  as a :class:`PolicyComparison`.
"""

from __future__ import annotations

import functools
import hashlib
import json
import math
import subprocess
import sys
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from .baselines import Policy, agent_actions_from, coordinator_action_from, make_policy
from .config import EnvConfig
from .envs.coordinator import TicketTriageEnv
from .envs.multiagent import env as aec_env
from .envs.multiagent import parallel_env
from .envs.spaces import check_action

__all__ = [
    "APIS",
    "EPISODE_APIS",
    "METRICS",
    "EpisodeRecord",
    "Estimate",
    "PolicyComparison",
    "Session",
    "compare_policies",
    "digests_in_fresh_process",
    "episode_record",
    "mean_ci95",
    "run_digests",
    "run_episode",
    "run_steps",
    "step_digest",
    "t_quantile_95",
    "team_reward",
]

APIS = ("coordinator", "parallel", "aec")
EPISODE_APIS = ("coordinator", "parallel")
"""The APIs :func:`run_episode` and :func:`compare_policies` drive."""
API_TITLES = {"coordinator": "Coordinator env", "parallel": "Parallel env (every engineer acts each step)"}
"""How the CLI and the figures name the API of a :class:`PolicyComparison`."""


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
        n_actions = self.config.n_ticket_actions
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


# -- determinism digests ---------------------------------------------------------------------------------------


def step_digest(observed: bytes, record: dict, snapshot: dict) -> str:
    """SHA-256 (hex) of one step: observations and masks, rewards, breakdowns, invalid flags, snapshot."""
    payload = json.dumps(
        [record["rewards"], record["reward_breakdown"], record["invalid_action"], snapshot], sort_keys=True
    )
    return hashlib.sha256(observed + payload.encode()).hexdigest()


@dataclass(frozen=True)
class DigestRun:
    """What :func:`run_digests` saw: per step, the action taken, its digest and where it was."""

    actions: list[Any]
    digests: list[str]
    where: list[str]  # "episode k, t=..." per step, for messages


def run_digests(
    api: str,
    config: EnvConfig,
    seed: int,
    steps: int,
    policy: Policy | None = None,
    actions: Sequence[Any] | None = None,
) -> DigestRun:
    """Run a fresh :class:`Session` for ``steps`` steps (as :func:`run_steps`) and digest every step."""
    session = Session(api, config)
    run = DigestRun([], [], [])
    for record, observed, snapshot in run_steps(session, seed, steps, policy=policy, actions=actions):
        run.actions.append(record["actions"])
        run.digests.append(step_digest(observed, record, snapshot))
        run.where.append(f"episode {session.episode}, t={snapshot['t']}")
    return run


_FRESH_PROCESS_CODE = "from ticket_triage_marl.evaluation import _digest_main; _digest_main()"


def digests_in_fresh_process(api: str, config: EnvConfig, seed: int, actions: Sequence[Any]) -> list[str]:
    """:func:`run_digests` of recorded actions, in a new Python process (nothing shared but the inputs).

    Raises:
        RuntimeError: the process failed or printed no digests (its last stderr line is in the message).
    """
    request = {"config": config.to_dict(), "api": api, "seed": seed, "actions": list(actions)}
    completed = subprocess.run(
        [sys.executable, "-c", _FRESH_PROCESS_CODE],
        input=json.dumps(request),
        capture_output=True,
        text=True,
        check=False,
    )
    if completed.returncode != 0:
        detail = (completed.stderr.strip().splitlines() or ["no output"])[-1]
        raise RuntimeError(f"the fresh-process replay failed (exit {completed.returncode}): {detail}")
    try:
        digests = json.loads(completed.stdout)
    except json.JSONDecodeError:
        raise RuntimeError(f"the fresh-process replay printed no digests: {completed.stdout[:80]!r}") from None
    return [str(digest) for digest in digests]


def _digest_main() -> None:
    """The fresh process of :func:`digests_in_fresh_process`: ``{config, api, seed, actions}`` on stdin."""
    request = json.loads(sys.stdin.read())
    config = EnvConfig.from_dict(request["config"])
    actions = request["actions"]
    print(json.dumps(run_digests(request["api"], config, request["seed"], len(actions), actions=actions).digests))


# -- confidence intervals ---------------------------------------------------------------------------------------

_Z_975 = 1.959963984540054  # the standard normal's 0.975 quantile
_SERIES_MAX_DF = 200  # up to here the exact finite series; beyond, Cornish-Fisher (error < 1e-12)


def _t_central_probability(t: float, df: int) -> float:
    """P(|T| <= t) for Student's t with integer ``df`` (Abramowitz & Stegun 26.7.3 and 26.7.4, exact)."""
    theta = math.atan(t / math.sqrt(df))
    cos2, sin = math.cos(theta) ** 2, math.sin(theta)
    if df % 2 == 1:
        if df == 1:
            return 2.0 * theta / math.pi
        term = total = math.cos(theta)
        for k in range(1, (df - 1) // 2):
            term *= 2 * k / (2 * k + 1) * cos2
            total += term
        return 2.0 / math.pi * (theta + sin * total)
    term = total = 1.0
    for k in range(1, df // 2):
        term *= (2 * k - 1) / (2 * k) * cos2
        total += term
    return sin * total


@functools.lru_cache(maxsize=512)
def t_quantile_95(df: int | float) -> float:
    """The two-sided 95% quantile of Student's t (``t(0.975, df)``) with ``df`` degrees of freedom.

    Exact to about 1e-12 without scipy: for ``df <= 200`` the closed-form
    distribution function of integer degrees of freedom (Abramowitz & Stegun
    26.7.3/4) inverted by bisection; beyond, the Cornish-Fisher expansion
    (26.7.5) to the fourth order; ``math.inf`` gives the normal's 1.95996.

    Raises:
        TypeError: ``df`` is not an integer (or ``math.inf``).
        ValueError: ``df < 1``.
    """
    if df == math.inf:
        return _Z_975
    if isinstance(df, bool) or not isinstance(df, (int, np.integer)):
        raise TypeError(f"degrees of freedom must be an integer, got {df!r}")
    df = int(df)
    if df < 1:
        raise ValueError(f"degrees of freedom must be >= 1, got {df}")
    if df > _SERIES_MAX_DF:
        z = _Z_975
        g1 = (z**3 + z) / 4
        g2 = (5 * z**5 + 16 * z**3 + 3 * z) / 96
        g3 = (3 * z**7 + 19 * z**5 + 17 * z**3 - 15 * z) / 384
        g4 = (79 * z**9 + 776 * z**7 + 1482 * z**5 - 1920 * z**3 - 945 * z) / 92160
        return z + g1 / df + g2 / df**2 + g3 / df**3 + g4 / df**4
    low, high = _Z_975, 64.0  # t(0.975, 1) = 12.706 is the largest
    for _ in range(200):
        middle = 0.5 * (low + high)
        if middle in (low, high):
            break
        if _t_central_probability(middle, df) < 0.95:
            low = middle
        else:
            high = middle
    return 0.5 * (low + high)


def mean_ci95(values: Iterable[float]) -> tuple[float, float]:
    """Mean and half-width of its 95% confidence interval (Student's t).

    NaN values are left out; the half-width is NaN with fewer than two values,
    and both are NaN with none.
    """
    data = np.asarray([value for value in values if not math.isnan(value)], dtype=np.float64)
    if data.size == 0:
        return math.nan, math.nan
    if data.size == 1:
        return float(data[0]), math.nan
    return float(data.mean()), t_quantile_95(data.size - 1) * float(data.std(ddof=1)) / math.sqrt(data.size)


@dataclass(frozen=True)
class Estimate:
    """A mean with the half-width of its 95% confidence interval, over ``n`` values (NaN left out)."""

    mean: float
    ci95: float
    n: int

    @classmethod
    def of(cls, values: Iterable[float]) -> Estimate:
        """The estimate of ``values`` (:func:`mean_ci95`)."""
        kept = [float(value) for value in values if not math.isnan(value)]
        mean, half = mean_ci95(kept)
        return cls(mean, half, len(kept))

    def to_dict(self) -> dict[str, float]:
        """``{"mean", "ci95"}`` (NaN stays NaN; JSON writers turn it into null)."""
        return {"mean": self.mean, "ci95": self.ci95}


# -- episodes and policy comparisons ---------------------------------------------------------------------------

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
        first_severity: severity (1..4) of every ticket the episode showed,
            in order of first sight (the initial backlog included; a reopened
            ticket is not counted again).
        resolve_steps: steps from first sight to resolution of each resolved
            ticket (a reopened ticket starts a new measurement).
        resolve_severity: the severity of each of those tickets.
        open_at_end: tickets still open or queued at the horizon (not in
            ``resolve_steps``: censored).
    """

    metrics: dict[str, float]
    arrivals: np.ndarray
    first_severity: np.ndarray
    resolve_steps: np.ndarray
    resolve_severity: np.ndarray
    open_at_end: int


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
    snapshot = base.snapshot()
    first_seen: dict[int, tuple[int, int]] = {}
    seen: set[int] = set()
    first_severity: list[int] = []
    times: list[int] = []
    severities: list[int] = []
    arrivals: list[int] = []

    def new_tickets(counters: dict) -> int:
        return int(counters["arrived"]) - int(counters["reopened"])

    arrived = new_tickets(snapshot["counters"])

    def look(snapshot: dict) -> None:
        now = snapshot["t"]
        present = {ticket["id"]: ticket for ticket in snapshot["tickets"]}
        present.update((ticket["id"], ticket) for ticket in snapshot["queue"])
        for ticket_id in [ticket_id for ticket_id in first_seen if ticket_id not in present]:
            since, severity = first_seen.pop(ticket_id)
            times.append(now - since)
            severities.append(severity)
        for ticket_id, ticket in present.items():
            if ticket_id not in first_seen:
                first_seen[ticket_id] = (now, int(ticket["severity"]))
                if ticket_id not in seen:
                    seen.add(ticket_id)
                    first_severity.append(int(ticket["severity"]))

    look(snapshot)
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
        snapshot = base.snapshot()
        look(snapshot)
        counters = snapshot["counters"]
        arrivals.append(new_tickets(counters) - arrived)
        arrived = new_tickets(counters)
        if finished:
            break
    metrics = {
        "return": total,
        "resolved": float(counters["resolved"]),
        "breaches": float(counters["breaches"]),
        "time_to_resolve": float(np.mean(times)) if times else math.nan,
    }
    return EpisodeRecord(
        metrics,
        np.asarray(arrivals, dtype=np.int64),
        np.asarray(first_severity, dtype=np.int64),
        np.asarray(times, dtype=np.int64),
        np.asarray(severities, dtype=np.int64),
        len(first_seen),
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
        of :data:`METRICS`). Time to resolve is measured from the first
        snapshot that shows a ticket to the step that resolves it (a reopened
        ticket starts a new measurement); tickets still open at the horizon
        are not counted, and it is NaN when nothing was resolved.
    """
    return episode_record(env, policy, seed).metrics


@dataclass(frozen=True)
class PolicyComparison:
    """Policies evaluated on the same seeds, one episode per seed.

    Attributes:
        config: the env config.
        seeds: the seeds, the same for every policy (common random numbers).
        reference: the policy the paired differences are taken against.
        values: ``values[policy][metric]`` the per-seed values, in seed order.
        summary: ``summary[policy][metric]`` the mean and its 95% CI.
        paired: ``paired[policy][metric]`` the mean and 95% CI of the per-seed
            difference ``policy - reference`` (zero for the reference itself).
            Pairing by seed removes the variation the seeds' tickets cause.
    """

    config: EnvConfig
    seeds: tuple[int, ...]
    reference: str
    values: dict[str, dict[str, list[float]]]
    summary: dict[str, dict[str, Estimate]]
    paired: dict[str, dict[str, Estimate]]
    api: str = "coordinator"

    @property
    def policies(self) -> list[str]:
        """The policy names, in evaluation order."""
        return list(self.values)

    def to_dict(self) -> dict[str, Any]:
        """The JSON document of ``ticket-triage evaluate --json``.

        ``{"config", "api", "seeds", "common_random_numbers": true, "reference",
        "policies": {policy: {metric: {"mean", "ci95"}, "return_minus_<reference>": {...}}},
        "paired": {policy: {metric: {"mean", "ci95"}}}, "values": {policy: {metric: [per seed]}}}``
        """
        policies: dict[str, dict[str, dict[str, float]]] = {}
        for name in self.values:
            policies[name] = {metric: estimate.to_dict() for metric, estimate in self.summary[name].items()}
            policies[name][f"return_minus_{self.reference}"] = self.paired[name]["return"].to_dict()
        return {
            "config": self.config.to_dict(),
            "api": self.api,
            "seeds": list(self.seeds),
            "common_random_numbers": True,
            "reference": self.reference,
            "policies": policies,
            "paired": {
                name: {metric: estimate.to_dict() for metric, estimate in per_metric.items()}
                for name, per_metric in self.paired.items()
            },
            "values": self.values,
        }


def compare_policies(
    policies: Sequence[str],
    seeds: Iterable[int],
    config: EnvConfig | None = None,
    reference: str | None = None,
    on_episode: Callable[[str, int], None] | None = None,
    api: str = "coordinator",
) -> PolicyComparison:
    """Run every policy for one episode per seed, on the same seeds.

    Args:
        policies: names of :data:`~ticket_triage_marl.baselines.POLICIES`
            (the random one is seeded with the episode's seed).
        seeds: the episode seeds, shared by every policy.
        config: the env config (None: defaults).
        reference: the policy of the paired differences (default: the first).
        on_episode: called as ``on_episode(policy, seed)`` after each episode
            (progress bars).
        api: ``"coordinator"`` (one assignment a step, the original description's env) or
            ``"parallel"`` (every engineer acts each step; ``"aec"`` would
            give the same trajectories).

    Raises:
        ValueError: no policies or seeds, a policy listed twice, an unknown
            policy or API, or a reference that is not among the policies.
    """
    policies, seeds = list(policies), tuple(int(seed) for seed in seeds)
    if not policies or not seeds:
        raise ValueError("compare_policies needs at least one policy and one seed")
    if len(set(policies)) != len(policies):
        raise ValueError(f"a policy is listed twice in {policies}")
    reference = policies[0] if reference is None else reference
    if reference not in policies:
        raise ValueError(f"reference policy {reference!r} is not among {policies}")
    if api not in EPISODE_APIS:
        raise ValueError(f"api must be one of {', '.join(EPISODE_APIS)}, got {api!r}")
    config = config or EnvConfig()
    makers = {name: functools.partial(make_policy, name) for name in policies}
    for name in policies:
        makers[name](seed=0)  # an unknown name fails before any episode runs
    env = TicketTriageEnv(config) if api == "coordinator" else parallel_env(config=config)
    values: dict[str, dict[str, list[float]]] = {}
    for name in policies:
        values[name] = {metric: [] for metric in METRICS}
        for seed in seeds:
            episode = run_episode(env, makers[name](seed=seed), seed)
            for metric in METRICS:
                values[name][metric].append(episode[metric])
            if on_episode is not None:
                on_episode(name, seed)
    summary = {
        name: {metric: Estimate.of(per_metric[metric]) for metric in METRICS} for name, per_metric in values.items()
    }
    paired = {
        name: {
            metric: Estimate.of(a - b for a, b in zip(per_metric[metric], values[reference][metric], strict=True))
            for metric in METRICS
        }
        for name, per_metric in values.items()
    }
    return PolicyComparison(config, seeds, reference, values, summary, paired, api)
