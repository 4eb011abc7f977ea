"""Policy comparison: every policy on the same seeds, means with 95% CIs and paired differences.

The library under ``ticket-triage evaluate`` (re-exported by :mod:`ticket_triage_marl.evaluation`)::

    result = compare_policies(["random", "edf"], seeds=range(20))
    result.summary["edf"]["return"].mean, result.paired["edf"]["return"].ci95

Every policy faces the same seeds (common random numbers: the same ticket
arrivals); :class:`PolicyComparison` holds the per-seed values, the
per-policy :class:`~ticket_triage_marl.statistics.Estimate` and the paired
differences to a reference policy.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

from .baselines import make_policy
from .config import EnvConfig
from .envs.coordinator import TicketTriageEnv
from .envs.multiagent import parallel_env
from .rollout import EPISODE_APIS, METRICS, run_episode
from .statistics import Estimate

__all__ = ["PolicyComparison", "compare_policies"]


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
        planning: for the planners (``rollout``, ``clairvoyant``), what planning cost over all their episodes:
            ``{"decisions", "simulated_steps", "seconds", "ms_per_decision"}``.
    """

    config: EnvConfig
    seeds: tuple[int, ...]
    reference: str
    values: dict[str, dict[str, list[float]]]
    summary: dict[str, dict[str, Estimate]]
    paired: dict[str, dict[str, Estimate]]
    api: str = "coordinator"
    planning: dict[str, dict[str, float]] = field(default_factory=dict)

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
            "planning": self.planning,
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
    planning: dict[str, dict[str, float]] = {}
    for name in policies:
        values[name] = {metric: [] for metric in METRICS}
        for seed in seeds:
            policy = makers[name](seed=seed)
            episode = run_episode(env, policy, seed)
            stats = getattr(policy, "stats", None)
            if stats is not None:  # a planner: add up what planning cost
                cost = planning.setdefault(name, {"decisions": 0, "simulated_steps": 0, "seconds": 0.0})
                cost["decisions"] += stats.decisions
                cost["simulated_steps"] += stats.simulated_steps
                cost["seconds"] += stats.seconds
                cost["ms_per_decision"] = 1000 * cost["seconds"] / max(cost["decisions"], 1)
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
    return PolicyComparison(config, seeds, reference, values, summary, paired, api, planning)
