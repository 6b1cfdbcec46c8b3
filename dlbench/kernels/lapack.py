"""float32 QR factorisation through the LAPACK that NumPy ships, called from inside the compiled kernels.

NumPy's wheels bundle OpenBLAS (``scipy-openblas64``), which also exports LAPACK and its C
interface LAPACKE with 64-bit integers (``scipy_LAPACKE_sgeqrf64_``, ``scipy_LAPACKE_sorgqr64_``).
:func:`find_qr` finds both with :mod:`ctypes` (no SciPy needed; the library is only read) and
returns their addresses; the SOAP rule receives them in its ``hp`` vector and calls them through
the intrinsics :func:`sgeqrf` and :func:`sorgqr` (so compiled code stays cacheable: no address is
baked into it). These are the routines ``numpy.linalg.qr`` runs on a float32 matrix, so the rule's
QR equals NumPy's bit for bit. Where no such library is found (a NumPy built against another
LAPACK, or ``DLBENCH_BLAS=0``) the addresses are 0 and the rule uses its own Householder loops
(:func:`dlbench.optimizers.soap.qr_f32`), equal to LAPACK's to float32 rounding.
"""

from __future__ import annotations

from llvmlite import ir
from numba import types
from numba.extending import intrinsic

from .openblas import find_qr  # noqa: F401  (re-exported)
from ._config import JIT, njit

COL_MAJOR = 102


@intrinsic
def sgeqrf(typingctx, fn, m, n, a, lda, tau):
    """``LAPACKE_sgeqrf(COL_MAJOR, m, n, a, lda, tau)`` through the function at address ``fn``
    (``a``, ``tau``: float32 data addresses; all int64). Returns LAPACK's ``info``."""
    sig = types.int64(fn, m, n, a, lda, tau)

    def codegen(context, builder, signature, args):
        i32, i64, flt = ir.IntType(32), ir.IntType(64), ir.FloatType()
        ptr = flt.as_pointer()
        fnty = ir.FunctionType(i64, [i32, i64, i64, ptr, i64, ptr])
        f = builder.inttoptr(args[0], fnty.as_pointer())
        return builder.call(f, [ir.Constant(i32, COL_MAJOR), args[1], args[2], builder.inttoptr(args[3], ptr), args[4],
                                builder.inttoptr(args[5], ptr)])

    return sig, codegen


@intrinsic
def sorgqr(typingctx, fn, m, n, k, a, lda, tau):
    """``LAPACKE_sorgqr(COL_MAJOR, m, n, k, a, lda, tau)`` through the function at address ``fn``."""
    sig = types.int64(fn, m, n, k, a, lda, tau)

    def codegen(context, builder, signature, args):
        i32, i64, flt = ir.IntType(32), ir.IntType(64), ir.FloatType()
        ptr = flt.as_pointer()
        fnty = ir.FunctionType(i64, [i32, i64, i64, i64, ptr, i64, ptr])
        f = builder.inttoptr(args[0], fnty.as_pointer())
        return builder.call(f, [ir.Constant(i32, COL_MAJOR), args[1], args[2], args[3], builder.inttoptr(args[4], ptr),
                                args[5], builder.inttoptr(args[6], ptr)])

    return sig, codegen


@njit(**JIT)
def qr_lapack(geqrf, orgqr, a, tau, d):
    """``Q`` of ``a`` (a float32 ``d x d`` matrix stored column-major in the flat ``a``) in place,
    by LAPACK's ``sgeqrf`` then ``sorgqr``; ``tau`` a float32 scratch of ``d``. Returns ``info``."""
    info = sgeqrf(geqrf, d, d, a.ctypes.data, d, tau.ctypes.data)
    if info != 0:
        return info
    return sorgqr(orgqr, d, d, d, a.ctypes.data, d, tau.ctypes.data)
