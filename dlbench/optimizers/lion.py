"""Lion (EvoLved sIgn mOmeNtum): the sign of an interpolated momentum, in optax's convention."""

from __future__ import annotations

from ..hyper import Hyper
from .base import N_SCALARS, Optimizer, cautious_scale, tensor_span

RULE_LION = 18


def lion_update(theta, grad, state, scalars, hp, lr, step, layers):
    """One step of Lion, following ``optax.lion`` (Chen et al. 2023, Algorithm 2).

    With the momentum ``m`` (zero at the start) and decoupled weight decay::

        u = sign(beta1 * m + (1 - beta1) * g)          (sign(0) = 0)
        m <- beta2 * m + (1 - beta2) * g
        theta <- theta - lr * (u + weight_decay * theta)

    Chen et al. (2023), "Symbolic discovery of optimization algorithms". torch 2.13 has no Lion;
    arithmetic order is optax's (``sign((1 - b1) * g + b1 * m)``, ``(1 - b2) * g + b2 * m``).

    ``cautious``: the Cautious Optimizers mask (Liang et al. 2024, "Cautious optimizers: improving
    training with one line of code") as ``pytorch_optimizer.Lion(cautious=True)`` applies it
    (``BaseOptimizer.apply_cautious``, pytorch-optimizer 4.1.0): per parameter tensor (each ``W_l``
    and each ``b_l`` of ``layers``), ``u`` is replaced by ``u * [u * g > 0] * numel / (count + 1)``,
    ``count`` the number of entries where ``u * g > 0``; the decay term is not masked.
    ``hp = (beta1, beta2, weight_decay, cautious)``; ``state`` = (``m``, ``u`` if cautious).
    """
    beta1 = hp[0]
    beta2 = hp[1]
    weight_decay = hp[2]
    cautious = hp[3] != 0.0
    mom = state[0]
    for i in range(theta.shape[0]):
        g = grad[i]
        c = (1.0 - beta1) * g + beta1 * mom[i]
        if c > 0.0:
            u = 1.0
        elif c < 0.0:
            u = -1.0
        else:
            u = c  # 0 stays 0, NaN stays NaN
        mom[i] = (1.0 - beta2) * g + beta2 * mom[i]
        if cautious:
            state[1, i] = u
        else:
            theta[i] = theta[i] - lr * (u + weight_decay * theta[i])
    if not cautious:
        return
    for k in range(2 * layers.shape[0]):  # each W_l, then b_l: one mask scale per tensor
        lo, hi = tensor_span(layers, k)
        scale = cautious_scale(state[1], grad, lo, hi)
        for i in range(lo, hi):
            u = state[1, i]
            u = u * scale if u * grad[i] > 0.0 else u * 0.0
            theta[i] = theta[i] - lr * (u + weight_decay * theta[i])


OPTIMIZERS = (
    Optimizer(
        "lion", RULE_LION, "Lion: the sign of an interpolated momentum, with decoupled weight decay.",
        "optax.lion (Chen et al. 2023)", 1e-4,
        (
            Hyper("beta1", 0.9, "interpolation between momentum and gradient inside the sign", low=0.0, high=1.0),
            Hyper("beta2", 0.99, "decay of the momentum", low=0.0, high=1.0),
            Hyper("weight_decay", 0.0, "decoupled weight decay: theta <- theta - lr * weight_decay * theta", low=0.0),
            Hyper("cautious", False, "Cautious Optimizers mask: drop the update where it disagrees with the gradient's sign (per tensor rescaled, pytorch-optimizer's apply_cautious)", kind="bool"),
        ),
        ("beta1", "beta2", "weight_decay", "cautious"),
        n_slots=1,
        state_shape=lambda values: (2 if values["cautious"] else 1, N_SCALARS),
    ),
)
