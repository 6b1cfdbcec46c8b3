"""Fabricated results folders (format 1) for the reporting tests: realistic shapes, no training.

``make_results(root, ...)`` writes ``config.json``, ``curves.csv``, ``summary.csv``, ``stats.csv``
and, when asked, ``tuning.csv`` and ``profile.csv``, with pandas, as ``dlbench compare`` would.
The presets below (``single_seed``, ``multi_seed``...) are the cases the tests use.
"""

from __future__ import annotations

import json
import math
from pathlib import Path

import numpy as np
import pandas as pd

from dlbench.optimizers import OPTIMIZERS

ALL = list(OPTIMIZERS)  # 18 registered optimizers


def _curve(i: int, n_opt: int, p: int, seed: int, epochs: int, diverge_at: int | None, blow_to: float):
    """Loss, accuracy and elapsed seconds of a fabricated run (optimizer index i, problem index p)."""
    rng = np.random.default_rng(1000 * i + 100 * p + seed)
    e = np.arange(epochs + 1, dtype=float)
    l0 = 0.75 + 0.05 * p
    floor = 10.0 ** (-1.0 - 3.0 * ((i * 7 + p * 3) % n_opt) / max(n_opt - 1, 1))
    rate = 3.0 + 9.0 * ((i * 5 + p) % n_opt) / max(n_opt - 1, 1)
    loss = floor + (l0 - floor) * np.exp(-rate * e / epochs)
    loss *= np.exp(0.03 * rng.normal(size=e.size) * (e > 0))
    if i % 3 == 1:  # stochastic optimizers: noisier
        loss *= np.exp(0.1 * rng.normal(size=e.size) * (e > 0))
    if diverge_at is not None:
        start = diverge_at // 2
        grow = np.exp(np.clip(e - start, 0, None) * math.log(1e4) / max(diverge_at - start, 1) * 3)
        loss = loss * grow
        loss = loss[: diverge_at + 1]
        loss[-1] = blow_to
        e = e[: diverge_at + 1]
    accuracy = np.clip(0.5 + 0.5 * (1 - np.minimum(loss, l0) / l0) ** 0.5, 0, 1)
    accuracy = np.round(accuracy * 100) / 100
    seconds_per_epoch = 2e-5 * (1 + (i * 3) % 11) * (1 + 0.05 * seed)
    elapsed = e * seconds_per_epoch
    return e.astype(int), loss, accuracy, elapsed


def make_results(
    root: str | Path,
    *,
    folder_name: str = "20260101-120000-compare-aaaa",
    name: str = "factory",
    optimizers: list[str] | None = None,
    seeds: int = 1,
    problems: tuple[str, ...] = ("random",),
    epochs: int = 100,
    test: bool = False,
    tuning: bool = False,
    target: dict | None = None,
    diverge: dict | None = None,
    date: str = "2026-01-01T12:00:00+00:00",
) -> Path:
    """Write one results folder under ``root`` and return its path.

    ``diverge`` maps ``(optimizer, seed)`` to ``(epoch, last_loss)``: that run ends at ``epoch``
    with ``last_loss`` (``inf`` or a huge float) and is marked diverged.
    """
    optimizers = list(optimizers or ALL[:5])
    diverge = diverge or {}
    folder = Path(root) / folder_name
    folder.mkdir(parents=True)
    curve_frames, summary_rows = [], []
    for p, problem in enumerate(problems):
        for i, opt in enumerate(optimizers):
            reg_lr = OPTIMIZERS[opt].default_lr if opt in OPTIMIZERS else 0.01
            for s in range(seeds):
                at, blow = diverge.get((opt, s), (None, math.inf))
                e, loss, acc, elapsed = _curve(i, len(optimizers), p, s, epochs, at, blow)
                lr = np.full(e.size, reg_lr)
                lr[-1] = np.nan
                frame = pd.DataFrame({
                    "problem": problem, "optimizer": opt, "seed": s, "epoch": e, "loss": loss, "accuracy": acc,
                    "test_loss": loss * 1.15 + 0.02 if test else np.nan,
                    "test_accuracy": np.clip(acc - 0.05, 0, 1) if test else np.nan,
                    "lr": lr, "elapsed_s": elapsed,
                })
                curve_frames.append(frame)
                diverged = at is not None
                finite = loss[np.isfinite(loss)]
                hit = np.nonzero(loss <= target["value"])[0] if target else np.array([])
                train_seconds = float(elapsed[-1])
                summary_rows.append({
                    "problem": problem, "optimizer": opt, "rule": opt, "repetition": s, "seed": s, "lr": reg_lr,
                    "batch_size": 100, "schedule": "constant", "final_loss": float(loss[-1]),
                    "best_loss": float(finite.min()), "final_accuracy": float(acc[-1]),
                    "test_loss": float(frame["test_loss"].iloc[-1]), "test_accuracy": float(frame["test_accuracy"].iloc[-1]),
                    "epochs_run": int(e[-1]), "converged": False, "diverged": diverged, "epochs_to_converge": np.nan,
                    "epochs_to_target": float(hit[0]) if hit.size else np.nan,
                    "seconds_to_target": float(elapsed[hit[0]]) if hit.size else np.nan,
                    "train_seconds": train_seconds, "train_seconds_std": 0.02 * train_seconds, "timing_repeats": 3,
                    "seconds_per_epoch": train_seconds / max(int(e[-1]), 1), "compile_seconds": 1.5,
                })
    curves = pd.concat(curve_frames, ignore_index=True)
    summary = pd.DataFrame(summary_rows)
    fastest = summary["train_seconds"].min()
    summary["time_ratio"] = summary["train_seconds"] / fastest
    summary["time_ratio_std"] = 0.03 * summary["time_ratio"]
    curves.to_csv(folder / "curves.csv", index=False, lineterminator="\n")
    summary.to_csv(folder / "summary.csv", index=False, lineterminator="\n")
    _stats(summary).to_csv(folder / "stats.csv", index=False, lineterminator="\n")
    grid = None
    if tuning:
        grid = [1e-4, 1e-3, 1e-2, 1e-1, 1.0, 10.0]
        _tuning(summary, grid).to_csv(folder / "tuning.csv", index=False, lineterminator="\n")
    if target and len(problems) > 1:
        _profile(summary).to_csv(folder / "profile.csv", index=False, lineterminator="\n")
    config = {
        "experiment": {"name": name, "description": "Fabricated for tests.", "problem": problems[0], "n_samples": 100,
                       "n_features": 10, "n_hidden": 8, "loss": "bce", "epochs": epochs, "seed": 0,
                       "runs": [{"optimizer": o} for o in optimizers]},
        "runs": [{"label": o, "optimizer": o} for o in optimizers],
        "timing": {"repeats": 3, "compile_seconds": 1.5, "compile_source": "cache"},
        "completed_runs": len(summary), "planned_runs": len(summary), "interrupted": False,
        "environment": {"dlbench": "0.1.0", "numpy": np.__version__, "numba": "0.60.0", "llvmlite": "0.43.0",
                        "pandas": pd.__version__, "python": "3.11.7", "platform": "Linux", "cpu": "Test CPU",
                        "cpu_count": 2, "date": date},
        "command": f"dlbench compare {' '.join(optimizers)}" + (f" --seeds {seeds}" if seeds > 1 else ""),
        "problems": list(problems), "seeds": seeds,
        "tuning": {"parameter": "lr", "budget": len(grid), "grid": grid} if grid else None,
        "target": target, "format": 1,
    }
    (folder / "config.json").write_text(json.dumps(config, indent=2) + "\n", encoding="utf-8")
    return folder


def _stats(summary: pd.DataFrame) -> pd.DataFrame:
    """stats.csv as dlbench writes it (dlbench.study.stats.aggregate)."""
    from dlbench.study.stats import aggregate

    return aggregate(summary)


def _tuning(summary: pd.DataFrame, grid: list[float]) -> pd.DataFrame:
    rows = []
    for k, ((problem, opt), _) in enumerate(summary.groupby(["problem", "optimizer"], sort=False)):
        best_lr = 10.0 ** (-3 + k % 4)
        for t, lr in enumerate(grid):
            distance = math.log10(lr / best_lr)
            diverged = distance >= 1.5
            val = np.inf if diverged else 0.05 * (1 + k) * (1 + distance**2) + 0.01 * t
            rows.append({"problem": problem, "optimizer": opt, "trial": t, "lr": lr, "val_loss": val,
                         "val_accuracy": np.nan if diverged else max(0.5, 1 - val), "diverged": diverged, "selected": False})
    frame = pd.DataFrame(rows)
    for _, g in frame.groupby(["problem", "optimizer"]):
        frame.loc[g["val_loss"].idxmin(), "selected"] = True
    return frame


def _profile(summary: pd.DataFrame) -> pd.DataFrame:
    """profile.csv as dlbench writes it: AlgoPerf profiles of the median seconds to target."""
    from dlbench.study.stats import profile_table

    times = summary.groupby(["problem", "optimizer"], sort=False)["seconds_to_target"].median().unstack("optimizer")
    return profile_table(times)


# --- presets ------------------------------------------------------------------------------------

def single_seed(root, **kw) -> Path:
    return make_results(root, folder_name="20260101-100000-compare-0001", name="single", optimizers=ALL[:5],
                        date="2026-01-01T10:00:00+00:00", **kw)


def multi_seed(root, **kw) -> Path:
    """All 18 registered optimizers, 3 seeds."""
    return make_results(root, folder_name="20260102-100000-compare-0002", name="multi-seed", optimizers=ALL, seeds=3,
                        epochs=200, date="2026-01-02T10:00:00+00:00", **kw)


def tuned(root, **kw) -> Path:
    return make_results(root, folder_name="20260103-100000-tune-0003", name="tuned",
                        optimizers=["sgd", "momentum", "adam", "rmsprop"], seeds=2, tuning=True,
                        date="2026-01-03T10:00:00+00:00", **kw)


def multi_problem(root, **kw) -> Path:
    return make_results(root, folder_name="20260104-100000-compare-0004", name="suite",
                        optimizers=["gd", "sgd", "momentum", "adam", "adamw", "rprop", "lbfgs"], seeds=2,
                        problems=("random", "xor", "circles"), target={"metric": "loss", "value": 0.2},
                        date="2026-01-04T10:00:00+00:00", **kw)


def with_test(root, **kw) -> Path:
    return make_results(root, folder_name="20260105-100000-compare-0005", name="with-test",
                        optimizers=["sgd", "adam", "lion", "my_adam_v2"], test=True,
                        date="2026-01-05T10:00:00+00:00", **kw)


def diverged(root, **kw) -> Path:
    """rprop diverges to inf at epoch 40 (both seeds); seed 1 of adam blows up to 1e35 at epoch 60."""
    return make_results(root, folder_name="20260106-100000-compare-0006", name="diverged",
                        optimizers=["gd", "sgd", "adam", "rprop", "lion"], seeds=2,
                        diverge={("rprop", 0): (40, math.inf), ("rprop", 1): (45, math.inf), ("adam", 1): (60, 1e35)},
                        date="2026-01-06T10:00:00+00:00", **kw)


def default_size(root, **kw) -> Path:
    """The size of the default experiment: 18 optimizers x 1001 epochs, one seed."""
    return make_results(root, folder_name="20260107-100000-compare-0007", name="default", optimizers=ALL, epochs=1000,
                        date="2026-01-07T10:00:00+00:00", **kw)


PRESETS = {"single_seed": single_seed, "multi_seed": multi_seed, "tuned": tuned, "multi_problem": multi_problem,
           "with_test": with_test, "diverged": diverged}


def build_all(root) -> dict[str, Path]:
    """Every preset under ``root``: name to folder."""
    return {name: make(root) for name, make in PRESETS.items()}


def old_format(root) -> Path:
    """A folder as dlbench wrote before format 1: no "format" key, no problem column, no stats.csv."""
    folder = make_results(root, folder_name="20251231-100000-compare-0000", name="old", optimizers=["gd", "adam"],
                          date="2025-12-31T10:00:00+00:00")
    config = json.loads((folder / "config.json").read_text())
    for key in ("format", "problems", "seeds", "tuning", "target"):
        config.pop(key)
    (folder / "config.json").write_text(json.dumps(config))
    for name in ("curves.csv", "summary.csv"):
        frame = pd.read_csv(folder / name)
        frame.drop(columns=[c for c in ("problem", "test_loss", "test_accuracy", "repetition", "epochs_to_target",
                                        "seconds_to_target") if c in frame]).to_csv(folder / name, index=False)
    (folder / "stats.csv").unlink()
    return folder
