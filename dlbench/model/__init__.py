"""The network: what it is (:mod:`.spec`: layers, activations, tasks, losses, layout) and its
parameters with their initialisation (:mod:`.params`). Loaded on first use, so the command line
can list activations and tasks without NumPy."""

from __future__ import annotations

import importlib

_EXPORTS = {"INITS": "params", "Params": "params", "init_params": "params", "n_params": "spec", "Network": "spec"}

__all__ = list(_EXPORTS)


def __getattr__(name: str):
    if name in _EXPORTS:
        value = getattr(importlib.import_module(f".{_EXPORTS[name]}", __name__), name)
        globals()[name] = value
        return value
    raise AttributeError(f"module 'dlbench.model' has no attribute {name!r}")


def __dir__():
    return sorted(__all__)
