"""Bursts of one component in arrivals (data/bursts.py): none in a Poisson stream, the planted share in a
clustered one, and the incident settings fitted from them."""

from __future__ import annotations

import numpy as np
import pytest

import ticket_triage_marl as ttm
from ticket_triage_marl.data import SHIPPED_DATA
from ticket_triage_marl.data.bursts import burst_excess, burst_runs, fit_incidents


def poisson_stream(rng, n, hours, components):
    return np.sort(rng.uniform(0, hours, n)), rng.integers(0, components, n)


def test_a_poisson_stream_has_no_excess_over_chance():
    rng = np.random.default_rng(0)
    hours, components = poisson_stream(rng, 5000, 700.0, 20)
    assert abs(burst_excess(hours, components, 0.25)) < 0.01


def test_planted_clusters_show_as_excess_and_runs_of_their_size():
    """1,000 background tickets over 1,000 hours in 50 components (a ticket every hour: few close by chance),
    plus 100 clusters of 4 tickets of one component within 6 minutes: 400 of 1,400 tickets are in a cluster."""
    rng = np.random.default_rng(1)
    hours, components = poisson_stream(rng, 1000, 1000.0, 50)
    starts = rng.uniform(0, 1000.0, 100)
    cluster_hours = (starts[:, None] + rng.uniform(0, 0.1, (100, 4))).ravel()
    cluster_components = np.repeat(rng.integers(0, 50, 100), 4)
    all_hours, all_components = np.r_[hours, cluster_hours], np.r_[components, cluster_components]
    excess = burst_excess(all_hours, all_components, 0.25)
    assert excess == pytest.approx(400 / 1400, abs=0.03)
    runs = burst_runs(all_hours, all_components, 0.25)
    assert np.median(runs) == 4
    fitted = fit_incidents(all_hours, all_components, tickets_per_step=1.4, hours_per_step=1.0, gap=0.25)
    assert fitted["incident_window"] == 1 and fitted["incident_size_mean"] == pytest.approx(4.0, rel=0.15)
    assert fitted["p_incident"] == pytest.approx(0.1, rel=0.15)  # 100 incidents in 1,000 steps


def test_incidents_are_fitted_only_when_named_and_say_why():
    log = ttm.read_tickets(SHIPPED_DATA / "tickets_uci_itsm_incidents.csv")
    scale = {"hours_per_step": 1 / 12, "n_engineers": 12, "max_tickets": 20, "max_queue": 2000}
    auto = ttm.fit_config(log, **scale)
    assert auto.mechanics() == ("awaiting", "teams")
    named = ttm.fit_config(log, mechanics="awaiting,incidents", **scale)
    assert named.mechanics() == ("awaiting", "incidents") and named.incident_window == 3
    incident_tickets = named.p_incident * named.incident_size_mean
    assert sum(named.arrival_profile) + incident_tickets * len(named.arrival_profile) == pytest.approx(
        sum(auto.arrival_profile), rel=1e-3
    )  # the incidents' tickets come out of the profile: the same total
    from ticket_triage_marl.data.fit import mechanic_notes

    notes = mechanic_notes(log, "auto", 1 / 12)
    assert "incidents: off (not fitted by default; --mechanics incidents fits it)" in notes
    assert any(note.startswith("incidents: fitted from bursts of one component within 0.25 h") for note in
               mechanic_notes(log, "incidents", 1 / 12))  # fmt: skip
