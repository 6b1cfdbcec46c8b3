"""Exceptions raised by dlbench.

The Python API raises these; the command line catches them at the edge and prints a one-line
message (exit status 2 for a usage error, 1 for a runtime error) instead of a traceback.
"""

from __future__ import annotations

__all__ = ["DlbenchError", "ConfigError", "invalid"]


class DlbenchError(Exception):
    """Something went wrong while running (unwritable folder, corrupt file...): exit status 1."""

    exit_code = 1


class ConfigError(DlbenchError, ValueError):
    """A parameter, option or experiment file has a bad value: a usage error, exit status 2."""

    exit_code = 2
    param: str | None = None
    """The parameter at fault, when one is (the command line names its option instead)."""
    owner: str | None = None
    expected: str | None = None
    got: object = None


def invalid(name: str, owner: str, expected: str, got: object) -> ConfigError:
    """The one message shape for a bad value, in scikit-learn's words.

    >>> str(invalid("momentum", "sgd", "a float in [0, 1]", 1.5))
    "The 'momentum' parameter of sgd must be a float in [0, 1]. Got 1.5 instead."
    """
    error = ConfigError(f"The '{name}' parameter of {owner} must be {expected}. Got {got!r} instead.")
    error.param, error.owner, error.expected, error.got = name, owner, expected, got
    return error
