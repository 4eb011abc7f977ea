"""``ticket-triage bench``: steps per second of every API (the harness, :mod:`ticket_triage_marl.bench`,
is imported only when the command runs)."""

from __future__ import annotations

import argparse
from typing import Any

from ._common import (
    add_command,
    add_config_arguments,
    check_output,
    config_from,
    int_list,
    name_list,
    positive_float,
    write_json,
)

BENCH_APIS = ("coordinator", "parallel", "aec", "mpe", "batch", "arrivals", "torchrl")


def add_arguments(commands: Any) -> None:
    """Add the command, its help and its arguments to ``commands`` (the parser's subparsers)."""
    parser = add_command(
        commands,
        "bench",
        run,
        help="steps per second of every API, as ratios to CartPole-v1",
        description="Measure steps/s of the coordinator, parallel and AEC envs and of the batched engine at "
        "several sizes and thread counts, with random masked actions and observations built, each also as a "
        "ratio to Gymnasium's CartPole-v1 stepped the same way in the same process.",
    )
    parser.add_argument("--seconds", type=positive_float, default=2.0, help="seconds per measurement (default 2)")
    parser.add_argument(
        "--sizes",
        type=int_list,
        default=[1, 64, 1024, 4096, 16384],
        help="batch sizes N (default 1,64,1024,4096,16384)",
    )
    parser.add_argument("--threads", type=int_list, default=[1, 2], help="numba thread counts (default 1,2)")
    parser.add_argument(
        "--apis",
        type=name_list(BENCH_APIS, "api"),
        default=list(BENCH_APIS),
        help=f"comma-separated subset of {','.join(BENCH_APIS)} (default all)",
    )
    parser.add_argument(
        "--compile-time", action="store_true", help="also time the first use from an empty numba cache (~30 s)"
    )
    parser.add_argument("--json", metavar="FILE", help="also write the results as JSON")
    add_config_arguments(parser)


def run(args: argparse.Namespace) -> int:
    """Run ``ticket-triage bench``; returns the exit status."""
    from ..bench import format_table, run_benchmarks

    config = config_from(args)
    check_output(args.json)
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
        write_json(args.json, report)
    return 0
