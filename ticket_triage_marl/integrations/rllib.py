"""RLlib (new API stack) adapters: an ordered ``MultiAgentEnv``, a masking RLModule, PPO configs.

Importing this module imports ``ray.rllib`` and torch; without them it raises
:class:`~ticket_triage_marl.integrations.MissingExtraError` with the install
command.

- :class:`TicketTriageMultiAgentEnv`: the PettingZoo parallel env as an RLlib
  ``MultiAgentEnv``. Agents keep their index order (``engineer_0``,
  ``engineer_1``, ...), so trajectories do not depend on ``PYTHONHASHSEED``
  (RLlib's ``ParallelPettingZooEnv`` orders agents from a set), and
  ``render()`` works. Each engineer observes ``Dict(observations=Box(float32,
  (D,)), action_mask=Box(float32 0/1, (1+4T,)))``, plus ``state`` (the global
  :meth:`~ticket_triage_marl.TicketTriageParallelEnv.state`) with
  ``central_critic=True``.
- :class:`MaskedActorCriticModule`: a ``TorchRLModule`` with RLlib's
  ``ValueFunctionAPI``, reading that dict directly: the actor sees
  ``observations`` and its logits are set to the float32 minimum wherever
  ``action_mask`` is 0 (in exploration, inference and training alike, so a
  forbidden action is never sampled and PPO's ratios, KL and entropy only
  cover allowed actions); the critic sees ``observations``, or ``state`` when
  the observation has it (a centralized critic, MAPPO-style: decentralized
  actors, a value function of the global state used only in training).
- :func:`ppo_config`: a ``PPOConfig`` on the registered env with one policy
  shared by every engineer (``policy="shared"``) or one per engineer
  (``policy="per_engineer"``), the masking module, and the hyperparameters of
  a TOML file (``configs/rllib/*.toml``) or of keyword arguments.
- :func:`register_envs`: registers ``"ticket_triage_marl/MultiAgent-v0"``
  (:class:`TicketTriageMultiAgentEnv`) and ``"ticket_triage_marl/Coordinator-v0"``
  (the single-agent :class:`~ticket_triage_marl.TicketTriageEnv`) with Ray Tune's
  registry; :func:`ppo_config` calls it.

``env_config`` keys, for both registered envs: any
:class:`~ticket_triage_marl.EnvConfig` field (an override), ``config_path`` (a
TOML scenario such as ``configs/default.toml``, loaded first), ``render_mode``;
``central_critic`` (multi-agent) or ``observation_format`` (coordinator).
Unknown keys raise ``ValueError``. :func:`ppo_config` resolves the scenario
file on the driver and ships the resolved fields, so remote env runners never
need the file.

RLlib reports ``episode_return_mean`` summed over agents; with the default
``reward_mode="team"`` every engineer receives the team reward, so that sum is
``n_engineers`` times the team return (:func:`team_return` converts).

Reproducibility: with the same ``seed`` a run repeats exactly only if
``PYTHONHASHSEED`` is fixed too. The adapter keeps the engineers in order, but
RLlib 2.60's ``MultiAgentEpisode`` hands a step's agents to the connectors as a
``set`` (``get_agents_to_act()``, ``agent_ids``), so the row each engineer
takes in the batch, and with it the random draw its action comes from, follows
Python's string hashing.

Example::

    import ray
    from ticket_triage_marl.integrations.rllib import build_algorithm, ppo_config

    ray.init(include_dashboard=False)
    algo = build_algorithm(ppo_config("configs/rllib/ppo_shared.toml", num_env_runners=2))
    for _ in range(10):
        result = algo.train()
"""

from __future__ import annotations

import contextlib
import inspect
import os
from collections.abc import Iterator, Mapping
from typing import Any, ClassVar, cast

import gymnasium
import numpy as np

from . import RLLIB_INSTALL_HINT, require

require("ray.rllib", "ticket_triage_marl.integrations.rllib", hint=RLLIB_INSTALL_HINT)
torch: Any = require("torch", "ticket_triage_marl.integrations.rllib", hint=RLLIB_INSTALL_HINT)

from ray.rllib.algorithms.algorithm import Algorithm  # noqa: E402
from ray.rllib.algorithms.ppo import PPOConfig  # noqa: E402
from ray.rllib.core.columns import Columns  # noqa: E402
from ray.rllib.core.rl_module.apis import InferenceOnlyAPI, ValueFunctionAPI  # noqa: E402
from ray.rllib.core.rl_module.multi_rl_module import MultiRLModuleSpec  # noqa: E402
from ray.rllib.core.rl_module.rl_module import RLModuleSpec  # noqa: E402
from ray.rllib.core.rl_module.torch import TorchRLModule  # noqa: E402
from ray.rllib.env.multi_agent_env import MultiAgentEnv  # noqa: E402

from ..config import FIELD_NAMES, EnvConfig, load_config, read_toml, resolve_config  # noqa: E402
from ..envs.coordinator import TicketTriageEnv  # noqa: E402
from ..envs.multiagent import METADATA, parallel_env  # noqa: E402

__all__ = [
    "COORDINATOR_ENV_NAME",
    "MODEL_DEFAULTS",
    "MULTI_AGENT_ENV_NAME",
    "POLICY_SETUPS",
    "MaskedActorCriticModule",
    "TicketTriageMultiAgentEnv",
    "build_algorithm",
    "greedy_actions",
    "load_ppo_file",
    "ppo_config",
    "register_envs",
    "results_dir",
    "team_return",
]

MULTI_AGENT_ENV_NAME = "ticket_triage_marl/MultiAgent-v0"
COORDINATOR_ENV_NAME = "ticket_triage_marl/Coordinator-v0"
POLICY_SETUPS = ("shared", "per_engineer")
SHARED_POLICY = "shared"

# The module's network sizes; the names are RLlib's ``DefaultModelConfig`` ones.
MODEL_DEFAULTS: dict[str, Any] = {"fcnet_hiddens": [128, 128], "fcnet_activation": "tanh"}
_Shape = tuple[int, ...]
_ACTIVATIONS = {"tanh": torch.nn.Tanh, "relu": torch.nn.ReLU}

# PPO settings of ppo_config() when neither the file nor the caller gives them: those of
# configs/rllib/ppo_shared.toml (the file says why).
_TRAINING_DEFAULTS: dict[str, Any] = {
    "lr": 1e-3,
    "gamma": 0.99,
    "lambda_": 0.95,
    "train_batch_size_per_learner": 2000,
    "minibatch_size": 500,
    "num_epochs": 5,
    "entropy_coeff": 0.01,
    "vf_loss_coeff": 0.5,
    "vf_clip_param": 100.0,
}


# -- env_config ------------------------------------------------------------------------


def _split_env_config(env_config: Mapping[str, Any] | None, options: Mapping[str, Any]) -> tuple[EnvConfig, dict]:
    """``(EnvConfig, options)`` from an RLlib ``env_config`` (an ``EnvContext`` is a dict).

    ``options`` maps each accepted non-config key to its default.
    """
    if env_config is not None and not isinstance(env_config, Mapping):
        raise TypeError(f"env_config must be a mapping of config fields, got {type(env_config).__name__}")
    data = dict(env_config or {})
    unknown = sorted(set(data) - set(FIELD_NAMES) - {"max_cycles", "config_path"} - set(options))
    if unknown:
        extras = ", ".join(repr(key) for key in ("config_path", *options))
        raise ValueError(
            f"unknown env_config key(s) {unknown}; accepted: {extras} and the EnvConfig fields: {', '.join(FIELD_NAMES)}"
        )
    chosen = {key: data.pop(key, default) for key, default in options.items()}
    config_path = data.pop("config_path", None)
    config = load_config(config_path, **data) if config_path is not None else resolve_config(None, data)
    return config, chosen


def _make_multi_agent_env(env_config: Mapping[str, Any]) -> TicketTriageMultiAgentEnv:
    return TicketTriageMultiAgentEnv(env_config)


def _make_coordinator_env(env_config: Mapping[str, Any]) -> TicketTriageEnv:
    config, options = _split_env_config(env_config, {"render_mode": None, "observation_format": "flat"})
    return TicketTriageEnv(config, **options)


def register_envs() -> None:
    """Register :data:`MULTI_AGENT_ENV_NAME` and :data:`COORDINATOR_ENV_NAME` with Ray Tune's registry.

    Safe to call any number of times (a name is registered again, to the same
    creator). Call it before ``ray.init`` or after: Ray ships the registry to
    remote env runners either way.
    """
    from ray.tune.registry import register_env

    register_env(MULTI_AGENT_ENV_NAME, _make_multi_agent_env)
    register_env(COORDINATOR_ENV_NAME, _make_coordinator_env)


# -- the environment -------------------------------------------------------------------------


class TicketTriageMultiAgentEnv(MultiAgentEnv):
    """The multi-agent env as an RLlib ``MultiAgentEnv``, engineers in index order.

    Description
        A thin adapter over :func:`ticket_triage_marl.parallel_env` (its
        ``par`` attribute): the same dynamics, rewards and infos, step for step.
        Only the observation dict is renamed for RLlib: PettingZoo's
        ``observation`` becomes ``observations`` and the mask is float32.

    Agents
        ``engineer_0`` ... ``engineer_{E-1}``, in that order everywhere
        (``possible_agents``, ``agents``, every returned dict).

    Observation Space
        Per agent ``Dict(observations=Box(float32, (D,)), action_mask=Box(float32
        0/1, (1+4T,)))``, plus ``state=Box(float32, (S,))`` (the global state, the
        same for every agent) when ``central_critic`` is True. One space object,
        shared by all agents, in ``observation_spaces``.

    Action Space
        ``Discrete(1 + 4T)`` per agent, in ``action_spaces`` (see
        :mod:`ticket_triage_marl.envs.multiagent`).

    Episode End
        Every agent is truncated at ``horizon``, and ``truncateds["__all__"]``
        with them; ``terminateds`` are always False, ``"__all__"`` included.
        ``reset(seed=None)`` starts the next episode of the same random stream.

    Args:
        env_config: RLlib's ``env_config`` (an ``EnvContext``, which is a dict):
            :class:`~ticket_triage_marl.EnvConfig` fields, ``config_path`` (a TOML
            scenario, loaded first, then the fields override it),
            ``central_critic`` (bool, default False) and ``render_mode``.
    """

    metadata: ClassVar[dict[str, Any]] = {
        "render_modes": METADATA["render_modes"],
        "render_fps": METADATA["render_fps"],
    }

    def __init__(self, env_config: Mapping[str, Any] | None = None) -> None:
        super().__init__()
        config, options = _split_env_config(env_config, {"central_critic": False, "render_mode": None})
        if not isinstance(options["central_critic"], bool):
            raise TypeError(f"central_critic must be a bool, got {options['central_critic']!r}")
        self.central_critic: bool = options["central_critic"]
        self.par = parallel_env(config=config, render_mode=options["render_mode"])
        self.render_mode = self.par.render_mode
        self.possible_agents = list(self.par.possible_agents)
        self.agents: list[str] = []
        first = self.possible_agents[0]
        features = self.par.observation_space(first)["observation"]
        n_actions = int(self.par.action_space(first).n)
        spaces = {
            "observations": features,
            "action_mask": gymnasium.spaces.Box(low=0.0, high=1.0, shape=(n_actions,), dtype=np.float32),
        }
        if self.central_critic:
            spaces["state"] = self.par.state_space
        self._observation_space = gymnasium.spaces.Dict(spaces)
        self.observation_spaces = dict.fromkeys(self.possible_agents, self._observation_space)
        self.action_spaces = dict.fromkeys(self.possible_agents, self.par.action_space(first))

    @property
    def config(self) -> EnvConfig:
        """The :class:`~ticket_triage_marl.EnvConfig` this env runs."""
        return self.par.config

    def reset(self, *, seed: int | None = None, options: dict | None = None):
        """Start an episode; ``seed=None`` continues the random stream (first reset: OS entropy)."""
        observations, infos = self.par.reset(seed=seed, options=options)
        self.agents = list(self.par.agents)
        return self._observations(observations), infos

    def step(self, action_dict: Mapping[str, Any]):
        """One tick: every live engineer must act (0 is NOOP)."""
        observations, rewards, terminations, truncations, infos = self.par.step(dict(action_dict))
        self.agents = list(self.par.agents)
        terminateds = {**terminations, "__all__": False}
        truncateds = {**truncations, "__all__": bool(truncations) and all(truncations.values())}
        return self._observations(observations), rewards, terminateds, truncateds, infos

    def _observations(self, observations: dict[str, dict[str, np.ndarray]]) -> dict[str, dict[str, np.ndarray]]:
        state = self.par.state() if self.central_critic else None
        out = {}
        for agent, observation in observations.items():
            entry = {
                "observations": observation["observation"],
                "action_mask": observation["action_mask"].astype(np.float32),
            }
            if state is not None:
                entry["state"] = state
            out[agent] = entry
        return out

    def state(self) -> np.ndarray:
        """The global state vector (what the centralized critic reads)."""
        return self.par.state()

    def snapshot(self) -> dict:
        """The full raw state as plain JSON-able Python."""
        return self.par.snapshot()

    def render(self) -> str | np.ndarray | None:
        """As the parallel env: ``"ansi"`` text, ``"rgb_array"`` image, ``"human"`` prints."""
        return self.par.render()

    def close(self) -> None:
        self.par.close()


# -- the RLModule -----------------------------------------------------------------------------


def _mlp(n_inputs: int, hiddens: list[int], n_outputs: int, activation: str) -> torch.nn.Sequential:
    layers: list[torch.nn.Module] = []
    for width in hiddens:
        layers += [torch.nn.Linear(n_inputs, width), _ACTIVATIONS[activation]()]
        n_inputs = width
    layers.append(torch.nn.Linear(n_inputs, n_outputs))
    return torch.nn.Sequential(*layers)


def mask_logits(logits: torch.Tensor, action_mask: torch.Tensor) -> torch.Tensor:
    """Logits with every action whose mask entry is 0 set to the dtype's minimum (finite, unlike -inf).

    A finite floor keeps PPO's KL and entropy free of ``inf - inf``; the
    softmax gives those actions probability exactly 0.
    """
    return logits.masked_fill(action_mask <= 0, torch.finfo(logits.dtype).min)


class MaskedActorCriticModule(TorchRLModule, ValueFunctionAPI, InferenceOnlyAPI):
    """Actor-critic ``TorchRLModule`` with action masking and an optional centralized critic.

    Reads the observation dict of :class:`TicketTriageMultiAgentEnv` directly
    (no flattening connector): ``observations`` feed the actor, ``action_mask``
    masks its logits, and the critic reads ``state`` if the observation space
    has it (centralized critic), else ``observations``. Actor and critic are
    separate MLPs; env runners build the module ``inference_only`` and drop
    the critic.

    ``model_config`` keys (others, such as the ones RLlib adds, are ignored):
    ``fcnet_hiddens`` (list of layer widths, default ``[128, 128]``) and
    ``fcnet_activation`` (``"tanh"`` or ``"relu"``).
    """

    def setup(self) -> None:
        space = self.observation_space
        if not isinstance(space, gymnasium.spaces.Dict) or not {"observations", "action_mask"} <= set(space.spaces):
            raise ValueError(
                "MaskedActorCriticModule needs a Dict observation space with keys 'observations' and "
                f"'action_mask' (and optionally 'state'), got {space}"
            )
        if not isinstance(self.action_space, gymnasium.spaces.Discrete):
            raise ValueError(f"MaskedActorCriticModule needs a Discrete action space, got {self.action_space}")
        n_actions = int(self.action_space.n)
        if space["action_mask"].shape != (n_actions,):
            raise ValueError(f"action_mask must have shape ({n_actions},), got {space['action_mask'].shape}")
        model_config = {**MODEL_DEFAULTS, **(self.model_config or {})}
        hiddens = [int(width) for width in model_config["fcnet_hiddens"]]
        activation = model_config["fcnet_activation"]
        if activation not in _ACTIVATIONS:
            raise ValueError(f"fcnet_activation must be one of {sorted(_ACTIVATIONS)}, got {activation!r}")
        self.central_critic = "state" in space.spaces
        n_features = int(np.prod(cast(_Shape, space["observations"].shape)))  # Box spaces: always a shape
        n_critic_inputs = int(np.prod(cast(_Shape, space["state"].shape))) if self.central_critic else n_features
        self.actor = _mlp(n_features, hiddens, n_actions, activation)
        self.critic = _mlp(n_critic_inputs, hiddens, 1, activation)

    def _forward(self, batch: dict[str, Any], **kwargs: Any) -> dict[str, Any]:
        observations = batch[Columns.OBS]
        logits = self.actor(observations["observations"])
        return {Columns.ACTION_DIST_INPUTS: mask_logits(logits, observations["action_mask"])}

    def compute_values(self, batch: dict[str, Any], embeddings: Any = None) -> torch.Tensor:
        """Value estimates ``(B,)`` (or ``(B, T)``): of the global state with a central critic."""
        observations = batch[Columns.OBS]
        inputs = observations["state"] if self.central_critic else observations["observations"]
        return self.critic(inputs).squeeze(-1)

    def get_non_inference_attributes(self) -> list[str]:
        return ["critic"]


# -- PPO configs ------------------------------------------------------------------------------


def _shared_policy(agent_id: str, episode: Any = None, **kwargs: Any) -> str:
    return SHARED_POLICY


def _own_policy(agent_id: str, episode: Any = None, **kwargs: Any) -> str:
    return agent_id


def _keyword_names(method_name: str) -> set[str]:
    """The keyword arguments ``PPOConfig.<method_name>`` accepts, its base classes' included."""
    names: set[str] = set()
    for cls in PPOConfig.__mro__:
        method = cls.__dict__.get(method_name)
        if method is not None:
            parameters = inspect.signature(method).parameters.values()
            names |= {p.name for p in parameters if p.name != "self" and p.kind is not p.VAR_KEYWORD}
    return names


_FILE_KEYS = {"policy", "central_critic", "seed", "env", "model", "training", "env_runners"}


def load_ppo_file(path: str | os.PathLike[str]) -> dict[str, Any]:
    """Read a ``configs/rllib/*.toml`` file into :func:`ppo_config`'s keyword arguments.

    The file holds ``policy``, ``central_critic`` and ``seed`` at top level and
    the tables ``[env]`` (``config_path``, relative to the file, and
    :class:`~ticket_triage_marl.EnvConfig` overrides), ``[model]``
    (:data:`MODEL_DEFAULTS` keys), ``[training]`` (``PPOConfig.training``
    arguments) and ``[env_runners]`` (``PPOConfig.env_runners`` arguments).

    Raises:
        FileNotFoundError: no such file.
        ValueError: invalid TOML or an unknown key (the message names it and the accepted ones).
    """
    path = os.fspath(path)
    data = read_toml(path, what="RLlib config file")
    try:
        _check_names("top-level key", data, _FILE_KEYS)
        for table in ("env", "model", "training", "env_runners"):
            if not isinstance(data.get(table, {}), dict):
                raise ValueError(f"[{table}] must be a table")
    except ValueError as error:
        raise ValueError(f"{path}: {error}") from None
    env = dict(data.get("env", {}))
    if "config_path" in env:
        env["config_path"] = os.path.normpath(os.path.join(os.path.dirname(os.path.abspath(path)), env["config_path"]))
    out: dict[str, Any] = {key: data[key] for key in ("policy", "central_critic", "seed") if key in data}
    out["env_config"] = env
    out["model"] = dict(data.get("model", {}))
    out["env_runners"] = dict(data.get("env_runners", {}))
    out.update(data.get("training", {}))
    try:
        _check_ppo_arguments(out)
    except (TypeError, ValueError) as error:
        raise type(error)(f"{path}: {error}") from None
    return out


def _check_names(what: str, data: Mapping[str, Any], accepted: set[str]) -> None:
    unknown = sorted(set(data) - accepted)
    if unknown:
        raise ValueError(f"unknown {what}(s) {unknown}; accepted: {', '.join(sorted(accepted))}")


def _check_ppo_arguments(arguments: Mapping[str, Any]) -> None:
    """Validate what ppo_config() receives, before anything is built."""
    training = {
        key: value
        for key, value in arguments.items()
        if key not in {"policy", "central_critic", "seed", "env_config", "model", "env_runners", "num_env_runners"}
    }
    _check_names("PPO training setting", training, _keyword_names("training"))
    _check_names("[model] key", arguments.get("model") or {}, set(MODEL_DEFAULTS))
    _check_names("[env_runners] setting", arguments.get("env_runners") or {}, _keyword_names("env_runners"))
    policy = arguments.get("policy", "shared")
    if policy not in POLICY_SETUPS:
        raise ValueError(f"policy must be one of {POLICY_SETUPS}, got {policy!r}")
    if not isinstance(arguments.get("central_critic", False), bool):
        raise TypeError(f"central_critic must be a bool, got {arguments['central_critic']!r}")


def ppo_config(
    config_file: str | os.PathLike[str] | None = None,
    *,
    policy: str | None = None,
    central_critic: bool | None = None,
    num_env_runners: int | None = None,
    env_config: Mapping[str, Any] | None = None,
    seed: int | None = None,
    model: Mapping[str, Any] | None = None,
    env_runners: Mapping[str, Any] | None = None,
    **training: Any,
) -> PPOConfig:
    """A new-API-stack ``PPOConfig`` for the multi-agent env with the masking module.

    Every argument left as None comes from ``config_file`` (see
    :func:`load_ppo_file`), else from the defaults: ``policy="shared"``,
    ``central_critic=False``, ``num_env_runners=0`` (sample in this process),
    ``seed=0``, the scenario defaults, :data:`MODEL_DEFAULTS` and the PPO
    settings of ``configs/rllib/ppo_shared.toml``. ``env_config`` and ``model`` entries are merged over the file's.

    Args:
        config_file: a TOML file such as ``configs/rllib/ppo_shared.toml``.
        policy: ``"shared"`` (one policy, ``"shared"``, for every engineer:
            parameter sharing; each engineer's observation ends with its one-hot)
            or ``"per_engineer"`` (independent learners: policy ``engineer_i``
            for engineer ``i``).
        central_critic: the critic reads the global state instead of the
            engineer's observation (centralized training, decentralized execution).
        num_env_runners: remote env runners (Ray actors); 0 samples in the driver.
        env_config: :class:`~ticket_triage_marl.EnvConfig` overrides, ``config_path``
            and ``render_mode``. The scenario is resolved here and shipped as plain
            fields, so remote env runners do not need the file.
        seed: seeds the env runners (env runner ``i`` resets its first episode with
            ``seed + i``; later episodes continue that stream) and torch. Runs
            repeat exactly with ``PYTHONHASHSEED`` fixed as well (see the module doc).
        model: :data:`MODEL_DEFAULTS` keys.
        env_runners: other ``PPOConfig.env_runners`` arguments (e.g.
            ``num_envs_per_env_runner``).
        **training: ``PPOConfig.training`` arguments (``lr``, ``gamma``,
            ``train_batch_size_per_learner``, ``minibatch_size``, ``num_epochs``, ...).

    Raises:
        ValueError / TypeError: an unknown or invalid setting, naming it.
    """
    from_file = load_ppo_file(config_file) if config_file is not None else {}
    arguments: dict[str, Any] = {
        "policy": policy if policy is not None else from_file.get("policy", "shared"),
        "central_critic": central_critic if central_critic is not None else from_file.get("central_critic", False),
        "seed": seed if seed is not None else from_file.get("seed", 0),
        "env_config": {**from_file.get("env_config", {}), **(env_config or {})},
        "model": {**MODEL_DEFAULTS, **from_file.get("model", {}), **(model or {})},
        "env_runners": {**from_file.get("env_runners", {}), **(env_runners or {})},
    }
    file_training = {key: value for key, value in from_file.items() if key not in arguments}
    training = {**_TRAINING_DEFAULTS, **file_training, **training}
    _check_ppo_arguments({**arguments, **training})
    runner_settings = dict(arguments["env_runners"])
    if num_env_runners is not None:
        runner_settings["num_env_runners"] = num_env_runners
    runner_settings.setdefault("num_env_runners", 0)

    # Resolve the scenario here (file and overrides), and ship plain fields.
    config, options = _split_env_config(arguments["env_config"], {"render_mode": None})
    resolved_env_config = {**config.to_dict(), "central_critic": arguments["central_critic"]}
    if options["render_mode"] is not None:
        resolved_env_config["render_mode"] = options["render_mode"]

    probe = TicketTriageMultiAgentEnv(resolved_env_config)  # the spaces, built once on the driver
    agents = probe.possible_agents
    if arguments["policy"] == "shared":
        policies, mapping = {SHARED_POLICY}, _shared_policy
    else:
        policies, mapping = set(agents), _own_policy
    module_spec = RLModuleSpec(
        module_class=MaskedActorCriticModule,
        observation_space=probe.observation_spaces[agents[0]],
        action_space=probe.action_spaces[agents[0]],
        model_config=dict(arguments["model"]),
    )
    register_envs()
    return (
        PPOConfig()
        .api_stack(enable_rl_module_and_learner=True, enable_env_runner_and_connector_v2=True)
        .environment(MULTI_AGENT_ENV_NAME, env_config=resolved_env_config)
        .framework("torch")
        .env_runners(**runner_settings)
        .multi_agent(policies=policies, policy_mapping_fn=mapping)
        .rl_module(rl_module_spec=MultiRLModuleSpec(rl_module_specs={pid: module_spec for pid in sorted(policies)}))
        .training(**training)
        .debugging(seed=arguments["seed"])
    )


# -- running ------------------------------------------------------------------------------------


@contextlib.contextmanager
def results_dir(path: str | os.PathLike[str]) -> Iterator[str]:
    """Make algorithms built inside this block put their log folder in ``path``, not ``~/ray_results``.

    ``Algorithm`` (a Ray Tune ``Trainable``) creates a timestamped folder under
    ``ray.train.constants.DEFAULT_STORAGE_PATH`` (``~/ray_results``, fixed at
    import) whenever it is built outside Tune, and RLlib has no setting for it
    (ray-project/ray#46592). This temporarily points the copy of that constant
    Ray's ``Trainable`` reads at ``path``.
    """
    from ray.tune.trainable import trainable

    path = os.fspath(path)
    os.makedirs(path, exist_ok=True)
    saved = trainable.DEFAULT_STORAGE_PATH
    trainable.DEFAULT_STORAGE_PATH = path
    try:
        yield path
    finally:
        trainable.DEFAULT_STORAGE_PATH = saved


def build_algorithm(config: PPOConfig, results: str | os.PathLike[str] | None = None) -> Algorithm:
    """``config.build_algo()``, with the algorithm's log folder under ``results`` if given (see :func:`results_dir`)."""
    if results is None:
        return config.build_algo()
    with results_dir(results):
        return config.build_algo()


def greedy_actions(algo: Algorithm, observations: Mapping[str, Mapping[str, np.ndarray]]) -> dict[str, int]:
    """The most likely allowed action of each agent, from the algorithm's current modules.

    Args:
        algo: a built (trained) algorithm from :func:`ppo_config`.
        observations: what :class:`TicketTriageMultiAgentEnv` returned, for the live agents.
    """
    mapping = algo.config.policy_mapping_fn
    by_module: dict[str, list[str]] = {}
    for agent in observations:
        by_module.setdefault(mapping(agent, None), []).append(agent)
    actions: dict[str, int] = {}
    for module_id, agents in by_module.items():
        module = algo.get_module(module_id)
        batch = {
            key: torch.as_tensor(np.stack([observations[agent][key] for agent in agents]))
            for key in observations[agents[0]]
        }
        logits = module.forward_inference({Columns.OBS: batch})[Columns.ACTION_DIST_INPUTS]
        actions.update(zip(agents, logits.argmax(dim=-1).tolist(), strict=True))
    return {agent: actions[agent] for agent in observations}


def team_return(result: Mapping[str, Any], config: EnvConfig) -> float:
    """The team's mean episode return from an ``algo.train()`` result (NaN before the first episode ends).

    RLlib sums the returns of all agents; in ``reward_mode="team"`` each engineer
    receives the whole team reward, so the team return is that sum divided by
    ``n_engineers``; in ``"individual"`` mode the sum is the team return.
    """
    total = result.get("env_runners", {}).get("episode_return_mean", float("nan"))
    return float(total) / config.n_engineers if config.reward_mode == "team" else float(total)
