"""Recording files as a library: writing a rollout, reading it back, the checks a reader relies on."""

from __future__ import annotations

import json

import pytest

import ticket_triage_marl as ttm
from ticket_triage_marl import recordings
from ticket_triage_marl.files import atomic_writer


@pytest.fixture
def trace_path(tmp_path):
    path = tmp_path / "trace.jsonl"
    recordings.run_rollout("parallel", ttm.EnvConfig(horizon=8), "edf", seed=3, steps=12, out=path)
    return path


def test_rollout_result_and_trace_agree(tmp_path):
    path = tmp_path / "trace.jsonl"
    calls = []
    result = recordings.run_rollout(
        "coordinator", ttm.EnvConfig(horizon=8), "fifo", 2, 10, out=path, on_step=lambda: calls.append(1)
    )
    assert len(calls) == 10 and result.steps == 10 and result.episodes == 2 and result.path == str(path)
    trace = recordings.read_recording(path)
    assert trace.header.api == "coordinator" and trace.header.policy == "fifo" and trace.header.seed == 2
    assert trace.header.config == ttm.EnvConfig(horizon=8) and trace.header.version == ttm.__version__
    assert [record["step"] for record in trace.steps] == list(range(10))
    assert [record["episode"] for record in trace.steps] == [0] * 8 + [1] * 2
    assert trace.steps[-1]["snapshot"] == result.snapshot
    assert sum(record["rewards"] for record in trace.steps) == pytest.approx(result.team_return)
    assert (
        recordings.run_rollout("coordinator", ttm.EnvConfig(horizon=8), "fifo", 2, 10).team_return == result.team_return
    )


def test_every_line_is_documented_json(trace_path):
    lines = trace_path.read_text(encoding="utf-8").splitlines(keepends=True)
    assert all(line.endswith("\n") for line in lines)
    header = json.loads(lines[0])
    assert header["type"] == "header" and header["trace_format"] == recordings.RECORDING_FORMAT == 1
    for key in ("version", "api", "policy", "seed", "steps", "config"):
        assert key in header and key in recordings.__doc__
    step = json.loads(lines[1])
    for key in ("step", "episode", "t", *recordings.REQUIRED_STEP_KEYS):
        assert key in step and f"``{key}``" in recordings.__doc__
    assert set(step["actions"]) == {"engineer_0", "engineer_1", "engineer_2"}


def test_replay_of_a_good_trace(trace_path):
    result = recordings.replay_recording(trace_path)
    assert result.steps == 12 and result.header.api == "parallel"


def test_readers_raise_trace_errors_naming_the_line(trace_path):
    lines = trace_path.read_text().splitlines(keepends=True)
    trace_path.write_text("".join(lines[:5]))
    assert recordings.read_header(trace_path).steps == 12
    with pytest.raises(
        recordings.RecordingError, match=r":6: trace truncated: the header announces 12 steps, the file has 4"
    ):
        recordings.read_recording(trace_path)
    trace_path.write_text("".join(lines[:5]) + lines[5][:-1])
    with pytest.raises(recordings.RecordingError, match=r":6: last line is incomplete"):
        list(recordings.iter_steps(trace_path))
    assert issubclass(recordings.RecordingError, ValueError)
    with pytest.raises(FileNotFoundError):
        recordings.read_header(trace_path.parent / "missing.jsonl")


def test_replay_mismatch_is_not_a_trace_error(trace_path):
    lines = trace_path.read_text().splitlines(keepends=True)
    record = json.loads(lines[3])
    record["snapshot"]["t"] += 1
    lines[3] = json.dumps(record) + "\n"
    trace_path.write_text("".join(lines))
    with pytest.raises(recordings.RecordingMismatch, match=r":4: mismatch at step 2 .*snapshot\.t"):
        recordings.replay_recording(trace_path)


def test_atomic_writer_leaves_nothing_on_failure(tmp_path):
    target = tmp_path / "out.txt"
    with pytest.raises(RuntimeError), atomic_writer(target) as handle:
        handle.write("partial")
        raise RuntimeError("boom")
    assert list(tmp_path.iterdir()) == []
    with atomic_writer(target) as handle:
        handle.write("whole")
    assert target.read_text() == "whole" and [p.name for p in tmp_path.iterdir()] == ["out.txt"]
    with pytest.raises(FileNotFoundError, match="output directory does not exist"):
        atomic_writer(tmp_path / "no" / "out.txt").__enter__()


def test_the_old_trace_names_still_work_with_a_deprecation_warning():
    import importlib
    import sys

    from ticket_triage_marl import recordings, report, video

    sys.modules.pop("ticket_triage_marl.traces", None)
    with pytest.warns(DeprecationWarning, match="renamed ticket_triage_marl.recordings"):
        old = importlib.import_module("ticket_triage_marl.traces")
    assert old.read_trace is recordings.read_recording and old.TraceError is recordings.RecordingError
    assert old.replay_trace is recordings.replay_recording and old.run_rollout is recordings.run_rollout
    with pytest.warns(DeprecationWarning, match="analyze_trace is renamed analyze_recording"):
        assert report.analyze_trace is report.analyze_recording
    with pytest.warns(DeprecationWarning, match="write_trace_video is renamed write_recording_video"):
        assert video.write_trace_video is video.write_recording_video
