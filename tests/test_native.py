"""The ahead-of-time native module (dlbench.kernels.native): built from the JIT cache, it gives the
very same numbers as Numba's JIT loop, loads without importing Numba, and every way it can be
missing or broken falls back to the JIT."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap

import numpy as np
import pytest

import dlbench
from dlbench._spawn import module_argv
from dlbench.kernels import native
from dlbench.kernels.codes import STATUS_INTERRUPTED

pytest.importorskip("numba.pycc")

ESTABLISHED = ["gd", "sgd", "minibatch", "momentum", "nesterov", "adam", "nadam", "radam", "rprop", "lion",
               "adadelta", "dynamic", "lbfgs"]


def _env(folder) -> dict:
    return {**os.environ, native.DIR_ENV: str(folder), native.ENV: "1"}


def _build(folder, kind: str):
    done = subprocess.run(module_argv("dlbench.kernels.native", "build", kind), env=_env(folder),
                          capture_output=True, text=True, timeout=900)
    failed = list(folder.glob("*.failed"))
    if failed:
        text = failed[0].read_text()
        if "CompileError" in text or "compiler" in text.lower() and "not found" in text.lower():
            pytest.skip(f"no C compiler to build the native module: {text.splitlines()[-1]}")
        pytest.fail(f"the native build failed:\n{text}")
    assert done.returncode == 0, done.stderr
    modules = list(folder.glob(f"_dlbench_{kind}_*"))
    assert len(modules) == 1 and modules[0].suffix in (".so", ".pyd"), modules
    return folder


@pytest.fixture(scope="module")
def built(tmp_path_factory):
    """The established loop's native module, built in a child process into its own folder
    (the JIT cache it is built from is the suite's own)."""
    return _build(tmp_path_factory.mktemp("native"), "established")


@pytest.fixture
def native_dir(built, monkeypatch):
    monkeypatch.setenv(native.DIR_ENV, str(built))
    monkeypatch.setattr(native, "_loaded", {})
    return built


def _problem():
    data = dlbench.make_dataset(seed=3)
    params = dlbench.init_params(data.X.shape[1], (8,), "glorot", 5)
    return data.X, data.y, params


def _fresh_compile(monkeypatch):
    """A process that has loaded no loop yet (as far as dlbench.training knows)."""
    from dlbench import training

    monkeypatch.setattr(training, "_compile", {"seconds": None, "source": None, "loops": {}, "jit_kinds": set()})


def _run(name, loop_source, monkeypatch, **kw):
    """Train ``name`` with the native loop (``"native"``) or the JIT one (``"jit"``)."""
    from dlbench import training

    _fresh_compile(monkeypatch)
    monkeypatch.setattr(native, "_loaded", {} if loop_source == "native" else {"established": None, "all": None})
    X, y, params = _problem()
    result = dlbench.train(X, y, params, optimizer=name, epochs=kw.pop("epochs", 60), seed=11, **kw)
    source = training._compile["source"]
    assert source == ("native" if loop_source == "native" else "cache"), source
    return result


@pytest.mark.parametrize("name", ESTABLISHED)
def test_native_loop_gives_the_jit_loops_numbers_bit_for_bit(name, native_dir, monkeypatch):
    a = _run(name, "jit", monkeypatch)
    b = _run(name, "native", monkeypatch)
    for field in ("losses", "accuracies", "learning_rates", "grad_evals"):
        assert np.array_equal(getattr(a, field), getattr(b, field), equal_nan=True), field
    assert np.array_equal(a.params.to_vector(), b.params.to_vector())
    assert (a.epochs_run, a.converged, a.diverged) == (b.epochs_run, b.converged, b.diverged)


NEWER = [("soap", {}), ("muon", {}), ("shampoo", {}), ("prodigy", {}), ("lamb", {}), ("schedulefree-adamw", {}),
         ("sam:adam", {}), ("lookahead:adam", {}), ("adopt", {"cautious": True})]


def test_the_full_loops_native_module_gives_the_jit_loops_numbers(tmp_path, monkeypatch):
    """Every rule's loop copy (the newer rules: LAPACK calls, exact float32 rounding, wrappers,
    an evaluation point) built natively and run against the JIT, bit for bit."""
    from dlbench import training

    folder = _build(tmp_path, "all")
    monkeypatch.setenv(native.DIR_ENV, str(folder))
    X, y, _ = _problem()
    params = dlbench.init_params(X.shape[1], (6, 5), "glorot", 2)
    for name, extra in NEWER:
        runs = {}
        for source in ("jit", "native"):
            _fresh_compile(monkeypatch)
            monkeypatch.setattr(native, "_loaded", {} if source == "native" else {"established": None, "all": None})
            runs[source] = dlbench.train(X, y, params, optimizer=name, epochs=25, batch_size=16, seed=4, **extra)
            assert training._compile["source"] == ("native" if source == "native" else "cache"), (name, source)
        assert np.array_equal(runs["jit"].losses, runs["native"].losses), name
        assert np.array_equal(runs["jit"].params.to_vector(), runs["native"].params.to_vector()), name


def test_native_loop_with_a_held_out_set_and_a_schedule(native_dir, monkeypatch):
    X, y, _ = _problem()
    kw = dict(X_test=X[:20] + 0.5, y_test=y[:20], schedule="cosine", epochs=40)
    a = _run("adam", "jit", monkeypatch, **kw)
    b = _run("adam", "native", monkeypatch, **kw)
    assert np.array_equal(a.test_losses, b.test_losses) and np.array_equal(a.losses, b.losses)


def test_native_loop_releases_the_gil_and_stops_on_request(native_dir):
    """While the native loop trains in a thread this thread runs Python (the GIL is released),
    and the stop flag the Ctrl-C handler sets ends the run as interrupted."""
    import threading
    import time

    from dlbench import training
    from dlbench._interrupt import STOP

    loop = native.load("established")
    assert loop is not None
    X, y, params = _problem()
    plan = training.prepare("gd", X.shape[0], epochs=10**7)
    net = dlbench.Network.make(X.shape[1], (8,))
    out = {}

    def work():
        try:
            training._run_kernel(X, y, params.to_vector(), net, plan, 0, loop=loop)
            out["result"] = "finished"
        except KeyboardInterrupt:
            out["result"] = "interrupted"

    worker = threading.Thread(target=work)
    worker.start()
    t0 = time.perf_counter()
    ticks = 0
    while time.perf_counter() - t0 < 0.3:  # Python keeps running beside the kernel
        ticks += 1
    STOP[0] = 1
    worker.join(30)
    STOP[0] = 0
    assert not worker.is_alive() and out["result"] == "interrupted"
    assert ticks > 10_000
    assert STATUS_INTERRUPTED == 3


def test_a_warm_command_with_the_native_module_never_imports_numba(native_dir, tmp_path):
    script = textwrap.dedent("""
        import json, sys
        import dlbench
        data = dlbench.make_dataset(seed=3)
        params = dlbench.init_params(data.X.shape[1], (8,), "glorot", 5)
        r = dlbench.train(data.X, data.y, params, optimizer="adam", epochs=60, seed=11)
        from dlbench import training
        print(json.dumps({"numba": "numba" in sys.modules, "llvmlite": "llvmlite" in sys.modules,
                          "source": training._compile["source"], "loss": r.losses[-1].hex()}))
    """)
    out = subprocess.run([sys.executable, "-c", script], env=_env(native_dir), capture_output=True, text=True,
                         timeout=300, cwd=tmp_path)
    assert out.returncode == 0, out.stderr
    got = json.loads(out.stdout.strip().splitlines()[-1])
    assert got["source"] == "native" and not got["numba"] and not got["llvmlite"], got
    X, y, params = _problem()
    assert dlbench.train(X, y, params, optimizer="adam", epochs=60, seed=11).losses[-1].hex() == got["loss"]


def test_a_broken_module_falls_back_to_the_jit(tmp_path, monkeypatch):
    monkeypatch.setenv(native.DIR_ENV, str(tmp_path))
    monkeypatch.setattr(native, "_loaded", {})
    native.module_path("established").write_bytes(b"not an ELF file")
    assert native.load("established") is None
    from dlbench import training

    _fresh_compile(monkeypatch)
    X, y, params = _problem()
    dlbench.train(X, y, params, optimizer="gd", epochs=3)
    assert training._compile["source"] in ("cache", "compiled")
    assert training.native_missing() == ["established"]


def test_disabled_or_failed_builds_are_not_started(tmp_path, monkeypatch):
    monkeypatch.setenv(native.DIR_ENV, str(tmp_path))
    monkeypatch.setenv(native.ENV, "0")
    assert native.load("established") is None and not native.build_in_background("established")
    assert native.status()["established"]["state"] == "disabled"
    monkeypatch.setenv(native.ENV, "1")
    native._marker("established", ".failed").write_text("no compiler")
    assert not native.build_in_background("established")
    assert native.status()["established"]["state"] == "failed"


def test_the_key_follows_the_sources_and_a_new_build_removes_stale_modules(tmp_path, monkeypatch):
    monkeypatch.setenv(native.DIR_ENV, str(tmp_path))
    before = native.module_name("established")
    stale = tmp_path / "_dlbench_established_0000000000000000.so"
    stale.write_bytes(b"")
    other = tmp_path / "_dlbench_all_0000000000000000.so"
    other.write_bytes(b"")
    native._remove_stale("established")
    assert not stale.exists() and other.exists()
    monkeypatch.setattr(native, "STAMP", "edited")
    native.key.cache_clear()
    try:
        assert native.module_name("established") != before
    finally:
        native.key.cache_clear()


def test_the_lock_keeps_a_second_builder_out(tmp_path, monkeypatch):
    monkeypatch.setenv(native.DIR_ENV, str(tmp_path))
    assert native._take_lock("established")
    assert not native._take_lock("established")
    assert native._build_locked("established") == 0  # someone else builds: nothing done, no failure marker
    assert not native._marker("established", ".failed").exists()
