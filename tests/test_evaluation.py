"""The evaluation library: the episode driver over the three APIs, confidence intervals, policy comparisons."""

from __future__ import annotations

import itertools
import math

import numpy as np
import pytest

import ticket_triage_marl as ttm
from ticket_triage_marl import evaluation
from ticket_triage_marl.baselines import make_policy
from ticket_triage_marl.cli import main
from ticket_triage_marl.evaluation import Estimate, Session, mean_ci95, run_steps, t_quantile_95

# scipy.stats.t.ppf(0.975, df), 16 significant digits (scipy 1.17); the library itself uses no scipy.
KNOWN_T_QUANTILES = {
    1: 12.70620473617469,
    2: 4.302652729749462,
    3: 3.182446305283708,
    4: 2.776445105197793,
    5: 2.570581835636315,
    10: 2.228138851986274,
    19: 2.093024054408309,
    29: 2.045229642132703,
    30: 2.042272456301238,
    60: 2.000297822014260,
    120: 1.979930405082440,
    199: 1.971956544251753,
    200: 1.971896223633909,
    201: 1.971836506779859,
    1000: 1.962339080826408,
    1_000_000: 1.959966356814107,
}


@pytest.mark.parametrize("df", sorted(KNOWN_T_QUANTILES))
def test_t_quantile_matches_known_values(df):
    assert t_quantile_95(df) == pytest.approx(KNOWN_T_QUANTILES[df], rel=1e-11)


def test_t_quantile_limits_and_bad_degrees_of_freedom():
    assert t_quantile_95(math.inf) == pytest.approx(1.959963984540054, rel=1e-15)
    assert t_quantile_95(np.int64(19)) == t_quantile_95(19)
    values = [t_quantile_95(df) for df in range(1, 400)]
    assert all(a > b for a, b in itertools.pairwise(values))  # strictly decreasing towards 1.96
    with pytest.raises(ValueError, match=">= 1"):
        t_quantile_95(0)
    with pytest.raises(TypeError, match="integer"):
        t_quantile_95(2.5)


def test_mean_ci95_known_values():
    mean, half = mean_ci95([1.0, 2.0, 3.0])  # sd 1, n 3
    assert mean == 2.0 and half == pytest.approx(4.302652729749462 / math.sqrt(3), rel=1e-12)
    mean, half = mean_ci95([2.0, 4.0, 4.0, 4.0, 5.0, 5.0, 7.0, 9.0])  # sd 2.138, n 8
    assert mean == 5.0 and half == pytest.approx(2.364624251592784 * math.sqrt(32 / 7) / math.sqrt(8), rel=1e-11)
    assert mean_ci95([5.0, 5.0]) == (5.0, 0.0)
    assert mean_ci95([5.0])[0] == 5.0 and math.isnan(mean_ci95([5.0])[1])
    assert all(math.isnan(value) for value in mean_ci95([]))
    assert mean_ci95([math.nan, 1.0, 3.0])[0] == 2.0
    assert Estimate.of([math.nan, 1.0, 3.0]) == Estimate(2.0, mean_ci95([1.0, 3.0])[1], 2)


def test_confidence_intervals_cover_at_the_nominal_rate():
    """Small normal samples: the t interval covers the true mean ~95% of the time (1.96 alone would not)."""
    rng = np.random.default_rng(0)
    trials, n = 4000, 4
    samples = rng.normal(3.0, 2.0, (trials, n))
    covered = 0
    for sample in samples:
        mean, half = mean_ci95(sample)
        covered += abs(mean - 3.0) <= half
    rate = covered / trials
    assert abs(rate - 0.95) < 4 * math.sqrt(0.95 * 0.05 / trials), rate  # 4 standard errors of the rate


# -- the episode driver -----------------------------------------------------------------------------------------


@pytest.mark.parametrize("api", evaluation.APIS)
def test_session_runs_past_the_horizon_into_the_next_episodes(api):
    config = ttm.EnvConfig(horizon=6)
    session = Session(api, config)
    steps = list(run_steps(session, seed=3, steps=14, policy=make_policy("edf")))
    assert [snapshot["t"] for _, _, snapshot in steps] == [1, 2, 3, 4, 5, 6] * 2 + [1, 2]
    assert session.episode == 2
    record = steps[0][0]
    assert set(record) >= {"actions", "rewards", "reward_breakdown", "invalid_action"}
    if api == "coordinator":
        assert isinstance(record["actions"], int) and len(record["engineer_actions"]) == config.n_engineers
    else:
        assert set(record["actions"]) == set(session.agents) == {"engineer_0", "engineer_1", "engineer_2"}


@pytest.mark.parametrize("api", evaluation.APIS)
def test_recorded_actions_reproduce_the_run(api):
    config = ttm.EnvConfig(horizon=10)
    first = evaluation.run_digests(api, config, seed=5, steps=25, policy=make_policy("random", seed=5))
    again = evaluation.run_digests(api, config, seed=5, steps=25, actions=first.actions)
    assert again.digests == first.digests and again.where == first.where
    other = evaluation.run_digests(api, config, seed=6, steps=25, actions=first.actions)
    assert other.digests != first.digests


def test_the_three_apis_agree_on_the_team_return():
    """The same engineer actions in every API give the same team reward at every step."""
    config = ttm.EnvConfig(horizon=20)
    coordinator = Session("coordinator", config)
    joint: list[dict[str, int]] = []
    returns: dict[str, list[float]] = {"coordinator": []}
    for record, _, _ in run_steps(coordinator, 1, 20, policy=make_policy("edf")):
        joint.append(dict(zip(coordinator.env.parallel.possible_agents, record["engineer_actions"], strict=True)))
        returns["coordinator"].append(coordinator.team_reward(record))
    for api in ("parallel", "aec"):
        session = Session(api, config)
        returns[api] = [session.team_reward(record) for record, _, _ in run_steps(session, 1, 20, actions=joint)]
    assert returns["parallel"] == pytest.approx(returns["coordinator"]) == returns["aec"]


def test_team_reward_of_individual_rewards_is_their_sum():
    assert evaluation.team_reward("parallel", ttm.EnvConfig(reward_mode="individual"), {"a": 1.0, "b": -0.25}) == 0.75
    assert evaluation.team_reward("parallel", ttm.EnvConfig(), {"a": 0.5, "b": 0.5}) == 0.5
    assert evaluation.team_reward("coordinator", ttm.EnvConfig(), 2.0) == 2.0


def test_bad_session_arguments():
    with pytest.raises(ValueError, match="api must be one of"):
        Session("vector", ttm.EnvConfig())
    session = Session("parallel", ttm.EnvConfig())
    session.reset(0)
    with pytest.raises(TypeError, match="dict agent"):
        session.step(0)
    with pytest.raises(ValueError, match="exactly the agents"):
        session.step({"engineer_0": 0})
    with pytest.raises(ValueError, match="exactly one of"):
        next(run_steps(session, 0, 1))


def test_time_to_resolve_counts_every_resolution():
    env = ttm.TicketTriageEnv(horizon=150)
    episode = evaluation.run_episode(env, make_policy("edf"), seed=3)
    assert set(episode) == set(evaluation.METRICS)
    assert episode["resolved"] > 20
    assert 1 <= episode["time_to_resolve"] < 150
    assert math.isnan(evaluation.run_episode(env, make_policy("noop"), seed=3)["time_to_resolve"])


# -- comparisons on common random numbers ----------------------------------------------------------------------


def test_compare_policies_pairs_by_seed():
    config = ttm.EnvConfig(horizon=40)
    seen = []
    result = evaluation.compare_policies(
        ["random", "edf", "noop"], range(4), config, on_episode=lambda policy, seed: seen.append((policy, seed))
    )
    assert seen == [(policy, seed) for policy in ("random", "edf", "noop") for seed in range(4)]
    assert (
        result.policies == ["random", "edf", "noop"] and result.reference == "random" and result.seeds == (0, 1, 2, 3)
    )
    env = ttm.TicketTriageEnv(config)
    for seed in range(4):  # the per-seed values are those of single episodes on that seed
        assert result.values["edf"]["return"][seed] == evaluation.run_episode(env, make_policy("edf"), seed)["return"]
    for name in result.policies:
        for metric in evaluation.METRICS:
            assert result.summary[name][metric] == Estimate.of(result.values[name][metric])
        differences = np.subtract(result.values[name]["return"], result.values["random"]["return"])
        assert result.paired[name]["return"] == Estimate.of(differences)
    assert result.paired["random"]["return"] == Estimate(0.0, 0.0, 4)
    assert result.summary["edf"]["return"].mean > result.summary["noop"]["return"].mean
    assert result.summary["noop"]["time_to_resolve"].n == 0  # nothing resolved: NaN left out
    document = result.to_dict()
    assert document["common_random_numbers"] is True and document["seeds"] == [0, 1, 2, 3]
    assert document["policies"]["edf"]["return_minus_random"] == result.paired["edf"]["return"].to_dict()
    assert document["values"]["noop"]["return"] == result.values["noop"]["return"]


def test_paired_differences_are_narrower_than_unpaired_ones():
    """Why common random numbers: seeds vary a lot, the difference between two good policies much less."""
    result = evaluation.compare_policies(["edf", "cost_rate"], range(8), ttm.EnvConfig(horizon=100))
    unpaired = math.hypot(result.summary["edf"]["return"].ci95, result.summary["cost_rate"]["return"].ci95)
    assert result.paired["cost_rate"]["return"].ci95 < unpaired


def test_compare_policies_refuses_bad_requests():
    with pytest.raises(ValueError, match="unknown policy 'lifo'"):
        evaluation.compare_policies(["edf", "lifo"], range(2))
    with pytest.raises(ValueError, match="listed twice"):
        evaluation.compare_policies(["edf", "edf"], range(2))
    with pytest.raises(ValueError, match="reference"):
        evaluation.compare_policies(["edf"], range(2), reference="fifo")
    with pytest.raises(ValueError, match="at least one"):
        evaluation.compare_policies(["edf"], [])


def test_episode_record_of_the_parallel_env_accounts_for_every_ticket():
    config = ttm.EnvConfig(horizon=120, max_queue=1000, p_reopen=0.2)
    env = ttm.parallel_env(config=config)
    record = evaluation.episode_record(env, make_policy("edf"), seed=5)
    counters = env.unwrapped.snapshot()["counters"]
    assert record.arrivals.shape == (120,)
    # new tickets only: the arrived counter also counts reopened tickets
    assert record.arrivals.sum() == counters["arrived"] - counters["reopened"] - config.initial_backlog
    assert counters["reopened"] > 0
    assert record.first_severity.size == record.arrivals.sum() + config.initial_backlog  # each ticket once
    assert record.resolve_steps.size == counters["resolved"] and record.resolve_severity.size == counters["resolved"]
    assert record.open_at_end == counters["arrived"] - counters["resolved"] - counters["dropped"]
    assert record.metrics["resolved"] == counters["resolved"] and record.metrics["return"] > 0


def test_compare_policies_drives_the_parallel_env_when_asked(capsys):
    config = ttm.EnvConfig(horizon=60)
    result = evaluation.compare_policies(["random", "edf"], range(3), config, api="parallel")
    env = ttm.parallel_env(config=config)
    for seed in range(3):
        assert result.values["edf"]["return"][seed] == evaluation.run_episode(env, make_policy("edf"), seed)["return"]
    assert result.api == "parallel" and result.to_dict()["api"] == "parallel"
    coordinator = evaluation.compare_policies(["edf"], range(3), config)
    assert coordinator.values["edf"]["return"] != result.values["edf"]["return"]  # a different API, other returns
    with pytest.raises(ValueError, match="api must be one of"):
        evaluation.compare_policies(["edf"], range(2), api="aec")
    assert (
        main(["evaluate", "--api", "parallel", "--policies", "random,edf", "--seeds", "2", "--set", "horizon=30"]) == 0
    )
    assert capsys.readouterr().out.startswith("Parallel env (every engineer acts each step)")
