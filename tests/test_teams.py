"""Teams and routing (``groups``): groups own tickets, ROUTE hands them on, misreported components show
after work; alone with every other mechanic off, against exact hand-computed results; and off by its
absence."""

from __future__ import annotations

import numpy as np
import pytest
from conftest import noop_all, quiet_config, secret

import ticket_triage_marl as ttm
from ticket_triage_marl._core import features
from ticket_triage_marl._core import layout as L
from ticket_triage_marl._core.types import build_params

# Three engineers, one per group: the entry desk (0, skill 1 in both components) and two specialists (group 1
# fast at component 0, group 2 at component 1); one ticket of work 3 at the start.
TEAMS = {"n_engineers": 3, "max_tickets": 4, "n_components": 2, "groups": (0, 1, 2), "initial_backlog": 1,
         "skills": ((1.0, 1.0), (2.0, 0.5), (0.5, 2.0))}  # fmt: skip


class Env:
    """The parallel env, keeping its last observations and infos."""

    def __init__(self, config):
        self.env = ttm.parallel_env(config=config)
        self.observations, self.infos = self.env.reset(seed=0)
        self.agents = self.env.possible_agents

    def step(self, actions):
        self.observations, _, _, _, self.infos = self.env.step(actions)

    def invalid(self, agent):
        return bool(self.infos[agent]["invalid_action"])

    def __getattr__(self, name):
        return getattr(self.env, name)


def make(**overrides):
    config = quiet_config(**{**TEAMS, **overrides})
    return Env(config), config


def action(config, verb, slot, group=None):
    return ttm.agent_action(verb, slot, config, group=group)


def test_a_ticket_arrives_at_the_entry_group_and_only_that_group_may_act_on_it():
    env, config = make(horizon=3)
    (ticket,) = env.snapshot()["tickets"]
    assert (ticket["group"], ticket["first_group"], ticket["reassignments"], ticket["in_transit"]) == (0, 0, 0, 0)
    masks = env.action_masks()
    work = action(config, ttm.AgentVerb.WORK, 0)
    assert masks["engineer_0"][work] == 1 and masks["engineer_1"][work] == 0 and masks["engineer_2"][work] == 0
    route = [action(config, ttm.AgentVerb.ROUTE, 0, group=g) for g in range(3)]
    assert [masks["engineer_0"][a] for a in route] == [0, 1, 1]  # not to its own group
    assert [masks["engineer_1"][a] for a in route] == [0, 0, 0]
    env.step({**noop_all(env), "engineer_1": work})  # another group's ticket: applied as NOOP, flagged
    assert env.snapshot()["tickets"][0]["work_remaining"] == 3.0
    assert env.invalid("engineer_1")


def test_route_hands_the_ticket_over_after_its_transit_with_its_ramp_up_work():
    """Step 1: the desk routes it to the group skilled at its component (transit: the rest of step 1 and 2
    steps more; +1 work: 4 left). Transit 3 -> 2 at the end of step 1, 2 -> 1 after step 2, 1 -> 0 after step
    3, so that group may first work it in step 4 (skill 2: 4 -> 2) and resolves it in step 5, a record with
    one reassignment, from group 0."""
    env, config = make(horizon=7, handoff_steps=2, handoff_work=1.0)
    group = 1 + env.snapshot()["tickets"][0]["component"]
    specialist = f"engineer_{group}"
    work = action(config, ttm.AgentVerb.WORK, 0)
    env.step({**noop_all(env), "engineer_0": action(config, ttm.AgentVerb.ROUTE, 0, group=group)})
    (ticket,) = env.snapshot()["tickets"]
    assert (ticket["group"], ticket["reassignments"], ticket["in_transit"], ticket["work_remaining"]) == (
        group, 1, 2, 4.0)  # fmt: skip
    for in_transit in (1, 0):
        assert env.action_masks()[specialist][work] == 0
        env.step({**noop_all(env), specialist: work})
        assert env.invalid(specialist) and env.snapshot()["tickets"][0]["in_transit"] == in_transit
    env.step({**noop_all(env), specialist: work})
    assert env.snapshot()["tickets"][0]["work_remaining"] == 2.0
    env.step({**noop_all(env), specialist: work})
    (record,) = env.closed_tickets()
    assert (record["resolved"], record["reassignments"], record["first_group"], record["group"]) == (5, 1, 0, group)


def test_routing_a_ticket_lets_its_workers_go():
    """And with handoff_steps 0 the new group may act on it from the next step (not in the step it moved:
    engineer 2 acts after engineer 0, and the mask it saw forbade it)."""
    env, config = make(horizon=4, handoff_steps=0)
    work = action(config, ttm.AgentVerb.WORK, 0)
    env.step({**noop_all(env), "engineer_0": work})
    assert env.snapshot()["engineers"][0]["ticket"] == 0
    env.step({**noop_all(env), "engineer_0": action(config, ttm.AgentVerb.ROUTE, 0, group=2), "engineer_2": work})
    snapshot = env.snapshot()
    assert snapshot["engineers"][0]["ticket"] is None and snapshot["tickets"][0]["group"] == 2
    assert snapshot["tickets"][0]["work_remaining"] == 2.0  # step 1's work kept, handoff_work 0
    assert env.invalid("engineer_2") and snapshot["tickets"][0]["in_transit"] == 0
    assert env.action_masks()["engineer_2"][work] == 1


def test_a_misreported_component_shows_until_reveal_work_is_done():
    """p_misreport 1 with two components: the reported one is the other one. The desk (skill 1) works it:
    after step 1 one unit is done (< reveal_work 2), after step 2 two: the true component shows."""
    env, config = make(horizon=4, p_misreport=1.0, reveal_work=2.0)
    snapshot = env.snapshot()
    (ticket,) = snapshot["tickets"]
    true, shown = secret(snapshot, ticket["id"])["component"], ticket["component"]
    assert shown == 1 - true
    component = features.offset(features.TICKET_FIELDS, "component") + features.N_GLOBAL

    def observed():
        return env.observations["engineer_0"]["observation"][component]

    assert observed() == pytest.approx((shown + 1) / 2)
    work = action(config, ttm.AgentVerb.WORK, 0)
    env.step({**noop_all(env), "engineer_0": work})
    assert env.snapshot()["tickets"][0]["component"] == shown and observed() == pytest.approx((shown + 1) / 2)
    env.step({**noop_all(env), "engineer_0": work})
    assert env.snapshot()["tickets"][0]["component"] == true and observed() == pytest.approx((true + 1) / 2)


def test_a_ticket_skipping_the_entry_desk_goes_to_the_group_best_at_its_reported_component():
    """entry_share 0: group 1 is the best at component 0, group 2 at component 1; with p_misreport 1 the
    ticket lands at the group of the component it does not need."""
    for misreport in (0.0, 1.0):
        env, _ = make(entry_share=0.0, p_misreport=misreport)
        snapshot = env.snapshot()
        (ticket,) = snapshot["tickets"]
        assert ticket["group"] == ticket["first_group"] == 1 + ticket["component"]  # the component it shows
        assert (ticket["component"] != secret(snapshot, ticket["id"])["component"]) == (misreport == 1.0)


def test_the_coordinator_routes_through_an_engineer_of_the_owning_group():
    config = quiet_config(**{**TEAMS, "horizon": 4, "handoff_steps": 0})
    env = ttm.TicketTriageEnv(config=config)
    env.reset(seed=0)
    mask = env.action_masks()
    assert mask[ttm.coordinator_action(ttm.Verb.ASSIGN, 0, 1, config)] == 0  # group 1 does not own it
    assert mask[ttm.coordinator_action(ttm.Verb.ASSIGN, 0, 0, config)] == 1
    route = ttm.coordinator_action(ttm.Verb.ROUTE, 0, 2, config)
    assert ttm.decode_coordinator_action(route, config) == (ttm.Verb.ROUTE, 0, 2) and mask[route] == 1
    assert mask[ttm.coordinator_action(ttm.Verb.ROUTE, 0, 0, config)] == 0
    env.step(route)
    assert env.unwrapped.snapshot()["tickets"][0]["group"] == 2
    mask = env.action_masks()
    assert mask[ttm.coordinator_action(ttm.Verb.ASSIGN, 0, 2, config)] == 1
    assert mask[ttm.coordinator_action(ttm.Verb.ASSIGN, 0, 0, config)] == 0


def test_team_observation_fields_show_group_hand_offs_and_transit():
    env, config = make(horizon=3, handoff_steps=2)
    env.step({**noop_all(env), "engineer_0": action(config, ttm.AgentVerb.ROUTE, 0, group=2)})
    params = build_params(config)
    names = [field.name for field in features.MECHANIC_FIELDS]
    slot_base = params.mechanic_ticket_base
    observation = env.observations["engineer_0"]["observation"]
    group = params.mechanic_offsets[names.index("group")]
    assert observation[slot_base + group] == pytest.approx(3 / 3)
    assert observation[slot_base + params.mechanic_offsets[names.index("reassignments")]] == pytest.approx(0.5)
    assert observation[slot_base + params.mechanic_offsets[names.index("in_transit")]] == 1.0
    engineer_group = params.mechanic_offsets[len(names) - 1]
    for engineer in range(3):
        at = params.mechanic_engineer_base + engineer * params.mechanic_engineer_size + engineer_group
        assert observation[at] == pytest.approx((engineer + 1) / 3)


def test_without_groups_the_verb_set_and_snapshot_are_unchanged():
    config = quiet_config(initial_backlog=1)
    assert config.mechanics() == () and config.n_groups == 0
    assert ttm.actions.agent_action_count(config) == 1 + 4 * config.max_tickets
    assert ttm.actions.coordinator_action_count(config) == 1 + config.max_tickets * (config.n_engineers + 4)
    env = ttm.parallel_env(config=config)
    env.reset(seed=0)
    assert "group" not in env.snapshot()["tickets"][0] and "group" not in env.snapshot()["engineers"][0]
    with pytest.raises(ValueError, match="ROUTE exists only with teams"):
        ttm.agent_action(ttm.AgentVerb.ROUTE, 0, config, group=1)


def test_with_groups_the_spaces_gain_one_route_block_per_group():
    config = quiet_config(**TEAMS)
    t = config.max_tickets
    assert ttm.actions.agent_action_count(config) == 1 + (4 + 3) * t
    assert ttm.actions.coordinator_action_count(config) == 1 + t * 3 + (4 + 3) * t
    route = ttm.agent_action(ttm.AgentVerb.ROUTE, 2, config, group=1)
    assert route == 1 + 5 * t + 2
    assert ttm.decode_agent_action(route, config) == (ttm.AgentVerb.ROUTE, 2) and ttm.route_group(route, config) == 1


@pytest.mark.parametrize(
    ("groups", "message"),
    [
        ((0, 1), "each of the 3 engineers"),
        ((0, 2, 2), "no engineer is in group 1"),
        ((0, 0, 0), "at least two groups"),
        ((0, -1, 1), r"groups\[1\] must be a group number"),
    ],
)
def test_bad_groups_are_refused_naming_the_problem(groups, message):
    with pytest.raises(ValueError, match=message):
        ttm.EnvConfig(n_engineers=3, groups=groups)


def test_the_routing_rule_sends_a_desk_ticket_to_the_group_best_at_its_reported_component():
    """The desk (skill 1) is worse than the specialist at either component (2): every heuristic's idle desk
    engineer routes the ticket first, to group 1 + its reported component; on the coordinator too."""
    env, config = make(horizon=3, p_misreport=1.0)
    reported = env.snapshot()["tickets"][0]["component"]
    for name in ("fifo", "edf", "severity", "cost_rate"):
        actions = ttm.baselines.agent_actions_from(ttm.baselines.make_policy(name), env.env)
        assert actions == {**noop_all(env), "engineer_0": action(config, ttm.AgentVerb.ROUTE, 0, group=1 + reported)}
    coordinator = ttm.TicketTriageEnv(config=config)
    coordinator.reset(seed=0)
    chosen = ttm.baselines.coordinator_action_from(ttm.baselines.make_policy("cost_rate"), coordinator)
    assert ttm.decode_coordinator_action(chosen, config) == (ttm.Verb.ROUTE, 0, 1 + reported)


def test_the_routing_rule_leaves_a_ticket_with_a_group_as_skilled_as_any():
    env, config = make(horizon=3, skills=((2.0, 2.0), (2.0, 0.5), (0.5, 2.0)))
    actions = ttm.baselines.agent_actions_from(ttm.baselines.make_policy("cost_rate"), env.env)
    assert actions == {**noop_all(env), "engineer_0": action(config, ttm.AgentVerb.WORK, 0)}


def test_a_component_mix_draws_components_in_its_shares():
    config = quiet_config(n_components=3, component_mix=(0.0, 1.0, 0.0), initial_backlog=5, max_tickets=5)
    env = ttm.parallel_env(config=config)
    env.reset(seed=3)
    assert {ticket["component"] for ticket in env.snapshot()["tickets"]} == {1}
    with pytest.raises(ValueError, match="component_mix must be n_components probabilities"):
        quiet_config(n_components=2, component_mix=(0.5, 0.6))


def test_routing_shares_of_the_fit_follow_the_closed_form():
    """Two components, no misreports: component-0 tickets always start at the desk, the others with
    entry_share, and those move on; so 'first at the desk' = m0 + (1 - m0) e and 'outside' = (1 - m0) e."""
    from ticket_triage_marl.data.teams import routing_shares

    at_entry, outside = routing_shares(np.array([0.4, 0.6]), 0.5, 0.0)
    assert at_entry == pytest.approx(0.4 + 0.6 * 0.5) and outside == pytest.approx(0.6 * 0.5)


def test_the_uci_desk_fit_reproduces_its_routing_shares():
    from ticket_triage_marl.data import SHIPPED_DATA
    from ticket_triage_marl.data.teams import fit_teams, routing_shares

    log = ttm.read_tickets(SHIPPED_DATA / "tickets_uci_itsm_incidents.csv")
    fitted = fit_teams(log, 12)
    assert fitted["_names"][0] == "Group 70" and len(fitted["groups"]) == 12 and fitted["n_components"] == 5
    real_entry, real_outside = fitted["_real"]
    model_entry, model_outside = routing_shares(np.asarray(fitted["component_mix"]), fitted["entry_share"],
                                                fitted["p_misreport"])  # fmt: skip
    assert abs(model_entry - real_entry) < 0.01 and abs(model_outside - real_outside) < 0.01


def test_an_episode_report_counts_routes_and_links(tmp_path):
    """A recording with ROUTE and LINK actions decodes (their blocks follow the config) and the report counts
    them per engineer."""
    from ticket_triage_marl.cli import main as cli_main
    from ticket_triage_marl.reports.episode import analyze_recording

    path = tmp_path / "teams.jsonl"
    settings = ["--set", "p_incident=0.2", "--set", "incident_size_mean=4.0", "--set", "groups=[0, 1, 2]"]
    settings += ["--set", "skills=[[1.0, 1.0, 1.0, 1.0], [2.0, 2.0, 0.5, 0.5], [0.5, 0.5, 2.0, 2.0]]"]
    assert cli_main(["rollout", "--api", "parallel", "--steps", "120", "--out", str(path), *settings]) == 0
    series = analyze_recording(path)
    assert series.events["route"].sum() > 0 and series.events["link"].sum() > 0


def test_every_engineers_mask_is_exact_with_teams_and_links():
    """At states reached by random masked actions, each engineer's every action applies without the invalid
    flag if and only if its mask allows it (the others NOOP): ROUTE, LINK and the group rule included."""
    config = quiet_config(
        n_engineers=3, max_tickets=4, n_components=2, groups=(0, 1, 1), p_new_ticket=0.6, p_misreport=0.3,
        skills=((1.0, 1.0), (2.0, 0.5), (0.5, 2.0)), handoff_steps=1, p_incident=0.3, incident_size_mean=3.0,
        incident_window=2, max_deferrals=1, max_escalated=1, horizon=60,
    )  # fmt: skip
    env = ttm.parallel_env(config=config)
    observations, _ = env.reset(seed=4)
    rng = np.random.default_rng(0)
    checked = {True: 0, False: 0}
    for step in range(40):
        if step % 4 == 3:
            checkpoint = env.clone_state()
            for agent in env.agents:
                mask = observations[agent]["action_mask"]
                for action in range(mask.shape[0]):
                    env.restore_state(checkpoint)
                    _, _, _, _, infos = env.step({**noop_all(env), agent: action})
                    assert infos[agent]["invalid_action"] == (mask[action] == 0), (step, agent, action)
                    checked[bool(mask[action])] += 1
            env.restore_state(checkpoint)
        actions = {a: int(rng.choice(np.flatnonzero(observations[a]["action_mask"]))) for a in env.agents}
        observations, *_ = env.step(actions)
    assert checked[True] > 50 and checked[False] > 200


def test_a_drawn_hand_off_is_waited_out_off_the_board_and_comes_back_to_its_new_group():
    """handoff_sigma > 0: routed in step 1, the ticket leaves the board for the awaiting area (not awaiting:
    listed under "handed_off", no awaiting mechanic needed) for its drawn time d + 1 (the rest of step 1
    counted), in transit all along; it is back in a slot of its new group after step d + 1, its SLA having
    run meanwhile (SLA 100 steps)."""
    env, config = make(horizon=400, handoff_steps=20, handoff_sigma=1.0, sla_steps=(100, 100, 100, 100))
    env.step({**noop_all(env), "engineer_0": action(config, ttm.AgentVerb.ROUTE, 0, group=2)})
    snapshot = env.snapshot()
    assert snapshot["tickets"] == [] and "awaiting" not in snapshot
    (moved,) = snapshot["handed_off"]
    assert (moved["group"], moved["reassignments"], moved["handed_off_for"], moved["blocked"]) == (2, 1, 1, 0)
    left = secret(snapshot, moved["id"])["returns_in"]
    assert left >= 1 and env.sim.state.routing_i[0, L.IN_TRANSIT] == env.sim.state.routing_i[0, L.OFF_BOARD] == 1
    for _ in range(left - 1):
        env.step(noop_all(env))
        assert env.snapshot()["tickets"] == []
    env.step(noop_all(env))
    snapshot = env.snapshot()
    (back,) = snapshot["tickets"]
    assert (back["id"], back["group"], back["in_transit"], snapshot["handed_off"]) == (moved["id"], 2, 0, [])
    assert back["sla_remaining"] == 100 - (left + 1) and env.sim.state.routing_i[0, L.IN_TRANSIT] == 0
    assert env.action_masks()["engineer_2"][action(config, ttm.AgentVerb.WORK, 0)] == 1


def test_a_ticket_first_worked_in_its_group_is_handed_to_a_colleague_with_p_reassign():
    """Groups (0, 0, 1): p_reassign 1 passes the ticket on at the end of the step its work first progresses
    in its group, even if that work finished it (work 1: 0.01 is left to close it after), to its own group,
    in transit 2 steps in its slot; p_reassign 0 resolves it in step 1."""
    for p_reassign, work_mean in ((1.0, 3.0), (1.0, 1.0)):
        env, config = make(groups=(0, 0, 1), horizon=5, handoff_steps=2, p_reassign=p_reassign, work_mean=work_mean)
        env.step({**noop_all(env), "engineer_0": action(config, ttm.AgentVerb.WORK, 0)})
        snapshot = env.snapshot()
        (ticket,) = snapshot["tickets"]
        assert (ticket["group"], ticket["reassignments"], ticket["in_transit"]) == (0, 1, 2)
        assert ticket["work_remaining"] == pytest.approx(max(work_mean - 1.0, 0.01))
        assert snapshot["engineers"][0]["ticket"] is None and env.closed_tickets() == []
    env, config = make(groups=(0, 0, 1), horizon=5, handoff_steps=2, p_reassign=0.0, work_mean=1.0)
    env.step({**noop_all(env), "engineer_0": action(config, ttm.AgentVerb.WORK, 0)})
    assert env.snapshot()["tickets"] == [] and env.closed_tickets()[0]["reassignments"] == 0


def test_a_ticket_of_the_bouncing_kind_is_handed_to_a_colleague_with_p_reassign_bouncing():
    """bouncing_share 1: every ticket is of the bouncing kind and passes on with p_reassign_bouncing (1), though
    p_reassign is 0; its kind shows in the hidden part only. bouncing_share 0: p_reassign_bouncing is unused."""
    env, config = make(groups=(0, 0, 1), horizon=5, handoff_steps=2, p_reassign=0.0, work_mean=3.0,
                       bouncing_share=1.0, p_reassign_bouncing=1.0)  # fmt: skip
    ticket_id = env.snapshot()["tickets"][0]["id"]
    assert secret(env.snapshot(hidden=True), ticket_id)["bouncing"] is True
    env.step({**noop_all(env), "engineer_0": action(config, ttm.AgentVerb.WORK, 0)})
    (ticket,) = env.snapshot()["tickets"]
    assert (ticket["group"], ticket["reassignments"], ticket["in_transit"]) == (0, 1, 2)
    env, config = make(groups=(0, 0, 1), horizon=5, handoff_steps=2, p_reassign=0.0, work_mean=1.0,
                       bouncing_share=0.0, p_reassign_bouncing=1.0)  # fmt: skip
    env.step({**noop_all(env), "engineer_0": action(config, ttm.AgentVerb.WORK, 0)})
    assert env.snapshot()["tickets"] == [] and env.closed_tickets()[0]["reassignments"] == 0
    assert "bouncing" not in secret(make(groups=(0, 0, 1))[0].snapshot(hidden=True), ticket_id)


def test_each_ticket_reassigns_with_the_probability_of_its_hidden_kind():
    """bouncing_share 0.5, p_reassign 0, p_reassign_bouncing 1: of 40 new tickets each first worked in its
    group, exactly those whose hidden kind is bouncing are handed to a colleague (both kinds occur)."""
    config = quiet_config(**{**TEAMS, "groups": (0,) * 40 + (1,), "n_engineers": 41, "max_tickets": 40,
                             "skills": ((1.0, 1.0),) * 41, "initial_backlog": 40, "horizon": 5, "handoff_steps": 2,
                             "bouncing_share": 0.5, "p_reassign_bouncing": 1.0})  # fmt: skip
    env = Env(config)
    kinds = {t["id"]: secret(env.snapshot(hidden=True), t["id"])["bouncing"] for t in env.snapshot()["tickets"]}
    assert 5 < sum(kinds.values()) < 35
    env.step({f"engineer_{k}": action(config, ttm.AgentVerb.WORK, k) for k in range(40)} | {"engineer_40": 0})
    passed = {t["id"]: t["reassignments"] == 1 for t in env.snapshot()["tickets"] if t["reassignments"]}
    assert passed == {i: True for i, bouncing in kinds.items() if bouncing}


def test_a_new_ticket_at_a_specialist_group_waits_off_the_board_until_it_is_picked_up():
    """entry_share 0: every new ticket arrives at its component's home, a specialist (1 or 2). pickup_share 1,
    pickup_steps 5, log-sd 0: the ticket arriving in step 1 leaves the board at once for the area, listed under
    "handed_off" with "pickup" (not a reassignment), in transit; it is back in a slot of that group after step
    1 + 5, its SLA (100 steps, from its arrival at T 0) having run meanwhile. entry_share 1: nobody waits;
    nor does a ticket of the initial backlog."""
    env, config = make(initial_backlog=0, p_new_ticket=1.0, entry_share=0.0, horizon=20, pickup_share=1.0,
                       pickup_steps=5, sla_steps=(100, 100, 100, 100))  # fmt: skip
    env.step(noop_all(env))
    snapshot = env.snapshot()
    (waiting,) = snapshot["handed_off"]
    assert snapshot["tickets"] == [] and "awaiting" not in snapshot
    assert (waiting["pickup"], waiting["reassignments"], waiting["handed_off_for"], waiting["blocked"]) == (
        True,
        0,
        0,
        0,
    )
    assert waiting["group"] in (1, 2) and waiting["group"] == waiting["first_group"]
    assert env.sim.state.routing_i[0, L.IN_TRANSIT] == env.sim.state.routing_i[0, L.OFF_BOARD] == 1
    for step in range(2, 6):
        env.step(noop_all(env))
        assert env.snapshot()["tickets"] == [] and len(env.snapshot()["handed_off"]) == step
    env.step(noop_all(env))
    (back,) = env.snapshot()["tickets"]
    assert (back["id"], back["group"], back["reassignments"], back["sla_remaining"]) == (
        waiting["id"],
        waiting["group"],
        0,
        100 - 6,
    )
    assert env.action_masks()[f"engineer_{back['group']}"][action(config, ttm.AgentVerb.WORK, 0)] == 1
    env, config = make(initial_backlog=0, p_new_ticket=1.0, entry_share=1.0, horizon=20, pickup_share=1.0,
                       pickup_steps=5)  # fmt: skip
    env.step(noop_all(env))
    assert len(env.snapshot()["tickets"]) == 1 and env.snapshot()["handed_off"] == []
    env, _ = make(initial_backlog=1, entry_share=0.0, horizon=20, pickup_share=1.0, pickup_steps=5)
    env.step(noop_all(env))  # a ticket there from the start is not new in step 1
    assert len(env.snapshot()["tickets"]) == 1 and env.snapshot()["handed_off"] == []


def test_new_tickets_waiting_for_pickup_leave_the_queue_which_closes_up_behind_them():
    """One slot, held by the initial ticket; every later arrival queues. pickup_share 1, entry_share 0.5: the
    new tickets at a specialist leave the queue for the area, those at the entry desk stay queued in arrival
    order, and none is lost."""
    env, _ = make(max_tickets=1, initial_backlog=1, p_new_ticket=1.0, entry_share=0.5, horizon=40,
                       pickup_share=1.0, pickup_steps=1000, pickup_sigma=1.0)  # fmt: skip
    for _ in range(20):
        env.step(noop_all(env))
    snapshot = env.snapshot()
    queued, waiting = snapshot["queue"], snapshot["handed_off"]
    assert [t["group"] for t in queued] == [0] * len(queued) and {t["group"] for t in waiting} <= {1, 2}
    assert [t["id"] for t in queued] == sorted(t["id"] for t in queued)
    assert len(queued) > 2 and len(waiting) > 2 and len(queued) + len(waiting) + 1 == env.sim.counters(0)["arrived"]


def test_hand_offs_between_engineers_need_groups():
    with pytest.raises(ValueError, match="set groups"):
        ttm.EnvConfig(p_reassign=0.5)
    with pytest.raises(ValueError, match="set groups"):
        ttm.EnvConfig(handoff_sigma=1.0)
    with pytest.raises(ValueError, match="set groups"):
        ttm.EnvConfig(pickup_share=0.5)
    with pytest.raises(ValueError, match="set groups"):
        ttm.EnvConfig(bouncing_share=0.5)


def test_the_fit_recovers_a_known_hand_off_time():
    """Synthetic tickets reassigned 1-3 times whose net times are sums of lognormal hand-offs (median 20 h,
    log-sd 1): the fit finds them within its grid's resolution."""
    from types import SimpleNamespace

    from ticket_triage_marl.data import SHIPPED_DATA
    from ticket_triage_marl.data.teams import HANDOFF_MEDIANS, fit_handoff

    log = ttm.read_tickets(SHIPPED_DATA / "tickets_uci_itsm_incidents.csv")
    rng = np.random.default_rng(1)
    counts = rng.integers(1, 4, size=log.resolution_hours.size).astype(np.float64)
    hours = np.array([np.exp(np.log(20.0) + rng.standard_normal(int(k))).sum() for k in counts])
    synthetic = SimpleNamespace(resolution_hours=hours, reassignments=counts, awaiting_hours=None)  # what it reads
    median, sigma = fit_handoff(synthetic)
    step = HANDOFF_MEDIANS[1] / HANDOFF_MEDIANS[0]
    assert 20.0 / step**1.5 <= median <= 20.0 * step**1.5 and abs(sigma - 1.0) <= 0.3


def synthetic_groups(n, first_group, counts, hours=None, awaiting=None):
    """What the teams fits read of an export: every ticket finishing in its first group."""
    from types import SimpleNamespace

    groups = tuple(first_group)
    return SimpleNamespace(group=groups, final_group=groups, reassignments=np.asarray(counts, dtype=np.float64),
                           resolution_hours=hours, awaiting_hours=awaiting)  # fmt: skip


def test_the_fit_recovers_a_known_mixture_of_two_reassignment_kinds():
    """20,000 tickets, 25% of a kind reassigned each visit with p 0.7, the rest with 0.2 (geometric counts):
    the maximum-likelihood grid finds both kinds within 0.03; tickets of one kind only fit no second one."""
    from ticket_triage_marl.data.teams import fit_reassignments

    rng = np.random.default_rng(3)
    bouncing = rng.random(20_000) < 0.25
    counts = rng.geometric(1.0 - np.where(bouncing, 0.7, 0.2)) - 1  # failures before the first success
    fitted = fit_reassignments(synthetic_groups(20_000, ["A"] * 20_000, counts))
    assert fitted["bouncing_share"] == pytest.approx(0.25, abs=0.03)
    assert fitted["p_reassign"] == pytest.approx(0.2, abs=0.03)
    assert fitted["p_reassign_bouncing"] == pytest.approx(0.7, abs=0.03)
    one_kind = fit_reassignments(synthetic_groups(20_000, ["A"] * 20_000, rng.geometric(0.6, 20_000) - 1))
    assert one_kind.get("bouncing_share", 0.0) < 0.05 and one_kind["p_reassign"] == pytest.approx(0.4, abs=0.03)


def test_the_fit_recovers_a_known_pick_up_time_of_tickets_filed_with_a_specialist():
    """Tickets at the entry desk E take 0.1-0.5 h; those filed with specialist S the same plus, for 40% of
    them, a lognormal pick-up (median 30 h, log-sd 1.5): the fit finds the share, median and log-sd within
    its grid's resolution. Reassigned or awaiting tickets (some of S's, far longer here) do not count."""
    from ticket_triage_marl.data.teams import HANDOFF_MEDIANS, fit_pickup

    rng = np.random.default_rng(4)
    n = 8000
    first = np.where(rng.random(n) < 0.5, "E", "S")
    hours = rng.uniform(0.1, 0.5, n) + np.where(
        (first == "S") & (rng.random(n) < 0.4), np.exp(np.log(30.0) + 1.5 * rng.standard_normal(n)), 0.0
    )
    counts = np.where((first == "S") & (rng.random(n) < 0.3), 1, 0)
    awaiting = np.where((first == "S") & (rng.random(n) < 0.3), 100.0, 0.0)
    hours = hours + 1000.0 * counts + awaiting
    share, median, sigma = fit_pickup(synthetic_groups(n, first, counts, hours, awaiting), "E")
    step = HANDOFF_MEDIANS[1] / HANDOFF_MEDIANS[0]
    assert share == pytest.approx(0.4, abs=0.06) and abs(sigma - 1.5) <= 0.3
    assert 30.0 / step**1.5 <= median <= 30.0 * step**1.5
