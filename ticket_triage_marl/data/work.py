"""Fitting work to an export's times to resolve: :func:`fit_work`.

No export records how long a ticket was worked on: its time to resolve holds the queueing, the waits on
others and the work together. :func:`~.fit.fit_config` therefore sizes work for a utilisation. This module
fits it instead to the one thing an export does say about it: the median time to resolve *net of awaiting*
(``resolution_hours - awaiting_hours``; the gross time where the export has no ``awaiting_hours``). It
simulates the scenario (:func:`~.fidelity.measure_fidelity`, under a baseline) and searches ``work_mean``
by bisection on its logarithm until the simulated median matches the export's.

The assumption, stated in the scenario's comments: a ticket's time net of waits is the simulator's queueing
plus its work, under the baseline's triage; whatever else a real resolver spends (meetings, other tickets at
once) is folded into work.
"""

from __future__ import annotations

import dataclasses
import math

import numpy as np

from ..config import EnvConfig
from .exports import TicketLog
from .fidelity import measure_fidelity

__all__ = ["fit_work", "real_net_median"]

MIN_WORK = 1.0  # an engineer works one ticket a step: less than a step of work cannot be told apart
RANGE = 8.0  # the search spans work_mean / RANGE .. work_mean * RANGE


def real_net_median(log: TicketLog) -> tuple[float, str]:
    """The export's median time to resolve net of awaiting, in hours, and what it is (the gross median where
    the export has no ``awaiting_hours``).

    Raises:
        ValueError: the export has no resolution times.
    """
    if log.resolution_hours is None or not np.any(~np.isnan(log.resolution_hours)):
        raise ValueError(f"{log.source}: no resolution times, so there is nothing to fit work to")
    hours = log.resolution_hours
    if log.awaiting_hours is not None:
        known = ~np.isnan(hours) & ~np.isnan(log.awaiting_hours)
        if known.any():
            return float(np.median(hours[known] - log.awaiting_hours[known])), "net of awaiting"
    return float(np.median(hours[~np.isnan(hours)])), "gross (the export has no awaiting_hours)"


def _simulated_median(log: TicketLog, config: EnvConfig, policy: str, episodes: int, seed: int) -> float:
    fidelity = measure_fidelity(log, config, policy=policy, episodes=episodes, seed=seed)
    net = fidelity.net_medians()
    if net is not None:
        return net[1]
    return float(np.median(fidelity.sim_hours)) if fidelity.sim_hours.size else math.inf


def fit_work(
    log: TicketLog,
    config: EnvConfig,
    policy: str = "edf",
    episodes: int = 1,
    seed: int = 0,
    iterations: int = 8,
) -> tuple[EnvConfig, str]:
    """``config`` with ``work_mean`` fitted so that its simulated median time to resolve net of awaiting (under
    ``policy``, ``episodes`` episodes from ``seed``) matches ``log``'s, and one sentence saying what was fitted.

    A bisection on ``log(work_mean)`` over ``[work_mean / 8, work_mean * 8]`` (at least one unit of work),
    ``iterations`` simulations after the two ends; where the target lies outside what the range reaches, the
    nearer end is kept and the sentence says so.

    Raises:
        ValueError: the export has no resolution times.
    """
    target, what = real_net_median(log)
    low, high = max(MIN_WORK, config.work_mean / RANGE), max(MIN_WORK, config.work_mean * RANGE)

    def median_at(work: float) -> float:
        return _simulated_median(log, dataclasses.replace(config, work_mean=round(work, 6)), policy, episodes, seed)

    at_low, at_high = median_at(low), median_at(high)
    if target <= at_low or target >= at_high:
        work, reached = (low, at_low) if target <= at_low else (high, at_high)
        note = (
            f"work: work_mean {work:.4g} steps, the end of the search nearest the export's median time to resolve "
            f"{what} ({target:.1f} h; the scenario reaches {reached:.1f} h there under {policy})"
        )
        return dataclasses.replace(config, work_mean=round(work, 6)), note
    for _ in range(iterations):
        middle = math.sqrt(low * high)
        if median_at(middle) < target:
            low = middle
        else:
            high = middle
    work = math.sqrt(low * high)
    fitted = dataclasses.replace(config, work_mean=round(work, 6))
    reached = median_at(work)
    note = (
        f"work: work_mean {work:.4g} steps fitted by simulation (bisection) to the export's median time to resolve "
        f"{what} ({target:.1f} h; the fitted scenario gives {reached:.1f} h under {policy}, {episodes} episode(s): "
        "near the team's capacity the median moves steeply with work); it assumes that time is queueing plus "
        "work, as in the simulator"
    )
    return fitted, note
