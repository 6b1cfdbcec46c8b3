"""LAMB: Adam steps scaled by one trust ratio per parameter tensor, ``pytorch_optimizer.Lamb``'s rule.

A per-layer rule (see :mod:`dlbench.optimizers.lars` for the layout ``layers``). The reference
gives every parameter tensor its own trust ratio, so each ``W_l`` and each ``b_l`` (biases
included, unlike LARS) gets one.
"""

from __future__ import annotations

import math

from ..hyper import Hyper
from .base import Optimizer

RULE_LAMB = 68

CLAMP = 10.0
"""``Lamb.clamp``: the weight norm in the trust ratio is clipped to [0, 10]."""


_SPLIT = 536870913.0
"""``2**29 + 1``: Veltkamp's splitting constant that rounds a float64 to float32's 24 bits."""


def lamb_update(theta, grad, state, scalars, hp, lr, step, layers):
    """One step of LAMB, following ``pytorch_optimizer.Lamb`` (pytorch-optimizer 4.1.0,
    per-parameter path, ``foreach=False``) exactly.

    With ``t`` the step, ``beta3 = 1 - beta1`` (``grad_averaging``) or 1, ``g`` the gradient
    (times the global factor ``min(max_grad_norm / (||grad|| + eps), 1)`` if ``pre_norm``),
    ``s = lr / (1 - beta1**t)`` (just ``lr`` with ``adam_debias``), per tensor::

        m <- beta1 * m + beta3 * g;   v <- beta2 * v + (1 - beta2) * g**2
        theta <- theta * (1 - weight_decay * lr)      (weight_decouple; ``fixed_decay``: no lr)
        u = m / (sqrt(v) + eps)  (+ weight_decay * theta if not weight_decouple)
        r = min(||theta||, 10) / (||u|| + eps),   1 if either norm is 0 or ``adam``
        theta <- theta - s * r * u

    With ``rectify`` (RAdam's rectification, ``n_sma`` and ``rt`` as the reference computes them,
    ``s = lr * rt / (1 - beta1**t)``): no step while ``s <= 0`` (the moments and the decay still
    happen); ``u = m / (sqrt(v) + eps)`` if ``n_sma >= n_sma_threshold`` else ``u = m``, and the
    reference's trust ratio is ``min(||theta||, 10) / (||theta - s u|| + eps)``.

    You et al. (2020), "Large batch optimization for deep learning: training BERT in 76 minutes"
    (LAMB; the reference's default has no second-moment bias correction). ``hp = (beta1, beta2,
    weight_decay, weight_decouple, fixed_decay, rectify, degenerated_to_sgd, n_sma_threshold,
    grad_averaging, max_grad_norm, adam, pre_norm, eps, adam_debias)``; ``state`` = (``m``,
    ``v``); ``scalars`` unused.
    """
    beta1 = hp[0]
    beta2 = hp[1]
    weight_decay = hp[2]
    weight_decouple = hp[3] != 0.0
    fixed_decay = hp[4] != 0.0
    rectify = hp[5] != 0.0
    degenerated_to_sgd = hp[6] != 0.0
    n_sma_threshold = hp[7]
    grad_averaging = hp[8] != 0.0
    max_grad_norm = hp[9]
    adam = hp[10] != 0.0
    pre_norm = hp[11] != 0.0
    eps = hp[12]
    adam_debias = hp[13] != 0.0
    exp_avg = state[0]
    exp_avg_sq = state[1]
    t = float(step)
    beta3 = 1.0 - beta1 if grad_averaging else 1.0
    bias_correction1 = 1.0 - beta1**t
    step_size = lr
    n_sma = 0.0
    if rectify:
        n_sma_max = 2.0 / (1.0 - beta2) - 1.0
        beta2_t = beta2**t
        n_sma = n_sma_max - 2.0 * t * beta2_t / (1.0 - beta2_t)
        if n_sma >= n_sma_threshold:
            rt = math.sqrt((1.0 - beta2_t) * (n_sma - 4.0) / (n_sma_max - 4.0) * (n_sma - 2.0) / n_sma * n_sma_max / (n_sma_max - 2.0))
        elif degenerated_to_sgd:
            rt = 1.0
        else:
            rt = -1.0
        step_size = step_size * rt
    if not adam_debias:
        step_size = step_size / bias_correction1
    scale = 1.0
    if pre_norm and max_grad_norm != 0.0:
        # Lamb.get_global_gradient_norm(): each tensor's norm in float64, then float32 for the
        # rest; x32(v) = c - (c - v) with c = SPLIT * v rounds v to float32 (Veltkamp), and each
        # float32 operation is the float64 one rounded so (exact for +, -, *, / and sqrt). This
        # needs the rule compiled without fastmath reassociation (dlbench.kernels.dispatch does).
        n_tensors = 2 * layers.shape[0]

        def sq32(k):
            """float32(||tensor k||)**2 in float32 (tensors W_1, b_1, W_2, ...)."""
            layer = k // 2
            start = layers[layer, 0] if k % 2 == 0 else layers[layer, 3]
            stop = start + (layers[layer, 1] * layers[layer, 2] if k % 2 == 0 else layers[layer, 4])
            s = 0.0
            for i in range(start, stop):
                s += grad[i] * grad[i]
            v = math.sqrt(s)
            c = _SPLIT * v
            n32 = c - (c - v)
            v = n32 * n32
            c = _SPLIT * v
            return c - (c - v)

        def add32(a, b):
            v = a + b
            c = _SPLIT * v
            return c - (c - v)

        # torch's float32 sum of the stacked squares, in its order (aten SumKernel cascade_sum:
        # below 8 values four scalar accumulators, from 8 on 8-lane vectors, each with four
        # accumulators, the tail first and then the lanes in order)
        total = 0.0
        if n_tensors < 8:
            p0, p1, p2, p3 = 0.0, 0.0, 0.0, 0.0
            first = 0
            if n_tensors >= 4:
                p0, p1, p2, p3 = sq32(0), sq32(1), sq32(2), sq32(3)
                first = 4
            for k in range(first, n_tensors):
                p0 = add32(p0, sq32(k))
            total = add32(add32(add32(p0, p1), p2), p3)
        else:
            n_vec = n_tensors // 8
            n_ilp = n_vec // 4
            for k in range(n_vec * 8, n_tensors):
                total = add32(total, sq32(k))
            for lane in range(8):
                p0, p1, p2, p3 = 0.0, 0.0, 0.0, 0.0
                for i in range(n_ilp):
                    p0 = add32(p0, sq32((4 * i) * 8 + lane))
                    p1 = add32(p1, sq32((4 * i + 1) * 8 + lane))
                    p2 = add32(p2, sq32((4 * i + 2) * 8 + lane))
                    p3 = add32(p3, sq32((4 * i + 3) * 8 + lane))
                for j in range(n_ilp * 4, n_vec):
                    p0 = add32(p0, sq32(j * 8 + lane))
                total = add32(total, add32(add32(add32(p0, p1), p2), p3))
        v = math.sqrt(total)
        c = _SPLIT * v
        root = c - (c - v)
        c = _SPLIT * eps
        v = root + (c - (c - eps))
        c = _SPLIT * v
        root = c - (c - v)
        v = 1.0 / root
        c = _SPLIT * v
        inv = c - (c - v)
        c = _SPLIT * max_grad_norm
        v = inv * (c - (c - max_grad_norm))
        c = _SPLIT * v
        scale = min(c - (c - v), 1.0)
    use_denom = not rectify or n_sma >= n_sma_threshold
    shrink = 1.0 - weight_decay * (1.0 if fixed_decay else lr)
    for layer in range(layers.shape[0]):
        for part in range(2):
            start = layers[layer, 0] if part == 0 else layers[layer, 3]
            stop = start + (layers[layer, 1] * layers[layer, 2] if part == 0 else layers[layer, 4])
            for i in range(start, stop):
                g = grad[i]
                if pre_norm:
                    g = g * scale
                exp_avg[i] = exp_avg[i] * beta1 + beta3 * g
                exp_avg_sq[i] = exp_avg_sq[i] * beta2 + (1.0 - beta2) * g * g
                if weight_decay != 0.0 and weight_decouple:
                    theta[i] = theta[i] * shrink
            if rectify and step_size <= 0.0:
                continue
            w_sq = 0.0
            u_sq = 0.0
            for i in range(start, stop):
                w_sq += theta[i] * theta[i]
                u = exp_avg[i] / (math.sqrt(exp_avg_sq[i]) + eps) if use_denom else exp_avg[i]
                if rectify:
                    u = theta[i] + (-step_size) * u
                elif not weight_decouple and weight_decay > 0.0:
                    u = u + weight_decay * theta[i]
                u_sq += u * u
            weight_norm = min(math.sqrt(w_sq), CLAMP)
            p_norm = math.sqrt(u_sq)
            ratio = 1.0
            if not (weight_norm == 0.0 or p_norm == 0.0):
                ratio = weight_norm / (p_norm + eps)
            if adam:
                ratio = 1.0
            alpha = -step_size * ratio
            for i in range(start, stop):
                if rectify:
                    if use_denom:
                        theta[i] = theta[i] + alpha * exp_avg[i] / (math.sqrt(exp_avg_sq[i]) + eps)
                    else:
                        theta[i] = theta[i] + alpha * exp_avg[i]
                else:
                    u = exp_avg[i] / (math.sqrt(exp_avg_sq[i]) + eps)
                    if not weight_decouple and weight_decay > 0.0:
                        u = u + weight_decay * theta[i]
                    theta[i] = theta[i] + alpha * u


OPTIMIZERS = (
    Optimizer(
        "lamb", RULE_LAMB,
        "LAMB: Adam directions (no second-moment bias correction) scaled per tensor by the trust ratio min(||theta||, 10) / (||u|| + eps); decoupled weight decay.",
        "pytorch_optimizer.Lamb 4.1.0 (You et al. 2020)", 1e-3,
        (
            Hyper("beta1", 0.9, "decay of the first-moment average", low=0.0, high=1.0, high_open=True),
            Hyper("beta2", 0.999, "decay of the second-moment average", low=0.0, high=1.0, high_open=True),
            Hyper("weight_decay", 0.0, "weight decay (decoupled by default: theta <- theta * (1 - weight_decay * lr))", low=0.0),
            Hyper("weight_decouple", True, "decoupled weight decay (False: weight_decay * theta is added to the direction u)", kind="bool"),
            Hyper("fixed_decay", False, "decoupled decay not scaled by lr: theta <- theta * (1 - weight_decay)", kind="bool"),
            Hyper("rectify", False, "RAdam's rectification of the step size", kind="bool"),
            Hyper("degenerated_to_sgd", False, "with rectify: momentum steps (u = m) below the threshold instead of none", kind="bool"),
            Hyper("n_sma_threshold", 5, "with rectify: the length of the approximated SMA from which steps are rectified", kind="int", low=0),
            Hyper("grad_averaging", True, "weight new gradients by 1 - beta1 in the first moment (False: by 1)", kind="bool"),
            Hyper("max_grad_norm", 1.0, "with pre_norm: the global gradient norm gradients are scaled to at most (0 disables the scaling)", low=0.0),
            Hyper("adam", False, "trust ratio 1 for every tensor (plain Adam-style steps)", kind="bool"),
            Hyper("pre_norm", False, "scale the gradient by min(max_grad_norm / (||grad|| + eps), 1) first (global norm)", kind="bool"),
            Hyper("eps", 1e-6, "term added to the denominator and to the trust ratio's ||u||", low=0.0),
            Hyper("adam_debias", False, "AdamD: no first-moment bias correction of the step size", kind="bool"),
        ),
        ("beta1", "beta2", "weight_decay", "weight_decouple", "fixed_decay", "rectify", "degenerated_to_sgd",
         "n_sma_threshold", "grad_averaging", "max_grad_norm", "adam", "pre_norm", "eps", "adam_debias"),
        n_slots=2,
    ),
)
