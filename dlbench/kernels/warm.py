"""A first run's compile, split over two processes that fill the same on-disk cache.

The training kernel is one tree of compiled functions: the loop calls the network code (forward,
backward, the L-BFGS line search) and the update rules (:func:`dispatch.apply_update`, every rule,
and the schedule controllers). The two branches do not depend on each other, so on a machine
with two or more cores a helper process (``python -m dlbench.kernels.warm``) compiles the rules
and controllers into the cache while this process compiles the network code; this process then
waits for it and compiles the loop, which loads the rules from the cache instead of compiling
them. Each function is compiled for exactly the argument types the loop calls it with (the
kernels never specialise on literal values: :func:`dlbench.kernels._config.njit`), so nothing
is compiled twice. If the helper cannot start or fails, this process compiles the rules itself.
"""

from __future__ import annotations

import os
import subprocess
import sys

import numpy as np

__all__ = ["compile_parallel", "compile_network", "compile_rules"]


def _tiny():
    """A two-sample, one-hidden-unit problem with the loop's argument types."""
    from ..model.spec import Network

    net = Network.make(1, (1,))
    return np.zeros((2, 1)), np.array([0.0, 1.0]), net, np.zeros(net.n_params)


def compile_rules(established: bool = False) -> None:
    """Compile the update rules (only the established ones, or every one) and the schedule
    controllers: what the helper process does."""
    from .dispatch import apply_established, apply_update, controller_step

    apply = apply_established if established else apply_update

    X, y, net, theta = _tiny()
    P = theta.shape[0]
    try:  # rule -1 is no rule: the call raises after compiling every branch
        apply(np.int64(-1), theta, np.zeros(P), np.zeros((1, P)), np.zeros(4), np.zeros(1), 0.1, np.int64(1),
              net.layers)
    except ValueError:
        pass
    controller_step(np.int64(0), np.zeros(8), np.zeros(1), 0.1, 1.0, 1.0)


def compile_network() -> None:
    """Compile the network code the loop calls: full-batch, mini-batch and streamed gradients,
    the L-BFGS epoch, the shuffle and the copies."""
    from .arrays import copy_into, copy_rows
    from .lbfgs import lbfgs_epoch
    from .network import full_loss_grad, gather_columns, net_loss_grad, stream_loss_grad
    from .rng import shuffle

    from .network import workspace

    X, y, net, theta = _tiny()
    layers, act, loss_code, blas = net.layers, np.int64(net.activation_code), np.int64(net.loss_code), np.int64(0)
    ws = workspace(X, y, layers, act, loss_code, np.int64(1), blas)
    P = theta.shape[0]
    grad = np.zeros(P)
    full_loss_grad(theta, ws, grad, True)
    order = np.arange(2)
    shuffle(order, np.zeros(1, np.uint64))
    z1, a1, e0, e1, y1 = ws[18:]
    stream_loss_grad(theta, layers, act, loss_code, X, y, order, np.int64(0), np.int64(1), grad, z1, a1, e0, e1, y1,
                     True)
    XB, yB, ZB, AB, DB0, DB1 = ws[12:18]
    gather_columns(X, y, order, np.int64(0), np.int64(1), XB, yB)
    net_loss_grad(theta, layers, act, loss_code, ws[6], ws[7], XB, yB, np.int64(1), grad, ZB, AB, DB0, DB1, True)
    copy_into(theta.copy(), theta)
    copy_rows(np.zeros((1, P)), np.zeros((1, P)))
    from ..optimizers.base import N_SCALARS
    from ..training import prepare

    plan = prepare("lbfgs", 2, epochs=1, hyperparameters={"history_size": 1, "max_iter": 1})
    lbfgs_epoch(theta, ws, grad, np.zeros((plan.n_slots, P)), np.zeros(max(plan.n_scalars, N_SCALARS)), plan.hp,
                1.0, 1.0)


def compile_parallel(established: bool = False) -> bool:
    """With two or more cores, compile the rules (only the established ones, or every one) in a
    helper process while this one compiles the network code; returns whether the helper ran (the
    caller then compiles the loop). ``DLBENCH_COMPILE_JOBS=1`` keeps it to this process."""
    if (os.cpu_count() or 1) < 2 or os.environ.get("DLBENCH_COMPILE_JOBS") == "1":
        return False
    try:
        helper = subprocess.Popen([sys.executable, "-m", "dlbench.kernels.warm", "established" if established else "all"],
                                  stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    except OSError:
        return False
    try:
        compile_network()
    finally:
        helper.wait()
    return helper.returncode == 0


if __name__ == "__main__":  # the helper process
    compile_rules(sys.argv[1:] == ["established"])
