"""Wall-clock reads from inside compiled code (``time.perf_counter`` via ``numba.objmode``).

Each read briefly takes the GIL (about half a microsecond); kernels read the clock once per
epoch, never per sample.
"""

from __future__ import annotations

import time
import warnings

from numba import njit, objmode
from numba.core.errors import NumbaWarning

from .._numba_config import JIT

warnings.filterwarnings("ignore", message=".*object mode won't allow parallel execution.*", category=NumbaWarning)


@njit(**JIT)
def now():
    with objmode(t="float64"):
        t = time.perf_counter()
    return t
