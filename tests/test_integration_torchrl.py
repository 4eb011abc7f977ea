"""TorchRL integrations: the stock PettingZooWrapper over both PettingZoo APIs, the native batched
env (TorchRL's checks, partial resets, seeding, equivalence with the vector engine)."""

from __future__ import annotations

import numpy as np
import pytest

pytestmark = [
    pytest.mark.integration,
    # torchrl 0.11 warns on every PettingZoo but 1.24.3; this project needs 1.27 (gymnasium 1.x)
    pytest.mark.filterwarnings("ignore:PettingZoo in TorchRL is tested using version:UserWarning"),
]

torch = pytest.importorskip("torch")
pytest.importorskip("torchrl")

from torchrl.envs.libs.pettingzoo import PettingZooWrapper  # noqa: E402
from torchrl.envs.utils import check_env_specs  # noqa: E402

import ticket_triage_marl as ttm  # noqa: E402

HORIZON = 12


@pytest.fixture(autouse=True, scope="module")
def _one_thread():
    """Tiny tensors: a second torch thread only adds synchronization."""
    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(threads)


# -- the stock wrapper -------------------------------------------------------------------------------------------


@pytest.mark.parametrize("make", [ttm.parallel_env, ttm.env], ids=["parallel", "aec"])
def test_stock_pettingzoo_wrapper_passes_check_env_specs_and_rolls_out(make):
    env = PettingZooWrapper(make(horizon=HORIZON), use_mask=True, categorical_actions=True, return_state=True, seed=3)
    check_env_specs(env)
    steps = HORIZON * (1 if make is ttm.parallel_env else 3) + 3  # through an episode end (AEC: a step per turn)
    rollout = env.rollout(steps, break_when_any_done=False)
    names = ttm.parallel_env().reward_names
    for group, agents in env.group_map.items():
        info = rollout["next", group, "info"]
        assert info["reward_breakdown"].shape[-1] == len(names)
        assert info["reward_breakdown"].dtype == torch.float32
        if make is ttm.parallel_env:  # (the AEC wrapper steps one engineer at a time)
            total = info["reward_breakdown"].sum(-1, keepdim=True)  # still adds up, through TorchRL's tensors
            torch.testing.assert_close(total, rollout["next", group, "reward"], atol=1e-5, rtol=0)
        assert rollout[group, "action_mask"].dtype == torch.bool
        assert len(agents) >= 1
    assert rollout["state"].shape == (steps, env.observation_spec["state"].shape[-1])
    assert rollout["next", "done"].any()


def test_stock_wrapper_reproduces_the_parallel_env():
    """Same seed and actions: the wrapper's observations and rewards are the parallel env's."""
    env = PettingZooWrapper(
        ttm.parallel_env(horizon=HORIZON), use_mask=True, categorical_actions=True, return_state=True, seed=11
    )
    par = ttm.parallel_env(horizon=HORIZON)
    # the wrapper's seed resets the env with it; its reset() then starts the next episode of that stream
    par.reset(seed=11)
    observations, _ = par.reset()
    td = env.reset()
    ((group, agents),) = env.group_map.items()
    rng = np.random.default_rng(0)
    for _ in range(HORIZON):
        masks = np.stack([observations[agent]["action_mask"] for agent in agents])
        actions = np.array([rng.choice(np.flatnonzero(mask)) for mask in masks])
        observed = td[group, "observation", "observation"].numpy()
        np.testing.assert_array_equal(observed, np.stack([observations[agent]["observation"] for agent in agents]))
        np.testing.assert_array_equal(td["state"].numpy(), par.state())
        td[group, "action"] = torch.as_tensor(actions)
        td = env.step(td)
        observations, rewards, _, _, infos = par.step(dict(zip(agents, actions.tolist(), strict=True)))
        np.testing.assert_allclose(
            td["next", group, "reward"].numpy()[:, 0], [rewards[agent] for agent in agents], rtol=0, atol=1e-6
        )
        np.testing.assert_array_equal(
            td["next", group, "info", "reward_breakdown"].numpy(),
            np.stack([infos[agent]["reward_breakdown"] for agent in agents]),
        )
        td = td["next"]


def test_multiagent_infos_are_numbers_or_arrays():
    """What TorchRL needs of every per-agent info value; the coordinator keeps the seed's dict."""
    names = ttm.parallel_env().reward_names
    par = ttm.parallel_env(horizon=HORIZON)
    _, infos = par.reset(seed=1)
    _, _, _, _, step_infos = par.step(dict.fromkeys(par.agents, 0))
    aec = ttm.env(horizon=HORIZON)
    aec.reset(seed=1)
    for info in [*infos.values(), *step_infos.values(), *aec.infos.values()]:
        for key, value in info.items():
            assert isinstance(value, (int, float, np.ndarray)), (key, value)
        assert info["reward_breakdown"].dtype == np.float32 and info["reward_breakdown"].shape == (len(names),)
    one = ttm.TicketTriageEnv(horizon=HORIZON)
    _, info = one.reset(seed=1)
    assert isinstance(info["reward_breakdown"], dict) and set(info["reward_breakdown"]) == set(names)
