"""Coarser curve recording (issue 11): which epochs a curve keeps, and that nothing else changes."""

import numpy as np
import pandas as pd
import pytest
from typer.testing import CliRunner

from dlbench.cli import app
from dlbench.results.reader import load_results
from dlbench.training import CURVE_POINTS, record_stride, recorded_count, recorded_epochs

runner = CliRunner()


def _oracle(last, k, keep=()):
    """The rule written out as a set: multiples of k from 0, the last epoch, the kept ones."""
    return sorted({e for e in range(last + 1) if e % k == 0} | {last} | {e for e in keep if 0 <= e <= last})


def test_recorded_epochs_by_hand():
    assert recorded_epochs(12, 5).tolist() == [0, 5, 10, 12]
    assert recorded_epochs(12, 5, keep=(7,)).tolist() == [0, 5, 7, 10, 12]
    assert recorded_epochs(10, 5, keep=(10, float("nan"))).tolist() == [0, 5, 10]
    assert recorded_epochs(3, 1).tolist() == [0, 1, 2, 3]
    assert recorded_epochs(0, 4).tolist() == [0]


def test_automatic_stride():
    assert record_stride(CURVE_POINTS) == 1
    assert record_stride(CURVE_POINTS + 1) == 2
    assert record_stride(1_000_000) == 200  # 5001 points
    assert len(recorded_epochs(1_000_000)) == 5001
    assert record_stride(1_000_000, 1) == 1  # asked for: every epoch


@pytest.mark.parametrize("last,every,hit", [(12, 5, 7), (12, 5, 10), (12, 5, 12), (30, 7, np.nan), (7, 1, 3),
                                            (CURVE_POINTS * 2 + 3, None, 5), (CURVE_POINTS, None, 17)])
def test_recorded_count_matches_the_rule(last, every, hit):
    k = record_stride(last, every)
    keep = () if np.isnan(hit) else (int(hit),)
    assert recorded_count(np.array([last]), every, np.array([hit]))[0] == len(_oracle(last, k, keep))


def test_cli_record_every_thins_only_the_curve(tmp_path):
    full = runner.invoke(app, ["run", "-o", "gd", "--epochs", "30", "--no-plots", "--out", str(tmp_path / "a")])
    thin = runner.invoke(app, ["run", "-o", "gd", "--epochs", "30", "--record-every", "7", "--no-plots",
                               "--out", str(tmp_path / "b")])
    assert full.exit_code == 0 and thin.exit_code == 0, full.output + thin.output
    a = load_results(next((tmp_path / "a").iterdir()))  # also runs the folder's consistency checks
    b = load_results(next((tmp_path / "b").iterdir()))
    assert b.curves["epoch"].tolist() == [0, 7, 14, 21, 28, 30]
    pd.testing.assert_frame_equal(
        a.curves.set_index("epoch").loc[[0, 7, 14, 21, 28, 30]].drop(columns="elapsed_s"),
        b.curves.set_index("epoch").drop(columns="elapsed_s"))
    assert a.summary["final_loss"].tolist() == b.summary["final_loss"].tolist()
    assert a.summary["best_loss"].tolist() == b.summary["best_loss"].tolist()
    assert b.config["curves"]["record_every"] == 7


def test_cli_record_every_must_be_positive(tmp_path):
    result = runner.invoke(app, ["run", "--epochs", "3", "--record-every", "0", "--out", str(tmp_path)])
    assert result.exit_code == 2
    assert "--record-every" in result.output


def test_loss_table_of_a_coarse_curve_uses_recorded_epochs(tmp_path):
    result = runner.invoke(app, ["run", "-o", "gd", "--epochs", "300", "--record-every", "7", "--no-plots",
                                 "--out", str(tmp_path)])
    assert result.exit_code == 0, result.output
    assert "Loss every 105 epochs" in result.output  # 100 rounded up to a multiple of the stride
    rows = [line.split()[0] for line in result.output.splitlines() if line.strip()[:1].isdigit()]
    assert rows[:4] == ["0", "105", "210", "300"]
