"""Gradient descent and its momentum variants: ``torch.optim.SGD``'s rule.

The article's methods ``gd`` (full batch), ``sgd`` (one sample per step), ``minibatch`` (batches
of 32) and ``dynamic`` (full batch with the bold-driver rate) are this rule without momentum;
``momentum`` and ``nesterov`` add heavy-ball and Nesterov momentum.
"""

from __future__ import annotations

from ..hyper import Hyper
from .base import WEIGHT_DECAY, Optimizer

RULE_SGD = 0


def sgd_update(theta, grad, state, scalars, hp, lr, step):
    """One step of ``torch.optim.SGD`` (PyTorch convention, including its momentum form).

    With ``g = grad + weight_decay * theta``::

        b_1 = g;  b_t = momentum * b_{t-1} + (1 - dampening) * g        (if momentum != 0)
        d = g + momentum * b_t  (nesterov)   or   d = b_t   (heavy ball)   or   d = g
        theta <- theta - lr * d

    Sutskever et al. (2013), "On the importance of initialization and momentum in deep learning".
    ``hp = (momentum, dampening, weight_decay, nesterov)``; ``state[0]`` is the momentum buffer.
    """
    momentum = hp[0]
    dampening = hp[1]
    weight_decay = hp[2]
    nesterov = hp[3] != 0.0
    buf = state[0]
    for i in range(theta.shape[0]):
        d = grad[i]
        if weight_decay != 0.0:
            d = d + weight_decay * theta[i]
        if momentum != 0.0:
            if step == 1:
                b = d
            else:
                b = momentum * buf[i] + (1.0 - dampening) * d
            buf[i] = b
            if nesterov:
                d = d + momentum * b
            else:
                d = b
        theta[i] = theta[i] - lr * d


_ARGS = ("momentum", "dampening", "weight_decay", "nesterov")
_PLAIN = {"momentum": 0.0, "dampening": 0.0, "nesterov": 0.0}
_MOMENTUM = Hyper("momentum", 0.9, "momentum factor", low=0.0, high=1.0, high_open=True)
_DAMPENING = Hyper("dampening", 0.0, "dampening of the momentum buffer", low=0.0, high=1.0)
_REF = "torch.optim.SGD"

OPTIMIZERS = (
    Optimizer("gd", RULE_SGD, "Full-batch gradient descent.", _REF, 0.1, (WEIGHT_DECAY,), _ARGS, _PLAIN),
    Optimizer(
        "sgd", RULE_SGD, "Stochastic gradient descent: one random sample per step, fresh order each epoch.",
        _REF, 0.01, (WEIGHT_DECAY,), _ARGS, _PLAIN, batch_size=1,
    ),
    Optimizer(
        "minibatch", RULE_SGD, "Mini-batch gradient descent: batches of 32, fresh order each epoch.",
        _REF, 0.1, (WEIGHT_DECAY,), _ARGS, _PLAIN, batch_size=32,
    ),
    Optimizer(
        "dynamic", RULE_SGD, "Full-batch gradient descent with the bold-driver dynamic learning rate.",
        _REF + " + bold driver (Battiti 1989)", 0.1, (WEIGHT_DECAY,), _ARGS, _PLAIN, schedule="bold-driver",
    ),
    Optimizer(
        "momentum", RULE_SGD, "Gradient descent with heavy-ball momentum.", _REF + "(momentum=0.9)", 0.05,
        (_MOMENTUM, _DAMPENING, WEIGHT_DECAY), _ARGS, {"nesterov": 0.0}, n_slots=1,
    ),
    Optimizer(
        "nesterov", RULE_SGD, "Gradient descent with Nesterov momentum.", _REF + "(momentum=0.9, nesterov=True)", 0.05,
        (_MOMENTUM, WEIGHT_DECAY), _ARGS, {"nesterov": 1.0, "dampening": 0.0}, n_slots=1,
    ),
)
