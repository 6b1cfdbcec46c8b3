"""The two compiled copies of the training loop (issue 11): which runs use which, and that both
compute the same numbers."""

import numpy as np
import pytest

import dlbench
from dlbench.kernels.dispatch import ESTABLISHED_RULES, apply_established
from dlbench.kernels.loop import loop_for, train_loop, train_loop_established
from dlbench.optimizers import GROUPS, OPTIMIZERS, get_optimizer
from dlbench.optimizers.lbfgs import RULE_LBFGS
from dlbench.training import _run_kernel, prepare
from dlbench.model.spec import Network


def _rule(name, **values):
    spec = get_optimizer(name)
    return spec.rule_for(spec.check(values))


def test_the_all_group_uses_the_established_loop():
    rules = {_rule(n) for n in GROUPS["all"]} | {_rule("momentum", convention="sklearn")}
    assert loop_for(sorted(rules)) is train_loop_established
    assert rules <= ESTABLISHED_RULES | {RULE_LBFGS}


def test_a_newer_rule_uses_the_full_loop():
    newer = [n for n in GROUPS["all-2026"] if _rule(n) not in ESTABLISHED_RULES | {RULE_LBFGS}]
    assert newer, "the all-2026 group has rules of its own"
    for name in newer:
        assert loop_for([_rule(name)]) is train_loop
        assert loop_for([_rule("gd"), _rule(name)]) is train_loop


def test_every_established_rule_is_in_apply_established():
    theta = np.zeros(4)
    layers = Network.make(1, (1,)).layers
    for rule in sorted(ESTABLISHED_RULES):
        apply_established(rule, theta, np.zeros(4), np.zeros((4, 4)), np.zeros(8), np.zeros(10), 0.0, 1, layers)
    newer = next(o.rule for o in OPTIMIZERS.values() if o.rule not in ESTABLISHED_RULES | {RULE_LBFGS})
    with pytest.raises(ValueError):
        apply_established(newer, theta, np.zeros(4), np.zeros((4, 4)), np.zeros(8), np.zeros(10), 0.0, 1, layers)


@pytest.mark.parametrize("name", ["adam", "minibatch", "lbfgs"])
def test_both_loops_give_bit_identical_runs(name):
    data = dlbench.make_dataset("random", 40, 3, 0)
    net = Network.make(3, (4,))
    params = dlbench.init_params(3, 4, "glorot", 0)
    plan = prepare(name, 40, epochs=15, loss="bce")
    out = []
    for loop in (train_loop_established, train_loop):
        theta = params.to_vector()
        losses, accs, *_ = _run_kernel(data.X, data.y, theta, net, plan, 0, loop=loop)
        out.append((losses.tobytes(), accs.tobytes(), theta.tobytes()))
    assert out[0] == out[1]


def test_kernels_compile_one_copy_whatever_literals_they_are_called_with():
    from dlbench.kernels._config import njit

    @njit
    def scaled(x, flag, k):
        return x * k if flag else x

    @njit
    def caller(x, flag):
        return scaled(x, True, 0) + scaled(x, False, 2) + scaled(x, flag, 3)

    assert caller(1.5, True) == 1.5 * 0 + 1.5 + 1.5 * 3
    assert len(scaled.signatures) == 1  # numba.njit would compile three (two with literal types)
