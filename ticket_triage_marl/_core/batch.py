"""The compiled entry points: what :class:`~.sim.BatchSim` calls.

Single environment (the parallel, AEC and coordinator envs): :func:`run_one`
(reset, a step of the engineers or of the coordinator, one engineer's AEC
turn, observe) and :func:`write_state_one`. Batches:
:func:`reset_batch`, :func:`step_batch` and :func:`coordinator_step_batch`,
``prange`` loops over environments with an autoreset mode (see
:mod:`.types`). Each environment's arithmetic depends only on its own rows, so
results are bit-identical whatever the batch size or the number of threads.
The batch loops prefetch the next environment's records (:mod:`.prefetch`).

Few entry points, each called with int64 flags rather than literal values,
keep the first use (compiling from an empty cache) short.
"""

from __future__ import annotations

import numpy as np
import numpy.typing as npt
from numba import njit, prange

from .coordinator import begin_coordinator_tick, observe_coordinator, team_reward
from .jit import ENTRY_JIT, JIT, PARALLEL_JIT, SEQUENCE_JIT
from .layout import EPISODE, T
from .observe import observe_agents, write_state
from .prefetch import prefetch_record
from .rules import apply_action, begin_tick
from .step import advance, clear_outputs, reset_env
from .types import AUTORESET_NEXT_STEP, AUTORESET_SAME_STEP, Int, Params, State


@njit(**SEQUENCE_JIT)
def step_env(state: State, params: Params, n: Int, coordinator: bool, first: Int, stop: Int, ends_tick: bool) -> None:
    """Engineers ``first .. stop - 1`` of environment ``n`` act in index order
    (``state.actions[n]``, or the mapping of ``state.coordinator_actions[n]`` with
    ``coordinator``). The tick begins with engineer 0; with ``ends_tick`` the clock
    advances after them (and the coordinator's team reward is summed). A whole
    step is ``(0, E, True)``; an AEC turn is one engineer's range."""
    if coordinator:
        begin_coordinator_tick(state, params, n)
    elif first == 0:
        begin_tick(state, n)
    for engineer in range(first, stop):
        apply_action(state, params, n, engineer, state.actions[n, engineer])
    if ends_tick:
        advance(state, params, n)
        if coordinator:
            state.team_rewards[n] = team_reward(state, params, n)


@njit(**SEQUENCE_JIT)
def reset_and_observe(state: State, params: Params, n: Int) -> None:
    """Start the next episode of ``n``, outputs cleared, observed in both views (engineers and coordinator)."""
    reset_env(state, params, n)
    clear_outputs(state, n)
    observe_agents(state, params, n)
    observe_coordinator(state, params, n)


# -- one environment -------------------------------------------------------------


JOB_STEP = 0  # every engineer acts (state.actions[n]), the clock advances; the engineers' view is observed
JOB_COORDINATOR_STEP = 1  # the coordinator acts (state.coordinator_actions[n]); its view is observed
JOB_RESET = 2  # the next episode starts, outputs cleared; both views are observed
JOB_OBSERVE = 3  # both views are observed again; nothing else changes
JOB_TURN = 4  # AEC: one engineer acts (the tick begins with engineer 0); the engineers' view is observed
JOB_LAST_TURN = 5  # AEC: the last engineer acts, then the clock advances; the engineers' view is observed


@njit(**ENTRY_JIT)
def run_one(state: State, params: Params, n: Int, job: Int, engineer: Int) -> None:
    """One job (``JOB_*``) on environment ``n``; ``engineer`` is the one whose turn it is (AEC jobs only).

    Reset, steps, AEC turns and observing share one entry point so that the
    step and the observation code, which all of them run, are compiled once:
    from an empty cache the first use compiles this function, not four that
    each inline them.
    """
    if job == JOB_RESET:
        reset_env(state, params, n)
        clear_outputs(state, n)
    elif job != JOB_OBSERVE:
        turn = job == JOB_TURN or job == JOB_LAST_TURN
        first = engineer if turn else 0
        stop = engineer + 1 if turn else state.actions.shape[1]
        step_env(state, params, n, job == JOB_COORDINATOR_STEP, first, stop, job != JOB_TURN)
    if job != JOB_COORDINATOR_STEP:
        observe_agents(state, params, n)
    if job == JOB_RESET or job == JOB_OBSERVE or job == JOB_COORDINATOR_STEP:
        observe_coordinator(state, params, n)


@njit(**ENTRY_JIT)
def write_state_one(state: State, params: Params, n: Int, out: npt.NDArray[np.float32]) -> None:
    write_state(state, params, n, out)


# -- batches ---------------------------------------------------------------------


@njit(**JIT)
def prefetch_env(state: State, params: Params, n: Int) -> None:
    """Ask the memory system for environment ``n``'s hot records while the
    previous one is stepped (see :mod:`.prefetch`; changes no value)."""
    n_slots = params.max_tickets
    prefetch_record(state.ticket_i, n, n_slots * state.ticket_i.strides[1])
    prefetch_record(state.ticket_f, n, n_slots * state.ticket_f.strides[1])
    prefetch_record(state.contributed, n, state.contributed.strides[0])
    prefetch_record(state.engineer_i, n, state.engineer_i.strides[0])
    prefetch_record(state.env_i, n, state.env_i.strides[0])
    prefetch_record(state.skills, n, state.skills.strides[0])
    prefetch_record(state.accumulated, n, state.accumulated.strides[0])
    prefetch_record(state.parts, n, state.parts.strides[0])
    prefetch_record(state.rewards, n, state.rewards.strides[0])
    prefetch_record(state.observations, n, state.observations.strides[0])
    prefetch_record(state.masks, n, state.masks.strides[0])


@njit(**JIT)
def reset_in_batch(state: State, params: Params, n: Int) -> None:
    """The body of :func:`reset_batch` for environment ``n``."""
    reset_and_observe(state, params, n)
    state.done[n] = False


@njit(**JIT)
def step_in_batch(state: State, params: Params, n: Int, coordinator: bool, autoreset: Int) -> None:
    """The body of the batch steps for environment ``n``: the autoreset, the step, the observation."""
    if autoreset == AUTORESET_NEXT_STEP and state.done[n]:
        state.env_i[n, EPISODE] += 1
        reset_env(state, params, n)
        clear_outputs(state, n)
        state.done[n] = False
    else:
        step_env(state, params, n, coordinator, 0, state.actions.shape[1], True)
        state.done[n] = state.env_i[n, T] >= params.horizon
    if coordinator:
        observe_coordinator(state, params, n)
    else:
        observe_agents(state, params, n)
    if autoreset == AUTORESET_SAME_STEP and state.done[n]:
        _finish_same_step(state, params, n, coordinator)


@njit(**JIT)
def _finish_same_step(state: State, params: Params, n: Int, coordinator: bool) -> None:
    """Same-step autoreset of a finished ``n``: keep its final observation and
    counters, then start its next episode at once (``done[n]`` stays True; the
    last step's rewards stay what this call returns)."""
    for k in range(state.env_i.shape[1]):
        state.final_env_i[n, k] = state.env_i[n, k]
    if coordinator:
        for k in range(state.coordinator_observations.shape[2]):
            state.final_coordinator_observations[n, 0, k] = state.coordinator_observations[n, 0, k]
    else:
        for engineer in range(state.observations.shape[1]):
            for k in range(state.observations.shape[2]):
                state.final_observations[n, engineer, k] = state.observations[n, engineer, k]
    state.env_i[n, EPISODE] += 1
    reset_env(state, params, n)
    if coordinator:
        observe_coordinator(state, params, n)
    else:
        observe_agents(state, params, n)


# The prange bodies below only call separately compiled functions: numba drops
# writes made through a record's fields directly in a prange body (numba issues
# #5872, #7135, #10338), which would also hit functions inlined into it at the IR level.


@njit(**PARALLEL_JIT)
def reset_batch(state: State, params: Params, which: npt.NDArray[np.bool_]) -> None:
    """Reset the environments with ``which[n]`` set (their seed and episode set by the caller)."""
    for n in prange(state.env_i.shape[0]):
        if which[n]:
            reset_in_batch(state, params, np.int64(n))


@njit(**PARALLEL_JIT)
def step_batch(state: State, params: Params, autoreset: Int) -> None:
    """Step every environment with ``state.actions`` and observe the engineers.
    NEXT_STEP autoreset: environments done at the previous call start their
    next episode instead (their actions ignored). SAME_STEP: an environment
    that finishes now starts its next episode at once (``done`` reports it)."""
    n_envs = state.env_i.shape[0]
    for n in prange(n_envs):
        if n + 1 < n_envs:
            prefetch_env(state, params, np.int64(n + 1))
        step_in_batch(state, params, np.int64(n), False, autoreset)


@njit(**PARALLEL_JIT)
def coordinator_step_batch(state: State, params: Params, autoreset: Int) -> None:
    """Coordinator step of every environment with ``state.coordinator_actions``
    (autoreset modes as :func:`step_batch`)."""
    n_envs = state.env_i.shape[0]
    for n in prange(n_envs):
        if n + 1 < n_envs:
            prefetch_env(state, params, np.int64(n + 1))
        step_in_batch(state, params, np.int64(n), True, autoreset)
