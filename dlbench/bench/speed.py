"""Benchmarks that print figures (never timed unit tests).

- :func:`kernel_vs_reference`: median training time of the compiled loop and of the plain NumPy
  reference on the same problem, in the same process, side by side, and their ratio.
- :func:`parallel_speedup`: wall time of one comparison with ``jobs=1`` and with ``jobs=N``,
  interleaved in one process, and the ratio of the medians.
- :func:`startup`: wall time of whole ``dlbench`` commands in fresh processes: ``--help``, and
  ``compare all`` with an empty kernel cache (cold) and with a filled one (warm).
"""

from __future__ import annotations

import os
import statistics
import subprocess
import sys
import tempfile
import time

import numpy as np

__all__ = ["kernel_vs_reference", "startup", "parallel_speedup"]


def _stats(samples):
    return {
        "median_s": statistics.median(samples),
        "min_s": min(samples),
        "max_s": max(samples),
        "runs": len(samples),
    }


def kernel_vs_reference(optimizer: str = "gd", epochs: int = 1000, repeats: int = 20, reference_repeats: int = 5,
                        experiment=None) -> dict:
    """Time ``optimizer`` for ``epochs`` on the article's problem (uniform init, lr 0.01, BCE).

    Both sides train from the same parameters on the same data; the kernel's figure is the
    training loop only (compiled beforehand), the reference's the whole NumPy loop. Runs of the
    two are interleaved so that machine noise hits both alike.
    """
    from ..data import make_dataset
    from ..study.experiment import article_experiment
    from ..model import init_params
    from ..reference.training import reference_train
    from ..training import kernel_compile_seconds, train

    exp = experiment or article_experiment()
    data = make_dataset(exp.problem, exp.n_samples, exp.n_features, exp.data_seed)
    params = init_params(exp.n_features, exp.n_hidden, exp.init, exp.seed)
    kwargs = dict(optimizer=optimizer, epochs=epochs, lr=exp.lr, loss=exp.loss, seed=exp.seed)
    compile_s, source = kernel_compile_seconds()
    kernel, reference = [], []
    result = ref = None
    for i in range(max(repeats, reference_repeats)):
        if i < repeats:
            result = train(data.X, data.y, params, **kwargs)
            kernel.append(result.train_seconds)
        if i < reference_repeats:
            t0 = time.perf_counter()
            ref = reference_train(data.X, data.y, params, **kwargs)
            reference.append(time.perf_counter() - t0)
    agree = float(np.max(np.abs(result.losses - ref[0]) / np.abs(ref[0])))
    k, r = _stats(kernel), _stats(reference)
    return {
        "what": f"{optimizer}, {epochs} epochs, {exp.n_samples}x{exp.n_features} data, {exp.n_hidden} hidden, "
                f"{exp.init} init, lr {exp.lr}, {exp.loss}",
        "kernel": k,
        "reference": r,
        "speedup": r["median_s"] / k["median_s"],
        "max_relative_loss_difference": agree,
        "compile_seconds": compile_s,
        "compile_source": source,
    }


def _wall(cmd: list[str], env: dict) -> float:
    t0 = time.perf_counter()
    subprocess.run(cmd, env=env, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    return time.perf_counter() - t0


def startup(warm_repeats: int = 5, help_repeats: int = 5) -> dict:
    """Wall times of ``dlbench --help`` and of a cold and a warm ``dlbench compare all``
    (``--no-plots``), and of a warm one that also draws its figures.

    Cold: a new, empty kernel cache (``NUMBA_CACHE_DIR`` set to a temporary folder), so the first
    run compiles. Warm: the same cache, now filled, in new processes. Results are written to a
    temporary folder. Also checks that ``--help`` imports neither Numba nor pandas.
    """
    exe = [sys.executable, "-m", "dlbench"]
    with tempfile.TemporaryDirectory(prefix="dlbench-bench-") as tmp:
        env = {**os.environ, "NUMBA_CACHE_DIR": os.path.join(tmp, "cache")}
        out = os.path.join(tmp, "results")
        helps = [_wall([*exe, "--help"], env) for _ in range(help_repeats)]
        probe = subprocess.run(
            [sys.executable, "-c", "import sys, runpy; sys.argv=['dlbench','--help'];\n"
             "try:\n runpy.run_module('dlbench', run_name='__main__')\nexcept SystemExit: pass\n"
             "print('numba' in sys.modules, 'pandas' in sys.modules, file=sys.stderr)"],
            env=env, capture_output=True, text=True, check=True,
        )
        cold = _wall([*exe, "compare", "all", "--no-plots", "--out", out], env)
        warm, plots = [], []
        for _ in range(warm_repeats):  # alternated, so that machine noise hits both alike
            warm.append(_wall([*exe, "compare", "all", "--no-plots", "--out", out], env))
            plots.append(_wall([*exe, "compare", "all", "--out", out], env))
    numba_loaded, pandas_loaded = probe.stderr.split()[-2:]
    return {
        "help": _stats(helps),
        "help_imports_numba": numba_loaded == "True",
        "help_imports_pandas": pandas_loaded == "True",
        "compare_all_cold_s": cold,
        "compare_all_warm": _stats(warm),
        "compare_all_warm_plots": _stats(plots),
        "plots_add_s": statistics.median(plots) - statistics.median(warm),
    }


def parallel_speedup(jobs: int = 2, seeds: int = 10, rounds: int = 3, experiment=None) -> dict:
    """Median wall time of ``compare(experiment, jobs=1)`` and ``compare(..., jobs=jobs)`` (default:
    the default experiment, every optimizer, with ``seeds`` seeds and one timing repeat), run
    alternately ``rounds`` times in this process, and the speed-up (ratio of medians). Also checks
    that both give identical numbers."""
    from dataclasses import replace

    from ..study.compare import compare
    from ..study.experiment import default_experiment

    exp = replace(experiment or default_experiment(), seeds=seeds)
    compare(replace(exp, epochs=2), jobs=jobs)  # compile/load and warm up threads, untimed
    serial, parallel = [], []
    same = True
    for _ in range(rounds):
        for j, store in ((1, serial), (jobs, parallel)):
            t0 = time.perf_counter()
            comparison = compare(exp, jobs=j)
            store.append(time.perf_counter() - t0)
            curves = comparison.curves().drop(columns="elapsed_s")
            if j == 1:
                reference = curves
            else:
                same = same and curves.equals(reference)
    s, p = _stats(serial), _stats(parallel)
    return {
        "what": f"compare(): {len(exp.resolved_runs())} optimizers x {seeds} seeds, {exp.epochs} epochs",
        "jobs": jobs,
        "serial": s,
        "parallel": p,
        "speedup": s["median_s"] / p["median_s"],
        "identical_results": bool(same),
    }
