"""NumPy references of Lookahead, SAM (pytorch-optimizer 4.1.0) and Schedule-Free SGD / AdamW
(schedulefree 1.4.1), written from the references' code, vectorised over the whole vector.

Rules have the interface of :data:`dlbench.reference.optimizers.REFERENCE_RULES`; a wrapper's
``hp`` also holds ``base`` (the base optimizer's name) and ``base_hp`` (its checked values).
:func:`sam_perturb` and :func:`sf_x` are the hooks the reference trainer
(:func:`dlbench.reference.training.reference_train`) calls around a step and before measuring.
"""

from __future__ import annotations

import math

import numpy as np

from ..optimizers import lookahead, sam, schedulefree

__all__ = ["WRAPPER_RULES", "lookahead_rule", "sam_rule", "sam_perturb", "sf_sgd_rule", "sf_adamw_rule", "sf_x"]


def _lerp(a, b, w):
    """``torch.lerp(a, b, w)`` as torch evaluates it (two forms, either side of 0.5)."""
    return a + w * (b - a) if abs(w) < 0.5 else b - (b - a) * (1.0 - w)


def _base_step(theta, grad, state, hp, lr, step):
    """The base optimizer's reference step, its state under ``state['base']``."""
    from ..optimizers import get_optimizer
    from .training import reference_rule

    spec = get_optimizer(hp["base"])
    values = spec.check(hp["base_hp"])
    rule = reference_rule(spec.rule_for(values), hp.get("layers"))
    rule(theta, grad, state.setdefault("base", {}),
         {**values, **spec.fixed, "n_samples": hp.get("n_samples", 1), "batch_size": hp.get("batch_size", 1),
          "layers": hp.get("layers")}, lr, step)


def lookahead_rule(theta, grad, state, hp, lr, step):
    """``pytorch_optimizer.Lookahead``: the base's step, then every ``k`` steps ``theta <-
    lerp(theta, slow, 1 - alpha)``, ``slow <- theta`` (slow starts at theta)."""
    if "slow" not in state:
        state["slow"] = theta.copy()
    _base_step(theta, grad, state, hp, lr, step)
    if step % hp["k"] == 0:
        theta[:] = _lerp(theta, state["slow"], 1.0 - hp["alpha"])
        state["slow"] = theta.copy()


def sam_perturb(theta, grad, hp, layers):
    """``SAM.first_step``: ``theta + (theta**2 if adaptive) * g * scale``, ``scale = float32(1 /
    norm) * float32(rho)`` (torch's ``rho / tensor``), ``norm = sqrt(sum_tensors float32(|T
    g|)**2) + perturb_eps`` in float32 (``T = |theta|`` if adaptive); returns the saved ``theta``."""
    old = theta.copy()
    t = grad * np.abs(theta) if hp["adaptive"] else grad
    norms = []
    for w0, fan_in, fan_out, b0, nb in layers:
        norms.append(np.float32(math.sqrt(float(np.sum(t[w0 : w0 + fan_in * fan_out] ** 2)))))
        norms.append(np.float32(math.sqrt(float(np.sum(t[b0 : b0 + nb] ** 2)))))
    total = _sum32([np.float32(n * n) for n in norms])
    norm = np.float32(np.sqrt(total)) + np.float32(hp["perturb_eps"])
    scale = float(np.float32(float(np.float32(1.0 / float(norm))) * float(np.float32(hp["rho"]))))
    e = (theta * theta) * grad if hp["adaptive"] else grad
    theta += e * scale
    return old


def _sum32(values):
    """torch's float32 sum of a short vector (aten's cascade_sum): below 8 values four
    accumulators (the values from the fifth on go to the first), from 8 on 8 lanes of four
    accumulators each, the tail first."""
    f = np.float32
    n = len(values)
    if n < 8:
        acc = list(values[:4]) + [f(0.0)] * (4 - min(n, 4))
        for v in values[4:]:
            acc[0] = f(acc[0] + v)
        return f(f(f(acc[0] + acc[1]) + acc[2]) + acc[3])
    n_vec = n // 8
    n_ilp = n_vec // 4
    total = f(0.0)
    for v in values[n_vec * 8 :]:
        total = f(total + v)
    for lane in range(8):
        acc = [f(0.0)] * 4
        for i in range(n_ilp):
            for j in range(4):
                acc[j] = f(acc[j] + values[(4 * i + j) * 8 + lane])
        for j in range(n_ilp * 4, n_vec):
            acc[0] = f(acc[0] + values[j * 8 + lane])
        total = f(total + f(f(f(acc[0] + acc[1]) + acc[2]) + acc[3]))
    return total


def sam_rule(theta, grad, state, hp, lr, step):
    """``SAM.second_step`` after the restore: the base's step with the perturbed gradient."""
    _base_step(theta, grad, state, hp, lr, step)


def _sf_weight(state, hp, lr, step):
    k = step - 1
    if k < hp["warmup_steps"]:
        lr = lr * (k + 1) / hp["warmup_steps"]
    state["lr_max"] = max(lr, state.get("lr_max", -1.0))
    weight = ((k + 1) ** hp["r"]) * (state["lr_max"] ** hp["weight_lr_power"])
    state["weight_sum"] = state.get("weight_sum", 0.0) + weight
    return lr, (weight / state["weight_sum"] if state["weight_sum"] != 0.0 else 0.0)


def sf_sgd_rule(theta, grad, state, hp, lr, step):
    """``schedulefree.SGDScheduleFree.step`` (theta is y)."""
    lr, c = _sf_weight(state, hp, lr, step)
    z = state.setdefault("z", theta.copy())
    g = grad + hp["weight_decay"] * theta if hp["weight_decay"] else grad
    theta[:] = _lerp(theta, z, c) + lr * (hp["momentum"] * (1.0 - c) - 1.0) * g
    state["z"] = z - lr * g


def sf_adamw_rule(theta, grad, state, hp, lr, step):
    """``schedulefree.AdamWScheduleFree.step`` (theta is y)."""
    lr, c = _sf_weight(state, hp, lr, step)
    z = state.setdefault("z", theta.copy())
    v = state.get("v", np.zeros_like(theta)) * hp["beta2"] + (1.0 - hp["beta2"]) * grad * grad
    state["v"] = v
    u = grad / (np.sqrt(v / (1.0 - hp["beta2"] ** step)) + hp["eps"])
    if hp["weight_decay"]:
        u = u + hp["weight_decay"] * theta
    theta[:] = _lerp(theta, z, c) + lr * (hp["beta1"] * (1.0 - c) - 1.0) * u
    state["z"] = z - lr * u


def sf_x(theta, state, beta):
    """``eval()``'s ``x = lerp(y, z, 1 - 1/beta)`` (``theta`` itself before the first step)."""
    return _lerp(theta, state["z"], 1.0 - 1.0 / beta) if "z" in state else theta.copy()


WRAPPER_RULES = {
    lookahead.RULE_LOOKAHEAD: lookahead_rule,
    sam.RULE_SAM: sam_rule,
    schedulefree.RULE_SF_SGD: sf_sgd_rule,
    schedulefree.RULE_SF_ADAMW: sf_adamw_rule,
}
EVAL_BETA = {schedulefree.RULE_SF_SGD: "momentum", schedulefree.RULE_SF_ADAMW: "beta1"}
"""Rules evaluated at ``x``: the name of their ``beta``."""
