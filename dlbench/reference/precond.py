"""NumPy references of issue 12's MARS, Prodigy and Shampoo, and of NAdam's cautious mask.

Written from the reference libraries' formulas with whole-array NumPy operations per parameter
tensor (not from the compiled loops): ``pytorch_optimizer.MARS`` (4.1.0), ``prodigyopt.Prodigy``
(1.1.2), ``pytorch_optimizer.Shampoo`` (4.1.0, matrix roots from ``numpy.linalg.eigh``). The signature is the per-layer one of :data:`dlbench.reference.layerwise.REFERENCE_LAYER_RULES`
(``layers`` rows ``(w_offset, fan_in, fan_out, b_offset, b_size)``); ``state`` is a dict the
rule fills on its first step. ``mars_reference`` reads the run's base rate from ``hp["lr"]`` (the
reference's ``lr_1d_factor = lr_1d / lr``).
"""

from __future__ import annotations

import math

import numpy as np

from ..optimizers import adam, mars, prodigy, shampoo
from .cautious import cautious, tensor_slices

__all__ = ["mars_reference", "prodigy_reference", "shampoo_reference", "inverse_root", "nadam_cautious_reference", "LAYER_RULES"]


def _lerp(a, b, w):
    return a + w * (b - a) if abs(w) < 0.5 else b - (b - a) * (1.0 - w)


def mars_reference(theta, grad, state, hp, lr, step, layers):
    """``pytorch_optimizer.MARS``: per tensor, ``c = g + gamma beta1/(1-beta1) (g - g_prev)``
    clipped to norm 1 for the MARS tensors (the weight matrices, or all with ``optimize_1d``),
    ``c = g`` for the others; ``m = lerp(m, c, 1 - beta1)``; the Adam step ``m / ((sqrt(v + 1e-15)
    + eps) / sqrt(1 - beta2**t) * (1 - beta1**t))`` (``v`` of ``c``; its running max with
    ams_bound) or, for MARS tensors under ``lion``, ``sign(m)``; the cautious mask on ``m``;
    decoupled decay, then ``theta -= rate * u``; ``g_prev = g`` (+ ``wd * theta`` if coupled)."""
    base = hp.get("lr", mars.OPTIMIZERS[0].default_lr)
    for k, part in enumerate(tensor_slices(layers)):
        mixed = hp["optimize_1d"] or k % 2 == 0
        if mixed:
            b1, b2, rate, wd = hp["beta1"], hp["beta2"], lr, hp["weight_decay"]
        else:
            b1, b2, rate, wd = hp["beta1_1d"], hp["beta2_1d"], lr * (hp["lr_1d"] / base), hp["weight_decay_1d"]
        g = grad[part].copy()
        prev = state.setdefault(("g", k), np.zeros_like(g))
        if mixed:
            c = g + (hp["gamma"] * b1 / (1.0 - b1)) * (g - prev)
            c = c / max(np.linalg.norm(c), 1.0)
        else:
            c = g
        m = state[("m", k)] = _lerp(state.get(("m", k), np.zeros_like(g)), c, 1.0 - b1)
        u = m.copy()
        if hp["cautious"]:
            mask = (u * g > 0).astype(float)
            u = u * (mask * (mask.size / (mask.sum() + 1.0)))
        if mixed and hp["mars_type"] == "lion":
            u = np.sign(u)
        else:
            v = state[("v", k)] = state.get(("v", k), np.zeros_like(g)) * b2 + (1.0 - b2) * c * c
            if hp["ams_bound"]:
                v = state[("vmax", k)] = np.maximum(state.get(("vmax", k), np.zeros_like(g)), v)
            u = u / ((np.sqrt(v + mars.AMS_EPS) + hp["eps"]) / math.sqrt(1.0 - b2**step) * (1.0 - b1**step))
        p = theta[part]
        if wd and not hp["weight_decouple"]:
            g = g + wd * p
        if wd and hp["weight_decouple"]:
            p = p * (1.0 - wd * (1.0 if hp["fixed_decay"] else rate))
        theta[part] = p - rate * u
        state[("g", k)] = g


def prodigy_reference(theta, grad, state, hp, lr, step, layers):
    """``prodigyopt.Prodigy``: the moments scaled by ``d`` (``m += d (1-beta1) g``, ``v += d**2
    (1-beta2) g**2``), the sums ``r = beta3 r + (d/d0) dlr <g, x0 - theta>`` and ``s = beta3 s +
    (d/d0) dlr g`` (``(d/d0) d`` with safeguard_warmup), ``d_hat = d_coef r / ||s||_1``, ``d``
    raised to ``d_hat`` only from ``d0``, capped by ``d_max`` and the growth rate; then ``theta -=
    dlr m / (sqrt(v) + d_new eps)`` after decoupled decay ``theta -= wd dlr theta``."""
    b1, b2 = hp["beta1"], hp["beta2"]
    b3 = math.sqrt(b2) if hp["beta3"] is None else hp["beta3"]
    growth = math.inf if hp["growth_rate"] is None else hp["growth_rate"]
    d0, wd = hp["d0"], hp["weight_decay"]
    if "d" not in state:
        state.update(d=d0, d_max=d0, r=0.0, k=0, x0=theta.copy(), s=np.zeros_like(theta),
                     m=np.zeros_like(theta), v=np.zeros_like(theta))
    d, k = state["d"], state["k"]
    bc = math.sqrt(1.0 - b2 ** (k + 1)) / (1.0 - b1 ** (k + 1)) if hp["use_bias_correction"] else 1.0
    dlr = d * lr * bc
    g = grad + wd * theta if (wd and not hp["decouple"]) else grad.copy()
    parts = tensor_slices(layers)
    delta = sum((d / d0) * dlr * float(np.dot(g[q], state["x0"][q] - theta[q])) for q in parts)
    state["m"] = state["m"] * b1 + d * (1.0 - b1) * g
    state["v"] = state["v"] * b2 + d * d * (1.0 - b2) * g * g
    state["s"] = state["s"] * b3 + ((d / d0) * d if hp["safeguard_warmup"] else (d / d0) * dlr) * g
    denom_sum = sum(float(np.abs(state["s"][q]).sum()) for q in parts)
    if denom_sum == 0.0:
        return
    r = state["r"] * b3 + delta
    d_hat = hp["d_coef"] * r / denom_sum
    d_max = max(state["d_max"], d_hat)
    d_new = min(d_max, (max(d, d_hat) if d == d0 else d) * growth)
    state.update(d=d_new, d_max=d_max, r=r, k=k + 1)
    denom = np.sqrt(state["v"]) + d_new * hp["eps"]
    if wd and hp["decouple"]:
        theta -= wd * dlr * theta
    theta -= dlr * (state["m"] if b1 > 0 else d_new * g) / denom  # the new d, as the reference


def nadam_cautious_reference(theta, grad, state, hp, lr, step, layers):
    """``torch.optim.NAdam`` with the cautious mask on the first-moment term only (the gradient
    term unmasked, as pytorch-optimizer's ``AdamP`` combines the mask with Nesterov momentum)."""
    b1, b2, wd = hp["beta1"], hp["beta2"], hp["weight_decay"]
    g = grad + wd * theta if wd else grad.copy()
    psi = hp["momentum_decay"]
    mu = b1 * (1.0 - 0.5 * 0.96 ** (step * psi))
    mu_next = b1 * (1.0 - 0.5 * 0.96 ** ((step + 1) * psi))
    prod = state.get("mu_product", 1.0) * mu
    state["mu_product"] = prod
    m = state["exp_avg"] = _lerp(state.get("exp_avg", np.zeros_like(theta)), g, 1.0 - b1)
    v = state["exp_avg_sq"] = state.get("exp_avg_sq", np.zeros_like(theta)) * b2 + (1.0 - b2) * g * g
    if hp["cautious"]:
        m = cautious(m, g, layers)
    denom = np.sqrt(v / (1.0 - b2**step)) + hp["eps"]
    theta -= lr * (1.0 - mu) / (1.0 - prod) * g / denom
    theta -= lr * mu_next / (1.0 - prod * mu_next) * m / denom


def inverse_root(A, power):
    """``A**(-1/power)`` of a symmetric matrix: ``V diag(|w|**(-1/power)) V^T`` from ``eigh``."""
    w, V = np.linalg.eigh(A)
    return (V * np.abs(w) ** (-1.0 / power)) @ V.T


def shampoo_reference(theta, grad, state, hp, lr, step, layers):
    """``pytorch_optimizer.Shampoo``: per tensor ``g = lerp(g, B, momentum)`` (``B`` = the first
    gradient, then the last step), decay, ``L += G G^T``, ``R += G^T G`` (from ``matrix_eps I``),
    the roots ``L**(-1/4)``, ``R**(-1/4)`` every ``preconditioning_compute_steps`` steps (zero
    before), ``U = L~ G R~``; a bias ``P += g g^T``, ``U = P**(-1/2) g``; ``B = U``, ``theta -= lr U``."""
    eps, mom, wd = hp["matrix_eps"], hp["momentum"], hp["weight_decay"]
    recompute = step % hp["preconditioning_compute_steps"] == 0
    for l, row in enumerate(np.asarray(layers, dtype=np.int64)):
        w0, n, m, b0, nb = (int(v) for v in row)
        for kind, lo, shape in (("W", w0, (n, m)), ("b", b0, (nb,))):
            part = slice(lo, lo + int(np.prod(shape)))
            g = grad[part].reshape(shape).copy()
            key = (kind, l)
            if mom > 0:
                buf = state.setdefault(("B", key), g.copy())
                g = g + mom * (buf - g) if mom < 0.5 else buf - (buf - g) * (1.0 - mom)
            p = theta[part].reshape(shape)
            if wd and hp["weight_decouple"]:
                p *= 1.0 - wd * (1.0 if hp["fixed_decay"] else lr)
            elif wd:
                g = g + wd * p
            if kind == "W":
                L = state[("L", key)] = state.get(("L", key), eps * np.eye(n)) + g @ g.T
                R = state[("R", key)] = state.get(("R", key), eps * np.eye(m)) + g.T @ g
                if recompute:
                    state[("iL", key)], state[("iR", key)] = inverse_root(L, 4.0), inverse_root(R, 4.0)
                u = state.get(("iL", key), np.zeros((n, n))) @ g @ state.get(("iR", key), np.zeros((m, m)))
            else:
                Pm = state[("P", key)] = state.get(("P", key), eps * np.eye(nb)) + np.outer(g, g)
                if recompute:
                    state[("iP", key)] = inverse_root(Pm, 2.0)
                u = g @ state.get(("iP", key), np.zeros((nb, nb)))
            state[("B", key)] = u
            p -= lr * u


LAYER_RULES = {mars.RULE_MARS: mars_reference, prodigy.RULE_PRODIGY: prodigy_reference,
               shampoo.RULE_SHAMPOO: shampoo_reference, adam.RULE_NADAM: nadam_cautious_reference}
"""Rule code -> reference (NAdam's covers ``cautious`` both on and off)."""
