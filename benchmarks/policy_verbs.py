"""What a policy does: the verbs it plays, the tickets it resolves and the breaches, per episode, next to a rule.

    python benchmarks/policy_verbs.py --entry maskable_ppo \\
        --model bench-ppo10m/models/maskable_ppo/incident_storm-10000000.zip --scenario incident_storm

Plays the rule (``--rule``, default ``cost_rate``) and the trained benchmark entry on the first ``--seeds``
evaluation seeds (1,000,000 + i) of the coordinator and prints, for each, the mean return, the tickets resolved
and the breaches of each episode, the verbs played per episode and the reward by component per episode.
"""

from __future__ import annotations

import argparse
import collections

import numpy as np

import ticket_triage_marl as ttm
from ticket_triage_marl import learned
from ticket_triage_marl.actions import decode_coordinator_action
from ticket_triage_marl.baselines import coordinator_action_from, make_policy


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--entry", required=True, help="a learned entry of the benchmark (maskable_ppo, ...)")
    parser.add_argument("--model", required=True, help="its trained model, as the benchmark keeps it")
    parser.add_argument("--scenario", required=True, help="a scenario name or config file")
    parser.add_argument("--rule", default="cost_rate")
    parser.add_argument("--seeds", type=int, default=5)
    args = parser.parse_args()
    config = ttm.load_config(args.scenario)
    env = ttm.TicketTriageEnv(config)
    seeds = [1_000_000 + i for i in range(args.seeds)]
    for name in (args.rule, args.entry):
        policy = learned.learned_policy(args.entry, args.model) if name == args.entry else make_policy(name)
        verbs: collections.Counter[str] = collections.Counter()
        parts: collections.Counter[str] = collections.Counter()
        returns, resolved, breaches = [], [], []
        for seed in seeds:
            env.reset(seed=seed)
            total, done, info = 0.0, False, {}
            while not done:
                action = coordinator_action_from(policy, env)
                verbs[decode_coordinator_action(action, config)[0].name] += 1
                _, reward, terminated, truncated, info = env.step(action)
                total += float(reward)
                parts.update({key: float(value) for key, value in info["reward_breakdown"].items()})
                done = terminated or truncated
            returns.append(total)
            resolved.append(int(info["total_resolved"]))
            breaches.append(int(info["total_breaches"]))
        per_episode = {verb: round(count / len(seeds), 1) for verb, count in verbs.most_common()}
        reward = {key: round(value / len(seeds), 1) for key, value in parts.items() if value}
        print(f"{name}: return {np.mean(returns):.1f}; resolved {resolved}; breaches {breaches}")
        print(f"  verbs per episode {per_episode}")
        print(f"  reward per episode {reward}")


if __name__ == "__main__":
    main()
