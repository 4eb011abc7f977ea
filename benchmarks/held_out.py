"""Held-out fidelity: fit the UCI desk on its first three weeks, measure against its fourth.

    python benchmarks/held_out.py [--json FILE]

The same fit as ``configs/uci_desk_fitted.toml`` (5-minute steps, 12 engineers, 20 slots, a queue of 2000),
with every optional mechanic the export supports (``--mechanics auto``: waiting on others, teams) and without
(``none``), fitted on the tickets created in [2016-03-07, 2016-03-28) and compared (4 episodes of EDF in the
parallel env, as ``benchmarks/fidelity.py``) with those created in [2016-03-28, 2016-04-04), which the fit
never saw. Prints the two tables of the README's fidelity section, after the file's own week-by-week numbers
(how far its fourth week is from the three before it, before any model).
"""

from __future__ import annotations

import argparse
import itertools
import json
import sys
from pathlib import Path

import numpy as np

import ticket_triage_marl as ttm
from ticket_triage_marl.data import SHIPPED_DATA
from ticket_triage_marl.data.fidelity import measure_fidelity
from ticket_triage_marl.data.fit import select_tickets

sys.path.insert(0, str(Path(__file__).resolve().parent))
from fidelity import POLICY, print_tables  # the sibling script's tables

FIT_WEEKS = ("2016-03-07", "2016-03-28")
HELD_OUT_WEEK = ("2016-03-28", "2016-04-04")
SCALE = {"n_engineers": 12, "max_tickets": 20, "max_queue": 2000, "initial_backlog": 0, "max_escalated": 3}


UTILISATION_WITH_TEAMS = 0.4  # as configs/uci_desk_teams.toml: hand-offs, not queueing, hold most tickets up


WEEKS = ("2016-03-07", "2016-03-14", "2016-03-21", "2016-03-28", "2016-04-04")


def print_weeks(log: ttm.TicketLog) -> None:
    """The real desk week by week: tickets, those without a resolution time, and of the resolved ones the median
    time to resolve and its shares, the awaited, reassigned and finishing-outside-their-first-group shares."""
    print("| week from | tickets | no resolution time | median h | < 1 h | < 8 h | > 1 week | awaited | reassigned "
          "| outside first group |")  # fmt: skip
    print("|---|---|---|---|---|---|---|---|---|---|")
    for start, end in itertools.pairwise(WEEKS):
        week, _ = select_tickets(log, (start, end))
        hours = np.asarray(week.resolution_hours, dtype=np.float64)
        resolved = ~np.isnan(hours)
        h = hours[resolved]
        awaited = np.nan_to_num(np.asarray(week.awaiting_hours, dtype=np.float64))[resolved] > 0
        reassigned = np.asarray(week.reassignments, dtype=np.float64)[resolved] > 0
        outside = (np.asarray(week.group, dtype=object) != np.asarray(week.final_group, dtype=object))[resolved]
        shares = [(h < 1).mean(), (h < 8).mean(), (h > 168).mean(), awaited.mean(), reassigned.mean(), outside.mean()]
        print(f"| {start} | {len(week)} | {1 - resolved.mean():.1%} | {np.median(h):.0f} | "
              + " | ".join(f"{share:.1%}" for share in shares) + " |")  # fmt: skip
    print()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--json", metavar="FILE", help="also write the numbers as JSON")
    args = parser.parse_args()
    log = ttm.read_tickets(SHIPPED_DATA / "tickets_uci_itsm_incidents.csv")
    print_weeks(log)
    fit_on, _ = select_tickets(log, FIT_WEEKS)
    held_out, _ = select_tickets(log, HELD_OUT_WEEK)
    print(f"fitted on {len(fit_on)} tickets of {FIT_WEEKS}, measured on the {len(held_out)} of {HELD_OUT_WEEK}")
    results = {}
    for mechanics, utilisation in (("none", 0.85), ("auto", UTILISATION_WITH_TEAMS)):
        config = ttm.fit_config(fit_on, hours_per_step=1 / 12, mechanics=mechanics, utilisation=utilisation, **SCALE)
        name = f"held-out week, mechanics {mechanics}"
        results[name] = measure_fidelity(held_out, config, POLICY, episodes=4).summary()
    print_tables(results)
    if args.json:
        Path(args.json).write_text(json.dumps(results, indent=2) + "\n", encoding="utf-8")


if __name__ == "__main__":
    main()
