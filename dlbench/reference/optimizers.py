"""NumPy references of the update rules, written from the formulas of the library each follows.

``REFERENCE_RULES[rule_code](theta, grad, state, hp, lr, step)`` updates ``theta`` in place;
``state`` is a dict the rule fills on its first step; ``hp`` is the dict of the optimizer's
checked hyperparameters merged with its fixed values (names as in ``Optimizer.kernel_args``);
``step`` counts updates from 1.
"""

from __future__ import annotations

import numpy as np

from ..optimizers import adam, adaptive, lion, rprop, sgd
from .cautious import cautious


def sgd_rule(theta, grad, state, hp, lr, step):
    """``torch.optim.SGD``: L2 into the gradient, momentum buffer seeded with the first gradient."""
    g = grad + hp["weight_decay"] * theta if hp["weight_decay"] else grad.copy()
    if hp["momentum"]:
        if "buf" not in state:
            state["buf"] = g.copy()
        else:
            state["buf"] = hp["momentum"] * state["buf"] + (1.0 - hp["dampening"]) * g
        g = g + hp["momentum"] * state["buf"] if hp["nesterov"] else state["buf"]
    theta -= lr * g


def _decayed(grad, theta, weight_decay):
    """``grad + weight_decay * theta`` (torch's coupled L2 term), a new array."""
    return grad + weight_decay * theta if weight_decay else grad.copy()


def _lerp(a, b, w):
    """``torch.lerp(a, b, w)`` as torch evaluates it (two forms, for accuracy on either side of 0.5)."""
    return a + w * (b - a) if abs(w) < 0.5 else b - (b - a) * (1.0 - w)


def adagrad_rule(theta, grad, state, hp, lr, step):
    """``torch.optim.Adagrad``: the sum of squares starts at ``initial_accumulator_value``."""
    g = _decayed(grad, theta, hp["weight_decay"])
    clr = lr / (1.0 + (step - 1) * hp["lr_decay"])
    state.setdefault("sum", np.full_like(theta, hp["initial_accumulator_value"]))
    state["sum"] = state["sum"] + g * g
    theta -= clr * g / (np.sqrt(state["sum"]) + hp["eps"])


def rmsprop_rule(theta, grad, state, hp, lr, step):
    """``torch.optim.RMSprop``: eps outside the root; momentum buffers ``g / avg``."""
    g = _decayed(grad, theta, hp["weight_decay"])
    a = hp["alpha"]
    state["square_avg"] = state.get("square_avg", np.zeros_like(theta)) * a + (1.0 - a) * g * g
    if hp["centered"]:
        state["grad_avg"] = _lerp(state.get("grad_avg", np.zeros_like(theta)), g, 1.0 - a)
        avg = np.sqrt(state["square_avg"] - state["grad_avg"] ** 2) + hp["eps"]
    else:
        avg = np.sqrt(state["square_avg"]) + hp["eps"]
    if hp["momentum"] > 0:
        state["buf"] = state.get("buf", np.zeros_like(theta)) * hp["momentum"] + g / avg
        theta -= lr * state["buf"]
    else:
        theta -= lr * g / avg


def adadelta_rule(theta, grad, state, hp, lr, step):
    """``torch.optim.Adadelta``: update = RMS(previous updates) / RMS(gradients) * g, times lr."""
    g = _decayed(grad, theta, hp["weight_decay"])
    rho, eps = hp["rho"], hp["eps"]
    state["square_avg"] = state.get("square_avg", np.zeros_like(theta)) * rho + (1.0 - rho) * g * g
    acc = state.get("acc_delta", np.zeros_like(theta))
    delta = np.sqrt(acc + eps) / np.sqrt(state["square_avg"] + eps) * g
    state["acc_delta"] = acc * rho + (1.0 - rho) * delta * delta
    theta -= lr * delta


def _moments(g, theta, state, hp):
    """Adam's first (lerp) and second moments, updated in ``state``."""
    b1, b2 = hp["beta1"], hp["beta2"]
    state["exp_avg"] = _lerp(state.get("exp_avg", np.zeros_like(theta)), g, 1.0 - b1)
    state["exp_avg_sq"] = state.get("exp_avg_sq", np.zeros_like(theta)) * b2 + (1.0 - b2) * g * g
    return state["exp_avg"], state["exp_avg_sq"]


def adam_rule(theta, grad, state, hp, lr, step):
    """``torch.optim.Adam`` / ``AdamW`` (``decoupled``), optionally AMSGrad."""
    wd = hp["weight_decay"]
    if hp["decoupled"]:
        if wd:
            theta *= 1.0 - lr * wd
        g = grad.copy()
    else:
        g = _decayed(grad, theta, wd)
    m, v = _moments(g, theta, state, hp)
    if hp["amsgrad"]:
        state["max_exp_avg_sq"] = np.maximum(state.get("max_exp_avg_sq", np.zeros_like(theta)), v)
        v = state["max_exp_avg_sq"]
    if hp.get("cautious"):  # pytorch-optimizer's mask on the first moment, per tensor
        m = cautious(m, g, hp["layers"])
    step_size = lr / (1.0 - hp["beta1"] ** step)
    denom = np.sqrt(v) / np.sqrt(1.0 - hp["beta2"] ** step) + hp["eps"]
    theta -= step_size * m / denom


def adamax_rule(theta, grad, state, hp, lr, step):
    """``torch.optim.Adamax``: eps inside the max of the infinity norm."""
    g = _decayed(grad, theta, hp["weight_decay"])
    state["exp_avg"] = _lerp(state.get("exp_avg", np.zeros_like(theta)), g, 1.0 - hp["beta1"])
    state["exp_inf"] = np.maximum(state.get("exp_inf", np.zeros_like(theta)) * hp["beta2"], np.abs(g) + hp["eps"])
    m = cautious(state["exp_avg"], g, hp["layers"]) if hp.get("cautious") else state["exp_avg"]
    theta -= lr / (1.0 - hp["beta1"] ** step) * m / state["exp_inf"]


def nadam_rule(theta, grad, state, hp, lr, step):
    """``torch.optim.NAdam``: momentum schedule mu_t and its running product."""
    g = _decayed(grad, theta, hp["weight_decay"])
    b1, psi = hp["beta1"], hp["momentum_decay"]
    mu = b1 * (1.0 - 0.5 * 0.96 ** (step * psi))
    mu_next = b1 * (1.0 - 0.5 * 0.96 ** ((step + 1) * psi))
    state["mu_product"] = state.get("mu_product", 1.0) * mu
    m, v = _moments(g, theta, state, hp)
    denom = np.sqrt(v / (1.0 - hp["beta2"] ** step)) + hp["eps"]
    theta -= lr * (1.0 - mu) / (1.0 - state["mu_product"]) * g / denom
    theta -= lr * mu_next / (1.0 - state["mu_product"] * mu_next) * m / denom


def radam_rule(theta, grad, state, hp, lr, step):
    """``torch.optim.RAdam``: rectified adaptive rate once rho_t > 5, plain momentum before."""
    g = _decayed(grad, theta, hp["weight_decay"])
    b1, b2 = hp["beta1"], hp["beta2"]
    m, v = _moments(g, theta, state, hp)
    if hp.get("cautious"):
        m = cautious(m, g, hp["layers"])
    bc2 = 1.0 - b2**step
    mhat = m / (1.0 - b1**step)
    rho_inf = 2.0 / (1.0 - b2) - 1.0
    rho_t = rho_inf - 2.0 * step * b2**step / bc2
    if rho_t > 5.0:
        r = np.sqrt((rho_t - 4) * (rho_t - 2) * rho_inf / ((rho_inf - 4) * (rho_inf - 2) * rho_t))
        theta -= mhat * lr * (np.sqrt(bc2) / (np.sqrt(v) + hp["eps"])) * r
    else:
        theta -= mhat * lr


def rprop_rule(theta, grad, state, hp, lr, step):
    """``torch.optim.Rprop``: step sizes start at lr; a sign flip shrinks the step and zeroes g."""
    etaminus, etaplus = hp["etas"]
    lo, hi = hp["step_sizes"]
    prev = state.get("prev", np.zeros_like(theta))
    size = state.get("step_size", np.full_like(theta, lr))
    prod = grad * prev
    factor = np.where(prod > 0, etaplus, np.where(prod < 0, etaminus, 1.0))
    size = np.clip(size * factor, lo, hi)
    g = np.where(factor == etaminus, 0.0, grad)
    theta -= np.sign(g) * size
    state["prev"], state["step_size"] = g, size


def lion_rule(theta, grad, state, hp, lr, step):
    """optax's ``lion``: sign of the interpolation, then the momentum update; decoupled decay."""
    m = state.get("m", np.zeros_like(theta))
    u = np.sign((1.0 - hp["beta1"]) * grad + hp["beta1"] * m)
    state["m"] = (1.0 - hp["beta2"]) * grad + hp["beta2"] * m
    if hp.get("cautious"):  # pytorch_optimizer.Lion(cautious=True)'s mask, per tensor
        u = cautious(u, grad, hp["layers"])
    theta -= lr * (u + hp["weight_decay"] * theta)


REFERENCE_RULES = {
    sgd.RULE_SGD: sgd_rule,
    adaptive.RULE_ADAGRAD: adagrad_rule,
    adaptive.RULE_RMSPROP: rmsprop_rule,
    adaptive.RULE_ADADELTA: adadelta_rule,
    adam.RULE_ADAM: adam_rule,
    adam.RULE_ADAMAX: adamax_rule,
    adam.RULE_NADAM: nadam_rule,
    adam.RULE_RADAM: radam_rule,
    rprop.RULE_RPROP: rprop_rule,
    lion.RULE_LION: lion_rule,
}

from .adamfamily import ADAMFAMILY_RULES  # noqa: E402  (pytorch-optimizer's Adam family, its own module)

REFERENCE_RULES.update(ADAMFAMILY_RULES)
