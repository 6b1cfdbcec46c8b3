"""Clocks for compiled code.

``now()`` reads the monotonic clock ``time.perf_counter`` reads, by calling the C library's
``clock_gettime(CLOCK_MONOTONIC)`` from compiled code on Linux (tens of nanoseconds, no GIL, no
Python object: the ahead-of-time module of :mod:`dlbench.kernels.native` can hold it); elsewhere
through ``numba.objmode`` (about half a microsecond, and it takes the GIL). ``ticks()`` reads the
processor's time-stamp counter (``llvm.readcyclecounter``, a few nanoseconds, no GIL) on x86-64,
where the counter runs at a constant rate; the training loop reads ``now()`` at the start and end
of a run and ``ticks()`` after every epoch, and converts ticks to seconds with the rate measured
over the run. Elsewhere ``ticks()`` falls back to ``now()`` in nanoseconds.
"""

from __future__ import annotations

import ctypes
import platform
import sys
import time
import warnings

from llvmlite import binding as llvm
from llvmlite import ir
from numba import objmode, types
from numba.core import cgutils
from numba.core.errors import NumbaWarning
from numba.extending import intrinsic

from ._config import JIT, njit

warnings.filterwarnings("ignore", message=".*object mode won't allow parallel execution.*", category=NumbaWarning)

HAS_TSC = platform.machine().lower() in ("x86_64", "amd64")


class _timespec(ctypes.Structure):
    _fields_ = [("tv_sec", ctypes.c_int64), ("tv_nsec", ctypes.c_int64)]


def _clock_gettime():
    """Address of the C library's ``clock_gettime`` (0 where there is none), made known to
    Numba's JIT linker, so compiled code calls it directly: no Python object, no GIL, and code
    that can also be compiled ahead of time (:mod:`dlbench.kernels.native`)."""
    if not sys.platform.startswith("linux"):
        return 0
    try:
        fn = ctypes.CDLL(None).clock_gettime
    except (OSError, AttributeError):  # pragma: no cover - every Linux libc has it
        return 0
    address = ctypes.cast(fn, ctypes.c_void_p).value or 0
    if address:
        llvm.add_symbol("clock_gettime", address)
    return address


HAS_CLOCK_GETTIME = bool(_clock_gettime())
_CLOCK_MONOTONIC = 1  # Linux's value; time.perf_counter reads this clock there


@intrinsic
def _monotonic(typingctx):
    def codegen(context, builder, signature, args):
        i32, i64 = ir.IntType(32), ir.IntType(64)
        spec = ir.LiteralStructType([i64, i64])
        fn = cgutils.get_or_insert_function(builder.module, ir.FunctionType(i32, [i32, spec.as_pointer()]),
                                            "clock_gettime")
        slot = cgutils.alloca_once(builder, spec)
        builder.call(fn, [ir.Constant(i32, _CLOCK_MONOTONIC), slot])
        sec = builder.load(cgutils.gep_inbounds(builder, slot, 0, 0))
        nsec = builder.load(cgutils.gep_inbounds(builder, slot, 0, 1))
        dbl = ir.DoubleType()
        return builder.fadd(builder.sitofp(sec, dbl), builder.fmul(builder.sitofp(nsec, dbl), ir.Constant(dbl, 1e-9)))

    return types.float64(), codegen


if HAS_CLOCK_GETTIME:

    @njit(**JIT)
    def now():
        """Seconds of the monotonic clock ``time.perf_counter`` reads (``clock_gettime``)."""
        return _monotonic()

else:  # pragma: no cover - not Linux

    @njit(**JIT)
    def now():
        with objmode(t="float64"):
            t = time.perf_counter()
        return t


@intrinsic
def _readcyclecounter(typingctx):
    def codegen(context, builder, signature, args):
        fn = cgutils.get_or_insert_function(builder.module, ir.FunctionType(ir.IntType(64), []), "llvm.readcyclecounter")
        return builder.call(fn, [])

    return types.uint64(), codegen


if HAS_TSC:

    @njit(**JIT)
    def ticks():
        return float(_readcyclecounter())

else:  # pragma: no cover - not x86-64

    @njit(**JIT)
    def ticks():
        return now() * 1e9
