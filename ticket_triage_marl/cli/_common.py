"""What every command shares: the errors, the parser class, argument types, config and output helpers.

Commands raise :class:`UsageError` for bad input (exit 2) and :class:`CheckFailed` for a failed
verification (exit 1); :func:`ticket_triage_marl.cli.main` turns them into one line on stderr.
"""

from __future__ import annotations

import argparse
import json
import math
import os
import sys
from collections.abc import Callable, Sequence
from typing import Any, NoReturn

from ..baselines import POLICIES
from ..config import EnvConfig, load_config
from ..files import atomic_writer

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover - exercised on Python 3.10 only
    import tomli as tomllib

PROG = "ticket-triage"
PROGRESS_BAR_MIN_STEPS = 1000  # shorter runs finish before a bar is worth drawing
PROGRESS_BAR_MIN_BYTES = 50_000_000  # an export read in under about a second needs no bar


class UsageError(Exception):
    """Bad arguments, configuration or input files (exit status 2)."""


class CheckFailed(Exception):
    """A verification failed (exit status 1): determinism, replay, corrupted trace."""


# -- argument types -----------------------------------------------------------------------------------------------


class Parser(argparse.ArgumentParser):
    """argparse with one-line errors (exit status 2)."""

    def error(self, message: str) -> NoReturn:
        self.exit(2, f"{self.prog}: error: {message} (see '{self.prog} --help')\n")


def int_at_least(low: int) -> Callable[[str], int]:
    def parse(text: str) -> int:
        try:
            value = int(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"expected an integer, got {text!r}") from None
        if value < low:
            raise argparse.ArgumentTypeError(f"must be >= {low}, got {value}")
        return value

    return parse


non_negative_int = int_at_least(0)
positive_int = int_at_least(1)


def positive_float(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a number, got {text!r}") from None
    if not value > 0:
        raise argparse.ArgumentTypeError(f"must be > 0, got {text}")
    return value


def significance_level(text: str) -> float:
    """A test's level: a number strictly between 0 and 1."""
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a number, got {text!r}") from None
    if not 0.0 < value < 1.0:
        raise argparse.ArgumentTypeError(f"must be strictly between 0 and 1, got {text}")
    return value


def int_list(text: str) -> list[int]:
    try:
        values = [int(part) for part in text.split(",") if part.strip()]
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected comma-separated integers, got {text!r}") from None
    if not values or any(value < 1 for value in values):
        raise argparse.ArgumentTypeError(f"expected integers >= 1, got {text!r}")
    return values


def name_list(known: Sequence[str], what: str) -> Callable[[str], list[str]]:
    def parse(text: str) -> list[str]:
        names = [name.strip() for name in text.split(",") if name.strip()]
        if not names:
            raise argparse.ArgumentTypeError(f"expected a comma-separated list of {what}s")
        unknown = [name for name in names if name not in known]
        if unknown:
            raise argparse.ArgumentTypeError(f"unknown {what} {unknown[0]!r}; choose from: {', '.join(known)}")
        if len(set(names)) != len(names):
            raise argparse.ArgumentTypeError(f"{what} listed twice in {text!r}")
        return names

    return parse


def policy_name(text: str) -> str:
    if text not in POLICIES:
        raise argparse.ArgumentTypeError(f"unknown policy {text!r}; choose one of: {', '.join(POLICIES)}")
    return text


def override(text: str) -> tuple[str, Any]:
    key, sep, value = text.partition("=")
    if not sep or not key.strip():
        raise argparse.ArgumentTypeError(f"expected KEY=VALUE, got {text!r}")
    try:  # TOML value syntax: 5, 0.5, "poisson", [0.25, 0.25, 0.25, 0.25]
        parsed = tomllib.loads(f"value = {value}")["value"]
    except tomllib.TOMLDecodeError:
        parsed = value  # a bare word is a string
    return key.strip(), parsed


# -- the parser ---------------------------------------------------------------------------------------------------


def common_arguments() -> argparse.ArgumentParser:
    """Options every command accepts after its name too (``ticket-triage rollout --debug``)."""
    common = argparse.ArgumentParser(add_help=False)
    common.add_argument("--debug", action="store_true", default=argparse.SUPPRESS, help=argparse.SUPPRESS)
    return common


def add_command(
    commands: Any, name: str, handler: Callable[[argparse.Namespace], int], help: str, description: str
) -> argparse.ArgumentParser:
    """A subcommand whose arguments the caller adds; ``handler(args)`` runs it and returns the exit status."""
    parser = commands.add_parser(name, help=help, description=description, parents=[common_arguments()])
    parser.set_defaults(handler=handler)
    return parser


def add_set_argument(parser: argparse.ArgumentParser, help: str) -> None:
    parser.add_argument(
        "--set", dest="overrides", metavar="KEY=VALUE", type=override, action="append", default=[], help=help
    )


def add_config_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--config",
        metavar="FILE",
        help="TOML scenario file, or the name of a shipped scenario such as uci_desk_replay (default: built-in "
        "defaults)",
    )
    add_set_argument(parser, "override a config field, e.g. --set horizon=300 (repeatable)")


# -- helpers shared by the commands -------------------------------------------------------------------------------


def config_from(args: argparse.Namespace) -> EnvConfig:
    """The config of ``--config`` and ``--set``; a bad file or value is a :class:`UsageError`."""
    overrides = dict(args.overrides)
    try:
        if args.config:
            return load_config(args.config, **overrides)
        return EnvConfig.from_dict(overrides)
    except (OSError, TypeError, ValueError) as error:
        raise UsageError(str(error)) from error


def check_output(path: str | None) -> None:
    """Fail before any work when an output file cannot be created (its directory is missing)."""
    if path is None:
        return
    directory = os.path.dirname(os.path.abspath(path))
    if not os.path.isdir(directory):
        raise UsageError(f"output directory does not exist: {directory}")
    if os.path.isdir(path):
        raise UsageError(f"output path is a directory: {path}")


def progress(total: int) -> Any:
    """A tqdm bar on stderr for long runs, or None (short run, or tqdm not installed)."""
    if total <= PROGRESS_BAR_MIN_STEPS:
        return None
    try:
        from tqdm import tqdm
    except ImportError:
        return None
    return tqdm(
        total=total, unit="step", file=sys.stderr, mininterval=0.5, leave=False, disable=None
    )  # None: off when not a terminal


def json_safe(value: Any) -> Any:
    """NaN becomes None (strict JSON has no NaN)."""
    if isinstance(value, float) and math.isnan(value):
        return None
    if isinstance(value, dict):
        return {key: json_safe(item) for key, item in value.items()}
    if isinstance(value, (list, tuple)):
        return [json_safe(item) for item in value]
    return value


def write_json(path: str, document: Any) -> None:
    with atomic_writer(path) as out:
        json.dump(json_safe(document), out, indent=2)
        out.write("\n")
    print(f"results written to {path}")


def format_ci(mean: float, half: float, digits: int) -> str:
    if math.isnan(mean):
        return "-"
    if math.isnan(half):
        return f"{mean:.{digits}f}"
    return f"{mean:.{digits}f} ± {half:.{digits}f}"


def table(headers: Sequence[str], rows: Sequence[Sequence[str]]) -> str:
    widths = [max(len(str(row[i])) for row in [headers, *rows]) for i in range(len(headers))]
    return "\n".join(
        "  ".join(str(cell).ljust(width) for cell, width in zip(row, widths, strict=True)).rstrip()
        for row in [headers, *rows]
    )


def require_plot_extra() -> None:
    """Fail (exit 2, with the install line) before any work when the plot extra is missing."""
    from ..plotting import pyplot

    pyplot()  # raises MissingExtraError, which main() reports as bad set-up
