"""Export formats of common trackers: which column holds each canonical field, and how a header is recognised.

``read_tickets(path, format="auto")`` (the default) picks the preset whose signature the header carries and
says which (:attr:`TicketLog.format`); a header no preset recognises reads with the canonical column names
(plus ``columns=``). ``columns=`` always wins over a preset's choice.

Each preset lists, per canonical field, the header names it looks for (the first the file has is used):
several names cover a tool's versions and export paths. Fields whose columns repeat (Jira writes one
``Component/s`` column per component) are *multi-valued*: a ticket's component is the first non-empty of
them, its labels all of them.

=============  =================================================================================================
preset         the export it follows (see each preset's ``source``)
=============  =================================================================================================
``jira``       Jira Cloud "Export Excel CSV (all fields)" and Jira Server / Data Center 8-10 "Export > CSV (All
               fields)": ``Issue key``, ``Created``, ``Resolved``, ``Priority``, ``Component/s`` (repeated),
               ``Labels`` (repeated); dates ``dd/MMM/yy h:mm a`` by default
``servicenow`` ServiceNow incident list "Export > CSV" (Utah to Xanadu): ``number``, ``opened_at``,
               ``resolved_at``, ``priority``, ``category``, ``reopen_count``
``zendesk``    Zendesk Support "Reporting > Export > CSV": ``Id``, ``Created at``, ``Solved at``, ``Priority``,
               ``Group``, ``Reopens``, ``Status``; times ``yyyy-MM-dd HH:mm:ss +HHMM``
``github``     ``gh issue list --state all --json number,createdAt,closedAt,state,labels`` (the JSON array, or
               it turned into CSV with ``--jq ... @csv``); ``gh search issues`` JSON too
``sentry``     Sentry issues (``id``, ``firstSeen``, ``level``, ``status``, ``project``): no resolution time
``bugzilla``   Bugzilla 5 ``buglist.cgi?...&ctype=csv`` with titles (``Bug ID``, ``Opened``, ``Changed``,
               ``Status``) or field names (``bug_id``, ``opendate``, ``changeddate``, ``bug_status``)
=============  =================================================================================================

The fixtures in ``tests/fixtures/exports/`` are written as each tool writes its export (their README names
the tool versions and what was checked against the tools' source).
"""

from __future__ import annotations

from dataclasses import dataclass, field

__all__ = ["PRESETS", "ExportFormat", "detect_format"]


@dataclass(frozen=True)
class ExportFormat:
    """How one tracker writes its export.

    Attributes:
        name: the preset's name (``format=``, ``--format``).
        title: the tool, for messages.
        source: which export of which version the preset follows.
        columns: canonical field -> the header names to look for, in order.
        signature: groups of header names; the header must hold one name of every group.
        multi_valued: fields whose column repeats, one column per value (Jira's ``Component/s``, ``Labels``).
        json: the export is a JSON array of objects (``gh issue list --json``), not a CSV.
        notes: header name -> what reading that column assumes (printed by the CLI when it is used).
    """

    name: str
    title: str
    source: str
    columns: dict[str, tuple[str, ...]]
    signature: tuple[tuple[str, ...], ...]
    multi_valued: frozenset[str] = frozenset()
    json: bool = False
    notes: dict[str, str] = field(default_factory=dict)

    def matches(self, header: set[str]) -> bool:
        return all(any(name in header for name in group) for group in self.signature)


PRESETS: dict[str, ExportFormat] = {
    preset.name: preset
    for preset in (
        ExportFormat(
            name="jira",
            title="Jira",
            source="Jira Cloud 'Export > Export Excel CSV (all fields / current fields)' and Jira Server / Data "
            "Center 8-10 'Export > CSV (All fields)': one column per value of a multi-valued field (Component/s, "
            "Labels, Watchers), dates in the instance's format, by default dd/MMM/yy h:mm a",
            columns={
                "id": ("Issue key",),
                "created_at": ("Created",),
                "resolved_at": ("Resolved",),
                "priority": ("Priority",),
                "component": ("Component/s", "Components"),
                "labels": ("Labels",),
            },
            signature=(("Issue key",), ("Created",)),
            multi_valued=frozenset({"component", "labels"}),
        ),
        ExportFormat(
            name="servicenow",
            title="ServiceNow",
            source="ServiceNow incident list 'Export > CSV' (field names as the header, Utah to Xanadu releases), "
            "times in the instance's default yyyy-MM-dd HH:mm:ss",
            columns={
                "id": ("number",),
                "created_at": ("opened_at",),
                "resolved_at": ("resolved_at",),
                "priority": ("priority",),
                "component": ("category",),
                "reopened": ("reopen_count",),
                "reassignments": ("reassignment_count",),
                "group": ("assignment_group",),
            },
            signature=(("number",), ("opened_at",)),
        ),
        ExportFormat(
            name="zendesk",
            title="Zendesk",
            source="Zendesk Support 'Reporting > Export > CSV' full ticket export, times as yyyy-MM-dd HH:mm:ss +HHMM",
            columns={
                "id": ("Id", "ID"),
                "created_at": ("Created at",),
                "resolved_at": ("Solved at",),
                "priority": ("Priority",),
                "component": ("Group",),
                "reopened": ("Reopens",),
                "status": ("Status",),
            },
            signature=(("Id", "ID"), ("Created at",)),
        ),
        ExportFormat(
            name="github",
            title="GitHub issues",
            source="gh issue list --state all --json number,createdAt,closedAt,state,labels (the JSON array it "
            "prints, or that JSON turned into CSV with --jq ... @csv and the labels joined by commas); an open "
            "issue's closedAt is Go's zero time 0001-01-01T00:00:00Z",
            columns={
                "id": ("number",),
                "created_at": ("createdAt",),
                "resolved_at": ("closedAt",),
                "status": ("state",),
                "labels": ("labels",),
            },
            signature=(("number",), ("createdAt",)),
        ),
        ExportFormat(
            name="sentry",
            title="Sentry",
            source="Sentry issues (the /api/0/projects/{org}/{project}/issues/ fields as the issue stream's CSV "
            "export writes them): no resolution time, so a resolved issue is resolved at an unknown time",
            columns={
                "id": ("id", "issue.id"),
                "created_at": ("firstSeen", "first_seen"),
                "priority": ("level",),
                "component": ("project", "project.name"),
                "status": ("status",),
            },
            signature=(("firstSeen", "first_seen"), ("level",), ("status",)),
        ),
        ExportFormat(
            name="bugzilla",
            title="Bugzilla",
            source="Bugzilla 5 buglist.cgi?...&ctype=csv (column titles or field names as the header); a resolved "
            "bug's time is its Closed column if the instance has one, else its last change",
            columns={
                "id": ("Bug ID", "bug_id"),
                "created_at": ("Opened", "opendate", "creation_ts"),
                "resolved_at": ("Closed", "cf_last_closed", "Changed", "changeddate", "delta_ts"),
                "priority": ("Priority", "priority"),
                "component": ("Component", "component"),
                "status": ("Status", "bug_status"),
            },
            signature=(("Bug ID", "bug_id"), ("Opened", "opendate", "creation_ts")),
            notes={
                column: f"a resolved bug's time is its last change ({column!r}), later than the resolution if the "
                "bug was touched after it was closed; open bugs' changes are ignored"
                for column in ("Changed", "changeddate", "delta_ts")
            },
        ),
    )
}


def detect_format(header: set[str]) -> ExportFormat | None:
    """The preset whose signature ``header`` carries (None: read with canonical names). A file with a canonical
    ``created_at`` column is canonical, whatever else it holds."""
    if "created_at" in header:
        return None
    for preset in PRESETS.values():
        if preset.matches(header):
            return preset
    return None
