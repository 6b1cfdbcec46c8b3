"""A first run's compile, in helper processes that fill the on-disk cache; this one compiles nothing.

The training kernel is one tree of compiled functions: the loop calls the network code (forward,
backward, the L-BFGS line search) and the update rules (:func:`dispatch.apply_update`, every rule,
and the schedule controllers). On a machine with two or more cores two helper processes compile
the tree's leaves into the cache at once, split so that each has about half the work:
``python -m dlbench.kernels.warm rules KIND`` the rules, the controllers, the loop's small pieces,
the workspace and the sample-by-sample network code; ``... network KIND`` the network code and
L-BFGS, and then, once the rules are in the cache, the loop. The helpers compile only: the
kernels other than the loop get no machine code of their own (they are cached as LLVM bitcode,
:func:`dlbench.kernels._config.compile_only`), and nothing is run. The command's own process
loads the finished loop from the cache (:func:`compile_cold` says why it must not compile any of it). Each function is
compiled for exactly the argument types the loop calls it with (the kernels never specialise on
literal values: :func:`dlbench.kernels._config.njit`), so nothing is compiled twice. If a helper
cannot start or fails, a ``... loop KIND`` helper (or, last, this process) compiles what is missing.
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
    """Compile L-BFGS's small pieces, the update rules (only the established ones, or every one),
    the schedule controllers, the small pieces the loop calls besides, the mini-batch network code
    (:func:`compile_batches`) and the workspace: what one helper process does, beside
    :func:`compile_network`. The established copy needs neither SAM's pieces nor the evaluation
    point (:data:`dlbench.kernels.loop.FULL_COPY`). Measured in one cold ``compare all`` on the
    2-core machine (the times of the cache files, from the first one): this helper done at 4.8 s,
    the network helper's part at 4.4 s, then the loop 5.5 s more."""
    from .dispatch import apply_established, apply_update, controller_step

    apply = apply_established if established else apply_update

    # L-BFGS's scalar and vector pieces first, before the network helper reaches them (it compiles
    # the rest of L-BFGS once full_loss_grad is done): measured, that helper finished 1.1 s after
    # this one; these took 0.5 s of it
    from .lbfgs import _abs_max, _cubic_between, _dot, _pymax, _pymin

    v = np.zeros(2)
    _compile(_dot, v, v)
    _compile(_abs_max, v, 1.0)
    _compile(_pymin, 1.0, 1.0)
    _compile(_pymax, 1.0, 1.0)
    _compile(_cubic_between, 1.0, 1.0, 1.0, 1.0, 1.0, 1.0)  # and _cubic_interpolate, which it calls

    X, y, net, theta = _tiny()
    P = theta.shape[0]
    _compile(apply, np.int64(-1), theta, np.zeros(P), np.zeros((1, P)), np.zeros(4), np.zeros(1), 0.1, np.int64(1),
             net.layers)
    _compile(controller_step, np.int64(0), np.zeros(8), np.zeros(1), 0.1, 1.0, 1.0)
    # the small pieces the loop calls besides: the clocks, and in the full copy SAM's perturbation
    # and the evaluation point (:data:`dlbench.kernels.loop.FULL_COPY`)
    from .clock import now, ticks
    from .loop import _all_finite

    if not established:
        from .dispatch import eval_point, sam_perturb, sam_restore

        state, hp = np.zeros((4, P)), np.zeros(4)
        _compile(sam_perturb, theta, np.zeros(P), state, hp, net.layers)
        _compile(sam_restore, theta, state, hp)
        _compile(eval_point, np.int64(-1), theta, state, hp)
    _compile(_all_finite, theta)
    _compile(now)
    _compile(ticks)
    compile_batches(sam=not established)
    _network_args(compiled=True)  # the workspace, which the network helper leaves to this one


def _compile(dispatcher, *args) -> None:
    """Compile ``dispatcher`` for the types of ``args`` (as a call would), without calling it."""
    from numba import typeof
    from numba.core.typing.typeof import Purpose

    _, types = dispatcher.fold_argument_types(tuple(typeof(a, Purpose.argument) for a in args), {})
    dispatcher.compile(tuple(types))  # defaults left out of a call are typed as such (Omitted)


def _network_args(compiled: bool = False):
    """The tiny problem and its workspace tuple, built by the workspace's Python function (the
    same arrays and types), and ``compiled``: the compiled workspace too."""
    from .network import workspace

    X, y, net, theta = _tiny()
    layers, act, loss_code, blas = net.layers, np.int64(net.activation_code), np.int64(net.loss_code), np.int64(0)
    args = (X, y, layers, act, loss_code, np.int64(1), blas)
    if compiled:
        _compile(workspace, *args)
    return X, y, net, theta, workspace.py_func(*args)


def compile_network() -> None:
    """Compile the network code and the L-BFGS epoch that calls it: what one helper process does
    (``full_loss_grad`` with ``net_loss_grad``, the layer products and the losses, then
    ``lbfgs_epoch``), before it compiles the loop (:func:`compile_loop`)."""
    from .lbfgs import lbfgs_epoch
    from .network import full_loss_grad
    from ..optimizers.base import N_SCALARS
    from ..training import prepare

    X, y, net, theta, ws = _network_args()
    P = theta.shape[0]
    grad = np.zeros(P)
    _compile(full_loss_grad, theta, ws, grad, True)
    plan = prepare("lbfgs", 2, epochs=1, hyperparameters={"history_size": 1, "max_iter": 1})
    _compile(lbfgs_epoch, theta, ws, grad, np.zeros((plan.n_slots, P)), np.zeros(max(plan.n_scalars, N_SCALARS)),
             plan.hp, 1.0, 1.0)


def compile_batches(sam: bool = True) -> None:
    """Compile the mini-batch pieces: the shuffle, the streamed (sample by sample) batch gradient,
    the gather of a batch (whose gradient is ``net_loss_grad``, the network helper's), the copies,
    and (``sam``) the batch gradient SAM's second step takes, which only the full loop copy calls."""
    from .arrays import copy_into, copy_rows
    from .network import batch_loss_grad, gather_columns, stream_loss_grad
    from .rng import shuffle

    X, y, net, theta, ws = _network_args()
    layers, act, loss_code = net.layers, np.int64(net.activation_code), np.int64(net.loss_code)
    P = theta.shape[0]
    grad = np.zeros(P)
    order = np.arange(2)
    _compile(shuffle, order, np.zeros(1, np.uint64))
    z1, a1, e0, e1, y1 = ws[18:]
    _compile(stream_loss_grad, theta, layers, act, loss_code, X, y, order, np.int64(0), np.int64(1), grad, z1, a1, e0,
             e1, y1, True)
    XB, yB, ZB, AB, DB0, DB1 = ws[12:18]
    _compile(gather_columns, X, y, order, np.int64(0), np.int64(1), XB, yB)
    # the gathered batch's gradient is net_loss_grad, for the same types as full_loss_grad calls it
    # with: the network helper compiles it (both helpers did, at once: 4 s of compiling twice)
    if sam:
        _compile(batch_loss_grad, theta, ws, order, np.int64(0), np.int64(1), grad)
    _compile(copy_into, theta.copy(), theta)
    _compile(copy_rows, np.zeros((1, P)), np.zeros((1, P)))


def compile_loop(kind: str) -> None:
    """Compile loop copy ``kind`` (:data:`dlbench.kernels.codes.LOOP_KINDS`) for the argument types
    of a two-sample problem, without running it: what the network helper does once the rules are
    in the cache (or a lone ``loop`` helper, which compiles whatever is missing)."""
    from . import loop
    from .codes import LOOP_KINDS, STATUS_RAN
    from ..training import _run_kernel, prepare
    from ..model.spec import Network

    plan = prepare("gd", 2, epochs=1)
    net = Network.make(1, (1,))
    dispatcher = getattr(loop, LOOP_KINDS[kind])

    def compile_it(*args):  # the loop's exact argument types, from the call _run_kernel would make
        _compile(dispatcher, *args)
        return 0, STATUS_RAN, 0.0

    _run_kernel(np.zeros((2, 1)), np.array([0.0, 1.0]), np.zeros(net.n_params), net, plan, 0, loop=compile_it)


def _start(*args: str, go: bool = False):
    """Start helper ``args``; with ``go``, its stdin is a pipe on which it waits for its go-ahead."""
    try:
        return subprocess.Popen(module_argv("dlbench.kernels.warm", *args),
                                stdin=subprocess.PIPE if go else subprocess.DEVNULL,
                                stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    except OSError:
        return None


def _finished(*helpers) -> bool:
    ok = True
    for helper in helpers:
        ok = helper is not None and helper.wait() == 0 and ok
    return ok


def _tell(helper, go: bool) -> None:
    """Give a helper started with ``go=True`` its go-ahead (or tell it to stop)."""
    try:
        helper.stdin.write(b"go\n" if go else b"stop\n")
        helper.stdin.close()
    except (OSError, ValueError):
        pass


def compile_cold(kind: str, meanwhile=None) -> bool:
    """Fill the on-disk cache with loop copy ``kind`` (``"established"`` or ``"all"``) from
    helper processes, this one compiling nothing: with two or more cores the rules and the network
    code at once, and then the network helper, once the rules are in the cache, the loop
    (``DLBENCH_COMPILE_JOBS=1``: one helper does it all). ``meanwhile()`` is called while the loop
    compiles, which leaves a core free (the caller imports what it needs next). Returns whether the
    cache is filled; if not, the caller's first call compiles here.

    The network helper compiles the loop itself rather than a third process: that saves the third
    process's start and imports and loading the network code back from the cache (measured on
    the 2-core machine: about 1 s of the loop's 6.5 s).

    This process must not compile any of it itself: the loop loaded from the cache would then
    link to this process's own copies of the network functions, whose results can differ from
    the cached code's in the last bit (measured: sgd's final loss by one ulp on the default
    experiment), and the first run would not repeat bit for bit."""
    if (os.cpu_count() or 1) >= 2 and os.environ.get("DLBENCH_COMPILE_JOBS") != "1":
        rules = _start("rules", kind)
        network = _start("network", kind, go=True)
        rules_ok = _finished(rules)
        if network is not None:
            _tell(network, rules_ok)
            if meanwhile is not None:
                meanwhile()
            if _finished(network) and rules_ok:
                return True
        # a failure here: the loop's own helper compiles what is missing
    elif meanwhile is not None:
        meanwhile()
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


if __name__ == "__main__":  # the helper processes: rules KIND | network KIND | loop KIND
    from ._config import compile_only

    compile_only()
    if sys.argv[1:2] == ["loop"]:
        compile_loop(sys.argv[2])
    elif sys.argv[1:2] == ["network"]:
        compile_network()
        if sys.stdin.readline().strip() == "go":  # the rules are in the cache: the loop, here
            compile_loop(sys.argv[2])
    else:
        compile_rules(sys.argv[2:] == ["established"])
    os._exit(0)  # every cache file is written and closed: skip the teardown that frees the compiler's objects
