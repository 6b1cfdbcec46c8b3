"""dlbench: compare neural-network optimizers, honestly and fast.

Multilayer perceptrons (the article's one-hidden-layer ReLU network by default) for binary,
multi-class and regression tasks, trained by Numba-compiled kernels with any registered optimizer
and learning-rate schedule; results as pandas DataFrames and CSV files.

>>> import dlbench
>>> data = dlbench.make_dataset("random", n_samples=100, n_features=10, seed=0)
>>> params = dlbench.init_params(10, 8, init="glorot", seed=0)
>>> result = dlbench.train(data.X, data.y, params, optimizer="adam", epochs=200)

Attributes are imported lazily, so ``import dlbench`` (and the command line's ``--help``) does not
load Numba or pandas until they are needed.
"""

from __future__ import annotations

from ._lazy import lazy

from ._version import __version__

_EXPORTS = {
    "make_dataset": "data",
    "Dataset": "data",
    "Params": "model",
    "init_params": "model",
    "train": "training",
    "TrainResult": "training",
    "compare": "study.compare",
    "Comparison": "study.compare",
    "Experiment": "study.experiment",
    "Run": "study.experiment",
    "load_experiment": "study.experiment",
    "default_experiment": "study.experiment",
    "article_experiment": "study.experiment",
    "OPTIMIZERS": "optimizers",
    "get_optimizer": "optimizers",
    "SCHEDULES": "schedules",
    "get_schedule": "schedules",
    "load_csv": "data",
    "load_bundled": "data",
    "problem_table": "data",
    "Network": "model.spec",
    "split": "data",
    "standardize": "data",
    "Problem": "study.experiment",
    "Target": "study.experiment",
    "DlbenchError": "errors",
    "ConfigError": "errors",
}

__all__ = ["__version__", *_EXPORTS]

__getattr__, __dir__ = lazy(__name__, _EXPORTS, ["__version__"])
