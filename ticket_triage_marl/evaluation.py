"""Running policies and measuring them: the episode driver, team return, confidence intervals, comparisons.

The library under ``ticket-triage rollout / validate / evaluate / replay``;
scripts and tests use it directly::

    from ticket_triage_marl import evaluation
    from ticket_triage_marl.baselines import make_policy

    env = ttm.TicketTriageEnv()
    episode = evaluation.run_episode(env, make_policy("edf"), seed=0)    # {"return", "resolved", ...}
    mean, half = evaluation.mean_ci95([1.0, 2.0, 3.0])                  # 2.0, 2.48
    result = evaluation.compare_policies(["random", "edf"], seeds=range(20))
    result.summary["edf"]["return"].mean, result.paired["edf"]["return"].ci95

The code lives in four modules, one job each; this module re-exports their
names, so ``ttm.evaluation.X`` keeps working:

- :mod:`ticket_triage_marl.rollout`: :class:`Session` drives one env of any of the three APIs (``coordinator``,
  ``parallel``, ``aec``) the same way, from a policy or from recorded
  actions, and turns every step into a JSON-able record (the step lines of
  a recording, :mod:`ticket_triage_marl.recordings`). :func:`run_steps` runs it for
  a number of steps, resetting without a seed into the next episode of the
  same random stream at each end (Gymnasium's convention).
  :func:`team_reward` is the team's reward of one step in any API;
  :func:`episode_record` (ticket by ticket: arrivals, severities, resolution
  times) and :func:`run_episode` play whole episodes.
- :mod:`ticket_triage_marl.digests`: :func:`step_digest` / :func:`run_digests` /
  :func:`digests_in_fresh_process`, the SHA-256 per step that the determinism check compares.
- :mod:`ticket_triage_marl.statistics`: :func:`t_quantile_95` (exact, no scipy),
  :func:`mean_ci95` and :class:`Estimate`.
- :mod:`ticket_triage_marl.comparison`: :func:`compare_policies`, every policy on the same
  seeds (common random numbers: the same ticket arrivals), per-policy means
  with 95% confidence intervals and paired differences to a reference policy,
  as a :class:`PolicyComparison`.
"""

from __future__ import annotations

from .comparison import PolicyComparison, compare_policies
from .digests import DigestRun as DigestRun  # public, not in __all__ (as before the split)
from .digests import digests_in_fresh_process, run_digests, step_digest
from .rollout import API_TITLES as API_TITLES  # public, not in __all__ (as before the split)
from .rollout import (
    APIS,
    EPISODE_APIS,
    METRICS,
    EpisodeRecord,
    Session,
    episode_record,
    run_episode,
    run_steps,
    team_reward,
)
from .statistics import Estimate, mean_ci95, t_quantile_95

__all__ = [
    "APIS",
    "EPISODE_APIS",
    "METRICS",
    "EpisodeRecord",
    "Estimate",
    "PolicyComparison",
    "Session",
    "compare_policies",
    "digests_in_fresh_process",
    "episode_record",
    "mean_ci95",
    "run_digests",
    "run_episode",
    "run_steps",
    "step_digest",
    "t_quantile_95",
    "team_reward",
]
