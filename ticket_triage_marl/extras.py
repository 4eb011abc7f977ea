"""Optional dependencies (pyproject extras): import them on demand, with a one-line install hint."""

from __future__ import annotations

import importlib
from types import ModuleType

__all__ = ["MissingExtraError", "require"]


class MissingExtraError(RuntimeError):
    """An optional dependency is not installed; the message says which extra installs it."""


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
        raise MissingExtraError(
            f"{purpose} need {module.split('.')[0]}, which is not installed; "
            f"install it with: pip install 'ticket_triage_marl[{extra}]'"
        ) from None
