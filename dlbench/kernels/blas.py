"""Matrix products through the BLAS that NumPy ships, called from inside the compiled kernels.

NumPy's wheels bundle OpenBLAS as ``scipy-openblas64`` (64-bit integers), exporting
``scipy_cblas_dgemm64_``. :func:`find_dgemm` finds that function in the loaded library with
:mod:`ctypes` and returns its address; the kernels take the address as an ordinary integer
argument and call it through :func:`dgemm` (an intrinsic, so compiled code stays cacheable: no
address is baked into it). Where no such library is found (a NumPy built against another BLAS)
the address is 0 and the kernels use their own blocked loops.

Measured on the development machine: BLAS runs the layer products 4–8× faster than the loops
from a few thousand multiply-adds up; below that the call costs more than it saves, so the
kernels use it from :data:`dlbench.kernels.network.BLAS_FROM` multiply-adds per product.
"""

from __future__ import annotations

import ctypes
import functools
import glob
import os
import threading

from llvmlite import ir
from numba import types
from numba.extending import intrinsic

NO_TRANS = 111
TRANS = 112
_ROW_MAJOR = 101
_SYMBOL = "scipy_cblas_dgemm64_"
_found: dict = {}


def _candidates():
    import numpy as np

    root = os.path.dirname(os.path.abspath(np.__file__))
    for folder in (os.path.join(root, os.pardir, "numpy.libs"), os.path.join(root, ".dylibs"), os.path.join(root, "_core")):
        for pattern in ("*scipy_openblas*.so*", "*scipy_openblas*.dylib", "*scipy_openblas*.dll"):
            yield from sorted(glob.glob(os.path.join(folder, pattern)))


def find_dgemm() -> tuple[int, str]:
    """``(address, description)`` of NumPy's 64-bit-integer CBLAS ``dgemm``, or ``(0, reason)``.

    ``DLBENCH_BLAS=0`` in the environment turns BLAS off (the kernels' own loops)."""
    if "value" in _found:
        return _found["value"]
    value = (0, "dlbench's own loops (DLBENCH_BLAS=0)")
    if os.environ.get("DLBENCH_BLAS", "1") != "0":
        value = (0, "dlbench's own loops (no scipy-openblas library found beside NumPy)")
        for path in _candidates():
            try:
                lib = ctypes.CDLL(path)
                fn = getattr(lib, _SYMBOL)
            except (OSError, AttributeError):
                continue
            value = (ctypes.cast(fn, ctypes.c_void_p).value or 0, f"NumPy's OpenBLAS ({os.path.basename(path)})")
            break
    _found["value"] = value
    return value


@intrinsic
def dgemm(typingctx, fn, trans_a, trans_b, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc):
    """``C = alpha op(A) op(B) + beta C`` (row-major) through the CBLAS function at address
    ``fn``; ``a``, ``b``, ``c`` are data addresses (``arr.ctypes.data`` plus an offset), the
    integers int64."""
    sig = types.void(fn, trans_a, trans_b, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc)

    def codegen(context, builder, signature, args):
        i32, i64, dbl = ir.IntType(32), ir.IntType(64), ir.DoubleType()
        ptr = dbl.as_pointer()
        fnty = ir.FunctionType(ir.VoidType(), [i32, i32, i32, i64, i64, i64, dbl, ptr, i64, ptr, i64, dbl, ptr, i64])
        f = builder.inttoptr(args[0], fnty.as_pointer())
        as_i32 = lambda v: builder.trunc(v, i32)  # noqa: E731
        as_ptr = lambda v: builder.inttoptr(v, ptr)  # noqa: E731
        builder.call(f, [ir.Constant(i32, _ROW_MAJOR), as_i32(args[1]), as_i32(args[2]), args[3], args[4], args[5],
                         args[6], as_ptr(args[7]), args[8], as_ptr(args[9]), args[10], args[11], as_ptr(args[12]), args[13]])
        return context.get_dummy_value()

    return sig, codegen


@functools.lru_cache(maxsize=None)
def _threads_function(name: str):
    for path in _candidates():
        try:
            return getattr(ctypes.CDLL(path), name)
        except (OSError, AttributeError):
            continue
    return None


class one_thread:
    """``with one_thread():`` NumPy's OpenBLAS runs on one thread inside the block; a no-op
    without scipy-openblas. Nested and concurrent blocks (``--jobs`` threads) share one count: the
    first in sets one thread, the last out restores the previous setting.

    dlbench runs its trainings in parallel itself (one per thread), so the kernels' products run
    single-threaded: an OpenBLAS team per training would oversubscribe the cores (measured: 20-40×
    slower full-batch epochs on a loaded 2-core machine)."""

    _lock = threading.Lock()
    _depth = 0
    _before = None

    def __enter__(self):
        cls = type(self)
        with cls._lock:
            if cls._depth == 0:
                get = _threads_function("scipy_openblas_get_num_threads64_")
                put = _threads_function("scipy_openblas_set_num_threads64_")
                if get is not None and put is not None:
                    put.argtypes = [ctypes.c_int]
                    cls._before = (int(get()), put)
                    put(1)
            cls._depth += 1
        return self

    def __exit__(self, *exc):
        cls = type(self)
        with cls._lock:
            cls._depth -= 1
            if cls._depth == 0 and cls._before is not None:
                before, put = cls._before
                put(before)
                cls._before = None
        return False
