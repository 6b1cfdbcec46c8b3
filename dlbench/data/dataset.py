"""The :class:`Dataset` record every problem, file and split produces, and checks of user arrays."""

from __future__ import annotations

from dataclasses import dataclass, replace

import numpy as np

from ..errors import ConfigError, invalid

__all__ = ["Dataset", "as_arrays"]


@dataclass(frozen=True)
class Dataset:
    """Features ``X`` (N×D float64, C-contiguous) and binary labels ``y`` (N float64 of 0/1).

    ``classes`` holds the original label values that 0 and 1 stand for (``classes[0]`` is label
    0): ``(0, 1)`` for the synthetic problems, the target column's two values for a CSV file.
    """

    X: np.ndarray
    y: np.ndarray
    name: str = "custom"
    seed: int | None = None
    classes: tuple = (0, 1)

    @property
    def n_samples(self) -> int:
        return self.X.shape[0]

    @property
    def n_features(self) -> int:
        return self.X.shape[1]

    def subset(self, indices) -> "Dataset":
        """The samples at ``indices`` (integers, in that order, or a boolean mask), as a new data set."""
        indices = np.asarray(indices)
        if indices.ndim != 1 or not (indices.dtype == np.bool_ or np.issubdtype(indices.dtype, np.integer) or indices.size == 0):
            raise invalid("indices", "Dataset.subset", "a 1-D array of integers or a boolean mask", indices)
        if indices.size == 0:
            indices = indices.astype(np.intp)
        return replace(self, X=np.ascontiguousarray(self.X[indices]), y=np.ascontiguousarray(self.y[indices]))


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
