"""Data sets: synthetic binary problems generated reproducibly, a user's CSV file, splits and scaling.

Every data set is a :class:`Dataset`: features ``X`` (N×D float64, C-contiguous) and labels ``y``
(N float64 of 0 and 1). :func:`make_dataset` draws one of the :data:`PROBLEMS` from
``numpy.random.default_rng(seed)``; :func:`load_csv` reads a file; :func:`split` holds out a random
part and :func:`standardize` z-scores features with the training part's statistics.
"""

from __future__ import annotations

import math
import re
import warnings
from dataclasses import dataclass, replace
from pathlib import Path

import numpy as np

from .errors import ConfigError, invalid
from .hyper import check_int

__all__ = [
    "Dataset",
    "make_dataset",
    "PROBLEMS",
    "PROBLEM_DOCS",
    "TEACHER_HIDDEN",
    "load_csv",
    "split",
    "standardize",
    "as_arrays",
]


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


# --- synthetic problems --------------------------------------------------------------------------

TEACHER_HIDDEN = 8
"""Hidden units of the ``"teacher"`` problem's network."""


def _flip(rng: np.random.Generator, y: np.ndarray, noise: float) -> np.ndarray:
    """Flip each label independently with probability ``noise`` (the uniforms are always drawn)."""
    return np.where(rng.random(y.shape[0]) < noise, 1.0 - y, y)


def _balanced_threshold(scores: np.ndarray) -> float:
    """Midway between the two middle scores, so ``scores > t`` labels half of them (N - N//2) one."""
    n = scores.shape[0]
    if n < 2:
        return -math.inf
    s = np.sort(scores)
    k = n // 2
    return float((s[k - 1] + s[k]) / 2.0)


def _random(rng: np.random.Generator, n_samples: int, n_features: int, noise: float):
    """The article's data: X uniform on [0, 1), y independent fair coin flips (unlearnable).

    ``noise`` has no effect: the labels are pure noise already.
    """
    X = rng.random((n_samples, n_features))
    y = rng.integers(0, 2, n_samples).astype(np.float64)
    return X, y


def _teacher(rng: np.random.Generator, n_samples: int, n_features: int, noise: float):
    """X uniform on [0, 1) as in the article; y from a random ReLU network, balanced; label flips.

    Draws, in order: ``X`` (N×D uniform), ``W`` (D×8 standard normal), ``c`` (8 standard normal),
    ``v`` (8 standard normal), then N uniforms for the flips. The teacher is the network
    ``z = relu(X @ W1 + b1) @ v`` with ``W1 = W * sqrt(12 / D)`` and ``b1 = c - W1.sum(0) / 2``:
    each hidden unit sees the standardised input ``(x - 1/2) * sqrt(12)`` (uniform [0, 1) has
    mean 1/2 and variance 1/12), so it is active on a good part of the cube. A label is 1 where
    ``z`` is above the threshold midway between the two middle logits (for even N, the median),
    so half the labels (N - N//2) are 1. It is a one-hidden-layer ReLU network, as the student
    is: with 8 or more hidden units the clean labels are learnable exactly.
    """
    D, H = n_features, TEACHER_HIDDEN
    X = rng.random((n_samples, D))
    W1 = rng.standard_normal((D, H)) * math.sqrt(12.0 / D)
    b1 = rng.standard_normal(H) - W1.sum(axis=0) / 2.0
    v = rng.standard_normal(H)
    z = np.maximum(X @ W1 + b1, 0.0) @ v
    y = (z > _balanced_threshold(z)).astype(np.float64)
    return X, _flip(rng, y, noise)


def _linear(rng: np.random.Generator, n_samples: int, n_features: int, noise: float):
    """X standard normal; y = [X @ w + b > 0] for a random unit vector w and b balancing the classes.

    Draws, in order: ``X`` (N×D standard normal), ``w`` (D standard normal, then divided by its
    norm), then N uniforms for the flips. ``b`` puts the boundary midway between the two middle
    projections ``X @ w``, so half the labels (N - N//2) are 1 and no sample lies on it: with
    ``noise=0`` the classes are linearly separable with a positive margin.
    """
    X = rng.standard_normal((n_samples, n_features))
    w = rng.standard_normal(n_features)
    w /= np.linalg.norm(w)
    s = X @ w
    y = (s > _balanced_threshold(s)).astype(np.float64)
    return X, _flip(rng, y, noise)


def _xor(rng: np.random.Generator, n_samples: int, n_features: int, noise: float):
    """X uniform on [-1, 1)^D; y = 1 where exactly one of the first two features is positive.

    Draws, in order: ``X`` (N×D uniform on [-1, 1)), then N×D standard normals scaled by ``noise``
    and added to ``X`` after labelling (so the noisy points may cross the axes).
    """
    X = rng.uniform(-1.0, 1.0, (n_samples, n_features))
    y = ((X[:, 0] > 0) != (X[:, 1] > 0)).astype(np.float64)
    X = X + noise * rng.standard_normal((n_samples, n_features))
    return X, y


def _circles(rng: np.random.Generator, n_samples: int, n_features: int, noise: float):
    """Two concentric circles in the first two features (radius 1: label 0; radius 0.5: label 1).

    As ``sklearn.datasets.make_circles(factor=0.5)``: N//2 samples on the outer circle, the rest
    on the inner one; here the angles are uniform at random rather than evenly spaced. Draws, in
    order: the labels (a permutation of N//2 zeros then N - N//2 ones), N angles uniform on
    [0, 2π), the N×(D-2) distractor features (standard normal × 0.1), then N×D standard normals
    scaled by ``noise`` and added to all of ``X``.
    """
    n_outer = n_samples // 2
    y = rng.permutation(np.r_[np.zeros(n_outer), np.ones(n_samples - n_outer)])
    angle = rng.uniform(0.0, 2.0 * math.pi, n_samples)
    radius = np.where(y == 1.0, 0.5, 1.0)
    X = np.empty((n_samples, n_features))
    X[:, 0] = radius * np.cos(angle)
    X[:, 1] = radius * np.sin(angle)
    X[:, 2:] = 0.1 * rng.standard_normal((n_samples, n_features - 2))
    X = X + noise * rng.standard_normal((n_samples, n_features))
    return X, y


PROBLEMS = {"random": _random, "teacher": _teacher, "linear": _linear, "xor": _xor, "circles": _circles}
"""Problem name -> generator ``(rng, n_samples, n_features, noise) -> (X, y)``."""

PROBLEM_DOCS = {
    "random": "The article's: X uniform on [0, 1), labels fair coin flips independent of X (noise has no effect).",
    "teacher": "X uniform on [0, 1), labels from a random 8-unit ReLU network, balanced; noise = label-flip probability.",
    "linear": "X standard normal, labels from a random hyperplane, balanced and separable; noise = label-flip probability.",
    "xor": "X uniform on [-1, 1], label = XOR of the signs of features 1 and 2 (D >= 2); noise = std added to X.",
    "circles": "Two concentric circles (radius 1 and 0.5) in features 1-2, other features small distractors (D >= 2); noise = std added to X.",
}
"""One line per problem, for ``dlbench list problems``."""

_LABEL_NOISE = ("random", "teacher", "linear")  # noise is a probability in [0, 1]; else a std >= 0
_MIN_FEATURES = {"xor": 2, "circles": 2}


def make_dataset(
    problem: str = "random", n_samples: int = 100, n_features: int = 10, seed: int = 0, noise: float = 0.0
) -> Dataset:
    """Generate a synthetic data set; the same arguments give the same data, bit for bit.

    Problems (all draw from ``numpy.random.default_rng(seed)``, in the order their generator's
    docstring gives):

    - ``"random"``: the article's problem: ``X`` is N×D uniform on [0, 1) and ``y`` holds N
      independent fair coin flips, drawn in that order. ``noise`` (in [0, 1]) has no effect.
    - ``"teacher"``: ``X`` as in the article; labels from a random one-hidden-layer ReLU network
      (8 units) thresholded so the classes are balanced. ``noise`` in [0, 1] is the probability
      of flipping each label.
    - ``"linear"``: ``X`` standard normal, labels from a random hyperplane through the middle of
      the data (balanced, separable). ``noise`` in [0, 1] is the probability of flipping each label.
    - ``"xor"``: ``X`` uniform on [-1, 1]^D, label = XOR of the signs of the first two features
      (needs D >= 2). ``noise`` >= 0 is the standard deviation of Gaussian noise added to ``X``
      after labelling.
    - ``"circles"``: two concentric circles of radius 1 (label 0) and 0.5 (label 1) in the first two
      features, the other features standard normal × 0.1 (needs D >= 2). Balanced. ``noise`` >= 0
      is the standard deviation of Gaussian noise added to ``X``.

    For the label-flip problems, changing ``noise`` changes only which labels are flipped: ``X``
    and the clean labels are the same; for xor and circles, only the added noise changes.
    """
    if problem not in PROBLEMS:
        raise invalid("problem", "make_dataset", "one of " + ", ".join(map(repr, PROBLEMS)), problem)
    n_samples = check_int(n_samples, "n_samples", "make_dataset", 1)
    n_features = check_int(n_features, "n_features", "make_dataset", 1)
    min_features = _MIN_FEATURES.get(problem, 1)
    if n_features < min_features:
        raise invalid(
            "n_features", f"make_dataset for the {problem!r} problem",
            f"an integer >= {min_features} (its labels depend on the first two features)", n_features,
        )
    seed = check_int(seed, "seed", "make_dataset")
    noise = _check_noise(problem, noise)
    rng = np.random.default_rng(int(seed))
    X, y = PROBLEMS[problem](rng, int(n_samples), int(n_features), noise)
    return Dataset(np.ascontiguousarray(X, dtype=np.float64), np.ascontiguousarray(y, dtype=np.float64), problem, int(seed))


def _check_noise(problem: str, noise) -> float:
    owner = f"make_dataset for the {problem!r} problem"
    if problem in _LABEL_NOISE:
        expected = "a label-flip probability in [0, 1]"
        ok = lambda v: 0.0 <= v <= 1.0  # noqa: E731
    else:
        expected = "a noise standard deviation >= 0 (finite)"
        ok = lambda v: 0.0 <= v < math.inf  # noqa: E731
    if isinstance(noise, bool) or not isinstance(noise, (int, float, np.integer, np.floating)) or not ok(float(noise)):
        raise invalid("noise", owner, expected, noise)
    return float(noise)


# --- a user's CSV file ---------------------------------------------------------------------------

_MISSING = {"", "nan", "-nan", "+nan", "na", "n/a", "#n/a", "null", "none", "<na>"}


def load_csv(path, target: str) -> Dataset:
    """Read a binary classification data set from a CSV file (comma-separated, UTF-8, with a header).

    ``target`` names the label column; every other column is a feature and must hold numbers
    (finite, no missing cells). The target must hold exactly two distinct values, of any type;
    they are ordered as numbers if every value is a number, as booleans if every value is
    true/false (false < true), else as strings (cells stripped of surrounding spaces), and the
    smaller becomes label 0, the larger label 1: ``Dataset.classes`` holds them in that order.
    Blank lines are skipped; line numbers in error messages count the header as line 1.
    The data set is named after the file's stem.
    """
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
    y, classes = _binary_target(df[target], target, line, where)
    return Dataset(np.ascontiguousarray(X), y, path.stem, None, classes)


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


def _binary_target(cells, target: str, line: np.ndarray, where: str):
    """Labels 0/1 from a column of exactly two distinct values, and those values in label order."""
    import pandas as pd

    text = cells.str.strip()
    missing = text.str.lower().isin(_MISSING).to_numpy()
    if missing.any():
        i = int(np.argmax(missing))
        raise ConfigError(f"{where} has a missing value (empty or NaN) in the target column {target!r} at line {line[i]}.")
    lowered = text.str.lower()
    numbers = pd.to_numeric(text, errors="coerce")
    if lowered.isin(("true", "false")).all():
        values = (lowered == "true").to_numpy()
    elif not numbers.isna().any():
        values = numbers.to_numpy()
    else:
        values = text.to_numpy(dtype=object)
    distinct = sorted(set(values.tolist()))
    if len(distinct) != 2:
        shown = ", ".join(map(repr, distinct[:5])) + (", ..." if len(distinct) > 5 else "")
        raise ConfigError(
            f"The target column {target!r} of the CSV file {where[len('The CSV file '):]} must hold exactly two "
            f"distinct values; it has {len(distinct)}: {shown}."
        )
    y = (values == distinct[1]).astype(np.float64)
    return np.ascontiguousarray(y), tuple(distinct)


# --- splits and scaling --------------------------------------------------------------------------


def split(dataset: Dataset, fraction: float, seed: int = 0) -> tuple[Dataset, Dataset]:
    """Hold out a random part: ``(train, held_out)``, with ``round(fraction * N)`` held-out samples.

    The samples are permuted with ``numpy.random.default_rng(seed).permutation(N)``; the first
    ``round(fraction * N)`` (Python's rounding) are held out, the rest are the training set, each
    in that permuted order. Not stratified. Both parts must be non-empty.
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
    The inputs are not modified.
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
