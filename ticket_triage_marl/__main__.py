"""``python -m ticket_triage_marl`` runs the ``ticket-triage`` command line."""

import sys

from .cli import main

sys.exit(main())
