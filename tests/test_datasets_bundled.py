"""The bundled real data sets (dlbench/data/bundled.py, dlbench/data/sets/).

Oracles: scikit-learn's own loaders when it is installed (exact equality); without it, the shapes,
class counts and first/last rows of scikit-learn's text files (written out here by hand) and a
SHA-256 of scikit-learn's float64 arrays, computed once from ``sklearn.datasets.load_*()``
(scikit-learn 1.9.1) and written as literals.
"""

import fnmatch
import hashlib
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pytest

from dlbench.data import BUNDLED, PROBLEMS, Dataset, load_bundled, make_dataset, split, standardize
from dlbench.errors import ConfigError

try:
    import tomllib
except ModuleNotFoundError:  # Python 3.10
    import tomli as tomllib

SETS = ("breast_cancer", "iris", "wine", "digits", "diabetes")

EXPECTED = {
    # name: (task, shape, classes, counts per label (None for regression), sha256 of X bytes + y bytes)
    "breast_cancer": ("binary", (569, 30), ("malignant", "benign"), [212, 357],
                      "cdd5f37c36cbdfc2e5ee074cec7540fac54340874afb25917a673e446270d0d0"),
    "iris": ("multiclass", (150, 4), ("setosa", "versicolor", "virginica"), [50, 50, 50],
             "18565d0da72dafd52595fe48b03ca9b06dfc2c05d0c4c155576631d0aae8eb7e"),
    "wine": ("multiclass", (178, 13), ("class_0", "class_1", "class_2"), [59, 71, 48],
             "c7e84e8e03b2b5a354287416d84d08945318450658a22a63c39973d8306c2ca4"),
    "digits": ("multiclass", (1797, 64), tuple(range(10)), [178, 182, 177, 183, 181, 182, 181, 179, 174, 180],
               "f19a7d92591ca0a1ffc65ec172e8149afdff995e0d2c4cb0afd151f38471ff90"),
    "diabetes": ("regression", (442, 10), (), None,
                 "e9c1f7559552854a24dc45b41c446ce5f79f96e5da081bcce24b57492720b3f7"),
}

# (first row, its target, last row, its target), copied from scikit-learn's CSV files
ROWS = {
    "breast_cancer": (
        [17.99, 10.38, 122.8, 1001, 0.1184, 0.2776, 0.3001, 0.1471, 0.2419, 0.07871, 1.095, 0.9053, 8.589, 153.4,
         0.006399, 0.04904, 0.05373, 0.01587, 0.03003, 0.006193, 25.38, 17.33, 184.6, 2019, 0.1622, 0.6656, 0.7119,
         0.2654, 0.4601, 0.1189], 0,
        [7.76, 24.54, 47.92, 181.0, 0.05263, 0.04362, 0.0, 0.0, 0.1587, 0.05884, 0.3857, 1.428, 2.548, 19.15,
         0.007189, 0.00466, 0.0, 0.0, 0.02676, 0.002783, 9.456, 30.37, 59.16, 268.6, 0.08996, 0.06444, 0.0, 0.0,
         0.2871, 0.07039], 1,
    ),
    "iris": ([5.1, 3.5, 1.4, 0.2], 0, [5.9, 3.0, 5.1, 1.8], 2),
    "wine": ([14.23, 1.71, 2.43, 15.6, 127, 2.8, 3.06, 0.28, 2.29, 5.64, 1.04, 3.92, 1065], 0,
             [14.13, 4.1, 2.74, 24.5, 96.0, 2.05, 0.76, 0.56, 1.35, 9.2, 0.61, 1.6, 560.0], 2),
    "digits": (
        [0, 0, 5, 13, 9, 1, 0, 0, 0, 0, 13, 15, 10, 15, 5, 0, 0, 3, 15, 2, 0, 11, 8, 0, 0, 4, 12, 0, 0, 8, 8, 0,
         0, 5, 8, 0, 0, 9, 8, 0, 0, 4, 11, 0, 1, 12, 7, 0, 0, 2, 14, 5, 10, 12, 0, 0, 0, 0, 6, 13, 10, 0, 0, 0], 0,
        [0, 0, 10, 14, 8, 1, 0, 0, 0, 2, 16, 14, 6, 1, 0, 0, 0, 0, 15, 15, 8, 15, 0, 0, 0, 0, 5, 16, 16, 10, 0, 0,
         0, 0, 12, 15, 15, 12, 0, 0, 0, 4, 16, 6, 4, 16, 6, 0, 0, 8, 16, 10, 8, 16, 8, 0, 0, 1, 8, 12, 14, 12, 1, 0], 8,
    ),
    "diabetes": ([59, 2, 32.1, 101.0, 157, 93.2, 38.0, 4.0, 4.8598, 87], 151,
                 [36.0, 1.0, 19.6, 71.0, 250.0, 133.2, 97.0, 3.0, 4.5951, 92.0], 57),
}


def test_registry_lists_the_five_sets_with_their_sizes():
    assert list(BUNDLED) == list(SETS)
    for name, (task, shape, classes, _, _) in EXPECTED.items():
        info = BUNDLED[name]
        assert (info.task, (info.n_samples, info.n_features), info.classes) == (task, shape, classes)
        assert PROBLEMS[name].kind == "bundled" and PROBLEMS[name].task == task


@pytest.mark.parametrize("name", SETS)
def test_shape_task_classes_counts_and_checksum(name):
    task, shape, classes, counts, digest = EXPECTED[name]
    data = load_bundled(name)
    assert isinstance(data, Dataset)
    assert (data.name, data.seed, data.task, data.classes) == (name, None, task, classes)
    assert data.X.shape == shape and data.y.shape == (shape[0],)
    assert data.X.dtype == data.y.dtype == np.float64 and data.X.flags.c_contiguous and data.y.flags.c_contiguous
    assert data.n_classes == len(classes) and data.n_outputs == (len(classes) if task == "multiclass" else 1)
    if counts is not None:
        np.testing.assert_array_equal(np.unique(data.y), np.arange(len(classes)))
        assert np.bincount(data.y.astype(int)).tolist() == counts
    else:
        assert (data.y.min(), data.y.max(), data.y.sum()) == (25.0, 346.0, 67243.0)
    assert hashlib.sha256(data.X.tobytes() + data.y.tobytes()).hexdigest() == digest


@pytest.mark.parametrize("name", SETS)
def test_first_and_last_rows_are_the_files_decimals(name):
    first, y_first, last, y_last = ROWS[name]
    data = load_bundled(name)
    # float(text) of each decimal, compared bit for bit
    assert data.X[0].tobytes() == np.array(first, dtype=np.float64).tobytes() and data.y[0] == y_first
    assert data.X[-1].tobytes() == np.array(last, dtype=np.float64).tobytes() and data.y[-1] == y_last


@pytest.mark.parametrize("name", SETS)
def test_equals_scikit_learn_exactly(name):
    datasets = pytest.importorskip("sklearn.datasets")
    loader = {"diabetes": lambda: datasets.load_diabetes(scaled=False)}.get(name, getattr(datasets, f"load_{name}"))
    bunch = loader()
    data = load_bundled(name)
    assert data.X.tobytes() == np.ascontiguousarray(bunch.data, dtype=np.float64).tobytes()
    assert data.y.tobytes() == np.asarray(bunch.target, dtype=np.float64).tobytes()
    if name != "diabetes":
        assert data.classes == tuple(v.item() if hasattr(v, "item") else v for v in bunch.target_names)


def test_loads_are_fresh_copies():
    a = load_bundled("iris")
    a.X[0, 0] = -1.0
    a.y[0] = 2.0
    b = load_bundled("iris")
    assert b.X[0, 0] == 5.1 and b.y[0] == 0.0


def test_loading_is_fast():
    load_bundled("digits")  # warm the file cache
    times = []
    for _ in range(7):
        start = time.perf_counter()
        load_bundled("digits")
        times.append(time.perf_counter() - start)
    assert np.median(times) < 0.1  # about 2 ms when written


def test_loading_does_not_import_scikit_learn_or_pandas():
    code = ("import sys, dlbench.data as d; d.load_bundled('digits'); d.make_dataset('wine'); "
            "print(sorted(m for m in ('sklearn', 'pandas', 'numba') if m in sys.modules))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "[]"


def test_data_files_are_small_and_declared_as_package_data():
    package = Path(load_bundled.__code__.co_filename).parent
    shipped = [f"sets/{name}.npz" for name in SETS] + ["sets/README.md"]
    assert sum((package / f).stat().st_size for f in shipped) < 150_000
    pyproject = tomllib.loads((Path(__file__).parents[1] / "pyproject.toml").read_text())
    globs = pyproject["tool"]["setuptools"]["package-data"]["dlbench.data"]
    assert all(any(fnmatch.fnmatch(f, g) for g in globs) for f in shipped)


@pytest.mark.parametrize("name", SETS)
def test_make_dataset_gives_the_bundled_set_and_ignores_the_seed(name):
    data = make_dataset(name)
    again = make_dataset(name, seed=7)
    expected = load_bundled(name)
    for d in (data, again):
        assert d.X.tobytes() == expected.X.tobytes() and d.y.tobytes() == expected.y.tobytes()
        assert (d.name, d.seed, d.task, d.classes) == (name, None, expected.task, expected.classes)


@pytest.mark.parametrize(
    "kwargs, message",
    [
        ({"n_samples": 100}, "The 'n_samples' parameter of make_dataset for the bundled 'iris' data set must be "
                             "left unset (None): it has a fixed 150 samples. Got 100 instead."),
        ({"n_features": 4}, "The 'n_features' parameter of make_dataset for the bundled 'iris' data set must be "
                            "left unset (None): it has a fixed 4 features. Got 4 instead."),
        ({"noise": 0.0}, "The 'noise' parameter of make_dataset for the bundled 'iris' data set must be "
                         "left unset (None): a real data set has no noise option. Got 0.0 instead."),
        ({"n_classes": 3}, "The 'n_classes' parameter of make_dataset for the bundled 'iris' data set must be "
                           "left unset (None): it has a fixed 3 classes. Got 3 instead."),
        ({"seed": -1}, "The 'seed' parameter of make_dataset must be an integer >= 0. Got -1 instead."),
    ],
)
def test_make_dataset_bundled_rejects_synthetic_options(kwargs, message):
    with pytest.raises(ConfigError) as info:
        make_dataset("iris", **kwargs)
    assert str(info.value) == message and info.value.param == next(iter(kwargs))


def test_make_dataset_regression_set_has_no_classes_option():
    with pytest.raises(ConfigError) as info:
        make_dataset("diabetes", n_classes=2)
    assert str(info.value) == ("The 'n_classes' parameter of make_dataset for the bundled 'diabetes' data set must be "
                               "left unset (None): it is a regression data set. Got 2 instead.")


@pytest.mark.parametrize("name", ["nope", "Iris", "csv", "random", None, 3])
def test_load_bundled_bad_name(name):
    with pytest.raises(ConfigError) as info:
        load_bundled(name)
    assert str(info.value) == (
        "The 'name' parameter of load_bundled must be one of 'breast_cancer', 'iris', 'wine', 'digits', "
        f"'diabetes'. Got {name!r} instead."
    )


def test_split_and_standardize_keep_the_task_and_the_regression_target():
    data = load_bundled("diabetes")
    train, test = split(data, 0.25, seed=0)
    train_z, test_z = standardize(train, test)
    assert (train_z.task, test_z.task, train_z.classes) == ("regression", "regression", ())
    assert train_z.y is train.y and test_z.y is test.y  # the target is never standardised
    np.testing.assert_allclose(train_z.X.mean(axis=0), 0.0, atol=1e-12)
    assert sorted(np.r_[train.y, test.y].tolist()) == sorted(data.y.tolist())
