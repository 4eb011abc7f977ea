"""Reading a tracker's export, as the tracker wrote it, into a :class:`TicketLog`.

**Formats.** ``format="auto"`` (the default) recognises the exports of Jira, ServiceNow, Zendesk, GitHub
(``gh issue list --json``, as JSON or CSV), Sentry and Bugzilla from their header (see
:mod:`.presets`; :attr:`TicketLog.format` says which was chosen); any other file is read with the
canonical column names below, and ``columns`` maps them to the file's names (it also overrides a preset).

=================  ========  ===========================================================================
canonical field    required  meaning
=================  ========  ===========================================================================
``id``             no        ticket id (duplicates are an error)
``created_at``     yes       when the ticket was opened
``priority``       no        the tracker's priority label, mapped to severity
``component``      no        component / category label (empty: unknown)
``resolved_at``    no        when it was resolved (empty or a "no time" value: not resolved)
``reopened``       no        a flag (``1``/``0``, true/false, yes/no) or a reopen count (``0``, ``1``, ``2`` ...)
``status``         no        the ticket's state; says resolved or open where there is no resolution time
``labels``         no        a list of labels (comma-separated in one cell, or one column per label); its
                             priority labels give the severity when there is no ``priority`` column
``awaiting_hours`` no        hours it spent awaiting others (the customer, a vendor, a problem): a number
                             >= 0, empty if unknown
``reassignments``  no        times it was handed to another group or person: an integer >= 0, empty if
                             unknown (also read from ``reassignment_count``)
``group``          no        the group it was first assigned to (also ``assignment_group``)
``final_group``    no        the group that resolved it (also ``assignment_group_final``)
=================  ========  ===========================================================================

**Dialect.** The delimiter (``,``, ``;`` or tab) is recognised from the header line, or given with
``delimiter``. Text is UTF-8 (a byte-order mark is dropped) unless ``encoding`` names another (``cp1252`` for
Excel, ``latin-1`` for Redmine's English default); a byte that does not decode is an error naming its line and
suggesting ``encoding``. Quoted fields may hold delimiters, doubled quotes and line breaks (a record then
spans several lines, and every message names the line where the record *starts*). A file that ends inside a
quoted field, or whose last record is short of fields, was cut: an error naming the line where that record
starts. Duplicate column names are never resolved silently: they are named ``Labels#1``, ``Labels#2`` ...
(``columns`` may name one); a plain duplicated name is an error listing them, unless the preset knows the
column is multi-valued.

**Timestamps**: see :mod:`.timestamps` (ISO 8601, Jira's ``22/Sep/25 7:01 AM``, Zendesk's ``… +0100``,
``05.03.2024 14:22``, slashed dates whose order the column shows, epoch seconds; ``date_format`` for anything
else; ``timezone`` to read naive times in the desk's zone).

**Open, resolved, reopened.** A resolution time resolves a ticket (unless a status column says it is open); a
"no time" value (empty, ``null``, ``0001-01-01…``) leaves it open, unless the status column says it is resolved:
then it is resolved at an unknown time, which is not used for time to resolve and not counted as open
(:attr:`TicketLog.resolved`). Status values are matched without regard to case: resolved, closed, done,
fixed, verified, solved, completed, cancelled, canceled, rejected, duplicate, won't fix are resolved; new,
open, unresolved, reopened, assigned, in progress, pending, hold, on hold, waiting, confirmed, unconfirmed,
triage, backlog, to do, ignored, archived are open; any other is an error.

**Slicing**: ``where={"assignment_group": "Group 64"}`` keeps only the rows whose column (any column of the
file) holds one of the given values (stripped); several columns must all match. A column the file lacks, or a
slice with no rows, is an error.

**Priorities** are matched without regard to case or surrounding spaces. Built in, each vocabulary's most
urgent label is severity 4, its least urgent 1, its usual one 2:

- ServiceNow: ``1 - Critical`` 4, ``2 - High`` 3, ``3 - Moderate`` 2, ``4 - Low`` 1;
- Jira Server / Data Center: ``Blocker`` 4, ``Critical`` 3, ``Major`` 2, ``Minor`` 1, ``Trivial`` 1;
- Jira Cloud: ``Highest`` 4, ``High`` 3, ``Medium`` 2, ``Low`` 1, ``Lowest`` 1;
- Bugzilla: ``P1`` 4, ``P2`` 3, ``P3`` 2, ``P4`` 1, ``P5`` 1;
- Zendesk: ``urgent`` 4, ``high`` 3, ``normal`` 2, ``low`` 1;
- Sentry levels: ``fatal`` 4, ``error`` 3, ``warning`` 2, ``info`` 1, ``debug`` 1;
- in a label list: ``priority: critical|high|medium|low`` (also ``priority/…``, ``severity: …``,
  ``severity/…``, with ``urgent``/``blocker`` as critical and ``normal`` as medium) and ``P0`` 4 .. ``P3`` 1.

An empty or ``--`` priority is unknown and takes severity :data:`UNKNOWN_PRIORITY_SEVERITY` (2;
:attr:`TicketLog.priority_known` tells which rows had one). ``severity_map`` (``--severity-map
"Highest=4,High=3"``; matched without regard to case) maps other labels and overrides built-in ones. An
unknown label is an error that lists the file's distinct labels with their counts, in the CLI's syntax.

Errors are :class:`TicketFileError` (a ``ValueError``) naming the file, the line (the header is line 1; in a
JSON export, the item) and the column. A ticket resolved before it was created is an error, as are a missing
required column (the message lists the file's columns) and a file without rows.
"""

from __future__ import annotations

import codecs
import csv
import dataclasses
import gc
import io
import json
import math
import operator
import os
import re
from collections import Counter
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from .presets import PRESETS, ExportFormat, detect_format
from .timestamps import ColumnTimes, TimeFormatError, check_timezone, local_seconds

__all__ = [
    "CANONICAL_FIELDS",
    "LABEL_PRIORITIES",
    "PRIORITY_VOCABULARIES",
    "UNKNOWN_PRIORITY_SEVERITY",
    "TicketFileError",
    "TicketLog",
    "read_tickets",
]

CANONICAL_FIELDS = (
    "id",
    "created_at",
    "priority",
    "component",
    "resolved_at",
    "reopened",
    "status",
    "labels",
    "awaiting_hours",
    "reassignments",
    "group",
    "final_group",
)
CANONICAL_ALIASES: dict[str, tuple[str, ...]] = {
    "reassignments": ("reassignments", "reassignment_count"),
    "group": ("group", "assignment_group"),
    "final_group": ("final_group", "assignment_group_final"),
}
"""The header names a file without a preset is read with, where a field has more than its own (ServiceNow's
field names, as in the UCI incident log)."""
UNKNOWN_PRIORITY_SEVERITY = 2
PRIORITY_VOCABULARIES: dict[str, dict[str, int]] = {
    "ServiceNow": {"1 - critical": 4, "2 - high": 3, "3 - moderate": 2, "4 - low": 1},
    "Jira": {"blocker": 4, "critical": 3, "major": 2, "minor": 1, "trivial": 1},
    "Jira Cloud": {"highest": 4, "high": 3, "medium": 2, "low": 1, "lowest": 1},
    "Bugzilla": {"p1": 4, "p2": 3, "p3": 2, "p4": 1, "p5": 1},
    "Zendesk": {"urgent": 4, "high": 3, "normal": 2, "low": 1},
    "Sentry": {"fatal": 4, "error": 3, "warning": 2, "info": 1, "debug": 1},
}
LABEL_PRIORITIES: dict[str, int] = {
    "critical": 4,
    "urgent": 4,
    "blocker": 4,
    "high": 3,
    "medium": 2,
    "normal": 2,
    "low": 1,
    "p0": 4,
    "p1": 3,
    "p2": 2,
    "p3": 1,
}
"""Priority labels inside a label list (after a ``priority:``, ``priority/``, ``severity:`` or ``severity/`` prefix,
or alone for ``P0``-``P3``) -> severity."""
_BUILT_IN_PRIORITIES = {
    label: level for vocabulary in PRIORITY_VOCABULARIES.values() for label, level in vocabulary.items()
}
_UNKNOWN_PRIORITIES = ("", "--", "---")
_PRIORITY_LABEL = re.compile(r"^(?:(?:priority|severity)\s*[:/]\s*(?P<value>.+)|(?P<scale>p[0-3]))$", re.IGNORECASE)
_RESOLVED_STATUSES = frozenset(
    "resolved closed done fixed verified solved completed cancelled canceled rejected duplicate".split()
) | {"won't fix", "wontfix"}
_OPEN_STATUSES = frozenset(
    "new open unresolved reopened assigned pending hold waiting confirmed unconfirmed triage backlog ignored "
    "archived todo in_progress".split()
) | {"in progress", "on hold", "to do", "awaiting", "work in progress"}
_TRUE = ("true", "yes", "y")
_FALSE = ("false", "no", "n")
_DELIMITERS = (",", ";", "\t")
CHUNK_ROWS = 65_536
REOPEN_COUNT_MAX = 32_767
_JSON_LIST_SEPARATOR = "\x1f"  # a JSON export's list cell (labels) joined without ambiguity


class TicketFileError(ValueError):
    """A ticket export that cannot be read as it is: names the file, line and column."""


@dataclass(frozen=True, eq=False)
class TicketLog:
    """The tickets of one export, one entry per record, in file order.

    Attributes:
        path: the file read.
        ids: ticket ids (``None`` if the file has no id column).
        created_at: ``(n,)`` ``datetime64[s]``; UTC if :attr:`timezone_aware`, else the wall clock as written.
        severity: ``(n,)`` int8, 1 (low) .. 4 (critical).
        priority_known: ``(n,)`` bool: the row had a priority label.
        component: ``(n,)`` component labels (``""`` where unknown), or ``None``.
        resolved_at: ``(n,)`` ``datetime64[s]``, ``NaT`` where there is no resolution time, or ``None`` (no column).
        reopened: ``(n,)`` int8, 1 / 0, -1 where unknown, or ``None``.
        timezone_aware: the timestamps are in UTC (they carried a zone, or :attr:`timezone` was given).
        where: the slice the rows were read with (``read_tickets(where=...)``), ``{}`` for the whole file.
        resolved: ``(n,)`` bool: resolved, with or without a known time (``None``: rows with a resolution time).
        reopen_count: ``(n,)`` int16 reopen counts (a flag counts 1), -1 where unknown, or ``None``.
        line: ``(n,)`` int64: the line where each record starts (the item, in a JSON export), or ``None``.
        format: the preset the file was read with (``"jira"``, ...), or ``"canonical"``.
        timezone: the desk's zone (``timezone=``), in which :meth:`local_created_at` is the wall clock, or ``None``.
        notes: what reading the file assumed, one sentence each (the CLI prints them).
        awaiting_hours: ``(n,)`` float64 hours spent awaiting others, NaN where unknown, or ``None`` (no column).
        reassignments: ``(n,)`` int16 reassignment counts, -1 where unknown, or ``None``.
        group, final_group: ``(n,)`` the first and the resolving group's labels (``""`` where unknown), or ``None``.
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
    resolved: np.ndarray | None = None
    reopen_count: np.ndarray | None = None
    line: np.ndarray | None = None
    format: str = "canonical"
    timezone: str | None = None
    notes: tuple[str, ...] = ()
    awaiting_hours: np.ndarray | None = None
    reassignments: np.ndarray | None = None
    group: tuple[str, ...] | None = None
    final_group: tuple[str, ...] | None = None

    def __post_init__(self) -> None:
        if self.resolved is None:
            resolved = np.zeros(len(self), dtype=np.bool_)
            if self.resolved_at is not None:
                resolved = ~np.isnat(self.resolved_at)
            object.__setattr__(self, "resolved", resolved)

    def __len__(self) -> int:
        return int(self.created_at.shape[0])

    @property
    def created_hours(self) -> np.ndarray:
        """``(n,)`` float64 creation times in hours since the epoch (as :attr:`created_at` is: UTC or as written)."""
        hours: np.ndarray = self.created_at.astype("datetime64[s]").astype(np.int64) / 3600.0
        return hours

    @property
    def resolution_hours(self) -> np.ndarray | None:
        """``(n,)`` float64 hours from creation to resolution, NaN where unknown (None without resolution times)."""
        if self.resolved_at is None:
            return None
        seconds = (self.resolved_at - self.created_at).astype("timedelta64[s]").astype(np.int64).astype(np.float64)
        seconds[np.isnat(self.resolved_at)] = np.nan  # NaT would convert to the smallest int64, not NaN
        return seconds / 3600.0

    @property
    def has_resolution_times(self) -> bool:
        """At least one ticket has a known resolution time (so time to resolve can be compared)."""
        return self.resolved_at is not None and bool((~np.isnat(self.resolved_at)).any())

    @property
    def has_priorities(self) -> bool:
        """At least one ticket had a priority label (so a severity mix can be compared)."""
        return bool(self.priority_known.any())

    @property
    def open(self) -> np.ndarray:
        """``(n,)`` bool: not resolved (every ticket, without resolution times or a status)."""
        assert self.resolved is not None
        return ~self.resolved

    def local_created_at(self) -> np.ndarray:
        """``(n,)`` ``datetime64[s]`` creation times on the desk's wall clock (:attr:`timezone`, DST included);
        :attr:`created_at` itself without a zone."""
        if self.timezone is None:
            return self.created_at
        seconds = local_seconds(self.created_at.astype(np.int64), self.timezone)
        return seconds.astype("datetime64[s]")

    def subset(self, mask: np.ndarray) -> TicketLog:
        """The tickets where ``mask`` (``(n,)`` bool) is True: a slice to fit or replay (one team, one component)."""
        mask = np.asarray(mask, dtype=np.bool_)
        if mask.shape != (len(self),) or not mask.any():
            raise ValueError(f"mask must be a ({len(self)},) bool array selecting at least one ticket")

        def pick(values: Any) -> Any:
            if values is None:
                return None
            if isinstance(values, tuple):
                return tuple(value for value, keep in zip(values, mask, strict=True) if keep)
            return values[mask]

        return dataclasses.replace(
            self,
            ids=pick(self.ids),
            created_at=self.created_at[mask],
            severity=self.severity[mask],
            priority_known=self.priority_known[mask],
            component=pick(self.component),
            resolved_at=pick(self.resolved_at),
            reopened=pick(self.reopened),
            resolved=pick(self.resolved),
            reopen_count=pick(self.reopen_count),
            line=pick(self.line),
            awaiting_hours=pick(self.awaiting_hours),
            reassignments=pick(self.reassignments),
            group=pick(self.group),
            final_group=pick(self.final_group),
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

    def line_of(self, index: int) -> str:
        """Where ticket ``index`` starts in the file, for messages: ``"line 12"`` (``"item 3"`` in a JSON export)."""
        if self.line is None:
            return f"row {index + 1}"
        word = "item" if self.path.lower().endswith(".json") else "line"
        return f"{word} {int(self.line[index])}"


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


def _check_severity_map(severity_map: dict[str, int] | None) -> dict[str, int]:
    if severity_map is None:
        return {}
    if not isinstance(severity_map, dict):
        raise TypeError(f"severity_map must be a dict of label -> severity 1..4, got {type(severity_map).__name__}")
    for label, level in severity_map.items():
        if isinstance(level, bool) or not isinstance(level, (int, np.integer)) or not 1 <= level <= 4:
            raise ValueError(f"severity_map[{label!r}] must be a severity 1..4, got {level!r}")
    return {str(label).strip().lower(): int(level) for label, level in severity_map.items()}


def parse_severity_map(text: str) -> dict[str, int]:
    """``"Highest=4,High=3"`` (the CLI's ``--severity-map``) as a dict; a bad item is a ``ValueError``."""
    mapping: dict[str, int] = {}
    for item in text.split(","):
        label, sep, level = item.rpartition("=")
        if not sep or not label.strip() or level.strip() not in ("1", "2", "3", "4"):
            raise ValueError(f"expected LABEL=1..4[,LABEL=1..4...], got {item.strip()!r} in {text!r}")
        mapping[label.strip()] = int(level)
    return mapping


def _check_columns(columns: dict[str, str] | None) -> dict[str, str]:
    if columns is None:
        return {}
    if not isinstance(columns, dict):
        raise TypeError(f"columns must be a dict of canonical field -> file column, got {type(columns).__name__}")
    unknown = sorted(set(columns) - set(CANONICAL_FIELDS))
    if unknown:
        raise ValueError(f"columns has unknown fields {unknown}; the canonical fields are {list(CANONICAL_FIELDS)}")
    return dict(columns)


# -- the file: dialect, encoding, records -----------------------------------------------------------------------


class _CountingReader(io.RawIOBase):
    """A binary file that reports the bytes read so far (for a progress bar)."""

    def __init__(self, raw: io.BufferedReader, report: Callable[[int], None]) -> None:
        self._raw = raw
        self._report = report

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: Any) -> int:
        count = self._raw.readinto(buffer)
        if count:
            self._report(count)
        return count

    def close(self) -> None:
        self._raw.close()
        super().close()


def _encoding_name(encoding: str | None) -> str:
    if encoding is None:
        return "utf-8-sig"
    try:
        name = codecs.lookup(encoding).name
    except LookupError:
        raise ValueError(f"unknown encoding {encoding!r} (e.g. 'utf-8', 'cp1252', 'latin-1')") from None
    return "utf-8-sig" if name == "utf-8" else name


def _locate_bad_bytes(path: str, encoding: str) -> tuple[int, int, bytes]:
    """Line, byte-in-line and the bytes of the first position ``encoding`` cannot decode."""
    decoder = codecs.getincrementaldecoder(encoding)()
    line, line_start, offset = 1, 0, 0
    with open(path, "rb") as handle:
        while block := handle.read(1 << 20):
            try:
                decoder.decode(block)
            except UnicodeDecodeError as error:
                position = max(0, error.start)
                before = block[:position]
                newlines = before.count(b"\n")
                if newlines:
                    line += newlines
                    line_start = offset + before.rfind(b"\n") + 1
                return line, offset + position - line_start + 1, block[position : position + 4]
            newlines = block.count(b"\n")
            if newlines:
                line += newlines
                line_start = offset + block.rfind(b"\n") + 1
            offset += len(block)
    return line, 1, b""


def _sniff_delimiter(path: str, first_line: str) -> str:
    counts = {delimiter: _count_outside_quotes(first_line, delimiter) for delimiter in _DELIMITERS}
    best = max(counts.values())
    if best == 0:
        return ","  # one column (the header check names what is missing)
    winners = [delimiter for delimiter, count in counts.items() if count == best]
    if len(winners) > 1:
        shown = " and ".join(repr(delimiter) for delimiter in winners)
        raise TicketFileError(
            f"{path}: line 1: the header has as many {shown} delimiters; give the delimiter with delimiter= / "
            "--delimiter"
        )
    return winners[0]


def _count_outside_quotes(line: str, delimiter: str) -> int:
    count, quoted = 0, False
    for char in line:
        if char == '"':
            quoted = not quoted
        elif char == delimiter and not quoted:
            count += 1
    return count


@dataclass
class _Records:
    """The header and the records of one export: ``rows`` iterates them, and its ``line_num`` is the last line
    read (a record starts on the line after the previous record's ``line_num``)."""

    header: list[str]
    rows: Any  # csv.reader, or _JsonRows
    delimiter: str
    word: str  # "line", or "item" for a JSON export
    close: Callable[[], None] = lambda: None
    encoding: str = "utf-8-sig"


def _csv_records(path: str, delimiter: str | None, encoding: str, progress: Callable[[int], None] | None) -> _Records:
    raw = open(path, "rb")  # closed by the reader (_Records.close)
    binary: io.BufferedReader | _CountingReader = raw
    if progress is not None:
        binary = _CountingReader(raw, progress)
    text = io.TextIOWrapper(
        io.BufferedReader(binary, 1 << 20) if progress is not None else raw,
        encoding=encoding,
        newline="",
    )
    try:
        with open(path, "rb") as peek:
            first_line = peek.read(1 << 16).split(b"\n", 1)[0].decode(encoding, errors="replace")
        if not first_line.strip():
            raise TicketFileError(f"{path}: the file is empty (expected a header row and ticket rows)")
        if delimiter is None:
            delimiter = _sniff_delimiter(path, first_line)
        reader = csv.reader(text, delimiter=delimiter, strict=True)
        header = next(reader)
    except csv.Error as error:
        text.close()
        raise TicketFileError(f"{path}: line 1: not a CSV header ({error})") from None
    except UnicodeDecodeError:
        text.close()
        raise _decode_error(path, encoding) from None
    except BaseException:
        text.close()
        raise
    return _Records([name.strip() for name in header], reader, delimiter, "line", text.close, encoding)


def _csv_error(path: str, error: csv.Error, start: int, line: int) -> TicketFileError:
    if "unexpected end of data" in str(error):
        return TicketFileError(
            f"{path}: line {start}: the record that starts here ends inside a quoted field (no closing quote before "
            "the end of the file): the file was cut; export it again"
        )
    return TicketFileError(
        f"{path}: line {start}: malformed CSV in the record that starts here (at line {line}: {error})"
    )


def _decode_error(path: str, encoding: str) -> TicketFileError:
    line, column, bad = _locate_bad_bytes(path, encoding)
    shown = "UTF-8" if encoding == "utf-8-sig" else encoding
    return TicketFileError(
        f"{path}: line {line}, byte {column}: bytes that are not {shown} ({bad!r}); give the file's encoding with "
        "encoding= / --encoding (Excel writes cp1252, Redmine's English default is latin-1) or re-export it as UTF-8"
    )


def _json_records(path: str, encoding: str) -> _Records:
    try:
        with open(path, encoding=encoding) as handle:
            document = json.load(handle)
    except UnicodeDecodeError:
        raise _decode_error(path, encoding) from None
    except json.JSONDecodeError as error:
        raise TicketFileError(f"{path}: line {error.lineno}, column {error.colno}: not JSON ({error.msg})") from None
    if not isinstance(document, list) or not all(isinstance(item, dict) for item in document):
        raise TicketFileError(f"{path}: expected a JSON array of objects (what `gh issue list --json ...` prints)")
    header: list[str] = []
    for item in document:
        header.extend(key for key in item if key not in header)

    def cell(value: Any) -> str:
        if value is None:
            return ""
        if isinstance(value, list):  # labels: [{"name": ...}, ...] or ["name", ...]
            names = [entry.get("name", "") if isinstance(entry, dict) else str(entry) for entry in value]
            return _JSON_LIST_SEPARATOR.join(names)
        if isinstance(value, dict):
            return str(value.get("name", value.get("slug", value.get("login", ""))))
        return str(value)

    return _Records(header, _JsonRows([[cell(item.get(key)) for key in header] for item in document]), ",", "item")


class _JsonRows:
    """A JSON export's items as rows, with csv.reader's ``line_num`` (here the item number)."""

    def __init__(self, rows: list[list[str]]) -> None:
        self._rows = rows
        self.line_num = 0

    def __iter__(self) -> Iterator[list[str]]:
        for row in self._rows:
            self.line_num += 1
            yield row


# -- columns ----------------------------------------------------------------------------------------------------


def _unique_header(header: list[str]) -> tuple[list[str], dict[str, list[str]]]:
    """Names with duplicates numbered (``Labels#1``, ``Labels#2``), and each duplicated name's numbered names."""
    counts = Counter(header)
    seen: Counter[str] = Counter()
    names: list[str] = []
    duplicates: dict[str, list[str]] = {}
    for name in header:
        if counts[name] > 1:
            seen[name] += 1
            numbered = f"{name}#{seen[name]}"
            names.append(numbered)
            duplicates.setdefault(name, []).append(numbered)
        else:
            names.append(name)
    return names, duplicates


@dataclass
class _Plan:
    """Which file columns feed each canonical field (several for a multi-valued field)."""

    positions: dict[str, list[int]]
    names: dict[str, str]  # field -> the column name for messages
    used: list[str]  # the columns read, for notes


def _plan(
    path: str,
    header: list[str],
    preset: ExportFormat | None,
    columns: dict[str, str],
) -> _Plan:
    names, duplicates = _unique_header(header)
    index = {name: position for position, name in enumerate(names)}
    positions: dict[str, list[int]] = {}
    shown: dict[str, str] = {}

    def lookup(field: str, name: str, explicit: bool) -> list[int] | None:
        if name in index:
            return [index[name]]
        if name in duplicates:
            if preset is not None and field in preset.multi_valued and not explicit:
                return [index[numbered] for numbered in duplicates[name]]
            raise TicketFileError(
                f"{path}: line 1: the header has {len(duplicates[name])} columns named {name!r}; name one of "
                f"{duplicates[name]} (e.g. columns={{{field!r}: {duplicates[name][0]!r}}})"
            )
        return None

    for field in CANONICAL_FIELDS:
        if field in columns:
            found = lookup(field, columns[field], explicit=True)
            if found is None:
                raise TicketFileError(
                    f"{path}: line 1: no column {columns[field]!r} (mapped to {field}); the file has the columns "
                    f"{names}"
                )
            positions[field], shown[field] = found, columns[field]
            continue
        if preset is not None:
            candidates = preset.columns.get(field, ())
        else:  # a canonical file's status is used only when named: workflows have states no list can know
            candidates = () if field == "status" else CANONICAL_ALIASES.get(field, (field,))
        for name in candidates:
            found = lookup(field, name, explicit=False)
            if found is not None:
                positions[field], shown[field] = found, name
                break
    if "created_at" not in positions:
        wanted = columns.get("created_at") or (preset.columns["created_at"][0] if preset else "created_at")
        raise TicketFileError(
            f"{path}: line 1: no column {wanted!r} for the required field created_at; the file has the columns "
            f"{names} (map yours with columns={{'created_at': ...}} / --columns created_at=...)"
        )
    return _Plan(positions, shown, [shown[field] for field in positions])


# -- cells --------------------------------------------------------------------------------------------------------


def _status(text: str) -> bool | None:
    """True resolved, False open, None unknown value."""
    key = text.strip().lower()
    if key in _RESOLVED_STATUSES:
        return True
    if key in _OPEN_STATUSES:
        return False
    return None


def _reopen_count(text: str) -> int | None:
    """A reopen count from a flag or a count; ``-1`` unknown (empty); ``None`` for a value that is neither."""
    key = text.strip().lower()
    if key == "":
        return -1
    if key.isdigit():
        return int(key)
    if key in _TRUE:
        return 1
    if key in _FALSE:
        return 0
    return None


def _label_priority(labels: list[str]) -> tuple[int | None, list[str]]:
    """The severity of a ticket's priority labels (None: none) and the priority labels themselves."""
    found: list[str] = []
    levels: set[int] = set()
    unknown: list[str] = []
    for label in labels:
        match = _PRIORITY_LABEL.match(label.strip())
        if match is None:
            continue
        value = (match.group("value") or match.group("scale")).strip().lower()
        found.append(label.strip())
        if value in LABEL_PRIORITIES:
            levels.add(LABEL_PRIORITIES[value])
        else:
            unknown.append(label.strip())
    if unknown:
        raise ValueError(f"unknown priority label {unknown[0]!r}")
    if len(levels) > 1:
        raise ValueError(f"several priority labels {found} of different severities")
    return (levels.pop() if levels else None), found


def _split_labels(cells: tuple[str, ...]) -> list[str]:
    labels: list[str] = []
    for cell in cells:
        separator = _JSON_LIST_SEPARATOR if _JSON_LIST_SEPARATOR in cell else ","
        labels.extend(label.strip() for label in cell.split(separator) if label.strip())
    return labels


# -- the reader ---------------------------------------------------------------------------------------------------


class _Reader:
    """One pass over an export's records, a chunk at a time (columns kept as arrays, not rows)."""

    def __init__(
        self,
        path: str,
        records: _Records,
        plan: _Plan,
        severity_map: dict[str, int],
        date_format: str | None,
        zone: Any,
    ) -> None:
        self.path, self.records, self.plan, self.word = path, records, plan, records.word
        self.severity_map = severity_map
        self.created = ColumnTimes(plan.names["created_at"], date_format, zone)
        self.resolved = ColumnTimes(plan.names["resolved_at"], date_format, zone) if "resolved_at" in plan.positions else None  # fmt: skip
        self.lines: list[np.ndarray] = []
        self.ids: list[str] = []
        self.severity: list[np.ndarray] = []
        self.known: list[np.ndarray] = []
        self.components: list[str] = []
        self.status: list[np.ndarray] = []
        self.reopen: list[np.ndarray] = []
        self.awaiting: list[np.ndarray] = []
        self.reassignments: list[np.ndarray] = []
        self.groups: dict[str, list[str]] = {"group": [], "final_group": []}
        self.number_cache: dict[str, float] = {}
        self.priority_labels: Counter[str] = Counter()
        self.unknown_priorities: dict[str, int] = {}  # label -> first line
        self.priority_cache: dict[str, int] = {}
        self.status_cache: dict[str, int] = {}
        self.reopen_cache: dict[str, int] = {}
        # the cells read from each row, in order, and where each field's cells sit among them
        self.wanted = sorted({position for group in plan.positions.values() for position in group})
        place = {position: slot for slot, position in enumerate(self.wanted)}
        self.slot = {field: [place[position] for position in group] for field, group in plan.positions.items()}
        self.interned: dict[
            str, str
        ] = {}  # one string per distinct label: a big export repeats a few millions of times

    def where(self, line: int, field: str) -> str:
        return f"{self.path}: {self.word} {line}, column {self.plan.names[field]!r}"

    def read(self, filters: list[tuple[int, set[str]]]) -> int:
        width = len(self.records.header)
        needed = max(self.wanted)
        pick: Callable[[list[str]], tuple[str, ...]] = (
            operator.itemgetter(*self.wanted) if len(self.wanted) > 1 else lambda row: (row[self.wanted[0]],)
        )
        chunk_lines: list[int] = []
        chunk_rows: list[tuple[str, ...]] = []
        add_line, add_row = chunk_lines.append, chunk_rows.append
        kept = 0
        rows = self.records.rows
        previous = rows.line_num
        row: list[str] = []
        line = 0
        try:
            for row in rows:  # the hot loop of a big file: keep it lean
                line = previous + 1
                previous = rows.line_num
                if len(row) <= needed:
                    if not row or (len(row) == 1 and not row[0].strip()):
                        continue  # a blank line
                    self.short_row(row, line)
                if filters and not all(row[position].strip() in values for position, values in filters):
                    continue  # outside the slice
                add_line(line)
                add_row(pick(row))  # only the cells read: the rest of the row is freed at once
                if len(chunk_rows) == CHUNK_ROWS:
                    self.chunk(chunk_lines, chunk_rows)
                    kept += CHUNK_ROWS
                    chunk_lines.clear()
                    chunk_rows.clear()
        except csv.Error as error:
            raise _csv_error(self.path, error, previous + 1, rows.line_num) from None
        except UnicodeDecodeError:
            raise _decode_error(self.path, self.records.encoding) from None
        if line and len(row) < width and self.records.word == "line":
            raise TicketFileError(
                f"{self.path}: line {line}: the last record, which starts here, has {len(row)} fields but the "
                f"header {width}: the file was cut; export it again"
            )
        if chunk_rows:
            self.chunk(chunk_lines, chunk_rows)
            kept += len(chunk_rows)
        return kept

    def short_row(self, row: list[str], line: int) -> None:
        positions = self.plan.positions
        missing = next(field for field, group in positions.items() for position in group if position >= len(row))
        raise TicketFileError(
            f"{self.path}: {self.word} {line}: the row has {len(row)} fields, no column "
            f"{self.plan.names[missing]!r} (field {max(positions[missing]) + 1} of the header)"
        )

    def column(self, columns: list[tuple[str, ...]], field: str) -> list[str]:
        return list(map(str.strip, columns[self.slot[field][0]]))

    def chunk(self, lines: list[int], picked: list[tuple[str, ...]]) -> None:
        slot = self.slot
        columns = list(zip(*picked, strict=True))  # one tuple per cell read: the chunk by column
        count = len(picked)
        self.lines.append(np.asarray(lines, dtype=np.int64))
        if "id" in slot:
            self.ids.extend(self.column(columns, "id"))
        self.times(self.created, lines, self.column(columns, "created_at"), "created_at")
        if self.resolved is not None:
            self.times(self.resolved, lines, self.column(columns, "resolved_at"), "resolved_at")
        labels = None
        if "labels" in slot:
            cells: Iterable[tuple[str, ...]] = list(zip(*(columns[k] for k in slot["labels"]), strict=True))
            labels = [_split_labels(ticket_cells) for ticket_cells in cells]
        self.priorities(lines, columns, labels, count)
        if "component" in slot:
            if len(slot["component"]) == 1:
                values = self.column(columns, "component")
            else:  # multi-valued: the first non-empty
                cells = zip(*(columns[k] for k in slot["component"]), strict=True)
                values = [next((cell.strip() for cell in ticket if cell.strip()), "") for ticket in cells]
            self.components.extend(map(self.interned.setdefault, values, values))
        elif labels is not None:
            values = [_label_component(ticket_labels) for ticket_labels in labels]
            self.components.extend(map(self.interned.setdefault, values, values))
        if "status" in slot:
            self.status.append(self.coded(lines, self.column(columns, "status"), "status", self.status_cache))
        if "reopened" in slot:
            self.reopen.append(self.coded(lines, self.column(columns, "reopened"), "reopened", self.reopen_cache))
        if "awaiting_hours" in slot:
            self.awaiting.append(self.numbers(lines, self.column(columns, "awaiting_hours"), "awaiting_hours"))
        if "reassignments" in slot:
            counts = self.numbers(lines, self.column(columns, "reassignments"), "reassignments")
            self.reassignments.append(np.where(np.isnan(counts), -1, counts).astype(np.int16))
        for field, group_labels in self.groups.items():
            if field in slot:
                names = self.column(columns, field)
                group_labels.extend(map(self.interned.setdefault, names, names))

    def numbers(self, lines: list[int], values: list[str], field: str) -> np.ndarray:
        """``awaiting_hours`` (a number >= 0) or ``reassignments`` (an integer >= 0) per value, NaN where empty;
        anything else is an error naming the line, the column and the value."""
        cache = self.number_cache
        for value in set(values) - cache.keys():
            if value == "":
                cache[value] = math.nan
                continue
            try:
                number = float(value) if field == "awaiting_hours" else float(int(value))
            except ValueError:
                number = -1.0
            if not number >= 0.0 or math.isinf(number):
                line = lines[values.index(value)]
                wanted = "a number of hours >= 0" if field == "awaiting_hours" else "an integer count >= 0"
                raise TicketFileError(f"{self.where(line, field)}: {value!r} is not {wanted} (or empty: unknown)")
            cache[value] = number
        return np.fromiter(map(cache.__getitem__, values), dtype=np.float64, count=len(values))

    def coded(self, lines: list[int], values: list[str], field: str, cache: dict[str, int]) -> np.ndarray:
        """A status (1 resolved, 0 open, -1 empty) or reopen count (-1 unknown) per value, decoded once per
        distinct value."""
        for value in set(values) - cache.keys():
            line = lines[values.index(value)]
            if field == "status":
                state = _status(value) if value else -1
                if state is None:
                    raise TicketFileError(
                        f"{self.where(line, 'status')}: unknown status {value!r}; resolved states are "
                        f"{sorted(_RESOLVED_STATUSES)}, open ones {sorted(_OPEN_STATUSES)} (any case)"
                    )
                cache[value] = int(state)
            else:
                reopens = _reopen_count(value)
                if reopens is None:
                    raise TicketFileError(
                        f"{self.where(line, 'reopened')}: {value!r} is not a reopened flag or count "
                        "(expected 1/0, true/false, yes/no, a count 0, 1, 2 ... or empty)"
                    )
                cache[value] = min(reopens, REOPEN_COUNT_MAX)
        return np.array([cache[value] for value in values], dtype=np.int16)

    def times(self, column: ColumnTimes, lines: list[int], values: list[str], field: str) -> None:
        try:
            column.add(values)
        except TimeFormatError as error:
            message = str(error)
            if error.related is not None:
                every_line = np.concatenate(self.lines)  # this chunk's lines included
                message = message.replace("{related}", f"{self.word} {int(every_line[error.related])}")
            raise TicketFileError(f"{self.where(lines[error.index], field)}: {message}") from None

    def priorities(
        self, lines: list[int], columns: list[tuple[str, ...]], labels: list[list[str]] | None, count: int
    ) -> None:
        severity = np.empty(count, dtype=np.int8)
        known = np.empty(count, dtype=np.bool_)
        if "priority" in self.slot:
            values = self.column(columns, "priority")
            self.priority_labels.update(values)
            cache = self.priority_cache  # label -> 2 * severity + known, decoded once per distinct label
            for label in set(values) - cache.keys():
                level, has_label = self.severity_of(label)
                if level == 0:
                    self.unknown_priorities.setdefault(label, lines[values.index(label)])
                cache[label] = 2 * level + int(has_label)
            codes = np.fromiter(map(cache.__getitem__, values), dtype=np.int8, count=count)
            severity, known = codes >> 1, (codes & 1).astype(np.bool_)
        elif labels is not None:
            for position, ticket_labels in enumerate(labels):
                try:
                    label_level, found_labels = _label_priority(ticket_labels)
                except ValueError as error:
                    raise TicketFileError(f"{self.where(lines[position], 'labels')}: {error}") from None
                self.priority_labels.update(found_labels)
                severity[position] = UNKNOWN_PRIORITY_SEVERITY if label_level is None else label_level
                known[position] = label_level is not None
        else:
            severity[:] = UNKNOWN_PRIORITY_SEVERITY
            known[:] = False
        self.severity.append(severity)
        self.known.append(known)

    def severity_of(self, label: str) -> tuple[int, bool]:
        key = label.lower()
        if key in self.severity_map:
            return self.severity_map[key], True
        if key in _UNKNOWN_PRIORITIES:
            return UNKNOWN_PRIORITY_SEVERITY, False
        if key in _BUILT_IN_PRIORITIES:
            return _BUILT_IN_PRIORITIES[key], True
        return 0, False  # unknown: reported once the whole file is read, with every label's count

    def check_priorities(self) -> None:
        if not self.unknown_priorities:
            return
        label, line = min(self.unknown_priorities.items(), key=lambda item: item[1])  # the first in the file
        counts = ", ".join(f"{name!r} ({count})" for name, count in self.priority_labels.most_common() if name)
        mapping = ",".join(f"{name}=S" for name, _ in self.priority_labels.most_common() if name)
        others = len(self.unknown_priorities) - 1
        raise TicketFileError(
            f"{self.where(line, 'priority')}: unknown priority label {label!r}"
            + (f" (and {others} more unknown labels)" if others else "")
            + f"; the file's priority labels are {counts}; map them to severities S = 1 (low) .. 4 (critical) with "
            f'--severity-map "{mapping}" (Python: severity_map={{label: S}}; built-in labels need no entry)'
        )


_COMPONENT_LABEL = re.compile(r"^(?:area|component|team)\s*[:/]\s*(?P<name>.+)$", re.IGNORECASE)


def _label_component(labels: list[str]) -> str:
    """A ticket's component from its labels: the first ``area/…``, ``component: …`` or ``team/…`` label."""
    for label in labels:
        match = _COMPONENT_LABEL.match(label)
        if match:
            return match.group("name").strip()
    return ""


def read_tickets(
    path: str | os.PathLike[str],
    columns: dict[str, str] | None = None,
    severity_map: dict[str, int] | None = None,
    where: dict[str, str | Sequence[str]] | None = None,
    *,
    format: str = "auto",
    date_format: str | None = None,
    timezone: str | None = None,
    delimiter: str | None = None,
    encoding: str | None = None,
    progress: Callable[[int], None] | None = None,
) -> TicketLog:
    """Read a tracker's export as it was written (see the module docstring for formats, fields and errors).

    Args:
        path: the export: CSV (a header row first), or the JSON array of ``gh issue list --json``.
        columns: canonical field -> the file's column name, e.g. ``{"created_at": "Opened"}`` (a duplicated
            column as ``"Labels#2"``); overrides the preset's choice.
        severity_map: extra or overriding priority labels -> severity 1..4 (any case).
        where: keep only the rows whose column holds one of the values, e.g. ``{"assignment_group": "Group 64"}``.
        format: ``"auto"`` (recognise a preset from the header), ``"canonical"`` (no preset), or a preset's
            name: ``"jira"``, ``"servicenow"``, ``"zendesk"``, ``"github"``, ``"sentry"``, ``"bugzilla"``.
        date_format: a :meth:`datetime.strptime` format for every timestamp column (None: recognise the layout).
        timezone: the desk's IANA zone (``"Europe/Berlin"``): naive times are read in it and the week profile
            is fitted on its wall clock. None: naive times as written, zone-aware ones in UTC.
        delimiter: ``","``, ``";"`` or ``"\\t"`` (None: recognised from the header line).
        encoding: the file's text encoding (None: UTF-8, with or without a byte-order mark).
        progress: called with the number of bytes read, a block at a time (for a progress bar).

    Returns:
        A :class:`TicketLog` with one entry per record kept (open tickets included).

    Raises:
        TicketFileError: the file cannot be read as a ticket export (names the file, the line and the column).
        ValueError, TypeError: a bad argument.
    """
    path = os.fspath(path)
    given_columns = _check_columns(columns)
    severity_map = _check_severity_map(severity_map)
    slices = _check_where(where)
    zone = check_timezone(timezone)
    if format != "auto" and format != "canonical" and format not in PRESETS:
        raise ValueError(f"unknown format {format!r}; expected 'auto', 'canonical' or one of {sorted(PRESETS)}")
    if delimiter is not None and delimiter not in _DELIMITERS:
        raise ValueError(f"delimiter must be one of {list(_DELIMITERS)}, got {delimiter!r}")
    text_encoding = _encoding_name(encoding)
    if not os.path.isfile(path):
        raise TicketFileError(f"{path}: no such file" if not os.path.exists(path) else f"{path}: not a file")
    is_json = path.lower().endswith(".json") or (format in PRESETS and PRESETS[format].json)
    if is_json:
        records = _json_records(path, text_encoding)
    else:
        records = _csv_records(path, delimiter, text_encoding, progress)
    collecting = gc.isenabled()
    gc.disable()  # millions of short-lived cells, none in a cycle: the collector would only re-scan them (-25% time)
    try:
        return _read(path, records, given_columns, severity_map, slices, format, date_format, zone, timezone)
    finally:
        records.close()
        if collecting:
            gc.enable()


def _read(  # noqa: C901 -- the read pipeline in order (format, header plan, slices, rows, ids, times, status, notes), each step using the ones before: split, the steps would pass a dozen locals between them
    path: str,
    records: _Records,
    columns: dict[str, str],
    severity_map: dict[str, int],
    slices: dict[str, tuple[str, ...]],
    format: str,
    date_format: str | None,
    zone: Any,
    timezone: str | None,
) -> TicketLog:
    header = records.header
    if format == "auto":
        preset = detect_format(set(header))
    else:
        preset = PRESETS.get(format)
    plan = _plan(path, header, preset, columns)
    names, duplicates = _unique_header(header)
    index = {name: position for position, name in enumerate(names)}
    filters = []
    for column, values in slices.items():
        if column in duplicates:
            raise TicketFileError(
                f"{path}: line 1: the header has {len(duplicates[column])} columns named {column!r}; slice on one of "
                f"{duplicates[column]}"
            )
        if column not in index:
            raise TicketFileError(f"{path}: line 1: no column {column!r} to slice on; the file has the columns {names}")
        filters.append((index[column], set(values)))
    reader = _Reader(path, records, plan, severity_map, date_format, zone)
    kept = reader.read(filters)
    if not kept and slices:
        raise TicketFileError(f"{path}: no row has {_where_text(slices)} (the slice is empty)")
    if not kept:
        raise TicketFileError(f"{path}: the file has a header but no ticket rows")
    reader.check_priorities()
    lines = np.concatenate(reader.lines)
    if "id" in plan.positions and len(set(reader.ids)) < len(reader.ids):
        first_line: dict[str, int] = {}
        for line, ticket_id in zip(lines.tolist(), reader.ids, strict=True):
            first = first_line.setdefault(ticket_id, line)
            if first != line:
                raise TicketFileError(f"{reader.where(line, 'id')}: duplicate id {ticket_id!r} (first on line {first})")

    def seconds(column: ColumnTimes, field: str) -> tuple[np.ndarray, np.ndarray]:
        try:
            return column.seconds()
        except TimeFormatError as error:
            raise TicketFileError(f"{reader.where(int(lines[error.index]), field)}: {error}") from None
        except ValueError as error:
            raise TicketFileError(f"{path}: {error}") from None

    created, missing_created = seconds(reader.created, "created_at")
    if missing_created.any():
        line = int(lines[np.flatnonzero(missing_created)[0]])
        raise TicketFileError(f"{reader.where(line, 'created_at')}: no creation time (the field is required)")
    resolved_at = None
    resolved = np.zeros(kept, dtype=np.bool_)
    notes: list[str] = []
    if reader.resolved is not None:
        closed, missing = seconds(reader.resolved, "resolved_at")
        if reader.resolved.aware != reader.created.aware and zone is None and (~missing).any():
            raise TicketFileError(
                f"{reader.where(int(lines[np.flatnonzero(~missing)[0]]), 'resolved_at')}: the resolution times are "
                f"{'zone-aware' if reader.resolved.aware else 'naive'} but the creation times are not: a file must not "
                "mix the two unless timezone= / --timezone says where the naive ones were written"
            )
        resolved = ~missing
        early = resolved & (closed < created)
        if early.any():
            first = int(np.flatnonzero(early)[0])
            raise TicketFileError(
                f"{reader.where(int(lines[first]), 'resolved_at')}: resolved at "
                f"{np.datetime64(int(closed[first]), 's')}, before it was created "
                f"({np.datetime64(int(created[first]), 's')})"
            )
        resolved_at = np.where(resolved, closed, np.iinfo(np.int64).min).astype("datetime64[s]")
    if reader.status:
        state = np.concatenate(reader.status)
        says_open = state == 0
        says_resolved = state == 1
        if resolved_at is not None:
            resolved_at[says_open] = np.datetime64("NaT")
        unknown_time = says_resolved & ~resolved
        resolved = (resolved & ~says_open) | says_resolved
        if unknown_time.any():
            notes.append(
                f"{int(unknown_time.sum())} tickets the {plan.names['status']!r} column says are resolved have no "
                "resolution time: resolved at an unknown time (not used for time to resolve, not counted as open)"
            )
    if preset is not None:
        for column in plan.used:
            if column in preset.notes:
                notes.append(preset.notes[column])
    aware = reader.created.aware or zone is not None
    if reader.created.aware and zone is None:
        notes.append(
            "the timestamps carry zones and are fitted in UTC; give the desk's zone with timezone= / --timezone "
            "(e.g. Europe/Berlin) to fit its week on its own wall clock"
        )
    reopen_count = np.concatenate(reader.reopen) if reader.reopen else None
    reopened = None
    if reopen_count is not None:
        reopened = np.where(reopen_count < 0, -1, (reopen_count > 0).astype(np.int8)).astype(np.int8)
    return TicketLog(
        path=path,
        ids=tuple(reader.ids) if "id" in plan.positions else None,
        created_at=created.astype("datetime64[s]"),
        severity=np.concatenate(reader.severity),
        priority_known=np.concatenate(reader.known),
        component=tuple(reader.components) if reader.components or "component" in plan.positions else None,
        resolved_at=resolved_at,
        reopened=reopened,
        timezone_aware=aware,
        where=slices,
        resolved=resolved,
        reopen_count=reopen_count,
        line=lines,
        format=preset.name if preset is not None else "canonical",
        timezone=timezone if zone is not None else None,
        notes=tuple(notes),
        awaiting_hours=np.concatenate(reader.awaiting) if "awaiting_hours" in plan.positions else None,
        reassignments=np.concatenate(reader.reassignments) if "reassignments" in plan.positions else None,
        group=tuple(reader.groups["group"]) if "group" in plan.positions else None,
        final_group=tuple(reader.groups["final_group"]) if "final_group" in plan.positions else None,
    )
