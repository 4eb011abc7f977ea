"""The coordinator: the team collapsed into the original description's single-agent Gymnasium env.

=====================  =====================================================
Action space           ``Discrete(1 + T*E + 4*T)``: 0 NOOP; ``1 + t*E + e``
                       ASSIGN(ticket t, engineer e); then blocks of T for
                       ESCALATE(t), REQUEST_INFO(t), DEFER(t), SWARM(t)
Observation space      ``Box(float32, (G + F*T + H*E,))``, the team groups of
                       the README's observation layout table (104 floats by
                       default, the original description's), or
                       ``Dict(global=(G,), tickets=(T, F), engineers=(E, H))``
                       with ``observation_format="dict"``
Rewards                the team reward (see :class:`~ticket_triage_marl.EnvConfig`)
Episode end            truncated at ``horizon``; never terminated
Registered as          ``gymnasium.make("TicketTriage-v0", **config_overrides)``
=====================  =====================================================

The coordinator holds no dynamics of its own. It wraps a
:class:`~ticket_triage_marl.envs.multiagent.TicketTriageParallelEnv` and drives the
same compiled simulation (its ``sim``) through the coordinator kernels, which
map one central action onto the engineers and then run the ordinary
multi-agent step. Stepping the parallel env with the per-engineer actions the
coordinator produced (:attr:`CoordinatorWrapper.last_engineer_actions`) gives
the identical trajectory.
"""

from __future__ import annotations

from typing import Any

import gymnasium
import numpy as np

from .._core.types import N_ENGINEER_FEATURES, N_GLOBAL, N_TICKET_FEATURES, team_observation_size
from ..actions import coordinator_action_count
from ..config import EnvConfig
from ..render import RENDER_MODES, render_snapshot
from .multiagent import METADATA, TicketTriageParallelEnv, parallel_env
from .spaces import check_action, check_render_mode, team_observation_bounds

__all__ = ["OBSERVATION_FORMATS", "CoordinatorWrapper", "TicketTriageEnv"]

OBSERVATION_FORMATS = ("flat", "dict")


class CoordinatorWrapper(gymnasium.Env):
    """Single-agent Gymnasium view of an existing parallel env: one central decision per step.

    Description
        An engineering support team over one shared backlog, steered by a
        coordinator (the original description's env). Each step the coordinator takes one
        action; the engineers it does not address carry on with what they were
        doing. ASSIGN(t, e) makes engineer ``e`` WORK ticket ``t`` (switching
        tickets is a context switch); SWARM(t) makes every on-shift engineer
        WORK ``t``; ESCALATE / REQUEST_INFO / DEFER(t) are done, as a side
        action, by the lowest-index engineer on shift, who keeps progressing on
        its own ticket that step. The dynamics are those of the multi-agent env
        (see :mod:`ticket_triage_marl.envs.multiagent`).

    Action Space
        ``Discrete(1 + T*E + 4*T)`` with ``T = max_tickets``, ``E =
        n_engineers`` (71 by default): ``0`` NOOP; ``1 + t*E + e``
        ASSIGN(t, e); ``1 + T*E + t`` ESCALATE(t); ``1 + T*E + T + t``
        REQUEST_INFO(t); ``1 + T*E + 2T + t`` DEFER(t); ``1 + T*E + 3T + t``
        SWARM(t). Use :func:`ticket_triage_marl.coordinator_action` and
        :func:`ticket_triage_marl.decode_coordinator_action` to convert.
        :meth:`action_masks` (read by sb3-contrib's ``MaskablePPO``) and
        ``info["action_mask"]`` give the exact validity of every action. An
        in-space action the mask forbids is applied as NOOP, flagged in
        ``info["invalid_action"]`` and costs ``r_invalid`` (default 0); an
        action outside the space raises ``ValueError``/``TypeError``.

    Observation Space
        ``Box(float32, (G + F*T + H*E,))``, the original description's flat
        layout (104 floats by default): global (G) · tickets (T x F, slot
        order) · engineers (E x H), the groups of the observation layout
        table (``ticket_triage_marl._core.features``, printed in the README),
        which gives each field's scale and bounds. These are the first
        ``G + F*T + H*E`` entries of every engineer's multi-agent observation,
        with the same bounds. ``observation_format="dict"`` gives
        ``Dict(global=Box((G,)), tickets=Box((T, F)), engineers=Box((E, H)))``
        with the same values.

    Rewards
        The team reward: +``r_resolve`` per resolved ticket, ``r_sla_breach``
        once per ticket when its deadline passes, ``r_idle`` per on-shift
        engineer making no progress while a workable ticket exists,
        ``r_context_switch`` per switch, the costs of ESCALATE / REQUEST_INFO /
        DEFER and ``r_swarm`` per SWARM. ``info["reward_breakdown"]`` gives
        each component; they sum to the reward.

    Episode End
        ``truncated`` is True at step ``horizon`` (200 by default);
        ``terminated`` is always False (the support queue never "wins").
        Stepping after the end, or before :meth:`reset`, raises
        ``RuntimeError``.

    Info
        ``action_mask`` (bool array), ``backlog_count`` (open + queued
        tickets), ``total_resolved``, ``total_breaches``, ``reward_breakdown``
        (component -> value), ``invalid_action`` (0/1), ``t``.

    Version History
        v0: first release. Differs from the original implementation in that a
        breach is charged once when the deadline passes (``r_overdue``,
        default 0, adds a per-step cost per overdue ticket) and episodes run
        to the horizon instead of ending after 30 arrivals.

    Args:
        par_env: the :class:`TicketTriageParallelEnv` to drive. The wrapper
            owns it from now on: do not step it directly while the coordinator
            is in use.
        observation_format: ``"flat"`` (default) or ``"dict"``.
    """

    metadata: dict[str, Any] = {"render_modes": RENDER_MODES, "render_fps": METADATA["render_fps"]}  # noqa: RUF012 -- an instance attribute in Gymnasium's Env: a ClassVar would conflict with it (mypy)

    def __init__(self, par_env: TicketTriageParallelEnv, observation_format: str = "flat") -> None:
        base = getattr(par_env, "unwrapped", par_env)
        if not isinstance(base, TicketTriageParallelEnv):
            raise TypeError(
                f"CoordinatorWrapper needs a TicketTriageParallelEnv (from ticket_triage_marl.parallel_env()), "
                f"got {type(par_env).__name__}"
            )
        if observation_format not in OBSERVATION_FORMATS:
            raise ValueError(f"observation_format must be one of {OBSERVATION_FORMATS}, got {observation_format!r}")
        self.parallel = base
        self.sim = base.sim
        self.render_mode = check_render_mode(base.render_mode)
        self.observation_format = observation_format
        config = base.config
        self._n_actions = coordinator_action_count(config)
        self._team_size = team_observation_size(config)
        self._ticket_end = N_GLOBAL + config.max_tickets * N_TICKET_FEATURES
        self._engineer_end = self._ticket_end + config.n_engineers * N_ENGINEER_FEATURES
        low, high = team_observation_bounds(config)
        self.action_space = gymnasium.spaces.Discrete(self._n_actions)
        if observation_format == "flat":
            self.observation_space = gymnasium.spaces.Box(low=low, high=high, dtype=np.float32)
        else:
            t_slots, n_engineers = config.max_tickets, config.n_engineers
            self.observation_space = gymnasium.spaces.Dict(
                {
                    "global": gymnasium.spaces.Box(low=low[:N_GLOBAL], high=high[:N_GLOBAL], dtype=np.float32),
                    "tickets": gymnasium.spaces.Box(
                        low=low[N_GLOBAL : self._ticket_end].reshape(t_slots, N_TICKET_FEATURES),
                        high=high[N_GLOBAL : self._ticket_end].reshape(t_slots, N_TICKET_FEATURES),
                        dtype=np.float32,
                    ),
                    "engineers": gymnasium.spaces.Box(
                        low=0.0, high=1.0, shape=(n_engineers, N_ENGINEER_FEATURES), dtype=np.float32
                    ),
                }
            )
            if self._team_size > self._engineer_end:  # the fields of the mechanics on, flat, in layout order
                self.observation_space["mechanics"] = gymnasium.spaces.Box(
                    low=low[self._engineer_end :], high=high[self._engineer_end :], dtype=np.float32
                )
        self._has_reset = False
        self._done = False

    # -- properties -------------------------------------------------------------
    @property
    def config(self) -> EnvConfig:
        """The :class:`EnvConfig` this env runs."""
        return self.parallel.config

    @property
    def last_engineer_actions(self) -> np.ndarray:
        """Per-engineer actions (int64, shape ``(E,)``) the last coordinator action was mapped to.

        Stepping the parallel env with these gives the same trajectory (the
        coordinator only adds the ``r_swarm`` and ``r_invalid`` costs).
        """
        return self.sim.engineer_actions[0].copy()

    # -- Gymnasium API ------------------------------------------------------------
    def reset(self, *, seed: int | None = None, options: dict[str, Any] | None = None):
        """Start an episode. A ``seed`` restarts the random stream; without one
        the next episode of the same stream starts (Gymnasium's convention).
        ``options`` is accepted and ignored."""
        super().reset(seed=seed)
        self.parallel.reset(seed=seed)  # observes the coordinator view too, outputs cleared
        self._has_reset = True
        self._done = False
        if self.render_mode == "human":
            self.render()
        return self._observation(), self._info()

    def step(self, action: Any):
        """Apply one coordinator action and advance the clock by one step."""
        if not self._has_reset:
            raise RuntimeError("step() called before reset(); call reset() first")
        if self._done:
            raise RuntimeError(
                f"step() called after the episode ended (truncated at t={self.sim.t(0)}, horizon "
                f"{self.config.horizon}); call reset() to start the next episode"
            )
        self.sim.coordinator_step(0, check_action("the coordinator", action, self._n_actions))
        truncated = self.sim.t(0) >= self.config.horizon
        if truncated:
            self._done = True
            self.parallel.end_episode()  # keep the wrapped env's view consistent: its episode is over too
        if self.render_mode == "human":
            self.render()
        return self._observation(), float(self.sim.team_rewards[0]), False, truncated, self._info()

    def action_masks(self) -> np.ndarray:
        """Exact validity of every action (bool, shape ``(n_actions,)``), as sb3-contrib's MaskablePPO expects."""
        self._require_reset("action_masks()")
        return self.sim.coordinator_masks[0].astype(bool)

    def render(self) -> Any:  # str | np.ndarray | None; Any: Gymnasium 1.2 and 1.4 type Env.render differently
        """``"ansi"``: the original description's text; ``"human"``: print it; ``"rgb_array"``: an ``H x W x 3`` uint8 image."""
        if self.render_mode is None:
            gymnasium.logger.warn("render() called without a render_mode; pass render_mode= to the constructor")
            return None
        self._require_reset("render()")
        return render_snapshot(self.render_mode, self.sim.snapshot(0), self.config.max_tickets, self.config.work_mean)

    def snapshot(self, waiting_lists: bool = True, hidden: bool = True) -> dict:
        """The full raw state as plain JSON-able Python (its keys: ``ticket_triage_marl/_core/sim.py``
        ``BatchSim.snapshot``): what the agents may see, and under ``"hidden"`` what only the simulator knows
        (``hidden=False`` leaves it out, as policies and planners do); ``waiting_lists=False`` leaves out the
        queue and awaiting lists (see
        :meth:`TicketTriageParallelEnv.snapshot <ticket_triage_marl.envs.multiagent.TicketTriageParallelEnv.snapshot>`)."""
        self._require_reset("snapshot()")
        return self.sim.snapshot(0, waiting_lists, hidden)

    def closed_tickets(self) -> list[dict[str, int]]:
        """The lifecycle of each ticket the last step resolved (see :meth:`TicketTriageParallelEnv.closed_tickets
        <ticket_triage_marl.envs.multiagent.TicketTriageParallelEnv.closed_tickets>`)."""
        self._require_reset("closed_tickets()")
        return self.sim.closed(0)

    def close(self) -> None:
        self.parallel.close()

    def clone_state(self) -> dict[str, Any]:
        """A checkpoint of the env (see :meth:`TicketTriageParallelEnv.clone_state
        <ticket_triage_marl.envs.multiagent.TicketTriageParallelEnv.clone_state>`): picklable,
        independent of this env; restoring it and replaying the same actions
        reproduces the trajectory bit for bit."""
        self._require_reset("clone_state()")
        return {"env": "CoordinatorWrapper", "parallel": self.parallel.clone_state(), "done": self._done}

    def restore_state(self, state: dict[str, Any], future_seed: int | None = None) -> None:
        """Make this env's state the checkpoint's; ``ValueError`` if it is of another env type or config.

        ``future_seed``: a new random future instead of the checkpoint's true one, the same for the same
        seed (README, "Checkpoints and planning": what is redrawn and what is kept)."""
        if not isinstance(state, dict) or state.get("env") != "CoordinatorWrapper":
            got = state.get("env") if isinstance(state, dict) else type(state).__name__
            raise ValueError(f"a checkpoint of {got!r} cannot be restored into a coordinator env")
        self.parallel.restore_state(state["parallel"], future_seed)
        self._done = bool(state["done"])
        self._has_reset = True

    # -- helpers -----------------------------------------------------------------
    def _require_reset(self, what: str) -> None:
        if not self._has_reset:
            raise RuntimeError(f"{what} called before reset(); call reset() first")

    def _observation(self) -> np.ndarray | dict[str, np.ndarray]:
        flat = self.sim.coordinator_observations[0].copy()
        if self.observation_format == "flat":
            return flat
        config = self.config
        view = {
            "global": flat[:N_GLOBAL],
            "tickets": flat[N_GLOBAL : self._ticket_end].reshape(config.max_tickets, N_TICKET_FEATURES),
            "engineers": flat[self._ticket_end : self._engineer_end].reshape(config.n_engineers, N_ENGINEER_FEATURES),
        }
        if self._team_size > self._engineer_end:
            view["mechanics"] = flat[self._engineer_end : self._team_size]
        return view

    def _info(self) -> dict[str, Any]:
        counters = self.sim.counters(0)
        return {
            "action_mask": self.sim.coordinator_masks[0].astype(bool),
            "backlog_count": self.sim.backlog(0),
            "total_resolved": counters["resolved"],
            "total_breaches": counters["breaches"],
            "reward_breakdown": self.sim.team_reward_breakdown(0),
            "invalid_action": int(self.sim.coordinator_invalid[0]),
            "t": self.sim.t(0),
        }

    def __repr__(self) -> str:
        config = self.config
        return (
            f"<{type(self).__name__} {config.name!r} engineers={config.n_engineers} "
            f"tickets={config.max_tickets} horizon={config.horizon}>"
        )


class TicketTriageEnv(CoordinatorWrapper):
    """The original description's single-agent env: :class:`CoordinatorWrapper` over a fresh parallel env.

    ``TicketTriageEnv()``, ``TicketTriageEnv(cfg)`` (positional, as the original description's
    README), ``TicketTriageEnv(config=cfg, render_mode="ansi")`` and
    ``TicketTriageEnv(n_engineers=5)`` (keyword overrides of config fields) all
    work; ``gymnasium.make("TicketTriage-v0", **overrides)`` builds it too.
    See :class:`CoordinatorWrapper` for the spaces, rewards and episode end.

    Args:
        config: an :class:`EnvConfig`, a dict of fields, or None (defaults).
        render_mode: None, ``"human"``, ``"ansi"`` or ``"rgb_array"``.
        observation_format: ``"flat"`` (default) or ``"dict"``.
        **overrides: config fields to change.
    """

    def __init__(
        self,
        config: EnvConfig | None = None,
        render_mode: str | None = None,
        observation_format: str = "flat",
        **overrides: Any,
    ) -> None:
        super().__init__(
            parallel_env(config=config, render_mode=render_mode, **overrides), observation_format=observation_format
        )
