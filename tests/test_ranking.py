"""Issue 10, ranking: by the test metric when there is a test split, else the training loss;
``--rank-by METRIC``; ``dlbench runs`` "best" agrees with the table; the Markdown and LaTeX
exports carry the test columns and time to target in the same order; ``time_ratio`` is never
relative to a diverged run. Expected orders are written by hand from constructed values."""

import json
import math
import re

import numpy as np
import pandas as pd
import pytest
from typer.testing import CliRunner

import results_factory as factory
from dlbench.cli import app
from dlbench.results.export import EXPORTERS
from dlbench.results.ranking import best_per_problem, rank_stats, rank_summary
from dlbench.results.reader import list_runs, load_results
from dlbench.study.compare import final_summary
from dlbench.study.stats import aggregate

runner = CliRunner()


def _summary(rows):
    """Summary rows from ``(optimizer, seed, final_loss, test_loss, diverged, train_seconds)``."""
    return pd.DataFrame([{"problem": "p", "optimizer": o, "repetition": s, "seed": s, "final_loss": fl, "best_loss": fl,
                          "test_loss": tl, "final_accuracy": 0.5, "test_accuracy": 1 - tl if math.isfinite(tl) else np.nan,
                          "diverged": d, "train_seconds": t, "train_seconds_std": 0.0}
                         for o, s, fl, tl, d, t in rows])


# the tuned.toml situation of the issue: gd has the lowest training loss and the worst test loss
OVERFIT = _summary([("gd", 0, 0.01, 0.90, False, 1.0), ("adam", 0, 0.20, 0.30, False, 2.0),
                    ("sgd", 0, 0.10, 0.50, False, 3.0), ("lion", 0, 5.0, np.nan, True, 0.1)])


def test_a_test_split_ranks_by_test_loss():
    assert list(rank_summary(OVERFIT)["optimizer"]) == ["adam", "sgd", "gd", "lion"]


def test_rank_by_chooses_the_metric():
    assert list(rank_summary(OVERFIT, "loss")["optimizer"]) == ["gd", "sgd", "adam", "lion"]
    assert list(rank_summary(OVERFIT, "time")["optimizer"]) == ["gd", "adam", "sgd", "lion"]  # diverged last
    # accuracy: higher is better (1 - test loss here)
    assert list(rank_summary(OVERFIT, "test_accuracy")["optimizer"]) == ["adam", "sgd", "gd", "lion"]


def test_without_a_test_split_training_loss_ranks():
    frame = OVERFIT.assign(test_loss=np.nan, test_accuracy=np.nan)
    assert list(rank_summary(frame)["optimizer"]) == ["gd", "sgd", "adam", "lion"]


def test_over_seeds_a_diverged_seed_ranks_after_clean_optimizers():
    summary = _summary([("a", 0, 0.01, 0.01, False, 1), ("a", 1, 9.0, 9.0, True, 1),  # best mean, one seed diverged
                        ("b", 0, 0.30, 0.30, False, 1), ("b", 1, 0.30, 0.30, False, 1),
                        ("c", 0, 0.20, 0.20, False, 1), ("c", 1, 0.20, 0.20, False, 1),
                        ("d", 0, 9.0, 9.0, True, 1), ("d", 1, 9.0, 9.0, True, 1)])
    assert list(rank_stats(aggregate(summary))["optimizer"]) == ["c", "b", "a", "d"]
    assert best_per_problem(summary) == {"p": "c"}
    every = _summary([("a", 0, 1.0, 1.0, True, 1)])
    assert best_per_problem(every) == {"p": None}


def test_unknown_or_absent_metric_is_a_config_error():
    from dlbench.errors import ConfigError

    with pytest.raises(ConfigError, match="--rank-by"):
        rank_summary(OVERFIT, "speed")
    with pytest.raises(ConfigError, match="R²"):
        rank_summary(OVERFIT.assign(final_r2=np.nan), "r2")


# --- through the folders, the CLI and the exports -------------------------------------------------

@pytest.fixture
def folder(tmp_path):
    """A 2-seed folder with a test split and a target, whose losses are set by hand: adam has the
    lowest training loss but the worst test loss."""
    path = factory.make_results(tmp_path / "results", folder_name="20260105-100000-compare-0005",
                                optimizers=["sgd", "adam", "lion"], seeds=2, test=True,
                                target={"metric": "loss", "value": 0.5})
    summary = pd.read_csv(path / "summary.csv")
    losses = {"sgd": (0.30, 0.40), "adam": (0.10, 0.70), "lion": (0.20, 0.50)}
    for i, r in summary.iterrows():
        train, test = losses[r["optimizer"]]
        summary.loc[i, ["final_loss", "test_loss"]] = train, test
    summary.to_csv(path / "summary.csv", index=False)
    (path / "stats.csv").unlink()
    config = json.loads((path / "config.json").read_text())
    config["experiment"]["seeds"] = 2
    (path / "config.json").write_text(json.dumps(config))
    return path


def _table_order(text):
    return [m.group(1) for m in re.finditer(r"^\s*\d+\s+(\S+)\s", text, re.M)]


def test_show_runs_and_exports_agree(folder):
    shown = runner.invoke(app, ["show", str(folder)])
    assert shown.exit_code == 0, shown.stdout
    assert _table_order(shown.stdout) == ["sgd", "lion", "adam"]  # test losses 0.4, 0.5, 0.7
    assert "Ranked by test loss" in shown.stdout
    listed = runner.invoke(app, ["runs", "--out", str(folder.parent)])
    assert listed.exit_code == 0 and "sgd" in next(line for line in listed.stdout.splitlines() if "0005" in line)
    assert list_runs(folder.parent)["best"].tolist() == ["sgd"]
    assert list_runs(folder.parent, "loss")["best"].tolist() == ["adam"]
    by_loss = runner.invoke(app, ["show", str(folder), "--rank-by", "loss"])
    assert _table_order(by_loss.stdout) == ["adam", "lion", "sgd"]

    (md,) = EXPORTERS["markdown"](load_results(folder))
    text = md.read_text()
    header = next(line for line in text.splitlines() if line.startswith("| # |"))
    for column in ("test loss", "test accuracy", "time to target", "vs fastest"):
        assert f"| {column} |" in header
    body = text.split(header)[1]
    assert [m.group(1) for m in re.finditer(r"^\| (\d) \| (\w+)", body, re.M)] == ["1", "2", "3"]
    assert [m.group(2) for m in re.finditer(r"^\| (\d) \| (\w+)", body, re.M)] == ["sgd", "lion", "adam"]
    (tex,) = EXPORTERS["latex"](load_results(folder))
    latex = tex.read_text()
    assert "Test loss" in latex and "Time to target" in latex
    rows = [line.split(" & ")[0] for line in latex.splitlines() if line.endswith(r"\\") and " & " in line][1:]
    assert rows == ["sgd", "lion", "adam"]
    exported = runner.invoke(app, ["export", str(folder), "--format", "latex", "--to", str(folder.parent / "t.tex"),
                                   "--rank-by", "loss"])
    assert exported.exit_code == 0, exported.stdout
    rows = [line.split(" & ")[0] for line in (folder.parent / "t.tex").read_text().splitlines()
            if line.endswith(r"\\") and " & " in line][1:]
    assert rows == ["adam", "lion", "sgd"]


@pytest.mark.parametrize("command", [["show"], ["export", "--format", "markdown"]])
def test_bad_rank_by_is_one_line_exit_2(folder, command):
    result = runner.invoke(app, [command[0], str(folder), *command[1:], "--rank-by", "speed"])
    assert result.exit_code == 2 and "Traceback" not in result.stdout + result.stderr
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and "--rank-by" in lines[0] and "test_loss" in lines[0]


def test_rank_by_a_metric_the_folder_lacks(folder):
    result = runner.invoke(app, ["show", str(folder), "--rank-by", "r2"])
    assert result.exit_code == 2 and len(result.stderr.strip().splitlines()) == 1
    assert "R²" in result.stderr


def test_time_ratio_is_never_relative_to_a_diverged_run():
    # lion diverged after one epoch: the fastest run by far, and excluded as the reference
    rows = _summary([("gd", 0, 0.2, 0.2, False, 2.0), ("adam", 0, 0.1, 0.1, False, 4.0),
                     ("lion", 0, 9.0, 9.0, True, 0.001)])
    summary = final_summary(rows, ["p"])
    ratio = dict(zip(summary["optimizer"], summary["time_ratio"]))
    assert ratio == {"adam": 2.0, "gd": 1.0, "lion": 0.0005}  # 4/2, 2/2, 0.001/2
    stats = aggregate(summary).set_index("optimizer")
    assert stats.loc["gd", "time_ratio"] == 1.0 and stats.loc["adam", "time_ratio"] == 2.0
    assert math.isnan(stats.loc["lion", "time_ratio"])  # no time over seeds that did not diverge
