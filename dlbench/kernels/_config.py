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
    _install_entry_ir(codegen)


_ENTRY: set[str] = set()
"""Qualified names of the entry kernels (``njit(entry=True)``: the training loops)."""


def _install_entry_ir(codegen) -> None:
    """Make an entry kernel's linkable module (what the cache keeps beside the machine code, and
    what :mod:`dlbench.kernels.native` builds the native module from) the very IR its machine
    code was generated from. Numba takes it from the module *after* generating code, and code
    generation rewrites the IR in place (CodeGenPrepare and the like): the native module was then
    built from different IR than the JIT's machine code, and their numbers can differ in the last
    bit (measured: prodigy, once the loop's callees were linked in as plain bitcode, see
    :func:`compile_only`)."""
    library = getattr(codegen, "JITCodeLibrary", None)
    base = getattr(codegen, "CPUCodeLibrary", None)
    if not hasattr(library, "_finalize_final_module") or not hasattr(base, "_get_module_for_linking"):
        return
    finalize_module = library._finalize_final_module
    linking = base._get_module_for_linking

    def _finalize_final_module(self):
        if self.name in _ENTRY:
            self._dlbench_ir = self._final_module.clone()  # before code generation changes it
        finalize_module(self)

    def _get_module_for_linking(self):
        ir = getattr(self, "_dlbench_ir", None)
        if ir is None or self._shared_module is not None:
            return linking(self)
        generated, self._final_module = self._final_module, ir
        try:
            return linking(self)  # Numba's own: external definitions made linkonce_odr, kept as _shared_module
        finally:
            self._final_module, self._dlbench_ir = generated, None  # the copy is in _shared_module now

    library._finalize_final_module = _finalize_final_module
    base._get_module_for_linking = _get_module_for_linking


_COMPILE_ONLY = False


def compile_only() -> None:
    """Put this process in the compile helpers' mode (:mod:`dlbench.kernels.warm`): a kernel
    named in :data:`_LINK_ONLY` is compiled to LLVM bitcode for linking into a loop and cached as
    that bitcode, with no machine code of its own (the loop's module holds every kernel it calls,
    optimised and code-generated once there). Measured (issue 11): code generation of those
    libraries took 1.9 s of the network helper's 9.4 s and 0.8 s of the rules helper's 7.9 s.

    In this mode such a kernel cannot run here: its Python entry point is a stub that raises (the
    helpers compile with ``dispatcher.compile(signature)``, they call nothing). Any other process
    that loads its bitcode from the cache generates its machine code then, as Numba does for any
    bitcode entry, so a test calling a kernel from Python works as before. Idempotent; a no-op if
    Numba's code library changed shape."""
    global _COMPILE_ONLY
    import weakref

    from numba.core import codegen, cpu

    library = getattr(codegen, "JITCodeLibrary", None)
    base = getattr(codegen, "CPUCodeLibrary", None)
    context = getattr(cpu, "CPUContext", None)
    jit_codegen = getattr(codegen, "JITCPUCodegen", None)
    needed = ((library, "_finalize_final_module"), (base, "serialize_using_object_code"),
              (base, "serialize_using_bitcode"), (context, "get_executable"), (jit_codegen, "set_env"))
    if _COMPILE_ONLY or any(not hasattr(owner, name) for owner, name in needed):
        return
    _COMPILE_ONLY = True
    finalize_module = library._finalize_final_module
    object_code = base.serialize_using_object_code
    executable = context.get_executable
    set_env = jit_codegen.set_env

    def _finalize_final_module(self):
        if self.name not in _LINK_ONLY:
            return finalize_module(self)
        # what Numba's own method does, less adding the module to the JIT engine and generating code
        self._finalize_dynamic_globals()
        self._verify_declare_only_symbols()
        self._final_module._CPUCodeLibrary__library = weakref.proxy(self)
        self._finalized = True

    def serialize_using_object_code(self):
        return self.serialize_using_bitcode() if self.name in _LINK_ONLY else object_code(self)

    def get_executable(self, library, fndesc, env):
        if library.name not in _LINK_ONLY:
            return executable(self, library, fndesc, env)
        from numba import _dynfunc

        return _dynfunc.make_function(fndesc.lookup_module(), fndesc.qualname.split(".")[-1],
                                      "compiled for linking only (dlbench compile helper)", _stub_address(),
                                      env, (library,))

    def set_env_if_there(self, env_name, env):
        # a kernel loaded from the cache sets the environments its code refers to; those of kernels
        # without machine code here are nowhere in the JIT engine, and nothing runs here to need them
        if self._engine.get_global_value_address(env_name):
            set_env(self, env_name, env)

    library._finalize_final_module = _finalize_final_module
    jit_codegen.set_env = set_env_if_there
    base.serialize_using_object_code = serialize_using_object_code
    context.get_executable = get_executable


def _refuse():
    raise TypeError("a kernel compiled for linking only (in a dlbench compile helper) cannot run")


def _stub_address() -> int:
    """Address of the compiled CPython wrapper of :func:`_refuse`: the Python entry point of a
    kernel compiled for linking only, which raises TypeError however it is called."""
    global _STUB
    if _STUB is None:
        import numba

        stub = numba.njit(_refuse)
        stub.compile(())
        cres = next(iter(stub.overloads.values()))
        _STUB = (stub, cres.library.get_pointer_to_function(cres.fndesc.llvm_cpython_wrapper_name))
    return _STUB[1]


_STUB = None


def is_entry(dispatcher) -> bool:
    """Whether ``dispatcher`` was made with ``njit(entry=True)``."""
    return dispatcher.py_func.__qualname__ in _ENTRY


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
        (_ENTRY if entry else _LINK_ONLY).add(py_func.__qualname__)
        dispatcher = numba.njit(**options)(py_func)
        typed_call = dispatcher.get_call_template

        def get_call_template(args, kws):
            return typed_call(tuple(types.unliteral(a) for a in args),
                              {k: types.unliteral(v) for k, v in kws.items()})

        dispatcher.get_call_template = get_call_template
        return dispatcher

    return wrap(fn) if fn is not None else wrap
