"""Bursts of tickets from one cause, measured in arrivals: :func:`burst_excess` and :func:`fit_incidents`.

An outage floods a desk with tickets of one component within minutes. In the arrivals alone that shows as
tickets of the same component closer together than chance would put them. :func:`burst_excess` measures it:
the share of tickets created within ``gap`` hours of another ticket of their component, less the same share
with the components shuffled over the same times (which keeps the timing, the office hours and the mix of
components, and breaks only which component comes with which time). Zero for arrivals without clusters;
the share of tickets that clustering put close together, above chance, otherwise.

:func:`fit_incidents` turns it into the incident mechanic's settings (``p_incident``, ``incident_size_mean``,
``incident_size_sigma``, ``incident_window``): the window is the gap; the sizes are those of the runs of
same-component tickets within the gap (two or more: a lognormal by their quartiles); the incident rate is
what makes the tickets in such runs, above chance, the excess: ``excess * tickets per step / mean size``.
The simulator's excess is then measured the same way (:mod:`.fidelity`) to check the fit.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

__all__ = ["BURST_GAP_HOURS", "burst_excess", "burst_runs", "fit_incidents"]

BURST_GAP_HOURS = 0.25
"""Tickets of one component within this many hours of each other count as a burst (15 minutes)."""
SHUFFLES = 8  # shuffles of the components the chance share is averaged over
IQR_PER_SD = 1.349
MIN_RUNS = 20


def _joined(hours: np.ndarray, labels: np.ndarray, gap: float) -> tuple[np.ndarray, np.ndarray]:
    """The tickets in order of label then time, and for each after the first whether it is within ``gap``
    hours of the one before it with the same label."""
    order = np.lexsort((hours, labels))
    sorted_hours, sorted_labels = hours[order], labels[order]
    return order, (sorted_labels[1:] == sorted_labels[:-1]) & (np.diff(sorted_hours) <= gap)


def _close_to_another(hours: np.ndarray, labels: np.ndarray, gap: float) -> np.ndarray:
    """Per ticket: another ticket of its label lies within ``gap`` hours."""
    order, near = _joined(hours, labels, gap)
    close = np.zeros(hours.size, dtype=np.bool_)
    close[order[1:][near]] = True
    close[order[:-1][near]] = True
    return close


def burst_excess(hours: np.ndarray, components: Any, gap: float = BURST_GAP_HOURS, seed: int = 0) -> float:
    """The share of tickets within ``gap`` hours of another of their component, less that share by chance
    (the components shuffled over the same times, averaged over :data:`SHUFFLES` shuffles seeded by ``seed``).

    Args:
        hours: ``(n,)`` creation times in hours.
        components: ``(n,)`` component labels (any comparable values).
        gap: the burst gap in hours.
        seed: the shuffles' seed.
    """
    hours = np.asarray(hours, dtype=np.float64)
    labels = np.unique(np.asarray(components), return_inverse=True)[1]
    if hours.size < 2:
        return math.nan
    real = float(_close_to_another(hours, labels, gap).mean())
    rng = np.random.default_rng(seed)
    chance = np.mean([_close_to_another(hours, rng.permutation(labels), gap).mean() for _ in range(SHUFFLES)])
    return real - float(chance)


def burst_runs(hours: np.ndarray, components: Any, gap: float = BURST_GAP_HOURS) -> np.ndarray:
    """Sizes of the runs of two or more tickets of one component, each within ``gap`` hours of the one before."""
    hours = np.asarray(hours, dtype=np.float64)
    labels = np.unique(np.asarray(components), return_inverse=True)[1]
    _, joined = _joined(hours, labels, gap)
    starts = np.flatnonzero(~np.r_[False, joined])
    sizes = np.diff(np.r_[starts, hours.size])
    return sizes[sizes >= 2]


def fit_incidents(
    hours: np.ndarray, components: Any, tickets_per_step: float, hours_per_step: float, gap: float = BURST_GAP_HOURS
) -> dict[str, Any] | None:
    """The incident mechanic's settings fitted to bursts of same-component arrivals (see the module docstring);
    None where there is no excess over chance or fewer than :data:`MIN_RUNS` runs."""
    excess = burst_excess(hours, components, gap)
    runs = burst_runs(hours, components, gap)
    if not excess > 0 or runs.size < MIN_RUNS or tickets_per_step <= 0:
        return None
    low, median, high = np.log(np.percentile(runs, [25, 50, 75]))
    sigma = min(float(high - low) / IQR_PER_SD, 4.0)
    mean_size = float(np.exp(median + 0.5 * sigma * sigma))
    p_incident = excess * tickets_per_step / mean_size
    if p_incident >= 1.0:
        return None
    return {
        "p_incident": round(float(p_incident), 6),
        "incident_size_mean": round(max(mean_size, 1.0), 6),
        "incident_size_sigma": round(sigma, 6),
        "incident_window": max(1, round(gap / hours_per_step)),
    }
