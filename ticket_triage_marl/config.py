"""Environment configuration: the frozen, validated :class:`EnvConfig` and TOML loading.

Fields fall in two groups. *Shape-fixing* fields (``n_engineers``,
``max_tickets``, ``max_queue``, ``n_components``) decide array and space shapes;
everything else is a rate, a distribution parameter or a reward weight and can
be changed without changing any space. A probability or count of 0 switches its
mechanic off (``p_regression=0`` means no regressions, ``max_escalated=0``
means no experts, ``switch_ramp_steps=0`` means no ramp-up, ...).

Every field below is listed as ``name (default, range): meaning``.
"""

from __future__ import annotations

import dataclasses
import math
import os
import sys
from dataclasses import dataclass, field, fields
from pathlib import Path
from typing import TYPE_CHECKING, Any

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover - exercised on Python 3.10 only
    import tomli as tomllib

if TYPE_CHECKING:
    from .data.trace import TraceArrays

__all__ = [
    "ARRIVAL_PROCESSES",
    "SCENARIO_DIR",
    "WORK_DISTRIBUTIONS",
    "EnvConfig",
    "load_config",
    "scenario_names",
    "scenario_path",
]

ARRIVAL_PROCESSES = ("bernoulli", "poisson", "profile", "trace")
MAX_PROFILE_RATE = 500.0  # arrivals per step; exp(-rate) of the exact Poisson draw stays far from underflow
WORK_DISTRIBUTIONS = ("lognormal", "exponential", "deterministic")
REWARD_MODES = ("team", "individual")
OBSERVATION_MODES = ("global", "local")
AWAIT_SLA_MODES = ("paused", "running")
REQUEST_INFO_MODES = ("blocks", "awaits")


def setting(default: Any, *, low: Any = None, high: Any = None, choices: tuple[str, ...] | None = None) -> Any:
    """A config field with its accepted values, declared once: ``low`` / ``high`` (inclusive; a number, or the
    name of another field, or ``"a + b"`` of two fields) or ``choices``. ``EnvConfig.__post_init__`` checks every
    declared field in field order (``ValueError`` naming the field, the value and the range)."""
    return field(default=default, metadata={"low": low, "high": high, "choices": choices})


def _bound(config: EnvConfig, bound: Any) -> Any:
    """A declared bound's value: a number, a field's value, or the sum of two fields (``"a + b"``)."""
    if not isinstance(bound, str):
        return bound
    return sum(getattr(config, name.strip()) for name in bound.split("+"))


@dataclass(frozen=True)
class EnvConfig:
    """Every parameter of the ticket-triage simulation (one step = one working hour).

    Shape-fixing fields:
        n_engineers (3, >= 1): engineers, one agent each (``engineer_0`` ...).
        max_tickets (10, >= 1): open-ticket slots T visible in observations.
        max_queue (200, >= 0): intake-queue capacity behind the slots; arrivals
            past it are dropped and counted. The default holds every arrival of
            a default episode even if nobody ever works.
        n_components (4, >= 1): components (services) tickets belong to.

    Episode and arrivals:
        horizon (200, >= 1): steps per episode (PettingZoo's ``max_cycles``).
        arrival_process ("bernoulli", one of bernoulli/poisson/profile/trace): how
            new tickets arrive. ``trace`` replays a real export (every row one
            ticket in its step; see :mod:`ticket_triage_marl.data.trace`).
        p_new_ticket (0.5, [0, 1]): bernoulli arrival probability per step.
        arrival_rate (0.5, [0, 16]): poisson arrivals per step (mean).
        arrival_profile (None, or a sequence of rates in [0, 500]): with
            ``arrival_process="profile"``, the Poisson rate of each step of a
            repeating cycle: step ``k`` (1, 2, ...) of an episode draws with
            rate ``arrival_profile[(k - 1) % len]``. A week at one hour per step
            is 168 values, index 0 being Monday 00:00-01:00; episodes start at
            index 0 (a Monday). Required with ``profile``, refused otherwise.
        trace_path (None, an existing CSV file): with ``arrival_process="trace"``,
            the export to replay (read by :func:`ticket_triage_marl.read_tickets`
            when the config is made, so a bad file fails here). A relative path
            in a TOML file is relative to that file's folder.
        trace_columns (None, or canonical field -> the file's column): as the
            ``columns`` of ``read_tickets``.
        trace_format ("auto", "auto", "canonical" or a preset of
            ``read_tickets``): the tracker that wrote the export.
        trace_severity_map (None, or priority label -> severity 1..4): as the
            ``severity_map`` of ``read_tickets`` (a TOML table).
        trace_date_format, trace_timezone, trace_delimiter, trace_encoding
            (None each): as ``date_format``, ``timezone``, ``delimiter`` and
            ``encoding`` of ``read_tickets``.
        trace_hours_per_step (1.0, (0, 8760]): hours of the trace per step.
        trace_start (0, an int >= 0 or "random"): the trace step (from the hour
            of the file's first ticket) that an episode's step 1 replays;
            "random" draws it per episode from the seed and episode.
        initial_backlog (3, [0, max_tickets + max_queue]): tickets open at reset.

    Tickets:
        severity_mix ((0.3, 0.4, 0.2, 0.1), four probabilities summing to 1):
            probability of severity 1 (low) .. 4 (critical).
        component_mix (None, or n_components probabilities summing to 1): the
            share of each component among new tickets (None: uniform).
        sla_steps ((168, 72, 24, 8), four ints >= 1): SLA deadline in steps per
            severity 1..4.
        work_distribution ("lognormal", one of lognormal/exponential/deterministic).
        work_mean (5.0, (0, 1000]): mean work units per ticket.
        work_sigma (0.5, [0, 3]): lognormal shape parameter (log-space std).

    Team:
        skills (None, or n_engineers rows of n_components floats >= 0): work
            units per step of each engineer on each component; None = all 1.0.
        skill_noise (0.0, [0, 2]): per-episode lognormal noise on skills.
        swarm_efficiency (0.7, (0, 1]): k engineers on one ticket remove
            ``sum(skills) * swarm_efficiency**(k-1)``.
        switch_ramp_steps (2, [0, 100]): steps of reduced productivity after a
            context switch (productivity ramps 1/(R+1), 2/(R+1), ... 1).
        shift_period (0, >= 0): 0 = everyone always on shift; otherwise engineer
            i is on shift when ``(t + i*shift_period//n_engineers) % shift_period
            < shift_length``.
        shift_length (0, [0, shift_period]): on-shift steps per period.

    Complications:
        p_regression (0.02, [0, 1]): per step, a ticket in progress regresses.
        regression_work (1.0, [0, 1000]): work units a regression adds.
        p_reopen (0.05, [0, 1]): a resolved ticket comes back (same id).
        reopen_window (24, >= 1): it comes back within this many steps.
        reopen_work_fraction (0.5, (0, 1]): work of the reopened ticket, as a
            fraction of its total work.
        p_ambiguous (0.1, [0, 1]): a new ticket is ambiguous (hidden) until info
            is obtained with REQUEST_INFO.
        ambiguous_slowdown (0.5, (0, 1]): progress factor on ambiguous tickets.
        ambiguous_regression_factor (3.0, [1, 100]): regression probability
            multiplier on ambiguous tickets.
        info_wait_min (2, >= 0), info_wait_max (6, >= info_wait_min): steps a
            REQUEST_INFO blocks the ticket (uniform).
        p_dependency (0.05, [0, 1]): a new ticket depends on an open one.
        max_escalated (1, [0, max_tickets]): expert pool, open escalated tickets.
        expert_skill (1.0, [0, 100]): work units per step the expert adds.
        defer_steps (24, >= 1): steps DEFER adds to the SLA deadline.
        max_deferrals (2, >= 0): DEFERs allowed per ticket (0 = verb off).

    Waiting on others (the awaiting mechanic: off unless ``p_await > 0`` or
    ``request_info="awaits"``; README, "Waiting on others"):
        p_await (0.0, [0, 1]): once its work has started (its first step of
            progress), a ticket goes to the awaiting area (the customer, a
            vendor, another team's problem) with this probability.
        await_mean (24.0, (0, 1e6]), await_sigma (1.0, [0, 4]): how long a wait
            lasts, in steps: lognormal with this mean and log-sd, rounded, at
            least 1 (heavy-tailed).
        await_sla ("paused" or "running"): whether the SLA clock stops while a
            ticket awaits (ServiceNow SLA definitions usually pause).
        request_info ("blocks" or "awaits"): REQUEST_INFO blocks the ticket in
            its slot for ``info_wait_min..max`` steps, or sends it to the
            customer: the awaiting area for a wait drawn as above, after which
            its ambiguity is gone.

    Incidents (clusters of tickets from one cause: off unless ``p_incident > 0``;
    README, "Incidents"):
        p_incident (0.0, [0, 1]): each step an incident begins with this
            probability (with profile arrivals, times the step's rate over the
            profile's mean: incidents keep office hours): its root ticket
            arrives at once, and the rest of its tickets (same component) over
            the next ``incident_window`` steps.
        incident_size_mean (5.0, [1, 1e4]), incident_size_sigma (1.0, [0, 4]):
            its tickets, the root included: lognormal with this mean and log-sd,
            rounded, at least 1 (heavy-tailed).
        incident_window (6, [1, 1e4]): steps over which its tickets arrive,
            each at a uniform offset. Resolving the root closes the incident's
            open tickets: each resolves, without work, once it is in a slot.

    Teams and routing (engineers in groups that hand tickets to each other: off
    unless ``groups`` is set; README, "Teams and routing"):
        groups (None, or n_engineers ints): the group (team) of each engineer;
            groups are numbered 0 .. G-1 with at least one engineer each and
            G >= 2. Group 0 is the entry group (the first-line desk). A group
            may act only on the tickets it owns, and hands one to group g with
            ROUTE(g) (a verb only where teams are on).
        entry_share (1.0, [0, 1]): share of new tickets that arrive at the entry
            group; the rest arrive at the group most skilled at their reported
            component (their reporter chose the team; that may be the entry
            group itself). Skill of a group: ``group_skills()``.
        p_misreport (0.0, [0, 1]): a new ticket's reported component is another
            one (uniform) with this probability; its true component (the one
            its work needs) shows once ``reveal_work`` work units are done.
        reveal_work (1.0, [0, 1e4]): work units done on a ticket before its true
            component shows.
        handoff_steps (1, [0, 1e4]): steps a routed ticket is in transit: nobody
            may work it meanwhile (with ``handoff_sigma`` > 0: the mean of the
            drawn time).
        handoff_sigma (0.0, [0, 4]): 0: every hand-off takes ``handoff_steps``
            and the ticket keeps its slot meanwhile. Above 0: each hand-off's
            time is drawn lognormal (mean ``handoff_steps``, this log-sd,
            rounded, at least 1: heavy-tailed, the time until someone of the
            new group picks it up) and the ticket waits it out off the board,
            in the awaiting area (not counted as awaiting), coming back as an
            arrival of its new group.
        p_reassign (0.0, [0, 1]): reassignments within a group: in the step a
            ticket's work first progresses after it reached its group (it
            arrived, or a hand-off ended), it is handed to another engineer of
            the same group with this probability (the first one to read it was
            not the one to fix it): a hand-off like ROUTE's (its time, its
            ``handoff_work``, one reassignment more) to its own group.
        handoff_work (0.0, [0, 1e3]): work units a hand-off adds (the new
            owner reads into it: the ramp-up of a hand-off).
        bouncing_share (0.0, [0, 1]): share of tickets of a second kind, that
            bounce between the engineers of a group: at each visit of a group
            such a ticket is handed to a colleague with ``p_reassign_bouncing``
            instead of ``p_reassign`` (a ticket's kind is hidden, drawn once by
            its id). 0: every ticket reassigns with ``p_reassign``.
        p_reassign_bouncing (0.0, [0, 1]): ``p_reassign`` of the bouncing kind.
        pickup_share (0.0, [0, 1]): a new ticket arriving directly at a group
            other than the entry group (its reporter chose a specialist team)
            waits, with this probability, for that group to pick it up: a
            drawn time (lognormal, mean ``pickup_steps``, log-sd
            ``pickup_sigma``, rounded, at least 1) waited out off the board,
            like a drawn hand-off (its SLA runs; not a reassignment), after
            which it arrives at its group. 0: every ticket is on the board
            from its arrival.
        pickup_steps (1, [1, 1e6]): the mean of that time, in steps.
        pickup_sigma (0.0, [0, 4]): its log-sd (0: exactly ``pickup_steps``).

    Rewards (team totals; ``individual`` mode splits them):
        r_resolve (1.0), r_sla_breach (-0.2, once per ticket when its deadline
        passes), r_overdue (0.0, per overdue open ticket per step), r_idle
        (-0.05, per on-shift engineer making no progress while a workable
        ticket exists: without a ticket, on one that cannot be worked, or on
        one of a component it has no skill in), r_context_switch (-0.05), r_escalate (-0.3, see README),
        r_request_info (-0.05), r_defer (-0.05), r_swarm (-0.05, coordinator
        SWARM), r_invalid (0.0, per masked action applied as NOOP). All finite.
        reward_mode ("team" or "individual").

    Observation:
        observation_mode ("global" or "local": tickets of components the
            engineer has skill < 1 in are zeroed, unless it works on them).

    Not a simulation parameter:
        name ("default"): the scenario's name, shown in recordings and reports
            (left out of equality).

    Each field is declared once, with its accepted range or choices
    (:func:`setting`); validation, the kernels' typed ``Params`` and this list
    follow it (a test checks that every field is listed here).
    """

    # shape-fixing
    n_engineers: int = setting(3, low=1)
    max_tickets: int = setting(10, low=1)
    max_queue: int = setting(200, low=0)
    n_components: int = setting(4, low=1)
    # episode and arrivals
    horizon: int = setting(200, low=1)
    arrival_process: str = setting("bernoulli", choices=ARRIVAL_PROCESSES)
    p_new_ticket: float = setting(0.5, low=0.0, high=1.0)
    arrival_rate: float = setting(0.5, low=0.0, high=16.0)
    arrival_profile: tuple[float, ...] | None = None
    trace_path: str | None = None
    trace_columns: tuple[tuple[str, str], ...] | None = None
    trace_format: str = "auto"
    trace_severity_map: tuple[tuple[str, int], ...] | None = None
    trace_date_format: str | None = None
    trace_timezone: str | None = None
    trace_delimiter: str | None = None
    trace_encoding: str | None = None
    trace_hours_per_step: float = setting(1.0, low=1e-9, high=8760.0)
    trace_start: int | str = 0
    initial_backlog: int = setting(3, low=0, high="max_tickets + max_queue")
    # tickets
    severity_mix: tuple[float, float, float, float] = (0.3, 0.4, 0.2, 0.1)
    component_mix: tuple[float, ...] | None = None
    sla_steps: tuple[int, int, int, int] = (168, 72, 24, 8)
    work_distribution: str = setting("lognormal", choices=WORK_DISTRIBUTIONS)
    work_mean: float = setting(5.0, low=1e-6, high=1000.0)
    work_sigma: float = setting(0.5, low=0.0, high=3.0)
    # team
    skills: tuple[tuple[float, ...], ...] | None = None
    skill_noise: float = setting(0.0, low=0.0, high=2.0)
    swarm_efficiency: float = setting(0.7, low=1e-6, high=1.0)
    switch_ramp_steps: int = setting(2, low=0, high=100)
    shift_period: int = setting(0, low=0)
    shift_length: int = setting(0, low=0, high="shift_period")
    # complications
    p_regression: float = setting(0.02, low=0.0, high=1.0)
    regression_work: float = setting(1.0, low=0.0, high=1000.0)
    p_reopen: float = setting(0.05, low=0.0, high=1.0)
    reopen_window: int = setting(24, low=1)
    reopen_work_fraction: float = setting(0.5, low=1e-6, high=1.0)
    p_ambiguous: float = setting(0.1, low=0.0, high=1.0)
    ambiguous_slowdown: float = setting(0.5, low=1e-6, high=1.0)
    ambiguous_regression_factor: float = setting(3.0, low=1.0, high=100.0)
    info_wait_min: int = setting(2, low=0)
    info_wait_max: int = setting(6, low="info_wait_min", high=10_000)
    p_dependency: float = setting(0.05, low=0.0, high=1.0)
    max_escalated: int = setting(1, low=0, high="max_tickets")
    expert_skill: float = setting(1.0, low=0.0, high=100.0)
    defer_steps: int = setting(24, low=1)
    max_deferrals: int = setting(2, low=0)
    # waiting on others
    p_await: float = setting(0.0, low=0.0, high=1.0)
    await_mean: float = setting(24.0, low=1e-6, high=1e6)
    await_sigma: float = setting(1.0, low=0.0, high=4.0)
    await_sla: str = setting("paused", choices=AWAIT_SLA_MODES)
    request_info: str = setting("blocks", choices=REQUEST_INFO_MODES)
    # incidents: clusters of tickets from one cause
    p_incident: float = setting(0.0, low=0.0, high=1.0)
    incident_size_mean: float = setting(5.0, low=1.0, high=10_000.0)
    incident_size_sigma: float = setting(1.0, low=0.0, high=4.0)
    incident_window: int = setting(6, low=1, high=10_000)
    # teams and routing
    groups: tuple[int, ...] | None = None
    entry_share: float = setting(1.0, low=0.0, high=1.0)
    p_misreport: float = setting(0.0, low=0.0, high=1.0)
    reveal_work: float = setting(1.0, low=0.0, high=10_000.0)
    handoff_steps: int = setting(1, low=0, high=10_000)
    handoff_work: float = setting(0.0, low=0.0, high=1000.0)
    handoff_sigma: float = setting(0.0, low=0.0, high=4.0)
    p_reassign: float = setting(0.0, low=0.0, high=1.0)
    bouncing_share: float = setting(0.0, low=0.0, high=1.0)
    p_reassign_bouncing: float = setting(0.0, low=0.0, high=1.0)
    pickup_share: float = setting(0.0, low=0.0, high=1.0)
    pickup_steps: int = setting(1, low=1, high=1_000_000)
    pickup_sigma: float = setting(0.0, low=0.0, high=4.0)
    # rewards
    r_resolve: float = 1.0
    r_sla_breach: float = -0.2
    r_overdue: float = 0.0
    r_idle: float = -0.05
    r_context_switch: float = -0.05
    r_escalate: float = -0.3
    r_request_info: float = -0.05
    r_defer: float = -0.05
    r_swarm: float = -0.05
    r_invalid: float = 0.0
    reward_mode: str = setting("team", choices=REWARD_MODES)
    # observation
    observation_mode: str = setting("global", choices=OBSERVATION_MODES)
    # not a simulation parameter: free-form scenario name shown in traces
    name: str = field(default="default", compare=False)

    def mechanics(self) -> tuple[str, ...]:
        """The optional mechanics this config switches on (each off by its zero; README, "Dynamics"):
        ``"awaiting"`` when ``p_await > 0`` or ``request_info="awaits"``; ``"incidents"`` when
        ``p_incident > 0``; ``"teams"`` when ``groups`` is set. Each adds its snapshot keys, and its observation fields where it has any (the layout
        table's mechanic groups)."""
        on = []
        if self.p_await > 0.0 or self.request_info == "awaits":
            on.append("awaiting")
        if self.p_incident > 0.0:
            on.append("incidents")
        if self.groups is not None:
            on.append("teams")
        return tuple(on)

    @property
    def n_groups(self) -> int:
        """Groups (teams) of engineers: ``max(groups) + 1``, 0 without teams."""
        return max(self.groups) + 1 if self.groups is not None else 0

    def __post_init__(self) -> None:
        self._normalise()  # sequences first (TOML gives lists), then types and ranges
        self._check_types()
        self._check_declared_ranges()
        self._check_trace()
        if self.arrival_process == "profile" and self.arrival_profile is None:
            raise ValueError(
                "arrival_process='profile' needs arrival_profile: the Poisson rate of each step of the cycle"
            )
        if self.arrival_process != "profile" and self.arrival_profile is not None:
            raise ValueError(
                f"arrival_profile is only used with arrival_process='profile' (got {self.arrival_process!r}); "
                "set arrival_process='profile' or drop arrival_profile"
            )
        if any(p < 0 or p > 1 for p in self.severity_mix) or not math.isclose(
            sum(self.severity_mix), 1.0, abs_tol=1e-6
        ):
            raise ValueError(f"severity_mix must be four probabilities in [0, 1] summing to 1, got {self.severity_mix}")
        if any(s < 1 for s in self.sla_steps):
            raise ValueError(f"sla_steps must be four ints >= 1, got {self.sla_steps}")
        if self.shift_period > 0 and self.shift_length == 0:
            raise ValueError("shift_length must be >= 1 when shift_period > 0 (nobody would ever work)")
        teams_only = ("p_reassign", "handoff_sigma", "bouncing_share", "pickup_share")
        if self.groups is None and any(getattr(self, name) > 0.0 for name in teams_only):
            settings = " and ".join(f"{name}={getattr(self, name):g}" for name in teams_only)
            raise ValueError(f"{settings} are hand-offs between engineers of groups: set groups (teams) too, or "
                             "leave them at 0")  # fmt: skip

    def _normalise(self) -> None:
        """Sequences (TOML gives lists) and paths into their stored, hashable form."""
        object.__setattr__(self, "severity_mix", _float_tuple("severity_mix", self.severity_mix, 4))
        if self.component_mix is not None:
            mix = _float_tuple("component_mix", self.component_mix, self.n_components)
            if any(p < 0 for p in mix) or not math.isclose(sum(mix), 1.0, abs_tol=1e-6):
                raise ValueError(f"component_mix must be n_components probabilities summing to 1, got {mix}")
            object.__setattr__(self, "component_mix", mix)
        object.__setattr__(self, "sla_steps", _int_tuple("sla_steps", self.sla_steps, 4))
        if self.skills is not None:
            object.__setattr__(self, "skills", _skill_matrix(self.skills, self.n_engineers, self.n_components))
        if self.groups is not None:
            object.__setattr__(self, "groups", _engineer_groups(self.groups, self.n_engineers))
        if self.arrival_profile is not None:
            object.__setattr__(self, "arrival_profile", _rate_profile("arrival_profile", self.arrival_profile))
        if self.trace_columns is not None:
            object.__setattr__(self, "trace_columns", _column_pairs("trace_columns", self.trace_columns))
        if self.trace_severity_map is not None:
            object.__setattr__(self, "trace_severity_map", _severity_pairs(self.trace_severity_map))
        if self.trace_path is not None:
            if not isinstance(self.trace_path, (str, os.PathLike)):
                raise TypeError(f"trace_path must be a path, got {self.trace_path!r}")
            object.__setattr__(self, "trace_path", os.fspath(self.trace_path))

    def _check_types(self) -> None:
        """Every int, float and str field has its type (floats stored as float, and finite)."""
        for f in fields(self):
            if f.type in ("int", int):
                _check_int(f.name, getattr(self, f.name))
            elif f.type in ("float", float):
                value = getattr(self, f.name)
                _check_float(f.name, value)
                object.__setattr__(self, f.name, float(value))
            elif f.type in ("str", str) and not isinstance(getattr(self, f.name), str):
                raise TypeError(f"{f.name} must be a string, got {getattr(self, f.name)!r}")

    def _check_declared_ranges(self) -> None:
        """Every field declared with :func:`setting` bounds or choices, in field order."""
        for f in fields(self):
            low, high, choices = (f.metadata.get(key) for key in ("low", "high", "choices"))
            value = getattr(self, f.name)
            if choices is not None:
                _choice(f.name, value, choices)
            elif low is not None and high is not None:
                _in_range(f.name, value, _bound(self, low), _bound(self, high))
            elif low is not None:
                _at_least(f.name, value, _bound(self, low))

    def _check_trace(self) -> None:
        start = self.trace_start
        if start != "random" and (isinstance(start, bool) or not isinstance(start, int) or start < 0):
            raise ValueError(f"trace_start must be an int >= 0 or 'random', got {start!r}")
        for name in ("trace_date_format", "trace_timezone", "trace_delimiter", "trace_encoding"):
            value = getattr(self, name)
            if value is not None and not isinstance(value, str):
                raise TypeError(f"{name} must be a string or None, got {value!r}")
        reader_fields = self._trace_reader_fields()
        if self.arrival_process != "trace":
            given = [name for name in ("trace_path", "trace_columns") if getattr(self, name) is not None]
            given += list(reader_fields)
            if given:
                raise ValueError(
                    f"{' / '.join(given)} are only used with arrival_process='trace' (got {self.arrival_process!r})"
                )
            return
        if self.trace_path is None:
            raise ValueError("arrival_process='trace' needs trace_path: the CSV export to replay")
        if not os.path.isfile(self.trace_path):
            raise ValueError(f"trace_path {self.trace_path!r} does not exist (or is not a file)")
        self.trace()  # read it now: a bad file fails when the config is made, not at the first reset

    def _trace_reader_fields(self) -> dict[str, Any]:
        """The trace_* reader options that differ from their defaults."""
        defaults = {
            "trace_format": "auto",
            "trace_severity_map": None,
            "trace_date_format": None,
            "trace_timezone": None,
            "trace_delimiter": None,
            "trace_encoding": None,
        }
        return {name: getattr(self, name) for name, default in defaults.items() if getattr(self, name) != default}

    def trace_reader_options(self) -> dict[str, Any]:
        """The keyword arguments of ``read_tickets`` that the trace_* fields give (format, severity_map, ...)."""
        return {
            "format": self.trace_format,
            "severity_map": dict(self.trace_severity_map) if self.trace_severity_map is not None else None,
            "date_format": self.trace_date_format,
            "timezone": self.trace_timezone,
            "delimiter": self.trace_delimiter,
            "encoding": self.trace_encoding,
        }

    def trace(self) -> TraceArrays:
        """The :class:`~ticket_triage_marl.data.trace.TraceArrays` replayed (read once per process)."""
        from .data.trace import load_trace

        options = tuple(
            sorted(
                (key, value if not isinstance(value, dict) else tuple(sorted(value.items())))
                for key, value in self.trace_reader_options().items()
            )
        )
        assert self.trace_path is not None, "arrival_process='trace' needs trace_path (checked in __post_init__)"
        return load_trace(self.trace_path, self.trace_columns, self.trace_hours_per_step, self.n_components, options)

    # -- derived quantities -------------------------------------------------
    @property
    def n_ticket_actions(self) -> int:
        """Deprecated (one release): the per-engineer action count is ``ttm.actions.agent_action_count(config)``,
        which the encoding owns; the config, a leaf module, does not import the core."""
        import warnings

        warnings.warn(
            "EnvConfig.n_ticket_actions is deprecated; use ticket_triage_marl.actions.agent_action_count(config)",
            DeprecationWarning,
            stacklevel=2,
        )
        return 1 + 4 * self.max_tickets  # the encoding as of this release: NOOP, then four verbs per slot

    def group_skills(self) -> list[list[float]]:
        """Teams: each group's skill in each component, the mean base skill of its engineers (``G x
        n_components``; empty without teams). "The group most skilled at c" (where a ticket skipping the
        entry desk arrives, where the routing baseline sends it) is the highest entry of column c."""
        if self.groups is None:
            return []
        skills = self.skill_matrix()
        out = []
        for group in range(self.n_groups):
            rows = [skills[e] for e in range(self.n_engineers) if self.groups[e] == group]
            out.append([sum(row[c] for row in rows) / len(rows) for c in range(self.n_components)])
        return out

    def skill_matrix(self) -> list[list[float]]:
        """Base skills as an ``n_engineers x n_components`` list (1.0 when unset)."""
        if self.skills is None:
            return [[1.0] * self.n_components for _ in range(self.n_engineers)]
        return [list(row) for row in self.skills]

    def replace(self, **overrides: Any) -> EnvConfig:
        """A copy with some fields changed (validated like the constructor)."""
        _check_keys(overrides)
        return dataclasses.replace(self, **overrides)

    def to_dict(self) -> dict[str, Any]:
        """Plain JSON/TOML-able dict of every field."""
        out: dict[str, Any] = {}
        for f in fields(self):
            value = getattr(self, f.name)
            if f.name in ("trace_columns", "trace_severity_map") and value is not None:
                value = dict(value)
            elif isinstance(value, tuple):
                value = [list(v) if isinstance(v, tuple) else v for v in value]
            out[f.name] = value
        return out

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> EnvConfig:
        """Build from a dict; unknown keys are an error."""
        _check_keys(data)
        return cls(**data)


FIELD_NAMES = tuple(f.name for f in fields(EnvConfig))


def _check_keys(data: dict[str, Any]) -> None:
    unknown = sorted(set(data) - set(FIELD_NAMES))
    if unknown:
        raise ValueError(f"unknown config key(s) {unknown}; known keys are: {', '.join(FIELD_NAMES)}")


def read_toml(path: str | os.PathLike[str], what: str = "config file") -> dict[str, Any]:
    """The parsed TOML file at ``path``; errors name ``what`` the file is.

    Raises:
        FileNotFoundError: the file does not exist.
        ValueError: the file is not valid TOML.
    """
    path = os.fspath(path)
    if not os.path.isfile(path):
        raise FileNotFoundError(f"{what} not found: {path}")
    with open(path, "rb") as handle:
        try:
            table: dict[str, Any] = tomllib.load(handle)  # typed by tomllib (3.11+); tomli is unannotated
            return table
        except tomllib.TOMLDecodeError as error:
            raise ValueError(f"{what} {path} is not valid TOML: {error}") from None


SCENARIO_DIR = Path(__file__).resolve().parent / "configs"
"""The scenario files that ship with the package (the repository's ``configs/`` links here)."""


def scenario_names() -> list[str]:
    """The names of the shipped scenarios (``default``, ``uci_desk_replay``, ...), for :func:`load_config`."""
    return sorted(path.stem for path in SCENARIO_DIR.glob("*.toml"))


def scenario_path(name_or_path: str | os.PathLike[str]) -> str:
    """The file of a scenario: ``name_or_path`` itself if it is a file, else the shipped scenario of that name.

    Raises:
        FileNotFoundError: neither a file nor a shipped scenario (the message lists the scenarios).
    """
    path = os.fspath(name_or_path)
    if os.path.isfile(path):
        return path
    shipped = SCENARIO_DIR / f"{path}.toml"
    if os.sep not in path and not path.endswith(".toml") and shipped.is_file():
        return str(shipped)
    raise FileNotFoundError(
        f"config file not found: {path} (a TOML file, or a shipped scenario: {', '.join(scenario_names())})"
    )


def load_config(path: str | os.PathLike[str], **overrides: Any) -> EnvConfig:
    """Read an :class:`EnvConfig` from a TOML file (or a shipped scenario by name), then apply keyword overrides.

    ``path`` is a TOML file, or the name of a scenario that ships with the
    package (:func:`scenario_names`: ``load_config("uci_desk_replay")``, which
    works from a plain ``pip install``). The file holds config fields at top
    level (an optional ``[env]`` table is accepted too). Unknown keys raise
    ``ValueError`` naming them. A relative ``trace_path`` is resolved against
    the folder the file really is in (symbolic links followed).

    Raises:
        FileNotFoundError: neither the file nor a shipped scenario of that name exists.
        ValueError: the file is not valid TOML, or a key or value is invalid.
    """
    path = scenario_path(path)
    data = read_toml(path)
    if "env" in data and isinstance(data["env"], dict):
        extra = sorted(set(data) - {"env"})
        if extra:
            raise ValueError(f"config file {path}: keys {extra} outside the [env] table")
        data = dict(data["env"])
    data.setdefault("name", os.path.splitext(os.path.basename(path))[0])
    trace_path = data.get("trace_path")
    if isinstance(trace_path, str) and not os.path.isabs(trace_path):
        data["trace_path"] = os.path.normpath(os.path.join(os.path.dirname(os.path.realpath(path)), trace_path))
    data.update(overrides)
    try:
        return EnvConfig.from_dict(data)
    except (TypeError, ValueError) as error:
        raise type(error)(f"config file {path}: {error}") from None


def resolve_config(config: EnvConfig | None, overrides: dict[str, Any]) -> EnvConfig:
    """The constructors' rule: ``config`` (or defaults) with keyword overrides.

    ``max_cycles`` is PettingZoo's alias of ``horizon``; giving both with
    different values is an error.
    """
    overrides = dict(overrides)
    if "max_cycles" in overrides:
        max_cycles = overrides.pop("max_cycles")
        if "horizon" in overrides and overrides["horizon"] != max_cycles:
            raise ValueError(f"max_cycles={max_cycles} and horizon={overrides['horizon']} disagree; give one of them")
        overrides["horizon"] = max_cycles
    if config is None:
        config = EnvConfig()
    elif isinstance(config, dict):
        config = EnvConfig.from_dict(config)
    elif not isinstance(config, EnvConfig):
        raise TypeError(f"config must be an EnvConfig, a dict or None, got {type(config).__name__}")
    return config.replace(**overrides) if overrides else config


# -- validation helpers -------------------------------------------------------


def _check_int(name: str, value: Any) -> None:
    if isinstance(value, bool) or not isinstance(value, int):
        raise TypeError(f"{name} must be an int, got {value!r} ({type(value).__name__})")


def _check_float(name: str, value: Any) -> None:
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise TypeError(f"{name} must be a number, got {value!r} ({type(value).__name__})")
    if not math.isfinite(value):
        raise ValueError(f"{name} must be finite, got {value!r}")


def _at_least(name: str, value: float, low: float) -> None:
    if value < low:
        raise ValueError(f"{name} must be >= {low}, got {value!r}")


def _in_range(name: str, value: float, low: float, high: float) -> None:
    if not low <= value <= high:
        raise ValueError(f"{name} must be in [{low}, {high}], got {value!r}")


def _choice(name: str, value: str, options: tuple[str, ...]) -> None:
    if value not in options:
        raise ValueError(f"{name} must be one of {', '.join(map(repr, options))}, got {value!r}")


def _float_tuple(name: str, value: Any, length: int) -> tuple[float, ...]:
    if isinstance(value, (str, bytes)) or not hasattr(value, "__len__") or len(value) != length:
        raise TypeError(f"{name} must be a sequence of {length} numbers, got {value!r}")
    for item in value:
        _check_float(name, item)
    return tuple(float(v) for v in value)


def _rate_profile(name: str, value: Any) -> tuple[float, ...]:
    if isinstance(value, (str, bytes)) or not hasattr(value, "__len__") or len(value) == 0:
        raise TypeError(f"{name} must be a non-empty sequence of rates, got {value!r}")
    for index, item in enumerate(value):
        _check_float(f"{name}[{index}]", item)
        if not 0.0 <= float(item) <= MAX_PROFILE_RATE:
            raise ValueError(f"{name}[{index}] must be a rate in [0, {MAX_PROFILE_RATE:g}], got {item!r}")
    return tuple(float(v) for v in value)


def _severity_pairs(value: Any) -> tuple[tuple[str, int], ...]:
    """trace_severity_map as sorted (label, severity 1..4) pairs (hashable, comparable)."""
    pairs = value.items() if isinstance(value, dict) else value
    try:
        out = tuple(sorted((str(label), level) for label, level in pairs))
    except (TypeError, ValueError):
        raise TypeError(f"trace_severity_map must map priority labels to severities 1..4, got {value!r}") from None
    for label, level in out:
        if isinstance(level, bool) or not isinstance(level, int) or not 1 <= level <= 4:
            raise ValueError(f"trace_severity_map[{label!r}] must be a severity 1..4, got {level!r}")
    return out


def _column_pairs(name: str, value: Any) -> tuple[tuple[str, str], ...]:
    """A mapping (or pairs) of canonical field -> file column, as sorted pairs (hashable, comparable)."""
    pairs = value.items() if isinstance(value, dict) else value
    try:
        out = tuple(sorted((str(field), str(column)) for field, column in pairs))
    except (TypeError, ValueError):
        raise TypeError(f"{name} must map canonical fields to column names, got {value!r}") from None
    return out


def _int_tuple(name: str, value: Any, length: int) -> tuple[int, ...]:
    if isinstance(value, (str, bytes)) or not hasattr(value, "__len__") or len(value) != length:
        raise TypeError(f"{name} must be a sequence of {length} ints, got {value!r}")
    for item in value:
        _check_int(name, item)
    return tuple(int(v) for v in value)


def _engineer_groups(value: Any, n_engineers: int) -> tuple[int, ...]:
    """groups: one group number per engineer, using every group 0 .. G-1, G >= 2."""
    if isinstance(value, (str, bytes)) or not hasattr(value, "__len__") or len(value) != n_engineers:
        raise ValueError(f"groups must give the group of each of the {n_engineers} engineers, got {value!r}")
    for index, item in enumerate(value):
        _check_int(f"groups[{index}]", item)
        if item < 0:
            raise ValueError(f"groups[{index}] must be a group number >= 0, got {item!r}")
    out = tuple(int(v) for v in value)
    missing = sorted(set(range(max(out) + 1)) - set(out))
    if missing:
        raise ValueError(f"groups must number the groups 0 .. {max(out)} with at least one engineer each; "
                         f"no engineer is in group {missing[0]} (groups={list(out)})")  # fmt: skip
    if max(out) < 1:
        raise ValueError(f"groups needs at least two groups (the entry group 0 and another), got {list(out)}")
    return out


def _skill_matrix(value: Any, n_engineers: int, n_components: int) -> tuple[tuple[float, ...], ...]:
    if isinstance(value, (str, bytes)) or not hasattr(value, "__len__") or len(value) != n_engineers:
        raise ValueError(f"skills must have one row per engineer ({n_engineers} rows), got {value!r}")
    rows = []
    for row in value:
        row = _float_tuple("skills row", row, n_components)
        if any(s < 0 for s in row):
            raise ValueError(f"skills must be >= 0, got row {row}")
        rows.append(row)
    return tuple(rows)
