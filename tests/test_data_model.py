import numpy as np
import pytest

import dlbench
from dlbench.errors import ConfigError


def test_dataset_is_the_articles_and_deterministic():
    a = dlbench.make_dataset("random", n_samples=100, n_features=10, seed=0)
    b = dlbench.make_dataset("random", n_samples=100, n_features=10, seed=0)
    assert a.X.shape == (100, 10) and a.y.shape == (100,)
    assert a.X.dtype == np.float64 and a.y.dtype == np.float64
    assert a.X.min() >= 0.0 and a.X.max() < 1.0
    assert set(np.unique(a.y)) == {0.0, 1.0}
    assert a.X.tobytes() == b.X.tobytes() and a.y.tobytes() == b.y.tobytes()
    c = dlbench.make_dataset("random", n_samples=100, n_features=10, seed=1)
    assert not np.array_equal(a.X, c.X)


def test_dataset_draws_from_default_rng_in_order():
    rng = np.random.default_rng(7)
    X = rng.random((5, 3))
    y = rng.integers(0, 2, 5).astype(float)
    d = dlbench.make_dataset("random", 5, 3, seed=7)
    np.testing.assert_array_equal(d.X, X)
    np.testing.assert_array_equal(d.y, y)


@pytest.mark.parametrize("kwargs", [{"n_samples": 0}, {"n_features": 0}, {"seed": -1}, {"problem": "nope"}])
def test_dataset_bad_input(kwargs):
    with pytest.raises(ConfigError):
        dlbench.make_dataset(**kwargs)


def test_init_params_shapes_and_schemes():
    p = dlbench.init_params(10, 8, init="uniform", seed=0)
    assert p.W1.shape == (10, 8) and p.b1.shape == (8,) and p.W2.shape == (8,) and isinstance(p.b2, float)
    v = p.to_vector()
    assert v.min() >= 0 and v.max() < 1
    g = dlbench.init_params(10, 8, init="glorot", seed=0)
    assert np.abs(g.W1).max() <= np.sqrt(6 / 18) and np.abs(g.W2).max() <= np.sqrt(6 / 9)
    h = dlbench.init_params(10, 8, init="he", seed=0)
    assert np.all(h.b1 == 0) and h.b2 == 0.0
    assert dlbench.init_params(10, 8, init="he", seed=0).to_vector().tobytes() == h.to_vector().tobytes()


def test_params_vector_round_trip():
    p = dlbench.init_params(3, 2, init="glorot", seed=3)
    q = dlbench.Params.from_vector(p.to_vector(), 3, 2)
    np.testing.assert_array_equal(p.to_vector(), q.to_vector())
    assert p.to_vector().size == 3 * 2 + 2 * 2 + 1


@pytest.mark.parametrize(
    "kwargs",
    [{"init": "zeros"}, {"hidden": -1}, {"hidden": "8,0"}, {"hidden": "a,b"}, {"hidden": [8] * 17}, {"hidden": 65537},
     {"n_features": 0}, {"n_outputs": 0}],
)
def test_init_params_bad_input(kwargs):
    args = {"n_features": 3, "hidden": 2, **kwargs}
    with pytest.raises(ConfigError):
        dlbench.init_params(**args)
