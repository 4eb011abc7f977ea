"""Batch throughput of the arrival processes: bernoulli against profile and trace replay, same process.

    python benchmarks/arrival_processes.py --num-envs 4096 --threads 1 --seconds 3

All three run the default config at the same mean arrival rate (0.5 a step): the profile is a
24-step day (night 0.1, office hours 1.1, evening 0.3), the trace is the shipped UCI desk at
2.5 minutes a step (0.49 a step on average) from a random offset per episode. Random masked
actions; the figure is env-steps/s, best of 5 windows, as a ratio to bernoulli.
"""

from __future__ import annotations

import argparse
import time

import numba
import numpy as np

import ticket_triage_marl as ttm
from ticket_triage_marl.bench import random_masked_actions
from ticket_triage_marl.data import SHIPPED_DATA

DAY = [0.1] * 8 + [1.1] * 10 + [0.3] * 6
CONFIGS = {
    "bernoulli": {},
    "profile": {"arrival_process": "profile", "arrival_profile": DAY},
    "trace": {
        "arrival_process": "trace",
        "trace_path": str(SHIPPED_DATA / "tickets_uci_itsm_incidents.csv"),
        "trace_hours_per_step": 2.5 / 60,
        "trace_start": "random",
        "initial_backlog": 3,
    },
}


def rate(num_envs: int, seconds: float, overrides: dict) -> float:
    vec = ttm.VectorTicketTriage(num_envs=num_envs, copy=False, **overrides)
    vec.reset(seed=0)
    rng = np.random.default_rng(0)
    actions = np.zeros((num_envs, vec.config.n_engineers), dtype=np.int64)
    uniforms = np.empty(actions.shape)
    best = 0.0
    for _ in range(5):
        calls, start = 0, time.perf_counter()
        while time.perf_counter() - start < seconds / 5:
            rng.random(out=uniforms)
            random_masked_actions(vec.sim.masks, uniforms, actions)
            vec.step(actions)
            calls += 1
        best = max(best, calls * num_envs / (time.perf_counter() - start))
    return best


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--num-envs", type=int, default=4096)
    parser.add_argument("--threads", type=int, default=1)
    parser.add_argument("--seconds", type=float, default=3.0)
    args = parser.parse_args()
    numba.set_num_threads(args.threads)
    for overrides in CONFIGS.values():
        rate(64, 0.2, overrides)  # compile and warm up
    rates = {name: rate(args.num_envs, args.seconds, overrides) for name, overrides in CONFIGS.items()}
    print(f"N={args.num_envs}, {args.threads} thread(s)")
    for name, value in rates.items():
        print(f"  {name:10s} {value:12,.0f} env-steps/s  {value / rates['bernoulli']:.3f} x bernoulli")


if __name__ == "__main__":
    main()
