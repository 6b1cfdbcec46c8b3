"""ADOPT: Adam normalising the gradient by the PREVIOUS second moment, before the momentum."""

from __future__ import annotations

import math

from ..hyper import Hyper
from .base import N_SCALARS, Optimizer, cautious_scale, tensor_span

RULE_ADOPT = 53


def adopt_update(theta, grad, state, scalars, hp, lr, step, layers):
    """One step of ADOPT, following ``pytorch_optimizer.ADOPT`` (pytorch-optimizer 4.1.0,
    per-parameter code path) exactly, in its order of operations.

    Weight decay first: ``g = grad + weight_decay * theta`` (the default) or, with
    ``weight_decouple``, ``theta <- theta * (1 - lr * weight_decay)`` (``fixed_decay`` drops the
    ``lr``). Step 1 only initialises ``v_1 = g**2`` (theta does not move, apart from decoupled
    decay). From step 2 on, with ``c_t = t**0.25`` (the reference's default ``clip_lambda``)::

        n = clip(g / max(sqrt(v_{t-1}), eps), -c_t, c_t)
        m_t = beta1 * m_{t-1} + (1 - beta1) * n                (as torch's lerp)
        theta <- theta - lr * m_t
        v_t = beta2 * v_{t-1} + (1 - beta2) * g**2

    Taniguchi et al. (2024), "ADOPT: modified Adam can converge with any beta2 with the optimal
    rate" (NeurIPS), Algorithm 2 with clipping.

    ``cautious`` (the reference's keyword option, Liang et al. 2024): per parameter tensor (each
    ``W_l`` and ``b_l`` of ``layers``), the step uses ``m_t * [m_t * n > 0] * numel / (count + 1)``
    (``BaseOptimizer.apply_cautious``; ``m_t`` itself is kept). Not exposed (reference defaults
    kept): ``clip_lambda`` (a callable; fixed at ``step**0.25``), ``maximize``, ``foreach`` (same
    operations batched), the ``stable_adamw`` keyword option. ``hp = (beta1, beta2, eps,
    weight_decay, weight_decouple, fixed_decay, cautious)``; ``state`` = (``m``, ``v``, ``n`` if
    cautious).
    """
    beta1 = hp[0]
    beta2 = hp[1]
    eps = hp[2]
    weight_decay = hp[3]
    decouple = hp[4] != 0.0
    fixed = hp[5] != 0.0
    cautious = hp[6] != 0.0
    exp_avg = state[0]
    exp_avg_sq = state[1]
    shrink = 1.0 - weight_decay * (1.0 if fixed else lr)
    clip = math.pow(float(step), 0.25)
    w1 = 1.0 - beta1
    small = abs(w1) < 0.5
    w2 = 1.0 - beta2
    for i in range(theta.shape[0]):
        g = grad[i]
        if weight_decay != 0.0:
            if decouple:
                theta[i] = theta[i] * shrink
            elif weight_decay > 0.0:
                g = g + weight_decay * theta[i]
        v = exp_avg_sq[i]
        if step == 1:
            exp_avg_sq[i] = v + g * g
            continue
        de = math.sqrt(v)
        if de < eps:
            de = eps
        n = g / de
        if n < -clip:
            n = -clip
        elif n > clip:
            n = clip
        m = exp_avg[i]
        if small:
            m = m + w1 * (n - m)
        else:
            m = n - (n - m) * (1.0 - w1)
        exp_avg[i] = m
        if cautious:
            state[2, i] = n
        else:
            theta[i] = theta[i] + (-lr) * m
        exp_avg_sq[i] = v * beta2 + w2 * g * g
    if not cautious or step == 1:
        return
    for k in range(2 * layers.shape[0]):  # each W_l, then b_l: one mask scale per tensor
        lo, hi = tensor_span(layers, k)
        scale = cautious_scale(exp_avg, state[2], lo, hi)
        for i in range(lo, hi):
            m = exp_avg[i]
            m = m * scale if m * state[2, i] > 0.0 else m * 0.0
            theta[i] = theta[i] + (-lr) * m


OPTIMIZERS = (
    Optimizer(
        "adopt", RULE_ADOPT,
        "ADOPT: momentum of the gradient normalised by the previous second moment (clipped).",
        "pytorch_optimizer.ADOPT (pytorch-optimizer 4.1.0)", 1e-3,
        (
            Hyper("beta1", 0.9, "decay of the first-moment average", low=0.0, high=1.0, high_open=True),
            Hyper("beta2", 0.9999, "decay of the second-moment average", low=0.0, high=1.0, high_open=True),
            Hyper("eps", 1e-6, "floor of the root of the second moment", low=0.0),
            Hyper("weight_decay", 0.0, "weight decay coefficient", low=0.0),
            Hyper("weight_decouple", False, "decoupled decay theta <- theta * (1 - lr * weight_decay) (else L2 into the gradient)", kind="bool"),
            Hyper("fixed_decay", False, "decoupled decay without the lr factor", kind="bool"),
            Hyper("cautious", False, "Cautious Optimizers mask (the reference's apply_cautious)", kind="bool"),
        ),
        ("beta1", "beta2", "eps", "weight_decay", "weight_decouple", "fixed_decay", "cautious"),
        n_slots=2,
        state_shape=lambda values: (3 if values["cautious"] else 2, N_SCALARS),
    ),
)
