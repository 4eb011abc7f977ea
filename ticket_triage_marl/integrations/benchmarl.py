"""BenchMARL tasks for the project's scenarios, over the native batched TorchRL env.

Every shipped scenario (the files of ``configs/``, which ship with the package) is a task, chosen by name (``TicketTriageTask.DEFAULT``,
``TicketTriageTask.INCIDENT_STORM``, ...; or :func:`ticket_triage_task`), and
BenchMARL builds :class:`~ticket_triage_marl.integrations.torchrl.TicketTriageTorchRLEnv`
with its ``num_envs`` as the batch (no ``SerialEnv`` of copies, and every
environment of the batch its own stream ``seed + i``). The model reads
``("engineer", "observation")``; ``("engineer", "action_mask")`` masks the
categorical policy; ``"state"`` feeds MAPPO's centralized critic; the info
``("engineer", "info", "invalid_action")`` is logged.

Example::

    from benchmarl.algorithms import MappoConfig
    from benchmarl.experiment import Experiment, ExperimentConfig
    from benchmarl.models.mlp import MlpConfig
    from ticket_triage_marl.integrations.benchmarl import ticket_triage_task

    experiment = Experiment(
        task=ticket_triage_task("default", horizon=200),
        algorithm_config=MappoConfig.get_from_yaml(),
        model_config=MlpConfig.get_from_yaml(),
        critic_model_config=MlpConfig.get_from_yaml(),
        seed=0,
        config=ExperimentConfig.get_from_yaml(),
    )
    experiment.run()

``examples/benchmarl_mappo.py`` trains MAPPO or IPPO and evaluates the result
next to the baselines.
"""

from __future__ import annotations

from typing import Any

from . import TORCHRL_INSTALL_HINT, require

_common: Any = require("benchmarl.environments.common", "the BenchMARL task", TORCHRL_INSTALL_HINT)

from ..config import SCENARIO_DIR, load_config, scenario_names  # noqa: E402
from .torchrl import GROUP, TicketTriageTorchRLEnv  # noqa: E402

__all__ = ["CONFIG_DIR", "TicketTriageTask", "TicketTriageTaskClass", "scenario_names", "ticket_triage_task"]

CONFIG_DIR = SCENARIO_DIR  # the shipped scenarios (the repository's configs/ links here), in wheels too


def _make_env(path: str, overrides: dict[str, Any], num_envs: int, seed: int | None, device: Any) -> Any:
    # a module-level function: BenchMARL pickles the task and calls this in its workers
    return TicketTriageTorchRLEnv(num_envs=num_envs, config=load_config(path, **overrides), seed=seed, device=device)


class _EnvFactory:
    """A picklable ``() -> env`` (BenchMARL calls it once per env it needs)."""

    def __init__(self, path: str, overrides: dict[str, Any], num_envs: int, seed: int | None, device: Any) -> None:
        self.arguments = (path, dict(overrides), num_envs, seed, device)

    def __call__(self) -> Any:
        return _make_env(*self.arguments)


class TicketTriageTaskClass(_common.TaskClass):
    """A scenario of ``configs/`` as a BenchMARL task.

    ``config``: ``{"config_file": path (default configs/<name>.toml), **EnvConfig overrides}``.
    """

    def _path_and_overrides(self) -> tuple[str, dict[str, Any]]:
        config = dict(self.config)
        path = config.pop("config_file", None) or str(CONFIG_DIR / f"{self.name.lower()}.toml")
        return path, config

    def get_env_fun(self, num_envs: int, continuous_actions: bool, seed: int | None, device: Any) -> Any:
        if continuous_actions:
            raise ValueError("ticket triage has discrete actions only (set continuous_actions=False)")
        path, overrides = self._path_and_overrides()
        return _EnvFactory(path, overrides, num_envs, seed, device)

    def supports_continuous_actions(self) -> bool:
        return False

    def supports_discrete_actions(self) -> bool:
        return True

    def has_render(self, env: Any) -> bool:
        return False

    def max_steps(self, env: Any) -> int:
        return int(env.config.horizon)

    def group_map(self, env: Any) -> dict[str, list[str]]:
        return env.group_map

    def observation_spec(self, env: Any) -> Any:
        spec = env.full_observation_spec_unbatched.clone()
        del spec["state"]
        del spec[(GROUP, "action_mask")]
        del spec[(GROUP, "info")]
        return spec

    def info_spec(self, env: Any) -> Any:
        spec = env.full_observation_spec_unbatched.clone()
        del spec["state"]
        del spec[(GROUP, "observation")]
        del spec[(GROUP, "action_mask")]
        return spec

    def state_spec(self, env: Any) -> Any:
        spec = env.full_observation_spec_unbatched.clone()
        del spec[GROUP]
        return spec

    def action_mask_spec(self, env: Any) -> Any:
        spec = env.full_observation_spec_unbatched.clone()
        del spec["state"]
        del spec[(GROUP, "observation")]
        del spec[(GROUP, "info")]
        return spec

    def action_spec(self, env: Any) -> Any:
        return env.full_action_spec_unbatched

    @staticmethod
    def env_name() -> str:
        return "ticket_triage"


class _ScenarioTask(_common.Task):
    @staticmethod
    def associated_class() -> type:
        return TicketTriageTaskClass


# One member per file of configs/ (DEFAULT, INCIDENT_STORM, ...): a new scenario file is a new task.
TicketTriageTask = _ScenarioTask(
    "TicketTriageTask",
    [name.upper() for name in scenario_names()],
    module=__name__,
    qualname="TicketTriageTask",
)
TicketTriageTask.__doc__ = "The scenarios of ``configs/`` as BenchMARL tasks (one member per file)."


def ticket_triage_task(name: str = "default", config_file: str | None = None, **overrides: Any) -> Any:
    """The BenchMARL task of scenario ``name`` (a file of ``configs/``), or of ``config_file``,
    with ``EnvConfig`` overrides (e.g. ``horizon=100``)."""
    try:
        member = TicketTriageTask[name.upper()]
    except KeyError:
        raise ValueError(f"unknown scenario {name!r}; the scenarios are {', '.join(scenario_names())}") from None
    config: dict[str, Any] = dict(overrides)
    if config_file is not None:
        config["config_file"] = str(config_file)
    return member.get_task(config=config)
