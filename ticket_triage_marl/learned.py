"""The benchmark's learned entries: their settings, training (resumable from checkpoints) and play.

Each entry of :data:`LEARNED` has a settings file ``configs/benchmark/<entry>.toml`` and plays one API:

- ``maskable_ppo``: sb3-contrib's MaskablePPO on the batched coordinator (the ``sb3`` extra);
- ``maskable_ppo_warm``: the same, its policy and value first fitted to the decisions of the scenario's best rule
  on training seeds (:func:`clone_rule`, behaviour cloning), then trained by PPO;
- ``maskable_ppo_structured``: ``maskable_ppo_warm`` with a network shaped like the coordinator's actions
  (:mod:`ticket_triage_marl.integrations.structured`: per-slot and per-engineer embeddings, a logit per pair);
- ``shared_maskable_ppo``: one MaskablePPO shared by every engineer through SuperSuit (the ``sb3`` extra);
- ``rllib_ppo``: RLlib's PPO with one masked policy shared by every engineer (the ``rllib`` extra);
- ``benchmarl_mappo`` and ``benchmarl_ippo``: BenchMARL's MAPPO (centralised critic on the global state) and
  IPPO on the native batched TorchRL env (the ``torchrl`` extra).

:func:`train_learned` trains an entry once per scenario and budget (in env-steps: ticks of the env it plays) and
keeps the policy at :func:`model_path`; a training that stops resumes from its latest checkpoint. The policies
(:func:`learned_policy`) play deterministically: the most likely action their mask allows.
"""

from __future__ import annotations

import json
import os
import re
import sys
import time
from typing import Any

import numpy as np

from .config import SCENARIO_DIR, load_config
from .files import atomic_writer

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover - exercised on Python 3.10 only
    import tomli as tomllib

__all__ = ["LEARNED", "learned_policy", "learned_settings", "model_path", "train_learned"]

LEARNED = {
    "maskable_ppo": "coordinator",
    "maskable_ppo_warm": "coordinator",
    "maskable_ppo_structured": "coordinator",
    "shared_maskable_ppo": "parallel",
    "rllib_ppo": "parallel",
    "benchmarl_mappo": "parallel",
    "benchmarl_ippo": "parallel",
}
"""Learned entries and the API each plays, each with its settings file ``configs/benchmark/<entry>.toml``:
trained once per scenario (and budget) on training seeds, then played deterministically on the evaluation
seeds."""


def learned_settings(entry: str, seed: int | None = None) -> dict[str, Any]:
    """The settings of a learned entry (its ``configs/benchmark/<entry>.toml``), with its training ``seed``
    replaced when one is given."""
    path = SCENARIO_DIR / "benchmark" / f"{entry}.toml"
    with open(path, "rb") as handle:
        settings = tomllib.load(handle)
    return settings if seed is None else {**settings, "seed": int(seed)}


def model_path(
    out_dir: str | os.PathLike[str], entry: str, scenario: str, timesteps: int, seed: int | None = None
) -> str:
    """Where a learned entry's policy for ``scenario``, budget ``timesteps`` and training ``seed`` (None: its
    settings file's) is kept: an SB3 model file, or (``rllib_ppo``) an RLlib module's checkpoint directory."""
    name = os.path.splitext(os.path.basename(os.fspath(scenario)))[0]
    suffix = {"rllib_ppo": "", "benchmarl_mappo": ".pt", "benchmarl_ippo": ".pt"}.get(entry, ".zip")
    tag = "" if seed is None else f"-seed{seed}"
    return os.path.join(os.fspath(out_dir), "models", entry, f"{name}-{timesteps}{tag}{suffix}")


def checkpoint_dir(path: str) -> str:
    """Where the training of the model ``path`` keeps its checkpoints until it is done."""
    return os.path.splitext(path)[0] + ".checkpoints" if path.endswith((".zip", ".pt")) else path + ".checkpoints"


def latest_checkpoint(path: str) -> tuple[str, int] | None:
    """The most advanced checkpoint of the training of ``path`` (its file or folder and its steps), or None: SB3's
    ``model_<steps>_steps.zip``, RLlib's ``model_<steps>_steps/``, BenchMARL's ``<run>/checkpoints/checkpoint_<frames>.pt``
    under :func:`checkpoint_dir`."""
    found = []
    for root, folders, files in os.walk(checkpoint_dir(path)):
        for name in (*folders, *files):
            match = re.fullmatch(r"model_(\d+)_steps(?:\.zip)?|checkpoint_(\d+)\.pt", name)
            if match is not None:
                found.append((int(match.group(1) or match.group(2)), os.path.join(root, name)))
    if not found:
        return None
    steps, file = max(found)
    return file, steps


def learned_vec_env(entry: str, scenario: str, settings: dict[str, Any]) -> tuple[Any, int]:
    """The training env of a learned entry and the SB3 steps one env-step makes: ``maskable_ppo`` MaskablePPO
    on the batched coordinator (``num_envs`` environments; one SB3 step an env-step); ``shared_maskable_ppo``
    one MaskablePPO policy shared by every engineer through SuperSuit (``num_copies`` parallel envs; SB3 counts
    engineer-steps, so an env-step is ``n_engineers`` of them)."""
    config = load_config(scenario)
    if LEARNED[entry] == "parallel":
        from .integrations.sb3 import make_parameter_sharing_vec_env

        vec = make_parameter_sharing_vec_env(config, num_copies=int(settings["num_copies"]), seed=int(settings["seed"]))
        return vec, config.n_engineers
    from .integrations.sb3 import make_sb3_vec_env

    prune = bool(settings.get("prune_continuations", False))
    vec = make_sb3_vec_env(
        int(settings["num_envs"]), config=config, seed=int(settings["seed"]), prune_continuations=prune
    )
    return vec, 1


def training_bar(entry: str, scenario: str, total: int, done: int) -> Any:
    """A progress bar of a training's steps (tqdm; shown on a terminal only)."""
    from tqdm import tqdm

    name = os.path.splitext(os.path.basename(os.fspath(scenario)))[0]
    return tqdm(
        total=total, initial=done, unit="step", unit_scale=True, desc=f"training {entry} on {name}", disable=None
    )


def shown_steps(bar: Any) -> Any:
    """An SB3 callback that moves ``bar`` by the steps each call takes (defined here: SB3 is an extra)."""
    from stable_baselines3.common.callbacks import BaseCallback

    class ShownSteps(BaseCallback):
        def _on_step(self) -> bool:
            bar.update(self.training_env.num_envs)
            return True

    return ShownSteps()


def training_record(path: str) -> dict[str, Any] | None:
    """What the training of the policy ``path`` was and cost (``{"entry", "scenario", "env_steps", "seconds",
    "resumed", "settings"}``, written beside it), or None (a policy trained before these records were kept)."""
    record = path + ".json"
    if not os.path.exists(record):
        return None
    with open(record, encoding="utf-8") as handle:
        data: dict[str, Any] = json.load(handle)
    return data


def train_learned(entry: str, scenario: str, path: str, timesteps: int | None = None, seed: int | None = None) -> str:
    """Train ``entry`` on ``scenario`` for ``timesteps`` env-steps (default: its settings file's) from the
    training ``seed`` (default: its settings file's) and keep its policy at ``path``, unless it is there already
    (a resumed run). Returns ``path``. The wall seconds of the training and the settings it used are kept beside
    it (:func:`training_record`; the seconds of the last part only if it resumed from a checkpoint).
    """
    if os.path.exists(path):
        return path
    settings = learned_settings(entry, seed)
    budget = int(settings["timesteps"] if timesteps is None else timesteps)
    resumed = latest_checkpoint(path) is not None
    started = time.perf_counter()
    if entry == "rllib_ppo":
        train_rllib(entry, scenario, path, budget, seed)
    elif entry.startswith("benchmarl_"):
        train_benchmarl(entry, scenario, path, budget, seed)
    else:
        train_sb3(entry, scenario, path, budget, seed)
    record = {"entry": entry, "scenario": scenario, "env_steps": budget, "resumed": resumed, "settings": settings}
    record["seconds"] = time.perf_counter() - started
    with atomic_writer(path + ".json") as handle:
        json.dump(record, handle, indent=1, sort_keys=True)
    return path


def sb3_policy(entry: str, scenario: str, settings: dict[str, Any]) -> tuple[Any, dict[str, Any]]:
    """The policy class and keyword arguments of an SB3 entry: SB3's ``MlpPolicy`` (``net_arch`` hidden layers if
    given), or with ``policy = "structured"`` the coordinator-shaped network of
    :mod:`ticket_triage_marl.integrations.structured` (``structured_hidden`` its width, ``net_arch`` the value's
    layers)."""
    kind = str(settings.get("policy", "mlp"))
    if kind == "mlp":
        return "MlpPolicy", (
            {"policy_kwargs": {"net_arch": list(settings["net_arch"])}} if "net_arch" in settings else {}
        )
    if kind != "structured":
        raise ValueError(f"{entry}: policy must be 'mlp' or 'structured', got {kind!r}")
    if LEARNED[entry] != "coordinator":
        raise ValueError(f"{entry}: the structured policy is the coordinator's; {entry} plays the {LEARNED[entry]} API")
    from .integrations.structured import StructuredCoordinatorPolicy, structured_policy_kwargs

    value_layers = list(settings.get("net_arch", [256, 256]))
    hidden = int(settings.get("structured_hidden", 64))
    kwargs = structured_policy_kwargs(load_config(scenario), hidden=hidden, value_layers=value_layers)
    return StructuredCoordinatorPolicy, {"policy_kwargs": kwargs}


def train_sb3(entry: str, scenario: str, path: str, timesteps: int | None = None, seed: int | None = None) -> str:
    """Train ``entry`` (:func:`learned_vec_env`: ``maskable_ppo`` or ``shared_maskable_ppo``) on ``scenario`` for
    ``timesteps`` env-steps (default: its settings file's) from the training ``seed`` (default: its settings
    file's) and save it to ``path``. Returns ``path``.

    Every ``checkpoint_every`` env-steps (settings file) the model is saved beside ``path`` (SB3's
    ``CheckpointCallback``); a training that was stopped resumes from its latest checkpoint, keeping its
    step count and learning-rate schedule. A resumed training is not bit-identical to an uninterrupted one: the
    environments restart from their training seeds and the rollout in progress is lost. The checkpoints are
    removed once the model is whole."""
    import shutil

    from .extras import require

    sb3_contrib = require("sb3_contrib", "sb3", f"the benchmark's {entry} entry")
    from stable_baselines3.common.callbacks import CheckpointCallback

    settings = learned_settings(entry, seed)
    vec_env, scale = learned_vec_env(entry, scenario, settings)
    budget = int(settings["timesteps"] if timesteps is None else timesteps) * scale  # in SB3 steps
    resume = latest_checkpoint(path)
    if resume is not None:
        model = sb3_contrib.MaskablePPO.load(resume[0], env=vec_env, device="cpu")
        print(f"{entry} on {scenario}: resuming from its checkpoint at {resume[1]:,} of {budget:,} SB3 steps")
    else:
        policy, kwargs = sb3_policy(entry, scenario, settings)
        model = sb3_contrib.MaskablePPO(
            policy, vec_env, n_steps=int(settings["n_steps"]), batch_size=int(settings["batch_size"]),
            gamma=float(settings["gamma"]), learning_rate=float(settings["learning_rate"]),
            ent_coef=float(settings["ent_coef"]), seed=int(settings["seed"]), device="cpu", verbose=0, **kwargs,
        )  # fmt: skip
        if "warm_start_episodes" in settings:  # (a resumed training has it in its checkpoint)
            cloned = clone_rule(model, scenario, settings)
            os.makedirs(os.path.dirname(path) or ".", exist_ok=True)
            with atomic_writer(path + ".warm.json") as handle:
                json.dump(cloned, handle, indent=1, sort_keys=True)
    every = int(settings["checkpoint_every"]) * scale if "checkpoint_every" in settings else budget
    keeper = CheckpointCallback(
        save_freq=max(every // vec_env.num_envs, 1), save_path=checkpoint_dir(path), name_prefix="model"
    )
    with training_bar(entry, scenario, budget, model.num_timesteps) as bar:
        steps = shown_steps(bar)
        model.learn(total_timesteps=budget - model.num_timesteps, callback=[keeper, steps], reset_num_timesteps=False)
    os.makedirs(os.path.dirname(path), exist_ok=True)
    partial = path[: -len(".zip")] + ".partial.zip"
    model.save(partial)
    os.replace(partial, path)  # a model file is whole or absent
    shutil.rmtree(checkpoint_dir(path), ignore_errors=True)
    return path


WARM_START_RULES = ("fifo", "edf", "severity", "cost_rate")
WARM_START_SEED = 100_000  # the rules' episodes of a warm start: training seeds, apart from PPO's (0 ..) and
# the evaluation seeds (1,000,000 ..)


def rule_demonstrations(
    config: Any, rule: str, episodes: int, gamma: float, prune: bool
) -> tuple[float, dict[str, np.ndarray]]:
    """``episodes`` coordinator episodes of ``rule`` on the training seeds :data:`WARM_START_SEED` + k: its mean
    return, and every decision (observation, mask as the learner sees it, action, discounted return to go). A
    rule's ASSIGN that only continues an engineer's own ticket is NOOP in effect; with ``prune`` its mask leaves
    it out, so the decision is kept as NOOP."""
    from .baselines import coordinator_action_from, make_policy
    from .envs.coordinator import TicketTriageEnv
    from .integrations.sb3 import current_slots, without_continuations

    env = TicketTriageEnv(config=config)
    columns: dict[str, list[Any]] = {"obs": [], "mask": [], "action": [], "return": []}
    totals = []
    for episode in range(episodes):
        policy = make_policy(rule, seed=WARM_START_SEED + episode)
        obs, _ = env.reset(seed=WARM_START_SEED + episode)
        rewards, done = [], False
        while not done:
            base: Any = env.unwrapped
            mask = base.action_masks()
            if prune:
                mask = without_continuations(mask[None], current_slots(base.sim)[:1])[0]
            action = coordinator_action_from(policy, env)
            columns["obs"].append(obs)
            columns["mask"].append(mask)
            columns["action"].append(action if mask[action] else 0)
            obs, reward, terminated, truncated, _ = env.step(action)
            rewards.append(float(reward))
            done = terminated or truncated
        to_go, running = np.empty(len(rewards)), 0.0
        for t in range(len(rewards) - 1, -1, -1):
            running = rewards[t] + gamma * running
            to_go[t] = running
        columns["return"].extend(to_go)
        totals.append(sum(rewards))
    data = {
        "obs": np.asarray(columns["obs"], dtype=np.float32),
        "mask": np.asarray(columns["mask"], dtype=np.bool_),
        "action": np.asarray(columns["action"], dtype=np.int64),
        "return": np.asarray(columns["return"], dtype=np.float32),
    }
    return float(np.mean(totals)), data


def clone_rule(model: Any, scenario: str, settings: dict[str, Any]) -> dict[str, Any]:
    """Warm start (behaviour cloning): play each rule of :data:`WARM_START_RULES` for ``warm_start_episodes``
    episodes on training seeds, keep the best one's decisions, and fit ``model``'s policy to them (masked
    cross-entropy) and its value to their discounted returns to go, ``warm_start_epochs`` passes of minibatches
    of 512, Adam at ``warm_start_lr``. Returns what it did: the rule, its mean return, each rule's, the
    decisions and the share of them the fitted policy's most likely allowed action matches."""
    import torch

    config = load_config(scenario)
    prune = bool(settings.get("prune_continuations", False))
    episodes, gamma = int(settings["warm_start_episodes"]), float(settings["gamma"])
    means, best = {}, None
    for rule in WARM_START_RULES:
        means[rule], data = rule_demonstrations(config, rule, episodes, gamma, prune)
        if best is None or means[rule] > means[best[0]]:
            best = (rule, data)
    assert best is not None
    rule, data = best
    policy = model.policy
    optimizer = torch.optim.Adam(policy.parameters(), lr=float(settings["warm_start_lr"]))
    obs, masks = torch.as_tensor(data["obs"]), data["mask"]
    actions, returns = torch.as_tensor(data["action"]), torch.as_tensor(data["return"])
    generator = np.random.default_rng(int(settings["seed"]))
    policy.set_training_mode(True)
    for _ in range(int(settings["warm_start_epochs"])):
        order = generator.permutation(len(actions))
        for start in range(0, len(order), 512):
            batch = order[start : start + 512]
            values, log_prob, _ = policy.evaluate_actions(obs[batch], actions[batch], action_masks=masks[batch])
            loss = -log_prob.mean() + 0.5 * torch.nn.functional.mse_loss(values.flatten(), returns[batch])
            optimizer.zero_grad()
            loss.backward()
            optimizer.step()
    policy.set_training_mode(False)
    with torch.no_grad():
        logits = policy.get_distribution(obs).distribution.logits.numpy()
    chosen = np.where(masks, logits, -np.inf).argmax(axis=1)
    matched = float((chosen == data["action"]).mean())
    print(f"warm start on {scenario}: {rule}'s {len(actions):,} decisions, the fitted policy matches {matched:.1%}")
    return {"rule": rule, "rule_returns": means, "decisions": len(actions), "matched": matched}


def train_rllib(entry: str, scenario: str, path: str, timesteps: int | None = None, seed: int | None = None) -> str:
    """Train ``rllib_ppo`` (RLlib's PPO on the multi-agent env, the settings of its ``ppo_file``, one policy
    shared by every engineer, masked) on ``scenario`` until ``timesteps`` env-steps are sampled, then keep its
    policy module (an RLModule checkpoint directory) at ``path``. Every ``checkpoint_every`` env-steps the whole
    algorithm is saved beside ``path``; a training that was stopped resumes from its latest checkpoint (not
    bit-identically: the environments restart). Starts a local Ray if none is running. ``seed``: the training
    seed (default: its settings file's)."""
    import shutil

    from .extras import require

    ray = require("ray", "rllib", f"the benchmark's {entry} entry")
    from .integrations.rllib import SHARED_POLICY, build_algorithm, ppo_config

    settings = learned_settings(entry, seed)
    budget = int(settings["timesteps"] if timesteps is None else timesteps)
    every = int(settings.get("checkpoint_every", budget))
    started_here = not ray.is_initialized()
    if started_here:
        ray.init(include_dashboard=False, log_to_driver=False)
    try:
        config = ppo_config(
            SCENARIO_DIR / str(settings["ppo_file"]),
            env_config=load_config(scenario).to_dict(),
            seed=int(settings["seed"]),
        )
        algo = build_algorithm(config, results=os.path.join(os.path.dirname(path), "ray_results"))
        sampled = 0
        resume = latest_checkpoint(path)
        if resume is not None:
            algo.restore_from_path(os.path.abspath(resume[0]))
            sampled = resume[1]
            print(f"{entry} on {scenario}: resuming from its checkpoint at {sampled:,} of {budget:,} env-steps")
        saved = sampled
        with training_bar(entry, scenario, budget, sampled) as bar:
            while sampled < budget:
                result = algo.train()
                steps = int(result["env_runners"]["num_env_steps_sampled"])
                sampled += steps
                bar.update(steps)
                if sampled - saved >= every and sampled < budget:
                    algo.save_to_path(os.path.abspath(os.path.join(checkpoint_dir(path), f"model_{sampled}_steps")))
                    saved = sampled
        partial = path + ".partial"
        shutil.rmtree(partial, ignore_errors=True)
        algo.get_module(SHARED_POLICY).save_to_path(os.path.abspath(partial))
        os.replace(partial, path)  # a model directory is whole or absent
        algo.stop()
    finally:
        if started_here:
            ray.shutdown()
    shutil.rmtree(checkpoint_dir(path), ignore_errors=True)
    return path


def trained_settings(entry: str, path: str) -> dict[str, Any]:
    """The settings the policy ``path`` was trained with (its training record's), else its settings file's."""
    record = training_record(path)
    return record["settings"] if record is not None and "settings" in record else learned_settings(entry)


def play_rng(entry: str, path: str, seed: int | None) -> np.random.Generator | None:
    """How a learned policy picks its action: None for its most likely allowed action (``play = "greedy"`` in
    the settings it was trained with), else a generator for sampling from its masked distribution (``"sampled"``),
    seeded by the episode's seed so that an evaluation repeats exactly."""
    play = trained_settings(entry, path).get("play", "greedy")
    if play not in ("greedy", "sampled"):
        raise ValueError(f"{entry}: play must be 'greedy' or 'sampled', got {play!r}")
    return None if play == "greedy" else np.random.default_rng([0 if seed is None else int(seed), 0x91A7])


def pick_actions(logits: np.ndarray, masks: np.ndarray, rng: np.random.Generator | None) -> np.ndarray:
    """One action per row of ``logits`` ``(E, A)`` among those ``masks`` allows: the most likely one (``rng``
    None), or one drawn from the masked softmax."""
    masked = np.where(np.asarray(masks, dtype=bool), np.asarray(logits, dtype=np.float64), -np.inf)
    if rng is None:
        return masked.argmax(axis=-1)
    probabilities = np.exp(masked - masked.max(axis=-1, keepdims=True))
    probabilities /= probabilities.sum(axis=-1, keepdims=True)
    return np.array([rng.choice(len(row), p=row) for row in probabilities], dtype=np.int64)


class RLlibPolicy:
    """A trained RLlib policy module as a policy of the parallel env: each engineer's action (:func:`pick_actions`)
    from its own observation (the module masks its logits)."""

    def __init__(self, entry: str, path: str, seed: int | None = None) -> None:
        from .extras import require

        require("ray.rllib", "rllib", f"the benchmark's {entry} entry")
        from ray.rllib.core.rl_module.rl_module import RLModule

        self.name = entry
        self.module = RLModule.from_checkpoint(os.path.abspath(path))
        self.rng = play_rng(entry, path, seed)

    def priority(self, snapshot: dict) -> list[int]:  # a Policy; unused: the module chooses actions itself
        return []

    def agent_actions(self, env: Any, observations: dict | None = None, snapshot: dict | None = None) -> dict[str, int]:
        """Every live engineer's action in the parallel ``env`` (``observations``: the last ones the env gave; None
        reads them from the env's state)."""
        import torch
        from ray.rllib.core.columns import Columns

        base = env.unwrapped
        agents = list(base.agents)
        if observations is None:
            observations = {agent: base.observe(agent) for agent in agents}
        batch = {
            "observations": torch.as_tensor(np.stack([observations[agent]["observation"] for agent in agents])),
            "action_mask": torch.as_tensor(
                np.stack([observations[agent]["action_mask"] for agent in agents]).astype(np.float32)
            ),
        }
        with torch.no_grad():
            logits = self.module.forward_inference({Columns.OBS: batch})[Columns.ACTION_DIST_INPUTS]
        actions = pick_actions(logits.numpy(), batch["action_mask"].numpy() > 0, self.rng)
        return {agent: int(action) for agent, action in zip(agents, actions, strict=True)}


class LearnedPolicy:
    """A trained model as a policy: its deterministic, masked action on the env's observation (the coordinator's;
    in the parallel env, each engineer's flat observation, as SuperSuit gave it in training)."""

    def __init__(self, entry: str, path: str, seed: int | None = None) -> None:
        from .extras import require

        sb3_contrib = require("sb3_contrib", "sb3", f"the benchmark's {entry} entry")
        self.name = entry
        self.model = sb3_contrib.MaskablePPO.load(path, device="cpu")
        self.rng = play_rng(entry, path, seed)
        self.prune_continuations = bool(trained_settings(entry, path).get("prune_continuations", False))

    def priority(self, snapshot: dict) -> list[int]:  # a Policy; unused: the model chooses actions itself
        return []

    def coordinator_action(self, env: Any, snapshot: dict | None = None) -> int:
        base = env.unwrapped
        masks = base.action_masks()
        if self.prune_continuations:  # as in training (integrations.sb3.without_continuations)
            from .integrations.sb3 import current_slots, without_continuations

            masks = without_continuations(masks[None], current_slots(base.sim)[:1])[0]
        return int(self._pick(base.sim.coordinator_observations[:1], masks[None])[0])

    def agent_actions(self, env: Any, observations: dict | None = None, snapshot: dict | None = None) -> dict[str, int]:
        """Every live engineer's action in the parallel ``env`` from its observation (``observations``: the
        last ones the env gave; None reads them from the env's state)."""
        from .envs.wrappers import FlatObservationWrapper

        base = env.unwrapped
        agents = list(base.agents)
        if observations is None:
            observations = {agent: base.observe(agent) for agent in agents}
        flat = np.stack([FlatObservationWrapper._flatten(observations[agent]) for agent in agents])
        masks = np.stack([np.asarray(observations[agent]["action_mask"], dtype=bool) for agent in agents])
        actions = self._pick(flat, masks)
        return {agent: int(action) for agent, action in zip(agents, actions, strict=True)}

    def _pick(self, observations: np.ndarray, masks: np.ndarray) -> np.ndarray:
        """The model's actions for a batch of observations: :func:`pick_actions` on its masked logits."""
        if self.rng is None:
            actions, _ = self.model.predict(observations, deterministic=True, action_masks=masks)
            return np.asarray(actions, dtype=np.int64).reshape(-1)
        import torch

        with torch.no_grad():
            tensor, _ = self.model.policy.obs_to_tensor(observations)
            logits = self.model.policy.get_distribution(tensor).distribution.logits.numpy()
        return pick_actions(logits, masks, self.rng)


def benchmarl_experiment(entry: str, scenario: str, settings: dict[str, Any], path: str, budget: int) -> Any:
    """The BenchMARL experiment of ``benchmarl_mappo`` / ``benchmarl_ippo`` on ``scenario`` for the policy
    ``path``: its settings file's batch, learning rate and MLP, ``budget`` frames (env-steps of the batch), logs
    and checkpoints under :func:`checkpoint_dir` (every ``checkpoint_every`` frames), restored from the latest
    checkpoint there if there is one."""
    import torch
    from benchmarl.algorithms import IppoConfig, MappoConfig
    from benchmarl.experiment import Experiment, ExperimentConfig
    from benchmarl.models.mlp import MlpConfig

    from .config import scenario_path
    from .integrations.benchmarl import ticket_triage_task

    torch.set_num_threads(1)  # numba's and torch's thread pools fight on few cores (examples/benchmarl_mappo.py)
    n_envs = int(settings["num_envs"])
    frames = max(n_envs, int(settings["frames_per_batch"]) // n_envs * n_envs)  # whole batches of envs
    experiment_config = ExperimentConfig.get_from_yaml()
    experiment_config.sampling_device = experiment_config.train_device = experiment_config.buffer_device = "cpu"
    experiment_config.max_n_frames = budget
    experiment_config.on_policy_n_envs_per_worker = n_envs
    experiment_config.on_policy_collected_frames_per_batch = frames
    experiment_config.on_policy_minibatch_size = min(int(settings["minibatch_size"]), frames)
    experiment_config.on_policy_n_minibatch_iters = int(settings["minibatch_iters"])
    experiment_config.lr = float(settings["learning_rate"])
    experiment_config.gamma = float(settings["gamma"])
    experiment_config.evaluation = False
    experiment_config.render = False
    experiment_config.loggers = ["csv"]
    experiment_config.create_json = False
    experiment_config.save_folder = os.path.abspath(checkpoint_dir(path))
    every = int(settings.get("checkpoint_every", 0))
    experiment_config.checkpoint_interval = max(every // frames, 1) * frames if every else 0
    experiment_config.checkpoint_at_end = False
    experiment_config.keep_checkpoints_num = 1
    resume = latest_checkpoint(path)
    experiment_config.restore_file = resume[0] if resume is not None else None
    algorithm = (MappoConfig if entry == "benchmarl_mappo" else IppoConfig).get_from_yaml()
    model = MlpConfig.get_from_yaml()
    model.num_cells = [int(width) for width in settings["num_cells"]]
    return Experiment(
        task=ticket_triage_task("default", config_file=scenario_path(scenario)),
        algorithm_config=algorithm,
        model_config=model,
        critic_model_config=model,
        seed=int(settings["seed"]),
        config=experiment_config,
    )


def train_benchmarl(entry: str, scenario: str, path: str, timesteps: int | None = None, seed: int | None = None) -> str:
    """Train ``benchmarl_mappo`` or ``benchmarl_ippo`` (:func:`benchmarl_experiment`) for ``timesteps`` env-steps
    and keep its policy (the whole masked actor, pickled by torch) at ``path``. BenchMARL checkpoints the run every
    ``checkpoint_every`` env-steps beside ``path``; a stopped training resumes from there (BenchMARL's
    ``restore_file``), and the checkpoints are removed once the policy is kept. ``seed``: the training seed
    (default: its settings file's)."""
    import shutil

    from .extras import require

    require("benchmarl", "torchrl", f"the benchmark's {entry} entry")
    import torch

    settings = learned_settings(entry, seed)
    budget = int(settings["timesteps"] if timesteps is None else timesteps)
    os.makedirs(checkpoint_dir(path), exist_ok=True)
    resume = latest_checkpoint(path)
    if resume is not None:
        print(f"{entry} on {scenario}: resuming from its checkpoint at {resume[1]:,} of {budget:,} env-steps")
    experiment = benchmarl_experiment(entry, scenario, settings, path, budget)
    experiment.run()
    partial = path + ".partial"
    torch.save(experiment.policy, partial)
    os.replace(partial, path)  # a policy file is whole or absent
    shutil.rmtree(checkpoint_dir(path), ignore_errors=True)
    return path


class BenchmarlPolicy:
    """A trained BenchMARL policy (its masked actor) as a policy of the parallel env: each engineer's most
    likely allowed action from its own observation, as the native TorchRL env gave them in training."""

    def __init__(self, entry: str, path: str, seed: int | None = None) -> None:
        from .extras import require

        require("benchmarl", "torchrl", f"the benchmark's {entry} entry")
        import torch

        self.name = entry
        self.policy = torch.load(path, weights_only=False)  # our own file, written by train_benchmarl
        self.rng = play_rng(entry, path, seed)

    def priority(self, snapshot: dict) -> list[int]:  # a Policy; unused: the actor chooses actions itself
        return []

    def agent_actions(self, env: Any, observations: dict | None = None, snapshot: dict | None = None) -> dict[str, int]:
        """Every live engineer's greedy action in the parallel ``env``: the TorchRL env's layout for one env
        (``("engineer", "observation")``, ``("engineer", "action_mask")``)."""
        import torch
        from tensordict import TensorDict
        from torchrl.envs.utils import ExplorationType, set_exploration_type

        base = env.unwrapped
        agents = list(base.agents)
        if observations is None:
            observations = {agent: base.observe(agent) for agent in agents}
        engineer = TensorDict(
            {
                "observation": torch.as_tensor(np.stack([observations[a]["observation"] for a in agents]))[None],
                "action_mask": torch.as_tensor(
                    np.stack([observations[a]["action_mask"] for a in agents]).astype(np.bool_)
                )[None],
            },
            batch_size=(1, len(agents)),
        )
        batch = TensorDict({"engineer": engineer}, batch_size=(1,))  # the actor reads only these
        with torch.no_grad(), set_exploration_type(ExplorationType.DETERMINISTIC):
            logits = self.policy(batch).get(("engineer", "logits"))[0].numpy()
        actions = pick_actions(logits, engineer.get("action_mask")[0].numpy(), self.rng)
        return {agent: int(action) for agent, action in zip(agents, actions, strict=True)}


def learned_policy(entry: str, path: str, seed: int | None = None) -> Any:
    """The trained policy of ``entry`` kept at ``path``, as a policy of :mod:`ticket_triage_marl.baselines`, for
    an episode from ``seed`` (the seed of its sampled play, :func:`play_rng`)."""
    if entry == "rllib_ppo":
        return RLlibPolicy(entry, path, seed)
    if entry.startswith("benchmarl_"):
        return BenchmarlPolicy(entry, path, seed)
    return LearnedPolicy(entry, path, seed)
