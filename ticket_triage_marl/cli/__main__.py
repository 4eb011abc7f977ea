"""``python -m ticket_triage_marl.cli`` runs the ``ticket-triage`` command line."""

import sys

from . import main

sys.exit(main())
