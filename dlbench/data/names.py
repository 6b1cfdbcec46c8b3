"""The names of every problem, importable without NumPy (for the command line's choices).

:data:`dlbench.data.PROBLEMS` holds the same names, in this order, with their generators; a test
keeps the two equal.
"""

SYNTHETIC_NAMES = ("random", "teacher", "linear", "xor", "circles", "blobs", "spirals", "regression")
BUNDLED_NAMES = ("breast_cancer", "iris", "wine", "digits", "diabetes")
PROBLEM_NAMES = SYNTHETIC_NAMES + BUNDLED_NAMES
