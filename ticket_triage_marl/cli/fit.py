"""``ticket-triage fit``: a scenario (TOML) fitted to a tracker's export, optionally with its fidelity report."""

from __future__ import annotations

import argparse
import os
import shlex
import sys
import warnings
from collections.abc import Sequence
from typing import Any, cast

from ..files import atomic_writer
from ._common import (
    PROG,
    PROGRESS_BAR_MIN_BYTES,
    UsageError,
    add_command,
    add_set_argument,
    check_output,
    policy_name,
    positive_float,
    positive_int,
    require_plot_extra,
)


def add_arguments(commands: Any) -> None:
    """Add the command, its help and its arguments to ``commands`` (the parser's subparsers)."""
    parser = add_command(
        commands,
        "fit",
        run,
        help="fit a scenario (TOML) to a tracker's CSV export",
        description="Read a CSV export (ttm.read_tickets) and write a scenario whose arrivals follow its "
        "hour-of-week profile at the same mean rate, with its severity mix, components and reopen rate, and work "
        "sized for a stated utilisation of the team (ttm.fit_config). With --report, also run the scenario under a "
        "baseline and write an HTML page comparing it with the export (needs the plot extra). Written atomically: "
        "nothing on failure.",
    )
    parser.add_argument("file", help="the export: CSV, or the JSON array of 'gh issue list --json'")
    parser.add_argument("--out", metavar="FILE", required=True, help="the scenario TOML to write")
    _add_export_arguments(parser)
    parser.add_argument(
        "--window",
        nargs=2,
        metavar=("START", "END"),
        help="fit only the tickets created in [START, END) on the desk's clock, e.g. --window 2024-01-01 2025-01-01",
    )
    parser.add_argument(
        "--drop-outliers",
        action="store_true",
        help="leave out creation times far outside the bulk of the file (printed with their lines) instead of refusing",
    )
    parser.add_argument(
        "--force",
        action="store_true",
        help="fit a file too small for a week profile, with a warning instead of an error",
    )
    parser.add_argument(
        "--where",
        metavar="COLUMN=VALUE",
        type=_where_item,
        action="append",
        default=[],
        help="fit only the rows whose COLUMN is VALUE, e.g. --where 'assignment_group=Group 64' (repeatable; "
        "repeating a column allows several values)",
    )
    parser.add_argument("--hours-per-step", type=positive_float, default=1.0, help="hours one step stands for (1)")
    parser.add_argument("--utilisation", type=positive_float, default=0.85, help="team utilisation to size work for")
    parser.add_argument(
        "--work",
        choices=["utilisation", "net-median"],
        default="utilisation",
        help="size work for --utilisation (default), or fit it by simulation so that the median time to resolve "
        "net of awaiting matches the export's (under --report-policy; about a minute for a week of 5-minute steps)",
    )
    parser.add_argument("--rate-scale", type=positive_float, default=1.0, help="multiply every arrival rate (1)")
    parser.add_argument(
        "--mechanics",
        default="auto",
        metavar="auto|none|NAME,...",
        help="the optional mechanics to fit where the export has their columns (default auto: every one; "
        "awaiting from awaiting_hours); the scenario's comments say what was fitted and why not",
    )
    add_set_argument(parser, "set a config field after fitting, e.g. --set n_engineers=16 (repeatable)")
    parser.add_argument("--report", metavar="FILE", help="also write the fidelity report (HTML) of the scenario")
    parser.add_argument("--figures", metavar="DIR", help="with --report: also write each figure as DIR/<name>.png")
    parser.add_argument(
        "--report-policy",
        type=policy_name,
        default="edf",
        help="the baseline the report runs the scenario under (default edf)",
    )
    parser.add_argument(
        "--report-episodes", type=positive_int, default=4, help="simulated episodes in the report (default 4)"
    )


def _add_export_arguments(parser: argparse.ArgumentParser) -> None:
    """How to read a tracker's export (read_tickets' options)."""
    from ..data.presets import PRESETS

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


def _column_map(text: str) -> dict[str, str]:
    pairs = {}
    for item in text.split(","):
        field, sep, column = item.partition("=")
        if not sep or not field.strip() or not column.strip():
            raise argparse.ArgumentTypeError(f"expected FIELD=COLUMN[,FIELD=COLUMN...], got {text!r}")
        pairs[field.strip()] = column.strip()
    return pairs


def _severity_map(text: str) -> dict[str, int]:
    from ..data.exports import parse_severity_map

    try:
        return parse_severity_map(text)
    except ValueError as error:
        raise argparse.ArgumentTypeError(str(error)) from None


def _read_export(args: argparse.Namespace, where: dict[str, list[str]] | None = None) -> Any:
    """The export of ``args.file`` read with the export arguments; says which format it was read as."""
    from ..data import read_tickets

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


def run(args: argparse.Namespace) -> int:
    """Run ``ticket-triage fit``; returns the exit status."""
    from ..data import TicketFileError, fit_config
    from ..data.fit import mechanic_notes, scenario_toml, select_tickets

    check_output(args.out)
    check_output(args.report)
    if args.figures and not args.report:
        raise UsageError("--figures needs --report")
    if args.report:
        require_plot_extra()
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
                mechanics=args.mechanics,
                **dict(args.overrides),
            )
        for warning in caught:
            print(f"{PROG} fit: warning: {warning.message}", file=sys.stderr)
        work_note = None
        if args.work == "net-median":
            from ..data.work import fit_work

            config, work_note = fit_work(log, config, policy=args.report_policy)
            print(work_note)
    except (TicketFileError, ValueError, TypeError) as error:
        raise UsageError(str(error)) from error
    assert config.arrival_profile is not None, "fit_config always fits a weekly arrival profile"
    mean_rate = sum(config.arrival_profile) / len(config.arrival_profile)
    sliced = f", rows where {log.where_text}" if log.where else ""
    notes = mechanic_notes(log, args.mechanics, args.hours_per_step, config.n_engineers)
    if work_note is not None:  # the work note says how work was fitted instead of sized
        notes = [note for note in notes if not note.startswith("work:")] + [work_note]
    work_how = "fitted to the median time to resolve" if work_note else f"for utilisation {args.utilisation:g}"
    comment = (
        f"Fitted by `ticket-triage fit` to {os.path.basename(args.file)} ({len(log)} tickets{sliced}): weekly "
        f"arrival profile\n({len(config.arrival_profile)} steps, mean {mean_rate:.4g} a step at {args.hours_per_step:g} h a step), severity mix, "
        f"components, reopens; work {work_how}.\n"
        + "".join(f"{note}.\n" for note in notes)
        + f"Made with: {shlex.join([PROG, *args.argv])}"
    )
    page = None
    if args.report:
        from ..data.fidelity import measure_fidelity
        from ..reports.fidelity import fidelity_left_out, fidelity_page

        fidelity = measure_fidelity(log, config, policy=args.report_policy, episodes=args.report_episodes)
        page = fidelity_page(fidelity, notes)  # drawn first
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
