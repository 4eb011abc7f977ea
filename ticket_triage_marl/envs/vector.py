"""The batched engine: N environments stepped by the compiled kernels in one call.

Two views over the same :class:`~ticket_triage_marl._core.sim.BatchSim`:

- :class:`VectorTicketTriage`, the multi-agent batch: actions ``(N, E)``,
  observations ``(N, E, D)``, masks ``(N, E, 1+4T)``, rewards ``(N, E)``,
  terminations / truncations ``(N,)``.
- :class:`CoordinatorVectorEnv`, a native ``gymnasium.vector.VectorEnv`` of the
  coordinator, made by ``gymnasium.make_vec("TicketTriage-v0", num_envs=N)``.

Seeding follows Gymnasium: ``reset(seed=s)`` gives environment ``i`` the seed
``s + i``; ``reset()`` without a seed starts the next episode of each
environment's stream. Auto-reset is Gymnasium's ``NEXT_STEP`` mode: the step
that ends an episode returns its last observation with ``truncated=True``; the
*next* call to ``step`` resets that environment (its actions are ignored,
its reward is 0, ``truncated`` is False) and returns the first observation of
its next episode. Only finished environments are reset, inside the same
compiled call, so auto-reset costs stay proportional to what finished.
Environment ``i`` is bit-identical to a single env reset with ``s + i`` (and
reset without a seed at each episode end) given the same actions.

The returned arrays are copies (``copy=True``, the default); with
``copy=False`` they are views into buffers that the next call overwrites.
"""

from __future__ import annotations

from typing import Any

import gymnasium
import numpy as np
from gymnasium.vector import AutoresetMode, VectorEnv
from gymnasium.vector.utils import batch_space

from .._core.layout import REWARD_NAMES
from .._core.sim import AUTORESET_NEXT_STEP, BatchSim, check_seed, draw_entropy_seed
from .._core.types import agent_action_count
from .._deprecation import renamed_names
from ..actions import coordinator_action_count
from ..config import EnvConfig, resolve_config
from .multiagent import agent_names
from .spaces import agent_spaces, check_actions, team_observation_bounds

__all__ = ["CoordinatorVectorEnv", "VectorTicketTriage"]


def _batch_seeds(seed: int | list[int] | None, num_envs: int) -> list[int | None]:
    if seed is None:
        return [None] * num_envs
    if isinstance(seed, (list, tuple, np.ndarray)):
        if len(seed) != num_envs:
            raise ValueError(f"seed list must have num_envs={num_envs} entries, got {len(seed)}")
        return [None if s is None else check_seed(s) for s in seed]
    seed = check_seed(seed)
    return [seed + index for index in range(num_envs)]


class _BatchBase:
    """Shared by both views: the sim, seeding, partial resets, counters."""

    def _setup_batch(
        self, num_envs: int, config: EnvConfig | None, seed: int | None, copy: bool, overrides: dict
    ) -> None:
        self._config = resolve_config(config, overrides)
        self.sim = BatchSim(self._config, num_envs=num_envs)
        self.num_envs = self.sim.num_envs
        self.copy = copy
        self._default_seed = seed
        self._has_reset = False

    @property
    def config(self) -> EnvConfig:
        return self._config

    def _seed_all(self, seed: int | list[int] | None) -> None:
        if seed is None and not self._has_reset:
            seed = self._default_seed if self._default_seed is not None else draw_entropy_seed() % 2**62
        for index, env_seed in enumerate(_batch_seeds(seed, self.num_envs)):
            self.sim.set_seed(index, env_seed)

    def _require_reset(self) -> None:
        if not self._has_reset:
            raise RuntimeError("step() called before reset(); call reset() first")

    def _out(self, array: np.ndarray) -> np.ndarray:
        return array.copy() if self.copy else array

    def state_nbytes(self) -> int:
        """Bytes of the batch's state (every array of the engine's records, outputs included)."""
        return self.sim.nbytes()

    def counters(self) -> dict[str, np.ndarray]:
        """Episode counters of every environment, arrays of shape (N,)."""
        return self.sim.counters_all()

    def backlog(self) -> np.ndarray:
        """Open plus queued tickets per environment, shape (N,)."""
        return self.sim.backlog_all()

    def clone_state(self) -> dict[str, Any]:
        """A checkpoint of the whole batch: picklable, independent of this env;
        restoring it (into this env or a new one of the same config and
        ``num_envs``) and replaying the same actions reproduces every trajectory."""
        self._require_reset()
        return {"env": type(self).__name__, "sim": self.sim.clone_state()}

    def restore_state(self, state: dict[str, Any], future_seed: int | None = None) -> None:
        """Make the batch's state the checkpoint's; ``ValueError`` if it is of another env type, config or size.
        ``future_seed``: every environment gets a new random future (its own: the seed is hashed with each
        environment's index), as the single envs' ``restore_state``."""
        if not isinstance(state, dict) or state.get("env") != type(self).__name__:
            got = state.get("env") if isinstance(state, dict) else type(state).__name__
            raise ValueError(f"a checkpoint of {got!r} cannot be restored into a {type(self).__name__}")
        self.sim.restore_state(state["sim"], future_seed)
        self._has_reset = True

    def snapshot(self, index: int, hidden: bool = True) -> dict:
        """The full raw state of environment ``index`` (its keys: ``BatchSim.snapshot`` in ``_core/sim.py``)."""
        self._require_reset()
        return self.sim.snapshot(index, hidden=hidden)


class VectorTicketTriage(_BatchBase):
    """``num_envs`` independent multi-agent environments, stepped in one compiled call.

    Args:
        num_envs: number of environments N.
        config: an :class:`EnvConfig` (None = defaults); keyword overrides allowed.
        seed: seed used by the first ``reset()`` if it is given none.
        copy: return copies (default) or views of the internal buffers.

    Shapes: observations ``(N, E, D)`` float32; ``infos["action_mask"]``
    ``(N, E, 1+4T)`` int8; actions ``(N, E)`` ints; rewards ``(N, E)`` float64;
    terminations and truncations ``(N,)`` bool; ``infos["reward_breakdown"]``
    ``(N, E, K)`` with ``K`` components named in ``reward_names``.
    """

    reward_names = REWARD_NAMES

    def __init__(
        self,
        num_envs: int = 1,
        config: EnvConfig | None = None,
        seed: int | None = None,
        copy: bool = True,
        **overrides: Any,
    ) -> None:
        self._setup_batch(num_envs, config, seed, copy, overrides)
        spaces = agent_spaces(self._config)
        self.possible_agents = agent_names(self._config.n_engineers)
        self.single_observation_space = spaces.observation
        self.single_action_space = spaces.action
        self.state_space = spaces.state
        self._actions = np.zeros((self.num_envs, self._config.n_engineers), dtype=np.int64)

    def reset(self, seed: int | list[int] | None = None, options: dict | None = None) -> tuple[np.ndarray, dict]:
        """Reset every environment (seeds ``s + i``), returns ``(observations, infos)``."""
        self._seed_all(seed)
        self._has_reset = True
        self.sim.reset_many(np.ones(self.num_envs, dtype=np.bool_))
        return self._out(self.sim.observations), self._infos()

    def reset_at(self, index: int, seed: int | None = None) -> None:
        """Reset environment ``index`` alone (next episode of its stream, or ``seed``)."""
        self._require_reset()
        self.sim.reset(index, seed)

    def step(self, actions: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray, dict]:
        """Step every environment with ``actions`` of shape ``(N, E)`` (next-step auto-reset)."""
        self._require_reset()
        actions = check_actions(actions, self._actions.shape, agent_action_count(self._config))
        resetting = self.sim.done.copy()
        self.sim.step_all(actions, AUTORESET_NEXT_STEP)
        rewards = self._out(self.sim.rewards)
        truncations = self.sim.done.copy()
        terminations = np.zeros(self.num_envs, dtype=np.bool_)
        infos = self._infos()
        infos["_reset"] = resetting
        return self._out(self.sim.observations), rewards, terminations, truncations, infos

    def action_masks(self) -> np.ndarray:
        """Current action masks, ``(N, E, 1+4T)`` bool."""
        return self.sim.masks.astype(np.bool_)

    def _infos(self) -> dict[str, Any]:
        return {
            "action_mask": self._out(self.sim.masks),
            "reward_breakdown": self._out(self.sim.reward_parts),
            "invalid_action": self.sim.invalid_actions.astype(np.bool_),
            "t": self.sim.steps(),
        }

    def state(self, index: int) -> np.ndarray:
        """Centralized state of environment ``index``."""
        self._require_reset()
        return self.sim.state_vector(index)


class CoordinatorVectorEnv(_BatchBase, VectorEnv):
    """Native Gymnasium ``VectorEnv`` of the coordinator over the batched engine.

    ``gymnasium.make_vec("TicketTriage-v0", num_envs=N, **overrides)`` builds it.
    Observations ``(N, G+F*T+H*E)`` float32 (the coordinator's flat layout), actions
    ``(N,)``, rewards ``(N,)`` float64 (team reward), ``action_masks()``
    ``(N, 1+T*E+4T)`` bool, also in ``infos["action_mask"]``. Auto-reset mode:
    :attr:`gymnasium.vector.AutoresetMode.NEXT_STEP`.
    """

    metadata: dict[str, Any] = {"autoreset_mode": AutoresetMode.NEXT_STEP, "render_modes": []}  # noqa: RUF012 -- an instance attribute in Gymnasium's VectorEnv: a ClassVar would conflict with it (mypy)

    def __init__(
        self,
        num_envs: int = 1,
        config: EnvConfig | None = None,
        seed: int | None = None,
        copy: bool = True,
        observation_format: str = "flat",
        render_mode: str | None = None,
        **overrides: Any,
    ) -> None:
        if observation_format != "flat":
            raise ValueError("the vector coordinator supports observation_format='flat' only")
        if render_mode is not None:
            raise ValueError("the vector coordinator does not render; use TicketTriageEnv(render_mode=...) per env")
        self._setup_batch(num_envs, config, seed, copy, overrides)
        low, high = team_observation_bounds(self._config)
        self.single_observation_space = gymnasium.spaces.Box(low=low, high=high, dtype=np.float32)
        self.single_action_space: gymnasium.spaces.Discrete = gymnasium.spaces.Discrete(
            coordinator_action_count(self._config)
        )
        self.observation_space = batch_space(self.single_observation_space, self.num_envs)
        self.action_space = batch_space(self.single_action_space, self.num_envs)
        self.render_mode = None
        self._actions = np.zeros(self.num_envs, dtype=np.int64)

    def reset(self, *, seed: int | list[int] | None = None, options: dict | None = None) -> tuple[np.ndarray, dict]:
        self._seed_all(seed)
        self._has_reset = True
        self.sim.reset_many(np.ones(self.num_envs, dtype=np.bool_))
        return self._out(self.sim.coordinator_observations), self._infos()

    def step(self, actions: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray, dict]:
        self._require_reset()
        actions = check_actions(actions, self._actions.shape, self.single_action_space.n)
        self.sim.coordinator_step_all(actions, AUTORESET_NEXT_STEP)
        truncations = self.sim.done.copy()
        terminations = np.zeros(self.num_envs, dtype=np.bool_)
        return (
            self._out(self.sim.coordinator_observations),
            self._out(self.sim.team_rewards),
            terminations,
            truncations,
            self._infos(),
        )

    def action_masks(self) -> np.ndarray:
        """Exact coordinator masks, ``(N, 1+T*E+4T)`` bool (sb3-contrib reads this)."""
        return self.sim.coordinator_masks.astype(np.bool_)

    def _infos(self) -> dict[str, Any]:
        counters = self.sim.counters_all()
        return {
            "action_mask": self.sim.coordinator_masks.astype(np.bool_),
            "backlog_count": self.backlog(),
            "total_resolved": counters["resolved"],
            "total_breaches": counters["breaches"],
            "invalid_action": self.sim.coordinator_invalid.copy(),
            "t": self.sim.steps(),
        }

    def close_extras(self, **kwargs: Any) -> None:
        pass


_RENAMED_WARNING = (
    "TicketTriageVectorEnv is renamed CoordinatorVectorEnv (the coordinator's vector env; VectorTicketTriage "
    "is the multi-agent one); this alias goes in the next release"
)


__getattr__ = renamed_names(__name__, globals(), {"TicketTriageVectorEnv": "CoordinatorVectorEnv"}, _RENAMED_WARNING)
