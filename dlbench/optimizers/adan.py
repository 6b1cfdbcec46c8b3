"""Adan: adaptive Nesterov momentum from gradient differences."""

from __future__ import annotations

import math

from ..hyper import Hyper
from .base import Optimizer

RULE_ADAN = 52


def adan_update(theta, grad, state, scalars, hp, lr, step):
    """One step of Adan, following ``pytorch_optimizer.Adan`` (pytorch-optimizer 4.1.0,
    per-parameter code path) exactly, in its order of operations.

    With the gradient difference ``d_t = g_t - g_{t-1}`` (``d_1 = 0``)::

        m_t = beta1 * m_{t-1} + (1 - beta1) * g_t                   (as torch's lerp; all three)
        n_t = beta2 * n_{t-1} + (1 - beta2) * d_t
        u_t = g_t + beta2 * d_t
        v_t = beta3 * v_{t-1} + (1 - beta3) * u_t**2
        denom = sqrt(v_t) / sqrt(1 - beta3**t) + eps
        theta <- theta * (1 - lr * weight_decay)                    (weight_decouple only)
        theta <- theta - lr / (1 - beta1**t) * m_t / denom - lr * beta2 / (1 - beta2**t) * n_t / denom
        theta <- theta / (1 + lr * weight_decay)                    (default: the paper's proximal decay)

    Xie et al. (2024), "Adan: adaptive Nesterov momentum algorithm for faster optimizing deep
    models" (TPAMI), Algorithm 1; the bias corrections are pytorch-optimizer's. Not exposed
    (reference defaults kept): ``max_grad_norm = 0`` (no global clipping: the reference computes
    that norm in float32), ``maximize``, ``foreach`` (same operations batched), the ``use_gc`` and
    ``adanorm`` keyword options. ``hp = (beta1, beta2, beta3, eps, weight_decay,
    weight_decouple)``; ``state`` = (``m``, ``n``, ``v``, ``-g_{t-1}``).
    """
    beta1 = hp[0]
    beta2 = hp[1]
    beta3 = hp[2]
    eps = hp[3]
    weight_decay = hp[4]
    decouple = hp[5] != 0.0
    exp_avg = state[0]
    exp_avg_diff = state[1]
    exp_avg_sq = state[2]
    prev = state[3]  # minus the previous gradient, as the reference stores it
    if step == 1:
        for i in range(theta.shape[0]):
            prev[i] = grad[i] * -1.0
    t = float(step)
    bias_correction1 = 1.0 - beta1**t
    bias_correction2 = 1.0 - beta2**t
    bc3_sqrt = math.sqrt(1.0 - beta3**t)
    c_avg = -lr / bias_correction1
    c_diff = -lr * beta2 / bias_correction2
    shrink = 1.0 - lr * weight_decay
    grow = 1.0 + lr * weight_decay
    w1 = 1.0 - beta1
    small1 = abs(w1) < 0.5
    w2 = 1.0 - beta2
    small2 = abs(w2) < 0.5
    w3 = 1.0 - beta3
    for i in range(theta.shape[0]):
        g = grad[i]
        d = prev[i] + g
        m = exp_avg[i]
        if small1:
            m = m + w1 * (g - m)
        else:
            m = g - (g - m) * (1.0 - w1)
        exp_avg[i] = m
        n = exp_avg_diff[i]
        if small2:
            n = n + w2 * (d - n)
        else:
            n = d - (d - n) * (1.0 - w2)
        exp_avg_diff[i] = n
        u = d * beta2 + g
        v = exp_avg_sq[i] * beta3 + w3 * u * u
        exp_avg_sq[i] = v
        denom = math.sqrt(v) / bc3_sqrt + eps
        p = theta[i]
        if weight_decay != 0.0 and decouple:
            p = p * shrink
        p = p + (c_avg * m) / denom
        p = p + (c_diff * n) / denom
        if weight_decay != 0.0 and not decouple:
            p = p / grow
        theta[i] = p
        prev[i] = -g


_BETA = "decay of the {} average"

OPTIMIZERS = (
    Optimizer(
        "adan", RULE_ADAN,
        "Adan: Nesterov-style momentum from averages of the gradient and of its differences.",
        "pytorch_optimizer.Adan (pytorch-optimizer 4.1.0)", 1e-3,
        (
            Hyper("beta1", 0.98, _BETA.format("gradient"), low=0.0, high=1.0, high_open=True),
            Hyper("beta2", 0.92, _BETA.format("gradient-difference"), low=0.0, high=1.0, high_open=True),
            Hyper("beta3", 0.99, _BETA.format("squared corrected-gradient"), low=0.0, high=1.0),
            Hyper("eps", 1e-8, "term added to the denominator", low=0.0),
            Hyper("weight_decay", 0.0, "weight decay coefficient", low=0.0),
            Hyper("weight_decouple", False, "decay theta <- theta * (1 - lr * wd) before the step (else theta / (1 + lr * wd) after)", kind="bool"),
        ),
        ("beta1", "beta2", "beta3", "eps", "weight_decay", "weight_decouple"),
        n_slots=4,
    ),
)
