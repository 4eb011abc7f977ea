"""Cycles per phase of one environment step of the batched engine.

py-spy and cProfile stop at the compiled kernel, so this script re-runs the
step of :func:`ticket_triage_marl._core.kernels.step_batch` phase by phase in
a compiled loop, reading the CPU's cycle counter (``llvm.readcyclecounter``,
the TSC on x86) between phases. Random masked actions, default config, one
thread. It first checks that its phase sequence reproduces ``step_batch``
exactly, so it cannot silently profile a different step.

    python benchmarks/profile_phases.py --num-envs 64      # in cache
    python benchmarks/profile_phases.py --num-envs 4096    # memory-bound

Each reading includes about 25 cycles of counter overhead.
"""

from __future__ import annotations

import argparse
import time

import numba
import numpy as np
from llvmlite import ir
from numba import njit, types
from numba.core import cgutils
from numba.extending import intrinsic

from ticket_triage_marl._core import kernels as K
from ticket_triage_marl._core.layout import EPISODE, P_HORIZON, P_MAX_QUEUE, WAITING_OPEN, T
from ticket_triage_marl.bench import random_masked_actions
from ticket_triage_marl.config import EnvConfig
from ticket_triage_marl.vector import VectorTicketTriage

PHASES = (
    "begin tick + actions",
    "idle check",
    "progress work",
    "info blocks + resolve",
    "release dependencies",
    "admit arrivals",
    "deadlines",
    "rewards + shifts",
    "team features",
    "agent rows + masks",
)


@intrinsic
def cycles(typingctx):
    def codegen(context, builder, signature, args):
        counter = cgutils.get_or_insert_function(
            builder.module, ir.FunctionType(ir.IntType(64), []), "llvm.readcyclecounter"
        )
        return builder.call(counter, [])

    return types.int64(), codegen


@njit(_nrt=False)
def step_phases(ticket_i, ticket_f, contributed, engineer_i, env_i, skills, base_skills, reopen_i, reopen_f, accumulated, parts, rewards, params, severity_cdf, sla_steps, actions, observations, masks, done, counts):  # fmt: skip
    """``step_batch`` (autoreset on, no prefetch) with a cycle reading between phases."""
    horizon = int(params[P_HORIZON])
    n_slots = ticket_i.shape[1] - int(params[P_MAX_QUEUE])
    n_engineers = engineer_i.shape[1]
    for n in range(env_i.shape[0]):
        if done[n]:
            env_i[n, EPISODE] += 1
            K.reset_env(ticket_i, ticket_f, contributed, engineer_i, env_i, skills, base_skills, reopen_i, reopen_f, accumulated, parts, rewards, params, severity_cdf, sla_steps, n)  # fmt: skip
            done[n] = False
            K.observe_agents(ticket_i, ticket_f, engineer_i, env_i, skills, params, n, observations, masks)
            continue
        c0 = cycles()
        K.begin_tick(engineer_i, accumulated, n)
        for engineer in range(n_engineers):
            K.apply_action(ticket_i, engineer_i, env_i, accumulated, params, n, engineer, actions[n, engineer], n_slots)
        c1 = cycles()
        step = env_i[n, T] + 1
        K._charge_idle(ticket_i, engineer_i, accumulated, params, n, n_slots, n_engineers)
        c2 = cycles()
        K._progress_work(ticket_i, ticket_f, contributed, engineer_i, env_i, skills, params, n, n_slots, n_engineers, step)  # fmt: skip
        c3 = cycles()
        K._release_info_blocks(ticket_i, env_i, n, n_slots)
        resolved = K._resolve(ticket_i, ticket_f, contributed, engineer_i, env_i, reopen_i, reopen_f, accumulated, params, sla_steps, n, n_slots, n_engineers, step)  # fmt: skip
        c4 = cycles()
        if resolved > 0 and env_i[n, WAITING_OPEN] > 0:
            K._release_dependencies(ticket_i, env_i, params, n, n_slots)
        c5 = cycles()
        K._admit_arrivals(ticket_i, ticket_f, contributed, env_i, reopen_i, reopen_f, params, severity_cdf, sla_steps, n, n_slots, step)  # fmt: skip
        c6 = cycles()
        K._check_deadlines(ticket_i, env_i, accumulated, params, n, n_slots, n_engineers, step)
        c7 = cycles()
        K._finish_rewards(accumulated, parts, rewards, params, n, n_engineers)
        env_i[n, T] = step
        K.update_shifts(engineer_i, env_i, params, n, n_engineers)
        done[n] = env_i[n, T] >= horizon
        c8 = cycles()
        K._write_team_features(ticket_i, ticket_f, engineer_i, env_i, params, n, n_slots, observations)
        c9 = cycles()
        K._write_agent_rows(ticket_i, engineer_i, skills, params, n, n_slots, observations)
        K._write_agent_masks(ticket_i, engineer_i, params, n, n_slots, masks)
        c10 = cycles()
        stamps = (c0, c1, c2, c3, c4, c5, c6, c7, c8, c9, c10)
        for phase in range(len(stamps) - 1):
            counts[phase] += stamps[phase + 1] - stamps[phase]
        counts[len(stamps) - 1] += 1


def check_same_as_step_batch(config: EnvConfig, steps: int = 450) -> None:
    """The phase sequence must reproduce the engine's step exactly."""
    reference = VectorTicketTriage(num_envs=8, config=config, copy=False)
    profiled = VectorTicketTriage(num_envs=8, config=config, copy=False)
    reference.reset(seed=0)
    profiled.reset(seed=0)
    done = np.zeros(8, dtype=np.bool_)
    counts = np.zeros(len(PHASES) + 1, dtype=np.int64)
    rng = np.random.default_rng(0)
    actions = np.zeros((8, config.n_engineers), dtype=np.int64)
    for _ in range(steps):
        random_masked_actions(reference.sim.masks, rng.random((8, config.n_engineers)), actions)
        reference.sim.step_all(actions, reference._done, True)
        step_phases(*profiled.sim._with_base_skills(), actions, profiled.sim.observations, profiled.sim.masks, done, counts)  # fmt: skip
        for name in ("observations", "masks", "rewards", "ticket_i", "env_i"):
            if not np.array_equal(getattr(reference.sim, name), getattr(profiled.sim, name)):
                raise SystemExit(
                    f"profile_phases.py is out of date: its phases no longer reproduce step_batch ({name})"
                )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--num-envs", type=int, default=64, help="batch size N (default 64: in cache)")
    parser.add_argument("--steps", type=int, default=400_000, help="environment steps to time (default 400k)")
    args = parser.parse_args()
    numba.set_num_threads(1)
    config = EnvConfig()
    check_same_as_step_batch(config)

    vec = VectorTicketTriage(num_envs=args.num_envs, config=config, copy=False)
    vec.reset(seed=0)
    sim = vec.sim
    rng = np.random.default_rng(0)
    actions = np.zeros((args.num_envs, config.n_engineers), dtype=np.int64)
    uniforms = np.empty((args.num_envs, config.n_engineers))
    done = np.zeros(args.num_envs, dtype=np.bool_)
    counts = np.zeros(len(PHASES) + 1, dtype=np.int64)

    def call() -> None:
        rng.random(out=uniforms)
        random_masked_actions(sim.masks, uniforms, actions)
        step_phases(*sim._with_base_skills(), actions, sim.observations, sim.masks, done, counts)

    for _ in range(max(1, 2000 // args.num_envs)):
        call()
    counts[:] = 0
    calls = max(1, args.steps // args.num_envs)
    start = time.perf_counter()
    for _ in range(calls):
        call()
    wall = (time.perf_counter() - start) / (calls * args.num_envs)
    steps = counts[-1]
    total = counts[:-1].sum()
    print(
        f"N={args.num_envs}: {wall * 1e9:.0f} ns per env-step (wall, incl. sampling); {total / steps:.0f} cycles in the phases"
    )
    for name, value in zip(PHASES, counts[:-1], strict=True):
        print(f"  {name:24s} {value / steps:6.0f} cycles  {100 * value / total:5.1f}%")


if __name__ == "__main__":
    main()
