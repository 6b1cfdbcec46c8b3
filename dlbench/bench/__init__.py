"""Benchmarks that print figures (never timed unit tests): :mod:`.speed` (kernel vs NumPy
reference, start-up, parallel runs) and :mod:`.networks` (network sizes vs NumPy and PyTorch)."""

from .networks import fp64_peak, networks
from .speed import kernel_vs_reference, parallel_speedup, startup

__all__ = ["kernel_vs_reference", "startup", "parallel_speedup", "networks", "fp64_peak"]
