"""``ticket-triage benchmark``: every entry on the scenario suite, resumable, with a leaderboard."""

from __future__ import annotations

import argparse
import os
from typing import Any

from ..benchmark import (
    APIS,
    DEFAULT_ENTRIES,
    ENTRIES,
    EVAL_SEED_BASE,
    HEURISTICS,
    LEARNED,
    SUITE,
    eval_seeds,
    run_benchmark,
    summarize,
    write_outputs,
)
from ..extras import MissingExtraError
from ._common import UsageError, add_command, name_list, non_negative_int, positive_int, progress, significance_level


def add_arguments(commands: Any) -> None:
    """Add the command, its help and its arguments to ``commands`` (the parser's subparsers)."""
    parser = add_command(
        commands,
        "benchmark",
        run,
        help="run every entry on the scenario suite and write a leaderboard (resumable)",
        description="Run each entry (heuristics, planners, learned entries) for one episode per evaluation seed "
        f"({EVAL_SEED_BASE} + 0..N-1; train on seeds below {EVAL_SEED_BASE}) on each scenario of the suite, then "
        "write a leaderboard: per scenario, mean return with its 95%% CI and the normalised score (0 = random, "
        "1 = the best heuristic); over the suite, the IQM of the normalised scores and the probability of "
        "improvement over the best heuristic with stratified-bootstrap 95%% CIs (rliable's methods), and "
        "performance profiles. Results are appended to OUT/results.jsonl as they finish: run the same command "
        "again to resume.",
    )
    parser.add_argument("--out", required=True, metavar="DIR", help="results directory (made if missing)")
    parser.add_argument(
        "--entries",
        type=name_list(list(ENTRIES), "entry"),
        default=list(DEFAULT_ENTRIES),
        help=f"comma-separated entries (default {','.join(DEFAULT_ENTRIES)}); random is needed for the normalised "
        f"score; learned entries ({', '.join(f'{name} on the {api} API' for name, api in LEARNED.items())}; the "
        "maskable_ppo ones need the sb3 extra, rllib_ppo the rllib one, the benchmarl ones the torchrl one) train "
        "first on each scenario",
    )
    parser.add_argument(
        "--api",
        choices=APIS,
        default="coordinator",
        help="where the entries play: the coordinator env, one decision a step (default), or the parallel "
        "multi-agent env, every engineer acting each step (the planners plan the team's joint action); a scenario "
        "on the parallel API is a task of its own in the leaderboard, 'SCENARIO (parallel)'",
    )
    parser.add_argument(
        "--budget",
        type=positive_int,
        metavar="STEPS",
        help="training env-steps of the learned entries (default their settings file's: 1000000; the results are kept "
        "as ENTRY@STEPS)",
    )
    parser.add_argument(
        "--scenarios",
        type=lambda text: [name.strip() for name in text.split(",") if name.strip()],
        default=list(SUITE),
        help=f"comma-separated scenarios or config files (default the suite: {','.join(SUITE)})",
    )
    parser.add_argument("--seeds", type=positive_int, default=20, help="evaluation seeds per scenario (default 20)")
    parser.add_argument(
        "--planner-futures",
        type=positive_int,
        metavar="K",
        help="the fair planner's sampled futures per decision (default 8; results kept as rollout@kKdD)",
    )
    parser.add_argument(
        "--planner-depth",
        type=positive_int,
        metavar="D",
        help="the planners' look-ahead in steps (default 96; results kept as rollout@kKdD, clairvoyant@dD): the "
        "planners' cost grows with both, and with the horizon",
    )
    parser.add_argument(
        "--planner-base",
        choices=[name for name in HEURISTICS if name != "random"],
        help="the rule the planners roll forward and fall back on (default cost_rate; results kept as "
        "rollout@kKdD-BASE)",
    )
    parser.add_argument(
        "--planner-alpha",
        type=significance_level,
        metavar="LEVEL",
        help="the level of the fair planner's test that a candidate beats the base rule's action (one-sided, "
        "paired over its futures, Bonferroni over the candidates; default 0.05; results kept as rollout@kKdDaLEVEL)",
    )
    parser.add_argument(
        "--train-seed",
        type=non_negative_int,
        metavar="SEED",
        help=f"the learned entries' training seed (default their settings file's: 0; below {EVAL_SEED_BASE}; "
        "results kept as ENTRY@STEPS-seedSEED)",
    )
    parser.add_argument(
        "--ray-address",
        metavar="ADDRESS",
        help="run the episodes as Ray tasks on this cluster ('auto', 'ray://HOST:10001', or 'local' for a new "
        "local one; needs the rllib extra); without it they run here, one after another",
    )
    parser.add_argument("--no-figure", action="store_true", help="skip the performance-profile figure")


def run(args: argparse.Namespace) -> int:
    """Run ``ticket-triage benchmark``; returns the exit status."""
    if "random" not in args.entries:
        raise UsageError("--entries must include random: the normalised score's 0")
    seeds = eval_seeds(args.seeds)
    total = len(args.entries) * len(args.scenarios) * len(seeds)
    bar = progress(total)
    try:
        results = run_benchmark(
            args.out,
            args.entries,
            args.scenarios,
            seeds,
            ray_address=args.ray_address,
            on_result=None if bar is None else lambda result: bar.update(1),
            budget=args.budget,
            planner_futures=args.planner_futures,
            planner_depth=args.planner_depth,
            planner_base=args.planner_base,
            api=args.api,
            planner_alpha=args.planner_alpha,
            train_seed=args.train_seed,
        )
    except (ValueError, FileNotFoundError) as error:
        raise UsageError(str(error)) from None
    finally:
        if bar is not None:
            bar.close()
    board = summarize(results)
    figure = not args.no_figure
    try:
        paths = write_outputs(board, args.out, figure=figure)
    except MissingExtraError as error:
        paths = write_outputs(board, args.out, figure=False)
        print(f"no performance-profile figure: {error}")
    with open(os.path.join(args.out, "leaderboard.md"), encoding="utf-8") as handle:
        print(handle.read())
    print("written: " + ", ".join(paths))
    return 0
