"""Child processes that import the very dlbench this process runs.

``python -m dlbench.x`` puts the current folder first on ``sys.path``: run from a checkout with
dlbench installed elsewhere (as CI does: ``pip install .`` in the checkout), the child would
import the checkout's copy, compile kernels into *its* cache and build *its* native module, and
the parent would find neither. :func:`module_argv` runs the module with this package's own
folder first instead, keeping the current folder (relative paths mean the same in the child).
"""

from __future__ import annotations

import sys
from pathlib import Path

ROOT = str(Path(__file__).resolve().parent.parent)
"""The folder that holds the ``dlbench`` package this process imported."""


def module_argv(module: str, *args: str) -> list[str]:
    """``[python, ...]`` that runs ``module`` as ``__main__`` with ``args``, importing dlbench
    from :data:`ROOT`."""
    code = (f"import runpy, sys; sys.path.insert(0, {ROOT!r}); "
            f"runpy.run_module({module!r}, run_name='__main__', alter_sys=True)")
    return [sys.executable, "-c", code, *args]
