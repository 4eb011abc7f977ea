"""Action encodings: per-engineer verbs (multi-agent) and coordinator verbs (the original description's).

Per engineer, ``Discrete(1 + 4*T)``: ``0`` is NOOP, ``1 + (verb-1)*T + slot``
is WORK / ESCALATE / REQUEST_INFO / DEFER on ticket ``slot``. With teams
(``groups`` set, ``G`` groups) ``G`` blocks of T follow: ROUTE(ticket, group g)
is ``1 + (4 + g)*T + slot``, so ``Discrete(1 + (4 + G)*T)``. With incidents
(``p_incident > 0``) one block of T more follows for LINK(ticket).

Coordinator, ``Discrete(1 + T*E + 4*T)`` (the original description's
encoding): ``0`` NOOP; ``1 + t*E + e`` ASSIGN(ticket t, engineer e); then
blocks of T for ESCALATE(t), REQUEST_INFO(t), DEFER(t), SWARM(t); with teams,
a block of T per group g for ROUTE(t, g), so ``Discrete(1 + T*E + (4 + G)*T)``;
with incidents, a block of T for LINK(t) after them.

These helpers check their arguments and call ``ticket_triage_marl._core.encoding``,
the one definition the kernels use too.

Both encodings depend on the config's shape (``T = max_tickets``,
``E = n_engineers``), so every helper takes it explicitly: an ``EnvConfig``,
or the env itself (anything exposing ``.config`` or ``.unwrapped.config``)::

    ttm.coordinator_action(ttm.Verb.ASSIGN, 2, 1, env)        # ASSIGN(ticket 2, engineer 1)
    ttm.agent_action(ttm.AgentVerb.WORK, 3, env.config.max_tickets)
"""

from __future__ import annotations

from enum import IntEnum
from typing import TYPE_CHECKING, Any

from ._core import encoding
from ._core import layout as L
from ._core.types import agent_action_count as _agent_action_count
from ._core.types import coordinator_action_count

if TYPE_CHECKING:
    from .config import EnvConfig

__all__ = [
    "AgentVerb",
    "Verb",
    "agent_action",
    "agent_action_count",
    "coordinator_action",
    "decode_agent_action",
    "decode_coordinator_action",
    "route_group",
]


class AgentVerb(IntEnum):
    """What one engineer can do with a ticket slot."""

    NOOP = L.VERB_NOOP
    WORK = L.VERB_WORK
    ESCALATE = L.VERB_ESCALATE
    REQUEST_INFO = L.VERB_REQUEST_INFO
    DEFER = L.VERB_DEFER
    ROUTE = L.VERB_ROUTE  # teams only: hand the ticket to another group (``agent_action(..., group=g)``)
    LINK = L.VERB_ROUTE + 1  # incidents only: attach the ticket to the incident it duplicates (see the README)


class Verb(IntEnum):
    """Coordinator verbs, in the original description's order."""

    ASSIGN = L.COORD_ASSIGN
    ESCALATE = L.COORD_ESCALATE
    REQUEST_INFO = L.COORD_REQUEST_INFO
    DEFER = L.COORD_DEFER
    SWARM = L.COORD_SWARM
    NOOP = L.COORD_NOOP
    ROUTE = L.COORD_ROUTE  # teams only: ROUTE(ticket, group), the group in the engineer argument's place
    LINK = L.COORD_LINK  # incidents only: LINK(ticket)


def _check_index(name: str, value: Any, size: int) -> int:  # value: the caller's argument, checked here
    if isinstance(value, bool) or (not isinstance(value, int) and not hasattr(value, "__index__")):
        raise TypeError(f"{name} must be an int, got {value!r}")
    value = int(value)
    if not 0 <= value < size:
        raise ValueError(f"{name} must be in [0, {size - 1}], got {value}")
    return value


def shape_config(source: Any, function: str = "this function") -> EnvConfig:
    """The :class:`~ticket_triage_marl.EnvConfig` that fixes an action space's shape.

    Args:
        source: an ``EnvConfig``, or any env exposing one as ``.config`` or
            ``.unwrapped.config`` (every env of this package, wrapped or not).
        function: the caller's name, for the error message.

    Raises:
        TypeError: ``source`` is None or carries no config. There is no
            default shape: an encoding made for the default 10 tickets and 3
            engineers is silently wrong on any other config.
    """
    from .config import EnvConfig

    if isinstance(source, EnvConfig):
        return source
    for candidate in (getattr(source, "config", None), getattr(getattr(source, "unwrapped", None), "config", None)):
        if isinstance(candidate, EnvConfig):
            return candidate
    raise TypeError(
        f"{function} needs the shape of the action space: pass config= an EnvConfig or an env exposing "
        f".config (e.g. config=env), got {source!r}"
    )


def _max_tickets(source: Any, function: str) -> int:
    if isinstance(source, bool) or source is None:
        raise TypeError(
            f"{function} needs max_tickets: an int, or an EnvConfig or env carrying it (e.g. max_tickets=env), "
            f"got {source!r}"
        )
    if isinstance(source, int) or (hasattr(source, "__index__") and not hasattr(source, "config")):
        value = int(source)
        if value < 1:
            raise ValueError(f"max_tickets must be >= 1, got {value}")
        return value
    return shape_config(source, function).max_tickets


def _optional_verbs(source: Any) -> tuple[int, bool]:
    """Groups (ROUTE blocks) and whether LINK exists, for a config or env ((0, False) for a bare
    ``max_tickets`` int: no optional verbs known)."""
    if isinstance(source, int) or (hasattr(source, "__index__") and not hasattr(source, "config")):
        return 0, False
    config = shape_config(source)
    return config.n_groups, "incidents" in config.mechanics()


def agent_action(
    verb: AgentVerb | int, slot: int | None, max_tickets: int | EnvConfig | Any, group: int | None = None
) -> int:
    """Encode an engineer's action, ``1 + (verb-1)*T + slot`` (``0`` for NOOP; ROUTE to ``group`` is
    ``1 + (4 + group)*T + slot``).

    Args:
        verb: an :class:`AgentVerb`.
        slot: the ticket slot; ignored (may be None) for NOOP.
        max_tickets: ``T``: an int, or an ``EnvConfig`` / env to read it from.
            Required: there is no default shape. ROUTE needs the config or env
            (its groups).
        group: ROUTE's target group (teams only); must be None for other verbs.
    """
    count = _max_tickets(max_tickets, "agent_action()")
    verb = AgentVerb(verb)
    if verb == AgentVerb.NOOP:
        return 0
    n_groups, link = _optional_verbs(max_tickets)
    if verb == AgentVerb.LINK:
        if not link:
            raise ValueError(
                "LINK exists only with incidents (a config with p_incident > 0): pass that config or env as max_tickets"
            )
        return encoding.agent_action(L.VERB_ROUTE + n_groups, _check_index("slot", slot, count), count)
    if verb == AgentVerb.ROUTE:
        if n_groups == 0:
            raise ValueError(
                "ROUTE exists only with teams (a config with groups set): pass that config or env as max_tickets"
            )
        target = _check_index("group", group, n_groups)
        return encoding.agent_action(L.VERB_ROUTE + target, _check_index("slot", slot, count), count)
    if group is not None:
        raise ValueError(f"group is ROUTE's argument; {verb.name} takes none, got group={group!r}")
    return encoding.agent_action(int(verb), _check_index("slot", slot, count), count)


def decode_agent_action(action: int, max_tickets: int | EnvConfig | Any) -> tuple[AgentVerb, int | None]:
    """Decode an engineer's action into ``(verb, slot)`` (slot None for NOOP); ROUTE's group is
    :func:`route_group`.

    ``max_tickets`` is required, as for :func:`agent_action` (the config or env where teams are on).
    """
    count = _max_tickets(max_tickets, "decode_agent_action()")
    n_groups, link = _optional_verbs(max_tickets)
    action = _check_index("action", action, encoding.agent_action_count(count, n_groups, link))
    verb, slot = encoding.decode_agent(action, count)
    if link and verb == L.VERB_ROUTE + n_groups:
        return AgentVerb.LINK, slot
    if verb >= L.VERB_ROUTE:
        return AgentVerb.ROUTE, slot
    return AgentVerb(verb), (None if verb == L.VERB_NOOP else slot)


def route_group(action: int, config: EnvConfig | Any) -> int | None:
    """The target group of an engineer's ROUTE action (None for any other action)."""
    config = shape_config(config, "route_group()")
    action = _check_index("action", action, _agent_action_count(config))
    verb, _ = encoding.decode_agent(action, config.max_tickets)
    return verb - L.VERB_ROUTE if L.VERB_ROUTE <= verb < L.VERB_ROUTE + config.n_groups else None


def coordinator_action(verb: Verb | int, ticket: int | None, engineer: int | None, config: EnvConfig | Any) -> int:
    """Encode a coordinator action.

    Args:
        verb: a :class:`Verb`.
        ticket: the ticket slot; ignored (may be None) for NOOP.
        engineer: the engineer for ASSIGN; the target group for ROUTE (teams
            only); unused otherwise (may be None).
        config: the ``EnvConfig`` fixing the shape, or an env exposing it
            (``config=env``). Required: there is no default shape.
    """
    config = shape_config(config, "coordinator_action()")
    verb = Verb(verb)
    t_slots, n_engineers = config.max_tickets, config.n_engineers
    if verb == Verb.NOOP:
        return 0
    ticket = _check_index("ticket", ticket, t_slots)
    if verb == Verb.ROUTE:
        if config.n_groups == 0:
            raise ValueError("ROUTE exists only with teams (a config with groups set)")
        engineer = _check_index("group", engineer, config.n_groups)
    elif verb == Verb.LINK:
        if "incidents" not in config.mechanics():
            raise ValueError("LINK exists only with incidents (a config with p_incident > 0)")
        engineer = 0
    else:
        engineer = _check_index("engineer", engineer, n_engineers) if verb == Verb.ASSIGN else 0
    return encoding.coordinator_action(int(verb), ticket, engineer, t_slots, n_engineers, config.n_groups)


def decode_coordinator_action(action: int, config: EnvConfig | Any) -> tuple[Verb, int | None, int | None]:
    """Decode a coordinator action into ``(Verb, ticket, engineer)`` (None where unused; for ROUTE the third
    is the target group).

    ``config`` is required, as for :func:`coordinator_action`.
    """
    config = shape_config(config, "decode_coordinator_action()")
    t_slots, n_engineers = config.max_tickets, config.n_engineers
    action = _check_index("action", action, coordinator_action_count(config))
    verb, ticket, engineer = encoding.decode_coordinator(action, t_slots, n_engineers, config.n_groups)
    return Verb(verb), (None if ticket < 0 else ticket), (None if engineer < 0 else engineer)


def agent_action_count(config: EnvConfig | Any) -> int:
    """Size of an engineer's action space, ``1 + (4 + G + L) * max_tickets`` (``G`` groups with teams, else 0;
    ``L`` 1 with incidents' LINK, else 0), for an ``EnvConfig`` or an env carrying one."""
    return _agent_action_count(shape_config(config, "agent_action_count()"))
