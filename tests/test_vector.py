"""The batched engine: one implementation of the dynamics, bit-identical to the
single envs through auto-resets, whatever the batch size and thread count."""

from __future__ import annotations

import json
import math

import gymnasium as gym
import numba
import numpy as np
import pytest
from gymnasium.vector import AutoresetMode

import ticket_triage_marl as ttm
from ticket_triage_marl.baselines import random_masked_actions
from ticket_triage_marl.bench import format_table, run_benchmarks
from ticket_triage_marl.bench import random_masked_actions as compiled_masked_actions
from ticket_triage_marl.cli import main as cli_main

CONFIG = ttm.EnvConfig(horizon=12, p_reopen=0.3, p_ambiguous=0.3, p_dependency=0.2, reopen_window=3)


def test_multiagent_batch_equals_single_envs_through_autoresets():
    n_envs, seed = 3, 40
    vec = ttm.VectorTicketTriage(num_envs=n_envs, config=CONFIG)
    observations, infos = vec.reset(seed=seed)
    singles = [ttm.parallel_env(config=CONFIG) for _ in range(n_envs)]
    single_obs = [env.reset(seed=seed + i)[0] for i, env in enumerate(singles)]
    rng = np.random.default_rng(0)
    for step in range(3 * CONFIG.horizon + 2):
        for i, env in enumerate(singles):
            for k, agent in enumerate(env.possible_agents):
                assert np.array_equal(single_obs[i][agent]["observation"], observations[i, k]), (step, i)
                assert np.array_equal(single_obs[i][agent]["action_mask"], infos["action_mask"][i, k])
        actions = random_masked_actions(rng, infos["action_mask"])
        observations, rewards, terminations, truncations, infos = vec.step(actions)
        assert not terminations.any()
        for i, env in enumerate(singles):
            if not env.agents:  # the batch reset this env at this step (next-step autoreset)
                assert infos["_reset"][i] and not truncations[i] and (rewards[i] == 0).all()
                single_obs[i], _ = env.reset()
            else:
                single_obs[i], single_rewards, _, single_trunc, _ = env.step(
                    {agent: int(actions[i, k]) for k, agent in enumerate(env.possible_agents)}
                )
                assert [single_rewards[a] for a in env.possible_agents] == rewards[i].tolist()
                assert all(single_trunc.values()) == truncations[i]
            assert env.snapshot() == vec.snapshot(i)


def test_coordinator_vector_env_equals_single_coordinator():
    n_envs, seed = 3, 7
    vec = gym.make_vec("TicketTriage-v0", num_envs=n_envs, horizon=10)
    assert isinstance(vec, ttm.CoordinatorVectorEnv)  # native, not SyncVectorEnv
    assert vec.metadata["autoreset_mode"] == AutoresetMode.NEXT_STEP
    assert vec.single_observation_space.shape == ttm.TicketTriageEnv().observation_space.shape
    singles = [ttm.TicketTriageEnv(horizon=10) for _ in range(n_envs)]
    observations, _ = vec.reset(seed=seed)
    single = [env.reset(seed=seed + i) for i, env in enumerate(singles)]
    done = [False] * n_envs
    rng = np.random.default_rng(1)
    for _ in range(25):
        masks = vec.action_masks()
        assert masks.shape == (n_envs, vec.single_action_space.n)
        for i in range(n_envs):
            assert np.array_equal(observations[i], single[i][0])
            assert np.array_equal(masks[i], single[i][1]["action_mask"])
        actions = random_masked_actions(rng, masks)
        observations, rewards, _, truncations, infos = vec.step(actions)
        for i, env in enumerate(singles):
            if done[i]:
                single[i] = env.reset()
                assert rewards[i] == 0.0 and not truncations[i]
                done[i] = False
                continue
            obs, reward, _, truncated, info = env.step(int(actions[i]))
            single[i] = (obs, info)
            assert reward == rewards[i] and truncated == truncations[i]
            assert info["total_resolved"] == infos["total_resolved"][i]
            done[i] = truncated
    vec.close()


def test_results_do_not_depend_on_batch_size_or_threads():
    def run(num_envs: int, threads: int) -> tuple[np.ndarray, np.ndarray]:
        numba.set_num_threads(threads)
        try:
            vec = ttm.VectorTicketTriage(num_envs=num_envs, config=CONFIG)
            _, infos = vec.reset(seed=3)
            rng = np.random.default_rng(2)
            history = []
            for _ in range(30):
                actions = random_masked_actions(rng, infos["action_mask"][:2])
                full = np.zeros((num_envs, CONFIG.n_engineers), dtype=np.int64)
                full[:2] = actions
                observations, rewards, _, _, infos = vec.step(full)
                history.append((observations[:2].copy(), rewards[:2].copy()))
            return np.stack([h[0] for h in history]), np.stack([h[1] for h in history])
        finally:
            numba.set_num_threads(numba.config.NUMBA_NUM_THREADS)

    small = run(2, 1)
    large = run(9, numba.config.NUMBA_NUM_THREADS)
    assert np.array_equal(small[0], large[0]) and np.array_equal(small[1], large[1])


def test_reset_at_resets_one_environment_only():
    vec = ttm.VectorTicketTriage(num_envs=3, config=CONFIG, seed=11)
    vec.reset()
    for _ in range(5):
        vec.step(np.zeros((3, CONFIG.n_engineers), dtype=np.int64))
    before = [vec.snapshot(i) for i in range(3)]
    vec.reset_at(1, seed=11 + 1)
    assert vec.snapshot(0) == before[0] and vec.snapshot(2) == before[2]
    fresh = ttm.parallel_env(config=CONFIG)
    fresh.reset(seed=12)
    assert vec.snapshot(1) == fresh.snapshot()


def test_seed_lists_and_bad_inputs():
    vec = ttm.VectorTicketTriage(num_envs=2, config=CONFIG)
    with pytest.raises(RuntimeError, match="before reset"):
        vec.step(np.zeros((2, 3), dtype=np.int64))
    vec.reset(seed=[5, 9])
    one = ttm.parallel_env(config=CONFIG)
    one.reset(seed=9)
    assert vec.snapshot(1) == one.snapshot()
    with pytest.raises(ValueError, match="shape"):
        vec.step(np.zeros((3, 3), dtype=np.int64))
    with pytest.raises(ValueError, match="must be in"):
        vec.step(np.full((2, 3), 99, dtype=np.int64))
    with pytest.raises(TypeError, match="integers"):
        vec.step(np.zeros((2, 3)))
    with pytest.raises(ValueError, match="seed list"):
        vec.reset(seed=[1, 2, 3])
    with pytest.raises(ValueError, match="num_envs"):
        ttm.VectorTicketTriage(num_envs=0)


def test_the_benchmarks_compiled_sampler_picks_allowed_actions_uniformly():
    rng = np.random.default_rng(0)
    masks = (rng.random((500, 3, 9)) < 0.3).astype(np.int8)
    masks[..., 0] = 1
    uniforms = rng.random((500, 3))
    out = np.full((500, 3), -1, dtype=np.int64)
    compiled_masked_actions(masks, uniforms, out)
    expected = [
        np.flatnonzero(row)[int(u * row.sum())] for row, u in zip(masks.reshape(-1, 9), uniforms.ravel(), strict=True)
    ]
    assert out.ravel().tolist() == expected


def test_bench_reports_a_row_per_requested_api_and_writes_the_table_as_json(tmp_path, capsys):
    report = run_benchmarks(seconds=0.05, sizes=(2, 3), threads=(1,), apis=("coordinator", "aec", "batch"))
    rows = report["results"]
    names = [row["name"] for row in rows]
    assert names == [
        "CartPole-v1 (gymnasium)",  # the reference comes first
        "coordinator TicketTriageEnv",
        "env() AEC (3 engineers)",
        "VectorTicketTriage N=2",
        "VectorTicketTriage N=3",
    ]  # no parallel or MPE row: they were not requested
    assert [row["unit"] for row in rows] == ["steps/s", "steps/s", "cycles/s", "env-steps/s", "env-steps/s"]
    assert [(row["num_envs"], row["threads"]) for row in rows[3:]] == [(2, 1), (3, 1)]
    assert all(row["extra"]["state_bytes_per_env"] > 0 for row in rows[3:])
    cartpole = rows[0]
    assert cartpole["ratio_to_cartpole"] == 1.0
    assert cartpole["steps_per_second"] == max(cartpole["extra"]["at_start"], cartpole["extra"]["at_end"])
    assert all(math.isfinite(row["steps_per_second"]) and row["steps_per_second"] > 0 for row in rows)

    path = tmp_path / "bench.json"
    argv = ["bench", "--seconds", "0.05", "--sizes", "2", "--threads", "1", "--apis", "parallel", "--json", str(path)]
    assert cli_main(argv) == 0
    printed = capsys.readouterr().out.splitlines()
    assert printed[-1] == f"results written to {path}"
    written = json.loads(path.read_text())  # strict JSON: no NaN
    assert [row["name"] for row in written["results"]] == ["CartPole-v1 (gymnasium)", "parallel_env (3 engineers)"]
    assert format_table(written).splitlines() == printed[:-1]  # the file holds exactly what the table shows
    assert "x CartPole" in printed[0]


def test_bench_arrivals_rows_compare_profile_and_trace_with_the_configs_own_arrivals_at_its_rate():
    from ticket_triage_marl.bench import arrival_configs

    config = ttm.EnvConfig(p_new_ticket=0.4)
    variants = arrival_configs(config)
    assert list(variants) == ["bernoulli", "profile", "trace"]
    assert np.mean(variants["profile"].arrival_profile) == pytest.approx(0.4)
    vec = ttm.VectorTicketTriage(num_envs=4, config=variants["trace"].replace(horizon=2000, initial_backlog=0))
    vec.reset(seed=0)
    for _ in range(2000):
        vec.step(np.zeros((4, config.n_engineers), dtype=np.int64))
    new = vec.counters()["arrived"] - vec.counters()["reopened"]
    assert new.mean() / 2000 == pytest.approx(0.4, rel=0.1)  # the replayed desk at the same mean rate
    assert list(arrival_configs(variants["trace"])) == ["trace"]
    report = run_benchmarks(seconds=0.05, sizes=(8,), apis=("arrivals",), config=config)
    rows = report["results"][1:]
    assert [row["name"] for row in rows] == [
        f"VectorTicketTriage N=8 {name}" for name in ("bernoulli", "profile", "trace")
    ]
    assert rows[0]["extra"]["ratio_to_vector"] == 1.0
    assert all(row["extra"]["ratio_to"] == "bernoulli arrivals" and row["extra"]["ratio_to_vector"] > 0 for row in rows)


def test_the_old_coordinator_vector_env_name_works_with_a_deprecation_warning():
    with pytest.warns(DeprecationWarning, match="TicketTriageVectorEnv is renamed CoordinatorVectorEnv"):
        assert ttm.TicketTriageVectorEnv is ttm.CoordinatorVectorEnv
