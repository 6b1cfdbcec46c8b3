"""MARS, Prodigy, Shampoo and NAdam's cautious mask one step at a time, against values worked out by hand.

Each test sets the state by hand, writes the expected step out with small literal numbers (from
the reference's formula: ``pytorch_optimizer.MARS`` 4.1.0, ``prodigyopt.Prodigy`` 1.1.2,
``pytorch_optimizer.Shampoo`` 4.1.0, ``torch.optim.NAdam`` 2.13 with the mask on the first moment), and checks both the compiled rule
(through ``apply_update``, as the training loop calls it) and the NumPy reference
(dlbench/reference/precond.py). Then: compiled rules against the references over many random
steps, the records against the reference constructors, and range errors.
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
from dlbench.reference.precond import LAYER_RULES
from dlbench.training import train

TIGHT = dict(rtol=1e-13, atol=1e-16)
# four tensors, as the layout rows (w_offset, fan_in, fan_out, b_offset, b_size) say: W1 = [0],
# b1 = [1], W2 = [2, 3], b2 = [4, 5]
LAYERS6 = np.array([[0, 1, 1, 1, 1], [2, 1, 2, 4, 2]], dtype=np.int64)
THETA6 = np.array([0.5, -1.0, 2.0, -0.25, 0.3, 0.1])
GRAD6 = np.array([0.4, -0.3, 0.6, 0.8, -0.5, 0.4])


def step_both(name, lr, step, hp, slots=(), scalars=(), ref_state=None, theta=THETA6, grad=GRAD6, layers=LAYERS6,
              base_lr=None):
    """One step of the kernel and of the reference from the same hand-set state; ``base_lr`` is
    the run's base rate (MARS's ``lr_1d`` factor), ``lr`` by default.

    Returns ``(kernel theta, kernel slots, kernel scalars, reference theta, reference state)``."""
    spec = get_optimizer(name)
    values = spec.check(hp)
    base = float(lr if base_lr is None else base_lr)
    n_slots, n_scalars = spec.state_size(values)
    state = np.zeros((n_slots, theta.size))
    for k, slot in enumerate(slots):
        state[k] = slot
    sc = np.zeros(max(n_scalars, N_SCALARS))
    sc[: len(scalars)] = scalars
    th = theta.copy()
    apply_update(spec.rule, th, grad.copy(), state, sc, np.array(spec.kernel_hp({**values, "lr": base})),
                 float(lr), step, layers)
    ref = theta.copy()
    rs = dict(ref_state or {})
    LAYER_RULES[spec.rule](ref, grad.copy(), rs, {**values, "lr": base}, float(lr), step, layers)
    return th, state, sc, ref, rs


def assert_both(expected, th, ref, tol=TIGHT):
    np.testing.assert_allclose(th, expected, **tol)
    np.testing.assert_allclose(ref, expected, **tol)


# ---------------------------------------------------------------------------- MARS
def test_mars_first_step_clips_the_correction_per_matrix_and_adamw_on_biases():
    # defaults: beta1 0.95, beta2 0.99, gamma 0.025 -> c = g (1 + 0.025 * 19) = 1.475 g (g_prev = 0).
    # W1: c = 0.59 (norm < 1, kept); W2: c = [0.885, 1.18], norm 1.475 -> c = [0.6, 0.8].
    # step 1: m = 0.05 c, v = 0.01 c**2, bc1 = 0.05, sqrt(bc2) = 0.1: u = 0.05 c / ((0.1 |c| + eps) / 0.1 * 0.05)
    # biases: AdamW with betas_1d (0.9, 0.95): m = 0.1 g, v = 0.05 g**2, bc1 = 0.1, sqrt(bc2) = sqrt(0.05);
    # rate lr * lr_1d / lr0 = 0.01 * 0.003 / 0.01 = 0.003; decay theta * (1 - 0.1 * 0.003) (weight_decay_1d 0.1)
    eps = 1e-8
    c = np.array([0.59, 0.0, 0.6, 0.8, 0.0, 0.0])

    def mars_u(c):
        return 0.05 * c / ((np.sqrt(0.01 * c * c + 1e-15) + eps) / 0.1 * 0.05)

    def adam_u(g):
        return 0.1 * g / ((np.sqrt(0.05 * g * g + 1e-15) + eps) / math.sqrt(0.05) * 0.1)

    th, state, _, ref, rs = step_both("mars", 0.01, 1, {})
    expected = THETA6.copy()
    for i in (0, 2, 3):
        expected[i] = THETA6[i] - 0.01 * mars_u(c[i])
    for i in (1, 4, 5):
        expected[i] = THETA6[i] * (1 - 0.1 * 0.003) - 0.003 * adam_u(GRAD6[i])
    assert_both(expected, th, ref)
    np.testing.assert_allclose(state[0], [0.05 * 0.59, 0.1 * -0.3, 0.03, 0.04, -0.05, 0.04], **TIGHT)
    np.testing.assert_array_equal(state[2], GRAD6)  # g_prev for the next step


def test_mars_lion_second_step_uses_the_previous_gradient():
    # lion, gamma 0.1, beta1 0.9: coef = 0.1 * 0.9 / 0.1 = 0.9; W1: c = 0.4 + 0.9 (0.4 - 0.2) = 0.58;
    # W2: c = [0.6 + 0.9 * 0.6, 0.8 + 0.9 * (0.8 - 1.0)] = [1.14, 0.62], norm sqrt(1.6840) -> clipped.
    # m = m0 + 0.1 (c - m0) (lerp), step = -lr sign(m) (W1: -0.1 + 0.1 * 0.68 < 0: m0 wins);
    # biases: Adam with bc at step 2 from m0 = v0 = 0, rate lr * lr_1d / lr0 = 0.003, decay 0.1.
    prev = np.array([0.2, 0.0, 0.0, 1.0, 0.0, 0.0])
    m0 = np.array([-0.1, 0.0, 0.05, -1.0, 0.0, 0.0])
    th, state, _, ref, _ = step_both("mars", 0.01, 2, {"mars_type": "lion", "gamma": 0.1, "beta1": 0.9},
                                     slots=[m0, np.zeros(6), prev],
                                     ref_state={("m", 0): m0[0:1], ("g", 0): prev[0:1], ("m", 2): m0[2:4], ("g", 2): prev[2:4]})
    n = math.sqrt(1.14**2 + 0.62**2)
    cW = np.array([0.58, 1.14 / n, 0.62 / n])
    mW = np.array([-0.1, 0.05, -1.0]) + 0.1 * (cW - np.array([-0.1, 0.05, -1.0]))
    assert list(np.sign(mW)) == [-1.0, 1.0, -1.0]
    expected = THETA6.copy()
    expected[[0, 2, 3]] = THETA6[[0, 2, 3]] - 0.01 * np.sign(mW)
    g = GRAD6[[1, 4, 5]]
    m, v = 0.1 * g, 0.05 * g * g
    u = m / ((np.sqrt(v + 1e-15) + 1e-8) / math.sqrt(1 - 0.95**2) * (1 - 0.9**2))
    expected[[1, 4, 5]] = THETA6[[1, 4, 5]] * (1 - 0.1 * 0.003) - 0.003 * u
    assert_both(expected, th, ref)
    np.testing.assert_allclose(state[0, [0, 2, 3]], mW, **TIGHT)
    assert not np.any(state[1, [0, 2, 3]])  # lion keeps no second moment for the MARS tensors


def test_mars_coupled_decay_only_reaches_the_stored_gradient():
    # weight_decouple false, wd 0.5 on W, 0.2 on b: the step is as without decay; g_prev = g + wd theta
    hp = {"weight_decouple": False, "weight_decay": 0.5, "weight_decay_1d": 0.2}
    th, state, _, ref, _ = step_both("mars", 0.003, 1, hp)
    plain, _, _, _, _ = step_both("mars", 0.003, 1, {"weight_decay_1d": 0.0})
    assert_both(plain, th, ref)
    wd = np.array([0.5, 0.2, 0.5, 0.5, 0.2, 0.2])
    np.testing.assert_allclose(state[2], GRAD6 + wd * THETA6, **TIGHT)


def test_mars_cautious_ams_bound_and_optimize_1d():
    # optimize_1d: every tensor takes the MARS step (rate lr, betas (0.95, 0.99), decay 0). Step 2
    # from m0, v0, vmax0, g_prev = 0, gamma = 0: c = g / max(||g||, 1) per tensor (W2 norm 1 -> kept).
    m0 = np.array([0.1, 0.2, -0.3, 0.1, 0.0, 0.5])
    v0 = np.array([0.01, 0.02, 0.03, 0.0, 0.1, 0.2])
    vmax0 = np.array([0.5, 0.0, 0.0, 0.5, 0.0, 0.0])
    th, state, _, ref, _ = step_both(
        "mars", 0.01, 2, {"optimize_1d": True, "gamma": 0.0, "cautious": True, "ams_bound": True},
        slots=[m0, v0, np.zeros(6), vmax0],
        ref_state={("m", k): m0[s] for k, s in enumerate([slice(0, 1), slice(1, 2), slice(2, 4), slice(4, 6)])}
        | {("v", k): v0[s] for k, s in enumerate([slice(0, 1), slice(1, 2), slice(2, 4), slice(4, 6)])}
        | {("vmax", k): vmax0[s] for k, s in enumerate([slice(0, 1), slice(1, 2), slice(2, 4), slice(4, 6)])})
    c = GRAD6 / np.array([1.0, 1.0, 1.0, 1.0, math.sqrt(0.41), math.sqrt(0.41)]).clip(1.0)
    m = m0 + 0.05 * (c - m0)
    # m = [0.115, 0.175, -0.255, 0.135, -0.025, 0.495]: agrees with g at 0, 3, 4, 5
    np.testing.assert_allclose(m, [0.115, 0.175, -0.255, 0.135, -0.025, 0.495], rtol=1e-14)
    scale = np.array([1 / 2, 0.0, 0.0, 2 / 2, 2 / 3, 2 / 3])  # numel / (count + 1) per tensor, 0 masked
    v = np.maximum(vmax0, 0.99 * v0 + 0.01 * c * c)
    u = m * scale / ((np.sqrt(v + 1e-15) + 1e-8) / math.sqrt(1 - 0.99**2) * (1 - 0.95**2))
    assert_both(THETA6 - 0.01 * u, th, ref)
    np.testing.assert_allclose(state[3], v, **TIGHT)


# ---------------------------------------------------------------------------- Prodigy
LAYERS2 = np.array([[0, 1, 1, 1, 1]], dtype=np.int64)  # W = [0], b = [1]


def test_prodigy_first_step_keeps_d0_and_records_x0():
    # d = d0 = 1e-6; x0 = theta, so <g, x0 - theta> = 0 and d_hat = 0: d stays d0.
    # m = d0 0.1 g, v = d0**2 0.001 g**2, s = d0 lr g; step dlr m / (sqrt(v) + d0 eps), dlr = d0 lr
    th, state, sc, ref, rs = step_both("prodigy", 1.0, 1, {})
    d0 = 1e-6
    expected = THETA6 - d0 * (d0 * 0.1 * GRAD6) / (d0 * math.sqrt(0.001) * np.abs(GRAD6) + d0 * 1e-8)
    assert_both(expected, th, ref)
    np.testing.assert_array_equal(state[1], THETA6)
    np.testing.assert_allclose(state[0], d0 * GRAD6, **TIGHT)
    assert list(sc[:4]) == [d0, d0, 0.0, 1.0] and rs["d"] == d0 and rs["k"] == 1


@pytest.mark.parametrize("d, growth_rate, capped", [(0.01, None, False), (0.01, 2.0, False), (0.02, None, False), (0.02, 2.0, True)])
def test_prodigy_second_step_d_estimate(d, growth_rate, capped):
    # d0 = 0.01, lr = 1, k = 1, r = 0.02, s = [0.01, -0.02], x0 = [0.5, -1.5], theta = [1, -2], g = [0.5, 0.25],
    # d = d_max = 0.01 (still d0) or 0.02. dlr = d; <g, x0 - theta> = 0.5 * -0.5 + 0.25 * 0.5 = -0.125;
    # r = 0.02 b3 + (d / d0) d (-0.125); s = s b3 + (d / d0) d g; d_hat = r / ||s||_1 (> d here).
    # From d0, d jumps to d_hat whatever the growth rate; from 0.02, d = min(d_max, 2 d) = 0.04 with
    # growth_rate 2, d_hat without.
    b3 = math.sqrt(0.999)
    theta, g, x0 = np.array([1.0, -2.0]), np.array([0.5, 0.25]), np.array([0.5, -1.5])
    s0, m0, v0 = np.array([0.01, -0.02]), np.array([0.02, 0.01]), np.array([1e-6, 4e-6])
    hp = {"d0": 0.01} | ({} if growth_rate is None else {"growth_rate": growth_rate})
    th, state, sc, ref, rs = step_both(
        "prodigy", 1.0, 2, hp, slots=[s0, x0, m0, v0], scalars=[d, d, 0.02, 1.0], theta=theta, grad=g,
        layers=LAYERS2, ref_state=dict(d=d, d_max=d, r=0.02, k=1, x0=x0, s=s0, m=m0, v=v0))
    ratio = d / 0.01
    r = 0.02 * b3 + ratio * d * -0.125
    s = s0 * b3 + ratio * d * g
    d_hat = r / np.abs(s).sum()
    assert 0.04 < d_hat < 0.6
    d_new = 2 * d if capped else d_hat
    m = m0 * 0.9 + d * 0.1 * g
    v = v0 * 0.999 + d * d * 0.001 * g * g
    assert_both(theta - d * m / (np.sqrt(v) + d_new * 1e-8), th, ref)
    np.testing.assert_allclose(sc[:4], [d_new, d_hat, r, 2.0], rtol=1e-14)
    np.testing.assert_allclose([rs["d"], rs["d_max"], rs["r"]], [d_new, d_hat, r], rtol=1e-14)
    np.testing.assert_allclose(state[0], s, rtol=1e-14)


def test_prodigy_without_first_moment_coupled_decay_and_bias_correction():
    # beta1 = 0: the step is dlr d g / (sqrt(v) + d eps) with g = grad + 0.5 theta (decouple false);
    # bias correction at k = 0: sqrt(1 - 0.999) / (1 - 0) ; d = d0 = 1e-6 (x0 = theta)
    th, state, sc, ref, _ = step_both("prodigy", 0.5, 1, {"beta1": 0.0, "decouple": False, "weight_decay": 0.5,
                                                          "use_bias_correction": True})
    d = 1e-6
    g = GRAD6 + 0.5 * THETA6
    dlr = d * 0.5 * math.sqrt(0.001)
    v = d * d * 0.001 * g * g
    assert_both(THETA6 - dlr * d * g / (np.sqrt(v) + d * 1e-8), th, ref)


def test_prodigy_decoupled_decay_and_safeguard_warmup():
    # wd 0.1 decoupled: theta - wd dlr theta, then the step; safeguard: s = (d/d0) d g (no lr)
    th, state, _, ref, _ = step_both("prodigy", 0.5, 1, {"weight_decay": 0.1, "safeguard_warmup": True})
    d = 1e-6
    dlr = d * 0.5
    step = dlr * (d * 0.1 * GRAD6) / (d * math.sqrt(0.001) * np.abs(GRAD6) + d * 1e-8)
    assert_both(THETA6 - 0.1 * dlr * THETA6 - step, th, ref)
    np.testing.assert_allclose(state[0], d * GRAD6, **TIGHT)


def test_prodigy_takes_no_step_without_a_gradient():
    # ||s||_1 = 0: the reference returns before the step and before counting k
    th, state, sc, ref, rs = step_both("prodigy", 1.0, 1, {}, grad=np.zeros(6))
    np.testing.assert_array_equal(th, THETA6)
    np.testing.assert_array_equal(ref, THETA6)
    assert sc[3] == 0.0 and rs["k"] == 0 and sc[0] == 1e-6


# ---------------------------------------------------------------------------- NAdam's cautious mask
def test_cautious_nadam_masks_the_first_moment_term_only():
    m0 = np.array([0.05, 0.5, 0.2, 0.5, 0.1, 0.3])
    v0 = np.array([0.01, 0.02, 0.0, 0.5, 0.1, 0.2])
    g = np.array([0.1, -0.3, 0.2, 2.0, -0.5, 0.4])
    # m_t = 0.9 m0 + 0.1 g = [0.055, 0.42, 0.2, 0.65, 0.04, 0.31]: agrees with g at 0, 2, 3, 5;
    # per tensor numel / (count + 1): W1 1/2, b1 masked, W2 2/3, b2 entry 4 masked, entry 5 2/2
    scale = np.array([1 / 2, 0.0, 2 / 3, 2 / 3, 0.0, 1.0])
    mu1 = 0.9 * (1 - 0.5 * 0.96**0.004)
    mu2 = 0.9 * (1 - 0.5 * 0.96**0.008)
    mu3 = 0.9 * (1 - 0.5 * 0.96**0.012)
    th, state, sc, ref, rs = step_both("nadam", 0.002, 2, {"cautious": True}, slots=[m0, v0], scalars=[mu1],
                                       ref_state={"exp_avg": m0, "exp_avg_sq": v0, "mu_product": mu1}, grad=g)
    m = 0.9 * m0 + 0.1 * g
    v = 0.999 * v0 + 0.001 * g * g
    d = np.sqrt(v / (1 - 0.999**2)) + 1e-8
    prod = mu1 * mu2
    expected = THETA6 - 0.002 * (1 - mu2) / (1 - prod) * g / d - 0.002 * mu3 / (1 - prod * mu3) * (m * scale) / d
    assert_both(expected, th, ref)
    np.testing.assert_allclose(state[0], m, **TIGHT)  # the moment itself is not masked
    np.testing.assert_allclose(state[2], g, **TIGHT)
    off, _, _, _, _ = step_both("nadam", 0.002, 2, {}, slots=[m0, v0], scalars=[mu1],
                                ref_state={"exp_avg": m0, "exp_avg_sq": v0, "mu_product": mu1}, grad=g)
    np.testing.assert_allclose(off, expected - 0.002 * mu3 / (1 - prod * mu3) * (m - m * scale) / d, **TIGHT)


def test_nadam_cautious_record():
    spec = get_optimizer("nadam")
    assert spec.defaults()["cautious"] is False
    assert spec.state_size(spec.check({}))[0] == 2 and spec.state_size(spec.check({"cautious": "true"}))[0] == 3


# ---------------------------------------------------------------------------- kernels vs references
VARIANTS = [
    ("mars", {}), ("mars", {"mars_type": "lion", "weight_decay": 0.1, "lr_1d": 0.01}),
    ("mars", {"optimize_1d": True, "ams_bound": True, "cautious": True, "weight_decay": 0.1, "fixed_decay": True}),
    ("mars", {"weight_decouple": False, "weight_decay": 0.1, "weight_decay_1d": 0.3, "beta1": 0.5, "gamma": 0.5}),
    ("prodigy", {}), ("prodigy", {"use_bias_correction": True, "safeguard_warmup": True, "growth_rate": 1.1, "weight_decay": 0.1}),
    ("prodigy", {"beta1": 0.0, "beta3": 0.9, "decouple": False, "weight_decay": 0.1, "d0": 1e-3, "d_coef": 0.5}),
    ("nadam", {"cautious": True, "weight_decay": 0.1}), ("nadam", {"cautious": True, "momentum_decay": 0.01}),
    ("shampoo", {}), ("shampoo", {"momentum": 0.3, "weight_decay": 0.1, "preconditioning_compute_steps": 2}),
    ("shampoo", {"momentum": 0.7, "weight_decay": 0.1, "weight_decouple": True, "fixed_decay": True, "matrix_eps": 1e-3}),
]
# seven parameters as four tensors: W1 [0, 2), b1 [2, 4), W2 [4, 6), b2 [6, 7)
LAYERS7 = np.array([[0, 1, 2, 2, 2], [4, 2, 1, 6, 1]], dtype=np.int64)


@pytest.mark.parametrize("seed, name, hp", [(i, n, h) for i, (n, h) in enumerate(VARIANTS)],
                         ids=[f"{n}-{i}" for i, (n, _) in enumerate(VARIANTS)])
def test_kernel_matches_reference_over_random_steps(seed, name, hp):
    spec = get_optimizer(name)
    values = spec.check(hp)
    n_slots, n_scalars = spec.layout_state(values, LAYERS7) if spec.layout_state else spec.state_size(values)
    rng = np.random.default_rng(seed)
    theta = rng.normal(size=7)
    ref_theta = theta.copy()
    state = np.zeros((n_slots, theta.size))
    scalars = np.zeros(max(n_scalars, N_SCALARS))
    base = 0.05
    hpv = np.array(spec.kernel_hp({**values, "lr": base}))
    ref_state, ref_hp = {}, {**values, "lr": base}
    for step in range(1, 51):
        grad = rng.normal(size=theta.size) * rng.choice([1e-3, 1.0, 10.0])
        grad[rng.random(theta.size) < 0.1] = 0.0
        lr = base * (1 + 0.5 * math.sin(step))  # a varying rate, as under a schedule
        apply_update(spec.rule, theta, grad.copy(), state, scalars, hpv, lr, step, LAYERS7)
        LAYER_RULES[spec.rule](ref_theta, grad.copy(), ref_state, ref_hp, lr, step, LAYERS7)
        # Numba's fastmath may reassociate (kernels/_config.py): rounding-level differences only
        np.testing.assert_allclose(theta, ref_theta, rtol=1e-11, atol=1e-13, err_msg=f"step {step}")
    assert np.all(np.isfinite(theta))


# ---------------------------------------------------------------------------- records and checks
SPLIT = {"betas": ("beta1", "beta2"), "betas_1d": ("beta1_1d", "beta2_1d")}


@pytest.mark.parametrize("name, module, cls, left_out", [
    ("mars", "pytorch_optimizer", "MARS", {"maximize", "foreach", "kwargs"}),
    ("shampoo", "pytorch_optimizer", "Shampoo", {"maximize", "kwargs"}),
    ("prodigy", "prodigyopt", "Prodigy", {"fsdp_in_use", "slice_p"}),
])
def test_record_defaults_equal_the_reference_constructor(name, module, cls, left_out):
    ref = getattr(pytest.importorskip(module), cls)
    spec = get_optimizer(name)
    defaults = spec.defaults()
    params = {k: v.default for k, v in inspect.signature(ref.__init__).parameters.items()
              if k not in {"self", "params"} | left_out}
    assert spec.default_lr == params.pop("lr")
    expected = {}
    for k, v in params.items():
        if k in SPLIT:
            expected.update(zip(SPLIT[k], v))
        elif k == "mars_type":
            expected[k] = v
        elif k == "growth_rate":
            assert v == math.inf and defaults[k] is None  # None stands for inf (a hyperparameter is finite)
            expected[k] = None
        else:
            expected[k] = v
    assert defaults == expected
    assert spec.rule in LAYER_RULES


def test_registered_in_all_2026():
    new = {"mars", "prodigy", "shampoo"}
    assert new <= set(GROUPS["all-2026"]) and new <= set(GROUPS["every"]) and not new & set(GROUPS["all"])


BAD = [("mars", "beta1", 1.0), ("mars", "gamma", -0.1), ("mars", "mars_type", "shampoo"), ("mars", "lr_1d", 0.0),
       ("prodigy", "d0", 0.0), ("prodigy", "beta3", 1.0), ("prodigy", "growth_rate", float("inf")),
       ("prodigy", "eps", 0.0), ("nadam", "cautious", "maybe"), ("shampoo", "preconditioning_compute_steps", 0),
       ("shampoo", "momentum", 1.0), ("shampoo", "matrix_eps", 0.0)]


@pytest.fixture(scope="module")
def tiny():
    X = np.array([[0.0, 1.0], [1.0, 0.0]])
    return X, np.array([0.0, 1.0]), Params.from_vector(np.zeros(2 * 2 + 2 * 2 + 1), 2, 2)


@pytest.mark.parametrize("name, param, value", BAD, ids=[f"{n}-{p}-{v}" for n, p, v in BAD])
def test_out_of_range_raises_config_error(tiny, name, param, value):
    X, y, params = tiny
    with pytest.raises(ConfigError, match=f"The '{param}' parameter of {name} must be"):
        train(X, y, params, optimizer=name, epochs=1, **{param: value})


@pytest.mark.parametrize("name", ["mars", "prodigy"])
def test_default_rate_trains_without_diverging(name):
    rng = np.random.default_rng(5)
    X = rng.normal(size=(60, 4))
    y = (X[:, 0] + 0.5 * X[:, 1] > 0).astype(float)
    params = Params.from_vector(rng.normal(0, 0.5, 4 * 3 + 3 + 3 + 1), 4, 3)
    result = train(X, y, params, optimizer=name, epochs=300)
    assert not result.diverged and np.all(np.isfinite(result.losses))
    assert result.losses[-1] < 0.9 * result.losses[0]


# ---------------------------------------------------------------------------- Shampoo
def shampoo_step(lr, step, hp, theta, grad, layers, matrices=None, buffer=None, ref_state=None):
    """One kernel and one reference step of shampoo. ``matrices``: ``{(name, layer): matrix}``
    with name in L, iL, R, iR, P, iP, written where the module docstring puts them (the flat
    state after the first P entries: per layer L, L~, R, R~, P_b, P_b~, row-major)."""
    from dlbench.optimizers.shampoo import _layout_state

    spec = get_optimizer("shampoo")
    values = spec.check(hp)
    n_slots, n_scalars = _layout_state(values, layers)
    theta = np.array(theta, dtype=float)
    grad = np.array(grad, dtype=float)
    P = theta.size
    state = np.zeros((n_slots, P))
    arena = state.reshape(-1)
    if buffer is not None:
        arena[:P] = buffer
    off = P
    for l, (_, n, m, _, _) in enumerate(layers):
        for name, d in (("L", n), ("iL", n), ("R", m), ("iR", m), ("P", m), ("iP", m)):
            if matrices and (name, l) in matrices:
                arena[off : off + d * d] = np.asarray(matrices[(name, l)], dtype=float).ravel()
            off += d * d
    th = theta.copy()
    apply_update(spec.rule, th, grad.copy(), state, np.zeros(N_SCALARS), np.array(spec.kernel_hp(values)), float(lr),
                 step, layers)
    ref = theta.copy()
    rs = dict(ref_state or {})
    LAYER_RULES[spec.rule](ref, grad.copy(), rs, values, float(lr), step, layers)
    return th, arena, ref, rs


ROW_LAYOUT = np.array([[0, 1, 2, 2, 2]], dtype=np.int64)  # W 1x2 = [0, 1], b = [2, 3]


def test_shampoo_first_step_preconditions_along_the_gradient():
    # L = 1e-6 + |G|**2 = 1.000001 (1x1); R = 1e-6 I + G^T G with G = [0.6, 0.8] a unit vector:
    # eigenvalues 1 + 1e-6 along G and 1e-6 across, so G R**(-1/4) = (1 + 1e-6)**(-1/4) G and
    # U = (1 + 1e-6)**(-1/2) G. Bias: P = 1e-6 I + g g^T, |g|**2 = 0.41: U = g / sqrt(0.41 + 1e-6).
    theta = np.array([0.5, -1.0, 0.3, 0.1])
    grad = np.array([0.6, 0.8, -0.5, 0.4])
    th, arena, ref, _ = shampoo_step(0.1, 1, {}, theta, grad, ROW_LAYOUT)
    expected = theta - 0.1 * np.concatenate([grad[:2] / math.sqrt(1.000001), grad[2:] / math.sqrt(0.41 + 1e-6)])
    assert_both(expected, th, ref, tol=dict(rtol=1e-12, atol=1e-14))
    np.testing.assert_allclose(arena[4:5], [1.000001], rtol=1e-15)  # L
    np.testing.assert_allclose(arena[6:10], [0.36 + 1e-6, 0.48, 0.48, 0.64 + 1e-6], rtol=1e-14)  # R
    np.testing.assert_allclose(arena[:4], (theta - expected) / 0.1, rtol=1e-12)  # the buffer: the step U


def test_shampoo_later_step_with_rotated_preconditioners():
    # W 2x2 with G = I, b with g = [1, 1]; accumulated L = [[1, 1], [1, 1]], R = diag(0, 15), P = [[3, -1], [-1, 3]]:
    # L + G G^T = [[2, 1], [1, 2]] (eigenvalues 3 along (1, 1), 1 along (1, -1)):
    #   L**(-1/4) = [[a + 1, a - 1], [a - 1, a + 1]] / 2 with a = 3**(-1/4);
    # R + G^T G = diag(1, 16): R**(-1/4) = diag(1, 1/2); P + g g^T = 4 I: P**(-1/2) = I / 2.
    layers = np.array([[0, 2, 2, 4, 2]], dtype=np.int64)
    theta = np.array([0.5, -1.0, 0.3, 0.1, 0.2, -0.2])
    grad = np.array([1.0, 0.0, 0.0, 1.0, 1.0, 1.0])
    L0, R0, P0 = np.ones((2, 2)), np.diag([0.0, 15.0]), np.array([[3.0, -1.0], [-1.0, 3.0]])
    th, _, ref, _ = shampoo_step(0.1, 2, {}, theta, grad, layers, {("L", 0): L0, ("R", 0): R0, ("P", 0): P0},
                                 ref_state={("L", ("W", 0)): L0, ("R", ("W", 0)): R0, ("P", ("b", 0)): P0})
    a = 3.0**-0.25
    U = np.array([[a + 1, (a - 1) / 2], [a - 1, (a + 1) / 2]]) / 2
    expected = theta - 0.1 * np.concatenate([U.ravel(), [0.5, 0.5]])
    assert_both(expected, th, ref, tol=dict(rtol=1e-13, atol=1e-15))


def test_shampoo_no_step_before_the_first_root_but_statistics_grow():
    theta = np.array([0.5, -1.0, 0.3, 0.1])
    grad = np.array([0.6, 0.8, -0.5, 0.4])
    th, arena, ref, _ = shampoo_step(0.1, 1, {"preconditioning_compute_steps": 2}, theta, grad, ROW_LAYOUT)
    assert_both(theta, th, ref, tol=dict(rtol=0, atol=0))
    np.testing.assert_allclose(arena[4:5], [1.000001], rtol=1e-15)  # L grew
    assert not np.any(arena[5:6])  # its root is still zero


def test_shampoo_momentum_and_decoupled_decay_at_the_first_step():
    # at the first step the buffer is the gradient itself, so momentum changes nothing; decoupled
    # decay: theta * (1 - lr * wd) first
    theta = np.array([0.5, -1.0, 0.3, 0.1])
    grad = np.array([0.6, 0.8, -0.5, 0.4])
    th, arena, ref, _ = shampoo_step(0.1, 1, {"momentum": 0.9, "weight_decay": 0.5, "weight_decouple": True},
                                     theta, grad, ROW_LAYOUT)
    step = np.concatenate([grad[:2] / math.sqrt(1.000001), grad[2:] / math.sqrt(0.41 + 1e-6)])
    assert_both(theta * (1 - 0.05) - 0.1 * step, th, ref, tol=dict(rtol=1e-12, atol=1e-14))


def test_shampoo_second_step_momentum_interpolates_towards_the_last_step():
    # momentum 0.9 (>= 0.5: lerp as B - (B - g)(1 - w)): g = B - (B - grad) * 0.1; W: 1x1 layout, b: 1
    layers = np.array([[0, 1, 1, 1, 1]], dtype=np.int64)
    theta, grad, B = np.array([0.5, -1.0]), np.array([2.0, -1.0]), np.array([1.0, 1.0])
    g = B - (B - grad) * 0.1  # [1.1, 0.8]
    # L = 3 + g**2, R = 5 + g**2 (W); P = 2 + g**2 (b): U = g L**(-1/4) R**(-1/4), g P**(-1/2)
    mats = {("L", 0): [[3.0]], ("R", 0): [[5.0]], ("P", 0): [[2.0]]}
    th, arena, ref, _ = shampoo_step(0.1, 2, {"momentum": 0.9}, theta, grad, layers, mats, buffer=B,
                                     ref_state={("B", ("W", 0)): B[:1], ("B", ("b", 0)): B[1:], ("L", ("W", 0)): np.array([[3.0]]),
                                                ("R", ("W", 0)): np.array([[5.0]]), ("P", ("b", 0)): np.array([[2.0]])})
    U = np.array([1.1 * (3 + 1.21) ** -0.25 * (5 + 1.21) ** -0.25, 0.8 / math.sqrt(2 + 0.64)])
    assert_both(theta - 0.1 * U, th, ref, tol=dict(rtol=1e-13, atol=1e-15))
    np.testing.assert_allclose(arena[:2], U, rtol=1e-13)


def test_jacobi_inverse_root_matches_eigh():
    from dlbench.kernels import dispatch  # noqa: F401  (compiles the helper in place)
    from dlbench.optimizers import shampoo
    from dlbench.reference.precond import inverse_root

    rng = np.random.default_rng(3)
    for d in (1, 2, 3, 5, 8):
        for kind in ("random", "rank-one", "repeated"):
            A = rng.normal(size=(d, d))
            A = A @ A.T + 1e-3 * np.eye(d) if kind == "random" else 1e-6 * np.eye(d) + np.outer(A[0], A[0])
            if kind == "repeated":
                A = 2.0 * np.eye(d)
            arena = np.zeros(4 * d * d)
            arena[: d * d] = A.ravel()
            for power in (2.0, 4.0):
                shampoo.sym_inverse_root(arena, 0, d * d, d, power, 2 * d * d, 3 * d * d)
                root = arena[d * d : 2 * d * d].reshape(d, d)
                # both solvers are backward stable: |d root| ~ |f'(w_min)| * 1e-16 * |A| (f = w**(-1/power))
                w = np.linalg.eigvalsh(A)
                bound = 1e-14 * abs(w).max() / power * abs(w).min() ** (-1.0 / power - 1.0)
                np.testing.assert_allclose(root, inverse_root(A, power), rtol=0, atol=bound, err_msg=f"{d} {kind} {power}")
                np.testing.assert_allclose(np.linalg.matrix_power(root, int(power)) @ A, np.eye(d), atol=1e-8)
                np.testing.assert_array_equal(arena[: d * d], A.ravel())  # the source is kept


def test_shampoo_state_is_sized_by_the_layout():
    from dlbench.optimizers.shampoo import _layout_state, arena_size
    from dlbench.model.spec import layout

    layers = layout(10, (8,), 1)  # P = 80 + 8 + 8 + 1 = 97
    extra = (2 * 100 + 4 * 64) + (2 * 64 + 4 * 1) + 2 * 100 + 80
    assert arena_size(layers) == extra
    assert _layout_state({}, layers)[0] == 1 + -(-extra // 97)
    rng = np.random.default_rng(0)
    X = rng.normal(size=(30, 10))
    y = (X[:, 0] > 0).astype(float)
    from dlbench.model.params import init_params

    result = train(X, y, init_params(10, (8,), seed=1), optimizer="shampoo", epochs=20, lr=0.01)
    assert not result.diverged and result.losses[-1] < result.losses[0]
