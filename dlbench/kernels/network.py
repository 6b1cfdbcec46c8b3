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

from ._config import JIT, njit
from .blas import NO_TRANS, TRANS, dgemm

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
STREAM_BELOW = 8
"""Batches of fewer samples go through :func:`stream_loss_grad` (no gather, no tiles)."""
BLAS_FROM = 2048
"""Products of at least this many multiply-adds go to BLAS when the kernel has it (see
:mod:`dlbench.kernels.blas`; below it the call costs more than it saves)."""

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
def _bias_gradient(grad, b_off, Dl, n, B):
    """``grad[b(j)] = Σ_i Dl[j, i]``."""
    for j in range(n):
        s = 0.0
        for i in range(B):
            s += Dl[j, i]
        grad[b_off + j] = s


@njit(**JIT)
def _weight_grad(grad, w_off, fan_in, fan_out, A, a_row, Dl, B):
    """``grad[W(k, j)] = Σ_i A[a_row + k, i] Dl[j, i]``."""
    for k in range(fan_in):
        ar = a_row + k
        row = w_off + k * fan_out
        j = 0
        while j + 4 <= fan_out:
            s0 = s1 = s2 = s3 = 0.0
            for i in range(B):
                ai = A[ar, i]
                s0 += ai * Dl[j, i]
                s1 += ai * Dl[j + 1, i]
                s2 += ai * Dl[j + 2, i]
                s3 += ai * Dl[j + 3, i]
            grad[row + j] = s0
            grad[row + j + 1] = s1
            grad[row + j + 2] = s2
            grad[row + j + 3] = s3
            j += 4
        while j < fan_out:
            s0 = 0.0
            for i in range(B):
                s0 += A[ar, i] * Dl[j, i]
            grad[row + j] = s0
            j += 1


@njit(**JIT)
def _addr(arr, row):
    """Data address of row ``row`` of the C-contiguous 2-D (or 1-D, ``row`` an element) ``arr``."""
    stride = arr.shape[1] if arr.ndim == 2 else 1
    return np.uint64(arr.ctypes.data) + np.uint64(row * stride * 8)


@njit(**JIT)
def _forward(blas, blas_from, theta, w_off, b_off, fan_in, fan_out, A, a_row, Z, z_row, B):
    """``Z[z_row:z_row+fan_out, :B] = W^T A[a_row:a_row+fan_in, :B] (+ b)``; returns True when
    the bias is still to be added (the BLAS path leaves it to the next pass over ``Z``)."""
    if blas == 0 or fan_in * fan_out * B < blas_from:
        _gemm_rows(theta, w_off, 1, fan_out, b_off, fan_out, fan_in, A, a_row, Z, z_row, B)
        return False
    dgemm(blas, np.int64(TRANS), np.int64(NO_TRANS), np.int64(fan_out), np.int64(B), np.int64(fan_in), 1.0,
          _addr(theta, w_off), np.int64(fan_out), _addr(A, a_row), np.int64(A.shape[1]), 0.0,
          _addr(Z, z_row), np.int64(Z.shape[1]))
    return True


@njit(**JIT)
def _add_bias(theta, b_off, Z, row, n, B):
    for u in range(n):
        r = row + u
        bu = theta[b_off + u]
        for i in range(B):
            Z[r, i] += bu


@njit(**JIT)
def _backward_input(blas, blas_from, theta, w_off, fan_in, fan_out, Dl, Out, B):
    """``Out[:fan_in, :B] = W Dl[:fan_out, :B]`` (the gradient in the layer's input)."""
    if blas == 0 or fan_in * fan_out * B < blas_from:
        _gemm_rows(theta, w_off, fan_out, 1, -1, fan_in, fan_out, Dl, 0, Out, 0, B)
        return
    dgemm(blas, np.int64(NO_TRANS), np.int64(NO_TRANS), np.int64(fan_in), np.int64(B), np.int64(fan_out), 1.0,
          _addr(theta, w_off), np.int64(fan_out), _addr(Dl, 0), np.int64(Dl.shape[1]), 0.0,
          _addr(Out, 0), np.int64(Out.shape[1]))


@njit(**JIT)
def _weights_gradient(blas, blas_from, grad, w_off, b_off, fan_in, fan_out, A, a_row, Dl, B, with_bias):
    """``grad[W] = A[a_row:a_row+fan_in, :B] Dl[:fan_out, :B]^T``, and ``grad[b] = Dl 1`` if
    ``with_bias`` (else :func:`_times_derivative` summed it already)."""
    if with_bias:
        _bias_gradient(grad, b_off, Dl, fan_out, B)
    if blas == 0 or fan_in * fan_out * B < blas_from:
        _weight_grad(grad, w_off, fan_in, fan_out, A, a_row, Dl, B)
        return
    dgemm(blas, np.int64(NO_TRANS), np.int64(TRANS), np.int64(fan_in), np.int64(fan_out), np.int64(B), 1.0,
          _addr(A, a_row), np.int64(A.shape[1]), _addr(Dl, 0), np.int64(Dl.shape[1]), 0.0,
          _addr(grad, w_off), np.int64(fan_out))


@njit(**JIT)
def _activate(act, Z, A, row, n, B, theta, b_off, pending):
    """``A[row + u, :B] = act(Z[row + u, :B])`` for ``n`` units, first adding the bias to ``Z``
    if it is ``pending`` (see :func:`_forward`)."""
    for u in range(n):
        r = row + u
        if pending:
            _add_bias(theta, b_off + u, Z, r, 1, B)
        if act == ACT_RELU:
            for i in range(B):
                zi = Z[r, i]
                A[r, i] = zi if zi > 0.0 else 0.0
        elif act == ACT_TANH:
            for i in range(B):
                A[r, i] = math.tanh(Z[r, i])
        elif act == ACT_SIGMOID:
            for i in range(B):
                A[r, i] = sigmoid(Z[r, i])
        elif act == ACT_GELU:
            for i in range(B):
                zi = Z[r, i]
                A[r, i] = 0.5 * zi * (1.0 + math.erf(zi * _INV_SQRT2))
        else:
            for i in range(B):
                zi = Z[r, i]
                A[r, i] = zi if zi > 0.0 else LEAKY_SLOPE * zi


@njit(**JIT)
def _activate_into_one(act, Z, A, row, n, B, theta, b_off, pending, w_top, b_top):
    """:func:`_activate` for the layer under a one-output top layer, fused with that layer's
    forward product: ``Z[row + n, :B] = b_top + Σ_u w_top(u) A[row + u, :B]``, accumulated unit by
    unit in the order :func:`_gemm_rows` adds them, while each row of ``A`` is still in cache."""
    out = row + n
    c = theta[b_top]
    for i in range(B):
        Z[out, i] = c
    for u in range(n):
        r = row + u
        w = theta[w_top + u]
        if pending:
            _add_bias(theta, b_off + u, Z, r, 1, B)
        if act == ACT_RELU:
            for i in range(B):
                zi = Z[r, i]
                ai = zi if zi > 0.0 else 0.0
                A[r, i] = ai
                Z[out, i] += w * ai
        else:
            for i in range(B):
                ai = _act1(act, Z[r, i])
                A[r, i] = ai
                Z[out, i] += w * ai


@njit(**JIT)
def _backward_from_one(act, theta, grad, w_off, b_off, n, Z, A, in_row, Dl, Out, B, b_below):
    """The backward pass through a one-output top layer (weights ``n``×1) in one sweep per unit
    of the layer under it: the top weights' gradient ``Σ_i A[in_row + u, i] Dl[0, i]``, the deltas
    ``Out[u, :B] = w(u) Dl[0, :B] act'(Z[in_row + u, :B])`` and their sums (the lower bias
    gradient, into ``grad[b_below:]``); the top bias gradient ``Σ_i Dl[0, i]`` first. The same
    operations as :func:`_weights_gradient`, :func:`_backward_input` and
    :func:`_times_derivative` in turn, reading each row once instead of three times."""
    s = 0.0
    for i in range(B):
        s += Dl[0, i]
    grad[b_off] = s
    for u in range(n):
        r = in_row + u
        w = theta[w_off + u]
        gw = 0.0
        bs = 0.0
        if act == ACT_RELU:
            for i in range(B):
                d = Dl[0, i]
                gw += A[r, i] * d
                v = w * d if Z[r, i] > 0.0 else 0.0
                Out[u, i] = v
                bs += v
        else:
            for i in range(B):
                d = Dl[0, i]
                gw += A[r, i] * d
                v = (w * d) * _slope1(act, Z[r, i], A[r, i])
                Out[u, i] = v
                bs += v
        grad[w_off + u] = gw
        grad[b_below + u] = bs


@njit(**JIT)
def _times_derivative(act, Z, A, row, Dl, n, B, grad, b_off):
    """``Dl[u, :B] *= act'(Z[row + u, :B])`` (from ``A`` where the derivative is a function of
    it); then ``Dl`` are the layer's deltas, and their sums its bias gradient ``grad[b_off:]``."""
    for u in range(n):
        r = row + u
        if act == ACT_RELU:
            for i in range(B):
                Dl[u, i] = Dl[u, i] if Z[r, i] > 0.0 else 0.0
        elif act == ACT_TANH:
            for i in range(B):
                ai = A[r, i]
                Dl[u, i] *= 1.0 - ai * ai
        elif act == ACT_SIGMOID:
            for i in range(B):
                ai = A[r, i]
                Dl[u, i] *= ai * (1.0 - ai)
        elif act == ACT_GELU:
            for i in range(B):
                zi = Z[r, i]
                Dl[u, i] *= 0.5 * (1.0 + math.erf(zi * _INV_SQRT2)) + zi * _INV_SQRT_2PI * math.exp(-0.5 * zi * zi)
        else:
            for i in range(B):
                Dl[u, i] = Dl[u, i] if Z[r, i] > 0.0 else LEAKY_SLOPE * Dl[u, i]
        s = 0.0
        for i in range(B):
            s += Dl[u, i]
        grad[b_off + u] = s


@njit(**JIT)
def _one_output_loss(loss_code, z, y):
    """Loss of one sample with one output ``z`` (a logit, or the prediction for
    ``LOSS_SQUARED``) and label ``y``: ``(loss, dloss/dz, correct)``."""
    if loss_code == LOSS_SQUARED:
        r = z - y
        return 0.5 * r * r, r, 0.0
    e = math.exp(-abs(z))
    p = 1.0 / (1.0 + e) if z >= 0.0 else e / (1.0 + e)
    hit = 1.0 if (z > 0.0) == (y > 0.5) else 0.0
    if loss_code == LOSS_BCE:
        return max(z, 0.0) - y * z + math.log1p(e), p - y, hit
    return 0.5 * (y - p) * (y - p), (p - y) * p * (1.0 - p), hit


@njit(**JIT)
def _cross_entropy(z, label, d, scale):
    """Cross-entropy of the logits ``z`` (K) for class ``label``: ``(loss, correct)``; ``d`` (K)
    gets ``scale`` times the derivative, ``softmax(z) - onehot(label)``."""
    K = z.shape[0]
    m = z[0]
    best = 0
    for j in range(1, K):
        if z[j] > m:
            m = z[j]
            best = j
    s = 0.0
    for j in range(K):
        e = math.exp(z[j] - m)
        d[j] = e
        s += e
    f = scale / s
    for j in range(K):
        d[j] *= f
    d[label] -= scale
    return m + math.log(s) - z[label], 1.0 if best == label else 0.0


@njit(**JIT)
def _cross_entropy_column(Z, row, K, i, label, Dl, scale):
    """:func:`_cross_entropy` of sample ``i`` of the feature-major logits ``Z[row:row+K, i]``,
    the derivative into ``Dl[:K, i]`` (the same operations in the same order, on the 2-D arrays
    themselves: a column view per sample would cost a reference count in and out)."""
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
    f = scale / s
    for j in range(K):
        Dl[j, i] *= f
    Dl[label, i] -= scale
    return m + math.log(s) - Z[row + label, i], 1.0 if best == label else 0.0


@njit(**JIT)
def _output_loss(loss_code, Z, row, K, yb, B, Dl):
    """Mean loss and score (accuracy, or R² for regression) of the outputs ``Z[row:row+K, :B]``;
    ``Dl[:K, :B]`` gets the derivative of the mean loss in each output."""
    total = 0.0
    correct = 0.0
    inv = 1.0 / B
    if loss_code == LOSS_CE:
        for i in range(B):
            value, hit = _cross_entropy_column(Z, row, K, i, int(yb[i]), Dl, inv)
            total += value
            correct += hit
        return total * inv, correct / B
    for i in range(B):
        value, slope, hit = _one_output_loss(loss_code, Z[row, i], yb[i])
        total += value
        Dl[0, i] = slope * inv
        correct += hit
    if loss_code != LOSS_SQUARED:
        return total * inv, correct / B
    return total * inv, _r2(total, yb, B)


@njit(**JIT)
def _r2(half_sse, yb, B):
    """R² = 1 - SSE/SST of predictions whose half sum of squared errors is ``half_sse``."""
    mean = 0.0
    for i in range(B):
        mean += yb[i]
    mean /= B
    sst = 0.0
    for i in range(B):
        c = yb[i] - mean
        sst += c * c
    return 1.0 - 2.0 * half_sse / sst if sst > 0.0 else math.nan


@njit(**JIT)
def net_loss_grad(theta, layers, act, loss_code, blas, blas_from, XT, yb, B, grad, Z, A, D0, D1, want_grad):
    """Mean loss and score of the batch whose features are the first ``B`` columns of the
    feature-major ``XT`` (D×capacity) and labels ``yb[:B]``; if ``want_grad``, the gradient of the
    mean loss into ``grad`` (every entry overwritten). ``blas`` is the address of a CBLAS
    ``dgemm`` (0: the kernel's own loops), used for products of at least ``blas_from``
    multiply-adds.

    ``Z`` and ``A`` (units × capacity, a row per unit of every layer, layers in order) hold the
    pre-activations and activations; ``D0``/``D1`` (widest layer × capacity) the backward deltas.
    """
    L = layers.shape[0]
    one = L > 1 and layers[L - 1, 2] == 1  # a one-output top layer is fused with the layer under it
    row = 0
    pending = False
    for l in range(L):
        w_off, fan_in, fan_out, b_off = layers[l, 0], layers[l, 1], layers[l, 2], layers[l, 3]
        if one and l == L - 1:
            break  # computed with the layer under it
        if l == 0:
            pending = _forward(blas, blas_from, theta, w_off, b_off, fan_in, fan_out, XT, 0, Z, row, B)
        else:
            pending = _forward(blas, blas_from, theta, w_off, b_off, fan_in, fan_out, A, row - fan_in, Z, row, B)
        if one and l == L - 2:
            _activate_into_one(act, Z, A, row, fan_out, B, theta, b_off, pending, layers[L - 1, 0], layers[L - 1, 3])
            row += fan_out
        elif l < L - 1:
            _activate(act, Z, A, row, fan_out, B, theta, b_off, pending)
            row += fan_out
        elif pending:
            _add_bias(theta, b_off, Z, row, fan_out, B)
    K = layers[L - 1, 2]
    loss, score = _output_loss(loss_code, Z, row, K, yb, B, D0)
    if not want_grad:
        return loss, score
    cur = D0
    nxt = D1
    for l in range(L - 1, -1, -1):
        w_off, fan_in, fan_out, b_off = layers[l, 0], layers[l, 1], layers[l, 2], layers[l, 3]
        top = l == L - 1  # the output layer's bias gradient is summed here; the others' with the derivative
        if one and top:
            in_row = row - fan_in
            _backward_from_one(act, theta, grad, w_off, b_off, fan_in, Z, A, in_row, cur, nxt, B, layers[l - 1, 3])
            row = in_row
            cur, nxt = nxt, cur
        elif l == 0:
            _weights_gradient(blas, blas_from, grad, w_off, b_off, fan_in, fan_out, XT, 0, cur, B, top)
        else:
            in_row = row - fan_in
            _weights_gradient(blas, blas_from, grad, w_off, b_off, fan_in, fan_out, A, in_row, cur, B, top)
            _backward_input(blas, blas_from, theta, w_off, fan_in, fan_out, cur, nxt, B)
            _times_derivative(act, Z, A, in_row, nxt, fan_in, B, grad, layers[l - 1, 3])
            row = in_row
            cur, nxt = nxt, cur
    return loss, score


@njit(**JIT)
def _act1(act, z):
    """The hidden activation of one pre-activation (as :func:`_activate`)."""
    if act == ACT_RELU:
        return z if z > 0.0 else 0.0
    if act == ACT_TANH:
        return math.tanh(z)
    if act == ACT_SIGMOID:
        return sigmoid(z)
    if act == ACT_GELU:
        return 0.5 * z * (1.0 + math.erf(z * _INV_SQRT2))
    return z if z > 0.0 else LEAKY_SLOPE * z


@njit(**JIT)
def _slope1(act, z, a):
    """The activation's derivative at ``z`` (``a = act(z)``), as :func:`_times_derivative`."""
    if act == ACT_RELU:
        return 1.0 if z > 0.0 else 0.0
    if act == ACT_TANH:
        return 1.0 - a * a
    if act == ACT_SIGMOID:
        return a * (1.0 - a)
    if act == ACT_GELU:
        return 0.5 * (1.0 + math.erf(z * _INV_SQRT2)) + z * _INV_SQRT_2PI * math.exp(-0.5 * z * z)
    return 1.0 if z > 0.0 else LEAKY_SLOPE


@njit(**JIT)
def _stream_one_hidden(theta, layers, act, loss_code, X, y, idx, start, stop, grad, z, a, want_grad):
    """:func:`stream_loss_grad` for the article's shape, one hidden layer and one output, fused
    over hidden units (each unit's forward, loss share and backward in one pass)."""
    D = layers[0, 1]
    H = layers[0, 2]
    w1 = layers[0, 0]
    ob1 = layers[0, 3]
    ow2 = layers[1, 0]
    ob2 = layers[1, 3]
    B = stop - start
    inv = 1.0 / B
    relu = act == ACT_RELU
    if want_grad:
        for k in range(grad.shape[0]):
            grad[k] = 0.0
    total = 0.0
    correct = 0.0
    for s in range(start, stop):
        i = idx[s]
        for h in range(H):
            z[h] = theta[ob1 + h]
        for d in range(D):
            xd = X[i, d]
            row = w1 + d * H
            for h in range(H):
                z[h] += xd * theta[row + h]
        out = theta[ob2]
        for h in range(H):
            ah = _act1(act, z[h])
            a[h] = ah
            out += ah * theta[ow2 + h]
        value, slope, hit = _one_output_loss(loss_code, out, y[i])
        total += value
        correct += hit
        if not want_grad:
            continue
        dz = slope * inv
        grad[ob2] += dz
        for h in range(H):
            ah = a[h]
            if relu and ah == 0.0:  # z <= 0: no gradient through this unit
                continue
            grad[ow2 + h] += dz * ah
            delta = dz * theta[ow2 + h] * _slope1(act, z[h], ah)
            grad[ob1 + h] += delta
            for d in range(D):
                grad[w1 + d * H + h] += delta * X[i, d]
    return total * inv, correct / B


@njit(**JIT)
def stream_loss_grad(theta, layers, act, loss_code, X, y, idx, start, stop, grad, z, a, d0, d1, yv, want_grad):
    """Mean loss and score of samples ``idx[start:stop]`` of ``(X, y)`` taken one at a time
    (sample-major: the layout for batches of a few samples, such as SGD's one), and the gradient
    of the mean loss into ``grad`` if ``want_grad``. Work arrays: ``z`` (units), ``a`` (features +
    units: the sample, then every hidden activation), ``d0``/``d1`` (widest), ``yv`` (at least B). A zero input to a layer adds nothing to its weights' gradient and, after a ReLU, passes no
    gradient down: those rows are skipped."""
    L = layers.shape[0]
    D = X.shape[1]
    K = layers[L - 1, 2]
    B = stop - start
    if L == 2 and K == 1 and loss_code != LOSS_SQUARED:
        return _stream_one_hidden(theta, layers, act, loss_code, X, y, idx, start, stop, grad, z, a, want_grad)
    inv = 1.0 / B
    relu = act == ACT_RELU
    if want_grad:
        for k in range(grad.shape[0]):
            grad[k] = 0.0
    total = 0.0
    correct = 0.0
    for s in range(start, stop):
        i = idx[s]
        for k in range(D):
            a[k] = X[i, k]
        row = 0  # the layer's first unit in z; its input is a[D + row - fan_in:] (the sample for l = 0)
        for l in range(L):
            w_off, fan_in, fan_out, b_off = layers[l, 0], layers[l, 1], layers[l, 2], layers[l, 3]
            for j in range(fan_out):
                z[row + j] = theta[b_off + j]
            base = D + row - fan_in
            for k in range(fan_in):
                xk = a[base + k]
                if xk != 0.0:
                    w = w_off + k * fan_out
                    for j in range(fan_out):
                        z[row + j] += xk * theta[w + j]
            if l < L - 1:
                for j in range(fan_out):
                    a[D + row + j] = _act1(act, z[row + j])
                row += fan_out
        if loss_code == LOSS_CE:
            value, hit = _cross_entropy(z[row : row + K], int(y[i]), d0, inv)
        else:
            value, slope, hit = _one_output_loss(loss_code, z[row], y[i])
            d0[0] = slope * inv
        total += value
        correct += hit
        if not want_grad:
            continue
        cur = d0
        nxt = d1
        for l in range(L - 1, -1, -1):
            w_off, fan_in, fan_out, b_off = layers[l, 0], layers[l, 1], layers[l, 2], layers[l, 3]
            in_row = row - fan_in  # the input layer's first unit in z (l > 0)
            for j in range(fan_out):
                grad[b_off + j] += cur[j]
            if l == 0:
                for k in range(fan_in):
                    xk = a[k]
                    if xk != 0.0:
                        w = w_off + k * fan_out
                        for j in range(fan_out):
                            grad[w + j] += xk * cur[j]
                break
            for k in range(fan_in):
                xk = a[D + in_row + k]
                if xk == 0.0 and relu:
                    nxt[k] = 0.0
                    continue
                w = w_off + k * fan_out
                back = 0.0
                for j in range(fan_out):
                    grad[w + j] += xk * cur[j]
                    back += theta[w + j] * cur[j]
                nxt[k] = back * _slope1(act, z[in_row + k], xk)
            row = in_row
            cur, nxt = nxt, cur
    if loss_code != LOSS_SQUARED:
        return total * inv, correct / B
    for s in range(start, stop):  # R² needs the batch's labels together
        yv[s - start] = y[idx[s]]
    return total * inv, _r2(total, yv, B)


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
def workspace(X, y, layers, act, loss_code, capacity, blas=0, blas_from=BLAS_FROM):
    """Everything the passes over ``(X, y)`` need, allocated once per run, as one tuple:

    - ``X, y, XT``: the set, and ``XT`` its feature-major copy;
    - ``layers, act, loss_code, blas, blas_from``: the network and how products are computed;
    - ``Z, A, D0, D1``: pre-activations, activations (units × N) and deltas (widest × N) of
      whole-set passes;
    - ``XB, yB, ZB, AB, DB0, DB1``: the same for a gathered batch of up to ``capacity`` samples
      (compact rows, so small products stay in cache);
    - ``z1, a1, e0, e1, y1``: the vectors of the sample-by-sample layout.
    """
    N = X.shape[0]
    units = 0
    widest = 1
    for l in range(layers.shape[0]):
        units += layers[l, 2]
        widest = max(widest, layers[l, 1], layers[l, 2])
    cap = max(N, 1)
    bcap = max(capacity, 1)
    XT = np.ascontiguousarray(X.T)
    return (X, y, XT, layers, act, loss_code, np.int64(blas), np.int64(blas_from),
            np.empty((units, cap)), np.empty((units, cap)), np.empty((widest, cap)), np.empty((widest, cap)),
            np.empty((X.shape[1], bcap)), np.empty(bcap), np.empty((units, bcap)), np.empty((units, bcap)),
            np.empty((widest, bcap)), np.empty((widest, bcap)),
            np.empty(units), np.empty(X.shape[1] + units), np.empty(widest), np.empty(widest), np.empty(STREAM_BELOW))


@njit(**JIT)
def full_loss_grad(theta, ws, grad, want_grad):
    """Mean loss and score over the whole set of the :func:`workspace` ``ws`` (and the gradient
    into ``grad`` if ``want_grad``)."""
    X, y, XT, layers, act, loss_code, blas, blas_from, Z, A, D0, D1 = ws[:12]
    return net_loss_grad(theta, layers, act, loss_code, blas, blas_from, XT, y, X.shape[0], grad, Z, A, D0, D1, want_grad)


@njit(**JIT)
def batch_loss_grad(theta, ws, idx, start, stop, grad):
    """Mean loss and score of samples ``idx[start:stop]`` of ``ws``'s set, and the gradient
    (fewer than :data:`STREAM_BELOW` samples one by one, else gathered feature-major)."""
    X, y, XT, layers, act, loss_code, blas, blas_from = ws[:8]
    if stop - start < STREAM_BELOW:
        z1, a1, e0, e1, y1 = ws[18:]
        return stream_loss_grad(theta, layers, act, loss_code, X, y, idx, start, stop, grad, z1, a1, e0, e1, y1, True)
    XB, yB, ZB, AB, DB0, DB1 = ws[12:18]
    gather_columns(X, y, idx, start, stop, XB, yB)
    return net_loss_grad(theta, layers, act, loss_code, blas, blas_from, XB, yB, stop - start, grad, ZB, AB, DB0, DB1, True)
