"""Tuning several hyperparameters with one budget (``--tune lr,momentum,beta2,weight_decay``).

``--tune lr`` alone keeps the log grid of :func:`dlbench.study.compare.lr_grid`. With any other
list of names, every optimizer gets the same ``budget`` of trials, drawn by a scrambled Halton
sequence (:func:`dlbench.study.halton.halton`, scrambled from the experiment's seed; AlgoPerf's
quasirandom search): trial ``t`` is the point ``t + 1`` of the sequence, one dimension per tuned
name in the order given, mapped into that name's :class:`Space`. An optimizer without one of the
names skips it (the trial keeps that optimizer's value); ``lr`` untuned stays the run's own.

A space is log-scaled for rates, epsilons and decays (names containing ``lr``, ``eps``,
``decay`` or ``lambd``) and linear otherwise (momentum-like factors in ``[0, 1)``). Its range is
the registry's (:class:`dlbench.hyper.Hyper` ``low``/``high``, intersected over the
experiment's optimizers that have the name; ``lr`` from ``lr_min``/``lr_max``), with
:data:`LOG_RANGES` where a log range has no positive lower or no finite upper bound, and is
overridden by ``[tuning.space]`` in an experiment file: ``momentum = [0.5, 0.99]`` or
``eps = { low = 1e-9, high = 1e-6, scale = "log" }``.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from ..errors import invalid

__all__ = ["Space", "tuned_names", "is_multi", "check_tuning", "search_space", "trial_settings", "setting_for",
           "LOG_WORDS", "LOG_RANGES"]

LOG_WORDS = ("lr", "eps", "decay", "lambd")
"""A tuned name containing one of these is searched in log scale."""
LOG_RANGES = {"weight_decay": (1e-5, 1e-1), "eps": (1e-10, 1e-3), "lr_decay": (1e-6, 1e-1),
              "momentum_decay": (1e-4, 1e-1), "adamw_weight_decay": (1e-5, 1e-1), "adamw_eps": (1e-10, 1e-3),
              "eps1": (1e-32, 1e-20), "eps2": (1e-4, 1e-2), "lambd": (1e-6, 1e-2)}
"""Default log ranges of hyperparameters whose registry range starts at 0 or has no upper bound."""
HALTON_STREAM = 3
"""The trials' Halton scrambling comes from ``default_rng([seed, 3])`` (streams 1 and 2 are the splits)."""


@dataclass(frozen=True)
class Space:
    """Where one hyperparameter is searched: ``[low, high)`` in ``scale`` ``log`` or ``linear``."""

    name: str
    low: float
    high: float
    scale: str

    def at(self, u) -> np.ndarray:
        """The values at the unit-interval points ``u``."""
        u = np.asarray(u, dtype=float)
        if self.scale == "log":
            return np.exp(math.log(self.low) + u * (math.log(self.high) - math.log(self.low)))
        return self.low + u * (self.high - self.low)


def tuned_names(tune) -> tuple[str, ...]:
    """The names of ``tune`` (``"lr,momentum"`` or a list), in order, without repeats."""
    if not tune:
        return ()
    items = tune.split(",") if isinstance(tune, str) else list(tune)
    out: list[str] = []
    for item in items:
        name = str(item).strip()
        if name and name not in out:
            out.append(name)
    return tuple(out)


def is_multi(experiment) -> bool:
    """Whether ``experiment`` tunes by Halton trials (anything but ``lr`` alone)."""
    names = tuned_names(experiment.tune)
    return bool(names) and names != ("lr",)


def _hypers(name: str, runs):
    from ..optimizers import get_optimizer

    return [h for run in runs for h in get_optimizer(run.optimizer).hypers if h.name == name and h.kind == "float"]


def _tunable() -> list[str]:
    from ..optimizers import OPTIMIZERS, get_optimizer

    names = {"lr"}
    for optimizer in OPTIMIZERS:
        names |= {h.name for h in get_optimizer(optimizer).hypers if h.kind == "float"}
    return sorted(names)


def check_tuning(experiment, owner: str = "the experiment") -> None:
    """Check ``tune`` (names of the registry's float hyperparameters, or ``lr``) and, when
    several are tuned, every search space (raises :class:`ConfigError`)."""
    names = tuned_names(experiment.tune)
    if experiment.tune is not None and not names:
        raise invalid("tune", owner, "'lr' or a comma-separated list of hyperparameters such as lr,momentum",
                      experiment.tune)
    known = set(_tunable())
    for name in names:
        if name not in known:
            raise invalid("tune", owner, "'lr' or hyperparameters of the registry (comma-separated, e.g. "
                          "lr,momentum,beta2,weight_decay; see 'dlbench list optimizers')", name)
    space = experiment.tune_space or {}
    if not isinstance(space, dict):
        raise invalid("tuning.space", owner, "a table of NAME = [low, high]", space)
    for name in space:
        if name not in names:
            raise invalid("tuning.space", owner, f"ranges of tuned hyperparameters only ({', '.join(names) or 'none'})",
                          name)
    if is_multi(experiment):
        search_space(experiment, owner)


def _override(name: str, value, owner: str):
    where = f"tuning.space.{name}"
    if isinstance(value, (list, tuple)) and len(value) == 2:
        low, high, scale = value[0], value[1], None
    elif isinstance(value, dict) and set(value) <= {"low", "high", "scale"} and {"low", "high"} <= set(value):
        low, high, scale = value["low"], value["high"], value.get("scale")
    else:
        raise invalid(where, owner, "[low, high] or { low = ..., high = ..., scale = \"log\" or \"linear\" }", value)
    if any(isinstance(v, bool) or not isinstance(v, (int, float)) for v in (low, high)):
        raise invalid(where, owner, "two numbers [low, high]", value)
    if scale not in (None, "log", "linear"):
        raise invalid(where, owner, "a scale of \"log\" or \"linear\"", scale)
    return float(low), float(high), scale


def search_space(experiment, owner: str = "the experiment") -> list[Space]:
    """One :class:`Space` per tuned name of ``experiment`` (see the module docstring)."""
    runs = experiment.resolved_runs()
    overrides = experiment.tune_space or {}
    out = []
    for name in tuned_names(experiment.tune):
        scale = "log" if any(w in name for w in LOG_WORDS) else "linear"
        hypers = [] if name == "lr" else _hypers(name, runs)
        if name != "lr" and not hypers:
            raise invalid("tune", owner, "a hyperparameter of at least one of the experiment's optimizers "
                          f"({', '.join(sorted({r.optimizer for r in runs}))})", name)
        if name == "lr":
            low, high = float(experiment.lr_min), float(experiment.lr_max)
        else:
            lows = [h.low for h in hypers if h.low is not None]
            highs = [h.high for h in hypers if h.high is not None]
            low = max(lows) if lows else None
            high = min(highs) if highs else None
            if scale == "log" and (low is None or low <= 0 or high is None):
                default = LOG_RANGES.get(name)
                if default is not None:
                    low = max(default[0], low) if low is not None and low > 0 else default[0]
                    high = min(default[1], high) if high is not None else default[1]
                else:
                    low = high = None
        if name in overrides:
            low, high, given = _override(name, overrides[name], owner)
            scale = given or scale
        if low is None or high is None:
            raise invalid("tune", owner, f"a hyperparameter with a bounded range; give {name!r} one in "
                          f"[tuning.space] ({name} = [low, high])", name)
        if not (math.isfinite(low) and math.isfinite(high) and low < high) or (scale == "log" and low <= 0):
            raise invalid(f"tuning.space.{name}", owner, "a range low < high, finite" +
                          (", low > 0 (log scale)" if scale == "log" else ""), [low, high])
        for h in hypers:  # every value drawn must be valid for every optimizer that takes it
            inside = h._in_range(low) and (h._in_range(high) or (h.high_open and high == h.high))
            if not inside:
                raise invalid(f"tuning.space.{name}", owner, f"a range inside {h.describe()}", [low, high])
        out.append(Space(name, low, high, scale))
    return out


def trial_settings(experiment) -> list[dict]:
    """The ``n_trials`` settings (name -> value) every optimizer tries, the same for all."""
    from .halton import halton

    spaces = search_space(experiment)
    n = experiment.n_trials
    points = halton(n, len(spaces), seed=[int(experiment.seed), HALTON_STREAM])
    columns = [space.at(points[:, d]) for d, space in enumerate(spaces)]
    return [{space.name: float(columns[d][t]) for d, space in enumerate(spaces)} for t in range(n)]


def setting_for(run, setting: dict) -> tuple[float | None, tuple]:
    """``(lr, hyperparameters)`` of ``setting`` for ``run``: the names its optimizer takes (``lr``
    always; untuned, the run's own), as sorted ``(name, value)`` pairs."""
    from ..optimizers import get_optimizer

    takes = {h.name for h in get_optimizer(run.optimizer).hypers}
    pairs = tuple(sorted((k, v) for k, v in setting.items() if k != "lr" and k in takes))
    return setting.get("lr", run.lr), pairs
