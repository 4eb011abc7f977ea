"""Timestamps of a ticket export: the layouts recognised without options, ``date_format``, and time zones.

A column's layout is recognised from its first value and every other value must have the same layout:

=====================  ======================================  =============================================
layout                 example                                  written by
=====================  ======================================  =============================================
ISO 8601               ``2024-02-19T03:36:11Z``, ``2024-02-19   ServiceNow, GitHub, Sentry, Bugzilla, Kafka's
                       03:36``, ``…+01:00``, ``…+0100``         Jira API; seconds and fraction optional
ISO, spaced zone       ``2024-02-19 03:36:11 +0100``            Zendesk
Jira                   ``22/Sep/25 7:01 AM``                    Jira's default ``dd/MMM/yy h:mm a`` (English
                                                                month names; ``yy`` < 70 is 20yy)
dotted day-first       ``05.03.2024 14:22``                     German, Austrian, Swiss Excel
slashed                ``03/04/2024 14:22``, ``…2:22 PM``       Excel, Redmine: day-first or month-first,
                                                                told apart by the column's values
epoch seconds          ``1708313771``                           APIs, databases
=====================  ======================================  =============================================

A slashed column is day-first if some value's first number is over 12, month-first if some value's second
number is; a column where neither happens (every date could be either) is refused, never guessed: pass
``date_format`` (``--date-format``), e.g. ``"%d/%m/%Y %H:%M"``. ``date_format`` takes any
:meth:`datetime.strptime` format (``%z`` for zones) and is used for every timestamp column.

**Zones.** A timestamp with a zone is converted to UTC. Without ``timezone``, naive timestamps are kept as
written (the desk's wall clock, whatever it was) and a file must not mix naive and zone-aware ones. With
``timezone="Europe/Berlin"`` (any IANA name :mod:`zoneinfo` knows), naive timestamps are read as that
zone's wall clock (a wall time repeated when clocks go back is read as its first occurrence; one skipped
when they go forward is read with the offset before the change, as :mod:`zoneinfo` does with ``fold=0``),
everything is stored in UTC, and :meth:`local_seconds` gives the desk's wall clock back, daylight saving
time included, for fitting the week profile in local time.

**Open tickets.** An empty cell, ``null``, ``None``, ``NaT``, ``N/A``, ``?`` and Go's zero time
(``0001-01-01…``, what ``gh`` writes as the ``closedAt`` of an open issue) mean "no time".
"""

from __future__ import annotations

import re
import warnings
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import numpy as np

__all__ = [
    "LAYOUTS",
    "NO_TIME",
    "ColumnTimes",
    "TimeLayout",
    "check_timezone",
    "is_no_time",
    "local_seconds",
]

NO_TIME = frozenset({"", "null", "none", "nat", "n/a", "?", "-", "--"})
_ZERO_TIME = "0001-01-01"
_MONTHS = {name: number for number, name in enumerate(("jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec"), 1)}  # fmt: skip
_SLOT = 900  # seconds: every zone offset and change since 1970 falls on a quarter hour
_UNIX_EPOCH = datetime(1970, 1, 1)


def is_no_time(text: str) -> bool:
    """True for a cell that means "no time" (see the module docstring)."""
    return text.lower() in NO_TIME or text.startswith(_ZERO_TIME)


@dataclass(frozen=True)
class TimeLayout:
    """One timestamp layout: a regex with named groups (year, month, day, hour, minute, second, fraction,
    ampm, zone; ``first``/``second_number`` for the slashed layout) and an example for messages."""

    name: str
    example: str
    regex: str

    @property
    def pattern(self) -> re.Pattern[str]:
        return re.compile(self.regex)  # re caches compiled patterns


_ZONE = r"(?P<zone>Z|[+-]\d{2}:?\d{2})"
LAYOUTS: tuple[TimeLayout, ...] = (
    TimeLayout(
        "ISO 8601",
        "2024-02-19T03:36:11Z",
        r"(?P<year>\d{4})-(?P<month>\d{2})-(?P<day>\d{2})[T ](?P<hour>\d{2}):(?P<minute>\d{2})"
        r"(?::(?P<second>\d{2})(?:[.,](?P<fraction>\d{1,9}))?)? ?" + _ZONE + "?",
    ),
    TimeLayout(
        "Jira dd/MMM/yy h:mm a",
        "22/Sep/25 7:01 AM",
        r"(?P<day>\d{1,2})/(?P<month>[A-Za-z]{3})/(?P<year>\d{2}) (?P<hour>\d{1,2}):(?P<minute>\d{2}) (?P<ampm>[AaPp][Mm])",
    ),
    TimeLayout(
        "dotted dd.mm.yyyy HH:MM",
        "05.03.2024 14:22",
        r"(?P<day>\d{1,2})\.(?P<month>\d{1,2})\.(?P<year>\d{4}),? (?P<hour>\d{1,2}):(?P<minute>\d{2})(?::(?P<second>\d{2}))?",
    ),
    TimeLayout(
        "slashed dd/mm/yyyy or mm/dd/yyyy HH:MM",
        "03/04/2024 14:22",
        r"(?P<first>\d{1,2})/(?P<second_number>\d{1,2})/(?P<year>\d{4}),? (?P<hour>\d{1,2}):(?P<minute>\d{2})"
        r"(?::(?P<second>\d{2}))?(?: (?P<ampm>[AaPp][Mm]))?",
    ),
    TimeLayout("epoch seconds", "1708313771", r"(?P<epoch>\d{9,10})(?:\.(?P<fraction>\d{1,9}))?"),
)


def check_timezone(name: str | None) -> ZoneInfo | None:
    """The :class:`zoneinfo.ZoneInfo` of ``name`` (None: no zone); an unknown name is a ``ValueError``."""
    if name is None:
        return None
    if not isinstance(name, str) or not name:
        raise ValueError(f"timezone must be an IANA zone name such as 'Europe/Berlin', got {name!r}")
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        raise ValueError(
            f"unknown timezone {name!r}: expected an IANA zone name such as 'Europe/Berlin' or 'America/New_York'"
        ) from None


def _offsets(slots: np.ndarray, zone: ZoneInfo, slots_are_local: bool) -> np.ndarray:
    """UTC offset in seconds of each quarter-hour slot (``slots``: seconds // 900), looked up once per distinct slot."""
    unique, inverse = np.unique(slots, return_inverse=True)
    offsets = np.empty(unique.shape[0], dtype=np.int64)
    for position, slot in enumerate(unique.tolist()):
        moment = _UNIX_EPOCH + timedelta(seconds=slot * _SLOT)
        if slots_are_local:
            offset = moment.replace(tzinfo=zone).utcoffset()
        else:
            offset = moment.replace(tzinfo=timezone.utc).astimezone(zone).utcoffset()
        offsets[position] = int(offset.total_seconds()) if offset is not None else 0
    return offsets[inverse]


def local_seconds(utc_seconds: np.ndarray, zone: str | ZoneInfo) -> np.ndarray:
    """``(n,)`` int64 wall-clock seconds in ``zone`` (as if it were UTC) of ``(n,)`` int64 UTC epoch seconds."""
    zone = ZoneInfo(zone) if isinstance(zone, str) else zone
    utc_seconds = np.asarray(utc_seconds, dtype=np.int64)
    if utc_seconds.size == 0:
        return utc_seconds.copy()
    return utc_seconds + _offsets(np.floor_divide(utc_seconds, _SLOT), zone, slots_are_local=False)


def _utc_of_local(local: np.ndarray, zone: ZoneInfo) -> np.ndarray:
    if local.size == 0:
        return local.copy()
    return local - _offsets(np.floor_divide(local, _SLOT), zone, slots_are_local=True)


class TimeFormatError(ValueError):
    """A value that does not fit its column's layout: ``index`` is its position in the values given."""

    def __init__(self, index: int, message: str, related: int | None = None) -> None:
        super().__init__(message)
        self.index = index
        self.related = related  # a value's index in the whole column that the message names as {related}


class ColumnTimes:
    """The timestamps of one column, parsed a chunk at a time and assembled at the end.

    ``add(values)`` takes a chunk's stripped cells (``is_no_time`` ones included) and returns nothing; a
    value that fits no layout, or not the column's, raises :class:`TimeFormatError` with its index in the
    chunk. ``seconds()`` returns ``(n,)`` int64 seconds (UTC, or as written when naive without a zone),
    ``missing`` where a cell had no time, plus whether the column was zone-aware.
    """

    def __init__(self, column: str, date_format: str | None, zone: ZoneInfo | None) -> None:
        self.column = column
        self.date_format = date_format
        self.zone = zone
        self.layout: TimeLayout | None = None
        self.first_value = ""
        self._chunks: list[tuple[np.ndarray, ...]] = []
        self._aware: bool | None = None  # every value with a zone (True), none (False), or no values yet
        self._aware_example = ""
        self._aware_index = 0
        self._seen = 0  # values added so far
        self.day_first_evidence = ""  # a value whose first number is over 12
        self.month_first_evidence = ""
        self._slashed_values: list[list[str]] = []  # a slashed column's values, for naming a bad day at the end

    # -- parsing ----------------------------------------------------------------------------------------------

    def add(self, values: list[str]) -> None:
        # a timestamp has at least 9 characters, a "no time" value fewer, or Go's zero time: look closer only then
        joined = "\n" + "\n".join(values)
        if values and min(map(len, values)) >= 9 and "\n0001" not in joined:
            suspects: list[int] = []
        else:
            suspects = [position for position, value in enumerate(values) if len(value) < 9 or value[:4] == "0001"]
        present = np.ones(len(values), dtype=np.bool_)
        for position in suspects:
            present[position] = not is_no_time(values[position])
        kept = values if present.all() else [value for value, keep in zip(values, present, strict=True) if keep]
        if not kept:
            self._chunks.append((present, np.zeros(0, np.int64), np.zeros(0, np.int64), np.zeros(0, np.bool_)))
            self._seen += len(values)
            return
        if self.date_format is not None:
            seconds, offsets, aware = self._strptime(kept, present)
        else:
            if self.layout is None:
                self.layout = self._recognise(kept[0], int(np.flatnonzero(present)[0]))
                self.first_value = kept[0]
            seconds, offsets, aware = self._parse(kept, present)
        self._check_zones(aware, kept, present)
        self._chunks.append((present, seconds, offsets, aware))
        self._seen += len(values)

    def _recognise(self, value: str, index: int) -> TimeLayout:
        for layout in LAYOUTS:
            if layout.pattern.fullmatch(value):
                return layout
        examples = ", ".join(f"{layout.example} ({layout.name})" for layout in LAYOUTS)
        raise TimeFormatError(
            index,
            f"{value!r} is not a timestamp layout read without options ({examples}); give its format with "
            "date_format= / --date-format, e.g. '%d/%m/%Y %H:%M'",
        )

    def _bad_value(self, kept: list[str], present: np.ndarray, position: int) -> TimeFormatError:
        assert self.layout is not None
        index = int(np.flatnonzero(present)[position])
        return TimeFormatError(
            index,
            f"{kept[position]!r} is not in the column's layout ({self.layout.name}, like its first value "
            f"{self.first_value!r}); a column must keep one layout (give date_format= / --date-format otherwise)",
        )

    def _parse(  # noqa: C901 -- one vectorised pass per optional field of the layout (epoch, am/pm, day-month order, month names, zone): a flat list of `if field in groups`, kept together so the layout's fields read in one place
        self, kept: list[str], present: np.ndarray
    ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        layout = self.layout
        assert layout is not None
        pattern = layout.pattern
        if layout.name == "ISO 8601":
            fast = self._iso_naive(kept)
            if fast is not None:
                return fast
        text = "\n".join(kept)
        plain = re.sub(r"\(\?P<\w+>", "(?:", layout.regex)  # the same layout without group names
        whole = re.compile(f"(?:{plain})(?:\n(?:{plain}))*")
        lines = re.compile(f"(?m)^(?:{layout.regex})$")
        found = lines.findall(text) if whole.fullmatch(text) is not None else []
        if len(found) != len(kept):  # a bad value, or a cell with a line break: find the first that does not fit
            for position, value in enumerate(kept):
                if pattern.fullmatch(value) is None:
                    raise self._bad_value(kept, present, position)
            found = [pattern.fullmatch(value).groups() for value in kept]  # type: ignore[union-attr]
        if pattern.groups == 1:
            found = [(match,) for match in found]
        groups = pattern.groupindex
        columns = list(zip(*found, strict=True))

        def numbers(name: str, default: int = 0) -> np.ndarray:
            if name not in groups:
                return np.full(len(kept), default, dtype=np.int64)
            values = columns[groups[name] - 1]
            return np.array([int(value) if value else default for value in values], dtype=np.int64)

        if "epoch" in groups:
            seconds = numbers("epoch")
            return seconds, np.zeros_like(seconds), np.ones(len(kept), dtype=np.bool_)
        year = numbers("year")
        hour = numbers("hour")
        if "ampm" in groups:
            ampm = columns[groups["ampm"] - 1]
            pm = np.array([value.lower() == "pm" for value in ampm], dtype=np.bool_)
            twelve = np.array([bool(value) for value in ampm], dtype=np.bool_)
            bad = np.flatnonzero(twelve & ((hour < 1) | (hour > 12)))
            if bad.size:
                raise self._field_error(kept, present, int(bad[0]), "the hour of a 12-hour clock must be 1..12")
            hour = np.where(twelve, hour % 12 + np.where(pm, 12, 0), hour)
        minute, second = numbers("minute"), numbers("second")
        if "first" in groups:  # slashed: day and month are told apart once the whole column is read
            first, second_number = numbers("first"), numbers("second_number")
            self._note_order(kept, first, second_number)
            self._slashed_values.append(kept)
            fields = np.stack([year, first, second_number, hour, minute, second])
            return fields, np.zeros(len(kept), dtype=np.int64), np.zeros(len(kept), dtype=np.bool_)
        if layout.name.startswith("Jira"):
            year = np.where(year < 70, 2000 + year, 1900 + year)
            months = columns[groups["month"] - 1]
            month = np.array([_MONTHS.get(name.lower(), 0) for name in months], dtype=np.int64)
        else:
            month = numbers("month")
        offsets = np.zeros(len(kept), dtype=np.int64)
        aware = np.zeros(len(kept), dtype=np.bool_)
        if "zone" in groups:
            for position, zone in enumerate(columns[groups["zone"] - 1]):
                if zone:
                    aware[position] = True
                    if zone != "Z":
                        sign = -1 if zone[0] == "-" else 1
                        digits = zone[1:].replace(":", "")
                        offsets[position] = sign * (int(digits[:2]) * 3600 + int(digits[2:]) * 60)
        try:
            seconds = _calendar_seconds(year, month, numbers("day"), hour, minute, second)
        except _FieldError as error:
            raise self._field_error(kept, present, error.position, error.why) from None
        return seconds - offsets, offsets, aware

    def _iso_naive(self, kept: list[str]) -> tuple[np.ndarray, np.ndarray, np.ndarray] | None:
        """numpy's ISO parser for a chunk of zone-less ISO values with a time of day (None: take the general path,
        for a zone, a fraction, a bad value or one numpy reads but the layout does not, like ``today``)."""
        # numpy also reads "today", "now", dates without a time and bare years: all shorter than a date and time
        if min(map(len, kept)) < 16 or max(map(len, kept)) > 19:  # 2024-02-19 03:36 .. 2024-02-19T03:36:11
            return None
        try:
            with warnings.catch_warnings():
                warnings.simplefilter("error")  # a zone makes numpy warn: take the general path
                parsed = np.array(kept, dtype="datetime64[s]")
        except (ValueError, UserWarning, DeprecationWarning):
            return None
        seconds = parsed.astype(np.int64)
        return seconds, np.zeros_like(seconds), np.zeros(len(kept), dtype=np.bool_)

    def _field_error(self, kept: list[str], present: np.ndarray, position: int, why: str) -> TimeFormatError:
        index = int(np.flatnonzero(present)[position])
        return TimeFormatError(index, f"{kept[position]!r}: {why}")

    def _note_order(self, kept: list[str], first: np.ndarray, second: np.ndarray) -> None:
        if not self.day_first_evidence and (first > 12).any():
            self.day_first_evidence = kept[int(np.flatnonzero(first > 12)[0])]
        if not self.month_first_evidence and (second > 12).any():
            self.month_first_evidence = kept[int(np.flatnonzero(second > 12)[0])]

    def _strptime(self, kept: list[str], present: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        assert self.date_format is not None
        seconds = np.empty(len(kept), dtype=np.int64)
        aware = np.zeros(len(kept), dtype=np.bool_)
        for position, value in enumerate(kept):
            try:
                moment = datetime.strptime(value, self.date_format)
            except ValueError as error:
                raise TimeFormatError(
                    int(np.flatnonzero(present)[position]),
                    f"{value!r} does not match date_format {self.date_format!r} ({error})",
                ) from None
            if moment.tzinfo is not None:
                aware[position] = True
                seconds[position] = int(moment.timestamp())
            else:
                seconds[position] = int((moment - _UNIX_EPOCH).total_seconds())
        return seconds, np.zeros_like(seconds), aware

    def _check_zones(self, aware: np.ndarray, kept: list[str], present: np.ndarray) -> None:
        if self.zone is not None:
            return  # naive values are read in the zone, aware ones converted: the two can be ordered
        if self._aware is None:
            self._aware = bool(aware[0])
            self._aware_example = kept[0]
            self._aware_index = self._seen + int(np.flatnonzero(present)[0])
        mixed = np.flatnonzero(aware != self._aware)
        if mixed.size:
            position = int(mixed[0])
            kind = "zone-aware" if aware[position] else "naive (no zone)"
            first = "zone-aware" if self._aware else "naive (no zone)"
            raise TimeFormatError(
                int(np.flatnonzero(present)[position]),
                f"{kept[position]!r} is {kind}, but {{related}} is {first} ({self._aware_example!r}): a file must "
                "not mix the two unless timezone= / --timezone says where the naive ones were written",
                related=self._aware_index,
            )

    # -- assembly ---------------------------------------------------------------------------------------------

    @property
    def aware(self) -> bool:
        return bool(self._aware)

    def month_first(self) -> bool:
        """For a slashed column: True if month-first; raises ``ValueError`` when the column cannot tell."""
        if self.day_first_evidence and self.month_first_evidence:
            raise ValueError(
                f"column {self.column!r}: {self.day_first_evidence!r} is day-first but {self.month_first_evidence!r} "
                "is month-first: give date_format= / --date-format"
            )
        if self.day_first_evidence:
            return False
        if self.month_first_evidence:
            return True
        raise ValueError(
            f"column {self.column!r}: every date, e.g. {self.first_value!r}, reads both day-first and month-first "
            "(no day or month over 12): give the order with date_format= / --date-format, e.g. '%d/%m/%Y %H:%M' or "
            "'%m/%d/%Y %I:%M %p'"
        )

    def seconds(self) -> tuple[np.ndarray, np.ndarray]:
        """``(seconds, missing)``: int64 epoch seconds (0 where missing) and a bool mask of cells without a time.

        Raises:
            TimeFormatError: a slashed date with no such day (index into the whole column).
            ValueError: a slashed column whose order cannot be told.
        """
        month_first = None
        if self.layout is not None and self.layout.name.startswith("slashed"):
            month_first = self.month_first()
        pieces, missing_pieces = [], []
        offset, slashed = 0, 0
        for present, values, _offsets_unused, aware in self._chunks:
            out = np.zeros(present.shape[0], dtype=np.int64)
            if values.ndim == 2:
                year, first, second_number, hour, minute, second = values
                month, day = (first, second_number) if month_first else (second_number, first)
                try:
                    values = _calendar_seconds(year, month, day, hour, minute, second)
                except _FieldError as error:
                    kept = self._slashed_values[slashed]
                    index = offset + int(np.flatnonzero(present)[error.position])
                    order = "month-first" if month_first else "day-first"
                    raise TimeFormatError(index, f"{kept[error.position]!r} ({order}): {error.why}") from None
                slashed += 1
            if self.zone is not None and values.size:
                naive = ~aware
                if naive.any():
                    values = values.copy()
                    values[naive] = _utc_of_local(values[naive], self.zone)
            out[present] = values
            pieces.append(out)
            missing_pieces.append(~present)
            offset += present.shape[0]
        if not pieces:
            return np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.bool_)
        return np.concatenate(pieces), np.concatenate(missing_pieces)


class _FieldError(ValueError):
    def __init__(self, position: int, why: str) -> None:
        super().__init__(why)
        self.position = position
        self.why = why


def _calendar_seconds(
    year: np.ndarray, month: np.ndarray, day: np.ndarray, hour: np.ndarray, minute: np.ndarray, second: np.ndarray
) -> np.ndarray:
    """Epoch seconds of calendar fields (int64 arrays); a field out of range raises :class:`_FieldError`."""
    months = (year - 1970) * 12 + (month - 1)
    start = months.astype("datetime64[M]").astype("datetime64[D]").astype(np.int64)
    length = (months + 1).astype("datetime64[M]").astype("datetime64[D]").astype(np.int64) - start
    checks = (
        ((month < 1) | (month > 12), "month must be in 1..12"),
        ((day < 1) | (day > length), "day is out of range for month"),
        ((hour > 23) | (minute > 59) | (second > 59), "hour, minute or second out of range"),
    )
    for bad, why in checks:
        if bad.any():
            raise _FieldError(int(np.flatnonzero(bad)[0]), why)
    return (start + day - 1) * 86400 + hour * 3600 + minute * 60 + second
