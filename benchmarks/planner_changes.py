"""What a planner changes: one coordinator episode of a planner, each decision it takes away from its base rule
tallied by (the rule's verb, the planner's verb).

    python benchmarks/planner_changes.py --planner clairvoyant --scenario uci_desk_teams --horizon 576
    python benchmarks/planner_changes.py --planner rollout --futures 4 --scenario uci_desk_teams --horizon 576

(depth 48 on `edf`'s base by default, the settings of the README's UCI desk rows; the clairvoyant planner is an
oracle, an upper reference, not a policy.)
"""

from __future__ import annotations

import argparse
import collections

import ticket_triage_marl as ttm
from ticket_triage_marl.actions import decode_coordinator_action
from ticket_triage_marl.baselines import coordinator_action_from, make_policy
from ticket_triage_marl.planners import ClairvoyantPlanner, RolloutPlanner


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--planner", choices=("rollout", "clairvoyant"), default="clairvoyant")
    parser.add_argument("--scenario", default="uci_desk_teams", help="a scenario name or config file")
    parser.add_argument("--horizon", type=int, help="steps an episode (default: the scenario's)")
    parser.add_argument("--seed", type=int, default=1_000_000, help="the episode's seed (the first evaluation seed)")
    parser.add_argument("--base", default="edf")
    parser.add_argument("--depth", type=int, default=48)
    parser.add_argument("--futures", type=int, default=4, help="sampled futures (the fair planner only)")
    parser.add_argument(
        "--alpha", type=float, default=RolloutPlanner.alpha, help="the fair planner's test level (default 0.05)"
    )
    args = parser.parse_args()
    config = ttm.load_config(args.scenario)
    config = config if args.horizon is None else config.replace(horizon=args.horizon)
    if args.planner == "clairvoyant":
        planner: RolloutPlanner = ClairvoyantPlanner(base=args.base, depth=args.depth)
    else:
        planner = RolloutPlanner(base=args.base, depth=args.depth, futures=args.futures, alpha=args.alpha)
    env = ttm.TicketTriageEnv(config)
    env.reset(seed=args.seed)
    rule = make_policy(args.base)
    changes: collections.Counter[tuple[str, str]] = collections.Counter()
    total, done = 0.0, False
    while not done:
        snapshot = env.snapshot(waiting_lists=False, hidden=False)
        base_action = coordinator_action_from(rule, env, snapshot)
        action = planner.coordinator_action(env, snapshot)
        if action != base_action:
            before, after = decode_coordinator_action(base_action, config), decode_coordinator_action(action, config)
            changes[(before[0].name, after[0].name)] += 1
        _, reward, terminated, truncated, _ = env.step(action)
        total += float(reward)
        done = terminated or truncated
    label = "clairvoyant (an oracle)" if args.planner == "clairvoyant" else f"rollout (fair, alpha {args.alpha:g})"
    print(f"{label} on {args.scenario}, seed {args.seed}: return {total:.1f}; {planner.stats.summary()}")
    print(f"{'the rule':>14s} -> {'the planner':<14s} decisions")
    for (before_verb, after_verb), count in changes.most_common():
        print(f"{before_verb:>14s} -> {after_verb:<14s} {count}")


if __name__ == "__main__":
    main()
