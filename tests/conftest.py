import numpy as np
import pytest

import dlbench


@pytest.fixture(scope="session")
def article_data():
    return dlbench.make_dataset("random", n_samples=100, n_features=10, seed=0)


@pytest.fixture(scope="session")
def glorot_params():
    return dlbench.init_params(10, 8, init="glorot", seed=0)


def random_problem(rng, n, d, h, scale=1.0):
    """Random data and parameters with no hidden pre-activation near ReLU's kink."""
    X = rng.normal(size=(n, d))
    y = (rng.random(n) < 0.5).astype(float)
    while True:
        theta = rng.normal(0.0, scale, d * h + 2 * h + 1)
        z1 = X @ theta[: d * h].reshape(d, h) + theta[d * h : d * h + h]
        if np.abs(z1).min() > 1e-3:
            return X, y, theta
