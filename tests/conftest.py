"""Shared helpers: a config with every complication switched off, and stepping shortcuts."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from hypothesis import settings

import ticket_triage_marl as ttm

# CI runs the property tests on a fixed draw (HYPOTHESIS_PROFILE=ci in .ci/run: a run is reproducible and a red
# one is a change, not luck); locally each run draws new examples, to keep finding what the fixed draw misses.
settings.register_profile("ci", derandomize=True, print_blob=True)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "default"))

ROOT = Path(__file__).resolve().parent.parent
CONFIG_FILES = sorted((ROOT / "configs").glob("*.toml"))

QUIET = {
    "p_new_ticket": 0.0,
    "initial_backlog": 0,
    "work_distribution": "deterministic",
    "work_mean": 3.0,
    "p_regression": 0.0,
    "p_reopen": 0.0,
    "p_ambiguous": 0.0,
    "p_dependency": 0.0,
    "switch_ramp_steps": 0,
    "r_context_switch": 0.0,
    "r_idle": 0.0,
    "max_escalated": 0,
    "max_deferrals": 0,
    "skill_noise": 0.0,
}


def quiet_config(**overrides) -> ttm.EnvConfig:
    """Every complication off, arrivals off, deterministic work of 3 units."""
    return ttm.EnvConfig(**{**QUIET, **overrides})


def secret(snapshot: dict, ticket_id: int) -> dict:
    """The hidden part of ticket ``ticket_id`` in ``snapshot`` (its true component, ambiguity, incident)."""
    return next(entry for entry in snapshot["hidden"]["tickets"] if entry["id"] == ticket_id)


def work(slot: int, max_tickets: int) -> int:
    return ttm.agent_action(ttm.AgentVerb.WORK, slot, max_tickets)


def act(verb: ttm.AgentVerb, slot: int, max_tickets: int) -> int:
    return ttm.agent_action(verb, slot, max_tickets)


def noop_all(env) -> dict[str, int]:
    return dict.fromkeys(env.agents, 0)


def play_parallel_episode(policy, config: ttm.EnvConfig, seed: int = 1_000_000) -> list[dict[str, int]]:
    """One parallel episode of a learned policy (its ``agent_actions``), asserting that every engineer's action is
    one its mask allows; returns the actions of each step."""
    env = ttm.parallel_env(config=config)
    observations, _ = env.reset(seed=seed)
    chosen = []
    while env.agents:
        actions = policy.agent_actions(env, observations)
        for agent, action in actions.items():
            assert observations[agent]["action_mask"][action] == 1, (agent, action)
        chosen.append(actions)
        observations, *_ = env.step(actions)
    return chosen


@pytest.fixture(autouse=True)
def _tmp_home(tmp_path, monkeypatch):
    """Keep anything a library writes to the temp dir inside pytest's tmp_path."""
    monkeypatch.setenv("TMPDIR", str(tmp_path))
    yield


def pytest_report_header(config):
    return f"numba JIT disabled: {os.environ.get('NUMBA_DISABLE_JIT', '0') == '1'}"
