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

__all__ = ["write_figures", "optimizer_styles", "table_order", "tuned_parameters", "parse_formats", "COLORS", "LINESTYLES", "FORMATS"]

COLORS = ("#1f77b4", "#ff7f0e", "#2ca02c", "#d62728", "#9467bd", "#8c564b", "#e377c2", "#7f7f7f", "#bcbd22", "#17becf",
          "#0000ff", "#ff1eff", "#004b1e", "#5a00a5", "#ff0078", "#78004b", "#966900", "#0069ff", "#96b478", "#ff8787")
"""20 colours that stay apart (CIELAB distance above 27 for every pair) and visible on white
(lightness 25 to 72): Matplotlib's tab10, then ten more chosen greedily to be the farthest from
all the colours before them."""
LINESTYLES = ("-", "--", ":", "-.")
"""Line styles, changed every ten colours: with the 20 colours, 40 optimizers stay distinct."""

_MAX_POINTS = 900  # points per drawn line (about two per pixel column of a panel); longer curves are thinned
_BANDS_MAX = 8  # with more lines than this, only the best _BANDS_BEST (table order) get a min-max band
_BANDS_BEST = 5


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
        styles[label] = (COLORS[i % len(COLORS)], LINESTYLES[(i // 10) % len(LINESTYLES)])
    return styles


def table_order(results: Results, problems=None) -> list[str]:
    """The optimizers in the order of the results tables (what ``dlbench show`` prints, best
    first, ranked by :mod:`dlbench.results.ranking`'s default metric): the rows of ``stats`` with
    several seeds, of ``summary`` with one. Over several
    problems, by the mean position in their tables (ties: the first problem's order). Labels
    absent from the tables (tuned only) follow in the registry's order."""
    from .ranking import rank_stats, rank_summary

    table = rank_stats(results.aggregate()) if results.seeds > 1 else rank_summary(results.summary)
    problems = list(problems) if problems is not None else results.problems
    positions: dict[str, list[int]] = {}
    first: list[str] = []
    for problem in problems:
        rows = table[table["problem"].astype(str) == str(problem)]
        names = list(dict.fromkeys(str(o) for o in rows["optimizer"]))
        for k, name in enumerate(names):
            positions.setdefault(name, []).append(k)
        first += [n for n in names if n not in first]
    order = sorted(positions, key=lambda n: (sum(positions[n]) / len(positions[n]), first.index(n)))
    return order + [n for n in ordered_labels(results.optimizers) if n not in positions]


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


_BAND_POINTS = 80  # points along each edge of a shaded band: its outline, not its noise


def _envelope(x, low, high, points: int = _BAND_POINTS):
    """``(x, low, high)`` of a band thinned to about ``points`` stretches: each stretch's lowest
    low and highest high at its first and last x (a filled band never shrinks by thinning)."""
    import numpy as np

    n = x.size
    if n <= 2 * points:
        return x, low, high
    stride = -(-n // points)
    starts = np.arange(0, n, stride)
    ends = np.minimum(starts + stride, n) - 1
    lo = np.minimum.reduceat(np.where(np.isnan(low), np.inf, low), starts)
    hi = np.maximum.reduceat(np.where(np.isnan(high), -np.inf, high), starts)
    xs = np.column_stack([x[starts], x[ends]]).ravel()
    return xs, np.repeat(lo, 2), np.repeat(hi, 2)


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

def _draw(ax, bands: dict[str, _Band], styles, x: str, log_y: bool, y_top: float | None, order: list[str],
          banded: set[str] | None = None):
    """One line per optimizer (and a min-max band for those in ``banded``, default all, whose
    lines are then drawn thicker than the others'), drawn
    from the last of ``order`` to the first so the best lie on top; a diverged run ends with an
    ``x`` (kept inside the axes)."""
    import numpy as np

    def mark(xs, ys, color):
        last_y = ys[-1] if y_top is None else min(ys[-1], y_top)
        ax.plot([xs[-1]], [last_y], marker="x", markersize=9, markeredgewidth=2.2, color=color, linestyle="none",
                clip_on=False, zorder=5)

    alpha = 0.18 if len(bands) <= 6 else 0.12
    for name in reversed([n for n in order if n in bands] + [n for n in bands if n not in order]):
        band = bands[name]
        color, style = styles[name]
        xs = band.epochs if x == "epoch" else band.seconds
        keep = np.ones(xs.size, dtype=bool) if x == "epoch" else np.isfinite(xs) & (xs > 0)
        if keep.any():
            idx = np.nonzero(keep)[0]
            thin = idx[_thin(band.mean[idx])]
            width = 1.4 if banded is None else (1.8 if name in banded else 1.0)  # the best k stand out
            ax.plot(xs[thin], band.mean[thin], color=color, linestyle=style, linewidth=width, label=name)
            if band.n_seeds - (0 if band.all_diverged else band.n_diverged) > 1 and (banded is None or name in banded):
                ex, elow, ehigh = _envelope(xs[idx], band.low[idx], band.high[idx])
                ax.fill_between(ex, elow, ehigh, color=color, alpha=alpha, linewidth=0)
            if band.all_diverged:
                mark(xs[idx], band.mean[idx], color)
        for epochs, values, seconds in band.lost:  # diverged seeds of an otherwise healthy run
            xs = epochs if x == "epoch" else seconds
            keep = np.isfinite(xs) & ((xs > 0) if x != "epoch" else True)
            if keep.any():
                idx = np.nonzero(keep)[0]
                idx = idx[_thin(values[idx])]
                ax.plot(xs[idx], values[idx], color=color, linestyle=style, linewidth=0.8, alpha=0.7)
                mark(xs[idx], values[idx], color)
    if log_y:
        ax.set_yscale("log")
        _log_ticks(ax.yaxis)
    if x == "seconds":
        ax.set_xscale("log")
        _log_ticks(ax.xaxis)
    ax.grid(True, which="major", alpha=0.3)
    ax.grid(True, which="minor", axis="y", alpha=0.1)


def _inset(ax, bands: dict[str, _Band], styles, x: str, outliers: set[str]):
    """A small panel in the lower left corner of ``ax`` (where loss curves seldom are) with every run at the full range: the runs off the
    main panel's scale (``outliers``) in their colours, the others thin and grey."""
    import numpy as np

    ins = ax.inset_axes([0.07, 0.05, 0.32, 0.3])
    lows, highs = [], []
    for name, band in bands.items():
        xs = band.epochs if x == "epoch" else band.seconds
        keep = np.isfinite(band.mean) & (band.mean > 0) & (np.isfinite(xs) & (xs > 0) if x != "epoch" else True)
        if not keep.any():
            continue
        idx = np.nonzero(keep)[0]
        idx = idx[_thin(band.mean[idx])[:: 4 if name not in outliers else 1]]
        if name in outliers:
            ins.plot(xs[idx], band.mean[idx], color=styles[name][0], linestyle=styles[name][1], linewidth=1.2, zorder=3)
        else:
            ins.plot(xs[idx], band.mean[idx], color="#aaaaaa", linewidth=0.6)
        lows.append(band.mean[idx].min())
        highs.append(band.mean[idx].max())
    ins.set_yscale("log")
    if x == "seconds":
        ins.set_xscale("log")
    if lows:
        ins.set_ylim(min(lows) / 2, max(highs) * 2)
    ins.yaxis.set_major_locator(_decades(min(lows) if lows else 1e-9, max(highs) if highs else 1.0))
    ins.yaxis.set_minor_formatter(_no_label())
    ins.yaxis.set_major_formatter(_plain_formatter())
    ins.tick_params(labelsize=7, length=2, pad=1)
    ins.set_xticklabels([])
    ins.set_title("full range: " + ", ".join(_literal(n) for n in sorted(outliers, key=list(bands).index)),
                  fontsize=7, pad=2)
    ins.patch.set_alpha(0.9)
    return ins


def _decades(low: float, high: float):
    """A locator with at most four labelled decades between ``low`` and ``high``."""
    from matplotlib.ticker import LogLocator

    span = max(math.log10(max(high, 1e-300) / max(low, 1e-300)), 1.0)
    step = max(1, math.ceil(span / 3))
    return LogLocator(base=10.0 ** step, numticks=5)


def _no_label():
    from matplotlib.ticker import NullFormatter

    return NullFormatter()


def _plain_formatter():
    from matplotlib.ticker import FuncFormatter

    return FuncFormatter(lambda value, _pos: _plain(value))


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
    """Plain labels on a log axis (mathtext labels are wider and slower to draw): every decade,
    and 2, 3 and 5 times a decade when the axis spans less than two decades (so a panel always
    has labels inside its range). Minor ticks only at 2, 3 and 5 times a decade: drawing ticks
    was half of the drawing time with Matplotlib's eight a decade."""
    from matplotlib.ticker import FuncFormatter, LogLocator

    def small() -> bool:
        lo, hi = sorted(axis.get_view_interval())
        return lo > 0 and math.log10(hi / lo) < 2.0

    def minor(value, _pos) -> str:
        if not small() or value <= 0:
            return ""
        mantissa = round(value / 10.0 ** math.floor(math.log10(value) + 1e-9), 6)
        return _plain(value) if mantissa in (2.0, 3.0, 5.0) else ""

    if _MINOR_SUBS:
        axis.set_minor_locator(LogLocator(base=10.0, subs=_MINOR_SUBS, numticks=12))
    axis.set_major_formatter(FuncFormatter(lambda value, _pos: _plain(value)))
    axis.set_minor_formatter(FuncFormatter(minor))


_MINOR_SUBS = (2.0, 3.0, 5.0)




def _fenced(values: dict[str, float], below: bool) -> set[str]:
    """The names whose value (positive; compared in decades) lies far outside the bulk: beyond
    the quartile by 1.5 interquartile ranges and by at least one decade. Needs five values."""
    import numpy as np

    if len(values) < 5:
        return set()
    logs = {n: math.log10(v) for n, v in values.items()}
    q1, q3 = np.percentile(list(logs.values()), [25, 75])
    reach = max(1.5 * (q3 - q1), 1.0)
    return {n for n, v in logs.items() if (v < q1 - reach if below else v > q3 + reach)}


def _y_limits(bands_list, log: bool, floor: float | None = None):
    """Limits covering the bulk of the runs and ``(limits, outliers)``: a diverging run (or a
    spike in its first epochs) leaves the top edge instead of squashing the others, and on a log
    scale a run far below (or above)
    all the others (lbfgs at 1e-9 among losses near 0.1) leaves the panel too (:func:`_fenced`),
    to be shown in an inset. ``floor`` is the lowest bottom shown (R² far below 0 at the start of
    a run would squash the rest)."""
    import numpy as np

    lows: dict[str, float] = {}
    highs: dict[str, float] = {}
    all_highs = []
    for bands in bands_list:
        for name, band in bands.items():
            low = band.low[np.isfinite(band.low)]
            high = band.high[np.isfinite(band.high)]
            if log:
                low, high = low[low > 0], high[high > 0]
            if low.size:
                lows[name] = min(lows.get(name, math.inf), float(low.min()))
            if high.size:
                # on a log scale a spike in a few early epochs leaves the top edge: the scale is
                # set by the start and the 98th percentile of each curve
                peak = float(high.max()) if not log else max(float(high[0]), float(np.quantile(high, 0.98)))
                all_highs.append(peak)
                if not band.all_diverged:
                    highs[name] = max(highs.get(name, -math.inf), peak)
    if not lows:
        return None, set()
    low_out = _fenced(lows, below=True) if log else set()
    high_out = _fenced(highs, below=False) if log else set()
    bottom = min(v for n, v in lows.items() if n not in low_out)
    kept = [v for n, v in highs.items() if n not in high_out]
    top = max(kept) if kept else min(all_highs)
    if floor is not None:
        bottom = max(bottom, floor)
        top = max(top, bottom + 0.1)
    if log:
        bottom, top = max(bottom, 1e-300), max(top, 1e-300)
        span = max(math.log10(top / bottom), 0.3)
        return (bottom / 10 ** (0.04 * span), top * 10 ** (0.08 * span)), low_out | high_out
    pad = 0.04 * ((top - bottom) or 1.0)
    return (bottom - pad, top + pad), set()


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
_LEGEND_ROWS = 30  # legend entries per column


def _layout(n_rows: int, n_cols: int, texts: list[str], title: str, panel=(4.4, 3.0), title_lines: int = 2):
    """A figure with a fixed layout worked out in inches (much faster than constrained layout):
    panels in a grid, the legend right of them in one column (two beyond ``_LEGEND_ROWS``
    entries), outside every axes. Returns the figure, the axes grid and where the legend and
    title go."""
    from matplotlib.figure import Figure

    left, right, gap_w, gap_h, bottom = 0.85, 0.2, 0.85, 0.8, 0.6
    top = 0.2 + 0.2 * title_lines + 0.3
    col_w = max(len(t) for t in texts + [""]) * _CHAR_W + 0.6
    grid_w = n_cols * panel[0] + (n_cols - 1) * gap_w
    title_rows = title.count("\n") + 1
    ncols = max(1, math.ceil(len(texts) / _LEGEND_ROWS))
    legend_w = max(col_w * ncols, max(len(line) for line in title.split("\n")) * _CHAR_W + 0.2) + 0.15
    needed = 0.2 * math.ceil(len(texts) / ncols) + 0.2 * title_rows + 0.1
    panel_h = max(panel[1], (needed - (n_rows - 1) * gap_h) / n_rows)
    width = left + grid_w + right + legend_w
    height = top + n_rows * panel_h + (n_rows - 1) * gap_h + bottom
    fig = Figure(figsize=(width, height))
    axes = fig.subplots(n_rows, n_cols, squeeze=False, gridspec_kw=dict(
        left=left / width, right=(left + grid_w) / width, top=1 - top / height, bottom=bottom / height,
        wspace=gap_w / panel[0], hspace=gap_h / panel_h))
    anchor = ((left + grid_w + 0.25) / width, 1 - top / height)
    place = {"legend": dict(bbox_to_anchor=anchor, loc="upper left", ncols=ncols), "title_y": 1 - 0.12 / height}
    return fig, axes, place


def _legend(fig, place, styles, names, labels: dict[str, str], title: str, extra=()):
    """The legend, right of the panels: ``names`` in that order (the tables' order), then ``extra``."""
    from matplotlib.lines import Line2D

    handles = [Line2D([], [], color=styles[n][0], linestyle=styles[n][1], linewidth=1.8) for n in names]
    texts = [_literal(labels.get(n, n)) for n in names]
    for handle, text in extra:
        handles.append(handle)
        texts.append(text)
    fig.legend(handles, texts, title=title, frameon=False, fontsize=9, title_fontsize=9, borderaxespad=0,
               alignment="left", **place["legend"])


def _suptitle(fig, place, text: str):
    fig.suptitle(_literal(text), y=place["title_y"], va="top", fontsize=11)


FORMATS = ("png", "svg", "pdf")
"""The figure formats :func:`write_figures` can write (PNG and SVG unless told otherwise)."""
DEFAULT_FORMATS = ("png", "svg")


def parse_formats(text: str | None) -> tuple[str, ...]:
    """``"png,svg,pdf"`` as a tuple of formats, checked (a :class:`~dlbench.errors.ConfigError`
    names the bad one); ``None`` gives the default PNG and SVG."""
    from ..errors import ConfigError

    if text is None:
        return DEFAULT_FORMATS
    formats = tuple(dict.fromkeys(f.strip().lower().lstrip(".") for f in str(text).split(",") if f.strip()))
    bad = [f for f in formats if f not in FORMATS]
    if bad or not formats:
        raise ConfigError(f"Invalid value for '--format': expected a comma-separated list of {', '.join(FORMATS)}. "
                          f"Got {text!r} instead.")
    return formats


def _save(fig, folder: Path, stem: str, formats=DEFAULT_FORMATS) -> list[Path]:
    import matplotlib

    import os
    import tempfile

    from ..errors import DlbenchError

    paths = []
    metadata = {"png": {"Software": None}, "svg": {"Date": None}, "pdf": {"CreationDate": None, "Producer": None}}
    with matplotlib.rc_context({"svg.fonttype": "none", "svg.hashsalt": "dlbench", "pdf.compression": 6}):
        for ext in formats:
            path = folder / f"{stem}.{ext}"
            tmp = None
            try:  # drawn beside the target, then renamed over it: a full disk leaves no half figure
                fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=folder)
                with os.fdopen(fd, "wb") as handle:
                    fig.savefig(handle, format=ext, dpi=100, metadata=metadata[ext])
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


def _grid_shape(n: int, most: int = 3) -> tuple[int, int]:
    """Rows and columns for ``n`` panels, at most ``most`` a row, leaving the fewest cells empty."""
    cols = min(range(min(most, n), 0, -1), key=lambda c: (-(-n // c) * c - n, -c))
    return -(-n // cols), cols


def _curve_figure(results: Results, runs: _Runs, kind: str, folder: Path, problems: list[str] | None = None,
                  formats=DEFAULT_FORMATS) -> list[Path]:
    """Per problem (of ``problems``, default all): the loss vs epoch and vs training seconds, or the
    accuracy (or R²) vs epoch; then the test split's loss, accuracy or R² vs epoch when there is one.
    With one panel per problem, the problems fill a grid (no empty column beside them)."""
    problems = problems if problems is not None else results.problems
    styles = optimizer_styles(results.optimizers)
    order = table_order(results, problems)
    names = [n for n in order if n in styles] + [n for n in styles if n not in order]
    log = kind == "loss"
    columns = [("epoch", kind, "training")] + ([("seconds", kind, "training")] if kind == "loss" else [])
    if results.has_test:
        columns.append(("epoch", f"test_{kind}", "test"))
    labels: dict[str, str] = {}
    panels = []
    for problem in problems:
        per_column = [runs.bands(problem, m, positive=log) for _, m, _ in columns]
        limits, outliers = _y_limits(per_column, log, -1.0 if kind == "r2" else None)
        panels.append((problem, per_column, limits, outliers))
        for bands in per_column:
            for name, band in bands.items():
                if band.diverged or name not in labels:
                    labels[name] = _label(name, band)
    many = len(names) > _BANDS_MAX
    banded = set(names[:_BANDS_BEST]) if many else None
    partial = any(b.diverged and not b.all_diverged for _, per, _, _ in panels for bands in per for b in bands.values())
    any_diverged = any("diverged" in t for t in labels.values())
    texts = [_literal(labels.get(n, n)) for n in names] + (list(_X_MARK) if any_diverged else [])
    note = _seed_note(results, partial)
    if many and results.seeds > 1:
        note = note.replace("band: min–max", f"band: min–max\nof the best {_BANDS_BEST} (listed first, thicker)")
    elif many:
        note += f"; the best {_BANDS_BEST}\n(listed first) thicker"
    cells = [(p, c) for p in range(len(panels)) for c in range(len(columns))]
    if len(columns) == 1:
        n_rows, n_cols = _grid_shape(len(panels))
    else:
        n_rows, n_cols = len(panels), len(columns)
    fig, axes, place = _layout(n_rows, n_cols, texts, note)
    for k, (p, col) in enumerate(cells):
        problem, per_column, limits, outliers = panels[p]
        x, _, split = columns[col]
        bands = per_column[col]
        ax = axes[k // n_cols][k % n_cols]
        _draw(ax, bands, styles, x, log, limits[1] if (limits and log) else None, names, banded)
        if limits:
            ax.set_ylim(*limits)
        off_scale = outliers & set(bands)
        if off_scale and x == "epoch":  # the time panel shows the same runs: one inset per row and split
            _inset(ax, bands, styles, x, off_scale)
        what = f"{split} {'R²' if kind == 'r2' else kind}"
        ax.set_title(f"{_literal(problem)}: {what} vs {'epoch' if x == 'epoch' else 'training time'}", fontsize=10, pad=9, y=1.0)
        ax.set_xlabel("epoch" if x == "epoch" else "training time (s, log scale)")
        ax.set_ylabel(f"{what} {_AXIS[kind]}")
    for k in range(len(cells), n_rows * n_cols):
        axes[k // n_cols][k % n_cols].set_visible(False)
    title = f"{results.name}: {'R²' if kind == 'r2' else kind}" + (f" on {problems[0]}" if len(problems) == 1 else "")
    described = _describe(results)
    _suptitle(fig, place, title + (f"\n{described}" if described else ""))
    _legend(fig, place, styles, names, labels, note, [(_x_handle(), _X_MARK[0])] if any_diverged else [])
    return _save(fig, folder, kind, formats)


_NOT_TUNED = {"problem", "optimizer", "trial", "seed", "repetition", "val_loss", "val_accuracy", "val_rmse", "val_r2",
              "diverged", "selected"}


def tuned_parameters(results: Results) -> list[str]:
    """The tuned hyperparameters of ``results``, one ``tuning.csv`` column each: those
    ``config.json`` names (``tuning.parameter``, a name, a comma-separated list or a list; or
    ``tuning.parameters``) that are columns, else the numeric columns between ``trial`` and
    ``val_loss``."""
    tuning = results.tuning
    if tuning is None:
        return []
    config = results.config.get("tuning") or {}
    named = config.get("parameters") or config.get("parameter") or []
    if isinstance(named, str):
        named = named.split(",")
    present = [str(n).strip() for n in named if str(n).strip() in tuning.columns]
    if present:
        return list(dict.fromkeys(present))
    cols = list(tuning.columns)
    if "trial" in cols and "val_loss" in cols:
        between = cols[cols.index("trial") + 1:cols.index("val_loss")]
    else:
        between = [c for c in cols if c not in _NOT_TUNED]
    return [c for c in between if c not in _NOT_TUNED and str(tuning[c].dtype)[:1] in "fiu"]


_PARAM_TITLE = {"lr": "learning rate"}


def _upper_fence(values) -> float:
    """The top of the sensitivity panels: the validation losses' upper quartile plus 1.5
    interquartile ranges, in log10, and at least a decade above their median, so a few trials
    that finished far above the rest (rprop or lbfgs at 300 among losses near 0.7) do not set the
    scale; those are drawn at the top edge."""
    import numpy as np

    logs = np.log10(values[np.isfinite(values) & (values > 0)])
    if logs.size == 0:
        return math.inf
    q1, median, q3 = np.quantile(logs, [0.25, 0.5, 0.75])
    return float(10 ** max(q3 + 1.5 * (q3 - q1), median + 1.0))


def _lr_figure(results: Results, folder: Path, formats=DEFAULT_FORMATS) -> list[Path]:
    """The sensitivity figure: per problem and tuned hyperparameter, the validation loss of each
    optimizer's trials against that hyperparameter's value (with several tuned at once, the best
    trial at each value), the selected trial starred, diverged trials (x) and trials far above the
    bulk (open triangles, :func:`_upper_fence`) at the top edge."""
    import numpy as np
    from matplotlib.lines import Line2D
    from matplotlib.transforms import blended_transform_factory

    tuning = results.tuning
    params = tuned_parameters(results) or ["lr"]
    problems = [p for p in results.problems if p in set(tuning["problem"])] or list(tuning["problem"].unique())
    styles = optimizer_styles(set(tuning["optimizer"]) | set(results.optimizers))
    tuned = set(tuning["optimizer"])
    names = [n for n in table_order(results) if n in tuned] + [n for n in styles if n in tuned]
    names = list(dict.fromkeys(names))
    cells = [(p, q) for p in problems for q in params]
    if len(params) == 1:
        n_rows, n_cols = _grid_shape(len(cells))
    else:
        n_rows, n_cols = len(problems), len(params)
    extra = [
        (Line2D([], [], color="black", marker="x", linestyle="none", markersize=7, markeredgewidth=2), "diverged trial"),
        (Line2D([], [], color="white", marker="*", markeredgecolor="black", markersize=11, linestyle="none"), "selected"),
        (Line2D([], [], color="black", marker="^", markerfacecolor="none", markersize=7, linestyle="none"),
         "above the range shown"),
    ]
    fig, axes, place = _layout(n_rows, n_cols, names + [t for _, t in extra], "optimizer", title_lines=1)
    for k, (problem, param) in enumerate(cells):
        ax = axes[k // n_cols][k % n_cols]
        frame = tuning[tuning["problem"] == problem]
        values = frame["val_loss"].to_numpy(dtype=float)
        finite = np.isfinite(values) & (values > 0)
        good_all = frame[~frame["diverged"].to_numpy(dtype=bool) & finite]
        ceiling = math.inf
        if not good_all.empty:
            lo, hi = good_all["val_loss"].min(), good_all["val_loss"].max()
            ceiling = _upper_fence(good_all["val_loss"].to_numpy(dtype=float))
            hi = min(hi, ceiling)
            span = max(math.log10(hi / lo), 0.3)
            ax.set_ylim(lo / 10 ** (0.05 * span), hi * 10 ** (0.1 * span))
        xs = frame[param].to_numpy(dtype=float)
        xs = xs[np.isfinite(xs)]
        log_x = xs.size > 0 and xs.min() > 0 and xs.max() / xs.min() >= 10
        edge = blended_transform_factory(ax.transData, ax.transAxes)
        for name in reversed(names):
            color, style = styles[name]
            rows = frame[frame["optimizer"] == name]
            good = rows[rows.index.isin(good_all.index)]
            grouped = good.groupby(param)["val_loss"]
            line = (grouped.mean() if len(params) == 1 else grouped.min()).sort_index()
            ax.plot(line.index, line.to_numpy(), color=color, linestyle=style, marker="o", markersize=3.5, linewidth=1.3)
            above = good[good["val_loss"] > ceiling]  # finished, but far above the bulk: at the top edge
            if not above.empty:
                ax.plot(above[param], np.ones(len(above)), transform=edge, marker="^", markersize=7, color=color,
                        markerfacecolor="none", markeredgewidth=1.5, linestyle="none", clip_on=False, zorder=5)
            bad = rows[~rows.index.isin(good.index)]
            if not bad.empty:
                ax.plot(bad[param], np.ones(len(bad)), transform=edge, marker="x", markersize=8, markeredgewidth=2,
                        color=color, linestyle="none", clip_on=False, zorder=5)
            chosen = good[good["selected"].astype(bool)]
            if not chosen.empty:
                ax.plot(chosen[param], chosen["val_loss"], marker="*", markersize=13, color=color,
                        markeredgecolor="black", markeredgewidth=0.7, linestyle="none", zorder=6)
        if log_x:
            ax.set_xscale("log")
            _log_ticks(ax.xaxis)
        ax.set_yscale("log")
        _log_ticks(ax.yaxis)
        ax.grid(True, alpha=0.3)
        what = _PARAM_TITLE.get(param, param)
        best = "" if len(params) == 1 else " (best trial at each value)"
        ax.set_title(f"{_literal(problem)}: validation loss vs {_literal(what)}{best}", fontsize=10, pad=9, y=1.0)
        ax.set_xlabel(f"{_literal(what)}" + (" (log scale)" if log_x else ""))
        ax.set_ylabel("validation loss (log scale)")
    for k in range(len(cells), n_rows * n_cols):
        axes[k // n_cols][k % n_cols].set_visible(False)
    tuning_config = results.config.get("tuning") or {}
    trials = tuning_config.get("trials") or tuning_config.get("budget")
    budget = f" ({trials} trials per optimizer)" if isinstance(trials, int) else ""
    what = "learning-rate sensitivity" if params == ["lr"] else "sensitivity to " + ", ".join(_literal(p) for p in params)
    _suptitle(fig, place, f"{results.name}: {what}{budget}")
    _legend(fig, place, styles, names, {}, "optimizer", extra)
    return _save(fig, folder, "lr_sensitivity", formats)


def _profile_figure(results: Results, folder: Path, formats=DEFAULT_FORMATS) -> list[Path]:
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
    return _save(fig, folder, "profile", formats)




def figure_stems(results: Results) -> list[str]:
    """The figures :func:`write_figures` draws for ``results``, by file stem."""
    stems = ["loss"]
    curves = results.curves
    for kind in ("accuracy", "r2"):
        if any(results.is_regression(p) == (kind == "r2") and curves.loc[curves["problem"] == p, kind].notna().any()
               for p in results.problems):
            stems.append(kind)
    if results.tuning is not None and not results.tuning.empty:
        stems.append("lr_sensitivity")
    if results.profile is not None and not results.profile.empty:
        stems.append("profile")
    return stems


def draw_in_background(results: Results, formats=DEFAULT_FORMATS) -> list[str]:
    """Start a detached process that draws ``results``' figures into its folder, and return the
    names of the files it will write. Each file appears complete or not at all (drawn beside,
    then renamed); if drawing fails the process writes ``figures-error.txt`` there instead.
    The process outlives the command and ignores its Ctrl-C (a session of its own)."""
    import os
    import subprocess

    from .._spawn import module_argv

    formats = parse_formats(",".join(formats))
    (results.folder / _ERROR_FILE).unlink(missing_ok=True)
    subprocess.Popen(module_argv("dlbench.results.figures", str(results.folder), ",".join(formats)),
                     stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                     start_new_session=True, close_fds=True, cwd=os.getcwd())
    return [f"{stem}.{ext}" for stem in figure_stems(results) for ext in formats]


_ERROR_FILE = "figures-error.txt"


def _main(argv: list[str]) -> int:
    """``python -m dlbench.results.figures FOLDER [FORMATS]``: the background drawing process,
    at a lower priority so that the command that started it (still tearing its interpreter down)
    and the user's next command get the cores first."""
    import os

    folder = Path(argv[0])
    try:
        os.nice(10)
    except (AttributeError, OSError):
        pass
    try:
        write_figures(folder, formats=argv[1] if len(argv) > 1 else DEFAULT_FORMATS)
        return 0
    except Exception as exc:  # nobody is watching: leave the reason beside the results
        import os
        import tempfile

        try:
            fd, tmp = tempfile.mkstemp(prefix=f".{_ERROR_FILE}.", dir=folder)
            with os.fdopen(fd, "w", encoding="utf-8") as handle:
                handle.write(f"Drawing the figures failed: {exc}\n")
            os.replace(tmp, folder / _ERROR_FILE)
        except OSError:
            pass
        return 1


def write_figures(results: Results | str | Path, folder: str | Path | None = None, formats=DEFAULT_FORMATS) -> list[Path]:
    """Write every figure that ``results`` supports into ``folder`` (default: the results folder),
    in each of ``formats`` (``"png"``, ``"svg"``, ``"pdf"``; default PNG and SVG).

    Always ``loss``; ``accuracy`` for the classification problems whose accuracy was recorded and
    ``r2`` for the regression problems (RMSE is the square root of twice the loss, so the loss
    figure shows it too); ``lr_sensitivity`` with tuning results (one panel per tuned
    hyperparameter); ``profile`` with a performance profile. Returns the paths written.
    """
    formats = parse_formats(",".join(formats)) if not isinstance(formats, str) else parse_formats(formats)
    if not isinstance(results, Results):
        results = load_results(results)
    folder = Path(folder) if folder is not None else results.folder
    folder.mkdir(parents=True, exist_ok=True)
    runs = _Runs(results)
    paths = _curve_figure(results, runs, "loss", folder, formats=formats)
    curves = results.curves
    for kind in ("accuracy", "r2"):
        shown = [p for p in results.problems if results.is_regression(p) == (kind == "r2")
                 and curves.loc[curves["problem"] == p, kind].notna().any()]
        if shown:
            paths += _curve_figure(results, runs, kind, folder, shown, formats=formats)
    if results.tuning is not None and not results.tuning.empty:
        paths += _lr_figure(results, folder, formats)
    if results.profile is not None and not results.profile.empty:
        paths += _profile_figure(results, folder, formats)
    return paths


if __name__ == "__main__":
    import sys

    raise SystemExit(_main(sys.argv[1:]))
