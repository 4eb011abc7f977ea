"""arrival_process="profile": Poisson arrivals whose rate follows a repeating cycle, and an uncapped Poisson draw."""

from __future__ import annotations

import numpy as np
import pytest

import ticket_triage_marl as ttm
from ticket_triage_marl._core.tickets import poisson_count

DAY = [0.2] * 8 + [3.0] * 8 + [0.5] * 8  # night, office hours, evening


def arrivals_per_step(num_envs: int, steps: int, **overrides) -> np.ndarray:
    """Mean arrivals at each step over a batch, every complication that could drop or add tickets off."""
    vec = ttm.VectorTicketTriage(num_envs=num_envs, initial_backlog=0, p_reopen=0.0, max_queue=5000, **overrides)
    vec.reset(seed=7)
    counts = np.zeros(steps)
    previous = vec.counters()["arrived"]
    for step in range(steps):
        vec.step(np.zeros((num_envs, vec.config.n_engineers), dtype=np.int64))
        arrived = vec.counters()["arrived"]
        counts[step] = (arrived - previous).mean()
        previous = arrived
    return counts


def test_profile_arrivals_follow_each_step_of_the_cycle_and_its_mean_rate() -> None:
    counts = arrivals_per_step(1024, 48, arrival_process="profile", arrival_profile=DAY, horizon=48)
    expected = np.array(DAY * 2)
    standard_error = np.sqrt(expected / 1024)
    assert np.all(np.abs(counts - expected) < 5 * standard_error), np.round(counts - expected, 3)
    assert counts.mean() == pytest.approx(np.mean(DAY), rel=0.02)


def test_a_weekly_profile_starts_every_episode_at_its_index_0() -> None:
    week = [0.0] * 167 + [40.0]  # only the last hour of Sunday has arrivals
    counts = arrivals_per_step(64, 170, arrival_process="profile", arrival_profile=week, horizon=200)
    assert counts[:167].sum() == 0 and counts[167] == pytest.approx(40.0, rel=0.1) and counts[168:].sum() == 0


@pytest.mark.parametrize("rate", [0.5, 16.0, 68.0, 400.0])
def test_the_poisson_draw_is_uncapped_and_unbiased(rate: float) -> None:
    quantiles = (np.arange(200_000) + 0.5) / 200_000  # the draw's mean over an even grid of its uniform
    mean = np.mean([poisson_count(u, rate) for u in quantiles])
    assert mean == pytest.approx(rate, rel=2e-3)
    assert poisson_count(1.0 - 2.0**-33, rate) > rate  # the largest uniform still terminates, above the mean


def test_profile_configs_are_validated() -> None:
    with pytest.raises(ValueError, match="needs arrival_profile"):
        ttm.EnvConfig(arrival_process="profile")
    with pytest.raises(ValueError, match="only used with arrival_process='profile'"):
        ttm.EnvConfig(arrival_profile=[1.0, 2.0])
    with pytest.raises(ValueError, match=r"arrival_profile\[1\] must be a rate in \[0, 500\], got -1"):
        ttm.EnvConfig(arrival_process="profile", arrival_profile=[1.0, -1.0])
    with pytest.raises(TypeError, match="non-empty sequence"):
        ttm.EnvConfig(arrival_process="profile", arrival_profile=[])
    config = ttm.EnvConfig(arrival_process="profile", arrival_profile=[1, 2])
    assert config.arrival_profile == (1.0, 2.0)
