"""The multiclass and regression synthetic problems, the problem registry and problem_table.

Oracles: each generator is re-drawn here from ``numpy.random.default_rng(seed)`` in the order its
docstring states, with plain NumPy; geometry is checked from the definitions (radius and angle of
the spiral arms, cluster spread); the binary problems of dlbench 0.1 against checksums of their
output computed with the code of commit c87e247, before this change.
"""

import hashlib
import math

import numpy as np
import pytest

from dlbench.data import BLOB_BOX, PROBLEMS, SPIRAL_TURNS, TEACHER_HIDDEN, make_dataset, problem_table
from dlbench.errors import ConfigError

MULTICLASS = ("blobs", "spirals")
NEW = ("blobs", "spirals", "regression")


def _h(a):
    return hashlib.sha256(np.ascontiguousarray(a).tobytes()).hexdigest()[:16]


# SHA-256 (first 16 hex digits) of X and y from dlbench at commit c87e247 (before the multiclass
# work), for make_dataset(problem, n, d, seed, noise). X is compared bit for bit except for circles,
# whose cos/sin may differ in the last bit between CPUs (NumPy's SIMD paths): X rounded to 1e-10.
GOLDEN = [
    ("random", 7, 2, 3, 0.25, "cd2da6c5555dff66", "760ead88d15d202b"),
    ("random", 101, 5, 42, 0.5, "4f27d8c83d50aa52", "ef21ebc1ef9f0609"),
    ("teacher", 7, 2, 3, 0.25, "cd2da6c5555dff66", "b747129375016275"),
    ("teacher", 101, 5, 42, 0.5, "4f27d8c83d50aa52", "4c5518ebfc8a8853"),
    ("linear", 7, 2, 3, 0.25, "c736ff78d017532b", "7fc0041ebb3eee17"),
    ("linear", 101, 5, 42, 0.5, "c8ab82eb6f8aebf6", "dcde2342899efb21"),
    ("xor", 7, 2, 3, 0.25, "adc3b835a1fc92cf", "6578ec217d627ee7"),
    ("xor", 101, 5, 42, 0.5, "ffecee2ef2d7b2f2", "897ab61b9de12004"),
    ("circles", 7, 2, 3, 0.25, "d9b083252a04d5da", "15406ee8acea72ee"),
    ("circles", 101, 5, 42, 0.5, "ddf9f1830c509c5a", "2e1054acb24f5eb5"),
]


@pytest.mark.parametrize("problem, n, d, seed, noise, x_hash, y_hash", GOLDEN)
def test_binary_problems_keep_their_numbers(problem, n, d, seed, noise, x_hash, y_hash):
    data = make_dataset(problem, n, d, seed, noise)
    assert _h(np.round(data.X, 10) if problem == "circles" else data.X) == x_hash
    assert _h(data.y) == y_hash


@pytest.mark.parametrize("problem", ["random", "teacher", "linear", "xor", "circles"])
def test_unset_options_are_the_old_defaults(problem):
    a = make_dataset(problem)
    b = make_dataset(problem, 100, 10, 0, 0.0)
    assert a.X.tobytes() == b.X.tobytes() and a.y.tobytes() == b.y.tobytes()


# --- blobs ---------------------------------------------------------------------------------------


def _balanced(rng, n, k):
    return rng.permutation(np.arange(n) % k)


@pytest.mark.parametrize("n, d, k, noise", [(30, 2, 3, 1.0), (101, 5, 4, 0.3), (2, 1, 2, 0.0), (50, 3, 7, 2.5)])
def test_blobs_is_the_documented_draw(n, d, k, noise):
    for seed in range(3):
        data = make_dataset("blobs", n, d, seed=seed, noise=noise, n_classes=k)
        rng = np.random.default_rng(seed)
        centres = rng.uniform(-10.0, 10.0, (k, d))
        y = _balanced(rng, n, k)
        X = centres[y] + noise * rng.standard_normal((n, d))
        assert data.X.tobytes() == X.tobytes() and data.y.tobytes() == y.astype(np.float64).tobytes()
        assert (data.task, data.classes, data.n_classes, data.n_outputs) == ("multiclass", tuple(range(k)), k, k)
        assert (data.name, data.seed) == ("blobs", seed)
    assert BLOB_BOX == 10.0


def test_blobs_defaults_three_unit_variance_clusters_of_equal_size():
    data = make_dataset("blobs", 3001, 4, seed=0)
    assert data.classes == (0, 1, 2) and np.bincount(data.y.astype(int)).tolist() == [1001, 1000, 1000]
    centres = np.array([data.X[data.y == c].mean(axis=0) for c in range(3)])
    spread = data.X - centres[data.y.astype(int)]
    assert abs(spread.std() - 1.0) < 0.02
    assert np.all(np.abs(centres) < 10.2)
    # noise only scales the spread around the same centres
    tight = make_dataset("blobs", 3001, 4, seed=0, noise=0.0)
    np.testing.assert_array_equal(tight.y, data.y)
    assert len(np.unique(tight.X, axis=0)) == 3


# --- spirals -------------------------------------------------------------------------------------


@pytest.mark.parametrize("n, d, k, noise", [(30, 2, 3, 0.0), (101, 5, 4, 0.1), (2, 2, 2, 0.0)])
def test_spirals_is_the_documented_draw(n, d, k, noise):
    for seed in range(3):
        data = make_dataset("spirals", n, d, seed=seed, noise=noise, n_classes=k)
        rng = np.random.default_rng(seed)
        y = _balanced(rng, n, k)
        t = rng.random(n)
        distractors = 0.1 * rng.standard_normal((n, d - 2))
        added = noise * rng.standard_normal((n, d))
        angle = 2 * np.pi * (y / k + SPIRAL_TURNS * t)
        X = np.c_[t * np.cos(angle), t * np.sin(angle), distractors] + added
        np.testing.assert_array_equal(data.y, y)
        np.testing.assert_allclose(data.X, X, rtol=0, atol=1e-15)
        assert (data.task, data.classes, data.n_outputs) == ("multiclass", tuple(range(k)), k)


def test_spirals_geometry_arms_are_evenly_spaced_and_wind_one_turn():
    k = 5
    data = make_dataset("spirals", 2000, 4, seed=1, n_classes=k)
    r = np.hypot(data.X[:, 0], data.X[:, 1])
    assert r.min() >= 0 and r.max() < 1
    # angle - one turn per unit radius, modulo a full turn, is the arm's start angle 2πk/K
    start = np.mod(np.arctan2(data.X[:, 1], data.X[:, 0]) - 2 * np.pi * r, 2 * np.pi)
    expected = 2 * np.pi * data.y / k
    np.testing.assert_allclose(np.angle(np.exp(1j * (start - expected))), 0.0, atol=1e-9)
    assert abs(data.X[:, 2:].std() - 0.1) < 0.005
    assert np.bincount(data.y.astype(int)).tolist() == [400] * 5
    assert SPIRAL_TURNS == 1.0


def test_spirals_noise_is_added_to_every_feature():
    clean = make_dataset("spirals", 4000, 3, seed=2)
    noisy = make_dataset("spirals", 4000, 3, seed=2, noise=0.2)
    np.testing.assert_array_equal(noisy.y, clean.y)
    delta = noisy.X - clean.X
    assert abs(delta.mean()) < 0.01 and abs(delta.std() - 0.2) < 0.01


# --- regression ----------------------------------------------------------------------------------


def _teacher(seed, n, d):
    rng = np.random.default_rng(seed)
    X = rng.standard_normal((n, d))
    W1 = rng.standard_normal((d, TEACHER_HIDDEN)) / math.sqrt(d)
    b1 = rng.standard_normal(TEACHER_HIDDEN)
    v = rng.standard_normal(TEACHER_HIDDEN)
    return rng, X, W1, b1, v


@pytest.mark.parametrize("n, d, noise", [(200, 1, 0.0), (200, 3, 0.5), (57, 10, 0.1)])
def test_regression_is_a_tanh_teacher_standardised_plus_noise(n, d, noise):
    for seed in range(3):
        data = make_dataset("regression", n, d, seed=seed, noise=noise)
        rng, X, W1, b1, v = _teacher(seed, n, d)
        z = np.tanh(X @ W1 + b1) @ v
        clean = (z - z.mean()) / z.std()
        y = clean + noise * rng.standard_normal(n)
        assert data.X.tobytes() == X.tobytes()
        np.testing.assert_allclose(data.y, y, rtol=0, atol=1e-12)
        assert (data.task, data.classes, data.n_classes, data.n_outputs) == ("regression", (), 0, 1)
        # a tanh network with the teacher's hidden layer and output v / std, b2 = -mean / std fits it exactly
        fitted = np.tanh(X @ W1 + b1) @ (v / z.std()) - z.mean() / z.std()
        np.testing.assert_allclose(fitted, clean, atol=1e-12)


def test_regression_clean_target_is_standardised_and_noise_only_adds():
    clean = make_dataset("regression", 5000, 4, seed=3)
    assert abs(clean.y.mean()) < 1e-12 and abs(clean.y.std() - 1.0) < 1e-12
    noisy = make_dataset("regression", 5000, 4, seed=3, noise=0.7)
    assert noisy.X.tobytes() == clean.X.tobytes()
    assert abs((noisy.y - clean.y).std() - 0.7) < 0.02


def test_regression_of_one_sample_is_zero():
    data = make_dataset("regression", 1, 3, seed=0)
    assert data.y.tolist() == [0.0]


# --- every new problem ---------------------------------------------------------------------------


@pytest.mark.parametrize("problem", NEW)
def test_new_problems_are_deterministic_per_seed_and_well_formed(problem):
    a = make_dataset(problem, 60, 4, seed=3)
    b = make_dataset(problem, 60, 4, seed=3)
    assert a.X.tobytes() == b.X.tobytes() and a.y.tobytes() == b.y.tobytes()
    c = make_dataset(problem, 60, 4, seed=4)
    assert not np.array_equal(a.X, c.X) and not np.array_equal(a.y, c.y)
    assert a.X.dtype == a.y.dtype == np.float64 and a.X.flags.c_contiguous and a.y.flags.c_contiguous
    assert a.X.shape == (60, 4) and np.all(np.isfinite(a.X)) and np.all(np.isfinite(a.y))
    assert a.task == PROBLEMS[problem].task


@pytest.mark.parametrize("problem", MULTICLASS)
@pytest.mark.parametrize("n, k", [(2, 2), (7, 3), (10, 10), (11, 4)])
def test_multiclass_problems_are_balanced(problem, n, k):
    data = make_dataset(problem, n, 2, seed=0, n_classes=k)
    counts = np.bincount(data.y.astype(int), minlength=k)
    assert counts.tolist() == [n // k + (c < n % k) for c in range(k)]


@pytest.mark.parametrize(
    "kwargs, message",
    [
        ({"problem": "teacher", "n_classes": 3},
         "The 'n_classes' parameter of make_dataset for the 'teacher' problem must be None (only 'blobs' and "
         "'spirals' take a number of classes). Got 3 instead."),
        ({"problem": "regression", "n_classes": 2},
         "The 'n_classes' parameter of make_dataset for the 'regression' problem must be None (only 'blobs' and "
         "'spirals' take a number of classes). Got 2 instead."),
        ({"problem": "blobs", "n_classes": 1},
         "The 'n_classes' parameter of make_dataset for the 'blobs' problem must be an integer >= 2. Got 1 instead."),
        ({"problem": "spirals", "n_classes": 2.0},
         "The 'n_classes' parameter of make_dataset for the 'spirals' problem must be an integer >= 2. Got 2.0 instead."),
        ({"problem": "blobs", "n_classes": True},
         "The 'n_classes' parameter of make_dataset for the 'blobs' problem must be an integer >= 2. Got True instead."),
        ({"problem": "blobs", "n_samples": 4, "n_classes": 5},
         "The 'n_classes' parameter of make_dataset for the 'blobs' problem must be at most n_samples (4), so that "
         "every class has a sample. Got 5 instead."),
        ({"problem": "spirals", "n_samples": 2},
         "The 'n_classes' parameter of make_dataset for the 'spirals' problem must be at most n_samples (2), so that "
         "every class has a sample. Got 3 instead."),
        ({"problem": "spirals", "n_features": 1},
         "The 'n_features' parameter of make_dataset for the 'spirals' problem must be an integer >= 2 (its labels "
         "depend on the first two features). Got 1 instead."),
        ({"problem": "blobs", "noise": -0.5},
         "The 'noise' parameter of make_dataset for the 'blobs' problem must be a noise standard deviation >= 0 "
         "(finite). Got -0.5 instead."),
        ({"problem": "regression", "noise": float("inf")},
         "The 'noise' parameter of make_dataset for the 'regression' problem must be a noise standard deviation >= 0 "
         "(finite). Got inf instead."),
        ({"problem": "spirals", "noise": "0.1"},
         "The 'noise' parameter of make_dataset for the 'spirals' problem must be a noise standard deviation >= 0 "
         "(finite). Got '0.1' instead."),
        ({"problem": "regression", "n_samples": 0},
         "The 'n_samples' parameter of make_dataset must be an integer >= 1. Got 0 instead."),
        ({"problem": ["blobs"]},
         "The 'problem' parameter of make_dataset must be one of 'random', 'teacher', 'linear', 'xor', 'circles', "
         "'blobs', 'spirals', 'regression', 'breast_cancer', 'iris', 'wine', 'digits', 'diabetes'. Got ['blobs'] "
         "instead."),
    ],
)
def test_make_dataset_bad_input_messages(kwargs, message):
    with pytest.raises(ConfigError) as info:
        make_dataset(**kwargs)
    assert str(info.value) == message
    assert info.value.param == message.split("'")[1]


def test_regression_noise_may_exceed_one_and_blobs_noise_defaults_to_one():
    assert make_dataset("regression", 10, 2, noise=3.0).y.shape == (10,)
    a, b = make_dataset("blobs", 20, 2, seed=5), make_dataset("blobs", 20, 2, seed=5, noise=1.0)
    assert a.X.tobytes() == b.X.tobytes()


# --- the registry and its table ------------------------------------------------------------------


def test_problem_table_has_one_row_per_problem():
    table = problem_table()
    assert list(table.columns) == ["name", "kind", "task", "samples", "features", "classes", "description"]
    assert table["name"].tolist() == list(PROBLEMS)
    assert str(table["samples"].dtype) == str(table["features"].dtype) == "Int64" and table["classes"].dtype == np.int64
    rows = {r["name"]: r for r in table.to_dict("records")}
    assert (rows["random"]["kind"], rows["random"]["task"], rows["random"]["classes"]) == ("synthetic", "binary", 2)
    synthetic = table[table["kind"] == "synthetic"]
    assert synthetic["name"].tolist() == ["random", "teacher", "linear", "xor", "circles", "blobs", "spirals", "regression"]
    assert synthetic["samples"].isna().all() and synthetic["features"].isna().all()
    assert (rows["blobs"]["task"], rows["blobs"]["classes"]) == ("multiclass", 3)
    assert (rows["regression"]["task"], rows["regression"]["classes"]) == ("regression", 0)
    assert [rows["digits"][c] for c in ("kind", "task", "samples", "features", "classes")] == [
        "bundled", "multiclass", 1797, 64, 10]
    assert [rows["diabetes"][c] for c in ("task", "samples", "features", "classes")] == ["regression", 442, 10, 0]
    assert [rows["breast_cancer"][c] for c in ("task", "samples", "features", "classes")] == ["binary", 569, 30, 2]
    assert all(r["description"] == PROBLEMS[name].doc for name, r in rows.items())


@pytest.mark.parametrize("problem", list(PROBLEMS))
def test_registry_matches_what_make_dataset_gives(problem):
    info = PROBLEMS[problem]
    data = make_dataset(problem) if info.kind == "bundled" else make_dataset(problem, 30, 3, seed=0)
    assert data.task == info.task and info.kind in ("synthetic", "bundled")
    expected_classes = 0 if info.task == "regression" else (info.n_classes or 2)
    assert data.n_classes == expected_classes


def test_problem_names_without_numpy_match_the_registry():
    from dlbench.data import PROBLEMS
    from dlbench.data.names import BUNDLED_NAMES, PROBLEM_NAMES

    assert PROBLEM_NAMES == tuple(PROBLEMS)
    assert BUNDLED_NAMES == tuple(n for n, p in PROBLEMS.items() if p.kind == "bundled")
