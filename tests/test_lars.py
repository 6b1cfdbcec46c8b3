"""LARS (``dlbench.optimizers.lars``), one step at a time, against values worked out by hand.

The layout is a two-layer network small enough to do the arithmetic on paper:

    layer 1: W1 = [[3], [4]] (2x1, ||W1|| = 5), b1 = [0.5];  gradients [[0.6], [0.8]] (norm 1), [0.2]
    layer 2: W2 = [[2]]      (1x1, ||W2|| = 2), b2 = [-1];   gradients [[-0.5]] (norm 0.5), [0.4]

Formula (You, Gitman & Ginsburg 2017, eq. 6, in pytorch_optimizer.LARS 4.1.0's form): per weight
matrix ``ratio = tc * ||W|| / (||g|| + wd * ||W||)`` (1 if a factor is zero), ``d = (g + wd * W) *
ratio``; biases ``d = g``; buffer from zero ``b = m * b + (1 - dampening) * d``; ``theta -= lr * d``
(``d = b``, or ``d + m * b`` with Nesterov).
"""

import re

import numpy as np
import pytest
from numba import njit

from dlbench.errors import ConfigError
from dlbench.kernels._config import JIT
from dlbench.optimizers import get_optimizer
from dlbench.optimizers.lars import lars_update
from dlbench.reference.layerwise import lars_reference

LAYERS = np.array([[0, 2, 1, 2, 1], [3, 1, 1, 4, 1]], dtype=np.int64)
THETA = np.array([3.0, 4.0, 0.5, 2.0, -1.0])  # W1 (2x1), b1, W2 (1x1), b2
GRAD = np.array([0.6, 0.8, 0.2, -0.5, 0.4])
SPEC = get_optimizer("lars")


def hp(momentum=0.0, dampening=0.0, weight_decay=0.0, trust_coefficient=0.1, nesterov=False):
    values = SPEC.check(dict(momentum=momentum, dampening=dampening, weight_decay=weight_decay,
                             trust_coefficient=trust_coefficient, nesterov=nesterov))
    return np.array(SPEC.kernel_hp(values)), values


def step(theta, grad, lr, buf=None, **kw):
    """``(theta, buffer)`` after one step of the rule, and the same through the NumPy reference."""
    vec, values = hp(**kw)
    theta_k, state = theta.copy(), np.zeros((1, theta.size)) if buf is None else np.array([buf], dtype=float)
    lars_update(theta_k, grad.copy(), state, np.zeros(4), vec, lr, 1, LAYERS)
    theta_r, ref_state = theta.copy(), {} if buf is None else {"buf": np.array(buf, dtype=float)}
    lars_reference(theta_r, grad.copy(), ref_state, values, lr, 1, LAYERS)
    return theta_k, state[0], theta_r, ref_state


def check(theta, grad, lr, expected, expected_buf=None, **kw):
    theta_k, buf_k, theta_r, state_r = step(theta, grad, lr, **kw)
    np.testing.assert_allclose(theta_k, expected, rtol=1e-15, atol=1e-15)
    np.testing.assert_allclose(theta_r, expected, rtol=1e-15, atol=1e-15)
    if expected_buf is not None:
        np.testing.assert_allclose(buf_k, expected_buf, rtol=1e-15, atol=1e-15)
        np.testing.assert_allclose(state_r["buf"], expected_buf, rtol=1e-15, atol=1e-15)
    return buf_k


def test_trust_ratio_per_weight_matrix_biases_plain_sgd():
    # ratio1 = 0.1 * 5 / 1 = 0.5, ratio2 = 0.1 * 2 / 0.5 = 0.4; biases step by their gradient
    buf = check(THETA, GRAD, 1.0, [3 - 0.3, 4 - 0.4, 0.5 - 0.2, 2 - 0.4 * -0.5, -1 - 0.4])
    assert not buf.any(), "without momentum the buffer is not used"


def test_weight_decay_inside_the_ratio_and_not_on_biases():
    # wd = 0.5: ratio1 = 0.5 / (1 + 2.5) = 1/7, d1 = ([0.6, 0.8] + 0.5 * [3, 4]) / 7 = [0.3, 0.4];
    # ratio2 = 0.2 / (0.5 + 1) = 2/15, d2 = (-0.5 + 1) * 2/15 = 1/15; biases: no decay
    expected = [3 - 0.03, 4 - 0.04, 0.5 - 0.02, 2 - 0.1 / 15, -1 - 0.04]
    check(THETA, GRAD, 0.1, expected, weight_decay=0.5)


def test_first_step_buffer_starts_at_zero_not_at_the_gradient():
    # torch.optim.SGD would set b = d on the first step; the reference's buffer starts at zero,
    # so with dampening 0.5 the first step is 0.5 * d = 0.5 * [0.3, 0.4, 0.2, -0.2, 0.4]
    d = np.array([0.3, 0.4, 0.2, -0.2, 0.4])
    check(THETA, GRAD, 1.0, THETA - 0.5 * d, 0.5 * d, momentum=0.9, dampening=0.5)


def test_heavy_ball_momentum_with_a_set_buffer():
    # b = 0.9 * [1, -1, 2, 0.5, 0] + 0.5 * [0.3, 0.4, 0.2, -0.2, 0.4] = [1.05, -0.7, 1.9, 0.35, 0.2]
    b = [1.05, -0.7, 1.9, 0.35, 0.2]
    expected = [3 - 1.05, 4 + 0.7, 0.5 - 1.9, 2 - 0.35, -1 - 0.2]
    check(THETA, GRAD, 1.0, expected, b, buf=[1, -1, 2, 0.5, 0], momentum=0.9, dampening=0.5)


def test_nesterov_steps_along_d_plus_momentum_times_buffer():
    # d + 0.9 * b = [0.3 + 0.945, 0.4 - 0.63, 0.2 + 1.71, -0.2 + 0.315, 0.4 + 0.18], times lr = 2
    b = [1.05, -0.7, 1.9, 0.35, 0.2]
    expected = [3 - 2 * 1.245, 4 + 2 * 0.23, 0.5 - 2 * 1.91, 2 - 2 * 0.115, -1 - 2 * 0.58]
    check(THETA, GRAD, 2.0, expected, b, buf=[1, -1, 2, 0.5, 0], momentum=0.9, dampening=0.5, nesterov=True)


def test_zero_norms_give_ratio_one():
    # W1 = 0: ratio 1, d1 = g1; g2 = 0 and wd = 0: denominator 0, ratio 1, d2 = 0
    theta = np.array([0.0, 0.0, 0.5, 2.0, -1.0])
    grad = np.array([0.6, 0.8, 0.2, 0.0, 0.4])
    check(theta, grad, 1.0, [-0.6, -0.8, 0.3, 2.0, -1.4])
    # wd = 0.5: W1 = 0 still ratio 1 (d1 = g1 + 0.5 * 0); g2 = 0: ratio 0.1 * 2 / (0 + 1) = 0.2, d2 = 1 * 0.2
    check(theta, grad, 1.0, [-0.6, -0.8, 0.3, 1.8, -1.4], weight_decay=0.5)


def test_nan_gradient_norm_falls_back_to_ratio_one_and_propagates():
    grad = GRAD.copy()
    grad[0] = np.nan
    theta_k, _, theta_r, _ = step(THETA, grad, 1.0)
    assert np.isnan(theta_k[:2]).sum() == 1 and np.isnan(theta_r[:2]).sum() == 1
    np.testing.assert_allclose(theta_k[1], 4 - 0.8)  # ratio 1, as torch.where with a NaN test
    np.testing.assert_allclose(theta_k[2:], [0.3, 2.2, -1.4])


def test_compiled_rule_matches_reference_over_many_steps():
    """Random three-layer layouts, every option: the Numba-compiled rule and the NumPy reference
    agree over 20 steps."""
    compiled = njit(**JIT)(lars_update)
    rng = np.random.default_rng(0)
    widths = [4, 3, 2, 3]
    rows, offset = [], 0
    for fan_in, fan_out in zip(widths[:-1], widths[1:]):
        rows.append((offset, fan_in, fan_out, offset + fan_in * fan_out, fan_out))
        offset += fan_in * fan_out + fan_out
    layers = np.array(rows, dtype=np.int64)
    for kw in [dict(momentum=0.9), dict(momentum=0.8, dampening=0.3, weight_decay=0.01, nesterov=True),
               dict(momentum=0.0, weight_decay=0.1, trust_coefficient=0.02)]:
        vec, values = hp(**kw)
        theta = rng.normal(size=offset)
        theta_r, state, ref_state = theta.copy(), np.zeros((1, offset)), {}
        for t in range(1, 21):
            grad = rng.normal(size=offset)
            compiled(theta, grad.copy(), state, np.zeros(4), vec, 0.3, t, layers)
            lars_reference(theta_r, grad, ref_state, values, 0.3, t, layers)
        np.testing.assert_allclose(theta, theta_r, rtol=1e-12, atol=1e-14)


def test_record_follows_the_reference_constructor():
    assert SPEC.reference.startswith("pytorch_optimizer.LARS")
    # pytorch_optimizer.LARS(lr=1e-3, weight_decay=0.0, momentum=0.9, dampening=0.0, trust_coefficient=1e-3, nesterov=False)
    assert SPEC.default_lr == 1e-3
    assert SPEC.defaults() == {"momentum": 0.9, "dampening": 0.0, "weight_decay": 0.0, "trust_coefficient": 1e-3, "nesterov": False}
    assert SPEC.n_slots == 1
    assert hp(momentum=0.5, dampening=0.25, weight_decay=0.125, trust_coefficient=2.0, nesterov=True)[0].tolist() == [0.5, 0.25, 0.125, 2.0, 1.0]


@pytest.mark.parametrize("name, value, expected", [
    ("momentum", 1.0, "a float in [0, 1)"),
    ("dampening", -0.1, "a float in [0, 1)"),
    ("trust_coefficient", -1e-3, "a float in [0, inf)"),
    ("weight_decay", float("nan"), "a float in [0, inf)"),
])
def test_bad_hyperparameters_are_one_line_errors(name, value, expected):
    with pytest.raises(ConfigError, match="^" + re.escape(f"The '{name}' parameter of lars must be {expected}. Got ")):
        SPEC.check({name: value})
