"""Heuristic baselines: valid actions on every API, exact rankings on hand-built
snapshots, and the behavioural check that a good heuristic beats random and NOOP."""

from __future__ import annotations

import numpy as np
import pytest
from conftest import CONFIG_FILES

import ticket_triage_marl as ttm
from ticket_triage_marl import TicketTriageEnv
from ticket_triage_marl.baselines import (
    POLICIES,
    RandomPolicy,
    agent_actions_from,
    coordinator_action_from,
    make_policy,
    random_masked_action,
    random_masked_actions,
)

CONFIGS = [ttm.EnvConfig(horizon=120), *(ttm.load_config(path, horizon=120) for path in CONFIG_FILES)]
CONFIG_IDS = ["defaults", *(path.stem for path in CONFIG_FILES)]


def ticket(slot: int, ticket_id: int, severity: int, age: int, sla: int, work: float, **extra) -> dict:
    return {
        "id": ticket_id, "slot": slot, "severity": severity, "component": 0, "age": age, "sla_remaining": sla,
        "work_remaining": work, "blocked": 0, "waiting_on": None, "assignees": [], **extra,
    }  # fmt: skip


SNAPSHOT = {
    "tickets": [
        ticket(0, 10, severity=1, age=50, sla=118, work=2.0),
        ticket(1, 11, severity=4, age=2, sla=6, work=8.0),
        ticket(2, 12, severity=2, age=70, sla=2, work=4.0),
        ticket(3, 13, severity=3, age=1, sla=23, work=0.5),
    ],
    "queue": [],
    "engineers": [{"index": 0, "ticket": None, "on_shift": True}],
}


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("fifo", [2, 0, 1, 3]),  # oldest first
        ("edf", [2, 1, 3, 0]),  # least SLA time left first
        ("severity", [1, 3, 2, 0]),  # most severe first
        ("cost_rate", [3, 2, 1, 0]),  # severity / work: 6.0, 0.5, 0.5 (earlier deadline first), 0.5 -> by sla
        ("noop", []),
    ],
)
def test_rankings_on_a_hand_built_snapshot(name, expected):
    assert make_policy(name).priority(SNAPSHOT) == expected


def test_cost_rate_ties_break_by_deadline():
    # slot 1: 4/8 = 0.5, slot 2: 2/4 = 0.5, slot 0: 1/2 = 0.5; deadlines 6 < 2? no: 2 < 6 < 118
    assert make_policy("cost_rate").priority(SNAPSHOT)[1:] == [2, 1, 0]


def test_random_policy_is_seeded():
    first = [make_policy("random", seed=3).priority(SNAPSHOT) for _ in range(2)]
    assert first[0] == first[1]
    assert sorted(first[0]) == [0, 1, 2, 3]
    policy = RandomPolicy(seed=3)
    orders = {tuple(policy.priority(SNAPSHOT)) for _ in range(30)}
    assert len(orders) > 1


def test_random_masked_action_draws_uniformly_among_allowed_actions():
    rng = np.random.default_rng(0)
    mask = np.zeros(12, dtype=np.int8)
    mask[[0, 3, 4, 11]] = 1
    draws = np.array([random_masked_action(rng, mask) for _ in range(8000)])
    counts = np.bincount(draws, minlength=12)
    assert set(np.flatnonzero(counts)) == {0, 3, 4, 11}
    # each allowed action has probability 1/4: 2000 expected, binomial sd sqrt(8000 * 1/4 * 3/4) ~ 39
    assert np.abs(counts[[0, 3, 4, 11]] - 2000).max() < 4 * 39
    assert random_masked_action(rng, mask.astype(bool)) in {0, 3, 4, 11}
    assert random_masked_action(rng, [0, 1, 0]) == 1  # any array-like, as np.flatnonzero took
    with pytest.raises(ValueError, match="allows no action"):
        random_masked_action(rng, np.zeros(5, dtype=np.int8))


def test_random_masked_action_keeps_the_stream_of_rng_choice():
    """The helper replaced ``rng.choice(np.flatnonzero(mask))``; same draws, so documented results stand."""
    masks = np.random.default_rng(1).random((200, 71)) < 0.2
    masks[:, 0] = True
    a, b = np.random.default_rng(2), np.random.default_rng(2)
    assert [random_masked_action(a, mask) for mask in masks] == [int(b.choice(np.flatnonzero(m))) for m in masks]


def test_random_masked_actions_is_the_single_draw_row_by_row():
    masks = np.random.default_rng(3).random((4, 3, 9)) < 0.4
    masks[..., 0] = True
    actions = random_masked_actions(np.random.default_rng(4), masks)
    assert actions.shape == (4, 3) and actions.dtype == np.int64
    rng = np.random.default_rng(4)
    expected = [random_masked_action(rng, row) for row in masks.reshape(-1, 9)]
    assert actions.ravel().tolist() == expected
    assert masks[np.arange(4)[:, None], np.arange(3)[None, :], actions].all()


def test_make_policy_rejects_unknown_names():
    with pytest.raises(ValueError, match=r"unknown policy 'lifo'.*fifo.*edf.*cost_rate"):
        make_policy("lifo")
    assert set(POLICIES) >= {"random", "fifo", "edf", "severity", "cost_rate"}


# -- valid actions on every API and every shipped config -----------------------------------------------------


@pytest.mark.parametrize("config", CONFIGS, ids=CONFIG_IDS)
@pytest.mark.parametrize("name", list(POLICIES))
def test_coordinator_policies_never_act_invalidly(name, config):
    env = TicketTriageEnv(config)
    policy = make_policy(name, seed=1)
    _, info = env.reset(seed=1)
    truncated = False
    while not truncated:
        action = coordinator_action_from(policy, env)
        assert info["action_mask"][action]
        _, _, _, truncated, info = env.step(action)
        assert info["invalid_action"] == 0


@pytest.mark.parametrize("config", CONFIGS, ids=CONFIG_IDS)
@pytest.mark.parametrize("name", list(POLICIES))
def test_parallel_policies_never_act_invalidly(name, config):
    env = ttm.parallel_env(config=config)
    policy = make_policy(name, seed=1)
    observations, _ = env.reset(seed=1)
    while env.agents:
        actions = agent_actions_from(policy, env, observations)
        assert set(actions) == set(env.agents)
        for agent, action in actions.items():
            assert observations[agent]["action_mask"][action]
        observations, _, _, _, infos = env.step(actions)
        assert all(info["invalid_action"] == 0 for info in infos.values())


@pytest.mark.parametrize("name", list(POLICIES))
def test_aec_policies_never_act_invalidly(name):
    env = ttm.env(config=ttm.EnvConfig(horizon=60, shift_period=6, shift_length=4))
    policy = make_policy(name, seed=2)
    env.reset(seed=2)
    actions: dict[str, int] = {}
    for agent in env.agent_iter():
        _, _, terminated, truncated, info = env.last()
        if terminated or truncated:
            env.step(None)
            continue
        assert info["invalid_action"] == 0
        if agent == "engineer_0":  # plan the tick from its start
            actions = agent_actions_from(policy, env)
        env.step(actions[agent])


def test_heuristics_without_arguments_read_the_envs_own_masks():
    env = ttm.parallel_env()
    observations, _ = env.reset(seed=0)
    policy = make_policy("edf")
    assert agent_actions_from(policy, env) == agent_actions_from(policy, env, observations)


def test_idle_engineer_most_skilled_on_the_component_gets_the_ticket():
    skills = [[0.5, 0.5], [2.0, 0.5], [0.5, 2.0]]
    config = ttm.EnvConfig(n_engineers=3, n_components=2, skills=skills, initial_backlog=1, p_new_ticket=0.0)
    env = TicketTriageEnv(config)
    env.reset(seed=0)
    (only,) = env.snapshot()["tickets"]
    best = 1 if only["component"] == 0 else 2
    action = coordinator_action_from(make_policy("fifo"), env)
    assert ttm.decode_coordinator_action(action, config) == (ttm.Verb.ASSIGN, only["slot"], best)


def test_no_idle_engineer_means_noop_and_idle_engineers_help():
    config = ttm.EnvConfig(n_engineers=2, initial_backlog=1, p_new_ticket=0.0)
    env = TicketTriageEnv(config)
    env.reset(seed=0)
    policy = make_policy("edf")
    first = coordinator_action_from(policy, env)
    env.step(first)
    second = coordinator_action_from(policy, env)  # nothing unassigned: the other engineer helps
    verb, slot, _ = ttm.decode_coordinator_action(second, config)
    assert verb == ttm.Verb.ASSIGN and slot == ttm.decode_coordinator_action(first, config)[1]
    env.step(second)
    assert coordinator_action_from(policy, env) == 0  # everyone busy


# -- behaviour: a good heuristic beats random and NOOP by a clear margin ----------------------------------


def mean_return(name: str, seeds: range) -> float:
    env = TicketTriageEnv()
    totals = []
    for seed in seeds:
        policy = make_policy(name, seed=seed)
        env.reset(seed=seed)
        total, truncated = 0.0, False
        while not truncated:
            _, reward, _, truncated, _ = env.step(coordinator_action_from(policy, env))
            total += reward
        totals.append(total)
    return float(np.mean(totals))


@pytest.mark.slow
def test_edf_and_cost_rate_beat_random_and_noop():
    seeds = range(20)
    returns = {name: mean_return(name, seeds) for name in ("noop", "random", "edf", "cost_rate")}
    # measured on the default config: noop -41.6, random 30.6, edf 88.5, cost_rate 92.3
    for good in ("edf", "cost_rate"):
        assert returns[good] > returns["random"] + 30, returns
        assert returns[good] > returns["noop"] + 100, returns
    assert returns["random"] > returns["noop"], returns


def test_idle_engineers_join_a_swarm_only_while_one_more_speeds_it_up():
    """One ticket, twelve idle engineers, swarm_efficiency 0.7: k engineers remove k * 0.7**(k-1) units, most
    at three (2.1 against 2.0 at two and 1.96 at four), so three take it and nine stay idle; with
    swarm_efficiency 1 every one helps."""
    from conftest import quiet_config

    for efficiency, workers in ((0.7, 3), (1.0, 12)):
        env = ttm.parallel_env(config=quiet_config(n_engineers=12, initial_backlog=1, swarm_efficiency=efficiency))
        env.reset(seed=0)
        actions = ttm.baselines.agent_actions_from(ttm.baselines.make_policy("edf"), env)
        assert sum(action != 0 for action in actions.values()) == workers
