"""Throughput benchmarks (``ticket-triage bench``): steps per second of every API.

Every figure is also given as a ratio to Gymnasium's ``CartPole-v1`` stepped
the same way in the same process (one random action per step, reset when an
episode ends), because absolute times drift between machines and runs.

Each figure is the best of :data:`WINDOWS` equal timing windows (timeit's
convention): on a shared virtual machine other tenants only ever slow a
window down, so the fastest window is the closest to the code's own speed.
CartPole is timed the same way at the start and again at the end of the run,
and the faster of the two is the reference of every ratio.

- coordinator / parallel / aec: one env, random *masked* actions.
- batch: :class:`~ticket_triage_marl.envs.vector.VectorTicketTriage` at several N
  and thread counts, random masked actions drawn by a compiled sampler,
  observations and masks built every step.
- mpe: PettingZoo MPE ``simple_spread_v3`` parallel env, if ``mpe2`` is installed.
- arrivals: the batched engine at N=4096 (or the largest size asked for) on
  every thread with time-varying arrivals (:func:`arrival_configs`: a daily
  profile and the UCI desk's trace replay at the config's mean rate), each
  as a ratio to the config's own arrivals at the same N in the same call.
"""

from __future__ import annotations

import json
import os
import platform
import resource
import subprocess
import sys
import tempfile
import time
from dataclasses import asdict, dataclass, field
from typing import Any

import numba
import numpy as np
from numba import njit, prange

from .baselines import random_masked_action

__all__ = ["BenchResult", "arrival_configs", "format_table", "random_masked_actions", "run_benchmarks"]

DAY_SHAPE = (0.2,) * 8 + (2.2,) * 10 + (0.6,) * 6
"""A 24-step day (night, office hours, evening), scaled to the config's mean rate by :func:`arrival_configs`."""
UCI_RATE_PER_HOUR = 7908 / (28 * 24)  # the shipped UCI desk: 7,908 tickets in 4 weeks


def _numba_max_threads() -> int:
    """numba's thread pool size (``NUMBA_NUM_THREADS``, fixed when numba starts)."""
    threads: int = numba.config.NUMBA_NUM_THREADS  # type: ignore[attr-defined]  # numba.config sets its options at import, unlisted in its stubs
    return threads


@njit(cache=True, nogil=True, parallel=True)
def random_masked_actions(masks, uniforms, out):
    """Uniformly random valid action per (env, engineer): ``masks`` (N, E, A)
    int8, ``uniforms`` (N, E) in [0, 1), result written to ``out`` (N, E).

    The compiled sampler of the batch benchmark (a Python loop would cost more
    than the step it feeds at N = 16384); elsewhere use
    :func:`ticket_triage_marl.baselines.random_masked_actions`."""
    for n in prange(masks.shape[0]):
        for engineer in range(masks.shape[1]):
            count = 0
            for action in range(masks.shape[2]):
                count += masks[n, engineer, action]
            pick = int(uniforms[n, engineer] * count)
            for action in range(masks.shape[2]):
                if masks[n, engineer, action]:
                    if pick == 0:
                        out[n, engineer] = action
                        break
                    pick -= 1


@dataclass
class BenchResult:
    name: str
    steps_per_second: float
    ratio_to_cartpole: float = float("nan")
    num_envs: int = 1
    threads: int = 1
    unit: str = "env-steps/s"
    extra: dict[str, Any] = field(default_factory=dict)


WINDOWS = 5  # timing windows per measurement; the best one is reported


def _timed(step, seconds: float, batch: int = 1, warmup: int = 50) -> float:
    """Calls of ``step`` per second: the best of :data:`WINDOWS` windows of ``seconds / WINDOWS``."""
    for _ in range(warmup):
        step()
    best = 0.0
    for _ in range(WINDOWS):
        calls = 0
        start = time.perf_counter()
        while True:
            for _ in range(batch):
                step()
            calls += batch
            elapsed = time.perf_counter() - start
            if elapsed >= seconds / WINDOWS:
                break
        best = max(best, calls / elapsed)
    return best


def bench_cartpole(seconds: float) -> float:
    """Gymnasium CartPole-v1 (``gym.make``), random actions, steps/s."""
    import gymnasium as gym

    env = gym.make("CartPole-v1")
    env.reset(seed=0)
    env.action_space.seed(0)

    def step() -> None:
        _, _, terminated, truncated, _ = env.step(env.action_space.sample())
        if terminated or truncated:
            env.reset()

    return _timed(step, seconds, batch=200)


def bench_coordinator(seconds: float, config) -> float:
    from .envs.coordinator import TicketTriageEnv

    env = TicketTriageEnv(config=config)
    _, info = env.reset(seed=0)
    rng = np.random.default_rng(0)
    state = {"info": info}

    def step() -> None:
        _, _, terminated, truncated, info = env.step(random_masked_action(rng, state["info"]["action_mask"]))
        if terminated or truncated:
            _, info = env.reset()
        state["info"] = info

    return _timed(step, seconds, batch=100)


def bench_parallel(seconds: float, config) -> float:
    from .envs.multiagent import parallel_env

    env = parallel_env(config=config)
    observations, _ = env.reset(seed=0)
    rng = np.random.default_rng(0)
    state = {"obs": observations}

    def step() -> None:
        observations = state["obs"]
        actions = {agent: random_masked_action(rng, observations[agent]["action_mask"]) for agent in env.agents}
        observations, *_ = env.step(actions)
        if not env.agents:
            observations, _ = env.reset()
        state["obs"] = observations

    return _timed(step, seconds, batch=100)


def bench_aec(seconds: float, config) -> float:
    """AEC env: full cycles (every engineer acts once) per second."""
    from .envs.multiagent import env as aec_env

    env = aec_env(config=config)
    env.reset(seed=0)
    rng = np.random.default_rng(0)
    n_agents = len(env.possible_agents)

    def cycle() -> None:
        for _ in range(n_agents):
            agent = env.agent_selection
            if env.truncations[agent] or env.terminations[agent]:
                env.step(None)
                if not env.agents:
                    env.reset()
                return
            env.step(random_masked_action(rng, env.observe(agent)["action_mask"]))

    return _timed(cycle, seconds, batch=50)


def bench_mpe(seconds: float) -> float | None:
    try:
        from mpe2 import simple_spread_v3
    except ImportError:
        return None
    env = simple_spread_v3.parallel_env()
    env.reset(seed=0)

    def step() -> None:
        env.step({agent: env.action_space(agent).sample() for agent in env.agents})
        if not env.agents:
            env.reset()

    return _timed(step, seconds, batch=50)


def gc_collect() -> None:
    """Free the previous batch before allocating the next one."""
    import gc

    gc.collect()


def bench_batch(num_envs: int, threads: int, seconds: float, config) -> tuple[float, float]:
    """Batched engine env-steps/s and its state memory in bytes per environment."""
    from .envs.vector import VectorTicketTriage

    numba.set_num_threads(threads)
    vec = VectorTicketTriage(num_envs=num_envs, config=config, copy=False)
    _, infos = vec.reset(seed=0)
    masks = {"now": infos["action_mask"]}  # copy=False: the engine's own mask array, as a user reads it
    rng = np.random.default_rng(0)
    actions = np.zeros((num_envs, config.n_engineers), dtype=np.int64)
    uniforms = np.empty((num_envs, config.n_engineers))

    def step() -> None:
        rng.random(out=uniforms)
        random_masked_actions(masks["now"], uniforms, actions)
        masks["now"] = vec.step(actions)[4]["action_mask"]

    calls = _timed(step, seconds, batch=5, warmup=5)
    return calls * num_envs, vec.state_nbytes() / num_envs


def arrival_configs(config) -> dict[str, Any]:
    """``config`` with its own arrivals, then a daily ``profile`` and the UCI desk's ``trace`` replay, both at
    ``config``'s mean arrivals a step (the trace's step is the length that gives that rate: 2.55 minutes at
    0.5). A trace config is returned alone (it has no rate of its own to match)."""
    from .data import SHIPPED_DATA

    means = {
        "bernoulli": config.p_new_ticket,
        "poisson": config.arrival_rate,
        "profile": float(np.mean(config.arrival_profile or [0.0])),
    }
    if config.arrival_process not in means:
        return {config.arrival_process: config}
    mean = means[config.arrival_process]
    variants = {config.arrival_process: config}
    if config.arrival_process != "profile":
        variants["profile"] = config.replace(
            arrival_process="profile", arrival_profile=[mean * x / np.mean(DAY_SHAPE) for x in DAY_SHAPE]
        )
    variants["trace"] = config.replace(
        arrival_process="trace",
        arrival_profile=None,
        trace_path=str(SHIPPED_DATA / "tickets_uci_itsm_incidents.csv"),
        trace_hours_per_step=mean / UCI_RATE_PER_HOUR,
        trace_start="random",
    )
    return variants


def bench_torchrl(num_envs: int, seconds: float, config) -> tuple[float, float] | None:
    """The native TorchRL env (``TicketTriageTorchRLEnv``) stepped as TorchRL's collectors step it
    (``step_and_maybe_reset``, random masked actions), and ``VectorTicketTriage`` at the same N in
    the same call, both on every numba thread: ``(env-steps/s, ratio to the vector env)``, or None
    without torchrl. torch runs on one thread, as it should next to the engine: torch's and numba's
    OpenMP pools are separate, and with both spinning on 2 cores the engine ran 10-25x slower
    (measured; ``OMP_WAIT_POLICY=PASSIVE`` also avoids it)."""
    try:
        import torch

        from .integrations.torchrl import TicketTriageTorchRLEnv
    except ImportError:
        return None
    numba.set_num_threads(_numba_max_threads())
    torch_threads = torch.get_num_threads()
    torch.set_num_threads(1)
    env = TicketTriageTorchRLEnv(num_envs=num_envs, config=config, seed=0)
    rng = np.random.default_rng(0)
    actions = np.zeros((num_envs, config.n_engineers), dtype=np.int64)
    uniforms = np.empty((num_envs, config.n_engineers))
    carrier = {"td": env.reset()}

    def step() -> None:
        rng.random(out=uniforms)
        td = carrier["td"]
        random_masked_actions(td["engineer", "action_mask"].numpy(), uniforms, actions)
        td["engineer", "action"] = torch.from_numpy(actions)
        _, carrier["td"] = env.step_and_maybe_reset(td)

    rate = _timed(step, seconds, batch=5, warmup=5) * num_envs
    carrier.clear()  # free this batch before the vector env allocates its own
    gc_collect()
    vector_rate, _ = bench_batch(num_envs, _numba_max_threads(), seconds, config)
    torch.set_num_threads(torch_threads)
    return rate, rate / vector_rate


def bench_torchrl_stock(seconds: float, config) -> float | None:
    """TorchRL's own ``PettingZooWrapper`` over ``parallel_env()`` (random masked actions), env-steps/s,
    or None without torchrl."""
    try:
        import warnings

        import torch
        from torchrl.envs.libs.pettingzoo import PettingZooWrapper
    except ImportError:
        return None
    from .envs.multiagent import parallel_env

    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", message="PettingZoo in TorchRL is tested")
        env = PettingZooWrapper(
            parallel_env(config=config), use_mask=True, categorical_actions=True, return_state=True, seed=0
        )
    (group,) = env.group_map
    rng = np.random.default_rng(0)
    carrier = {"td": env.reset()}

    def step() -> None:
        td = carrier["td"]
        masks = td[group, "action_mask"].numpy()
        td[group, "action"] = torch.from_numpy((rng.random(masks.shape) * masks).argmax(-1))
        _, carrier["td"] = env.step_and_maybe_reset(td)

    return _timed(step, seconds, batch=10, warmup=10)


FIRST_USE_SCRIPT = """
import time
start = time.perf_counter()
import numpy as np
import ticket_triage_marl as ttm
coordinator = ttm.TicketTriageEnv()
coordinator.reset(seed=0)
coordinator.step(0)
parallel = ttm.parallel_env()
parallel.reset(seed=0)
parallel.step(dict.fromkeys(parallel.agents, 0))
first_use = time.perf_counter() - start
import gymnasium
batch = ttm.VectorTicketTriage(num_envs=2)
batch.reset(seed=0)
batch.step(np.zeros((2, 3), dtype=np.int64))
vector = gymnasium.make_vec("TicketTriage-v0", num_envs=2)
vector.reset(seed=0)
vector.step(np.zeros(2, dtype=np.int64))
print(first_use, time.perf_counter() - start)
"""

AEC_FIRST_USE_SCRIPT = """
import time
start = time.perf_counter()
import ticket_triage_marl as ttm
aec = ttm.env()
aec.reset(seed=0)
for agent in aec.agent_iter(2 * len(aec.possible_agents)):
    aec.step(0)
print(time.perf_counter() - start)
"""


def _run_timed(script: str, cache: str) -> list[float]:
    env = {**os.environ, "NUMBA_CACHE_DIR": cache}
    result = subprocess.run([sys.executable, "-c", script], env=env, capture_output=True, text=True, check=True)
    return [float(value) for value in result.stdout.split()]


def compile_time() -> dict[str, float]:
    """First use from an empty numba cache (import, create, reset and step the
    coordinator and the parallel env; then the batched engine too: VectorTicketTriage
    and ``gymnasium.make_vec``), and the same with the cache filled, each in a fresh
    subprocess; and the AEC env's first use (import, create, reset, two cycles) from
    another empty cache."""
    out = {}
    with tempfile.TemporaryDirectory() as cache:
        for label in ("cold", "cached"):
            first_use, with_batch = _run_timed(FIRST_USE_SCRIPT, cache)[-2:]
            out[f"{label}_first_use_seconds"] = first_use
            out[f"{label}_with_batch_seconds"] = with_batch
    with tempfile.TemporaryDirectory() as cache:
        out["cold_aec_first_use_seconds"] = _run_timed(AEC_FIRST_USE_SCRIPT, cache)[-1]
    return out


def run_benchmarks(  # noqa: C901 -- one short optional section per API (`if "x" in apis`), in the table's row order; helpers per section would only move that list elsewhere
    seconds: float = 2.0,
    sizes: tuple[int, ...] = (1, 64, 1024, 4096, 16384),
    threads: tuple[int, ...] = (1, 2),
    config=None,
    apis: tuple[str, ...] = ("coordinator", "parallel", "aec", "mpe", "batch", "arrivals", "torchrl"),
    with_compile_time: bool = False,
) -> dict[str, Any]:
    """Run the benchmarks; returns a JSON-able dict with a ``results`` list."""
    from .config import EnvConfig

    config = config or EnvConfig()
    cartpole_start = bench_cartpole(seconds)
    results: list[BenchResult] = []

    def add(name: str, rate: float | None, **kwargs: Any) -> None:
        if rate is not None:
            results.append(BenchResult(name, rate, **kwargs))

    if "coordinator" in apis:
        add("coordinator TicketTriageEnv", bench_coordinator(seconds, config), unit="steps/s")
    if "parallel" in apis:
        add(f"parallel_env ({config.n_engineers} engineers)", bench_parallel(seconds, config), unit="steps/s")
    if "aec" in apis:
        add(f"env() AEC ({config.n_engineers} engineers)", bench_aec(seconds, config), unit="cycles/s")
    if "mpe" in apis:
        add("MPE simple_spread_v3 parallel", bench_mpe(seconds), unit="steps/s")
    if "batch" in apis:
        for n_threads in threads:
            gc_collect()
            if n_threads > _numba_max_threads():
                continue
            for num_envs in sizes:
                rate, per_env = bench_batch(num_envs, n_threads, seconds, config)
                add(
                    f"VectorTicketTriage N={num_envs}",
                    rate,
                    num_envs=num_envs,
                    threads=n_threads,
                    extra={"state_bytes_per_env": per_env, "state_mb": per_env * num_envs / 2**20},
                )
        numba.set_num_threads(_numba_max_threads())
    if "arrivals" in apis:
        num_envs = 4096 if 4096 in sizes else max(sizes)
        threads_used = _numba_max_threads()
        rates = {}
        for name, variant in arrival_configs(config).items():
            gc_collect()
            rates[name] = bench_batch(num_envs, threads_used, seconds, variant)[0]
        reference = next(iter(rates))
        for name, rate in rates.items():
            add(
                f"VectorTicketTriage N={num_envs} {name}",
                rate,
                num_envs=num_envs,
                threads=threads_used,
                extra={"ratio_to_vector": rate / rates[reference], "ratio_to": f"{reference} arrivals"},
            )
        numba.set_num_threads(threads_used)
    if "torchrl" in apis:  # skipped without the torchrl extra
        threads_used = _numba_max_threads()
        for num_envs in (size for size in sizes if size >= 1024):
            gc_collect()
            measured = bench_torchrl(num_envs, seconds, config)
            if measured is not None:
                add(
                    f"TicketTriageTorchRLEnv N={num_envs}",
                    measured[0],
                    num_envs=num_envs,
                    threads=threads_used,
                    extra={"ratio_to_vector": measured[1]},
                )
        add("TorchRL PettingZooWrapper(parallel_env)", bench_torchrl_stock(seconds, config))
    cartpole_end = bench_cartpole(seconds)
    cartpole = max(cartpole_start, cartpole_end)
    results.insert(
        0,
        BenchResult(
            "CartPole-v1 (gymnasium)",
            cartpole,
            unit="steps/s",
            extra={"at_start": cartpole_start, "at_end": cartpole_end},
        ),
    )
    for result in results:
        result.ratio_to_cartpole = result.steps_per_second / cartpole
    report: dict[str, Any] = {
        "machine": {
            "python": platform.python_version(),
            "numpy": np.__version__,
            "numba": numba.__version__,
            "cpu_count": os.cpu_count(),
            "platform": platform.platform(),
            "processor": platform.processor() or platform.machine(),
        },
        "config": config.name,
        "seconds_per_measurement": seconds,
        "windows_per_measurement": WINDOWS,
        "peak_rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
        "results": [asdict(result) for result in results],
    }
    if with_compile_time:
        report["compile"] = compile_time()
    return report


def format_table(report: dict[str, Any]) -> str:
    lines = [
        f"{'benchmark':<40} {'threads':>7} {'steps/s':>14} {'x CartPole':>10} {'MB state':>9} {'B/env':>7}"
        f" {'x vector':>8}",
        "-" * 101,
    ]
    for result in report["results"]:
        extra = result["extra"]
        mb = f"{extra['state_mb']:.1f}" if "state_mb" in extra else ""
        per_env = f"{extra['state_bytes_per_env']:.0f}" if "state_bytes_per_env" in extra else ""
        vector = f"{extra['ratio_to_vector']:.2f}" if "ratio_to_vector" in extra else ""
        lines.append(
            f"{result['name']:<40} {result['threads']:>7} {result['steps_per_second']:>14,.0f} "
            f"{result['ratio_to_cartpole']:>10.2f} {mb:>9} {per_env:>7} {vector:>8}"
        )
    machine = report["machine"]
    lines.append("-" * 101)
    cartpole = report["results"][0]["extra"]
    if "at_start" in cartpole:
        lines.append(
            f"best of {report['windows_per_measurement']} windows per row; CartPole at the start "
            f"{cartpole['at_start']:,.0f}/s, at the end {cartpole['at_end']:,.0f}/s (the faster is the reference)"
        )
    lines.append(
        f"python {machine['python']}, numpy {machine['numpy']}, numba {machine['numba']}, "
        f"{machine['cpu_count']} CPUs, peak RSS {report['peak_rss_mb']:.0f} MB"
    )
    if "compile" in report:
        compile_info = report["compile"]
        lines.append(
            "first use (import, create, reset and step the coordinator and parallel_env) from an empty numba "
            f"cache: {compile_info['cold_first_use_seconds']:.1f} s ({compile_info['cold_with_batch_seconds']:.1f} s "
            f"with the batched engine: VectorTicketTriage and make_vec); with the cache filled: {compile_info['cached_first_use_seconds']:.1f} s "
            f"({compile_info['cached_with_batch_seconds']:.1f} s)"
        )
        if "cold_aec_first_use_seconds" in compile_info:
            lines.append(
                "first use of the AEC env (import, create, reset, two cycles) from an empty numba cache: "
                f"{compile_info['cold_aec_first_use_seconds']:.1f} s"
            )
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> None:  # pragma: no cover - thin wrapper used by the CLI
    report = run_benchmarks()
    print(format_table(report))
    json.dumps(report)
