"""Issue 10, tables: snapshots of every table of ``dlbench show`` rendered at 60, 80, 120 and 200
columns (rich ``Console(width=...)``). At each width no line is wider than the page, no cell is
cut (rich's "…"), every optimizer name of ``compare all`` and ``compare every`` appears whole,
captions are wrapped, never cropped, and at 80 columns the compact set is there: rank, name,
final metric with its spread, the held-out metric, time ratio. ``dlbench show | head`` exits 0."""

import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
from rich.console import Console
from typer.testing import CliRunner

import results_factory as factory
from dlbench.cli import app
from dlbench.optimizers import expand_names
from dlbench.results.reader import load_results
from dlbench.results.tables import print_results

WIDTHS = (60, 80, 120, 200)
# written by hand, not read off the code: the names a user types and sees
ALL = ["gd", "sgd", "minibatch", "dynamic", "momentum", "nesterov", "adagrad", "rmsprop", "adadelta", "adam",
       "amsgrad", "adamw", "adamax", "nadam", "radam", "rprop", "lion", "lbfgs"]
LABELS = ["adam:beta2=0.99", "sgd:lr=0.05", "lookahead:adam:k=5"]


def _with_seeds(folder: Path, seeds: int) -> Path:
    """The factory leaves the experiment's seeds at 1; make the folder a multi-seed one."""
    config = json.loads((folder / "config.json").read_text())
    config["experiment"]["seeds"] = seeds
    (folder / "config.json").write_text(json.dumps(config))
    return folder


@pytest.fixture(scope="module")
def folders(tmp_path_factory):
    root = tmp_path_factory.mktemp("tables")
    every = expand_names(["every"])
    return {
        "all": _with_seeds(factory.make_results(root, folder_name="all", optimizers=expand_names(["all"]), seeds=3), 3),
        "every": _with_seeds(factory.make_results(root, folder_name="every", optimizers=every, seeds=2, test=True), 2),
        "single": factory.make_results(root, folder_name="single", optimizers=every),
        "labels": factory.make_results(root, folder_name="labels", optimizers=["adam", *LABELS], test=True),
        "target": _with_seeds(factory.make_results(root, folder_name="target", optimizers=ALL, seeds=2,
                                                   problems=("random", "xor"), target={"metric": "loss", "value": 0.2},
                                                   tuning=True), 2),
    }


def render(folder, width, **kw) -> str:
    console = Console(width=width, record=True, color_system=None, force_terminal=False, file=open(os.devnull, "w"))
    print_results(console, load_results(folder), **kw)
    return console.export_text()


def _flat(text: str) -> str:
    return " ".join(text.split())


def _header_cells(text: str) -> list[str]:
    """The header line of each table (the line above a ━━━ rule), split on runs of 2+ spaces."""
    lines = text.splitlines()
    heads = []
    for i, line in enumerate(lines):
        if set(line.strip()) == {"━"} and i:
            heads.append([c for c in re.split(r"\s{2,}", lines[i - 1].strip()) if c])
    return heads


def _check_page(text: str, width: int, names) -> None:
    for line in text.splitlines():
        assert len(line.rstrip()) <= width, line
    # rich's truncation mark; the only legitimate "…" is the spaced one of "min … max"
    assert "…" not in _flat(text).replace(" … ", " "), text
    for name in names:
        assert re.search(rf"(^|\s){re.escape(name)}(\s|$)", text, re.M), (name, width)


@pytest.mark.parametrize("width", WIDTHS)
@pytest.mark.parametrize("case", ["all", "every", "single", "labels", "target"])
def test_tables_fit_and_nothing_is_cut(folders, case, width):
    names = {"all": ALL, "every": expand_names(["every"]), "single": expand_names(["every"]),
             "labels": ["adam", *LABELS], "target": ALL}[case]
    text = render(folders[case], width)
    _check_page(text, width, names)
    flat = _flat(text)
    # the end of every caption, word for word: wrapped, not cropped
    assert "Kernel compile time, not included: 1.50 s (loaded from the on-disk cache)." in flat
    if case == "target":
        assert "the rate with the lowest final validation loss was then run with every seed." in flat
        assert "(AlgoPerf, Dahl et al. 2023)." in flat or "profile" not in flat


@pytest.mark.parametrize("case", ["all", "every", "single", "labels"])
def test_80_columns_show_the_compact_set(folders, case):
    heads = _header_cells(render(folders[case], 80))
    head = heads[-1]
    assert head[0] == "#" and head[1] == "optimizer"
    multi = case in ("all", "every")
    assert ("final loss ± sd" if multi else "final loss") in head
    if case in ("every", "labels"):
        assert "test loss" in head
    assert "vs fastest" in head


@pytest.mark.parametrize("case", ["all", "every", "single", "target"])
def test_wider_pages_show_more_columns_and_wide_shows_all(folders, case):
    seen = [set(sum(_header_cells(render(folders[case], w)), [])) for w in WIDTHS]
    for narrow, wider in zip(seen, seen[1:]):
        assert narrow <= wider
    assert len(seen[0]) < len(seen[-1])
    wide = render(folders[case], 1000, wide=True)  # as the CLI does: a page as wide as the table
    every_column = set(sum(_header_cells(wide), []))
    assert seen[-1] <= every_column
    assert "Left out at this width" not in wide
    for column in ("train time", "vs fastest", "diverged" if case != "single" else "time/epoch"):
        assert column in every_column


def test_narrow_table_names_what_it_left_out(folders):
    text = _flat(render(folders["all"], 60))
    assert "Left out at this width:" in text and "--wide shows every column" in text
    assert "train time" in text.split("Left out at this width:")[1]


def test_show_wide_through_the_cli(folders):
    result = CliRunner().invoke(app, ["show", str(folders["all"]), "--wide"])
    assert result.exit_code == 0, result.stdout
    heads = set(sum(_header_cells(result.stdout), []))
    assert {"95% CI", "min … max", "train time", "loss curve"} <= heads


def test_show_into_a_closed_pipe_exits_0(folders, tmp_path):
    """``dlbench show FOLDER | head``: the reader closes the pipe before dlbench writes."""
    env = {**os.environ, "PYTHONPATH": str(Path(__file__).resolve().parent.parent)}
    proc = subprocess.Popen([sys.executable, "-m", "dlbench", "show", str(folders["every"])], stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, env=env, cwd=tmp_path)
    proc.stdout.close()  # nothing read: every write dlbench makes hits a closed pipe
    _, err = proc.communicate(timeout=120)
    assert proc.returncode == 0, err.decode()
    assert b"Traceback" not in err and b"BrokenPipe" not in err, err.decode()


def test_durations_read_with_their_unit_and_sign():
    from dlbench.results.tables import fmt_seconds

    assert [fmt_seconds(s) for s in (850e-6, 0.0123, 1.523, 0.0, -0.0944, -2.5, float("nan"))] == [
        "850 µs", "12.3 ms", "1.52 s", "0 µs", "-94.4 ms", "-2.50 s", "—"]
