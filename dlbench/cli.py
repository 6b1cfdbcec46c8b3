"""The ``dlbench`` command: a thin layer over the Python API (:mod:`dlbench.compare`).

Commands parse options, build an :class:`~dlbench.experiment.Experiment`, call the API, print rich
tables and save results. Errors from the API are caught here, at the edge, and printed as one
line on stderr (exit 2 for bad input, 1 for runtime failures, 130 when interrupted).
"""

from __future__ import annotations

import functools
import shlex
from enum import Enum
from pathlib import Path
from typing import List, Optional

import typer

from . import __version__
from .errors import ConfigError, DlbenchError
from .optimizers import OPTIMIZERS
from .schedules import SCHEDULES

app = typer.Typer(
    name="dlbench",
    help="Compare neural-network optimizers, honestly and fast.\n\n"
    "Examples:\n\n"
    "  dlbench run --optimizer sgd\n\n"
    "  dlbench compare all\n\n"
    "  dlbench compare --experiment experiments/article.toml\n\n"
    "  dlbench list",
    no_args_is_help=True,
    add_completion=False,
    rich_markup_mode=None,
    pretty_exceptions_enable=False,
)

OptimizerName = Enum("OptimizerName", {name: name for name in OPTIMIZERS}, type=str)
ScheduleName = Enum("ScheduleName", {name: name for name in SCHEDULES}, type=str)


class LossName(str, Enum):
    bce = "bce"
    mse = "mse"


class InitName(str, Enum):
    uniform = "uniform"
    glorot = "glorot"
    he = "he"


_OPTION_OF = {
    "n_samples": "--samples", "n_features": "--features", "n_hidden": "--hidden", "batch_size": "--batch-size",
    "epochs": "--epochs", "lr": "--lr", "tol": "--tol", "patience": "--patience", "seed": "--seed",
    "repeat": "--repeat",
}


def _err(message: str) -> None:
    from rich.console import Console

    Console(stderr=True, highlight=False, soft_wrap=True).print(f"[bold red]Error:[/bold red] {message}", markup=True)


def _edge(func):
    """Turn dlbench errors into one line on stderr and an exit status; never a traceback."""

    @functools.wraps(func)
    def wrapper(*args, **kwargs):
        try:
            return func(*args, **kwargs)
        except ConfigError as exc:
            message = str(exc)
            option = _OPTION_OF.get(exc.param or "")
            if option and exc.expected:
                message = f"Invalid value for '{option}': must be {exc.expected}. Got {exc.got!r} instead."
            _err(_escape(message))
            raise typer.Exit(2) from None
        except DlbenchError as exc:
            _err(_escape(str(exc)))
            raise typer.Exit(1) from None

    return wrapper


def _escape(text: str) -> str:
    from rich.markup import escape

    return escape(text)


def _version(value: bool):
    if value:
        typer.echo(f"dlbench {__version__}")
        raise typer.Exit()


@app.callback()
def _main(
    version: bool = typer.Option(False, "--version", callback=_version, is_eager=True, help="Show the version and exit."),
):
    """Compare neural-network optimizers, honestly and fast."""


def _pairs(items: Optional[List[str]], option: str) -> dict:
    out = {}
    for item in items or []:
        name, sep, value = item.partition("=")
        if not sep or not name.strip():
            raise ConfigError(f"Invalid value for '{option}': expected NAME=VALUE. Got {item!r} instead.")
        out[name.strip()] = value.strip()
    return out


def _experiment(experiment: Optional[Path], **overrides):
    """The experiment from ``--experiment`` (or the default) with command-line overrides."""
    from dataclasses import replace

    from .experiment import default_experiment, load_experiment

    exp = load_experiment(experiment) if experiment is not None else default_experiment()
    given = {k: (v.value if isinstance(v, Enum) else v) for k, v in overrides.items() if v is not None}
    return replace(exp, **given)


def _console():
    """Rich console for stdout; when not a terminal (a pipe, a file, tests) use a wide page so
    tables are never cut."""
    from rich.console import Console

    console = Console()
    if not console.is_terminal:
        console = Console(width=max(console.width, 200))
    return console


def _results_folder(out: Path, command: str):
    from .results import new_results_dir

    return new_results_dir(out, command)


def _command_line(ctx: typer.Context) -> str:
    """The command as typed (rebuilt from the options given on the command line)."""
    words = ["dlbench", *ctx.command_path.split()[1:]]
    for param in ctx.command.params:
        source = ctx.get_parameter_source(param.name)
        if getattr(source, "name", "") != "COMMANDLINE":
            continue
        value = ctx.params[param.name]
        values = value if isinstance(value, (list, tuple)) else [value]
        for v in values:
            v = v.value if isinstance(v, Enum) else v
            if param.param_type_name == "argument":
                words.append(str(v))
            elif getattr(param, "is_flag", False):
                words.append(param.opts[0])
            else:
                words += [param.opts[0], str(v)]
    return shlex.join(words)


def _progress_bar(console):
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

    return Progress(
        TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(), TextColumn("epochs"),
        TimeElapsedColumn(), console=console, transient=True, disable=not console.is_terminal,
    )


def _run_comparison(ctx: typer.Context, exp, names, repeat: int, out: Path, command: str):
    """Shared by ``run`` and ``compare``: train with live progress, save after every run."""
    from .compare import compare
    from .results import ResultsWriter

    console = _console()
    # check everything (and that the folder can be written) before training anything
    if names:
        exp = exp.with_runs(names)
    from .training import check_experiment_run

    for run in exp.resolved_runs():
        check_experiment_run(exp, run)
    folder = _results_folder(out, command)
    extra = {"command": _command_line(ctx)}

    with _progress_bar(console) as bar:
        tasks: dict = {}

        def on_progress(run, done, total):
            if run.name not in tasks:
                tasks[run.name] = bar.add_task(run.name, total=total)
            bar.update(tasks[run.name], completed=max(done, 0))

        writer = ResultsWriter(folder, extra)
        comparison = compare(exp, repeat=repeat, on_progress=on_progress, on_record=writer.update)
    writer.update(comparison)
    return comparison, folder, console


@app.command()
@_edge
def run(
    ctx: typer.Context,
    optimizer: OptimizerName = typer.Option("gd", "--optimizer", "-o", help="Optimizer to train with (see 'dlbench list')."),
    lr: Optional[float] = typer.Option(None, "--lr", help="Learning rate [default: the optimizer's]."),
    epochs: Optional[int] = typer.Option(None, "--epochs", help="Number of epochs [default: 1000]."),
    batch_size: Optional[int] = typer.Option(None, "--batch-size", help="Samples per step [default: the optimizer's]."),
    loss: Optional[LossName] = typer.Option(None, "--loss", help="Loss [default: bce]."),
    init: Optional[InitName] = typer.Option(None, "--init", help="Initialisation [default: glorot]."),
    seed: Optional[int] = typer.Option(None, "--seed", help="Seed of the sample order [default: 0]."),
    samples: Optional[int] = typer.Option(None, "--samples", help="Number of samples [default: 100]."),
    features: Optional[int] = typer.Option(None, "--features", help="Number of features [default: 10]."),
    hidden: Optional[int] = typer.Option(None, "--hidden", help="Hidden ReLU units [default: 8]."),
    tol: Optional[float] = typer.Option(None, "--tol", help="Early stopping: minimum loss improvement."),
    patience: Optional[int] = typer.Option(None, "--patience", help="Early stopping: epochs without improvement."),
    schedule: Optional[ScheduleName] = typer.Option(None, "--schedule", help="Learning-rate schedule."),
    param: Optional[List[str]] = typer.Option(None, "--param", "-p", help="Optimizer hyperparameter NAME=VALUE (repeatable)."),
    schedule_param: Optional[List[str]] = typer.Option(None, "--schedule-param", help="Schedule parameter NAME=VALUE (repeatable)."),
    experiment: Optional[Path] = typer.Option(None, "--experiment", "-e", help="Take data/model/training settings from this TOML file."),
    out: Path = typer.Option(Path("results"), "--out", help="Folder under which a new results folder is written."),
):
    """Train the network once with one optimizer and print a summary.

    Example: dlbench run --optimizer adam --lr 0.01 --param beta2=0.99 --schedule cosine
    """
    from dataclasses import replace

    from .experiment import Run
    from .report import loss_every_table, run_table

    exp = _experiment(
        experiment, epochs=epochs, loss=loss, init=init, seed=seed, n_samples=samples, n_features=features,
        n_hidden=hidden, tol=tol, patience=patience,
    )
    the_run = Run(
        optimizer.value, lr=lr, batch_size=batch_size, schedule=schedule.value if schedule else None,
        schedule_params=_pairs(schedule_param, "--schedule-param"), hyperparameters=_pairs(param, "--param"),
    )
    exp = replace(exp, runs=(the_run,), lr=exp.lr if lr is None else lr)
    comparison, folder, console = _run_comparison(ctx, exp, None, 1, out, "run")
    if comparison.interrupted or not comparison.records:
        _err(f"Interrupted before the run finished; nothing to report. Folder: {folder}")
        raise typer.Exit(130)
    result = comparison.records[0].result
    console.print(loss_every_table(result))
    console.print(run_table(result, comparison.compile_seconds, comparison.compile_source))
    console.print(f"Saved [bold]{folder}[/bold]: config.json, summary.csv, curves.csv")


@app.command()
@_edge
def compare(
    ctx: typer.Context,
    names: Optional[List[str]] = typer.Argument(
        None, help="Optimizers to compare, or 'all' [default: the experiment's runs; without --experiment, all]."
    ),
    experiment: Optional[Path] = typer.Option(None, "--experiment", "-e", help="Experiment file (TOML); options below override it."),
    lr: Optional[float] = typer.Option(None, "--lr", help="One learning rate for every optimizer [default: each its own]."),
    epochs: Optional[int] = typer.Option(None, "--epochs", help="Number of epochs."),
    batch_size: Optional[int] = typer.Option(None, "--batch-size", help="Samples per step for every optimizer."),
    loss: Optional[LossName] = typer.Option(None, "--loss", help="Loss."),
    init: Optional[InitName] = typer.Option(None, "--init", help="Initialisation."),
    seed: Optional[int] = typer.Option(None, "--seed", help="Seed of the sample order."),
    samples: Optional[int] = typer.Option(None, "--samples", help="Number of samples."),
    features: Optional[int] = typer.Option(None, "--features", help="Number of features."),
    hidden: Optional[int] = typer.Option(None, "--hidden", help="Hidden ReLU units."),
    tol: Optional[float] = typer.Option(None, "--tol", help="Early stopping: minimum loss improvement."),
    patience: Optional[int] = typer.Option(None, "--patience", help="Early stopping: epochs without improvement."),
    repeat: int = typer.Option(3, "--repeat", help="Timing repeats per run (the median is reported)."),
    out: Path = typer.Option(Path("results"), "--out", help="Folder under which a new results folder is written."),
):
    """Train several optimizers on the same data from the same start and compare them.

    Examples: dlbench compare all; dlbench compare gd sgd adam --epochs 500;
    dlbench compare --experiment experiments/article.toml
    """
    from .report import comparison_table

    exp = _experiment(
        experiment, lr=lr, epochs=epochs, batch_size=batch_size, loss=loss, init=init, seed=seed, n_samples=samples,
        n_features=features, n_hidden=hidden, tol=tol, patience=patience,
    )
    if lr is not None or batch_size is not None:
        from dataclasses import replace

        exp = replace(exp, runs=tuple(replace(r, lr=lr if lr is not None else r.lr,
                                              batch_size=batch_size if batch_size is not None else r.batch_size)
                                      for r in exp.runs))
    if repeat < 1:
        raise ConfigError(f"Invalid value for '--repeat': must be an integer >= 1. Got {repeat!r} instead.")
    comparison, folder, console = _run_comparison(ctx, exp, list(names or []), repeat, out, "compare")
    title = (f"{exp.name}: {exp.problem} problem, {exp.n_samples}×{exp.n_features}, {exp.n_hidden} hidden, "
             f"{exp.init} init, {exp.loss}, {exp.epochs} epochs")
    console.print(comparison_table(comparison.summary(), title, comparison.compile_seconds, comparison.compile_source,
                                   comparison.repeat))
    console.print(f"Saved [bold]{folder}[/bold]: config.json, summary.csv, curves.csv")
    if comparison.interrupted:
        _err(f"Interrupted: kept the {len(comparison.records)} of {comparison.planned} runs that finished, in {folder}.")
        raise typer.Exit(130)


class ListWhat(str, Enum):
    optimizers = "optimizers"
    schedules = "schedules"
    all = "all"


@app.command("list")
@_edge
def list_(what: ListWhat = typer.Argument(ListWhat.all, help="What to list.")):
    """List the optimizers and schedules with their hyperparameters, defaults and references."""
    from rich import box
    from rich.table import Table

    console = _console()

    def fmt(value):
        if isinstance(value, bool):
            return str(value).lower()
        if isinstance(value, tuple):
            return ",".join(fmt(v) for v in value)
        return f"{value:g}" if isinstance(value, float) else str(value)

    if what in (ListWhat.optimizers, ListWhat.all):
        table = Table(title="Optimizers", box=box.SIMPLE_HEAVY, title_justify="left")
        for col in ("name", "lr", "batch", "hyperparameters (defaults)", "reference", "description"):
            table.add_column(col, overflow="fold")
        for opt in OPTIMIZERS.values():
            hypers = " ".join(f"{h.name}={fmt(h.default)}" for h in opt.hypers)
            if opt.schedule:
                hypers += f" (+ schedule {opt.schedule})"
            batch = "full" if opt.batch_size is None else str(opt.batch_size)
            table.add_row(opt.name, fmt(opt.default_lr), batch, hypers or "—", opt.reference, opt.summary)
        console.print(table)
    if what in (ListWhat.schedules, ListWhat.all):
        table = Table(title="Learning-rate schedules (stepped once per epoch)", box=box.SIMPLE_HEAVY, title_justify="left")
        for col in ("name", "parameters (defaults)", "reference", "description"):
            table.add_column(col, overflow="fold")
        for sched in SCHEDULES.values():
            params = " ".join(f"{h.name}={fmt(h.default)}" for h in sched.hypers)
            table.add_row(sched.name, params or "—", sched.reference, sched.summary)
        console.print(table)


@app.command()
@_edge
def bench(
    optimizer: OptimizerName = typer.Option("gd", "--optimizer", "-o", help="Optimizer to time."),
    epochs: int = typer.Option(1000, "--epochs", help="Epochs per training run."),
    repeats: int = typer.Option(20, "--repeats", help="Timed runs of the compiled kernel."),
    reference_repeats: int = typer.Option(5, "--reference-repeats", help="Timed runs of the NumPy reference."),
    startup: bool = typer.Option(False, "--startup", help="Also time whole commands: --help, cold and warm 'compare all'."),
):
    """Benchmark: compiled kernel vs the plain NumPy reference on the article's problem (same
    process, interleaved runs, medians), and with --startup the cold/warm start of the CLI."""
    from rich import box
    from rich.table import Table

    from . import bench as _bench
    from .report import fmt_seconds

    for name, value in (("--epochs", epochs), ("--repeats", repeats), ("--reference-repeats", reference_repeats)):
        if value < 1:
            raise ConfigError(f"Invalid value for '{name}': must be an integer >= 1. Got {value!r} instead.")
    console = _console()
    res = _bench.kernel_vs_reference(optimizer.value, epochs, repeats, reference_repeats)
    table = Table(title=f"Training time: {res['what']}", box=box.SIMPLE_HEAVY, title_justify="left")
    for col in ("implementation", "median", "min", "max", "runs"):
        table.add_column(col, justify="right" if col != "implementation" else "left")
    for label, key in (("dlbench (Numba kernel)", "kernel"), ("NumPy reference", "reference")):
        s = res[key]
        table.add_row(label, fmt_seconds(s["median_s"]), fmt_seconds(s["min_s"]), fmt_seconds(s["max_s"]), str(s["runs"]))
    table.caption = (
        f"Wall time of the training loop only, measured in one process with interleaved runs. Kernel compile "
        f"time ({res['compile_source']}) not included: {fmt_seconds(res['compile_seconds'])}. Largest relative "
        f"difference between the two loss curves: {res['max_relative_loss_difference']:.1e}."
    )
    console.print(table)
    console.print(f"Speed-up of the kernel over the NumPy reference: [bold]{res['speedup']:.1f}×[/bold] (ratio of medians)")
    if startup:
        st = _bench.startup()
        table = Table(title="Start-up: whole commands in new processes", box=box.SIMPLE_HEAVY, title_justify="left")
        for col in ("command", "wall time", "runs"):
            table.add_column(col)
        table.add_row("dlbench --help", f"{fmt_seconds(st['help']['median_s'])} (median)", str(st["help"]["runs"]))
        table.add_row("dlbench compare all, cold (empty kernel cache)", fmt_seconds(st["compare_all_cold_s"]), "1")
        table.add_row("dlbench compare all, warm (cache filled)", f"{fmt_seconds(st['compare_all_warm']['median_s'])} (median)",
                      str(st["compare_all_warm"]["runs"]))
        table.caption = (f"--help imports Numba: {st['help_imports_numba']}; pandas: {st['help_imports_pandas']}. "
                         "Includes Python start-up, imports, kernel compile or cache load, training and writing results.")
        console.print(table)


def main() -> None:
    """Console-script entry point."""
    app()
