"""The shipped real-data scenarios against the exports they were fitted to or replay.

    python benchmarks/fidelity.py [--json benchmarks/fidelity.json] [--figure docs/fidelity_uci_week.png]

For each scenario of ``configs/`` made from a shipped export (the three fitted ones and the UCI
replay), ``measure_fidelity`` runs it in the parallel env under the EDF baseline (UCI: 4 episodes,
a week each, as many weeks as the file has; Apache: 40 episodes of 29 weeks, so that the simulated
side's sampling noise is small next to the real file's) and prints one row of the README's fidelity
table: the mean rate, the week-profile correlation (hours of the week for the desk, days of the week
for the Apache projects, whose steps are a day), the inter-arrival CV, tickets per day, the largest
severity-mix gap, and time to resolve (median, KS distance). ``--figure`` draws the UCI desk's
hour-of-week arrivals, real against fitted.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

import ticket_triage_marl as ttm
from ticket_triage_marl.data import SHIPPED_DATA
from ticket_triage_marl.data.fidelity import measure_fidelity

ROOT = Path(__file__).resolve().parents[1]
SCENARIOS = {  # config file -> (export, episodes)
    "uci_desk_fitted": ("tickets_uci_itsm_incidents.csv", 4),
    "uci_desk_awaiting": ("tickets_uci_itsm_incidents.csv", 4),
    "uci_desk_teams": ("tickets_uci_itsm_incidents.csv", 4),
    "uci_desk_replay": ("tickets_uci_itsm_incidents.csv", 4),
    "apache_kafka_fitted": ("tickets_apache_kafka_fixed_bugs.csv", 40),
    "apache_kafka_incidents": ("tickets_apache_kafka_fixed_bugs.csv", 40),
    "apache_hadoop_fitted": ("tickets_apache_hadoop_bugs.csv", 40),
}
POLICY = "edf"


def _row(name: str, numbers: dict) -> str:
    bins = "hour" if numbers["week_bin_hours"] == 1 else "day"
    daily = "-"
    if numbers["daily_real"] is not None:
        (real_mean, real_sd), (sim_mean, sim_sd) = numbers["daily_real"], numbers["daily_sim"]
        daily = f"{real_mean:.1f} ± {real_sd:.1f} / {sim_mean:.1f} ± {sim_sd:.1f}"
    return (
        f"| `{name}` | {numbers['rate_real']:.4g} / {numbers['rate_sim']:.4g} ({100 * numbers['rate_error']:+.1f}%) | "
        f"{numbers['week_correlation']:.3f} ({bins}s) | {numbers['cv_real']:.2f} / {numbers['cv_sim']:.2f} | {daily} | "
        f"{numbers['mix_gap_points']:.2f} | {numbers['resolve_median_hours_real']:.0f} / "
        f"{numbers['resolve_median_hours_sim']:.0f} | {numbers['ks']:.2f} |"
    )


def _lifecycle_row(name: str, numbers: dict) -> str:
    real, sim = numbers["resolve_shares_real"], numbers["resolve_shares_sim"]
    shares = [f"{100 * real[key]:.1f}% / {100 * sim[key]:.1f}%" for key in ("under_1h", "under_8h", "over_week")]
    by_severity = " ".join("-" if ks is None else f"{ks:.2f}" for ks in numbers["ks_by_severity"].values())
    awaited = numbers["awaiting_share"]
    awaited_text = "-" if awaited is None else f"{100 * awaited[0]:.1f}% / {100 * awaited[1]:.1f}%"
    net = numbers["net_median_hours"]
    net_text = "-" if net is None else f"{net[0]:.0f} / {net[1]:.0f}"
    bursts = numbers["bursts"]
    bursts_text = "-" if bursts is None else f"{100 * bursts[0]:.1f}% / {100 * bursts[1]:.1f}%"
    moved = numbers["outside_first_group"]
    moved_text = "-" if moved is None else f"{100 * moved[0]:.1f}% / {100 * moved[1]:.1f}%"
    reassigned = numbers["reassignment_shares"]
    reassigned_text = (
        "-" if reassigned is None else f"{100 * (1 - reassigned[0][0]):.1f}% / {100 * (1 - reassigned[1][0]):.1f}%"
    )
    return (
        f"| `{name}` | {' | '.join(shares)} | {by_severity} | {awaited_text} | {net_text} | {bursts_text} "
        f"| {moved_text} | {reassigned_text} |"
    )


ARRIVAL_COLUMNS = (
    "scenario", "tickets/h real / sim", "week correlation", "inter-arrival CV real / sim", "tickets/day real / sim",
    "severity gap (points)", "median hours to resolve real / sim", "KS",
)  # fmt: skip
LIFECYCLE_COLUMNS = (
    "scenario", "resolved < 1 h real / sim", "< 8 h", "> 1 week", "KS by severity 1-4", "awaited real / sim",
    "median net of awaiting, h", "bursts real / sim", "outside first group real / sim", "reassigned real / sim",
)  # fmt: skip


def _print_table(columns: tuple[str, ...], rows: list[str]) -> None:
    print("| " + " | ".join(columns) + " |")
    print("|" + "---|" * len(columns))
    for row in rows:
        print(row)


def print_tables(results: dict[str, dict]) -> None:
    """The README's two fidelity tables: arrivals and time to resolve, then what happens to the tickets."""
    _print_table(ARRIVAL_COLUMNS, [_row(name, numbers) for name, numbers in results.items()])
    print()
    _print_table(LIFECYCLE_COLUMNS, [_lifecycle_row(name, numbers) for name, numbers in results.items()])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--json", metavar="FILE", help="also write every scenario's numbers as JSON")
    parser.add_argument("--figure", metavar="PNG", help="also draw the UCI desk's hour-of-week arrivals")
    args = parser.parse_args()
    results = {}
    for name, (export, episodes) in SCENARIOS.items():
        started = time.perf_counter()
        log = ttm.read_tickets(SHIPPED_DATA / export)
        fidelity = measure_fidelity(log, ttm.load_config(ROOT / "configs" / f"{name}.toml"), POLICY, episodes)
        results[name] = {**fidelity.summary(), "seconds": time.perf_counter() - started}
        print(f"{name}: {results[name]['seconds']:.1f} s", file=sys.stderr, flush=True)
        if args.figure and name == "uci_desk_fitted":
            from ticket_triage_marl.plotting import figure_png, plot_week_profile

            figure = plot_week_profile(
                fidelity.real_week,
                fidelity.sim_week,
                1.0,
                title=f"UCI ServiceNow desk: tickets per hour of the week, real (4 weeks) and fitted "
                f"({episodes} simulated weeks); correlation {fidelity.week_correlation:.3f}",
            )
            Path(args.figure).write_bytes(figure_png(figure))
    print_tables(results)
    if args.json:
        Path(args.json).write_text(json.dumps(results, indent=2) + "\n", encoding="utf-8")


if __name__ == "__main__":
    main()
