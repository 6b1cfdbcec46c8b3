"""One hash of every source file the compiled kernels are built from (no Numba needed).

Numba's cache (:mod:`dlbench.kernels._cache`) and the ahead-of-time module
(:mod:`dlbench.kernels.native`) are both keyed on it, so editing a rule, a schedule or a kernel
recompiles both.
"""

from __future__ import annotations

import hashlib
from pathlib import Path

PACKAGE = Path(__file__).resolve().parent.parent
SOURCES = ("kernels", "optimizers", "schedules")
PYTHON_ONLY = frozenset({"kernels/stamp.py", "kernels/_cache.py", "kernels/warm.py", "kernels/native.py",
                         "kernels/openblas.py"})
"""Files under :data:`SOURCES` that no compiled function is built from (how compiling is driven,
cached and found): editing them keeps the caches."""


def _stamp() -> str:
    digest = hashlib.sha256()
    for part in SOURCES:
        root = PACKAGE / part
        for path in sorted(root.rglob("*.py")) if root.is_dir() else [root]:
            if path.relative_to(PACKAGE).as_posix() in PYTHON_ONLY:
                continue
            digest.update(path.relative_to(PACKAGE).as_posix().encode())
            digest.update(path.read_bytes())
    return digest.hexdigest()


STAMP = _stamp()
