"""Reading results folders back: :func:`load_results` for one folder, :func:`list_runs` for many.

A results folder (format 1, see :mod:`dlbench.results.writer`) holds ``config.json``, ``curves.csv``,
``summary.csv`` and, when the run produced them, ``stats.csv``, ``tuning.csv`` and
``profile.csv``. Folders written before ``config.json`` had a ``"format"`` key are read as
format 1; those also lack the ``problem`` column, which is then filled from the configuration.
Anything unreadable raises :class:`~dlbench.errors.DlbenchError` naming the file and what is
wrong with it.
"""

from __future__ import annotations

import datetime as _dt
import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ..errors import ConfigError, DlbenchError

__all__ = ["Results", "load_results", "list_runs", "compute_stats", "ordered_labels", "FORMAT"]

FORMAT = 1
"""The results-folder format this module reads."""

# Columns without which a table is useless; optional columns missing from older folders are added empty.
_REQUIRED = {
    "curves.csv": ("optimizer", "seed", "epoch", "loss"),
    "summary.csv": ("optimizer", "seed", "final_loss"),
    "stats.csv": ("problem", "optimizer", "runs", "diverged", "final_loss_mean"),
    "tuning.csv": ("problem", "optimizer", "lr", "val_loss"),
    "profile.csv": ("optimizer", "tau", "rho"),
}
_OPTIONAL = {
    "curves.csv": ("accuracy", "rmse", "r2", "test_loss", "test_accuracy", "test_rmse", "test_r2", "lr", "elapsed_s"),
    "summary.csv": ("final_accuracy", "best_loss", "test_loss", "test_accuracy", "final_rmse", "final_r2", "test_rmse",
                    "test_r2", "diverged", "converged", "epochs_run", "lr", "train_seconds", "time_ratio"),
    "stats.csv": tuple(f"{m}_{s}" for m in ("final_loss", "best_loss", "final_accuracy", "test_loss", "test_accuracy",
                                             "final_rmse", "final_r2", "test_rmse", "test_r2", "train_seconds")
                       for s in ("mean", "std", "ci_low", "ci_high", "min", "max")
                       if (m, s) != ("final_loss", "mean")) + ("time_ratio", "time_ratio_std"),
    "tuning.csv": ("trial", "val_accuracy", "val_rmse", "val_r2", "diverged", "selected"),
    "profile.csv": ("score",),
}
_BOOL_COLUMNS = {"summary.csv": ("diverged", "converged"), "tuning.csv": ("diverged", "selected")}


@dataclass
class Results:
    """One results folder, loaded: its configuration and its tidy tables (pandas DataFrames).

    ``stats``, ``tuning`` and ``profile`` are ``None`` when the folder has no such file.
    """

    folder: Path
    config: dict
    curves: Any
    summary: Any
    stats: Any = None
    tuning: Any = None
    profile: Any = None
    _computed_stats: Any = field(default=None, repr=False, compare=False)

    @property
    def name(self) -> str:
        """The experiment's name (``"results"`` when the configuration does not say)."""
        experiment = self.config.get("experiment") or {}
        return str(experiment.get("name") or "results")

    @property
    def problems(self) -> list[str]:
        """Problem names, in the order of the configuration (then of the tables)."""
        names = [str(p) for p in self.config.get("problems") or []]
        for frame in (self.summary, self.curves):
            for p in frame["problem"].astype(str).unique():
                if p not in names:
                    names.append(p)
        return names

    @property
    def optimizers(self) -> list[str]:
        """Optimizer labels in the one canonical order: the registry's, then unknown labels sorted."""
        return ordered_labels(set(self.summary["optimizer"].astype(str)) | set(self.curves["optimizer"].astype(str)))

    @property
    def seeds(self) -> int:
        """Seeds per run (the largest count over runs)."""
        if self.summary.empty:
            return int(self.config.get("seeds") or 1)
        return int(self.summary.groupby(["problem", "optimizer"])["seed"].nunique().max())

    def task(self, problem: str) -> str:
        """The task ``problem`` was trained as: from ``config.json``'s ``datasets``, else read off
        the summary (R² recorded: ``regression``), else ``binary`` (folders older than tasks)."""
        info = (self.config.get("datasets") or {}).get(problem)
        if isinstance(info, dict) and info.get("task"):
            return str(info["task"])
        rows = self.summary[self.summary["problem"] == problem]
        if len(rows) and rows["final_r2"].notna().any() and rows["final_accuracy"].isna().all():
            return "regression"
        return "binary"

    def is_regression(self, problem: str) -> bool:
        """Whether ``problem`` is a regression (RMSE and R² are shown where accuracy would be)."""
        return self.task(problem) == "regression"

    @property
    def has_test(self) -> bool:
        """Whether the curves hold test-split losses."""
        return bool(self.curves["test_loss"].notna().any())

    @property
    def targets(self) -> dict[str, tuple[str, float]]:
        """Problem to its time-to-target goal ``(metric, value)``; config.json holds either one
        ``{"metric", "value"}`` for every problem or one such object per problem name."""
        target = self.config.get("target")
        if not isinstance(target, dict) or not target:
            return {}
        if "metric" in target:
            return {p: (str(target["metric"]), target.get("value")) for p in self.problems}
        return {str(p): (str(t.get("metric")), t.get("value")) for p, t in target.items() if isinstance(t, dict)}

    def target_text(self) -> str:
        """``"target: loss ≤ 0.1"``, or per problem when they differ; empty without targets."""
        def goal(metric, value):
            higher = "accuracy" in metric or metric.endswith("r2")
            return f"{metric} {'≥' if higher else '≤'} {value:g}" if isinstance(value, (int, float)) \
                else f"{metric} {value}"

        targets = self.targets
        if not targets:
            return ""
        if len(set(targets.values())) == 1:
            return "target: " + goal(*next(iter(targets.values())))
        return "targets: " + ", ".join(f"{p} {goal(*t)}" for p, t in targets.items())

    def data_text(self) -> str:
        """The data in a few words: ``"100 samples, 10 features"`` (per problem when they differ),
        plus the test split when there is one."""
        e = self.config.get("experiment") or {}
        specs = [p for p in e.get("problems") or [] if isinstance(p, dict)]
        if not specs:
            specs = [{"name": self.problems[0] if self.problems else "", "n_samples": e.get("n_samples"),
                      "n_features": e.get("n_features")}]
        datasets = self.config.get("datasets") or {}
        specs = [{**p, **{k: datasets[p.get("name")][k] for k in ("n_samples", "n_features")
                          if isinstance(datasets.get(p.get("name")), dict) and k in datasets[p.get("name")]}}
                 for p in specs]
        sizes = {(p.get("n_samples"), p.get("n_features")) for p in specs}

        def size(n, d):
            return ", ".join(x for x in (f"{n} samples" if n else "", f"{d} features" if d else "") if x)

        if len(sizes) == 1:
            text = size(*next(iter(sizes)))
        else:
            text = "; ".join(f"{p.get('name')}: {size(p.get('n_samples'), p.get('n_features'))}" for p in specs)
        fraction = e.get("test_fraction")
        if isinstance(fraction, (int, float)) and fraction > 0:
            text += f" ({fraction:.0%} held out for test)"
        return text

    def aggregate(self):
        """``stats`` when the folder has it, else the same table computed from ``summary``."""
        if self.stats is not None:
            return self.stats
        if self._computed_stats is None:
            self._computed_stats = compute_stats(self.summary)
        return self._computed_stats


def ordered_labels(labels) -> list[str]:
    """Registered optimizer names in registry order, then any other labels sorted."""
    from ..optimizers import OPTIMIZERS

    labels = {str(x) for x in labels}
    return [n for n in OPTIMIZERS if n in labels] + sorted(labels - set(OPTIMIZERS))


def _fail(folder: Path, what: str) -> DlbenchError:
    return DlbenchError(f"Cannot read results folder '{folder}': {what}")


def _read_config(folder: Path) -> dict:
    if not folder.exists():
        raise _fail(folder, "no such folder.")
    if not folder.is_dir():
        raise _fail(folder, "not a folder.")
    path = folder / "config.json"
    if not path.is_file():
        raise _fail(folder, "no config.json (is this a dlbench results folder?).")
    try:
        config = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError) as exc:
        raise _fail(folder, f"cannot read config.json ({exc}).") from None
    except json.JSONDecodeError as exc:
        raise _fail(folder, f"config.json is not valid JSON (line {exc.lineno}, column {exc.colno}: {exc.msg}).") from None
    if not isinstance(config, dict):
        raise _fail(folder, f"config.json holds a {type(config).__name__}, not an object.")
    fmt = config.get("format", FORMAT)  # folders written before the key existed are format 1
    if isinstance(fmt, bool) or fmt != FORMAT:
        raise _fail(folder, f"config.json has format {fmt!r}; this version of dlbench reads format {FORMAT} "
                            f"(written by a {'newer' if isinstance(fmt, int) and fmt > FORMAT else 'different'} dlbench?).")
    _check_config(folder, config)
    return config


_CONFIG_TYPES = {
    "experiment": (dict,), "timing": (dict,), "problems": (list,), "runs": (list, type(None)),
    "datasets": (dict, type(None)), "networks": (dict, type(None)), "seeds": (int,), "target": (dict, type(None)),
    "tuning": (dict, type(None)), "command": (str,), "kind": (str,), "state": (str,), "environment": (dict,),
    "completed_runs": (int,), "planned_runs": (int,), "interrupted": (bool,),
}
_TIMING_TYPES = {"compile_seconds": (int, float), "compile_source": (str,), "repeats": (int,), "jobs": (int,)}
_TYPE_WORDS = {dict: "an object", list: "a list", int: "an integer", float: "a number", str: "a string",
               bool: "true or false", type(None): "null"}


def _check_config(folder: Path, config: dict) -> None:
    """Every key of ``config.json`` that dlbench reads has the type it writes (older folders may
    lack keys); the experiment is one dlbench can rebuild."""
    def check(where: str, value, kinds) -> None:
        ok = isinstance(value, kinds) and not (isinstance(value, bool) and bool not in kinds)
        if not ok:
            want = " or ".join(_TYPE_WORDS[k] for k in kinds)
            raise _fail(folder, f"config.json: {where} must be {want}, not {type(value).__name__} {value!r:.60}.")

    for key, kinds in _CONFIG_TYPES.items():
        if key in config:
            check(f"'{key}'", config[key], kinds)
    for key, kinds in _TIMING_TYPES.items():
        if key in config.get("timing", {}):
            check(f"'timing.{key}'", config["timing"][key], kinds)
    if "experiment" in config:
        from ..study.experiment import Experiment

        try:
            exp = Experiment.from_dict(config["experiment"])
            exp.resolved_problems()
            int(exp.epochs)
            int(exp.seeds)
        except Exception as exc:
            first = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
            raise _fail(folder, f"config.json: 'experiment' is not an experiment dlbench can read ({first}).") from None


def _complete_text(folder: Path, name: str, running: bool) -> str:
    """The text of ``folder/name`` up to its last complete line. A last line without its newline
    was being written when the process stopped: ignored while the folder is ``running`` (or was
    killed), an error in a finished folder."""
    try:
        data = (folder / name).read_bytes()
    except OSError as exc:
        raise _fail(folder, f"cannot read {name} ({exc.strerror or exc}).") from None
    if data and not data.endswith(b"\n"):
        if not running:
            raise _fail(folder, f"{name} is truncated (its last line is incomplete).")
        data = data[: data.rfind(b"\n") + 1]
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise _fail(folder, f"{name} is not UTF-8 text ({exc.reason} at byte {exc.start}).") from None


def exact_floats() -> dict:
    """``read_csv`` options that read every float back exactly as written (its shortest repr):
    pandas 3 does by default (and deprecates the option); pandas 2 needs ``float_precision``."""
    import pandas as pd

    return {} if int(pd.__version__.split(".")[0]) >= 3 else {"float_precision": "round_trip"}


def _read_csv(folder: Path, name: str, required: bool = True, header_only: bool = False, running: bool = False):
    import io

    import pandas as pd

    path = folder / name
    if not path.is_file():
        if required:
            raise _fail(folder, f"{name} is missing.")
        return None
    try:
        text = _complete_text(folder, name, running)
        if header_only:
            text = text.partition("\n")[0] + "\n"
        frame = pd.read_csv(io.StringIO(text), **exact_floats())
    except pd.errors.EmptyDataError:
        raise _fail(folder, f"{name} is empty (no header).") from None
    except (pd.errors.ParserError, UnicodeDecodeError, ValueError, OSError) as exc:
        first = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        raise _fail(folder, f"{name} cannot be parsed as CSV ({first}).") from None
    missing = [c for c in _REQUIRED[name] if c not in frame.columns]
    if missing:
        raise _fail(folder, f"{name} misses the column(s) {', '.join(missing)} "
                            f"(needs {', '.join(_REQUIRED[name])}).")
    return frame


def _default_problem(config: dict) -> str:
    problems = config.get("problems") or []
    if problems:
        return str(problems[0])
    return str((config.get("experiment") or {}).get("problem") or "problem")


def _normalise(frame, name: str, config: dict, folder: Path):
    """Fill columns that older folders lack, coerce booleans and numbers."""
    import numpy as np
    import pandas as pd

    if "problem" not in frame.columns and name != "profile.csv":
        frame.insert(0, "problem", _default_problem(config))
    if "problem" in frame.columns:
        frame["problem"] = frame["problem"].astype(str)
    if "optimizer" in frame.columns:
        frame["optimizer"] = frame["optimizer"].astype(str)
    booleans = _BOOL_COLUMNS.get(name, ())
    for column in _OPTIONAL.get(name, ()):
        if column not in frame.columns:
            frame[column] = False if column in booleans else np.nan
    for column in booleans:
        if column in frame.columns and frame[column].dtype != bool:
            mapped = frame[column].map(
                lambda v: v if isinstance(v, (bool, np.bool_)) else
                {"true": True, "false": False, "1": True, "0": False, "1.0": True, "0.0": False}.get(str(v).strip().lower(), False)
            )
            frame[column] = mapped.astype(bool)
    for column in _REQUIRED[name] + _OPTIONAL.get(name, ()):
        if column in ("problem", "optimizer") or column in booleans:
            continue
        if not pd.api.types.is_numeric_dtype(frame[column]) or pd.api.types.is_bool_dtype(frame[column]):
            converted = pd.to_numeric(frame[column], errors="coerce")
            bad = converted.isna() & frame[column].notna() & (frame[column].astype(str).str.strip() != "")
            if bad.any():
                row = int(bad.idxmax())
                raise _fail(folder, f"{name}, column {column}: {frame[column][row]!r} (data row {row + 1}) is not a number.")
            frame[column] = converted
    return frame


def _load(folder: str | Path, curves: bool = True) -> Results:
    folder = Path(folder)
    config = _read_config(folder)
    running = config.get("state") == "running"
    tables = {}
    for name in ("summary.csv", "curves.csv", "stats.csv", "tuning.csv", "profile.csv"):
        required = name in ("summary.csv", "curves.csv")
        frame = _read_csv(folder, name, required=required, header_only=(name == "curves.csv" and not curves),
                          running=running)
        tables[name] = None if frame is None else _normalise(frame, name, config, folder)
    if "state" in config:  # written by a dlbench that records its state: the files must agree
        _consistent(folder, config, tables, curves)
    if running:  # being written, or killed: the final tables are computed from the rows so far
        tables["stats.csv"] = tables["profile.csv"] = None
        summary = tables["summary.csv"]
        if len(summary) and "train_seconds_std" in summary:
            from ..study.compare import final_summary

            problems = [str(p) for p in config.get("problems") or []]
            problems += [p for p in summary["problem"].unique() if p not in problems]
            tables["summary.csv"] = final_summary(summary.drop(columns=["time_ratio", "time_ratio_std"], errors="ignore"),
                                                  problems)
    return Results(
        folder=folder, config=config, curves=tables["curves.csv"], summary=tables["summary.csv"],
        stats=tables["stats.csv"], tuning=tables["tuning.csv"], profile=tables["profile.csv"],
    )


def _consistent(folder: Path, config: dict, tables: dict, with_curves: bool) -> None:
    """The files of one folder name the same runs: every run of ``summary.csv`` has its whole
    curve in ``curves.csv`` (``epochs_run + 1`` rows, or as many as its recording stride keeps:
    :func:`dlbench.training.recorded_count`), ``config.json`` lists as many runs as
    ``summary.csv`` holds (a finished folder), ``stats.csv`` covers the summary's optimizers. In a
    ``running`` folder (or one whose process was killed) curve rows of a run whose summary row was
    not written yet are dropped; elsewhere they are an error."""
    import pandas as pd

    from ..training import recorded_count

    summary, curves = tables["summary.csv"], tables["curves.csv"]
    running = config.get("state") == "running"
    runs = config.get("runs")
    if not running and isinstance(runs, list) and len(runs) != len(summary):
        raise _fail(folder, f"summary.csv holds {len(summary)} run(s) but config.json lists {len(runs)} "
                            "(truncated or edited?).")
    if with_curves and "epochs_run" in summary:
        keys = ["problem", "optimizer", "seed"]
        sizes = curves.groupby(keys, sort=False).size()
        every = config["curves"].get("record_every") if isinstance(config.get("curves"), dict) else 1  # older: all
        hit = summary["epochs_to_target"] if "epochs_to_target" in summary else None
        expected = pd.Series(recorded_count(summary["epochs_run"].to_numpy(), every,
                                            None if hit is None else hit.to_numpy()),
                             index=summary.set_index(keys).index)
        have = sizes.reindex(expected.index).fillna(0)
        short = have.to_numpy() != expected.to_numpy()
        if short.any():
            i = int(short.argmax())
            p, o, seed = expected.index[i]
            raise _fail(folder, f"curves.csv holds {int(have.iloc[i])} row(s) of run {o!r} (problem {p!r}, seed "
                                f"{seed}) where summary.csv says {int(expected.iloc[i])} (truncated or edited?).")
        extra = ~sizes.index.isin(expected.index)
        if extra.any():
            if not running:
                p, o, seed = sizes.index[int(extra.argmax())]
                raise _fail(folder, f"curves.csv holds run {o!r} (problem {p!r}, seed {seed}), which summary.csv "
                                    "lacks (truncated or edited?).")
            index = curves.set_index(keys).index
            tables["curves.csv"] = curves[index.isin(expected.index)].reset_index(drop=True)
    stats = tables.get("stats.csv")
    if stats is not None and not running and len(summary):
        want = set(zip(summary["problem"], summary["optimizer"]))
        have = set(zip(stats["problem"], stats["optimizer"]))
        if want != have:
            raise _fail(folder, f"stats.csv covers {len(have)} problem/optimizer pair(s) where summary.csv has "
                                f"{len(want)} (truncated or edited?).")


def load_results(folder: str | Path) -> Results:
    """Load the results folder ``folder`` (format 1).

    Raises :class:`~dlbench.errors.DlbenchError` when the folder is missing, has no readable
    ``config.json`` of a known format, or a table is missing, unparsable or lacks columns.
    """
    return _load(folder, curves=True)


# --- statistics over seeds (for folders without stats.csv) -------------------------------------

def compute_stats(summary):
    """``stats.csv``'s table from ``summary.csv``'s (:func:`dlbench.study.stats.aggregate`: metrics over
    the seeds that did not diverge, 95% Student-t intervals)."""
    from ..study.stats import aggregate

    return aggregate(summary)


# --- listing ------------------------------------------------------------------------------------

def _best(results: Results, rank_by: str | None = None) -> str:
    """The optimizer ranked first (:mod:`dlbench.results.ranking`: by ``rank_by``, default the
    test loss with a test split, else the final loss; mean over the seeds that did not diverge),
    per problem when there are several: the first row of the table ``dlbench show`` prints."""
    from .ranking import best_per_problem

    summary = results.summary
    if summary.empty:
        return ""
    try:
        best = best_per_problem(summary, rank_by)
    except ConfigError:  # ranked by a metric this folder does not have
        from .ranking import metric_words

        return f"— (no {metric_words(rank_by)})"
    parts = [(p, best[p] or "none (all diverged)") for p in results.problems if p in best]
    if len(parts) == 1:
        return parts[0][1]
    return ", ".join(f"{p}: {b}" for p, b in parts)


def _date_of(folder: Path, config: dict | None) -> _dt.datetime:
    """Local time the folder was written: config's date, else the folder name's stamp, else its mtime."""
    date = ((config or {}).get("environment") or {}).get("date")
    if isinstance(date, str):
        try:
            parsed = _dt.datetime.fromisoformat(date)
            return parsed.astimezone().replace(tzinfo=None) if parsed.tzinfo else parsed
        except ValueError:
            pass
    try:
        return _dt.datetime.strptime(folder.name[:15], "%Y%m%d-%H%M%S")
    except ValueError:
        return _dt.datetime.fromtimestamp(folder.stat().st_mtime)


def list_runs(root: str | Path = "results", rank_by: str | None = None):
    """One row per results folder under ``root``, newest first.

    Columns: ``id`` (folder name), ``date`` (local, ``YYYY-MM-DD HH:MM:SS``), ``command``,
    ``problems`` (comma-separated), ``optimizers`` (how many), ``best`` (the first of the table
    ``dlbench show`` prints, ranked by ``rank_by``: :func:`_best`; ``"p1: adam, p2: sgd"`` with several problems), ``path`` and ``error`` (empty, or why the
    folder cannot be read: such folders are listed, never raised). A missing ``root`` gives an
    empty table.
    """
    import pandas as pd

    from .ranking import check_metric

    check_metric(rank_by)
    columns = ["id", "date", "command", "problems", "optimizers", "best", "path", "error"]
    root = Path(root)
    rows = []
    folders = sorted(p for p in root.iterdir() if p.is_dir() and not p.name.startswith(".")) if root.is_dir() else []
    for folder in folders:
        config = None
        row = {"id": folder.name, "command": "", "problems": "", "optimizers": 0, "best": "", "path": str(folder), "error": ""}
        try:
            results = _load(folder, curves=False)
            config = results.config
            row.update(command=str(config.get("command") or ""), problems=", ".join(results.problems),
                       optimizers=len(set(results.summary["optimizer"])), best=_best(results, rank_by))
        except DlbenchError as exc:
            row["error"] = str(exc).split("': ", 1)[-1]
        except Exception as exc:  # one bad folder never stops the listing
            row["error"] = f"{type(exc).__name__}: {exc}"
        try:
            if config is None and (folder / "config.json").is_file():
                config = json.loads((folder / "config.json").read_text(encoding="utf-8"))
                row["command"] = str(config.get("command") or "") if isinstance(config, dict) else ""
        except Exception:
            config = None
        when = _date_of(folder, config if isinstance(config, dict) else None)
        row["_when"] = when
        row["date"] = when.strftime("%Y-%m-%d %H:%M:%S")
        rows.append(row)
    frame = pd.DataFrame(rows, columns=columns + ["_when"])
    if frame.empty:
        return frame.drop(columns="_when")
    frame = frame.sort_values(["_when", "id"], ascending=False, kind="stable").drop(columns="_when")
    return frame.reset_index(drop=True)
