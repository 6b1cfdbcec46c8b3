"""Muon for the hidden layers' weight matrices, AdamW for the rest: ``torch.optim.Muon`` + ``torch.optim.AdamW``.

A per-layer rule (see :mod:`dlbench.optimizers.lars` for the layout ``layers``). As the Muon
reference recommends (torch's ``Muon`` docstring, Jordan's post), the weight matrices of the
hidden layers ``W_1 .. W_L`` take Muon steps; the biases and the output layer ``W_{L+1}`` (all of
a linear model) take AdamW steps with their own hyperparameters (``adamw_*``). Both step on every
batch with the same step count, as two torch optimizers stepped together.

Orientation: a torch model holds ``nn.Linear.weight``, of shape ``(fan_out, fan_in)`` = ``W_l.T``
(dlbench stores ``W_l`` as ``(fan_in, fan_out)``), and this rule does what ``torch.optim.Muon``
does to that tensor. It matters in two places: the ``original`` rate adjustment is
``sqrt(max(1, fan_out / fan_in))``, and for a square matrix the Newton-Schulz iteration runs on
``W.T`` (torch transposes only a tall matrix), which rounds differently from ``W`` in bfloat16.

Precision: ``torch.optim.Muon`` orthogonalises in **bfloat16** (``grad.bfloat16()``; matrix
products accumulate in float32 and round to bfloat16). This rule reproduces that arithmetic
exactly (each float32 and bfloat16 rounding to nearest even, written with ``math.frexp``), so the
update equals torch's bit for bit; the momentum buffer, the parameters and AdamW stay in float64.
"""

from __future__ import annotations

import math

from ..hyper import Hyper
from .base import Optimizer

RULE_MUON = 69


def muon_update(theta, grad, state, scalars, hp, lr, step, layers):
    """One step of ``torch.optim.Muon`` (torch 2.13) on ``W_1 .. W_L`` and ``torch.optim.AdamW``
    (torch 2.13, single-tensor path) on the biases and the output layer's weights.

    Muon, for a hidden ``W`` (as torch's ``(fan_out, fan_in)`` tensor ``W.T``, gradient ``G``)::

        B <- lerp(B, G, 1 - momentum)                 (B starts at zero)
        D = lerp(G, B, momentum) if nesterov else B
        O = NS(D): X = bf16(D) (transposed if tall), X = bf16(X / max(||X||, eps));
            ns_steps times: A = X X^T; X = a X + (b A + c A A) X     (bfloat16, float32 sums;
            torch's addmm rounds beta * C + alpha * (A B) as one fused float32 multiply-add of
            beta, C and the rounded alpha * (A B), which this rule reproduces)
        theta <- theta * (1 - lr * weight_decay)
        theta <- theta - lr * s * O,  s = sqrt(max(1, fan_out / fan_in))   (adjust_lr_fn original)
                                      s = 0.2 * sqrt(max(fan_out, fan_in)) (match_rms_adamw)

    AdamW, rate ``lr * adamw_lr_ratio``: decay ``theta *= 1 - rate * adamw_weight_decay``, then
    Adam's bias-corrected step (as :func:`dlbench.optimizers.adam.adam_update`).

    Jordan et al. (2024), "Muon: an optimizer for hidden layers in neural networks"; Liu et al.
    (2025), "Muon is scalable for LLM training" (``match_rms_adamw``); Loshchilov and Hutter
    (2019) (AdamW). ``hp = (momentum, nesterov, ns_a, ns_b, ns_c, eps, ns_steps, weight_decay,
    adjust_lr_fn, adamw_lr_ratio, adamw_beta1, adamw_beta2, adamw_eps, adamw_weight_decay)``;
    ``state[0]`` holds Muon's buffer (hidden ``W``) and AdamW's ``m`` (the rest), ``state[1]``
    AdamW's ``v``; at the hidden ``W`` offsets ``state[1:5]`` are the Newton-Schulz workspace.
    """
    momentum = hp[0]
    nesterov = hp[1] != 0.0
    ns_a = hp[2]
    ns_b = hp[3]
    ns_c = hp[4]
    eps = hp[5]
    ns_steps = int(hp[6])
    weight_decay = hp[7]
    match_rms = hp[8] != 0.0
    aux_lr = lr * hp[9]
    beta1 = hp[10]
    beta2 = hp[11]
    aux_eps = hp[12]
    aux_wd = hp[13]

    def rnd(x, bits):
        """``x`` rounded to ``bits`` significant bits, to nearest even (float32: 24, bfloat16: 8)."""
        if x == 0.0 or x != x or x - x != 0.0:
            return x
        mant, expo = math.frexp(x)
        s = math.ldexp(mant, bits)
        f = math.floor(s)
        frac = s - f
        if frac > 0.5 or (frac == 0.5 and f % 2.0 != 0.0):
            f += 1.0
        return math.ldexp(f, expo - bits)

    a32 = rnd(ns_a, 24)
    b32 = rnd(ns_b, 24)
    c32 = rnd(ns_c, 24)
    eps16 = rnd(rnd(eps, 24), 8)
    n_hidden = layers.shape[0] - 1

    # ---- AdamW on the output layer's W and every bias (torch.optim.AdamW, decoupled decay)
    t = float(step)
    w1 = 1.0 - beta1
    small = abs(w1) < 0.5
    w2 = 1.0 - beta2
    step_size = aux_lr / (1.0 - beta1**t)
    bc2_sqrt = (1.0 - beta2**t) ** 0.5
    shrink = 1.0 - aux_lr * aux_wd
    for layer in range(layers.shape[0]):
        for part in range(2):
            if part == 0 and layer < n_hidden:
                continue
            start = layers[layer, 0] if part == 0 else layers[layer, 3]
            stop = start + (layers[layer, 1] * layers[layer, 2] if part == 0 else layers[layer, 4])
            for i in range(start, stop):
                g = grad[i]
                if aux_wd != 0.0:
                    theta[i] = theta[i] * shrink
                m = state[0, i]
                if small:
                    m = m + w1 * (g - m)
                else:
                    m = g - (g - m) * (1.0 - w1)
                state[0, i] = m
                v = state[1, i] * beta2 + w2 * g * g
                state[1, i] = v
                theta[i] = theta[i] + (-step_size * m) / (math.sqrt(v) / bc2_sqrt + aux_eps)

    # ---- Muon on W_1 .. W_L
    wm = 1.0 - momentum
    for layer in range(n_hidden):
        w0 = layers[layer, 0]
        n = layers[layer, 1]  # fan_in: columns of torch's (fan_out, fan_in) tensor
        m = layers[layer, 2]  # fan_out: its rows
        trans = m > n  # torch transposes a tall matrix: then X is W's own (fan_in, fan_out) orientation
        R = n if trans else m
        C = m if trans else n
        X = state[1]
        A = state[2]
        B = state[3]
        Y = state[4]
        sq = 0.0
        for k in range(n * m):  # k = row-major index into W (fan_in, fan_out)
            i = w0 + k
            g = grad[i]
            buf = state[0, i]
            if abs(wm) < 0.5:
                buf = buf + wm * (g - buf)
            else:
                buf = g - (g - buf) * (1.0 - wm)
            state[0, i] = buf
            d = buf
            if nesterov:
                if abs(momentum) < 0.5:
                    d = g + momentum * (buf - g)
                else:
                    d = buf - (buf - g) * (1.0 - momentum)
            x = rnd(rnd(d, 24), 8)
            row = k // m  # W's row (fan_in index)
            col = k % m
            if trans:
                X[w0 + row * C + col] = x
            else:
                X[w0 + col * C + row] = x
        for k in range(R * C):
            sq = rnd(sq + X[w0 + k] * X[w0 + k], 24)
        norm = rnd(rnd(math.sqrt(sq), 24), 8)
        if norm < eps16:
            norm = eps16
        for k in range(R * C):
            X[w0 + k] = rnd(rnd(X[w0 + k] / norm, 24), 8)
        for _ in range(ns_steps):
            for i in range(R):  # A = bf16(X X^T)
                for j in range(R):
                    s = 0.0
                    for q in range(C):
                        s = rnd(s + X[w0 + i * C + q] * X[w0 + j * C + q], 24)
                    A[w0 + i * R + j] = rnd(s, 8)
            for i in range(R):  # B = bf16(b A + c A A)
                for j in range(R):
                    s = 0.0
                    for q in range(R):
                        s = rnd(s + A[w0 + i * R + q] * A[w0 + q * R + j], 24)
                    B[w0 + i * R + j] = rnd(rnd(b32 * A[w0 + i * R + j] + rnd(c32 * s, 24), 24), 8)
            for i in range(R):  # X = bf16(a X + B X)
                for j in range(C):
                    s = 0.0
                    for q in range(R):
                        s = rnd(s + B[w0 + i * R + q] * X[w0 + q * C + j], 24)
                    Y[w0 + i * C + j] = rnd(rnd(a32 * X[w0 + i * C + j] + s, 24), 8)
            for k in range(R * C):
                X[w0 + k] = Y[w0 + k]
        if match_rms:
            adjusted = lr * (0.2 * math.sqrt(max(m, n)))
        else:
            adjusted = lr * math.sqrt(max(1.0, m / n))
        decay = 1.0 - lr * weight_decay
        for k in range(n * m):
            row = k // m
            col = k % m
            o = X[w0 + row * C + col] if trans else X[w0 + col * C + row]
            theta[w0 + k] = theta[w0 + k] * decay + (-adjusted) * o


OPTIMIZERS = (
    Optimizer(
        "muon", RULE_MUON,
        "Muon: Newton-Schulz-orthogonalised Nesterov momentum (in bfloat16, as torch) for the hidden layers' weight matrices; AdamW for biases and the output layer.",
        "torch.optim.Muon + torch.optim.AdamW (Jordan et al. 2024)", 1e-3,
        (
            Hyper("momentum", 0.95, "Muon's momentum (buffer lerp towards the gradient by 1 - momentum)", low=0.0, high=1.0, high_open=True),
            Hyper("nesterov", True, "Muon orthogonalises lerp(g, buffer, momentum) instead of the buffer", kind="bool"),
            Hyper("ns_a", 3.4445, "Newton-Schulz coefficient a (torch's ns_coefficients[0])"),
            Hyper("ns_b", -4.7750, "Newton-Schulz coefficient b (ns_coefficients[1])"),
            Hyper("ns_c", 2.0315, "Newton-Schulz coefficient c (ns_coefficients[2])"),
            Hyper("eps", 1e-7, "floor of the Frobenius norm the update is divided by before Newton-Schulz", low=0.0),
            Hyper("ns_steps", 5, "Newton-Schulz iterations (torch requires fewer than 100)", kind="int", low=0, high=99),
            Hyper("weight_decay", 0.1, "Muon's decoupled weight decay: W <- W * (1 - lr * weight_decay)", low=0.0),
            Hyper("adjust_lr_fn", "original", "Muon's rate for a (fan_out, fan_in) matrix: original = lr * sqrt(max(1, fan_out/fan_in)), match_rms_adamw = lr * 0.2 * sqrt(max(fan_out, fan_in))",
                  kind="choice", choices=("original", "match_rms_adamw")),
            Hyper("adamw_lr_ratio", 1.0, "AdamW's rate (biases, output layer) as a multiple of lr (so schedules scale both)", low=0.0, low_open=True),
            Hyper("adamw_beta1", 0.9, "AdamW's first-moment decay (torch.optim.AdamW betas[0])", low=0.0, high=1.0, high_open=True),
            Hyper("adamw_beta2", 0.999, "AdamW's second-moment decay (betas[1])", low=0.0, high=1.0, high_open=True),
            Hyper("adamw_eps", 1e-8, "AdamW's denominator term", low=0.0),
            Hyper("adamw_weight_decay", 1e-2, "AdamW's decoupled weight decay (torch.optim.AdamW's default)", low=0.0),
        ),
        ("momentum", "nesterov", "ns_a", "ns_b", "ns_c", "eps", "ns_steps", "weight_decay", "adjust_lr_fn",
         "adamw_lr_ratio", "adamw_beta1", "adamw_beta2", "adamw_eps", "adamw_weight_decay"),
        n_slots=5,
    ),
)
