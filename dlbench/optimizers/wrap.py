"""Optimizers that wrap another one: the record of ``WRAPPER:BASE`` (``lookahead:adam``, ``sam:sgd``).

A wrapper (:class:`Wrapper`: Lookahead, SAM) adds a few hyperparameters, state slots and a rule
code to any base optimizer. The registry builds the record of ``WRAPPER:BASE`` on demand
(:func:`wrapped`): the base's hyperparameters (defaults, ranges, default learning rate, batch size
and schedule) plus the wrapper's. A wrapper hyperparameter whose name the base already uses is
exposed with the wrapper's name in front (``lookahead_alpha`` around ``ademamix``, which has its
own ``alpha``; ``sam_rho`` around ``adadelta``), as pytorch-optimizer's ``Lookahead.defaults``
names them. The plain name (``lookahead``, ``sam``) takes the base as the hyperparameter
``base = "adam"`` (:func:`plain`), so an experiment file can write ``hyperparameters = { base =
"sgd", k = 10 }``.

Kernel layout: ``state`` holds the base's slots first, then the wrapper's (the base rule never
sees past its own); ``hp`` holds the base's values first (so the base rule reads them at the same
positions as unwrapped), then the wrapper's kernel arguments, then the row of the wrapper's first
slot and the base's rule code: the wrapper rule reads its values from the end of ``hp``.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from typing import Any, Mapping

from ..errors import ConfigError
from ..hyper import Hyper, check_values
from .base import Optimizer

__all__ = ["Wrapper", "Wrapped", "wrapped", "plain", "split_name"]


@dataclass(frozen=True)
class Wrapper:
    """What a wrapper adds to its base optimizer."""

    name: str
    rule: int
    summary: str
    reference: str
    hypers: tuple[Hyper, ...]
    """Its hyperparameters, all passed to the kernel in this order (booleans as 0/1)."""
    extra_slots: int
    default_base: str
    excluded: tuple[str, ...] = ()
    """Rule codes it cannot wrap (besides other wrappers)."""


@dataclass(frozen=True)
class Wrapped(Optimizer):
    """The record of ``WRAPPER:BASE``; with ``plain`` the registry's ``WRAPPER`` itself, whose base
    is the hyperparameter ``base``."""

    wrapper: Wrapper | None = None
    base: Optimizer | None = None
    names: Mapping[str, str] = field(default_factory=dict)
    """Wrapper hyperparameter -> the name it is exposed under (prefixed on a clash with the base)."""
    bases: Mapping[str, Optimizer] | None = None
    """Plain records only: the optimizers ``base`` may name."""

    # --- the plain record delegates to the record of its base ------------------------------------
    def resolve(self, values: Mapping[str, Any]) -> tuple[Optimizer, dict]:
        if self.bases is None:
            return self, dict(values)
        values = dict(values)
        name = values.pop("base", self.wrapper.default_base)
        if name not in self.bases:
            raise ConfigError(f"The 'base' parameter of {self.name} must be one of the optimizers it can wrap: "
                              f"{', '.join(self.bases)}. Got {name!r} instead.")
        return wrapped(self.wrapper, self.bases[name]), values

    def check(self, values: Mapping[str, Any]) -> dict[str, Any]:
        if self.bases is not None:
            spec, rest = self.resolve(values)
            return {**spec.check(rest), "base": spec.base.name}
        checked = check_values(self.hypers, values, self.name)  # unknown names and ranges, in this record's name
        mine = set(self.names.values())
        base_values = self.base.check({k: v for k, v in values.items() if k not in mine})  # the base's own rules
        return {**base_values, **{k: checked[k] for k in mine}}

    def state_size(self, values: Mapping[str, Any], n_samples: int = 0) -> tuple[int, int]:
        if self.bases is not None:
            spec, rest = self.resolve(values)
            return spec.state_size(rest, n_samples)
        n_slots, n_scalars = self.base.state_size(self._base_values(values), n_samples)
        return n_slots + self.wrapper.extra_slots, n_scalars

    def rule_for(self, values: Mapping[str, Any]) -> int:
        return self.wrapper.rule

    def kernel_hp(self, values: Mapping[str, Any]) -> list[float]:
        if self.bases is not None:
            spec, rest = self.resolve(values)
            return spec.kernel_hp(rest)
        base_values = self._base_values(values)
        out = list(self.base.kernel_hp(base_values))
        out += [float(values[self.names[h.name]]) for h in self.wrapper.hypers]
        out += [float(self.base.state_size(base_values)[0]), float(self.base.rule_for(base_values))]
        return out

    def _base_values(self, values: Mapping[str, Any]) -> dict[str, Any]:
        mine = set(self.names.values())
        return {k: v for k, v in values.items() if k not in mine}


def _names(spec: Optimizer) -> set[str]:
    return {h.name for h in spec.hypers}


def _exposed(wrapper: Wrapper, base: Optimizer) -> dict[str, str]:
    taken = _names(base)
    return {h.name: (f"{wrapper.name}_{h.name}" if h.name in taken else h.name) for h in wrapper.hypers}


def wrapped(wrapper: Wrapper, base: Optimizer) -> Wrapped:
    """The record of ``WRAPPER:BASE``."""
    key = (wrapper.name, base.name)
    if key not in _CACHE:
        names = _exposed(wrapper, base)
        own = tuple(replace(h, name=names[h.name]) for h in wrapper.hypers)
        _CACHE[key] = Wrapped(
            f"{wrapper.name}:{base.name}", wrapper.rule, f"{wrapper.summary} Base: {base.name}.",
            f"{wrapper.reference} around {base.reference}", base.default_lr, base.hypers + own,
            batch_size=base.batch_size, schedule=base.schedule, full_batch_only=base.full_batch_only,
            wrapper=wrapper, base=base, names=names,
        )
    return _CACHE[key]


_CACHE: dict = {}


def plain(wrapper: Wrapper, bases: Mapping[str, Optimizer]) -> Wrapped:
    """The registry's ``WRAPPER`` record: the wrapper around ``base`` (a hyperparameter, default
    :attr:`Wrapper.default_base`). Its default learning rate, batch size and schedule are the
    default base's; training resolves it to ``WRAPPER:BASE`` (:meth:`Wrapped.resolve`) before
    taking the base's defaults."""
    base = bases[wrapper.default_base]
    choice = Hyper("base", wrapper.default_base, "the optimizer it wraps (also written WRAPPER:BASE)",
                   kind="choice", choices=tuple(bases))
    return Wrapped(
        wrapper.name, wrapper.rule, f"{wrapper.summary} Base (hyperparameter base): {wrapper.default_base}.",
        wrapper.reference, base.default_lr, wrapper.hypers + (choice,), batch_size=base.batch_size,
        schedule=base.schedule, wrapper=wrapper, base=base, names={h.name: h.name for h in wrapper.hypers},
        bases=dict(bases),
    )


def split_name(name: str, wrappers: Mapping[str, Wrapper]) -> tuple[Wrapper, str] | None:
    """``(wrapper, base name)`` for ``"WRAPPER:BASE"``, or ``None`` when ``name`` is not of that form."""
    if not isinstance(name, str) or ":" not in name:
        return None
    head, _, rest = name.partition(":")
    return (wrappers[head], rest) if head in wrappers else None
