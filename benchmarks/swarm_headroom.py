"""Where the coordinator's rules leave room: SWARM as one decision that puts a whole idle group to work.

The coordinator makes one decision a step. The rules (``fifo``, ``edf``, ``severity``, ``cost_rate``) spend it on
one ASSIGN (or a ROUTE, a LINK) and never SWARM. This script plays each rule as it is and the same rule with one
change: when the best-ranked unassigned ticket it would consider can be worked by at least ``k`` engineers and
all of them are idle, SWARM it (every one of them starts on it in that one decision). It prints, per scenario
and rule, the paired difference over the evaluation seeds (1,000,000 + i, the benchmark's), the SWARMs an
episode and the tickets resolved.

It is not an entry of the benchmark: it is a probe of where the rules leave something a policy could learn.

    python benchmarks/swarm_headroom.py --horizon 576            # the UCI desk with teams, its first two days
    python benchmarks/swarm_headroom.py --scenarios default,specialists,large_team,apache_kafka_fitted --k 2,4
"""

from __future__ import annotations

import argparse

import numpy as np

import ticket_triage_marl as ttm
from ticket_triage_marl.actions import Verb, coordinator_action
from ticket_triage_marl.baselines import coordinator_action_from, make_policy
from ticket_triage_marl.evaluation import mean_ci95


def swarm_instead(env, config, policy, snapshot, k: int) -> int | None:
    """The SWARM on the rule's best-ranked unassigned ticket anyone may work, if at least ``k`` engineers may
    and none of them is busy; else None (the rule's own action stands)."""
    mask = env.action_masks()
    busy = {engineer["index"] for engineer in snapshot["engineers"] if engineer["ticket"] is not None}
    by_slot = {ticket["slot"]: ticket for ticket in snapshot["tickets"]}
    for slot in policy.priority(snapshot):
        if by_slot[slot]["assignees"]:
            continue
        able = [e for e in range(config.n_engineers) if mask[coordinator_action(Verb.ASSIGN, slot, e, config)]]
        if not able:
            continue
        swarm = coordinator_action(Verb.SWARM, slot, None, config)
        return swarm if len(able) >= k and not set(able) & busy and mask[swarm] else None
    return None


def play(config, rule: str, seed: int, k: int | None) -> tuple[float, int, int]:
    """One coordinator episode of ``rule`` (with the SWARM change at ``k``, or as it is): return, SWARMs,
    tickets resolved."""
    env = ttm.TicketTriageEnv(config)
    policy = make_policy(rule, seed=seed)
    env.reset(seed=seed)
    total, swarms, done, info = 0.0, 0, False, {}
    while not done:
        snapshot = env.snapshot(waiting_lists=False, hidden=False)
        action = coordinator_action_from(policy, env, snapshot)
        swarm = None if k is None else swarm_instead(env, config, policy, snapshot, k)
        if swarm is not None:
            action, swarms = swarm, swarms + 1
        _, reward, terminated, truncated, info = env.step(action)
        total += float(reward)
        done = terminated or truncated
    return total, swarms, int(info["total_resolved"])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--scenarios", default="uci_desk_teams", help="comma-separated names or config files")
    parser.add_argument("--horizon", type=int, help="steps an episode (default: the scenario's; 576: two UCI days)")
    parser.add_argument("--rules", default="fifo,edf,cost_rate")
    parser.add_argument("--k", default="2,5", help="comma-separated least numbers of idle engineers to SWARM")
    parser.add_argument("--seeds", type=int, default=20)
    args = parser.parse_args()
    seeds = [1_000_000 + i for i in range(args.seeds)]
    print(f"seeds 1,000,000..{seeds[-1]:,}, paired; mean ± 95% CI")
    print(f"{'scenario':24s} {'rule':10s} {'k':>3s} {'rule return':>12s} {'with SWARM - rule':>19s} swarms  resolved")
    for scenario in args.scenarios.split(","):
        config = ttm.load_config(scenario)
        config = config if args.horizon is None else config.replace(horizon=args.horizon)
        for rule in args.rules.split(","):
            base = [play(config, rule, seed, None) for seed in seeds]
            mean, half = mean_ci95([b[0] for b in base])
            for k in (int(x) for x in args.k.split(",")):
                changed = [play(config, rule, seed, k) for seed in seeds]
                gain, gain_half = mean_ci95([c[0] - b[0] for c, b in zip(changed, base, strict=True)])
                resolved = f"{np.mean([b[2] for b in base]):.1f} -> {np.mean([c[2] for c in changed]):.1f}"
                print(
                    f"{scenario:24s} {rule:10s} {k:3d} {mean:7.1f} ± {half:4.1f} {gain:+10.1f} ± {gain_half:5.1f} "
                    f"{np.mean([c[1] for c in changed]):6.1f}  {resolved}",
                    flush=True,
                )


if __name__ == "__main__":
    main()
