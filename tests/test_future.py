"""Futures that can be resampled (``restore_state(checkpoint, future_seed=...)``): the past kept, the future
drawn again, the same seed the same future, and what the agents cannot see of open tickets drawn from its
prior given what they have seen."""

from __future__ import annotations

import copy
import statistics

import numpy as np
import pytest
from conftest import noop_all, quiet_config

import ticket_triage_marl as ttm
from ticket_triage_marl._core import future
from ticket_triage_marl._core import layout as L


def rollout(env, checkpoint, future_seed, steps=40):
    """Restore, then NOOP for ``steps``: the arrivals seen (ids, severities, components shown, steps)."""
    env.restore_state(checkpoint, future_seed=future_seed)
    seen = []
    for _ in range(steps):
        env.step(noop_all(env))
        snapshot = env.snapshot()
        seen.append(tuple((t["id"], t["severity"], t["work_total"]) for t in snapshot["tickets"] + snapshot["queue"]))
    return seen


@pytest.fixture(scope="module")
def busy():
    """The default config after 30 steps of NOOP, and its checkpoint."""
    env = ttm.parallel_env(config=ttm.EnvConfig(horizon=200))
    env.reset(seed=5)
    for _ in range(30):
        env.step(noop_all(env))
    return env, env.clone_state()


def test_the_same_future_seed_gives_the_same_future_and_another_seed_another(busy):
    env, checkpoint = busy
    first, again, other = (rollout(env, checkpoint, seed) for seed in (7, 7, 8))
    assert first == again and first != other


def test_without_a_future_seed_the_true_future_comes_back(busy):
    env, checkpoint = busy
    assert rollout(env, checkpoint, None) == rollout(env, checkpoint, None) != rollout(env, checkpoint, 7)


def visible(snapshot):
    """The part of a snapshot the agents may see (the hidden part is redrawn)."""
    del snapshot["hidden"]
    return snapshot


def test_the_past_is_kept_what_the_agents_see_is_unchanged(busy):
    """After a restore with a future seed: the same observations, masks, counters and visible tickets."""
    env, checkpoint = busy
    env.restore_state(checkpoint)
    before = env.sim.state.observations.copy(), env.sim.state.masks.copy(), visible(env.snapshot())
    env.restore_state(checkpoint, future_seed=123)
    np.testing.assert_array_equal(env.sim.state.observations, before[0])
    np.testing.assert_array_equal(env.sim.state.masks, before[1])
    assert visible(env.snapshot()) == before[2]


def test_a_bad_future_seed_is_refused_with_its_value(busy):
    env, checkpoint = busy
    for bad in (-1, 2**64, 1.5, True, "3"):
        with pytest.raises(ValueError, match="future_seed must be an int in"):
            env.restore_state(checkpoint, future_seed=bad)


def test_ambiguity_is_redrawn_at_its_prior_unless_an_info_request_settled_it():
    """40 open tickets, ambiguous with probability 0.3; a ticket whose info request came back is not ambiguous
    and stays so; the others are ambiguous in about 0.3 of 200 resampled futures."""
    config = quiet_config(max_tickets=40, initial_backlog=40, p_ambiguous=0.3, n_engineers=1, horizon=10)
    env = ttm.parallel_env(config=config)
    env.reset(seed=1)
    env.sim.state.ticket_i[0, 0, L.INFO_REQUESTS] = 1  # as if its info request had come back
    env.sim.state.ticket_i[0, 0, L.AMBIGUOUS] = 0
    checkpoint = env.clone_state()
    shares = []
    for seed in range(200):
        env.restore_state(checkpoint, future_seed=seed)
        ambiguous = env.sim.state.ticket_i[0, :40, L.AMBIGUOUS]
        assert ambiguous[0] == 0
        shares.append(ambiguous[1:].mean())
    assert abs(float(np.mean(shares)) - 0.3) < 0.02  # 7,800 draws: sd 0.005


def test_a_hidden_true_component_is_redrawn_given_the_one_shown_and_a_shown_one_is_kept():
    """Teams, 4 components, reported wrong with probability 0.4 (uniform mix): given what a ticket shows, its
    true component is another with probability 0.4 (Bayes: 0.25 * 0.4 / 0.25), what it shows never changes,
    and a ticket whose true component showed keeps it."""
    config = quiet_config(max_tickets=40, initial_backlog=40, n_components=4, n_engineers=2, groups=(0, 1),
                          p_misreport=0.4, reveal_work=1.0, horizon=10)  # fmt: skip
    env = ttm.parallel_env(config=config)
    env.reset(seed=2)
    state = env.sim.state
    state.ticket_f[0, 0, L.WORK_REMAINING] -= 1.5  # ticket 0: worked past reveal_work, its true component shown
    state.ticket_i[0, 0, L.MISREPORT] = 0
    shown = [t["component"] for t in env.snapshot()["tickets"]]
    true_0 = state.ticket_i[0, 0, L.COMPONENT]
    checkpoint = env.clone_state()
    wrong = []
    for seed in range(100):
        env.restore_state(checkpoint, future_seed=seed)
        snapshot = env.snapshot()
        true = [entry["component"] for entry in snapshot["hidden"]["tickets"]]  # by id: the slots' order here
        assert [t["component"] for t in snapshot["tickets"]] == shown
        assert true[0] == true_0
        wrong.extend(component != seen for component, seen in zip(true[1:], shown[1:], strict=True))
    assert abs(float(np.mean(wrong)) - 0.4) < 0.03  # 3,900 draws: sd 0.008


def test_a_wait_on_others_comes_back_after_a_redrawn_time_given_how_long_it_has_waited():
    """The remaining wait is the wait's lognormal given that it lasted ``waited`` steps: its quantiles match
    rejection sampling of the same lognormal."""
    params = ttm.parallel_env(config=ttm.EnvConfig(p_await=0.5, await_mean=20.0, await_sigma=1.2)).sim.params
    rng = np.random.default_rng(0)
    mu = np.log(20.0) - 0.5 * 1.2**2
    for waited in (0, 10, 60):
        drawn = np.maximum(1, np.round(np.exp(mu + 1.2 * rng.standard_normal(400_000))))
        reference = drawn[drawn > waited] - waited
        remaining = [future.remaining_wait(params, waited, u) for u in (np.arange(4000) + 0.5) / 4000]
        for q in (0.1, 0.5, 0.9):
            assert np.quantile(remaining, q) == pytest.approx(np.quantile(reference, q), rel=0.05, abs=1.0)


def test_the_normal_quantile_matches_the_standard_librarys():
    reference = statistics.NormalDist()
    for p in (1e-12, 1e-6, 0.001, 0.02, 0.0243, 0.3, 0.5, 0.8, 0.99, 1 - 1e-9):
        assert future.normal_quantile(p) == pytest.approx(reference.inv_cdf(p), rel=1e-8, abs=1e-8)


def test_the_awaiting_area_gets_new_return_times_and_keeps_its_tickets():
    config = ttm.load_config("uci_desk_awaiting")
    env = ttm.parallel_env(config=config)
    env.reset(seed=0)
    while env.sim.state.env_i[0, L.AWAITING_OPEN] < 5:
        env.step(noop_all(env))
        for engineer in range(config.n_engineers):  # work every slot so that waits start
            env.sim.state.engineer_i[0, engineer, L.CURRENT_SLOT] = engineer % config.max_tickets
    checkpoint = env.clone_state()
    ids = [t["id"] for t in env.snapshot()["awaiting"]]
    lefts = set()
    for seed in range(5):
        env.restore_state(checkpoint, future_seed=seed)
        assert [t["id"] for t in env.snapshot()["awaiting"]] == ids
        open_count = env.sim.state.env_i[0, L.AWAITING_OPEN]
        lefts.add(tuple(env.sim.state.awaiting_i[0, :open_count, L.AWAIT_LEFT]))
    assert len(lefts) == 5


def test_a_pick_up_gets_a_new_time_from_its_own_law_and_a_bouncing_kind_is_redrawn():
    """Teams with pick-ups of exactly 5 steps (log-sd 0) and hand-offs of 1: a new ticket waiting 1 step so far
    to be picked up has max(1, 5 - 1) = 4 steps left under any future seed (the pick-up's law, not the
    hand-off's); the tickets' hidden reassignment kinds (bouncing_share 0.5) are redrawn at their prior."""
    config = quiet_config(n_engineers=3, max_tickets=4, n_components=2, groups=(0, 1, 2), entry_share=0.0,
                          skills=((1.0, 1.0), (2.0, 0.5), (0.5, 2.0)), p_new_ticket=1.0, horizon=40,
                          pickup_share=1.0, pickup_steps=5, handoff_steps=1, bouncing_share=0.5)  # fmt: skip
    env = ttm.parallel_env(config=config)
    env.reset(seed=0)
    env.step(noop_all(env))
    env.step(noop_all(env))
    checkpoint = env.clone_state()
    first = min(env.snapshot()["handed_off"], key=lambda t: t["id"])
    assert first["pickup"] and first["handed_off_for"] == 1
    kinds = set()
    for seed in range(8):
        env.restore_state(checkpoint, future_seed=seed)
        snapshot = env.snapshot(hidden=True)
        open_count = env.sim.state.env_i[0, L.AWAITING_OPEN]
        row = [int(i) for i in env.sim.state.awaiting_i[0, :open_count, L.TICKET_ID]].index(first["id"])
        assert env.sim.state.awaiting_i[0, row, L.AWAIT_LEFT] == 4
        kinds.add(tuple(t["bouncing"] for t in sorted(snapshot["hidden"]["tickets"], key=lambda t: t["id"])))
    assert len(kinds) > 1


def test_an_ongoing_incidents_size_is_redrawn():
    config = quiet_config(n_engineers=1, max_tickets=50, max_queue=400, p_incident=1.0, incident_size_mean=6.0,
                          incident_size_sigma=1.0, incident_window=20, horizon=30)  # fmt: skip
    env = ttm.parallel_env(config=config)
    env.reset(seed=0)
    env.step(noop_all(env))
    checkpoint = env.clone_state()
    sizes = set()
    for seed in range(10):
        env.restore_state(checkpoint, future_seed=seed)
        sizes.add(int(env.sim.state.incident_i[0, 1, L.INCIDENT_SIZE]))
    assert len(sizes) > 3


def test_the_vector_env_and_the_coordinator_take_a_future_seed():
    vector = ttm.VectorTicketTriage(num_envs=3, config=ttm.EnvConfig(horizon=50))
    vector.reset(seed=0)
    checkpoint = vector.clone_state()
    vector.restore_state(checkpoint, future_seed=4)
    prefixes = vector.sim.state.env_i[:, L.HASH_PREFIX].copy()
    vector.restore_state(checkpoint)
    assert (prefixes != vector.sim.state.env_i[:, L.HASH_PREFIX]).all()
    coordinator = ttm.TicketTriageEnv(ttm.EnvConfig(horizon=50))
    coordinator.reset(seed=0)
    checkpoint = coordinator.clone_state()
    futures = []
    for seed in (1, 1, 2):
        coordinator.restore_state(checkpoint, future_seed=seed)
        for _ in range(30):
            coordinator.step(0)
        futures.append([t["work_total"] for t in coordinator.snapshot()["queue"]])
    assert futures[0] == futures[1] != futures[2]


def test_a_resampled_future_depends_on_nothing_of_the_true_one():
    """Two checkpoints alike in all the agents see, unlike in the true stream and in hidden attributes (the
    ambiguity of open tickets, when a wait on others ends): restored with the same future seed, every array of
    the state is the same."""
    config = ttm.EnvConfig(p_await=0.3, await_mean=20.0, await_sigma=1.0, p_ambiguous=0.5, horizon=200)
    env = ttm.parallel_env(config=config)
    env.reset(seed=0)
    while env.sim.state.env_i[0, L.AWAITING_OPEN] == 0:  # work slots 0-2 until a wait on others has started
        env.step({agent: 1 + index for index, agent in enumerate(env.agents)})
    checkpoint = env.clone_state()
    other = copy.deepcopy(checkpoint)
    arrays = other["sim"]["arrays"]
    arrays["env_i"][0, L.HASH_PREFIX] += 12345
    rows = arrays["ticket_i"][0]
    hidden = (rows[:, L.ACTIVE] == 1) & (rows[:, L.INFO_REQUESTS] == 0)
    rows[hidden, L.AMBIGUOUS] = 1 - rows[hidden, L.AMBIGUOUS]
    assert arrays["env_i"][0, L.AWAITING_OPEN] > 0
    arrays["awaiting_i"][0, : arrays["env_i"][0, L.AWAITING_OPEN], L.AWAIT_LEFT] += 7
    states = []
    for source in (checkpoint, other):
        env.restore_state(source, future_seed=99)
        states.append(env.clone_state()["sim"]["arrays"])
    for name, array in states[0].items():
        if array is not None:
            np.testing.assert_array_equal(array, states[1][name], err_msg=name)


def test_the_snapshot_keeps_what_the_agents_cannot_see_under_hidden():
    """A ticket's entry shows the component it shows; its true component, ambiguity, incident and (awaiting)
    return time are under "hidden", with the reopens due; hidden=False leaves the part out."""
    config = ttm.EnvConfig(p_incident=0.5, groups=(0, 1, 1), p_misreport=0.5, p_ambiguous=0.5, p_await=0.5,
                           p_reopen=0.5, horizon=100)  # fmt: skip
    env = ttm.parallel_env(config=config)
    env.reset(seed=1)
    for _ in range(40):
        env.step({agent: 1 + index for index, agent in enumerate(env.agents)})
    snapshot = env.snapshot()
    listed = snapshot["tickets"] + snapshot["queue"] + snapshot["awaiting"]
    assert snapshot["awaiting"] and snapshot["queue"]
    hidden = snapshot["hidden"]
    assert [entry["id"] for entry in hidden["tickets"]] == sorted(ticket["id"] for ticket in listed)
    for ticket in listed:
        assert not {"ambiguous", "incident", "root", "reported_component"} & set(ticket)
    assert {"component", "ambiguous", "incident", "root"} <= set(hidden["tickets"][0])
    assert all("returns_in" in secret_entry for secret_entry in hidden["tickets"]
               if secret_entry["id"] in {t["id"] for t in snapshot["awaiting"]})  # fmt: skip
    assert {"pending_reopens", "incidents"} <= set(hidden) and "pending_reopens" not in snapshot
    assert "hidden" not in env.snapshot(hidden=False)


@pytest.mark.parametrize("api", ["parallel", "aec"])
def test_a_resampled_future_keeps_every_invariant(api):
    """Every mechanic on; restored with a future seed at step 30 (for the AEC env in the middle of a tick),
    then random allowed actions to the horizon: the conservation and bookkeeping checks of the property tests
    hold at every step."""
    from test_properties import check_bookkeeping, check_snapshot

    config = ttm.EnvConfig(horizon=80, p_await=0.3, await_mean=10.0, p_incident=0.2, groups=(0, 1, 1),
                           p_misreport=0.3, p_ambiguous=0.3, p_dependency=0.2, p_reopen=0.3, max_queue=20)  # fmt: skip
    rng = np.random.default_rng(0)
    if api == "parallel":
        env = ttm.parallel_env(config=config)
        observations, _ = env.reset(seed=2)
        for _ in range(30):
            observations, *_ = env.step(
                {a: int(rng.choice(np.flatnonzero(o["action_mask"]))) for a, o in observations.items()}
            )
        env.restore_state(env.clone_state(), future_seed=5)
        previous = env.snapshot()
        while env.agents:
            observations, *_ = env.step(
                {a: int(rng.choice(np.flatnonzero(o["action_mask"]))) for a, o in observations.items()}
            )
            snapshot = env.snapshot()
            check_snapshot(config, snapshot, previous)
            check_bookkeeping(env, snapshot)
            previous = snapshot
        return
    env = ttm.env(config=config)
    env.reset(seed=2)
    turns = 0
    for _agent in env.agent_iter():
        observation, _, termination, truncation, _ = env.last()
        action = None if termination or truncation else int(rng.choice(np.flatnonzero(observation["action_mask"])))
        env.step(action)
        turns += 1
        if turns == 30 * config.n_engineers + 1:  # engineer 0 has acted in tick 31: mid-tick
            env.unwrapped.restore_state(env.unwrapped.clone_state(), future_seed=5)
        if env.agent_selection == "engineer_0" and env.agents:
            check_bookkeeping(env.unwrapped, env.unwrapped.snapshot())
    assert turns > 30 * config.n_engineers
