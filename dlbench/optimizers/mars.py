"""MARS: variance-reduced gradient corrections in an AdamW (or Lion) step, ``pytorch_optimizer.MARS``'s rule.

A per-tensor rule (see :mod:`dlbench.optimizers.lars` for the layout ``layers``): the correction
is clipped by its norm per parameter tensor, and ``optimize_1d = False`` (the reference's default)
gives the biases plain AdamW steps with their own rate, betas and decay.
"""

from __future__ import annotations

import math

from ..hyper import Hyper
from .base import N_SCALARS, Optimizer, cautious_scale, tensor_span

RULE_MARS = 45

AMS_EPS = 1e-15
"""``BaseOptimizer.apply_ams_bound``'s ``exp_avg_sq_eps``: added to the second moment before the root."""


def mars_update(theta, grad, state, scalars, hp, lr, step, layers):
    """One step of MARS, following ``pytorch_optimizer.MARS`` (pytorch-optimizer 4.1.0) exactly in
    its default code path on CPU, the batched one (``foreach=None`` batches real dense tensors; it
    computes what the per-tensor path does, with ``gamma * beta1 / (1 - beta1)`` grouped left to
    right and the clip written as a division by ``max(||c||, 1)``).

    Per parameter tensor, ``g`` its gradient, ``g_prev`` the previous step's (zero at first), ``t``
    the step. A weight matrix (every tensor with ``optimize_1d``) takes the MARS step with ``lr``,
    ``beta1, beta2`` and ``weight_decay``::

        c = g + gamma * beta1 / (1 - beta1) * (g - g_prev);  c <- c / max(||c||, 1)
        m <- lerp(m, c, 1 - beta1)
        u = m   (masked by the Cautious mask against g with ``cautious``, as apply_cautious)
        adamw:  v <- beta2 v + (1 - beta2) c**2 (vmax = max(vmax, v) with ams_bound)
                u <- u / ((sqrt(v + 1e-15) + eps) / sqrt(1 - beta2**t) * (1 - beta1**t))
        lion:   u <- sign(u)
        theta <- theta * (1 - lr * weight_decay)   (weight_decouple; no lr with fixed_decay)
        theta <- theta - lr * u

    A bias (``optimize_1d = False``) takes the same AdamW step with ``c = g`` (no correction, no
    clip, AdamW also under ``lion``), rate ``lr * lr_1d / lr0`` (the reference fixes the factor
    ``lr_1d / lr`` at construction: ``lr0`` is the run's base rate, so a schedule scales both),
    ``beta1_1d, beta2_1d`` and ``weight_decay_1d``. Coupled decay (``weight_decouple = False``)
    adds ``weight_decay * theta`` to the gradient only *after* the step, as the reference does:
    it reaches the next step through ``g_prev`` alone.

    Yuan et al. (2024), "MARS: unleashing the power of variance reduction for training large
    models" (MARS-AdamW, MARS-Lion, with the paper's ``c`` clip). Not offered: ``mars_type =
    'shampoo'`` (the reference orthogonalises with a bfloat16 Newton-Schulz iteration, a third
    code path), ``maximize``. ``hp = (beta1, beta2, gamma, mars_type, optimize_1d, lr_1d_factor,
    beta1_1d, beta2_1d, weight_decay, weight_decay_1d, weight_decouple, fixed_decay, ams_bound,
    cautious, eps)``; ``state`` = (``m``, ``v``, ``g_prev``, ``vmax`` if ams_bound).
    """
    lion = hp[3] != 0.0
    optimize_1d = hp[4] != 0.0
    gamma = hp[2]
    decouple = hp[10] != 0.0
    fixed = hp[11] != 0.0
    ams = hp[12] != 0.0
    cautious = hp[13] != 0.0
    eps = hp[14]
    exp_avg = state[0]
    exp_avg_sq = state[1]
    last_grad = state[2]
    t = float(step)
    for k in range(2 * layers.shape[0]):  # W_1, b_1, W_2, ...
        lo, hi = tensor_span(layers, k)
        mixed = optimize_1d or k % 2 == 0
        if mixed:
            beta1 = hp[0]
            beta2 = hp[1]
            rate = lr * 1.0
            weight_decay = hp[8]
        else:
            beta1 = hp[6]
            beta2 = hp[7]
            rate = lr * hp[5]
            weight_decay = hp[9]
        w1 = 1.0 - beta1
        small = abs(w1) < 0.5
        bc1 = 1.0 - math.pow(beta1, t)
        bc2_sq = math.sqrt(1.0 - math.pow(beta2, t))
        div = 1.0
        coef = 0.0
        if mixed:
            coef = gamma * beta1 / (1.0 - beta1)
            sq = 0.0
            for i in range(lo, hi):
                c = (grad[i] - last_grad[i]) * coef + grad[i]
                sq += c * c
            div = max(math.sqrt(sq), 1.0)
        for i in range(lo, hi):  # the moments; c recomputed (the same value) to need no slot
            g = grad[i]
            c = ((g - last_grad[i]) * coef + g) / div if mixed else g
            m = exp_avg[i]
            if small:
                m = m + w1 * (c - m)
            else:
                m = c - (c - m) * (1.0 - w1)
            exp_avg[i] = m
            if not (mixed and lion):
                v = exp_avg_sq[i] * beta2 + (1.0 - beta2) * c * c
                exp_avg_sq[i] = v
                if ams:
                    if v > state[3, i] or v != v:
                        state[3, i] = v
        scale = cautious_scale(exp_avg, grad, lo, hi) if cautious else 1.0
        if weight_decay != 0.0 and decouple:
            shrink = 1.0 - weight_decay * (1.0 if fixed else rate)
        else:
            shrink = 1.0
        for i in range(lo, hi):
            g = grad[i]
            u = exp_avg[i]
            if cautious:
                u = u * scale if u * g > 0.0 else u * 0.0
            if mixed and lion:
                u = 1.0 if u > 0.0 else (-1.0 if u < 0.0 else u)
            else:
                v = state[3, i] if ams else exp_avg_sq[i]
                u = u / ((math.sqrt(v + AMS_EPS) + eps) / bc2_sq * bc1)
            p = theta[i]
            if weight_decay != 0.0 and not decouple:
                g = g + weight_decay * p
            if shrink != 1.0:
                p = p * shrink
            theta[i] = p + (-rate) * u
            last_grad[i] = g


def _state_shape(values):
    return (4 if values["ams_bound"] else 3), N_SCALARS


class _Mars(Optimizer):
    def kernel_hp(self, values):
        """``lr_1d`` enters as the reference's ``lr_1d_factor = lr_1d / lr`` (``lr``: the run's
        base rate, which training passes; the record's default rate without it)."""
        base = float(values.get("lr", self.default_lr))
        return super().kernel_hp({**values, "lr_1d_factor": values["lr_1d"] / base})


_BETA = dict(low=0.0, high=1.0, high_open=True)

OPTIMIZERS = (
    _Mars(
        "mars", RULE_MARS,
        "MARS: AdamW (or Lion) on a variance-reduced, norm-clipped gradient correction g + gamma beta1/(1-beta1) (g - g_prev); AdamW for biases.",
        "pytorch_optimizer.MARS (pytorch-optimizer 4.1.0, Yuan et al. 2024)", 3e-3,
        (
            Hyper("beta1", 0.95, "decay of the first moment of the corrected gradient (betas[0])", **_BETA),
            Hyper("beta2", 0.99, "decay of its second moment (betas[1])", **_BETA),
            Hyper("gamma", 0.025, "strength of the gradient correction", low=0.0),
            Hyper("mars_type", "adamw", "adamw: Adam-normalised step; lion: its sign (the reference's 'shampoo' is not offered)",
                  kind="choice", choices=("adamw", "lion")),
            Hyper("optimize_1d", False, "MARS steps for the biases too (else AdamW with the *_1d settings)", kind="bool"),
            Hyper("lr_1d", 3e-3, "the biases' AdamW rate, for the base lr (the reference keeps lr_1d / lr, so schedules scale it)", low=0.0, low_open=True),
            Hyper("beta1_1d", 0.9, "the biases' AdamW first-moment decay (betas_1d[0])", **_BETA),
            Hyper("beta2_1d", 0.95, "the biases' AdamW second-moment decay (betas_1d[1])", **_BETA),
            Hyper("weight_decay", 0.0, "weight decay of the MARS tensors", low=0.0),
            Hyper("weight_decay_1d", 0.1, "weight decay of the biases", low=0.0),
            Hyper("weight_decouple", True, "decoupled decay theta <- theta * (1 - lr * weight_decay) (else added to the stored gradient, after the step)", kind="bool"),
            Hyper("fixed_decay", False, "decoupled decay without the lr factor", kind="bool"),
            Hyper("ams_bound", False, "divide by the running maximum of the second moment", kind="bool"),
            Hyper("cautious", False, "Cautious Optimizers mask on the first moment (pytorch-optimizer's apply_cautious)", kind="bool"),
            Hyper("eps", 1e-8, "term added to the denominator", low=0.0),
        ),
        ("beta1", "beta2", "gamma", "mars_type", "optimize_1d", "lr_1d_factor", "beta1_1d", "beta2_1d", "weight_decay",
         "weight_decay_1d", "weight_decouple", "fixed_decay", "ams_bound", "cautious", "eps"),
        n_slots=3,
        state_shape=_state_shape,
    ),
)
