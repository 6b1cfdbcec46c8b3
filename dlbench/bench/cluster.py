"""``dlbench bench --dask``: a large study on one thread against the same study on Dask workers.

:func:`cluster_speedup` times ``compare(experiment, jobs=1)`` and the same comparison sent to a
local Dask cluster of ``workers`` single-threaded worker processes (a scheduler in this
process), alternately, ``rounds`` times, after one untimed warm-up each (the workers load their
kernels there). It reports the medians, the speed-up (ratio of medians), whether the numbers are
identical, and the scheduling overhead per run: the cluster's wall time times its workers, minus
the seconds the workers spent inside their chunks (training and making the records), over the
runs; that is every cost of going through Dask (scheduling, sending tasks and data, results
coming back, idle workers at the end), as a share of the training work per run too.
"""

from __future__ import annotations

import statistics
import time

__all__ = ["cluster_speedup", "study"]

OPTIMIZERS = ("gd", "momentum", "adam", "rmsprop")


def study(runs: int, epochs: int):
    """The benchmark's experiment: the article's problem and network, :data:`OPTIMIZERS` each
    with ``runs / 4`` seeds (rounded up), ``epochs`` epochs."""
    from dataclasses import replace

    from ..study.experiment import default_experiment

    seeds = -(-runs // len(OPTIMIZERS))
    return replace(default_experiment().with_runs(list(OPTIMIZERS)), seeds=seeds, epochs=epochs)


def cluster_speedup(runs: int = 2000, epochs: int = 200, workers: int = 2, rounds: int = 3) -> dict:
    """See the module docstring. Needs Dask (``dlbench[dask]``)."""
    import logging
    from dataclasses import replace

    from ..study.distributed import require_dask

    require_dask()
    from distributed import LocalCluster

    from ..study.compare import compare

    exp = study(runs, epochs)
    n_runs = exp.seeds * len(OPTIMIZERS)
    cluster = LocalCluster(n_workers=workers, threads_per_worker=1, processes=True, dashboard_address=None,
                           silence_logs=logging.ERROR)
    try:
        address = cluster.scheduler_address
        warm = replace(exp, seeds=2 * workers)
        compare(warm, repeat=1)
        compare(warm, repeat=1, scheduler=address)  # every worker loads its kernels, untimed
        local, remote, overhead, share, chunks = [], [], [], [], 0
        same = True
        for _ in range(rounds):
            t0 = time.perf_counter()
            a = compare(exp, repeat=1)
            local.append(time.perf_counter() - t0)
            t0 = time.perf_counter()
            b = compare(exp, repeat=1, scheduler=address)
            remote.append(time.perf_counter() - t0)
            run = b.execution
            chunks = run["chunks"]
            lost = run["wall_seconds"] * workers - run["worker_seconds"]
            overhead.append(lost / n_runs)
            share.append(lost / run["worker_seconds"])
            same = same and a.curves().drop(columns="elapsed_s").equals(b.curves().drop(columns="elapsed_s"))
    finally:
        cluster.close()
    lm, rm = statistics.median(local), statistics.median(remote)
    return {
        "what": f"compare(): {len(OPTIMIZERS)} optimizers x {exp.seeds} seeds = {n_runs} runs of {epochs} epochs "
                f"on the article's problem",
        "runs": n_runs, "workers": workers, "chunks": chunks, "rounds": rounds,
        "local_s": local, "dask_s": remote, "local_median_s": lm, "dask_median_s": rm, "speedup": lm / rm,
        "overhead_per_run_s": statistics.median(overhead), "overhead_share": statistics.median(share),
        "identical_results": bool(same),
    }
