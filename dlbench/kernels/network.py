"""Numba kernels of the network: forward pass, losses and backpropagation.

All kernels take the flat parameter vector ``theta`` (see :mod:`dlbench.model`) and stream over
samples, so no N×H buffer is allocated. Losses (per sample, averaged over the batch):

- ``LOSS_BCE``: binary cross-entropy from the logit, ``softplus(z) - y z``, written as
  ``max(z, 0) - y z + log1p(exp(-|z|))`` so that it is exact and finite for any finite logit;
  ``dl/dz = sigmoid(z) - y``.
- ``LOSS_MSE``: the article's ``1/2 (y - sigmoid(z))^2`` (so the mean is ``J = 1/(2N) sum``);
  ``dl/dz = (p - y) p (1 - p)``.

ReLU's derivative at 0 is taken as 0, as in PyTorch.

Two layouts of the same computation: :func:`loss_grad` streams over samples one by one (best for
tiny batches such as SGD's single sample), :func:`columns_loss_grad` works on a feature-major copy
of the batch (``XT``, D×B) so that every inner loop runs over samples and vectorises (best from
about eight samples up). Both are tested against the NumPy reference.
"""

from __future__ import annotations

import math

import numpy as np
from numba import njit

from ._config import JIT

LOSS_BCE = 0
LOSS_MSE = 1


@njit(**JIT)
def sigmoid(z):
    """Numerically stable logistic function."""
    if z >= 0.0:
        return 1.0 / (1.0 + math.exp(-z))
    e = math.exp(z)
    return e / (1.0 + e)


@njit(**JIT)
def sample_loss(z, y, loss_code):
    """Loss of one sample with logit ``z`` and label ``y``, and its derivative in ``z``."""
    if loss_code == LOSS_BCE:
        loss = max(z, 0.0) - y * z + math.log1p(math.exp(-abs(z)))
        return loss, sigmoid(z) - y
    p = sigmoid(z)
    return 0.5 * (y - p) * (y - p), (p - y) * p * (1.0 - p)


@njit(**JIT)
def loss_grad(theta, X, y, idx, start, stop, loss_code, grad, z1, want_grad):
    """Mean loss and accuracy over samples ``idx[start:stop]``; if ``want_grad``, also write
    the gradient of the mean loss into ``grad`` (overwritten). ``z1`` is a length-H work array."""
    D = X.shape[1]
    H = z1.shape[0]
    ob1 = D * H
    ow2 = ob1 + H
    ob2 = ow2 + H
    if want_grad:
        for k in range(grad.shape[0]):
            grad[k] = 0.0
    total = 0.0
    correct = 0
    for s in range(start, stop):
        i = idx[s]
        for h in range(H):
            z1[h] = theta[ob1 + h]
        for d in range(D):
            xd = X[i, d]
            row = d * H
            for h in range(H):
                z1[h] += xd * theta[row + h]
        z = theta[ob2]
        for h in range(H):
            if z1[h] > 0.0:
                z += z1[h] * theta[ow2 + h]
        loss, dz = sample_loss(z, y[i], loss_code)
        total += loss
        if (z > 0.0) == (y[i] > 0.5):
            correct += 1
        if want_grad:
            grad[ob2] += dz
            for h in range(H):
                if z1[h] > 0.0:
                    grad[ow2 + h] += dz * z1[h]
                    delta = dz * theta[ow2 + h]
                    grad[ob1 + h] += delta
                    for d in range(D):
                        grad[d * H + h] += delta * X[i, d]
    count = stop - start
    if want_grad:
        inv = 1.0 / count
        for k in range(grad.shape[0]):
            grad[k] *= inv
    return total / count, correct / count


@njit(**JIT)
def _dot(a, b, n):
    s = 0.0
    for i in range(n):
        s += a[i] * b[i]
    return s


@njit(**JIT)
def _sum(a, n):
    s = 0.0
    for i in range(n):
        s += a[i]
    return s


@njit(**JIT)
def columns_loss_grad(theta, XT, yb, B, loss_code, grad, Z, z, dz, want_grad):
    """Mean loss and accuracy of the batch whose features are the first ``B`` columns of ``XT``
    (D×B, feature-major) and labels ``yb[:B]``; if ``want_grad``, the gradient of the mean loss
    into ``grad``. ``Z`` (H×B), ``z`` and ``dz`` (B) are work arrays."""
    D = XT.shape[0]
    H = Z.shape[0]
    ob1 = D * H
    ow2 = ob1 + H
    ob2 = ow2 + H
    for i in range(B):
        z[i] = theta[ob2]
    for h in range(H):
        zh = Z[h]
        bh = theta[ob1 + h]
        for i in range(B):
            zh[i] = bh
        for d in range(D):
            w = theta[d * H + h]
            xd = XT[d]
            for i in range(B):
                zh[i] += w * xd[i]
        w2 = theta[ow2 + h]
        for i in range(B):
            a = zh[i] if zh[i] > 0.0 else 0.0
            z[i] += a * w2
    total = 0.0
    correct = 0
    inv = 1.0 / B
    for i in range(B):
        zi = z[i]
        yi = yb[i]
        e = math.exp(-abs(zi))
        p = 1.0 / (1.0 + e) if zi >= 0.0 else e / (1.0 + e)
        if loss_code == LOSS_BCE:
            total += max(zi, 0.0) - yi * zi + math.log1p(e)
            dz[i] = (p - yi) * inv
        else:
            total += 0.5 * (yi - p) * (yi - p)
            dz[i] = (p - yi) * p * (1.0 - p) * inv
        if (zi > 0.0) == (yi > 0.5):
            correct += 1
    if want_grad:
        grad[ob2] = _sum(dz, B)
        for h in range(H):
            zh = Z[h]
            w2 = theta[ow2 + h]
            g_w2 = 0.0
            g_b1 = 0.0
            for i in range(B):  # one pass: dL/dW2[h], then zh becomes delta_h = dz * W2[h] * relu'(z1)
                active = zh[i] > 0.0
                g_w2 += (zh[i] if active else 0.0) * dz[i]
                delta = dz[i] * w2 if active else 0.0
                zh[i] = delta
                g_b1 += delta
            grad[ow2 + h] = g_w2
            grad[ob1 + h] = g_b1
            for d in range(D):
                grad[d * H + h] = _dot(XT[d], zh, B)
    return total / B, correct / B


@njit(**JIT)
def gather_columns(X, y, idx, start, stop, XT, yb):
    """Copy samples ``idx[start:stop]`` into the feature-major ``XT`` and ``yb``."""
    D = X.shape[1]
    for j in range(stop - start):
        i = idx[start + j]
        yb[j] = y[i]
        for d in range(D):
            XT[d, j] = X[i, d]


COLUMNS_FROM = 8
"""Batches of at least this many samples use the feature-major kernel; smaller ones stream."""


@njit(**JIT)
def workspace(X, y, n_hidden):
    """Everything a full-batch pass needs, allocated once per run:
    ``(X, y, XT, Z, z, dz, z1, ident)``."""
    N = X.shape[0]
    return (X, y, np.ascontiguousarray(X.T), np.empty((n_hidden, N)), np.empty(N), np.empty(N),
            np.empty(n_hidden), np.arange(N))


@njit(**JIT)
def full_loss_grad(theta, ws, loss_code, grad, want_grad):
    """Mean loss and accuracy over the whole training set (and the gradient, if ``want_grad``),
    with the kernel that suits its size. ``ws`` is a :func:`workspace`."""
    X, y, XT, Z, z, dz, z1, ident = ws
    N = X.shape[0]
    if N >= COLUMNS_FROM:
        return columns_loss_grad(theta, XT, y, N, loss_code, grad, Z, z, dz, want_grad)
    return loss_grad(theta, X, y, ident, 0, N, loss_code, grad, z1, want_grad)
