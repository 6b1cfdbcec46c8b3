"""Tuning several hyperparameters with one budget (``--tune lr,momentum,beta2,weight_decay``):
scrambled Halton points (checked against radical inverses worked out by hand and against the
stratification a digit scrambling must keep), the search spaces, and the study (every optimizer
gets exactly the budget, the same trials; the same seed gives the same trials; the selected
setting is the best trial's; a resumed folder ends as an uninterrupted one)."""

from __future__ import annotations

import json
import math
from dataclasses import replace

import numpy as np
import pandas as pd
import pytest
from typer.testing import CliRunner

import dlbench.results.writer as W
from dlbench.cli import app
from dlbench.errors import ConfigError
from dlbench.study.compare import TUNING_COLUMNS, compare, lr_grid
from dlbench.study.experiment import Experiment, Run, load_experiment
from dlbench.study.halton import digits, halton, permutations, primes, radical_inverse, scrambled_radical_inverse
from dlbench.study.tuning import Space, search_space, trial_settings, tuned_names

runner = CliRunner()


# --- Halton points ------------------------------------------------------------------------------

def test_primes_and_digit_counts():
    assert primes(6) == [2, 3, 5, 7, 11, 13]
    assert digits(2) == 53  # float64's 53 bits
    assert digits(3) == 34 and 3.0**-34 < 2.0**-53 < 3.0**-33


def test_unscrambled_points_are_the_radical_inverses_by_hand():
    points = halton(8, 3)  # indices 1..8
    assert points[:, 0].tolist() == [1 / 2, 1 / 4, 3 / 4, 1 / 8, 5 / 8, 3 / 8, 7 / 8, 1 / 16]
    assert points[:, 1].tolist() == pytest.approx([1 / 3, 2 / 3, 1 / 9, 4 / 9, 7 / 9, 2 / 9, 5 / 9, 8 / 9], abs=3e-16)
    assert points[:, 2].tolist() == pytest.approx([1 / 5, 2 / 5, 3 / 5, 4 / 5, 1 / 25, 6 / 25, 11 / 25, 16 / 25],
                                                  abs=3e-16)
    # index 0 is the origin, skipped unless asked for
    assert halton(2, 1, start=0)[:, 0].tolist() == [0.0, 0.5]
    # 11 = 102 in base 3 (digits 2, 0, 1 from the least significant): 2/3 + 0/9 + 1/27
    assert radical_inverse([11], 3)[0] == pytest.approx(2 / 3 + 1 / 27, abs=3e-16)


def test_the_identity_scramble_is_no_scramble():
    for base in (2, 3, 7):
        identity = np.tile(np.arange(base), (digits(base), 1))
        idx = np.arange(1, 50)
        assert np.array_equal(scrambled_radical_inverse(idx, base, identity), radical_inverse(idx, base))


def test_swapping_every_binary_digit_by_hand():
    """Base 2 with 0 <-> 1 at all 53 positions: index 1 (digits 1, 0, 0, ...) becomes
    0.0111...1 = 1/2 - 2^-53; index 2 (0, 1, 0, ...) becomes 0.1011...1 = 3/4 - 2^-53."""
    swap = np.tile([1, 0], (53, 1))
    values = scrambled_radical_inverse([1, 2, 3], 2, swap)
    assert values.tolist() == [0.5 - 2.0**-53, 0.75 - 2.0**-53, 0.25 - 2.0**-53]


@pytest.mark.parametrize("base,k", [(2, 10), (3, 6), (5, 4), (7, 3)])
def test_scrambling_keeps_the_stratification(base, k):
    """Any base^k consecutive indices put one point in each interval [i b^-k, (i+1) b^-k)."""
    rng = np.random.default_rng(11)
    perm = permutations(base, rng)
    assert all(sorted(row) == list(range(base)) for row in perm.tolist())
    for start in (1, 17):
        u = scrambled_radical_inverse(np.arange(start, start + base**k), base, perm)
        assert ((0 <= u) & (u < 1)).all()
        assert sorted(np.floor(u * base**k).astype(int).tolist()) == list(range(base**k))
    assert not np.array_equal(u, radical_inverse(np.arange(17, 17 + base**k), base))


def test_scrambled_points_follow_the_seed():
    a, b, c = halton(64, 4, seed=[0, 3]), halton(64, 4, seed=[0, 3]), halton(64, 4, seed=[1, 3])
    assert np.array_equal(a, b) and not np.array_equal(a, c)
    assert a.shape == (64, 4) and ((a >= 0) & (a < 1)).all()
    # the first 32 points of the base-2 dimension: one in each of 32 cells
    assert sorted(np.floor(a[:32, 0] * 32).astype(int).tolist()) == list(range(32))


# --- search spaces -------------------------------------------------------------------------------

def test_space_scales_by_hand():
    assert Space("lr", 1e-4, 1.0, "log").at([0.0, 0.5, 0.75]).tolist() == pytest.approx([1e-4, 1e-2, 1e-1])
    assert Space("momentum", 0.5, 0.9, "linear").at([0.0, 0.25]).tolist() == pytest.approx([0.5, 0.6])


def test_spaces_come_from_the_registry():
    exp = Experiment(runs=(Run("sgd"), Run("adam"), Run("momentum")), tune="lr,momentum,beta2,weight_decay,eps",
                     budget=4, lr_min=1e-3, lr_max=1.0)
    spaces = {s.name: s for s in search_space(exp)}
    assert spaces["lr"] == Space("lr", 1e-3, 1.0, "log")
    assert spaces["momentum"] == Space("momentum", 0.0, 1.0, "linear")  # torch's [0, 1)
    assert spaces["beta2"] == Space("beta2", 0.0, 1.0, "linear")
    assert spaces["weight_decay"] == Space("weight_decay", 1e-5, 1e-1, "log")  # [0, inf) in the registry
    assert spaces["eps"].scale == "log" and spaces["eps"].low > 0
    assert tuned_names(" lr, momentum ,lr") == ("lr", "momentum")


def test_the_space_from_an_experiment_file(tmp_path):
    path = tmp_path / "t.toml"
    path.write_text('[tuning]\nparameter = ["lr", "momentum"]\nbudget = 6\n\n[tuning.space]\n'
                    'momentum = [0.5, 0.9]\nlr = { low = 0.01, high = 0.1, scale = "log" }\n\n'
                    '[[runs]]\noptimizer = "momentum"\n')
    exp = load_experiment(path)
    assert exp.tune == "lr,momentum" and exp.n_trials == 6
    settings = trial_settings(exp)
    assert len(settings) == 6
    assert all(0.5 <= s["momentum"] < 0.9 and 0.01 <= s["lr"] < 0.1 for s in settings)


@pytest.mark.parametrize("tune,space,needle", [
    ("nosuch", {}, "nosuch"),
    ("ns_a", {}, "[tuning.space]"),  # muon's Newton-Schulz coefficient has no range
    ("momentum", {"momentum": [0.5, 1.5]}, "tuning.space.momentum"),
    ("momentum", {"beta2": [0.5, 0.9]}, "tuning.space"),
    ("momentum", {"momentum": [0.9, 0.5]}, "low < high"),
    ("beta2", {}, "at least one of the experiment's optimizers"),
    ("momentum", {"momentum": "wide"}, "[low, high]"),
])
def test_bad_tuning_settings_are_one_clear_error(tune, space, needle):
    runs = (Run("momentum"),) if tune != "ns_a" else (Run("muon"),)
    with pytest.raises(ConfigError) as info:
        Experiment(runs=runs, tune=tune, budget=3, tune_space=space).check()
    assert needle in str(info.value)


# --- the study -----------------------------------------------------------------------------------

NAMES = ("lr", "momentum", "beta2", "weight_decay")


def multi(**kwargs) -> Experiment:
    base = dict(epochs=12, seeds=2, runs=(Run("gd"), Run("momentum"), Run("adam")), tune=",".join(NAMES), budget=5)
    return Experiment(**{**base, **kwargs})


@pytest.fixture(scope="module")
def study():
    return compare(multi())


def test_every_optimizer_gets_exactly_the_budget_and_the_same_trials(study):
    tuning = study.tuning()
    assert list(tuning.columns) == TUNING_COLUMNS[:4] + ["momentum", "beta2", "weight_decay"] + TUNING_COLUMNS[4:]
    assert tuning.groupby("optimizer").size().to_dict() == {"gd": 5, "momentum": 5, "adam": 5}
    by = {o: f.set_index("trial") for o, f in tuning.groupby("optimizer")}
    # the same points for all: lr and weight decay (which all three take) agree trial by trial
    for name in ("lr", "weight_decay"):
        assert by["gd"][name].tolist() == by["momentum"][name].tolist() == by["adam"][name].tolist()
    # the points are the scrambled Halton points of the seed, mapped into each space by hand
    u = halton(5, 4, seed=[0, 3])
    assert by["adam"]["lr"].tolist() == pytest.approx(np.exp(np.log(1e-4) + u[:, 0] * (np.log(10.0) - np.log(1e-4))),
                                                      rel=1e-14)
    assert by["momentum"]["momentum"].tolist() == pytest.approx(u[:, 1], rel=1e-15)
    assert by["adam"]["beta2"].tolist() == pytest.approx(u[:, 2], rel=1e-15)
    assert by["gd"]["weight_decay"].tolist() == pytest.approx(1e-5 * 1e4 ** u[:, 3], rel=1e-13)
    # a hyperparameter an optimizer lacks is skipped for it (and left empty in tuning.csv)
    assert by["gd"]["momentum"].isna().all() and by["gd"]["beta2"].isna().all()
    assert by["adam"]["momentum"].isna().all() and by["momentum"]["beta2"].isna().all()
    # each trial trained with those values
    for rec in study.trials.values():
        given = rec.result.hyperparameters
        row = by[rec.run.name].loc[rec.task.trial]
        assert rec.result.lr == row["lr"]
        for name in ("momentum", "beta2", "weight_decay"):
            if not math.isnan(row[name]):
                assert given[name] == row[name]


def test_the_selected_setting_is_the_best_trials(study):
    tuning = study.tuning()
    for optimizer, frame in tuning.groupby("optimizer"):
        scores = frame["val_loss"].where(~frame["diverged"], np.inf)
        best = frame.loc[scores.idxmin()]
        assert frame["selected"].sum() == 1 and bool(frame.loc[scores.idxmin(), "selected"])
        finals = [r for r in study.records if r.run.name == optimizer]
        assert len(finals) == 2
        for rec in finals:
            assert rec.result.lr == best["lr"]
            for name in ("momentum", "beta2", "weight_decay"):
                if not math.isnan(best[name]):
                    assert rec.result.hyperparameters[name] == best[name]


def test_the_same_seed_gives_the_same_trials_and_another_seed_others(study):
    again = compare(multi())
    cols = ["optimizer", "trial", "lr", "momentum", "beta2", "weight_decay", "val_loss", "selected"]
    pd.testing.assert_frame_equal(study.tuning()[cols], again.tuning()[cols])
    other = compare(multi(seed=1, seeds=1))
    assert not np.allclose(other.tuning()["lr"], study.tuning()["lr"])


def test_lr_alone_keeps_the_log_grid():
    exp = multi(tune="lr", budget=4, seeds=1)
    tuning = compare(exp).tuning()
    assert list(tuning.columns) == TUNING_COLUMNS
    assert tuning[tuning["optimizer"] == "adam"]["lr"].tolist() == lr_grid(exp).tolist()


def invoke(*args):
    return runner.invoke(app, [str(a) for a in args])


ARGS = ["compare", "gd", "adam", "--epochs", 10, "--seeds", 2, "--tune", "lr,beta2,weight_decay", "--budget", 4,
        "--no-plots"]


class Stop(Exception):
    pass


def test_tuning_csv_and_resume_of_a_multi_tuned_comparison(tmp_path, monkeypatch):
    full = invoke(*ARGS, "--out", tmp_path / "full")
    assert full.exit_code == 0, full.output
    (a,) = (tmp_path / "full").iterdir()
    tuning = pd.read_csv(a / "tuning.csv")
    assert list(tuning.columns) == TUNING_COLUMNS[:4] + ["beta2", "weight_decay"] + TUNING_COLUMNS[4:]
    assert tuning.groupby("optimizer")["selected"].sum().tolist() == [1, 1]
    config = json.loads((a / "config.json").read_text())
    assert [s["name"] for s in config["tuning"]["space"]] == ["lr", "beta2", "weight_decay"]

    original, calls = W.ResultsWriter.add_trial, {"n": 0}

    def dying(self, *args):
        original(self, *args)
        calls["n"] += 1
        if calls["n"] >= 5:
            raise Stop

    monkeypatch.setattr(W.ResultsWriter, "add_trial", dying)
    assert isinstance(invoke(*ARGS, "--out", tmp_path / "cut").exception, Stop)
    monkeypatch.undo()
    (b,) = (tmp_path / "cut").iterdir()
    resumed = invoke("resume", b, "--no-plots")
    assert resumed.exit_code == 0, resumed.output
    timings = {"train_seconds", "train_seconds_std", "seconds_per_epoch", "compile_seconds", "time_ratio",
               "time_ratio_std", "elapsed_s", "seconds_to_target"}
    for name in ("tuning.csv", "summary.csv", "curves.csv"):
        fa, fb = (pd.read_csv(f / name, dtype=str, keep_default_na=False) for f in (a, b))
        keep = [c for c in fa.columns if c not in timings and not c.startswith("train_seconds")]
        pd.testing.assert_frame_equal(fa[keep], fb[keep])


def test_the_cli_refuses_an_unknown_name(tmp_path):
    result = invoke("compare", "gd", "--tune", "lr,nosuch", "--budget", 3, "--no-plots", "--out", tmp_path)
    assert result.exit_code == 2
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and "'--tune'" in lines[0] and "nosuch" in lines[0]
    assert not list(tmp_path.iterdir())


def test_a_multi_tuned_experiment_round_trips_through_config_json():
    exp = replace(multi(), seeds=1, tune_space={"momentum": [0.5, 0.9]}, scheduler="local", chunk_size=4)
    assert Experiment.from_dict(json.loads(json.dumps(exp.to_dict()))) == exp
