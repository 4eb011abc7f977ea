"""The observation layout, as one table of fields: the kernels' offsets, the spaces' bounds, the coordinator's
dict view and the documented layout all follow from it.

An engineer's observation is ``[global | tickets (T x ticket fields) | engineers (E x engineer fields) |
its one-hot id (E)]``; the coordinator sees the first three groups (the original description's flat layout,
``G + F*T + H*E`` floats for the group sizes G, F, H; 104 with the defaults); the centralized state is the three groups followed by what
the agents cannot see (``STATE_*`` groups, then every engineer's skills). Each field is a :class:`Field` with
its bounds and meaning; its position in its group is its offset (:func:`offset`), which the kernels in
:mod:`.observe` look up by name once, as module-level constants.

Adding an observed ticket attribute (a column of the ticket record times a scale) is one :class:`Field` with
its ``column`` in :data:`TICKET_FIELDS`: the kernel writes it, and sizes, bounds, the dict view and
:func:`layout_table` follow. A derived quantity (an age, a clipped time left) is a :class:`Field` and, in
:mod:`.observe`, its offset constant and the line of :func:`.observe.write_team_features` that computes it.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .layout import ESCALATED, SEVERITY

__all__ = [
    "ENGINEER_FIELDS",
    "GLOBAL_FIELDS",
    "STATE_ENGINEER_FIELDS",
    "STATE_GLOBAL_FIELDS",
    "STATE_TICKET_FIELDS",
    "TICKET_FIELDS",
    "Field",
    "layout_table",
    "offset",
    "team_bounds",
]


@dataclass(frozen=True)
class Field:
    """One observed quantity: its name, bounds and meaning.

    A ticket field with a ``column`` (of the ticket record, :mod:`.layout`) is an *attribute*: its value is
    that column times ``scale``, written by :func:`.observe.write_team_features` without a line of its own.
    """

    name: str
    meaning: str
    low: float = 0.0
    high: float = 1.0
    column: int = -1
    scale: float = 1.0
    mechanic: str = ""


GLOBAL_FIELDS = (
    Field("time", "steps so far / horizon (capped at 1)"),
    Field("open_load", "open tickets o (slots and queue): o / (o + T)"),
    Field("mean_age", "mean age of open tickets (awaiting ones too) / A (capped at 1), A = max(sla_steps)"),
    Field("breaches", "SLA breaches so far / horizon (capped at 1)"),
    Field("resolved", "tickets resolved so far / horizon (capped at 1)"),
)
TICKET_FIELDS = (
    Field("severity", "severity / 4 (an empty slot is all zeros)", column=SEVERITY, scale=0.25),
    Field("age", "steps since arrival / A (capped at 1)"),
    Field("component", "(component + 1) / C"),
    Field("sla_remaining", "steps to the SLA deadline / A, clipped to [-1, 1]: negative once overdue", low=-1.0),
    Field("waiting_on", "1 if it waits on another ticket (a dependency)"),
    Field("blocked", "steps of info wait left / info_wait_max (capped at 1)"),
    Field("work_remaining", "work left w: w / (w + work_mean)"),
    Field("escalated", "1 if an expert works on it", column=ESCALATED),
    Field("assigned", "engineers on it / E"),
)
ENGINEER_FIELDS = (
    Field("busy", "1 if it works a ticket"),
    Field("current_slot", "(its slot + 1) / T, 0 if idle"),
    Field("time_on_ticket", "steps on its ticket s: s / (s + work_mean)"),
)
STATE_TICKET_FIELDS = (
    Field("ambiguous", "1 while its real needs are unknown (hidden from agents)"),
    Field("reopened", "1 if it is a reopened ticket"),
    Field("breached", "1 once its SLA deadline passed"),
    Field("deferrals", "DEFERs used / max_deferrals (capped at 1)"),
)
STATE_ENGINEER_FIELDS = (
    Field("on_shift", "1 if on shift this step"),
    Field("ramp_left", "ramp-up steps left / switch_ramp_steps (capped at 1)"),
)
STATE_GLOBAL_FIELDS = (
    Field("queue", "tickets in the intake queue / max_queue"),
    Field("escalated", "open escalated tickets / max_escalated"),
)
# Fields of the optional mechanics, present only where their mechanic is on (``EnvConfig.mechanics()``), after the
# engineers' group: the global ones, then each slot's, then each engineer's (so a scenario without the mechanic keeps
# its layout).
MECHANIC_GLOBAL_FIELDS = (
    Field("awaiting_load", "tickets awaiting others w: w / (w + T)", mechanic="awaiting"),
    Field("awaiting_time", "their mean wait so far / A (capped at 1)", mechanic="awaiting"),
)
MECHANIC_TICKET_FIELDS = (
    Field("awaited", "steps it has awaited others in this life / A (capped at 1)", mechanic="awaiting"),
    Field("group", "(the group that owns it + 1) / G", mechanic="teams"),
    Field("reassignments", "its hand-offs to another group r: r / (r + 1)", mechanic="teams"),
    Field("in_transit", "1 while a hand-off is in transit (nobody may work it)", mechanic="teams"),
)
MECHANIC_ENGINEER_FIELDS = (Field("group", "(its group + 1) / G", mechanic="teams"),)
MECHANIC_FIELDS = MECHANIC_GLOBAL_FIELDS + MECHANIC_TICKET_FIELDS + MECHANIC_ENGINEER_FIELDS


def offset(fields: tuple[Field, ...], name: str) -> int:
    """The position of field ``name`` in its group (the kernels keep it as a module-level constant)."""
    for position, entry in enumerate(fields):
        if entry.name == name:
            return position
    raise KeyError(f"no field {name!r} in {[entry.name for entry in fields]}")


# The ticket attributes (fields with a column), as arrays the kernel loops over: offset, column, scale.
TICKET_ATTRIBUTE_OFFSETS = np.array([k for k, entry in enumerate(TICKET_FIELDS) if entry.column >= 0], np.int64)
TICKET_ATTRIBUTE_COLUMNS = np.array([entry.column for entry in TICKET_FIELDS if entry.column >= 0], np.int64)
TICKET_ATTRIBUTE_SCALES = np.array([entry.scale for entry in TICKET_FIELDS if entry.column >= 0], np.float64)

N_GLOBAL = len(GLOBAL_FIELDS)
N_TICKET_FEATURES = len(TICKET_FIELDS)
N_ENGINEER_FEATURES = len(ENGINEER_FIELDS)
N_STATE_TICKET_EXTRA = len(STATE_TICKET_FIELDS)
N_STATE_ENGINEER_EXTRA = len(STATE_ENGINEER_FIELDS)
N_STATE_GLOBAL_EXTRA = len(STATE_GLOBAL_FIELDS)


def mechanic_fields(fields: tuple[Field, ...], mechanics: tuple[str, ...]) -> tuple[Field, ...]:
    """The fields of ``fields`` whose mechanic is on."""
    return tuple(entry for entry in fields if entry.mechanic in mechanics)


def mechanic_offsets(mechanics: tuple[str, ...], n_slots: int, n_engineers: int) -> list[int]:
    """Where each field of :data:`MECHANIC_FIELDS` is written, -1 where its mechanic is off: a global field's
    offset in the team features, a ticket field's offset in its slot's block, an engineer field's in its
    engineer's block (the slots' blocks follow the global mechanic fields, then the engineers')."""
    global_fields = mechanic_fields(MECHANIC_GLOBAL_FIELDS, mechanics)
    ticket_fields = mechanic_fields(MECHANIC_TICKET_FIELDS, mechanics)
    engineer_fields = mechanic_fields(MECHANIC_ENGINEER_FIELDS, mechanics)
    base = N_GLOBAL + n_slots * N_TICKET_FEATURES + n_engineers * N_ENGINEER_FEATURES
    offsets = [base + global_fields.index(entry) if entry in global_fields else -1 for entry in MECHANIC_GLOBAL_FIELDS]
    offsets += [ticket_fields.index(entry) if entry in ticket_fields else -1 for entry in MECHANIC_TICKET_FIELDS]
    offsets += [engineer_fields.index(entry) if entry in engineer_fields else -1 for entry in MECHANIC_ENGINEER_FIELDS]
    return offsets


def mechanic_block_base(n_slots: int, n_engineers: int, mechanics: tuple[str, ...]) -> int:
    """Offset of slot 0's mechanic block in the team features (after the global mechanic fields)."""
    base = N_GLOBAL + n_slots * N_TICKET_FEATURES + n_engineers * N_ENGINEER_FEATURES
    return base + len(mechanic_fields(MECHANIC_GLOBAL_FIELDS, mechanics))


def team_size(n_slots: int, n_engineers: int, mechanics: tuple[str, ...] = ()) -> int:
    """Length of the team features for ``T``, ``E`` and the mechanics on."""
    return (
        mechanic_block_base(n_slots, n_engineers, mechanics)
        + n_slots * len(mechanic_fields(MECHANIC_TICKET_FIELDS, mechanics))
        + n_engineers * len(mechanic_fields(MECHANIC_ENGINEER_FIELDS, mechanics))
    )


def team_bounds(n_slots: int, n_engineers: int, mechanics: tuple[str, ...] = ()) -> tuple[list[float], list[float]]:
    """Per-entry (low, high) of the team features ``global . tickets . engineers`` (then the fields of the
    mechanics on: global, then each slot's) for ``T``, ``E``."""
    groups = (
        (GLOBAL_FIELDS, 1),
        (TICKET_FIELDS, n_slots),
        (ENGINEER_FIELDS, n_engineers),
        (mechanic_fields(MECHANIC_GLOBAL_FIELDS, mechanics), 1),
        (mechanic_fields(MECHANIC_TICKET_FIELDS, mechanics), n_slots),
        (mechanic_fields(MECHANIC_ENGINEER_FIELDS, mechanics), n_engineers),
    )
    low = [entry.low for fields, repeat in groups for _ in range(repeat) for entry in fields]
    high = [entry.high for fields, repeat in groups for _ in range(repeat) for entry in fields]
    return low, high


def layout_table() -> str:
    """The observation layout as a Markdown table (the documented layout is this function's output)."""
    rows = ["| group | offset | field | range | meaning |", "|---|---:|---|---|---|"]
    groups = (
        ("global", GLOBAL_FIELDS),
        ("each ticket slot (T)", TICKET_FIELDS),
        ("each engineer (E)", ENGINEER_FIELDS),
        ("state only: each slot", STATE_TICKET_FIELDS),
        ("state only: each engineer", STATE_ENGINEER_FIELDS),
        ("state only: global", STATE_GLOBAL_FIELDS),
    )
    for group, fields in groups:
        for offset, entry in enumerate(fields):
            rows.append(f"| {group} | {offset} | `{entry.name}` | [{entry.low:g}, {entry.high:g}] | {entry.meaning} |")
    rows.append("| state only: each engineer, each component | 0 | `skill` | [0, 1] | skill s: s / (1 + s) |")
    mechanic_groups: tuple[tuple[str, tuple[Field, ...]], ...] = (
        ("global", MECHANIC_GLOBAL_FIELDS),
        ("each slot (T)", MECHANIC_TICKET_FIELDS),
        ("each engineer (E)", MECHANIC_ENGINEER_FIELDS),
    )
    for group, mechanic_group in mechanic_groups:
        for mechanic in dict.fromkeys(entry.mechanic for entry in mechanic_group):
            for offset, entry in enumerate(entry for entry in mechanic_group if entry.mechanic == mechanic):
                rows.append(f"| {mechanic} on: {group} | {offset} | `{entry.name}` | [{entry.low:g}, {entry.high:g}] "
                            f"| {entry.meaning} |")  # fmt: skip
    return "\n".join(rows)
