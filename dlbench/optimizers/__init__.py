"""The optimizer registry: one table from name to :class:`~dlbench.optimizers.base.Optimizer`.

Each module here holds one family's update rule(s) and records; to add an optimizer, write its
rule and record in a module, list the module below and give the rule a branch in
:mod:`dlbench.kernels.dispatch`.
"""

from __future__ import annotations

from ..errors import ConfigError
from . import adafactor, asgd, lamb, muon
from . import adabelief, adam, adan, ademamix, adopt, adaptive, lars, lbfgs, lion, rprop, sgd, yogi
from .base import Optimizer

__all__ = ["Optimizer", "OPTIMIZERS", "get_optimizer", "optimizer_names"]

OPTIMIZERS: dict[str, Optimizer] = {}
for _module in (sgd, adaptive, adam, rprop, lion, lars, lbfgs, adabelief, yogi, adan, adopt, ademamix, asgd, adafactor, lamb, muon):
    for _opt in _module.OPTIMIZERS:
        assert _opt.name not in OPTIMIZERS, _opt.name
        OPTIMIZERS[_opt.name] = _opt


def optimizer_names() -> list[str]:
    return list(OPTIMIZERS)


def get_optimizer(name: str) -> Optimizer:
    """The record registered under ``name``; an unknown name lists the valid ones."""
    try:
        return OPTIMIZERS[name]
    except (KeyError, TypeError):
        raise ConfigError(f"Unknown optimizer {name!r}. Valid optimizers: {', '.join(OPTIMIZERS)}.") from None
