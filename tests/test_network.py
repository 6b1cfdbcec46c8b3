"""The generic network kernel against finite differences, the NumPy reference and hand-made cases.

Every kernel layout is exercised directly: the whole set (:func:`full_loss_grad`, from the
feature-major copy made once per run) and a gathered mini-batch (:func:`batch_loss_grad`), each
with the kernel's own blocked loops and with BLAS for every product (when NumPy's OpenBLAS is
found), over widths that hit the blocked and the remainder paths of the loops and batches across
the sample tile. Kinks and saturation are tested with inputs made by hand and expected values
worked out by hand, not by either implementation.
"""

import math

import numpy as np
import pytest

from dlbench.kernels.blas import find_dgemm
from dlbench.kernels.network import TILE, batch_loss_grad, full_loss_grad, stream_loss_grad, workspace
from dlbench.model.spec import ACTIVATIONS, TASK_LOSSES, Network
from dlbench.reference import network as ref

TASKS = [("binary", 1), ("multiclass", 3), ("regression", 1)]
CASES = [(task, k, loss, act) for task, k in TASKS for loss in TASK_LOSSES[task] for act in ACTIVATIONS]
DEPTHS = {0: (), 1: (3,), 2: (4, 1), 3: (2, 5, 3)}


def labels(rng, task, k, n):
    if task == "multiclass":
        return rng.integers(0, k, n).astype(float)
    if task == "binary":
        return rng.integers(0, 2, n).astype(float)
    return rng.normal(size=n)


BLAS = find_dgemm()[0]
PATHS = ["full", "batch", "stream"] + (["full-blas", "batch-blas"] if BLAS else [])


def test_numpys_blas_is_found_on_a_pip_install():
    import numpy

    if "openblas" in str(numpy.show_config(mode="dicts").get("Build Dependencies", {}).get("blas", {}).get("name", "")):
        assert BLAS != 0


def kernel(theta, X, y, net, path="full"):
    """Loss, score and gradient from the kernel: over the whole set, or as a gathered batch of
    every sample in reverse order (the mean does not depend on the order), or sample by sample
    (the small-batch layout, whatever the size); ``-blas``: every matrix product through BLAS,
    however small."""
    grad = np.full(theta.size, np.nan)
    blas = BLAS if path.endswith("-blas") else 0
    if path == "stream":
        units = sum(net.widths[1:])
        widest = max(net.widths)
        n = X.shape[0]
        value, score = stream_loss_grad(theta, net.layers, net.activation_code, net.loss_code, X, y,
                                        np.arange(n)[::-1].copy(), 0, n, grad, np.empty(units),
                                        np.empty(X.shape[1] + units), np.empty(widest), np.empty(widest), np.empty(n), True)
    elif path.startswith("full"):
        ws = workspace(X, y, net.layers, net.activation_code, net.loss_code, 0, blas, 0)
        value, score = full_loss_grad(theta, ws, grad, True)
    else:
        n = X.shape[0]
        ws = workspace(X, y, net.layers, net.activation_code, net.loss_code, n, blas, 0)
        value, score = batch_loss_grad(theta, ws, np.arange(n)[::-1].copy(), 0, n, grad)
    return value, score, grad


def central_differences(theta, X, y, net, step=1e-6):
    fd = np.empty_like(theta)
    for k in range(theta.size):
        up, down = theta.copy(), theta.copy()
        up[k] += step
        down[k] -= step
        fd[k] = (ref.loss_grad(up, X, y, net)[0] - ref.loss_grad(down, X, y, net)[0]) / (2 * step)
    return fd


@pytest.mark.parametrize("depth", sorted(DEPTHS))
@pytest.mark.parametrize("task,k,loss,act", CASES)
def test_gradient_matches_finite_differences(task, k, loss, act, depth):
    rng = np.random.default_rng([depth, len(task), len(loss), len(act)])
    for n, d in ((1, 1), (1, 3), (6, 2)):
        net = Network.make(d, DEPTHS[depth], k, act, task, loss)
        X = rng.normal(size=(n, d))
        y = labels(rng, task, k, n)
        theta = rng.normal(0.0, 0.8, net.n_params)
        fd = central_differences(theta, X, y, net)
        for path in PATHS:
            _, _, grad = kernel(theta, X, y, net, path)
            rel = np.linalg.norm(grad - fd) / max(np.linalg.norm(grad), np.linalg.norm(fd), 1e-300)
            assert rel < 1e-6, (path, n, d, rel)


SHAPES = [(1, 1, (1,)), (9, 4, (4,)), (10, 10, (8,)), (37, 6, (5, 7)), (TILE + 45, 5, (9, 4, 6)), (2 * TILE + 1, 3, (12,))]


@pytest.mark.parametrize("n,d,hidden", SHAPES)
@pytest.mark.parametrize("task,k,loss,act", CASES)
def test_kernel_matches_numpy_reference(task, k, loss, act, n, d, hidden):
    rng = np.random.default_rng([n, d, len(hidden), len(act), len(loss)])
    net = Network.make(d, hidden, k, act, task, loss)
    X = rng.normal(size=(n, d))
    y = labels(rng, task, k, n)
    theta = rng.normal(0.0, 0.7, net.n_params)
    r_value, r_score, r_grad = ref.loss_grad(theta, X, y, net)
    for path in PATHS:
        value, score, grad = kernel(theta, X, y, net, path)
        assert value == pytest.approx(r_value, rel=1e-12)
        assert score == pytest.approx(r_score, rel=1e-12, nan_ok=True)
        np.testing.assert_allclose(grad, r_grad, rtol=1e-10, atol=1e-14 * np.abs(r_grad).max())


# --- kinks, by hand ------------------------------------------------------------------------------
# One feature, one hidden unit, one logit: X = [0, 1], W1 = 1, b1 = 0, so the hidden pre-activations
# are exactly [0, 1]; W2 = 2, b2 = 0 gives logits [0, 2]; labels y = [1, 0], BCE.
# dL/dz = (sigmoid(z) - y) / 2 = [-1/4, s/2] with s = sigmoid(2). Backwards through W2 = 2:
# dL/da = [-1/2, s]. The derivative at the kink decides the first sample's share of b1's gradient.
S2 = 1.0 / (1.0 + math.exp(-2.0))
KINK_THETA = np.array([1.0, 0.0, 2.0, 0.0])  # W1, b1, W2, b2
KINK_X = np.array([[0.0], [1.0]])
KINK_Y = np.array([1.0, 0.0])


@pytest.mark.parametrize("copies", [1, 5])  # 2 samples take the small-batch layout, 10 the gathered one
@pytest.mark.parametrize("path", PATHS)
@pytest.mark.parametrize("act,slope_at_zero", [("relu", 0.0), ("leaky_relu", 0.01)])
def test_derivative_at_the_kink_is_pytorchs(act, slope_at_zero, path, copies):
    net = Network.make(1, (1,), 1, act, "binary", "bce")
    _, _, grad = kernel(KINK_THETA, np.tile(KINK_X, (copies, 1)), np.tile(KINK_Y, copies), net, path)
    a = np.array([0.0, 1.0])  # relu(0) = leaky_relu(0) = 0
    expected = {
        "W1": 0.0 * (-0.5 * slope_at_zero) + 1.0 * S2,  # x = 0 carries nothing
        "b1": -0.5 * slope_at_zero + S2,
        "W2": a[0] * -0.25 + a[1] * S2 / 2,
        "b2": -0.25 + S2 / 2,
    }
    np.testing.assert_allclose(grad, list(expected.values()), rtol=1e-15, atol=0)


@pytest.mark.parametrize("copies", [1, 5])
@pytest.mark.parametrize("path", PATHS)
def test_relu_kink_in_a_deeper_layer(path, copies):
    # Two hidden layers of one unit: z1 = x (W1 = 1, b1 = 0), z2 = z1 - 1 (W2 = 1, b2 = -1) is exactly
    # 0 for x = 1; output z = 3 a2 + 0.5. Regression, y = [0, 0], x = [1, 2]: a2 = [0, 1], z = [0.5, 3.5].
    # dL/dz = (z - y)/2 = [0.25, 1.75]; dL/da2 = 3 dL/dz = [0.75, 5.25]; relu'(0) = 0 kills the first.
    net = Network.make(1, (1, 1), 1, "relu", "regression")
    theta = np.array([1.0, 0.0, 1.0, -1.0, 3.0, 0.5])
    X, y = np.tile([[1.0], [2.0]], (copies, 1)), np.zeros(2 * copies)
    value, _, grad = kernel(theta, X, y, net, path)
    x, a1, a2, dz = np.array([1.0, 2.0]), np.array([1.0, 2.0]), np.array([0.0, 1.0]), np.array([0.25, 1.75])
    d2 = np.array([0.0, 5.25])  # dL/dz2: relu'(0) = 0, relu'(1) = 1
    d1 = d2 * 1.0  # through W2 = 1; z1 = [1, 2] > 0
    expected = [x @ d1, d1.sum(), a1 @ d2, d2.sum(), a2 @ dz, dz.sum()]
    assert value == pytest.approx((0.5**2 + 3.5**2) / 4, rel=1e-15)
    np.testing.assert_allclose(grad, expected, rtol=1e-15, atol=0)


# --- activations and losses at saturation, by hand ---------------------------------------------


def one_unit(act, z_hidden, path, w2=1.0):
    """Gradient of a 1-1-1 regression network whose hidden pre-activation is ``z_hidden``, at
    target 0: ``db1 = (output) * w2 * act'(z_hidden)``, returned with the output."""
    net = Network.make(1, (1,), 1, act, "regression")
    theta = np.array([1.0, z_hidden - 1.0, w2, 0.0])
    _, _, grad = kernel(theta, np.array([[1.0]]), np.array([0.0]), net, path)
    return grad


@pytest.mark.parametrize("path", PATHS)
@pytest.mark.parametrize(
    "act,z,a,slope",
    [
        ("tanh", 0.0, 0.0, 1.0),
        ("tanh", 40.0, 1.0, 0.0),
        ("tanh", -40.0, -1.0, 0.0),
        ("sigmoid", 0.0, 0.5, 0.25),
        ("sigmoid", 800.0, 1.0, 0.0),
        ("sigmoid", -800.0, 0.0, 0.0),
        ("gelu", 0.0, 0.0, 0.5),
        ("gelu", 40.0, 40.0, 1.0),
        ("gelu", -40.0, 0.0, 0.0),
        ("relu", 1e-300, 1e-300, 1.0),
        ("leaky_relu", -2.0, -0.02, 0.01),
    ],
)
def test_activation_values_and_slopes(act, z, a, slope, path):
    grad = one_unit(act, z, path)
    assert np.all(np.isfinite(grad))
    # output = a (w2 = 1, b2 = 0, y = 0): dL/db2 = a, dL/db1 = a * slope
    assert grad[3] == pytest.approx(a, rel=1e-15, abs=1e-300)
    assert grad[1] == pytest.approx(a * slope, rel=1e-14, abs=1e-300)


def logit_net(path, loss, z, y):
    """Binary 'network' with no hidden layer: one feature x = 1, W = 0, b = z."""
    net = Network.make(1, (), 1, "relu", "binary", loss)
    return kernel(np.array([0.0, z]), np.array([[1.0]]), np.array([y]), net, path)


@pytest.mark.parametrize("path", PATHS)
@pytest.mark.parametrize(
    "z,y,loss_value,dz",
    [(1000.0, 0.0, 1000.0, 1.0), (1000.0, 1.0, 0.0, 0.0), (-1000.0, 0.0, 0.0, 0.0), (-1000.0, 1.0, 1000.0, -1.0),
     (0.0, 1.0, math.log(2.0), -0.5), (40.0, 0.0, 40.0 + math.log1p(math.exp(-40.0)), 1.0 / (1.0 + math.exp(-40.0)))],
)
def test_bce_at_saturation(z, y, loss_value, dz, path):
    value, _, grad = logit_net(path, "bce", z, y)
    assert value == pytest.approx(loss_value, rel=1e-15, abs=1e-300)
    assert grad[1] == pytest.approx(dz, rel=1e-15, abs=1e-300)


@pytest.mark.parametrize("path", PATHS)
@pytest.mark.parametrize("z,y,loss_value", [(800.0, 0.0, 0.5), (-800.0, 0.0, 0.0), (800.0, 1.0, 0.0), (0.0, 1.0, 0.125)])
def test_sigmoid_mse_at_saturation(z, y, loss_value, path):
    value, _, grad = logit_net(path, "mse", z, y)
    assert value == loss_value
    # (p - y) p (1 - p): vanishes where the sigmoid saturates, -1/8 at z = 0 for y = 1
    assert grad[1] == (-0.125 if z == 0.0 else 0.0)


@pytest.mark.parametrize("path", PATHS)
def test_cross_entropy_at_saturation_and_ties(path):
    net = Network.make(1, (), 3, "relu", "multiclass")
    # x = 1, W = 0: the logits are the biases. Sample 1: logits (1000, -1000, 0), label 1 (wrong by 2000).
    X, y = np.array([[1.0]]), np.array([1.0])
    theta = np.array([0.0, 0.0, 0.0, 1000.0, -1000.0, 0.0])
    value, acc, grad = kernel(theta, X, y, net, path)
    assert value == 2000.0 and acc == 0.0
    np.testing.assert_array_equal(grad[3:], [1.0, -1.0, 0.0])  # softmax (1, 0, 0) minus one-hot (0, 1, 0)
    # Equal logits: loss log 3, gradient 1/3 - onehot, and the argmax of a tie is the first class.
    theta = np.array([0.0, 0.0, 0.0, 5.0, 5.0, 5.0])
    value, acc, grad = kernel(theta, np.array([[1.0]]), np.array([0.0]), net, path)
    assert value == pytest.approx(math.log(3.0), rel=1e-15)
    assert acc == 1.0
    np.testing.assert_allclose(grad[3:], [1 / 3 - 1, 1 / 3, 1 / 3], rtol=1e-15)


@pytest.mark.parametrize("path", PATHS)
def test_regression_loss_and_r2_by_hand(path):
    # ŷ = b = 2 for every sample, y = (1, 2, 6): SSE = 1 + 0 + 16 = 17, SST = (−2)² + (−1)² + 3² = 14.
    net = Network.make(1, (), 1, "relu", "regression")
    X, y = np.zeros((3, 1)), np.array([1.0, 2.0, 6.0])
    value, r2, grad = kernel(np.array([0.5, 2.0]), X, y, net, path)
    assert value == pytest.approx(17 / 6, rel=1e-15)  # 1/(2N) Σ (y − ŷ)², the article's J
    assert r2 == pytest.approx(1 - 17 / 14, rel=1e-15)
    assert grad[1] == pytest.approx((1 + 0 - 4) / 3, rel=1e-15)


def test_mse_is_the_articles_J():
    rng = np.random.default_rng(5)
    net = Network.make(3, (2,), 1, "relu", "binary", "mse")
    X, y = rng.random((9, 3)), rng.integers(0, 2, 9).astype(float)
    theta = rng.normal(size=net.n_params)
    value, _, _ = kernel(theta, X, y, net)
    W1, b1, W2, b2 = theta[:6].reshape(3, 2), theta[6:8], theta[8:10], theta[10]
    p = 1 / (1 + np.exp(-(np.maximum(X @ W1 + b1, 0) @ W2 + b2)))
    assert value == pytest.approx(np.sum((y - p) ** 2) / (2 * len(y)), rel=1e-14)


def test_accuracy_counts_positive_logits_as_class_one():
    X = np.array([[1.0], [-1.0]])
    y = np.array([1.0, 1.0])
    net = Network.make(1, (1,), 1, "relu", "binary")
    _, acc, _ = kernel(np.array([1.0, 0.0, 1.0, 0.0]), X, y, net)  # z = relu(x)
    assert acc == 0.5  # relu(-1) = 0 -> logit 0 -> predicted 0
