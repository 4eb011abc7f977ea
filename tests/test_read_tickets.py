"""ttm.read_tickets: the shared real exports, any tracker's columns, timestamps, priorities, and bad input."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

import ticket_triage_marl as ttm
from ticket_triage_marl.data import SHIPPED_DATA, TicketFileError

DATA = SHIPPED_DATA
SHARED = {
    "tickets_uci_itsm_incidents.csv": (7908, 777),
    "tickets_apache_kafka_fixed_bugs.csv": (1364, 0),
    "tickets_apache_hadoop_bugs.csv": (2503, 770),
}


def write(tmp_path: Path, text: str, name: str = "export.csv") -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


@pytest.mark.parametrize("name", SHARED)
def test_shared_exports_read_whole_with_their_open_tickets(name: str) -> None:
    log = ttm.read_tickets(DATA / name)
    rows, still_open = SHARED[name]
    assert len(log) == rows and int(log.open.sum()) == still_open
    assert log.priority_known.all() and set(np.unique(log.severity)) <= {1, 2, 3, 4}
    assert np.all(np.diff(log.created_at.astype(np.int64)) >= 0), "the shared files are in creation order"


def test_uci_desk_matches_its_documented_statistics() -> None:
    log = ttm.read_tickets(DATA / "tickets_uci_itsm_incidents.csv")
    mix = np.bincount(log.severity, minlength=5)[1:] / len(log)
    assert mix == pytest.approx([0.027, 0.958, 0.010, 0.005], abs=0.001)  # Low, Moderate, High, Critical
    assert np.nanmedian(log.resolution_hours) == pytest.approx(63.8, abs=0.05)
    assert not log.timezone_aware and log.reopened is not None and log.reopened.sum() == 116


def test_columns_map_any_trackers_names_and_missing_fields_are_absent(tmp_path: Path) -> None:
    path = write(tmp_path, "Key,Opened,Priority\nA-1,2024-01-02 09:30,P1\nA-2,2024-01-02 10:00,P5\n")
    log = ttm.read_tickets(path, columns={"id": "Key", "created_at": "Opened", "priority": "Priority"})
    assert log.ids == ("A-1", "A-2") and log.severity.tolist() == [4, 1]
    assert log.component is None and log.resolved_at is None and log.reopened is None
    assert log.open.all()


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("2024-01-02T09:30", "2024-01-02T09:30:00"),
        ("2024-01-02 09:30:15", "2024-01-02T09:30:15"),
        ("2024-01-02T09:30:15.250", "2024-01-02T09:30:15"),
    ],
)
def test_naive_timestamps_with_t_or_space_and_optional_seconds(tmp_path: Path, text: str, expected: str) -> None:
    log = ttm.read_tickets(write(tmp_path, f"created_at\n{text}\n"))
    assert str(log.created_at[0]) == expected and not log.timezone_aware


@pytest.mark.parametrize("zone", ["Z", "+00:00", "+0200", "-05:30"])
def test_zone_aware_timestamps_are_converted_to_utc(tmp_path: Path, zone: str) -> None:
    log = ttm.read_tickets(write(tmp_path, f"created_at\n2024-01-02T12:00{zone}\n"))
    hours = {"Z": 12, "+00:00": 12, "+0200": 10, "-05:30": 17.5}[zone]
    expected = np.datetime64("2024-01-02T00:00:00") + np.timedelta64(int(hours * 3600), "s")
    assert log.created_at[0] == expected and log.timezone_aware


def test_mixing_zone_aware_and_naive_rows_is_an_error_naming_both_lines(tmp_path: Path) -> None:
    path = write(tmp_path, "created_at\n2024-01-02T12:00Z\n2024-01-02T13:00\n")
    with pytest.raises(TicketFileError, match=r"line 3, column 'created_at'.*naive.*line 2 is zone-aware"):
        ttm.read_tickets(path)


@pytest.mark.parametrize(
    ("label", "severity"),
    [
        ("1 - Critical", 4),
        ("4 - Low", 1),
        ("3 - moderate", 2),
        ("Blocker", 4),
        ("  major ", 2),
        ("Trivial", 1),
        ("P1", 4),
        ("p5", 1),
    ],
)
def test_built_in_priority_vocabularies(tmp_path: Path, label: str, severity: int) -> None:
    log = ttm.read_tickets(write(tmp_path, f'created_at,priority\n2024-01-02T09:00,"{label}"\n'))
    assert log.severity.tolist() == [severity] and log.priority_known.tolist() == [True]


@pytest.mark.parametrize("label", ["", "--"])
def test_an_empty_or_dashes_priority_is_unknown_and_takes_the_documented_default(tmp_path: Path, label: str) -> None:
    log = ttm.read_tickets(write(tmp_path, f"created_at,priority\n2024-01-02T09:00,{label}\n"))
    assert log.severity.tolist() == [ttm.data.UNKNOWN_PRIORITY_SEVERITY] and log.priority_known.tolist() == [False]


def test_an_unknown_priority_names_the_label_and_its_line_unless_mapped(tmp_path: Path) -> None:
    path = write(tmp_path, "created_at,priority\n2024-01-02T09:00,P2\n2024-01-02T10:00,Sev A\n")
    with pytest.raises(TicketFileError, match=r"line 3, column 'priority': unknown priority label 'Sev A'"):
        ttm.read_tickets(path)
    assert ttm.read_tickets(path, severity_map={"Sev A": 4}).severity.tolist() == [3, 4]
    assert ttm.read_tickets(path, severity_map={"sev a": 4, "P2": 1}).severity.tolist() == [1, 4]  # any case
    with pytest.raises(ValueError, match=r"severity_map\['Sev A'\] must be a severity 1..4, got 5"):
        ttm.read_tickets(path, severity_map={"Sev A": 5})


def test_a_malformed_timestamp_names_file_line_and_column(tmp_path: Path) -> None:
    path = write(tmp_path, "id,created_at\n1,2024-01-02T09:00\n2,02/01/2024 09:00\n")
    with pytest.raises(TicketFileError, match=r"export\.csv: line 3, column 'created_at': '02/01/2024 09:00'"):
        ttm.read_tickets(path)
    with pytest.raises(TicketFileError, match=r"line 2, column 'created_at'.*month must be in 1\.\.12"):
        ttm.read_tickets(write(tmp_path, "created_at\n2024-13-02T09:00\n"))


def test_a_missing_column_lists_the_columns_the_file_has(tmp_path: Path) -> None:
    path = write(tmp_path, "Opened,Priority\n2024-01-02T09:00,P1\n")
    with pytest.raises(TicketFileError, match=r"line 1: no column 'created_at'.*\['Opened', 'Priority'\]"):
        ttm.read_tickets(path)
    with pytest.raises(TicketFileError, match=r"no column 'Prio' \(mapped to priority\)"):
        ttm.read_tickets(path, columns={"created_at": "Opened", "priority": "Prio"})
    with pytest.raises(ValueError, match="unknown fields \\['owner'\\]"):
        ttm.read_tickets(path, columns={"created_at": "Opened", "owner": "Assignee"})


@pytest.mark.parametrize(
    ("text", "message"),
    [("", "the file is empty"), ("id,created_at,priority\n", "a header but no ticket rows")],
)
def test_an_empty_or_header_only_file_is_an_error(tmp_path: Path, text: str, message: str) -> None:
    with pytest.raises(TicketFileError, match=message):
        ttm.read_tickets(write(tmp_path, text))


def test_bytes_that_are_not_utf8_name_their_line(tmp_path: Path) -> None:
    path = tmp_path / "latin1.csv"
    path.write_bytes("created_at,component\n2024-01-02T09:00,ok\n2024-01-02T10:00,Caf\xe9\n".encode("latin-1"))
    with pytest.raises(TicketFileError, match=r"latin1\.csv: line 3, byte 21: bytes that are not UTF-8"):
        ttm.read_tickets(path)


def test_resolved_before_created_is_an_error(tmp_path: Path) -> None:
    path = write(
        tmp_path, "created_at,resolved_at\n2024-01-02T09:00,2024-01-03T09:00\n2024-01-05T09:00,2024-01-04T09:00\n"
    )
    with pytest.raises(
        TicketFileError,
        match=r"line 3, column 'resolved_at': resolved at 2024-01-04T09:00:00, before it was created \(2024-01-05T09:00",
    ):
        ttm.read_tickets(path)


def test_duplicate_ids_name_both_lines(tmp_path: Path) -> None:
    path = write(tmp_path, "id,created_at\nX-1,2024-01-02T09:00\nX-2,2024-01-02T10:00\nX-1,2024-01-02T11:00\n")
    with pytest.raises(TicketFileError, match=r"line 4, column 'id': duplicate id 'X-1' \(first on line 2\)"):
        ttm.read_tickets(path)


def test_open_tickets_and_reopen_flags(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        "created_at,resolved_at,reopened,component\n"
        "2024-01-02T09:00,2024-01-02T12:30,1,db\n2024-01-02T10:00,,0,\n2024-01-02T11:00,,,api\n",
    )
    log = ttm.read_tickets(path)
    assert log.open.tolist() == [False, True, True]
    assert log.resolution_hours[0] == 3.5 and np.isnan(log.resolution_hours[1:]).all()
    assert log.reopened.tolist() == [1, 0, -1] and log.component == ("db", "", "api")
    with pytest.raises(TicketFileError, match=r"line 2, column 'reopened': 'maybe' is not a reopened flag"):
        ttm.read_tickets(write(tmp_path, "created_at,reopened\n2024-01-02T09:00,maybe\n"))


def test_a_short_row_and_a_missing_file_are_clear_errors(tmp_path: Path) -> None:
    with pytest.raises(TicketFileError, match=r"line 3: the row has 1 fields, no column 'priority'"):
        ttm.read_tickets(write(tmp_path, "created_at,priority\n2024-01-02T09:00,P1\n2024-01-02T10:00\n"))
    with pytest.raises(TicketFileError, match="no such file"):
        ttm.read_tickets(tmp_path / "missing.csv")


def test_where_keeps_only_the_rows_of_the_slice_and_names_it(tmp_path: Path) -> None:
    export = write(
        tmp_path,
        "id,created_at,team,priority\nA,2024-01-01T09:00,ops,P1\nB,2024-01-01T10:00,dev,not-a-label\n"
        "C,2024-01-02T09:00, ops ,P3\nD,2024-01-03T09:00,web,P2\n",
    )
    log = ttm.read_tickets(export, where={"team": "ops"})
    assert log.ids == ("A", "C") and log.where == {"team": ("ops",)}  # row B's bad label is outside the slice
    assert log.source == "export.csv [team=ops]" and "export.csv [team=ops]" in repr(log)
    assert ttm.read_tickets(export, where={"team": ["ops", "web"]}).ids == ("A", "C", "D")
    assert ttm.read_tickets(export, where={"team": "ops", "priority": "P3"}).ids == ("C",)  # every column must match
    assert log.subset(np.array([True, False])).where == log.where


def test_where_errors_name_the_missing_column_or_the_empty_slice(tmp_path: Path) -> None:
    export = write(tmp_path, "id,created_at,team\nA,2024-01-01T09:00,ops\n")
    with pytest.raises(TicketFileError, match=r"line 1: no column 'group' to slice on; the file has the columns \["):
        ttm.read_tickets(export, where={"group": "ops"})
    with pytest.raises(TicketFileError, match="no row has team=dev"):
        ttm.read_tickets(export, where={"team": "dev"})
    with pytest.raises(ValueError, match="non-empty list of strings"):
        ttm.read_tickets(export, where={"team": []})
    with pytest.raises(TypeError, match="where must be a dict"):
        ttm.read_tickets(export, where=[("team", "ops")])
