"""Adafactor: factored second moments for weight matrices, ``torch.optim.Adafactor``'s rule.

A per-layer rule (see :mod:`dlbench.optimizers.lars` for the layout ``layers``). Each weight
matrix ``W_l`` is the 2-D tensor ``(fan_in, fan_out)`` exactly as dlbench stores it (rows =
inputs): its second moment is factored into a row statistic ``R`` (fan_in entries) and a column
statistic ``C`` (fan_out entries). Biases are 1-D and get an unfactored second moment. Every
weight matrix is 2-D, the output layer's ``(H, 1)`` included, so every ``W_l`` is factored, as
torch factors a ``(H, 1)`` tensor.

In exact arithmetic the rule is the same for ``W`` and ``W.T`` (``R`` and ``C`` swap, and the
normaliser ``mean(R)`` = ``mean(C)`` = the mean of ``G**2``); in floating point the two
orientations round differently, and dlbench matches torch given the ``(fan_in, fan_out)`` tensor.
"""

from __future__ import annotations

import math

from ..hyper import Hyper
from .base import Optimizer

RULE_ADAFACTOR = 67

_FLOAT64_EPS = 2.220446049250313e-16
"""``torch.finfo(torch.float64).eps``: torch's ``eps1`` when it is ``None``."""


def adafactor_update(theta, grad, state, scalars, hp, lr, step, layers):
    """One step of Adafactor, following ``torch.optim.Adafactor`` (torch 2.13, single-tensor
    path, ``maximize=False``) exactly, per tensor (each ``W_l``, each ``b_l``).

    With ``t`` the step, ``w = t ** beta2_decay`` (torch's ``1 - beta2_t``), ``rho = min(lr,
    1 / sqrt(t))``, ``eps1`` = float64 machine epsilon when unset::

        alpha = max(eps2, RMS(theta)) * rho                       (RMS before the decay)
        theta <- theta * (1 - lr * weight_decay)
        W:  R <- lerp(R, rowmean(G**2), w);  C <- lerp(C, colmean(G**2), w)
            V = R C^T / max(mean(R), eps1)
        b:  V <- lerp(V, G**2, w)
        U = G / sqrt(max(V, eps1**2))
        theta <- theta - alpha / max(1, RMS(U) / d) * U

    Shazeer and Stern (2018), "Adafactor: adaptive learning rates with sublinear memory cost",
    with torch's deviations (``lr`` caps ``rho`` and scales the decoupled weight decay; ``eps1``
    at the variance estimate, not inside R and C). torch computes a row's mean of squares as
    ``norm(row)**2 / m``, and so does this rule. ``hp = (beta2_decay, eps1, eps2, d,
    weight_decay)``; ``state[0]`` holds ``R`` (at each ``w_offset``) and the biases' ``V`` (at
    each ``b_offset``), ``state[1]`` holds ``C`` (at each ``w_offset``); ``scalars`` unused.
    """
    beta2_decay = hp[0]
    eps1 = hp[1]
    if eps1 != eps1:
        eps1 = _FLOAT64_EPS
    eps2 = hp[2]
    d = hp[3]
    weight_decay = hp[4]
    t = float(step)
    w = t**beta2_decay
    small = abs(w) < 0.5
    rho = min(lr, 1.0 / (t**0.5))
    shrink = 1.0 - lr * weight_decay
    for layer in range(layers.shape[0]):
        w0 = layers[layer, 0]
        n = layers[layer, 1]
        m = layers[layer, 2]
        b0 = layers[layer, 3]
        nb = layers[layer, 4]
        # second moments: R (rows of W) and C (columns of W) in slots 0 and 1, the bias's V in slot 0
        for i in range(n + m + nb):
            s = 0.0
            if i < n:
                for j in range(m):
                    g = grad[w0 + i * m + j]
                    s += g * g
                r = math.sqrt(s)
                new = r * r / m
                slot, k = 0, w0 + i
            elif i < n + m:
                for r_ in range(n):
                    g = grad[w0 + r_ * m + (i - n)]
                    s += g * g
                r = math.sqrt(s)
                new = r * r / n
                slot, k = 1, w0 + i - n
            else:
                k = b0 + i - n - m
                new = grad[k] * grad[k]
                slot = 0
            old = state[slot, k]
            if small:
                state[slot, k] = old + w * (new - old)
            else:
                state[slot, k] = new - (new - old) * (1.0 - w)
        rmean = 0.0
        for i in range(n):
            rmean += state[0, w0 + i]
        rmean = rmean / n
        if rmean < eps1:  # torch's clamp: NaN stays NaN
            rmean = eps1
        for part in range(2):  # W_l, then b_l
            start = w0 if part == 0 else b0
            size = n * m if part == 0 else nb
            sq = 0.0
            for k in range(start, start + size):
                sq += theta[k] * theta[k]
            alpha = max(eps2, math.sqrt(sq) / (size**0.5)) * rho
            if weight_decay != 0.0:
                for k in range(start, start + size):
                    theta[k] = theta[k] * shrink
            norm_sq = 0.0
            scale = 0.0
            for sweep in range(2):  # sweep 0: the update's norm; sweep 1: apply it
                if sweep == 1:
                    scale = -alpha / max(1.0, math.sqrt(norm_sq) / ((size**0.5) * d))
                for k in range(size):
                    if part == 0:
                        v = state[0, w0 + k // m] * state[1, w0 + k % m] / rmean
                    else:
                        v = state[0, b0 + k]
                    if v < eps1 * eps1:
                        v = eps1 * eps1
                    u = 1.0 / math.sqrt(v) * grad[start + k]
                    if sweep == 0:
                        norm_sq += u * u
                    else:
                        theta[start + k] = theta[start + k] + scale * u

OPTIMIZERS = (
    Optimizer(
        "adafactor", RULE_ADAFACTOR,
        "Adafactor: relative step sizes min(lr, 1/sqrt(t)) * RMS(theta), second moments factored into row and column averages for each weight matrix, update clipping at RMS d.",
        "torch.optim.Adafactor (Shazeer & Stern 2018)", 1e-2,
        (
            Hyper("beta2_decay", -0.8, "decay exponent: the second-moment average weights the new G**2 by t**beta2_decay", high=0.0),
            Hyper("eps1", None, "floor of the variance estimate (squared) and of mean(R); None: float64 machine epsilon, as torch", low=0.0),
            Hyper("eps2", 1e-3, "floor of RMS(theta) in the relative step size", low=0.0),
            Hyper("d", 1.0, "clipping threshold of the update's RMS", low=1.0),
            Hyper("weight_decay", 0.0, "decoupled weight decay: theta <- theta * (1 - lr * weight_decay)", low=0.0),
        ),
        ("beta2_decay", "eps1", "eps2", "d", "weight_decay"),
        n_slots=2,
    ),
)
