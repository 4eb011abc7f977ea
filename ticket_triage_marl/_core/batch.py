"""The compiled entry points: what :class:`~.sim.BatchSim` calls.

:func:`run_envs` does every job: for the single envs, a reset, a step of the
engineers or of the coordinator, one engineer's AEC turn or an observation of
one environment; for the batches, a reset of one environment or a step (with
an autoreset mode, see :mod:`.types`) of a chunk of environments.
:func:`run_batch` is a ``prange`` loop over the chunks of a batch that calls
the compiled :func:`run_envs` through its address (:mod:`.native`), so the
step is compiled once, in :func:`run_envs`, for the single envs and the
batches alike. Each environment's arithmetic depends only on its own rows, so
results are bit-identical whatever the batch size or the number of threads.
A batch step prefetches the next environment's records (:mod:`.prefetch`).
:func:`write_state_one` writes the centralized state.

Few entry points, each called with int64 flags rather than literal values,
keep the first use (compiling from an empty cache) short.
"""

from __future__ import annotations

import numpy as np
import numpy.typing as npt
from numba import njit, prange

from .coordinator import begin_coordinator_tick, observe_coordinator, team_reward
from .future import resample_future
from .jit import ENTRY_JIT, JIT, PARALLEL_JIT, SEQUENCE_JIT
from .layout import EPISODE, T
from .native import call_native
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


# -- jobs ------------------------------------------------------------------------


# single environment (the single envs; ``done`` is left to the caller)
JOB_STEP = 0  # every engineer acts (state.actions[n]), the clock advances; the engineers' view is observed
JOB_COORDINATOR_STEP = 1  # the coordinator acts (state.coordinator_actions[n]); its view is observed
JOB_RESET = 2  # the next episode starts, outputs cleared; both views are observed
JOB_OBSERVE = 3  # both views are observed again; nothing else changes
JOB_TURN = 4  # AEC: one engineer acts (the tick begins with engineer 0); the engineers' view is observed
JOB_LAST_TURN = 5  # AEC: the last engineer acts, then the clock advances; the engineers' view is observed
# batch (run by run_batch on every environment; they set state.done[n]; ``option`` is the autoreset mode)
JOB_BATCH_RESET = 6  # as JOB_RESET (seed and episode set by the caller)
JOB_BATCH_STEP = 7  # as JOB_STEP, with the autoreset mode
JOB_BATCH_COORDINATOR_STEP = 8  # as JOB_COORDINATOR_STEP, with the autoreset mode
BATCH_CHUNK = 32  # environments per call of run_envs in a batch step


@njit(**ENTRY_JIT)
def run_envs(state: State, params: Params, n: Int, job: Int, option: Int) -> None:
    """One job (``JOB_*``) on environment ``n``, or, for the batch steps, on the
    chunk of :data:`BATCH_CHUNK` environments that starts at ``n`` (fewer at
    the end of the batch); ``option`` is the engineer whose turn it is (AEC
    jobs) or the autoreset mode (batch steps). While one environment of a
    chunk is worked on, the next one's records are prefetched.

    Every job runs through this one function so that the step and the
    observation code, which all of them run, are compiled once: from an empty
    cache the first use compiles this function, not one per job that each
    inline them, and the batch loop calls it too (:func:`run_batch`). Each
    piece of code is reached from one call site here, so LLVM inlines it once:
    the same-step autoreset is a second pass through the reset and observation.

    Batch steps: with NEXT_STEP autoreset, an environment done at the previous
    call starts its next episode instead (its actions ignored). With
    SAME_STEP, one that finishes now keeps its final observation and counters
    and starts its next episode at once (``done[n]`` stays True; the last
    step's rewards stay what this call returns).
    """
    batch = job >= JOB_BATCH_RESET
    coordinator = job == JOB_COORDINATOR_STEP or job == JOB_BATCH_COORDINATOR_STEP
    reset = job == JOB_RESET or job == JOB_BATCH_RESET
    stepping = not reset and job != JOB_OBSERVE
    same_step = batch and stepping and option == AUTORESET_SAME_STEP
    turn = job == JOB_TURN or job == JOB_LAST_TURN
    first_engineer = option if turn else 0
    stop_engineer = option + 1 if turn else state.actions.shape[1]
    observe_team = coordinator or job == JOB_RESET or job == JOB_OBSERVE or job == JOB_BATCH_RESET
    first = n
    stop = min(first + BATCH_CHUNK, state.env_i.shape[0]) if batch and stepping else first + 1
    for n in range(first, stop):
        if n + 1 < stop:
            prefetch_env(state, params, n + 1)
        restart = batch and stepping and option == AUTORESET_NEXT_STEP and state.done[n]
        finishing = False  # the second pass of a same-step autoreset
        while True:
            if restart:
                state.env_i[n, EPISODE] += 1
            if reset or restart:
                reset_env(state, params, n)
                if not finishing:
                    clear_outputs(state, n)
            elif stepping:
                step_env(state, params, n, coordinator, first_engineer, stop_engineer, job != JOB_TURN)
            if batch and not finishing:
                state.done[n] = stepping and not restart and state.env_i[n, T] >= params.horizon
            if not coordinator:
                observe_agents(state, params, n)
            if observe_team:
                observe_coordinator(state, params, n)
            if finishing or not (same_step and state.done[n]):
                break
            keep_final(state, n, coordinator)
            finishing = restart = True


@njit(**ENTRY_JIT)
def write_state_one(state: State, params: Params, n: Int, out: npt.NDArray[np.float32]) -> None:
    write_state(state, params, n, out)


@njit(**JIT)
def keep_final(state: State, n: Int, coordinator: bool) -> None:
    """Copy the counters and the observation (of the coordinator or the engineers) of ``n`` into the
    ``final_*`` records, before a same-step autoreset starts its next episode."""
    for k in range(state.env_i.shape[1]):
        state.final_env_i[n, k] = state.env_i[n, k]
    if coordinator:
        for k in range(state.coordinator_observations.shape[2]):
            state.final_coordinator_observations[n, 0, k] = state.coordinator_observations[n, 0, k]
    else:
        for engineer in range(state.observations.shape[1]):
            for k in range(state.observations.shape[2]):
                state.final_observations[n, engineer, k] = state.observations[n, engineer, k]


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


# The prange body only calls compiled code (run_envs through its address):
# numba drops writes made through a record's fields directly in a prange body
# (numba issues #5872, #7135, #10338), which would also hit functions inlined
# into it at the IR level.


@njit(**PARALLEL_JIT)
def run_batch(
    state: State, params: Params, run_envs_address: Int, which: npt.NDArray[np.bool_], job: Int, option: Int
) -> None:
    """``job`` on the whole batch, chunks of :data:`BATCH_CHUNK` environments
    in parallel: ``run_envs(state, params, first, job, option)`` once per chunk
    for the batch steps (every environment), and once per environment with
    ``which[n]`` set for a batch reset. ``run_envs_address`` is the address of
    the compiled :func:`run_envs` for these argument types (see :mod:`.native`)."""
    n_envs = state.env_i.shape[0]
    for chunk in prange((n_envs + BATCH_CHUNK - 1) // BATCH_CHUNK):
        first = chunk * BATCH_CHUNK
        if job == JOB_BATCH_RESET:
            for n in range(first, min(first + BATCH_CHUNK, n_envs)):
                if which[n]:
                    call_native(run_envs_address, state, params, n, job, option)
        else:
            call_native(run_envs_address, state, params, first, job, option)


# The centralized state of every environment: a prange loop over write_state_one, which writes only
# ``out`` (not the record, so the prange write loss above does not apply). Cached on disk like every
# kernel; its first compile takes about 2.6 s, paid only by the first call of ``state_vectors`` (the
# TorchRL env's centralized state). At N=4096 it runs in 0.25 ms on 2 threads (serial 0.6-1.5 ms).
@njit(**PARALLEL_JIT)
def write_states(state: State, params: Params, out: npt.NDArray[np.float32]) -> None:
    for n in prange(out.shape[0]):
        write_state_one(state, params, np.int64(n), out)


@njit(**ENTRY_JIT)
def resample_futures(state: State, params: Params, seed_lo: Int, seed_hi: Int) -> None:
    """A new random future for every environment, from the seed (``seed_lo``, ``seed_hi``), the step and each
    one's index (:mod:`.future`); an entry of its own, compiled at its first use (planning only)."""
    for n in range(state.env_i.shape[0]):
        resample_future(state, params, n, seed_lo, seed_hi, state.awaiting_i, state.awaiting_f, state.incident_i)
