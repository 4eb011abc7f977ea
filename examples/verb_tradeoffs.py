"""Does each verb carry a real trade-off? EDF plus one side-action rule, on common seeds.

    python examples/verb_tradeoffs.py [--seeds 20] [--config configs/incident_storm.toml]

Every variant is the earliest-deadline-first coordinator; when EDF has no
assignment to make (it would NOOP), the variant may use one other verb instead:

- ``escalate_critical``: ESCALATE the most urgent severity-4 ticket;
- ``escalate_any``: ESCALATE the most urgent ticket of any severity;
- ``info_stuck``: REQUEST_INFO on a ticket worked for 8+ steps (a proxy for
  "ambiguous": the agent cannot see the hidden flag);
- ``info_all``: REQUEST_INFO on every unblocked ticket, in slot order;
- ``defer_due``: DEFER a ticket with at most 2 steps to its deadline;
- ``swarm_critical``: SWARM a critical ticket with at most 4 steps left.

The table gives the mean return and breaches with 95% confidence intervals and
the paired difference to plain EDF (same seeds, so the same tickets).
"""

from __future__ import annotations

import argparse
from collections.abc import Callable

import numpy as np

import ticket_triage_marl as ttm
from ticket_triage_marl.baselines import EarliestDeadlinePolicy, coordinator_action_from
from ticket_triage_marl.evaluation import mean_ci95

Verb = ttm.Verb


def _side_action(env: ttm.TicketTriageEnv, snapshot: dict, rule: str) -> int:
    config, mask = env.config, env.action_masks()
    tickets = sorted(snapshot["tickets"], key=lambda t: (t["sla_remaining"], -t["severity"], t["id"]))
    working = {e["ticket"]: e["time_on_ticket"] for e in snapshot["engineers"] if e["ticket"] is not None}

    def first(verb: Verb, keep: Callable[[dict], bool]) -> int:
        for ticket in tickets:
            action = ttm.coordinator_action(verb, ticket["slot"], None, config)
            if keep(ticket) and mask[action]:
                return action
        return 0

    if rule == "escalate_critical":
        return first(Verb.ESCALATE, lambda t: t["severity"] == 4)
    if rule == "escalate_any":
        return first(Verb.ESCALATE, lambda t: True)
    if rule == "info_stuck":
        return first(Verb.REQUEST_INFO, lambda t: working.get(t["slot"], 0) >= 8)
    if rule == "info_all":
        return first(Verb.REQUEST_INFO, lambda t: True)
    if rule == "defer_due":
        return first(Verb.DEFER, lambda t: t["sla_remaining"] <= 2)
    if rule == "swarm_critical":
        return first(Verb.SWARM, lambda t: t["severity"] == 4 and t["sla_remaining"] <= 4)
    return 0


RULES = ("edf", "escalate_critical", "escalate_any", "info_stuck", "info_all", "defer_due", "swarm_critical")


def run(config: ttm.EnvConfig, rule: str, seed: int) -> tuple[float, int]:
    env = ttm.TicketTriageEnv(config=config)
    env.reset(seed=seed)
    policy, total, truncated, info = EarliestDeadlinePolicy(), 0.0, False, {}
    while not truncated:
        snapshot = env.snapshot()
        action = coordinator_action_from(policy, env, snapshot)
        if action == 0 and rule != "edf":
            action = _side_action(env, snapshot, rule)
        _, reward, _, truncated, info = env.step(action)
        total += reward
    return total, info["total_breaches"]


def interval(values: np.ndarray) -> str:
    mean, half = mean_ci95(values)
    return f"{mean:7.2f} ± {0.0 if np.isnan(half) else half:4.2f}"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seeds", type=int, default=20)
    parser.add_argument("--config", help="TOML scenario (default: built-in defaults)")
    parser.add_argument("--first-seed", type=int, default=0, help="seeds first-seed .. (1000000: the benchmark's)")
    args = parser.parse_args()
    config = ttm.load_config(args.config) if args.config else ttm.EnvConfig()
    seeds = range(args.first_seed, args.first_seed + args.seeds)
    results = {rule: np.array([run(config, rule, seed) for seed in seeds]) for rule in RULES}
    base = results["edf"][:, 0]
    print(f"config '{config.name}', seeds {seeds[0]}..{seeds[-1]} (common random numbers), mean ± 95% CI")
    print(f"{'variant':<18} {'return':>16} {'breaches':>16} {'return - edf':>16}")
    for rule, values in results.items():
        diff = "" if rule == "edf" else interval(values[:, 0] - base)
        print(f"{rule:<18} {interval(values[:, 0]):>16} {interval(values[:, 1]):>16} {diff:>16}")


if __name__ == "__main__":
    main()
