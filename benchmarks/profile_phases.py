"""Cycles per phase of one environment step of the batched engine.

py-spy and cProfile stop at the compiled kernel, so this script re-runs the
step of :func:`ticket_triage_marl._core.batch.run_batch` phase by phase in
a compiled loop, reading the CPU's cycle counter (``llvm.readcyclecounter``,
the TSC on x86) between phases. Random masked actions, default config, one
thread. It first checks that its phase sequence reproduces the engine's step
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

from ticket_triage_marl._core import observe as O
from ticket_triage_marl._core import rules as R
from ticket_triage_marl._core import step as S
from ticket_triage_marl._core import tickets as K
from ticket_triage_marl._core.layout import CLOSED_COUNT, EPISODE, WAITING_OPEN, T
from ticket_triage_marl._core.sim import AUTORESET_NEXT_STEP
from ticket_triage_marl.bench import random_masked_actions
from ticket_triage_marl.config import EnvConfig
from ticket_triage_marl.envs.vector import VectorTicketTriage

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
def step_phases(state, params, counts):
    """The batch step of ``run_batch`` (next-step autoreset, no prefetch) with a cycle reading between phases."""
    env_i, done = state.env_i, state.done
    n_engineers = state.engineer_i.shape[1]
    for n in range(env_i.shape[0]):
        if done[n]:
            env_i[n, EPISODE] += 1
            S.reset_env(state, params, n)
            S.clear_outputs(state, n)
            done[n] = False
            O.observe_agents(state, params, n)
            continue
        c0 = cycles()
        R.begin_tick(state, n)
        for engineer in range(n_engineers):
            R.apply_action(state, params, n, engineer, state.actions[n, engineer])
        c1 = cycles()
        step = env_i[n, T] + 1
        env_i[n, CLOSED_COUNT] = 0
        S.charge_idle(state, params, n)
        c2 = cycles()
        S.progress_work(state, params, n, step)
        c3 = cycles()
        S.release_info_blocks(state, params, n)
        resolved = S.resolve(state, params, n, step)
        c4 = cycles()
        if resolved > 0 and env_i[n, WAITING_OPEN] > 0:
            S.release_dependencies(state, params, n)
        c5 = cycles()
        K.admit_arrivals(state, params, n, step)
        c6 = cycles()
        S.check_deadlines(state, params, n, step)
        c7 = cycles()
        S.finish_rewards(state, params, n)
        env_i[n, T] = step
        S.update_shifts(state, params, n)
        done[n] = env_i[n, T] >= params.horizon
        c8 = cycles()
        O.write_team_features(state, params, n, state.observations)
        c9 = cycles()
        O.write_agent_rows(state, params, n)
        O.write_agent_masks(state, params, n)
        c10 = cycles()
        stamps = (c0, c1, c2, c3, c4, c5, c6, c7, c8, c9, c10)
        for phase in range(len(stamps) - 1):
            counts[phase] += stamps[phase + 1] - stamps[phase]
        counts[len(stamps) - 1] += 1


def check_same_as_the_engine(config: EnvConfig, steps: int = 450) -> None:
    """The phase sequence must reproduce the engine's step exactly."""
    reference = VectorTicketTriage(num_envs=8, config=config, copy=False)
    profiled = VectorTicketTriage(num_envs=8, config=config, copy=False)
    reference.reset(seed=0)
    profiled.reset(seed=0)
    counts = np.zeros(len(PHASES) + 1, dtype=np.int64)
    rng = np.random.default_rng(0)
    actions = np.zeros((8, config.n_engineers), dtype=np.int64)
    for _ in range(steps):
        random_masked_actions(reference.sim.masks, rng.random((8, config.n_engineers)), actions)
        reference.sim.step_all(actions, AUTORESET_NEXT_STEP)
        profiled.sim.state.actions[...] = actions
        step_phases(profiled.sim.state, profiled.sim.params, counts)
        for name in ("observations", "masks", "rewards", "ticket_i", "env_i"):
            if not np.array_equal(getattr(reference.sim.state, name), getattr(profiled.sim.state, name)):
                raise SystemExit(
                    f"profile_phases.py is out of date: its phases no longer reproduce the engine's step ({name})"
                )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--num-envs", type=int, default=64, help="batch size N (default 64: in cache)")
    parser.add_argument("--steps", type=int, default=400_000, help="environment steps to time (default 400k)")
    args = parser.parse_args()
    numba.set_num_threads(1)
    config = EnvConfig()
    check_same_as_the_engine(config)

    vec = VectorTicketTriage(num_envs=args.num_envs, config=config, copy=False)
    vec.reset(seed=0)
    sim = vec.sim
    rng = np.random.default_rng(0)
    actions = np.zeros((args.num_envs, config.n_engineers), dtype=np.int64)
    uniforms = np.empty((args.num_envs, config.n_engineers))
    counts = np.zeros(len(PHASES) + 1, dtype=np.int64)

    def call() -> None:
        rng.random(out=uniforms)
        random_masked_actions(sim.masks, uniforms, actions)
        sim.state.actions[...] = actions
        step_phases(sim.state, sim.params, counts)

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
