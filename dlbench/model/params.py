"""The network: one hidden layer of ReLU units and one logit output, and its parameters.

``z = relu(X @ W1 + b1) @ W2 + b2``; the predicted probability is ``sigmoid(z)``. Kernels work on
one flat float64 vector laid out as ``[W1 (D×H, row-major), b1 (H), W2 (H), b2]``.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ..errors import invalid
from ..hyper import check_int

__all__ = ["Params", "init_params", "INITS", "n_params"]

INITS = ("uniform", "glorot", "he")


@dataclass(frozen=True)
class Params:
    """Network parameters: ``W1`` (D, H), ``b1`` (H,), ``W2`` (H,), ``b2`` (float)."""

    W1: np.ndarray
    b1: np.ndarray
    W2: np.ndarray
    b2: float

    @property
    def n_features(self) -> int:
        return self.W1.shape[0]

    @property
    def n_hidden(self) -> int:
        return self.W1.shape[1]

    def to_vector(self) -> np.ndarray:
        """The flat float64 vector the kernels use (a new array)."""
        return np.concatenate([np.ravel(self.W1), self.b1, self.W2, [self.b2]]).astype(np.float64)

    @classmethod
    def from_vector(cls, theta: np.ndarray, n_features: int, n_hidden: int) -> "Params":
        """Split a flat vector back into a (copied) :class:`Params`."""
        D, H = n_features, n_hidden
        theta = np.array(theta, dtype=np.float64, copy=True)
        if theta.shape != (n_params(D, H),):
            raise ValueError(f"expected a vector of {n_params(D, H)} parameters, got shape {theta.shape}")
        return cls(theta[: D * H].reshape(D, H), theta[D * H : D * H + H], theta[D * H + H : D * H + 2 * H], float(theta[-1]))

    def copy(self) -> "Params":
        return Params(self.W1.copy(), self.b1.copy(), self.W2.copy(), float(self.b2))


def n_params(n_features: int, n_hidden: int) -> int:
    """Length of the flat parameter vector: D*H + 2H + 1."""
    return n_features * n_hidden + 2 * n_hidden + 1


def init_params(n_features: int, n_hidden: int = 8, init: str = "uniform", seed: int = 0) -> Params:
    """Initial parameters, drawn from ``numpy.random.default_rng(seed)`` in the order W1, b1, W2, b2.

    - ``"uniform"``: the article's, every weight and bias uniform on [0, 1).
    - ``"glorot"``: scikit-learn's MLP scheme for ReLU networks: each layer's weights and biases
      uniform on ±sqrt(6 / (fan_in + fan_out)).
    - ``"he"``: He/Kaiming normal (``torch.nn.init.kaiming_normal_``, fan-in, ReLU gain): weights
      normal with standard deviation sqrt(2 / fan_in), biases zero.
    """
    n_features = check_int(n_features, "n_features", "init_params", 1)
    n_hidden = check_int(n_hidden, "n_hidden", "init_params", 1)
    if init not in INITS:
        raise invalid("init", "init_params", "one of " + ", ".join(map(repr, INITS)), init)
    seed = check_int(seed, "seed", "init_params")
    D, H = int(n_features), int(n_hidden)
    rng = np.random.default_rng(int(seed))
    if init == "uniform":
        return Params(rng.random((D, H)), rng.random(H), rng.random(H), float(rng.random()))
    if init == "glorot":
        b1, b2 = np.sqrt(6.0 / (D + H)), np.sqrt(6.0 / (H + 1))
        return Params(
            rng.uniform(-b1, b1, (D, H)), rng.uniform(-b1, b1, H), rng.uniform(-b2, b2, H), float(rng.uniform(-b2, b2))
        )
    return Params(rng.normal(0.0, np.sqrt(2.0 / D), (D, H)), np.zeros(H), rng.normal(0.0, np.sqrt(2.0 / H), H), 0.0)
