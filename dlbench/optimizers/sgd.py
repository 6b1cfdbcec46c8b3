"""Gradient descent and its momentum variants: ``torch.optim.SGD``'s rule, and scikit-learn's.

The article's methods ``gd`` (full batch), ``sgd`` (one sample per step), ``minibatch`` (batches
of 32) and ``dynamic`` (full batch with the bold-driver rate) are this rule without momentum;
``momentum`` and ``nesterov`` add heavy-ball and Nesterov momentum. With ``convention =
"sklearn"`` these two follow scikit-learn's ``SGDOptimizer`` instead (a velocity that includes
the rate) and take scikit-learn's ``alpha`` (L2 on the weights only).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Mapping

from ..errors import invalid
from ..hyper import Hyper
from .base import WEIGHT_DECAY, Optimizer

RULE_SGD = 0
RULE_SGD_SKLEARN = 78
"""A per-layer rule: ``alpha`` penalises the weight matrices, not the biases."""


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


def sgd_sklearn_update(theta, grad, state, scalars, hp, lr, step, layers):
    """One step of scikit-learn's ``SGDOptimizer`` (scikit-learn 1.9, ``MLPClassifier(solver="sgd")``)
    with its ``alpha`` penalty.

    scikit-learn adds ``alpha / (2 n) * sum_l ||W_l||^2`` to the mean loss of a batch of ``n``
    samples: the weight matrices' gradient gets ``+ alpha / n * W``, the biases' none. Then, with
    ``g`` that gradient (plus ``weight_decay * theta`` on every entry if set, torch's coupled L2)
    and the velocity ``v`` starting at zero::

        v <- momentum * v - lr * g
        theta <- theta + v                                   (heavy ball)
        theta <- theta + momentum * v - lr * g               (nesterov, scikit-learn's form)

    The velocity carries the rates of past steps, so the rule parts from ``torch.optim.SGD``'s
    (``b <- momentum * b + g; theta <- theta - lr * b``) as soon as the rate changes; at a
    constant rate ``v = -lr * b`` and the two trajectories agree up to rounding. torch's
    dampening has no counterpart here. Sutskever et al. (2013).

    dlbench's losses (and so the loss-driven schedules, e.g. ``adaptive``) are the data loss
    without the ``alpha`` term, whereas scikit-learn's ``loss_curve_`` and its adaptive rate
    include it: with a small ``alpha`` the decisions coincide (tests/fixtures/sklearn_mlp.json),
    but an epoch whose improvement lies within the penalty's change of ``tol`` can be judged
    differently.
    ``hp = (momentum, dampening, weight_decay, nesterov, convention, alpha, n_samples,
    batch_size)``: ``n`` is the size of the batch of update ``step`` (1-based), the epoch being cut
    into batches of ``batch_size`` in order with the last one short (``n_samples`` for full
    batch); ``state[0]`` is the velocity.
    """
    momentum = hp[0]
    weight_decay = hp[2]
    nesterov = hp[3] != 0.0
    alpha = hp[5]
    n_samples = int(hp[6])
    batch_size = int(hp[7])
    per_epoch = (n_samples + batch_size - 1) // batch_size
    n = batch_size if (step - 1) % per_epoch < per_epoch - 1 else n_samples - (per_epoch - 1) * batch_size
    penalty = alpha / n
    vel = state[0]
    for layer in range(layers.shape[0]):
        for part in range(2):
            start = layers[layer, 0] if part == 0 else layers[layer, 3]
            stop = start + (layers[layer, 1] * layers[layer, 2] if part == 0 else layers[layer, 4])
            for i in range(start, stop):
                g = grad[i]
                if part == 0 and alpha != 0.0:
                    g = g + penalty * theta[i]
                if weight_decay != 0.0:
                    g = g + weight_decay * theta[i]
                v = momentum * vel[i] - lr * g
                vel[i] = v
                if nesterov:
                    theta[i] = theta[i] + (momentum * v - lr * g)
                else:
                    theta[i] = theta[i] + v


@dataclass(frozen=True)
class _ConventionSGD(Optimizer):
    """``momentum``/``nesterov``: torch's rule, or scikit-learn's with ``convention = "sklearn"``."""

    def rule_for(self, values: Mapping[str, Any]) -> int:
        return RULE_SGD_SKLEARN if values.get("convention") == "sklearn" else self.rule

    def check(self, values: Mapping[str, Any]) -> dict[str, Any]:
        out = super().check(values)
        if out["convention"] == "sklearn" and out.get("dampening", 0.0) != 0.0:
            raise invalid("dampening", self.name, "0 when convention is 'sklearn' (scikit-learn has no dampening)",
                          out["dampening"])
        if out["convention"] != "sklearn" and out["alpha"] != 0.0:
            raise invalid("alpha", self.name, "0 unless convention is 'sklearn' (torch's L2 is weight_decay)",
                          out["alpha"])
        return out

    def kernel_hp(self, values: Mapping[str, Any]) -> list[float]:
        """As :meth:`Optimizer.kernel_hp`, followed by the run's ``n_samples`` and ``batch_size``
        (which training passes in ``values``; 1 when absent, which only matters with ``alpha``)."""
        return super().kernel_hp(values) + [float(values.get("n_samples", 1)), float(values.get("batch_size", 1))]


_ARGS = ("momentum", "dampening", "weight_decay", "nesterov")
_ARGS_CONVENTION = _ARGS + ("convention", "alpha")  # then n_samples, batch_size: see _ConventionSGD.kernel_hp
_CONVENTION = Hyper(
    "convention", "torch", "momentum form: 'torch' (torch.optim.SGD) or 'sklearn' (scikit-learn's SGDOptimizer)",
    kind="choice", choices=("torch", "sklearn"),
)
_ALPHA = Hyper("alpha", 0.0, "scikit-learn's L2 on the weights only: + alpha/(2n) ||W||^2 (convention 'sklearn')", low=0.0)
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
    _ConventionSGD(
        "momentum", RULE_SGD, "Gradient descent with heavy-ball momentum.",
        _REF + "(momentum=0.9); convention='sklearn': sklearn MLP SGDOptimizer(nesterov=False)", 0.05,
        (_MOMENTUM, _DAMPENING, WEIGHT_DECAY, _CONVENTION, _ALPHA), _ARGS_CONVENTION, {"nesterov": 0.0}, n_slots=1,
    ),
    _ConventionSGD(
        "nesterov", RULE_SGD, "Gradient descent with Nesterov momentum.",
        _REF + "(momentum=0.9, nesterov=True); convention='sklearn': sklearn MLP SGDOptimizer(nesterov=True)", 0.05,
        (_MOMENTUM, WEIGHT_DECAY, _CONVENTION, _ALPHA), _ARGS_CONVENTION, {"nesterov": 1.0, "dampening": 0.0}, n_slots=1,
    ),
)
