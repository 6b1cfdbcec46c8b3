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
"""

from ._cache import install as _install_cache

_install_cache()

JIT = dict(cache=True, nogil=True, no_cfunc_wrapper=True, fastmath={"nsz", "contract", "afn", "reassoc"}, error_model="numpy")


def njit(fn=None, **options):
    """``numba.njit`` whose calls from compiled code never specialise on literal argument values.

    Numba types a constant argument (``want_grad=True``, a first ``step = 0``, a row offset ``0``)
    as a literal and compiles a separate copy of the callee for it: 48 specialisations of 41
    functions instead of one each (issue 11). Every dlbench kernel takes its arguments as plain
    values, so the call is typed with the literal types widened (``types.unliteral``); one
    compiled copy serves every call site. Use exactly like ``numba.njit``.
    """
    import numba
    from numba.core import types

    def wrap(py_func):
        dispatcher = numba.njit(**options)(py_func)
        typed_call = dispatcher.get_call_template

        def get_call_template(args, kws):
            return typed_call(tuple(types.unliteral(a) for a in args),
                              {k: types.unliteral(v) for k, v in kws.items()})

        dispatcher.get_call_template = get_call_template
        return dispatcher

    return wrap(fn) if fn is not None else wrap
