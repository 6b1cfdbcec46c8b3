"""What a network is: its layers, hidden activation, task and loss, and the flat parameter layout.

A network maps ``D`` features through ``len(hidden)`` hidden layers to ``n_outputs`` outputs:
``a_0 = X``, ``z_l = a_{l-1} @ W_l + b_l``, ``a_l = act(z_l)`` for the hidden layers, and the
last ``z`` is the output (a logit, ``K`` logits or a real value). ``hidden = ()`` is a linear model
(logistic, softmax or linear regression).

Kernels work on one flat float64 vector ``theta``: for each layer in order, ``W_l`` of shape
(fan_in, fan_out) stored row-major, then ``b_l``. The *layout* is an int64 array with one row per
layer, ``(w_offset, fan_in, fan_out, b_offset, b_size)``, which is also what per-layer update
rules (LARS, ...) read. For one hidden layer and one output this is the layout of dlbench 0.1,
``[W1 (D×H), b1 (H), W2 (H), b2]``.

Hidden activations (codes for the kernels in :data:`ACTIVATIONS`), with the derivative the
backward pass uses, as PyTorch's autograd does:

- ``relu``: ``max(z, 0)``; derivative 1 for ``z > 0`` and 0 for ``z <= 0`` (0 at the kink).
- ``leaky_relu``: ``z`` for ``z > 0`` else ``0.01 z`` (``torch.nn.LeakyReLU()``); derivative 0.01
  at ``z <= 0``, including 0.
- ``tanh``, ``sigmoid``: derivatives ``1 - a²`` and ``a (1 - a)`` from the activation ``a``.
- ``gelu``: exact, ``z Φ(z) = z/2 (1 + erf(z/√2))`` (``torch.nn.GELU()``, not the tanh
  approximation); derivative ``Φ(z) + z φ(z)``.

Tasks and their losses (codes in :data:`LOSSES`; every loss is the mean over the batch):

- ``binary`` (one logit ``z``, labels 0/1): ``bce``, ``softplus(z) - y z`` (=
  ``F.binary_cross_entropy_with_logits``), or the article's ``mse``, ``1/2 (y - sigmoid(z))²``;
  accuracy counts ``z > 0`` as class 1.
- ``multiclass`` (``K >= 2`` logits, labels 0..K-1): ``ce``, ``logsumexp(z) - z_y`` (=
  ``F.cross_entropy``), computed with the max subtracted; accuracy is the argmax (first maximum).
- ``regression`` (one linear output): ``mse``, ``1/2 (y - ŷ)²`` (the article's
  ``J = 1/(2N) Σ (y - ŷ)²``; half of ``torch.nn.MSELoss``); the score is R² = 1 - SSE/SST.
"""

from __future__ import annotations

from dataclasses import dataclass

from ..errors import invalid
from ..hyper import check_int

__all__ = [
    "ACTIVATIONS", "TASKS", "LOSSES", "TASK_LOSSES", "DEFAULT_LOSS", "Network", "layout", "n_params",
    "parse_hidden", "MAX_LAYERS", "MAX_WIDTH",
]

ACTIVATIONS = {"relu": 0, "tanh": 1, "sigmoid": 2, "gelu": 3, "leaky_relu": 4}
LOSSES = {"bce": 0, "mse": 1, "ce": 2, "squared": 3}
"""Kernel codes. ``squared`` is the regression ``mse`` (the name ``mse`` is per task, see
:meth:`Network.loss_code`)."""
TASKS = ("binary", "multiclass", "regression")
TASK_LOSSES = {"binary": ("bce", "mse"), "multiclass": ("ce",), "regression": ("mse",)}
DEFAULT_LOSS = {"binary": "bce", "multiclass": "ce", "regression": "mse"}
MAX_LAYERS = 16
MAX_WIDTH = 65536


def parse_hidden(value, where: str = "model") -> tuple[int, ...]:
    """Hidden widths from ``8``, ``"64,32"``, ``[64, 32]``, ``0``/``"0"``/``[]`` (a linear model)."""
    what = f"a width or a comma-separated list of widths in [1, {MAX_WIDTH}], at most {MAX_LAYERS} layers (0 for none)"
    if isinstance(value, str):
        text = value.strip()
        if text in ("", "0", "[]", "none"):
            return ()
        parts = [p.strip() for p in text.strip("[]()").split(",")]
        try:
            widths = [int(p) for p in parts]
        except ValueError:
            raise invalid("hidden", where, what, value) from None
    elif isinstance(value, bool):
        raise invalid("hidden", where, what, value)
    elif isinstance(value, int) or (hasattr(value, "__index__") and not isinstance(value, (list, tuple))):
        widths = [] if int(value) == 0 else [int(value)]
    elif isinstance(value, (list, tuple)):
        widths = []
        for v in value:
            if isinstance(v, bool) or not isinstance(v, int):
                raise invalid("hidden", where, what, value)
            widths.append(int(v))
    else:
        raise invalid("hidden", where, what, value)
    if len(widths) > MAX_LAYERS or any(w < 1 or w > MAX_WIDTH for w in widths):
        raise invalid("hidden", where, what, value if not isinstance(value, str) else value)
    return tuple(widths)


def layout(n_features: int, hidden: tuple[int, ...], n_outputs: int):
    """The int64 layout array ``(w_offset, fan_in, fan_out, b_offset, b_size)``, one row a layer."""
    import numpy as np

    widths = [n_features, *hidden, n_outputs]
    rows = []
    offset = 0
    for fan_in, fan_out in zip(widths[:-1], widths[1:]):
        rows.append((offset, fan_in, fan_out, offset + fan_in * fan_out, fan_out))
        offset += fan_in * fan_out + fan_out
    return np.array(rows, dtype=np.int64).reshape(len(rows), 5)


def n_params(n_features: int, hidden, n_outputs: int = 1) -> int:
    """Length of the flat parameter vector (``hidden`` an int is one layer, as in dlbench 0.1)."""
    if isinstance(hidden, int):
        hidden = (hidden,) if hidden else ()
    widths = [n_features, *hidden, n_outputs]
    return sum(a * b + b for a, b in zip(widths[:-1], widths[1:]))


@dataclass(frozen=True)
class Network:
    """A checked network description (see the module docstring)."""

    n_features: int
    hidden: tuple[int, ...] = (8,)
    n_outputs: int = 1
    activation: str = "relu"
    task: str = "binary"
    loss: str = "bce"

    @classmethod
    def make(cls, n_features, hidden=(8,), n_outputs=None, activation="relu", task="binary", loss=None,
             where: str = "train") -> "Network":
        """Check every field once (raises :class:`ConfigError` with the field's name)."""
        n_features = check_int(n_features, "n_features", where, 1)
        hidden = parse_hidden(hidden, where)
        if task not in TASKS:
            raise invalid("task", where, "one of " + ", ".join(map(repr, TASKS)), task)
        if activation not in ACTIVATIONS:
            raise invalid("activation", where, "one of " + ", ".join(map(repr, ACTIVATIONS)), activation)
        if n_outputs is None:
            n_outputs = 1 if task != "multiclass" else 2
        n_outputs = check_int(n_outputs, "n_outputs", where, 1)
        if task == "multiclass" and n_outputs < 2:
            raise invalid("n_outputs", where, "at least 2 outputs (classes) for a multiclass task", n_outputs)
        if task != "multiclass" and n_outputs != 1:
            raise invalid("n_outputs", where, f"1 output for a {task} task", n_outputs)
        if loss is None:
            loss = DEFAULT_LOSS[task]
        if loss not in TASK_LOSSES[task]:
            allowed = " or ".join(map(repr, TASK_LOSSES[task]))
            raise invalid("loss", where, f"{allowed} (the losses of a {task} task)", loss)
        return cls(n_features, hidden, n_outputs, activation, task, loss)

    @property
    def widths(self) -> tuple[int, ...]:
        return (self.n_features, *self.hidden, self.n_outputs)

    @property
    def n_params(self) -> int:
        return n_params(self.n_features, self.hidden, self.n_outputs)

    @property
    def layers(self):
        return layout(self.n_features, self.hidden, self.n_outputs)

    @property
    def loss_code(self) -> int:
        return LOSSES["squared"] if self.task == "regression" else LOSSES[self.loss]

    @property
    def activation_code(self) -> int:
        return ACTIVATIONS[self.activation]

    @property
    def score(self) -> str:
        """The name of the second measure the kernel returns: ``accuracy`` or ``r2``."""
        return "r2" if self.task == "regression" else "accuracy"

    def forward_flops_per_sample(self) -> int:
        """Multiply-adds × 2 of one forward pass of one sample."""
        w = self.widths
        return 2 * sum(a * b for a, b in zip(w[:-1], w[1:]))

    def flops_per_sample(self) -> int:
        """Multiply-adds × 2 of one forward and backward pass of one sample (gradient included)."""
        w = self.widths
        macs = sum(a * b for a, b in zip(w[:-1], w[1:]))
        first = w[0] * w[1]
        return 2 * (3 * macs - first)  # forward, weight gradient, input gradient (not for layer 1)
