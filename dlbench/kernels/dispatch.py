"""Compiled dispatch from rule and controller codes to the update rules and schedule controllers.

Two entry points: :func:`apply_established` holds the rules of the established optimizers,
:func:`apply_update` every rule (the newer ones, then the established ones). The loop is compiled
once per entry point (:func:`dlbench.kernels.loop.loop_for`), so a command that uses only
established optimizers (``compare all``) never compiles the newer rules.

The rules themselves are plain functions in :mod:`dlbench.optimizers` and
:mod:`dlbench.schedules` (so those modules import without Numba); they are compiled here.
"""

from __future__ import annotations

import numpy as _np

from ._config import JIT, njit
from .codes import ESTABLISHED_RULES  # noqa: F401  (re-exported)
from . import lapack as _lapack
from ..optimizers import adafactor as _adafactor
from ..optimizers import adam as _adam
from ..optimizers import asgd as _asgd
from ..optimizers import lamb as _lamb
from ..optimizers import mars as _mars
from ..optimizers import prodigy as _prodigy
from ..optimizers import shampoo as _shampoo
from ..optimizers import soap as _soap
from ..optimizers import muon as _muon
from ..optimizers import adabelief as _adabelief
from ..optimizers import adan as _adan
from ..optimizers import ademamix as _ademamix
from ..optimizers import adopt as _adopt
from ..optimizers import yogi as _yogi
from ..optimizers import adaptive as _adaptive
from ..optimizers import lars as _lars
from ..optimizers import lion as _lion
from ..optimizers import rprop as _rprop
from ..optimizers import sgd as _sgd
from ..optimizers import lookahead as _lookahead
from ..optimizers import sam as _sam
from ..optimizers import schedulefree as _sf
from ..schedules import basic as _basic
from ..schedules import plateau as _plateau
from ..schedules import sklearn as _sklearn



def _compile_helpers(*modules, jit=None):
    """Compile the helpers the rules call (marked ``@jitable`` in :mod:`dlbench.optimizers.base`)
    where the rules see them, once each, before the rules themselves are compiled."""
    compiled: dict = {}
    for module in modules:
        for name, obj in list(vars(module).items()):
            if getattr(obj, "_dlbench_jitable", False):
                if id(obj) not in compiled:
                    compiled[id(obj)] = njit(**(JIT if jit is None else jit))(obj)
                setattr(module, name, compiled[id(obj)])


_compile_helpers(_mars, _prodigy, _shampoo, _adam, _ademamix, _adopt, _lion, _adabelief, _adan, _yogi, _adafactor, _asgd, _lamb,
                 _muon, _lars, _adaptive, _rprop, _sgd, _sam, _sf)

_soap.np = _np
_soap.qr_lapack = _lapack.qr_lapack
_compile_helpers(_soap, jit={**JIT, "fastmath": False})  # exact float32 rounding in qr_f32

_sgd_update = njit(**JIT)(_sgd.sgd_update)
_sgd_sklearn_update = njit(**JIT)(_sgd.sgd_sklearn_update)
_adagrad_update = njit(**JIT)(_adaptive.adagrad_update)
_rmsprop_update = njit(**JIT)(_adaptive.rmsprop_update)
_adadelta_update = njit(**JIT)(_adaptive.adadelta_update)
_adam_update = njit(**JIT)(_adam.adam_update)
_adabelief_update = njit(**JIT)(_adabelief.adabelief_update)
_yogi_update = njit(**JIT)(_yogi.yogi_update)
_adan_update = njit(**JIT)(_adan.adan_update)
_adopt_update = njit(**JIT)(_adopt.adopt_update)
_ademamix_update = njit(**JIT)(_ademamix.ademamix_update)
_adamax_update = njit(**JIT)(_adam.adamax_update)
_nadam_update = njit(**JIT)(_adam.nadam_update)
_radam_update = njit(**JIT)(_adam.radam_update)
_rprop_update = njit(**JIT)(_rprop.rprop_update)
_lion_update = njit(**JIT)(_lion.lion_update)
_lars_update = njit(**JIT)(_lars.lars_update)
_asgd_update = njit(**JIT)(_asgd.asgd_update)
_adafactor_update = njit(**JIT)(_adafactor.adafactor_update)
_lamb_update = njit(**{**JIT, "fastmath": False})(_lamb.lamb_update)  # exact float32 rounding for pre_norm
_muon_update = njit(**{**JIT, "fastmath": False})(_muon.muon_update)  # exact bfloat16 / float32 rounding
_mars_update = njit(**JIT)(_mars.mars_update)
_prodigy_update = njit(**JIT)(_prodigy.prodigy_update)
_sf_sgd_update = njit(**JIT)(_sf.sf_sgd_update)
_sf_adamw_update = njit(**JIT)(_sf.sf_adamw_update)
_sf_eval_point = njit(**JIT)(_sf.sf_eval_point)
_lookahead_start = njit(**JIT)(_lookahead.lookahead_start)
_lookahead_sync = njit(**JIT)(_lookahead.lookahead_sync)
sam_perturb = njit(**{**JIT, "fastmath": False})(_sam.sam_perturb)  # exact float32 rounding of the norm
sam_restore = njit(**JIT)(_sam.sam_restore)
_shampoo_update = njit(**JIT)(_shampoo.shampoo_update)
_soap_update = njit(**{**JIT, "fastmath": False})(_soap.soap_update)
_bold_driver_step = njit(**JIT)(_basic.bold_driver_step)
_plateau_step = njit(**JIT)(_plateau.plateau_step)
_adaptive_step = njit(**JIT)(_sklearn.adaptive_step)


@njit(**JIT)
def apply_established(rule, theta, grad, state, scalars, hp, lr, step, layers):
    """Apply the established update rule with code ``rule`` (one of :data:`ESTABLISHED_RULES`)
    in place. ``layers`` is the parameter layout (:func:`dlbench.model.spec.layout`), passed on
    to the rules that work per layer."""
    if rule == _sgd.RULE_SGD:
        _sgd_update(theta, grad, state, scalars, hp, lr, step)
    elif rule == _adaptive.RULE_ADAGRAD:
        _adagrad_update(theta, grad, state, scalars, hp, lr, step)
    elif rule == _adaptive.RULE_RMSPROP:
        _rmsprop_update(theta, grad, state, scalars, hp, lr, step)
    elif rule == _adaptive.RULE_ADADELTA:
        _adadelta_update(theta, grad, state, scalars, hp, lr, step)
    elif rule == _adam.RULE_ADAM:
        _adam_update(theta, grad, state, scalars, hp, lr, step, layers)
    elif rule == _adam.RULE_ADAMAX:
        _adamax_update(theta, grad, state, scalars, hp, lr, step, layers)
    elif rule == _adam.RULE_NADAM:
        _nadam_update(theta, grad, state, scalars, hp, lr, step, layers)
    elif rule == _adam.RULE_RADAM:
        _radam_update(theta, grad, state, scalars, hp, lr, step, layers)
    elif rule == _rprop.RULE_RPROP:
        _rprop_update(theta, grad, state, scalars, hp, lr, step)
    elif rule == _lion.RULE_LION:
        _lion_update(theta, grad, state, scalars, hp, lr, step, layers)
    elif rule == _sgd.RULE_SGD_SKLEARN:
        _sgd_sklearn_update(theta, grad, state, scalars, hp, lr, step, layers)
    else:
        raise ValueError("unknown update rule")


@njit(**JIT)
def _apply_rule(rule, theta, grad, state, scalars, hp, lr, step, layers):
    """The update rule with code ``rule`` (not a wrapper): the newer rules here, the established
    ones through :func:`apply_established`. A new rule is one branch here (or, if it belongs to
    the ``all`` group, one in :func:`apply_established` and its code in :data:`ESTABLISHED_RULES`)."""
    if rule == _lars.RULE_LARS:
        _lars_update(theta, grad, state, scalars, hp, lr, step, layers)
    elif rule == _asgd.RULE_ASGD:
        _asgd_update(theta, grad, state, scalars, hp, lr, step)
    elif rule == _adafactor.RULE_ADAFACTOR:
        _adafactor_update(theta, grad, state, scalars, hp, lr, step, layers)
    elif rule == _lamb.RULE_LAMB:
        _lamb_update(theta, grad, state, scalars, hp, lr, step, layers)
    elif rule == _muon.RULE_MUON:
        _muon_update(theta, grad, state, scalars, hp, lr, step, layers)
    elif rule == _adabelief.RULE_ADABELIEF:
        _adabelief_update(theta, grad, state, scalars, hp, lr, step)
    elif rule == _yogi.RULE_YOGI:
        _yogi_update(theta, grad, state, scalars, hp, lr, step)
    elif rule == _adan.RULE_ADAN:
        _adan_update(theta, grad, state, scalars, hp, lr, step)
    elif rule == _adopt.RULE_ADOPT:
        _adopt_update(theta, grad, state, scalars, hp, lr, step, layers)
    elif rule == _ademamix.RULE_ADEMAMIX:
        _ademamix_update(theta, grad, state, scalars, hp, lr, step, layers)
    elif rule == _mars.RULE_MARS:
        _mars_update(theta, grad, state, scalars, hp, lr, step, layers)
    elif rule == _prodigy.RULE_PRODIGY:
        _prodigy_update(theta, grad, state, scalars, hp, lr, step, layers)
    elif rule == _sf.RULE_SF_SGD:
        _sf_sgd_update(theta, grad, state, scalars, hp, lr, step)
    elif rule == _sf.RULE_SF_ADAMW:
        _sf_adamw_update(theta, grad, state, scalars, hp, lr, step)
    elif rule == _shampoo.RULE_SHAMPOO:
        _shampoo_update(theta, grad, state, scalars, hp, lr, step, layers)
    elif rule == _soap.RULE_SOAP:
        _soap_update(theta, grad, state, scalars, hp, lr, step, layers)
    else:
        apply_established(rule, theta, grad, state, scalars, hp, lr, step, layers)


@njit(**JIT)
def apply_update(rule, theta, grad, state, scalars, hp, lr, step, layers):
    """Apply the update rule with code ``rule`` in place. ``layers`` is the parameter layout
    (:func:`dlbench.model.spec.layout`), passed on to the rules that work per layer. A wrapper's
    base rule is ``hp[-1]`` (:mod:`dlbench.optimizers.wrap`); SAM's perturbation and second
    gradient are the loop's (:func:`sam_perturb`), its update is the base's. The ``all`` group's
    loop copy calls :func:`apply_established` instead (:func:`dlbench.kernels.loop.loop_for`)."""
    if rule == _lookahead.RULE_LOOKAHEAD:
        _lookahead_start(theta, state, hp, step)
        _apply_rule(int(hp[hp.shape[0] - 1]), theta, grad, state, scalars, hp, lr, step, layers)
        _lookahead_sync(theta, state, hp, step)
    elif rule == _sam.RULE_SAM:
        _apply_rule(int(hp[hp.shape[0] - 1]), theta, grad, state, scalars, hp, lr, step, layers)
    else:
        _apply_rule(rule, theta, grad, state, scalars, hp, lr, step, layers)


@njit(**JIT)
def eval_point(rule, theta, state, hp):
    """Row of ``state`` holding the parameters a rule is evaluated at, filled now from ``theta``
    (schedule-free: ``x``), or -1 when that is ``theta`` itself."""
    if rule == _sf.RULE_SF_SGD or rule == _sf.RULE_SF_ADAMW:
        return _sf_eval_point(theta, state, hp)
    return -1


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
