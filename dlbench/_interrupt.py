"""Ctrl-C that stops training cleanly.

Python delivers SIGINT between bytecodes; inside a compiled kernel it would surface in the middle
of Numba's object-mode clock reads as a ``SystemError``. Instead, while :func:`interruptible` is
active (in the main thread), the first Ctrl-C only raises a flag: the kernels check it every epoch
and return early, :func:`dlbench.train` then raises :class:`KeyboardInterrupt` in plain Python,
and a comparison keeps every run that finished. A second Ctrl-C interrupts the usual way.
"""

from __future__ import annotations

import contextlib
import signal
import threading

import numpy as np

STOP = np.zeros(1, dtype=np.int64)
"""Read by the training kernel every epoch: non-zero means stop now."""

_depth = [0]


def requested() -> bool:
    return bool(STOP[0])


@contextlib.contextmanager
def interruptible():
    """Within this block, Ctrl-C asks running kernels to stop instead of raising (nestable; only
    the main thread installs the handler)."""
    if threading.current_thread() is not threading.main_thread() or _depth[0]:
        _depth[0] += 1
        try:
            yield
        finally:
            _depth[0] -= 1
        return
    previous = signal.getsignal(signal.SIGINT)

    def handler(signum, frame):
        STOP[0] = 1
        signal.signal(signal.SIGINT, previous)  # a second Ctrl-C interrupts at once

    STOP[0] = 0
    signal.signal(signal.SIGINT, handler)
    _depth[0] += 1
    try:
        yield
    finally:
        _depth[0] -= 1
        signal.signal(signal.SIGINT, previous)
        STOP[0] = 0
