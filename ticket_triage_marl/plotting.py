"""Figures of runs and evaluations (matplotlib, from the ``plot`` extra).

Every function takes plain arrays and dicts (no trace, env or CLI objects)
and returns a matplotlib ``Figure`` drawn with the Agg backend, never shown:
the episode report (:mod:`ticket_triage_marl.reports`), ``ticket-triage
evaluate --plot`` and the fidelity report of real against simulated ticket
streams all draw with these, so that colours, sizes and conventions agree.
Turn a figure into PNG bytes with :func:`figure_png`.

Conventions:

- severities 1..4 use the colours of the ``rgb_array`` frame
  (:data:`ticket_triage_marl.render.SEVERITY_COLORS`): green, yellow,
  orange, red (critical);
- time series longer than :data:`MAX_BINS` steps are aggregated into at most
  that many bins (:func:`bin_size_for`), so a 10,000-step run draws as fast
  and reads as well as a 200-step one;
- episode starts after the first are dotted vertical lines (up to
  :data:`MAX_EPISODE_LINES` episodes).

Importing this module does not import matplotlib; the first figure does, and
raises :class:`~ticket_triage_marl.extras.MissingExtraError` with the install
line when it is missing.
"""

from __future__ import annotations

import io
import math
from collections.abc import Mapping, Sequence
from typing import Any, cast

import numpy as np

from .extras import require
from .render import ENGINEER_COLORS, SEVERITY_COLORS

__all__ = [
    "EVENT_STYLES",
    "MAX_BINS",
    "REWARD_COLORS",
    "bin_size_for",
    "binned",
    "figure_png",
    "plot_backlog",
    "plot_daily_counts",
    "plot_distributions",
    "plot_engineer_timeline",
    "plot_policy_comparison",
    "plot_resolve_times",
    "plot_resolved_and_breaches",
    "plot_reward_components",
    "plot_severity_mix",
    "plot_week_profile",
    "pyplot",
    "severity_color",
]

RGB = tuple[float, float, float]  # a matplotlib color, each channel 0..1
MAX_BINS = 400
"""At most this many bins along the time axis; longer series are aggregated."""
MAX_EPISODE_LINES = 20
"""Episode starts are drawn as dotted lines up to this many episodes."""
REWARD_BINS = 100  # rewards come in spikes (+1 per resolution): coarser bins read as a rate
FIGURE_WIDTH = 11.0  # inches; at DPI 100 the report's figures are 1100 px wide
DPI = 100
LABEL_MIN_PIXELS = 26  # a ticket id is written on a timeline segment at least this wide

IDLE_RGB = (0.86, 0.86, 0.86)
OFF_SHIFT_RGB = (0.35, 0.35, 0.35)
REWARD_COLORS = {
    "resolve": "#2ca02c",
    "sla_breach": "#d62728",
    "overdue": "#ff9896",
    "idle": "#9e9e9e",
    "context_switch": "#8c564b",
    "escalate": "#9467bd",
    "request_info": "#17becf",
    "defer": "#bcbd22",
    "invalid": "#000000",
    "swarm": "#e377c2",
}
"""Colour of each reward component (``env.reward_names``); unknown names get grey."""
EVENT_STYLES = {
    "context_switch": {"marker": "v", "color": "black", "label": "context switch"},
    "escalate": {"marker": "^", "color": "#9467bd", "label": "escalate"},
    "request_info": {"marker": "s", "color": "#17becf", "label": "request info"},
    "defer": {"marker": "D", "color": "#8c564b", "label": "defer"},
}
"""Marker of each event on an engineer's timeline (context switches above the bar, side actions below)."""
SWARM_COLOR = "#7b1fa2"


def pyplot() -> Any:
    """``matplotlib.pyplot`` on the Agg backend (files only, never a window).

    Raises:
        MissingExtraError: matplotlib is not installed (the message has the pip line).
    """
    matplotlib = require("matplotlib", "plot", "plots")
    matplotlib.use("Agg", force=True)
    import matplotlib.pyplot as plt

    return plt


def severity_color(severity: int | np.integer[Any]) -> tuple[float, float, float]:
    """The RGB (0..1) of severity 1..4, as in the ``rgb_array`` frame."""
    return cast(RGB, tuple(float(c) / 255.0 for c in SEVERITY_COLORS[int(severity) - 1]))


def _engineer_color(index: int) -> tuple[float, float, float]:
    return cast(RGB, tuple(float(c) / 255.0 for c in ENGINEER_COLORS[index % len(ENGINEER_COLORS)]))


def figure_png(figure: Any, close: bool = True) -> bytes:
    """The figure as PNG bytes (at its own size and DPI); closes it unless ``close=False``."""
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png", dpi=figure.dpi, metadata={"Software": None})
    if close:
        pyplot().close(figure)
    return buffer.getvalue()


# -- binning ---------------------------------------------------------------------------------------------------


def bin_size_for(n_steps: int, max_bins: int = MAX_BINS) -> int:
    """Steps per bin so that ``n_steps`` fit in at most ``max_bins`` bins (1 when they already do)."""
    return max(1, math.ceil(n_steps / max_bins))


def binned(values: np.ndarray, bin_size: int, how: str = "mean") -> np.ndarray:
    """Aggregate a series along its first axis into bins of ``bin_size`` (the last bin may be shorter).

    Args:
        values: shape ``(n, ...)``.
        bin_size: steps per bin (1: the series unchanged, as float).
        how: ``"mean"``, ``"sum"``, ``"max"``, ``"min"`` or ``"mode"`` (the most
            frequent integer value; ties to the smallest).
    """
    values = np.asarray(values)
    n = values.shape[0]
    if bin_size <= 1 or n == 0:
        return values.astype(np.float64) if how != "mode" else values.copy()
    starts = np.arange(0, n, bin_size)
    if how == "sum":
        return np.add.reduceat(values.astype(np.float64), starts, axis=0)
    if how == "mean":
        counts = np.diff(np.append(starts, n)).reshape((-1,) + (1,) * (values.ndim - 1))
        return np.add.reduceat(values.astype(np.float64), starts, axis=0) / counts
    if how == "max":
        return np.maximum.reduceat(values.astype(np.float64), starts, axis=0)
    if how == "min":
        return np.minimum.reduceat(values.astype(np.float64), starts, axis=0)
    if how == "mode":
        codes = values.astype(np.int64)
        offset = codes.min()
        out = np.empty((len(starts), *values.shape[1:]), dtype=np.int64)
        flat_codes = codes.reshape(n, -1) - offset
        flat_out = out.reshape(len(starts), -1)
        for column in range(flat_codes.shape[1]):
            for k, start in enumerate(starts):
                flat_out[k, column] = np.bincount(flat_codes[start : start + bin_size, column]).argmax()
        return out + offset
    raise ValueError(f"how must be mean, sum, max, min or mode, got {how!r}")


def _bin_lefts(n_steps: int, bin_size: int) -> np.ndarray:
    return np.arange(0, n_steps, bin_size, dtype=np.float64)


def _episode_lines(ax: Any, episode_starts: Sequence[int]) -> None:
    if len(episode_starts) > MAX_EPISODE_LINES:  # dozens of lines would hide the data
        return
    for start in episode_starts:
        if start > 0:
            ax.axvline(start, color="0.4", linestyle=":", linewidth=1.0, zorder=1)


def _time_axis(ax: Any, n_steps: int, bin_size: int) -> None:
    ax.set_xlim(0, n_steps)
    label = "step" if bin_size == 1 else f"step (aggregated in bins of {bin_size} steps)"
    ax.set_xlabel(label)
    ax.grid(axis="y", color="0.9", linewidth=0.8)
    ax.set_axisbelow(True)


def _figure(height: float, **kwargs: Any) -> tuple[Any, Any]:
    return pyplot().subplots(figsize=(FIGURE_WIDTH, height), dpi=DPI, **kwargs)


def _stairs_x(n_steps: int, bin_size: int) -> np.ndarray:
    """The x of ``fill_between(step="post")`` over bins: every bin's left edge, then the end."""
    return np.append(_bin_lefts(n_steps, bin_size), float(n_steps))


def _post(values: np.ndarray) -> np.ndarray:
    return np.append(values, values[-1:]) if len(values) else values


# -- the episode report's figures ------------------------------------------------------------------------------


def plot_backlog(
    open_tickets: np.ndarray,
    queued: np.ndarray,
    dropped: np.ndarray,
    episode_starts: Sequence[int] = (0,),
    max_queue: int | None = None,
    title: str = "Backlog: open tickets and the intake queue",
    awaiting: np.ndarray | None = None,
) -> Any:
    """Open tickets (in slots) and queued tickets stacked over time, drops marked.

    Args:
        open_tickets: open tickets after each step, shape ``(n,)``.
        queued: tickets in the intake queue after each step.
        dropped: tickets dropped in each step (the queue was full).
        episode_starts: the step index where each episode starts.
        max_queue: the queue's capacity, drawn as a dashed line when the queue gets near it.
        title: the figure's title.
        awaiting: tickets awaiting others after each step (the awaiting mechanic), stacked on top; None: off.
    """
    n = len(open_tickets)
    size = bin_size_for(n)
    figure, ax = _figure(3.9)
    x = _stairs_x(n, size)
    open_mean = binned(open_tickets, size)
    queued_mean = binned(queued, size)
    total = open_mean + queued_mean
    ax.fill_between(x, 0, _post(open_mean), step="post", color="#4c72b0", alpha=0.85, label="open (in slots)")
    ax.fill_between(x, _post(open_mean), _post(total), step="post", color="#dd8452", alpha=0.85, label="intake queue")
    backlog = np.asarray(open_tickets) + np.asarray(queued)
    if awaiting is not None:
        awaiting_mean = binned(awaiting, size)
        ax.fill_between(x, _post(total), _post(total + awaiting_mean), step="post", color="#55a868", alpha=0.85,
                        label="awaiting others")  # fmt: skip
        backlog = backlog + np.asarray(awaiting)
    if size > 1:
        peak = binned(backlog, size, "max")
        ax.step(x, _post(peak), where="post", color="0.25", linewidth=0.8, label="backlog, bin maximum")
    drop_steps = np.flatnonzero(np.asarray(dropped) > 0)
    top = max(1.0, float(np.max(backlog))) if n else 1.0
    if drop_steps.size:
        ax.scatter(
            drop_steps + 0.5,
            np.full(drop_steps.size, top * 1.04),
            marker="v",
            color="#c00000",
            s=18,
            zorder=5,
            clip_on=False,
            label=f"tickets dropped ({int(np.sum(dropped))})",
        )
    if max_queue is not None and n and float(np.max(queued)) > 0.5 * max_queue:
        ax.axhline(max_queue, color="#dd8452", linestyle="--", linewidth=1.0, label=f"queue capacity ({max_queue})")
    _episode_lines(ax, episode_starts)
    _time_axis(ax, n, size)
    ax.set_ylim(0, top * 1.1)
    ax.set_ylabel("tickets" if size == 1 else "tickets (bin mean)")
    ax.set_title(title, loc="left")
    ax.legend(loc="upper center", bbox_to_anchor=(0.5, -0.2), fontsize=8, ncol=5, frameon=False)
    figure.tight_layout()
    return figure


def plot_resolved_and_breaches(
    resolved: np.ndarray,
    breaches: np.ndarray,
    resolved_by_severity: Sequence[int],
    breaches_by_severity: Sequence[int],
    episode_starts: Sequence[int] = (0,),
    title: str = "Resolved tickets and SLA breaches",
) -> Any:
    """Cumulative resolved and breached tickets over time, and both counted by severity.

    Args:
        resolved: tickets resolved in each step, shape ``(n,)``.
        breaches: SLA breaches in each step.
        resolved_by_severity: resolved tickets of severity 1..4 (4 values).
        breaches_by_severity: breaches of severity 1..4 (4 values).
        episode_starts: the step index where each episode starts.
        title: the figure's title.
    """
    n = len(resolved)
    size = bin_size_for(n)
    figure, (ax, bars) = _figure(3.6, ncols=2, gridspec_kw={"width_ratios": [3, 1]})
    steps = np.arange(1, n + 1)
    ax.plot(steps, np.cumsum(resolved), color="#2ca02c", linewidth=1.6, label=f"resolved ({int(np.sum(resolved))})")
    ax.plot(steps, np.cumsum(breaches), color="#d62728", linewidth=1.6, label=f"SLA breaches ({int(np.sum(breaches))})")
    _episode_lines(ax, episode_starts)
    _time_axis(ax, n, 1)
    if size > 1:
        ax.set_xlabel("step")
    ax.set_ylabel("tickets, cumulative")
    ax.set_title(title, loc="left")
    ax.legend(loc="upper left", fontsize=8)
    severities = np.arange(1, 5)
    width = 0.38
    colors = [severity_color(s) for s in severities]
    bars.bar(severities - width / 2, resolved_by_severity, width, color=colors, edgecolor="0.3", label="resolved")
    bars.bar(
        severities + width / 2,
        breaches_by_severity,
        width,
        color=colors,
        edgecolor="#c00000",
        hatch="///",
        label="breached",
    )
    for s, (r, b) in zip(severities, zip(resolved_by_severity, breaches_by_severity, strict=True), strict=True):
        bars.annotate(str(int(r)), (s - width / 2, r), ha="center", va="bottom", fontsize=7)
        bars.annotate(str(int(b)), (s + width / 2, b), ha="center", va="bottom", fontsize=7, color="#c00000")
    bars.set_xticks(severities, [f"S{s}" for s in severities])
    bars.set_xlabel("severity (S4 critical)")
    bars.set_title("by severity", loc="left")
    bars.legend(fontsize=8, loc="upper right")
    bars.margins(y=0.15)
    figure.tight_layout()
    return figure


def plot_engineer_timeline(
    states: np.ndarray,
    tickets: np.ndarray,
    events: Mapping[str, np.ndarray],
    swarming: np.ndarray,
    episode_starts: Sequence[int] = (0,),
    title: str = "The engineers' day",
) -> Any:
    """One row per engineer: what it works on at each step, and what it did.

    The bar is coloured by the severity of the ticket worked on (light grey:
    idle, dark grey: off shift); short runs write the ticket id on each
    stretch of work. Context switches are marked above the bar, side actions
    (escalate, request info, defer) below it, and steps where the ticket had
    two or more engineers (a swarm) by a purple strip under the bar. Long
    runs show, per bin, the state held most of the bin and a marker where an
    event happened at least once.

    Args:
        states: ``(n, E)`` ints: 0 idle, 1..4 the severity of the ticket
            worked on, -1 off shift.
        tickets: ``(n, E)`` ints: the id of the ticket worked on, -1 for none.
        events: name (a key of :data:`EVENT_STYLES`) -> ``(n, E)`` counts.
        swarming: ``(n, E)`` bools: on a ticket with two or more engineers.
        episode_starts: the step index where each episode starts.
        title: the figure's title.
    """
    states = np.asarray(states)
    n, n_engineers = states.shape
    size = bin_size_for(n)
    figure, ax = _figure(1.2 + 0.5 * n_engineers)
    shown = binned(states, size, "mode") if size > 1 else states
    palette = {-1: OFF_SHIFT_RGB, 0: IDLE_RGB, **{s: severity_color(s) for s in range(1, 5)}}
    image = np.ones((n_engineers, shown.shape[0], 3))
    for code, rgb in palette.items():
        image[(shown == code).T] = rgb
    ax.imshow(
        image[::-1],
        extent=(0, n, -0.5, n_engineers - 0.5),
        aspect="auto",
        interpolation="nearest",
        origin="lower",
        zorder=0,
    )
    rows = np.arange(n_engineers)[::-1]  # engineer 0 on top
    for edge in np.arange(-0.5, n_engineers, 1.0):
        ax.axhspan(edge - 0.14, edge + 0.14, color="white", zorder=1, linewidth=0)
    pixels_per_step = FIGURE_WIDTH * DPI * 0.85 / max(1, n)
    if size == 1:
        tickets = np.asarray(tickets)
        for engineer, row in enumerate(rows):
            column = tickets[:, engineer]
            change = np.flatnonzero(np.diff(column) != 0) + 1
            starts = np.concatenate(([0], change))
            ends = np.concatenate((change, [n]))
            for start, end in zip(starts, ends, strict=True):
                if column[start] < 0:
                    continue
                if start > 0 and column[start - 1] >= 0:
                    ax.plot([start, start], [row - 0.36, row + 0.36], color="white", linewidth=1.0, zorder=2)
                if (end - start) * pixels_per_step >= LABEL_MIN_PIXELS:
                    ax.text(
                        (start + end) / 2, row, f"#{column[start]}", ha="center", va="center", fontsize=6.5, zorder=3
                    )
    handles = []
    swarm = binned(np.asarray(swarming, dtype=np.float64), size, "max") if size > 1 else np.asarray(swarming)
    lefts = _bin_lefts(n, size)
    for engineer, row in enumerate(rows):
        on = np.flatnonzero(swarm[:, engineer] > 0)
        if on.size:
            ax.broken_barh(
                [(lefts[k], size) for k in on], (row - 0.36, 0.08), facecolors=SWARM_COLOR, zorder=2, linewidth=0
            )
    for name, style in EVENT_STYLES.items():
        counts = events.get(name)
        if counts is None:
            continue
        per_bin = binned(np.asarray(counts, dtype=np.float64), size, "sum") if size > 1 else np.asarray(counts)
        total = int(np.sum(counts))
        offset = 0.27 if name == "context_switch" else -0.2
        xs: list[float] = []
        ys: list[float] = []
        for engineer, row in enumerate(rows):
            hit = np.flatnonzero(per_bin[:, engineer] > 0)
            xs.extend(lefts[hit] + size / 2)
            ys.extend([row + offset] * hit.size)
        handles.append(
            ax.scatter(
                xs,
                ys,
                marker=style["marker"],
                color=style["color"],
                s=14,
                zorder=4,
                linewidths=0,
                label=f"{style['label']} ({total})",
            )
        )
    _episode_lines(ax, episode_starts)
    _time_axis(ax, n, size)
    ax.grid(False)
    ax.set_ylim(-0.5, n_engineers - 0.5)
    ax.set_yticks(rows, [f"E{engineer}" for engineer in range(n_engineers)])
    for label, engineer in zip(ax.get_yticklabels(), range(n_engineers), strict=True):
        label.set_color(_engineer_color(engineer))
        label.set_fontweight("bold")
    ax.set_title(title, loc="left")
    from matplotlib.patches import Patch as patch

    legend = [patch(color=severity_color(s), label=f"on an S{s} ticket") for s in range(4, 0, -1)]
    legend += [patch(color=IDLE_RGB, label="idle"), patch(color=OFF_SHIFT_RGB, label="off shift")]
    legend += [patch(color=SWARM_COLOR, label="swarm (2+ engineers)"), *handles]
    below = -0.58 / (0.4 + 0.5 * n_engineers)  # about half an inch under the axes, whatever the height
    ax.legend(handles=legend, loc="upper center", bbox_to_anchor=(0.5, below), ncol=6, fontsize=8, frameon=False)
    figure.tight_layout()
    return figure


def plot_reward_components(
    components: Mapping[str, np.ndarray],
    episode_starts: Sequence[int] = (0,),
    title: str = "Team reward by component",
) -> Any:
    """Reward components stacked over time (gains up, costs down), the net reward, and the totals.

    Args:
        components: component name -> the team's reward from it in each step,
            shape ``(n,)`` (components that are zero throughout are left out).
        episode_starts: the step index where each episode starts.
        title: the figure's title.
    """
    names = [name for name, values in components.items() if np.any(np.asarray(values) != 0)]
    n = len(next(iter(components.values()))) if components else 0
    size = bin_size_for(n, REWARD_BINS)
    figure, (ax, totals_ax) = _figure(4.3, ncols=2, gridspec_kw={"width_ratios": [3, 1]})
    x = _stairs_x(n, size)
    positive_base = np.zeros(len(x))
    negative_base = np.zeros(len(x))
    net = np.zeros(len(x) - 1) if n else np.zeros(0)
    for name in names:
        per_bin = binned(np.asarray(components[name], dtype=np.float64), size)
        net = net + per_bin
        values = _post(per_bin)
        gains, costs = np.clip(values, 0, None), np.clip(values, None, 0)
        color = REWARD_COLORS.get(name, "0.6")
        if np.any(gains):
            ax.fill_between(x, positive_base, positive_base + gains, step="post", color=color, linewidth=0, label=name)
            positive_base = positive_base + gains
        if np.any(costs):
            label = None if np.any(gains) else name
            ax.fill_between(x, negative_base + costs, negative_base, step="post", color=color, linewidth=0, label=label)
            negative_base = negative_base + costs
    if n:
        ax.step(x, _post(net), where="post", color="black", linewidth=0.8, label="net")
    ax.axhline(0, color="0.3", linewidth=0.8)
    _episode_lines(ax, episode_starts)
    _time_axis(ax, n, size)
    ax.set_ylabel("reward per step" if size == 1 else "reward per step (bin mean)")
    ax.set_title(title, loc="left")
    ax.legend(loc="upper center", bbox_to_anchor=(0.5, -0.16), fontsize=8, ncol=min(6, len(names) + 1), frameon=False)
    totals = {name: float(np.sum(components[name])) for name in names}
    order = sorted(totals, key=lambda name: totals[name])
    totals_ax.barh(order, [totals[name] for name in order], color=[REWARD_COLORS.get(name, "0.6") for name in order])
    for k, name in enumerate(order):
        value = totals[name]
        totals_ax.annotate(
            f"{value:+.2f}",
            (value, k),
            xytext=(3 if value >= 0 else -3, 0),
            textcoords="offset points",
            ha="left" if value >= 0 else "right",
            va="center",
            fontsize=7,
        )
    totals_ax.axvline(0, color="0.3", linewidth=0.8)
    totals_ax.set_title(f"totals (return {sum(totals.values()):+.2f})", loc="left")
    totals_ax.margins(x=0.35)
    totals_ax.tick_params(axis="y", labelsize=8)
    figure.tight_layout()
    return figure


def plot_distributions(
    samples: Mapping[str, Sequence[float]],
    colors: Mapping[str, Any] | None = None,
    references: Mapping[str, float] | None = None,
    xlabel: str = "",
    ylabel: str = "",
    title: str = "",
    reference_label: str = "reference",
) -> Any:
    """Box plots of several samples side by side, with their size and mean, and optional reference marks.

    The episode report draws time to resolve by severity with it; a fidelity
    report draws real against simulated distributions the same way.

    Args:
        samples: label -> values (an empty sample is shown as "none").
        colors: label -> box colour (default light grey).
        references: label -> a value to mark on that box (e.g. the SLA).
        xlabel, ylabel, title: axis labels and the figure's title.
        reference_label: the legend entry of the reference marks.
    """
    labels = list(samples)
    figure, ax = _figure(3.6)
    data = [np.asarray(samples[label], dtype=np.float64) for label in labels]
    positions = np.arange(1, len(labels) + 1)
    filled = [k for k, values in enumerate(data) if values.size]
    if filled:
        boxes = ax.boxplot(
            [data[k] for k in filled],
            positions=positions[filled],
            widths=0.55,
            patch_artist=True,
            showmeans=True,
            meanprops={"marker": "o", "markerfacecolor": "white", "markeredgecolor": "black", "markersize": 5},
            medianprops={"color": "black"},
            flierprops={"marker": ".", "markersize": 3, "alpha": 0.5},
        )
        for box, k in zip(boxes["boxes"], filled, strict=True):
            box.set_facecolor((colors or {}).get(labels[k], "0.85"))
    tick_labels = [
        f"{label}\nn={values.size}" + (f", mean {values.mean():.1f}" if values.size else ", none")
        for label, values in zip(labels, data, strict=True)
    ]
    if references:
        for k, label in enumerate(labels):
            if label not in references:
                continue
            value = float(references[label])
            ax.hlines(
                value,
                positions[k] - 0.36,
                positions[k] + 0.36,
                colors="#c00000",
                linestyles="--",
                linewidth=1.8,
                zorder=6,
                label=reference_label if k == 0 else None,
            )
            ax.annotate(
                f"{reference_label} {value:g}",
                (positions[k] + 0.37, value),
                ha="left",
                va="center",
                fontsize=7,
                color="#c00000",
            )
        ax.legend(loc="upper left", fontsize=8)
    ax.set_xticks(positions, tick_labels)
    ax.set_xlim(0.4, len(labels) + 0.6)
    ax.set_xlabel(xlabel)
    ax.set_ylabel(ylabel)
    ax.set_title(title, loc="left")
    ax.margins(y=0.1)
    if all(values.size == 0 or values.min() >= 0 for values in data):
        ax.set_ylim(bottom=0)
    ax.grid(axis="y", color="0.9")
    ax.set_axisbelow(True)
    figure.tight_layout()
    return figure


# -- policy evaluation -----------------------------------------------------------------------------------------


def _label_estimate(ax: Any, mean: float, half: float, row: float, sign: str) -> None:
    """Write ``mean ± half`` above the point at ``(mean, row)``; ``sign="+"`` always shows the sign."""
    text = f"{mean:{sign}.2f}" + ("" if math.isnan(half) else f" ± {half:.2f}")
    ax.annotate(text, (mean, row), xytext=(0, 7), textcoords="offset points", ha="center", fontsize=7)


def plot_policy_comparison(
    policies: Sequence[str],
    means: Mapping[str, float],
    half_widths: Mapping[str, float],
    paired_means: Mapping[str, float],
    paired_half_widths: Mapping[str, float],
    reference: str,
    per_seed: Mapping[str, Sequence[float]] | None = None,
    metric: str = "return",
    title: str = "",
) -> Any:
    """Each policy's mean with its 95% CI, and its paired difference to a reference policy.

    Left: the mean of ``metric`` per policy with its 95% confidence interval
    (and each seed's value as a dot when ``per_seed`` is given). Right: the
    mean of the per-seed difference ``policy - reference`` with its own 95%
    CI; an interval that does not cross zero is a significant difference at
    that level (drawn solid; crossing zero, hollow).

    Args:
        policies: the policies, top to bottom.
        means, half_widths: policy -> mean and CI half-width (NaN: not drawn).
        paired_means, paired_half_widths: policy -> mean and CI half-width of
            the paired difference to ``reference``.
        reference: the reference policy (its difference is zero by definition).
        per_seed: policy -> the metric on each seed, drawn as dots.
        metric: the metric's name, for the axis labels.
        title: the figure's title.
    """
    plt = pyplot()
    rows = np.arange(len(policies))[::-1]
    figure, (left, right) = plt.subplots(
        ncols=2, figsize=(FIGURE_WIDTH, 1.4 + 0.42 * len(policies)), dpi=DPI, sharey=True
    )
    for row, name in zip(rows, policies, strict=True):
        color = "#4c72b0" if name != reference else "#dd8452"
        if per_seed and name in per_seed:
            values = np.asarray(per_seed[name], dtype=np.float64)
            jitter = np.linspace(-0.18, 0.18, values.size) if values.size > 1 else np.zeros(values.size)
            left.scatter(values, row + jitter, s=7, color=color, alpha=0.35, linewidths=0, zorder=2)
        mean, half = means.get(name, math.nan), half_widths.get(name, math.nan)
        if not math.isnan(mean):
            left.errorbar(mean, row, xerr=None if math.isnan(half) else half, fmt="o", color=color, capsize=4, zorder=3)
            _label_estimate(left, mean, half, row, "")
        if name == reference:
            right.annotate("reference", (0, row), ha="center", va="center", fontsize=8, color="#dd8452")
            continue
        mean, half = paired_means.get(name, math.nan), paired_half_widths.get(name, math.nan)
        if math.isnan(mean):
            continue
        significant = not math.isnan(half) and abs(mean) > half
        right.errorbar(
            mean,
            row,
            xerr=None if math.isnan(half) else half,
            fmt="o",
            capsize=4,
            zorder=3,
            color="#2ca02c" if mean > 0 else "#d62728",
            markerfacecolor=None if significant else "white",
        )
        _label_estimate(right, mean, half, row, "+")
    right.axvline(0, color="0.3", linewidth=0.9)
    left.set_yticks(rows, list(policies))
    left.set_ylim(-0.7, len(policies) - 0.3)
    left.set_xlabel(f"{metric} (mean ± 95% CI)")
    right.set_xlabel(f"{metric} - {reference}, paired by seed (mean ± 95% CI)")
    for ax in (left, right):
        ax.grid(axis="x", color="0.9")
        ax.set_axisbelow(True)
        ax.margins(x=0.12)
    if title:
        figure.suptitle(title, x=0.01, ha="left", fontsize=10)
    figure.tight_layout()
    return figure


# -- real against simulated ticket streams (the fidelity report) -----------------------------------------------

REAL_COLOR = "#333333"
SIM_COLOR = "#4c72b0"
WEEKDAYS = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")


def _finish_comparison(figure: Any, ax: Any, title: str, legend: str, grid: str = "y") -> Any:
    """The common end of a real-against-simulated figure: title, legend, light grid, tight layout."""
    ax.set_title(title, loc="left")
    ax.legend(loc=legend, fontsize=8)
    ax.grid(axis=grid, color="0.9")
    ax.set_axisbelow(True)
    figure.tight_layout()
    return figure


def plot_week_profile(real: np.ndarray, simulated: np.ndarray, bin_hours: float, title: str = "") -> Any:
    """Tickets per bin of the week, real against simulated, with the days marked.

    Args:
        real, simulated: ``(168 / bin_hours,)`` mean tickets per bin, index 0 Monday from 00:00.
        bin_hours: hours per bin (1: hours of the week; 24: days of the week).
        title: the figure's title.
    """
    real, simulated = np.asarray(real, dtype=np.float64), np.asarray(simulated, dtype=np.float64)
    figure, ax = _figure(3.4)
    edges = np.arange(real.size + 1) * bin_hours
    ax.stairs(real, edges, color=REAL_COLOR, linewidth=1.6, label="real")
    ax.stairs(simulated, edges, color=SIM_COLOR, linewidth=1.3, linestyle="--", label="simulated")
    for day in range(1, 7):
        ax.axvline(24 * day, color="0.8", linewidth=0.8, zorder=0)
    ax.set_xticks([24 * day + 12 for day in range(7)], WEEKDAYS)
    ax.tick_params(axis="x", length=0)
    ax.set_xlim(0, 168)
    ax.set_ylim(bottom=0)
    units: dict[float, str] = {1: "hour", 24: "day"}
    unit = units.get(bin_hours, f"{bin_hours:g} h")
    ax.set_ylabel(f"tickets per {unit}")
    return _finish_comparison(figure, ax, title, "upper right")


def plot_daily_counts(real: np.ndarray, simulated: np.ndarray, title: str = "") -> Any:
    """The distribution of tickets per day, real against simulated (share of days per count bin)."""
    real, simulated = np.asarray(real, dtype=np.float64), np.asarray(simulated, dtype=np.float64)
    figure, ax = _figure(3.2)
    top = max(real.max(initial=0), simulated.max(initial=0))
    n_bins = int(min(40, top + 1))
    edges = np.linspace(-0.5, top + 0.5, n_bins + 1)
    for values, color, label, style in (
        (real, REAL_COLOR, "real", "-"),
        (simulated, SIM_COLOR, "simulated", "--"),
    ):
        if values.size:
            counts, _ = np.histogram(values, bins=edges)
            ax.stairs(
                counts / values.size,
                edges,
                color=color,
                linestyle=style,
                linewidth=1.5,
                label=f"{label}: {values.size} days, mean {values.mean():.1f}, sd {values.std():.1f}",
            )
    ax.set_xlabel("tickets per day")
    ax.set_ylabel("share of days")
    return _finish_comparison(figure, ax, title, "upper right")


def plot_severity_mix(
    real: Sequence[float] | np.ndarray, simulated: Sequence[float] | np.ndarray, title: str = ""
) -> Any:
    """The share of each severity 1..4, real against simulated, as paired bars."""
    real, simulated = np.asarray(real, dtype=np.float64), np.asarray(simulated, dtype=np.float64)
    figure, ax = _figure(3.0)
    positions = np.arange(1, 5)
    for offset, values, label, hatch in ((-0.2, real, "real", None), (0.2, simulated, "simulated", "//")):
        bars = ax.bar(
            positions + offset,
            values * 100,
            width=0.38,
            color=[severity_color(s) for s in range(1, 5)],
            edgecolor="black",
            hatch=hatch,
            label=label,
        )
        for bar, value in zip(bars, values, strict=True):
            ax.annotate(
                f"{value * 100:.1f}",
                (bar.get_x() + bar.get_width() / 2, value * 100),
                xytext=(0, 2),
                textcoords="offset points",
                ha="center",
                fontsize=7,
            )
    ax.set_xticks(positions, [f"severity {s}" for s in range(1, 5)])
    ax.set_ylabel("% of tickets")
    ax.margins(y=0.15)
    _finish_comparison(figure, ax, title, "upper right")
    # legend keys without a severity's colour: plain for real, hatched for simulated
    from matplotlib.patches import Patch

    keys = [Patch(facecolor="white", edgecolor="black", label="real")]
    keys.append(Patch(facecolor="white", edgecolor="black", hatch="//", label="simulated"))
    ax.legend(handles=keys, loc="upper right", fontsize=8)
    return figure


def plot_resolve_times(real_hours: np.ndarray, sim_hours: np.ndarray, ks: float, title: str = "") -> Any:
    """Empirical CDFs of time to resolve, real against simulated, on a log axis, with the KS gap marked."""
    figure, ax = _figure(3.4)
    curves = []
    for values, color, label, style in (
        (real_hours, REAL_COLOR, "real", "-"),
        (sim_hours, SIM_COLOR, "simulated", "--"),
    ):
        values = np.sort(np.asarray(values, dtype=np.float64))
        values = np.maximum(values, 1 / 60)  # zero-minute resolutions drawn at one minute (log axis)
        curves.append(values)
        if values.size:
            cdf = np.arange(1, values.size + 1) / values.size
            ax.step(
                values,
                cdf,
                where="post",
                color=color,
                linestyle=style,
                linewidth=1.5,
                label=f"{label}: n={values.size}, median {np.median(values):.1f} h",
            )
    if all(curve.size for curve in curves):
        points = np.concatenate(curves)
        gap = np.abs(
            np.searchsorted(curves[0], points, side="right") / curves[0].size
            - np.searchsorted(curves[1], points, side="right") / curves[1].size
        )
        at = points[int(np.argmax(gap))]
        low, high = sorted(np.searchsorted(curve, at, side="right") / curve.size for curve in curves)
        ax.vlines(at, low, high, color="#c00000", linewidth=2.0, label=f"KS distance {ks:.2f}")
        ax.set_xscale("log")
    ax.set_xlabel("time to resolve (hours, log scale)")
    ax.set_ylabel("share resolved within")
    ax.set_ylim(0, 1.02)
    return _finish_comparison(figure, ax, title, "lower right", grid="both")
