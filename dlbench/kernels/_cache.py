"""Make Numba's on-disk cache aware of every file a kernel is built from.

Numba invalidates a cached function only when the file that *defines* it changes. The training
kernel is assembled from update rules and controllers in other modules, so an edited rule would
silently keep running its stale compiled code. We give dlbench's kernels a source stamp that hashes
every file they can be built from, so any such edit recompiles. Where the cache goes is Numba's
usual choice: ``NUMBA_CACHE_DIR`` if set, else ``__pycache__`` beside the module, else (read-only
installs) Numba's user-wide cache folder.
"""

from __future__ import annotations

from pathlib import Path

from numba.core import caching

from .stamp import PACKAGE as _PACKAGE, STAMP


def _ours(py_file: str) -> bool:
    try:
        return Path(py_file).resolve().is_relative_to(_PACKAGE)
    except OSError:
        return False


def _package_locator(base):
    class Locator(base):
        def get_source_stamp(self):
            return STAMP

        @classmethod
        def from_function(cls, py_func, py_file):
            if not _ours(py_file):
                return None
            return super().from_function(py_func, py_file)

    Locator.__name__ = Locator.__qualname__ = "Dlbench" + base.__name__
    return Locator


def _numba_class(name: str):
    """Numba's caching classes lost their leading underscore in 0.61; accept either spelling."""
    return getattr(caching, name, None) or getattr(caching, "_" + name, None)


def install() -> None:
    """Put dlbench's locators first in Numba's list (idempotent; a no-op if Numba changed)."""
    impl = _numba_class("CacheImpl")
    bases = [_numba_class(n) for n in ("UserProvidedCacheLocator", "InTreeCacheLocator", "UserWideCacheLocator")]
    if impl is None or None in bases or not isinstance(getattr(impl, "_locator_classes", None), list):
        return
    classes = impl._locator_classes
    if any(c.__name__.startswith("Dlbench") for c in classes):
        return
    classes[0:0] = [_package_locator(base) for base in bases]
