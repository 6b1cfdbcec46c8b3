"""``dlbench resume``: a comparison stopped at any point (an error, Ctrl-C, or a torn last line of a
killed process) continues in place, reruns nothing that finished, and ends with the files of an
uninterrupted comparison (every column but timings). The SIGKILL version is tests/test_faults.py."""

import json
import shutil
from pathlib import Path

import pandas as pd
import pytest
from typer.testing import CliRunner

import dlbench.results.writer as W
from dlbench.cli import app
from dlbench.study import compare as C

runner = CliRunner()
ARGS = ["compare", "gd", "adam", "--epochs", 15, "--seeds", 3, "--tune", "lr", "--budget", 4, "--no-plots"]
TIMINGS = ("train_seconds", "train_seconds_std", "seconds_per_epoch", "compile_seconds", "seconds_to_target",
           "time_ratio", "time_ratio_std", "elapsed_s", "train_seconds_mean", "train_seconds_min", "train_seconds_max",
           "train_seconds_ci_low", "train_seconds_ci_high")


def invoke(*args):
    return runner.invoke(app, [str(a) for a in args])


def only(root: Path) -> Path:
    (folder,) = list(root.iterdir())
    return folder


def untimed(folder: Path, name: str) -> str:
    """The file's text without its timing columns (everything else must be equal byte for byte)."""
    frame = pd.read_csv(folder / name, dtype=str, keep_default_na=False)
    return frame.drop(columns=[c for c in frame.columns if c in TIMINGS]).to_csv(index=False)


def same_files(a: Path, b: Path):
    for name in ("summary.csv", "curves.csv", "tuning.csv", "stats.csv"):
        assert untimed(a, name) == untimed(b, name), name
    ca, cb = (json.loads((f / "config.json").read_text()) for f in (a, b))
    for key in ("experiment", "runs", "tuning", "datasets", "networks", "completed_runs", "planned_runs", "state", "resume"):
        assert ca[key] == cb[key], key
    assert not [p.name for p in b.iterdir() if p.name.startswith(".")]


@pytest.fixture(scope="module")
def full(tmp_path_factory):
    root = tmp_path_factory.mktemp("full")
    result = invoke(*ARGS, "--out", root)
    assert result.exit_code == 0, result.output
    return only(root)


class Stop(Exception):
    """Stands for a process that died right after a write."""


@pytest.mark.parametrize("method,after", [("add_trial", 1), ("add_trial", 5), ("tuned", 1),
                                          ("add_run", 1), ("add_run", 4), ("add_run", 6)])
def test_resume_after_a_crash_equals_an_uninterrupted_run(tmp_path, full, monkeypatch, method, after):
    original = getattr(W.ResultsWriter, method)
    calls = {"n": 0}

    def dying(self, *args):
        original(self, *args)
        calls["n"] += 1
        if calls["n"] >= after:
            raise Stop

    monkeypatch.setattr(W.ResultsWriter, method, dying)
    result = invoke(*ARGS, "--out", tmp_path)
    assert isinstance(result.exception, Stop)
    monkeypatch.undo()
    folder = only(tmp_path)
    assert json.loads((folder / "config.json").read_text())["state"] == "running"
    shown = invoke("show", folder)
    assert shown.exit_code == 0, shown.stderr
    kept = len(pd.read_csv(folder / "summary.csv"))
    ran = []
    execute = C._execute
    monkeypatch.setattr(C, "_execute", lambda task, *a, **k: ran.append(task) or execute(task, *a, **k))
    result = invoke("resume", folder, "--no-plots")
    assert result.exit_code == 0, result.stderr
    finals = [t for t in ran if t.trial is None]
    assert len(finals) == 6 - kept  # nothing that finished ran again
    same_files(full, folder)


def test_an_error_before_anything_finished_leaves_no_folder(tmp_path, monkeypatch):
    def dying(self, *args):
        raise Stop

    monkeypatch.setattr(W.ResultsWriter, "add_trial", dying)
    result = invoke(*ARGS, "--out", tmp_path)
    assert isinstance(result.exception, Stop)
    assert not list(tmp_path.iterdir())


def test_torn_last_lines_are_ignored_then_trimmed(tmp_path, full, monkeypatch):
    def dying(self, comparison, record):
        W.ResultsWriter.__dict__["_orig_add_run"](self, comparison, record)
        if record.task.repetition == 1:
            with open(self.folder / "curves.csv", "a") as handle:
                handle.write("random,gd,12,3,0.5")  # a killed process's half line
            with open(self.folder / "summary.csv", "a") as handle:
                handle.write("random,gd,gd,1")
            with open(self.folder / ".summary.csv.abcd.tmp", "w") as handle:
                handle.write("junk")
            raise Stop

    monkeypatch.setattr(W.ResultsWriter, "_orig_add_run", W.ResultsWriter.add_run, raising=False)
    monkeypatch.setattr(W.ResultsWriter, "add_run", dying)
    invoke(*ARGS, "--out", tmp_path)
    monkeypatch.undo()
    folder = only(tmp_path)
    shown = invoke("show", folder)
    assert shown.exit_code == 0, shown.stderr
    assert invoke("resume", folder, "--no-plots").exit_code == 0
    same_files(full, folder)


def test_ctrl_c_during_tuning_reports_the_saved_trials_and_resumes(tmp_path, full, monkeypatch):
    original = W.ResultsWriter.add_trial
    calls = {"n": 0}

    def interrupted(self, *args):
        original(self, *args)
        calls["n"] += 1
        if calls["n"] == 3:
            raise KeyboardInterrupt

    monkeypatch.setattr(W.ResultsWriter, "add_trial", interrupted)
    result = invoke(*ARGS, "--out", tmp_path)
    monkeypatch.undo()
    assert result.exit_code == 130
    assert "kept the 3 tuning trials" in result.stderr and "nothing to report" not in result.stderr
    folder = only(tmp_path)
    assert len(pd.read_csv(folder / "tuning.csv")) == 3
    assert json.loads((folder / "config.json").read_text())["state"] == "interrupted"
    assert invoke("resume", folder, "--no-plots").exit_code == 0
    same_files(full, folder)


def test_jobs_out_of_order_still_equal(tmp_path, full):
    result = invoke(*ARGS, "--jobs", 2, "--out", tmp_path)
    assert result.exit_code == 0
    same_files(full, only(tmp_path))
