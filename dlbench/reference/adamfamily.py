"""NumPy references of the pytorch-optimizer Adam-family rules: AdaBelief, Yogi, Adan, ADOPT, AdEMAMix.

Same interface as :data:`dlbench.reference.optimizers.REFERENCE_RULES` (``rule(theta, grad,
state, hp, lr, step)``, ``state`` a dict filled on the first step), written from the formulas of
``pytorch_optimizer`` 4.1.0 (per-parameter code paths), vectorised over the whole vector.
"""

from __future__ import annotations

import math

import numpy as np

from ..optimizers import adabelief, adan, ademamix, adopt, yogi
from .cautious import cautious

__all__ = ["ADAMFAMILY_RULES"]


def _lerp(a, b, w):
    """``torch.lerp(a, b, w)`` as torch evaluates it (two forms, either side of 0.5)."""
    return a + w * (b - a) if abs(w) < 0.5 else b - (b - a) * (1.0 - w)


def _decay(theta, grad, hp, lr):
    """pytorch-optimizer's ``apply_weight_decay``: shrink ``theta`` in place (decoupled) or return
    the gradient with the L2 term."""
    wd = hp["weight_decay"]
    if wd == 0.0:
        return grad.copy()
    if hp["weight_decouple"]:
        theta *= 1.0 - wd * (1.0 if hp.get("fixed_decay") else lr)
        return grad.copy()
    return grad + wd * theta


def adabelief_rule(theta, grad, state, hp, lr, step):
    """``pytorch_optimizer.AdaBelief``: s = EMA of (g - m)**2 plus eps; optional RAdam rectification."""
    b1, b2, eps = hp["beta1"], hp["beta2"], hp["eps"]
    g = _decay(theta, grad, hp, lr)
    m = state["exp_avg"] = _lerp(state.get("exp_avg", np.zeros_like(theta)), g, 1.0 - b1)
    s = state["exp_avg_var"] = state.get("exp_avg_var", np.zeros_like(theta)) * b2 + (1.0 - b2) * (g - m) ** 2 + eps
    if hp["ams_bound"]:
        s = state["max_exp_avg_var"] = np.maximum(state.get("max_exp_avg_var", np.zeros_like(theta)), s)
    bc1 = 1.0 - b1**step
    if not hp["rectify"]:
        theta -= lr / bc1 * m / (np.sqrt(s) / math.sqrt(1.0 - b2**step) + eps)
        return
    rho_inf = 2.0 / (1.0 - b2) - 1.0
    rho = rho_inf - 2.0 * step * b2**step / (1.0 - b2**step)
    if rho >= hp["n_sma_threshold"]:
        r = math.sqrt((1.0 - b2**step) * (rho - 4) * (rho - 2) * rho_inf / ((rho_inf - 4) * rho * (rho_inf - 2)))
        theta -= lr * r / bc1 * m / (np.sqrt(s) + eps)
    elif hp["degenerated_to_sgd"]:
        theta -= lr / bc1 * m


def yogi_rule(theta, grad, state, hp, lr, step):
    """``pytorch_optimizer.Yogi``: moments start at initial_accumulator; v moves by sign(v - g^2) g^2."""
    b1, b2 = hp["beta1"], hp["beta2"]
    g = _decay(theta, grad, hp, lr)
    m0 = state.get("exp_avg", np.full_like(theta, hp["initial_accumulator"]))
    v0 = state.get("exp_avg_sq", np.full_like(theta, hp["initial_accumulator"]))
    m = state["exp_avg"] = _lerp(m0, g, 1.0 - b1)
    v = state["exp_avg_sq"] = v0 - (1.0 - b2) * np.sign(v0 - g * g) * g * g
    theta -= lr / (1.0 - b1**step) * m / (np.sqrt(v) / math.sqrt(1.0 - b2**step) + hp["eps"])


def adan_rule(theta, grad, state, hp, lr, step):
    """``pytorch_optimizer.Adan``: averages of g, of d = g - g_prev (d_1 = 0) and of (g + beta2 d)^2."""
    b1, b2, b3, wd = hp["beta1"], hp["beta2"], hp["beta3"], hp["weight_decay"]
    g = grad.copy()
    d = g - state.get("prev", g)
    m = state["exp_avg"] = _lerp(state.get("exp_avg", np.zeros_like(theta)), g, 1.0 - b1)
    n = state["exp_avg_diff"] = _lerp(state.get("exp_avg_diff", np.zeros_like(theta)), d, 1.0 - b2)
    v = state["exp_avg_sq"] = state.get("exp_avg_sq", np.zeros_like(theta)) * b3 + (1.0 - b3) * (g + b2 * d) ** 2
    state["prev"] = g
    denom = np.sqrt(v) / math.sqrt(1.0 - b3**step) + hp["eps"]
    if wd and hp["weight_decouple"]:
        theta *= 1.0 - lr * wd
    theta -= lr / (1.0 - b1**step) * m / denom + lr * b2 / (1.0 - b2**step) * n / denom
    if wd and not hp["weight_decouple"]:
        theta /= 1.0 + lr * wd


def adopt_rule(theta, grad, state, hp, lr, step):
    """``pytorch_optimizer.ADOPT``: step 1 sets v = g^2 only; then m from g / max(sqrt(v_prev), eps), clipped
    (the step masked by ``cautious``)."""
    b1, b2 = hp["beta1"], hp["beta2"]
    g = _decay(theta, grad, hp, lr)
    v = state.get("exp_avg_sq", np.zeros_like(theta))
    if step == 1:
        state["exp_avg_sq"] = v + g * g
        return
    c = step**0.25
    n = np.clip(g / np.maximum(np.sqrt(v), hp["eps"]), -c, c)
    m = state["exp_avg"] = _lerp(state.get("exp_avg", np.zeros_like(theta)), n, 1.0 - b1)
    if hp["cautious"]:
        m = cautious(m, n, hp["layers"])
    theta -= lr * m
    state["exp_avg_sq"] = v * b2 + (1.0 - b2) * g * g


def ademamix_schedules(hp, step):
    """``(alpha_t, beta3_t)``: constant without ``t_alpha_beta3``, else the paper's warm-ups."""
    alpha, beta3, T = hp["alpha"], hp["beta3"], hp["t_alpha_beta3"]
    if T is None:
        return alpha, beta3
    s = step / T
    l1, l3 = math.log(hp["beta1"]), math.log(beta3)
    return min(step * alpha / T, alpha), min(math.exp(l1 * l3 / ((1.0 - s) * l3 + s * l1)), beta3)


def ademamix_rule(theta, grad, state, hp, lr, step):
    """``pytorch_optimizer.AdEMAMix``: (m1 / bc1 + alpha_t m2) over Adam's denominator."""
    b1, b2 = hp["beta1"], hp["beta2"]
    alpha_t, beta3_t = ademamix_schedules(hp, step)
    g = _decay(theta, grad, hp, lr)
    m = state["exp_avg"] = _lerp(state.get("exp_avg", np.zeros_like(theta)), g, 1.0 - b1)
    v = state["exp_avg_sq"] = state.get("exp_avg_sq", np.zeros_like(theta)) * b2 + (1.0 - b2) * g * g
    slow = state["exp_avg_slow"] = _lerp(state.get("exp_avg_slow", np.zeros_like(theta)), g, 1.0 - beta3_t)
    if hp["cautious"]:
        m = cautious(m, g, hp["layers"])
    theta -= lr * (m / (1.0 - b1**step) + alpha_t * slow) / (np.sqrt(v) / math.sqrt(1.0 - b2**step) + hp["eps"])


ADAMFAMILY_RULES = {
    adabelief.RULE_ADABELIEF: adabelief_rule,
    yogi.RULE_YOGI: yogi_rule,
    adan.RULE_ADAN: adan_rule,
    adopt.RULE_ADOPT: adopt_rule,
    ademamix.RULE_ADEMAMIX: ademamix_rule,
}
