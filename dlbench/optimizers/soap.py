"""SOAP: Adam in the eigenbasis of Shampoo's preconditioner, ``pytorch_optimizer.SOAP``'s rule.

Vyas et al. (2024), "SOAP: Improving and Stabilizing Shampoo using Adam". A per-layer rule (see
:mod:`dlbench.optimizers.lars` for the layout ``layers``); its state is sized by the layout
(:attr:`Optimizer.layout_state`): the ``state`` rows, read as one flat arena, hold per layer
``m_W``, ``v_W`` (``fan_in x fan_out``), ``L`` (``fan_in**2``), ``R`` (``fan_out**2``), ``Q_L``,
``Q_R``, then the bias's ``m_b``, ``v_b`` (row-major).

Eigenbases: the first basis is the eigenvectors of ``L + 1e-30 I`` and ``R + 1e-30 I`` in
descending eigenvalue order (the reference: ``torch.linalg.eigh`` then ``flip``); dlbench computes
them with cyclic Jacobi rotations (:func:`sym_eigh`, no SciPy needed). Every
``precondition_frequency`` steps the basis is refreshed by one power iteration and a QR
factorisation **in float32**, as the reference (``get_orthogonal_matrix_qr``): ``P = (L Q)[:, s]``
with ``s`` the descending order of the estimated eigenvalues ``diag(Q^T L Q)`` (``v_W`` re-sorted
the same way), ``Q = qr(float32(P))`` by Householder reflections (:func:`qr_f32`, LAPACK's
``sgeqrf`` + ``sorgqr`` of the LAPACK in NumPy's OpenBLAS, through
:mod:`dlbench.kernels.lapack`; without that library, the same Householder algorithm in float32
loops). Eigenvector signs do not matter (they cancel in the rotation back); the basis chosen inside
a repeated eigenvalue would, so the parity problems keep every null space of the first ``G G^T``
one-dimensional. Parity (tests/test_parity_soap.py): float32 LAPACKs round differently (torch's QR
and OpenBLAS's give ``Q`` a float32 ulp apart), so dlbench is held at a relative 1e-9 to the
reference run with OpenBLAS's QR, and to the reference as it is within twice the measured
difference of those two runs (1e-8 to 3e-7 in the loss); where the reference itself moves by more
than 1e-9 under a one-ulp change of theta0 (full batch: its first update is taken with the
gradient that built the bases, so it steps the rounding noise of the rotated gradient over eps;
1.2e-8 to 1.0e-7) the 1e-9 holds over the one-ulp stable prefix and ten times the one-ulp figure
after it.

Not supported (a ``ConfigError``): ``merge_dims = true`` and ``precondition_1d = true`` (biases
always take the plain Adam step of the reference's default; dlbench's tensors are 2-D and 1-D,
which ``merge_dims`` would fold into one dimension).
"""

from __future__ import annotations

import math

from ..errors import ConfigError
from ..hyper import Hyper
from .base import N_SCALARS, Optimizer, jitable

RULE_SOAP = 71

np = None
"""NumPy, which the rule and its helpers use for scratch arrays: set by
:mod:`dlbench.kernels.dispatch` before it compiles them, so that the registry imports this module
without NumPy (``dlbench --help`` stays light)."""

JACOBI_SWEEPS = 60
EIGH_SHIFT = 1e-30
"""The reference adds ``1e-30 I`` before ``eigh``."""


@jitable
def lerp(a, b, w):
    """torch's ``lerp``: ``a + w (b - a)`` for ``|w| < 0.5``, else ``b - (b - a)(1 - w)``."""
    if abs(w) < 0.5:
        return a + w * (b - a)
    return b - (b - a) * (1.0 - w)


@jitable
def mm(A, B):
    """``A @ B`` with plain loops (Numba's ``@`` needs SciPy's BLAS, which dlbench does not depend on)."""
    n, k = A.shape
    m = B.shape[1]
    C = np.zeros((n, m))
    for i in range(n):
        for q in range(k):
            a = A[i, q]
            for j in range(m):
                C[i, j] += a * B[q, j]
    return C


@jitable
def rotate(X, QL, QR, useL, useR, back):
    """``Q_L^T X Q_R`` (the reference's ``project``), or ``Q_L X Q_R^T`` with ``back``; a side
    not used stays as it is."""
    Y = X.copy()
    if useL:
        Y = mm(QL, Y) if back else mm(QL.T, Y)
    if useR:
        Y = mm(Y, QR.T) if back else mm(Y, QR)
    return Y


@jitable
def sym_eigh(A, d, V):
    """Eigenvectors of the symmetric ``d x d`` matrix ``A + 1e-30 I`` into the columns of ``V``,
    in descending eigenvalue order, by cyclic Jacobi rotations (Golub and Van Loan 8.5)."""
    W = np.empty((d, d))
    for i in range(d):
        for j in range(d):
            W[i, j] = A[i, j]
            V[i, j] = 0.0
        W[i, i] = W[i, i] + EIGH_SHIFT
        V[i, i] = 1.0
    for _ in range(JACOBI_SWEEPS):
        off = 0.0
        diag = 0.0
        for p in range(d):
            diag += W[p, p] ** 2
            for q in range(p + 1, d):
                off += W[p, q] ** 2
        if off <= 1e-36 * diag or off == 0.0:
            break
        for p in range(d - 1):
            for q in range(p + 1, d):
                apq = W[p, q]
                if apq == 0.0:
                    continue
                th = (W[q, q] - W[p, p]) / (2.0 * apq)
                t = 1.0 / (abs(th) + math.sqrt(th * th + 1.0))
                if th < 0.0:
                    t = -t
                c = 1.0 / math.sqrt(t * t + 1.0)
                s = t * c
                for k in range(d):
                    akp = W[k, p]
                    akq = W[k, q]
                    W[k, p] = c * akp - s * akq
                    W[k, q] = s * akp + c * akq
                for k in range(d):
                    apk = W[p, k]
                    aqk = W[q, k]
                    W[p, k] = c * apk - s * aqk
                    W[q, k] = s * apk + c * aqk
                for k in range(d):
                    vkp = V[k, p]
                    vkq = V[k, q]
                    V[k, p] = c * vkp - s * vkq
                    V[k, q] = s * vkp + c * vkq
                W[p, q] = 0.0
                W[q, p] = 0.0
    # selection sort of the columns by descending eigenvalue
    for i in range(d):
        best = i
        for j in range(i + 1, d):
            if W[j, j] > W[best, best]:
                best = j
        if best != i:
            tmp = W[i, i]
            W[i, i] = W[best, best]
            W[best, best] = tmp
            for k in range(d):
                tv = V[k, i]
                V[k, i] = V[k, best]
                V[k, best] = tv


@jitable
def qr_lapack(geqrf, orgqr, a, tau, d):
    """LAPACK's ``sgeqrf`` + ``sorgqr`` on the column-major float32 ``a``: replaced by
    :func:`dlbench.kernels.lapack.qr_lapack` where :mod:`dlbench.kernels.dispatch` compiles the
    rule; this stand-in (plain Python) reports "not available" (-1)."""
    return -1


@jitable
def qr_f32(P, d, Q, geqrf, orgqr):
    """``Q`` of the QR factorisation of the ``d x d`` matrix ``float32(P)`` (``torch.linalg.qr``
    of ``P.to(torch.float32)`` in the reference), returned as float64: by NumPy's LAPACK
    (``sgeqrf`` + ``sorgqr``, the routines ``numpy.linalg.qr`` runs on float32) at the addresses
    ``geqrf``, ``orgqr`` (:func:`dlbench.kernels.lapack.find_qr`); where those are 0, by the same
    Householder algorithm in float32 loops (``sgeqr2``: ``slarfg`` with ``beta = -sign(alpha)
    hypot(alpha, ||x||)``, then ``sorg2r``), equal to LAPACK's to float32 rounding."""
    if geqrf != 0 and orgqr != 0:
        a = np.empty(d * d, dtype=np.float32)
        t = np.zeros(d, dtype=np.float32)
        for j in range(d):
            for i in range(d):
                a[i + j * d] = np.float32(P[i, j])
        if qr_lapack(geqrf, orgqr, a, t, d) == 0:
            for i in range(d):
                for j in range(d):
                    Q[i, j] = np.float64(a[i + j * d])
            return
    A = np.empty((d, d), dtype=np.float32)
    tau = np.zeros(d, dtype=np.float32)
    w = np.empty(d, dtype=np.float32)
    one = np.float32(1.0)
    zero = np.float32(0.0)
    for i in range(d):
        for j in range(d):
            A[i, j] = np.float32(P[i, j])
    for j in range(d):
        alpha = A[j, j]
        ss = zero
        for i in range(j + 1, d):
            ss = ss + A[i, j] * A[i, j]
        xnorm = np.sqrt(ss)
        if xnorm == zero:
            tau[j] = zero
            continue
        aa = abs(alpha)
        big = max(aa, xnorm)
        small = min(aa, xnorm)
        r = small / big
        beta = big * np.sqrt(one + r * r)
        if alpha >= zero:
            beta = -beta
        tau[j] = (beta - alpha) / beta
        scale = one / (alpha - beta)
        for i in range(j + 1, d):
            A[i, j] = A[i, j] * scale
        A[j, j] = beta
        # apply H_j = I - tau v v^T (v = [1, A[j+1:, j]]) to A[j:, j+1:]
        for c in range(j + 1, d):
            acc = A[j, c]
            for i in range(j + 1, d):
                acc = acc + A[i, j] * A[i, c]
            w[c] = acc
        for c in range(j + 1, d):
            f = tau[j] * w[c]
            A[j, c] = A[j, c] - f
            for i in range(j + 1, d):
                A[i, c] = A[i, c] - f * A[i, j]
    # sorg2r: accumulate Q = H_0 H_1 ... H_{d-1} in place
    for j in range(d - 1, -1, -1):
        if j < d - 1:
            A[j, j] = one
            for c in range(j + 1, d):
                acc = zero
                for i in range(j, d):
                    acc = acc + A[i, j] * A[i, c]
                w[c] = acc
            for c in range(j + 1, d):
                f = tau[j] * w[c]
                for i in range(j, d):
                    A[i, c] = A[i, c] - f * A[i, j]
            for i in range(j + 1, d):
                A[i, j] = -tau[j] * A[i, j]
        A[j, j] = one - tau[j]
        for i in range(j):
            A[i, j] = zero
    for i in range(d):
        for j in range(d):
            Q[i, j] = np.float64(A[i, j])


@jitable
def _refresh_basis(M, Qm, d, V, axis, n, m, geqrf, orgqr):
    """One power iteration + float32 QR of the preconditioner ``M`` (``d x d``) from the basis
    ``Qm``; ``V`` (``n x m``, the second moment in the rotated basis) re-sorted along ``axis``."""
    MQ = mm(M, Qm)
    est = np.empty(d)
    for k in range(d):
        acc = 0.0
        for i in range(d):
            acc += Qm[i, k] * MQ[i, k]
        est[k] = acc
    order = np.argsort(-est, kind="mergesort")
    Pw = np.empty((d, d))
    for k in range(d):
        for i in range(d):
            Pw[i, k] = MQ[i, order[k]]
    old = V.copy()
    if axis == 0:
        for k in range(d):
            for j in range(m):
                V[k, j] = old[order[k], j]
    else:
        for i in range(n):
            for k in range(d):
                V[i, k] = old[i, order[k]]
    qr_f32(Pw, d, Qm, geqrf, orgqr)


def soap_update(theta, grad, state, scalars, hp, lr, step, layers):
    """One step of SOAP, following ``pytorch_optimizer.SOAP`` (pytorch-optimizer 4.1.0) in its
    order of operations. Per weight matrix ``G`` (``fan_in x fan_out``, as dlbench holds ``W``),
    with ``Q_L``, ``Q_R`` the bases (the identity on a side longer than ``max_precondition_dim``)::

        step 1:  L = lerp(0, G G^T, 1 - shampoo_beta), R likewise with G^T G; Q_L, Q_R = eigh
                 (descending); no parameter update (the reference skips it)
        step t > 1, s = t - 1:
            m <- lerp(m, G, 1 - beta1)                       (in the original basis)
            v <- lerp(v, (Q_L^T G Q_R)**2, 1 - beta2)        (in the rotated basis)
            N = Q_L ((Q_L^T m Q_R) / (sqrt(v) + eps)) Q_R^T  (/ (rms(N) + eps) if normalize_gradient)
            theta <- theta - lr sqrt(1 - beta2**s) / (1 - beta1**s) N   (lr without correct_bias)
            theta <- theta (1 - lr weight_decay)             (decoupled, after the step)
            L, R <- lerp(., G G^T | G^T G, 1 - shampoo_beta)
            if s % precondition_frequency == 0: Q_L, Q_R refreshed (power iteration + float32 QR)

    A bias takes the same Adam step with ``Q = I``. ``hp = (beta1, beta2, shampoo_beta (NaN:
    beta2), weight_decay, precondition_frequency, max_precondition_dim, correct_bias,
    normalize_gradient, eps, sgeqrf address, sorgqr address)``; ``state`` = the arena of the module docstring.
    """
    beta1 = hp[0]
    beta2 = hp[1]
    sbeta = hp[2]
    if sbeta != sbeta:
        sbeta = beta2
    weight_decay = hp[3]
    freq = int(hp[4])
    maxd = int(hp[5])
    correct = hp[6] != 0.0
    normalize = hp[7] != 0.0
    eps = hp[8]
    geqrf = int(hp[9])
    orgqr = int(hp[10])
    arena = state.reshape(state.size)
    n_layers = layers.shape[0]
    s = step - 1
    step_size = lr
    if correct and s > 0:
        bc1 = 1.0 - beta1**s
        bc2 = math.sqrt(1.0 - beta2**s)
        step_size = lr * (bc2 / bc1)
    off = 0
    for l in range(n_layers):
        w0 = layers[l, 0]
        n = layers[l, 1]
        m = layers[l, 2]
        b0 = layers[l, 3]
        nm = n * m
        mW = arena[off : off + nm].reshape((n, m))
        vW = arena[off + nm : off + 2 * nm].reshape((n, m))
        o = off + 2 * nm
        Lm = arena[o : o + n * n].reshape((n, n))
        o += n * n
        Rm = arena[o : o + m * m].reshape((m, m))
        o += m * m
        QL = arena[o : o + n * n].reshape((n, n))
        o += n * n
        QR = arena[o : o + m * m].reshape((m, m))
        o += m * m
        mb = arena[o : o + m]
        vb = arena[o + m : o + 2 * m]
        off = o + 2 * m
        useL = n <= maxd
        useR = m <= maxd
        G = grad[w0 : w0 + nm].reshape((n, m)).copy()
        gb = grad[b0 : b0 + m]
        if step > 1:
            # ---- the weight matrix
            gp = rotate(G, QL, QR, useL, useR, False)
            for i in range(n):
                for j in range(m):
                    mW[i, j] = lerp(mW[i, j], G[i, j], 1.0 - beta1)
                    vW[i, j] = lerp(vW[i, j], gp[i, j] * gp[i, j], 1.0 - beta2)
            mp = rotate(mW, QL, QR, useL, useR, False)
            for i in range(n):
                for j in range(m):
                    mp[i, j] = mp[i, j] / (math.sqrt(vW[i, j]) + eps)
            mp = rotate(mp, QL, QR, useL, useR, True)
            if normalize:
                acc = 0.0
                for i in range(n):
                    for j in range(m):
                        acc += mp[i, j] * mp[i, j]
                den = math.sqrt(acc / nm) + eps
                for i in range(n):
                    for j in range(m):
                        mp[i, j] = mp[i, j] / den
            for i in range(n):
                for j in range(m):
                    k = w0 + i * m + j
                    theta[k] = theta[k] + (-step_size) * mp[i, j]
                    if weight_decay != 0.0:
                        theta[k] = theta[k] * (1.0 - weight_decay * lr)
            # ---- the bias: Adam in the original basis
            u = np.empty(m)
            for j in range(m):
                mb[j] = lerp(mb[j], gb[j], 1.0 - beta1)
                vb[j] = lerp(vb[j], gb[j] * gb[j], 1.0 - beta2)
                u[j] = mb[j] / (math.sqrt(vb[j]) + eps)
            if normalize:
                acc = 0.0
                for j in range(m):
                    acc += u[j] * u[j]
                den = math.sqrt(acc / m) + eps
                for j in range(m):
                    u[j] = u[j] / den
            for j in range(m):
                theta[b0 + j] = theta[b0 + j] + (-step_size) * u[j]
                if weight_decay != 0.0:
                    theta[b0 + j] = theta[b0 + j] * (1.0 - weight_decay * lr)
        # ---- the preconditioner statistics (after the step, from the step's gradient)
        if useL:
            GGt = mm(G, G.T)
            for i in range(n):
                for j in range(n):
                    Lm[i, j] = lerp(Lm[i, j], GGt[i, j], 1.0 - sbeta)
        if useR:
            GtG = mm(G.T, G)
            for i in range(m):
                for j in range(m):
                    Rm[i, j] = lerp(Rm[i, j], GtG[i, j], 1.0 - sbeta)
        if step == 1:
            if useL:
                sym_eigh(Lm, n, QL)
            if useR:
                sym_eigh(Rm, m, QR)
        elif s % freq == 0:
            if useL:
                _refresh_basis(Lm, QL, n, vW, 0, n, m, geqrf, orgqr)
            if useR:
                _refresh_basis(Rm, QR, m, vW, 1, n, m, geqrf, orgqr)


def arena_size(layers) -> int:
    """Entries of the flat state :func:`soap_update` uses for ``layers``."""
    total = 0
    for _, n, m, _, _ in layers:
        n, m = int(n), int(m)
        total += 2 * n * m + 2 * n * n + 2 * m * m + 2 * m
    return total


def _layout_state(values, layers):
    P = sum(int(n) * int(m) + int(nb) for _, n, m, _, nb in layers)
    return -(-arena_size(layers) // P), N_SCALARS


_BETA = dict(low=0.0, high=1.0, high_open=True)


class _Soap(Optimizer):
    def kernel_hp(self, values):
        """The hyperparameters, then the addresses of NumPy's LAPACK QR routines (0: own loops)."""
        from ..kernels.lapack import find_qr

        geqrf, orgqr, _ = find_qr()
        return super().kernel_hp(values) + [float(geqrf), float(orgqr)]

    def check(self, values):
        out = super().check(values)
        for name in ("merge_dims", "precondition_1d"):
            if out[name]:
                raise ConfigError(f"soap: {name} = true is not supported (dlbench's tensors are one weight matrix and "
                                  f"one bias per layer; biases take the reference's default Adam step).")
        return out


OPTIMIZERS = (
    _Soap(
        "soap", RULE_SOAP,
        "SOAP: Adam run in the eigenbasis of Shampoo's preconditioners G G^T and G^T G (refreshed every precondition_frequency steps by power iteration + QR); Adam for biases.",
        "pytorch_optimizer.SOAP (pytorch-optimizer 4.1.0, Vyas et al. 2024)", 3e-3,
        (
            Hyper("beta1", 0.95, "decay of the first moment (betas[0])", **_BETA),
            Hyper("beta2", 0.95, "decay of the second moment, in the rotated basis (betas[1])", **_BETA),
            Hyper("shampoo_beta", None, "decay of the preconditioner statistics; None: beta2", low=0.0, high=1.0, high_open=True),
            Hyper("weight_decay", 1e-2, "decoupled weight decay theta <- theta (1 - lr weight_decay), after the step", low=0.0),
            Hyper("precondition_frequency", 10, "refresh the eigenbases every this many steps", kind="int", low=1),
            Hyper("max_precondition_dim", 10000, "a side longer than this is not rotated (identity basis)", kind="int", low=1),
            Hyper("merge_dims", False, "merge small dimensions (not supported: must be false)", kind="bool"),
            Hyper("precondition_1d", False, "precondition biases too (not supported: must be false)", kind="bool"),
            Hyper("correct_bias", True, "Adam's bias correction of the step size", kind="bool"),
            Hyper("normalize_gradient", False, "divide each tensor's step by its RMS (+ eps)", kind="bool"),
            Hyper("eps", 1e-8, "term added to the root", low=0.0),
        ),
        ("beta1", "beta2", "shampoo_beta", "weight_decay", "precondition_frequency", "max_precondition_dim",
         "correct_bias", "normalize_gradient", "eps"),
        n_slots=1,
        layout_state=_layout_state,
    ),
)
