"""BenchMARL MAPPO (or IPPO) with action masks on the native batched TorchRL env, evaluated on
common seeds next to the project's baselines (random, EDF, cost-rate).

    python examples/benchmarl_mappo.py [--algorithm mappo|ippo] [--config FILE] [--max-frames N]
                                       [--out DIR] [--eval-seeds 20] [--num-envs 60]

Every output (BenchMARL's CSV logs and JSON) goes under ``--out`` (default: a temporary folder
removed at the end), never the working directory. The learned policy plays greedily and sampled
from its masked distribution on ``--eval-seeds`` seeds (``1000 + i``), every baseline on the same
seeds through ``parallel_env``: the same ticket streams (environment ``i`` of the native env is
bit-identical to a parallel env reset with ``1000 + i``). Prints the training frames per second
and the returns with 95% CIs (and paired differences).
"""

from __future__ import annotations

import argparse
import tempfile
import time
from pathlib import Path

import numpy as np

import ticket_triage_marl as ttm
from ticket_triage_marl.baselines import agent_actions_from, make_policy
from ticket_triage_marl.evaluation import mean_ci95, team_reward

EVAL_SEED = 1000


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--algorithm", choices=["mappo", "ippo"], default="mappo")
    parser.add_argument("--config", metavar="FILE", default=None, help="scenario file (default configs/default.toml)")
    parser.add_argument(
        "--max-frames", type=int, default=600_000, help="training frames (env-steps of the batch; default 600000)"
    )
    parser.add_argument("--num-envs", type=int, default=60, help="environments collected in one batch")
    parser.add_argument("--frames-per-batch", type=int, default=12_000, help="frames collected per iteration")
    parser.add_argument("--eval-seeds", type=int, default=20)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--out", metavar="DIR", default=None, help="output folder (default: a temporary one)")
    return parser.parse_args(argv)


def build_experiment(args: argparse.Namespace, folder: Path):
    import torch
    from benchmarl.algorithms import IppoConfig, MappoConfig
    from benchmarl.experiment import Experiment, ExperimentConfig
    from benchmarl.models.mlp import MlpConfig

    from ticket_triage_marl.integrations.benchmarl import ticket_triage_task

    # numba's and torch's OpenMP pools are separate: on few cores both spinning slows the engine 10x+
    torch.set_num_threads(1)
    task = ticket_triage_task("default", config_file=args.config)
    experiment_config = ExperimentConfig.get_from_yaml()
    experiment_config.sampling_device = experiment_config.train_device = experiment_config.buffer_device = "cpu"
    experiment_config.max_n_frames = args.max_frames
    experiment_config.on_policy_n_envs_per_worker = args.num_envs
    # a multiple of the number of envs, or batches overshoot and evaluation intervals are never hit
    frames = max(args.num_envs, args.frames_per_batch // args.num_envs * args.num_envs)
    experiment_config.on_policy_collected_frames_per_batch = frames
    experiment_config.on_policy_minibatch_size = min(4000, frames)
    experiment_config.on_policy_n_minibatch_iters = 8
    experiment_config.lr = 3e-4
    experiment_config.evaluation = False
    experiment_config.render = False
    experiment_config.loggers = ["csv"]
    experiment_config.create_json = True
    experiment_config.save_folder = str(folder)
    experiment_config.checkpoint_at_end = False
    algorithm = (MappoConfig if args.algorithm == "mappo" else IppoConfig).get_from_yaml()
    model = MlpConfig.get_from_yaml()
    model.num_cells = [128, 128]
    return Experiment(
        task=task,
        algorithm_config=algorithm,
        model_config=model,
        critic_model_config=model,
        seed=args.seed,
        config=experiment_config,
    )


def learned_returns(experiment, config: ttm.EnvConfig, n_seeds: int, greedy: bool = True) -> np.ndarray:
    """Returns of the trained policy (greedy: its most likely action; else sampled from its masked
    distribution), environment ``i`` on seed ``EVAL_SEED + i``."""
    import torch
    from torchrl.envs.utils import ExplorationType, set_exploration_type

    from ticket_triage_marl.integrations.torchrl import TicketTriageTorchRLEnv

    env = TicketTriageTorchRLEnv(num_envs=n_seeds, config=config, seed=EVAL_SEED)
    torch.manual_seed(EVAL_SEED)
    exploration = ExplorationType.DETERMINISTIC if greedy else ExplorationType.RANDOM
    with torch.no_grad(), set_exploration_type(exploration):
        rollout = env.rollout(config.horizon, policy=experiment.policy, break_when_any_done=False)
    rewards = rollout["next", "engineer", "reward"][..., 0].numpy().astype(np.float64)  # (N, T, E)
    per_step = rewards[..., 0] if config.reward_mode == "team" else rewards.sum(-1)
    invalid = rollout["next", "engineer", "info", "invalid_action"].float().mean().item()
    noop = (rollout["engineer", "action"] == 0).float().mean().item()
    mode = "greedy" if greedy else "sampled"
    print(f"learned ({mode}): {invalid:.1%} of actions invalid (applied as NOOP), {noop:.1%} NOOP chosen")
    return per_step.sum(axis=1)


def baseline_returns(name: str, config: ttm.EnvConfig, n_seeds: int) -> np.ndarray:
    """Returns of a baseline on the parallel env, seeds ``EVAL_SEED + i``."""
    returns = []
    for index in range(n_seeds):
        env = ttm.parallel_env(config=config)
        policy = make_policy(name, seed=EVAL_SEED + index)
        observations, _ = env.reset(seed=EVAL_SEED + index)
        total = 0.0
        while env.agents:
            actions = agent_actions_from(policy, env, observations)
            observations, rewards, _, _, _ = env.step(actions)
            total += team_reward("parallel", config, rewards)
        returns.append(total)
    return np.array(returns)


def main(argv: list[str] | None = None) -> dict:
    args = parse_args(argv)
    from ticket_triage_marl.integrations.benchmarl import CONFIG_DIR

    config = ttm.load_config(args.config or str(CONFIG_DIR / "default.toml"))  # what the task loads
    with tempfile.TemporaryDirectory(prefix="benchmarl_") as temporary:
        folder = Path(args.out) if args.out else Path(temporary)
        folder.mkdir(parents=True, exist_ok=True)
        experiment = build_experiment(args, folder)
        start = time.perf_counter()
        experiment.run()
        seconds = time.perf_counter() - start
        frames = experiment.total_frames
        results = {
            "greedy": learned_returns(experiment, config, args.eval_seeds, greedy=True),
            "sampled": learned_returns(experiment, config, args.eval_seeds, greedy=False),
        }
    for name in ("random", "edf", "cost_rate"):
        results[name] = baseline_returns(name, config, args.eval_seeds)
    print(f"{args.algorithm}: {frames} frames in {seconds:.1f} s = {frames / seconds:,.0f} frames/s (training)")
    print(f"return on seeds {EVAL_SEED}..{EVAL_SEED + args.eval_seeds - 1} (mean ± 95% CI):")
    summary = {"algorithm": args.algorithm, "frames": frames, "seconds": seconds}
    # the learned policy's best mode against each baseline, paired on the seeds
    best = max(("greedy", "sampled"), key=lambda mode: results[mode].mean())
    for name, values in results.items():
        mean, half = mean_ci95(values)
        learned = name in ("greedy", "sampled")
        label = f"learned ({name})" if learned else name
        note = ""
        if not learned:
            paired_mean, paired_half = mean_ci95(results[best] - values)
            note = f"   {best} - {name}: {paired_mean:+.2f} ± {paired_half:.2f}"
        print(f"  {label:<18} {mean:8.2f} ± {half:.2f}{note}")
        summary[name] = {"mean": mean, "ci95": half}
    return summary


if __name__ == "__main__":
    main()
