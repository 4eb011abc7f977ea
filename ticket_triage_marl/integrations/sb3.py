"""Stable-Baselines3 adapters: the batched coordinator, and parameter sharing through SuperSuit.

Importing this module imports ``stable_baselines3`` (hence torch); without
them it raises :class:`~ticket_triage_marl.integrations.MissingExtraError`
with the install command.

Two ``VecEnv``\\ s, both with SB3's conventions: ``reset()`` returns the
observations only, ``step()`` returns ``(obs, rewards, dones, infos)`` with a
list of per-env info dicts, and an environment that finishes is reset *in
the same step*: its ``infos[i]["terminal_observation"]`` holds the last
observation, ``infos[i]["TimeLimit.truncated"]`` is True (episodes here only
ever end at the horizon, so PPO bootstraps from the terminal observation),
and ``obs[i]`` is already the first observation of its next episode. Both
give ``action_masks()`` ``(num_envs, n_actions)`` bool, which sb3-contrib's
``MaskablePPO`` reads through ``env_method("action_masks")``, and both can be
seeded by ``PPO(seed=...)``.

- :func:`make_sb3_vec_env` / :class:`CoordinatorSB3VecEnv`: N coordinator
  envs (:class:`~ticket_triage_marl.TicketTriageEnv`) stepped by the batched
  engine in one compiled call per step.
- :func:`make_parameter_sharing_vec_env` / :class:`SuperSuitVecEnv`: every
  engineer of every copy of the multi-agent env is one row of the batch, so
  one policy is shared by all engineers; timesteps count engineer-steps.
"""

from __future__ import annotations

import time
from collections.abc import Iterable, Sequence
from typing import Any

import numpy as np

from . import require

_vec_env = require("stable_baselines3.common.vec_env", "ticket_triage_marl.integrations.sb3")
VecEnv: Any = _vec_env.VecEnv  # SB3's classes: Any to the type checker (an optional extra, see pyproject)
VecEnvWrapper: Any = _vec_env.VecEnvWrapper

import supersuit  # noqa: E402  (a core dependency, but only needed once SB3 is there)

from .._core.sim import AUTORESET_SAME_STEP  # noqa: E402
from ..config import EnvConfig  # noqa: E402
from ..envs.multiagent import parallel_env  # noqa: E402
from ..envs.spaces import check_actions  # noqa: E402
from ..envs.vector import CoordinatorVectorEnv  # noqa: E402
from ..envs.wrappers import flatten_observations, mask_from_flat  # noqa: E402

__all__ = ["CoordinatorSB3VecEnv", "SuperSuitVecEnv", "make_parameter_sharing_vec_env", "make_sb3_vec_env"]


def _index_list(indices: int | Iterable[int] | None, num_envs: int) -> list[int]:
    if indices is None:
        return list(range(num_envs))
    if isinstance(indices, (int, np.integer)):
        return [int(indices)]
    return [int(index) for index in indices]


def without_continuations(masks: np.ndarray, current_slots: np.ndarray) -> np.ndarray:
    """Coordinator masks ``(N, n_actions)`` with ASSIGN(t, e) switched off wherever engineer ``e`` already works
    ticket ``t`` (``current_slots``: ``(N, E)``, -1 for none). Such an ASSIGN is allowed (WORK on one's own ticket
    means "continue") but does exactly what NOOP does; on a large team most allowed actions are such
    continuations, and a learner can spend every decision on them while engineers sit idle. NOOP stays allowed.
    """
    pruned = np.array(masks, dtype=np.bool_, copy=True)
    n_engineers = current_slots.shape[1]
    rows, engineers = np.nonzero(current_slots >= 0)
    pruned[rows, 1 + current_slots[rows, engineers] * n_engineers + engineers] = False
    return pruned


def current_slots(sim: Any) -> np.ndarray:
    """Each engineer's current ticket slot (-1: none), ``(N, E)``, from a batched engine's state."""
    from .._core.layout import CURRENT_SLOT

    return np.asarray(sim.state.engineer_i[:, :, CURRENT_SLOT], dtype=np.int64)


class CoordinatorSB3VecEnv(VecEnv):
    """SB3 ``VecEnv`` of ``num_envs`` coordinator envs over the batched engine.

    Environment ``i`` is a :class:`~ticket_triage_marl.TicketTriageEnv` reset
    with seed ``seed + i`` (or with the seeds set by :meth:`seed`, which
    ``PPO(seed=s)`` calls: ``s + i``) and reset without a seed at each
    episode end; given the same actions its observations, rewards and
    counters are bit-identical to that single env's.

    Same-step reset, how: the engine's own ``CoordinatorVectorEnv.step`` resets
    finished envs on the *next* call (Gymnasium's NEXT_STEP mode). This
    adapter asks the engine for SB3's mode instead
    (``sim.coordinator_step_all(actions, AUTORESET_SAME_STEP)``, one compiled
    call): an env that finishes starts its next episode of the same stream in
    that same call, and the engine keeps its final observation and counters
    (``sim.final_coordinator_observations``, ``sim.counters_all(final=True)``).

    ``infos`` are empty dicts except at an episode end, where they hold
    ``terminal_observation``, ``TimeLimit.truncated`` (True),
    ``episode`` (``{"r": return, "l": length, "t": seconds since
    construction}``, as SB3's ``Monitor`` writes it, so ``ep_rew_mean`` is
    logged without a ``VecMonitor``), ``total_resolved`` and
    ``total_breaches``.

    Args:
        num_envs: number of environments N.
        config: an :class:`~ticket_triage_marl.EnvConfig`, or None (defaults).
        seed: seed of the first reset if :meth:`seed` was not called.
        prune_continuations: :meth:`action_masks` leaves out the ASSIGNs that only continue an engineer's own
            ticket (:func:`without_continuations`), a set-up for learning; the env itself is unchanged.
        **overrides: config fields to change.
    """

    def __init__(
        self,
        num_envs: int,
        config: EnvConfig | None = None,
        seed: int | None = 0,
        prune_continuations: bool = False,
        **overrides: Any,
    ) -> None:
        self.prune_continuations = bool(prune_continuations)
        self.vec = CoordinatorVectorEnv(num_envs=num_envs, config=config, seed=seed, **overrides)
        self.sim = self.vec.sim
        self.render_mode = None
        super().__init__(self.vec.num_envs, self.vec.single_observation_space, self.vec.single_action_space)
        self.n_actions = int(self.action_space.n)
        self._actions = np.zeros(self.num_envs, dtype=np.int64)
        self._pending_actions: np.ndarray | None = None
        self._episode_returns = np.zeros(self.num_envs, dtype=np.float64)
        self._episode_lengths = np.zeros(self.num_envs, dtype=np.int64)
        self._start_time = time.time()
        self._has_reset = False

    @property
    def config(self) -> EnvConfig:
        """The :class:`~ticket_triage_marl.EnvConfig` every environment runs."""
        return self.vec.config

    # -- the VecEnv protocol ---------------------------------------------------------
    def reset(self) -> np.ndarray:
        """Reset every environment; returns observations ``(N, D)`` float32.

        Uses the seeds of :meth:`seed` if it was called since the last reset
        (env ``i`` gets ``s + i``), else the constructor's seed on the first
        reset and the next episode of each stream afterwards.
        """
        seeds = None if all(seed is None for seed in self._seeds) else list(self._seeds)
        observations, _ = self.vec.reset(seed=seeds)
        self._reset_seeds()
        self._reset_options()
        self.reset_infos: list[dict[str, Any]] = [{} for _ in range(self.num_envs)]
        self._episode_returns[:] = 0.0
        self._episode_lengths[:] = 0
        self._has_reset = True
        return observations

    def step_async(self, actions: np.ndarray) -> None:
        self._pending_actions = actions

    def step_wait(self) -> tuple[np.ndarray, np.ndarray, np.ndarray, list[dict[str, Any]]]:
        if not self._has_reset:
            raise RuntimeError("step() called before reset(); call reset() first")
        if self._pending_actions is None:
            raise RuntimeError("step_wait() called without step_async(actions)")
        actions = np.asarray(self._pending_actions)
        self._pending_actions = None
        if actions.size != self.num_envs:
            raise ValueError(f"actions must have {self.num_envs} entries (one per env), got shape {actions.shape}")
        actions = check_actions(actions.reshape(self.num_envs), (self.num_envs,), self.n_actions)
        self._actions[:] = actions.reshape(self.num_envs)

        sim = self.sim
        sim.coordinator_step_all(self._actions, AUTORESET_SAME_STEP)
        observations = sim.coordinator_observations.copy()
        rewards = sim.team_rewards.astype(np.float32)
        self._episode_returns += sim.team_rewards
        self._episode_lengths += 1
        dones = sim.done.copy()
        infos: list[dict[str, Any]] = [{} for _ in range(self.num_envs)]
        if dones.any():
            elapsed = round(time.time() - self._start_time, 6)
            final = sim.counters_all(final=True)
            for index in np.flatnonzero(dones):
                infos[index] = {
                    "terminal_observation": sim.final_coordinator_observations[index].copy(),
                    "TimeLimit.truncated": True,  # the horizon is the only end: never terminated
                    "episode": {
                        "r": float(self._episode_returns[index]),
                        "l": int(self._episode_lengths[index]),
                        "t": elapsed,
                    },
                    "total_resolved": int(final["resolved"][index]),
                    "total_breaches": int(final["breaches"][index]),
                }
            self._episode_returns[dones] = 0.0
            self._episode_lengths[dones] = 0
        return observations, rewards, dones, infos

    def action_masks(self) -> np.ndarray:
        """Exact masks of every environment, ``(N, n_actions)`` bool, for the current observations."""
        if not self._has_reset:
            raise RuntimeError("action_masks() called before reset(); call reset() first")
        masks = self.sim.coordinator_masks.astype(np.bool_)
        return without_continuations(masks, current_slots(self.sim)) if self.prune_continuations else masks

    def close(self) -> None:
        self.vec.close()

    def env_method(self, method_name: str, *method_args: Any, indices: Any = None, **method_kwargs: Any) -> Any:
        """Per-environment methods: ``action_masks`` and ``snapshot``.

        ``env_method("action_masks")`` returns one ``(len(indices), n_actions)``
        bool array (a sequence of per-env masks, which is what sb3-contrib
        stacks), built in one operation rather than N calls.
        """
        selected = _index_list(indices, self.num_envs)
        if method_name == "action_masks":
            masks = self.action_masks(*method_args, **method_kwargs)
            return masks if indices is None else masks[selected]
        if method_name == "snapshot":
            return [self.vec.snapshot(index) for index in selected]
        raise AttributeError(
            f"{type(self).__name__} has no per-environment method {method_name!r}; "
            "available: 'action_masks', 'snapshot'"
        )

    def has_attr(self, attr_name: str) -> bool:
        return attr_name in ("action_masks", "snapshot", "render_mode") or hasattr(self.vec, attr_name)

    def get_attr(self, attr_name: str, indices: Any = None) -> list[Any]:
        """Attributes shared by every environment (``config``, ``render_mode``, ...), one entry per index."""
        selected = _index_list(indices, self.num_envs)
        if attr_name == "render_mode":
            return [None] * len(selected)
        if attr_name == "action_masks":
            return [self.action_masks] * len(selected)
        if not hasattr(self.vec, attr_name):
            raise AttributeError(f"the coordinator envs have no attribute {attr_name!r}")
        return [getattr(self.vec, attr_name)] * len(selected)

    def set_attr(self, attr_name: str, value: Any, indices: Any = None) -> None:
        """Set an attribute of the batched engine; it is shared, so only for all environments at once."""
        if sorted(_index_list(indices, self.num_envs)) != list(range(self.num_envs)):
            raise ValueError("the environments share one engine: set_attr works on all of them at once only")
        setattr(self.vec, attr_name, value)

    def env_is_wrapped(self, wrapper_class: type, indices: Any = None) -> list[bool]:
        return [False] * len(_index_list(indices, self.num_envs))

    def get_images(self) -> Sequence[np.ndarray | None]:
        raise NotImplementedError("the batched coordinator does not render; use TicketTriageEnv(render_mode=...)")


def make_sb3_vec_env(
    num_envs: int,
    config: EnvConfig | None = None,
    seed: int | None = 0,
    prune_continuations: bool = False,
    **overrides: Any,
) -> CoordinatorSB3VecEnv:
    """An SB3 ``VecEnv`` of ``num_envs`` coordinator envs, stepped by the batched engine.

    Args:
        num_envs: number of environments (thousands are fine: one compiled call per step).
        config: an :class:`~ticket_triage_marl.EnvConfig`, or None (defaults).
        seed: env ``i`` starts from seed ``seed + i`` unless ``PPO(seed=...)`` reseeds it.
        prune_continuations: masks without the ASSIGNs that only continue an engineer's own ticket
            (:func:`without_continuations`).
        **overrides: config fields to change.

    Returns:
        A :class:`CoordinatorSB3VecEnv` (same-step reset, exact ``action_masks()``).
    """
    return CoordinatorSB3VecEnv(
        num_envs, config=config, seed=seed, prune_continuations=prune_continuations, **overrides
    )


class SuperSuitVecEnv(VecEnvWrapper):
    """The SuperSuit parameter-sharing vec env, completed for SB3 and sb3-contrib.

    SuperSuit's ``concat_vec_envs_v1(..., base_class="stable_baselines3")``
    returns a VecEnv without ``seed`` (so ``PPO(seed=...)`` fails) and
    without ``has_attr`` / ``env_method`` (so ``MaskablePPO`` fails), and its
    infos lack ``TimeLimit.truncated``. This wrapper adds them:

    - :meth:`seed` stores the seed for the next :meth:`reset`, which passes it
      to SuperSuit (copy ``k`` gets ``seed + k``; its engineers share it);
    - :meth:`action_masks` reads the masks from the last ``n_actions``
      entries of the flat observations
      (:func:`~ticket_triage_marl.envs.wrappers.mask_from_flat`);
    - every finished row gets ``TimeLimit.truncated`` = True (these episodes
      end only at the horizon), so PPO bootstraps from SuperSuit's
      ``terminal_observation``.

    Row ``k * E + e`` of the batch is engineer ``e`` of copy ``k``.

    Args:
        venv: what ``supersuit.concat_vec_envs_v1(..., base_class="stable_baselines3")`` returned
            over ``pettingzoo_env_to_vec_env_v1(flatten_observations(parallel_env(...)))``.
        n_actions: actions per engineer (``1 + 4T``).
        n_agents: engineers per copy.
        seed: seed of the first reset if :meth:`seed` was not called.
    """

    def __init__(self, venv: Any, n_actions: int, n_agents: int, seed: int | None = 0) -> None:
        self.n_actions = int(n_actions)
        self.n_agents = int(n_agents)
        self._next_seed = seed
        self._last_observations: np.ndarray | None = None
        super().__init__(venv)

    @property
    def _gymnasium_vec(self) -> Any:
        # SuperSuit's SB3 layer drops reset(seed=) on the floor (it calls seed() on a
        # gymnasium vector env that has none), so seeded resets go to the layer under it.
        return self.venv.venv

    def seed(self, seed: int | None = None) -> list[int | None]:
        """Seed the next reset: copy ``k`` gets ``seed + k`` (a random seed if None, as SB3 does)."""
        if seed is None:
            seed = int(np.random.default_rng().integers(0, 2**32 - 1))
        self._next_seed = int(seed)
        return [self._next_seed + index // self.n_agents for index in range(self.num_envs)]

    def reset(self) -> np.ndarray:
        observations, infos = self._gymnasium_vec.reset(seed=self._next_seed)
        self._next_seed = None
        self.venv.reset_infos = infos
        self.reset_infos = list(infos)
        self._last_observations = observations
        return observations

    def step_wait(self) -> tuple[np.ndarray, np.ndarray, np.ndarray, list[dict[str, Any]]]:
        observations, rewards, dones, infos = self.venv.step_wait()
        for index in np.flatnonzero(dones):
            infos[index]["TimeLimit.truncated"] = True  # the horizon is the only end: never terminated
        self._last_observations = observations
        return observations, rewards, dones, infos

    def action_masks(self) -> np.ndarray:
        """Masks of every row, ``(num_envs, n_actions)`` bool, read from the current observations."""
        if self._last_observations is None:
            raise RuntimeError("action_masks() called before reset(); call reset() first")
        return mask_from_flat(self._last_observations, self.n_actions).astype(np.bool_)

    def env_method(self, method_name: str, *method_args: Any, indices: Any = None, **method_kwargs: Any) -> Any:
        """``env_method("action_masks")`` (what sb3-contrib calls): one ``(len(indices), n_actions)`` array."""
        if method_name != "action_masks":
            raise AttributeError(
                f"{type(self).__name__} has no per-environment method {method_name!r}; available: 'action_masks'"
            )
        masks = self.action_masks(*method_args, **method_kwargs)
        return masks if indices is None else masks[_index_list(indices, self.num_envs)]

    def has_attr(self, attr_name: str) -> bool:
        if attr_name in ("action_masks", "render_mode"):
            return True
        try:
            self.get_attr(attr_name, indices=0)
        except AttributeError:
            return False
        return True

    def _parallel_envs(self, indices: Any) -> list[Any]:
        """The (flattened) parallel env behind each selected row."""
        copies = self._gymnasium_vec.vec_envs
        return [copies[index // self.n_agents].par_env for index in _index_list(indices, self.num_envs)]

    def get_attr(self, attr_name: str, indices: Any = None) -> list[Any]:
        """An attribute of the parallel env behind each row (``config``, ``possible_agents``, ...)."""
        selected = _index_list(indices, self.num_envs)
        if attr_name == "render_mode":
            return [self.venv.render_mode] * len(selected)
        if attr_name == "action_masks":
            return [self.action_masks] * len(selected)
        return [getattr(par, attr_name) for par in self._parallel_envs(selected)]

    def set_attr(self, attr_name: str, value: Any, indices: Any = None) -> None:
        """Set an attribute on the parallel env behind each selected row (shared by its copy's engineers)."""
        for par in {id(par): par for par in self._parallel_envs(indices)}.values():
            setattr(par, attr_name, value)

    def env_is_wrapped(self, wrapper_class: type, indices: Any = None) -> list[bool]:
        return [False] * len(_index_list(indices, self.num_envs))


def make_parameter_sharing_vec_env(
    config: EnvConfig | None = None, num_copies: int = 2, seed: int | None = 0, **overrides: Any
) -> SuperSuitVecEnv:
    """One shared policy for every engineer: SuperSuit vectorization as an SB3 ``VecEnv``.

    Builds ``supersuit.pettingzoo_env_to_vec_env_v1(flatten_observations(parallel_env(...)))``
    then ``supersuit.concat_vec_envs_v1(..., num_vec_envs=num_copies, num_cpus=0,
    base_class="stable_baselines3")`` and wraps it in :class:`SuperSuitVecEnv`.

    Observations are each engineer's features, its one-hot and its action mask
    (float32, ``D + 1 + 4T``); ``num_envs`` is engineers × copies, so SB3's
    timesteps count engineer-steps. With ``reward_mode="team"`` (default)
    every engineer receives the team reward.

    Args:
        config: an :class:`~ticket_triage_marl.EnvConfig`, or None (defaults).
        num_copies: independent copies of the multi-agent env (stepped in turn, in this process).
        seed: copy ``k`` starts from seed ``seed + k`` unless ``PPO(seed=...)`` reseeds it.
        **overrides: config fields to change.
    """
    if isinstance(num_copies, bool) or not isinstance(num_copies, (int, np.integer)) or num_copies < 1:
        raise ValueError(f"num_copies must be an int >= 1, got {num_copies!r}")
    par = flatten_observations(parallel_env(config=config, **overrides))
    vec = supersuit.pettingzoo_env_to_vec_env_v1(par)
    vec = supersuit.concat_vec_envs_v1(vec, num_vec_envs=int(num_copies), num_cpus=0, base_class="stable_baselines3")
    return SuperSuitVecEnv(vec, n_actions=par.n_actions, n_agents=len(par.possible_agents), seed=seed)
