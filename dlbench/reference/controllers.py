"""NumPy/Python references of the loss-driven schedule controllers.

``REFERENCE_CONTROLLERS[code](cstate, hp, lr, loss_before, loss_after) -> (lr, accept, stop)``
with ``hp`` the schedule's checked parameters by name and ``cstate`` a dict.
"""

from __future__ import annotations

from ..schedules import basic, plateau, sklearn


def bold_driver(cstate, hp, lr, loss_before, loss_after):
    """Keep the step and grow the rate if the loss fell; otherwise undo it and shrink the rate."""
    if loss_after < loss_before:
        return lr * hp["increase"], True, False
    return lr * hp["decrease"], False, False


def reduce_on_plateau(cstate, hp, lr, loss_before, loss_after):
    """``torch.optim.lr_scheduler.ReduceLROnPlateau(mode="min").step(loss_after)``, written as torch's."""
    if not cstate:
        cstate.update(best=float("inf"), num_bad_epochs=0, cooldown_counter=0)
    if hp["threshold_mode"] == "rel":
        is_better = loss_after < cstate["best"] * (1.0 - hp["threshold"])
    else:
        is_better = loss_after < cstate["best"] - hp["threshold"]
    if is_better:
        cstate["best"] = loss_after
        cstate["num_bad_epochs"] = 0
    else:
        cstate["num_bad_epochs"] += 1
    if cstate["cooldown_counter"] > 0:
        cstate["cooldown_counter"] -= 1
        cstate["num_bad_epochs"] = 0
    if cstate["num_bad_epochs"] > hp["patience"]:
        new_lr = max(lr * hp["factor"], hp["min_lr"])
        if lr - new_lr > hp["eps"]:
            lr = new_lr
        cstate["cooldown_counter"] = hp["cooldown"]
        cstate["num_bad_epochs"] = 0
    return lr, True, False


def sklearn_adaptive(cstate, hp, lr, loss_before, loss_after):
    """scikit-learn MLP's ``learning_rate="adaptive"``: ``_update_no_improvement_count`` on the
    epoch's loss (the loss at its start), then ``SGDOptimizer.trigger_stopping``."""
    if not cstate:
        cstate.update(best_loss=float("inf"), no_improvement_count=0)
    if loss_before > cstate["best_loss"] - hp["tol"]:
        cstate["no_improvement_count"] += 1
    else:
        cstate["no_improvement_count"] = 0
    if loss_before < cstate["best_loss"]:
        cstate["best_loss"] = loss_before
    if cstate["no_improvement_count"] > hp["n_iter_no_change"]:
        if lr <= 1e-6:
            return lr, True, True
        lr /= 5.0
        cstate["no_improvement_count"] = 0
    return lr, True, False


REFERENCE_CONTROLLERS = {
    basic.CTRL_BOLD_DRIVER: bold_driver,
    plateau.CTRL_PLATEAU: reduce_on_plateau,
    sklearn.CTRL_ADAPTIVE: sklearn_adaptive,
}
