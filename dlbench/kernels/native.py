"""The training loop compiled ahead of time into a native extension module, loaded without Numba.

A warm command used to spend more time loading Numba (its import, its type registries, the
cached object code: about a second) than training. So once the loop is in Numba's on-disk cache,
dlbench also compiles it ahead of time with Numba's ``numba.pycc`` into an ordinary Python
extension module, one per loop copy (:data:`dlbench.kernels.codes.LOOP_KINDS`), for this
machine's processor (the same CPU name and features as Numba's JIT, so the module runs the same
instructions the JIT cache holds: the tests check the two give bit-identical runs). Later commands
import that module (a millisecond) and never import Numba. It is built from the cache
in the background after a command that had to use the JIT (:func:`build_in_background`: about
10 s of one core, after the command has written its results and returned), so no command waits
for it.

The module is keyed (its file name) on the kernels' source stamp (:mod:`dlbench.kernels.stamp`),
the versions of Python, NumPy, Numba and llvmlite, and the processor (``/proc/cpuinfo``'s model
and flags): any change builds a new one, and a build removes the modules of other keys. It lives
in ``DLBENCH_NATIVE_DIR`` when set, else beside Numba's cache: ``NUMBA_CACHE_DIR/dlbench-native``
when that is set, else ``__pycache__`` beside this file, else ``$XDG_CACHE_HOME/dlbench``
(``~/.cache``).
Building needs a C compiler and setuptools (Numba's pycc compiles its runtime's C sources); where
it fails, the reason is kept beside the module (``.failed``), it is not tried again for that key,
and dlbench goes on with the JIT cache. ``DLBENCH_NATIVE=0`` neither builds nor loads it.

Command line (what the background process runs): ``python -m dlbench.kernels.native build KIND``,
``python -m dlbench.kernels.native status``.
"""

from __future__ import annotations

import functools
import hashlib
import importlib.machinery
import importlib.util
import os
import platform
import subprocess
import sys
import time
from pathlib import Path

from .._paths import user_cache, writable
from .codes import LOOP_KINDS
from .stamp import PACKAGE, STAMP

__all__ = ["ENV", "enabled", "load", "build", "build_in_background", "module_path", "status"]

ENV = "DLBENCH_NATIVE"
DIR_ENV = "DLBENCH_NATIVE_DIR"
ENTRY = "train_loop"
LOCK_STALE_SECONDS = 1800.0  # a build from an empty JIT cache on a busy machine can take many minutes
_loaded: dict = {}


def enabled() -> bool:
    """Whether the native module may be built and loaded (``DLBENCH_NATIVE`` is not ``0``)."""
    return os.environ.get(ENV, "1") != "0"


def _cpu() -> str:
    try:
        with open("/proc/cpuinfo", encoding="utf-8") as handle:
            lines = [ln for ln in handle.read(1 << 16).splitlines() if ln.startswith(("model name", "flags"))]
        return "\n".join(lines[:2])
    except OSError:
        return f"{platform.processor()} {platform.machine()}"


def _versions() -> str:
    from importlib.metadata import PackageNotFoundError, version

    found = []
    for name in ("numpy", "numba", "llvmlite"):
        try:
            found.append(f"{name}={version(name)}")
        except PackageNotFoundError:  # pragma: no cover - installed with dlbench
            found.append(f"{name}=?")
    return " ".join(found)


@functools.lru_cache(maxsize=None)
def key() -> str:
    """What the module was built from: source stamp, versions, Python and processor (hashed)."""
    parts = (STAMP, _versions(), sys.version, platform.machine(), _cpu())
    return hashlib.sha256("\n".join(parts).encode()).hexdigest()[:16]


def folder() -> Path:
    """Where the native modules go: ``DLBENCH_NATIVE_DIR`` when set, else the same choice as
    Numba's cache folder."""
    own = os.environ.get(DIR_ENV)
    if own:
        return Path(own)
    given = os.environ.get("NUMBA_CACHE_DIR")
    if given:
        return Path(given) / "dlbench-native"
    beside = PACKAGE / "kernels" / "__pycache__"
    if writable(beside):
        return beside
    return user_cache("dlbench")


def module_name(kind: str) -> str:
    return f"_dlbench_{kind}_{key()}"


def module_path(kind: str) -> Path:
    """The file of the native module of loop copy ``kind`` (``"established"`` or ``"all"``)."""
    return folder() / (module_name(kind) + importlib.machinery.EXTENSION_SUFFIXES[0])


def load(kind: str):
    """The native training loop of copy ``kind``, or ``None`` (not built yet, disabled, or it
    did not load). Called like :func:`dlbench.kernels.loop.train_loop`, it returns the same."""
    if not enabled() or kind not in LOOP_KINDS:
        return None
    if kind in _loaded:
        return _loaded[kind]
    fn = None
    path = module_path(kind)
    if path.is_file():
        name = module_name(kind)
        try:
            loader = importlib.machinery.ExtensionFileLoader(name, str(path))
            spec = importlib.util.spec_from_file_location(name, str(path), loader=loader)
            module = importlib.util.module_from_spec(spec)
            loader.exec_module(module)
            fn = getattr(module, ENTRY)
        except Exception:  # noqa: BLE001 - a module that does not load is as good as none: use the JIT
            fn = None
    _loaded[kind] = fn
    return fn


def _signature():
    from numba import types as T

    f1, f2 = T.Array(T.float64, 1, "C"), T.Array(T.float64, 2, "C")
    i1, i2 = T.Array(T.int64, 1, "C"), T.Array(T.int64, 2, "C")
    i, f = T.int64, T.float64
    args = (
        f2, f1, f1, i2, i, i, i,          # X, y, theta, layers, act, loss_code, blas
        i, f1, f2, f1,                    # rule, hp, state, scalars
        f1, i, f1,                        # rates, controller, ctrl_hp
        i, i, i, f, i, f,                 # batch_size, seed, epochs, tol, patience, div_factor
        f1, f1, f1, f1,                   # losses, accs, lrs, times
        f2, f1, f1, f1,                   # X_test, y_test, test_losses, test_accs
        i1, f1,                           # stop, evals
    )
    return T.Tuple((T.int64, T.int64, T.float64))(*args)


def build(kind: str) -> Path:
    """Compile loop copy ``kind`` into its native module now, in this process (it imports Numba;
    from the JIT cache this takes about 10 s, from nothing as long as a cold compile) and return
    its path. The file appears atomically (written beside, then renamed)."""
    import tempfile

    from numba.core import codegen
    from numba.pycc import CC, compiler

    from . import loop

    dispatcher = getattr(loop, LOOP_KINDS[kind])
    signature = _signature()
    names = ", ".join(f"a{k}" for k in range(len(signature.args)))
    namespace = {"_loop": dispatcher}
    exec(f"def {ENTRY}({names}):\n    return _loop({names})\n", namespace)  # noqa: S102 - a fixed wrapper

    class _ReleaseGil(compiler.Flags):  # the exported function releases the GIL, as nogil=True does
        def __init__(self, *args, **kwargs):
            super().__init__(*args, **kwargs)
            self.release_gil = True

    # pycc targets a CPU model; the JIT the host's model *and* its feature list (a VM may hide
    # features its model implies). Use the JIT's, so both run the same instructions.
    features = codegen.AOTCPUCodegen._customize_tm_features
    flags = compiler.Flags
    codegen.AOTCPUCodegen._customize_tm_features = lambda self: self._get_host_cpu_features()
    compiler.Flags = _ReleaseGil
    target = module_path(kind)
    target.parent.mkdir(parents=True, exist_ok=True)
    try:
        with tempfile.TemporaryDirectory(prefix="dlbench-native-") as tmp:
            cc = CC(module_name(kind))
            cc.output_dir = tmp
            cc.target_cpu = "host"
            cc.verbose = False
            cc.export(ENTRY, signature)(namespace[ENTRY])
            cc.compile()
            built = Path(tmp) / target.name
            partial = target.with_name(target.name + f".{os.getpid()}.part")
            with open(built, "rb") as src, open(partial, "wb") as dst:
                dst.write(src.read())
            os.replace(partial, target)
        _remove_stale(kind)
    finally:
        codegen.AOTCPUCodegen._customize_tm_features = features
        compiler.Flags = flags
    return target


def _remove_stale(kind: str) -> None:
    """Remove this loop copy's modules (and markers) built for other keys: older sources or versions."""
    current = module_name(kind)
    for path in folder().glob(f"_dlbench_{kind}_*"):
        if not path.name.startswith(current):
            try:
                path.unlink()
            except OSError:
                pass


def _marker(kind: str, suffix: str) -> Path:
    return module_path(kind).with_name(module_name(kind) + suffix)


def _take_lock(kind: str) -> bool:
    lock = _marker(kind, ".lock")
    try:
        if lock.exists() and time.time() - lock.stat().st_mtime > LOCK_STALE_SECONDS:
            lock.unlink()
        fd = os.open(lock, os.O_CREAT | os.O_EXCL | os.O_WRONLY)
    except OSError:
        return False
    os.write(fd, str(os.getpid()).encode())
    os.close(fd)
    return True


def build_in_background(kind: str) -> bool:
    """Start a detached process that builds loop copy ``kind``'s native module, unless it exists,
    is being built, failed before for this key, or building is disabled. Returns whether one
    started. The process has its own session, so it outlives this command and a Ctrl-C in the
    terminal does not reach it; its output goes nowhere (a failure is kept in ``.failed``)."""
    if not enabled() or kind not in LOOP_KINDS:
        return False
    from .._spawn import module_argv

    try:
        target = module_path(kind)
        if target.exists() or _marker(kind, ".failed").exists():
            return False
        target.parent.mkdir(parents=True, exist_ok=True)
        if not writable(target.parent):
            return False
        subprocess.Popen(module_argv("dlbench.kernels.native", "build", kind),
                         stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                         start_new_session=True, close_fds=True)
    except OSError:
        return False
    return True


def _build_locked(kind: str) -> int:
    if module_path(kind).exists() or not _take_lock(kind):
        return 0
    try:
        build(kind)
    except BaseException as exc:  # noqa: BLE001 - recorded, never retried for this key
        import traceback

        _marker(kind, ".failed").write_text("".join(traceback.format_exception(exc)), encoding="utf-8")
        return 1
    finally:
        try:
            _marker(kind, ".lock").unlink()
        except OSError:
            pass
    return 0


def status() -> dict:
    """For each loop copy: ``"built"``, ``"building"``, ``"failed"`` or ``"absent"``, and the file."""
    out = {}
    for kind in LOOP_KINDS:
        path = module_path(kind)
        state = ("built" if path.exists() else "failed" if _marker(kind, ".failed").exists()
                 else "building" if _marker(kind, ".lock").exists() else "absent")
        out[kind] = {"state": state if enabled() else "disabled", "path": str(path)}
    return out


def _main(argv: list[str]) -> int:
    if len(argv) == 2 and argv[0] == "build" and argv[1] in LOOP_KINDS:
        return _build_locked(argv[1])
    if argv == ["status"]:
        for kind, info in status().items():
            print(f"{kind}: {info['state']} ({info['path']})")
        return 0
    print("usage: python -m dlbench.kernels.native build {established,all} | status", file=sys.stderr)
    return 2


if __name__ == "__main__":
    sys.exit(_main(sys.argv[1:]))
