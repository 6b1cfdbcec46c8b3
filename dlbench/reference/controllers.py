"""NumPy/Python references of the loss-driven schedule controllers.

``REFERENCE_CONTROLLERS[code](cstate, hp, lr, loss_before, loss_after) -> (lr, accept, stop)``
with ``hp`` the schedule's checked parameters by name and ``cstate`` a dict.
"""

from __future__ import annotations

from ..schedules import basic


def bold_driver(cstate, hp, lr, loss_before, loss_after):
    """Keep the step and grow the rate if the loss fell; otherwise undo it and shrink the rate."""
    if loss_after < loss_before:
        return lr * hp["increase"], True, False
    return lr * hp["decrease"], False, False


REFERENCE_CONTROLLERS = {basic.CTRL_BOLD_DRIVER: bold_driver}
