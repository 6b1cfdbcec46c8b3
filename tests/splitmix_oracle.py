"""An independent pure-Python SplitMix64 and Fisher-Yates shuffle: the oracle of the sample orders.

Written from the published algorithm, not from dlbench's kernel (nothing here imports dlbench):

* SplitMix64 (Steele, Lea & Flood, "Fast splittable pseudorandom number generators", OOPSLA 2014;
  Vigna's reference ``splitmix64.c``): the state advances by the golden gamma 0x9E3779B97F4A7C15
  and each output is the state mixed by Stafford's "Mix13" (shifts 30, 27, 31; multipliers
  0xBF58476D1CE4E5B9, 0x94D049BB133111EB), all modulo 2^64. The state starts at the seed.
* The shuffle documented by :mod:`dlbench.kernels.rng`: Durstenfeld's Fisher-Yates, for ``i`` from
  ``N - 1`` down to 1 draw ``u`` in [0, 1) from the top 53 bits of the next output
  (``(x >> 11) * 2**-53``) and swap positions ``i`` and ``j = floor(u * (i + 1))``. One generator
  runs through all epochs, and each epoch shuffles the previous epoch's order in place (the first
  epoch shuffles ``0, 1, ..., N - 1``).

test_rng.py pins this oracle to published SplitMix64 outputs, so it is checked on its own.
"""

from __future__ import annotations

_MASK = (1 << 64) - 1
GOLDEN_GAMMA = 0x9E3779B97F4A7C15


def splitmix64(seed: int):
    """The endless stream of SplitMix64 outputs (Python ints in [0, 2^64)) from state ``seed``."""
    state = seed & _MASK
    while True:
        state = (state + GOLDEN_GAMMA) & _MASK
        z = state
        z = ((z ^ (z >> 30)) * 0xBF58476D1CE4E5B9) & _MASK
        z = ((z ^ (z >> 27)) * 0x94D049BB133111EB) & _MASK
        yield z ^ (z >> 31)


def fisher_yates(order: list, stream) -> None:
    """Shuffle the list ``order`` in place, drawing ``len(order) - 1`` outputs from ``stream``."""
    for i in range(len(order) - 1, 0, -1):
        u = (next(stream) >> 11) * 2.0**-53  # exact: a 53-bit integer times a power of two
        j = int(u * (i + 1))
        order[i], order[j] = order[j], order[i]


def epoch_orders(seed: int, n_samples: int, epochs: int) -> list[list[int]]:
    """The sample order of every epoch for ``seed``: a list of ``epochs`` lists of ``n_samples`` ints."""
    stream = splitmix64(seed)
    order = list(range(n_samples))
    out = []
    for _ in range(epochs):
        fisher_yates(order, stream)
        out.append(list(order))
    return out
