"""The schedule registry: one table from name to :class:`~dlbench.schedules.base.Schedule`."""

from __future__ import annotations

from ..errors import ConfigError
from . import basic, cyclic, decay, plateau, sklearn, wsd
from .base import CTRL_NONE, Schedule

__all__ = ["Schedule", "SCHEDULES", "get_schedule", "CTRL_NONE"]

SCHEDULES: dict[str, Schedule] = {}
for _module in (basic, decay, cyclic, wsd, plateau, sklearn):
    for _s in _module.SCHEDULES:
        assert _s.name not in SCHEDULES, _s.name
        SCHEDULES[_s.name] = _s


def get_schedule(name: str) -> Schedule:
    """The record registered under ``name``; an unknown name lists the valid ones."""
    try:
        return SCHEDULES[name]
    except (KeyError, TypeError):
        raise ConfigError(f"Unknown schedule {name!r}. Valid schedules: {', '.join(SCHEDULES)}.") from None
