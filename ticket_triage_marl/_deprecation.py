"""Renamed public names that keep working for one release, with a ``DeprecationWarning`` naming the new one."""

from __future__ import annotations

import warnings
from collections.abc import Callable
from typing import Any


def renamed_names(
    module: str, namespace: dict[str, Any], renames: dict[str, str], message: str | None = None
) -> Callable[[str], Any]:
    """A module ``__getattr__`` that answers each old name of ``renames`` (old -> new) with the new object of
    ``namespace`` (the module's ``globals()``) and a warning: ``message``, or "<module>.<old> is renamed <new>"."""

    def __getattr__(name: str) -> Any:
        if name in renames:
            new = renames[name]
            warnings.warn(message or f"{module}.{name} is renamed {new}", DeprecationWarning, stacklevel=2)
            return namespace[new]
        raise AttributeError(f"module {module!r} has no attribute {name!r}")

    return __getattr__
