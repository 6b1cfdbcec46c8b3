"""load_csv with multiclass and regression targets (dlbench/data/csv.py).

Expected labels, classes and messages are written out by hand from the rules in load_csv's
docstring; the binary behaviour of dlbench 0.1 is covered in tests/test_data.py.
"""

import numpy as np
import pytest

from dlbench.data import load_csv
from dlbench.errors import ConfigError


def _csv(tmp_path, cells, name="data.csv"):
    """A file with one feature (the row number) and the target column ``y`` holding ``cells``."""
    path = tmp_path / name
    path.write_text("x,y\n" + "".join(f"{i},{c}\n" for i, c in enumerate(cells)))
    return path


# --- what is inferred ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    "cells, classes, y",
    [
        (["c", "a", "b", "a", "c", "b"], ("a", "b", "c"), [2, 0, 1, 0, 2, 1]),
        ([" dog", "cat ", "bird", "cat", "dog", "bird"], ("bird", "cat", "dog"), [2, 1, 0, 1, 2, 0]),
        (["10", "2", "5", "2", "10", "5"], (2, 5, 10), [2, 0, 1, 0, 2, 1]),  # numeric order, not string order
        (["-1", "0", "3", "3", "0", "-1"], (-1, 0, 3), [0, 1, 2, 2, 1, 0]),
        (["1.0", "2", "3.0", "1", "2.0", "3"], (1.0, 2.0, 3.0), [0, 1, 2, 0, 1, 2]),  # integral floats are labels
        (["B", "b", "a", "b", "B", "a"], ("B", "a", "b"), [0, 2, 1, 2, 0, 1]),
        (["1", "2", "x", "x", "2", "1"], ("1", "2", "x"), [0, 1, 2, 2, 1, 0]),  # not all numbers: strings
    ],
)
def test_three_or_more_labels_are_multiclass_in_sorted_order(tmp_path, cells, classes, y):
    data = load_csv(_csv(tmp_path, cells), "y")
    assert (data.task, data.classes, data.n_classes, data.n_outputs) == ("multiclass", classes, len(classes), len(classes))
    assert [type(c) for c in data.classes] == [type(c) for c in classes]
    np.testing.assert_array_equal(data.y, y)
    assert data.y.dtype == np.float64 and data.y.flags.c_contiguous


def test_non_integer_numbers_are_a_regression_target_kept_bit_for_bit(tmp_path):
    values = np.random.default_rng(0).standard_normal(12) * 1e3
    data = load_csv(_csv(tmp_path, [repr(float(v)) for v in values]), "y")
    assert (data.task, data.classes, data.n_classes, data.n_outputs) == ("regression", (), 0, 1)
    assert data.y.tobytes() == values.tobytes()
    np.testing.assert_array_equal(data.X[:, 0], np.arange(12))


@pytest.mark.parametrize(
    "cells, task, classes",
    [
        (["0.5", "1.5", "0.5"], "binary", (0.5, 1.5)),  # two values are binary, numbers or not
        (["3", "7", "7"], "binary", (3, 7)),
        (["1.5", "2", "3", "1.5"], "regression", ()),  # three numbers, one not an integer
        (["1e-3", "2", "3"], "regression", ()),
    ],
)
def test_inferred_task(tmp_path, cells, task, classes):
    data = load_csv(_csv(tmp_path, cells), "y")
    assert (data.task, data.classes) == (task, classes)


# --- an explicit task ----------------------------------------------------------------------------


def test_explicit_multiclass_of_two_classes_has_two_outputs(tmp_path):
    data = load_csv(_csv(tmp_path, ["no", "yes", "yes", "no"]), "y", task="multiclass")
    assert (data.task, data.classes, data.n_outputs) == ("multiclass", ("no", "yes"), 2)
    np.testing.assert_array_equal(data.y, [0, 1, 1, 0])


def test_explicit_multiclass_takes_any_values(tmp_path):
    data = load_csv(_csv(tmp_path, ["0.5", "2.25", "0.5", "-1.5", "2.25", "-1.5"]), "y", task="multiclass")
    assert data.classes == (-1.5, 0.5, 2.25)
    np.testing.assert_array_equal(data.y, [1, 2, 1, 0, 2, 0])


@pytest.mark.parametrize("cells", [["3", "7", "7"], ["1", "2", "3", "4"], ["0.25", "0.25"]])
def test_explicit_regression_takes_the_numbers_as_they_are(tmp_path, cells):
    data = load_csv(_csv(tmp_path, cells), "y", task="regression")
    assert (data.task, data.classes) == ("regression", ())
    np.testing.assert_array_equal(data.y, [float(c) for c in cells])


def test_explicit_binary_is_dlbench_01s_rule(tmp_path):
    data = load_csv(_csv(tmp_path, ["True", "false", "TRUE"]), "y", task="binary")
    assert (data.task, data.classes) == ("binary", (False, True))
    np.testing.assert_array_equal(data.y, [1, 0, 1])


# --- bad input -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "cells, task, message",
    [
        # regression: numbers only, finite, none missing
        (["1.5", "cat", "2"], "regression",
         "{where} has a non-numeric value 'cat' in the target column 'y' at line 3; a regression target must hold "
         "finite numbers."),
        (["true", "false", "true"], "regression",
         "{where} has a non-numeric value 'true' in the target column 'y' at line 2; a regression target must hold "
         "finite numbers."),
        (["1.5", "2", "-inf"], "regression",
         "{where} has an infinite value '-inf' in the target column 'y' at line 4; a regression target must hold "
         "finite numbers."),
        (["1.5", "2.5", "inf", "3"], None,
         "{where} has an infinite value 'inf' in the target column 'y' at line 4; a regression target must hold "
         "finite numbers."),
        (["1.5", "NaN", "2"], "regression",
         "{where} has a missing value (empty or NaN) in the target column 'y' at line 3."),
        (["1.5", "", "2"], None,
         "{where} has a missing value (empty or NaN) in the target column 'y' at line 3."),
        # multiclass: at least two classes, each of at least two samples
        (["a", "a", "b", "b", "c"], "multiclass",
         "The target column 'y' of the CSV file {file} has a class with a single sample: 'c' at line 6; every class "
         "of a multiclass target needs at least two samples."),
        (["a", "b", "c"], None,
         "The target column 'y' of the CSV file {file} has 3 classes with a single sample, the first 'a' at line 2; "
         "every class of a multiclass target needs at least two samples."),
        (["1", "2", "2", "3", "1", "4"], None,
         "The target column 'y' of the CSV file {file} has 2 classes with a single sample, the first 3 at line 5; "
         "every class of a multiclass target needs at least two samples (for a real-valued target, pass "
         "task='regression')."),
        (["a", "a"], "multiclass",
         "The target column 'y' of the CSV file {file} must hold at least two distinct values; it has 1: 'a'."),
        (["4", "4", "4"], None,
         "The target column 'y' of the CSV file {file} must hold at least two distinct values; it has 1: 4."),
        (["a", "b", "c"], "binary",
         "The target column 'y' of the CSV file {file} must hold exactly two distinct values; it has 3: 'a', 'b', "
         "'c'."),
        (["a", "a"], "binary",
         "The target column 'y' of the CSV file {file} must hold exactly two distinct values; it has 1: 'a'."),
    ],
)
def test_bad_targets(tmp_path, cells, task, message):
    path = _csv(tmp_path, cells)
    with pytest.raises(ConfigError) as info:
        load_csv(path, "y", task=task)
    assert str(info.value) == message.format(where=f"The CSV file {str(path)!r}", file=repr(str(path)))


@pytest.mark.parametrize("task", ["classification", "Binary", "", 2, True])
def test_bad_task(tmp_path, task):
    path = _csv(tmp_path, ["a", "b"])
    with pytest.raises(ConfigError) as info:
        load_csv(path, "y", task=task)
    assert str(info.value) == (
        "The 'task' parameter of load_csv must be one of 'binary', 'multiclass', 'regression' or None (infer it). "
        f"Got {task!r} instead."
    )
    assert info.value.param == "task"


def test_bad_task_is_reported_before_the_file_is_read(tmp_path):
    with pytest.raises(ConfigError, match="'task' parameter of load_csv"):
        load_csv(tmp_path / "missing.csv", "y", task="nope")
