"""arrival_process="trace": every row of an export replayed as one ticket in its step, in every API."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

import ticket_triage_marl as ttm

ROOT = Path(__file__).resolve().parent.parent
UCI = ROOT / "ticket_triage_marl" / "data" / "datasets" / "tickets_uci_itsm_incidents.csv"
# 7 rows over 4 hours: 2 in the first hour, none in the second, 3 in the third, 2 in the fourth
EXPORT = """id,created_at,priority,component
a,2024-03-04T09:05,P1,db
b,2024-03-04T09:55,P3,api
c,2024-03-04T11:00,P5,db
d,2024-03-04T11:10,P2,
e,2024-03-04T11:59:59,P3,web
f,2024-03-04T12:30,--,db
g,2024-03-04T12:31,P1,api
"""
PER_STEP = [2, 0, 3, 2]
SEVERITY = [4, 2, 1, 3, 2, 2, 4]


def replay_config(tmp_path: Path, **overrides) -> ttm.EnvConfig:
    path = tmp_path / "export.csv"
    path.write_text(EXPORT, encoding="utf-8")
    fields = {"arrival_process": "trace", "trace_path": str(path), "initial_backlog": 0, "horizon": 6}
    fields |= {"p_reopen": 0.0, "p_dependency": 0.0, "max_queue": 20}
    return ttm.EnvConfig(**{**fields, **overrides})


def all_tickets(snapshot: dict) -> list[dict]:
    return sorted(snapshot["tickets"] + snapshot["queue"], key=lambda ticket: ticket["id"])


def test_every_row_arrives_once_in_its_step_with_its_severity_and_component(tmp_path: Path) -> None:
    env = ttm.parallel_env(config=replay_config(tmp_path))
    env.reset(seed=0)
    arrivals = []
    for _ in range(6):
        before = env.snapshot()["counters"]["arrived"]
        env.step(dict.fromkeys(env.agents, 0))
        arrivals.append(env.snapshot()["counters"]["arrived"] - before)
    assert arrivals == [*PER_STEP, 0, 0], "the trace ended after its 4th step: no more arrivals"
    tickets = all_tickets(env.snapshot())
    assert [ticket["severity"] for ticket in tickets] == SEVERITY
    components = [ticket["component"] for ticket in tickets]
    # db (3 rows) and api (2) keep components 0 and 1, web is 2; row d has none and draws one
    assert [components[i] for i in (0, 1, 2, 4, 5, 6)] == [0, 1, 0, 2, 0, 1]


def test_hours_per_step_and_a_fixed_start_offset(tmp_path: Path) -> None:
    config = replay_config(tmp_path, trace_hours_per_step=2.0, trace_start=1)
    vec = ttm.VectorTicketTriage(num_envs=2, config=config)
    vec.reset(seed=0)
    arrived = []
    for _ in range(3):
        vec.step(np.zeros((2, config.n_engineers), dtype=np.int64))
        arrived.append(vec.counters()["arrived"].tolist())
    assert arrived == [[5, 5], [5, 5], [5, 5]]  # 2-hour steps: [2, 5]; starting at trace step 1 replays the 5


def test_the_whole_uci_desk_is_replayed_in_the_batched_engine() -> None:
    config = ttm.EnvConfig(
        arrival_process="trace", trace_path=str(UCI), initial_backlog=0, horizon=28 * 24, max_queue=8000,
        p_reopen=0.0, n_components=6,
    )  # fmt: skip
    vec = ttm.VectorTicketTriage(num_envs=1, config=config)
    vec.reset(seed=0)
    for _ in range(config.horizon):
        vec.step(np.zeros((1, config.n_engineers), dtype=np.int64))
    assert vec.counters()["arrived"].tolist() == [7908]


def test_random_starts_differ_by_seed_and_episode_and_are_reproducible(tmp_path: Path) -> None:
    config = ttm.EnvConfig(arrival_process="trace", trace_path=str(UCI), trace_start="random", horizon=24)
    offsets = []
    for seed in range(6):
        vec = ttm.VectorTicketTriage(num_envs=2, config=config)
        vec.reset(seed=[seed, seed])
        offsets.append(vec.sim.state.env_i[:, ttm._core.layout.TRACE_OFFSET].tolist())
    assert all(first == second for first, second in offsets), "the same seed gives the same offset"
    assert len({first for first, _ in offsets}) >= 5, "different seeds give different weeks"
    assert all(0 <= first <= config.trace().n_steps - config.horizon for first, _ in offsets)


def test_the_trace_is_read_once_and_shared_by_every_environment(tmp_path: Path) -> None:
    config = replay_config(tmp_path)
    small, large = ttm.VectorTicketTriage(num_envs=1, config=config), ttm.VectorTicketTriage(num_envs=64, config=config)
    assert small.sim.params.trace_first_row is large.sim.params.trace_first_row


def test_trace_configs_are_checked_when_made(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="does not exist"):
        ttm.EnvConfig(arrival_process="trace", trace_path=str(tmp_path / "missing.csv"))
    with pytest.raises(ValueError, match="needs trace_path"):
        ttm.EnvConfig(arrival_process="trace")
    with pytest.raises(ValueError, match="only used with arrival_process='trace'"):
        ttm.EnvConfig(trace_path=str(UCI))
    with pytest.raises(ValueError, match="trace_start must be an int >= 0 or 'random'"):
        replay_config(tmp_path, trace_start="sometimes")
    bad = tmp_path / "bad.csv"
    bad.write_text("created_at\nyesterday\n", encoding="utf-8")
    with pytest.raises(ValueError, match=r"bad\.csv: line 2, column 'created_at'"):
        ttm.EnvConfig(arrival_process="trace", trace_path=str(bad))


def test_a_relative_trace_path_in_a_toml_file_is_relative_to_that_file(tmp_path: Path, monkeypatch) -> None:
    folder = tmp_path / "scenarios"
    folder.mkdir()
    (folder / "export.csv").write_text(EXPORT, encoding="utf-8")
    (folder / "replay.toml").write_text('arrival_process = "trace"\ntrace_path = "export.csv"\n', encoding="utf-8")
    monkeypatch.chdir(tmp_path)
    config = ttm.load_config("scenarios/replay.toml")
    assert Path(config.trace_path) == folder / "export.csv" and config.trace().n_rows == 7


def test_the_shipped_replay_scenario_runs_in_the_coordinator_with_columns_mapped(tmp_path: Path) -> None:
    config = ttm.load_config(ROOT / "configs" / "uci_desk_replay.toml", horizon=50)
    env = ttm.TicketTriageEnv(config=config)
    env.reset(seed=3)
    for _ in range(50):
        env.step(0)
    assert env.snapshot()["counters"]["arrived"] > 0
    renamed = tmp_path / "renamed.csv"
    renamed.write_text(EXPORT.replace("created_at", "Opened").replace("priority", "Prio"), encoding="utf-8")
    mapped = replay_config(
        tmp_path, trace_path=str(renamed), trace_columns={"created_at": "Opened", "priority": "Prio"}
    )
    assert mapped.trace().severity.tolist() == SEVERITY
