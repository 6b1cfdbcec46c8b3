"""Clocks for compiled code.

``now()`` reads ``time.perf_counter`` through ``numba.objmode`` (about half a microsecond, and it
takes the GIL). ``ticks()`` reads the processor's time-stamp counter (``llvm.readcyclecounter``,
a few nanoseconds, no GIL) on x86-64, where the counter runs at a constant rate; the training
loop reads ``now()`` at the start and end of a run and ``ticks()`` after every epoch, and converts
ticks to seconds with the rate measured over the run. Elsewhere ``ticks()`` falls back to
``now()`` in nanoseconds.
"""

from __future__ import annotations

import platform
import time
import warnings

from llvmlite import ir
from numba import objmode, types
from numba.core import cgutils
from numba.core.errors import NumbaWarning
from numba.extending import intrinsic

from ._config import JIT, njit

warnings.filterwarnings("ignore", message=".*object mode won't allow parallel execution.*", category=NumbaWarning)

HAS_TSC = platform.machine().lower() in ("x86_64", "amd64")


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
