"""Benchmark: the cost per run of writing results as a comparison grows (issue 9).

:func:`writing_cost` runs ``dlbench compare gd --epochs 1 --seeds N`` in this process (the
Python API with the command's :class:`~dlbench.results.writer.ResultsWriter`, into a temporary
folder) for a small and a large ``N`` and reports the wall time per run of each, in total and for
the writer's calls alone. Appending keeps the per-run cost flat; rewriting whole files made it
grow with ``N``. Run it as ``python -m dlbench.bench.writing [small large]``.
"""

from __future__ import annotations

import sys
import tempfile
import time
from dataclasses import replace
from pathlib import Path

__all__ = ["writing_cost"]


def _one(n: int) -> dict:
    from ..results.writer import ResultsWriter, new_results_dir
    from ..study.compare import compare
    from ..study.experiment import default_experiment

    exp = replace(default_experiment(), epochs=1, seeds=n).with_runs(["gd"])
    with tempfile.TemporaryDirectory(prefix="dlbench-writing-") as root:
        made: dict = {}
        spent = {"s": 0.0}

        def timed(fn):
            def wrapper(*args):
                start = time.perf_counter()
                fn(*args)
                spent["s"] += time.perf_counter() - start
            return wrapper

        def on_ready():
            made["folder"] = new_results_dir(Path(root), "compare")
            made["writer"] = ResultsWriter(made["folder"], {"command": "bench", "kind": "compare"})

        start = time.perf_counter()
        comparison = compare(exp, repeat=1, on_ready=on_ready, on_start=timed(lambda c: made["writer"].start(c)),
                             on_run=timed(lambda c, r: made["writer"].add_run(c, r)))
        timed(made["writer"].finish)(comparison)
        total = time.perf_counter() - start
        size = sum(p.stat().st_size for p in made["folder"].iterdir())
    return {"runs": n, "total_s": total, "per_run_s": total / n, "writer_s": spent["s"], "writer_per_run_s": spent["s"] / n,
            "bytes": size}


def writing_cost(small: int = 1000, large: int = 100_000) -> dict:
    """Per-run wall time of a ``small``- and a ``large``-run comparison, and their ratios."""
    _one(10)  # compile or load the kernels, untimed
    a, b = _one(small), _one(large)
    return {"small": a, "large": b, "per_run_ratio": b["per_run_s"] / a["per_run_s"],
            "writer_per_run_ratio": b["writer_per_run_s"] / a["writer_per_run_s"]}


def main(argv: list[str]) -> None:
    small, large = (int(argv[0]), int(argv[1])) if len(argv) == 2 else (1000, 100_000)
    res = writing_cost(small, large)
    for key in ("small", "large"):
        r = res[key]
        print(f"{r['runs']:>7} runs: {r['total_s']:.2f} s in all, {r['per_run_s'] * 1e3:.3f} ms per run "
              f"(writing {r['writer_per_run_s'] * 1e3:.3f} ms per run), {r['bytes'] / 1e6:.1f} MB of results")
    print(f"per-run cost at {large} runs / at {small} runs: {res['per_run_ratio']:.2f}x in all, "
          f"{res['writer_per_run_ratio']:.2f}x for writing")


if __name__ == "__main__":  # pragma: no cover
    main(sys.argv[1:])
