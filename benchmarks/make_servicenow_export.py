"""Write a large ServiceNow-shaped incident export, for timing ``read_tickets`` and ``ticket-triage fit`` on big files.

The file is written as ServiceNow's list view exports a CSV (``Export > CSV`` of the incident table, Washington
DC / Xanadu releases): a header of field names, every value quoted, times in the instance's default
``yyyy-MM-dd HH:mm:ss`` format, an empty ``resolved_at`` for open incidents. The stream is synthetic: arrivals
follow the UCI desk's shape (office hours, quiet weekends) at a rate that puts ``--rows`` incidents over about
three years; priorities, categories, groups and reopen counts are drawn with the UCI desk's mix.

    python benchmarks/make_servicenow_export.py /tmp/servicenow_1500k.csv --rows 1500000

(306 MB for 1.5 million rows, written in about 10 s). Then, for example::

    /usr/bin/time -v ticket-triage fit /tmp/servicenow_1500k.csv --out /tmp/sn.toml --set n_engineers=400
"""

from __future__ import annotations

import argparse

import numpy as np

HEADER = (
    "number",
    "opened_at",
    "resolved_at",
    "closed_at",
    "priority",
    "state",
    "category",
    "subcategory",
    "assignment_group",
    "assigned_to",
    "reopen_count",
    "reassignment_count",
    "impact",
    "urgency",
    "caller_id",
)
PRIORITIES = ("1 - Critical", "2 - High", "3 - Moderate", "4 - Low")
PRIORITY_MIX = (0.02, 0.05, 0.90, 0.03)  # close to the UCI desk's first priorities
CHUNK = 100_000


def _times(seconds: np.ndarray) -> np.ndarray:
    """``yyyy-MM-dd HH:mm:ss`` strings of epoch seconds."""
    text = seconds.astype("datetime64[s]").astype(str)  # 2016-03-07T00:08:00
    return np.char.replace(text, "T", " ")


def write_export(path: str, rows: int, seed: int) -> None:
    rng = np.random.default_rng(seed)
    start = np.datetime64("2021-01-04T00:00:00", "s").astype(np.int64)  # a Monday
    span = 3 * 365 * 86400
    # Office hours: a ticket's hour of the week is drawn from a profile with busy weekdays and quiet nights.
    hour_weight = np.ones(168)
    for day in range(5):
        hour_weight[day * 24 + 8 : day * 24 + 18] = 12.0
    hour_weight /= hour_weight.sum()
    with open(path, "w", encoding="utf-8", newline="") as out:
        out.write(",".join(f'"{name}"' for name in HEADER) + "\r\n")
        week = rng.integers(0, span // (7 * 86400), rows)
        hour = rng.choice(168, size=rows, p=hour_weight)
        all_opened = np.sort(start + week * 7 * 86400 + hour * 3600 + rng.integers(0, 3600, rows))
        number = 1
        for first in range(0, rows, CHUNK):
            n = min(CHUNK, rows - first)
            opened = all_opened[first : first + n]
            resolve = rng.lognormal(np.log(20 * 3600), 1.6, n).astype(np.int64)
            is_open = rng.random(n) < 0.05
            resolved = _times(opened + resolve)
            closed = _times(opened + resolve + 5 * 86400)
            resolved[is_open] = ""
            closed[is_open] = ""
            priority = rng.choice(4, size=n, p=PRIORITY_MIX)
            category = rng.zipf(1.6, n) % 40 + 1
            group = rng.zipf(1.4, n) % 75 + 1
            reopens = rng.choice(3, size=n, p=(0.97, 0.025, 0.005))
            opened_text = _times(opened)
            for row in range(n):
                values = (
                    f"INC{number:07d}",
                    opened_text[row],
                    resolved[row],
                    closed[row],
                    PRIORITIES[priority[row]],
                    "New" if is_open[row] else "Closed",
                    f"Category {category[row]}",
                    f"Subcategory {category[row] * 4 + row % 4}",
                    f"Group {group[row]}",
                    f"Resolver {(number * 7919) % 230}",
                    str(reopens[row]),
                    str(row % 4),
                    "2 - Medium",
                    "2 - Medium",
                    f"Caller {(number * 104729) % 5000}",
                )
                out.write(",".join(f'"{value}"' for value in values) + "\r\n")
                number += 1


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("out", help="the CSV file to write")
    parser.add_argument("--rows", type=int, default=1_500_000, help="incidents to write (default 1,500,000)")
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args()
    write_export(args.out, args.rows, args.seed)


if __name__ == "__main__":
    main()
