"""Action encodings: per-engineer verbs (multi-agent) and coordinator verbs (seed).

Per engineer, ``Discrete(1 + 4*T)``: ``0`` is NOOP, ``1 + (verb-1)*T + slot``
is WORK / ESCALATE / REQUEST_INFO / DEFER on ticket ``slot``.

Coordinator, ``Discrete(1 + T*E + 4*T)`` (the original implementation's
encoding): ``0`` NOOP; ``1 + t*E + e`` ASSIGN(ticket t, engineer e); then
blocks of T for ESCALATE(t), REQUEST_INFO(t), DEFER(t), SWARM(t).
"""

from __future__ import annotations

from enum import IntEnum
from typing import TYPE_CHECKING

from ._core import layout as L

if TYPE_CHECKING:
    from .config import EnvConfig

__all__ = [
    "AgentVerb",
    "Verb",
    "agent_action",
    "coordinator_action",
    "decode_agent_action",
    "decode_coordinator_action",
]


class AgentVerb(IntEnum):
    """What one engineer can do with a ticket slot."""

    NOOP = L.VERB_NOOP
    WORK = L.VERB_WORK
    ESCALATE = L.VERB_ESCALATE
    REQUEST_INFO = L.VERB_REQUEST_INFO
    DEFER = L.VERB_DEFER


class Verb(IntEnum):
    """Coordinator verbs, in the seed's order."""

    ASSIGN = 0
    ESCALATE = 1
    REQUEST_INFO = 2
    DEFER = 3
    SWARM = 4
    NOOP = 5


def _check_index(name: str, value: int, size: int) -> int:
    if isinstance(value, bool) or (not isinstance(value, int) and not hasattr(value, "__index__")):
        raise TypeError(f"{name} must be an int, got {value!r}")
    value = int(value)
    if not 0 <= value < size:
        raise ValueError(f"{name} must be in [0, {size - 1}], got {value}")
    return value


def agent_action(verb: AgentVerb | int, slot: int = 0, max_tickets: int = 10) -> int:
    """Encode an engineer's action. ``slot`` is ignored for NOOP."""
    verb = AgentVerb(verb)
    if verb == AgentVerb.NOOP:
        return 0
    slot = _check_index("slot", slot, max_tickets)
    return 1 + (int(verb) - 1) * max_tickets + slot


def decode_agent_action(action: int, max_tickets: int = 10) -> tuple[AgentVerb, int | None]:
    """Decode an engineer's action into ``(verb, slot)`` (slot None for NOOP)."""
    action = _check_index("action", action, 1 + 4 * max_tickets)
    if action == 0:
        return AgentVerb.NOOP, None
    return AgentVerb((action - 1) // max_tickets + 1), (action - 1) % max_tickets


def coordinator_action_count(config: EnvConfig) -> int:
    """Size of the coordinator's action space, ``1 + T*E + 4*T``."""
    return 1 + config.max_tickets * config.n_engineers + 4 * config.max_tickets


def coordinator_action(verb: Verb | int, ticket: int = 0, engineer: int = 0, config: EnvConfig | None = None) -> int:
    """Encode a coordinator action (``engineer`` only matters for ASSIGN)."""
    from .config import EnvConfig

    config = config or EnvConfig()
    verb = Verb(verb)
    t_slots, n_engineers = config.max_tickets, config.n_engineers
    if verb == Verb.NOOP:
        return 0
    ticket = _check_index("ticket", ticket, t_slots)
    if verb == Verb.ASSIGN:
        engineer = _check_index("engineer", engineer, n_engineers)
        return 1 + ticket * n_engineers + engineer
    block = {Verb.ESCALATE: 0, Verb.REQUEST_INFO: 1, Verb.DEFER: 2, Verb.SWARM: 3}[verb]
    return 1 + t_slots * n_engineers + block * t_slots + ticket


def decode_coordinator_action(action: int, config: EnvConfig | None = None) -> tuple[Verb, int | None, int | None]:
    """Decode a coordinator action into ``(Verb, ticket, engineer)`` (None where unused)."""
    from .config import EnvConfig

    config = config or EnvConfig()
    t_slots, n_engineers = config.max_tickets, config.n_engineers
    action = _check_index("action", action, coordinator_action_count(config))
    if action == 0:
        return Verb.NOOP, None, None
    index = action - 1
    if index < t_slots * n_engineers:
        return Verb.ASSIGN, index // n_engineers, index % n_engineers
    index -= t_slots * n_engineers
    verb = (Verb.ESCALATE, Verb.REQUEST_INFO, Verb.DEFER, Verb.SWARM)[index // t_slots]
    return verb, index % t_slots, None
