"""Data sets: synthetic problems generated reproducibly, bundled real data sets, a user's CSV file,
splits and scaling.

Every data set is a :class:`Dataset`: features ``X`` (N×D float64, C-contiguous), targets ``y``
(N float64) and a ``task``: ``"binary"`` (labels 0/1), ``"multiclass"`` (labels 0..K-1) or
``"regression"`` (real values). :func:`make_dataset` gives any of the :data:`PROBLEMS` by name:
a synthetic one drawn from ``numpy.random.default_rng(seed)``, or a bundled real data set
(:data:`BUNDLED`, also :func:`load_bundled`); :func:`problem_table` lists them.
:func:`load_csv` reads a file; :func:`split` holds out a random part and :func:`standardize`
z-scores features (never the target) with the training part's statistics.
"""

from __future__ import annotations

from .._lazy import lazy

from .names import PROBLEM_NAMES

_EXPORTS = {
    "BUNDLED": "bundled", "BundledSet": "bundled", "load_bundled": "bundled",
    "load_csv": "csv",
    "TASKS": "dataset", "Dataset": "dataset", "as_arrays": "dataset",
    "split": "split", "standardize": "split",
    "BLOB_BOX": "synthetic", "PROBLEM_DOCS": "synthetic", "PROBLEMS": "synthetic", "SPIRAL_TURNS": "synthetic",
    "TEACHER_HIDDEN": "synthetic", "ProblemInfo": "synthetic", "make_dataset": "synthetic",
    "problem_table": "synthetic",
}

__all__ = ["PROBLEM_NAMES", *_EXPORTS]

__getattr__, __dir__ = lazy(__name__, _EXPORTS, ["PROBLEM_NAMES"])
