"""Optional dependencies (pyproject extras): import them on demand, with a one-line install hint."""

from __future__ import annotations

import importlib
from types import ModuleType

__all__ = ["MissingExtraError", "require"]


class MissingExtraError(ImportError):
    """An optional dependency (a pyproject extra: plot, video, sb3, rllib, torchrl) is not installed; the
    message says how to install it. The one such error of the package: the training integrations raise it too
    (re-exported as ``ticket_triage_marl.integrations.MissingExtraError``)."""


def require(module: str, extra: str, purpose: str) -> ModuleType:
    """Import ``module`` or raise :class:`MissingExtraError` naming the extra that provides it.

    Args:
        module: The module to import, e.g. ``"matplotlib"``.
        extra: The pyproject extra that installs it, e.g. ``"plot"``.
        purpose: What needs it, for the message (e.g. ``"the report's plots"``).

    Returns:
        The imported module.

    Raises:
        MissingExtraError: The module is not importable.
    """
    try:
        return importlib.import_module(module)
    except ImportError:
        missing = module.split(".")[0]
        raise MissingExtraError(
            f"{purpose} need {missing}, which is not installed; install it with: pip install 'ticket_triage_marl[{extra}]'",
            name=missing,
        ) from None
