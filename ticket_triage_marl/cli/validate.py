"""``ticket-triage validate``: the determinism check (same seed and actions, same digests)."""

from __future__ import annotations

import argparse
from typing import Any

from ..baselines import make_policy
from ..digests import digests_in_fresh_process, run_digests
from ..rollout import APIS
from ._common import (
    CheckFailed,
    add_command,
    add_config_arguments,
    config_from,
    non_negative_int,
    policy_name,
    positive_int,
)


def add_arguments(commands: Any) -> None:
    """Add the command, its help and its arguments to ``commands`` (the parser's subparsers)."""
    parser = add_command(
        commands,
        "validate",
        run,
        help="check determinism (same seed + actions -> same results)",
        description="Run a policy, then replay the same seed and actions in a fresh env and in a fresh Python "
        "process, comparing a SHA-256 digest of (observation, rewards, snapshot) at every step. "
        "Exits 1 naming the first differing step.",
    )
    parser.add_argument("--seed", type=non_negative_int, default=7, help="episode seed (default 7)")
    parser.add_argument("--steps", type=positive_int, default=120, help="steps to compare (default 120)")
    parser.add_argument(
        "--policy", type=policy_name, default="random", help="policy producing the actions (default random)"
    )
    parser.add_argument(
        "--api", choices=APIS, default="coordinator", help="which env API to drive (default coordinator)"
    )
    add_config_arguments(parser)


def run(args: argparse.Namespace) -> int:
    """Run ``ticket-triage validate``; returns the exit status."""
    config = config_from(args)
    policy = make_policy(args.policy, seed=args.seed)
    first = run_digests(args.api, config, args.seed, args.steps, policy=policy)
    second = run_digests(args.api, config, args.seed, args.steps, actions=first.actions)
    try:
        third = digests_in_fresh_process(args.api, config, args.seed, first.actions)
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
