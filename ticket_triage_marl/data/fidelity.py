"""How close a scenario comes to the real export it was fitted to or replays: :func:`measure_fidelity`.

The scenario is run in the parallel env (every engineer acts each step) under
a named baseline policy, one episode per seed, and its arrivals and resolved
tickets are set against the export's:

- **arrivals per hour of week**, at the scenario's resolution (bins of
  ``max(1, hours per step)`` hours; a 24-hour step compares days of the
  week): tickets per bin, averaged over the bin's occurrences, and their
  correlation;
- the **mean rate** per hour; the **inter-arrival CV** (simulated arrivals are
  spread uniformly within their step, since a step has no finer clock; the
  real timestamps are to the minute);
- the **daily-count distribution** (whole calendar days; not defined for
  steps longer than a day);
- the **severity mix** (real: rows with a known priority; simulated: every
  ticket the episodes showed);
- **time to resolve**: the real ``resolved_at - created_at`` of resolved rows,
  against the simulated steps from arrival to resolution (:mod:`ticket_triage_marl.metrics`) times the hours
  per step, under the baseline; the two-sample Kolmogorov-Smirnov distance
  (the largest gap between the two empirical CDFs); the shares under an
  hour, under 8 hours and over a week; the distance by severity; with the
  awaiting mechanic, the share that awaited others and the median net of
  awaiting. A profile scenario's episodes run ``tail_weeks`` (8) weeks past
  their horizon, with arrivals going on, and only the tickets that arrived
  within the horizon are measured: so a simulated ticket can take weeks, as
  real ones do (and one arriving late in the week is not cut short). Tickets
  still open at the end are censored on both sides (left out).
- **bursts**: :func:`.bursts.burst_excess` of the real arrivals (their components folded to the scenario's
  ``n_components``, as a replay folds them) and of the simulated tickets that arrived within the horizon
  (jittered within their step): the share within 15 minutes (or a step) of another ticket of their
  component, above chance; and the day-to-day spread (standard deviation of tickets per day).

Week alignment: a profile scenario starts every episode on Monday 00:00
(profile index 0); a trace replay starts where its offset puts it in the
file's calendar (:meth:`BatchSim.trace_offset`).

What the model is expected to miss, and the report says so: a simulated
ticket's time is queueing plus work, while a real one also waits on the
customer, a vendor or a change window, and real resolvers work on several
queues at once; arrivals within a step are uniform, where real ones bunch.
"""

from __future__ import annotations

import dataclasses
import math
from dataclasses import dataclass
from typing import Any

import numpy as np

from ..baselines import make_policy
from ..config import EnvConfig
from ..envs.multiagent import parallel_env
from ..rollout import episode_record
from .bursts import BURST_GAP_HOURS, burst_excess
from .exports import TicketLog
from .fit import EPOCH_WEEKDAY, HOURS_PER_WEEK
from .teams import known_groups
from .trace import component_codes

__all__ = ["Fidelity", "hours_per_step", "ks_distance", "measure_fidelity"]


def hours_per_step(config: EnvConfig) -> float:
    """The hours one step of ``config`` stands for: the trace's, or a week over the profile's length.

    A profile's cycle is taken to be one week, as :func:`~.fit.fit_config` writes it
    (168 rates at one hour a step, 7 at a day); a profile of another cycle has no
    calendar to compare with.

    Raises:
        ValueError: the config has neither a trace nor a weekly profile (no clock to compare with).
    """
    if config.arrival_process == "trace":
        return float(config.trace_hours_per_step)
    if config.arrival_process == "profile":
        assert config.arrival_profile is not None, (
            "arrival_process='profile' needs arrival_profile (EnvConfig checks it)"
        )
        return HOURS_PER_WEEK / len(config.arrival_profile)
    raise ValueError(
        f"a fidelity comparison needs arrival_process 'profile' (a fitted scenario) or 'trace' (a replay), "
        f"got {config.arrival_process!r}"
    )


def ks_distance(a: np.ndarray, b: np.ndarray) -> float:
    """The two-sample Kolmogorov-Smirnov statistic: ``max |F_a(x) - F_b(x)|`` over all x (NaN if either is empty)."""
    a, b = np.sort(np.asarray(a, dtype=np.float64)), np.sort(np.asarray(b, dtype=np.float64))
    if a.size == 0 or b.size == 0:
        return math.nan
    points = np.concatenate([a, b])
    cdf_a = np.searchsorted(a, points, side="right") / a.size
    cdf_b = np.searchsorted(b, points, side="right") / b.size
    return float(np.max(np.abs(cdf_a - cdf_b)))


def _inter_arrival_cv(times: np.ndarray) -> float:
    gaps = np.diff(np.sort(times))
    return float(gaps.std() / gaps.mean()) if gaps.size > 1 and gaps.mean() > 0 else math.nan


def _mix(severities: np.ndarray) -> np.ndarray:
    counts = np.bincount(severities, minlength=5)[1:5].astype(np.float64)
    return counts / counts.sum() if counts.sum() else np.full(4, math.nan)


def _week_bins(start_hours: np.ndarray, counts: np.ndarray, step_hours: float, bin_hours: float) -> np.ndarray:
    """Mean tickets per occurrence of each ``bin_hours`` bin of the week.

    ``start_hours``: each step's start in hours since a Monday 00:00; ``counts``: its
    tickets; steps are ``step_hours`` long, at most a bin (a bin holds
    ``bin_hours / step_hours`` steps of each of its occurrences).
    """
    n_bins = round(HOURS_PER_WEEK / bin_hours)
    bins = np.floor(np.mod(start_hours, HOURS_PER_WEEK) / bin_hours + 1e-9).astype(np.int64) % n_bins
    totals = np.bincount(bins, weights=counts, minlength=n_bins)
    occurrences = np.bincount(bins, minlength=n_bins) * (step_hours / bin_hours)
    return np.divide(totals, occurrences, out=np.zeros(n_bins), where=occurrences > 0)


def _full_day_counts(start_hours: np.ndarray, counts: np.ndarray, step_hours: float) -> np.ndarray:
    """Tickets per calendar day, over the days the intervals cover completely."""
    day = np.floor(start_hours / 24.0 + 1e-9).astype(np.int64)
    first = day.min()
    totals = np.bincount(day - first, weights=counts)
    covered = np.bincount(day - first, weights=np.full(day.shape, step_hours))
    return totals[np.isclose(covered, 24.0)]


RESOLVE_SHARES = {
    "under_1h": lambda hours: hours < 1.0,
    "under_8h": lambda hours: hours < 8.0,
    "over_week": lambda hours: hours > 168.0,
}
"""The shares of times to resolve the fidelity report compares."""
MIN_PER_SEVERITY = 20  # resolved tickets a severity needs on each side for its own KS distance


@dataclass(frozen=True)
class Fidelity:
    """Real against simulated, for one export and one scenario (see the module docstring).

    Attributes:
        source: the export (file name and slice).
        config: the scenario.
        policy: the baseline the scenario was run under.
        episodes: simulated episodes (seeds ``seed .. seed + episodes - 1``).
        step_hours: hours per step of the scenario.
        bin_hours: width of the week's bins, ``max(1, step_hours)``.
        real_week, sim_week: ``(168 / bin_hours,)`` mean tickets per bin (index 0: Monday from 00:00).
        real_rate, sim_rate: tickets per hour.
        real_cv, sim_cv: coefficient of variation of the gaps between arrivals.
        real_daily, sim_daily: tickets per whole calendar day (``None`` for steps longer than a day).
        real_mix, sim_mix: ``(4,)`` share of severity 1..4.
        real_hours, sim_hours: time to resolve of every resolved ticket, in hours.
        sim_open_at_end: simulated tickets still open at the end of their episode (censored).
        real_severity, sim_severity: the severity of each ticket of ``real_hours`` / ``sim_hours``.
        real_awaited, sim_awaited: hours each of them spent awaiting others (NaN where the export does not say;
            ``real_awaited`` is None without an ``awaiting_hours`` column).
    """

    source: str
    config: EnvConfig
    policy: str
    episodes: int
    step_hours: float
    bin_hours: float
    real_week: np.ndarray
    sim_week: np.ndarray
    real_rate: float
    sim_rate: float
    real_cv: float
    sim_cv: float
    real_daily: np.ndarray | None
    sim_daily: np.ndarray | None
    real_mix: np.ndarray
    sim_mix: np.ndarray
    real_hours: np.ndarray
    sim_hours: np.ndarray
    sim_open_at_end: int
    has_priorities: bool = True  # the export had priority labels: the severity mix can be compared
    has_resolution_times: bool = True  # the export had resolution times: time to resolve can be compared
    real_severity: np.ndarray | None = None
    sim_severity: np.ndarray | None = None
    real_awaited: np.ndarray | None = None
    sim_awaited: np.ndarray | None = None
    real_reassignments: np.ndarray | None = None  # reassignments of each resolved real ticket (NaN: unknown)
    sim_reassignments: np.ndarray | None = None  # hand-offs to another group of each simulated one
    real_moved: np.ndarray | None = None  # each real ticket with a first and final group: finished in another
    sim_moved: np.ndarray | None = None  # each simulated one: finished in another group than it arrived at
    real_bursts: float | None = None  # bursts.burst_excess of the real arrivals, components folded as the scenario's
    sim_bursts: float | None = None  # the same of the simulated tickets that arrived within the horizon

    @staticmethod
    def resolve_shares(hours: np.ndarray) -> dict[str, float]:
        """The shares of times to resolve under an hour, under 8 hours and over a week (NaN for none)."""
        if not hours.size:
            return dict.fromkeys(RESOLVE_SHARES, math.nan)
        return {name: float(test(hours).mean()) for name, test in RESOLVE_SHARES.items()}

    def ks_by_severity(self) -> dict[int, float | None]:
        """Severity 1..4 -> the KS distance of its times to resolve (None: fewer than 20 on a side)."""
        if not self.has_resolution_times or self.real_severity is None or self.sim_severity is None:
            return {}
        distances: dict[int, float | None] = {}
        for level in range(1, 5):
            real, sim = self.real_hours[self.real_severity == level], self.sim_hours[self.sim_severity == level]
            distances[level] = ks_distance(real, sim) if min(real.size, sim.size) >= MIN_PER_SEVERITY else None
        return distances

    def awaiting_shares(self) -> tuple[float, float] | None:
        """The share of resolved tickets that spent time awaiting others, real and simulated (None: the export
        does not say)."""
        if self.real_awaited is None or self.sim_awaited is None:
            return None
        known = self.real_awaited[~np.isnan(self.real_awaited)]
        if not known.size:
            return None
        simulated = float((self.sim_awaited > 0).mean()) if self.sim_awaited.size else math.nan
        return float((known > 0).mean()), simulated

    def net_medians(self) -> tuple[float, float] | None:
        """The median time to resolve net of awaiting, real and simulated, in hours (None: the export does not
        say how long its tickets awaited)."""
        if self.real_awaited is None or self.sim_awaited is None or not self.has_resolution_times:
            return None
        known = ~np.isnan(self.real_awaited)
        if not known.any() or not self.sim_hours.size:
            return None
        real = self.real_hours[known] - self.real_awaited[known]
        return float(np.median(real)), float(np.median(self.sim_hours - self.sim_awaited))

    def reassignment_shares(self) -> tuple[list[float], list[float]] | None:
        """The shares of resolved tickets reassigned 0, 1, 2 and 3 or more times, real and simulated (None: the
        export has no reassignment counts). The export's count includes reassignments within a group; the
        simulator's counts hand-offs between groups."""
        if self.real_reassignments is None or self.sim_reassignments is None:
            return None
        known = self.real_reassignments[~np.isnan(self.real_reassignments)]
        if not known.size:
            return None

        def shares(counts: np.ndarray) -> list[float]:
            if not counts.size:
                return [math.nan] * 4
            return [float((np.minimum(counts, 3) == k).mean()) for k in range(4)]

        return shares(known), shares(self.sim_reassignments)

    def moved_shares(self) -> tuple[float, float] | None:
        """The share of resolved tickets finishing in another group than the first, real and simulated (None:
        the export has no first and final groups)."""
        if self.real_moved is None or self.sim_moved is None or not self.real_moved.size:
            return None
        simulated = float(self.sim_moved.mean()) if self.sim_moved.size else math.nan
        return float(self.real_moved.mean()), simulated

    @property
    def rate_error(self) -> float:
        """``sim_rate / real_rate - 1``."""
        return self.sim_rate / self.real_rate - 1.0

    @property
    def week_correlation(self) -> float:
        """Pearson correlation of :attr:`real_week` and :attr:`sim_week`."""
        if np.std(self.real_week) == 0 or np.std(self.sim_week) == 0:
            return math.nan
        return float(np.corrcoef(self.real_week, self.sim_week)[0, 1])

    @property
    def mix_gap_points(self) -> float | None:
        """The largest gap between the real and simulated share of a severity, in percentage points (None: the
        export has no priorities to compare with)."""
        if not self.has_priorities:
            return None
        return float(np.max(np.abs(self.real_mix - self.sim_mix)) * 100.0)

    @property
    def ks(self) -> float | None:
        """Kolmogorov-Smirnov distance between the real and simulated times to resolve (None: the export has no
        resolution times to compare with)."""
        if not self.has_resolution_times or not self.real_hours.size:
            return None
        return ks_distance(self.real_hours, self.sim_hours)

    def summary(self) -> dict[str, Any]:
        """The headline numbers as plain Python (the README's fidelity table, ``--json`` writers)."""

        def median(values: np.ndarray) -> float:
            return float(np.median(values)) if values.size else math.nan

        return {
            "source": self.source,
            "policy": self.policy,
            "episodes": self.episodes,
            "hours_per_step": self.step_hours,
            "rate_real": self.real_rate,
            "rate_sim": self.sim_rate,
            "rate_error": self.rate_error,
            "week_correlation": self.week_correlation,
            "week_bin_hours": self.bin_hours,
            "cv_real": self.real_cv,
            "cv_sim": self.sim_cv,
            "daily_real": None
            if self.real_daily is None
            else [float(self.real_daily.mean()), float(self.real_daily.std())],
            "daily_sim": None
            if self.sim_daily is None
            else [float(self.sim_daily.mean()), float(self.sim_daily.std())],
            "mix_real": self.real_mix.tolist(),
            "mix_sim": self.sim_mix.tolist(),
            "mix_gap_points": self.mix_gap_points,
            "resolve_median_hours_real": median(self.real_hours) if self.has_resolution_times else None,
            "resolve_median_hours_sim": median(self.sim_hours),
            "ks": self.ks,
            "resolved_real": int(self.real_hours.size),
            "resolved_sim": int(self.sim_hours.size),
            "sim_open_at_end": self.sim_open_at_end,
            "resolve_shares_real": self.resolve_shares(self.real_hours) if self.has_resolution_times else None,
            "resolve_shares_sim": self.resolve_shares(self.sim_hours),
            "ks_by_severity": self.ks_by_severity(),
            "awaiting_share": self.awaiting_shares(),
            "reassignment_shares": self.reassignment_shares(),
            "outside_first_group": self.moved_shares(),
            "net_median_hours": self.net_medians(),
            "bursts": None if self.real_bursts is None else [self.real_bursts, self.sim_bursts],
            "daily_sd": None
            if self.real_daily is None or self.sim_daily is None
            else [float(self.real_daily.std()), float(self.sim_daily.std())],
        }


TAIL_WEEKS = 8


def measure_fidelity(
    log: TicketLog,
    config: EnvConfig,
    policy: str = "edf",
    episodes: int = 4,
    seed: int = 0,
    tail_weeks: int = TAIL_WEEKS,
) -> Fidelity:
    """Run ``config`` under ``policy`` for ``episodes`` episodes and compare it with ``log``.

    Args:
        log: the real tickets (for a replay: the file the config replays, read with its columns).
        config: a fitted (``arrival_process="profile"``) or replayed (``"trace"``) scenario.
        policy: a baseline of :data:`~ticket_triage_marl.baselines.POLICIES`, run on the parallel env.
        episodes: how many episodes (seeds ``seed, seed + 1, ...``).
        seed: the first seed.
        tail_weeks: weeks a profile scenario's episodes run past its horizon, so that the tickets arriving
            within the horizon can take that long (0: stop at the horizon).

    Raises:
        ValueError: a config without a weekly clock, or ``episodes < 1``.
    """
    step_hours = hours_per_step(config)
    if episodes < 1:
        raise ValueError(f"episodes must be >= 1, got {episodes}")
    bin_hours = max(1.0, step_hours)
    rng = np.random.default_rng(seed)

    # the real side: hours since the Monday 00:00 before the epoch, so that hour % 168 is the hour of the week
    real_hours_at = log.local_created_at().astype(np.int64) / 3600.0 + 24 * EPOCH_WEEKDAY  # on the desk's clock
    first_hour, last_hour = np.floor(real_hours_at.min()), np.floor(real_hours_at.max())
    window = np.arange(first_hour, last_hour + 1)  # every whole hour of the file's window
    hour_counts = np.bincount((np.floor(real_hours_at) - first_hour).astype(np.int64), minlength=window.size)
    real_week = _week_bins(window, hour_counts.astype(np.float64), 1.0, 1.0)
    if bin_hours > 1:  # consecutive hours summed into the scenario's bins
        real_week = real_week.reshape(-1, int(bin_hours)).sum(axis=1)
    real_daily = _full_day_counts(window, hour_counts.astype(np.float64), 1.0) if step_hours <= 24 else None
    known = log.priority_known
    real_mix = _mix(log.severity[known].astype(np.int64)) if known.any() else _mix(log.severity.astype(np.int64))
    resolution = log.resolution_hours
    timed = ~np.isnan(resolution) if resolution is not None else np.zeros(len(log), dtype=np.bool_)
    real_resolve = resolution[timed] if resolution is not None else np.zeros(0)
    real_awaited = log.awaiting_hours[timed] if log.awaiting_hours is not None else None
    resolved_rows = log.resolved if log.resolved is not None else timed
    real_reassignments = None
    if log.reassignments is not None:  # -1: the export does not say
        counts = np.asarray(log.reassignments)[resolved_rows]
        real_reassignments = counts[counts >= 0].astype(np.float64)
    groups = known_groups(log, resolved_rows)
    real_moved = None if groups is None else groups[0] != groups[1]

    gap = max(BURST_GAP_HOURS, step_hours)
    # the simulated side
    measured = config.horizon  # steps whose arrivals are measured
    run_config = config
    if config.arrival_process == "profile" and tail_weeks > 0:
        week_steps = round(HOURS_PER_WEEK / step_hours)
        run_config = dataclasses.replace(config, horizon=measured + tail_weeks * week_steps)
    env = parallel_env(config=run_config)
    starts, counts, severities, times, cvs, resolved_severity, awaited = [], [], [], [], [], [], []
    reassignments, moved = [], []
    burst_hours, burst_components = [], []
    open_at_end = 0
    trace_origin = first_hour  # trace step 0 starts at the hour of the file's first ticket
    for episode_seed in range(seed, seed + episodes):
        record = episode_record(env, make_policy(policy, seed=episode_seed), episode_seed)
        record = dataclasses.replace(record, arrivals=record.arrivals[:measured])
        steps = np.arange(record.arrivals.size, dtype=np.float64)
        if config.arrival_process == "trace":
            start = trace_origin + (env.unwrapped.trace_offset() + steps) * step_hours
        else:
            start = steps * step_hours  # profile index 0 is Monday 00:00
        starts.append(start)
        counts.append(record.arrivals.astype(np.float64))
        severities.append(record.first_severity)
        within = record.resolve_arrival < measured
        first = within & ~record.resolve_reopened  # each ticket once, at its arrival, jittered within its step
        burst_hours.append(
            (episode_seed * 10 * measured + record.resolve_arrival[first] + rng.random(int(first.sum()))) * step_hours
        )
        burst_components.append(record.resolve_component[first])
        times.append(record.resolve_steps[within] * step_hours)
        resolved_severity.append(record.resolve_severity[within])
        awaited.append(record.resolve_awaited[within] * step_hours)
        reassignments.append(record.resolve_reassignments[within])
        moved.append(record.resolve_moved[within])
        open_at_end += record.open_at_end
        arrival_times = np.repeat(start, record.arrivals) + rng.random(int(record.arrivals.sum())) * step_hours
        cvs.append(_inter_arrival_cv(arrival_times))
    start_all, count_all = np.concatenate(starts), np.concatenate(counts)
    sim_week = _week_bins(start_all, count_all, step_hours, bin_hours)
    sim_daily = (
        np.concatenate([_full_day_counts(s, c, step_hours) for s, c in zip(starts, counts, strict=True)])
        if step_hours <= 24
        else None
    )
    return Fidelity(
        source=log.source,
        config=config,
        policy=policy,
        episodes=episodes,
        step_hours=step_hours,
        bin_hours=bin_hours,
        real_week=real_week,
        sim_week=sim_week,
        real_rate=len(log) / window.size,
        sim_rate=float(count_all.sum() / (count_all.size * step_hours)),
        real_cv=_inter_arrival_cv(real_hours_at),
        sim_cv=float(np.nanmean(cvs)),
        real_daily=real_daily,
        sim_daily=sim_daily,
        real_mix=real_mix,
        sim_mix=_mix(np.concatenate(severities)),
        real_hours=real_resolve,
        sim_hours=np.concatenate(times).astype(np.float64),
        real_severity=log.severity[timed].astype(np.int64),
        sim_severity=np.concatenate(resolved_severity).astype(np.int64),
        real_awaited=real_awaited,
        real_bursts=None
        if log.component is None
        else burst_excess(real_hours_at, component_codes(log.component, config.n_components)[0], gap),
        sim_bursts=burst_excess(np.concatenate(burst_hours), np.concatenate(burst_components), gap),
        sim_awaited=np.concatenate(awaited).astype(np.float64),
        real_reassignments=real_reassignments,
        sim_reassignments=np.concatenate(reassignments).astype(np.float64),
        real_moved=real_moved,
        sim_moved=np.concatenate(moved).astype(np.bool_),
        sim_open_at_end=open_at_end,
        has_priorities=log.has_priorities,
        has_resolution_times=log.has_resolution_times,
    )
