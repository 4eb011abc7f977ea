"""``ticket-triage report``, ``evaluate --plot`` and the plotting module: every API's trace, broken traces,
the missing-extra hint, long traces, and the page as a real browser shows it."""

import itertools
import json
import os
import re
import shutil
import subprocess
import sys
import time

import numpy as np
import pytest

pytest.importorskip("matplotlib")

from ticket_triage_marl import plotting
from ticket_triage_marl.cli import main
from ticket_triage_marl.recordings import RecordingError
from ticket_triage_marl.render import SEVERITY_COLORS
from ticket_triage_marl.report import FIGURE_NAMES, analyze_recording, build_report

PNG_MAGIC = b"\x89PNG\r\n\x1a\n"
STEPS = 80


@pytest.fixture(scope="module")
def traces_by_api(tmp_path_factory):
    """A random-policy trace of each API (random: every verb, context switches, swarms, invalid actions)."""
    folder = tmp_path_factory.mktemp("traces")
    paths = {}
    for api in ("coordinator", "parallel", "aec"):
        path = folder / f"{api}.jsonl"
        assert main(["rollout", "--api", api, "--policy", "random", "--seed", "3", "--steps", str(STEPS),
                     "--out", str(path)]) == 0  # fmt: skip
        paths[api] = path
    return paths


def _records(path):
    lines = path.read_text().splitlines()
    return json.loads(lines[0]), [json.loads(line) for line in lines[1:]]


def _figures_in(page: str) -> list[bytes]:
    import base64

    return [base64.b64decode(data) for data in re.findall(r'<img src="data:image/png;base64,([^"]+)"', page)]


# -- the page -------------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("api", ["coordinator", "parallel", "aec"])
def test_report_of_each_api_is_one_self_contained_page_with_every_figure(api, traces_by_api, tmp_path, capsys):
    out, figures = tmp_path / "report.html", tmp_path / "figures"
    assert main(["report", str(traces_by_api[api]), "--out", str(out), "--figures", str(figures)]) == 0
    assert f"report written to {out}" in capsys.readouterr().out
    page = out.read_text()
    inlined = _figures_in(page)
    assert len(inlined) == len(FIGURE_NAMES)
    assert all(png.startswith(PNG_MAGIC) for png in inlined)
    assert not re.search(r"(src|href)=\"(https?:)?//", page)  # nothing fetched from the network
    assert sorted(os.listdir(figures)) == sorted(f"{name}.png" for name in FIGURE_NAMES)
    assert (figures / "backlog.png").read_bytes() in inlined
    header, _ = _records(traces_by_api[api])
    assert f"{api} API" in page and "policy random" in page and f"seed {header['seed']}" in page


@pytest.mark.parametrize("api", ["coordinator", "parallel", "aec"])
def test_analysis_adds_up_to_the_traces_own_counters_and_rewards(api, traces_by_api):
    series = analyze_recording(traces_by_api[api])
    _, records = _records(traces_by_api[api])
    config = series.header.config
    final = records[-1]["snapshot"]
    assert series.n_steps == STEPS and series.episode_starts == [0]
    assert series.resolved.sum() == sum(series.resolved_by_severity) == final["counters"]["resolved"]
    assert series.breaches.sum() == sum(series.breaches_by_severity) == final["counters"]["breaches"]
    assert np.array_equal(
        series.backlog, [len(r["snapshot"]["tickets"]) + len(r["snapshot"]["queue"]) for r in records]
    )
    assert sum(len(times) for times in series.time_to_resolve.values()) == series.resolved.sum()
    assert series.still_open == len(final["tickets"]) + len(final["queue"])
    components_total = sum(values.sum() for values in series.components.values())
    assert series.team_reward.sum() == pytest.approx(components_total)
    # the env charges every context switch and side action: the counts explain those reward components exactly
    for event, cost in (
        ("context_switch", config.r_context_switch),
        ("escalate", config.r_escalate),
        ("request_info", config.r_request_info),
        ("defer", config.r_defer),
    ):
        assert series.events[event].sum() > 0, event
        assert series.events[event].sum() * cost == pytest.approx(series.components[event].sum()), event


def test_breaches_and_resolutions_are_counted_by_the_tickets_severity(traces_by_api):
    series = analyze_recording(traces_by_api["coordinator"])
    _, records = _records(traces_by_api["coordinator"])
    breached, resolved = [set() for _ in range(4)], [0] * 4
    for before, after in itertools.pairwise(records):
        now = {ticket["id"] for ticket in after["snapshot"]["tickets"] + after["snapshot"]["queue"]}
        for ticket in before["snapshot"]["tickets"] + before["snapshot"]["queue"]:
            resolved[ticket["severity"] - 1] += ticket["id"] not in now
    for record in records:
        for ticket in record["snapshot"]["tickets"] + record["snapshot"]["queue"]:
            if ticket["breached"]:
                breached[ticket["severity"] - 1].add(ticket["id"])
    assert series.breaches_by_severity == [len(ids) for ids in breached]
    assert records[0]["snapshot"]["counters"]["resolved"] == 0  # so every resolution is between two records
    assert series.resolved_by_severity == resolved


@pytest.mark.parametrize("api", ["coordinator", "parallel"])
def test_time_to_resolve_of_the_lifecycle_records_equals_the_one_measured_from_snapshots(api, traces_by_api, tmp_path):
    """A recording's ``closed`` lifecycle records and the snapshots of an older recording (without them) give
    the same times to resolve by severity: one definition, resolved - arrival."""
    header, records = _records(traces_by_api[api])
    assert sum(len(record["closed"]) for record in records) > 5
    older = tmp_path / "older.jsonl"
    older.write_text("".join(json.dumps(line) + "\n" for line in
                             [header, *({k: v for k, v in r.items() if k != "closed"} for r in records)]))  # fmt: skip
    with_records, from_snapshots = analyze_recording(traces_by_api[api]), analyze_recording(older)
    assert with_records.time_to_resolve == from_snapshots.time_to_resolve
    assert with_records.resolved_by_severity == from_snapshots.resolved_by_severity


def test_engineer_states_follow_the_snapshots(traces_by_api):
    series = analyze_recording(traces_by_api["parallel"])
    _, records = _records(traces_by_api["parallel"])
    for step in (0, STEPS // 2, STEPS - 1):
        snapshot = records[step]["snapshot"]
        by_slot = {ticket["slot"]: ticket for ticket in snapshot["tickets"]}
        for engineer in snapshot["engineers"]:
            ticket = by_slot.get(engineer["ticket"])
            expected = 0 if ticket is None else ticket["severity"]
            assert series.states[step, engineer["index"]] == expected
            assert series.tickets[step, engineer["index"]] == (-1 if ticket is None else ticket["id"])
            assert series.swarming[step, engineer["index"]] == (ticket is not None and len(ticket["assignees"]) >= 2)


def test_a_trace_of_several_episodes_is_read_as_episodes(tmp_path):
    path = tmp_path / "two.jsonl"
    assert main(["rollout", "--steps", "50", "--set", "horizon=20", "--out", str(path)]) == 0
    series = analyze_recording(path)
    assert series.episode_starts == [0, 20, 40]
    _, records = _records(path)
    ends = [records[k]["snapshot"]["counters"]["resolved"] for k in (19, 39, 49)]
    assert series.resolved.sum() == sum(ends)


# -- broken traces: a clear message, nothing written ----------------------------------------------------------------


def _broken_traces(good, folder):
    text = good.read_text()
    lines = text.splitlines(keepends=True)
    header = json.loads(lines[0])
    cases = {
        "truncated": (text[: len(text) - 40], "truncated"),
        "missing_steps": ("".join(lines[:-3]), "truncated"),
        "corrupted": ("".join([*lines[:5], "{not json\n", *lines[6:]]), "not valid JSON"),
        "unknown_format": (json.dumps({**header, "trace_format": 99}) + "\n" + "".join(lines[1:]), "trace_format"),
        "not_a_trace": ("time,severity\n1,2\n", "not valid JSON"),
        "empty": ("", "empty"),
        "bad_record": (
            "".join([*lines[:3], json.dumps({**json.loads(lines[3]), "snapshot": {"t": 1}}) + "\n", *lines[4:]]),
            "trace layout",
        ),
    }
    paths = {}
    for name, (content, message) in cases.items():
        path = folder / f"{name}.jsonl"
        path.write_text(content)
        paths[name] = (path, message)
    return paths


def test_broken_traces_fail_with_the_file_and_problem_and_write_nothing(traces_by_api, tmp_path, capsys):
    for name, (path, message) in _broken_traces(traces_by_api["coordinator"], tmp_path).items():
        out, figures = tmp_path / f"{name}.html", tmp_path / f"{name}_figures"
        assert main(["report", str(path), "--out", str(out), "--figures", str(figures)]) == 2, name
        error = capsys.readouterr().err
        assert len(error.strip().splitlines()) == 1, (name, error)
        assert str(path) in error and message in error, (name, error)
        assert not out.exists() and not figures.exists(), name
    assert sorted(p.name for p in tmp_path.iterdir() if not p.name.endswith(".jsonl")) == []  # no temporary files


def test_library_raises_trace_error_for_a_truncated_trace(traces_by_api, tmp_path):
    cut = tmp_path / "cut.jsonl"
    cut.write_text(traces_by_api["aec"].read_text()[:-10])
    with pytest.raises(RecordingError, match="truncated"):
        build_report(cut, tmp_path / "out.html")
    assert not (tmp_path / "out.html").exists()


def test_missing_recording_and_missing_output_directory_exit_2(traces_by_api, tmp_path, capsys):
    assert main(["report", str(tmp_path / "nope.jsonl"), "--out", str(tmp_path / "r.html")]) == 2
    assert "recording not found" in capsys.readouterr().err
    assert main(["report", str(traces_by_api["aec"]), "--out", str(tmp_path / "no" / "r.html")]) == 2
    assert "output directory does not exist" in capsys.readouterr().err


# -- the missing extra ----------------------------------------------------------------------------------------------


def test_without_matplotlib_report_and_plot_say_how_to_install_it(traces_by_api, tmp_path, monkeypatch, capsys):
    monkeypatch.setitem(sys.modules, "matplotlib", None)  # import matplotlib now raises ImportError
    assert main(["report", str(traces_by_api["coordinator"]), "--out", str(tmp_path / "r.html")]) == 2
    error = capsys.readouterr().err.strip()
    assert error.count("\n") == 0 and "pip install 'ticket_triage_marl[plot]'" in error
    assert not (tmp_path / "r.html").exists()
    started = time.perf_counter()
    assert main(["evaluate", "--seeds", "50", "--plot", str(tmp_path / "e.png")]) == 2
    assert time.perf_counter() - started < 5  # refused before any episode runs
    assert "pip install 'ticket_triage_marl[plot]'" in capsys.readouterr().err


# -- evaluate --plot ------------------------------------------------------------------------------------------------


def test_evaluate_plot_draws_each_policy_and_the_paired_differences(tmp_path, capsys):
    png, document = tmp_path / "evaluation.png", tmp_path / "evaluation.json"
    argv = ["evaluate", "--policies", "random,edf,fifo", "--seeds", "3", "--set", "horizon=30"]
    assert main([*argv, "--plot", str(png), "--json", str(document)]) == 0
    assert f"plot written to {png}" in capsys.readouterr().out
    assert png.read_bytes().startswith(PNG_MAGIC)
    image = plotting.pyplot().imread(str(png))
    assert image.shape[1] == plotting.FIGURE_WIDTH * plotting.DPI
    assert len(np.unique(image.reshape(-1, image.shape[-1]), axis=0)) > 50  # a drawn figure, not a blank


def test_policy_comparison_figure_marks_every_policy_and_the_reference():
    figure = plotting.plot_policy_comparison(
        ["random", "edf"],
        means={"random": 10.0, "edf": 90.0},
        half_widths={"random": 3.0, "edf": 4.0},
        paired_means={"random": 0.0, "edf": 80.0},
        paired_half_widths={"random": 0.0, "edf": 5.0},
        reference="random",
        per_seed={"random": [8, 12], "edf": [88, 92]},
    )
    left, right = figure.axes
    assert [label.get_text() for label in left.get_yticklabels()] == ["random", "edf"]
    texts = [text.get_text() for text in right.texts]
    assert "reference" in texts and "+80.00 ± 5.00" in texts
    assert "90.00 ± 4.00" in [text.get_text() for text in left.texts]
    plotting.pyplot().close(figure)


# -- long traces ----------------------------------------------------------------------------------------------------


def test_binning_aggregates_by_mean_sum_max_and_mode():
    values = np.array([1, 1, 2, 5, 5, 3, 7])
    assert plotting.bin_size_for(10_000) == 25 and plotting.bin_size_for(300) == 1
    assert np.allclose(plotting.binned(values, 3), [4 / 3, 13 / 3, 7])
    assert np.allclose(plotting.binned(values, 3, "sum"), [4, 13, 7])
    assert np.allclose(plotting.binned(values, 3, "max"), [2, 5, 7])
    assert np.array_equal(plotting.binned(np.array([[0], [2], [2], [-1], [-1], [4]]), 3, "mode"), [[2], [-1]])


def test_a_10000_step_timeline_is_drawn_in_at_most_max_bins_columns_within_seconds():
    rng = np.random.default_rng(0)
    n, engineers = 10_000, 4
    states = rng.integers(-1, 5, size=(n, engineers))
    events = {name: rng.integers(0, 2, size=(n, engineers)) for name in plotting.EVENT_STYLES}
    started = time.perf_counter()
    figure = plotting.plot_engineer_timeline(states, states * 0 - 1, events, rng.random((n, engineers)) < 0.1)
    ax = figure.axes[0]
    (image,) = ax.get_images()
    assert image.get_array().shape[:2] == (engineers, n // plotting.bin_size_for(n))
    assert all(len(collection.get_offsets()) <= engineers * plotting.MAX_BINS for collection in ax.collections)
    assert len(ax.texts) == 0  # no per-segment ticket labels on a long run
    png = plotting.figure_png(figure)
    assert time.perf_counter() - started < 5 and png.startswith(PNG_MAGIC)


# -- in a real browser ----------------------------------------------------------------------------------------------

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")


def _chromium(tmp_path, *arguments: str) -> subprocess.CompletedProcess:
    profile = tmp_path / "chromium-profile"
    profile.mkdir(exist_ok=True)
    flags = [
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-quic",
        "--no-first-run",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        f"--user-data-dir={profile}",
    ]
    return subprocess.run([CHROMIUM, *flags, *arguments], capture_output=True, text=True, timeout=60, check=False)


@pytest.mark.skipif(CHROMIUM is None, reason="Chromium is not installed (Debian: apt-get install -y chromium)")
def test_headless_chromium_renders_every_figure_of_the_report(traces_by_api, tmp_path):
    out = tmp_path / "report.html"
    assert main(["report", str(traces_by_api["aec"]), "--out", str(out)]) == 0
    url = out.resolve().as_uri()
    dom = _chromium(tmp_path, "--virtual-time-budget=5000", "--dump-dom", url)
    body = re.search(r"<body[^>]*>", dom.stdout)
    assert body, dom.stderr[-500:]
    # the page's own check, run by the browser after loading: every <img> decoded with a width
    assert f'data-figures="{len(FIGURE_NAMES)}"' in body.group(0)
    assert f'data-figures-rendered="{len(FIGURE_NAMES)}"' in body.group(0)
    screenshot = tmp_path / "report.png"
    shot = _chromium(tmp_path, f"--screenshot={screenshot}", "--window-size=1400,3000", url)
    assert screenshot.exists(), shot.stderr[-500:]
    image = plotting.pyplot().imread(str(screenshot))
    assert image.shape[:2] == (3000, 1400)
    shutil.copy(screenshot, tmp_path.parent / "last_report_screenshot.png")  # to look at after a run
    # figures, not a blank page: each severity's colour (timeline, bars, boxes) covers a good area
    pixels = (image[..., :3] * 255).round().astype(int).reshape(-1, 3)
    for severity, color in enumerate(SEVERITY_COLORS, start=1):
        area = np.all(np.abs(pixels - color.astype(int)) <= 2, axis=1).sum()
        assert area > 2_000, (severity, area)


def test_evaluation_figure_names_the_api_the_policies_ran_on():
    import ticket_triage_marl as ttm
    from ticket_triage_marl import evaluation
    from ticket_triage_marl.report import evaluation_figure

    config = ttm.EnvConfig(horizon=20)
    for api, title in (("coordinator", "Coordinator env"), ("parallel", "Parallel env")):
        figure = evaluation_figure(evaluation.compare_policies(["random", "edf"], range(2), config, api=api))
        assert figure._suptitle.get_text().startswith(title)
        plotting.pyplot().close(figure)
