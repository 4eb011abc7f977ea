"""The episode report: a recording analysed into per-step series, drawn into one HTML page.

::

    from ticket_triage_marl.reports.episode import build_report
    build_report("trace.jsonl", "report.html", figures_dir="figures")   # ticket-triage report

:func:`analyze_recording` turns a trace of any API (coordinator, parallel, AEC;
one or several episodes) into per-step series (:class:`RecordingSeries`);
:func:`build_report` draws them with :mod:`ticket_triage_marl.plotting` and
writes the page: a header (config, seed, policy, summary numbers), then the
backlog and intake queue with drops, resolved tickets and SLA breaches (by
severity), a timeline per engineer, the reward components, and the time to
resolve by severity. Figures are PNGs inlined as ``data:`` URIs, so the page
needs no network and opens from a file; ``figures_dir`` also writes each PNG.

Everything is read and drawn before anything is written: a truncated,
corrupted or unknown trace raises :class:`~ticket_triage_marl.recordings.RecordingError`
and leaves no file behind, and the files appear atomically.
"""

from __future__ import annotations

import math
import os
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from .. import metrics
from .._core.layout import REWARD_NAMES
from .._version import __version__
from ..actions import AgentVerb, Verb, decode_agent_action, decode_coordinator_action
from ..config import EnvConfig
from ..plotting import (
    figure_png,
    plot_backlog,
    plot_distributions,
    plot_engineer_timeline,
    plot_resolved_and_breaches,
    plot_reward_components,
    pyplot,
    severity_color,
)
from ..recordings import RecordingError, RecordingHeader, iter_steps, read_header
from ..rollout import team_reward
from .html import HtmlPage, config_rows, number_text

__all__ = [
    "EVENT_NAMES",
    "FIGURE_NAMES",
    "SIDE_VERBS",
    "RecordingSeries",
    "analyze_recording",
    "build_report",
    "report_page",
]

FIGURE_NAMES = ("backlog", "resolved_breaches", "engineers", "rewards", "time_to_resolve")
"""The report's figures, in page order; ``figures_dir`` gets ``<name>.png`` of each."""
SIDE_VERBS = {
    AgentVerb.ESCALATE: "escalate",
    AgentVerb.REQUEST_INFO: "request_info",
    AgentVerb.DEFER: "defer",
    AgentVerb.ROUTE: "route",
    AgentVerb.LINK: "link",
}
EVENT_NAMES = ("context_switch", "escalate", "request_info", "defer", "route", "link")


# -- from a trace to series ---------------------------------------------------------------------------------------


@dataclass
class RecordingSeries:
    """A trace as per-step arrays (index = the step's line order, ``n`` steps, ``E`` engineers).

    Attributes:
        header: the trace's checked header.
        episode: ``(n,)`` the episode of each step.
        episode_starts: the step index where each episode starts.
        t: ``(n,)`` the env's clock after each step.
        open_tickets, queued: ``(n,)`` tickets in slots and in the intake queue after each step.
        awaiting: ``(n,)`` tickets awaiting others after each step, or None (a recording without the mechanic).
        resolved, breaches, dropped, reopened: ``(n,)`` how many happened in each step.
        team_reward: ``(n,)`` the team reward of each step.
        components: reward component -> ``(n,)`` the team's reward from it.
        states: ``(n, E)`` 0 idle, 1..4 the severity of the ticket worked on, -1 off shift.
        tickets: ``(n, E)`` the id of the ticket worked on, -1 for none.
        events: ``context_switch`` / ``escalate`` / ``request_info`` / ``defer`` -> ``(n, E)`` counts,
            from the engineers' own actions or what the coordinator's decision became (actions the
            mask forbade are left out). A context switch is WORK on another ticket than the one the
            engineer was on (leaving it unfinished), as the env charges it.
        swarming: ``(n, E)`` on a ticket that two or more engineers work on.
        invalid: ``(n,)`` actions the mask forbade (applied as NOOP), summed over agents.
        resolved_by_severity, breaches_by_severity: counts of severity 1..4.
        time_to_resolve: severity -> steps from arrival to resolution of each resolved ticket
            (a reopened ticket is measured again from its reopening).
        still_open: tickets open or queued when their episode (or the trace) ended, not measured.
        coordinator_verbs: ``Verb`` name -> how often the coordinator chose it (coordinator traces).
        side_actions_recorded: False when the trace lacks the per-engineer actions (an old coordinator trace).
    """

    header: RecordingHeader
    episode: np.ndarray
    episode_starts: list[int]
    t: np.ndarray
    open_tickets: np.ndarray
    queued: np.ndarray
    resolved: np.ndarray
    breaches: np.ndarray
    dropped: np.ndarray
    reopened: np.ndarray
    team_reward: np.ndarray
    components: dict[str, np.ndarray]
    states: np.ndarray
    tickets: np.ndarray
    events: dict[str, np.ndarray]
    swarming: np.ndarray
    invalid: np.ndarray
    resolved_by_severity: list[int]
    breaches_by_severity: list[int]
    time_to_resolve: dict[int, list[int]]
    still_open: int
    coordinator_verbs: dict[str, int] = field(default_factory=dict)
    side_actions_recorded: bool = True
    awaiting: np.ndarray | None = None

    @property
    def n_steps(self) -> int:
        """How many steps the trace holds."""
        return int(self.t.shape[0])

    @property
    def backlog(self) -> np.ndarray:
        """``(n,)`` open, queued and awaiting tickets after each step."""
        backlog: np.ndarray = self.open_tickets + self.queued
        return backlog if self.awaiting is None else backlog + self.awaiting

    def summary(self) -> dict[str, Any]:
        """The headline numbers of the run (JSON-able; NaN where undefined)."""
        n, all_times = self.n_steps, [x for times in self.time_to_resolve.values() for x in times]
        on_shift = self.states >= 0
        return {
            "steps": n,
            "episodes": len(self.episode_starts),
            "team_return": float(self.team_reward.sum()),
            "resolved": int(self.resolved.sum()),
            "breaches": int(self.breaches.sum()),
            "dropped": int(self.dropped.sum()),
            "reopened": int(self.reopened.sum()),
            "mean_backlog": float(self.backlog.mean()) if n else math.nan,
            "max_backlog": int(self.backlog.max()) if n else 0,
            "max_queue": int(self.queued.max()) if n else 0,
            "mean_time_to_resolve": float(np.mean(all_times)) if all_times else math.nan,
            "busy_share": float((self.states > 0).sum() / max(1, on_shift.sum())),
            "context_switches": int(self.events["context_switch"].sum()),
            "side_actions": int(sum(self.events[name].sum() for name in SIDE_VERBS.values())),
            "invalid_actions": int(self.invalid.sum()),
        }


def _team_breakdown(api: str, config: EnvConfig, breakdown: Any, number: int, path: str) -> list[float]:
    """The team's reward components of one step, in ``REWARD_NAMES`` order.

    The coordinator records a dict; the PettingZoo APIs a breakdown per agent
    (a dict or a list in ``REWARD_NAMES`` order): in team mode every agent
    gets the team's, in individual mode they sum to it.
    """

    def as_list(value: Any) -> list[float]:
        if isinstance(value, dict):
            return [float(value.get(name, 0.0)) for name in REWARD_NAMES]
        if isinstance(value, list) and len(value) == len(REWARD_NAMES):
            return [float(x) for x in value]
        raise RecordingError(f"{path}:{number}: reward_breakdown is neither a dict nor a list of {len(REWARD_NAMES)}")

    if api == "coordinator":
        return as_list(breakdown)
    if not isinstance(breakdown, dict) or not breakdown:
        raise RecordingError(f"{path}:{number}: reward_breakdown must be a dict agent -> breakdown: trace corrupted")
    per_agent = [as_list(value) for _, value in sorted(breakdown.items(), key=lambda item: _agent_index(item[0]))]
    if config.reward_mode == "team":
        return per_agent[0]
    return [float(sum(values)) for values in zip(*per_agent, strict=True)]


def _agent_index(agent: str) -> int:
    return int(str(agent).rsplit("_", 1)[-1])


def _engineer_actions(api: str, record: dict, n_engineers: int) -> tuple[list[int] | None, list[bool]]:
    """The per-engineer actions of a step and whether each was invalid (applied as NOOP)."""
    if api == "coordinator":
        actions = record.get("engineer_actions")
        invalid = bool(record["invalid_action"])
        return (list(actions) if actions is not None else None), [invalid] * n_engineers
    actions, invalid = record["actions"], record["invalid_action"]
    ordered = sorted(actions, key=_agent_index)
    return [int(actions[agent]) for agent in ordered], [bool(invalid.get(agent, 0)) for agent in ordered]


def analyze_recording(path: str | os.PathLike[str]) -> RecordingSeries:
    """Read a trace (checked line by line, streamed) into per-step series.

    Args:
        path: a trace written by ``ticket-triage rollout --out`` (any API).

    Raises:
        FileNotFoundError: no such file.
        RecordingError: the trace is empty, truncated, corrupted, of an unknown
            format, or its records do not fit its header (the message names
            the file and line).
    """
    path = os.fspath(path)
    header = read_header(path)
    try:
        return _analyze(header, iter_steps(path), path)
    except (KeyError, TypeError, AttributeError, IndexError) as error:
        raise RecordingError(
            f"{path}: a step record does not have the trace layout ({error!r}): trace corrupted"
        ) from None


def _analyze(  # noqa: C901 -- one streaming pass over a trace that fills every series of the report at once (counts, arrivals and resolves per severity, engineer states, events): splitting it would read the trace once per series or thread its state through helpers
    header: RecordingHeader, records: Iterator[tuple[int, dict]], path: str
) -> RecordingSeries:
    config, api = header.config, header.api
    n_engineers = config.n_engineers
    n = header.steps
    counts = {key: np.zeros(n, dtype=np.int64) for key in ("open", "queued", "resolved", "breaches", "dropped")}
    counts["reopened"] = np.zeros(n, dtype=np.int64)
    counts["awaiting"] = np.zeros(n, dtype=np.int64)
    episode, clock = np.zeros(n, dtype=np.int64), np.zeros(n, dtype=np.int64)
    team_totals = np.zeros(n)
    components = np.zeros((n, len(REWARD_NAMES)))
    states = np.zeros((n, n_engineers), dtype=np.int64)
    worked = np.full((n, n_engineers), -1, dtype=np.int64)
    events = {name: np.zeros((n, n_engineers), dtype=np.int64) for name in EVENT_NAMES}
    swarming = np.zeros((n, n_engineers), dtype=bool)
    invalid = np.zeros(n, dtype=np.int64)
    resolved_by_severity, breaches_by_severity = [0] * 4, [0] * 4
    time_to_resolve: dict[int, list[int]] = {s: [] for s in range(1, 5)}
    verbs: dict[str, int] = {}
    side_actions_recorded = True
    episode_starts: list[int] = []
    still_open = 0
    previous_episode = None
    previous_counters: dict[str, int] = {}
    arrivals: dict[int, tuple[int, int]] = {}  # ticket id -> (arrival step, severity), this episode
    breached: set[int] = set()
    previous_slots: list[int | None] = [None] * n_engineers

    for index, (number, record) in enumerate(records):
        snapshot = record["snapshot"]
        if record["episode"] != previous_episode:
            if previous_episode is not None and record["episode"] != previous_episode + 1:
                raise RecordingError(f"{path}:{number}: episode {record['episode']} follows episode {previous_episode}")
            episode_starts.append(index)
            still_open += len(arrivals)
            arrivals, breached = {}, set()
            previous_counters = {"resolved": 0, "breaches": 0, "dropped": 0, "reopened": 0}
            previous_slots = [None] * n_engineers  # engineers start an episode idle
            previous_episode = record["episode"]
        episode[index], now = record["episode"], int(snapshot["t"])
        clock[index] = now
        open_tickets, queue = snapshot["tickets"], snapshot["queue"]
        counts["open"][index], counts["queued"][index] = len(open_tickets), len(queue)
        counts["awaiting"][index] = len(snapshot.get("awaiting", ()))
        counters = snapshot["counters"]
        for key in ("resolved", "breaches", "dropped", "reopened"):
            counts[key][index] = int(counters[key]) - previous_counters[key]
            previous_counters[key] = int(counters[key])

        present = {}
        for ticket in open_tickets:
            present[ticket["id"]] = ticket
        for ticket in queue:
            present[ticket["id"]] = ticket
        for ticket in snapshot.get("awaiting", ()):  # open too, awaiting others
            present[ticket["id"]] = ticket
        closed = record.get("closed")  # lifecycle records (recordings since checkpoint format 2)
        if closed is not None:
            for ticket in closed:
                resolved_by_severity[int(ticket["severity"]) - 1] += 1
                time_to_resolve[int(ticket["severity"])].append(metrics.time_to_resolve(ticket))
        for ticket_id in [ticket_id for ticket_id in arrivals if ticket_id not in present]:
            arrived, severity = arrivals.pop(ticket_id)
            if closed is None:  # an older recording: the same definition, measured from its snapshots
                resolved_by_severity[severity - 1] += 1
                time_to_resolve[severity].append(now - arrived)
            breached.discard(ticket_id)
        for ticket_id, ticket in present.items():
            if ticket_id not in arrivals:
                age = int(ticket["age"])
                arrivals[ticket_id] = (
                    now - 1 if ticket["reopened"] and age > 1 else now - age,
                    int(ticket["severity"]),
                )
            if ticket["breached"] and ticket_id not in breached:
                breached.add(ticket_id)
                breaches_by_severity[int(ticket["severity"]) - 1] += 1

        team_totals[index] = team_reward(api, config, record["rewards"])
        components[index] = _team_breakdown(api, config, record["reward_breakdown"], number, path)

        by_slot = {ticket["slot"]: ticket for ticket in open_tickets}
        for engineer in snapshot["engineers"]:
            e = int(engineer["index"])
            ticket = by_slot.get(engineer["ticket"]) if engineer["ticket"] is not None else None
            if not engineer["on_shift"]:
                states[index, e] = -1
            elif ticket is not None:
                states[index, e] = int(ticket["severity"])
            if ticket is not None:
                worked[index, e] = int(ticket["id"])
                swarming[index, e] = len(ticket["assignees"]) >= 2

        actions, was_invalid = _engineer_actions(api, record, n_engineers)
        invalid[index] = int(record["invalid_action"]) if api == "coordinator" else sum(was_invalid)
        if api == "coordinator":
            verb = decode_coordinator_action(int(record["actions"]), config)[0]
            verbs[verb.name] = verbs.get(verb.name, 0) + 1
        if actions is None:
            side_actions_recorded = False
        else:
            for e, (action, forbidden) in enumerate(zip(actions, was_invalid, strict=True)):
                if forbidden:
                    continue
                agent_verb, slot = decode_agent_action(int(action), config)  # the config: its ROUTE / LINK blocks
                name = SIDE_VERBS.get(agent_verb)
                if name is not None:
                    events[name][index, e] += 1
                elif agent_verb == AgentVerb.WORK and previous_slots[e] is not None and slot != previous_slots[e]:
                    events["context_switch"][index, e] += 1  # left its unfinished ticket for another one
        previous_slots = [engineer["ticket"] for engineer in sorted(snapshot["engineers"], key=lambda e: e["index"])]

    still_open += len(arrivals)
    if not episode_starts:
        episode_starts = [0]
    if verbs:
        verbs = {verb.name: verbs.get(verb.name, 0) for verb in Verb}
    return RecordingSeries(
        header=header,
        episode=episode,
        episode_starts=episode_starts,
        t=clock,
        open_tickets=counts["open"],
        queued=counts["queued"],
        resolved=counts["resolved"],
        breaches=counts["breaches"],
        dropped=counts["dropped"],
        reopened=counts["reopened"],
        team_reward=team_totals,
        components={name: components[:, k] for k, name in enumerate(REWARD_NAMES)},
        states=states,
        tickets=worked,
        events=events,
        swarming=swarming,
        invalid=invalid,
        resolved_by_severity=resolved_by_severity,
        breaches_by_severity=breaches_by_severity,
        time_to_resolve=time_to_resolve,
        still_open=still_open,
        coordinator_verbs=verbs,
        side_actions_recorded=side_actions_recorded,
        awaiting=counts["awaiting"] if "awaiting" in config.mechanics() else None,
    )


# -- the episode report -------------------------------------------------------------------------------------------


def build_report(
    trace_path: str | os.PathLike[str],
    out_path: str | os.PathLike[str],
    figures_dir: str | os.PathLike[str] | None = None,
) -> RecordingSeries:
    """Write the HTML report of a trace (and, with ``figures_dir``, each figure as a PNG).

    Args:
        trace_path: a trace written by ``ticket-triage rollout --out`` (any API).
        out_path: the HTML file to write.
        figures_dir: a directory for ``<name>.png`` of each figure
            (:data:`FIGURE_NAMES`); created if missing.

    Returns:
        The series the report was drawn from.

    Raises:
        FileNotFoundError: no such trace, or no such output directory.
        RecordingError: the trace is truncated, corrupted or of an unknown format.
        MissingExtraError: matplotlib (the ``plot`` extra) is not installed.
        In every case nothing is written.
    """
    pyplot()  # the missing-extra message before reading a long trace
    series = analyze_recording(trace_path)
    page = report_page(series, source=os.path.basename(os.fspath(trace_path)))
    page.write(out_path, figures_dir)
    return series


def report_page(series: RecordingSeries, source: str = "") -> HtmlPage:
    """The report of ``series`` as an :class:`HtmlPage` (figures drawn, nothing written)."""
    header, config = series.header, series.header.config
    summary = series.summary()
    episodes = summary["episodes"]
    page = HtmlPage(f"Episode report: {header.policy} on {config.name!r}")
    page.paragraph(
        f"{source + ' · ' if source else ''}{header.api} API · policy {header.policy} · seed {header.seed} · "
        f"{summary['steps']} steps, {episodes} episode{'s' if episodes != 1 else ''} of horizon {config.horizon} · "
        f"{config.n_engineers} engineers, {config.max_tickets} ticket slots, queue of {config.max_queue} · "
        f"trace written by version {header.version or '?'}, report by {__version__}",
        css_class="meta",
    )
    page.cards(
        [
            ("team return", number_text(summary["team_return"], 2)),
            ("resolved", str(summary["resolved"])),
            ("SLA breaches", str(summary["breaches"])),
            ("dropped", str(summary["dropped"])),
            ("reopened", str(summary["reopened"])),
            ("mean / max backlog", f"{number_text(summary['mean_backlog'])} / {summary['max_backlog']}"),
            ("mean time to resolve (steps)", number_text(summary["mean_time_to_resolve"])),
            ("engineers busy", f"{100 * summary['busy_share']:.0f}%"),
            ("context switches", str(summary["context_switches"])),
            ("side actions", str(summary["side_actions"])),
            ("invalid actions", str(summary["invalid_actions"])),
        ]
    )
    if series.coordinator_verbs:
        page.table(
            ["coordinator verb", *series.coordinator_verbs], [["times chosen", *series.coordinator_verbs.values()]]
        )
    page.table(["config field", "value"], config_rows(config), summary=f"config {config.name!r}: every field")

    bins = "" if series.n_steps <= 400 else " Long runs are aggregated into at most 400 bins."
    page.heading("Backlog")
    page.figure(
        "backlog",
        figure_png(
            plot_backlog(
                series.open_tickets,
                series.queued,
                series.dropped,
                series.episode_starts,
                config.max_queue,
                awaiting=series.awaiting,
            )
        ),
        "Open tickets (in the slots engineers can work on) and the intake queue (waiting for a free slot), stacked: "
        "together the backlog. Red triangles mark steps where a full queue dropped tickets; dotted lines are "
        "episode starts (up to 20 episodes)." + bins,
        "backlog and intake queue over time",
    )
    page.heading("Resolved and SLA breaches")
    page.figure(
        "resolved_breaches",
        figure_png(
            plot_resolved_and_breaches(
                series.resolved,
                series.breaches,
                series.resolved_by_severity,
                series.breaches_by_severity,
                series.episode_starts,
            )
        ),
        "Cumulative resolved tickets and SLA breaches (each breach counted once, when the deadline passes), "
        "and both by severity." + _unattributed_note(series),
        "resolved tickets and SLA breaches over time and by severity",
    )
    page.heading("The engineers")
    caption = (
        "What each engineer works on at every step, coloured by the ticket's severity (ticket ids written where "
        "there is room); idle light grey, off shift dark grey. Context switches (leaving an unfinished ticket for "
        "another) are marked above the bar, side actions (escalate, request info, defer) below it, swarms (two or "
        "more engineers on one ticket) by a purple strip."
        + bins.replace("aggregated", "aggregated (the state held most of each bin)")
    )
    if not series.side_actions_recorded:
        caption += " This trace does not record the engineers' actions, so side actions are not shown."
    page.figure(
        "engineers",
        figure_png(
            plot_engineer_timeline(series.states, series.tickets, series.events, series.swarming, series.episode_starts)
        ),
        caption,
        "timeline of each engineer",
    )
    page.table(
        [
            "engineer",
            "busy",
            "idle",
            "off shift",
            "tickets worked on",
            "context switches",
            "escalate",
            "request info",
            "defer",
            "route",
            "link",
            "steps swarming",
        ],
        _engineer_rows(series),
    )
    page.heading("Reward")
    page.figure(
        "rewards",
        figure_png(plot_reward_components(series.components, series.episode_starts)),
        "The team reward of each step split into its components (gains above zero, costs below, the black line "
        "the net), and each component's total over the trace."
        + ("" if series.n_steps <= 100 else " Aggregated into at most 100 bins (rewards come in spikes)."),
        "reward components over time and their totals",
    )
    page.heading("Time to resolve")
    labels = [f"S{s}" for s in range(1, 5)]
    page.figure(
        "time_to_resolve",
        figure_png(
            plot_distributions(
                {f"S{s}": series.time_to_resolve[s] for s in range(1, 5)},
                colors={f"S{s}": severity_color(s) for s in range(1, 5)},
                references=dict(zip(labels, config.sla_steps, strict=True)),
                xlabel="severity (S4 critical)",
                ylabel="steps from arrival to resolution",
                title="Time to resolve by severity",
                reference_label="SLA",
            )
        ),
        f"Steps from a ticket's arrival to its resolution, by severity (box: quartiles, line: median, circle: "
        f"mean), against the SLA. {series.still_open} tickets still open at the end of their episode are not "
        "counted.",
        "box plots of time to resolve by severity",
    )
    return page


def _unattributed_note(series: RecordingSeries) -> str:
    """What the by-severity counts miss: a ticket resolved (or breached) in an episode's first step was
    only in the reset's state, which traces do not record, so its severity is unknown."""
    resolved = int(series.resolved.sum()) - sum(series.resolved_by_severity)
    breaches = int(series.breaches.sum()) - sum(series.breaches_by_severity)
    if resolved <= 0 and breaches <= 0:
        return ""
    return (
        f" {resolved} resolved and {breaches} breached tickets are in the totals but not by severity: they "
        "resolved or breached in an episode's first step, before any recorded snapshot showed them."
    )


def _engineer_rows(series: RecordingSeries) -> list[list[str]]:
    rows = []
    n = max(1, series.n_steps)
    for e in range(series.states.shape[1]):
        column = series.states[:, e]
        working = series.tickets[:, e] >= 0
        touched = len(set(zip(series.episode[working].tolist(), series.tickets[working, e].tolist(), strict=True)))
        rows.append(
            [
                f"E{e}",
                f"{100 * np.sum(column > 0) / n:.0f}%",
                f"{100 * np.sum(column == 0) / n:.0f}%",
                f"{100 * np.sum(column < 0) / n:.0f}%",
                str(touched),
                *(str(int(series.events[name][:, e].sum())) for name in EVENT_NAMES),
                str(int(series.swarming[:, e].sum())),
            ]
        )
    return rows
