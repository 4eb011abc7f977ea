"""Without torchrl the native TorchRL env fails with a one-line install hint (no torch needed here)."""

from __future__ import annotations

import subprocess
import sys


def test_missing_torchrl_raises_the_install_hint():
    code = (
        "import sys\n"
        "sys.modules['torchrl'] = None  # as if it were not installed\n"
        "from ticket_triage_marl.integrations import MissingExtraError\n"
        "try:\n"
        "    from ticket_triage_marl.integrations import TicketTriageTorchRLEnv\n"
        "except MissingExtraError as error:\n"
        "    print(error)\n"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120, check=True)
    assert "ticket_triage_marl[torchrl]" in result.stdout and "torch==2.13.0" in result.stdout, result
