"""The first run's compile progress counts functions as they reach the on-disk cache, from any
process (dlbench.kernels.warm.CompileProgress); the CLI imports it from dlbench.training."""

from __future__ import annotations

import os
import time

from dlbench.kernels.warm import CompileProgress


def test_counts_new_cache_files_only_and_reports_them(tmp_path, monkeypatch):
    monkeypatch.setenv("NUMBA_CACHE_DIR", str(tmp_path))
    old = tmp_path / "pkg" / "old.f-1.py311.1.nbc"
    old.parent.mkdir()
    old.write_bytes(b"")
    past = time.time() - 3600
    os.utime(old, (past, past))
    seen = []
    progress = CompileProgress(seen.append, interval=0.02)
    try:
        assert progress.count() == 0
        for k in range(3):
            (tmp_path / "pkg" / f"new.f-{k}.py311.1.nbc").write_bytes(b"")
        (tmp_path / "pkg" / "new.f-0.py311.nbi").write_bytes(b"")  # an index is not a compiled function
        deadline = time.time() + 5
        while (not seen or seen[-1] < 3) and time.time() < deadline:
            time.sleep(0.02)
    finally:
        progress.close()
    assert progress.count() == 3 and seen[-1] == 3


def test_the_cli_finds_it_where_it_imports_it():
    from dlbench.training import CompileProgress as imported

    assert imported is CompileProgress


def test_a_first_run_on_a_terminal_says_it_compiles(tmp_path, monkeypatch):
    """On a terminal (rich's FORCE_COLOR), a run whose kernels are not cached says so and shows
    the count (here the cache answers 'not cached' and the kernels then load: only the message
    and the progress line are checked, not a real cold compile)."""
    from typer.testing import CliRunner

    from dlbench import training
    from dlbench.cli.app import app

    monkeypatch.setenv("FORCE_COLOR", "1")
    monkeypatch.setenv("COLUMNS", "100")
    monkeypatch.setattr(training, "kernels_cached", lambda rules=None: False)
    result = CliRunner().invoke(app, ["compare", "gd", "adam", "--epochs", "5", "--no-plots",
                                      "--out", str(tmp_path)])
    assert result.exit_code == 0, result.output
    assert "Compiling dlbench's training kernels" in result.output
