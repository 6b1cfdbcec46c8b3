"""Benchmarks that print figures (never timed unit tests).

- :func:`kernel_vs_reference`: median training time of the compiled loop and of the plain NumPy
  reference on the same problem, in the same process, side by side, and their ratio.
- :func:`parallel_speedup`: wall time of one comparison with ``jobs=1`` and with ``jobs=N``,
  interleaved in one process, and the ratio of the medians.
- :func:`startup`: whole ``dlbench`` commands in fresh processes: ``--help``, ``compare all``
  cold (empty kernel cache) and warm, against a plain PyTorch script doing the same job, peak
  memory of long runs and the per-run cost of writing many runs (every figure of issue 11).
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


def _wall(cmd: list[str], env: dict, cwd: str | None = None) -> float:
    return _measure(cmd, env, cwd)[0]


def _measure(cmd: list[str], env: dict, cwd: str | None = None) -> tuple[float, float]:
    """Wall seconds and peak resident memory (MB, of that process alone) of one command."""
    t0 = time.perf_counter()
    proc = subprocess.Popen(cmd, env=env, cwd=cwd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    _, status, usage = os.wait4(proc.pid, 0)
    seconds = time.perf_counter() - t0
    proc.returncode = os.waitstatus_to_exitcode(status)
    err = proc.stderr.read().decode(errors="replace")
    proc.stderr.close()
    if proc.returncode != 0:
        raise RuntimeError(f"{' '.join(cmd)} failed ({proc.returncode}): {err.strip()[-500:]}")
    return seconds, usage.ru_maxrss / 1024.0


def _newest(root: str) -> str:
    folders = [os.path.join(root, d) for d in os.listdir(root)]
    return max(folders, key=os.path.getmtime)


def _training_seconds(folder: str) -> float:
    """Seconds the compiled loop trained for in one results folder: every timing repeat of every run."""
    import csv

    with open(os.path.join(folder, "summary.csv"), newline="") as fh:
        return sum(float(r["train_seconds"]) * int(r["timing_repeats"]) for r in csv.DictReader(fh))


def _torch_script() -> str | None:
    """``benchmarks/torch_compare_all.py``: beside the package in a checkout, or in the current
    folder's ``benchmarks/`` (a checkout with dlbench installed from it, as the README does)."""
    here = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
    for root in (here, os.getcwd()):
        path = os.path.join(root, "benchmarks", "torch_compare_all.py")
        if os.path.exists(path):
            return path
    return None


def _wait_native(folder: str, timeout: float = 600.0) -> tuple[str, float]:
    """Wait for the background build of the established loop's native module in ``folder``:
    ``("built" | "failed" | "timed out", seconds waited)``."""
    import glob

    t0 = time.perf_counter()
    while time.perf_counter() - t0 < timeout:
        if glob.glob(os.path.join(folder, "_dlbench_established_*.failed")):
            return "failed", time.perf_counter() - t0
        built = [p for p in glob.glob(os.path.join(folder, "_dlbench_established_*")) if p.endswith((".so", ".pyd"))]
        locks = glob.glob(os.path.join(folder, "_dlbench_established_*.lock"))
        if built and not locks:
            return "built", time.perf_counter() - t0
        time.sleep(0.05)
    return "timed out", time.perf_counter() - t0


def startup(warm_repeats: int = 5, help_repeats: int = 5, torch_script: bool = True, memory: bool = True,
            writing: tuple[int, int] | None = (1000, 100_000)) -> dict:
    """Every figure of issue 11, measured in one session in new processes:

    - ``dlbench --help`` (median) and whether it imports Numba or pandas;
    - ``dlbench compare all`` cold: a new, empty kernel cache (``NUMBA_CACHE_DIR`` set to a
      temporary folder, the native module's folder inside it), so the first run compiles; figures
      in the background, as on a terminal. Then the wait for the native module it starts building
      as it exits (:mod:`dlbench.kernels.native`);
    - the same warm, alternated round by round so that machine noise hits all alike: with figures
      in the background (a terminal's default) and waited for, ``--no-plots``, and ``--no-plots``
      through Numba's JIT cache (``DLBENCH_NATIVE=0``: what the native module buys); the share of
      ``--no-plots``' wall time spent training (the compiled loop, every timing repeat, from
      ``summary.csv``);
    - the plain PyTorch script doing the same job (``benchmarks/torch_compare_all.py``, when torch
      and the script are there), its wall time over warm ``compare all``'s;
    - peak resident memory of ``run -o gd --epochs 1000000`` and ``compare all --epochs 100000``;
    - the per-run wall time of ``compare gd --epochs 1 --no-plots --seeds N`` at two sizes.

    Also the load average before and after, since cold compiles on a shared machine are slow.
    """
    from .._spawn import ROOT, module_argv

    exe = module_argv("dlbench")  # the dlbench this process runs, wherever it is run from
    load_before = os.getloadavg()
    out: dict = {}
    with tempfile.TemporaryDirectory(prefix="dlbench-bench-") as tmp:
        cache = os.path.join(tmp, "cache")
        env = {**os.environ, "NUMBA_CACHE_DIR": cache}
        env.pop("DLBENCH_NATIVE_DIR", None)
        env.pop("DLBENCH_NATIVE", None)
        jit_env = {**env, "DLBENCH_NATIVE": "0"}
        res = os.path.join(tmp, "results")
        helps = [_wall([*exe, "--help"], env) for _ in range(help_repeats)]
        probe = subprocess.run(
            [sys.executable, "-c", f"import sys, runpy; sys.path.insert(0, {ROOT!r}); sys.argv=['dlbench','--help'];\n"
             "try:\n runpy.run_module('dlbench', run_name='__main__')\nexcept SystemExit: pass\n"
             "print('numba' in sys.modules, 'pandas' in sys.modules, file=sys.stderr)"],
            env=env, capture_output=True, text=True, check=True,
        )
        numba_loaded, pandas_loaded = probe.stderr.split()[-2:]
        out["help"] = _stats(helps)
        out["help_imports_numba"] = numba_loaded == "True"
        out["help_imports_pandas"] = pandas_loaded == "True"
        out["compare_all_cold_s"] = _wall([*exe, "compare", "all", "--background-plots", "--out", res], env)
        out["native_build"], out["native_wait_s"] = _wait_native(os.path.join(cache, "dlbench-native"))
        kinds = {"warm_plots": ([*exe, "compare", "all", "--background-plots"], env),
                 "warm_wait_plots": ([*exe, "compare", "all", "--wait-plots"], env),
                 "warm": ([*exe, "compare", "all", "--no-plots"], env),
                 "warm_jit": ([*exe, "compare", "all", "--no-plots"], jit_env)}
        times: dict = {k: [] for k in kinds}
        share = []
        _wall([*exe, "compare", "all", "--no-plots", "--out", res], jit_env)  # untimed: the JIT cache's own warm-up
        for _ in range(warm_repeats):  # alternated, so that machine noise hits all alike
            for name, (cmd, e) in kinds.items():
                seconds = _wall([*cmd, "--out", res], e)
                times[name].append(seconds)
                if name == "warm":
                    share.append(_training_seconds(_newest(res)) / seconds)
        out["compare_all_warm_plots"] = _stats(times["warm_plots"])
        out["compare_all_warm_wait_plots"] = _stats(times["warm_wait_plots"])
        out["compare_all_warm"] = _stats(times["warm"])
        out["compare_all_warm_jit"] = _stats(times["warm_jit"])
        out["plots_add_s"] = statistics.median(times["warm_plots"]) - statistics.median(times["warm"])
        out["wait_plots_add_s"] = statistics.median(times["warm_wait_plots"]) - statistics.median(times["warm"])
        out["training_share"] = statistics.median(share)
        script = _torch_script()
        out["torch"] = None
        if torch_script and script is not None:
            try:
                import importlib.util

                has_torch = importlib.util.find_spec("torch") is not None
            except (ImportError, ValueError):
                has_torch = False
            if has_torch:
                torch_s = _wall([sys.executable, script, os.path.join(tmp, "torch.csv")], env)
                out["torch"] = {"wall_s": torch_s, "ratio": torch_s / statistics.median(times["warm_plots"]),
                                "ratio_wait": torch_s / statistics.median(times["warm_wait_plots"])}
        if memory:
            out["memory"] = {
                "run_gd_1e6_mb": _measure([*exe, "run", "-o", "gd", "--epochs", "1000000", "--out", res], env)[1],
                "compare_all_1e5_mb": _measure([*exe, "compare", "all", "--epochs", "100000", "--out", res], env)[1],
            }
        if writing:
            per_run = {}
            for n in writing:
                seconds = _wall([*exe, "compare", "gd", "--epochs", "1", "--seeds", str(n), "--no-plots",
                                 "--out", res], env)
                per_run[n] = seconds / n
            small, large = writing
            out["writing"] = {"small": small, "large": large, "per_run_s": per_run,
                              "ratio": per_run[large] / per_run[small]}
    out["load_before"] = load_before
    out["load_after"] = os.getloadavg()
    return out


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
