"""Terminal reports with rich: the comparison table, a run's summary and its loss every N epochs.

Every table says what was measured (caption) and shows numbers rounded from exactly the values
saved in ``summary.csv``/``curves.csv``.
"""

from __future__ import annotations

import math
import re

from rich import box
from rich.table import Table

__all__ = ["user_text", "print_results", "print_comparison", "sparklines", "comparison_table", "stats_table", "tuning_table", "profile_table", "run_table", "loss_every_table",
           "fmt_seconds", "fmt_loss"]


_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f]")


def user_text(value) -> str:
    """A user string (label, problem, file or experiment name) as a rich table cell or title
    shows it literally: control characters (escape sequences included) removed, newlines and
    tabs as spaces, and rich markup escaped (``"[/red]"`` prints as ``[/red]``)."""
    from rich.markup import escape

    text = _CONTROL.sub("", str(value)).replace("\n", " ").replace("\t", " ")
    return escape(text)


def fmt_seconds(seconds: float) -> str:
    """Seconds with a readable unit: ``850 µs``, ``12.3 ms``, ``1.52 s`` (a difference may be
    negative: ``-94.4 ms``)."""
    if seconds is None or not math.isfinite(seconds):
        return "—"
    if seconds < 0:
        return "-" + fmt_seconds(-seconds)
    if seconds < 1e-3:
        return f"{seconds * 1e6:.0f} µs"
    if seconds < 1.0:
        return f"{seconds * 1e3:.1f} ms"
    return f"{seconds:.2f} s"


def fmt_loss(value: float) -> str:
    """Six decimals, or four significant digits in scientific notation when tiny or huge."""
    if value is None or not math.isfinite(value):
        return str(value)
    return f"{value:.6f}" if 1e-3 <= abs(value) < 1e4 or value == 0 else f"{value:.4g}"


def _status(row) -> str:
    if row["diverged"]:
        return f"[red]diverged @ {row['epochs_run']}[/red]"
    if row["converged"]:
        return f"[green]converged @ {row['epochs_run']}[/green]"
    return f"ran {row['epochs_run']}"


def _how(compile_source: str) -> str:
    return {"compiled": "compiled", "cache": "loaded from the on-disk cache",
            "native": "loaded from the native module"}.get(compile_source, compile_source)


def _ratio(ratio: float, std: float) -> str:
    if not math.isfinite(ratio):
        return "—"
    return "[bold]fastest[/bold]" if ratio == 1.0 else f"{ratio:.2f} ± {std:.2f}×"


def _jobs_note(jobs: int) -> str:
    return f" Runs were timed {jobs} at a time in parallel threads." if jobs > 1 else ""


def _regression(frame, task: str | None, column: str) -> bool:
    """Whether a table's rows are a regression problem's: ``task`` when known, else whether
    ``column`` (R²) was recorded and accuracy was not."""
    if task is not None:
        return task == "regression"
    accuracy = column.replace("r2", "accuracy")
    return (column in frame and frame[column].notna().any()
            and not (accuracy in frame and frame[accuracy].notna().any()))


def _f3(value: float) -> str:
    return f"{value:.3f}"


_HEADER_OF_METRIC = {"loss": ("final loss", "final loss ± sd"), "test_loss": ("test loss",), "best_loss": ("best loss",),
                     "accuracy": ("accuracy",), "test_accuracy": ("test acc.",), "rmse": ("rmse",),
                     "test_rmse": ("test rmse",), "r2": ("R²",), "test_r2": ("test R²",), "time": ("train time",)}
"""The column (either name) that shows each ranking metric of :data:`dlbench.results.ranking.RANK_METRICS`."""

def _natural_width(columns, rows, keep) -> int:
    """Width of the table holding the columns ``keep``: each at its longest cell (a column that
    wraps, at its longest word), as a ``box.SIMPLE_HEAVY`` table lays them out (one space of
    padding each side, a one-character separator between columns, neither edge nor padding at
    the two ends)."""
    from rich.cells import cell_len
    from rich.text import Text

    total = 0
    for i in keep:
        texts = [columns[i][0]] + [Text.from_markup(row[i]).plain for row in rows]
        if _wraps(columns[i]):
            total += max(cell_len(word) for text in texts for word in (text.split() or [""]))
        else:
            total += max(cell_len(line) for text in texts for line in (text.splitlines() or [""]))
    return total + 3 * len(keep) - 3


def _wraps(column) -> bool:
    return len(column) > 3 and bool(column[3])


def fitted_table(title: str, columns, rows, caption: str, width: int | None = None, wide: bool = False) -> Table:
    """A rich table of ``columns`` (``(header, justify, priority[, wraps])``) and ``rows`` that fits ``width``
    characters: every column of priority 0, then the others by priority (then left to right)
    up to the first that would make the table wider than ``width`` at its natural size, so no
    cell is ever cut or wrapped and a wider page shows the same columns and more; the
    caption says which columns were left out. ``width=None`` or ``wide``: every column. Cells
    are never truncated (``no_wrap``, ``min_width`` = the longest cell): a column that does not
    fit is left out, not squeezed; only a column marked ``wraps`` (several words, such as a
    command line) wraps, between words, and counts at the width of its longest word."""
    keep = list(range(len(columns)))
    if width is not None and not wide:
        order = sorted(range(len(columns)), key=lambda i: (columns[i][2], i))
        keep = [i for i in order if columns[i][2] == 0]
        for i in order:  # the first column that does not fit ends the table: a wider page shows more, never other
            if columns[i][2] != 0:
                if _natural_width(columns, rows, sorted(keep + [i])) > width:
                    break
                keep.append(i)
        keep.sort()
    left_out = [columns[i][0] for i in range(len(columns)) if i not in keep]
    if left_out and caption is not None:
        caption += (f" Left out at this width: {', '.join(left_out)} (a wider terminal shows more; --wide shows "
                    "every column).")
    table = Table(title=title, box=box.SIMPLE_HEAVY, title_justify="left", caption_justify="left", caption=caption,
                  pad_edge=False, show_edge=False)
    from rich.text import Text

    for i in keep:
        if _wraps(columns[i]):  # text of several words (a command line): wraps between words
            table.add_column(columns[i][0], justify=columns[i][1], overflow="fold")
            continue
        longest = max([Text.from_markup(row[i]).cell_len for row in rows] + [len(columns[i][0])])
        table.add_column(columns[i][0], justify=columns[i][1], no_wrap=True, min_width=longest)
    for row in rows:
        table.add_row(*(row[i] for i in keep))
    return table


def _priorities(columns, rank_by: str, base: dict) -> list:
    """``(header, justify, priority)``: ``base[header]`` (default 5), 0 for the ranking metric's column."""
    headers = _HEADER_OF_METRIC.get(rank_by, ())
    return [(name, justify, 0 if name in headers else base.get(name, 5)) for name, justify in columns]


def _ranked_by(rank_by: str, seeds: bool = False) -> str:
    from .ranking import metric_words

    last = "optimizers with a diverged seed after those without" if seeds else "diverged runs last"
    return f"Ranked by {metric_words(rank_by)}, best first ({last}). "


_COMPARISON_PRIORITY = {"#": 0, "optimizer": 0, "final loss": 1, "test loss": 1, "vs fastest": 1, "epochs": 2,
                        "time to target": 2, "accuracy": 3, "rmse": 3, "R²": 3, "test acc.": 3, "test rmse": 3,
                        "test R²": 3, "epochs to target": 4, "train time": 4, "lr": 5, "best loss": 5,
                        "time/epoch": 5, "loss curve": 6}
_STATS_PRIORITY = {"#": 0, "optimizer": 0, "final loss ± sd": 1, "test loss": 1, "vs fastest": 1,
                   "diverged": 2, "time to target": 2, "accuracy": 3, "rmse": 3, "R²": 3, "test acc.": 3,
                   "test rmse": 3, "test R²": 3, "reached": 3, "95% CI": 4, "epochs to target": 4, "train time": 4,
                   "min … max": 5, "loss curve": 6}


def comparison_table(summary, title: str, compile_seconds: float, compile_source: str, repeat: int,
                     target: str | None = None, jobs: int = 1, sparks: dict | None = None, task: str | None = None,
                     rank_by: str | None = None, width: int | None = None, wide: bool = False) -> Table:
    """One seed: the runs ranked by ``rank_by`` (:mod:`dlbench.results.ranking`; default the test
    loss when there is a test split, else the final loss), with time relative to the fastest run.
    A regression problem (``task``, else read off the columns) shows RMSE and R² for accuracy.
    ``width``: fit that many characters (:func:`fitted_table`)."""
    from .ranking import default_metric, rank_summary

    rank_by = rank_by or default_metric(summary)
    summary = rank_summary(summary, rank_by)
    has_test = summary["test_loss"].notna().any() if "test_loss" in summary else False
    reg = _regression(summary, task, "final_r2")
    score = [("rmse", "right"), ("R²", "right")] if reg else [("accuracy", "right")]
    columns = [("#", "right"), ("optimizer", "left")] + ([("loss curve", "left")] if sparks else []) + [
        ("lr", "right"), ("final loss", "right"), ("best loss", "right")] + score
    if has_test:
        columns += [("test loss", "right")] + ([("test rmse", "right"), ("test R²", "right")] if reg
                                               else [("test acc.", "right")])
    columns += [("epochs", "left")]
    if target:
        columns += [("epochs to target", "right"), ("time to target", "right")]
    columns += [("time/epoch", "right"), ("train time", "right"), ("vs fastest", "right")]
    rows = []
    for rank, (_, row) in enumerate(summary.iterrows(), start=1):
        cells = [str(rank), user_text(row["optimizer"])] + ([sparks.get((row["problem"], row["optimizer"]), "")] if sparks else []) + [
            f"{row['lr']:.4g}", fmt_loss(row["final_loss"]), fmt_loss(row["best_loss"])]
        cells += [fmt_loss(row["final_rmse"]), _f3(row["final_r2"])] if reg else [_f3(row["final_accuracy"])]
        if has_test:
            cells += [fmt_loss(row["test_loss"])]
            cells += [fmt_loss(row["test_rmse"]), _f3(row["test_r2"])] if reg else [_f3(row["test_accuracy"])]
        cells += [_status(row)]
        if target:
            hit = row["epochs_to_target"]
            cells += ["never" if not math.isfinite(hit) else str(int(hit)),
                      "never" if not math.isfinite(hit) else fmt_seconds(row["seconds_to_target"])]
        cells += [fmt_seconds(row["seconds_per_epoch"]), fmt_seconds(row["train_seconds"]),
                  _ratio(row["time_ratio"], row["time_ratio_std"])]
        rows.append(cells)
    caption = (
        _ranked_by(rank_by)
        + ("Losses (half the mean squared error), RMSE and R² on the training set after the last epoch run" if reg
           else "Losses and accuracy on the training set after the last epoch run")
        + (" (test: the held-out split)" if has_test else "")
        + (f"; target: {target}" if target else "")
        + f". Train time: median wall time of the compiled training loop over {repeat} identical run(s); "
        f"'vs fastest' is its ratio to the fastest run that did not diverge (± from the spread of the repeats)."
        f"{_jobs_note(jobs)} Kernel compile time, not included: {fmt_seconds(compile_seconds)} ({_how(compile_source)})."
    )
    return fitted_table(title, _priorities(columns, rank_by, _COMPARISON_PRIORITY), rows, caption, width, wide)


def fmt_spread(mean: float, std: float) -> str:
    """``mean ± std`` rounded to what the spread supports (as hyperfine does): the standard
    deviation to two significant digits and the mean to the same decimal place, at most six
    decimals (:func:`fmt_loss`'s), a spread below 1e-4 to one significant digit in short scientific notation (``6e-06``);
    scientific notation for means below 1e-3 or from 1e4 on.
    ``0.684382 ± 0.029`` -> ``0.684 ± 0.029``; no spread (0, NaN): :func:`fmt_loss` alone."""
    if not math.isfinite(mean):
        return "—"
    if not (math.isfinite(std) and std > 0):
        return fmt_loss(mean)
    place = math.floor(math.log10(std)) - 1  # the decimal place of std's second significant digit
    if abs(mean) < 1e4 and (abs(mean) >= 1e-3 or mean == 0 or (-place <= 6 and abs(mean) < std)):
        decimals = min(max(-place, 0), 6)
        spread = f"{std:.1g}" if decimals >= 5 else f"{std:.{decimals}f}"  # 6e-06, not 0.000006
        return f"{mean:.{decimals}f} ± {spread}"
    digits = max(min(math.floor(math.log10(abs(mean))) - place, 6), 1) if mean else 1
    return f"{mean:.{digits - 1}e} ± {std:.1e}"


def _pm(mean: float, std: float, fmt) -> str:
    """``mean ± std``; a loss (``fmt`` :func:`fmt_loss`) rounded to its spread (:func:`fmt_spread`)."""
    if not math.isfinite(mean):
        return "—"
    if fmt is fmt_loss:
        return fmt_spread(mean, std)
    return f"{fmt(mean)} ± {fmt(std)}" if math.isfinite(std) else fmt(mean)


def stats_table(stats, title: str, seeds: int, compile_seconds: float, compile_source: str,
                target: str | None = None, jobs: int = 1, sparks: dict | None = None, task: str | None = None,
                rank_by: str | None = None, width: int | None = None, wide: bool = False) -> Table:
    """Several seeds: mean ± standard deviation, 95% confidence interval and range per optimizer
    (RMSE and R² for accuracy on a regression problem), ranked by the mean of ``rank_by`` (see
    :func:`comparison_table`); ``width``: fit that many characters (:func:`fitted_table`)."""
    from .ranking import default_metric, rank_stats

    rank_by = rank_by or default_metric(stats, stats=True)
    stats = rank_stats(stats, rank_by)
    has_test = stats["test_loss_mean"].notna().any()
    reg = _regression(stats, task, "final_r2_mean")
    score = [("rmse", "right"), ("R²", "right")] if reg else [("accuracy", "right")]
    columns = [("#", "right"), ("optimizer", "left")] + ([("loss curve", "left")] if sparks else []) + [
        ("final loss ± sd", "right"), ("95% CI", "right"), ("min … max", "right")] + score
    if has_test:
        columns += [("test loss", "right")] + ([("test rmse", "right"), ("test R²", "right")] if reg
                                               else [("test acc.", "right")])
    columns += [("diverged", "right")]
    if target:
        columns += [("reached", "right"), ("epochs to target", "right"), ("time to target", "right")]
    columns += [("train time", "right"), ("vs fastest", "right")]
    f6 = fmt_loss
    rows = []
    for rank, (_, row) in enumerate(stats.iterrows(), start=1):
        cells = [str(rank), user_text(row["optimizer"])] + ([sparks.get((row["problem"], row["optimizer"]), "")] if sparks else []) + [
            _pm(row["final_loss_mean"], row["final_loss_std"], f6),
            "—" if not math.isfinite(row["final_loss_ci_low"]) else f"[{f6(row['final_loss_ci_low'])}, {f6(row['final_loss_ci_high'])}]",
            "—" if not math.isfinite(row["final_loss_min"]) else f"{f6(row['final_loss_min'])} … {f6(row['final_loss_max'])}",
        ]
        if reg:
            cells += [_pm(row["final_rmse_mean"], row["final_rmse_std"], f6), _pm(row["final_r2_mean"], row["final_r2_std"], _f3)]
        else:
            cells += [_pm(row["final_accuracy_mean"], row["final_accuracy_std"], _f3)]
        if has_test:
            cells += [_pm(row["test_loss_mean"], row["test_loss_std"], f6)]
            cells += ([_pm(row["test_rmse_mean"], row["test_rmse_std"], f6), _pm(row["test_r2_mean"], row["test_r2_std"], _f3)]
                      if reg else [_pm(row["test_accuracy_mean"], row["test_accuracy_std"], _f3)])
        diverged = int(row["diverged"])
        cells += [f"[red]{diverged}/{int(row['runs'])}[/red]" if diverged else f"0/{int(row['runs'])}"]
        if target:
            reached = row["reached_target"]
            cells += [f"{reached:.0%}",
                      "never" if not math.isfinite(row["epochs_to_target"]) else f"{row['epochs_to_target']:g}",
                      "never" if not math.isfinite(row["seconds_to_target"]) else fmt_seconds(row["seconds_to_target"])]
        cells += [_pm(row["train_seconds_mean"], row["train_seconds_std"], fmt_seconds),
                  _ratio(row["time_ratio"], row["time_ratio_std"])]
        rows.append(cells)
    caption = (
        _ranked_by(rank_by, seeds=True)
        + f"Over {seeds} seeds (each its own initial parameters, sample order and data splits). Mean ± sample standard "
        "deviation, 95% confidence interval of the mean (Student t), min … max; diverged runs are counted and left "
        "out of the other statistics."
        + (f" Target: {target}; epochs/time to target are medians over the runs that reached it." if target else "")
        + f" Train time: wall time of the compiled training loop; 'vs fastest' is the ratio of mean times (over the "
        f"seeds that did not diverge) with propagated uncertainty.{_jobs_note(jobs)} Kernel compile time, not "
        f"included: {fmt_seconds(compile_seconds)} ({_how(compile_source)})."
    )
    return fitted_table(title, _priorities(columns, rank_by, _STATS_PRIORITY), rows, caption, width, wide)


def tuning_table(tuning, grid_size: int, lr_range: tuple[float, float], val_fraction: float,
                 width: int | None = None, wide: bool = False) -> Table:
    """The learning rate each optimizer's tuning chose, with its validation loss. An optimizer
    whose tuning did not finish (an interrupted comparison: no trial ``selected``) shows no chosen
    rate, only the trials that finished."""
    has_r2 = "val_r2" in tuning and tuning["val_r2"].notna().any()
    has_accuracy = not has_r2 or tuning["val_accuracy"].notna().any()
    columns = [("problem", "left", 1), ("optimizer", "left", 0), ("chosen lr", "right", 0), ("val. loss", "right", 1)] + (
        [("val. accuracy", "right", 2)] if has_accuracy else []) + ([("val. R²", "right", 2)] if has_r2 else []) + [
        ("diverged trials", "right", 2)]
    rows, unfinished = [], 0
    for (problem, optimizer), group in tuning.groupby(["problem", "optimizer"], sort=False):
        chosen = group[group["selected"].astype(bool)]
        if not len(chosen):
            unfinished += 1
            rows.append([user_text(problem), user_text(optimizer), "not chosen", "—"] + ["—"] * (int(has_accuracy) + int(has_r2))
                        + [f"{int(group['diverged'].sum())}/{len(group)} done"])
            continue
        best = chosen.iloc[0]
        scores = ([_f3(best["val_accuracy"]) if math.isfinite(best["val_accuracy"]) or not has_r2 else "—"] if has_accuracy
                  else []) + ([_f3(best["val_r2"]) if math.isfinite(best["val_r2"]) else "—"] if has_r2 else [])
        rows.append([user_text(problem), user_text(optimizer), f"{best['lr']:.4g}", fmt_loss(best["val_loss"]), *scores,
                     f"{int(group['diverged'].sum())}/{len(group)}"])
    caption = (f"Every optimizer tried the same {grid_size} learning rates, evenly spaced in log scale from "
               f"{lr_range[0]:g} to {lr_range[1]:g}, training on the training data minus a {val_fraction:.0%} "
               "validation split; the rate with the lowest final validation loss was then run with every seed.")
    if unfinished:
        caption += (f" 'not chosen': the tuning of {unfinished} optimizer(s) was interrupted before every trial "
                    "finished (the trials done are in tuning.csv).")
    return fitted_table("Tuning: learning rate chosen on the validation split", columns, rows, caption, width, wide)


def profile_table(profile, taus=(1.0, 1.25, 1.5, 2.0, 3.0, 4.0), width: int | None = None, wide: bool = False) -> Table:
    """AlgoPerf-style summary over problems: the performance profile at a few ratios, and the score."""
    columns = [("optimizer", "left", 0), ("score", "right", 0)] + [
        (f"ρ({tau:g})", "right", 1 if tau in (1.0, 2.0, 4.0) else 2) for tau in taus]
    scores = profile.groupby("optimizer", sort=False)["score"].first().sort_values(ascending=False)
    rows = []
    for optimizer, score in scores.items():
        curve = profile[profile["optimizer"] == optimizer].sort_values("tau")
        cells = []
        for tau in taus:
            upto = curve[curve["tau"] <= tau + 1e-12]
            cells.append(f"{upto['rho'].iloc[-1]:.2f}" if len(upto) else "0.00")
        rows.append([user_text(optimizer), f"{score:.3f}", *cells])
    caption = ("ρ(τ): fraction of problems on which the optimizer reached its target within τ times the "
               "fastest optimizer's time. Score: the area under ρ from 1 to r_max = 4, normalised to [0, 1] "
               "(AlgoPerf, Dahl et al. 2023).")
    return fitted_table("Across problems: performance profile and score", columns, rows, caption, width, wide)


def run_table(row, compile_seconds: float, compile_source: str = "", task: str | None = None) -> Table:
    """Key facts of one run, from its row of ``summary.csv`` (RMSE and R² for a regression)."""
    table = Table(box=box.SIMPLE, show_header=False, title=f"{user_text(row['optimizer'])}: summary", title_justify="left")
    table.add_column("what", style="bold")
    table.add_column("value")
    status = "diverged" if row["diverged"] else "converged (early stop)" if row["converged"] else "ran all epochs"
    epochs = int(row["epochs_run"])
    reg = task == "regression" if task is not None else (
        math.isfinite(row.get("final_r2", math.nan)) and not math.isfinite(row["final_accuracy"]))
    rows = [("final loss", fmt_loss(row["final_loss"])), ("best loss", fmt_loss(row["best_loss"]))]
    rows += ([("final rmse", fmt_loss(row["final_rmse"])), ("final R²", _f3(row["final_r2"]))] if reg
             else [("final accuracy", _f3(row["final_accuracy"]))])
    if math.isfinite(row["test_loss"]):
        rows += [("test loss", fmt_loss(row["test_loss"]))]
        rows += ([("test rmse", fmt_loss(row["test_rmse"])), ("test R²", _f3(row["test_r2"]))] if reg
                 else [("test accuracy", _f3(row["test_accuracy"]))])
    if math.isfinite(row["epochs_to_target"]):
        rows += [("target reached", f"epoch {int(row['epochs_to_target'])}, {fmt_seconds(row['seconds_to_target'])}")]
    rows += [
        ("epochs run", str(epochs)),
        ("status", status),
        ("learning rate", f"{row['lr']:g}" + (f" ({user_text(row['schedule'])})" if row["schedule"] != "constant" else "")),
        ("batch size", str(int(row["batch_size"]))),
        ("training time", f"{fmt_seconds(row['train_seconds'])} ({fmt_seconds(row['seconds_per_epoch'])}/epoch)"),
        ("compile time", f"{fmt_seconds(compile_seconds)}" + (f" ({compile_source}, not in training time)" if compile_source else "")),
    ]
    for what, value in rows:
        table.add_row(what, value)
    return table


def _nice(x: float) -> int:
    """The smallest of 1, 2, 5 times a power of ten that is at least ``x``."""
    power = 10 ** max(0, math.floor(math.log10(max(x, 1.0))))
    return next(m * power for m in (1, 2, 5, 10) if m * power >= x)


def loss_every_table(curve, every: int = 100, task: str | None = None) -> Table:
    """The loss every ``every`` epochs of one run (its rows of ``curves.csv``), as the article
    prints it, with the accuracy (classification) or RMSE and R² (regression). A run of more than
    ``50 * every`` epochs gets about 50 rows instead, and ``every`` is rounded up to a multiple of
    a coarser curve's stride."""
    epochs_at = curve["epoch"].to_numpy()
    n = int(epochs_at.max())
    if n > 50 * every:  # a long run: about 50 rows
        every = _nice(n / 50)
    stride = int(epochs_at[1] - epochs_at[0]) if epochs_at.size > 1 else 1
    every = -(-every // stride) * stride  # at epochs a coarser curve (--record-every) holds
    table = Table(box=box.SIMPLE, title=f"Loss every {every} epochs", title_justify="left")
    has_test = curve["test_loss"].notna().any()
    reg = _regression(curve, task, "r2")
    score = ["rmse", "R²"] if reg else ["accuracy"]
    names = ["epoch", "loss", *score] + ((["test loss", "test R²"] if reg else ["test loss", "test acc."]) if has_test
                                         else []) + ["lr"]
    for name in names:
        table.add_column(name, justify="right")
    curve = curve.set_index("epoch")
    epochs = [k for k in range(0, n + 1, every) if k in curve.index]
    if epochs[-1] != n:
        epochs.append(n)
    for k in epochs:
        row = curve.loc[k]
        cells = [str(k), fmt_loss(row["loss"])]
        cells += [fmt_loss(row["rmse"]), _f3(row["r2"])] if reg else [_f3(row["accuracy"])]
        if has_test:
            cells += [fmt_loss(row["test_loss"]), _f3(row["test_r2"] if reg else row["test_accuracy"])]
        cells.append("—" if not math.isfinite(row["lr"]) else f"{row['lr']:.4g}")
        table.add_row(*cells)
    return table


def sparklines(curves, width: int = 12) -> dict:
    """``{(problem, optimizer): sparkline}`` of the mean training loss over seeds, per epoch."""
    from .sparkline import sparkline

    if curves is None or curves.empty:
        return {}
    mean = curves.groupby(["problem", "optimizer", "epoch"], sort=False)["loss"].mean()
    return {key: sparkline(group.to_numpy(), width) for key, group in mean.groupby(level=[0, 1], sort=False)}


def print_results(console, results, rank_by: str | None = None, wide: bool = False) -> None:
    """Every table of a saved results folder (:func:`dlbench.results.reader.load_results`): what
    ``dlbench run``/``compare`` print when they finish, and what ``dlbench show`` prints again.
    Tables fit ``console.width`` (every column with ``wide``); ``rank_by``: see
    :mod:`dlbench.results.ranking`. A folder of an interrupted or unfinished run says so first."""
    from .ranking import check_metric

    from ..study.experiment import Experiment

    check_metric(rank_by)
    config = results.config
    note = folder_state(results)
    if note:
        console.print(f"[yellow]Note:[/yellow] {user_text(note)}")
    exp = Experiment.from_dict(config["experiment"])
    timing = config["timing"]
    summary = results.summary
    if config.get("kind") == "run" and exp.seeds == 1 and len(exp.resolved_problems()) == 1 and len(summary) == 1:
        row = summary.iloc[0]
        task = results.task(str(row["problem"]))
        console.print(loss_every_table(results.curves, task=task))
        console.print(run_table(row, timing["compile_seconds"], timing["compile_source"], task=task))
        return
    stats = results.aggregate() if exp.seeds > 1 else None
    print_comparison(console, exp, summary, stats, results.tuning, results.profile, timing, results.curves,
                     {p: results.task(p) for p in results.problems}, config, rank_by=rank_by, wide=wide)


def folder_state(results) -> str | None:
    """A sentence when ``results`` is not a finished comparison: interrupted (Ctrl-C, kept what had
    finished) or incomplete (still being written, or its process was killed), with how many runs
    finished; ``None`` for a finished folder."""
    config = results.config
    state = config.get("state") or ("interrupted" if config.get("interrupted") else None)
    done = len(results.summary) if results.summary is not None else config.get("completed_runs")
    planned = config.get("planned_runs")
    count = f"{done} of {planned} runs finished" if planned else f"{done} runs finished"
    folder = results.folder
    if state == "interrupted":
        return (f"this comparison was interrupted: {count}; the tables show only those "
                f"('dlbench resume {folder}' runs the rest).")
    if state == "running":
        return (f"this folder is incomplete: its comparison is still running or was killed; {count} so far, and the "
                f"tables show only those ('dlbench resume {folder}' continues a killed one).")
    return None


def _widths(exp, network: dict | None) -> tuple:
    if network and isinstance(network.get("hidden"), list):
        return tuple(network["hidden"])
    try:
        return exp.widths
    except Exception:  # an unreadable older configuration: show what it says
        return (exp.n_hidden,)


def _title(exp, problem, dataset: dict | None = None, network: dict | None = None) -> str:
    """``name — problem: data, split, network, init, loss, epochs[, seeds]`` (``dataset`` and
    ``network``: that problem's records in ``config.json``, when the folder has them)."""
    from ..data import PROBLEMS

    dataset, network = dataset or {}, network or {}
    n, d = dataset.get("n_samples", problem.n_samples), dataset.get("n_features", problem.n_features)
    info = PROBLEMS.get(problem.problem)
    if n is None and info is not None and info.kind == "synthetic":
        n, d = n or 100, d or 10  # make_dataset's defaults
    task = dataset.get("task") or problem.task
    kind = "data set" if info is not None and info.kind == "bundled" else "problem"
    data = (user_text(problem.file) if problem.problem == "csv"
            else f"{user_text(problem.problem)} {kind}, {n}×{d}" + (f", noise {problem.noise:g}" if problem.noise else ""))
    if task == "multiclass":
        data += f", {dataset.get('n_classes') or problem.n_classes or '?'} classes"
    elif task == "regression":
        data += ", regression"
    split = f", {exp.test_fraction:.0%} test split" if exp.test_fraction else ""
    widths = _widths(exp, network)
    net = f"{','.join(map(str, widths))} hidden" if widths else "linear"
    activation = network.get("activation") or exp.activation
    if widths and activation != "relu":
        net += f" {activation}"
    loss = network.get("loss") or exp.loss or {"multiclass": "ce", "regression": "mse"}.get(task, "bce")
    return (f"{user_text(exp.name)} — {user_text(problem.name)}: {data}{split}, {net}, {exp.init} init, {loss}, "
            f"{exp.epochs} epochs" + (f", {exp.seeds} seeds" if exp.seeds > 1 else ""))


def print_comparison(console, exp, summary, stats, tuning, profile, timing: dict, curves=None, tasks: dict | None = None,
                     config: dict | None = None, rank_by: str | None = None, wide: bool = False) -> None:
    """Every table of a comparison: tuning, one per problem, and the profile across problems.
    Used both right after a comparison and by ``dlbench show`` on its saved files. ``tasks`` maps
    a problem to its task (read off the tables when absent); ``config`` is ``config.json``, whose
    ``datasets`` and ``networks`` describe each problem in its title."""
    compile_seconds, compile_source = timing["compile_seconds"], timing["compile_source"]
    width = console.width
    sparks = sparklines(curves)
    tasks, config = tasks or {}, config or {}
    datasets, networks = config.get("datasets") or {}, config.get("networks") or {}
    if tuning is not None and len(tuning):
        console.print(tuning_table(tuning, exp.n_trials, (exp.lr_min, exp.lr_max), exp.val_fraction, width, wide))
    for problem in exp.resolved_problems():
        target = problem.target.describe() if problem.target is not None else None
        title = _title(exp, problem, datasets.get(problem.name), networks.get(problem.name))
        task = tasks.get(problem.name)
        if stats is None or exp.seeds == 1:
            table = comparison_table(summary[summary["problem"] == problem.name], title, compile_seconds,
                                     compile_source, timing["repeats"], target, timing.get("jobs", 1), sparks, task,
                                     rank_by, width, wide)
        else:
            table = stats_table(stats[stats["problem"] == problem.name], title, exp.seeds, compile_seconds,
                                compile_source, target, timing.get("jobs", 1), sparks, task, rank_by, width, wide)
        console.print(table)
    if profile is not None and len(profile):
        console.print(profile_table(profile, width=width, wide=wide))
