"""Warmup-stable-decay (WSD, "trapezoidal") rates: a warm-up, a long constant phase, a short
decay (cooldown) at the end.

No ``torch.optim.lr_scheduler`` class exists; dlbench follows ``pytorch_optimizer.get_wsd_schedule``
(pytorch-optimizer 4.1.0, a ``LambdaLR``), the schedule studied by Hägele et al. (2024), "Scaling
Laws and Compute-Optimal Training Beyond Fixed Training Durations" (whose best cooldown is
``1-sqrt`` over about 20% of the run), introduced as WSD by Hu et al. (2024), MiniCPM.
"""

from __future__ import annotations

import math

from ..errors import invalid
from ..hyper import Hyper
from .base import Schedule

__all__ = ["SCHEDULES", "wsd_phases"]


def wsd_phases(total, warmup_fraction, decay_fraction):
    """``(warmup, stable, decay)`` steps of a run of ``total`` steps: ``warmup =
    floor(warmup_fraction * total)``, ``decay = floor(decay_fraction * total)`` (each product
    rounded to 1e-9 first, so 0.29 * 100 gives 29), ``stable`` the rest."""
    warmup = math.floor(round(warmup_fraction * total, 9))
    decay = math.floor(round(decay_fraction * total, 9))
    return warmup, total - warmup - decay, decay


def _wsd(lr, epochs, params, n_samples):
    """``pytorch_optimizer.get_wsd_schedule(num_warmup_steps=W, num_stable_steps=S,
    num_decay_steps=D, min_lr_ratio, num_cycles=0.5, cooldown_type=decay_shape)`` over the run
    (:func:`wsd_phases`), i.e. ``rates[k] = lr * f(k)`` with::

        f(k) = k / max(1, W)                                  k < W   (warm-up from 0)
        f(k) = 1                                              k < W + S
        f(k) = shape(p),  p = (k - W - S) / D                 k < W + S + D
        f(k) = min_lr_ratio                                   after (never reached inside the run)

    ``shape``: ``1-sqrt``: ``1 - sqrt(p)``; ``linear``: ``1 - p``; ``1-square``: ``1 - p ** 2``
    (these three fall towards 0 and ignore ``min_lr_ratio``, as the reference does); ``cosine``:
    ``(1 - min_lr_ratio) * max(0, (1 + cos(pi * p)) / 2) + min_lr_ratio``. Same expressions as
    the reference's, so equal to rounding of the one product ``lr * f``.
    """
    import numpy as np

    W, S, D = wsd_phases(epochs, params["warmup_fraction"], params["decay_fraction"])
    shape = params["decay_shape"]
    floor = float(params["min_lr_ratio"])
    out = np.empty(epochs)
    for k in range(epochs):
        if k < W:
            f = float(k) / float(max(1, W))
        elif k < W + S:
            f = 1.0
        elif k < W + S + D:
            p = (k - W - S) / D
            if shape == "cosine":  # the reference's num_cycles = 0.5, in its rounding order
                progress = float(k - W - S) / float(max(1, D))
                f = (1.0 - floor) * max(0.0, 0.5 * (1.0 + math.cos(math.pi * 0.5 * 2.0 * progress))) + floor
            elif shape == "1-sqrt":
                f = 1.0 - math.sqrt(p)
            elif shape == "1-square":
                f = 1.0 - math.pow(p, 2)
            else:
                f = 1.0 - p
        else:
            f = floor
        out[k] = lr * f
    return out


def _check_wsd(values, owner):
    if values["warmup_fraction"] + values["decay_fraction"] > 1.0:
        raise invalid("decay_fraction", owner, f"a fraction with warmup_fraction + decay_fraction <= 1 "
                      f"(warmup_fraction is {values['warmup_fraction']:g})", values["decay_fraction"])
    return values


SCHEDULES = (
    Schedule(
        "wsd",
        "Warmup-stable-decay: linear warm-up from 0 over `warmup_fraction` of the run, the rate itself, then a "
        "`decay_shape` cooldown over the last `decay_fraction`.",
        "pytorch_optimizer.get_wsd_schedule (Hägele et al. 2024; MiniCPM's WSD)",
        (
            Hyper("warmup_fraction", 0.0, "fraction of the run spent warming up from 0", low=0.0, high=1.0),
            Hyper("decay_fraction", 0.2, "fraction of the run spent in the final decay", low=0.0, high=1.0,
                  low_open=True),
            Hyper("decay_shape", "1-sqrt", "cooldown shape", kind="choice",
                  choices=("1-sqrt", "linear", "cosine", "1-square")),
            Hyper("min_lr_ratio", 0.0, "final rate / lr (the floor of the cosine shape)", low=0.0, high=1.0),
        ),
        _wsd,
        validate=_check_wsd,
    ),
)
