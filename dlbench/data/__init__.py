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

from .bundled import BUNDLED, BundledSet, load_bundled
from .csv import load_csv
from .dataset import TASKS, Dataset, as_arrays
from .split import split, standardize
from .synthetic import (
    BLOB_BOX,
    PROBLEM_DOCS,
    PROBLEMS,
    SPIRAL_TURNS,
    TEACHER_HIDDEN,
    ProblemInfo,
    make_dataset,
    problem_table,
)

__all__ = [
    "Dataset", "TASKS", "make_dataset", "problem_table", "ProblemInfo", "PROBLEMS", "PROBLEM_DOCS",
    "TEACHER_HIDDEN", "BLOB_BOX", "SPIRAL_TURNS", "BUNDLED", "BundledSet", "load_bundled",
    "load_csv", "split", "standardize", "as_arrays",
]
