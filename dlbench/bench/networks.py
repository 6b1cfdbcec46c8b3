"""Network-size benchmark: dlbench's kernel against plain NumPy and PyTorch eager, one thread each.

Three jobs, each timed in this one process with the implementations interleaved (so machine noise
hits them alike), BLAS limited to one thread and ``torch.set_num_threads(1)``; medians of repeats:

1. the article's gd: 100×10 data, 8 hidden ReLU units, 1000 full-batch epochs;
2. gd on N=10 000, D=100, H=64, 10 full-batch epochs;
3. Adam with batches of 32 on a digits-sized problem (1797×64, hidden 64,64, 10 classes, softmax
   cross-entropy), 5 epochs.

Every implementation does the same work per epoch: the steps, and the full training-set loss after
the epoch. The NumPy side is dlbench's own reference loop (:mod:`dlbench.reference.training`);
the torch side is a plain script (parameters as float64 tensors, ``torch.optim``, autograd). Only
training is timed (dlbench's ``train_seconds``: the compiled loop, compilation excluded).
GFLOP/s count the multiply-adds of the matrix products (× 2) of every forward and backward pass.
Each dlbench run is followed by a run of the job's floor (:mod:`dlbench.bench.floor`: its BLAS
products alone, and Adam's divisions alone), so PyTorch's time over the floor tells how far any
implementation of the job could get ahead of PyTorch on this machine.
"""

from __future__ import annotations

import math
import os
import platform
import statistics
import time

import numpy as np

__all__ = ["networks", "fp64_peak"]


def fp64_peak() -> dict:
    """Nominal FP64 peak of one core (FMA units × vector doubles × 2 × clock) and a measured one
    (a 1000×1000 NumPy matrix product on one thread)."""
    flags, mhz, vendor, family = set(), math.nan, "", -1
    try:
        with open("/proc/cpuinfo") as f:
            for line in f:
                if line.startswith("flags") and not flags:
                    flags = set(line.split(":", 1)[1].split())
                if line.startswith("cpu MHz") and math.isnan(mhz):
                    mhz = float(line.split(":", 1)[1])
                if line.startswith("vendor_id") and not vendor:
                    vendor = line.split(":", 1)[1].strip()
                if line.startswith("cpu family") and family < 0:
                    family = int(line.split(":", 1)[1])
    except (OSError, ValueError):
        pass
    if "avx512f" in flags and vendor == "AuthenticAMD" and family == 0x19:
        # Zen 4 runs AVX-512 on its two 256-bit FMA pipes: the same FP64 rate as AVX2
        per_cycle, isa = 16, "AVX-512 on Zen 4's 256-bit units (2 FMA units × 4 doubles × 2)"
    elif "avx512f" in flags:
        per_cycle, isa = 32, "AVX-512 (2 FMA units × 8 doubles × 2 assumed)"
    elif "avx2" in flags and "fma" in flags:
        per_cycle, isa = 16, "AVX2+FMA (2 FMA units × 4 doubles × 2)"
    else:
        per_cycle, isa = 4, "SSE2"
    from ..kernels.blas import one_thread

    a = np.random.default_rng(0).random((1000, 1000))
    with one_thread():
        a @ a
        samples = []
        for _ in range(5):
            t0 = time.perf_counter()
            a @ a
            samples.append(time.perf_counter() - t0)
    return {
        "isa": isa,
        "mhz": mhz,
        "nominal_gflops": per_cycle * mhz / 1e3,
        "dgemm_gflops": 2e9 / statistics.median(samples) / 1e9,
        "cpu": platform.processor() or platform.machine(),
    }


def _torch_job(torch, X, y, layers, task, activation, optimizer, lr, batch_size, epochs, seed):
    """The same job in plain PyTorch eager; returns the training seconds."""
    Xt = torch.tensor(X)
    yt = torch.tensor(y, dtype=torch.long if task == "multiclass" else torch.float64)
    params = []
    for W, b in layers:
        params += [torch.tensor(W, requires_grad=True), torch.tensor(b, requires_grad=True)]
    act = {"relu": torch.relu, "tanh": torch.tanh}[activation]
    F = torch.nn.functional

    def loss_of(xb, yb):
        a = xb
        for i in range(0, len(params) - 2, 2):
            a = act(a @ params[i] + params[i + 1])
        z = a @ params[-2] + params[-1]
        if task == "multiclass":
            return F.cross_entropy(z, yb)
        return F.binary_cross_entropy_with_logits(z[:, 0], yb)

    opt = {"gd": lambda: torch.optim.SGD(params, lr=lr, foreach=False),
           "adam": lambda: torch.optim.Adam(params, lr=lr, foreach=False)}[optimizer]()
    N = X.shape[0]
    gen = torch.Generator().manual_seed(seed)
    losses = []
    t0 = time.perf_counter()
    for _ in range(epochs):
        if batch_size >= N:
            opt.zero_grad()
            loss = loss_of(Xt, yt)
            loss.backward()
            opt.step()
            losses.append(loss.item())
        else:
            order = torch.randperm(N, generator=gen)
            for s in range(0, N, batch_size):
                idx = order[s : s + batch_size]
                opt.zero_grad()
                loss_of(Xt[idx], yt[idx]).backward()
                opt.step()
            with torch.no_grad():
                losses.append(loss_of(Xt, yt).item())
    return time.perf_counter() - t0


def _job(name, X, y, hidden, n_outputs, task, optimizer, lr, batch_size, epochs, init, repeats, numpy_repeats, torch):
    from ..kernels.blas import find_dgemm
    from ..model import init_params
    from ..model.spec import Network
    from ..reference.training import reference_train
    from ..training import kernel_compile_seconds, train
    from .floor import floor_seconds

    params = init_params(X.shape[1], hidden, init, 0, n_outputs)
    kw = dict(optimizer=optimizer, lr=lr, batch_size=batch_size, epochs=epochs, task=task, seed=0)
    kernel_compile_seconds()
    train(X, y, params, **{**kw, "epochs": 1})
    times = {"dlbench": [], "numpy": [], "torch": []}
    net = Network.make(X.shape[1], hidden, n_outputs, "relu", task)
    N = X.shape[0]
    floors: list = []
    for i in range(max(repeats, numpy_repeats)):
        if i < repeats:
            times["dlbench"].append(train(X, y, params, **kw).train_seconds)
            floors.append(floor_seconds(net.layers, N, min(batch_size, N), epochs, optimizer, 1))
        if i < numpy_repeats:
            t0 = time.perf_counter()
            reference_train(X, y, params, **kw)
            times["numpy"].append(time.perf_counter() - t0)
            if torch is not None:
                times["torch"].append(_torch_job(torch, X, y, params.layers, task, "relu", optimizer, lr,
                                                 min(batch_size, X.shape[0]), epochs, 0))
    full = batch_size >= N
    per_epoch = N * net.flops_per_sample() + (0 if full else N * net.forward_flops_per_sample())
    medians = {k: statistics.median(v) for k, v in times.items() if v}
    floor = {k: statistics.median(f[k] for f in floors) for k in floors[0]} if floors and floors[0] else {}
    steps = epochs * (1 if full else math.ceil(N / batch_size))
    return {
        "job": name,
        "what": f"{optimizer}, {N}×{X.shape[1]}, hidden {','.join(map(str, hidden))}, {n_outputs} output(s), "
                f"batch {'full' if full else batch_size}, {epochs} epochs",
        "medians_s": medians,
        "spread_s": {k: (min(v), max(v)) for k, v in times.items() if v},
        "runs": {k: len(v) for k, v in times.items() if v},
        "per_step_s": {k: v / steps for k, v in medians.items()},
        "gflops": {k: per_epoch * epochs / v / 1e9 for k, v in medians.items()},
        "vs_numpy": medians["numpy"] / medians["dlbench"],
        "vs_torch": medians["torch"] / medians["dlbench"] if "torch" in medians else math.nan,
        "floor_s": floor,
        "torch_over_floor": medians["torch"] / floor["floor_s"] if "torch" in medians and floor else math.nan,
        "blas": find_dgemm()[1],
    }


def networks(quick: bool = False) -> dict:
    """Run the three jobs (``quick``: fewer repeats) and the peak figures; see the module docstring."""
    from ..data import make_dataset
    from ..kernels.blas import one_thread

    try:
        import torch

        torch.set_num_threads(1)
        torch.set_default_dtype(torch.float64)
    except ImportError:
        torch = None
    r = 3 if quick else 1
    rng = np.random.default_rng(0)
    jobs = []
    with one_thread():
        article = make_dataset("random", 100, 10, 0)
        jobs.append(_job("article gd", article.X, article.y, (8,), 1, "binary", "gd", 0.01, 100, 1000, "uniform",
                         20 // r, 5 // r + 1, torch))
        Xb = rng.standard_normal((10_000, 100))
        yb = (Xb[:, :5].sum(axis=1) + rng.standard_normal(10_000) > 0).astype(float)
        jobs.append(_job("large gd", Xb, yb, (64,), 1, "binary", "gd", 0.1, 10_000, 10, "glorot", 5 // r + 1,
                         3 // r + 1, torch))
        Xd = rng.standard_normal((1797, 64))
        yd = rng.integers(0, 10, 1797).astype(float)
        jobs.append(_job("digits-sized adam", Xd, yd, (64, 64), 10, "multiclass", "adam", 1e-3, 32, 5, "torch",
                         5 // r + 1, 3 // r + 1, torch))
        peak = fp64_peak()
    return {"jobs": jobs, "peak": peak, "torch": getattr(torch, "__version__", None), "numpy": np.__version__,
            "threads": "1 (OpenBLAS and torch)", "cpus": os.cpu_count()}


def networks_table(res: dict):
    """The :func:`networks` figures as one rich table."""
    from rich import box
    from rich.table import Table

    from ..results.tables import fmt_seconds

    peak = res["peak"]
    table = Table(title="Networks: training time, one thread each", box=box.SIMPLE_HEAVY, title_justify="left")
    for col in ("job", "dlbench", "NumPy", "PyTorch", "vs NumPy", "vs PyTorch", "dlbench GFLOP/s", "floor",
                "PyTorch / floor"):
        table.add_column(col, justify="left" if col == "job" else "right")
    for job in res["jobs"]:
        m = job["medians_s"]
        table.add_row(
            f"{job['job']}\n[dim]{job['what']}[/dim]", fmt_seconds(m["dlbench"]), fmt_seconds(m["numpy"]),
            fmt_seconds(m["torch"]) if "torch" in m else "n/a", f"{job['vs_numpy']:.1f}×",
            f"{job['vs_torch']:.1f}×" if "torch" in m else "n/a",
            f"{job['gflops']['dlbench']:.1f} ({job['gflops']['dlbench'] / peak['nominal_gflops']:.0%})",
            fmt_seconds(job["floor_s"]["floor_s"]) if job["floor_s"] else "n/a",
            f"{job['torch_over_floor']:.1f}×" if not math.isnan(job["torch_over_floor"]) else "n/a",
        )
    torch = f"PyTorch {res['torch']} eager" if res["torch"] else "PyTorch not installed (pip install 'dlbench[torch]')"
    table.caption = (
        f"Medians of interleaved repeats in one process; training only (dlbench's compile time excluded). "
        f"NumPy = dlbench's NumPy reference loop (NumPy {res['numpy']}); {torch}. BLAS and torch limited to one "
        f"thread. Products via {res['jobs'][0]['blas']}. FP64 peak of one core: {peak['nominal_gflops']:.0f} GFLOP/s "
        f"nominal ({peak['isa']} at {peak['mhz']:.0f} MHz; the % column), {peak['dgemm_gflops']:.0f} GFLOP/s "
        f"measured for a 1000×1000 NumPy matrix product. Floor: the job's BLAS products alone, plus, for "
        f"Adam, its square roots and divisions alone (dlbench.bench.floor), timed with the runs; PyTorch / floor "
        f"is the highest speed-up over PyTorch those allow."
    )
    return table
