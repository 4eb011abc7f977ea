"""Ticket metrics, defined once: read from the lifecycle records the core writes for each resolved ticket.

The core records every ticket it resolves (``env.closed_tickets()`` after each step, ``closed`` in each step
of a recording): its id, severity, component, arrival, first work, resolution step, and whether it breached
its SLA or was a reopened ticket. Evaluation (:func:`ticket_triage_marl.rollout.episode_record`), the episode
report (:mod:`ticket_triage_marl.reports.episode`) and the fidelity report read these definitions and no
other:

- **time to resolve**: ``resolved - arrival`` steps, from the step a ticket arrived (the initial backlog
  arrives at ``t = 0``; a reopened ticket arrives again, and is measured again) to the step that resolved it.
  Tickets still open at the horizon are censored (not counted).
- **time to resolve net of awaiting**: less the steps it spent awaiting others (the customer, a vendor,
  another team: ``awaited``), what the exports' ``awaiting_hours`` columns measure.
- **time to first work**: ``first_work - arrival``, for tickets whose work progressed.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field

__all__ = ["ResolvedTickets", "first_work_steps", "time_to_resolve", "time_to_resolve_net"]


def time_to_resolve(closed: Mapping[str, int]) -> int:
    """Steps from a ticket's arrival to the step that resolved it (one lifecycle record)."""
    return int(closed["resolved"]) - int(closed["arrival"])


def time_to_resolve_net(closed: Mapping[str, int]) -> int:
    """Time to resolve less the steps it spent awaiting others (``awaited``; 0 without the mechanic)."""
    return time_to_resolve(closed) - int(closed.get("awaited", 0))


def first_work_steps(closed: Mapping[str, int]) -> int | None:
    """Steps from a ticket's arrival to its first progress; ``None`` if no work was recorded on it."""
    if not closed["first_work"]:
        return None
    return int(closed["first_work"]) - int(closed["arrival"])


@dataclass
class ResolvedTickets:
    """The lifecycle records of an episode's resolved tickets, accumulated step by step.

    Attributes:
        steps: time to resolve of each (:func:`time_to_resolve`), in order of resolution.
        severities: the severity of each.
        breached: whether each had breached its SLA when it was resolved.
        awaited: the steps each spent awaiting others (0 without the mechanic).
        arrivals: the step each arrived (of this life).
        reopened: whether each was a reopened ticket.
        components: the component of each.
        reassignments: the hand-offs to another group of each (teams; 0 without).
        moved: whether each finished in another group than the one it arrived at (teams; False without).
    """

    steps: list[int] = field(default_factory=list)
    severities: list[int] = field(default_factory=list)
    breached: list[bool] = field(default_factory=list)
    awaited: list[int] = field(default_factory=list)
    arrivals: list[int] = field(default_factory=list)
    reopened: list[bool] = field(default_factory=list)
    components: list[int] = field(default_factory=list)
    reassignments: list[int] = field(default_factory=list)
    moved: list[bool] = field(default_factory=list)

    def add(self, closed: Iterable[Mapping[str, int]]) -> None:
        """Add one step's records (``env.closed_tickets()`` or a recording step's ``closed``)."""
        for record in closed:
            self.steps.append(time_to_resolve(record))
            self.severities.append(int(record["severity"]))
            self.breached.append(bool(record["breached"]))
            self.awaited.append(int(record.get("awaited", 0)))
            self.arrivals.append(int(record["arrival"]))
            self.reopened.append(bool(record["reopened"]))
            self.components.append(int(record["component"]))
            self.reassignments.append(int(record.get("reassignments", 0)))
            self.moved.append(int(record.get("first_group", 0)) != int(record.get("group", 0)))

    def by_severity(self) -> dict[int, list[int]]:
        """Severity 1..4 -> the times to resolve of the tickets of that severity."""
        times: dict[int, list[int]] = {severity: [] for severity in range(1, 5)}
        for steps, severity in zip(self.steps, self.severities, strict=True):
            times[severity].append(steps)
        return times
