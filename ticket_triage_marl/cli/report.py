"""``ticket-triage report``: the HTML episode report of a recording."""

from __future__ import annotations

import argparse
import os
from typing import Any

from .. import recordings
from ..extras import MissingExtraError
from ._common import UsageError, add_command, check_output


def add_arguments(commands: Any) -> None:
    """Add the command, its help and its arguments to ``commands`` (the parser's subparsers)."""
    parser = add_command(
        commands,
        "report",
        run,
        help="a self-contained HTML page of plots of a trace",
        description="Draw a trace of any API (backlog and queue, resolved and breaches, each engineer's "
        "timeline, reward components, time to resolve) into one HTML page with the figures inlined (no "
        "network needed). Needs the plot extra. A truncated or corrupted trace exits 2 and writes nothing.",
    )
    parser.add_argument("recording", help="a recording (JSONL) written by 'ticket-triage rollout --out'")
    parser.add_argument("--out", metavar="FILE", required=True, help="the HTML file to write")
    parser.add_argument("--figures", metavar="DIR", help="also write each figure as DIR/<name>.png")


def run(args: argparse.Namespace) -> int:
    """Run ``ticket-triage report``; returns the exit status."""
    from ..reports.episode import FIGURE_NAMES, build_report

    if not os.path.isfile(args.recording):
        raise UsageError(f"recording not found: {args.recording}")
    check_output(args.out)
    try:
        series = build_report(args.recording, args.out, figures_dir=args.figures)
    except (recordings.RecordingError, MissingExtraError) as error:
        raise UsageError(str(error)) from error
    print(
        f"report written to {args.out}: {series.n_steps} steps of {series.header.api} API, policy "
        f"{series.header.policy}, {len(FIGURE_NAMES)} figures"
        + (f" (also as PNGs in {args.figures})" if args.figures else "")
    )
    return 0
