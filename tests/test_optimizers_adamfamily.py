"""AdaBelief, Yogi, Adan, ADOPT and AdEMAMix (pytorch-optimizer 4.1.0), and the cautious mask of
adam/adamw/amsgrad/lion/adopt/ademamix: hand-derived single steps.

Each test sets the state by hand, writes the expected step out from the reference's formula with
small literal numbers, and checks both the compiled rule (through ``apply_update``) and the NumPy
reference. Then: kernels against references over random steps, the records (defaults equal to the
reference constructor's, as the parity fixture recorded them), range errors, and default runs.
"""

import json
import math
from pathlib import Path

import numpy as np
import pytest

from dlbench.errors import ConfigError
from dlbench.kernels.dispatch import apply_update
from dlbench.model import Params
from dlbench.optimizers import get_optimizer
from dlbench.optimizers.base import N_SCALARS
from dlbench.reference.optimizers import REFERENCE_RULES
from dlbench.training import train

NAMES = ("adabelief", "yogi", "adan", "adopt", "ademamix")
_LAYOUT = np.zeros((1, 5), dtype=np.int64)  # elementwise rules ignore the layout
THETA = np.array([0.5, -1.0, 2.0, -0.25])
GRAD = np.array([0.1, -0.3, 0.0, 2.0])
M0 = np.array([0.05, -0.1, 0.2, 0.5])
V0 = np.array([0.01, 0.02, 0.0, 0.5])
TIGHT = dict(rtol=1e-14, atol=1e-15)


def step_both(name, lr, step, hp, slots=(), ref_state=None, theta=THETA, grad=GRAD, layers=_LAYOUT):
    """One step of the kernel and of the reference from the same hand-set state.

    Returns ``(kernel theta, kernel slots, reference theta, reference state)``."""
    spec = get_optimizer(name)
    values = spec.check(hp)
    n_slots, n_scalars = spec.state_size(values)
    state = np.zeros((n_slots, theta.size))
    for k, slot in enumerate(slots):
        state[k] = slot
    th = theta.copy()
    apply_update(spec.rule, th, grad.copy(), state, np.zeros(max(n_scalars, N_SCALARS)),
                 np.array(spec.kernel_hp(values)), float(lr), step, layers)
    rs = {k: np.array(v, dtype=float) for k, v in (ref_state or {}).items()}
    ref = theta.copy()
    REFERENCE_RULES[spec.rule](ref, grad.copy(), rs, {**values, **spec.fixed, "layers": layers}, float(lr), step)
    return th, state, ref, rs


def assert_both(expected, th, ref):
    np.testing.assert_allclose(th, expected, **TIGHT)
    np.testing.assert_allclose(ref, expected, **TIGHT)


# ---------------------------------------------------------------------------- AdaBelief
def test_adabelief_first_step_defaults():
    th, state, ref, _ = step_both("adabelief", 0.01, 1, {})
    m = 0.1 * GRAD
    s = 0.001 * (0.9 * GRAD) ** 2 + 1e-16  # eps is added inside the belief average
    np.testing.assert_allclose(state[1], s, **TIGHT)
    expected = THETA - 0.01 / 0.1 * m / (np.sqrt(s) / math.sqrt(0.001) + 1e-16)
    assert_both(expected, th, ref)
    # sqrt(s_1 / 0.001) = 0.9 |g|: a first step of lr / 0.9 * sign(g) where g != 0, none where g = 0
    np.testing.assert_allclose((THETA - th)[[0, 1, 3]], 0.01 / 0.9 * np.sign(GRAD[[0, 1, 3]]), rtol=1e-9)
    assert th[2] == THETA[2]


def test_adabelief_decoupled_decay_is_the_default():
    th, _, ref, _ = step_both("adabelief", 0.1, 2, {"weight_decay": 0.5, "beta1": 0.8, "beta2": 0.9},
                              [M0, V0], {"exp_avg": M0, "exp_avg_var": V0})
    shrunk = THETA * (1 - 0.1 * 0.5)
    m = 0.8 * M0 + 0.2 * GRAD  # the raw gradient
    s = 0.9 * V0 + 0.1 * (GRAD - m) ** 2 + 1e-16
    assert_both(shrunk - 0.1 / (1 - 0.8**2) * m / (np.sqrt(s) / math.sqrt(1 - 0.9**2) + 1e-16), th, ref)


def test_adabelief_coupled_decay_and_ams_bound():
    smax0 = np.array([0.5, 0.0, 0.0, 0.0])
    hp = {"weight_decay": 0.1, "weight_decouple": False, "ams_bound": True, "eps": 1e-6}
    th, state, ref, rs = step_both("adabelief", 0.01, 3, hp, [M0, V0, smax0],
                                   {"exp_avg": M0, "exp_avg_var": V0, "max_exp_avg_var": smax0})
    g = GRAD + 0.1 * THETA
    m = 0.9 * M0 + 0.1 * g
    s = 0.999 * V0 + 0.001 * (g - m) ** 2 + 1e-6
    smax = np.maximum(smax0, s)
    assert smax[0] == 0.5 and smax[3] == s[3]
    np.testing.assert_allclose(state[2], smax, **TIGHT)
    np.testing.assert_allclose(rs["max_exp_avg_var"], smax, **TIGHT)
    assert_both(THETA - 0.01 / (1 - 0.9**3) * m / (np.sqrt(smax) / math.sqrt(1 - 0.999**3) + 1e-6), th, ref)


def test_adabelief_rectified_once_rho_reaches_the_threshold():
    # beta2 = 0.9, t = 10: rho_inf = 19, rho_10 = 19 - 20 * 0.9**10 / (1 - 0.9**10) = 8.29 >= 5
    b2t = 0.9**10
    rho = 19 - 20 * b2t / (1 - b2t)
    assert 8.2 < rho < 8.3
    r = math.sqrt((1 - b2t) * (rho - 4) / 15 * (rho - 2) / rho * 19 / 17)
    th, _, ref, _ = step_both("adabelief", 0.01, 10, {"rectify": True, "beta2": 0.9}, [M0, V0],
                              {"exp_avg": M0, "exp_avg_var": V0})
    m = 0.9 * M0 + 0.1 * GRAD
    s = 0.9 * V0 + 0.1 * (GRAD - m) ** 2 + 1e-16
    # rectified: no sqrt(1 - beta2**t) inside the denominator, it is in r
    assert_both(THETA - 0.01 * r / (1 - 0.9**10) * m / (np.sqrt(s) + 1e-16), th, ref)


@pytest.mark.parametrize("degenerated", [True, False])
def test_adabelief_below_the_threshold_sgd_or_nothing(degenerated):
    # t = 2, beta2 = 0.999: rho_2 = 1999 - 4 * 0.998001 / 0.001999 < 2 < 5
    hp = {"rectify": True, "degenerated_to_sgd": degenerated, "fixed_decay": True, "weight_decay": 0.1}
    th, _, ref, _ = step_both("adabelief", 0.01, 2, hp, [M0, V0], {"exp_avg": M0, "exp_avg_var": V0})
    shrunk = THETA * (1 - 0.1)  # fixed decay: no lr factor
    m = 0.9 * M0 + 0.1 * GRAD
    expected = shrunk - 0.01 / (1 - 0.9**2) * m if degenerated else shrunk
    assert_both(expected, th, ref)


def test_adabelief_threshold_is_a_hyperparameter():
    # rho_10 = 8.29 with beta2 = 0.9: below a threshold of 9, so the SGD step
    th, _, ref, _ = step_both("adabelief", 0.01, 10, {"rectify": True, "beta2": 0.9, "n_sma_threshold": 9},
                              [M0, V0], {"exp_avg": M0, "exp_avg_var": V0})
    assert_both(THETA - 0.01 / (1 - 0.9**10) * (0.9 * M0 + 0.1 * GRAD), th, ref)


# ---------------------------------------------------------------------------- Yogi
def test_yogi_first_step_starts_from_initial_accumulator():
    th, state, ref, _ = step_both("yogi", 0.01, 1, {"initial_accumulator": 0.05})
    m = 0.9 * 0.05 + 0.1 * GRAD
    g2 = GRAD**2
    v = 0.05 - 0.001 * np.sign(0.05 - g2) * g2  # 0.05 > 0.01 and 0; < 0.09 and 4
    np.testing.assert_allclose(v, [0.05 - 1e-5, 0.05 + 9e-5, 0.05, 0.054], rtol=1e-12)
    np.testing.assert_allclose(state[0], m, **TIGHT)
    np.testing.assert_allclose(state[1], v, **TIGHT)
    assert_both(THETA - 0.01 / 0.1 * m / (np.sqrt(v) / math.sqrt(0.001) + 1e-3), th, ref)


def test_yogi_later_step_sign_and_decoupled_decay():
    v0 = np.array([0.1 * 0.1, 0.3 * 0.3, 0.0, 5.0])  # v = g^2 exactly for the first two: sign 0
    g2 = GRAD**2
    th, state, ref, _ = step_both("yogi", 0.02, 4, {"weight_decay": 0.5, "beta2": 0.9}, [M0, v0],
                                  {"exp_avg": M0, "exp_avg_sq": v0})
    shrunk = THETA * (1 - 0.02 * 0.5)
    m = 0.9 * M0 + 0.1 * GRAD
    v = v0 - 0.1 * np.sign(v0 - g2) * g2
    assert v[0] == v0[0] and v[2] == 0.0 and v[3] == 5.0 - 0.4
    assert_both(shrunk - 0.02 / (1 - 0.9**4) * m / (np.sqrt(v) / math.sqrt(1 - 0.9**4) + 1e-3), th, ref)
    np.testing.assert_allclose(state[1], v, **TIGHT)


def test_yogi_coupled_decay():
    hp = {"weight_decay": 0.1, "weight_decouple": False}
    th, _, ref, _ = step_both("yogi", 0.01, 2, hp, [M0, V0], {"exp_avg": M0, "exp_avg_sq": V0})
    g = GRAD + 0.1 * THETA
    m = 0.9 * M0 + 0.1 * g
    v = V0 - 0.001 * np.sign(V0 - g * g) * g * g
    assert_both(THETA - 0.01 / (1 - 0.81) * m / (np.sqrt(v) / math.sqrt(1 - 0.999**2) + 1e-3), th, ref)


# ---------------------------------------------------------------------------- Adan
def test_adan_first_step_has_no_gradient_difference():
    th, state, ref, _ = step_both("adan", 0.01, 1, {})
    # d_1 = 0: m = 0.02 g, n = 0, v = 0.01 g^2 -> theta - lr g / (|g| + eps)
    np.testing.assert_allclose(state[1], 0.0, atol=0)
    np.testing.assert_allclose(state[3], -GRAD, atol=0)  # minus the gradient, for the next difference
    assert_both(THETA - 0.01 * GRAD / (np.abs(GRAD) + 1e-8), th, ref)


N0 = np.array([0.01, 0.0, -0.02, 0.1])
GPREV = np.array([0.2, -0.1, 0.1, 1.0])


def adan_expected(lr, t, b1, b2, b3, wd, decouple, theta=THETA):
    d = GRAD - GPREV
    m = b1 * M0 + (1 - b1) * GRAD
    n = b2 * N0 + (1 - b2) * d
    v = b3 * V0 + (1 - b3) * (GRAD + b2 * d) ** 2
    denom = np.sqrt(v) / math.sqrt(1 - b3**t) + 1e-8
    p = theta * (1 - lr * wd) if decouple else theta
    p = p - lr / (1 - b1**t) * m / denom - lr * b2 / (1 - b2**t) * n / denom
    return p if decouple else p / (1 + lr * wd)


@pytest.mark.parametrize("decouple", [False, True])
def test_adan_third_step_with_decay(decouple):
    hp = {"weight_decay": 0.2, "weight_decouple": decouple, "beta1": 0.9, "beta2": 0.8, "beta3": 0.95}
    th, state, ref, _ = step_both("adan", 0.05, 3, hp, [M0, N0, V0, -GPREV],
                                  {"exp_avg": M0, "exp_avg_diff": N0, "exp_avg_sq": V0, "prev": GPREV})
    assert_both(adan_expected(0.05, 3, 0.9, 0.8, 0.95, 0.2, decouple), th, ref)
    np.testing.assert_array_equal(state[3], -GRAD)


def test_adan_defaults_are_the_references():
    spec = get_optimizer("adan")
    d = spec.defaults()
    assert (d["beta1"], d["beta2"], d["beta3"], d["eps"], d["weight_decouple"]) == (0.98, 0.92, 0.99, 1e-8, False)


# ---------------------------------------------------------------------------- ADOPT
def test_adopt_first_step_only_initialises_the_second_moment():
    th, state, ref, rs = step_both("adopt", 0.01, 1, {"weight_decay": 0.1})
    g = GRAD + 0.1 * THETA  # coupled decay by default
    assert_both(THETA, th, ref)
    np.testing.assert_allclose(state[1], g * g, **TIGHT)
    np.testing.assert_allclose(rs["exp_avg_sq"], g * g, **TIGHT)
    np.testing.assert_array_equal(state[0], 0.0)


def test_adopt_second_step_normalises_by_the_previous_moment_and_clips():
    v0 = np.array([0.01, 1e-4, 0.0, 1e-14])  # last two: the eps floor 1e-6
    th, state, ref, _ = step_both("adopt", 0.01, 2, {}, [M0, v0], {"exp_avg": M0, "exp_avg_sq": v0})
    c = 2**0.25
    n = np.array([0.1 / 0.1, -0.3 / 0.01, 0.0, 2.0 / 1e-6])
    n = np.clip(n, -c, c)
    assert n[0] == 1.0 and n[1] == -c and n[3] == c
    m = 0.9 * M0 + 0.1 * n
    assert_both(THETA - 0.01 * m, th, ref)
    np.testing.assert_allclose(state[1], 0.9999 * v0 + 1e-4 * GRAD**2, **TIGHT)


def test_adopt_decoupled_decay_also_on_the_first_step():
    th, _, ref, _ = step_both("adopt", 0.1, 1, {"weight_decay": 0.5, "weight_decouple": True})
    assert_both(THETA * (1 - 0.1 * 0.5), th, ref)


# ---------------------------------------------------------------------------- AdEMAMix
S0 = np.array([0.1, 0.2, -0.3, 0.0])


def test_ademamix_third_step_without_warmup():
    th, state, ref, _ = step_both("ademamix", 0.01, 3, {"weight_decay": 0.1}, [M0, V0, S0],
                                  {"exp_avg": M0, "exp_avg_sq": V0, "exp_avg_slow": S0})
    g = GRAD + 0.1 * THETA  # coupled decay by default
    m = 0.9 * M0 + 0.1 * g
    v = 0.999 * V0 + 0.001 * g * g
    slow = 0.9999 * S0 + 0.0001 * g
    expected = THETA - 0.01 * (m / (1 - 0.9**3) + 5.0 * slow) / (np.sqrt(v) / math.sqrt(1 - 0.999**3) + 1e-8)
    assert_both(expected, th, ref)
    np.testing.assert_allclose(state[2], slow, **TIGHT)


def test_ademamix_warmup_schedules():
    # T = 100, t = 10: alpha_t = 10 * 5 / 100 = 0.5; beta3_t between beta1 and beta3, from eq. 5
    l1, l3 = math.log(0.9), math.log(0.9999)
    b3t = math.exp(l1 * l3 / (0.9 * l3 + 0.1 * l1))
    assert 0.9 < b3t < 0.9999
    th, state, ref, _ = step_both("ademamix", 0.01, 10, {"t_alpha_beta3": 100.0}, [M0, V0, S0],
                                  {"exp_avg": M0, "exp_avg_sq": V0, "exp_avg_slow": S0})
    m = 0.9 * M0 + 0.1 * GRAD
    v = 0.999 * V0 + 0.001 * GRAD**2
    slow = b3t * S0 + (1 - b3t) * GRAD
    np.testing.assert_allclose(state[2], slow, **TIGHT)
    expected = THETA - 0.01 * (m / (1 - 0.9**10) + 0.5 * slow) / (np.sqrt(v) / math.sqrt(1 - 0.999**10) + 1e-8)
    assert_both(expected, th, ref)


def test_ademamix_schedules_end_at_alpha_and_beta3():
    # t = 150 > T = 100: alpha_t = min(7.5, 5) = 5, beta3_t = min(exp(...), beta3) = beta3
    th, state, ref, _ = step_both("ademamix", 0.01, 150, {"t_alpha_beta3": 100.0, "beta3": 0.99}, [M0, V0, S0],
                                  {"exp_avg": M0, "exp_avg_sq": V0, "exp_avg_slow": S0})
    m = 0.9 * M0 + 0.1 * GRAD
    v = 0.999 * V0 + 0.001 * GRAD**2
    slow = 0.99 * S0 + 0.01 * GRAD
    expected = THETA - 0.01 * (m / (1 - 0.9**150) + 5.0 * slow) / (np.sqrt(v) / math.sqrt(1 - 0.999**150) + 1e-8)
    assert_both(expected, th, ref)


# ---------------------------------------------------------------------------- the cautious mask
# four tensors, as the layout rows (w_offset, fan_in, fan_out, b_offset, b_size) say: W1 = [0],
# b1 = [1], W2 = [2, 3], b2 = [4, 5]
LAYERS6 = np.array([[0, 1, 1, 1, 1], [2, 1, 2, 4, 2]], dtype=np.int64)
THETA6 = np.array([0.5, -1.0, 2.0, -0.25, 0.3, 0.1])
GRAD6 = np.array([0.1, -0.3, 0.2, 2.0, -0.5, 0.4])
M6 = np.array([0.05, 0.5, 0.2, 0.5, 0.1, 0.3])
V6 = np.array([0.01, 0.02, 0.0, 0.5, 0.1, 0.2])
# with beta1 = 0.9, m_t = 0.9 M6 + 0.1 g = [0.055, 0.42, 0.2, 0.65, 0.04, 0.31]: it agrees in sign
# with g at 0, 2, 3, 5. Per tensor numel / (count + 1): W1 1/2, b1 1/1 (masked), W2 2/3, b2 2/2.
MASK_SCALE6 = np.array([1 / 2, 0.0, 2 / 3, 2 / 3, 0.0, 1.0])


def test_mask_of_the_hand_example():
    m = 0.9 * M6 + 0.1 * GRAD6
    np.testing.assert_allclose(m, [0.055, 0.42, 0.2, 0.65, 0.04, 0.31], rtol=1e-14)
    assert list(m * GRAD6 > 0) == [True, False, True, True, False, True]


@pytest.mark.parametrize("name, hp, decayed", [
    ("adam", {"cautious": True, "weight_decay": 0.0}, False),
    ("adamw", {"cautious": True, "weight_decay": 0.1}, True),
])
def test_cautious_adam_and_adamw_mask_the_first_moment(name, hp, decayed):
    th, state, ref, _ = step_both(name, 0.01, 2, hp, [M6, V6], {"exp_avg": M6, "exp_avg_sq": V6},
                                  theta=THETA6, grad=GRAD6, layers=LAYERS6)
    m = 0.9 * M6 + 0.1 * GRAD6
    v = 0.999 * V6 + 0.001 * GRAD6**2
    start = THETA6 * (1 - 0.01 * 0.1) if decayed else THETA6
    expected = start - 0.01 / (1 - 0.81) * (m * MASK_SCALE6) / (np.sqrt(v) / math.sqrt(1 - 0.999**2) + 1e-8)
    assert_both(expected, th, ref)
    assert th[1] == start[1] and th[4] == start[4]  # masked: only the decay moved them
    np.testing.assert_allclose(state[0], m, **TIGHT)  # the moment itself is not masked
    np.testing.assert_allclose(state[2], GRAD6, **TIGHT)


def test_cautious_adam_masks_against_the_decayed_gradient():
    # coupled L2, wd = 2: g = grad + 2 theta = [1.1, -2.3, 4.2, 1.5, 0.1, 0.6] (g[4] changes sign),
    # m_t = [0.155, 0.22, 0.6, 0.6, 0.1, 0.33]: only entry 1 disagrees
    g = GRAD6 + 2.0 * THETA6
    m = 0.9 * M6 + 0.1 * g
    assert list(m * g > 0) == [True, False, True, True, True, True]
    scale = np.array([1 / 2, 0.0, 2 / 3, 2 / 3, 2 / 3, 2 / 3])
    th, _, ref, _ = step_both("adam", 0.01, 2, {"cautious": True, "weight_decay": 2.0}, [M6, V6],
                              {"exp_avg": M6, "exp_avg_sq": V6}, theta=THETA6, grad=GRAD6, layers=LAYERS6)
    v = 0.999 * V6 + 0.001 * g**2
    assert_both(THETA6 - 0.01 / (1 - 0.81) * (m * scale) / (np.sqrt(v) / math.sqrt(1 - 0.999**2) + 1e-8), th, ref)


def test_cautious_amsgrad_divides_by_the_maximum():
    vmax0 = np.array([0.5, 0.0, 0.1, 0.0, 1.0, 0.0])
    th, _, ref, _ = step_both("amsgrad", 0.01, 2, {"cautious": True}, [M6, V6, vmax0],
                              {"exp_avg": M6, "exp_avg_sq": V6, "max_exp_avg_sq": vmax0},
                              theta=THETA6, grad=GRAD6, layers=LAYERS6)
    m = 0.9 * M6 + 0.1 * GRAD6
    vmax = np.maximum(vmax0, 0.999 * V6 + 0.001 * GRAD6**2)
    assert_both(THETA6 - 0.01 / (1 - 0.81) * (m * MASK_SCALE6) / (np.sqrt(vmax) / math.sqrt(1 - 0.999**2) + 1e-8), th, ref)


def test_cautious_lion_masks_the_sign_not_the_decay():
    # beta1 = 0.9: c = 0.1 g + 0.9 m is m_t above, all positive: u = 1 everywhere, so u g > 0 where g > 0
    th, state, ref, _ = step_both("lion", 1e-3, 3, {"cautious": True, "weight_decay": 0.5}, [M6], {"m": M6},
                                  theta=THETA6, grad=GRAD6, layers=LAYERS6)
    u = np.ones(6) * MASK_SCALE6
    assert_both(THETA6 - 1e-3 * (u + 0.5 * THETA6), th, ref)
    np.testing.assert_allclose(state[0], 0.99 * M6 + 0.01 * GRAD6, **TIGHT)


def test_cautious_adopt_masks_against_the_normalised_gradient():
    v0 = np.array([0.04, 0.09, 0.01, 1.0, 1.0, 0.04])
    n = GRAD6 / np.sqrt(v0)  # [0.5, -1, 2 -> clipped at 2**0.25, 2 -> clipped, -0.5, 2 -> clipped]
    n = np.clip(n, -(2**0.25), 2**0.25)
    m = 0.9 * M6 + 0.1 * n
    assert list(m * n > 0) == [True, False, True, True, False, True]
    th, _, ref, _ = step_both("adopt", 0.01, 2, {"cautious": True}, [M6, v0], {"exp_avg": M6, "exp_avg_sq": v0},
                              theta=THETA6, grad=GRAD6, layers=LAYERS6)
    assert_both(THETA6 - 0.01 * m * MASK_SCALE6, th, ref)


def test_cautious_ademamix_masks_the_fast_average_only():
    S6 = np.array([0.1, 0.2, -0.3, 0.0, 0.5, -0.1])
    th, _, ref, _ = step_both("ademamix", 0.01, 2, {"cautious": True}, [M6, V6, S6],
                              {"exp_avg": M6, "exp_avg_sq": V6, "exp_avg_slow": S6},
                              theta=THETA6, grad=GRAD6, layers=LAYERS6)
    m = 0.9 * M6 + 0.1 * GRAD6
    v = 0.999 * V6 + 0.001 * GRAD6**2
    slow = 0.9999 * S6 + 0.0001 * GRAD6
    expected = THETA6 - 0.01 * (m * MASK_SCALE6 / (1 - 0.81) + 5.0 * slow) / (np.sqrt(v) / math.sqrt(1 - 0.999**2) + 1e-8)
    assert_both(expected, th, ref)


def test_cautious_adamax():
    u0 = np.array([0.5, 0.1, 0.0, 1.0, 0.2, 0.0])
    th, _, ref, _ = step_both("adamax", 0.002, 2, {"cautious": True}, [M6, u0], {"exp_avg": M6, "exp_inf": u0},
                              theta=THETA6, grad=GRAD6, layers=LAYERS6)
    m = 0.9 * M6 + 0.1 * GRAD6
    u = np.maximum(0.999 * u0, np.abs(GRAD6) + 1e-8)
    assert_both(THETA6 - 0.002 / (1 - 0.81) * (m * MASK_SCALE6) / u, th, ref)


@pytest.mark.parametrize("step, beta2", [(2, 0.999), (10, 0.9)])
def test_cautious_radam_before_and_after_rectification(step, beta2):
    th, _, ref, _ = step_both("radam", 0.01, step, {"cautious": True, "beta2": beta2}, [M6, V6],
                              {"exp_avg": M6, "exp_avg_sq": V6}, theta=THETA6, grad=GRAD6, layers=LAYERS6)
    m = 0.9 * M6 + 0.1 * GRAD6
    v = beta2 * V6 + (1 - beta2) * GRAD6**2
    mhat = m * MASK_SCALE6 / (1 - 0.9**step)
    if step == 2:  # rho_2 < 5: plain momentum
        expected = THETA6 - 0.01 * mhat
    else:  # rho_10 = 8.29 with beta2 = 0.9 (rho_inf = 19)
        rho = 19 - 20 * 0.9**10 / (1 - 0.9**10)
        r = math.sqrt((rho - 4) * (rho - 2) * 19 / (15 * 17 * rho))
        expected = THETA6 - 0.01 * mhat * math.sqrt(1 - 0.9**10) / (np.sqrt(v) + 1e-8) * r
    assert_both(expected, th, ref)


def test_cautious_is_a_boolean_of_the_adam_family_and_lion():
    have = {n for n in ("adam", "adamw", "amsgrad", "lion", "adopt", "ademamix", "nadam", "radam", "adamax",
                        "adabelief", "yogi", "adan") if "cautious" in get_optimizer(n).defaults()}
    assert have == {"adam", "adamw", "amsgrad", "adamax", "radam", "nadam", "lion", "adopt", "ademamix"}
    for name in have:
        spec = get_optimizer(name)
        assert spec.defaults()["cautious"] is False
        off, on = spec.state_size(spec.check({})), spec.state_size(spec.check({"cautious": "true"}))
        assert on[0] == off[0] + 1  # one scratch slot for the mask's second pass


# ---------------------------------------------------------------------------- kernels vs references
VARIANTS = [(name, {}) for name in NAMES] + [
    ("adabelief", {"rectify": True, "ams_bound": True, "weight_decay": 0.1, "weight_decouple": False}),
    ("adabelief", {"rectify": True, "degenerated_to_sgd": False, "beta1": 0.3, "weight_decay": 0.1, "fixed_decay": True}),
    ("yogi", {"weight_decay": 0.1, "weight_decouple": False, "beta1": 0.2, "initial_accumulator": 0.1}),
    ("adan", {"weight_decay": 0.1, "beta1": 0.3, "beta2": 0.4}),
    ("adan", {"weight_decay": 0.1, "weight_decouple": True, "beta3": 0.9}),
    ("adopt", {"weight_decay": 0.1, "beta1": 0.3, "eps": 1e-2}),
    ("adopt", {"weight_decay": 0.1, "weight_decouple": True, "fixed_decay": True}),
    ("ademamix", {"t_alpha_beta3": 20.0, "beta3": 0.3, "weight_decay": 0.1}),
    ("ademamix", {"t_alpha_beta3": 30.0, "weight_decay": 0.1, "weight_decouple": True, "alpha": 2.0}),
] + [(name, {"cautious": True, "weight_decay": 0.1}) for name in
     ("adam", "adamw", "amsgrad", "adamax", "radam", "lion", "adopt", "ademamix")] + [
    ("ademamix", {"cautious": True, "t_alpha_beta3": 20.0, "weight_decouple": True, "weight_decay": 0.1}),
]
# seven parameters as four tensors: W1 [0, 2), b1 [2, 4), W2 [4, 6), b2 [6, 7)
LAYERS7 = np.array([[0, 1, 2, 2, 2], [4, 2, 1, 6, 1]], dtype=np.int64)


@pytest.mark.parametrize("seed, name, hp", [(i, n, h) for i, (n, h) in enumerate(VARIANTS)],
                         ids=[f"{n}-{i}" for i, (n, _) in enumerate(VARIANTS)])
def test_kernel_matches_reference_over_random_steps(seed, name, hp):
    spec = get_optimizer(name)
    values = spec.check(hp)
    n_slots, n_scalars = spec.state_size(values)
    rng = np.random.default_rng(seed)
    theta = rng.normal(size=7)
    ref_theta = theta.copy()
    state = np.zeros((n_slots, theta.size))
    scalars = np.zeros(max(n_scalars, N_SCALARS))
    hpv = np.array(spec.kernel_hp(values))
    ref_state, ref_hp = {}, {**values, **spec.fixed}
    for step in range(1, 51):
        grad = rng.normal(size=theta.size) * rng.choice([1e-3, 1.0, 10.0])
        grad[rng.random(theta.size) < 0.1] = 0.0
        lr = 0.05 * (1 + 0.5 * math.sin(step))  # a varying rate, as under a schedule
        apply_update(spec.rule, theta, grad.copy(), state, scalars, hpv, lr, step, LAYERS7)
        REFERENCE_RULES[spec.rule](ref_theta, grad.copy(), ref_state, {**ref_hp, "layers": LAYERS7}, lr, step)
        # Numba's fastmath may reassociate (kernels/_config.py): rounding-level differences only
        np.testing.assert_allclose(theta, ref_theta, rtol=1e-12, atol=1e-13, err_msg=f"step {step}")
    assert np.all(np.isfinite(theta))


# ---------------------------------------------------------------------------- records and checks
FIXTURE = json.loads((Path(__file__).parent / "fixtures" / "adamfamily.json").read_text())


@pytest.mark.parametrize("name", NAMES)
def test_record_defaults_equal_the_reference_constructor(name):
    """The fixture script wrote every constructor keyword (defaults where the case sets none)."""
    spec = get_optimizer(name)
    assert spec.check({}) == spec.defaults()
    assert set(spec.kernel_args) == {h.name for h in spec.hypers} and not spec.fixed
    assert spec.rule in REFERENCE_RULES and spec.reference.startswith("pytorch_optimizer.")
    case = next(c for c in FIXTURE["cases"] if c["optimizer"] == name and c["setting"] == "A")
    kwargs = dict(case["reference"]["kwargs"])
    betas = kwargs.pop("betas")
    for k, beta in enumerate(betas, 1):
        kwargs[f"beta{k}"] = beta
    lr = kwargs.pop("lr")
    assert lr == case["hyperparameters"]["lr"]
    defaults = spec.defaults()
    assert set(kwargs) == set(defaults) - {"cautious"}  # a keyword option the classes read from **kwargs
    for k, v in kwargs.items():
        if k not in case["hyperparameters"]:
            assert defaults[k] == v, k


def test_default_rates_are_the_references():
    assert {n: get_optimizer(n).default_lr for n in NAMES} == {
        "adabelief": 1e-3, "yogi": 1e-2, "adan": 1e-3, "adopt": 1e-3, "ademamix": 1e-3}


BAD = [
    ("adabelief", "beta1", 1.0), ("adabelief", "eps", -1e-8), ("adabelief", "rectify", "maybe"),
    ("adabelief", "n_sma_threshold", 2.5), ("yogi", "beta2", 1.5), ("yogi", "initial_accumulator", -1.0),
    ("adan", "beta3", 1.5), ("adan", "weight_decay", -0.1), ("adopt", "beta2", 1.0), ("adopt", "eps", -1.0),
    ("ademamix", "alpha", -1.0), ("ademamix", "t_alpha_beta3", 0.0), ("ademamix", "beta3", 2.0),
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


@pytest.mark.parametrize("beta", ["beta1", "beta3"])
def test_ademamix_warmup_needs_positive_betas(tiny, beta):
    X, y, params = tiny
    with pytest.raises(ConfigError, match=f"The '{beta}' parameter of ademamix must be a float > 0 when t_alpha_beta3 is set"):
        train(X, y, params, optimizer="ademamix", epochs=1, t_alpha_beta3=10.0, **{beta: 0.0})
    train(X, y, params, optimizer="ademamix", epochs=1, **{beta: 0.0})  # fine without the warm-up


@pytest.mark.parametrize("name", NAMES)
def test_default_rate_trains_without_diverging(name):
    rng = np.random.default_rng(5)
    X = rng.normal(size=(60, 4))
    y = (X[:, 0] + 0.5 * X[:, 1] > 0).astype(float)
    params = Params.from_vector(rng.normal(0, 0.5, 4 * 3 + 3 + 3 + 1), 4, 3)
    result = train(X, y, params, optimizer=name, epochs=300)
    assert not result.diverged and np.all(np.isfinite(result.losses))
    assert result.losses[-1] < 0.9 * result.losses[0]
