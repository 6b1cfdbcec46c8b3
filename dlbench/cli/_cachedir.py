"""Where Numba may cache the compiled kernels: a read-only install, cache and home must not end in
``RuntimeError: cannot cache function``.

Numba caches a ``cache=True`` function in ``NUMBA_CACHE_DIR`` when set, else in ``__pycache__``
beside its source file, else in the user-wide cache folder (``$XDG_CACHE_HOME/numba`` or
``~/.cache/numba``), and raises when none of them is writable. :func:`ensure_cache_dir` checks
that beforehand and, when nothing is writable, points ``NUMBA_CACHE_DIR`` at a new temporary
folder (the kernels then compile once per process, uncached on disk between runs).
"""

from __future__ import annotations

import os
import sys
import tempfile
from pathlib import Path

from .._paths import user_cache, writable

__all__ = ["ensure_cache_dir", "writable"]


def _candidates() -> list[Path]:
    kernels = Path(__file__).resolve().parent.parent / "kernels" / "__pycache__"
    return [kernels, user_cache("numba")]


def ensure_cache_dir() -> str | None:
    """Make sure Numba has a writable cache folder; returns a warning to print when it had none
    (and ``NUMBA_CACHE_DIR`` now names a fresh temporary folder), else ``None``."""
    given = os.environ.get("NUMBA_CACHE_DIR")
    if given and writable(Path(given)):
        return None
    if not given and any(writable(p) for p in _candidates()):
        return None
    try:
        folder = tempfile.mkdtemp(prefix="dlbench-numba-cache-")
    except OSError:
        return None  # nowhere to write at all: Numba's own error says so
    os.environ["NUMBA_CACHE_DIR"] = folder
    config = sys.modules.get("numba.core.config")
    if config is not None:
        config.CACHE_DIR = folder
    where = f"NUMBA_CACHE_DIR ({given}) is not writable" if given else \
        "Neither dlbench's install nor the home cache folder is writable"
    return (f"{where}: caching compiled kernels in {folder} for this run only (they are compiled again "
            "next time).")
