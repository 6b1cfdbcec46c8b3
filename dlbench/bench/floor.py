"""The floor of a network job: what its training would cost if only the unavoidable work were left.

For a job of :mod:`dlbench.bench.networks`, two compiled loops, timed on their own:

- ``products``: the job's matrix products, the very BLAS calls dlbench's kernel makes (same
  shapes, transposes and leading dimensions): for each step a forward and a weight-gradient
  product per layer and an input-gradient product per layer but the first; for mini-batches, the
  forward products of the whole set after each epoch. A one-output top layer is left out: the
  kernel computes it fused with the layer under it, with no BLAS call. Nothing else: no
  activation, loss, derivative, bias, gather or update;
- ``divisions`` (Adam only): the square root and the two divisions per parameter that
  ``torch.optim.Adam``'s update makes (``theta += -s m / (sqrt(v) / c + eps)``), over the job's
  steps, in a loop the compiler vectorises; the moments' own updates left out. gd's update has no
  division and is counted as free.

``floor = products + divisions``, and PyTorch's time over the floor is the highest speed-up over
PyTorch the machine allows an implementation that computes the same products with the same BLAS
and rounds Adam exactly as torch does. Products below the kernel's BLAS threshold
(:data:`dlbench.kernels.network.BLAS_FROM`) are timed through BLAS too: the floor then
overstates what the kernel's own loops would cost, which only matters for the article's job.
"""

from __future__ import annotations

import math
import statistics
import time

import numpy as np

from ..kernels._config import JIT, njit
from ..kernels.blas import NO_TRANS, TRANS, dgemm, find_dgemm

__all__ = ["floor_seconds"]


@njit(entry=True, **JIT)
def _products(fn, sizes, W, A, Z, G, n, batch, epochs):
    """The kernel's BLAS calls for ``epochs`` epochs of ``n`` samples in batches of ``batch``
    (``sizes``: fan_in, fan_out per layer; the buffers are only read and written, not used)."""
    ld = np.int64(min(batch, n))
    L = sizes.shape[0]
    top = L - 1 if L > 1 and sizes[L - 1, 1] == 1 else L  # layers from here on are fused, not BLAS
    for _ in range(epochs):
        for start in range(0, n, batch):
            B = np.int64(min(batch, n - start))
            for l in range(top):
                fi, fo = sizes[l, 0], sizes[l, 1]
                dgemm(fn, np.int64(TRANS), np.int64(NO_TRANS), fo, B, fi, 1.0, np.uint64(W.ctypes.data), fo,
                      np.uint64(A.ctypes.data), ld, 0.0, np.uint64(Z.ctypes.data), ld)
            for l in range(top - 1, -1, -1):
                fi, fo = sizes[l, 0], sizes[l, 1]
                dgemm(fn, np.int64(NO_TRANS), np.int64(TRANS), fi, fo, B, 1.0, np.uint64(A.ctypes.data), ld,
                      np.uint64(Z.ctypes.data), ld, 0.0, np.uint64(G.ctypes.data), fo)
                if l > 0:
                    dgemm(fn, np.int64(NO_TRANS), np.int64(NO_TRANS), fi, B, fo, 1.0, np.uint64(W.ctypes.data), fo,
                          np.uint64(Z.ctypes.data), ld, 0.0, np.uint64(A.ctypes.data), ld)
        for l in range(top if batch < n else 0):  # the epoch's loss over the whole set
            fi, fo = sizes[l, 0], sizes[l, 1]
            dgemm(fn, np.int64(TRANS), np.int64(NO_TRANS), fo, np.int64(n), fi, 1.0, np.uint64(W.ctypes.data), fo,
                  np.uint64(A.ctypes.data), np.int64(n), 0.0, np.uint64(Z.ctypes.data), np.int64(n))


@njit(entry=True, **JIT)
def _divisions(theta, m, v, step_size, bc2_sqrt, eps, steps):
    """``steps`` times Adam's square root and two divisions per parameter (see the module)."""
    for _ in range(steps):
        for i in range(theta.shape[0]):
            theta[i] = theta[i] + (-step_size * m[i]) / (math.sqrt(v[i]) / bc2_sqrt + eps)


def floor_seconds(layers: np.ndarray, n: int, batch_size: int, epochs: int, optimizer: str, repeats: int) -> dict:
    """Medians of ``repeats`` timed runs of each part of the floor (after an untimed one) of a job
    training the network of layout ``layers`` on ``n`` samples; call with BLAS on one thread.
    Returns ``{"products_s", "divisions_s", "floor_s"}``; ``{}`` when there is no BLAS."""
    fn = find_dgemm()[0]
    if not fn:
        return {}
    rng = np.random.default_rng(0)
    sizes = np.ascontiguousarray(layers[:, 1:3], dtype=np.int64)
    wide = int(sizes.max())
    W, A, Z, G = (rng.standard_normal(wide * wide), rng.standard_normal(wide * n), np.zeros(wide * n),
                  np.zeros(wide * wide))
    P = int(layers[-1, 3] + layers[-1, 4])
    steps = epochs * -(-n // batch_size)
    theta, m, v = rng.standard_normal(P), rng.standard_normal(P) * 1e-2, rng.random(P) * 1e-4
    parts = {"products_s": lambda: _products(fn, sizes, W, A, Z, G, n, batch_size, epochs)}
    if optimizer == "adam":
        parts["divisions_s"] = lambda: _divisions(theta, m, v, 1e-3 / (1 - 0.9**epochs),
                                                  (1 - 0.999**epochs) ** 0.5, 1e-8, steps)
    times: dict = {key: [] for key in parts}
    for run in parts.values():
        run()
    for _ in range(repeats):
        for key, run in parts.items():
            t0 = time.perf_counter()
            run()
            times[key].append(time.perf_counter() - t0)
    out = {key: statistics.median(v) for key, v in times.items()}
    out.setdefault("divisions_s", 0.0)
    out["floor_s"] = out["products_s"] + out["divisions_s"]
    return out
