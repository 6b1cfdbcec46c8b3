"""L-BFGS: ``torch.optim.LBFGS``, one ``step(closure)`` per epoch.

Unlike the other optimizers, L-BFGS is not a per-batch update rule: each epoch is one call of
torch's ``LBFGS.step(closure)``, which runs up to ``max_iter`` quasi-Newton iterations and
evaluates the full-batch loss and gradient (the closure) as often as it needs, at most
``max_eval`` times. Its kernel, :func:`dlbench.kernels.lbfgs.lbfgs_epoch`, therefore takes the
data and is called by the training loop in place of an update rule; it only runs full-batch.

Each iteration (Nocedal 1980; Liu and Nocedal 1989, "On the limited memory BFGS method for large
scale optimization"; torch's port of minFunc) computes the direction ``d = -H g`` by the two-loop
recursion over the last ``history_size`` pairs ``s = x_{k+1} - x_k``, ``y = g_{k+1} - g_k``
(a pair is kept only when ``y.s > 1e-10``), with initial inverse Hessian ``H0 = (y.s)/(y.y)`` of
the newest pair, then moves ``x <- x + t d``: with a fixed step ``t = lr`` (the very first
iteration uses ``t = min(1, 1/|g|_1) * lr``), or with ``line_search_fn="strong_wolfe"``, torch's
strong-Wolfe line search (``c1 = 1e-4``, ``c2 = 0.9``, cubic interpolation) started at that ``t``.
The history, direction and step carry over from one epoch to the next, as torch keeps them
across ``step()`` calls. Termination tests are torch's: ``max|g| <= tolerance_grad`` (also
checked on entry, when the step returns without moving), ``g.d > -tolerance_change``,
``max|t d| <= tolerance_change``, ``|f - f_prev| < tolerance_change``, ``max_iter`` iterations or
``max_eval`` closure evaluations.
"""

from __future__ import annotations

from ..hyper import Hyper
from .base import Optimizer

RULE_LBFGS = 30

LINE_SEARCHES = ("none", "strong_wolfe")

# layout of the scalar state (``scalars``), shared with the kernel
T = 0
"""Step length of the last iteration (torch's ``state['t']``)."""
H_DIAG = 1
PREV_LOSS = 2
N_ITER = 3
"""Iterations over all epochs (torch's ``state['n_iter']``)."""
FUNC_EVALS = 4
"""Closure evaluations over all epochs (torch's ``state['func_evals']``)."""
NUM_OLD = 5
"""Pairs in the history (``len(old_dirs)``)."""
HEAD = 6
"""Ring-buffer position of the oldest pair."""
RO = 7
"""``history_size`` entries ``1 / y.s`` (ring buffer), then ``history_size`` of work space."""

# layout of the per-parameter state (``state`` rows)
ROW_D = 0
ROW_PREV_GRAD = 1
ROW_DIRS = 2
"""``history_size`` rows of ``y`` (ring buffer), then ``history_size`` rows of ``s``."""
N_WORK_ROWS = 5
"""After the history: the line search's trial point, new, previous and two bracket gradients."""


def state_shape(values) -> tuple[int, int]:
    """``(n_slots, n_scalars)`` for a history of ``history_size`` pairs."""
    m = values["history_size"]
    return ROW_DIRS + 2 * m + N_WORK_ROWS, RO + 2 * m


OPTIMIZERS = (
    Optimizer(
        "lbfgs", RULE_LBFGS,
        "Limited-memory BFGS: one torch LBFGS.step(closure) per epoch (full batch only).",
        "torch.optim.LBFGS", 1.0,
        (
            Hyper("history_size", 100, "number of (s, y) pairs kept", kind="int", low=1),
            Hyper("max_iter", 20, "iterations per epoch (per step call)", kind="int", low=1),
            Hyper("max_eval", None, "loss/gradient evaluations per epoch (None: max_iter * 5 // 4)",
                  kind="int", low=1),
            Hyper("tolerance_grad", 1e-7, "stop when max |gradient| <= this", low=0.0),
            Hyper("tolerance_change", 1e-9, "stop when the step or loss change falls below this", low=0.0),
            Hyper("line_search_fn", "none", "line search", kind="choice", choices=LINE_SEARCHES),
        ),
        ("history_size", "max_iter", "max_eval", "tolerance_grad", "tolerance_change", "line_search_fn"),
        full_batch_only=True,
        state_shape=state_shape,
    ),
)
