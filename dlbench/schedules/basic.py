"""The constant rate and the article's dynamic rate (bold driver)."""

from __future__ import annotations

from ..hyper import Hyper
from .base import Schedule

CTRL_BOLD_DRIVER = 1


def _constant(lr, epochs, params, n_samples):
    import numpy as np

    return np.full(epochs, float(lr))


def bold_driver_step(cstate, hp, lr, loss_before, loss_after):
    """Bold driver (Battiti 1989; Vogl et al. 1988), the article's dynamic rate.

    After an epoch: if the training loss fell (``loss_after < loss_before``), keep the step and
    set ``lr <- increase * lr``; otherwise (rose, stayed equal, or became NaN) undo the step and set
    ``lr <- decrease * lr``. ``hp = (increase, decrease)``. Returns ``(lr, accept, stop)``.
    """
    if loss_after < loss_before:
        return lr * hp[0], True, False
    return lr * hp[1], False, False


SCHEDULES = (
    Schedule("constant", "The same rate every epoch.", "torch.optim.lr_scheduler.ConstantLR(factor=1)", (), _constant),
    Schedule(
        "bold-driver",
        "The article's dynamic rate: after an epoch that lowers the training loss, keep the step and "
        "multiply the rate by `increase`; otherwise undo the step and multiply it by `decrease`.",
        "Battiti (1989), 'Accelerated backpropagation learning: two optimization methods'",
        (
            Hyper("increase", 1.05, "rate factor after an epoch that lowered the loss", low=1.0),
            Hyper("decrease", 0.5, "rate factor after an epoch that did not (the step is undone)", low=0.0, high=1.0, low_open=True),
        ),
        controller=CTRL_BOLD_DRIVER,
        kernel_args=("increase", "decrease"),
    ),
)
