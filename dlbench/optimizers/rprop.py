"""Resilient backpropagation: ``torch.optim.Rprop``'s rule (iRprop-; designed for full batches)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Callable

from ..errors import invalid
from ..hyper import Hyper
from .base import Optimizer

RULE_RPROP = 17


def rprop_update(theta, grad, state, scalars, hp, lr, step):
    """One step of Rprop, following ``torch.optim.Rprop`` exactly (version 2.13).

    Per parameter, with the previous (possibly zeroed) gradient ``p`` and step size ``s`` (``s``
    starts at the learning rate of the first step; ``lr`` is not used afterwards)::

        f = etaplus if g * p > 0,  etaminus if g * p < 0,  1 otherwise
        s <- clamp(s * f, step_size_min, step_size_max)
        g <- 0 where f == etaminus          (a sign flip: no move, and no change next step)
        theta <- theta - sign(g) * s;  p <- g

    Riedmiller and Braun (1993), "A direct adaptive method for faster backpropagation learning:
    the RPROP algorithm"; the zeroing after a sign change is Igel and Huesken's (2000) iRprop-.
    ``hp = (etaminus, etaplus, step_size_min, step_size_max)``; ``state`` = (``p``, ``s``).
    """
    etaminus = hp[0]
    etaplus = hp[1]
    step_min = hp[2]
    step_max = hp[3]
    prev = state[0]
    step_size = state[1]
    for i in range(theta.shape[0]):
        if step == 1:
            step_size[i] = lr
        g = grad[i]
        d = g * prev[i]
        if d > 0.0:
            f = etaplus
        elif d < 0.0:
            f = etaminus
        else:
            f = 1.0
        s = step_size[i] * f
        if s < step_min:
            s = step_min
        if s > step_max:
            s = step_max
        step_size[i] = s
        if f == etaminus:
            g = 0.0
        if g > 0.0:
            sg = 1.0
        elif g < 0.0:
            sg = -1.0
        else:
            sg = g
        theta[i] = theta[i] + (-1.0 * sg) * s
        prev[i] = g


@dataclass(frozen=True)
class _OrderedPair(Hyper):
    """A pair hyperparameter whose two values must satisfy ``valid(a, b)``, stated as ``rule``."""

    rule: str = ""
    valid: Callable[[float, float], bool] = lambda a, b: True

    def describe(self) -> str:
        return f"two floats with {self.rule}"

    def check(self, value: Any, owner: str) -> Any:
        a, b = super().check(value, owner)
        if not self.valid(a, b):
            raise invalid(self.name, owner, self.describe(), value)
        return (a, b)


OPTIMIZERS = (
    Optimizer(
        "rprop", RULE_RPROP, "Rprop: per-parameter step sizes grown or shrunk by the sign agreement of successive gradients.",
        "torch.optim.Rprop", 1e-2,
        (
            _OrderedPair("etas", (0.5, 1.2), "(etaminus, etaplus): step-size factors after a sign flip / agreement",
                         kind="pair", rule="0 < etaminus < 1 < etaplus", valid=lambda a, b: 0.0 < a < 1.0 < b),
            _OrderedPair("step_sizes", (1e-6, 50.0), "(min, max) allowed step size", kind="pair",
                         rule="0 <= min <= max", valid=lambda a, b: 0.0 <= a <= b),
        ),
        ("etas", "step_sizes"),
        n_slots=2,
    ),
)
