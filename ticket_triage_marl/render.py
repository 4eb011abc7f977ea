"""Rendering from a snapshot: the seed's ansi text and a numpy-only RGB picture."""

from __future__ import annotations

import numpy as np

__all__ = ["RENDER_MODES", "render_ansi", "render_rgb", "render_snapshot"]

RENDER_MODES = ["human", "ansi", "rgb_array"]
TOP_TICKETS = 5


def _urgency(ticket: dict) -> tuple:
    return (ticket["sla_remaining"], -ticket["severity"], -ticket["age"], ticket["slot"])


def render_ansi(snapshot: dict) -> str:
    """The seed's Example Output text::

        t=200 backlog=3 breaches=0 resolved=12
        Engineers:
          E0: ticket=5 time_on=8
          E2: idle
        Top tickets:
          T5: sev=2 age=15 sla=5 work=2.3 blocked=0

    Top tickets are the most urgent open slots (least SLA time left first).
    """
    counters = snapshot["counters"]
    backlog = len(snapshot["tickets"]) + len(snapshot["queue"])
    lines = [f"t={snapshot['t']} backlog={backlog} breaches={counters['breaches']} resolved={counters['resolved']}"]
    lines.append("Engineers:")
    for engineer in snapshot["engineers"]:
        if not engineer["on_shift"]:
            lines.append(f"  E{engineer['index']}: off shift")
        elif engineer["ticket"] is None:
            lines.append(f"  E{engineer['index']}: idle")
        else:
            lines.append(f"  E{engineer['index']}: ticket={engineer['ticket']} time_on={engineer['time_on_ticket']}")
    lines.append("Top tickets:")
    for ticket in sorted(snapshot["tickets"], key=_urgency)[:TOP_TICKETS]:
        lines.append(
            f"  T{ticket['slot']}: sev={ticket['severity']} age={ticket['age']} sla={ticket['sla_remaining']} "
            f"work={ticket['work_remaining']:.1f} blocked={ticket['blocked']}"
        )
    return "\n".join(lines)


SEVERITY_COLORS = np.array([[90, 160, 90], [220, 200, 60], [235, 130, 40], [210, 40, 40]], dtype=np.uint8)
ENGINEER_COLORS = np.array([[70, 130, 220], [150, 150, 150], [60, 60, 60]], dtype=np.uint8)  # busy, idle, off


def render_rgb(snapshot: dict, max_tickets: int, work_scale: float = 10.0) -> np.ndarray:
    """A picture of the backlog and the team (uint8, H x W x 3), numpy only.

    One row per ticket slot: a bar of remaining work (colour = severity, dark
    outline when breached, grey hatching when blocked or waiting), a thin SLA
    bar underneath (green to red as the deadline nears), a tick per engineer
    assigned. Below: one square per engineer (blue busy, grey idle, black off
    shift), then the queue length as a row of dots (one per queued ticket).
    """
    row_height, width, margin = 16, 320, 4
    height = margin + max_tickets * row_height + 2 * row_height + margin
    image = np.full((height, width, 3), 245, dtype=np.uint8)
    by_slot = {ticket["slot"]: ticket for ticket in snapshot["tickets"]}
    bar_width = width - 2 * margin - 24
    for slot in range(max_tickets):
        top = margin + slot * row_height
        image[top + row_height - 1, margin:-margin] = 225
        ticket = by_slot.get(slot)
        if ticket is None:
            continue
        fraction = min(ticket["work_remaining"] / work_scale, 1.0)
        length = max(2, int(fraction * bar_width))
        color = SEVERITY_COLORS[ticket["severity"] - 1]
        image[top + 2 : top + 10, margin : margin + length] = color
        if ticket["blocked"] or ticket["waiting_on"] is not None:
            image[top + 2 : top + 10 : 2, margin : margin + length] = 120
        if ticket["breached"]:
            image[top + 2, margin : margin + length] = 0
            image[top + 9, margin : margin + length] = 0
        sla_fraction = float(np.clip(ticket["sla_remaining"] / 72.0, 0.0, 1.0))
        sla_color = np.array([int(255 * (1 - sla_fraction)), int(200 * sla_fraction), 40], dtype=np.uint8)
        image[top + 11 : top + 13, margin : margin + max(1, int(sla_fraction * bar_width))] = sla_color
        for k, _ in enumerate(ticket["assignees"]):
            x = width - margin - 20 + 5 * k
            if x + 3 < width:
                image[top + 2 : top + 10, x : x + 3] = ENGINEER_COLORS[0]
    top = margin + max_tickets * row_height + 2
    for engineer in snapshot["engineers"]:
        x = margin + engineer["index"] * 14
        if x + 10 >= width:
            break
        state = 2 if not engineer["on_shift"] else (0 if engineer["ticket"] is not None else 1)
        image[top : top + 10, x : x + 10] = ENGINEER_COLORS[state]
    top += row_height
    for k in range(min(len(snapshot["queue"]), (width - 2 * margin) // 4)):
        x = margin + 4 * k
        image[top + 2 : top + 5, x : x + 3] = SEVERITY_COLORS[snapshot["queue"][k]["severity"] - 1]
    return image


def render_snapshot(render_mode: str, snapshot: dict, max_tickets: int, work_mean: float) -> str | np.ndarray | None:
    """What every env's ``render()`` returns: ``"ansi"`` the seed's text,
    ``"human"`` prints it (returns None), ``"rgb_array"`` an H x W x 3 image."""
    if render_mode == "rgb_array":
        return render_rgb(snapshot, max_tickets, work_scale=2.0 * work_mean)
    text = render_ansi(snapshot)
    if render_mode == "human":
        print(text)
        return None
    return text
