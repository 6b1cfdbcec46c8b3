"""Compiled dispatch from rule and controller codes to the update rules and schedule controllers.

The rules themselves are plain functions in :mod:`dlbench.optimizers` and
:mod:`dlbench.schedules` (so those modules import without Numba); they are compiled here.
"""

from __future__ import annotations

from numba import njit

from .._numba_config import JIT
from ..optimizers import sgd as _sgd
from ..schedules import basic as _basic

_sgd_update = njit(**JIT)(_sgd.sgd_update)
_bold_driver_step = njit(**JIT)(_basic.bold_driver_step)


@njit(**JIT)
def apply_update(rule, theta, grad, state, scalars, hp, lr, step):
    """Apply the update rule with code ``rule`` in place."""
    if rule == _sgd.RULE_SGD:
        _sgd_update(theta, grad, state, scalars, hp, lr, step)
    else:
        raise ValueError("unknown update rule")


@njit(**JIT)
def controller_step(code, cstate, hp, lr, loss_before, loss_after):
    """Run the schedule controller ``code`` after an epoch: returns ``(lr, accept, stop)``."""
    if code == _basic.CTRL_BOLD_DRIVER:
        return _bold_driver_step(cstate, hp, lr, loss_before, loss_after)
    return lr, True, False
