"""The ``ticket-triage`` command line: rollouts, determinism checks, evaluation, replay.

::

    ticket-triage rollout  --seed 7 --steps 200 --out trace.jsonl [--policy edf] [--api coordinator]
    ticket-triage validate --seed 7 --steps 120
    ticket-triage evaluate --policies random,fifo,edf,severity,cost_rate --seeds 20 [--json results.json]
    ticket-triage replay   trace.jsonl

Every command takes ``--config FILE`` (a TOML scenario, e.g. ``configs/default.toml``)
and ``--set KEY=VALUE`` overrides of config fields.

Exit status: 0 success; 1 a check failed (``validate`` found a difference,
``replay`` found a mismatch or a truncated/corrupted trace); 2 bad arguments
or configuration. Errors are one line on stderr, never a traceback.

Trace format (JSON Lines, written atomically: a failed run leaves no file)::

    {"type": "header", "trace_format": 1, "version", "api", "policy", "seed", "steps", "config": {...}}
    {"type": "step", "step": i, "episode": k, "t", "actions", "rewards", "reward_breakdown",
     "invalid_action", "snapshot", ["engineer_actions" (coordinator)]}   # one line per step

``actions``, ``rewards``, ``reward_breakdown`` and ``invalid_action`` are a
single value for the coordinator API and ``{agent: value}`` dicts for the
PettingZoo APIs. When ``--steps`` runs past the horizon the env is reset
without a seed (the next episode of the same random stream, Gymnasium's
convention) and ``episode`` counts up; ``replay`` does the same.
"""

from __future__ import annotations

import argparse
import contextlib
import hashlib
import json
import math
import os
import subprocess
import sys
import tempfile
from collections.abc import Callable, Iterator, Sequence
from typing import IO, Any, NoReturn

import numpy as np

from . import __version__
from .baselines import POLICIES, agent_actions_from, coordinator_action_from, make_policy
from .config import EnvConfig, load_config
from .coordinator import TicketTriageEnv
from .multiagent import check_action, parallel_env
from .multiagent import env as aec_env
from .render import render_ansi

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover - exercised on Python 3.10 only
    import tomli as tomllib

__all__ = ["main"]

PROG = "ticket-triage"
APIS = ("coordinator", "parallel", "aec")
TRACE_FORMAT = 1
PROGRESS_BAR_MIN_STEPS = 1000  # shorter runs finish before a bar is worth drawing
DIGEST_COMMAND = "_digest"  # hidden: the fresh-process leg of 'validate'
DEFAULT_EVALUATE_POLICIES = ("random", "noop", "fifo", "edf", "severity", "cost_rate")


class CheckFailed(Exception):
    """A verification failed (exit status 1): determinism, replay, corrupted trace."""


# -- argument parsing ---------------------------------------------------------------


class _Parser(argparse.ArgumentParser):
    """argparse with one-line errors (exit status 2)."""

    def error(self, message: str) -> NoReturn:
        self.exit(2, f"{self.prog}: error: {message} (see '{self.prog} --help')\n")


def _int_at_least(low: int) -> Callable[[str], int]:
    def parse(text: str) -> int:
        try:
            value = int(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"expected an integer, got {text!r}") from None
        if value < low:
            raise argparse.ArgumentTypeError(f"must be >= {low}, got {value}")
        return value

    return parse


_non_negative_int = _int_at_least(0)
_positive_int = _int_at_least(1)


def _policy_name(text: str) -> str:
    if text not in POLICIES:
        raise argparse.ArgumentTypeError(f"unknown policy {text!r}; choose one of: {', '.join(POLICIES)}")
    return text


def _policy_list(text: str) -> list[str]:
    names = [name.strip() for name in text.split(",") if name.strip()]
    if not names:
        raise argparse.ArgumentTypeError("expected a comma-separated list of policies")
    for name in names:
        _policy_name(name)
    if len(set(names)) != len(names):
        raise argparse.ArgumentTypeError(f"policy listed twice in {text!r}")
    return names


def _override(text: str) -> tuple[str, Any]:
    key, sep, value = text.partition("=")
    if not sep or not key.strip():
        raise argparse.ArgumentTypeError(f"expected KEY=VALUE, got {text!r}")
    try:  # TOML value syntax: 5, 0.5, "poisson", [0.25, 0.25, 0.25, 0.25]
        parsed = tomllib.loads(f"value = {value}")["value"]
    except tomllib.TOMLDecodeError:
        parsed = value  # a bare word is a string
    return key.strip(), parsed


def _add_config_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--config", metavar="FILE", help="TOML scenario file (default: built-in defaults)")
    parser.add_argument(
        "--set",
        dest="overrides",
        metavar="KEY=VALUE",
        type=_override,
        action="append",
        default=[],
        help="override a config field, e.g. --set horizon=300 (repeatable)",
    )


def build_parser() -> argparse.ArgumentParser:
    """The argument parser of every command (``bench`` and ``report`` plug in here too)."""
    parser = _Parser(
        prog=PROG,
        description="Ticket-triage simulation: rollouts, determinism checks, policy evaluation, trace replay.",
        epilog="Exit status: 0 ok, 1 a check failed, 2 bad arguments or configuration.",
    )
    parser.add_argument("--version", action="version", version=f"%(prog)s {__version__}")
    commands = parser.add_subparsers(
        dest="command", metavar="{rollout,validate,evaluate,replay,bench}", parser_class=_Parser, required=True
    )

    rollout = commands.add_parser(
        "rollout",
        help="run a policy and write a JSONL trace",
        description="Run a heuristic policy for --steps steps (resetting into the next episode at the horizon), "
        "write a JSONL trace atomically, and print the final state.",
    )
    rollout.add_argument("--seed", type=_non_negative_int, default=7, help="episode seed (default 7)")
    rollout.add_argument("--steps", type=_positive_int, default=200, help="steps to run (default 200)")
    rollout.add_argument("--out", metavar="FILE", help="trace file to write (JSON Lines); omit to write none")
    rollout.add_argument(
        "--policy", type=_policy_name, default="edf", help=f"one of {', '.join(POLICIES)} (default edf)"
    )
    rollout.add_argument(
        "--api", choices=APIS, default="coordinator", help="which env API to drive (default coordinator)"
    )
    _add_config_arguments(rollout)
    rollout.set_defaults(handler=_cmd_rollout)

    validate = commands.add_parser(
        "validate",
        help="check determinism (same seed + actions -> same results)",
        description="Run a policy, then replay the same seed and actions in a fresh env and in a fresh Python "
        "process, comparing a SHA-256 digest of (observation, rewards, snapshot) at every step. "
        "Exits 1 naming the first differing step.",
    )
    validate.add_argument("--seed", type=_non_negative_int, default=7, help="episode seed (default 7)")
    validate.add_argument("--steps", type=_positive_int, default=120, help="steps to compare (default 120)")
    validate.add_argument(
        "--policy", type=_policy_name, default="random", help="policy producing the actions (default random)"
    )
    validate.add_argument(
        "--api", choices=APIS, default="coordinator", help="which env API to drive (default coordinator)"
    )
    _add_config_arguments(validate)
    validate.set_defaults(handler=_cmd_validate)

    evaluate = commands.add_parser(
        "evaluate",
        help="compare policies over seeds (mean and 95%% CI)",
        description="Run each policy for one full episode of the coordinator env on seeds 0..N-1. Every policy "
        "faces the same seeds, so the same tickets (common random numbers); the paired difference to the "
        "first policy is shown with its own confidence interval.",
    )
    evaluate.add_argument(
        "--policies",
        type=_policy_list,
        default=list(DEFAULT_EVALUATE_POLICIES),
        help=f"comma-separated policies (default {','.join(DEFAULT_EVALUATE_POLICIES)})",
    )
    evaluate.add_argument("--seeds", type=_positive_int, default=20, help="number of seeds, 0..N-1 (default 20)")
    evaluate.add_argument("--json", metavar="FILE", help="also write the results as JSON")
    _add_config_arguments(evaluate)
    evaluate.set_defaults(handler=_cmd_evaluate)

    replay = commands.add_parser(
        "replay",
        help="re-run a trace and check every step matches",
        description="Re-run the trace's config and seed with its recorded actions and check every step's "
        "snapshot and rewards. Exits 1 on a mismatch or a truncated/corrupted file, naming the line.",
    )
    replay.add_argument("trace", help="trace file written by 'ticket-triage rollout --out'")
    replay.set_defaults(handler=_cmd_replay)

    bench = commands.add_parser(
        "bench",
        help="steps per second of every API, as ratios to CartPole-v1",
        description="Measure steps/s of the coordinator, parallel and AEC envs and of the batched engine at "
        "several sizes and thread counts, with random masked actions and observations built, each also as a "
        "ratio to Gymnasium's CartPole-v1 stepped the same way in the same process.",
    )
    bench.add_argument("--seconds", type=_positive_float, default=2.0, help="seconds per measurement (default 2)")
    bench.add_argument(
        "--sizes",
        type=_int_list,
        default=[1, 64, 1024, 4096, 16384],
        help="batch sizes N (default 1,64,1024,4096,16384)",
    )
    bench.add_argument("--threads", type=_int_list, default=[1, 2], help="numba thread counts (default 1,2)")
    bench.add_argument(
        "--apis",
        type=_api_list,
        default=list(BENCH_APIS),
        help=f"comma-separated subset of {','.join(BENCH_APIS)} (default all)",
    )
    bench.add_argument("--compile-time", action="store_true", help="also time a cold first import (~1 min)")
    bench.add_argument("--json", metavar="FILE", help="also write the results as JSON")
    _add_config_arguments(bench)
    bench.set_defaults(handler=_cmd_bench)

    return parser


BENCH_APIS = ("coordinator", "parallel", "aec", "mpe", "batch")


def _positive_float(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a number, got {text!r}") from None
    if not value > 0:
        raise argparse.ArgumentTypeError(f"must be > 0, got {text}")
    return value


def _int_list(text: str) -> list[int]:
    try:
        values = [int(part) for part in text.split(",") if part.strip()]
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected comma-separated integers, got {text!r}") from None
    if not values or any(value < 1 for value in values):
        raise argparse.ArgumentTypeError(f"expected integers >= 1, got {text!r}")
    return values


def _api_list(text: str) -> list[str]:
    names = [part.strip() for part in text.split(",") if part.strip()]
    unknown = [name for name in names if name not in BENCH_APIS]
    if unknown or not names:
        raise argparse.ArgumentTypeError(f"unknown api(s) {unknown or text!r}; choose from {','.join(BENCH_APIS)}")
    return names


def _cmd_bench(args: argparse.Namespace) -> int:
    from .bench import format_table, run_benchmarks

    config = _config_from(args)
    report = run_benchmarks(
        seconds=args.seconds,
        sizes=tuple(args.sizes),
        threads=tuple(args.threads),
        config=config,
        apis=tuple(args.apis),
        with_compile_time=args.compile_time,
    )
    print(format_table(report))
    if args.json:
        with _atomic_writer(args.json) as out:
            json.dump(_json_safe(report), out, indent=2)
            out.write("\n")
        print(f"results written to {args.json}")
    return 0


# -- running an env of any API the same way ---------------------------------------------


class _Session:
    """One env of the chosen API, stepped by a policy or by recorded actions.

    :meth:`step` returns the step record (JSON-able) and the observation
    bytes that the determinism digest covers.
    """

    def __init__(self, api: str, config: EnvConfig) -> None:
        if api not in APIS:
            raise ValueError(f"api must be one of {', '.join(APIS)}, got {api!r}")
        self.api = api
        self.config = config
        if api == "coordinator":
            self.env: Any = TicketTriageEnv(config)
        elif api == "parallel":
            self.env = parallel_env(config=config)
        else:
            self.env = aec_env(config=config)
        self.agents = list(self.env.unwrapped.possible_agents) if api != "coordinator" else []
        self.episode = -1
        self.done = True
        self._observations: Any = None

    def reset(self, seed: int | None) -> None:
        if self.api == "aec":
            self.env.reset(seed=seed)
        else:
            self._observations, _ = self.env.reset(seed=seed)
        self.episode += 1
        self.done = False

    def snapshot(self) -> dict:
        return self.env.unwrapped.snapshot()

    def choose(self, policy: Any, snapshot: dict | None = None) -> int | dict[str, int]:
        if self.api == "coordinator":
            return coordinator_action_from(policy, self.env, snapshot)
        observations = self._observations if self.api == "parallel" else None
        return agent_actions_from(policy, self.env, observations, snapshot)

    def step(self, action: Any) -> tuple[dict, bytes]:
        if self.api == "coordinator":
            observation, reward, _, truncated, info = self.env.step(action)
            record = {
                "actions": int(action),
                "rewards": reward,
                "reward_breakdown": info["reward_breakdown"],
                "invalid_action": info["invalid_action"],
                "engineer_actions": self.env.last_engineer_actions.tolist(),
            }
            observed = observation.tobytes() + info["action_mask"].tobytes()
        else:
            actions = self._agent_actions(action)
            if self.api == "parallel":
                observations, rewards, _, truncations, infos = self.env.step(actions)
                self._observations = observations
                truncated = any(truncations.values())
            else:
                for agent in self.agents:
                    self.env.step(actions[agent])
                observations = {agent: self.env.observe(agent) for agent in self.agents}
                rewards, infos = self.env.rewards, self.env.infos
                truncated = any(self.env.truncations.values())
            record = {
                "actions": actions,
                "rewards": {agent: float(rewards[agent]) for agent in self.agents},
                "reward_breakdown": {agent: infos[agent]["reward_breakdown"] for agent in self.agents},
                "invalid_action": {agent: int(infos[agent]["invalid_action"]) for agent in self.agents},
            }
            observed = b"".join(
                observations[agent]["observation"].tobytes() + observations[agent]["action_mask"].tobytes()
                for agent in self.agents
            )
        self.done = bool(truncated)
        return record, observed

    def team_reward(self, record: dict) -> float:
        rewards = record["rewards"]
        if self.api == "coordinator":
            return float(rewards)
        if self.config.reward_mode == "team":  # every engineer receives the team reward
            return float(rewards[self.agents[0]])
        return float(sum(rewards.values()))

    def _agent_actions(self, action: Any) -> dict[str, int]:
        if not isinstance(action, dict):
            raise TypeError(f"actions for the {self.api} API must be a dict agent -> int, got {action!r}")
        if set(action) != set(self.agents):
            raise ValueError(f"actions must name exactly the agents {self.agents}, got {sorted(action)}")
        n_actions = self.config.n_ticket_actions
        return {agent: check_action(agent, action[agent], n_actions) for agent in self.agents}


def _digest(observed: bytes, record: dict, snapshot: dict) -> str:
    payload = json.dumps(
        [record["rewards"], record["reward_breakdown"], record["invalid_action"], snapshot], sort_keys=True
    )
    return hashlib.sha256(observed + payload.encode()).hexdigest()


def _run_steps(
    session: _Session, seed: int, steps: int, policy: Any = None, actions: Sequence[Any] | None = None
) -> Iterator[tuple[dict, bytes, dict]]:
    """Yield ``(record, observation bytes, snapshot)`` for ``steps`` steps, from a
    policy or from recorded ``actions``; resets without a seed at episode ends."""
    session.reset(seed)
    for index in range(steps):
        if session.done:
            session.reset(None)
        if actions is not None:
            action = actions[index]
        else:
            action = session.choose(policy)
        record, observed = session.step(action)
        yield record, observed, session.snapshot()


# -- files ------------------------------------------------------------------------------------------------


@contextlib.contextmanager
def _atomic_writer(path: str) -> Iterator[IO[str]]:
    """Write to a temporary file next to ``path``; rename it over ``path`` only on success."""
    directory = os.path.dirname(os.path.abspath(path))
    if not os.path.isdir(directory):
        raise FileNotFoundError(f"output directory does not exist: {directory}")
    handle = tempfile.NamedTemporaryFile(
        "w", encoding="utf-8", dir=directory, prefix=f".{os.path.basename(path)}.", suffix=".tmp", delete=False
    )
    try:
        with handle:
            yield handle
        umask = os.umask(0)
        os.umask(umask)
        os.chmod(handle.name, 0o666 & ~umask)  # a temporary file is private (0600); the result should not be
        os.replace(handle.name, path)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(handle.name)
        raise


def _config_from(args: argparse.Namespace) -> EnvConfig:
    overrides = dict(args.overrides)
    if args.config:
        return load_config(args.config, **overrides)
    return EnvConfig.from_dict(overrides)


def _progress(total: int) -> Any:
    """A tqdm bar on stderr for long runs, or None (short run, or tqdm not installed)."""
    if total <= PROGRESS_BAR_MIN_STEPS:
        return None
    try:
        from tqdm import tqdm
    except ImportError:
        return None
    return tqdm(
        total=total, unit="step", file=sys.stderr, mininterval=0.5, leave=False, disable=None
    )  # None: off when not a terminal


# -- commands --------------------------------------------------------------------------------------------------


def _cmd_rollout(args: argparse.Namespace) -> int:
    config = _config_from(args)
    policy = make_policy(args.policy, seed=args.seed)
    session = _Session(args.api, config)
    header = {
        "type": "header",
        "trace_format": TRACE_FORMAT,
        "version": __version__,
        "api": args.api,
        "policy": args.policy,
        "seed": args.seed,
        "steps": args.steps,
        "config": config.to_dict(),
    }
    total_return = 0.0
    snapshot: dict = {}
    bar = _progress(args.steps)
    writer = _atomic_writer(args.out) if args.out else contextlib.nullcontext(None)
    try:
        with writer as out:
            if out is not None:
                out.write(json.dumps(header, separators=(",", ":")) + "\n")
            for index, (record, _, snapshot) in enumerate(_run_steps(session, args.seed, args.steps, policy=policy)):
                total_return += session.team_reward(record)
                if out is not None:
                    line = {"type": "step", "step": index, "episode": session.episode, "t": snapshot["t"], **record}
                    line["snapshot"] = snapshot
                    out.write(json.dumps(line, separators=(",", ":")) + "\n")
                if bar is not None:
                    bar.update(1)
    finally:
        if bar is not None:
            bar.close()
    print(render_ansi(snapshot))
    episodes = session.episode + 1
    print(
        f"{args.steps} steps, {episodes} episode{'s' if episodes != 1 else ''}, team return {total_return:.2f} "
        f"(policy {args.policy}, api {args.api}, seed {args.seed}, config {config.name!r})"
        + (f"; trace written to {args.out}" if args.out else "")
    )
    return 0


def _cmd_validate(args: argparse.Namespace) -> int:
    config = _config_from(args)
    policy = make_policy(args.policy, seed=args.seed)
    actions: list[Any] = []
    first: list[str] = []
    where: list[str] = []  # "episode k, t=..." of each step, for the failure message
    session = _Session(args.api, config)
    for record, observed, snapshot in _run_steps(session, args.seed, args.steps, policy=policy):
        actions.append(record["actions"])
        first.append(_digest(observed, record, snapshot))
        where.append(f"episode {session.episode}, t={snapshot['t']}")
    second = [
        _digest(observed, record, snapshot)
        for record, observed, snapshot in _run_steps(_Session(args.api, config), args.seed, args.steps, actions=actions)
    ]
    request = {"config": config.to_dict(), "api": args.api, "seed": args.seed, "actions": actions}
    completed = subprocess.run(
        [sys.executable, "-m", "ticket_triage_marl.cli", DIGEST_COMMAND],
        input=json.dumps(request),
        capture_output=True,
        text=True,
        check=False,
    )
    if completed.returncode != 0:
        detail = (completed.stderr.strip().splitlines() or ["no output"])[-1]
        raise CheckFailed(f"the fresh-process replay failed (exit {completed.returncode}): {detail}")
    try:
        third = json.loads(completed.stdout)
    except json.JSONDecodeError:
        raise CheckFailed(f"the fresh-process replay printed no digests: {completed.stdout[:80]!r}") from None
    for label, other in (("an in-process replay", second), ("a fresh-process replay", third)):
        for index, (expected, got) in enumerate(zip(first, other, strict=False)):  # length checked below
            if expected != got:
                raise CheckFailed(
                    f"step {index} ({where[index]}) differs between the first run and {label} "
                    f"(digest {expected[:12]} vs {got[:12]}): not deterministic"
                )
        if len(other) != len(first):
            raise CheckFailed(f"{label} produced {len(other)} steps instead of {len(first)}")
    print(
        f"validate: OK - {args.steps} steps identical across 3 runs (2 in-process, 1 fresh process); "
        f"api {args.api}, policy {args.policy}, seed {args.seed}, config {config.name!r}; "
        f"final digest {first[-1][:16]}"
    )
    return 0


def _cmd_digest() -> int:
    """The fresh-process leg of ``validate`` (internal, not in --help): read
    ``{config, api, seed, actions}`` as JSON on stdin, print the step digests."""
    request = json.loads(sys.stdin.read())
    config = EnvConfig.from_dict(request["config"])
    actions = request["actions"]
    digests = [
        _digest(observed, record, snapshot)
        for record, observed, snapshot in _run_steps(
            _Session(request["api"], config), request["seed"], len(actions), actions=actions
        )
    ]
    print(json.dumps(digests))
    return 0


# -- replay ---------------------------------------------------------------------------------------------------


def _first_difference(expected: Any, got: Any, path: str = "") -> str | None:
    """Where two JSON values differ first (``path: expected vs got``), or None."""
    if isinstance(expected, dict) and isinstance(got, dict):
        for key in sorted(set(expected) | set(got)):
            if key not in expected or key not in got:
                return f"{path}.{key}: present in only one of trace and replay"
            found = _first_difference(expected[key], got[key], f"{path}.{key}")
            if found:
                return found
        return None
    if isinstance(expected, list) and isinstance(got, list):
        if len(expected) != len(got):
            return f"{path}: {len(expected)} items in the trace vs {len(got)} in the replay"
        for index, (a, b) in enumerate(zip(expected, got, strict=True)):
            found = _first_difference(a, b, f"{path}[{index}]")
            if found:
                return found
        return None
    if expected != got or type(expected) is not type(got):
        return f"{path}: trace {expected!r} vs replay {got!r}"
    return None


def _read_json_line(path: str, number: int, line: str) -> dict:
    if not line.endswith("\n"):
        # the writer ends every line with a newline: a missing one means the file was cut
        raise CheckFailed(f"{path}:{number}: last line is incomplete (no newline): trace truncated")
    try:
        value = json.loads(line)
    except json.JSONDecodeError as error:
        raise CheckFailed(
            f"{path}:{number}: not valid JSON ({error.msg} at column {error.colno}): trace corrupted"
        ) from None
    if not isinstance(value, dict):
        raise CheckFailed(f"{path}:{number}: expected a JSON object, got {type(value).__name__}: trace corrupted")
    return value


def _read_header(path: str, first_line: str) -> tuple[EnvConfig, int, str, int, str]:
    header = _read_json_line(path, 1, first_line)
    if header.get("type") != "header":
        raise CheckFailed(f"{path}:1: expected the trace header (type 'header'), got type {header.get('type')!r}")
    if header.get("trace_format") != TRACE_FORMAT:
        raise CheckFailed(
            f"{path}:1: unsupported trace_format {header.get('trace_format')!r} (expected {TRACE_FORMAT})"
        )
    missing = [key for key in ("config", "seed", "api", "steps") if key not in header]
    if missing:
        raise CheckFailed(f"{path}:1: header lacks {missing}: trace corrupted")
    try:
        config = EnvConfig.from_dict(header["config"])
    except (TypeError, ValueError) as error:
        raise CheckFailed(f"{path}:1: bad config in the header: {error}") from None
    seed, steps, api = header["seed"], header["steps"], header["api"]
    if not isinstance(seed, int) or not isinstance(steps, int) or steps < 0 or api not in APIS:
        raise CheckFailed(f"{path}:1: bad seed, steps or api in the header: trace corrupted")
    return config, seed, api, steps, str(header.get("policy", "?"))


REQUIRED_STEP_KEYS = ("actions", "rewards", "reward_breakdown", "invalid_action", "snapshot", "episode")


def _cmd_replay(args: argparse.Namespace) -> int:
    path = args.trace
    if not os.path.isfile(path):
        raise FileNotFoundError(f"trace file not found: {path}")
    with open(path, encoding="utf-8") as handle:
        try:
            first_line = handle.readline()
        except UnicodeDecodeError:
            raise CheckFailed(f"{path}:1: not a text file: trace corrupted") from None
        if not first_line:
            raise CheckFailed(f"{path}:1: empty file, expected the trace header")
        config, seed, api, steps, policy = _read_header(path, first_line)
        session = _Session(api, config)
        session.reset(seed)
        number = 1
        count = 0
        while True:
            try:
                line = handle.readline()
            except UnicodeDecodeError:
                raise CheckFailed(f"{path}:{number + 1}: not valid UTF-8: trace corrupted") from None
            if not line:
                break
            number += 1
            record = _read_json_line(path, number, line)
            if record.get("type") != "step":
                raise CheckFailed(f"{path}:{number}: expected a step record, got type {record.get('type')!r}")
            missing = [key for key in REQUIRED_STEP_KEYS if key not in record]
            if missing:
                raise CheckFailed(f"{path}:{number}: step record lacks {missing}: trace corrupted")
            if count >= steps:
                raise CheckFailed(f"{path}:{number}: more step records than the {steps} the header announces")
            if session.done:
                session.reset(None)
            if record["episode"] != session.episode:
                raise CheckFailed(
                    f"{path}:{number}: step {count} is in episode {record['episode']} in the trace "
                    f"but episode {session.episode} in the replay"
                )
            try:
                replayed, _ = session.step(record["actions"])
            except (TypeError, ValueError) as error:
                raise CheckFailed(f"{path}:{number}: bad action in the trace: {error}") from None
            replayed["snapshot"] = session.snapshot()
            replayed = json.loads(json.dumps(replayed))  # compare as JSON, the way the trace stores it
            for key in ("rewards", "reward_breakdown", "invalid_action", "snapshot"):
                difference = _first_difference(record[key], replayed[key], key)
                if difference:
                    raise CheckFailed(f"{path}:{number}: mismatch at step {count} (t={record.get('t')}): {difference}")
            count += 1
    if count != steps:
        raise CheckFailed(
            f"{path}:{number + 1}: trace truncated: the header announces {steps} steps, the file has {count}"
        )
    print(f"replay: OK - {path}: {count} steps match (api {api}, policy {policy}, seed {seed}, config {config.name!r})")
    return 0


# -- evaluate ------------------------------------------------------------------------------------------------------

# Two-sided 95% quantiles of Student's t by degrees of freedom (no scipy needed).
_T_QUANTILES = {
    1: 12.706, 2: 4.303, 3: 3.182, 4: 2.776, 5: 2.571, 6: 2.447, 7: 2.365, 8: 2.306, 9: 2.262, 10: 2.228,
    11: 2.201, 12: 2.179, 13: 2.160, 14: 2.145, 15: 2.131, 16: 2.120, 17: 2.110, 18: 2.101, 19: 2.093,
    20: 2.086, 21: 2.080, 22: 2.074, 23: 2.069, 24: 2.064, 25: 2.060, 26: 2.056, 27: 2.052, 28: 2.048,
    29: 2.045, 30: 2.042, 40: 2.021, 60: 2.000, 120: 1.980,
}  # fmt: skip


def t_quantile_95(df: int) -> float:
    """Two-sided 95% quantile of Student's t with ``df`` degrees of freedom (the
    nearest tabulated df at or below, so never too narrow; 1.96 beyond 120)."""
    if df < 1:
        raise ValueError(f"degrees of freedom must be >= 1, got {df}")
    if df > 120:
        return 1.96
    return _T_QUANTILES[max(k for k in _T_QUANTILES if k <= df)]


def mean_ci95(values: Sequence[float]) -> tuple[float, float]:
    """Mean and half-width of its 95% confidence interval (t-distribution);
    NaN values are left out; half-width NaN with fewer than two values."""
    data = np.asarray([v for v in values if not math.isnan(v)], dtype=np.float64)
    if data.size == 0:
        return math.nan, math.nan
    if data.size == 1:
        return float(data[0]), math.nan
    return float(data.mean()), t_quantile_95(data.size - 1) * float(data.std(ddof=1)) / math.sqrt(data.size)


def run_episode(env: TicketTriageEnv, policy: Any, seed: int) -> dict[str, float]:
    """One full coordinator episode: return, resolved, breaches and mean time to resolve.

    Time to resolve is measured from the first snapshot that shows a ticket to
    the step that resolves it (a reopened ticket starts a new measurement);
    tickets still open at the horizon are not counted.
    """
    env.reset(seed=seed)
    snapshot = env.snapshot()
    first_seen = {ticket["id"]: snapshot["t"] for ticket in snapshot["tickets"] + snapshot["queue"]}
    total, times = 0.0, []
    while True:
        _, reward, _, truncated, info = env.step(coordinator_action_from(policy, env, snapshot))
        total += reward
        snapshot = env.snapshot()
        now = {ticket["id"] for ticket in snapshot["tickets"]} | {ticket["id"] for ticket in snapshot["queue"]}
        for ticket_id in [ticket_id for ticket_id in first_seen if ticket_id not in now]:
            times.append(snapshot["t"] - first_seen.pop(ticket_id))
        for ticket_id in now:
            first_seen.setdefault(ticket_id, snapshot["t"])
        if truncated:
            break
    return {
        "return": total,
        "resolved": float(info["total_resolved"]),
        "breaches": float(info["total_breaches"]),
        "time_to_resolve": float(np.mean(times)) if times else math.nan,
    }


METRICS = (
    ("return", "return", 2),
    ("resolved", "resolved", 1),
    ("breaches", "breaches", 1),
    ("time_to_resolve", "time to resolve", 1),
)


def _format_ci(mean: float, half: float, digits: int) -> str:
    if math.isnan(mean):
        return "-"
    if math.isnan(half):
        return f"{mean:.{digits}f}"
    return f"{mean:.{digits}f} ± {half:.{digits}f}"


def _cmd_evaluate(args: argparse.Namespace) -> int:
    config = _config_from(args)
    seeds = list(range(args.seeds))
    env = TicketTriageEnv(config)
    results: dict[str, dict[str, list[float]]] = {}
    bar = _progress(len(args.policies) * len(seeds) * config.horizon)
    try:
        for name in args.policies:
            per_metric: dict[str, list[float]] = {key: [] for key, _, _ in METRICS}
            for seed in seeds:
                episode = run_episode(env, make_policy(name, seed=seed), seed)
                for key in per_metric:
                    per_metric[key].append(episode[key])
                if bar is not None:
                    bar.update(config.horizon)
            results[name] = per_metric
    finally:
        if bar is not None:
            bar.close()
    baseline = args.policies[0]
    summary: dict[str, dict[str, dict[str, float]]] = {}
    rows = []
    for name, per_metric in results.items():
        summary[name] = {}
        row = [name]
        for key, _, digits in METRICS:
            mean, half = mean_ci95(per_metric[key])
            summary[name][key] = {"mean": mean, "ci95": half}
            row.append(_format_ci(mean, half, digits))
        paired = [a - b for a, b in zip(per_metric["return"], results[baseline]["return"], strict=True)]
        mean, half = mean_ci95(paired)
        summary[name]["return_minus_" + baseline] = {"mean": mean, "ci95": half}
        row.append("-" if name == baseline else _format_ci(mean, half, 2))
        rows.append(row)
    headers = ["policy", *(label for _, label, _ in METRICS), f"return - {baseline} (paired)"]
    seed_text = "seed 0" if len(seeds) == 1 else f"seeds 0..{len(seeds) - 1}"
    print(
        f"Coordinator env, config {config.name!r} (horizon {config.horizon}, {config.n_engineers} engineers), "
        f"one episode per seed on {seed_text}."
    )
    print(
        "Common random numbers: every policy faces the same seeds, hence the same ticket arrivals. "
        "Mean ± 95% CI (t-distribution); time to resolve in steps."
    )
    widths = [max(len(str(row[i])) for row in [headers, *rows]) for i in range(len(headers))]
    print("  ".join(h.ljust(w) for h, w in zip(headers, widths, strict=True)).rstrip())
    for row in rows:
        print("  ".join(str(cell).ljust(w) for cell, w in zip(row, widths, strict=True)).rstrip())
    if args.json:
        document = {
            "config": config.to_dict(),
            "seeds": seeds,
            "common_random_numbers": True,
            "policies": summary,
            "values": results,
            "version": __version__,
        }
        with _atomic_writer(args.json) as out:
            json.dump(_json_safe(document), out, indent=2)
            out.write("\n")
        print(f"results written to {args.json}")
    return 0


def _json_safe(value: Any) -> Any:
    """NaN becomes None (strict JSON has no NaN)."""
    if isinstance(value, float) and math.isnan(value):
        return None
    if isinstance(value, dict):
        return {key: _json_safe(item) for key, item in value.items()}
    if isinstance(value, list):
        return [_json_safe(item) for item in value]
    return value


# -- entry point ---------------------------------------------------------------------------------------------------------


def _one_line(error: BaseException) -> str:
    return " ".join(str(error).split()) or type(error).__name__


def main(argv: Sequence[str] | None = None) -> int:
    """Run the ``ticket-triage`` command line; returns the exit status."""
    argv = sys.argv[1:] if argv is None else list(argv)
    if argv == [DIGEST_COMMAND]:
        return _cmd_digest()
    parser = build_parser()
    try:
        args = parser.parse_args(argv)
    except SystemExit as exit_:  # --help, --version, or a usage error (already printed)
        return exit_.code if isinstance(exit_.code, int) else (0 if exit_.code is None else 2)
    handler: Callable[[argparse.Namespace], int] = args.handler
    try:
        return handler(args)
    except CheckFailed as failure:
        print(f"{PROG} {args.command}: FAILED: {_one_line(failure)}", file=sys.stderr)
        return 1
    except (ValueError, TypeError, RuntimeError, OSError) as error:
        print(f"{PROG}: error: {_one_line(error)}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print(f"{PROG}: interrupted", file=sys.stderr)
        return 130


if __name__ == "__main__":
    sys.exit(main())
