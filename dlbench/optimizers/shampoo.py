"""Shampoo: a Kronecker-factored matrix preconditioner per parameter tensor, ``pytorch_optimizer.Shampoo``'s rule.

A per-layer rule (see :mod:`dlbench.optimizers.lars` for the layout ``layers``). Its state holds
matrices whose sizes depend on the layout (``fan_in**2`` and ``fan_out**2`` per weight matrix,
``b_size**2`` per bias), so the record sizes it from the layout (:attr:`Optimizer.layout_state`):
the ``state`` rows, read as one flat arena, hold the momentum buffer (the first ``P`` entries), then
per layer ``L``, ``L^(-1/4)``, ``R``, ``R^(-1/4)``, ``P_b``, ``P_b^(-1/2)`` (row-major), then the
eigen-solver's workspace.

Matrix roots: the reference takes ``compute_power_svd`` (``torch.linalg.svd``, ``U diag(s**(-1/p))
Vh``); of a symmetric positive definite matrix that is the unique matrix function ``A**(-1/p)``,
whatever basis and order of eigenvectors a solver returns. This rule computes it with cyclic
Jacobi rotations (:func:`sym_inverse_root`, plain loops: NumPy's ``eigh`` inside Numba needs
SciPy, which dlbench does not depend on), so the two agree to rounding.
"""

from __future__ import annotations

import math

from ..hyper import Hyper
from .base import N_SCALARS, Optimizer, jitable

RULE_SHAMPOO = 70

JACOBI_SWEEPS = 60
"""Most cyclic Jacobi sweeps (each of ``d(d-1)/2`` rotations); a converged matrix stops earlier."""


@jitable
def sym_inverse_root(arena, src, dst, d, power, work, vec):
    """``dst = src**(-1/power)`` for the symmetric ``d × d`` matrix at ``arena[src:]`` (row-major),
    as ``V diag(|w|**(-1/power)) V^T`` from cyclic Jacobi rotations (Golub and Van Loan, section
    8.5: ``A <- J^T A J`` zeroing ``A[p, q]`` with ``t = sign(th) / (|th| + sqrt(th**2 + 1))``,
    ``th = (A[q, q] - A[p, p]) / (2 A[p, q])``, then ``A[p, q] = 0`` exactly), until the off-diagonal
    mass is below 1e-36 of the diagonal's (at most ``JACOBI_SWEEPS`` sweeps). ``work`` and ``vec`` are offsets of two ``d × d`` scratch matrices in ``arena``."""
    for i in range(d * d):
        arena[work + i] = arena[src + i]
        arena[vec + i] = 0.0
    for i in range(d):
        arena[vec + i * d + i] = 1.0
    for _ in range(JACOBI_SWEEPS):
        off = 0.0
        diag = 0.0
        for p in range(d):
            diag += arena[work + p * d + p] ** 2
            for q in range(p + 1, d):
                off += arena[work + p * d + q] ** 2
        if off <= 1e-36 * diag or off == 0.0:
            break
        for p in range(d - 1):
            for q in range(p + 1, d):
                apq = arena[work + p * d + q]
                if apq == 0.0:
                    continue
                th = (arena[work + q * d + q] - arena[work + p * d + p]) / (2.0 * apq)
                t = 1.0 / (abs(th) + math.sqrt(th * th + 1.0))
                if th < 0.0:
                    t = -t
                c = 1.0 / math.sqrt(t * t + 1.0)
                s = t * c
                for k in range(d):  # columns p, q
                    akp = arena[work + k * d + p]
                    akq = arena[work + k * d + q]
                    arena[work + k * d + p] = c * akp - s * akq
                    arena[work + k * d + q] = s * akp + c * akq
                for k in range(d):  # rows p, q
                    apk = arena[work + p * d + k]
                    aqk = arena[work + q * d + k]
                    arena[work + p * d + k] = c * apk - s * aqk
                    arena[work + q * d + k] = s * apk + c * aqk
                for k in range(d):  # V <- V J
                    vkp = arena[vec + k * d + p]
                    vkq = arena[vec + k * d + q]
                    arena[vec + k * d + p] = c * vkp - s * vkq
                    arena[vec + k * d + q] = s * vkp + c * vkq
                arena[work + p * d + q] = 0.0  # zero in exact arithmetic (rounding left otherwise)
                arena[work + q * d + p] = 0.0
    for i in range(d):  # the eigenvalues' roots, kept on the diagonal of work
        arena[work + i * d + i] = abs(arena[work + i * d + i]) ** (-1.0 / power)
    for i in range(d):
        for j in range(d):
            acc = 0.0
            for k in range(d):
                acc += arena[vec + i * d + k] * arena[work + k * d + k] * arena[vec + j * d + k]
            arena[dst + i * d + j] = acc


def shampoo_update(theta, grad, state, scalars, hp, lr, step, layers):
    """One step of Shampoo, following ``pytorch_optimizer.Shampoo`` (pytorch-optimizer 4.1.0)
    exactly in its order of operations.

    Per parameter tensor, ``g`` its gradient, ``B`` the momentum buffer (the gradient itself at
    the first step), ``t`` the step::

        g <- lerp(g, B, momentum)                     (if momentum > 0)
        theta <- theta * (1 - lr * weight_decay)       (weight_decouple; no lr with fixed_decay)
        g <- g + weight_decay * theta                  (coupled decay, the default)
        W (fan_in x fan_out):  L <- L + G G^T,  R <- R + G^T G     (L, R start at matrix_eps * I)
             every preconditioning_compute_steps steps: L~ = L**(-1/4), R~ = R**(-1/4)
             U = (L~ G) R~
        b:   P <- P + g g^T;  P~ = P**(-1/2) likewise;  U = P~ g
        B <- U;  theta <- theta - lr U

    Before the first recomputation (``t < preconditioning_compute_steps``) the roots are zero, and
    so is the step, as in the reference. The roots are ``-1/(2 * order)`` powers: the order of a
    matrix is 2, of a bias 1. ``G`` is held as dlbench holds ``W`` (fan_in, fan_out), as the
    fixture gives it to the reference; torch's ``nn.Linear`` shape ``W.T`` gives the transposed
    update of the same formula (the two factors swap), equal up to rounding.

    Gupta, Koren and Singer (2018), "Shampoo: preconditioned stochastic tensor optimization".
    ``hp = (momentum, weight_decay, weight_decouple, fixed_decay, preconditioning_compute_steps,
    matrix_eps)``; ``state`` = the arena of the module docstring.
    """
    momentum = hp[0]
    weight_decay = hp[1]
    decouple = hp[2] != 0.0
    fixed = hp[3] != 0.0
    every = int(hp[4])
    matrix_eps = hp[5]
    P = theta.shape[0]
    arena = state.reshape(state.size)
    n_layers = layers.shape[0]
    dmax = 1
    tmax = 1
    off = P
    for l in range(n_layers):
        n = layers[l, 1]
        m = layers[l, 2]
        off += 2 * n * n + 4 * m * m
        dmax = max(dmax, max(n, m))
        tmax = max(tmax, n * m)
    work = off
    vec = work + dmax * dmax
    tmp = vec + dmax * dmax
    recompute = step % every == 0
    shrink = 1.0 - weight_decay * (1.0 if fixed else lr)
    off = P
    for l in range(n_layers):
        w0 = layers[l, 0]
        n = layers[l, 1]
        m = layers[l, 2]
        b0 = layers[l, 3]
        L = off
        iL = L + n * n
        R = iL + n * n
        iR = R + m * m
        Pb = iR + m * m
        iPb = Pb + m * m
        off = iPb + m * m
        if step == 1:  # the reference's state initialisation
            for i in range(n):
                arena[L + i * n + i] = matrix_eps
            for i in range(m):
                arena[R + i * m + i] = matrix_eps
                arena[Pb + i * m + i] = matrix_eps
        for part in range(2):  # W_l, then b_l
            lo = w0 if part == 0 else b0
            size = n * m if part == 0 else m
            # g (momentum, then decay) into the scratch row tmp
            for i in range(size):
                g = grad[lo + i]
                if momentum > 0.0:
                    if step == 1:
                        arena[lo + i] = g
                    buf = arena[lo + i]
                    if momentum < 0.5:
                        g = g + momentum * (buf - g)
                    else:
                        g = buf - (buf - g) * (1.0 - momentum)
                if weight_decay != 0.0:
                    if decouple:
                        theta[lo + i] = theta[lo + i] * shrink
                    elif weight_decay > 0.0:
                        g = g + weight_decay * theta[lo + i]
                arena[tmp + i] = g
            if part == 0:
                for a in range(n):  # L += G G^T
                    for b in range(n):
                        acc = 0.0
                        for j in range(m):
                            acc += arena[tmp + a * m + j] * arena[tmp + b * m + j]
                        arena[L + a * n + b] = arena[L + a * n + b] + acc
                for a in range(m):  # R += G^T G
                    for b in range(m):
                        acc = 0.0
                        for i in range(n):
                            acc += arena[tmp + i * m + a] * arena[tmp + i * m + b]
                        arena[R + a * m + b] = arena[R + a * m + b] + acc
                if recompute:
                    sym_inverse_root(arena, L, iL, n, 4.0, work, vec)
                    sym_inverse_root(arena, R, iR, m, 4.0, work, vec)
                # U = (L~ G) R~, row by row: row a of L~ G into the work matrix, then times R~
                for a in range(n):
                    for j in range(m):
                        acc = 0.0
                        for i in range(n):
                            acc += arena[iL + a * n + i] * arena[tmp + i * m + j]
                        arena[work + j] = acc
                    for j in range(m):
                        acc = 0.0
                        for q in range(m):
                            acc += arena[work + q] * arena[iR + q * m + j]
                        u = acc
                        arena[lo + a * m + j] = u
                        theta[lo + a * m + j] = theta[lo + a * m + j] + (-lr) * u
            else:
                for a in range(m):  # P += g g^T
                    for b in range(m):
                        arena[Pb + a * m + b] = arena[Pb + a * m + b] + arena[tmp + a] * arena[tmp + b]
                if recompute:
                    sym_inverse_root(arena, Pb, iPb, m, 2.0, work, vec)
                for j in range(m):  # U = g^T P~
                    acc = 0.0
                    for i in range(m):
                        acc += arena[tmp + i] * arena[iPb + i * m + j]
                    arena[lo + j] = acc
                    theta[lo + j] = theta[lo + j] + (-lr) * acc


def arena_size(layers) -> int:
    """Entries of the flat state :func:`shampoo_update` uses for ``layers`` (beyond the first ``P``)."""
    extra = 0
    dmax = 1
    tmax = 1
    for _, n, m, _, _ in layers:
        n, m = int(n), int(m)
        extra += 2 * n * n + 4 * m * m
        dmax = max(dmax, n, m)
        tmax = max(tmax, n * m)
    return extra + 2 * dmax * dmax + tmax


def _layout_state(values, layers):
    """``(n_slots, n_scalars)`` for ``layers``: rows of ``P`` entries enough for the arena."""
    P = sum(int(n) * int(m) + int(nb) for _, n, m, _, nb in layers)
    return 1 + -(-arena_size(layers) // P), N_SCALARS


OPTIMIZERS = (
    Optimizer(
        "shampoo", RULE_SHAMPOO,
        "Shampoo: each weight matrix's gradient preconditioned on both sides, L^(-1/4) G R^(-1/4), by accumulated G G^T and G^T G; full-matrix AdaGrad (P^(-1/2)) for biases.",
        "pytorch_optimizer.Shampoo (pytorch-optimizer 4.1.0, Gupta et al. 2018)", 1e-3,
        (
            Hyper("momentum", 0.0, "momentum: the gradient interpolated towards the previous preconditioned step", low=0.0, high=1.0, high_open=True),
            Hyper("weight_decay", 0.0, "weight decay coefficient", low=0.0),
            Hyper("weight_decouple", False, "decoupled decay theta <- theta * (1 - lr * weight_decay) (else L2 into the gradient)", kind="bool"),
            Hyper("fixed_decay", False, "decoupled decay without the lr factor", kind="bool"),
            Hyper("preconditioning_compute_steps", 1, "recompute the matrix roots every this many steps (zero step before the first)", kind="int", low=1),
            Hyper("matrix_eps", 1e-6, "the preconditioners start at matrix_eps * I (> 0: at 0 the first roots are infinite)", low=0.0, low_open=True),
        ),
        ("momentum", "weight_decay", "weight_decouple", "fixed_decay", "preconditioning_compute_steps", "matrix_eps"),
        n_slots=1,
        layout_state=_layout_state,
    ),
)
