"""The one place where Numba flags are set.

``fastmath`` follows stumpy's choice: it allows reassociation and FMA contraction (so sums and
dot products vectorise) but leaves out ``nnan`` and ``ninf`` on purpose, so NaN and infinity still
propagate and divergence is detected, and leaves out ``arcp`` so that divisions (accuracy, rates)
are exact. Results stay bit-identical from run to run on one machine; they differ from the NumPy
reference only by rounding (the tests bound that). ``error_model="numpy"`` makes a division by
zero give inf/NaN instead of raising. ``cache=True`` writes compiled code to disk (see
:mod:`dlbench.kernels._cache`) so compile time is paid once per install. ``nogil=True`` lets
kernels run in parallel threads.
"""

JIT = dict(cache=True, nogil=True, fastmath={"nsz", "contract", "afn", "reassoc"}, error_model="numpy")
