"""The installed version of the package (a module of its own, so any module can import it without the package root)."""

from importlib.metadata import PackageNotFoundError, version

try:
    __version__ = version("ticket_triage_marl")
except PackageNotFoundError:  # pragma: no cover - running from a source tree
    __version__ = "0.0.0+unknown"
