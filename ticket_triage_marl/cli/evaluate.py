"""``ticket-triage evaluate``: policies compared over seeds (mean and 95% CI), optionally as JSON and a figure."""

from __future__ import annotations

import argparse
from typing import Any

from .._version import __version__
from ..baselines import PLANNERS, POLICIES
from ..comparison import compare_policies
from ..rollout import API_TITLES, EPISODE_APIS, METRICS
from ._common import (
    add_command,
    add_config_arguments,
    check_output,
    config_from,
    format_ci,
    name_list,
    positive_int,
    progress,
    require_plot_extra,
    table,
    write_json,
)

DEFAULT_EVALUATE_POLICIES = ("random", "noop", "fifo", "edf", "severity", "cost_rate")


def add_arguments(commands: Any) -> None:
    """Add the command, its help and its arguments to ``commands`` (the parser's subparsers)."""
    parser = add_command(
        commands,
        "evaluate",
        run,
        help="compare policies over seeds (mean and 95%% CI)",
        description="Run each policy for one full episode of the coordinator env (or, with --api parallel, the "
        "multi-agent env, where every engineer acts each step) on seeds 0..N-1. Every policy faces the same "
        "seeds, so the same tickets (common random numbers); the paired difference to the first policy is shown "
        "with its own confidence interval.",
    )
    parser.add_argument(
        "--policies",
        type=name_list([*POLICIES, *PLANNERS], "policy"),
        default=list(DEFAULT_EVALUATE_POLICIES),
        help=f"comma-separated policies (default {','.join(DEFAULT_EVALUATE_POLICIES)}); the coordinator's "
        "planners: rollout (fair look-ahead on sampled futures) and clairvoyant (an oracle on the true future: "
        "an upper reference, not a policy)",
    )
    parser.add_argument("--seeds", type=positive_int, default=20, help="number of seeds, 0..N-1 (default 20)")
    parser.add_argument(
        "--api",
        choices=EPISODE_APIS,
        default="coordinator",
        help="coordinator: one assignment a step (default); parallel: every engineer acts each step",
    )
    parser.add_argument("--json", metavar="FILE", help="also write the results as JSON")
    parser.add_argument(
        "--plot",
        metavar="FILE",
        help="also draw the returns with 95%% CIs and the paired differences to the first policy as a PNG "
        "(needs the plot extra)",
    )
    add_config_arguments(parser)


def run(args: argparse.Namespace) -> int:
    """Run ``ticket-triage evaluate``; returns the exit status."""
    config = config_from(args)
    check_output(args.json)
    check_output(args.plot)
    if args.plot:
        require_plot_extra()
    seeds = range(args.seeds)
    bar = progress(len(args.policies) * len(seeds) * config.horizon)
    try:
        result = compare_policies(
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
        for metric in METRICS:
            estimate = result.summary[name][metric]
            row.append(format_ci(estimate.mean, estimate.ci95, digits.get(metric, 1)))
        paired = result.paired[name]["return"]
        row.append("-" if name == reference else format_ci(paired.mean, paired.ci95, 2))
        rows.append(row)
    headers = ["policy", *METRICS.values(), f"return - {reference} (paired)"]
    seed_text = "seed 0" if args.seeds == 1 else f"seeds 0..{args.seeds - 1}"
    print(
        f"{API_TITLES[args.api]}, config {config.name!r} (horizon {config.horizon}, {config.n_engineers} engineers), "
        f"one episode per seed on {seed_text}."
    )
    print(
        "Common random numbers: every policy faces the same seeds, hence the same ticket arrivals. "
        "Mean ± 95% CI (t-distribution); time to resolve in steps."
    )
    print(table(headers, rows))
    for name, cost in result.planning.items():
        print(
            f"{name}: {cost['decisions']:,} decisions planned, {cost['simulated_steps']:,} simulated steps, "
            f"{cost['ms_per_decision']:.1f} ms a decision"
            + (" (an oracle on the true future: an upper reference, not a policy)" if name == "clairvoyant" else "")
        )
    if args.json:
        write_json(args.json, {**result.to_dict(), "version": __version__})
    if args.plot:
        from ..reports.evaluation import write_evaluation_plot

        write_evaluation_plot(result, args.plot)
        print(f"plot written to {args.plot}")
    return 0
