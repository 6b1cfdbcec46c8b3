"""scikit-learn MLP's learning-rate schedules (``MLPClassifier(solver="sgd", learning_rate=...)``):
``invscaling`` (precomputed) and ``adaptive`` (a loss-driven controller).

They follow scikit-learn 1.9's ``BaseMultilayerPerceptron._fit_stochastic``,
``_update_no_improvement_count`` and ``SGDOptimizer.iteration_ends`` / ``trigger_stopping``.
"""

from __future__ import annotations

import math

from ..hyper import Hyper
from .base import Schedule

__all__ = ["SCHEDULES", "CTRL_ADAPTIVE", "adaptive_step"]

CTRL_ADAPTIVE = 3


def _invscaling(lr, epochs, params, n_samples):
    """scikit-learn's ``learning_rate="invscaling"``: ``rates[k] = lr / (k * n_samples + 1) ** power_t``.

    scikit-learn updates the rate at the end of each epoch from the number of samples seen so far
    (``t_ = k * n_samples`` before epoch ``k``), so the rate is constant within an epoch and
    epoch 0 uses ``lr``.
    """
    import numpy as np

    seen = np.arange(epochs, dtype=np.float64) * n_samples
    return lr / (seen + 1) ** params["power_t"]


def adaptive_step(cstate, hp, lr, loss_before, loss_after):
    """scikit-learn's ``learning_rate="adaptive"`` (``early_stopping=False``), after an epoch.

    scikit-learn's epoch loss is the loss at the START of the epoch for full batch
    (``loss_before``; with mini-batches dlbench also uses the full training loss at the start of
    the epoch, where scikit-learn averages the batch losses during the epoch). With ``best``
    starting at +inf and never reset: ``count += 1`` if ``loss > best - tol`` else ``count = 0``;
    then ``best = min(best, loss)``. If ``count > n_iter_no_change``: when ``lr <= 1e-6`` training
    stops (``stop``, recorded as converged; the epoch's step is kept), otherwise ``lr /= 5`` and
    ``count = 0``. The new rate is used from the next epoch.

    ``hp = (tol, n_iter_no_change)``; ``cstate = (best, count, started)``. Returns
    ``(lr, accept, stop)``.
    """
    tol = hp[0]
    if cstate[2] == 0.0:
        cstate[0] = math.inf
        cstate[2] = 1.0
    if loss_before > cstate[0] - tol:
        cstate[1] += 1.0
    else:
        cstate[1] = 0.0
    if loss_before < cstate[0]:
        cstate[0] = loss_before
    if cstate[1] > hp[1]:
        if lr <= 1e-6:
            return lr, True, True
        lr = lr / 5.0
        cstate[1] = 0.0
    return lr, True, False


SCHEDULES = (
    Schedule(
        "invscaling",
        "scikit-learn's inverse scaling: lr / (samples seen + 1) ** power_t, updated after each epoch.",
        "sklearn.neural_network.MLPClassifier(solver='sgd', learning_rate='invscaling')",
        (Hyper("power_t", 0.5, "exponent of the inverse scaling", low=0.0),),
        _invscaling,
        per_batch=False,
    ),
    Schedule(
        "adaptive",
        "scikit-learn's adaptive rate: divide it by 5 once the training loss has not improved by `tol` for more "
        "than `n_iter_no_change` epochs; stop when it is already below 1e-6.",
        "sklearn.neural_network.MLPClassifier(solver='sgd', learning_rate='adaptive')",
        (
            Hyper("tol", 1e-4, "minimum loss improvement that counts", low=0.0),
            Hyper("n_iter_no_change", 10, "epochs without improvement tolerated before the rate is divided",
                  kind="int", low=1),
        ),
        controller=CTRL_ADAPTIVE,
        kernel_args=("tol", "n_iter_no_change"),
    ),
)
