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

This module only parses arguments, calls the library and formats its results:
the work is in :mod:`ticket_triage_marl.evaluation` (episode driver, confidence
intervals, policy comparison), :mod:`ticket_triage_marl.recordings` (the recording
format, writing, reading, replay), :mod:`ticket_triage_marl.report` (the HTML
report, the evaluation figure), :mod:`ticket_triage_marl.video` and
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

Adding a command: one ``_add_command(...)`` block in :func:`build_parser` and
one ``_cmd_<name>(args) -> int`` function that calls the library and prints.
Raise :class:`UsageError` for bad input (exit 2) and :class:`CheckFailed` for a
failed verification (exit 1); anything else is reported as an internal error.
"""

from __future__ import annotations

import argparse
import json
import math
import os
import shlex
import sys
import traceback
import warnings
from collections.abc import Callable, Sequence
from typing import Any, NoReturn, cast

from . import evaluation, recordings
from ._version import __version__
from .baselines import POLICIES, make_policy
from .config import EnvConfig, load_config
from .extras import MissingExtraError
from .files import atomic_writer
from .render import render_ansi

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover - exercised on Python 3.10 only
    import tomli as tomllib

__all__ = ["CheckFailed", "UsageError", "build_parser", "main"]

PROG = "ticket-triage"
PROGRESS_BAR_MIN_STEPS = 1000  # shorter runs finish before a bar is worth drawing
PROGRESS_BAR_MIN_BYTES = 50_000_000  # an export read in under about a second needs no bar
DEFAULT_EVALUATE_POLICIES = ("random", "noop", "fifo", "edf", "severity", "cost_rate")
BENCH_APIS = ("coordinator", "parallel", "aec", "mpe", "batch", "arrivals", "torchrl")


class UsageError(Exception):
    """Bad arguments, configuration or input files (exit status 2)."""


class CheckFailed(Exception):
    """A verification failed (exit status 1): determinism, replay, corrupted trace."""


# -- argument types -----------------------------------------------------------------------------------------------


class _Parser(argparse.ArgumentParser):
    """argparse with one-line errors (exit status 2)."""

    def error(self, message: str) -> NoReturn:
        self.exit(2, f"{self.prog}: error: {message} (see '{self.prog} --help')\n")


def _int_at_least(low: int) -> Callable[[str], int]:
    def parse(text: str) -> int:
        try:
            value = int(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"expected an integer, got {text!r}") from None
        if value < low:
            raise argparse.ArgumentTypeError(f"must be >= {low}, got {value}")
        return value

    return parse


_non_negative_int = _int_at_least(0)
_positive_int = _int_at_least(1)


def _positive_float(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a number, got {text!r}") from None
    if not value > 0:
        raise argparse.ArgumentTypeError(f"must be > 0, got {text}")
    return value


def _int_list(text: str) -> list[int]:
    try:
        values = [int(part) for part in text.split(",") if part.strip()]
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected comma-separated integers, got {text!r}") from None
    if not values or any(value < 1 for value in values):
        raise argparse.ArgumentTypeError(f"expected integers >= 1, got {text!r}")
    return values


def _name_list(known: Sequence[str], what: str) -> Callable[[str], list[str]]:
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


def _policy_name(text: str) -> str:
    if text not in POLICIES:
        raise argparse.ArgumentTypeError(f"unknown policy {text!r}; choose one of: {', '.join(POLICIES)}")
    return text


def _override(text: str) -> tuple[str, Any]:
    key, sep, value = text.partition("=")
    if not sep or not key.strip():
        raise argparse.ArgumentTypeError(f"expected KEY=VALUE, got {text!r}")
    try:  # TOML value syntax: 5, 0.5, "poisson", [0.25, 0.25, 0.25, 0.25]
        parsed = tomllib.loads(f"value = {value}")["value"]
    except tomllib.TOMLDecodeError:
        parsed = value  # a bare word is a string
    return key.strip(), parsed


# -- the parser ---------------------------------------------------------------------------------------------------


def _common_arguments() -> argparse.ArgumentParser:
    """Options every command accepts after its name too (``ticket-triage rollout --debug``)."""
    common = argparse.ArgumentParser(add_help=False)
    common.add_argument("--debug", action="store_true", default=argparse.SUPPRESS, help=argparse.SUPPRESS)
    return common


def _add_command(
    commands: Any, name: str, handler: Callable[[argparse.Namespace], int], help: str, description: str
) -> argparse.ArgumentParser:
    """A subcommand whose arguments the caller adds; ``handler(args)`` runs it and returns the exit status."""
    parser = commands.add_parser(name, help=help, description=description, parents=[_common_arguments()])
    parser.set_defaults(handler=handler)
    return parser


def _add_set_argument(parser: argparse.ArgumentParser, help: str) -> None:
    parser.add_argument(
        "--set", dest="overrides", metavar="KEY=VALUE", type=_override, action="append", default=[], help=help
    )


def _add_export_arguments(parser: argparse.ArgumentParser) -> None:
    """How to read a tracker's export (read_tickets' options)."""
    from .data.presets import PRESETS

    parser.add_argument(
        "--format",
        default="auto",
        choices=["auto", "canonical", *PRESETS],
        help="the tracker that wrote the export (default auto: recognised from the header, said on one line)",
    )
    parser.add_argument(
        "--columns",
        metavar="FIELD=COLUMN,...",
        type=_column_map,
        help="the file's column of each canonical field, e.g. created_at=Opened,priority=Priority",
    )
    parser.add_argument(
        "--severity-map",
        metavar="LABEL=S,...",
        type=_severity_map,
        help='priority labels -> severity 1..4, e.g. "Sehr hoch=4,Hoch=3,Mittel=2,Niedrig=1" (any case)',
    )
    parser.add_argument(
        "--date-format", metavar="FORMAT", help="strftime format of every timestamp column, e.g. '%%d/%%m/%%Y %%H:%%M'"
    )
    parser.add_argument(
        "--timezone",
        metavar="ZONE",
        help="the desk's IANA zone, e.g. Europe/Berlin: naive times are read in it and the week is fitted on its clock",
    )
    parser.add_argument("--delimiter", choices=[",", ";", "tab"], help="the CSV delimiter (default: recognised)")
    parser.add_argument("--encoding", metavar="NAME", help="the file's text encoding, e.g. cp1252 (default UTF-8)")


def _add_config_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--config",
        metavar="FILE",
        help="TOML scenario file, or the name of a shipped scenario such as uci_desk_replay (default: built-in "
        "defaults)",
    )
    _add_set_argument(parser, "override a config field, e.g. --set horizon=300 (repeatable)")


def build_parser() -> argparse.ArgumentParser:
    """The argument parser of every command (one ``_add_command`` block each)."""
    parser = _Parser(
        prog=PROG,
        description="Ticket-triage simulation: rollouts, determinism checks, policy evaluation, trace replay, "
        "reports, benchmarks.",
        epilog="Exit status: 0 ok, 1 a check failed or an internal error, 2 bad arguments, configuration or files.",
    )
    parser.add_argument("--version", action="version", version=f"%(prog)s {__version__}")
    parser.add_argument("--debug", action="store_true", help="on an error, also print the full traceback")
    commands = parser.add_subparsers(dest="command", parser_class=_Parser, required=True)

    rollout = _add_command(
        commands,
        "rollout",
        _cmd_rollout,
        help="run a policy and write a JSONL trace",
        description="Run a heuristic policy for --steps steps (resetting into the next episode at the horizon), "
        "write a JSONL trace atomically, and print the final state.",
    )
    rollout.add_argument("--seed", type=_non_negative_int, default=7, help="episode seed (default 7)")
    rollout.add_argument("--steps", type=_positive_int, default=200, help="steps to run (default 200)")
    rollout.add_argument("--out", metavar="FILE", help="the recording to write (JSON Lines); omit to write none")
    rollout.add_argument(
        "--policy", type=_policy_name, default="edf", help=f"one of {', '.join(POLICIES)} (default edf)"
    )
    rollout.add_argument(
        "--api", choices=evaluation.APIS, default="coordinator", help="which env API to drive (default coordinator)"
    )
    rollout.add_argument(
        "--video",
        metavar="FILE",
        help="also record the episode's rgb_array frames, one per step, as FILE.mp4 or FILE.gif "
        "(needs the video extra)",
    )
    rollout.add_argument(
        "--fps", type=_positive_float, default=4.0, help="frames (steps) per second of --video (default 4)"
    )
    _add_config_arguments(rollout)

    validate = _add_command(
        commands,
        "validate",
        _cmd_validate,
        help="check determinism (same seed + actions -> same results)",
        description="Run a policy, then replay the same seed and actions in a fresh env and in a fresh Python "
        "process, comparing a SHA-256 digest of (observation, rewards, snapshot) at every step. "
        "Exits 1 naming the first differing step.",
    )
    validate.add_argument("--seed", type=_non_negative_int, default=7, help="episode seed (default 7)")
    validate.add_argument("--steps", type=_positive_int, default=120, help="steps to compare (default 120)")
    validate.add_argument(
        "--policy", type=_policy_name, default="random", help="policy producing the actions (default random)"
    )
    validate.add_argument(
        "--api", choices=evaluation.APIS, default="coordinator", help="which env API to drive (default coordinator)"
    )
    _add_config_arguments(validate)

    evaluate = _add_command(
        commands,
        "evaluate",
        _cmd_evaluate,
        help="compare policies over seeds (mean and 95%% CI)",
        description="Run each policy for one full episode of the coordinator env (or, with --api parallel, the "
        "multi-agent env, where every engineer acts each step) on seeds 0..N-1. Every policy faces the same "
        "seeds, so the same tickets (common random numbers); the paired difference to the first policy is shown "
        "with its own confidence interval.",
    )
    evaluate.add_argument(
        "--policies",
        type=_name_list(list(POLICIES), "policy"),
        default=list(DEFAULT_EVALUATE_POLICIES),
        help=f"comma-separated policies (default {','.join(DEFAULT_EVALUATE_POLICIES)})",
    )
    evaluate.add_argument("--seeds", type=_positive_int, default=20, help="number of seeds, 0..N-1 (default 20)")
    evaluate.add_argument(
        "--api",
        choices=evaluation.EPISODE_APIS,
        default="coordinator",
        help="coordinator: one assignment a step (default); parallel: every engineer acts each step",
    )
    evaluate.add_argument("--json", metavar="FILE", help="also write the results as JSON")
    evaluate.add_argument(
        "--plot",
        metavar="FILE",
        help="also draw the returns with 95%% CIs and the paired differences to the first policy as a PNG "
        "(needs the plot extra)",
    )
    _add_config_arguments(evaluate)

    replay = _add_command(
        commands,
        "replay",
        _cmd_replay,
        help="re-run a trace and check every step matches",
        description="Re-run the trace's config and seed with its recorded actions and check every step's "
        "snapshot and rewards. Exits 1 on a mismatch or a truncated/corrupted file, naming the line.",
    )
    replay.add_argument("recording", help="a recording (JSONL) written by 'ticket-triage rollout --out'")

    report = _add_command(
        commands,
        "report",
        _cmd_report,
        help="a self-contained HTML page of plots of a trace",
        description="Draw a trace of any API (backlog and queue, resolved and breaches, each engineer's "
        "timeline, reward components, time to resolve) into one HTML page with the figures inlined (no "
        "network needed). Needs the plot extra. A truncated or corrupted trace exits 2 and writes nothing.",
    )
    report.add_argument("recording", help="a recording (JSONL) written by 'ticket-triage rollout --out'")
    report.add_argument("--out", metavar="FILE", required=True, help="the HTML file to write")
    report.add_argument("--figures", metavar="DIR", help="also write each figure as DIR/<name>.png")

    fit = _add_command(
        commands,
        "fit",
        _cmd_fit,
        help="fit a scenario (TOML) to a tracker's CSV export",
        description="Read a CSV export (ttm.read_tickets) and write a scenario whose arrivals follow its "
        "hour-of-week profile at the same mean rate, with its severity mix, components and reopen rate, and work "
        "sized for a stated utilisation of the team (ttm.fit_config). With --report, also run the scenario under a "
        "baseline and write an HTML page comparing it with the export (needs the plot extra). Written atomically: "
        "nothing on failure.",
    )
    fit.add_argument("file", help="the export: CSV, or the JSON array of 'gh issue list --json'")
    fit.add_argument("--out", metavar="FILE", required=True, help="the scenario TOML to write")
    _add_export_arguments(fit)
    fit.add_argument(
        "--window",
        nargs=2,
        metavar=("START", "END"),
        help="fit only the tickets created in [START, END) on the desk's clock, e.g. --window 2024-01-01 2025-01-01",
    )
    fit.add_argument(
        "--drop-outliers",
        action="store_true",
        help="leave out creation times far outside the bulk of the file (printed with their lines) instead of refusing",
    )
    fit.add_argument(
        "--force",
        action="store_true",
        help="fit a file too small for a week profile, with a warning instead of an error",
    )
    fit.add_argument(
        "--where",
        metavar="COLUMN=VALUE",
        type=_where_item,
        action="append",
        default=[],
        help="fit only the rows whose COLUMN is VALUE, e.g. --where 'assignment_group=Group 64' (repeatable; "
        "repeating a column allows several values)",
    )
    fit.add_argument("--hours-per-step", type=_positive_float, default=1.0, help="hours one step stands for (1)")
    fit.add_argument("--utilisation", type=_positive_float, default=0.85, help="team utilisation to size work for")
    fit.add_argument("--rate-scale", type=_positive_float, default=1.0, help="multiply every arrival rate (1)")
    _add_set_argument(fit, "set a config field after fitting, e.g. --set n_engineers=16 (repeatable)")
    fit.add_argument("--report", metavar="FILE", help="also write the fidelity report (HTML) of the scenario")
    fit.add_argument("--figures", metavar="DIR", help="with --report: also write each figure as DIR/<name>.png")
    fit.add_argument(
        "--report-policy",
        type=_policy_name,
        default="edf",
        help="the baseline the report runs the scenario under (default edf)",
    )
    fit.add_argument(
        "--report-episodes", type=_positive_int, default=4, help="simulated episodes in the report (default 4)"
    )

    bench = _add_command(
        commands,
        "bench",
        _cmd_bench,
        help="steps per second of every API, as ratios to CartPole-v1",
        description="Measure steps/s of the coordinator, parallel and AEC envs and of the batched engine at "
        "several sizes and thread counts, with random masked actions and observations built, each also as a "
        "ratio to Gymnasium's CartPole-v1 stepped the same way in the same process.",
    )
    bench.add_argument("--seconds", type=_positive_float, default=2.0, help="seconds per measurement (default 2)")
    bench.add_argument(
        "--sizes",
        type=_int_list,
        default=[1, 64, 1024, 4096, 16384],
        help="batch sizes N (default 1,64,1024,4096,16384)",
    )
    bench.add_argument("--threads", type=_int_list, default=[1, 2], help="numba thread counts (default 1,2)")
    bench.add_argument(
        "--apis",
        type=_name_list(BENCH_APIS, "api"),
        default=list(BENCH_APIS),
        help=f"comma-separated subset of {','.join(BENCH_APIS)} (default all)",
    )
    bench.add_argument(
        "--compile-time", action="store_true", help="also time the first use from an empty numba cache (~30 s)"
    )
    bench.add_argument("--json", metavar="FILE", help="also write the results as JSON")
    _add_config_arguments(bench)

    return parser


# -- helpers shared by the commands -------------------------------------------------------------------------------


def _config_from(args: argparse.Namespace) -> EnvConfig:
    """The config of ``--config`` and ``--set``; a bad file or value is a :class:`UsageError`."""
    overrides = dict(args.overrides)
    try:
        if args.config:
            return load_config(args.config, **overrides)
        return EnvConfig.from_dict(overrides)
    except (OSError, TypeError, ValueError) as error:
        raise UsageError(str(error)) from error


def _check_output(path: str | None) -> None:
    """Fail before any work when an output file cannot be created (its directory is missing)."""
    if path is None:
        return
    directory = os.path.dirname(os.path.abspath(path))
    if not os.path.isdir(directory):
        raise UsageError(f"output directory does not exist: {directory}")
    if os.path.isdir(path):
        raise UsageError(f"output path is a directory: {path}")


def _progress(total: int) -> Any:
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


def _json_safe(value: Any) -> Any:
    """NaN becomes None (strict JSON has no NaN)."""
    if isinstance(value, float) and math.isnan(value):
        return None
    if isinstance(value, dict):
        return {key: _json_safe(item) for key, item in value.items()}
    if isinstance(value, (list, tuple)):
        return [_json_safe(item) for item in value]
    return value


def _write_json(path: str, document: Any) -> None:
    with atomic_writer(path) as out:
        json.dump(_json_safe(document), out, indent=2)
        out.write("\n")
    print(f"results written to {path}")


def _format_ci(mean: float, half: float, digits: int) -> str:
    if math.isnan(mean):
        return "-"
    if math.isnan(half):
        return f"{mean:.{digits}f}"
    return f"{mean:.{digits}f} ± {half:.{digits}f}"


def _table(headers: Sequence[str], rows: Sequence[Sequence[str]]) -> str:
    widths = [max(len(str(row[i])) for row in [headers, *rows]) for i in range(len(headers))]
    return "\n".join(
        "  ".join(str(cell).ljust(width) for cell, width in zip(row, widths, strict=True)).rstrip()
        for row in [headers, *rows]
    )


# -- commands -----------------------------------------------------------------------------------------------------


def _cmd_rollout(args: argparse.Namespace) -> int:
    config = _config_from(args)
    _check_output(args.out)
    _check_output(args.video)
    if args.video:
        from .video import check_video_path

        try:
            check_video_path(args.video, n_frames=args.steps)  # a bad suffix or a missing extra fails now
        except (ValueError, MissingExtraError) as error:
            raise UsageError(str(error)) from error
    bar = _progress(args.steps)
    on_step = None if bar is None else lambda: bar.update(1)
    try:
        if args.video:
            from .video import rollout_video

            result = rollout_video(
                args.api,
                config,
                args.policy,
                args.seed,
                args.steps,
                args.video,
                fps=args.fps,
                out=args.out,
                on_step=on_step,
            )
        else:
            result = recordings.run_rollout(
                args.api, config, args.policy, args.seed, args.steps, out=args.out, on_step=on_step
            )
    finally:
        if bar is not None:
            bar.close()
    print(render_ansi(result.snapshot))
    print(
        f"{result.steps} steps, {result.episodes} episode{'s' if result.episodes != 1 else ''}, "
        f"team return {result.team_return:.2f} "
        f"(policy {args.policy}, api {args.api}, seed {args.seed}, config {config.name!r})"
        + (f"; trace written to {args.out}" if args.out else "")
        + (f"; video written to {args.video}" if args.video else "")
    )
    return 0


def _cmd_validate(args: argparse.Namespace) -> int:
    config = _config_from(args)
    policy = make_policy(args.policy, seed=args.seed)
    first = evaluation.run_digests(args.api, config, args.seed, args.steps, policy=policy)
    second = evaluation.run_digests(args.api, config, args.seed, args.steps, actions=first.actions)
    try:
        third = evaluation.digests_in_fresh_process(args.api, config, args.seed, first.actions)
    except RuntimeError as error:
        raise CheckFailed(str(error)) from error
    for label, other in (("an in-process replay", second.digests), ("a fresh-process replay", third)):
        for index, (expected, got) in enumerate(zip(first.digests, other, strict=False)):  # length checked below
            if expected != got:
                raise CheckFailed(
                    f"step {index} ({first.where[index]}) differs between the first run and {label} "
                    f"(digest {expected[:12]} vs {got[:12]}): not deterministic"
                )
        if len(other) != len(first.digests):
            raise CheckFailed(f"{label} produced {len(other)} steps instead of {len(first.digests)}")
    print(
        f"validate: OK - {args.steps} steps identical across 3 runs (2 in-process, 1 fresh process); "
        f"api {args.api}, policy {args.policy}, seed {args.seed}, config {config.name!r}; "
        f"final digest {first.digests[-1][:16]}"
    )
    return 0


def _cmd_replay(args: argparse.Namespace) -> int:
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


def _require_plot_extra() -> None:
    """Fail (exit 2, with the install line) before any work when the plot extra is missing."""
    from .plotting import pyplot

    pyplot()  # raises MissingExtraError, which main() reports as bad set-up


def _cmd_evaluate(args: argparse.Namespace) -> int:
    config = _config_from(args)
    _check_output(args.json)
    _check_output(args.plot)
    if args.plot:
        _require_plot_extra()
    seeds = range(args.seeds)
    bar = _progress(len(args.policies) * len(seeds) * config.horizon)
    try:
        result = evaluation.compare_policies(
            args.policies,
            seeds,
            config,
            on_episode=None if bar is None else lambda policy, seed: bar.update(config.horizon),
            api=args.api,
        )
    finally:
        if bar is not None:
            bar.close()
    reference = result.reference
    digits = {"return": 2}
    rows = []
    for name in result.policies:
        row = [name]
        for metric in evaluation.METRICS:
            estimate = result.summary[name][metric]
            row.append(_format_ci(estimate.mean, estimate.ci95, digits.get(metric, 1)))
        paired = result.paired[name]["return"]
        row.append("-" if name == reference else _format_ci(paired.mean, paired.ci95, 2))
        rows.append(row)
    headers = ["policy", *evaluation.METRICS.values(), f"return - {reference} (paired)"]
    seed_text = "seed 0" if args.seeds == 1 else f"seeds 0..{args.seeds - 1}"
    print(
        f"{evaluation.API_TITLES[args.api]}, config {config.name!r} (horizon {config.horizon}, {config.n_engineers} engineers), "
        f"one episode per seed on {seed_text}."
    )
    print(
        "Common random numbers: every policy faces the same seeds, hence the same ticket arrivals. "
        "Mean ± 95% CI (t-distribution); time to resolve in steps."
    )
    print(_table(headers, rows))
    if args.json:
        _write_json(args.json, {**result.to_dict(), "version": __version__})
    if args.plot:
        from .reports.evaluation import write_evaluation_plot

        write_evaluation_plot(result, args.plot)
        print(f"plot written to {args.plot}")
    return 0


def _cmd_report(args: argparse.Namespace) -> int:
    from .reports.episode import FIGURE_NAMES, build_report

    if not os.path.isfile(args.recording):
        raise UsageError(f"recording not found: {args.recording}")
    _check_output(args.out)
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


def _column_map(text: str) -> dict[str, str]:
    pairs = {}
    for item in text.split(","):
        field, sep, column = item.partition("=")
        if not sep or not field.strip() or not column.strip():
            raise argparse.ArgumentTypeError(f"expected FIELD=COLUMN[,FIELD=COLUMN...], got {text!r}")
        pairs[field.strip()] = column.strip()
    return pairs


def _severity_map(text: str) -> dict[str, int]:
    from .data.exports import parse_severity_map

    try:
        return parse_severity_map(text)
    except ValueError as error:
        raise argparse.ArgumentTypeError(str(error)) from None


def _read_export(args: argparse.Namespace, where: dict[str, list[str]] | None = None) -> Any:
    """The export of ``args.file`` read with the export arguments; says which format it was read as."""
    from .data import read_tickets

    size = os.path.getsize(args.file) if os.path.isfile(args.file) else 0
    bar = None
    if size > PROGRESS_BAR_MIN_BYTES:
        try:
            from tqdm import tqdm
        except ImportError:
            pass
        else:
            bar = tqdm(
                total=size, unit="B", unit_scale=True, desc="reading", file=sys.stderr, leave=False, disable=None
            )
    try:
        log = read_tickets(
            args.file,
            columns=args.columns,
            severity_map=args.severity_map,
            # read-only: a dict of lists is a valid dict of ``str | Sequence[str]`` values (dict is invariant)
            where=cast("dict[str, str | Sequence[str]] | None", where or None),
            format=args.format,
            date_format=args.date_format,
            timezone=args.timezone,
            delimiter="\t" if args.delimiter == "tab" else args.delimiter,
            encoding=args.encoding,
            progress=bar.update if bar is not None else None,
        )
    finally:
        if bar is not None:
            bar.close()
    if log.format == "canonical":
        how = "no preset recognised: canonical column names" + (", and --columns" if args.columns else "")
    else:
        how = f"{log.format} format, " + ("recognised from its columns" if args.format == "auto" else "as given")
    print(f"read {len(log)} tickets from {os.path.basename(args.file)} ({how})")
    for note in log.notes:
        print(f"note: {note}")
    return log


def _where_item(text: str) -> tuple[str, str]:
    column, sep, value = text.partition("=")
    if not sep or not column.strip():
        raise argparse.ArgumentTypeError(f"expected COLUMN=VALUE, got {text!r}")
    return column.strip(), value.strip()


def _cmd_fit(args: argparse.Namespace) -> int:
    from .data import TicketFileError, fit_config
    from .data.fit import scenario_toml, select_tickets

    _check_output(args.out)
    _check_output(args.report)
    if args.figures and not args.report:
        raise UsageError("--figures needs --report")
    if args.report:
        _require_plot_extra()
    where: dict[str, list[str]] = {}
    for column, value in args.where:
        where.setdefault(column, []).append(value)
    try:
        full = _read_export(args, where)
        log, dropped = select_tickets(full, tuple(args.window) if args.window else None, args.drop_outliers)
        if args.drop_outliers and not args.window and dropped.size:
            shown = ", ".join(f"{full.line_of(int(index))} ({full.created_at[index]})" for index in dropped[:20])
            more = f" and {dropped.size - 20} more" if dropped.size > 20 else ""
            print(f"dropped {dropped.size} tickets created far outside the bulk of the file: {shown}{more}")
        elif args.window and dropped.size:
            print(f"kept {len(log)} tickets created in [{args.window[0]}, {args.window[1]}), left out {dropped.size}")
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            config = fit_config(
                log,
                hours_per_step=args.hours_per_step,
                utilisation=args.utilisation,
                rate_scale=args.rate_scale,
                force=args.force,
                **dict(args.overrides),
            )
        for warning in caught:
            print(f"{PROG} fit: warning: {warning.message}", file=sys.stderr)
    except (TicketFileError, ValueError, TypeError) as error:
        raise UsageError(str(error)) from error
    assert config.arrival_profile is not None, "fit_config always fits a weekly arrival profile"
    mean_rate = sum(config.arrival_profile) / len(config.arrival_profile)
    sliced = f", rows where {log.where_text}" if log.where else ""
    comment = (
        f"Fitted by `ticket-triage fit` to {os.path.basename(args.file)} ({len(log)} tickets{sliced}): weekly "
        f"arrival profile\n({len(config.arrival_profile)} steps, mean {mean_rate:.4g} a step at {args.hours_per_step:g} h a step), severity mix, "
        f"components, reopens; work for utilisation {args.utilisation:g}.\nMade with: {shlex.join([PROG, *args.argv])}"
    )
    page = None
    if args.report:
        from .data.fidelity import measure_fidelity
        from .reports.fidelity import fidelity_left_out, fidelity_page

        fidelity = measure_fidelity(log, config, policy=args.report_policy, episodes=args.report_episodes)
        page = fidelity_page(fidelity)  # drawn before anything is written
    with atomic_writer(args.out) as out:
        out.write(scenario_toml(config, comment))
    print(
        f"scenario written to {args.out}: {len(config.arrival_profile)}-step weekly profile, mean {mean_rate:.4g} "
        f"arrivals a step, {config.n_engineers} engineers, work_mean {config.work_mean:.3g}"
    )
    if page is not None:
        page.write(args.report, args.figures)
        numbers = fidelity.summary()
        measures = [
            f"rate {numbers['rate_real']:.4g} real / {numbers['rate_sim']:.4g} simulated per hour",
            f"week correlation {numbers['week_correlation']:.3f}",
        ]
        if numbers["mix_gap_points"] is not None:
            measures.append(f"severity mix within {numbers['mix_gap_points']:.2f} points")
        if numbers["ks"] is not None:
            measures.append(f"time to resolve KS {numbers['ks']:.2f}")
        print(f"fidelity report written to {args.report}: {', '.join(measures)} under {args.report_policy}")
        for sentence in fidelity_left_out(fidelity):
            print(f"not compared: {sentence}")
    return 0


def _cmd_bench(args: argparse.Namespace) -> int:
    from .bench import format_table, run_benchmarks

    config = _config_from(args)
    _check_output(args.json)
    report = run_benchmarks(
        seconds=args.seconds,
        sizes=tuple(args.sizes),
        threads=tuple(args.threads),
        config=config,
        apis=tuple(args.apis),
        with_compile_time=args.compile_time,
    )
    print(format_table(report))
    if args.json:
        _write_json(args.json, report)
    return 0


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


if __name__ == "__main__":
    sys.exit(main())
