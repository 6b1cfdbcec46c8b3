"""Problems by name: synthetic ones drawn reproducibly from ``numpy.random.default_rng(seed)``,
and the bundled real data sets.

One entry point, :func:`make_dataset`, takes every name in :data:`PROBLEMS`: a synthetic problem
(``random``, ``teacher``, ``linear``, ``xor``, ``circles``: binary; ``blobs``, ``spirals``:
multiclass; ``regression``) is generated from ``n_samples``, ``n_features``, ``noise``, ``seed``
and, for ``blobs``/``spirals``, ``n_classes``; a bundled data set (``breast_cancer``, ``iris``,
``wine``, ``digits``, ``diabetes``, see :mod:`dlbench.data.bundled`) has a fixed size, so those
options must be left unset (``None``) and ``seed`` has no effect. :func:`problem_table` lists them
all as a pandas DataFrame.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Callable

import numpy as np

from ..errors import invalid
from ..hyper import check_int
from .bundled import BUNDLED, load_bundled
from .dataset import Dataset

__all__ = ["make_dataset", "problem_table", "ProblemInfo", "PROBLEMS", "PROBLEM_DOCS", "TEACHER_HIDDEN",
           "BLOB_BOX", "SPIRAL_TURNS"]


# --- synthetic problems --------------------------------------------------------------------------

TEACHER_HIDDEN = 8
"""Hidden units of the ``"teacher"`` and ``"regression"`` problems' networks."""

BLOB_BOX = 10.0
"""The ``"blobs"`` centres are uniform on ``[-BLOB_BOX, BLOB_BOX)`` per feature (scikit-learn's
``make_blobs`` default ``center_box=(-10, 10)``)."""

SPIRAL_TURNS = 1.0
"""Full turns each ``"spirals"`` arm makes from the centre (radius 0) out to radius 1."""


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


def _balanced_labels(rng: np.random.Generator, n_samples: int, n_classes: int) -> np.ndarray:
    """A random permutation of ``0, 1, ..., K-1, 0, 1, ...`` (N labels): class sizes differ by at most
    one, the first ``N % K`` classes having the extra sample."""
    return rng.permutation(np.arange(n_samples) % n_classes).astype(np.float64)


def _blobs(rng: np.random.Generator, n_samples: int, n_features: int, noise: float, n_classes: int):
    """K Gaussian clusters, one per class, of standard deviation ``noise`` around random centres.

    As ``sklearn.datasets.make_blobs(centers=K, cluster_std=noise)`` with its default centre box,
    but with the labels in random order. Draws, in order: the K×D centres (uniform on
    ``[-BLOB_BOX, BLOB_BOX)``), the labels (:func:`_balanced_labels`), then N×D standard normals
    scaled by ``noise`` and added to each sample's centre.
    """
    centres = rng.uniform(-BLOB_BOX, BLOB_BOX, (n_classes, n_features))
    y = _balanced_labels(rng, n_samples, n_classes)
    X = centres[y.astype(np.intp)] + noise * rng.standard_normal((n_samples, n_features))
    return X, y


def _spirals(rng: np.random.Generator, n_samples: int, n_features: int, noise: float, n_classes: int):
    """K interleaved spiral arms in the first two features, one per class; other features distractors.

    A sample of class k at position ``t`` along its arm (uniform on [0, 1)) lies at radius ``t`` and
    angle ``2π (k / K + SPIRAL_TURNS * t)``: the arms start at the centre, evenly spaced, and wind
    out to radius 1. Draws, in order: the labels (:func:`_balanced_labels`), the N positions ``t``,
    the N×(D-2) distractor features (standard normal × 0.1, as in ``circles``), then N×D standard
    normals scaled by ``noise`` and added to all of ``X``.
    """
    y = _balanced_labels(rng, n_samples, n_classes)
    t = rng.random(n_samples)
    angle = 2.0 * math.pi * (y / n_classes + SPIRAL_TURNS * t)
    X = np.empty((n_samples, n_features))
    X[:, 0] = t * np.cos(angle)
    X[:, 1] = t * np.sin(angle)
    X[:, 2:] = 0.1 * rng.standard_normal((n_samples, n_features - 2))
    X = X + noise * rng.standard_normal((n_samples, n_features))
    return X, y


def _regression(rng: np.random.Generator, n_samples: int, n_features: int, noise: float):
    """X standard normal; y from a random tanh network, standardised, plus Gaussian noise of std ``noise``.

    Draws, in order: ``X`` (N×D standard normal), ``W`` (D×8 standard normal), ``b1`` (8 standard
    normal), ``v`` (8 standard normal), then N standard normals for the noise. The teacher is
    ``z = tanh(X @ W1 + b1) @ v`` with ``W1 = W / sqrt(D)`` (unit-variance pre-activations before
    the bias); the clean target is ``z`` standardised over the sample (mean 0, std 1; just
    ``z - mean`` if all ``z`` are equal), so ``noise`` is the noise-to-signal ratio of standard
    deviations and the best R² is about ``1 / (1 + noise²)``. A tanh network with 8 or more hidden
    units and a linear output represents the clean target exactly.
    """
    D, H = n_features, TEACHER_HIDDEN
    X = rng.standard_normal((n_samples, D))
    W1 = rng.standard_normal((D, H)) / math.sqrt(D)
    b1 = rng.standard_normal(H)
    v = rng.standard_normal(H)
    z = np.tanh(X @ W1 + b1) @ v
    std = z.std()
    y = (z - z.mean()) / (std if std > 0 else 1.0)
    return X, y + noise * rng.standard_normal(n_samples)


@dataclass(frozen=True)
class ProblemInfo:
    """One problem :func:`make_dataset` knows: its kind, task, one-line summary and, if synthetic,
    its generator and options.

    ``generate(rng, n_samples, n_features, noise[, n_classes]) -> (X, y)``; ``noise`` is a
    label-flip probability in [0, 1] (``"flip"``), a standard deviation >= 0 (``"std"``) or absent
    (``"none"``, bundled sets); ``n_classes`` is the default number of classes of the problems that
    take one (``None`` for the others).
    """

    name: str
    kind: str
    task: str
    doc: str
    generate: Callable | None = None
    noise: str = "std"
    default_noise: float = 0.0
    min_features: int = 1
    n_classes: int | None = None


_SYNTHETIC = (
    ProblemInfo("random", "synthetic", "binary",
                "The article's: X uniform on [0, 1), labels fair coin flips independent of X (noise has no effect).",
                _random, "flip"),
    ProblemInfo("teacher", "synthetic", "binary",
                "X uniform on [0, 1), labels from a random 8-unit ReLU network, balanced; noise = label-flip probability.",
                _teacher, "flip"),
    ProblemInfo("linear", "synthetic", "binary",
                "X standard normal, labels from a random hyperplane, balanced and separable; noise = label-flip probability.",
                _linear, "flip"),
    ProblemInfo("xor", "synthetic", "binary",
                "X uniform on [-1, 1], label = XOR of the signs of features 1 and 2 (D >= 2); noise = std added to X.",
                _xor, "std", min_features=2),
    ProblemInfo("circles", "synthetic", "binary",
                "Two concentric circles (radius 1 and 0.5) in features 1-2, other features small distractors (D >= 2); "
                "noise = std added to X.",
                _circles, "std", min_features=2),
    ProblemInfo("blobs", "synthetic", "multiclass",
                "n_classes (default 3) Gaussian clusters around random centres in [-10, 10)^D, balanced; "
                "noise = cluster std (default 1).",
                _blobs, "std", default_noise=1.0, n_classes=3),
    ProblemInfo("spirals", "synthetic", "multiclass",
                "n_classes (default 3) interleaved spiral arms (one turn, radius 1) in features 1-2, other features "
                "small distractors (D >= 2), balanced; noise = std added to X.",
                _spirals, "std", min_features=2, n_classes=3),
    ProblemInfo("regression", "synthetic", "regression",
                "X standard normal, y from a random 8-unit tanh network, standardised; noise = std of Gaussian noise "
                "added to y.",
                _regression, "std"),
)

PROBLEMS = {p.name: p for p in (*_SYNTHETIC, *(ProblemInfo(b.name, "bundled", b.task, b.doc, noise="none",
                                                          n_classes=len(b.classes)) for b in BUNDLED.values()))}
"""Problem name -> :class:`ProblemInfo`: every name :func:`make_dataset` takes, synthetic ones first."""

PROBLEM_DOCS = {name: p.doc for name, p in PROBLEMS.items()}
"""One line per problem, for ``dlbench list problems``."""

_DEFAULT_SAMPLES, _DEFAULT_FEATURES = 100, 10


def make_dataset(
    problem: str = "random",
    n_samples: int | None = None,
    n_features: int | None = None,
    seed: int = 0,
    noise: float | None = None,
    n_classes: int | None = None,
) -> Dataset:
    """The data set of a problem in :data:`PROBLEMS`; the same arguments give the same data, bit for bit.

    Synthetic problems take ``n_samples`` (default 100), ``n_features`` (default 10), ``noise``
    (default 0, except 1 for ``blobs``) and ``seed``; ``blobs`` and ``spirals`` also take
    ``n_classes`` (default 3, at least 2 and at most ``n_samples``), which no other problem takes.
    All draw from ``numpy.random.default_rng(seed)``, in the order their generator's docstring gives:

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
    - ``"blobs"`` (multiclass): K Gaussian clusters of standard deviation ``noise`` (default 1)
      around centres uniform in ``[-10, 10)^D``, as scikit-learn's ``make_blobs``. Balanced.
    - ``"spirals"`` (multiclass): K spiral arms winding out from the centre in the first two
      features (needs D >= 2), the other features standard normal × 0.1; ``noise`` >= 0 is the
      standard deviation of Gaussian noise added to ``X``. Balanced.
    - ``"regression"``: ``X`` standard normal, ``y`` a random 8-unit tanh network's output
      standardised over the sample, plus Gaussian noise of standard deviation ``noise`` >= 0.

    For the label-flip problems, changing ``noise`` changes only which labels are flipped: ``X``
    and the clean labels are the same; for the others, only the added noise changes. Balanced
    multiclass problems have class sizes that differ by at most one.

    Bundled data sets (``kind == "bundled"`` in :data:`PROBLEMS`) are returned as
    :func:`~dlbench.data.bundled.load_bundled` gives them: ``n_samples``, ``n_features``,
    ``noise`` and ``n_classes`` must be left at ``None``; ``seed`` is checked but has no effect
    (the returned ``Dataset.seed`` is ``None``).
    """
    if not isinstance(problem, str) or problem not in PROBLEMS:
        raise invalid("problem", "make_dataset", "one of " + ", ".join(map(repr, PROBLEMS)), problem)
    info = PROBLEMS[problem]
    seed = check_int(seed, "seed", "make_dataset")
    if info.kind == "bundled":
        _check_unset(info, n_samples=n_samples, n_features=n_features, noise=noise, n_classes=n_classes)
        return load_bundled(problem)
    n_samples = check_int(_DEFAULT_SAMPLES if n_samples is None else n_samples, "n_samples", "make_dataset", 1)
    n_features = check_int(_DEFAULT_FEATURES if n_features is None else n_features, "n_features", "make_dataset", 1)
    owner = f"make_dataset for the {problem!r} problem"
    if n_features < info.min_features:
        raise invalid(
            "n_features", owner,
            f"an integer >= {info.min_features} (its labels depend on the first two features)", n_features,
        )
    noise = _check_noise(info, info.default_noise if noise is None else noise)
    extra = ()
    if info.n_classes is None:
        if n_classes is not None:
            takers = " and ".join(repr(p.name) for p in _SYNTHETIC if p.n_classes is not None)
            raise invalid("n_classes", owner, f"None (only {takers} take a number of classes)", n_classes)
    else:
        k = check_int(info.n_classes if n_classes is None else n_classes, "n_classes", owner, 2)
        if k > n_samples:
            raise invalid("n_classes", owner, f"at most n_samples ({n_samples}), so that every class has a sample", k)
        extra = (k,)
    rng = np.random.default_rng(int(seed))
    X, y = info.generate(rng, int(n_samples), int(n_features), noise, *extra)
    classes = tuple(range(extra[0])) if extra else ((0, 1) if info.task == "binary" else ())
    return Dataset(np.ascontiguousarray(X, dtype=np.float64), np.ascontiguousarray(y, dtype=np.float64), problem,
                   int(seed), classes, info.task)


def _check_unset(info: ProblemInfo, **options) -> None:
    """Every option of a synthetic problem must be ``None`` for a bundled data set."""
    size = BUNDLED[info.name]
    fixed = {
        "n_samples": f"it has a fixed {size.n_samples} samples",
        "n_features": f"it has a fixed {size.n_features} features",
        "noise": "a real data set has no noise option",
        "n_classes": f"it has a fixed {len(size.classes)} classes" if size.classes else "it is a regression data set",
    }
    for name, value in options.items():
        if value is not None:
            raise invalid(name, f"make_dataset for the bundled {info.name!r} data set",
                          f"left unset (None): {fixed[name]}", value)


def _check_noise(info: ProblemInfo, noise) -> float:
    owner = f"make_dataset for the {info.name!r} problem"
    if info.noise == "flip":
        expected = "a label-flip probability in [0, 1]"
        ok = lambda v: 0.0 <= v <= 1.0  # noqa: E731
    else:
        expected = "a noise standard deviation >= 0 (finite)"
        ok = lambda v: 0.0 <= v < math.inf  # noqa: E731
    if isinstance(noise, bool) or not isinstance(noise, (int, float, np.integer, np.floating)) or not ok(float(noise)):
        raise invalid("noise", owner, expected, noise)
    return float(noise)


def problem_table():
    """Every problem as a pandas DataFrame, one row each, in :data:`PROBLEMS` order.

    Columns: ``name``, ``kind`` (``synthetic`` or ``bundled``), ``task``, ``samples``,
    ``features`` (nullable integers: ``<NA>`` for synthetic problems, whose sizes the caller
    chooses, defaults 100 and 10), ``classes`` (2 for binary, the default ``n_classes`` for
    ``blobs``/``spirals``, K for a bundled multiclass set, 0 for regression) and ``description``.
    """
    import pandas as pd

    rows = []
    for name, p in PROBLEMS.items():
        size = BUNDLED.get(name)
        classes = 0 if p.task == "regression" else (p.n_classes or 2)
        rows.append({
            "name": name, "kind": p.kind, "task": p.task,
            "samples": size.n_samples if size else pd.NA, "features": size.n_features if size else pd.NA,
            "classes": classes, "description": p.doc,
        })
    table = pd.DataFrame(rows, columns=["name", "kind", "task", "samples", "features", "classes", "description"])
    return table.astype({"samples": "Int64", "features": "Int64", "classes": "int64"})
