"""BatchSim: the one door between the adapters and the compiled core.

:class:`BatchSim` owns the :class:`~.types.State` of ``num_envs`` environments
and the :class:`~.types.Params` of their config, and exposes every operation
and every reading an adapter needs: seeding, resets, steps (per engineer, per
coordinator action, whole batches with an autoreset mode), typed accessors
(counters, backlog, rewards, invalid flags, current actions, observations and
masks), the centralized state, snapshots and checkpoints. It contains no
ticket logic (that lives in the kernel modules) and adapters never index the
state arrays by layout column themselves.

Kernels are called through their compiled entry points once numba has
resolved them: numba's own dispatch computes the type of every argument on
every call, which for a record of two dozen arrays costs several microseconds,
more than a whole step of one environment.
"""

from __future__ import annotations

import dataclasses
from typing import Any, NamedTuple, cast

import numba
import numpy as np
import numpy.typing as npt

from . import batch as B
from . import layout as L
from .awaiting import AWAITING_PICKUP, HANDED_OFF
from .jit import announce_compile, kernel_codegen
from .native import python_address
from .rng import uniform
from .tickets import queue_row
from .types import (
    AUTORESET_NEXT_STEP,
    AUTORESET_OFF,
    AUTORESET_SAME_STEP,
    Params,
    State,
    allocate_state,
    build_params,
    state_size,
)

__all__ = ["AUTORESET_NEXT_STEP", "AUTORESET_OFF", "AUTORESET_SAME_STEP", "BatchSim", "EnvOutputs", "check_seed"]

MAX_SEED = 2**64 - 1
CHECKPOINT_FORMAT = "ticket_triage_marl.checkpoint/2"  # 2: closed_i, FIRST_WORK (lifecycle records)
COUNTER_FIELDS = {
    "arrived": L.ARRIVED,
    "resolved": L.RESOLVED,
    "breaches": L.BREACHES,
    "dropped": L.DROPPED,
    "reopened": L.REOPENS,
}


def _area_fields(entry: dict[str, Any], rec: list[int], now: int) -> None:
    """A ticket of the awaiting area: its current wait so far (``awaiting_for``), or for a hand-off waited out
    off the board, its time in transit so far (``handed_off_for``; it is not awaiting, nor blocked), and for a new
    ticket waiting for its group to pick it up, ``pickup`` True (not a reassignment)."""
    if rec[L.BLOCKED] in (HANDED_OFF, AWAITING_PICKUP):
        entry["blocked"] = 0
        entry["handed_off_for"] = now - int(rec[L.AWAIT_SINCE])
        if rec[L.BLOCKED] == AWAITING_PICKUP:
            entry["pickup"] = True
    else:
        entry["awaiting_for"] = now - int(rec[L.AWAIT_SINCE])


def _secret(rec: Any, incidents: bool, in_area: bool, bouncing: bool | None) -> dict[str, Any]:
    """The hidden part of the ticket record ``rec``: its true component (teams: another than the one it shows
    while misreported), ambiguity, reassignment kind (``bouncing``, given: ``bouncing_share`` > 0), incident (the
    root's id, and whether it is one) and, in the awaiting area, the steps until its wait ends."""
    secret: dict[str, Any] = {
        "id": int(rec[L.TICKET_ID]),
        "component": int(rec[L.COMPONENT]),
        "ambiguous": bool(rec[L.AMBIGUOUS]),
    }
    if in_area:
        secret["returns_in"] = int(rec[L.AWAIT_LEFT])
    if bouncing is not None:
        secret["bouncing"] = bouncing
    if incidents:
        incident = int(rec[L.INCIDENT])
        secret["incident"] = incident - 1 if incident > 0 else None
        secret["root"] = incident == L.INCIDENT_ROOT
    return secret


def check_future_seed(future_seed: Any) -> int | None:
    """``future_seed`` as an int in [0, 2**64), or None; ``ValueError`` naming the value otherwise."""
    if future_seed is None:
        return None
    if isinstance(future_seed, bool) or not isinstance(future_seed, (int, np.integer)):
        raise ValueError(f"future_seed must be an int in [0, 2**64) or None, got {future_seed!r}")
    seed = int(future_seed)
    if not 0 <= seed < 2**64:
        raise ValueError(f"future_seed must be an int in [0, 2**64) or None, got {seed}")
    return seed


def _numba_types(args: tuple[Any, ...]) -> tuple[Any, ...]:
    """The numba types of ``args``: the key of a kernel's compiled overload."""
    return tuple(numba.typeof(arg) for arg in args)  # type: ignore[no-untyped-call]  # numba.typeof is unannotated


def _variant(state: State) -> tuple[bool, ...]:
    """Which optional mechanics' arrays a state has (all it takes to tell its numba type from another's)."""
    return (state.awaiting_i is None, state.incident_i is None, state.routing_i is None)


class _Kernel:
    """A compiled kernel, called through its entry point after the first call.

    The state and params have the same numba types (built by
    :func:`~.types.allocate_state` and :func:`~.types.build_params`) except
    for the optional mechanics' arrays, None where a mechanic is off: so each
    kernel has one signature per combination of mechanics (:func:`_variant`,
    the key of its entry points); with ``NUMBA_DISABLE_JIT=1`` the plain
    Python function is called.
    """

    def __init__(self, dispatcher: Any) -> None:
        self.dispatcher = dispatcher
        self.entries: dict[tuple[bool, ...], Any] = {}

    def __call__(self, *args: Any) -> Any:
        variant = _variant(args[0])
        entry = self.entries.get(variant)
        if entry is not None:
            return entry(*args)
        if not hasattr(self.dispatcher, "overloads"):  # NUMBA_DISABLE_JIT
            return self.dispatcher(*args)
        argtypes = _numba_types(args)
        self._compile(argtypes)
        result = self.dispatcher(*args)
        self.entries[variant] = self.dispatcher.get_overload(self.dispatcher.overloads[argtypes].signature)
        return result

    def _compile(self, argtypes: tuple[Any, ...]) -> None:
        """Load the kernel for ``argtypes`` from numba's cache, or compile it (after the one line of
        :func:`~.jit.announce_compile`, with the settings of :func:`~.jit.kernel_codegen`)."""
        if argtypes not in self.dispatcher.overloads:
            announce_compile(self.dispatcher, argtypes)
            with kernel_codegen():
                self.dispatcher.compile(argtypes)

    def native_address(self, *args: Any) -> int:
        """The address of the compiled function for the types of ``args``, in numba's calling
        convention (what :func:`~.native.call_native` calls); compiled or loaded from the cache
        if needed (with ``NUMBA_DISABLE_JIT=1``, the number :func:`~.native.python_address` gives the
        plain function). Valid in this process only."""
        if not hasattr(self.dispatcher, "overloads"):
            return python_address(self.dispatcher)
        argtypes = _numba_types(args)
        self._compile(argtypes)
        result = self.dispatcher.overloads[argtypes]
        return int(result.library.get_pointer_to_function(result.fndesc.llvm_func_name))


_run_envs = _Kernel(B.run_envs)
_run_batch = _Kernel(B.run_batch)
_write_state_one = _Kernel(B.write_state_one)
_resample_futures = _Kernel(B.resample_futures)


_write_states_all = _Kernel(B.write_states)
_queue_row = getattr(queue_row, "py_func", queue_row)  # plain Python: snapshots need no compiled call


def draw_entropy_seed() -> int:
    """A fresh seed from OS entropy, for resets without a seed."""
    entropy = cast(int, np.random.SeedSequence().entropy)  # drawn from the OS when not given: an int
    return int(entropy % (MAX_SEED + 1))


def check_seed(seed: object) -> int:
    """``seed`` as an int in ``[0, 2**64 - 1]``, or a clear error."""
    if isinstance(seed, bool) or not isinstance(seed, (int, np.integer)):
        raise TypeError(f"seed must be an int, got {seed!r}")
    seed = int(seed)
    if not 0 <= seed <= MAX_SEED:
        raise ValueError(f"seed must be in [0, 2**64 - 1], got {seed}")
    return seed


def config_differences(expected: Any, got: Any) -> list[str]:
    """Fields (``name=value``) in which config ``got`` differs from ``expected``."""
    return [
        f"{field.name}={getattr(got, field.name)!r} (expected {getattr(expected, field.name)!r})"
        for field in dataclasses.fields(expected)
        if field.compare and getattr(expected, field.name) != getattr(got, field.name)
    ]


class EnvOutputs(NamedTuple):
    """Views of one environment's outputs (see :meth:`BatchSim.outputs`)."""

    observations: np.ndarray  # (E, D) float32
    masks: np.ndarray  # (E, 1+4T) int8
    rewards: np.ndarray  # (E,) float64
    reward_parts: np.ndarray  # (E, R) float64
    invalid_actions: np.ndarray  # (E,) int64


class BatchSim:
    """The state of ``num_envs`` environments of one config, and every operation on it.

    Attributes:
        config: the :class:`~ticket_triage_marl.EnvConfig`.
        num_envs: N.
        state: the :class:`~.types.State` record (arrays with a leading axis N).
        params: the :class:`~.types.Params` record.
    """

    def __init__(self, config: Any, num_envs: int = 1) -> None:
        if isinstance(num_envs, bool) or not isinstance(num_envs, (int, np.integer)) or num_envs < 1:
            raise ValueError(f"num_envs must be an int >= 1, got {num_envs!r}")
        self.config = config
        self.num_envs = int(num_envs)
        self.n_slots = config.max_tickets
        self.params: Params = build_params(config)
        self.state: State = allocate_state(config, self.num_envs)
        self._state_out = np.zeros((self.num_envs, 1, state_size(config)), dtype=np.float32)
        self._make_views()

    _VIEWS = ("_coordinator_view", "_final_coordinator_view", "_invalid_view", "_outputs", "_run_envs_address")

    def _make_views(self) -> None:
        """The views of the state that the accessors return (attributes :data:`_VIEWS`)."""
        self._coordinator_view = self.state.coordinator_observations[:, 0, :]
        self._final_coordinator_view = self.state.final_coordinator_observations[:, 0, :]
        self._invalid_view = self.state.engineer_i[:, :, L.INVALID]
        self._outputs: dict[int, EnvOutputs] = {}  # per environment, made at the first outputs(n)
        self._run_envs_address: int | None = None  # of the compiled run_envs, for run_batch (this process only)
        self._all = np.ones(self.num_envs, dtype=np.bool_)

    def _run_batch(self, which: np.ndarray, job: int, option: int = 0) -> None:
        """``job`` on every environment with ``which[n]``, in one ``prange`` call of the compiled ``run_envs``."""
        if self._run_envs_address is None:
            self._run_envs_address = _run_envs.native_address(self.state, self.params, 0, B.JOB_BATCH_STEP, 0)
        _run_batch(self.state, self.params, self._run_envs_address, which, job, option)

    def __getstate__(self) -> dict[str, Any]:
        # pickle and deepcopy would turn each view into an array of its own, which the kernels never
        # write again: leave the views out and make them anew over the copied state
        return {name: value for name, value in self.__dict__.items() if name not in self._VIEWS}

    def __setstate__(self, state: dict[str, Any]) -> None:
        self.__dict__.update(state)
        self._make_views()

    def set_horizon(self, horizon: int) -> None:
        """Change the episode length (PettingZoo's ``max_cycles`` alias); shapes are unchanged."""
        self.config = self.config.replace(horizon=horizon)
        self.params = self.params._replace(horizon=int(horizon))

    # -- seeding and resets ------------------------------------------------------
    def set_seed(self, n: int, seed: int | None) -> None:
        """Gymnasium convention: a seed restarts the stream at episode 0; no seed
        continues with the next episode (a fresh entropy seed the first time)."""
        env = self.state.env_i
        if seed is None:
            if self.state.seeded[n]:
                env[n, L.EPISODE] += 1
                return
            seed = draw_entropy_seed()
        seed = check_seed(seed)
        env[n, L.SEED_LO] = seed & 0xFFFFFFFF
        env[n, L.SEED_HI] = seed >> 32
        env[n, L.EPISODE] = 0
        self.state.seeded[n] = True

    def set_seeds(self, seeds: np.ndarray) -> None:
        """:meth:`set_seed` of every environment at once: environment ``n`` restarts its stream at
        ``seeds[n]`` (uint64, shape (N,)); its next reset is episode 0."""
        seeds = np.asarray(seeds, dtype=np.uint64)
        if seeds.shape != (self.num_envs,):
            raise ValueError(f"seeds must have shape ({self.num_envs},), got {seeds.shape}")
        env = self.state.env_i
        env[:, L.SEED_LO] = (seeds & np.uint64(0xFFFFFFFF)).astype(np.int64)
        env[:, L.SEED_HI] = (seeds >> np.uint64(32)).astype(np.int64)
        env[:, L.EPISODE] = 0
        self.state.seeded[:] = True

    def reset_next_many(self, which: np.ndarray) -> None:
        """Start the next episode of every (seeded) environment with ``which[n]``, in one compiled call:
        what :meth:`set_seed` without a seed followed by :meth:`reset_many` does, without a loop."""
        which = np.ascontiguousarray(which, dtype=np.bool_)
        if not self.state.seeded[which].all():
            raise RuntimeError("reset_next_many: every environment to reset needs a seed first (set_seeds)")
        self.state.env_i[which, L.EPISODE] += 1
        self._run_batch(which, B.JOB_BATCH_RESET)

    def reset(self, n: int, seed: int | None = None) -> None:
        """Start the next episode of environment ``n`` (or restart its stream at ``seed``) and observe it."""
        self.set_seed(n, seed)
        _run_envs(self.state, self.params, int(n), B.JOB_RESET, 0)
        self.state.done[n] = False

    def reset_many(self, which: np.ndarray) -> None:
        """Reset every environment with ``which[n]`` (seeds already set) in one compiled call."""
        self._run_batch(np.ascontiguousarray(which, dtype=np.bool_), B.JOB_BATCH_RESET)

    # -- steps ---------------------------------------------------------------------
    def step(self, n: int, actions: Any) -> None:
        """Every engineer of ``n`` acts (``actions`` of shape (E,), in space), the clock advances."""
        self.state.actions[n] = actions
        _run_envs(self.state, self.params, int(n), B.JOB_STEP, 0)

    def coordinator_step(self, n: int, action: int) -> None:
        """The coordinator of ``n`` takes ``action`` (in space), the clock advances."""
        self.state.coordinator_actions[n] = action
        _run_envs(self.state, self.params, int(n), B.JOB_COORDINATOR_STEP, 0)

    def act(self, n: int, engineer: int, action: int, last: bool) -> None:
        """One AEC turn of ``engineer``: the tick begins with engineer 0, the clock advances after the ``last``."""
        self.state.actions[n, engineer] = action
        _run_envs(self.state, self.params, int(n), B.JOB_LAST_TURN if last else B.JOB_TURN, int(engineer))

    def step_all(self, actions: np.ndarray, autoreset: int = AUTORESET_NEXT_STEP) -> None:
        """Step every environment with ``actions`` (N, E) in one ``prange`` call; see :mod:`.types` for ``autoreset``."""
        self.state.actions[...] = actions
        self._run_batch(self._all, B.JOB_BATCH_STEP, int(autoreset))

    def coordinator_step_all(self, actions: np.ndarray, autoreset: int = AUTORESET_NEXT_STEP) -> None:
        """Coordinator step of every environment with ``actions`` (N,)."""
        self.state.coordinator_actions[...] = actions
        self._run_batch(self._all, B.JOB_BATCH_COORDINATOR_STEP, int(autoreset))

    def observe(self, n: int) -> None:
        """Rewrite both views' observations and masks of ``n`` from its state (a
        coordinator step refreshes only the coordinator's)."""
        _run_envs(self.state, self.params, int(n), B.JOB_OBSERVE, 0)

    # -- readings ------------------------------------------------------------------
    @property
    def done(self) -> np.ndarray:
        """(N,) bool: the last batch step ended the episode (same-step mode: and started the next)."""
        return self.state.done

    @property
    def observations(self) -> np.ndarray:
        """(N, E, D) float32 view: the engineers' observations."""
        return self.state.observations

    @property
    def masks(self) -> np.ndarray:
        """(N, E, 1+4T) int8 view: the engineers' action masks."""
        return self.state.masks

    @property
    def rewards(self) -> np.ndarray:
        """(N, E) float64 view: last step's reward per engineer."""
        return self.state.rewards

    @property
    def reward_parts(self) -> np.ndarray:
        """(N, E, R) float64 view: last step's reward breakdown per engineer (components as ``REWARD_NAMES``)."""
        return self.state.parts

    @property
    def coordinator_observations(self) -> np.ndarray:
        """(N, Dc) float32 view: the coordinator's flat observation."""
        return self._coordinator_view

    @property
    def coordinator_masks(self) -> np.ndarray:
        """(N, Ac) int8 view: the coordinator's exact masks."""
        return self.state.coordinator_masks

    @property
    def team_rewards(self) -> np.ndarray:
        """(N,) float64 view: last step's team reward."""
        return self.state.team_rewards

    @property
    def coordinator_invalid(self) -> np.ndarray:
        """(N,) bool view: the last coordinator action was masked (applied as NOOP)."""
        return self.state.coordinator_invalid

    @property
    def invalid_actions(self) -> np.ndarray:
        """(N, E) int64 view: 1 where an engineer's last action was masked (applied as NOOP)."""
        return self._invalid_view

    def outputs(self, n: int) -> EnvOutputs:
        """Views of environment ``n``'s rows of :attr:`observations`, :attr:`masks`, :attr:`rewards`,
        :attr:`reward_parts` and :attr:`invalid_actions`, which every step or reset of ``n`` rewrites.

        Made once per environment and then returned again (no operation reallocates the state;
        :meth:`restore_state` copies into it): the single-env adapters read every step's outputs
        without indexing the batch five times.
        """
        outputs = self._outputs.get(n)
        if outputs is None:
            state = self.state
            outputs = EnvOutputs(
                state.observations[n], state.masks[n], state.rewards[n], state.parts[n], self._invalid_view[n]
            )
            self._outputs[n] = outputs
        return outputs

    @property
    def engineer_actions(self) -> np.ndarray:
        """(N, E) int64 view: the engineers' actions of the last step (the coordinator's mapping)."""
        return self.state.actions

    @property
    def final_coordinator_observations(self) -> np.ndarray:
        """(N, Dc) float32 view: the last observation of the episode a same-step autoreset ended."""
        return self._final_coordinator_view

    @property
    def final_observations(self) -> np.ndarray:
        """(N, E, D) float32 view: likewise for the engineers."""
        return self.state.final_observations

    def nbytes(self) -> int:
        """Bytes of state held for the whole batch."""
        return sum(array.nbytes for array in self.state if array is not None)

    def t(self, n: int) -> int:
        """Completed steps of ``n`` in this episode (a Python int)."""
        return self.state.env_i.item(n, L.T)  # item: the int without an intermediate numpy scalar

    def trace_offset(self, n: int) -> int:
        """The trace step that step 1 of ``n``'s episode replays (``arrival_process="trace"``)."""
        return int(self.state.env_i[n, L.TRACE_OFFSET])

    def steps(self) -> npt.NDArray[np.int64]:
        """(N,) int64: completed steps of every environment."""
        steps: npt.NDArray[np.int64] = self.state.env_i[:, L.T].copy()
        return steps

    def counters(self, n: int) -> dict[str, int]:
        """Episode counters of ``n``: arrived, resolved, breaches, dropped, reopened."""
        env = self.state.env_i[n].tolist()  # one conversion, then plain ints
        return {name: env[column] for name, column in COUNTER_FIELDS.items()}

    def counters_all(self, final: bool = False) -> dict[str, np.ndarray]:
        """Counters of every environment, arrays of shape (N,); ``final``: of the episodes a
        same-step autoreset just ended."""
        env = self.state.final_env_i if final else self.state.env_i
        return {name: env[:, column].copy() for name, column in COUNTER_FIELDS.items()}

    def backlog(self, n: int) -> int:
        """Open tickets in slots plus queued tickets of ``n``."""
        env = self.state.env_i
        return int(env[n, L.ARRIVED] - env[n, L.RESOLVED] - env[n, L.DROPPED])

    def backlog_all(self) -> np.ndarray:
        """(N,) int64: open tickets in slots plus queued tickets. By conservation
        (the README's "Guarantees", tested at every step) that is arrived - resolved - dropped."""
        env = self.state.env_i
        return env[:, L.ARRIVED] - env[:, L.RESOLVED] - env[:, L.DROPPED]

    def team_reward_breakdown(self, n: int) -> dict[str, float]:
        """Last step's team reward components of ``n`` (name -> value)."""
        return dict(zip(L.REWARD_NAMES, self.state.team_parts[n].tolist(), strict=True))

    def state_vector(self, n: int) -> npt.NDArray[np.float32]:
        """The centralized state of ``n`` (float32, a new array)."""
        _write_state_one(self.state, self.params, int(n), self._state_out)
        vector: npt.NDArray[np.float32] = self._state_out[n, 0].copy()
        return vector

    def state_vectors(self) -> npt.NDArray[np.float32]:
        """(N, S) float32 view: the centralized state of every environment, rewritten by each call
        (one compiled loop; equal to :meth:`state_vector` of each)."""
        _write_states_all(self.state, self.params, self._state_out)
        vectors: npt.NDArray[np.float32] = self._state_out[:, 0, :]
        return vectors

    def _bouncing(self, n: int, rec: Any) -> bool | None:
        """Whether the ticket of record ``rec`` is of the bouncing kind (``bouncing_share``: a hash of its id, as
        the kernel draws it), None with the kind off."""
        if self.config.bouncing_share <= 0.0:
            return None
        draw = uniform(int(self.state.env_i[n, L.HASH_PREFIX]), int(rec[L.TICKET_ID]), L.RNG_BOUNCING, 0)
        return bool(draw < self.config.bouncing_share)

    def snapshot(self, n: int, waiting_lists: bool = True, hidden: bool = True) -> dict[str, Any]:
        """The full raw state of environment ``n`` as JSON-able Python: what the agents may see at the top level
        (a ticket's ``"component"`` is the one it shows), and under ``"hidden"`` what only the simulator knows
        (``hidden=False``: without it; ``waiting_lists=False``: without the ``"queue"`` and ``"awaiting"`` lists
        of tickets outside the slots). ``"hidden"`` is ``{"tickets": [{"id", "component" (the true one),
        "ambiguous"} (+ "incident", "root" with incidents; + "returns_in", steps until its wait on others ends,
        in the awaiting area), by id], "pending_reopens"}`` (+ ``"incidents"``, the incidents begun)."""
        state, params = self.state, self.params
        ticket_i, ticket_f, engineers = state.ticket_i[n], state.ticket_f[n], state.engineer_i[n]
        now = self.t(n)
        assignees: dict[int, list[int]] = {}
        for index in range(engineers.shape[0]):
            slot = int(engineers[index, L.CURRENT_SLOT])
            if slot >= 0:
                assignees.setdefault(slot, []).append(index)

        awaiting = "awaiting" in self.config.mechanics()
        incidents = "incidents" in self.config.mechanics()
        teams = "teams" in self.config.mechanics()
        n_components = self.config.n_components

        secrets: list[dict[str, Any]] = []  # the hidden part of each ticket listed

        def ticket(
            row: int, slot: int | None, records: Any = ticket_i, floats: Any = ticket_f, in_area: bool = False
        ) -> dict[str, Any]:
            rec = records[row].tolist()  # plain ints: indexing a list is faster than numpy scalars
            amounts = floats[row].tolist()
            waiting_on = int(rec[L.WAITING_ON])
            entry = {
                "id": int(rec[L.TICKET_ID]),
                "slot": slot,
                "severity": int(rec[L.SEVERITY]),
                "component": (int(rec[L.COMPONENT]) + int(rec[L.MISREPORT])) % n_components,  # the one it shows
                "age": now - int(rec[L.ARRIVAL]),
                "sla_remaining": int(rec[L.DEADLINE]) - now,
                "work_remaining": amounts[L.WORK_REMAINING],
                "work_total": amounts[L.WORK_TOTAL],
                "blocked": int(rec[L.BLOCKED]),
                "waiting_on": waiting_on if waiting_on >= 0 else None,
                "escalated": bool(rec[L.ESCALATED]),
                "assignees": assignees.get(slot, []) if slot is not None else [],
                "reopened": bool(rec[L.REOPENED]),
                "breached": bool(rec[L.BREACHED]),
                "deferrals": int(rec[L.DEFERRALS]),
            }
            if hidden:
                secrets.append(_secret(rec, incidents, in_area, self._bouncing(n, rec)))
            if teams:  # its group, hand-offs, transit
                entry["group"] = int(rec[L.GROUP])
                entry["first_group"] = int(rec[L.FIRST_GROUP])
                entry["reassignments"] = int(rec[L.REASSIGNMENTS])
                entry["in_transit"] = int(rec[L.HANDOFF])
            if awaiting:  # steps awaited in this life; in the awaiting area, also the current wait so far
                entry["awaited"] = int(rec[L.AWAITED])
            if in_area:
                _area_fields(entry, rec, now)
            return entry

        queued = int(state.env_i[n, L.QUEUE_COUNT])
        snapshot = {
            "t": now,
            "horizon": self.config.horizon,
            "counters": self.counters(n),
            "tickets": [
                ticket(slot, slot) for slot, active in enumerate(ticket_i[: self.n_slots, L.ACTIVE].tolist()) if active
            ],
            "queue": [
                ticket(int(_queue_row(state, params, n, k)), None) for k in range(queued if waiting_lists else 0)
            ],
            "engineers": [
                {
                    "index": index,
                    "ticket": row[L.CURRENT_SLOT] if row[L.CURRENT_SLOT] >= 0 else None,
                    "time_on_ticket": row[L.TIME_ON_TICKET],
                    "on_shift": bool(row[L.ON_SHIFT]),
                    "ramp_left": row[L.RAMP_LEFT],
                }
                for index, row in enumerate(engineers.tolist())
            ],
        }
        if teams:
            assert state.routing_i is not None
            snapshot["routed"] = int(state.routing_i[n, L.ROUTED])  # hand-offs this episode
            for entry in snapshot["engineers"]:
                entry["group"] = int(params.engineer_group[entry["index"]])
        if not waiting_lists:
            del snapshot["queue"]
        elif state.awaiting_i is not None and state.awaiting_f is not None:
            # the awaiting area (when each wait ends is hidden, as from the agents): tickets awaiting others, and
            # (handoff_sigma > 0, pickup_share > 0) tickets waiting out a hand-off or a pick-up off the board
            area_i, area_f = state.awaiting_i[n], state.awaiting_f[n]
            rows = range(int(state.env_i[n, L.AWAITING_OPEN]))
            handed_off = {k for k in rows if area_i[k, L.BLOCKED] in (HANDED_OFF, AWAITING_PICKUP)}
            by_id = lambda entry: entry["id"]  # noqa: E731
            if awaiting:
                listed = (ticket(k, None, area_i, area_f, in_area=True) for k in rows if k not in handed_off)
                snapshot["awaiting"] = sorted(listed, key=by_id)
            if teams and (self.config.handoff_sigma > 0.0 or self.config.pickup_share > 0.0):
                listed = (ticket(k, None, area_i, area_f, in_area=True) for k in sorted(handed_off))
                snapshot["handed_off"] = sorted(listed, key=by_id)
        if hidden:
            snapshot["hidden"] = {
                "tickets": sorted(secrets, key=lambda secret: secret["id"]),
                "pending_reopens": int(state.reopen_i[n, :, L.ACTIVE].sum()),  # resolved tickets due to reopen
                **({"incidents": int(state.env_i[n, L.INCIDENTS])} if incidents else {}),
            }
        return snapshot

    def closed(self, n: int) -> list[dict[str, int]]:
        """Lifecycle records of the tickets the last step of ``n`` resolved (``[]`` after a reset):
        ``{"id", "severity", "component", "arrival", "first_work", "resolved", "breached", "reopened", "awaited",
        "reassignments", "first_group", "group"}``, steps as env T (``first_work`` 0: its work never progressed
        through an engineer or the expert; the last three are 0 without teams)."""
        count = int(self.state.env_i[n, L.CLOSED_COUNT])
        rows = self.state.closed_i[n, :count].tolist()
        return [dict(zip(L.CLOSED_NAMES, row, strict=True)) for row in rows]

    # -- checkpoints ---------------------------------------------------------------
    def clone_state(self) -> dict[str, Any]:
        """A checkpoint of every environment: picklable, independent of this sim (copies)."""
        arrays: tuple[npt.NDArray[Any] | None, ...] = self.state
        return {
            "format": CHECKPOINT_FORMAT,
            "config": self.config,
            "num_envs": self.num_envs,
            "arrays": {
                name: None if array is None else array.copy() for name, array in zip(State._fields, arrays, strict=True)
            },
        }

    def restore_state(self, checkpoint: dict[str, Any], future_seed: int | None = None) -> None:
        """Make this sim's state the checkpoint's (a sim of the same config and ``num_envs``).

        ``future_seed`` (an int in [0, 2**64)): the true future stays behind; everything not yet drawn is drawn
        again from this seed and what the agents cannot see of open tickets from its prior given what they have
        seen (:mod:`._core.future` lists both). The same seed at the same checkpoint gives the same future.
        """
        seed = check_future_seed(future_seed)
        if not isinstance(checkpoint, dict) or "format" not in checkpoint:
            raise ValueError(f"not a ticket_triage_marl checkpoint (expected format {CHECKPOINT_FORMAT!r})")
        if checkpoint["format"] != CHECKPOINT_FORMAT:
            raise ValueError(f"checkpoint format {checkpoint['format']!r}, this version reads {CHECKPOINT_FORMAT!r}: "
                             "take the checkpoint again with this version")  # fmt: skip
        differences = config_differences(self.config, checkpoint["config"])
        if differences:
            raise ValueError("checkpoint of another config: " + "; ".join(differences))
        if checkpoint["num_envs"] != self.num_envs:
            raise ValueError(f"checkpoint of {checkpoint['num_envs']} environments, this batch has {self.num_envs}")
        arrays = checkpoint["arrays"]
        targets: tuple[npt.NDArray[Any] | None, ...] = self.state
        for name, target in zip(State._fields, targets, strict=True):
            source = arrays[name]
            if target is None or source is None:  # an optional mechanic's arrays: None exactly where it is off
                if (target is None) != (source is None):
                    raise ValueError(f"checkpoint array {name!r} does not match this config's mechanics")
                continue
            if source.shape != target.shape or source.dtype != target.dtype:
                raise ValueError(f"checkpoint array {name!r} has shape {source.shape} {source.dtype}, "
                                 f"expected {target.shape} {target.dtype}")  # fmt: skip
            np.copyto(target, source)
        if seed is not None:
            _resample_futures(self.state, self.params, seed & 0xFFFFFFFF, seed >> 32)
