"""By-hand held-out splits and initial losses, to check how compare scales a CSV file's splits.

Nothing here calls dlbench: the split is recomputed from its documented rule and the loss from
the network's definition in plain NumPy.
"""

from __future__ import annotations

import numpy as np
import pandas as pd


def split_rows(n: int, fraction: float, seed: int, stream: int):
    """``(train_rows, held_rows)`` of a split made by compare for repetition seed ``seed``.

    The rule of ``dlbench.data.split``: ``numpy.random.default_rng(s).permutation(n)``, the first
    ``round(fraction * n)`` held out, the rest in that order for training. ``s`` is the sub-seed
    compare derives for ``stream`` (1: the test split, 2: the validation split): the first 64-bit
    word of ``SeedSequence([seed, stream])`` shifted right by one.
    """
    s = int(np.random.SeedSequence([seed, stream]).generate_state(1, np.uint64)[0] >> np.uint64(1))
    order = np.random.default_rng(s).permutation(n)
    held = round(fraction * n)
    return order[held:], order[:held]


def bce_at(Z, y, params) -> float:
    """Mean binary cross-entropy of the one-hidden-layer ReLU network ``params`` on ``(Z, y)``."""
    z = np.maximum(Z @ params.W1 + params.b1, 0.0) @ params.W2 + params.b2
    return float(np.mean(np.logaddexp(0.0, z) - y * z))  # log(1 + e^z) - y z


def write_shifted_csv(path, n: int = 40, fraction: float = 0.3, seed: int = 4):
    """Write a CSV file (features ``a``, ``b``; target ``y`` of 0/1) whose held-out rows, under the
    test split of ``seed`` and ``fraction``, have far other means and spreads than the training
    rows. Returns ``(X, y)`` as written."""
    train_rows, test_rows = split_rows(n, fraction, seed, 1)
    rng = np.random.default_rng(0)
    X = np.empty((n, 2))
    X[train_rows] = rng.normal([1.0, -2.0], [0.5, 2.0], size=(len(train_rows), 2))
    X[test_rows] = rng.normal([6.0, 3.0], [1.0, 0.5], size=(len(test_rows), 2))
    y = (rng.random(n) < 0.5).astype(int)
    pd.DataFrame({"a": X[:, 0], "b": X[:, 1], "y": y}).to_csv(path, index=False)
    return X, y.astype(float)


def expected_initial_losses(X, y, params, fraction: float, seed: int):
    """``(train_loss, test_loss)`` at ``params``: both parts z-scored with the training rows' mean
    and standard deviation (``ddof=0``), and, for contrast, the same with the whole file's
    statistics (the leak): ``((train, test), (train_leaked, test_leaked))``."""
    train_rows, test_rows = split_rows(len(y), fraction, seed, 1)
    mean, std = X[train_rows].mean(axis=0), X[train_rows].std(axis=0)
    Z = (X - mean) / std
    leak = (X - X.mean(axis=0)) / X.std(axis=0)
    right = bce_at(Z[train_rows], y[train_rows], params), bce_at(Z[test_rows], y[test_rows], params)
    leaked = bce_at(leak[train_rows], y[train_rows], params), bce_at(leak[test_rows], y[test_rows], params)
    return right, leaked
