"""The look-ahead planners (``ticket_triage_marl.planners``): they leave the env as they found it, fall back on
their base rule, choose by a paired test over futures, the fair one never reads the true future, and they run
wherever a policy does."""

from __future__ import annotations

import copy

import numpy as np
import pytest

import ticket_triage_marl as ttm
from ticket_triage_marl._core import layout as L
from ticket_triage_marl.baselines import PLANNERS, agent_actions_from, coordinator_action_from, make_policy
from ticket_triage_marl.comparison import compare_policies
from ticket_triage_marl.planners import ClairvoyantPlanner, RolloutPlanner

SMALL = {"futures": 3, "depth": 6}


@pytest.fixture
def busy_env():
    """The coordinator on the default config after 20 steps of the cost-rate rule."""
    env = ttm.TicketTriageEnv(ttm.EnvConfig(horizon=60))
    env.reset(seed=4)
    rule = make_policy("cost_rate")
    for _ in range(20):
        env.step(coordinator_action_from(rule, env))
    return env


def test_planning_leaves_the_env_as_it_found_it(busy_env):
    before = busy_env.clone_state()
    RolloutPlanner(**SMALL).coordinator_action(busy_env)
    ClairvoyantPlanner(depth=6).coordinator_action(busy_env)
    after = busy_env.clone_state()
    for name, array in before["parallel"]["sim"]["arrays"].items():
        if array is not None:
            np.testing.assert_array_equal(array, after["parallel"]["sim"]["arrays"][name], err_msg=name)


def test_the_candidates_are_allowed_and_begin_with_the_base_rules_action(busy_env):
    planner = RolloutPlanner(**SMALL)
    base_action = coordinator_action_from(make_policy("cost_rate"), busy_env)
    candidates = planner.candidates(busy_env, base_action)
    mask = busy_env.action_masks()
    assert candidates[0] == base_action and len(set(candidates)) == len(candidates) > 2
    assert all(mask[action] for action in candidates)
    verbs = {ttm.decode_coordinator_action(action, busy_env.config)[0] for action in candidates}
    assert {ttm.Verb.ASSIGN, ttm.Verb.NOOP, ttm.Verb.ESCALATE, ttm.Verb.DEFER} <= verbs


def test_the_choice_is_a_bonferroni_corrected_paired_t_test_over_the_futures():
    """Row 0 is the base rule's action; four futures (3 degrees of freedom), level 0.05 one-sided. Candidate 1:
    mean +1.0, standard error 0.0408: t = 24.5, above t(1 - 0.05 / 2, 3) = 3.18 (two candidates): chosen. A
    noisy one (mean +0.5, standard error 1.44) never is; the margin raises the bar; a candidate with t = 2.8
    passes alone (above t(0.95, 3) = 2.35) but not among two (below 3.18)."""
    planner = RolloutPlanner(**SMALL)
    noisy = np.array([[0.0, 0.0, 0.0, 0.0], [3.0, -2.0, 3.0, -2.0]])
    clear = np.array([[0.0, 0.0, 0.0, 0.0], [1.0, 1.1, 0.9, 1.0], [0.5, 0.5, 0.5, 0.6]])
    assert planner.choose(noisy) == 0
    assert planner.choose(clear) == 1
    assert RolloutPlanner(**SMALL, margin=2.0).choose(clear) == 0
    spread = np.array([1.0, -1.0, 1.0, -1.0]) * 0.5
    errors = spread.std(ddof=1) / 2  # 0.2887
    borderline = 2.8 * errors + spread  # mean 2.8 standard errors
    assert planner.choose(np.array([np.zeros(4), borderline])) == 1
    assert planner.choose(np.array([np.zeros(4), borderline, np.zeros(4) - 1])) == 0
    assert ClairvoyantPlanner(depth=3).choose(np.array([[0.0], [0.1]])) == 1  # one future: the plain difference


def test_with_no_candidate_good_enough_the_planner_plays_its_base_rule():
    """An infinite margin: a whole episode of the planner is the cost-rate rule's, action for action."""
    config = ttm.EnvConfig(horizon=25)
    env = ttm.TicketTriageEnv(config)
    planner, rule = RolloutPlanner(**SMALL, margin=float("inf")), make_policy("cost_rate")
    env.reset(seed=1)
    twin = ttm.TicketTriageEnv(config)
    twin.reset(seed=1)
    for _ in range(25):
        action = coordinator_action_from(planner, env)
        assert action == coordinator_action_from(rule, twin)
        env.step(action)
        twin.step(action)
    assert planner.stats.decisions > 0 and planner.stats.changed == 0


def test_the_fair_planner_never_reads_the_true_future(busy_env):
    """The same visible state with another true stream and other hidden attributes: the same rollouts, so
    the same decision; the clairvoyant planner's rollouts differ."""
    checkpoint = busy_env.clone_state()
    other = copy.deepcopy(checkpoint)
    arrays = other["parallel"]["sim"]["arrays"]
    arrays["env_i"][0, L.HASH_PREFIX] += 1
    rows = arrays["ticket_i"][0]
    hidden = (rows[:, L.ACTIVE] == 1) & (rows[:, L.INFO_REQUESTS] == 0)
    rows[hidden, L.AMBIGUOUS] = 1 - rows[hidden, L.AMBIGUOUS]
    action = coordinator_action_from(make_policy("cost_rate"), busy_env)
    fair, oracle = RolloutPlanner(futures=4, depth=30), ClairvoyantPlanner(depth=30)
    results = []
    for source in (checkpoint, other):
        busy_env.restore_state(source)
        seeds = fair.future_seeds(20)
        fair_returns = [fair.rollout(busy_env, source, action, seed) for seed in seeds]
        results.append((fair_returns, oracle.rollout(busy_env, source, action, None)))
    assert results[0][0] == results[1][0]
    assert results[0][1] != results[1][1]


def test_make_policy_builds_the_planners_and_evaluate_runs_them():
    assert PLANNERS == ("rollout", "clairvoyant")
    assert isinstance(make_policy("rollout", seed=3), RolloutPlanner) and make_policy("rollout", seed=3).seed == 3
    assert isinstance(make_policy("clairvoyant"), ClairvoyantPlanner)
    result = compare_policies(["cost_rate", "clairvoyant"], [0], ttm.EnvConfig(horizon=12))
    assert set(result.summary) == {"cost_rate", "clairvoyant"}
    cost = result.planning["clairvoyant"]  # what planning cost, for the planners only
    assert set(result.planning) == {"clairvoyant"} and cost["decisions"] > 0 and cost["simulated_steps"] > 0
    assert cost["ms_per_decision"] == pytest.approx(1000 * cost["seconds"] / cost["decisions"])


def test_the_joint_planner_plays_allowed_actions_leaves_the_env_and_falls_back_on_its_base_rule():
    """The parallel env: every engineer's action is allowed, the env is as it was, and with an infinite margin
    the joint action is the base rule's, step after step."""
    config = ttm.EnvConfig(horizon=15)
    env = ttm.parallel_env(config=config)
    observations, _ = env.reset(seed=2)
    planner, strict = RolloutPlanner(**SMALL), RolloutPlanner(**SMALL, margin=float("inf"))
    rule = make_policy("cost_rate")
    while env.agents:
        before = env.clone_state()
        joint = agent_actions_from(planner, env, observations)
        assert all(observations[agent]["action_mask"][action] for agent, action in joint.items())
        after = env.clone_state()
        for name, array in before["sim"]["arrays"].items():
            # a restore observes both views: the parallel env's unused coordinator view is brought up to date
            if array is not None and not name.startswith("coordinator_"):
                np.testing.assert_array_equal(array, after["sim"]["arrays"][name], err_msg=name)
        assert agent_actions_from(strict, env, observations) == agent_actions_from(rule, env, observations)
        observations, *_ = env.step(joint)
    assert planner.stats.decisions > 0 and strict.stats.changed == 0


def test_the_planners_refuse_the_aec_env_with_a_clear_message():
    env = ttm.env(config=ttm.EnvConfig(horizon=5))
    env.reset(seed=0)
    with pytest.raises(ValueError, match="plans for the coordinator or the parallel env"):
        agent_actions_from(RolloutPlanner(**SMALL), env)


def test_bad_planner_settings_are_refused():
    with pytest.raises(ValueError, match="futures and depth must be >= 1"):
        RolloutPlanner(futures=0)
    with pytest.raises(ValueError, match="alpha must be in"):
        RolloutPlanner(alpha=1.0)


def test_the_heuristics_and_planners_read_only_what_the_agents_may_see(monkeypatch):
    """Every snapshot a heuristic or a planner takes leaves the hidden part out (``hidden=False``)."""
    from ticket_triage_marl._core.sim import BatchSim

    calls = []
    original = BatchSim.snapshot

    def recording(self, n, waiting_lists=True, hidden=True):
        calls.append(hidden)
        return original(self, n, waiting_lists, hidden)

    monkeypatch.setattr(BatchSim, "snapshot", recording)
    config = ttm.EnvConfig(horizon=6, p_incident=0.3, groups=(0, 1, 1), p_await=0.2)
    coordinator, parallel = ttm.TicketTriageEnv(config), ttm.parallel_env(config=config)
    for name in ("fifo", "edf", "severity", "cost_rate"):
        coordinator.reset(seed=0)
        observations, _ = parallel.reset(seed=0)
        for _ in range(6):
            coordinator.step(coordinator_action_from(make_policy(name), coordinator))
            observations, *_ = parallel.step(agent_actions_from(make_policy(name), parallel, observations))
    coordinator.reset(seed=0)
    coordinator.step(coordinator_action_from(RolloutPlanner(**SMALL), coordinator))
    observations, _ = parallel.reset(seed=0)
    parallel.step(agent_actions_from(RolloutPlanner(**SMALL), parallel, observations))
    assert calls and not any(calls)


def test_the_fair_planner_proposes_no_link_of_its_own_the_clairvoyant_does():
    """Incidents' membership is not redrawn in sampled futures: a LINK would be judged on the truth."""
    config = ttm.EnvConfig(horizon=30, p_incident=0.5, incident_size_mean=4.0)
    env = ttm.TicketTriageEnv(config)
    env.reset(seed=0)
    for _ in range(5):
        env.step(0)
    linkable = [
        a
        for a in np.flatnonzero(env.action_masks())
        if ttm.decode_coordinator_action(int(a), config)[0] == ttm.Verb.LINK
    ]
    assert linkable
    fair, oracle = (
        {ttm.decode_coordinator_action(a, config)[0] for a in planner.candidates(env, 0)}
        for planner in (RolloutPlanner(**SMALL), ClairvoyantPlanner(depth=6))
    )
    assert ttm.Verb.LINK not in fair and ttm.Verb.LINK in oracle
