"""Writing files atomically: the one place every output of the package (scenarios, recordings, reports,
figures, videos) is written through, so a failed run never leaves a half-written file behind.

Each writer writes into a temporary file next to the destination and renames it over the destination only
on success (``os.replace``, atomic on one file system); on failure the temporary file is removed. The result
gets the permissions a plain ``open`` would give (the temporary file is private, 0600, until then).
"""

from __future__ import annotations

import contextlib
import os
import tempfile
from collections.abc import Iterator
from typing import IO, Any

__all__ = ["atomic_path", "atomic_writer", "write_bytes_atomically"]


def _directory_of(path: str) -> str:
    directory = os.path.dirname(os.path.abspath(path))
    if not os.path.isdir(directory):
        raise FileNotFoundError(f"output directory does not exist: {directory}")
    return directory


def _publish(temporary: str, path: str) -> None:
    umask = os.umask(0)
    os.umask(umask)
    os.chmod(temporary, 0o666 & ~umask)  # a temporary file is private (0600); the result should not be
    os.replace(temporary, path)


@contextlib.contextmanager
def atomic_path(path: str | os.PathLike[str], suffix: str = ".tmp") -> Iterator[str]:
    """A temporary path next to ``path`` for a writer that writes by file name (an encoder); it replaces
    ``path`` when the block ends without an exception and is removed otherwise.

    Raises:
        FileNotFoundError: the directory of ``path`` does not exist (before anything is written).
    """
    path = os.fspath(path)
    handle, temporary = tempfile.mkstemp(dir=_directory_of(path), prefix=f".{os.path.basename(path)}.", suffix=suffix)
    os.close(handle)
    try:
        yield temporary
        _publish(temporary, path)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(temporary)
        raise


@contextlib.contextmanager
def atomic_writer(path: str | os.PathLike[str], binary: bool = False) -> Iterator[IO[Any]]:
    """An open file (text in UTF-8, or ``binary``) whose content replaces ``path`` only if the block succeeds.

    Raises:
        FileNotFoundError: the directory of ``path`` does not exist (before anything is written).
    """
    with atomic_path(path) as temporary:
        if binary:
            with open(temporary, "wb") as handle:
                yield handle
        else:
            with open(temporary, "w", encoding="utf-8") as handle:
                yield handle


def write_bytes_atomically(path: str | os.PathLike[str], data: bytes) -> None:
    """Write ``data`` to ``path`` atomically."""
    with atomic_writer(path, binary=True) as handle:
        handle.write(data)
