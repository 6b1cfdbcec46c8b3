"""The optimizer registry: one table from name to :class:`~dlbench.optimizers.base.Optimizer`.

Each module here holds one family's update rule(s) and records; to add an optimizer, write its
rule and record in a module, list the module below and give the rule a branch in
:mod:`dlbench.kernels.dispatch`. Wrappers (:data:`WRAPPERS`: ``lookahead``, ``sam``) wrap any other
optimizer: ``WRAPPER:BASE`` names (``lookahead:adam``) are built on demand
(:mod:`dlbench.optimizers.wrap`); the plain name takes ``base`` as a hyperparameter.
"""

from __future__ import annotations

from ..errors import ConfigError
from . import adafactor, asgd, lamb, muon
from . import lookahead, mars, prodigy, sam, schedulefree, shampoo, soap
from . import adabelief, adam, adan, ademamix, adopt, adaptive, lars, lbfgs, lion, rprop, sgd, yogi
from .base import Optimizer
from .wrap import plain, split_name, wrapped

__all__ = ["Optimizer", "OPTIMIZERS", "GROUPS", "get_optimizer", "optimizer_names", "expand_names", "WRAPPERS"]

OPTIMIZERS: dict[str, Optimizer] = {}
for _module in (sgd, adaptive, adam, rprop, lion, lars, lbfgs, adabelief, yogi, adan, adopt, ademamix, asgd, adafactor, lamb,
                muon, mars, prodigy, schedulefree, shampoo, soap):
    for _opt in _module.OPTIMIZERS:
        assert _opt.name not in OPTIMIZERS, _opt.name
        OPTIMIZERS[_opt.name] = _opt

WRAPPERS = {w.name: w for w in (lookahead.WRAPPER, sam.WRAPPER)}
"""Optimizers that wrap another (``WRAPPER:BASE``). A base is any registered optimizer except the
wrappers, L-BFGS (its own kernel, not an update rule) and the schedule-free pair (evaluated at a
point of their own state)."""
_BASES = {name: opt for name, opt in OPTIMIZERS.items()
          if opt.rule not in (lbfgs.RULE_LBFGS, schedulefree.RULE_SF_SGD, schedulefree.RULE_SF_ADAMW)}
for _wrapper in WRAPPERS.values():
    OPTIMIZERS[_wrapper.name] = plain(_wrapper, _BASES)


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
AdEMAMix, MARS, Prodigy, Shampoo, SOAP, ...); ``every``, both."""


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
    """The record registered under ``name`` (or built for ``WRAPPER:BASE``); an unknown name lists
    the valid ones."""
    split = split_name(name, WRAPPERS)
    if split is not None:
        wrapper, base = split
        if base not in _BASES:
            raise ConfigError(f"Unknown optimizer {name!r}: {wrapper.name} wraps one of {', '.join(_BASES)} "
                              f"(got {base!r}).")
        return wrapped(wrapper, _BASES[base])
    try:
        return OPTIMIZERS[name]
    except (KeyError, TypeError):
        raise ConfigError(f"Unknown optimizer {name!r}. Valid optimizers: {', '.join(OPTIMIZERS)} "
                          f"(or a group: {', '.join(GROUPS)}; or WRAPPER:BASE, e.g. lookahead:adam).") from None
