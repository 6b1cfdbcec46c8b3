"""Yogi: Adam whose second moment moves towards g**2 by an additive, sign-controlled step."""

from __future__ import annotations

import math

from ..hyper import Hyper
from .base import Optimizer

RULE_YOGI = 51


def yogi_update(theta, grad, state, scalars, hp, lr, step):
    """One step of Yogi, following ``pytorch_optimizer.Yogi`` (pytorch-optimizer 4.1.0,
    per-parameter code path) exactly, in its order of operations.

    Both moments start at ``initial_accumulator`` (filled in on step 1). Weight decay first:
    ``theta <- theta * (1 - lr * weight_decay)`` (``weight_decouple``, the default;
    ``fixed_decay`` drops the ``lr``) or ``g = grad + weight_decay * theta``. Then::

        m_t = beta1 * m_{t-1} + (1 - beta1) * g                        (as torch's lerp)
        v_t = v_{t-1} - (1 - beta2) * sign(v_{t-1} - g**2) * g**2      (sign(0) = 0)
        theta <- theta - lr / (1 - beta1**t) * m_t / (sqrt(v_t) / sqrt(1 - beta2**t) + eps)

    Zaheer et al. (2018), "Adaptive methods for nonconvex optimization" (NeurIPS), Algorithm 2;
    the bias corrections and ``eps`` outside the root are pytorch-optimizer's. Not exposed
    (reference defaults kept): ``maximize``, ``foreach`` (same operations batched), the
    ``adam_debias`` keyword option. ``hp = (beta1, beta2, initial_accumulator, eps, weight_decay,
    weight_decouple, fixed_decay)``; ``state`` = (``m``, ``v``).
    """
    beta1 = hp[0]
    beta2 = hp[1]
    initial = hp[2]
    eps = hp[3]
    weight_decay = hp[4]
    decouple = hp[5] != 0.0
    fixed = hp[6] != 0.0
    exp_avg = state[0]
    exp_avg_sq = state[1]
    if step == 1:
        for i in range(theta.shape[0]):
            exp_avg[i] = initial
            exp_avg_sq[i] = initial
    t = float(step)
    step_size = lr / (1.0 - beta1**t)
    bc2_sqrt = math.sqrt(1.0 - beta2**t)
    shrink = 1.0 - weight_decay * (1.0 if fixed else lr)
    w1 = 1.0 - beta1
    small = abs(w1) < 0.5
    value = -(1.0 - beta2)
    for i in range(theta.shape[0]):
        g = grad[i]
        if weight_decay != 0.0:
            if decouple:
                theta[i] = theta[i] * shrink
            elif weight_decay > 0.0:
                g = g + weight_decay * theta[i]
        g2 = g * g
        m = exp_avg[i]
        if small:
            m = m + w1 * (g - m)
        else:
            m = g - (g - m) * (1.0 - w1)
        exp_avg[i] = m
        v = exp_avg_sq[i]
        d = v - g2
        if d > 0.0:
            sign = 1.0
        elif d < 0.0:
            sign = -1.0
        else:
            sign = d  # 0 stays 0, NaN stays NaN
        v = v + value * sign * g2
        exp_avg_sq[i] = v
        theta[i] = theta[i] + (-step_size * m) / (math.sqrt(v) / bc2_sqrt + eps)


OPTIMIZERS = (
    Optimizer(
        "yogi", RULE_YOGI,
        "Yogi: Adam with an additive, sign-controlled second-moment update.",
        "pytorch_optimizer.Yogi (pytorch-optimizer 4.1.0)", 1e-2,
        (
            Hyper("beta1", 0.9, "decay of the first-moment average", low=0.0, high=1.0, high_open=True),
            Hyper("beta2", 0.999, "rate of the second-moment update", low=0.0, high=1.0, high_open=True),
            Hyper("initial_accumulator", 1e-6, "initial value of both moments", low=0.0),
            Hyper("eps", 1e-3, "term added to the denominator", low=0.0),
            Hyper("weight_decay", 0.0, "weight decay coefficient", low=0.0),
            Hyper("weight_decouple", True, "decoupled decay theta <- theta * (1 - lr * weight_decay) (else L2 into the gradient)", kind="bool"),
            Hyper("fixed_decay", False, "decoupled decay without the lr factor", kind="bool"),
        ),
        ("beta1", "beta2", "initial_accumulator", "eps", "weight_decay", "weight_decouple", "fixed_decay"),
        n_slots=2,
    ),
)
