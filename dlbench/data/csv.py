"""A user's data set from a CSV file."""

from __future__ import annotations

import re
import warnings
from pathlib import Path

import numpy as np

from ..errors import ConfigError, invalid
from .dataset import TASKS, Dataset

__all__ = ["load_csv"]


# --- a user's CSV file ---------------------------------------------------------------------------

_MISSING = {"", "nan", "-nan", "+nan", "na", "n/a", "#n/a", "null", "none", "<na>"}


def load_csv(path, target: str, task: str | None = None) -> Dataset:
    """Read a data set from a CSV file (comma-separated, UTF-8, with a header).

    ``target`` names the target column; every other column is a feature and must hold numbers
    (finite, no missing cells). ``task`` is ``"binary"``, ``"multiclass"``, ``"regression"`` or
    ``None`` to infer it from the target:

    - two distinct values: ``binary``;
    - three or more, all integers, or any that are not all numbers (strings, booleans):
      ``multiclass``;
    - three or more numbers, not all integers: ``regression``.

    For classification the target may hold values of any type; they are ordered as numbers if
    every value is a number, as booleans if every value is true/false (false < true), else as
    strings (cells stripped of surrounding spaces), and the k-th smallest becomes label k:
    ``Dataset.classes`` holds them in that order. A ``binary`` target must hold exactly two
    distinct values, a ``multiclass`` one at least two, each with at least two samples. A
    ``regression`` target must hold finite numbers, taken as they are (``classes`` is ``()``).
    Blank lines are skipped; line numbers in error messages count the header as line 1.
    The data set is named after the file's stem.
    """
    if task is not None and task not in TASKS:
        raise invalid("task", "load_csv", "one of " + ", ".join(map(repr, TASKS)) + " or None (infer it)", task)
    import pandas as pd

    path = Path(path)
    where = f"The CSV file {str(path)!r}"
    if not path.exists():
        raise ConfigError(f"{where} does not exist.")
    if not path.is_file():
        raise ConfigError(f"{where} is not a file.")
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", pd.errors.ParserWarning)
            header = pd.read_csv(path, header=None, nrows=1, dtype=str, keep_default_na=False)
            df = pd.read_csv(path, dtype=str, keep_default_na=False, na_filter=False, skip_blank_lines=False, index_col=False)
    except pd.errors.EmptyDataError:
        raise ConfigError(f"{where} is empty (it needs a header line and at least two rows).") from None
    except pd.errors.ParserWarning:
        raise ConfigError(f"{where} is malformed: its first data row has more fields than the header.") from None
    except pd.errors.ParserError as error:
        fields = re.search(r"Expected (\d+) fields in line (\d+), saw (\d+)", str(error))
        if fields:
            n, line, seen = fields.groups()
            raise ConfigError(f"{where} is malformed: line {line} has {seen} fields, the header has {n}.") from None
        raise ConfigError(f"{where} is malformed: {str(error).strip()}") from None
    except UnicodeDecodeError:
        raise ConfigError(f"{where} is not UTF-8 text.") from None
    except OSError as error:
        raise ConfigError(f"{where} cannot be read: {error.strerror or error}.") from None

    names = [str(c) for c in header.iloc[0].tolist()]
    duplicates = sorted({c for c in names if names.count(c) > 1})
    if duplicates:
        raise ConfigError(f"{where} has duplicate column names: {', '.join(map(repr, duplicates))}.")
    df.columns = names
    if target not in names:
        hint = " (is it comma-separated?)" if len(names) == 1 and any(s in names[0] for s in ";\t|") else ""
        raise ConfigError(f"{where} has no target column {target!r}; its columns are: {', '.join(map(repr, names))}{hint}.")
    features = [c for c in names if c != target]
    if not features:
        raise ConfigError(f"{where} has no feature column: its only column is the target {target!r}.")

    line = df.index.to_numpy() + 2  # the header is line 1; blank lines keep their place
    blank = (df == "").all(axis=1).to_numpy()
    df, line = df[~blank], line[~blank]
    if len(df) < 2:
        raise ConfigError(f"{where} has {len(df)} data row{'s' if len(df) != 1 else ''}; it needs at least two.")

    X = np.empty((len(df), len(features)), dtype=np.float64)
    for j, column in enumerate(features):
        X[:, j] = _numeric_column(df[column], column, line, where, target)
    y, classes, task = _target(df[target], target, line, where, task)
    return Dataset(np.ascontiguousarray(X), y, path.stem, None, classes, task)


def _numeric_column(cells, column: str, line: np.ndarray, where: str, target: str) -> np.ndarray:
    """The column as float64, or an error naming the first missing, non-numeric or infinite cell."""
    import pandas as pd

    text = cells.str.strip()
    missing = text.str.lower().isin(_MISSING).to_numpy()
    values = pd.to_numeric(text.where(~missing, "nan"), errors="coerce").to_numpy(dtype=np.float64)
    bad = missing | ~np.isfinite(values)
    if bad.any():
        i = int(np.argmax(bad))
        if missing[i]:
            raise ConfigError(f"{where} has a missing value (empty or NaN) in column {column!r} at line {line[i]}.")
        what = "an infinite" if np.isinf(values[i]) else "a non-numeric"
        raise ConfigError(
            f"{where} has {what} value {cells.iloc[i]!r} in column {column!r} at line {line[i]}; "
            f"every column except the target {target!r} must hold finite numbers."
        )
    return values


def _target(cells, target: str, line: np.ndarray, where: str, task: str | None):
    """``(y, classes, task)`` from the target column, for the given task or the inferred one."""
    import pandas as pd

    text = cells.str.strip()
    missing = text.str.lower().isin(_MISSING).to_numpy()
    if missing.any():
        i = int(np.argmax(missing))
        raise ConfigError(f"{where} has a missing value (empty or NaN) in the target column {target!r} at line {line[i]}.")
    lowered = text.str.lower()
    numbers = pd.to_numeric(text, errors="coerce")
    numeric = False
    if lowered.isin(("true", "false")).all():
        values = (lowered == "true").to_numpy()
    elif not numbers.isna().any():
        values, numeric = numbers.to_numpy(), True
    else:
        values = text.to_numpy(dtype=object)
    if task == "regression":
        return _regression_target(cells, numbers, target, line, where), (), "regression"
    distinct = sorted(set(values.tolist()))
    inferred = task is None
    if inferred:
        if len(distinct) == 2:
            task = "binary"
        elif len(distinct) >= 3:
            integral = not numeric or bool(np.all(np.isfinite(values) & (values == np.floor(values))))
            if not integral:
                return _regression_target(cells, numbers, target, line, where), (), "regression"
            task = "multiclass"
    file = where[len("The CSV file "):]
    if task == "binary" and len(distinct) != 2 or len(distinct) < 2:
        shown = ", ".join(map(repr, distinct[:5])) + (", ..." if len(distinct) > 5 else "")
        how_many = "exactly two" if task == "binary" else "at least two"
        raise ConfigError(
            f"The target column {target!r} of the CSV file {file} must hold {how_many} "
            f"distinct values; it has {len(distinct)}: {shown}."
        )
    index = {value: k for k, value in enumerate(distinct)}
    y = np.fromiter((index[v] for v in values.tolist()), dtype=np.float64, count=len(values))
    if task == "multiclass":
        counts = np.bincount(y.astype(np.intp), minlength=len(distinct))
        single = counts[y.astype(np.intp)] == 1
        if single.any():
            i = int(np.argmax(single))
            n_single = int(np.sum(counts == 1))
            which = (f"a class with a single sample: {distinct[int(y[i])]!r} at line {line[i]}" if n_single == 1 else
                     f"{n_single} classes with a single sample, the first {distinct[int(y[i])]!r} at line {line[i]}")
            hint = " (for a real-valued target, pass task='regression')" if inferred and numeric else ""
            raise ConfigError(
                f"The target column {target!r} of the CSV file {file} has {which}; every class of a multiclass "
                f"target needs at least two samples{hint}."
            )
    return np.ascontiguousarray(y), tuple(distinct), task


def _regression_target(cells, numbers, target: str, line: np.ndarray, where: str) -> np.ndarray:
    """The target as float64, or an error naming the first non-numeric or infinite cell."""
    values = numbers.to_numpy(dtype=np.float64, na_value=np.nan)
    bad = ~np.isfinite(values)
    if bad.any():
        i = int(np.argmax(bad))
        what = "an infinite" if np.isinf(values[i]) else "a non-numeric"
        raise ConfigError(
            f"{where} has {what} value {cells.iloc[i]!r} in the target column {target!r} at line {line[i]}; "
            f"a regression target must hold finite numbers."
        )
    return np.ascontiguousarray(values)
