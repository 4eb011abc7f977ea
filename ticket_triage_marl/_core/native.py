"""A call of a compiled kernel through its address, so that callers share its machine code.

numba links the code of every jitted function a kernel calls into that kernel
and optimizes and compiles it again there: a ``prange`` batch loop calling the
single-environment kernel directly would compile the whole step again (in the
loop's function, its parallel body and their wrappers: 8 to 38 s from an empty
cache for each of the three batch loops this package had). Called through its
address instead, the single-environment kernel is compiled once and both the
single envs and the batch loop run that code.

:func:`call_native` calls the function at ``address`` with numba's own CPU
calling convention (a return slot, an exception slot, then the arguments as
numba passes them: every array of the records as its pointer, shape and
strides, a couple of hundred words), so the callee is a plain compiled overload:
``BatchSim`` takes the address from the dispatcher's compile result
(``library.get_pointer_to_function(fndesc.llvm_func_name)``) for exactly the
argument types it passes here. The callee returns nothing and raises nothing
(the kernels use numpy's error model and never allocate), so the status it
returns is not read.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from numba import config, types
from numba.core import cgutils
from numba.core.typing.templates import Signature
from numba.extending import intrinsic

from .types import Int, Params, State

# Plain Python (``NUMBA_DISABLE_JIT=1``) has no machine code: the "address" is a number that
# call_native maps back to the Python function (see python_address).
_PYTHON_FUNCTIONS: list[Callable[[State, Params, Int, Int, Int], None]] = []


def python_address(function: Callable[[State, Params, Int, Int, Int], None]) -> int:
    """With ``NUMBA_DISABLE_JIT=1``: the number :func:`call_native` calls ``function`` for."""
    if function not in _PYTHON_FUNCTIONS:
        _PYTHON_FUNCTIONS.append(function)
    return _PYTHON_FUNCTIONS.index(function) + 1


# Typing note (as in prefetch.py): numba calls the intrinsic with its typing context first; kernels
# call ``call_native`` with the plain variant's arguments, which is what mypy checks calls against.
if config.DISABLE_JIT:  # type: ignore[attr-defined]  # numba.config sets its options from the environment at import; its stubs do not list them

    def call_native(address: Int, state: State, params: Params, n: Int, job: Int, option: Int) -> None:
        """Plain Python: call the function :func:`python_address` numbered ``address``."""
        _PYTHON_FUNCTIONS[int(address) - 1](state, params, n, job, option)

else:

    @intrinsic
    def call_native(
        typingctx: object,
        address: types.Integer,
        state: types.Type,
        params: types.Type,
        n: types.Integer,
        job: types.Integer,
        option: types.Integer,
    ) -> tuple[Signature, Any]:
        """``f(state, params, n, job, option)`` for the compiled ``f`` at ``address``
        (the last three int64; ``f`` returns nothing)."""
        signature = types.void(types.int64, state, params, types.int64, types.int64, types.int64)

        def codegen(context: Any, builder: Any, sig: Signature, args: tuple[Any, ...]) -> Any:
            argtypes = sig.args[1:]
            function_type = context.call_conv.get_function_type(types.none, argtypes)
            callee = builder.inttoptr(args[0], function_type.as_pointer())
            result = cgutils.alloca_once(builder, function_type.args[0].pointee)  # type: ignore[no-untyped-call]  # numba's cgutils is unannotated
            builder.store(cgutils.get_null_value(result.type.pointee), result)  # type: ignore[no-untyped-call]  # numba's cgutils is unannotated
            exception = cgutils.alloca_once(builder, function_type.args[1].pointee)  # type: ignore[no-untyped-call]  # numba's cgutils is unannotated
            packed = context.get_arg_packer(argtypes).as_arguments(builder, args[1:])
            builder.call(callee, [result, exception, *packed])
            return context.get_dummy_value()

        return signature, codegen
