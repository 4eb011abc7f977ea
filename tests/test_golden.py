"""Golden trajectories: a SHA-256 digest of a fixed random-action rollout per API per config.

Refactors of the core must keep trajectories bit-identical. Each digest covers
everything an API returns (observations, rewards, terminations, truncations,
infos, masks) and the snapshot after every step, over two episodes (the second
one started by a reset without a seed) for the single envs, and past an
auto-reset for the vector envs. Actions are drawn by a fixed generator: half
of them among the allowed actions, half anywhere in the action space (so the
invalid-action path is covered too).

Infos are canonicalised before hashing (a reward breakdown, dict or array,
becomes its float32 values in ``reward_names`` order), so a change of an
info's container type alone does not change a digest; any change of a value does.

When a change is *meant* to change trajectories, regenerate the digests with
``python tests/test_golden.py --update`` and say why in the commit message.
"""

from __future__ import annotations

import hashlib
import json
import sys
from pathlib import Path

import gymnasium
import numpy as np
import pytest

import ticket_triage_marl as ttm

ROOT = Path(__file__).resolve().parent.parent
CONFIG_FILES = sorted((ROOT / "configs").glob("*.toml"))
# Mechanics no shipped config switches on, so the digests guard them too: name -> (file, overrides).
VARIANTS = {
    "variant_every_mechanic": (
        "specialists.toml",
        {
            "observation_mode": "local",
            "reward_mode": "individual",
            "work_distribution": "exponential",
            "arrival_process": "poisson",
            "arrival_rate": 1.2,
            "p_reopen": 0.4,
            "reopen_window": 6,
            "p_dependency": 0.3,
            "p_ambiguous": 0.3,
            "r_overdue": -0.01,
            "r_invalid": -0.02,
            "max_queue": 4,
            "shift_period": 8,
            "shift_length": 6,
        },
    ),
    "variant_deterministic_work": ("default.toml", {"work_distribution": "deterministic", "max_tickets": 3}),
    "variant_incidents": (
        "default.toml",
        {"p_incident": 0.2, "incident_size_mean": 4.0, "incident_window": 5, "p_await": 0.2, "max_queue": 6},
    ),
    "variant_teams": (
        "default.toml",
        {
            "groups": (0, 1, 2),
            "skills": ((1.0, 1.0, 0.5, 0.5), (2.0, 0.3, 1.0, 0.3), (0.3, 2.0, 0.3, 1.5)),
            "entry_share": 0.5,
            "p_misreport": 0.4,
            "reveal_work": 1.5,
            "handoff_steps": 2,
            "handoff_work": 0.5,
            "component_mix": (0.4, 0.3, 0.2, 0.1),
            "p_incident": 0.1,
            "max_queue": 6,
        },
    ),
    "variant_awaiting": (
        "default.toml",
        {
            "p_await": 0.3,
            "await_mean": 6.0,
            "await_sigma": 1.2,
            "await_sla": "running",
            "request_info": "awaits",
            "p_ambiguous": 0.3,
            "max_queue": 5,
        },
    ),
}
CASES = {path.name: (path, {}) for path in CONFIG_FILES} | {
    name: (ROOT / "configs" / file, overrides) for name, (file, overrides) in VARIANTS.items()
}
DIGEST_FILE = Path(__file__).with_name("golden_digests.json")
HORIZON = 40  # short episodes keep the test fast; two of them cover a reset without a seed
SEED = 20261201
REWARD_NAMES = tuple(ttm.VectorTicketTriage.reward_names)
APIS = ("parallel", "aec", "coordinator", "vector", "vector_coordinator")


class Digest:
    """Hashes arrays (with dtype and shape) and JSON-able values in a fixed order."""

    def __init__(self) -> None:
        self._hash = hashlib.sha256()

    def array(self, value: np.ndarray) -> None:
        value = np.ascontiguousarray(value)
        self._hash.update(f"{value.dtype.str}{value.shape}".encode())
        self._hash.update(value.tobytes())

    def value(self, value: object) -> None:
        self._hash.update(json.dumps(canonical(value), sort_keys=True).encode())

    def hexdigest(self) -> str:
        return self._hash.hexdigest()


def canonical(value: object) -> object:
    """JSON-able form: arrays as (dtype, list), reward-breakdown dicts as lists in component order."""
    if isinstance(value, np.ndarray):
        return [value.dtype.str, value.tolist()]
    if isinstance(value, dict):
        if set(value) == set(REWARD_NAMES):  # a breakdown dict: its values in component order, as float32
            return reward_breakdown_values([value[name] for name in REWARD_NAMES])
        return {
            str(key): reward_breakdown_values(item) if key == "reward_breakdown" else canonical(item)
            for key, item in value.items()
        }
    if isinstance(value, (list, tuple)):
        return [canonical(item) for item in value]
    if isinstance(value, (np.integer, np.bool_)):
        return value.item()
    if isinstance(value, np.floating):
        return float(value)
    return value


def reward_breakdown_values(values: object) -> object:
    """A reward breakdown (a dict or a float32 array ordered as ``reward_names``) as float32 values,
    so the two containers hash the same (SPEC section 3 allows either; TorchRL needs the array)."""
    if isinstance(values, dict):
        return canonical(values)
    array = np.asarray(values)
    if array.ndim != 1 or array.size != len(REWARD_NAMES):  # the vector env's (N, E, K) array: hash it as is
        return canonical(array)
    return [float(x) for x in array.astype(np.float32)]


def pick(rng: np.random.Generator, mask: np.ndarray) -> int:
    if rng.random() < 0.5:
        return int(rng.integers(mask.size))
    return int(rng.choice(np.flatnonzero(mask)))


def _config(case: str) -> ttm.EnvConfig:
    path, overrides = CASES[case]
    return ttm.load_config(path, **{"horizon": HORIZON, **overrides})


def rollout_parallel(config: ttm.EnvConfig) -> str:
    digest, rng = Digest(), np.random.default_rng(SEED)
    env = ttm.parallel_env(config=config)
    for seed in (SEED, None):
        observations, infos = env.reset(seed=seed)
        digest.value([observations, infos, env.snapshot()])
        digest.array(env.state())
        while env.agents:
            actions = {agent: pick(rng, observations[agent]["action_mask"]) for agent in env.agents}
            observations, rewards, terminations, truncations, infos = env.step(actions)
            digest.value([actions, observations, rewards, terminations, truncations, infos, env.snapshot()])
            digest.array(env.state())
    return digest.hexdigest()


def rollout_aec(config: ttm.EnvConfig) -> str:
    digest, rng = Digest(), np.random.default_rng(SEED)
    env = ttm.env(config=config)
    for seed in (SEED, None):
        env.reset(seed=seed)
        for agent in env.agent_iter():
            observation, reward, termination, truncation, info = env.last()
            digest.value([agent, observation, reward, termination, truncation, info])
            action = None if termination or truncation else pick(rng, observation["action_mask"])
            env.step(action)
            if agent == env.possible_agents[-1] and env.agents:
                digest.value(env.unwrapped.snapshot())
                digest.array(env.unwrapped.state())
    return digest.hexdigest()


def rollout_coordinator(config: ttm.EnvConfig) -> str:
    digest, rng = Digest(), np.random.default_rng(SEED)
    env = ttm.TicketTriageEnv(config=config)
    for seed in (SEED, None):
        observation, info = env.reset(seed=seed)
        digest.value([observation, info, env.snapshot()])
        truncated = False
        while not truncated:
            action = pick(rng, env.action_masks())
            observation, reward, terminated, truncated, info = env.step(action)
            digest.value([action, observation, reward, terminated, truncated, info, env.snapshot()])
            digest.array(env.last_engineer_actions)
    return digest.hexdigest()


def rollout_vector(config: ttm.EnvConfig, num_envs: int = 3) -> str:
    digest, rng = Digest(), np.random.default_rng(SEED)
    env = ttm.VectorTicketTriage(num_envs=num_envs, config=config)
    observations, infos = env.reset(seed=SEED)
    digest.value([observations, infos, [env.snapshot(i) for i in range(num_envs)]])
    for _ in range(HORIZON + 5):  # past the end: covers the next-step auto-reset
        masks = infos["action_mask"]
        actions = np.array([[pick(rng, masks[i, e]) for e in range(masks.shape[1])] for i in range(num_envs)])
        observations, rewards, terminations, truncations, infos = env.step(actions)
        digest.value([actions, observations, rewards, terminations, truncations, infos])
        digest.value([env.snapshot(i) for i in range(num_envs)])
        digest.array(np.stack([env.state(i) for i in range(num_envs)]))
        digest.value(env.counters())
        digest.array(env.backlog())
    return digest.hexdigest()


def rollout_vector_coordinator(config: ttm.EnvConfig, num_envs: int = 3) -> str:
    digest, rng = Digest(), np.random.default_rng(SEED)
    env = gymnasium.make_vec("TicketTriage-v0", num_envs=num_envs, config=config)
    observations, infos = env.reset(seed=SEED)
    digest.value([observations, infos])
    for _ in range(HORIZON + 5):
        masks = env.unwrapped.action_masks() if hasattr(env, "unwrapped") else env.action_masks()
        actions = np.array([pick(rng, masks[i]) for i in range(num_envs)])
        observations, rewards, terminations, truncations, infos = env.step(actions)
        digest.value([actions, observations, rewards, terminations, truncations, infos])
    env.close()
    return digest.hexdigest()


ROLLOUTS = {
    "parallel": rollout_parallel,
    "aec": rollout_aec,
    "coordinator": rollout_coordinator,
    "vector": rollout_vector,
    "vector_coordinator": rollout_vector_coordinator,
}


def compute_all() -> dict[str, dict[str, str]]:
    return {case: {api: ROLLOUTS[api](_config(case)) for api in APIS} for case in CASES}


def _stored() -> dict[str, dict[str, str]]:
    return json.loads(DIGEST_FILE.read_text())


@pytest.mark.parametrize("api", APIS)
@pytest.mark.parametrize("case", sorted(CASES))
def test_trajectory_digest_unchanged(case: str, api: str) -> None:
    expected = _stored()[case][api]
    assert ROLLOUTS[api](_config(case)) == expected, (
        f"{api} trajectory of {case} changed; if that is intended, run "
        "`python tests/test_golden.py --update` and say why in the commit"
    )


def test_every_config_has_golden_digests() -> None:
    assert sorted(_stored()) == sorted(CASES)


if __name__ == "__main__":
    if sys.argv[1:] != ["--update"]:
        sys.exit("usage: python tests/test_golden.py --update")
    DIGEST_FILE.write_text(json.dumps(compute_all(), indent=2, sort_keys=True) + "\n")
    print(f"wrote {DIGEST_FILE}")
