"""Held-out splits and feature scaling with the training part's statistics."""

from __future__ import annotations

from dataclasses import replace

import numpy as np

from ..errors import invalid
from ..hyper import check_int
from .dataset import Dataset

__all__ = ["split", "standardize"]


# --- splits and scaling --------------------------------------------------------------------------


def split(dataset: Dataset, fraction: float, seed: int = 0) -> tuple[Dataset, Dataset]:
    """Hold out a random part: ``(train, held_out)``, with ``round(fraction * N)`` held-out samples.

    The samples are permuted with ``numpy.random.default_rng(seed).permutation(N)``; the first
    ``round(fraction * N)`` (Python's rounding) are held out, the rest are the training set, each
    in that permuted order. Not stratified, for every task: a small class may be missing from a
    part. Both parts must be non-empty; they keep the data set's ``task`` and ``classes``.
    """
    if isinstance(fraction, bool) or not isinstance(fraction, (int, float, np.integer, np.floating)) or not 0.0 < fraction < 1.0:
        raise invalid("fraction", "split", "a float in (0, 1)", fraction)
    seed = check_int(seed, "seed", "split")
    n = dataset.n_samples
    n_held = round(float(fraction) * n)
    if not 1 <= n_held <= n - 1:
        raise invalid(
            "fraction", "split",
            f"a fraction that leaves at least one of the {n} samples in each part (it holds out {n_held})", fraction,
        )
    order = np.random.default_rng(int(seed)).permutation(n)
    return dataset.subset(order[n_held:]), dataset.subset(order[:n_held])


def standardize(train: Dataset, *others: Dataset) -> tuple[Dataset, ...]:
    """Z-score every feature with the training set's mean and standard deviation (``ddof=0``).

    Returns ``(train', *others')``: new data sets, ``(X - mean) / std`` with the statistics of
    ``train`` only, applied to every data set. A constant feature of ``train`` (all values equal)
    has its std taken as 1 and its value as the mean, so it becomes exactly 0 in ``train``.
    Only ``X`` changes: the target ``y`` is never standardised, a regression target included (its
    scale is part of the problem), and ``task`` and ``classes`` are kept. The inputs are not modified.
    """
    for i, other in enumerate(others):
        if other.n_features != train.n_features:
            raise invalid(
                "others", "standardize", f"data sets with the training set's {train.n_features} features",
                f"{other.n_features} features in data set {i + 1}",
            )
    X = train.X
    constant = np.all(X == X[:1], axis=0) if train.n_samples else np.ones(train.n_features, dtype=bool)
    mean = np.where(constant, X[0] if train.n_samples else 0.0, X.mean(axis=0))
    std = np.where(constant, 1.0, X.std(axis=0))
    return tuple(replace(d, X=np.ascontiguousarray((d.X - mean) / std)) for d in (train, *others))
