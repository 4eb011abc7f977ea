"""Rendering from a snapshot: the original description's ansi text and a numpy-only RGB frame.

The ``rgb_array`` frame is drawn with numpy alone (no matplotlib, no fonts on
disk: a built-in 5x7 bitmap font), so the core package can render without the
``plot`` extra. It is a pure function of the snapshot, hence deterministic,
and its size depends only on the number of engineers, so a video of an
episode has a constant frame size (both sides multiples of 16, as H.264
encoders want).
"""

from __future__ import annotations

from typing import Any

import numpy as np

__all__ = ["RENDER_MODES", "frame_shape", "render_ansi", "render_rgb", "render_snapshot"]

RENDER_MODES = ["human", "ansi", "rgb_array"]
TOP_TICKETS = 5


def _urgency(ticket: dict) -> tuple:
    return (ticket["sla_remaining"], -ticket["severity"], -ticket["age"], ticket["slot"])


def render_ansi(snapshot: dict) -> str:
    """The original description's Example Output text::

        t=200 backlog=3 breaches=0 resolved=12
        Engineers:
          E0: ticket=5 time_on=8
          E2: idle
        Top tickets:
          T5: sev=2 age=15 sla=5 work=2.3 blocked=0

    Top tickets are the most urgent open slots (least SLA time left first).
    """
    counters = snapshot["counters"]
    awaiting = snapshot.get("awaiting")  # with the awaiting mechanic on
    moving = snapshot.get("handed_off")  # teams with hand-offs or pick-ups waited out off the board
    backlog = len(snapshot["tickets"]) + len(snapshot["queue"]) + len(awaiting or ()) + len(moving or ())
    lines = [f"t={snapshot['t']} backlog={backlog} breaches={counters['breaches']} resolved={counters['resolved']}"]
    if awaiting is not None:
        lines[0] += f" awaiting={len(awaiting)}"
    if moving is not None:
        lines[0] += f" in_transit={len(moving)}"
    lines.append("Engineers:")
    for engineer in snapshot["engineers"]:
        if not engineer["on_shift"]:
            lines.append(f"  E{engineer['index']}: off shift")
        elif engineer["ticket"] is None:
            lines.append(f"  E{engineer['index']}: idle")
        else:
            lines.append(f"  E{engineer['index']}: ticket={engineer['ticket']} time_on={engineer['time_on_ticket']}")
        if "group" in engineer:  # teams
            lines[-1] += f" group={engineer['group']}"
    lines.append("Top tickets:")
    for ticket in sorted(snapshot["tickets"], key=_urgency)[:TOP_TICKETS]:
        lines.append(
            f"  T{ticket['slot']}: sev={ticket['severity']} age={ticket['age']} sla={ticket['sla_remaining']} "
            f"work={ticket['work_remaining']:.1f} blocked={ticket['blocked']}"
        )
        if "group" in ticket:  # teams: its owner, hand-offs so far, transit left
            lines[-1] += f" group={ticket['group']} moves={ticket['reassignments']} transit={ticket['in_transit']}"
    return "\n".join(lines)


# -- the rgb_array frame -------------------------------------------------------------------------------------

SEVERITY_COLORS = np.array([[90, 160, 90], [220, 190, 50], [235, 130, 40], [210, 40, 40]], dtype=np.uint8)
"""Severity 1..4 (index 0..3): green, yellow, orange, red; the report's plots use the same colours."""
ENGINEER_COLORS = np.array(
    [[31, 119, 180], [148, 103, 189], [23, 170, 190], [227, 119, 194], [140, 86, 75], [44, 62, 140],
     [120, 130, 20], [0, 128, 128]],
    dtype=np.uint8,
)  # fmt: skip
"""Engineer i is drawn in colour ``i % 8``: on its status cell and as a dot on the card it works on."""

FRAME_WIDTH = 960
MARGIN = 8
HEADER_HEIGHT = 36
PROGRESS_HEIGHT = 6
LANE_LABEL_WIDTH = 44
CARD_WIDTH, CARD_HEIGHT, CARD_GAP = 92, 60, 6
LANE_HEIGHT = CARD_HEIGHT + 8
CARDS_PER_LANE = (FRAME_WIDTH - 2 * MARGIN - LANE_LABEL_WIDTH) // (CARD_WIDTH + CARD_GAP)
QUEUE_HEIGHT = 30
QUEUE_DOT, QUEUE_PITCH = 10, 13
ENGINEER_CELL_WIDTH, ENGINEER_CELL_HEIGHT = 188, 34
ENGINEERS_PER_ROW = (FRAME_WIDTH - 2 * MARGIN) // ENGINEER_CELL_WIDTH
TIME_ON_TICKET_FULL = 24  # steps on one ticket that fill an engineer's time bar

BACKGROUND = (246, 246, 244)
INK = (30, 32, 36)
MUTED = (120, 120, 120)
HEADER_BACKGROUND = (38, 42, 52)
WHITE = (255, 255, 255)
ALERT = (200, 20, 20)
IDLE_COLOR = (200, 200, 200)
OFF_SHIFT_COLOR = (70, 70, 70)

_GLYPH_ROWS = {
    "0": "01110 10001 10011 10101 11001 10001 01110",
    "1": "00100 01100 00100 00100 00100 00100 01110",
    "2": "01110 10001 00001 00010 00100 01000 11111",
    "3": "11110 00001 00001 01110 00001 00001 11110",
    "4": "00010 00110 01010 10010 11111 00010 00010",
    "5": "11111 10000 11110 00001 00001 10001 01110",
    "6": "00110 01000 10000 11110 10001 10001 01110",
    "7": "11111 00001 00010 00100 01000 01000 01000",
    "8": "01110 10001 10001 01110 10001 10001 01110",
    "9": "01110 10001 10001 01111 00001 00010 01100",
    "A": "01110 10001 10001 11111 10001 10001 10001",
    "B": "11110 10001 10001 11110 10001 10001 11110",
    "C": "01110 10001 10000 10000 10000 10001 01110",
    "D": "11100 10010 10001 10001 10001 10010 11100",
    "E": "11111 10000 10000 11110 10000 10000 11111",
    "F": "11111 10000 10000 11110 10000 10000 10000",
    "G": "01110 10001 10000 10111 10001 10001 01111",
    "H": "10001 10001 10001 11111 10001 10001 10001",
    "I": "01110 00100 00100 00100 00100 00100 01110",
    "J": "00111 00010 00010 00010 00010 10010 01100",
    "K": "10001 10010 10100 11000 10100 10010 10001",
    "L": "10000 10000 10000 10000 10000 10000 11111",
    "M": "10001 11011 10101 10101 10001 10001 10001",
    "N": "10001 10001 11001 10101 10011 10001 10001",
    "O": "01110 10001 10001 10001 10001 10001 01110",
    "P": "11110 10001 10001 11110 10000 10000 10000",
    "Q": "01110 10001 10001 10001 10101 10010 01101",
    "R": "11110 10001 10001 11110 10100 10010 10001",
    "S": "01111 10000 10000 01110 00001 00001 11110",
    "T": "11111 00100 00100 00100 00100 00100 00100",
    "U": "10001 10001 10001 10001 10001 10001 01110",
    "V": "10001 10001 10001 10001 10001 01010 00100",
    "W": "10001 10001 10001 10101 10101 10101 01010",
    "X": "10001 10001 01010 00100 01010 10001 10001",
    "Y": "10001 10001 10001 01010 00100 00100 00100",
    "Z": "11111 00001 00010 00100 01000 10000 11111",
    "#": "01010 01010 11111 01010 11111 01010 01010",
    "/": "00001 00010 00010 00100 01000 01000 10000",
    "+": "00000 00100 00100 11111 00100 00100 00000",
    "-": "00000 00000 00000 11111 00000 00000 00000",
    ":": "00000 01100 01100 00000 01100 01100 00000",
    ".": "00000 00000 00000 00000 00000 01100 01100",
    "%": "11000 11001 00010 00100 01000 10011 00011",
    "!": "00100 00100 00100 00100 00100 00000 00100",
    " ": "00000 00000 00000 00000 00000 00000 00000",
}  # fmt: skip
"""A 5x7 bitmap font: digits, capitals and ``# / + - : . % !`` (lowercase is drawn as capitals)."""
_GLYPHS = {
    char: np.array([[bit == "1" for bit in row] for row in rows.split()], dtype=bool)
    for char, rows in _GLYPH_ROWS.items()
}


def frame_shape(n_engineers: int) -> tuple[int, int, int]:
    """The ``(height, width, 3)`` of every frame of a team of ``n_engineers``.

    Both sides are multiples of 16, so video encoders take the frames as they are.
    """
    if n_engineers < 1:
        raise ValueError(f"n_engineers must be >= 1, got {n_engineers}")
    engineer_rows = -(-n_engineers // ENGINEERS_PER_ROW)
    height = (
        HEADER_HEIGHT
        + PROGRESS_HEIGHT
        + MARGIN
        + 4 * LANE_HEIGHT
        + QUEUE_HEIGHT
        + engineer_rows * ENGINEER_CELL_HEIGHT
        + MARGIN
    )
    return -(-height // 16) * 16, FRAME_WIDTH, 3


def _fill(image: np.ndarray, x0: int, y0: int, x1: int, y1: int, color: Any) -> None:
    """Fill the rectangle [x0, x1) x [y0, y1), clipped to the image."""
    height, width = image.shape[:2]
    x0, x1 = max(0, x0), min(width, x1)
    y0, y1 = max(0, y0), min(height, y1)
    if x0 < x1 and y0 < y1:
        image[y0:y1, x0:x1] = color


def _outline(image: np.ndarray, x0: int, y0: int, x1: int, y1: int, color: Any, thickness: int = 1) -> None:
    _fill(image, x0, y0, x1, y0 + thickness, color)
    _fill(image, x0, y1 - thickness, x1, y1, color)
    _fill(image, x0, y0, x0 + thickness, y1, color)
    _fill(image, x1 - thickness, y0, x1, y1, color)


def _draw_text(image: np.ndarray, x: int, y: int, text: str, color: Any, scale: int = 2) -> int:
    """Draw ``text`` with its top-left corner at (x, y); returns the x after the last character.

    Characters outside the font are drawn as blanks; glyphs past the image edge are skipped.
    """
    height, width = image.shape[:2]
    glyph_height, glyph_width = 7 * scale, 5 * scale
    for char in text.upper():
        glyph = _GLYPHS.get(char)
        if glyph is not None and 0 <= x and x + glyph_width <= width and 0 <= y and y + glyph_height <= height:
            mask = glyph.repeat(scale, axis=0).repeat(scale, axis=1) if scale > 1 else glyph
            image[y : y + glyph_height, x : x + glyph_width][mask] = color
        x += 6 * scale
    return x


def _tint(color: np.ndarray, amount: float) -> np.ndarray:
    """``color`` blended towards white by ``amount`` (0 = unchanged, 1 = white)."""
    return (color.astype(np.float64) * (1.0 - amount) + 255.0 * amount).astype(np.uint8)


_HATCH = (np.add.outer(np.arange(CARD_HEIGHT), np.arange(CARD_WIDTH)) % 8) < 2


def _draw_card(image: np.ndarray, x: int, y: int, ticket: dict, work_scale: float) -> None:
    """One open (or queued) ticket as a card: severity colour, id, hours to the SLA deadline,
    a bar of the work left, a dot per engineer on it; hatched while it waits (info or dependency),
    a thick red frame once breached, badges E (escalated) and R (reopened); with teams its group (``G1``)
    and ``MOVE`` while a hand-off is in transit."""
    severity = int(ticket["severity"])
    color = SEVERITY_COLORS[severity - 1]
    _fill(image, x, y, x + CARD_WIDTH, y + CARD_HEIGHT, _tint(color, 0.72))
    waiting_on_dependency = ticket["waiting_on"] is not None
    if ticket["blocked"] or waiting_on_dependency:
        image[y : y + CARD_HEIGHT, x : x + CARD_WIDTH][_HATCH] = _tint(np.array(MUTED, dtype=np.uint8), 0.35)
    if ticket["breached"]:
        _outline(image, x, y, x + CARD_WIDTH, y + CARD_HEIGHT, ALERT, thickness=3)
    else:
        _outline(image, x, y, x + CARD_WIDTH, y + CARD_HEIGHT, color, thickness=2)
    _draw_text(image, x + 6, y + 6, f"#{ticket['id']}", INK)
    badge_x = x + CARD_WIDTH - 14
    for flag, letter in (("escalated", "E"), ("reopened", "R")):
        if ticket.get(flag):
            _fill(image, badge_x - 1, y + 5, badge_x + 8, y + 16, INK)
            _draw_text(image, badge_x + 1, y + 7, letter, WHITE, scale=1)
            badge_x -= 12
    sla = int(ticket["sla_remaining"])
    sla_color = ALERT if sla <= 0 else (INK if sla > 8 else (190, 90, 0))
    _draw_text(image, x + 6, y + 24, f"{sla}H", sla_color)
    if ticket.get("in_transit"):  # teams: handed to another group, not there yet
        _draw_text(image, x + CARD_WIDTH - 30, y + 28, "MOVE", INK, scale=1)
    elif ticket["blocked"]:
        _draw_text(image, x + CARD_WIDTH - 30, y + 28, "INFO", INK, scale=1)
    elif waiting_on_dependency:
        _draw_text(image, x + CARD_WIDTH - 24, y + 28, "DEP", INK, scale=1)
    if "group" in ticket:  # teams: the group that owns it
        _draw_text(image, x + CARD_WIDTH - 24, y + 48, f"G{ticket['group']}", INK, scale=1)
    total = float(ticket.get("work_total") or work_scale)
    fraction = float(np.clip(float(ticket["work_remaining"]) / max(total, 1e-9), 0.0, 1.0))
    bar_x0, bar_x1, bar_y = x + 6, x + CARD_WIDTH - 6, y + 42
    _fill(image, bar_x0, bar_y, bar_x1, bar_y + 5, WHITE)
    _fill(image, bar_x0, bar_y, bar_x0 + round(fraction * (bar_x1 - bar_x0)), bar_y + 5, INK)
    for k, engineer in enumerate(ticket["assignees"][:9]):
        dot_x = x + 6 + 9 * k
        _fill(image, dot_x, y + 50, dot_x + 7, y + 57, ENGINEER_COLORS[int(engineer) % len(ENGINEER_COLORS)])


def _draw_lanes(image: np.ndarray, top: int, tickets: list[dict], work_scale: float) -> None:
    """Four lanes, critical (S4) on top; in each, the open tickets of that severity as cards,
    nearest deadline on the left; a ``+N`` card when a lane holds more than fits."""
    for lane, severity in enumerate((4, 3, 2, 1)):
        y = top + lane * LANE_HEIGHT
        _fill(image, MARGIN, y, FRAME_WIDTH - MARGIN, y + LANE_HEIGHT - 4, (236, 236, 233))
        _fill(image, MARGIN, y, MARGIN + 6, y + LANE_HEIGHT - 4, SEVERITY_COLORS[severity - 1])
        _draw_text(image, MARGIN + 12, y + (LANE_HEIGHT - 4) // 2 - 7, f"S{severity}", INK)
        in_lane = sorted(
            (ticket for ticket in tickets if ticket["severity"] == severity),
            key=lambda ticket: (ticket["sla_remaining"], -ticket["age"], ticket["id"]),
        )
        shown = in_lane if len(in_lane) <= CARDS_PER_LANE else in_lane[: CARDS_PER_LANE - 1]
        for k, ticket in enumerate(shown):
            _draw_card(image, MARGIN + LANE_LABEL_WIDTH + k * (CARD_WIDTH + CARD_GAP), y + 2, ticket, work_scale)
        if len(shown) < len(in_lane):
            x = MARGIN + LANE_LABEL_WIDTH + len(shown) * (CARD_WIDTH + CARD_GAP)
            _outline(image, x, y + 2, x + CARD_WIDTH, y + 2 + CARD_HEIGHT, MUTED, thickness=2)
            _draw_text(image, x + 12, y + 24, f"+{len(in_lane) - len(shown)}", INK)


def _draw_queue(image: np.ndarray, top: int, queue: list[dict]) -> None:
    """The intake queue (tickets waiting for a free slot), FIFO, one square per ticket by severity."""
    x = _draw_text(image, MARGIN, top + 8, f"QUEUE {len(queue)}", INK if queue else MUTED) + 12
    capacity = max(0, (FRAME_WIDTH - MARGIN - 60 - x) // QUEUE_PITCH)
    for k, ticket in enumerate(queue[:capacity]):
        dot_x = x + k * QUEUE_PITCH
        _fill(image, dot_x, top + 9, dot_x + QUEUE_DOT, top + 9 + QUEUE_DOT, SEVERITY_COLORS[ticket["severity"] - 1])
        if ticket["breached"]:
            _outline(image, dot_x, top + 9, dot_x + QUEUE_DOT, top + 9 + QUEUE_DOT, ALERT, thickness=2)
    if len(queue) > capacity:
        _draw_text(image, x + capacity * QUEUE_PITCH + 4, top + 8, f"+{len(queue) - capacity}", INK)


def _draw_engineers(image: np.ndarray, top: int, snapshot: dict) -> None:
    """One cell per engineer: its colour, and the ticket it works on (id, hours on it, a bar of
    that time, the ticket's severity as the cell's tint), ``IDLE`` or ``OFF`` (off shift)."""
    by_slot = {ticket["slot"]: ticket for ticket in snapshot["tickets"]}
    for engineer in snapshot["engineers"]:
        index = int(engineer["index"])
        x = MARGIN + (index % ENGINEERS_PER_ROW) * ENGINEER_CELL_WIDTH
        y = top + (index // ENGINEERS_PER_ROW) * ENGINEER_CELL_HEIGHT
        x1, y1 = x + ENGINEER_CELL_WIDTH - 6, y + ENGINEER_CELL_HEIGHT - 4
        ticket = by_slot.get(engineer["ticket"]) if engineer["ticket"] is not None else None
        background: tuple[int, int, int] | np.ndarray  # a palette color, or a tinted severity color
        if not engineer["on_shift"]:
            background, status, ink = OFF_SHIFT_COLOR, "OFF", WHITE
        elif ticket is None:
            background, status, ink = IDLE_COLOR, "IDLE", INK
        else:
            background = _tint(SEVERITY_COLORS[ticket["severity"] - 1], 0.6)
            status, ink = f"#{ticket['id']} {engineer['time_on_ticket']}H", INK
        _fill(image, x, y, x1, y1, background)
        _fill(image, x, y, x + 8, y1, ENGINEER_COLORS[index % len(ENGINEER_COLORS)])
        label = f"E{index}" if "group" not in engineer else f"E{index} G{engineer['group']}"  # teams: its group
        after = _draw_text(image, x + 14, y + 8, label, ink)
        _draw_text(image, after + 12, y + 8, status, ink)
        if ticket is not None:
            fraction = min(1.0, engineer["time_on_ticket"] / TIME_ON_TICKET_FULL)
            _fill(image, x + 8, y1 - 4, x + 8 + round(fraction * (x1 - x - 8)), y1, INK)
            if engineer.get("ramp_left"):
                _draw_text(image, x1 - 30, y + 11, "RAMP", INK, scale=1)


def render_rgb(snapshot: dict, max_tickets: int | None = None, work_scale: float = 10.0) -> np.ndarray:
    """A frame of the backlog and the team (uint8, H x W x 3, see :func:`frame_shape`), numpy only.

    From top to bottom: a header with the clock and the counters (backlog,
    queue, resolved, breaches, dropped) and a bar of the episode's progress;
    four lanes of ticket cards by severity (critical on top), each lane ordered
    by deadline (see ``_draw_card`` for what a card shows); the intake queue;
    one cell per engineer with the ticket it works on.

    Args:
        snapshot: An env's ``snapshot()``.
        max_tickets: Accepted for compatibility; the layout does not depend on it.
        work_scale: The work that fills a card's work bar when the snapshot has
            no ``work_total`` for the ticket.

    Returns:
        The frame; equal snapshots give equal frames.
    """
    del max_tickets  # lanes hold the cards whatever the number of slots
    image = np.empty(frame_shape(len(snapshot["engineers"])), dtype=np.uint8)
    image[:] = BACKGROUND
    counters = snapshot["counters"]
    tickets, queue, awaiting = snapshot["tickets"], snapshot["queue"], snapshot.get("awaiting")
    moving = snapshot.get("handed_off")  # teams: hand-offs and pick-ups waited out off the board
    _fill(image, 0, 0, FRAME_WIDTH, HEADER_HEIGHT, HEADER_BACKGROUND)
    x = MARGIN + 4
    header: list[tuple[str, Any, bool]] = [
        ("T", f"{snapshot['t']}/{snapshot['horizon']}", False),
        ("BACKLOG", len(tickets) + len(queue) + len(awaiting or ()) + len(moving or ()), False),
    ]
    if moving is None:  # (with it, the header has no room for it: the queue's lane shows its length)
        header.append(("QUEUE", len(queue), False))
    if awaiting is not None:  # the awaiting mechanic on: tickets waiting on the customer, a vendor, another team
        header.append(("AWAITING", len(awaiting), False))
    if moving is not None:  # in transit off the board: handed to another group, or not yet picked up
        header.append(("TRANSIT", len(moving), False))
    header += [
        ("RESOLVED", counters["resolved"], False),
        ("BREACHES", counters["breaches"], counters["breaches"] > 0),
    ]
    if moving is None or counters["dropped"] > 0:  # (no room for a zero beside TRANSIT)
        header.append(("DROPPED", counters["dropped"], counters["dropped"] > 0))
    for label, value, alert in header:
        x = _draw_text(image, x, 11, f"{label} ", (180, 186, 196))
        x = _draw_text(image, x, 11, str(value), (255, 120, 110) if alert else WHITE) + 24
    progress = min(1.0, snapshot["t"] / max(1, snapshot["horizon"]))
    _fill(image, 0, HEADER_HEIGHT, FRAME_WIDTH, HEADER_HEIGHT + PROGRESS_HEIGHT, (210, 212, 216))
    _fill(image, 0, HEADER_HEIGHT, round(progress * FRAME_WIDTH), HEADER_HEIGHT + PROGRESS_HEIGHT, (70, 130, 220))
    top = HEADER_HEIGHT + PROGRESS_HEIGHT + MARGIN
    _draw_lanes(image, top, tickets, work_scale)
    top += 4 * LANE_HEIGHT
    _draw_queue(image, top, queue)
    _draw_engineers(image, top + QUEUE_HEIGHT, snapshot)
    return image


def render_snapshot(render_mode: str, snapshot: dict, max_tickets: int, work_mean: float) -> str | np.ndarray | None:
    """What every env's ``render()`` returns: ``"ansi"`` the original description's text,
    ``"human"`` prints it (returns None), ``"rgb_array"`` an H x W x 3 image."""
    if render_mode == "rgb_array":
        return render_rgb(snapshot, max_tickets, work_scale=2.0 * work_mean)
    text = render_ansi(snapshot)
    if render_mode == "human":
        print(text)
        return None
    return text
