"""The network kernels against finite differences and against the NumPy reference."""

import numpy as np
import pytest
from conftest import random_problem

from dlbench.kernels.network import LOSS_BCE, LOSS_MSE, loss_grad, sample_loss
from dlbench.reference import network as ref

SHAPES = [(1, 1, 1), (1, 4, 3), (7, 1, 2), (5, 3, 1), (20, 10, 8), (33, 6, 5)]
LOSSES = {"bce": LOSS_BCE, "mse": LOSS_MSE}


def kernel(theta, X, y, h, loss):
    n = X.shape[0]
    grad = np.empty_like(theta)
    value, acc = loss_grad(theta, X, y, np.arange(n), 0, n, LOSSES[loss], grad, np.empty(h), True)
    return value, acc, grad


def central_differences(theta, X, y, h, loss, step=1e-6):
    fd = np.empty_like(theta)
    for k in range(theta.size):
        up, down = theta.copy(), theta.copy()
        up[k] += step
        down[k] -= step
        fd[k] = (ref.loss_grad(up, X, y, h, loss)[0] - ref.loss_grad(down, X, y, h, loss)[0]) / (2 * step)
    return fd


@pytest.mark.parametrize("loss", ["bce", "mse"])
@pytest.mark.parametrize("n,d,h", SHAPES)
def test_gradient_matches_finite_differences(loss, n, d, h):
    rng = np.random.default_rng(1000 * n + 10 * d + h)
    for _ in range(3):
        X, y, theta = random_problem(rng, n, d, h, scale=0.7)
        _, _, grad = kernel(theta, X, y, h, loss)
        fd = central_differences(theta, X, y, h, loss)
        rel = np.linalg.norm(grad - fd) / max(np.linalg.norm(grad), np.linalg.norm(fd), 1e-300)
        assert rel < 1e-6, rel


@pytest.mark.parametrize("loss", ["bce", "mse"])
@pytest.mark.parametrize("n,d,h", SHAPES)
def test_kernel_matches_numpy_reference(loss, n, d, h):
    rng = np.random.default_rng(n + d + h)
    X, y, theta = random_problem(rng, n, d, h)
    value, acc, grad = kernel(theta, X, y, h, loss)
    r_value, r_acc, r_grad = ref.loss_grad(theta, X, y, h, loss)
    assert value == pytest.approx(r_value, rel=1e-13)
    assert acc == r_acc
    np.testing.assert_allclose(grad, r_grad, rtol=1e-12, atol=1e-15)


def test_mse_is_the_articles_J():
    rng = np.random.default_rng(5)
    X, y, theta = random_problem(rng, 9, 3, 2)
    value, _, _ = kernel(theta, X, y, 2, "mse")
    _, z = ref.forward(theta, X, 2)
    p = 1 / (1 + np.exp(-z))
    assert value == pytest.approx(np.sum((y - p) ** 2) / (2 * len(y)), rel=1e-14)


@pytest.mark.parametrize("z", [-1000.0, -40.0, -1.0, 0.0, 1.0, 40.0, 1000.0])
@pytest.mark.parametrize("y", [0.0, 1.0])
def test_bce_is_stable_for_any_logit(z, y):
    loss, dz = sample_loss(z, y, LOSS_BCE)
    assert np.isfinite(loss) and np.isfinite(dz)
    exact = np.logaddexp(0.0, -z) if y == 1.0 else np.logaddexp(0.0, z)  # softplus(z) - y z, no cancellation
    assert loss == pytest.approx(exact, rel=1e-15, abs=1e-300)
    assert -1.0 <= dz <= 1.0


def test_accuracy_counts_positive_logits_as_class_one():
    X = np.array([[1.0], [-1.0]])
    y = np.array([1.0, 1.0])
    theta = np.array([1.0, 0.0, 1.0, 0.0])  # W1, b1, W2, b2 with H=1: z = relu(x)
    _, acc, _ = kernel(theta, X, y, 1, "bce")
    assert acc == 0.5  # relu(-1) = 0 -> logit 0 -> predicted 0
