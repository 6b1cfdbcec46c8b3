"""Figures (dlbench.results.figures): written for every kind of results folder, one colour per optimizer."""

import subprocess
import sys

import pytest
import results_factory as factory

from dlbench.results import figures as plots
from dlbench.optimizers import OPTIMIZERS
from dlbench.results.reader import load_results

PNG_MAGIC = b"\x89PNG\r\n\x1a\n"


@pytest.fixture(scope="module")
def drawn(tmp_path_factory):
    """Every preset's figures, written once; also the Figure objects, to inspect their artists."""
    folders = factory.build_all(tmp_path_factory.mktemp("results"))
    figures, paths = {}, {}
    save = plots._save

    def keep(fig, folder, stem, *formats):
        figures[(folder.name, stem)] = fig
        return save(fig, folder, stem, *formats)

    plots._save = keep
    try:
        for name, folder in folders.items():
            paths[name] = plots.write_figures(load_results(folder))
    finally:
        plots._save = save
    by_preset = {name: {stem: fig for (f, stem), fig in figures.items() if f == folders[name].name} for name in folders}
    return folders, paths, by_preset


EXPECTED = {
    "single_seed": {"loss", "accuracy"},
    "multi_seed": {"loss", "accuracy"},
    "tuned": {"loss", "accuracy", "lr_sensitivity"},
    "multi_problem": {"loss", "accuracy", "profile"},
    "with_test": {"loss", "accuracy"},
    "diverged": {"loss", "accuracy"},
}


@pytest.mark.parametrize("preset", sorted(EXPECTED))
def test_figures_are_written(drawn, preset):
    folders, paths, _ = drawn
    written = paths[preset]
    assert {p.name for p in written} == {f"{stem}.{ext}" for stem in EXPECTED[preset] for ext in ("png", "svg")}
    for path in written:
        assert path.parent == folders[preset] and path.is_file()
        data = path.read_bytes()
        assert len(data) > 10_000, path
        if path.suffix == ".png":
            assert data.startswith(PNG_MAGIC)
        else:
            assert data.lstrip().startswith(b"<?xml") and b"<svg" in data[:2000]


def _legend_colours(fig) -> dict[str, tuple]:
    """Legend label (without its parenthesised note) to (colour, line style) of its handle."""
    from matplotlib.colors import to_hex

    out = {}
    for legend in fig.legends:
        for handle, text in zip(legend.legend_handles, legend.get_texts()):
            label = text.get_text().split(" (")[0]
            if handle.get_linestyle() not in ("None", "none", ""):
                out[label] = (to_hex(handle.get_color()), handle.get_linestyle())
    return out


def test_colours_are_the_same_in_every_figure(drawn):
    from matplotlib.colors import to_hex
    from matplotlib.lines import Line2D

    _, _, figures = drawn
    seen: dict[str, set] = {}
    for preset, stems in figures.items():
        for stem, fig in stems.items():
            legend = _legend_colours(fig)
            assert legend, (preset, stem)
            styles = plots.optimizer_styles(legend)
            for label, (colour, style) in legend.items():
                expected_colour, expected_style = styles[label]
                assert colour == expected_colour and style == Line2D([], [], linestyle=expected_style).get_linestyle()
                seen.setdefault(label, set()).add((colour, style))
            for ax in fig.axes:  # the drawn lines too, not only the legend
                for line in ax.get_lines():
                    if line.get_label() in styles:
                        assert to_hex(line.get_color()) == styles[line.get_label()][0]
    assert len(seen) >= 18
    assert all(len(styles) == 1 for styles in seen.values()), seen  # one look per optimizer, in every figure


def test_style_mapping_is_deterministic_and_distinct():
    names = list(OPTIMIZERS)
    styles = plots.optimizer_styles(names)
    assert list(styles) == names
    assert len(set(styles.values())) == len(names)  # 18 optimizers, 18 distinct (colour, style) pairs
    assert plots.optimizer_styles(["adam"])["adam"] == styles["adam"]  # independent of the other labels
    assert plots.optimizer_styles(reversed(names)) == styles
    mixed = plots.optimizer_styles(["zeta", "adam", "alpha"])
    assert list(mixed) == ["adam", "alpha", "zeta"]
    assert mixed["adam"] == styles["adam"]
    n = len(names)
    assert mixed["alpha"] == (plots.COLORS[n % 20], plots.LINESTYLES[(n // 10) % 4])
    assert mixed["zeta"] == (plots.COLORS[(n + 1) % 20], plots.LINESTYLES[((n + 1) // 10) % 4])


def test_diverged_runs_end_with_an_x(drawn):
    from matplotlib.colors import to_hex

    _, _, figures = drawn
    styles = plots.optimizer_styles(OPTIMIZERS)
    loss = figures["diverged"]["loss"]
    marks = {to_hex(line.get_color()) for ax in loss.axes for line in ax.get_lines() if line.get_marker() == "x"}
    assert marks == {styles["rprop"][0], styles["adam"][0]}
    texts = [t.get_text() for legend in loss.legends for t in legend.get_texts()]
    assert "rprop (diverged)" in texts and "adam (1/2 seeds diverged)" in texts
    # the x of a run that blew up sits at the top edge, inside the axes' y range
    ax = loss.axes[0]
    top = ax.get_ylim()[1]
    ys = [y for line in ax.get_lines() if line.get_marker() == "x" for y in line.get_ydata()]
    assert max(ys) <= top * (1 + 1e-9)


def test_figures_say_what_they_show(drawn):
    _, _, figures = drawn
    fig = figures["multi_seed"]["loss"]
    assert fig.get_suptitle().startswith("multi-seed: loss on random")
    epoch_ax, time_ax = fig.axes[:2]
    assert epoch_ax.get_yscale() == "log" and epoch_ax.get_xlabel() == "epoch"
    assert time_ax.get_xlabel() == "training time (s, log scale)" and time_ax.get_xscale() == "log"
    assert "random" in epoch_ax.get_title()
    assert fig.legends[0].get_title().get_text() == "mean over 3 seeds, band: min–max\nof the best 5 (listed first, thicker)"
    assert figures["single_seed"]["loss"].legends[0].get_title().get_text() == "1 seed"
    test_fig = figures["with_test"]["loss"]
    assert [ax.get_title() for ax in test_fig.axes][-1] == "random: test loss vs epoch"
    suite = figures["multi_problem"]["loss"]
    assert len(suite.axes) == 6  # a row of two panels per problem
    profile = figures["multi_problem"]["profile"]
    texts = [t.get_text() for t in profile.legends[0].get_texts()]
    assert all("(score " in t for t in texts)
    lr = figures["tuned"]["lr_sensitivity"].axes[0]
    assert lr.get_xscale() == "log" and lr.get_xlabel() == "learning rate (log scale)"


def test_write_figures_into_another_folder_from_a_path(drawn, tmp_path):
    folders, _, _ = drawn
    paths = plots.write_figures(folders["single_seed"], tmp_path / "figs")
    assert {p.parent for p in paths} == {tmp_path / "figs"}


def test_default_experiment_size_writes_loss_and_accuracy(tmp_path):
    # speed is measured by `dlbench bench --plots`, not here
    results = load_results(factory.default_size(tmp_path))
    paths = plots.write_figures(results)
    assert sorted(p.name for p in paths) == ["accuracy.png", "accuracy.svg", "loss.png", "loss.svg"]


def test_importing_plots_does_not_import_matplotlib():
    code = "import sys, dlbench.results.figures, dlbench.results.export, dlbench.results.sparkline; print('matplotlib' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "False"
