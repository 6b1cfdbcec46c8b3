"""Stable keys of a comparison's tasks: what makes a finished training reusable by ``dlbench resume``.

A task's result depends on its full configuration, its data and the code that trains it, so its
key is the SHA-256 of all three: :func:`plan_key` hashes the experiment (``Experiment.to_dict``,
canonical JSON), each problem's data (:func:`data_hash`) and dlbench's version; :func:`task_key`
adds the task's own place in the plan (tuning trial or final run, problem, run label, trial or
repetition). Two folders' tasks with equal keys are the same training.
"""

from __future__ import annotations

import hashlib
import json

import numpy as np

__all__ = ["data_hash", "plan_key", "task_key", "plan_record"]


def data_hash(data) -> str:
    """SHA-256 of a :class:`~dlbench.data.Dataset` as trained: its task, shape, class labels and
    the bytes of ``X`` and ``y`` (float64, C order)."""
    digest = hashlib.sha256()
    X = np.ascontiguousarray(data.X, dtype=np.float64)
    y = np.ascontiguousarray(data.y, dtype=np.float64)
    digest.update(json.dumps([data.task, list(X.shape), [str(c) for c in (data.classes or ())]]).encode())
    digest.update(X.tobytes())
    digest.update(y.tobytes())
    return digest.hexdigest()


def _canonical(value) -> str:
    return json.dumps(value, sort_keys=True, separators=(",", ":"), default=str)


def plan_key(experiment_dict: dict, hashes: dict, version: str) -> str:
    """SHA-256 of the experiment's configuration, the data hashes by problem and the version."""
    return hashlib.sha256(_canonical({"experiment": experiment_dict, "data": hashes, "dlbench": version}).encode()).hexdigest()


def task_key(plan: str, phase: str, problem: str, label: str, index: int) -> str:
    """The key of one task of the plan ``plan``: ``phase`` ``"trial"`` (``index`` the trial) or
    ``"final"`` (``index`` the repetition)."""
    return hashlib.sha256(_canonical([plan, phase, problem, label, int(index)]).encode()).hexdigest()[:32]


def plan_record(experiment, datasets: dict) -> dict:
    """What ``config.json`` keeps (key ``resume``) to recognise its plan later: dlbench's version,
    each problem's data hash and the plan key."""
    from .. import __version__

    hashes = {name: data_hash(d) for name, d in datasets.items()}
    return {"dlbench": __version__, "data_sha256": hashes, "plan_key": plan_key(experiment.to_dict(), hashes, __version__)}
