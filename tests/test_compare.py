"""Issue 4's protocol through the Python API: seeds, splits, tuning, targets, profiles, jobs."""

from dataclasses import replace
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

import dlbench
from dlbench.study.compare import compare, lr_grid, repetition_seed
from dlbench.errors import ConfigError
from dlbench.study.experiment import Problem, Run, Target, default_experiment, load_experiment

EXPERIMENTS = Path(__file__).resolve().parent.parent / "experiments"


def small(**changes):
    base = replace(default_experiment(), epochs=40, runs=(Run("gd"), Run("sgd"), Run("adam")))
    return replace(base, **changes)


def numbers(comparison):
    return comparison.curves().drop(columns="elapsed_s").sort_values(["problem", "optimizer", "seed", "epoch"]).reset_index(drop=True)


def test_repetition_seeds_are_fixed_and_distinct():
    assert repetition_seed(7, 0) == 7
    seeds = [repetition_seed(7, r) for r in range(1, 20)]
    assert len(set(seeds)) == 19 and all(0 <= s < 2**63 for s in seeds)
    assert seeds == [repetition_seed(7, r) for r in range(1, 20)]
    assert repetition_seed(8, 1) != repetition_seed(7, 1)


def test_results_do_not_depend_on_jobs_or_order():
    exp = small(seeds=3)
    one = compare(exp, jobs=1, repeat=1)
    two = compare(exp, jobs=2, repeat=1)
    pd.testing.assert_frame_equal(numbers(one), numbers(two), check_exact=True)
    flipped = compare(replace(exp, runs=tuple(reversed(exp.runs))), jobs=2, repeat=1)
    pd.testing.assert_frame_equal(numbers(one), numbers(flipped), check_exact=True)


def test_seeds_change_start_and_order_but_not_the_data():
    exp = small(seeds=3, runs=(Run("sgd"),))
    c = compare(exp, repeat=1)
    first = c.curves().query("epoch == 0")
    assert first["loss"].nunique() == 3  # three initial parameter draws
    assert sorted(c.summary()["seed"]) == sorted(repetition_seed(0, r) for r in range(3))


def test_repetition_zero_is_plain_train_with_the_base_seed():
    exp = small(runs=(Run("sgd"),), seed=5)
    rec = compare(exp, repeat=1).records[0]
    data = dlbench.make_dataset("random", 100, 10, seed=0)
    params = dlbench.init_params(10, 8, "glorot", seed=5)
    direct = dlbench.train(data.X, data.y, params, optimizer="sgd", epochs=40, seed=5)
    np.testing.assert_array_equal(rec.result.losses, direct.losses)


def test_test_split_is_held_out_and_measured():
    exp = small(test_fraction=0.25, runs=(Run("gd"),))
    c = compare(exp, repeat=1)
    rec = c.records[0]
    assert rec.result.test_losses is not None and len(rec.result.test_losses) == 41
    from dlbench.data import split

    full = dlbench.make_dataset("random", 100, 10, seed=0)
    from dlbench.study.compare import _sub_seed

    train, test = split(full, 0.25, _sub_seed(repetition_seed(0, 0), 1))
    assert (train.n_samples, test.n_samples) == (75, 25)
    params = dlbench.init_params(10, 8, "glorot", seed=0)
    direct = dlbench.train(train.X, train.y, params, optimizer="gd", epochs=40, X_test=test.X, y_test=test.y)
    np.testing.assert_array_equal(rec.result.losses, direct.losses)
    np.testing.assert_array_equal(rec.result.test_losses, direct.test_losses)
    # the held-out set never influences training
    alone = dlbench.train(train.X, train.y, params, optimizer="gd", epochs=40)
    np.testing.assert_array_equal(alone.losses, direct.losses)
    summary = c.summary()
    assert summary["test_loss"].iloc[0] == rec.result.test_losses[-1]


def test_tuning_protocol_grid_validation_and_selection():
    exp = small(tune="lr", budget=4, test_fraction=0.2, seeds=2, lr_min=1e-3, lr_max=1.0)
    c = compare(exp, repeat=1)
    np.testing.assert_allclose(lr_grid(exp), [1e-3, 1e-2, 1e-1, 1.0])
    tuning = c.tuning()
    assert len(tuning) == 3 * 4 and tuning["selected"].sum() == 3
    for name, group in tuning.groupby("optimizer"):
        scores = group["val_loss"].where(~group["diverged"], np.inf)
        best = group.loc[scores.idxmin(), "lr"]
        assert group.loc[group["selected"], "lr"].item() == best
        finals = c.summary().query("optimizer == @name")
        assert (finals["lr"] == best).all() and len(finals) == 2
    # trials train on training minus validation (80 train -> 64 fit + 16 validation) and never see the test split
    trial = next(iter(c.trials.values()))
    assert trial.result.test_losses is not None
    from dlbench.study.compare import _splits, load_problem

    data = _splits(load_problem(exp.resolved_problems()[0]), exp.resolved_problems()[0], exp, 0)
    assert (data.fit.n_samples, data.val.n_samples, data.test.n_samples) == (64, 16, 20)
    rows = {tuple(r) for r in data.train.X}
    assert all(tuple(r) in rows for r in data.val.X) and not any(tuple(r) in rows for r in data.test.X)


def test_one_shot_budget_means_no_tuning():
    exp = small(tune="lr", budget="one-shot")
    c = compare(exp, repeat=1)
    assert not c.trials and c.tuning().empty
    assert set(c.summary()["lr"]) == {dlbench.get_optimizer(n).default_lr for n in ("gd", "sgd", "adam")}


def test_time_to_target_on_a_constructed_run():
    exp = small(runs=(Run("gd", lr=0.05),))
    curve = compare(exp, repeat=1).records[0].result.losses
    assert np.all(np.diff(curve) < 0)  # gd with a small rate: the loss falls every epoch
    k = 17
    hit = replace(exp, target=Target("loss", float(curve[k])))
    summary = compare(hit, repeat=1).summary()
    assert summary["epochs_to_target"].item() == k
    assert summary["seconds_to_target"].item() > 0
    never = compare(replace(exp, target=Target("loss", -1.0)), repeat=1).summary()
    assert np.isnan(never["epochs_to_target"].item()) and np.isnan(never["seconds_to_target"].item())


def test_several_problems_give_a_profile():
    problems = (
        Problem("a", "linear", 60, 4, target=Target("loss", 0.5)),
        Problem("b", "xor", 60, 3, target=Target("loss", 0.6)),
    )
    c = compare(small(problems=problems), repeat=1)
    profile = c.profile()
    assert set(profile.columns) == {"optimizer", "tau", "rho", "score"}
    assert set(profile["optimizer"]) == {"gd", "sgd", "adam"}
    assert profile["score"].between(0, 1).all() and profile["rho"].between(0, 1).all()
    assert set(c.summary()["problem"]) == {"a", "b"}
    stats = c.stats()
    assert len(stats) == 6 and {"final_loss_ci_low", "reached_target"} <= set(stats.columns)


def test_shipped_experiments_load_and_match_code():
    for name in ("article", "default", "tuned", "suite"):
        load_experiment(EXPERIMENTS / f"{name}.toml")
    assert replace(load_experiment(EXPERIMENTS / "default.toml"), source=None) == default_experiment()
    assert replace(load_experiment(EXPERIMENTS / "article.toml"), source=None) == dlbench.article_experiment()
    tuned = load_experiment(EXPERIMENTS / "tuned.toml")
    assert tuned.n_trials == 25 and tuned.seeds == 10 and tuned.test_fraction == 0.2
    suite = load_experiment(EXPERIMENTS / "suite.toml")
    assert len(suite.resolved_problems()) == 4 and all(p.target for p in suite.resolved_problems())


@pytest.mark.parametrize(
    "text,needle",
    [
        ("[training]\nseeds = 0\n", "'seeds'"),
        ("[training]\ntest_fraction = 1.5\n", "'test_fraction'"),
        ("[tuning]\nbudget = \"huge\"\n", "'budget'"),
        ("[tuning]\nparameter = \"momentum\"\n", "line 2"),
        ("[target]\nmetric = \"speed\"\nvalue = 1\n", "speed"),
        ("[target]\nmetric = \"test_loss\"\nvalue = 0.1\n", "test_fraction"),
        ("[[problems]]\nname = \"a\"\nproblem = \"random\"\nsize = 3\n", "line 4"),
        ("[[problems]]\nname = \"a\"\ntarget = { metric = \"loss\" }\n", "line 3"),
        ("[[problems]]\nname = \"a\"\n[[problems]]\nname = \"a\"\n", "both called 'a'"),
    ],
)
def test_bad_experiment_files(tmp_path, text, needle):
    path = tmp_path / "bad.toml"
    path.write_text(text)
    with pytest.raises(ConfigError) as info:
        load_experiment(path)
    assert needle in str(info.value) and "bad.toml" in str(info.value)


def test_every_optimizer_runs_under_compare_all():
    c = compare(replace(default_experiment(), epochs=30), repeat=1)
    summary = c.summary()
    assert sorted(summary["optimizer"]) == sorted(dlbench.OPTIMIZERS)
    assert np.isfinite(summary["final_loss"]).all()


@pytest.mark.parametrize("schedule", sorted(dlbench.SCHEDULES))
def test_every_schedule_trains_in_minibatch_mode(schedule):
    data = dlbench.make_dataset("teacher", 64, 5, seed=1)
    params = dlbench.init_params(5, 4, "glorot", seed=1)
    result = dlbench.train(data.X, data.y, params, optimizer="minibatch", batch_size=16, epochs=30, schedule=schedule)
    assert result.epochs_run >= 1 and np.all(np.isfinite(result.losses)) and np.all(result.learning_rates > 0)


@pytest.mark.parametrize("optimizer", sorted(set(dlbench.OPTIMIZERS) - {"lbfgs"}))
def test_every_optimizer_trains_in_minibatch_mode(optimizer):
    data = dlbench.make_dataset("teacher", 64, 5, seed=1)
    params = dlbench.init_params(5, 4, "glorot", seed=1)
    result = dlbench.train(data.X, data.y, params, optimizer=optimizer, batch_size=16, epochs=20)
    assert np.all(np.isfinite(result.losses))


@pytest.mark.parametrize("jobs", [1, 2])
def test_ctrl_c_stops_the_kernels_and_keeps_finished_runs(jobs):
    import os
    import signal
    import threading

    exp = small(epochs=200_000, runs=(Run("gd"), Run("momentum"), Run("adam"), Run("nesterov")))
    timer = threading.Timer(0.5, lambda: os.kill(os.getpid(), signal.SIGINT))
    timer.start()
    c = compare(exp, repeat=1, jobs=jobs)
    timer.join()
    assert c.interrupted and len(c.finished) < 4
    assert all(rec.result.epochs_run == 200_000 for rec in c.finished.values())  # only whole runs are kept
    assert signal.getsignal(signal.SIGINT) is signal.default_int_handler  # handler restored
    assert dlbench.train(*_tiny(), optimizer="gd", epochs=3).epochs_run == 3  # nothing left set


def _tiny():
    data = dlbench.make_dataset("random", 10, 2, seed=0)
    return data.X, data.y, dlbench.init_params(2, 2, seed=0)
