"""Rollout recordings: JSON Lines files that record a run step by step, and replaying them.

(A *recording* is a rollout's JSONL file; a *trace* is an export replayed as arrivals,
:mod:`ticket_triage_marl.data.trace`. The header key ``trace_format`` keeps its name: files carry it.)

Written by ``ticket-triage rollout --out trace.jsonl`` (:func:`run_rollout`),
checked by ``ticket-triage replay`` (:func:`replay_recording`), read by anything
that plots or reports a run (:func:`read_recording`, :func:`read_header`,
:func:`iter_steps`).

Format (``trace_format`` 1)
---------------------------

UTF-8 JSON Lines: one JSON object per line, every line ends with ``\\n`` (a
missing final newline means the file was cut). Line 1 is the header, then one
line per step, in order::

    {"type": "header", "trace_format": 1, "version": "0.1.0", "api": "coordinator",
     "policy": "edf", "seed": 7, "steps": 200, "config": {...}}
    {"type": "step", "step": 0, "episode": 0, "t": 1, "actions": ..., "rewards": ...,
     "reward_breakdown": ..., "invalid_action": ..., "snapshot": {...}}
    ...

Header fields:

- ``trace_format`` (int): this layout's version, 1.
- ``version`` (str): the package version that wrote the file.
- ``api`` (str): ``"coordinator"``, ``"parallel"`` or ``"aec"``.
- ``policy`` (str): the policy's name (:data:`~ticket_triage_marl.baselines.POLICIES`).
- ``seed`` (int): the seed of the first ``reset``.
- ``steps`` (int): how many step lines follow.
- ``config`` (object): :meth:`EnvConfig.to_dict` of the env (``EnvConfig.from_dict`` rebuilds it).

Step fields:

- ``step`` (int): 0, 1, ... across the whole file.
- ``episode`` (int): 0 for the first episode. When ``steps`` runs past the
  horizon the env is reset without a seed (the next episode of the same
  random stream, Gymnasium's convention) and ``episode`` counts up.
- ``t`` (int): the env's time step after this step (1 .. horizon).
- ``actions``: the action taken: an int (coordinator) or ``{agent: int}``.
- ``rewards``: a float (coordinator, the team reward) or ``{agent: float}``.
- ``reward_breakdown``: ``{component: float}`` (coordinator) or
  ``{agent: [float, ...]}`` ordered as ``env.reward_names`` (PettingZoo APIs).
- ``invalid_action``: an int (coordinator) or ``{agent: int}``: 1 when the
  mask forbade the action, which was applied as NOOP.
- ``engineer_actions`` (coordinator only): the per-engineer actions the
  coordinator's decision became, a list in engineer order.
- ``closed`` (since 0.x; readers fall back to the snapshots without it): the
  lifecycle record of each ticket the step resolved, ``env.closed_tickets()``
  (:mod:`ticket_triage_marl.metrics` defines time to resolve from it).
- ``snapshot``: the env's full state after the step, ``env.snapshot()``
  (``BatchSim.snapshot``: ``t``, ``horizon``, ``counters``, ``tickets``, ``queue``,
  ``engineers``).

Readers must ignore keys they do not know (later versions may add some).
Files are written atomically (:func:`atomic_writer`): a failed run leaves no
file behind. A file that is cut, corrupted or inconsistent raises
:class:`RecordingError` naming the file and the line (header = line 1).
"""

from __future__ import annotations

import contextlib
import json
import os
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

from ._version import __version__
from .baselines import make_policy
from .config import EnvConfig
from .files import atomic_writer
from .rollout import APIS, Session, run_steps

__all__ = [
    "RECORDING_FORMAT",
    "REQUIRED_STEP_KEYS",
    "Recording",
    "RecordingError",
    "RecordingHeader",
    "RecordingMismatch",
    "ReplayResult",
    "RolloutResult",
    "atomic_writer",
    "iter_steps",
    "read_header",
    "read_recording",
    "recording_header",
    "replay_recording",
    "run_rollout",
]

RECORDING_FORMAT = 1
REQUIRED_STEP_KEYS = ("actions", "rewards", "reward_breakdown", "invalid_action", "snapshot", "episode")


class RecordingError(ValueError):
    """A trace file is truncated, corrupted or inconsistent (the message names ``file:line``)."""


class RecordingMismatch(Exception):
    """Replaying a trace gave a different step than the one recorded (the message names line and field)."""


# -- writing ------------------------------------------------------------------------------------------------------


def _line(value: dict) -> str:
    return json.dumps(value, separators=(",", ":")) + "\n"


def recording_header(api: str, policy: str, seed: int, steps: int, config: EnvConfig) -> dict[str, Any]:
    """The header line of a trace (see the module docstring)."""
    return {
        "type": "header",
        "trace_format": RECORDING_FORMAT,
        "version": __version__,
        "api": api,
        "policy": policy,
        "seed": seed,
        "steps": steps,
        "config": config.to_dict(),
    }


@dataclass(frozen=True)
class RolloutResult:
    """What :func:`run_rollout` ran: step count, episodes started, team return, the last snapshot."""

    steps: int
    episodes: int
    team_return: float
    snapshot: dict
    path: str | None


def run_rollout(
    api: str,
    config: EnvConfig,
    policy: str,
    seed: int,
    steps: int,
    out: str | os.PathLike[str] | None = None,
    on_step: Callable[[], None] | None = None,
) -> RolloutResult:
    """Run the policy called ``policy`` for ``steps`` steps and, if ``out`` is given, write its trace atomically.

    The random policy is seeded with ``seed``. ``on_step`` is called after
    each step (progress bars).
    """
    session = Session(api, config)
    agent = make_policy(policy, seed=seed)
    total = 0.0
    snapshot: dict[str, Any] = {}
    writer = atomic_writer(out) if out is not None else contextlib.nullcontext(None)
    with writer as handle:
        if handle is not None:
            handle.write(_line(recording_header(api, policy, seed, steps, config)))
        for index, (record, _, snapshot) in enumerate(run_steps(session, seed, steps, policy=agent)):
            total += session.team_reward(record)
            if handle is not None:
                step = {"type": "step", "step": index, "episode": session.episode, "t": snapshot["t"], **record}
                step["snapshot"] = snapshot
                handle.write(_line(step))
            if on_step is not None:
                on_step()
    return RolloutResult(steps, session.episode + 1, total, snapshot, None if out is None else os.fspath(out))


# -- reading ------------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class RecordingHeader:
    """A trace's header line, checked (``raw`` keeps every key, known or not)."""

    config: EnvConfig
    api: str
    seed: int
    steps: int
    policy: str
    version: str | None
    raw: dict


@dataclass(frozen=True)
class Recording:
    """A whole trace in memory: the header and the step records (dicts, as in the file)."""

    header: RecordingHeader
    steps: list[dict]


def _json_line(path: str, number: int, line: str) -> dict:
    if not line.endswith("\n"):
        # the writer ends every line with a newline: a missing one means the file was cut
        raise RecordingError(f"{path}:{number}: last line is incomplete (no newline): trace truncated")
    try:
        value = json.loads(line)
    except json.JSONDecodeError as error:
        raise RecordingError(
            f"{path}:{number}: not valid JSON ({error.msg} at column {error.colno}): trace corrupted"
        ) from None
    if not isinstance(value, dict):
        raise RecordingError(f"{path}:{number}: expected a JSON object, got {type(value).__name__}: trace corrupted")
    return value


def _lines(path: str) -> Iterator[tuple[int, str]]:
    """``(line number, text)`` of every line; a missing file raises FileNotFoundError, bad bytes RecordingError."""
    if not os.path.isfile(path):
        raise FileNotFoundError(f"trace file not found: {path}")
    with open(path, encoding="utf-8") as handle:
        number = 0
        while True:
            try:
                line = handle.readline()
            except UnicodeDecodeError:
                raise RecordingError(f"{path}:{number + 1}: not valid UTF-8 text: trace corrupted") from None
            if not line:
                return
            number += 1
            yield number, line


def _parse_header(path: str, line: str) -> RecordingHeader:
    header = _json_line(path, 1, line)
    if header.get("type") != "header":
        raise RecordingError(f"{path}:1: expected the trace header (type 'header'), got type {header.get('type')!r}")
    if header.get("trace_format") != RECORDING_FORMAT:
        raise RecordingError(
            f"{path}:1: unsupported trace_format {header.get('trace_format')!r} (expected {RECORDING_FORMAT})"
        )
    missing = [key for key in ("config", "seed", "api", "steps") if key not in header]
    if missing:
        raise RecordingError(f"{path}:1: header lacks {missing}: trace corrupted")
    try:
        config = EnvConfig.from_dict(header["config"])
    except (TypeError, ValueError) as error:
        raise RecordingError(f"{path}:1: bad config in the header: {error}") from None
    seed, steps, api = header["seed"], header["steps"], header["api"]
    if not isinstance(seed, int) or not isinstance(steps, int) or steps < 0 or api not in APIS:
        raise RecordingError(f"{path}:1: bad seed, steps or api in the header: trace corrupted")
    version = header.get("version")
    return RecordingHeader(config, api, seed, steps, str(header.get("policy", "?")), version, header)


def read_header(path: str | os.PathLike[str]) -> RecordingHeader:
    """The checked header of a trace file.

    Raises:
        FileNotFoundError: no such file.
        RecordingError: empty, not text, or a bad header (``file:1: ...``).
    """
    path = os.fspath(path)
    for _, line in _lines(path):
        return _parse_header(path, line)
    raise RecordingError(f"{path}:1: empty file, expected the trace header")


def iter_steps(path: str | os.PathLike[str]) -> Iterator[tuple[int, dict]]:
    """``(line number, step record)`` of every step line, each checked as it is read.

    The header is checked first; every line must be a step record with
    :data:`REQUIRED_STEP_KEYS`, and the file must hold exactly the header's
    ``steps`` of them.

    Raises:
        FileNotFoundError: no such file.
        RecordingError: the first bad line (cut, not JSON, wrong type, missing
            keys, too many steps) or, at the end, too few steps.
    """
    path = os.fspath(path)
    lines = _lines(path)
    first = next(lines, None)
    if first is None:
        raise RecordingError(f"{path}:1: empty file, expected the trace header")
    header = _parse_header(path, first[1])
    number, count = 1, 0
    for number, line in lines:
        record = _json_line(path, number, line)
        if record.get("type") != "step":
            raise RecordingError(f"{path}:{number}: expected a step record, got type {record.get('type')!r}")
        missing = [key for key in REQUIRED_STEP_KEYS if key not in record]
        if missing:
            raise RecordingError(f"{path}:{number}: step record lacks {missing}: trace corrupted")
        if count >= header.steps:
            raise RecordingError(f"{path}:{number}: more step records than the {header.steps} the header announces")
        yield number, record
        count += 1
    if count != header.steps:
        raise RecordingError(
            f"{path}:{number + 1}: trace truncated: the header announces {header.steps} steps, the file has {count}"
        )


def read_recording(path: str | os.PathLike[str]) -> Recording:
    """A whole trace, checked (as :func:`iter_steps`), in memory."""
    header = read_header(path)
    return Recording(header, [record for _, record in iter_steps(path)])


# -- replaying ----------------------------------------------------------------------------------------------------


def _first_difference(expected: Any, got: Any, path: str = "") -> str | None:
    """Where two JSON values differ first (``path: expected vs got``), or None."""
    if isinstance(expected, dict) and isinstance(got, dict):
        for key in sorted(set(expected) | set(got)):
            if key not in expected or key not in got:
                return f"{path}.{key}: present in only one of trace and replay"
            found = _first_difference(expected[key], got[key], f"{path}.{key}")
            if found:
                return found
        return None
    if isinstance(expected, list) and isinstance(got, list):
        if len(expected) != len(got):
            return f"{path}: {len(expected)} items in the trace vs {len(got)} in the replay"
        for index, (a, b) in enumerate(zip(expected, got, strict=True)):
            found = _first_difference(a, b, f"{path}[{index}]")
            if found:
                return found
        return None
    if expected != got or type(expected) is not type(got):
        return f"{path}: trace {expected!r} vs replay {got!r}"
    return None


@dataclass(frozen=True)
class ReplayResult:
    """A trace that replayed identically: its header and the number of steps checked."""

    header: RecordingHeader
    steps: int


def replay_recording(path: str | os.PathLike[str]) -> ReplayResult:
    """Re-run a trace's config and seed with its recorded actions; check every step's rewards and snapshot.

    Raises:
        FileNotFoundError: no such file.
        RecordingError: the file is cut, corrupted, or records an action outside the action space.
        RecordingMismatch: a replayed step differs from the recorded one (line, step and first differing field).
    """
    path = os.fspath(path)
    header = read_header(path)
    session = Session(header.api, header.config)
    session.reset(header.seed)
    count = 0
    for number, record in iter_steps(path):
        if session.done:
            session.reset(None)
        if record["episode"] != session.episode:
            raise RecordingMismatch(
                f"{path}:{number}: step {count} is in episode {record['episode']} in the trace "
                f"but episode {session.episode} in the replay"
            )
        try:
            replayed, _ = session.step(record["actions"])
        except (TypeError, ValueError) as error:
            raise RecordingError(f"{path}:{number}: bad action in the trace: {error}") from None
        replayed["snapshot"] = session.snapshot()
        replayed = json.loads(json.dumps(replayed))  # compare as JSON, the way the trace stores it
        for key in ("rewards", "reward_breakdown", "invalid_action", "snapshot", "closed"):
            if key not in record:  # "closed": recordings written before lifecycle records
                continue
            difference = _first_difference(record[key], replayed[key], key)
            if difference:
                raise RecordingMismatch(
                    f"{path}:{number}: mismatch at step {count} (t={record.get('t')}): {difference}"
                )
        count += 1
    return ReplayResult(header, count)
