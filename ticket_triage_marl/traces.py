"""Deprecated alias of :mod:`ticket_triage_marl.recordings` (kept for one release).

A JSON Lines file of a rollout is now a *recording* (:mod:`ticket_triage_marl.recordings`); *trace* means an
export replayed as arrivals (``arrival_process="trace"``, :mod:`ticket_triage_marl.data.trace`). The old names
of this module (``TraceError``, ``read_trace``, ``replay_trace`` ...) still work here, with a warning.
"""

from __future__ import annotations

import warnings
from typing import Any

from . import recordings

warnings.warn(
    "ticket_triage_marl.traces is renamed ticket_triage_marl.recordings (a rollout's JSONL file is a recording; "
    "'trace' now means an export replayed as arrivals); this alias goes in the next release",
    DeprecationWarning,
    stacklevel=2,
)

_RENAMED = {
    "TraceError": "RecordingError",
    "TraceHeader": "RecordingHeader",
    "TraceMismatch": "RecordingMismatch",
    "Trace": "Recording",
    "TRACE_FORMAT": "RECORDING_FORMAT",
    "read_trace": "read_recording",
    "replay_trace": "replay_recording",
    "trace_header": "recording_header",
}


def __getattr__(name: str) -> Any:
    return getattr(recordings, _RENAMED.get(name, name))
