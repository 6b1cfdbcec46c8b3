"""The declarative record of a learning-rate schedule.

A schedule is separate from the optimizer, so any pair combines. It is stepped once per epoch,
as ``torch.optim.lr_scheduler`` is in the usual loop, or, with the option ``step_every =
"batch"`` (precomputed schedules only), after every optimizer step, as torch users do for
one-cycle and warm-up: the rates are then computed for ``epochs * ceil(n_samples /
batch_size)`` steps, every count of the schedule (``t_max``, ``warmup_epochs``, ``step_size``...)
is in steps, and the training kernel reads ``rates[step]`` before each update (the run's
``learning_rates[k]`` is the rate of epoch ``k``'s first step). Two kinds:

- *precomputed*: the rate depends on the epoch only (step, cosine, one-cycle...). ``rates(lr,
  epochs, params, n_samples)`` returns the rate of every epoch as an array, computed before
  training.
- *controller*: the rate reacts to the training loss (bold driver, plateau, scikit-learn's
  adaptive). The training kernel runs the controller with code ``controller`` and the values of
  ``kernel_args``.

No NumPy or Numba at import time (``--help`` stays fast); ``rates`` imports NumPy when called.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Callable, Mapping

from ..errors import invalid
from ..hyper import Hyper, check_values

__all__ = ["Schedule", "CTRL_NONE", "STEP_EVERY"]

CTRL_NONE = 0

STEP_EVERY = Hyper("step_every", "epoch", "step the schedule once per 'epoch' (default) or after every 'batch'",
                   kind="choice", choices=("epoch", "batch"))
"""The option every schedule takes besides its own hyperparameters (kept out of ``hypers``)."""


@dataclass(frozen=True)
class Schedule:
    name: str
    summary: str
    reference: str
    hypers: tuple[Hyper, ...] = ()
    rates: Callable[..., Any] | None = None
    controller: int = CTRL_NONE
    kernel_args: tuple[str, ...] = ()
    validate: Callable[[dict[str, Any], str], dict[str, Any]] | None = None
    """Optional cross-parameter check ``validate(checked_values, owner) -> values`` run after each
    value passed its own :class:`Hyper` check; raises ``ConfigError`` (e.g. milestones must
    increase). It must accept its own output again (checked values are re-checked)."""

    per_batch: bool = True
    """Whether ``step_every = "batch"`` is allowed (not for controllers, which react to the loss
    of an epoch, nor for scikit-learn's invscaling, which counts samples per epoch)."""

    def check(self, values: Mapping[str, Any]) -> dict[str, Any]:
        """Defaults overlaid with the checked ``values``; ``step_every`` is kept only when it is
        ``"batch"``."""
        owner = f"the {self.name} schedule"
        values = dict(values)
        every = STEP_EVERY.check(values.pop("step_every", "epoch"), owner)
        if every == "batch" and (self.controller or not self.per_batch):
            raise invalid("step_every", owner, "'epoch' (it is updated from whole epochs)", every)
        out = check_values(self.hypers, values, owner)
        if self.validate is not None:
            out = self.validate(out, owner)
        if every == "batch":
            out["step_every"] = every
        return out

    def kernel_hp(self, values: Mapping[str, Any]) -> list[float]:
        """The controller's ``hp`` vector: numbers as floats, booleans as 0/1 and a ``choice``
        as the index of its value in ``choices``."""
        kinds = {h.name: h for h in self.hypers}
        out = []
        for name in self.kernel_args:
            value = values[name]
            hyper = kinds.get(name)
            if hyper is not None and hyper.kind == "choice":
                value = hyper.choices.index(value)
            out.append(float(value))
        return out

    def defaults(self) -> dict[str, Any]:
        return {h.name: h.default for h in self.hypers}
