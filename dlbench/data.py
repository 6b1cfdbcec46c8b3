"""Data sets: the article's synthetic problem (and, later, others), generated reproducibly."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .errors import ConfigError, invalid

__all__ = ["Dataset", "make_dataset", "PROBLEMS"]


@dataclass(frozen=True)
class Dataset:
    """Features ``X`` (N×D float64, C-contiguous) and binary labels ``y`` (N float64 of 0/1)."""

    X: np.ndarray
    y: np.ndarray
    name: str = "custom"
    seed: int | None = None

    @property
    def n_samples(self) -> int:
        return self.X.shape[0]

    @property
    def n_features(self) -> int:
        return self.X.shape[1]


def _random(rng: np.random.Generator, n_samples: int, n_features: int):
    """The article's data: X uniform on [0, 1), y independent fair coin flips (unlearnable)."""
    X = rng.random((n_samples, n_features))
    y = rng.integers(0, 2, n_samples).astype(np.float64)
    return X, y


PROBLEMS = {"random": _random}


def make_dataset(problem: str = "random", n_samples: int = 100, n_features: int = 10, seed: int = 0) -> Dataset:
    """Generate a synthetic data set; the same arguments give the same data, bit for bit.

    ``"random"`` is the article's problem: ``X`` is N×D uniform on [0, 1) and ``y`` holds N
    independent fair coin flips, drawn in that order from ``numpy.random.default_rng(seed)``.
    """
    if problem not in PROBLEMS:
        raise invalid("problem", "make_dataset", "one of " + ", ".join(map(repr, PROBLEMS)), problem)
    for name, value in (("n_samples", n_samples), ("n_features", n_features)):
        if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value < 1:
            raise invalid(name, "make_dataset", "an integer >= 1", value)
    if isinstance(seed, bool) or not isinstance(seed, (int, np.integer)) or seed < 0:
        raise invalid("seed", "make_dataset", "a non-negative integer", seed)
    rng = np.random.default_rng(int(seed))
    X, y = PROBLEMS[problem](rng, int(n_samples), int(n_features))
    return Dataset(np.ascontiguousarray(X, dtype=np.float64), np.ascontiguousarray(y, dtype=np.float64), problem, int(seed))


def as_arrays(X, y) -> tuple[np.ndarray, np.ndarray]:
    """Check and convert user data to what the kernels take (float64, C-contiguous)."""
    try:
        X = np.ascontiguousarray(X, dtype=np.float64)
        y = np.ascontiguousarray(y, dtype=np.float64)
    except (TypeError, ValueError):
        raise ConfigError("X and y must be numeric arrays.") from None
    if X.ndim != 2:
        raise invalid("X", "train", "a 2-D array (samples × features)", f"an array of shape {X.shape}")
    if y.ndim != 1 or y.shape[0] != X.shape[0]:
        raise invalid("y", "train", f"a 1-D array of {X.shape[0]} labels", f"an array of shape {y.shape}")
    if X.shape[0] < 1 or X.shape[1] < 1:
        raise invalid("X", "train", "at least one sample and one feature", f"shape {X.shape}")
    if not np.all(np.isfinite(X)):
        raise invalid("X", "train", "finite numbers", "NaN or infinity")
    if not np.all((y == 0) | (y == 1)):
        raise invalid("y", "train", "labels of 0 and 1", np.unique(y)[:5].tolist())
    return X, y
