"""Experiments: what to train (problems, network, optimizers, seeds, tuning, targets), from TOML
or code.

An experiment file has these tables (every key optional):

- ``[experiment]``: ``name``, ``description``, ``runs = "all"`` (the established optimizers;
  ``"all-2026"`` the newer ones, ``"every"`` both: :data:`dlbench.optimizers.GROUPS`).
- ``[data]``: the problem when there is one: ``problem`` (any name of
  :data:`dlbench.data.PROBLEMS`: synthetic or bundled), ``n_samples``, ``n_features``, ``noise``,
  ``seed``, ``classes`` (the number of classes of ``blobs``/``spirals``); or a CSV file: ``file``
  and ``target_column``. ``task`` (``binary``, ``multiclass``, ``regression``) is optional: by
  default the data's own. A bundled data set has a fixed size: leave the sizes, ``noise`` and
  ``classes`` out; synthetic problems default to 100 samples × 10 features.
- ``[[problems]]``: several problems, each with ``name`` and the keys of ``[data]``, plus an
  optional ``target = { metric = "loss", value = 0.3 }``. Problems of different tasks may be mixed.
- ``[model]``: ``hidden`` (a width, ``0``, or a list of widths such as ``[64, 32]``; ``[]`` or
  ``0`` is a linear model; ``n_hidden`` is accepted as its old name), ``activation`` (``relu``,
  ``tanh``, ``sigmoid``, ``gelu``, ``leaky_relu``), ``init`` (``uniform``, ``glorot``, ``he``,
  ``torch``), ``loss`` (``bce`` or ``mse`` for binary, ``ce`` for multiclass, ``mse`` for
  regression; by default the task's first).
- ``[training]``: ``epochs``, ``lr``, ``batch_size``, ``seed``, ``seeds``, ``test_fraction``,
  ``tol``, ``patience``, ``schedule``, ``schedule_params``; they apply to every run that does not
  set its own.
- ``[tuning]``: ``parameter = "lr"`` (or several: ``"lr,momentum,beta2"`` or a list, searched by
  scrambled Halton points, :mod:`dlbench.study.tuning`), ``budget`` (``"one-shot"``, ``"small"``,
  ``"large"`` or a number of trials), ``val_fraction``, ``lr_min``, ``lr_max``; ``[tuning.space]``
  overrides search ranges: ``momentum = [0.5, 0.99]``, ``eps = { low = 1e-9, high = 1e-6, scale = "log" }``.
- ``[target]``: ``metric`` (``loss``, ``test_loss``; ``accuracy``, ``test_accuracy`` for
  classification; ``rmse``, ``test_rmse``, ``r2``, ``test_r2`` for regression) and ``value``: the
  time-to-target goal for every problem without its own.
- ``[execution]``: ``scheduler`` (``"threads"``, the default; ``"local"``, a Dask cluster of one
  process per core; or a Dask scheduler's address ``"tcp://HOST:PORT"``) and ``chunk_size``
  (tasks per Dask chunk; automatic by default). They change where trainings run, never results.
- ``[[runs]]``: one per optimizer run: ``optimizer``, ``label``, ``lr``, ``batch_size``,
  ``schedule``, ``schedule_params``, ``hyperparameters``.
"""

from __future__ import annotations

import re
import sys
from dataclasses import asdict, dataclass, field, replace
from pathlib import Path
from typing import Any

from ..errors import ConfigError, invalid
from ..hyper import check_int

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover
    import tomli as tomllib

__all__ = ["Experiment", "Run", "Problem", "Target", "parse_run", "apply_settings", "load_experiment", "shipped_experiments", "default_experiment", "article_experiment",
           "BUDGETS", "TARGET_METRICS"]

BUDGETS = {"one-shot": 0, "small": 25, "large": 50}
"""Tuning budgets (trials per optimizer): ``one-shot`` keeps the defaults; ``small`` and ``large``
follow the small and large budgets of Schmidt, Schneider & Hennig, "Descending through a Crowded
Valley" (2021)."""

TARGET_METRICS = {"loss": "min", "test_loss": "min", "accuracy": "max", "test_accuracy": "max",
                  "rmse": "min", "test_rmse": "min", "r2": "max", "test_r2": "max"}
"""Metrics a target can be set on, and whether lower (``min``) or higher (``max``) is better.
``accuracy`` metrics exist for classification tasks, ``rmse`` and ``r2`` for regression."""

_TASK_METRICS = {"accuracy": "classification", "test_accuracy": "classification", "rmse": "regression",
                 "test_rmse": "regression", "r2": "regression", "test_r2": "regression"}


@dataclass(frozen=True)
class Run:
    """One optimizer run of an experiment (``None`` means the optimizer's default)."""

    optimizer: str
    label: str | None = None
    lr: float | None = None
    batch_size: int | None = None
    schedule: str | None = None
    schedule_params: dict = field(default_factory=dict)
    hyperparameters: dict = field(default_factory=dict)

    @property
    def name(self) -> str:
        return self.label or self.optimizer


RUN_FIELDS = {"lr": float, "batch_size": int, "schedule": str}
"""Settings of a ``name:key=value`` argument that are fields of :class:`Run` (the others are the
optimizer's hyperparameters; ``batch-size`` is accepted for ``batch_size``)."""


def apply_settings(experiment: "Experiment", params: dict | None = None, schedule: str | None = None,
                   schedule_params: dict | None = None, typed: bool = False) -> "Experiment":
    """``experiment`` with command-line settings applied to its runs (``compare --param``,
    ``--schedule``, ``--schedule-param``): ``schedule`` to every run; each of ``params`` to every
    run whose optimizer has that hyperparameter, each of ``schedule_params`` to every run whose
    schedule has that parameter; a name that no run takes is an error. ``typed``: the runs came
    from the command line (``adam:beta2=0.99``), whose own settings win over these; else (runs
    of an experiment file) these win."""
    from ..optimizers import get_optimizer
    from ..schedules import get_schedule

    params, schedule_params = dict(params or {}), dict(schedule_params or {})
    runs = list(experiment.runs or experiment.with_runs(["all"]).runs)
    if not (params or schedule or schedule_params):
        return experiment

    def merged(flags: dict, own: dict) -> dict:
        return {**flags, **own} if typed else {**own, **flags}

    out = []
    for run in runs:
        spec = get_optimizer(run.optimizer)
        sched = run.schedule if (typed and run.schedule) else (schedule or run.schedule)
        out.append(replace(run, schedule=sched))
    for option, values in (("--param", params), ("--schedule-param", schedule_params)):
        for key, value in values.items():
            takers = []
            for i, run in enumerate(out):
                spec = get_optimizer(run.optimizer)
                if option == "--param":
                    names = {h.name for h in spec.hypers}
                    if spec.schedule and run.schedule is None:  # dynamic: its schedule's parameters too
                        names |= {h.name for h in get_schedule(spec.schedule).hypers}
                else:
                    names = {h.name for h in get_schedule(run.schedule or experiment.schedule or spec.schedule
                                                          or "constant").hypers}
                if key in names:
                    takers.append(i)
                    field_name = "hyperparameters" if option == "--param" else "schedule_params"
                    out[i] = replace(run, **{field_name: merged({key: value}, getattr(run, field_name))})
            if not takers:
                what = "hyperparameter" if option == "--param" else "schedule parameter"
                names = ", ".join(dict.fromkeys(r.name for r in out))
                raise ConfigError(f"Invalid value for '{option}': no optimizer of this comparison ({names}) takes the "
                                  f"{what} {key!r}.")
    return replace(experiment, runs=tuple(out))


def parse_run(text: str) -> Run:
    """A run from a command-line argument: ``adam`` (the registry's ``adam``, default settings,
    no label) or ``adam:beta2=0.99,lr=0.01`` (registry name, then ``:`` and comma-separated
    ``key=value`` settings: ``lr``, ``batch_size`` and ``schedule`` set the run, any other key is
    a hyperparameter, checked with the optimizer; the label is ``text`` as typed). Only a last
    ``:`` part holding ``=`` is settings, so ``lookahead:adam`` is a registry name and
    ``lookahead:adam:k=5`` is that name with ``k=5``. A comma inside a value of two numbers
    (``betas=0.9,0.999``) belongs to that value."""
    name, sep, tail = text.rpartition(":")
    if not sep or "=" not in tail:
        return Run(text)
    if not name.strip():
        raise ConfigError(f"Invalid optimizer {text!r}: expected NAME:KEY=VALUE[,KEY=VALUE...] with an optimizer NAME "
                          "before the ':'.")
    settings: dict[str, str] = {}
    last = None
    for part in tail.split(","):
        key, eq, value = part.partition("=")
        if not eq:
            if last is None or not part.strip():
                raise ConfigError(f"Invalid optimizer {text!r}: its settings must be KEY=VALUE, separated by commas.")
            settings[last] += "," + part.strip()
            continue
        key = key.strip().replace("-", "_")
        if not key or not value.strip():
            raise ConfigError(f"Invalid optimizer {text!r}: its settings must be KEY=VALUE, separated by commas.")
        if key in settings:
            raise ConfigError(f"Invalid optimizer {text!r}: {key!r} is set twice.")
        settings[key], last = value.strip(), key
    fields: dict = {}
    for key, kind in RUN_FIELDS.items():
        if key in settings:
            value = settings.pop(key)
            try:
                fields[key] = kind(value) if kind is not int else int(value)
            except ValueError:
                noun = {"float": "a number", "int": "an integer"}.get(kind.__name__, "a name")
                raise ConfigError(f"Invalid optimizer {text!r}: {key} must be {noun}. Got {value!r} instead.") from None
    return Run(name, label=text, hyperparameters={k: _number(v) for k, v in settings.items()}, **fields)


def _number(text: str):
    """``"5"`` -> 5, ``"0.99"`` -> 0.99, anything else as it is (checked by the optimizer)."""
    for kind in (int, float):
        try:
            return kind(text)
        except ValueError:
            pass
    return text


@dataclass(frozen=True)
class Target:
    """Time-to-target goal: ``metric`` at most (losses) or at least (accuracies) ``value``."""

    metric: str
    value: float

    @property
    def mode(self) -> str:
        return TARGET_METRICS[self.metric]

    def describe(self) -> str:
        return f"{self.metric} {'<=' if self.mode == 'min' else '>='} {self.value:g}"


@dataclass(frozen=True)
class Problem:
    """One data set: a named ``problem`` (synthetic or bundled, :data:`dlbench.data.PROBLEMS`)
    or a CSV ``file`` with its ``target_column``.

    ``None`` sizes, ``noise`` and ``n_classes`` take :func:`dlbench.data.make_dataset`'s
    defaults (100 samples × 10 features for a synthetic problem; a bundled data set's own size);
    ``task=None`` is the data's own task.
    """

    name: str = "random"
    problem: str = "random"
    n_samples: int | None = None
    n_features: int | None = None
    noise: float | None = None
    seed: int = 0
    file: str | None = None
    target_column: str | None = None
    target: Target | None = None
    n_classes: int | None = None
    task: str | None = None


@dataclass(frozen=True)
class Experiment:
    """A whole study; see the module docstring for the file format.

    The network's hidden layers are :attr:`widths`: ``hidden`` (a tuple of widths, ``()`` for a
    linear model) or, when ``hidden`` is ``None``, one layer of ``n_hidden`` units (dlbench 0.1's
    field, kept so old code and files work; ``0`` is a linear model). A network of exactly one
    hidden layer is always stored as ``n_hidden`` (``hidden=(16,)`` becomes ``n_hidden=16,
    hidden=None``), so equal networks compare equal; with ``hidden`` set, ``n_hidden`` mirrors its
    first width. ``loss=None`` is each problem's task default (``bce``, ``ce``, ``mse``).
    """

    name: str = "default"
    description: str = ""
    problem: str = "random"
    n_samples: int | None = None
    n_features: int | None = None
    noise: float | None = None
    data_seed: int = 0
    file: str | None = None
    target_column: str | None = None
    n_classes: int | None = None
    task: str | None = None
    problems: tuple[Problem, ...] = ()
    n_hidden: int = 8
    hidden: tuple[int, ...] | None = None
    activation: str = "relu"
    init: str = "glorot"
    loss: str | None = None
    epochs: int = 1000
    seed: int = 0
    seeds: int = 1
    test_fraction: float | None = None
    lr: float | None = None
    batch_size: int | None = None
    tol: float | None = None
    patience: int | None = None
    schedule: str | None = None
    schedule_params: dict = field(default_factory=dict)
    tune: str | None = None
    budget: str | int = "one-shot"
    tune_space: dict = field(default_factory=dict)
    """``[tuning.space]``: search ranges by tuned hyperparameter (:mod:`dlbench.study.tuning`)."""
    val_fraction: float = 0.2
    lr_min: float = 1e-4
    lr_max: float = 10.0
    target: Target | None = None
    runs: tuple[Run, ...] = ()
    source: str | None = None
    scheduler: str | None = None
    """Where the trainings run: ``None`` (or ``"threads"``) dlbench's threads, ``"local"`` a
    local Dask cluster, ``"tcp://HOST:PORT"`` a Dask scheduler (:mod:`dlbench.study.distributed`)."""
    chunk_size: int | None = None
    """Tasks per Dask chunk (``None``: automatic)."""

    def __post_init__(self):
        hidden = self.hidden
        if isinstance(hidden, list):
            hidden = tuple(hidden)
        if _is_int(hidden):
            hidden = (hidden,) if hidden else ()
        if isinstance(hidden, tuple) and len(hidden) == 1 and _is_int(hidden[0]) and hidden[0] >= 1:
            object.__setattr__(self, "n_hidden", hidden[0])
            hidden = None
        elif isinstance(hidden, tuple) and all(_is_int(w) for w in hidden):
            object.__setattr__(self, "n_hidden", hidden[0] if hidden else 0)
        object.__setattr__(self, "hidden", hidden)
        if isinstance(self.problems, list):
            object.__setattr__(self, "problems", tuple(self.problems))

    @property
    def widths(self) -> tuple[int, ...]:
        """The hidden layers' widths (checked; ``()`` for a linear model)."""
        from ..model.spec import parse_hidden

        return parse_hidden(self.hidden if self.hidden is not None else self.n_hidden, "the experiment")

    def with_runs(self, names: list[str]) -> "Experiment":
        """The same experiment with one run per name: a registry name or a group (``all``,
        ``all-2026``, ``every``: :data:`dlbench.optimizers.GROUPS`, which stands for its members;
        repeats are dropped), or a name with settings, ``adam:beta2=0.99`` (:func:`parse_run`: a
        run labelled as typed). Two runs with one label are an error."""
        from ..optimizers import expand_names

        runs: list[Run] = []
        for name in names:
            run = parse_run(name)
            if run.label is None:
                runs += [Run(n) for n in expand_names([name]) if all(r.name != n for r in runs)]
            elif any(r.name == run.label for r in runs):
                raise ConfigError(f"Two runs are both called {run.label!r}: give each optimizer's settings once.")
            else:
                runs.append(run)
        return replace(self, runs=tuple(runs))

    def resolved_runs(self) -> tuple[Run, ...]:
        """Runs with the experiment-wide settings filled in where a run leaves them unset."""
        if not self.runs:
            return self.with_runs(["all"]).resolved_runs()
        out = []
        for run in self.runs:
            out.append(
                replace(
                    run,
                    lr=run.lr if run.lr is not None else self.lr,
                    batch_size=run.batch_size if run.batch_size is not None else self.batch_size,
                    schedule=run.schedule if run.schedule is not None else self.schedule,
                    schedule_params=run.schedule_params or (dict(self.schedule_params) if run.schedule is None else {}),
                )
            )
        labels = [r.name for r in out]
        dupes = sorted({n for n in labels if labels.count(n) > 1})
        if dupes:
            raise ConfigError(f"Two runs are both called {dupes[0]!r}: give them distinct 'label' values.")
        return tuple(out)

    def resolved_problems(self) -> tuple[Problem, ...]:
        """The problems to run: ``problems``, or the one described by the flat fields."""
        if self.problems:
            problems = tuple(p if p.target is not None else replace(p, target=self.target) for p in self.problems)
        else:
            name = Path(self.file).stem if self.file else self.problem
            problems = (Problem(name, "csv" if self.file else self.problem, self.n_samples, self.n_features, self.noise,
                                self.data_seed, self.file, self.target_column, self.target, self.n_classes,
                                self.task),)
        names = [p.name for p in problems]
        dupes = sorted({n for n in names if names.count(n) > 1})
        if dupes:
            raise ConfigError(f"Two problems are both called {dupes[0]!r}: give them distinct 'name' values.")
        return problems

    @property
    def n_trials(self) -> int:
        """Tuning trials per optimizer (0: no tuning)."""
        if not self.tune:
            return 0
        return BUDGETS[self.budget] if isinstance(self.budget, str) else int(self.budget)

    def check(self) -> None:
        """Check the experiment-wide settings (runs are checked by ``training.check_experiment_run``;
        what depends on a CSV file's contents, by :func:`dlbench.study.compare.compare` once loaded)."""
        from ..model import INITS
        from ..model.spec import ACTIVATIONS

        owner = "the experiment"
        for problem in self.resolved_problems():
            check_problem(problem, owner)
        if self.init not in INITS:
            raise invalid("init", owner, "one of " + ", ".join(map(repr, INITS)), self.init)
        check_int(self.n_hidden, "n_hidden", owner, 0)
        self.widths  # noqa: B018 - parse_hidden raises the 'hidden' error
        if self.activation not in ACTIVATIONS:
            raise invalid("activation", owner, "one of " + ", ".join(map(repr, ACTIVATIONS)), self.activation)
        if self.loss is not None and self.loss not in _LOSSES:
            raise invalid("loss", owner, "one of " + ", ".join(map(repr, _LOSSES)) + " (or unset: the task's default)",
                          self.loss)
        check_int(self.seed, "seed", owner, 0, INT64_END)
        check_int(self.seeds, "seeds", owner, 1, INT64_END)
        check_int(self.epochs, "epochs", owner, 1, INT64_END)
        if self.test_fraction is not None and not (0.0 < self.test_fraction < 1.0):
            raise invalid("test_fraction", owner, "a float in (0, 1)", self.test_fraction)
        from .tuning import check_tuning

        check_tuning(self, owner)
        if self.budget not in BUDGETS and not (_is_int(self.budget) and 1 <= self.budget < INT64_END):
            raise invalid("budget", owner, "one of " + ", ".join(map(repr, BUDGETS)) + " or a number of trials >= 1", self.budget)
        if not (0.0 < self.val_fraction < 1.0):
            raise invalid("val_fraction", owner, "a float in (0, 1)", self.val_fraction)
        if not (0.0 < self.lr_min < self.lr_max) or self.lr_max == float("inf"):
            raise invalid("lr_min", owner, "a positive float below lr_max", self.lr_min)
        from .distributed import check_scheduler

        check_scheduler(self.scheduler, owner)
        if self.chunk_size is not None:
            check_int(self.chunk_size, "chunk_size", owner, 1, 10**9)
        for problem in self.resolved_problems():
            if problem.target is not None:
                check_target(problem.target, owner)
                if problem.target.metric.startswith("test_") and self.test_fraction is None:
                    raise invalid("target", owner, "a training metric (loss, accuracy, rmse, r2) unless test_fraction "
                                  "is set", problem.target.metric)
            task = known_task(problem)
            if task is not None:
                check_task_fit(problem, task, self.loss)

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> "Experiment":
        """The inverse of :meth:`to_dict` (as saved in ``config.json``)."""
        values = dict(data)

        def target(t):
            return Target(**t) if isinstance(t, dict) else t

        values["target"] = target(values.get("target"))
        values["problems"] = tuple(Problem(**{**p, "target": target(p.get("target"))}) for p in values.get("problems", ()))
        values["runs"] = tuple(Run(**r) for r in values.get("runs", ()))
        known = set(cls.__dataclass_fields__)
        return cls(**{k: v for k, v in values.items() if k in known})


MAX_NOISE = 1e100
"""Largest noise level of a synthetic problem (features of 1e100 still square to a finite float)."""
INT64_END = 2**63
"""Integers (counts, sizes, seeds) must be below this: the kernels hold them as int64."""


def _is_int(value) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


_LOSSES = ("bce", "mse", "ce")
_TASKS = ("binary", "multiclass", "regression")


def task_choices(data_task: str, n_classes: int) -> tuple[str, ...]:
    """The tasks a data set of ``data_task`` with ``n_classes`` classes can be trained as: its own;
    a binary one also as a 2-class softmax (``multiclass``); a 2-class multiclass one also as
    ``binary``. Labels never become regression targets, nor real targets labels."""
    if data_task == "binary":
        return ("binary", "multiclass")
    if data_task == "multiclass":
        return ("multiclass", "binary") if n_classes == 2 else ("multiclass",)
    return (data_task,)


def known_task(problem: Problem) -> str | None:
    """The task ``problem`` trains as, when known before loading its data (``None`` for a CSV
    file without ``task``: inferred from its target column)."""
    from ..data import PROBLEMS

    if problem.task is not None or problem.problem == "csv":
        return problem.task
    info = PROBLEMS.get(problem.problem)
    return info.task if info is not None else None


def check_problem(problem: Problem, owner: str = "the experiment") -> None:
    """Check one problem's own keys: its name, sizes, seed, ``n_classes`` and ``task``, against
    what its kind of data takes (a bundled data set has a fixed size; only ``blobs`` and
    ``spirals`` take a number of classes)."""
    from ..data import BUNDLED, PROBLEMS

    if problem.problem not in PROBLEMS and problem.problem != "csv":
        raise invalid("problem", owner, "one of " + ", ".join(map(repr, [*PROBLEMS, "csv"])), problem.problem)
    if problem.problem == "csv" and not (problem.file and problem.target_column):
        raise ConfigError(f"Problem {problem.name!r}: a CSV problem needs both 'file' and 'target_column'.")
    for key in ("n_samples", "n_features"):
        if getattr(problem, key) is not None:
            check_int(getattr(problem, key), key, owner, 1, INT64_END)
    check_int(problem.seed, "seed", owner, 0, INT64_END)
    noise = problem.noise
    if isinstance(noise, (int, float)) and not isinstance(noise, bool) and not abs(noise) <= MAX_NOISE:
        raise invalid("noise", owner, f"a finite float of at most {MAX_NOISE:g} (larger noise overflows the "
                      "data's squares)", noise)
    if _is_int(problem.n_classes) and problem.n_classes >= INT64_END:
        check_int(problem.n_classes, "n_classes", owner, 2, INT64_END)
    if problem.n_classes is not None:
        check_int(problem.n_classes, "n_classes", owner, 2)
    if problem.task is not None and problem.task not in _TASKS:
        raise invalid("task", owner, "one of " + ", ".join(map(repr, _TASKS)) + " (or unset: the data's own)", problem.task)
    info = PROBLEMS.get(problem.problem)
    if problem.problem == "csv":
        if problem.n_classes is not None:
            raise invalid("n_classes", f"the CSV problem {problem.name!r}",
                          "unset (a CSV file's classes are the values of its target column)", problem.n_classes)
        return
    if info.kind == "bundled":
        size = BUNDLED[problem.problem]
        fixed = {"n_samples": f"it has a fixed {size.n_samples} samples",
                 "n_features": f"it has a fixed {size.n_features} features",
                 "noise": "a real data set has no noise option",
                 "n_classes": f"it has a fixed {len(size.classes)} classes" if size.classes else "it is a regression data set"}
        for key, why in fixed.items():
            if getattr(problem, key) is not None:
                raise invalid(key, f"the bundled data set {problem.problem!r}", f"unset: {why}", getattr(problem, key))
        n_classes = len(size.classes)
    elif info.n_classes is None:
        if problem.n_classes is not None:
            takers = " and ".join(repr(p.name) for p in PROBLEMS.values() if p.kind == "synthetic" and p.n_classes)
            raise invalid("n_classes", f"the {problem.problem!r} problem", f"unset (only {takers} take a number of classes)",
                          problem.n_classes)
        n_classes = 2 if info.task == "binary" else 0
    else:
        n_classes = problem.n_classes if problem.n_classes is not None else info.n_classes
    if problem.task is not None and problem.task not in task_choices(info.task, n_classes):
        allowed = task_choices(info.task, n_classes)
        raise invalid("task", f"the {info.task} problem {problem.name!r}",
                      " or ".join(map(repr, allowed)) + f" (its data: {_data_words(info.task, n_classes)})", problem.task)


def _data_words(task: str, n_classes: int) -> str:
    return {"binary": "two classes", "regression": "real-valued targets"}.get(task, f"{n_classes} classes")


def check_task_fit(problem: Problem, task: str, loss: str | None) -> None:
    """Check that ``problem``'s loss and target metric fit the ``task`` it trains as."""
    from ..model.spec import TASK_LOSSES

    if loss is not None and loss not in TASK_LOSSES[task]:
        allowed = " or ".join(map(repr, TASK_LOSSES[task]))
        raise invalid("loss", f"the {task} problem {problem.name!r}", f"{allowed} (the losses of a {task} task)", loss)
    target = problem.target
    kind = "regression" if task == "regression" else "classification"
    if target is not None and _TASK_METRICS.get(target.metric, kind) != kind:
        which = "loss, rmse or r2" if task == "regression" else "loss or accuracy"
        raise invalid("target metric", f"the {task} problem {problem.name!r}",
                      f"one of {which} (or their test_ versions)", target.metric)


def check_target(target: Target, owner: str = "the experiment") -> None:
    if target.metric not in TARGET_METRICS:
        raise invalid("target metric", owner, "one of " + ", ".join(map(repr, TARGET_METRICS)), target.metric)
    if isinstance(target.value, bool) or not isinstance(target.value, (int, float)) or target.value != target.value:
        raise invalid("target value", owner, "a number", target.value)


def default_experiment() -> Experiment:
    """What ``dlbench compare all`` runs: the article's data and network (100×10 uniform
    features, random labels, 8 ReLU units), Glorot initialisation, the task's default loss (BCE
    here), 1000 epochs, every registered optimizer at its own default learning rate. Its problem
    leaves the sizes unset, so ``--problem digits`` (a bundled data set) works on top of it."""
    return Experiment(name="default", description="The article's problem, Glorot init, every optimizer at its defaults.").with_runs(["all"])


def article_experiment() -> Experiment:
    """The article exactly: its data and network, uniform [0, 1) init, BCE, lr 0.01, 1000 epochs,
    its four methods."""
    return Experiment(
        name="article",
        description="The article's setup: uniform [0,1) init, BCE, lr 0.01, 1000 epochs, gd/sgd/minibatch/dynamic.",
        n_samples=100,
        n_features=10,
        init="uniform",
        loss="bce",
        lr=0.01,
        runs=tuple(Run(n) for n in ("gd", "sgd", "minibatch", "dynamic")),
    )


# --- TOML -------------------------------------------------------------------------------------

_DATA_KEYS = {"problem": "problem", "n_samples": "n_samples", "n_features": "n_features", "noise": "noise",
              "seed": "data_seed", "file": "file", "target_column": "target_column", "classes": "n_classes",
              "task": "task"}
_TABLES = {
    "experiment": {"name": "name", "description": "description", "runs": None},
    "data": _DATA_KEYS,
    "model": {"hidden": "hidden", "n_hidden": "n_hidden", "activation": "activation", "init": "init", "loss": "loss"},
    "training": {
        "epochs": "epochs", "lr": "lr", "batch_size": "batch_size", "seed": "seed", "seeds": "seeds",
        "test_fraction": "test_fraction", "tol": "tol", "patience": "patience", "schedule": "schedule",
        "schedule_params": "schedule_params",
    },
    "tuning": {"parameter": "tune", "budget": "budget", "val_fraction": "val_fraction", "lr_min": "lr_min",
               "lr_max": "lr_max", "space": "tune_space"},
    "target": {"metric": "target_metric", "value": "target_value"},
    "execution": {"scheduler": "scheduler", "chunk_size": "chunk_size"},
}
_PROBLEM_KEYS = {"name": "name", **{k: ("seed" if v == "data_seed" else v) for k, v in _DATA_KEYS.items()}, "target": "target"}
_FILE_KEY = {"data_seed": "seed", "tune": "parameter", "n_classes": "classes", "target_metric": "metric"}
"""Field name -> its key in a file, where they differ (to find the line of an error)."""
_RUN_KEYS = ("optimizer", "label", "lr", "batch_size", "schedule", "schedule_params", "hyperparameters")
_TYPES = {
    "name": str, "description": str, "problem": str, "init": str, "loss": str, "schedule": str, "file": str,
    "target_column": str, "tune": (str, list), "target_metric": str, "tune_space": dict,
    "n_samples": int, "n_features": int, "data_seed": int, "seed": int, "n_hidden": int, "n_classes": int,
    "hidden": (int, list), "activation": str, "task": str,
    "epochs": int, "seeds": int, "batch_size": int, "patience": int,
    "lr": float, "tol": float, "noise": float, "test_fraction": float, "val_fraction": float, "lr_min": float,
    "lr_max": float, "target_value": float,
    "schedule_params": dict, "hyperparameters": dict, "target": dict,
    "optimizer": str, "label": str, "budget": (str, int), "scheduler": str, "chunk_size": int,
}


def _line_of(text: str, table: str | None, key: str, index: int = 0) -> int | None:
    """Line number (1-based) of ``key`` in ``[table]`` (the ``index``-th ``[[table]]``)."""
    current, seen = None, -1
    for number, raw in enumerate(text.splitlines(), start=1):
        line = raw.strip()
        header = re.match(r"^\[\[?\s*([^\]]+?)\s*\]\]?", line)
        if header:
            current = header.group(1)
            if current == table:
                seen += 1
            continue
        if current == table and seen in (index, -1) and re.search(rf"(^|[{{,\s]){re.escape(key)}\s*=", line):
            return number
    return None


def _file_error(path: Path, text: str, table: str | None, key: str, message: str, index: int = 0) -> ConfigError:
    line = _line_of(text, table, key, index)
    where = f"{path}, line {line}" if line else f"{path}"
    place = f"[{table}] " if table else ""
    return ConfigError(f"{where}: {place}'{key}': {message}")


def _typed(value: Any, kind) -> bool:
    if isinstance(kind, tuple):
        return any(_typed(value, k) for k in kind)
    if kind is float:
        return isinstance(value, (int, float)) and not isinstance(value, bool)
    if kind is int:
        return isinstance(value, int) and not isinstance(value, bool)
    return isinstance(value, kind)


def _kind_name(kind) -> str:
    if isinstance(kind, tuple):
        return " or ".join(_kind_name(k) for k in kind)
    return {str: "a string", int: "an integer", float: "a number", dict: "a table", list: "a list"}[kind]


def _check_type(path, text, table, key, field_name, value, index=0):
    kind = _TYPES[field_name]
    if not _typed(value, kind):
        raise _file_error(path, text, table, key, f"must be {_kind_name(kind)}. Got {value!r}.", index)


def _target(path, text, table, key, value, index=0) -> Target:
    if not isinstance(value, dict) or set(value) != {"metric", "value"}:
        raise _file_error(path, text, table, key, "must be a table { metric = ..., value = ... }.", index)
    target = Target(value["metric"], value["value"])
    try:
        check_target(target)
    except ConfigError as exc:
        raise _file_error(path, text, table, key, str(exc), index) from None
    return target


def shipped_experiments() -> dict[str, Path]:
    """The experiments installed with dlbench (``dlbench/experiments/*.toml``; the repository's
    ``experiments/`` is a link to them), by name: ``{"article": Path(...), ...}``."""
    folder = Path(__file__).resolve().parent.parent / "experiments"
    return {p.stem: p for p in sorted(folder.glob("*.toml"))}


def load_experiment(path: str | Path) -> Experiment:
    """Read an experiment file, or a shipped experiment by name (``"article"``:
    :func:`shipped_experiments`) when no such file exists; errors name the file, the key and the line."""
    path = Path(path)
    shipped = shipped_experiments()
    if not path.exists() and str(path).removesuffix(".toml") in shipped and len(path.parts) == 1:
        path = shipped[str(path).removesuffix(".toml")]
    elif not path.exists() and not path.suffix and len(path.parts) == 1:
        raise ConfigError(f"{path}: experiment file not found, and no shipped experiment has that name "
                          f"(shipped: {', '.join(shipped)}; see 'dlbench list experiments').")
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise ConfigError(f"{path}: experiment file not found.") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise ConfigError(f"{path}: cannot read the experiment file ({exc}).") from None
    try:
        doc = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"{path}: not valid TOML: {exc}.") from None

    values: dict[str, Any] = {"source": str(path)}
    runs_all = False
    for table, body in doc.items():
        if table in ("runs", "problems"):
            continue
        if table not in _TABLES:
            valid = ", ".join(f"[{t}]" for t in _TABLES) + ", [[problems]], [[runs]]"
            raise _file_error(path, text, None, table, f"unknown table or key. Valid tables: {valid}.")
        if not isinstance(body, dict):
            raise _file_error(path, text, None, table, "must be a table.")
        for key, value in body.items():
            if key not in _TABLES[table]:
                raise _file_error(path, text, table, key, f"unknown key. Valid keys: {', '.join(_TABLES[table])}.")
            field_name = _TABLES[table][key]
            if field_name is None:  # [experiment] runs = "all" (or another group)
                from ..optimizers import GROUPS

                if value not in GROUPS:
                    groups = ", ".join(f'"{g}"' for g in GROUPS)
                    raise _file_error(path, text, table, key, f"must be one of {groups} (or use [[runs]] tables). Got {value!r}.")
                runs_all = value
                continue
            _check_type(path, text, table, key, field_name, value)
            if field_name == "tune" and isinstance(value, list):  # parameter = ["lr", "momentum"]
                value = ",".join(map(str, value))
            values[field_name] = value
    if "hidden" in values and "n_hidden" in values:
        raise _file_error(path, text, "model", "n_hidden", "give either 'hidden' or its old name 'n_hidden', not both.")
    metric, value = values.pop("target_metric", None), values.pop("target_value", None)
    if metric is not None or value is not None:
        values["target"] = _target(path, text, "target", "metric" if metric is None else "value",
                                   {"metric": metric, "value": value})

    problems = []
    raw_problems = doc.get("problems", [])
    if not isinstance(raw_problems, list):
        raise _file_error(path, text, None, "problems", "must be an array of tables: write [[problems]].")
    for i, body in enumerate(raw_problems):
        kwargs = {}
        for key, value in body.items():
            if key not in _PROBLEM_KEYS:
                raise _file_error(path, text, "problems", key, f"unknown key. Valid keys: {', '.join(_PROBLEM_KEYS)}.", i)
            if key == "target":
                kwargs["target"] = _target(path, text, "problems", key, value, i)
                continue
            _check_type(path, text, "problems", key, _DATA_KEYS.get(key, key), value, i)
            kwargs[_PROBLEM_KEYS[key]] = value
        if "file" in kwargs:
            kwargs.setdefault("problem", "csv")
            kwargs.setdefault("name", Path(kwargs["file"]).stem)
        else:
            kwargs.setdefault("name", kwargs.get("problem", "random"))
        problems.append(Problem(**kwargs))

    runs = []
    raw_runs = doc.get("runs", [])
    if not isinstance(raw_runs, list):
        raise _file_error(path, text, None, "runs", "must be an array of tables: write [[runs]].")
    for i, body in enumerate(raw_runs):
        if "optimizer" not in body:
            line = _line_of(text, "runs", next(iter(body), "optimizer"), i)
            raise ConfigError(f"{path}, line {line}: [[runs]] number {i + 1} has no 'optimizer'.")
        kwargs = {}
        for key, value in body.items():
            if key not in _RUN_KEYS:
                raise _file_error(path, text, "runs", key, f"unknown key. Valid keys: {', '.join(_RUN_KEYS)}.", i)
            _check_type(path, text, "runs", key, key, value, i)
            kwargs[key] = value
        runs.append(Run(**kwargs))
    if runs and runs_all:
        raise _file_error(path, text, "experiment", "runs", 'give either runs = "all" or [[runs]] tables, not both.')
    experiment = Experiment(**values, problems=tuple(problems), runs=tuple(runs))
    if runs_all:
        experiment = experiment.with_runs([runs_all])
    _check_semantics(experiment, path, text)
    return experiment


def _check_semantics(experiment: Experiment, path: Path, text: str) -> None:
    """Validate every problem's and run's settings now, so a bad value is reported with its file
    and line."""
    from ..training import check_experiment_run

    def where(exc: ConfigError, places) -> str:
        key = exc.param or _guess_key(str(exc))
        key = {"target metric": "metric", "target value": "value"}.get(key, key)
        line = None
        for table, index in places if key else ():
            names = [_FILE_KEY.get(key, key)] + (["n_hidden"] if key == "hidden" else [])
            names += ["target"] if table == "problems" and key in ("metric", "value") else []
            line = next((n for n in (_line_of(text, table, name, index) for name in names) if n), None)
            if line:
                break
        return f"{path}, line {line}" if line else str(path)

    def text_of(exc: ConfigError) -> str:  # name the key as the file spells it
        message = str(exc)
        return message.replace("The 'n_classes' parameter", "The 'classes' parameter", 1) if exc.param == "n_classes" \
            else message

    for i, problem in enumerate(experiment.problems):
        try:
            check_problem(problem)
            task = known_task(problem)
            if task is not None:
                check_task_fit(replace(problem, target=problem.target or experiment.target), task, experiment.loss)
        except ConfigError as exc:
            places = [("problems", i)] + ([("target", 0)] if problem.target is None else []) + [("model", 0)]
            raise ConfigError(f"{where(exc, places)}: {text_of(exc)}") from None
    try:
        experiment.check()
    except ConfigError as exc:
        places = [(t, 0) for t in ("training", "tuning", "target", "data", "model", "execution")]
        raise ConfigError(f"{where(exc, places)}: {text_of(exc)}") from None
    for i, run in enumerate(experiment.resolved_runs()):
        try:
            check_experiment_run(experiment, run)
        except ConfigError as exc:
            places = [("runs", i)] + [(t, 0) for t in ("training", "model", "data")]
            raise ConfigError(f"{where(exc, places)}: {text_of(exc)}") from None


def _guess_key(message: str) -> str | None:
    match = re.search(r"'([A-Za-z_0-9]+)' parameter", message) or re.search(r"hyperparameter '([A-Za-z_0-9]+)'", message)
    if match:
        return match.group(1)
    if "Unknown optimizer" in message:
        return "optimizer"
    if "Unknown schedule" in message:
        return "schedule"
    return None
