"""Learning-rate schedules: hand-computed rates, the loss-driven controllers on constructed loss
sequences (compiled against the reference), every optimizer with every schedule through
``dlbench.train``, and the error messages of bad values."""

from __future__ import annotations

import math

import numpy as np
import pytest

import dlbench
from dlbench.errors import ConfigError
from dlbench.kernels.dispatch import controller_step
from dlbench.optimizers import OPTIMIZERS
from dlbench.reference.controllers import REFERENCE_CONTROLLERS
from dlbench.reference.training import reference_train
from dlbench.schedules import SCHEDULES, get_schedule
from dlbench.schedules.plateau import plateau_step
from dlbench.schedules.sklearn import adaptive_step


def rates(name, epochs, lr=1.0, n_samples=32, **params):
    schedule = get_schedule(name)
    return schedule.rates(lr, epochs, schedule.check(params), n_samples)


# ---------------------------------------------------------------- precomputed, written out by hand


def test_step():
    np.testing.assert_array_equal(rates("step", 7, step_size=3, gamma=0.5), [1, 1, 1, 0.5, 0.5, 0.5, 0.25])
    np.testing.assert_array_equal(rates("step", 3, lr=0.2, step_size=1, gamma=0.5), [0.2, 0.1, 0.05])


def test_multistep_including_a_milestone_at_zero_and_past_the_run():
    np.testing.assert_allclose(rates("multistep", 6, milestones=[2, 4], gamma=0.1), [1, 1, 0.1, 0.1, 0.01, 0.01], rtol=1e-15)
    np.testing.assert_allclose(rates("multistep", 4, milestones="0, 2, 9", gamma=0.5), [0.5, 0.5, 0.25, 0.25], rtol=1e-15)
    np.testing.assert_array_equal(rates("multistep", 3), [1, 1, 1])  # no milestones: constant


def test_exponential():
    np.testing.assert_array_equal(rates("exponential", 4, lr=2.0, gamma=0.5), [2, 1, 0.5, 0.25])


def test_cosine_follows_the_cosine_past_t_max_and_defaults_to_the_run_length():
    c = math.cos(math.pi / 4)
    expected = [1, (1 + c) / 2, 0.5, (1 - c) / 2, 0, (1 - c) / 2, 0.5, (1 + c) / 2, 1]
    np.testing.assert_allclose(rates("cosine", 9, t_max=4), expected, rtol=1e-12, atol=1e-17)
    eta = 0.1
    np.testing.assert_allclose(
        rates("cosine", 5, t_max=4, eta_min=eta), [eta + (1 - eta) * e for e in expected[:5]], rtol=1e-12
    )
    np.testing.assert_allclose(rates("cosine", 4), [1, (1 + c) / 2, 0.5, (1 - c) / 2], rtol=1e-12)


def test_cosine_restarts_with_growing_cycles():
    # t_0=2, t_mult=2: cycles of 2, 4, 8 epochs; T_cur/T_i = 0/2 1/2 | 0/4 1/4 2/4 3/4 | 0/8
    frac = [0, 1 / 2, 0, 1 / 4, 2 / 4, 3 / 4, 0]
    expected = [0.01 + (1 - 0.01) * (1 + math.cos(math.pi * f)) / 2 for f in frac]
    np.testing.assert_allclose(rates("cosine-restarts", 7, t_0=2, t_mult=2, eta_min=0.01), expected, rtol=1e-14)
    np.testing.assert_allclose(rates("cosine-restarts", 5, t_0=2), [1, 0.5, 1, 0.5, 1], rtol=1e-15)


def test_linear_warmup_alone_and_followed_by_another_schedule():
    np.testing.assert_allclose(rates("linear-warmup", 6, warmup_epochs=4, start_factor=0.2), [0.2, 0.4, 0.6, 0.8, 1, 1], rtol=1e-14)
    then = rates("linear-warmup", 7, warmup_epochs=4, start_factor=0.2, then="exponential", then_params={"gamma": 0.5})
    np.testing.assert_allclose(then, [0.2, 0.4, 0.6, 0.8, 1, 0.5, 0.25], rtol=1e-14)
    # the chained cosine's default t_max is the epochs left after the warm-up
    tail = rates("linear-warmup", 6, warmup_epochs=2, start_factor=0.5, then="cosine")[2:]
    np.testing.assert_allclose(tail, rates("cosine", 4), rtol=1e-15)
    # then_params as command-line text
    text = rates("linear-warmup", 7, warmup_epochs="4", start_factor="0.2", then="multistep",
                 then_params="milestones=1 2; gamma=0.5")
    np.testing.assert_allclose(text, [0.2, 0.4, 0.6, 0.8, 1, 0.5, 0.25], rtol=1e-14)
    np.testing.assert_allclose(rates("linear-warmup", 2, warmup_epochs=5, start_factor=0.5), [0.5, 0.6], rtol=1e-15)


def test_linear_warmup_then_onecycle_ramps_to_the_onecycle_start_as_torch_sequentiallr_does():
    # lr 0.5, div_factor 25: OneCycleLR makes the warm-up's base 0.02, so 0.1 * 0.02 -> 0.02 in 4 epochs,
    # then the one-cycle over the 10 epochs left (e1 = 2, e2 = 9) starts at 0.02, peaks at 0.5 at k = 4 + 2
    r = rates("linear-warmup", 14, lr=0.5, warmup_epochs=4, start_factor=0.1, then="onecycle")
    np.testing.assert_allclose(r[:5], [0.002, 0.0065, 0.011, 0.0155, 0.02], rtol=1e-14)
    np.testing.assert_allclose(r[5:7], [(0.02 + 0.5) / 2, 0.5], rtol=1e-14)
    np.testing.assert_allclose(r[-1], 0.02 / 1e4, rtol=1e-12)
    np.testing.assert_array_equal(r[4:], rates("onecycle", 10, lr=0.5))


def test_onecycle_two_and_three_phases():
    lr, T = 0.5, 10  # pct_start 0.3: e1 = 2, e2 = 9
    initial, low = lr / 25, lr / 25 / 1e4
    r = rates("onecycle", T, lr=lr)
    assert r[0] == pytest.approx(initial, rel=1e-15)
    assert r[1] == pytest.approx((initial + lr) / 2, rel=1e-15)
    assert r[2] == pytest.approx(lr, rel=1e-15)
    p = (5 - 2) / 7
    assert r[5] == pytest.approx(low + (lr - low) / 2 * (1 + math.cos(math.pi * p)), rel=1e-15)
    assert r[9] == pytest.approx(low, rel=1e-12)
    lin = rates("onecycle", T, lr=1.0, pct_start=0.3, anneal_strategy="linear", div_factor=10, final_div_factor=100,
                three_phase=True)
    # e1 = 2, e2 = 4, e3 = 9: 0.1 -> 1 -> 0.1 -> 0.001
    expected = [0.1, 0.55, 1.0, 0.55, 0.1] + [0.1 + (0.001 - 0.1) * (k - 4) / 5 for k in range(5, 10)]
    np.testing.assert_allclose(lin, expected, rtol=1e-14)


def test_polynomial_reaches_zero_at_total_iters_and_stays():
    np.testing.assert_allclose(rates("polynomial", 7, lr=2.0, total_iters=4, power=2.0),
                               [2, 2 * 0.5625, 2 * 0.25, 2 * 0.0625, 0, 0, 0], rtol=1e-15, atol=0)
    np.testing.assert_allclose(rates("polynomial", 3, total_iters=5), [1, 0.8, 0.6], rtol=1e-15)  # power 1
    np.testing.assert_array_equal(rates("polynomial", 3, total_iters=2, power=0.0), [1, 1, 1])


def test_cyclic_triangular_modes():
    # up 2, down 3: 0.1 -> 0.5 in 2 epochs, back in 3, repeat
    tri = rates("cyclic", 11, lr=0.1, max_lr=0.5, step_size_up=2, step_size_down=3)
    up, down = 0.4 / 2, 0.4 / 3
    np.testing.assert_allclose(tri, [0.1, 0.1 + up, 0.5, 0.5 - down, 0.5 - 2 * down, 0.1, 0.1 + up, 0.5,
                                     0.5 - down, 0.5 - 2 * down, 0.1], rtol=1e-14)
    two = rates("cyclic", 9, lr=0.1, max_lr=0.5, step_size_up=2, mode="triangular2")  # height 0.4, 0.2, 0.1
    np.testing.assert_allclose(two, [0.1, 0.3, 0.5, 0.3, 0.1, 0.2, 0.3, 0.2, 0.1], rtol=1e-14)
    exp = rates("cyclic", 5, lr=0.0, max_lr=1.0, step_size_up=2, mode="exp_range", gamma=0.5)
    np.testing.assert_allclose(exp, [0.0, 0.5 * 0.5, 1.0 * 0.25, 0.5 * 0.125, 0.0], rtol=1e-15, atol=0)


def test_cyclic_default_top_is_four_times_the_rate():
    np.testing.assert_allclose(rates("cyclic", 4, lr=0.1, step_size_up=2), [0.1, 0.25, 0.4, 0.25], rtol=1e-15)


def test_polynomial_default_decays_over_the_run():
    np.testing.assert_allclose(rates("polynomial", 4, lr=2.0), [2.0, 1.5, 1.0, 0.5], rtol=1e-15)


def test_wsd_phases_and_shapes():
    # 10 epochs, warm-up 2, stable 4, decay 4 (p = 0, 1/4, 2/4, 3/4)
    kw = dict(lr=2.0, warmup_fraction=0.2, decay_fraction=0.4)
    head = [0.0, 1.0, 2.0, 2.0, 2.0, 2.0]
    np.testing.assert_allclose(rates("wsd", 10, **kw), head + [2 * (1 - math.sqrt(p)) for p in (0, 0.25, 0.5, 0.75)],
                               rtol=1e-15)
    np.testing.assert_allclose(rates("wsd", 10, decay_shape="linear", **kw), head + [2.0, 1.5, 1.0, 0.5], rtol=1e-15)
    np.testing.assert_allclose(rates("wsd", 10, decay_shape="1-square", **kw),
                               head + [2.0, 2 * (1 - 1 / 16), 2 * 0.75, 2 * (1 - 9 / 16)], rtol=1e-15)
    cos = [0.1 + 0.9 * (1 + math.cos(math.pi * p)) / 2 for p in (0, 0.25, 0.5, 0.75)]
    np.testing.assert_allclose(rates("wsd", 10, decay_shape="cosine", min_lr_ratio=0.1, **kw),
                               head + [2 * c for c in cos], rtol=1e-15)
    # defaults: no warm-up, the last 20% of the run decays; 0.29 * 100 is 29 epochs, not 28
    np.testing.assert_array_equal(rates("wsd", 5), [1, 1, 1, 1, 1])
    r = rates("wsd", 100, warmup_fraction=0.29, decay_fraction=0.01)
    assert (r[:29] < 1).all() and r[29] == 1 and r[29] == r[98] and r[99] == 1  # one decay epoch: p = 0


def test_invscaling_counts_samples_seen():
    np.testing.assert_allclose(
        rates("invscaling", 4, lr=0.5, n_samples=10, power_t=0.5), [0.5, 0.5 / 11**0.5, 0.5 / 21**0.5, 0.5 / 31**0.5], rtol=1e-15
    )


# ---------------------------------------------------------------- controllers


def run_controller(fn, hp, losses_after, lr=1.0, losses_before=None):
    """Drive a plain controller function over a loss sequence; returns the rate of every epoch."""
    cstate = np.zeros(8)
    hp = np.array(hp, dtype=np.float64)
    lrs = [lr]
    stops = []
    before = losses_before if losses_before is not None else [np.inf] * len(losses_after)
    for b, a in zip(before, losses_after):
        lr, accept, stop = fn(cstate, hp, lr, b, a)
        assert accept
        lrs.append(lr)
        stops.append(stop)
    return np.array(lrs), stops


def plateau_hp(factor=0.5, patience=2, threshold=1e-4, threshold_mode="rel", cooldown=0, min_lr=0.0, eps=1e-8):
    return get_schedule("plateau").kernel_hp(get_schedule("plateau").check(dict(
        factor=factor, patience=patience, threshold=threshold, threshold_mode=threshold_mode, cooldown=cooldown,
        min_lr=min_lr, eps=eps)))


def reductions(lrs):
    return [k for k in range(1, len(lrs)) if lrs[k] != lrs[k - 1]]


def test_plateau_reduces_after_more_than_patience_bad_epochs():
    # epoch 0 sets best; epochs 1, 2, 3 are bad; 3 > patience 2, so the rate of epoch 4 is halved
    lrs, _ = run_controller(plateau_step, plateau_hp(), [1.0] * 10)
    assert reductions(lrs) == [4, 7, 10]
    assert lrs[4] == 0.5 and lrs[7] == 0.25


def test_plateau_cooldown_ignores_bad_epochs():
    lrs, _ = run_controller(plateau_step, plateau_hp(cooldown=2), [1.0] * 12)
    assert reductions(lrs) == [4, 9]  # after epoch 3, then 2 cooldown epochs and 3 more bad ones


def test_plateau_threshold_modes():
    losses = [1.0 - 0.001 * k for k in range(12)]  # falls by 0.001 an epoch
    rel, _ = run_controller(plateau_step, plateau_hp(threshold=0.01), losses)  # needs 1% improvement: never
    assert reductions(rel) == [4, 7, 10]
    ab, _ = run_controller(plateau_step, plateau_hp(threshold=0.0005, threshold_mode="abs"), losses)
    assert reductions(ab) == []
    # needs 0.0055 below the best: epochs 1-3 bad (reduce), 4-5 bad, 6 better (0.994), 7-9 bad (reduce)
    ab, _ = run_controller(plateau_step, plateau_hp(threshold=0.0055, threshold_mode="abs"), losses)
    assert reductions(ab) == [4, 10]


def test_plateau_min_lr_and_eps():
    lrs, _ = run_controller(plateau_step, plateau_hp(factor=0.1, patience=0, min_lr=0.05), [1.0] * 5)
    np.testing.assert_allclose(lrs, [1, 1, 0.1, 0.05, 0.05, 0.05])
    lrs, _ = run_controller(plateau_step, plateau_hp(patience=0), [1.0] * 4, lr=1.5e-8)
    np.testing.assert_array_equal(lrs, [1.5e-8, 1.5e-8, 1.5e-8, 1.5e-8, 1.5e-8])  # 7.5e-9 drop < eps


def adaptive_hp(tol=1e-4, n_iter_no_change=2):
    return get_schedule("adaptive").kernel_hp(get_schedule("adaptive").check(dict(tol=tol, n_iter_no_change=n_iter_no_change)))


def test_adaptive_divides_by_five_and_uses_the_loss_at_the_start_of_the_epoch():
    flat = [1.0] * 8
    lrs, stops = run_controller(adaptive_step, adaptive_hp(), [np.nan] * 8, losses_before=flat)
    # epoch 0 sets best (count 0); epochs 1, 2, 3 count 1, 2, 3 > 2: divide after epoch 3; again after 6
    assert reductions(lrs) == [4, 7]
    np.testing.assert_allclose(lrs[[3, 4, 7]], [1, 0.2, 0.04])
    assert not any(stops)
    falling = [1.0 - 1e-3 * k for k in range(8)]  # improves by more than tol every epoch
    lrs, _ = run_controller(adaptive_step, adaptive_hp(), [np.nan] * 8, losses_before=falling)
    assert reductions(lrs) == []
    lrs, _ = run_controller(adaptive_step, adaptive_hp(tol=2e-3), [np.nan] * 8, losses_before=falling)
    assert reductions(lrs) == [4, 7]


def test_adaptive_stops_when_the_rate_is_already_tiny():
    lrs, stops = run_controller(adaptive_step, adaptive_hp(), [0.0] * 4, lr=1e-6, losses_before=[1.0] * 4)
    assert stops == [False, False, False, True]
    assert reductions(lrs) == []


@pytest.mark.parametrize("name", ["bold-driver", "plateau", "adaptive"])
@pytest.mark.parametrize("seed", range(4))
def test_compiled_controllers_equal_the_references(name, seed):
    rng = np.random.default_rng(seed)
    schedule = get_schedule(name)
    params = {
        "bold-driver": dict(increase=1.1, decrease=0.6),
        "plateau": dict(factor=0.5, patience=int(rng.integers(0, 4)), threshold=float(rng.choice([0.0, 1e-3, 0.02])),
                        threshold_mode=str(rng.choice(["rel", "abs"])), cooldown=int(rng.integers(0, 3)),
                        min_lr=float(rng.choice([0.0, 1e-3]))),
        "adaptive": dict(tol=float(rng.choice([0.0, 1e-3])), n_iter_no_change=int(rng.integers(1, 4))),
    }[name]
    values = schedule.check(params)
    hp = np.array(schedule.kernel_hp(values))
    reference = REFERENCE_CONTROLLERS[schedule.controller]
    # a noisy, mostly flat loss with long stalls, and a tiny start rate to reach the adaptive stop
    losses = 1.0 + np.cumsum(rng.normal(0.0, 1e-3, 300)) * (rng.random(300) < 0.3)
    cstate, ref_state = np.zeros(8), {}
    lr = ref_lr = 1e-4
    for before, after in zip(losses[:-1], losses[1:]):
        got = controller_step(schedule.controller, cstate, hp, lr, before, after)
        want = reference(ref_state, values, ref_lr, before, after)
        assert got == want
        lr, ref_lr = got[0], want[0]
        if got[2]:
            break


def test_choice_values_reach_the_kernel_as_their_index():
    plateau = get_schedule("plateau")
    hp = plateau.kernel_hp(plateau.check({"threshold_mode": "abs", "patience": 3}))
    assert hp == [0.1, 3.0, 1e-4, 1.0, 0.0, 0.0, 1e-8]


# ---------------------------------------------------------------- any optimizer x any schedule


@pytest.fixture(scope="module")
def problem():
    data = dlbench.make_dataset("random", 60, 5, seed=1)
    return data.X, data.y, dlbench.init_params(5, 4, init="glorot", seed=2)


PARAMS = {
    "step": {"step_size": 5, "gamma": 0.5},
    "multistep": {"milestones": [3, 10]},
    "exponential": {"gamma": 0.9},
    "cosine": {},
    "cosine-restarts": {"t_0": 4, "t_mult": 2, "eta_min": 1e-3},
    "linear-warmup": {"warmup_epochs": 5, "start_factor": 0.1, "then": "cosine"},
    "onecycle": {},
    "invscaling": {"power_t": 0.25},
    "polynomial": {"total_iters": 20, "power": 2.0},
    "cyclic": {"max_lr": 0.6, "step_size_up": 4, "step_size_down": 6, "mode": "triangular2"},
    "wsd": {"warmup_fraction": 0.2, "decay_fraction": 0.3, "decay_shape": "cosine", "min_lr_ratio": 0.1},
    "plateau": {"patience": 1, "threshold": 0.05},
    "adaptive": {"n_iter_no_change": 1, "tol": 0.01},
    "bold-driver": {},
}
OPTIMIZERS_TRIED = [name for name in ("gd", "minibatch", "momentum", "adam", "rmsprop") if name in OPTIMIZERS]


def test_every_schedule_is_exercised_here():
    assert set(PARAMS) | {"constant"} == set(SCHEDULES)


@pytest.mark.parametrize("schedule", list(PARAMS))
@pytest.mark.parametrize("optimizer", OPTIMIZERS_TRIED)
def test_any_optimizer_with_any_schedule_equals_the_reference(problem, optimizer, schedule, reference_orders_from_oracle):
    X, y, params = problem
    lr = 0.05 if optimizer in ("adam", "rmsprop") else 0.3
    kwargs = dict(optimizer=optimizer, epochs=25, lr=lr, seed=5, schedule=schedule, schedule_params=PARAMS[schedule])
    result = dlbench.train(X, y, params, **kwargs)
    losses, _, lrs, _ = reference_train(X, y, params, **kwargs)
    # mini-batch references take their orders from the independent oracle, not the kernel's generator
    assert bool(reference_orders_from_oracle) == (result.batch_size < X.shape[0])
    assert result.schedule == schedule
    np.testing.assert_allclose(result.learning_rates, lrs, rtol=1e-12, atol=0)
    np.testing.assert_allclose(result.losses, losses, rtol=1e-9, atol=0)
    spec = get_schedule(schedule)
    if not spec.controller:
        expected = spec.rates(lr, 25, spec.check(PARAMS[schedule]), X.shape[0])
        np.testing.assert_array_equal(result.learning_rates, expected)


def test_controllers_change_the_rate_inside_training(problem):
    X, y, params = problem
    plateau = dlbench.train(X, y, params, optimizer="gd", epochs=40, lr=0.3, schedule="plateau",
                            schedule_params={"patience": 1, "threshold": 0.05})
    assert len(set(plateau.learning_rates)) > 1
    bold = dlbench.train(X, y, params, optimizer="momentum", epochs=40, lr=0.3, schedule="bold-driver")
    assert len(set(bold.learning_rates)) > 1


def test_adaptive_stop_is_recorded_as_converged(problem):
    X, y, params = problem
    result = dlbench.train(X, y, params, optimizer="gd", epochs=50, lr=1e-6, schedule="adaptive",
                           schedule_params={"n_iter_no_change": 3})
    # epoch 0 sets the best loss, epochs 1-4 do not improve by tol: stop after epoch 4
    assert result.converged and not result.diverged
    assert result.epochs_run == 5
    assert result.learning_rates.shape == (5,)


# ---------------------------------------------------------------- bad values


@pytest.mark.parametrize(
    "schedule,params,name",
    [
        ("step", {"gamma": 0.0}, "gamma"),
        ("step", {"gamma": 1.5}, "gamma"),
        ("step", {"step_size": 0}, "step_size"),
        ("step", {"step_size": 2.5}, "step_size"),
        ("multistep", {"milestones": [5, 3]}, "milestones"),
        ("multistep", {"milestones": [3, 3]}, "milestones"),
        ("multistep", {"milestones": [-1, 3]}, "milestones"),
        ("multistep", {"milestones": "a b"}, "milestones"),
        ("exponential", {"gamma": -0.5}, "gamma"),
        ("cosine", {"t_max": 0}, "t_max"),
        ("cosine", {"eta_min": -1.0}, "eta_min"),
        ("cosine-restarts", {"t_mult": 1.5}, "t_mult"),
        ("cosine-restarts", {"t_mult": 0}, "t_mult"),
        ("cosine-restarts", {"t_0": 0}, "t_0"),
        ("linear-warmup", {"warmup_epochs": 0}, "warmup_epochs"),
        ("linear-warmup", {"start_factor": 0.0}, "start_factor"),
        ("linear-warmup", {"then": "plateau"}, "then"),
        ("linear-warmup", {"then": "nope"}, "then"),
        ("linear-warmup", {"then_params": [1, 2]}, "then_params"),
        ("linear-warmup", {"then_params": "gamma"}, "then_params"),
        ("linear-warmup", {"then": "cosine", "then_params": {"step_every": "batch"}}, "then_params"),
        ("onecycle", {"pct_start": 1.0}, "pct_start"),
        ("onecycle", {"pct_start": 0.0}, "pct_start"),
        ("onecycle", {"anneal_strategy": "cosine"}, "anneal_strategy"),
        ("onecycle", {"div_factor": 0}, "div_factor"),
        ("plateau", {"factor": 1.0}, "factor"),
        ("plateau", {"factor": 0.0}, "factor"),
        ("plateau", {"patience": -1}, "patience"),
        ("plateau", {"threshold_mode": "relative"}, "threshold_mode"),
        ("plateau", {"threshold": 1.0}, "threshold"),
        ("adaptive", {"n_iter_no_change": 0}, "n_iter_no_change"),
        ("adaptive", {"tol": -1e-3}, "tol"),
        ("invscaling", {"power_t": -0.5}, "power_t"),
        ("polynomial", {"total_iters": 0}, "total_iters"),
        ("polynomial", {"power": -1.0}, "power"),
        ("cyclic", {"max_lr": 0.0}, "max_lr"),
        ("cyclic", {"max_lr": 1.0, "step_size_up": 0}, "step_size_up"),
        ("cyclic", {"max_lr": 1.0, "step_size_down": 0}, "step_size_down"),
        ("cyclic", {"max_lr": 1.0, "mode": "triangle"}, "mode"),
        ("cyclic", {"max_lr": 1.0, "gamma": 0.0}, "gamma"),
        ("wsd", {"warmup_fraction": 1.5}, "warmup_fraction"),
        ("wsd", {"decay_fraction": 0.0}, "decay_fraction"),
        ("wsd", {"warmup_fraction": 0.6, "decay_fraction": 0.5}, "decay_fraction"),
        ("wsd", {"decay_shape": "sqrt"}, "decay_shape"),
        ("wsd", {"min_lr_ratio": 2.0}, "min_lr_ratio"),
    ],
)
def test_bad_values_name_the_parameter_and_the_schedule(problem, schedule, params, name):
    X, y, p = problem
    with pytest.raises(ConfigError) as info:
        dlbench.train(X, y, p, epochs=3, schedule=schedule, schedule_params=params)
    message = str(info.value)
    assert f"'{name}'" in message and f"the {schedule} schedule" in message


def test_then_params_are_checked_against_the_then_schedule(problem):
    X, y, p = problem
    with pytest.raises(ConfigError, match=r"'gamma' parameter of the exponential schedule .* 'then_params' of the linear-warmup"):
        dlbench.train(X, y, p, epochs=3, schedule="linear-warmup",
                      schedule_params={"then": "exponential", "then_params": {"gamma": 2.0}})
    with pytest.raises(ConfigError, match="constant schedule does not take the hyperparameter 't_max'"):
        dlbench.train(X, y, p, epochs=3, schedule="linear-warmup", schedule_params={"then_params": {"t_max": 3}})


def test_onecycle_needs_enough_epochs_for_every_phase(problem):
    X, y, p = problem
    with pytest.raises(ConfigError, match="'pct_start' parameter of the onecycle schedule .*epochs = 3"):
        dlbench.train(X, y, p, epochs=3, schedule="onecycle")
    with pytest.raises(ConfigError, match="pct_start"):
        dlbench.train(X, y, p, epochs=100, schedule="onecycle", schedule_params={"pct_start": 0.6, "three_phase": True})


def test_checked_values_check_again_unchanged():
    for name, params in PARAMS.items():
        schedule = get_schedule(name)
        once = schedule.check(params)
        assert schedule.check(once) == once
    assert get_schedule("cosine").check({"t_max": None})["t_max"] is None
