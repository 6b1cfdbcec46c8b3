"""Numba kernels of the network: forward pass, losses and backpropagation, for any depth and task.

One generic kernel serves every network of :mod:`dlbench.model.spec`: the flat parameter vector
``theta``, its ``layers`` layout (one row ``(w_offset, fan_in, fan_out, b_offset, b_size)`` per
layer), a hidden-activation code and a loss code. Activations are kept feature-major (one row of
``B`` samples per unit), so every inner loop runs over contiguous samples and vectorises.

The matrix products are blocked: four output rows are accumulated together, so each input row is
read once per four outputs instead of once per output, over sample tiles of :data:`TILE` so the
rows a tile touches stay in cache. Derivatives follow PyTorch's autograd: ReLU's derivative is 0 at
exactly 0, LeakyReLU's is the slope 0.01 there; the losses are written to be finite for any finite
logit (BCE as ``max(z, 0) - y z + log1p(exp(-|z|))``, cross-entropy with the maximum logit
subtracted). Tested against the NumPy reference (:mod:`dlbench.reference.network`) and finite
differences, at the kinks and at saturation.
"""

from __future__ import annotations

import math

import numpy as np
from numba import njit

from ._config import JIT

ACT_RELU = 0
ACT_TANH = 1
ACT_SIGMOID = 2
ACT_GELU = 3
ACT_LEAKY_RELU = 4
LOSS_BCE = 0
LOSS_MSE = 1
LOSS_CE = 2
LOSS_SQUARED = 3

LEAKY_SLOPE = 0.01
TILE = 256
"""Samples per tile of the blocked matrix products (4 rows × 256 doubles = 8 KiB of outputs)."""

_INV_SQRT2 = 1.0 / math.sqrt(2.0)
_INV_SQRT_2PI = 1.0 / math.sqrt(2.0 * math.pi)


@njit(**JIT)
def sigmoid(z):
    """Numerically stable logistic function."""
    if z >= 0.0:
        return 1.0 / (1.0 + math.exp(-z))
    e = math.exp(z)
    return e / (1.0 + e)


@njit(**JIT)
def _gemm_rows(theta, w_off, s_out, s_in, bias_off, n_out, n_in, A, a_row, O, o_row, B):
    """``O[o_row + r, :B] = bias[r] + Σ_c W(r, c) A[a_row + c, :B]`` with ``W(r, c) =
    theta[w_off + r s_out + c s_in]`` (``bias_off < 0``: no bias, start from 0)."""
    for i0 in range(0, B, TILE):
        n = min(TILE, B - i0)
        r = 0
        while r < n_out:
            if r + 4 <= n_out:
                o0 = O[o_row + r, i0 : i0 + n]
                o1 = O[o_row + r + 1, i0 : i0 + n]
                o2 = O[o_row + r + 2, i0 : i0 + n]
                o3 = O[o_row + r + 3, i0 : i0 + n]
                if bias_off >= 0:
                    c0 = theta[bias_off + r]
                    c1 = theta[bias_off + r + 1]
                    c2 = theta[bias_off + r + 2]
                    c3 = theta[bias_off + r + 3]
                else:
                    c0 = c1 = c2 = c3 = 0.0
                for i in range(n):
                    o0[i] = c0
                    o1[i] = c1
                    o2[i] = c2
                    o3[i] = c3
                k = w_off + r * s_out
                for c in range(n_in):
                    a = A[a_row + c, i0 : i0 + n]
                    w0 = theta[k]
                    w1 = theta[k + s_out]
                    w2 = theta[k + 2 * s_out]
                    w3 = theta[k + 3 * s_out]
                    k += s_in
                    for i in range(n):
                        ai = a[i]
                        o0[i] += w0 * ai
                        o1[i] += w1 * ai
                        o2[i] += w2 * ai
                        o3[i] += w3 * ai
                r += 4
            else:
                o0 = O[o_row + r, i0 : i0 + n]
                c0 = theta[bias_off + r] if bias_off >= 0 else 0.0
                for i in range(n):
                    o0[i] = c0
                k = w_off + r * s_out
                for c in range(n_in):
                    a = A[a_row + c, i0 : i0 + n]
                    w0 = theta[k]
                    k += s_in
                    for i in range(n):
                        o0[i] += w0 * a[i]
                r += 1


@njit(**JIT)
def _weight_grad(grad, w_off, b_off, fan_in, fan_out, A, a_row, Dl, B):
    """``grad[W(k, j)] = Σ_i A[a_row + k, i] Dl[j, i]`` and ``grad[b(j)] = Σ_i Dl[j, i]``."""
    for j in range(fan_out):
        d = Dl[j, :B]
        s = 0.0
        for i in range(B):
            s += d[i]
        grad[b_off + j] = s
    for k in range(fan_in):
        a = A[a_row + k, :B]
        row = w_off + k * fan_out
        j = 0
        while j + 4 <= fan_out:
            d0 = Dl[j, :B]
            d1 = Dl[j + 1, :B]
            d2 = Dl[j + 2, :B]
            d3 = Dl[j + 3, :B]
            s0 = s1 = s2 = s3 = 0.0
            for i in range(B):
                ai = a[i]
                s0 += ai * d0[i]
                s1 += ai * d1[i]
                s2 += ai * d2[i]
                s3 += ai * d3[i]
            grad[row + j] = s0
            grad[row + j + 1] = s1
            grad[row + j + 2] = s2
            grad[row + j + 3] = s3
            j += 4
        while j < fan_out:
            d0 = Dl[j, :B]
            s0 = 0.0
            for i in range(B):
                s0 += a[i] * d0[i]
            grad[row + j] = s0
            j += 1


@njit(**JIT)
def _activate(act, Z, A, row, n, B):
    """``A[row + u, :B] = act(Z[row + u, :B])`` for ``n`` units."""
    for u in range(row, row + n):
        z = Z[u]
        a = A[u]
        if act == ACT_RELU:
            for i in range(B):
                a[i] = z[i] if z[i] > 0.0 else 0.0
        elif act == ACT_TANH:
            for i in range(B):
                a[i] = math.tanh(z[i])
        elif act == ACT_SIGMOID:
            for i in range(B):
                a[i] = sigmoid(z[i])
        elif act == ACT_GELU:
            for i in range(B):
                a[i] = 0.5 * z[i] * (1.0 + math.erf(z[i] * _INV_SQRT2))
        else:
            for i in range(B):
                a[i] = z[i] if z[i] > 0.0 else LEAKY_SLOPE * z[i]


@njit(**JIT)
def _times_derivative(act, Z, A, row, Dl, n, B):
    """``Dl[u, :B] *= act'(Z[row + u, :B])`` (from ``A`` where the derivative is a function of it)."""
    for u in range(n):
        z = Z[row + u]
        a = A[row + u]
        d = Dl[u]
        if act == ACT_RELU:
            for i in range(B):
                d[i] = d[i] if z[i] > 0.0 else 0.0
        elif act == ACT_TANH:
            for i in range(B):
                d[i] *= 1.0 - a[i] * a[i]
        elif act == ACT_SIGMOID:
            for i in range(B):
                d[i] *= a[i] * (1.0 - a[i])
        elif act == ACT_GELU:
            for i in range(B):
                zi = z[i]
                d[i] *= 0.5 * (1.0 + math.erf(zi * _INV_SQRT2)) + zi * _INV_SQRT_2PI * math.exp(-0.5 * zi * zi)
        else:
            for i in range(B):
                d[i] = d[i] if z[i] > 0.0 else LEAKY_SLOPE * d[i]


@njit(**JIT)
def _output_loss(loss_code, Z, row, K, yb, B, Dl):
    """Mean loss and score (accuracy, or R² for regression) of the outputs ``Z[row:row+K, :B]``;
    ``Dl[:K, :B]`` gets the derivative of the mean loss in each output."""
    total = 0.0
    correct = 0
    inv = 1.0 / B
    if loss_code == LOSS_CE:
        for i in range(B):
            m = Z[row, i]
            best = 0
            for j in range(1, K):
                if Z[row + j, i] > m:
                    m = Z[row + j, i]
                    best = j
            s = 0.0
            for j in range(K):
                e = math.exp(Z[row + j, i] - m)
                Dl[j, i] = e
                s += e
            label = int(yb[i])
            total += m + math.log(s) - Z[row + label, i]
            scale = inv / s
            for j in range(K):
                Dl[j, i] *= scale
            Dl[label, i] -= inv
            if best == label:
                correct += 1
        return total * inv, correct / B
    z = Z[row]
    dz = Dl[0]
    if loss_code == LOSS_SQUARED:
        mean = 0.0
        for i in range(B):
            mean += yb[i]
        mean *= inv
        sst = 0.0
        for i in range(B):
            r = z[i] - yb[i]
            total += 0.5 * r * r
            dz[i] = r * inv
            c = yb[i] - mean
            sst += c * c
        r2 = 1.0 - 2.0 * total / sst if sst > 0.0 else math.nan
        return total * inv, r2
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
    return total * inv, correct / B


@njit(**JIT)
def net_loss_grad(theta, layers, act, loss_code, XT, yb, B, grad, Z, A, D0, D1, want_grad):
    """Mean loss and score of the batch whose features are the first ``B`` columns of the
    feature-major ``XT`` (D×capacity) and labels ``yb[:B]``; if ``want_grad``, the gradient of the
    mean loss into ``grad`` (every entry overwritten).

    ``Z`` and ``A`` (units × capacity, a row per unit of every layer, layers in order) hold the
    pre-activations and activations; ``D0``/``D1`` (widest layer × capacity) the backward deltas.
    """
    L = layers.shape[0]
    row = 0
    for l in range(L):
        w_off, fan_in, fan_out, b_off = layers[l, 0], layers[l, 1], layers[l, 2], layers[l, 3]
        if l == 0:
            _gemm_rows(theta, w_off, 1, fan_out, b_off, fan_out, fan_in, XT, 0, Z, row, B)
        else:
            _gemm_rows(theta, w_off, 1, fan_out, b_off, fan_out, fan_in, A, row - fan_in, Z, row, B)
        if l < L - 1:
            _activate(act, Z, A, row, fan_out, B)
            row += fan_out
    K = layers[L - 1, 2]
    loss, score = _output_loss(loss_code, Z, row, K, yb, B, D0)
    if not want_grad:
        return loss, score
    cur = D0
    nxt = D1
    for l in range(L - 1, -1, -1):
        w_off, fan_in, fan_out, b_off = layers[l, 0], layers[l, 1], layers[l, 2], layers[l, 3]
        if l == 0:
            _weight_grad(grad, w_off, b_off, fan_in, fan_out, XT, 0, cur, B)
        else:
            in_row = row - fan_in
            _weight_grad(grad, w_off, b_off, fan_in, fan_out, A, in_row, cur, B)
            _gemm_rows(theta, w_off, fan_out, 1, -1, fan_in, fan_out, cur, 0, nxt, 0, B)
            _times_derivative(act, Z, A, in_row, nxt, fan_in, B)
            row = in_row
            cur, nxt = nxt, cur
    return loss, score


@njit(**JIT)
def gather_columns(X, y, idx, start, stop, XT, yb):
    """Copy samples ``idx[start:stop]`` into the feature-major ``XT`` and ``yb``."""
    D = X.shape[1]
    for j in range(stop - start):
        i = idx[start + j]
        yb[j] = y[i]
        for d in range(D):
            XT[d, j] = X[i, d]


@njit(**JIT)
def workspace(X, y, layers, act, loss_code, capacity):
    """Everything the passes over ``(X, y)`` need, allocated once per run: ``(X, y, XT, layers,
    act, loss_code, Z, A, D0, D1, XB, yB)``; ``XT`` is the whole set feature-major, ``XB``/``yB``
    hold a gathered batch of up to ``capacity`` samples, and the work arrays fit ``max(N,
    capacity)`` samples."""
    N = X.shape[0]
    units = 0
    widest = 1
    for l in range(layers.shape[0]):
        units += layers[l, 2]
        widest = max(widest, layers[l, 1], layers[l, 2])
    cap = max(N, capacity, 1)
    XT = np.ascontiguousarray(X.T)
    return (X, y, XT, layers, act, loss_code, np.empty((units, cap)), np.empty((units, cap)),
            np.empty((widest, cap)), np.empty((widest, cap)), np.empty((X.shape[1], max(capacity, 1))),
            np.empty(max(capacity, 1)))


@njit(**JIT)
def full_loss_grad(theta, ws, grad, want_grad):
    """Mean loss and score over the whole set of the :func:`workspace` ``ws`` (and the gradient
    into ``grad`` if ``want_grad``)."""
    X, y, XT, layers, act, loss_code, Z, A, D0, D1, XB, yB = ws
    return net_loss_grad(theta, layers, act, loss_code, XT, y, X.shape[0], grad, Z, A, D0, D1, want_grad)


@njit(**JIT)
def batch_loss_grad(theta, ws, idx, start, stop, grad):
    """Mean loss and score of samples ``idx[start:stop]`` of ``ws``'s set, and the gradient."""
    X, y, XT, layers, act, loss_code, Z, A, D0, D1, XB, yB = ws
    gather_columns(X, y, idx, start, stop, XB, yB)
    return net_loss_grad(theta, layers, act, loss_code, XB, yB, stop - start, grad, Z, A, D0, D1, True)
