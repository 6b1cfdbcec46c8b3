"""SAM: sharpness-aware minimisation around any optimizer, two gradients per step.

``sam:BASE`` (or ``sam`` with ``base = "sgd"``, dlbench's default: pytorch-optimizer's ``SAM`` has
no default base; the paper's experiments use SGD with momentum) follows ``pytorch_optimizer.SAM``
(pytorch-optimizer 4.1.0, ``foreach=False``: the CPU default) used as its docstring shows:
gradient at ``theta``, ``first_step`` (perturb), the closure's gradient at the perturbed point on
the SAME mini-batch, ``second_step`` (restore ``theta``, then the base's step with that second
gradient). The training loop (:func:`dlbench.kernels.loop._epoch`) calls :func:`sam_perturb`, the
second gradient and :func:`sam_restore` around the base's update. Record and kernel layout:
:mod:`dlbench.optimizers.wrap`.
"""

from __future__ import annotations

import math

from ..hyper import Hyper
from .base import tensor_span
from .wrap import Wrapper

RULE_SAM = 91

_SPLIT = 536870913.0
"""``2**29 + 1``: Veltkamp's splitting constant that rounds a float64 to float32's 24 bits."""


def sam_perturb(theta, grad, state, hp, layers):
    """``first_step``: keep ``theta`` in the SAM slot, then ``theta <- theta + e``.

    With ``T = |theta|`` (``adaptive``, ASAM) or 1, the norm is pytorch-optimizer's
    ``get_global_gradient_norm``: each tensor's (``W_l``, ``b_l``) float64 norm ``|T g|_2`` cast to
    float32, the squares summed in float32 in torch's order, then ``sqrt(.) + perturb_eps`` in
    float32 (the IEEE root: see tests/fixtures/make_wrappers_fixtures.py on torch's); the scale
    ``rho / norm`` as torch evaluates a number over a float32 tensor, ``float32(1 / norm) *
    float32(rho)``. Then ``e = (theta**2 if adaptive else 1) * g * scale``::

        e = rho * T**2 g / (|T g|_2 + perturb_eps)     (adaptive: T = |theta|; else T = 1)

    Foret, Kleiner, Mobahi and Neyshabur (2021), "Sharpness-aware minimization for efficiently
    improving generalization"; Kwon et al. (2021), "ASAM" (``adaptive``: the norm weighs the
    gradient by ``|theta|``, the perturbation by ``theta**2``, as the reference does). Not exposed:
    ``use_gc`` (default off). ``hp = (base..., rho, adaptive, perturb_eps, slot, base_rule)``.
    """
    n = hp.shape[0]
    rho = hp[n - 5]
    adaptive = hp[n - 4] != 0.0
    eps = hp[n - 3]
    old = state[int(hp[n - 2])]

    # float32 arithmetic as float64 rounded to 24 bits (Veltkamp: c - (c - v), c = SPLIT * v; exact
    # for +, *, / and sqrt), so this module needs no NumPy; compiled without fastmath (dispatch).
    def x32(v):
        c = _SPLIT * v
        return c - (c - v)

    def sq32(k):
        """float32(|T g| of tensor k)**2 in float32 (tensors W_1, b_1, W_2, ...)."""
        lo, hi = tensor_span(layers, k)
        s = 0.0
        for i in range(lo, hi):
            g = grad[i] * abs(theta[i]) if adaptive else grad[i]
            s += g * g
        v = x32(math.sqrt(s))
        return x32(v * v)

    # torch's float32 sum of the stacked squares in its order (aten SumKernel cascade_sum, as in
    # dlbench.optimizers.lamb: below 8 values four scalar accumulators, the fifth value on going
    # to the first; from 8 on 8-lane vectors with four accumulators each, the tail first)
    n_tensors = 2 * layers.shape[0]
    total = 0.0
    if n_tensors < 8:
        p0, p1, p2, p3 = 0.0, 0.0, 0.0, 0.0
        first = 0
        if n_tensors >= 4:
            p0, p1, p2, p3 = sq32(0), sq32(1), sq32(2), sq32(3)
            first = 4
        for k in range(first, n_tensors):
            p0 = x32(p0 + sq32(k))
        total = x32(x32(x32(p0 + p1) + p2) + p3)
    else:
        n_vec = n_tensors // 8
        n_ilp = n_vec // 4
        for k in range(n_vec * 8, n_tensors):
            total = x32(total + sq32(k))
        for lane in range(8):
            p0, p1, p2, p3 = 0.0, 0.0, 0.0, 0.0
            for i in range(n_ilp):
                p0 = x32(p0 + sq32((4 * i) * 8 + lane))
                p1 = x32(p1 + sq32((4 * i + 1) * 8 + lane))
                p2 = x32(p2 + sq32((4 * i + 2) * 8 + lane))
                p3 = x32(p3 + sq32((4 * i + 3) * 8 + lane))
            for j in range(n_ilp * 4, n_vec):
                p0 = x32(p0 + sq32(j * 8 + lane))
            total = x32(total + x32(x32(x32(p0 + p1) + p2) + p3))
    norm = x32(x32(math.sqrt(total)) + x32(eps))
    scale = x32(x32(1.0 / norm) * x32(rho))
    for i in range(theta.shape[0]):
        p = theta[i]
        old[i] = p
        e = (p * p) * grad[i] if adaptive else grad[i]
        theta[i] = p + e * scale


def sam_restore(theta, state, hp):
    """``second_step``'s restore: ``theta`` back from the SAM slot (then the base steps)."""
    old = state[int(hp[hp.shape[0] - 2])]
    for i in range(theta.shape[0]):
        theta[i] = old[i]


WRAPPER = Wrapper(
    "sam", RULE_SAM,
    "SAM: step the base with the gradient at theta + rho g/|g| (same mini-batch): two gradients per step.",
    "pytorch_optimizer.SAM (pytorch-optimizer 4.1.0)",
    (
        Hyper("rho", 0.05, "radius of the perturbation", low=0.0),
        Hyper("adaptive", False, "ASAM: scale the perturbation by the parameters' magnitudes", kind="bool"),
        Hyper("perturb_eps", 1e-12, "added to the gradient norm", low=0.0),
    ),
    extra_slots=1, default_base="sgd",
)
