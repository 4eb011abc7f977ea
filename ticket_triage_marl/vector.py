"""Compatibility module: the batched envs live in :mod:`ticket_triage_marl.envs.vector`.

The old import path (and pickles that name it) keeps working; new code imports from ``ticket_triage_marl.envs``.
"""

from __future__ import annotations

from typing import Any

from .envs.vector import _RENAMED_WARNING, CoordinatorVectorEnv, VectorTicketTriage

__all__ = ["CoordinatorVectorEnv", "VectorTicketTriage"]


def __getattr__(name: str) -> Any:
    if name == "TicketTriageVectorEnv":  # the deprecated alias warns here too, pointing at the caller
        import warnings

        warnings.warn(_RENAMED_WARNING, DeprecationWarning, stacklevel=2)
        return CoordinatorVectorEnv
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
