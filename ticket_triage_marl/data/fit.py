"""Fitting a scenario to an export: :func:`fit_config`.

What is fitted, from a :class:`~.exports.TicketLog`:

- **Arrivals**: ``arrival_process="profile"`` with one Poisson rate per step of
  a week (``168 / hours_per_step`` steps; index 0 is Monday 00:00). The rate of
  each hour of the week is the tickets created in that hour of the week divided
  by how many times that hour occurs in the log's window (first to last
  ticket, whole hours; for a slice, the slice's own first and last ticket, so
  a team that only starts getting tickets on day 4 is not diluted by the days
  before), so the profile has the data's mean rate and its office hours and
  weekends. ``rate_scale`` multiplies it (an explicit rescaling, e.g.
  to give a small simulated team a large desk's shape).
- **Severity mix**: the share of each severity among rows with a known
  priority (the defaults if none is known).
- **Components**: ``n_components`` is the number of distinct labels, at most 8
  (the rest are folded as :mod:`.trace` does); 4 without the column.
- **Reopens**: ``p_reopen`` is the reopened share among rows whose flag is
  known; left at the default where the data does not know.
- **Work**: the data has no work column (resolution times include waiting), so
  work is set to give the team a stated ``utilisation``: ``work_mean =
  utilisation * n_engineers / arrivals per step`` (every engineer removes one
  unit a step), with exponential work. An engineer works one ticket per step,
  so a ``work_mean`` below 1 cannot be met by a team of that size: that is an
  error naming a team size or step length that would fit.

- **Time**: the SLA deadlines keep the defaults' hours (168 / 72 / 24 / 8 h at
  one hour a step), converted to steps (at least 1); the horizon is the fewest
  whole weeks that reach the default 200 steps (336 steps at one hour a step,
  2016 at five minutes, 203 at a day), so an episode's mean rate is the
  profile's.

- **Waiting on others** (``mechanics`` ``"auto"`` or naming ``"awaiting"``, where the log has
  ``awaiting_hours``): ``p_await`` is the share of resolved tickets with a known ``awaiting_hours`` above 0
  (in the simulator every resolved ticket's work starts once, when the draw is made); the waits, in steps,
  are fitted as a lognormal by their quartiles (its median theirs, ``await_sigma`` their interquartile range
  of logarithms / 1.349, at most 4; ``await_mean`` the lognormal's mean): robust to the very short and very
  long waits that make the logarithms' moments skewed; with the SLA paused while awaiting
  (``await_sla="paused"``, ServiceNow's usual SLA definition). Work is still sized for the utilisation:
  no export has a work column, so the time a ticket is worked on cannot be told from the time it queues.
  Dependencies are switched off with it (``p_dependency = 0``; no export records them): a ticket depending
  on one that awaits for weeks would hold its slot all that time, and a few of them stall the desk.
  :func:`mechanic_notes` says what was fitted and what could not be, and why.
- **Teams and routing** (``"auto"`` or ``"teams"``, where the log has ``group`` and ``final_group``): the
  entry group, the largest resolving groups and the rest pooled, each ticket's component the group that can
  resolve it, the routing shares solved to the export's (:mod:`.teams`). Work is then sized for the utilisation
  of the busiest group (its engineers over its share of the tickets), not of the whole team.
- **Incidents** (``"incidents"``, where the log has components): bursts of tickets of one component closer
  together than chance (:mod:`.bursts`: within 15 minutes, or a step where steps are longer) give the
  incident rate, size and window; the incidents' tickets are taken out of the arrival profile, so the total
  rate stays the data's, and incidents follow the profile's shape.

- **Checks** before fitting: creation times far outside the bulk of the file are refused
  (:func:`creation_outliers`; ``window`` or ``drop_outliers`` say what to do with them), and so is a file too
  small for a week profile (:func:`check_enough_tickets`; ``force`` fits it with a warning).
- **The desk's clock**: the profile is fitted on :attr:`TicketLog.timezone`'s wall clock when the log has one
  (``read_tickets(timezone=...)``), daylight saving time included; otherwise on the timestamps as written
  (UTC for zone-aware ones).

Keyword ``overrides`` are applied last (any :class:`~ticket_triage_marl.EnvConfig`
field). By default the whole file's stream is fitted; slicing (one assignment
group, one component) is explicit and done before fitting, with
``read_tickets(..., where={column: value})`` or :meth:`TicketLog.subset`.
"""

from __future__ import annotations

import math
import re
import warnings
from typing import Any

import numpy as np

from ..config import EnvConfig
from .bursts import BURST_GAP_HOURS, MIN_RUNS, burst_excess, fit_incidents
from .exports import TicketLog
from .teams import fit_teams, teams_note
from .timestamps import local_seconds

__all__ = [
    "MECHANIC_COLUMNS",
    "check_enough_tickets",
    "creation_outliers",
    "fit_awaiting",
    "fit_config",
    "hour_of_week_rates",
    "mechanic_notes",
    "select_tickets",
]

HOURS_PER_WEEK = 168
MAX_COMPONENTS = 8
EPOCH_WEEKDAY = 3  # 1970-01-01 was a Thursday (Monday = 0)
MIN_TICKETS = 50
LINE_LENGTH = 120  # scenario files wrap longer lists
LIST_ITEMS_PER_LINE = 12  # an hour of five-minute steps, half a day of hours
MECHANIC_COLUMNS = {"awaiting": "awaiting_hours", "teams": "group", "incidents": "component"}
"""Each optional mechanic :func:`fit_config` can fit, and the canonical field it is fitted from."""
AUTO_MECHANICS = ("awaiting", "teams")
"""What ``mechanics="auto"`` fits. Incidents only when named: measured on the UCI desk, their fit from bursts
puts far fewer tickets close together than the desk has (README, "Real ticket streams")."""
MIN_WAITS = 20  # waits needed to fit their distribution
MAX_AWAIT_SIGMA = 4.0
IQR_PER_SD = 1.349  # the interquartile range of a normal distribution, in standard deviations


def _known_waits(log: TicketLog) -> np.ndarray | None:
    """``awaiting_hours`` of the resolved tickets that have one, or None."""
    if log.awaiting_hours is None or log.resolved is None:
        return None
    hours = log.awaiting_hours[log.resolved & ~np.isnan(log.awaiting_hours)]
    return hours if hours.size else None


def fit_awaiting(log: TicketLog, hours_per_step: float) -> dict[str, Any] | None:
    """The awaiting mechanic's settings fitted to ``log`` (see the module docstring), or None where the log
    cannot fit it (no ``awaiting_hours``, or fewer than :data:`MIN_WAITS` waits)."""
    hours = _known_waits(log)
    if hours is None:
        return None
    waits = hours[hours > 0] / hours_per_step
    if waits.size < MIN_WAITS:
        return None
    low, median, high = np.log(np.percentile(waits, [25, 50, 75]))
    sigma = min(float(high - low) / IQR_PER_SD, MAX_AWAIT_SIGMA)
    return {
        "p_dependency": 0.0,  # see the module docstring: a dependent would hold its slot for weeks
        "p_await": round(float(waits.size / hours.size), 6),
        "await_mean": round(float(np.exp(median + 0.5 * sigma * sigma)), 6),
        "await_sigma": round(sigma, 6),
        "await_sla": "paused",
    }


def _fit_incidents(log: TicketLog, hours_per_step: float, tickets_per_step: float) -> dict[str, Any] | None:
    if log.component is None:
        return None
    return fit_incidents(
        log.created_hours, np.asarray(log.component), tickets_per_step, hours_per_step, _burst_gap(hours_per_step)
    )


def _burst_gap(hours_per_step: float) -> float:
    """The burst gap: 15 minutes, or one step where a step is longer."""
    return max(BURST_GAP_HOURS, hours_per_step)


def mechanic_notes(
    log: TicketLog, mechanics: Any = "auto", hours_per_step: float = 1.0, n_engineers: int | None = None
) -> list[str]:
    """One sentence per optional mechanic: fitted from which column, or why not (for the scenario file's
    comments and the fidelity page); ``n_engineers`` is the fitted team's size (teams split it)."""
    wanted = _wanted_mechanics(mechanics)
    notes = []
    for mechanic, column in MECHANIC_COLUMNS.items():
        if mechanic not in wanted:
            why = "not asked for" if mechanics != "auto" else f"not fitted by default; --mechanics {mechanic} fits it"
            notes.append(f"{mechanic}: off ({why})")
            continue
        if mechanic == "incidents":
            notes.append(_incident_note(log, hours_per_step))
            continue
        if mechanic == "teams":
            notes.append(teams_note(log, n_engineers or EnvConfig().n_engineers, hours_per_step))
            continue
        hours = _known_waits(log)
        fitted = fit_awaiting(log, hours_per_step)
        if fitted is not None:
            notes.append(
                f"{mechanic}: fitted from {column} ({hours.size if hours is not None else 0} resolved tickets, "
                f"{fitted['p_await']:.1%} waited; waits lognormal by quartiles, mean {fitted['await_mean']:.4g} steps, log-sd "
                f"{fitted['await_sigma']:.3g}; SLA paused while awaiting; dependencies off, or their tickets would "
                "hold slots for weeks)"
            )
        elif log.awaiting_hours is None:
            notes.append(f"{mechanic}: off, the export has no {column} column")
        else:
            notes.append(f"{mechanic}: off, fewer than {MIN_WAITS} resolved tickets with {column} > 0")
    notes.append(
        "work: sized for the utilisation, not fitted (no export records how long a ticket was worked on); time to "
        "resolve net of awaiting is therefore compared, not matched"
    )
    return notes


def _incident_note(log: TicketLog, hours_per_step: float) -> str:
    if log.component is None:
        return "incidents: off, the export has no component column to see bursts of one component in"
    gap = _burst_gap(hours_per_step)
    excess = burst_excess(log.created_hours, np.asarray(log.component), gap)
    # the rate fit_config passes (its profile's mean, at rate_scale 1)
    fitted = _fit_incidents(log, hours_per_step, float(np.mean(hour_of_week_rates(log))) * hours_per_step)
    if fitted is None:
        return (
            f"incidents: off, no burst of one component above chance within {gap:g} h ({100 * excess:.1f}% of the "
            f"tickets, or fewer than {MIN_RUNS} runs)"
        )
    return (
        f"incidents: fitted from bursts of one component within {gap:g} h ({100 * excess:.1f}% of the tickets above "
        f"chance; runs lognormal by quartiles, mean {fitted['incident_size_mean']:.3g} tickets, log-sd "
        f"{fitted['incident_size_sigma']:.3g}; their tickets come out of the arrival profile)"
    )


def _wanted_mechanics(mechanics: Any) -> tuple[str, ...]:
    if mechanics == "auto":
        return AUTO_MECHANICS
    if mechanics in (None, "none", ()):
        return ()
    names = tuple(mechanics.split(",")) if isinstance(mechanics, str) else tuple(mechanics)
    unknown = sorted(set(names) - set(MECHANIC_COLUMNS))
    if unknown:
        raise ValueError(f"unknown mechanics {unknown}; fit_config fits {sorted(MECHANIC_COLUMNS)} (or 'auto', 'none')")
    return names


def hour_of_week_rates(log: TicketLog) -> np.ndarray:
    """``(168,)`` tickets per hour for each hour of the week (index 0 = Monday 00:00-01:00) over the file's window,
    on the desk's wall clock when the log has a :attr:`~.exports.TicketLog.timezone` (each real hour of the window
    counted at its local hour of the week, so a change to or from daylight saving time neither shifts nor smears
    the profile)."""
    seconds = log.created_at.astype("datetime64[s]").astype(np.int64)
    first, last = int(seconds.min()) // 3600, int(seconds.max()) // 3600
    window = np.arange(first, last + 1, dtype=np.int64) * 3600  # every real hour from the first ticket to the last
    if log.timezone is not None:
        seconds = local_seconds(seconds, log.timezone)
        window = local_seconds(window, log.timezone)
    week_hour = (np.floor_divide(seconds, 3600) + 24 * EPOCH_WEEKDAY) % HOURS_PER_WEEK
    counts = np.bincount(week_hour, minlength=HOURS_PER_WEEK).astype(np.float64)
    occurrences = np.bincount(
        (np.floor_divide(window, 3600) + 24 * EPOCH_WEEKDAY) % HOURS_PER_WEEK, minlength=HOURS_PER_WEEK
    )
    return np.divide(counts, occurrences, out=np.zeros(HOURS_PER_WEEK), where=occurrences > 0)


def creation_outliers(log: TicketLog) -> np.ndarray:
    """Indices of tickets created far outside the bulk of the file (a year 1970 or 2099 among 2024 tickets).

    A creation time is an outlier when it lies further before the 1st percentile, or after the 99th, than the
    middle 98% of the file is long (at least a week): one stray date would otherwise stretch the window the
    rates are divided by (one 1970 ticket among 1,800 of 2024 cuts the fitted rate 350-fold).
    """
    seconds = log.created_at.astype("datetime64[s]").astype(np.int64)
    low, high = np.percentile(seconds, [1, 99])
    span = max(high - low, 7 * 86400)
    return np.flatnonzero((seconds < low - span) | (seconds > high + span))


def _timestamp(value: Any, what: str) -> np.datetime64:
    try:
        stamp = np.datetime64(value, "s") if not isinstance(value, np.datetime64) else value.astype("datetime64[s]")
    except ValueError:
        raise ValueError(
            f"{what} must be a date or time such as '2024-01-01' or '2024-01-01T08:00', got {value!r}"
        ) from None
    if np.isnat(stamp):
        raise ValueError(f"{what} must be a date or time, got {value!r}")
    return stamp


def select_tickets(
    log: TicketLog, window: tuple[Any, Any] | None = None, drop_outliers: bool = False
) -> tuple[TicketLog, np.ndarray]:
    """The tickets to fit and the indices of those left out.

    Args:
        log: the tickets.
        window: ``(start, end)``: keep tickets created in ``[start, end)`` on the desk's clock (dates or ISO
            times); the outlier check then does not apply.
        drop_outliers: leave out the :func:`creation_outliers` instead of refusing them.

    Raises:
        ValueError: outliers without ``window`` or ``drop_outliers`` (naming the line of each), or an empty window.
    """
    if window is not None:
        start, end = _timestamp(window[0], "the window's start"), _timestamp(window[1], "the window's end")
        if not start < end:
            raise ValueError(f"the window's start {start} must be before its end {end}")
        created = log.local_created_at()
        keep = (created >= start) & (created < end)
        if not keep.any():
            raise ValueError(f"no ticket of {log.source} was created in the window [{start}, {end})")
        return log.subset(keep), np.flatnonzero(~keep)
    outliers = creation_outliers(log)
    if outliers.size == 0:
        return log, outliers
    if drop_outliers:
        keep = np.ones(len(log), dtype=np.bool_)
        keep[outliers] = False
        return log.subset(keep), outliers
    shown = ", ".join(f"{log.line_of(int(index))} ({log.created_at[index]})" for index in outliers[:10])
    more = f" and {outliers.size - 10} more" if outliers.size > 10 else ""
    bulk = np.percentile(log.created_at.astype("datetime64[s]").astype(np.int64), [1, 99]).astype("datetime64[s]")
    raise ValueError(
        f"{log.source}: {outliers.size} creation time{'s lie' if outliers.size > 1 else ' lies'} far outside the bulk of the file ({bulk[0]} .. {bulk[1]}): "
        f"{shown}{more}; they would stretch the window the rates are divided by. Fix those rows, keep a window with "
        "--window START END (window=(start, end)), or leave them out with --drop-outliers (drop_outliers=True)"
    )


def check_enough_tickets(log: TicketLog) -> str | None:
    """Why ``log`` is too small to fit a week profile, or None if it is large enough.

    A fit needs the file to span at least one whole week (an hour of the week the window never reaches has no
    rate) and at least :data:`MIN_TICKETS` tickets: the fitted mean rate of ``n`` tickets is off by about
    ``1 / sqrt(n)`` (Poisson), 14% at 50, and every other fitted number (work, severity mix) follows from it.
    """
    seconds = log.created_at.astype("datetime64[s]").astype(np.int64)
    days = (int(seconds.max()) - int(seconds.min())) / 86400
    if days >= 7 and len(log) >= MIN_TICKETS:
        return None
    return (
        f"{log.source}: {len(log)} tickets over {days:.1f} days are too few to fit: a fit needs at least one whole "
        f"week (every hour of the week seen) and at least {MIN_TICKETS} tickets (the fitted rate of n tickets is off "
        f"by about 1/sqrt(n), 14% at {MIN_TICKETS}). Use a longer export, or --force (force=True) to fit anyway"
    )


def fit_config(
    log: TicketLog,
    hours_per_step: float = 1.0,
    utilisation: float = 0.85,
    rate_scale: float = 1.0,
    *,
    window: tuple[Any, Any] | None = None,
    drop_outliers: bool = False,
    force: bool = False,
    mechanics: Any = "auto",
    **overrides: Any,
) -> EnvConfig:
    """An :class:`~ticket_triage_marl.EnvConfig` whose arrivals, severities, components
    and reopens follow ``log`` (see the module docstring for each choice).

    Args:
        log: the tickets (e.g. from :func:`ticket_triage_marl.read_tickets`).
        hours_per_step: hours one step stands for; ``168 / hours_per_step`` must be whole.
        utilisation: the share of the team's capacity the fitted arrivals take, in (0, 1.5].
        rate_scale: multiplies every arrival rate (1: the data's own rate).
        window: ``(start, end)``: fit only the tickets created in ``[start, end)`` (see :func:`select_tickets`).
        drop_outliers: leave out creation times far outside the bulk of the file instead of refusing them.
        force: fit a file too small for a week profile (:func:`check_enough_tickets`) with a warning, not an error.
        mechanics: the optional mechanics to fit where the log has their columns (:data:`MECHANIC_COLUMNS`):
            ``"auto"`` every one, ``"none"``, or names (``"awaiting"``); :func:`mechanic_notes` says what was fitted.
        **overrides: config fields set after fitting (``n_engineers`` sizes the team).

    Raises:
        ValueError: a bad argument, creation times far outside the bulk of the file, a file too small for a week
            profile, or a team too small for one ticket per engineer per step.
    """
    whole = hours_per_step >= 1 and float(hours_per_step).is_integer() and HOURS_PER_WEEK % int(hours_per_step) == 0
    fraction = 0 < hours_per_step < 1 and math.isclose(1 / hours_per_step, round(1 / hours_per_step))
    if not (whole or fraction):
        raise ValueError(
            f"hours_per_step must be a whole number of hours dividing a week (1, 2, 3, 4, 6, ...) or 1/k of an "
            f"hour (0.5, 0.25, ...), got {hours_per_step!r}"
        )
    if not 0 < utilisation <= 1.5:
        raise ValueError(f"utilisation must be in (0, 1.5], got {utilisation!r}")
    if not rate_scale > 0:
        raise ValueError(f"rate_scale must be > 0, got {rate_scale!r}")
    log, _ = select_tickets(log, window, drop_outliers)
    too_small = check_enough_tickets(log)
    if too_small is not None:
        if not force:
            raise ValueError(too_small)
        warnings.warn(too_small, UserWarning, stacklevel=2)
    hourly = hour_of_week_rates(log) * rate_scale
    if fraction:  # every hour split into 1/hours_per_step steps of equal rate
        profile = np.repeat(hourly, round(1 / hours_per_step)) * hours_per_step
    else:  # consecutive hours summed into one step
        profile = hourly.reshape(-1, int(hours_per_step)).sum(axis=1)
    fields: dict[str, Any] = {
        "arrival_process": "profile",
        "arrival_profile": [round(float(rate), 6) for rate in profile],
        "name": f"fitted {log.source}",
        "horizon": math.ceil(EnvConfig().horizon / len(profile)) * len(profile),
    }
    if hours_per_step != 1:
        fields["sla_steps"] = [max(1, round(hours / hours_per_step)) for hours in EnvConfig().sla_steps]
    known = log.priority_known
    if known.any():
        counts = np.bincount(log.severity[known], minlength=5)[1:].astype(np.float64)
        mix = counts / counts.sum()
        fields["severity_mix"] = [round(float(share), 6) for share in mix[:3]] + [0.0]
        fields["severity_mix"][3] = round(1.0 - sum(fields["severity_mix"][:3]), 6)
    if log.component is not None:
        labels = {label for label in log.component if label}
        fields["n_components"] = max(1, min(len(labels), MAX_COMPONENTS))
    if log.reopened is not None and (log.reopened >= 0).any():
        fields["p_reopen"] = round(float((log.reopened == 1).sum() / (log.reopened >= 0).sum()), 6)
    n_engineers = int(overrides.get("n_engineers", EnvConfig().n_engineers))
    teams = _fit_mechanics(fields, log, hours_per_step, profile, _wanted_mechanics(mechanics), n_engineers)
    fields.update(overrides)
    if "work_mean" not in overrides:
        fields["work_mean"] = _work_mean(float(np.mean(profile)), n_engineers, utilisation, teams)
        fields.setdefault("work_distribution", "exponential")
    return EnvConfig.from_dict(fields)


def _fit_mechanics(
    fields: dict[str, Any],
    log: TicketLog,
    hours_per_step: float,
    profile: np.ndarray,
    wanted: tuple[str, ...],
    n_engineers: int,
) -> dict[str, Any] | None:
    """Add the fitted settings of the ``wanted`` mechanics to ``fields``; return the teams fit (or None)."""
    if "awaiting" in wanted:
        fields.update(fit_awaiting(log, hours_per_step) or {})
    incidents = _fit_incidents(log, hours_per_step, float(np.mean(profile))) if "incidents" in wanted else None
    if incidents is not None:  # the incidents' tickets come out of the profile: the total rate stays the data's
        share = incidents["p_incident"] * incidents["incident_size_mean"] / float(np.mean(profile))
        fields["arrival_profile"] = [round(float(rate) * (1.0 - share), 6) for rate in profile]
        fields.update(incidents)
    teams = fit_teams(log, n_engineers, hours_per_step) if "teams" in wanted else None
    if teams is not None:
        fields.update({key: value for key, value in teams.items() if not key.startswith("_")})
    return teams


def _work_mean(mean_rate: float, n_engineers: int, utilisation: float, teams: dict[str, Any] | None) -> float:
    """Work units a ticket for the team to run at ``utilisation`` (with teams, its busiest group)."""
    capacity = float(n_engineers)  # engineers' worth of tickets a step the team can take
    if teams is not None:  # each group takes its component's share: the busiest group sets the pace
        seats = np.bincount(teams["groups"], minlength=teams["n_components"])
        capacity = float(np.min(seats / np.asarray(teams["component_mix"])))
    work_mean = utilisation * capacity / mean_rate if mean_rate > 0 else EnvConfig().work_mean
    if work_mean < 1.0:
        needed = math.ceil(mean_rate / utilisation)
        raise ValueError(
            f"{mean_rate:.3g} arrivals a step need work_mean {work_mean:.3g} < 1 for {n_engineers} engineers at "
            f"utilisation {utilisation}, but an engineer works one ticket per step: use n_engineers >= {needed}, "
            "a shorter hours_per_step, or rate_scale < 1"
        )
    return round(work_mean, 6)


def _toml_key(key: str) -> str:
    return key if re.fullmatch(r"[A-Za-z0-9_-]+", key) else _toml_value(key)


def _toml_value(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (int, float)):
        return repr(value)
    if isinstance(value, str):
        return '"' + value.replace("\\", "\\\\").replace('"', '\\"') + '"'
    if isinstance(value, dict):
        return "{ " + ", ".join(f"{_toml_key(key)} = {_toml_value(item)}" for key, item in value.items()) + " }"
    if isinstance(value, (list, tuple)):
        return "[" + ", ".join(_toml_value(item) for item in value) + "]"
    raise TypeError(f"cannot write {value!r} as TOML")


def scenario_toml(config: EnvConfig, comment: str = "") -> str:
    """``config`` as a TOML scenario file: the fields that differ from the defaults (``load_config`` reads it back)."""
    defaults = EnvConfig().to_dict()
    lines = [f"# {line}".rstrip() for line in comment.splitlines()]
    for key, value in config.to_dict().items():
        if key == "name" or value == defaults.get(key):
            continue
        line = f"{key} = {_toml_value(value)}"
        if len(line) > LINE_LENGTH and isinstance(value, (list, tuple)):  # e.g. a 2016-step profile
            rows = [value[start : start + LIST_ITEMS_PER_LINE] for start in range(0, len(value), LIST_ITEMS_PER_LINE)]
            line = f"{key} = [\n" + "".join(f"  {_toml_value(list(row))[1:-1]},\n" for row in rows) + "]"
        lines.append(line)
    return "\n".join(lines) + "\n"
