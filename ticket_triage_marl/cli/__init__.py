"""The ``ticket-triage`` command line: rollouts, determinism checks, evaluation, replay, benchmarks.

::

    ticket-triage rollout  --seed 7 --steps 200 --out run.jsonl [--policy edf] [--api coordinator]
                           [--video episode.mp4]
    ticket-triage validate --seed 7 --steps 120
    ticket-triage evaluate --policies random,fifo,edf,severity,cost_rate --seeds 20 [--json results.json]
                           [--plot evaluation.png]
    ticket-triage replay   run.jsonl
    ticket-triage report   run.jsonl --out report.html [--figures DIR]
    ticket-triage bench    [--seconds 2] [--json results.json]

Every command but ``replay``, ``report`` and ``fit`` takes ``--config FILE`` (a TOML scenario, e.g.
``configs/default.toml``, or the name of a shipped one, e.g. ``uci_desk_replay``) and ``--set KEY=VALUE``
overrides of config fields.

This package only parses arguments, calls the library and formats its results:
the work is in :mod:`ticket_triage_marl.rollout` (episode driver),
:mod:`ticket_triage_marl.digests`, :mod:`ticket_triage_marl.comparison` (policy
comparison with confidence intervals), :mod:`ticket_triage_marl.recordings` (the recording
format, writing, reading, replay), :mod:`ticket_triage_marl.reports` (the HTML
reports, the evaluation figure), :mod:`ticket_triage_marl.video` and
:mod:`ticket_triage_marl.bench`.

Exit status:

- 0: success;
- 1: a check failed (``validate`` found a difference, ``replay`` a mismatch or
  a truncated/corrupted recording), or an internal error (a bug: the message says
  so, and ``--debug`` prints the traceback);
- 2: bad arguments, configuration or files (a missing input, an output
  directory that does not exist, a trace ``report`` cannot read), or a
  missing optional extra (the message has the pip line);
- 130: interrupted.

Errors are one line on stderr; ``ticket-triage --debug ...`` (or ``--debug``
after the command) adds the full traceback.

One module per command (``cli/rollout.py``, ``cli/validate.py``, ...), each with
``add_arguments(commands)`` (its parser, help and arguments) and ``run(args) -> int``
(calls the library and prints); ``cli/_common.py`` holds what they share (argument
types, ``--config``/``--set``, output checks, tables). Adding a command: one such
module, listed in :data:`COMMANDS`. Raise :class:`UsageError` for bad input (exit 2)
and :class:`CheckFailed` for a failed verification (exit 1); anything else is
reported as an internal error.
"""

from __future__ import annotations

import argparse
import sys
import traceback
from collections.abc import Callable, Sequence

from .._version import __version__
from ..extras import MissingExtraError
from . import bench, benchmark, evaluate, fit, replay, report, rollout, validate
from ._common import PROG, CheckFailed, Parser, UsageError
from ._common import PROGRESS_BAR_MIN_BYTES as PROGRESS_BAR_MIN_BYTES
from ._common import PROGRESS_BAR_MIN_STEPS as PROGRESS_BAR_MIN_STEPS
from .bench import BENCH_APIS as BENCH_APIS  # the names cli.py had, still importable from here
from .evaluate import DEFAULT_EVALUATE_POLICIES as DEFAULT_EVALUATE_POLICIES

__all__ = ["CheckFailed", "UsageError", "build_parser", "main"]

COMMANDS = (rollout, validate, evaluate, benchmark, replay, report, fit, bench)
"""The command modules, in the order ``--help`` lists them."""


def build_parser() -> argparse.ArgumentParser:
    """The argument parser of every command (each module of :data:`COMMANDS` adds its own)."""
    parser = Parser(
        prog=PROG,
        description="Ticket-triage simulation: rollouts, determinism checks, policy evaluation, trace replay, "
        "reports, benchmarks.",
        epilog="Exit status: 0 ok, 1 a check failed or an internal error, 2 bad arguments, configuration or files.",
    )
    parser.add_argument("--version", action="version", version=f"%(prog)s {__version__}")
    parser.add_argument("--debug", action="store_true", help="on an error, also print the full traceback")
    commands = parser.add_subparsers(dest="command", parser_class=Parser, required=True)
    for command in COMMANDS:
        command.add_arguments(commands)
    return parser


# -- entry point --------------------------------------------------------------------------------------------------


def _one_line(error: BaseException) -> str:
    return " ".join(str(error).split()) or type(error).__name__


def main(argv: Sequence[str] | None = None) -> int:
    """Run the ``ticket-triage`` command line; returns the exit status (see the module docstring)."""
    argv = sys.argv[1:] if argv is None else list(argv)
    parser = build_parser()
    try:
        args = parser.parse_args(argv)
    except SystemExit as exit_:  # --help, --version, or a usage error (already printed)
        return exit_.code if isinstance(exit_.code, int) else (0 if exit_.code is None else 2)
    handler: Callable[[argparse.Namespace], int] = args.handler
    args.argv = argv  # the command line as given (fit records it in the scenario it writes)
    command = f"{PROG} {args.command}"
    try:
        return handler(args)
    except KeyboardInterrupt:
        print(f"{PROG}: interrupted", file=sys.stderr)
        return 130
    except Exception as error:
        if args.debug:
            traceback.print_exc()
        if isinstance(error, CheckFailed):
            print(f"{command}: FAILED: {_one_line(error)}", file=sys.stderr)
            return 1
        if isinstance(
            error, (UsageError, OSError, MissingExtraError)
        ):  # OSError: a path that cannot be read or written
            print(f"{PROG}: error: {_one_line(error)}", file=sys.stderr)
            return 2
        hint = "" if args.debug else "; run with --debug for the traceback"
        print(
            f"{command}: internal error (a bug, not bad input): {type(error).__name__}: {_one_line(error)}{hint}",
            file=sys.stderr,
        )
        return 1
