"""The declarative record of an optimizer.

An optimizer in dlbench is two things (after optax): an *update rule*, a small function over flat
float64 arrays that Numba compiles into the training loop, and an :class:`Optimizer` record that
says what the rule is called, which hyperparameters it takes (with defaults and ranges), how many
state slots it needs and whose convention it follows. Several records can share a rule: ``gd``,
``sgd``, ``minibatch``, ``momentum`` and ``nesterov`` are all ``torch.optim.SGD``'s rule with
different fixed values and batch sizes.

Rules share one signature, ``rule(theta, grad, state, scalars, hp, lr, step)``: ``theta`` is
updated in place, ``state`` is an (n_slots, P) array of per-parameter slots (zero at the start),
``scalars`` a small vector of scalar state (zero at the start), ``hp`` the rule's hyperparameters
in the order of :attr:`Optimizer.kernel_args`, ``lr`` the learning rate of this step and ``step``
the 1-based count of updates made so far including this one.

This module imports neither NumPy nor Numba, so listing optimizers (and ``--help``) stays fast.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Callable, Mapping

from ..hyper import Hyper, check_values

__all__ = ["Optimizer", "WEIGHT_DECAY", "N_SCALARS", "jitable", "tensor_span", "cautious_scale"]

N_SCALARS = 4

WEIGHT_DECAY = Hyper("weight_decay", 0.0, "L2 penalty added to the gradient (coupled weight decay)", low=0.0)


@dataclass(frozen=True)
class Optimizer:
    """What the registry knows about one optimizer name."""

    name: str
    rule: int
    """Dispatch code of the update rule inside the training kernel."""
    summary: str
    reference: str
    """Whose convention the rule follows, e.g. ``torch.optim.Adam``."""
    default_lr: float
    hypers: tuple[Hyper, ...] = ()
    kernel_args: tuple[str, ...] = ()
    """Names of the values the rule reads from ``hp``, in order (hypers or ``fixed``). Training
    also passes the run's ``n_samples`` and ``batch_size`` in the values given to
    :meth:`kernel_hp`, for records that override it to use them."""
    fixed: Mapping[str, float] = field(default_factory=dict)
    n_slots: int = 0
    batch_size: int | None = None
    """Default batch size: ``None`` for full batch."""
    schedule: str | None = None
    """Schedule this optimizer implies (``dynamic`` = gd + ``bold-driver``)."""
    full_batch_only: bool = False
    state_shape: Callable[[Mapping[str, Any]], tuple[int, int]] | None = None
    """For rules whose state size depends on hyperparameters (L-BFGS's history)."""
    layout_state: Callable[[Mapping[str, Any], Any], tuple[int, int]] | None = None
    """For rules whose state size depends on the network's layout (Shampoo's matrices): called
    with the checked values and the layout when training allocates the state."""

    def state_size(self, values: Mapping[str, Any], n_samples: int = 0) -> tuple[int, int]:
        """``(n_slots, n_scalars)`` of state this rule needs for checked ``values``."""
        if self.state_shape is not None:
            return self.state_shape(values)
        return self.n_slots, N_SCALARS

    def resolve(self, values: Mapping[str, Any]) -> tuple["Optimizer", dict]:
        """The record that actually trains with the user ``values``, and the values left for it:
        ``self``, unless a record stands for several (a wrapper's ``base``: see
        :mod:`dlbench.optimizers.wrap`)."""
        return self, dict(values)

    def rule_for(self, values: Mapping[str, Any]) -> int:
        """Dispatch code of the rule for checked ``values``: :attr:`rule`, unless a record switches
        rules on a hyperparameter (``momentum``'s ``convention``)."""
        return self.rule

    def check(self, values: Mapping[str, Any]) -> dict[str, Any]:
        """Defaults overlaid with the checked user ``values`` (raises ``ConfigError``)."""
        return check_values(self.hypers, values, self.name)

    def kernel_hp(self, values: Mapping[str, Any]) -> list[float]:
        """The rule's ``hp`` vector for checked ``values`` (booleans as 0/1, pairs flattened,
        a choice as its index in ``Hyper.choices``, an unset ``None`` as NaN)."""
        merged = {**values, **self.fixed}
        kinds = {h.name: h for h in self.hypers}
        out: list[float] = []
        for name in self.kernel_args:
            value = merged[name]
            hyper = kinds.get(name)
            if hyper is not None and hyper.kind == "choice" and name not in self.fixed:
                out.append(float(hyper.choices.index(value)))
            elif value is None:
                out.append(float("nan"))
            elif isinstance(value, (tuple, list)):
                out.extend(float(v) for v in value)
            else:
                out.append(float(value))
        return out

    def defaults(self) -> dict[str, Any]:
        return {h.name: h.default for h in self.hypers}


def jitable(fn):
    """Mark a helper that update rules call: :mod:`dlbench.kernels.dispatch` compiles it where the
    rules see it (this module stays importable without Numba); called from Python it runs as is."""
    fn._dlbench_jitable = True
    return fn


@jitable
def tensor_span(layers, k):
    """``(start, stop)`` in theta of tensor ``k`` of the layout: ``W_l`` for ``k = 2l``, ``b_l`` for
    ``k = 2l + 1`` (so ``range(2 * layers.shape[0])`` walks every tensor in order)."""
    row = k // 2
    lo = layers[row, 0] if k % 2 == 0 else layers[row, 3]
    return lo, lo + (layers[row, 1] * layers[row, 2] if k % 2 == 0 else layers[row, 4])


@jitable
def cautious_scale(m, g, lo, hi):
    """The Cautious Optimizers mask's scale for the tensor ``[lo, hi)`` (Liang et al. 2024, as
    pytorch-optimizer's ``apply_cautious``): ``numel / (kept + 1)``, ``kept`` the entries where the
    update ``m`` and the gradient ``g`` agree in sign; the others are masked to 0 by the rule."""
    count = 0.0
    for i in range(lo, hi):
        if m[i] * g[i] > 0.0:
            count += 1.0
    return (hi - lo) / (count + 1.0)
