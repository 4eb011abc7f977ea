"""BatchSim's whole-batch helpers (used by the TorchRL env): each equals its per-environment form."""

from __future__ import annotations

import numpy as np
import pytest

import ticket_triage_marl as ttm
from ticket_triage_marl._core.sim import AUTORESET_OFF, BatchSim

CONFIG = ttm.EnvConfig(horizon=6)


def stepped(sim: BatchSim, steps: int, seed: int = 0) -> None:
    rng = np.random.default_rng(seed)
    for _ in range(steps):
        scores = rng.random(sim.masks.shape) * sim.masks
        sim.step_all(scores.argmax(-1), AUTORESET_OFF)


def test_state_vectors_equal_each_state_vector():
    sim = BatchSim(CONFIG, num_envs=5)
    sim.set_seeds(np.arange(5, dtype=np.uint64) + 3)
    sim.reset_many(np.ones(5, dtype=bool))
    stepped(sim, 4)
    states = sim.state_vectors().copy()
    assert states.shape == (5, sim.state_vector(0).size) and states.dtype == np.float32
    np.testing.assert_array_equal(states, np.stack([sim.state_vector(n) for n in range(5)]))


def test_set_seeds_and_reset_next_many_equal_the_per_environment_calls():
    seeds = np.array([0, 1, 2**40 + 7, 2**64 - 1], dtype=np.uint64)
    batch, single = BatchSim(CONFIG, num_envs=4), BatchSim(CONFIG, num_envs=4)
    batch.set_seeds(seeds)
    batch.reset_many(np.ones(4, dtype=bool))
    for n, seed in enumerate(seeds.tolist()):
        single.reset(n, seed)
    assert [batch.snapshot(n) for n in range(4)] == [single.snapshot(n) for n in range(4)]
    stepped(batch, 6)
    stepped(single, 6)
    which = np.array([True, False, True, True])
    batch.reset_next_many(which)
    for n in np.flatnonzero(which):
        single.reset(int(n))  # no seed: the next episode of its stream
    assert [batch.snapshot(n) for n in range(4)] == [single.snapshot(n) for n in range(4)]
    np.testing.assert_array_equal(batch.observations, single.observations)
    assert batch.snapshot(1)["t"] == 6 and batch.snapshot(0)["t"] == 0


def test_reset_next_many_needs_seeds_and_set_seeds_checks_its_shape():
    sim = BatchSim(CONFIG, num_envs=2)
    with pytest.raises(RuntimeError, match="seed"):
        sim.reset_next_many(np.ones(2, dtype=bool))
    with pytest.raises(ValueError, match="shape"):
        sim.set_seeds(np.zeros(3, dtype=np.uint64))
