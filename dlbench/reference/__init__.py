"""Plain NumPy references of everything the kernels compute, for tests and benchmarks.

Independent of the kernels: vectorised NumPy, written from the formulas. Slow on purpose-free
grounds (clarity over speed); the benchmark measures the kernels against them.
"""
