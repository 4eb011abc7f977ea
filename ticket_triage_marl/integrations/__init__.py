"""Adapters to training libraries, kept at the edge of the package.

Nothing here is imported by ``import ticket_triage_marl``; each adapter imports
its library (and torch) only when it is used. A missing library raises
:class:`MissingExtraError`, an :class:`ImportError` whose one-line message says
what to install.

=====================================  ==============================================
``make_sb3_vec_env(num_envs)``         Stable-Baselines3 ``VecEnv`` over the batched
                                       coordinator (one compiled call per step), with
                                       SB3's same-step reset and exact
                                       ``action_masks()`` for sb3-contrib's MaskablePPO
``make_parameter_sharing_vec_env()``   one shared policy for every engineer, through
                                       SuperSuit, as an SB3 ``VecEnv`` that can be
                                       seeded and gives ``action_masks()``
``TicketTriageMultiAgentEnv``          RLlib ``MultiAgentEnv`` over the parallel env,
                                       engineers in index order, ``observations`` /
                                       ``action_mask`` (/ ``state``) dict observations
``MaskedActorCriticModule``            RLlib (new API stack) torch RLModule: masked
                                       logits, value head, optional centralized
                                       critic on the global state
``ppo_config(...)``                    RLlib ``PPOConfig``: one shared policy or one
                                       per engineer, from ``configs/rllib/*.toml``
``register_envs()``                    registers ``"ticket_triage_marl/MultiAgent-v0"``
                                       and ``"ticket_triage_marl/Coordinator-v0"``
``TicketTriageTorchRLEnv(num_envs)``   native batched TorchRL ``EnvBase`` over the
                                       engine, ``batch_size=(N,)``, group
                                       ``"engineer"``, ``"state"`` for critics
=====================================  ==============================================

Install (torch first, so that pip keeps the CPU build)::

    pip install torch==2.13.0
    pip install "ticket_triage_marl[sb3]"      # or [rllib], or [all]

TorchRL / BenchMARL: ``[torchrl]``, installed with a constraints file that keeps torch
(``echo torch==2.13.0 > c.txt && pip install -c c.txt "ticket_triage_marl[torchrl]"``).

Example::

    from sb3_contrib import MaskablePPO
    from ticket_triage_marl.integrations import make_sb3_vec_env

    env = make_sb3_vec_env(num_envs=64, seed=0)
    model = MaskablePPO("MlpPolicy", env, seed=0).learn(total_timesteps=100_000)

RLlib (see ``examples/rllib_multiagent_ppo.py``)::

    import ray
    from ticket_triage_marl.integrations import build_algorithm, ppo_config

    ray.init(include_dashboard=False)
    algo = build_algorithm(ppo_config("configs/rllib/ppo_shared.toml"))
    result = algo.train()
"""

from __future__ import annotations

import importlib
from types import ModuleType
from typing import Any

from ..extras import MissingExtraError

__all__ = [
    "COORDINATOR_ENV_NAME",
    "MULTI_AGENT_ENV_NAME",
    "RLLIB_INSTALL_HINT",
    "SB3_INSTALL_HINT",
    "TORCHRL_INSTALL_HINT",
    "CoordinatorSB3VecEnv",
    "MaskedActorCriticModule",
    "MissingExtraError",
    "SuperSuitVecEnv",
    "TicketTriageMultiAgentEnv",
    "TicketTriageTorchRLEnv",
    "build_algorithm",
    "make_parameter_sharing_vec_env",
    "make_sb3_vec_env",
    "ppo_config",
    "register_envs",
    "require",
]

SB3_INSTALL_HINT = 'pip install torch==2.13.0 && pip install "ticket_triage_marl[sb3]"'
RLLIB_INSTALL_HINT = 'pip install torch==2.13.0 && pip install "ticket_triage_marl[rllib]"'
TORCHRL_INSTALL_HINT = (
    'pip install torch==2.13.0 && echo torch==2.13.0 > c.txt && pip install -c c.txt "ticket_triage_marl[torchrl]"'
)

_SB3_NAMES = frozenset(
    {"CoordinatorSB3VecEnv", "SuperSuitVecEnv", "make_parameter_sharing_vec_env", "make_sb3_vec_env"}
)
_RLLIB_NAMES = frozenset(
    {
        "COORDINATOR_ENV_NAME",
        "MULTI_AGENT_ENV_NAME",
        "MaskedActorCriticModule",
        "TicketTriageMultiAgentEnv",
        "build_algorithm",
        "ppo_config",
        "register_envs",
    }
)
_TORCHRL_NAMES = frozenset({"TicketTriageTorchRLEnv"})


def require(module: str, purpose: str, hint: str = SB3_INSTALL_HINT) -> ModuleType:
    """Import ``module`` or raise :class:`MissingExtraError` with a one-line install hint.

    Args:
        module: dotted module name, e.g. ``"sb3_contrib"``.
        purpose: what needs it, for the message (e.g. ``"MaskablePPO"``).
        hint: the install command to print.

    Raises:
        MissingExtraError: ``module`` (or something it imports, such as torch) is missing.
    """
    try:
        return importlib.import_module(module)
    except ImportError as error:
        missing = (getattr(error, "name", None) or module).split(".")[0]  # the distribution to install
        raise MissingExtraError(
            f"{purpose} needs {missing!r}, which is not installed; install the training extra: {hint}",
            name=missing,
        ) from None


def __getattr__(name: str) -> Any:
    # The SB3 adapters import stable_baselines3 (and torch): only on first use.
    if name in _SB3_NAMES:
        from . import sb3

        return getattr(sb3, name)
    # The RLlib adapters import ray.rllib (and torch): only on first use.
    if name in _RLLIB_NAMES:
        from . import rllib

        return getattr(rllib, name)
    # The TorchRL env imports torch, tensordict and torchrl: only on first use.
    if name in _TORCHRL_NAMES:
        from . import torchrl

        return getattr(torchrl, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def __dir__() -> list[str]:
    return sorted(set(globals()) | _SB3_NAMES | _RLLIB_NAMES | _TORCHRL_NAMES)
