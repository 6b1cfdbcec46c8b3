"""The network: what it is (:mod:`.spec`: layers, activations, tasks, losses, layout) and its
parameters with their initialisation (:mod:`.params`). Loaded on first use, so the command line
can list activations and tasks without NumPy."""

from __future__ import annotations

from .._lazy import lazy

_EXPORTS = {"INITS": "params", "Params": "params", "init_params": "params", "n_params": "spec", "Network": "spec"}

__all__ = list(_EXPORTS)

__getattr__, __dir__ = lazy(__name__, _EXPORTS)
