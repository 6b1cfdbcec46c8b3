"""A plain NumPy training loop with the same semantics as :func:`dlbench.kernels.loop.train_loop`.

Python loops over epochs and batches here (that is the point of a reference); sample orders come
from the same generator as the kernel's (:func:`dlbench.kernels.rng.epoch_orders`), so stochastic
methods can be compared step by step.
"""

from __future__ import annotations

import copy
import math

import numpy as np

from ..kernels.rng import epoch_orders
from ..model import Params
from ..optimizers import get_optimizer
from ..schedules import get_schedule
from ..model.spec import Network
from ..training import DIVERGENCE_FACTOR, infer_task, prepare
from .controllers import REFERENCE_CONTROLLERS
from .lbfgs import REFERENCE_CLOSURE_RULES
from .network import loss_grad
from .optimizers import REFERENCE_RULES
from .schedules import REFERENCE_SCHEDULE_LAYER_RULES
from .layerwise12 import ELEMENTWISE_RULES as _LW12_RULES, LAYER_RULES as _LW12_LAYER_RULES
from .precond import mars_reference as _mars_reference, prodigy_reference as _prodigy_reference, shampoo_reference as _shampoo_reference
from .precond import soap_reference as _soap_reference
from .wrappers import EVAL_BETA, WRAPPER_RULES, sam_perturb, sf_x


def reference_rule(code, layers):
    """The reference update rule of ``code`` as ``rule(theta, grad, state, hp, lr, step)``."""
    layer_rule = {**REFERENCE_SCHEDULE_LAYER_RULES, **_LW12_LAYER_RULES, get_optimizer("mars").rule: _mars_reference,
                  get_optimizer("prodigy").rule: _prodigy_reference,
                  get_optimizer("shampoo").rule: _shampoo_reference,
                      get_optimizer("soap").rule: _soap_reference}.get(code)
    if layer_rule is not None:  # per-layer rules also get the layout
        return lambda th, g, st, h, lr, step: layer_rule(th, g, st, h, lr, step, layers)
    return {**REFERENCE_RULES, **_LW12_RULES, **WRAPPER_RULES}[code]


def reference_train(X, y, params: Params, optimizer="gd", epochs=1000, lr=None, batch_size=None, loss=None,
                    seed=0, tol=None, patience=None, schedule=None, schedule_params=None, task=None, activation="relu",
                    orders=None, **hyperparameters):
    """Same arguments as :func:`dlbench.train`; returns ``(losses, accuracies, lrs, theta)``.

    ``orders`` (epochs × N), if given, are the mini-batch sample orders; by default they come from
    the kernel's generator (:func:`dlbench.kernels.rng.epoch_orders`)."""
    X = np.ascontiguousarray(X, dtype=np.float64)
    y = np.ascontiguousarray(y, dtype=np.float64)
    net = Network.make(params.n_features, params.hidden, params.n_outputs, activation,
                       task or infer_task(y, params.n_outputs), loss)
    plan = prepare(optimizer, X.shape[0], epochs, lr, batch_size, net.loss, tol, patience, schedule, schedule_params, hyperparameters)
    spec = get_optimizer(plan.optimizer)
    hp = {**plan.hyperparameters, **spec.fixed, "n_samples": X.shape[0], "batch_size": plan.batch_size,
          "layers": net.layers, "lr": plan.lr}  # the layout (for the cautious mask, one scale per tensor); the base rate (MARS)
    closure_rule = REFERENCE_CLOSURE_RULES.get(plan.rule)
    rule = None if closure_rule else reference_rule(plan.rule, net.layers)
    base = getattr(spec, "base", None)
    if base is not None:  # a wrapper (lookahead:adam): its base and the base's values
        hp.update(base=base.name, base_hp={k: v for k, v in plan.hyperparameters.items() if k in {h.name for h in base.hypers}})
        hp.update({w: hp[exposed] for w, exposed in spec.names.items()})
    sam = base is not None and spec.wrapper.name == "sam"
    beta = EVAL_BETA.get(plan.rule)

    def measured(at):
        """Loss, score and gradient at ``at``, the loss and score at the evaluation point."""
        value, score, g = loss_grad(at, X, y, H, plan.loss)
        if beta is not None:
            value, score, _ = loss_grad(sf_x(at, state, hp[beta]), X, y, H, plan.loss)
        return value, score, g
    controller = REFERENCE_CONTROLLERS.get(plan.controller)
    ctrl_hp = get_schedule(plan.schedule).check(plan.schedule_params)
    H = net
    N = X.shape[0]
    theta = params.to_vector()
    state: dict = {}
    cstate: dict = {}
    full = plan.batch_size >= N

    def closure(at):
        """Full-batch loss and gradient at ``at`` (for rules that evaluate the objective)."""
        value, _, g = loss_grad(at, X, y, H, plan.loss)
        return value, g

    if orders is None and not full:
        orders = epoch_orders(seed, N, plan.epochs)
    loss_v, acc, grad = loss_grad(theta, X, y, H, plan.loss)
    losses, accs, lrs = [loss_v], [acc], []
    limit = DIVERGENCE_FACTOR * max(loss_v, 1.0)
    best, bad, step, cur = loss_v, 0, 0, plan.lr
    stride = len(plan.rates) // plan.epochs  # > 1: one rate per update (step_every = "batch")
    for epoch in range(plan.epochs):
        cur = cur if controller else plan.rates[epoch * stride]
        lrs.append(cur)
        saved = (theta.copy(), copy.deepcopy(state), step)
        if full:
            step += 1
            if closure_rule is not None:
                closure_rule(theta, closure, state, hp, cur)
            else:
                if sam:
                    old = sam_perturb(theta, grad, hp, net.layers)
                    _, _, grad = loss_grad(theta, X, y, H, plan.loss)
                    theta[:] = old
                rule(theta, grad, state, hp, cur, step)
        else:
            for start in range(0, N, plan.batch_size):
                idx = orders[epoch, start : start + plan.batch_size]
                _, _, g = loss_grad(theta, X[idx], y[idx], H, plan.loss)
                if sam:
                    old = sam_perturb(theta, g, hp, net.layers)
                    _, _, g = loss_grad(theta, X[idx], y[idx], H, plan.loss)
                    theta[:] = old
                step += 1
                rule(theta, g, state, hp, plan.rates[step - 1] if stride > 1 else cur, step)
        new_loss, new_acc, grad = measured(theta)
        stop = False
        if controller:
            cur, accept, stop = controller(cstate, ctrl_hp, cur, loss_v, new_loss)
            if not accept:
                theta, state, step = saved
                new_loss, new_acc, grad = measured(theta)
        losses.append(new_loss)
        accs.append(new_acc)
        if not math.isfinite(new_loss) or new_loss > limit:
            break
        if plan.patience:
            bad = bad + 1 if new_loss > best - plan.tol else 0
            best = min(best, new_loss)
            if bad >= plan.patience:
                break
        if stop:
            break
        loss_v = new_loss
    if beta is not None:  # trained parameters at the evaluation point, as the kernel returns them
        theta = sf_x(theta, state, hp[beta])
    return np.array(losses), np.array(accs), np.array(lrs), theta
