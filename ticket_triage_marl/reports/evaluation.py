"""The figure of a policy comparison: ``ticket-triage evaluate --plot FILE.png``."""

from __future__ import annotations

import os
from typing import Any

from ..comparison import PolicyComparison
from ..files import write_bytes_atomically
from ..plotting import figure_png, plot_policy_comparison
from ..rollout import API_TITLES

__all__ = ["evaluation_figure", "write_evaluation_plot"]


def evaluation_figure(comparison: PolicyComparison, metric: str = "return") -> Any:
    """The figure of :func:`~ticket_triage_marl.evaluation.compare_policies`: each policy's ``metric``
    with its 95% CI and per-seed values, and the paired differences to the reference policy."""
    policies = comparison.policies
    config = comparison.config
    seeds = comparison.seeds
    seed_text = f"seed {seeds[0]}" if len(seeds) == 1 else f"seeds {seeds[0]}..{seeds[-1]}"
    return plot_policy_comparison(
        policies,
        means={name: comparison.summary[name][metric].mean for name in policies},
        half_widths={name: comparison.summary[name][metric].ci95 for name in policies},
        paired_means={name: comparison.paired[name][metric].mean for name in policies},
        paired_half_widths={name: comparison.paired[name][metric].ci95 for name in policies},
        reference=comparison.reference,
        per_seed={name: comparison.values[name][metric] for name in policies},
        metric=metric,
        title=f"{API_TITLES[comparison.api]}, config {config.name!r} (horizon {config.horizon}), one episode per seed on "
        f"{seed_text}; the same seeds for every policy (common random numbers)",
    )


def write_evaluation_plot(comparison: PolicyComparison, path: str | os.PathLike[str], metric: str = "return") -> None:
    """Write :func:`evaluation_figure` as a PNG (atomically).

    Raises:
        FileNotFoundError: the directory does not exist.
        MissingExtraError: matplotlib (the ``plot`` extra) is not installed.
    """
    path = os.fspath(path)
    if not os.path.isdir(os.path.dirname(os.path.abspath(path))):
        raise FileNotFoundError(f"output directory does not exist: {os.path.dirname(os.path.abspath(path))}")
    write_bytes_atomically(path, figure_png(evaluation_figure(comparison, metric)))
