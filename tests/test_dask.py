"""Comparisons on a real Dask cluster (``--scheduler``): a ``dask scheduler`` and two single-threaded
``dask worker`` processes on 127.0.0.1, started here (free ports, bounded waits) and always stopped.

A study run through ``--scheduler`` must write the files of the local run (every column but
timings, byte for byte), record which worker ran each task exactly once, and survive a worker
killed mid-study (SIGKILL): its chunks run again elsewhere, nothing is lost or duplicated. The
workers load the kernels this test session compiled (same package, same Numba cache), so they
do not compile. Without Dask, asking for a scheduler is a one-line error (exit 2)."""

from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import pandas as pd
import pytest

import dlbench
from dlbench.study import distributed as D

from test_resume import invoke, only, untimed  # the same helpers as the resume tests


class _Ran:
    def __init__(self, proc):
        self.exit_code, self.output = proc.returncode, proc.stdout + proc.stderr


def run_locally(*args):
    """The local run to compare with, as a user types it: a new ``python -m dlbench`` process of
    the same installed package as the workers (its folder first on the path, run from the results'
    folder, never from a source checkout), so that, like the workers, it loads the kernels from
    that package's on-disk cache. A process that compiled them itself can differ from one that
    loaded them by an ulp (a known defect, see issue 11's notes), and this test process may have."""
    package_root = str(Path(dlbench.__file__).resolve().parent.parent)
    out = Path(str(args[list(args).index("--out") + 1]))
    out.mkdir(parents=True, exist_ok=True)
    env = {**os.environ, "COLUMNS": "120",
           "PYTHONPATH": os.pathsep.join([package_root, os.environ.get("PYTHONPATH", "")])}
    proc = subprocess.run([sys.executable, "-m", "dlbench", *map(str, args)], capture_output=True, text=True,
                          timeout=300, env=env, cwd=out.parent)
    return _Ran(proc)

STARTUP_SECONDS = 90
"""Most seconds to wait for the scheduler and the workers on a loaded machine."""


def same_results(a: Path, b: Path, names=("summary.csv", "curves.csv", "tuning.csv", "stats.csv")):
    for name in names:
        assert untimed(a, name) == untimed(b, name), name


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Cluster:
    """A scheduler and workers as subprocesses; :meth:`stop` ends them all (by their own pids)."""

    def __init__(self, folder: Path):
        executable = Path(sys.executable).parent / "dask"
        found = str(executable) if executable.exists() else shutil.which("dask")
        if not found:
            pytest.skip("the 'dask' command is not installed")
        self.dask = found
        self.folder = folder
        self.port = free_port()
        self.address = f"tcp://127.0.0.1:{self.port}"
        self.procs: list[subprocess.Popen] = []
        package_root = str(Path(dlbench.__file__).resolve().parent.parent)
        self.env = {**os.environ, "PYTHONPATH": os.pathsep.join([package_root, os.environ.get("PYTHONPATH", "")]),
                    "DASK_LOGGING__DISTRIBUTED": "warning"}
        self._start("scheduler", ["scheduler", "--host", "127.0.0.1", "--port", str(self.port), "--no-dashboard"])

    def _start(self, name: str, args) -> subprocess.Popen:
        log = open(self.folder / f"{name}.log", "wb")
        proc = subprocess.Popen([self.dask, *args], stdout=log, stderr=subprocess.STDOUT, env=self.env,
                                start_new_session=True)
        log.close()
        self.procs.append(proc)
        return proc

    def worker(self, name: str) -> subprocess.Popen:
        """One single-threaded worker process (no nanny: its pid is the worker's)."""
        return self._start(name, ["worker", self.address, "--nthreads", "1", "--no-nanny", "--no-dashboard",
                                  "--name", name, "--death-timeout", "60"])

    def wait_for(self, n: int) -> None:
        from distributed import Client

        with Client(self.address, timeout=STARTUP_SECONDS) as client:
            client.wait_for_workers(n, timeout=STARTUP_SECONDS)

    def stop(self) -> None:
        """SIGTERM to every process (workers first), SIGKILL to any still there after 3 s."""
        for proc in reversed(self.procs):
            if proc.poll() is None:
                proc.terminate()
        deadline = time.monotonic() + 3
        for proc in reversed(self.procs):
            try:
                proc.wait(timeout=max(0.1, deadline - time.monotonic()))
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait(timeout=5)


@pytest.fixture(scope="module")
def cluster(tmp_path_factory):
    pytest.importorskip("distributed")
    from dlbench.training import kernel_compile_seconds

    kernel_compile_seconds()  # the workers load what this session compiled (same package, same cache)
    c = Cluster(tmp_path_factory.mktemp("dask-cluster"))
    try:
        c.workers = [c.worker("w1"), c.worker("w2")]
        c.wait_for(2)
        yield c
    finally:
        c.stop()


ARGS = ["compare", "gd", "adam", "--epochs", 15, "--seeds", 3, "--tune", "lr", "--budget", 3, "--no-plots"]
MULTI = ["compare", "gd", "momentum", "adam", "--epochs", 15, "--seeds", 2, "--tune", "lr,momentum,beta2,weight_decay",
         "--budget", 4, "--no-plots"]


@pytest.mark.parametrize("args", [ARGS, MULTI], ids=["lr-grid", "halton"])
def test_a_study_on_the_cluster_writes_the_local_runs_files(tmp_path, cluster, args):
    local = run_locally(*args, "--out", tmp_path / "local")
    assert local.exit_code == 0, local.output
    remote = invoke(*args, "--out", tmp_path / "dask", "--scheduler", cluster.address, "--chunk-size", 2)
    assert remote.exit_code == 0, remote.output
    a, b = only(tmp_path / "local"), only(tmp_path / "dask")
    same_results(a, b)
    workers = pd.read_csv(b / "workers.csv")
    assert list(workers.columns) == D.WORKER_COLUMNS
    summary, tuning = pd.read_csv(b / "summary.csv"), pd.read_csv(b / "tuning.csv")
    # every task ran exactly once, on one of the two workers, in chunks of at most 2
    assert len(workers) == len(summary) + len(tuning)
    assert not workers.duplicated(["phase", "problem", "optimizer", "index"]).any()
    assert set(workers["pid"]) <= {p.pid for p in cluster.workers}
    assert workers.groupby("chunk").size().max() <= 2
    assert not (a / "workers.csv").exists()


def test_a_worker_killed_mid_study_costs_only_its_chunk(tmp_path, cluster, monkeypatch):
    """A third worker joins, and is SIGKILLed while the scheduler says it is running a chunk; the
    study finishes on the other two with every run exactly once and the local run's numbers."""
    import threading

    args = ["compare", "sgd", "adam", "--epochs", 400, "--seeds", 6, "--no-plots", "--repeat", 1]
    from distributed import Client

    victim = cluster.worker("w3")
    cluster.wait_for(3)
    held, rows_before_kill, done = [], [], threading.Event()
    original = D.append_workers
    watcher = Client(cluster.address, timeout=STARTUP_SECONDS)
    address = next(a for a, pid in watcher.run(os.getpid).items() if pid == victim.pid)
    from_victim = []

    def counting(folder, rows):
        original(folder, rows)
        from_victim.extend(r for r in rows if int(r[D.WORKER_COLUMNS.index("pid")]) == victim.pid)

    def kill_when_busy():  # poll the scheduler: kill the victim while it holds a chunk
        while not done.is_set():
            busy = watcher.processing(workers=[address]).get(address, ())
            if busy:
                rows_before_kill.append(len(from_victim))
                os.kill(victim.pid, signal.SIGKILL)
                held.extend(busy)
                return
            time.sleep(0.005)

    monkeypatch.setattr(D, "append_workers", counting)
    killer = threading.Thread(target=kill_when_busy, daemon=True)
    killer.start()
    try:
        remote = invoke(*args, "--out", tmp_path / "dask", "--scheduler", cluster.address, "--chunk-size", 1)
    finally:
        done.set()
        killer.join(timeout=10)
        watcher.close()
    assert remote.exit_code == 0, remote.output
    assert held, "the third worker never held a chunk"  # so Dask had to run what it held again
    victim.wait(timeout=10)
    local = run_locally(*args, "--out", tmp_path / "local")
    assert local.exit_code == 0, local.output
    a, b = only(tmp_path / "local"), only(tmp_path / "dask")
    same_results(a, b, ("summary.csv", "curves.csv", "stats.csv"))
    summary, workers = pd.read_csv(b / "summary.csv"), pd.read_csv(b / "workers.csv")
    assert sorted(zip(summary["optimizer"], summary["repetition"])) == [(o, r) for o in ("adam", "sgd") for r in range(6)]
    assert len(workers) == 12 and not workers.duplicated(["optimizer", "index"]).any()
    # after the kill nothing more came from it (a result already on its way when it died may land)
    assert (workers["pid"] == victim.pid).sum() <= rows_before_kill[0] + len(held)


def test_resume_continues_on_the_cluster(tmp_path, cluster, monkeypatch):
    """Ctrl-C after the second chunk keeps what came back; ``dlbench resume --scheduler`` runs
    the rest there and ends with the uninterrupted local run's files."""
    # runs long enough (about 0.1 s each) that the stop comes while chunks are still out: with short
    # ones (3000 epochs, 15 ms) every chunk was once back in the same wait() and nothing left to resume
    args = ["compare", "gd", "adam", "--epochs", 20000, "--seeds", 4, "--no-plots"]
    calls = {"n": 0}
    original = D.append_workers

    def append_then_stop(folder, rows):
        original(folder, rows)
        calls["n"] += 1
        if calls["n"] == 2:
            monkeypatch.setattr(D, "_requested", lambda: True)

    monkeypatch.setattr(D, "append_workers", append_then_stop)
    stopped = invoke(*args, "--out", tmp_path / "dask", "--scheduler", cluster.address, "--chunk-size", 1)
    assert stopped.exit_code == 130, stopped.output
    monkeypatch.undo()
    folder = only(tmp_path / "dask")
    kept = len(pd.read_csv(folder / "summary.csv"))
    assert 2 <= kept < 8
    resumed = invoke("resume", folder, "--scheduler", cluster.address, "--no-plots")
    assert resumed.exit_code == 0, resumed.output
    local = run_locally(*args, "--out", tmp_path / "local")
    assert local.exit_code == 0, local.output
    same_results(only(tmp_path / "local"), folder, ("summary.csv", "curves.csv", "stats.csv"))
    workers = pd.read_csv(folder / "workers.csv")
    assert len(workers) == 8 and not workers.duplicated(["optimizer", "index"]).any()


def test_scheduler_local_starts_a_cluster_of_worker_processes(tmp_path, monkeypatch):
    """``--scheduler local``: one single-threaded worker process per core (one core here, to keep
    the test short), the local run's files."""
    pytest.importorskip("distributed")
    monkeypatch.setattr(os, "cpu_count", lambda: 1)
    args = ["compare", "gd", "adam", "--epochs", 10, "--seeds", 2, "--no-plots"]
    remote = invoke(*args, "--out", tmp_path / "dask", "--scheduler", "local")
    assert remote.exit_code == 0, remote.output
    local = run_locally(*args, "--out", tmp_path / "local")
    same_results(only(tmp_path / "local"), only(tmp_path / "dask"), ("summary.csv", "curves.csv", "stats.csv"))
    workers = pd.read_csv(only(tmp_path / "dask") / "workers.csv")
    assert len(workers) == 4 and len(set(workers["pid"])) == 1 and os.getpid() not in set(workers["pid"])
    assert local.exit_code == 0


def test_no_dask_is_a_one_line_error(tmp_path, monkeypatch):
    monkeypatch.setitem(sys.modules, "distributed", None)  # import distributed -> ImportError
    result = invoke("compare", "gd", "--epochs", 3, "--no-plots", "--scheduler", "local", "--out", tmp_path)
    assert result.exit_code == 2
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and "dlbench[dask]" in lines[0] and "Traceback" not in result.output
    assert not list(tmp_path.iterdir())


@pytest.mark.parametrize("value", ["foo", "http://x:1", "tcp://", "tcp://a b:1"])
def test_a_bad_scheduler_is_a_one_line_error(tmp_path, value):
    result = invoke("compare", "gd", "--epochs", 3, "--no-plots", "--scheduler", value, "--out", tmp_path)
    assert result.exit_code == 2
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and "--scheduler" in lines[0] and "tcp://HOST" in lines[0]


def test_an_unreachable_scheduler_is_a_one_line_error(tmp_path, monkeypatch):
    pytest.importorskip("distributed")
    monkeypatch.setattr(D, "CONNECT_SECONDS", 2)
    address = f"tcp://127.0.0.1:{free_port()}"
    result = invoke("compare", "gd", "--epochs", 3, "--no-plots", "--scheduler", address, "--out", tmp_path)
    assert result.exit_code == 1
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and address in lines[0]
    assert not list(tmp_path.iterdir())


def test_the_scheduler_from_an_experiment_file(tmp_path, cluster):
    path = tmp_path / "e.toml"
    path.write_text(f'[execution]\nscheduler = "{cluster.address}"\nchunk_size = 3\n\n[training]\nepochs = 10\n'
                    'seeds = 3\n\n[[runs]]\noptimizer = "gd"\n\n[[runs]]\noptimizer = "adam"\n')
    result = invoke("compare", "--experiment", path, "--no-plots", "--out", tmp_path / "out")
    assert result.exit_code == 0, result.output
    workers = pd.read_csv(only(tmp_path / "out") / "workers.csv")
    assert len(workers) == 6 and workers.groupby("chunk").size().max() <= 3
    bad = tmp_path / "bad.toml"
    bad.write_text('[execution]\nscheduler = "nowhere"\n')
    result = invoke("compare", "--experiment", bad, "--no-plots", "--out", tmp_path / "bad")
    assert result.exit_code == 2 and "line 2" in result.stderr and "scheduler" in result.stderr


def test_chunks_hold_every_task_once_and_mix_long_and_short():
    tasks = list(range(23))
    chunks = D.chunk_tasks(tasks, workers=2, size=5)
    assert sorted(t for c in chunks for t in c) == tasks
    assert [len(c) for c in chunks] == [5, 5, 5, 4, 4]
    assert chunks[0] == [0, 5, 10, 15, 20]  # dealt in turn: each chunk gets a costly task first
    assert len(D.chunk_tasks(list(range(2000)), workers=2)) == 16  # ceil(2000 / 16) = 125 per chunk
    assert max(map(len, D.chunk_tasks(list(range(10**5)), workers=1))) == D.MAX_CHUNK
    assert D.chunk_tasks([], workers=2) == []
