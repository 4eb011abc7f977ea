"""Run the multi-agent parallel env on the default config and print a summary.

    python examples/quickstart_parallel.py [--seed 7] [--steps 200]

Every engineer takes a random *valid* action (read from its action mask).
"""

from __future__ import annotations

import argparse

import numpy as np

import ticket_triage_marl as ttm
from ticket_triage_marl.baselines import random_masked_action


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--steps", type=int, default=200, help="steps to run (at most the horizon, 200)")
    args = parser.parse_args()

    env = ttm.parallel_env(render_mode="ansi")
    observations, _ = env.reset(seed=args.seed)
    rng = np.random.default_rng(args.seed)
    team_return = 0.0
    for _ in range(args.steps):
        if not env.agents:
            break
        actions = {agent: random_masked_action(rng, observations[agent]["action_mask"]) for agent in env.agents}
        observations, rewards, _, _, _ = env.step(actions)
        team_return += rewards["engineer_0"]  # team mode: every engineer gets the team reward
    snapshot = env.snapshot()
    print(env.render())
    print(f"team return {team_return:.2f} | counters {snapshot['counters']}")


if __name__ == "__main__":
    main()
