"""A tiny counter-based generator (SplitMix64) for sample orders inside kernels.

Kernels keep their own generator state in a one-element ``uint64`` array, so a run's sample
order depends only on its seed, not on threads or on NumPy's global state.
"""

from __future__ import annotations

import numpy as np

from ._config import JIT, njit

_GOLDEN = np.uint64(0x9E3779B97F4A7C15)
_M1 = np.uint64(0xBF58476D1CE4E5B9)
_M2 = np.uint64(0x94D049BB133111EB)
_S30 = np.uint64(30)
_S27 = np.uint64(27)
_S31 = np.uint64(31)
_S11 = np.uint64(11)


@njit(**JIT)
def next_u64(state):
    """Next 64-bit output of SplitMix64 (Steele, Lea & Flood 2014); advances ``state[0]``."""
    state[0] += _GOLDEN
    z = state[0]
    z = (z ^ (z >> _S30)) * _M1
    z = (z ^ (z >> _S27)) * _M2
    return z ^ (z >> _S31)


@njit(**JIT)
def shuffle(order, state):
    """Fisher-Yates shuffle of ``order`` in place (uniform over permutations)."""
    for i in range(order.shape[0] - 1, 0, -1):
        u = (next_u64(state) >> _S11) * (1.0 / 9007199254740992.0)
        j = int(u * (i + 1))
        tmp = order[i]
        order[i] = order[j]
        order[j] = tmp


@njit(**JIT)
def epoch_orders(seed, n_samples, epochs):
    """The sample order of every epoch that :func:`shuffle` gives from ``seed`` (for references)."""
    state = np.empty(1, np.uint64)
    state[0] = np.uint64(seed)
    order = np.arange(n_samples)
    out = np.empty((epochs, n_samples), np.int64)
    for e in range(epochs):
        shuffle(order, state)
        out[e] = order
    return out
