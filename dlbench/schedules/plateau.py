"""Reduce the rate when the training loss stops improving: ``torch.optim.lr_scheduler.ReduceLROnPlateau``."""

from __future__ import annotations

import math

from ..errors import invalid
from ..hyper import Hyper
from .base import Schedule

__all__ = ["SCHEDULES", "CTRL_PLATEAU", "plateau_step"]

CTRL_PLATEAU = 2


def plateau_step(cstate, hp, lr, loss_before, loss_after):
    """One ``ReduceLROnPlateau(mode="min").step(loss_after)`` after an epoch (torch's logic exactly).

    With ``best`` starting at +inf, the epoch's loss ``m = loss_after`` is *better* when
    ``m < best * (1 - threshold)`` (``rel``) or ``m < best - threshold`` (``abs``). Better:
    ``best = m``, ``bad = 0``; otherwise ``bad += 1``. In cooldown (``cooldown_counter > 0``):
    ``cooldown_counter -= 1``, ``bad = 0``. If ``bad > patience``: ``new = max(lr * factor,
    min_lr)``, applied only if ``lr - new > eps``; then ``cooldown_counter = cooldown``,
    ``bad = 0``. The new rate is used from the next epoch; the step is always kept.

    ``hp = (factor, patience, threshold, threshold_mode (0 rel, 1 abs), cooldown, min_lr, eps)``;
    ``cstate = (best, bad, cooldown_counter, started)``. Returns ``(lr, accept, stop)``.
    """
    factor = hp[0]
    patience = hp[1]
    threshold = hp[2]
    absolute = hp[3] != 0.0
    if cstate[3] == 0.0:
        cstate[0] = math.inf
        cstate[3] = 1.0
    best = cstate[0]
    if absolute:
        better = loss_after < best - threshold
    else:
        better = loss_after < best * (1.0 - threshold)
    if better:
        cstate[0] = loss_after
        cstate[1] = 0.0
    else:
        cstate[1] += 1.0
    if cstate[2] > 0.0:
        cstate[2] -= 1.0
        cstate[1] = 0.0
    if cstate[1] > patience:
        new_lr = max(lr * factor, hp[5])
        if lr - new_lr > hp[6]:
            lr = new_lr
        cstate[2] = hp[4]
        cstate[1] = 0.0
    return lr, True, False


def _check_threshold(values, owner):
    if values["threshold_mode"] == "rel" and values["threshold"] >= 1.0:
        raise invalid("threshold", owner, "a float in [0, 1) when threshold_mode is 'rel'", values["threshold"])
    return values


SCHEDULES = (
    Schedule(
        "plateau",
        "Multiply the rate by `factor` once the training loss has not improved for more than `patience` epochs.",
        "torch.optim.lr_scheduler.ReduceLROnPlateau(mode='min'), stepped with the training loss after each epoch",
        (
            Hyper("factor", 0.1, "rate factor of a reduction", low=0.0, high=1.0, low_open=True, high_open=True),
            Hyper("patience", 10, "epochs without improvement tolerated before a reduction", kind="int", low=0),
            Hyper("threshold", 1e-4, "minimum improvement that counts", low=0.0),
            Hyper("threshold_mode", "rel", "'rel': better than best * (1 - threshold); 'abs': best - threshold",
                  kind="choice", choices=("rel", "abs")),
            Hyper("cooldown", 0, "epochs after a reduction during which bad epochs are not counted", kind="int", low=0),
            Hyper("min_lr", 0.0, "lower bound of the rate", low=0.0),
            Hyper("eps", 1e-8, "reductions smaller than this are skipped", low=0.0),
        ),
        controller=CTRL_PLATEAU,
        kernel_args=("factor", "patience", "threshold", "threshold_mode", "cooldown", "min_lr", "eps"),
        validate=_check_threshold,
    ),
)
