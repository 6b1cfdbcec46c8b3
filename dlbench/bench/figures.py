"""What the figures cost the user (issue 11): warm ``dlbench compare all`` in fresh processes,
interleaved, without figures, waiting for them, and drawing them in the background (then also
the time until the last figure file is there). A benchmark that prints figures, never a test."""

from __future__ import annotations

import os
import statistics
import subprocess
import tempfile
import time

from .._spawn import module_argv

__all__ = ["figure_time"]

_FIGURES = ("loss.png", "loss.svg", "accuracy.png", "accuracy.svg")  # what compare all draws


def _stats(samples):
    return {"median_s": statistics.median(samples), "min_s": min(samples), "max_s": max(samples), "runs": len(samples)}


def _one(args: list[str], out: str, wait_files: bool) -> tuple[float, float | None]:
    """Wall time of one ``dlbench compare all ARGS`` and, with ``wait_files``, the time from its
    start until every figure file is in its results folder."""
    t0 = time.perf_counter()
    subprocess.run(module_argv("dlbench", "compare", "all", *args, "--out", out), check=True,
                   stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    wall = time.perf_counter() - t0
    if not wait_files:
        return wall, None
    (folder,) = [os.path.join(out, d) for d in os.listdir(out)]
    deadline = time.perf_counter() + 120
    while not all(os.path.exists(os.path.join(folder, f)) for f in _FIGURES):
        if time.perf_counter() > deadline:
            raise RuntimeError(f"the background figures did not appear in {folder}")
        time.sleep(0.01)
    return wall, time.perf_counter() - t0


def figure_time(repeats: int = 5) -> dict:
    """Medians over ``repeats`` rounds; each round runs the three variants one after the other
    in new processes (the kernel cache warmed by one run first), so machine noise hits all alike."""
    modes = {"none": ["--no-plots"], "wait": ["--wait-plots"], "background": ["--background-plots"]}
    walls = {k: [] for k in modes}
    ready = []
    with tempfile.TemporaryDirectory(prefix="dlbench-figbench-") as tmp:
        _one(["--no-plots"], os.path.join(tmp, "warm-up"), False)
        for r in range(repeats):
            for mode, args in modes.items():
                out = os.path.join(tmp, f"{mode}-{r}")
                wall, done = _one(args, out, mode == "background")
                walls[mode].append(wall)
                if done is not None:
                    ready.append(done)
    none = statistics.median(walls["none"])
    return {
        "no_plots": _stats(walls["none"]),
        "wait": _stats(walls["wait"]),
        "background": _stats(walls["background"]),
        "background_ready": _stats(ready),
        "wait_adds_s": statistics.median(walls["wait"]) - none,
        "background_adds_s": statistics.median(walls["background"]) - none,
    }
