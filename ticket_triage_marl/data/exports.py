"""Reading a tracker's CSV export into a :class:`TicketLog`.

Any tracker's export works (Jira, ServiceNow, Bugzilla, a spreadsheet): the
``columns`` argument of :func:`read_tickets` maps the canonical fields to the
file's column names.

=================  ========  ===============================================
canonical field    required  meaning
=================  ========  ===============================================
``id``             no        ticket id (duplicates are an error)
``created_at``     yes       when the ticket was opened
``priority``       no        the tracker's priority label, mapped to severity
``component``      no        component / category label (empty: unknown)
``resolved_at``    no        when it was resolved (empty: still open)
``reopened``       no        ``1``/``0`` (also true/false, yes/no; empty: unknown)
=================  ========  ===============================================

A field left out of ``columns`` is looked up under its canonical name and is
simply absent if the file has no such column.

**Slicing**: ``where={"assignment_group": "Group 64"}`` keeps only the rows
whose column (any column of the file, not only the canonical ones) holds one
of the given values (a string or a list of strings, compared after stripping
spaces); several columns must all match. Rows left out are not parsed. A
column the file lacks, or a slice with no rows, is an error.

**Timestamps** are ISO 8601 with a date and a time: ``T`` or a space between
them, seconds optional, with or without a zone (``Z`` or ``+HH:MM`` /
``+HHMM``). Zone-aware timestamps are converted to UTC; a file that mixes
zone-aware and naive timestamps is an error, since the two cannot be ordered.

**Priorities** of three vocabularies are built in, matched without regard to
case or surrounding spaces; each vocabulary's most urgent label is severity 4
and its least urgent 1, and its usual label (Moderate, Major, P3) is 2:

- ServiceNow: ``1 - Critical`` 4, ``2 - High`` 3, ``3 - Moderate`` 2, ``4 - Low`` 1;
- Jira: ``Blocker`` 4, ``Critical`` 3, ``Major`` 2, ``Minor`` 1, ``Trivial`` 1;
- Bugzilla: ``P1`` 4, ``P2`` 3, ``P3`` 2, ``P4`` 1, ``P5`` 1.

An empty or ``--`` priority is unknown and takes severity
:data:`UNKNOWN_PRIORITY_SEVERITY` (2, the usual priority of every vocabulary;
:attr:`TicketLog.priority_known` tells which rows had one). Any other label is
an error naming the label and its line, unless ``severity_map`` maps it (the
map is consulted first, so it can also override a built-in label).

Errors are :class:`TicketFileError` (a ``ValueError``) naming the file, the
line (the header is line 1) and the column. A ticket resolved before it was
created is an error, as are bytes that are not UTF-8, a missing required
column (the message lists the file's columns) and a file without rows.
"""

from __future__ import annotations

import csv
import dataclasses
import io
import os
import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path

import numpy as np

__all__ = [
    "CANONICAL_FIELDS",
    "PRIORITY_VOCABULARIES",
    "UNKNOWN_PRIORITY_SEVERITY",
    "TicketFileError",
    "TicketLog",
    "read_tickets",
]

CANONICAL_FIELDS = ("id", "created_at", "priority", "component", "resolved_at", "reopened")
UNKNOWN_PRIORITY_SEVERITY = 2
PRIORITY_VOCABULARIES: dict[str, dict[str, int]] = {
    "ServiceNow": {"1 - critical": 4, "2 - high": 3, "3 - moderate": 2, "4 - low": 1},
    "Jira": {"blocker": 4, "critical": 3, "major": 2, "minor": 1, "trivial": 1},
    "Bugzilla": {"p1": 4, "p2": 3, "p3": 2, "p4": 1, "p5": 1},
}
_BUILT_IN_PRIORITIES = {
    label: level for vocabulary in PRIORITY_VOCABULARIES.values() for label, level in vocabulary.items()
}
_UNKNOWN_PRIORITIES = ("", "--")
_TIMESTAMP = re.compile(r"^\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}(:\d{2}(\.\d{1,6})?)?(?P<zone>Z|[+-]\d{2}:?\d{2})?$")
_TRUE = ("1", "true", "yes", "y")
_FALSE = ("0", "false", "no", "n")


class TicketFileError(ValueError):
    """A ticket export that cannot be read as it is: names the file, line and column."""


@dataclass(frozen=True, eq=False)
class TicketLog:
    """The tickets of one export, one entry per row, in file order.

    Attributes:
        path: the file read.
        ids: ticket ids (``None`` if the file has no id column).
        created_at: ``(n,)`` ``datetime64[s]``; UTC if :attr:`timezone_aware`.
        severity: ``(n,)`` int8, 1 (low) .. 4 (critical).
        priority_known: ``(n,)`` bool: the row had a priority label.
        component: ``(n,)`` component labels (``""`` where unknown), or ``None``.
        resolved_at: ``(n,)`` ``datetime64[s]``, ``NaT`` for open tickets, or ``None``.
        reopened: ``(n,)`` int8, 1 / 0, -1 where unknown, or ``None``.
        timezone_aware: the timestamps carried a zone (and were converted to UTC).
        where: the slice the rows were read with (``read_tickets(where=...)``), ``{}`` for the whole file.
    """

    path: str
    ids: tuple[str, ...] | None
    created_at: np.ndarray
    severity: np.ndarray
    priority_known: np.ndarray
    component: tuple[str, ...] | None
    resolved_at: np.ndarray | None
    reopened: np.ndarray | None
    timezone_aware: bool
    where: dict[str, tuple[str, ...]] = dataclasses.field(default_factory=dict)

    def __len__(self) -> int:
        return int(self.created_at.shape[0])

    @property
    def resolution_hours(self) -> np.ndarray | None:
        """``(n,)`` float64 hours from creation to resolution, NaN for open tickets (None without the column)."""
        if self.resolved_at is None:
            return None
        seconds = (self.resolved_at - self.created_at).astype("timedelta64[s]").astype(np.int64).astype(np.float64)
        seconds[np.isnat(self.resolved_at)] = np.nan  # NaT would convert to the smallest int64, not NaN
        return seconds / 3600.0

    @property
    def open(self) -> np.ndarray:
        """``(n,)`` bool: no resolution time (every ticket, without the column)."""
        if self.resolved_at is None:
            return np.ones(len(self), dtype=np.bool_)
        return np.isnat(self.resolved_at)

    def subset(self, mask: np.ndarray) -> TicketLog:
        """The tickets where ``mask`` (``(n,)`` bool) is True: a slice to fit or replay (one team, one component)."""
        mask = np.asarray(mask, dtype=np.bool_)
        if mask.shape != (len(self),) or not mask.any():
            raise ValueError(f"mask must be a ({len(self)},) bool array selecting at least one ticket")

        def pick(values):
            if values is None:
                return None
            if isinstance(values, tuple):
                return tuple(value for value, keep in zip(values, mask, strict=True) if keep)
            return values[mask]

        return TicketLog(
            path=self.path,
            ids=pick(self.ids),
            created_at=self.created_at[mask],
            severity=self.severity[mask],
            priority_known=self.priority_known[mask],
            component=pick(self.component),
            resolved_at=pick(self.resolved_at),
            reopened=pick(self.reopened),
            timezone_aware=self.timezone_aware,
            where=self.where,
        )

    def __repr__(self) -> str:
        return f"<TicketLog {self.source!r}: {len(self)} tickets, {int(self.open.sum())} open>"

    @property
    def source(self) -> str:
        """The file's name and the slice, e.g. ``"incidents.csv [assignment_group=Group 64]"``."""
        if not self.where:
            return Path(self.path).name
        return f"{Path(self.path).name} [{self.where_text}]"

    @property
    def where_text(self) -> str:
        """The slice as text, e.g. ``"assignment_group=Group 64"`` (``""`` for the whole file)."""
        return _where_text(self.where)


def _where_text(where: dict[str, tuple[str, ...]]) -> str:
    return ", ".join(f"{column}={'|'.join(values)}" for column, values in where.items())


def _check_where(where: dict[str, str | Sequence[str]] | None) -> dict[str, tuple[str, ...]]:
    if where is None:
        return {}
    if not isinstance(where, dict):
        raise TypeError(f"where must be a dict of column -> value(s), got {type(where).__name__}")
    checked = {}
    for column, values in where.items():
        values = (values,) if isinstance(values, str) else tuple(values)
        if not values or not all(isinstance(value, str) for value in values):
            raise ValueError(f"where[{column!r}] must be a string or a non-empty list of strings, got {values!r}")
        checked[str(column)] = tuple(value.strip() for value in values)
    return checked


def _decoded(path: str, raw: bytes) -> str:
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        line = raw.count(b"\n", 0, error.start) + 1
        column = error.start - (raw.rfind(b"\n", 0, error.start) + 1) + 1
        raise TicketFileError(
            f"{path}: line {line}, byte {column}: bytes that are not UTF-8 ({raw[error.start : error.start + 4]!r}); "
            "re-export the file as UTF-8"
        ) from None


def _parse_time(path: str, line: int, column: str, text: str) -> datetime:
    match = _TIMESTAMP.match(text.strip())
    if match is None:
        raise TicketFileError(
            f"{path}: line {line}, column {column!r}: {text!r} is not an ISO 8601 timestamp "
            "(expected e.g. 2016-03-07T08:15, 2016-03-07 08:15:30 or 2015-01-05T20:17:50Z)"
        )
    value = text.strip().replace(" ", "T", 1)
    zone = match.group("zone")
    if zone == "Z":
        value = value[:-1] + "+00:00"
    elif zone is not None and ":" not in zone:
        value = value[:-2] + ":" + value[-2:]
    try:
        return datetime.fromisoformat(value)
    except ValueError as error:  # e.g. month 13: the shape is right, the date is not
        raise TicketFileError(f"{path}: line {line}, column {column!r}: {text!r}: {error}") from None


def _severity(path: str, line: int, column: str, label: str, severity_map: dict[str, int]) -> tuple[int, bool]:
    if label in severity_map:
        return severity_map[label], True
    key = label.strip().lower()
    if key in _UNKNOWN_PRIORITIES:
        return UNKNOWN_PRIORITY_SEVERITY, False
    if key in _BUILT_IN_PRIORITIES:
        return _BUILT_IN_PRIORITIES[key], True
    known = ", ".join(repr(label) for vocabulary in PRIORITY_VOCABULARIES.values() for label in vocabulary)
    raise TicketFileError(
        f"{path}: line {line}, column {column!r}: unknown priority label {label!r}; the built-in labels are "
        f"{known} (any case); map others with severity_map={{{label!r}: 1..4}}"
    )


def _check_severity_map(severity_map: dict[str, int] | None) -> dict[str, int]:
    if severity_map is None:
        return {}
    if not isinstance(severity_map, dict):
        raise TypeError(f"severity_map must be a dict of label -> severity 1..4, got {type(severity_map).__name__}")
    for label, level in severity_map.items():
        if isinstance(level, bool) or not isinstance(level, (int, np.integer)) or not 1 <= level <= 4:
            raise ValueError(f"severity_map[{label!r}] must be a severity 1..4, got {level!r}")
    return {str(label): int(level) for label, level in severity_map.items()}


def _file_columns(columns: dict[str, str] | None) -> dict[str, str]:
    if columns is None:
        return {field: field for field in CANONICAL_FIELDS}
    if not isinstance(columns, dict):
        raise TypeError(f"columns must be a dict of canonical field -> file column, got {type(columns).__name__}")
    unknown = sorted(set(columns) - set(CANONICAL_FIELDS))
    if unknown:
        raise ValueError(f"columns has unknown fields {unknown}; the canonical fields are {list(CANONICAL_FIELDS)}")
    return {field: columns.get(field, field) for field in CANONICAL_FIELDS}


def read_tickets(
    path: str | os.PathLike[str],
    columns: dict[str, str] | None = None,
    severity_map: dict[str, int] | None = None,
    where: dict[str, str | Sequence[str]] | None = None,
) -> TicketLog:
    """Read a CSV export of tickets (see the module docstring for fields, formats and errors).

    Args:
        path: the CSV file (UTF-8, a header row first).
        columns: canonical field -> the file's column name, e.g.
            ``{"created_at": "Opened", "priority": "Priority"}``; fields left out
            are looked up under their canonical name. None: the canonical names.
        severity_map: extra or overriding priority labels -> severity 1..4.
        where: keep only the rows whose column holds one of the values, e.g.
            ``{"assignment_group": "Group 64"}`` (see the module docstring).

    Returns:
        A :class:`TicketLog` with one entry per data row kept (open tickets included).

    Raises:
        TicketFileError: the file cannot be read as a ticket export (names the
            file, the line and the column).
    """
    path = os.fspath(path)
    names = _file_columns(columns)
    severity_map = _check_severity_map(severity_map)
    slices = _check_where(where)
    try:
        raw = Path(path).read_bytes()
    except FileNotFoundError:
        raise TicketFileError(f"{path}: no such file") from None
    except OSError as error:
        raise TicketFileError(f"{path}: cannot be read ({error.strerror})") from None
    reader = csv.reader(io.StringIO(_decoded(path, raw), newline=""))
    try:
        header = next(reader)
    except StopIteration:
        raise TicketFileError(f"{path}: the file is empty (expected a header row and ticket rows)") from None
    except csv.Error as error:
        raise TicketFileError(f"{path}: line 1: not a CSV header ({error})") from None
    header = [name.strip() for name in header]
    index = {name: position for position, name in enumerate(header)}
    if names["created_at"] not in index:
        raise TicketFileError(
            f"{path}: line 1: no column {names['created_at']!r} for the required field created_at; "
            f"the file has the columns {header} (map yours with columns={{'created_at': ...}})"
        )
    for field in CANONICAL_FIELDS:
        if columns is not None and field in columns and columns[field] not in index:
            raise TicketFileError(
                f"{path}: line 1: no column {columns[field]!r} (mapped to {field}); the file has the columns {header}"
            )
    present = {field: index[names[field]] for field in CANONICAL_FIELDS if names[field] in index}
    for column in slices:
        if column not in index:
            raise TicketFileError(
                f"{path}: line 1: no column {column!r} to slice on; the file has the columns {header}"
            )
    filters = [(index[column], set(values)) for column, values in slices.items()]

    ids: list[str] = []
    seen: dict[str, int] = {}
    created: list[datetime] = []
    severity: list[int] = []
    known: list[bool] = []
    components: list[str] = []
    resolved: list[datetime | None] = []
    reopened: list[int] = []
    aware: bool | None = None
    aware_line = 0

    def cell(row: list[str], line: int, field: str) -> str:
        position = present[field]
        if position >= len(row):
            raise TicketFileError(
                f"{path}: line {line}: the row has {len(row)} fields, no column {names[field]!r} "
                f"(field {position + 1} of the header)"
            )
        return row[position]

    def timestamp(row: list[str], line: int, field: str) -> datetime:
        nonlocal aware, aware_line
        value = _parse_time(path, line, names[field], cell(row, line, field))
        is_aware = value.tzinfo is not None
        if aware is None:
            aware, aware_line = is_aware, line
        elif is_aware != aware:
            first = "zone-aware" if aware else "naive (no zone)"
            raise TicketFileError(
                f"{path}: line {line}, column {names[field]!r}: {cell(row, line, field)!r} is "
                f"{'zone-aware' if is_aware else 'naive (no zone)'}, but line {aware_line} is {first}: "
                "a file must not mix the two"
            )
        return value.astimezone(timezone.utc).replace(tzinfo=None) if is_aware else value

    try:
        for row in reader:
            line = reader.line_num
            if not row or all(not value.strip() for value in row):
                continue  # a blank line
            if filters and not all(
                position < len(row) and row[position].strip() in values for position, values in filters
            ):
                continue  # outside the slice
            if "id" in present:
                ticket_id = cell(row, line, "id").strip()
                if ticket_id in seen:
                    raise TicketFileError(
                        f"{path}: line {line}, column {names['id']!r}: duplicate id {ticket_id!r} "
                        f"(first on line {seen[ticket_id]})"
                    )
                seen[ticket_id] = line
                ids.append(ticket_id)
            opened = timestamp(row, line, "created_at")
            created.append(opened)
            if "priority" in present:
                level, has_label = _severity(path, line, names["priority"], cell(row, line, "priority"), severity_map)
            else:
                level, has_label = UNKNOWN_PRIORITY_SEVERITY, False
            severity.append(level)
            known.append(has_label)
            if "component" in present:
                components.append(cell(row, line, "component").strip())
            if "resolved_at" in present:
                text = cell(row, line, "resolved_at").strip()
                closed = timestamp(row, line, "resolved_at") if text else None
                if closed is not None and closed < opened:
                    raise TicketFileError(
                        f"{path}: line {line}, column {names['resolved_at']!r}: resolved at {text!r}, "
                        f"before it was created ({cell(row, line, 'created_at')!r})"
                    )
                resolved.append(closed)
            if "reopened" in present:
                flag = cell(row, line, "reopened").strip().lower()
                if flag in _TRUE:
                    reopened.append(1)
                elif flag in _FALSE:
                    reopened.append(0)
                elif flag == "":
                    reopened.append(-1)
                else:
                    raise TicketFileError(
                        f"{path}: line {line}, column {names['reopened']!r}: {flag!r} is not a reopened flag "
                        "(expected 1/0, true/false, yes/no or empty)"
                    )
    except csv.Error as error:
        raise TicketFileError(f"{path}: line {reader.line_num}: malformed CSV ({error})") from None
    if not created and slices:
        raise TicketFileError(f"{path}: no row has {_where_text(slices)} (the slice is empty)")
    if not created:
        raise TicketFileError(f"{path}: the file has a header but no ticket rows")

    def times(values: list[datetime | None]) -> np.ndarray:
        return np.array([np.datetime64("NaT") if v is None else np.datetime64(v, "s") for v in values], "datetime64[s]")

    return TicketLog(
        path=path,
        ids=tuple(ids) if "id" in present else None,
        created_at=times(created),  # type: ignore[arg-type]
        severity=np.asarray(severity, dtype=np.int8),
        priority_known=np.asarray(known, dtype=np.bool_),
        component=tuple(components) if "component" in present else None,
        resolved_at=times(resolved) if "resolved_at" in present else None,
        reopened=np.asarray(reopened, dtype=np.int8) if "reopened" in present else None,
        timezone_aware=bool(aware),
        where=slices,
    )
