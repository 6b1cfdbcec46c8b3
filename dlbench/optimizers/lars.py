"""LARS (layer-wise adaptive rate scaling): momentum SGD with one trust ratio per weight matrix.

A per-layer rule: besides the flat arrays every rule gets, it reads the network's layout
``layers``, an int64 array of shape (L+1, 5) whose row ``l`` is ``(w_offset, fan_in, fan_out,
b_offset, b_size)`` into ``theta`` (``W_l`` stored row-major at ``w_offset``, ``b_l`` at
``b_offset``).
"""

from __future__ import annotations

import math

from ..hyper import Hyper
from .base import Optimizer

RULE_LARS = 20
"""Per-layer rules (those taking ``layers``) have codes from 20 on."""


def lars_update(theta, grad, state, scalars, hp, lr, step, layers):
    """One step of LARS, following ``pytorch_optimizer.LARS`` (pytorch-optimizer 4.1.0,
    per-parameter code path) exactly.

    Each weight matrix ``W`` of a layer (a parameter with more than one dimension in the
    reference) gets its own trust ratio, computed from the norms before the step::

        denom = ||g_W|| + weight_decay * ||W||                 (Frobenius norms)
        ratio = trust_coefficient * ||W|| / denom   if ||W|| > 0 and denom > 0,   else 1
        d = (g_W + weight_decay * W) * ratio

    A bias (one dimension) is excluded from both the weight decay and the trust ratio:
    ``d = g_b`` (plain SGD). Then, for every entry, with the momentum buffer starting at ZERO
    (not at the first gradient as in ``torch.optim.SGD``)::

        b_t = momentum * b_{t-1} + (1 - dampening) * d          (if momentum > 0)
        d <- d + momentum * b_t  (nesterov)   or   d <- b_t
        theta <- theta - lr * d

    You, Gitman and Ginsburg (2017), "Large batch training of convolutional networks",
    eq. (6) and Algorithm 1: the local rate ``eta * ||w|| / (||grad|| + beta * ||w||)`` with
    ``eta`` = ``trust_coefficient`` and ``beta`` = ``weight_decay``; the paper multiplies the
    global rate into the momentum buffer, the reference (and this rule) applies ``lr`` after it,
    which is the same for a constant rate. ``hp = (momentum, dampening, weight_decay,
    trust_coefficient, nesterov)``; ``state[0]`` is the momentum buffer; ``step`` and
    ``scalars`` are unused.
    """
    momentum = hp[0]
    dampening = hp[1]
    weight_decay = hp[2]
    trust = hp[3]
    nesterov = hp[4] != 0.0
    buf = state[0]
    for layer in range(layers.shape[0]):
        w_start = layers[layer, 0]
        w_stop = w_start + layers[layer, 1] * layers[layer, 2]
        b_start = layers[layer, 3]
        b_stop = b_start + layers[layer, 4]
        w_sq = 0.0
        g_sq = 0.0
        for i in range(w_start, w_stop):
            w_sq += theta[i] * theta[i]
            g_sq += grad[i] * grad[i]
        w_norm = math.sqrt(w_sq)
        denom = math.sqrt(g_sq) + weight_decay * w_norm
        ratio = 1.0
        if w_norm > 0.0 and denom > 0.0:  # NaN norms fail both tests, as torch.where's do
            ratio = trust * w_norm / denom
        for part in range(2):
            start = w_start if part == 0 else b_start
            stop = w_stop if part == 0 else b_stop
            for i in range(start, stop):
                d = grad[i]
                if part == 0:
                    d = (d + weight_decay * theta[i]) * ratio
                if momentum > 0.0:
                    b = buf[i] * momentum + (1.0 - dampening) * d
                    buf[i] = b
                    if nesterov:
                        d = d + momentum * b
                    else:
                        d = b
                theta[i] = theta[i] + (-lr) * d


OPTIMIZERS = (
    Optimizer(
        "lars", RULE_LARS,
        "LARS: momentum SGD whose weight-matrix steps are scaled per layer by trust_coefficient * ||W|| / (||g|| + weight_decay * ||W||); biases take plain momentum SGD.",
        "pytorch_optimizer.LARS 4.1.0 (You, Gitman & Ginsburg 2017)", 1e-3,
        (
            Hyper("momentum", 0.9, "momentum factor (the buffer starts at zero)", low=0.0, high=1.0, high_open=True),
            Hyper("dampening", 0.0, "dampening of the momentum buffer", low=0.0, high=1.0, high_open=True),
            Hyper("weight_decay", 0.0, "L2 penalty on weight matrices, inside the trust ratio (biases get none)", low=0.0),
            Hyper("trust_coefficient", 1e-3, "eta of the trust ratio eta * ||W|| / (||g|| + weight_decay * ||W||)", low=0.0),
            Hyper("nesterov", False, "Nesterov momentum: step along g + momentum * buffer", kind="bool"),
        ),
        ("momentum", "dampening", "weight_decay", "trust_coefficient", "nesterov"),
        n_slots=1,
    ),
)
