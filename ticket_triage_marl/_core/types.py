"""The two records every kernel takes: :class:`State` (arrays) and :class:`Params` (typed settings).

Kernels are called as ``kernel(state, params, n, ...)`` and work in place on
environment ``n`` of the batch. Both records are ``NamedTuple``s, which numba
passes by value as a struct of fields: reading ``state.ticket_i`` inside a
kernel costs nothing, and a new field is one line here plus its allocation.

Shapes use ``N`` environments, ``T`` ticket slots (``max_tickets``), ``Q``
queue places (``max_queue``), ``E`` engineers, ``C`` components, ``R`` reward
components (:data:`~.layout.N_REWARD`), ``D`` the per-engineer observation
length, ``Dc`` the coordinator observation length and ``Ac`` its number of
actions. The columns of the record arrays (``ticket_i[n, row, SEVERITY]`` ...)
are named in :mod:`.layout`.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, NamedTuple, TypeAlias

import numpy as np
import numpy.typing as npt

from . import encoding
from . import layout as L

# Observation layout sizes (per ticket, per engineer, global): the tables of features.py (re-exported).
from .features import (
    MECHANIC_ENGINEER_FIELDS,
    MECHANIC_TICKET_FIELDS,
    mechanic_block_base,
    mechanic_fields,
    mechanic_offsets,
    team_size,
)
from .features import (
    N_ENGINEER_FEATURES as N_ENGINEER_FEATURES,
)
from .features import (
    N_GLOBAL as N_GLOBAL,
)
from .features import (
    N_STATE_ENGINEER_EXTRA as N_STATE_ENGINEER_EXTRA,
)
from .features import (
    N_STATE_GLOBAL_EXTRA as N_STATE_GLOBAL_EXTRA,
)
from .features import (
    N_STATE_TICKET_EXTRA as N_STATE_TICKET_EXTRA,
)
from .features import (
    N_TICKET_FEATURES as N_TICKET_FEATURES,
)

if TYPE_CHECKING:
    from ..config import EnvConfig

# A kernel's integer argument: a Python int from the adapters, or an int64
# scalar from the kernels (they pass ``np.int64`` values, not literals, so
# numba compiles one specialization per function instead of one per value).
Int: TypeAlias = int | np.int64
RoutingI: TypeAlias = "npt.NDArray[np.int64] | None"
"""``state.routing_i``, passed as an argument: None without teams (numba prunes on an argument only)."""

# autoreset modes of the batch entry points
AUTORESET_OFF = 0  # finished environments stay finished until reset
AUTORESET_NEXT_STEP = 1  # Gymnasium's NEXT_STEP: the call after the last step resets (its actions ignored)
AUTORESET_SAME_STEP = 2  # SB3's: the last step resets at once; its final observation and counters are kept


class State(NamedTuple):
    """Everything needed to step ``N`` environments, plus the outputs of the last step.

    A copy of every array is a complete checkpoint (see ``BatchSim.clone_state``).
    """

    ticket_i: npt.NDArray[np.int32]  # (N, T+Q, N_TICKET_INT) int32: ticket records, slots then the queue ring
    ticket_f: npt.NDArray[np.float64]  # (N, T+Q, N_TICKET_FLOAT) float64: work remaining / total
    contributed: npt.NDArray[
        np.float64
    ]  # (N, T, E) float64: work each engineer removed from each slot (resolve credit)
    engineer_i: npt.NDArray[np.int64]  # (N, E, N_ENGINEER_INT) int64: current slot, time on it, ramp, shift, invalid
    env_i: npt.NDArray[np.int64]  # (N, N_ENV_INT) int64: clock, counters, seed, episode, running totals
    skills: npt.NDArray[np.float64]  # (N, E, C) float64: this episode's skills
    reopen_i: npt.NDArray[np.int32]  # (N, T, N_TICKET_INT) int32: resolved tickets waiting to reopen
    reopen_f: npt.NDArray[np.float64]  # (N, T, N_TICKET_FLOAT) float64
    closed_i: npt.NDArray[np.int64]  # (N, T, N_CLOSED) int64: lifecycle records of the last step's resolutions
    # The optional mechanics' arrays are None where the mechanic is off: their kernels then compile to nothing.
    awaiting_i: npt.NDArray[np.int32] | None  # (N, T+Q, N_AREA_INT) int32: the awaiting area, rows 0..AWAITING_OPEN-1
    awaiting_f: npt.NDArray[np.float64] | None  # (N, T+Q, N_TICKET_FLOAT) float64
    incident_i: npt.NDArray[np.int64] | None  # (N, incident_window, N_INCIDENT) int64: incidents still arriving
    routing_i: npt.NDArray[np.int64] | None  # (N, N_ROUTING) int64: teams' counters (hand-offs, in transit)
    accumulated: npt.NDArray[np.float64]  # (N, E, R) float64: this tick's rewards, per engineer who caused them
    parts: npt.NDArray[np.float64]  # (N, E, R) float64: last step's reward breakdown each engineer receives
    rewards: npt.NDArray[np.float64]  # (N, E) float64: last step's reward per engineer
    actions: npt.NDArray[np.int64]  # (N, E) int64: the engineers' actions of the last step (the coordinator's mapping)
    observations: npt.NDArray[np.float32]  # (N, E, D) float32
    masks: npt.NDArray[np.int8]  # (N, E, 1+4T+G*T) int8 (G = n_groups: the ROUTE blocks, 0 without teams)
    coordinator_actions: npt.NDArray[np.int64]  # (N,) int64: the coordinator's action of the last step
    coordinator_invalid: npt.NDArray[np.bool_]  # (N,) bool: it was masked and applied as NOOP
    team_parts: npt.NDArray[np.float64]  # (N, R) float64: the team reward's breakdown
    team_rewards: npt.NDArray[np.float64]  # (N,) float64
    coordinator_observations: npt.NDArray[np.float32]  # (N, 1, Dc) float32 (one row: the kernels write (N, rows, D))
    coordinator_masks: npt.NDArray[np.int8]  # (N, Ac) int8
    done: npt.NDArray[np.bool_]  # (N,) bool: the episode reached the horizon (batch entry points)
    final_env_i: npt.NDArray[
        np.int64
    ]  # (N, N_ENV_INT) int64: env_i at the end of the last episode (same-step autoreset)
    final_observations: npt.NDArray[np.float32]  # (N, E, D) float32: its last observation (same-step autoreset)
    final_coordinator_observations: npt.NDArray[np.float32]  # (N, 1, Dc) float32: likewise for the coordinator
    seeded: npt.NDArray[np.bool_]  # (N,) bool: a seed was set (a reset without a seed continues the stream)


class Params(NamedTuple):
    """The config as typed fields (ints where the kernels count, floats where they measure)."""

    arrival_process: int  # 0 bernoulli, 1 poisson, 2 profile, 3 trace
    p_new_ticket: float
    arrival_rate: float
    work_distribution: int  # 0 lognormal, 1 exponential, 2 deterministic
    work_mean: float
    work_sigma: float
    n_components: int
    initial_backlog: int
    horizon: int
    max_tickets: int
    max_queue: int
    swarm_efficiency: float
    switch_ramp_steps: int
    p_regression: float
    regression_work: float
    p_reopen: float
    reopen_window: int
    reopen_work_fraction: float
    p_ambiguous: float
    ambiguous_slowdown: float
    ambiguous_regression_factor: float
    info_wait_min: int
    info_wait_max: int
    p_dependency: float
    max_escalated: int
    expert_skill: float
    defer_steps: int
    max_deferrals: int
    p_await: float
    await_mean: float
    await_sigma: float
    p_incident: float
    incident_size_mean: float
    incident_size_sigma: float
    incident_window: int
    entry_share: float
    p_misreport: float
    reveal_work: float
    handoff_steps: int
    handoff_work: float
    handoff_sigma: float
    p_reassign: float
    bouncing_share: float
    p_reassign_bouncing: float
    pickup_share: float
    pickup_steps: int
    pickup_sigma: float
    shift_period: int
    shift_length: int
    skill_noise: float
    r_resolve: float
    r_sla_breach: float
    r_overdue: float
    r_idle: float
    r_context_switch: float
    r_escalate: float
    r_request_info: float
    r_defer: float
    r_invalid: float
    r_swarm: float
    individual_rewards: bool  # reward_mode == "individual"
    local_observation: bool  # observation_mode == "local"
    await_sla_paused: bool  # await_sla == "paused"
    request_info_awaits: bool  # request_info == "awaits"
    profile_mean: float  # mean of arrival_profile (profile arrivals shape the incidents' probability)
    team_size: int  # length of the team features (the mechanic fields included)
    mechanic_offsets: npt.NDArray[np.int64]  # (len(MECHANIC_FIELDS),) int64: features.mechanic_offsets, -1 = off
    mechanic_ticket_size: int  # fields in each slot's mechanic block (0 with every mechanic off)
    mechanic_ticket_base: int  # offset of slot 0's mechanic block in the team features
    mechanic_engineer_size: int  # fields in each engineer's mechanic block (0 with every mechanic off)
    mechanic_engineer_base: int  # offset of engineer 0's mechanic block in the team features
    n_groups: int  # teams: groups of engineers (0 without teams: every engineer and ticket is in group 0)
    engineer_group: npt.NDArray[np.int64]  # (E,) int64: each engineer's group (all 0 without teams)
    component_group: npt.NDArray[np.int64]  # (C,) int64: component c's home group (the most skilled at it)
    link_verb: int  # incidents: LINK's engineer verb (VERB_ROUTE + n_groups), -1 without incidents
    age_scale: float  # the longest SLA: the scale of ages and deadlines in observations
    severity_cdf: npt.NDArray[np.float64]  # (4,) float64: cumulative severity mix, last entry exactly 1
    component_cdf: npt.NDArray[np.float64]  # (C,) float64: cumulative component mix (empty: uniform, as drawn before)
    sla_steps: npt.NDArray[np.int64]  # (4,) int64: SLA per severity 1..4
    base_skills: npt.NDArray[np.float64]  # (E, C) float64: skills before the per-episode noise
    arrival_profile: npt.NDArray[np.float64]  # (P,) float64: Poisson rate of each step of the cycle (profile arrivals)
    trace_start: int  # trace replay: the offset of every episode, -1 = drawn per episode ("random")
    trace_steps: int  # trace replay: steps the trace spans (S)
    trace_first_row: npt.NDArray[np.int64]  # (S+1,) int64: rows first_row[k] .. first_row[k+1]-1 arrive at trace step k
    trace_severity: npt.NDArray[np.int64]  # (R,) int64: severity of each trace row
    trace_component: npt.NDArray[np.int64]  # (R,) int64: component of each trace row, -1 = drawn


class _NoTrace(NamedTuple):
    n_steps: int = 0
    first_row: npt.NDArray[np.int64] = np.zeros(1, dtype=np.int64)
    severity: npt.NDArray[np.int64] = np.zeros(1, dtype=np.int64)
    component: npt.NDArray[np.int64] = np.full(1, -1, dtype=np.int64)


_NO_TRACE = _NoTrace()


# Params fields that are not a config setting copied as it is: codes, flags and arrays derived from the config.
DERIVED_PARAMS = frozenset(
    {
        "arrival_process",
        "work_distribution",
        "individual_rewards",
        "local_observation",
        "await_sla_paused",
        "request_info_awaits",
        "team_size",
        "profile_mean",
        "mechanic_offsets",
        "mechanic_ticket_size",
        "mechanic_ticket_base",
        "mechanic_engineer_size",
        "mechanic_engineer_base",
        "n_groups",
        "engineer_group",
        "component_group",
        "link_verb",
        "age_scale",
        "severity_cdf",
        "component_cdf",
        "sla_steps",
        "base_skills",
        "arrival_profile",
        "trace_start",
        "trace_steps",
        "trace_first_row",
        "trace_severity",
        "trace_component",
    }
)
# Every other Params field is the config setting of the same name, as an int or a float (its type here).
SETTING_PARAMS = tuple(name for name in Params._fields if name not in DERIVED_PARAMS)
_SETTING_TYPES = {
    name: (
        int
        if getattr(Params.__annotations__[name], "__forward_arg__", Params.__annotations__[name]) == "int"
        else float
    )
    for name in SETTING_PARAMS
}


def build_params(config: EnvConfig) -> Params:
    """:class:`Params` of an :class:`~ticket_triage_marl.EnvConfig` (types fixed, so one compiled kernel serves all):
    each setting of :data:`SETTING_PARAMS` copied as its type, then the derived fields."""
    trace = config.trace() if config.arrival_process == "trace" else _NO_TRACE
    severity_cdf = np.cumsum(np.asarray(config.severity_mix, dtype=np.float64))
    severity_cdf[-1] = 1.0
    mechanics, t, e = config.mechanics(), config.max_tickets, config.n_engineers
    settings: dict[str, Any] = {name: kind(getattr(config, name)) for name, kind in _SETTING_TYPES.items()}
    return Params(
        **settings,
        arrival_process={"bernoulli": 0, "poisson": 1, "profile": 2, "trace": 3}[config.arrival_process],
        work_distribution={"lognormal": 0, "exponential": 1, "deterministic": 2}[config.work_distribution],
        individual_rewards=config.reward_mode == "individual",
        local_observation=config.observation_mode == "local",
        await_sla_paused=config.await_sla == "paused",
        request_info_awaits=config.request_info == "awaits",
        team_size=team_observation_size(config),
        profile_mean=float(np.mean(config.arrival_profile))
        if config.arrival_profile and any(config.arrival_profile)
        else 1.0,
        mechanic_offsets=np.asarray(mechanic_offsets(mechanics, t, e), dtype=np.int64),
        mechanic_ticket_size=len(mechanic_fields(MECHANIC_TICKET_FIELDS, mechanics)),
        mechanic_ticket_base=mechanic_block_base(t, e, mechanics),
        mechanic_engineer_size=len(mechanic_fields(MECHANIC_ENGINEER_FIELDS, mechanics)),
        mechanic_engineer_base=mechanic_block_base(t, e, mechanics)
        + t * len(mechanic_fields(MECHANIC_TICKET_FIELDS, mechanics)),
        n_groups=config.n_groups,
        engineer_group=np.asarray(config.groups or (0,) * e, dtype=np.int64),
        component_group=component_groups(config),
        link_verb=L.VERB_ROUTE + config.n_groups if "incidents" in mechanics else -1,
        age_scale=float(max(config.sla_steps)),
        severity_cdf=severity_cdf,
        component_cdf=component_cdf(config),
        sla_steps=np.asarray(config.sla_steps, dtype=np.int64),
        base_skills=np.asarray(config.skill_matrix(), dtype=np.float64).reshape(
            config.n_engineers, config.n_components
        ),
        arrival_profile=np.asarray(config.arrival_profile or (config.arrival_rate,), dtype=np.float64),
        trace_start=-1 if config.trace_start == "random" else int(config.trace_start),
        trace_steps=trace.n_steps,
        trace_first_row=trace.first_row,
        trace_severity=trace.severity,
        trace_component=trace.component,
    )


def component_cdf(config: EnvConfig) -> npt.NDArray[np.float64]:
    """The cumulative component mix, last entry exactly 1; empty without one (components are uniform)."""
    if config.component_mix is None:
        return np.zeros(0, dtype=np.float64)
    cdf = np.cumsum(np.asarray(config.component_mix, dtype=np.float64))
    cdf[-1] = 1.0
    return cdf


def component_groups(config: EnvConfig) -> npt.NDArray[np.int64]:
    """Teams: each component's home, the group most skilled at it (``EnvConfig.group_skills``; the lowest
    number on a tie, so the entry group 0 first): where a new ticket reported in it goes when it skips the
    entry group; all 0 without teams."""
    if config.groups is None:
        return np.zeros(config.n_components, dtype=np.int64)
    homes: npt.NDArray[np.int64] = np.argmax(np.asarray(config.group_skills(), dtype=np.float64), axis=0).astype(
        np.int64
    )
    return homes


def team_observation_size(config: EnvConfig) -> int:
    """Global + tickets (T x ticket fields) + engineers (E x engineer fields) of :mod:`.features`: the original
    description's layout, the coordinator's observation; then the fields of the mechanics on."""
    return team_size(config.max_tickets, config.n_engineers, config.mechanics())


def awaiting_capacity(config: EnvConfig) -> int:
    """Rows of the awaiting area: every open place (``T + Q``) with the awaiting mechanic on or hand-offs and pick-ups
    waited out off the board (``handoff_sigma > 0``, ``pickup_share > 0``), else 0."""
    off_board = config.groups is not None and (config.handoff_sigma > 0.0 or config.pickup_share > 0.0)
    return config.max_tickets + config.max_queue if "awaiting" in config.mechanics() or off_board else 0


def observation_size(config: EnvConfig) -> int:
    """Length of one engineer's observation vector: the team features and a one-hot of the engineer."""
    return team_observation_size(config) + config.n_engineers


def state_size(config: EnvConfig) -> int:
    """Length of the centralized state vector."""
    return (
        team_observation_size(config)
        + config.max_tickets * N_STATE_TICKET_EXTRA
        + config.n_engineers * N_STATE_ENGINEER_EXTRA
        + N_STATE_GLOBAL_EXTRA
        + config.n_engineers * config.n_components
    )


def agent_action_count(config: EnvConfig) -> int:
    """Size of an engineer's action space (:func:`.encoding.agent_action_count` of the config's shape)."""
    return encoding.agent_action_count(config.max_tickets, config.n_groups, "incidents" in config.mechanics())


def coordinator_action_count(config: EnvConfig) -> int:
    """Size of the coordinator's action space (:func:`.encoding.coordinator_action_count` of the config's shape)."""
    return encoding.coordinator_action_count(
        config.max_tickets, config.n_engineers, config.n_groups, "incidents" in config.mechanics()
    )


def allocate_state(config: EnvConfig, num_envs: int) -> State:
    """A zeroed :class:`State` of ``num_envs`` environments (reset them before stepping)."""
    n, e, t, q, c = num_envs, config.n_engineers, config.max_tickets, config.max_queue, config.n_components
    team, agent = team_observation_size(config), observation_size(config)
    awaiting = awaiting_capacity(config)
    return State(
        ticket_i=np.zeros((n, t + q, L.N_TICKET_INT), dtype=np.int32),
        ticket_f=np.zeros((n, t + q, L.N_TICKET_FLOAT), dtype=np.float64),
        contributed=np.zeros((n, t, e), dtype=np.float64),
        engineer_i=np.zeros((n, e, L.N_ENGINEER_INT), dtype=np.int64),
        env_i=np.zeros((n, L.N_ENV_INT), dtype=np.int64),
        skills=np.zeros((n, e, c), dtype=np.float64),
        reopen_i=np.zeros((n, t, L.N_TICKET_INT), dtype=np.int32),
        reopen_f=np.zeros((n, t, L.N_TICKET_FLOAT), dtype=np.float64),
        closed_i=np.zeros((n, t, L.N_CLOSED), dtype=np.int64),
        awaiting_i=np.zeros((n, awaiting, L.N_AREA_INT), dtype=np.int32) if awaiting else None,
        awaiting_f=np.zeros((n, awaiting, L.N_TICKET_FLOAT), dtype=np.float64) if awaiting else None,
        incident_i=np.zeros((n, config.incident_window, L.N_INCIDENT), dtype=np.int64)
        if config.p_incident > 0
        else None,
        routing_i=np.zeros((n, L.N_ROUTING), dtype=np.int64) if config.groups is not None else None,
        accumulated=np.zeros((n, e, L.N_REWARD), dtype=np.float64),
        parts=np.zeros((n, e, L.N_REWARD), dtype=np.float64),
        rewards=np.zeros((n, e), dtype=np.float64),
        actions=np.zeros((n, e), dtype=np.int64),
        observations=np.zeros((n, e, agent), dtype=np.float32),
        masks=np.zeros((n, e, agent_action_count(config)), dtype=np.int8),
        coordinator_actions=np.zeros(n, dtype=np.int64),
        coordinator_invalid=np.zeros(n, dtype=np.bool_),
        team_parts=np.zeros((n, L.N_REWARD), dtype=np.float64),
        team_rewards=np.zeros(n, dtype=np.float64),
        coordinator_observations=np.zeros((n, 1, team), dtype=np.float32),
        coordinator_masks=np.zeros((n, coordinator_action_count(config)), dtype=np.int8),
        done=np.zeros(n, dtype=np.bool_),
        final_env_i=np.zeros((n, L.N_ENV_INT), dtype=np.int64),
        final_observations=np.zeros((n, e, agent), dtype=np.float32),
        final_coordinator_observations=np.zeros((n, 1, team), dtype=np.float32),
        seeded=np.zeros(n, dtype=np.bool_),
    )
