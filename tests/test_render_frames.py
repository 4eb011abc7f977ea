"""The rgb_array frame: a numpy-only picture of a snapshot, fixed size per config, deterministic."""

import subprocess
import sys

import numpy as np
import pytest

import ticket_triage_marl as ttm
from ticket_triage_marl.baselines import coordinator_action_from, make_policy
from ticket_triage_marl.render import (
    ALERT,
    CARD_HEIGHT,
    CARD_WIDTH,
    ENGINEER_COLORS,
    SEVERITY_COLORS,
    frame_shape,
    render_rgb,
)


def _episode_frames(steps: int, **overrides) -> tuple[list[np.ndarray], list[dict]]:
    env = ttm.TicketTriageEnv(render_mode="rgb_array", **overrides)
    env.reset(seed=3)
    policy = make_policy("edf", seed=3)
    frames, snapshots = [env.render()], [env.snapshot()]
    for _ in range(steps):
        env.step(coordinator_action_from(policy, env, None))
        frames.append(env.render())
        snapshots.append(env.snapshot())
    return frames, snapshots


def _pixels_of(image: np.ndarray, color) -> int:
    return int(np.all(image == np.asarray(color, dtype=np.uint8), axis=-1).sum())


def _blank_snapshot(n_engineers: int = 3) -> dict:
    return {
        "t": 5,
        "horizon": 200,
        "counters": {"arrived": 0, "resolved": 0, "breaches": 0, "dropped": 0, "reopened": 0},
        "tickets": [],
        "queue": [],
        "engineers": [{"index": i, "ticket": None, "time_on_ticket": 0, "on_shift": True} for i in range(n_engineers)],
    }


def _ticket(ticket_id: int, slot: int | None, severity: int, **fields) -> dict:
    ticket = {
        "id": ticket_id,
        "slot": slot,
        "severity": severity,
        "component": 0,
        "age": 3,
        "sla_remaining": 20,
        "work_remaining": 2.0,
        "blocked": 0,
        "waiting_on": None,
        "escalated": False,
        "assignees": [],
        "reopened": False,
        "breached": False,
    }
    ticket.update(fields)
    return ticket


def test_frame_size_is_constant_over_an_episode_and_a_multiple_of_16():
    frames, _ = _episode_frames(60, p_new_ticket=0.9)
    shapes = {frame.shape for frame in frames}
    assert shapes == {frame_shape(3)}
    height, width, channels = frame_shape(3)
    assert height % 16 == 0 and width % 16 == 0 and channels == 3
    assert all(frame.dtype == np.uint8 for frame in frames)


def test_frame_size_depends_only_on_the_team_size():
    assert frame_shape(3) == frame_shape(5)  # one row of engineer cells
    assert frame_shape(8)[0] > frame_shape(3)[0]
    env = ttm.TicketTriageEnv(render_mode="rgb_array", n_engineers=8, max_tickets=24)
    env.reset(seed=0)
    assert env.render().shape == frame_shape(8)


def test_frames_are_a_deterministic_function_of_the_snapshot():
    frames_a, snapshots = _episode_frames(40)
    frames_b, _ = _episode_frames(40)
    assert all(np.array_equal(a, b) for a, b in zip(frames_a, frames_b, strict=True))
    assert np.array_equal(render_rgb(snapshots[-1], work_scale=10.0), frames_a[-1])
    assert not np.array_equal(frames_a[0], frames_a[-1])


def test_each_open_ticket_is_a_card_in_its_severity_colour():
    snapshot = _blank_snapshot()
    empty = render_rgb(snapshot)
    snapshot["tickets"] = [_ticket(1, 0, 4), _ticket(2, 1, 4), _ticket(3, 2, 1)]
    image = render_rgb(snapshot)
    border = SEVERITY_COLORS[3]
    # a card's 2-pixel border in the severity colour: 2 * (2w + 2h) - corners, minus nothing hidden
    per_card = 2 * 2 * (CARD_WIDTH + CARD_HEIGHT) - 16
    assert _pixels_of(image, border) - _pixels_of(empty, border) == 2 * per_card
    assert _pixels_of(image, SEVERITY_COLORS[0]) - _pixels_of(empty, SEVERITY_COLORS[0]) == per_card


def test_a_breached_ticket_gets_a_red_frame_and_assignees_their_colour():
    snapshot = _blank_snapshot()
    snapshot["tickets"] = [_ticket(7, 0, 2)]
    plain = render_rgb(snapshot)
    snapshot["tickets"] = [_ticket(7, 0, 2, breached=True, sla_remaining=-3, assignees=[1])]
    snapshot["engineers"][1]["ticket"] = 0
    snapshot["engineers"][1]["time_on_ticket"] = 2
    marked = render_rgb(snapshot)
    assert _pixels_of(marked, ALERT) > _pixels_of(plain, ALERT) + 2 * (CARD_WIDTH + CARD_HEIGHT)
    engineer_color = ENGINEER_COLORS[1]
    assert _pixels_of(marked, engineer_color) == _pixels_of(plain, engineer_color) + 7 * 7  # its dot on the card


def test_queued_tickets_are_drawn_one_square_each():
    snapshot = _blank_snapshot()
    empty = render_rgb(snapshot)
    snapshot["queue"] = [_ticket(10 + k, None, 3) for k in range(5)]
    image = render_rgb(snapshot)
    assert _pixels_of(image, SEVERITY_COLORS[2]) - _pixels_of(empty, SEVERITY_COLORS[2]) == 5 * 10 * 10


def test_the_numbers_in_the_header_are_drawn():
    snapshot = _blank_snapshot()
    other = _blank_snapshot()
    other["counters"] = dict(snapshot["counters"], resolved=13)
    assert not np.array_equal(render_rgb(snapshot), render_rgb(other))


def test_tickets_in_transit_off_the_board_count_in_the_header_and_the_text():
    """Teams with hand-offs or pick-ups off the board: the snapshot's "handed_off" tickets count in the backlog
    and as TRANSIT (the frame's header changes with their number; the text says in_transit=)."""
    from ticket_triage_marl.render import render_ansi

    snapshot = dict(_blank_snapshot(), handed_off=[])
    moving = dict(snapshot, handed_off=[_ticket(7, None, 3, handed_off_for=2, pickup=True)])
    assert not np.array_equal(render_rgb(snapshot), render_rgb(moving))
    first = render_ansi(moving).splitlines()[0]
    assert "backlog=1 " in first and first.endswith("in_transit=1")


def test_rendering_does_not_import_matplotlib():
    code = (
        "import sys, ticket_triage_marl as ttm\n"
        "env = ttm.TicketTriageEnv(render_mode='rgb_array'); env.reset(seed=0); env.step(1); env.render()\n"
        "print('matplotlib' in sys.modules)\n"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert result.stdout.strip() == "False"


@pytest.mark.parametrize("factory", [ttm.parallel_env, ttm.env])
def test_pettingzoo_envs_render_the_same_frame(factory):
    env = factory(render_mode="rgb_array")
    env.reset(seed=2)
    assert np.array_equal(
        env.render(), render_rgb(env.unwrapped.snapshot(), work_scale=2.0 * env.unwrapped.config.work_mean)
    )
