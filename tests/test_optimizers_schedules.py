"""scikit-learn's momentum convention (``convention = "sklearn"``) and its ``alpha``: hand-derived
single steps of the compiled rule and of the NumPy reference, the batch sizes the penalty is
divided by, training against the reference, and the errors of values that do not combine.

The parity with ``MLPClassifier(solver="sgd")`` itself is in tests/test_sklearn_schedules.py.
"""

import numpy as np
import pytest

import dlbench
from dlbench.errors import ConfigError
from dlbench.kernels.dispatch import apply_update
from dlbench.optimizers import get_optimizer
from dlbench.optimizers.sgd import RULE_SGD, RULE_SGD_SKLEARN
from dlbench.reference.schedules import REFERENCE_SCHEDULE_LAYER_RULES
from dlbench.reference.training import reference_train

# one layer, W of shape (2, 1) at theta[0:2], b at theta[2]
LAYERS = np.array([[0, 2, 1, 2, 1]], dtype=np.int64)
THETA = np.array([0.5, -1.0, 2.0])
GRAD = np.array([0.1, -0.3, 0.2])
V0 = np.array([0.2, 0.0, -0.1])


def sklearn_step(name, hp, step=1, n_samples=4, batch_size=4, velocity=V0, lr=0.1):
    """One step of the compiled rule and of the reference from the velocity ``velocity``."""
    spec = get_optimizer(name)
    values = spec.check({"convention": "sklearn", **hp})
    assert spec.rule_for(values) == RULE_SGD_SKLEARN
    run = {**values, "n_samples": n_samples, "batch_size": batch_size}
    th, state = THETA.copy(), velocity.copy()[None, :]
    apply_update(RULE_SGD_SKLEARN, th, GRAD.copy(), state, np.zeros(4), np.array(spec.kernel_hp(run)), lr, step, LAYERS)
    ref, ref_state = THETA.copy(), {"velocity": velocity.copy()}
    REFERENCE_SCHEDULE_LAYER_RULES[RULE_SGD_SKLEARN](ref, GRAD.copy(), ref_state, {**run, **spec.fixed}, lr, step, LAYERS)
    return th, state[0], ref, ref_state["velocity"]


def test_heavy_ball_velocity_includes_the_rate_and_alpha_skips_the_bias():
    # alpha / n = 0.5 / 4 = 0.125 on the weights: g = (0.1 + 0.0625, -0.3 - 0.125, 0.2)
    th, v, ref, ref_v = sklearn_step("momentum", {"momentum": 0.9, "alpha": 0.5})
    expected_v = [0.9 * 0.2 - 0.1 * 0.1625, 0.9 * 0.0 + 0.1 * 0.425, 0.9 * -0.1 - 0.1 * 0.2]  # 0.16375 0.0425 -0.11
    for got in (v, ref_v):
        np.testing.assert_allclose(got, expected_v, rtol=1e-15)
    for got in (th, ref):
        np.testing.assert_allclose(got, [0.66375, -0.9575, 1.89], rtol=1e-15)


def test_nesterov_steps_by_momentum_times_the_new_velocity_minus_lr_g():
    th, v, ref, ref_v = sklearn_step("nesterov", {"momentum": 0.9, "alpha": 0.5})
    np.testing.assert_allclose(v, [0.16375, 0.0425, -0.11], rtol=1e-15)
    # theta += 0.9 * v - 0.1 * g = (0.147375 - 0.01625, 0.03825 + 0.0425, -0.099 - 0.02)
    for got in (th, ref):
        np.testing.assert_allclose(got, [0.631125, -0.91925, 1.881], rtol=1e-15)


def test_first_step_from_zero_velocity_without_alpha():
    th, v, ref, _ = sklearn_step("momentum", {"momentum": 0.5}, velocity=np.zeros(3))
    np.testing.assert_allclose(v, [-0.01, 0.03, -0.02], rtol=1e-15)
    for got in (th, ref):
        np.testing.assert_allclose(got, [0.49, -0.97, 1.98], rtol=1e-15)


def test_the_penalty_is_divided_by_the_size_of_this_steps_batch():
    # 5 samples in batches of 2: sizes 2, 2, 1 in every epoch (steps 1-3, 4-6, ...)
    short = [0.5 - 0.1 * (0.1 + 0.5 * 0.5), -1.0 - 0.1 * (-0.3 - 0.5), 2.0 - 0.02]  # alpha / 1
    full = [0.5 - 0.1 * (0.1 + 0.25 * 0.5), -1.0 - 0.1 * (-0.3 - 0.25), 2.0 - 0.02]  # alpha / 2
    for step, expected in [(1, full), (2, full), (3, short), (5, full), (6, short), (7, full)]:
        th, _, ref, _ = sklearn_step("momentum", {"momentum": 0.9, "alpha": 0.5}, step=step, n_samples=5,
                                     batch_size=2, velocity=np.zeros(3))
        for got in (th, ref):
            np.testing.assert_allclose(got, expected, rtol=1e-15)
    th, _, _, _ = sklearn_step("momentum", {"momentum": 0.9, "alpha": 0.5}, step=9, velocity=np.zeros(3))
    np.testing.assert_allclose(th, [0.5 - 0.1 * 0.1625, -1.0 + 0.1 * 0.425, 1.98], rtol=1e-15)  # full batch: alpha / 4


def test_torch_is_still_the_default_rule():
    for name in ("momentum", "nesterov"):
        spec = get_optimizer(name)
        assert spec.rule_for(spec.check({})) == RULE_SGD


@pytest.fixture(scope="module")
def problem():
    data = dlbench.make_dataset("random", 45, 4, seed=3)
    return data.X, data.y, dlbench.init_params(4, (5, 3), init="glorot", seed=4)


@pytest.mark.parametrize("name", ["momentum", "nesterov"])
@pytest.mark.parametrize("batch_size", [None, 10])  # full batch; 45 = 4 * 10 + 5
def test_training_equals_the_reference(problem, name, batch_size):
    X, y, params = problem
    kwargs = dict(optimizer=name, epochs=30, lr=0.1, batch_size=batch_size, seed=7, convention="sklearn", alpha=0.3,
                  momentum=0.8, schedule="step", schedule_params={"step_size": 7, "gamma": 0.5})
    result = dlbench.train(X, y, params, **kwargs)
    losses, _, lrs, _ = reference_train(X, y, params, **kwargs)
    np.testing.assert_array_equal(result.learning_rates, lrs)
    np.testing.assert_allclose(result.losses, losses, rtol=1e-10, atol=0)


def test_the_conventions_agree_at_a_constant_rate_and_part_when_it_changes(problem):
    X, y, params = problem
    common = dict(optimizer="momentum", epochs=40, lr=0.1, momentum=0.9)
    torch_c = dlbench.train(X, y, params, **common)
    sk_c = dlbench.train(X, y, params, convention="sklearn", **common)
    np.testing.assert_allclose(sk_c.losses, torch_c.losses, rtol=1e-11)
    decay = dict(schedule="step", schedule_params={"step_size": 10, "gamma": 0.1})
    torch_d = dlbench.train(X, y, params, **common, **decay)
    sk_d = dlbench.train(X, y, params, convention="sklearn", **common, **decay)
    np.testing.assert_allclose(sk_d.losses[:11], torch_d.losses[:11], rtol=1e-11)
    # after the drop torch's buffer is rescaled by the new rate at once; sklearn's velocity keeps the old one
    assert abs(sk_d.losses[12] - torch_d.losses[12]) > 1e-6 * abs(torch_d.losses[12])


def test_alpha_penalises_the_weights_only(problem):
    X, y, params = problem
    plain = dlbench.train(X, y, params, optimizer="momentum", epochs=20, convention="sklearn", momentum=0.0)
    heavy = dlbench.train(X, y, params, optimizer="momentum", epochs=20, convention="sklearn", momentum=0.0, alpha=45.0)
    # alpha / n = 1 with n = 45: each weight also shrinks by lr * W per epoch, and the biases do not
    assert np.abs(heavy.params.to_vector()).sum() < np.abs(plain.params.to_vector()).sum()
    assert not np.allclose(heavy.params.layers[0][1], plain.params.layers[0][1])  # biases feel it through the data


@pytest.mark.parametrize(
    "name,hp,param",
    [
        ("momentum", {"convention": "sklearn", "dampening": 0.1}, "dampening"),
        ("momentum", {"alpha": 1e-4}, "alpha"),
        ("nesterov", {"convention": "keras"}, "convention"),
        ("nesterov", {"convention": "sklearn", "alpha": -1.0}, "alpha"),
    ],
)
def test_bad_combinations_name_the_parameter(problem, name, hp, param):
    X, y, params = problem
    with pytest.raises(ConfigError) as info:
        dlbench.train(X, y, params, optimizer=name, epochs=2, **hp)
    assert f"'{param}' parameter of {name}" in str(info.value)
