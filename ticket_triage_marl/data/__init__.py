"""Real ticket data: reading tracker exports, replaying them, and the exports that ship with the package."""

from pathlib import Path

from .exports import (
    CANONICAL_FIELDS,
    PRIORITY_VOCABULARIES,
    UNKNOWN_PRIORITY_SEVERITY,
    TicketFileError,
    TicketLog,
    read_tickets,
)
from .fit import fit_config, hour_of_week_rates

SHIPPED_DATA = Path(__file__).resolve().parent / "datasets"
"""Folder of the real exports that ship with the package (CC BY 4.0; see its README.md for the attribution)."""

__all__ = [
    "CANONICAL_FIELDS",
    "PRIORITY_VOCABULARIES",
    "SHIPPED_DATA",
    "UNKNOWN_PRIORITY_SEVERITY",
    "TicketFileError",
    "TicketLog",
    "fit_config",
    "hour_of_week_rates",
    "read_tickets",
]
