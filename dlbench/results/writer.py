"""Result folders: a new, never-overwritten folder per command, written atomically.

Each folder holds ``config.json`` (the full configuration, each problem's data set and network as
trained, the command line, the versions of dlbench, NumPy, Numba, pandas and Python, the CPU and
the date), ``summary.csv`` (one row per run and seed) and ``curves.csv`` (one row per run, seed
and epoch).
"""

from __future__ import annotations

import datetime as _dt
import json
import os
import platform
import secrets
import sys
import tempfile
from pathlib import Path
from typing import Any

from ..errors import DlbenchError
from ..training import CURVE_POINTS

__all__ = ["new_results_dir", "write_text_atomic", "write_json_atomic", "write_csv_atomic", "environment", "ResultsWriter",
           "csv_line", "read_raw", "JOURNAL", "STATE_RUNNING", "STATE_FINISHED", "STATE_INTERRUPTED"]


def new_results_dir(root: str | Path, command: str) -> Path:
    """Create ``root/YYYYMMDD-HHMMSS-<command>-<random>`` (never an existing folder)."""
    root = Path(root)
    stamp = _dt.datetime.now().strftime("%Y%m%d-%H%M%S")
    try:
        root.mkdir(parents=True, exist_ok=True)
        for _ in range(100):
            path = root / f"{stamp}-{command}-{secrets.token_hex(2)}"
            try:
                path.mkdir()
                return path
            except FileExistsError:
                continue
    except OSError as exc:
        raise DlbenchError(f"Cannot write results to '{root}': {exc.strerror or exc}.") from None
    raise DlbenchError(f"Cannot find a new folder name under '{root}'.")  # pragma: no cover


def _file_mode() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return 0o666 & ~mask


_MODE = _file_mode()
"""Permissions of a new file under the process umask (``mkstemp`` would make it private)."""


def write_text_atomic(path: Path, text: str) -> None:
    """Write ``text`` to a temporary file beside ``path``, then rename it over ``path``."""
    path = Path(path)
    try:
        fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
        try:
            with os.fdopen(fd, "w", encoding="utf-8", newline="") as handle:
                handle.write(text)
                handle.flush()
                os.fsync(handle.fileno())
            os.chmod(tmp, _MODE)
            os.replace(tmp, path)
        except BaseException:
            if os.path.exists(tmp):
                os.unlink(tmp)
            raise
    except OSError as exc:
        raise DlbenchError(f"Cannot write '{path}': {exc.strerror or exc}.") from None


def write_json_atomic(path: Path, data: Any) -> None:
    write_text_atomic(path, json.dumps(data, indent=2, sort_keys=False, default=_json_default) + "\n")


def write_csv_atomic(path: Path, frame) -> None:
    """CSV with every float written so that it reads back exactly (shortest round-trip repr)."""
    write_text_atomic(path, frame.to_csv(index=False, lineterminator="\n"))


def _json_default(value):
    import numpy as np

    if isinstance(value, (np.integer,)):
        return int(value)
    if isinstance(value, (np.floating,)):
        return float(value)
    if isinstance(value, (tuple, set)):
        return list(value)
    if isinstance(value, Path):
        return str(value)
    raise TypeError(f"not JSON serialisable: {type(value).__name__}")


def _cpu() -> str:
    try:
        with open("/proc/cpuinfo", encoding="utf-8") as handle:
            for line in handle:
                if line.startswith("model name"):
                    return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or platform.machine()


def _version(name: str) -> str:
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version(name)
    except PackageNotFoundError:
        return "not installed"


def environment() -> dict[str, Any]:
    """Versions, machine, date and compiled code: what produced a result. The versions are read
    from the installed packages' metadata (importing Numba or pandas only to ask would cost half
    a second); ``kernels`` says whether the training loop ran from the native module (its file)
    or through Numba's JIT (:mod:`dlbench.kernels.native`)."""
    from .. import __version__

    return {
        "dlbench": __version__,
        "numpy": _version("numpy"),
        "numba": _version("numba"),
        "llvmlite": _version("llvmlite"),
        "pandas": _version("pandas"),
        "python": sys.version.split()[0],
        "platform": platform.platform(),
        "cpu": _cpu(),
        "cpu_count": os.cpu_count(),
        "kernels": _kernels(),
        "date": _dt.datetime.now(_dt.timezone.utc).isoformat(timespec="microseconds"),
    }


def _kernels() -> str:
    training = sys.modules.get("dlbench.training")
    loaded = training.loaded_kernels() if training is not None else []
    return "; ".join(loaded) if loaded else "not loaded"


FORMAT = 1
"""Version of the results-folder layout (see the README's table of files and columns)."""


def _config(comparison, extra: dict[str, Any] | None, state: str = "finished", entries=None) -> dict[str, Any]:
    exp = comparison.experiment
    problems = exp.resolved_problems()
    targets = {p.name: {"metric": p.target.metric, "value": p.target.value} for p in problems if p.target is not None}
    return {
        "format": FORMAT,
        "experiment": exp.to_dict(),
        "problems": [p.name for p in problems],
        "datasets": comparison.datasets,
        "networks": comparison.networks,
        "memory_estimate_bytes": comparison.memory_bytes,
        "seeds": exp.seeds,
        "tuning": (
            {"parameter": exp.tune, "budget": exp.budget, "trials": exp.n_trials, "val_fraction": exp.val_fraction,
             "grid": [float(v) for v in _grid(exp)], "selected_lr": [
                 {"problem": p, "optimizer": o, "lr": lr} for (p, o), lr in comparison.selected_lr.items()],
             **_space(exp, comparison)}
            if exp.n_trials else None
        ),
        "target": targets or None,
        "curves": {"record_every": getattr(comparison, "record_every", None),
                   "what": "curves.csv keeps every epoch of a run up to %d epochs; beyond, or with --record-every K, "
                           "every K-th epoch from 0 plus the last one and the time-to-target epoch (summary.csv is "
                           "always computed from every epoch)" % CURVE_POINTS},
        "runs": entries if entries is not None else [_run_entry(rec) for rec in comparison.records],
        "timing": {
            "what": "train_seconds is the median wall time of the compiled training loop over timing_repeats "
            "identical runs (held-out evaluation and compilation left out); compile_seconds is the one-off time to "
            "compile or load the kernels.",
            "repeats": comparison.repeat,
            "jobs": comparison.jobs,
            "compile_seconds": comparison.compile_seconds,
            "compile_source": comparison.compile_source,
        },
        "completed_runs": len(entries) if entries is not None else len(comparison.finished),
        "planned_runs": comparison.planned,
        "interrupted": state == "interrupted",
        "state": state,
        "resume": getattr(comparison, "resume_key", None),
        "environment": environment(),
        **(extra or {}),
    }


def _grid(exp):
    from ..study.compare import lr_grid
    from ..study.tuning import is_multi

    return [] if is_multi(exp) else lr_grid(exp)


def _space(exp, comparison) -> dict:
    """Several tuned hyperparameters: their search spaces and the selected trials."""
    from ..study.tuning import is_multi, search_space

    if not is_multi(exp):
        return {}
    return {"search": "scrambled Halton", "space": [vars(s) for s in search_space(exp)],
            "selected_trial": [{"problem": p, "optimizer": o, "trial": t}
                               for (p, o), t in getattr(comparison, "selected_trial", {}).items()]}


STATE_RUNNING, STATE_FINISHED, STATE_INTERRUPTED = "running", "finished", "interrupted"
"""``config.json``'s ``state``: being written (or killed while it was), complete, or stopped early."""
JOURNAL = ".runs.jsonl"
"""Hidden journal of a folder being written: one line (the run's entry of ``config.json``'s ``runs``)
per finished final run, merged into ``config.json`` when the comparison ends."""


def _columns(comparison=None):
    from ..study.compare import CURVE_COLUMNS, SUMMARY_COLUMNS, TUNING_COLUMNS, tuning_columns

    return SUMMARY_COLUMNS[:-2], CURVE_COLUMNS, (tuning_columns(comparison.experiment) if comparison else TUNING_COLUMNS)


def csv_line(values) -> str:
    """One CSV line (``\n``-terminated) of ``values`` as pandas writes and reads them back exactly:
    floats as their shortest round-trip repr, NaN and ``None`` empty, booleans ``True``/``False``,
    text quoted only where needed."""
    import csv
    import io
    import math

    cells = []
    for v in values:
        if v is None:
            cells.append("")
        elif isinstance(v, bool) or type(v).__name__ == "bool_":
            cells.append("True" if v else "False")
        elif isinstance(v, float) or type(v).__name__ in ("float64", "float32"):
            f = float(v)
            cells.append("" if math.isnan(f) else repr(f))
        else:
            cells.append(str(int(v)) if type(v).__name__.startswith(("int", "uint")) else str(v))
    out = io.StringIO()
    csv.writer(out, lineterminator="\n").writerow(cells)
    return out.getvalue()


def _append(path: Path, text: str) -> None:
    """Append ``text`` to ``path`` in one ``write`` (a process killed meanwhile leaves at most one
    incomplete last line, which the reader ignores)."""
    if not text:
        return
    data = text.encode("utf-8")
    try:
        fd = os.open(path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, _MODE)
        try:
            while data:
                data = data[os.write(fd, data):]
        finally:
            os.close(fd)
    except OSError as exc:
        raise DlbenchError(f"Cannot write '{path}': {exc.strerror or exc}.") from None


def _trial_cells(comparison, rec) -> list:
    from ..study.compare import _last, _metrics

    from ..study.compare import tuned_columns

    r = rec.result
    m = _metrics(r)
    given = dict(rec.task.hypers)  # several tuned hyperparameters: one column each (NaN where not taken)
    extra = [given.get(name, float("nan")) for name in tuned_columns(comparison.experiment)]
    return [rec.task.problem.name, rec.run.name, rec.task.trial, r.lr, *extra, _last(r.test_losses),
            _last(m["test_accuracy"]), _last(m["test_rmse"]), _last(m["test_r2"]), bool(r.diverged), False]


def _run_entry(rec) -> dict:
    return {
        "problem": rec.task.problem.name,
        "label": rec.run.name,
        "optimizer": rec.result.optimizer,
        "repetition": rec.task.repetition,
        "seed": rec.seed,
        "lr": rec.result.lr,
        "batch_size": rec.result.batch_size,
        "hyperparameters": rec.result.hyperparameters,
        "schedule": rec.result.schedule,
        "schedule_params": rec.result.schedule_params,
        "loss": rec.result.loss,
        "task": rec.result.task,
        "activation": rec.result.activation,
    }


def read_raw(path: Path, text_columns=("problem", "optimizer", "rule", "schedule")):
    """A table this module wrote, read back exactly: floats with round-trip precision, only empty
    cells missing (a label ``"NA"`` stays text), text columns as text."""
    import pandas as pd

    header = pd.read_csv(path, nrows=0).columns
    from .reader import exact_floats

    return pd.read_csv(path, keep_default_na=False, **exact_floats(),
                       na_values={c: [""] for c in header if c not in text_columns},
                       dtype={c: str for c in text_columns if c in header})


class ResultsWriter:
    """Keeps a results folder up to date as trainings finish, appending what is new so the cost
    per run stays the same however many came before.

    At the start, ``config.json`` (``state: "running"``) and the headers of ``curves.csv``,
    ``summary.csv`` (and ``tuning.csv``) are written. Each finished tuning trial appends its row
    to ``tuning.csv``; once the rates are selected, ``tuning.csv`` is rewritten once with the
    ``selected`` column and ``config.json`` with the rates. Each finished final run appends its
    curve to ``curves.csv``, its entry to the hidden journal :data:`JOURNAL` and then its row to
    ``summary.csv`` (so a run in ``summary.csv`` has its whole curve). At the end (or on Ctrl-C)
    :meth:`finish` writes the final ``summary.csv`` (sorted, times relative to the fastest),
    ``stats.csv``, ``profile.csv`` and ``config.json``, each atomically. A process killed at any
    moment leaves a folder that :func:`dlbench.results.reader.load_results` reads (it ignores an
    incomplete last line and curves without a summary row) and ``dlbench resume`` continues.
    """

    def __init__(self, folder: Path, extra: dict[str, Any] | None = None, every: float = 0.5, resumed: bool = False):
        self.folder = Path(folder)
        self.extra = extra
        self.every = every
        self.started = resumed
        self.in_order = True
        self._last_run = None

    def start(self, comparison) -> None:
        """Write ``config.json`` (state ``running``) and the tables' headers."""
        summary, curves, tuning = _columns(comparison)
        write_json_atomic(self.folder / "config.json", _config(comparison, self.extra, STATE_RUNNING, []))
        write_text_atomic(self.folder / "summary.csv", ",".join(summary) + "\n")
        write_text_atomic(self.folder / "curves.csv", ",".join(curves) + "\n")
        if comparison.experiment.n_trials:
            write_text_atomic(self.folder / "tuning.csv", ",".join(tuning) + "\n")
        self.started = True

    def _ensure(self, comparison) -> None:
        if not self.started:
            self.start(comparison)

    def add_trial(self, comparison, record) -> None:
        """Append one finished tuning trial to ``tuning.csv``."""
        self._ensure(comparison)
        _append(self.folder / "tuning.csv", csv_line(_trial_cells(comparison, record)))

    def tuned(self, comparison) -> None:
        """The rates are selected: rewrite ``tuning.csv`` in task order with ``selected``, and
        ``config.json`` with the rates."""
        self._ensure(comparison)
        self._final_tuning(comparison)
        write_json_atomic(self.folder / "config.json", _config(comparison, self.extra, STATE_RUNNING, self.entries()))

    def add_run(self, comparison, record) -> None:
        """Append one finished final run: its curve, its journal entry, then its summary row."""
        self._ensure(comparison)
        text = record.curve(comparison.record_every).to_csv(index=False, lineterminator="\n")
        _append(self.folder / "curves.csv", text.partition("\n")[2])
        _append(self.folder / JOURNAL, json.dumps(_run_entry(record), default=_json_default) + "\n")
        summary, _, _ = _columns()
        row = dict(record.row, compile_seconds=comparison.compile_seconds)
        _append(self.folder / "summary.csv", csv_line([row[c] for c in summary]))
        if self._last_run is not None and record.task.index < self._last_run:
            self.in_order = False
        self._last_run = record.task.index

    def update(self, comparison, force: bool = True) -> None:
        """Write a whole finished comparison at once (what :meth:`start`, the appends and
        :meth:`finish` write as it runs); on a folder already being written, :meth:`finish`."""
        if not self.started:
            self.start(comparison)
            for key in sorted(comparison.trials):
                self.add_trial(comparison, comparison.trials[key])
            if comparison.trials:
                self.tuned(comparison)
            for record in comparison.records:
                self.add_run(comparison, record)
        self.finish(comparison)

    def entries(self) -> list[dict]:
        """The journal's run entries (``config.json``'s ``runs``), complete lines only."""
        path = self.folder / JOURNAL
        if not path.is_file():
            return []
        out = []
        for line in path.read_text(encoding="utf-8").split("\n"):
            try:
                out.append(json.loads(line))
            except ValueError:
                continue
        return out

    def _order(self, comparison):
        exp = comparison.experiment
        problems = [p.name for p in exp.resolved_problems()]
        runs = [r.name for r in exp.resolved_runs()]
        return problems, runs

    def _final_tuning(self, comparison) -> None:
        path = self.folder / "tuning.csv"
        if not path.is_file():
            return
        import numpy as np

        frame = read_raw(path, ("problem", "optimizer"))
        problems, runs = self._order(comparison)
        place = {n: i for i, n in enumerate(problems)}
        slot = {n: i for i, n in enumerate(runs)}
        frame = frame.assign(_p=frame["problem"].map(place), _r=frame["optimizer"].map(slot)).sort_values(
            ["_p", "_r", "trial"], kind="stable").drop(columns=["_p", "_r"]).reset_index(drop=True)
        chosen = comparison.selected_lr
        trials = getattr(comparison, "selected_trial", None)
        if trials:  # several tuned hyperparameters: the selected trial
            frame["selected"] = [trials.get((p, o)) == int(t) for p, o, t in zip(frame["problem"], frame["optimizer"],
                                                                                frame["trial"])]
        else:
            frame["selected"] = [bool(np.float64(chosen.get((p, o), np.nan)) == lr)
                                 for p, o, lr in zip(frame["problem"], frame["optimizer"], frame["lr"])]
        write_csv_atomic(path, frame)

    def _final_curves(self, summary) -> None:
        """Put ``curves.csv``'s runs in the summary's task order when they finished out of order
        (several jobs, or a resumed folder), keeping every cell's text."""
        import pandas as pd

        path = self.folder / "curves.csv"
        curves = pd.read_csv(path, dtype=str, keep_default_na=False, na_filter=False)
        def keys(frame):  # one string per row, vectorised (a row-wise apply cost 0.6 s for compare all)
            return frame["problem"].astype(str) + "\x1f" + frame["optimizer"].astype(str) + "\x1f" + frame["seed"].astype(str)

        rank = {k: i for i, k in enumerate(keys(summary))}
        order = keys(curves).map(rank)
        if order.is_monotonic_increasing:
            return
        curves = curves.assign(_o=order).sort_values("_o", kind="stable").drop(columns="_o")
        write_csv_atomic(path, curves)

    def finish(self, comparison, state: str | None = None) -> None:
        """Write the final tables and ``config.json`` (state ``finished``, or ``interrupted``)."""
        from ..study.compare import final_summary, profile_of, stats_of

        self._ensure(comparison)
        exp = comparison.experiment
        problems, runs = self._order(comparison)
        raw = read_raw(self.folder / "summary.csv")
        summary = final_summary(raw, problems, runs)
        if comparison.trials or (self.folder / "tuning.csv").is_file():
            self._final_tuning(comparison)
        order = summary.assign(_p=summary["problem"].map({n: i for i, n in enumerate(problems)}),
                               _r=summary["optimizer"].map({n: i for i, n in enumerate(runs)})).sort_values(
            ["_p", "_r", "repetition"], kind="stable")
        self._final_curves(order)
        write_csv_atomic(self.folder / "summary.csv", summary)
        write_csv_atomic(self.folder / "stats.csv", stats_of(summary, exp))
        profile = profile_of(summary, exp)
        if profile is not None:
            write_csv_atomic(self.folder / "profile.csv", profile)
        entries = self.entries()
        rank = {(p, r): (i, j) for i, p in enumerate(problems) for j, r in enumerate(runs)}
        entries.sort(key=lambda e: (*rank.get((e["problem"], e["label"]), (0, 0)), e["repetition"]))
        complete = len(entries) >= comparison.planned and not comparison.interrupted
        state = state or (STATE_FINISHED if complete else STATE_INTERRUPTED)
        write_json_atomic(self.folder / "config.json", _config(comparison, self.extra, state, entries))
        if state == STATE_FINISHED:
            try:
                (self.folder / JOURNAL).unlink()
            except FileNotFoundError:
                pass


def _trim(path: Path) -> None:
    """Cut an incomplete last line (a killed process's half-written row) off ``path``."""
    if not path.is_file():
        return
    data = path.read_bytes()
    if data and not data.endswith(b"\n"):
        with open(path, "r+b") as handle:
            handle.truncate(data.rfind(b"\n") + 1)


def reopen(folder: Path, config: dict) -> tuple:
    """Make a stopped folder (Ctrl-C, or killed at any moment) ready to be appended to again, and
    return ``(summary rows, tuning rows)`` it holds as DataFrames (``tuning`` ``None`` without
    tuning). Removes the killed process's temporary files, trims incomplete last lines, turns a
    final ``summary.csv`` back into its per-run rows, drops curve rows and journal entries of runs
    without a summary row, and marks ``config.json`` as ``running``."""
    import pandas as pd

    folder = Path(folder)
    for tmp in folder.glob(".*.tmp"):
        try:
            tmp.unlink()
        except OSError:
            pass
    try:
        for name in ("summary.csv", "curves.csv", "tuning.csv", JOURNAL):
            _trim(folder / name)
    except OSError as exc:
        raise DlbenchError(f"Cannot write to '{folder}': {exc.strerror or exc}.") from None
    columns, curve_columns, _ = _columns()
    summary = read_raw(folder / "summary.csv")
    if list(summary.columns) != columns:
        summary = summary.reindex(columns=columns)
        write_csv_atomic(folder / "summary.csv", summary)
    done = set(zip(summary["problem"].astype(str), summary["optimizer"].astype(str), summary["seed"].astype(str)))
    curves = pd.read_csv(folder / "curves.csv", dtype=str, keep_default_na=False, na_filter=False)
    keep = [k in done for k in zip(curves["problem"], curves["optimizer"], curves["seed"])]
    if not all(keep):
        write_csv_atomic(folder / "curves.csv", curves[keep])
    finals = set(zip(summary["problem"].astype(str), summary["optimizer"].astype(str), summary["repetition"].astype(int)))
    journal = folder / JOURNAL
    entries = ResultsWriter(folder).entries()
    if not journal.is_file() and isinstance(config.get("runs"), list):
        entries = config["runs"]
    entries = [e for e in entries if (e.get("problem"), e.get("label"), e.get("repetition")) in finals]
    write_text_atomic(journal, "".join(json.dumps(e, default=_json_default) + "\n" for e in entries))
    tuning = read_raw(folder / "tuning.csv", ("problem", "optimizer")) if (folder / "tuning.csv").is_file() else None
    write_json_atomic(folder / "config.json", {**config, "state": STATE_RUNNING})
    return summary, tuning
