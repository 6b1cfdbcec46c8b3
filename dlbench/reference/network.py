"""NumPy reference of the network's forward pass, losses and gradient."""

from __future__ import annotations

import numpy as np



def unpack(theta: np.ndarray, n_features: int, n_hidden: int):
    """Views ``(W1, b1, W2, b2)`` of the flat vector ``theta``."""
    D, H = n_features, n_hidden
    return theta[: D * H].reshape(D, H), theta[D * H : D * H + H], theta[D * H + H : D * H + 2 * H], theta[-1]


def forward(theta, X, n_hidden):
    """Hidden pre-activations ``z1`` (N×H) and logits ``z`` (N)."""
    W1, b1, W2, b2 = unpack(theta, X.shape[1], n_hidden)
    z1 = X @ W1 + b1
    return z1, np.maximum(z1, 0.0) @ W2 + b2


def loss_and_dz(z, y, loss):
    """Per-sample losses and their derivatives in the logit."""
    e = np.exp(-np.abs(z))
    p = np.where(z >= 0, 1.0, e) / (1.0 + e)  # stable sigmoid
    if loss == "bce":
        return np.maximum(z, 0.0) - y * z + np.log1p(e), p - y
    if loss == "mse":
        return 0.5 * (y - p) ** 2, (p - y) * p * (1.0 - p)
    raise ValueError(loss)


def loss_grad(theta, X, y, n_hidden, loss="bce"):
    """Mean loss, accuracy and gradient of the mean loss (flat, same layout as ``theta``)."""
    N, D = X.shape
    W1, b1, W2, b2 = unpack(theta, D, n_hidden)
    z1, z = forward(theta, X, n_hidden)
    losses, dz = loss_and_dz(z, y, loss)
    a1 = np.maximum(z1, 0.0)
    dz = dz / N
    gW2 = a1.T @ dz
    gb2 = dz.sum()
    delta = np.outer(dz, W2) * (z1 > 0)
    gW1 = X.T @ delta
    gb1 = delta.sum(axis=0)
    grad = np.concatenate([gW1.ravel(), gb1, gW2, [gb2]])
    acc = np.mean((z > 0) == (y > 0.5))
    return losses.mean(), acc, grad
