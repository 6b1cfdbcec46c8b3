"""``dlbench.train``: check the request once, then run the compiled training loop."""

from __future__ import annotations

import math
import threading
import time
from dataclasses import dataclass, field
from typing import Any, Mapping

import numpy as np

from ._interrupt import STOP, interruptible
from .data import as_arrays
from .model.spec import Network
from .errors import invalid
from .hyper import check_int
from .model import Params, init_params
from .optimizers import get_optimizer
from .optimizers.base import N_SCALARS
from .schedules import get_schedule
from .kernels.warm import CompileProgress  # noqa: F401  (the CLI shows compile progress with it)

__all__ = ["train", "TrainResult", "CURVE_POINTS", "record_stride", "LOSSES", "DIVERGENCE_FACTOR", "kernel_compile_seconds", "prepare"]

LOSSES = ("bce", "mse", "ce")
"""Loss names (which fit which task: :data:`dlbench.model.spec.TASK_LOSSES`)."""
DIVERGENCE_FACTOR = 1e3
"""A run diverged when its loss is non-finite or above ``DIVERGENCE_FACTOR * max(initial loss, 1)``."""

_compile = {"seconds": None, "source": None, "loops": {}, "jit_kinds": set()}


@dataclass
class TrainResult:
    """What one training run produced. Arrays are indexed by epoch: ``losses[k]`` and
    ``accuracies[k]`` are measured on the whole training set after ``k`` epochs (``k = 0`` is the
    initial parameters), ``learning_rates[k]`` is the rate used during epoch ``k`` (with a schedule
    stepped every batch, the rate of the epoch's first step) and
    ``elapsed[k]`` the training seconds after epoch ``k``. For a regression task ``accuracies``
    holds R² (see :attr:`r2`, :attr:`rmse`)."""

    losses: np.ndarray
    accuracies: np.ndarray
    learning_rates: np.ndarray
    elapsed: np.ndarray
    params: Params
    epochs_run: int
    converged: bool
    diverged: bool
    train_seconds: float
    compile_seconds: float
    optimizer: str
    lr: float
    batch_size: int
    loss: str
    seed: int
    hyperparameters: dict = field(default_factory=dict)
    schedule: str = "constant"
    schedule_params: dict = field(default_factory=dict)
    test_losses: np.ndarray | None = None
    """Loss on the held-out set after each epoch (``None`` without one)."""
    test_accuracies: np.ndarray | None = None
    task: str = "binary"
    activation: str = "relu"
    gradient_evaluations: int = 0
    """Gradients of the training loss computed for training (mini-batch or full-batch): one per
    update, two per SAM update, every closure evaluation of L-BFGS (line searches included); the
    loss reported after each epoch is not one, though in full-batch mode its gradient is the next
    update's (so ``gd`` for E epochs counts E)."""
    grad_evals: np.ndarray | None = None
    """``grad_evals[k]``: :attr:`gradient_evaluations` after ``k`` epochs (``grad_evals[0] = 0``)."""

    @property
    def rmse(self) -> np.ndarray | None:
        """Root-mean-square error after each epoch (regression only; ``sqrt(2 loss)``)."""
        return np.sqrt(2.0 * self.losses) if self.task == "regression" else None

    @property
    def r2(self) -> np.ndarray | None:
        """R² on the training set after each epoch (regression only)."""
        return self.accuracies if self.task == "regression" else None

    @property
    def final_loss(self) -> float:
        return float(self.losses[-1])

    @property
    def best_loss(self) -> float:
        finite = self.losses[np.isfinite(self.losses)]
        return float(finite.min()) if finite.size else math.nan

    @property
    def final_accuracy(self) -> float:
        return float(self.accuracies[-1])

    def recorded_epochs(self, every: int | None = None, keep=()) -> np.ndarray:
        """The epochs :meth:`curve` keeps: every one (``every=1``), or every ``every``-th from 0
        plus the last (the final, divergence or convergence epoch) and the epochs in ``keep``
        (e.g. the time-to-target epoch). ``every=None`` chooses: 1 up to :data:`CURVE_POINTS`
        points, else the smallest stride that keeps about that many."""
        return recorded_epochs(self.epochs_run, every, keep)

    def curve(self, every: int | None = None, keep=()):
        """The run as a tidy :class:`pandas.DataFrame`, one row per recorded epoch
        (:meth:`recorded_epochs`: every epoch up to :data:`CURVE_POINTS` of them): ``loss``, then
        ``accuracy`` (classification) or ``rmse`` and ``r2`` (regression; the other columns NaN),
        the same on the held-out set, ``lr`` and ``elapsed_s``. The run's own arrays and every
        figure computed from them (final, best, time to target) keep every epoch."""
        import pandas as pd

        n = self.epochs_run + 1
        at = self.recorded_epochs(every, keep)
        full = at.shape[0] == n
        pick = (lambda a: a) if full else (lambda a: a[at])
        lrs = pick(np.append(self.learning_rates, np.nan)[:n])
        missing = np.full(at.shape[0], np.nan)
        reg = self.task == "regression"
        losses, accs = pick(self.losses), pick(self.accuracies)
        test_l = pick(self.test_losses) if self.test_losses is not None else missing
        test_s = pick(self.test_accuracies) if self.test_accuracies is not None else missing
        return pd.DataFrame(
            {
                "epoch": at,
                "loss": losses,
                "accuracy": missing if reg else accs,
                "rmse": np.sqrt(2.0 * losses) if reg else missing,
                "r2": accs if reg else missing,
                "test_loss": test_l,
                "test_accuracy": missing if reg else test_s,
                "test_rmse": np.sqrt(2.0 * test_l) if reg else missing,
                "test_r2": test_s if reg else missing,
                "lr": lrs,
                "elapsed_s": pick(self.elapsed),
            }
        )


CURVE_POINTS = 5000
"""Beyond this many epochs a run's curve (``curves.csv``, figures) is recorded at a coarser
stride unless one is asked for (``--record-every``); see :meth:`TrainResult.recorded_epochs`."""


def record_stride(epochs_run: int, every: int | None = None) -> int:
    """The stride of a recorded curve of ``epochs_run`` epochs: ``every`` if given, else 1 up to
    :data:`CURVE_POINTS` epochs and ``ceil(epochs_run / CURVE_POINTS)`` beyond."""
    if every is not None:
        return max(1, int(every))
    return 1 if epochs_run <= CURVE_POINTS else -(-epochs_run // CURVE_POINTS)


def recorded_epochs(epochs_run: int, every: int | None = None, keep=()) -> np.ndarray:
    """The epochs a curve of a run of ``epochs_run`` epochs keeps (:meth:`TrainResult.recorded_epochs`)."""
    k = record_stride(epochs_run, every)
    if k == 1:
        return np.arange(epochs_run + 1)
    extra = [int(e) for e in keep if e is not None and math.isfinite(e) and 0 <= e <= epochs_run]
    return np.unique(np.concatenate([np.arange(0, epochs_run + 1, k), [epochs_run], np.array(extra, dtype=np.int64)]))


def recorded_count(epochs_run, every: int | None = None, keep=None) -> np.ndarray:
    """How many rows :func:`recorded_epochs` gives, for arrays of ``epochs_run`` and of one
    extra epoch each (``keep``, NaN for none): what ``curves.csv`` holds per run."""
    last = np.asarray(epochs_run, dtype=np.int64)
    if every is not None:
        k = np.full(last.shape, max(1, int(every)), dtype=np.int64)
    else:
        k = np.where(last <= CURVE_POINTS, 1, -(-last // CURVE_POINTS))
    count = last // k + 1 + (last % k != 0)
    if keep is not None:
        extra = np.asarray(keep, dtype=float)
        on = np.isfinite(extra) & (extra >= 0) & (extra <= last)
        e = np.where(on, extra, 0).astype(np.int64)
        count = count + (on & (e % k != 0) & (e != last))
    return count


@dataclass(frozen=True)
class _Plan:
    """A checked training request, ready for the kernel."""

    optimizer: str
    rule: int
    hyperparameters: dict
    hp: np.ndarray
    n_slots: int
    n_scalars: int
    lr: float
    batch_size: int
    schedule: str
    schedule_params: dict
    controller: int
    ctrl_hp: np.ndarray
    rates: np.ndarray
    loss: str
    epochs: int
    tol: float
    patience: int


def prepare(
    optimizer: str,
    n_samples: int,
    epochs: int = 1000,
    lr: float | None = None,
    batch_size: int | None = None,
    loss: str | None = "bce",
    tol: float | None = None,
    patience: int | None = None,
    schedule: str | None = None,
    schedule_params: Mapping[str, Any] | None = None,
    hyperparameters: Mapping[str, Any] | None = None,
    build_rates: bool = True,
) -> _Plan:
    """Check every option of a training run once (raises :class:`ConfigError`); with
    ``build_rates=False`` (a check only) the per-epoch rate array is not allocated."""
    spec, hyperparameters = get_optimizer(optimizer).resolve(hyperparameters or {})  # lookahead + base = "sgd"
    epochs = check_int(epochs, "epochs", "train", 1)
    if loss is not None and loss not in LOSSES:
        raise invalid("loss", "train", "one of " + ", ".join(map(repr, LOSSES)), loss)
    if lr is None:
        lr = spec.default_lr
    if isinstance(lr, bool) or not isinstance(lr, (int, float, np.floating, np.integer)) or not math.isfinite(lr) or lr <= 0:
        raise invalid("lr", spec.name, "a finite float > 0", lr)
    if batch_size is None:
        batch_size = spec.batch_size if spec.batch_size is not None else n_samples
    else:
        batch_size = check_int(batch_size, "batch_size", "train", 1)
        if batch_size > n_samples:
            raise invalid("batch_size", "train", f"an integer in [1, {n_samples}] (the number of samples)", batch_size)
    batch_size = min(batch_size, n_samples)
    if spec.full_batch_only and batch_size < n_samples:
        raise invalid("batch_size", spec.name, f"the full batch ({n_samples}); {spec.name} does not take mini-batches", batch_size)
    if tol is not None and (isinstance(tol, bool) or not math.isfinite(tol) or tol < 0):
        raise invalid("tol", "train", "a finite float >= 0", tol)
    if patience is not None:
        patience = check_int(patience, "patience", "train", 1, 2**63)
    if tol is not None and patience is None:
        patience = 10
    if patience is not None and tol is None:
        tol = 0.0

    hyper_values = dict(hyperparameters or {})
    sched_values = dict(schedule_params or {})
    if schedule is None:
        schedule = spec.schedule or "constant"
        if spec.schedule is not None:
            # a preset's schedule takes its parameters as hyperparameters too (dynamic: increase=...)
            sched_names = {h.name for h in get_schedule(schedule).hypers}
            sched_values.update({k: hyper_values.pop(k) for k in list(hyper_values) if k in sched_names})
    hyper_values = spec.check(hyper_values)
    sched = get_schedule(schedule)
    sched_values = sched.check(sched_values)
    _check_edges(spec, hyper_values, sched, sched_values)
    if not build_rates:
        rates = np.zeros(0)
    elif sched.controller:
        rates = np.full(epochs, float(lr))
    else:
        # step_every = "batch": one rate per update (the kernel indexes them by step)
        per_epoch = -(-n_samples // batch_size) if sched_values.get("step_every") == "batch" else 1
        rates = np.ascontiguousarray(sched.rates(float(lr), epochs * per_epoch, sched_values, n_samples),
                                     dtype=np.float64)
    n_slots, n_scalars = spec.state_size(hyper_values, n_samples)
    return _Plan(
        optimizer=spec.name,
        rule=spec.rule_for(hyper_values),
        hyperparameters=hyper_values,
        hp=np.array(spec.kernel_hp({**hyper_values, "n_samples": n_samples, "batch_size": batch_size, "lr": float(lr)}) or [0.0],
                    dtype=np.float64),
        n_slots=n_slots,
        n_scalars=n_scalars,
        lr=float(lr),
        batch_size=int(batch_size),
        schedule=sched.name,
        schedule_params=sched_values,
        controller=sched.controller,
        ctrl_hp=np.array(sched.kernel_hp(sched_values) or [0.0], dtype=np.float64),
        rates=rates,
        loss=loss,
        epochs=epochs,
        tol=float(tol) if tol is not None else 0.0,
        patience=int(patience) if patience is not None else 0,
    )


def _call_with_progress(fn, args, times, progress):
    """Run the kernel ``fn(*args)`` in a worker thread (it releases the GIL) while this thread
    reports ``progress(epochs_done, epochs)`` from the epochs the kernel has timed so far."""
    out: dict = {}

    def work():
        try:
            out["value"] = fn(*args)
        except BaseException as exc:  # pragma: no cover - re-raised below
            out["error"] = exc

    worker = threading.Thread(target=work, name="dlbench-kernel", daemon=True)
    worker.start()
    total = times.shape[0] - 1
    try:
        while worker.is_alive():
            worker.join(0.05)
            progress(int(np.count_nonzero(~np.isnan(times))) - 1, total)
    except KeyboardInterrupt:  # a second Ctrl-C: ask the kernel to stop, wait for it
        STOP[0] = 1
        worker.join()
        raise
    if "error" in out:
        raise out["error"]
    return out["value"]


def blas_address() -> int:
    """Address of the BLAS ``dgemm`` the kernels call (0: their own loops); see
    :mod:`dlbench.kernels.blas`."""
    from .kernels.openblas import find_dgemm

    return find_dgemm()[0]


def _run_kernel(X, y, theta, net: Network, plan: _Plan, seed: int, progress=None, test=None, loop=None):
    from .kernels.codes import STATUS_CONVERGED, STATUS_DIVERGED, STATUS_INTERRUPTED

    train_loop = loop if loop is not None else _loops([plan.rule])[0]

    E = plan.epochs
    losses = np.full(E + 1, np.nan)
    accs = np.full(E + 1, np.nan)
    lrs = np.full(E, np.nan)
    times = np.full(E + 1, np.nan)
    test_losses = np.full(E + 1, np.nan)
    test_accs = np.full(E + 1, np.nan)
    evals = np.full(E + 1, np.nan)
    X_test, y_test = test if test is not None else (np.zeros((0, X.shape[1])), np.zeros(0))
    n_slots, n_scalars = plan.n_slots, plan.n_scalars
    layout_state = get_optimizer(plan.optimizer).layout_state
    if layout_state is not None:  # state sized by the layout (Shampoo's matrices)
        n_slots, n_scalars = layout_state(plan.hyperparameters, net.layers)
    state = np.zeros((max(n_slots, 1), theta.shape[0]))
    scalars = np.zeros(max(n_scalars, N_SCALARS))
    args = (
        X, y, theta, net.layers, net.activation_code, net.loss_code, blas_address(),
        plan.rule, plan.hp, state, scalars,
        plan.rates, plan.controller, plan.ctrl_hp,
        plan.batch_size, seed, plan.epochs, plan.tol, plan.patience, DIVERGENCE_FACTOR,
        losses, accs, lrs, times,
        X_test, y_test, test_losses, test_accs,
        STOP, evals,
    )
    from .kernels.openblas import one_thread

    with interruptible(), one_thread():
        if progress is None:
            epochs_run, status, seconds = train_loop(*args)
        else:
            epochs_run, status, seconds = _call_with_progress(train_loop, args, times, progress)
    if status == STATUS_INTERRUPTED:
        raise KeyboardInterrupt
    n = epochs_run + 1
    tests = (test_losses[:n], test_accs[:n]) if test is not None else (None, None)
    return (losses[:n], accs[:n], lrs[:epochs_run], times[:n], int(epochs_run),
            status == STATUS_CONVERGED, status == STATUS_DIVERGED, float(seconds), *tests, evals[:n])


def _loop_kind(rules=None) -> str:
    from .kernels.codes import loop_kind

    return loop_kind(list(rules) if rules is not None else [])


def _loops(rules=None) -> list:
    """The compiled loops runs with these rule codes need (default: the established ones'): the
    native module's (:mod:`dlbench.kernels.native`) where it is built, else Numba's JIT
    dispatcher (:func:`dlbench.kernels.loop.loop_for`), loaded from its cache or compiled."""
    from .kernels import native

    kind = _loop_kind(rules)
    fn = native.load(kind)
    if fn is not None:
        return [fn]
    from .kernels.loop import loop_for

    return [loop_for(list(rules) if rules is not None else [])]


def loaded_kernels() -> list[str]:
    """What this process trains with, per loaded loop: ``"native module NAME"`` or
    ``"Numba JIT train_loop (cache)"`` (for ``config.json``)."""
    return [f"native module {loop.__module__}" if source == "native" else f"Numba JIT {loop.__name__} ({source})"
            for loop, (_, source) in _compile["loops"].items()]


def native_missing() -> list[str]:
    """The loop copies this process ran through Numba's JIT because their native module was not
    built yet (the CLI builds them in the background when it exits)."""
    return sorted(_compile["jit_kinds"])


def kernels_cached(rules=None) -> bool | None:
    """Whether the training loop for these rule codes (default: the established optimizers') can
    be loaded, from the native module or Numba's on-disk cache (None: unknown)."""
    try:
        loop = _loops(rules)[0]
        if loop in _compile["loops"] or not hasattr(loop, "py_func"):
            return True
        return bool(loop._cache._cache_file._load_index())  # Numba's index, checked against the source stamp
    except Exception:  # a private Numba API: say nothing rather than guess
        return None


def _import_what_follows() -> None:
    """Import what a command needs once its runs are trained (pandas, the results modules),
    while the loop compiles on one core and the other is free: measured on the 2-core machine,
    a cold ``compare all`` spent 1.0 s between the loop's compile and its end, much of it importing these."""
    import pandas  # noqa: F401

    from .results import reader, tables, writer  # noqa: F401
    from .study import stats  # noqa: F401


def kernel_compile_seconds(rules=None) -> tuple[float, str]:
    """Compile (or load) the training loop for these rule codes (default: the established
    optimizers'; see :func:`dlbench.kernels.codes.loop_kind`) once per process.

    Returns the seconds it took and ``"native"`` (the ahead-of-time module), ``"cache"``
    (Numba's on-disk cache), ``"compiled"`` or ``"already loaded"``. Later calls cost nothing,
    so training times never include compilation. A cold compile runs in helper processes
    (:mod:`dlbench.kernels.warm`), which fill the on-disk cache; this process then loads the loop
    from it, so the first run executes the very code every later run loads. A loop run through
    the JIT is remembered (:func:`native_missing`): the CLI builds its native module as it exits.
    """
    t0 = time.perf_counter()
    loop = _loops(rules)[0]
    if loop in _compile["loops"]:
        return 0.0, "already loaded"
    native = not hasattr(loop, "py_func")
    cold = not native and not kernels_cached(rules)
    if cold:
        from .kernels.warm import compile_cold

        compile_cold(_loop_kind(rules), meanwhile=_import_what_follows)
    plan = prepare("gd", 2, epochs=1)  # both loops hold gd's rule; compiling a loop compiles all of it
    X = np.zeros((2, 1))
    y = np.array([0.0, 1.0])
    net = Network.make(1, (1,))
    _run_kernel(X, y, np.zeros(net.n_params), net, plan, 0, loop=loop)
    seconds = time.perf_counter() - t0
    if native:
        source = "native"
    else:
        _compile["jit_kinds"].add(_loop_kind(rules))
        source = "cache" if not cold and sum(loop.stats.cache_hits.values()) else "compiled"
    _compile["loops"][loop] = (seconds, source)
    if _compile["seconds"] is None:
        _compile["seconds"], _compile["source"] = seconds, source
    return seconds, source


def train(
    X,
    y,
    params: Params,
    optimizer: str = "gd",
    epochs: int = 1000,
    lr: float | None = None,
    batch_size: int | None = None,
    loss: str | None = None,
    seed: int = 0,
    tol: float | None = None,
    patience: int | None = None,
    schedule: str | None = None,
    schedule_params: Mapping[str, Any] | None = None,
    progress=None,
    X_test=None,
    y_test=None,
    task: str | None = None,
    activation: str = "relu",
    **hyperparameters: Any,
) -> TrainResult:
    """Train the network from ``params`` (which is never modified) and return a :class:`TrainResult`.

    ``optimizer`` is a registered name (``dlbench.OPTIMIZERS``); ``lr=None`` and
    ``batch_size=None`` take the optimizer's defaults (an explicit value always wins);
    ``schedule`` names a learning-rate schedule with ``schedule_params``; other keyword arguments
    are the optimizer's hyperparameters. ``seed`` drives the sample order of stochastic methods.
    With ``tol``/``patience``, training stops once the loss has not improved by more than ``tol``
    for ``patience`` epochs (``converged``); a non-finite or exploding loss stops the run with
    ``diverged`` set, keeping its curve up to that point. ``progress(epochs_done, epochs)``, if
    given, is called every 50 ms while the kernel runs in a worker thread. ``X_test``/``y_test``,
    if given, are a held-out set measured after every epoch (``test_losses``) but never trained on.
    ``train_seconds`` is the compiled loop's own wall time (held-out evaluation left out).
    """
    if not isinstance(params, Params):
        raise invalid("params", "train", "a dlbench.Params", type(params).__name__)
    if task is None:
        task = infer_task(y, params.n_outputs)
    net = Network.make(params.n_features, params.hidden, params.n_outputs, activation, task, loss)
    X, y = as_arrays(X, y, net.task, net.n_outputs)
    if params.n_features != X.shape[1]:
        raise invalid("params", "train", f"weights for {X.shape[1]} features", f"weights for {params.n_features}")
    seed = check_int(seed, "seed", "train", 0, 2**63)
    test = None
    if X_test is not None or y_test is not None:
        X_test, y_test = as_arrays(X_test, y_test, net.task, net.n_outputs, "X_test", "y_test")
        if X_test.shape[1] != X.shape[1]:
            raise invalid("X_test", "train", f"{X.shape[1]} features like X", f"{X_test.shape[1]}")
        test = (X_test, y_test)
    plan = prepare(optimizer, X.shape[0], epochs, lr, batch_size, net.loss, tol, patience, schedule, schedule_params, hyperparameters)
    compile_seconds, _ = kernel_compile_seconds([plan.rule])
    theta = params.to_vector()
    losses, accs, lrs, times, epochs_run, converged, diverged, seconds, test_losses, test_accs, evals = _run_kernel(
        X, y, theta, net, plan, int(seed), progress, test
    )
    return TrainResult(
        losses=losses,
        accuracies=accs,
        learning_rates=lrs,
        elapsed=times,
        params=Params.from_vector(theta, params.n_features, params.hidden, params.n_outputs),
        epochs_run=epochs_run,
        converged=converged,
        diverged=diverged,
        train_seconds=seconds,
        compile_seconds=compile_seconds,
        optimizer=plan.optimizer,
        lr=plan.lr,
        batch_size=plan.batch_size,
        loss=plan.loss,
        seed=int(seed),
        hyperparameters=plan.hyperparameters,
        schedule=plan.schedule,
        schedule_params=plan.schedule_params,
        test_losses=test_losses,
        test_accuracies=test_accs,
        task=net.task,
        activation=net.activation,
        gradient_evaluations=int(evals[-1]),
        grad_evals=evals,
    )


def infer_task(y, n_outputs: int) -> str:
    """The task when none is named: ``multiclass`` for a network with several outputs, else
    ``binary`` (a regression is always asked for by name, so a mistyped label is an error)."""
    return "multiclass" if n_outputs > 1 else "binary"


def check_experiment_run(experiment, run, n_samples: int | None = None) -> _Plan:
    """Check one run of an experiment without training (raises :class:`ConfigError`); the
    experiment-wide settings are checked by :meth:`Experiment.check`.

    ``n_samples`` is the size of the training set the run will see (default, before the data is
    loaded: the largest synthetic size, or no limit with CSV data; the comparison checks again with
    the real sizes before training)."""
    if n_samples is None:
        problems = experiment.resolved_problems()
        sizes = [p.n_samples for p in problems if p.problem != "csv" and getattr(p, "n_samples", None)]
        n_samples = max(sizes) if len(sizes) == len(problems) else 2**62
    return prepare(
        run.optimizer, n_samples, experiment.epochs, run.lr, run.batch_size, experiment.loss,
        experiment.tol, experiment.patience, run.schedule, run.schedule_params, run.hyperparameters, build_rates=False,
    )


# --- edge cases refused before any kernel sees them (issue 9) ----------------------------------

def _check_edges(spec, hyper_values: Mapping[str, Any], sched, sched_values: Mapping[str, Any]) -> None:
    """Refuse what the kernels cannot hold or torch refuses: an integer hyperparameter or
    schedule parameter of 2**63 or more (the kernels hold them as int64), and Nesterov momentum
    without momentum in torch's convention (``torch.optim.SGD``: "Nesterov momentum requires a
    momentum and zero dampening")."""
    for owner, hypers, values in ((spec.name, spec.hypers, hyper_values), (sched.name, sched.hypers, sched_values)):
        for h in hypers:
            value = values.get(h.name)
            items = value if h.kind == "ints" and isinstance(value, (list, tuple)) else [value]
            if h.kind in ("int", "ints") and any(isinstance(v, int) and abs(v) >= 2**63 for v in items):
                raise invalid(h.name, owner, h.describe() + " below 2**63 (the kernels hold it as int64)", value)
    nesterov = spec.name == "nesterov" or bool(hyper_values.get("nesterov"))
    if (nesterov and spec.name in ("nesterov", "momentum") and hyper_values.get("convention", "torch") == "torch"
            and hyper_values.get("momentum", 1.0) == 0.0):
        raise invalid("momentum", spec.name, "a float in (0, 1) (torch.optim.SGD: Nesterov momentum requires a "
                      "momentum)", hyper_values.get("momentum"))
