"""dlbench.study.stats: quantiles, intervals, ratios, stats.csv aggregation, time to target, profiles.

Expected values are computed by hand in the comments, or are 20-digit values from mpmath
(50-digit arithmetic, t CDF from ``mpmath.betainc``) where noted. SciPy, when installed, is a
second reference; it is not a dependency.
"""

import io
import math

import numpy as np
import pandas as pd
import pytest

from dlbench.study.stats import (
    STATS_COLUMNS,
    aggregate,
    algoperf_score,
    first_reach,
    mean_ci,
    normal_quantile,
    performance_profile,
    performance_ratios,
    profile_table,
    ratio_with_uncertainty,
    t_quantile,
    time_to_target,
)

# t_{0.975, df} for df = 1, 2, 3, 4, 9, 30, 100, 1000 (mpmath, 20 digits).
T975 = {
    1: 12.706204736174693314,
    2: 4.3026527297494617894,
    3: 3.1824463052837084359,
    4: 2.7764451051977934898,
    9: 2.2621571627982049992,
    30: 2.0422724563012378878,
    100: 1.9839715185235518946,
    1000: 1.9623390808264081039,
}

# (p, df, t_{p, df}) from mpmath: non-integer df, both tails, near the median, huge df.
T_MPMATH = [
    (0.975, 1e5, 1.9599877075346092587),
    (0.975, 1e7, 1.9599642217672051104),
    (0.995, 2.5, 7.1637281389487828791),
    (0.9, 1.5, 2.1963984175655377638),
    (1e-10, 7, -53.835579484673732695),
    (0.6, 3.5, 0.27326545405577961851),
    (0.5000001, 10, 2.5699780335778005614e-7),
    (1e-30, 50, -25.636212564108292759),
    (0.3, 12345.6, -0.52441405239562653634),
]


# --------------------------------------------------------------------------------------------
# Quantiles
# --------------------------------------------------------------------------------------------


def test_t_quantile_printed_table():
    # The usual printed table (15 significant digits).
    for df, value in [(1, 12.7062047361747), (2, 4.30265272974946), (9, 2.26215716279820), (30, 2.04227245630124)]:
        assert t_quantile(0.975, df) == pytest.approx(value, rel=1e-13, abs=0)


@pytest.mark.parametrize("df", sorted(T975))
def test_t_quantile_975_against_mpmath(df):
    assert t_quantile(0.975, df) == pytest.approx(T975[df], rel=2e-15, abs=0)
    assert t_quantile(1 - 0.975, df) == -t_quantile(0.975, df)


@pytest.mark.parametrize("p, df, expected", T_MPMATH)
def test_t_quantile_against_mpmath(p, df, expected):
    assert t_quantile(p, df) == pytest.approx(expected, rel=1e-14, abs=0)


def test_t_quantile_closed_forms_df_1_and_2():
    # Lower tail q: df = 1 (Cauchy): t_q = -cot(pi q); df = 2: t_q = (2q - 1) / sqrt(2 q (1 - q)).
    for q in [1e-300, 1e-12, 1e-6, 0.001, 0.01, 0.1, 0.2, 0.3, 0.45, 0.4999]:
        assert t_quantile(q, 1) == pytest.approx(-1 / math.tan(math.pi * q), rel=1e-13)
        assert t_quantile(q, 2) == pytest.approx((2 * q - 1) / math.sqrt(2 * q * (1 - q)), rel=1e-13)


def test_t_quantile_properties():
    assert t_quantile(0.5, 7) == 0.0
    assert t_quantile(1.0, 3) == math.inf and t_quantile(0.0, 3) == -math.inf
    # Decreasing in df towards the normal quantile; df = inf is the normal quantile.
    values = [t_quantile(0.975, df) for df in [1, 1.5, 2, 5, 10, 100, 1e4, 1e6, 1e9]]
    assert all(a > b for a, b in zip(values, values[1:]))
    assert t_quantile(0.975, math.inf) == normal_quantile(0.975)
    assert t_quantile(0.975, 1e12) == pytest.approx(normal_quantile(0.975), rel=1e-11)
    # Float and integer df agree; the two tails are mirror images.
    assert t_quantile(0.9, 5) == t_quantile(0.9, 5.0)
    for df in [1, 3.3, 40, 1e6]:
        for p in [2.0**-30, 2.0**-7, 0.125, 0.375]:  # 1 - p is exact
            assert t_quantile(p, df) == -t_quantile(1 - p, df)


@pytest.mark.parametrize("p, df", [(-0.1, 3), (1.5, 3), (float("nan"), 3), (0.9, 0), (0.9, -1), (0.9, float("nan"))])
def test_t_quantile_rejects_bad_arguments(p, df):
    with pytest.raises(ValueError):
        t_quantile(p, df)


def test_normal_quantile():
    # mpmath values (20 digits).
    cases = [(0.975, 1.9599639845400538556), (0.995, 2.5758293035489004539), (1e-10, -6.3613409024040561991),
             (0.6, 0.25334710313579974132), (0.5000001, 2.5066282733116483012e-7)]
    for p, expected in cases:
        assert normal_quantile(p) == pytest.approx(expected, rel=1e-14, abs=0)
    assert normal_quantile(0.5) == 0.0
    assert normal_quantile(0.0) == -math.inf and normal_quantile(1.0) == math.inf
    with pytest.raises(ValueError):
        normal_quantile(1.2)


def test_quantiles_against_scipy():
    scipy_stats = pytest.importorskip("scipy.stats")
    special = pytest.importorskip("scipy.special")
    rng = np.random.default_rng(0)
    ps = np.concatenate([rng.uniform(0, 1, 6), [1e-12, 1e-5, 0.025, 0.975, 0.995, 1 - 1e-9]])
    dfs = np.concatenate([np.arange(1, 60), rng.uniform(1, 1e3, 40), 10 ** rng.uniform(3, 9, 40)])
    for df in dfs:
        for p in ps:
            assert t_quantile(p, df) == pytest.approx(scipy_stats.t.ppf(p, df), rel=1e-10, abs=0), (p, df)
    for p in np.concatenate([ps, np.logspace(-300, -1, 50)]):
        assert normal_quantile(p) == pytest.approx(special.ndtri(p), rel=1e-13, abs=0), p


# --------------------------------------------------------------------------------------------
# Means, intervals, ratios
# --------------------------------------------------------------------------------------------


def test_mean_ci_by_hand():
    mean, std, low, high = mean_ci([1.0, 2.0, 3.0, 4.0])
    # mean 2.5; std = sqrt(((1.5^2 + 0.5^2) * 2) / 3) = sqrt(5/3); half-width t_{.975,3} * std / sqrt(4).
    half = T975[3] * 1.2909944487358056 / 2
    assert mean == 2.5
    assert std == pytest.approx(1.2909944487358056, rel=1e-15)
    assert low == pytest.approx(2.5 - half, rel=1e-14) and high == pytest.approx(2.5 + half, rel=1e-14)
    # Another confidence level: 90 % uses t_{0.95, 3} = 2.3533634348018229 (mpmath).
    _, _, low90, high90 = mean_ci([1.0, 2.0, 3.0, 4.0], confidence=0.90)
    assert high90 - 2.5 == pytest.approx(2.3533634348018229 * 1.2909944487358056 / 2, rel=1e-13)


def test_mean_ci_excludes_non_finite_values():
    assert mean_ci([1.0, np.nan, 2.0, np.inf, 3.0, -np.inf, 4.0]) == mean_ci([1.0, 2.0, 3.0, 4.0])


def test_mean_ci_small_samples():
    mean, std, low, high = mean_ci([5.0])
    assert mean == 5.0 and math.isnan(std) and math.isnan(low) and math.isnan(high)
    assert all(math.isnan(v) for v in mean_ci([]))
    assert all(math.isnan(v) for v in mean_ci([np.nan, np.inf]))
    assert mean_ci([2.0, 2.0, 2.0]) == (2.0, 0.0, 2.0, 2.0)
    with pytest.raises(ValueError):
        mean_ci([1.0, 2.0], confidence=1.0)


def test_ratio_with_uncertainty_by_hand():
    # 6 ± 0.3 over 2 ± 0.1: ratio 3, relative errors 0.05 and 0.05 -> 3 * 0.05 * sqrt(2).
    ratio, std = ratio_with_uncertainty(6.0, 0.3, 2.0, 0.1)
    assert ratio == 3.0
    assert std == pytest.approx(3 * 0.05 * math.sqrt(2), rel=1e-15)
    # hyperfine's expression, literally: ratio * sqrt((sa/a)^2 + (sb/b)^2).
    a, sa, b, sb = 5.0, math.sqrt(2), 2.0, 1.0
    ratio, std = ratio_with_uncertainty(a, sa, b, sb)
    assert ratio == 2.5
    assert std == pytest.approx(2.5 * math.sqrt((sa / a) ** 2 + (sb / b) ** 2), rel=1e-15)
    assert std == pytest.approx(2.5 * math.sqrt(0.33), rel=1e-15)


def test_ratio_with_uncertainty_worked_example():
    # hyperfine's propagation for r = a / b: sigma_r = r * sqrt((sigma_a / a)^2 + (sigma_b / b)^2).
    # a = 12 +- 0.6 s (5 %), b = 4 +- 0.48 s (12 %): r = 3, sqrt(0.05^2 + 0.12^2) = sqrt(0.0169) = 0.13,
    # sigma_r = 3 * 0.13 = 0.39. (Relative errors added linearly would give 3 * 0.17 = 0.51.)
    ratio, std = ratio_with_uncertainty(12.0, 0.6, 4.0, 0.48)
    assert ratio == 3.0
    assert std == pytest.approx(0.39, rel=1e-14)
    # b exact (sigma_b = 0): only a's 5 % remains, 3 * 0.05 = 0.15; and the other way round 3 * 0.12.
    assert ratio_with_uncertainty(12.0, 0.6, 4.0, 0.0)[1] == pytest.approx(0.15, rel=1e-14)
    assert ratio_with_uncertainty(12.0, 0.0, 4.0, 0.48)[1] == pytest.approx(0.36, rel=1e-14)


def test_ratio_with_uncertainty_edge_cases():
    assert ratio_with_uncertainty(3.0, 0.1, 0.0, 0.1)[0] == math.inf
    assert ratio_with_uncertainty(0.0, 0.0, 0.0, 0.0)[0] == 1.0
    assert math.isnan(ratio_with_uncertainty(3.0, 0.1, 0.0, 0.1)[1])
    ratio, std = ratio_with_uncertainty(3.0, math.nan, 1.5, 0.1)  # a single run: no std
    assert ratio == 2.0 and math.isnan(std)
    assert ratio_with_uncertainty(0.0, 0.2, 2.0, 0.1) == (0.0, 0.1)  # the limit a -> 0: sa / b


# --------------------------------------------------------------------------------------------
# summary.csv -> stats.csv
# --------------------------------------------------------------------------------------------

NAN = math.nan


def _summary():
    """Problem "xor": A (3 seeds), B (3 seeds, seed 1 diverged), C (1 seed, diverged); A's seed 2
    never reaches the target. Problem "ring": B then A, 2 seeds each, equal mean times."""
    cols = ["problem", "optimizer", "seed", "final_loss", "best_loss", "final_accuracy", "test_loss",
            "test_accuracy", "train_seconds", "diverged", "epochs_to_target", "seconds_to_target"]
    rows = [
        ("xor", "B", 0, 0.4, 0.3, 0.7, NAN, NAN, 4.0, False, 20, 2.0),
        ("xor", "A", 0, 0.1, 0.05, 1.0, NAN, NAN, 1.0, False, 10, 0.5),
        ("xor", "C", 0, NAN, 0.9, 0.5, NAN, NAN, 0.01, True, NAN, NAN),
        ("xor", "B", 1, math.inf, 0.5, 0.5, NAN, NAN, 0.1, True, NAN, NAN),
        ("xor", "A", 1, 0.2, 0.1, 0.9, NAN, NAN, 2.0, False, 30, 1.5),
        ("xor", "B", 2, 0.6, 0.5, 0.9, NAN, NAN, 6.0, False, 40, 4.0),
        ("xor", "A", 2, 0.3, 0.15, 0.8, NAN, NAN, 3.0, False, NAN, NAN),
        ("ring", "B", 0, 0.5, 0.5, 0.6, 0.55, 0.5, 2.0, False, NAN, NAN),
        ("ring", "A", 0, 0.2, 0.2, 0.9, 0.25, 0.8, 1.0, False, NAN, NAN),
        ("ring", "B", 1, 0.7, 0.6, 0.5, 0.75, 0.4, 2.0, False, NAN, NAN),
        ("ring", "A", 1, 0.4, 0.3, 0.8, 0.45, 0.7, 3.0, False, NAN, NAN),
    ]
    return pd.DataFrame(rows, columns=cols)


def test_aggregate_by_hand():
    stats = aggregate(_summary())
    assert list(stats.columns) == STATS_COLUMNS
    # Problems in order of appearance; within a problem by final_loss_mean, NaN (C) last.
    assert list(zip(stats["problem"], stats["optimizer"])) == [
        ("xor", "A"), ("xor", "B"), ("xor", "C"), ("ring", "A"), ("ring", "B")]
    a, b, c, ring_a, ring_b = (stats.iloc[i] for i in range(5))
    assert (a["runs"], a["diverged"], b["runs"], b["diverged"], c["runs"], c["diverged"]) == (3, 0, 3, 1, 1, 1)

    # xor/A over all three seeds: final_loss 0.1, 0.2, 0.3 -> mean 0.2, std 0.1, t_{.975,2} * 0.1 / sqrt(3).
    half = T975[2] * 0.1 / math.sqrt(3)
    assert a["final_loss_mean"] == pytest.approx(0.2, rel=1e-15)
    assert a["final_loss_std"] == pytest.approx(0.1, rel=1e-14)
    assert a["final_loss_ci_low"] == pytest.approx(0.2 - half, rel=1e-14)
    assert a["final_loss_ci_high"] == pytest.approx(0.2 + half, rel=1e-14)
    assert (a["final_loss_min"], a["final_loss_max"]) == (0.1, 0.3)
    assert a["best_loss_mean"] == pytest.approx(0.1) and a["best_loss_std"] == pytest.approx(0.05)
    assert a["final_accuracy_mean"] == pytest.approx(0.9) and a["final_accuracy_std"] == pytest.approx(0.1)
    assert (a["final_accuracy_min"], a["final_accuracy_max"]) == (0.8, 1.0)
    assert a["train_seconds_mean"] == 2.0 and a["train_seconds_std"] == 1.0
    # No test split on xor: every test_* statistic is NaN.
    for m in ["test_loss", "test_accuracy"]:
        for s in ["mean", "std", "ci_low", "ci_high", "min", "max"]:
            assert math.isnan(a[f"{m}_{s}"]) and math.isnan(b[f"{m}_{s}"])

    # xor/B without its diverged seed 1 (final_loss inf, train_seconds 0.1, best_loss 0.5 all ignored):
    # final_loss 0.4, 0.6 -> mean 0.5, std sqrt(0.02), half-width t_{.975,1} * sqrt(0.02) / sqrt(2).
    assert b["final_loss_mean"] == pytest.approx(0.5, rel=1e-15)
    assert b["final_loss_std"] == pytest.approx(math.sqrt(0.02), rel=1e-14)
    assert b["final_loss_ci_high"] - 0.5 == pytest.approx(T975[1] * 0.1, rel=1e-13)
    assert (b["best_loss_mean"], b["best_loss_min"], b["best_loss_max"]) == (pytest.approx(0.4), 0.3, 0.5)
    assert b["train_seconds_mean"] == 5.0 and b["train_seconds_std"] == pytest.approx(math.sqrt(2))
    assert (b["train_seconds_min"], b["train_seconds_max"]) == (4.0, 6.0)

    # xor/C: its only run diverged, so every metric is NaN.
    assert all(math.isnan(c[f"{m}_mean"]) for m in ["final_loss", "best_loss", "train_seconds"])

    # Time ratios on xor: fastest mean is A (2.0 s). B: 5 / 2 = 2.5 with
    # 2.5 * sqrt((sqrt(2)/5)^2 + (1/2)^2) = 2.5 * sqrt(0.33). A is the reference: 1 and 0. C: NaN.
    assert (a["time_ratio"], a["time_ratio_std"]) == (1.0, 0.0)
    assert b["time_ratio"] == 2.5
    assert b["time_ratio_std"] == pytest.approx(2.5 * math.sqrt(0.33), rel=1e-14)
    assert math.isnan(c["time_ratio"]) and math.isnan(c["time_ratio_std"])

    # Target: A reached it in 2 of 3 runs (0.5 s at epoch 10, 1.5 s at epoch 30) -> medians 1.0 s, 20.
    # B: 2 of 3 (the diverged run did not) -> 3.0 s, epoch 30. C: 0 of 1 -> NaN medians.
    assert a["reached_target"] == pytest.approx(2 / 3) and b["reached_target"] == pytest.approx(2 / 3)
    assert (a["seconds_to_target"], a["epochs_to_target"]) == (1.0, 20.0)
    assert (b["seconds_to_target"], b["epochs_to_target"]) == (3.0, 30.0)
    assert c["reached_target"] == 0.0 and math.isnan(c["seconds_to_target"]) and math.isnan(c["epochs_to_target"])

    # ring: A (0.3) before B (0.6) although B appears first. Equal mean times (2.0 s): B, the first
    # of the two, is the reference (1, 0); A gets 1 with std sqrt(2)/2 (B's std is 0).
    assert ring_a["final_loss_mean"] == pytest.approx(0.3) and ring_b["final_loss_mean"] == pytest.approx(0.6)
    assert ring_a["test_loss_mean"] == pytest.approx(0.35) and ring_a["test_accuracy_max"] == 0.8
    assert (ring_b["time_ratio"], ring_b["time_ratio_std"]) == (1.0, 0.0)
    assert ring_a["time_ratio"] == 1.0
    assert ring_a["time_ratio_std"] == pytest.approx(math.sqrt(2) / 2, rel=1e-15)
    assert ring_a["reached_target"] == 0.0


def test_aggregate_reads_back_from_csv():
    # The same numbers after a CSV round trip (booleans come back as text when a column has NaN).
    summary = _summary()
    summary["diverged"] = summary["diverged"].astype(object)
    summary.loc[0, "diverged"] = "False"
    frame = pd.read_csv(io.StringIO(summary.to_csv(index=False)))
    pd.testing.assert_frame_equal(aggregate(frame), aggregate(_summary()))


def test_aggregate_single_run_and_missing_columns():
    summary = pd.DataFrame({"problem": ["p", "p"], "optimizer": ["x", "y"], "final_loss": [0.3, 0.1],
                            "train_seconds": [1.0, 2.0], "diverged": [False, False]})
    stats = aggregate(summary)
    assert list(stats["optimizer"]) == ["y", "x"]
    assert math.isnan(stats.loc[0, "final_loss_std"]) and math.isnan(stats.loc[0, "final_loss_ci_low"])
    assert list(stats["time_ratio"]) == [2.0, 1.0]
    assert math.isnan(stats.loc[0, "time_ratio_std"])  # one run: no spread to propagate
    assert stats["reached_target"].isna().all()  # no seconds_to_target column: no target
    assert stats["best_loss_mean"].isna().all()
    assert list(aggregate(summary.iloc[:0]).columns) == STATS_COLUMNS
    with pytest.raises(KeyError):
        aggregate(summary.drop(columns="problem"))


# --------------------------------------------------------------------------------------------
# Time to target
# --------------------------------------------------------------------------------------------


def test_first_reach():
    loss = [1.0, 0.8, np.nan, 0.5, 0.4, 0.6]
    assert first_reach(loss, 0.5, "min") == 3  # equal counts as reached; NaN never does
    assert first_reach(loss, 0.45, "min") == 4
    assert first_reach(loss, 1.0, "min") == 0
    assert first_reach(loss, 0.1, "min") is None
    assert first_reach([], 0.1, "min") is None
    assert first_reach([0.5, 0.7, 0.9, 0.95], 0.9, "max") == 2
    assert first_reach([0.5, 0.7], 0.9, "max") is None
    with pytest.raises(ValueError):
        first_reach(loss, 0.5, "lower")


def test_time_to_target():
    curve = pd.DataFrame({
        "epoch": [0, 1, 2, 3, 4, 5],
        "elapsed_s": [0.0, 0.1, 0.2, 0.3, 0.4, 0.5],
        "loss": [1.0, 0.8, 0.7, 0.5, 0.4, 0.6],
        "accuracy": [0.5, 0.6, 0.8, 0.9, 0.95, 0.9],
    })
    assert time_to_target(curve, "loss", 0.5, "min") == (3, 0.3)
    assert time_to_target(curve, "accuracy", 0.9) == (3, 0.3)  # accuracies default to "max"
    assert time_to_target(curve, "loss", 0.45) == (4, 0.4)  # losses default to "min"
    assert time_to_target(curve.iloc[::-1], "loss", 0.5) == (3, 0.3)  # row order does not matter
    epoch, seconds = time_to_target(curve, "loss", 0.1, "min")
    assert math.isnan(epoch) and math.isnan(seconds)


# --------------------------------------------------------------------------------------------
# AlgoPerf performance profiles
# --------------------------------------------------------------------------------------------


def _times():
    # C never reaches the target on p1 (inf) and p2 (NaN); A and B tie on p3.
    return pd.DataFrame({"A": [10.0, 45.0, 5.0], "B": [20.0, 15.0, 5.0], "C": [math.inf, math.nan, 40.0]},
                        index=pd.Index(["p1", "p2", "p3"], name="problem"))


def test_performance_ratios_by_hand():
    r = performance_ratios(_times())
    expected = pd.DataFrame({"A": [1.0, 3.0, 1.0], "B": [2.0, 1.0, 1.0], "C": [math.inf, math.inf, 8.0]},
                            index=_times().index)
    pd.testing.assert_frame_equal(r, expected)


def test_performance_ratios_unsolved_problem_and_zero_time():
    times = pd.DataFrame({"A": [math.nan, 0.0], "B": [math.inf, 2.0]}, index=["p1", "p2"])
    r = performance_ratios(times)
    assert r.loc["p1"].tolist() == [math.inf, math.inf]  # nobody reached it
    assert r.loc["p2"].tolist() == [1.0, math.inf]  # fastest time 0: the limit
    with pytest.raises(ValueError):
        performance_ratios(pd.DataFrame({"A": [-1.0]}))


def test_performance_profile_by_hand():
    # rho_A: ratios {1, 3, 1}; rho_B: {2, 1, 1} (tie on p3); rho_C: {inf, inf, 8}.
    rho = performance_profile(performance_ratios(_times()), [1.0, 1.5, 2.0, 2.999, 3.0, 4.0, 8.0])
    assert rho["A"].tolist() == pytest.approx([2 / 3, 2 / 3, 2 / 3, 2 / 3, 1, 1, 1])
    assert rho["B"].tolist() == pytest.approx([2 / 3, 2 / 3, 1, 1, 1, 1, 1])
    assert rho["C"].tolist() == pytest.approx([0, 0, 0, 0, 0, 0, 1 / 3])
    assert rho.index.name == "tau"


def test_algoperf_score_by_hand():
    # B = 1/(r_max - 1) * integral_1^4 rho dtau, with 3 problems:
    # A: 2/3 on [1, 3) and 1 on [3, 4] -> (4/3 + 1) / 3 = 7/9.
    # B: 2/3 on [1, 2) and 1 on [2, 4] -> (2/3 + 2) / 3 = 8/9.
    # C: 0 on [1, 4] (its only finite ratio, 8, exceeds r_max) -> 0.
    score = algoperf_score(performance_ratios(_times()))
    assert score["A"] == pytest.approx(7 / 9, rel=1e-15)
    assert score["B"] == pytest.approx(8 / 9, rel=1e-15)
    assert score["C"] == 0.0
    # r_max = 10 credits C on p3: (10 - 8) / (3 * 9) = 2/27; A: (9 + 7 + 9) / 27.
    score10 = algoperf_score(performance_ratios(_times()), r_max=10.0)
    assert score10["C"] == pytest.approx(2 / 27) and score10["A"] == pytest.approx(25 / 27)
    # Fastest everywhere scores 1; never reaching the target scores 0.
    solo = algoperf_score(performance_ratios(pd.DataFrame({"X": [1.0, 2.0], "Y": [math.inf, math.inf]})))
    assert solo.tolist() == [1.0, 0.0]
    with pytest.raises(ValueError):
        algoperf_score(performance_ratios(_times()), r_max=1.0)


def test_algoperf_score_matches_numerical_integral():
    rng = np.random.default_rng(1)
    times = pd.DataFrame(rng.uniform(1, 5, size=(7, 4)), columns=list("abcd"))
    times.iloc[2, 1] = math.inf
    ratios = performance_ratios(times)
    taus = np.linspace(1, 4, 300_001)
    mid = 0.5 * (taus[1:] + taus[:-1])
    numeric = performance_profile(ratios, mid).mean(axis=0)  # midpoint rule, then divide by 3
    pd.testing.assert_series_equal(algoperf_score(ratios), numeric, check_names=False, atol=1e-4, rtol=0)


def test_profile_table():
    table = profile_table(_times(), r_max=4.0, n_taus=3)
    assert list(table.columns) == ["optimizer", "tau", "rho", "score"]
    # Grid 1, 2.5, 4 plus the breakpoints 1, 2, 3 (8 is beyond r_max).
    a = table[table["optimizer"] == "A"]
    assert a["tau"].tolist() == [1.0, 2.0, 2.5, 3.0, 4.0]
    assert a["rho"].tolist() == pytest.approx([2 / 3, 2 / 3, 2 / 3, 1, 1])
    assert table.groupby("optimizer", sort=False)["score"].first().tolist() == pytest.approx([7 / 9, 8 / 9, 0.0])
    assert table["optimizer"].unique().tolist() == ["A", "B", "C"]
    assert len(table) == 15
