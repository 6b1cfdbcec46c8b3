"""The declarative record of a learning-rate schedule.

A schedule is separate from the optimizer, so any pair combines. It is stepped once per epoch,
as ``torch.optim.lr_scheduler`` is in the usual loop. Two kinds:

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

from ..hyper import Hyper, check_values

__all__ = ["Schedule", "CTRL_NONE"]

CTRL_NONE = 0


@dataclass(frozen=True)
class Schedule:
    name: str
    summary: str
    reference: str
    hypers: tuple[Hyper, ...] = ()
    rates: Callable[..., Any] | None = None
    controller: int = CTRL_NONE
    kernel_args: tuple[str, ...] = ()

    def check(self, values: Mapping[str, Any]) -> dict[str, Any]:
        return check_values(self.hypers, values, f"the {self.name} schedule")

    def kernel_hp(self, values: Mapping[str, Any]) -> list[float]:
        return [float(values[name]) for name in self.kernel_args]

    def defaults(self) -> dict[str, Any]:
        return {h.name: h.default for h in self.hypers}
