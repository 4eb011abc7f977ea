"""Field layout of the batched simulation state (plain integer constants).

The state is a handful of numpy arrays whose leading axis is the environment
index ``n`` (the :class:`~ticket_triage_marl._core.types.State` record). Records of
tickets and engineers are rows of those arrays; these constants name the
columns so the kernels read like the domain (``tickets[n, slot, SEVERITY]``).

Ticket rows ``0 .. T-1`` are the visible slots; rows ``T .. T+Q-1`` hold the
intake queue as a ring buffer: queue position ``k`` (0 = the head, the oldest)
is row ``T + (QUEUE_HEAD + k) % Q``, so admitting the head moves one record and
shifts nothing. Rows outside the live part of the ring hold stale records.

Times are stored as steps, not as counters updated every step: a ticket's age
is ``env T - ARRIVAL`` and its SLA time left is ``DEADLINE - env T``.
"""

# --- ticket integer fields: ticket_i[n, row, field] (int32) ------------------
ACTIVE = 0  # 1 if the row holds an open ticket
TICKET_ID = 1  # episode-unique id (reopens keep their id)
SEVERITY = 2  # 1 (low) .. 4 (critical)
COMPONENT = 3  # 0 .. n_components-1
ARRIVAL = 4  # env T when it arrived (it shows age 1 after its arrival step)
DEADLINE = 5  # env T after which it is overdue: SLA time left = DEADLINE - T
BLOCKED = 6  # steps of info-wait left (0 = not blocked)
WAITING_ON = 7  # id of the ticket this one depends on, -1 if none
ESCALATED = 8  # 1 if an expert works on it
AMBIGUOUS = 9  # hidden: 1 until info is obtained
REOPENED = 10  # 1 if this is a reopened ticket
BREACHED = 11  # 1 once the SLA deadline has passed
DEFERRALS = 12  # DEFERs used on this ticket
INFO_REQUESTS = 13  # REQUEST_INFOs made on this ticket
REOPEN_DUE = 14  # step at which a pending reopen re-arrives (reopen buffer only)
FIRST_WORK = 15  # step at which work on it first progressed (0 = not yet)
AWAITED = 16  # steps it has spent awaiting others (customer, vendor, another team) in this life
INCIDENT = 17  # hidden: 0 no incident, INCIDENT_ROOT (-1) the root of one, k + 1 a ticket of the one rooted at id k
GROUP = 18  # teams: the group that owns it now (0 = the entry group; always 0 without teams)
FIRST_GROUP = 19  # teams: the group it arrived at
REASSIGNMENTS = 20  # teams: hand-offs to another group so far (ROUTE)
MISREPORT = 21  # teams, hidden: its reported component is (COMPONENT + MISREPORT) % C; 0 once the true one shows
HANDOFF = 22  # teams: steps of hand-off (in transit to its group) left; nobody may work it meanwhile
VISIT_WORK = 23  # reassignments on: the step its work first progressed since it reached its group (0 = not yet)
N_TICKET_INT = 24
INCIDENT_ROOT = -1
# The awaiting area's rows are ticket records with two columns more (a ticket's record is its first N_TICKET_INT).
AWAIT_LEFT = N_TICKET_INT  # hidden: steps of its current wait left
AWAIT_SINCE = N_TICKET_INT + 1  # env T when its current wait began
N_AREA_INT = N_TICKET_INT + 2
# The fields of one life of a ticket, cleared when it opens (a reopened ticket starts a new life); every other
# field is an attribute the record keeps, a reopen included (a new attribute is a column, nothing more).
LIFE_FIELDS = (ACTIVE, ARRIVAL, DEADLINE, BLOCKED, WAITING_ON, ESCALATED, AMBIGUOUS, REOPENED, BREACHED, DEFERRALS,
               INFO_REQUESTS, REOPEN_DUE, FIRST_WORK, AWAITED, HANDOFF, VISIT_WORK)  # fmt: skip

# --- ticket float fields: ticket_f[n, row, field] (float64) ------------------
WORK_REMAINING = 0
WORK_TOTAL = 1
N_TICKET_FLOAT = 2

# --- engineer fields: engineer_i[n, e, field] (int64) -------------------------
CURRENT_SLOT = 0  # slot worked on, -1 if idle
TIME_ON_TICKET = 1  # steps on the current ticket
RAMP_LEFT = 2  # steps of ramp-up left after a context switch
ON_SHIFT = 3  # 1 if on shift this step
INVALID = 4  # 1 if its last action was masked and applied as NOOP
N_ENGINEER_INT = 5

# --- environment fields: env_i[n, field] (int64) ------------------------------
T = 0  # completed steps
ARRIVED = 1
RESOLVED = 2
BREACHES = 3
DROPPED = 4
REOPENS = 5
NEXT_ID = 6  # id of the next new (exogenous) ticket
QUEUE_COUNT = 7
SEED_LO = 8  # low 32 bits of the episode seed
SEED_HI = 9  # high 32 bits
EPISODE = 10  # episodes started since the last seeded reset
PENDING_REOPENS = 11  # entries in use in the reopen buffer
QUEUE_HEAD = 12  # ring position of the oldest queued ticket
ARRIVAL_SUM = 13  # sum of ARRIVAL over open tickets (slots and queue): mean age in O(1)
OVERDUE_OPEN = 14  # open tickets past their deadline (each costs r_overdue per step)
NEXT_DEADLINE = 15  # no open ticket breaches before T > this (a lower bound, refreshed on a scan)
HASH_PREFIX = 16  # hash of (seed, episode), set at reset: the start of every draw
WAITING_OPEN = 17  # open tickets waiting on another ticket (dependency scans are skipped at 0)
TRACE_OFFSET = 18  # trace replay: the trace step this episode's step 1 replays (set at reset)
CLOSED_COUNT = 19  # tickets resolved in the last step (records in closed_i[n, :CLOSED_COUNT])
AWAITING_OPEN = 20  # tickets in the awaiting area (its rows 0 .. AWAITING_OPEN-1)
AWAIT_SINCE_SUM = 21  # sum of AWAIT_SINCE over the awaiting area: their mean wait so far in O(1)
INCIDENTS = 22  # incidents started this episode
ESCALATED_OPEN = 23  # open escalated tickets, wherever they are (each holds an expert)
N_ENV_INT = 24

# --- incidents whose tickets are still arriving: incident_i[n, k, field] (int64), k = start step % window ----
INCIDENT_START = 0  # the step it began (0: the row is free)
INCIDENT_SIZE = 1  # its tickets, the root included
INCIDENT_COMPONENT = 2
INCIDENT_ROOT_ID = 3  # the root ticket's id (-1: the root was dropped: its tickets arrive unrelated)
INCIDENT_KEY = 4  # the incident's number in the episode (the key of its draws)
N_INCIDENT = 5

# --- teams' running counters: routing_i[n, field] (int64; the array exists only with teams) ----------------
ROUTED = 0  # hand-offs (ROUTE) this episode
IN_TRANSIT = 1  # tickets in transit now, in slots or off the board (the countdown scans only while some are)
OFF_BOARD = 2  # of them, those waiting out a drawn hand-off in the awaiting area (handoff_sigma > 0)
N_ROUTING = 3

# --- lifecycle of a resolved ticket: closed_i[n, k, field] (int64) -------------
# The record of each ticket the last step resolved: the one source of time to
# resolve, time to first work and breaches by severity (``..metrics``).
CLOSED_ID = 0
CLOSED_SEVERITY = 1
CLOSED_COMPONENT = 2
CLOSED_ARRIVAL = 3  # env T of its arrival (of this life: a reopened ticket arrives again)
CLOSED_FIRST_WORK = 4  # step its work first progressed (0 = never: e.g. resolved by its expert only)
CLOSED_RESOLVED = 5  # the step that resolved it
CLOSED_BREACHED = 6  # 1 if its SLA deadline passed before
CLOSED_REOPENED = 7  # 1 if it was a reopened ticket
CLOSED_AWAITED = 8  # steps it spent awaiting others
CLOSED_REASSIGNMENTS = 9  # hand-offs to another group (teams; 0 without)
CLOSED_FIRST_GROUP = 10  # the group it arrived at (teams; 0 without)
CLOSED_GROUP = 11  # the group that resolved it (teams; 0 without)
N_CLOSED = 12
CLOSED_NAMES = ("id", "severity", "component", "arrival", "first_work", "resolved", "breached", "reopened", "awaited",
                "reassignments", "first_group", "group")  # fmt: skip

# --- reward components: parts[n, e, component] (float64) ----------------------
R_RESOLVE = 0
R_SLA_BREACH = 1
R_OVERDUE = 2
R_IDLE = 3
R_CONTEXT_SWITCH = 4
R_ESCALATE = 5
R_REQUEST_INFO = 6
R_DEFER = 7
R_INVALID = 8
R_SWARM = 9  # coordinator SWARM cost (always 0 in the multi-agent env)
N_REWARD = 10
REWARD_NAMES = (
    "resolve",
    "sla_breach",
    "overdue",
    "idle",
    "context_switch",
    "escalate",
    "request_info",
    "defer",
    "invalid",
    "swarm",
)

# --- randomness purposes (the "what for" key of the counter-based hash) -------
RNG_ARRIVAL = 1
RNG_SEVERITY = 2
RNG_COMPONENT = 3
RNG_WORK = 4
RNG_WORK_2 = 5
RNG_AMBIGUOUS = 6
RNG_DEPENDENCY = 7
RNG_DEPENDENCY_TARGET = 8
RNG_REGRESSION = 9
RNG_REOPEN = 10
RNG_REOPEN_DELAY = 11
RNG_INFO_WAIT = 12
RNG_SKILL = 13
RNG_SKILL_2 = 14
RNG_TRACE_START = 15
RNG_AWAIT = 16
RNG_AWAIT_TIME = 17
RNG_AWAIT_TIME_2 = 18
RNG_INCIDENT = 19
RNG_INCIDENT_SIZE = 20
RNG_INCIDENT_SIZE_2 = 21
RNG_INCIDENT_OFFSET = 22
RNG_INCIDENT_COMPONENT = 23
RNG_MISREPORT = 24
RNG_MISREPORT_SHIFT = 25
RNG_ENTRY = 26
RNG_LINK = 27
RNG_FUTURE = 28  # a resampled future's prefix (restore_state's future_seed)
RNG_REASSIGN = 29  # a reassignment within the group (p_reassign)
RNG_HANDOFF_TIME = 30  # a drawn hand-off's time (handoff_sigma > 0): Box-Muller's two uniforms
RNG_HANDOFF_TIME_2 = 31
RNG_PICKUP = 32  # a direct arrival at a specialist group waits to be picked up (pickup_share)
RNG_PICKUP_TIME = 33  # that wait's time: Box-Muller's two uniforms
RNG_PICKUP_TIME_2 = 34
RNG_BOUNCING = 35  # a ticket's reassignment type (bouncing_share)

# --- agent verbs (per-engineer action encoding) -------------------------------
VERB_NOOP = 0
VERB_WORK = 1
VERB_ESCALATE = 2
VERB_REQUEST_INFO = 3
VERB_DEFER = 4
VERB_ROUTE = 5  # teams: ROUTE to group g is verb VERB_ROUTE + g (a block of T actions per group)
# incidents: LINK is the block after the ROUTE blocks, verb VERB_ROUTE + n_groups (Params.link_verb)

# --- coordinator verbs (seed order) ---------------------------------------------
COORD_ASSIGN = 0
COORD_ESCALATE = 1
COORD_REQUEST_INFO = 2
COORD_DEFER = 3
COORD_SWARM = 4
COORD_NOOP = 5
COORD_ROUTE = 6  # teams: ROUTE(slot, group), after SWARM's block (a block of T per group)
COORD_LINK = 7  # incidents: LINK(slot), the block after the ROUTE blocks
