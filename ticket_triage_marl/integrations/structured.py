"""A policy network shaped like the coordinator's actions, for sb3-contrib's MaskablePPO.

The coordinator's action space is a grid: ASSIGN(ticket t, engineer e), and per ticket slot the other verbs
(ESCALATE, REQUEST_INFO, DEFER, SWARM, ROUTE to each group, LINK), plus NOOP (README, "The coordinator").
A flat MLP over the flat observation has to learn every one of those few hundred actions on its own: cloned
on a rule's decisions on the UCI desk with teams, SB3's [256, 256] network matched 59% of them. The rules
themselves score each ticket on its own fields and pair it with the engineer best for it; this network is
built the same way, so that a rule is something it can represent, and what it learns for one slot or engineer
holds for the others:

- a context vector from the whole observation (an MLP);
- each slot's embedding from its own fields (those of the mechanics on included) and the context, the same
  MLP for every slot;
- each engineer's from its own fields, its identity (a one-hot: the skills are not in the observation, but
  they are fixed within a scenario) and the context;
- ASSIGN(t, e)'s logit from the pair (an MLP on the sum of the two projected embeddings), every per-slot
  verb's from the slot's embedding, NOOP's from the context.

The value is SB3's usual MLP on the flat observation. :class:`CoordinatorLayout` reads where each slot's and
engineer's fields are in the observation from the one layout table (``_core/features.py``) and checks its
action order against :func:`~ticket_triage_marl.actions.decode_coordinator_action` for every action.

Use: ``MaskablePPO(StructuredCoordinatorPolicy, vec_env, policy_kwargs=structured_policy_kwargs(config))``
(``policy = "structured"`` in a benchmark entry's settings file).
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass
from typing import Any

import numpy as np

from . import require

torch: Any = require("torch", "ticket_triage_marl.integrations.structured")
_policies = require("sb3_contrib.common.maskable.policies", "ticket_triage_marl.integrations.structured")
nn: Any = torch.nn
Module: Any = torch.nn.Module
MaskableActorCriticPolicy: Any = _policies.MaskableActorCriticPolicy

from .._core import encoding  # noqa: E402
from .._core import features as F  # noqa: E402
from .._core import layout as L  # noqa: E402

__all__ = ["CoordinatorLayout", "StructuredCoordinatorPolicy", "structured_policy_kwargs"]


@dataclass(frozen=True)
class CoordinatorLayout:
    """Where the coordinator's observation keeps each part, and how its actions are laid out, for ``T`` slots,
    ``E`` engineers, ``G`` groups (teams on, else 0), LINK (incidents on) and the mechanics with fields."""

    n_slots: int
    n_engineers: int
    n_groups: int
    link: bool
    mechanics: tuple[str, ...]

    @classmethod
    def of(cls, config: Any) -> CoordinatorLayout:
        mechanics = tuple(config.mechanics())
        return cls(config.max_tickets, config.n_engineers, config.n_groups, "incidents" in mechanics, mechanics)

    def as_kwargs(self) -> dict[str, Any]:
        """The fields as plain values (the ``layout`` policy argument SB3 saves with a model)."""
        return {**self.__dict__, "mechanics": list(self.mechanics)}

    @property
    def size(self) -> int:
        return F.team_size(self.n_slots, self.n_engineers, self.mechanics)

    @property
    def n_actions(self) -> int:
        return 1 + self.n_slots * self.n_engineers + self.n_slots * self.slot_verbs

    @property
    def slot_verbs(self) -> int:
        """Verbs with one block of ``T`` actions after ASSIGN's: the four, a ROUTE per group, LINK."""
        return len(encoding.COORDINATOR_SLOT_VERBS) + self.n_groups + int(self.link)

    def global_index(self) -> np.ndarray:
        """Positions of the global fields (the base ones, then those of the mechanics on)."""
        base = F.N_GLOBAL + self.n_slots * F.N_TICKET_FEATURES + self.n_engineers * F.N_ENGINEER_FEATURES
        extra = len(F.mechanic_fields(F.MECHANIC_GLOBAL_FIELDS, self.mechanics))
        return np.concatenate([np.arange(F.N_GLOBAL), base + np.arange(extra)]).astype(np.int64)

    def slot_index(self) -> np.ndarray:
        """``(T, fields)`` positions of each slot's fields (its base block, then its mechanic block)."""
        width = len(F.mechanic_fields(F.MECHANIC_TICKET_FIELDS, self.mechanics))
        block = F.mechanic_block_base(self.n_slots, self.n_engineers, self.mechanics)
        rows = []
        for slot in range(self.n_slots):
            own = F.N_GLOBAL + slot * F.N_TICKET_FEATURES + np.arange(F.N_TICKET_FEATURES)
            rows.append(np.concatenate([own, block + slot * width + np.arange(width)]))
        return np.asarray(rows, dtype=np.int64)

    def engineer_index(self) -> np.ndarray:
        """``(E, fields)`` positions of each engineer's fields (its base block, then its mechanic block)."""
        slot_width = len(F.mechanic_fields(F.MECHANIC_TICKET_FIELDS, self.mechanics))
        width = len(F.mechanic_fields(F.MECHANIC_ENGINEER_FIELDS, self.mechanics))
        block = F.mechanic_block_base(self.n_slots, self.n_engineers, self.mechanics) + self.n_slots * slot_width
        start = F.N_GLOBAL + self.n_slots * F.N_TICKET_FEATURES
        rows = []
        for engineer in range(self.n_engineers):
            own = start + engineer * F.N_ENGINEER_FEATURES + np.arange(F.N_ENGINEER_FEATURES)
            rows.append(np.concatenate([own, block + engineer * width + np.arange(width)]))
        return np.asarray(rows, dtype=np.int64)

    def action_table(self) -> np.ndarray:
        """``(n_actions, 3)``: each action's (verb, slot, engineer or group) in the order the network emits its
        logits (NOOP; ASSIGN slot-major; then each per-slot verb's block of ``T``), -1 where unused."""
        rows = [(L.COORD_NOOP, -1, -1)]
        rows += [(L.COORD_ASSIGN, t, e) for t in range(self.n_slots) for e in range(self.n_engineers)]
        verbs = list(encoding.COORDINATOR_SLOT_VERBS) + [L.COORD_ROUTE] * self.n_groups
        verbs += [L.COORD_LINK] * int(self.link)
        for block, verb in enumerate(verbs):
            group = block - len(encoding.COORDINATOR_SLOT_VERBS) if verb == L.COORD_ROUTE else -1
            rows += [(verb, t, group) for t in range(self.n_slots)]
        return np.asarray(rows, dtype=np.int64)

    def check(self) -> None:
        """Raise if the emitted order differs from the env's encoding (the network would mislabel actions)."""
        table = self.action_table()
        for action, row in enumerate(table):
            decoded = encoding.decode_coordinator(action, self.n_slots, self.n_engineers, self.n_groups)
            if tuple(int(x) for x in row) != tuple(int(x) for x in decoded):
                raise AssertionError(f"action {action}: the network emits {tuple(row)}, the env decodes {decoded}")


def _mlp(sizes: list[int]) -> Any:
    layers: list[Any] = []
    for n_in, n_out in itertools.pairwise(sizes):
        layers += [nn.Linear(n_in, n_out), nn.ReLU()]
    return nn.Sequential(*layers)


def slot_ranks(fields: Any, occupied_field: int) -> tuple[Any, Any]:
    """Each slot's rank among the occupied slots in each field (0 the lowest, 1 the highest, ties by slot
    order; empty slots 0), and whether it is occupied: ``((B, T, Fs), (B, T, 1))``. A rule picks the oldest
    ticket or the one nearest its deadline, and the fields differ by a step in thousands (age / A): a network
    comparing them by value needs huge weights, by rank it needs none."""
    occupied = fields[..., occupied_field] > 0  # (B, T)
    ordered = torch.where(occupied[..., None], fields, torch.full_like(fields, -2.0))  # fields are in [-1, 1]
    ranks = torch.argsort(torch.argsort(ordered, dim=1, stable=True), dim=1, stable=True).to(fields.dtype)
    empty = (~occupied).sum(dim=1, keepdim=True)[..., None].to(fields.dtype)  # they take the lowest ranks
    count = fields.shape[1] - empty
    scaled = torch.where(count > 1, (ranks - empty) / (count - 1).clamp(min=1), torch.ones_like(ranks))
    occupied_f = occupied[..., None].to(fields.dtype)
    return scaled * occupied_f, occupied_f


class CoordinatorLogits(Module):
    """The masked policy's logits from the flat observation (module docstring)."""

    def __init__(self, layout: CoordinatorLayout, hidden: int = 64) -> None:
        super().__init__()
        layout.check()
        self.layout = layout
        self.register_buffer("global_index", torch.as_tensor(layout.global_index()), persistent=False)
        self.register_buffer("slot_index", torch.as_tensor(layout.slot_index()), persistent=False)
        self.register_buffer("engineer_index", torch.as_tensor(layout.engineer_index()), persistent=False)
        self.register_buffer("identity", torch.eye(layout.n_engineers), persistent=False)
        slot_fields, engineer_fields = layout.slot_index().shape[1], layout.engineer_index().shape[1]
        self.context = _mlp([layout.size, 2 * hidden, hidden])
        self.occupied = F.offset(F.TICKET_FIELDS, "component")  # (component + 1) / C: 0 in an empty slot only
        self.slot = _mlp([2 * slot_fields + 1 + hidden, hidden, hidden])
        self.engineer = _mlp([engineer_fields + layout.n_engineers + hidden, hidden, hidden])
        self.pair_slot = nn.Linear(hidden, hidden)
        self.pair_engineer = nn.Linear(hidden, hidden, bias=False)
        self.pair = nn.Linear(hidden, 1)
        self.verbs = nn.Linear(hidden, layout.slot_verbs)
        self.noop = nn.Linear(hidden, 1)
        for head in (self.pair, self.verbs, self.noop):  # start near uniform, as SB3 does its action head
            nn.init.orthogonal_(head.weight, gain=0.01)
            nn.init.zeros_(head.bias)

    def forward(self, observation: Any) -> Any:
        batch, slots, engineers = observation.shape[0], self.layout.n_slots, self.layout.n_engineers
        context = self.context(observation)  # (B, H)
        slot_fields = observation[:, self.slot_index]  # (B, T, Fs)
        slot_inputs = [slot_fields, *slot_ranks(slot_fields, self.occupied), context[:, None].expand(-1, slots, -1)]
        slot = self.slot(torch.cat(slot_inputs, dim=-1))
        engineer_fields = observation[:, self.engineer_index]  # (B, E, Fe)
        identity = self.identity[None].expand(batch, -1, -1)
        engineer = self.engineer(torch.cat([engineer_fields, identity, context[:, None].expand(-1, engineers, -1)], -1))
        pair = torch.relu(self.pair_slot(slot)[:, :, None] + self.pair_engineer(engineer)[:, None])  # (B, T, E, H)
        assign = self.pair(pair).reshape(batch, slots * engineers)
        per_slot = self.verbs(slot).transpose(1, 2).reshape(batch, slots * self.layout.slot_verbs)  # verb-major
        return torch.cat([self.noop(context), assign, per_slot], dim=1)


class _ValueOnlyExtractor(Module):
    """SB3's ``mlp_extractor`` slot: the observation itself for the actor (its head does the work), an MLP for
    the critic."""

    def __init__(self, size: int, value_layers: list[int]) -> None:
        super().__init__()
        self.value = _mlp([size, *value_layers])
        self.latent_dim_pi = size
        self.latent_dim_vf = value_layers[-1] if value_layers else size

    def forward(self, features: Any) -> tuple[Any, Any]:
        return features, self.value(features)

    def forward_actor(self, features: Any) -> Any:
        return features

    def forward_critic(self, features: Any) -> Any:
        return self.value(features)


class StructuredCoordinatorPolicy(MaskableActorCriticPolicy):
    """MaskablePPO's actor-critic with :class:`CoordinatorLogits` as its actor (module docstring).

    Args (as ``policy_kwargs``; :func:`structured_policy_kwargs` makes them from a config): ``layout`` the
    :class:`CoordinatorLayout` fields as a dict, ``hidden`` the embeddings' width, ``value_layers`` the critic's
    hidden layers."""

    def __init__(
        self, *args: Any, layout: dict[str, Any], hidden: int = 64, value_layers: list[int] | None = None, **kwargs: Any
    ) -> None:
        self._layout = CoordinatorLayout(**{**layout, "mechanics": tuple(layout["mechanics"])})
        self._hidden = int(hidden)
        self._value_layers = list(value_layers or [256, 256])
        super().__init__(*args, **kwargs)

    def _build_mlp_extractor(self) -> None:
        self.mlp_extractor = _ValueOnlyExtractor(self.features_dim, self._value_layers)

    def _build(self, lr_schedule: Any) -> None:
        super()._build(lr_schedule)
        self.action_net = CoordinatorLogits(self._layout, self._hidden)
        self.optimizer = self.optimizer_class(self.parameters(), lr=lr_schedule(1), **self.optimizer_kwargs)

    def _get_constructor_parameters(self) -> dict[str, Any]:
        data = super()._get_constructor_parameters()
        data.update(layout=self._layout.as_kwargs(), hidden=self._hidden, value_layers=self._value_layers)
        return data


def structured_policy_kwargs(config: Any, hidden: int = 64, value_layers: list[int] | None = None) -> dict[str, Any]:
    """``policy_kwargs`` of :class:`StructuredCoordinatorPolicy` for the coordinator of ``config``."""
    layout = CoordinatorLayout.of(config).as_kwargs()
    return {"layout": layout, "hidden": int(hidden), "value_layers": list(value_layers or [256, 256])}
