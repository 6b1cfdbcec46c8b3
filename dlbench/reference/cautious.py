"""The Cautious Optimizers mask in NumPy, as pytorch-optimizer 4.1.0 applies it.

Liang et al. (2024), "Cautious optimizers: improving training with one line of code":
``BaseOptimizer.apply_cautious(update, grad)`` zeroes the entries of ``update`` whose sign
disagrees with the gradient's and rescales the rest by ``numel / (count + 1)``, once per parameter
tensor; in dlbench's flat vector each weight matrix ``W_l`` and each bias ``b_l`` of the layout is
one tensor, as in the torch fixtures.
"""

from __future__ import annotations

import numpy as np

__all__ = ["cautious", "tensor_slices"]


def tensor_slices(layers):
    """One slice of theta per parameter tensor: ``W_1, b_1, W_2, b_2, ...``."""
    out = []
    for w0, fan_in, fan_out, b0, nb in np.asarray(layers, dtype=np.int64):
        out += [slice(int(w0), int(w0 + fan_in * fan_out)), slice(int(b0), int(b0 + nb))]
    return out


def cautious(update, grad, layers):
    """``update`` masked where ``update * grad <= 0`` and rescaled per tensor (a new array)."""
    out = np.full_like(update, np.nan)  # a layout that misses an entry shows as NaN
    for part in tensor_slices(layers):
        mask = (update[part] * grad[part] > 0).astype(float)
        out[part] = update[part] * (mask * (mask.size / (mask.sum() + 1)))
    return out
