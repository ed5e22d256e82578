"""Exceptions with messages that say what was wrong, where, and what is allowed."""

from __future__ import annotations


class DispatchlibError(Exception):
    """Base class of the package's own errors."""


class ParameterError(DispatchlibError, ValueError):
    """A parameter value that is the wrong type, out of range, or unknown.

    The message names the parameter, the value given and what is allowed.
    """

    def __init__(self, name: str, value: object, allowed: str):
        self.name, self.value, self.allowed = name, value, allowed
        super().__init__(f"parameter {name!s} = {value!r} is not allowed: expected {allowed}")


class DataError(DispatchlibError, ValueError):
    """A data file that breaks its schema: the message names file, row, column and rule."""
