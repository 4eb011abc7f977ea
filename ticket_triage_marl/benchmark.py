"""The benchmark: fixed scenarios, fixed evaluation seeds, every entry, normalised scores with honest statistics.

``ticket-triage benchmark`` runs each entry (the heuristics, the planners, the learned entries of
:data:`LEARNED`) on each scenario of :data:`SUITE` for the evaluation seeds :data:`EVAL_SEED_BASE` + 0 .. N-1
(apart from any training seed: train on seeds below :data:`EVAL_SEED_BASE`), one episode per seed on one API
(:data:`APIS`: the coordinator by default, or the parallel multi-agent env), and writes:

- ``results.jsonl``: one line per finished (entry, scenario, seed), appended as each finishes, so that a run
  that stops resumes where it was (:func:`run_benchmark` skips what the file already holds);
- ``marl_eval.json``: the results in marl-eval's raw-data layout (environment ``ticket_triage_marl``, a task per
  scenario, an algorithm per entry, a run per evaluation seed with its episode's metrics as
  ``absolute_metrics``);
- ``leaderboard.md`` and ``leaderboard.html``: per scenario, each entry's mean return with its 95% CI and its
  normalised score (0 = the random policy, 1 = the best heuristic on that scenario, both means over the same
  seeds); over the suite, the interquartile mean (IQM) of the normalised scores with a stratified-bootstrap
  95% CI and the probability of improvement over the best heuristic (rliable's methods,
  :mod:`ticket_triage_marl.statistics`), and the performance profile (the HTML page and
  ``performance_profile.png``, with the ``plot`` extra).

With a Ray address, the episodes run as Ray tasks on that cluster (Ray comes with the ``rllib`` extra); without,
locally, one after another. The clairvoyant planner sees the true future: it is an oracle upper reference, not a
policy, and is never the "best heuristic".
"""

from __future__ import annotations

import json
import math
import os
import re
import time
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from .baselines import PLANNERS, make_policy
from .config import load_config
from .envs.coordinator import TicketTriageEnv
from .envs.multiagent import parallel_env
from .files import atomic_writer
from .learned import LEARNED, learned_policy, learned_settings, model_path, train_learned, training_record
from .planners import ClairvoyantPlanner, RolloutPlanner
from .rollout import episode_record
from .statistics import Estimate, iqm, performance_profile, probability_of_improvement, stratified_bootstrap_ci

__all__ = [
    "EVAL_SEED_BASE",
    "HEURISTICS",
    "SUITE",
    "Leaderboard",
    "eval_seeds",
    "run_benchmark",
    "run_episode_result",
    "summarize",
    "write_outputs",
]

SUITE = (
    "default",
    "incident_storm",
    "specialists",
    "oncall_rota",
    "large_team",
    "apache_hadoop_fitted",
    "apache_kafka_fitted",
    "apache_kafka_incidents",
    "uci_desk_fitted",
    "uci_desk_awaiting",
    "uci_desk_teams",
)
"""The scenarios: the hand-made ones and every fitted real-data one (not the replay, whose arrivals are the
export's and the same for every seed)."""

HEURISTICS = ("random", "fifo", "edf", "severity", "cost_rate")
"""The heuristic entries; the best of them (by mean return, ``random`` aside) on a scenario scores 1."""

APIS = ("coordinator", "parallel")
"""Where an entry plays: the coordinator env (one decision a step, the default) or the parallel multi-agent env
(every engineer acts each step). Returns compare within an API only: a scenario on the parallel API is a task of
its own, named ``"<scenario> (parallel)"``, with its own random and best heuristic."""

ENTRIES = (*HEURISTICS, *PLANNERS, *LEARNED)
DEFAULT_ENTRIES = (*HEURISTICS, *PLANNERS)
"""What runs without ``--entries``: learned entries train first (minutes to hours), so they are asked for."""
EVAL_SEED_BASE = 1_000_000
"""Evaluation seeds are ``EVAL_SEED_BASE + k``; training seeds stay below it."""

METRICS = ("return", "breaches", "time_to_resolve", "reassignments")
RESULTS_FILE = "results.jsonl"


def task_name(scenario: str, api: str = "coordinator") -> str:
    """The leaderboard's name of ``scenario`` played on ``api``: the scenario itself on the coordinator."""
    return scenario if api == "coordinator" else f"{scenario} ({api})"


def eval_seeds(count: int) -> list[int]:
    """The first ``count`` evaluation seeds."""
    return [EVAL_SEED_BASE + k for k in range(count)]


def planner_name(
    entry: str, futures: int | None, depth: int | None, base: str | None = None, alpha: float | None = None
) -> str:
    """The name of a planner entry with its settings (``rollout@k4d48``, ``clairvoyant@d48``, with another base
    rule than cost_rate ``rollout@k4d48-fifo``, the fair planner with another test level than 0.05
    ``rollout@k4d48a0.5``), or ``entry`` itself with the defaults (or for another entry). The clairvoyant
    planner has one future and no test: ``alpha`` leaves its name as it is."""
    base = None if base == RolloutPlanner.base else base
    alpha = None if alpha is None or alpha == RolloutPlanner.alpha or entry != "rollout" else alpha
    if entry not in PLANNERS or (futures is None and depth is None and base is None and alpha is None):
        return entry
    settings = RolloutPlanner(
        futures=futures or RolloutPlanner.futures,
        depth=depth or RolloutPlanner.depth,
        alpha=RolloutPlanner.alpha if alpha is None else alpha,
    )  # (checks them)
    suffix = f"-{base}" if base is not None else ""
    if entry == "rollout":
        level = f"a{alpha:g}" if alpha is not None else ""
        return f"rollout@k{settings.futures}d{settings.depth}{level}{suffix}"
    return f"clairvoyant@d{settings.depth}{suffix}"


def training_seed(entry: str, seed: int | None) -> int | None:
    """A learned entry's training seed when it is not its settings file's (None when it is, or not given).

    Raises:
        ValueError: a seed outside [0, :data:`EVAL_SEED_BASE`): training seeds stay apart from evaluation seeds.
    """
    if seed is None:
        return None
    if not 0 <= seed < EVAL_SEED_BASE:
        raise ValueError(f"training seed {seed}: training seeds are 0 .. {EVAL_SEED_BASE - 1}, apart from evaluation")
    return None if entry not in LEARNED or seed == int(learned_settings(entry)["seed"]) else seed


def learned_name(entry: str, budget: int | None, seed: int | None) -> str:
    """The results' name of ``entry``: a learned entry with its budget and training seed when given
    (``maskable_ppo@10000000``, ``maskable_ppo@10000000-seed1``, ``maskable_ppo@seed1``), else ``entry``."""
    if entry not in LEARNED:
        return entry
    seed = training_seed(entry, seed)
    tags = [str(budget)] if budget is not None else []
    tags += [f"seed{seed}"] if seed is not None else []
    return f"{entry}@{'-'.join(tags)}" if tags else entry


def _runnable(name: str) -> str:
    """What :func:`run_episode_result` takes for a result name: a planner's name with its settings, a learned
    entry's without its budget (the model file carries it)."""
    entry = name.split("@")[0]
    return name if entry in PLANNERS else entry


def planner_or_policy(name: str, seed: int) -> Any:
    """The policy of an entry name: a planner with the settings its name carries, else :func:`make_policy`."""
    match = re.fullmatch(r"(?:rollout@k(\d+)d(\d+)(?:a([0-9.e-]+))?|clairvoyant@d(\d+))(?:-(\w+))?", name)
    if match is None:
        return make_policy(name, seed=seed)
    base = match.group(5) or RolloutPlanner.base
    if match.group(1):
        alpha = float(match.group(3)) if match.group(3) else RolloutPlanner.alpha
        return RolloutPlanner(base=base, futures=int(match.group(1)), depth=int(match.group(2)), alpha=alpha, seed=seed)
    return ClairvoyantPlanner(base=base, depth=int(match.group(4)))


def run_episode_result(
    entry: str, scenario: str, seed: int, model: str | None = None, api: str = "coordinator"
) -> dict[str, Any]:
    """One episode of ``entry`` on ``scenario`` from ``seed`` on ``api`` (:data:`APIS`): its metrics (return,
    SLA breaches, mean time to resolve in steps, mean reassignments per resolved ticket), wall seconds and, for
    a planner, its planning cost; ``model``: a learned entry's trained policy file. A plain function of its
    arguments, so that it can run anywhere (a Ray task)."""
    check_api(entry, api)
    config = load_config(scenario)
    env = TicketTriageEnv(config) if api == "coordinator" else parallel_env(config=config)
    if entry in LEARNED and model is None:
        raise ValueError(f"the learned entry {entry!r} needs its trained model file")
    policy: Any = learned_policy(entry, model, seed) if entry in LEARNED and model else planner_or_policy(entry, seed)
    started = time.perf_counter()
    record = episode_record(env, policy, seed)
    seconds = time.perf_counter() - started
    reassignments = record.resolve_reassignments
    result: dict[str, Any] = {
        "entry": entry,
        "scenario": scenario,
        "api": api,
        "seed": seed,
        "return": float(record.metrics["return"]),
        "breaches": float(record.metrics["breaches"]),
        "time_to_resolve": float(record.metrics["time_to_resolve"]),
        "reassignments": float(np.mean(reassignments)) if len(reassignments) else 0.0,
        "seconds": seconds,
    }
    stats = getattr(policy, "stats", None)
    if stats is not None:
        result["decisions"] = stats.decisions
        result["changed"] = stats.changed  # decisions away from the base rule's action
        result["ms_per_decision"] = 1000 * stats.seconds_per_decision
    env.close()
    return result


def check_api(entry: str, api: str) -> None:
    """Refuse an unknown API, or a learned entry on an API it was not made for."""
    if api not in APIS:
        raise ValueError(f"unknown api {api!r}; choose among {', '.join(APIS)}")
    if entry in LEARNED and LEARNED[entry] != api:
        raise ValueError(f"the learned entry {entry!r} plays the {LEARNED[entry]} API only, not {api}")


def _task(result: dict[str, Any]) -> str:
    """A result's task: its scenario, on its API (results written before the API was kept are coordinator ones)."""
    return task_name(result["scenario"], result.get("api", "coordinator"))


def _key(result: dict[str, Any]) -> tuple[str, str, int]:
    return result["entry"], _task(result), int(result["seed"])


def load_results(out_dir: str | os.PathLike[str]) -> list[dict[str, Any]]:
    """The results ``out_dir/results.jsonl`` holds (none if there is no file).

    Raises:
        ValueError: a line that is not a result, named with its number.
    """
    path = os.path.join(os.fspath(out_dir), RESULTS_FILE)
    if not os.path.exists(path):
        return []
    results = []
    with open(path, encoding="utf-8") as handle:
        for number, line in enumerate(handle, start=1):
            if not line.strip():
                continue
            try:
                result = json.loads(line)
                _key(result)
            except (ValueError, KeyError, TypeError) as error:
                raise ValueError(f"{path}, line {number}: not a benchmark result ({error}); remove the line") from None
            results.append(result)
    return results


def run_benchmark(
    out_dir: str | os.PathLike[str],
    entries: Sequence[str] = DEFAULT_ENTRIES,
    scenarios: Sequence[str] = SUITE,
    seeds: Sequence[int] | None = None,
    ray_address: str | None = None,
    on_result: Callable[[dict[str, Any]], None] | None = None,
    budget: int | None = None,
    planner_futures: int | None = None,
    planner_depth: int | None = None,
    planner_base: str | None = None,
    api: str = "coordinator",
    planner_alpha: float | None = None,
    train_seed: int | None = None,
) -> list[dict[str, Any]]:
    """Run every (entry, scenario, seed) on ``api`` not yet in ``out_dir/results.jsonl``, appending each result
    as it finishes; return every result of the requested ones (those found and those run).

    Args:
        out_dir: the results directory (made if missing).
        entries: heuristic, planner and learned entry names (:data:`ENTRIES`); ``random`` is needed for the
            normalised score. A learned entry is trained first on each scenario (here, not on Ray), its model kept
            under ``out_dir/models`` for a resumed run.
        scenarios: scenario names (:data:`SUITE` by default) or config files.
        seeds: evaluation seeds (default: :func:`eval_seeds` (20)).
        ray_address: a Ray cluster's address (``"auto"``, ``"ray://host:10001"``, ``"local"`` for a new local
            one): each episode is a Ray task there; None: locally, one after another.
        on_result: called with each new result (progress).
        budget: a learned entry's training steps (default: its settings file's, 1 M); results are kept per
            budget, as the entry ``<entry>@<budget>`` when one is given.
        planner_futures, planner_depth, planner_base: the planners' sampled futures, look-ahead and base rule
            (default 8, 96 and cost_rate); results are kept per setting, as ``rollout@k<futures>d<depth>[-<base>]``
            / ``clairvoyant@d<depth>[-<base>]`` when one is given.
        planner_alpha: the level of the fair planner's test that a candidate beats the base rule's action
            (default 0.05; kept as ``rollout@k<futures>d<depth>a<alpha>``).
        train_seed: the learned entries' training seed (default: their settings file's, 0), below
            :data:`EVAL_SEED_BASE`; results and models are kept per seed (``<entry>@<budget>-seed<N>``).
        api: where the entries play (:data:`APIS`): the coordinator env, or the parallel env (the planners plan
            the team's joint action; learned entries play only the API they were made for).

    Raises:
        ValueError: an unknown entry or API, a learned entry on another API than its own, or a results file that
            cannot be read.
    """
    unknown = [entry for entry in entries if entry not in ENTRIES]
    if unknown:
        raise ValueError(f"unknown entries {unknown}; choose among {', '.join(ENTRIES)}")
    for entry in entries:
        check_api(entry, api)
    for scenario in scenarios:
        load_config(scenario)  # an unknown scenario fails before anything runs
    seeds = eval_seeds(20) if seeds is None else [int(seed) for seed in seeds]
    os.makedirs(out_dir, exist_ok=True)
    done = {_key(result): result for result in load_results(out_dir)}
    names = {entry: learned_name(entry, budget, train_seed) for entry in entries}
    names = {
        entry: planner_name(name, planner_futures, planner_depth, planner_base, planner_alpha)
        for entry, name in names.items()
    }
    wanted = [(names[entry], scenario, seed) for scenario in scenarios for entry in entries for seed in seeds]
    todo = [
        (name, scenario, seed) for name, scenario, seed in wanted if (name, task_name(scenario, api), seed) not in done
    ]
    models = {}
    for name, scenario, _ in todo:
        entry = name.split("@")[0]
        if entry in LEARNED and (name, scenario) not in models:
            budget_steps = budget if budget is not None else int(learned_settings(entry)["timesteps"])
            seed = training_seed(entry, train_seed)
            path = model_path(out_dir, entry, scenario, budget_steps, seed)
            models[name, scenario] = train_learned(entry, scenario, path, budget_steps, seed)
    path = os.path.join(os.fspath(out_dir), RESULTS_FILE)
    with open(path, "a", encoding="utf-8") as handle:

        def keep(result: dict[str, Any]) -> None:
            handle.write(json.dumps(result, sort_keys=True) + "\n")
            handle.flush()
            done[_key(result)] = result
            if on_result is not None:
                on_result(result)

        def result_of(name: str, scenario: str, seed: int, result: dict[str, Any]) -> dict[str, Any]:
            model = models.get((name, scenario))
            record = training_record(model) if model is not None else None
            return {**result, "entry": name, **({"train_seconds": record["seconds"]} if record else {})}

        if ray_address is None:
            for name, scenario, seed in todo:
                entry = _runnable(name)
                model = models.get((name, scenario))
                keep(result_of(name, scenario, seed, run_episode_result(entry, scenario, seed, model, api)))
        else:
            _run_on_ray(
                ray_address,
                [(name, scenario, seed, models.get((name, scenario))) for name, scenario, seed in todo],
                lambda name, scenario, seed, result: keep(result_of(name, scenario, seed, result)),
                api,
            )
    return [done[name, task_name(scenario, api), seed] for name, scenario, seed in wanted]


def _run_on_ray(
    address: str,
    todo: list[tuple[str, str, int, str | None]],
    keep: Callable[[str, str, int, dict[str, Any]], None],
    api: str,
) -> None:
    """Each episode of ``todo`` (name, scenario, seed, model) as a Ray task on the cluster at ``address``, kept as
    it finishes (``keep(name, scenario, seed, result)``; a model file must be readable where the task runs: a
    shared directory on a cluster)."""
    from .extras import require

    ray = require("ray", "rllib", "running the benchmark on a Ray cluster")
    started_here = not ray.is_initialized()
    if started_here:
        ray.init(address=None if address == "local" else address, include_dashboard=False, log_to_driver=False)
    try:
        task = ray.remote(run_episode_result)
        pending = {
            task.remote(_runnable(name), scenario, seed, model, api): (name, scenario, seed)
            for name, scenario, seed, model in todo
        }
        while pending:
            finished, _ = ray.wait(list(pending), num_returns=1)
            keep(*pending.pop(finished[0]), ray.get(finished[0]))
    finally:
        if started_here:
            ray.shutdown()


# -- the leaderboard ---------------------------------------------------------------------------------------------


@dataclass
class Leaderboard:
    """Per scenario and over the suite (:func:`summarize`).

    Attributes:
        entries, scenarios, seeds: what was compared (every entry on every scenario and seed).
        returns: ``returns[entry]`` a (seeds x scenarios) array of episode returns.
        metrics: ``metrics[entry][scenario][metric]`` the :class:`Estimate` of each of :data:`METRICS`.
        best: ``best[scenario]`` the best heuristic there (by mean return; ``random`` aside).
        scores: ``scores[entry]`` the normalised (seeds x scenarios) scores: (return - random's mean) /
            (best heuristic's mean - random's mean), NaN on a scenario where that range is zero.
        aggregate: ``aggregate[entry]`` ``{"iqm": (point, low, high), "improvement": (point, low, high)}``:
            the IQM of its scores and its probability of improvement over the best heuristic of each scenario,
            with stratified-bootstrap 95% CIs.
        costs: ``costs[entry]`` wall seconds per episode and, for planners, ms per decision (means).
    """

    entries: list[str]
    scenarios: list[str]
    seeds: list[int]
    returns: dict[str, np.ndarray]
    metrics: dict[str, dict[str, dict[str, Estimate]]]
    best: dict[str, str]
    scores: dict[str, np.ndarray]
    aggregate: dict[str, dict[str, tuple[float, float, float]]]
    costs: dict[str, dict[str, float]]


def summarize(results: Iterable[dict[str, Any]], repetitions: int = 2000) -> Leaderboard:
    """The leaderboard of ``results`` (every entry on every scenario and seed; ``random`` and a heuristic among
    the entries).

    Raises:
        ValueError: a missing (entry, scenario, seed) result, or no ``random`` / heuristic entry.
    """
    results = list(results)
    entries = list(dict.fromkeys(result["entry"] for result in results))
    scenarios = list(dict.fromkeys(_task(result) for result in results))  # a scenario on the parallel API apart
    seeds = sorted({int(result["seed"]) for result in results})
    by_key = {_key(result): result for result in results}
    missing = [
        (e, s, seed) for e in entries for s in scenarios for seed in seeds if (e, s, seed) not in by_key
    ]  # fmt: skip
    if missing:
        raise ValueError(f"{len(missing)} results missing, e.g. {missing[0]}: run the benchmark to the end first")
    heuristics = [entry for entry in entries if entry in HEURISTICS and entry != "random"]
    if "random" not in entries or not heuristics:
        raise ValueError("the normalised score needs the random policy and at least one other heuristic")

    def table(entry: str, metric: str) -> np.ndarray:
        return np.array([[by_key[entry, scenario, seed][metric] for scenario in scenarios] for seed in seeds])

    returns = {entry: table(entry, "return") for entry in entries}
    metrics = {
        entry: {
            scenario: {metric: Estimate.of(table(entry, metric)[:, k]) for metric in METRICS}
            for k, scenario in enumerate(scenarios)
        }
        for entry in entries
    }
    best, low, high = {}, np.empty(len(scenarios)), np.empty(len(scenarios))
    for k, scenario in enumerate(scenarios):
        best[scenario] = max(heuristics, key=lambda entry: returns[entry][:, k].mean())
        low[k], high[k] = returns["random"][:, k].mean(), returns[best[scenario]][:, k].mean()
    span = np.where(np.abs(high - low) > 1e-9, high - low, np.nan)
    scores = {entry: (returns[entry] - low) / span for entry in entries}
    best_scores = np.column_stack([scores[best[scenario]][:, k] for k, scenario in enumerate(scenarios)])
    finite = ~np.isnan(span)
    aggregate = {}
    for entry in entries:
        mine = scores[entry][:, finite]
        aggregate[entry] = {
            "iqm": stratified_bootstrap_ci(iqm, mine, repetitions=repetitions),
            "improvement": stratified_bootstrap_ci(
                probability_of_improvement, mine, best_scores[:, finite], repetitions=repetitions
            ),
        }
    costs = {}
    for entry in entries:
        entry_results = [by_key[entry, scenario, seed] for scenario in scenarios for seed in seeds]
        cost = {"seconds_per_episode": float(np.mean([result["seconds"] for result in entry_results]))}
        if all("train_seconds" in result for result in entry_results):  # a learned entry: its training, per scenario
            cost["train_seconds"] = float(np.mean([result["train_seconds"] for result in entry_results]))
        if "ms_per_decision" in entry_results[0]:
            cost["ms_per_decision"] = float(np.mean([result["ms_per_decision"] for result in entry_results]))
        costs[entry] = cost
    return Leaderboard(entries, scenarios, seeds, returns, metrics, best, scores, aggregate, costs)


def marl_eval_document(board: Leaderboard) -> dict[str, Any]:
    """The results in marl-eval's raw-data layout: ``{"ticket_triage_marl": {scenario: {entry: {"run_<k>":
    {"step_0": {"step_count": 0, metric: [value]}, "absolute_metrics": {metric: [value]}}}}}}``, a run per
    evaluation seed (one evaluation episode each), metrics ``return`` and ``normalised_score``."""
    document: dict[str, Any] = {}
    for k, scenario in enumerate(board.scenarios):
        task: dict[str, Any] = {}
        for entry in board.entries:
            runs = {}
            for index in range(len(board.seeds)):
                values = {
                    "return": [float(board.returns[entry][index, k])],
                    "normalised_score": [_json_number(board.scores[entry][index, k])],
                }
                runs[f"run_{index}"] = {"step_0": {"step_count": 0, **values}, "absolute_metrics": values}
            task[entry] = runs
        document[scenario] = task
    return {"ticket_triage_marl": document}


def _json_number(value: float) -> float | None:
    return None if math.isnan(value) else float(value)


def _number(value: float, digits: int = 2) -> str:
    """``value`` with ``digits`` decimals, "n/a" for NaN, never "-0.00"."""
    return "n/a" if math.isnan(value) else f"{value + 0.0:.{digits}f}".replace("-0.00", "0.00")


def _interval(triple: tuple[float, float, float], digits: int = 2) -> str:
    point, low, high = triple
    if math.isnan(point):
        return "n/a"
    return f"{_number(point, digits)} [{_number(low, digits)}, {_number(high, digits)}]"


def paired_rows(board: Leaderboard) -> tuple[list[str], list[list[str]]]:
    """Each entry that is not a heuristic against the best heuristic of each scenario, paired by seed: the mean
    difference in return with its 95% CI, and as a share of that scenario's random-to-best-heuristic range."""
    others = [entry for entry in board.entries if entry not in HEURISTICS]
    headers = ["scenario", *(f"{entry} - best heuristic" for entry in others)]
    rows = []
    for k, scenario in enumerate(board.scenarios):
        best = board.returns[board.best[scenario]][:, k]
        span = best.mean() - board.returns["random"][:, k].mean()
        row = [scenario]
        for entry in others:
            difference = Estimate.of(board.returns[entry][:, k] - best)
            share = difference.mean / span if abs(span) > 1e-9 else math.nan
            percent = "n/a" if math.isnan(share) else f"{100 * share + 0.0:+.0f}%".replace("-0%", "+0%")
            row.append(f"{difference.mean + 0.0:+.1f} ± {difference.ci95:.1f} ({percent} of range)")
        rows.append(row)
    return headers, rows


def leaderboard_rows(board: Leaderboard) -> tuple[list[str], list[list[str]], list[str], list[list[str]]]:
    """The two tables: the aggregate (entry, IQM, P(improvement), cost) and per scenario (mean return ± CI and
    mean normalised score of each entry)."""
    aggregate_headers = ["entry", "IQM normalised score [95% CI]", "P(improvement over best heuristic) [95% CI]",
                         "s / episode", "ms / decision", "training s / scenario"]  # fmt: skip
    order = sorted(board.entries, key=lambda entry: -board.aggregate[entry]["iqm"][0])
    aggregate_rows = []
    for entry in order:
        name = entry + (" (oracle: sees the true future)" if entry == "clairvoyant" else "")
        cost = board.costs[entry]
        aggregate_rows.append([
            name,
            _interval(board.aggregate[entry]["iqm"]),
            _interval(board.aggregate[entry]["improvement"]),
            f"{cost['seconds_per_episode']:.2f}",
            f"{cost['ms_per_decision']:.1f}" if "ms_per_decision" in cost else "-",
            f"{cost['train_seconds']:.0f}" if "train_seconds" in cost else "-",
        ])  # fmt: skip
    scenario_headers = ["scenario", "best heuristic", *board.entries]
    scenario_rows = []
    for k, scenario in enumerate(board.scenarios):
        row = [scenario, board.best[scenario]]
        for entry in board.entries:
            estimate = board.metrics[entry][scenario]["return"]
            score_text = _number(float(np.mean(board.scores[entry][:, k])))
            row.append(f"{estimate.mean:.1f} ± {estimate.ci95:.1f} ({score_text})")
        scenario_rows.append(row)
    return aggregate_headers, aggregate_rows, scenario_headers, scenario_rows


def _markdown_table(headers: list[str], rows: list[list[str]]) -> str:
    lines = ["| " + " | ".join(headers) + " |", "|" + "|".join("---" for _ in headers) + "|"]
    lines += ["| " + " | ".join(row) + " |" for row in rows]
    return "\n".join(lines)


def profile_figure(board: Leaderboard) -> Any:
    """The performance profile: for each entry, the share of (seed, scenario) normalised scores above tau."""
    from .plotting import DPI, FIGURE_WIDTH, pyplot

    values = np.concatenate([scores[~np.isnan(scores)] for scores in board.scores.values()])
    thresholds = np.linspace(min(0.0, float(values.min())), max(1.2, float(values.max())), 121)
    figure, axes = pyplot().subplots(figsize=(FIGURE_WIDTH, 4.5), dpi=DPI, layout="constrained")
    for entry in board.entries:
        scores = board.scores[entry]
        style = "--" if entry == "clairvoyant" else "-"
        label = entry + (" (oracle)" if entry == "clairvoyant" else "")
        axes.plot(thresholds, performance_profile(scores[~np.isnan(scores)], thresholds), style, label=label)
    axes.axvline(1.0, color="#999", linewidth=0.8)
    axes.set_xlabel("normalised score tau (0 = random, 1 = best heuristic of the scenario)")
    axes.set_ylabel("share of (seed, scenario) runs with score > tau")
    axes.set_title(f"Performance profiles over {len(board.scenarios)} scenarios x {len(board.seeds)} seeds")
    axes.legend(fontsize=8)
    axes.grid(alpha=0.3)
    return figure


def write_outputs(board: Leaderboard, out_dir: str | os.PathLike[str], figure: bool = True) -> list[str]:
    """Write ``marl_eval.json``, ``leaderboard.md``, ``leaderboard.html`` and (``figure``, needs the plot extra)
    ``performance_profile.png`` into ``out_dir``; returns the paths written."""
    from .plotting import figure_png
    from .reports.html import HtmlPage

    out = os.fspath(out_dir)
    paths = []
    with atomic_writer(os.path.join(out, "marl_eval.json")) as handle:
        json.dump(marl_eval_document(board), handle, indent=1)
    paths.append(os.path.join(out, "marl_eval.json"))
    aggregate_headers, aggregate_rows, scenario_headers, scenario_rows = leaderboard_rows(board)
    seeds = f"evaluation seeds {board.seeds[0]}..{board.seeds[-1]} ({len(board.seeds)})"
    parallel = sum(scenario.endswith(" (parallel)") for scenario in board.scenarios)
    multi_agent = "episodes of the parallel multi-agent env (every engineer acts each step)"
    if parallel == 0:
        apis = "Coordinator episodes (one decision a step)"
    elif parallel == len(board.scenarios):
        apis = multi_agent[0].upper() + multi_agent[1:]
    else:
        apis = (
            f"Coordinator episodes (one decision a step) and, on the scenarios marked (parallel), {multi_agent}, "
            "each such scenario a task of its own with its own random and best heuristic (returns compare within an "
            "API)"
        )
    intro = (
        f"{apis}, on {len(board.scenarios)} scenarios, {seeds}, the same for every entry (common "
        "random numbers). Normalised score: 0 = the random policy, 1 = the best heuristic of the scenario (means "
        "over the seeds). IQM and probability of improvement: rliable's methods, stratified-bootstrap 95% CIs. "
        "The clairvoyant planner sees the true future: an oracle upper reference, not a policy."
    )
    paired_headers, paired = paired_rows(board)
    paired_title = "Against the best heuristic, paired by seed: mean difference in return ± 95% CI"
    markdown = (
        f"# Benchmark leaderboard\n\n{intro}\n\n## Over the suite\n\n{_markdown_table(aggregate_headers, aggregate_rows)}"
        f"\n\n## Per scenario: mean return ± 95% CI (normalised score)\n\n"
        f"{_markdown_table(scenario_headers, scenario_rows)}\n"
    )
    if len(paired_headers) > 1:
        markdown += f"\n## {paired_title}\n\n{_markdown_table(paired_headers, paired)}\n"
    with atomic_writer(os.path.join(out, "leaderboard.md")) as handle:
        handle.write(markdown)
    paths.append(os.path.join(out, "leaderboard.md"))
    page = HtmlPage("Benchmark leaderboard")
    page.paragraph(intro)
    page.heading("Over the suite")
    page.table(aggregate_headers, aggregate_rows)
    page.heading("Per scenario: mean return ± 95% CI (normalised score)")
    page.table(scenario_headers, scenario_rows)
    if len(paired_headers) > 1:
        page.heading(paired_title)
        page.table(paired_headers, paired)
    if figure:
        png = figure_png(profile_figure(board))
        page.figure("performance_profile", png, "Performance profiles of the normalised scores", "performance profiles")
        paths.append(os.path.join(out, "performance_profile.png"))
    page.write(os.path.join(out, "leaderboard.html"), figures_dir=out if figure else None)
    paths.append(os.path.join(out, "leaderboard.html"))
    return paths
