"""The L-BFGS epoch: one ``torch.optim.LBFGS.step(closure)``, compiled.

A line-by-line port of torch 2.13's ``LBFGS.step``, ``_strong_wolfe`` and ``_cubic_interpolate``
(``torch/optim/lbfgs.py``) to flat float64 arrays. The closure is the full-batch mean loss and
gradient, :func:`dlbench.kernels.network.full_loss_grad`. torch's Python lists ``old_dirs``,
``old_stps`` and ``ro`` (``pop(0)`` when full, then ``append``) are ring buffers here, read
oldest first, so the two-loop recursion visits the pairs in torch's order. Python's ``min``/``max``
are spelled out (:func:`_pymin`, :func:`_pymax`) so that NaN behaves as in torch. State layout:
:mod:`dlbench.optimizers.lbfgs`.
"""

from __future__ import annotations

import math

import numpy as np

from ._config import JIT, njit
from ..optimizers.lbfgs import (
    FUNC_EVALS, H_DIAG, HEAD, N_ITER, NUM_OLD, PREV_LOSS, RO, ROW_D, ROW_DIRS, ROW_PREV_GRAD, T,
)
from .arrays import copy_into
from .network import full_loss_grad

_C1 = 1e-4
_C2 = 0.9
_LS_TOLERANCE_CHANGE = 1e-9
"""torch calls ``_strong_wolfe`` without ``tolerance_change``, so the search uses its default."""


@njit(**JIT)
def _pymin(a, b):
    """Python's ``min(a, b)``: ``a`` unless ``b < a``."""
    return b if b < a else a


@njit(**JIT)
def _pymax(a, b):
    """Python's ``max(a, b)``: ``a`` unless ``b > a``."""
    return b if b > a else a


@njit(**JIT)
def _dot(a, b):
    s = 0.0
    for i in range(a.shape[0]):
        s += a[i] * b[i]
    return s


@njit(**JIT)
def _abs_max(a, scale):
    """``(a * scale).abs().max()``, NaN if any entry is NaN (as in torch)."""
    m = 0.0
    for i in range(a.shape[0]):
        v = abs(a[i] * scale)
        if math.isnan(v):
            return v
        if v > m:
            m = v
    return m


@njit(**JIT)
def _cubic_interpolate(x1, f1, g1, x2, f2, g2, xmin_bound, xmax_bound):
    """Minimiser of the cubic through ``(x1, f1, g1)`` and ``(x2, f2, g2)``, clamped to the bounds;
    the bounds' midpoint when the cubic has no minimiser."""
    d1 = g1 + g2 - 3.0 * (f1 - f2) / (x1 - x2)
    d2_square = d1 * d1 - g1 * g2
    if d2_square >= 0.0:
        d2 = math.sqrt(d2_square)
        if x1 <= x2:
            min_pos = x2 - (x2 - x1) * ((g2 + d2 - d1) / (g2 - g1 + 2.0 * d2))
        else:
            min_pos = x1 - (x1 - x2) * ((g1 + d2 - d1) / (g1 - g2 + 2.0 * d2))
        return _pymin(_pymax(min_pos, xmin_bound), xmax_bound)
    return (xmin_bound + xmax_bound) / 2.0


@njit(**JIT)
def _cubic_between(x1, f1, g1, x2, f2, g2):
    """:func:`_cubic_interpolate` bounded by the two points (torch's ``bounds=None``)."""
    if x1 <= x2:
        return _cubic_interpolate(x1, f1, g1, x2, f2, g2, x1, x2)
    return _cubic_interpolate(x1, f1, g1, x2, f2, g2, x2, x1)


@njit(**JIT)
def _directional_evaluate(theta, t, d, trial, g_out, ws):
    """Loss at ``theta + t d`` with its gradient in ``g_out``; ``theta`` does not move."""
    for i in range(theta.shape[0]):
        trial[i] = theta[i] + t * d[i]
    loss, _ = full_loss_grad(trial, ws, g_out, True)
    return loss


@njit(**JIT)
def _strong_wolfe(theta, t, d, f, g, gtd, max_ls, work, ws):
    """torch's ``_strong_wolfe`` from ``theta`` along ``d``: returns ``(f_new, t, ls_func_evals)``
    and leaves the gradient at the accepted point in ``g`` (which holds the gradient at ``theta``
    on entry). ``work`` is five rows: trial point, new, previous and the two bracket gradients."""
    trial = work[0]
    g_new = work[1]
    g_prev = work[2]
    bracket_g = work[3:5]
    bracket = np.zeros(2)
    bracket_f = np.zeros(2)
    bracket_gtd = np.zeros(2)

    d_norm = _abs_max(d, 1.0)
    f_new = _directional_evaluate(theta, t, d, trial, g_new, ws)
    ls_func_evals = 1
    gtd_new = _dot(g_new, d)

    # bracket an interval containing a point satisfying the Wolfe criteria
    t_prev = 0.0
    f_prev = f
    copy_into(g_prev, g)
    gtd_prev = gtd
    done = False
    ls_iter = 0
    n_bracket = 0
    while ls_iter < max_ls:
        if f_new > (f + _C1 * t * gtd) or (ls_iter > 1 and f_new >= f_prev):
            n_bracket = 2
            break
        if abs(gtd_new) <= -_C2 * gtd:
            n_bracket = 1
            done = True
            break
        if gtd_new >= 0:
            n_bracket = 2
            break

        # interpolate
        min_step = t + 0.01 * (t - t_prev)
        max_step = t * 10
        tmp = t
        t = _cubic_interpolate(t_prev, f_prev, gtd_prev, t, f_new, gtd_new, min_step, max_step)

        # next step
        t_prev = tmp
        f_prev = f_new
        copy_into(g_prev, g_new)
        gtd_prev = gtd_new
        f_new = _directional_evaluate(theta, t, d, trial, g_new, ws)
        ls_func_evals += 1
        gtd_new = _dot(g_new, d)
        ls_iter += 1

    if n_bracket == 2:
        bracket[0] = t_prev
        bracket[1] = t
        bracket_f[0] = f_prev
        bracket_f[1] = f_new
        copy_into(bracket_g[0], g_prev)
        copy_into(bracket_g[1], g_new)
        bracket_gtd[0] = gtd_prev
        bracket_gtd[1] = gtd_new
    elif n_bracket == 1:
        bracket[0] = t
        bracket_f[0] = f_new
        copy_into(bracket_g[0], g_new)

    # reached max number of iterations?
    if ls_iter == max_ls:
        n_bracket = 2
        bracket[0] = 0.0
        bracket[1] = t
        bracket_f[0] = f
        bracket_f[1] = f_new
        copy_into(bracket_g[0], g)
        copy_into(bracket_g[1], g_new)

    # zoom phase
    insuf_progress = False
    last = n_bracket - 1
    if bracket_f[0] <= bracket_f[last]:
        low_pos, high_pos = 0, 1
    else:
        low_pos, high_pos = 1, 0
    while not done and ls_iter < max_ls:
        # line-search bracket is so small
        if abs(bracket[1] - bracket[0]) * d_norm < _LS_TOLERANCE_CHANGE:
            break

        # compute new trial value
        t = _cubic_between(bracket[0], bracket_f[0], bracket_gtd[0], bracket[1], bracket_f[1], bracket_gtd[1])

        # test that we are making sufficient progress
        b_max = _pymax(bracket[0], bracket[1])
        b_min = _pymin(bracket[0], bracket[1])
        eps = 0.1 * (b_max - b_min)
        if _pymin(b_max - t, t - b_min) < eps:
            # interpolation close to boundary
            if insuf_progress or t >= b_max or t <= b_min:
                # evaluate at 0.1 away from boundary
                if abs(t - b_max) < abs(t - b_min):
                    t = b_max - eps
                else:
                    t = b_min + eps
                insuf_progress = False
            else:
                insuf_progress = True
        else:
            insuf_progress = False

        # evaluate new point
        f_new = _directional_evaluate(theta, t, d, trial, g_new, ws)
        ls_func_evals += 1
        gtd_new = _dot(g_new, d)
        ls_iter += 1

        if f_new > (f + _C1 * t * gtd) or f_new >= bracket_f[low_pos]:
            # Armijo condition not satisfied or not lower than lowest point
            bracket[high_pos] = t
            bracket_f[high_pos] = f_new
            copy_into(bracket_g[high_pos], g_new)
            bracket_gtd[high_pos] = gtd_new
            if bracket_f[0] <= bracket_f[1]:
                low_pos, high_pos = 0, 1
            else:
                low_pos, high_pos = 1, 0
        else:
            if abs(gtd_new) <= -_C2 * gtd:
                # Wolfe conditions satisfied
                done = True
            elif gtd_new * (bracket[high_pos] - bracket[low_pos]) >= 0:
                # old high becomes new low
                bracket[high_pos] = bracket[low_pos]
                bracket_f[high_pos] = bracket_f[low_pos]
                copy_into(bracket_g[high_pos], bracket_g[low_pos])
                bracket_gtd[high_pos] = bracket_gtd[low_pos]

            # new point becomes new low
            bracket[low_pos] = t
            bracket_f[low_pos] = f_new
            copy_into(bracket_g[low_pos], g_new)
            bracket_gtd[low_pos] = gtd_new

    copy_into(g, bracket_g[low_pos])
    return bracket_f[low_pos], bracket[low_pos], ls_func_evals


@njit(**JIT)
def lbfgs_epoch(theta, ws, grad, state, scalars, hp, lr, loss):
    """One ``torch.optim.LBFGS.step(closure)`` from ``theta`` (updated in place).

    ``grad`` and ``loss`` hold the closure's value at ``theta`` (the step's first evaluation);
    ``grad`` is used as torch's ``flat_grad`` and left at the last evaluated gradient.
    ``hp = (history_size, max_iter, max_eval or NaN, tolerance_grad, tolerance_change,
    line_search)`` with ``line_search`` 0 (none) or 1 (strong Wolfe).
    """
    history_size = int(hp[0])
    max_iter = int(hp[1])
    max_eval = max_iter * 5 // 4 if math.isnan(hp[2]) else int(hp[2])
    tolerance_grad = hp[3]
    tolerance_change = hp[4]
    strong_wolfe = hp[5] != 0.0
    P = theta.shape[0]
    flat_grad = grad
    d = state[ROW_D]
    prev_flat_grad = state[ROW_PREV_GRAD]
    old_dirs = state[ROW_DIRS : ROW_DIRS + history_size]
    old_stps = state[ROW_DIRS + history_size : ROW_DIRS + 2 * history_size]
    work = state[ROW_DIRS + 2 * history_size :]
    ro = scalars[RO : RO + history_size]
    al = scalars[RO + history_size : RO + 2 * history_size]

    # evaluate initial f(x) and df/dx (given)
    current_evals = 1
    scalars[FUNC_EVALS] += 1
    opt_cond = _abs_max(flat_grad, 1.0) <= tolerance_grad
    if opt_cond:
        return

    t = scalars[T]
    H_diag = scalars[H_DIAG]
    prev_loss = scalars[PREV_LOSS]
    num_old = int(scalars[NUM_OLD])
    head = int(scalars[HEAD])

    n_iter = 0
    while n_iter < max_iter:
        n_iter += 1
        scalars[N_ITER] += 1

        # compute gradient descent direction
        if scalars[N_ITER] == 1:
            for i in range(P):
                d[i] = -flat_grad[i]
            num_old = 0
            head = 0
            H_diag = 1.0
        else:
            # do lbfgs update (update memory): y = g - g_prev, s = d t
            ys = 0.0
            for i in range(P):
                ys += (flat_grad[i] - prev_flat_grad[i]) * (d[i] * t)
            if ys > 1e-10:
                if num_old == history_size:
                    # shift history by one (limited-memory): drop the oldest pair
                    head = (head + 1) % history_size
                    num_old -= 1
                slot = (head + num_old) % history_size
                yy = 0.0
                for i in range(P):
                    yi = flat_grad[i] - prev_flat_grad[i]
                    old_dirs[slot, i] = yi
                    old_stps[slot, i] = d[i] * t
                    yy += yi * yi
                ro[slot] = 1.0 / ys
                num_old += 1
                # update scale of initial Hessian approximation
                H_diag = ys / yy

            # two-loop recursion, q and r in d (each pair's coefficient held in a local, so the
            # compiler need not reload it from ``al`` after every store to ``d``: same arithmetic)
            for i in range(P):
                d[i] = -flat_grad[i]
            for i in range(num_old - 1, -1, -1):
                k = (head + i) % history_size
                a_i = _dot(old_stps[k], d) * ro[k]
                al[i] = a_i
                dirs = old_dirs[k]
                for j in range(P):
                    d[j] += -a_i * dirs[j]
            for j in range(P):
                d[j] = d[j] * H_diag
            for i in range(num_old):
                k = (head + i) % history_size
                be_i = _dot(old_dirs[k], d) * ro[k]
                c_i = al[i] - be_i
                stps = old_stps[k]
                for j in range(P):
                    d[j] += c_i * stps[j]

        copy_into(prev_flat_grad, flat_grad)
        prev_loss = loss

        # compute step length
        if scalars[N_ITER] == 1:
            abs_sum = 0.0
            for i in range(P):
                abs_sum += abs(flat_grad[i])
            t = _pymin(1.0, 1.0 / abs_sum) * lr
        else:
            t = lr

        # directional derivative
        gtd = _dot(flat_grad, d)
        if gtd > -tolerance_change:
            break

        ls_func_evals = 0
        if strong_wolfe:
            loss, t, ls_func_evals = _strong_wolfe(
                theta, t, d, loss, flat_grad, gtd, max_eval - current_evals, work, ws
            )
            for i in range(P):
                theta[i] = theta[i] + t * d[i]
            opt_cond = _abs_max(flat_grad, 1.0) <= tolerance_grad
        else:
            # no line search, simply move with fixed step
            for i in range(P):
                theta[i] = theta[i] + t * d[i]
            if n_iter != max_iter:
                loss, _ = full_loss_grad(theta, ws, flat_grad, True)
                opt_cond = _abs_max(flat_grad, 1.0) <= tolerance_grad
                ls_func_evals = 1

        current_evals += ls_func_evals
        scalars[FUNC_EVALS] += ls_func_evals

        # check conditions
        if n_iter == max_iter:
            break
        if current_evals >= max_eval:
            break
        if opt_cond:
            break
        # lack of progress
        if _abs_max(d, t) <= tolerance_change:
            break
        if abs(loss - prev_loss) < tolerance_change:
            break

    scalars[T] = t
    scalars[H_DIAG] = H_diag
    scalars[PREV_LOSS] = prev_loss
    scalars[NUM_OLD] = num_old
    scalars[HEAD] = head
