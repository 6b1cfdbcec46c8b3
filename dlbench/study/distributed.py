"""Run a comparison's trainings on a Dask distributed cluster (``--scheduler``).

``--scheduler tcp://HOST:PORT`` (or ``[execution] scheduler`` in an experiment file) sends the
tasks of :func:`dlbench.study.compare.compare` to an existing Dask scheduler; ``--scheduler
local`` starts a :class:`distributed.LocalCluster` of one single-threaded worker process per
core. Without a scheduler (or with ``threads``) nothing here is imported: dlbench runs its own
threads (``--jobs``) and needs no Dask. Dask is the optional extra ``dlbench[dask]``.

:class:`DaskRunner` has the interface of ``compare._run_all``: ``runner(tasks, work, jobs,
on_done, cost)`` calls ``on_done(task, record)`` in the client's main thread as results come
back. Tasks are batched into chunks (:func:`chunk_tasks`: about eight per worker, at most
:data:`MAX_CHUNK` tasks each) so the scheduler's cost per task is paid once per chunk; each chunk
is one Dask task running :func:`run_chunk` on a worker, with the data splits its tasks train on
(the very arrays the local run uses: each task is a pure function of its settings and its data,
so a worker's results equal the local run's bit for bit). Chunks stream back as they finish;
the client writes them exactly as it writes local results (progress, incremental files, Ctrl-C,
``dlbench resume``). A worker that dies costs only its chunk, which Dask runs again elsewhere;
a task's result is accepted once (by its index), so nothing is lost or duplicated.

Each worker process loads the compiled kernels once, at its first chunk (the per-process cache
of :func:`dlbench.training.kernel_compile_seconds`, from its own Numba cache on disk), before any
training is timed. Which worker ran what is recorded in ``workers.csv`` (:data:`WORKER_COLUMNS`,
one row per finished task, appended as chunks come back).
"""

from __future__ import annotations

import math
import os
import re
import time
import uuid
from pathlib import Path

from ..errors import ConfigError, DlbenchError, invalid

__all__ = ["check_scheduler", "require_dask", "DaskRunner", "chunk_tasks", "run_chunk", "append_workers",
           "WORKER_COLUMNS", "MAX_CHUNK", "CHUNKS_PER_WORKER"]

THREADS = "threads"
"""The scheduler value that means dlbench's own threads (the default)."""
LOCAL = "local"
MAX_CHUNK = 256
"""Most tasks in one chunk."""
CHUNKS_PER_WORKER = 8
"""Chunks per worker when the chunk size is not given: enough to balance the load and stream
results back, few enough that the scheduler's few milliseconds per chunk are a small part of it."""
WORKER_COLUMNS = ["phase", "problem", "optimizer", "index", "chunk", "worker", "host", "pid", "compile_source"]
"""Columns of ``workers.csv``: the task (``phase`` ``trial`` or ``final``; ``index`` the trial or
the repetition), the chunk it ran in (a number in the order chunks were made), the Dask worker's
address, its host name and process id, and how that process got its kernels for this chunk
(``compiled``, ``cache``, or ``already loaded`` after its first chunk)."""
CONNECT_SECONDS = 30
POLL_SECONDS = 0.25
"""How often the client checks for Ctrl-C while it waits for chunks."""
_ADDRESS = re.compile(r"^(tcp|tls|ucx|inproc|ws|wss)://[^\s/]+$")


def check_scheduler(value, owner: str = "the experiment") -> str | None:
    """``value`` checked: ``None`` for dlbench's threads (``None``, ``""`` or ``"threads"``),
    ``"local"``, or a scheduler address ``PROTOCOL://HOST:PORT`` (tcp, tls, ucx, inproc, ws, wss)."""
    if value is None or value == "" or value == THREADS:
        return None
    if isinstance(value, str) and (value == LOCAL or _ADDRESS.match(value)):
        return value
    raise invalid("scheduler", owner, "'threads', 'local' or a Dask scheduler address such as tcp://HOST:8786", value)


def require_dask() -> None:
    """Raise a one-line :class:`ConfigError` when Dask's distributed scheduler is not installed."""
    try:
        import distributed  # noqa: F401
    except ImportError:
        raise ConfigError("--scheduler needs Dask's distributed scheduler, which is not installed: "
                          "pip install \"dlbench[dask]\" (or run without --scheduler, on threads).") from None


def chunk_tasks(tasks, workers: int, size: int | None = None) -> list[list]:
    """``tasks`` (already in the order to start them, costliest first) in chunks of ``size`` (by
    default ``ceil(n / (8 × workers))``, at most :data:`MAX_CHUNK`). Tasks are dealt to the chunks
    in turn, so chunks get alike mixtures of long and short tasks; each chunk keeps task order."""
    n = len(tasks)
    if not n:
        return []
    if size is None:
        size = min(MAX_CHUNK, max(1, math.ceil(n / (CHUNKS_PER_WORKER * max(1, workers)))))
    count = math.ceil(n / size)
    return [list(tasks[i::count]) for i in range(count)]


def run_chunk(experiment, repeat: int, items) -> dict:
    """On a worker: train every ``(task, data)`` of ``items`` as the local run does
    (``compare._execute``) and return the records with the worker's identity."""
    import socket

    from ..training import check_experiment_run, kernel_compile_seconds
    from .compare import _execute

    rules = sorted({check_experiment_run(experiment, task.run, (data.fit if task.trial is not None else data.train).n_samples).rule
                    for task, data in items})
    _, source = kernel_compile_seconds(rules)  # once per process and loop: timings never include it
    start = time.perf_counter()
    records = [_execute(task, data, experiment, 1 if task.trial is not None else repeat) for task, data in items]
    try:
        from distributed import get_worker

        address = get_worker().address
    except (ImportError, ValueError):  # run outside a worker (tests of this function)
        address = ""
    return {"records": records, "worker": address, "host": socket.gethostname(), "pid": os.getpid(),
            "compile_source": source, "seconds": time.perf_counter() - start}


class DaskRunner:
    """A connection to a Dask cluster, runs chunks of tasks there (``compare._run_all``'s interface
    once :meth:`bind` has given it the data and settings). ``address`` is ``"local"`` or a
    scheduler address; :meth:`close` disconnects (and stops a local cluster)."""

    def __init__(self, address: str, chunk_size: int | None = None):
        require_dask()
        import logging

        from distributed import Client, LocalCluster

        self.address = address
        self.chunk_size = chunk_size
        self.cluster = None
        self.chunks_made = 0
        self.busy_seconds = 0.0
        """Seconds the workers spent in :func:`run_chunk` (training, result records) for accepted chunks."""
        self.wall_seconds = 0.0
        """Client-side seconds from the first chunk submitted to the last one back."""
        self.on_chunk = None
        try:
            if address == LOCAL:
                import warnings

                with warnings.catch_warnings():  # "port 8787 is in use": another cluster's, and no dashboard here
                    warnings.simplefilter("ignore")
                    self.cluster = LocalCluster(n_workers=os.cpu_count() or 1, threads_per_worker=1, processes=True,
                                                dashboard_address=None, silence_logs=logging.ERROR)
                self.client = Client(self.cluster, timeout=CONNECT_SECONDS)
            else:
                self.client = Client(address, timeout=CONNECT_SECONDS)
        except (OSError, TimeoutError) as exc:
            self.close()
            raise DlbenchError(f"Cannot reach the Dask scheduler at {address}: {exc}".splitlines()[0]) from None

    def workers(self) -> int:
        """Workers connected now (waits up to :data:`CONNECT_SECONDS` for the first)."""
        deadline = time.monotonic() + CONNECT_SECONDS
        while True:
            count = len(self.client.scheduler_info(n_workers=-1).get("workers", {}))
            if count or time.monotonic() > deadline:
                return count
            time.sleep(0.1)

    def bind(self, data: dict, experiment, repeat: int):
        """Use these splits (by problem name and repetition), experiment and repeats."""
        self.data, self.experiment, self.repeat = data, experiment, repeat
        return self

    def __call__(self, tasks, work, jobs: int, on_done, cost=None) -> None:
        from distributed import TimeoutError as DaskTimeout
        from distributed import wait

        if not tasks:
            return
        workers = self.workers()
        if not workers:
            raise DlbenchError(f"The Dask scheduler at {self.address} has no workers (waited {CONNECT_SECONDS} s).")
        if cost is not None:
            tasks = sorted(tasks, key=cost, reverse=True)
        futures = {}
        start = time.perf_counter()
        for chunk in chunk_tasks(tasks, workers, self.chunk_size):
            items = [(t, self.data[t.problem.name, t.repetition]) for t in chunk]
            future = self.client.submit(run_chunk, self.experiment, self.repeat, items, pure=False,
                                        key=f"dlbench-chunk-{self.chunks_made}-{uuid.uuid4().hex}")
            futures[future] = self.chunks_made
            self.chunks_made += 1
        seen: set = set()
        pending = set(futures)
        try:
            with self.client.as_current():
                while pending:
                    if _requested():  # Ctrl-C: polled, as the kernels poll it
                        raise KeyboardInterrupt
                    try:
                        done, pending = wait(list(pending), timeout=POLL_SECONDS, return_when="FIRST_COMPLETED")
                    except (TimeoutError, DaskTimeout):
                        continue
                    for future in sorted(done, key=futures.get):
                        self._accept(future.result(), futures[future], seen, on_done)
        except KeyboardInterrupt:
            self.client.cancel(list(futures))
            raise
        finally:
            self.wall_seconds += time.perf_counter() - start

    def _accept(self, out: dict, chunk: int, seen: set, on_done) -> None:
        """Hand a chunk's records to ``on_done`` (each task once) and its rows to ``on_chunk``."""
        self.busy_seconds += out["seconds"]
        rows = []
        for record in out["records"]:
            task = record.task
            if task.index in seen:  # a chunk Dask ran twice: keep the first
                continue
            seen.add(task.index)
            on_done(task, record)
            rows.append(["trial" if task.trial is not None else "final", task.problem.name, task.run.name,
                         task.trial if task.trial is not None else task.repetition, chunk,
                         out["worker"], out["host"], out["pid"], out["compile_source"]])
        if rows and self.on_chunk is not None:
            self.on_chunk(rows)

    def close(self) -> None:
        client, cluster = getattr(self, "client", None), self.cluster
        self.client = self.cluster = None
        for thing in (client, cluster):
            if thing is not None:
                try:
                    thing.close()
                except Exception:  # noqa: BLE001 - closing a broken connection must not hide the real error
                    pass


def _requested() -> bool:
    """Whether Ctrl-C was pressed (:func:`dlbench._interrupt.requested`)."""
    from .._interrupt import requested

    return requested()


def append_workers(folder: Path, rows) -> None:
    """Append ``rows`` (:data:`WORKER_COLUMNS`) to ``folder/workers.csv`` (header first if new)."""
    from ..results.writer import _append, csv_line

    path = Path(folder) / "workers.csv"
    text = "".join(csv_line(r) for r in rows)
    if not path.is_file():
        text = ",".join(WORKER_COLUMNS) + "\n" + text
    _append(path, text)
