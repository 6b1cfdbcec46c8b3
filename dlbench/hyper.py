"""Declarative hyperparameters: name, default, type and range, checked once at the edge.

Optimizers and schedules declare their hyperparameters as :class:`Hyper` records; the Python API
checks user values against them with one message template (see :func:`dlbench.errors.invalid`).
Kernels never validate.
"""

from __future__ import annotations

import math
import numbers
from dataclasses import dataclass
from typing import Any, Mapping, Sequence

from .errors import ConfigError, invalid

__all__ = ["Hyper", "check_values", "check_int"]

_KINDS = ("float", "int", "bool", "choice", "pair", "ints", "str")


@dataclass(frozen=True)
class Hyper:
    """One hyperparameter.

    ``kind`` is one of ``float``, ``int``, ``bool``, ``choice`` (one of ``choices``), ``pair``
    (two floats, each in the range), ``ints`` (a list of non-negative integers, e.g. milestones) or
    ``str`` (free text, e.g. the name of a chained schedule). ``low``/``high`` bound numbers;
    ``low_open``/``high_open`` make a bound exclusive.
    """

    name: str
    default: Any
    doc: str
    kind: str = "float"
    low: float | None = None
    high: float | None = None
    low_open: bool = False
    high_open: bool = False
    choices: tuple = ()

    def __post_init__(self):
        assert self.kind in _KINDS, self.kind

    def describe(self) -> str:
        """The expected value in words, e.g. ``a float in [0, 1)``."""
        if self.kind == "bool":
            return "a boolean (true or false)"
        if self.kind == "choice":
            return "one of " + ", ".join(repr(c) for c in self.choices)
        if self.kind == "str":
            return "a string"
        if self.kind == "ints":
            return "a list of non-negative integers"
        noun = {"float": "a float", "int": "an integer", "pair": "two floats"}[self.kind]
        if self.low is None and self.high is None:
            return f"{noun} (finite)"
        lo = "-inf" if self.low is None else _fmt(self.low)
        hi = "inf" if self.high is None else _fmt(self.high)
        left = "(" if self.low_open or self.low is None else "["
        right = ")" if self.high_open or self.high is None else "]"
        each = " each" if self.kind == "pair" else ""
        return f"{noun}{each} in {left}{lo}, {hi}{right}"

    def check(self, value: Any, owner: str) -> Any:
        """Return ``value`` converted to its kind, or raise :class:`ConfigError`."""
        bad = invalid(self.name, owner, self.describe(), value)
        if self.kind == "bool":
            if isinstance(value, bool):
                return value
            if isinstance(value, str) and value.lower() in ("true", "false", "1", "0", "yes", "no"):
                return value.lower() in ("true", "1", "yes")
            if isinstance(value, (int, float)) and value in (0, 1):
                return bool(value)
            raise bad
        if self.kind == "choice":
            if value in self.choices:
                return value
            raise bad
        if self.kind == "str":
            if isinstance(value, str):
                return value
            raise bad
        if self.kind == "ints":
            if isinstance(value, str):
                value = [v for v in value.replace(",", " ").split() if v]
            try:
                out = tuple(_as_int(v) for v in value)
            except (TypeError, ValueError):
                raise bad from None
            if any(v < 0 for v in out):
                raise bad
            return out
        if self.kind == "pair":
            if isinstance(value, str):
                value = [v for v in value.replace(",", " ").split() if v]
            try:
                a, b = (float(v) for v in value)
            except (TypeError, ValueError):
                raise bad from None
            if not (self._in_range(a) and self._in_range(b)):
                raise bad
            return (a, b)
        try:
            number = _as_int(value) if self.kind == "int" else _as_float(value)
        except (TypeError, ValueError):
            raise bad from None
        if not self._in_range(number):
            raise bad
        return number

    def _in_range(self, x: float) -> bool:
        if not math.isfinite(x):
            return False
        if self.low is not None and (x < self.low or (self.low_open and x == self.low)):
            return False
        if self.high is not None and (x > self.high or (self.high_open and x == self.high)):
            return False
        return True


def _fmt(x: float) -> str:
    return f"{x:g}"


def _as_float(value: Any) -> float:
    if isinstance(value, bool):
        raise TypeError("bool is not a number")
    return float(value)


def _as_int(value: Any) -> int:
    if isinstance(value, bool):
        raise TypeError("bool is not an integer")
    if isinstance(value, float):
        if not value.is_integer():
            raise ValueError("not an integer")
        return int(value)
    if isinstance(value, str):
        return int(value.strip())
    return int(value)


def check_values(hypers: Sequence[Hyper], values: Mapping[str, Any], owner: str) -> dict[str, Any]:
    """Defaults overlaid with checked ``values``; an unknown name lists the valid ones."""
    known = {h.name: h for h in hypers}
    unknown = [k for k in values if k not in known]
    if unknown:
        valid = ", ".join(known) if known else "none"
        raise ConfigError(
            f"{owner} does not take the hyperparameter '{unknown[0]}'. Valid hyperparameters: {valid}."
        )
    out = {h.name: h.default for h in hypers}
    for name, value in values.items():
        out[name] = known[name].check(value, owner)
    return out


def check_int(value: Any, name: str, owner: str, low: int = 0, high: int | None = None) -> int:
    """``value`` as an ``int`` if it is an integer (not a bool) in ``[low, high)``, else the usual
    :class:`ConfigError`. The one check behind every count, size and seed argument."""
    if isinstance(value, bool) or not isinstance(value, numbers.Integral) or value < low or (high is not None and value >= high):
        expected = f"an integer >= {low}" if high is None else f"an integer in [{low}, {high})"
        raise invalid(name, owner, expected, value)
    return int(value)
