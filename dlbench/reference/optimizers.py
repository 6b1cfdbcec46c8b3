"""NumPy references of the update rules, written from the formulas of the library each follows.

``REFERENCE_RULES[rule_code](theta, grad, state, hp, lr, step)`` updates ``theta`` in place;
``state`` is a dict the rule fills on its first step; ``hp`` is the dict of the optimizer's
checked hyperparameters merged with its fixed values (names as in ``Optimizer.kernel_args``);
``step`` counts updates from 1.
"""

from __future__ import annotations

import numpy as np

from ..optimizers import sgd


def sgd_rule(theta, grad, state, hp, lr, step):
    """``torch.optim.SGD``: L2 into the gradient, momentum buffer seeded with the first gradient."""
    g = grad + hp["weight_decay"] * theta if hp["weight_decay"] else grad.copy()
    if hp["momentum"]:
        if "buf" not in state:
            state["buf"] = g.copy()
        else:
            state["buf"] = hp["momentum"] * state["buf"] + (1.0 - hp["dampening"]) * g
        g = g + hp["momentum"] * state["buf"] if hp["nesterov"] else state["buf"]
    theta -= lr * g


REFERENCE_RULES = {sgd.RULE_SGD: sgd_rule}
