"""Warm-up and cyclical rates of ``torch.optim.lr_scheduler``: linear warm-up (optionally followed
by another schedule), the one-cycle policy and the cyclical (triangular) rates.

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
from .decay import _IntOrNone

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

    ``then="onecycle"`` reproduces ``SequentialLR([LinearLR(...), OneCycleLR(max_lr=lr,
    total_steps=epochs - warmup_epochs, cycle_momentum=False)])`` exactly, including its quirk:
    constructing ``OneCycleLR`` sets the optimizer's rate (and ``initial_lr``, to which
    ``SequentialLR`` resets it) to ``lr / div_factor``, so the warm-up ramps from ``lr /
    div_factor * start_factor`` to ``lr / div_factor``, where the one-cycle then starts, rises
    to ``lr`` and anneals, over the remaining epochs.
    """
    import numpy as np

    warmup = params["warmup_epochs"]
    start = float(params["start_factor"])
    base = float(lr)
    if params["then"] == "onecycle":  # OneCycleLR overwrites the rate the warm-up starts from
        base = base / params["then_params"]["div_factor"]
    k = np.arange(1, min(warmup + 1, epochs))
    factors = 1.0 + (1.0 - start) / (warmup * start + (k - 1) * (1.0 - start))
    ramp = np.multiply.accumulate(np.concatenate([[base * start], factors]))[:epochs]
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
    if "step_every" in values["then_params"]:
        raise invalid("then_params", owner, "the `then` schedule's own parameters (step_every is the warm-up's, "
                      "for both)", values["then_params"])
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


def _cyclic(lr, epochs, params, n_samples):
    """``torch.optim.lr_scheduler.CyclicLR(base_lr=lr, max_lr, step_size_up, step_size_down, mode,
    gamma, cycle_momentum=False)`` (Smith 2017, "Cyclical learning rates for training neural
    networks"): the rate rises linearly from ``lr`` to ``max_lr`` over ``step_size_up`` epochs and
    falls back over ``step_size_down`` (default: ``step_size_up``), cycle after cycle.

    With ``S = step_size_up + step_size_down`` and ``r = step_size_up / S``, torch's closed form
    at epoch ``k``: ``cycle = floor(1 + k / S)``, ``x = 1 + k / S - cycle``, ``f = x / r`` if ``x <=
    r`` else ``(x - 1) / (r - 1)``, ``rates[k] = lr + (max_lr - lr) * f * scale`` with ``scale = 1``
    (``triangular``), ``1 / 2 ** (cycle - 1)`` (``triangular2``: the height halves every cycle)
    or ``gamma ** k`` (``exp_range``, per epoch). Same expressions as torch's.

    ``max_lr=None`` means ``4 * lr``: torch has no default; Smith (2017, section 3.3) sets the
    bottom of the cycle to a third or a quarter of the top.

    torch's ``cycle_momentum=True`` (its default) also cycles the optimizer's momentum between
    0.8 and 0.9 against the rate; dlbench's schedules set the rate only, so this is torch's
    ``cycle_momentum=False`` (the optimizer's momentum stays as given).
    """
    import numpy as np

    up = float(params["step_size_up"])
    down = float(params["step_size_down"]) if params["step_size_down"] is not None else up
    total = up + down
    ratio = up / total
    k = np.arange(epochs, dtype=np.float64)
    cycle = np.floor(1 + k / total)
    x = 1.0 + k / total - cycle
    factor = np.where(x <= ratio, x / ratio, (x - 1) / (ratio - 1))
    mode = params["mode"]
    if mode == "triangular":
        scale = 1.0
    elif mode == "triangular2":
        scale = 1 / (2.0 ** (cycle - 1))
    else:
        scale = np.array([params["gamma"] ** int(i) for i in range(epochs)], dtype=np.float64)
    top = float(params["max_lr"]) if params["max_lr"] is not None else 4.0 * float(lr)
    base_height = (top - float(lr)) * factor
    return float(lr) + base_height * scale


@dataclass(frozen=True)
class _FloatOrNone(Hyper):
    """A float hyperparameter that may also be ``None`` (with the meaning ``none_means``)."""

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
    Schedule(
        "cyclic",
        "Cyclical rates: rise linearly from the rate to `max_lr` over `step_size_up` epochs, fall back over "
        "`step_size_down`, repeat (`triangular2` halves the height each cycle, `exp_range` scales it by gamma**k).",
        "torch.optim.lr_scheduler.CyclicLR(base_lr=lr, cycle_momentum=False)",
        (
            _FloatOrNone("max_lr", None, "the top of the cycle (default: 4 * lr)", low=0.0, low_open=True,
                         none_means="4 * lr"),
            Hyper("step_size_up", 2000, "epochs of the rising half of a cycle", kind="int", low=1),
            _IntOrNone("step_size_down", None, "epochs of the falling half (default: step_size_up)", kind="int", low=1,
                       none_means="step_size_up"),
            Hyper("mode", "triangular", "cycle shape", kind="choice", choices=("triangular", "triangular2", "exp_range")),
            Hyper("gamma", 1.0, "exp_range: the height is scaled by gamma ** epoch", low=0.0, high=1.0, low_open=True),
        ),
        _cyclic,
    ),
)
