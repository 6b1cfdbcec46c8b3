"""Which run is best: the order of every table, export and ``dlbench runs``' "best".

An experiment is ranked by what it is about: the held-out (test) loss when it has a test split,
else the training loss (:func:`default_metric`); ``--rank-by METRIC`` chooses another one of
:data:`RANK_METRICS`. Diverged runs come last; over seeds, an optimizer with a diverged seed comes
after those without (a diverged seed counts as infinitely bad: the same "best" as before ranking
existed), and one whose every seed diverged last. Ties keep the order they came in. The files (``summary.csv``, ``stats.csv``) keep their own
order (by final training loss) so that the numbers and rows of existing folders never change:
ranking is a view.
"""

from __future__ import annotations

import math

from ..errors import ConfigError

__all__ = ["RANK_METRICS", "default_metric", "check_metric", "rank_summary", "rank_stats", "best_per_problem",
           "metric_words"]

RANK_METRICS = {
    "loss": ("final_loss", "min"), "test_loss": ("test_loss", "min"), "best_loss": ("best_loss", "min"),
    "accuracy": ("final_accuracy", "max"), "test_accuracy": ("test_accuracy", "max"),
    "rmse": ("final_rmse", "min"), "test_rmse": ("test_rmse", "min"),
    "r2": ("final_r2", "max"), "test_r2": ("test_r2", "max"),
    "time": ("train_seconds", "min"),
}
"""``--rank-by`` name -> (column of ``summary.csv``; ``_mean`` of it in ``stats.csv``, better is
``min`` or ``max``)."""

_WORDS = {"loss": "final training loss", "test_loss": "test loss", "best_loss": "best training loss",
          "accuracy": "training accuracy", "test_accuracy": "test accuracy", "rmse": "training RMSE",
          "test_rmse": "test RMSE", "r2": "training R²", "test_r2": "test R²", "time": "training time"}


def metric_words(metric: str) -> str:
    """``"test loss"`` for ``test_loss``: how a caption names the ranking."""
    return _WORDS[metric]


def check_metric(metric: str | None) -> str | None:
    """``metric`` if it is one of :data:`RANK_METRICS` (or ``None``), else a :class:`ConfigError`."""
    if metric is not None and metric not in RANK_METRICS:
        raise ConfigError(f"Invalid value for '--rank-by': must be one of {', '.join(RANK_METRICS)}. "
                          f"Got {metric!r} instead.")
    return metric


def _has(frame, column: str) -> bool:
    return column in frame and frame[column].astype(float).notna().any()


def default_metric(frame, stats: bool = False) -> str:
    """``test_loss`` when ``frame`` (``summary.csv``'s rows, or ``stats.csv``'s with ``stats``)
    holds a test loss, else ``loss``."""
    return "test_loss" if _has(frame, "test_loss_mean" if stats else "test_loss") else "loss"


def _key(frame, metric: str, stats: bool, diverged):
    column, mode = RANK_METRICS[metric]
    column = f"{column}_mean" if stats else column
    if column not in frame:
        raise ConfigError(f"Invalid value for '--rank-by': these results have no {metric_words(metric)} "
                          f"(no '{column}' column).")
    values = frame[column].astype(float)
    usable = ~diverged
    if usable.any() and not values[usable].notna().any():  # runs that should have it do not
        raise ConfigError(f"Invalid value for '--rank-by': these results have no {metric_words(metric)}.")
    if mode == "max":
        values = -values
    return values.where(values.notna() & ~diverged, math.inf)


def _sorted(frame, key, tier=None):
    import numpy as np

    problems = {p: i for i, p in enumerate(dict.fromkeys(frame["problem"]))}
    tier = np.zeros(len(frame)) if tier is None else np.asarray(tier, float)
    return (frame.assign(_p=frame["problem"].map(problems), _t=tier, _k=key.to_numpy(float), _i=np.arange(len(frame)))
            .sort_values(["_p", "_t", "_k", "_i"], kind="stable").drop(columns=["_p", "_t", "_k", "_i"]))


def rank_summary(summary, metric: str | None = None):
    """``summary.csv``'s rows, best first within each problem (problems keep their order) by
    ``metric`` (default :func:`default_metric`); diverged runs last."""
    metric = check_metric(metric) or default_metric(summary)
    if summary.empty:
        return summary
    diverged = summary["diverged"].astype(bool) if "diverged" in summary else summary["problem"].map(lambda _: False)
    return _sorted(summary, _key(summary, metric, False, diverged))


def rank_stats(stats, metric: str | None = None):
    """``stats.csv``'s rows, best first within each problem by the mean of ``metric`` over the
    seeds that did not diverge; an optimizer with a diverged seed comes after every optimizer
    without one (a diverged seed counts as infinitely bad), those whose every seed diverged last."""
    metric = check_metric(metric) or default_metric(stats, stats=True)
    if stats.empty:
        return stats
    diverged, runs = stats["diverged"].astype(float), stats["runs"].astype(float)  # counts of seeds
    tier = (diverged > 0).astype(int) + (diverged >= runs).astype(int)
    return _sorted(stats, _key(stats, metric, True, diverged >= runs), tier)


def best_per_problem(summary, metric: str | None = None) -> dict:
    """``{problem: label}`` of the best optimizer (:func:`rank_stats`: by the mean of ``metric``,
    an optimizer with a diverged seed after those without; ``None`` when every run of the problem
    diverged): the first row of the table ``dlbench show`` prints."""
    from ..study.stats import aggregate

    if summary.empty:
        return {}
    metric = check_metric(metric) or default_metric(summary)
    ranked = rank_stats(aggregate(summary), metric)
    out = {}
    for problem, group in ranked.groupby("problem", sort=False):
        first = group.iloc[0]
        column = RANK_METRICS[metric][0] + "_mean"
        usable = int(first["diverged"]) < int(first["runs"]) and math.isfinite(float(first[column]))
        out[problem] = str(first["optimizer"]) if usable else None
    return out
