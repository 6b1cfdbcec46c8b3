"""Statistics over seeds and problems: t quantiles, confidence intervals, ratios, performance profiles.

Pure functions, no I/O, no SciPy. :func:`aggregate` turns ``summary.csv`` (one row per run and
seed) into ``stats.csv`` (one row per problem and optimizer); :func:`profile_table` turns times to
target into ``profile.csv`` (AlgoPerf performance profiles and scores).

Conventions, with their sources:

* Confidence intervals: Student t on the sample mean, ``mean ± t_{(1+c)/2, n-1} s / sqrt(n)``
  with the sample standard deviation ``s`` (``ddof=1``).
* Ratio uncertainty: relative standard deviations added in quadrature, independent variables
  (first-order propagation), as hyperfine does for its "± σ times faster" summary
  (``src/benchmark/relative_speed.rs``); the standard deviations are those of the measurements,
  not of the means.
* Performance profiles and the benchmark score follow AlgoPerf (Dahl et al., "Benchmarking
  Neural Network Training Algorithms", 2023; mlcommons/algorithmic-efficiency, section
  "Benchmark score using performance profiles" of its technical documentation):
  ``r[p, s] = t[p, s] / min_s t[p, s]``, ``rho_s(tau) = #{p : r[p, s] <= tau} / #problems`` and
  ``B_s = 1/(r_max - 1) * integral_1^r_max rho_s(tau) dtau`` in [0, 1] with ``r_max = 4``.
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd

__all__ = [
    "normal_quantile",
    "t_quantile",
    "mean_ci",
    "ratio_with_uncertainty",
    "aggregate",
    "METRICS",
    "STATS_COLUMNS",
    "first_reach",
    "time_to_target",
    "performance_ratios",
    "performance_profile",
    "algoperf_score",
    "profile_table",
]

#: Metrics of ``summary.csv`` summarised over seeds in ``stats.csv`` (accuracies for classification,
#: RMSE and R² for regression: the others are NaN for that task's rows).
METRICS = ("final_loss", "best_loss", "final_accuracy", "test_loss", "test_accuracy", "final_rmse", "final_r2",
           "test_rmse", "test_r2", "train_seconds")
_SUFFIXES = ("mean", "std", "ci_low", "ci_high", "min", "max")
#: Columns of ``stats.csv``, in order.
STATS_COLUMNS = (
    ["problem", "optimizer", "runs", "diverged"]
    + [f"{m}_{s}" for m in METRICS for s in _SUFFIXES]
    + ["time_ratio", "time_ratio_std", "reached_target", "epochs_to_target", "seconds_to_target",
       "grad_evals_to_target"]
)

# ---------------------------------------------------------------------------------------------
# Quantiles
# ---------------------------------------------------------------------------------------------

# Acklam's rational approximations of the normal quantile (relative error < 1.15e-9).
_A = (-3.969683028665376e01, 2.209460984245205e02, -2.759285104469687e02,
      1.383577518672690e02, -3.066479806614716e01, 2.506628277459239e00)
_B = (-5.447609879822406e01, 1.615858368580409e02, -1.556989798598866e02,
      6.680131188771972e01, -1.328068155288572e01)
_C = (-7.784894002430293e-03, -3.223964580411365e-01, -2.400758277161838e00,
      -2.549732539343734e00, 4.374664141464968e00, 2.938163982698783e00)
_D = (7.784695709041462e-03, 3.224671290700398e-01, 2.445134137142996e00, 3.754408661907416e00)
_SQRT2PI = math.sqrt(2.0 * math.pi)
_LOG_SQRT_PI = 0.5 * math.log(math.pi)


def normal_quantile(p: float) -> float:
    """The standard normal quantile ``Phi^{-1}(p)``.

    Acklam's algorithm (rational approximations, relative error < 1.15e-9) refined by one Halley
    step on ``Phi(x) - p`` with ``Phi(x) = erfc(-x / sqrt(2)) / 2`` (P. J. Acklam, "An algorithm
    for computing the inverse normal cumulative distribution function", 2003). It works on the
    lower tail ``min(p, 1 - p)`` and uses ``Phi^{-1}(1 - q) = -Phi^{-1}(q)``, so both tails keep
    full relative precision. ``p`` of 0 and 1 give -inf and inf.
    """
    p = float(p)
    if math.isnan(p) or p < 0.0 or p > 1.0:
        raise ValueError(f"normal_quantile needs 0 <= p <= 1, got {p!r}")
    if p == 0.5:
        return 0.0
    q = p if p < 0.5 else 1.0 - p  # exact (Sterbenz) for p >= 0.5
    if q == 0.0:
        return -math.inf if p < 0.5 else math.inf
    if q < 0.02425:
        r = math.sqrt(-2.0 * math.log(q))
        x = (((((_C[0] * r + _C[1]) * r + _C[2]) * r + _C[3]) * r + _C[4]) * r + _C[5]) / (
            (((_D[0] * r + _D[1]) * r + _D[2]) * r + _D[3]) * r + 1.0
        )
    else:
        s = q - 0.5
        r = s * s
        x = (((((_A[0] * r + _A[1]) * r + _A[2]) * r + _A[3]) * r + _A[4]) * r + _A[5]) * s / (
            ((((_B[0] * r + _B[1]) * r + _B[2]) * r + _B[3]) * r + _B[4]) * r + 1.0
        )
    # One Halley step: u = (Phi(x) - q) / phi(x); x <- x - u / (1 + x u / 2). Near the median,
    # Phi(x) - q = erf(x / sqrt 2) / 2 - (q - 1/2) avoids cancellation (q - 1/2 is exact there).
    density = math.exp(-0.5 * x * x) / _SQRT2PI
    if density > 0.0:
        if q > 0.25:
            error = 0.5 * math.erf(x / math.sqrt(2.0)) - (q - 0.5)
        else:
            error = 0.5 * math.erfc(-x / math.sqrt(2.0)) - q
        u = error / density
        x = x - u / (1.0 + 0.5 * x * u)
    return x if p < 0.5 else -x


def _log_gamma_ratio_half(a: float) -> float:
    """``log Gamma(a + 1/2) - log Gamma(a)`` to absolute precision ~1e-15 for every a > 0.

    For a >= 20 the difference of two Stirling series (absolute error < 2e-15) avoids the
    cancellation of two large ``lgamma`` values.
    """
    if a < 20.0:
        return math.lgamma(a + 0.5) - math.lgamma(a)

    def series(z):
        z2 = z * z
        return (1.0 / 12.0 - (1.0 / 360.0 - (1.0 / 1260.0 - 1.0 / (1680.0 * z2)) / z2) / z2) / z

    # (a)*log(a + 1/2) - (a - 1/2)*log(a) - 1/2 = log(a)/2 + a*log1p(1/(2a)) - 1/2
    return 0.5 * math.log(a) + (a * math.log1p(0.5 / a) - 0.5) + series(a + 0.5) - series(a)


def _betacf(a: float, b: float, x: float) -> float:
    """Continued fraction of the incomplete beta function, modified Lentz's method.

    Numerical Recipes (Press et al., 3rd ed., section 6.4, ``betacf``):
    ``I_x(a, b) = x^a (1-x)^b / (a B(a, b)) * betacf(a, b, x)``, converging fast for
    ``x < (a + 1) / (a + b + 2)``.
    """
    tiny = 1e-300
    qab, qap, qam = a + b, a + 1.0, a - 1.0
    c = 1.0
    d = 1.0 - qab * x / qap
    d = 1.0 / (d if abs(d) > tiny else tiny)
    h = d
    for m in range(1, 100_000):
        m2 = 2 * m
        aa = m * (b - m) * x / ((qam + m2) * (a + m2))
        d = 1.0 + aa * d
        d = 1.0 / (d if abs(d) > tiny else tiny)
        c = 1.0 + aa / c
        c = c if abs(c) > tiny else tiny
        h *= d * c
        aa = -(a + m) * (qab + m) * x / ((a + m2) * (qap + m2))
        d = 1.0 + aa * d
        d = 1.0 / (d if abs(d) > tiny else tiny)
        c = 1.0 + aa / c
        c = c if abs(c) > tiny else tiny
        delta = d * c
        h *= delta
        if abs(delta - 1.0) < 1e-16:
            return h
    raise ArithmeticError(f"betacf({a}, {b}, {x}) did not converge")  # pragma: no cover


def _t_tails(t: float, df: float) -> tuple[float, float]:
    """``(P(T > t), P(0 < T <= t))`` for ``t >= 0``, each to full relative precision.

    ``P(T > t) = I_x(df/2, 1/2) / 2`` with ``x = df / (df + t^2)``, and
    ``P(0 < T <= t) = I_y(1/2, df/2) / 2`` with ``y = 1 - x = t^2 / (df + t^2)`` (Abramowitz and
    Stegun 26.7.1 and 26.5.27). Whichever of the two the continued fraction handles well is
    computed directly; the other is 1/2 minus it.
    """
    if t == 0.0:
        return 0.5, 0.0
    if math.isinf(t):
        return 0.0, 0.5
    a, b = 0.5 * df, 0.5
    # x = df / (df + t^2) = 1 / (1 + ratio), y = 1 - x, with ratio = t^2 / df (in logs: no overflow)
    ratio = t * t / df if 1e-150 < t < 1e150 else 0.0
    if 0.0 < ratio < math.inf:
        log_ratio = math.log(ratio)
    else:
        log_ratio = 2.0 * math.log(t) - math.log(df)
        ratio = math.exp(min(log_ratio, 700.0)) if log_ratio < 700.0 else math.inf
    if log_ratio >= 0.0:
        log_y = -math.log1p(1.0 / ratio)
        log_x = log_y - log_ratio
        x, y = 1.0 / (1.0 + ratio), 1.0 / (1.0 + 1.0 / ratio)
    else:
        log_x = -math.log1p(ratio)
        log_y = log_ratio + log_x
        x, y = 1.0 / (1.0 + ratio), ratio / (1.0 + ratio)
    # log(x^a y^b / B(a, b)) with log B(a, 1/2) = log Gamma(a) + log Gamma(1/2) - log Gamma(a + 1/2)
    front = math.exp(a * log_x + b * log_y + _log_gamma_ratio_half(a) - _LOG_SQRT_PI)
    if x < (a + 1.0) / (a + b + 2.0):
        tail = 0.5 * front * _betacf(a, b, x) / a
        return tail, 0.5 - tail
    central = 0.5 * front * _betacf(b, a, y) / b
    return 0.5 - central, central


def _t_density(t: float, df: float) -> float:
    a = 0.5 * df
    log_ratio = 2.0 * math.log(t) - math.log(df) if t > 0.0 else -math.inf
    log1p_ratio = math.log1p(math.exp(log_ratio)) if log_ratio < 700.0 else log_ratio
    return math.exp(_log_gamma_ratio_half(a) - _LOG_SQRT_PI - 0.5 * math.log(df) - (a + 0.5) * log1p_ratio)


def _solve_increasing(fun, x, lo, hi, tol):
    """Root of an increasing ``fun`` in ``[lo, hi]`` (``fun(lo) <= 0 <= fun(hi)``).

    ``fun(x)`` returns ``(value, derivative)``. Newton steps, replaced by bisection whenever a step
    leaves the bracket, which shrinks with every evaluation; stops once a Newton step is below
    ``tol`` relative (quadratic convergence: the error is then far below it).
    """
    for _ in range(200):
        value, slope = fun(x)
        if value == 0.0:
            return x
        if value < 0.0:
            lo = x
        else:
            hi = x
        step = value / slope if slope > 0.0 and math.isfinite(slope) else math.inf
        new = x - step
        if not (lo < new < hi):
            new = 0.5 * (lo + hi)
            if new in (lo, hi):
                return new
        elif abs(step) <= tol * abs(new):
            return new
        x = new
    return x  # pragma: no cover


def _cornish_fisher(z: float, df: float) -> tuple[float, float]:
    """t quantile from the normal quantile z as a series in 1/df (Abramowitz and Stegun 26.7.5).

    Returns the quantile and the size of its last term relative to z (the truncation error,
    checked against 50-digit values, is about 1 % of it).
    """
    z2 = z * z
    g1 = (z2 + 1.0) * z / 4.0
    g2 = ((5.0 * z2 + 16.0) * z2 + 3.0) * z / 96.0
    g3 = (((3.0 * z2 + 19.0) * z2 + 17.0) * z2 - 15.0) * z / 384.0
    g4 = ((((79.0 * z2 + 776.0) * z2 + 1482.0) * z2 - 1920.0) * z2 - 945.0) * z / 92160.0
    t = z + (g1 + (g2 + (g3 + g4 / df) / df) / df) / df
    return t, abs(g4) / max(z, 1e-300) / df / df / df / df


def t_quantile(p: float, df: float) -> float:
    """The quantile ``t_{p, df}`` of Student's t distribution (two-sided 95 % CIs: ``p = 0.975``).

    ``df`` is any real number > 0 (integer or not) or ``inf``. The CDF is the regularized incomplete
    beta function ``P(T > t) = I_{df/(df+t^2)}(df/2, 1/2) / 2`` (Abramowitz and Stegun 26.7.1),
    evaluated by its continued fraction (Numerical Recipes ``betacf``, modified Lentz) with a
    cancellation-free ``log B(df/2, 1/2)``; it is inverted by bracketed Newton iteration, in
    ``log t`` on the tails (where the CDF is close to a power of t) and in ``t`` near the median.
    For large df, where the continued fraction loses digits (about 1e-11 at df = 1e6), the
    Cornish-Fisher expansion to ``df^-4`` (A&S 26.7.5) is used instead when ``df >= 1000`` and its
    last term is below 1e-13 relative (e.g. every df >= 1e5 with 1e-25 < min(p, 1 - p)); ``df =
    inf`` gives the normal quantile (:func:`normal_quantile`). Checked against 50-digit mpmath
    values for df from 1 to 1e10 and min(p, 1 - p) from 1e-300 to 0.4999999999: relative error
    below 2e-13, and below 1e-14 when min(p, 1 - p) >= 1e-30.
    ``p`` of 0 and 1 give -inf and inf.
    """
    p, df = float(p), float(df)
    if math.isnan(p) or p < 0.0 or p > 1.0:
        raise ValueError(f"t_quantile needs 0 <= p <= 1, got p={p!r}")
    if math.isnan(df) or df <= 0.0:
        raise ValueError(f"t_quantile needs df > 0, got df={df!r}")
    if p == 0.5:
        return 0.0
    if p in (0.0, 1.0):
        return math.inf if p == 1.0 else -math.inf
    sign = 1.0 if p > 0.5 else -1.0
    q = 1.0 - p if p > 0.5 else p  # tail probability P(T > |t|), exact for p >= 0.5
    z = -normal_quantile(q)  # |t| >= z: t has heavier tails than the normal
    if math.isinf(df):
        return sign * z
    guess, last = _cornish_fisher(z, df)
    if df >= 1e3 and last <= 1e-13:
        return sign * guess
    if df <= 4.0:
        guess = z
    if q <= 0.25:
        # Solve log(q) - log P(T > e^u) = 0 over u = log t (increasing in u).
        def fun(u):
            t = math.exp(u)
            tail = _t_tails(t, df)[0]
            if tail <= 0.0:
                return math.inf, 0.0
            return math.log(q) - math.log(tail), t * _t_density(t, df) / tail

        lo = math.log(z)
        hi = lo + 1.0
        log_max = math.log(np.finfo(float).max)
        while fun(hi)[0] < 0.0:
            lo, hi = hi, hi + 2.0 * (hi - lo)
            if hi > log_max:
                if fun(log_max)[0] < 0.0:
                    return sign * math.inf  # beyond the largest float
                hi = log_max
        u = min(max(math.log(max(guess, z)), lo), hi)
        return sign * math.exp(_solve_increasing(fun, u, lo, hi, 1e-13))
    # Near the median: solve P(0 < T <= t) - (|p - 1/2|) = 0 over t (increasing in t).
    target = abs(p - 0.5)  # exact for p in [0.25, 0.75]

    def fun(t):
        return _t_tails(t, df)[1] - target, _t_density(t, df)

    hi = 1.0
    while fun(hi)[0] < 0.0:
        hi *= 2.0
    t = min(max(guess, 0.0), hi)
    return sign * _solve_increasing(fun, t, 0.0, hi, 1e-15)


# ---------------------------------------------------------------------------------------------
# Means, intervals, ratios
# ---------------------------------------------------------------------------------------------


def mean_ci(values, confidence: float = 0.95) -> tuple[float, float, float, float]:
    """``(mean, std, ci_low, ci_high)`` of the finite entries of ``values``.

    ``std`` is the sample standard deviation (``ddof=1``) and the interval is the Student t
    interval for the mean, ``mean ± t_{(1+c)/2, n-1} * std / sqrt(n)``. Non-finite values (NaN,
    inf: diverged or missing runs) are excluded from these statistics; the caller counts them
    separately. One finite value gives ``(value, nan, nan, nan)``, none gives four NaNs.
    """
    if not 0.0 < confidence < 1.0:
        raise ValueError(f"mean_ci needs 0 < confidence < 1, got {confidence!r}")
    x = np.asarray(values, dtype=float).ravel()
    x = x[np.isfinite(x)]
    n = x.size
    if n == 0:
        return math.nan, math.nan, math.nan, math.nan
    mean = float(x.mean())
    if n == 1:
        return mean, math.nan, math.nan, math.nan
    std = float(x.std(ddof=1))
    half = t_quantile(0.5 * (1.0 + confidence), n - 1) * std / math.sqrt(n)
    return mean, std, mean - half, mean + half


def ratio_with_uncertainty(a_mean: float, a_std: float, b_mean: float, b_std: float) -> tuple[float, float]:
    """``(a/b, std)`` with the relative uncertainties added in quadrature.

    ``std = (a/b) * sqrt((a_std/a)^2 + (b_std/b)^2)``: first-order propagation for independent a
    and b, exactly hyperfine's "± σ" of its relative speeds (``src/benchmark/relative_speed.rs``,
    covariance assumed 0), computed as ``hypot(a_std, (a/b) * b_std) / |b|`` (the same quantity,
    also defined at a = 0). Like hyperfine, ``b = 0`` gives ratio inf (1 when a = 0 too) and no
    uncertainty (NaN); a NaN standard deviation (a single run) gives a NaN uncertainty.
    """
    a_mean, a_std, b_mean, b_std = map(float, (a_mean, a_std, b_mean, b_std))
    if b_mean == 0.0:
        return (1.0 if a_mean == 0.0 else math.copysign(math.inf, a_mean)), math.nan
    ratio = a_mean / b_mean
    return ratio, math.hypot(a_std, ratio * b_std) / abs(b_mean)


# ---------------------------------------------------------------------------------------------
# summary.csv -> stats.csv
# ---------------------------------------------------------------------------------------------


def _as_bool(series: pd.Series) -> np.ndarray:
    """Booleans from a column read back from CSV (bool, 0/1 or "True"/"False"; NaN is False)."""
    if series.dtype == bool:
        return series.to_numpy()
    text = series.astype(str).str.strip().str.lower()
    return text.isin(["true", "1", "1.0"]).to_numpy()


def _column(frame: pd.DataFrame, name: str) -> np.ndarray:
    if name not in frame:
        return np.full(len(frame), np.nan)
    return pd.to_numeric(frame[name], errors="coerce").to_numpy(dtype=float)


def aggregate(summary: pd.DataFrame, confidence: float = 0.95) -> pd.DataFrame:
    """``stats.csv`` from ``summary.csv``: one row per (problem, optimizer) over its seeds.

    Columns (:data:`STATS_COLUMNS`): ``problem, optimizer, runs`` (rows), ``diverged`` (diverged
    rows); for each metric M in :data:`METRICS`, ``M_mean, M_std, M_ci_low, M_ci_high, M_min,
    M_max`` over the runs that did not diverge and whose value of M is finite (:func:`mean_ci`,
    ``confidence`` 0.95); ``time_ratio, time_ratio_std``: mean ``train_seconds`` over that of the
    optimizer with the lowest mean on the same problem (the first of equal ones), standard deviation
    propagated from the two seed standard deviations (:func:`ratio_with_uncertainty`; NaN with a
    single run); that fastest optimizer itself gets exactly 1 and 0 (a ratio to itself);
    ``reached_target``: fraction of all runs with a finite ``seconds_to_target`` (NaN when the
    column is absent); ``epochs_to_target, seconds_to_target, grad_evals_to_target``: medians over
    the runs that reached it (NaN if none). Groups appear in the order problems first appear, and within a problem
    by ascending ``final_loss_mean`` (NaN last; ties keep the order of first appearance). A
    missing metric column counts as all NaN; a missing ``diverged`` column as no divergence.
    """
    missing = [c for c in ("problem", "optimizer") if c not in summary]
    if missing:
        raise KeyError(f"aggregate needs the columns {missing} in the summary frame")
    if summary.empty:
        return pd.DataFrame(columns=STATS_COLUMNS)
    diverged = _as_bool(summary["diverged"]) if "diverged" in summary else np.zeros(len(summary), bool)
    metrics = {m: _column(summary, m) for m in METRICS}
    reached_column = "seconds_to_target" in summary
    seconds_to_target = _column(summary, "seconds_to_target")
    epochs_to_target = _column(summary, "epochs_to_target")
    evals_to_target = _column(summary, "grad_evals_to_target")
    groups = summary.groupby(["problem", "optimizer"], sort=False, dropna=False).indices
    rows = []
    for (problem, optimizer), index in groups.items():
        index = np.sort(index)
        kept = index[~diverged[index]]
        row = {"problem": problem, "optimizer": optimizer, "runs": len(index), "diverged": int(diverged[index].sum())}
        for m, values in metrics.items():
            v = values[kept]
            v = v[np.isfinite(v)]
            mean, std, low, high = mean_ci(v, confidence)
            row.update({f"{m}_mean": mean, f"{m}_std": std, f"{m}_ci_low": low, f"{m}_ci_high": high,
                        f"{m}_min": float(v.min()) if v.size else math.nan,
                        f"{m}_max": float(v.max()) if v.size else math.nan})
        hit = index[np.isfinite(seconds_to_target[index])]
        row["reached_target"] = len(hit) / len(index) if reached_column else math.nan
        row["seconds_to_target"] = float(np.median(seconds_to_target[hit])) if len(hit) else math.nan
        epochs = epochs_to_target[hit]
        epochs = epochs[np.isfinite(epochs)]
        row["epochs_to_target"] = float(np.median(epochs)) if epochs.size else math.nan
        evals = evals_to_target[hit]
        evals = evals[np.isfinite(evals)]
        row["grad_evals_to_target"] = float(np.median(evals)) if evals.size else math.nan
        row["_first"] = index[0]
        rows.append(row)
    stats = pd.DataFrame(rows)
    stats["time_ratio"] = math.nan
    stats["time_ratio_std"] = math.nan
    stats["_problem_order"] = stats.groupby("problem", sort=False, dropna=False)["_first"].transform("min")
    for _, index in stats.groupby("problem", sort=False, dropna=False).groups.items():
        means = stats.loc[index, "train_seconds_mean"]
        if means.notna().any():
            best = means.idxmin()
            b_mean, b_std = stats.at[best, "train_seconds_mean"], stats.at[best, "train_seconds_std"]
            for i in index:
                a_mean = stats.at[i, "train_seconds_mean"]
                if i == best:
                    stats.at[i, "time_ratio"], stats.at[i, "time_ratio_std"] = 1.0, 0.0
                elif math.isfinite(a_mean):
                    ratio, std = ratio_with_uncertainty(a_mean, stats.at[i, "train_seconds_std"], b_mean, b_std)
                    stats.at[i, "time_ratio"], stats.at[i, "time_ratio_std"] = ratio, std
    stats["_loss_key"] = stats["final_loss_mean"].fillna(math.inf)
    stats["_nan_last"] = stats["final_loss_mean"].isna()
    stats = stats.sort_values(["_problem_order", "_nan_last", "_loss_key", "_first"], kind="stable")
    return stats[STATS_COLUMNS].reset_index(drop=True)


# ---------------------------------------------------------------------------------------------
# Time to target
# ---------------------------------------------------------------------------------------------


def _check_mode(mode: str) -> str:
    if mode not in ("min", "max"):
        raise ValueError(f"mode must be 'min' (lower is better) or 'max' (higher is better), got {mode!r}")
    return mode


def first_reach(values, target: float, mode: str = "min") -> int | None:
    """First index k with ``values[k] <= target`` (mode ``"min"``) or ``>= target`` (``"max"``).

    NaN never reaches the target. ``None`` when no value does.
    """
    x = np.asarray(values, dtype=float).ravel()
    hit = x <= target if _check_mode(mode) == "min" else x >= target
    return int(np.argmax(hit)) if hit.any() else None


def time_to_target(curve: pd.DataFrame, metric: str, target: float, mode: str | None = None) -> tuple:
    """``(epoch, elapsed_s)`` of the first row of one run's curve where ``metric`` reaches ``target``.

    ``curve`` has the columns ``epoch``, ``elapsed_s`` and ``metric`` (``loss``, ``accuracy``,
    ``rmse``, ``r2`` or their ``test_`` versions), one row per epoch. ``mode`` defaults to
    ``"max"`` for accuracies and R² and ``"min"`` otherwise. ``(nan, nan)`` when the target is
    never reached.
    """
    if mode is None:
        mode = "max" if "accuracy" in metric or metric.endswith("r2") else "min"
    rows = curve.sort_values("epoch", kind="stable")
    k = first_reach(rows[metric].to_numpy(dtype=float), target, mode)
    if k is None:
        return math.nan, math.nan
    return int(rows["epoch"].iloc[k]), float(rows["elapsed_s"].iloc[k])


# ---------------------------------------------------------------------------------------------
# AlgoPerf performance profiles
# ---------------------------------------------------------------------------------------------


def performance_ratios(times: pd.DataFrame) -> pd.DataFrame:
    """``r[p, s] = t[p, s] / min_s t[p, s]`` (AlgoPerf's performance ratios).

    ``times``: rows are problems, columns optimizers, values the time to target (e.g.
    ``stats.pivot(index="problem", columns="optimizer", values="seconds_to_target")``). NaN or inf
    means "never reached" and gives ratio inf; a problem no optimizer solved is inf throughout.
    Times must be >= 0; when the fastest time is 0, optimizers with time 0 get 1 and the others
    inf (the limit, as in hyperfine).
    """
    t = times.astype(float)
    values = t.to_numpy()
    if (values < 0).any():
        raise ValueError("times to target must be >= 0")
    values = np.where(np.isfinite(values), values, np.inf)
    best = values.min(axis=1, keepdims=True)
    with np.errstate(divide="ignore", invalid="ignore"):
        r = values / best
    r = np.where(np.isfinite(best), r, np.inf)  # nobody reached it
    r = np.where(best == 0.0, np.where(values == 0.0, 1.0, np.inf), r)
    return pd.DataFrame(r, index=t.index, columns=t.columns)


def performance_profile(ratios: pd.DataFrame, taus) -> pd.DataFrame:
    """``rho_s(tau)`` = fraction of problems with ``r[p, s] <= tau``; rows tau, columns optimizers.

    The denominator is every problem, including those nobody solved (AlgoPerf divides by the
    number of workloads). rho is a right-continuous step function of tau.
    """
    taus = np.asarray(taus, dtype=float).ravel()
    r = ratios.to_numpy(dtype=float)
    rho = (r[None, :, :] <= taus[:, None, None]).sum(axis=1) / max(r.shape[0], 1)
    return pd.DataFrame(rho, index=pd.Index(taus, name="tau"), columns=ratios.columns)


def algoperf_score(ratios: pd.DataFrame, r_max: float = 4.0) -> pd.Series:
    """AlgoPerf benchmark score ``B_s = 1/(r_max - 1) * integral_1^r_max rho_s(tau) dtau``, in [0, 1].

    This is the published normalisation (AlgoPerf technical documentation, "Integrating
    performance profiles for the benchmark score": divided by the integration area
    ``r_max - 1``, so that being fastest everywhere scores 1; ``r_max = 4``). rho_s is a step
    function, so the integral is exact: each problem contributes
    ``max(0, r_max - max(r, 1)) / (n_problems * (r_max - 1))``. (AlgoPerf's own code samples
    rho on a grid and uses the trapezoidal rule; this is its exact value.)
    """
    r_max = float(r_max)
    if not r_max > 1.0:
        raise ValueError(f"r_max must be > 1, got {r_max!r}")
    r = ratios.to_numpy(dtype=float)
    n = r.shape[0]
    if n == 0:
        return pd.Series(np.nan, index=ratios.columns, name="score")
    credit = np.clip(r_max - np.maximum(np.nan_to_num(r, nan=np.inf), 1.0), 0.0, None)
    return pd.Series(credit.sum(axis=0) / (n * (r_max - 1.0)), index=ratios.columns, name="score")


def profile_table(times: pd.DataFrame, r_max: float = 4.0, n_taus: int = 61) -> pd.DataFrame:
    """``profile.csv``: columns ``optimizer, tau, rho, score``, one row per optimizer and tau.

    ``times`` as for :func:`performance_ratios`. tau runs over ``n_taus`` evenly spaced values
    from 1 to ``r_max`` plus every finite ratio in that range (the breakpoints of rho, so the
    profile drawn as a "steps-post" line is exact); ``score`` is :func:`algoperf_score`.
    """
    ratios = performance_ratios(times)
    r = ratios.to_numpy(dtype=float)
    breaks = r[np.isfinite(r) & (r >= 1.0) & (r <= r_max)]
    taus = np.unique(np.concatenate([np.linspace(1.0, r_max, max(int(n_taus), 2)), breaks]))
    rho = performance_profile(ratios, taus)
    score = algoperf_score(ratios, r_max)
    frames = [
        pd.DataFrame({"optimizer": name, "tau": taus, "rho": rho[name].to_numpy(), "score": score[name]})
        for name in ratios.columns
    ]
    if not frames:
        return pd.DataFrame(columns=["optimizer", "tau", "rho", "score"])
    return pd.concat(frames, ignore_index=True)
