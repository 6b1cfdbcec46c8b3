"""The :class:`Dataset` record every problem, file and split produces, and checks of user arrays."""

from __future__ import annotations

from dataclasses import dataclass, replace

import numpy as np

from ..errors import ConfigError, invalid

__all__ = ["Dataset", "TASKS", "as_arrays"]

TASKS = ("binary", "multiclass", "regression")
"""What ``y`` holds: labels 0/1 (one logit), labels 0..K-1 (K logits), or real values (one output)."""


@dataclass(frozen=True)
class Dataset:
    """Features ``X`` (N×D float64, C-contiguous) and targets ``y`` (N float64) for one ``task``.

    - ``task="binary"`` (the default): ``y`` holds labels 0 and 1; ``classes`` the two original
      label values they stand for (``classes[0]`` is label 0), ``(0, 1)`` when not given.
    - ``task="multiclass"``: ``y`` holds labels 0..K-1 stored as float64 (as
      ``torch.nn.CrossEntropyLoss`` takes class indices); ``classes`` the K original values,
      ``classes[k]`` being label k. It must be given (K >= 2).
    - ``task="regression"``: ``y`` holds real values; ``classes`` is ``()`` (the default for it).

    For a CSV file the classes are the target's distinct values in sorted order; for a bundled
    data set they are scikit-learn's ``target_names`` in its label order. The labels themselves
    are not checked here (see :func:`as_arrays`).
    """

    X: np.ndarray
    y: np.ndarray
    name: str = "custom"
    seed: int | None = None
    classes: tuple | None = None
    task: str = "binary"

    def __post_init__(self):
        if self.task not in TASKS:
            raise invalid("task", "Dataset", "one of " + ", ".join(map(repr, TASKS)), self.task)
        classes = self.classes
        if classes is None:
            if self.task == "multiclass":
                raise invalid("classes", "Dataset", "the K >= 2 class values of a multiclass data set", None)
            classes = (0, 1) if self.task == "binary" else ()
        if not isinstance(classes, (tuple, list)):
            raise invalid("classes", "Dataset", "a tuple of class values", classes)
        classes = tuple(classes)
        expected = {"binary": "two class values", "multiclass": "at least two class values",
                    "regression": "() (a regression data set has no classes)"}
        ok = {"binary": len(classes) == 2, "multiclass": len(classes) >= 2, "regression": len(classes) == 0}
        if not ok[self.task]:
            raise invalid("classes", f"Dataset for the {self.task!r} task", expected[self.task], classes)
        object.__setattr__(self, "classes", classes)

    @property
    def n_samples(self) -> int:
        return self.X.shape[0]

    @property
    def n_features(self) -> int:
        return self.X.shape[1]

    @property
    def n_classes(self) -> int:
        """Number of classes: ``len(classes)`` (2 for binary, K for multiclass), 0 for regression."""
        return len(self.classes)

    @property
    def n_outputs(self) -> int:
        """Network outputs the task needs: K logits for multiclass, else one (a logit or a value)."""
        return len(self.classes) if self.task == "multiclass" else 1

    def subset(self, indices) -> "Dataset":
        """The samples at ``indices`` (integers, in that order, or a boolean mask), as a new data set."""
        indices = np.asarray(indices)
        if indices.ndim != 1 or not (indices.dtype == np.bool_ or np.issubdtype(indices.dtype, np.integer) or indices.size == 0):
            raise invalid("indices", "Dataset.subset", "a 1-D array of integers or a boolean mask", indices)
        if indices.size == 0:
            indices = indices.astype(np.intp)
        return replace(self, X=np.ascontiguousarray(self.X[indices]), y=np.ascontiguousarray(self.y[indices]))


def as_arrays(X, y, task: str = "binary", n_outputs: int = 1, x_name: str = "X", y_name: str = "y"):
    """Check and convert user data to what the kernels take (float64, C-contiguous): labels 0/1
    for ``binary``, integers 0..n_outputs-1 for ``multiclass``, finite numbers for ``regression``."""
    try:
        X = np.ascontiguousarray(X, dtype=np.float64)
        y = np.ascontiguousarray(y, dtype=np.float64)
    except (TypeError, ValueError):
        raise ConfigError(f"{x_name} and {y_name} must be numeric arrays.") from None
    if X.ndim != 2:
        raise invalid(x_name, "train", "a 2-D array (samples × features)", f"an array of shape {X.shape}")
    if y.ndim != 1 or y.shape[0] != X.shape[0]:
        raise invalid(y_name, "train", f"a 1-D array of {X.shape[0]} labels", f"an array of shape {y.shape}")
    if X.shape[0] < 1 or X.shape[1] < 1:
        raise invalid(x_name, "train", "at least one sample and one feature", f"shape {X.shape}")
    if not np.all(np.isfinite(X)):
        raise invalid(x_name, "train", "finite numbers", "NaN or infinity")
    if task == "binary" and not np.all((y == 0) | (y == 1)):
        raise invalid(y_name, "train", "labels of 0 and 1", np.unique(y)[:5].tolist())
    if task == "multiclass" and not np.all((y >= 0) & (y < n_outputs) & (y == np.floor(y))):
        raise invalid(y_name, "train", f"class labels 0..{n_outputs - 1} (one per output)", np.unique(y)[:5].tolist())
    if task == "regression" and not np.all(np.isfinite(y)):
        raise invalid(y_name, "train", "finite numbers", "NaN or infinity")
    return X, y
