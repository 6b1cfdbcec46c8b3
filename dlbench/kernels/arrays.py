"""Element-wise copies for the kernels.

``dst[:] = src`` on Numba arrays goes through NumPy's broadcasting machinery (shape checks,
error paths), several seconds of compile time for what is a loop; these are that loop.
"""

from __future__ import annotations

from ._config import JIT, njit


@njit(**JIT)
def copy_into(dst, src):
    """``dst[i] = src[i]`` for a 1-D ``src`` (``dst`` at least as long)."""
    for i in range(src.shape[0]):
        dst[i] = src[i]


@njit(**JIT)
def copy_rows(dst, src):
    """``dst[i, j] = src[i, j]`` for a 2-D ``src`` (``dst`` at least as large)."""
    for i in range(src.shape[0]):
        for j in range(src.shape[1]):
            dst[i, j] = src[i, j]
