"""The first run's compile (dlbench.kernels.warm): helper processes fill an empty kernel cache,
compiling only (the kernels other than the loop are cached as LLVM bitcode, with no machine code
of their own), and the first run then gives exactly the numbers of every later run.

Each test uses its own empty NUMBA_CACHE_DIR, so it compiles the established loop from nothing
in helper processes (about 15 s on the 2-core machine); bounded at 300 s per command.
"""

import os
import subprocess
import sys

import numpy as np
import pandas as pd

CMD = [sys.executable, "-m", "dlbench"]
ARGS = ["compare", "gd", "sgd", "adam", "lbfgs", "--epochs", "60", "--no-plots", "--jobs", "1"]
NUMBERS = ["loss", "accuracy", "lr"]


def _env(cache, **extra):
    return {**os.environ, "NUMBA_CACHE_DIR": str(cache), "DLBENCH_NATIVE": "0", **extra}


def _curves(tmp_path, name, env):
    out = tmp_path / name
    done = subprocess.run(CMD + ARGS + ["--out", str(out)], cwd=tmp_path, env=env, capture_output=True, text=True,
                          timeout=300)
    assert done.returncode == 0, done.stderr
    (folder,) = list(out.iterdir())
    return pd.read_csv(folder / "curves.csv"), " ".join(done.stdout.split())  # the table's caption wraps


def test_the_first_run_gives_every_later_runs_numbers(tmp_path):
    cache = tmp_path / "cache"
    cold, cold_out = _curves(tmp_path, "cold", _env(cache))
    assert "(compiled)" in cold_out  # it did compile, from an empty cache
    warm, warm_out = _curves(tmp_path, "warm", _env(cache))
    assert "(loaded from the on-disk cache)" in warm_out
    assert set(cold["optimizer"]) == {"gd", "sgd", "adam", "lbfgs"}
    for column in NUMBERS:
        assert np.array_equal(cold[column].to_numpy(), warm[column].to_numpy(), equal_nan=True), column


def test_helpers_cache_bitcode_only_and_a_later_process_still_calls_the_kernels(tmp_path):
    """After a cold compile, the cache holds the leaves as bitcode: a process that calls one from
    Python (as the tests do) generates its machine code and gets the same value as the loop."""
    cache = tmp_path / "cache"
    _curves(tmp_path, "cold", _env(cache))
    code = (
        "import numpy as np\n"
        "from dlbench.kernels.network import full_loss_grad, workspace\n"
        "from dlbench.model.spec import Network\n"
        "net = Network.make(3, (4,))\n"
        "rng = np.random.default_rng(0)\n"
        "X = rng.random((5, 3)); y = np.array([0.0, 1.0, 1.0, 0.0, 1.0])\n"
        "ws = workspace(X, y, net.layers, np.int64(net.activation_code), np.int64(net.loss_code), np.int64(1), np.int64(0))\n"
        "theta = rng.standard_normal(net.n_params); grad = np.zeros(net.n_params)\n"
        "loss, acc = full_loss_grad(theta, ws, grad, True)\n"
        "print(full_loss_grad.stats.cache_hits.most_common(1)[0][1], np.isfinite(loss), np.abs(grad).sum() > 0)\n"
    )
    done = subprocess.run([sys.executable, "-c", code], cwd=tmp_path, env=_env(cache), capture_output=True, text=True,
                          timeout=300)  # cwd: the dlbench the commands ran, not a checkout's folder first on the path
    assert done.returncode == 0, done.stderr
    assert done.stdout.split() == ["1", "True", "True"]  # loaded from the helpers' cache entry, and it runs


def test_in_a_helper_a_kernel_compiled_for_linking_only_refuses_to_run(tmp_path):
    code = (
        "import numpy as np\n"
        "from dlbench.kernels._config import compile_only\n"
        "compile_only()\n"
        "from dlbench.kernels.arrays import copy_into\n"
        "from dlbench.kernels.clock import now\n"
        "from dlbench.kernels.warm import _compile\n"
        "a = np.zeros(3)\n"
        "for kernel, args in ((copy_into, (a, a)), (now, ())):\n"
        "    _compile(kernel, *args)\n"
        "    try:\n"
        "        kernel(*args)\n"
        "    except TypeError as e:\n"
        "        print('refused' if 'linking only' in str(e) or 'argument' in str(e) else e)\n"
    )
    done = subprocess.run([sys.executable, "-c", code], cwd=tmp_path, env=_env(tmp_path / "cache"), capture_output=True,
                          text=True, timeout=300)
    assert done.returncode == 0, done.stderr
    assert done.stdout.split() == ["refused", "refused"]
