"""Every first-order update rule, one hand-derived step at a time (scikit-learn style).

Each test sets the rule's state by hand, writes the expected step out from the formula of the
library the rule follows, and checks both the compiled rule (through ``apply_update``) and the
NumPy reference. Then: kernels against references over random steps, the records' declarations,
range errors, and mini-batch training against ``reference_train``.
"""

import math

import numpy as np
import pytest
from conftest import random_problem

from dlbench.errors import ConfigError
from dlbench.kernels.dispatch import apply_update
from dlbench.model import Params
from dlbench.optimizers import OPTIMIZERS, get_optimizer
from dlbench.optimizers.base import N_SCALARS
from dlbench.reference.optimizers import REFERENCE_RULES

from dlbench.reference.training import reference_train
from dlbench.training import train

_LAYOUT = np.zeros((1, 5), dtype=np.int64)  # the elementwise rules ignore the layout

FIRST_ORDER = [name for name, spec in OPTIMIZERS.items() if spec.rule < 20]
"""Optimizers whose rule is one call per gradient (codes 0-19); L-BFGS (30) has its own tests."""

THETA = np.array([0.5, -1.0, 2.0, -0.25])
GRAD = np.array([0.1, -0.3, 0.0, 2.0])
TIGHT = dict(rtol=1e-15, atol=1e-15)


def step_both(name, lr, step, hp, slots=(), scalars=(), ref_state=None, theta=THETA, grad=GRAD):
    """One step of the kernel and of the reference from the same hand-set state.

    Returns ``(kernel theta, kernel slots, kernel scalars, reference theta, reference state)``.
    """
    spec = get_optimizer(name)
    values = spec.check(hp)
    n_slots, n_scalars = spec.state_size(values)
    state = np.zeros((max(n_slots, 1), theta.size))
    for k, slot in enumerate(slots):
        state[k] = slot
    sc = np.zeros(max(n_scalars, N_SCALARS))
    sc[: len(scalars)] = scalars
    th = theta.copy()
    apply_update(spec.rule, th, grad.copy(), state, sc, np.array(spec.kernel_hp(values) or [0.0]), float(lr), step, _LAYOUT)
    ref_state = {k: (np.array(v, dtype=float) if not np.isscalar(v) else v) for k, v in (ref_state or {}).items()}
    ref_th = theta.copy()
    REFERENCE_RULES[spec.rule](ref_th, grad.copy(), ref_state, {**values, **spec.fixed}, float(lr), step)
    return th, state, sc, ref_th, ref_state


def assert_both(expected, th, ref_th, **tol):
    np.testing.assert_allclose(th, expected, **(tol or TIGHT))
    np.testing.assert_allclose(ref_th, expected, **(tol or TIGHT))


# ---------------------------------------------------------------------------- SGD (torch.optim.SGD)
def test_gd_step():
    th, _, _, ref, _ = step_both("gd", 0.1, 1, {})
    assert_both(THETA - 0.1 * GRAD, th, ref)


def test_gd_weight_decay():
    th, _, _, ref, _ = step_both("gd", 0.1, 4, {"weight_decay": 0.01})
    assert_both(THETA - 0.1 * (GRAD + 0.01 * THETA), th, ref)


def test_momentum_first_step_seeds_buffer_with_gradient():
    th, state, _, ref, rs = step_both("momentum", 0.05, 1, {"momentum": 0.9, "dampening": 0.5})
    assert_both(THETA - 0.05 * GRAD, th, ref)
    np.testing.assert_array_equal(state[0], GRAD)
    np.testing.assert_array_equal(rs["buf"], GRAD)


def test_momentum_second_step_dampening_weight_decay():
    b0 = np.array([0.2, 0.1, -0.4, 1.0])
    hp = {"momentum": 0.9, "dampening": 0.1, "weight_decay": 0.01}
    th, state, _, ref, rs = step_both("momentum", 0.05, 2, hp, [b0], ref_state={"buf": b0})
    d = GRAD + 0.01 * THETA
    b = 0.9 * b0 + (1 - 0.1) * d
    assert_both(THETA - 0.05 * b, th, ref)
    np.testing.assert_allclose(state[0], b, **TIGHT)
    np.testing.assert_allclose(rs["buf"], b, **TIGHT)


def test_nesterov_second_step():
    b0 = np.array([0.2, 0.1, -0.4, 1.0])
    th, _, _, ref, _ = step_both("nesterov", 0.05, 2, {"momentum": 0.8, "weight_decay": 0.01}, [b0], ref_state={"buf": b0})
    d = GRAD + 0.01 * THETA
    b = 0.8 * b0 + d
    assert_both(THETA - 0.05 * (d + 0.8 * b), th, ref)


# ---------------------------------------------------------------------------- Adagrad
def test_adagrad_first_step_starts_from_initial_accumulator():
    hp = {"initial_accumulator_value": 0.1, "lr_decay": 0.01, "weight_decay": 0.01, "eps": 1e-8}
    th, state, _, ref, rs = step_both("adagrad", 0.1, 1, hp)
    g = GRAD + 0.01 * THETA
    s = 0.1 + g**2
    assert_both(THETA - 0.1 * g / (np.sqrt(s) + 1e-8), th, ref)
    np.testing.assert_allclose(state[0], s, **TIGHT)
    np.testing.assert_allclose(rs["sum"], s, **TIGHT)


def test_adagrad_later_step_decays_rate():
    s0 = np.array([0.3, 0.01, 0.0, 2.0])
    th, _, _, ref, _ = step_both("adagrad", 0.1, 3, {"lr_decay": 0.5}, [s0], ref_state={"sum": s0})
    clr = 0.1 / (1 + (3 - 1) * 0.5)
    assert_both(THETA - clr * GRAD / (np.sqrt(s0 + GRAD**2) + 1e-10), th, ref)


# ---------------------------------------------------------------------------- RMSprop
def test_rmsprop_plain():
    v0 = np.array([0.3, 0.01, 0.0, 2.0])
    th, state, _, ref, _ = step_both("rmsprop", 0.01, 5, {}, [v0], ref_state={"square_avg": v0})
    v = 0.99 * v0 + 0.01 * GRAD**2
    assert_both(THETA - 0.01 * GRAD / (np.sqrt(v) + 1e-8), th, ref)
    np.testing.assert_allclose(state[0], v, **TIGHT)


def test_rmsprop_centered_momentum_weight_decay():
    v0 = np.array([0.3, 0.01, 0.5, 2.0])
    m0 = np.array([0.1, -0.05, 0.2, 1.0])
    b0 = np.array([1.0, -2.0, 0.5, 0.0])
    hp = {"alpha": 0.9, "centered": True, "momentum": 0.5, "weight_decay": 0.01, "eps": 1e-6}
    th, state, _, ref, rs = step_both(
        "rmsprop", 0.01, 2, hp, [v0, m0, b0], ref_state={"square_avg": v0, "grad_avg": m0, "buf": b0}
    )
    g = GRAD + 0.01 * THETA
    v = 0.9 * v0 + 0.1 * g**2
    m = 0.9 * m0 + 0.1 * g
    avg = np.sqrt(v - m**2) + 1e-6  # eps after the root; the buffer holds g / avg
    b = 0.5 * b0 + g / avg
    assert_both(THETA - 0.01 * b, th, ref)
    np.testing.assert_allclose(state[1], m, **TIGHT)
    np.testing.assert_allclose(state[2], b, **TIGHT)
    np.testing.assert_allclose(rs["buf"], b, **TIGHT)


# ---------------------------------------------------------------------------- Adadelta
def test_adadelta():
    v0 = np.array([0.3, 0.01, 0.5, 2.0])
    u0 = np.array([0.02, 0.0, 0.1, 0.3])
    hp = {"rho": 0.95, "eps": 1e-5, "weight_decay": 0.01}
    th, state, _, ref, rs = step_both("adadelta", 0.5, 2, hp, [v0, u0], ref_state={"square_avg": v0, "acc_delta": u0})
    g = GRAD + 0.01 * THETA
    v = 0.95 * v0 + 0.05 * g**2
    delta = np.sqrt(u0 + 1e-5) / np.sqrt(v + 1e-5) * g
    assert_both(THETA - 0.5 * delta, th, ref)
    np.testing.assert_allclose(state[1], 0.95 * u0 + 0.05 * delta**2, **TIGHT)
    np.testing.assert_allclose(rs["acc_delta"], 0.95 * u0 + 0.05 * delta**2, **TIGHT)


def test_adadelta_default_lr_is_one():
    assert get_optimizer("adadelta").default_lr == 1.0


# ---------------------------------------------------------------------------- Adam family
M0 = np.array([0.05, -0.1, 0.2, 0.5])
V0 = np.array([0.01, 0.02, 0.0, 0.5])


def test_adam_third_step_coupled_weight_decay():
    hp = {"beta1": 0.8, "beta2": 0.99, "eps": 1e-6, "weight_decay": 0.01}
    th, state, _, ref, _ = step_both("adam", 0.01, 3, hp, [M0, V0], ref_state={"exp_avg": M0, "exp_avg_sq": V0})
    g = GRAD + 0.01 * THETA
    m = 0.8 * M0 + 0.2 * g
    v = 0.99 * V0 + 0.01 * g**2
    expected = THETA - 0.01 / (1 - 0.8**3) * m / (np.sqrt(v) / math.sqrt(1 - 0.99**3) + 1e-6)
    assert_both(expected, th, ref)
    np.testing.assert_allclose(state[0], m, **TIGHT)
    np.testing.assert_allclose(state[1], v, **TIGHT)


def test_adam_first_step_moves_by_about_lr():
    th, _, _, ref, _ = step_both("adam", 0.01, 1, {})
    # m = 0.1 g, v = 0.001 g^2: the bias-corrected step is lr * g / (|g| + eps)
    assert_both(THETA - 0.01 * GRAD / (np.abs(GRAD) + 1e-8), th, ref)


def test_amsgrad_uses_largest_second_moment():
    vmax0 = np.array([0.5, 0.0, 0.1, 0.0])
    th, state, _, ref, rs = step_both(
        "amsgrad", 0.02, 2, {"beta2": 0.9}, [M0, V0, vmax0],
        ref_state={"exp_avg": M0, "exp_avg_sq": V0, "max_exp_avg_sq": vmax0},
    )
    m = 0.9 * M0 + 0.1 * GRAD
    v = 0.9 * V0 + 0.1 * GRAD**2
    vmax = np.maximum(vmax0, v)
    assert vmax[0] == 0.5 and vmax[3] == v[3]
    expected = THETA - 0.02 / (1 - 0.9**2) * m / (np.sqrt(vmax) / math.sqrt(1 - 0.9**2) + 1e-8)
    assert_both(expected, th, ref)
    np.testing.assert_allclose(state[2], vmax, **TIGHT)
    np.testing.assert_allclose(state[1], v, **TIGHT)
    np.testing.assert_allclose(rs["max_exp_avg_sq"], vmax, **TIGHT)


def test_adamw_decays_weights_before_the_adam_step():
    th, _, _, ref, _ = step_both("adamw", 0.01, 2, {"weight_decay": 0.1, "beta1": 0.85}, [M0, V0],
                                 ref_state={"exp_avg": M0, "exp_avg_sq": V0})
    shrunk = THETA * (1 - 0.01 * 0.1)
    m = 0.85 * M0 + 0.15 * GRAD  # the raw gradient: no L2 term in the moments
    v = 0.999 * V0 + 0.001 * GRAD**2
    expected = shrunk - 0.01 / (1 - 0.85**2) * m / (np.sqrt(v) / math.sqrt(1 - 0.999**2) + 1e-8)
    assert_both(expected, th, ref)


def test_adamw_default_weight_decay():
    assert get_optimizer("adamw").defaults()["weight_decay"] == 0.01


def test_adam_beta1_above_half_uses_the_other_lerp_form():
    th, state, _, ref, _ = step_both("adam", 0.01, 2, {"beta1": 0.3}, [M0, V0], ref_state={"exp_avg": M0, "exp_avg_sq": V0})
    m = 0.3 * M0 + 0.7 * GRAD
    np.testing.assert_allclose(state[0], m, **TIGHT)
    v = 0.999 * V0 + 0.001 * GRAD**2
    assert_both(THETA - 0.01 / (1 - 0.3**2) * m / (np.sqrt(v) / math.sqrt(1 - 0.999**2) + 1e-8), th, ref)


def test_adamax():
    u0 = np.array([0.5, 0.1, 0.0, 1.0])
    th, state, _, ref, _ = step_both("adamax", 0.02, 2, {"beta2": 0.99, "weight_decay": 0.01}, [M0, u0],
                                     ref_state={"exp_avg": M0, "exp_inf": u0})
    g = GRAD + 0.01 * THETA
    m = 0.9 * M0 + 0.1 * g
    u = np.maximum(0.99 * u0, np.abs(g) + 1e-8)
    assert u[0] == 0.99 * 0.5 and u[3] == abs(g[3]) + 1e-8  # both branches of the max
    assert_both(THETA - 0.02 / (1 - 0.9**2) * m / u, th, ref)
    np.testing.assert_allclose(state[1], u, **TIGHT)


def _mu(t, beta1=0.9, psi=0.004):
    return beta1 * (1 - 0.5 * 0.96 ** (t * psi))


def test_nadam_first_step_starts_the_mu_product():
    th, _, sc, ref, rs = step_both("nadam", 0.01, 1, {})
    mu1, mu2 = _mu(1), _mu(2)
    m, v = 0.1 * GRAD, 0.001 * GRAD**2
    denom = np.sqrt(v / (1 - 0.999)) + 1e-8
    expected = THETA - 0.01 * (1 - mu1) / (1 - mu1) * GRAD / denom - 0.01 * mu2 / (1 - mu1 * mu2) * m / denom
    assert_both(expected, th, ref)
    assert sc[0] == mu1 and rs["mu_product"] == mu1


def test_nadam_second_step_weight_decay():
    psi = 0.01
    p1 = _mu(1, psi=psi)
    hp = {"momentum_decay": psi, "weight_decay": 0.01}
    th, _, sc, ref, rs = step_both("nadam", 0.01, 2, hp, [M0, V0], [p1],
                                   ref_state={"exp_avg": M0, "exp_avg_sq": V0, "mu_product": p1})
    g = GRAD + 0.01 * THETA
    mu2, mu3 = _mu(2, psi=psi), _mu(3, psi=psi)
    p2 = p1 * mu2
    m = 0.9 * M0 + 0.1 * g
    v = 0.999 * V0 + 0.001 * g**2
    denom = np.sqrt(v / (1 - 0.999**2)) + 1e-8
    expected = THETA - 0.01 * (1 - mu2) / (1 - p2) * g / denom - 0.01 * mu3 / (1 - p2 * mu3) * m / denom
    assert_both(expected, th, ref)
    assert math.isclose(sc[0], p2, rel_tol=1e-15) and math.isclose(rs["mu_product"], p2, rel_tol=1e-15)


def _rho(t, beta2=0.999):
    rho_inf = 2 / (1 - beta2) - 1
    return rho_inf, rho_inf - 2 * t * beta2**t / (1 - beta2**t)


def test_radam_unrectified_early_steps():
    _, rho2 = _rho(2)
    assert rho2 <= 5
    th, _, _, ref, _ = step_both("radam", 0.01, 2, {"weight_decay": 0.01}, [M0, V0], ref_state={"exp_avg": M0, "exp_avg_sq": V0})
    g = GRAD + 0.01 * THETA
    m = 0.9 * M0 + 0.1 * g
    assert_both(THETA - 0.01 * m / (1 - 0.9**2), th, ref)


def test_radam_rectified_once_rho_t_exceeds_5():
    rho_inf, rho = _rho(10)
    assert rho > 5 and _rho(5)[1] <= 5 < _rho(6)[1]
    th, _, _, ref, _ = step_both("radam", 0.01, 10, {"beta1": 0.8}, [M0, V0], ref_state={"exp_avg": M0, "exp_avg_sq": V0})
    m = 0.8 * M0 + 0.2 * GRAD
    v = 0.999 * V0 + 0.001 * GRAD**2
    r = math.sqrt((rho - 4) * (rho - 2) * rho_inf / ((rho_inf - 4) * (rho_inf - 2) * rho))
    adaptive = math.sqrt(1 - 0.999**10) / (np.sqrt(v) + 1e-8)
    assert_both(THETA - m / (1 - 0.8**10) * 0.01 * adaptive * r, th, ref)


# ---------------------------------------------------------------------------- Rprop
def test_rprop_first_step_sizes_start_at_lr():
    th, state, _, ref, rs = step_both("rprop", 0.01, 1, {})
    assert_both(THETA - 0.01 * np.sign(GRAD), th, ref)
    np.testing.assert_array_equal(state[1], 0.01)  # prev = 0: factor 1
    np.testing.assert_array_equal(state[0], GRAD)
    np.testing.assert_array_equal(rs["step_size"], 0.01)


def test_rprop_sign_agreement_flip_and_clamp():
    grad = np.array([0.1, -0.3, 0.2, 0.0, 0.5])
    prev = np.array([0.4, 0.2, 0.0, 1.0, 0.1])  # agree, flip, no history, zero gradient, agree
    size = np.array([0.1, 0.1, 0.1, 0.1, 0.9])
    theta = np.array([0.5, -1.0, 2.0, -0.25, 0.0])
    hp = {"etas": (0.4, 1.3), "step_sizes": (0.05, 1.0)}
    th, state, _, ref, rs = step_both("rprop", 0.01, 2, hp, [prev, size], ref_state={"prev": prev, "step_size": size},
                                      theta=theta, grad=grad)
    new_size = np.array([0.1 * 1.3, 0.05, 0.1, 0.1, 1.0])  # 0.1*0.4 clamps to 0.05, 0.9*1.3 to 1.0
    new_grad = np.array([0.1, 0.0, 0.2, 0.0, 0.5])  # zeroed where the sign flipped
    expected = theta - np.sign(new_grad) * new_size
    assert_both(expected, th, ref)
    np.testing.assert_allclose(state[1], new_size, **TIGHT)
    np.testing.assert_array_equal(state[0], new_grad)
    np.testing.assert_array_equal(rs["prev"], new_grad)
    np.testing.assert_allclose(rs["step_size"], new_size, **TIGHT)


def test_rprop_after_a_flip_the_step_size_is_kept():
    # prev = 0 after a flip, so the next step neither grows nor shrinks the step size
    th, state, _, ref, _ = step_both("rprop", 0.01, 3, {}, [np.zeros(4), np.full(4, 0.2)],
                                     ref_state={"prev": np.zeros(4), "step_size": np.full(4, 0.2)})
    assert_both(THETA - 0.2 * np.sign(GRAD), th, ref)


# ---------------------------------------------------------------------------- Lion
def test_lion_sign_momentum_and_decoupled_decay():
    grad = np.array([1.0, -0.3, 0.0, 2.0])
    m0 = np.array([-1.0, 0.5, 0.0, -5.0])  # 0.5*1 + 0.5*(-1) = 0: sign(0) = 0
    hp = {"beta1": 0.5, "beta2": 0.99, "weight_decay": 0.1}
    th, state, _, ref, rs = step_both("lion", 1e-3, 4, hp, [m0], ref_state={"m": m0}, grad=grad)
    c = 0.5 * m0 + 0.5 * grad
    u = np.sign(c)
    assert u[0] == 0 and u[2] == 0 and u[3] == -1
    assert_both(THETA - 1e-3 * (u + 0.1 * THETA), th, ref)
    np.testing.assert_allclose(state[0], 0.99 * m0 + 0.01 * grad, **TIGHT)
    np.testing.assert_allclose(rs["m"], 0.99 * m0 + 0.01 * grad, **TIGHT)


def test_lion_defaults():
    spec = get_optimizer("lion")
    assert spec.default_lr == 1e-4
    assert spec.defaults() == {"beta1": 0.9, "beta2": 0.99, "weight_decay": 0.0, "cautious": False}


# ---------------------------------------------------------------------------- kernels vs references
VARIANTS = [(name, {}) for name in FIRST_ORDER] + [
    ("adagrad", {"lr_decay": 0.1, "initial_accumulator_value": 0.2, "weight_decay": 0.01}),
    ("rmsprop", {"centered": True, "momentum": 0.5, "alpha": 0.9, "weight_decay": 0.01}),
    ("rmsprop", {"momentum": 0.9}),
    ("adadelta", {"rho": 0.5, "weight_decay": 0.1}),
    ("adam", {"beta1": 0.3, "weight_decay": 0.1}),
    ("amsgrad", {"beta2": 0.9}),
    ("adamw", {"weight_decay": 0.5}),
    ("adamax", {"weight_decay": 0.1, "beta1": 0.2}),
    ("nadam", {"momentum_decay": 0.1, "weight_decay": 0.1}),
    ("radam", {"beta2": 0.9, "weight_decay": 0.1}),
    ("rprop", {"etas": (0.3, 1.5), "step_sizes": (1e-3, 0.5)}),
    ("lion", {"weight_decay": 0.5, "beta1": 0.3}),
]


@pytest.mark.parametrize("seed, name, hp", [(i, n, h) for i, (n, h) in enumerate(VARIANTS)],
                         ids=[f"{n}-{i}" for i, (n, _) in enumerate(VARIANTS)])
def test_kernel_matches_reference_over_random_steps(seed, name, hp):
    spec = get_optimizer(name)
    values = spec.check(hp)
    n_slots, n_scalars = spec.state_size(values)
    rng = np.random.default_rng(seed)
    theta = rng.normal(size=7)
    ref_theta = theta.copy()
    state = np.zeros((max(n_slots, 1), theta.size))
    scalars = np.zeros(max(n_scalars, N_SCALARS))
    hpv = np.array(spec.kernel_hp(values) or [0.0])
    ref_state, ref_hp = {}, {**values, **spec.fixed}
    for step in range(1, 51):
        grad = rng.normal(size=theta.size) * rng.choice([1e-3, 1.0, 10.0])
        grad[rng.random(theta.size) < 0.1] = 0.0
        lr = 0.05 * (1 + 0.5 * math.sin(step))  # a varying rate, as under a schedule
        apply_update(spec.rule, theta, grad.copy(), state, scalars, hpv, lr, step, _LAYOUT)
        REFERENCE_RULES[spec.rule](ref_theta, grad.copy(), ref_state, ref_hp, lr, step)
        np.testing.assert_allclose(theta, ref_theta, rtol=1e-12, atol=1e-14, err_msg=f"step {step}")
    assert np.all(np.isfinite(theta))


# ---------------------------------------------------------------------------- records and checks
@pytest.mark.parametrize("name", FIRST_ORDER)
def test_record_is_consistent(name):
    spec = get_optimizer(name)
    hyper_names = {h.name for h in spec.hypers}
    assert set(spec.kernel_args) <= hyper_names | set(spec.fixed)
    assert not hyper_names & set(spec.fixed)
    defaults = spec.defaults()
    for h in spec.hypers:
        assert h.check(h.default, name) == (tuple(h.default) if h.kind == "pair" else h.default)
    assert spec.check({}) == defaults
    assert spec.default_lr > 0 and spec.rule in REFERENCE_RULES
    assert spec.reference and spec.summary


# torch's ValueError checks (and a few ranges beyond them, see the records)
BAD = [
    ("adam", "beta1", 1.5), ("adam", "beta1", 1.0), ("adam", "beta2", -0.1), ("adam", "eps", -1e-8),
    ("adam", "weight_decay", -0.01), ("amsgrad", "beta2", 1.0), ("adamw", "weight_decay", -1.0),
    ("adamax", "beta2", 2.0), ("nadam", "momentum_decay", -0.004), ("radam", "beta1", 1.0),
    ("adagrad", "lr_decay", -0.1), ("adagrad", "initial_accumulator_value", -1.0), ("adagrad", "eps", -1.0),
    ("rmsprop", "alpha", 1.5), ("rmsprop", "momentum", -0.5), ("rmsprop", "centered", "maybe"),
    ("adadelta", "rho", 1.1), ("adadelta", "eps", -1.0),
    ("rprop", "etas", (1.2, 0.5)), ("rprop", "etas", (0.0, 1.2)), ("rprop", "etas", (0.5, 1.0)),
    ("rprop", "etas", (0.5,)), ("rprop", "step_sizes", (1.0, 1e-6)), ("rprop", "step_sizes", (-1.0, 1.0)),
    ("lion", "beta1", 1.5), ("lion", "beta2", -0.1), ("lion", "weight_decay", -0.1),
    ("momentum", "momentum", 1.0), ("momentum", "dampening", 2.0), ("gd", "weight_decay", -1.0),
]


@pytest.fixture(scope="module")
def tiny():
    X = np.array([[0.0, 1.0], [1.0, 0.0]])
    return X, np.array([0.0, 1.0]), Params.from_vector(np.zeros(2 * 2 + 2 * 2 + 1), 2, 2)


@pytest.mark.parametrize("name, param, value", BAD, ids=[f"{n}-{p}-{v}" for n, p, v in BAD])
def test_out_of_range_raises_config_error(tiny, name, param, value):
    X, y, params = tiny
    with pytest.raises(ConfigError, match=f"The '{param}' parameter of {name} must be"):
        train(X, y, params, optimizer=name, epochs=1, **{param: value})


def test_fixed_values_are_not_hyperparameters(tiny):
    X, y, params = tiny
    with pytest.raises(ConfigError, match="adam does not take the hyperparameter 'amsgrad'"):
        train(X, y, params, optimizer="adam", epochs=1, amsgrad=True)


def test_pairs_accept_strings_and_lists():
    spec = get_optimizer("rprop")
    assert spec.check({"etas": "0.4, 1.3", "step_sizes": [1e-5, 1]}) == {"etas": (0.4, 1.3), "step_sizes": (1e-5, 1.0)}
    assert spec.kernel_hp(spec.check({})) == [0.5, 1.2, 1e-6, 50.0]


# ---------------------------------------------------------------------------- mini-batch training
@pytest.fixture(scope="module")
def problem():
    X, y, theta = random_problem(np.random.default_rng(3), 40, 4, 3, scale=0.5)
    return X, y, Params.from_vector(theta, 4, 3)


@pytest.mark.parametrize("name", FIRST_ORDER)
def test_minibatch_training_matches_reference(problem, name, reference_orders_from_oracle):
    X, y, params = problem
    lr = {"lion": 1e-3}.get(name)
    result = train(X, y, params, optimizer=name, epochs=20, batch_size=8, lr=lr, seed=7)
    losses, _, lrs, theta = reference_train(X, y, params, optimizer=name, epochs=20, batch_size=8, lr=lr, seed=7)
    assert reference_orders_from_oracle == [(7, 40, 20)]  # the reference's orders came from the independent oracle
    assert result.epochs_run == 20 and not result.diverged
    assert np.all(np.isfinite(result.losses))
    np.testing.assert_allclose(result.losses, losses, rtol=1e-9, atol=0)
    np.testing.assert_array_equal(result.learning_rates, lrs)
    np.testing.assert_allclose(result.params.to_vector(), theta, rtol=1e-9, atol=1e-12)
