"""Run an experiment: every problem × run × seed (after optional learning-rate tuning).

:func:`compare` returns a :class:`Comparison` whose methods give tidy pandas DataFrames: the
per-run :meth:`~Comparison.summary`, the per-epoch :meth:`~Comparison.curves`, the aggregated
:meth:`~Comparison.stats`, the :meth:`~Comparison.tuning` trials and the multi-problem
:meth:`~Comparison.profile`. The command line prints and saves exactly these.

Protocol (DeepOBS / "Descending through a Crowded Valley"): with tuning, every optimizer gets the
same budget of learning rates on a log grid, each trial trains on the training data minus a
validation split and is scored by its final validation loss (a diverged trial scores +inf); the
best rate is then run with every seed on the full training data. A test split, when asked for,
is never seen by tuning. Tuning several hyperparameters (``tune = "lr,momentum,..."``) draws the
budget's trials from a scrambled Halton sequence instead, the same for every optimizer
(:mod:`dlbench.study.tuning`), and runs the best trial's whole setting.

Seeds: repetition ``r`` of an experiment with seed ``s`` uses the repetition seed
``s`` (``r = 0``) or ``SeedSequence([s, r])`` (``r > 0``); from it come the initial parameters
(``default_rng(seed)``), the sample order (the kernel's SplitMix64) and the splits
(``default_rng([seed, 1])`` for the test split, ``[seed, 2]`` for the validation split). Every
task is a pure function of its settings, so results do not depend on the order or the number of
threads (``jobs``) they run in, nor on the Dask worker that runs them (``scheduler``,
:mod:`dlbench.study.distributed`).
"""

from __future__ import annotations

import statistics
from concurrent.futures import ThreadPoolExecutor, as_completed
from dataclasses import dataclass, field
from typing import Callable

import numpy as np

from .._interrupt import interruptible, requested
from ..data import Dataset
from .experiment import Experiment, Problem, Run, check_task_fit, default_experiment, task_choices
from ..model import init_params
from ..training import TrainResult, check_experiment_run, kernel_compile_seconds, train

__all__ = ["compare", "Comparison", "RunRecord", "Task", "Done", "repetition_seed", "lr_grid", "final_summary", "stats_of",
           "profile_of", "select_rows", "select_trials", "tuning_columns"]


MAX_REPEAT = 10**6
"""Most timing repeats of one run."""
MAX_JOBS = 4096
"""Most trainings at once (threads)."""


def repetition_seed(seed: int, repetition: int) -> int:
    """The seed of repetition ``repetition`` of an experiment with base seed ``seed``."""
    if repetition == 0:
        return int(seed)
    return int(np.random.SeedSequence([int(seed), int(repetition)]).generate_state(1, np.uint64)[0] >> np.uint64(1))


def _sub_seed(seed: int, stream: int) -> int:
    return int(np.random.SeedSequence([int(seed), int(stream)]).generate_state(1, np.uint64)[0] >> np.uint64(1))


def lr_grid(experiment: Experiment) -> np.ndarray:
    """The learning rates every optimizer tries: ``n_trials`` points evenly spaced in log scale
    from ``lr_min`` to ``lr_max`` (both included)."""
    return np.geomspace(experiment.lr_min, experiment.lr_max, experiment.n_trials)


@dataclass(frozen=True)
class Task:
    """One training run to do: a problem, an optimizer run, a repetition, and (for tuning) a trial."""

    index: int
    problem: Problem
    run: Run
    repetition: int
    lr: float | None
    trial: int | None = None
    hypers: tuple = ()
    """Hyperparameters this task sets on top of its run's, as ``(name, value)`` pairs (a tuning
    trial of several hyperparameters, or a final run with the selected ones)."""


@dataclass
class RunRecord:
    """One finished run: its task, its result and the wall times of its timing repeats."""

    task: Task
    seed: int
    result: TrainResult
    seconds: list[float]
    _row: dict | None = field(default=None, repr=False)

    @property
    def run(self) -> Run:
        return self.task.run

    @property
    def median_seconds(self) -> float:
        return statistics.median(self.seconds)

    @property
    def row(self) -> dict:
        """This run's row of ``summary.csv`` (without the columns relative to other runs)."""
        if self._row is None:
            r = self.result
            seconds = np.array(self.seconds)
            target = self.task.problem.target
            epoch_hit, seconds_hit = (np.nan, np.nan)
            if target is not None:
                epoch_hit, seconds_hit = _time_to_target(r, target)
            evals_hit = _grad_evals_at(r, epoch_hit)
            m = _metrics(r)
            self._row = {
                "problem": self.task.problem.name,
                "optimizer": self.run.name,
                "rule": r.optimizer,
                "repetition": self.task.repetition,
                "seed": self.seed,
                "lr": r.lr,
                "batch_size": r.batch_size,
                "schedule": r.schedule,
                "final_loss": r.final_loss,
                "best_loss": r.best_loss,
                "final_accuracy": _last(m["accuracy"]),
                "test_loss": _last(r.test_losses),
                "test_accuracy": _last(m["test_accuracy"]),
                "final_rmse": _last(m["rmse"]),
                "final_r2": _last(m["r2"]),
                "test_rmse": _last(m["test_rmse"]),
                "test_r2": _last(m["test_r2"]),
                "epochs_run": r.epochs_run,
                "converged": r.converged,
                "diverged": r.diverged,
                "epochs_to_converge": r.epochs_run if r.converged else np.nan,
                "epochs_to_target": epoch_hit,
                "seconds_to_target": seconds_hit,
                "grad_evals": r.gradient_evaluations,
                "grad_evals_to_target": evals_hit,
                "train_seconds": self.median_seconds,
                "train_seconds_std": float(seconds.std(ddof=1)) if seconds.size > 1 else 0.0,
                "timing_repeats": int(seconds.size),
                "seconds_per_epoch": self.median_seconds / max(r.epochs_run, 1),
                "compile_seconds": np.nan,
            }
        return self._row

    def curve(self, every: int | None = None):
        """This run's rows of ``curves.csv``: every ``every``-th epoch (``None``: chosen, see
        :meth:`TrainResult.recorded_epochs`), the last and the time-to-target epoch always."""
        frame = self.result.curve(every, keep=(self.row["epochs_to_target"],))
        frame.insert(0, "seed", self.seed)
        frame.insert(0, "optimizer", self.task.run.name)
        frame.insert(0, "problem", self.task.problem.name)
        return frame


@dataclass
class _Data:
    """The splits of one problem for one repetition."""

    train: Dataset
    test: Dataset | None
    fit: Dataset | None = None
    val: Dataset | None = None


@dataclass
class Comparison:
    """The outcome of :func:`compare`; ``interrupted`` is set when Ctrl-C stopped it early.

    ``datasets`` and ``networks`` describe each problem as it was trained, by problem name: the
    data (task, size, classes in label order, whether standardised) and the network (hidden
    widths, activation, outputs, parameters, loss, init), as saved in ``config.json``.
    """

    experiment: Experiment
    finished: dict = field(default_factory=dict)
    trials: dict = field(default_factory=dict)
    selected_lr: dict = field(default_factory=dict)
    compile_seconds: float = 0.0
    compile_source: str = ""
    repeat: int = 1
    jobs: int = 1
    interrupted: bool = False
    planned: int = 0
    datasets: dict = field(default_factory=dict)
    networks: dict = field(default_factory=dict)
    memory_bytes: int = 0
    resume_key: dict | None = None
    """``config.json``'s ``resume`` record (:func:`dlbench.study.keys.plan_record`)."""
    selected_trial: dict = field(default_factory=dict)
    """With several tuned hyperparameters: the selected trial by (problem, run label)."""
    execution: dict = field(default_factory=dict)
    """On a Dask cluster: its ``scheduler``, the ``chunks`` sent, the seconds the workers spent in
    them (``worker_seconds``) and the client's ``wall_seconds`` from first submission to last result."""
    record_every: int | None = None
    """Stride of the recorded curves (``None``: chosen per run; :meth:`RunRecord.curve`)."""

    @property
    def records(self) -> list[RunRecord]:
        """Finished final runs, in task order."""
        return [self.finished[k] for k in sorted(self.finished)]

    @property
    def problems(self) -> list[str]:
        return [p.name for p in self.experiment.resolved_problems()]

    def summary(self):
        """One row per run and seed; within each problem sorted by final loss (diverged last)."""
        import pandas as pd

        rows = [dict(rec.row, compile_seconds=self.compile_seconds) for rec in self.records]
        return final_summary(pd.DataFrame(rows, columns=SUMMARY_COLUMNS[:-2]), self.problems)

    def curves(self):
        """One row per run, seed and epoch."""
        import pandas as pd

        if not self.records:
            return pd.DataFrame(columns=CURVE_COLUMNS)
        return pd.concat([rec.curve(self.record_every) for rec in self.records], ignore_index=True)

    def stats(self):
        """Aggregated over seeds: one row per problem and optimizer (see :func:`dlbench.study.stats.aggregate`)."""
        return stats_of(self.summary(), self.experiment)

    def tuning(self):
        """Every tuning trial: problem, optimizer, trial, lr, val_loss, val_accuracy (classification),
        val_rmse and val_r2 (regression), diverged, selected."""
        import pandas as pd

        rows = []
        extra = tuned_columns(self.experiment)
        for key in sorted(self.trials):
            rec = self.trials[key]
            r = rec.result
            m = _metrics(r)
            given = dict(rec.task.hypers)
            rows.append({
                **{name: given.get(name, np.nan) for name in extra},
                "problem": rec.task.problem.name,
                "optimizer": rec.run.name,
                "trial": rec.task.trial,
                "lr": r.lr,
                "val_loss": _last(r.test_losses),
                "val_accuracy": _last(m["test_accuracy"]),
                "val_rmse": _last(m["test_rmse"]),
                "val_r2": _last(m["test_r2"]),
                "diverged": r.diverged,
                "selected": (self.selected_trial.get((rec.task.problem.name, rec.run.name)) == rec.task.trial
                             if self.selected_trial else
                             self.selected_lr.get((rec.task.problem.name, rec.run.name)) == r.lr),
            })
        return pd.DataFrame(rows, columns=tuning_columns(self.experiment))

    def profile(self):
        """AlgoPerf-style performance profile over problems (``None`` with one problem or no target)."""
        return profile_of(self.summary(), self.experiment)


def stats_of(summary, experiment: Experiment):
    """``stats.csv``'s table from ``summary.csv``'s (:func:`dlbench.study.stats.aggregate`; the
    target columns NaN for problems without a target)."""
    from .stats import aggregate

    stats = aggregate(summary)
    untargeted = [p.name for p in experiment.resolved_problems() if p.target is None]
    stats.loc[stats["problem"].isin(untargeted), ["reached_target", "epochs_to_target", "seconds_to_target",
                                                  "grad_evals_to_target"]] = np.nan
    return stats


def profile_of(summary, experiment: Experiment):
    """``profile.csv``'s table from ``summary.csv``'s (``None`` with one problem or no target)."""
    from .stats import profile_table

    problems = experiment.resolved_problems()
    if len(problems) < 2 or not any(p.target is not None for p in problems):
        return None
    if summary.empty:
        return None
    times = (
        summary.assign(t=summary["seconds_to_target"].fillna(np.inf))
        .groupby(["problem", "optimizer"], sort=False)["t"].median()
        .unstack("optimizer")
    )
    return profile_table(times, r_max=4.0)


def final_summary(df, problems, runs=None):
    """``summary.csv``'s table from its per-run rows ``df`` (columns :data:`SUMMARY_COLUMNS` but the
    last two): each run's time over the fastest run of its problem that did not diverge (``time_ratio`` ±
    ``time_ratio_std``), and within each problem (in the order ``problems``) sorted by final loss,
    diverged last, then label and repetition (equal rows keep the task order: problems, then
    ``runs`` (labels in the experiment's order, when given), then repetitions). It serves a comparison in memory and the rows read
    back from a results folder alike, so a resumed comparison ends with the same file."""
    import pandas as pd

    if df.empty:
        return pd.DataFrame(columns=SUMMARY_COLUMNS)
    df = df.reset_index(drop=True)
    if runs is not None:  # rows read back from a file come in the order they finished
        place = {name: i for i, name in enumerate(problems)}
        slot = {name: i for i, name in enumerate(runs)}
        key = df["problem"].map(place).astype(float) * 1e6 + df["optimizer"].map(slot).astype(float)
        df = df.assign(_k=key).sort_values(["_k", "repetition"], kind="stable").drop(columns="_k").reset_index(drop=True)
    # each run over the fastest run of its problem that did not diverge (the first of equal ones;
    # any run if all diverged), uncertainty as in stats.ratio_with_uncertainty; the fastest run
    # itself is exactly 1 ± 0, as in stats.aggregate
    from .stats import ratio_with_uncertainty

    usable = df["train_seconds"].where(~df["diverged"].astype(bool))
    usable = usable.where(usable.groupby(df["problem"], sort=False).transform("count") > 0, df["train_seconds"])
    fastest = usable.groupby(df["problem"], sort=False).transform("idxmin").astype(int)
    seconds, spread = df["train_seconds"].to_numpy(float), df["train_seconds_std"].to_numpy(float)
    ratios = [(1.0, 0.0) if i == f else ratio_with_uncertainty(seconds[i], spread[i], seconds[f], spread[f])
              for i, f in zip(range(len(df)), fastest)]
    df["time_ratio"] = [r for r, _ in ratios]
    df["time_ratio_std"] = [s for _, s in ratios]
    order = {name: i for i, name in enumerate(problems)}
    df["_p"] = df["problem"].map(order)
    df["_l"] = df["final_loss"].where(~df["diverged"].astype(bool), np.inf).fillna(np.inf)
    return df.sort_values(["_p", "_l", "optimizer", "repetition"], kind="stable").drop(columns=["_p", "_l"]).reset_index(drop=True)


def _last(values) -> float:
    return float(values[-1]) if values is not None else np.nan


def _metrics(result: TrainResult) -> dict:
    """The per-epoch metrics of a run by name (``None`` where they do not apply): ``accuracy``
    for classification, ``rmse`` (``sqrt(2 loss)``, the loss being half the mean squared error)
    and ``r2`` for regression, and each on the held-out set (``test_...``)."""
    reg = result.task == "regression"
    test_l, test_s = result.test_losses, result.test_accuracies
    return {
        "loss": result.losses, "test_loss": test_l,
        "accuracy": None if reg else result.accuracies, "test_accuracy": None if reg else test_s,
        "rmse": np.sqrt(2.0 * result.losses) if reg else None, "r2": result.accuracies if reg else None,
        "test_rmse": np.sqrt(2.0 * test_l) if reg and test_l is not None else None,
        "test_r2": test_s if reg else None,
    }


def _time_to_target(result: TrainResult, target) -> tuple[float, float]:
    """First epoch (and training seconds) at which ``result`` met ``target``; NaN if never."""
    from .stats import first_reach

    values = _metrics(result)[target.metric]
    if values is None:
        return np.nan, np.nan
    k = first_reach(values, target.value, target.mode)
    if k is None:
        return np.nan, np.nan
    return float(k), float(result.elapsed[k])


def _grad_evals_at(result: TrainResult, epoch) -> float:
    """Training gradients computed up to ``epoch`` (the epoch a target was met; NaN if none)."""
    if result.grad_evals is None or not np.isfinite(epoch):
        return np.nan
    return float(result.grad_evals[int(epoch)])


SUMMARY_COLUMNS = [
    "problem", "optimizer", "rule", "repetition", "seed", "lr", "batch_size", "schedule", "final_loss", "best_loss",
    "final_accuracy", "test_loss", "test_accuracy", "final_rmse", "final_r2", "test_rmse", "test_r2", "epochs_run", "converged", "diverged", "epochs_to_converge",
    "epochs_to_target", "seconds_to_target", "grad_evals", "grad_evals_to_target", "train_seconds", "train_seconds_std", "timing_repeats",
    "seconds_per_epoch", "compile_seconds", "time_ratio", "time_ratio_std",
]
CURVE_COLUMNS = ["problem", "optimizer", "seed", "epoch", "loss", "accuracy", "rmse", "r2", "test_loss", "test_accuracy",
                 "test_rmse", "test_r2", "lr", "elapsed_s"]
TUNING_COLUMNS = ["problem", "optimizer", "trial", "lr", "val_loss", "val_accuracy", "val_rmse", "val_r2", "diverged",
                  "selected"]
"""Columns of ``summary.csv``, ``curves.csv`` and ``tuning.csv``: one schema for every task, a
measure that does not apply to a task (accuracy for regression; RMSE and R² for classification)
being NaN."""


def tuned_columns(experiment) -> list[str]:
    """The columns of ``tuning.csv`` beside :data:`TUNING_COLUMNS`: one per tuned hyperparameter
    other than ``lr`` (by its name) when several are tuned, else none."""
    from .tuning import is_multi, tuned_names

    if not is_multi(experiment):
        return []
    return [n for n in tuned_names(experiment.tune) if n != "lr" and n not in TUNING_COLUMNS]


def tuning_columns(experiment) -> list[str]:
    """``tuning.csv``'s columns: :data:`TUNING_COLUMNS` with :func:`tuned_columns` after ``lr``."""
    return TUNING_COLUMNS[:4] + tuned_columns(experiment) + TUNING_COLUMNS[4:]


def load_problem(problem: Problem) -> Dataset:
    """The full data set of ``problem`` (generated, bundled or read from its CSV file), as the task
    it trains as (``problem.task``, see :func:`dlbench.study.experiment.task_choices`)."""
    from dataclasses import replace

    from ..data import load_csv, make_dataset
    from ..errors import invalid

    if problem.problem == "csv":
        return load_csv(problem.file, problem.target_column, task=problem.task)
    data = make_dataset(problem.problem, problem.n_samples, problem.n_features, seed=problem.seed, noise=problem.noise,
                        n_classes=problem.n_classes)
    if problem.task is None or problem.task == data.task:
        return data
    allowed = task_choices(data.task, data.n_classes)
    if problem.task not in allowed:
        raise invalid("task", f"the {data.task} problem {problem.name!r}", " or ".join(map(repr, allowed)), problem.task)
    return replace(data, task=problem.task)


def _standardised(problem: Problem) -> bool:
    """Whether ``problem``'s features are z-scored with training statistics: real data (a CSV
    file or a bundled data set) is; synthetic problems are used as generated."""
    from ..data import PROBLEMS

    return problem.problem == "csv" or PROBLEMS[problem.problem].kind == "bundled"


def _splits(full: Dataset, problem: Problem, exp: Experiment, repetition: int) -> _Data:
    from ..data import split, standardize

    seed = repetition_seed(exp.seed, repetition)
    scale = _standardised(problem)  # features only: a regression target keeps its scale
    train, test = full, None
    if exp.test_fraction:
        train, test = split(full, exp.test_fraction, _sub_seed(seed, 1))
    data = _Data(train, test)
    if exp.n_trials:
        data.fit, data.val = split(train, exp.val_fraction, _sub_seed(seed, 2))
        if scale:
            data.fit, data.val = standardize(data.fit, data.val)
    if scale:
        data.train, *rest = standardize(train, *([test] if test is not None else []))
        data.test = rest[0] if rest else None
    return data


def _describe(full: Dataset, problem: Problem, exp: Experiment) -> tuple[dict, dict]:
    """``(dataset, network)`` records of one problem for ``config.json`` (checked: a loss that does
    not fit the data's task, or a target metric that does not, raises :class:`ConfigError`)."""
    from ..model.spec import Network

    check_task_fit(problem, full.task, exp.loss)
    net = Network.make(full.n_features, exp.widths, full.n_outputs, exp.activation, full.task, exp.loss,
                       where="the experiment")
    dataset = {"task": full.task, "n_samples": full.n_samples, "n_features": full.n_features,
               "n_classes": full.n_classes, "classes": list(full.classes), "n_outputs": full.n_outputs,
               "standardized": _standardised(problem)}
    network = {"hidden": list(net.hidden), "activation": net.activation, "n_outputs": net.n_outputs,
               "n_params": net.n_params, "loss": net.loss, "init": exp.init}
    return dataset, network


def _execute(task: Task, data: _Data, exp: Experiment, repeat: int, progress=None) -> RunRecord:
    seed = repetition_seed(exp.seed, task.repetition)
    if task.trial is not None:
        fit, held_out = data.fit, data.val
    else:
        fit, held_out = data.train, data.test
    params = init_params(fit.n_features, exp.widths, exp.init, seed, n_outputs=fit.n_outputs)
    run = task.run
    kwargs = dict(
        optimizer=run.optimizer, epochs=exp.epochs, lr=task.lr, batch_size=run.batch_size, loss=exp.loss,
        task=fit.task, activation=exp.activation,
        seed=seed, tol=exp.tol, patience=exp.patience, schedule=run.schedule, schedule_params=run.schedule_params,
        X_test=held_out.X if held_out is not None else None, y_test=held_out.y if held_out is not None else None,
        **{**run.hyperparameters, **dict(task.hypers)},
    )
    result = train(fit.X, fit.y, params, progress=progress, **kwargs)
    times = [result.train_seconds]
    for _ in range(repeat - 1):
        times.append(train(fit.X, fit.y, params, **kwargs).train_seconds)
    return RunRecord(task, seed, result, times)


def _cost(task: Task, exp: Experiment, n_samples: int, n_params: int = 1) -> float:
    """A rough estimate of a task's training time, to start the longest first: per epoch, a pass
    over the data (``N × P``) plus a fixed cost per step, times the function evaluations."""
    from ..optimizers import get_optimizer

    spec = get_optimizer(task.run.optimizer)
    batch = task.run.batch_size or spec.batch_size or n_samples
    steps = -(-n_samples // max(1, min(batch, n_samples)))
    evaluations = float(task.run.hyperparameters.get("max_iter", 20)) if spec.full_batch_only else 1.0
    return exp.epochs * evaluations * n_params * (2.0 * n_samples + 20.0 * steps)


def _run_all(tasks, work, jobs: int, on_done, cost=None) -> None:
    """Run ``work(task)`` for every task, ``jobs`` at a time, calling ``on_done(task, record)``
    in the main thread as each finishes. With several jobs the costliest tasks start first (so no
    thread is left with a long task at the end); results do not depend on the order. Ctrl-C
    cancels what has not started.

    With one job the tasks run one after another, in order, in one worker thread, while this
    thread records each finished one (``on_done``: statistics, the CSV files): the kernels release
    the GIL, so on a machine with two cores the recording of one run overlaps the training of the
    next instead of adding to it. Still one training at a time, so timings are those of
    ``--jobs 1``."""
    if len(tasks) <= 1:
        for task in tasks:
            if requested():
                raise KeyboardInterrupt
            on_done(task, work(task))
        return
    if cost is not None and jobs > 1:
        tasks = sorted(tasks, key=cost, reverse=True)
    pool = ThreadPoolExecutor(max_workers=jobs, thread_name_prefix="dlbench")
    futures = {pool.submit(work, task): task for task in tasks}
    try:
        for future in as_completed(futures):
            on_done(futures[future], future.result())
            if requested():
                raise KeyboardInterrupt
    except KeyboardInterrupt:
        for future in futures:
            future.cancel()
        raise
    finally:
        pool.shutdown(wait=True, cancel_futures=True)


def compare(
    experiment: Experiment | None = None,
    optimizers: list[str] | None = None,
    repeat: int | None = None,
    jobs: int = 1,
    on_progress: Callable[[Task, int, int], None] | None = None,
    on_record: Callable[["Comparison"], None] | None = None,
    on_task: Callable[[int, int, str], None] | None = None,
    on_ready: Callable[[], None] | None = None,
    on_trial: Callable[["Comparison", RunRecord], None] | None = None,
    on_tuned: Callable[["Comparison"], None] | None = None,
    on_run: Callable[["Comparison", RunRecord], None] | None = None,
    on_start: Callable[["Comparison"], None] | None = None,
    done: "Done | None" = None,
    scheduler: str | None = None,
    chunk_size: int | None = None,
    on_chunk: Callable[[list], None] | None = None,
    record_every: int | None = None,
) -> Comparison:
    """Run every problem × run × seed of ``experiment`` (default: :func:`default_experiment`).

    ``optimizers`` replaces the experiment's runs by one default run per name (``["all"]``: every
    registered optimizer). Everything is checked before anything trains: the settings, every data
    set (loaded, converted to the problem's ``task``), the network against each task (loss, target
    metric) and the memory of the whole plan (:func:`dlbench.study.plan.check_memory`). Each
    problem trains the experiment's network (:attr:`Experiment.widths`, ``activation``, ``init``)
    with as many outputs as its task needs, on standardised features when its data is real (a CSV
    file or a bundled set; the target is never standardised). Each final run is timed
    ``repeat`` times (default 3 with one seed, 1 with several: the seeds are then the repeats)
    and reports the median. ``jobs`` runs that many trainings at once in threads (the kernels
    release the GIL); results do not depend on it, only timings may. The kernel is compiled (or
    loaded from its cache) once beforehand; that time is reported apart.
    ``on_progress(task, epochs_done, epochs)`` reports live progress (``jobs=1`` only);
    ``on_task(done, total, phase)`` counts finished trainings; ``on_record(comparison)`` is called
    after each finished final run (the CLI saves results there, so an interrupt keeps them). A
    diverging run is recorded as diverged and the others go on; Ctrl-C stops early with
    ``interrupted`` set and what finished kept. ``on_ready()`` is called once everything has been
    checked and every data set loaded, just before training starts. ``on_trial(comparison,
    record)`` and ``on_run(comparison, record)`` are called in the main thread as each tuning trial
    and each final run finishes, ``on_tuned(comparison)`` once the rates are selected (``on_start(comparison)`` before the
    first training) (the
    results writer appends and rewrites there). ``done`` (a :class:`Done`, from a results folder
    being resumed) names what already finished: those trials and runs are not run again, and the
    saved trials take part in the selection of the rates as if they had just run.
    ``scheduler`` (default: the experiment's ``scheduler``; ``None`` or ``"threads"``: threads)
    runs the trainings on a Dask cluster instead: ``"local"`` or ``"tcp://HOST:PORT"``
    (:mod:`dlbench.study.distributed`, in chunks of ``chunk_size`` tasks, default the experiment's
    or automatic); results are the same, and ``on_chunk(rows)`` receives the ``workers.csv`` rows
    of each chunk that comes back.
    ``record_every``: stride of the recorded curves (:attr:`Comparison.record_every`).
    """
    from ..errors import invalid

    exp = experiment or default_experiment()
    if optimizers:
        exp = exp.with_runs(list(optimizers))
    exp.check()
    if repeat is None:
        repeat = 3 if exp.seeds == 1 else 1
    if isinstance(repeat, bool) or not isinstance(repeat, int) or not 1 <= repeat <= MAX_REPEAT:
        raise invalid("repeat", "compare", f"an integer in [1, {MAX_REPEAT}]", repeat)
    if isinstance(jobs, bool) or not isinstance(jobs, int) or not 1 <= jobs <= MAX_JOBS:
        raise invalid("jobs", "compare", f"an integer in [1, {MAX_JOBS}] (threads)", jobs)
    from .distributed import check_scheduler

    address = check_scheduler(exp.scheduler if scheduler is None else scheduler,
                              "compare" if scheduler is not None else "the experiment")
    chunk_size = exp.chunk_size if chunk_size is None else chunk_size
    if chunk_size is not None:
        from ..hyper import check_int

        check_int(chunk_size, "chunk_size", "compare", 1, 10**9)
    runs = exp.resolved_runs()
    problems = exp.resolved_problems()

    # load every data set, check the network and the memory of the whole plan, then every run
    # against its real size, before training anything
    from .datacheck import check_values
    from .plan import check_data_size, check_memory, check_plan_size

    check_plan_size(exp)
    check_data_size(exp)
    fulls: dict = {}
    described: dict = {}
    for problem in problems:
        fulls[problem.name] = load_problem(problem)
        check_values(fulls[problem.name], problem, _standardised(problem))
        described[problem.name] = _describe(fulls[problem.name], problem, exp)
    memory = check_memory(exp, fulls, jobs)
    data: dict = {}
    rules: set = set()  # the update rules the runs use: which compiled loop they need
    for problem in problems:
        full = fulls[problem.name]
        for repetition in range(exp.seeds):
            data[problem.name, repetition] = _splits(full, problem, exp, repetition)
        sizes = [data[problem.name, 0].train.n_samples]
        if exp.n_trials:
            sizes.append(data[problem.name, 0].fit.n_samples)
        for run in runs:
            rules.add(check_experiment_run(exp, run, min(sizes)).rule)

    runner, backend = _run_all, None
    if address is not None:
        from .distributed import DaskRunner

        backend = DaskRunner(address, chunk_size)
        backend.on_chunk = on_chunk
        runner = backend.bind(data, exp, repeat)
    try:
        if on_ready:
            on_ready()
        comparison = _compare(exp, runs, problems, fulls, data, described, memory, repeat, jobs, runner, on_progress,
                              on_record, on_task, on_trial, on_tuned, on_run, on_start, done, sorted(rules), record_every)
        if backend is not None:
            comparison.execution = {"scheduler": address, "chunks": backend.chunks_made,
                                    "worker_seconds": backend.busy_seconds, "wall_seconds": backend.wall_seconds}
        return comparison
    finally:
        if backend is not None:
            backend.close()


def _compare(exp, runs, problems, fulls, data, described, memory, repeat, jobs, runner, on_progress, on_record,
             on_task, on_trial, on_tuned, on_run, on_start, done, rules, record_every) -> Comparison:
    """:func:`compare` once everything is checked and loaded: train with ``runner`` (the kernels
    compiled for the update ``rules`` used)."""
    seconds, source = kernel_compile_seconds(rules)
    comparison = Comparison(exp, compile_seconds=seconds, compile_source=source, repeat=repeat, jobs=jobs,
                            record_every=record_every,
                            planned=len(problems) * len(runs) * exp.seeds, memory_bytes=memory,
                            datasets={name: d for name, (d, _) in described.items()},
                            networks={name: n for name, (_, n) in described.items()})
    from .keys import plan_record

    from dataclasses import replace

    comparison.resume_key = plan_record(replace(exp, scheduler=None, chunk_size=None), fulls)  # results do not depend on them
    if on_start:
        on_start(comparison)
    index = iter(range(10**9))
    from .tuning import is_multi, setting_for, trial_settings

    multi = bool(exp.n_trials) and is_multi(exp)
    if multi:  # several hyperparameters: the same Halton trials for every optimizer
        settings = trial_settings(exp)
        trial_tasks = [
            Task(next(index), problem, run, 0, lr, trial, hypers)
            for problem in problems for run in runs for trial, setting in enumerate(settings)
            for lr, hypers in [setting_for(run, setting)]
        ]
    else:
        grid = lr_grid(exp)
        trial_tasks = [
            Task(next(index), problem, run, 0, float(lr), trial)
            for problem in problems for run in runs for trial, lr in enumerate(grid)
        ]
    total = len(trial_tasks) + comparison.planned
    previous = done or Done()
    trial_tasks = [t for t in trial_tasks if (t.problem.name, t.run.name, t.trial) not in previous.trial_keys]
    done = {"n": total - len(trial_tasks) - (comparison.planned - len(previous.finals))}

    def worker(task: Task) -> RunRecord:
        live = on_progress is not None and jobs == 1 and runner is _run_all  # live progress polls from the main thread
        progress = (lambda d, t: on_progress(task, d, t)) if live else None
        return _execute(task, data[task.problem.name, task.repetition], exp, 1 if task.trial is not None else repeat,
                        progress)

    def finished(phase: str, store: dict, callback=None, each=None):
        def on_done(task: Task, record: RunRecord) -> None:
            store[task.index] = record
            done["n"] += 1
            if each:
                each(comparison, record)
            if on_task:
                on_task(done["n"], total, phase)
            if callback:
                callback(comparison)
        return on_done

    def cost(task: Task) -> float:
        return _cost(task, exp, data[task.problem.name, task.repetition].train.n_samples,
                     comparison.networks[task.problem.name]["n_params"])

    try:
        with interruptible():
            runner(trial_tasks, worker, jobs, finished("tuning", comparison.trials, each=on_trial), cost)
            rows = previous.trials + [_trial_row(r) for r in comparison.trials.values()]
            chosen: dict = {}
            if multi:
                comparison.selected_trial.update(select_trials(rows))
                for (p, label), trial in comparison.selected_trial.items():
                    run = next(r for r in runs if r.name == label)
                    chosen[p, label] = setting_for(run, settings[trial])
                    comparison.selected_lr[p, label] = next(float(r["lr"]) for r in rows if (
                        str(r["problem"]), str(r["optimizer"]), int(r["trial"])) == (p, label, trial))
            elif exp.n_trials:
                comparison.selected_lr.update(select_rows(rows))
            if exp.n_trials and on_tuned:
                on_tuned(comparison)
            final_tasks = [
                Task(next(index), problem, run, repetition, lr, None, hypers)
                for problem in problems for run in runs for repetition in range(exp.seeds)
                for lr, hypers in [chosen.get((problem.name, run.name),
                                              (comparison.selected_lr.get((problem.name, run.name), run.lr), ()))]
                if (problem.name, run.name, repetition) not in previous.finals
            ]
            runner(final_tasks, worker, jobs, finished("final", comparison.finished, on_record, on_run), cost)
    except KeyboardInterrupt:
        comparison.interrupted = True
    return comparison


@dataclass
class Done:
    """What a results folder being resumed already holds: its finished tuning trials as rows of
    ``tuning.csv`` (``problem``, ``optimizer``, ``trial``, ``lr``, ``val_loss``, ``diverged``) and
    its finished final runs as ``(problem, label, repetition)``."""

    trials: list = field(default_factory=list)
    finals: set = field(default_factory=set)

    @property
    def trial_keys(self) -> set:
        return {(r["problem"], r["optimizer"], int(r["trial"])) for r in self.trials}


def _trial_row(rec: RunRecord) -> dict:
    r = rec.result
    return {"problem": rec.task.problem.name, "optimizer": rec.run.name, "trial": rec.task.trial, "lr": r.lr,
            "val_loss": _last(r.test_losses), "diverged": bool(r.diverged)}


def _select(trials) -> dict:
    """:func:`select_rows` of finished trial records."""
    return select_rows([_trial_row(rec) for rec in trials])


def select_trials(rows) -> dict:
    """For each (problem, run): the trial with the lowest final validation loss (a diverged or
    non-finite trial scores +inf; ties go to the earlier trial). ``rows`` as for :func:`select_rows`."""
    return _best(rows, lambda row: int(row["trial"]))


def select_rows(rows) -> dict:
    """For each (problem, run): the learning rate with the lowest final validation loss (a
    diverged or non-finite trial scores +inf; ties go to the smaller rate). ``rows`` are trials
    as :class:`Done` holds them."""
    return _best(rows, lambda row: float(row["lr"]))


def _best(rows, pick) -> dict:
    """For each (problem, run): ``pick(row)`` of its row with the lowest score, ties to the lowest pick."""
    best: dict = {}
    for row in rows:
        value, loss = pick(row), float(row["val_loss"])
        score = np.inf if bool(row["diverged"]) or not np.isfinite(loss) else loss
        key = (str(row["problem"]), str(row["optimizer"]))
        if key not in best or (score, value) < best[key]:
            best[key] = (score, value)
    return {key: value for key, (_, value) in best.items()}
