"""Fitting teams and routing to an export's assignment groups: :func:`fit_teams`.

An export that records the group a ticket was first assigned to (``group``) and the one that resolved it
(``final_group``) shows how a desk routes its work. The fit models:

- **Groups**: the entry group (the most common first group: the first-line desk) and the ``specialists``
  groups that resolve most tickets after it, plus one pooled group for every other group (so the groups
  the model has still resolve every ticket). Engineers are split between them in proportion to the
  tickets each resolves (at least one each; largest remainders).
- **Components**: with teams, a ticket's component is *the group able to resolve it* (its final group),
  and ``component_mix`` is the final groups' shares: the export's category is not the skill that decides
  who resolves a ticket (on the UCI desk the first-line group resolves 70% of its largest category and
  16-70% of every other one). Each group's engineers have skill 1 in their own component and
  :data:`CROSS_SKILL` (0) in the others, so every ticket has one home group (``EnvConfig.group_skills``), the
  only one able to resolve it; its true component shows at the first touch (``reveal_work`` 0: whoever opens
  it sees whether it is theirs), and a ticket at another group must be routed home.
- **Routing**: ``entry_share`` and ``p_misreport`` are solved (a grid search over the closed form below) so
  that the share of tickets first assigned to the entry group and the share finishing in another group
  than the first are the export's, assuming every ticket ends in its home group. A ticket is first
  assigned to the entry group when its reported component is the entry group's, else with probability
  ``entry_share``, else to its reported component's group; its reported component is right with
  probability ``1 - p_misreport``, else uniform among the others.
- **Reassignments within a group** (where the export has ``reassignments``): each visit of a group passes a
  ticket on with ``p_reassign``, or ``p_reassign_bouncing`` for a ticket of the bouncing kind (a share
  ``bouncing_share`` of them), so a ticket that never leaves its group is reassigned k times with the mixture
  of two geometric laws; the three are the maximum-likelihood fit (:func:`fit_reassignments`, a grid) to the
  reassignment counts of the tickets finishing in their first group. (On the UCI desk one law, fitted to the
  share reassigned at all, gives 1.3% of them four reassignments or more against the export's 4.8%.)
- **Pick-ups** (where it has ``resolution_hours`` too): a ticket first assigned to another group than the
  entry group, never reassigned and never awaiting, still took hours to days on the UCI desk (median 2.7 h,
  a tenth over a week) where such a ticket at the first-line desk took minutes: the specialist group was
  slow to pick it up. ``pickup_share``, ``pickup_steps`` and ``pickup_sigma`` are the grid point at which a
  pick-up time (0 with probability ``1 - pickup_share``, else lognormal) added to the entry desk's own times
  (standing in for the model's queueing and work) best matches those tickets' times net of awaiting
  (two-sample KS, :func:`fit_pickup`).
- **Hand-off time** (where it also has ``resolution_hours``): drawn lognormal (``handoff_sigma`` > 0, waited
  out off the board). Its median and log-sd are the grid point at which the sum of k lognormal hand-offs
  best matches (two-sample KS, weighted by tickets) the time to resolve net of awaiting of the tickets
  reassigned k = 1, 2 and 3 times (:func:`fit_handoff`). It attributes all of that time to the hand-offs:
  in the model a ticket's own queueing and work take hours, next to days for a hand-off.
- **Not in any export**: how much reading in a hand-off costs (``handoff_work`` keeps its default: none).
"""

from __future__ import annotations

from collections import Counter
from typing import Any

import numpy as np

from .exports import TicketLog

__all__ = ["CROSS_SKILL", "SPECIALISTS", "fit_teams", "known_groups", "routing_shares", "teams_note"]

SPECIALISTS = 3
"""Groups modelled besides the entry group and the pooled rest: the ones resolving most tickets."""
CROSS_SKILL = 0.0
"""A group's skill outside its own component (its own: 1): none, since a ticket's component is the group able to
resolve it; the true component shows at the first touch (``reveal_work`` 0), and the ticket must be routed."""
MIN_ROUTED = 50  # tickets with a first and a final group needed to fit
GRID = np.linspace(0.0, 1.0, 101)


def known_groups(log: TicketLog, rows: np.ndarray | None = None) -> tuple[np.ndarray, np.ndarray] | None:
    """The first and final groups of the tickets (of ``rows``, a mask, if given) that have both; None where the
    export has no ``group`` and ``final_group``."""
    if log.group is None or log.final_group is None:
        return None
    first, final = np.asarray(log.group, dtype=object), np.asarray(log.final_group, dtype=object)
    known = np.array([bool(a) and bool(b) for a, b in zip(first, final, strict=True)], dtype=bool)
    if rows is not None:
        known &= rows
    return first[known], final[known]


def _groups(log: TicketLog) -> tuple[np.ndarray, np.ndarray] | None:
    """:func:`known_groups` of every ticket, or None with fewer than :data:`MIN_ROUTED` of them."""
    groups = known_groups(log)
    return None if groups is None or groups[0].size < MIN_ROUTED else groups


def routing_shares(mix: np.ndarray, entry_share: float, p_misreport: float) -> tuple[float, float]:
    """The model's share of tickets first assigned to the entry group (component 0) and of tickets finishing
    in another group than the first, for a component mix, ``entry_share`` and ``p_misreport`` (every ticket
    ending in its home group; see the module docstring)."""
    n = mix.shape[0]
    others = max(n - 1, 1)
    at_entry = outside = 0.0
    for true in range(n):
        for reported in range(n):
            p = (1.0 - p_misreport) if reported == true else p_misreport / others
            if n == 1:
                p = 1.0
            weight = mix[true] * p
            first_entry = 1.0 if reported == 0 else entry_share
            at_entry += weight * first_entry
            outside += weight * (first_entry * (true != 0) + (1.0 - first_entry) * (true != reported))
    return at_entry, outside


def fit_teams(log: TicketLog, n_engineers: int, hours_per_step: float = 1.0) -> dict[str, Any] | None:
    """The teams mechanic's settings fitted to ``log`` for a team of ``n_engineers`` at ``hours_per_step``
    (see the module docstring), or None where the log cannot fit it (no ``group`` and ``final_group``, fewer
    than :data:`MIN_ROUTED` tickets with both, fewer engineers than groups)."""
    groups = _groups(log)
    if groups is None:
        return None
    first, final = groups
    entry = Counter(first).most_common(1)[0][0]
    resolvers = [name for name, _ in Counter(final).most_common() if name != entry][:SPECIALISTS]
    names = [entry, *resolvers]
    home = np.array([names.index(g) if g in names else len(names) for g in final])
    n_groups = len(names) + int((home == len(names)).any())
    if n_engineers < n_groups:
        return None
    mix = np.bincount(home, minlength=n_groups) / home.size
    seats = _split(mix, n_engineers)
    real_entry, real_outside = float((first == entry).mean()), float((first != final).mean())
    best = min(
        ((e, p) for e in GRID for p in GRID),
        key=lambda ep: sum(
            (a - b) ** 2 for a, b in zip(routing_shares(mix, *ep), (real_entry, real_outside), strict=True)
        ),
    )
    group_of = [g for g in range(n_groups) for _ in range(seats[g])]
    extra: dict[str, Any] = {}
    reassignments = fit_reassignments(log)
    if reassignments is not None:
        extra.update(reassignments)
    pickup = fit_pickup(log, entry)
    if pickup is not None:
        share, median_hours, sigma = pickup
        mean_steps = median_hours * float(np.exp(0.5 * sigma * sigma)) / hours_per_step
        extra.update(pickup_share=round(share, 6), pickup_steps=max(1, round(mean_steps)), pickup_sigma=round(sigma, 6))
    handoff = fit_handoff(log)
    if handoff is not None:
        median_hours, sigma = handoff
        mean_steps = median_hours * float(np.exp(0.5 * sigma * sigma)) / hours_per_step
        extra.update(handoff_steps=max(1, round(mean_steps)), handoff_sigma=round(sigma, 6))
    return {
        **extra,
        "n_components": n_groups,
        "component_mix": [round(float(x), 6) for x in _exact_sum(mix)],
        "groups": group_of,
        "skills": [[1.0 if c == g else CROSS_SKILL for c in range(n_groups)] for g in group_of],
        "reveal_work": 0.0,
        "entry_share": round(float(best[0]), 6),
        "p_misreport": round(float(best[1]), 6),
        "_names": [str(name) for name in names] + (["(other groups)"] if n_groups > len(names) else []),
        "_real": (real_entry, real_outside),
    }


def _reassignments(log: TicketLog) -> np.ndarray | None:
    """Each ticket's reassignment count (NaN: unknown), or None where the export has none."""
    if log.reassignments is None:
        return None
    counts = np.asarray(log.reassignments, dtype=np.float64)
    return counts if np.any(~np.isnan(counts)) else None


def _stayed_counts(log: TicketLog) -> np.ndarray | None:
    """Reassignment counts of the tickets finishing in their first group (None: not in the export, or fewer
    than :data:`MIN_ROUTED` such tickets)."""
    counts = _reassignments(log)
    if counts is None or log.group is None or log.final_group is None:
        return None
    first, final = np.asarray(log.group, dtype=object), np.asarray(log.final_group, dtype=object)
    stayed = np.array([bool(a) and a == b for a, b in zip(first, final, strict=True)]) & ~np.isnan(counts)
    if stayed.sum() < MIN_ROUTED:
        return None
    return counts[stayed].astype(np.int64)


TWO_KINDS_GAIN = 4.61  # log-likelihood a second kind must add: a likelihood-ratio test, 1% level, 2 parameters more
P_GRID = np.linspace(0.0, 0.99, 100)  # the grid of :func:`fit_reassignments`' probabilities
SHARE_GRID = np.linspace(0.0, 1.0, 101)


def fit_reassignments(log: TicketLog) -> dict[str, float] | None:
    """``p_reassign``, ``bouncing_share`` and ``p_reassign_bouncing``: the maximum-likelihood mixture of two
    geometric laws (P(k) = (1 - p) p^k, the bouncing kind's p the larger) for the reassignment counts of the
    tickets finishing in their first group, on a grid of step 0.01 (ties: the first point); one kind only
    (no ``bouncing_share``) unless two raise the log-likelihood by more than :data:`TWO_KINDS_GAIN`. None where
    the export cannot fit it (:func:`_stayed_counts`)."""
    counts = _stayed_counts(log)
    if counts is None:
        return None
    values, tickets = np.unique(counts, return_counts=True)
    p = P_GRID[:, None]
    law = (1.0 - p) * p ** values[None, :]  # (p, count value)
    one_law = (np.log(np.maximum(law, 1e-300)) * tickets).sum(axis=1)
    one_kind = (float(one_law.max()), 0.0, float(P_GRID[int(np.argmax(one_law))]), 0.0)
    best = (-np.inf, 0.0, 0.0, 0.0)
    not_above = P_GRID[None, :] <= P_GRID[:, None]  # (p base, p bouncing): the bouncing kind's p not the larger
    for share in SHARE_GRID[1:]:
        mixed = (1.0 - share) * law[:, None, :] + share * law[None, :, :]  # (p base, p bouncing, value)
        loglik = np.where(not_above, -np.inf, (np.log(np.maximum(mixed, 1e-300)) * tickets).sum(axis=2))
        k = int(np.argmax(loglik))
        if loglik.flat[k] > best[0] + 1e-9:
            base, bouncing = divmod(k, P_GRID.size)
            best = (float(loglik.flat[k]), float(share), float(P_GRID[base]), float(P_GRID[bouncing]))
    if best[0] - one_kind[0] <= TWO_KINDS_GAIN:
        best = one_kind
    _, share, base_p, bouncing_p = best
    fitted = {"p_reassign": round(base_p, 6)}
    if share > 0.0:
        fitted.update(bouncing_share=round(share, 6), p_reassign_bouncing=round(bouncing_p, 6))
    return fitted


PICKUP_SHARES = np.linspace(0.05, 1.0, 20)


def fit_pickup(log: TicketLog, entry: str) -> tuple[float, float, float] | None:
    """The pick-up time of tickets first assigned to another group than ``entry`` (share waiting, median hours,
    log-sd; the module docstring says how), or None without reassignments or resolution times or with fewer
    than :data:`MIN_ROUTED` such tickets (or at the entry group). Fixed draws (seed 0): reproducible."""
    counts = _reassignments(log)
    if counts is None or log.resolution_hours is None or log.group is None:
        return None
    hours = np.asarray(log.resolution_hours, dtype=np.float64)
    if log.awaiting_hours is not None:
        awaited = np.asarray(log.awaiting_hours, dtype=np.float64)
        hours = np.where(awaited > 0.0, np.nan, hours)  # never awaiting (unknown: kept)
    first = np.asarray(log.group, dtype=object)
    plain = ~np.isnan(hours) & (counts == 0)
    direct = np.sort(np.maximum(hours[plain & (first != entry) & (first != "")], 0.0))
    at_entry = np.maximum(hours[plain & (first == entry)], 0.0)
    if direct.size < MIN_ROUTED or at_entry.size < MIN_ROUTED:
        return None
    rng = np.random.default_rng(0)
    normals, uniforms = rng.standard_normal(HANDOFF_DRAWS), rng.random(HANDOFF_DRAWS)
    own = rng.choice(at_entry, HANDOFF_DRAWS)
    best = (np.inf, 0.0, 0.0, 0.0)
    for share in PICKUP_SHARES:
        for median in HANDOFF_MEDIANS:
            for sigma in HANDOFF_SIGMAS:
                waits = np.where(uniforms < share, np.exp(np.log(median) + sigma * normals), 0.0)
                score = _ks(direct, np.sort(own + waits))
                if score < best[0] - 1e-12:
                    best = (score, float(share), float(median), float(sigma))
    return best[1], best[2], best[3]


HANDOFF_MEDIANS = np.geomspace(0.25, 500.0, 56)  # hours: the grid of :func:`fit_handoff`
HANDOFF_SIGMAS = np.linspace(0.25, 3.0, 12)
HANDOFF_DRAWS = 4000  # Monte Carlo draws per reassignment count


def fit_handoff(log: TicketLog) -> tuple[float, float] | None:
    """The hand-off time (median hours, log-sd) whose sums of k draws best match the time to resolve net of
    awaiting of the tickets reassigned k = 1..3 times (gross where the export has no ``awaiting_hours``):
    the grid point of least two-sample KS distance, averaged weighted by tickets; fixed draws (seed 0), so the
    fit is reproducible. None without reassignments or resolution times, or under :data:`MIN_ROUTED` such
    tickets."""
    counts = _reassignments(log)
    if counts is None or log.resolution_hours is None:
        return None
    hours = np.asarray(log.resolution_hours, dtype=np.float64)
    if log.awaiting_hours is not None:
        hours = hours - np.nan_to_num(np.asarray(log.awaiting_hours, dtype=np.float64))
    known = ~np.isnan(hours) & ~np.isnan(counts)
    real = {k: np.sort(np.maximum(hours[known & (counts == k)], 0.0)) for k in (1, 2, 3)}
    total = sum(r.size for r in real.values())
    if total < MIN_ROUTED:
        return None
    normals = np.random.default_rng(0).standard_normal((HANDOFF_DRAWS, 3))
    best = (np.inf, 0.0, 0.0)
    for median in HANDOFF_MEDIANS:
        for sigma in HANDOFF_SIGMAS:
            draws = np.exp(np.log(median) + sigma * normals)
            score = sum(_ks(r, np.sort(draws[:, :k].sum(axis=1))) * r.size for k, r in real.items() if r.size)
            if score / total < best[0]:
                best = (score / total, float(median), float(sigma))
    return best[1], best[2]


def _ks(a: np.ndarray, b: np.ndarray) -> float:
    """Two-sample Kolmogorov-Smirnov distance of two sorted samples."""
    points = np.concatenate([a, b])
    cdf_a = np.searchsorted(a, points, side="right") / a.size
    cdf_b = np.searchsorted(b, points, side="right") / b.size
    return float(np.max(np.abs(cdf_a - cdf_b)))


def _split(shares: np.ndarray, total: int) -> list[int]:
    """``total`` seats in proportion to ``shares``, at least one each (largest remainders)."""
    seats = np.maximum(1, np.floor(shares * total)).astype(int)
    while seats.sum() > total:
        seats[np.argmax(seats)] -= 1
    remainders = shares * total - seats
    while seats.sum() < total:
        k = int(np.argmax(remainders))
        seats[k] += 1
        remainders[k] -= 1.0
    return [int(s) for s in seats]


def _exact_sum(mix: np.ndarray) -> list[float]:
    rounded = [round(float(x), 6) for x in mix]
    rounded[-1] = round(1.0 - sum(rounded[:-1]), 6)
    return rounded


def teams_note(log: TicketLog, n_engineers: int, hours_per_step: float = 1.0) -> str:
    """What :func:`fit_teams` fitted, or why not (one sentence for the scenario's comments and the fidelity
    page)."""
    if log.group is None or log.final_group is None:
        return "teams: off, the export has no group and final_group columns"
    fitted = fit_teams(log, n_engineers, hours_per_step)
    if fitted is None:
        return (
            f"teams: off, fewer than {MIN_ROUTED} tickets with a first and a final group, or fewer than "
            f"{SPECIALISTS + 2} engineers for the groups"
        )
    names = fitted["_names"]
    seats = Counter(fitted["groups"])
    model_entry, model_outside = routing_shares(
        np.asarray(fitted["component_mix"]), fitted["entry_share"], fitted["p_misreport"]
    )
    real_entry, real_outside = fitted["_real"]
    return (
        f"teams: fitted from group and final_group: groups {', '.join(f'{g} {name} ({seats[g]} engineers)' for g, name in enumerate(names))}; "
        f"a ticket's component is the group that can resolve it (shares {fitted['component_mix']}); first at the "
        f"entry group {real_entry:.1%} and finishing outside the first group {real_outside:.1%} in the export, "
        f"{model_entry:.1%} and {model_outside:.1%} in the model (entry_share {fitted['entry_share']:g}, p_misreport "
        f"{fitted['p_misreport']:g}); {_handoff_note(fitted)}"
    )


def _handoff_note(fitted: dict[str, Any]) -> str:
    """What the teams fit says of reassignments within a group and of hand-off times."""
    parts = []
    if "bouncing_share" in fitted:
        parts.append(
            f"reassigned within its group at each visit: p_reassign {fitted['p_reassign']:g}, and for a bouncing "
            f"kind of {fitted['bouncing_share']:.0%} of the tickets p_reassign_bouncing "
            f"{fitted['p_reassign_bouncing']:g} (two geometric laws fitted by maximum likelihood to the reassignment "
            "counts of the tickets finishing in their first group)"
        )
    elif "p_reassign" in fitted:
        parts.append(
            f"reassigned within its group at each visit: p_reassign {fitted['p_reassign']:g} (one geometric law "
            "fitted by maximum likelihood to the reassignment counts of the tickets finishing in their first "
            "group; a second kind did not fit them significantly better)"
        )
    else:
        parts.append("reassignments within a group not fitted (the export has no reassignments)")
    if "handoff_sigma" in fitted:
        parts.append(
            f"hand-off time lognormal, mean {fitted['handoff_steps']} steps, log-sd {fitted['handoff_sigma']:g}, waited "
            "out off the board (fitted so that sums of hand-offs match the net time to resolve of tickets "
            "reassigned 1-3 times)"
        )
    else:
        parts.append("hand-off time not fitted (no reassignments and resolution times): the default kept")
    if "pickup_share" in fitted:
        parts.append(
            f"a new ticket filed with another group than the entry group waits for it to pick it up with probability "
            f"{fitted['pickup_share']:g}, lognormal, mean {fitted['pickup_steps']} steps, log-sd "
            f"{fitted['pickup_sigma']:g}, off the board (fitted to the net times of such tickets never reassigned "
            "nor awaiting, the entry group's own times standing in for queueing and work)"
        )
    else:
        parts.append(
            "pick-ups not fitted (no reassignments and resolution times): a new ticket is on the board at once"
        )
    parts.append("hand-off work not in the export (none)")
    return "; ".join(parts)
