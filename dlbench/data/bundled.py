"""Small real data sets shipped with dlbench, loaded offline without scikit-learn.

They are scikit-learn's copies (``sklearn/datasets/data/``, BSD-3-Clause; sources, licence and
citations in ``dlbench/data/sets/README.md``), stored exactly: :func:`load_bundled` returns the
same float64 features and targets as ``sklearn.datasets.load_<name>()`` (``load_diabetes`` with
``scaled=False``: the raw measurements, not scikit-learn's pre-scaled copy), with scikit-learn's
labels: ``classes[k]`` is its ``target_names[k]``.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np

from ..errors import invalid
from .dataset import Dataset

__all__ = ["BUNDLED", "BundledSet", "load_bundled"]


@dataclass(frozen=True)
class BundledSet:
    """What one bundled data set is: task, size, classes (in label order) and a one-line summary."""

    name: str
    task: str
    n_samples: int
    n_features: int
    classes: tuple
    doc: str


BUNDLED = {
    s.name: s
    for s in (
        BundledSet(
            "breast_cancer", "binary", 569, 30, ("malignant", "benign"),
            "Breast cancer Wisconsin (diagnostic): 30 cell-nucleus measurements of 569 breast masses, "
            "malignant (label 0, 212) or benign (label 1, 357), as scikit-learn labels them.",
        ),
        BundledSet(
            "iris", "multiclass", 150, 4, ("setosa", "versicolor", "virginica"),
            "Fisher's iris: sepal and petal length and width (cm) of 150 irises, 3 species of 50.",
        ),
        BundledSet(
            "wine", "multiclass", 178, 13, ("class_0", "class_1", "class_2"),
            "Wine recognition: 13 chemical measurements of 178 Italian wines from 3 cultivars (59/71/48).",
        ),
        BundledSet(
            "digits", "multiclass", 1797, 64, tuple(range(10)),
            "Handwritten digits (UCI optdigits test set): 8×8 images of pixel counts 0..16, 1797 digits 0-9.",
        ),
        BundledSet(
            "diabetes", "regression", 442, 10, (),
            "Diabetes (Efron et al. 2004): age, sex, BMI, blood pressure and 6 serum measurements (raw, "
            "unscaled) of 442 patients; target: disease progression after one year (25..346).",
        ),
    )
}
"""Bundled data set name -> :class:`BundledSet`, in the order ``dlbench list problems`` shows."""

_SETS = Path(__file__).resolve().parent / "sets"  # package data (pyproject.toml); dlbench is never zip-imported
_POW10 = np.array([float(10**k) for k in range(23)])  # 10**k is exact in float64 up to k = 22


def load_bundled(name: str) -> Dataset:
    """One of the :data:`BUNDLED` data sets as a :class:`Dataset` (``seed`` is ``None``).

    The arrays are fresh copies on every call, so changing them does not change the next load.
    The file stores each value as an integer and a power of ten (see ``sets/make_sets.py``);
    ``m / 10**k`` is correctly rounded, so the float64 values are exactly those scikit-learn parses
    from its text files.
    """
    if not isinstance(name, str) or name not in BUNDLED:
        raise invalid("name", "load_bundled", "one of " + ", ".join(map(repr, BUNDLED)), name)
    info = BUNDLED[name]
    with np.load(_SETS / f"{name}.npz", allow_pickle=False) as arrays:
        X = arrays["X"] / _POW10[arrays["X_exp"]]
        y = arrays["y"] / _POW10[arrays["y_exp"]]
    assert X.shape == (info.n_samples, info.n_features) and y.shape == (info.n_samples,), name
    return Dataset(np.ascontiguousarray(X), np.ascontiguousarray(y), name, None, info.classes, info.task)
