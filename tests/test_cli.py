"""The ``ticket-triage`` command line: traces, determinism check, replay, evaluation, errors."""

from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path

import pytest
from conftest import ROOT

import ticket_triage_marl as ttm
from ticket_triage_marl import cli, comparison, digests, evaluation


def run(capsys, *argv: str) -> tuple[int, str, str]:
    status = cli.main(list(argv))
    captured = capsys.readouterr()
    return status, captured.out, captured.err


def lines_of(path: Path) -> list[dict]:
    return [json.loads(line) for line in path.read_text().splitlines()]


@pytest.fixture
def trace(tmp_path, capsys) -> Path:
    path = tmp_path / "trace.jsonl"
    status, _, _ = run(capsys, "rollout", "--seed", "7", "--steps", "40", "--out", str(path))
    assert status == 0
    return path


# -- rollout --------------------------------------------------------------------------------------


def test_rollout_writes_header_and_one_line_per_step(trace, capsys):
    records = lines_of(trace)
    assert len(records) == 1 + 40
    header = records[0]
    assert header["type"] == "header"
    assert header["seed"] == 7 and header["steps"] == 40
    assert header["api"] == "coordinator" and header["policy"] == "edf"
    assert header["version"] == ttm.__version__
    assert ttm.EnvConfig.from_dict(header["config"]) == ttm.EnvConfig()
    for index, record in enumerate(records[1:]):
        assert record["type"] == "step" and record["step"] == index and record["t"] == index + 1
        assert isinstance(record["actions"], int)
        assert set(record["reward_breakdown"]) >= {"resolve", "sla_breach", "idle", "swarm"}
        assert record["snapshot"]["t"] == index + 1
    assert not [p for p in trace.parent.iterdir() if p.name.endswith(".tmp")]


def test_rollout_prints_the_ansi_summary(tmp_path, capsys):
    status, out, _ = run(capsys, "rollout", "--seed", "1", "--steps", "10")
    assert status == 0
    assert out.startswith("t=10 backlog=")
    assert "Engineers:" in out and "Top tickets:" in out
    assert "10 steps, 1 episode" in out


def test_rollout_past_the_horizon_continues_into_the_next_episode(tmp_path, capsys):
    path = tmp_path / "long.jsonl"
    status, out, _ = run(capsys, "rollout", "--steps", "70", "--set", "horizon=30", "--out", str(path))
    assert status == 0 and "3 episodes" in out
    steps = lines_of(path)[1:]
    assert [record["episode"] for record in steps] == [0] * 30 + [1] * 30 + [2] * 10
    assert [record["t"] for record in steps] == list(range(1, 31)) * 2 + list(range(1, 11))
    status, out, _ = run(capsys, "replay", str(path))
    assert status == 0, out


@pytest.mark.parametrize("api", ["parallel", "aec"])
def test_rollout_and_replay_of_the_pettingzoo_apis(api, tmp_path, capsys):
    path = tmp_path / f"{api}.jsonl"
    status, _, _ = run(capsys, "rollout", "--api", api, "--policy", "cost_rate", "--steps", "25", "--out", str(path))
    assert status == 0
    records = lines_of(path)
    assert records[0]["api"] == api
    assert set(records[1]["actions"]) == {"engineer_0", "engineer_1", "engineer_2"}
    status, out, err = run(capsys, "replay", str(path))
    assert status == 0, err
    assert "25 steps match" in out


def _fail_on_fifth_step(monkeypatch) -> None:
    """An unexpected internal error (not bad input) in the middle of a run."""
    calls = []
    original = evaluation.Session.step

    def failing_step(self, action):
        calls.append(action)
        if len(calls) == 5:
            raise RuntimeError("simulated failure")
        return original(self, action)

    monkeypatch.setattr(evaluation.Session, "step", failing_step)


def test_a_failed_rollout_leaves_no_file_and_reports_an_internal_error(tmp_path, capsys, monkeypatch):
    _fail_on_fifth_step(monkeypatch)
    path = tmp_path / "never.jsonl"
    status, _, err = run(capsys, "rollout", "--steps", "20", "--out", str(path))
    assert status == 1
    assert err.strip() == (
        "ticket-triage rollout: internal error (a bug, not bad input): RuntimeError: simulated failure; "
        "run with --debug for the traceback"
    )
    assert "Traceback" not in err and "bad argument" not in err
    assert list(tmp_path.iterdir()) == []


@pytest.mark.parametrize("position", ["before", "after"])
def test_debug_shows_the_traceback_of_an_internal_error(position, capsys, monkeypatch):
    _fail_on_fifth_step(monkeypatch)
    argv = ["--debug", "rollout", "--steps", "20"] if position == "before" else ["rollout", "--steps", "20", "--debug"]
    status, _, err = run(capsys, *argv)
    assert status == 1
    assert err.startswith("Traceback (most recent call last):")
    assert "in failing_step" in err and 'raise RuntimeError("simulated failure")' in err
    assert err.strip().splitlines()[-1] == (
        "ticket-triage rollout: internal error (a bug, not bad input): RuntimeError: simulated failure"
    )


@pytest.mark.parametrize("error", [TypeError("oops"), ValueError("oops"), KeyError("oops")])
def test_internal_type_and_value_errors_are_not_bad_arguments(error, capsys, monkeypatch):
    """Errors the config would raise for bad input are still bugs when the code raises them mid-run."""

    def broken(*args, **kwargs):
        raise error

    monkeypatch.setattr(comparison, "run_episode", broken)  # where compare_policies finds it
    status, _, err = run(capsys, "evaluate", "--policies", "edf", "--seeds", "1", "--set", "horizon=5")
    assert status == 1
    assert f"internal error (a bug, not bad input): {type(error).__name__}" in err
    assert len(err.strip().splitlines()) == 1


def test_debug_on_bad_input_keeps_exit_2_and_adds_the_traceback(capsys):
    status, _, err = run(capsys, "--debug", "rollout", "--set", "n_engineers=0", "--steps", "2")
    assert status == 2
    assert "Traceback" in err
    assert err.strip().splitlines()[-1].startswith("ticket-triage: error: ") and "n_engineers" in err


def test_config_file_and_overrides(tmp_path, capsys):
    path = tmp_path / "trace.jsonl"
    config_file = ROOT / "configs" / "seed_custom.toml"
    status, _, _ = run(
        capsys, "rollout", "--config", str(config_file), "--set", "horizon=12", "--steps", "5", "--out", str(path)
    )
    assert status == 0
    config = ttm.EnvConfig.from_dict(lines_of(path)[0]["config"])
    assert config == ttm.load_config(config_file, horizon=12)
    assert config.name == "seed_custom" and config.n_engineers == 5


# -- validate ------------------------------------------------------------------------------------------


def test_validate_passes(capsys):
    status, out, err = run(capsys, "validate", "--seed", "7", "--steps", "30")
    assert status == 0, err
    assert "validate: OK" in out and "fresh process" in out


def test_validate_names_the_first_differing_step(capsys, monkeypatch):
    original = digests.step_digest
    calls = []

    def flaky_digest(observed, record, snapshot):
        calls.append(1)
        digest = original(observed, record, snapshot)
        return "0" * 64 if len(calls) == 30 + 13 else digest  # the 13th step of the in-process replay

    monkeypatch.setattr(digests, "step_digest", flaky_digest)  # where run_digests finds it
    status, _, err = run(capsys, "validate", "--steps", "30", "--policy", "fifo")
    assert status == 1
    assert "step 12 (episode 0, t=13) differs" in err
    assert len(err.strip().splitlines()) == 1


# -- replay ----------------------------------------------------------------------------------------------


def test_replay_of_a_good_trace(trace, capsys):
    status, out, _ = run(capsys, "replay", str(trace))
    assert status == 0
    assert "40 steps match" in out


def test_replay_of_a_trace_cut_mid_line(trace, capsys):
    data = trace.read_bytes()
    trace.write_bytes(data[: len(data) * 2 // 3])
    expected_line = trace.read_text().count("\n") + 1
    status, _, err = run(capsys, "replay", str(trace))
    assert status == 1
    assert f"{trace}:{expected_line}:" in err and "truncated" in err
    assert len(err.strip().splitlines()) == 1 and "Traceback" not in err


def test_replay_of_a_trace_missing_its_last_lines(trace, capsys):
    lines = trace.read_text().splitlines(keepends=True)
    trace.write_text("".join(lines[:-3]))
    status, _, err = run(capsys, "replay", str(trace))
    assert status == 1
    assert f"{trace}:39:" in err and "37" in err and "40" in err and "truncated" in err


def test_replay_of_a_corrupted_line(trace, capsys):
    lines = trace.read_text().splitlines(keepends=True)
    lines[10] = lines[10].replace(",", ",#garbage#", 1)
    trace.write_text("".join(lines))
    status, _, err = run(capsys, "replay", str(trace))
    assert status == 1
    assert f"{trace}:11: not valid JSON" in err
    assert "Traceback" not in err


def test_replay_of_a_tampered_snapshot_names_line_and_field(trace, capsys):
    lines = trace.read_text().splitlines(keepends=True)
    record = json.loads(lines[20])
    record["snapshot"]["counters"]["resolved"] += 1
    lines[20] = json.dumps(record) + "\n"
    trace.write_text("".join(lines))
    status, _, err = run(capsys, "replay", str(trace))
    assert status == 1
    assert f"{trace}:21: mismatch at step 19" in err and "snapshot.counters.resolved" in err


def test_replay_of_a_tampered_reward(trace, capsys):
    lines = trace.read_text().splitlines(keepends=True)
    record = json.loads(lines[5])
    record["rewards"] += 0.5
    lines[5] = json.dumps(record) + "\n"
    trace.write_text("".join(lines))
    status, _, err = run(capsys, "replay", str(trace))
    assert status == 1 and f"{trace}:6: mismatch" in err and "rewards" in err


@pytest.mark.parametrize("api", ["coordinator", "aec"])
def test_replay_of_an_out_of_space_action(api, tmp_path, capsys):
    path = tmp_path / "trace.jsonl"
    assert run(capsys, "rollout", "--api", api, "--steps", "5", "--out", str(path))[0] == 0
    lines = path.read_text().splitlines(keepends=True)
    record = json.loads(lines[3])
    record["actions"] = 999 if api == "coordinator" else {**record["actions"], "engineer_1": 999}
    lines[3] = json.dumps(record) + "\n"
    path.write_text("".join(lines))
    status, _, err = run(capsys, "replay", str(path))
    assert status == 1
    assert f"{path}:4: bad action in the trace" in err and "999" in err


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (b"", ":1: empty file"),
        (b"\x89PNG\r\n\x1a\n\x00\xff", ":1:"),
        (b'{"type": "step"}\n', ":1: expected the trace header"),
    ],
    ids=["empty", "binary", "no-header"],
)
def test_replay_of_garbage_files(tmp_path, capsys, content, message):
    path = tmp_path / "bad.jsonl"
    path.write_bytes(content)
    status, _, err = run(capsys, "replay", str(path))
    assert status == 1
    assert message in err and "Traceback" not in err
    assert len(err.strip().splitlines()) == 1


# -- evaluate ---------------------------------------------------------------------------------------------


def test_evaluate_prints_a_table_on_common_random_numbers(tmp_path, capsys):
    out_path = tmp_path / "results.json"
    status, out, _ = run(
        capsys,
        "evaluate",
        "--policies",
        "random,edf,noop",
        "--seeds",
        "3",
        "--set",
        "horizon=40",
        "--json",
        str(out_path),
    )
    assert status == 0
    assert "Common random numbers" in out and "seeds 0..2" in out
    table = out.splitlines()
    header_row = next(line for line in table if line.startswith("policy"))
    for column in ("return", "resolved", "breaches", "time to resolve", "return - random (paired)"):
        assert column in header_row
    assert any(line.startswith("edf") and "±" in line for line in table)
    document = json.loads(out_path.read_text())
    assert document["common_random_numbers"] is True and document["seeds"] == [0, 1, 2]
    assert set(document["policies"]) == {"random", "edf", "noop"}
    assert document["policies"]["noop"]["time_to_resolve"]["mean"] is None  # nothing resolved


# -- bad arguments: exit 2, one line, no traceback -------------------------------------------------------


@pytest.mark.parametrize(
    "argv",
    [
        ["rollout", "--steps", "-5"],
        ["rollout", "--steps", "ten"],
        ["rollout", "--seed", "-1"],
        ["rollout", "--policy", "lifo"],
        ["rollout", "--config", "no/such/file.toml"],
        ["rollout", "--set", "horizon"],
        ["rollout", "--set", "no_such_field=3", "--steps", "2"],
        ["rollout", "--set", "n_engineers=0", "--steps", "2"],
        ["rollout", "--config", "BAD_TOML", "--steps", "2"],
        ["rollout", "--config", "UNKNOWN_KEY", "--steps", "2"],
        ["evaluate", "--seeds", "2", "--json", "/no/such/dir/results.json"],
        ["bench", "--apis", "warp"],
        ["rollout", "--steps", "3", "--out", "/no/such/dir/trace.jsonl"],
        ["evaluate", "--policies", "fifo,lifo"],
        ["evaluate", "--seeds", "0"],
        ["replay", "no/such/trace.jsonl"],
        ["frobnicate"],
        [],
    ],
)
def test_bad_arguments_exit_2_with_one_line(argv, capsys, tmp_path):
    bad_files = {"BAD_TOML": "horizon = = 3\n", "UNKNOWN_KEY": "horizon = 30\nno_such_field = 1\n"}
    for index, text in enumerate(argv):
        if text in bad_files:
            path = tmp_path / f"{text}.toml"
            path.write_text(bad_files[text])
            argv = [*argv[:index], str(path), *argv[index + 1 :]]
    status, out, err = run(capsys, *argv)
    assert status == 2
    assert len(err.strip().splitlines()) == 1, err
    assert err.startswith("ticket-triage")
    assert "Traceback" not in err + out
    assert "internal error" not in err


def test_help_names_exactly_the_commands_that_exist(capsys):
    status, out, _ = run(capsys, "--help")
    assert status == 0
    commands = set(cli.build_parser()._subparsers._group_actions[0].choices)
    assert {"rollout", "validate", "evaluate", "replay", "bench"} <= commands
    listed = re.search(r"\{([a-z_,]+)\}", out).group(1).split(",")
    assert set(listed) == commands
    described = set(re.findall(r"^    ([a-z_]+) {2,}", out, flags=re.MULTILINE))
    assert described == commands
    for command in commands:
        assert run(capsys, command, "--help")[0] == 0


@pytest.mark.parametrize("command", [[], ["rollout"], ["validate"], ["evaluate"], ["replay"], ["bench"]])
def test_help_of_every_command(command, capsys):
    status, out, _ = run(capsys, *command, "--help")
    assert status == 0
    assert out.startswith("usage: ticket-triage")


def test_console_entry_in_a_fresh_process(tmp_path):
    completed = subprocess.run(
        [sys.executable, "-m", "ticket_triage_marl", "rollout", "--steps", "-3"],
        capture_output=True,
        text=True,
        check=False,
        cwd=tmp_path,
    )
    assert completed.returncode == 2
    assert completed.stderr.strip().splitlines() == [
        "ticket-triage rollout: error: argument --steps: must be >= 1, got -3 (see 'ticket-triage rollout --help')"
    ]
