"""Numbers a comparison can compute with: every feature (and a regression target) of a loaded data
set is checked before training, so float64 overflow or underflow never surfaces as a NumPy
``RuntimeWarning`` or a silently wrong result.

Training squares the features (losses, gradients, standardisation): values beyond
:data:`LARGEST` in magnitude overflow float64 (whose largest value is about 1.8e308), and a
column whose nonzero values are all below :data:`SMALLEST` in magnitude (denormals included)
underflows to zero when squared, so its standard deviation is meaningless.
"""

from __future__ import annotations

import numpy as np

from ..errors import ConfigError

__all__ = ["check_values", "LARGEST", "SMALLEST"]

LARGEST = 1e150
"""Largest magnitude of a feature or regression target: its square (1e300) stays finite."""
SMALLEST = 1e-150
"""Smallest largest-magnitude of a nonzero column: its square (1e-300) is still a normal float."""


def _columns(problem) -> list[str]:
    """The feature columns of a CSV problem, as its header names them (``x0, x1, ...`` otherwise)."""
    if problem.problem != "csv":
        return []
    try:
        import pandas as pd

        names = [str(c) for c in pd.read_csv(problem.file, nrows=0, dtype=str).columns]
    except Exception:  # the file was read once already; names are only for the message
        return []
    return [c for c in names if c != problem.target_column]


def check_values(data, problem, standardised: bool) -> None:
    """Raise :class:`ConfigError` naming the column (CSV data) or the ``noise`` option (synthetic
    data) when a feature, or a regression target, holds values beyond :data:`LARGEST` in
    magnitude, or when a feature column's nonzero values are all smaller than :data:`SMALLEST`."""
    X = np.asarray(data.X, dtype=np.float64)
    names = _columns(problem)
    where = f"The CSV file '{problem.file}'" if problem.problem == "csv" else f"The {problem.problem!r} problem"
    with np.errstate(all="ignore"):
        biggest = np.abs(X).max(axis=0) if X.size else np.zeros(0)
        target = np.abs(data.y).max() if data.task == "regression" and np.size(data.y) else 0.0
    for j, big in enumerate(biggest):
        column = repr(names[j]) if j < len(names) else f"{j}"
        if not np.isfinite(big) or big > LARGEST:
            if problem.problem != "csv":
                _noise(problem, where, big)
            raise ConfigError(f"{where} has values as large as {big:.3g} in column {column}; dlbench needs features "
                              f"of magnitude at most {LARGEST:g} (their squares must stay finite): rescale the column.")
        if 0.0 < big < SMALLEST:
            raise ConfigError(f"{where} has only tiny values (at most {big:.3g} in magnitude) in column {column}; "
                              f"dlbench needs a nonzero column to reach {SMALLEST:g} (smaller values underflow when "
                              "squared, denormals included): rescale the column.")
    if not np.isfinite(target) or target > LARGEST:
        if problem.problem != "csv":
            _noise(problem, where, target)
        raise ConfigError(f"{where} has target values as large as {target:.3g} in column {problem.target_column!r}; "
                          f"dlbench needs a regression target of magnitude at most {LARGEST:g}: rescale it.")


def _noise(problem, where: str, big: float) -> None:
    from ..errors import invalid

    raise invalid("noise", f"the {problem.problem!r} problem", f"a noise level that keeps the data below {LARGEST:g} "
                  f"in magnitude (the data reached {big:.3g})", problem.noise)
