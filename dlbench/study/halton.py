"""Scrambled Halton points: the quasirandom search of AlgoPerf's tuning rules, in NumPy.

Dimension ``d`` of the Halton sequence is the radical inverse in the ``d``-th prime base ``b``:
the index ``n = Σ_j a_j b^j`` (digits ``a_j`` in ``[0, b)``) maps to ``Σ_j a_j b^-(j+1)``
(base 2: 1/2, 1/4, 3/4, 1/8, ...). Scrambling replaces digit ``a_j`` by ``σ_{d,j}(a_j)``, a random
permutation of ``[0, b)`` per dimension and digit position, over the :func:`digits` positions a
float64 resolves (leading zero digits are permuted too, so every point is a full-precision number
in ``[0, 1)``). A permutation of the digits keeps Halton's stratification: any ``b^k`` consecutive
indices put exactly one point in each interval ``[i b^-k, (i + 1) b^-k)``. The permutations are
drawn from ``numpy.random.default_rng(seed)``, so the same seed gives the same points.
"""

from __future__ import annotations

import math

import numpy as np

__all__ = ["primes", "digits", "radical_inverse", "scrambled_radical_inverse", "permutations", "halton"]


def primes(count: int) -> list[int]:
    """The first ``count`` primes."""
    out: list[int] = []
    candidate = 2
    while len(out) < count:
        if all(candidate % p for p in out if p * p <= candidate):
            out.append(candidate)
        candidate += 1
    return out


def digits(base: int) -> int:
    """Digit positions of base ``base`` a float64 resolves: the smallest ``k`` with ``base^-k <= 2^-53``."""
    return math.ceil(53 * math.log(2) / math.log(base))


def _digits_of(indices: np.ndarray, base: int, count: int) -> np.ndarray:
    """``(len(indices), count)`` base-``base`` digits of ``indices``, least significant first."""
    n = np.asarray(indices, dtype=np.int64).copy()
    out = np.empty((n.size, count), dtype=np.int64)
    for j in range(count):
        out[:, j] = n % base
        n //= base
    return out


def radical_inverse(indices, base: int) -> np.ndarray:
    """Plain (unscrambled) radical inverse of each index in base ``base``."""
    count = digits(base)
    scale = float(base) ** -np.arange(1, count + 1)
    return _digits_of(np.atleast_1d(indices), base, count) @ scale


def scrambled_radical_inverse(indices, base: int, perm: np.ndarray) -> np.ndarray:
    """Radical inverse with digit ``j`` replaced by ``perm[j, digit]`` (``perm`` has
    :func:`digits` rows, each a permutation of ``[0, base)``)."""
    count = digits(base)
    perm = np.asarray(perm, dtype=np.int64)
    assert perm.shape == (count, base), (perm.shape, count, base)
    d = _digits_of(np.atleast_1d(indices), base, count)
    scrambled = perm[np.arange(count), d]
    # all digits b - 1 would round to 1.0: keep every point below 1
    return np.minimum(scrambled @ (float(base) ** -np.arange(1, count + 1)), np.nextafter(1.0, 0.0))


def permutations(base: int, rng: np.random.Generator) -> np.ndarray:
    """One random permutation of ``[0, base)`` per digit position."""
    return np.stack([rng.permutation(base) for _ in range(digits(base))])


def halton(n: int, dims: int, seed: int | None = None, start: int = 1) -> np.ndarray:
    """``(n, dims)`` Halton points of indices ``start .. start + n - 1`` (index 0, the origin, is
    skipped by default); scrambled by ``seed`` (``None``: unscrambled)."""
    bases = primes(dims)
    indices = np.arange(start, start + n, dtype=np.int64)
    out = np.empty((n, dims))
    rng = np.random.default_rng(seed) if seed is not None else None
    for d, base in enumerate(bases):
        if rng is None:
            out[:, d] = radical_inverse(indices, base)
        else:
            out[:, d] = scrambled_radical_inverse(indices, base, permutations(base, rng))
    return out
