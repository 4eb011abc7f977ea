"""First use of the compiled kernels: the one stderr line while numba's cache is cold, and the batch
engine running the single-environment kernel (one compiled step for both, see docs/ARCHITECTURE.md,
Compilation)."""

from __future__ import annotations

import os
import subprocess
import sys

import numpy as np
import pytest

import ticket_triage_marl as ttm
from ticket_triage_marl._core.sim import AUTORESET_SAME_STEP, BatchSim

COMPILE_LINE = "compiling the simulation kernels, first use only, about"

EVERY_ENTRY_POINT = """
import gymnasium, numpy as np, ticket_triage_marl as ttm
coordinator = ttm.TicketTriageEnv()
coordinator.reset(seed=0)
coordinator.step(0)
parallel = ttm.parallel_env()
parallel.reset(seed=0)
parallel.step(dict.fromkeys(parallel.agents, 0))
parallel.state()
batch = ttm.VectorTicketTriage(num_envs=2)
batch.reset(seed=0)
batch.step(np.zeros((2, 3), dtype=np.int64))
vector = gymnasium.make_vec("TicketTriage-v0", num_envs=2)
vector.reset(seed=0)
vector.step(np.zeros(2, dtype=np.int64))
print("ok")
"""


def _first_use(cache: str) -> list[str]:
    result = subprocess.run(
        [sys.executable, "-c", EVERY_ENTRY_POINT],
        capture_output=True, text=True, timeout=600, env={**os.environ, "NUMBA_CACHE_DIR": cache},
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "ok"
    return [line for line in result.stderr.splitlines() if line.startswith("compiling")]


@pytest.mark.slow
@pytest.mark.skipif(os.environ.get("NUMBA_DISABLE_JIT", "0") == "1", reason="nothing is compiled")
def test_one_line_from_an_empty_cache_and_none_when_warm(tmp_path):
    """From an empty cache every entry point compiles after one line on stderr; the next process loads them all
    from the cache and prints nothing (about 20 s: the cold process compiles everything)."""
    cold = _first_use(str(tmp_path))
    assert len(cold) == 1 and cold[0].startswith(COMPILE_LINE), cold
    assert _first_use(str(tmp_path)) == []


def _masked_actions(rng, masks):
    return (rng.random(masks.shape) * masks).argmax(-1)


def test_same_step_autoreset_is_a_step_then_a_reset():
    """A batch step with same-step autoreset equals, per environment, the single-env step followed (when the
    episode ends) by keeping the final observation and counters and resetting into the next episode."""
    config = ttm.EnvConfig(horizon=6)
    num_envs = 5
    batch, single = BatchSim(config, num_envs), BatchSim(config, num_envs)
    for n in range(num_envs):
        batch.set_seed(n, 100 + n)
        single.reset(n, seed=100 + n)
    batch.reset_many(np.ones(num_envs, dtype=np.bool_))
    rng = np.random.default_rng(0)
    for _ in range(20):
        actions = _masked_actions(rng, batch.masks)
        batch.step_all(actions, AUTORESET_SAME_STEP)
        for n in range(num_envs):
            single.step(n, actions[n])
            np.testing.assert_array_equal(batch.rewards[n], single.rewards[n])
            done = single.t(n) >= config.horizon
            assert batch.done[n] == done
            if done:
                np.testing.assert_array_equal(batch.final_observations[n], single.observations[n])
                assert {k: v[n] for k, v in batch.counters_all(final=True).items()} == single.counters(n)
                single.reset(n)
            np.testing.assert_array_equal(batch.observations[n], single.observations[n])
            np.testing.assert_array_equal(batch.masks[n], single.masks[n])
            assert batch.counters(n) == single.counters(n)


def test_batch_reset_of_some_environments_touches_only_those():
    """``reset_many`` runs the kernel over runs of consecutive selected environments, chunk by chunk: the
    selected ones end as a single-env reset leaves them, the others are untouched."""
    config = ttm.EnvConfig()
    num_envs = 70  # three chunks of the batch loop
    batch, single = BatchSim(config, num_envs), BatchSim(config, num_envs)
    for n in range(num_envs):
        batch.reset(n, seed=n)
        single.reset(n, seed=n)
    rng = np.random.default_rng(1)
    actions = _masked_actions(rng, batch.masks)
    batch.step_all(actions)
    for n in range(num_envs):
        single.step(n, actions[n])
    which = rng.random(num_envs) < 0.5
    which[[0, 31, 32, 63, 64, 69]] = [True, True, False, True, True, True]
    before = batch.clone_state()
    for n in np.flatnonzero(which):
        batch.set_seed(int(n), 1000 + int(n))
        single.reset(int(n), seed=1000 + int(n))
    batch.reset_many(which)
    for name, array in zip(batch.state._fields, batch.state, strict=True):
        if array is None:  # an optional mechanic's arrays, off in this config
            continue
        np.testing.assert_array_equal(array[~which], before["arrays"][name][~which], err_msg=name)
        np.testing.assert_array_equal(array[which], getattr(single.state, name)[which], err_msg=name)
