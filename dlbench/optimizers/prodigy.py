"""Prodigy: Adam whose step size ``d`` estimates the distance to the solution, ``prodigyopt.Prodigy``'s rule."""

from __future__ import annotations

import math

from ..hyper import Hyper
from .base import Optimizer, tensor_span

RULE_PRODIGY = 46


def prodigy_update(theta, grad, state, scalars, hp, lr, step, layers):
    """One step of Prodigy, following ``prodigyopt.Prodigy`` (prodigyopt 1.1.2) exactly, in its
    order of operations (one parameter group, ``slice_p = 1``, no FSDP).

    ``d`` (starting at ``d0``), ``d_max``, the numerator ``r`` and the count ``k`` are global
    scalars. With ``g = grad + weight_decay * theta`` (coupled decay, ``decouple = False``), ``x0``
    the parameters at the first step, ``beta3 = sqrt(beta2)`` if unset, and ``dlr = d * lr *
    sqrt(1 - beta2**(k+1)) / (1 - beta1**(k+1))`` (``use_bias_correction``; else ``d * lr``)::

        r <- beta3 r + (d / d0) dlr <g, x0 - theta>
        m <- beta1 m + d (1 - beta1) g;   v <- beta2 v + d**2 (1 - beta2) g**2
        s <- beta3 s + (d / d0) dlr g     ((d / d0) d with safeguard_warmup)
        d_hat = d_coef r / ||s||_1
        d <- max(d, d_hat) if d == d0;  d_max <- max(d_max, d_hat);  d <- min(d_max, d growth_rate)
        theta <- theta - weight_decay dlr theta       (decouple)
        theta <- theta - dlr m / (sqrt(v) + d eps)    (dlr and the moments with the old d, eps with the new)

    (``beta1 = 0``: no ``m``, the step is ``- dlr d g / (sqrt(v) + d eps)``, both ``d`` the new one.) While ``||s||_1 = 0``
    (no gradient yet) the reference returns before the step and before counting ``k``: so does
    this rule (the moments have been updated by then, as there).

    Mishchenko and Defazio (2024), "Prodigy: an expeditiously adaptive parameter-free learner";
    the library's convention (``d / d0`` scaling of the sums, ``lr`` multiplies ``d``). Not
    exposed (defaults kept): ``slice_p = 1``, ``fsdp_in_use``. ``hp = (beta1, beta2, beta3 (NaN:
    unset), eps, weight_decay, decouple, use_bias_correction, safeguard_warmup, d0, d_coef,
    growth_rate (NaN: inf))``; ``state`` = (``s``, ``x0``, ``m``, ``v``); ``scalars`` = (``d``,
    ``d_max``, ``r``, ``k``), ``d = 0`` meaning not started.
    """
    beta1 = hp[0]
    beta2 = hp[1]
    beta3 = hp[2] if hp[2] == hp[2] else math.sqrt(beta2)
    eps = hp[3]
    decay = hp[4]
    decouple = hp[5] != 0.0
    bias_correction = hp[6] != 0.0
    safeguard = hp[7] != 0.0
    d0 = hp[8]
    d_coef = hp[9]
    growth_rate = hp[10] if hp[10] == hp[10] else math.inf
    s = state[0]
    p0 = state[1]
    exp_avg = state[2]
    exp_avg_sq = state[3]
    P = theta.shape[0]
    if scalars[0] == 0.0:  # the reference's state initialisation (x0 = theta, d = d_max = d0)
        scalars[0] = d0
        scalars[1] = d0
        scalars[2] = 0.0
        scalars[3] = 0.0
        for i in range(P):
            p0[i] = theta[i]
    d = scalars[0]
    d_max = scalars[1]
    k = scalars[3]
    if bias_correction:
        bc = ((1.0 - beta2 ** (k + 1.0)) ** 0.5) / (1.0 - beta1 ** (k + 1.0))
    else:
        bc = 1.0
    dlr = d * lr * bc
    d_numerator = scalars[2] * beta3
    delta_numerator = 0.0
    d_denom = 0.0
    coupled = decay != 0.0 and not decouple
    w_m = d * (1.0 - beta1)
    w_v = d * d * (1.0 - beta2)
    w_s = (d / d0) * d if safeguard else (d / d0) * dlr
    if lr > 0.0:
        for kt in range(2 * layers.shape[0]):  # per tensor, in the model's order, as the reference sums
            lo, hi = tensor_span(layers, kt)
            dot = 0.0
            abs_sum = 0.0
            for i in range(lo, hi):
                g = grad[i] + decay * theta[i] if coupled else grad[i]
                dot += g * (p0[i] - theta[i])
                if beta1 > 0.0:
                    exp_avg[i] = exp_avg[i] * beta1 + w_m * g
                exp_avg_sq[i] = exp_avg_sq[i] * beta2 + w_v * g * g
                si = s[i] * beta3 + w_s * g
                s[i] = si
                abs_sum += abs(si)
            delta_numerator += (d / d0) * dlr * dot
            d_denom += abs_sum
    if d_denom == 0.0:
        return
    global_numerator = d_numerator + delta_numerator
    d_hat = d_coef * global_numerator / d_denom
    if d == d0:
        d = max(d, d_hat)
    d_max = max(d_max, d_hat)
    d = min(d_max, d * growth_rate)
    scalars[0] = d
    scalars[1] = d_max
    scalars[2] = global_numerator
    scalars[3] = k + 1.0
    d_eps = d * eps
    shrink = -decay * dlr
    for i in range(P):
        p = theta[i]
        denom = math.sqrt(exp_avg_sq[i]) + d_eps
        if decay != 0.0 and decouple:
            p = p + shrink * p
        if beta1 > 0.0:
            p = p + (-dlr) * (exp_avg[i] / denom)
        else:
            g = grad[i] + decay * theta[i] if coupled else grad[i]
            p = p + (-dlr * d) * (g / denom)
        theta[i] = p


_BETA = dict(low=0.0, high=1.0, high_open=True)

OPTIMIZERS = (
    Optimizer(
        "prodigy", RULE_PRODIGY,
        "Prodigy: Adam with a learned global step size d (a lower bound on the distance to the solution, D-Adaptation's successor); lr multiplies d.",
        "prodigyopt.Prodigy (prodigyopt 1.1.2, Mishchenko & Defazio 2024)", 1.0,
        (
            Hyper("beta1", 0.9, "decay of the first moment (betas[0]); 0 drops it", **_BETA),
            Hyper("beta2", 0.999, "decay of the second moment (betas[1])", **_BETA),
            Hyper("beta3", None, "decay of the d estimate's sums; None: sqrt(beta2), as the reference", **_BETA),
            Hyper("eps", 1e-8, "term added to the root, times d", low=0.0, low_open=True),
            Hyper("weight_decay", 0.0, "weight decay coefficient", low=0.0),
            Hyper("decouple", True, "decoupled (AdamW) decay theta <- theta - weight_decay * d * lr * theta (else L2 into the gradient)", kind="bool"),
            Hyper("use_bias_correction", False, "Adam's bias correction in the step size", kind="bool"),
            Hyper("safeguard_warmup", False, "leave lr out of the d estimate's denominator sum (for warm-up schedules)", kind="bool"),
            Hyper("d0", 1e-6, "initial d estimate", low=0.0, low_open=True),
            Hyper("d_coef", 1.0, "coefficient of the d estimate", low=0.0, low_open=True),
            Hyper("growth_rate", None, "largest factor d may grow by per step; None: unbounded (inf), as the reference", low=0.0, low_open=True),
        ),
        ("beta1", "beta2", "beta3", "eps", "weight_decay", "decouple", "use_bias_correction", "safeguard_warmup", "d0",
         "d_coef", "growth_rate"),
        n_slots=4,
    ),
)
