"""The one place where Numba flags are set.

``fastmath`` is off on purpose: kernels must keep IEEE semantics so that NaN and infinity
propagate (divergence detection relies on it) and so that results match the NumPy reference to
rounding. ``error_model="numpy"`` makes a division by zero give inf/NaN instead of raising.
``cache=True`` writes compiled code next to the module (or, when that folder is read-only, to
Numba's user-wide cache folder) so compile time is paid once per install.
"""

JIT = dict(cache=True, nogil=True, fastmath=False, error_model="numpy")
