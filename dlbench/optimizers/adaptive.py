"""Per-parameter adaptive rates without momentum bias correction: Adagrad, RMSprop and Adadelta.

Each rule follows the single-tensor code path of the ``torch.optim`` class of the same name
(torch 2.13) exactly, in the order torch applies its operations.
"""

from __future__ import annotations

import math

from ..hyper import Hyper
from .base import WEIGHT_DECAY, Optimizer

RULE_ADAGRAD = 10
RULE_RMSPROP = 11
RULE_ADADELTA = 12


def adagrad_update(theta, grad, state, scalars, hp, lr, step):
    """One step of Adagrad, following ``torch.optim.Adagrad`` exactly (version 2.13).

    With ``g = grad + weight_decay * theta`` and ``s_0 = initial_accumulator_value``::

        clr = lr / (1 + (t - 1) * lr_decay)
        s_t = s_{t-1} + g**2
        theta <- theta - clr * g / (sqrt(s_t) + eps)

    Duchi, Hazan and Singer (2011), "Adaptive subgradient methods for online learning and
    stochastic optimization". ``hp = (lr_decay, initial_accumulator_value, eps, weight_decay)``;
    ``state[0]`` is the sum of squares ``s``.
    """
    lr_decay = hp[0]
    init = hp[1]
    eps = hp[2]
    weight_decay = hp[3]
    acc = state[0]
    t = float(step)
    clr = lr / (1.0 + (t - 1.0) * lr_decay)
    for i in range(theta.shape[0]):
        if step == 1:
            acc[i] = init
        g = grad[i]
        if weight_decay != 0.0:
            g = g + weight_decay * theta[i]
        acc[i] = acc[i] + g * g
        std = math.sqrt(acc[i]) + eps
        theta[i] = theta[i] + (-clr * g) / std


def rmsprop_update(theta, grad, state, scalars, hp, lr, step):
    """One step of RMSprop, following ``torch.optim.RMSprop`` exactly (version 2.13).

    With ``g = grad + weight_decay * theta`` (all buffers start at zero)::

        v_t = alpha * v_{t-1} + (1 - alpha) * g**2
        m_t = lerp(m_{t-1}, g, 1 - alpha)                     (centered only)
        d = sqrt(v_t - m_t**2) + eps   (centered)   or   sqrt(v_t) + eps
        b_t = momentum * b_{t-1} + g / d;  theta <- theta - lr * b_t     (momentum > 0)
        theta <- theta - lr * g / d                                        (otherwise)

    Tieleman and Hinton (2012), lecture 6.5 of "Neural networks for machine learning"; the
    centered form is Graves (2013), "Generating sequences with recurrent neural networks".
    ``hp = (alpha, eps, momentum, centered, weight_decay)``; ``state`` = (square average ``v``,
    gradient average ``m``, momentum buffer ``b``).
    """
    alpha = hp[0]
    eps = hp[1]
    momentum = hp[2]
    centered = hp[3] != 0.0
    weight_decay = hp[4]
    square_avg = state[0]
    grad_avg = state[1]
    buf = state[2]
    w = 1.0 - alpha
    small = abs(w) < 0.5
    for i in range(theta.shape[0]):
        g = grad[i]
        if weight_decay != 0.0:
            g = g + weight_decay * theta[i]
        square_avg[i] = square_avg[i] * alpha + w * g * g
        if centered:
            a = grad_avg[i]
            if small:
                a = a + w * (g - a)
            else:
                a = g - (g - a) * (1.0 - w)
            grad_avg[i] = a
            avg = math.sqrt(square_avg[i] + (-1.0) * a * a)
        else:
            avg = math.sqrt(square_avg[i])
        avg = avg + eps
        if momentum > 0.0:
            buf[i] = buf[i] * momentum + g / avg
            theta[i] = theta[i] + (-lr) * buf[i]
        else:
            theta[i] = theta[i] + (-lr * g) / avg


def adadelta_update(theta, grad, state, scalars, hp, lr, step):
    """One step of Adadelta, following ``torch.optim.Adadelta`` exactly (version 2.13).

    With ``g = grad + weight_decay * theta`` (both averages start at zero)::

        v_t = rho * v_{t-1} + (1 - rho) * g**2
        d = sqrt(u_{t-1} + eps) / sqrt(v_t + eps) * g
        u_t = rho * u_{t-1} + (1 - rho) * d**2
        theta <- theta - lr * d

    Zeiler (2012), "ADADELTA: an adaptive learning rate method". ``hp = (rho, eps,
    weight_decay)``; ``state`` = (square average ``v``, accumulated update ``u``).
    """
    rho = hp[0]
    eps = hp[1]
    weight_decay = hp[2]
    square_avg = state[0]
    acc_delta = state[1]
    w = 1.0 - rho
    for i in range(theta.shape[0]):
        g = grad[i]
        if weight_decay != 0.0:
            g = g + weight_decay * theta[i]
        square_avg[i] = square_avg[i] * rho + w * g * g
        std = math.sqrt(square_avg[i] + eps)
        delta = math.sqrt(acc_delta[i] + eps) / std * g
        acc_delta[i] = acc_delta[i] * rho + w * delta * delta
        theta[i] = theta[i] + (-lr) * delta


_EPS = "term added to the denominator for numerical stability"

OPTIMIZERS = (
    Optimizer(
        "adagrad", RULE_ADAGRAD, "Adagrad: per-parameter rates scaled by the root of the summed squared gradients.",
        "torch.optim.Adagrad", 1e-2,
        (
            Hyper("lr_decay", 0.0, "learning-rate decay: lr / (1 + (t - 1) * lr_decay)", low=0.0),
            Hyper("initial_accumulator_value", 0.0, "starting value of the sum of squared gradients", low=0.0),
            Hyper("eps", 1e-10, _EPS, low=0.0),
            WEIGHT_DECAY,
        ),
        ("lr_decay", "initial_accumulator_value", "eps", "weight_decay"),
        n_slots=1,
    ),
    Optimizer(
        "rmsprop", RULE_RMSPROP, "RMSprop: gradient divided by a running root mean square (optionally centered, with momentum).",
        "torch.optim.RMSprop", 1e-2,
        (
            Hyper("alpha", 0.99, "smoothing constant of the squared-gradient average", low=0.0, high=1.0),
            Hyper("eps", 1e-8, _EPS, low=0.0),
            Hyper("momentum", 0.0, "momentum factor", low=0.0, high=1.0, high_open=True),
            Hyper("centered", False, "divide by the estimated variance instead of the raw second moment", kind="bool"),
            WEIGHT_DECAY,
        ),
        ("alpha", "eps", "momentum", "centered", "weight_decay"),
        n_slots=3,
    ),
    Optimizer(
        "adadelta", RULE_ADADELTA, "Adadelta: rates from running averages of squared gradients and squared updates.",
        "torch.optim.Adadelta", 1.0,
        (
            Hyper("rho", 0.9, "decay of the running averages", low=0.0, high=1.0),
            Hyper("eps", 1e-6, _EPS, low=0.0),
            WEIGHT_DECAY,
        ),
        ("rho", "eps", "weight_decay"),
        n_slots=2,
    ),
)
