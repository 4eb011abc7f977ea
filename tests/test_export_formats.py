"""Exports as trackers write them: presets on real-shaped fixtures, timestamps, zones, dialects, duplicate
columns, open/resolved/reopened, and every malformed case named by file, line and column."""

from __future__ import annotations

import csv
import json
from pathlib import Path

import numpy as np
import pytest

import ticket_triage_marl as ttm
from ticket_triage_marl.cli import main as cli_main
from ticket_triage_marl.data import TicketFileError
from ticket_triage_marl.data.fit import creation_outliers, hour_of_week_rates, select_tickets
from ticket_triage_marl.data.presets import PRESETS

FIXTURES = Path(__file__).parent / "fixtures" / "exports"
EXCEL_OPTIONS = {
    "encoding": "cp1252",
    "columns": {"created_at": "Erstellt", "priority": "Priorität", "component": "Kategorie", "resolved_at": "Gelöst"},
    "severity_map": {"Sehr hoch": 4, "Hoch": 3, "Mittel": 2, "Niedrig": 1},
}
REDMINE_OPTIONS = {
    "encoding": "latin-1",
    "columns": {
        "id": "#",
        "created_at": "Created",
        "resolved_at": "Closed",
        "component": "Category",
        "priority": "Priority",
    },
    "severity_map": {"Immediate": 4, "Urgent": 4, "High": 3, "Normal": 2, "Low": 1},
}
# file, read_tickets options, format recognised, rows, resolved, open, distinct components
FIXTURE_FACTS = [
    ("jira_cloud.csv", {}, "jira", 52, 41, 11, 5),
    ("jira_server.csv", {}, "jira", 56, 43, 13, 6),
    ("servicenow.csv", {}, "servicenow", 60, 48, 12, 5),
    ("zendesk.csv", {}, "zendesk", 54, 40, 14, 4),
    ("github_issues.json", {}, "github", 60, 47, 13, 4),
    ("github_issues.csv", {}, "github", 60, 47, 13, 4),
    ("github_search_issues.json", {}, "github", 60, 47, 13, 4),
    ("sentry_issues.csv", {}, "sentry", 50, 36, 14, 4),
    ("bugzilla.csv", {}, "bugzilla", 58, 43, 15, 5),
    ("bugzilla_fieldnames.csv", {}, "bugzilla", 58, 43, 15, 5),
    ("excel_de.csv", EXCEL_OPTIONS, "canonical", 60, 48, 12, 5),
    ("redmine.csv", REDMINE_OPTIONS, "canonical", 60, 45, 15, 4),
]


def write(tmp_path: Path, text: str, name: str = "export.csv", encoding: str = "utf-8") -> Path:
    path = tmp_path / name
    path.write_bytes(text.encode(encoding))
    return path


def weekly_rows(n: int = 60, start: str = "2024-03-04T09:00", step_hours: int = 5) -> list[str]:
    """``n`` ISO creation times ``step_hours`` apart from ``start`` (60 x 5 h spans 12 days)."""
    first = np.datetime64(start, "m")
    return [str(first + np.timedelta64(k * step_hours * 60, "m")) for k in range(n)]


# -- presets on fixtures written as each tool writes its export ----------------------------------------------------


@pytest.mark.parametrize(("name", "options", "fmt", "rows", "resolved", "open_", "components"), FIXTURE_FACTS)
def test_each_fixture_reads_as_written_with_its_counts(name, options, fmt, rows, resolved, open_, components) -> None:
    log = ttm.read_tickets(FIXTURES / name, **options)
    assert log.format == fmt
    assert (len(log), int(log.resolved.sum()), int(log.open.sum())) == (rows, resolved, open_)
    assert len({label for label in log.component if label}) == components
    assert log.priority_known.any()


def test_auto_recognises_every_preset_and_a_canonical_file_reads_as_before() -> None:
    recognised = {ttm.read_tickets(FIXTURES / name).format for name, options, *_ in FIXTURE_FACTS if not options}
    assert recognised == set(PRESETS)
    assert ttm.read_tickets(ttm.data.SHIPPED_DATA / "tickets_uci_itsm_incidents.csv").format == "canonical"


def test_jira_components_are_the_first_of_the_repeated_columns_and_priorities_the_cloud_vocabulary() -> None:
    log = ttm.read_tickets(FIXTURES / "jira_server.csv")
    with open(FIXTURES / "jira_server.csv", encoding="utf-8", newline="") as handle:
        rows = list(csv.reader(handle))
    first, second = [position for position, name in enumerate(rows[0]) if name == "Component/s"]
    expected = [row[first] or row[second] for row in rows[1:]]
    assert list(log.component) == expected
    cloud = ttm.read_tickets(FIXTURES / "jira_cloud.csv")
    assert np.bincount(cloud.severity, minlength=5)[1:].tolist() == [15, 20, 12, 5]  # Low+Lowest, Medium, High, Highest


def test_line_numbers_name_where_each_multi_line_record_starts() -> None:
    log = ttm.read_tickets(FIXTURES / "jira_cloud.csv")
    starts, line = [], 1
    with open(FIXTURES / "jira_cloud.csv", encoding="utf-8", newline="") as handle:
        reader = csv.reader(handle)
        next(reader)
        for _ in reader:
            starts.append(line + 1)
            line = reader.line_num
    assert log.line.tolist() == starts and starts[-1] > len(starts) + 1  # descriptions span lines


def test_servicenow_and_zendesk_reopen_counts_are_kept() -> None:
    servicenow = ttm.read_tickets(FIXTURES / "servicenow.csv")
    assert np.bincount(servicenow.reopen_count).tolist() == [46, 13, 1]
    assert int((servicenow.reopened == 1).sum()) == 14
    zendesk = ttm.read_tickets(FIXTURES / "zendesk.csv")
    assert np.bincount(zendesk.reopen_count).tolist() == [37, 15, 2]


def test_zendesk_spaced_offsets_are_converted_to_utc() -> None:
    log = ttm.read_tickets(FIXTURES / "zendesk.csv")
    assert log.timezone_aware and str(log.created_at[0]) == "2024-02-05T07:41:00"
    assert int((~log.priority_known).sum()) == 5  # no priority set: unknown, not an error


def test_github_json_and_csv_give_the_same_tickets_with_priorities_and_areas_from_labels() -> None:
    from_json = ttm.read_tickets(FIXTURES / "github_issues.json")
    from_csv = ttm.read_tickets(FIXTURES / "github_issues.csv")
    search = ttm.read_tickets(FIXTURES / "github_search_issues.json")  # open issues' closedAt is Go's zero time
    for other in (from_csv, search):
        assert other.ids == from_json.ids and other.component == from_json.component
        assert np.array_equal(other.created_at, from_json.created_at)
        assert np.array_equal(other.resolved_at, from_json.resolved_at, equal_nan=True)
        assert np.array_equal(other.severity, from_json.severity)
    assert int(from_json.priority_known.sum()) == 47 and int((from_json.severity == 4).sum()) == 5
    assert {label for label in from_json.component if label} == {"api", "auth", "db", "ui"}
    assert from_json.line_of(0) == "item 1"


def test_sentry_resolved_issues_have_no_time_and_are_neither_open_nor_timed() -> None:
    log = ttm.read_tickets(FIXTURES / "sentry_issues.csv")
    assert log.resolved_at is None and log.resolution_hours is None and not log.has_resolution_times
    assert int(log.resolved.sum()) == 36 and int(log.open.sum()) == 14  # ignored issues are open
    assert any("resolved at an unknown time" in note for note in log.notes)


def test_bugzilla_says_it_takes_the_last_change_as_the_resolution_time() -> None:
    log = ttm.read_tickets(FIXTURES / "bugzilla.csv")
    assert any("last change ('Changed')" in note for note in log.notes)
    assert int((~log.priority_known).sum()) == 5  # ' --' is no priority
    assert np.isnat(log.resolved_at[log.open]).all() and not np.isnat(log.resolved_at[log.resolved]).any()


def test_redmine_slashed_dates_are_month_first_because_a_day_over_12_shows_it() -> None:
    log = ttm.read_tickets(FIXTURES / "redmine.csv", **REDMINE_OPTIONS)
    assert str(log.created_at[-1]) == "2024-02-05T08:41:00" and str(log.resolved_at[-1]) == "2024-02-24T14:54:00"


@pytest.mark.parametrize("name", ["jira_cloud.csv", "servicenow.csv", "github_issues.json", "bugzilla.csv"])
def test_fit_and_evaluate_work_on_preset_exports_as_written(tmp_path: Path, name: str, capsys) -> None:
    out = tmp_path / "fitted.toml"
    command = ["fit", str(FIXTURES / name), "--out", str(out), "--hours-per-step", "24", "--set", "n_engineers=3"]
    assert cli_main(command) == 0
    printed = capsys.readouterr().out
    assert "format, recognised from its columns" in printed and "scenario written" in printed
    assert cli_main(["evaluate", "--config", str(out), "--seeds", "2", "--policies", "random,edf"]) == 0


def test_fit_reads_a_german_excel_export_with_encoding_columns_and_a_severity_map(tmp_path: Path) -> None:
    out = tmp_path / "de.toml"
    columns = "created_at=Erstellt,priority=Priorität,component=Kategorie,resolved_at=Gelöst"
    severity = "Sehr hoch=4,hoch=3,Mittel=2,Niedrig=1"  # any case
    command = ["fit", str(FIXTURES / "excel_de.csv"), "--out", str(out), "--hours-per-step", "24"]
    assert cli_main([*command, "--encoding", "cp1252", "--columns", columns, "--severity-map", severity]) == 0
    assert ttm.load_config(out).severity_mix == pytest.approx((15 / 60, 29 / 60, 11 / 60, 5 / 60), abs=1e-6)


# -- timestamps -----------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("cells", "expected"),
    [
        (
            ["22/Sep/25 7:01 AM", "01/Jan/24 12:05 AM", "29/Feb/24 12:30 PM"],
            ["2025-09-22T07:01", "2024-01-01T00:05", "2024-02-29T12:30"],
        ),
        (["2024-02-19 03:36:11 +0100", "2024-02-19 03:36:11 -0230"], ["2024-02-19T02:36:11", "2024-02-19T06:06:11"]),
        (["05.03.2024 14:22", "5.3.2024 9:05"], ["2024-03-05T14:22", "2024-03-05T09:05"]),
        (["1708313771"], ["2024-02-19T03:36:11"]),
        (["2024-02-19T03:36:11.250Z", "2024-02-19T04:00:00+01:00"], ["2024-02-19T03:36:11", "2024-02-19T03:00:00"]),
    ],
)
def test_common_timestamp_layouts_are_read_without_options(tmp_path: Path, cells, expected) -> None:
    log = ttm.read_tickets(write(tmp_path, "created_at\n" + "\n".join(f'"{cell}"' for cell in cells) + "\n"))
    assert log.created_at.astype("datetime64[m]").tolist() == np.array(expected, "datetime64[m]").tolist()


def test_slashed_dates_take_their_order_from_the_column_and_ambiguity_is_refused(tmp_path: Path) -> None:
    day_first = ttm.read_tickets(write(tmp_path, "created_at\n03/04/2024 10:00\n25/04/2024 10:00\n"))
    assert str(day_first.created_at[0]) == "2024-04-03T10:00:00"
    month_first = ttm.read_tickets(write(tmp_path, "created_at\n03/04/2024 10:00\n04/25/2024 10:00\n"))
    assert str(month_first.created_at[0]) == "2024-03-04T10:00:00"
    with pytest.raises(
        TicketFileError, match=r"'03/04/2024 10:00', reads both day-first and month-first.*--date-format"
    ):
        ttm.read_tickets(write(tmp_path, "created_at\n03/04/2024 10:00\n05/06/2024 10:00\n"))
    with pytest.raises(TicketFileError, match=r"'25/04/2024 10:00' is day-first but '04/25/2024 10:00' is month-first"):
        ttm.read_tickets(write(tmp_path, "created_at\n25/04/2024 10:00\n04/25/2024 10:00\n"))
    given = ttm.read_tickets(write(tmp_path, "created_at\n03/04/2024 10:00\n"), date_format="%m/%d/%Y %H:%M")
    assert str(given.created_at[0]) == "2024-03-04T10:00:00"


def test_a_value_that_leaves_its_columns_layout_names_its_line(tmp_path: Path) -> None:
    path = write(tmp_path, "created_at\n22/Sep/25 7:01 AM\n22/Sep/25 7:02 AM\n2025-09-22 07:03\n")
    with pytest.raises(
        TicketFileError, match=r"line 4, column 'created_at': '2025-09-22 07:03' is not in the column's layout \(Jira"
    ):
        ttm.read_tickets(path)
    with pytest.raises(TicketFileError, match=r"line 3, column 'created_at': '31/Feb/24 7:01 AM': day is out of range"):
        ttm.read_tickets(write(tmp_path, "created_at\n22/Sep/25 7:01 AM\n31/Feb/24 7:01 AM\n"))
    with pytest.raises(TicketFileError, match=r"line 2, column 'created_at': '2024/03/05-14h22' is not a timestamp.*--date-format"):  # fmt: skip
        ttm.read_tickets(write(tmp_path, "created_at\n2024/03/05-14h22\n"))
    log = ttm.read_tickets(write(tmp_path, "created_at\n2024/03/05-14h22\n"), date_format="%Y/%m/%d-%Hh%M")
    assert str(log.created_at[0]) == "2024-03-05T14:22:00"


def test_a_desks_timezone_reads_naive_times_on_its_clock_across_a_dst_change(tmp_path: Path) -> None:
    # Berlin moved from UTC+1 to UTC+2 on 2024-03-31 at 02:00; every ticket below is at 09:00 on the desk's clock
    days = [f"2024-03-{day:02d}" for day in range(18, 32)] + [f"2024-04-{day:02d}" for day in range(1, 15)]
    rows = [f"{day}T09:{minute:02d}" for day in days for minute in (0, 20, 40)]
    path = write(tmp_path, "created_at\n" + "\n".join(rows) + "\n")
    log = ttm.read_tickets(path, timezone="Europe/Berlin")
    assert (
        log.timezone_aware
        and str(log.created_at[0]) == "2024-03-18T08:00:00"
        and str(log.created_at[-1])[11:13] == "07"
    )
    assert np.array_equal(log.local_created_at().astype("datetime64[m]"), np.array(rows, "datetime64[m]"))
    on_the_desk = hour_of_week_rates(log)
    assert set(np.flatnonzero(on_the_desk) % 24) == {9}  # one hour of the day, however the clocks moved
    in_utc = ttm.read_tickets(write(tmp_path, "created_at\n" + "\n".join(f"{row}+01:00" if row < "2024-03-31" else f"{row}+02:00" for row in rows) + "\n", "aware.csv"))  # fmt: skip
    assert set(np.flatnonzero(hour_of_week_rates(in_utc)) % 24) == {7, 8}  # fitted in UTC, the profile smears
    with pytest.raises(ValueError, match="unknown timezone 'Europe/Berln'"):
        ttm.read_tickets(path, timezone="Europe/Berln")


# -- dialect ---------------------------------------------------------------------------------------------------------


def test_the_delimiter_is_recognised_or_given(tmp_path: Path) -> None:
    semicolons = ttm.read_tickets(write(tmp_path, "id;created_at;priority\nA;2024-03-04 09:00;Major\n"))
    tabs = ttm.read_tickets(write(tmp_path, "id\tcreated_at\tpriority\nA\t2024-03-04 09:00\tMajor\n", "t.csv"))
    assert semicolons.severity.tolist() == tabs.severity.tolist() == [2]
    tie = write(tmp_path, "id,created_at;priority\nA,2024-03-04 09:00;Major\n", "tie.csv")
    with pytest.raises(TicketFileError, match=r"as many ',' and ';' delimiters; give the delimiter with.*--delimiter"):
        ttm.read_tickets(tie)
    with pytest.raises(TicketFileError, match="no column 'created_at'"):  # forced: the header splits differently
        ttm.read_tickets(tie, delimiter=",")


def test_a_byte_of_another_encoding_names_its_line_and_suggests_the_encoding(tmp_path: Path) -> None:
    path = write(tmp_path, "id,created_at,component\nA,2024-03-04 09:00,Drucker\nB,2024-03-04 10:00,Störung\n", encoding="cp1252")  # fmt: skip
    with pytest.raises(TicketFileError, match=r"line 3, byte 22: bytes that are not UTF-8 .*--encoding"):
        ttm.read_tickets(path)
    assert ttm.read_tickets(path, encoding="cp1252").component == ("Drucker", "Störung")
    with pytest.raises(ValueError, match="unknown encoding 'klingon'"):
        ttm.read_tickets(path, encoding="klingon")


def test_a_bom_and_crlf_line_endings_read_as_plain_utf8(tmp_path: Path) -> None:
    path = tmp_path / "bom.csv"
    path.write_bytes(b"\xef\xbb\xbfid,created_at\r\nA,2024-03-04 09:00\r\n")
    assert ttm.read_tickets(path).ids == ("A",)


def test_duplicate_column_names_are_never_resolved_silently(tmp_path: Path) -> None:
    text = "created_at,Component/s,Component/s\n2024-03-04 09:00,,UI\n2024-03-04 10:00,DB,API\n"
    path = write(tmp_path, text)
    with pytest.raises(TicketFileError, match=r"2 columns named 'Component/s'; name one of \['Component/s#1', 'Component/s#2'\]"):  # fmt: skip
        ttm.read_tickets(path, columns={"component": "Component/s"})
    assert ttm.read_tickets(path, columns={"component": "Component/s#2"}).component == ("UI", "API")
    assert ttm.read_tickets(path).component is None  # no canonical 'component' column: nothing taken
    with pytest.raises(TicketFileError, match="slice on one of"):
        ttm.read_tickets(path, where={"Component/s": "UI"})
    jira = "Issue key,Created,Component/s,Component/s\nX-1,04/Mar/24 9:00 AM,,UI\nX-2,04/Mar/24 9:30 AM,DB,API\n"
    assert ttm.read_tickets(write(tmp_path, jira, "jira.csv")).component == ("UI", "DB")  # the first non-empty


# -- open, resolved, reopened ------------------------------------------------------------------------------------------


def test_no_time_values_mean_open(tmp_path: Path) -> None:
    cells = ["", "null", "None", "NaT", "?", "0001-01-01T00:00:00Z", "2024-03-05T09:00"]
    rows = [f"{k},2024-03-04T09:00,{cell}" for k, cell in enumerate(cells)]
    log = ttm.read_tickets(write(tmp_path, "id,created_at,resolved_at\n" + "\n".join(rows) + "\n"))
    assert log.open.tolist() == [True] * 6 + [False]


def test_a_status_column_says_resolved_without_a_time_and_open_over_a_time(tmp_path: Path) -> None:
    text = "created_at,resolved_at,state\n2024-03-04T09:00,,CLOSED\n2024-03-04T09:00,2024-03-05T09:00,open\n2024-03-04T09:00,2024-03-05T09:00,Resolved\n"  # fmt: skip
    log = ttm.read_tickets(write(tmp_path, text), columns={"status": "state"})
    assert log.resolved.tolist() == [True, False, True] and log.open.tolist() == [False, True, False]
    hours = log.resolution_hours
    assert np.isnan(hours[:2]).all() and hours[2] == 24.0
    with pytest.raises(TicketFileError, match=r"line 2, column 'state': unknown status 'Patch Available'"):
        ttm.read_tickets(write(tmp_path, "created_at,state\n2024-03-04T09:00,Patch Available\n"), columns={"status": "state"})  # fmt: skip


def test_reopen_counts_and_flags_are_accepted_and_other_values_named(tmp_path: Path) -> None:
    rows = "\n".join(f"2024-03-04T09:00,{value}" for value in ("0", "1", "2", "yes", "false", ""))
    log = ttm.read_tickets(write(tmp_path, "created_at,reopened\n" + rows + "\n"))
    assert log.reopen_count.tolist() == [0, 1, 2, 1, 0, -1] and log.reopened.tolist() == [0, 1, 1, 1, 0, -1]
    with pytest.raises(TicketFileError, match=r"line 2, column 'reopened': 'maybe' is not a reopened flag or count"):
        ttm.read_tickets(write(tmp_path, "created_at,reopened\n2024-03-04T09:00,maybe\n"))


def test_label_lists_give_priorities_and_contradicting_labels_are_refused(tmp_path: Path) -> None:
    text = 'createdAt,labels,number\n2024-03-04T09:00:00Z,"bug,P0",1\n2024-03-04T09:00:00Z,"severity/low",2\n2024-03-04T09:00:00Z,bug,3\n'  # fmt: skip
    log = ttm.read_tickets(write(tmp_path, text))
    assert log.format == "github" and log.severity.tolist() == [4, 1, 2] and log.priority_known.tolist() == [1, 1, 0]
    bad = 'createdAt,labels,number\n2024-03-04T09:00:00Z,"priority: high,priority: low",1\n'
    with pytest.raises(TicketFileError, match=r"line 2, column 'labels': several priority labels"):
        ttm.read_tickets(write(tmp_path, bad))


def test_an_unknown_priority_lists_every_label_with_its_count_in_the_clis_syntax(tmp_path: Path) -> None:
    rows = ["Sev A"] * 3 + ["Sev B"] * 2 + ["high"]
    path = write(tmp_path, "created_at,priority\n" + "".join(f"2024-03-04T09:00,{row}\n" for row in rows))
    with pytest.raises(TicketFileError) as caught:
        ttm.read_tickets(path)
    message = str(caught.value)
    assert "line 2, column 'priority': unknown priority label 'Sev A' (and 1 more unknown labels)" in message
    assert "'Sev A' (3), 'Sev B' (2), 'high' (1)" in message and '--severity-map "Sev A=S,Sev B=S,high=S"' in message
    assert ttm.read_tickets(path, severity_map={"SEV A": 4, "sev b": 1}).severity.tolist() == [4, 4, 4, 1, 1, 3]


# -- no silent bad fits ----------------------------------------------------------------------------------------------


def test_a_file_cut_inside_a_quoted_field_names_the_line_where_that_record_starts(tmp_path: Path) -> None:
    text = 'id,created_at,description\nA,2024-03-04T09:00,"one\nline"\nB,2024-03-04T10:00,"cut in\nthe middle'
    with pytest.raises(TicketFileError, match=r"line 4: the record that starts here ends inside a quoted field.*cut"):
        ttm.read_tickets(write(tmp_path, text))


def test_a_last_record_short_of_fields_is_a_cut_file(tmp_path: Path) -> None:
    text = "id,created_at,priority,assignee\nA,2024-03-04T09:00,Major,ann\nB,2024-03-04T10:00,Maj"
    with pytest.raises(
        TicketFileError, match=r"line 3: the last record, which starts here, has 3 fields but the header 4"
    ):
        ttm.read_tickets(write(tmp_path, text))


def test_errors_inside_a_multi_line_record_name_the_line_where_it_starts(tmp_path: Path) -> None:
    text = 'id,description,created_at\nA,"first\nsecond\nthird",2024-03-04T09:00\nB,"x\ny",yesterday\n'
    with pytest.raises(TicketFileError, match=r"line 5, column 'created_at': 'yesterday'"):
        ttm.read_tickets(write(tmp_path, text))


def test_stray_creation_times_are_refused_with_their_lines_unless_windowed_or_dropped(tmp_path: Path, capsys) -> None:
    rows = weekly_rows(1800, "2024-01-01T00:00", step_hours=4)
    rows[700], rows[1500] = "1970-01-01T00:00", "2099-06-01T00:00"
    path = write(tmp_path, "created_at\n" + "\n".join(rows) + "\n")
    log = ttm.read_tickets(path)
    assert creation_outliers(log).tolist() == [700, 1500]
    with pytest.raises(ValueError, match=r"2 creation times lie far outside.*line 702 \(1970-01-01T00:00:00\), line 1502 \(2099"):  # fmt: skip
        ttm.fit_config(log)
    kept, dropped = select_tickets(log, drop_outliers=True)
    assert len(kept) == 1798 and dropped.tolist() == [700, 1500]
    fitted = ttm.fit_config(log, drop_outliers=True)
    assert np.mean(fitted.arrival_profile) == pytest.approx(0.25, rel=0.01)  # one ticket every 4 hours, not 350x fewer
    windowed, left_out = select_tickets(log, window=("2024-01-01", "2025-01-01"))
    assert len(windowed) == 1798 and left_out.size == 2
    out = tmp_path / "fitted.toml"
    assert cli_main(["fit", str(path), "--out", str(out)]) == 2 and not out.exists()
    assert "line 702 (1970-01-01T00:00:00)" in capsys.readouterr().err
    assert cli_main(["fit", str(path), "--out", str(out), "--drop-outliers"]) == 0
    assert "dropped 2 tickets created far outside the bulk of the file: line 702" in capsys.readouterr().out
    assert cli_main(["fit", str(path), "--out", str(out), "--window", "2024-01-01", "2025-01-01"]) == 0


def test_a_file_too_small_for_a_week_profile_is_refused_unless_forced(tmp_path: Path, capsys) -> None:
    path = write(tmp_path, "created_at\n" + "\n".join(weekly_rows(7, step_hours=20)) + "\n")
    with pytest.raises(ValueError, match=r"7 tickets over 5\.0 days are too few to fit.*at least one whole week.*50"):
        ttm.fit_config(ttm.read_tickets(path))
    with pytest.warns(UserWarning, match="too few to fit"):
        ttm.fit_config(ttm.read_tickets(path), force=True)
    out = tmp_path / "small.toml"
    assert cli_main(["fit", str(path), "--out", str(out)]) == 2 and not out.exists()
    assert cli_main(["fit", str(path), "--out", str(out), "--force"]) == 0 and out.exists()
    assert "warning: " in capsys.readouterr().err


def test_the_fidelity_report_leaves_out_what_the_export_cannot_show(tmp_path: Path, capsys) -> None:
    pytest.importorskip("matplotlib")
    path = write(tmp_path, "created_at\n" + "\n".join(weekly_rows(60)) + "\n")  # no priority, no resolution times
    report = tmp_path / "fidelity.html"
    command = ["fit", str(path), "--out", str(tmp_path / "f.toml"), "--report", str(report), "--report-episodes", "1"]
    assert cli_main(command) == 0
    printed = capsys.readouterr().out
    assert "severity mix within" not in printed and "KS" not in printed and printed.count("not compared:") == 4
    assert "not compared: waiting on others: the export has no awaiting_hours column" in printed
    assert "not compared: routing: the export has no first and final assignment groups" in printed
    html = report.read_text(encoding="utf-8")
    assert "Not compared: the severity mix" in html and "Time to resolve: the export has no resolution times" in html
    assert "nan" not in html.lower().replace("nanosecond", "") and "Severity mix</h2>" not in html


# -- replay configs ----------------------------------------------------------------------------------------------------


def test_a_replay_config_reads_an_export_with_its_format_options_and_severity_map(tmp_path: Path) -> None:
    scenario = tmp_path / "replay.toml"
    scenario.write_text(
        f'arrival_process = "trace"\ntrace_path = "{FIXTURES / "excel_de.csv"}"\ntrace_encoding = "cp1252"\n'
        'trace_columns = { created_at = "Erstellt", priority = "Priorität" }\n'
        'trace_severity_map = { "Sehr hoch" = 4, Hoch = 3, Mittel = 2, Niedrig = 1 }\n',
        encoding="utf-8",
    )
    config = ttm.load_config(scenario)
    trace = config.trace()
    assert trace.n_rows == 60 and np.bincount(trace.severity, minlength=5)[1:].tolist() == [15, 29, 11, 5]
    assert dict(config.trace_severity_map)["Sehr hoch"] == 4
    jira = ttm.EnvConfig(arrival_process="trace", trace_path=str(FIXTURES / "jira_cloud.csv"), trace_format="jira")
    assert jira.trace().n_rows == 52
    with pytest.raises(ValueError, match="trace_format / trace_encoding are only used with arrival_process='trace'"):
        ttm.EnvConfig(trace_format="jira", trace_encoding="cp1252")
    with pytest.raises(ValueError, match=r"trace_severity_map\['Hoch'\] must be a severity 1..4, got 7"):
        ttm.EnvConfig(arrival_process="trace", trace_path=str(FIXTURES / "excel_de.csv"), trace_severity_map={"Hoch": 7})  # fmt: skip


def test_fit_writes_a_severity_map_table_that_toml_reads_back(tmp_path: Path) -> None:
    from ticket_triage_marl.data.fit import scenario_toml

    config = ttm.EnvConfig(
        arrival_process="trace",
        trace_path=str(FIXTURES / "excel_de.csv"),
        trace_encoding="cp1252",
        trace_columns={"created_at": "Erstellt", "priority": "Priorität"},
        trace_severity_map={"Sehr hoch": 4, "Hoch": 3, "Mittel": 2, "Niedrig": 1},
    )
    path = tmp_path / "written.toml"
    path.write_text(scenario_toml(config), encoding="utf-8")
    assert ttm.load_config(path).trace_severity_map == config.trace_severity_map


def test_json_that_is_not_an_array_of_objects_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "issues.json"
    path.write_text(json.dumps({"number": 1}), encoding="utf-8")
    with pytest.raises(TicketFileError, match="expected a JSON array of objects"):
        ttm.read_tickets(path)
    path.write_text("[{", encoding="utf-8")
    with pytest.raises(TicketFileError, match=r"line 1, column 3: not JSON"):
        ttm.read_tickets(path)
