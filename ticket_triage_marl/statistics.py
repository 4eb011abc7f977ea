"""Confidence intervals: Student's t quantile (exact, no scipy), the mean with its 95% CI, :class:`Estimate`;
and the aggregate statistics of a benchmark over tasks, as rliable (Agarwal et al., 2021) computes them
(rliable itself does not import here: its ``arch`` dependency fails with this pandas): the interquartile mean
(:func:`iqm`), stratified bootstrap confidence intervals (:func:`stratified_bootstrap_ci`), the probability of
improvement (:func:`probability_of_improvement`) and performance profiles (:func:`performance_profile`).
Scores are (runs x tasks) arrays, as rliable's.

Re-exported by :mod:`ticket_triage_marl.evaluation`::

    mean, half = mean_ci95([1.0, 2.0, 3.0])                  # 2.0, 2.48
"""

from __future__ import annotations

import functools
import math
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

import numpy as np

__all__ = [
    "Estimate",
    "iqm",
    "mean_ci95",
    "performance_profile",
    "probability_of_improvement",
    "stratified_bootstrap_ci",
    "t_quantile",
    "t_quantile_95",
]

_Z_975 = 1.959963984540054  # the standard normal's 0.975 quantile
_SERIES_MAX_DF = 200  # up to here the exact finite series; beyond, Cornish-Fisher (error < 1e-12)


def _t_central_probability(t: float, df: int) -> float:
    """P(|T| <= t) for Student's t with integer ``df`` (Abramowitz & Stegun 26.7.3 and 26.7.4, exact)."""
    theta = math.atan(t / math.sqrt(df))
    cos2, sin = math.cos(theta) ** 2, math.sin(theta)
    if df % 2 == 1:
        if df == 1:
            return 2.0 * theta / math.pi
        term = total = math.cos(theta)
        for k in range(1, (df - 1) // 2):
            term *= 2 * k / (2 * k + 1) * cos2
            total += term
        return 2.0 / math.pi * (theta + sin * total)
    term = total = 1.0
    for k in range(1, df // 2):
        term *= (2 * k - 1) / (2 * k) * cos2
        total += term
    return sin * total


@functools.lru_cache(maxsize=512)
def t_quantile_95(df: int | float) -> float:
    """The two-sided 95% quantile of Student's t (``t(0.975, df)``) with ``df`` degrees of freedom.

    Exact to about 1e-12 without scipy: for ``df <= 200`` the closed-form
    distribution function of integer degrees of freedom (Abramowitz & Stegun
    26.7.3/4) inverted by bisection; beyond, the Cornish-Fisher expansion
    (26.7.5) to the fourth order; ``math.inf`` gives the normal's 1.95996.

    Raises:
        TypeError: ``df`` is not an integer (or ``math.inf``).
        ValueError: ``df < 1``.
    """
    if df == math.inf:
        return _Z_975
    if isinstance(df, bool) or not isinstance(df, (int, np.integer)):
        raise TypeError(f"degrees of freedom must be an integer, got {df!r}")
    df = int(df)
    if df < 1:
        raise ValueError(f"degrees of freedom must be >= 1, got {df}")
    if df > _SERIES_MAX_DF:
        z = _Z_975
        g1 = (z**3 + z) / 4
        g2 = (5 * z**5 + 16 * z**3 + 3 * z) / 96
        g3 = (3 * z**7 + 19 * z**5 + 17 * z**3 - 15 * z) / 384
        g4 = (79 * z**9 + 776 * z**7 + 1482 * z**5 - 1920 * z**3 - 945 * z) / 92160
        return z + g1 / df + g2 / df**2 + g3 / df**3 + g4 / df**4
    low, high = _Z_975, 64.0  # t(0.975, 1) = 12.706 is the largest
    for _ in range(200):
        middle = 0.5 * (low + high)
        if middle in (low, high):
            break
        if _t_central_probability(middle, df) < 0.95:
            low = middle
        else:
            high = middle
    return 0.5 * (low + high)


@functools.lru_cache(maxsize=512)
def t_quantile(p: float, df: int) -> float:
    """The one-sided quantile ``t(p, df)`` of Student's t for ``0.5 <= p < 1`` and integer ``df`` from 1 to 200
    (the distribution function of :func:`t_quantile_95`, inverted by bisection).

    Raises:
        ValueError: ``p`` or ``df`` out of range.
    """
    if not 0.5 <= p < 1.0 or not 1 <= int(df) <= _SERIES_MAX_DF:
        raise ValueError(f"t_quantile needs 0.5 <= p < 1 and 1 <= df <= {_SERIES_MAX_DF}, got {p}, {df}")
    target = 2.0 * p - 1.0  # P(|T| <= q)
    low, high = 0.0, 1.0
    while _t_central_probability(high, int(df)) < target:
        high *= 2.0
    for _ in range(200):
        middle = 0.5 * (low + high)
        if middle in (low, high):
            break
        if _t_central_probability(middle, int(df)) < target:
            low = middle
        else:
            high = middle
    return 0.5 * (low + high)


def mean_ci95(values: Iterable[float]) -> tuple[float, float]:
    """Mean and half-width of its 95% confidence interval (Student's t).

    NaN values are left out; the half-width is NaN with fewer than two values,
    and both are NaN with none.
    """
    data = np.asarray([value for value in values if not math.isnan(value)], dtype=np.float64)
    if data.size == 0:
        return math.nan, math.nan
    if data.size == 1:
        return float(data[0]), math.nan
    return float(data.mean()), t_quantile_95(data.size - 1) * float(data.std(ddof=1)) / math.sqrt(data.size)


@dataclass(frozen=True)
class Estimate:
    """A mean with the half-width of its 95% confidence interval, over ``n`` values (NaN left out)."""

    mean: float
    ci95: float
    n: int

    @classmethod
    def of(cls, values: Iterable[float]) -> Estimate:
        """The estimate of ``values`` (:func:`mean_ci95`)."""
        kept = [float(value) for value in values if not math.isnan(value)]
        mean, half = mean_ci95(kept)
        return cls(mean, half, len(kept))

    def to_dict(self) -> dict[str, float]:
        """``{"mean", "ci95"}`` (NaN stays NaN; JSON writers turn it into null)."""
        return {"mean": self.mean, "ci95": self.ci95}


# -- aggregates over tasks (rliable's methods) --------------------------------------------------------------------


def iqm(scores: np.ndarray) -> float:
    """The interquartile mean of every score (runs x tasks, flattened): the mean of the middle half, a quarter
    cut at each end (``scipy.stats.trim_mean(scores, 0.25, axis=None)``, rliable's ``aggregate_iqm``)."""
    values = np.sort(np.asarray(scores, dtype=np.float64).ravel())
    cut = int(0.25 * values.size)  # scipy's trim_mean cuts int(proportion * n) from each end
    return float(values[cut : values.size - cut].mean())


def probability_of_improvement(x: np.ndarray, y: np.ndarray) -> float:
    """P(X > Y) averaged over tasks: for each task (column), the share of (run of x, run of y) pairs where x
    scores higher, ties counting half (the Mann-Whitney U statistic over ``runs_x * runs_y``), as rliable's
    ``probability_of_improvement`` (0.5 for a task whose two columns are equal)."""
    x, y = np.asarray(x, dtype=np.float64), np.asarray(y, dtype=np.float64)
    if x.ndim != 2 or y.ndim != 2 or x.shape[1] != y.shape[1]:
        raise ValueError(f"scores must be (runs x tasks) arrays with the same tasks, got {x.shape} and {y.shape}")
    per_task = []
    for task in range(x.shape[1]):
        a, b = x[:, task], y[:, task]
        if np.array_equal(a, b):
            per_task.append(0.5)
            continue
        greater = (a[:, None] > b[None, :]).sum() + 0.5 * (a[:, None] == b[None, :]).sum()
        per_task.append(float(greater) / (a.size * b.size))
    return float(np.mean(per_task))


def stratified_bootstrap_ci(
    statistic: Any, *scores: np.ndarray, repetitions: int = 2000, seed: int = 0, level: float = 0.95
) -> tuple[float, float, float]:
    """``statistic(*scores)`` and its percentile confidence interval by the stratified bootstrap: each
    repetition resamples the runs of every task (column) with replacement, independently per task and per
    score array (rliable's ``StratifiedBootstrap``). Returns (point estimate, low, high)."""
    arrays = [np.asarray(array, dtype=np.float64) for array in scores]
    rng = np.random.default_rng(seed)
    point = float(statistic(*arrays))
    drawn = np.empty(repetitions)
    for k in range(repetitions):
        resampled = []
        for array in arrays:
            runs, tasks = array.shape
            rows = rng.integers(0, runs, size=(runs, tasks))
            resampled.append(np.take_along_axis(array, rows, axis=0))
        drawn[k] = statistic(*resampled)
    tail = 100 * (1 - level) / 2
    low, high = np.percentile(drawn, [tail, 100 - tail])
    return point, float(low), float(high)


def performance_profile(scores: np.ndarray, thresholds: np.ndarray) -> np.ndarray:
    """The score distribution's performance profile: for each threshold, the share of every (run, task)
    score above it (rliable's ``create_performance_profile`` with ``use_score_distribution=True``)."""
    values = np.asarray(scores, dtype=np.float64).ravel()
    return np.array([(values > threshold).mean() for threshold in np.asarray(thresholds, dtype=np.float64)])
