"""The optimizer registry: one table from name to :class:`~dlbench.optimizers.base.Optimizer`.

Each module here holds one family's update rule(s) and records; to add an optimizer, write its
rule and record in a module, list the module below and give the rule a branch in
:mod:`dlbench.kernels.dispatch`.
"""

from __future__ import annotations

from ..errors import ConfigError
from . import adafactor, asgd, lamb, muon
from . import mars, prodigy, shampoo
from . import adabelief, adam, adan, ademamix, adopt, adaptive, lars, lbfgs, lion, rprop, sgd, yogi
from .base import Optimizer

__all__ = ["Optimizer", "OPTIMIZERS", "GROUPS", "get_optimizer", "optimizer_names", "expand_names"]

OPTIMIZERS: dict[str, Optimizer] = {}
for _module in (sgd, adaptive, adam, rprop, lion, lars, lbfgs, adabelief, yogi, adan, adopt, ademamix, asgd, adafactor, lamb, muon, mars, prodigy, shampoo):
    for _opt in _module.OPTIMIZERS:
        assert _opt.name not in OPTIMIZERS, _opt.name
        OPTIMIZERS[_opt.name] = _opt


CLASSIC = ("gd", "sgd", "minibatch", "dynamic", "momentum", "nesterov", "adagrad", "rmsprop", "adadelta", "adam",
           "amsgrad", "adamw", "adamax", "nadam", "radam", "rprop", "lion", "lbfgs")
GROUPS: dict[str, tuple[str, ...]] = {
    "all": CLASSIC,
    "all-2026": tuple(name for name in OPTIMIZERS if name not in CLASSIC),
    "every": tuple(OPTIMIZERS),
}
"""Names that stand for several optimizers: ``all``, the established set (the article's methods and
the ``torch.optim`` generation, dlbench 0.1's registry, what ``dlbench compare all`` runs);
``all-2026``, the newer ones (LARS, LAMB, Muon, Adafactor, ASGD, AdaBelief, Yogi, Adan, ADOPT,
AdEMAMix, MARS, Prodigy, Shampoo, ...); ``every``, both."""


def expand_names(names) -> list[str]:
    """Optimizer names with the :data:`GROUPS` replaced by their members (order kept, no repeats);
    an unknown name raises :class:`ConfigError`."""
    out: list[str] = []
    for name in names:
        for member in GROUPS.get(name, (name,)):
            get_optimizer(member)
            if member not in out:
                out.append(member)
    return out


def optimizer_names() -> list[str]:
    return list(OPTIMIZERS)


def get_optimizer(name: str) -> Optimizer:
    """The record registered under ``name``; an unknown name lists the valid ones."""
    try:
        return OPTIMIZERS[name]
    except (KeyError, TypeError):
        raise ConfigError(f"Unknown optimizer {name!r}. Valid optimizers: {', '.join(OPTIMIZERS)} "
                          f"(or a group: {', '.join(GROUPS)}).") from None
