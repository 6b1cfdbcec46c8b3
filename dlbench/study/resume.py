"""Continue a stopped comparison in its own results folder (``dlbench resume RESULTS_DIR``).

:func:`plan_resumption` decides what is finished and what is left: it refuses a folder that is
complete, one written by another version of dlbench, or one whose data changed since (each
problem's data hash, :mod:`dlbench.study.keys`), then reopens the folder
(:func:`dlbench.results.writer.reopen`) and returns a :class:`Resumption` whose
:class:`~dlbench.study.compare.Done` lists the finished tuning trials and final runs by their
task keys. :func:`dlbench.study.compare.compare` then runs only the rest, so the folder ends as an
uninterrupted comparison's would (every column but timings).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from ..errors import DlbenchError
from .compare import Done, load_problem
from .experiment import Experiment
from .keys import data_hash, task_key

__all__ = ["Resumption", "plan_resumption"]


@dataclass
class Resumption:
    """A stopped comparison, ready to continue: its folder, experiment, what is done, the timing
    settings it ran with (``repeat``, ``jobs``) and its ``command``/``kind`` (``extra``)."""

    folder: Path
    experiment: Experiment
    done: Done
    repeat: int
    jobs: int
    extra: dict
    finished_keys: set = field(default_factory=set)


def _refuse(folder: Path, why: str) -> DlbenchError:
    return DlbenchError(f"Cannot resume '{folder}': {why}")


def plan_resumption(folder: str | Path) -> Resumption:
    """Check ``folder`` can be resumed and reopen it (raises :class:`DlbenchError` otherwise)."""
    from .. import __version__
    from ..results.reader import _read_config
    from ..results.writer import STATE_FINISHED, reopen

    folder = Path(folder)
    config = _read_config(folder)
    if config.get("state") == STATE_FINISHED:
        raise _refuse(folder, "it is complete (every run finished); nothing to resume.")
    record = config.get("resume")
    if not isinstance(record, dict) or not isinstance(record.get("data_sha256"), dict):
        raise _refuse(folder, "config.json has no 'resume' record (written by an older dlbench, or not a comparison).")
    if record.get("dlbench") != __version__:
        raise _refuse(folder, f"it was written by dlbench {record.get('dlbench')}, this is dlbench {__version__}; "
                              "results of two versions are not mixed. Run the comparison again.")
    experiment = Experiment.from_dict(config["experiment"])
    experiment.check()
    for problem in experiment.resolved_problems():
        saved = record["data_sha256"].get(problem.name)
        if saved != data_hash(load_problem(problem)):
            raise _refuse(folder, f"the data of problem {problem.name!r} changed since the comparison started "
                                  "(its SHA-256 differs). Run the comparison again.")
    timing = config.get("timing") or {}
    summary, tuning = reopen(folder, config)
    trials = [] if tuning is None else tuning[["problem", "optimizer", "trial", "lr", "val_loss", "diverged"]].to_dict("records")
    finals = {(str(p), str(o), int(r)) for p, o, r in zip(summary["problem"], summary["optimizer"], summary["repetition"])}
    plan = record.get("plan_key", "")
    keys = {task_key(plan, "trial", t["problem"], t["optimizer"], t["trial"]) for t in trials}
    keys |= {task_key(plan, "final", p, o, r) for p, o, r in finals}
    extra = {k: config[k] for k in ("command", "kind") if k in config}
    return Resumption(folder, experiment, Done(trials, finals), int(timing.get("repeats") or 1),
                      int(timing.get("jobs") or 1), extra, keys)
