"""SOAP one step at a time, against values worked out by hand.

Each test sets the state by hand on a 2 x 2 weight matrix and a bias (the arena of
dlbench/optimizers/soap.py: m_W, v_W, L, R, Q_L, Q_R, m_b, v_b), writes the expected step out
with small literal numbers from ``pytorch_optimizer.SOAP``'s (4.1.0) formula, and checks the
compiled rule (through ``apply_update``, as the training loop calls it) and, where it has the
same state, the NumPy reference (dlbench/reference/precond.py). Then: the float32 QR on a matrix
factored by hand, the compiled rule against the reference over many random steps, the record
against the reference constructor, and the errors.
"""

import inspect
import math

import numpy as np
import pytest

from dlbench.errors import ConfigError
from dlbench.kernels.dispatch import apply_update
from dlbench.model import Params
from dlbench.optimizers import GROUPS, get_optimizer
from dlbench.optimizers.base import N_SCALARS
from dlbench.reference.precond import LAYER_RULES, qr_float32
from dlbench.training import train

LAYERS = np.array([[0, 2, 2, 4, 2]], dtype=np.int64)  # W = theta[0:4] (2 x 2), b = theta[4:6]
THETA = np.array([0.5, -1.0, 2.0, -0.25, 0.3, 0.1])
H = np.array([[1.0, 1.0], [1.0, -1.0]]) / math.sqrt(2.0)
EPS = 1e-8
SQ = math.sqrt(0.05)
OFF = dict(m=0, v=4, L=8, R=12, QL=16, QR=20, mb=24, vb=26)
SIZE = dict(m=4, v=4, L=4, R=4, QL=4, QR=4, mb=2, vb=2)


def soap_step(lr, step, hp, grad, parts=None, theta=THETA):
    """One compiled step from the hand-set ``parts`` (``{name: values}`` of the arena)."""
    spec = get_optimizer("soap")
    values = spec.check(hp)
    rows, n_scalars = spec.layout_state(values, LAYERS)
    state = np.zeros((rows, theta.size))
    arena = state.reshape(-1)
    for name, v in (parts or {}).items():
        arena[OFF[name] : OFF[name] + SIZE[name]] = np.ravel(v)
    th = theta.copy()
    apply_update(spec.rule, th, np.array(grad, dtype=float), state, np.zeros(max(n_scalars, N_SCALARS)),
                 np.array(spec.kernel_hp({**values, "lr": lr})), float(lr), step, LAYERS)
    got = {name: arena[OFF[name] : OFF[name] + SIZE[name]].reshape((2, 2) if SIZE[name] == 4 else (2,)) for name in OFF}
    return th, got


def test_first_step_builds_the_bases_in_descending_order_and_does_not_step():
    # G = diag(1, 3): G G^T = G^T G = diag(1, 9); L = R = lerp(0, ., 0.05) = diag(0.05, 0.45);
    # descending eigenvalues 0.45, 0.05: Q = [e2, e1] (up to signs)
    th, got = soap_step(0.1, 1, {}, [1.0, 0.0, 0.0, 3.0, 0.5, -0.5])
    np.testing.assert_array_equal(th, THETA)
    for side in ("L", "R"):
        np.testing.assert_allclose(got[side], [[0.05, 0.0], [0.0, 0.45]], rtol=1e-15)
    for side in ("QL", "QR"):
        np.testing.assert_allclose(np.abs(got[side]), [[0.0, 1.0], [1.0, 0.0]], atol=1e-15)
    for name in ("m", "v", "mb", "vb"):
        assert not got[name].any()
    ref, rs = THETA.copy(), {}
    LAYER_RULES[get_optimizer("soap").rule](ref, np.array([1.0, 0.0, 0.0, 3.0, 0.5, -0.5]), rs,
                                            get_optimizer("soap").check({}), 0.1, 1, LAYERS)
    np.testing.assert_array_equal(ref, THETA)


def test_second_step_is_adam_in_the_rotated_basis_then_decay():
    # Q_L = H (the 2 x 2 Hadamard / sqrt 2), Q_R = I; m = v = 0; step 2 (s = 1): step size
    # lr sqrt(1 - 0.95) / (1 - 0.95) = lr / sqrt(0.05).
    # G = [[1, 2], [3, 4]]: rotated gradient H G = [[4, 6], [-2, -2]] / sqrt 2;
    # m = 0.05 G, v = 0.05 (H G)**2, Q_L^T m Q_R = 0.05 H G: ratio 0.05 x / (sqrt(0.05) |x| + eps)
    # ~ sqrt(0.05) sign(x) = sqrt(0.05) [[1, 1], [-1, -1]]; back: H [[1, 1], [-1, -1]] = [[0, 0], [sqrt 2, sqrt 2]]
    # so W <- (W - lr [[0, 0], [sqrt 2, sqrt 2]]) (1 - lr 0.01) (to eps / sqrt(0.05) ~ 1e-7);
    # bias: Adam, b <- (b - lr sign(g)) (1 - lr 0.01)
    lr = 0.1
    G = np.array([[1.0, 2.0], [3.0, 4.0]])
    g = np.array([0.5, -0.25])
    th, got = soap_step(lr, 2, {}, [*G.ravel(), *g], {"QL": H, "QR": np.eye(2), "L": np.eye(2), "R": np.eye(2)})
    approx = (THETA - lr * np.array([0.0, 0.0, math.sqrt(2.0), math.sqrt(2.0), 1.0, -1.0])) * (1 - lr * 0.01)
    np.testing.assert_allclose(th, approx, rtol=0, atol=1e-6)
    # exactly, with eps: the rotated ratio r = 0.05 x / (sqrt(0.05) |x| + eps), x = H G
    x = np.array([[4.0, 6.0], [-2.0, -2.0]]) / math.sqrt(2.0)
    r = 0.05 * x / (SQ * np.abs(x) + EPS)
    rb = 0.05 * g / (SQ * np.abs(g) + EPS)
    exact = (THETA - (lr / SQ) * np.concatenate([(H @ r).ravel(), rb])) * (1 - lr * 0.01)
    np.testing.assert_allclose(th, exact, rtol=1e-14)
    np.testing.assert_allclose(got["m"], 0.05 * G, rtol=1e-15)
    np.testing.assert_allclose(got["v"], 0.05 * x * x, rtol=1e-14)
    # statistics after the step: L = lerp(I, G G^T, 0.05), G G^T = [[5, 11], [11, 25]]
    np.testing.assert_allclose(got["L"], np.eye(2) + 0.05 * (np.array([[5.0, 11.0], [11.0, 25.0]]) - np.eye(2)), rtol=1e-15)
    np.testing.assert_allclose(got["R"], np.eye(2) + 0.05 * (np.array([[10.0, 14.0], [14.0, 20.0]]) - np.eye(2)), rtol=1e-15)
    np.testing.assert_array_equal(got["QL"], H)  # no refresh: s = 1 is not a multiple of 10


def test_refresh_sorts_by_the_estimated_eigenvalues_and_reorders_v():
    # precondition_frequency 1: refresh after step 2. G = 0: no step (only decay), v <- 0.95 v,
    # L <- 0.95 diag(1, 4), R <- 0.95 diag(2, 1). From Q = I: the estimates diag(Q^T L Q) order the
    # L side (1, 0): v's rows swap; QR of 0.95 [[0, 1], [4, 0]] = |[[0, 1], [1, 0]]|; the R side keeps its
    # order and its basis (+-I).
    v0 = np.array([[1.0, 2.0], [3.0, 4.0]])
    th, got = soap_step(0.1, 2, {"precondition_frequency": 1}, np.zeros(6),
                        {"QL": np.eye(2), "QR": np.eye(2), "L": np.diag([1.0, 4.0]), "R": np.diag([2.0, 1.0]), "v": v0})
    np.testing.assert_allclose(th, THETA * (1 - 0.1 * 0.01), rtol=1e-15)
    np.testing.assert_allclose(got["v"], 0.95 * v0[::-1], rtol=1e-15)
    np.testing.assert_allclose(got["L"], 0.95 * np.diag([1.0, 4.0]), rtol=1e-15)
    np.testing.assert_allclose(np.abs(got["QL"]), [[0.0, 1.0], [1.0, 0.0]], atol=1e-7)
    np.testing.assert_allclose(np.abs(got["QR"]), np.eye(2), atol=1e-7)


@pytest.mark.parametrize("lapack", [True, False], ids=["openblas", "own-loops"])
def test_float32_qr_of_a_matrix_factored_by_hand(lapack):
    # P = [[3, 0], [4, 5]]: Householder on (3, 4): beta = -5, tau = 1.6, v = (1, 0.5):
    # Q[:, 0] = (3, 4) / -5 = (-0.6, -0.8); Q[:, 1] = e2 - 1.6 * 0.5 * v = (-0.8, 0.6)
    from dlbench.kernels import dispatch
    from dlbench.kernels.lapack import find_qr

    geqrf, orgqr, _ = find_qr() if lapack else (0, 0, "")
    if lapack and not geqrf:
        pytest.skip("no scipy-openblas LAPACKE beside NumPy")
    Q = np.empty((2, 2))
    dispatch._soap.qr_f32(np.array([[3.0, 0.0], [4.0, 5.0]]), 2, Q, geqrf, orgqr)
    expected = np.array([[-0.6, -0.8], [-0.8, 0.6]])
    np.testing.assert_allclose(Q, expected, rtol=0, atol=1.2e-7)
    assert np.all(Q.astype(np.float32) == Q)  # float32 values
    if lapack:  # the reference's QR: the same routines
        np.testing.assert_array_equal(qr_float32(np.array([[3.0, 0.0], [4.0, 5.0]])), Q)


def test_unrotated_sides_and_normalize_gradient_make_it_normalised_adam():
    # max_precondition_dim 1: both sides of the 2 x 2 matrix are longer, so Q = I and the step is
    # Adam's ratio sqrt(0.05) sign(g) (to eps), divided by its RMS (+ eps) = sign(g) per tensor;
    # correct_bias false: step size lr. No decay.
    g = np.array([0.5, -2.0, 1.0, 4.0, -1.0, 3.0])
    th, got = soap_step(0.1, 2, {"max_precondition_dim": 1, "normalize_gradient": True, "weight_decay": 0.0,
                                 "correct_bias": False}, g)
    np.testing.assert_allclose(th, THETA - 0.1 * np.sign(g), rtol=0, atol=1e-7)
    assert not got["L"].any() and not got["R"].any()


VARIANTS = [{}, {"beta1": 0.9, "beta2": 0.99, "shampoo_beta": 0.9, "precondition_frequency": 3, "weight_decay": 0.0},
            {"precondition_frequency": 2, "normalize_gradient": True, "correct_bias": False, "eps": 1e-6},
            {"max_precondition_dim": 1, "weight_decay": 0.1, "beta1": 0.5, "beta2": 0.6, "shampoo_beta": 0.3}]
# seven parameters as four tensors: W1 (1 x 2), b1 (2), W2 (2 x 1), b2 (1); plus a 3 x 2 layer
LAYOUTS = [np.array([[0, 1, 2, 2, 2], [4, 2, 1, 6, 1]], dtype=np.int64),
           np.array([[0, 3, 2, 6, 2], [8, 2, 2, 12, 2]], dtype=np.int64)]


@pytest.mark.parametrize("k, hp", list(enumerate(VARIANTS)))
@pytest.mark.parametrize("layers", LAYOUTS, ids=["7-params", "14-params"])
def test_kernel_matches_reference_over_random_steps(k, hp, layers):
    spec = get_optimizer("soap")
    values = spec.check(hp)
    P = int(layers[-1, 3] + layers[-1, 4])
    rows, n_scalars = spec.layout_state(values, layers)
    rng = np.random.default_rng(k)
    theta = rng.normal(size=P)
    ref_theta = theta.copy()
    state = np.zeros((rows, P))
    hpv = np.array(spec.kernel_hp({**values, "lr": 0.05}))
    ref_state = {}
    for step in range(1, 31):
        grad = rng.normal(size=P)
        lr = 0.05 * (1 + 0.5 * math.sin(step))
        apply_update(spec.rule, theta, grad.copy(), state, np.zeros(max(n_scalars, N_SCALARS)), hpv, lr, step, layers)
        LAYER_RULES[spec.rule](ref_theta, grad.copy(), ref_state, values, lr, step, layers)
        np.testing.assert_allclose(theta, ref_theta, rtol=1e-10, atol=1e-12, err_msg=f"step {step}")


def test_record_defaults_equal_the_reference_constructor():
    ref = pytest.importorskip("pytorch_optimizer").SOAP
    spec = get_optimizer("soap")
    params = {k: v.default for k, v in inspect.signature(ref.__init__).parameters.items()
              if k not in {"self", "params", "maximize", "kwargs", "data_format"}}
    assert spec.default_lr == params.pop("lr")
    b1, b2 = params.pop("betas")
    assert spec.defaults() == {"beta1": b1, "beta2": b2, **params}
    assert spec.rule in LAYER_RULES


def test_registered_in_all_2026():
    assert "soap" in GROUPS["all-2026"] and "soap" in GROUPS["every"] and "soap" not in GROUPS["all"]


@pytest.fixture(scope="module")
def tiny():
    X = np.array([[0.0, 1.0], [1.0, 0.0]])
    return X, np.array([0.0, 1.0]), Params.from_vector(np.zeros(2 * 2 + 2 * 2 + 1), 2, 2)


@pytest.mark.parametrize("param, value", [("beta1", 1.0), ("beta2", -0.1), ("shampoo_beta", 1.0),
                                          ("precondition_frequency", 0), ("max_precondition_dim", 0), ("eps", -1.0),
                                          ("weight_decay", -0.1)])
def test_out_of_range_raises_config_error(tiny, param, value):
    X, y, params = tiny
    with pytest.raises(ConfigError, match=f"The '{param}' parameter of soap must be"):
        train(X, y, params, optimizer="soap", epochs=1, **{param: value})


@pytest.mark.parametrize("param", ["merge_dims", "precondition_1d"])
def test_unsupported_options_raise_config_error(tiny, param):
    X, y, params = tiny
    with pytest.raises(ConfigError, match=f"soap: {param} = true is not supported"):
        train(X, y, params, optimizer="soap", epochs=1, **{param: True})


def test_default_rate_trains_and_state_is_sized_by_the_layout():
    from dlbench.optimizers.soap import arena_size

    assert arena_size([(0, 4, 5, 20, 5)]) == 2 * 20 + 2 * 16 + 2 * 25 + 2 * 5
    rng = np.random.default_rng(5)
    X = rng.normal(size=(60, 4))
    y = (X[:, 0] + 0.5 * X[:, 1] > 0).astype(float)
    params = Params.from_vector(rng.normal(0, 0.5, 4 * 3 + 3 + 3 + 1), 4, 3)
    result = train(X, y, params, optimizer="soap", epochs=300)
    assert not result.diverged and np.all(np.isfinite(result.losses))
    assert result.losses[-1] < 0.9 * result.losses[0]
