"""Stable-Baselines3 / sb3-contrib / SuperSuit training integrations: tiny real runs and the VecEnv contracts."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import numba
import numpy as np
import pytest

pytestmark = pytest.mark.integration

torch = pytest.importorskip("torch")
stable_baselines3 = pytest.importorskip("stable_baselines3")
sb3_contrib = pytest.importorskip("sb3_contrib")

from conftest import play_parallel_episode  # noqa: E402
from sb3_contrib.common.maskable.utils import get_action_masks, is_masking_supported  # noqa: E402
from stable_baselines3.common.env_checker import check_env  # noqa: E402
from stable_baselines3.common.monitor import Monitor  # noqa: E402
from stable_baselines3.common.vec_env import VecNormalize  # noqa: E402

import ticket_triage_marl as ttm  # noqa: E402
from ticket_triage_marl.baselines import random_masked_actions  # noqa: E402
from ticket_triage_marl.evaluation import mean_ci95  # noqa: E402
from ticket_triage_marl.integrations import (  # noqa: E402
    MissingExtraError,
    make_parameter_sharing_vec_env,
    make_sb3_vec_env,
    require,
)
from ticket_triage_marl.wrappers import flatten_observations, mask_from_flat  # noqa: E402

TINY = {"n_steps": 32, "batch_size": 64, "n_epochs": 1, "device": "cpu"}


@pytest.fixture(autouse=True, scope="module")
def _one_thread():
    """Tiny networks and batches of 2-16 envs: a second thread only adds synchronization, and when
    the other core is busy (a parallel job) spinning threads wait for it. Measured with a second
    process on the 2-core machine: 5000 forward/backward passes of a 64x64 layer took 24.6 s on 2
    torch threads and 0.85 s on 1; 2000 steps of make_sb3_vec_env(16) took 8.2 s on 2 numba
    (OpenMP) threads and 0.13 s on 1. Thread-count independence is tested in test_vector.py."""
    torch_threads, numba_threads = torch.get_num_threads(), numba.get_num_threads()
    torch.set_num_threads(1)
    numba.set_num_threads(1)
    yield
    torch.set_num_threads(torch_threads)
    numba.set_num_threads(numba_threads)


def parameters(model) -> torch.Tensor:
    return torch.cat([parameter.detach().flatten() for parameter in model.policy.parameters()])


# -- the single coordinator env, as the seed's README uses it ------------------------------------


def test_sb3_check_env_on_the_coordinator():
    check_env(ttm.TicketTriageEnv(), warn=True)


def _deterministic_returns(model, seeds: range, horizon: int) -> np.ndarray:
    """Team return per seed of the model's greedy actions, env i reset with seed ``seeds[i]`` (common seeds)."""
    env = make_sb3_vec_env(len(seeds), seed=seeds[0], horizon=horizon)
    observations, totals = env.reset(), np.zeros(len(seeds))
    for _ in range(horizon):
        actions, _ = model.predict(observations, deterministic=True)
        observations, rewards, _, _ = env.step(actions)
        totals += rewards
    return totals


def test_ppo_mlp_policy_learns_on_the_coordinator():
    """The seed's PPO("MlpPolicy") on the coordinator, no masks: ~33k steps (a few seconds) must beat its start.

    Both policies play the same 16 held-out seeds (training uses seeds 0..15), so the
    difference is paired; its 95% lower bound must clear 5 return points (the untrained
    policy scores about 0 over 100 steps, the trained one about +18.7 ± 6.3).
    """
    horizon, seeds = 100, range(1000, 1016)
    model = stable_baselines3.PPO(
        "MlpPolicy",
        make_sb3_vec_env(16, seed=0, horizon=horizon),
        seed=0,
        n_steps=64,
        batch_size=256,
        n_epochs=4,
        learning_rate=1e-3,
        device="cpu",
    )
    before = _deterministic_returns(model, seeds, horizon)
    model.learn(total_timesteps=32_768)
    after = _deterministic_returns(model, seeds, horizon)
    gain, half = mean_ci95(after - before)
    assert gain - half > 5.0, (
        f"PPO did not learn: return {before.mean():.2f} -> {after.mean():.2f} ({gain:.2f} ± {half:.2f})"
    )


# -- the batched coordinator as an SB3 VecEnv -----------------------------------------------------


def test_vec_env_matches_single_envs_with_same_step_resets():
    """Env i = TicketTriageEnv reset with seed s + i, then reset() at each end, in the same step."""
    horizon, num_envs, seed = 6, 3, 7
    vec = make_sb3_vec_env(num_envs, seed=seed, horizon=horizon)
    singles = [ttm.TicketTriageEnv(horizon=horizon) for _ in range(num_envs)]
    expected = [env.reset(seed=seed + index)[0] for index, env in enumerate(singles)]
    observations = vec.reset()
    rng = np.random.default_rng(0)
    ends = 0
    for step in range(1, 3 * horizon + 1):
        np.testing.assert_array_equal(observations, np.stack(expected), err_msg=f"step {step}")
        masks = vec.action_masks()
        np.testing.assert_array_equal(masks, np.stack([env.action_masks() for env in singles]))
        actions = random_masked_actions(rng, masks)
        observations, rewards, dones, infos = vec.step(actions)
        assert (
            observations.shape == (num_envs, *singles[0].observation_space.shape) and observations.dtype == np.float32
        )
        assert rewards.shape == dones.shape == (num_envs,)
        for index, env in enumerate(singles):
            last, reward, terminated, truncated, info = env.step(int(actions[index]))
            assert not terminated
            assert rewards[index] == np.float32(reward)
            assert dones[index] == truncated == (step % horizon == 0)
            if truncated:
                np.testing.assert_array_equal(infos[index]["terminal_observation"], last)
                assert infos[index]["TimeLimit.truncated"] is True
                assert infos[index]["episode"]["l"] == horizon
                assert infos[index]["total_resolved"] == info["total_resolved"]
                assert infos[index]["total_breaches"] == info["total_breaches"]
                last, _ = env.reset()  # next episode of the same stream: that is the new observation
                assert not np.array_equal(last, infos[index]["terminal_observation"])
            else:
                assert infos[index] == {}
            expected[index] = last
        ends += int(dones.all())
    assert ends == 3


def test_vec_env_seed_reseeds_the_next_reset_as_sb3_does():
    vec = make_sb3_vec_env(2)
    assert vec.seed(11) == [11, 12]
    observations = vec.reset()
    for index in range(2):
        np.testing.assert_array_equal(observations[index], ttm.TicketTriageEnv().reset(seed=11 + index)[0])
    again = vec.reset()  # no seed: the next episode of each stream
    env = ttm.TicketTriageEnv()
    env.reset(seed=11)
    np.testing.assert_array_equal(again[0], env.reset()[0])


def test_vec_env_methods_and_attributes():
    vec = make_sb3_vec_env(4, seed=0)
    with pytest.raises(RuntimeError, match="reset"):
        vec.action_masks()
    vec.reset()
    assert is_masking_supported(vec) and vec.has_attr("config") and not vec.has_attr("no_such_thing")
    masks = get_action_masks(vec)
    assert masks.shape == (4, 71) and masks.dtype == np.bool_
    np.testing.assert_array_equal(masks, vec.action_masks())
    np.testing.assert_array_equal(np.stack(vec.env_method("action_masks", indices=[1, 3])), masks[[1, 3]])
    assert [snapshot["t"] for snapshot in vec.env_method("snapshot", indices=2)] == [0]
    assert vec.get_attr("config", indices=[0, 1]) == [vec.config, vec.config]
    assert vec.get_attr("render_mode") == [None] * 4
    assert vec.env_is_wrapped(Monitor) == [False] * 4
    with pytest.raises(AttributeError, match="no per-environment method 'render'"):
        vec.env_method("render")
    with pytest.raises(AttributeError):
        vec.get_attr("no_such_thing")
    with pytest.raises(ValueError, match="all of them"):
        vec.set_attr("copy", False, indices=[0])
    vec.step(np.zeros(4, dtype=np.int64))
    with pytest.raises(ValueError, match=r"in \[0, 70\]"):
        vec.step(np.full(4, 71))
    with pytest.raises(ValueError, match="one per env"):
        vec.step(np.zeros(3, dtype=np.int64))


def test_maskable_ppo_on_the_batched_coordinator_uses_the_exact_masks():
    vec = make_sb3_vec_env(8, seed=0)
    model = sb3_contrib.MaskablePPO("MlpPolicy", vec, seed=0, **TINY)
    model.learn(total_timesteps=256)
    assert model.num_timesteps == 256
    observations = vec.reset()
    for _ in range(20):
        masks = vec.action_masks()
        actions, _ = model.predict(observations, action_masks=masks)
        assert masks[np.arange(8), actions].all(), "a sampled action is forbidden by its mask"
        observations, _, _, _ = vec.step(actions)


def test_maskable_ppo_through_vec_normalize():
    vec = VecNormalize(make_sb3_vec_env(8, seed=0), norm_obs=False, norm_reward=True)
    assert is_masking_supported(vec)
    sb3_contrib.MaskablePPO("MlpPolicy", vec, seed=0, **TINY).learn(total_timesteps=256)


def test_ppo_runs_are_reproducible_on_the_batched_coordinator():
    runs = [
        parameters(stable_baselines3.PPO("MlpPolicy", make_sb3_vec_env(4), seed=3, **TINY).learn(256)) for _ in range(2)
    ]
    assert torch.equal(*runs)


# -- parameter sharing through SuperSuit ---------------------------------------------------------


def test_supersuit_ppo_with_a_seed_is_bit_reproducible():
    runs = []
    for _ in range(2):
        vec = make_parameter_sharing_vec_env(num_copies=2, horizon=20)
        model = stable_baselines3.PPO("MlpPolicy", vec, seed=0, **TINY)
        model.learn(total_timesteps=256)
        runs.append(parameters(model))
    assert torch.equal(*runs)
    other = stable_baselines3.PPO("MlpPolicy", make_parameter_sharing_vec_env(num_copies=2, horizon=20), seed=1, **TINY)
    assert not torch.equal(parameters(other.learn(total_timesteps=256)), runs[0])


def test_supersuit_maskable_ppo_sees_each_engineers_mask():
    vec = make_parameter_sharing_vec_env(num_copies=2, horizon=20)
    assert vec.num_envs == 6
    assert is_masking_supported(vec)
    model = sb3_contrib.MaskablePPO("MlpPolicy", vec, seed=0, **TINY)
    model.learn(total_timesteps=256)
    observations = vec.reset()
    n_actions = vec.n_actions
    for _ in range(25):  # across the end of an episode (horizon 20)
        masks = get_action_masks(vec)
        np.testing.assert_array_equal(masks, mask_from_flat(observations, n_actions).astype(bool))
        actions, _ = model.predict(observations, action_masks=masks)
        assert masks[np.arange(6), actions].all()
        observations, _, dones, infos = vec.step(actions)
        for index in np.flatnonzero(dones):
            assert infos[index]["TimeLimit.truncated"] is True
            assert "terminal_observation" in infos[index]


def test_supersuit_seed_and_reset_follow_the_copies():
    vec = make_parameter_sharing_vec_env(num_copies=2, horizon=20)
    assert vec.seed(5) == [5, 5, 5, 6, 6, 6]
    observations = vec.reset()
    for copy in range(2):
        par = flatten_observations(ttm.parallel_env(horizon=20))
        expected, _ = par.reset(seed=5 + copy)
        np.testing.assert_array_equal(observations[3 * copy : 3 * copy + 3], np.stack(list(expected.values())))
    assert vec.get_attr("config", indices=[0, 4])[1].horizon == 20
    assert vec.has_attr("possible_agents") and not vec.has_attr("no_such_thing")
    with pytest.raises(AttributeError):
        vec.env_method("render")


# -- optional extras --------------------------------------------------------------------------------


def test_require_names_the_extra_to_install():
    with pytest.raises(
        MissingExtraError, match=r'pip install torch==2\.13\.0 && pip install "ticket_triage_marl\[sb3\]"'
    ):
        require("no_such_module_for_ticket_triage", "this test")
    from ticket_triage_marl.extras import MissingExtraError as PackageMissingExtraError

    assert issubclass(MissingExtraError, ImportError) and MissingExtraError is PackageMissingExtraError


def test_missing_stable_baselines3_gives_a_one_line_hint_and_the_core_never_imports_torch():
    code = (
        "import sys\n"
        "import ticket_triage_marl, ticket_triage_marl.integrations\n"
        "assert 'torch' not in sys.modules and 'stable_baselines3' not in sys.modules\n"
        "sys.modules['stable_baselines3'] = None  # as if it were not installed\n"
        "from ticket_triage_marl.integrations import make_sb3_vec_env\n"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert result.returncode == 1
    last_line = result.stderr.strip().splitlines()[-1]
    assert last_line.startswith("ticket_triage_marl.extras.MissingExtraError: ")
    assert 'pip install "ticket_triage_marl[sb3]"' in last_line


def test_the_benchmark_trains_its_learned_entry_once_per_scenario_and_budget(tmp_path, monkeypatch):
    """maskable_ppo on a short scenario with a tiny budget: the model is trained and kept with what its training
    cost (in the results and the leaderboard), its episodes are results named maskable_ppo@BUDGET, and a resumed run with more seeds plays the kept model without training."""
    from ticket_triage_marl import benchmark, learned

    config = tmp_path / "short.toml"
    config.write_text('horizon = 20\nname = "short"\n')
    entries, scenarios = ["random", "cost_rate", "maskable_ppo"], [str(config)]
    results = benchmark.run_benchmark(tmp_path / "run", entries, scenarios, seeds=[1_000_000], budget=512)
    assert {result["entry"] for result in results} == {"random", "cost_rate", "maskable_ppo@512"}
    model = benchmark.model_path(tmp_path / "run", "maskable_ppo", str(config), 512)
    assert (tmp_path / "run" / "models" / "maskable_ppo" / "short-512.zip").exists() and model.endswith("short-512.zip")
    record = learned.training_record(model)  # what the training cost, shown in the leaderboard
    assert record["env_steps"] == 512 and record["seconds"] > 0 and record["resumed"] is False
    assert [result.get("train_seconds") for result in results] == [None, None, record["seconds"]]

    def no_training(*args, **kwargs):
        raise AssertionError("the kept model must be reused")

    monkeypatch.setattr(sb3_contrib.MaskablePPO, "learn", no_training)
    more = benchmark.run_benchmark(tmp_path / "run", entries, scenarios, seeds=[1_000_000, 1_000_001], budget=512)
    assert len(more) == 6 and len(benchmark.load_results(tmp_path / "run")) == 6
    board = benchmark.summarize(more, repetitions=20)
    assert "maskable_ppo@512" in board.entries
    headers, rows, _, _ = benchmark.leaderboard_rows(board)
    training = {row[0]: row[headers.index("training s / scenario")] for row in rows}
    assert training["cost_rate"] == "-" and training["maskable_ppo@512"] == f"{record['seconds']:.0f}"


def test_a_training_seed_trains_its_own_model_and_records_the_seed(tmp_path):
    """--train-seed: the model of another training seed is kept apart (its own file, its results named
    ENTRY@BUDGET-seedN), trained from that seed (recorded in its training record) and so a different policy."""
    from ticket_triage_marl import benchmark, learned

    config = tmp_path / "short.toml"
    config.write_text('horizon = 20\nname = "short"\n')
    entries, scenarios, seeds = ["random", "maskable_ppo"], [str(config)], [1_000_000]
    first = benchmark.run_benchmark(tmp_path / "run", entries, scenarios, seeds=seeds, budget=256)
    second = benchmark.run_benchmark(tmp_path / "run", entries, scenarios, seeds=seeds, budget=256, train_seed=1)
    assert [result["entry"] for result in first] == ["random", "maskable_ppo@256"]
    assert [result["entry"] for result in second] == ["random", "maskable_ppo@256-seed1"]
    models = tmp_path / "run" / "models" / "maskable_ppo"
    assert sorted(path.name for path in models.glob("*.zip")) == ["short-256-seed1.zip", "short-256.zip"]
    names = ("short-256.zip", "short-256-seed1.zip")
    assert [learned.training_record(str(models / name))["settings"]["seed"] for name in names] == [0, 1]
    weights = [sb3_contrib.MaskablePPO.load(models / name).policy.state_dict() for name in names]
    assert any(not torch.equal(weights[0][key], weights[1][key]) for key in weights[0])


def test_a_stopped_training_resumes_from_its_latest_checkpoint(tmp_path, monkeypatch):
    """train_learned saves checkpoints as it trains; stopped after the first one, it leaves no model, and the
    next call loads that checkpoint and trains only the rest of the budget (the final step count is the budget,
    not the checkpoint's steps plus the budget), then removes the checkpoints."""
    from stable_baselines3.common.callbacks import CheckpointCallback

    from ticket_triage_marl import benchmark, learned

    config = tmp_path / "short.toml"
    config.write_text('horizon = 20\nname = "short"\n')
    settings = dict(learned.learned_settings("maskable_ppo"), num_envs=4, n_steps=16, batch_size=64)
    monkeypatch.setattr(learned, "learned_settings", lambda entry, seed=None: dict(settings, checkpoint_every=64))
    path = benchmark.model_path(tmp_path, "maskable_ppo", str(config), 256)
    saving = CheckpointCallback._on_step

    def stop_after_a_checkpoint(self):
        keep_going = saving(self)
        if learned.latest_checkpoint(path) is not None:
            raise KeyboardInterrupt
        return keep_going

    monkeypatch.setattr(CheckpointCallback, "_on_step", stop_after_a_checkpoint)
    with pytest.raises(KeyboardInterrupt):
        learned.train_learned("maskable_ppo", str(config), path, 256)
    assert not os.path.exists(path)
    assert learned.latest_checkpoint(path)[1] == 64

    monkeypatch.setattr(CheckpointCallback, "_on_step", saving)
    loaded = []
    load = sb3_contrib.MaskablePPO.load.__func__

    def spy(cls, file, *args, **kwargs):
        loaded.append(os.path.basename(file))
        return load(cls, file, *args, **kwargs)

    monkeypatch.setattr(sb3_contrib.MaskablePPO, "load", classmethod(spy))
    assert learned.train_learned("maskable_ppo", str(config), path, 256) == path
    assert loaded == ["model_64_steps.zip"]
    assert not os.path.exists(learned.checkpoint_dir(path))
    assert sb3_contrib.MaskablePPO.load(path).num_timesteps == 256


def test_the_shared_policy_entry_trains_on_the_parallel_env_and_plays_each_engineers_masked_action(tmp_path):
    """shared_maskable_ppo with a tiny budget: trained once (SuperSuit parameter sharing, the budget in env-steps:
    SB3 counts one step per engineer), its results kept as a parallel task, and in play every engineer's action
    is one its mask allows, drawn from its masked distribution with the episode's seed."""
    from ticket_triage_marl import benchmark, learned

    config = tmp_path / "short.toml"
    config.write_text('horizon = 30\nname = "short"\nn_engineers = 3\n')
    entries, scenarios = ["random", "fifo", "shared_maskable_ppo"], [str(config)]
    results = benchmark.run_benchmark(
        tmp_path / "run", entries, scenarios, seeds=[1_000_000], budget=512, api="parallel"
    )
    assert [result["entry"] for result in results] == ["random", "fifo", "shared_maskable_ppo@512"]
    assert {result["api"] for result in results} == {"parallel"}
    path = benchmark.model_path(tmp_path / "run", "shared_maskable_ppo", str(config), 512)
    model = sb3_contrib.MaskablePPO.load(path)
    assert model.num_timesteps >= 3 * 512  # engineer-steps
    assert learned.training_record(path)["settings"]["play"] == "sampled"

    def episode(seed):
        return play_parallel_episode(
            learned.learned_policy("shared_maskable_ppo", path, seed), ttm.load_config(str(config))
        )

    assert episode(5) == episode(5) != episode(6)  # sampled play, seeded: it repeats
    assert benchmark.summarize(results, repetitions=20).scenarios == [f"{config} (parallel)"]


def test_pruned_masks_leave_out_exactly_the_assignments_that_continue_an_engineers_own_ticket():
    """By hand (3 engineers, ASSIGN(t, e) = 1 + 3t + e): env 0 has engineer 1 on slot 2 and engineer 2 on slot 0,
    env 1 engineer 0 on slot 1: actions 8, 3 and 4 go, everything else (NOOP included) stays as it was."""
    from ticket_triage_marl.integrations.sb3 import without_continuations

    masks = np.ones((2, 20), dtype=bool)
    masks[1, 5] = False
    pruned = without_continuations(masks, np.array([[-1, 2, 0], [1, -1, -1]]))
    expected = masks.copy()
    expected[0, [8, 3]] = False
    expected[1, 4] = False
    np.testing.assert_array_equal(pruned, expected)


def test_the_vec_env_prunes_continuations_only_when_asked():
    """Run a few steps with busy engineers: the pruned masks are the exact masks without each busy engineer's
    ASSIGN to its own ticket, and those actions are in the exact masks (allowed, NOOP in effect)."""
    from ticket_triage_marl.integrations.sb3 import current_slots

    exact = make_sb3_vec_env(4, seed=3, horizon=30)
    pruned = make_sb3_vec_env(4, seed=3, horizon=30, prune_continuations=True)
    exact.reset(), pruned.reset()
    rng = np.random.default_rng(0)
    busy = 0
    for _ in range(12):
        slots = current_slots(pruned.sim)
        exact_masks, pruned_masks = exact.action_masks(), pruned.action_masks()
        difference = np.argwhere(exact_masks != pruned_masks)
        expected = {(n, 1 + slots[n, e] * slots.shape[1] + e) for n, e in np.argwhere(slots >= 0)}
        assert {tuple(pair) for pair in difference} == expected
        assert all(exact_masks[n, action] for n, action in expected)
        assert pruned_masks[:, 0].all()
        busy += len(expected)
        actions = random_masked_actions(rng, pruned_masks)  # the same actions in both: the same states
        exact.step(actions), pruned.step(actions)
    assert busy > 0


def test_a_learned_coordinator_plays_with_the_masks_it_was_trained_with(tmp_path):
    """maskable_ppo trained with prune_continuations (its settings file, kept in its training record) plays with
    pruned masks: each decision's masks are the env's exact ones without the busy engineers' continuations."""
    from ticket_triage_marl import learned
    from ticket_triage_marl.integrations.sb3 import current_slots, without_continuations

    config = tmp_path / "short.toml"
    config.write_text('horizon = 20\nname = "short"\n')
    path = learned.model_path(tmp_path, "maskable_ppo", str(config), 256)
    learned.train_learned("maskable_ppo", str(config), path, 256)
    assert learned.training_record(path)["settings"]["prune_continuations"] is True
    policy = learned.learned_policy("maskable_ppo", path)
    seen, predict = [], policy.model.predict

    def spy(observation, deterministic, action_masks):
        seen.append(action_masks)
        return predict(observation, deterministic=deterministic, action_masks=action_masks)

    policy.model.predict = spy
    env = ttm.TicketTriageEnv(ttm.load_config(str(config)))
    env.reset(seed=1_000_000)
    pruned_somewhere = False
    for _ in range(20):
        expected = without_continuations(env.action_masks()[None], current_slots(env.unwrapped.sim)[:1])[0]
        action = policy.coordinator_action(env)
        np.testing.assert_array_equal(np.asarray(seen[-1]).reshape(-1), expected)
        pruned_somewhere |= bool((expected != env.action_masks()).any())
        env.step(action)
    assert pruned_somewhere


def test_rule_demonstrations_replay_to_the_rules_return_with_exact_returns_to_go():
    """The warm start's data: replaying the recorded actions from the same seed gives the rule's episode again
    (same rewards), and each decision's return to go is the discounted sum of the rewards from it on."""
    from ticket_triage_marl import learned

    config = ttm.EnvConfig(horizon=30)
    mean, data = learned.rule_demonstrations(config, "cost_rate", 1, 0.9, prune=False)
    env = ttm.TicketTriageEnv(config=config)
    env.reset(seed=learned.WARM_START_SEED)
    rewards = [float(env.step(int(action))[1]) for action in data["action"]]
    assert len(rewards) == 30 and sum(rewards) == pytest.approx(mean)
    expected = [sum(0.9**k * r for k, r in enumerate(rewards[t:])) for t in range(30)]
    assert data["return"] == pytest.approx(np.asarray(expected, dtype=np.float32), rel=1e-5)
    assert data["mask"][np.arange(30), data["action"]].all() and data["obs"].shape == (30, *env.observation_space.shape)


def test_the_warm_start_clones_the_best_rule_on_training_seeds(tmp_path):
    """clone_rule picks the rule of the highest mean return and fits the policy to its decisions: the fitted
    policy's most likely allowed action matches more of them than before. The entry trains with it and keeps
    what the clone did beside the model."""
    from ticket_triage_marl import learned

    config = tmp_path / "short.toml"
    config.write_text('horizon = 30\nname = "short"\n')
    settings = dict(learned.learned_settings("maskable_ppo_warm"), warm_start_episodes=2, warm_start_epochs=30)
    vec = make_sb3_vec_env(2, config=ttm.load_config(str(config)), seed=0, prune_continuations=True)
    model = sb3_contrib.MaskablePPO("MlpPolicy", vec, seed=0, policy_kwargs={"net_arch": [256, 256]}, **TINY)
    played = {
        rule: learned.rule_demonstrations(ttm.load_config(str(config)), rule, 2, 0.995, True)
        for rule in learned.WARM_START_RULES
    }
    best = max(played, key=lambda rule: played[rule][0])
    data = played[best][1]

    def matched():
        with torch.no_grad():
            logits = model.policy.get_distribution(torch.as_tensor(data["obs"])).distribution.logits.numpy()
        return float((np.where(data["mask"], logits, -np.inf).argmax(axis=1) == data["action"]).mean())

    before = matched()
    cloned = learned.clone_rule(model, str(config), settings)
    assert cloned["rule"] == best and cloned["rule_returns"] == {rule: played[rule][0] for rule in played}
    assert cloned["matched"] == pytest.approx(matched()) and cloned["matched"] > before + 0.3
    path = str(tmp_path / "models" / "warm.zip")  # its folder made by the training
    learned.train_learned("maskable_ppo_warm", str(config), path, timesteps=256)
    kept = json.loads((tmp_path / "models" / "warm.zip.warm.json").read_text())
    assert kept["rule"] in learned.WARM_START_RULES and kept["decisions"] == 24 * 30
