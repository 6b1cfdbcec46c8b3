"""The one place where Numba flags are set.

``fastmath`` follows stumpy's choice: it allows reassociation and FMA contraction (so sums and
dot products vectorise) but leaves out ``nnan`` and ``ninf`` on purpose, so NaN and infinity still
propagate and divergence is detected, and leaves out ``arcp`` so that divisions (accuracy, rates)
are exact. Results stay bit-identical from run to run on one machine; they differ from the NumPy
reference only by rounding (the tests bound that). ``error_model="numpy"`` makes a division by
zero give inf/NaN instead of raising. ``cache=True`` writes compiled code to disk (see
:mod:`dlbench.kernels._cache`) so compile time is paid once per install. ``nogil=True`` lets
kernels run in parallel threads. ``no_cfunc_wrapper=True``: no C-callable wrapper per function
(dlbench never takes kernels' addresses), less code to compile.

Whole-program optimisation once, at the entry point. Numba links every callee's LLVM module into
its caller's and optimises (``-O3``, inlining, vectorising) and emits machine code for the result,
so a chain ``net_loss_grad`` → ``full_loss_grad`` → ``_strong_wolfe`` → ``lbfgs_epoch`` → the
loop optimised the same code five times over (issue 11: 7 of a helper's 19 s). Only the
functions Python calls (``njit(entry=True)``: the training loops) get the module-level passes;
every other dlbench kernel gets Numba's per-function passes only, and is optimised as a whole
when its caller's module is (:func:`_install_link_only`). The loop's machine code is as fast as
before (measured side by side: the same train seconds); the results agree with a fully
optimised build to rounding (~1e-15 relative, fastmath reassociates differently) and are
bit-identical run to run, since every process builds them the same way. A kernel that a test
calls from Python directly runs that less optimised code; its results are the same up to rounding.
"""

from ._cache import install as _install_cache

_install_cache()

_LINK_ONLY: set[str] = set()
"""Qualified names of the kernels compiled for linking into a caller only (not ``entry``)."""

JIT = dict(cache=True, nogil=True, no_cfunc_wrapper=True, fastmath={"nsz", "contract", "afn", "reassoc"}, error_model="numpy")


def _install_link_only() -> None:
    """Skip Numba's module-level optimisation of a library named in :data:`_LINK_ONLY` (the
    per-function passes still run) and of an ahead-of-time (pycc) library, which holds the
    already optimised loop (:mod:`dlbench.kernels.native`): optimising it once more could
    reassociate differently and the native module would not give the JIT loop's numbers bit for
    bit. Idempotent; a no-op if Numba's code library changed shape."""
    from numba.core import codegen

    base = getattr(codegen, "CPUCodeLibrary", None)
    full = getattr(base, "_optimize_final_module", None)
    if full is None or getattr(full, "_dlbench", False):
        return
    aot = getattr(codegen, "AOTCodeLibrary", ())

    def _optimize_final_module(self):
        if self.name in _LINK_ONLY or isinstance(self, aot):
            return
        full(self)

    _optimize_final_module._dlbench = True
    base._optimize_final_module = _optimize_final_module


def njit(fn=None, *, entry: bool = False, **options):
    """``numba.njit`` whose calls from compiled code never specialise on literal argument values.

    Numba types a constant argument (``want_grad=True``, a first ``step = 0``, a row offset ``0``)
    as a literal and compiles a separate copy of the callee for it: 48 specialisations of 41
    functions instead of one each (issue 11). Every dlbench kernel takes its arguments as plain
    values, so the call is typed with the literal types widened (``types.unliteral``); one
    compiled copy serves every call site. Use exactly like ``numba.njit``.

    ``entry=True`` marks a kernel that Python calls (the training loops): only those get Numba's
    module-level optimisation, once over everything they call (see the module's docstring).
    """
    import numba
    from numba.core import types

    _install_link_only()

    def wrap(py_func):
        if not entry:
            _LINK_ONLY.add(py_func.__qualname__)
        dispatcher = numba.njit(**options)(py_func)
        dispatcher._dlbench_entry = entry
        typed_call = dispatcher.get_call_template

        def get_call_template(args, kws):
            return typed_call(tuple(types.unliteral(a) for a in args),
                              {k: types.unliteral(v) for k, v in kws.items()})

        dispatcher.get_call_template = get_call_template
        return dispatcher

    return wrap(fn) if fn is not None else wrap
