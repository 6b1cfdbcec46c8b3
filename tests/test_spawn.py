"""Child processes (compile helpers, the native build, background figures) import the dlbench
the parent runs, not a copy in the current folder (CI installs the checkout and runs in it)."""

from __future__ import annotations

import subprocess
import sys

from dlbench._spawn import ROOT, module_argv


def test_a_child_imports_this_dlbench_whatever_the_current_folder_holds(tmp_path):
    fake = tmp_path / "dlbench"
    fake.mkdir()
    (fake / "__init__.py").write_text("raise SystemExit('imported the dlbench in the current folder')\n")
    (fake / "__main__.py").write_text("raise SystemExit('imported the dlbench in the current folder')\n")
    plain = subprocess.run([sys.executable, "-m", "dlbench", "--help"], cwd=tmp_path, capture_output=True, text=True)
    assert plain.returncode != 0  # the trap works: -m alone takes the current folder's
    child = subprocess.run(module_argv("dlbench", "--help"), cwd=tmp_path, capture_output=True, text=True, timeout=120)
    assert child.returncode == 0, child.stderr
    assert "compare" in child.stdout
    where = subprocess.run([*module_argv("dlbench.kernels.native", "status")], cwd=tmp_path, capture_output=True,
                           text=True, timeout=120)
    assert where.returncode == 0 and "established:" in where.stdout
    assert str(tmp_path) not in ROOT
