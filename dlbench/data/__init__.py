"""Data sets: synthetic binary problems generated reproducibly, a user's CSV file, splits and scaling.

Every data set is a :class:`Dataset`: features ``X`` (N×D float64, C-contiguous) and labels ``y``
(N float64 of 0 and 1). :func:`make_dataset` draws one of the :data:`PROBLEMS` from
``numpy.random.default_rng(seed)``; :func:`load_csv` reads a file; :func:`split` holds out a random
part and :func:`standardize` z-scores features with the training part's statistics.
"""

from __future__ import annotations



from .csv import load_csv
from .dataset import Dataset, as_arrays
from .split import split, standardize
from .synthetic import PROBLEM_DOCS, PROBLEMS, TEACHER_HIDDEN, make_dataset

__all__ = ["Dataset", "make_dataset", "PROBLEMS", "PROBLEM_DOCS", "TEACHER_HIDDEN", "load_csv", "split", "standardize", "as_arrays"]
