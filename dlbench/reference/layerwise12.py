"""NumPy references of issue 12's torch-like and layer-aware rules: ASGD, Adafactor, LAMB, Muon.

Written from the reference libraries' formulas with whole-array NumPy operations (not from the
compiled loops). ``asgd_reference`` has the elementwise signature of
:data:`dlbench.reference.optimizers.REFERENCE_RULES`; the others the per-layer one of
:data:`dlbench.reference.layerwise.REFERENCE_LAYER_RULES` (``layers`` rows ``(w_offset, fan_in,
fan_out, b_offset, b_size)``). ``state`` is a dict the rule fills on its first step.
"""

from __future__ import annotations

import math

import numpy as np

from ..optimizers import adafactor, asgd, lamb, muon
from .layerwise import layer_views

__all__ = ["asgd_reference", "adafactor_reference", "lamb_reference", "muon_reference", "ELEMENTWISE_RULES", "LAYER_RULES"]


def asgd_reference(theta, grad, state, hp, lr, step):
    """``torch.optim.ASGD``: ``theta = theta * (1 - lambd * eta) - eta * (g + wd * theta)``, then
    the average ``ax`` (a copy of theta while ``mu == 1``), then ``eta = lr / (1 + lambd * lr *
    t)**alpha`` and ``mu = 1 / max(1, t - t0)`` for the next step. ``eta`` starts at ``lr``."""
    eta = state.get("eta", lr)
    mu = state.get("mu", 1.0)
    g = grad + hp["weight_decay"] * theta if hp["weight_decay"] else grad
    theta *= 1.0 - hp["lambd"] * eta
    theta -= eta * g
    ax = state.get("ax", np.zeros_like(theta))
    state["ax"] = theta.copy() if mu == 1.0 else ax + (theta - ax) * mu
    state["eta"] = lr / (1.0 + hp["lambd"] * lr * step) ** hp["alpha"]
    state["mu"] = 1.0 / max(1.0, step - hp["t0"])


def _lerp(a, b, w):
    return a + w * (b - a) if abs(w) < 0.5 else b - (b - a) * (1.0 - w)


def _tensors(theta, grad, layers):
    """``[(key, theta view, grad view), ...]`` for W_1, b_1, W_2, ... (W as 2-D views)."""
    out = []
    for l, ((W, b), (gW, gb)) in enumerate(zip(layer_views(theta, layers), layer_views(grad, layers))):
        out += [(("W", l), W, gW), (("b", l), b, gb)]
    return out


def adafactor_reference(theta, grad, state, hp, lr, step, layers):
    """``torch.optim.Adafactor``: per tensor, ``alpha = max(eps2, RMS(theta)) * min(lr,
    1/sqrt(t))``; decoupled decay ``theta *= 1 - lr * wd``; ``W``: row/column means of ``G**2``
    into ``R``/``C`` by ``lerp(., ., t**beta2_decay)``, ``V = outer(R, C) / max(mean(R), eps1)``;
    biases: ``V = lerp(V, G**2, w)``; ``U = G / sqrt(max(V, eps1**2))``; ``theta -= alpha /
    max(1, RMS(U)/d) * U``."""
    eps1 = np.finfo(np.float64).eps if hp["eps1"] is None else hp["eps1"]
    w = step ** hp["beta2_decay"]
    rho = min(lr, 1.0 / math.sqrt(step))
    for key, p, g in _tensors(theta, grad, layers):
        alpha = max(hp["eps2"], np.sqrt(np.sum(p * p)) / math.sqrt(p.size)) * rho
        p *= 1.0 - lr * hp["weight_decay"]
        if key[0] == "W":
            R = state.get(("R", key), np.zeros(p.shape[0]))
            C = state.get(("C", key), np.zeros(p.shape[1]))
            R = _lerp(R, np.sqrt(np.sum(g * g, axis=1)) ** 2 / p.shape[1], w)
            C = _lerp(C, np.sqrt(np.sum(g * g, axis=0)) ** 2 / p.shape[0], w)
            state[("R", key)], state[("C", key)] = R, C
            V = np.outer(R, C) / max(R.sum() / R.size, eps1)
        else:
            V = _lerp(state.get(("V", key), np.zeros_like(p)), g * g, w)
            state[("V", key)] = V
        U = 1.0 / np.sqrt(np.maximum(V, eps1 * eps1)) * g
        p += -alpha / max(1.0, np.sqrt(np.sum(U * U)) / (math.sqrt(U.size) * hp["d"])) * U


def _torch_sum_f32(x):
    """``torch.stack(x).sum()`` for float32 on the CPU, in aten's order (SumKernel's cascade_sum):
    below 8 values four accumulators ``[x0, x1, x2, x3]``, the rest added to the first, then the
    accumulators in order; from 8 values on 8-lane vectors the same way, then the scalar tail,
    then the lanes in order. Checked against torch 2.13 for 1 to 35 values."""
    f32 = np.float32
    n = len(x)
    if n < 8:
        p = list(x[:4]) if n >= 4 else [f32(0.0)] * 4
        for v in x[4 if n >= 4 else 0 :]:
            p[0] = f32(p[0] + v)
        return f32(f32(f32(p[0] + p[1]) + p[2]) + p[3])
    lanes = np.array(x[: n // 8 * 8], dtype=np.float32).reshape(-1, 8)
    n_ilp = lanes.shape[0] // 4
    acc = [np.zeros(8, dtype=np.float32) for _ in range(4)]
    for i in range(n_ilp):
        for k in range(4):
            acc[k] = acc[k] + lanes[4 * i + k]
    for row in lanes[4 * n_ilp :]:
        acc[0] = acc[0] + row
    acc0 = ((acc[0] + acc[1]) + acc[2]) + acc[3]
    total = f32(0.0)
    for v in x[n // 8 * 8 :]:
        total = f32(total + v)
    for v in acc0:
        total = f32(total + v)
    return total


def lamb_reference(theta, grad, state, hp, lr, step, layers):
    """``pytorch_optimizer.Lamb`` (per-parameter path): Adam moments without the second bias
    correction, step ``lr / (1 - beta1**t)`` (RAdam-rectified with ``rectify``), decoupled or
    coupled decay, and per tensor the trust ratio ``min(||theta||, 10) / (||u|| + eps)``."""
    beta1, beta2, eps = hp["beta1"], hp["beta2"], hp["eps"]
    beta3 = 1.0 - beta1 if hp["grad_averaging"] else 1.0
    step_size, n_sma = lr, 0.0
    if hp["rectify"]:
        n_sma_max = 2.0 / (1.0 - beta2) - 1.0
        beta2_t = beta2**step
        n_sma = n_sma_max - 2 * step * beta2_t / (1.0 - beta2_t)
        if n_sma >= hp["n_sma_threshold"]:
            rt = math.sqrt((1 - beta2_t) * (n_sma - 4) / (n_sma_max - 4) * (n_sma - 2) / n_sma * n_sma_max / (n_sma_max - 2))
        else:
            rt = 1.0 if hp["degenerated_to_sgd"] else -1.0
        step_size *= rt
    if not hp["adam_debias"]:
        step_size /= 1.0 - beta1**step
    scale = 1.0
    if hp["pre_norm"] and hp["max_grad_norm"] != 0.0:
        f32 = np.float32
        norms = [f32(np.linalg.norm(g)) for _, _, g in _tensors(theta, grad, layers)]
        total = _torch_sum_f32([f32(n * n) for n in norms])
        root = f32(np.sqrt(total)) + f32(eps)
        scale = float(min(f32(f32(1.0) / root) * f32(hp["max_grad_norm"]), f32(1.0)))
    denom_step = not hp["rectify"] or n_sma >= hp["n_sma_threshold"]
    for key, p, g in _tensors(theta, grad, layers):
        g = g * scale
        m = state.get(("m", key), np.zeros_like(p)) * beta1 + beta3 * g
        v = state.get(("v", key), np.zeros_like(p)) * beta2 + (1.0 - beta2) * g * g
        state[("m", key)], state[("v", key)] = m, v
        if hp["weight_decay"] and hp["weight_decouple"]:
            p *= 1.0 - hp["weight_decay"] * (1.0 if hp["fixed_decay"] else lr)
        if hp["rectify"] and step_size <= 0:
            continue
        u = m / (np.sqrt(v) + eps) if denom_step else m
        if hp["rectify"]:
            candidate = p - step_size * u  # the reference's "update" in this mode
        else:
            if not hp["weight_decouple"] and hp["weight_decay"] > 0:
                u = u + hp["weight_decay"] * p
            candidate = u
        w_norm = min(np.linalg.norm(p), lamb.CLAMP)
        u_norm = np.linalg.norm(candidate)
        ratio = 1.0 if w_norm == 0 or u_norm == 0 or hp["adam"] else w_norm / (u_norm + eps)
        p += -step_size * ratio * u


def _bf16(x):
    """float32 array ``x`` rounded to bfloat16 (to nearest even, via the bits), as float32."""
    bits = np.asarray(x, dtype=np.float32).view(np.uint32).astype(np.uint64)
    bits = (bits + 0x7FFF + ((bits >> 16) & 1)) & 0xFFFF0000
    return bits.astype(np.uint32).view(np.float32)


def _mm32(A, B):
    """``A @ B`` of float32 arrays, summed in float32 in order of the inner index."""
    out = np.zeros((A.shape[0], B.shape[1]), dtype=np.float32)
    for q in range(A.shape[1]):
        out = out + np.outer(A[:, q], B[q, :]).astype(np.float32)
    return out


def newton_schulz_bf16(D, a, b, c, steps, eps):
    """torch.optim._muon._zeropower_via_newtonschulz of a float64 matrix ``D``, in bfloat16."""
    f32 = np.float32
    X = _bf16(D.astype(np.float32))
    tall = D.shape[0] > D.shape[1]
    if tall:
        X = X.T.copy()
    norm = _bf16(np.sqrt(np.sum(X * X, dtype=np.float32)))
    X = _bf16(X / max(norm, _bf16(f32(eps))))
    for _ in range(steps):
        A = _bf16(_mm32(X, X.T))
        # addmm(C, M, N, beta, alpha): float32 fma(beta, C, alpha * (M N)), measured against torch
        B = _bf16((float(f32(b)) * A.astype(np.float64) + (f32(c) * _mm32(A, A)).astype(np.float64)).astype(np.float32))
        X = _bf16((float(f32(a)) * X.astype(np.float64) + _mm32(B, X).astype(np.float64)).astype(np.float32))
    return (X.T if tall else X).astype(np.float64)


def muon_reference(theta, grad, state, hp, lr, step, layers):
    """``torch.optim.Muon`` on the hidden ``W_l`` given as torch's ``(fan_out, fan_in)`` tensors
    ``W_l.T`` (momentum lerp, Nesterov lerp, bfloat16 Newton-Schulz, decoupled decay, adjusted
    rate), ``torch.optim.AdamW`` at ``lr * adamw_lr_ratio`` on biases and the output ``W``."""
    views = layer_views(theta, layers)
    gviews = layer_views(grad, layers)
    aux_lr = lr * hp["adamw_lr_ratio"]
    b1, b2 = hp["adamw_beta1"], hp["adamw_beta2"]
    for l, ((W, bias), (gW, gb)) in enumerate(zip(views, gviews)):
        aux = [("b", l, bias, gb)]
        if l < len(views) - 1:
            Wt, Gt = W.T, gW.T  # what an nn.Linear holds: (fan_out, fan_in)
            buf = _lerp(state.get(("B", l), np.zeros_like(Gt)), Gt, 1.0 - hp["momentum"])
            state[("B", l)] = buf
            D = _lerp(Gt, buf, hp["momentum"]) if hp["nesterov"] else buf
            O = newton_schulz_bf16(D, hp["ns_a"], hp["ns_b"], hp["ns_c"], hp["ns_steps"], hp["eps"])
            rows, cols = Wt.shape
            ratio = math.sqrt(max(1, rows / cols)) if hp["adjust_lr_fn"] == "original" else 0.2 * math.sqrt(max(rows, cols))
            Wt *= 1.0 - lr * hp["weight_decay"]
            Wt -= lr * ratio * O
        else:
            aux.append(("W", l, W, gW))
        for kind, _, p, g in aux:
            key = (kind, l)
            p *= 1.0 - aux_lr * hp["adamw_weight_decay"]
            m = _lerp(state.get(("m", key), np.zeros_like(p)), g, 1.0 - b1)
            v = state.get(("v", key), np.zeros_like(p)) * b2 + (1.0 - b2) * g * g
            state[("m", key)], state[("v", key)] = m, v
            p -= aux_lr / (1.0 - b1**step) * m / (np.sqrt(v) / math.sqrt(1.0 - b2**step) + hp["adamw_eps"])


ELEMENTWISE_RULES = {asgd.RULE_ASGD: asgd_reference}
LAYER_RULES = {adafactor.RULE_ADAFACTOR: adafactor_reference, lamb.RULE_LAMB: lamb_reference, muon.RULE_MUON: muon_reference}
