"""NumPy reference of scikit-learn's momentum convention (``momentum``/``nesterov`` with
``convention = "sklearn"``), written from scikit-learn 1.9's ``SGDOptimizer._get_updates`` and
``BaseMultilayerPerceptron._backprop``.

Same signature as :data:`dlbench.reference.layerwise.REFERENCE_LAYER_RULES`: ``rule(theta, grad,
state, hp, lr, step, layers)``; ``hp`` also holds the run's ``n_samples`` and ``batch_size``.
"""

from __future__ import annotations

import numpy as np

from ..optimizers import sgd
from .layerwise import layer_views

__all__ = ["sgd_sklearn_reference", "REFERENCE_SCHEDULE_LAYER_RULES"]


def sgd_sklearn_reference(theta, grad, state, hp, lr, step, layers):
    """scikit-learn: ``coef_grad = (X^T delta + alpha * W) / n`` for the weights (biases without the
    penalty), ``v = momentum * v - lr * g`` from ``v = 0``, then ``theta += v`` or, Nesterov,
    ``theta += momentum * v - lr * g``. ``n`` is the size of this step's batch: the epoch is cut
    into ``range(0, n_samples, batch_size)`` slices, taken in turn."""
    N, B = int(hp["n_samples"]), int(hp["batch_size"])
    sizes = [min(s + B, N) - s for s in range(0, N, B)]
    n = sizes[(step - 1) % len(sizes)]
    g = grad.copy()
    if hp["alpha"]:
        for (W, _), (gW, _) in zip(layer_views(theta, layers), layer_views(g, layers)):
            gW += hp["alpha"] / n * W
    if hp["weight_decay"]:
        g += hp["weight_decay"] * theta
    v = hp["momentum"] * state.get("velocity", np.zeros_like(theta)) - lr * g
    state["velocity"] = v
    theta += hp["momentum"] * v - lr * g if hp["nesterov"] else v


REFERENCE_SCHEDULE_LAYER_RULES = {sgd.RULE_SGD_SKLEARN: sgd_sklearn_reference}
