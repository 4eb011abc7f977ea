"""TorchRL integrations: the stock PettingZooWrapper over both PettingZoo APIs, the native batched
env (TorchRL's checks, partial resets, seeding, equivalence with the vector engine)."""

from __future__ import annotations

import numpy as np
import pytest

pytestmark = [
    pytest.mark.integration,
    # torchrl 0.11 warns on every PettingZoo but 1.24.3; this project needs 1.27 (gymnasium 1.x)
    pytest.mark.filterwarnings("ignore:PettingZoo in TorchRL is tested using version:UserWarning"),
]

torch = pytest.importorskip("torch")
pytest.importorskip("torchrl")

from conftest import play_parallel_episode  # noqa: E402
from torchrl.envs.libs.pettingzoo import PettingZooWrapper  # noqa: E402
from torchrl.envs.utils import check_env_specs  # noqa: E402

import ticket_triage_marl as ttm  # noqa: E402

HORIZON = 12


@pytest.fixture(autouse=True, scope="module")
def _one_thread():
    """Tiny tensors: a second torch thread only adds synchronization."""
    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(threads)


# -- the stock wrapper -------------------------------------------------------------------------------------------


@pytest.mark.parametrize("make", [ttm.parallel_env, ttm.env], ids=["parallel", "aec"])
def test_stock_pettingzoo_wrapper_passes_check_env_specs_and_rolls_out(make):
    env = PettingZooWrapper(make(horizon=HORIZON), use_mask=True, categorical_actions=True, return_state=True, seed=3)
    check_env_specs(env)
    steps = HORIZON * (1 if make is ttm.parallel_env else 3) + 3  # through an episode end (AEC: a step per turn)
    rollout = env.rollout(steps, break_when_any_done=False)
    names = ttm.parallel_env().reward_names
    for group, agents in env.group_map.items():
        info = rollout["next", group, "info"]
        assert info["reward_breakdown"].shape[-1] == len(names)
        assert info["reward_breakdown"].dtype == torch.float32
        if make is ttm.parallel_env:  # (the AEC wrapper steps one engineer at a time)
            total = info["reward_breakdown"].sum(-1, keepdim=True)  # still adds up, through TorchRL's tensors
            torch.testing.assert_close(total, rollout["next", group, "reward"], atol=1e-5, rtol=0)
        assert rollout[group, "action_mask"].dtype == torch.bool
        assert len(agents) >= 1
    assert rollout["state"].shape == (steps, env.observation_spec["state"].shape[-1])
    assert rollout["next", "done"].any()


def test_stock_wrapper_reproduces_the_parallel_env():
    """Same seed and actions: the wrapper's observations and rewards are the parallel env's."""
    env = PettingZooWrapper(
        ttm.parallel_env(horizon=HORIZON), use_mask=True, categorical_actions=True, return_state=True, seed=11
    )
    par = ttm.parallel_env(horizon=HORIZON)
    # the wrapper's seed resets the env with it; its reset() then starts the next episode of that stream
    par.reset(seed=11)
    observations, _ = par.reset()
    td = env.reset()
    ((group, agents),) = env.group_map.items()
    rng = np.random.default_rng(0)
    for _ in range(HORIZON):
        masks = np.stack([observations[agent]["action_mask"] for agent in agents])
        actions = np.array([rng.choice(np.flatnonzero(mask)) for mask in masks])
        observed = td[group, "observation", "observation"].numpy()
        np.testing.assert_array_equal(observed, np.stack([observations[agent]["observation"] for agent in agents]))
        np.testing.assert_array_equal(td["state"].numpy(), par.state())
        td[group, "action"] = torch.as_tensor(actions)
        td = env.step(td)
        observations, rewards, _, _, infos = par.step(dict(zip(agents, actions.tolist(), strict=True)))
        np.testing.assert_allclose(
            td["next", group, "reward"].numpy()[:, 0], [rewards[agent] for agent in agents], rtol=0, atol=1e-6
        )
        np.testing.assert_array_equal(
            td["next", group, "info", "reward_breakdown"].numpy(),
            np.stack([infos[agent]["reward_breakdown"] for agent in agents]),
        )
        td = td["next"]


def test_multiagent_infos_are_numbers_or_arrays():
    """What TorchRL needs of every per-agent info value; the coordinator keeps the seed's dict."""
    names = ttm.parallel_env().reward_names
    par = ttm.parallel_env(horizon=HORIZON)
    _, infos = par.reset(seed=1)
    _, _, _, _, step_infos = par.step(dict.fromkeys(par.agents, 0))
    aec = ttm.env(horizon=HORIZON)
    aec.reset(seed=1)
    for info in [*infos.values(), *step_infos.values(), *aec.infos.values()]:
        for key, value in info.items():
            assert isinstance(value, (int, float, np.ndarray)), (key, value)
        assert info["reward_breakdown"].dtype == np.float32 and info["reward_breakdown"].shape == (len(names),)
    one = ttm.TicketTriageEnv(horizon=HORIZON)
    _, info = one.reset(seed=1)
    assert isinstance(info["reward_breakdown"], dict) and set(info["reward_breakdown"]) == set(names)


# -- the native batched env --------------------------------------------------------------------------------------

from torchrl.envs.utils import step_mdp  # noqa: E402

from ticket_triage_marl.integrations.torchrl import TicketTriageTorchRLEnv  # noqa: E402


def masked_random(rng: np.random.Generator, masks: np.ndarray) -> np.ndarray:
    """(N, E) actions, uniformly among each engineer's allowed ones."""
    scores = rng.random(masks.shape) * masks
    return scores.argmax(-1).astype(np.int64)


def test_native_env_passes_check_env_specs_and_has_the_documented_keys():
    env = TicketTriageTorchRLEnv(num_envs=4, seed=1, horizon=HORIZON)
    check_env_specs(env)
    config = env.config
    n, e, a = 4, config.n_engineers, ttm.actions.agent_action_count(config)
    rollout = env.rollout(HORIZON + 2, break_when_any_done=False)
    assert rollout.batch_size == (n, HORIZON + 2)
    assert rollout["engineer", "observation"].shape[-2:] == (
        e,
        ttm.parallel_env().observation_space("engineer_0")["observation"].shape[0],
    )
    assert (
        rollout["engineer", "action_mask"].shape[-2:] == (e, a)
        and rollout["engineer", "action_mask"].dtype == torch.bool
    )
    assert rollout["engineer", "action"].shape[-1] == e
    assert rollout["next", "engineer", "reward"].shape[-2:] == (e, 1)
    for key in ("done", "terminated", "truncated"):
        assert rollout["next", key].shape == (n, HORIZON + 2, 1)
    assert not rollout["next", "terminated"].any()
    assert rollout["next", "done"][:, HORIZON - 1].all() and not rollout["next", "done"][:, : HORIZON - 1].any()
    assert rollout["state"].shape == (n, HORIZON + 2, env.observation_spec["state"].shape[-1])
    assert env.full_observation_spec_unbatched[("engineer", "observation")].shape == (
        e,
        rollout["engineer", "observation"].shape[-1],
    )
    assert env.full_action_spec_unbatched[("engineer", "action")].shape == (e,)


def test_native_env_is_bit_identical_to_the_vector_engine():
    """Same seed, same actions: observations, masks, rewards, dones and states of VectorTicketTriage,
    across an episode end (TorchRL resets, the vector env auto-resets one step later)."""
    n = 5
    env = TicketTriageTorchRLEnv(num_envs=n, seed=123, horizon=HORIZON)
    vec = ttm.VectorTicketTriage(num_envs=n, seed=123, horizon=HORIZON)
    observations, infos = vec.reset()
    td = env.reset()
    rng = np.random.default_rng(4)
    ended = 0

    def same(td_now, observations, masks):
        np.testing.assert_array_equal(td_now["engineer", "observation"].numpy(), observations)
        np.testing.assert_array_equal(td_now["engineer", "action_mask"].numpy(), masks.astype(bool))
        np.testing.assert_array_equal(td_now["state"].numpy(), np.stack([vec.state(i) for i in range(n)]))

    same(td, observations, infos["action_mask"])
    for _ in range(2 * HORIZON + 3):
        actions = masked_random(rng, infos["action_mask"])
        td["engineer", "action"] = torch.from_numpy(actions)
        td, td_next = env.step_and_maybe_reset(td)
        observations, rewards, terminations, truncations, infos = vec.step(actions)
        step = td["next"]
        np.testing.assert_array_equal(step["engineer", "reward"].numpy()[..., 0], rewards.astype(np.float32))
        np.testing.assert_array_equal(step["done"].numpy()[:, 0], truncations)
        np.testing.assert_array_equal(step["terminated"].numpy()[:, 0], terminations)
        np.testing.assert_array_equal(
            step["engineer", "info", "invalid_action"].numpy()[..., 0], infos["invalid_action"]
        )
        same(step, observations, infos["action_mask"])
        if truncations.any():
            ended += 1
            observations, _, _, _, infos = vec.step(actions)  # the vector env's next-step auto-reset
        same(td_next, observations, infos["action_mask"])
        td = td_next
    assert ended == 2


def test_native_env_environment_i_is_the_single_env_seeded_with_seed_plus_i():
    env = TicketTriageTorchRLEnv(num_envs=3, seed=40, horizon=HORIZON)
    td = env.reset()
    for index in range(3):
        par = ttm.parallel_env(horizon=HORIZON)
        observations, _ = par.reset(seed=40 + index)
        np.testing.assert_array_equal(
            td["engineer", "observation"][index].numpy(), np.stack([observations[a]["observation"] for a in par.agents])
        )
        assert env.snapshot(index) == par.snapshot()


def test_native_env_resets_only_the_flagged_environments():
    n = 4
    env = TicketTriageTorchRLEnv(num_envs=n, seed=9, horizon=HORIZON)
    vec = ttm.VectorTicketTriage(num_envs=n, seed=9, horizon=HORIZON)
    vec.reset()
    td = env.reset()
    rng = np.random.default_rng(0)
    for _ in range(3):
        actions = masked_random(rng, vec.action_masks())
        td["engineer", "action"] = torch.from_numpy(actions)
        td = step_mdp(env.step(td))
        vec.step(actions)
    before = [env.snapshot(i) for i in range(n)]
    flags = torch.tensor([[True], [False], [False], [True]])
    td.set("_reset", flags)  # TorchRL's contract: the input holds the current data of the others
    td = env.reset(td)
    for index in (0, 3):
        vec.reset_at(index)  # the next episode of its stream
    for index in range(n):
        assert env.snapshot(index) == vec.snapshot(index)
        if flags[index]:
            assert env.snapshot(index)["t"] == 0 and env.snapshot(index) != before[index]
        else:
            assert env.snapshot(index) == before[index]
    np.testing.assert_array_equal(td["engineer", "observation"].numpy(), vec.sim.observations)
    assert not td["done"].any()


def test_native_env_seeding_follows_torchrl():
    env = TicketTriageTorchRLEnv(num_envs=2, horizon=HORIZON)
    next_seed = env.set_seed(5)
    assert isinstance(next_seed, int) and next_seed != 5  # TorchRL's seed for the next env
    first = env.reset()
    vec = ttm.VectorTicketTriage(num_envs=2, horizon=HORIZON)
    observations, _ = vec.reset(seed=5)
    np.testing.assert_array_equal(first["engineer", "observation"].numpy(), observations)
    again = env.reset()  # no new seed: the next episode of each stream
    assert not torch.equal(again["engineer", "observation"], first["engineer", "observation"])
    env.set_seed(5)
    assert torch.equal(env.reset()["engineer", "observation"], first["engineer", "observation"])
    other = TicketTriageTorchRLEnv(num_envs=2, seed=6, horizon=HORIZON).reset()
    np.testing.assert_array_equal(other["engineer", "observation"][0].numpy(), observations[1])


def test_native_env_rejects_actions_outside_the_space():
    env = TicketTriageTorchRLEnv(num_envs=2, seed=0, horizon=HORIZON)
    td = env.reset()
    td["engineer", "action"] = torch.full((2, env.config.n_engineers), ttm.actions.agent_action_count(env.config))
    with pytest.raises(ValueError, match="actions must be in"):
        env.step(td)


# -- BenchMARL -------------------------------------------------------------------------------------------------


def test_benchmarl_tasks_cover_every_scenario_file():
    pytest.importorskip("benchmarl")
    from ticket_triage_marl.integrations.benchmarl import CONFIG_DIR, TicketTriageTask, ticket_triage_task

    files = sorted(path.stem for path in CONFIG_DIR.glob("*.toml"))
    assert sorted(member.name.lower() for member in TicketTriageTask) == files
    for name in files:
        task = ticket_triage_task(name, horizon=HORIZON)
        env = task.get_env_fun(num_envs=2, continuous_actions=False, seed=0, device="cpu")()
        assert env.config == ttm.load_config(CONFIG_DIR / f"{name}.toml", horizon=HORIZON)
        assert env.batch_size == (2,) and task.max_steps(env) == HORIZON
        assert list(task.observation_spec(env).keys(True, True)) == [("engineer", "observation")]
        assert list(task.action_mask_spec(env).keys(True, True)) == [("engineer", "action_mask")]
        assert list(task.state_spec(env).keys(True, True)) == ["state"]
    with pytest.raises(ValueError, match="unknown scenario"):
        ticket_triage_task("no_such_scenario")


# BenchMARL 1.5 itself: torchrl 0.11's deprecated collector name, torch's old loss arguments, its own notice
@pytest.mark.filterwarnings("ignore:SyncDataCollector has been deprecated:DeprecationWarning")
@pytest.mark.filterwarnings("ignore:size_average and reduce args will be deprecated:UserWarning")
@pytest.mark.filterwarnings("ignore:No episode terminated this iteration:UserWarning")
@pytest.mark.parametrize("algorithm", ["mappo", "ippo"])
def test_tiny_benchmarl_run_with_masks_and_evaluation(tmp_path, algorithm):
    pytest.importorskip("benchmarl")
    from benchmarl.algorithms import IppoConfig, MappoConfig
    from benchmarl.experiment import Experiment, ExperimentConfig
    from benchmarl.models.mlp import MlpConfig

    from ticket_triage_marl.integrations.benchmarl import ticket_triage_task

    config = ExperimentConfig.get_from_yaml()
    config.sampling_device = config.train_device = config.buffer_device = "cpu"
    config.max_n_frames = 2 * 8 * HORIZON
    config.on_policy_n_envs_per_worker = 8
    config.on_policy_collected_frames_per_batch = 8 * HORIZON
    config.on_policy_minibatch_size = 32
    config.on_policy_n_minibatch_iters = 1
    config.evaluation = True
    config.evaluation_interval = 8 * HORIZON
    config.evaluation_episodes = 3
    config.render = False
    config.loggers = ["csv"]
    config.save_folder = str(tmp_path)
    config.checkpoint_at_end = False
    algorithm_config = (MappoConfig if algorithm == "mappo" else IppoConfig).get_from_yaml()
    model = MlpConfig.get_from_yaml()
    model.num_cells = [16]
    experiment = Experiment(
        task=ticket_triage_task("default", horizon=HORIZON),
        algorithm_config=algorithm_config,
        model_config=model,
        critic_model_config=model,
        seed=0,
        config=config,
    )
    assert experiment.test_env.batch_size == (3,)  # the native batch, not a SerialEnv of copies
    experiment.run()
    assert experiment.total_frames == 2 * 8 * HORIZON
    # the masked policy never picks a forbidden action
    env = TicketTriageTorchRLEnv(num_envs=4, seed=3, horizon=HORIZON)
    rollout = env.rollout(HORIZON, policy=experiment.policy, break_when_any_done=False)
    chosen = rollout["engineer", "action_mask"].gather(-1, rollout["engineer", "action"].unsqueeze(-1))
    assert chosen.all()
    assert any(tmp_path.iterdir())


def test_benchmarl_example_trains_evaluates_and_writes_only_into_its_folder(tmp_path):
    pytest.importorskip("benchmarl")
    import os
    import subprocess
    import sys
    from pathlib import Path

    script = Path(__file__).resolve().parents[1] / "examples" / "benchmarl_mappo.py"
    work, out = tmp_path / "cwd", tmp_path / "out"
    work.mkdir()
    command = [sys.executable, str(script), "--algorithm", "ippo", "--max-frames", "480", "--num-envs", "4",
               "--frames-per-batch", "240", "--eval-seeds", "3"]  # fmt: skip
    env = {**os.environ, "PYTHONWARNINGS": "ignore", "TMPDIR": str(tmp_path)}
    result = subprocess.run(
        [*command, "--out", str(out)], cwd=work, env=env, capture_output=True, text=True, timeout=600
    )
    assert result.returncode == 0, result.stderr[-3000:]
    lines = result.stdout.splitlines()
    assert any(line.startswith("ippo: 480 frames") for line in lines), result.stdout
    for name in ("learned", "random", "edf", "cost_rate"):
        assert any(line.split()[:1] == [name] and "±" in line for line in lines), (name, result.stdout)
    assert not any(work.iterdir()), list(work.iterdir())  # nothing in the working directory
    assert any(out.iterdir())


def test_bench_has_the_torchrl_rows():
    from ticket_triage_marl.bench import format_table, run_benchmarks

    report = run_benchmarks(seconds=0.05, sizes=(64, 1024), apis=("torchrl",))
    rows = {row["name"]: row for row in report["results"]}
    native = rows["TicketTriageTorchRLEnv N=1024"]
    assert native["steps_per_second"] > 0 and native["extra"]["ratio_to_vector"] > 0
    assert "TicketTriageTorchRLEnv N=64" not in rows  # only the sizes the issue measures (N >= 1024)
    assert rows["TorchRL PettingZooWrapper(parallel_env)"]["steps_per_second"] > 0
    assert "x vector" in format_table(report)


@pytest.mark.filterwarnings("ignore:PettingZoo in TorchRL is tested using version:UserWarning")
def test_readme_torchrl_snippets_run():
    """The README's TorchRL section (``py`` fences: they need the extra, so test_readme skips them)."""
    import re
    from pathlib import Path

    readme = (Path(__file__).resolve().parents[1] / "README.md").read_text(encoding="utf-8")
    section = readme[readme.index("### TorchRL and BenchMARL") :]
    section = section[: section.index("\n## ")]
    snippets = re.findall(r"```py\n(.*?)```", section, flags=re.DOTALL)
    assert len(snippets) == 2
    for index, snippet in enumerate(snippets):
        exec(compile(snippet, f"README.md TorchRL snippet {index}", "exec"), {"__name__": "__readme__"})


@pytest.mark.filterwarnings("ignore:SyncDataCollector has been deprecated:DeprecationWarning")
@pytest.mark.filterwarnings("ignore:size_average and reduce args will be deprecated:UserWarning")
@pytest.mark.filterwarnings("ignore:No episode terminated this iteration:UserWarning")
def test_the_benchmarl_entry_resumes_from_its_checkpoint_and_plays_masked_actions(tmp_path, monkeypatch):
    """benchmarl_ippo with a budget of two batches (4 envs x 20 steps each) and a checkpoint after each: stopped
    after the first checkpoint it leaves no policy; the next call restores it and collects one batch only (two
    minibatches of 40: two optimiser steps), keeps the policy and removes the checkpoints; in play every
    engineer's greedy action is one its mask allows."""
    pytest.importorskip("benchmarl")
    import os

    from benchmarl.experiment import Experiment

    from ticket_triage_marl import benchmark, learned

    config = tmp_path / "short.toml"
    config.write_text('horizon = 20\nname = "short"\n')
    settings = dict(learned.learned_settings("benchmarl_ippo"), num_envs=4, frames_per_batch=80, minibatch_size=40)
    settings.update(minibatch_iters=1, num_cells=[16], checkpoint_every=80)
    monkeypatch.setattr(learned, "learned_settings", lambda entry, seed=None: settings)
    path = benchmark.model_path(tmp_path, "benchmarl_ippo", str(config), 160)
    saving, optimising = Experiment._save_experiment, Experiment._optimizer_loop

    def stop_after_saving(self):
        saving(self)
        raise KeyboardInterrupt

    monkeypatch.setattr(Experiment, "_save_experiment", stop_after_saving)
    with pytest.raises(KeyboardInterrupt):
        learned.train_benchmarl("benchmarl_ippo", str(config), path, 160)
    assert not os.path.exists(path)
    assert learned.latest_checkpoint(path)[1] == 80
    monkeypatch.setattr(Experiment, "_save_experiment", saving)
    steps = []
    monkeypatch.setattr(
        Experiment, "_optimizer_loop", lambda self, group: (steps.append(1), optimising(self, group))[1]
    )
    assert learned.train_benchmarl("benchmarl_ippo", str(config), path, 160) == path
    assert len(steps) == 2 and not os.path.exists(learned.checkpoint_dir(path))

    play_parallel_episode(learned.BenchmarlPolicy("benchmarl_ippo", path), ttm.load_config(str(config)))
