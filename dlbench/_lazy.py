"""Lazy re-exports for package ``__init__`` modules: attributes load their submodule on first
use, so ``import dlbench`` (and the command line's ``--help``) does not import NumPy, Numba or
pandas until something needs them."""

from __future__ import annotations

import importlib


def lazy(package: str, exports: dict[str, str], eager=()):
    """``(__getattr__, __dir__)`` for ``package`` whose attribute ``name`` lives in submodule
    ``exports[name]``; ``eager`` names what the package defines itself."""
    names = sorted({*exports, *eager})

    def __getattr__(name: str):
        if name in exports:
            module = importlib.import_module(f".{exports[name]}", package)
            value = getattr(module, name)
            setattr(importlib.import_module(package), name, value)
            return value
        raise AttributeError(f"module {package!r} has no attribute {name!r}")

    def __dir__():
        return names

    return __getattr__, __dir__
