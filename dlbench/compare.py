"""Run an experiment: every run on the same data from the same initial parameters.

:func:`compare` returns a :class:`Comparison` whose :meth:`~Comparison.summary` and
:meth:`~Comparison.curves` are tidy pandas DataFrames (one row per run and seed; one row per run,
seed and epoch). The command line prints and saves exactly these.
"""

from __future__ import annotations

import statistics
from dataclasses import dataclass, field
from typing import Callable

import numpy as np

from .data import make_dataset
from .experiment import Experiment, Run, default_experiment
from .model import init_params
from .training import TrainResult, check_experiment_run, kernel_compile_seconds, train

__all__ = ["compare", "Comparison", "RunRecord"]


@dataclass
class RunRecord:
    """One finished run: its settings, its result and the wall times of its timing repeats."""

    run: Run
    result: TrainResult
    seconds: list[float]

    @property
    def median_seconds(self) -> float:
        return statistics.median(self.seconds)

    def curve(self):
        """This run's rows of ``curves.csv``."""
        frame = self.result.curve()
        frame.insert(0, "seed", self.result.seed)
        frame.insert(0, "optimizer", self.run.name)
        return frame


@dataclass
class Comparison:
    """The outcome of :func:`compare`; ``interrupted`` is set when Ctrl-C stopped it early."""

    experiment: Experiment
    records: list[RunRecord] = field(default_factory=list)
    compile_seconds: float = 0.0
    compile_source: str = ""
    repeat: int = 1
    interrupted: bool = False
    planned: int = 0

    def summary(self):
        """One row per run and seed, sorted by final loss (diverged runs last)."""
        import pandas as pd

        rows = []
        for rec in self.records:
            r = rec.result
            seconds = np.array(rec.seconds)
            rows.append(
                {
                    "optimizer": rec.run.name,
                    "rule": r.optimizer,
                    "seed": r.seed,
                    "lr": r.lr,
                    "batch_size": r.batch_size,
                    "schedule": r.schedule,
                    "final_loss": r.final_loss,
                    "best_loss": r.best_loss,
                    "final_accuracy": r.final_accuracy,
                    "epochs_run": r.epochs_run,
                    "converged": r.converged,
                    "diverged": r.diverged,
                    "epochs_to_converge": r.epochs_run if r.converged else np.nan,
                    "train_seconds": rec.median_seconds,
                    "train_seconds_std": float(seconds.std(ddof=1)) if seconds.size > 1 else 0.0,
                    "timing_repeats": int(seconds.size),
                    "seconds_per_epoch": rec.median_seconds / max(r.epochs_run, 1),
                    "compile_seconds": self.compile_seconds,
                }
            )
        columns = ["optimizer", "rule", "seed", "lr", "batch_size", "schedule", "final_loss", "best_loss",
                   "final_accuracy", "epochs_run", "converged", "diverged", "epochs_to_converge", "train_seconds",
                   "train_seconds_std", "timing_repeats", "seconds_per_epoch", "compile_seconds"]
        df = pd.DataFrame(rows, columns=columns)
        if df.empty:
            df["time_ratio"] = []
            df["time_ratio_std"] = []
            return df
        fastest = df["train_seconds"].min()
        std_fast = df.loc[df["train_seconds"].idxmin(), "train_seconds_std"]
        df["time_ratio"] = df["train_seconds"] / fastest
        df["time_ratio_std"] = df["time_ratio"] * np.sqrt(
            (df["train_seconds_std"] / df["train_seconds"]) ** 2 + (std_fast / fastest) ** 2
        )
        df["_nan_last"] = df["final_loss"].where(~df["diverged"], np.inf).fillna(np.inf)
        return df.sort_values(["_nan_last", "optimizer"], kind="stable").drop(columns="_nan_last").reset_index(drop=True)

    def curves(self):
        """One row per run, seed and epoch: loss, accuracy, learning rate, elapsed seconds."""
        import pandas as pd

        if not self.records:
            return pd.DataFrame(columns=["optimizer", "seed", "epoch", "loss", "accuracy", "lr", "elapsed_s"])
        return pd.concat([rec.curve() for rec in self.records], ignore_index=True)


def compare(
    experiment: Experiment | None = None,
    optimizers: list[str] | None = None,
    repeat: int = 3,
    on_progress: Callable[[Run, int, int], None] | None = None,
    on_record: Callable[[Comparison], None] | None = None,
) -> Comparison:
    """Train every run of ``experiment`` (default: :func:`default_experiment`).

    ``optimizers`` replaces the experiment's runs by one default run per name (``["all"]``: every
    registered optimizer). Every run's settings are checked before anything trains. Each run is
    timed ``repeat`` times (same seed, so the same numbers) and reports the median. The kernel is
    compiled (or loaded from its cache) once beforehand; that time is reported apart.
    ``on_progress(run, epochs_done, epochs)`` reports live progress; ``on_record(comparison)`` is
    called after each finished run (the CLI saves results there, so an interrupt keeps them).
    A diverging run is recorded as diverged and the others go on; Ctrl-C stops early with
    ``interrupted`` set and what finished kept.
    """
    exp = experiment or default_experiment()
    if optimizers:
        exp = exp.with_runs(list(optimizers))
    if isinstance(repeat, bool) or not isinstance(repeat, int) or repeat < 1:
        from .errors import invalid

        raise invalid("repeat", "compare", "an integer >= 1", repeat)
    runs = exp.resolved_runs()
    for run in runs:
        check_experiment_run(exp, run)
    data = make_dataset(exp.problem, exp.n_samples, exp.n_features, exp.data_seed)
    params = init_params(exp.n_features, exp.n_hidden, exp.init, exp.init_seed)
    seconds, source = kernel_compile_seconds()
    comparison = Comparison(exp, compile_seconds=seconds, compile_source=source, repeat=repeat, planned=len(runs))
    try:
        for run in runs:
            progress = (lambda done, total, run=run: on_progress(run, done, total)) if on_progress else None
            kwargs = dict(
                optimizer=run.optimizer, epochs=exp.epochs, lr=run.lr, batch_size=run.batch_size, loss=exp.loss,
                seed=exp.seed, tol=exp.tol, patience=exp.patience, schedule=run.schedule,
                schedule_params=run.schedule_params, **run.hyperparameters,
            )
            result = train(data.X, data.y, params, progress=progress, **kwargs)
            times = [result.train_seconds]
            for _ in range(repeat - 1):
                times.append(train(data.X, data.y, params, **kwargs).train_seconds)
            comparison.records.append(RunRecord(run, result, times))
            if on_record:
                on_record(comparison)
    except KeyboardInterrupt:
        comparison.interrupted = True
    return comparison
