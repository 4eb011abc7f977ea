"""Compatibility module: the reports live in :mod:`ticket_triage_marl.reports`, one module each.

- :mod:`ticket_triage_marl.reports.html`: :class:`HtmlPage`, the page builder;
- :mod:`ticket_triage_marl.reports.episode`: :func:`analyze_recording`, :class:`RecordingSeries`,
  :func:`build_report`, :func:`report_page` (``ticket-triage report``);
- :mod:`ticket_triage_marl.reports.evaluation`: :func:`evaluation_figure`, :func:`write_evaluation_plot`
  (``ticket-triage evaluate --plot``);
- :mod:`ticket_triage_marl.reports.fidelity`: :func:`fidelity_page`, :func:`fidelity_left_out`,
  :func:`build_fidelity_report` (``ticket-triage fit --report``).

Every name this module had still imports from here; ``analyze_trace`` and ``TraceSeries`` are deprecated
aliases (kept for one release, with a warning).
"""

from __future__ import annotations

from ._deprecation import renamed_names
from .reports.episode import EVENT_NAMES as EVENT_NAMES  # public, not in __all__ (as before the move)
from .reports.episode import FIGURE_NAMES, RecordingSeries, analyze_recording, build_report, report_page
from .reports.episode import SIDE_VERBS as SIDE_VERBS  # public, not in __all__ (as before the move)
from .reports.evaluation import evaluation_figure, write_evaluation_plot
from .reports.fidelity import FIDELITY_FIGURE_NAMES, build_fidelity_report, fidelity_page
from .reports.fidelity import fidelity_left_out as fidelity_left_out  # public, not in __all__ (as before the move)
from .reports.html import HtmlPage

__all__ = [
    "FIDELITY_FIGURE_NAMES",
    "FIGURE_NAMES",
    "HtmlPage",
    "RecordingSeries",
    "analyze_recording",
    "build_fidelity_report",
    "build_report",
    "evaluation_figure",
    "fidelity_page",
    "report_page",
    "write_evaluation_plot",
]

# Deprecated names (kept for one release, with a warning).
__getattr__ = renamed_names(
    __name__, globals(), {"analyze_trace": "analyze_recording", "TraceSeries": "RecordingSeries"}
)
