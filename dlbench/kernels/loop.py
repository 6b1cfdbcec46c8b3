"""The training loop: every epoch and every batch runs inside one compiled kernel.

The loop is compiled twice from the same source: :func:`train_loop` with every update rule
(:func:`dispatch.apply_update`) and :func:`train_loop_established` with the established ones
only (:func:`dispatch.apply_established`), the copy the ``all`` group's commands use, so they
never compile the newer rules. :func:`loop_for` picks one for a set of rule codes. A hook in
:func:`_epoch` or :func:`train_loop` is in both copies.
"""

from __future__ import annotations

import math
import types

import numpy as np

from ._config import JIT, is_entry, njit
from ..optimizers.lbfgs import FUNC_EVALS, RULE_LBFGS
from ..optimizers.sam import RULE_SAM
from .arrays import copy_into, copy_rows
from .clock import now, ticks
from .codes import STATUS_CONVERGED, STATUS_DIVERGED, STATUS_INTERRUPTED, STATUS_RAN, loop_kind  # noqa: F401
from .dispatch import apply_established, apply_update, controller_step, eval_point, sam_perturb, sam_restore
from .lbfgs import lbfgs_epoch
from .network import (STREAM_BELOW, batch_loss_grad, full_loss_grad, gather_columns, net_loss_grad, stream_loss_grad,
                      workspace)
from .rng import shuffle

FULL_COPY = True
"""Whether a loop copy holds SAM's second gradient and schedule-free's evaluation point. The
established copy does not (neither is an established rule): it rebinds this to ``False`` and Numba
prunes the branches on it at compile time, so that copy never compiles that code."""


@njit(**JIT)
def _all_finite(a):
    for v in a.flat:
        if not math.isfinite(v):
            return False
    return True


@njit(inline="always", **JIT)  # inlined into the loop: compiled once with it, not once more on its own
def _epoch(ws, theta, order, batch_size, grad, rule, hp, state, scalars, lr, step, loss, rng, rates, per_step):
    """One epoch; returns ``(loss, score, step)`` at the new parameters, with ``grad`` the
    gradient there in full-batch mode. ``per_step``: each mini-batch update uses ``rates[step]``
    (``step`` counted from 0) instead of ``lr``. SAM (``RULE_SAM``) takes a second gradient at its
    perturbed point on the same batch before each update; a rule with an evaluation point
    (:func:`~dlbench.kernels.dispatch.eval_point`, schedule-free) reports the loss there, the
    full-batch gradient staying at ``theta``."""
    N = ws[0].shape[0]
    layers = ws[3]
    if batch_size >= N:
        step += 1
        if rule == RULE_LBFGS:
            lbfgs_epoch(theta, ws, grad, state, scalars, hp, lr, loss)
        else:
            if FULL_COPY and rule == RULE_SAM:
                sam_perturb(theta, grad, state, hp, layers)
                full_loss_grad(theta, ws, grad, True)
                sam_restore(theta, state, hp)
            apply_update(rule, theta, grad, state, scalars, hp, lr, step, layers)
        new_loss, new_acc = full_loss_grad(theta, ws, grad, True)
        row = eval_point(rule, theta, state, hp) if FULL_COPY else -1
        if row >= 0:
            new_loss, new_acc = full_loss_grad(state[row], ws, grad, False)
        return new_loss, new_acc, step
    shuffle(order, rng)
    # the workspace unpacked once per epoch, not once per batch (SGD takes N steps an epoch)
    X, y, XT, layers, act, loss_code, blas, blas_from = ws[:8]
    XB, yB, ZB, AB, DB0, DB1 = ws[12:18]
    z1, a1, e0, e1, y1 = ws[18:]
    for start in range(0, N, batch_size):
        stop = min(start + batch_size, N)
        if stop - start < STREAM_BELOW:
            stream_loss_grad(theta, layers, act, loss_code, X, y, order, start, stop, grad, z1, a1, e0, e1, y1, True)
        else:
            gather_columns(X, y, order, start, stop, XB, yB)
            net_loss_grad(theta, layers, act, loss_code, blas, blas_from, XB, yB, stop - start, grad, ZB, AB, DB0, DB1, True)
        if FULL_COPY and rule == RULE_SAM:
            sam_perturb(theta, grad, state, hp, layers)
            batch_loss_grad(theta, ws, order, start, stop, grad)
            sam_restore(theta, state, hp)
        if per_step:
            lr = rates[step]
        step += 1
        apply_update(rule, theta, grad, state, scalars, hp, lr, step, layers)
    row = eval_point(rule, theta, state, hp) if FULL_COPY else -1
    new_loss, new_acc = full_loss_grad(theta if row < 0 else state[row], ws, grad, False)
    return new_loss, new_acc, step


@njit(entry=True, **JIT)
def train_loop(
    X, y, theta, layers, act, loss_code, blas,
    rule, hp, state, scalars,
    rates, controller, ctrl_hp,
    batch_size, seed, epochs, tol, patience, div_factor,
    losses, accs, lrs, times,
    X_test, y_test, test_losses, test_accs,
    stop, evals,
):
    """Train in place from ``theta``; fill ``losses``/``accs``/``times``/``evals`` (epochs + 1) and ``lrs``.

    ``losses[k]``/``accs[k]`` are the mean loss and accuracy over the whole training set at the
    parameters after ``k`` epochs; ``lrs[k]`` the rate used in epoch ``k`` (``rates`` holds one
    rate per epoch, or one per update when it is longer than ``epochs``: then ``lrs[k]`` is the
    rate of epoch ``k``'s first update); ``times[k]`` the
    training seconds since the loop started, read after epoch ``k`` (time-stamp counter, scaled by
    the wall time of the whole run; time spent evaluating the held-out set is left out). Full-batch epochs (``batch_size >= N``) take one gradient step;
    otherwise each epoch draws a fresh order and steps once per batch (the last batch may be
    smaller). ``test_losses``/``test_accs`` get the same measures on ``(X_test, y_test)`` when that
    set is not empty (a held-out split; it never influences training). ``stop[0]`` is read before
    every epoch: non-zero stops the run (status interrupted; see :mod:`dlbench._interrupt`). Returns
    ``(epochs_run, status, seconds)``, ``seconds`` being the training time of the loop.

    ``evals[k]``: training gradients computed in the first ``k`` epochs (one per update, two for
    SAM, L-BFGS's closure evaluations; an epoch the controller undoes still counts; the gradient
    that comes with the reporting loss counts only as the next update's). A rule with an
    evaluation point (schedule-free) is measured there (training and held-out set) and ``theta``
    ends there.

    Early stopping (``patience > 0``): stop once the loss has not fallen below the best loss so far
    by more than ``tol`` for ``patience`` consecutive epochs. Divergence: a non-finite loss or
    parameter, or a loss above ``div_factor * max(losses[0], 1)``, stops the run.
    """
    N = X.shape[0]
    P = theta.shape[0]
    order = np.empty(N, np.int64)  # np.arange(N), without 1 s of compiling NumPy's arange
    for i in range(N):
        order[i] = i
    rng = np.empty(1, np.uint64)
    rng[0] = np.uint64(seed)
    grad = np.zeros(P)
    test_grad = np.zeros(P)
    bcap = min(batch_size, N) if batch_size < N else 0
    ws = workspace(X, y, layers, act, loss_code, bcap, blas)
    ws_test = workspace(X_test, y_test, layers, act, loss_code, 0, blas)
    has_test = X_test.shape[0] > 0
    cstate = np.zeros(8)
    undo = controller != 0
    theta_old = theta.copy()
    state_old = state.copy()
    scalars_old = scalars.copy()
    grad_old = grad.copy()

    loss, acc = full_loss_grad(theta, ws, grad, batch_size >= N)
    losses[0] = loss
    accs[0] = acc
    times[0] = 0.0
    evals[0] = 0.0
    per_update = 2.0 if rule == RULE_SAM else 1.0
    if has_test:
        test_losses[0], test_accs[0] = full_loss_grad(theta, ws_test, test_grad, False)
    if not math.isfinite(loss) or not _all_finite(theta):
        return 0, STATUS_DIVERGED, 0.0
    limit = div_factor * max(loss, 1.0)
    best = loss
    bad = 0
    step = 0
    lr = rates[0]
    per_step = rates.shape[0] > epochs  # one rate per update (a schedule stepped every batch)
    stride = rates.shape[0] // epochs
    epochs_run = epochs
    status = STATUS_RAN
    held_out = 0.0
    t0 = now()
    k0 = ticks()
    for epoch in range(epochs):
        if stop[0] != 0:
            epochs_run, status = epoch, STATUS_INTERRUPTED
            break
        if controller == 0:
            lr = rates[epoch * stride]
        lrs[epoch] = lr
        if undo:
            copy_into(theta_old, theta)
            copy_rows(state_old, state)
            copy_into(scalars_old, scalars)
            copy_into(grad_old, grad)
        step_old = step
        evals_old = scalars[FUNC_EVALS] if rule == RULE_LBFGS else 0.0
        new_loss, new_acc, step = _epoch(
            ws, theta, order, batch_size, grad, rule, hp, state, scalars, lr, step, loss, rng, rates, per_step
        )
        done = scalars[FUNC_EVALS] - evals_old if rule == RULE_LBFGS else (step - step_old) * per_update
        evals[epoch + 1] = evals[epoch] + done
        stop_now = False
        if controller != 0:
            lr, accept, stop_now = controller_step(controller, cstate, ctrl_hp, lr, loss, new_loss)
            if not accept:
                copy_into(theta, theta_old)
                copy_rows(state, state_old)
                copy_into(scalars, scalars_old)
                copy_into(grad, grad_old)
                step = step_old
                new_loss = loss
                new_acc = acc
        losses[epoch + 1] = new_loss
        accs[epoch + 1] = new_acc
        times[epoch + 1] = ticks() - k0 - held_out
        if has_test:  # measured outside the training time
            k1 = ticks()
            row = eval_point(rule, theta, state, hp) if FULL_COPY and step > 0 else -1
            test_losses[epoch + 1], test_accs[epoch + 1] = full_loss_grad(
                theta if row < 0 else state[row], ws_test, test_grad, False)
            held_out += ticks() - k1
        if not math.isfinite(new_loss) or new_loss > limit or not _all_finite(theta):
            epochs_run, status = epoch + 1, STATUS_DIVERGED
            break
        if patience > 0:
            if new_loss > best - tol:
                bad += 1
            else:
                bad = 0
            if new_loss < best:
                best = new_loss
            if bad >= patience:
                epochs_run, status = epoch + 1, STATUS_CONVERGED
                break
        if stop_now:
            epochs_run, status = epoch + 1, STATUS_CONVERGED
            break
        loss = new_loss
        acc = new_acc
    seconds = now() - t0
    row = eval_point(rule, theta, state, hp) if FULL_COPY and step > 0 else -1
    if row >= 0:  # the trained parameters are the evaluation point
        copy_into(theta, state[row])  # not theta[:] = ...: NumPy's slice machinery costs 4 s to compile
    spent = ticks() - k0
    seconds *= (spent - held_out) / spent if spent > 0 else 1.0
    spent -= held_out
    scale = seconds / spent if spent > 0 else 0.0
    for k in range(1, epochs_run + 1):
        times[k] *= scale
    return epochs_run, status, seconds


def _rebind(dispatcher, name: str, **names):
    """A separately compiled (and cached) copy of a kernel whose global ``names`` are rebound,
    e.g. ``_epoch`` calling another dispatch function. Its own qualified name keeps its cache
    entries apart from the original's."""
    fn = dispatcher.py_func
    copy = types.FunctionType(fn.__code__, {**fn.__globals__, **names}, name, fn.__defaults__, fn.__closure__)
    copy.__qualname__ = name
    copy.__module__ = fn.__module__
    copy.__doc__ = fn.__doc__
    inline = dispatcher.targetoptions.get("inline")
    return njit(entry=is_entry(dispatcher), **JIT, **({"inline": inline} if inline else {}))(copy)


_epoch_established = _rebind(_epoch, "_epoch_established", apply_update=apply_established, FULL_COPY=False)
train_loop_established = _rebind(train_loop, "train_loop_established", _epoch=_epoch_established, FULL_COPY=False)


def loop_for(rules) -> object:
    """The compiled loop for runs with these rule codes: :func:`train_loop_established` when
    every one is established (or L-BFGS, which both copies hold), else :func:`train_loop`
    (:func:`dlbench.kernels.codes.loop_kind`)."""
    return train_loop_established if loop_kind(rules) == "established" else train_loop
