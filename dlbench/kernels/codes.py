"""The integer codes the compiled loop and Python agree on, importable without Numba: how a run
ended (:data:`STATUS_RAN` ...) and which rules the ``all`` group's loop copy holds
(:data:`ESTABLISHED_RULES`, :func:`loop_kind`)."""

from __future__ import annotations

from ..optimizers import adam as _adam
from ..optimizers import adaptive as _adaptive
from ..optimizers import lion as _lion
from ..optimizers import rprop as _rprop
from ..optimizers import sgd as _sgd
from ..optimizers.lbfgs import RULE_LBFGS

STATUS_RAN = 0
STATUS_CONVERGED = 1
STATUS_DIVERGED = 2
STATUS_INTERRUPTED = 3

ESTABLISHED_RULES = frozenset({
    _sgd.RULE_SGD, _sgd.RULE_SGD_SKLEARN, _adaptive.RULE_ADAGRAD, _adaptive.RULE_RMSPROP, _adaptive.RULE_ADADELTA,
    _adam.RULE_ADAM, _adam.RULE_ADAMAX, _adam.RULE_NADAM, _adam.RULE_RADAM, _rprop.RULE_RPROP, _lion.RULE_LION,
})
"""Rule codes :func:`dlbench.kernels.dispatch.apply_established` holds (those of the ``all``
group): a command that uses only these compiles the smaller loop (:func:`loop_kind`)."""

LOOP_KINDS = {"established": "train_loop_established", "all": "train_loop"}
"""The two compiled copies of the training loop (:mod:`dlbench.kernels.loop`), by kind."""


def loop_kind(rules) -> str:
    """``"established"`` when every rule code is established (or L-BFGS, which both loop copies
    hold), else ``"all"``."""
    return "established" if all(r in ESTABLISHED_RULES or r == RULE_LBFGS for r in rules) else "all"
