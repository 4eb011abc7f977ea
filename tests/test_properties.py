"""Property tests over random configs and random (mostly masked, some unmasked) actions.

Every example is a whole episode; the invariants of SPEC sections 3-4 are
checked at every step. The last test reruns two of the properties with the
kernels as plain Python (``NUMBA_DISABLE_JIT=1``, SPEC section 7) in a
subprocess and requires the same digest, bit for bit, as the compiled run.
"""

from __future__ import annotations

import hashlib
import json
import math
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from strategies import env_configs

import ticket_triage_marl as ttm

SEEDS = st.integers(0, 2**64 - 1)
COUNTERS = ("arrived", "resolved", "breaches", "dropped", "reopened")


def choose_actions(rng: np.random.Generator, observations: dict, unmasked_rate: float) -> dict[str, int]:
    """Per agent: with probability ``unmasked_rate`` any in-space action, else an allowed one."""
    actions = {}
    for agent, obs in observations.items():
        mask = obs["action_mask"]
        if rng.random() < unmasked_rate:
            actions[agent] = int(rng.integers(mask.size))
        else:
            actions[agent] = int(rng.choice(np.flatnonzero(mask)))
    return actions


def check_observations(env, observations: dict, snapshot: dict) -> None:
    """Observations inside their space and finite, NOOP allowed, off-shift engineers can only NOOP,
    and the state inside the state space."""
    for agent, obs in observations.items():
        assert env.observation_space(agent).contains(obs), f"{agent} observation outside its space"
        assert np.isfinite(obs["observation"]).all()
        assert obs["action_mask"][0] == 1, "NOOP must always be allowed"
        if not snapshot["engineers"][env.agent_name_mapping[agent]]["on_shift"]:
            assert not obs["action_mask"][1:].any(), f"{agent} is off shift but may act"
    state = env.state()
    assert env.state_space.contains(state) and np.isfinite(state).all()


def check_snapshot(config: ttm.EnvConfig, snapshot: dict, previous: dict | None) -> None:
    """Conservation, bounds, and nothing that only grows ever shrinking."""
    counters = snapshot["counters"]
    assert ("awaiting" in snapshot) == ("awaiting" in config.mechanics())
    awaiting = snapshot.get("awaiting", []) + snapshot.get("handed_off", [])
    open_and_queued = len(snapshot["tickets"]) + len(snapshot["queue"]) + len(awaiting)
    assert counters["arrived"] == counters["resolved"] + open_and_queued + counters["dropped"], counters
    assert len(snapshot["tickets"]) <= config.max_tickets and len(snapshot["queue"]) <= config.max_queue
    tickets = snapshot["tickets"] + snapshot["queue"] + awaiting
    ids = [ticket["id"] for ticket in tickets]
    assert len(set(ids)) == len(ids), "a ticket id is open twice"
    for ticket in tickets:
        assert ticket["work_remaining"] >= 0.0 and math.isfinite(ticket["work_remaining"]), ticket
        assert ticket["age"] >= 0
    if previous is None:
        return
    assert snapshot["t"] == previous["t"] + 1
    for name in COUNTERS:
        assert counters[name] >= previous["counters"][name], f"counter {name} decreased"
    previous_ages = {
        ticket["id"]: ticket["age"]
        for ticket in previous["tickets"]
        + previous["queue"]
        + previous.get("awaiting", [])
        + previous.get("handed_off", [])
    }
    for ticket in tickets:
        if ticket["id"] in previous_ages:
            assert ticket["age"] >= previous_ages[ticket["id"]], f"ticket {ticket['id']} got younger"


def check_bookkeeping(env, snapshot: dict) -> None:
    """The engine's running totals, which replace per-step scans of the queue, equal what they summarize."""
    from ticket_triage_marl._core import layout as L

    env_i = env.sim.state.env_i[0]
    t = snapshot["t"]
    awaiting, handed_off = snapshot.get("awaiting", []), snapshot.get("handed_off", [])
    tickets = snapshot["tickets"] + snapshot["queue"] + awaiting + handed_off
    assert env_i[L.ARRIVAL_SUM] == sum(t - ticket["age"] for ticket in tickets)
    assert env_i[L.AWAITING_OPEN] == len(awaiting) + len(handed_off)
    assert env_i[L.ESCALATED_OPEN] == sum(ticket["escalated"] for ticket in tickets)
    assert env_i[L.AWAIT_SINCE_SUM] == sum(t - ticket["awaiting_for"] for ticket in awaiting)
    assert env_i[L.OVERDUE_OPEN] == sum(ticket["breached"] for ticket in tickets)
    assert env_i[L.WAITING_OPEN] == sum(ticket["waiting_on"] is not None for ticket in tickets)
    routing_i = env.sim.state.routing_i
    if routing_i is not None:  # teams: tickets in transit, and every hand-off counted
        in_slots = sum(ticket["in_transit"] > 0 for ticket in tickets)
        assert routing_i[0, L.IN_TRANSIT] == in_slots + len(handed_off)
        assert routing_i[0, L.OFF_BOARD] == len(handed_off)
        assert snapshot["routed"] == routing_i[0, L.ROUTED]
    for ticket in tickets:
        assert ticket["breached"] == (ticket["sla_remaining"] < 0), ticket
        if not ticket["breached"]:
            assert t + ticket["sla_remaining"] >= env_i[L.NEXT_DEADLINE], "a deadline earlier than NEXT_DEADLINE"


def run_checked_episode(config: ttm.EnvConfig, seed: int, unmasked_rate: float) -> str:
    """Run a parallel episode checking every invariant; return a sha256 of everything it emitted."""
    env = ttm.parallel_env(config=config)
    rng = np.random.default_rng(seed % 2**32)
    digest = hashlib.sha256()
    observations, _ = env.reset(seed=seed)
    snapshot = env.snapshot()
    check_observations(env, observations, snapshot)
    check_snapshot(config, snapshot, None)
    check_bookkeeping(env, snapshot)
    while env.agents:
        actions = choose_actions(rng, observations, unmasked_rate)
        forbidden = {agent: observations[agent]["action_mask"][action] == 0 for agent, action in actions.items()}
        observations, rewards, terminations, truncations, infos = env.step(actions)
        previous, snapshot = snapshot, env.snapshot()
        check_observations(env, observations, snapshot)
        check_snapshot(config, snapshot, previous)
        check_bookkeeping(env, snapshot)
        assert not any(terminations.values())
        assert all(truncations.values()) == (snapshot["t"] == config.horizon)
        for agent, action in actions.items():
            breakdown = infos[agent]["reward_breakdown"]
            assert isinstance(breakdown, np.ndarray) and breakdown.dtype == np.float32
            assert breakdown.shape == (len(env.reward_names),)
            assert rewards[agent] == pytest.approx(float(breakdown.sum(dtype=np.float64)), abs=1e-6)
            if forbidden[agent]:
                assert infos[agent]["invalid_action"] == 1, "a masked action was not counted as invalid"
            if action == 0:
                assert infos[agent]["invalid_action"] == 0
        for agent in env.possible_agents:
            digest.update(observations[agent]["observation"].tobytes())
            digest.update(observations[agent]["action_mask"].tobytes())
        digest.update(np.array(list(rewards.values()), dtype=np.float64).tobytes())
        digest.update(json.dumps([snapshot, infos], sort_keys=True, default=np.ndarray.tolist).encode())
    return digest.hexdigest()


def run_masked_noop_episode(config: ttm.EnvConfig, seed: int) -> str:
    """Two envs in lockstep: at every step one engineer sends an action its mask forbids in
    env A and NOOP in env B; everything observable must stay identical. Returns a digest."""
    env_a, env_b = ttm.parallel_env(config=config), ttm.parallel_env(config=config)
    rng = np.random.default_rng(seed % 2**32)
    observations, _ = env_a.reset(seed=seed)
    env_b.reset(seed=seed)
    digest = hashlib.sha256()
    while env_a.agents:
        actions = choose_actions(rng, observations, unmasked_rate=0.0)
        actions_a, actions_b = dict(actions), dict(actions)
        candidates = [agent for agent, obs in observations.items() if not obs["action_mask"].all()]
        chosen = None
        if candidates:
            chosen = candidates[int(rng.integers(len(candidates)))]
            forbidden = np.flatnonzero(observations[chosen]["action_mask"] == 0)
            actions_a[chosen] = int(rng.choice(forbidden))
            actions_b[chosen] = 0
        observations, rewards_a, _, truncations_a, infos_a = env_a.step(actions_a)
        observations_b, _, _, truncations_b, infos_b = env_b.step(actions_b)
        snapshot = env_a.snapshot()
        assert snapshot == env_b.snapshot()
        assert truncations_a == truncations_b
        np.testing.assert_array_equal(env_a.state(), env_b.state())
        for agent in env_a.possible_agents:
            for key in ("observation", "action_mask"):
                np.testing.assert_array_equal(observations[agent][key], observations_b[agent][key])
            parts_a = dict(zip(env_a.reward_names, infos_a[agent]["reward_breakdown"].tolist(), strict=True))
            parts_b = dict(zip(env_b.reward_names, infos_b[agent]["reward_breakdown"].tolist(), strict=True))
            assert {k: v for k, v in parts_a.items() if k != "invalid"} == {
                k: v for k, v in parts_b.items() if k != "invalid"
            }
        if chosen is not None:
            assert infos_a[chosen]["invalid_action"] == 1
            assert infos_b[chosen]["invalid_action"] == 0
        digest.update(json.dumps([actions_a, snapshot, rewards_a], sort_keys=True).encode())
    return digest.hexdigest()


@settings(max_examples=300, deadline=None)
@given(config=env_configs(), seed=SEEDS, unmasked_rate=st.sampled_from([0.0, 0.0, 0.2, 1.0]))
def test_invariants_hold_at_every_step(config, seed, unmasked_rate):
    run_checked_episode(config, seed, unmasked_rate)


@settings(max_examples=200, deadline=None)
@given(config=env_configs(), seed=SEEDS)
def test_masked_actions_are_noops(config, seed):
    run_masked_noop_episode(config, seed)


@settings(max_examples=120, deadline=None)
@given(config=env_configs(reward_mode="individual"), seed=SEEDS, unmasked_rate=st.sampled_from([0.0, 0.3]))
def test_individual_rewards_sum_to_the_team_reward(config, seed, unmasked_rate):
    individual = ttm.parallel_env(config=config)
    team = ttm.parallel_env(config=config.replace(reward_mode="team"))
    rng = np.random.default_rng(seed % 2**32)
    observations, _ = individual.reset(seed=seed)
    team.reset(seed=seed)
    while individual.agents:
        actions = choose_actions(rng, observations, unmasked_rate)
        observations, individual_rewards, _, _, individual_infos = individual.step(actions)
        _, team_rewards, _, _, team_infos = team.step(actions)
        assert individual.snapshot() == team.snapshot()
        total = sum(individual_rewards.values())
        for agent in team.possible_agents:
            assert team_rewards[agent] == pytest.approx(total, abs=1e-9)
            shares = np.sum([info["reward_breakdown"] for info in individual_infos.values()], axis=0, dtype=np.float64)
            for component, value, share in zip(
                team.reward_names, team_infos[agent]["reward_breakdown"], shares, strict=True
            ):
                assert value == pytest.approx(share, abs=1e-6), component


@settings(max_examples=120, deadline=None)
@given(config=env_configs(), seed=SEEDS)
def test_aec_matches_parallel(config, seed):
    """Same per-tick actions (some unmasked) through both APIs: same snapshots and rewards every tick."""
    parallel, aec = ttm.parallel_env(config=config), ttm.env(config=config)
    rng = np.random.default_rng(seed % 2**32)
    observations, _ = parallel.reset(seed=seed)
    aec.reset(seed=seed)
    while parallel.agents:
        actions = choose_actions(rng, observations, unmasked_rate=0.2)
        for agent in aec.possible_agents:
            aec.step(actions[agent])
        observations, rewards, _, _, infos = parallel.step(actions)
        assert aec.unwrapped.snapshot() == parallel.snapshot()
        assert aec.rewards == rewards
        assert {a: i["invalid_action"] for a, i in aec.infos.items()} == {
            a: i["invalid_action"] for a, i in infos.items()
        }


TINY = ttm.EnvConfig(
    n_engineers=2, max_tickets=3, max_queue=2, n_components=2, horizon=15, p_new_ticket=0.7, p_regression=0.3,
    p_reopen=0.5, reopen_window=3, p_ambiguous=0.5, p_dependency=0.3, sla_steps=(10, 6, 4, 2), skill_noise=0.3,
    shift_period=4, shift_length=3, reward_mode="individual", r_invalid=-0.1,
)  # fmt: skip


def test_plain_python_kernels_give_the_same_results():
    """NUMBA_DISABLE_JIT=1 runs the kernels as Python: same invariants, bit-identical digests."""
    tests_dir = str(Path(__file__).resolve().parent)
    code = (
        f"import sys, json; sys.path.insert(0, {tests_dir!r})\n"
        "import numba; assert numba.config.DISABLE_JIT\n"
        "import ticket_triage_marl as ttm\n"
        "from test_properties import run_checked_episode, run_masked_noop_episode\n"
        f"config = ttm.EnvConfig.from_dict(json.loads({json.dumps(TINY.to_dict())!r}))\n"
        "print(run_checked_episode(config, 2**40 + 3, 0.3), run_masked_noop_episode(config, 9))\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", code],
        capture_output=True, text=True, timeout=300, env={**os.environ, "NUMBA_DISABLE_JIT": "1"},
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    compiled = f"{run_checked_episode(TINY, 2**40 + 3, 0.3)} {run_masked_noop_episode(TINY, 9)}"
    assert result.stdout.strip() == compiled
