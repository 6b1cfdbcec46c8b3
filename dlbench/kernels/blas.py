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

from llvmlite import ir
from numba import types
from numba.extending import intrinsic

from .openblas import _candidates, find_dgemm, one_thread  # noqa: F401  (re-exported)

NO_TRANS = 111
TRANS = 112
_ROW_MAJOR = 101


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
