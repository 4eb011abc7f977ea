"""Reports of runs, one module each, drawn with the figures of :mod:`ticket_triage_marl.plotting`.

===============  ==============================================================================================
module           what it holds
===============  ==============================================================================================
``html``         :class:`HtmlPage`, the self-contained page builder every report writes with (atomically)
``episode``      a recording analysed into per-step series (``analyze_recording``, ``RecordingSeries``) and
                 the episode report (``build_report``, ``report_page``): ``ticket-triage report``
``evaluation``   the figure of a policy comparison (``write_evaluation_plot``): ``ticket-triage evaluate --plot``
``fidelity``     a fitted scenario against its export (``build_fidelity_report``): ``ticket-triage fit --report``
===============  ==============================================================================================

Nothing here is imported by ``import ticket_triage_marl``; matplotlib (the ``plot`` extra) is imported only
when a figure is drawn. :mod:`ticket_triage_marl.report` re-exports these names under their old path.
"""
