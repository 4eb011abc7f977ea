"""ttm.fit_config and `ticket-triage fit`: a scenario fitted to a real export, and how close it comes."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

import ticket_triage_marl as ttm
from ticket_triage_marl.cli import main as cli_main
from ticket_triage_marl.data import SHIPPED_DATA, hour_of_week_rates

FILES = {
    "tickets_uci_itsm_incidents.csv": {"hours_per_step": 1.0, "n_engineers": 16},
    "tickets_apache_kafka_fixed_bugs.csv": {"hours_per_step": 24.0},
    "tickets_apache_hadoop_bugs.csv": {"hours_per_step": 24.0},
}


def data_rate_per_hour(log: ttm.TicketLog) -> float:
    hours = log.created_at.astype("datetime64[h]").astype(np.int64)
    return len(log) / (hours.max() - hours.min() + 1)


@pytest.mark.parametrize("name", FILES)
def test_fitted_scenarios_keep_the_mean_rate_and_the_severity_mix(name: str) -> None:
    log = ttm.read_tickets(SHIPPED_DATA / name)
    options = FILES[name]
    config = ttm.fit_config(log, **options)
    fitted_per_hour = np.mean(config.arrival_profile) / options["hours_per_step"]
    assert fitted_per_hour == pytest.approx(data_rate_per_hour(log), rel=0.05)
    mix = np.bincount(log.severity[log.priority_known], minlength=5)[1:] / log.priority_known.sum()
    assert np.abs(np.array(config.severity_mix) - mix).max() < 0.01
    assert config.arrival_process == "profile" and len(config.arrival_profile) == 168 / options["hours_per_step"]


def test_the_fitted_uci_desk_simulates_its_hour_of_week_shape() -> None:
    log = ttm.read_tickets(SHIPPED_DATA / "tickets_uci_itsm_incidents.csv")
    config = ttm.fit_config(log, n_engineers=16, horizon=168, initial_backlog=0, max_queue=5000, p_reopen=0.0)
    vec = ttm.VectorTicketTriage(num_envs=16, config=config)
    vec.reset(seed=0)
    simulated = np.zeros(168)
    previous = vec.counters()["arrived"]
    for hour in range(168):
        vec.step(np.zeros((16, config.n_engineers), dtype=np.int64))
        arrived = vec.counters()["arrived"]
        simulated[hour] = (arrived - previous).mean()
        previous = arrived
    real = hour_of_week_rates(log)
    assert np.corrcoef(simulated, real)[0, 1] >= 0.9
    assert simulated.mean() == pytest.approx(real.mean(), rel=0.05)
    assert simulated[:120].sum() > 5 * simulated[120:].sum(), "weekdays (Mon-Fri) are far busier than the weekend"


def test_work_is_sized_for_the_stated_utilisation_and_a_too_small_team_is_refused() -> None:
    log = ttm.read_tickets(SHIPPED_DATA / "tickets_apache_kafka_fixed_bugs.csv")
    config = ttm.fit_config(log, hours_per_step=24.0, utilisation=0.5, n_engineers=4)
    rate = np.mean(config.arrival_profile)
    assert config.work_mean == pytest.approx(0.5 * 4 / rate, rel=1e-5)
    uci = ttm.read_tickets(SHIPPED_DATA / "tickets_uci_itsm_incidents.csv")
    with pytest.raises(ValueError, match=r"use n_engineers >= 14"):
        ttm.fit_config(uci)
    with pytest.raises(ValueError, match="hours_per_step must be"):
        ttm.fit_config(log, hours_per_step=5.0)


def test_a_slice_is_fitted_on_its_own() -> None:
    log = ttm.read_tickets(SHIPPED_DATA / "tickets_uci_itsm_incidents.csv")
    critical = log.subset(log.severity >= 3)
    config = ttm.fit_config(critical, n_engineers=3)
    assert len(critical) == int((log.severity >= 3).sum()) and config.severity_mix[0] == 0.0
    with pytest.raises(ValueError, match="selecting at least one ticket"):
        log.subset(np.zeros(len(log), dtype=bool))


def test_the_fit_command_writes_a_scenario_that_loads_back(tmp_path: Path, capsys) -> None:
    out = tmp_path / "kafka.toml"
    source = SHIPPED_DATA / "tickets_apache_kafka_fixed_bugs.csv"
    assert cli_main(["fit", str(source), "--out", str(out), "--hours-per-step", "24", "--set", "horizon=90"]) == 0
    config = ttm.load_config(out)
    assert config == ttm.fit_config(ttm.read_tickets(source), hours_per_step=24.0, horizon=90)
    assert "scenario written" in capsys.readouterr().out


def test_the_fit_command_maps_columns_and_writes_nothing_on_bad_input(tmp_path: Path, capsys) -> None:
    export = tmp_path / "jira.csv"
    rows = [f"A-{day},2024-03-{day + 4:02d}T09:00,{'Major' if day % 2 else 'Blocker'}" for day in range(0, 14)] * 4
    rows = [f"A-{number}{row[row.index(',') :]}" for number, row in enumerate(rows)]
    export.write_text("Key,Opened,Prio\n" + "\n".join(rows) + "\n", encoding="utf-8")
    out = tmp_path / "fitted.toml"
    assert cli_main(["fit", str(export), "--out", str(out), "--columns", "created_at=Opened,priority=Prio"]) == 0
    assert ttm.load_config(out).severity_mix == (0.0, 0.5, 0.0, 0.5)
    bad_out = tmp_path / "never.toml"
    assert cli_main(["fit", str(export), "--out", str(bad_out)]) == 2
    assert "no column 'created_at'" in capsys.readouterr().err and not bad_out.exists()
