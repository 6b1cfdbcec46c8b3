"""Experiments: what to train (data, network, optimizers and their settings), from TOML or code.

An experiment file has the tables ``[experiment]`` (name, description), ``[data]`` (problem,
n_samples, n_features, seed), ``[model]`` (n_hidden, init, loss, seed), ``[training]`` (epochs,
lr, batch_size, seed, tol, patience, schedule, schedule_params) and one ``[[runs]]`` table per
optimizer run (optimizer, label, lr, batch_size, schedule, schedule_params, hyperparameters).
Values in ``[training]`` apply to every run that does not set its own. ``runs = "all"`` under
``[experiment]`` means every registered optimizer with its defaults.
"""

from __future__ import annotations

import re
import sys
from dataclasses import asdict, dataclass, field, replace
from pathlib import Path
from typing import Any

from .errors import ConfigError

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover
    import tomli as tomllib

__all__ = ["Experiment", "Run", "load_experiment", "default_experiment", "article_experiment"]


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


@dataclass(frozen=True)
class Experiment:
    """A whole study; see the module docstring for the file format."""

    name: str = "default"
    description: str = ""
    problem: str = "random"
    n_samples: int = 100
    n_features: int = 10
    data_seed: int = 0
    n_hidden: int = 8
    init: str = "glorot"
    init_seed: int = 0
    loss: str = "bce"
    epochs: int = 1000
    seed: int = 0
    lr: float | None = None
    batch_size: int | None = None
    tol: float | None = None
    patience: int | None = None
    schedule: str | None = None
    schedule_params: dict = field(default_factory=dict)
    runs: tuple[Run, ...] = ()
    source: str | None = None

    def with_runs(self, names: list[str]) -> "Experiment":
        """The same experiment with one default run per optimizer name (``["all"]``: all)."""
        from .optimizers import OPTIMIZERS, get_optimizer

        if names == ["all"]:
            names = list(OPTIMIZERS)
        for name in names:
            get_optimizer(name)
        return replace(self, runs=tuple(Run(n) for n in names))

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

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


def default_experiment() -> Experiment:
    """What ``dlbench compare all`` runs: the article's data and network (100×10 uniform
    features, random labels, 8 ReLU units), Glorot initialisation, BCE, 1000 epochs, every
    registered optimizer at its own default learning rate."""
    return Experiment(name="default", description="The article's problem, Glorot init, every optimizer at its defaults.").with_runs(["all"])


def article_experiment() -> Experiment:
    """The article exactly: its data and network, uniform [0, 1) init, BCE, lr 0.01, 1000 epochs,
    its four methods."""
    return Experiment(
        name="article",
        description="The article's setup: uniform [0,1) init, BCE, lr 0.01, 1000 epochs, gd/sgd/minibatch/dynamic.",
        init="uniform",
        lr=0.01,
        runs=tuple(Run(n) for n in ("gd", "sgd", "minibatch", "dynamic")),
    )


# --- TOML -------------------------------------------------------------------------------------

_TABLES = {
    "experiment": {"name": "name", "description": "description", "runs": None},
    "data": {"problem": "problem", "n_samples": "n_samples", "n_features": "n_features", "seed": "data_seed"},
    "model": {"n_hidden": "n_hidden", "init": "init", "loss": "loss", "seed": "init_seed"},
    "training": {
        "epochs": "epochs", "lr": "lr", "batch_size": "batch_size", "seed": "seed", "tol": "tol",
        "patience": "patience", "schedule": "schedule", "schedule_params": "schedule_params",
    },
}
_RUN_KEYS = ("optimizer", "label", "lr", "batch_size", "schedule", "schedule_params", "hyperparameters")
_TYPES = {
    "name": str, "description": str, "problem": str, "init": str, "loss": str, "schedule": str,
    "n_samples": int, "n_features": int, "data_seed": int, "n_hidden": int, "init_seed": int,
    "epochs": int, "seed": int, "batch_size": int, "patience": int,
    "lr": float, "tol": float, "schedule_params": dict, "hyperparameters": dict,
    "optimizer": str, "label": str,
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


def _typed(value: Any, kind: type) -> bool:
    if kind is float:
        return isinstance(value, (int, float)) and not isinstance(value, bool)
    if kind is int:
        return isinstance(value, int) and not isinstance(value, bool)
    return isinstance(value, kind)


def load_experiment(path: str | Path) -> Experiment:
    """Read an experiment file; errors name the file, the key and the line."""
    path = Path(path)
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
        if table == "runs":
            continue
        if table not in _TABLES:
            valid = ", ".join(f"[{t}]" for t in (*_TABLES, "[runs]"))
            raise _file_error(path, text, None, table, f"unknown table or key. Valid tables: {valid}.")
        if not isinstance(body, dict):
            raise _file_error(path, text, None, table, "must be a table.")
        for key, value in body.items():
            if key not in _TABLES[table]:
                raise _file_error(path, text, table, key, f"unknown key. Valid keys: {', '.join(_TABLES[table])}.")
            field_name = _TABLES[table][key]
            if field_name is None:  # [experiment] runs = "all"
                if value != "all":
                    raise _file_error(path, text, table, key, f'must be "all" (or use [[runs]] tables). Got {value!r}.')
                runs_all = True
                continue
            kind = _TYPES[field_name]
            if not _typed(value, kind):
                raise _file_error(path, text, table, key, f"must be {kind.__name__ if kind is not dict else 'a table'}. Got {value!r}.")
            values[field_name] = value

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
            if not _typed(value, _TYPES[key]):
                kind = _TYPES[key]
                raise _file_error(path, text, "runs", key, f"must be {kind.__name__ if kind is not dict else 'a table'}. Got {value!r}.", i)
            kwargs[key] = value
        runs.append(Run(**kwargs))
    if runs and runs_all:
        raise _file_error(path, text, "experiment", "runs", 'give either runs = "all" or [[runs]] tables, not both.')
    experiment = Experiment(**values, runs=tuple(runs))
    if runs_all:
        experiment = experiment.with_runs(["all"])
    _check_semantics(experiment, path, text)
    return experiment


def _check_semantics(experiment: Experiment, path: Path, text: str) -> None:
    """Validate every run's settings now, so a bad value is reported with its file and line."""
    from .training import check_experiment_run

    for i, run in enumerate(experiment.resolved_runs()):
        try:
            check_experiment_run(experiment, run)
        except ConfigError as exc:
            key = _guess_key(str(exc))
            line = None
            if key:
                line = _line_of(text, "runs", key, i) or _line_of(text, "training", key) or _line_of(text, "model", key) \
                    or _line_of(text, "data", key)
            where = f"{path}, line {line}" if line else str(path)
            raise ConfigError(f"{where}: {exc}") from None


def _guess_key(message: str) -> str | None:
    match = re.search(r"'([A-Za-z_0-9]+)' parameter", message) or re.search(r"hyperparameter '([A-Za-z_0-9]+)'", message)
    if match:
        return match.group(1)
    if "Unknown optimizer" in message:
        return "optimizer"
    if "Unknown schedule" in message:
        return "schedule"
    return None
