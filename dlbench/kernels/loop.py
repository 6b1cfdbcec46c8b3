"""The training loop: every epoch and every batch runs inside one compiled kernel."""

from __future__ import annotations

import math

import numpy as np
from numba import njit

from .._numba_config import JIT
from ..optimizers.lbfgs import RULE_LBFGS
from .clock import now
from .dispatch import apply_update, controller_step
from .lbfgs import lbfgs_epoch
from .network import loss_grad
from .rng import shuffle

STATUS_RAN = 0
STATUS_CONVERGED = 1
STATUS_DIVERGED = 2


@njit(**JIT)
def _all_finite(a):
    for v in a.flat:
        if not math.isfinite(v):
            return False
    return True


@njit(**JIT)
def train_loop(
    X, y, theta, n_hidden, loss_code,
    rule, hp, state, scalars,
    rates, controller, ctrl_hp,
    batch_size, seed, epochs, tol, patience, div_factor,
    losses, accs, lrs, times,
):
    """Train in place from ``theta``; fill ``losses``/``accs``/``times`` (epochs + 1) and ``lrs``.

    ``losses[k]``/``accs[k]`` are the mean loss and accuracy over the whole training set at the
    parameters after ``k`` epochs; ``lrs[k]`` the rate used in epoch ``k``; ``times[k]`` the
    seconds since the loop started, read after epoch ``k``. Full-batch epochs (``batch_size >= N``)
    take one gradient step computed in sample order; otherwise each epoch draws a fresh order and
    steps once per batch (the last batch may be smaller). Returns ``(epochs_run, status)``.

    Early stopping (``patience > 0``): stop once the loss has not fallen below the best loss so far
    by more than ``tol`` for ``patience`` consecutive epochs. Divergence: a non-finite loss or
    parameter, or a loss above ``div_factor * max(losses[0], 1)``, stops the run.
    """
    N = X.shape[0]
    P = theta.shape[0]
    full = batch_size >= N
    ident = np.arange(N)
    order = np.arange(N)
    rng = np.empty(1, np.uint64)
    rng[0] = np.uint64(seed)
    grad = np.zeros(P)
    z1 = np.empty(n_hidden)
    cstate = np.zeros(8)
    undo = controller != 0
    theta_old = theta.copy()
    state_old = state.copy()
    scalars_old = scalars.copy()
    grad_old = grad.copy()

    loss, acc = loss_grad(theta, X, y, ident, 0, N, loss_code, grad, z1, full)
    losses[0] = loss
    accs[0] = acc
    times[0] = 0.0
    if not math.isfinite(loss) or not _all_finite(theta):
        return 0, STATUS_DIVERGED
    limit = div_factor * max(loss, 1.0)
    best = loss
    bad = 0
    step = 0
    lr = rates[0]
    t0 = now()
    for epoch in range(epochs):
        if controller == 0:
            lr = rates[epoch]
        lrs[epoch] = lr
        if undo:
            theta_old[:] = theta
            state_old[:] = state
            scalars_old[:] = scalars
            grad_old[:] = grad
        step_old = step
        if full:
            step += 1
            if rule == RULE_LBFGS:
                lbfgs_epoch(theta, X, y, ident, loss_code, grad, z1, state, scalars, hp, lr, loss)
            else:
                apply_update(rule, theta, grad, state, scalars, hp, lr, step)
            new_loss, new_acc = loss_grad(theta, X, y, ident, 0, N, loss_code, grad, z1, True)
        else:
            shuffle(order, rng)
            for start in range(0, N, batch_size):
                stop = min(start + batch_size, N)
                loss_grad(theta, X, y, order, start, stop, loss_code, grad, z1, True)
                step += 1
                apply_update(rule, theta, grad, state, scalars, hp, lr, step)
            new_loss, new_acc = loss_grad(theta, X, y, ident, 0, N, loss_code, grad, z1, False)
        stop_now = False
        if controller != 0:
            lr, accept, stop_now = controller_step(controller, cstate, ctrl_hp, lr, loss, new_loss)
            if not accept:
                theta[:] = theta_old
                state[:] = state_old
                scalars[:] = scalars_old
                grad[:] = grad_old
                step = step_old
                new_loss = loss
                new_acc = acc
        losses[epoch + 1] = new_loss
        accs[epoch + 1] = new_acc
        times[epoch + 1] = now() - t0
        if not math.isfinite(new_loss) or new_loss > limit or not _all_finite(theta):
            return epoch + 1, STATUS_DIVERGED
        if patience > 0:
            if new_loss > best - tol:
                bad += 1
            else:
                bad = 0
            if new_loss < best:
                best = new_loss
            if bad >= patience:
                return epoch + 1, STATUS_CONVERGED
        if stop_now:
            return epoch + 1, STATUS_CONVERGED
        loss = new_loss
        acc = new_acc
    return epochs, STATUS_RAN
