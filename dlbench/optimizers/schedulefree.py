"""Schedule-Free SGD and AdamW (``schedulefree`` 1.4.1): trained at ``y``, evaluated at ``x``.

Schedule-free methods keep three sequences: the base iterate ``z`` (an SGD or Adam step), the
average ``x`` (the point to evaluate, a weighted running mean of ``z``) and the interpolation
``y = (1 - beta) z + beta x`` where gradients are taken. As the reference, theta holds ``y`` (the
parameters the training gradient is taken at) and ``state[0]`` holds ``z``; ``x`` is never kept
during training: the reference's ``optimizer.eval()`` computes it as ``lerp(y, z, 1 - 1/beta)``,
and so does :func:`sf_eval_point`, into the last state row. dlbench reports every measure (the
training loss curve, accuracy, held-out metrics, time to target) at that ``x``, and returns ``x``
as the trained parameters, as a user of the reference does after ``eval()``. In full-batch mode
the loop therefore evaluates twice per epoch: the gradient at ``y`` for the next step, the
reported loss at ``x`` (a forward pass only).

Defaults and warm-up are the reference's (``lr = 1.0`` / ``0.0025``, ``warmup_steps = 0``, ``r =
0``, ``weight_lr_power = 2``); the rate of a dlbench schedule takes the place of the reference's
``group['lr']`` step by step.
"""

from __future__ import annotations

import math

from ..hyper import Hyper
from .base import Optimizer, jitable

RULE_SF_SGD = 55
RULE_SF_ADAMW = 56


@jitable
def _sf_weight(scalars, lr, step, warmup, r, weight_lr_power):
    """The warm-up rate and the averaging weight ``c_{t+1}`` of step ``step`` (1-based, the
    reference's ``k = step - 1``): ``lr_t = lr * min(1, (k + 1)/warmup_steps)``, ``lr_max`` the
    largest so far, ``w_t = (k + 1)**r * lr_max**weight_lr_power``, ``c = w_t / sum(w)`` (0 if the
    sum is 0). ``scalars = (lr_max, sum of weights)``."""
    k = step - 1
    if k < warmup:
        lr = lr * ((k + 1) / warmup)
    if step == 1:
        scalars[0] = -1.0
        scalars[1] = 0.0
    lr_max = max(lr, scalars[0])
    scalars[0] = lr_max
    weight = (float(k + 1) ** r) * (lr_max**weight_lr_power)
    scalars[1] = scalars[1] + weight
    ckp1 = weight / scalars[1] if scalars[1] != 0.0 else 0.0
    return lr, ckp1


def sf_sgd_update(theta, grad, state, scalars, hp, lr, step):
    """One step of ``schedulefree.SGDScheduleFree`` (1.4.1), theta being ``y``::

        g = grad + weight_decay * y
        y <- lerp(y, z, c_{t+1});  y <- y + lr_t (beta (1 - c_{t+1}) - 1) g
        z <- z - lr_t g

    which is ``z_{t+1} = z_t - lr g(y_t)``, ``x_{t+1} = (1 - c) x_t + c z_{t+1}``, ``y = (1 -
    beta) z + beta x`` without ``x`` kept. Defazio et al. (2024), "The road less scheduled",
    Algorithm 1. ``hp = (momentum, weight_decay, warmup_steps, r, weight_lr_power)``; ``state`` =
    (``z``, ``x`` at evaluation); ``z`` starts at theta on the first step.
    """
    momentum = hp[0]
    weight_decay = hp[1]
    lr, ckp1 = _sf_weight(scalars, lr, step, hp[2], hp[3], hp[4])
    z = state[0]
    if step == 1:
        for i in range(theta.shape[0]):
            z[i] = theta[i]
    small = abs(ckp1) < 0.5
    c = lr * (momentum * (1.0 - ckp1) - 1.0)
    for i in range(theta.shape[0]):
        y = theta[i]
        g = grad[i]
        if weight_decay != 0.0:
            g = g + weight_decay * y
        zi = z[i]
        y = y + ckp1 * (zi - y) if small else zi - (zi - y) * (1.0 - ckp1)
        theta[i] = y + c * g
        z[i] = zi - lr * g


def sf_adamw_update(theta, grad, state, scalars, hp, lr, step):
    """One step of ``schedulefree.AdamWScheduleFree`` (1.4.1), theta being ``y``::

        v <- beta2 v + (1 - beta2) g**2;  d = sqrt(v / (1 - beta2**t)) + eps
        u = g / d + weight_decay * y
        y <- lerp(y, z, c_{t+1});  y <- y + lr_t (beta1 (1 - c_{t+1}) - 1) u
        z <- z - lr_t u

    Defazio et al. (2024), "The road less scheduled", Algorithm 1 with Adam's normaliser (no
    first-moment average: ``beta1`` is the interpolation weight). ``hp = (beta1, beta2, eps,
    weight_decay, warmup_steps, r, weight_lr_power)``; ``state`` = (``z``, ``v``, ``x`` at evaluation).
    """
    beta1 = hp[0]
    beta2 = hp[1]
    eps = hp[2]
    decay = hp[3]
    lr, ckp1 = _sf_weight(scalars, lr, step, hp[4], hp[5], hp[6])
    bias_correction2 = 1.0 - beta2 ** float(step)
    z = state[0]
    v = state[1]
    if step == 1:
        for i in range(theta.shape[0]):
            z[i] = theta[i]
    small = abs(ckp1) < 0.5
    c = lr * (beta1 * (1.0 - ckp1) - 1.0)
    w2 = 1.0 - beta2
    for i in range(theta.shape[0]):
        y = theta[i]
        g = grad[i]
        vi = v[i] * beta2 + w2 * g * g
        v[i] = vi
        u = g / (math.sqrt(vi / bias_correction2) + eps)
        if decay != 0.0:
            u = u + decay * y
        zi = z[i]
        y = y + ckp1 * (zi - y) if small else zi - (zi - y) * (1.0 - ckp1)
        theta[i] = y + c * u
        z[i] = zi - lr * u


def sf_eval_point(theta, state, hp):
    """``optimizer.eval()``'s ``x = lerp(y, z, 1 - 1/beta)`` into the last state row (``beta`` =
    ``hp[0]``: SGD's momentum, AdamW's beta1); returns that row's index."""
    w = 1.0 - 1.0 / hp[0]
    z = state[0]
    row = state.shape[0] - 1
    x = state[row]
    small = abs(w) < 0.5
    for i in range(theta.shape[0]):
        y = theta[i]
        x[i] = y + w * (z[i] - y) if small else z[i] - (z[i] - y) * (1.0 - w)
    return row


_WARMUP = Hyper("warmup_steps", 0, "steps of linear warm-up of the rate (lr * (k + 1) / warmup_steps)", kind="int", low=0)
_R = Hyper("r", 0.0, "polynomial weighting (k + 1)**r of the average", low=0.0)
_POWER = Hyper("weight_lr_power", 2.0, "the average's weights are lr_max**weight_lr_power", low=0.0)
_WD = Hyper("weight_decay", 0.0, "L2 term weight_decay * y added (AdamW: after the normalisation)", low=0.0)
_SF = "evaluated at x (as eval())"

OPTIMIZERS = (
    Optimizer(
        "schedulefree-sgd", RULE_SF_SGD,
        "Schedule-Free SGD: SGD steps on z, evaluated at their running average x, gradients at y (no schedule needed).",
        f"schedulefree.SGDScheduleFree (schedulefree 1.4.1), {_SF}", 1.0,
        (Hyper("momentum", 0.9, "interpolation beta between z and x (y = (1 - beta) z + beta x)", low=0.0, high=1.0,
               low_open=True, high_open=True), _WD, _WARMUP, _R, _POWER),
        ("momentum", "weight_decay", "warmup_steps", "r", "weight_lr_power"), n_slots=2,
    ),
    Optimizer(
        "schedulefree-adamw", RULE_SF_ADAMW,
        "Schedule-Free AdamW: Adam-normalised steps on z, evaluated at their running average x, gradients at y.",
        f"schedulefree.AdamWScheduleFree (schedulefree 1.4.1), {_SF}", 0.0025,
        (Hyper("beta1", 0.9, "interpolation beta between z and x", low=0.0, high=1.0, low_open=True, high_open=True),
         Hyper("beta2", 0.999, "decay of the second-moment average", low=0.0, high=1.0, high_open=True),
         Hyper("eps", 1e-8, "added to the denominator", low=0.0), _WD, _WARMUP, _R, _POWER),
        ("beta1", "beta2", "eps", "weight_decay", "warmup_steps", "r", "weight_lr_power"), n_slots=3,
    ),
)
