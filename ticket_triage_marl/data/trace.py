"""A ticket export as the arrays the kernels replay (``arrival_process="trace"``).

How a file becomes a stream of arrivals:

- **Time.** Trace step ``k`` covers ``[h0 + k*H, h0 + (k+1)*H)`` hours, where
  ``h0`` is the hour (floored) of the file's earliest ticket and ``H`` is
  ``trace_hours_per_step``. Every row is one ticket arriving in its step, in
  file order within a step.
- **Where an episode starts.** Episode step ``s`` (1, 2, ...) replays trace
  step ``offset + s - 1``. ``trace_start`` is the offset (an int), or
  ``"random"``: each episode draws its offset from its seed and episode, uniform
  over the offsets whose whole episode lies inside the trace (over every step,
  if the trace is shorter than the horizon), so one file gives many distinct,
  reproducible episodes and every policy evaluated on a seed meets the same
  tickets.
- **When the trace ends** before the horizon, arrivals stop: the episode plays
  out the backlog (what a team would face if the stream dried up), rather than
  wrapping around and inventing a history the file does not have.
- **Severity** is the row's priority (see :mod:`.exports`; unknown: 2).
  **Component**: the ``n_components - 1`` most frequent labels keep a component
  each and the rest are folded into the last one (if there are at most
  ``n_components`` labels, each keeps its own); rows without a label, or files
  without the column, draw it as simulated tickets do.
- **Work** is drawn from the config's work model (``work_distribution``,
  ``work_mean``), like every simulated ticket: exports have no work column, and
  their resolution times include waiting in the queue, which is what the
  simulator produces, not what it may take as given. Ambiguity and
  dependencies are drawn too; the initial backlog is simulated.

A file is read once per process and shared (the arrays are not copied per
environment, so memory does not grow with ``num_envs``).
"""

from __future__ import annotations

import os
from collections import Counter
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

import numpy as np

from .exports import read_tickets

__all__ = ["TraceArrays", "load_trace"]


@dataclass(frozen=True, eq=False)
class TraceArrays:
    """The replayable form of an export.

    Attributes:
        first_row: ``(S + 1,)`` int64: rows ``first_row[k] .. first_row[k+1] - 1`` arrive at trace step ``k``.
        severity: ``(R,)`` int64, 1..4, rows sorted by arrival step.
        component: ``(R,)`` int64, ``-1`` where the component is drawn.
        component_labels: the label of each component index (the last one may stand for several).
    """

    first_row: np.ndarray
    severity: np.ndarray
    component: np.ndarray
    component_labels: tuple[str, ...]

    @property
    def n_steps(self) -> int:
        return int(self.first_row.shape[0] - 1)

    @property
    def n_rows(self) -> int:
        return int(self.severity.shape[0])


def component_codes(labels: tuple[str, ...] | None, n_components: int) -> tuple[np.ndarray, tuple[str, ...]]:
    """Component index of every label: the ``n_components - 1`` most frequent keep theirs, the rest share the last."""
    if labels is None:
        return np.zeros(0, dtype=np.int64), ()
    counts = Counter(label for label in labels if label)
    ranked = [label for label, _ in sorted(counts.items(), key=lambda item: (-item[1], item[0]))]
    if len(ranked) <= n_components:
        kept, names = ranked, tuple(ranked)
    else:
        kept = ranked[: n_components - 1]
        names = (*kept, f"other ({len(ranked) - len(kept)} labels)")
    index = {label: position for position, label in enumerate(kept)}
    folded = len(kept) if len(ranked) > n_components else -1
    codes = np.array([index.get(label, folded) if label else -1 for label in labels], dtype=np.int64)
    return codes, names


@lru_cache(maxsize=16)
def _load(
    path: str, stamp: tuple, columns: tuple | None, hours_per_step: float, n_components: int, options: tuple
) -> TraceArrays:
    reader_options: dict[str, Any] = {key: dict(value) if isinstance(value, tuple) else value for key, value in options}
    log = read_tickets(path, columns=dict(columns) if columns is not None else None, **reader_options)
    hours = log.created_hours
    start = np.floor(hours.min())
    steps = np.floor((hours - start) / hours_per_step).astype(np.int64)
    order = np.argsort(steps, kind="stable")  # file order within a step
    steps = steps[order]
    n_steps = int(steps[-1]) + 1
    first_row = np.searchsorted(steps, np.arange(n_steps + 1), side="left").astype(np.int64)
    codes, names = component_codes(log.component, n_components)
    component = codes[order] if codes.size else np.full(len(log), -1, dtype=np.int64)
    arrays = TraceArrays(
        first_row=first_row,
        severity=log.severity.astype(np.int64)[order],
        component=component,
        component_labels=names,
    )
    for array in (arrays.first_row, arrays.severity, arrays.component):
        array.setflags(write=False)  # shared by every environment of every sim
    return arrays


def load_trace(
    path: str | os.PathLike[str],
    columns: dict[str, str] | tuple | None = None,
    hours_per_step: float = 1.0,
    n_components: int = 4,
    options: tuple = (),
) -> TraceArrays:
    """The :class:`TraceArrays` of an export, read once per process (re-read if the file changes).

    ``options``: ``(name, value)`` pairs of further ``read_tickets`` arguments (format, severity_map as sorted
    pairs, date_format, timezone, delimiter, encoding), hashable so the read can be cached.
    """
    path = os.path.abspath(os.fspath(path))
    status = os.stat(path)
    if isinstance(columns, dict):
        columns = tuple(sorted(columns.items()))
    stamp = (status.st_mtime_ns, status.st_size)
    return _load(path, stamp, columns, float(hours_per_step), int(n_components), tuple(options))
