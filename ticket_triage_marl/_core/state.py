"""The batched simulation: state arrays plus the calls into the kernels.

:class:`BatchSim` owns the arrays of ``num_envs`` environments and exposes the
few operations every adapter needs (reset some, apply one engineer's action,
advance, step all, observe, snapshot). It contains no ticket logic: the rules
live in :mod:`ticket_triage_marl._core.kernels`. The single environments are a
``BatchSim`` with ``num_envs=1``.
"""

from __future__ import annotations

import numpy as np

from ..actions import coordinator_action_count
from ..config import EnvConfig
from . import kernels as K
from . import layout as L

MAX_SEED = 2**64 - 1


def build_params(config: EnvConfig) -> np.ndarray:
    """Config -> the float64 parameter vector the kernels read (``P_*`` indices)."""
    p = np.zeros(L.N_PARAMS, dtype=np.float64)
    p[L.P_ARRIVAL_PROCESS] = {"bernoulli": 0, "poisson": 1}[config.arrival_process]
    p[L.P_P_NEW_TICKET] = config.p_new_ticket
    p[L.P_ARRIVAL_RATE] = config.arrival_rate
    p[L.P_WORK_DISTRIBUTION] = {"lognormal": 0, "exponential": 1, "deterministic": 2}[config.work_distribution]
    p[L.P_WORK_MEAN] = config.work_mean
    p[L.P_WORK_SIGMA] = config.work_sigma
    p[L.P_N_COMPONENTS] = config.n_components
    p[L.P_INITIAL_BACKLOG] = config.initial_backlog
    p[L.P_HORIZON] = config.horizon
    p[L.P_SWARM_EFFICIENCY] = config.swarm_efficiency
    p[L.P_SWITCH_RAMP_STEPS] = config.switch_ramp_steps
    p[L.P_P_REGRESSION] = config.p_regression
    p[L.P_REGRESSION_WORK] = config.regression_work
    p[L.P_P_REOPEN] = config.p_reopen
    p[L.P_REOPEN_WINDOW] = config.reopen_window
    p[L.P_REOPEN_WORK_FRACTION] = config.reopen_work_fraction
    p[L.P_P_AMBIGUOUS] = config.p_ambiguous
    p[L.P_AMBIGUOUS_SLOWDOWN] = config.ambiguous_slowdown
    p[L.P_AMBIGUOUS_REGRESSION_FACTOR] = config.ambiguous_regression_factor
    p[L.P_INFO_WAIT_MIN] = config.info_wait_min
    p[L.P_INFO_WAIT_MAX] = config.info_wait_max
    p[L.P_P_DEPENDENCY] = config.p_dependency
    p[L.P_MAX_ESCALATED] = config.max_escalated
    p[L.P_EXPERT_SKILL] = config.expert_skill
    p[L.P_DEFER_STEPS] = config.defer_steps
    p[L.P_MAX_DEFERRALS] = config.max_deferrals
    p[L.P_SHIFT_PERIOD] = config.shift_period
    p[L.P_SHIFT_LENGTH] = config.shift_length
    p[L.P_SKILL_NOISE] = config.skill_noise
    p[L.P_MAX_QUEUE] = config.max_queue
    p[L.P_R_RESOLVE] = config.r_resolve
    p[L.P_R_SLA_BREACH] = config.r_sla_breach
    p[L.P_R_OVERDUE] = config.r_overdue
    p[L.P_R_IDLE] = config.r_idle
    p[L.P_R_CONTEXT_SWITCH] = config.r_context_switch
    p[L.P_R_ESCALATE] = config.r_escalate
    p[L.P_R_REQUEST_INFO] = config.r_request_info
    p[L.P_R_DEFER] = config.r_defer
    p[L.P_R_INVALID] = config.r_invalid
    p[L.P_INDIVIDUAL_REWARDS] = 1.0 if config.reward_mode == "individual" else 0.0
    p[L.P_LOCAL_OBSERVATION] = 1.0 if config.observation_mode == "local" else 0.0
    p[L.P_AGE_SCALE] = max(config.sla_steps)
    p[L.P_R_SWARM] = config.r_swarm
    return p


def observation_size(config: EnvConfig) -> int:
    """Length of one engineer's observation vector."""
    return team_observation_size(config) + config.n_engineers


def team_observation_size(config: EnvConfig) -> int:
    """Global (5) + tickets (T x 9) + engineers (E x 3): the seed's layout."""
    return K.N_GLOBAL + config.max_tickets * K.N_TICKET_FEATURES + config.n_engineers * K.N_ENGINEER_FEATURES


def state_size(config: EnvConfig) -> int:
    """Length of the centralized state vector."""
    return (
        team_observation_size(config)
        + config.max_tickets * K.N_STATE_TICKET_EXTRA
        + config.n_engineers * K.N_STATE_ENGINEER_EXTRA
        + K.N_STATE_GLOBAL_EXTRA
        + config.n_engineers * config.n_components
    )


def draw_entropy_seed() -> int:
    """A fresh seed from OS entropy, for resets without a seed."""
    return int(np.random.SeedSequence().entropy % (MAX_SEED + 1))


def check_seed(seed: int) -> int:
    if isinstance(seed, bool) or not isinstance(seed, (int, np.integer)):
        raise TypeError(f"seed must be an int, got {seed!r}")
    seed = int(seed)
    if not 0 <= seed <= MAX_SEED:
        raise ValueError(f"seed must be in [0, 2**64 - 1], got {seed}")
    return seed


class BatchSim:
    """State arrays of ``num_envs`` environments and the kernel calls over them.

    Arrays (leading axis ``N = num_envs``; ``T`` slots, ``Q`` queue, ``E``
    engineers, ``C`` components, ``R`` reopen-buffer entries = ``T``):

    - ``ticket_i``  (N, T+Q, N_TICKET_INT) int32: ticket records, slots then the queue ring
      (rows outside the live part of the ring hold stale data until reused)
    - ``ticket_f``  (N, T+Q, N_TICKET_FLOAT) float64: work remaining / total
    - ``contributed`` (N, T, E) float64: work each engineer removed from each slot (credit)
    - ``engineer_i`` (N, E, N_ENGINEER_INT) int64: current slot, time on it, ...
    - ``env_i``     (N, N_ENV_INT) int64: clock, counters, seed, episode
    - ``skills``    (N, E, C) float64: this episode's skills
    - ``reopen_i`` / ``reopen_f`` (N, R, ...): resolved tickets waiting to reopen
    - ``accumulated`` (N, E, N_REWARD) float64: this tick's individual rewards
    - ``parts``     (N, E, N_REWARD) float64: last step's reward breakdown per engineer
    - ``rewards``   (N, E) float64: last step's reward per engineer
    - ``observations`` (N, E, D) float32 and ``masks`` (N, E, 1+4T) int8
    """

    def __init__(self, config: EnvConfig, num_envs: int = 1) -> None:
        if isinstance(num_envs, bool) or not isinstance(num_envs, (int, np.integer)) or num_envs < 1:
            raise ValueError(f"num_envs must be an int >= 1, got {num_envs!r}")
        self.config = config
        self.num_envs = n = int(num_envs)
        e, t, q, c = config.n_engineers, config.max_tickets, config.max_queue, config.n_components
        self.n_slots = t
        self.params = build_params(config)
        self.severity_cdf = np.cumsum(np.asarray(config.severity_mix, dtype=np.float64))
        self.severity_cdf[-1] = 1.0
        self.sla_steps = np.asarray(config.sla_steps, dtype=np.int64)
        self.base_skills = np.asarray(config.skill_matrix(), dtype=np.float64).reshape(e, c)
        self.ticket_i = np.zeros((n, t + q, L.N_TICKET_INT), dtype=np.int32)
        self.ticket_f = np.zeros((n, t + q, L.N_TICKET_FLOAT), dtype=np.float64)
        self.contributed = np.zeros((n, t, e), dtype=np.float64)
        self.engineer_i = np.zeros((n, e, L.N_ENGINEER_INT), dtype=np.int64)
        self.env_i = np.zeros((n, L.N_ENV_INT), dtype=np.int64)
        self.skills = np.zeros((n, e, c), dtype=np.float64)
        self.reopen_i = np.zeros((n, t, L.N_TICKET_INT), dtype=np.int32)
        self.reopen_f = np.zeros((n, t, L.N_TICKET_FLOAT), dtype=np.float64)
        self.accumulated = np.zeros((n, e, L.N_REWARD), dtype=np.float64)
        self.parts = np.zeros((n, e, L.N_REWARD), dtype=np.float64)
        self.rewards = np.zeros((n, e), dtype=np.float64)
        self.observations = np.zeros((n, e, observation_size(config)), dtype=np.float32)
        self.masks = np.zeros((n, e, 1 + 4 * t), dtype=np.int8)
        self.seeded = np.zeros(n, dtype=np.bool_)
        # coordinator view (allocated small; only the coordinator adapters use it)
        # kernels write observations as (N, rows, D); the coordinator has one row
        self._coordinator_observations = np.zeros((n, 1, team_observation_size(config)), dtype=np.float32)
        self.coordinator_observations = self._coordinator_observations[:, 0, :]  # (N, D) view
        self.coordinator_masks = np.zeros((n, coordinator_action_count(config)), dtype=np.int8)
        self.joint = np.zeros((n, e), dtype=np.int64)
        self.coordinator_invalid = np.zeros(n, dtype=np.bool_)
        self.team_parts = np.zeros((n, L.N_REWARD), dtype=np.float64)
        self.team_rewards = np.zeros(n, dtype=np.float64)

    # -- the argument tuples of the kernels ---------------------------------
    def _dynamics(self) -> tuple:
        return (
            self.ticket_i, self.ticket_f, self.contributed, self.engineer_i, self.env_i, self.skills,
            self.reopen_i, self.reopen_f, self.accumulated, self.parts, self.rewards,
            self.params, self.severity_cdf, self.sla_steps,
        )  # fmt: skip

    def _with_base_skills(self) -> tuple:
        return (
            self.ticket_i, self.ticket_f, self.contributed, self.engineer_i, self.env_i, self.skills,
            self.base_skills, self.reopen_i, self.reopen_f, self.accumulated, self.parts, self.rewards,
            self.params, self.severity_cdf, self.sla_steps,
        )  # fmt: skip

    # -- seeding --------------------------------------------------------------
    def set_seed(self, n: int, seed: int | None) -> None:
        """Gymnasium convention: a seed restarts the stream at episode 0; no seed
        continues with the next episode (a fresh entropy seed the first time)."""
        if seed is None:
            if self.seeded[n]:
                self.env_i[n, L.EPISODE] += 1
                return
            seed = draw_entropy_seed()
        seed = check_seed(seed)
        self.env_i[n, L.SEED_LO] = seed & 0xFFFFFFFF
        self.env_i[n, L.SEED_HI] = seed >> 32
        self.env_i[n, L.EPISODE] = 0
        self.seeded[n] = True

    # -- operations -----------------------------------------------------------
    def reset(self, n: int, seed: int | None = None) -> None:
        """Start the next episode of environment ``n`` and observe it."""
        self.set_seed(n, seed)
        K.reset_env(*self._with_base_skills(), n)
        self.observe(n)

    def reset_many(self, which: np.ndarray) -> None:
        """Reset every environment with ``which[n]`` (seeds already set), in one call."""
        K.reset_batch(*self._with_base_skills(), which, self.observations, self.masks)

    def begin_tick(self, n: int) -> None:
        K.begin_tick(self.engineer_i, self.accumulated, n)

    def apply_action(self, n: int, engineer: int, action: int) -> None:
        K.apply_action(
            self.ticket_i, self.engineer_i, self.env_i, self.accumulated, self.params, n, engineer, action, self.n_slots
        )

    def advance(self, n: int) -> None:
        K.advance(*self._dynamics(), n)

    def step_one(self, actions: np.ndarray) -> None:
        """Step environment 0 with ``actions`` of shape (1, E) and observe it."""
        K.step_and_observe_one(*self._dynamics(), actions, self.observations, self.masks)

    def step_all(self, actions: np.ndarray, done: np.ndarray, autoreset: bool) -> None:
        """Step all environments (prange) and observe them."""
        K.step_batch(*self._with_base_skills(), actions, self.observations, self.masks, done, autoreset)

    # -- the coordinator view ----------------------------------------------------
    def coordinator_step_one(self, coordinator_actions: np.ndarray) -> None:
        """Coordinator step of environment 0 (``coordinator_actions`` shape (1,))."""
        K.coordinator_step_and_observe_one(
            *self._dynamics(), coordinator_actions, self.joint, self.coordinator_invalid, self.team_parts,
            self.team_rewards, self._coordinator_observations, self.coordinator_masks,
        )  # fmt: skip

    def coordinator_step_all(self, coordinator_actions: np.ndarray, done: np.ndarray, autoreset: bool) -> None:
        K.coordinator_step_batch(
            *self._with_base_skills(), coordinator_actions, self.joint, self.coordinator_invalid, self.team_parts,
            self.team_rewards, self._coordinator_observations, self.coordinator_masks, done, autoreset,
        )  # fmt: skip

    def observe_coordinator(self, n: int) -> None:
        K.observe_coordinator(
            self.ticket_i, self.ticket_f, self.engineer_i, self.env_i, self.params, n,
            self._coordinator_observations, self.coordinator_masks,
        )  # fmt: skip

    def observe_coordinator_many(self, which: np.ndarray) -> None:
        K.observe_coordinator_batch(
            self.ticket_i, self.ticket_f, self.engineer_i, self.env_i, self.params, which,
            self._coordinator_observations, self.coordinator_masks,
        )  # fmt: skip

    def reset_coordinator_many(self, which: np.ndarray) -> None:
        """Reset the environments with ``which[n]`` (seeds already set) for the
        coordinator view: state, coordinator observation and mask, and the last
        step's team reward, invalid flag and joint action cleared."""
        self.reset_many(which)
        self.observe_coordinator_many(which)
        self.coordinator_invalid[which] = False
        self.team_rewards[which] = 0.0
        self.team_parts[which] = 0.0
        self.joint[which] = 0

    def team_reward_breakdown(self, n: int) -> dict[str, float]:
        row = self.team_parts[n]
        return {name: float(row[k]) for k, name in enumerate(L.REWARD_NAMES)}

    def observe(self, n: int) -> None:
        K.observe_agents(
            self.ticket_i, self.ticket_f, self.engineer_i, self.env_i, self.skills, self.params, n,
            self.observations, self.masks,
        )  # fmt: skip

    def state(self, n: int) -> np.ndarray:
        out = np.zeros((self.num_envs, 1, state_size(self.config)), dtype=np.float32)
        K.write_state(self.ticket_i, self.ticket_f, self.engineer_i, self.env_i, self.skills, self.params, n, out)
        return out[n, 0]

    # -- reading ------------------------------------------------------------
    def t(self, n: int) -> int:
        return int(self.env_i[n, L.T])

    def counters(self, n: int) -> dict[str, int]:
        env = self.env_i[n]
        return {
            "arrived": int(env[L.ARRIVED]),
            "resolved": int(env[L.RESOLVED]),
            "breaches": int(env[L.BREACHES]),
            "dropped": int(env[L.DROPPED]),
            "reopened": int(env[L.REOPENS]),
        }

    def backlog(self, n: int) -> int:
        """Open tickets in slots plus queued tickets."""
        return int(self.ticket_i[n, : self.n_slots, L.ACTIVE].sum()) + int(self.env_i[n, L.QUEUE_COUNT])

    def queue_row(self, n: int, position: int) -> int:
        """Row of ``ticket_i[n]`` holding queue position ``position`` (0 = the oldest)."""
        return int(K.queue_row(self.env_i, self.params, n, self.n_slots, position))

    def reward_breakdown(self, n: int, engineer: int) -> dict[str, float]:
        row = self.parts[n, engineer]
        return {name: float(row[k]) for k, name in enumerate(L.REWARD_NAMES)}

    def snapshot(self, n: int) -> dict:
        """The full raw state of environment ``n`` as JSON-able Python (SPEC section 2)."""
        t_slots = self.n_slots
        now = self.t(n)
        engineers = self.engineer_i[n]
        assignees: dict[int, list[int]] = {}
        for index in range(engineers.shape[0]):
            slot = int(engineers[index, L.CURRENT_SLOT])
            if slot >= 0:
                assignees.setdefault(slot, []).append(index)

        def ticket(row: int, slot: int | None) -> dict:
            rec = self.ticket_i[n, row]
            waiting_on = int(rec[L.WAITING_ON])
            return {
                "id": int(rec[L.TICKET_ID]),
                "slot": slot,
                "severity": int(rec[L.SEVERITY]),
                "component": int(rec[L.COMPONENT]),
                "age": now - int(rec[L.ARRIVAL]),
                "sla_remaining": int(rec[L.DEADLINE]) - now,
                "work_remaining": float(self.ticket_f[n, row, L.WORK_REMAINING]),
                "work_total": float(self.ticket_f[n, row, L.WORK_TOTAL]),
                "blocked": int(rec[L.BLOCKED]),
                "waiting_on": waiting_on if waiting_on >= 0 else None,
                "escalated": bool(rec[L.ESCALATED]),
                "assignees": assignees.get(slot, []) if slot is not None else [],
                "reopened": bool(rec[L.REOPENED]),
                "breached": bool(rec[L.BREACHED]),
                "ambiguous": bool(rec[L.AMBIGUOUS]),
                "deferrals": int(rec[L.DEFERRALS]),
            }

        tickets = [ticket(slot, slot) for slot in range(t_slots) if self.ticket_i[n, slot, L.ACTIVE]]
        queue = [ticket(self.queue_row(n, k), None) for k in range(int(self.env_i[n, L.QUEUE_COUNT]))]
        return {
            "t": self.t(n),
            "horizon": self.config.horizon,
            "counters": self.counters(n),
            "tickets": tickets,
            "queue": queue,
            "engineers": [
                {
                    "index": index,
                    "ticket": int(engineers[index, L.CURRENT_SLOT]) if engineers[index, L.CURRENT_SLOT] >= 0 else None,
                    "time_on_ticket": int(engineers[index, L.TIME_ON_TICKET]),
                    "on_shift": bool(engineers[index, L.ON_SHIFT]),
                    "ramp_left": int(engineers[index, L.RAMP_LEFT]),
                }
                for index in range(engineers.shape[0])
            ],
            "pending_reopens": int(self.reopen_i[n, :, L.ACTIVE].sum()),
        }
