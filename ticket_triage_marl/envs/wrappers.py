"""Wrappers over the PettingZoo envs for libraries that want flat Box observations.

SuperSuit's ``black_death_v3`` and ``flatten_v0``, and most parameter-sharing
training code, accept only ``Box`` observations. :func:`flatten_observations`
turns the ``{"observation", "action_mask"}`` dict into one float32 vector with
the mask last, so a masking policy can still recover it::

    import supersuit as ss
    import ticket_triage_marl as ttm
    from ticket_triage_marl.envs.wrappers import flatten_observations, mask_from_flat

    par = flatten_observations(ttm.parallel_env())
    vec = ss.pettingzoo_env_to_vec_env_v1(par)
    vec = ss.concat_vec_envs_v1(vec, num_vec_envs=2, num_cpus=0, base_class="gymnasium")
    obs, infos = vec.reset(seed=0)
    masks = mask_from_flat(obs, par.action_space("engineer_0").n)   # (num_envs, 1+4T) int8
"""

from __future__ import annotations

from typing import Any

import gymnasium
import numpy as np
from pettingzoo import ParallelEnv
from pettingzoo.utils import BaseParallelWrapper

__all__ = ["FlatObservationWrapper", "flatten_observations", "mask_from_flat"]


def mask_from_flat(obs: np.ndarray, n_actions: int) -> np.ndarray:
    """The action mask (int8 0/1) stored in the last ``n_actions`` entries of flat observations.

    Works on one observation ``(D + n_actions,)`` or a batch ``(..., D + n_actions)``.
    """
    return np.asarray(obs)[..., -n_actions:].astype(np.int8)


class FlatObservationWrapper(BaseParallelWrapper):
    """A ParallelEnv whose observations are ``concat(observation, action_mask)`` as float32.

    The observation space of every agent is one ``Box(float32, (D + n_actions,))``
    object, built once: the bounds of the features, then ``[0, 1]`` for the mask.
    Everything else (actions, rewards, infos, ``state()``, ``snapshot()``) passes through.
    """

    def __init__(self, env: ParallelEnv) -> None:
        super().__init__(env)
        agent = env.possible_agents[0]
        features = env.observation_space(agent)["observation"]
        self.n_actions = int(env.action_space(agent).n)
        self._flat_space = gymnasium.spaces.Box(
            low=np.concatenate([features.low, np.zeros(self.n_actions, dtype=np.float32)]),
            high=np.concatenate([features.high, np.ones(self.n_actions, dtype=np.float32)]),
            dtype=np.float32,
        )
        self.observation_spaces = dict.fromkeys(env.possible_agents, self._flat_space)

    def observation_space(self, agent: str) -> gymnasium.spaces.Box:
        return self._flat_space

    @staticmethod
    def _flatten(observation: dict[str, np.ndarray]) -> np.ndarray:
        return np.concatenate([observation["observation"], observation["action_mask"].astype(np.float32)])

    def reset(self, seed: int | None = None, options: dict | None = None):
        observations, infos = self.env.reset(seed=seed, options=options)
        return {agent: self._flatten(obs) for agent, obs in observations.items()}, infos

    def step(self, actions: dict[str, Any]):
        observations, rewards, terminations, truncations, infos = self.env.step(actions)
        observations = {agent: self._flatten(obs) for agent, obs in observations.items()}
        return observations, rewards, terminations, truncations, infos


def flatten_observations(par_env: ParallelEnv) -> FlatObservationWrapper:
    """Wrap a ticket-triage ParallelEnv so that observations are one flat float32 Box.

    Args:
        par_env: a ParallelEnv with ``{"observation": Box, "action_mask": Box}``
            observations, such as ``ttm.parallel_env(...)``.

    Returns:
        A :class:`pettingzoo.utils.BaseParallelWrapper` whose observations are the
        features followed by the action mask as 0/1 floats; recover the mask with
        ``mask_from_flat(obs, n_actions)``. It accepts ``step({})`` after the end
        (as SuperSuit's ``black_death_v3`` sends) and returns empty dicts.
    """
    return FlatObservationWrapper(par_env)
