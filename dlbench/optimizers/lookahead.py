"""Lookahead: any optimizer's "fast" weights pulled toward slow weights every ``k`` steps.

``lookahead:BASE`` (or ``lookahead`` with ``base = "adam"``, dlbench's default: pytorch-optimizer's
``Lookahead`` has no default base) follows ``pytorch_optimizer.Lookahead`` (pytorch-optimizer
4.1.0) around the base's rule. Record and kernel layout: :mod:`dlbench.optimizers.wrap`.
"""

from __future__ import annotations

from ..hyper import Hyper
from .wrap import Wrapper

RULE_LOOKAHEAD = 90


def lookahead_start(theta, state, hp, step):
    """Before the base's first step: the slow weights start at theta (``state['slow_params'] =
    p.clone()`` when Lookahead is built). ``hp = (base..., k, alpha, slot, base_rule)``."""
    if step == 1:
        slow = state[int(hp[hp.shape[0] - 2])]
        for i in range(theta.shape[0]):
            slow[i] = theta[i]


def lookahead_sync(theta, state, hp, step):
    """After the base's step ``step`` (1-based): every ``k``-th step, ``theta <- lerp(theta, slow,
    1 - alpha)`` (as torch's lerp: ``theta + w (slow - theta)`` for ``|w| < 0.5``, else ``slow -
    (slow - theta)(1 - w)``) and ``slow <- theta``.

    Zhang, Lucas, Hinton and Ba (2019), "Lookahead optimizer: k steps forward, 1 step back",
    Algorithm 1: ``phi <- phi + alpha (theta - phi)``, ``theta <- phi``, written as
    pytorch-optimizer 4.1.0's ``Lookahead.update`` does (``lerp_(slow, 1 - alpha)``; its group
    ``counter`` reaches ``k`` exactly when ``step % k == 0``). Not exposed: ``pullback_momentum``
    (the reference default ``'none'``; its other values touch only ``momentum_buffer``, which the
    dlbench rules do not keep under that name)."""
    n = hp.shape[0]
    k = int(hp[n - 4])
    if step % k != 0:
        return
    w = 1.0 - hp[n - 3]
    slow = state[int(hp[n - 2])]
    small = abs(w) < 0.5
    for i in range(theta.shape[0]):
        p = theta[i]
        s = slow[i]
        p = p + w * (s - p) if small else s - (s - p) * (1.0 - w)
        theta[i] = p
        slow[i] = p


WRAPPER = Wrapper(
    "lookahead", RULE_LOOKAHEAD,
    "Lookahead: every k steps of the base, interpolate toward slow weights (alpha) and restart from there.",
    "pytorch_optimizer.Lookahead (pytorch-optimizer 4.1.0)",
    (
        Hyper("k", 5, "base steps between slow-weight updates", kind="int", low=1),
        Hyper("alpha", 0.5, "interpolation factor from the slow weights toward the fast ones", low=0.0, high=1.0),
    ),
    extra_slots=1, default_base="adam",
)
