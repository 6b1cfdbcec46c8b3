"""Folders dlbench writes its compiled code to: whether one is writable, and the user-wide cache.
Numba's cache (:mod:`dlbench.cli._cachedir`), the native module (:mod:`dlbench.kernels.native`)
and the compile progress (:mod:`dlbench.kernels.warm`) share these."""

from __future__ import annotations

import os
from pathlib import Path

__all__ = ["user_cache", "writable"]


def writable(folder: Path) -> bool:
    """Whether ``folder`` exists and is writable, or could be made (its nearest existing parent is)."""
    folder = Path(folder)
    while not folder.exists():
        if folder.parent == folder:
            return False
        folder = folder.parent
    return folder.is_dir() and os.access(folder, os.W_OK | os.X_OK)


def user_cache(name: str) -> Path:
    """``$XDG_CACHE_HOME/NAME``, else ``~/.cache/NAME`` (where Numba's user-wide cache is ``numba``)."""
    xdg = os.environ.get("XDG_CACHE_HOME")
    return (Path(xdg) if xdg else Path(os.path.expanduser("~")) / ".cache") / name
