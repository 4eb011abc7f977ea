"""Ticket triage as a PettingZoo environment: every engineer is an agent.

=====================  =====================================================
Agents                 ``engineer_0`` ... ``engineer_{E-1}`` (fixed)
Action space           ``Discrete(1 + 4*T)``: 0 NOOP, ``1 + (verb-1)*T + slot``
                       for WORK / ESCALATE / REQUEST_INFO / DEFER
Observation space      ``Dict(observation=Box(float32, (D,)),
                       action_mask=Box(int8 0/1, (1+4T,)))``,
                       ``D = G + F*T + H*E + E`` (the README's
                       observation layout table)
State space            ``Box(float32, (S,))``: observation features plus the
                       hidden ones (ambiguity, skills, queue, ...)
Rewards                team (default) or individual, see :class:`EnvConfig`
Episode end            truncation for all agents at ``horizon``
                       (``max_cycles``); never terminated
=====================  =====================================================

Description
    An engineering support operation over one shared backlog. Tickets arrive
    with a severity, a component and an amount of work; engineers WORK on them
    (switching tickets costs a context switch and a ramp-up), ESCALATE to a
    scarce expert pool, REQUEST_INFO on ambiguous tickets, DEFER deadlines.

Observation (per engineer, flattened)
    global fields, each ticket slot's fields (T x 9, slot order, an empty slot
    all zeros), each engineer's fields (E x 3), a one-hot of the observing
    engineer (E); every value in [0, 1] except a ticket's SLA remaining, in
    [-1, 1]. The field table is ``ticket_triage_marl/_core/features.py``; the
    README's "Observation (per engineer)" shows it with each field's scale.

Infos (per engineer; every value a number or an array, so that TorchRL's
``PettingZooWrapper`` can turn each one into a tensor)
    ``reward_breakdown``: float32 array ordered as ``env.reward_names``
    (component -> value by position), summing to the reward;
    ``invalid_action``: 1 if the mask forbade the action (applied as NOOP);
    ``t``: the time step.

AEC
    Engineers act in index order; each sees what the ones before it did this
    tick. The clock advances after the last one, and all rewards of the tick
    are given then. For identical actions ``env()`` and ``parallel_env()``
    produce identical trajectories (both call the same kernels).

Version History
    v0: first release.
"""

from __future__ import annotations

import copy
import functools
from typing import TYPE_CHECKING, Any, NoReturn

import gymnasium
import numpy as np
from pettingzoo import AECEnv, ParallelEnv
from pettingzoo.utils import AgentSelector, wrappers

from .._core.layout import REWARD_NAMES
from .._core.sim import BatchSim
from .._core.types import agent_action_count
from ..config import EnvConfig, resolve_config
from ..render import RENDER_MODES, render_snapshot
from .spaces import agent_spaces, check_action, check_render_mode

__all__ = ["TicketTriageAECEnv", "TicketTriageParallelEnv", "agent_names", "env", "parallel_env", "raw_env"]

METADATA = {
    "name": "ticket_triage_marl_v0",
    "render_modes": RENDER_MODES,
    "is_parallelizable": True,
    "render_fps": 4,
}


def agent_names(n_engineers: int) -> list[str]:
    return [f"engineer_{index}" for index in range(n_engineers)]


class _SimulationView:
    """What both PettingZoo APIs share: config, sim, spaces, reading outputs."""

    metadata = METADATA
    reward_names = REWARD_NAMES

    if TYPE_CHECKING:  # set or defined by the subclasses
        agents: list[str]

        def _episode(self) -> dict[str, Any]: ...
        def _restore_episode(self, episode: dict[str, Any]) -> None: ...

    def _setup(self, config: EnvConfig | None, render_mode: str | None, overrides: dict[str, Any]) -> None:
        self._config = resolve_config(config, overrides)
        self.render_mode = check_render_mode(render_mode)
        self.sim = BatchSim(self._config, num_envs=1)
        self._n_actions = agent_action_count(self._config)
        self.possible_agents = agent_names(self._config.n_engineers)
        self.agent_name_mapping = {name: index for index, name in enumerate(self.possible_agents)}
        self._spaces = agent_spaces(self._config)
        self.observation_spaces = {agent: self._spaces.observation for agent in self.possible_agents}
        self.action_spaces = {agent: self._spaces.action for agent in self.possible_agents}
        self.state_space = self._spaces.state
        self._has_reset = False

    @property
    def config(self) -> EnvConfig:
        """The :class:`EnvConfig` this env runs."""
        return self._config

    @property
    def max_cycles(self) -> int:
        """PettingZoo's name for ``config.horizon``."""
        return self._config.horizon

    @max_cycles.setter
    def max_cycles(self, value: int) -> None:
        # PettingZoo's parallel_api_test assigns it: keep it an exact alias of the horizon
        self.sim.set_horizon(value)
        self._config = self.sim.config

    def observation_space(self, agent: str) -> gymnasium.spaces.Dict:
        return self._spaces.observation

    def action_space(self, agent: str) -> gymnasium.spaces.Discrete:
        return self._spaces.action

    def _agent_observation(self, index: int) -> dict[str, np.ndarray]:
        outputs = self.sim.outputs(0)
        return {"observation": outputs.observations[index].copy(), "action_mask": outputs.masks[index].copy()}

    def _all_observations(self, agents: list[str]) -> dict[str, dict[str, np.ndarray]]:
        """Every agent's observation: rows of one fresh copy (one copy per step, not one per agent)."""
        outputs = self.sim.outputs(0)
        observations = outputs.observations.copy()
        masks = outputs.masks.copy()
        return {agent: {"observation": observations[i], "action_mask": masks[i]} for i, agent in enumerate(agents)}

    def _all_infos(self, agents: list[str]) -> dict[str, dict[str, Any]]:
        # every value a number or an array: TorchRL's PettingZooWrapper turns each one into a tensor
        outputs = self.sim.outputs(0)
        parts = outputs.reward_parts.astype(np.float32)  # one new (E, R) array; each agent gets its row
        invalid = outputs.invalid_actions.tolist()
        t = self.sim.t(0)
        return {
            agent: {"reward_breakdown": parts[i], "invalid_action": invalid[i], "t": t}
            for i, agent in enumerate(agents)
        }

    def _require_reset(self) -> None:
        if not self._has_reset:
            raise RuntimeError("step() called before reset(); call reset() first")

    def snapshot(self, waiting_lists: bool = True, hidden: bool = True) -> dict:
        """The full raw state as plain JSON-able Python (its keys: ``BatchSim.snapshot`` in ``_core/sim.py``):
        what the agents may see, and under ``"hidden"`` what only the simulator knows (a ticket's true component,
        ambiguity, incident; reopens due). ``hidden=False`` leaves that out: what policies and planners read.
        ``waiting_lists=False`` leaves out the lists of tickets outside the slots (``"queue"``, and
        ``"awaiting"`` where that mechanic is on), which can hold thousands: for drivers that look at every
        step and act on the slots (the baselines), at a fraction of the cost."""
        self._require_reset()
        return self.sim.snapshot(0, waiting_lists, hidden)

    def closed_tickets(self) -> list[dict[str, int]]:
        """The lifecycle of each ticket the last step resolved (``[]`` after a reset): ``{"id", "severity",
        "component", "arrival", "first_work", "resolved", "breached", "reopened"}``, steps as the clock ``t``.
        Time to resolve is ``resolved - arrival`` (a reopened ticket arrives again); the one definition that
        :mod:`ticket_triage_marl.metrics`, evaluation, reports and fidelity read."""
        self._require_reset()
        return self.sim.closed(0)

    def state(self) -> np.ndarray:
        """Full state for centralized critics, including hidden ticket attributes."""
        self._require_reset()
        return self.sim.state_vector(0)

    def action_masks(self) -> dict[str, np.ndarray]:
        """Each live agent's action mask in the current state (int8, ``(1 + 4 * max_tickets,)``): what its next
        observation's ``action_mask`` will say, for policies that act between observations (the AEC env: the
        state at the start of the tick and the claims made so far in it)."""
        self._require_reset()
        self.sim.observe(0)
        masks = self.sim.masks[0]
        return {agent: masks[self.agent_name_mapping[agent]].copy() for agent in self.agents}

    def trace_offset(self) -> int:
        """With ``arrival_process="trace"``: the trace step that step 1 of this episode replays (see
        :mod:`ticket_triage_marl.data.trace`); 0 for other arrival processes."""
        self._require_reset()
        return self.sim.trace_offset(0)

    def render(self) -> str | np.ndarray | None:
        if self.render_mode is None:
            gymnasium.logger.warn("render() called without a render_mode; pass render_mode= to the constructor")
            return None
        if not self._has_reset:
            raise RuntimeError("render() called before reset()")
        return render_snapshot(self.render_mode, self.sim.snapshot(0), self._config.max_tickets, self._config.work_mean)

    def close(self) -> None:
        pass

    # -- checkpoints ---------------------------------------------------------------
    def clone_state(self) -> dict[str, Any]:
        """A checkpoint of the whole env (simulation and episode bookkeeping).

        Picklable and independent of this env: restoring it into this env or
        into a new env of the same config (:meth:`restore_state`) and replaying
        the same actions reproduces the trajectory bit for bit. Uses: planning,
        counterfactuals on common random numbers, replaying one bad step.
        """
        self._require_reset()
        return {"env": type(self).__name__, "sim": self.sim.clone_state(), "episode": copy.deepcopy(self._episode())}

    def restore_state(self, state: dict[str, Any], future_seed: int | None = None) -> None:
        """Make this env's state the checkpoint's; ``ValueError`` if it is of another env type or config.

        ``future_seed``: a new random future instead of the checkpoint's true one, the same for the same
        seed (README, "Checkpoints and planning": what is redrawn and what is kept)."""
        if not isinstance(state, dict) or state.get("env") != type(self).__name__:
            got = state.get("env") if isinstance(state, dict) else type(state).__name__
            raise ValueError(f"a checkpoint of {got!r} cannot be restored into a {type(self).__name__}")
        self.sim.restore_state(state["sim"], future_seed)
        self._restore_episode(copy.deepcopy(state["episode"]))
        self._has_reset = True


class TicketTriageParallelEnv(_SimulationView, ParallelEnv):
    """PettingZoo ``ParallelEnv`` over one shared backlog (see the module docstring).

    Args:
        config: an :class:`EnvConfig` (None = defaults).
        render_mode: None, "human", "ansi" or "rgb_array".
        **overrides: config fields to change (``max_cycles`` aliases ``horizon``).
    """

    def __init__(self, config: EnvConfig | None = None, render_mode: str | None = None, **overrides: Any) -> None:
        self._setup(config, render_mode, overrides)
        self.agents: list[str] = []

    def reset(self, seed: int | None = None, options: dict | None = None):
        self.sim.reset(0, seed)
        self._has_reset = True
        self.agents = self.possible_agents[:]
        return self._all_observations(self.agents), self._all_infos(self.agents)

    def end_episode(self) -> None:
        """Mark the episode over (no live agents) when something else stepped this env's simulation to its end:
        the :class:`~ticket_triage_marl.envs.coordinator.TicketTriageEnv` that wraps it steps the simulation itself."""
        self.agents = []

    def step(self, actions: dict[str, Any]):
        self._require_reset()
        agents = self.agents
        if not agents:
            if actions:
                raise RuntimeError("step() called after the episode ended; call reset()")
            return {}, {}, {}, {}, {}  # SuperSuit's black_death_v3 sends step({}) after the end
        if set(actions) != set(agents):  # one comparison in the normal case: every live agent acts
            self._raise_agents_error(actions)
        n_actions = self._n_actions
        self.sim.step(0, [check_action(agent, actions[agent], n_actions) for agent in self.possible_agents])
        truncated = self.sim.t(0) >= self._config.horizon  # the horizon is max_cycles
        observations = self._all_observations(agents)
        rewards = dict(zip(agents, self.sim.outputs(0).rewards.tolist(), strict=True))
        terminations = dict.fromkeys(agents, False)
        truncations = dict.fromkeys(agents, truncated)
        infos = self._all_infos(agents)
        if truncated:
            self.agents = []
        if self.render_mode == "human":
            self.render()
        return observations, rewards, terminations, truncations, infos

    def _raise_agents_error(self, actions: dict[str, Any]) -> NoReturn:
        """The error for ``actions`` whose keys are not exactly the live agents."""
        unknown = set(actions) - set(self.agents)
        if unknown:
            raise ValueError(f"actions for unknown or finished agents: {sorted(unknown)}")
        missing = [agent for agent in self.agents if agent not in actions]
        raise ValueError(f"missing actions for agents {missing}; every live agent must act (0 is NOOP)")

    def _episode(self) -> dict[str, Any]:
        return {"agents": list(self.agents)}

    def _restore_episode(self, episode: dict[str, Any]) -> None:
        self.agents = episode["agents"]


class TicketTriageAECEnv(_SimulationView, AECEnv):
    """PettingZoo ``AECEnv``, natively turn-based: engineer i acts seeing the
    actions of engineers 0..i-1 of this tick; the clock advances after the last.

    Args: as :class:`TicketTriageParallelEnv`.
    """

    def __init__(self, config: EnvConfig | None = None, render_mode: str | None = None, **overrides: Any) -> None:
        super().__init__()
        self._setup(config, render_mode, overrides)
        self.agents: list[str] = []
        self.rewards: dict[str, float] = {}
        self._cumulative_rewards: dict[str, float] = {}
        self.terminations: dict[str, bool] = {}
        self.truncations: dict[str, bool] = {}
        self.infos: dict[str, dict[str, Any]] = {}

    def reset(self, seed: int | None = None, options: dict | None = None) -> None:
        self.sim.reset(0, seed)
        self._has_reset = True
        self.agents = self.possible_agents[:]
        self.rewards = dict.fromkeys(self.agents, 0.0)
        self._cumulative_rewards = dict.fromkeys(self.agents, 0.0)
        self.terminations = dict.fromkeys(self.agents, False)
        self.truncations = dict.fromkeys(self.agents, False)
        self.infos = self._all_infos(self.agents)
        self._agent_selector = AgentSelector(self.agents)
        self.agent_selection = self._agent_selector.reset()

    def observe(self, agent: str) -> dict[str, np.ndarray]:
        self._require_reset()
        # live: the observations are rewritten after every engineer's turn
        return self._agent_observation(self.agent_name_mapping[agent])

    def step(self, action: Any) -> None:
        self._require_reset()
        if not self.agents:
            raise RuntimeError("step() called after the episode ended; call reset()")
        agent = self.agent_selection
        if self.terminations[agent] or self.truncations[agent]:
            self._was_dead_step(action)
            return
        action = check_action(agent, action, agent_action_count(self._config))
        index = self.agent_name_mapping[agent]
        self._cumulative_rewards[agent] = 0.0
        last = self._agent_selector.is_last()
        self.sim.act(0, index, action, last=last)
        if last:
            truncated = self.sim.t(0) >= self.max_cycles
            for name, reward in zip(self.agents, self.sim.outputs(0).rewards.tolist(), strict=True):
                self.rewards[name] = reward
                self.truncations[name] = truncated
            self.infos.update(self._all_infos(self.agents))
            if self.render_mode == "human":
                self.render()
        else:
            self._clear_rewards()
        self.agent_selection = self._agent_selector.next()
        self._accumulate_rewards()

    _EPISODE_FIELDS = (
        "agents", "rewards", "_cumulative_rewards", "terminations", "truncations", "infos",
        "_agent_selector", "agent_selection",
    )  # fmt: skip

    def _episode(self) -> dict[str, Any]:
        # everything the turn order needs: a checkpoint taken mid-tick resumes at the same engineer
        return {name: getattr(self, name) for name in self._EPISODE_FIELDS}

    def _restore_episode(self, episode: dict[str, Any]) -> None:
        for name in self._EPISODE_FIELDS:
            setattr(self, name, episode[name])


def parallel_env(
    config: EnvConfig | None = None, render_mode: str | None = None, **overrides: Any
) -> TicketTriageParallelEnv:
    """The PettingZoo parallel env (``max_cycles=`` aliases ``horizon``)."""
    return TicketTriageParallelEnv(config=config, render_mode=render_mode, **overrides)


def raw_env(config: EnvConfig | None = None, render_mode: str | None = None, **overrides: Any) -> TicketTriageAECEnv:
    """The AEC env without PettingZoo's wrappers."""
    return TicketTriageAECEnv(config=config, render_mode=render_mode, **overrides)


@functools.wraps(raw_env, assigned=("__annotations__",))
def env(config: EnvConfig | None = None, render_mode: str | None = None, **overrides: Any) -> AECEnv:
    """The AEC env with PettingZoo's standard wrappers (bounds check, call order)."""
    aec = raw_env(config=config, render_mode=render_mode, **overrides)
    aec = wrappers.AssertOutOfBoundsWrapper(aec)
    aec = wrappers.OrderEnforcingWrapper(aec)
    return aec
