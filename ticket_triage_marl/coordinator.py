"""Compatibility module: the coordinator env lives in :mod:`ticket_triage_marl.envs.coordinator`.

The old import path (and pickles that name it) keeps working; new code imports from ``ticket_triage_marl.envs``.
"""

from .envs.coordinator import OBSERVATION_FORMATS, CoordinatorWrapper, TicketTriageEnv

__all__ = ["OBSERVATION_FORMATS", "CoordinatorWrapper", "TicketTriageEnv"]
