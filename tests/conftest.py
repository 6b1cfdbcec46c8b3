import numpy as np
import pytest

import dlbench
import splitmix_oracle


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


@pytest.fixture
def reference_orders_from_oracle(monkeypatch):
    """Give :func:`dlbench.reference.training.reference_train` its sample orders from the independent
    pure-Python oracle (``splitmix_oracle.py``) instead of the kernel's own generator, so comparing
    the kernel with the reference also checks the kernel's shuffle. Returns the list of
    ``(seed, n_samples, epochs)`` the reference asked for (empty in full-batch mode)."""
    import dlbench.reference.training as reference

    calls = []

    def orders(seed, n_samples, epochs):
        calls.append((int(seed), int(n_samples), int(epochs)))
        orders = splitmix_oracle.epoch_orders(int(seed), int(n_samples), int(epochs))
        return np.array(orders, dtype=np.int64).reshape(epochs, n_samples)

    monkeypatch.setattr(reference, "epoch_orders", orders)  # raises if the reference stops using it
    return calls
