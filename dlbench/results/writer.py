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

__all__ = ["new_results_dir", "write_text_atomic", "write_json_atomic", "write_csv_atomic", "environment", "ResultsWriter"]


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


def environment() -> dict[str, Any]:
    """Versions, machine and date: what produced a result."""
    import llvmlite
    import numba
    import numpy
    import pandas

    from .. import __version__

    return {
        "dlbench": __version__,
        "numpy": numpy.__version__,
        "numba": numba.__version__,
        "llvmlite": llvmlite.__version__,
        "pandas": pandas.__version__,
        "python": sys.version.split()[0],
        "platform": platform.platform(),
        "cpu": _cpu(),
        "cpu_count": os.cpu_count(),
        "date": _dt.datetime.now(_dt.timezone.utc).isoformat(timespec="microseconds"),
    }


FORMAT = 1
"""Version of the results-folder layout (see the README's table of files and columns)."""


def _config(comparison, extra: dict[str, Any] | None) -> dict[str, Any]:
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
                 {"problem": p, "optimizer": o, "lr": lr} for (p, o), lr in comparison.selected_lr.items()]}
            if exp.n_trials else None
        ),
        "target": targets or None,
        "runs": [
            {
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
            for rec in comparison.records
        ],
        "timing": {
            "what": "train_seconds is the median wall time of the compiled training loop over timing_repeats "
            "identical runs (held-out evaluation and compilation left out); compile_seconds is the one-off time to "
            "compile or load the kernels.",
            "repeats": comparison.repeat,
            "jobs": comparison.jobs,
            "compile_seconds": comparison.compile_seconds,
            "compile_source": comparison.compile_source,
        },
        "completed_runs": len(comparison.finished),
        "planned_runs": comparison.planned,
        "interrupted": comparison.interrupted,
        "environment": environment(),
        **(extra or {}),
    }


def _grid(exp):
    from ..study.compare import lr_grid

    return lr_grid(exp)


class ResultsWriter:
    """Keeps a results folder up to date as runs finish: after each run every file is rewritten
    atomically, so an interrupted comparison keeps every finished run. Each run's curve rows are
    formatted once and cached."""

    def __init__(self, folder: Path, extra: dict[str, Any] | None = None, every: float = 0.5):
        self.folder = Path(folder)
        self.extra = extra
        self.every = every
        self._last = -float("inf")
        self._chunks: dict[int, str] = {}
        self._header = ""

    def update(self, comparison, force: bool = True) -> None:
        """Rewrite the folder; with ``force=False``, at most once every ``every`` seconds."""
        import time

        now = time.monotonic()
        if not force and now - self._last < self.every:
            return
        self._last = now
        for key, rec in comparison.finished.items():
            if key not in self._chunks:
                text = rec.curve().to_csv(index=False, lineterminator="\n")
                header, _, body = text.partition("\n")
                self._header = header + "\n"
                self._chunks[key] = body
        write_json_atomic(self.folder / "config.json", _config(comparison, self.extra))
        write_csv_atomic(self.folder / "summary.csv", comparison.summary())
        write_csv_atomic(self.folder / "stats.csv", comparison.stats())
        from ..study.compare import CURVE_COLUMNS

        header = self._header or ",".join(CURVE_COLUMNS) + "\n"
        write_text_atomic(self.folder / "curves.csv", header + "".join(self._chunks[k] for k in sorted(self._chunks)))
        if comparison.trials:
            write_csv_atomic(self.folder / "tuning.csv", comparison.tuning())
        profile = comparison.profile()
        if profile is not None:
            write_csv_atomic(self.folder / "profile.csv", profile)
