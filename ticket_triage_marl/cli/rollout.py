"""``ticket-triage rollout``: run a policy, write a recording (JSON Lines) and optionally a video."""

from __future__ import annotations

import argparse
from typing import Any

from .. import recordings
from ..baselines import POLICIES
from ..extras import MissingExtraError
from ..render import render_ansi
from ..rollout import APIS
from ._common import (
    UsageError,
    add_command,
    add_config_arguments,
    check_output,
    config_from,
    non_negative_int,
    policy_name,
    positive_float,
    positive_int,
    progress,
)


def add_arguments(commands: Any) -> None:
    """Add the command, its help and its arguments to ``commands`` (the parser's subparsers)."""
    parser = add_command(
        commands,
        "rollout",
        run,
        help="run a policy and write a JSONL trace",
        description="Run a heuristic policy for --steps steps (resetting into the next episode at the horizon), "
        "write a JSONL trace atomically, and print the final state.",
    )
    parser.add_argument("--seed", type=non_negative_int, default=7, help="episode seed (default 7)")
    parser.add_argument("--steps", type=positive_int, default=200, help="steps to run (default 200)")
    parser.add_argument("--out", metavar="FILE", help="the recording to write (JSON Lines); omit to write none")
    parser.add_argument("--policy", type=policy_name, default="edf", help=f"one of {', '.join(POLICIES)} (default edf)")
    parser.add_argument(
        "--api", choices=APIS, default="coordinator", help="which env API to drive (default coordinator)"
    )
    parser.add_argument(
        "--video",
        metavar="FILE",
        help="also record the episode's rgb_array frames, one per step, as FILE.mp4 or FILE.gif "
        "(needs the video extra)",
    )
    parser.add_argument(
        "--fps", type=positive_float, default=4.0, help="frames (steps) per second of --video (default 4)"
    )
    add_config_arguments(parser)


def run(args: argparse.Namespace) -> int:
    """Run ``ticket-triage rollout``; returns the exit status."""
    config = config_from(args)
    check_output(args.out)
    check_output(args.video)
    if args.video:
        from ..video import check_video_path

        try:
            check_video_path(args.video, n_frames=args.steps)  # a bad suffix or a missing extra fails now
        except (ValueError, MissingExtraError) as error:
            raise UsageError(str(error)) from error
    bar = progress(args.steps)
    on_step = None if bar is None else lambda: bar.update(1)
    try:
        if args.video:
            from ..video import rollout_video

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
