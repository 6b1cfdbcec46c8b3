"""NumPy's bundled OpenBLAS, found with :mod:`ctypes`: the addresses of its ``dgemm`` and of the
LAPACKE float32 QR routines, and its thread count. No Numba here: the training path that loads
the ahead-of-time module (:mod:`dlbench.kernels.native`) reads these without importing it.

NumPy's wheels bundle OpenBLAS as ``scipy-openblas64`` (64-bit integers), exporting
``scipy_cblas_dgemm64_`` and ``scipy_LAPACKE_sgeqrf64_``/``scipy_LAPACKE_sorgqr64_``; the kernels
take the addresses as ordinary integer arguments (:mod:`dlbench.kernels.blas`,
:mod:`dlbench.kernels.lapack`), so no address is baked into compiled code.
"""

from __future__ import annotations

import ctypes
import functools
import glob
import os
import threading

__all__ = ["find_dgemm", "find_qr", "one_thread"]

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


_SYMBOLS = ("scipy_LAPACKE_sgeqrf64_", "scipy_LAPACKE_sorgqr64_")
_found_qr: dict = {}


def find_qr() -> tuple[int, int, str]:
    """``(sgeqrf address, sorgqr address, description)`` of NumPy's LAPACKE, or ``(0, 0, reason)``."""
    if "value" in _found_qr:
        return _found_qr["value"]
    value = (0, 0, "dlbench's own Householder loops (DLBENCH_BLAS=0)")
    if os.environ.get("DLBENCH_BLAS", "1") != "0":
        value = (0, 0, "dlbench's own Householder loops (no scipy-openblas library found beside NumPy)")
        for path in _candidates():
            try:
                lib = ctypes.CDLL(path)
                fns = [getattr(lib, name) for name in _SYMBOLS]
            except (OSError, AttributeError):
                continue
            geqrf, orgqr = (ctypes.cast(fn, ctypes.c_void_p).value or 0 for fn in fns)
            value = (geqrf, orgqr, f"NumPy's OpenBLAS LAPACKE ({os.path.basename(path)})")
            break
    _found_qr["value"] = value
    return value


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


def openblas_core() -> str:
    """The CPU kernel set NumPy's OpenBLAS chose on this machine (``"Haswell"``, ``"SkylakeX"``,
    ...; ``""`` without scipy-openblas): float32 LAPACK results, SOAP's QR among them, can differ
    in the last bits between kernel sets."""
    fn = _threads_function("scipy_openblas_get_corename64_")
    if fn is None:
        return ""
    fn.restype = ctypes.c_char_p
    return (fn() or b"").decode(errors="replace").strip()
