"""Does the baselines' linking rule pay? EDF with and without it, on incidents of two sizes, on common seeds.

    python examples/link_rule.py [--seeds 10]

The heuristics link a ticket that has two earlier open tickets of its reported component within
``incident_window`` steps (``ticket_triage_marl.baselines.LINK_BURST``); set to a number no burst reaches,
the rule is off. Two scenarios on the default config: light incidents (``p_incident=0.05``, 4 tickets,
over 4 steps) and heavy ones (``p_incident=0.1``, 6 tickets over 3 steps, fewer other arrivals). Each row
is EDF's mean return with a 95% confidence interval, with the rule and without, and the paired difference
(same seeds, so the same tickets), in the parallel env and the coordinator.
"""

from __future__ import annotations

import argparse

import numpy as np

import ticket_triage_marl as ttm
from ticket_triage_marl import baselines
from ticket_triage_marl.evaluation import mean_ci95
from ticket_triage_marl.rollout import run_episode

SCENARIOS = {
    "light incidents": {"p_incident": 0.05, "incident_size_mean": 4.0, "incident_window": 4},
    "heavy incidents": {"p_incident": 0.1, "incident_size_mean": 6.0, "incident_window": 3, "p_new_ticket": 0.3},
}
OFF = 10**9  # no burst has that many earlier tickets: the rule never links


def returns(api: str, config: ttm.EnvConfig, seeds: int, link_burst: int) -> np.ndarray:
    baselines.LINK_BURST = link_burst
    env = ttm.parallel_env(config=config) if api == "parallel" else ttm.TicketTriageEnv(config=config)
    policy = baselines.make_policy("edf")
    return np.array([run_episode(env, policy, seed)["return"] for seed in range(seeds)])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seeds", type=int, default=10)
    args = parser.parse_args()
    rule = baselines.LINK_BURST
    print(f"EDF, seeds 0..{args.seeds - 1}, mean return ± 95% CI")
    print(f"{'scenario':<17} {'api':<12} {'with the rule':>16} {'without':>16} {'difference':>16}")
    for name, overrides in SCENARIOS.items():
        config = ttm.EnvConfig(**overrides)
        for api in ("parallel", "coordinator"):
            with_rule, without = returns(api, config, args.seeds, rule), returns(api, config, args.seeds, OFF)
            cells = [mean_ci95(values) for values in (with_rule, without, with_rule - without)]
            print(f"{name:<17} {api:<12} " + " ".join(f"{m:>8.1f} ± {h:<5.1f}" for m, h in cells))
    baselines.LINK_BURST = rule


if __name__ == "__main__":
    main()
