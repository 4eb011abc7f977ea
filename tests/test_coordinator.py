"""The single-agent coordinator (SPEC section 5): spaces, masks, Gymnasium contract,
the seed README's snippets, rendering, and proof that it is a thin wrapper."""

from __future__ import annotations

import copy
import itertools
import re

import gymnasium as gym
import numpy as np
import pytest
from conftest import CONFIG_FILES
from gymnasium.utils.env_checker import check_env

import ticket_triage_marl as ttm
from ticket_triage_marl import CoordinatorWrapper, TicketTriageEnv, Verb
from ticket_triage_marl._core.features import N_ENGINEER_FEATURES as H
from ticket_triage_marl._core.features import N_GLOBAL as G
from ticket_triage_marl._core.features import N_TICKET_FEATURES as F
from ticket_triage_marl._core.features import TICKET_FIELDS, offset
from ticket_triage_marl.baselines import random_masked_action

INFO_KEYS = {
    "action_mask",
    "backlog_count",
    "total_resolved",
    "total_breaches",
    "reward_breakdown",
    "invalid_action",
    "t",
}


def masked_random(rng: np.random.Generator, info: dict) -> int:
    return random_masked_action(rng, info["action_mask"])


# -- spaces ---------------------------------------------------------------------------------


def test_default_spaces_are_the_seeds():
    env = TicketTriageEnv()
    assert env.action_space == gym.spaces.Discrete(1 + 10 * 3 + 4 * 10)
    assert env.observation_space.shape == (104,)
    assert env.observation_space.dtype == np.float32
    assert env.config == ttm.EnvConfig()


@pytest.mark.parametrize("overrides", [{}, {"n_engineers": 5, "max_tickets": 7}, {"n_engineers": 1, "max_tickets": 1}])
def test_bounds_equal_the_multiagent_observation_prefix(overrides):
    env = TicketTriageEnv(**overrides)
    agent_space = env.parallel.observation_space("engineer_0")["observation"]
    size = env.observation_space.shape[0]
    config = env.config
    assert size == G + F * config.max_tickets + H * config.n_engineers
    np.testing.assert_array_equal(env.observation_space.low, agent_space.low[:size])
    np.testing.assert_array_equal(env.observation_space.high, agent_space.high[:size])
    sla_columns = [G + F * slot + offset(TICKET_FIELDS, "sla_remaining") for slot in range(config.max_tickets)]
    assert set(np.flatnonzero(env.observation_space.low < 0)) == set(sla_columns)
    assert env.action_space.n == 1 + config.max_tickets * config.n_engineers + 4 * config.max_tickets


def test_spaces_are_built_once():
    env = TicketTriageEnv()
    assert env.observation_space is env.observation_space
    space = env.action_space
    env.reset(seed=0)
    assert env.action_space is space


def test_dict_format_holds_the_flat_values():
    flat = TicketTriageEnv(max_tickets=6, n_engineers=4)
    nested = TicketTriageEnv(max_tickets=6, n_engineers=4, observation_format="dict")
    assert nested.observation_space["global"].shape == (G,)
    assert nested.observation_space["tickets"].shape == (6, F)
    assert nested.observation_space["engineers"].shape == (4, H)
    rng = np.random.default_rng(0)
    observation, info = flat.reset(seed=3)
    nested_observation, _ = nested.reset(seed=3)
    for _ in range(40):
        assert nested_observation in nested.observation_space
        joined = np.concatenate([nested_observation[key].ravel() for key in ("global", "tickets", "engineers")])
        np.testing.assert_array_equal(joined, observation)
        action = masked_random(rng, info)
        observation, _, _, _, info = flat.step(action)
        nested_observation, *_ = nested.step(action)


def test_bad_observation_format_and_wrapped_object():
    with pytest.raises(ValueError, match="observation_format"):
        TicketTriageEnv(observation_format="image")
    with pytest.raises(TypeError, match="TicketTriageParallelEnv"):
        CoordinatorWrapper(ttm.raw_env())


# -- construction -------------------------------------------------------------------------------


def test_constructor_forms():
    config = ttm.EnvConfig(n_engineers=4, max_tickets=8)
    assert TicketTriageEnv(config).config == config  # positional, as in the seed README
    assert TicketTriageEnv(config=config, horizon=50).config == config.replace(horizon=50)
    assert TicketTriageEnv({"n_engineers": 2}).config.n_engineers == 2
    assert TicketTriageEnv(max_cycles=30).config.horizon == 30
    with pytest.raises(ValueError, match="n_engineers"):
        TicketTriageEnv(n_engineers=0)
    with pytest.raises(ValueError, match="render_mode"):
        TicketTriageEnv(render_mode="video")


def test_rllib_env_context_as_the_only_positional_argument():
    """RLlib builds a ``gym.Env`` class as ``cls(env_context)``: its ``EnvContext`` is a dict subclass."""

    class EnvContext(dict):  # what ray.rllib.env.env_context.EnvContext looks like to the constructor
        worker_index = 0
        num_workers = 0

    assert TicketTriageEnv(EnvContext()).config == ttm.EnvConfig()
    assert TicketTriageEnv(EnvContext(horizon=20, n_engineers=2)).config == ttm.EnvConfig(horizon=20, n_engineers=2)
    with pytest.raises(ValueError, match="unknown config key"):
        TicketTriageEnv(EnvContext(num_envs=4))


def test_wrapper_over_an_existing_parallel_env():
    par = ttm.parallel_env(n_engineers=2, horizon=10)
    env = CoordinatorWrapper(par)
    assert env.config is par.config
    assert env.sim is par.sim
    env.reset(seed=1)
    for _ in range(10):
        *_, truncated, _ = env.step(0)
    assert truncated
    assert par.agents == []  # the wrapped env sees the episode end too


# -- the Gymnasium contract -------------------------------------------------------------------------


def test_reset_and_step_contract():
    env = TicketTriageEnv(horizon=25)
    observation, info = env.reset(seed=11)
    assert observation in env.observation_space
    assert set(info) == INFO_KEYS
    assert info["t"] == 0 and info["invalid_action"] == 0
    rng = np.random.default_rng(0)
    for step in range(1, 26):
        observation, reward, terminated, truncated, info = env.step(masked_random(rng, info))
        assert observation in env.observation_space
        assert isinstance(reward, float)
        assert terminated is False
        assert truncated is (step == 25)
        assert set(info) == INFO_KEYS
        assert info["t"] == step
        assert info["action_mask"].dtype == bool
        np.testing.assert_array_equal(info["action_mask"], env.action_masks())
        assert reward == pytest.approx(sum(info["reward_breakdown"].values()), abs=1e-12)
        snapshot = env.snapshot()
        assert info["backlog_count"] == len(snapshot["tickets"]) + len(snapshot["queue"])
        assert info["total_resolved"] == snapshot["counters"]["resolved"]
        assert info["total_breaches"] == snapshot["counters"]["breaches"]
    with pytest.raises(RuntimeError, match=r"after the episode ended.*reset\(\)"):
        env.step(0)
    env.reset()  # next episode of the same stream
    env.step(0)


def test_calls_before_reset_raise():
    env = TicketTriageEnv(render_mode="ansi")
    for call in (lambda: env.step(0), env.action_masks, env.snapshot, env.render):
        with pytest.raises(RuntimeError, match="before reset"):
            call()


@pytest.mark.parametrize(
    ("action", "error"),
    [(71, ValueError), (-1, ValueError), (10**9, ValueError), (1.0, TypeError), ("3", TypeError), (None, TypeError),
     (True, TypeError), (np.array([1, 2]), ValueError)],
)  # fmt: skip
def test_out_of_space_actions_raise_naming_the_action(action, error):
    env = TicketTriageEnv()
    env.reset(seed=0)
    with pytest.raises(error, match="coordinator") as caught:
        env.step(action)
    if not isinstance(action, np.ndarray):
        assert repr(action) in str(caught.value) or str(action) in str(caught.value)
    assert env.snapshot()["t"] == 0  # nothing was applied


def test_numpy_actions_are_accepted():
    env = TicketTriageEnv()
    env.reset(seed=0)
    for action in (np.int64(1), np.array(2), np.array([3]), np.int32(0)):
        env.step(action)
    assert env.snapshot()["t"] == 4


def test_seeding_restarts_and_continues_the_stream():
    env = TicketTriageEnv(horizon=15)

    def episode() -> list:
        out = []
        for _ in range(15):
            observation, reward, *_ = env.step(0)
            out.append((observation.tobytes(), reward))
        return out

    env.reset(seed=5)
    first = episode()
    env.reset()
    second = episode()
    env.reset(seed=5)
    assert episode() == first
    env.reset()
    assert episode() == second
    assert first != second


def test_registered_with_gymnasium_and_kwargs_pass_through():
    assert "TicketTriage-v0" in gym.registry
    spec = gym.spec("TicketTriage-v0")
    assert spec.entry_point == "ticket_triage_marl.envs.coordinator:TicketTriageEnv"
    assert spec.max_episode_steps is None  # the env truncates itself at config.horizon
    env = gym.make("TicketTriage-v0", n_engineers=5)
    assert env.unwrapped.config.n_engineers == 5
    observation, _ = env.reset(seed=0)
    assert observation.shape == (G + F * 10 + H * 5,)
    assert env.action_space.n == 1 + 10 * 5 + 40
    env.step(0)
    env.close()
    ttm._register_gymnasium_envs()  # registering again is a no-op, not a warning


@pytest.mark.parametrize("observation_format", ["flat", "dict"])
def test_gymnasium_check_env(observation_format, capsys):
    env = gym.make("TicketTriage-v0", observation_format=observation_format, horizon=50)
    check_env(env.unwrapped, skip_render_check=False)  # also builds one env per render mode through the spec
    assert "Top tickets:" in capsys.readouterr().out  # the "human" mode printed


@pytest.mark.parametrize("path", CONFIG_FILES, ids=lambda path: path.stem)
def test_gymnasium_check_env_every_config_file(path):
    env = gym.make("TicketTriage-v0", config=ttm.load_config(path))
    check_env(env.unwrapped, skip_render_check=True)


def test_gym_make_episode_runs_to_the_horizon():
    env = gym.make("TicketTriage-v0", horizon=30)
    env.reset(seed=0)
    steps = 0
    truncated = False
    while not truncated:
        *_, truncated, _ = env.step(0)
        steps += 1
    assert steps == 30


# -- masks are exact -----------------------------------------------------------------------------------


def _states(config: ttm.EnvConfig, seed: int, count: int, every: int):
    """Envs at ``count`` states reached by masked random actions (plus some unmasked ones)."""
    env = TicketTriageEnv(config)
    _, info = env.reset(seed=seed)
    rng = np.random.default_rng(seed)
    for index in range(count * every):
        if index % every == every - 1:
            yield env
        action = masked_random(rng, info) if rng.random() < 0.9 else int(rng.integers(env.action_space.n))
        *_, truncated, info = env.step(action)
        if truncated:
            _, info = env.reset()


@pytest.mark.parametrize(
    "config",
    [
        ttm.EnvConfig(r_invalid=-0.5, max_escalated=1, p_new_ticket=0.7),
        ttm.EnvConfig(r_invalid=-0.5, n_engineers=4, shift_period=8, shift_length=3, max_tickets=5, max_deferrals=1),
        ttm.EnvConfig(
            r_invalid=-0.5,
            n_engineers=4,
            max_tickets=5,
            groups=(0, 0, 1, 2),
            p_misreport=0.3,
            entry_share=0.5,
            skills=((1.0, 1.0, 1.0, 1.0), (1.0, 1.0, 1.0, 1.0), (2.0, 2.0, 0.5, 0.5), (0.5, 0.5, 2.0, 2.0)),
            handoff_steps=1,
            p_incident=0.2,
            incident_size_mean=3.0,
            incident_window=3,
            p_new_ticket=0.4,
        ),
    ],
    ids=["default-ish", "shifts", "teams-and-links"],
)
def test_masks_are_exact(config):
    """Every allowed action applies without the invalid flag; every forbidden one
    is flagged, costs r_invalid and leaves the state exactly as NOOP would."""
    n_actions = TicketTriageEnv(config).action_space.n
    checked_invalid = checked_valid = 0
    for env in _states(config, seed=2, count=12, every=9):
        mask = env.action_masks()
        noop_twin = copy.deepcopy(env)
        _, noop_reward, _, _, noop_info = noop_twin.step(0)
        noop_snapshot = noop_twin.snapshot()
        for action in range(n_actions):
            twin = copy.deepcopy(env)
            _, reward, _, _, info = twin.step(action)
            if mask[action]:
                assert info["invalid_action"] == 0, action
                checked_valid += 1
            else:
                assert info["invalid_action"] == 1, action
                assert twin.snapshot() == noop_snapshot, action
                assert reward == pytest.approx(noop_reward + config.r_invalid), action
                np.testing.assert_array_equal(info["action_mask"], noop_info["action_mask"])
                checked_invalid += 1
    assert checked_valid > 100 and checked_invalid > 100


def test_invalid_flag_and_mask_of_specific_actions():
    config = ttm.EnvConfig(initial_backlog=2, p_new_ticket=0.0, max_escalated=1)
    env = TicketTriageEnv(config)
    _, info = env.reset(seed=0)
    mask = info["action_mask"]
    occupied = {ticket["slot"] for ticket in env.snapshot()["tickets"]}
    empty_slot = next(slot for slot in range(config.max_tickets) if slot not in occupied)
    assert mask[0]
    assert not mask[ttm.coordinator_action(Verb.ASSIGN, empty_slot, 0, config)]
    assert not mask[ttm.coordinator_action(Verb.SWARM, empty_slot, 0, config)]
    slot = min(occupied)
    escalate = ttm.coordinator_action(Verb.ESCALATE, slot, 0, config)
    assert mask[escalate]
    _, _, _, _, info = env.step(escalate)
    assert info["invalid_action"] == 0 and info["reward_breakdown"]["escalate"] == config.r_escalate
    assert not info["action_mask"][escalate]  # the pool of one expert is busy
    _, _, _, _, info = env.step(escalate)
    assert info["invalid_action"] == 1


def test_swarm_puts_every_engineer_on_the_ticket():
    config = ttm.EnvConfig(initial_backlog=1, p_new_ticket=0.0, n_engineers=4)
    env = TicketTriageEnv(config)
    env.reset(seed=0)
    slot = env.snapshot()["tickets"][0]["slot"]
    _, _, _, _, info = env.step(ttm.coordinator_action(Verb.SWARM, slot, 0, config))
    assert info["reward_breakdown"]["swarm"] == config.r_swarm
    assert env.last_engineer_actions.tolist() == [1 + slot] * 4
    assert all(engineer["ticket"] in (slot, None) for engineer in env.snapshot()["engineers"])


# -- thin wrapper: the coordinator is the parallel env driven by the mapped actions ----------------------------


@pytest.mark.parametrize(
    "config",
    [
        ttm.EnvConfig(r_invalid=-0.3),
        ttm.EnvConfig(n_engineers=4, shift_period=6, shift_length=4, reward_mode="individual"),
    ],
    ids=["default", "shifts-individual"],
)
def test_coordinator_equals_parallel_env_driven_by_its_joint_actions(config):
    coordinator = TicketTriageEnv(config)
    parallel = ttm.parallel_env(config=config)
    observation, info = coordinator.reset(seed=9)
    observations, _ = parallel.reset(seed=9)
    rng = np.random.default_rng(1)
    size = observation.size
    truncated = False
    while not truncated:
        np.testing.assert_array_equal(observations["engineer_0"]["observation"][:size], observation)
        action = masked_random(rng, info) if rng.random() < 0.8 else int(rng.integers(coordinator.action_space.n))
        observation, reward, _, truncated, info = coordinator.step(action)
        joint = coordinator.last_engineer_actions
        observations, rewards, _, truncations, _ = parallel.step(
            {agent: int(joint[i]) for i, agent in enumerate(parallel.possible_agents)}
        )
        assert coordinator.snapshot() == parallel.snapshot()
        team = sum(rewards.values()) if config.reward_mode == "individual" else rewards["engineer_0"]
        extra = info["reward_breakdown"]["swarm"] + info["reward_breakdown"]["invalid"]
        assert reward == pytest.approx(team + extra, abs=1e-9)
        assert all(value == truncated for value in truncations.values())
    assert parallel.agents == []


# -- the seed README's snippets, with only the import path changed ------------------------------------------


def test_seed_basic_usage_snippet(capsys):
    def your_policy(obs):
        return 0

    from ticket_triage_marl import TicketTriageEnv

    # Create environment
    env = TicketTriageEnv()

    # Reset and start episode
    obs, info = env.reset(seed=42)

    # Run simulation
    for step in range(200):
        # Your policy here (e.g., assign oldest ticket to idle engineer)
        action = your_policy(obs)

        obs, reward, terminated, truncated, info = env.step(action)

        print(f"Step {step}: Reward = {reward:.2f}, Backlog = {info['backlog_count']}")

        if terminated or truncated:
            break

    print(f"Total resolved: {info['total_resolved']}")

    out = capsys.readouterr().out
    assert "Step 199: Reward = " in out
    assert "Total resolved: 0" in out  # nobody was ever assigned


def test_seed_configuration_snippet():
    from ticket_triage_marl import TicketTriageEnv
    from ticket_triage_marl.utils import EnvConfig

    # Custom configuration
    config = EnvConfig(
        n_engineers=5,  # Team size
        max_tickets=20,  # Backlog capacity
        horizon=500,  # Episode length
        p_new_ticket=0.5,  # Arrival rate
        r_resolve=2.0,  # Reward for resolution
        r_sla_breach=-0.5,  # Penalty for SLA breach
    )

    env = TicketTriageEnv(config)

    assert env.config is config
    assert env.observation_space.shape == (G + F * 20 + H * 5,)
    assert env.action_space.n == 1 + 20 * 5 + 4 * 20
    env.reset(seed=0)
    truncated = False
    steps = 0
    while not truncated:
        *_, truncated, _ = env.step(0)
        steps += 1
    assert steps == 500


# -- rendering ---------------------------------------------------------------------------------------------

ANSI_LINES = [
    re.compile(r"t=\d+ backlog=\d+ breaches=\d+ resolved=\d+"),
    re.compile(r"Engineers:"),
    re.compile(r"  E\d+: (ticket=\d+ time_on=\d+|idle|off shift)"),
    re.compile(r"Top tickets:"),
    re.compile(r"  T\d+: sev=[1-4] age=\d+ sla=-?\d+ work=\d+\.\d blocked=\d+"),
]


def test_ansi_render_has_the_seeds_shape():
    env = TicketTriageEnv(render_mode="ansi", p_new_ticket=0.8)
    _, info = env.reset(seed=4)
    rng = np.random.default_rng(0)
    for _ in range(60):
        *_, info = env.step(masked_random(rng, info))
    text = env.render()
    lines = text.splitlines()
    assert ANSI_LINES[0].fullmatch(lines[0])
    assert lines[1] == "Engineers:"
    engineer_lines = lines[2 : 2 + env.config.n_engineers]
    assert all(ANSI_LINES[2].fullmatch(line) for line in engineer_lines)
    assert lines[2 + env.config.n_engineers] == "Top tickets:"
    ticket_lines = lines[3 + env.config.n_engineers :]
    assert 1 <= len(ticket_lines) <= 5
    assert all(ANSI_LINES[4].fullmatch(line) for line in ticket_lines)
    snapshot = env.snapshot()
    assert lines[0] == (
        f"t={snapshot['t']} backlog={info['backlog_count']} breaches={info['total_breaches']} "
        f"resolved={info['total_resolved']}"
    )


def test_rgb_array_render_is_a_fixed_size_picture_of_the_state():
    def frames(seed: int, steps: int, config: ttm.EnvConfig | None = None) -> list[np.ndarray]:
        env = TicketTriageEnv(config=config, render_mode="rgb_array")
        _, info = env.reset(seed=seed)
        rng = np.random.default_rng(seed)
        out = [env.render()]
        for _ in range(steps):
            *_, info = env.step(masked_random(rng, info))
            out.append(env.render())
        return out

    run = frames(seed=0, steps=30)
    shape = run[0].shape
    assert len(shape) == 3 and shape[2] == 3 and shape[0] >= 64 and shape[1] >= 64
    for image in run:  # one size for the whole episode (video frames), never blank
        assert isinstance(image, np.ndarray) and image.dtype == np.uint8 and image.shape == shape
        assert (image != image[:1, :1]).any()
    packed = (run[-1].astype(np.uint32) * np.array([1 << 16, 1 << 8, 1], dtype=np.uint32)).sum(axis=2)
    assert len(np.unique(packed)) > 3  # a picture with colours, not a flat fill
    again = frames(seed=0, steps=30)
    assert all(np.array_equal(a, b) for a, b in zip(run, again, strict=True))  # same state, same picture
    for earlier, later in itertools.pairwise(run[:10]):  # the clock and the backlog move every step
        assert not np.array_equal(earlier, later)
    assert not np.array_equal(run[5], frames(seed=1, steps=5)[5])  # another state at the same t
    bigger = frames(seed=0, steps=1, config=ttm.EnvConfig(n_engineers=6, max_tickets=20))
    assert bigger[0].shape == bigger[1].shape and bigger[0].dtype == np.uint8  # a fixed size for any team


def test_human_render_prints_every_step(capsys):
    env = TicketTriageEnv(render_mode="human")
    env.reset(seed=0)
    env.step(0)
    assert env.render() is None
    assert capsys.readouterr().out.count("Top tickets:") == 3  # reset, step, render


def test_render_without_mode_warns():
    env = TicketTriageEnv()
    env.reset(seed=0)
    with pytest.warns(UserWarning, match="render_mode"):
        assert env.render() is None
