"""SIGKILL a tuned comparison at several moments (during tuning, between final runs, while files
are being written) and check each time that the folder is readable and self-consistent, keeps
every finished trial and run, and that ``dlbench resume`` ends with an uninterrupted run's files
(timings aside). Subprocesses watch the folder and are killed at given row counts; bounded
(each process at most 120 s; a warm kernel cache makes the whole test take well under a minute).
"""

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pandas as pd
import pytest

from test_resume import same_files

ARGS = ["compare", "gd", "adam", "--epochs", "300", "--seeds", "2", "--tune", "lr", "--budget", "small", "--no-plots",
        "--jobs", "1"]
CMD = [sys.executable, "-m", "dlbench"]


def rows(path: Path) -> int:
    try:
        return path.read_bytes().count(b"\n") - 1
    except OSError:
        return -1


def run(args, cwd, timeout=120):
    return subprocess.run(CMD + args, cwd=cwd, capture_output=True, text=True, timeout=timeout)


@pytest.fixture(scope="module")
def uninterrupted(tmp_path_factory):
    root = tmp_path_factory.mktemp("full")
    done = run(ARGS + ["--out", str(root / "r")], root, timeout=600)  # may compile the kernels (cache cold)
    assert done.returncode == 0, done.stderr
    (folder,) = list((root / "r").iterdir())
    return folder


# (file, rows at which to kill): during tuning (2 optimizers × 25 trials), right after tuning,
# between final runs, and at the first curve rows of a final run (while curves.csv grows)
KILLS = [("tuning.csv", 1), ("tuning.csv", 20), ("tuning.csv", 49), ("summary.csv", 1), ("summary.csv", 3),
         ("curves.csv", 1)]


@pytest.mark.parametrize("name,at", KILLS, ids=[f"{n}@{k}" for n, k in KILLS])
def test_sigkill_then_resume(tmp_path, uninterrupted, name, at):
    out = tmp_path / "r"
    process = subprocess.Popen(CMD + ARGS + ["--out", str(out)], cwd=tmp_path, stdout=subprocess.DEVNULL,
                               stderr=subprocess.PIPE, text=True)
    deadline = time.monotonic() + 120
    try:
        while time.monotonic() < deadline and process.poll() is None:
            folders = list(out.iterdir()) if out.is_dir() else []
            if folders and rows(folders[0] / name) >= at:
                process.send_signal(signal.SIGKILL)
                break
            time.sleep(0.002)
        process.wait(timeout=30)
    finally:
        if process.poll() is None:
            process.kill()
    assert process.returncode == -signal.SIGKILL, (process.returncode, process.stderr.read())
    (folder,) = list(out.iterdir())
    # readable and self-consistent after the kill
    shown = run(["show", str(folder)], tmp_path)
    assert shown.returncode == 0, shown.stderr
    config = json.loads((folder / "config.json").read_text())
    assert config["state"] == "running"
    tuning = folder / "tuning.csv"
    kept_trials = max(rows(tuning), 0)
    summary_text = (folder / "summary.csv").read_text()
    kept_runs = summary_text.count("\n") - 1
    assert kept_trials >= (at if name == "tuning.csv" else 50)
    if name == "summary.csv":
        assert kept_runs >= at
    # resume: the same files as an uninterrupted comparison
    resumed = run(["resume", str(folder), "--no-plots"], tmp_path)
    assert resumed.returncode == 0, resumed.stderr
    same_files(uninterrupted, folder)
    summary = pd.read_csv(folder / "summary.csv")
    assert len(summary) == 4
    print(f"killed at {name}={at}: kept {kept_trials} trials and {kept_runs} runs; resume identical")


@pytest.fixture
def small_tmpfs(tmp_path):
    """A real 96 KiB tmpfs (root only; skipped where the machine does not allow mounting)."""
    import os
    import subprocess

    mount = tmp_path / "disk"
    mount.mkdir()
    if os.geteuid() != 0:
        pytest.skip("mounting a tmpfs needs root")
    done = subprocess.run(["mount", "-t", "tmpfs", "-o", "size=96k", "tmpfs", str(mount)], capture_output=True, timeout=20)
    if done.returncode != 0:
        pytest.skip(f"cannot mount a tmpfs here: {done.stderr.decode().strip()}")
    try:
        yield mount
    finally:
        subprocess.run(["umount", "-l", str(mount)], capture_output=True, timeout=20)


def test_a_real_full_disk_keeps_the_results_and_says_so(small_tmpfs):
    from typer.testing import CliRunner

    from dlbench.cli import app

    runner = CliRunner()
    result = runner.invoke(app, ["compare", "gd", "adam", "--epochs", "20", "--repeat", "1", "--out", str(small_tmpfs)])
    err = result.stderr.strip().splitlines()
    assert result.exit_code == 1 and len(err) == 1 and "Traceback" not in result.output, result.output
    assert "space" in err[0].lower() and "kept" in err[0]
    folder = next(p for p in small_tmpfs.iterdir() if p.is_dir())
    assert {"config.json", "summary.csv", "curves.csv"} <= {p.name for p in folder.iterdir()}
    shown = runner.invoke(app, ["show", str(folder)])
    assert shown.exit_code == 0 and "adam" in shown.stdout and "gd" in shown.stdout
