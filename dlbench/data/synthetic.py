"""Synthetic problems, generated reproducibly from ``numpy.random.default_rng(seed)``."""

from __future__ import annotations

import math

import numpy as np

from ..errors import ConfigError, invalid
from ..hyper import check_int
from .dataset import Dataset

__all__ = ["make_dataset", "PROBLEMS", "PROBLEM_DOCS", "TEACHER_HIDDEN"]


# --- synthetic problems --------------------------------------------------------------------------

TEACHER_HIDDEN = 8
"""Hidden units of the ``"teacher"`` problem's network."""


def _flip(rng: np.random.Generator, y: np.ndarray, noise: float) -> np.ndarray:
    """Flip each label independently with probability ``noise`` (the uniforms are always drawn)."""
    return np.where(rng.random(y.shape[0]) < noise, 1.0 - y, y)


def _balanced_threshold(scores: np.ndarray) -> float:
    """Midway between the two middle scores, so ``scores > t`` labels half of them (N - N//2) one."""
    n = scores.shape[0]
    if n < 2:
        return -math.inf
    s = np.sort(scores)
    k = n // 2
    return float((s[k - 1] + s[k]) / 2.0)


def _random(rng: np.random.Generator, n_samples: int, n_features: int, noise: float):
    """The article's data: X uniform on [0, 1), y independent fair coin flips (unlearnable).

    ``noise`` has no effect: the labels are pure noise already.
    """
    X = rng.random((n_samples, n_features))
    y = rng.integers(0, 2, n_samples).astype(np.float64)
    return X, y


def _teacher(rng: np.random.Generator, n_samples: int, n_features: int, noise: float):
    """X uniform on [0, 1) as in the article; y from a random ReLU network, balanced; label flips.

    Draws, in order: ``X`` (N×D uniform), ``W`` (D×8 standard normal), ``c`` (8 standard normal),
    ``v`` (8 standard normal), then N uniforms for the flips. The teacher is the network
    ``z = relu(X @ W1 + b1) @ v`` with ``W1 = W * sqrt(12 / D)`` and ``b1 = c - W1.sum(0) / 2``:
    each hidden unit sees the standardised input ``(x - 1/2) * sqrt(12)`` (uniform [0, 1) has
    mean 1/2 and variance 1/12), so it is active on a good part of the cube. A label is 1 where
    ``z`` is above the threshold midway between the two middle logits (for even N, the median),
    so half the labels (N - N//2) are 1. It is a one-hidden-layer ReLU network, as the student
    is: with 8 or more hidden units the clean labels are learnable exactly.
    """
    D, H = n_features, TEACHER_HIDDEN
    X = rng.random((n_samples, D))
    W1 = rng.standard_normal((D, H)) * math.sqrt(12.0 / D)
    b1 = rng.standard_normal(H) - W1.sum(axis=0) / 2.0
    v = rng.standard_normal(H)
    z = np.maximum(X @ W1 + b1, 0.0) @ v
    y = (z > _balanced_threshold(z)).astype(np.float64)
    return X, _flip(rng, y, noise)


def _linear(rng: np.random.Generator, n_samples: int, n_features: int, noise: float):
    """X standard normal; y = [X @ w + b > 0] for a random unit vector w and b balancing the classes.

    Draws, in order: ``X`` (N×D standard normal), ``w`` (D standard normal, then divided by its
    norm), then N uniforms for the flips. ``b`` puts the boundary midway between the two middle
    projections ``X @ w``, so half the labels (N - N//2) are 1 and no sample lies on it: with
    ``noise=0`` the classes are linearly separable with a positive margin.
    """
    X = rng.standard_normal((n_samples, n_features))
    w = rng.standard_normal(n_features)
    w /= np.linalg.norm(w)
    s = X @ w
    y = (s > _balanced_threshold(s)).astype(np.float64)
    return X, _flip(rng, y, noise)


def _xor(rng: np.random.Generator, n_samples: int, n_features: int, noise: float):
    """X uniform on [-1, 1)^D; y = 1 where exactly one of the first two features is positive.

    Draws, in order: ``X`` (N×D uniform on [-1, 1)), then N×D standard normals scaled by ``noise``
    and added to ``X`` after labelling (so the noisy points may cross the axes).
    """
    X = rng.uniform(-1.0, 1.0, (n_samples, n_features))
    y = ((X[:, 0] > 0) != (X[:, 1] > 0)).astype(np.float64)
    X = X + noise * rng.standard_normal((n_samples, n_features))
    return X, y


def _circles(rng: np.random.Generator, n_samples: int, n_features: int, noise: float):
    """Two concentric circles in the first two features (radius 1: label 0; radius 0.5: label 1).

    As ``sklearn.datasets.make_circles(factor=0.5)``: N//2 samples on the outer circle, the rest
    on the inner one; here the angles are uniform at random rather than evenly spaced. Draws, in
    order: the labels (a permutation of N//2 zeros then N - N//2 ones), N angles uniform on
    [0, 2π), the N×(D-2) distractor features (standard normal × 0.1), then N×D standard normals
    scaled by ``noise`` and added to all of ``X``.
    """
    n_outer = n_samples // 2
    y = rng.permutation(np.r_[np.zeros(n_outer), np.ones(n_samples - n_outer)])
    angle = rng.uniform(0.0, 2.0 * math.pi, n_samples)
    radius = np.where(y == 1.0, 0.5, 1.0)
    X = np.empty((n_samples, n_features))
    X[:, 0] = radius * np.cos(angle)
    X[:, 1] = radius * np.sin(angle)
    X[:, 2:] = 0.1 * rng.standard_normal((n_samples, n_features - 2))
    X = X + noise * rng.standard_normal((n_samples, n_features))
    return X, y


PROBLEMS = {"random": _random, "teacher": _teacher, "linear": _linear, "xor": _xor, "circles": _circles}
"""Problem name -> generator ``(rng, n_samples, n_features, noise) -> (X, y)``."""

PROBLEM_DOCS = {
    "random": "The article's: X uniform on [0, 1), labels fair coin flips independent of X (noise has no effect).",
    "teacher": "X uniform on [0, 1), labels from a random 8-unit ReLU network, balanced; noise = label-flip probability.",
    "linear": "X standard normal, labels from a random hyperplane, balanced and separable; noise = label-flip probability.",
    "xor": "X uniform on [-1, 1], label = XOR of the signs of features 1 and 2 (D >= 2); noise = std added to X.",
    "circles": "Two concentric circles (radius 1 and 0.5) in features 1-2, other features small distractors (D >= 2); noise = std added to X.",
}
"""One line per problem, for ``dlbench list problems``."""

_LABEL_NOISE = ("random", "teacher", "linear")  # noise is a probability in [0, 1]; else a std >= 0
_MIN_FEATURES = {"xor": 2, "circles": 2}


def make_dataset(
    problem: str = "random", n_samples: int = 100, n_features: int = 10, seed: int = 0, noise: float = 0.0
) -> Dataset:
    """Generate a synthetic data set; the same arguments give the same data, bit for bit.

    Problems (all draw from ``numpy.random.default_rng(seed)``, in the order their generator's
    docstring gives):

    - ``"random"``: the article's problem: ``X`` is N×D uniform on [0, 1) and ``y`` holds N
      independent fair coin flips, drawn in that order. ``noise`` (in [0, 1]) has no effect.
    - ``"teacher"``: ``X`` as in the article; labels from a random one-hidden-layer ReLU network
      (8 units) thresholded so the classes are balanced. ``noise`` in [0, 1] is the probability
      of flipping each label.
    - ``"linear"``: ``X`` standard normal, labels from a random hyperplane through the middle of
      the data (balanced, separable). ``noise`` in [0, 1] is the probability of flipping each label.
    - ``"xor"``: ``X`` uniform on [-1, 1]^D, label = XOR of the signs of the first two features
      (needs D >= 2). ``noise`` >= 0 is the standard deviation of Gaussian noise added to ``X``
      after labelling.
    - ``"circles"``: two concentric circles of radius 1 (label 0) and 0.5 (label 1) in the first two
      features, the other features standard normal × 0.1 (needs D >= 2). Balanced. ``noise`` >= 0
      is the standard deviation of Gaussian noise added to ``X``.

    For the label-flip problems, changing ``noise`` changes only which labels are flipped: ``X``
    and the clean labels are the same; for xor and circles, only the added noise changes.
    """
    if problem not in PROBLEMS:
        raise invalid("problem", "make_dataset", "one of " + ", ".join(map(repr, PROBLEMS)), problem)
    n_samples = check_int(n_samples, "n_samples", "make_dataset", 1)
    n_features = check_int(n_features, "n_features", "make_dataset", 1)
    min_features = _MIN_FEATURES.get(problem, 1)
    if n_features < min_features:
        raise invalid(
            "n_features", f"make_dataset for the {problem!r} problem",
            f"an integer >= {min_features} (its labels depend on the first two features)", n_features,
        )
    seed = check_int(seed, "seed", "make_dataset")
    noise = _check_noise(problem, noise)
    rng = np.random.default_rng(int(seed))
    X, y = PROBLEMS[problem](rng, int(n_samples), int(n_features), noise)
    return Dataset(np.ascontiguousarray(X, dtype=np.float64), np.ascontiguousarray(y, dtype=np.float64), problem, int(seed))


def _check_noise(problem: str, noise) -> float:
    owner = f"make_dataset for the {problem!r} problem"
    if problem in _LABEL_NOISE:
        expected = "a label-flip probability in [0, 1]"
        ok = lambda v: 0.0 <= v <= 1.0  # noqa: E731
    else:
        expected = "a noise standard deviation >= 0 (finite)"
        ok = lambda v: 0.0 <= v < math.inf  # noqa: E731
    if isinstance(noise, bool) or not isinstance(noise, (int, float, np.integer, np.floating)) or not ok(float(noise)):
        raise invalid("noise", owner, expected, noise)
    return float(noise)
