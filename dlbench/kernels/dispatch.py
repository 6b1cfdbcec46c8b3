"""Compiled dispatch from rule and controller codes to the update rules and schedule controllers.

The rules themselves are plain functions in :mod:`dlbench.optimizers` and
:mod:`dlbench.schedules` (so those modules import without Numba); they are compiled here.
"""

from __future__ import annotations

from numba import njit

from ._config import JIT
from ..optimizers import adam as _adam
from ..optimizers import adaptive as _adaptive
from ..optimizers import lars as _lars
from ..optimizers import lion as _lion
from ..optimizers import rprop as _rprop
from ..optimizers import sgd as _sgd
from ..schedules import basic as _basic
from ..schedules import plateau as _plateau
from ..schedules import sklearn as _sklearn

_sgd_update = njit(**JIT)(_sgd.sgd_update)
_adagrad_update = njit(**JIT)(_adaptive.adagrad_update)
_rmsprop_update = njit(**JIT)(_adaptive.rmsprop_update)
_adadelta_update = njit(**JIT)(_adaptive.adadelta_update)
_adam_update = njit(**JIT)(_adam.adam_update)
_adamax_update = njit(**JIT)(_adam.adamax_update)
_nadam_update = njit(**JIT)(_adam.nadam_update)
_radam_update = njit(**JIT)(_adam.radam_update)
_rprop_update = njit(**JIT)(_rprop.rprop_update)
_lion_update = njit(**JIT)(_lion.lion_update)
_lars_update = njit(**JIT)(_lars.lars_update)
_bold_driver_step = njit(**JIT)(_basic.bold_driver_step)
_plateau_step = njit(**JIT)(_plateau.plateau_step)
_adaptive_step = njit(**JIT)(_sklearn.adaptive_step)


@njit(**JIT)
def apply_update(rule, theta, grad, state, scalars, hp, lr, step, layers):
    """Apply the update rule with code ``rule`` in place. ``layers`` is the parameter layout
    (:func:`dlbench.model.spec.layout`), passed on to the rules that work per layer."""
    if rule == _sgd.RULE_SGD:
        _sgd_update(theta, grad, state, scalars, hp, lr, step)
    elif rule == _adaptive.RULE_ADAGRAD:
        _adagrad_update(theta, grad, state, scalars, hp, lr, step)
    elif rule == _adaptive.RULE_RMSPROP:
        _rmsprop_update(theta, grad, state, scalars, hp, lr, step)
    elif rule == _adaptive.RULE_ADADELTA:
        _adadelta_update(theta, grad, state, scalars, hp, lr, step)
    elif rule == _adam.RULE_ADAM:
        _adam_update(theta, grad, state, scalars, hp, lr, step)
    elif rule == _adam.RULE_ADAMAX:
        _adamax_update(theta, grad, state, scalars, hp, lr, step)
    elif rule == _adam.RULE_NADAM:
        _nadam_update(theta, grad, state, scalars, hp, lr, step)
    elif rule == _adam.RULE_RADAM:
        _radam_update(theta, grad, state, scalars, hp, lr, step)
    elif rule == _rprop.RULE_RPROP:
        _rprop_update(theta, grad, state, scalars, hp, lr, step)
    elif rule == _lion.RULE_LION:
        _lion_update(theta, grad, state, scalars, hp, lr, step)
    elif rule == _lars.RULE_LARS:
        _lars_update(theta, grad, state, scalars, hp, lr, step, layers)
    else:
        raise ValueError("unknown update rule")


@njit(**JIT)
def controller_step(code, cstate, hp, lr, loss_before, loss_after):
    """Run the schedule controller ``code`` after an epoch: returns ``(lr, accept, stop)``."""
    if code == _basic.CTRL_BOLD_DRIVER:
        return _bold_driver_step(cstate, hp, lr, loss_before, loss_after)
    if code == _plateau.CTRL_PLATEAU:
        return _plateau_step(cstate, hp, lr, loss_before, loss_after)
    if code == _sklearn.CTRL_ADAPTIVE:
        return _adaptive_step(cstate, hp, lr, loss_before, loss_after)
    return lr, True, False
