"""SuperSuit 3.11 over ``flatten_observations``: parameter-sharing vectorization and black death."""

from __future__ import annotations

import numpy as np
import pytest
import supersuit as ss

import ticket_triage_marl as ttm
from ticket_triage_marl.baselines import random_masked_action, random_masked_actions
from ticket_triage_marl.wrappers import flatten_observations, mask_from_flat

HORIZON = 20
COPIES = 2

SHIFTS_INDIVIDUAL_LOCAL = ttm.EnvConfig(
    horizon=HORIZON, n_engineers=4, max_tickets=4, max_queue=3, shift_period=5, shift_length=3,
    arrival_process="poisson", arrival_rate=1.0, reward_mode="individual", observation_mode="local",
    skill_noise=0.5, p_ambiguous=0.5, p_dependency=0.3,
)  # fmt: skip
CONFIGS = [
    pytest.param(ttm.EnvConfig(horizon=HORIZON), id="defaults"),
    pytest.param(SHIFTS_INDIVIDUAL_LOCAL, id="shifts-individual-local"),
]


def flat(observation: dict) -> np.ndarray:
    return np.concatenate([observation["observation"], observation["action_mask"].astype(np.float32)])


def test_flat_space_is_one_object_and_holds_observations():
    par = flatten_observations(ttm.parallel_env(horizon=HORIZON))
    agent = par.possible_agents[0]
    space = par.observation_space(agent)
    assert space is par.observation_space(agent) is par.observation_space(par.possible_agents[-1])
    assert space.dtype == np.float32
    n_actions = par.action_space(agent).n
    observations, _ = par.reset(seed=0)
    for obs in observations.values():
        assert space.contains(obs)
        assert mask_from_flat(obs, n_actions).dtype == np.int8
        assert mask_from_flat(obs, n_actions)[0] == 1
    assert par.step({agent: 0 for agent in par.agents})[0][agent].shape == space.shape


@pytest.mark.parametrize("config", CONFIGS)
def test_parameter_sharing_vector_env(config):
    """Vectorized copies match plain parallel envs driven with the same actions, through autoresets."""
    par = flatten_observations(ttm.parallel_env(config=config))
    n_agents = len(par.possible_agents)
    n_actions = par.action_space(par.possible_agents[0]).n
    vec = ss.pettingzoo_env_to_vec_env_v1(par)
    vec = ss.concat_vec_envs_v1(vec, num_vec_envs=COPIES, num_cpus=0, base_class="gymnasium")
    assert vec.num_envs == n_agents * COPIES
    # SuperSuit resets copy i with seed + i, and later episodes with reset() (no seed):
    # mirror that with plain envs to know what each row must hold.
    mirrors = [ttm.parallel_env(config=config) for _ in range(COPIES)]
    expected = [mirror.reset(seed=5 + i)[0] for i, mirror in enumerate(mirrors)]

    observations, infos = vec.reset(seed=5)
    rng = np.random.default_rng(0)
    truncation_steps = []
    for step in range(1, 2 * HORIZON + 6):
        assert observations.shape == (vec.num_envs, par.observation_space("engineer_0").shape[0])
        assert observations.dtype == np.float32
        assert len(infos) == vec.num_envs
        masks = mask_from_flat(observations, n_actions)
        want = np.stack([flat(obs[agent]) for obs in expected for agent in mirrors[0].possible_agents])
        np.testing.assert_array_equal(observations, want, err_msg=f"step {step}")
        np.testing.assert_array_equal(masks, want[:, -n_actions:].astype(np.int8))
        assert (masks[:, 0] == 1).all()

        actions = random_masked_actions(rng, masks)
        observations, rewards, terminations, truncations, infos = vec.step(actions)
        assert rewards.shape == terminations.shape == truncations.shape == (vec.num_envs,)
        assert rewards.dtype == np.float32
        assert not terminations.any()

        want_rewards = []
        for copy, mirror in enumerate(mirrors):
            per_agent = actions[copy * n_agents : (copy + 1) * n_agents]
            obs, mirror_rewards, _, mirror_truncations, _ = mirror.step(
                dict(zip(mirror.agents, per_agent.tolist(), strict=True))
            )
            want_rewards.extend(mirror_rewards.values())
            assert list(mirror_truncations.values()) == truncations[copy * n_agents : (copy + 1) * n_agents].tolist()
            expected[copy] = mirror.reset()[0] if not mirror.agents else obs
        np.testing.assert_array_equal(rewards, np.array(want_rewards, dtype=np.float32))
        if truncations.all():
            truncation_steps.append(step)
            assert all("terminal_observation" in info for info in infos)
        else:
            assert not truncations.any()
    assert truncation_steps == [HORIZON, 2 * HORIZON]
    vec.close()


@pytest.mark.parametrize("config", CONFIGS)
def test_black_death_runs_through_the_episode_end(config):
    """black_death_v3 needs Box observations, and reports a truncation-only end one step late
    after sending step({}) to an env with no agents left (INTEGRATION_NOTES)."""
    par = ss.black_death_v3(flatten_observations(ttm.parallel_env(config=config)))
    n_actions = par.action_space(par.possible_agents[0]).n
    rng = np.random.default_rng(1)
    observations, _ = par.reset(seed=2)
    for _ in range(2):  # two episodes: the wrapper stack resets cleanly after the end
        steps = 0
        while par.agents:
            actions = {
                agent: random_masked_action(rng, mask_from_flat(observations[agent], n_actions)) for agent in par.agents
            }
            observations, rewards, _, truncations, _ = par.step(actions)
            steps += 1
            assert set(observations) == set(par.possible_agents)
            for agent, obs in observations.items():
                assert obs.dtype == np.float32
                assert par.observation_space(agent).contains(obs)
        assert steps == config.horizon + 1  # the extra step({}) after the truncation
        assert all(truncations.values())
        assert all(not obs.any() for obs in observations.values())  # black (all-zero) observations
        assert all(reward == 0.0 for reward in rewards.values())
        assert par.unwrapped.snapshot()["t"] == config.horizon
        observations, _ = par.reset()


def test_step_with_no_agents_after_the_end():
    par = flatten_observations(ttm.parallel_env(horizon=3))
    par.reset(seed=0)
    for _ in range(3):
        par.step(dict.fromkeys(par.agents, 0))
    assert par.agents == []
    assert par.step({}) == ({}, {}, {}, {}, {})
    with pytest.raises(RuntimeError, match="after the episode ended"):
        par.step({"engineer_0": 0})
