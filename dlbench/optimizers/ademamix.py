"""AdEMAMix: Adam with a mixture of a fast and a slow exponential moving average of the gradient."""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any, Mapping

from ..errors import invalid
from ..hyper import Hyper
from .base import N_SCALARS, Optimizer, cautious_scale, tensor_span

RULE_ADEMAMIX = 54


def ademamix_update(theta, grad, state, scalars, hp, lr, step, layers):
    """One step of AdEMAMix, following ``pytorch_optimizer.AdEMAMix`` (pytorch-optimizer 4.1.0,
    per-parameter code path, float64) exactly, in its order of operations.

    Weight decay first: ``g = grad + weight_decay * theta`` (the default) or, with
    ``weight_decouple``, ``theta <- theta * (1 - lr * weight_decay)`` (``fixed_decay`` drops the
    ``lr``). Then::

        m1_t = beta1 * m1_{t-1} + (1 - beta1) * g                 (as torch's lerp, both averages)
        v_t  = beta2 * v_{t-1} + (1 - beta2) * g**2
        m2_t = beta3_t * m2_{t-1} + (1 - beta3_t) * g
        theta <- theta - lr * (m1_t / (1 - beta1**t) + alpha_t * m2_t) / (sqrt(v_t) / sqrt(1 - beta2**t) + eps)

    Without ``t_alpha_beta3`` (the default), ``alpha_t = alpha`` and ``beta3_t = beta3``. With the
    warm-up ``T = t_alpha_beta3`` (the paper's schedulers, eqs. 4-5, as the reference computes
    them; ``s = t / T``)::

        alpha_t = min(t * alpha / T, alpha)
        beta3_t = min(exp(ln(beta1) ln(beta3) / ((1 - s) ln(beta3) + s ln(beta1))), beta3)

    Pagliardini, Ablin and Grangier (2024), "The AdEMAMix optimizer: better, faster, older",
    Algorithm 1.

    ``cautious`` (the reference's keyword option, Liang et al. 2024): per parameter tensor (each
    ``W_l`` and ``b_l`` of ``layers``), ``m1_t`` in the step becomes ``m1_t * [m1_t * g > 0] *
    numel / (count + 1)`` (``BaseOptimizer.apply_cautious``; the slow average is not masked). Not
    exposed (reference defaults kept): ``maximize``, ``foreach`` (same operations batched), the
    ``stable_adamw`` keyword option. ``hp = (beta1, beta2, beta3, alpha, t_alpha_beta3 (NaN for
    None), eps, weight_decay, weight_decouple, fixed_decay, cautious)``; ``state`` = (``m1``,
    ``v``, ``m2``, ``g`` if cautious).
    """
    beta1 = hp[0]
    beta2 = hp[1]
    beta3 = hp[2]
    alpha = hp[3]
    warmup = hp[4]
    eps = hp[5]
    weight_decay = hp[6]
    decouple = hp[7] != 0.0
    fixed = hp[8] != 0.0
    cautious = hp[9] != 0.0
    exp_avg = state[0]
    exp_avg_sq = state[1]
    exp_avg_slow = state[2]
    t = float(step)
    bias_correction1 = 1.0 - beta1**t
    bc2_sqrt = math.sqrt(1.0 - beta2**t)
    alpha_t = alpha
    beta3_t = beta3
    if warmup == warmup:  # not NaN: the warm-up schedulers are on
        alpha_t = t * alpha / warmup
        if not alpha_t < alpha:
            alpha_t = alpha
        log_beta1 = math.log(beta1)
        log_beta3 = math.log(beta3)
        s = t / warmup
        beta3_t = math.exp(log_beta1 * log_beta3 / ((1.0 - s) * log_beta3 + s * log_beta1))
        if beta3 < beta3_t:
            beta3_t = beta3
    shrink = 1.0 - weight_decay * (1.0 if fixed else lr)
    w1 = 1.0 - beta1
    small1 = abs(w1) < 0.5
    w2 = 1.0 - beta2
    w3 = 1.0 - beta3_t
    small3 = abs(w3) < 0.5
    for i in range(theta.shape[0]):
        g = grad[i]
        if weight_decay != 0.0:
            if decouple:
                theta[i] = theta[i] * shrink
            elif weight_decay > 0.0:
                g = g + weight_decay * theta[i]
        m = exp_avg[i]
        if small1:
            m = m + w1 * (g - m)
        else:
            m = g - (g - m) * (1.0 - w1)
        exp_avg[i] = m
        v = exp_avg_sq[i] * beta2 + w2 * g * g
        exp_avg_sq[i] = v
        slow = exp_avg_slow[i]
        if small3:
            slow = slow + w3 * (g - slow)
        else:
            slow = g - (g - slow) * (1.0 - w3)
        exp_avg_slow[i] = slow
        if cautious:
            state[3, i] = g
            continue
        denom = math.sqrt(v) / bc2_sqrt + eps
        update = m / bias_correction1 + alpha_t * slow
        theta[i] = theta[i] + (-lr * update) / denom
    if not cautious:
        return
    for k in range(2 * layers.shape[0]):  # each W_l, then b_l: one mask scale per tensor
        lo, hi = tensor_span(layers, k)
        scale = cautious_scale(exp_avg, state[3], lo, hi)
        for i in range(lo, hi):
            m = exp_avg[i]
            m = m * scale if m * state[3, i] > 0.0 else m * 0.0
            denom = math.sqrt(exp_avg_sq[i]) / bc2_sqrt + eps
            update = m / bias_correction1 + alpha_t * exp_avg_slow[i]
            theta[i] = theta[i] + (-lr * update) / denom


@dataclass(frozen=True)
class _AdEMAMixRecord(Optimizer):
    """The warm-up takes ln(beta1) and ln(beta3): refuse a zero beta with it (the reference
    raises a math domain error)."""

    def check(self, values: Mapping[str, Any]) -> dict[str, Any]:
        out = super().check(values)
        if out["t_alpha_beta3"] is not None:
            for name in ("beta1", "beta3"):
                if out[name] == 0.0:
                    raise invalid(name, self.name, "a float > 0 when t_alpha_beta3 is set", out[name])
        return out


_DECAY = "decay of the {} average"

OPTIMIZERS = (
    _AdEMAMixRecord(
        "ademamix", RULE_ADEMAMIX,
        "AdEMAMix: Adam whose numerator adds alpha times a slow (beta3) moving average of the gradient.",
        "pytorch_optimizer.AdEMAMix (pytorch-optimizer 4.1.0)", 1e-3,
        (
            Hyper("beta1", 0.9, _DECAY.format("fast gradient"), low=0.0, high=1.0, high_open=True),
            Hyper("beta2", 0.999, _DECAY.format("squared gradient"), low=0.0, high=1.0, high_open=True),
            Hyper("beta3", 0.9999, _DECAY.format("slow gradient"), low=0.0, high=1.0),
            Hyper("alpha", 5.0, "weight of the slow average in the numerator", low=0.0),
            Hyper("t_alpha_beta3", None, "steps of warm-up of alpha and beta3 (None: no warm-up)", low=0.0, low_open=True),
            Hyper("eps", 1e-8, "term added to the denominator", low=0.0),
            Hyper("weight_decay", 0.0, "weight decay coefficient", low=0.0),
            Hyper("weight_decouple", False, "decoupled decay theta <- theta * (1 - lr * weight_decay) (else L2 into the gradient)", kind="bool"),
            Hyper("fixed_decay", False, "decoupled decay without the lr factor", kind="bool"),
            Hyper("cautious", False, "Cautious Optimizers mask (the reference's apply_cautious)", kind="bool"),
        ),
        ("beta1", "beta2", "beta3", "alpha", "t_alpha_beta3", "eps", "weight_decay", "weight_decouple", "fixed_decay",
         "cautious"),
        n_slots=3,
        state_shape=lambda values: (4 if values["cautious"] else 3, N_SCALARS),
    ),
)
