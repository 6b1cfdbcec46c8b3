"""Warm-up and one-cycle rates of ``torch.optim.lr_scheduler``: linear warm-up (optionally followed
by another schedule) and the one-cycle policy.

Like :mod:`dlbench.schedules.decay`, each ``rates(lr, epochs, params, n_samples)`` returns the
rate of every epoch, with ``lr`` the optimizer's base rate and the scheduler stepped once after
each epoch.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any, Mapping

from ..errors import ConfigError, invalid
from ..hyper import Hyper
from .base import Schedule

__all__ = ["SCHEDULES"]


@dataclass(frozen=True)
class _Table(Hyper):
    """A hyperparameter holding a table of another schedule's parameters (checked by ``validate``)."""

    def describe(self) -> str:
        return "a table of parameter names to values (as text: 'name=value; name=value')"

    def check(self, value: Any, owner: str) -> Any:
        if isinstance(value, str):  # from the command line: "t_max=170; eta_min=0.001"
            pairs = [item.partition("=") for item in value.split(";") if item.strip()]
            if any(not sep or not name.strip() for name, sep, _ in pairs):
                raise invalid(self.name, owner, self.describe(), value)
            return {name.strip(): text.strip() for name, _, text in pairs}
        if not isinstance(value, Mapping) or not all(isinstance(k, str) for k in value):
            raise invalid(self.name, owner, self.describe(), value)
        return dict(value)


def _linear_warmup(lr, epochs, params, n_samples):
    """``torch.optim.lr_scheduler.LinearLR(start_factor, end_factor=1, total_iters=warmup_epochs)``
    followed by the ``then`` schedule as in ``SequentialLR(milestones=[warmup_epochs])``.

    ``rates[k] = lr * (start_factor + (1 - start_factor) * k / warmup_epochs)`` for
    ``k < warmup_epochs``; from ``k = warmup_epochs`` on, the ``then`` schedule (with
    ``then_params``) restarted at its epoch 0 from the base rate ``lr`` and run over the remaining
    ``epochs - warmup_epochs`` epochs: ``rates[warmup_epochs + j] = then_rates[j]`` (so a cosine's
    default ``t_max`` is the remaining epochs). ``then="constant"`` is a lone ``LinearLR``: the
    rate stays at the warm-up's final value, ``lr``.

    torch's LinearLR is recursive, ``r_0 = lr * start_factor`` and
    ``r_k = r_{k-1} * (1 + (1 - start_factor) / (warmup_epochs * start_factor + (k - 1) * (1 -
    start_factor)))`` for ``k <= warmup_epochs``; the rates are that product, accumulated in
    torch's order, so they equal torch's bit for bit.
    """
    import numpy as np

    warmup = params["warmup_epochs"]
    start = float(params["start_factor"])
    k = np.arange(1, min(warmup + 1, epochs))
    factors = 1.0 + (1.0 - start) / (warmup * start + (k - 1) * (1.0 - start))
    ramp = np.multiply.accumulate(np.concatenate([[lr * start], factors]))[:epochs]
    if params["then"] == "constant":
        return np.concatenate([ramp, np.full(epochs - ramp.size, ramp[-1])])
    head = ramp[:warmup]
    if epochs <= warmup:
        return head
    from . import get_schedule

    then = get_schedule(params["then"])
    tail = then.rates(lr, epochs - warmup, params["then_params"], n_samples)
    return np.concatenate([head, np.asarray(tail, dtype=np.float64)])


def _check_warmup(values, owner):
    from . import get_schedule

    try:
        then = get_schedule(values["then"])
    except ConfigError:
        then = None
    if then is None or then.rates is None or then.controller:
        from . import SCHEDULES

        names = [s.name for s in SCHEDULES.values() if s.rates is not None and not s.controller]
        raise invalid("then", owner, "the name of a precomputed schedule: " + ", ".join(names), values["then"])
    try:
        inner = then.check(values["then_params"])
    except ConfigError as exc:
        raise ConfigError(f"{exc} (from 'then_params' of {owner})") from None
    return {**values, "then_params": inner}


def _anneal(strategy, start, end, pct):
    """torch's ``OneCycleLR._annealing_cos`` / ``_annealing_linear`` (same rounding order)."""
    import numpy as np

    if strategy == "cos":
        return end + (start - end) / 2.0 * (np.cos(math.pi * pct) + 1)
    return (end - start) * pct + start


def _onecycle(lr, epochs, params, n_samples):
    """``torch.optim.lr_scheduler.OneCycleLR(max_lr=lr, total_steps=epochs, cycle_momentum=False)``
    (Smith & Topin 2019, "Super-convergence").

    ``initial = lr / div_factor`` and ``min = initial / final_div_factor``. Phases end at
    ``e1 = pct_start * epochs - 1`` and ``e2 = epochs - 1``: ``rates[k] = anneal(initial, lr,
    k / e1)`` for ``k <= e1``, then ``anneal(lr, min, (k - e1) / (e2 - e1))``. With
    ``three_phase``: ``e1``, ``e2 = 2 * pct_start * epochs - 2``, ``e3 = epochs - 1``, annealing
    initial -> lr -> initial -> min. ``anneal`` is ``b + (a - b) / 2 * (1 + cos(pi * p))``
    (``cos``) or ``a + (b - a) * p`` (``linear``). Same expressions as torch's.
    """
    import numpy as np

    top = float(lr)
    initial = top / params["div_factor"]
    low = initial / params["final_div_factor"]
    pct = params["pct_start"]
    if params["three_phase"]:
        phases = [(float(pct * epochs) - 1, initial, top), (float(2 * pct * epochs) - 2, top, initial),
                  (epochs - 1, initial, low)]
    else:
        phases = [(float(pct * epochs) - 1, initial, top), (epochs - 1, top, low)]
    ends = [0.0] + [p[0] for p in phases]
    if any(b <= a for a, b in zip(ends, ends[1:])):
        need = "pct_start * epochs > 1" + (" and 2 * pct_start * epochs < epochs + 1" if params["three_phase"] else "")
        raise invalid("pct_start", "the onecycle schedule", f"a fraction with {need} (every phase at least one epoch; "
                      f"here epochs = {epochs})", pct)
    k = np.arange(epochs, dtype=np.float64)
    out = np.empty(epochs)
    done = np.zeros(epochs, dtype=bool)
    start_step = 0.0
    for i, (end_step, a, b) in enumerate(phases):
        mask = ~done if i == len(phases) - 1 else (~done & (k <= end_step))
        out[mask] = _anneal(params["anneal_strategy"], a, b, (k[mask] - start_step) / (end_step - start_step))
        done |= mask
        start_step = end_step
    return out


SCHEDULES = (
    Schedule(
        "linear-warmup",
        "Linear warm-up from `start_factor * lr` to `lr` over `warmup_epochs`, then the `then` schedule.",
        "torch.optim.lr_scheduler.LinearLR(end_factor=1) + SequentialLR",
        (
            Hyper("warmup_epochs", 5, "epochs of the linear warm-up", kind="int", low=1),
            Hyper("start_factor", 1.0 / 3, "rate factor of the first epoch", low=0.0, high=1.0, low_open=True),
            Hyper("then", "constant", "precomputed schedule that follows the warm-up", kind="str"),
            _Table("then_params", {}, "parameters of the `then` schedule", kind="str"),
        ),
        _linear_warmup,
        validate=_check_warmup,
    ),
    Schedule(
        "onecycle",
        "One-cycle policy: anneal from `lr / div_factor` up to `lr` over `pct_start` of the run, then down "
        "to `lr / (div_factor * final_div_factor)`.",
        "torch.optim.lr_scheduler.OneCycleLR(max_lr=lr, total_steps=epochs, cycle_momentum=False)",
        (
            Hyper("pct_start", 0.3, "fraction of the run spent increasing the rate", low=0.0, high=1.0,
                  low_open=True, high_open=True),
            Hyper("anneal_strategy", "cos", "annealing shape", kind="choice", choices=("cos", "linear")),
            Hyper("div_factor", 25.0, "initial rate = lr / div_factor", low=0.0, low_open=True),
            Hyper("final_div_factor", 1e4, "final rate = initial rate / final_div_factor", low=0.0, low_open=True),
            Hyper("three_phase", False, "anneal back to the initial rate before the final descent", kind="bool"),
        ),
        _onecycle,
    ),
)
