"""Figures drawn where the user does not wait (issue 11): a background process after the tables,
files that appear complete or not at all, and a "Saved" line that never names a missing file."""

import re
import time

import pytest
import results_factory as factory
from typer.testing import CliRunner

from dlbench.cli import app
from dlbench.results import figures as plots
from dlbench.results.reader import load_results

runner = CliRunner()
PNG_MAGIC = b"\x89PNG\r\n\x1a\n"


def _wait_for(paths, seconds=120.0):
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if all(p.exists() for p in paths):
            return True
        time.sleep(0.1)
    return False


def _saved_names(stdout: str) -> set[str]:
    line = re.search(r"^Saved .*?: (.*)$", stdout, flags=re.M).group(1)
    return {n.strip() for n in line.split(",")}


def test_background_drawing_writes_every_figure_complete(tmp_path):
    folder = factory.tuned(tmp_path)
    results = load_results(folder)
    names = plots.draw_in_background(results, ("png", "pdf"))
    assert names == [f"{stem}.{ext}" for stem in ("loss", "accuracy", "lr_sensitivity") for ext in ("png", "pdf")]
    paths = [folder / n for n in names]
    assert _wait_for(paths)
    for path in paths:  # renamed into place only once written: never a half file
        data = path.read_bytes()
        assert data.startswith(PNG_MAGIC if path.suffix == ".png" else b"%PDF")
    assert not [p for p in folder.iterdir() if p.name.startswith(".")]  # no temporary file left
    assert not (folder / "figures-error.txt").exists()


def test_a_failed_background_drawing_leaves_its_reason(tmp_path):
    assert plots._main([str(tmp_path)]) == 1  # not a results folder
    text = (tmp_path / "figures-error.txt").read_text()
    assert text.startswith("Drawing the figures failed: ") and text.count("\n") == 1


def test_compare_in_the_background_names_only_files_that_are_there(tmp_path):
    result = runner.invoke(app, ["compare", "gd", "adam", "--epochs", "5", "--repeat", "1", "--background-plots",
                                 "--out", str(tmp_path)])
    assert result.exit_code == 0, result.stdout
    folder = next(p for p in tmp_path.iterdir() if p.is_dir())
    saved = _saved_names(result.stdout)
    assert {"config.json", "summary.csv", "curves.csv"} <= saved
    assert all((folder / n).exists() for n in saved)
    pending = re.search(r"^Figures: (.*) are being drawn in the background", result.stdout, flags=re.M).group(1)
    names = [n.strip() for n in pending.split(",")]
    assert names == ["loss.png", "loss.svg", "accuracy.png", "accuracy.svg"]
    assert _wait_for([folder / n for n in names])


def test_compare_waiting_for_the_figures_names_them_when_written(tmp_path):
    result = runner.invoke(app, ["compare", "gd", "--epochs", "5", "--repeat", "1", "--wait-plots", "--format",
                                 "svg,pdf", "--out", str(tmp_path)])
    assert result.exit_code == 0, result.stdout
    folder = next(p for p in tmp_path.iterdir() if p.is_dir())
    saved = _saved_names(result.stdout)
    assert {"loss.svg", "loss.pdf", "accuracy.svg", "accuracy.pdf"} <= saved and "loss.png" not in saved
    assert all((folder / n).exists() for n in saved)
    assert "background" not in result.stdout


@pytest.mark.parametrize("command", [["compare", "gd"], ["run", "-o", "gd"]])
def test_a_bad_format_is_refused_before_training(tmp_path, command):
    result = runner.invoke(app, [*command, "--epochs", "5", "--format", "png,gif", "--out", str(tmp_path)])
    assert result.exit_code == 2
    assert "Invalid value for '--format'" in result.output and "Traceback" not in result.output
    assert not list(tmp_path.iterdir())
