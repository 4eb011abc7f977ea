"""Determinism digests: a SHA-256 per step, in this process and in a fresh one.

What ``ticket-triage validate`` compares (re-exported by :mod:`ticket_triage_marl.evaluation`):
:func:`step_digest` hashes one step (observations and masks, rewards,
breakdowns, invalid flags, the snapshot); :func:`run_digests` runs a fresh
:class:`~ticket_triage_marl.rollout.Session` and digests every step;
:func:`digests_in_fresh_process` does the same in a new Python process.
"""

from __future__ import annotations

import hashlib
import json
import subprocess
import sys
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from .baselines import Policy
from .config import EnvConfig
from .rollout import Session, run_steps

__all__ = ["DigestRun", "digests_in_fresh_process", "run_digests", "step_digest"]


def step_digest(observed: bytes, record: dict, snapshot: dict) -> str:
    """SHA-256 (hex) of one step: observations and masks, rewards, breakdowns, invalid flags, snapshot."""
    payload = json.dumps(
        [record["rewards"], record["reward_breakdown"], record["invalid_action"], snapshot], sort_keys=True
    )
    return hashlib.sha256(observed + payload.encode()).hexdigest()


@dataclass(frozen=True)
class DigestRun:
    """What :func:`run_digests` saw: per step, the action taken, its digest and where it was."""

    actions: list[Any]
    digests: list[str]
    where: list[str]  # "episode k, t=..." per step, for messages


def run_digests(
    api: str,
    config: EnvConfig,
    seed: int,
    steps: int,
    policy: Policy | None = None,
    actions: Sequence[Any] | None = None,
) -> DigestRun:
    """Run a fresh :class:`Session` for ``steps`` steps (as :func:`run_steps`) and digest every step."""
    session = Session(api, config)
    run = DigestRun([], [], [])
    for record, observed, snapshot in run_steps(session, seed, steps, policy=policy, actions=actions):
        run.actions.append(record["actions"])
        run.digests.append(step_digest(observed, record, snapshot))
        run.where.append(f"episode {session.episode}, t={snapshot['t']}")
    return run


_FRESH_PROCESS_CODE = "from ticket_triage_marl.digests import _digest_main; _digest_main()"


def digests_in_fresh_process(api: str, config: EnvConfig, seed: int, actions: Sequence[Any]) -> list[str]:
    """:func:`run_digests` of recorded actions, in a new Python process (nothing shared but the inputs).

    Raises:
        RuntimeError: the process failed or printed no digests (its last stderr line is in the message).
    """
    request = {"config": config.to_dict(), "api": api, "seed": seed, "actions": list(actions)}
    completed = subprocess.run(
        [sys.executable, "-c", _FRESH_PROCESS_CODE],
        input=json.dumps(request),
        capture_output=True,
        text=True,
        check=False,
    )
    if completed.returncode != 0:
        detail = (completed.stderr.strip().splitlines() or ["no output"])[-1]
        raise RuntimeError(f"the fresh-process replay failed (exit {completed.returncode}): {detail}")
    try:
        digests = json.loads(completed.stdout)
    except json.JSONDecodeError:
        raise RuntimeError(f"the fresh-process replay printed no digests: {completed.stdout[:80]!r}") from None
    return [str(digest) for digest in digests]


def _digest_main() -> None:
    """The fresh process of :func:`digests_in_fresh_process`: ``{config, api, seed, actions}`` on stdin."""
    request = json.loads(sys.stdin.read())
    config = EnvConfig.from_dict(request["config"])
    actions = request["actions"]
    print(json.dumps(run_digests(request["api"], config, request["seed"], len(actions), actions=actions).digests))
