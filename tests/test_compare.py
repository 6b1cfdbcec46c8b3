"""Issue 4's protocol through the Python API: seeds, splits, tuning, targets, profiles, jobs."""

from dataclasses import replace
from pathlib import Path

import heldout_oracle as heldout
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
    # the documented rule, r > 0: NumPy's SeedSequence([7, r]), first 64-bit word, shifted right by one
    assert [repetition_seed(7, r) for r in (1, 2, 3)] == [3317731564112288844, 9139555415570476218, 2530781778362038830]
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
    full = dlbench.make_dataset("random", 100, 10, seed=0)
    train_rows, test_rows = heldout.split_rows(100, 0.25, 0, 1)  # by hand, from the documented rule
    assert (len(train_rows), len(test_rows)) == (75, 25)
    X, y = full.X[train_rows], full.y[train_rows]  # synthetic data is not standardised
    params = dlbench.init_params(10, 8, "glorot", seed=0)
    direct = dlbench.train(X, y, params, optimizer="gd", epochs=40, X_test=full.X[test_rows], y_test=full.y[test_rows])
    np.testing.assert_array_equal(rec.result.losses, direct.losses)
    np.testing.assert_array_equal(rec.result.test_losses, direct.test_losses)
    # the held-out set never influences training
    alone = dlbench.train(X, y, params, optimizer="gd", epochs=40)
    np.testing.assert_array_equal(alone.losses, direct.losses)
    summary = c.summary()
    assert summary["test_loss"].iloc[0] == rec.result.test_losses[-1]


def test_summary_csv_time_ratio_and_its_spread_by_hand(tmp_path):
    from dlbench.results.writer import ResultsWriter

    c = compare(small(epochs=5), repeat=3)
    # Constructed timings (the three repeats of each run), so the expected ratios are known exactly.
    seconds = {"gd": [3.52, 4.0, 4.48], "sgd": [11.4, 12.0, 12.6], "adam": [8.0, 8.0, 8.0]}
    for rec in c.records:
        rec.seconds, rec._row = seconds[rec.run.name], None
    ResultsWriter(tmp_path).update(c)
    summary = pd.read_csv(tmp_path / "summary.csv").set_index("optimizer")
    # Medians and sample standard deviations (ddof=1): gd 4.0 +- 0.48 (12 %), sgd 12.0 +- 0.6 (5 %),
    # adam 8.0 +- 0. gd is the fastest: its ratio to itself is exactly 1 +- 0.
    # sgd: 12 / 4 = 3, sigma = 3 * sqrt(0.05^2 + 0.12^2) = 3 * 0.13 = 0.39 (hyperfine's propagation).
    # adam: 8 / 4 = 2, sigma = 2 * sqrt(0^2 + 0.12^2) = 0.24.
    rows = summary.loc[["gd", "sgd", "adam"]]
    np.testing.assert_allclose(rows["train_seconds"], [4.0, 12.0, 8.0], rtol=1e-15)
    np.testing.assert_allclose(rows["train_seconds_std"], [0.48, 0.6, 0.0], rtol=1e-13, atol=0)
    np.testing.assert_allclose(rows["time_ratio"], [1.0, 3.0, 2.0], rtol=1e-15)
    np.testing.assert_allclose(rows["time_ratio_std"], [0.0, 0.39, 0.24], rtol=1e-13, atol=0)


@pytest.fixture
def shifted_csv(tmp_path):
    """A CSV file whose test rows (seed 4, fraction 0.3) have far other means and spreads."""
    path = tmp_path / "shifted.csv"
    X, y = heldout.write_shifted_csv(path, n=40, fraction=0.3, seed=4)
    return path, X, y, 4


def test_csv_test_split_is_scaled_with_the_training_statistics(shifted_csv):
    path, X, y, seed = shifted_csv
    exp = replace(default_experiment(), file=str(path), target_column="y", test_fraction=0.3, epochs=1, n_hidden=3,
                  init="uniform", seed=seed, runs=(Run("gd"),))
    first = compare(exp, repeat=1).curves().query("epoch == 0").iloc[0]
    # By hand: the split, then z-scores of both parts with the training rows' mean and std.
    train_rows, test_rows = heldout.split_rows(len(y), 0.3, seed, 1)
    assert (len(train_rows), len(test_rows)) == (28, 12)
    Z_test = (X[test_rows] - X[train_rows].mean(axis=0)) / X[train_rows].std(axis=0)
    assert np.abs(Z_test.mean(axis=0)).min() > 2  # the test part is far from the training part
    params = dlbench.init_params(2, 3, "uniform", seed)  # repetition 0 starts from the base seed
    (train_loss, test_loss), leaked = heldout.expected_initial_losses(X, y, params, 0.3, seed)
    assert first["loss"] == pytest.approx(train_loss, rel=1e-12)
    assert first["test_loss"] == pytest.approx(test_loss, rel=1e-12)
    # The whole file's statistics (a leak) would give clearly other losses: the check can fail.
    assert abs(leaked[0] - train_loss) > 0.1 * train_loss and abs(leaked[1] - test_loss) > 0.1 * test_loss


def test_csv_validation_split_is_scaled_with_the_fitting_statistics(shifted_csv):
    path, X, y, seed = shifted_csv
    exp = replace(default_experiment(), file=str(path), target_column="y", test_fraction=0.3, epochs=1, n_hidden=3,
                  init="uniform", seed=seed, runs=(Run("gd"),), tune="lr", budget=2)
    trial = next(iter(compare(exp, repeat=1).trials.values())).result
    # Tuning trials fit on the training part minus a validation split, scaled with the fitting rows only.
    train_rows, _ = heldout.split_rows(len(y), 0.3, seed, 1)
    fit_at, val_at = heldout.split_rows(len(train_rows), 0.2, seed, 2)
    fit_rows, val_rows = train_rows[fit_at], train_rows[val_at]
    mean, std = X[fit_rows].mean(axis=0), X[fit_rows].std(axis=0)
    params = dlbench.init_params(2, 3, "uniform", seed)
    fit_loss = heldout.bce_at((X[fit_rows] - mean) / std, y[fit_rows], params)
    val_loss = heldout.bce_at((X[val_rows] - mean) / std, y[val_rows], params)
    assert trial.losses[0] == pytest.approx(fit_loss, rel=1e-12)
    assert trial.test_losses[0] == pytest.approx(val_loss, rel=1e-12)


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
    # AlgoPerf's score by hand from summary.csv: per problem r = t / fastest t (never reached: inf),
    # each problem credits max(0, 4 - max(r, 1)) / 3, averaged over the two problems.
    summary = c.summary()
    t = summary.assign(t=summary["seconds_to_target"].fillna(np.inf)).set_index(["problem", "optimizer"])["t"]
    for name in ("gd", "sgd", "adam"):
        credit = [max(0.0, 4.0 - max(t[p, name] / t[p].min(), 1.0)) / 3.0 if np.isfinite(t[p, name]) else 0.0
                  for p in ("a", "b")]
        score = profile.loc[profile["optimizer"] == name, "score"].iloc[0]
        assert score == pytest.approx(np.mean(credit), rel=1e-12, abs=1e-15)
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
        ("[tuning]\nparameter = \"nosuch\"\n", "line 2"),
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


def test_every_optimizer_runs_under_compare_every():
    c = compare(replace(default_experiment(), epochs=30), optimizers=["every"], repeat=1)
    summary = c.summary()
    assert sorted(summary["optimizer"]) == sorted(dlbench.OPTIMIZERS)
    assert np.isfinite(summary["final_loss"]).all()


def test_optimizer_groups():
    from dlbench.optimizers import GROUPS, expand_names

    classic = ["gd", "sgd", "minibatch", "dynamic", "momentum", "nesterov", "adagrad", "rmsprop", "adadelta", "adam",
               "amsgrad", "adamw", "adamax", "nadam", "radam", "rprop", "lion", "lbfgs"]  # dlbench 0.1's registry
    assert [r.optimizer for r in default_experiment().runs] == classic == expand_names(["all"])
    assert set(GROUPS["all-2026"]) == set(dlbench.OPTIMIZERS) - set(classic) and {"lars", "muon", "lamb"} <= set(GROUPS["all-2026"])
    assert expand_names(["adam", "all", "muon", "every"])[:2] == ["adam", "gd"] and len(expand_names(["every"])) == len(dlbench.OPTIMIZERS)
    with pytest.raises(ConfigError, match="or a group: all, all-2026, every"):
        expand_names(["al"])


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


def test_time_ratio_is_never_relative_to_a_diverged_run():
    import pandas as pd

    from dlbench.study.compare import final_summary

    rows = pd.DataFrame({
        "problem": ["p", "p", "p", "q"], "optimizer": ["a", "b", "c", "a"], "repetition": [0, 0, 0, 0],
        "final_loss": [0.5, np.inf, 0.2, 0.1], "diverged": [False, True, False, True],
        "train_seconds": [4.0, 1.0, 2.0, 3.0], "train_seconds_std": [0.0, 0.0, 0.0, 0.0],
    })
    out = final_summary(rows, ["p", "q"]).set_index(["problem", "optimizer"])["time_ratio"]
    # p: the fastest run that did not diverge is c (2 s), not b (1 s, diverged after one epoch)
    assert out[("p", "c")] == 1.0 and out[("p", "a")] == 2.0 and out[("p", "b")] == 0.5
    assert out[("q", "a")] == 1.0  # all diverged: the fastest of them
