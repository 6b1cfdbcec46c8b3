"""Adam and its relatives: AMSGrad, AdamW, Adamax, NAdam and RAdam.

Each rule follows the single-tensor code path of the ``torch.optim`` class of the same name
(torch 2.13) exactly, in the order torch applies its operations. ``adam``, ``amsgrad`` and
``adamw`` share one rule (``torch.optim.AdamW`` is ``Adam(decoupled_weight_decay=True)``).

Like torch, the first moment is updated with ``lerp(m, g, 1 - beta1)``, which torch evaluates as
``m + w * (g - m)`` for a weight ``w < 0.5`` and as ``g - (g - m) * (1 - w)`` otherwise.
"""

from __future__ import annotations

import math

from ..hyper import Hyper
from .base import N_SCALARS, Optimizer, WEIGHT_DECAY, cautious_scale, tensor_span

RULE_ADAM = 13
RULE_ADAMAX = 14
RULE_NADAM = 15
RULE_RADAM = 16


def adam_update(theta, grad, state, scalars, hp, lr, step, layers):
    """One step of Adam, following ``torch.optim.Adam`` / ``torch.optim.AdamW`` exactly (version 2.13).

    With ``g = grad + weight_decay * theta`` (coupled) or ``theta <- theta * (1 - lr *
    weight_decay)`` first (decoupled, AdamW) and ``t`` the step::

        m_t = beta1 * m_{t-1} + (1 - beta1) * g           (as lerp)
        v_t = beta2 * v_{t-1} + (1 - beta2) * g**2
        vmax_t = max(vmax_{t-1}, v_t);  v_t <- vmax_t       (amsgrad only)
        theta <- theta - lr / (1 - beta1**t) * m_t / (sqrt(v_t) / sqrt(1 - beta2**t) + eps)

    Kingma and Ba (2015), "Adam: a method for stochastic optimization"; Reddi, Kale and Kumar
    (2018), "On the convergence of Adam and beyond" (AMSGrad); Loshchilov and Hutter (2019),
    "Decoupled weight decay regularization" (AdamW).

    ``cautious``: the Cautious Optimizers mask (Liang et al. 2024, "Cautious optimizers: improving
    training with one line of code") in pytorch-optimizer 4.1.0's form
    (``BaseOptimizer.apply_cautious``, applied to the first moment as its ``AdEMAMix`` and ``AdamP``
    do): per parameter tensor (each ``W_l`` and each ``b_l`` of ``layers``, as torch holds them),
    ``m_t`` is replaced in the step by ``m_t * [m_t * g > 0] * numel / (count + 1)``, ``count`` the
    number of entries where ``m_t * g > 0``; the moments themselves are not changed. ``hp = (beta1,
    beta2, eps, weight_decay, amsgrad, decoupled, cautious)``; ``state`` = (``m``, ``v``, ``vmax``
    if amsgrad, ``g`` if cautious: the gradient the step used).
    """
    beta1 = hp[0]
    beta2 = hp[1]
    eps = hp[2]
    weight_decay = hp[3]
    amsgrad = hp[4] != 0.0
    decoupled = hp[5] != 0.0
    exp_avg = state[0]
    exp_avg_sq = state[1]
    t = float(step)
    w1 = 1.0 - beta1
    small = abs(w1) < 0.5
    w2 = 1.0 - beta2
    step_size = lr / (1.0 - beta1**t)
    bc2_sqrt = (1.0 - beta2**t) ** 0.5
    shrink = 1.0 - lr * weight_decay
    cautious = hp[6] != 0.0
    scratch = state[3 if amsgrad else 2] if cautious else exp_avg
    for i in range(theta.shape[0]):
        g = grad[i]
        if weight_decay != 0.0:
            if decoupled:
                theta[i] = theta[i] * shrink
            else:
                g = g + weight_decay * theta[i]
        m = exp_avg[i]
        if small:
            m = m + w1 * (g - m)
        else:
            m = g - (g - m) * (1.0 - w1)
        exp_avg[i] = m
        v = exp_avg_sq[i] * beta2 + w2 * g * g
        exp_avg_sq[i] = v
        if amsgrad:
            if v > state[2, i] or v != v:
                state[2, i] = v
            v = state[2, i]
        if cautious:
            scratch[i] = g
        else:
            denom = math.sqrt(v) / bc2_sqrt + eps
            theta[i] = theta[i] + (-step_size * m) / denom
    if not cautious:
        return
    for k in range(2 * layers.shape[0]):  # each W_l, then b_l: one mask scale per tensor
        lo, hi = tensor_span(layers, k)
        scale = cautious_scale(exp_avg, scratch, lo, hi)
        for i in range(lo, hi):
            m = exp_avg[i]
            m = m * scale if m * scratch[i] > 0.0 else m * 0.0
            v = state[2, i] if amsgrad else exp_avg_sq[i]
            denom = math.sqrt(v) / bc2_sqrt + eps
            theta[i] = theta[i] + (-step_size * m) / denom


def adamax_update(theta, grad, state, scalars, hp, lr, step, layers):
    """One step of Adamax, following ``torch.optim.Adamax`` exactly (version 2.13).

    With ``g = grad + weight_decay * theta``::

        m_t = beta1 * m_{t-1} + (1 - beta1) * g           (as lerp)
        u_t = max(beta2 * u_{t-1}, |g| + eps)
        theta <- theta - lr / (1 - beta1**t) * m_t / u_t

    Kingma and Ba (2015), "Adam: a method for stochastic optimization", section 7.1.
    ``cautious``: the mask of :func:`adam_update` on ``m_t`` (no reference implementation has it
    for Adamax; tested by hand-derived steps). ``hp = (beta1, beta2, eps, weight_decay,
    cautious)``; ``state`` = (``m``, ``u``, ``g`` if cautious).
    """
    beta1 = hp[0]
    beta2 = hp[1]
    eps = hp[2]
    weight_decay = hp[3]
    cautious = hp[4] != 0.0
    exp_avg = state[0]
    exp_inf = state[1]
    w1 = 1.0 - beta1
    small = abs(w1) < 0.5
    clr = lr / (1.0 - beta1 ** float(step))
    for i in range(theta.shape[0]):
        g = grad[i]
        if weight_decay != 0.0:
            g = g + weight_decay * theta[i]
        m = exp_avg[i]
        if small:
            m = m + w1 * (g - m)
        else:
            m = g - (g - m) * (1.0 - w1)
        exp_avg[i] = m
        u = exp_inf[i] * beta2
        n = abs(g) + eps
        if n > u or n != n:
            u = n
        exp_inf[i] = u
        if cautious:
            state[2, i] = g
        else:
            theta[i] = theta[i] + (-clr * m) / u
    if not cautious:
        return
    for k in range(2 * layers.shape[0]):  # each W_l, then b_l: one mask scale per tensor
        lo, hi = tensor_span(layers, k)
        scale = cautious_scale(exp_avg, state[2], lo, hi)
        for i in range(lo, hi):
            m = exp_avg[i]
            m = m * scale if m * state[2, i] > 0.0 else m * 0.0
            theta[i] = theta[i] + (-clr * m) / exp_inf[i]


def nadam_update(theta, grad, state, scalars, hp, lr, step, layers):
    """One step of NAdam, following ``torch.optim.NAdam`` exactly (version 2.13), coupled decay.

    With ``g = grad + weight_decay * theta``, ``mu_t = beta1 * (1 - 0.5 * 0.96**(t *
    momentum_decay))`` and the running product ``P_t = mu_1 * ... * mu_t``::

        m_t = beta1 * m_{t-1} + (1 - beta1) * g           (as lerp)
        v_t = beta2 * v_{t-1} + (1 - beta2) * g**2
        d = sqrt(v_t / (1 - beta2**t)) + eps
        theta <- theta - lr * (1 - mu_t) / (1 - P_t) * g / d
        theta <- theta - lr * mu_{t+1} / (1 - P_t * mu_{t+1}) * m_t / d

    Dozat (2016), "Incorporating Nesterov momentum into Adam". ``cautious``: the mask of
    :func:`adam_update` on the first moment ``m_t`` only, the gradient term kept, as
    pytorch-optimizer 4.1.0 combines the mask with Nesterov momentum (``AdamP(nesterov=True,
    cautious=True)`` masks ``m`` and then interpolates with the unmasked gradient; no reference
    implementation has it for NAdam: tested by hand-derived steps). ``hp = (beta1, beta2, eps,
    weight_decay, momentum_decay, cautious)``; ``state`` = (``m``, ``v``, ``g`` if cautious);
    ``scalars[0]`` is ``P_t`` (torch's ``mu_product``, starting at 1).
    """
    beta1 = hp[0]
    beta2 = hp[1]
    eps = hp[2]
    weight_decay = hp[3]
    momentum_decay = hp[4]
    cautious = hp[5] != 0.0
    exp_avg = state[0]
    exp_avg_sq = state[1]
    t = float(step)
    bias_correction2 = 1.0 - beta2**t
    mu = beta1 * (1.0 - 0.5 * (0.96 ** (t * momentum_decay)))
    mu_next = beta1 * (1.0 - 0.5 * (0.96 ** ((t + 1.0) * momentum_decay)))
    if step == 1:
        scalars[0] = 1.0
    scalars[0] = scalars[0] * mu
    mu_product = scalars[0]
    mu_product_next = mu_product * mu_next
    c_grad = -lr * (1.0 - mu) / (1.0 - mu_product)
    c_avg = (-lr * mu_next) / (1.0 - mu_product_next)
    w1 = 1.0 - beta1
    small = abs(w1) < 0.5
    w2 = 1.0 - beta2
    for i in range(theta.shape[0]):
        g = grad[i]
        if weight_decay != 0.0:
            g = g + weight_decay * theta[i]
        m = exp_avg[i]
        if small:
            m = m + w1 * (g - m)
        else:
            m = g - (g - m) * (1.0 - w1)
        exp_avg[i] = m
        v = exp_avg_sq[i] * beta2 + w2 * g * g
        exp_avg_sq[i] = v
        if cautious:
            state[2, i] = g
            continue
        denom = math.sqrt(v / bias_correction2) + eps
        p = theta[i] + (c_grad * g) / denom
        theta[i] = p + (c_avg * m) / denom
    if not cautious:
        return
    for k in range(2 * layers.shape[0]):  # each W_l, then b_l: one mask scale per tensor
        lo, hi = tensor_span(layers, k)
        scale = cautious_scale(exp_avg, state[2], lo, hi)
        for i in range(lo, hi):
            g = state[2, i]
            m = exp_avg[i]
            m = m * scale if m * g > 0.0 else m * 0.0
            denom = math.sqrt(exp_avg_sq[i] / bias_correction2) + eps
            p = theta[i] + (c_grad * g) / denom
            theta[i] = p + (c_avg * m) / denom


def radam_update(theta, grad, state, scalars, hp, lr, step, layers):
    """One step of RAdam, following ``torch.optim.RAdam`` exactly (version 2.13), coupled decay.

    With ``g = grad + weight_decay * theta``, ``rho_inf = 2 / (1 - beta2) - 1`` and
    ``rho_t = rho_inf - 2 t beta2**t / (1 - beta2**t)``::

        m_t = beta1 * m_{t-1} + (1 - beta1) * g           (as lerp)
        v_t = beta2 * v_{t-1} + (1 - beta2) * g**2
        mhat = m_t / (1 - beta1**t)
        if rho_t > 5:
            r = sqrt((rho_t - 4)(rho_t - 2) rho_inf / ((rho_inf - 4)(rho_inf - 2) rho_t))
            theta <- theta - mhat * lr * sqrt(1 - beta2**t) / (sqrt(v_t) + eps) * r
        else:
            theta <- theta - mhat * lr

    Liu et al. (2020), "On the variance of the adaptive learning rate and beyond".
    ``cautious``: the mask of :func:`adam_update` on ``m_t`` (no reference implementation has it
    for RAdam; tested by hand-derived steps). ``hp = (beta1, beta2, eps, weight_decay,
    cautious)``; ``state`` = (``m``, ``v``, ``g`` if cautious).
    """
    beta1 = hp[0]
    beta2 = hp[1]
    eps = hp[2]
    weight_decay = hp[3]
    cautious = hp[4] != 0.0
    exp_avg = state[0]
    exp_avg_sq = state[1]
    t = float(step)
    bias_correction1 = 1.0 - beta1**t
    bias_correction2 = 1.0 - beta2**t
    rho_inf = 2.0 / (1.0 - beta2) - 1.0
    rho_t = rho_inf - 2.0 * t * (beta2**t) / bias_correction2
    rectify = rho_t > 5.0
    rect = 0.0
    if rectify:
        rect = ((rho_t - 4.0) * (rho_t - 2.0) * rho_inf / ((rho_inf - 4.0) * (rho_inf - 2.0) * rho_t)) ** 0.5
    bc2_sqrt = bias_correction2**0.5
    w1 = 1.0 - beta1
    small = abs(w1) < 0.5
    w2 = 1.0 - beta2
    for i in range(theta.shape[0]):
        g = grad[i]
        if weight_decay != 0.0:
            g = g + weight_decay * theta[i]
        m = exp_avg[i]
        if small:
            m = m + w1 * (g - m)
        else:
            m = g - (g - m) * (1.0 - w1)
        exp_avg[i] = m
        v = exp_avg_sq[i] * beta2 + w2 * g * g
        exp_avg_sq[i] = v
        if cautious:
            state[2, i] = g
            continue
        mhat = m / bias_correction1
        if rectify:
            adaptive = bc2_sqrt / (math.sqrt(v) + eps)
            theta[i] = theta[i] - mhat * lr * adaptive * rect
        else:
            theta[i] = theta[i] - mhat * lr
    if not cautious:
        return
    for k in range(2 * layers.shape[0]):  # each W_l, then b_l: one mask scale per tensor
        lo, hi = tensor_span(layers, k)
        scale = cautious_scale(exp_avg, state[2], lo, hi)
        for i in range(lo, hi):
            m = exp_avg[i]
            m = m * scale if m * state[2, i] > 0.0 else m * 0.0
            mhat = m / bias_correction1
            if rectify:
                adaptive = bc2_sqrt / (math.sqrt(exp_avg_sq[i]) + eps)
                theta[i] = theta[i] - mhat * lr * adaptive * rect
            else:
                theta[i] = theta[i] - mhat * lr


_BETA1 = Hyper("beta1", 0.9, "decay of the first-moment average", low=0.0, high=1.0, high_open=True)
_BETA2 = Hyper("beta2", 0.999, "decay of the second-moment average", low=0.0, high=1.0, high_open=True)
_EPS = Hyper("eps", 1e-8, "term added to the denominator for numerical stability", low=0.0)
_ADAM_ARGS = ("beta1", "beta2", "eps", "weight_decay", "amsgrad", "decoupled", "cautious")
_CAUTIOUS = Hyper("cautious", False, "Cautious Optimizers mask: drop the update where it disagrees with the gradient's sign (per tensor rescaled, pytorch-optimizer's apply_cautious)", kind="bool")


def _adam_state(n_slots):
    """State size of the Adam rule: one more slot (the gradient) with ``cautious``."""
    return lambda values: (n_slots + (1 if values["cautious"] else 0), N_SCALARS)
_ARGS = ("beta1", "beta2", "eps", "weight_decay")

OPTIMIZERS = (
    Optimizer(
        "adam", RULE_ADAM, "Adam: bias-corrected running averages of the gradient and its square.",
        "torch.optim.Adam", 1e-3, (_BETA1, _BETA2, _EPS, WEIGHT_DECAY, _CAUTIOUS), _ADAM_ARGS,
        {"amsgrad": 0.0, "decoupled": 0.0}, n_slots=2, state_shape=_adam_state(2),
    ),
    Optimizer(
        "amsgrad", RULE_ADAM, "AMSGrad: Adam dividing by the largest second-moment average seen so far.",
        "torch.optim.Adam(amsgrad=True)", 1e-3, (_BETA1, _BETA2, _EPS, WEIGHT_DECAY, _CAUTIOUS), _ADAM_ARGS,
        {"amsgrad": 1.0, "decoupled": 0.0}, n_slots=3, state_shape=_adam_state(3),
    ),
    Optimizer(
        "adamw", RULE_ADAM, "AdamW: Adam with decoupled weight decay.",
        "torch.optim.AdamW", 1e-3,
        (_BETA1, _BETA2, _EPS, Hyper("weight_decay", 1e-2, "decoupled weight decay: theta <- theta * (1 - lr * weight_decay)", low=0.0), _CAUTIOUS),
        _ADAM_ARGS, {"amsgrad": 0.0, "decoupled": 1.0}, n_slots=2, state_shape=_adam_state(2),
    ),
    Optimizer(
        "adamax", RULE_ADAMAX, "Adamax: Adam with the infinity norm in place of the second moment.",
        "torch.optim.Adamax", 2e-3, (_BETA1, _BETA2, _EPS, WEIGHT_DECAY, _CAUTIOUS), _ARGS + ("cautious",), n_slots=2,
        state_shape=_adam_state(2),
    ),
    Optimizer(
        "nadam", RULE_NADAM, "NAdam: Adam with Nesterov momentum and a momentum-decay schedule.",
        "torch.optim.NAdam", 2e-3,
        (_BETA1, _BETA2, _EPS, WEIGHT_DECAY, Hyper("momentum_decay", 4e-3, "momentum decay psi of the mu_t schedule", low=0.0), _CAUTIOUS),
        _ARGS + ("momentum_decay", "cautious"), n_slots=2, state_shape=_adam_state(2),
    ),
    Optimizer(
        "radam", RULE_RADAM, "RAdam: Adam with the variance of the adaptive rate rectified (plain momentum while rho_t <= 5).",
        "torch.optim.RAdam", 1e-3, (_BETA1, _BETA2, _EPS, WEIGHT_DECAY, _CAUTIOUS), _ARGS + ("cautious",), n_slots=2,
        state_shape=_adam_state(2),
    ),
)
