"""Train Stable-Baselines3 PPO, then sb3-contrib MaskablePPO, on the coordinator env.

    python examples/sb3_ppo_coordinator.py [--ppo-timesteps 10000] [--timesteps 1000000]
                                           [--num-envs 64] [--seed 0] [--eval-seeds 20]

1. ``PPO("MlpPolicy", TicketTriageEnv())``, exactly as the seed's README:
   one env, no action masks (a forbidden action is a counted no-op).
2. ``MaskablePPO("MlpPolicy", make_sb3_vec_env(num_envs), gamma=0.995)``: the
   batched coordinator (one compiled call steps every env) with the exact masks.

Then both policies (deterministic actions, masks for MaskablePPO) and the
heuristic baselines play one episode on each of the seeds 0..eval_seeds-1
(common random numbers: every policy meets the same tickets). About 1.5
minutes on 2 CPU cores with the defaults. The README's 10k steps of unmasked
PPO only score about random; MaskablePPO with 1M steps lands between EDF and
cost-rate (``docs/learning_results.md``).

Needs the training extra: ``pip install torch==2.13.0 && pip install "ticket_triage_marl[sb3]"``.
"""

from __future__ import annotations

import argparse
import time

import numpy as np

import ticket_triage_marl as ttm
from ticket_triage_marl.baselines import coordinator_action_from, make_policy
from ticket_triage_marl.evaluation import mean_ci95
from ticket_triage_marl.integrations import MissingExtraError, require

BASELINES = ("random", "fifo", "edf", "cost_rate")


def play(env: ttm.TicketTriageEnv, choose, seed: int) -> tuple[float, int, int]:
    """One full episode from ``reset(seed=seed)``; returns (return, resolved, breaches)."""
    obs, info = env.reset(seed=seed)
    total, truncated = 0.0, False
    while not truncated:
        obs, reward, _, truncated, info = env.step(choose(obs))
        total += reward
    return total, info["total_resolved"], info["total_breaches"]


def evaluate(name: str, env: ttm.TicketTriageEnv, make_choose, seeds: list[int]) -> str:
    results = np.array([play(env, make_choose(seed), seed) for seed in seeds], dtype=np.float64)
    mean, half = mean_ci95(results[:, 0])
    return f"{name:<22} {mean:7.2f} ± {half:5.2f}  {results[:, 1].mean():6.1f}  {results[:, 2].mean():6.1f}"


def baseline(name: str, env: ttm.TicketTriageEnv):
    """``seed -> (obs -> action)`` for a heuristic of :mod:`ticket_triage_marl.baselines` (random seeded per episode)."""

    def make_choose(seed: int):
        policy = make_policy(name, seed=seed)
        return lambda obs: coordinator_action_from(policy, env)

    return make_choose


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--ppo-timesteps", type=int, default=10_000, help="PPO on one env (the README's 10000)")
    parser.add_argument("--timesteps", type=int, default=1_000_000, help="MaskablePPO on the batched env")
    parser.add_argument("--num-envs", type=int, default=64, help="environments in the batched env")
    parser.add_argument("--seed", type=int, default=0, help="seed of both trainings")
    parser.add_argument("--eval-seeds", type=int, default=20, help="evaluate on seeds 0..N-1")
    args = parser.parse_args()

    try:
        stable_baselines3 = require("stable_baselines3", "this example")
        sb3_contrib = require("sb3_contrib", "MaskablePPO")
    except MissingExtraError as error:
        raise SystemExit(str(error)) from None
    from ticket_triage_marl.integrations import make_sb3_vec_env

    # 1. The seed README's snippet (plus a seed and the CPU device): one env, MlpPolicy, no masks.
    env = ttm.TicketTriageEnv()
    start = time.perf_counter()
    model = stable_baselines3.PPO("MlpPolicy", env, verbose=1, seed=args.seed, device="cpu")
    model.learn(total_timesteps=args.ppo_timesteps)
    print(f"PPO: {args.ppo_timesteps} steps in {time.perf_counter() - start:.1f} s")

    # 2. MaskablePPO over the batched coordinator: masks are exact, rollouts are one compiled call per step.
    vec_env = make_sb3_vec_env(args.num_envs, seed=args.seed + 10_000)  # training seeds apart from the eval seeds
    start = time.perf_counter()
    masked = sb3_contrib.MaskablePPO(
        "MlpPolicy", vec_env, n_steps=256, batch_size=2048, gamma=0.995, seed=args.seed, device="cpu", verbose=0
    )
    masked.learn(total_timesteps=args.timesteps)
    print(f"MaskablePPO: {masked.num_timesteps} steps over {args.num_envs} envs in {time.perf_counter() - start:.1f} s")

    seeds = list(range(args.eval_seeds))
    eval_env = ttm.TicketTriageEnv()
    print(f"\nOne episode per seed on seeds 0..{len(seeds) - 1}, default config; mean ± 95% CI.")
    print(f"{'policy':<22} {'return':>15}  {'resolved':>6}  {'breaches':>6}")
    print(
        evaluate(
            "PPO (no masks)", eval_env, lambda seed: lambda obs: int(model.predict(obs, deterministic=True)[0]), seeds
        )
    )
    print(
        evaluate(
            "MaskablePPO",
            eval_env,
            lambda seed: (
                lambda obs: int(masked.predict(obs, deterministic=True, action_masks=eval_env.action_masks())[0])
            ),
            seeds,
        )
    )
    for name in BASELINES:
        print(evaluate(name, eval_env, baseline(name, eval_env), seeds))


if __name__ == "__main__":
    main()
