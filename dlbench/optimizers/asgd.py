"""ASGD (averaged stochastic gradient descent): ``torch.optim.ASGD``'s rule.

dlbench evaluates (losses, accuracies, test metrics) the iterate ``theta``, which is what
``torch.optim.ASGD`` leaves in the model's parameters. The Polyak-Ruppert average ``ax`` is kept
in a state slot exactly as torch keeps it, but it is not what is evaluated (as in torch, where
``ax`` lives in ``optimizer.state`` and the model never sees it).
"""

from __future__ import annotations

from ..hyper import Hyper
from .base import WEIGHT_DECAY, Optimizer

RULE_ASGD = 47


def asgd_update(theta, grad, state, scalars, hp, lr, step):
    """One step of ASGD, following ``torch.optim.ASGD`` (torch 2.13, single-tensor path) exactly.

    With ``g = grad + weight_decay * theta`` and ``t`` the step; ``eta`` starts at the rate of
    the first step and ``mu`` at 1::

        theta <- theta * (1 - lambd * eta)
        theta <- theta - eta * g
        ax <- theta if mu == 1 else ax + (theta - ax) * mu
        eta <- lr / (1 + lambd * lr * t) ** alpha        (for the next step, with this step's lr)
        mu  <- 1 / max(1, t - t0)

    Polyak and Juditsky (1992), "Acceleration of stochastic approximation by averaging"; the
    eta schedule is Bottou's (2012, "Stochastic gradient descent tricks"). ``hp = (lambd, alpha,
    t0, weight_decay)``; ``state[0]`` is ``ax`` (the average, not evaluated); ``scalars[0]`` is
    ``eta``, ``scalars[1]`` is ``mu``.
    """
    lambd = hp[0]
    alpha = hp[1]
    t0 = hp[2]
    weight_decay = hp[3]
    ax = state[0]
    if step == 1:
        scalars[0] = lr
        scalars[1] = 1.0
    eta = scalars[0]
    mu = scalars[1]
    shrink = 1.0 - lambd * eta
    for i in range(theta.shape[0]):
        g = grad[i]
        if weight_decay != 0.0:
            g = g + weight_decay * theta[i]
        p = theta[i] * shrink
        p = p + (-eta) * g
        theta[i] = p
        if mu != 1.0:
            ax[i] = ax[i] + (p - ax[i]) * mu
        else:
            ax[i] = p
    t = float(step)
    scalars[0] = lr / ((1.0 + lambd * lr * t) ** alpha)
    scalars[1] = 1.0 / max(1.0, t - t0)


OPTIMIZERS = (
    Optimizer(
        "asgd", RULE_ASGD,
        "ASGD: SGD with a decaying rate eta = lr / (1 + lambd * lr * t)^alpha and an L2 shrink; keeps a Polyak average from step t0 (not evaluated: the iterate is, as in torch).",
        "torch.optim.ASGD (Polyak & Juditsky 1992)", 1e-2,
        (
            Hyper("lambd", 1e-4, "decay term: shrink by (1 - lambd * eta) and eta's decay rate", low=0.0),
            Hyper("alpha", 0.75, "power of the eta decay", low=0.0),
            Hyper("t0", 1e6, "step from which the average ax starts to average (before it, ax = theta)", low=0.0),
            WEIGHT_DECAY,
        ),
        ("lambd", "alpha", "t0", "weight_decay"),
        n_slots=1,
    ),
)
