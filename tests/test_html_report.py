"""`dlbench export DIR --format html` in a real headless browser (Debian's chromium; skipped
where /usr/bin/chromium is absent): the page renders offline, every optimizer is in it, its
tables sort when a header is clicked, and its screenshot is not blank."""

import html as htmllib
import os
import re
import shutil
import subprocess

import numpy as np
import pandas as pd
import pytest
import results_factory as factory
from typer.testing import CliRunner

from dlbench.cli import app
from dlbench.results import html as report
from dlbench.results.reader import load_results

CHROMIUM = "/usr/bin/chromium"
needs_browser = pytest.mark.skipif(not os.path.exists(CHROMIUM), reason="no /usr/bin/chromium (apt-get install chromium)")


@pytest.fixture(scope="module")
def page(tmp_path_factory):
    """A 28-optimizer, 3-seed folder with a test split, exported by the CLI."""
    root = tmp_path_factory.mktemp("html")
    folder = factory.make_results(root, optimizers=factory.ALL, seeds=3, epochs=200, test=True)
    result = CliRunner().invoke(app, ["export", str(folder), "--format", "html"])
    assert result.exit_code == 0, result.output
    path = folder / "report.html"
    assert path.is_file() and f"Wrote {path}" in result.stdout.replace("\n", "")
    return folder, path


def _browser(*args, timeout=120):
    profile = f"/tmp/dlbench-chromium-{os.getpid()}"
    cmd = [CHROMIUM, "--headless", "--no-sandbox", "--disable-gpu", "--hide-scrollbars", "--no-first-run",
           f"--user-data-dir={profile}", *args]
    try:
        return subprocess.run(cmd, capture_output=True, text=True, timeout=timeout, check=True).stdout
    finally:
        shutil.rmtree(profile, ignore_errors=True)


def _first_table_names(dom: str) -> list[str]:
    table = re.search(r"<table class=\"sortable\">(.*?)</table>", dom, flags=re.S).group(1)
    rows = re.findall(r"<tr>(.*?)</tr>", table.split("<tbody>", 1)[1], flags=re.S)
    return [htmllib.unescape(re.findall(r"<td[^>]*>(.*?)</td>", r, flags=re.S)[1]) for r in rows]


def test_the_page_is_self_contained(page):
    folder, path = page
    text = path.read_text(encoding="utf-8")
    assert text.startswith("<!DOCTYPE html>")
    assert not report._EXTERNAL.search(text)  # no src/href/url()/@import that would fetch anything
    assert "<link" not in text and "<script src" not in text and "<img" not in text
    assert set(re.findall(r"https?://[^\s\"'<>]+", text)) <= {  # XML namespaces only
        "http://www.w3.org/2000/svg", "http://www.w3.org/1999/xlink"}
    assert text.count("<svg") == 2  # loss and accuracy, inline
    assert not (folder / "loss.svg").exists()  # drawn for the page only: the folder is left alone


@needs_browser
def test_it_renders_with_every_optimizer(page):
    _, path = page
    dom = _browser("--dump-dom", path.as_uri())
    names = _first_table_names(dom)
    assert sorted(names) == sorted(factory.ALL)
    for name in factory.ALL:
        assert f">{name}<" in dom
    assert dom.count("<svg") == 2 and "sortable" in dom


@needs_browser
def test_clicking_a_header_sorts_the_table(page):
    folder, path = page
    stats = load_results(folder).aggregate()
    by_loss = list(stats.sort_values("final_loss_mean", kind="stable")["optimizer"])
    header = re.search(r"<thead><tr>(.*?)</tr>", path.read_text(encoding="utf-8"), flags=re.S).group(1)
    columns = [htmllib.unescape(h) for h in re.findall(r"<th[^>]*>(.*?)</th>", header)]
    loss_col, name_col = columns.index("final loss (mean ± std)"), columns.index("optimizer")
    # one click: ascending; two: descending (the script's own click handler)
    once = _first_table_names(_browser("--dump-dom", path.as_uri() + f"#click=0:{loss_col}:1"))
    twice = _first_table_names(_browser("--dump-dom", path.as_uri() + f"#click=0:{loss_col}:2"))
    assert once == by_loss
    assert twice == by_loss[::-1]
    assert once != sorted(once) and name_col == 1  # a loss order, not the names' order


@needs_browser
def test_the_screenshot_is_not_blank(page, tmp_path):
    import matplotlib.image

    _, path = page
    shot = tmp_path / "shot.png"
    _browser(f"--screenshot={shot}", "--window-size=1280,1600", path.as_uri())
    pixels = matplotlib.image.imread(shot)[..., :3]
    assert pixels.shape[:2] == (1600, 1280)
    dark = (pixels.mean(axis=-1) < 0.6).mean()  # text, table rules, curves
    assert pixels.std() > 0.05 and 0.005 < dark < 0.6
    # the top holds the title: some ink in the first 60 rows
    assert (pixels[:60].mean(axis=-1) < 0.5).any()


def test_html_export_refuses_to_overwrite_a_named_file(page, tmp_path):
    folder, _ = page
    target = tmp_path / "mine.html"
    target.write_text("keep")
    result = CliRunner().invoke(app, ["export", str(folder), "--format", "html", "--to", str(target)])
    assert result.exit_code != 0 and "--force" in result.output and "Traceback" not in result.output
    assert target.read_text() == "keep"
