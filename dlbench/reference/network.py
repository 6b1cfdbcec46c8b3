"""NumPy reference of the network's forward pass, losses and gradient (any depth and task).

Written with whole-matrix NumPy operations and the textbook formulas, sharing no code with the
kernels; the tests hold the kernels to it. ``net`` is a :class:`dlbench.model.spec.Network` (or
an int, the hidden width of dlbench 0.1's one-hidden-layer binary network).
"""

from __future__ import annotations

import math

import numpy as np

from ..model.spec import Network

_erf = np.vectorize(math.erf, otypes=[float])


def _net(net, n_features, loss="bce") -> Network:
    if isinstance(net, Network):
        return net
    return Network.make(n_features, (int(net),) if net else (), 1, "relu", "binary", loss)


def unpack(theta, net: Network):
    """Views ``[(W1, b1), ...]`` of the flat vector ``theta``."""
    out, k = [], 0
    for a, b in zip(net.widths[:-1], net.widths[1:]):
        out.append((theta[k : k + a * b].reshape(a, b), theta[k + a * b : k + a * b + b]))
        k += a * b + b
    return out


def activation(name, z):
    """The hidden activation and its derivative (PyTorch's: 0 at ReLU's kink, 0.01 at LeakyReLU's)."""
    if name == "relu":
        return np.where(z > 0, z, 0.0), (z > 0).astype(float)
    if name == "leaky_relu":
        return np.where(z > 0, z, 0.01 * z), np.where(z > 0, 1.0, 0.01)
    if name == "tanh":
        a = np.tanh(z)
        return a, 1.0 - a**2
    if name == "sigmoid":
        a = 0.5 * (1.0 + np.tanh(0.5 * z))  # an identity of the logistic function, stable everywhere
        return a, a * (1.0 - a)
    if name == "gelu":
        cdf = 0.5 * (1.0 + _erf(z / math.sqrt(2.0)))
        return z * cdf, cdf + z * np.exp(-0.5 * z * z) / math.sqrt(2.0 * math.pi)
    raise ValueError(name)


def forward(theta, X, net):
    """Pre-activations of every layer; the last is the output (N×K)."""
    net = _net(net, X.shape[1])
    zs, a = [], X
    layers = unpack(theta, net)
    for i, (W, b) in enumerate(layers):
        z = a @ W + b
        zs.append(z)
        if i < len(layers) - 1:
            a = activation(net.activation, z)[0]
    return zs


def loss_and_dz(z, y, loss):
    """Per-sample losses (N) and their derivatives in the outputs (N×K), for outputs ``z`` (N×K)."""
    if loss == "ce":
        m = z.max(axis=1, keepdims=True)
        lse = m[:, 0] + np.log(np.exp(z - m).sum(axis=1))
        labels = y.astype(int)
        onehot = np.eye(z.shape[1])[labels]
        return lse - z[np.arange(len(y)), labels], np.exp(z - lse[:, None]) - onehot
    z1 = z[:, 0]
    if loss == "squared":
        return 0.5 * (z1 - y) ** 2, (z1 - y)[:, None]
    p = 0.5 * (1.0 + np.tanh(0.5 * z1))
    if loss == "bce":
        return np.logaddexp(0.0, z1) - y * z1, (p - y)[:, None]
    if loss == "mse":
        return 0.5 * (y - p) ** 2, ((p - y) * p * (1.0 - p))[:, None]
    raise ValueError(loss)


def score(z, y, net: Network):
    """Accuracy (argmax, or ``z > 0`` for one logit), or R² for regression."""
    if net.task == "regression":
        sst = np.sum((y - y.mean()) ** 2)
        return 1.0 - np.sum((y - z[:, 0]) ** 2) / sst if sst > 0 else math.nan
    if net.task == "multiclass":
        return float(np.mean(np.argmax(z, axis=1) == y))
    return float(np.mean((z[:, 0] > 0) == (y > 0.5)))


def loss_grad(theta, X, y, net, loss="bce"):
    """Mean loss, score and gradient of the mean loss (flat, same layout as ``theta``)."""
    net = _net(net, X.shape[1], loss)
    code = "squared" if net.task == "regression" else net.loss
    N = X.shape[0]
    layers = unpack(np.asarray(theta, dtype=float), net)
    acts, zs, a = [X], [], X
    for i, (W, b) in enumerate(layers):
        z = a @ W + b
        zs.append(z)
        if i < len(layers) - 1:
            a = activation(net.activation, z)[0]
            acts.append(a)
    losses, dz = loss_and_dz(zs[-1], y, code)
    delta = dz / N
    grads = []
    for i in range(len(layers) - 1, -1, -1):
        W, _ = layers[i]
        grads.append((acts[i].T @ delta, delta.sum(axis=0)))
        if i > 0:
            delta = (delta @ W.T) * activation(net.activation, zs[i - 1])[1]
    grad = np.concatenate([np.concatenate([gW.ravel(), gb]) for gW, gb in reversed(grads)])
    return float(losses.mean()), score(zs[-1], y, net), grad
