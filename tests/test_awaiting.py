"""Waiting on others (``p_await``, ``request_info="awaits"``), alone with every other mechanic off, against
exact hand-computed results; and off by its zero."""

from __future__ import annotations

import numpy as np
import pytest
from conftest import act, noop_all, quiet_config, secret, work

import ticket_triage_marl as ttm
from ticket_triage_marl import AgentVerb, metrics
from ticket_triage_marl._core.features import MECHANIC_GLOBAL_FIELDS, layout_table, team_size

# One engineer, one backlog ticket of 4 units (skill 1: 4 steps of work), SLA 10 steps, waits of exactly 3 steps
# (log-sd 0), nothing else.
ONE_TICKET = {
    "n_engineers": 1,
    "max_tickets": 3,
    "initial_backlog": 1,
    "work_mean": 4.0,
    "sla_steps": (10, 10, 10, 10),
    "await_mean": 3.0,
    "await_sigma": 0.0,
}


def make(**overrides):
    env = ttm.parallel_env(config=quiet_config(**{**ONE_TICKET, **overrides}))
    env.reset(seed=0)
    return env


def run(env, action_at, steps):
    """Step ``steps`` times (``action_at(t, snapshot)`` gives engineer_0's action); the snapshot and closed
    records after each step."""
    seen = []
    for t in range(1, steps + 1):
        env.step({"engineer_0": action_at(t, env.snapshot())})
        seen.append((env.snapshot(), env.closed_tickets()))
    return seen


def keep_working(t, snapshot):
    return work(0, 3) if snapshot["tickets"] else 0


def test_a_ticket_awaits_after_its_first_work_for_exactly_its_wait_with_the_sla_paused():
    """Worked in step 1 (4 -> 3 units), it leaves for the awaiting area at the end of step 1 and frees its
    engineer; it awaits steps 2, 3, 4 (awaited 1, 2, 3), comes back in step 4, and its 3 units take steps 5-7.
    Paused SLA: 9 steps left before and after the wait. Time to resolve 7, of which 3 awaiting."""
    env = make(p_await=1.0)
    seen = run(env, keep_working, 8)
    expected = {1: (0, 0), 2: (1, 1), 3: (2, 2)}  # t -> (awaiting_for, awaited)
    for t, (awaiting_for, awaited) in expected.items():
        snapshot = seen[t - 1][0]
        assert snapshot["tickets"] == [] and snapshot["engineers"][0]["ticket"] is None
        (ticket,) = snapshot["awaiting"]
        assert (ticket["awaiting_for"], ticket["awaited"], ticket["sla_remaining"]) == (awaiting_for, awaited, 9)
    snapshot = seen[3][0]
    (ticket,) = snapshot["tickets"]
    assert snapshot["awaiting"] == [] and ticket["awaited"] == 3 and ticket["sla_remaining"] == 9
    assert ticket["work_remaining"] == 3.0 and "awaiting_for" not in ticket
    closed = [record for _, records in seen for record in records]
    assert [seen.index(step) + 1 for step in seen if step[1]] == [7]
    (record,) = closed
    assert (record["arrival"], record["first_work"], record["resolved"], record["awaited"]) == (0, 1, 7, 3)
    assert record["breached"] == 0
    assert metrics.time_to_resolve(record) == 7 and metrics.time_to_resolve_net(record) == 4


def test_with_the_sla_running_a_ticket_breaches_while_it_awaits():
    """SLA 2 steps: deadline 0 + 2, breached in step 3 (deadline < 3) while awaiting; paused it would not."""
    breaches = []
    for mode in ("running", "paused"):
        env = make(p_await=1.0, sla_steps=(2, 2, 2, 2), await_sla=mode)
        seen = run(env, keep_working, 4)
        breaches.append([snapshot["counters"]["breaches"] for snapshot, _ in seen])
        if mode == "running":
            assert seen[2][0]["awaiting"][0]["breached"] and seen[2][0]["awaiting"][0]["sla_remaining"] == -1
    assert breaches == [[0, 0, 1, 1], [0, 0, 0, 0]]


def test_request_info_sends_the_ticket_to_the_customer_and_its_ambiguity_is_gone_when_it_comes_back():
    """REQUEST_INFO in step 1 parks it at once: it awaits steps 1, 2, 3 and is back after step 3, no longer
    ambiguous; the request is charged, nobody's work is lost (none was done)."""
    env = make(request_info="awaits", p_ambiguous=1.0, r_request_info=-0.25)
    assert "awaiting" in env.config.mechanics() and env.config.p_await == 0.0
    _, rewards, _, _, _ = env.step({"engineer_0": act(AgentVerb.REQUEST_INFO, 0, 3)})
    assert rewards["engineer_0"] == pytest.approx(-0.25)
    snapshot = env.snapshot()
    (ticket,) = snapshot["awaiting"]
    assert snapshot["tickets"] == [] and secret(snapshot, ticket["id"])["ambiguous"]
    assert (ticket["awaiting_for"], ticket["awaited"]) == (1, 1)
    env.step(noop_all(env))
    assert env.snapshot()["awaiting"][0]["awaited"] == 2
    env.step(noop_all(env))
    snapshot = env.snapshot()
    (ticket,) = snapshot["tickets"]
    assert snapshot["awaiting"] == [] and not secret(snapshot, ticket["id"])["ambiguous"] and ticket["awaited"] == 3
    assert ticket["blocked"] == 0 and ticket["work_remaining"] == 4.0


def snapshot_t(env) -> int:
    return env.snapshot()["t"]


def test_a_dependency_on_an_awaiting_ticket_holds_while_another_ticket_resolves():
    """Seed 1: ticket 1 depends on ticket 0, ticket 2 on nothing. Engineer 0 asks ticket 0's customer
    (REQUEST_INFO in step 1: it awaits steps 1-6), then works it (steps 7-10); engineer 1 resolves ticket 2
    in step 4, which re-checks dependencies: ticket 1 must keep waiting on the awaiting ticket 0 until 0
    resolves in step 10."""
    config = quiet_config(**{**ONE_TICKET, "n_engineers": 2, "request_info": "awaits", "initial_backlog": 3,
                             "p_dependency": 0.5, "await_mean": 6.0})  # fmt: skip
    env = ttm.parallel_env(config=config)
    env.reset(seed=1)
    tickets = {ticket["id"]: ticket for ticket in env.snapshot()["tickets"]}
    assert tickets[1]["waiting_on"] == 0 and tickets[2]["waiting_on"] is None and tickets[2]["slot"] == 2
    waiting_on, resolved_at = [], {}
    for _ in range(11):
        slots = {ticket["id"]: ticket["slot"] for ticket in env.snapshot()["tickets"]}
        first = act(AgentVerb.REQUEST_INFO, 0, 3) if snapshot_t(env) == 0 else work(slots[0], 3) if 0 in slots else 0
        actions = {"engineer_0": first, "engineer_1": work(2, 3) if 2 in slots else 0}
        env.step(actions)
        snapshot = env.snapshot()
        resolved_at.update((record["id"], snapshot["t"]) for record in env.closed_tickets())
        waiting_on.append(next(ticket["waiting_on"] for ticket in snapshot["tickets"] if ticket["id"] == 1))
    assert resolved_at == {2: 4, 0: 10}
    assert waiting_on == [0] * 9 + [None, None]


def test_the_awaiting_fields_are_observed_and_documented_only_where_the_mechanic_is_on():
    off = ttm.parallel_env(config=quiet_config(**ONE_TICKET))
    on = make(p_await=1.0)
    off.reset(seed=0)
    assert "awaiting" not in off.snapshot() and off.config.mechanics() == ()
    n_global = len(MECHANIC_GLOBAL_FIELDS)
    size_off = team_size(3, 1)
    assert off.observation_space("engineer_0")["observation"].shape == (size_off + 1,)
    assert on.observation_space("engineer_0")["observation"].shape == (size_off + n_global + 3 + 1,)
    on.step({"engineer_0": work(0, 3)})
    on.step(noop_all(on))
    observation = on.step(noop_all(on))[0]["engineer_0"]["observation"]
    # t = 3: one ticket awaiting (load 1 / (1 + 3)), waiting 2 steps so far (/ A = 10); no ticket in the slots
    load, so_far = observation[size_off], observation[size_off + 1]
    assert (load, so_far) == (pytest.approx(0.25), pytest.approx(0.2))
    assert not observation[size_off + n_global : size_off + n_global + 3].any()
    observation = on.step(noop_all(on))[0]["engineer_0"]["observation"]  # t = 4: back in slot 0, awaited 3
    assert observation[size_off] == 0.0 and observation[size_off + n_global] == pytest.approx(0.3)
    assert on.state_space.contains(on.state())
    assert "| awaiting on: each slot (T) | 0 | `awaited` |" in layout_table()


def test_every_scenario_shipped_before_the_mechanic_keeps_it_off():
    from ticket_triage_marl.config import load_config, scenario_names

    with_it = {
        "uci_desk_awaiting": ("awaiting",),
        "uci_desk_teams": ("awaiting", "teams"),
        "apache_kafka_incidents": ("incidents",),
    }
    assert set(with_it) < set(scenario_names()) and len(scenario_names()) >= 6
    for name in scenario_names():
        assert load_config(name).mechanics() == with_it.get(name, ()), name
    assert ttm.EnvConfig().mechanics() == ()
    assert np.array_equal(ttm.TicketTriageEnv().observation_space.shape, (104,))
