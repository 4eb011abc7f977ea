"""Hypothesis strategies for the property tests: small random valid :class:`EnvConfig`s.

Shapes stay small (1-4 engineers, 1-6 slots, 0-8 queue places, 1-3 components,
5-40 steps) so that an example is a whole episode in milliseconds, while every
mechanic's knob ranges over its valid values, with the extremes (0 = off,
1 = always) drawn often.
"""

from __future__ import annotations

from hypothesis import strategies as st

import ticket_triage_marl as ttm

__all__ = ["env_configs", "probabilities"]


def probabilities() -> st.SearchStrategy[float]:
    """A probability, with 0 (mechanic off) and 1 (always) drawn often."""
    return st.one_of(st.sampled_from([0.0, 1.0]), st.floats(0.0, 1.0, allow_subnormal=False))


def _floats(low: float, high: float) -> st.SearchStrategy[float]:
    return st.floats(low, high, allow_nan=False, allow_infinity=False, allow_subnormal=False)


@st.composite
def _severity_mixes(draw: st.DrawFn) -> tuple[float, float, float, float]:
    """Four probabilities summing to 1 (some one-hot: every ticket critical, or none)."""
    weights = draw(st.lists(st.sampled_from([0.0, 0.1, 0.5, 1.0, 3.0]), min_size=4, max_size=4))
    if sum(weights) == 0.0:
        weights[draw(st.integers(0, 3))] = 1.0
    total = sum(weights)
    mix = [w / total for w in weights]
    mix[-1] = 1.0 - sum(mix[:-1])  # exact sum despite rounding
    return (mix[0], mix[1], mix[2], max(mix[3], 0.0))


def _groups(draw: st.DrawFn, n_engineers: int) -> tuple[int, ...] | None:
    """Teams (often off): each engineer's group, groups 0 .. G-1 each used, G >= 2."""
    if n_engineers < 2 or draw(st.booleans()):
        return None
    n_groups = draw(st.integers(2, n_engineers))
    rest = draw(
        st.lists(st.integers(0, n_groups - 1), min_size=n_engineers - n_groups, max_size=n_engineers - n_groups)
    )
    return tuple(draw(st.permutations(list(range(n_groups)) + rest)))


@st.composite
def env_configs(draw: st.DrawFn, **fixed) -> ttm.EnvConfig:
    """A random valid EnvConfig; keyword arguments fix fields (e.g. ``reward_mode="team"``)."""
    n_engineers = draw(st.integers(1, 4))
    max_tickets = draw(st.integers(1, 6))
    max_queue = draw(st.integers(0, 8))
    n_components = draw(st.integers(1, 3))
    shift_period = draw(st.sampled_from([0, 0, 2, 3, 5, 8]))
    info_wait_min = draw(st.integers(0, 3))
    values = {
        "n_engineers": n_engineers,
        "max_tickets": max_tickets,
        "max_queue": max_queue,
        "n_components": n_components,
        "horizon": draw(st.integers(5, 40)),
        "arrival_process": draw(st.sampled_from(["bernoulli", "poisson"])),
        "p_new_ticket": draw(probabilities()),
        "arrival_rate": draw(st.one_of(st.just(0.0), _floats(0.0, 3.0))),
        "initial_backlog": draw(st.integers(0, max_tickets + max_queue)),
        "severity_mix": draw(_severity_mixes()),
        "sla_steps": tuple(draw(st.lists(st.integers(1, 30), min_size=4, max_size=4))),
        "work_distribution": draw(st.sampled_from(["lognormal", "exponential", "deterministic"])),
        "work_mean": draw(_floats(0.2, 8.0)),
        "work_sigma": draw(_floats(0.0, 1.5)),
        "skills": draw(
            st.none()
            | st.lists(
                st.lists(st.sampled_from([0.0, 0.5, 1.0, 2.0]), min_size=n_components, max_size=n_components),
                min_size=n_engineers,
                max_size=n_engineers,
            )
        ),
        "skill_noise": draw(st.sampled_from([0.0, 0.0, 0.3, 1.0])),
        "swarm_efficiency": draw(_floats(0.1, 1.0)),
        "switch_ramp_steps": draw(st.integers(0, 4)),
        "shift_period": shift_period,
        "shift_length": draw(st.integers(1, shift_period)) if shift_period else 0,
        "p_regression": draw(probabilities()),
        "regression_work": draw(_floats(0.0, 3.0)),
        "p_reopen": draw(probabilities()),
        "reopen_window": draw(st.integers(1, 10)),
        "reopen_work_fraction": draw(_floats(0.05, 1.0)),
        "p_ambiguous": draw(probabilities()),
        "ambiguous_slowdown": draw(_floats(0.05, 1.0)),
        "ambiguous_regression_factor": draw(_floats(1.0, 5.0)),
        "info_wait_min": info_wait_min,
        "info_wait_max": draw(st.integers(info_wait_min, info_wait_min + 5)),
        "p_dependency": draw(probabilities()),
        "max_escalated": draw(st.integers(0, max_tickets)),
        "expert_skill": draw(_floats(0.0, 3.0)),
        "defer_steps": draw(st.integers(1, 30)),
        "max_deferrals": draw(st.integers(0, 3)),
        "p_await": draw(st.one_of(st.just(0.0), probabilities())),
        "await_mean": draw(_floats(0.5, 12.0)),
        "await_sigma": draw(st.sampled_from([0.0, 0.5, 1.5])),
        "await_sla": draw(st.sampled_from(["paused", "running"])),
        "request_info": draw(st.sampled_from(["blocks", "awaits"])),
        "p_incident": draw(st.one_of(st.just(0.0), probabilities())),
        "incident_size_mean": draw(_floats(1.0, 8.0)),
        "incident_size_sigma": draw(st.sampled_from([0.0, 0.5, 1.5])),
        "incident_window": draw(st.integers(1, 6)),
        "groups": _groups(draw, n_engineers),
        "entry_share": draw(probabilities()),
        "p_misreport": draw(probabilities()),
        "reveal_work": draw(_floats(0.0, 4.0)),
        "handoff_steps": draw(st.integers(0, 3)),
        "handoff_work": draw(_floats(0.0, 2.0)),
        "handoff_sigma": draw(st.sampled_from([0.0, 0.0, 1.0, 2.0])),
        "p_reassign": draw(st.one_of(st.just(0.0), probabilities())),
        "bouncing_share": draw(st.one_of(st.just(0.0), probabilities())),
        "p_reassign_bouncing": draw(probabilities()),
        "pickup_share": draw(st.one_of(st.just(0.0), probabilities())),
        "pickup_steps": draw(st.integers(1, 6)),
        "pickup_sigma": draw(st.sampled_from([0.0, 1.0, 2.0])),
        "r_resolve": draw(_floats(0.0, 2.0)),
        "r_sla_breach": draw(_floats(-1.0, 0.0)),
        "r_overdue": draw(st.sampled_from([0.0, -0.01])),
        "r_idle": draw(_floats(-0.2, 0.0)),
        "r_context_switch": draw(_floats(-0.2, 0.0)),
        "r_escalate": draw(_floats(-0.3, 0.0)),
        "r_request_info": draw(_floats(-0.2, 0.0)),
        "r_defer": draw(_floats(-0.2, 0.0)),
        "r_invalid": draw(st.sampled_from([0.0, -0.1])),
        "reward_mode": draw(st.sampled_from(["team", "individual"])),
        "observation_mode": draw(st.sampled_from(["global", "local"])),
    }
    values.update(fixed)
    if values["groups"] is None:  # hand-offs between engineers of groups: only with teams
        values["handoff_sigma"], values["p_reassign"] = 0.0, 0.0
        values["bouncing_share"], values["pickup_share"] = 0.0, 0.0
    return ttm.EnvConfig(**values)
