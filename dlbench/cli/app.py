"""The ``dlbench`` command: a thin layer over the Python API (:mod:`dlbench.study.compare`).

Commands parse options, build an :class:`~dlbench.study.experiment.Experiment`, call the API, print rich
tables and save results. Errors from the API are caught here, at the edge, and printed as one
line on stderr (exit 2 for bad input, 1 for runtime failures, 130 when interrupted).
"""

from __future__ import annotations

import functools
import os
import shlex
import sys
from enum import Enum
from pathlib import Path
from typing import List, Optional

import typer

from .. import __version__
from ..data.names import BUNDLED_NAMES, PROBLEM_NAMES
from ..errors import ConfigError, DlbenchError
from ..model.spec import ACTIVATIONS, TASKS
from .choices import OPTIMIZER_NAMES, SCHEDULE_NAMES

app = typer.Typer(
    name="dlbench",
    help="Compare neural-network optimizers, honestly and fast.\n\n"
    "Examples:\n\n"
    "  dlbench run --optimizer sgd\n\n"
    "  dlbench compare all\n\n"
    "  dlbench compare --experiment article\n\n"
    "  dlbench list",
    no_args_is_help=True,
    add_completion=True,
    rich_markup_mode=None,
    pretty_exceptions_enable=False,
)

OptimizerName = Enum("OptimizerName", {name: name for name in OPTIMIZER_NAMES}, type=str)
ScheduleName = Enum("ScheduleName", {name: name for name in SCHEDULE_NAMES}, type=str)


ProblemName = Enum("ProblemName", {name: name for name in PROBLEM_NAMES}, type=str)


class InitName(str, Enum):
    uniform = "uniform"
    glorot = "glorot"
    he = "he"
    torch = "torch"


_OPTION_OF = {
    "n_samples": "--samples", "n_features": "--features", "n_hidden": "--hidden", "hidden": "--hidden",
    "batch_size": "--batch-size", "epochs": "--epochs", "lr": "--lr", "tol": "--tol", "patience": "--patience",
    "seed": "--seed", "repeat": "--repeat", "jobs": "--jobs", "seeds": "--seeds", "test_fraction": "--test-fraction",
    "budget": "--budget", "noise": "--noise", "activation": "--activation", "task": "--task", "n_classes": "--classes",
    "loss": "--loss", "init": "--init", "target metric": "--reach", "scheduler": "--scheduler", "tune": "--tune",
    "chunk_size": "--chunk-size",
}


def _err(message: str) -> None:
    from rich.console import Console

    Console(stderr=True, highlight=False, soft_wrap=True).print(f"[bold red]Error:[/bold red] {message}", markup=True)


def _edge(func):
    """Turn dlbench errors into one line on stderr and an exit status; never a traceback."""

    @functools.wraps(func)
    def wrapper(*args, **kwargs):
        try:
            value = func(*args, **kwargs)
            _flush_stdout()  # a closed pipe shows here, inside this handler, not at exit
            return value
        except ConfigError as exc:
            message = str(exc)
            option = _OPTION_OF.get(exc.param or "")
            if option and exc.expected:
                owner = "" if exc.owner in (None, "train", "the experiment", "make_dataset", "init_params") else f" ({exc.owner})"
                message = f"Invalid value for '{option}'{owner}: must be {exc.expected}. Got {exc.got!r} instead."
            _err(_escape(message))
            raise typer.Exit(exc.exit_code) from None
        except DlbenchError as exc:
            _err(_escape(str(exc)))
            raise typer.Exit(exc.exit_code) from None
        except MemoryError:
            _err("Out of memory: this machine cannot hold what was asked for (try a smaller --hidden, "
                 "--epochs, data set or --jobs).")
            raise typer.Exit(1) from None
        except BrokenPipeError:  # `dlbench show ... | head`: the reader has all it wants
            _quiet_stdout()
            raise typer.Exit(0) from None

    return wrapper


def _flush_stdout() -> None:
    import sys

    if sys.stdout is not None:
        sys.stdout.flush()


def _quiet_stdout() -> None:
    """Point stdout at /dev/null, so that flushing it at exit into a closed pipe is silent."""
    import os
    import sys

    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
    except (OSError, ValueError, AttributeError):  # no real file descriptor (tests)
        pass


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
    from ._cachedir import ensure_cache_dir

    note = ensure_cache_dir()
    if note:
        from rich.console import Console

        Console(stderr=True, highlight=False, soft_wrap=True).print(f"[yellow]Warning:[/yellow] {_escape(note)}")


def _pairs(items: Optional[List[str]], option: str) -> dict:
    out = {}
    for item in items or []:
        name, sep, value = item.partition("=")
        if not sep or not name.strip():
            raise ConfigError(f"Invalid value for '{option}': expected NAME=VALUE. Got {item!r} instead.")
        out[name.strip()] = value.strip()
    return out


def _experiment(experiment: Optional[Path], problem=None, samples=None, features=None, noise=None, data=None,
                target=None, reach=None, budget=None, hidden=None, classes=None, task=None, **overrides):
    """The experiment from ``--experiment`` (or the default) with command-line overrides."""
    from dataclasses import replace

    from ..model.spec import parse_hidden
    from ..study.experiment import TARGET_METRICS, Target, check_target, default_experiment, load_experiment

    if data is not None and problem is not None:
        raise ConfigError("Invalid value for '--data': give either '--data FILE.csv' (your own data) or '--problem NAME', "
                          "not both.")
    exp = load_experiment(experiment) if experiment is not None else default_experiment()
    given = {k: (v.value if isinstance(v, Enum) else v) for k, v in overrides.items() if v is not None}
    if hidden is not None:
        given["hidden"] = parse_hidden(hidden, "the experiment")
    if target is not None and data is None and exp.file is None:
        raise ConfigError("Invalid value for '--target': it names the label column of a CSV file given with '--data'.")
    if data is not None:
        if target is None and exp.target_column is None:
            raise ConfigError("Invalid value for '--data': give the label column too, with '--target COLUMN'.")
        given.update(file=str(data), problem="csv", problems=())
    if target is not None:
        given["target_column"] = target
    if problem is not None:
        given.update(problem=problem, problems=(), file=None, target_column=None)
        if problem in BUNDLED_NAMES:  # a fixed size: the experiment's sizes do not apply
            given.update(n_samples=None, n_features=None, noise=None, n_classes=None)
    per_problem = {k: v for k, v in (("n_samples", samples), ("n_features", features), ("noise", noise),
                                     ("n_classes", classes), ("task", task)) if v is not None}
    given.update(per_problem)
    if per_problem and exp.problems:
        given["problems"] = tuple(replace(p, **per_problem) for p in exp.problems)
    if reach is not None:
        metric, sep, value = reach.partition("=")
        try:
            goal = Target(metric.strip(), float(value))
        except ValueError:
            goal = None
        if not sep or goal is None or goal.metric not in TARGET_METRICS:
            raise ConfigError(
                f"Invalid value for '--reach': expected METRIC=VALUE with METRIC one of {', '.join(TARGET_METRICS)}. "
                f"Got {reach!r} instead.")
        check_target(goal)
        given["target"] = goal
        if exp.problems:
            given["problems"] = tuple(replace(p, target=goal) for p in given.get("problems", exp.problems))
    if budget is not None:
        given["budget"] = int(budget) if budget.strip().isdigit() else budget
        given.setdefault("tune", exp.tune or "lr")
    exp = replace(exp, **given)
    exp.check()
    return exp


def _console(wide: bool = False):
    """Rich console for stdout: tables fit the terminal. When not a terminal (a pipe, a file,
    tests) a wide page, 240 columns (or ``$COLUMNS`` when set), so tables keep their columns.
    ``wide``: a page as wide as any table (``--wide``: every column)."""
    import os

    from rich.console import Console

    console = Console()
    if (not console.is_terminal and not os.environ.get("COLUMNS")) or wide:
        console = Console(width=max(console.width, 1000 if wide else 240), force_terminal=console.is_terminal or None)
    console.on_broken_pipe = _broken_pipe  # rich's own exits 1; a reader that stops early is no error
    return console


def _broken_pipe() -> None:
    _quiet_stdout()
    raise BrokenPipeError("stdout was closed")


def _results_folder(out: Path, command: str):
    from ..results.writer import new_results_dir

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
        TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn(),
        console=console, transient=True, disable=not console.is_terminal,
    )


def _run_comparison(ctx, exp, names, repeat, jobs: int, out: Path | None, command: str, resume=None,
                    scheduler: str | None = None, chunk_size: int | None = None, record_every: int | None = None):
    """Shared by ``run``, ``compare`` and ``resume``: check, train with live progress, save as
    trainings finish (:class:`~dlbench.results.writer.ResultsWriter`). ``resume`` (a
    :class:`~dlbench.study.resume.Resumption`) continues its folder instead of making one."""
    from ..study.compare import compare
    from ..results.writer import ResultsWriter

    console = _console()
    if names:
        exp = exp.with_runs(names)
    made: dict = {}

    def on_ready():  # compare() has checked everything and loaded the data: now make the folder
        if console.is_terminal:
            from ..training import check_experiment_run, kernels_cached

            if kernels_cached({check_experiment_run(exp, r).rule for r in exp.resolved_runs()}) is False:
                from ..training import CompileProgress

                console.print("Compiling dlbench's training kernels: once per install (about 15 s on two free cores); "
                              "later runs load them from the cache.", style="dim")
                task_id = bar.add_task("  compiling kernels (functions done)", total=None)
                made["compiling"] = (CompileProgress(lambda n: bar.update(task_id, completed=n)), task_id)
        if resume is not None:
            made["folder"] = resume.folder
            made["writer"] = ResultsWriter(resume.folder, resume.extra, resumed=True)
            return
        made["folder"] = _results_folder(out, command)
        made["writer"] = ResultsWriter(made["folder"], {"command": _command_line(ctx), "kind": command})

    with _progress_bar(console) as bar:
        overall = bar.add_task("trainings", total=None)
        current: dict = {}

        def on_task(done, total, phase):
            bar.update(overall, completed=done, total=total, description=f"trainings ({phase})")

        def on_progress(task, done, total):
            key = "epochs"
            if key not in current:
                current[key] = bar.add_task("", total=total)
            label = f"{task.problem.name}/{task.run.name}" + (f" lr={task.lr:.3g}" if task.trial is not None else "")
            bar.update(current[key], completed=max(done, 0), total=total,
                       description=f"  {_escape(_plain(label))} (epochs)")

        def on_start(c):
            if "compiling" in made:  # the kernels are compiled by now
                progress, task_id = made.pop("compiling")
                progress.close()
                bar.remove_task(task_id)
            if resume is None:
                made["writer"].start(c)

        def on_chunk(rows):  # a Dask chunk came back: which worker ran its tasks
            from ..study.distributed import append_workers

            append_workers(made["folder"], rows)

        try:
            comparison = compare(exp, repeat=repeat, jobs=jobs, on_progress=on_progress, on_task=on_task,
                                 on_ready=on_ready, on_start=on_start,
                                 on_trial=lambda c, r: made["writer"].add_trial(c, r),
                                 on_tuned=lambda c: made["writer"].tuned(c),
                                 on_run=lambda c, r: made["writer"].add_run(c, r),
                                 done=resume.done if resume is not None else None,
                                 scheduler=scheduler, chunk_size=chunk_size, on_chunk=on_chunk, record_every=record_every)
        except BaseException as exc:
            if resume is None and not isinstance(exc, KeyboardInterrupt):
                _drop_if_empty(made.get("folder"))
            raise
        finally:
            if "compiling" in made:
                made.pop("compiling")[0].close()
    folder, writer = made["folder"], made["writer"]
    writer.finish(comparison)
    return comparison, folder, console


def _plain(text: str) -> str:
    from ..results.tables import _CONTROL

    return _CONTROL.sub("", text)


def _drop_if_empty(folder) -> None:
    """Remove a results folder that an error left without any result: empty, or holding only
    the files written at the start (``config.json`` and tables with no row)."""
    import shutil

    if folder is None or not folder.is_dir():
        return
    try:
        names = {p.name for p in folder.iterdir()}
        if not names <= {"config.json", "summary.csv", "curves.csv", "tuning.csv"}:
            return
        for name in names - {"config.json"}:
            with open(folder / name, "rb") as handle:
                if handle.read().count(b"\n") > 1:
                    return
        shutil.rmtree(folder)
    except OSError:
        pass


def _finish(console, comparison, folder: Path, plots: bool, formats: Optional[str] = None,
            background: Optional[bool] = None, rank_by: str | None = None, wide: bool = False) -> None:
    """Print the tables from the saved files (exactly what ``dlbench show`` prints), draw the
    figures (in ``formats``; in a background process when ``background``, by default when the
    output is a terminal), and say where everything is: the "Saved" line names only files that
    are there."""
    from ..results.tables import print_results
    from ..results.reader import load_results

    if comparison.interrupted and not comparison.finished and not _has_runs(folder):
        trials = len(comparison.trials)
        kept = (f"kept the {trials} tuning trial{'s' if trials != 1 else ''} that finished (tuning.csv)"
                if trials else "nothing had finished")
        _err(_escape(f"Interrupted before any final run finished; {kept}, in {folder}."))
        raise typer.Exit(130)
    results = load_results(folder)
    print_results(_console(wide) if wide else console, results, rank_by, wide)
    pending = []
    if plots:
        from ..results import figures

        if background if background is not None else console.is_terminal:
            pending = figures.draw_in_background(results, figures.parse_formats(formats))
        else:
            figures.write_figures(results, formats=figures.parse_formats(formats))
    console.print(f"Saved [bold]{_escape(str(folder))}[/bold]: {_escape(_files(folder))}")
    if pending:
        console.print(_escape(f"Figures: {', '.join(pending)} are being drawn in the background into {folder} "
                              "(each appears complete, in a few seconds)."))
    if comparison.interrupted:
        _err(_escape(f"Interrupted: kept the {len(comparison.finished)} of {comparison.planned} runs that finished, "
                     f"in {folder}."))
        raise typer.Exit(130)


def _figure_formats(formats: Optional[str]) -> tuple:
    from ..results.figures import parse_formats

    return parse_formats(formats)


def _formats_ok(formats: Optional[str]) -> None:
    """Check --format before any training (a bad one is a one-line error, not lost work)."""
    if formats is not None:
        from ..results.figures import parse_formats

        parse_formats(formats)


def _has_runs(folder: Path) -> bool:
    """Whether ``folder``'s summary.csv holds a run (a resumed folder may hold earlier ones)."""
    try:
        with open(folder / "summary.csv", "rb") as handle:
            return handle.read().count(b"\n") > 1
    except OSError:
        return False


def _files(folder: Path) -> str:
    return ", ".join(sorted(p.name for p in folder.iterdir() if p.is_file() and not p.name.startswith(".")))


def _complete_experiment(incomplete: str):
    from ..study.experiment import shipped_experiments

    return [name for name in shipped_experiments() if name.startswith(incomplete)]


def _complete_optimizer(incomplete: str):
    from ..optimizers import GROUPS

    return [name for name in [*GROUPS, *OPTIMIZER_NAMES] if name.startswith(incomplete)]


_EXPERIMENT = typer.Option(None, "--experiment", "-e", autocompletion=_complete_experiment,
                           help="Experiment file (TOML), or a shipped experiment by name (see 'dlbench list "
                                "experiments'); the options below override it.")
_RANK_BY = typer.Option(None, "--rank-by", metavar="METRIC",
                        help="Rank the tables by loss, test_loss, best_loss, accuracy, test_accuracy, rmse, test_rmse, "
                             "r2, test_r2 or time [default: test_loss with a test split, else loss].")
_WIDE = typer.Option(False, "--wide", help="Show every column of the tables, wider than the terminal if need be.")
_LR = typer.Option(None, "--lr", help="Learning rate [default: each optimizer's own].")
_EPOCHS = typer.Option(None, "--epochs", help="Number of epochs [default: 1000].")
_BATCH = typer.Option(None, "--batch-size", help="Samples per step [default: the optimizer's].")
_LOSS = typer.Option(None, "--loss", help="Loss: bce or mse (binary), ce (multiclass), mse (regression) "
                                          "[default: the task's first].")
_INIT = typer.Option(None, "--init", help="Initialisation of every layer [default: glorot].")
_SEED = typer.Option(None, "--seed", help="Base seed of splits, initial parameters and sample order [default: 0].")
_SEEDS = typer.Option(None, "--seeds", help="Independent repetitions (seeds derived from --seed) [default: 1].")
_PROBLEM = typer.Option(None, "--problem", help="Synthetic problem or bundled data set (see 'dlbench list problems') "
                                                  "[default: random].")
_SAMPLES = typer.Option(None, "--samples", help="Number of samples of a synthetic problem [default: 100].")
_FEATURES = typer.Option(None, "--features", help="Number of features of a synthetic problem [default: 10].")
_NOISE = typer.Option(None, "--noise", help="Noise of the synthetic problem [default: 0; blobs: 1].")
_CLASSES = typer.Option(None, "--classes", help="Number of classes of blobs and spirals [default: 3].")
_TASK = typer.Option(None, "--task", help=f"Task: {', '.join(TASKS)} [default: the data's own].")
_DATA = typer.Option(None, "--data", help="Your own data: a CSV file of numeric features (use with --target).")
_TARGET = typer.Option(None, "--target", help="The target column of --data: labels (two or more classes) or numbers.")
_TEST = typer.Option(None, "--test-fraction", help="Hold out this fraction as a test split.")
_HIDDEN = typer.Option(None, "--hidden", help="Hidden layer widths, e.g. 64,32 (0: a linear model) [default: 8].")
_ACTIVATION = typer.Option(None, "--activation", help=f"Hidden activation: {', '.join(ACTIVATIONS)} [default: relu].")
_TOL = typer.Option(None, "--tol", help="Early stopping: minimum loss improvement.")
_PATIENCE = typer.Option(None, "--patience", help="Early stopping: epochs without improvement.")
_REACH = typer.Option(None, "--reach", help="Time-to-target goal METRIC=VALUE, e.g. loss=0.3, test_accuracy=0.9 or "
                                              "r2=0.8 (regression: rmse, r2).")
_JOBS = typer.Option(1, "--jobs", "-j", help="Trainings to run at once (threads).")
_SCHEDULER = typer.Option(None, "--scheduler", help="Run the trainings on Dask: 'local' (a process per core) or a "
                                                      "scheduler's address tcp://HOST:PORT; 'threads' (default) "
                                                      "runs --jobs threads here. Needs dlbench[dask].")
_CHUNK = typer.Option(None, "--chunk-size", help="With --scheduler: trainings per Dask task [default: automatic].")
_REPEAT = typer.Option(None, "--repeat", help="Timing repeats per run [default: 3 with one seed, else 1].")
_OUT = typer.Option(Path("results"), "--out", help="Folder under which a new results folder is written.")
_RECORD = typer.Option(None, "--record-every", min=1, metavar="K",
                       help="Record curves (curves.csv, figures) every K-th epoch plus the last one and the "
                            "time-to-target epoch [default: every epoch up to 5000, then about 5000 points]; "
                            "summary.csv always uses every epoch.")
_NO_PLOTS = typer.Option(False, "--no-plots", help="Do not draw loss.png/svg and the other figures.")
_FIG_FORMAT = typer.Option(None, "--format", help="Figure formats, comma-separated: png, svg, pdf [default: png,svg].")
_BACKGROUND = typer.Option(None, "--background-plots/--wait-plots",
                           help="Draw the figures in a background process once the tables are printed, or wait "
                                "for them [default: background on a terminal, else wait].")


@app.command()
@_edge
def run(
    ctx: typer.Context,
    optimizer: Optional[List[OptimizerName]] = typer.Option(
        None, "--optimizer", "-o", help="Optimizer to train with (see 'dlbench list') [default: gd]; one only: "
                                        "'dlbench compare' takes several."),
    lr: Optional[float] = _LR,
    epochs: Optional[int] = _EPOCHS,
    batch_size: Optional[int] = _BATCH,
    loss: Optional[str] = _LOSS,
    init: Optional[InitName] = _INIT,
    seed: Optional[int] = _SEED,
    seeds: Optional[int] = _SEEDS,
    problem: Optional[ProblemName] = _PROBLEM,
    samples: Optional[int] = _SAMPLES,
    features: Optional[int] = _FEATURES,
    noise: Optional[float] = _NOISE,
    data: Optional[Path] = _DATA,
    target: Optional[str] = _TARGET,
    test_fraction: Optional[float] = _TEST,
    hidden: Optional[str] = _HIDDEN,
    activation: Optional[str] = _ACTIVATION,
    task: Optional[str] = _TASK,
    classes: Optional[int] = _CLASSES,
    tol: Optional[float] = _TOL,
    patience: Optional[int] = _PATIENCE,
    reach: Optional[str] = _REACH,
    schedule: Optional[ScheduleName] = typer.Option(None, "--schedule", help="Learning-rate schedule."),
    param: Optional[List[str]] = typer.Option(None, "--param", "-p", help="Optimizer hyperparameter NAME=VALUE (repeatable)."),
    schedule_param: Optional[List[str]] = typer.Option(None, "--schedule-param", help="Schedule parameter NAME=VALUE (repeatable)."),
    experiment: Optional[Path] = _EXPERIMENT,
    jobs: int = _JOBS,
    scheduler: Optional[str] = _SCHEDULER,
    chunk_size: Optional[int] = _CHUNK,
    out: Path = _OUT,
    record_every: Optional[int] = _RECORD,
    no_plots: bool = _NO_PLOTS,
    fig_format: Optional[str] = _FIG_FORMAT,
    background_plots: Optional[bool] = _BACKGROUND,
    rank_by: Optional[str] = _RANK_BY,
    wide: bool = _WIDE,
):
    """Train the network with one optimizer and print a summary (and statistics over --seeds).

    Example: dlbench run --optimizer adam --lr 0.01 --param beta2=0.99 --schedule cosine
    """
    _formats_ok(fig_format)
    from dataclasses import replace

    from ..results.ranking import check_metric
    from ..study.experiment import Run

    check_metric(rank_by)
    if optimizer and len(optimizer) > 1:
        given = " ".join(o.value for o in optimizer)
        raise ConfigError(f"Invalid value for '--optimizer': 'run' trains one optimizer, got {len(optimizer)} "
                          f"({', '.join(o.value for o in optimizer)}); compare several with 'dlbench compare {given}'.")
    optimizer = optimizer[0] if optimizer else OptimizerName("gd")
    exp = _experiment(
        experiment, problem=problem.value if problem else None, samples=samples, features=features, noise=noise,
        data=data, target=target, reach=reach, hidden=hidden, classes=classes, task=task, epochs=epochs, loss=loss,
        init=init, activation=activation, seed=seed, seeds=seeds, test_fraction=test_fraction, tol=tol,
        patience=patience,
    )
    the_run = Run(
        optimizer.value, lr=lr, batch_size=batch_size, schedule=schedule.value if schedule else None,
        schedule_params=_pairs(schedule_param, "--schedule-param"), hyperparameters=_pairs(param, "--param"),
    )
    exp = replace(exp, runs=(the_run,), lr=exp.lr if lr is None else lr, tune=None)
    comparison, folder, console = _run_comparison(ctx, exp, None, None, jobs, out, "run", scheduler=scheduler,
                                                  chunk_size=chunk_size, record_every=record_every)
    _finish(console, comparison, folder, not no_plots, fig_format, background_plots, rank_by, wide)


@app.command()
@_edge
def compare(
    ctx: typer.Context,
    names: Optional[List[str]] = typer.Argument(
        None, autocompletion=_complete_optimizer,
        help="Optimizers to compare, or a group: 'all' (the established ones), 'all-2026' (the newer ones), 'every'; "
             "NAME:KEY=VALUE[,KEY=VALUE...] is a run of NAME with its own settings (lr, batch_size, schedule or "
             "hyperparameters), labelled as typed, e.g. adam adam:beta2=0.99 sgd:lr=0.05 [default: the experiment's "
             "runs; without --experiment, all]."
    ),
    experiment: Optional[Path] = _EXPERIMENT,
    lr: Optional[float] = typer.Option(None, "--lr", help="One learning rate for every optimizer [default: each its own]."),
    epochs: Optional[int] = _EPOCHS,
    batch_size: Optional[int] = typer.Option(None, "--batch-size", help="Samples per step for every optimizer."),
    loss: Optional[str] = _LOSS,
    init: Optional[InitName] = _INIT,
    seed: Optional[int] = _SEED,
    seeds: Optional[int] = _SEEDS,
    problem: Optional[ProblemName] = _PROBLEM,
    samples: Optional[int] = _SAMPLES,
    features: Optional[int] = _FEATURES,
    noise: Optional[float] = _NOISE,
    data: Optional[Path] = _DATA,
    target: Optional[str] = _TARGET,
    test_fraction: Optional[float] = _TEST,
    hidden: Optional[str] = _HIDDEN,
    activation: Optional[str] = _ACTIVATION,
    task: Optional[str] = _TASK,
    classes: Optional[int] = _CLASSES,
    tol: Optional[float] = _TOL,
    patience: Optional[int] = _PATIENCE,
    reach: Optional[str] = _REACH,
    schedule: Optional[ScheduleName] = typer.Option(None, "--schedule", help="Learning-rate schedule of every run."),
    param: Optional[List[str]] = typer.Option(
        None, "--param", "-p", help="Hyperparameter NAME=VALUE for every optimizer that has it (repeatable; an error "
                                    "if none has it)."),
    schedule_param: Optional[List[str]] = typer.Option(
        None, "--schedule-param", help="Schedule parameter NAME=VALUE for every run whose schedule has it (repeatable)."),
    tune: Optional[str] = typer.Option(None, "--tune", help="Tune per optimizer: lr (a log grid), or several "
                                       "hyperparameters, e.g. lr,momentum,beta2,weight_decay (scrambled Halton trials)."),
    budget: Optional[str] = typer.Option(None, "--budget", help="Tuning trials: one-shot, small (25), large (50) or a number."),
    jobs: int = _JOBS,
    scheduler: Optional[str] = _SCHEDULER,
    chunk_size: Optional[int] = _CHUNK,
    repeat: Optional[int] = _REPEAT,
    out: Path = _OUT,
    record_every: Optional[int] = _RECORD,
    no_plots: bool = _NO_PLOTS,
    fig_format: Optional[str] = _FIG_FORMAT,
    background_plots: Optional[bool] = _BACKGROUND,
    rank_by: Optional[str] = _RANK_BY,
    wide: bool = _WIDE,
):
    """Train several optimizers on the same data from the same start and compare them.

    Examples: dlbench compare all; dlbench compare gd sgd adam --epochs 500 --seeds 10;
    dlbench compare all --seeds 10 --tune lr --budget small; dlbench compare --experiment suite;
    dlbench compare adam adam:beta2=0.99 sgd:lr=0.05; dlbench compare adam adamw --param eps=1e-6
    """
    _formats_ok(fig_format)
    from ..results.ranking import check_metric
    from ..study.experiment import apply_settings

    check_metric(rank_by)
    exp = _experiment(
        experiment, problem=problem.value if problem else None, samples=samples, features=features, noise=noise,
        data=data, target=target, reach=reach, budget=budget, hidden=hidden, classes=classes, task=task,
        epochs=epochs, loss=loss, init=init, activation=activation, seed=seed, seeds=seeds,
        test_fraction=test_fraction, tol=tol, patience=patience, tune=tune,
    )
    if lr is not None or batch_size is not None:
        from dataclasses import replace

        exp = replace(exp, lr=lr if lr is not None else exp.lr,
                      batch_size=batch_size if batch_size is not None else exp.batch_size,
                      runs=tuple(replace(r, lr=lr if lr is not None else r.lr,
                                         batch_size=batch_size if batch_size is not None else r.batch_size)
                                 for r in exp.runs))
    if names:
        exp = exp.with_runs(list(names))
    exp = apply_settings(exp, _pairs(param, "--param"), schedule.value if schedule else None,
                         _pairs(schedule_param, "--schedule-param"), typed=bool(names))
    comparison, folder, console = _run_comparison(ctx, exp, None, repeat, jobs, out, "compare",
                                                  scheduler=scheduler, chunk_size=chunk_size, record_every=record_every)
    _finish(console, comparison, folder, not no_plots, fig_format, background_plots, rank_by, wide)


@app.command()
@_edge
def resume(
    ctx: typer.Context,
    folder: Path = typer.Argument(..., help="The results folder of an interrupted or killed comparison."),
    scheduler: Optional[str] = typer.Option(None, "--scheduler", help="Where to run what is left: 'threads', 'local' "
                                            "or tcp://HOST:PORT [default: where the comparison ran]."),
    chunk_size: Optional[int] = _CHUNK,
    no_plots: bool = _NO_PLOTS,
    fig_format: Optional[str] = _FIG_FORMAT,
    background_plots: Optional[bool] = _BACKGROUND,
):
    """Continue an interrupted or killed comparison in its folder: runs only what had not
    finished, and ends with the files an uninterrupted comparison writes (timings aside).

    Example: dlbench resume results/20261127-101500-compare-1a2b
    """
    _formats_ok(fig_format)
    from ..study.resume import plan_resumption

    plan = plan_resumption(folder)
    import json

    try:  # the stride the folder's curves were recorded with
        curves = json.loads((plan.folder / "config.json").read_text()).get("curves")
    except (OSError, ValueError):
        curves = None
    comparison, folder, console = _run_comparison(ctx, plan.experiment, None, plan.repeat, plan.jobs, None,
                                                  plan.extra.get("kind", "compare"), resume=plan, scheduler=scheduler,
                                                  chunk_size=chunk_size,
                                                  record_every=curves.get("record_every") if isinstance(curves, dict) else None)
    _finish(console, comparison, folder, not no_plots, fig_format, background_plots)


class ListWhat(str, Enum):
    optimizers = "optimizers"
    schedules = "schedules"
    problems = "problems"
    experiments = "experiments"
    all = "all"


@app.command("list")
@_edge
def list_(what: ListWhat = typer.Argument(ListWhat.all, help="What to list.")):
    """List the optimizers and schedules with their hyperparameters, defaults and references, the
    problems (synthetic and bundled) with their size, task and classes, and the shipped experiments."""
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
            table.add_column(col, overflow="fold", no_wrap=col in ("name", "lr", "batch"))  # names whole
        from ..optimizers import OPTIMIZERS

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
            table.add_column(col, overflow="fold", no_wrap=col == "name")
        from ..schedules import SCHEDULES

        for sched in SCHEDULES.values():
            params = " ".join(f"{h.name}={fmt(h.default)}" for h in sched.hypers)
            table.add_row(sched.name, params or "—", sched.reference, sched.summary)
        console.print(table)
    if what in (ListWhat.problems, ListWhat.all):
        from rich.markup import escape

        from ..data import problem_table

        table = Table(title=escape("Problems (--problem, or [data]/[[problems]] in an experiment file)"),
                      box=box.SIMPLE_HEAVY, title_justify="left", caption_justify="left")
        for col, justify in (("name", "left"), ("kind", "left"), ("task", "left"), ("size", "right"),
                             ("classes", "right"), ("description", "left")):
            table.add_column(col, justify=justify, overflow="fold", no_wrap=col != "description")
        for _, row in problem_table().iterrows():
            bundled = row["kind"] == "bundled"
            size = f"{row['samples']}×{row['features']}" if bundled else "100×10"
            classes = "—" if row["task"] == "regression" else str(row["classes"])
            if not bundled and int(row["classes"] or 0) and row["task"] == "multiclass":
                classes += " (--classes)"
            table.add_row(row["name"], row["kind"], row["task"], size, classes, escape(row["description"]))
        table.add_row("csv", "file", "any", "yours", "yours",
                      "Your own data: --data FILE.csv --target COLUMN (numeric features; a target of two values is "
                      "binary, of more integers or labels multiclass, of real numbers regression; features "
                      "standardised with training-set statistics).")
        table.caption = ("Synthetic problems take --samples and --features (the size shown is the default) and "
                         "--noise; bundled data sets ship with dlbench and have a fixed size. Real data (bundled or "
                         "CSV) is standardised with the training split's statistics; a regression target never is.")
        console.print(table)
    if what in (ListWhat.experiments, ListWhat.all):
        from ..study.experiment import load_experiment, shipped_experiments

        table = Table(title="Experiments shipped with dlbench (--experiment NAME)", box=box.SIMPLE_HEAVY,
                      title_justify="left")
        for col in ("name", "runs", "description"):
            table.add_column(col, overflow="fold", no_wrap=col == "name")
        for name, path in shipped_experiments().items():
            exp = load_experiment(path)
            runs = ", ".join(r.name for r in exp.runs) if len(exp.runs) <= 6 else f"{len(exp.runs)} optimizers"
            table.add_row(name, _escape(runs or "all"), _escape(exp.description))
        console.print(table)


@app.command()
@_edge
def show(
    folder: Path = typer.Argument(..., help="A results folder (e.g. results/20261127-101500-compare-1a2b)."),
    plots: bool = typer.Option(False, "--plots", help="Also (re)draw the figures into the folder."),
    fig_format: Optional[str] = typer.Option(None, "--format", help="With --plots: figure formats, comma-separated: "
                                                                   "png, svg, pdf [default: png,svg]."),
    rank_by: Optional[str] = _RANK_BY,
    wide: bool = _WIDE,
):
    """Print the tables of a past run or comparison again, from its saved files (no training),
    fitted to the terminal (--wide: every column). Says so when the folder is from an interrupted
    or unfinished comparison."""
    from ..results.ranking import check_metric
    from ..results.tables import print_results
    from ..results.reader import load_results

    _formats_ok(fig_format)
    check_metric(rank_by)
    console = _console(wide)
    results = load_results(folder)
    print_results(console, results, rank_by, wide)
    if plots:
        from ..results.figures import write_figures

        paths = write_figures(results, formats=_figure_formats(fig_format))
        console.print("Figures: " + _escape(", ".join(str(p) for p in paths)))


@app.command()
@_edge
def runs(out: Path = typer.Option(Path("results"), "--out", help="The folder holding the results folders."),
         rank_by: Optional[str] = _RANK_BY):
    """List past results folders, newest first: id, date, command, problems, optimizers, best (the
    first of the table 'dlbench show' prints, ranked the same way)."""
    from rich import box
    from rich.markup import escape
    from rich.table import Table

    from ..results.reader import list_runs

    if not out.is_dir():
        raise DlbenchError(f"No results folder at '{out}' (run 'dlbench compare' first, or give --out).")
    frame = list_runs(out, rank_by)
    from ..results.tables import fitted_table

    console = _console()
    # (header, justify, priority, wraps): ids whole; the command, problems and best wrap between words
    columns = [("id", "left", 0), ("date", "left", 3), ("command", "left", 1, True), ("problems", "left", 2, True),
               ("optimizers", "right", 2), ("best", "left", 0, True)]
    rows = []
    for _, row in frame.iterrows():
        best = escape(str(row["best"])) if not row.get("error") else f"[red]{escape(str(row['error']))}[/red]"
        rows.append([escape(str(row["id"])), str(row["date"]), escape(str(row["command"])), escape(str(row["problems"])),
                     str(row["optimizers"]), best])
    table = fitted_table(escape(f"Results in {out}"), columns, rows, None, console.width)
    console.print(table if len(frame) else escape(f"No results folders in {out}."))


class ExportFormat(str, Enum):
    csv = "csv"
    json = "json"
    markdown = "markdown"
    latex = "latex"
    html = "html"


@app.command()
@_edge
def export(
    folder: Path = typer.Argument(..., help="A results folder."),
    fmt: ExportFormat = typer.Option(ExportFormat.markdown, "--format", "-f", help="Output format."),
    to: Optional[Path] = typer.Option(None, "--to", help="Where to write [default: inside the results folder]."),
    force: bool = typer.Option(False, "--force", help="Overwrite an existing --to file (never a results file)."),
    rank_by: Optional[str] = _RANK_BY,
):
    """Export a results folder: tidy CSV, JSON, a Markdown report (report.md with figures), a
    LaTeX booktabs table, or one self-contained HTML page (report.html: inline figures, sortable tables)."""
    from ..results.export import EXPORTERS
    from ..results.ranking import check_metric
    from ..results.reader import load_results

    check_metric(rank_by)
    results = load_results(folder)
    if fmt == ExportFormat.markdown and not (results.folder / "loss.png").exists():
        from ..results.figures import write_figures

        write_figures(results)
    import inspect

    exporter = EXPORTERS[fmt.value]
    ranked = {"rank_by": rank_by} if "rank_by" in inspect.signature(exporter).parameters else {}
    paths = exporter(results, to, force, **ranked)
    _console().print("Wrote " + _escape(", ".join(str(p) for p in paths)))


def _startup_table(st: dict):
    """``bench --startup``'s table: every figure of issue 11 with its target."""
    from rich import box
    from rich.table import Table

    from ..results.tables import fmt_seconds

    def med(key):
        return f"{fmt_seconds(st[key]['median_s'])} ({fmt_seconds(st[key]['min_s'])}–{fmt_seconds(st[key]['max_s'])})"

    table = Table(title="Start-up: whole commands in new processes", box=box.SIMPLE_HEAVY, title_justify="left")
    for col in ("what", "measured", "runs", "target"):
        table.add_column(col)
    table.add_row("dlbench --help", med("help"), str(st["help"]["runs"]), "< 0.15 s")
    table.add_row("compare all, cold (empty kernel cache), figures in the background",
                  fmt_seconds(st["compare_all_cold_s"]), "1", "≤ 15 s")
    table.add_row("  then its background build of the native module", f"{st['native_build']}, "
                  f"{fmt_seconds(st['native_wait_s'])} after it returned", "1", "")
    table.add_row("compare all, warm, figures in the background (a terminal's default)", med("compare_all_warm_plots"),
                  str(st["compare_all_warm_plots"]["runs"]), "")
    table.add_row("compare all, warm, figures waited for (--wait-plots)", med("compare_all_warm_wait_plots"),
                  str(st["compare_all_warm_wait_plots"]["runs"]), "")
    table.add_row("compare all --no-plots, warm", med("compare_all_warm"), str(st["compare_all_warm"]["runs"]), "")
    table.add_row("  training's share of that wall time", f"{st['training_share']:.0%} (median)",
                  str(st["compare_all_warm"]["runs"]), "≥ 40 %")
    table.add_row("compare all --no-plots, warm, Numba's JIT cache (DLBENCH_NATIVE=0)", med("compare_all_warm_jit"),
                  str(st["compare_all_warm_jit"]["runs"]), "")
    if st.get("torch"):
        table.add_row("plain PyTorch script, same job (benchmarks/torch_compare_all.py)",
                      fmt_seconds(st["torch"]["wall_s"]), "1", "")
        table.add_row("  its time over warm compare all, figures in the background", f"{st['torch']['ratio']:.0f}×", "",
                      "≥ 40×")
        table.add_row("  its time over warm compare all, figures waited for", f"{st['torch']['ratio_wait']:.0f}×", "",
                      "")
    if st.get("memory"):
        table.add_row("peak memory: run -o gd --epochs 1000000", f"{st['memory']['run_gd_1e6_mb']:.0f} MB", "1",
                      "≤ 400 MB")
        table.add_row("peak memory: compare all --epochs 100000", f"{st['memory']['compare_all_1e5_mb']:.0f} MB", "1",
                      "≤ 500 MB")
    if st.get("writing"):
        w = st["writing"]
        for n in (w["small"], w["large"]):
            table.add_row(f"compare gd --epochs 1 --seeds {n} --no-plots, per run", fmt_seconds(w["per_run_s"][n]),
                          "1", "")
        table.add_row(f"  per-run cost at {w['large']} over {w['small']} runs", f"{w['ratio']:.2f}×", "", "≤ 2×")
    lb, la = st["load_before"], st["load_after"]
    table.caption = (f"--help imports Numba: {st['help_imports_numba']}; pandas: {st['help_imports_pandas']}. Wall "
                     "times include Python start-up, imports, kernel compile or cache load, training, writing results "
                     "(and figures where said); median (min–max) of runs alternated round by round in one session. "
                     f"Figures add {fmt_seconds(st['plots_add_s'])} in the background, "
                     f"{fmt_seconds(st['wait_plots_add_s'])} waited for (differences of the medians). Warm runs load "
                     "the native module unless said. Load average before: "
                     f"{lb[0]:.1f}, after: {la[0]:.1f} (2-core machine; a busy machine slows the cold compile most).")
    return table


@app.command()
@_edge
def bench(
    optimizer: OptimizerName = typer.Option("gd", "--optimizer", "-o", help="Optimizer to time."),
    epochs: int = typer.Option(1000, "--epochs", help="Epochs per training run."),
    repeats: int = typer.Option(20, "--repeats", help="Timed runs of the compiled kernel."),
    reference_repeats: int = typer.Option(5, "--reference-repeats", help="Timed runs of the NumPy reference."),
    startup: bool = typer.Option(False, "--startup", help="Also time whole commands: --help, cold and warm 'compare all', a PyTorch script doing the same job, peak memory of long runs, writing 1000 and 100000 runs (several minutes)."),
    jobs: int = typer.Option(0, "--jobs", help="Also time a 10-seed comparison with --jobs 1 and with this many jobs."),
    networks: bool = typer.Option(False, "--networks", help="Also time three network sizes against NumPy and PyTorch eager (one thread each)."),
    writing: Optional[str] = typer.Option(None, "--writing", metavar="SMALL,LARGE",
                                          help="Only time writing results: per-run cost of 'compare gd --epochs 1' "
                                               "with SMALL and LARGE seeds, e.g. 1000,100000."),
    dask: bool = typer.Option(False, "--dask", help="Only time a study of --dask-runs runs (--epochs each) on one "
                                                    "thread against two single-threaded Dask workers (needs dlbench[dask])."),
    dask_runs: int = typer.Option(2000, "--dask-runs", help="Runs of the --dask study."),
):
    """Benchmark: compiled kernel vs the plain NumPy reference on the article's problem (same
    process, interleaved runs, medians), with --networks larger networks against NumPy and PyTorch,
    and with --startup the cold/warm start of the CLI."""
    from rich import box
    from rich.table import Table

    from .. import bench as _bench
    from ..results.tables import fmt_seconds

    for name, value, high in (("--epochs", epochs, 10**7), ("--repeats", repeats, 10**5),
                              ("--reference-repeats", reference_repeats, 10**5), ("--jobs", jobs, 4096)):
        if name == "--jobs" and value and not 2 <= value <= high:
            raise ConfigError(f"Invalid value for '--jobs': must be 0 (off) or an integer in [2, {high}]. "
                              f"Got {value!r} instead.")
        if name != "--jobs" and not 1 <= value <= high:
            raise ConfigError(f"Invalid value for '{name}': must be an integer in [1, {high}]. Got {value!r} instead.")
    console = _console()
    if dask:
        if not 1 <= dask_runs <= 10**6:
            raise ConfigError(f"Invalid value for '--dask-runs': must be an integer in [1, 1000000]. Got {dask_runs!r} instead.")
        from ..bench.cluster import cluster_speedup

        res = cluster_speedup(dask_runs, epochs)
        table = Table(title=f"A study on Dask: {res['what']}", box=box.SIMPLE_HEAVY, title_justify="left")
        for col in ("where", "median", "min", "max", "rounds"):
            table.add_column(col, justify="right" if col != "where" else "left")
        for label, key in (("this process, --jobs 1", "local_s"), (f"{res['workers']} Dask workers, 1 thread each", "dask_s")):
            times = res[key]
            table.add_row(label, fmt_seconds(sorted(times)[len(times) // 2]), fmt_seconds(min(times)), fmt_seconds(max(times)),
                          str(len(times)))
        table.caption = (f"Wall time of the whole compare() (data, training, records; no files), the two alternated, "
                         f"after an untimed warm-up each. {res['chunks']} chunks. Scheduling overhead (cluster wall time "
                         f"x workers - seconds inside chunks) per run: {fmt_seconds(res['overhead_per_run_s'])}, "
                         f"{100 * res['overhead_share']:.1f}% of the work per run. Identical results: "
                         f"{res['identical_results']}.")
        console.print(table)
        console.print(f"Speed-up of {res['workers']} Dask workers over --jobs 1: [bold]{res['speedup']:.2f}×[/bold] "
                      "(ratio of medians)")
        return
    if writing is not None:
        small, sep, large = writing.partition(",")
        if not (sep and small.strip().isdigit() and large.strip().isdigit() and 1 <= int(small) < int(large) <= 10**7):
            raise ConfigError(f"Invalid value for '--writing': expected SMALL,LARGE with 1 <= SMALL < LARGE <= 10000000. "
                              f"Got {writing!r} instead.")
        from ..bench.writing import writing_cost

        res = writing_cost(int(small), int(large))
        table = Table(title="Writing results: cost per run as a comparison grows", box=box.SIMPLE_HEAVY,
                      title_justify="left")
        for col in ("runs", "total", "per run", "writing per run", "results"):
            table.add_column(col, justify="right")
        for key in ("small", "large"):
            r = res[key]
            table.add_row(str(r["runs"]), fmt_seconds(r["total_s"]), fmt_seconds(r["per_run_s"]),
                          fmt_seconds(r["writer_per_run_s"]), f"{r['bytes'] / 1e6:.1f} MB")
        table.caption = ("dlbench compare gd --epochs 1 --seeds N in this process (training, statistics and the "
                         f"results writer). Per-run cost at {large} runs over {small} runs: "
                         f"{res['per_run_ratio']:.2f}× in all, {res['writer_per_run_ratio']:.2f}× for writing.")
        console.print(table)
        return
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
    if networks:
        from ..bench.networks import networks_table

        console.print(networks_table(_bench.networks()))
    if startup:
        console.print(_startup_table(_bench.startup()))
        from ..bench.figures import figure_time

        ft = figure_time()

        def signed(seconds: float) -> str:  # a difference of medians can be negative (noise)
            return ("-" if seconds < 0 else "+") + fmt_seconds(abs(seconds))

        table = Table(title="Figures: warm 'dlbench compare all' in new processes", box=box.SIMPLE_HEAVY,
                      title_justify="left")
        for col in ("figures", "command returns", "figures on disk", "adds", "runs"):
            table.add_column(col, justify="left" if col == "figures" else "right")
        table.add_row("none (--no-plots)", fmt_seconds(ft["no_plots"]["median_s"]), "", "", str(ft["no_plots"]["runs"]))
        table.add_row("drawn, waited for (--wait-plots)", fmt_seconds(ft["wait"]["median_s"]),
                      fmt_seconds(ft["wait"]["median_s"]), signed(ft["wait_adds_s"]), str(ft["wait"]["runs"]))
        table.add_row("drawn in the background (--background-plots)", fmt_seconds(ft["background"]["median_s"]),
                      fmt_seconds(ft["background_ready"]["median_s"]), signed(ft["background_adds_s"]),
                      str(ft["background"]["runs"]))
        table.caption = ("Medians of rounds that run the three one after the other (the kernel cache warm); 'adds': "
                         "the command's median minus that of --no-plots; 'figures on disk': from the command's start "
                         "until the last of loss.png/svg and accuracy.png/svg is there. A terminal draws in the "
                         "background by default.")
        console.print(table)
    if jobs:
        if jobs < 2:
            raise ConfigError(f"Invalid value for '--jobs': must be an integer >= 2. Got {jobs!r} instead.")
        par = _bench.parallel_speedup(jobs)
        table = Table(title=f"Parallel runs: {par['what']}", box=box.SIMPLE_HEAVY, title_justify="left")
        for col in ("jobs", "median", "min", "max", "rounds"):
            table.add_column(col, justify="right")
        for label, key in (("1", "serial"), (str(jobs), "parallel")):
            st = par[key]
            table.add_row(label, fmt_seconds(st["median_s"]), fmt_seconds(st["min_s"]), fmt_seconds(st["max_s"]), str(st["runs"]))
        table.caption = ("Wall time of the whole comparison in this process (data, training, statistics), the two "
                         f"settings alternated. Identical results: {par['identical_results']}.")
        console.print(table)
        console.print(f"Speed-up of --jobs {jobs} over --jobs 1: [bold]{par['speedup']:.2f}×[/bold] (ratio of medians)")


def main() -> None:
    """Console-script entry point. Once a command that trained has finished (every result file
    is written and closed by then), the process ends without the interpreter's teardown, which
    spent 0.3 to 0.5 s freeing pandas, NumPy and compiled code object by object: other threads
    are joined and exit handlers run first, as at a normal exit. A command that had to
    run the training loop through Numba's JIT starts, as it ends, the background build of the
    loop's native module (:mod:`dlbench.kernels.native`), which the next commands load instead."""
    try:
        app()
        code = 0
    except SystemExit as exc:
        code = exc.code
    training = sys.modules.get("dlbench.training")
    if training is not None:
        from ..kernels import native

        for kind in training.native_missing():
            native.build_in_background(kind)
    if "dlbench.training" not in sys.modules:  # --help, errors before any training: the usual exit
        sys.exit(code)
    import atexit
    import threading

    if isinstance(code, str):
        print(code, file=sys.stderr)
        code = 1
    for thread in threading.enumerate():
        if thread is not threading.current_thread() and not thread.daemon:
            thread.join()
    atexit._run_exitfuncs()
    for stream in (sys.stdout, sys.stderr):
        try:
            stream.flush()
        except (OSError, ValueError):
            pass
    os._exit(int(code or 0))
