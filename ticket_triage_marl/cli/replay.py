"""``ticket-triage replay``: re-run a recording and check every step matches."""

from __future__ import annotations

import argparse
import os
from typing import Any

from .. import recordings
from ._common import CheckFailed, UsageError, add_command


def add_arguments(commands: Any) -> None:
    """Add the command, its help and its arguments to ``commands`` (the parser's subparsers)."""
    parser = add_command(
        commands,
        "replay",
        run,
        help="re-run a trace and check every step matches",
        description="Re-run the trace's config and seed with its recorded actions and check every step's "
        "snapshot and rewards. Exits 1 on a mismatch or a truncated/corrupted file, naming the line.",
    )
    parser.add_argument("recording", help="a recording (JSONL) written by 'ticket-triage rollout --out'")


def run(args: argparse.Namespace) -> int:
    """Run ``ticket-triage replay``; returns the exit status."""
    if not os.path.isfile(args.recording):
        raise UsageError(f"recording not found: {args.recording}")
    try:
        result = recordings.replay_recording(args.recording)
    except (recordings.RecordingError, recordings.RecordingMismatch) as error:
        raise CheckFailed(str(error)) from error
    header = result.header
    print(
        f"replay: OK - {args.recording}: {result.steps} steps match (api {header.api}, policy {header.policy}, "
        f"seed {header.seed}, config {header.config.name!r})"
    )
    return 0
