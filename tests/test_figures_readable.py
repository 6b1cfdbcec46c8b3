"""Figures stay readable with many optimizers (issue 10): distinct colours, a y-range set by the
bulk of the runs, the legend in the table's order and outside the axes, no blank panels, SVGs
under 1 MB, PDF on request, one sensitivity panel per tuned hyperparameter."""

import json
import re

import numpy as np
import pandas as pd
import pytest
import results_factory as factory

from dlbench.results import figures as plots
from dlbench.results.reader import load_results


def _lab(hex_colour: str) -> np.ndarray:
    """CIELAB (D65) of an sRGB colour, from the CIE definitions (independent of the code)."""
    rgb = np.array([int(hex_colour[i:i + 2], 16) / 255 for i in (1, 3, 5)])
    linear = np.where(rgb <= 0.04045, rgb / 12.92, ((rgb + 0.055) / 1.055) ** 2.4)
    m = np.array([[0.4124564, 0.3575761, 0.1804375], [0.2126729, 0.7151522, 0.0721750],
                  [0.0193339, 0.1191920, 0.9503041]])
    xyz = m @ linear / np.array([0.95047, 1.0, 1.08883])
    f = np.where(xyz > (6 / 29) ** 3, np.cbrt(xyz), xyz / (3 * (6 / 29) ** 2) + 4 / 29)
    return np.array([116 * f[1] - 16, 500 * (f[0] - f[1]), 200 * (f[1] - f[2])])


FAST = ("svg",)  # where a test reads the Figure objects, one format is enough


def _capture(monkeypatch):
    """Keep every Figure that write_figures saves: {stem: Figure}."""
    figures = {}
    save = plots._save

    def keep(fig, folder, stem, *formats):
        figures[stem] = fig
        return save(fig, folder, stem, *formats)

    monkeypatch.setattr(plots, "_save", keep)
    return figures


def _legend_names(fig) -> list[str]:
    return [t.get_text().split(" (")[0] for t in fig.legends[0].get_texts()]


def _table_names(results) -> list[str]:
    """The optimizer column of the table `dlbench show` prints, top to bottom."""
    from rich.console import Console

    from dlbench.results.tables import print_results

    results.config["timing"].setdefault("jobs", 1)  # the factory's config predates these two keys
    results.config["experiment"].setdefault("seeds", results.seeds)
    console = Console(width=250, record=True, color_system=None)
    print_results(console, results)
    return re.findall(r"^\s*\d+\s+(\S+)\s", console.export_text(), flags=re.M)


def test_twenty_colours_are_far_apart_and_visible_on_white():
    styles = plots.optimizer_styles(factory.ALL[:20])
    colours = [c for c, _ in styles.values()]
    assert len(set(colours)) == 20
    labs = np.array([_lab(c) for c in colours])
    distance = np.linalg.norm(labs[:, None] - labs[None], axis=-1)
    np.fill_diagonal(distance, np.inf)
    assert distance.min() > 25  # CIE76 ΔE: well above "clearly different" (about 10)
    white = _lab("#ffffff")
    assert min(np.linalg.norm(lab - white) for lab in labs) > 30
    # beyond 20 a colour comes back with another line style: (colour, style) stays unique
    every = plots.optimizer_styles(factory.ALL)
    assert len(set(every.values())) == len(factory.ALL)


def _with_outlier(root, floor: float | None):
    """18 optimizers, one seed; lbfgs's loss falls to ``floor`` (None: left as made)."""
    folder = factory.make_results(root, optimizers=factory.ALL[:17] + ["lbfgs"], epochs=60)
    if floor is not None:
        curves = pd.read_csv(folder / "curves.csv")
        rows = curves["optimizer"] == "lbfgs"
        e = curves.loc[rows, "epoch"].to_numpy()
        curves.loc[rows, "loss"] = np.maximum(0.7 * np.exp(-e), floor)
        curves.to_csv(folder / "curves.csv", index=False, lineterminator="\n")
        summary = pd.read_csv(folder / "summary.csv")
        summary.loc[summary["optimizer"] == "lbfgs", ["final_loss", "best_loss"]] = floor
        summary.to_csv(folder / "summary.csv", index=False, lineterminator="\n")
    return folder


def test_the_y_range_ignores_an_outlier_which_gets_an_inset(tmp_path, monkeypatch):
    figures = _capture(monkeypatch)
    plots.write_figures(load_results(_with_outlier(tmp_path / "a", 1e-9)), formats=FAST)
    fig = figures["loss"]
    epoch_ax = fig.axes[0]
    bottom, top = epoch_ax.get_ylim()
    # the factory's other 17 curves end between 1e-4 and 1e-1 (times noise): the range is theirs
    assert 1e-5 < bottom < 1e-3 and top < 2.0
    insets = [child for ax in fig.axes for child in ax.child_axes]
    assert len(insets) == 1 and "lbfgs" in insets[0].get_title()
    assert insets[0].get_ylim()[0] <= 1e-9
    # the same results without the outlier: the same range, no inset
    figures.clear()
    plots.write_figures(load_results(_with_outlier(tmp_path / "b", None)), formats=FAST)
    clean = figures["loss"]
    assert clean.axes[0].get_ylim()[0] == pytest.approx(bottom, rel=0.5)
    assert not [child for ax in clean.axes for child in ax.child_axes]


def test_the_y_range_has_labelled_ticks_inside_it(tmp_path, monkeypatch):
    figures = _capture(monkeypatch)
    plots.write_figures(load_results(factory.single_seed(tmp_path)), formats=FAST)
    fig = figures["loss"]
    _renderer(fig)
    for ax in fig.axes[:1]:
        lo, hi = ax.get_ylim()
        shown = [t for t in ax.yaxis.get_majorticklabels() + ax.yaxis.get_minorticklabels()
                 if t.get_text() and lo <= t.get_position()[1] <= hi]
        assert len(shown) >= 2


@pytest.mark.parametrize("preset", ["single_seed", "multi_seed", "with_test"])
def test_the_legend_lists_the_runs_in_the_tables_order(tmp_path, monkeypatch, preset):
    figures = _capture(monkeypatch)
    results = load_results(getattr(factory, preset)(tmp_path))
    plots.write_figures(results, formats=FAST)
    table = _table_names(results)
    assert len(table) == len(results.optimizers) >= 4
    for stem in ("loss", "accuracy"):
        names = [n for n in _legend_names(figures[stem]) if not n.startswith("diverged run")]
        assert names == table, stem
    # outside the axes: the legend starts right of every panel
    fig = figures["loss"]
    renderer = _renderer(fig)
    legend_left = fig.legends[0].get_window_extent(renderer).x0
    assert all(legend_left > ax.get_window_extent(renderer).x1 for ax in fig.axes)


def _renderer(fig):
    from matplotlib.backends.backend_agg import FigureCanvasAgg

    canvas = FigureCanvasAgg(fig)
    canvas.draw()
    return canvas.get_renderer()


def _visible_panels(fig):
    return [ax for ax in fig.axes if ax.get_visible()]


def test_no_blank_panels(tmp_path, monkeypatch):
    figures = _capture(monkeypatch)
    folder = factory.make_results(tmp_path, optimizers=factory.ALL[:10], seeds=2, epochs=40,
                                  problems=("random", "xor", "circles", "moons"),
                                  target={"metric": "loss", "value": 0.2})
    plots.write_figures(load_results(folder), formats=FAST)
    assert {"loss", "accuracy", "profile"} <= set(figures)
    for stem, fig in figures.items():
        for ax in _visible_panels(fig):
            drawn = [line for line in ax.get_lines() if len(line.get_xdata())]
            assert drawn, (stem, ax.get_title())
        assert not [ax for ax in fig.axes if not ax.get_visible()], stem  # no hidden cell either
    accuracy = figures["accuracy"]
    assert len(_visible_panels(accuracy)) == 4
    # a 2 x 2 grid: panels side by side, not a column with the right half empty
    xs = sorted({round(ax.get_position().x0, 3) for ax in _visible_panels(accuracy)})
    assert len(xs) == 2


def test_svg_under_1_mb_for_18_optimizers_3_seeds_1000_epochs(tmp_path):
    folder = factory.make_results(tmp_path, optimizers=factory.ALL[:18], seeds=3, epochs=1000, test=True)
    paths = plots.write_figures(load_results(folder))
    svgs = {p.name: p.stat().st_size for p in paths if p.suffix == ".svg"}
    assert set(svgs) == {"loss.svg", "accuracy.svg"}
    assert max(svgs.values()) < 1_000_000, svgs


def test_pdf_on_request(tmp_path):
    folder = factory.single_seed(tmp_path)
    paths = plots.write_figures(load_results(folder), formats=("pdf",))
    assert sorted(p.name for p in paths) == ["accuracy.pdf", "loss.pdf"]
    assert all(p.read_bytes().startswith(b"%PDF") for p in paths)
    assert not (folder / "loss.png").exists()
    assert plots.parse_formats("png, SVG,pdf") == ("png", "svg", "pdf")
    assert plots.parse_formats(None) == ("png", "svg")
    from dlbench.errors import ConfigError

    with pytest.raises(ConfigError, match="'--format'.*png, svg, pdf.*'png,jpg'"):
        plots.parse_formats("png,jpg")


def _two_parameters(root):
    """The tuned preset with a second tuned hyperparameter (momentum) beside lr in tuning.csv."""
    folder = factory.tuned(root)
    tuning = pd.read_csv(folder / "tuning.csv")
    tuning.insert(tuning.columns.get_loc("lr") + 1, "momentum", np.where(tuning["trial"] % 2 == 0, 0.9, 0.5))
    tuning.to_csv(folder / "tuning.csv", index=False, lineterminator="\n")
    config = json.loads((folder / "config.json").read_text())
    config["tuning"]["parameter"] = "lr,momentum"
    (folder / "config.json").write_text(json.dumps(config))
    return folder


def test_sensitivity_has_one_panel_per_tuned_hyperparameter(tmp_path, monkeypatch):
    figures = _capture(monkeypatch)
    results = load_results(_two_parameters(tmp_path))
    assert plots.tuned_parameters(results) == ["lr", "momentum"]
    plots.write_figures(results, formats=FAST)
    panels = _visible_panels(figures["lr_sensitivity"])
    assert [ax.get_xlabel() for ax in panels] == ["learning rate (log scale)", "momentum"]
    momentum = panels[1]
    xs = {x for line in momentum.get_lines() for x in line.get_xdata()}
    assert xs <= {0.5, 0.9} and xs
    # without a config entry the columns between trial and val_loss tell
    del results.config["tuning"]["parameter"]
    assert plots.tuned_parameters(results) == ["lr", "momentum"]


def test_sensitivity_legend_is_narrow(tmp_path, monkeypatch):
    figures = _capture(monkeypatch)
    folder = factory.make_results(tmp_path, optimizers=factory.ALL[:18], tuning=True, epochs=20)
    plots.write_figures(load_results(folder), formats=FAST)
    fig = figures["lr_sensitivity"]
    renderer = _renderer(fig)
    width = fig.legends[0].get_window_extent(renderer).width
    assert width < 0.3 * fig.bbox.width


def test_sensitivity_range_ignores_a_trial_far_above_the_rest(tmp_path, monkeypatch):
    """One finished trial at a validation loss of 300 among losses near 0.7 (rprop, lbfgs) must
    not set the panel's top: it is drawn at the top edge as an open triangle instead."""
    figures = _capture(monkeypatch)
    folder = factory.make_results(tmp_path, optimizers=factory.ALL[:6], tuning=True, epochs=20)
    tuning = pd.read_csv(folder / "tuning.csv")
    finished = ~tuning["diverged"].astype(bool)
    assert finished.sum() > 10
    tuning.loc[finished, "val_loss"] = 0.6 + 0.01 * np.arange(finished.sum()) % 0.2
    outlier = tuning.index[finished][3]
    tuning.loc[outlier, "val_loss"] = 300.0
    tuning.to_csv(folder / "tuning.csv", index=False, lineterminator="\n")
    plots.write_figures(load_results(folder), formats=FAST)
    (panel,) = _visible_panels(figures["lr_sensitivity"])
    bottom, top = panel.get_ylim()
    assert top < 30 and bottom < 0.6  # the bulk sets the scale, the outlier does not
    triangles = [line for line in panel.get_lines() if line.get_marker() == "^"]
    assert [list(line.get_xdata()) for line in triangles] == [[tuning.loc[outlier, "lr"]]]
    assert list(triangles[0].get_ydata()) == [1.0]  # axes coordinates: the top edge
