"""Regenerate the bundled data sets from scikit-learn's copies (for maintainers; ships as their record).

    python dlbench/data/sets/make_sets.py

Needs scikit-learn (any version that ships ``sklearn/datasets/data/``; written with 1.9.1). Each
set becomes ``<name>.npz`` (``numpy.savez_compressed``) holding four integer arrays:

- ``X`` (N×D) and ``X_exp`` (D): feature ``j`` is ``X[:, j] / 10**X_exp[j]``;
- ``y`` (N) and ``y_exp`` (a scalar): the target is ``y / 10**y_exp``.

Every value in scikit-learn's files is a short decimal (``17.99``, ``0.2776``, ``16``), so it is
an integer ``m`` over a power of ten ``10**k`` with both exact in float64; IEEE division is
correctly rounded, so ``m / 10**k`` is the float64 nearest the decimal, the very number
scikit-learn's parser returns. The script checks that bit for bit before writing, and picks the
smallest ``k`` and integer type per column, which makes the files about 40% smaller than float64.
"""

from __future__ import annotations

import hashlib
from pathlib import Path

import numpy as np

HERE = Path(__file__).resolve().parent
POW10 = np.array([float(10**k) for k in range(16)])  # int -> float is exact up to 10**22


def _loaders():
    from sklearn import datasets

    return {
        "breast_cancer": datasets.load_breast_cancer,
        "iris": datasets.load_iris,
        "wine": datasets.load_wine,
        "digits": datasets.load_digits,
        "diabetes": lambda: datasets.load_diabetes(scaled=False),
    }


def _smallest_int_type(values: np.ndarray):
    for dtype in (np.uint8, np.int8, np.uint16, np.int16, np.int32, np.int64):
        info = np.iinfo(dtype)
        if info.min <= values.min() and values.max() <= info.max:
            return dtype
    raise ValueError("values out of the int64 range")


def _decimal(column: np.ndarray) -> tuple[int, np.ndarray]:
    """The smallest ``k`` and the integers ``m`` with ``m / 10**k == column`` exactly."""
    for k in range(len(POW10)):
        m = np.round(column * POW10[k])
        if np.all(np.abs(m) < 2**53) and (m / POW10[k]).tobytes() == column.tobytes():
            return k, m
    raise ValueError("a value is not a short decimal")


def encode(X: np.ndarray, y: np.ndarray) -> dict[str, np.ndarray]:
    X = np.ascontiguousarray(X, dtype=np.float64)
    y = np.ascontiguousarray(y, dtype=np.float64)
    exps, columns = zip(*(_decimal(X[:, j]) for j in range(X.shape[1])))
    m = np.stack(columns, axis=1)
    y_exp, y_int = _decimal(y)
    arrays = {
        "X": m.astype(_smallest_int_type(m)),
        "X_exp": np.array(exps, dtype=np.int8),
        "y": y_int.astype(_smallest_int_type(y_int)),
        "y_exp": np.array(y_exp, dtype=np.int8),
    }
    decoded_X = arrays["X"] / POW10[arrays["X_exp"]]
    decoded_y = arrays["y"] / POW10[arrays["y_exp"]]
    assert decoded_X.tobytes() == X.tobytes() and decoded_y.tobytes() == y.tobytes()
    return arrays


def main() -> None:
    for name, load in _loaders().items():
        bunch = load()
        arrays = encode(bunch.data, bunch.target)
        path = HERE / f"{name}.npz"
        np.savez_compressed(path, **arrays)
        X = np.ascontiguousarray(bunch.data, dtype=np.float64)
        y = np.ascontiguousarray(bunch.target, dtype=np.float64)
        digest = hashlib.sha256(X.tobytes() + y.tobytes()).hexdigest()
        print(f"{name:14s} {X.shape!s:11s} {path.stat().st_size:7d} bytes  sha256(X, y) {digest}")


if __name__ == "__main__":
    main()
