"""The fidelity report: a fitted scenario against the real export it was fitted to (``ticket-triage fit --report``).

:func:`fidelity_page` draws what :func:`~ticket_triage_marl.data.fidelity.measure_fidelity`
measured (the week profile, daily counts, severity mix and time to resolve,
real against simulated) into an :class:`~ticket_triage_marl.reports.html.HtmlPage`;
:func:`build_fidelity_report` writes it; :func:`fidelity_left_out` says what
the export cannot support.
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from typing import TYPE_CHECKING

import numpy as np

from .._version import __version__
from ..plotting import (
    figure_png,
    plot_daily_counts,
    plot_resolve_times,
    plot_severity_mix,
    plot_week_profile,
)
from .html import HtmlPage, config_rows, number_text

if TYPE_CHECKING:
    from ..data.fidelity import Fidelity

__all__ = ["FIDELITY_FIGURE_NAMES", "build_fidelity_report", "fidelity_left_out", "fidelity_page"]

FIDELITY_FIGURE_NAMES = ("week_profile", "daily_counts", "severity_mix", "time_to_resolve")
"""The fidelity report's figures, in page order."""


def fidelity_page(fidelity: Fidelity, fit_notes: Sequence[str] = ()) -> HtmlPage:
    """The fidelity report of :func:`~ticket_triage_marl.data.fidelity.measure_fidelity` as an :class:`HtmlPage`;
    ``fit_notes`` (:func:`~ticket_triage_marl.data.fit.mechanic_notes`) say what the fit could and could not fit."""
    config, summary = fidelity.config, fidelity.summary()
    page = HtmlPage(f"Fidelity: {config.name!r} against {fidelity.source}")
    step = fidelity.step_hours
    step_text = f"{step * 60:g} minutes" if step < 1 else f"{step:g} h"
    page.paragraph(
        f"{fidelity.source} · scenario {config.name!r} ({config.arrival_process} arrivals, {step_text} a step, "
        f"{config.n_engineers} engineers, horizon {config.horizon} steps, work_mean {config.work_mean:g} steps) · "
        f"{fidelity.episodes} simulated episode{'s' if fidelity.episodes != 1 else ''} (seeds from 0) of the "
        f"parallel env under the {fidelity.policy} baseline · version {__version__}",
        css_class="meta",
    )
    cards = [
        ("tickets per hour, real / sim", f"{fidelity.real_rate:.4g} / {fidelity.sim_rate:.4g}"),
        ("mean rate error", f"{100 * fidelity.rate_error:+.1f}%"),
        (f"week profile correlation ({_bin_text(fidelity.bin_hours)} bins)", number_text(fidelity.week_correlation, 3)),
        ("inter-arrival CV, real / sim", f"{fidelity.real_cv:.2f} / {fidelity.sim_cv:.2f}"),
    ]
    if fidelity.mix_gap_points is not None:
        cards.append(("severity mix, largest gap", f"{fidelity.mix_gap_points:.2f} points"))
    if fidelity.ks is not None:
        cards.append(("time to resolve, KS distance", number_text(fidelity.ks, 2)))
        cards.append(
            (
                "median time to resolve, real / sim",
                f"{number_text(summary['resolve_median_hours_real'])} / {number_text(summary['resolve_median_hours_sim'])} h",
            )
        )
    page.cards(cards)
    left_out = fidelity_left_out(fidelity)
    if left_out:
        page.paragraph(
            "Not compared: " + " ".join([left_out[0], *(f"{item[0].upper()}{item[1:]}" for item in left_out[1:])])
        )
    page.table(["measure", "real", "simulated"], _fidelity_rows(fidelity))
    page.table(["config field", "value"], config_rows(config), summary=f"config {config.name!r}: every field")

    page.heading("Arrivals over the week")
    page.figure(
        "week_profile",
        figure_png(plot_week_profile(fidelity.real_week, fidelity.sim_week, fidelity.bin_hours)),
        f"Mean tickets per {_bin_text(fidelity.bin_hours)} of the week (Monday first), over every occurrence of that "
        f"{_bin_text(fidelity.bin_hours)} in the export's window and in the simulated episodes. Correlation "
        f"{number_text(fidelity.week_correlation, 3)}.",
        "arrivals per hour of the week, real and simulated",
    )
    if fidelity.real_daily is not None and fidelity.sim_daily is not None:
        page.heading("Tickets per day")
        page.figure(
            "daily_counts",
            figure_png(plot_daily_counts(fidelity.real_daily, fidelity.sim_daily)),
            "How many days had how many tickets (whole calendar days only). Weekdays and weekends mix here, so a "
            "desk with office hours shows two humps.",
            "distribution of daily ticket counts, real and simulated",
        )
    if fidelity.mix_gap_points is not None:
        page.heading("Severity mix")
        page.figure(
            "severity_mix",
            figure_png(plot_severity_mix(fidelity.real_mix, fidelity.sim_mix)),
            "Share of each severity: real rows with a known priority, and every simulated ticket.",
            "severity mix, real and simulated",
        )
    if fidelity.ks is not None:
        page.heading("Time to resolve")
        page.figure(
            "time_to_resolve",
            figure_png(plot_resolve_times(fidelity.real_hours, fidelity.sim_hours, fidelity.ks)),
            f"Empirical CDFs of the hours from creation to resolution: real resolved rows, and simulated tickets "
            f"resolved under the {fidelity.policy} baseline (steps times {step_text}; {fidelity.sim_open_at_end} still "
            "open at an episode's end are left out, as open rows are on the real side). The red bar is the largest gap "
            "between the two curves: the Kolmogorov-Smirnov distance.",
            "time to resolve, real and simulated",
        )
    if fit_notes:
        page.heading("What was fitted, and what could not be")
        page.paragraph(" ".join(f"{note[0].upper()}{note[1:]}." for note in fit_notes))
    page.heading("What the model misses")
    mechanics = fidelity.config.mechanics()
    parts = ["queueing", "work"] + (["its fitted waits on others"] if "awaiting" in mechanics else [])
    parts += ["hand-offs between groups"] if "teams" in mechanics else []
    waits = (
        "" if "awaiting" in mechanics else "a real one also waits on the customer, a vendor or a change window, and "
    )
    times = (
        f"A simulated ticket's time is {', '.join(parts[:-1])} and {parts[-1]}; {waits}real resolvers split their "
        "time over several queues. The exports have no work column, so work is sized for a stated utilisation "
        "(or fitted by simulation to the median time net of awaiting with --work net-median), not fitted to the "
        "whole distribution: read the KS distance as how far the model's mechanisms alone are from the real times. "
        if fidelity.ks is not None
        else ""
    )
    page.paragraph(
        times + "Arrivals within a step are uniform and Poisson given the profile, so bursts within an hour (the CV) "
        "and day-to-day swings beyond the weekly cycle are smoothed; a slow drift of the rate over the years is "
        "not modelled."
    )
    return page


def _bin_text(bin_hours: float) -> str:
    return "hour" if bin_hours == 1 else ("day" if bin_hours == 24 else f"{bin_hours:g} h")


def fidelity_left_out(fidelity: Fidelity) -> list[str]:
    """One sentence per measure the export cannot support (no priorities, no resolution times)."""
    left_out = []
    if fidelity.mix_gap_points is None:
        left_out.append(
            "the severity mix: the export has no priority labels (no priority column, or every row empty), so the "
            "scenario keeps the default mix and there is nothing real to compare it with."
        )
    if fidelity.ks is None:
        left_out.append(
            "time to resolve: the export has no resolution times (no resolution column, or every ticket open or "
            "resolved at an unknown time)."
        )
    if fidelity.awaiting_shares() is None:
        left_out.append("waiting on others: the export has no awaiting_hours column (or no value in it).")
    if fidelity.moved_shares() is None:
        left_out.append("routing: the export has no first and final assignment groups (group, final_group).")
    elif fidelity.config.groups is None:
        left_out.append("routing: the scenario has no teams (its tickets never change groups); fit with teams on.")
    if fidelity.reassignment_shares() is not None:
        left_out.append(
            "reassignments: the export counts reassignments between people of one group too; the simulator counts "
            "hand-offs between groups only, so its counts are a floor."
        )
    return left_out


def _fidelity_rows(fidelity: Fidelity) -> list[list[str]]:
    def spread(values: np.ndarray | None) -> str:
        return "-" if values is None or not values.size else f"{values.mean():.1f} ± {values.std():.1f}"

    def quantiles(values: np.ndarray) -> str:
        if not values.size:
            return "-"
        median, p90 = np.percentile(values, [50, 90])
        return f"{median:.1f} / {p90:.1f} h (n={values.size})"

    rows = [
        ["tickets per hour", f"{fidelity.real_rate:.4g}", f"{fidelity.sim_rate:.4g}"],
        ["inter-arrival CV", f"{fidelity.real_cv:.2f}", f"{fidelity.sim_cv:.2f}"],
        ["tickets per day (mean ± sd)", spread(fidelity.real_daily), spread(fidelity.sim_daily)],
    ]
    for severity in range(4 if fidelity.has_priorities else 0):
        rows.append(
            [
                f"severity {severity + 1} share",
                f"{100 * fidelity.real_mix[severity]:.1f}%",
                f"{100 * fidelity.sim_mix[severity]:.1f}%",
            ]
        )
    if fidelity.ks is not None:
        rows.append(["time to resolve, median / p90", quantiles(fidelity.real_hours), quantiles(fidelity.sim_hours)])
        real_shares, sim_shares = (
            fidelity.resolve_shares(fidelity.real_hours),
            fidelity.resolve_shares(fidelity.sim_hours),
        )
        for key, label in (("under_1h", "under an hour"), ("under_8h", "under 8 hours"), ("over_week", "over a week")):
            rows.append([f"resolved {label}", f"{100 * real_shares[key]:.1f}%", f"{100 * sim_shares[key]:.1f}%"])
        for level, distance in fidelity.ks_by_severity().items():
            assert fidelity.real_severity is not None and fidelity.sim_severity is not None
            real = fidelity.real_hours[fidelity.real_severity == level]
            sim = fidelity.sim_hours[fidelity.sim_severity == level]
            ks_text = "KS: fewer than 20 on a side" if distance is None else f"KS {distance:.2f}"
            rows.append(
                [f"severity {level}: time to resolve, median / p90 ({ks_text})", quantiles(real), quantiles(sim)]
            )
    awaited = fidelity.awaiting_shares()
    if awaited is not None:
        rows.append(["awaited others (share of resolved)", f"{100 * awaited[0]:.1f}%", f"{100 * awaited[1]:.1f}%"])
    net = fidelity.net_medians()
    if net is not None:
        rows.append(["time to resolve net of awaiting, median", f"{net[0]:.1f} h", f"{net[1]:.1f} h"])
    moved = fidelity.moved_shares()
    if moved is not None:
        rows.append(["finished outside the first group", f"{100 * moved[0]:.1f}%", f"{100 * moved[1]:.1f}%"])
    reassigned = fidelity.reassignment_shares()
    if reassigned is not None:
        for k, label in enumerate(("0", "1", "2", "3 or more")):
            rows.append(
                [f"reassigned {label} times", f"{100 * reassigned[0][k]:.1f}%", f"{100 * reassigned[1][k]:.1f}%"]
            )
    return rows


def build_fidelity_report(
    fidelity: Fidelity, out_path: str | os.PathLike[str], figures_dir: str | os.PathLike[str] | None = None
) -> None:
    """Write the fidelity report (and, with ``figures_dir``, each figure as ``<name>.png``); atomic.

    Raises:
        FileNotFoundError: no such output directory (nothing is written).
        MissingExtraError: matplotlib (the ``plot`` extra) is not installed.
    """
    fidelity_page(fidelity).write(out_path, figures_dir)
