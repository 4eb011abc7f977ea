"""EnvConfig validation, TOML loading, constructor overrides and API errors."""

from __future__ import annotations

import dataclasses

import gymnasium as gym
import numpy as np
import pytest
from conftest import CONFIG_FILES, ROOT

import ticket_triage_marl as ttm
from ticket_triage_marl._core.features import N_ENGINEER_FEATURES as H
from ticket_triage_marl._core.features import N_GLOBAL as G
from ticket_triage_marl._core.features import N_TICKET_FEATURES as F


def test_defaults_are_the_seeds():
    config = ttm.EnvConfig()
    assert (config.n_engineers, config.max_tickets, config.horizon) == (3, 10, 200)
    assert (config.r_resolve, config.r_sla_breach, config.r_idle, config.r_context_switch) == (1.0, -0.2, -0.05, -0.05)
    with pytest.raises(dataclasses.FrozenInstanceError):
        config.horizon = 5  # type: ignore[misc]


@pytest.mark.parametrize(
    ("overrides", "error", "words"),
    [
        ({"n_engineers": 0}, ValueError, "n_engineers"),
        ({"p_new_ticket": 1.5}, ValueError, "p_new_ticket must be in [0.0, 1.0]"),
        ({"arrival_rate": -1.0}, ValueError, "arrival_rate"),
        ({"horizon": 2.5}, TypeError, "horizon must be an int"),
        ({"n_engineers": True}, TypeError, "n_engineers must be an int"),
        ({"work_mean": "5"}, TypeError, "work_mean must be a number"),
        ({"work_mean": float("nan")}, ValueError, "work_mean must be finite"),
        ({"severity_mix": (0.5, 0.5, 0.5, 0.5)}, ValueError, "severity_mix"),
        ({"sla_steps": (1, 2, 3)}, TypeError, "sla_steps"),
        ({"work_distribution": "uniform"}, ValueError, "work_distribution must be one of"),
        ({"arrival_process": "trace"}, ValueError, "needs trace_path"),
        ({"reward_mode": "selfish"}, ValueError, "reward_mode"),
        ({"skills": [[1.0]]}, ValueError, "one row per engineer"),
        ({"max_escalated": 11}, ValueError, "max_escalated"),
        ({"info_wait_max": 1, "info_wait_min": 3}, ValueError, "info_wait_max"),
        ({"shift_period": 8}, ValueError, "shift_length"),
    ],
)
def test_bad_values_name_the_field(overrides, error, words):
    with pytest.raises(error, match=None) as info:
        ttm.EnvConfig(**overrides)
    assert words in str(info.value)


def test_load_config_files_and_overrides(tmp_path):
    for path in CONFIG_FILES:
        config = ttm.load_config(path)
        assert config.name == path.stem
    config = ttm.load_config(CONFIG_FILES[0], horizon=300)
    assert config.horizon == 300
    bad = tmp_path / "bad.toml"
    bad.write_text("n_engineers = 3\nwarp_speed = 9\n")
    with pytest.raises(ValueError, match="warp_speed"):
        ttm.load_config(bad)
    broken = tmp_path / "broken.toml"
    broken.write_text("n_engineers = \n")
    with pytest.raises(ValueError, match="not valid TOML"):
        ttm.load_config(broken)
    with pytest.raises(FileNotFoundError, match=r"nope\.toml"):
        ttm.load_config(tmp_path / "nope.toml")
    typed = tmp_path / "typed.toml"
    typed.write_text('horizon = "long"\n')
    with pytest.raises(TypeError, match=r"typed\.toml: horizon must be an int"):
        ttm.load_config(typed)


def test_default_toml_is_the_default_config():
    default = ttm.load_config(next(p for p in CONFIG_FILES if p.stem == "default"))
    assert default == ttm.EnvConfig()


def test_constructors_take_config_overrides_and_max_cycles():
    env = ttm.parallel_env(n_engineers=4)
    assert env.config.n_engineers == 4 and len(env.possible_agents) == 4
    env = ttm.parallel_env(config=ttm.EnvConfig(max_tickets=5), horizon=7)
    assert (env.config.max_tickets, env.config.horizon) == (5, 7)
    assert ttm.env(max_cycles=9).unwrapped.config.horizon == 9
    assert ttm.raw_env(config=None).config == ttm.EnvConfig()
    with pytest.raises(ValueError, match="disagree"):
        ttm.parallel_env(max_cycles=5, horizon=6)
    with pytest.raises(ValueError, match="unknown config key"):
        ttm.parallel_env(n_engineer=3)
    with pytest.raises(ValueError, match="render_mode"):
        ttm.parallel_env(render_mode="3d")


def test_spaces_are_the_same_object_and_documented_shapes():
    env = ttm.parallel_env()
    agent = env.possible_agents[0]
    assert env.observation_space(agent) is env.observation_space(agent)
    assert env.action_space(agent) is env.action_space(agent)
    assert env.action_space(agent).n == 1 + 4 * 10
    assert env.observation_space(agent)["observation"].shape == (G + F * 10 + H * 3 + 3,)  # + its one-hot id
    env.reset(seed=0)
    assert env.state().shape == env.state_space.shape
    assert env.state_space.contains(env.state())


def test_agent_action_helpers_round_trip():
    for action in range(41):
        verb, slot = ttm.decode_agent_action(action, 10)
        assert ttm.agent_action(verb, slot or 0, 10) == action
    with pytest.raises(ValueError, match="slot"):
        ttm.agent_action(ttm.AgentVerb.WORK, 10, 10)
    with pytest.raises(ValueError, match="action"):
        ttm.decode_agent_action(41, 10)


def test_agent_action_helpers_take_the_shape_from_an_int_a_config_or_an_env():
    config = ttm.EnvConfig(max_tickets=7)
    env = ttm.parallel_env(config=config)
    wrapped = ttm.env(config=config)  # PettingZoo's wrappers: the config is on .unwrapped
    expected = 1 + (ttm.AgentVerb.DEFER - 1) * 7 + 6
    for shape in (7, np.int64(7), config, env, wrapped):
        assert ttm.agent_action(ttm.AgentVerb.DEFER, 6, shape) == expected
        assert ttm.decode_agent_action(expected, shape) == (ttm.AgentVerb.DEFER, 6)
    assert ttm.agent_action(ttm.AgentVerb.NOOP, None, config) == 0
    assert ttm.decode_agent_action(28, 7) == (ttm.AgentVerb.DEFER, 6)
    with pytest.raises(ValueError, match="slot"):  # slot 7 exists by default, not with 7 tickets
        ttm.agent_action(ttm.AgentVerb.WORK, 7, env)


@pytest.mark.parametrize(
    "call",
    [
        lambda: ttm.agent_action(ttm.AgentVerb.WORK, 2),
        lambda: ttm.decode_agent_action(3),
        lambda: ttm.agent_action(ttm.AgentVerb.WORK, 2, None),
        lambda: ttm.decode_agent_action(3, max_tickets=None),
        lambda: ttm.agent_action(ttm.AgentVerb.WORK, 2, "10"),
        lambda: ttm.coordinator_action(ttm.Verb.ASSIGN, 2, 1),
        lambda: ttm.decode_coordinator_action(5),
        lambda: ttm.coordinator_action(ttm.Verb.ASSIGN, 2, 1, None),
        lambda: ttm.decode_coordinator_action(5, config=None),
        lambda: ttm.coordinator_action(ttm.Verb.ASSIGN, 2, 1, {"max_tickets": 10}),
    ],
    ids=lambda _: "",
)
def test_action_helpers_have_no_default_shape(call):
    with pytest.raises(TypeError, match=r"max_tickets|config|required"):
        call()


def test_coordinator_action_helpers_take_the_shape_from_a_config_or_an_env():
    config = ttm.EnvConfig(max_tickets=4, n_engineers=5)
    env = ttm.TicketTriageEnv(config=config)
    wrapped = gym.make("TicketTriage-v0", config=config)  # the config is on .unwrapped
    for shape in (config, env, wrapped):
        assert ttm.coordinator_action(ttm.Verb.ASSIGN, 2, 3, shape) == 1 + 2 * 5 + 3
        assert ttm.coordinator_action(ttm.Verb.SWARM, 1, None, shape) == 1 + 4 * 5 + 3 * 4 + 1
        assert ttm.coordinator_action(ttm.Verb.NOOP, None, None, shape) == 0
        assert ttm.decode_coordinator_action(1 + 2 * 5 + 3, shape) == (ttm.Verb.ASSIGN, 2, 3)
    for action in range(env.action_space.n):
        verb, ticket, engineer = ttm.decode_coordinator_action(action, env)
        assert ttm.coordinator_action(verb, ticket, engineer, env) == action
    with pytest.raises(ValueError, match="ticket"):  # ticket 4 exists by default, not with 4 tickets
        ttm.coordinator_action(ttm.Verb.ESCALATE, 4, None, env)
    with pytest.raises(ValueError, match="action"):
        ttm.decode_coordinator_action(env.action_space.n, env)


def test_errors_before_reset_after_end_and_bad_actions():
    env = ttm.parallel_env(horizon=2)
    with pytest.raises(RuntimeError, match="before reset"):
        env.step({"engineer_0": 0})
    env.reset(seed=0)
    with pytest.raises(ValueError, match="must be in"):
        env.step({"engineer_0": 41, "engineer_1": 0, "engineer_2": 0})
    with pytest.raises(TypeError, match="engineer_0"):
        env.step({"engineer_0": "work", "engineer_1": 0, "engineer_2": 0})
    for flag in (True, np.True_):  # bool is an int subclass: refused all the same
        with pytest.raises(TypeError, match="engineer_1"):
            env.step({"engineer_0": 0, "engineer_1": flag, "engineer_2": 0})
    with pytest.raises(ValueError, match="must be in"):
        env.step({"engineer_0": 0, "engineer_1": 0, "engineer_2": np.int64(-1)})
    with pytest.raises(ValueError, match="missing actions"):
        env.step({"engineer_0": 0})
    with pytest.raises(ValueError, match="unknown"):
        env.step({"engineer_0": 0, "engineer_1": 0, "engineer_2": 0, "engineer_9": 0})
    assert env.snapshot()["t"] == 0  # nothing applied by the rejected calls
    env.step({"engineer_0": np.int64(0), "engineer_1": np.array(0), "engineer_2": 0})
    env.step(dict.fromkeys(env.agents, 0))
    assert env.agents == []
    assert env.step({}) == ({}, {}, {}, {}, {})  # SuperSuit's black_death sends this
    with pytest.raises(RuntimeError, match="episode ended"):
        env.step({"engineer_0": 0})
    aec = ttm.raw_env(horizon=1)
    with pytest.raises(RuntimeError, match="before reset"):
        aec.step(0)
    with pytest.raises(ValueError, match="seed"):
        env.reset(seed=-1)


def test_a_shipped_scenario_loads_by_name_and_an_unknown_name_lists_them():
    from ticket_triage_marl.config import SCENARIO_DIR, scenario_names

    assert {"default", "uci_desk_replay", "uci_desk_fitted", "apache_kafka_fitted"} <= set(scenario_names())
    assert ttm.load_config("uci_desk_fitted") == ttm.load_config(SCENARIO_DIR / "uci_desk_fitted.toml")
    replay = ttm.load_config("uci_desk_replay")
    assert replay.trace_path == str(SCENARIO_DIR.parent / "data" / "datasets" / "tickets_uci_itsm_incidents.csv")
    with pytest.raises(FileNotFoundError, match=r"config file not found: nope \(a TOML file, or a shipped scenario: "):
        ttm.load_config("nope")
    with pytest.raises(FileNotFoundError, match=r"config file not found: missing/default\.toml"):
        ttm.load_config("missing/default.toml")  # a path is never taken for a name


def test_every_shipped_scenario_and_export_is_package_data_so_a_wheel_has_them():
    import fnmatch

    from ticket_triage_marl.config import read_toml

    package = ROOT / "ticket_triage_marl"
    globs = read_toml(ROOT / "pyproject.toml", "pyproject")["tool"]["setuptools"]["package-data"]
    files = [*package.glob("configs/**/*.toml"), *package.glob("data/datasets/*")]
    assert len(files) >= 17
    for path in files:
        relative = path.relative_to(package).as_posix()
        assert any(fnmatch.fnmatch(relative, pattern) for pattern in globs["ticket_triage_marl"]), relative
    assert (ROOT / "configs").resolve() == package / "configs"  # the repository's configs/ is the shipped folder


def test_every_setting_is_declared_once_and_follows_into_params_and_the_docs():
    from dataclasses import fields

    from ticket_triage_marl._core.types import DERIVED_PARAMS, SETTING_PARAMS, Params, build_params

    names = {f.name for f in fields(ttm.EnvConfig)}
    assert set(SETTING_PARAMS) <= names  # a Params field is a setting of the same name, or derived on purpose
    assert set(Params._fields) == set(SETTING_PARAMS) | DERIVED_PARAMS
    config = ttm.EnvConfig(horizon=321, p_reopen=0.25, r_idle=-0.5)
    params = build_params(config)
    for name in SETTING_PARAMS:
        assert getattr(params, name) == getattr(config, name)
        assert type(getattr(params, name)) is (int if isinstance(getattr(config, name), int) else float)
    doc = ttm.EnvConfig.__doc__ or ""
    undocumented = [name for name in names if name not in doc]
    assert not undocumented, f"fields missing from EnvConfig's docstring: {undocumented}"


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"initial_backlog": 300}, r"initial_backlog must be in \[0, 210\], got 300"),  # max_tickets + max_queue
        ({"info_wait_min": 5, "info_wait_max": 3}, r"info_wait_max must be in \[5, 10000\], got 3"),
        ({"max_escalated": 11}, r"max_escalated must be in \[0, 10\], got 11"),
        ({"reward_mode": "solo"}, r"reward_mode must be one of 'team', 'individual', got 'solo'"),
        ({"trace_hours_per_step": 0.0}, r"trace_hours_per_step must be in \[1e-09, 8760.0\], got 0.0"),
    ],
)
def test_declared_bounds_name_the_field_the_value_and_the_range(overrides, message):
    with pytest.raises(ValueError, match=message):
        ttm.EnvConfig(**overrides)


def test_n_ticket_actions_is_deprecated_for_the_encodings_own_count():
    config = ttm.EnvConfig(max_tickets=7)
    with pytest.warns(DeprecationWarning, match="agent_action_count"):
        assert config.n_ticket_actions == ttm.actions.agent_action_count(config) == 29
