"""Checkpoints: ``clone_state()`` / ``restore_state()`` on every env (SPEC section 2).

A checkpoint restored into the same env or into a new env of the same config,
followed by the same actions, must reproduce the trajectory bit for bit (every
output and the snapshot, hashed as in the golden tests); it is picklable and
independent of the env it came from; another config is refused by name.
"""

from __future__ import annotations

import copy
import pickle

import gymnasium
import numpy as np
import pytest
from test_golden import Digest, pick

import ticket_triage_marl as ttm

CONFIG = ttm.EnvConfig(horizon=30, p_reopen=0.3, p_dependency=0.2, p_ambiguous=0.3, arrival_process="poisson")
SEED = 11


def play_parallel(env, rng: np.random.Generator, steps: int) -> str:
    digest = Digest()
    observations = {agent: {"action_mask": env.sim.masks[0, i]} for i, agent in enumerate(env.agents)}
    for _ in range(steps):
        if not env.agents:
            observations, _ = env.reset()
        actions = {agent: pick(rng, observations[agent]["action_mask"]) for agent in env.agents}
        observations, rewards, terminations, truncations, infos = env.step(actions)
        digest.value([actions, observations, rewards, terminations, truncations, infos, env.snapshot()])
    return digest.hexdigest()


def play_aec(env, rng: np.random.Generator, turns: int) -> str:
    digest = Digest()
    base = env.unwrapped
    for _ in range(turns):
        if not base.agents:
            env.reset()
        observation, reward, termination, truncation, info = env.last()
        action = None if termination or truncation else pick(rng, observation["action_mask"])
        env.step(action)
        digest.value([base.agent_selection, observation, reward, termination, truncation, info, base.snapshot()])
    return digest.hexdigest()


def play_coordinator(env, rng: np.random.Generator, steps: int) -> str:
    digest = Digest()
    for _ in range(steps):
        action = pick(rng, env.action_masks())
        observation, reward, terminated, truncated, info = env.step(action)
        digest.value([action, observation, reward, terminated, truncated, info, env.snapshot()])
        digest.array(env.last_engineer_actions)
        if truncated:
            env.reset()
    return digest.hexdigest()


def play_vector(env, rng: np.random.Generator, steps: int) -> str:
    digest = Digest()
    for _ in range(steps):
        masks = env.action_masks()
        actions = np.array([[pick(rng, masks[i, e]) for e in range(masks.shape[1])] for i in range(env.num_envs)])
        digest.value(list(env.step(actions)))
        digest.value([env.snapshot(i) for i in range(env.num_envs)])
    return digest.hexdigest()


def play_vector_coordinator(env, rng: np.random.Generator, steps: int) -> str:
    digest = Digest()
    for _ in range(steps):
        masks = env.action_masks()
        actions = np.array([pick(rng, masks[i]) for i in range(env.num_envs)])
        digest.value(list(env.step(actions)))
    return digest.hexdigest()


def make_parallel(config: ttm.EnvConfig = CONFIG):
    env = ttm.parallel_env(config=config)
    env.reset(seed=SEED)
    return env, env, play_parallel


def make_aec(config: ttm.EnvConfig = CONFIG):
    env = ttm.env(config=config)
    env.reset(seed=SEED)
    return env, env.unwrapped, play_aec


def make_coordinator(config: ttm.EnvConfig = CONFIG):
    env = ttm.TicketTriageEnv(config=config)
    env.reset(seed=SEED)
    return env, env, play_coordinator


def make_vector(config: ttm.EnvConfig = CONFIG):
    env = ttm.VectorTicketTriage(num_envs=3, config=config)
    env.reset(seed=SEED)
    return env, env, play_vector


def make_vector_coordinator(config: ttm.EnvConfig = CONFIG):
    env = gymnasium.make_vec("TicketTriage-v0", num_envs=3, config=config)
    env.reset(seed=SEED)
    return env, env.unwrapped, play_vector_coordinator


MAKERS = {
    "parallel": make_parallel,
    "aec": make_aec,
    "coordinator": make_coordinator,
    "vector": make_vector,
    "vector_coordinator": make_vector_coordinator,
}


@pytest.mark.parametrize("api", MAKERS)
def test_restoring_a_checkpoint_replays_the_same_trajectory(api: str) -> None:
    env, base, play = MAKERS[api]()
    play(env, np.random.default_rng(1), 17)  # somewhere inside the first episode
    checkpoint = base.clone_state()
    expected = play(env, np.random.default_rng(2), 25)  # past the episode end (a reset or auto-reset)
    base.restore_state(checkpoint)
    assert play(env, np.random.default_rng(2), 25) == expected, "same env, restored"
    fresh, fresh_base, _ = MAKERS[api]()
    fresh_base.restore_state(pickle.loads(pickle.dumps(checkpoint)))
    assert play(fresh, np.random.default_rng(2), 25) == expected, "new env, restored from a pickled checkpoint"


@pytest.mark.parametrize(
    "copier", [copy.deepcopy, lambda env: pickle.loads(pickle.dumps(env))], ids=["deepcopy", "pickle"]
)
@pytest.mark.parametrize("api", MAKERS)
def test_a_copied_env_steps_like_the_original(api: str, copier) -> None:
    """SuperSuit's vector envs pickle the env they copy: the copy's outputs must follow its own state."""
    env, _, play = MAKERS[api]()
    play(env, np.random.default_rng(1), 5)
    copied = copier(env)
    expected = play(env, np.random.default_rng(2), 40)  # past the episode end
    assert play(copied, np.random.default_rng(2), 40) == expected


@pytest.mark.parametrize("api", MAKERS)
def test_a_checkpoint_is_independent_of_its_env(api: str) -> None:
    env, base, play = MAKERS[api]()
    play(env, np.random.default_rng(1), 5)
    checkpoint = base.clone_state()
    frozen = pickle.dumps(checkpoint)
    play(env, np.random.default_rng(3), 10)
    assert pickle.dumps(checkpoint) == frozen


@pytest.mark.parametrize("api", MAKERS)
def test_a_checkpoint_of_another_config_is_refused_by_field(api: str) -> None:
    _, base, _ = MAKERS[api]()
    checkpoint = base.clone_state()
    _, other_base, _ = MAKERS[api](CONFIG.replace(p_reopen=0.1))
    with pytest.raises(ValueError, match=r"p_reopen=0\.3 \(expected 0\.1\)"):
        other_base.restore_state(checkpoint)


def test_a_checkpoint_of_another_env_type_is_refused() -> None:
    _, parallel, _ = make_parallel()
    _, vector, _ = make_vector()
    with pytest.raises(ValueError, match="cannot be restored into a VectorTicketTriage"):
        vector.restore_state(parallel.clone_state())
    with pytest.raises(ValueError, match="cannot be restored"):
        parallel.restore_state({"not": "a checkpoint"})


def test_a_batch_checkpoint_of_another_size_is_refused() -> None:
    small = ttm.VectorTicketTriage(num_envs=2, config=CONFIG)
    small.reset(seed=0)
    with pytest.raises(ValueError, match="2 environments, this batch has 3"):
        make_vector()[1].restore_state(small.clone_state())


def test_an_aec_checkpoint_taken_mid_tick_resumes_at_the_same_engineer() -> None:
    env, base, play = make_aec()
    play(env, np.random.default_rng(1), 3 * 4 + 1)  # engineer_1 is next: engineer_0 has acted this tick
    assert base.agent_selection == "engineer_1"
    checkpoint = base.clone_state()
    expected = play(env, np.random.default_rng(4), 20)
    fresh, fresh_base, _ = make_aec()
    fresh_base.restore_state(checkpoint)
    assert fresh_base.agent_selection == "engineer_1"
    assert play(fresh, np.random.default_rng(4), 20) == expected


def test_last_engineer_actions_are_cleared_by_reset() -> None:
    env = ttm.TicketTriageEnv(config=CONFIG)
    env.reset(seed=0)
    action = int(np.flatnonzero(env.action_masks())[1])  # an ASSIGN: some engineer gets a ticket
    env.step(action)
    assert env.last_engineer_actions.any()
    env.reset()
    assert not env.last_engineer_actions.any(), "reset must not show the previous episode's last action"
