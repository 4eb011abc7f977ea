"""Arrivals of fitted scenarios against the real exports they were fitted to.

    python benchmarks/fidelity.py

For each shipped export: ``ttm.fit_config`` at one hour a step (the UCI desk with 16 engineers,
which its volume needs), then 8 environments x 4 weeks of the fitted scenario with nobody
working (arrivals do not depend on actions). Printed: the mean rate per hour (real, simulated),
the correlation of the hour-of-week arrival rates, the inter-arrival CV (simulated arrivals are
spread uniformly within their hour), and the mean and standard deviation of daily counts.
"""

from __future__ import annotations

import numpy as np

import ticket_triage_marl as ttm
from ticket_triage_marl.data import SHIPPED_DATA, hour_of_week_rates

FILES = {
    "tickets_uci_itsm_incidents.csv": {"n_engineers": 16},
    "tickets_apache_kafka_fixed_bugs.csv": {},
    "tickets_apache_hadoop_bugs.csv": {},
}
ENVS, WEEKS = 8, 4


def inter_arrival_cv(times: np.ndarray) -> float:
    gaps = np.diff(np.sort(times))
    return float(gaps.std() / gaps.mean())


def main() -> None:
    rng = np.random.default_rng(0)
    print("| file | rate/h real | rate/h sim | hour-of-week corr | CV real | CV sim | daily real | daily sim |")
    print("|---|---|---|---|---|---|---|---|")
    for name, overrides in FILES.items():
        log = ttm.read_tickets(SHIPPED_DATA / name)
        config = ttm.fit_config(log, horizon=168 * WEEKS, initial_backlog=0, max_queue=20000, p_reopen=0.0, **overrides)
        vec = ttm.VectorTicketTriage(num_envs=ENVS, config=config)
        vec.reset(seed=0)
        arrivals = np.zeros((config.horizon, ENVS))
        previous = vec.counters()["arrived"]
        for hour in range(config.horizon):
            vec.step(np.zeros((ENVS, config.n_engineers), dtype=np.int64))
            arrived = vec.counters()["arrived"]
            arrivals[hour] = arrived - previous
            previous = arrived
        hours = log.created_at.astype("datetime64[s]").astype(np.int64) / 3600.0
        real_rate = len(log) / (np.floor(hours.max()) - np.floor(hours.min()) + 1)
        simulated_week = arrivals.reshape(WEEKS, 168, ENVS).mean(axis=(0, 2))
        correlation = np.corrcoef(simulated_week, hour_of_week_rates(log))[0, 1]
        cv_sim = np.mean(
            [
                inter_arrival_cv(
                    np.concatenate([hour + rng.random(int(arrivals[hour, env])) for hour in range(config.horizon)])
                )
                for env in range(ENVS)
            ]
        )
        daily_real = np.bincount(((hours - np.floor(hours.min())) // 24).astype(np.int64))
        daily_sim = arrivals.reshape(-1, 24, ENVS).sum(axis=1).ravel()
        print(
            f"| {name} | {real_rate:.4g} | {arrivals.mean():.4g} | {correlation:.3f} | {inter_arrival_cv(hours):.2f} | "
            f"{cv_sim:.2f} | {daily_real.mean():.1f} ± {daily_real.std():.1f} | {daily_sim.mean():.1f} ± {daily_sim.std():.1f} |"
        )


if __name__ == "__main__":
    main()
