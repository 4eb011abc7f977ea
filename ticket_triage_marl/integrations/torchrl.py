"""A native batched TorchRL env over the batched engine: :class:`TicketTriageTorchRLEnv`.

=================================  ==================================================
``batch_size``                     ``(N,)``: N independent environments, one
                                   compiled call per step (no Python loop over
                                   environments or engineers)
group ``"engineer"``               every engineer, ``(N, E)`` leading dims
``("engineer", "observation")``    ``(N, E, D)`` float32, the parallel env's
``("engineer", "action_mask")``    ``(N, E, 1+4T)`` bool
``("engineer", "action")``         ``(N, E)`` int64, ``Categorical(1+4T)``
``("engineer", "reward")``         ``(N, E, 1)`` float32
``("engineer", "info",             ``(N, E, 1)`` bool: the mask forbade the action
"invalid_action")``                (applied as NOOP)
``"state"``                        ``(N, S)`` float32, the centralized state
``"done"``, ``"terminated"``,      ``(N, 1)`` bool at the root; ``truncated`` (and
``"truncated"``                    ``done``) at ``horizon``, ``terminated`` never
=================================  ==================================================

Seeding follows TorchRL and the project's vector env: ``set_seed(s)`` (or
``seed=s`` in the constructor) gives environment ``i`` the stream ``s + i``; the
next reset starts episode 0 of every stream, and each later reset of an
environment (all of them, or those TorchRL flags in ``"_reset"``) starts the
next episode of its stream. Environment ``i`` is therefore bit-identical to
``VectorTicketTriage(seed=s)``'s environment ``i`` (and to a single
``parallel_env`` reset with ``s + i``) given the same actions. There is no
auto-reset inside a step: TorchRL resets the environments that finished
(``"_reset"`` of shape ``(N, 1)``), and the others keep their current values.

Actions are written into a numpy buffer seen by torch (``torch.from_numpy``);
outputs are one copy of the engine's buffers per step, since TorchRL keeps every
step's tensors.

Install (torch first, so that pip keeps the CPU build)::

    pip install torch==2.13.0
    echo torch==2.13.0 > constraints.txt
    pip install -c constraints.txt "ticket_triage_marl[torchrl]"
"""

from __future__ import annotations

from typing import Any

import numpy as np

from . import TORCHRL_INSTALL_HINT, require

torch = require("torch", "TicketTriageTorchRLEnv", TORCHRL_INSTALL_HINT)
_tensordict = require("tensordict", "TicketTriageTorchRLEnv", TORCHRL_INSTALL_HINT)
_envs: Any = require("torchrl.envs", "TicketTriageTorchRLEnv", TORCHRL_INSTALL_HINT)  # EnvBase: an Any base
_data = require("torchrl.data", "TicketTriageTorchRLEnv", TORCHRL_INSTALL_HINT)

from .._core.sim import AUTORESET_OFF, BatchSim, check_seed, draw_entropy_seed  # noqa: E402
from .._core.types import agent_action_count  # noqa: E402
from ..config import EnvConfig, resolve_config  # noqa: E402
from ..envs.spaces import agent_spaces  # noqa: E402

TensorDict = _tensordict.TensorDict
Composite, Bounded, Categorical, Unbounded = _data.Composite, _data.Bounded, _data.Categorical, _data.Unbounded

__all__ = ["GROUP", "TORCHRL_INSTALL_HINT", "TicketTriageTorchRLEnv"]

GROUP = "engineer"


class TicketTriageTorchRLEnv(_envs.EnvBase):
    """``num_envs`` multi-agent ticket-triage environments as one batched TorchRL ``EnvBase``.

    Args:
        num_envs: N, the batch size.
        config: an :class:`~ticket_triage_marl.EnvConfig` (None = defaults).
        seed: environment ``i`` gets the stream ``seed + i`` (None: a fresh entropy seed).
        device: where the tensors live (the engine steps on the CPU).
        **overrides: config fields to change.

    Attributes:
        sim: the :class:`~ticket_triage_marl._core.sim.BatchSim` it steps.
        group_map: ``{"engineer": ["engineer_0", ...]}`` (BenchMARL's group map).
    """

    batch_locked = True

    def __init__(
        self,
        num_envs: int = 1,
        config: EnvConfig | None = None,
        seed: int | None = None,
        device: Any = "cpu",
        **overrides: Any,
    ) -> None:
        self._config = resolve_config(config, overrides)
        self.sim = BatchSim(self._config, num_envs=num_envs)
        self.num_envs = n = self.sim.num_envs
        super().__init__(device=device, batch_size=torch.Size([n]))
        n_engineers = self._config.n_engineers
        self.group_map = {GROUP: [f"engineer_{index}" for index in range(n_engineers)]}
        self._n_actions = agent_action_count(self._config)
        self._make_specs()
        # actions go in through a numpy buffer that torch sees (no copy); readings come out as one copy per step
        self._actions = np.zeros((n, n_engineers), dtype=np.int64)
        self._actions_t = torch.from_numpy(self._actions)
        self._fresh = np.zeros(n, dtype=np.bool_)  # seeded since the last reset: the next reset is episode 0
        self._set_seed(seed)

    @property
    def config(self) -> EnvConfig:
        """The :class:`~ticket_triage_marl.EnvConfig` every environment runs."""
        return self._config

    def _make_specs(self) -> None:
        n, n_engineers, n_actions = self.num_envs, self._config.n_engineers, self._n_actions
        spaces = agent_spaces(self._config)
        box = spaces.observation["observation"]
        assert box.shape is not None  # a Box
        size = box.shape[0]
        group = (n, n_engineers)

        def bounds(space: Any, shape: tuple[int, ...]) -> Any:
            low = torch.as_tensor(np.broadcast_to(space.low, shape).copy())
            high = torch.as_tensor(np.broadcast_to(space.high, shape).copy())
            return Bounded(low=low, high=high, shape=shape, dtype=torch.float32, device=self.device)

        boolean = {"n": 2, "dtype": torch.bool, "device": self.device}
        self.observation_spec = Composite(
            {
                GROUP: Composite(
                    {
                        "observation": bounds(box, (*group, size)),
                        "action_mask": Categorical(shape=(*group, n_actions), **boolean),
                        "info": Composite(
                            {"invalid_action": Categorical(shape=(*group, 1), **boolean)},
                            shape=group,
                            device=self.device,
                        ),
                    },
                    shape=group,
                    device=self.device,
                ),
                "state": bounds(spaces.state, (n, spaces.state.shape[0])),
            },
            shape=(n,),
            device=self.device,
        )
        self.action_spec = Composite(
            {
                GROUP: Composite(
                    {"action": Categorical(n=n_actions, shape=group, dtype=torch.int64, device=self.device)},
                    shape=group,
                    device=self.device,
                )
            },
            shape=(n,),
            device=self.device,
        )
        self.reward_spec = Composite(
            {
                GROUP: Composite(
                    {"reward": Unbounded(shape=(*group, 1), dtype=torch.float32, device=self.device)},
                    shape=group,
                    device=self.device,
                )
            },
            shape=(n,),
            device=self.device,
        )
        self.done_spec = Composite(
            {key: Categorical(shape=(n, 1), **boolean) for key in ("done", "terminated", "truncated")},
            shape=(n,),
            device=self.device,
        )

    # -- EnvBase -------------------------------------------------------------------------------------------------
    def _set_seed(self, seed: int | None) -> None:
        if seed is None:
            seed = draw_entropy_seed() % 2**62
        seed = check_seed(seed)
        if seed + self.num_envs - 1 > 2**64 - 1:
            raise ValueError(f"seed + num_envs - 1 must be below 2**64, got seed {seed}")
        self.sim.set_seeds(np.uint64(seed) + np.arange(self.num_envs, dtype=np.uint64))
        self._fresh[:] = True

    def _reset(self, tensordict: Any = None, **kwargs: Any) -> Any:
        which = None
        if tensordict is not None and "_reset" in tensordict.keys():
            which = tensordict.get("_reset").reshape(self.num_envs).cpu().numpy()
        if which is None:
            which = np.ones(self.num_envs, dtype=np.bool_)
        fresh = which & self._fresh
        if fresh.any():  # episode 0 of a newly seeded stream
            self.sim.reset_many(fresh)
            self._fresh &= ~fresh
        later = which & ~fresh
        if later.any():  # the next episode of its stream
            self.sim.reset_next_many(later)
        return self._output(reset=True)

    def _step(self, tensordict: Any) -> Any:
        actions = tensordict.get((GROUP, "action"))
        if actions.shape != self._actions_t.shape:
            raise ValueError(
                f"('engineer', 'action') must have shape {tuple(self._actions_t.shape)}, got {tuple(actions.shape)}"
            )
        if actions.dtype.is_floating_point or actions.dtype == torch.bool:
            raise TypeError(f"actions must be integers, got {actions.dtype}")
        if actions.numel() and (actions.min() < 0 or actions.max() >= self._n_actions):
            raise ValueError(f"actions must be in [0, {self._n_actions - 1}]")
        self._actions_t.copy_(actions)
        self.sim.step_all(self._actions, AUTORESET_OFF)
        return self._output(reset=False)

    def _output(self, reset: bool) -> Any:
        # numpy copies wrapped by torch.from_numpy: measured faster than torch's clone()/to() of the same views
        n, sim = self.num_envs, self.sim
        engineer = {
            "observation": torch.from_numpy(sim.observations.copy()),
            "action_mask": torch.from_numpy(sim.masks.astype(np.bool_)),
            "info": {"invalid_action": torch.from_numpy(sim.invalid_actions.astype(np.bool_)[..., None])},
        }
        if not reset:
            engineer["reward"] = torch.from_numpy(sim.rewards.astype(np.float32)[..., None])
        done = sim.done[:, None]
        out = TensorDict(
            {
                GROUP: TensorDict(engineer, batch_size=(n, self._config.n_engineers)),
                "state": torch.from_numpy(sim.state_vectors().copy()),
                "done": torch.from_numpy(done.copy()),
                "terminated": torch.zeros((n, 1), dtype=torch.bool),
                "truncated": torch.from_numpy(done.copy()),
            },
            batch_size=(n,),
        )
        return out if self.device == torch.device("cpu") else out.to(self.device)

    # -- the engine's readings -----------------------------------------------------------------------------------
    def snapshot(self, index: int) -> dict:
        """The full raw state of environment ``index`` (its keys: ``BatchSim.snapshot`` in ``_core/sim.py``)."""
        return self.sim.snapshot(index)

    def counters(self) -> dict[str, np.ndarray]:
        """Episode counters of every environment, arrays of shape (N,)."""
        return self.sim.counters_all()
