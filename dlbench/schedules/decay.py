"""Decaying rates of ``torch.optim.lr_scheduler``: step, multi-step, exponential, polynomial,
cosine annealing and cosine annealing with warm restarts.

Each ``rates(lr, epochs, params, n_samples)`` returns the rate of every epoch (``rates[k]`` is
used during epoch ``k``, counted from 0, with the scheduler stepped once after each epoch),
computed with NumPy before training. ``lr`` is the optimizer's base rate (torch's ``base_lrs``).
Where torch updates the rate multiplicatively (step, multi-step, exponential), the rates are a
cumulative product in torch's order, so they agree with torch bit for bit; the cosine forms agree
to rounding (see each docstring).
"""

from __future__ import annotations

import math

from dataclasses import dataclass
from typing import Any

from ..errors import invalid
from ..hyper import Hyper
from .base import Schedule

__all__ = ["SCHEDULES"]


@dataclass(frozen=True)
class _IntOrNone(Hyper):
    """An ``int`` hyperparameter that may also be ``None`` (resolved when the run's length is known)."""

    none_means: str = ""

    def describe(self) -> str:
        return f"{super().describe()}, or None ({self.none_means})"

    def check(self, value: Any, owner: str) -> Any:
        if value is None:
            return None
        try:
            return super().check(value, owner)
        except ValueError:
            raise invalid(self.name, owner, self.describe(), value) from None

_GAMMA = Hyper("gamma", 0.1, "multiplicative factor of the rate decay", low=0.0, high=1.0, low_open=True)


def _chained(lr, factors):
    """``lr * f[0]``, then times ``f[1]``, ...: torch's chainable update, in its rounding order."""
    import numpy as np

    out = np.array(factors, dtype=np.float64)
    if out.size:
        out[0] = lr * out[0]
    return np.multiply.accumulate(out)


def _step(lr, epochs, params, n_samples):
    """``torch.optim.lr_scheduler.StepLR``: ``rates[k] = lr * gamma ** (k // step_size)``.

    Computed as torch's chainable form: the rate is multiplied by ``gamma`` at every epoch
    ``k > 0`` that is a multiple of ``step_size``.
    """
    import numpy as np

    k = np.arange(epochs)
    return _chained(lr, np.where((k > 0) & (k % params["step_size"] == 0), params["gamma"], 1.0))


def _multistep(lr, epochs, params, n_samples):
    """``torch.optim.lr_scheduler.MultiStepLR``:
    ``rates[k] = lr * gamma ** (number of milestones <= k)``.

    Computed as torch's chainable form: the rate is multiplied by ``gamma`` at each milestone
    epoch (a milestone at 0 lowers the very first rate, as in torch).
    """
    import numpy as np

    factors = np.ones(epochs)
    marks = [m for m in params["milestones"] if m < epochs]
    factors[marks] = params["gamma"]
    return _chained(lr, factors)


def _exponential(lr, epochs, params, n_samples):
    """``torch.optim.lr_scheduler.ExponentialLR``: ``rates[k] = lr * gamma ** k``.

    Computed as torch's chainable form (one multiplication by ``gamma`` per epoch).
    """
    import numpy as np

    factors = np.full(epochs, float(params["gamma"]))
    if epochs:
        factors[0] = 1.0
    return _chained(lr, factors)


def _polynomial(lr, epochs, params, n_samples):
    """``torch.optim.lr_scheduler.PolynomialLR``: ``rates[k] = lr * (1 - min(k, total_iters) /
    total_iters) ** power`` (0 from ``k = total_iters`` on when ``power > 0``).

    ``total_iters=None`` (dlbench's default) means the run's epochs, so the last epoch still has
    a rate ``lr * (1 / epochs) ** power > 0``; torch's default is 5.

    Computed as torch's chainable form, ``r_0 = lr`` and ``r_k = r_{k-1} * ((1 - k / T) / (1 -
    (k - 1) / T)) ** power`` for ``1 <= k <= T`` (then unchanged), in torch's rounding order, so
    it equals torch's bit for bit.
    """
    import numpy as np

    total = params["total_iters"] if params["total_iters"] is not None else epochs
    power = float(params["power"])
    out = np.empty(epochs)
    cur = float(lr)
    for k in range(epochs):
        if 0 < k <= total:
            cur = cur * ((1.0 - k / total) / (1.0 - (k - 1) / total)) ** power
        out[k] = cur
    return out


def _cosine(lr, epochs, params, n_samples):
    """``torch.optim.lr_scheduler.CosineAnnealingLR``:
    ``rates[k] = eta_min + (lr - eta_min) * (1 + cos(pi * k / t_max)) / 2``.

    ``t_max=None`` means the run's number of epochs. Past ``t_max`` the rate keeps following the
    cosine (period ``2 * t_max``: back to ``lr`` at ``k = 2 * t_max``), as torch's does.

    torch computes the rate recursively (its chainable form)::

        r_0 = lr
        r_k = r_{k-1} + (lr - eta_min) * (1 - cos(pi / t_max)) / 2       if (k - 1 - t_max) % (2 t_max) == 0
        r_k = (1 + cos(pi k / t_max)) / (1 + cos(pi (k - 1) / t_max)) * (r_{k-1} - eta_min) + eta_min

    Its rounding drifts away from the closed form by a few ulps per epoch (1e-12 after a few
    thousand epochs with ``eta_min > 0`` or past ``t_max``), so the rates are computed with
    torch's recursion (a scalar loop over epochs), which reproduces torch bit for bit.
    """
    import numpy as np

    t_max = params["t_max"] if params["t_max"] is not None else epochs
    eta_min = float(params["eta_min"])
    out = np.empty(epochs)
    cur = float(lr)
    lift = (lr - eta_min) * (1 - math.cos(math.pi / t_max)) / 2
    for k in range(epochs):
        if k > 0:
            if (k - 1 - t_max) % (2 * t_max) == 0:
                cur = cur + lift
            else:
                ratio = (1 + math.cos(math.pi * k / t_max)) / (1 + math.cos(math.pi * (k - 1) / t_max))
                cur = ratio * (cur - eta_min) + eta_min
        out[k] = cur
    return out


def _restart_phase(epochs, t_0, t_mult):
    """``(T_cur, T_i)`` of every epoch: position in the current cycle and the cycle's length."""
    import numpy as np

    k = np.arange(epochs)
    if t_mult == 1:
        return k % t_0, np.full(epochs, t_0)
    starts, lengths = [0], [t_0]
    while starts[-1] + lengths[-1] < epochs:
        starts.append(starts[-1] + lengths[-1])
        lengths.append(lengths[-1] * t_mult)
    cycle = np.searchsorted(np.array(starts), k, side="right") - 1
    return k - np.array(starts)[cycle], np.array(lengths)[cycle]


def _cosine_restarts(lr, epochs, params, n_samples):
    """``torch.optim.lr_scheduler.CosineAnnealingWarmRestarts`` (SGDR, Loshchilov & Hutter 2017):
    ``rates[k] = eta_min + (lr - eta_min) * (1 + cos(pi * T_cur / T_i)) / 2``.

    ``T_cur`` counts epochs since the last restart and ``T_i`` is the current cycle's length:
    restarts at ``k = t_0, t_0 + t_0 * t_mult, ...`` with the cycle ``t_mult`` times longer each
    time (``eta_min`` itself is never reached). Same expression as torch's, so equal to rounding.
    """
    import numpy as np

    eta_min = float(params["eta_min"])
    t_cur, t_i = _restart_phase(epochs, params["t_0"], params["t_mult"])
    return eta_min + (lr - eta_min) * (1 + np.cos(math.pi * t_cur / t_i)) / 2


def _check_milestones(values, owner):
    milestones = values["milestones"]
    if any(b <= a for a, b in zip(milestones, milestones[1:])):
        raise invalid("milestones", owner, "a strictly increasing list of non-negative integers", list(milestones))
    return values


SCHEDULES = (
    Schedule(
        "step",
        "Multiply the rate by `gamma` every `step_size` epochs.",
        "torch.optim.lr_scheduler.StepLR",
        (Hyper("step_size", 30, "epochs between two decays", kind="int", low=1), _GAMMA),
        _step,
    ),
    Schedule(
        "multistep",
        "Multiply the rate by `gamma` at each milestone epoch.",
        "torch.optim.lr_scheduler.MultiStepLR",
        (Hyper("milestones", (), "epochs at which the rate decays (strictly increasing)", kind="ints"), _GAMMA),
        _multistep,
        validate=_check_milestones,
    ),
    Schedule(
        "exponential",
        "Multiply the rate by `gamma` every epoch.",
        "torch.optim.lr_scheduler.ExponentialLR",
        (Hyper("gamma", 0.99, "multiplicative factor of the rate decay per epoch", low=0.0, high=1.0, low_open=True),),
        _exponential,
    ),
    Schedule(
        "polynomial",
        "Decay the rate as (1 - k / total_iters) ** power, to 0 at `total_iters` epochs (default: the run's).",
        "torch.optim.lr_scheduler.PolynomialLR",
        (
            _IntOrNone("total_iters", None, "epochs of the decay (the rate is 0 from then on)", kind="int", low=1,
                       none_means="the run's epochs"),
            Hyper("power", 1.0, "power of the polynomial", low=0.0),
        ),
        _polynomial,
    ),
    Schedule(
        "cosine",
        "Cosine annealing from the rate down to `eta_min` over `t_max` epochs (default: the whole run).",
        "torch.optim.lr_scheduler.CosineAnnealingLR",
        (
            _IntOrNone("t_max", None, "epochs of the half cosine period (default: the run's epochs)", kind="int",
                       low=1, none_means="the run's epochs"),
            Hyper("eta_min", 0.0, "minimum rate", low=0.0),
        ),
        _cosine,
    ),
    Schedule(
        "cosine-restarts",
        "Cosine annealing to `eta_min` restarted every cycle; cycles of `t_0` epochs, each `t_mult` times longer.",
        "torch.optim.lr_scheduler.CosineAnnealingWarmRestarts",
        (
            Hyper("t_0", 10, "epochs of the first cycle", kind="int", low=1),
            Hyper("t_mult", 1, "factor by which each cycle is longer than the previous one", kind="int", low=1),
            Hyper("eta_min", 0.0, "minimum rate", low=0.0),
        ),
        _cosine_restarts,
    ),
)
