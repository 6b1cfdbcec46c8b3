"""Figures of a results folder, written as PNG and SVG beside its CSV files.

:func:`write_figures` draws, for each problem, the training loss per epoch and per second of
training (and the test loss when there is a test split) in ``loss.png``/``loss.svg``, the accuracy
of classification problems in ``accuracy.png``/``accuracy.svg``, the R² of regression problems
in ``r2.png``/``r2.svg``, the learning-rate sensitivity of tuned results in
``lr_sensitivity.png``/``.svg`` and the performance profile of multi-problem results in
``profile.png``/``.svg``. Each optimizer keeps one colour and line style in every figure
(:func:`optimizer_styles`). With several seeds a line is the mean over seeds and the shaded band
spans the minimum to the maximum; a run that diverged ends with an ``x``.

Matplotlib is imported inside the functions only, and only its object-oriented API is used
(``matplotlib.figure.Figure`` rendered by the Agg and SVG canvases): no display, no pyplot state,
and the caller's backend is left alone.
"""

from __future__ import annotations

import math
from pathlib import Path

from .reader import Results, load_results, ordered_labels

__all__ = ["write_figures", "optimizer_styles", "COLORS", "LINESTYLES"]

COLORS = ("#1f77b4", "#ff7f0e", "#2ca02c", "#d62728", "#9467bd", "#8c564b", "#e377c2", "#7f7f7f", "#bcbd22", "#17becf")
"""Matplotlib's tab10 palette, cycled."""
LINESTYLES = ("-", "--", ":", "-.")
"""Line styles, changed each time the colours cycle (so 40 optimizers stay distinct)."""

_MAX_POINTS = 2000  # points per drawn line; longer curves are thinned keeping each stretch's extremes
_LEGEND_RIGHT = 8  # legend right of the panels up to this many entries (or with one column of panels), else below


def optimizer_styles(labels) -> dict[str, tuple[str, str]]:
    """The one mapping from optimizer label to ``(colour, line style)``.

    A registered optimizer's style comes from its place in the registry, so it is the same in
    every figure and every results folder; other labels follow the registry, sorted by name.
    """
    from ..optimizers import OPTIMIZERS

    registered = list(OPTIMIZERS)
    labels = ordered_labels(labels)
    others = [x for x in labels if x not in OPTIMIZERS]
    styles = {}
    for label in labels:
        i = registered.index(label) if label in OPTIMIZERS else len(registered) + others.index(label)
        styles[label] = (COLORS[i % len(COLORS)], LINESTYLES[(i // len(COLORS)) % len(LINESTYLES)])
    return styles


# --- data preparation ----------------------------------------------------------------------------

def _thin(y):
    """Indices of the points to draw of the curve ``y``: all of them up to ``_MAX_POINTS``, else the
    lowest and highest point of each of ``_MAX_POINTS / 2`` equal stretches (so spikes survive)."""
    import numpy as np

    n = y.size
    if n <= _MAX_POINTS:
        return np.arange(n)
    buckets = _MAX_POINTS // 2
    stride = -(-n // buckets)
    padded = np.full(buckets * stride, np.nan)
    padded[:n] = y
    padded = padded.reshape(buckets, stride)
    nan = np.isnan(padded)
    low = np.where(nan, np.inf, padded).argmin(axis=1)
    high = np.where(nan, -np.inf, padded).argmax(axis=1)
    base = np.arange(buckets) * stride
    index = np.unique(np.concatenate([[0, n - 1], base + low, base + high]))
    return index[index < n]


class _Band:
    """One optimizer's line on one problem: mean, min and max over the seeds that did not diverge
    (each seed counted while it runs), plus each diverged seed's own curve up to its last finite point.
    When every seed diverged, the line is the mean over all of them until the first one stops."""

    def __init__(self, epochs, mean, low, high, seconds, n_seeds: int, n_diverged: int, all_diverged: bool, lost):
        self.epochs, self.mean, self.low, self.high, self.seconds = epochs, mean, low, high, seconds
        self.n_seeds, self.n_diverged, self.all_diverged = n_seeds, n_diverged, all_diverged
        self.lost = lost  # [(epochs, values, seconds)] of the diverged seeds drawn apart

    @property
    def diverged(self) -> bool:
        return self.n_diverged > 0


class _Runs:
    """Each (problem, optimizer)'s curves as epoch x seed matrices, built once per figure set."""

    def __init__(self, results: Results):
        import numpy as np

        curves = results.curves
        summary = results.summary
        flagged = set(zip(summary.loc[summary["diverged"], "problem"], summary.loc[summary["diverged"], "optimizer"],
                          summary.loc[summary["diverged"], "seed"]))
        columns = {c: curves[c].to_numpy(dtype=float) for c in
                   ("loss", "accuracy", "r2", "test_loss", "test_accuracy", "test_r2", "elapsed_s")}
        epoch_all = curves["epoch"].to_numpy()
        seed_all = curves["seed"].to_numpy()
        self.runs = {}
        for (problem, optimizer), rows in curves.groupby(["problem", "optimizer"], sort=False).indices.items():
            epochs = np.unique(epoch_all[rows])
            seeds = np.unique(seed_all[rows])
            ie = np.searchsorted(epochs, epoch_all[rows])
            js = np.searchsorted(seeds, seed_all[rows])
            mats = {}
            for name, values in columns.items():
                m = np.full((epochs.size, seeds.size), np.nan)
                m[ie, js] = values[rows]
                mats[name] = m
            loss = mats["loss"]
            diverged = np.zeros(seeds.size, dtype=bool)
            for j, seed in enumerate(seeds):  # the summary says so, or the loss ends non-finite
                present = np.nonzero(~np.isnan(loss[:, j]))[0]
                last = loss[present[-1], j] if present.size else np.nan
                diverged[j] = (problem, optimizer, seed) in flagged or not np.isfinite(last)
            self.runs[(str(problem), str(optimizer))] = (epochs, mats, diverged)

    def bands(self, problem: str, metric: str, positive: bool) -> dict[str, _Band]:
        import numpy as np

        out = {}
        for (p, optimizer), (epochs, mats, diverged) in self.runs.items():
            if p != problem:
                continue
            v, sec = mats[metric], mats["elapsed_s"]
            with np.errstate(invalid="ignore"):
                usable = np.isfinite(v) & ((v > 0) if positive else True)
            if diverged.all():
                bad_rows = ~usable.all(axis=1)
                end = int(np.argmax(bad_rows)) if bad_rows.any() else v.shape[0]
                if end == 0:
                    continue
                block = v[:end]
                mean, low, high = block.mean(axis=1), block.min(axis=1), block.max(axis=1)
                x, s, lost = epochs[:end], _row_mean(sec[:end]), []
            else:
                block = np.where(usable[:, ~diverged], v[:, ~diverged], np.nan)
                rows = ~np.isnan(block).all(axis=1)
                if not rows.any():
                    continue
                block = block[rows]
                if block.shape[1] == 1:
                    mean = low = high = block[:, 0]
                else:
                    mean, low, high = _row_mean(block), np.nanmin(block, axis=1), np.nanmax(block, axis=1)
                x = epochs[rows]
                s = _row_mean(np.where(~np.isnan(block), sec[rows][:, ~diverged], np.nan))
                lost = []
                for j in np.nonzero(diverged)[0]:
                    keep = usable[:, j]
                    if keep.any():
                        stop = int(np.nonzero(keep)[0][-1]) + 1
                        keep = keep[:stop]
                        lost.append((epochs[:stop][keep], v[:stop, j][keep], sec[:stop, j][keep]))
            out[optimizer] = _Band(x, mean, low, high, s, n_seeds=v.shape[1], n_diverged=int(diverged.sum()),
                                   all_diverged=bool(diverged.all()), lost=lost)
        return out


def _row_mean(block):
    """Mean of each row over its non-NaN entries (NaN for an all-NaN row), without warnings."""
    import numpy as np

    count = (~np.isnan(block)).sum(axis=1)
    total = np.where(np.isnan(block), 0.0, block).sum(axis=1)
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(count > 0, total / np.maximum(count, 1), np.nan)


def _literal(text) -> str:
    """A user string as Matplotlib draws it literally: control characters removed and ``$``
    escaped (Matplotlib reads text between two ``$`` as mathtext)."""
    import re

    return re.sub(r"[\x00-\x08\x0b-\x1f\x7f-\x9f]", "", str(text)).replace("$", r"\$")


def _label(name: str, band: _Band | None) -> str:
    if band is None or not band.diverged:
        return name
    if band.n_seeds > 1 and not band.all_diverged:
        return f"{name} ({band.n_diverged}/{band.n_seeds} seeds diverged)"
    return f"{name} (diverged)"


# --- drawing -------------------------------------------------------------------------------------

def _draw(ax, bands: dict[str, _Band], styles, x: str, log_y: bool, y_top: float | None):
    """One line (and band) per optimizer; a diverged run ends with an ``x`` (kept inside the axes)."""
    import numpy as np

    def mark(xs, ys, color):
        last_y = ys[-1] if y_top is None else min(ys[-1], y_top)
        ax.plot([xs[-1]], [last_y], marker="x", markersize=9, markeredgewidth=2.2, color=color, linestyle="none",
                clip_on=False, zorder=5)

    alpha = 0.18 if len(bands) <= 6 else 0.08  # many overlapping bands turn to mud
    for name, band in bands.items():
        color, style = styles[name]
        xs = band.epochs if x == "epoch" else band.seconds
        keep = np.ones(xs.size, dtype=bool) if x == "epoch" else np.isfinite(xs) & (xs > 0)
        if keep.any():
            idx = np.nonzero(keep)[0]
            thin = idx[_thin(band.mean[idx])]
            ax.plot(xs[thin], band.mean[thin], color=color, linestyle=style, linewidth=1.4, label=name)
            if band.n_seeds - (0 if band.all_diverged else band.n_diverged) > 1:
                ax.fill_between(xs[thin], band.low[thin], band.high[thin], color=color, alpha=alpha, linewidth=0)
            if band.all_diverged:
                mark(xs[idx], band.mean[idx], color)
        for epochs, values, seconds in band.lost:  # diverged seeds of an otherwise healthy run
            xs = epochs if x == "epoch" else seconds
            keep = np.isfinite(xs) & ((xs > 0) if x != "epoch" else True)
            if keep.any():
                ax.plot(xs[keep], values[keep], color=color, linestyle=style, linewidth=0.8, alpha=0.7)
                mark(xs[keep], values[keep], color)
    if log_y:
        ax.set_yscale("log")
        _log_ticks(ax.yaxis)
    if x == "seconds":
        ax.set_xscale("log")
        _log_ticks(ax.xaxis)
    ax.grid(True, which="major", alpha=0.3)
    ax.grid(True, which="minor", axis="y", alpha=0.1)


def _plain(value: float) -> str:
    """A tick label without mathtext: ``0.001``, ``0.6``, ``2000``, ``1e-5``, ``2e-7``."""
    if value <= 0 or not math.isfinite(value):
        return ""
    exponent = math.floor(math.log10(value) + 1e-9)
    if -3 <= exponent <= 4:
        return f"{value:.6g}"
    mantissa = value / 10.0**exponent
    return f"1e{exponent}" if abs(mantissa - 1) < 1e-6 else f"{mantissa:.2g}e{exponent}"


def _log_ticks(axis):
    """Plain labels on a log axis: every decade, and 2, 3 and 5 times a decade when the axis spans
    less than about one and a half decades (mathtext labels are wider and slower to draw)."""
    from matplotlib.ticker import FuncFormatter

    def small() -> bool:
        lo, hi = sorted(axis.get_view_interval())
        return lo > 0 and math.log10(hi / lo) < 1.5

    def minor(value, _pos) -> str:
        if not small() or value <= 0:
            return ""
        mantissa = round(value / 10.0 ** math.floor(math.log10(value) + 1e-9), 6)
        return _plain(value) if mantissa in (2.0, 3.0, 5.0) else ""

    axis.set_major_formatter(FuncFormatter(lambda value, _pos: _plain(value)))
    axis.set_minor_formatter(FuncFormatter(minor))


def _y_limits(bands_list, log: bool, floor: float | None = None):
    """Limits covering every run that did not diverge, so a diverging run leaves the top edge
    instead of squashing the others; ``floor`` is the lowest bottom shown (R² far below 0 at the
    start of a run would squash the rest)."""
    import numpy as np

    lows, highs, all_highs = [], [], []
    for bands in bands_list:
        for band in bands.values():
            low = band.low[np.isfinite(band.low)]
            high = band.high[np.isfinite(band.high)]
            if low.size:
                lows.append(low.min())
            if high.size:
                all_highs.append(high.max())
                if not band.all_diverged:
                    highs.append(high.max())
    if not lows:
        return None
    top = max(highs) if highs else min(all_highs)
    bottom = min(lows)
    if floor is not None:
        bottom = max(bottom, floor)
        top = max(top, bottom + 0.1)
    if log:
        bottom, top = max(bottom, 1e-300), max(top, 1e-300)
        span = max(math.log10(top / bottom), 0.3)
        return bottom / 10 ** (0.04 * span), top * 10 ** (0.08 * span)
    pad = 0.04 * ((top - bottom) or 1.0)
    return bottom - pad, top + pad


def _seed_note(results: Results, partial: bool) -> str:
    n = results.seeds
    if n <= 1:
        return "1 seed"
    return f"mean over {n} seeds, band: min–max" + ("\n(a diverged seed: thin line of its own)" if partial else "")


def _describe(results: Results) -> str:
    e = results.config.get("experiment") or {}
    networks = [n for n in (results.config.get("networks") or {}).values() if isinstance(n, dict)]
    losses = sorted({str(n.get("loss")) for n in networks if n.get("loss")}) or ([str(e["loss"])] if e.get("loss") else [])
    bits = ["/".join(x.upper() for x in losses) + " loss" if losses else ""]
    data = results.data_text()
    bits.append(data if len(data) <= 60 else "")  # per-problem sizes are too long for a subtitle
    hidden = networks[0].get("hidden") if networks else (e.get("hidden") or ([e["n_hidden"]] if e.get("n_hidden") else None))
    activation = (networks[0].get("activation") if networks else e.get("activation")) or "relu"
    if hidden and len(hidden) == 1:
        bits.append(f"{hidden[0]} hidden units" + (f" ({activation})" if activation != "relu" else ""))
    elif hidden:
        bits.append(f"hidden layers {','.join(map(str, hidden))}" + (f" ({activation})" if activation != "relu" else ""))
    return ", ".join(b for b in bits if b)


_CHAR_W = 0.075  # inches per legend character at font size 9 (DejaVu Sans, generous)


def _layout(n_rows: int, n_cols: int, texts: list[str], title: str, panel=(4.4, 3.0), title_lines: int = 2):
    """A figure with a fixed layout worked out in inches (much faster than constrained layout):
    panels in a grid; the legend right of them (few entries, or a single column of panels) or
    below them in columns. Returns the figure, the axes grid and where the legend and title go."""
    from matplotlib.figure import Figure

    left, right, gap_w, gap_h, bottom = 0.85, 0.2, 0.85, 0.8, 0.6
    top = 0.2 + 0.2 * title_lines + 0.3
    col_w = max(len(t) for t in texts + [""]) * _CHAR_W + 0.6
    grid_w = n_cols * panel[0] + (n_cols - 1) * gap_w
    title_rows = title.count("\n") + 1
    panel_h = panel[1]
    if len(texts) <= _LEGEND_RIGHT or n_cols == 1:
        ncols = math.ceil(len(texts) / 14) if texts else 1
        legend_w = max(col_w * ncols, max(len(line) for line in title.split("\n")) * _CHAR_W + 0.2)
        legend_h = 0.0
        needed = 0.2 * math.ceil(len(texts) / ncols) + 0.2 * title_rows + 0.1
        panel_h = max(panel_h, (needed - (n_rows - 1) * gap_h) / n_rows)
    else:
        legend_w = 0.0
        ncols = max(1, min(len(texts), int((grid_w + left) // col_w), 6))
        legend_h = 0.2 * math.ceil(len(texts) / ncols) + 0.2 * title_rows + 0.12
    width = left + grid_w + right + legend_w
    height = top + n_rows * panel_h + (n_rows - 1) * gap_h + bottom + legend_h
    fig = Figure(figsize=(width, height))
    axes = fig.subplots(n_rows, n_cols, squeeze=False, gridspec_kw=dict(
        left=left / width, right=(left + grid_w) / width, top=1 - top / height, bottom=(bottom + legend_h) / height,
        wspace=gap_w / panel[0], hspace=gap_h / panel_h))
    if legend_w:
        anchor, loc = ((left + grid_w + 0.15) / width, 1 - top / height), "upper left"
    else:
        anchor, loc = ((left + grid_w / 2) / width, (legend_h + 0.05) / height), "upper center"
    place = {"legend": dict(bbox_to_anchor=anchor, loc=loc, ncols=ncols), "title_y": 1 - 0.12 / height}
    return fig, axes, place


def _legend(fig, place, styles, names, labels: dict[str, str], title: str, extra=()):
    from matplotlib.lines import Line2D

    handles = [Line2D([], [], color=styles[n][0], linestyle=styles[n][1], linewidth=1.8) for n in names]
    texts = [_literal(labels.get(n, n)) for n in names]
    for handle, text in extra:
        handles.append(handle)
        texts.append(text)
    fig.legend(handles, texts, title=title, frameon=False, fontsize=9, title_fontsize=9, borderaxespad=0,
               **place["legend"])


def _suptitle(fig, place, text: str):
    fig.suptitle(_literal(text), y=place["title_y"], va="top", fontsize=11)


def _save(fig, folder: Path, stem: str) -> list[Path]:
    import matplotlib

    import os
    import tempfile

    from ..errors import DlbenchError

    paths = []
    with matplotlib.rc_context({"svg.fonttype": "none", "svg.hashsalt": "dlbench"}):
        for ext in ("png", "svg"):
            path = folder / f"{stem}.{ext}"
            tmp = None
            try:  # drawn beside the target, then renamed over it: a full disk leaves no half figure
                fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=folder)
                with os.fdopen(fd, "wb") as handle:
                    fig.savefig(handle, format=ext, dpi=100, metadata={"Software": None} if ext == "png" else {"Date": None})
                os.chmod(tmp, _mode())
                os.replace(tmp, path)
                tmp = None
            except OSError as exc:
                raise DlbenchError(f"Cannot write the figure '{path}': {exc.strerror or exc}. The results files "
                                   "(config.json and the CSV tables) are kept; free some space and run "
                                   f"'dlbench show {folder} --plots'.") from None
            finally:
                if tmp is not None and os.path.exists(tmp):
                    os.unlink(tmp)
            paths.append(path)
    return paths


def _mode() -> int:
    from .writer import _MODE

    return _MODE


_X_MARK = ("diverged run: last finite point",)


def _x_handle():
    from matplotlib.lines import Line2D

    return Line2D([], [], color="black", marker="x", linestyle="none", markersize=7, markeredgewidth=2)


_AXIS = {"loss": "(log scale)", "accuracy": "(fraction correct)", "r2": "(1 is perfect; clipped at -1)"}


def _curve_figure(results: Results, runs: _Runs, kind: str, folder: Path, problems: list[str] | None = None) -> list[Path]:
    """Per problem (of ``problems``, default all): the loss vs epoch and vs training seconds, or the
    accuracy (or R²) vs epoch; then the test split's loss, accuracy or R² vs epoch when there is one."""
    problems = problems if problems is not None else results.problems
    styles = optimizer_styles(results.optimizers)
    names = list(styles)
    log = kind == "loss"
    columns = [("epoch", kind, "training")] + ([("seconds", kind, "training")] if kind == "loss" else [])
    if results.has_test:
        columns.append(("epoch", f"test_{kind}", "test"))
    labels: dict[str, str] = {}
    panels = []
    for problem in problems:
        per_column = [runs.bands(problem, m, positive=log) for _, m, _ in columns]
        panels.append((problem, per_column, _y_limits(per_column, log, -1.0 if kind == "r2" else None)))
        for bands in per_column:
            for name, band in bands.items():
                if band.diverged or name not in labels:
                    labels[name] = _label(name, band)
    partial = any(b.diverged and not b.all_diverged for _, per, _ in panels for bands in per for b in bands.values())
    any_diverged = any("diverged" in t for t in labels.values())
    texts = [_literal(labels.get(n, n)) for n in names] + (list(_X_MARK) if any_diverged else [])
    note = _seed_note(results, partial)
    fig, axes, place = _layout(len(problems), len(columns), texts, note)
    for row, (problem, per_column, limits) in enumerate(panels):
        for col, ((x, _, split), bands) in enumerate(zip(columns, per_column)):
            ax = axes[row][col]
            _draw(ax, bands, styles, x, log, limits[1] if (limits and log) else None)
            if limits:
                ax.set_ylim(*limits)
            what = f"{split} {'R²' if kind == 'r2' else kind}"
            ax.set_title(f"{_literal(problem)}: {what} vs {'epoch' if x == 'epoch' else 'training time'}", fontsize=10, pad=9, y=1.0)
            ax.set_xlabel("epoch" if x == "epoch" else "training time (s, log scale)")
            ax.set_ylabel(f"{what} {_AXIS[kind]}")
    title = f"{results.name}: {'R²' if kind == 'r2' else kind}" + (f" on {problems[0]}" if len(problems) == 1 else "")
    described = _describe(results)
    _suptitle(fig, place, title + (f"\n{described}" if described else ""))
    _legend(fig, place, styles, names, labels, note, [(_x_handle(), _X_MARK[0])] if any_diverged else [])
    return _save(fig, folder, kind)


def _lr_figure(results: Results, folder: Path) -> list[Path]:
    import numpy as np
    from matplotlib.lines import Line2D
    from matplotlib.transforms import blended_transform_factory

    tuning = results.tuning
    problems = [p for p in results.problems if p in set(tuning["problem"])] or list(tuning["problem"].unique())
    styles = optimizer_styles(set(tuning["optimizer"]) | set(results.optimizers))
    names = [n for n in styles if n in set(tuning["optimizer"])]
    n_cols = min(3, len(problems))
    n_rows = math.ceil(len(problems) / n_cols)
    extra = [
        (Line2D([], [], color="black", marker="x", linestyle="none", markersize=7, markeredgewidth=2),
         "diverged trial (at the top edge)"),
        (Line2D([], [], color="white", marker="*", markeredgecolor="black", markersize=11, linestyle="none"),
         "selected learning rate"),
    ]
    fig, axes, place = _layout(n_rows, n_cols, names + [t for _, t in extra], "optimizer", title_lines=1)
    for k, problem in enumerate(problems):
        ax = axes[k // n_cols][k % n_cols]
        frame = tuning[tuning["problem"] == problem]
        finite = np.isfinite(frame["val_loss"].to_numpy(dtype=float)) & (frame["val_loss"].to_numpy(dtype=float) > 0)
        good_all = frame[~frame["diverged"].to_numpy() & finite]
        if not good_all.empty:
            lo, hi = good_all["val_loss"].min(), good_all["val_loss"].max()
            span = max(math.log10(hi / lo), 0.3)
            ax.set_ylim(lo / 10 ** (0.05 * span), hi * 10 ** (0.1 * span))
        edge = blended_transform_factory(ax.transData, ax.transAxes)
        for name in names:
            color, style = styles[name]
            rows = frame[frame["optimizer"] == name]
            good = rows[rows.index.isin(good_all.index)]
            mean = good.groupby("lr")["val_loss"].mean().sort_index()
            ax.plot(mean.index, mean.to_numpy(), color=color, linestyle=style, marker="o", markersize=4, linewidth=1.4)
            bad = rows[~rows.index.isin(good.index)]
            if not bad.empty:
                ax.plot(bad["lr"], np.ones(len(bad)), transform=edge, marker="x", markersize=8, markeredgewidth=2,
                        color=color, linestyle="none", clip_on=False, zorder=5)
            chosen = good[good["selected"]]
            if not chosen.empty:
                ax.plot(chosen["lr"], chosen["val_loss"], marker="*", markersize=13, color=color,
                        markeredgecolor="black", markeredgewidth=0.7, linestyle="none", zorder=6)
        ax.set_xscale("log")
        ax.set_yscale("log")
        _log_ticks(ax.xaxis)
        _log_ticks(ax.yaxis)
        ax.grid(True, alpha=0.3)
        ax.set_title(f"{_literal(problem)}: validation loss after training", fontsize=10, pad=9, y=1.0)
        ax.set_xlabel("learning rate (log scale)")
        ax.set_ylabel("validation loss (log scale)")
    for k in range(len(problems), n_rows * n_cols):
        axes[k // n_cols][k % n_cols].set_visible(False)
    tuning_config = results.config.get("tuning") or {}
    trials = tuning_config.get("trials") or tuning_config.get("budget")
    budget = f" ({trials} trials per optimizer)" if isinstance(trials, int) else ""
    _suptitle(fig, place, f"{results.name}: learning-rate sensitivity{budget}")
    _legend(fig, place, styles, names, {}, "optimizer", extra)
    return _save(fig, folder, "lr_sensitivity")


def _profile_figure(results: Results, folder: Path) -> list[Path]:
    import numpy as np

    profile = results.profile
    styles = optimizer_styles(set(profile["optimizer"]) | set(results.optimizers))
    present = [n for n in styles if n in set(profile["optimizer"])]
    scores = profile.groupby("optimizer")["score"].first() if "score" in profile else None
    if scores is not None and scores.notna().any():
        present.sort(key=lambda n: -scores.get(n) if np.isfinite(scores.get(n, np.nan)) else np.inf)
    labels = {}
    for name in present:
        score = scores.get(name) if scores is not None else None
        labels[name] = f"{name} (score {score:.2f})" if score is not None and np.isfinite(score) else name
    fig, axes, place = _layout(1, 1, [labels[n] for n in present], "optimizer (score)", panel=(6.0, 3.8))
    ax = axes[0][0]
    taus = profile["tau"][np.isfinite(profile["tau"])]
    tau_max = float(taus.max()) if len(taus) else 2.0
    tau_max = tau_max if tau_max > 1.0 else 2.0
    for name in present:
        color, style = styles[name]
        rows = profile[profile["optimizer"] == name].sort_values("tau")
        tau = rows["tau"].to_numpy(dtype=float)
        rho = rows["rho"].to_numpy(dtype=float)
        keep = np.isfinite(tau)
        tau, rho = tau[keep], rho[keep]
        if tau.size and tau[-1] < tau_max:
            tau, rho = np.append(tau, tau_max), np.append(rho, rho[-1])
        ax.step(tau, rho, where="post", color=color, linestyle=style, linewidth=1.6)
    ax.set_xscale("log")
    _log_ticks(ax.xaxis)
    ax.set_xlim(1.0, tau_max)
    ax.set_ylim(-0.02, 1.02)
    ax.grid(True, alpha=0.3)
    ax.set_xlabel("τ: cost relative to the best optimizer on each problem (log scale)")
    ax.set_ylabel("ρ(τ): fraction of problems")
    subtitle = results.target_text()
    _suptitle(fig, place, f"{results.name}: performance profile over {len(results.problems)} problems"
              + (f"\n{subtitle}" if subtitle else ""))
    _legend(fig, place, styles, present, labels, "optimizer (score)")
    return _save(fig, folder, "profile")


def write_figures(results: Results | str | Path, folder: str | Path | None = None) -> list[Path]:
    """Write every figure that ``results`` supports into ``folder`` (default: the results folder).

    Always ``loss.png``/``loss.svg``; ``accuracy.png``/``.svg`` for the classification problems
    whose accuracy was recorded and ``r2.png``/``.svg`` for the regression problems (RMSE is
    the square root of twice the loss, so the loss figure shows it too); ``lr_sensitivity.png``/``.svg``
    with tuning results; ``profile.png``/``.svg`` with a performance profile. Returns the paths
    written.
    """
    if not isinstance(results, Results):
        results = load_results(results)
    folder = Path(folder) if folder is not None else results.folder
    folder.mkdir(parents=True, exist_ok=True)
    runs = _Runs(results)
    paths = _curve_figure(results, runs, "loss", folder)
    curves = results.curves
    for kind in ("accuracy", "r2"):
        shown = [p for p in results.problems if results.is_regression(p) == (kind == "r2")
                 and curves.loc[curves["problem"] == p, kind].notna().any()]
        if shown:
            paths += _curve_figure(results, runs, kind, folder, shown)
    if results.tuning is not None and not results.tuning.empty:
        paths += _lr_figure(results, folder)
    if results.profile is not None and not results.profile.empty:
        paths += _profile_figure(results, folder)
    return paths
