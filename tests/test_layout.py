"""The package layout: old module paths keep importing the moved objects, and tooling stays off the import path."""

from __future__ import annotations

import importlib
import pickle
import subprocess
import sys

import gymnasium
import pytest

# old module -> (new module, the public names it had)
MOVED = {
    "ticket_triage_marl.multiagent": (
        "ticket_triage_marl.envs.multiagent",
        ["METADATA", "TicketTriageAECEnv", "TicketTriageParallelEnv", "agent_names", "env", "parallel_env", "raw_env"],
    ),
    "ticket_triage_marl.coordinator": (
        "ticket_triage_marl.envs.coordinator",
        ["OBSERVATION_FORMATS", "CoordinatorWrapper", "TicketTriageEnv"],
    ),
    "ticket_triage_marl.vector": ("ticket_triage_marl.envs.vector", ["CoordinatorVectorEnv", "VectorTicketTriage"]),
    "ticket_triage_marl.spaces": (
        "ticket_triage_marl.envs.spaces",
        [
            "AgentSpaces",
            "agent_spaces",
            "check_action",
            "check_actions",
            "check_render_mode",
            "team_observation_bounds",
        ],
    ),
    "ticket_triage_marl.wrappers": (
        "ticket_triage_marl.envs.wrappers",
        ["FlatObservationWrapper", "flatten_observations", "mask_from_flat"],
    ),
}


@pytest.mark.parametrize("old", sorted(MOVED))
def test_an_old_module_path_imports_the_same_objects(old):
    new, names = MOVED[old]
    old_module, new_module = importlib.import_module(old), importlib.import_module(new)
    for name in names:
        assert getattr(old_module, name) is getattr(new_module, name), f"{old}.{name}"
    assert set(old_module.__all__) <= set(names)


@pytest.mark.parametrize("old", ["ticket_triage_marl.coordinator", "ticket_triage_marl.multiagent"])
def test_a_pickle_that_names_the_old_module_loads(old):
    new, names = MOVED[old]
    cls = getattr(importlib.import_module(new), names[-1] if old.endswith("coordinator") else "TicketTriageParallelEnv")
    data = pickle.dumps(cls, protocol=0).replace(new.encode(), old.encode())  # as pickled before the move
    assert old.encode() in data
    assert pickle.loads(data) is cls


def test_the_old_vector_path_keeps_its_deprecated_alias():
    from ticket_triage_marl import vector

    with pytest.warns(DeprecationWarning, match="TicketTriageVectorEnv is renamed CoordinatorVectorEnv"):
        assert vector.TicketTriageVectorEnv is vector.CoordinatorVectorEnv


def test_gymnasium_entry_points_and_the_old_ones_load_the_same_classes():
    from gymnasium.envs.registration import load_env_creator

    from ticket_triage_marl.envs import CoordinatorVectorEnv, TicketTriageEnv

    spec = gymnasium.spec("TicketTriage-v0")
    assert load_env_creator(spec.entry_point) is TicketTriageEnv
    assert load_env_creator(spec.vector_entry_point) is CoordinatorVectorEnv
    assert load_env_creator("ticket_triage_marl.coordinator:TicketTriageEnv") is TicketTriageEnv
    assert load_env_creator("ticket_triage_marl.vector:CoordinatorVectorEnv") is CoordinatorVectorEnv


def test_importing_the_package_leaves_the_benchmark_harness_and_the_cli_out():
    code = (
        "import sys, ticket_triage_marl; print(sorted(m for m in sys.modules if m.startswith('ticket_triage_marl.')))"
    )
    loaded = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert "ticket_triage_marl.bench" not in loaded
    assert "ticket_triage_marl.cli" not in loaded


EVALUATION_NAMES = [
    "APIS",
    "API_TITLES",
    "DigestRun",
    "EPISODE_APIS",
    "METRICS",
    "EpisodeRecord",
    "Estimate",
    "PolicyComparison",
    "Session",
    "compare_policies",
    "digests_in_fresh_process",
    "episode_record",
    "mean_ci95",
    "run_digests",
    "run_episode",
    "run_steps",
    "step_digest",
    "t_quantile_95",
    "team_reward",
]


def test_evaluation_re_exports_every_public_name_it_had():
    import ticket_triage_marl as ttm
    from ticket_triage_marl import comparison, digests, rollout, statistics

    homes = {}
    for module in (rollout, digests, statistics, comparison):
        homes.update(dict.fromkeys(module.__all__, module))
    for name in EVALUATION_NAMES:
        assert getattr(ttm.evaluation, name) is getattr(homes[name], name), name
    assert set(ttm.evaluation.__all__) == set(EVALUATION_NAMES) - {"API_TITLES", "DigestRun"}  # unchanged


REPORT_NAMES = {
    "ticket_triage_marl.reports.html": ["HtmlPage"],
    "ticket_triage_marl.reports.episode": [
        "EVENT_NAMES",
        "FIGURE_NAMES",
        "SIDE_VERBS",
        "RecordingSeries",
        "analyze_recording",
        "build_report",
        "report_page",
    ],
    "ticket_triage_marl.reports.evaluation": ["evaluation_figure", "write_evaluation_plot"],
    "ticket_triage_marl.reports.fidelity": [
        "FIDELITY_FIGURE_NAMES",
        "build_fidelity_report",
        "fidelity_left_out",
        "fidelity_page",
    ],
}


def test_report_re_exports_every_public_name_it_had():
    from ticket_triage_marl import report

    for module, names in REPORT_NAMES.items():
        for name in names:
            assert getattr(report, name) is getattr(importlib.import_module(module), name), name
    assert set(report.__all__) == {
        "FIDELITY_FIGURE_NAMES",
        "FIGURE_NAMES",
        "HtmlPage",
        "RecordingSeries",
        "analyze_recording",
        "build_fidelity_report",
        "build_report",
        "evaluation_figure",
        "fidelity_page",
        "report_page",
        "write_evaluation_plot",
    }  # unchanged
    with pytest.warns(DeprecationWarning, match="ticket_triage_marl.report.TraceSeries is renamed RecordingSeries"):
        assert report.TraceSeries is report.RecordingSeries


def test_the_cli_package_keeps_its_entry_points_and_names():
    from ticket_triage_marl import cli

    assert callable(cli.main) and callable(
        cli.build_parser
    )  # [project.scripts] ticket-triage = ticket_triage_marl.cli:main
    for name in ("CheckFailed", "UsageError", "PROG", "BENCH_APIS", "DEFAULT_EVALUATE_POLICIES"):
        assert hasattr(cli, name), name
    for command in cli.COMMANDS:
        assert callable(command.add_arguments) and callable(command.run), command.__name__
    parser_commands = list(cli.build_parser()._subparsers._group_actions[0].choices)
    assert parser_commands == [command.__name__.rsplit(".", 1)[-1] for command in cli.COMMANDS]


@pytest.mark.parametrize("module", ["ticket_triage_marl", "ticket_triage_marl.cli"])
def test_python_dash_m_runs_the_command_line(module):
    completed = subprocess.run([sys.executable, "-m", module, "--version"], capture_output=True, text=True, check=False)
    assert completed.returncode == 0 and completed.stdout.startswith("ticket-triage ")
