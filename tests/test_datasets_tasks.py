"""Dataset's task, classes, n_classes and n_outputs, and splits and scaling for every task."""

import numpy as np
import pytest

from dlbench.data import TASKS, Dataset, make_dataset, split, standardize
from dlbench.errors import ConfigError


def _data(task, n=12, classes=None):
    X = np.ascontiguousarray(np.c_[np.arange(n, dtype=float), np.linspace(-3.0, 5.0, n)])
    y = {"binary": np.arange(n) % 2, "multiclass": np.arange(n) % 3, "regression": np.linspace(100.0, 200.0, n)}[task]
    return Dataset(X, np.ascontiguousarray(y, dtype=np.float64), "toy", None, classes, task)


def test_tasks_are_the_models():
    spec = pytest.importorskip("dlbench.model.spec")  # the network's tasks (being written alongside)
    assert TASKS == spec.TASKS == ("binary", "multiclass", "regression")


def test_binary_is_the_default_and_unchanged():
    data = Dataset(np.zeros((3, 2)), np.array([0.0, 1.0, 1.0]))
    assert (data.task, data.classes, data.n_classes, data.n_outputs) == ("binary", (0, 1), 2, 1)
    assert Dataset(np.zeros((2, 1)), np.zeros(2), "pets", None, ("cat", "dog")).classes == ("cat", "dog")


def test_multiclass_and_regression():
    m = _data("multiclass", classes=("r", "g", "b"))
    assert (m.task, m.classes, m.n_classes, m.n_outputs) == ("multiclass", ("r", "g", "b"), 3, 3)
    r = _data("regression")
    assert (r.task, r.classes, r.n_classes, r.n_outputs) == ("regression", (), 0, 1)
    assert _data("multiclass", classes=[0, 1, 2]).classes == (0, 1, 2)  # a list is kept as a tuple


@pytest.mark.parametrize(
    "task, classes, message",
    [
        ("classification", None,
         "The 'task' parameter of Dataset must be one of 'binary', 'multiclass', 'regression'. Got 'classification' "
         "instead."),
        ("multiclass", None,
         "The 'classes' parameter of Dataset must be the K >= 2 class values of a multiclass data set. Got None "
         "instead."),
        ("multiclass", ("a",),
         "The 'classes' parameter of Dataset for the 'multiclass' task must be at least two class values. Got ('a',) "
         "instead."),
        ("binary", ("a", "b", "c"),
         "The 'classes' parameter of Dataset for the 'binary' task must be two class values. Got ('a', 'b', 'c') "
         "instead."),
        ("regression", (0, 1),
         "The 'classes' parameter of Dataset for the 'regression' task must be () (a regression data set has no "
         "classes). Got (0, 1) instead."),
        ("binary", "ab",
         "The 'classes' parameter of Dataset must be a tuple of class values. Got 'ab' instead."),
    ],
)
def test_bad_task_or_classes(task, classes, message):
    with pytest.raises(ConfigError) as info:
        Dataset(np.zeros((2, 1)), np.zeros(2), "toy", None, classes, task)
    assert str(info.value) == message and info.value.param == message.split("'")[1]


@pytest.mark.parametrize("task", TASKS)
def test_subset_and_split_keep_task_and_classes(task):
    classes = {"binary": ("a", "b"), "multiclass": ("x", "y", "z"), "regression": None}[task]
    data = _data(task, classes=classes)
    part = data.subset([5, 0, 7])
    assert (part.task, part.classes, part.n_outputs) == (data.task, data.classes, data.n_outputs)
    np.testing.assert_array_equal(part.y, data.y[[5, 0, 7]])
    train, test = split(data, 0.25, seed=1)
    for d in (train, test):
        assert (d.task, d.classes, d.n_classes, d.n_outputs) == (data.task, data.classes, data.n_classes, data.n_outputs)
    rows = np.r_[train.X[:, 0], test.X[:, 0]].astype(int)
    np.testing.assert_array_equal(np.r_[train.y, test.y], data.y[rows])


@pytest.mark.parametrize("task", TASKS)
def test_standardize_scales_features_only(task):
    data = _data(task, classes=("x", "y", "z") if task == "multiclass" else None)
    train, test = split(data, 0.25, seed=0)
    train_z, test_z = standardize(train, test)
    assert train_z.y is train.y and test_z.y is test.y  # the target, a regression one included, is untouched
    assert (train_z.task, test_z.classes) == (task, data.classes)
    mean, std = train.X.mean(axis=0), train.X.std(axis=0)
    np.testing.assert_array_equal(test_z.X, (test.X - mean) / std)


def test_split_of_a_multiclass_problem_is_not_stratified():
    data = make_dataset("blobs", 9, 2, seed=0, n_classes=3)
    counts = {tuple(np.bincount(split(data, 1 / 3, seed=s)[1].y.astype(int), minlength=3)) for s in range(40)}
    assert (1, 1, 1) in counts and len(counts) > 1
