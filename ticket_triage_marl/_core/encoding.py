"""The action encodings, written once: the kernels, the mask writers, the baselines and the public helpers
(:mod:`ticket_triage_marl.actions`) all call these functions.

**Per engineer** (``Discrete(1 + (V - 1 + G) * T)``, ``V`` = :data:`N_AGENT_VERBS`, ``G`` the groups of the
teams mechanic, 0 without it): ``0`` is NOOP and verb ``v`` on ticket slot ``s`` is ``1 + (v - 1) * T + s``,
so the ``T`` actions of one verb form a block, in the order of :data:`AGENT_TICKET_VERBS` (WORK, ESCALATE,
REQUEST_INFO, DEFER); with teams, ROUTE to group ``g`` is verb ``VERB_ROUTE + g``, one block per group after
DEFER's. A config without teams has exactly the verbs it had before (the verb set follows ``n_groups``).

**Coordinator** (``Discrete(1 + T * E + B * T + G * T)``, ``B`` = ``len(COORDINATOR_SLOT_VERBS)``): ``0`` is
NOOP; ``1 + s * E + e`` is ASSIGN(slot ``s``, engineer ``e``); then a block of ``T`` per verb of
:data:`COORDINATOR_SLOT_VERBS` (ESCALATE, REQUEST_INFO, DEFER, SWARM), slot ``s`` at ``s`` in its block; then,
with teams, a block of ``T`` per group for ROUTE(slot, group). The coordinator's ESCALATE / REQUEST_INFO /
DEFER / ROUTE are done by one engineer (of the ticket's group) as the engineer verb of :func:`engineer_verb_of`.

Each function is plain Python over ints, so Python calls it as it is; the kernels call its compiled twin
(``*_jit``), inlined into them by numba, so both sides share one definition. Adding a ticket verb is one
constant in :mod:`.layout`, its entry in :data:`AGENT_TICKET_VERBS` (and :data:`COORDINATOR_SLOT_VERBS` with
its engineer verb in :func:`engineer_verb_of` if the coordinator has it), and its rule in :mod:`.rules`.
"""

from __future__ import annotations

from numba import njit

from .jit import SEQUENCE_JIT
from .layout import (
    COORD_ASSIGN,
    COORD_DEFER,
    COORD_ESCALATE,
    COORD_LINK,
    COORD_NOOP,
    COORD_REQUEST_INFO,
    COORD_ROUTE,
    COORD_SWARM,
    VERB_DEFER,
    VERB_ESCALATE,
    VERB_NOOP,
    VERB_REQUEST_INFO,
    VERB_ROUTE,
    VERB_WORK,
)

__all__ = [
    "AGENT_TICKET_VERBS",
    "COORDINATOR_SIDE_VERBS",
    "COORDINATOR_SLOT_VERBS",
    "N_AGENT_VERBS",
    "agent_action",
    "agent_action_count",
    "coordinator_action",
    "coordinator_action_count",
    "decode_agent",
    "decode_coordinator",
    "engineer_verb_of",
]

AGENT_TICKET_VERBS = (VERB_WORK, VERB_ESCALATE, VERB_REQUEST_INFO, VERB_DEFER)
"""The engineer verbs that take a ticket slot, in the order of their action blocks (values 1, 2, ...)."""
N_AGENT_VERBS = 1 + len(AGENT_TICKET_VERBS)  # NOOP and the ticket verbs
COORDINATOR_SLOT_VERBS = (COORD_ESCALATE, COORD_REQUEST_INFO, COORD_DEFER, COORD_SWARM)
"""The coordinator verbs after ASSIGN that take a ticket slot, in the order of their action blocks."""
COORDINATOR_SIDE_VERBS = (COORD_ESCALATE, COORD_REQUEST_INFO, COORD_DEFER)
"""The coordinator verbs one engineer carries out (as :func:`engineer_verb_of`)."""

assert AGENT_TICKET_VERBS == tuple(range(1, N_AGENT_VERBS)) and VERB_NOOP == 0, "engineer verbs are 0, 1, 2, ..."
assert COORDINATOR_SLOT_VERBS == tuple(range(COORD_ESCALATE, COORD_ESCALATE + len(COORDINATOR_SLOT_VERBS)))
assert COORD_ASSIGN not in COORDINATOR_SLOT_VERBS and COORD_NOOP not in COORDINATOR_SLOT_VERBS


def agent_action_count(n_slots: int, n_groups: int = 0, link: bool = False) -> int:
    """Size of an engineer's action space, ``1 + (N_AGENT_VERBS - 1 + G + L) * T`` (``G`` = ``n_groups``, the
    ROUTE blocks of the teams mechanic, 0 without it; ``L`` 1 with the incidents' LINK block)."""
    return 1 + (N_AGENT_VERBS - 1 + n_groups + int(link)) * n_slots


def agent_action(verb: int, slot: int, n_slots: int) -> int:
    """An engineer's action: ``0`` for NOOP, else ``1 + (verb - 1) * T + slot``."""
    if verb == VERB_NOOP:
        return 0
    return 1 + (verb - 1) * n_slots + slot


def decode_agent(action: int, n_slots: int) -> tuple[int, int]:
    """``(verb, slot)`` of an engineer's action (``(VERB_NOOP, -1)`` for 0; ``VERB_ROUTE + g`` for ROUTE to
    group ``g``). Decoded by subtraction: at most ``N_AGENT_VERBS - 2 + G`` of them, cheaper in the step than a
    64-bit division."""
    if action == 0:
        return VERB_NOOP, -1
    verb = VERB_WORK
    slot = action - 1
    while slot >= n_slots:
        slot -= n_slots
        verb += 1
    return verb, slot


def engineer_verb_of(coordinator_verb: int, group: int = 0) -> int:
    """The engineer verb that carries out a coordinator ESCALATE / REQUEST_INFO / DEFER, or ROUTE to
    ``group``."""
    if coordinator_verb == COORD_ROUTE:
        return VERB_ROUTE + group
    if coordinator_verb == COORD_ESCALATE:
        return VERB_ESCALATE
    if coordinator_verb == COORD_REQUEST_INFO:
        return VERB_REQUEST_INFO
    if coordinator_verb == COORD_DEFER:
        return VERB_DEFER
    return VERB_NOOP


def coordinator_action_count(n_slots: int, n_engineers: int, n_groups: int = 0, link: bool = False) -> int:
    """Size of the coordinator's action space, ``1 + T * E + len(COORDINATOR_SLOT_VERBS) * T + (G + L) * T``."""
    return 1 + n_slots * n_engineers + (len(COORDINATOR_SLOT_VERBS) + n_groups + int(link)) * n_slots


def coordinator_action(verb: int, slot: int, engineer: int, n_slots: int, n_engineers: int, n_groups: int = 0) -> int:
    """A coordinator action: ``0`` NOOP, ``1 + slot * E + engineer`` ASSIGN, else ``slot`` in its verb's block
    (ROUTE: ``engineer`` is the group, one block per group after SWARM's; LINK: the block after the
    ``n_groups`` ROUTE blocks)."""
    if verb == COORD_NOOP:
        return 0
    if verb == COORD_ASSIGN:
        return 1 + slot * n_engineers + engineer
    block = verb - COORD_ESCALATE
    if verb == COORD_ROUTE:
        block = len(COORDINATOR_SLOT_VERBS) + engineer
    elif verb == COORD_LINK:
        block = len(COORDINATOR_SLOT_VERBS) + n_groups
    return 1 + n_slots * n_engineers + block * n_slots + slot


def decode_coordinator(action: int, n_slots: int, n_engineers: int, n_groups: int = 0) -> tuple[int, int, int]:
    """``(verb, slot, engineer)`` of a coordinator action (``-1`` where unused; for ROUTE the third is the
    group; a block past the ``n_groups`` ROUTE blocks is LINK's)."""
    if action == 0:
        return COORD_NOOP, -1, -1
    index = action - 1
    if index < n_slots * n_engineers:
        return COORD_ASSIGN, index // n_engineers, index % n_engineers
    index -= n_slots * n_engineers
    block = index // n_slots
    if block >= len(COORDINATOR_SLOT_VERBS) + n_groups:
        return COORD_LINK, index % n_slots, -1
    if block >= len(COORDINATOR_SLOT_VERBS):
        return COORD_ROUTE, index % n_slots, block - len(COORDINATOR_SLOT_VERBS)
    return COORD_ESCALATE + block, index % n_slots, -1


# The kernels' twins: the same functions, inlined into their callers by numba.
agent_action_jit = njit(**SEQUENCE_JIT)(agent_action)
decode_agent_jit = njit(**SEQUENCE_JIT)(decode_agent)
engineer_verb_of_jit = njit(**SEQUENCE_JIT)(engineer_verb_of)
coordinator_action_jit = njit(**SEQUENCE_JIT)(coordinator_action)
decode_coordinator_jit = njit(**SEQUENCE_JIT)(decode_coordinator)
