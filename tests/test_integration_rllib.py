"""RLlib (new API stack) integration: the ordered MultiAgentEnv, the masking RLModule, tiny real PPO runs.

One local Ray instance serves the whole module (``ray.init`` costs a few
seconds); its session files and the algorithms' log folders stay under a
pytest temp dir, and no dashboard is started.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import gymnasium as gym
import numpy as np
import pytest
from conftest import ROOT, play_parallel_episode

pytestmark = [
    pytest.mark.integration,
    # RLlib's env runners call gymnasium.register("rllib-multi-agent-env-v0" / "rllib-single-agent-env-v0")
    # in every make_env() (ray/rllib/env/multi_agent_env_runner.py, single_agent_env_runner.py), so the
    # second algorithm built in one process makes gymnasium warn that it overrides the id.
    pytest.mark.filterwarnings(
        r"ignore:.*Overriding environment rllib-(multi|single)-agent-env-v0 already in registry:UserWarning"
    ),
]

torch = pytest.importorskip("torch")
ray = pytest.importorskip("ray")
pytest.importorskip("ray.rllib")

from ray.rllib.algorithms.ppo import PPOConfig  # noqa: E402
from ray.rllib.core.columns import Columns  # noqa: E402
from ray.rllib.core.rl_module.rl_module import RLModuleSpec  # noqa: E402
from ray.rllib.env.env_context import EnvContext  # noqa: E402
from ray.rllib.utils.pre_checks.env import check_multiagent_environments  # noqa: E402

import ticket_triage_marl as ttm  # noqa: E402
from ticket_triage_marl.baselines import random_masked_action  # noqa: E402
from ticket_triage_marl.integrations import MissingExtraError  # noqa: E402
from ticket_triage_marl.integrations.rllib import (  # noqa: E402
    COORDINATOR_ENV_NAME,
    MULTI_AGENT_ENV_NAME,
    MaskedActorCriticModule,
    TicketTriageMultiAgentEnv,
    build_algorithm,
    greedy_actions,
    load_ppo_file,
    ppo_config,
    register_envs,
    results_dir,
    team_return,
)

RLLIB_CONFIGS = sorted((ROOT / "configs" / "rllib").glob("*.toml"))
HORIZON = 20
# One iteration = 2 episodes of HORIZON env steps; one small SGD pass.
TINY = {"train_batch_size_per_learner": 2 * HORIZON, "minibatch_size": 2 * HORIZON, "num_epochs": 1}
AGENTS = ["engineer_0", "engineer_1", "engineer_2"]


@pytest.fixture(scope="module")
def ray_session(tmp_path_factory):
    """One local Ray for the module: temp files and log folders under a pytest temp dir."""
    root = tmp_path_factory.mktemp("ray")  # short: Ray's socket paths must stay under 107 bytes
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("RAY_TMPDIR", str(root))
        patch.setenv("RAY_USAGE_STATS_ENABLED", "0")  # tests do not report usage
        ray.init(include_dashboard=False, num_cpus=2, log_to_driver=False)
        try:
            with results_dir(root / "results"):
                yield root
        finally:
            ray.shutdown()


def masked_random(rng: np.random.Generator, observations: dict) -> dict[str, int]:
    return {agent: random_masked_action(rng, obs["action_mask"]) for agent, obs in observations.items()}


def assert_observations_equal(left: dict, right: dict) -> None:
    assert list(left) == list(right)
    for agent in left:
        assert list(left[agent]) == list(right[agent])
        for key in left[agent]:
            np.testing.assert_array_equal(left[agent][key], right[agent][key], err_msg=f"{agent} {key}")


def sampled_actions_respect_masks(algo) -> int:
    """Sample a few episodes with exploration; every action must be allowed by its observation's mask."""
    episodes = algo.env_runner.sample(num_timesteps=2 * HORIZON, explore=True)
    checked = 0
    for episode in episodes:
        observations, actions = episode.get_observations(), episode.get_actions()
        for agent in AGENTS:
            masks = np.asarray(observations[agent]["action_mask"])[: len(actions[agent])]  # (T, n_actions)
            chosen = np.asarray(actions[agent])
            assert masks[np.arange(len(chosen)), chosen].all(), f"{agent} took an action its mask forbids"
            checked += len(chosen)
    return checked


def learner_weights(algo) -> dict[str, dict[str, np.ndarray]]:
    return algo.learner_group.get_weights()


# -- the MultiAgentEnv adapter (no Ray instance needed) ---------------------------------------------


def test_agents_spaces_and_first_observation():
    env = TicketTriageMultiAgentEnv({"horizon": HORIZON})
    assert env.possible_agents == AGENTS and env.agents == []
    observations, infos = env.reset(seed=0)
    assert env.agents == AGENTS and list(observations) == AGENTS and list(infos) == AGENTS
    space = env.observation_spaces["engineer_0"]
    assert set(space.spaces) == {"observations", "action_mask"}
    assert all(env.observation_spaces[agent] is space for agent in AGENTS)
    assert all(env.get_observation_space(agent) is space for agent in AGENTS)
    assert env.action_spaces["engineer_0"] == gym.spaces.Discrete(41)
    assert space["action_mask"].dtype == np.float32 and space["action_mask"].shape == (41,)
    for agent in AGENTS:
        assert space.contains(observations[agent])
    check_multiagent_environments(env)  # RLlib's own checker


def test_matches_the_parallel_env_step_for_step_with_done_flags_at_the_horizon():
    env = TicketTriageMultiAgentEnv({"horizon": HORIZON, "central_critic": True})
    par = ttm.parallel_env(horizon=HORIZON)
    observations, _ = env.reset(seed=5)
    expected, _ = par.reset(seed=5)
    rng = np.random.default_rng(0)
    for step in range(1, HORIZON + 1):
        for agent in AGENTS:
            np.testing.assert_array_equal(observations[agent]["observations"], expected[agent]["observation"])
            np.testing.assert_array_equal(observations[agent]["action_mask"], expected[agent]["action_mask"])
            np.testing.assert_array_equal(observations[agent]["state"], par.state())
            assert env.observation_spaces[agent].contains(observations[agent])
        actions = masked_random(rng, observations)
        observations, rewards, terminateds, truncateds, infos = env.step(actions)
        expected, par_rewards, _, par_truncations, par_infos = par.step(actions)
        assert list(observations) == list(rewards) == AGENTS
        assert rewards == par_rewards
        np.testing.assert_array_equal(
            [info["reward_breakdown"] for info in infos.values()],
            [info["reward_breakdown"] for info in par_infos.values()],
        )
        assert terminateds == {**dict.fromkeys(AGENTS, False), "__all__": False}
        done = step == HORIZON
        assert truncateds == {**dict.fromkeys(AGENTS, done), "__all__": done}
        assert truncateds["engineer_0"] == par_truncations["engineer_0"]
    assert env.agents == []
    assert env.snapshot() == par.snapshot()


def test_same_seed_same_trajectory_and_reset_without_seed_continues_the_stream():
    def episode(env, seed):
        rng = np.random.default_rng(1)
        observations, _ = env.reset(seed=seed)
        trajectory = [observations]
        while env.agents:
            observations, rewards, *_ = env.step(masked_random(rng, observations))
            trajectory.append((observations, rewards))
        return trajectory

    first, second = TicketTriageMultiAgentEnv({"horizon": HORIZON}), TicketTriageMultiAgentEnv({"horizon": HORIZON})
    run_a, run_b = episode(first, 3), episode(second, 3)
    assert len(run_a) == HORIZON + 1
    assert_observations_equal(run_a[0], run_b[0])
    for (obs_a, rewards_a), (obs_b, rewards_b) in zip(run_a[1:], run_b[1:], strict=True):
        assert_observations_equal(obs_a, obs_b)
        assert rewards_a == rewards_b
    next_a, _ = first.reset()
    next_b, _ = second.reset()
    assert_observations_equal(next_a, next_b)  # the next episode of the same stream


def test_env_config_keys_scenario_files_and_render():
    path = ROOT / "configs" / "large_team.toml"
    env = TicketTriageMultiAgentEnv(EnvContext({"config_path": str(path), "horizon": 7, "render_mode": "ansi"}, 0))
    assert env.config == ttm.load_config(path, horizon=7)
    assert env.possible_agents == [f"engineer_{i}" for i in range(env.config.n_engineers)]
    env.reset(seed=0)
    assert env.render().startswith("t=0 backlog=")
    with pytest.raises(ValueError, match=r"unknown env_config key\(s\) \['horizn'\].*config_path"):
        TicketTriageMultiAgentEnv({"horizn": 3})
    with pytest.raises(TypeError, match="central_critic must be a bool"):
        TicketTriageMultiAgentEnv({"central_critic": "yes"})
    with pytest.raises(ValueError, match="n_engineers"):
        TicketTriageMultiAgentEnv({"n_engineers": 0})
    with pytest.raises(ValueError, match="missing actions"):
        env.step({"engineer_0": 0})


# -- the masking RLModule (no Ray instance needed) ------------------------------------------------------


def build_module(central_critic: bool = False, inference_only: bool = False) -> MaskedActorCriticModule:
    env = TicketTriageMultiAgentEnv({"central_critic": central_critic})
    spec = RLModuleSpec(
        module_class=MaskedActorCriticModule,
        observation_space=env.observation_spaces["engineer_0"],
        action_space=env.action_spaces["engineer_0"],
        inference_only=inference_only,
        model_config={"fcnet_hiddens": [32], "vf_share_layers": False},  # RLlib adds keys like the last one
    )
    return spec.build()


def random_batch(module, rng: np.random.Generator, size: int = 64) -> dict:
    space = module.observation_space
    n_actions = module.action_space.n
    masks = (rng.random((size, n_actions)) < 0.15).astype(np.float32)
    masks[rng.random(size) < 0.5, 0] = 1.0  # NOOP usually allowed ...
    masks[masks.sum(axis=1) == 0, rng.integers(n_actions)] = 1.0  # ... and never an empty mask
    batch = {
        "observations": rng.random((size, *space["observations"].shape), dtype=np.float32),
        "action_mask": masks,
    }
    if "state" in space.spaces:
        batch["state"] = rng.random((size, *space["state"].shape), dtype=np.float32)
    return {Columns.OBS: {key: torch.as_tensor(value) for key, value in batch.items()}}


def test_masking_module_never_samples_or_picks_a_masked_action():
    module = build_module()
    rng = np.random.default_rng(0)
    batch = random_batch(module, rng)
    mask = batch[Columns.OBS]["action_mask"].bool()
    for forward in (module.forward_exploration, module.forward_inference, module.forward_train):
        logits = forward(batch)[Columns.ACTION_DIST_INPUTS]
        assert logits.shape == mask.shape and torch.isfinite(logits).all()
        assert (logits[~mask] == torch.finfo(torch.float32).min).all()
        distribution = module.get_exploration_action_dist_cls().from_logits(logits)
        samples = torch.stack([distribution.sample() for _ in range(200)])  # (200, B)
        assert mask.gather(1, samples.T).all(), "sampled a masked action"
        greedy = distribution.to_deterministic().sample()
        assert mask[torch.arange(len(greedy)), greedy].all()
        assert torch.isfinite(distribution.entropy()).all()
        assert torch.isfinite(distribution.kl(distribution)).all()
    values = module.compute_values(batch)
    assert values.shape == (64,) and torch.isfinite(values).all()


def test_central_critic_reads_the_state_and_the_actor_does_not():
    module = build_module(central_critic=True)
    assert module.central_critic
    rng = np.random.default_rng(1)
    batch = random_batch(module, rng)
    changed_state = {Columns.OBS: {**batch[Columns.OBS], "state": batch[Columns.OBS]["state"] + 0.5}}
    changed_features = {Columns.OBS: {**batch[Columns.OBS], "observations": batch[Columns.OBS]["observations"] + 0.5}}
    logits = module.forward_inference(batch)[Columns.ACTION_DIST_INPUTS]
    assert torch.equal(logits, module.forward_inference(changed_state)[Columns.ACTION_DIST_INPUTS])
    assert not torch.equal(module.compute_values(batch), module.compute_values(changed_state))
    assert torch.equal(module.compute_values(batch), module.compute_values(changed_features))
    assert not build_module().central_critic


def test_inference_only_module_drops_the_critic_and_loads_learner_weights():
    learner_module = build_module()
    runner_module = build_module(inference_only=True)
    assert not hasattr(runner_module, "critic")
    state = learner_module.get_state(inference_only=True)
    assert state and not any(key.startswith("critic") for key in state)
    runner_module.set_state(learner_module.get_state())
    batch = random_batch(learner_module, np.random.default_rng(2))
    assert torch.equal(
        runner_module.forward_inference(batch)[Columns.ACTION_DIST_INPUTS],
        learner_module.forward_inference(batch)[Columns.ACTION_DIST_INPUTS],
    )


def test_module_rejects_spaces_it_cannot_mask():
    box = gym.spaces.Box(0.0, 1.0, (4,), np.float32)
    with pytest.raises(ValueError, match="'observations' and 'action_mask'"):
        RLModuleSpec(
            module_class=MaskedActorCriticModule, observation_space=box, action_space=gym.spaces.Discrete(3)
        ).build()
    wrong_mask = gym.spaces.Dict({"observations": box, "action_mask": gym.spaces.Box(0.0, 1.0, (2,), np.float32)})
    with pytest.raises(ValueError, match=r"action_mask must have shape \(3,\)"):
        RLModuleSpec(
            module_class=MaskedActorCriticModule, observation_space=wrong_mask, action_space=gym.spaces.Discrete(3)
        ).build()


# -- configs -----------------------------------------------------------------------------------------------


@pytest.mark.parametrize("path", RLLIB_CONFIGS, ids=lambda path: path.stem)
def test_every_rllib_config_file_builds_a_ppo_config(path):
    settings = load_ppo_file(path)
    config = ppo_config(path)
    env_config = dict(config.env_config)
    assert config.env == MULTI_AGENT_ENV_NAME
    assert env_config["central_critic"] == settings.get("central_critic", False)
    expected = {"shared"} if settings.get("policy", "shared") == "shared" else set(AGENTS)
    assert set(config.policies) == expected
    assert set(config.rl_module_spec.rl_module_specs) == expected
    assert config.enable_rl_module_and_learner and config.enable_env_runner_and_connector_v2
    assert TicketTriageMultiAgentEnv(env_config).config == ttm.load_config(settings["env_config"]["config_path"])
    assert config.lr == settings["lr"] and config.num_epochs == settings["num_epochs"]


def test_config_files_and_arguments_reject_unknown_keys(tmp_path):
    bad = tmp_path / "bad.toml"
    bad.write_text('policy = "shared"\n[training]\nlearning_rate = 0.1\n')
    with pytest.raises(ValueError, match=r"bad\.toml: unknown PPO training setting\(s\) \['learning_rate'\]"):
        load_ppo_file(bad)
    bad.write_text('polcy = "shared"\n')
    with pytest.raises(ValueError, match=r"unknown .*top-level key\(s\) \['polcy'\]"):
        load_ppo_file(bad)
    bad.write_text("[model]\nhiddens = [8]\n")
    with pytest.raises(ValueError, match=r"unknown \[model\] key\(s\) \['hiddens'\]"):
        load_ppo_file(bad)
    with pytest.raises(FileNotFoundError):
        load_ppo_file(tmp_path / "missing.toml")
    with pytest.raises(ValueError, match="policy must be one of"):
        ppo_config(policy="per_agent")
    with pytest.raises(ValueError, match=r"unknown PPO training setting\(s\) \['learning_rate'\]"):
        ppo_config(learning_rate=0.1)
    with pytest.raises(ValueError, match=r"unknown env_config key\(s\) \['horizn'\]"):
        ppo_config(env_config={"horizn": 3})


def test_register_envs_is_idempotent():
    from ray.tune.registry import ENV_CREATOR, _global_registry

    register_envs()
    register_envs()
    assert _global_registry.contains(ENV_CREATOR, MULTI_AGENT_ENV_NAME)
    assert _global_registry.contains(ENV_CREATOR, COORDINATOR_ENV_NAME)


def test_team_return_undoes_rllibs_sum_over_engineers():
    result = {"env_runners": {"episode_return_mean": 30.0}}
    assert team_return(result, ttm.EnvConfig()) == 10.0
    assert team_return(result, ttm.EnvConfig(reward_mode="individual")) == 30.0
    assert np.isnan(team_return({"env_runners": {}}, ttm.EnvConfig()))


# -- tiny real PPO runs ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("policy", "central_critic", "modules"),
    [("shared", False, ["shared"]), ("per_engineer", False, AGENTS), ("shared", True, ["shared"])],
    ids=["shared", "per_engineer", "central_critic"],
)
def test_ppo_trains_with_masking(ray_session, policy, central_critic, modules):
    config = ppo_config(policy=policy, central_critic=central_critic, env_config={"horizon": HORIZON}, **TINY)
    algo = build_algorithm(config)
    try:
        before = learner_weights(algo)
        result = algo.train()
        assert result["num_env_steps_sampled_lifetime"] == 2 * HORIZON
        assert result["env_runners"]["num_episodes"] == 2
        assert np.isfinite(team_return(result, ttm.EnvConfig()))
        after = learner_weights(algo)
        assert sorted(after) == modules
        for module_id in modules:
            assert any(not np.array_equal(before[module_id][key], after[module_id][key]) for key in after[module_id])
            runner_module = algo.get_module(module_id)  # the sampling copy got the new actor weights
            actor_keys = [key for key in after[module_id] if key.startswith("actor.")]
            for key in actor_keys:
                np.testing.assert_array_equal(runner_module.get_state()[key], after[module_id][key], err_msg=key)
            assert runner_module.central_critic is central_critic
        assert sampled_actions_respect_masks(algo) >= 2 * HORIZON * len(AGENTS)
        env = TicketTriageMultiAgentEnv(dict(config.env_config))
        observations, _ = env.reset(seed=0)
        actions = greedy_actions(algo, observations)
        assert list(actions) == AGENTS
        assert all(observations[agent]["action_mask"][actions[agent]] == 1 for agent in AGENTS)
    finally:
        algo.stop()


def test_same_seed_same_training_in_one_process(ray_session):
    """Bit-reproducible within one process. Across processes only with PYTHONHASHSEED fixed:
    RLlib's MultiAgentEpisode batches agents in the order of a set of their ids."""
    runs = []
    for _ in range(2):
        algo = build_algorithm(ppo_config(seed=7, env_config={"horizon": HORIZON}, **TINY))
        try:
            algo.train()
            runs.append(learner_weights(algo)["shared"])
        finally:
            algo.stop()
    for key in runs[0]:
        np.testing.assert_array_equal(runs[0][key], runs[1][key], err_msg=key)


def test_ppo_with_a_remote_env_runner(ray_session):
    config = ppo_config(num_env_runners=1, env_config={"horizon": HORIZON}, **TINY)
    algo = build_algorithm(config)
    try:
        assert algo.env_runner_group.num_remote_env_runners() == 1
        result = algo.train()
        assert result["num_env_steps_sampled_lifetime"] >= 2 * HORIZON
        assert result["env_runners"]["num_episodes"] >= 1
        env = TicketTriageMultiAgentEnv(dict(config.env_config))
        observations, _ = env.reset(seed=1)
        actions = greedy_actions(algo, observations)
        assert all(observations[agent]["action_mask"][actions[agent]] == 1 for agent in AGENTS)
    finally:
        algo.stop()


def test_seed_readme_snippet_builds_and_trains(ray_session):
    """The seed README: ``config = PPOConfig().environment(TicketTriageEnv); algo = config.build()``.

    RLlib calls ``TicketTriageEnv(env_context)`` with its ``EnvContext`` (a dict
    of config fields) as the only positional argument.
    """
    from ticket_triage_marl import TicketTriageEnv

    config = PPOConfig().environment(TicketTriageEnv)
    algo = config.build()  # verbatim: RLlib's defaults (2 remote env runners), flat observations, no masks
    try:
        configs = algo.env_runner_group.foreach_env_runner(
            lambda runner: runner.env.unwrapped.envs[0].unwrapped.config, local_env_runner=False
        )
        assert configs == [ttm.EnvConfig()] * 2
    finally:
        algo.stop()
    tiny = (
        PPOConfig()
        .environment(TicketTriageEnv, env_config={"horizon": HORIZON})
        .env_runners(num_env_runners=0)
        .training(train_batch_size_per_learner=2 * HORIZON, minibatch_size=2 * HORIZON, num_epochs=1)
    )
    algo = tiny.build_algo()
    try:
        result = algo.train()
        assert result["env_runners"]["num_episodes"] == 2
        assert algo.env_runner.env.unwrapped.envs[0].unwrapped.config.horizon == HORIZON
    finally:
        algo.stop()


def test_registered_coordinator_env_takes_a_scenario_file(ray_session):
    path = ROOT / "configs" / "incident_storm.toml"
    config = (
        PPOConfig()
        .environment(COORDINATOR_ENV_NAME, env_config={"config_path": str(path), "horizon": HORIZON})
        .env_runners(num_env_runners=0)
        .training(train_batch_size_per_learner=HORIZON, minibatch_size=HORIZON, num_epochs=1)
    )
    register_envs()
    algo = build_algorithm(config)
    try:
        algo.train()
        assert algo.env_runner.env.unwrapped.envs[0].unwrapped.config == ttm.load_config(path, horizon=HORIZON)
    finally:
        algo.stop()


def test_log_folders_stay_in_the_results_dir(ray_session):
    home_results = Path("~/ray_results").expanduser()
    before = set(home_results.iterdir()) if home_results.is_dir() else set()
    algo = build_algorithm(ppo_config(env_config={"horizon": HORIZON}, **TINY), results=ray_session / "elsewhere")
    try:
        assert Path(algo.logdir).parent == ray_session / "elsewhere"
    finally:
        algo.stop()
    after = set(home_results.iterdir()) if home_results.is_dir() else set()
    assert after == before


# -- the optional extra ------------------------------------------------------------------------------------


def test_missing_ray_gives_a_one_line_hint_and_the_core_never_imports_ray():
    code = (
        "import sys\n"
        "import ticket_triage_marl, ticket_triage_marl.integrations\n"
        "assert 'ray' not in sys.modules and 'torch' not in sys.modules\n"
        "sys.modules['ray'] = None  # as if it were not installed\n"
        "from ticket_triage_marl.integrations import TicketTriageMultiAgentEnv\n"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert result.returncode == 1
    last_line = result.stderr.strip().splitlines()[-1]
    assert last_line.startswith("ticket_triage_marl.extras.MissingExtraError: ")
    assert "needs 'ray'" in last_line and 'pip install "ticket_triage_marl[rllib]"' in last_line
    assert issubclass(MissingExtraError, ImportError)


def test_the_benchmark_runs_its_episodes_as_ray_tasks_with_the_local_results(ray_session, tmp_path):
    """``run_benchmark(..., ray_address=...)`` on the running Ray: every episode a task, the same results (the
    episodes are deterministic) as a local run, appended to results.jsonl as they finish."""
    from ticket_triage_marl import benchmark

    config = tmp_path / "short.toml"
    config.write_text('horizon = 15\nname = "short"\n')
    args = (["random", "cost_rate"], [str(config)], [7, 8])
    on_ray = benchmark.run_benchmark(tmp_path / "ray", *args, ray_address="auto")
    here = benchmark.run_benchmark(tmp_path / "here", *args)
    strip = [{key: value for key, value in result.items() if key != "seconds"} for result in on_ray]
    assert strip == [{key: value for key, value in result.items() if key != "seconds"} for result in here]
    assert len(benchmark.load_results(tmp_path / "ray")) == 4


def test_the_rllib_entry_trains_resumes_from_its_checkpoint_and_plays_masked_actions(
    ray_session, tmp_path, monkeypatch
):
    """rllib_ppo on a short scenario, a budget of two PPO iterations (2,000 env-steps each) with a checkpoint
    after the first: stopped in the second, it leaves no model; the next run restores the checkpoint and trains
    one iteration only, keeps the policy module and removes the checkpoints; its episodes are a parallel task
    and every engineer's greedy action is one its mask allows."""
    from ray.rllib.algorithms.algorithm import Algorithm

    from ticket_triage_marl import benchmark, learned

    config = tmp_path / "short.toml"
    config.write_text('horizon = 20\nname = "short"\n')
    settings = learned.learned_settings("rllib_ppo")
    monkeypatch.setattr(learned, "learned_settings", lambda entry, seed=None: dict(settings, checkpoint_every=2000))
    path = benchmark.model_path(tmp_path, "rllib_ppo", str(config), 4000)
    training = Algorithm.train
    calls = []

    def stopped_in_the_second_iteration(self):
        calls.append(1)
        if len(calls) == 2:
            raise KeyboardInterrupt
        return training(self)

    monkeypatch.setattr(Algorithm, "train", stopped_in_the_second_iteration)
    with pytest.raises(KeyboardInterrupt):
        learned.train_rllib("rllib_ppo", str(config), path, 4000)
    assert not os.path.exists(path) and learned.latest_checkpoint(path)[1] == 2000
    calls.clear()
    monkeypatch.setattr(Algorithm, "train", lambda self: (calls.append(1), training(self))[1])
    assert learned.train_rllib("rllib_ppo", str(config), path, 4000) == path
    assert len(calls) == 1 and not os.path.exists(learned.checkpoint_dir(path))

    play_parallel_episode(learned.RLlibPolicy("rllib_ppo", path), ttm.load_config(str(config)))
    result = benchmark.run_episode_result("rllib_ppo", str(config), 1_000_000, model=path, api="parallel")
    assert result["api"] == "parallel" and result["entry"] == "rllib_ppo"
