"""Futures that can be resampled: a restored checkpoint given a ``future_seed`` gets a new random future.

Every draw of an episode hashes (``HASH_PREFIX``, key, purpose, index), and ``HASH_PREFIX`` is part of the
state: restoring a checkpoint brings back the true future with it, so a planner rolling forward from it is
clairvoyant. :func:`resample_future` takes the true future out (as Pgx and Jumanji keep the key out of the
state): a new prefix, hashed from the ``future_seed``, the step and the environment's index in its batch (nothing
of the true stream: a resampled future depends only on these and on what the agents see), so that everything not yet
drawn is drawn again (arrivals and the attributes of tickets not yet arrived, regressions, reopens of tickets
resolved from now on, the start of waits on others and their lengths, info round trips, incidents and their
sizes, the arrival times of an ongoing incident's tickets not yet arrived), and the same seed at the same
checkpoint gives the same future (common random numbers across a planner's candidates).

What the agents cannot see of the tickets already open is drawn again from its prior given what they have
seen (README, "Checkpoints and planning"):

- ambiguity, for a ticket no info request has answered yet: ``p_ambiguous`` (not conditioned on the progress
  seen so far);
- the true component of a ticket whose true component has not shown yet (teams): from the component mix and
  ``p_misreport`` given the component it shows;
- when a ticket waiting on others comes back: the wait distribution given the steps it has waited so far
  (a hand-off waited out off the board: the hand-off time's, given its time so far; a new ticket waiting to
  be picked up: the pick-up time's, likewise);
- a ticket's reassignment kind (``bouncing_share``: a hash of its id under the new prefix, so the prior, not
  conditioned on the reassignments seen);
- an ongoing incident's size (the tickets still to come; the prior, not conditioned on how many came).

Kept as they are (the simulator's world, or not conditioned yet): engineers' skills, which tickets belong to
which incident and which are roots, resolved tickets already due to reopen, and a replay's arrivals (the
export's, not random).
"""

from __future__ import annotations

import math
from typing import Any

import numpy.typing as npt
from numba import njit

from .awaiting import AWAITING_PICKUP, HANDED_OFF, AreaF, AreaI
from .incidents import Table, incident_size
from .jit import ENTRY_JIT, JIT
from .layout import (
    ACTIVE,
    AMBIGUOUS,
    AWAIT_LEFT,
    AWAIT_SINCE,
    AWAITING_OPEN,
    BLOCKED,
    COMPONENT,
    HASH_PREFIX,
    INCIDENT_KEY,
    INCIDENT_SIZE,
    INCIDENT_START,
    INFO_REQUESTS,
    MISREPORT,
    QUEUE_COUNT,
    RNG_AMBIGUOUS,
    RNG_AWAIT_TIME,
    RNG_FUTURE,
    RNG_MISREPORT,
    TICKET_ID,
    WORK_REMAINING,
    WORK_TOTAL,
    T,
)
from .rng import hash_prefix, uniform
from .tickets import live_row
from .types import Int, Params, State

# Acklam's rational approximation of the standard normal quantile (relative error below 1.2e-9).
_A = (-3.969683028665376e01, 2.209460984245205e02, -2.759285104469687e02, 1.383577518672690e02,
      -3.066479806614716e01, 2.506628277459239e00)  # fmt: skip
_B = (-5.447609879822406e01, 1.615858368580409e02, -1.556989798598866e02, 6.680131188771972e01,
      -1.328068155288572e01)  # fmt: skip
_C = (-7.784894002430293e-03, -3.223964580411365e-01, -2.400758277161838e00, -2.549671492433585e00,
      4.374664141464968e00, 2.938163982698783e00)  # fmt: skip
_D = (7.784695709041462e-03, 3.224671290700398e-01, 2.445134137142996e00, 3.754408661907416e00)
_P_LOW = 0.02425


@njit(**ENTRY_JIT)  # callable from Python too (the tests compare it with references)
def normal_quantile(p: float) -> float:
    """The standard normal quantile of ``p`` in (0, 1): Acklam's approximation, refined once."""
    if p < _P_LOW or p > 1.0 - _P_LOW:  # a tail: the lower one's formula, mirrored for the upper
        q = math.sqrt(-2.0 * math.log(min(p, 1.0 - p)))
        z = (((((_C[0] * q + _C[1]) * q + _C[2]) * q + _C[3]) * q + _C[4]) * q + _C[5]) / (
            (((_D[0] * q + _D[1]) * q + _D[2]) * q + _D[3]) * q + 1.0
        )
        z = z if p < _P_LOW else -z
    else:
        q = p - 0.5
        r = q * q
        z = (
            (((((_A[0] * r + _A[1]) * r + _A[2]) * r + _A[3]) * r + _A[4]) * r + _A[5])
            * q
            / (((((_B[0] * r + _B[1]) * r + _B[2]) * r + _B[3]) * r + _B[4]) * r + 1.0)
        )
    # one step of Halley's method on the normal CDF (through erfc, exact in the tails): full double precision
    e = 0.5 * math.erfc(-z / math.sqrt(2.0)) - p
    u = e * math.sqrt(2.0 * math.pi) * math.exp(0.5 * z * z)
    return z - u / (1.0 + 0.5 * z * u)


@njit(**ENTRY_JIT)  # callable from Python too (the tests compare it with references)
def remaining_wait(params: Params, waited: Int, u: float) -> int:
    """Steps left of a wait on others that has lasted ``waited`` steps, at the uniform ``u``: the wait's
    lognormal (as :func:`~.awaiting.draw_wait` draws it, rounded, at least 1) given that it is longer than
    ``waited``, by the inverse of its survival function."""
    return remaining_time(params.await_mean, params.await_sigma, waited, u)


@njit(**ENTRY_JIT)
def remaining_time(mean: float, sigma: float, waited: Int, u: float) -> int:
    """Steps left of a lognormal time (mean ``mean``, log-sd ``sigma``, rounded, at least 1) that has lasted
    ``waited`` steps, at the uniform ``u`` (:func:`remaining_wait`; a hand-off waited out off the board)."""
    mu = math.log(max(mean, 1e-300)) - 0.5 * sigma * sigma
    if sigma <= 0.0:
        return max(1, max(1, int(math.exp(mu) + 0.5)) - waited)
    tail = 1.0  # P(Z >= a): a rounded wait longer than ``waited`` needs exp(mu + sigma Z) >= waited + 0.5
    if waited >= 1:
        a = (math.log(waited + 0.5) - mu) / sigma
        tail = 0.5 * math.erfc(a / math.sqrt(2.0))
    p = max(u * tail, 1e-300)  # the upper tail's quantile: Z = -quantile(u * tail)
    steps = math.exp(mu - sigma * normal_quantile(p))
    return max(1, max(1, int(steps + 0.5)) - waited)


@njit(**JIT)
def posterior_weight(params: Params, component: Int, shown: Int) -> float:
    """P(true = ``component``) * P(showing ``shown`` | true = ``component``), unnormalised: the component mix
    (uniform without one) times 1 - ``p_misreport`` (the shown one) or ``p_misreport`` spread over the others."""
    cdf = params.component_cdf
    prior = 1.0 / params.n_components
    if cdf.shape[0] > 0:
        prior = cdf[component] - (cdf[component - 1] if component > 0 else 0.0)
    if component == shown:
        weight: float = prior * (1.0 - params.p_misreport)
        return weight
    return prior * params.p_misreport / (params.n_components - 1)


@njit(**JIT)
def true_component(params: Params, shown: Int, u: float) -> tuple[int, int]:
    """A true component given the ``shown`` one, at the uniform ``u``: the component mix (uniform without one)
    times the chance of showing ``shown`` (``1 - p_misreport`` if it is the true one, else ``p_misreport``
    spread over the others). Returns (component, its shift to ``shown``)."""
    n_components = params.n_components
    total = 0.0
    for component in range(n_components):
        total += posterior_weight(params, component, shown)
    target = u * total
    running = 0.0
    chosen = shown
    for component in range(n_components):
        running += posterior_weight(params, component, shown)
        if target < running:
            chosen = component
            break
    shift: int = (shown - chosen) % n_components
    return int(chosen), shift


@njit(**JIT)
def redraw_hidden(
    state: State, params: Params, n: Int, row: Int, records: npt.NDArray[Any], floats: npt.NDArray[Any]
) -> None:
    """Redraw what the agents cannot see of the open ticket in ``row`` of ``records`` / ``floats`` (the
    ticket rows or the awaiting area's): its ambiguity and, teams on, its true component while hidden."""
    prefix = state.env_i[n, HASH_PREFIX]
    ticket_id = records[n, row, TICKET_ID]
    if params.p_ambiguous > 0.0 and records[n, row, INFO_REQUESTS] == 0:
        records[n, row, AMBIGUOUS] = 1 if uniform(prefix, ticket_id, RNG_AMBIGUOUS, 1) < params.p_ambiguous else 0
    if params.n_groups > 0 and params.p_misreport > 0.0 and params.n_components > 1:
        done = floats[n, row, WORK_TOTAL] - floats[n, row, WORK_REMAINING]
        shown_true = records[n, row, MISREPORT] == 0 and done > 0.0 and done >= params.reveal_work
        if not shown_true:
            shown = (records[n, row, COMPONENT] + records[n, row, MISREPORT]) % params.n_components
            component, shift = true_component(params, shown, uniform(prefix, ticket_id, RNG_MISREPORT, 1))
            records[n, row, COMPONENT] = component
            records[n, row, MISREPORT] = shift


@njit(**JIT)
def resample_future(
    state: State, params: Params, n: Int, seed_lo: Int, seed_hi: Int, awaiting_i: AreaI, awaiting_f: AreaF,
    incident_i: Table,
) -> None:  # fmt: skip
    """Give environment ``n`` a new future from (``seed_lo``, ``seed_hi``) (the module docstring says what is
    redrawn); ``awaiting_i``, ``awaiting_f``, ``incident_i``: the state's, None where a mechanic is off."""
    env_i = state.env_i
    now = env_i[n, T]
    prefix = hash_prefix(hash_prefix(seed_lo, seed_hi, now), RNG_FUTURE, n)  # nothing of the true stream
    env_i[n, HASH_PREFIX] = prefix
    for index in range(params.max_tickets + env_i[n, QUEUE_COUNT]):
        row = live_row(state, params, n, index)
        if state.ticket_i[n, row, ACTIVE] == 1:
            redraw_hidden(state, params, n, row, state.ticket_i, state.ticket_f)
    if awaiting_i is not None and awaiting_f is not None:
        for k in range(env_i[n, AWAITING_OPEN]):
            redraw_hidden(state, params, n, k, awaiting_i, awaiting_f)
            waited = now - awaiting_i[n, k, AWAIT_SINCE]
            u = uniform(prefix, awaiting_i[n, k, TICKET_ID], RNG_AWAIT_TIME, -1)
            if awaiting_i[n, k, BLOCKED] == HANDED_OFF:  # a hand-off: its own time's law
                awaiting_i[n, k, AWAIT_LEFT] = remaining_time(params.handoff_steps, params.handoff_sigma, waited, u)
            elif awaiting_i[n, k, BLOCKED] == AWAITING_PICKUP:  # a pick-up: its own law too
                awaiting_i[n, k, AWAIT_LEFT] = remaining_time(params.pickup_steps, params.pickup_sigma, waited, u)
            else:
                awaiting_i[n, k, AWAIT_LEFT] = remaining_wait(params, waited, u)
    if incident_i is not None:
        for k in range(incident_i.shape[1]):
            start = incident_i[n, k, INCIDENT_START]
            if start > 0 and now + 1 - start < params.incident_window:  # tickets may still come
                incident_i[n, k, INCIDENT_SIZE] = incident_size(state, params, n, incident_i[n, k, INCIDENT_KEY])
