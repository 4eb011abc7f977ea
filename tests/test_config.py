"""EnvConfig validation, TOML loading, constructor overrides and API errors."""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest
from conftest import CONFIG_FILES

import ticket_triage_marl as ttm


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
        ({"arrival_process": "trace"}, ValueError, "not available yet"),
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
    assert env.observation_space(agent)["observation"].shape == (5 + 9 * 10 + 3 * 3 + 3,)
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


def test_errors_before_reset_after_end_and_bad_actions():
    env = ttm.parallel_env(horizon=2)
    with pytest.raises(RuntimeError, match="before reset"):
        env.step({"engineer_0": 0})
    env.reset(seed=0)
    with pytest.raises(ValueError, match="must be in"):
        env.step({"engineer_0": 41, "engineer_1": 0, "engineer_2": 0})
    with pytest.raises(TypeError, match="engineer_0"):
        env.step({"engineer_0": "work", "engineer_1": 0, "engineer_2": 0})
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
