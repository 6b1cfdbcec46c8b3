"""What a comparison will need before it starts: the memory of its run plan.

:func:`estimate_bytes` adds up, from the experiment and the loaded data sets alone (nothing is
allocated), the float64 arrays the trainings of a comparison hold; :func:`check_memory` refuses a
plan that needs more than the machine's physical memory, naming the option to reduce.
"""

from __future__ import annotations

import os
from typing import Mapping

from ..errors import invalid
from .experiment import Experiment

__all__ = ["estimate_bytes", "check_memory", "check_data_size", "check_plan_size", "physical_memory", "CURVE_ARRAYS", "PARAM_VECTORS"]

CURVE_ARRAYS = 8
"""Per-epoch float64 arrays of one run: losses, scores, test losses and scores, rates, times,
learning rates and the schedule's precomputed rates (``epochs + 1`` values each)."""
PARAM_VECTORS = 8
TASK_BYTES = 4096
"""A training's fixed cost besides its arrays (not in :func:`estimate_bytes`): its task, record,
result and summary row as Python objects. :func:`check_plan_size` refuses plans whose trainings
alone would not fit."""
"""Parameter-sized float64 vectors of one run besides its optimizer state: the initial parameters,
the kernel's working copy, gradient, held-out gradient, saved parameters and gradient (for an
undo), and the returned parameters."""


def _held(n: int, fraction: float | None) -> int:
    """Samples :func:`dlbench.data.split` holds out of ``n``: ``round(fraction * n)``."""
    return round(float(fraction) * n) if fraction else 0


def _workspace(n: int, n_features: int, units: int, widest: int) -> int:
    """Float64 values of the kernel's workspace for ``n`` samples (:func:`dlbench.kernels.network.workspace`):
    pre-activations and activations (``2 × units × n``), two back-propagation buffers
    (``2 × widest × n``) and the feature-major copy of the data (``D × n``)."""
    return (2 * units + 2 * widest + n_features) * n if n else 0


def _tasks(experiment: Experiment, data: Mapping[str, object]):
    """One ``(kept, live, curve_values, count)`` quadruple per kind of training of the plan (each
    (problem, run) pair's final runs, then its tuning trials), ``count`` trainings alike: float64
    counts ``kept`` until the comparison ends (curves, final parameters and the timing repeats),
    ``live`` only while that training runs (optimizer state, parameter vectors, workspaces).
    Counted, never enumerated, so a plan of 10**12 trainings is estimated at once."""
    from ..model.spec import n_params
    from ..optimizers import get_optimizer

    widths = experiment.widths
    curves = CURVE_ARRAYS * (experiment.epochs + 1)
    for problem in experiment.resolved_problems():
        dataset = data[problem.name]
        N, D, K = dataset.n_samples, dataset.n_features, dataset.n_outputs
        P = n_params(D, widths, K)
        units = sum(widths) + K
        widest = max(D, *widths, K)
        n_test = _held(N, experiment.test_fraction)
        n_train = N - n_test
        n_val = _held(n_train, experiment.val_fraction) if experiment.n_trials else 0
        for run in experiment.resolved_runs():
            slots = _slots(get_optimizer(run.optimizer), run, n_train)
            state = (2 * slots + PARAM_VECTORS) * P  # the state and its saved copy
            final = state + _workspace(n_train, D, units, widest) + _workspace(n_test, D, units, widest)
            if experiment.seeds:
                yield curves + P, final, curves, experiment.seeds
            trial = state + _workspace(n_train - n_val, D, units, widest) + _workspace(n_val, D, units, widest)
            if experiment.n_trials:
                yield curves + P, trial, curves, experiment.n_trials


def _state_culprit(experiment: Experiment, data: Mapping[str, object], need: int):
    """``(hyperparameter, optimizer, value)`` of the given integer hyperparameter (an L-BFGS
    ``history_size``, say) of the run whose optimizer state is most of ``need``; else ``None``."""
    from ..model.spec import n_params
    from ..optimizers import get_optimizer

    for problem in experiment.resolved_problems():
        dataset = data[problem.name]
        P = n_params(dataset.n_features, experiment.widths, dataset.n_outputs)
        for run in experiment.resolved_runs():
            spec = get_optimizer(run.optimizer)
            if 8 * 2 * _slots(spec, run, dataset.n_samples) * P * 2 < need:
                continue
            ints = [h.name for h in spec.hypers if h.kind == "int" and h.name in run.hyperparameters]
            if ints:
                return ints[0], spec.name, run.hyperparameters[ints[0]]
    return None


def _slots(spec, run, n_samples: int) -> int:
    """State slots (parameter-sized vectors) of ``run``'s optimizer, from its checked
    hyperparameters (the defaults where they are not valid: their error comes later)."""
    from ..errors import ConfigError

    names = {h.name for h in spec.hypers}
    try:
        values = spec.check({k: v for k, v in run.hyperparameters.items() if k in names})
    except ConfigError:
        values = spec.check({})
    return max(int(spec.state_size(values, n_samples)[0]), 1)


def estimate_bytes(experiment: Experiment, data: Mapping[str, object], jobs: int = 1) -> int:
    """Bytes of float64 arrays the comparison of ``experiment`` on ``data`` (problem name to its
    full :class:`~dlbench.data.Dataset`, after any task conversion) holds at its peak.

    For a network of ``P`` parameters (:func:`dlbench.model.spec.n_params`), ``U`` units (hidden
    and output), widest layer ``W`` (inputs included) and ``D`` features, each training (every
    run × seed, and every tuning trial) keeps ``8 × (epochs + 1)`` curve values
    (:data:`CURVE_ARRAYS`) and its final ``P`` parameters until the end, and while it runs holds
    ``(2 × slots + 8) × P`` values (the optimizer's state slots, a saved copy of them, and
    :data:`PARAM_VECTORS`) plus the kernel's workspace ``(2 U + 2 W + D) × n`` for its training
    set and for its held-out set of ``n`` samples each (split sizes as :func:`dlbench.data.split`
    makes them). With ``jobs`` trainings at once the ``jobs`` largest of those live in memory
    together. The data sets themselves, Python objects and the CSV text written are not counted.
    """
    tasks = list(_tasks(experiment, data))
    kept = sum(k * c for k, _, _, c in tasks)
    live, left = 0, max(int(jobs), 1)
    for value, count in sorted(((v, c) for _, v, _, c in tasks), reverse=True):
        take = min(count, left)
        live, left = live + value * take, left - take
        if not left:
            break
    return 8 * (kept + live)


def check_plan_size(experiment: Experiment) -> None:
    """Before anything is loaded or allocated: refuse a plan whose trainings (every problem × run ×
    (seeds + tuning trials)) need more than this machine's memory at :data:`TASK_BYTES` each,
    naming ``seeds`` or ``budget`` (whichever makes more trainings). Counted, never enumerated."""
    have = physical_memory()
    pairs = len(experiment.resolved_problems()) * len(experiment.resolved_runs())
    count = pairs * (experiment.seeds + experiment.n_trials)
    need = count * TASK_BYTES
    if have and need > have:
        gib = 2.0**30
        expected = (f"small enough for this machine's {have / gib:.1f} GiB of memory (its {count} trainings need "
                    f"about {need / gib:.3g} GiB)")
        if experiment.n_trials > experiment.seeds:
            raise invalid("budget", "the experiment", f"a number of trials {expected}", experiment.budget)
        raise invalid("seeds", "the experiment", f"a number of seeds {expected}", experiment.seeds)


def check_data_size(experiment: Experiment) -> None:
    """Before any synthetic data set is generated: refuse one whose features alone (``n_samples ×
    n_features`` float64 values, and as much again for the generator's temporaries and the
    splits) exceed this machine's memory, naming ``n_samples`` or ``n_features`` (the larger)."""
    have = physical_memory()
    for problem in experiment.resolved_problems():
        if problem.problem == "csv":
            continue
        n, d = int(problem.n_samples or 100), int(problem.n_features or 10)  # make_dataset's defaults
        need = 8 * 3 * n * (d + 2)
        if have and need > have:
            gib = 2.0**30
            name, value = ("n_samples", n) if n >= d else ("n_features", d)
            raise invalid(name, "the experiment", f"small enough for this machine's {have / gib:.1f} GiB of memory "
                          f"(the data of {problem.name!r} alone needs about {need / gib:.1f} GiB)", value)


def physical_memory() -> int:
    """Bytes of physical memory of this machine (``SC_PAGE_SIZE × SC_PHYS_PAGES``; 0 if unknown)."""
    try:
        return int(os.sysconf("SC_PAGE_SIZE")) * int(os.sysconf("SC_PHYS_PAGES"))
    except (AttributeError, OSError, ValueError):  # pragma: no cover - not POSIX
        return 0


def check_memory(experiment: Experiment, data: Mapping[str, object], jobs: int = 1) -> int:
    """Raise :class:`~dlbench.errors.ConfigError` when :func:`estimate_bytes` exceeds
    :func:`physical_memory`; the error names ``epochs`` when the curves dominate the estimate,
    else ``hidden`` (the network). Returns the estimate in bytes."""
    check_plan_size(experiment)
    need = estimate_bytes(experiment, data, jobs)
    have = physical_memory()
    if have and need > have:
        tasks = list(_tasks(experiment, data))
        count = sum(c for *_, c in tasks)
        curves = 8 * sum(cv * c for _, _, cv, c in tasks)
        gib = 2.0**30
        plan = f"{count} training{'s' if count != 1 else ''}, {jobs} at a time"
        expected = (f"small enough for this machine's {have / gib:.1f} GiB of memory (this plan of {plan} needs "
                    f"about {need / gib:.3g} GiB)")
        if curves * 2 > need:
            raise invalid("epochs", "the experiment", f"a number of epochs {expected}", experiment.epochs)
        state = _state_culprit(experiment, data, need)
        if state is not None:
            name, owner, value = state
            raise invalid(name, owner, f"a value {expected}", value)
        widths = experiment.widths
        raise invalid("hidden", "the experiment", f"a network {expected}", ",".join(map(str, widths)) or "0")
    return need
