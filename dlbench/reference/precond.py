"""NumPy references of issue 12's MARS, Prodigy, Shampoo and SOAP, and of NAdam's cautious mask.

Written from the reference libraries' formulas with whole-array NumPy operations per parameter
tensor (not from the compiled loops): ``pytorch_optimizer.MARS`` (4.1.0), ``prodigyopt.Prodigy``
(1.1.2), ``pytorch_optimizer.Shampoo`` (4.1.0, matrix roots from ``numpy.linalg.eigh``),
``pytorch_optimizer.SOAP`` (4.1.0, bases from ``numpy.linalg.eigh`` and a float32 QR). The signature is the per-layer one of :data:`dlbench.reference.layerwise.REFERENCE_LAYER_RULES`
(``layers`` rows ``(w_offset, fan_in, fan_out, b_offset, b_size)``); ``state`` is a dict the
rule fills on its first step. ``mars_reference`` reads the run's base rate from ``hp["lr"]`` (the
reference's ``lr_1d_factor = lr_1d / lr``).
"""

from __future__ import annotations

import math

import numpy as np

from ..optimizers import adam, mars, prodigy, shampoo, soap
from .cautious import cautious, tensor_slices

__all__ = ["mars_reference", "prodigy_reference", "shampoo_reference", "soap_reference", "qr_float32", "inverse_root", "nadam_cautious_reference", "LAYER_RULES"]


def _lerp(a, b, w):
    return a + w * (b - a) if abs(w) < 0.5 else b - (b - a) * (1.0 - w)


def mars_reference(theta, grad, state, hp, lr, step, layers):
    """``pytorch_optimizer.MARS``: per tensor, ``c = g + gamma beta1/(1-beta1) (g - g_prev)``
    clipped to norm 1 for the MARS tensors (the weight matrices, or all with ``optimize_1d``),
    ``c = g`` for the others; ``m = lerp(m, c, 1 - beta1)``; the Adam step ``m / ((sqrt(v + 1e-15)
    + eps) / sqrt(1 - beta2**t) * (1 - beta1**t))`` (``v`` of ``c``; its running max with
    ams_bound) or, for MARS tensors under ``lion``, ``sign(m)``; the cautious mask on ``m``;
    decoupled decay, then ``theta -= rate * u``; ``g_prev = g`` (+ ``wd * theta`` if coupled)."""
    base = hp.get("lr", mars.OPTIMIZERS[0].default_lr)
    for k, part in enumerate(tensor_slices(layers)):
        mixed = hp["optimize_1d"] or k % 2 == 0
        if mixed:
            b1, b2, rate, wd = hp["beta1"], hp["beta2"], lr, hp["weight_decay"]
        else:
            b1, b2, rate, wd = hp["beta1_1d"], hp["beta2_1d"], lr * (hp["lr_1d"] / base), hp["weight_decay_1d"]
        g = grad[part].copy()
        prev = state.setdefault(("g", k), np.zeros_like(g))
        if mixed:
            c = g + (hp["gamma"] * b1 / (1.0 - b1)) * (g - prev)
            c = c / max(np.linalg.norm(c), 1.0)
        else:
            c = g
        m = state[("m", k)] = _lerp(state.get(("m", k), np.zeros_like(g)), c, 1.0 - b1)
        u = m.copy()
        if hp["cautious"]:
            mask = (u * g > 0).astype(float)
            u = u * (mask * (mask.size / (mask.sum() + 1.0)))
        if mixed and hp["mars_type"] == "lion":
            u = np.sign(u)
        else:
            v = state[("v", k)] = state.get(("v", k), np.zeros_like(g)) * b2 + (1.0 - b2) * c * c
            if hp["ams_bound"]:
                v = state[("vmax", k)] = np.maximum(state.get(("vmax", k), np.zeros_like(g)), v)
            u = u / ((np.sqrt(v + mars.AMS_EPS) + hp["eps"]) / math.sqrt(1.0 - b2**step) * (1.0 - b1**step))
        p = theta[part]
        if wd and not hp["weight_decouple"]:
            g = g + wd * p
        if wd and hp["weight_decouple"]:
            p = p * (1.0 - wd * (1.0 if hp["fixed_decay"] else rate))
        theta[part] = p - rate * u
        state[("g", k)] = g


def prodigy_reference(theta, grad, state, hp, lr, step, layers):
    """``prodigyopt.Prodigy``: the moments scaled by ``d`` (``m += d (1-beta1) g``, ``v += d**2
    (1-beta2) g**2``), the sums ``r = beta3 r + (d/d0) dlr <g, x0 - theta>`` and ``s = beta3 s +
    (d/d0) dlr g`` (``(d/d0) d`` with safeguard_warmup), ``d_hat = d_coef r / ||s||_1``, ``d``
    raised to ``d_hat`` only from ``d0``, capped by ``d_max`` and the growth rate; then ``theta -=
    dlr m / (sqrt(v) + d_new eps)`` after decoupled decay ``theta -= wd dlr theta``."""
    b1, b2 = hp["beta1"], hp["beta2"]
    b3 = math.sqrt(b2) if hp["beta3"] is None else hp["beta3"]
    growth = math.inf if hp["growth_rate"] is None else hp["growth_rate"]
    d0, wd = hp["d0"], hp["weight_decay"]
    if "d" not in state:
        state.update(d=d0, d_max=d0, r=0.0, k=0, x0=theta.copy(), s=np.zeros_like(theta),
                     m=np.zeros_like(theta), v=np.zeros_like(theta))
    d, k = state["d"], state["k"]
    bc = math.sqrt(1.0 - b2 ** (k + 1)) / (1.0 - b1 ** (k + 1)) if hp["use_bias_correction"] else 1.0
    dlr = d * lr * bc
    g = grad + wd * theta if (wd and not hp["decouple"]) else grad.copy()
    parts = tensor_slices(layers)
    delta = sum((d / d0) * dlr * float(np.dot(g[q], state["x0"][q] - theta[q])) for q in parts)
    state["m"] = state["m"] * b1 + d * (1.0 - b1) * g
    state["v"] = state["v"] * b2 + d * d * (1.0 - b2) * g * g
    state["s"] = state["s"] * b3 + ((d / d0) * d if hp["safeguard_warmup"] else (d / d0) * dlr) * g
    denom_sum = sum(float(np.abs(state["s"][q]).sum()) for q in parts)
    if denom_sum == 0.0:
        return
    r = state["r"] * b3 + delta
    d_hat = hp["d_coef"] * r / denom_sum
    d_max = max(state["d_max"], d_hat)
    d_new = min(d_max, (max(d, d_hat) if d == d0 else d) * growth)
    state.update(d=d_new, d_max=d_max, r=r, k=k + 1)
    denom = np.sqrt(state["v"]) + d_new * hp["eps"]
    if wd and hp["decouple"]:
        theta -= wd * dlr * theta
    theta -= dlr * (state["m"] if b1 > 0 else d_new * g) / denom  # the new d, as the reference


def nadam_cautious_reference(theta, grad, state, hp, lr, step, layers):
    """``torch.optim.NAdam`` with the cautious mask on the first-moment term only (the gradient
    term unmasked, as pytorch-optimizer's ``AdamP`` combines the mask with Nesterov momentum)."""
    b1, b2, wd = hp["beta1"], hp["beta2"], hp["weight_decay"]
    g = grad + wd * theta if wd else grad.copy()
    psi = hp["momentum_decay"]
    mu = b1 * (1.0 - 0.5 * 0.96 ** (step * psi))
    mu_next = b1 * (1.0 - 0.5 * 0.96 ** ((step + 1) * psi))
    prod = state.get("mu_product", 1.0) * mu
    state["mu_product"] = prod
    m = state["exp_avg"] = _lerp(state.get("exp_avg", np.zeros_like(theta)), g, 1.0 - b1)
    v = state["exp_avg_sq"] = state.get("exp_avg_sq", np.zeros_like(theta)) * b2 + (1.0 - b2) * g * g
    if hp["cautious"]:
        m = cautious(m, g, layers)
    denom = np.sqrt(v / (1.0 - b2**step)) + hp["eps"]
    theta -= lr * (1.0 - mu) / (1.0 - prod) * g / denom
    theta -= lr * mu_next / (1.0 - prod * mu_next) * m / denom


def inverse_root(A, power):
    """``A**(-1/power)`` of a symmetric matrix: ``V diag(|w|**(-1/power)) V^T`` from ``eigh``."""
    w, V = np.linalg.eigh(A)
    return (V * np.abs(w) ** (-1.0 / power)) @ V.T


def shampoo_reference(theta, grad, state, hp, lr, step, layers):
    """``pytorch_optimizer.Shampoo``: per tensor ``g = lerp(g, B, momentum)`` (``B`` = the first
    gradient, then the last step), decay, ``L += G G^T``, ``R += G^T G`` (from ``matrix_eps I``),
    the roots ``L**(-1/4)``, ``R**(-1/4)`` every ``preconditioning_compute_steps`` steps (zero
    before), ``U = L~ G R~``; a bias ``P += g g^T``, ``U = P**(-1/2) g``; ``B = U``, ``theta -= lr U``."""
    eps, mom, wd = hp["matrix_eps"], hp["momentum"], hp["weight_decay"]
    recompute = step % hp["preconditioning_compute_steps"] == 0
    for l, row in enumerate(np.asarray(layers, dtype=np.int64)):
        w0, n, m, b0, nb = (int(v) for v in row)
        for kind, lo, shape in (("W", w0, (n, m)), ("b", b0, (nb,))):
            part = slice(lo, lo + int(np.prod(shape)))
            g = grad[part].reshape(shape).copy()
            key = (kind, l)
            if mom > 0:
                buf = state.setdefault(("B", key), g.copy())
                g = g + mom * (buf - g) if mom < 0.5 else buf - (buf - g) * (1.0 - mom)
            p = theta[part].reshape(shape)
            if wd and hp["weight_decouple"]:
                p *= 1.0 - wd * (1.0 if hp["fixed_decay"] else lr)
            elif wd:
                g = g + wd * p
            if kind == "W":
                L = state[("L", key)] = state.get(("L", key), eps * np.eye(n)) + g @ g.T
                R = state[("R", key)] = state.get(("R", key), eps * np.eye(m)) + g.T @ g
                if recompute:
                    state[("iL", key)], state[("iR", key)] = inverse_root(L, 4.0), inverse_root(R, 4.0)
                u = state.get(("iL", key), np.zeros((n, n))) @ g @ state.get(("iR", key), np.zeros((m, m)))
            else:
                Pm = state[("P", key)] = state.get(("P", key), eps * np.eye(nb)) + np.outer(g, g)
                if recompute:
                    state[("iP", key)] = inverse_root(Pm, 2.0)
                u = g @ state.get(("iP", key), np.zeros((nb, nb)))
            state[("B", key)] = u
            p -= lr * u


def qr_float32(P):
    """``Q`` of ``torch.linalg.qr(P.to(torch.float32))`` as float64: LAPACK's ``sgeqrf`` +
    ``sorgqr`` of NumPy's OpenBLAS through :mod:`ctypes` (``numpy.linalg.qr`` would factor in
    float64); without that library, ``numpy.linalg.qr`` of the float32 matrix rounded to float32."""
    import ctypes

    from ..kernels.lapack import find_qr

    a = np.asfortranarray(np.asarray(P, dtype=np.float32).copy())
    d = a.shape[0]
    geqrf, orgqr, _ = find_qr()
    if not geqrf:
        return np.linalg.qr(a)[0].astype(np.float32).astype(np.float64)
    tau = np.zeros(d, np.float32)
    i64, ptr = ctypes.c_int64, ctypes.c_void_p
    ge = ctypes.CFUNCTYPE(i64, ctypes.c_int, i64, i64, ptr, i64, ptr)(geqrf)
    og = ctypes.CFUNCTYPE(i64, ctypes.c_int, i64, i64, i64, ptr, i64, ptr)(orgqr)
    info = ge(102, d, d, a.ctypes.data, d, tau.ctypes.data)
    info |= og(102, d, d, d, a.ctypes.data, d, tau.ctypes.data)
    assert info == 0
    return a.astype(np.float64)


def _soap_eigh(M):
    """Eigenvectors of ``M + 1e-30 I``, descending (``eigh`` then ``flip``)."""
    return np.linalg.eigh(M + 1e-30 * np.eye(M.shape[0]))[1][:, ::-1]


def soap_reference(theta, grad, state, hp, lr, step, layers):
    """``pytorch_optimizer.SOAP``: step 1 sets ``L = (1-sb) G G^T``, ``R = (1-sb) G^T G`` and the
    bases ``Q = eigh`` (descending) and does not step; then, ``s = step - 1``: ``m = lerp(m, G,
    1-b1)``, ``v = lerp(v, (Q_L^T G Q_R)**2, 1-b2)``, ``N = Q_L (Q_L^T m Q_R / (sqrt v + eps))
    Q_R^T`` (``/ (rms + eps)`` if normalize_gradient), ``theta -= lr sqrt(1-b2**s)/(1-b1**s) N``,
    ``theta *= 1 - lr wd``; ``L, R = lerp(., GG, 1-sb)``; every ``precondition_frequency`` steps
    ``Q = qr_float32((M Q)[:, o])`` with ``o`` the descending order of ``diag(Q^T M Q)``, ``v``
    re-sorted by ``o``. A side longer than ``max_precondition_dim`` keeps ``Q = I``; biases: Adam."""
    b1, b2, wd, eps = hp["beta1"], hp["beta2"], hp["weight_decay"], hp["eps"]
    sb = b2 if hp["shampoo_beta"] is None else hp["shampoo_beta"]
    s = step - 1
    rate = lr * (math.sqrt(1.0 - b2**s) / (1.0 - b1**s)) if (hp["correct_bias"] and s > 0) else lr
    for l, row in enumerate(np.asarray(layers, dtype=np.int64)):
        w0, n, m, b0, nb = (int(v) for v in row)
        G = grad[w0 : w0 + n * m].reshape(n, m).copy()
        g = grad[b0 : b0 + nb].copy()
        sides = [d <= hp["max_precondition_dim"] for d in (n, m)]
        key = ("soap", l)
        if step == 1:
            state[key] = st = {"m": np.zeros((n, m)), "v": np.zeros((n, m)), "mb": np.zeros(nb), "vb": np.zeros(nb),
                               "M": [np.zeros((n, n)), np.zeros((m, m))], "Q": [np.eye(n), np.eye(m)]}
        st = state[key]
        QL, QR = st["Q"]

        def fwd(X):
            return QL.T @ X @ QR

        if step > 1:
            st["m"] = _lerp(st["m"], G, 1.0 - b1)
            st["v"] = _lerp(st["v"], fwd(G) ** 2, 1.0 - b2)
            N = QL @ (fwd(st["m"]) / (np.sqrt(st["v"]) + eps)) @ QR.T
            st["mb"] = _lerp(st["mb"], g, 1.0 - b1)
            st["vb"] = _lerp(st["vb"], g * g, 1.0 - b2)
            u = st["mb"] / (np.sqrt(st["vb"]) + eps)
            if hp["normalize_gradient"]:
                N = N / (math.sqrt(np.mean(N * N)) + eps)
                u = u / (math.sqrt(np.mean(u * u)) + eps)
            for lo, size, upd in ((w0, n * m, N.ravel()), (b0, nb, u)):
                p = theta[lo : lo + size] - rate * upd
                theta[lo : lo + size] = p * (1.0 - wd * lr) if wd else p
        for k, (use, GG) in enumerate(zip(sides, (G @ G.T, G.T @ G))):
            if use:
                st["M"][k] = _lerp(st["M"][k], GG, 1.0 - sb)
        for k, use in enumerate(sides):
            if not use:
                continue
            M, Q = st["M"][k], st["Q"][k]
            if step == 1:
                st["Q"][k] = _soap_eigh(M)
            elif s % hp["precondition_frequency"] == 0:
                MQ = M @ Q
                order = np.argsort(-(Q * MQ).sum(axis=0), kind="stable")
                st["v"] = np.take(st["v"], order, axis=k)
                st["Q"][k] = qr_float32(MQ[:, order])


LAYER_RULES = {mars.RULE_MARS: mars_reference, prodigy.RULE_PRODIGY: prodigy_reference,
               shampoo.RULE_SHAMPOO: shampoo_reference, soap.RULE_SOAP: soap_reference,
               adam.RULE_NADAM: nadam_cautious_reference}
"""Rule code -> reference (NAdam's covers ``cautious`` both on and off)."""
