"""The canonical fields of what happens to real tickets (awaiting_hours, reassignments, group, final_group), read
from the shipped UCI desk and from bad files, and the awaiting mechanic fitted from them."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

import ticket_triage_marl as ttm
from ticket_triage_marl.data import SHIPPED_DATA, TicketFileError
from ticket_triage_marl.data.fit import fit_awaiting, mechanic_notes

UCI = SHIPPED_DATA / "tickets_uci_itsm_incidents.csv"


@pytest.fixture(scope="module")
def uci():
    return ttm.read_tickets(UCI)


def test_the_uci_desk_reads_its_waits_reassignments_and_groups_by_default(uci):
    """The numbers of the issue's table: 29.6% of the desk's tickets awaited (median 120.6 h of those), 56%
    were reassigned (0: 3,474, 1: 2,314, 2: 880, 3+: 1,240), 34.7% finished in another group."""
    assert uci.format == "canonical"
    assert np.mean(uci.awaiting_hours > 0) == pytest.approx(0.2955, abs=5e-4)
    assert np.median(uci.awaiting_hours[uci.awaiting_hours > 0]) == pytest.approx(120.57)
    counts = np.bincount(np.minimum(uci.reassignments, 3))
    assert counts.tolist() == [3474, 2314, 880, 1240]
    first, final = np.array(uci.group), np.array(uci.final_group)
    assert np.mean(first != final) == pytest.approx(0.347, abs=5e-4)
    assert first[0] == "Group 46" and final[0] == "Group 72"
    sliced = uci.subset(first == "Group 70")
    assert len(sliced.awaiting_hours) == len(sliced) == len(sliced.final_group)


@pytest.mark.parametrize(
    ("column", "value", "message"),
    [
        ("awaiting_hours", "-2.5", "'-2.5' is not a number of hours >= 0"),
        ("awaiting_hours", "soon", "'soon' is not a number of hours >= 0"),
        ("reassignments", "1.5", "'1.5' is not an integer count >= 0"),
    ],
)
def test_a_bad_wait_or_count_names_the_line_the_column_and_the_value(tmp_path: Path, column, value, message):
    path = tmp_path / "desk.csv"
    path.write_text(f"created_at,{column}\n2024-01-01T09:00,1\n2024-01-01T10:00,{value}\n", encoding="utf-8")
    with pytest.raises(TicketFileError, match=f"line 3, column '{column}': {message}"):
        ttm.read_tickets(path)


def test_empty_waits_and_counts_are_unknown_not_zero(tmp_path: Path):
    path = tmp_path / "desk.csv"
    path.write_text("created_at,awaiting_hours,reassignment_count\n2024-01-01T09:00,,\n2024-01-01T10:00,3,2\n")
    log = ttm.read_tickets(path)
    assert np.isnan(log.awaiting_hours[0]) and log.awaiting_hours[1] == 3.0
    assert log.reassignments.tolist() == [-1, 2]


def test_the_awaiting_mechanic_is_fitted_from_the_waits_by_their_quartiles(uci):
    """32.8% of the resolved tickets with a known wait awaited; their waits' quartiles in 5-minute steps give
    the lognormal: median 120.57 h, log-sd (ln q75 - ln q25) / 1.349 = 1.647."""
    fitted = fit_awaiting(uci, 1 / 12)
    assert fitted["p_await"] == pytest.approx(0.327724, abs=1e-6)
    assert fitted["await_sigma"] == pytest.approx(1.647032, abs=1e-6)
    median_steps = 120.57 * 12
    assert fitted["await_mean"] == pytest.approx(median_steps * np.exp(0.5 * 1.647032**2), rel=1e-5)
    config = ttm.fit_config(uci, hours_per_step=1 / 12, n_engineers=12, max_tickets=20, max_queue=2000)
    assert config.mechanics() == ("awaiting", "teams") and config.await_sla == "paused"
    off = ttm.fit_config(uci, hours_per_step=1 / 12, n_engineers=12, max_tickets=20, max_queue=2000, mechanics="none")
    assert off.mechanics() == () and off.p_await == 0.0


def test_what_could_not_be_fitted_is_said_and_why():
    kafka = ttm.read_tickets(SHIPPED_DATA / "tickets_apache_kafka_fixed_bugs.csv")
    notes = mechanic_notes(kafka)
    assert "awaiting: off, the export has no awaiting_hours column" in notes
    assert any(note.startswith("work: sized for the utilisation, not fitted") for note in notes)
    assert "teams: off, the export has no group and final_group columns" in notes
    assert mechanic_notes(kafka, "none")[0] == "awaiting: off (not asked for)"
    with pytest.raises(ValueError, match="unknown mechanics"):
        ttm.fit_config(kafka, hours_per_step=24, mechanics="routing")


def test_work_is_searched_by_bisection_until_the_median_matches(uci, monkeypatch):
    """With a simulated median of 3 h per unit of work, the export's 26.4 h net of awaiting is reached at
    work_mean 8.8: the bisection lands there (within its last interval) and the note says so."""
    from ticket_triage_marl.data import work

    monkeypatch.setattr(work, "_simulated_median", lambda log, config, *rest: 3.0 * config.work_mean)
    config = ttm.fit_config(uci, hours_per_step=1 / 12, n_engineers=12, max_tickets=20, max_queue=2000)
    fitted, note = work.fit_work(uci, config, iterations=12)
    assert fitted.work_mean == pytest.approx(26.416667 / 3, rel=0.01)
    assert note.startswith("work: work_mean 8.8") and "time to resolve net of awaiting (26.4 h" in note


def test_work_that_cannot_reach_the_median_stops_at_the_nearer_end_and_says_so(uci):
    """The desk at hour steps with 14 engineers queues for days whatever the work (a ticket takes a whole step
    and the weekday peaks exceed the team): the search keeps its lower end, one unit of work."""
    from ticket_triage_marl.data.work import fit_work, real_net_median

    target, what = real_net_median(uci)
    assert what == "net of awaiting" and target == pytest.approx(26.4, abs=0.1)
    config = ttm.fit_config(uci, hours_per_step=1.0, n_engineers=14, max_tickets=20, max_queue=2000, mechanics="none")
    fitted, note = fit_work(uci, config, iterations=4)
    assert fitted.work_mean == 1.0 and "the end of the search nearest" in note and "net of awaiting (26.4 h" in note


def test_work_cannot_be_fitted_without_resolution_times(tmp_path):
    from ticket_triage_marl.data.work import real_net_median

    path = tmp_path / "open.csv"
    path.write_text("created_at\n2024-01-01T09:00\n2024-01-02T10:00\n")
    with pytest.raises(ValueError, match="no resolution times"):
        real_net_median(ttm.read_tickets(path))
