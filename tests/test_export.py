"""Exporters (dlbench.results.export) read back or parse to the same values; sparklines (dlbench.results.sparkline)."""

import json
import math
import re

import numpy as np
import pandas as pd
import pytest
import results_factory as factory

from dlbench.errors import ConfigError, DlbenchError
from dlbench.results.export import EXPORTERS, export, latex_escape
from dlbench.results.reader import load_results
from dlbench.results.sparkline import sparkline


@pytest.fixture(scope="module")
def folders(tmp_path_factory):
    return factory.build_all(tmp_path_factory.mktemp("results"))


def test_one_exporter_per_format():
    assert list(EXPORTERS) == ["csv", "json", "markdown", "latex", "html"]
    with pytest.raises(ConfigError, match="Valid formats: csv, json, markdown, latex, html"):
        export("unused", "xlsx")


# --- CSV ----------------------------------------------------------------------------------------

@pytest.mark.parametrize("preset", ["multi_seed", "tuned", "multi_problem", "diverged"])
def test_csv_reads_back_the_same(folders, preset, tmp_path):
    results = load_results(folders[preset])
    paths = EXPORTERS["csv"](results, tmp_path / "out")
    names = {p.name for p in paths}
    assert {"curves.csv", "summary.csv", "stats.csv"} <= names
    assert ("tuning.csv" in names) == (preset == "tuned") and ("profile.csv" in names) == (preset == "multi_problem")
    copy = load_results(folders[preset])
    for path in paths:
        back = pd.read_csv(path)
        original = {"curves.csv": copy.curves, "summary.csv": copy.summary, "stats.csv": copy.stats,
                    "tuning.csv": copy.tuning, "profile.csv": copy.profile}[path.name]
        pd.testing.assert_frame_equal(back, original, check_dtype=False)


def test_csv_into_the_results_folder_adds_only_missing_tables(tmp_path):
    folder = factory.old_format(tmp_path)
    before = {p.name: p.read_bytes() for p in folder.iterdir()}
    paths = EXPORTERS["csv"](folder)
    assert {p.name for p in paths} == {"curves.csv", "summary.csv", "stats.csv"}
    for name, data in before.items():
        assert (folder / name).read_bytes() == data  # untouched
    stats = pd.read_csv(folder / "stats.csv")
    assert sorted(stats["optimizer"]) == ["adam", "gd"] and "final_loss_ci_low" in stats


def test_csv_needs_a_folder(folders, tmp_path):
    with pytest.raises(DlbenchError, match="give it a folder"):
        EXPORTERS["csv"](folders["single_seed"], tmp_path / "x.csv")


# --- JSON ---------------------------------------------------------------------------------------

def _strict(text):
    def refuse(name):
        raise AssertionError(f"non-standard JSON constant {name}")

    return json.loads(text, parse_constant=refuse)


@pytest.mark.parametrize("preset", ["tuned", "multi_problem", "diverged", "with_test"])
def test_json_round_trips(folders, preset, tmp_path):
    results = load_results(folders[preset])
    (path,) = EXPORTERS["json"](results, tmp_path)
    assert path == tmp_path / "results.json"
    data = _strict(path.read_text())
    assert data["format"] == 1 and data["config"] == results.config
    assert ("tuning" in data) == (results.tuning is not None) and ("profile" in data) == (results.profile is not None)
    for key, frame in [("summary", results.summary), ("stats", results.stats), ("tuning", results.tuning),
                       ("profile", results.profile)]:
        if frame is None:
            continue
        back = pd.DataFrame.from_records(data[key], columns=list(frame.columns))
        assert len(back) == len(frame)
        for column in frame.columns:
            if pd.api.types.is_numeric_dtype(frame[column]) and not pd.api.types.is_bool_dtype(frame[column]):
                want = frame[column].to_numpy(dtype=float)
                got = back[column].to_numpy(dtype=float)
                finite = np.isfinite(want)
                np.testing.assert_array_equal(got[finite], want[finite])
                assert np.isnan(got[~finite]).all()  # NaN and inf were written as null
            else:
                assert list(back[column]) == list(frame[column])
    assert json.loads(json.dumps(data)) == data


def test_json_writes_inf_as_null(folders, tmp_path):
    (path,) = EXPORTERS["json"](folders["diverged"], tmp_path / "named.json")
    assert path.name == "named.json"
    data = _strict(path.read_text())
    rprop = [r for r in data["summary"] if r["optimizer"] == "rprop"]
    assert rprop and all(r["final_loss"] is None and r["diverged"] is True for r in rprop)


# --- Markdown -----------------------------------------------------------------------------------

def _md_tables(text: str) -> list[list[list[str]]]:
    """Every Markdown table as rows of cells (header first, separator dropped)."""
    tables, current = [], []
    for line in text.splitlines():
        if line.startswith("|"):
            cells = [c.strip() for c in re.split(r"(?<!\\)\|", line.strip())[1:-1]]
            if not all(set(c) <= set(":-") for c in cells):
                current.append(cells)
        elif current:
            tables.append(current)
            current = []
    if current:
        tables.append(current)
    return tables


def _at_precision(value: float, digits: int = 4) -> float:
    return float(f"{value:.{digits}g}")


@pytest.mark.parametrize("preset", ["multi_seed", "multi_problem", "with_test"])
def test_markdown_tables_match_the_csv(folders, preset):
    results = load_results(folders[preset])
    (path,) = EXPORTERS["markdown"](results)
    assert path == results.folder / "report.md"
    text = path.read_text()
    assert text.startswith(f"# {results.name}")
    assert f"`{results.config['command']}`" in text
    assert "dlbench 0.1.0" in text and f"| seeds | {results.seeds} |" in text
    tables = _md_tables(text)
    stats_tables = [t for t in tables if "final loss (mean ± std)" in t[0]]
    assert len(stats_tables) == len(results.problems)
    for problem, table in zip(results.problems, stats_tables):
        header, rows = table[0], table[1:]
        stats = results.stats[results.stats["problem"] == problem].set_index("optimizer")
        assert len(rows) == len(stats)
        assert "95% CI" in header and ("test loss" in header) == results.has_test
        col = {h: i for i, h in enumerate(header)}
        for row in rows:
            s = stats.loc[row[col["optimizer"]]]
            cell = row[col["final loss (mean ± std)"]]
            assert float(cell.split(" ± ")[0]) == _at_precision(s["final_loss_mean"])
            if results.seeds > 1:
                assert float(cell.split(" ± ")[1]) == _at_precision(s["final_loss_std"], 2)
                low, high = row[col["95% CI"]].strip("[]").split(", ")
                assert float(low) == _at_precision(s["final_loss_ci_low"])
                assert float(high) == _at_precision(s["final_loss_ci_high"])
            else:  # one seed: no spread, no interval
                assert " ± " not in cell and row[col["95% CI"]] == "—"
            assert float(row[col["best loss"]]) == _at_precision(s["best_loss_mean"])
            assert row[col["diverged"]] == f"{s['diverged']}/{s['runs']}"
        means = [float(r[col["final loss (mean ± std)"]].split(" ± ")[0]) for r in rows]
        assert means == sorted(means)  # best first
    per_seed = next(t for t in tables if t[0][:3] == ["problem", "optimizer", "seed"])
    summary = results.summary.set_index(["problem", "optimizer", "seed"])
    assert len(per_seed) - 1 == len(summary)
    for row in per_seed[1:]:
        s = summary.loc[(row[0], row[1], int(row[2]))]
        assert float(row[4]) == _at_precision(s["final_loss"])
        assert float(row[6]) == _at_precision(s["final_accuracy"], 3)


def test_markdown_links_the_figures_that_exist(folders, tmp_path):
    folder = folders["tuned"]
    for name in ("loss.png", "lr_sensitivity.png"):
        (folder / name).write_bytes(b"\x89PNG\r\n\x1a\n")
    text = EXPORTERS["markdown"](folder)[0].read_text()
    assert "![Loss](loss.png)" in text and "![Learning-rate sensitivity](lr_sensitivity.png)" in text
    assert "accuracy.png" not in text and "profile.png" not in text
    assert "## Tuning" in text
    (elsewhere,) = EXPORTERS["markdown"](folder, tmp_path / "docs" / "report.md")
    links = re.findall(r"!\[[^]]*\]\(([^)]+)\)", elsewhere.read_text())
    assert links and all((elsewhere.parent / link).resolve().is_file() for link in links)


def test_markdown_marks_diverged_runs(folders):
    text = EXPORTERS["markdown"](folders["diverged"])[0].read_text()
    table = next(t for t in _md_tables(text) if "final loss (mean ± std)" in t[0])
    col = {h: i for i, h in enumerate(table[0])}
    rows = {r[col["optimizer"]]: r for r in table[1:]}
    assert table[-1][col["optimizer"]] == "rprop"  # every seed diverged: last, no statistics
    assert rows["rprop"][col["final loss (mean ± std)"]] == "—" and rows["rprop"][col["diverged"]] == "2/2"
    assert rows["adam"][col["diverged"]] == "1/2" and " ± " not in rows["adam"][col["final loss (mean ± std)"]]
    assert "| diverged |" in text  # the per-seed status


# --- LaTeX --------------------------------------------------------------------------------------

def test_latex_escape():
    assert latex_escape("my_adam 50% & $x #1 {a} ~ ^ \\") == (
        r"my\_adam 50\% \& \$x \#1 \{a\} \textasciitilde{} \textasciicircum{} \textbackslash{}")


@pytest.mark.parametrize("preset", ["with_test", "multi_problem", "diverged", "multi_seed"])
def test_latex_is_a_booktabs_table(folders, preset):
    results = load_results(folders[preset])
    (path,) = EXPORTERS["latex"](results)
    text = path.read_text()
    assert path.name == "table.tex"
    # optimizer, final loss, accuracy, time; + test loss and test accuracy; + time to target (issue 10)
    n = 4 + 2 * (preset == "with_test") + (preset == "multi_problem")
    for command in (r"\toprule", r"\midrule", r"\bottomrule", r"\begin{tabular}{l" + "r" * (n - 1) + "}", r"\end{table}"):
        assert command in text
    assert text.index(r"\toprule") < text.index(r"\midrule") < text.index(r"\bottomrule")
    assert text.count("{") == text.count("}") + text.count(r"\}") - text.count(r"\{")
    body = text[text.index(r"\midrule"):text.index(r"\bottomrule")]
    rows = [line for line in body.splitlines() if line.endswith(r"\\") and not line.startswith(r"\multicolumn")]
    assert len(rows) == len(results.stats)
    for row in rows:
        assert row.count("&") == n - 1 and "_" not in row.replace(r"\_", "")
    assert text.count(r"\mathbf{") == len(results.problems)  # the best loss of each problem in bold
    if preset == "with_test":
        assert r"my\_adam\_v2 &" in text
    if preset == "multi_problem":
        assert r"\multicolumn{5}{l}{\emph{xor}} \\" in text
    if preset == "diverged":
        assert "rprop & \\multicolumn{1}{r}{diverged}" in text
        assert re.search(r"^adam & \$[0-9.]+\$ \(1/2 diverged\) & ", text, re.M)
    if preset == "multi_seed":
        adam = results.stats.set_index("optimizer").loc["adam"]
        line = next(r for r in rows if r.startswith("adam &"))
        mean = re.search(r"\$([0-9.]+)(?:\\times10\^\{(-?\d+)\})? \\pm", line)
        value = float(mean.group(1)) * 10 ** int(mean.group(2) or 0)
        assert value == pytest.approx(float(f"{adam['final_loss_mean']:.3g}"), rel=1e-12)


# --- sparklines ---------------------------------------------------------------------------------

def test_sparkline_of_a_decreasing_loss():
    line = sparkline(np.geomspace(1.0, 1e-4, 1001))
    assert len(line) == 12 and set(line) <= set("▁▂▃▄▅▆▇█")
    assert line[0] == "█" and line[-1] == "▁"
    assert list(line) == sorted(line, reverse=True)


def test_sparkline_uses_the_log_scale():
    line = sparkline([1.0, 0.1, 0.01, 0.001], width=4)
    assert line == "█▆▃▁"
    assert sparkline([1.0, 0.1, 0.01, 0.001], width=4, log=False) == "█▂▁▁"


def test_sparkline_edge_cases():
    assert sparkline([]) == ""
    assert sparkline([0.5]) == "▄" * 12  # one point: flat
    assert sparkline([0.3] * 50, width=5) == "▄▄▄▄▄"  # constant curve
    assert sparkline([1.0, 0.5, math.nan, 0.1], width=4) == "█▆×▁"  # log10(0.5) = -0.3: 0.7 * 7 -> 5
    assert sparkline([1.0, 0.1, math.inf], width=3) == "█▁×"  # a diverged run ends with ×
    assert sparkline([math.nan, math.nan], width=3) == "×××"
    assert sparkline([1.0, 0.0], width=2) == "▄▁"  # zero on a log scale: lowest block
    assert len(sparkline(range(1, 4), width=12)) == 12  # fewer points than characters: repeated
    assert sparkline([2.0, 1.0], width=1) == "▄"  # width 1 shows the last point
    with pytest.raises(ConfigError, match="'width' parameter of sparkline"):
        sparkline([1.0], width=0)
