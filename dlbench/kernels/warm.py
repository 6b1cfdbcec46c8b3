"""A first run's compile, in helper processes that fill the on-disk cache; this one compiles nothing.

The training kernel is one tree of compiled functions: the loop calls the network code (forward,
backward, the L-BFGS line search) and the update rules (:func:`dispatch.apply_update`, every rule,
and the schedule controllers). On a machine with two or more cores two helper processes compile
the tree's leaves into the cache at once, split so that each has about half the work:
``python -m dlbench.kernels.warm rules KIND`` the rules, the controllers, the loop's small pieces
and then the mini-batch network code; ``... network`` the full-batch network code and L-BFGS.
A third (``... loop KIND``) then compiles the loop, loading all of it from the cache. The command's own process loads the finished loop from
the cache (:func:`compile_cold` says why it must not compile any of it). Each function is
compiled for exactly the argument types the loop calls it with (the kernels never specialise on
literal values: :func:`dlbench.kernels._config.njit`), so nothing is compiled twice. If a helper
cannot start or fails, the next one (or, last, this process) compiles what is missing.
:class:`CompileProgress` counts the functions as they reach the cache.
"""

from __future__ import annotations

import os
import subprocess
import sys
import threading
import time
from pathlib import Path

import numpy as np

from .._paths import user_cache
from .._spawn import module_argv

__all__ = ["compile_cold", "compile_network", "compile_rules", "compile_loop", "CompileProgress"]


def _tiny():
    """A two-sample, one-hidden-unit problem with the loop's argument types."""
    from ..model.spec import Network

    net = Network.make(1, (1,))
    return np.zeros((2, 1)), np.array([0.0, 1.0]), net, np.zeros(net.n_params)


def compile_rules(established: bool = False) -> None:
    """Compile the update rules (only the established ones, or every one), the schedule
    controllers, the small pieces the loop calls besides, then the mini-batch network code
    (:func:`compile_batches`): what one helper process does, beside :func:`compile_network`.
    The established copy needs neither SAM's pieces nor the evaluation point
    (:data:`dlbench.kernels.loop.FULL_COPY`). Measured in one cold compile of the established copy on the
    2-core machine (the two helpers at once, then the loop): this helper 8.7 s, the network
    helper 10.4 s, then the loop 7.0 s."""
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
    # the small pieces the loop calls besides: the clocks, and in the full copy SAM's perturbation
    # and the evaluation point (:data:`dlbench.kernels.loop.FULL_COPY`)
    from .clock import now, ticks
    from .loop import _all_finite

    if not established:
        from .dispatch import eval_point, sam_perturb, sam_restore

        state, hp = np.zeros((4, P)), np.zeros(4)
        sam_perturb(theta, np.zeros(P), state, hp, net.layers)
        sam_restore(theta, state, hp)
        eval_point(np.int64(-1), theta, state, hp)
    _all_finite(theta)
    now()
    ticks()
    compile_batches(sam=not established)


def _network_args():
    from .network import workspace

    X, y, net, theta = _tiny()
    layers, act, loss_code, blas = net.layers, np.int64(net.activation_code), np.int64(net.loss_code), np.int64(0)
    ws = workspace(X, y, layers, act, loss_code, np.int64(1), blas)
    return X, y, net, theta, ws


def compile_network() -> None:
    """Compile the full-batch network code and the L-BFGS epoch that calls it: what one helper
    process does (the workspace, ``full_loss_grad`` with the layer products, ``lbfgs_epoch``)."""
    from .arrays import copy_into
    from .lbfgs import lbfgs_epoch
    from .network import full_loss_grad
    from ..optimizers.base import N_SCALARS
    from ..training import prepare

    X, y, net, theta, ws = _network_args()
    P = theta.shape[0]
    grad = np.zeros(P)
    full_loss_grad(theta, ws, grad, True)
    copy_into(theta.copy(), theta)
    plan = prepare("lbfgs", 2, epochs=1, hyperparameters={"history_size": 1, "max_iter": 1})
    lbfgs_epoch(theta, ws, grad, np.zeros((plan.n_slots, P)), np.zeros(max(plan.n_scalars, N_SCALARS)), plan.hp,
                1.0, 1.0)


def compile_batches(sam: bool = True) -> None:
    """Compile the mini-batch network code: the shuffle, the streamed (sample by sample) and
    gathered batch gradients, the copies, and (``sam``) the batch gradient SAM's second step
    takes, which only the full loop copy calls."""
    from .arrays import copy_into, copy_rows
    from .network import batch_loss_grad, gather_columns, net_loss_grad, stream_loss_grad
    from .rng import shuffle

    X, y, net, theta, ws = _network_args()
    layers, act, loss_code = net.layers, np.int64(net.activation_code), np.int64(net.loss_code)
    P = theta.shape[0]
    grad = np.zeros(P)
    order = np.arange(2)
    shuffle(order, np.zeros(1, np.uint64))
    z1, a1, e0, e1, y1 = ws[18:]
    stream_loss_grad(theta, layers, act, loss_code, X, y, order, np.int64(0), np.int64(1), grad, z1, a1, e0, e1, y1,
                     True)
    XB, yB, ZB, AB, DB0, DB1 = ws[12:18]
    gather_columns(X, y, order, np.int64(0), np.int64(1), XB, yB)
    net_loss_grad(theta, layers, act, loss_code, ws[6], ws[7], XB, yB, np.int64(1), grad, ZB, AB, DB0, DB1, True)
    if sam:
        batch_loss_grad(theta, ws, order, np.int64(0), np.int64(1), grad)
    copy_into(theta.copy(), theta)
    copy_rows(np.zeros((1, P)), np.zeros((1, P)))


def compile_loop(kind: str) -> None:
    """Compile loop copy ``kind`` (:data:`dlbench.kernels.codes.LOOP_KINDS`) on a two-sample
    problem: what the second helper process does (the rules and network come from the cache)."""
    from . import loop
    from .codes import LOOP_KINDS
    from ..training import _run_kernel, prepare
    from ..model.spec import Network

    plan = prepare("gd", 2, epochs=1)
    net = Network.make(1, (1,))
    _run_kernel(np.zeros((2, 1)), np.array([0.0, 1.0]), np.zeros(net.n_params), net, plan, 0,
                loop=getattr(loop, LOOP_KINDS[kind]))


def _start(*args: str):
    try:
        return subprocess.Popen(module_argv("dlbench.kernels.warm", *args), stdin=subprocess.DEVNULL,
                                stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    except OSError:
        return None


def _finished(*helpers) -> bool:
    ok = True
    for helper in helpers:
        ok = helper is not None and helper.wait() == 0 and ok
    return ok


def compile_cold(kind: str) -> bool:
    """Fill the on-disk cache with loop copy ``kind`` (``"established"`` or ``"all"``) from
    helper processes, this one compiling nothing: with two or more cores the rules and the network
    code at once, then the loop (``DLBENCH_COMPILE_JOBS=1``: the loop's helper does it all).
    Returns whether the cache is filled; if not, the caller's first call compiles here.

    This process must not compile any of it itself: the loop loaded from the cache would then
    link to this process's own copies of the network functions, whose results can differ from
    the cached code's in the last bit (measured: sgd's final loss by one ulp on the default
    experiment), and the first run would not repeat bit for bit."""
    if (os.cpu_count() or 1) >= 2 and os.environ.get("DLBENCH_COMPILE_JOBS") != "1":
        _finished(_start("rules", kind), _start("network"))  # a failure here: the loop's helper compiles it
    return _finished(_start("loop", kind))


def _cache_folders() -> list[Path]:
    from .stamp import PACKAGE, SOURCES

    folders = [PACKAGE / part / "__pycache__" for part in SOURCES]
    given = os.environ.get("NUMBA_CACHE_DIR")
    if given:
        folders.append(Path(given))
    folders.append(user_cache("numba"))
    return folders


class CompileProgress:
    """Count the compiled functions as they reach the on-disk cache, from whichever process
    compiles them (one ``.nbc`` file per compiled function, written since this object was made),
    calling ``report(count)`` from a background thread every 0.2 s; :meth:`close` stops it."""

    def __init__(self, report, interval: float = 0.2):
        self._report = report
        self._since = time.time() - 1.0
        self._done = threading.Event()
        self._thread = threading.Thread(target=self._watch, args=(interval,), name="dlbench-compile-progress",
                                        daemon=True)
        self._thread.start()

    def count(self) -> int:
        n = 0
        for folder in _cache_folders():
            if not folder.is_dir():
                continue
            for path in folder.rglob("*.nbc") if folder.name != "__pycache__" else folder.glob("*.nbc"):
                try:
                    n += path.stat().st_mtime >= self._since
                except OSError:
                    pass
        return n

    def _watch(self, interval: float) -> None:
        while not self._done.wait(interval):
            try:
                self._report(self.count())
            except Exception:  # noqa: BLE001 - progress is a courtesy: never fail the run for it
                return

    def close(self) -> None:
        self._done.set()
        self._thread.join(1.0)


if __name__ == "__main__":  # the helper processes: rules KIND | network | loop KIND
    if sys.argv[1:2] == ["loop"]:
        compile_loop(sys.argv[2])
    elif sys.argv[1:2] == ["network"]:
        compile_network()
    else:
        compile_rules(sys.argv[2:] == ["established"])
