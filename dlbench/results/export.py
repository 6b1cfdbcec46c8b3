"""Exporters of a loaded results folder: one function per format behind one interface.

``EXPORTERS[fmt](results, to=None) -> list[Path]`` writes ``results`` (a
:class:`~dlbench.results.reader.Results` or a folder path) and returns the files written:

- ``csv``: the tidy tables (``curves.csv``, ``summary.csv``, ``stats.csv``, and ``tuning.csv``,
  ``profile.csv`` when present) into the folder ``to``;
- ``json``: ``results.json`` with ``config``, ``summary``, ``stats`` (and ``tuning``,
  ``profile``) as lists of records, NaN and infinities written as ``null``;
- ``markdown``: ``report.md``, the configuration, the tables and links to the figures;
- ``latex``: ``table.tex``, a ``booktabs`` table of the statistics over seeds;
- ``html``: ``report.html``, one self-contained page (inline SVG figures, sortable tables, the
  configuration; nothing fetched), :mod:`dlbench.results.html`.

``to`` is a folder (the file gets its default name) or, except for ``csv``, a file path; by
default everything goes into the results folder itself. Figures are drawn by
:func:`dlbench.results.figures.write_figures`; the Markdown report links those that exist.
"""

from __future__ import annotations

import json
import math
import os
from pathlib import Path
from typing import Any, Callable

from ..errors import DlbenchError
from .writer import write_csv_atomic, write_text_atomic
from .reader import Results, load_results

__all__ = ["EXPORTERS", "Exporter", "export", "latex_escape", "export_csv", "export_json", "export_markdown", "export_latex", "export_html", "FIGURES"]

Exporter = Callable[..., "list[Path]"]
"""``exporter(results, to=None, force=False) -> list[Path]``: the signature every exporter has."""

FIGURES = (("loss", "Loss"), ("accuracy", "Accuracy"), ("r2", "R² (regression)"),
           ("lr_sensitivity", "Learning-rate sensitivity"), ("profile", "Performance profile"))
"""Figure stems written by :func:`dlbench.results.figures.write_figures`, with their Markdown captions."""


def _results(results: Results | str | Path) -> Results:
    return results if isinstance(results, Results) else load_results(results)


RESULTS_FILES = ("config.json", "summary.csv", "curves.csv", "stats.csv", "tuning.csv", "profile.csv")
"""The files of a results folder that no export ever overwrites."""


def _guard(path: Path, force: bool, explicit: bool) -> None:
    """Refuse to write ``path`` when it is a results folder's own file (a folder holding a
    ``config.json``), or a figure of one, whatever ``force`` says; or when it exists, was named
    explicitly (``to``) and ``force`` is not set."""
    folder = path.parent
    figure = path.suffix in (".png", ".svg") and path.stem in {stem for stem, _ in FIGURES}
    if (path.name in RESULTS_FILES or figure) and (folder / "config.json").is_file():
        raise DlbenchError(f"Refusing to overwrite '{path}': it is a file of the results folder '{folder}'. "
                           "Give --to another file or folder.")
    if explicit and not force and path.exists():
        raise DlbenchError(f"'{path}' exists already: give --force to overwrite it, or another --to.")


def _target(results: Results, to: str | Path | None, name: str, force: bool = False) -> Path:
    """The file to write: ``to`` itself when it names a file, else ``name`` inside the folder ``to``
    (checked by :func:`_guard`)."""
    if to is None:
        path = results.folder / name
    else:
        to = Path(to)
        path = to / name if (to.is_dir() or not to.suffix) else to
    if path.is_dir():
        raise DlbenchError(f"Cannot write '{path}': it is a folder.")
    _guard(path, force, to is not None)
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise DlbenchError(f"Cannot write '{path}': {exc.strerror or exc}.") from None
    return path


def _tables(results: Results) -> dict[str, Any]:
    tables = {"curves.csv": results.curves, "summary.csv": results.summary, "stats.csv": results.aggregate()}
    if results.tuning is not None:
        tables["tuning.csv"] = results.tuning
    if results.profile is not None:
        tables["profile.csv"] = results.profile
    return tables


def export_csv(results: Results | str | Path, to: str | Path | None = None, force: bool = False) -> list[Path]:
    """The tidy tables as CSV files in the folder ``to`` (default: the results folder, where only
    the missing ones, such as ``stats.csv`` of an older folder, are written). Into another
    results folder, never; over existing files elsewhere, only with ``force``."""
    results = _results(results)
    folder = results.folder if to is None else Path(to)
    if folder.suffix and not folder.is_dir():
        raise DlbenchError(f"The csv exporter writes several files: give it a folder, not '{folder}'.")
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise DlbenchError(f"Cannot write '{folder}': {exc.strerror or exc}.") from None
    same = folder.resolve() == results.folder.resolve()
    paths = []
    for name, frame in _tables(results).items():
        path = folder / name
        if not (same and path.exists()):
            if not same:
                _guard(path, force, True)
            write_csv_atomic(path, frame)
        paths.append(path)
    return paths


# --- JSON ---------------------------------------------------------------------------------------

def _clean(value):
    """JSON-safe copy: NaN and infinities become None, NumPy scalars Python ones."""
    if isinstance(value, dict):
        return {str(k): _clean(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_clean(v) for v in value]
    if hasattr(value, "item") and not isinstance(value, (str, bytes)):  # NumPy scalar
        value = value.item()
    if isinstance(value, float) and not math.isfinite(value):
        return None
    if isinstance(value, Path):
        return str(value)
    return value


def _records(frame) -> list[dict]:
    return _clean(frame.to_dict(orient="records"))


def export_json(results: Results | str | Path, to: str | Path | None = None, force: bool = False) -> list[Path]:
    """``results.json``: ``{"format", "config", "summary", "stats"[, "tuning", "profile"]}``,
    tables as lists of records (one object per row), NaN and infinities as ``null``."""
    results = _results(results)
    data = {"format": 1, "config": _clean(results.config), "summary": _records(results.summary),
            "stats": _records(results.aggregate())}
    if results.tuning is not None:
        data["tuning"] = _records(results.tuning)
    if results.profile is not None:
        data["profile"] = _records(results.profile)
    path = _target(results, to, "results.json", force)
    write_text_atomic(path, json.dumps(data, indent=1, allow_nan=False) + "\n")
    return [path]


# --- number formatting shared by Markdown and LaTeX --------------------------------------------

def _num(value, digits: int = 4) -> str:
    """``digits`` significant digits; ``—`` for a missing value, ``inf`` for an infinite one."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "—"
    value = float(value)
    if math.isinf(value):
        return "inf" if value > 0 else "-inf"
    return f"{value:.{digits}g}"


def _pm(mean, std) -> str:
    if std is None or not math.isfinite(float(std)) or not math.isfinite(float(mean)):
        return _num(mean)
    return f"{_num(mean)} ± {_num(std, 2)}"


def _ordered(stats, rank_by: str | None = None):
    """Best first, as in the terminal (:func:`dlbench.results.ranking.rank_stats`): by the mean of
    ``rank_by`` over the seeds that did not diverge (default: the test loss with a test split,
    else the final loss), optimizers whose every seed diverged last."""
    from .ranking import rank_stats

    return rank_stats(stats, rank_by)


def _ranked_words(stats, rank_by: str | None) -> str:
    from .ranking import default_metric, metric_words

    return metric_words(rank_by or default_metric(stats, stats=True))


# --- Markdown -----------------------------------------------------------------------------------

def _md_cell(text: Any) -> str:
    return str(text).replace("|", "\\|").replace("\n", " ")


def _md_table(header: list[str], rows: list[list[Any]], align: str) -> list[str]:
    lines = ["| " + " | ".join(_md_cell(h) for h in header) + " |",
             "|" + "|".join(":---" if a == "l" else "---:" for a in align) + "|"]
    lines += ["| " + " | ".join(_md_cell(c) for c in row) + " |" for row in rows]
    return lines


def _configuration(results: Results) -> list[list[str]]:
    config = results.config
    e = config.get("experiment") or {}
    env = config.get("environment") or {}
    rows = []
    if config.get("command"):
        rows.append(["command", f"`{config['command']}`"])
    if env.get("date"):
        rows.append(["date", str(env["date"])])
    rows.append(["experiment", results.name + (f": {e['description']}" if e.get("description") else "")])
    rows.append(["problems", ", ".join(results.problems)])
    rows.append(["optimizers", f"{len(results.optimizers)}: {', '.join(results.optimizers)}"])
    rows.append(["seeds", str(config.get("seeds") or results.seeds)])
    data = [results.data_text()] if results.data_text() else []
    networks = {p: n for p, n in (config.get("networks") or {}).items() if isinstance(n, dict)}
    if networks:
        layers = sorted({_network_words(n.get("hidden") or [], n.get("activation") or "relu") for n in networks.values()})
        losses = sorted({str(n.get("loss")).upper() for n in networks.values() if n.get("loss")})
    else:  # folders written before networks were recorded: one layer of n_hidden ReLU units
        layers = [_network_words([e["n_hidden"]], "relu")] if e.get("n_hidden") else []
        losses = [str(e["loss"]).upper()] if e.get("loss") else []
    net = [", ".join(layers), f"{e['init']} init" if e.get("init") else "",
           f"{'/'.join(losses)} loss" if losses else "", f"{e['epochs']} epochs" if e.get("epochs") else ""]
    if data or any(net):
        rows.append(["set-up", ", ".join(data + [n for n in net if n])])
    datasets = {p: d for p, d in (config.get("datasets") or {}).items() if isinstance(d, dict)}
    if datasets:
        rows.append(["tasks", ", ".join(f"{p}: {_task_words(d)}" for p, d in datasets.items())])
    tuning = config.get("tuning")
    if tuning:
        grid = tuning.get("grid")
        trials = f" ({tuning['trials']} trials)" if tuning.get("trials") else ""
        span = f", learning rates {_num(min(grid))} to {_num(max(grid))}" if grid else ""
        rows.append(["tuning", f"{tuning.get('parameter', 'lr')}, budget {tuning.get('budget')}{trials}{span}"])
    if results.targets:
        rows.append(["target", results.target_text().split(": ", 1)[1]])
    if config.get("interrupted"):
        rows.append(["interrupted", f"yes: {config.get('completed_runs')} of {config.get('planned_runs')} runs finished"])
    versions = ", ".join(f"{k} {env[k]}" for k in ("dlbench", "numpy", "numba", "llvmlite", "pandas", "python") if env.get(k))
    if versions:
        rows.append(["versions", versions])
    machine = ", ".join(str(x) for x in (env.get("cpu"), f"{env['cpu_count']} CPUs" if env.get("cpu_count") else None,
                                          env.get("platform")) if x)
    if machine:
        rows.append(["machine", machine])
    return rows


def _network_words(hidden: list, activation: str) -> str:
    """``8 hidden ReLU units``, ``hidden layers 64, 32 (tanh)``, ``no hidden layer (linear)``."""
    if not hidden:
        return "no hidden layer (linear)"
    if len(hidden) == 1:
        return f"{hidden[0]} hidden {'ReLU' if activation == 'relu' else activation} units"
    return f"hidden layers {', '.join(map(str, hidden))} ({activation})"


def _task_words(dataset: dict) -> str:
    task = str(dataset.get("task", "binary"))
    return f"multiclass ({dataset.get('n_classes')} classes)" if task == "multiclass" else task


def _stats_rows(results: Results, stats, problem: str, rank_by: str | None = None):
    from .tables import fmt_seconds

    test = results.has_test
    reg = results.is_regression(problem)
    target = bool(results.targets) and "reached_target" in stats
    score = ["rmse (mean ± std)", "R² (mean ± std)"] if reg else ["accuracy (mean ± std)"]
    header = ["#", "optimizer", "final loss (mean ± std)", "95% CI", "best loss", *score]
    if test:
        header += ["test loss"] + (["test rmse", "test R²"] if reg else ["test accuracy"])
    header += ["diverged", "train time", "vs fastest"]
    if target:
        header += ["reached target", "epochs to target", "time to target"]
    rows = []
    part = _ordered(stats[stats["problem"] == problem], rank_by)
    for rank, (_, r) in enumerate(part.iterrows(), start=1):
        ci = "—" if not math.isfinite(float(r["final_loss_ci_low"])) else \
            f"[{_num(r['final_loss_ci_low'])}, {_num(r['final_loss_ci_high'])}]"
        row = [rank, r["optimizer"], _pm(r["final_loss_mean"], r["final_loss_std"]), ci, _num(r["best_loss_mean"])]
        row += ([_pm(r["final_rmse_mean"], r["final_rmse_std"]), _pm(r["final_r2_mean"], r["final_r2_std"])] if reg
                else [_pm(r["final_accuracy_mean"], r["final_accuracy_std"])])
        if test:
            row += [_pm(r["test_loss_mean"], r["test_loss_std"])]
            row += ([_pm(r["test_rmse_mean"], r["test_rmse_std"]), _pm(r["test_r2_mean"], r["test_r2_std"])] if reg
                    else [_pm(r["test_accuracy_mean"], r["test_accuracy_std"])])
        ratio = r.get("time_ratio", math.nan)
        row += [f"{int(r['diverged'])}/{int(r['runs'])}", fmt_seconds(float(r["train_seconds_mean"])),
                "—" if ratio is None or not math.isfinite(float(ratio)) else f"{float(ratio):.2f}×"]
        if target:
            seconds = float(r.get("seconds_to_target", math.nan))
            row += [f"{100 * float(r['reached_target']):.0f}%", _num(r.get("epochs_to_target")),
                    fmt_seconds(seconds) if math.isfinite(seconds) else "never"]
        rows.append(row)
    return header, rows


def _summary_rows(results: Results):
    from .tables import fmt_seconds

    regression = [p for p in results.problems if results.is_regression(p)]
    score = "accuracy" if not regression else "R²" if len(regression) == len(results.problems) else "accuracy / R²"
    header = ["problem", "optimizer", "seed", "lr", "final loss", "best loss", score, "epochs", "status", "train time"]
    rows = []
    summary = results.summary.sort_values(["problem", "optimizer", "seed"], kind="stable",
                                          key=lambda c: c.map({n: i for i, n in enumerate(results.optimizers)})
                                          if c.name == "optimizer" else c)
    for _, r in summary.iterrows():
        status = "diverged" if r["diverged"] else "converged" if r["converged"] else "ran all"
        value = r["final_r2"] if r["problem"] in regression else r["final_accuracy"]
        rows.append([r["problem"], r["optimizer"], int(r["seed"]), _num(r["lr"]), _num(r["final_loss"]),
                     _num(r["best_loss"]), _num(value, 3), _num(r["epochs_run"]), status,
                     fmt_seconds(float(r["train_seconds"]))])
    return header, rows


def _profile_rows(profile, taus=(1.0, 1.5, 2.0, 4.0)):
    header = ["optimizer", "score"] + [f"ρ({tau:g})" for tau in taus]
    scores = profile.groupby("optimizer", sort=False)["score"].first().sort_values(ascending=False, kind="stable")
    rows = []
    for optimizer, score in scores.items():
        curve = profile[profile["optimizer"] == optimizer].sort_values("tau")
        cells = []
        for tau in taus:
            upto = curve[curve["tau"] <= tau + 1e-12]
            cells.append(f"{upto['rho'].iloc[-1]:.2f}" if len(upto) else "0.00")
        rows.append([optimizer, _num(score, 3)] + cells)
    return header, rows


def export_markdown(results: Results | str | Path, to: str | Path | None = None, force: bool = False,
                    rank_by: str | None = None) -> list[Path]:
    """``report.md``: configuration, statistics over seeds per problem (ranked as in the terminal,
    by ``rank_by``: :mod:`dlbench.results.ranking`; with the test columns and time to target when
    there are), per-seed results, tuning, and the figures that exist in the results folder
    (relative links, so it renders on any Git host)."""
    results = _results(results)
    path = _target(results, to, "report.md", force)
    stats = results.aggregate()
    seeds = results.seeds
    lines = [f"# {results.name}: optimizer comparison", ""]
    lines += _md_table(["setting", "value"], _configuration(results), "ll") + [""]
    figures = [(stem, caption) for stem, caption in FIGURES if (results.folder / f"{stem}.png").is_file()]
    if figures:
        lines += ["## Figures", ""]
        for stem, caption in figures:
            link = Path(os.path.relpath(results.folder / f"{stem}.png", path.parent)).as_posix()
            lines += [f"![{caption}]({link})", ""]
    for problem in results.problems:
        header, rows = _stats_rows(results, stats, problem, rank_by)
        title = "Results" if len(results.problems) == 1 else f"Results on {problem}"
        lines += [f"## {title}", ""] + _md_table(header, rows, "rl" + "r" * (len(header) - 2)) + [""]
        measures = "Losses, RMSE and R²" if results.is_regression(problem) else "Losses and accuracy"
        lines += [f"Over {seeds} seed(s), best first by {_ranked_words(stats, rank_by)}. {measures} on the training set after the last "
                  "epoch: mean ± sample standard deviation, 95% confidence interval of the mean (Student t); "
                  "diverged runs are counted and left out of the other statistics. Train time: mean over seeds "
                  "of the compiled training loop's wall time; 'vs fastest': ratio of mean times, to the fastest "
                  "optimizer over the seeds that did not diverge."
                  + (" Test: the held-out split." if results.has_test else "")
                  + (" Epochs and time to target: medians over the runs that reached it." if results.targets else ""),
                  ""]
    if results.profile is not None and not results.profile.empty:
        lines += ["## Across problems", ""] + _md_table(*_profile_rows(results.profile), "lrrrrr") + [""]
        lines += ["ρ(τ): fraction of problems on which the optimizer reached its target within τ times the fastest "
                  "optimizer's time; score: area under ρ from 1 to 4, normalised to [0, 1] (AlgoPerf).", ""]
    header, rows = _summary_rows(results)
    lines += ["## Per-seed results", ""] + _md_table(header, rows, "llrrrrrrll") + [""]
    if results.tuning is not None and not results.tuning.empty:
        tuning = results.tuning
        rows = []
        for (problem, optimizer), group in tuning.groupby(["problem", "optimizer"], sort=False):
            chosen = group[group["selected"].astype(bool)]
            if len(chosen):  # an interrupted tuning selected nothing: say so, never pick a rate for it
                r = chosen.iloc[0]
                rows.append([problem, optimizer, _num(r["lr"]), _num(r["val_loss"]), int(group["diverged"].sum())])
            else:
                rows.append([problem, optimizer, f"not chosen (interrupted, {len(group)} trials done)", "—",
                             int(group["diverged"].sum())])
        lines += ["## Tuning", "", "The learning rate selected per optimizer (lowest validation loss).", ""]
        lines += _md_table(["problem", "optimizer", "selected lr", "validation loss", "diverged trials"], rows, "llrrr") + [""]
    write_text_atomic(path, "\n".join(lines))
    return [path]


# --- LaTeX --------------------------------------------------------------------------------------

_LATEX_SPECIAL = {"\\": r"\textbackslash{}", "&": r"\&", "%": r"\%", "$": r"\$", "#": r"\#", "_": r"\_",
                  "{": r"\{", "}": r"\}", "~": r"\textasciitilde{}", "^": r"\textasciicircum{}"}


def latex_escape(text: Any) -> str:
    """``text`` with LaTeX's special characters escaped."""
    return "".join(_LATEX_SPECIAL.get(c, c) for c in str(text))


def _tex_num(value, digits: int = 3) -> str:
    """A number for math mode: ``0.0727``, ``6.06\\times10^{-5}``."""
    text = _num(value, digits)
    if text in ("—", "inf", "-inf"):
        return {"—": r"\mbox{--}", "inf": r"\infty", "-inf": r"-\infty"}[text]
    if "e" in text:
        mantissa, exponent = text.split("e")
        return rf"{mantissa}\times10^{{{int(exponent)}}}"
    return text


def export_latex(results: Results | str | Path, to: str | Path | None = None, force: bool = False,
                 rank_by: str | None = None) -> list[Path]:
    """``table.tex``: a ``booktabs`` table (needs ``\\usepackage{booktabs}``) of each optimizer's final
    training loss and accuracy (R² for a regression problem; mean ± std over the seeds that did
    not diverge), with a test split its test loss and accuracy (R²), with a target the median
    time to reach it, and mean training time; ranked as in the terminal (``rank_by``:
    :mod:`dlbench.results.ranking`), the best loss of each problem in bold."""
    import numpy as np

    results = _results(results)
    path = _target(results, to, "table.tex", force)
    stats = results.aggregate()
    problems = results.problems
    seeds = results.seeds
    test, target = results.has_test, bool(results.targets)
    over = f"mean $\\pm$ std over {seeds} seeds" if seeds > 1 else "one seed"
    regression = [p for p in problems if results.is_regression(p)]
    score = "accuracy" if not regression else "R$^2$" if len(regression) == len(problems) else "accuracy or R$^2$"
    score_head = score[0].upper() + score[1:]
    heads = ["Optimizer", "Final loss", score_head] + (["Test loss", f"Test {score}"] if test else []) + (
        ["Time to target (s)"] if target else []) + ["Time (s)"]
    extra = (f", test loss and {score} on the held-out split" if test else "") + (
        f", time to target ({latex_escape(results.target_text().split(': ', 1)[1])}; median over the runs that "
        "reached it)" if target else "")
    lines = [f"% dlbench: {latex_escape(results.name)} ({latex_escape(results.folder.name)}). Needs \\usepackage{{booktabs}}.",
             r"\begin{table}[htbp]", r"\centering",
             f"\\caption{{{latex_escape(results.name)}: final training loss and {score}{extra} and training time "
             f"({over}); best first by {latex_escape(_ranked_words(stats, rank_by))}.}}",
             f"\\label{{tab:dlbench-{''.join(c if c.isalnum() else '-' for c in results.name)}}}",
             f"\\begin{{tabular}}{{l{'r' * (len(heads) - 1)}}}", r"\toprule",
             " & ".join(heads) + r" \\", r"\midrule"]

    def pm(mean, std):
        mean, std = float(mean), float(std)
        if not np.isfinite(mean):
            return r"\mbox{--}"
        return _tex_num(mean) if not np.isfinite(std) else f"{_tex_num(mean)} \\pm {_tex_num(std, 2)}"

    for k, problem in enumerate(problems):
        part = _ordered(stats[stats["problem"] == problem], rank_by)
        if len(problems) > 1:
            if k:
                lines.append(r"\midrule")
            lines.append(f"\\multicolumn{{{len(heads)}}}{{l}}{{\\emph{{{latex_escape(problem)}}}}} \\\\")
        clean = part["final_loss_mean"].where(part["diverged"] == 0).astype(float)
        best = clean.min() if clean.notna().any() else None
        for _, r in part.iterrows():
            mean, std = float(r["final_loss_mean"]), float(r["final_loss_std"])
            diverged, runs = int(r["diverged"]), int(r["runs"])
            if diverged == runs or not np.isfinite(mean):
                loss = r"\multicolumn{1}{r}{diverged}"
            else:  # statistics over the seeds that did not diverge
                body = _tex_num(mean) if not np.isfinite(std) else f"{_tex_num(mean)} \\pm {_tex_num(std, 2)}"
                loss = f"$\\mathbf{{{body}}}$" if diverged == 0 and mean == best else f"${body}$"
                if diverged:
                    loss += f" ({diverged}/{runs} diverged)"
            metric = "r2" if problem in regression else "accuracy"
            cells = [latex_escape(r["optimizer"]), loss, f"${pm(r[f'final_{metric}_mean'], r[f'final_{metric}_std'])}$"]
            if test:
                cells += [f"${pm(r['test_loss_mean'], r['test_loss_std'])}$",
                          f"${pm(r[f'test_{metric}_mean'], r[f'test_{metric}_std'])}$"]
            if target:
                seconds = float(r.get("seconds_to_target", math.nan))
                cells += [f"${_tex_num(seconds)}$" if math.isfinite(seconds) else "never"]
            cells += [f"${_tex_num(r['train_seconds_mean'])}$"]
            lines.append(" & ".join(cells) + r" \\")
    lines += [r"\bottomrule", r"\end{tabular}", r"\end{table}", ""]
    write_text_atomic(path, "\n".join(lines))
    return [path]


def export_html(results: Results | str | Path, to: str | Path | None = None, force: bool = False) -> list[Path]:
    """``report.html``: one self-contained page (:mod:`dlbench.results.html`)."""
    from .html import export_html as _export_html

    return _export_html(_results(results), to, force)


EXPORTERS: dict[str, Exporter] = {"csv": export_csv, "json": export_json, "markdown": export_markdown, "latex": export_latex,
                                  "html": export_html}
"""Format name to exporter; each is ``exporter(results, to=None) -> list[Path]``."""


def export(results: Results | str | Path, fmt: str, to: str | Path | None = None, force: bool = False) -> list[Path]:
    """Export ``results`` in the format ``fmt`` (a key of :data:`EXPORTERS`)."""
    try:
        exporter = EXPORTERS[fmt]
    except (KeyError, TypeError):
        from ..errors import ConfigError

        raise ConfigError(f"Unknown export format {fmt!r}. Valid formats: {', '.join(EXPORTERS)}.") from None
    return exporter(results, to, force)
