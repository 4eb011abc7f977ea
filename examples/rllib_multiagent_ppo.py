"""Multi-agent PPO with RLlib (new API stack): shared or per-engineer policies, action masking, central critic.

    python examples/rllib_multiagent_ppo.py [--config configs/rllib/ppo_shared.toml]
                                            [--policy shared|per_engineer] [--central-critic]
                                            [--iterations 10] [--num-env-runners 0] [--address ADDRESS]
                                            [--seed 0] [--eval-seeds 5] [--results-dir DIR]

Every engineer is an RLlib agent of ``TicketTriageMultiAgentEnv`` (registered as
``"ticket_triage_marl/MultiAgent-v0"``) and acts through the project's masking
RLModule, which never picks an action its mask forbids.

- ``--policy shared``: one policy drives every engineer (parameter sharing);
  ``--policy per_engineer``: policy ``engineer_i`` for engineer ``i``.
- ``--central-critic``: the critic reads the global state (hidden ticket
  attributes included) instead of the engineer's observation; the actors still
  act on their own observations (centralized training, decentralized execution).
- ``--num-env-runners N``: N remote env runners (Ray actors) sample in parallel;
  0 samples in this process.
- ``--address``: connect to a running Ray cluster (``auto`` or ``HOST:6379``)
  instead of starting a local one; the package must be installed on every
  node. Ray 2.60 turns token authentication on for clusters started with
  ``ray start --head``: ``auto`` picks the token up, an explicit ``HOST:6379``
  needs ``RAY_AUTH_MODE=token`` in the environment. ``ray://HOST:10001`` (Ray
  Client) needs ``ray[client]``, which the extra does not install.

Runs repeat exactly with ``PYTHONHASHSEED`` fixed (RLlib batches a step's
agents in the order of a set of their ids). Each iteration prints the team's mean episode return (RLlib sums the returns of
the engineers; with the team reward each engineer receives the whole team
reward, so the sum is divided by the team size) and the env steps so far. Then
the trained policy plays one episode per seed on seeds 0..eval_seeds-1 (greedy:
the most likely allowed action), next to a random valid policy and the
earliest-deadline-first heuristic on the same seeds (common random numbers).
Training episodes come from other seeds (10000 + seed + env runner index).

Ray's temp files and the algorithm's log folder go to ``--results-dir`` (a fresh
temp dir by default), not ``/tmp/ray`` and ``~/ray_results``.

Needs the RLlib extra: ``pip install torch==2.13.0 && pip install "ticket_triage_marl[rllib]"``.
"""

from __future__ import annotations

import argparse
import os
import tempfile
import time
from pathlib import Path

import numpy as np

import ticket_triage_marl as ttm
from ticket_triage_marl.baselines import agent_actions_from, make_policy
from ticket_triage_marl.evaluation import mean_ci95
from ticket_triage_marl.integrations import RLLIB_INSTALL_HINT, MissingExtraError, require

DEFAULT_CONFIG = Path(__file__).resolve().parent.parent / "configs" / "rllib" / "ppo_shared.toml"
TRAINING_SEED_OFFSET = 10_000  # training episodes never use the evaluation seeds 0..N-1


def team_reward(rewards: dict[str, float], config: ttm.EnvConfig) -> float:
    """The step's team reward: every engineer's reward in team mode, their sum in individual mode."""
    if config.reward_mode == "team":
        return next(iter(rewards.values()))
    return sum(rewards.values())


def play_trained(algo, env_config: dict, seed: int) -> tuple[float, int, int]:
    """One episode, every engineer acting greedily with its trained policy."""
    from ticket_triage_marl.integrations.rllib import TicketTriageMultiAgentEnv, greedy_actions

    env = TicketTriageMultiAgentEnv(env_config)
    observations, _ = env.reset(seed=seed)
    total, done = 0.0, False
    while not done:
        observations, rewards, _, truncateds, _ = env.step(greedy_actions(algo, observations))
        total += team_reward(rewards, env.config)
        done = truncateds["__all__"]
    counters = env.snapshot()["counters"]
    return total, counters["resolved"], counters["breaches"]


def play_heuristic(name: str, config: ttm.EnvConfig, seed: int) -> tuple[float, int, int]:
    par = ttm.parallel_env(config=config)
    observations, _ = par.reset(seed=seed)
    policy = make_policy(name, seed=seed)
    total = 0.0
    while par.agents:
        observations, rewards, _, _, _ = par.step(agent_actions_from(policy, par, observations))
        total += team_reward(rewards, config)
    counters = par.snapshot()["counters"]
    return total, counters["resolved"], counters["breaches"]


def summary(name: str, results: list[tuple[float, int, int]]) -> str:
    values = np.asarray(results, dtype=np.float64)
    mean, half = mean_ci95(values[:, 0])
    return f"{name:<28} {mean:7.2f} ± {half:5.2f}  {values[:, 1].mean():8.1f}  {values[:, 2].mean():8.1f}"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--config", default=str(DEFAULT_CONFIG), help="a configs/rllib/*.toml file")
    parser.add_argument("--policy", choices=("shared", "per_engineer"), help="overrides the file's policy")
    parser.add_argument("--central-critic", action="store_true", help="critic on the global state")
    parser.add_argument("--iterations", type=int, default=10, help="algo.train() calls")
    parser.add_argument("--num-env-runners", type=int, default=0, help="remote env runners (0: sample in-process)")
    parser.add_argument("--address", help="a running Ray cluster: auto or HOST:PORT")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--eval-seeds", type=int, default=5, help="evaluate on seeds 0..N-1")
    parser.add_argument("--results-dir", help="Ray temp files and the log folder (default: a fresh temp dir)")
    args = parser.parse_args()

    try:
        require("ray.rllib", "this example", hint=RLLIB_INSTALL_HINT)
    except MissingExtraError as error:
        raise SystemExit(str(error)) from None
    import ray

    from ticket_triage_marl.integrations.rllib import (
        TicketTriageMultiAgentEnv,
        build_algorithm,
        ppo_config,
        team_return,
    )

    results_dir = Path(args.results_dir or tempfile.mkdtemp(prefix="ttm-rllib-")).resolve()
    results_dir.mkdir(parents=True, exist_ok=True)
    start = time.perf_counter()
    if args.address is None:
        # A local cluster: its session files under results_dir (Ray's sockets need a short path).
        os.environ.setdefault("RAY_TMPDIR", str(results_dir / "ray"))
        ray.init(include_dashboard=False)
    else:
        ray.init(address=args.address)
    print(f"Ray {ray.__version__}: {ray.cluster_resources().get('CPU', 0):.0f} CPUs; results in {results_dir}")

    config = ppo_config(
        args.config,
        policy=args.policy,
        central_critic=True if args.central_critic else None,
        num_env_runners=args.num_env_runners,
        seed=TRAINING_SEED_OFFSET + args.seed,
    )
    env_config = dict(config.env_config)
    env_settings = TicketTriageMultiAgentEnv(env_config).config
    policies = sorted(config.policies)
    print(
        f"{Path(args.config).name}: policies {policies}, central critic {env_config['central_critic']}, "
        f"{args.num_env_runners} remote env runner(s), {config.train_batch_size_per_learner} env steps per iteration"
    )
    algo = build_algorithm(config, results=results_dir / "ray_results")
    print(f"built in {time.perf_counter() - start:.1f} s")

    print(f"\n{'iter':>4}  {'team return':>11}  {'episodes':>8}  {'env steps':>9}  {'time':>6}")
    for _ in range(args.iterations):
        result = algo.train()
        runners = result["env_runners"]
        print(
            f"{result['training_iteration']:>4}  {team_return(result, env_settings):11.2f}  "
            f"{int(runners.get('num_episodes_lifetime', 0)):>8}  {result['num_env_steps_sampled_lifetime']:>9.0f}  "
            f"{result['time_total_s']:5.1f}s"
        )
    trained_at = time.perf_counter()

    seeds = list(range(args.eval_seeds))
    print(f"\nOne episode per seed on seeds 0..{len(seeds) - 1}; team return mean ± 95% CI.")
    print(f"{'policy':<28} {'return':>15}  {'resolved':>8}  {'breaches':>8}")
    label = f"PPO {'+'.join(policies) if len(policies) == 1 else 'per engineer'}"
    label += " (central critic)" if env_config["central_critic"] else ""
    print(summary(label, [play_trained(algo, env_config, seed) for seed in seeds]))
    for name in ("random", "edf"):
        print(summary(name, [play_heuristic(name, env_settings, seed) for seed in seeds]))
    print(
        f"\ntraining {trained_at - start:.1f} s (Ray start and build included), "
        f"evaluation {time.perf_counter() - trained_at:.1f} s"
    )
    algo.stop()
    ray.shutdown()


if __name__ == "__main__":
    main()
