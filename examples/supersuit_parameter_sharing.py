"""Parameter-shared PPO over the multi-agent env: one policy drives every engineer (SuperSuit).

    python examples/supersuit_parameter_sharing.py [--algo ppo|maskable] [--timesteps 300000]
                                                   [--num-copies 8] [--seed 0] [--eval-seeds 10]

``make_parameter_sharing_vec_env`` builds
``supersuit.concat_vec_envs_v1(pettingzoo_env_to_vec_env_v1(flatten_observations(parallel_env())))``
as a Stable-Baselines3 ``VecEnv``: each row is one engineer of one copy of the
env, so the policy is shared and timesteps count engineer-steps (3 engineers x
copies per env step). The observation is the engineer's features, its one-hot
and its action mask; ``--algo maskable`` also uses that mask to forbid invalid
actions (sb3-contrib's MaskablePPO).

The learned policy then plays one episode per seed (deterministic actions) on
the plain PettingZoo parallel env, next to a random valid policy and the
earliest-deadline-first heuristic. The default budget (about 30 s on 2 CPU
cores; 300k engineer-steps = 100k env steps) shows the pipeline working and
beats random; it does not come near the heuristics
(``examples/learning_curves.py`` trains ten times longer and reports how far
it gets: within a few points of them).

Needs the training extra: ``pip install torch==2.13.0 && pip install "ticket_triage_marl[sb3]"``.
"""

from __future__ import annotations

import argparse
import time

import numpy as np

import ticket_triage_marl as ttm
from ticket_triage_marl.baselines import agent_actions_from, make_policy
from ticket_triage_marl.envs.wrappers import flatten_observations, mask_from_flat
from ticket_triage_marl.evaluation import mean_ci95
from ticket_triage_marl.integrations import MissingExtraError, require


def play_shared(model, seed: int, use_masks: bool) -> tuple[float, int, int]:
    """One episode of the parallel env, every engineer acting with the shared policy."""
    par = flatten_observations(ttm.parallel_env())
    observations, _ = par.reset(seed=seed)
    total = 0.0
    while par.agents:
        batch = np.stack([observations[agent] for agent in par.agents])  # (E, D + n_actions)
        masks = mask_from_flat(batch, par.n_actions).astype(bool) if use_masks else None
        actions, _ = (
            model.predict(batch, deterministic=True, action_masks=masks)
            if use_masks
            else model.predict(batch, deterministic=True)
        )
        observations, rewards, _, _, _ = par.step(dict(zip(par.agents, actions.tolist(), strict=True)))
        total += rewards["engineer_0"]  # team reward: every engineer receives it
    counters = par.unwrapped.snapshot()["counters"]
    return total, counters["resolved"], counters["breaches"]


def play_heuristic(name: str, seed: int) -> tuple[float, int, int]:
    par = ttm.parallel_env()
    observations, _ = par.reset(seed=seed)
    policy = make_policy(name, seed=seed)
    total = 0.0
    while par.agents:
        observations, rewards, _, _, _ = par.step(agent_actions_from(policy, par, observations))
        total += rewards["engineer_0"]
    counters = par.snapshot()["counters"]
    return total, counters["resolved"], counters["breaches"]


def summary(name: str, results: list[tuple[float, int, int]]) -> str:
    values = np.asarray(results, dtype=np.float64)
    mean, half = mean_ci95(values[:, 0])
    return f"{name:<20} {mean:7.2f} ± {half:5.2f}  {values[:, 1].mean():6.1f}  {values[:, 2].mean():6.1f}"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--algo", choices=("ppo", "maskable"), default="ppo")
    parser.add_argument("--timesteps", type=int, default=300_000, help="engineer-steps (3 per env step by default)")
    parser.add_argument("--num-copies", type=int, default=8, help="copies of the multi-agent env in the batch")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--eval-seeds", type=int, default=10, help="evaluate on seeds 0..N-1")
    args = parser.parse_args()

    try:
        stable_baselines3 = require("stable_baselines3", "this example")
        algorithm = stable_baselines3.PPO
        if args.algo == "maskable":
            algorithm = require("sb3_contrib", "--algo maskable").MaskablePPO
    except MissingExtraError as error:
        raise SystemExit(str(error)) from None
    from ticket_triage_marl.integrations import make_parameter_sharing_vec_env

    vec_env = make_parameter_sharing_vec_env(num_copies=args.num_copies, seed=args.seed + 10_000)
    print(
        f"{vec_env.num_envs} rows = 3 engineers x {args.num_copies} copies; observation {vec_env.observation_space.shape}"
    )
    start = time.perf_counter()
    # learning_rate=1e-3 and gamma=0.995: what examples/learning_curves.py found to work (its results file says why)
    model = algorithm(
        "MlpPolicy",
        vec_env,
        n_steps=256,
        batch_size=2048,
        learning_rate=1e-3,
        gamma=0.995,
        seed=args.seed,
        device="cpu",
        verbose=1,
    )
    model.learn(total_timesteps=args.timesteps)
    print(f"{algorithm.__name__}: {model.num_timesteps} engineer-steps in {time.perf_counter() - start:.1f} s")

    seeds = list(range(args.eval_seeds))
    print(f"\nMulti-agent parallel env, one episode per seed on seeds 0..{len(seeds) - 1}; mean ± 95% CI.")
    print(f"{'policy':<20} {'return':>15}  {'resolved':>6}  {'breaches':>6}")
    use_masks = args.algo == "maskable"
    print(summary(f"shared {algorithm.__name__}", [play_shared(model, seed, use_masks) for seed in seeds]))
    for name in ("random", "edf"):
        print(summary(name, [play_heuristic(name, seed) for seed in seeds]))


if __name__ == "__main__":
    main()
