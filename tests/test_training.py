"""dlbench.train: the article's four methods against the NumPy reference, and the loop's rules."""

import numpy as np
import pytest

import dlbench
from dlbench.errors import ConfigError
from dlbench.reference.network import loss_grad as ref_loss_grad
from dlbench.reference.training import reference_train
from splitmix_oracle import epoch_orders as oracle_orders


@pytest.fixture(scope="module")
def problem():
    data = dlbench.make_dataset("random", 100, 10, seed=0)
    return data.X, data.y, dlbench.init_params(10, 8, init="glorot", seed=0)


@pytest.mark.parametrize("optimizer,lr", [("gd", 0.5), ("dynamic", 0.05)])
@pytest.mark.parametrize("loss", ["bce", "mse"])
def test_full_batch_methods_equal_reference_for_100_epochs(problem, optimizer, lr, loss):
    X, y, params = problem
    result = dlbench.train(X, y, params, optimizer=optimizer, epochs=100, lr=lr, loss=loss)
    losses, accs, lrs, theta = reference_train(X, y, params, optimizer=optimizer, epochs=100, lr=lr, loss=loss)
    np.testing.assert_allclose(result.losses, losses, rtol=1e-12, atol=0)
    np.testing.assert_allclose(result.learning_rates, lrs, rtol=1e-12, atol=0)
    np.testing.assert_array_equal(result.accuracies, accs)
    np.testing.assert_allclose(result.params.to_vector(), theta, rtol=1e-10, atol=1e-13)


@pytest.mark.parametrize("optimizer,batch_size", [("sgd", None), ("minibatch", None), ("minibatch", 7)])
def test_stochastic_methods_equal_reference_step_by_step(problem, optimizer, batch_size, reference_orders_from_oracle):
    # the reference draws its sample orders from the independent oracle, not the kernel's generator
    X, y, params = problem
    result = dlbench.train(X, y, params, optimizer=optimizer, epochs=30, lr=0.05, batch_size=batch_size, seed=3)
    losses, accs, _, theta = reference_train(X, y, params, optimizer=optimizer, epochs=30, lr=0.05, batch_size=batch_size, seed=3)
    assert reference_orders_from_oracle == [(3, 100, 30)]
    np.testing.assert_allclose(result.losses, losses, rtol=1e-10, atol=0)
    np.testing.assert_allclose(result.params.to_vector(), theta, rtol=1e-9, atol=1e-12)


def test_sgd_takes_one_sample_per_step_in_a_fresh_order_each_epoch(problem):
    X, y, params = problem
    orders = oracle_orders(11, X.shape[0], 3)  # the documented SplitMix64 + Fisher-Yates, in pure Python
    assert all(sorted(o) == list(range(100)) for o in orders)
    assert orders[0] != orders[1]
    # one epoch of sgd by hand, in that order
    theta = params.to_vector()
    for i in orders[0]:
        _, _, g = ref_loss_grad(theta, X[i : i + 1], y[i : i + 1], 8)
        theta -= 0.01 * g
    result = dlbench.train(X, y, params, optimizer="sgd", epochs=1, lr=0.01, seed=11)
    np.testing.assert_allclose(result.params.to_vector(), theta, rtol=1e-12, atol=1e-14)


def test_minibatch_last_batch_may_be_smaller_and_gradient_is_the_batch_mean(problem):
    X, y, params = problem
    orders = oracle_orders(2, 100, 1)[0]
    theta = params.to_vector()
    for start in range(0, 100, 32):  # 32, 32, 32, 4
        idx = orders[start : start + 32]
        _, _, g = ref_loss_grad(theta, X[idx], y[idx], 8)
        theta -= 0.1 * g
    result = dlbench.train(X, y, params, optimizer="minibatch", epochs=1, lr=0.1, seed=2)
    np.testing.assert_allclose(result.params.to_vector(), theta, rtol=1e-12, atol=1e-14)


def test_bold_driver_accepts_and_rejects(problem):
    X, y, params = problem
    result = dlbench.train(X, y, params, optimizer="dynamic", epochs=60, lr=2.0)
    ratios = result.learning_rates[1:] / result.learning_rates[:-1]
    accepted = np.isclose(ratios, 1.05)
    rejected = np.isclose(ratios, 0.5)
    assert accepted.any() and rejected.any() and np.all(accepted | rejected)
    losses = result.losses
    # after an accepted epoch the loss fell; after a rejected one the parameters (and loss) were restored
    np.testing.assert_array_less(losses[1:][:-1][accepted], losses[:-2][accepted])
    np.testing.assert_array_equal(losses[1:][:-1][rejected], losses[:-2][rejected])
    assert np.all(np.diff(losses) <= 0)  # the bold driver never keeps a worse step


def test_bold_driver_factors_are_settable(problem):
    X, y, params = problem
    result = dlbench.train(X, y, params, optimizer="dynamic", epochs=5, lr=0.01, increase=1.1, decrease=0.25)
    assert result.learning_rates[1] / result.learning_rates[0] in (pytest.approx(1.1), pytest.approx(0.25))
    assert result.schedule_params == {"increase": 1.1, "decrease": 0.25}


def test_early_stopping_stops_and_says_converged(problem):
    X, y, params = problem
    result = dlbench.train(X, y, params, optimizer="gd", epochs=5000, lr=0.1, tol=1e-4, patience=5)
    assert result.converged and not result.diverged
    assert result.epochs_run < 5000
    assert len(result.losses) == result.epochs_run + 1
    losses = result.losses
    n = len(losses)
    # each of the last `patience` epochs failed to beat the best loss so far by more than tol ...
    assert all(losses[k] > losses[:k].min() - 1e-4 for k in range(n - 5, n))
    # ... and it did not stop earlier
    assert not all(losses[k] > losses[:k].min() - 1e-4 for k in range(n - 6, n - 1))


def test_early_stopping_rule_on_a_constructed_run():
    # gd with lr tiny: loss improves by < tol every epoch, so it stops after exactly `patience` epochs
    data = dlbench.make_dataset("random", 20, 3, seed=1)
    params = dlbench.init_params(3, 2, init="glorot", seed=1)
    result = dlbench.train(data.X, data.y, params, optimizer="gd", epochs=100, lr=1e-9, tol=1e-3, patience=4)
    assert result.converged and result.epochs_run == 4


def test_divergence_is_recorded_and_the_curve_kept(problem):
    X, y, params = problem
    result = dlbench.train(X, y, params, optimizer="gd", epochs=1000, lr=1e6)
    assert result.diverged and not result.converged
    assert result.epochs_run < 1000
    assert len(result.losses) == result.epochs_run + 1
    assert np.isfinite(result.losses[0])
    last = result.losses[-1]
    assert not np.isfinite(last) or last > 1e3 * max(result.losses[0], 1.0)


def test_same_seed_gives_bit_identical_results(problem):
    X, y, params = problem
    for optimizer in ("gd", "sgd", "minibatch", "dynamic"):
        a = dlbench.train(X, y, params, optimizer=optimizer, epochs=50, seed=5)
        b = dlbench.train(X, y, params, optimizer=optimizer, epochs=50, seed=5)
        assert a.losses.tobytes() == b.losses.tobytes()
        assert a.params.to_vector().tobytes() == b.params.to_vector().tobytes()
    assert not np.array_equal(dlbench.train(X, y, params, optimizer="sgd", epochs=5, seed=5).losses,
                              dlbench.train(X, y, params, optimizer="sgd", epochs=5, seed=6).losses)


def test_train_never_changes_its_params(problem):
    X, y, params = problem
    before = params.to_vector().copy()
    dlbench.train(X, y, params, optimizer="gd", epochs=10)
    np.testing.assert_array_equal(params.to_vector(), before)


def test_result_fields_and_indexing(problem):
    X, y, params = problem
    r = dlbench.train(X, y, params, optimizer="minibatch", epochs=20)
    assert len(r.losses) == len(r.accuracies) == len(r.elapsed) == 21
    assert len(r.learning_rates) == 20
    assert r.losses[0] == pytest.approx(ref_loss_grad(params.to_vector(), X, y, 8)[0], rel=1e-13)
    assert r.train_seconds > 0 and r.compile_seconds >= 0
    assert np.all(np.diff(r.elapsed) >= 0)
    assert r.batch_size == 32 and r.lr == dlbench.get_optimizer("minibatch").default_lr
    curve = r.curve()
    assert list(curve.columns) == ["epoch", "loss", "accuracy", "rmse", "r2", "test_loss", "test_accuracy", "test_rmse",
                                   "test_r2", "lr", "elapsed_s"]
    assert curve["rmse"].isna().all() and curve["r2"].isna().all()  # classification: accuracy only
    assert len(curve) == 21 and curve["test_loss"].isna().all()


def test_explicit_lr_and_batch_size_win(problem):
    X, y, params = problem
    r = dlbench.train(X, y, params, optimizer="sgd", epochs=2, lr=0.3, batch_size=10)
    assert r.lr == 0.3 and r.batch_size == 10


@pytest.mark.parametrize(
    "kwargs,needle",
    [
        ({"optimizer": "nope"}, "Valid optimizers"),
        ({"loss": "hinge"}, "'loss'"),
        ({"lr": 0.0}, "'lr'"),
        ({"lr": float("nan")}, "'lr'"),
        ({"lr": float("inf")}, "'lr'"),
        ({"epochs": 0}, "'epochs'"),
        ({"batch_size": 0}, "'batch_size'"),
        ({"batch_size": 101}, "'batch_size'"),
        ({"optimizer": "gd", "momentum": 0.9}, "does not take the hyperparameter 'momentum'"),
        ({"seed": -1}, "'seed'"),
        ({"tol": -1.0}, "'tol'"),
        ({"patience": 0}, "'patience'"),
        ({"schedule": "nope"}, "Valid schedules"),
    ],
)
def test_bad_input_raises_config_error(problem, kwargs, needle):
    X, y, params = problem
    with pytest.raises(ConfigError, match=None) as info:
        dlbench.train(X, y, params, **{"epochs": 5, **kwargs})
    assert needle in str(info.value)


def test_bad_data_raises_config_error(problem):
    X, y, params = problem
    with pytest.raises(ConfigError):
        dlbench.train(X[:, :3], y, params)
    with pytest.raises(ConfigError):
        dlbench.train(X, y * 2, params)
    with pytest.raises(ConfigError):
        dlbench.train(X, y[:-1], params)


def test_kernels_cached_tells_a_cold_cache_from_a_warm_one(tmp_path):
    import os
    import subprocess
    import sys

    from dlbench.training import kernel_compile_seconds, kernels_cached

    kernel_compile_seconds()
    assert kernels_cached() is True
    code = "from dlbench.training import kernels_cached; print(kernels_cached())"
    env = {**os.environ, "NUMBA_CACHE_DIR": str(tmp_path / "empty")}
    out = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True, timeout=120)
    assert out.stdout.strip() == "False", out.stderr
