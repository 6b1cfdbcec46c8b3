"""NumPy references of the per-layer update rules, written from the formulas of the library each follows.

``REFERENCE_LAYER_RULES[rule_code](theta, grad, state, hp, lr, step, layers)`` updates ``theta``
in place, like :data:`dlbench.reference.optimizers.REFERENCE_RULES` plus the network's layout:
``layers`` is an int array of shape (L+1, 5) whose row ``l`` is ``(w_offset, fan_in, fan_out,
b_offset, b_size)`` into ``theta`` (``W_l`` row-major). ``state`` is a dict the rule fills on its
first step; ``hp`` the dict of checked hyperparameters (names as in ``Optimizer.kernel_args``).
"""

from __future__ import annotations

import numpy as np

from ..optimizers import lars

__all__ = ["lars_reference", "layer_views", "REFERENCE_LAYER_RULES"]


def layer_views(theta, layers):
    """``[(W_l, b_l), ...]``: views into ``theta``, ``W_l`` of shape (fan_in, fan_out)."""
    out = []
    for w_offset, fan_in, fan_out, b_offset, b_size in np.asarray(layers, dtype=np.int64):
        W = theta[w_offset : w_offset + fan_in * fan_out].reshape(fan_in, fan_out)
        out.append((W, theta[b_offset : b_offset + b_size]))
    return out


def lars_reference(theta, grad, state, hp, lr, step, layers):
    """``pytorch_optimizer.LARS`` (4.1.0): a trust ratio per weight matrix, biases plain momentum SGD.

    For each ``W``: ``ratio = trust_coefficient * ||W|| / (||g_W|| + weight_decay * ||W||)`` (1 if
    either factor is zero) and ``d = (g_W + weight_decay * W) * ratio``; for each bias ``d = g_b``.
    Momentum buffer from zero: ``b = momentum * b + (1 - dampening) * d``, then ``d = d +
    momentum * b`` (nesterov) or ``d = b``; ``theta -= lr * d``. You, Gitman and Ginsburg (2017).
    """
    d = grad.copy()
    for (W, _), (gW, _), (dW, _) in zip(layer_views(theta, layers), layer_views(grad, layers), layer_views(d, layers)):
        w_norm = np.linalg.norm(W)
        denom = np.linalg.norm(gW) + hp["weight_decay"] * w_norm
        ratio = hp["trust_coefficient"] * w_norm / denom if w_norm > 0 and denom > 0 else 1.0
        dW[...] = (gW + hp["weight_decay"] * W) * ratio
    if hp["momentum"] > 0:
        state["buf"] = state.get("buf", np.zeros_like(theta)) * hp["momentum"] + (1.0 - hp["dampening"]) * d
        d = d + hp["momentum"] * state["buf"] if hp["nesterov"] else state["buf"].copy()
    theta -= lr * d


REFERENCE_LAYER_RULES = {lars.RULE_LARS: lars_reference}
