"""Network parameters, layer by layer, and their initialisation.

:class:`Params` holds one ``(W, b)`` pair per layer, ``W`` of shape (fan_in, fan_out) and ``b`` of
shape (fan_out,); the output layer of a binary or regression network has one unit (``W`` (H, 1),
``b`` (1,)). Kernels work on the flat vector of :func:`dlbench.model.spec.layout`.
"""

from __future__ import annotations

import numpy as np

from ..errors import ConfigError, invalid
from ..hyper import check_int
from .spec import n_params, parse_hidden

__all__ = ["Params", "init_params", "INITS", "n_params"]

INITS = ("uniform", "glorot", "he", "torch")


class Params:
    """The weights and biases of every layer.

    ``Params(W1=, b1=, W2=, b2=)`` builds the one-hidden-layer network of dlbench 0.1 (``W2`` of
    shape (H,) or (H, 1), ``b2`` a number or shape (1,)); :meth:`from_layers` any depth.
    """

    __slots__ = ("_layers",)

    def __init__(self, W1, b1, W2, b2):
        W1 = np.array(W1, dtype=np.float64)
        H = W1.shape[1] if W1.ndim == 2 else -1
        W2 = np.array(W2, dtype=np.float64)
        if W2.ndim == 1:
            W2 = W2.reshape(-1, 1)
        b2 = np.array(b2, dtype=np.float64).reshape(-1)
        self._layers = _checked([(W1, b1), (W2, b2)]) if H > 0 else _checked([(W1, b1)])

    @classmethod
    def from_layers(cls, layers) -> "Params":
        """Parameters from a list of ``(W, b)`` pairs, ``W`` of shape (fan_in, fan_out) (copied)."""
        self = object.__new__(cls)
        self._layers = _checked(list(layers))
        return self

    @property
    def layers(self) -> list[tuple[np.ndarray, np.ndarray]]:
        """The ``(W, b)`` pairs, copied."""
        return [(W.copy(), b.copy()) for W, b in self._layers]

    @property
    def n_features(self) -> int:
        return self._layers[0][0].shape[0]

    @property
    def hidden(self) -> tuple[int, ...]:
        return tuple(W.shape[1] for W, _ in self._layers[:-1])

    @property
    def n_outputs(self) -> int:
        return self._layers[-1][0].shape[1]

    @property
    def n_hidden(self) -> int:
        """Width of the first hidden layer (0 for a linear model)."""
        return self.hidden[0] if self.hidden else 0

    def _one_hidden(self):
        if len(self._layers) != 2 or self.n_outputs != 1:
            raise AttributeError("W1, b1, W2 and b2 name the layers of a one-hidden-layer network with one output; use .layers")
        return self._layers

    W1 = property(lambda self: self._one_hidden()[0][0].copy(), doc="First layer's weights (D, H).")
    b1 = property(lambda self: self._one_hidden()[0][1].copy(), doc="First layer's biases (H,).")
    W2 = property(lambda self: self._one_hidden()[1][0][:, 0].copy(), doc="Output weights (H,).")
    b2 = property(lambda self: float(self._one_hidden()[1][1][0]), doc="Output bias.")

    def to_vector(self) -> np.ndarray:
        """The flat float64 vector the kernels use (a new array)."""
        return np.concatenate([np.concatenate([W.ravel(), b]) for W, b in self._layers])

    @classmethod
    def from_vector(cls, theta, n_features: int, hidden, n_outputs: int = 1) -> "Params":
        """Split a flat vector back into (copied) parameters; ``hidden`` an int is one layer."""
        hidden = (hidden,) if isinstance(hidden, (int, np.integer)) and hidden else parse_hidden(hidden)
        theta = np.array(theta, dtype=np.float64, copy=True)
        size = n_params(n_features, hidden, n_outputs)
        if theta.shape != (size,):
            raise ValueError(f"expected a vector of {size} parameters, got shape {theta.shape}")
        widths = [n_features, *hidden, n_outputs]
        layers, k = [], 0
        for a, b in zip(widths[:-1], widths[1:]):
            layers.append((theta[k : k + a * b].reshape(a, b), theta[k + a * b : k + a * b + b]))
            k += a * b + b
        return cls.from_layers(layers)

    def copy(self) -> "Params":
        return Params.from_layers(self._layers)

    def __repr__(self) -> str:
        shape = "-".join(map(str, (self.n_features, *self.hidden, self.n_outputs)))
        return f"Params({shape}, {sum(W.size + b.size for W, b in self._layers)} parameters)"


def _checked(layers) -> list[tuple[np.ndarray, np.ndarray]]:
    if not layers:
        raise invalid("layers", "Params", "at least one (W, b) pair", "an empty list")
    out = []
    fan_in = None
    for i, pair in enumerate(layers):
        try:
            W, b = pair
            W = np.array(W, dtype=np.float64)
            b = np.array(b, dtype=np.float64).reshape(-1) if np.ndim(b) else np.array([b], dtype=np.float64)
        except (TypeError, ValueError):
            raise ConfigError(f"Layer {i + 1} of Params must be a (W, b) pair of numeric arrays.") from None
        if W.ndim != 2 or W.shape[0] < 1 or W.shape[1] < 1:
            raise ConfigError(f"Layer {i + 1}'s W must be a 2-D array (fan_in, fan_out). Got shape {W.shape} instead.")
        if b.shape != (W.shape[1],):
            raise ConfigError(f"Layer {i + 1}'s b must have shape ({W.shape[1]},) to match W {W.shape}. Got {b.shape} instead.")
        if fan_in is not None and W.shape[0] != fan_in:
            raise ConfigError(f"Layer {i + 1}'s W must have {fan_in} rows (the previous layer's width). Got {W.shape[0]} instead.")
        fan_in = W.shape[1]
        out.append((np.ascontiguousarray(W), b.copy()))
    return out


def init_params(n_features: int, hidden=8, init: str = "uniform", seed: int = 0, n_outputs: int = 1) -> Params:
    """Initial parameters, drawn layer by layer (``W`` then ``b``) from ``numpy.random.default_rng(seed)``.

    ``hidden`` is a width or a sequence of widths (``0``/``()`` for a linear model); ``n_outputs``
    is 1 for binary and regression networks, the number of classes for a multi-class one.

    - ``"uniform"``: the article's, every weight and bias uniform on [0, 1).
    - ``"glorot"``: Glorot & Bengio (2010) uniform, as scikit-learn's MLP does for ReLU networks:
      each layer's weights and biases uniform on ±sqrt(6 / (fan_in + fan_out)).
    - ``"he"``: He/Kaiming normal (``torch.nn.init.kaiming_normal_``, fan-in, ReLU gain): weights
      normal with standard deviation sqrt(2 / fan_in), biases zero.
    - ``"torch"``: what ``torch.nn.Linear`` does by default (``kaiming_uniform_(a=√5)`` and its
      bias rule): weights and biases uniform on ±1/sqrt(fan_in) (drawn from NumPy's generator,
      so the same distribution as torch's, not the same numbers).

    For one hidden layer and one output the draws are those of dlbench 0.1.
    """
    n_features = check_int(n_features, "n_features", "init_params", 1)
    hidden = parse_hidden(hidden, "init_params")
    n_outputs = check_int(n_outputs, "n_outputs", "init_params", 1)
    if init not in INITS:
        raise invalid("init", "init_params", "one of " + ", ".join(map(repr, INITS)), init)
    seed = check_int(seed, "seed", "init_params")
    rng = np.random.default_rng(int(seed))
    widths = [int(n_features), *hidden, int(n_outputs)]
    layers = []
    for a, b in zip(widths[:-1], widths[1:]):
        if init == "uniform":
            layers.append((rng.random((a, b)), rng.random(b)))
        elif init == "glorot":
            bound = np.sqrt(6.0 / (a + b))
            layers.append((rng.uniform(-bound, bound, (a, b)), rng.uniform(-bound, bound, b)))
        elif init == "he":
            layers.append((rng.normal(0.0, np.sqrt(2.0 / a), (a, b)), np.zeros(b)))
        else:
            bound = 1.0 / np.sqrt(a)
            layers.append((rng.uniform(-bound, bound, (a, b)), rng.uniform(-bound, bound, b)))
    return Params.from_layers(layers)
