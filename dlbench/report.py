"""Terminal reports with rich: the comparison table, a run's summary and its loss every N epochs.

Every table says what was measured (caption) and shows numbers rounded from exactly the values
saved in ``summary.csv``/``curves.csv``.
"""

from __future__ import annotations

import math

from rich import box
from rich.table import Table

__all__ = ["comparison_table", "run_table", "loss_every_table", "fmt_seconds", "fmt_loss"]


def fmt_seconds(seconds: float) -> str:
    """Seconds with a readable unit: ``850 µs``, ``12.3 ms``, ``1.52 s``."""
    if seconds is None or not math.isfinite(seconds):
        return "—"
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


def comparison_table(summary, title: str, compile_seconds: float, compile_source: str, repeat: int) -> Table:
    """The comparison, sorted by final loss, with time relative to the fastest run."""
    table = Table(title=title, box=box.SIMPLE_HEAVY, title_justify="left", caption_justify="left")
    for name, justify in [
        ("#", "right"), ("optimizer", "left"), ("lr", "right"), ("final loss", "right"), ("best loss", "right"),
        ("accuracy", "right"), ("epochs", "left"), ("time/epoch", "right"), ("train time", "right"),
        ("vs fastest", "right"),
    ]:
        table.add_column(name, justify=justify, no_wrap=True)
    for rank, (_, row) in enumerate(summary.iterrows(), start=1):
        ratio = row["time_ratio"]
        ratio_text = "[bold]fastest[/bold]" if ratio == 1.0 else f"{ratio:.2f} ± {row['time_ratio_std']:.2f}×"
        table.add_row(
            str(rank), str(row["optimizer"]), f"{row['lr']:.4g}", fmt_loss(row["final_loss"]), fmt_loss(row["best_loss"]),
            f"{row['final_accuracy']:.3f}", _status(row), fmt_seconds(row["seconds_per_epoch"]),
            fmt_seconds(row["train_seconds"]), ratio_text,
        )
    how = "compiled" if compile_source == "compiled" else "loaded from the on-disk cache" if compile_source == "cache" else compile_source
    table.caption = (
        f"Losses and accuracy on the training set after the last epoch run. Train time: median wall time of the "
        f"compiled training loop over {repeat} identical run(s); 'vs fastest' is its ratio to the fastest run "
        f"(± from the spread of the repeats). Kernel compile time, not included: {fmt_seconds(compile_seconds)} ({how})."
    )
    return table


def run_table(result, compile_seconds: float, compile_source: str = "") -> Table:
    """Key facts of one run."""
    table = Table(box=box.SIMPLE, show_header=False, title=f"{result.optimizer}: summary", title_justify="left")
    table.add_column("what", style="bold")
    table.add_column("value")
    status = "diverged" if result.diverged else "converged (early stop)" if result.converged else "ran all epochs"
    rows = [
        ("final loss", fmt_loss(result.final_loss)),
        ("best loss", fmt_loss(result.best_loss)),
        ("final accuracy", f"{result.final_accuracy:.3f}"),
        ("epochs run", str(result.epochs_run)),
        ("status", status),
        ("learning rate", f"{result.lr:g}" + (f" ({result.schedule})" if result.schedule != "constant" else "")),
        ("batch size", str(result.batch_size)),
        ("training time", f"{fmt_seconds(result.train_seconds)} ({fmt_seconds(result.train_seconds / max(result.epochs_run, 1))}/epoch)"),
        ("compile time", f"{fmt_seconds(compile_seconds)}" + (f" ({compile_source}, not in training time)" if compile_source else "")),
    ]
    for what, value in rows:
        table.add_row(what, value)
    return table


def loss_every_table(result, every: int = 100) -> Table:
    """The loss every ``every`` epochs, as the article prints it."""
    table = Table(box=box.SIMPLE, title=f"Loss every {every} epochs", title_justify="left")
    for name in ("epoch", "loss", "accuracy", "lr"):
        table.add_column(name, justify="right")
    n = result.epochs_run
    epochs = list(range(0, n + 1, every))
    if epochs[-1] != n:
        epochs.append(n)
    for k in epochs:
        lr = result.learning_rates[k] if k < len(result.learning_rates) else float("nan")
        table.add_row(str(k), fmt_loss(result.losses[k]), f"{result.accuracies[k]:.3f}", "—" if math.isnan(lr) else f"{lr:.4g}")
    return table
