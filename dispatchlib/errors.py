"""Exceptions with messages that say what was wrong, where, and what is allowed.

- :class:`ParameterError`: ``parameter <name> = <value> is not allowed: expected <allowed>``;
- :class:`DataError`: ``<file>, row N (line M), column 'c': <rule>, got '<value>'``.
"""

from __future__ import annotations

_MAX_SHOWN = 120  # characters of a value quoted in a message


def shown(value: object) -> str:
    """A value as quoted in a message: its ``repr`` (NumPy scalars as plain Python numbers),
    shortened to 120 characters."""
    if type(value).__module__ == "numpy" and hasattr(value, "item"):
        try:
            value = value.item()
        except (TypeError, ValueError):  # pragma: no cover - arrays of size > 1
            pass
    try:
        text = repr(value)
    except Exception:  # noqa: BLE001 - a broken __repr__ must not hide the real error
        text = f"<{type(value).__name__} object>"
    if len(text) > _MAX_SHOWN:
        text = f"{text[:_MAX_SHOWN - 15]}... ({len(text)} characters)"
    return text


class DispatchlibError(Exception):
    """Base class of the package's own errors."""


class ParameterError(DispatchlibError, ValueError):
    """A parameter value that is the wrong type, out of range, or unknown.

    The message names the parameter, the value given and what is allowed:
    ``parameter <name> = <value> is not allowed: expected <allowed>``.

    Attributes
    ----------
    name : str
        The parameter's name.
    value : object
        The value given.
    allowed : str
        What the parameter accepts, in plain words with its unit.
    """

    def __init__(self, name: str, value: object, allowed: str):
        self.name, self.value, self.allowed = name, value, allowed
        super().__init__(f"parameter {name!s} = {shown(value)} is not allowed: expected {allowed}")

    def __reduce__(self):
        # rebuild from the three parts (the default would call __init__ with the message only)
        return (type(self), (self.name, self.value, self.allowed))


class DataError(DispatchlibError, ValueError):
    """A data file that breaks its schema: the message names file, row, column and rule.

    Attributes
    ----------
    problems : list of str
        Every problem found (the message shows the first); one line each, in the form
        ``<file>, row N (line M), column 'c': <rule>, got '<value>'``.
    """

    def __init__(self, message: str, problems: list[str] | None = None):
        super().__init__(message)
        self.problems = list(problems) if problems else [message]

    def __reduce__(self):
        return (type(self), (str(self), self.problems))
