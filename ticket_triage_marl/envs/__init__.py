"""The adapters: the simulation of :mod:`ticket_triage_marl._core` in each library's shapes (translation only).

==================  ===========================================================================
module              what it holds
==================  ===========================================================================
``multiagent``      the PettingZoo envs: ``parallel_env`` / ``TicketTriageParallelEnv``, and the
                    native AEC env ``env`` / ``raw_env`` / ``TicketTriageAECEnv``
``coordinator``     the single-agent Gymnasium coordinator ``TicketTriageEnv`` (``TicketTriage-v0``)
``vector``          the batched engine: ``VectorTicketTriage`` (multi-agent) and
                    ``CoordinatorVectorEnv`` (``gymnasium.make_vec("TicketTriage-v0")``)
``spaces``          the spaces, bounds and action checkers every adapter shares
``wrappers``        flat Box observations for SuperSuit and parameter-sharing code
==================  ===========================================================================

Adapters import the core (``_core.sim.BatchSim``) and the config, never the tools above them
(evaluation, recordings, reports, the command line). The old module paths
(``ticket_triage_marl.multiagent``, ``.coordinator``, ``.vector``, ``.spaces``, ``.wrappers``) still
import the same objects.
"""

from .coordinator import CoordinatorWrapper, TicketTriageEnv
from .multiagent import TicketTriageAECEnv, TicketTriageParallelEnv, env, parallel_env, raw_env
from .vector import CoordinatorVectorEnv, VectorTicketTriage

__all__ = [
    "CoordinatorVectorEnv",
    "CoordinatorWrapper",
    "TicketTriageAECEnv",
    "TicketTriageEnv",
    "TicketTriageParallelEnv",
    "VectorTicketTriage",
    "env",
    "parallel_env",
    "raw_env",
]
