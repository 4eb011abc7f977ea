"""A software prefetch hint for the batch kernels.

Each environment's records sit one large stride apart in a dozen arrays, so the
CPU's stride prefetchers (which stay within a page) do not fetch the next
environment's records ahead of time; at N in the thousands every step then
waits on memory. :func:`prefetch_record` asks for the first bytes of record
``n`` of an array while environment ``n - 1`` is being stepped. A prefetch is
only a hint: it never faults, changes no value and does nothing when numba's
JIT is disabled (``NUMBA_DISABLE_JIT=1`` runs the kernels as plain Python).
"""

from __future__ import annotations

from typing import Any, cast

import numpy.typing as npt
from numba import config, njit, types
from numba.core import cgutils
from numba.core.typing.templates import Signature
from numba.extending import intrinsic

from .jit import JitOptions
from .types import Int

CACHE_LINE = 64

# Typing note: numba calls the intrinsic below with its typing context first;
# kernels call ``_prefetch_line`` with the plain variant's arguments, which is
# what mypy checks calls against. numba's code generation helpers (cgutils)
# and llvmlite are unannotated.
if config.DISABLE_JIT:  # type: ignore[attr-defined]  # numba.config sets its options from the environment at import; its stubs do not list them

    def _prefetch_line(array: npt.NDArray[Any], n: Int, offset: int) -> None:
        """No-op in plain Python."""

else:
    from llvmlite import ir

    @intrinsic
    def _prefetch_line(
        typingctx: object, array: types.Array, n: types.Integer, offset: types.Integer
    ) -> tuple[Signature, Any]:
        """``llvm.prefetch`` of the byte ``offset`` of ``array[n]`` (read, keep in all cache levels)."""
        signature = types.void(array, n, offset)

        def codegen(context: Any, builder: Any, sig: Signature, args: tuple[Any, ...]) -> Any:
            record = context.make_array(sig.args[0])(context, builder, args[0])
            stride = cgutils.unpack_tuple(builder, record.strides)[0]  # type: ignore[no-untyped-call]  # numba's cgutils is unannotated
            index = context.cast(builder, args[1], sig.args[1], types.int64)
            byte = context.cast(builder, args[2], sig.args[2], types.int64)
            address = builder.add(
                builder.ptrtoint(record.data, ir.IntType(64)), builder.add(builder.mul(index, stride), byte)
            )
            pointer = builder.inttoptr(address, ir.IntType(8).as_pointer())
            i32 = ir.IntType(32)
            prefetch = cgutils.get_or_insert_function(
                builder.module, ir.FunctionType(ir.VoidType(), [pointer.type, i32, i32, i32]), "llvm.prefetch.p0i8"
            )  # type: ignore[no-untyped-call]  # numba's cgutils is unannotated
            builder.call(prefetch, [pointer, ir.Constant(i32, 0), ir.Constant(i32, 3), ir.Constant(i32, 1)])
            return context.get_dummy_value()

        return signature, codegen


# Inlined by numba into prefetch_env (inline="always"): compiled on its own it was compiled once per
# array type it is called with, seven times, in the single envs' first use too.
@njit(**cast(JitOptions, {"cache": True, "nogil": True, "_nrt": False, "forceinline": True, "inline": "always"}))
def prefetch_record(array: npt.NDArray[Any], n: Int, nbytes: int) -> None:
    """Prefetch the lines holding the first ``nbytes`` of ``array[n]`` (``n`` in range)."""
    for offset in range(0, nbytes + CACHE_LINE - 1, CACHE_LINE):
        _prefetch_line(array, n, offset)
