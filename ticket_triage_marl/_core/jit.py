"""How the kernels are compiled: numba options, and a cache that sees every kernel file.

Options: no reference counting (kernels never allocate), numpy's error model
(a float division by zero would give inf instead of raising, which drops a
branch from every division; no kernel divides by zero), functions inlined
into their callers by LLVM, and an on-disk cache (``cache=True``) so only the
first use of an installation compiles. ``fastmath`` stays off: results are
bit-identical whatever the batch size or thread count.

The cache: numba checks a cached kernel against the source file that defines
it, not against the files of the functions it calls and inlines. The kernels
are spread over several modules of this package (one job per file), so an edit
of ``rules.py`` would leave a stale compiled ``batch.py`` in the cache. The
locators below stamp every cached kernel of this package with all of its
kernel files, so any edit recompiles everything that may have inlined it.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any, Literal, TypedDict, cast

from numba.core import caching, config
from numba.core.compiler_lock import global_compiler_lock

# Entry points (called from Python) and the functions they inline. Inner
# functions are never called from Python, so numba builds no Python wrapper
# for them: for a record argument of two dozen arrays that wrapper (the code
# that unboxes every array) would cost more to compile than the function.
ENTRY_JIT = cast(
    "JitOptions", {"cache": True, "nogil": True, "_nrt": False, "error_model": "numpy", "forceinline": True}
)
PARALLEL_JIT = cast("JitOptions", {**ENTRY_JIT, "parallel": True})
JIT = cast("JitOptions", {**ENTRY_JIT, "no_cpython_wrapper": True, "no_cfunc_wrapper": True})
# Functions that only sequence other calls, or are a line long, are inlined by
# numba itself (into the caller's IR, before typing) instead of being compiled
# on their own: every separately compiled function is optimized and turned into
# machine code together with everything it inlines, so a chain of them
# (step -> advance -> phase) would compile the same code once per level.
SEQUENCE_JIT = cast("JitOptions", {**JIT, "inline": "always"})


class JitOptions(TypedDict, total=False):
    """The option dicts above as mypy sees them: the public keywords of ``njit``
    in numba's stubs, so ``@njit(**JIT)`` keeps each kernel's signature for the
    type checker. The private ``_nrt`` and ``no_*_wrapper`` keys (which the stubs
    do not list) go to numba unchanged: the casts are for the type checker only."""

    cache: bool
    nogil: bool
    parallel: bool
    error_model: Literal["python", "numpy"]
    forceinline: bool
    inline: Literal["never", "always"]


_CORE_DIR = Path(__file__).resolve().parent

# LLVM settings for the kernels: O2 instead of numba's O3, and neither of LLVM's vectorizers. Their
# loops run over a few engineers, reward components or ticket slots, counts known only at run time:
# vectorized and unrolled, each becomes a vector body, a scalar remainder and run-time checks, code
# that LLVM then optimizes and compiles in every function it is inlined into. Without them the first
# use compiles about 3 s faster and the steps run as fast (README, Performance). No fast-math
# either way, so results are bit-identical.
KERNEL_OPT_LEVEL = 2


@contextmanager
def kernel_codegen() -> Iterator[None]:
    """Compile the kernels with :data:`KERNEL_OPT_LEVEL` (or the lower ``NUMBA_OPT`` a user set) and
    without vectorizers. numba reads these settings from ``numba.core.config`` for every module it
    optimizes, and lets a program set them there; they are set only while this holds numba's
    compiler lock, so nothing else compiles meanwhile, and restored after."""
    settings: Any = config  # numba sets its options on this module from the environment; its stubs do not list them
    with global_compiler_lock:
        saved = settings.OPT, settings.LOOP_VECTORIZE, settings.SLP_VECTORIZE
        try:
            if int(settings.OPT) > KERNEL_OPT_LEVEL:
                settings.OPT = type(settings.OPT)(KERNEL_OPT_LEVEL)
            settings.LOOP_VECTORIZE = settings.SLP_VECTORIZE = False
            yield
        finally:
            settings.OPT, settings.LOOP_VECTORIZE, settings.SLP_VECTORIZE = saved


# Seconds each entry point takes to compile from an empty cache on a 2-vCPU machine (README, Performance):
# what the one line printed before compiling says.
COMPILE_SECONDS = {"run_envs": 15, "run_batch": 4, "write_state_one": 1}
_announced = False


def cached_on_disk(dispatcher: Any, argtypes: tuple[Any, ...]) -> bool | None:
    """Whether numba's on-disk cache holds ``dispatcher``'s kernel for ``argtypes`` (a fresh entry:
    same key, same source stamp), read from the cache index as numba itself reads it; None when
    that cannot be told (caching off, another numba layout)."""
    try:
        cache = dispatcher._cache
        if not getattr(cache, "_enabled", False):
            return None
        key = cache._index_key(argtypes, dispatcher.targetctx.codegen())
        return bool(key in cache._cache_file._load_index())
    except Exception:  # private numba API: no line rather than a failure
        return None


def announce_compile(dispatcher: Any, argtypes: tuple[Any, ...]) -> None:
    """Before ``dispatcher`` is compiled for ``argtypes``: if the on-disk cache does not hold it,
    say once per process on stderr that the kernels are being compiled (nothing when it is cached,
    when this process already compiled or loaded it, or when that cannot be told)."""
    global _announced
    if _announced or argtypes in getattr(dispatcher, "overloads", {argtypes: None}):
        return
    if cached_on_disk(dispatcher, argtypes) is not False:
        return
    _announced = True
    seconds = COMPILE_SECONDS.get(dispatcher.py_func.__name__, 2)
    print(f"compiling the simulation kernels, first use only, about {seconds} s", file=sys.stderr, flush=True)


def kernel_sources_stamp() -> tuple[tuple[str, float, int], ...]:
    """(name, mtime, size) of every kernel module of the core: the cache key of every kernel
    (``sim.py``, the Python door, holds no kernel)."""
    stamp = []
    for path in sorted(_CORE_DIR.glob("*.py")):
        if path.name == "sim.py":
            continue
        status = path.stat()
        stamp.append((path.name, status.st_mtime, status.st_size))
    return tuple(stamp)


def _in_core(py_file: str) -> bool:
    try:
        return Path(py_file).resolve().parent == _CORE_DIR
    except OSError:
        return False


def _core_locator(base: type[caching._CacheLocator]) -> type[caching._CacheLocator]:
    class CoreLocator(base):  # type: ignore[valid-type,misc]  # a class made per numba locator class
        def get_source_stamp(self) -> tuple[tuple[str, float, int], ...]:
            return kernel_sources_stamp()

        @classmethod
        def from_function(cls, py_func: Callable[..., object], py_file: str) -> caching._CacheLocator | None:
            if not _in_core(py_file):
                return None
            locator: caching._CacheLocator | None = super().from_function(py_func, py_file)
            return locator

    CoreLocator.__name__ = CoreLocator.__qualname__ = f"Core{base.__name__}"
    return CoreLocator


def _install_locators() -> None:
    impl = getattr(caching, "CacheImpl", None)
    classes = getattr(impl, "_locator_classes", None)
    if not isinstance(classes, list):  # another numba layout: its own per-file stamps apply
        return
    if any(getattr(cls, "__name__", "").startswith("Core") for cls in classes):
        return
    wanted = [name for name in ("UserProvidedCacheLocator", "InTreeCacheLocator", "UserWideCacheLocator")]
    ours = [_core_locator(getattr(caching, name)) for name in wanted if hasattr(caching, name)]
    classes[:0] = ours


if os.environ.get("NUMBA_DISABLE_JIT", "0") != "1":
    _install_locators()
