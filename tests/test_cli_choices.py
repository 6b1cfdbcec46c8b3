"""The command line's choices (dlbench/cli/choices.py, kept free of the registries so that
`dlbench --help` stays fast) name exactly the registries' optimizers and schedules, in order."""

from dlbench.cli.choices import OPTIMIZER_NAMES, SCHEDULE_NAMES
from dlbench.optimizers import OPTIMIZERS
from dlbench.schedules import SCHEDULES


def test_optimizer_choices_are_the_registry():
    assert list(OPTIMIZER_NAMES) == list(OPTIMIZERS)


def test_schedule_choices_are_the_registry():
    assert list(SCHEDULE_NAMES) == list(SCHEDULES)
