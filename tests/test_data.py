"""Data sets: synthetic problems, CSV loading, splits and standardisation (dlbench/data.py)."""

import math

import numpy as np
import pytest

from dlbench.data import (
    PROBLEM_DOCS,
    PROBLEMS,
    TEACHER_HIDDEN,
    Dataset,
    load_csv,
    make_dataset,
    split,
    standardize,
)
from dlbench.errors import ConfigError
from dlbench.model import Params
from dlbench.reference.network import forward

LABEL_FLIP = ("teacher", "linear")
GEOMETRIC = ("xor", "circles")
BINARY = ("random", "teacher", "linear", "xor", "circles")  # the synthetic binary problems of dlbench 0.1


# --- synthetic problems --------------------------------------------------------------------------


def test_every_problem_is_documented():
    assert list(PROBLEM_DOCS) == list(PROBLEMS) == [
        *BINARY, "blobs", "spirals", "regression", "breast_cancer", "iris", "wine", "digits", "diabetes",
    ]
    assert all(isinstance(doc, str) and doc and "\n" not in doc for doc in PROBLEM_DOCS.values())
    assert all(PROBLEMS[name].doc == doc for name, doc in PROBLEM_DOCS.items())


@pytest.mark.parametrize("problem", BINARY)
@pytest.mark.parametrize("noise", [0.0, 0.25])
def test_problem_is_deterministic_per_seed(problem, noise):
    a = make_dataset(problem, 60, 4, seed=3, noise=noise)
    b = make_dataset(problem, 60, 4, seed=3, noise=noise)
    assert a.X.tobytes() == b.X.tobytes() and a.y.tobytes() == b.y.tobytes()
    c = make_dataset(problem, 60, 4, seed=4, noise=noise)
    assert not np.array_equal(a.X, c.X) and not np.array_equal(a.y, c.y)


@pytest.mark.parametrize("problem", BINARY)
@pytest.mark.parametrize("shape", [(1, 2), (2, 3), (7, 2), (100, 10)])
def test_problem_shapes_dtypes_and_labels(problem, shape):
    n, d = shape
    data = make_dataset(problem, n, d, seed=0)
    assert data.X.shape == (n, d) and data.y.shape == (n,)
    assert data.X.dtype == np.float64 and data.y.dtype == np.float64
    assert data.X.flags.c_contiguous and data.y.flags.c_contiguous
    assert np.all(np.isfinite(data.X)) and set(np.unique(data.y)) <= {0.0, 1.0}
    assert (data.name, data.seed, data.classes, data.task) == (problem, 0, (0, 1), "binary")
    assert (data.n_classes, data.n_outputs) == (2, 1)
    assert (data.n_samples, data.n_features) == (n, d)


def test_random_is_bit_identical_to_the_article_and_ignores_noise():
    rng = np.random.default_rng(11)
    X = rng.random((100, 10))
    y = rng.integers(0, 2, 100)
    for noise in (0.0, 0.3, 1.0):
        data = make_dataset("random", 100, 10, seed=11, noise=noise)
        assert data.X.tobytes() == X.tobytes()
        assert data.y.tobytes() == y.astype(np.float64).tobytes()


@pytest.mark.parametrize("problem", ["teacher", "linear", "circles"])
@pytest.mark.parametrize("n", [2, 9, 100, 101])
def test_balanced_problems_are_exactly_balanced(problem, n):
    for seed in range(5):
        assert make_dataset(problem, n, 3, seed=seed).y.sum() == n - n // 2


def test_xor_is_roughly_balanced_and_labels_the_sign_pattern():
    data = make_dataset("xor", 4000, 5, seed=0)
    assert 0.47 < data.y.mean() < 0.53
    assert data.X.min() >= -1.0 and data.X.max() <= 1.0
    np.testing.assert_array_equal(data.y, ((data.X[:, 0] > 0) ^ (data.X[:, 1] > 0)).astype(float))


def test_linear_without_noise_is_separable_by_the_generating_hyperplane():
    n, d = 301, 6
    for seed in range(5):
        data = make_dataset("linear", n, d, seed=seed)
        rng = np.random.default_rng(seed)
        X = rng.standard_normal((n, d))
        w = rng.standard_normal(d)
        w /= np.linalg.norm(w)
        np.testing.assert_array_equal(data.X, X)
        s = X @ w
        b = -(s[data.y == 1].min() + s[data.y == 0].max()) / 2
        margins = (2 * data.y - 1) * (s + b)
        assert margins.min() > 0


def _teacher_params(seed, n, d):
    """The teacher network of make_dataset('teacher', n, d, seed), re-drawn from its documented order."""
    rng = np.random.default_rng(seed)
    X = rng.random((n, d))
    W1 = rng.standard_normal((d, TEACHER_HIDDEN)) * math.sqrt(12.0 / d)
    b1 = rng.standard_normal(TEACHER_HIDDEN) - W1.sum(axis=0) / 2
    v = rng.standard_normal(TEACHER_HIDDEN)
    return X, W1, b1, v


@pytest.mark.parametrize("d", [1, 3, 10])
def test_teacher_labels_are_the_teachers_thresholded_outputs(d):
    n = 200
    for seed in range(3):
        data = make_dataset("teacher", n, d, seed=seed)
        X, W1, b1, v = _teacher_params(seed, n, d)
        np.testing.assert_array_equal(data.X, X)
        z = np.maximum(X @ W1 + b1, 0.0) @ v
        np.testing.assert_array_equal(data.y, (z > np.median(z)).astype(float))
        # learnable in principle: the student network (8 hidden units) with the teacher's weights
        # and b2 = -median classifies every sample correctly.
        theta = Params(W1, b1, v, -float(np.median(z))).to_vector()
        _, logits = forward(theta, data.X, TEACHER_HIDDEN)
        np.testing.assert_array_equal(np.ravel(logits) > 0, data.y == 1)


def test_teacher_is_not_linear():
    """Clean teacher labels are not all explained by the best hyperplane on the inputs (sanity)."""
    data = make_dataset("teacher", 400, 2, seed=0)
    # a least-squares linear classifier is clearly imperfect on this seed
    A = np.c_[data.X, np.ones(len(data.X))]
    coef = np.linalg.lstsq(A, 2 * data.y - 1, rcond=None)[0]
    assert np.mean((A @ coef > 0) == (data.y == 1)) < 0.97


@pytest.mark.parametrize("problem", LABEL_FLIP)
@pytest.mark.parametrize("noise", [0.05, 0.2, 0.5])
def test_label_noise_flips_about_the_requested_fraction(problem, noise):
    n = 20000
    clean = make_dataset(problem, n, 5, seed=2)
    noisy = make_dataset(problem, n, 5, seed=2, noise=noise)
    assert noisy.X.tobytes() == clean.X.tobytes()
    flipped = np.mean(noisy.y != clean.y)
    assert abs(flipped - noise) < 5 * math.sqrt(noise * (1 - noise) / n)


@pytest.mark.parametrize("problem", LABEL_FLIP)
def test_label_noise_one_flips_every_label(problem):
    clean = make_dataset(problem, 50, 3, seed=0)
    np.testing.assert_array_equal(make_dataset(problem, 50, 3, seed=0, noise=1.0).y, 1 - clean.y)


@pytest.mark.parametrize("problem", GEOMETRIC)
def test_geometric_noise_is_gaussian_with_the_requested_std(problem):
    clean = make_dataset(problem, 5000, 4, seed=1)
    noisy = make_dataset(problem, 5000, 4, seed=1, noise=0.3)
    np.testing.assert_array_equal(noisy.y, clean.y)
    delta = noisy.X - clean.X
    assert abs(delta.mean()) < 0.01 and abs(delta.std() - 0.3) < 0.01


def test_circles_geometry():
    data = make_dataset("circles", 1000, 5, seed=0)
    radius = np.hypot(data.X[:, 0], data.X[:, 1])
    np.testing.assert_allclose(radius, np.where(data.y == 1, 0.5, 1.0), rtol=1e-12)
    assert abs(data.X[:, 2:].std() - 0.1) < 0.01


@pytest.mark.parametrize(
    "kwargs, param",
    [
        ({"problem": "nope"}, "problem"),
        ({"problem": "xor", "n_features": 1}, "n_features"),
        ({"problem": "circles", "n_features": 1}, "n_features"),
        ({"problem": "teacher", "noise": -0.1}, "noise"),
        ({"problem": "linear", "noise": 1.5}, "noise"),
        ({"problem": "random", "noise": 2.0}, "noise"),
        ({"problem": "teacher", "noise": float("nan")}, "noise"),
        ({"problem": "xor", "noise": -1.0}, "noise"),
        ({"problem": "circles", "noise": float("inf")}, "noise"),
        ({"problem": "circles", "noise": "0.1"}, "noise"),
        ({"problem": "linear", "noise": True}, "noise"),
        ({"problem": "linear", "n_samples": 0}, "n_samples"),
        ({"problem": "teacher", "seed": -1}, "seed"),
    ],
)
def test_make_dataset_bad_input(kwargs, param):
    with pytest.raises(ConfigError) as info:
        make_dataset(**kwargs)
    assert info.value.param == param and f"'{param}'" in str(info.value)


def test_geometric_noise_may_exceed_one():
    assert make_dataset("xor", 10, 2, noise=2.5).X.shape == (10, 2)


def test_xor_error_says_why():
    with pytest.raises(ConfigError, match=r"'xor'.*>= 2.*first two features.*Got 1"):
        make_dataset("xor", 10, 1)


# --- CSV files -----------------------------------------------------------------------------------


def _csv(tmp_path, text, name="data.csv"):
    path = tmp_path / name
    path.write_text(text)
    return path


def test_load_csv_string_target(tmp_path):
    path = _csv(tmp_path, "height,animal,weight\n1.5,dog,10\n0.25,cat,4\n\n-3e-2,dog,12.5\n", "pets.csv")
    data = load_csv(path, "animal")
    assert isinstance(data, Dataset)
    assert data.name == "pets" and data.seed is None and data.classes == ("cat", "dog")
    np.testing.assert_array_equal(data.X, [[1.5, 10.0], [0.25, 4.0], [-0.03, 12.5]])
    np.testing.assert_array_equal(data.y, [1.0, 0.0, 1.0])
    assert data.X.dtype == np.float64 and data.X.flags.c_contiguous and data.y.dtype == np.float64


def test_load_csv_numbers_keep_every_bit(tmp_path):
    values = np.random.default_rng(0).standard_normal((20, 3)) * 1e-7
    lines = ["a,b,c,y"] + [",".join(repr(float(v)) for v in row) + f",{i % 2}" for i, row in enumerate(values)]
    data = load_csv(_csv(tmp_path, "\n".join(lines) + "\n"), "y")
    assert data.X.tobytes() == values.tobytes()


@pytest.mark.parametrize(
    "cells, classes, y",
    [
        (["10", "5", "10"], (5, 10), [1, 0, 1]),  # numeric order, not string order
        (["1.5", "-2", "1.5"], (-2.0, 1.5), [1, 0, 1]),
        (["True", "false", "TRUE"], (False, True), [1, 0, 1]),
        ([" yes", "no ", "yes"], ("no", "yes"), [1, 0, 1]),
        (["b", "B", "b"], ("B", "b"), [1, 0, 1]),
    ],
)
def test_load_csv_target_mapping_uses_sorted_values(tmp_path, cells, classes, y):
    text = "x,t\n" + "".join(f"{i},{c}\n" for i, c in enumerate(cells))
    data = load_csv(_csv(tmp_path, text), "t")
    assert data.classes == classes and [type(c) for c in data.classes] == [type(c) for c in classes]
    np.testing.assert_array_equal(data.y, y)


def test_load_csv_target_may_be_any_column(tmp_path):
    data = load_csv(_csv(tmp_path, "y,a,b\n0,1,2\n1,3,4\n"), "y")
    np.testing.assert_array_equal(data.X, [[1, 2], [3, 4]])
    np.testing.assert_array_equal(data.y, [0, 1])


@pytest.mark.parametrize(
    "text, target, pattern",
    [
        ("a,b,y\n1,2,0\n3,4,1\n", "label", r"no target column 'label'; its columns are: 'a', 'b', 'y'"),
        ("a;y\n1;0\n2;1\n", "y", r"columns are: 'a;y' \(is it comma-separated\?\)"),
        ("a,b,y\n1,2,0\n\n3,x,1\n", "y", r"non-numeric value 'x' in column 'b' at line 4"),
        ("a,b,y\n1,2,0\n3,4,1\n5,1.2.3,0\n", "y", r"non-numeric value '1.2.3' in column 'b' at line 4"),
        ("a,b,y\n1,,0\n3,4,1\n", "y", r"missing value \(empty or NaN\) in column 'b' at line 2"),
        ("a,b,y\n1,2,0\n3,4,1\nNaN,4,1\n", "y", r"missing value \(empty or NaN\) in column 'a' at line 4"),
        ("a,b,y\n1,2,0\n3\n", "y", r"missing value \(empty or NaN\) in column 'b' at line 3"),
        ("a,b,y\n1,2,0\n3,inf,1\n", "y", r"infinite value 'inf' in column 'b' at line 3"),
        ("a,y\n1,0\n2,\n3,1\n", "y", r"missing value \(empty or NaN\) in the target column 'y' at line 3"),
        ("a,y\n1,0\n2,0\n", "y", r"it has 1: 0\."),
        ("a,y\n1,0\n", "y", r"has 1 data row; it needs at least two"),
        ("a,y\n", "y", r"has 0 data rows; it needs at least two"),
        ("y\n0\n1\n", "y", r"no feature column: its only column is the target 'y'"),
        ("a,a,y\n1,2,0\n3,4,1\n", "y", r"duplicate column names: 'a'"),
        ("a,y\n1,0,1\n2,1\n", "y", r"malformed: its first data row has more fields than the header"),
        ("a,y\n1,0\n2,1,3\n", "y", r"malformed: line 3 has 3 fields, the header has 2"),
        ("a,y\n1,0\n\n2,1\n3,4,5\n", "y", r"malformed: line 5 has 3 fields, the header has 2"),
        ('a,y\n1,0\n"2,1\n', "y", r"malformed"),
        ("", "y", r"is empty"),
    ],
)
def test_load_csv_errors(tmp_path, text, target, pattern):
    with pytest.raises(ConfigError, match=pattern):
        load_csv(_csv(tmp_path, text), target)


@pytest.mark.parametrize(
    "text, pattern",
    [
        # dlbench 0.1 read every target as binary; these keep its messages under task="binary" (inferred,
        # three or more classes are multiclass: see tests/test_datasets_csv.py)
        ("a,y\n1,a\n2,b\n3,c\n", r"exactly two distinct values; it has 3: 'a', 'b', 'c'\."),
        ("a,y\n" + "".join(f"{i},{i}\n" for i in range(7)), r"it has 7: 0, 1, 2, 3, 4, \.\.\."),
    ],
)
def test_load_csv_binary_needs_two_values(tmp_path, text, pattern):
    with pytest.raises(ConfigError, match=pattern):
        load_csv(_csv(tmp_path, text), "y", task="binary")


def test_load_csv_missing_file_directory_and_bad_encoding(tmp_path):
    with pytest.raises(ConfigError, match=r"nope\.csv' does not exist"):
        load_csv(tmp_path / "nope.csv", "y")
    with pytest.raises(ConfigError, match=r"is not a file"):
        load_csv(tmp_path, "y")
    path = tmp_path / "latin.csv"
    path.write_bytes(b"a,y\n1,caf\xe9\n2,tea\n")
    with pytest.raises(ConfigError, match=r"not UTF-8"):
        load_csv(path, "y")


# --- splits, subsets, standardisation ------------------------------------------------------------


def _indexed(n, d=2):
    """A data set whose first feature is the row number, to follow samples through a split."""
    X = np.c_[np.arange(n, dtype=float), np.zeros((n, d - 1))]
    return Dataset(np.ascontiguousarray(X), (np.arange(n) % 2).astype(float), "indexed", None, ("a", "b"))


@pytest.mark.parametrize("n, fraction, held", [(100, 0.2, 20), (10, 0.25, 2), (10, 0.35, 4), (2, 0.5, 1), (3, 0.6, 2)])
def test_split_sizes_and_disjointness(n, fraction, held):
    data = _indexed(n)
    X_before = data.X.copy()
    train, test = split(data, fraction, seed=0)
    assert (test.n_samples, train.n_samples) == (held, n - held) == (round(fraction * n), n - round(fraction * n))
    rows_train, rows_test = train.X[:, 0].astype(int), test.X[:, 0].astype(int)
    assert not set(rows_train) & set(rows_test)
    assert sorted([*rows_train, *rows_test]) == list(range(n))
    np.testing.assert_array_equal(train.y, data.y[rows_train])
    assert train.classes == test.classes == ("a", "b") and train.name == "indexed"
    np.testing.assert_array_equal(data.X, X_before)


def test_split_is_the_documented_permutation_and_deterministic():
    data = _indexed(50)
    order = np.random.default_rng(4).permutation(50)
    train, test = split(data, 0.3, seed=4)
    np.testing.assert_array_equal(test.X[:, 0], order[:15])
    np.testing.assert_array_equal(train.X[:, 0], order[15:])
    again, _ = split(data, 0.3, seed=4)
    assert again.X.tobytes() == train.X.tobytes()
    other, _ = split(data, 0.3, seed=5)
    assert not np.array_equal(other.X, train.X)


@pytest.mark.parametrize(
    "n, fraction",
    [(10, 0.0), (10, 1.0), (10, -0.1), (10, 1.5), (10, float("nan")), (10, True), (10, "0.2"), (10, 0.01), (10, 0.99), (1, 0.5)],
)
def test_split_bad_fractions(n, fraction):
    with pytest.raises(ConfigError, match="'fraction' parameter of split"):
        split(_indexed(n), fraction, seed=0)


def test_split_bad_seed():
    with pytest.raises(ConfigError, match="'seed'"):
        split(_indexed(10), 0.5, seed=-1)


def test_subset_orders_masks_and_copies():
    data = _indexed(6)
    part = data.subset([4, 1])
    np.testing.assert_array_equal(part.X[:, 0], [4, 1])
    np.testing.assert_array_equal(part.y, [0, 1])
    assert part.X.flags.c_contiguous and part.classes == data.classes
    part.X[0, 0] = 99.0
    assert data.X[4, 0] == 4.0
    masked = data.subset(data.y == 1)
    np.testing.assert_array_equal(masked.X[:, 0], [1, 3, 5])
    with pytest.raises(ConfigError):
        data.subset([[0, 1]])
    with pytest.raises(ConfigError):
        data.subset([0.5])


def test_standardize_uses_training_statistics_only():
    rng = np.random.default_rng(0)
    train = Dataset(np.ascontiguousarray(rng.normal(5.0, 2.0, (200, 3))), np.zeros(200), "train")
    test = Dataset(np.ascontiguousarray(rng.normal(100.0, 30.0, (50, 3))), np.ones(50), "test")
    before = train.X.copy(), test.X.copy()
    train_z, test_z = standardize(train, test)
    mean, std = train.X.mean(axis=0), train.X.std(axis=0)
    np.testing.assert_allclose(train_z.X.mean(axis=0), 0.0, atol=1e-12)
    np.testing.assert_allclose(train_z.X.std(axis=0), 1.0, rtol=1e-12)
    np.testing.assert_array_equal(test_z.X, (test.X - mean) / std)
    assert np.all(test_z.X.mean(axis=0) > 10)  # the test set's own statistics were not used
    np.testing.assert_array_equal(train.X, before[0])
    np.testing.assert_array_equal(test.X, before[1])
    assert train_z.y is train.y and test_z.name == "test" and test_z.X.flags.c_contiguous


def test_standardize_constant_feature_and_single_dataset():
    X = np.array([[0.1, 1.0], [0.1, 3.0], [0.1, 5.0]])
    other = Dataset(np.array([[0.6, 3.0]]), np.zeros(1))
    (train_z, other_z) = standardize(Dataset(X, np.zeros(3)), other)
    np.testing.assert_array_equal(train_z.X[:, 0], 0.0)
    np.testing.assert_allclose(other_z.X, [[0.5, 0.0]])
    (alone,) = standardize(Dataset(X, np.zeros(3)))
    np.testing.assert_array_equal(alone.X, train_z.X)


def test_standardize_rejects_other_feature_counts():
    with pytest.raises(ConfigError, match="3 features"):
        standardize(_indexed(5, 3), _indexed(5, 2))
