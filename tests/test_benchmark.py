"""The benchmark: rliable's aggregate statistics, resumable runs, the normalised score and the outputs."""

from __future__ import annotations

import json

import numpy as np
import pytest

from ticket_triage_marl import benchmark
from ticket_triage_marl.cli import main
from ticket_triage_marl.statistics import (
    iqm,
    performance_profile,
    probability_of_improvement,
    stratified_bootstrap_ci,
)


def test_iqm_is_the_mean_of_the_middle_half():
    """Eight scores: the two lowest and two highest cut (scipy's trim_mean at 0.25, rliable's aggregate_iqm)."""
    scores = np.array([[10.0, 1.0], [2.0, 3.0], [4.0, -5.0], [6.0, 100.0]])
    assert iqm(scores) == pytest.approx((2 + 3 + 4 + 6) / 4)


def test_the_aggregates_match_rliables_reference_computations():
    """rliable computes the IQM with scipy.stats.trim_mean and P(X > Y) per task with scipy's Mann-Whitney U
    over runs_x * runs_y (0.5 for equal columns); the same values here, on uneven runs with ties."""
    stats = pytest.importorskip("scipy.stats")
    rng = np.random.default_rng(3)
    x = np.round(rng.normal(size=(7, 4)), 1)
    y = np.round(rng.normal(0.3, 1.0, size=(9, 4)), 1)
    assert iqm(x) == pytest.approx(stats.trim_mean(x, 0.25, axis=None))
    per_task = [stats.mannwhitneyu(x[:, k], y[:, k], alternative="greater")[0] / (7 * 9) for k in range(4)]
    assert probability_of_improvement(x, y) == pytest.approx(np.mean(per_task))
    assert probability_of_improvement(x, x) == 0.5


def test_probability_of_improvement_by_hand():
    """Task 0: x = (1, 3) against y = (2, 2): two of four pairs higher -> 0.5; task 1: x wins every pair -> 1.0;
    the mean 0.75. Ties count half: (2, 2) against (2, 1) is 2 wins and 2 ties of 4 -> 0.75."""
    x = np.array([[1.0, 5.0], [3.0, 6.0]])
    y = np.array([[2.0, 0.0], [2.0, 1.0]])
    assert probability_of_improvement(x, y) == pytest.approx((0.5 + 1.0) / 2)
    assert probability_of_improvement(np.array([[2.0], [2.0]]), np.array([[2.0], [1.0]])) == pytest.approx(0.75)


def test_the_stratified_bootstrap_resamples_runs_within_each_task():
    """A task whose runs are all equal contributes no spread; the interval of a mean covers it, is about
    +-1.96 standard errors wide, and the same seed gives the same interval."""
    constant = np.full((10, 3), 2.0)
    assert stratified_bootstrap_ci(np.mean, constant) == (2.0, 2.0, 2.0)
    rng = np.random.default_rng(0)
    data = rng.normal(size=(400, 1))
    point, low, high = stratified_bootstrap_ci(np.mean, data, repetitions=3000)
    assert low < point < high
    assert (high - low) / 2 == pytest.approx(1.96 * data.std() / np.sqrt(400), rel=0.1)
    assert stratified_bootstrap_ci(np.mean, data, repetitions=300, seed=5) == stratified_bootstrap_ci(
        np.mean, data, repetitions=300, seed=5
    )


def test_the_performance_profile_is_the_share_above_each_threshold():
    scores = np.array([[0.0, 0.5], [1.0, 1.5]])
    np.testing.assert_allclose(performance_profile(scores, np.array([-1.0, 0.5, 1.2, 2.0])), [1.0, 0.5, 0.25, 0.0])


def fake_results(returns: dict[str, dict[str, list[float]]]) -> list[dict]:
    return [
        {
            "entry": entry,
            "scenario": scenario,
            "seed": seed,
            "return": value,
            "breaches": 0.0,
            "time_to_resolve": 1.0,
            "reassignments": 0.0,
            "seconds": 0.1,
        }
        for entry, per_scenario in returns.items()
        for scenario, values in per_scenario.items()
        for seed, value in enumerate(values)
    ]


def test_the_normalised_score_is_zero_at_random_and_one_at_the_best_heuristic():
    """Scenario a: random 0, fifo 10, cost_rate 20 (best); scenario b: random 10, fifo 30 (best), cost_rate 20."""
    board = benchmark.summarize(
        fake_results({
            "random": {"a": [0.0, 0.0], "b": [10.0, 10.0]},
            "fifo": {"a": [10.0, 10.0], "b": [30.0, 30.0]},
            "cost_rate": {"a": [20.0, 20.0], "b": [20.0, 20.0]},
        }),
        repetitions=50,
    )  # fmt: skip
    assert board.best == {"a": "cost_rate", "b": "fifo"}
    np.testing.assert_allclose(board.scores["cost_rate"], [[1.0, 0.5], [1.0, 0.5]])
    np.testing.assert_allclose(board.scores["fifo"], [[0.5, 1.0], [0.5, 1.0]])
    np.testing.assert_allclose(board.scores["random"], 0.0)
    # against the best heuristic: on a it is cost_rate itself (equal: 0.5), on b fifo beats it everywhere (0)
    assert board.aggregate["cost_rate"]["improvement"][0] == pytest.approx(0.25)
    with pytest.raises(ValueError, match="results missing"):
        benchmark.summarize(fake_results({"random": {"a": [0.0]}, "fifo": {"a": [1.0], "b": [2.0]}}))


def test_entries_other_than_heuristics_are_paired_with_the_best_heuristic_of_each_scenario():
    """random 0, fifo 10 (the best), a planner 11 and 13 on two seeds: +2.0 ± t(1) * 1.414 / sqrt(2) = 12.7,
    20% of the random-to-best range."""
    board = benchmark.summarize(
        fake_results({"random": {"a": [0.0, 0.0]}, "fifo": {"a": [10.0, 10.0]}, "rollout": {"a": [11.0, 13.0]}}),
        repetitions=20,
    )
    headers, rows = benchmark.paired_rows(board)
    assert headers == ["scenario", "rollout - best heuristic"]
    assert rows == [["a", "+2.0 ± 12.7 (+20% of range)"]]


def test_a_run_resumes_where_it_stopped(tmp_path, monkeypatch):
    """The first run stops after three episodes; the second runs only the rest, and the file holds each once."""
    calls = []

    def fake_episode(entry, scenario, seed, model=None, api="coordinator"):
        calls.append((entry, scenario, seed))
        if len(calls) == 4 and not resumed:
            raise KeyboardInterrupt
        return {"entry": entry, "scenario": scenario, "seed": seed, "return": float(seed), "breaches": 0.0,
                "time_to_resolve": 0.0, "reassignments": 0.0, "seconds": 0.0}  # fmt: skip

    monkeypatch.setattr(benchmark, "run_episode_result", fake_episode)
    resumed = False
    with pytest.raises(KeyboardInterrupt):
        benchmark.run_benchmark(tmp_path, ["random", "fifo"], ["default"], seeds=[1, 2, 3])
    assert len(benchmark.load_results(tmp_path)) == 3
    resumed, calls[:] = True, []
    results = benchmark.run_benchmark(tmp_path, ["random", "fifo"], ["default"], seeds=[1, 2, 3])
    assert calls == [("fifo", "default", 1), ("fifo", "default", 2), ("fifo", "default", 3)]
    assert len(results) == 6 and len(benchmark.load_results(tmp_path)) == 6


def test_a_scenario_on_the_parallel_api_is_a_task_of_its_own():
    """The same scenario on both APIs: two tasks, each normalised by its own random and best heuristic
    (coordinator: random 0, fifo 10; parallel: random 20, fifo 40), and results written before the API was
    kept count as coordinator ones."""
    coordinator = fake_results({"random": {"a": [0.0, 0.0]}, "fifo": {"a": [10.0, 10.0]}, "edf": {"a": [5.0, 5.0]}})
    parallel = [
        {**result, "api": "parallel", "return": result["return"] + 20.0 * (result["entry"] != "edf") + 10.0}
        for result in coordinator
    ]  # random 30 -> 30, fifo 10 -> 40, edf 5 -> 15
    board = benchmark.summarize(coordinator + parallel, repetitions=20)
    assert board.scenarios == ["a", "a (parallel)"]
    assert board.best == {"a": "fifo", "a (parallel)": "fifo"}
    np.testing.assert_allclose(board.scores["edf"], [[0.5, -1.5], [0.5, -1.5]])
    np.testing.assert_allclose(board.scores["random"], 0.0)


def test_the_benchmark_plays_the_parallel_env_when_asked(tmp_path):
    """--api parallel: each episode is the parallel env's (its return the team reward run_episode gives there),
    kept apart from the coordinator's results of the same scenario and seed in the same directory."""
    from ticket_triage_marl import parallel_env
    from ticket_triage_marl.baselines import make_policy
    from ticket_triage_marl.config import load_config
    from ticket_triage_marl.envs.coordinator import TicketTriageEnv
    from ticket_triage_marl.rollout import run_episode

    config = tmp_path / "short.toml"
    config.write_text('horizon = 30\nname = "short"\n')
    scenario, seed = str(config), 1_000_000
    ours = benchmark.run_benchmark(tmp_path / "run", ["random", "fifo"], [scenario], seeds=[seed])
    theirs = benchmark.run_benchmark(tmp_path / "run", ["random", "fifo"], [scenario], seeds=[seed], api="parallel")
    assert [result["api"] for result in ours + theirs] == ["coordinator"] * 2 + ["parallel"] * 2
    assert len(benchmark.load_results(tmp_path / "run")) == 4
    loaded = load_config(scenario)
    expected = run_episode(parallel_env(config=loaded), make_policy("fifo"), seed)["return"]
    assert theirs[1]["return"] == pytest.approx(expected)
    assert ours[1]["return"] == pytest.approx(run_episode(TicketTriageEnv(loaded), make_policy("fifo"), seed)["return"])
    assert theirs[1]["return"] != pytest.approx(ours[1]["return"])


def test_a_learned_entry_plays_only_its_own_api():
    with pytest.raises(ValueError, match="maskable_ppo' plays the coordinator API only, not parallel"):
        benchmark.run_benchmark("unused", ["random", "maskable_ppo"], ["default"], seeds=[1], api="parallel")
    with pytest.raises(ValueError, match="shared_maskable_ppo' plays the parallel API only, not coordinator"):
        benchmark.run_benchmark("unused", ["random", "shared_maskable_ppo"], ["default"], seeds=[1])
    with pytest.raises(ValueError, match="unknown api 'aec'"):
        benchmark.run_benchmark("unused", ["random"], ["default"], seeds=[1], api="aec")


def test_planner_settings_name_their_results_and_build_those_planners():
    assert benchmark.planner_name("rollout", None, None) == "rollout"
    assert benchmark.planner_name("rollout", 4, 48) == "rollout@k4d48"
    assert benchmark.planner_name("rollout", None, 48) == "rollout@k8d48"
    assert benchmark.planner_name("clairvoyant", 4, 48) == "clairvoyant@d48"
    assert benchmark.planner_name("cost_rate", 4, 48) == "cost_rate"
    planner = benchmark.planner_or_policy("rollout@k4d48", seed=3)
    assert (planner.futures, planner.depth, planner.seed) == (4, 48, 3)
    assert benchmark.planner_or_policy("clairvoyant@d12", seed=0).depth == 12
    assert benchmark.planner_or_policy("edf", seed=0).name == "edf"
    assert benchmark.planner_name("rollout", 4, 48, "fifo") == "rollout@k4d48-fifo"
    assert benchmark.planner_name("clairvoyant", None, None, "edf") == "clairvoyant@d96-edf"
    assert benchmark.planner_name("rollout", None, None, "cost_rate") == "rollout"
    planner = benchmark.planner_or_policy("rollout@k4d48-fifo", seed=1)
    assert (planner.base, planner.futures, planner.depth) == ("fifo", 4, 48)
    assert benchmark.planner_or_policy("clairvoyant@d12-edf", seed=0).base == "edf"


def test_the_fair_planners_test_level_names_its_results_and_builds_that_planner():
    assert benchmark.planner_name("rollout", 4, 48, "edf", 0.5) == "rollout@k4d48a0.5-edf"
    assert benchmark.planner_name("rollout", None, None, None, 0.25) == "rollout@k8d96a0.25"
    assert benchmark.planner_name("rollout", 4, 48, None, 0.05) == "rollout@k4d48"  # the default level
    assert benchmark.planner_name("clairvoyant", 4, 48, None, 0.5) == "clairvoyant@d48"  # one future, no test
    planner = benchmark.planner_or_policy("rollout@k4d48a0.5-edf", seed=2)
    assert (planner.base, planner.futures, planner.depth, planner.alpha, planner.seed) == ("edf", 4, 48, 0.5, 2)
    assert benchmark.planner_or_policy("rollout@k4d48", seed=0).alpha == 0.05
    with pytest.raises(ValueError, match="alpha must be in"):
        benchmark.planner_name("rollout", 4, 48, None, 1.5)


def test_a_training_seed_names_the_learned_results_and_stays_below_the_evaluation_seeds():
    assert benchmark.learned_name("maskable_ppo", None, None) == "maskable_ppo"
    assert benchmark.learned_name("maskable_ppo", 10_000_000, 1) == "maskable_ppo@10000000-seed1"
    assert benchmark.learned_name("maskable_ppo", None, 3) == "maskable_ppo@seed3"
    assert benchmark.learned_name("maskable_ppo", 512, 0) == "maskable_ppo@512"  # the settings file's own seed
    assert benchmark.learned_name("cost_rate", 512, 1) == "cost_rate"
    with pytest.raises(ValueError, match=r"training seed 1000000: training seeds are 0 \.\. 999999"):
        benchmark.learned_name("maskable_ppo", None, benchmark.EVAL_SEED_BASE)
    with pytest.raises(ValueError, match="training seed -1"):
        benchmark.run_benchmark("unused", ["random", "maskable_ppo"], ["default"], seeds=[1], train_seed=-1)


def test_a_broken_results_line_is_named(tmp_path):
    (tmp_path / "results.jsonl").write_text('{"entry": "random", "scenario": "default", "seed": 1}\nnot json\n')
    with pytest.raises(ValueError, match=r"results.jsonl, line 2: not a benchmark result"):
        benchmark.load_results(tmp_path)


def test_the_command_writes_a_leaderboard_and_marl_eval_json(tmp_path, capsys):
    """Three heuristics and the clairvoyant planner on a short default scenario, two seeds."""
    config = tmp_path / "short.toml"
    config.write_text('horizon = 20\nname = "short"\n')
    out = tmp_path / "run"
    status = main(["benchmark", "--out", str(out), "--entries", "random,fifo,cost_rate,clairvoyant",
                   "--scenarios", str(config), "--seeds", "2", "--no-figure"])  # fmt: skip
    assert status == 0
    printed = capsys.readouterr().out
    assert "IQM normalised score" in printed and "clairvoyant (oracle: sees the true future)" in printed
    document = json.loads((out / "marl_eval.json").read_text())
    runs = document["ticket_triage_marl"][str(config)]["cost_rate"]
    assert set(runs) == {"run_0", "run_1"}
    assert set(runs["run_0"]["absolute_metrics"]) == {"return", "normalised_score"}
    assert runs["run_0"]["step_0"]["step_count"] == 0
    assert (out / "leaderboard.md").exists() and (out / "leaderboard.html").exists()
    lines = (out / "results.jsonl").read_text().splitlines()
    assert len(lines) == 8 and {json.loads(line)["seed"] for line in lines} == set(benchmark.eval_seeds(2))
    assert "decisions" in json.loads(lines[-1])


def test_the_t_quantile_matches_scipy():
    stats = pytest.importorskip("scipy.stats")
    from ticket_triage_marl.statistics import t_quantile

    for p, df in [(0.95, 3), (0.975, 7), (0.999, 3), (0.99999, 2), (0.9, 150)]:
        assert t_quantile(p, df) == pytest.approx(stats.t.ppf(p, df), rel=1e-9)
    with pytest.raises(ValueError, match="t_quantile needs"):
        t_quantile(0.4, 3)


def test_a_learned_policy_picks_the_most_likely_allowed_action_or_samples_the_masked_distribution():
    """Logits (1, 5, 3) with action 1 masked: greedy picks 2, sampling picks 0 with e / (e + e^3) = 0.119 and
    never 1; (2, 0, 9) with 2 masked: greedy 0. The same play seed gives the same draws."""
    from ticket_triage_marl.learned import pick_actions

    logits = np.array([[1.0, 5.0, 3.0], [2.0, 0.0, 9.0]])
    masks = np.array([[True, False, True], [True, True, False]])
    np.testing.assert_array_equal(pick_actions(logits, masks, None), [2, 0])
    rng = np.random.default_rng(0)
    draws = np.array([pick_actions(logits, masks, rng) for _ in range(4000)])
    assert not (draws[:, 0] == 1).any() and not (draws[:, 1] == 2).any()
    assert (draws[:, 0] == 0).mean() == pytest.approx(np.e / (np.e + np.e**3), abs=0.02)
    assert (draws[:, 1] == 1).mean() == pytest.approx(1 / (1 + np.e**2), abs=0.02)
    first = [pick_actions(logits, masks, np.random.default_rng(7)) for _ in range(3)]
    again = [pick_actions(logits, masks, np.random.default_rng(7)) for _ in range(3)]
    np.testing.assert_array_equal(first, again)
