"""ASGD, Adafactor, LAMB and Muon one step at a time, against values worked out by hand.

Each test sets the state by hand, writes the expected step out from the reference's formula with
small numbers, and checks both the compiled rule (through ``apply_update``, as the training loop
calls it) and the NumPy reference (dlbench/reference/layerwise12.py). Then: compiled rules against
the references over many random steps, the records against the reference constructors, and
range errors.
"""

import math
import re

import numpy as np
import pytest

from dlbench.errors import ConfigError
from dlbench.kernels.dispatch import apply_update
from dlbench.optimizers import OPTIMIZERS, get_optimizer
from dlbench.reference.layerwise12 import adafactor_reference, asgd_reference, lamb_reference, muon_reference

TIGHT = dict(rtol=1e-15, atol=1e-15)
REFS = {"asgd": asgd_reference, "adafactor": adafactor_reference, "lamb": lamb_reference, "muon": muon_reference}


def run(name, theta, grad, lr, step, layers, slots=(), scalars=(), ref_state=None, **hp):
    """``(kernel theta, kernel state, kernel scalars, reference theta, reference state)``."""
    spec = get_optimizer(name)
    values = spec.check(hp)
    theta = np.array(theta, dtype=float)
    grad = np.array(grad, dtype=float)
    state = np.zeros((spec.n_slots, theta.size))
    for k, slot in enumerate(slots):
        state[k] = slot
    sc = np.zeros(4)
    sc[: len(scalars)] = scalars
    th = theta.copy()
    apply_update(spec.rule, th, grad.copy(), state, sc, np.array(spec.kernel_hp(values)), float(lr), step, layers)
    ref_th, ref_state = theta.copy(), dict(ref_state or {})
    ref = REFS[name]
    if name == "asgd":
        ref(ref_th, grad.copy(), ref_state, {**values, **spec.fixed}, float(lr), step)
    else:
        ref(ref_th, grad.copy(), ref_state, {**values, **spec.fixed}, float(lr), step, layers)
    return th, state, sc, ref_th, ref_state


def both(expected, th, ref_th, tol=TIGHT):
    np.testing.assert_allclose(th, expected, **tol)
    np.testing.assert_allclose(ref_th, expected, **tol)


# ---------------------------------------------------------------------------- ASGD
NO_LAYOUT = np.zeros((1, 5), dtype=np.int64)


def test_asgd_first_step_eta_is_lr_and_average_copies_theta():
    # eta = lr = 0.1, shrink 1 - 0.5 * 0.1 = 0.95: theta = 0.95 * [1, -2] - 0.1 * [0.5, 0.25]
    th, state, sc, ref_th, ref = run("asgd", [1.0, -2.0], [0.5, 0.25], 0.1, 1, NO_LAYOUT, lambd=0.5, alpha=1.0, t0=0.0)
    both([0.9, -1.925], th, ref_th)
    np.testing.assert_allclose(state[0], [0.9, -1.925], **TIGHT)  # mu = 1: ax = theta
    np.testing.assert_allclose(ref["ax"], [0.9, -1.925], **TIGHT)
    # next eta = 0.1 / (1 + 0.5 * 0.1 * 1)**1; mu = 1 / max(1, 1 - 0) = 1
    assert sc[0] == pytest.approx(0.1 / 1.05, rel=1e-15) and ref["eta"] == pytest.approx(0.1 / 1.05, rel=1e-15)
    assert sc[1] == 1.0 and ref["mu"] == 1.0


def test_asgd_later_step_with_weight_decay_averages_with_mu():
    # eta = 0.2, mu = 0.5 (set), wd = 0.5: g = [0.5, 0.25] + 0.5 * [1, -2] = [1, -0.75];
    # shrink 1 - 0.5 * 0.2 = 0.9: theta = [0.9 - 0.2, -1.8 + 0.15] = [0.7, -1.65];
    # ax = [1, 1] + ([0.7, -1.65] - [1, 1]) * 0.5 = [0.85, -0.325]
    th, state, sc, ref_th, ref = run(
        "asgd", [1.0, -2.0], [0.5, 0.25], 0.1, 3, NO_LAYOUT, slots=[[1.0, 1.0]], scalars=[0.2, 0.5],
        ref_state={"eta": 0.2, "mu": 0.5, "ax": np.array([1.0, 1.0])}, lambd=0.5, alpha=0.5, t0=1.0, weight_decay=0.5,
    )
    both([0.7, -1.65], th, ref_th)
    np.testing.assert_allclose(state[0], [0.85, -0.325], **TIGHT)
    np.testing.assert_allclose(ref["ax"], [0.85, -0.325], **TIGHT)
    # eta = lr / (1 + lambd * lr * t)**alpha = 0.1 / sqrt(1.15); mu = 1 / max(1, 3 - 1) = 0.5
    assert sc[0] == pytest.approx(0.1 / math.sqrt(1.15), rel=1e-15) and ref["eta"] == pytest.approx(0.1 / math.sqrt(1.15), rel=1e-15)
    assert sc[1] == 0.5 and ref["mu"] == 0.5


# ---------------------------------------------------------------------------- Adafactor
# one layer: W (2x2, rows = inputs) at 0..3, b (2) at 4..5
ONE_LAYER = np.array([[0, 2, 2, 4, 2]], dtype=np.int64)
W_B = [3.0, 4.0, 0.0, 0.0, 0.5, -0.5]  # W = [[3, 4], [0, 0]] (RMS 2.5), b = [0.5, -0.5] (RMS 0.5)
G = [1.0, 3.0, 1.0, 3.0, 2.0, -4.0]  # G_W = [[1, 3], [1, 3]], g_b = [2, -4]


def test_adafactor_first_step_factored_rows_and_columns():
    # t = 1: weight t**-0.8 = 1, so R = row means of G**2 = [5, 5], C = column means = [1, 9];
    # V = R C^T / mean(R) = [[1, 9], [1, 9]], U = G / sqrt(V) = 1 everywhere (RMS 1, no clipping);
    # rho = min(0.1, 1) = 0.1, alpha_W = 2.5 * 0.1: W - 0.25. Bias: V = g**2, U = [1, -1], alpha 0.05.
    th, state, _, ref_th, ref = run("adafactor", W_B, G, 0.1, 1, ONE_LAYER)
    both([2.75, 3.75, -0.25, -0.25, 0.45, -0.45], th, ref_th)
    np.testing.assert_allclose(state[0, :2], [5.0, 5.0], **TIGHT)  # R at w_offset
    np.testing.assert_allclose(state[1, :2], [1.0, 9.0], **TIGHT)  # C at w_offset
    np.testing.assert_allclose(state[0, 4:], [4.0, 16.0], **TIGHT)  # the bias's V at b_offset


def test_adafactor_weight_decay_after_the_relative_step_size():
    # alpha from RMS before the decay; theta * (1 - 0.1 * 0.5) = 0.95 theta, then - alpha * U
    th, _, _, ref_th, _ = run("adafactor", W_B, G, 0.1, 1, ONE_LAYER, weight_decay=0.5)
    both([2.85 - 0.25, 3.8 - 0.25, -0.25, -0.25, 0.475 - 0.05, -0.475 + 0.05], th, ref_th)


def test_adafactor_second_step_lerp_and_update_clipping():
    # t = 2, beta2_decay = -1: weight 0.5. W: new row/col means equal the stored R, C, so U = 1 as
    # before. Bias: V = 1 + 0.5 * (9 - 1) = 5 for g_b = [3, 3]: U = 3/sqrt(5) each, RMS 1.342 > d = 1,
    # so the step is alpha * U / RMS(U) = alpha * [1, 1]; rho = min(0.1, 1/sqrt(2)) = 0.1.
    slots = [[5.0, 5.0, 0.0, 0.0, 1.0, 1.0], [1.0, 9.0, 0.0, 0.0, 0.0, 0.0]]
    ref_state = {("R", ("W", 0)): np.array([5.0, 5.0]), ("C", ("W", 0)): np.array([1.0, 9.0]), ("V", ("b", 0)): np.array([1.0, 1.0])}
    grad = [1.0, 3.0, 1.0, 3.0, 3.0, 3.0]
    th, state, _, ref_th, _ = run("adafactor", W_B, grad, 0.1, 2, ONE_LAYER, slots=slots, ref_state=ref_state, beta2_decay=-1.0)
    both([2.75, 3.75, -0.25, -0.25, 0.45, -0.55], th, ref_th)
    np.testing.assert_allclose(state[0, 4:], [5.0, 5.0], **TIGHT)


def test_adafactor_rho_caps_at_one_over_sqrt_t_and_eps2_floors_the_rms():
    # lr = 2 > 1/sqrt(1): rho = 1. W = 0: RMS 0 < eps2 = 0.01, alpha = 0.01; U = 1 everywhere
    theta = [0.0, 0.0, 0.0, 0.0, 0.5, -0.5]
    th, _, _, ref_th, _ = run("adafactor", theta, G, 2.0, 1, ONE_LAYER, eps2=0.01)
    both([-0.01, -0.01, -0.01, -0.01, 0.0, 0.0], th, ref_th)


def test_adafactor_zero_gradient_row_uses_the_eps1_floor():
    # G_W = [[0, 0], [1, 3]]: R = [0, 5], C = [0.5, 4.5], mean(R) = 2.5, V = [[0, 0], [1, 9]];
    # row 0: U = 0 / eps1 = 0 (not NaN); row 1: U = [1, 1]; RMS(U) = sqrt(1/2) < 1; alpha 0.25
    grad = [0.0, 0.0, 1.0, 3.0, 2.0, -4.0]
    th, _, _, ref_th, _ = run("adafactor", W_B, grad, 0.1, 1, ONE_LAYER, eps1=1e-30)
    both([3.0, 4.0, -0.25, -0.25, 0.45, -0.45], th, ref_th)


# ---------------------------------------------------------------------------- LAMB
# one layer: W (2x1) = [[3], [4]] (norm 5) at 0..1, b = [1] at 2
W1 = np.array([[0, 2, 1, 2, 1]], dtype=np.int64)
LAMB_HP = dict(beta1=0.5, beta2=0.75, eps=0.0)


def test_lamb_first_step_trust_ratio_per_tensor_biases_included():
    # m = 0.5 g = [0.5, 1, -1], v = 0.25 g**2 = [0.25, 1, 1], u = m / sqrt(v) = [1, 1, -1];
    # step size lr / (1 - 0.5) = 0.2. W: ratio 5 / sqrt(2), step 0.2 * 5/sqrt(2) = 1/sqrt(2) each;
    # b: ratio 1 / 1, b = 1 + 0.2
    th, state, _, ref_th, ref = run("lamb", [3.0, 4.0, 1.0], [1.0, 2.0, -2.0], 0.1, 1, W1, **LAMB_HP)
    both([3 - 1 / math.sqrt(2), 4 - 1 / math.sqrt(2), 1.2], th, ref_th)
    np.testing.assert_allclose(state[0], [0.5, 1.0, -1.0], **TIGHT)
    np.testing.assert_allclose(state[1], [0.25, 1.0, 1.0], **TIGHT)


def test_lamb_weight_norm_clamped_at_ten():
    # ||W|| = 50 is clamped to 10: ratio 10 / sqrt(2), step 0.2 * 10 / sqrt(2) = sqrt(2)
    th, _, _, ref_th, _ = run("lamb", [30.0, 40.0, 1.0], [1.0, 2.0, -2.0], 0.1, 1, W1, **LAMB_HP)
    both([30 - math.sqrt(2), 40 - math.sqrt(2), 1.2], th, ref_th)


def test_lamb_decoupled_decay_before_the_norms():
    # theta * (1 - 0.5 * 0.1) = [2.85, 3.8, 0.95]; ||W|| = 4.75: step 0.2 * 4.75 / sqrt(2) each;
    # b: ratio 0.95, b = 0.95 + 0.2 * 0.95
    th, _, _, ref_th, _ = run("lamb", [3.0, 4.0, 1.0], [1.0, 2.0, -2.0], 0.1, 1, W1, weight_decay=0.5, **LAMB_HP)
    step = 0.2 * 4.75 / math.sqrt(2)
    both([2.85 - step, 3.8 - step, 0.95 + 0.19], th, ref_th)


def test_lamb_coupled_decay_joins_the_direction():
    # weight_decouple = False: u = [1, 1, -1] + 0.5 * [3, 4, 1] = [2.5, 3, -0.5];
    # W: ratio 5 / sqrt(15.25); b: ratio 1 / 0.5 = 2
    th, _, _, ref_th, _ = run("lamb", [3.0, 4.0, 1.0], [1.0, 2.0, -2.0], 0.1, 1, W1, weight_decay=0.5, weight_decouple=False, **LAMB_HP)
    r = 5 / math.sqrt(15.25)
    both([3 - 0.2 * r * 2.5, 4 - 0.2 * r * 3.0, 1 - 0.2 * 2 * -0.5], th, ref_th, dict(rtol=1e-14, atol=1e-15))


def test_lamb_adam_and_adamd_and_no_grad_averaging():
    # adam: ratio 1, so theta - 0.2 * u; adam_debias: step size lr (no 1 / (1 - beta1));
    # grad_averaging False: m = g, u = g / (0.5 |g|) = 2 sign(g)
    th, _, _, ref_th, _ = run("lamb", [3.0, 4.0, 1.0], [1.0, 2.0, -2.0], 0.1, 1, W1, adam=True, **LAMB_HP)
    both([2.8, 3.8, 1.2], th, ref_th)
    th, _, _, ref_th, _ = run("lamb", [3.0, 4.0, 1.0], [1.0, 2.0, -2.0], 0.1, 1, W1, adam=True, adam_debias=True, grad_averaging=False, **LAMB_HP)
    both([2.8, 3.8, 1.2], th, ref_th)  # 0.1 * 2 = 0.2 again


def test_lamb_pre_norm_scales_by_the_global_gradient_norm():
    # tensor norms sqrt(5) and 2: global sqrt(9) = 3; scale min(1.5 / 3, 1) = 0.5 (exact in float32);
    # moments of g / 2 are halved and quartered, u is unchanged, so theta moves as in the first test
    th, state, _, ref_th, _ = run("lamb", [3.0, 4.0, 1.0], [1.0, 2.0, -2.0], 0.1, 1, W1, pre_norm=True, max_grad_norm=1.5, **LAMB_HP)
    both([3 - 1 / math.sqrt(2), 4 - 1 / math.sqrt(2), 1.2], th, ref_th)
    np.testing.assert_allclose(state[0], [0.25, 0.5, -0.5], **TIGHT)
    np.testing.assert_allclose(state[1], [0.0625, 0.25, 0.25], **TIGHT)


def test_lamb_rectify_skips_then_degenerates_to_sgd():
    # beta2 = 0.75: n_sma_max = 7, n_sma(1) = 7 - 2 * 0.75 / 0.25 = 1 < 5: rt = -1, no step
    # (the decay still happens: theta * 0.95 with weight_decay 0.5)
    th, state, _, ref_th, _ = run("lamb", [3.0, 4.0, 1.0], [1.0, 2.0, -2.0], 0.1, 1, W1, rectify=True, weight_decay=0.5, **LAMB_HP)
    both([2.85, 3.8, 0.95], th, ref_th)
    np.testing.assert_allclose(state[0], [0.5, 1.0, -1.0], **TIGHT)
    # degenerated_to_sgd: rt = 1, s = 0.2, u = m; the ratio uses ||theta - s m||:
    # W: ||[2.9, 3.8]|| = sqrt(22.85), ratio 5 / sqrt(22.85); b: ||1 + 0.2|| = 1.2, ratio 1 / 1.2
    th, _, _, ref_th, _ = run("lamb", [3.0, 4.0, 1.0], [1.0, 2.0, -2.0], 0.1, 1, W1, rectify=True, degenerated_to_sgd=True, **LAMB_HP)
    r = 5 / math.sqrt(22.85)
    both([3 - 0.2 * r * 0.5, 4 - 0.2 * r * 1.0, 1 + 0.2 / 1.2], th, ref_th, dict(rtol=1e-14, atol=1e-15))


# ---------------------------------------------------------------------------- Muon
# hidden W1 (fan_in 2, fan_out 1) at 0..1, b1 at 2; output W2 (1x1) at 3, b2 at 4
MUON_NET = np.array([[0, 2, 1, 2, 1], [3, 1, 1, 4, 1]], dtype=np.int64)
# torch's W1.T is (1, 2): buffer lerp(0, g, 0.5) = [0, 1], Nesterov lerp(g, buf, 0.5) = [0, 1.5];
# bf16 exact, norm 1.5, X = [0, 1]; one Newton-Schulz step: A = X X^T = 1, B = bf16(b + c) =
# bf16(-2.7435) = -2.75, X = bf16(a - 2.75) = bf16(0.6945) = 178/256 = 0.6953125. Rate ratio
# sqrt(max(1, 1/2)) = 1 (original); W1 <- W1 * (1 - 0.1 * 0.1) - 0.1 * O.
# AdamW (eps 0, lr 0.1 * 0.5): b1, W2, b2 <- theta * (1 - 0.05 * 0.01) - 0.05 * sign(g).
MUON_HP = dict(momentum=0.5, ns_steps=1, adamw_lr_ratio=0.5, adamw_eps=0.0)
O_1x2 = 178 / 256


def test_muon_hidden_weights_bf16_newton_schulz_and_adamw_for_the_rest():
    grad = [0.0, 2.0, -3.0, 0.5, 0.25]
    th, state, _, ref_th, _ = run("muon", [1.0, 1.0, 1.0, 1.0, 1.0], grad, 0.1, 1, MUON_NET, **MUON_HP)
    aux = 1.0 * (1 - 0.05 * 0.01)
    both([0.99, 0.99 - 0.1 * O_1x2, aux + 0.05, aux - 0.05, aux - 0.05], th, ref_th)
    np.testing.assert_allclose(state[0, :2], [0.0, 1.0], **TIGHT)  # Muon's buffer
    np.testing.assert_allclose(state[0, 2:], [-0.3, 0.05, 0.025], **TIGHT)  # AdamW's m = 0.1 g


def test_muon_rate_adjustment_follows_the_nn_linear_shape():
    # match_rms_adamw: 0.2 * sqrt(max(1, 2)); with weight_decay 0 no decay
    th, _, _, ref_th, _ = run("muon", [1.0, 1.0, 1.0, 1.0, 1.0], [0.0, 2.0, -3.0, 0.5, 0.25], 0.1, 1, MUON_NET,
                              adjust_lr_fn="match_rms_adamw", weight_decay=0.0, **MUON_HP)
    both(1.0 - 0.1 * 0.2 * math.sqrt(2) * np.array([0.0, O_1x2]), th[:2], ref_th[:2])
    # a hidden W1 of fan_in 1, fan_out 2: torch's W1.T is (2, 1), tall, so rate sqrt(2 / 1) (original)
    # and Newton-Schulz on its transpose, the same (1, 2) row as above
    net = np.array([[0, 1, 2, 2, 2], [4, 2, 1, 6, 1]], dtype=np.int64)
    theta = [1.0, 1.0, 0.0, 0.0, 1.0, 1.0, 0.0]
    th, _, _, ref_th, _ = run("muon", theta, [0.0, 2.0, 1.0, 1.0, 1.0, 1.0, 1.0], 0.1, 1, net, weight_decay=0.0, **MUON_HP)
    both(1.0 - 0.1 * math.sqrt(2) * np.array([0.0, O_1x2]), th[:2], ref_th[:2])


def test_muon_heavy_ball_without_nesterov_and_a_linear_model_is_all_adamw():
    # nesterov False: the buffer [0, 1] itself, bf16 [0, 1], norm 1: the same O
    th, _, _, ref_th, _ = run("muon", [1.0, 1.0, 1.0, 1.0, 1.0], [0.0, 2.0, -3.0, 0.5, 0.25], 0.1, 1, MUON_NET,
                              nesterov=False, weight_decay=0.0, **MUON_HP)
    both([1.0, 1.0 - 0.1 * O_1x2], th[:2], ref_th[:2])
    linear = np.array([[0, 2, 1, 2, 1]], dtype=np.int64)  # no hidden layer: AdamW everywhere
    th, _, _, ref_th, _ = run("muon", [1.0, 1.0, 1.0], [0.5, -2.0, 1.0], 0.1, 1, linear, **MUON_HP)
    aux = 1 - 0.05 * 0.01
    both([aux - 0.05, aux + 0.05, aux - 0.05], th, ref_th)


# ---------------------------------------------------------------------------- kernels vs references
def _layout(widths):
    rows, offset = [], 0
    for fan_in, fan_out in zip(widths[:-1], widths[1:]):
        rows.append((offset, fan_in, fan_out, offset + fan_in * fan_out, fan_out))
        offset += fan_in * fan_out + fan_out
    return np.array(rows, dtype=np.int64), offset


VARIANTS = [
    ("asgd", {}), ("asgd", dict(t0=5.0, lambd=0.1, alpha=0.5, weight_decay=0.01)),
    ("adafactor", {}), ("adafactor", dict(weight_decay=0.1, eps1=1e-3, d=1.5, beta2_decay=-0.5, eps2=0.1)),
    ("lamb", {}), ("lamb", dict(weight_decay=0.1, weight_decouple=False)), ("lamb", dict(rectify=True, weight_decay=0.01)),
    ("lamb", dict(rectify=True, degenerated_to_sgd=True, pre_norm=True, max_grad_norm=0.3, adam_debias=True, grad_averaging=False)),
    ("lamb", dict(adam=True, fixed_decay=True, weight_decay=0.01, n_sma_threshold=3)),
    ("muon", {}), ("muon", dict(nesterov=False, adjust_lr_fn="match_rms_adamw", ns_steps=3, momentum=0.3, adamw_lr_ratio=0.5)),
]


@pytest.mark.parametrize("widths", [[4, 3, 2, 1], [3, 1], [2, 5, 4, 3, 3]], ids=["three-layers", "linear", "four-layers"])
@pytest.mark.parametrize("name, hp", VARIANTS, ids=[f"{n}-{i}" for i, (n, _) in enumerate(VARIANTS)])
def test_kernel_matches_reference_over_random_steps(name, hp, widths):
    layers, size = _layout(widths)
    rng = np.random.default_rng(len(widths))
    spec = get_optimizer(name)
    values = spec.check(hp)
    hpv = np.array(spec.kernel_hp(values))
    theta = rng.normal(size=size)
    ref_theta, state, sc, ref_state = theta.copy(), np.zeros((spec.n_slots, size)), np.zeros(4), {}
    ref = REFS[name]
    for step in range(1, 41):
        grad = rng.normal(size=size) * rng.choice([1e-3, 1.0, 10.0])
        lr = 0.05 * (1 + 0.5 * math.sin(step))
        apply_update(spec.rule, theta, grad.copy(), state, sc, hpv, lr, step, layers)
        args = (ref_theta, grad.copy(), ref_state, {**values, **spec.fixed}, lr, step)
        ref(*args) if name == "asgd" else ref(*args, layers)
        np.testing.assert_allclose(theta, ref_theta, rtol=1e-12, atol=1e-14, err_msg=f"step {step}")


def test_muon_newton_schulz_equals_torch_bit_for_bit():
    """The reference's bfloat16 Newton-Schulz against torch's own (skipped without torch)."""
    torch = pytest.importorskip("torch")
    from torch.optim._muon import _zeropower_via_newtonschulz

    from dlbench.reference.layerwise12 import newton_schulz_bf16

    rng = np.random.default_rng(5)
    for shape in [(1, 1), (1, 5), (5, 1), (3, 3), (4, 6), (6, 4), (5, 5)] * 30:
        D = rng.normal(size=shape) * 10.0 ** rng.uniform(-4, 1)
        expected = _zeropower_via_newtonschulz(torch.tensor(D), (3.4445, -4.7750, 2.0315), 5, 1e-7).double().numpy()
        np.testing.assert_array_equal(newton_schulz_bf16(D, 3.4445, -4.7750, 2.0315, 5, 1e-7), expected)


# ---------------------------------------------------------------------------- records
def test_records_follow_the_reference_constructors():
    # torch.optim.ASGD(lr=1e-2, lambd=1e-4, alpha=0.75, t0=1e6, weight_decay=0)
    asgd = get_optimizer("asgd")
    assert asgd.default_lr == 1e-2 and asgd.defaults() == {"lambd": 1e-4, "alpha": 0.75, "t0": 1e6, "weight_decay": 0.0}
    # torch.optim.Adafactor(lr=1e-2, beta2_decay=-0.8, eps=(None, 1e-3), d=1.0, weight_decay=0.0)
    ada = get_optimizer("adafactor")
    assert ada.default_lr == 1e-2 and ada.defaults() == {"beta2_decay": -0.8, "eps1": None, "eps2": 1e-3, "d": 1.0, "weight_decay": 0.0}
    assert math.isnan(ada.kernel_hp(ada.check({}))[1])  # eps1 None -> the rule's float64 epsilon
    # pytorch_optimizer.Lamb(lr=1e-3, betas=(0.9, 0.999), weight_decay=0.0, weight_decouple=True, fixed_decay=False,
    # rectify=False, degenerated_to_sgd=False, n_sma_threshold=5, grad_averaging=True, max_grad_norm=1.0,
    # adam=False, pre_norm=False, eps=1e-6) and BaseOptimizer's adam_debias=False
    lamb = get_optimizer("lamb")
    assert lamb.default_lr == 1e-3
    assert lamb.defaults() == {
        "beta1": 0.9, "beta2": 0.999, "weight_decay": 0.0, "weight_decouple": True, "fixed_decay": False, "rectify": False,
        "degenerated_to_sgd": False, "n_sma_threshold": 5, "grad_averaging": True, "max_grad_norm": 1.0, "adam": False,
        "pre_norm": False, "eps": 1e-6, "adam_debias": False,
    }
    # torch.optim.Muon(lr=1e-3, weight_decay=0.1, momentum=0.95, nesterov=True, ns_coefficients=(3.4445, -4.7750,
    # 2.0315), eps=1e-7, ns_steps=5, adjust_lr_fn=None (= "original")); torch.optim.AdamW's betas, eps, weight_decay
    muon = get_optimizer("muon")
    assert muon.default_lr == 1e-3
    assert muon.defaults() == {
        "momentum": 0.95, "nesterov": True, "ns_a": 3.4445, "ns_b": -4.7750, "ns_c": 2.0315, "eps": 1e-7, "ns_steps": 5,
        "weight_decay": 0.1, "adjust_lr_fn": "original", "adamw_lr_ratio": 1.0, "adamw_beta1": 0.9, "adamw_beta2": 0.999,
        "adamw_eps": 1e-8, "adamw_weight_decay": 1e-2,
    }
    for spec in (asgd, ada, lamb, muon):
        assert [other.name for other in OPTIMIZERS.values() if other.rule == spec.rule] == [spec.name], "rule code shared"
        assert set(spec.kernel_args) == {h.name for h in spec.hypers}


@pytest.mark.parametrize("name, key, value, expected", [
    ("asgd", "lambd", -1e-4, "a float in [0, inf)"),
    ("asgd", "weight_decay", float("nan"), "a float in [0, inf)"),
    ("adafactor", "beta2_decay", 0.5, "a float in (-inf, 0]"),
    ("adafactor", "d", 0.5, "a float in [1, inf)"),
    ("adafactor", "eps1", -1.0, "a float in [0, inf)"),
    ("lamb", "beta1", 1.0, "a float in [0, 1)"),
    ("lamb", "eps", -1e-6, "a float in [0, inf)"),
    ("lamb", "pre_norm", "maybe", "a boolean (true or false)"),
    ("muon", "ns_steps", 100, "an integer in [0, 99]"),
    ("muon", "adjust_lr_fn", "none", "one of 'original', 'match_rms_adamw'"),
    ("muon", "adamw_lr_ratio", 0.0, "a float in (0, inf)"),
])
def test_bad_hyperparameters_are_one_line_errors(name, key, value, expected):
    with pytest.raises(ConfigError, match="^" + re.escape(f"The '{key}' parameter of {name} must be {expected}. Got ")):
        get_optimizer(name).check({key: value})
