"""AdaBelief: Adam whose second moment tracks the gradient's deviation from its running mean."""

from __future__ import annotations

import math

from ..hyper import Hyper
from .base import N_SCALARS, Optimizer

RULE_ADABELIEF = 50


def adabelief_update(theta, grad, state, scalars, hp, lr, step):
    """One step of AdaBelief, following ``pytorch_optimizer.AdaBelief`` (pytorch-optimizer 4.1.0,
    per-parameter code path) exactly, in its order of operations.

    Weight decay first: ``theta <- theta * (1 - lr * weight_decay)`` (``weight_decouple``, the
    default; ``fixed_decay`` drops the ``lr``) or ``g = grad + weight_decay * theta``. Then::

        m_t = beta1 * m_{t-1} + (1 - beta1) * g                  (as torch's lerp)
        s_t = beta2 * s_{t-1} + (1 - beta2) * (g - m_t)**2 + eps  (eps inside the state, as the paper)
        smax_t = max(smax_{t-1}, s_t);  s_t <- smax_t              (ams_bound only)
        theta <- theta - lr / (1 - beta1**t) * m_t / (sqrt(s_t) / sqrt(1 - beta2**t) + eps)

    With ``rectify`` (RAdam's rectification), ``rho_inf = 2 / (1 - beta2) - 1`` and ``rho_t =
    rho_inf - 2 t beta2**t / (1 - beta2**t)``: if ``rho_t >= n_sma_threshold``, ``r_t = sqrt((1 -
    beta2**t) (rho_t - 4) / (rho_inf - 4) (rho_t - 2) / rho_t rho_inf / (rho_inf - 2))`` and
    ``theta <- theta - lr r_t / (1 - beta1**t) * m_t / (sqrt(s_t) + eps)``; otherwise an SGD step
    with momentum ``theta <- theta - lr / (1 - beta1**t) * m_t`` if ``degenerated_to_sgd``, and no
    step if not.

    Zhuang et al. (2020), "AdaBelief optimizer: adapting stepsizes by the belief in observed
    gradients", Algorithm 2. Not exposed (reference defaults kept): ``maximize``, ``foreach`` (the
    batched path computes the same operations), the ``adanorm``/``adanorm_r`` and ``adam_debias``
    keyword options. ``hp = (beta1, beta2, eps, weight_decay, weight_decouple, fixed_decay, rectify,
    n_sma_threshold, degenerated_to_sgd, ams_bound)``; ``state`` = (``m``, ``s``, ``smax`` if
    ams_bound).
    """
    beta1 = hp[0]
    beta2 = hp[1]
    eps = hp[2]
    weight_decay = hp[3]
    decouple = hp[4] != 0.0
    fixed = hp[5] != 0.0
    rectify = hp[6] != 0.0
    threshold = hp[7]
    degenerated = hp[8] != 0.0
    ams = hp[9] != 0.0
    exp_avg = state[0]
    exp_avg_var = state[1]
    t = float(step)
    bias_correction1 = 1.0 - beta1**t
    bc2_sqrt = math.sqrt(1.0 - beta2**t)
    step_size = lr
    n_sma = 0.0
    if rectify:
        n_sma_max = 2.0 / (1.0 - beta2) - 1.0
        beta2_t = beta2**t
        n_sma = n_sma_max - 2.0 * t * beta2_t / (1.0 - beta2_t)
        if n_sma >= threshold:
            rt = math.sqrt(
                (1.0 - beta2_t) * (n_sma - 4.0) / (n_sma_max - 4.0) * (n_sma - 2.0) / n_sma * n_sma_max / (n_sma_max - 2.0)
            )
        elif degenerated:
            rt = 1.0
        else:
            rt = -1.0
        step_size = step_size * rt
    step_size = step_size / bias_correction1
    adaptive = (not rectify) or n_sma >= threshold
    shrink = 1.0 - weight_decay * (1.0 if fixed else lr)
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
        m = exp_avg[i]
        if small:
            m = m + w1 * (g - m)
        else:
            m = g - (g - m) * (1.0 - w1)
        exp_avg[i] = m
        r = g - m
        s = exp_avg_var[i] * beta2 + w2 * r * r + eps
        exp_avg_var[i] = s
        if ams:
            if s > state[2, i] or s != s:
                state[2, i] = s
            s = state[2, i]
        if not rectify:
            theta[i] = theta[i] + (-step_size * m) / (math.sqrt(s) / bc2_sqrt + eps)
        elif adaptive:
            theta[i] = theta[i] + (-step_size * m) / (math.sqrt(s) + eps)
        elif step_size > 0.0:
            theta[i] = theta[i] + (-step_size) * m


def _state_shape(values):
    return (3 if values["ams_bound"] else 2), N_SCALARS


OPTIMIZERS = (
    Optimizer(
        "adabelief", RULE_ADABELIEF,
        "AdaBelief: Adam dividing by the running variance of the gradient around its mean (the 'belief').",
        "pytorch_optimizer.AdaBelief (pytorch-optimizer 4.1.0)", 1e-3,
        (
            Hyper("beta1", 0.9, "decay of the first-moment average", low=0.0, high=1.0, high_open=True),
            Hyper("beta2", 0.999, "decay of the belief (squared deviation) average", low=0.0, high=1.0, high_open=True),
            Hyper("eps", 1e-16, "added inside the belief average and to the denominator", low=0.0),
            Hyper("weight_decay", 0.0, "weight decay coefficient", low=0.0),
            Hyper("weight_decouple", True, "decoupled decay theta <- theta * (1 - lr * weight_decay) (else L2 into the gradient)", kind="bool"),
            Hyper("fixed_decay", False, "decoupled decay without the lr factor", kind="bool"),
            Hyper("rectify", False, "RAdam's rectification of the adaptive rate", kind="bool"),
            Hyper("n_sma_threshold", 5, "rho_t from which the rectified adaptive step is taken", kind="int", low=0),
            Hyper("degenerated_to_sgd", True, "below the threshold take an SGD-with-momentum step (else none)", kind="bool"),
            Hyper("ams_bound", False, "divide by the running maximum of the belief average", kind="bool"),
        ),
        ("beta1", "beta2", "eps", "weight_decay", "weight_decouple", "fixed_decay", "rectify", "n_sma_threshold",
         "degenerated_to_sgd", "ams_bound"),
        n_slots=2,
        state_shape=_state_shape,
    ),
)
