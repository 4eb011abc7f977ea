"""Real ticket data: reading tracker exports (and, later, replaying and fitting them)."""

from .exports import (
    CANONICAL_FIELDS,
    PRIORITY_VOCABULARIES,
    UNKNOWN_PRIORITY_SEVERITY,
    TicketFileError,
    TicketLog,
    read_tickets,
)

__all__ = [
    "CANONICAL_FIELDS",
    "PRIORITY_VOCABULARIES",
    "UNKNOWN_PRIORITY_SEVERITY",
    "TicketFileError",
    "TicketLog",
    "read_tickets",
]
