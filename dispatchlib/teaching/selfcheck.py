"""Self-checks for exercises, and the switch that keeps interactive parts out of batch runs.

**Self-checks.** :func:`check_answer` never raises: it prints whether an answer is within
tolerance and, if not, which way it is off and a hint. A blank answer (``None`` or ``...``)
prints a reminder, so the cells after it still run.

**Headless runs.** An explorer (:mod:`dispatchlib.teaching.explorers`) is built only for a
notebook frontend that can show it (:func:`frontend`: JupyterLab, Jupyter Notebook 7, VS Code).
Under papermill, nbclient, nbval, nbconvert or nbgrader, as under plain Python, no explorer is
built; setting ``DISPATCHLIB_HEADLESS=1`` or nbgrader's ``NBGRADER_EXECUTION`` turns them off
even in JupyterLab (:func:`headless`). Nothing in a lesson depends on an explorer.
"""


from __future__ import annotations

import math
import os
import re
import sys

from dispatchlib import formatting
from dispatchlib.errors import shown

HEADLESS_VARIABLES = ("DISPATCHLIB_HEADLESS", "NBGRADER_EXECUTION")
#: CSS class of every explorer's outer box (the browser test looks for it)
EXPLORER_CLASS = "dispatchlib-explorer"


def frontend() -> bool:
    """True when this code runs in a Jupyter kernel for a notebook frontend that shows widgets.

    A notebook frontend (JupyterLab, Jupyter Notebook 7, VS Code) sends the id of the cell it
    runs with every request (``cellId`` in the request's metadata); papermill, nbclient, nbval,
    nbconvert and ``jupyter_client`` send none. A frontend that has opened ipywidgets' control
    channel counts as well. Plain Python and terminal IPython have no frontend.
    """
    try:
        from IPython import get_ipython
    except ImportError:  # pragma: no cover - IPython comes with Jupyter
        return False
    shell = get_ipython()
    kernel = getattr(shell, "kernel", None)
    if kernel is None:
        return False
    widget = sys.modules.get("ipywidgets.widgets.widget")
    if widget is not None and getattr(widget.Widget, "_control_comm", None) is not None:
        return True
    try:
        parent = kernel.get_parent("shell")
    except (AttributeError, TypeError):  # pragma: no cover - ipykernel < 6
        parent = getattr(shell, "parent_header", None)
    metadata = (parent or {}).get("metadata") or {}
    return bool(metadata.get("cellId"))


def headless() -> bool:
    """True when no explorer should be built: no notebook frontend (:func:`frontend`), or
    ``DISPATCHLIB_HEADLESS`` / ``NBGRADER_EXECUTION`` set (an empty value counts as unset)."""
    return any(os.environ.get(v) for v in HEADLESS_VARIABLES) or not frontend()


# --------------------------------------------------------------------------- self-checks

_NUMBER_TEXT = re.compile(r"^[+-]?(\d+(\.\d*)?|\.\d+)(e[+-]?\d+)?$", re.IGNORECASE)


def _as_number(answer) -> tuple[float | None, str]:
    """``(value, "")`` for an answer that is one number, else ``(None, reason)``.

    Accepts Python and NumPy numbers, one-element arrays or Series, and text such as
    ``"13,000"`` or ``"$13,000"`` (commas, spaces, underscores and a leading ``$`` are ignored).
    """
    if isinstance(answer, bool):
        return None, f"expected a number, got {answer!r}"
    if isinstance(answer, str):
        text = re.sub(r"[\s,_]", "", answer).removeprefix("$").removeprefix("US$")
        if not _NUMBER_TEXT.match(text):
            return None, f"expected a number, got the text {shown(answer)}"
        answer = text
    if hasattr(answer, "to_numpy"):  # a pandas Series or one-cell DataFrame
        answer = answer.to_numpy()
    if hasattr(answer, "reshape") and hasattr(answer, "size"):  # a NumPy array or scalar
        if answer.size != 1:
            return None, f"expected one number, got {answer.size} values"
        answer = answer.reshape(-1)[0]
        answer = answer.item() if hasattr(answer, "item") else answer
        if isinstance(answer, bool):
            return None, f"expected a number, got {answer!r}"
    try:
        value = float(answer)
    except (TypeError, ValueError, OverflowError):
        return None, f"expected a number, got {type(answer).__name__} {shown(answer)}"
    if math.isnan(value):
        return None, "the answer is NaN (not a number): check the calculation"
    return value, ""


def check_answer(label: str, answer, expected: float, rel_tol: float = 0.01,
                 hint: str = "", abs_tol: float = 1e-9, unit: str = "") -> None:
    """Compare an exercise answer with the expected value and print the verdict.

    Parameters
    ----------
    label : str
        Name of the exercise, printed with the verdict.
    answer : float, str or None
        The student's answer; ``None`` or ``...`` means "not answered yet". Text holding one
        number (``"13,000"``, ``"$13,000"``) is read as that number.
    expected : float
        The value computed by the library for the same question (in the exercise's unit).
    rel_tol : float
        Allowed relative difference (0.01 = 1 %; 0 for whole numbers such as years).
    hint : str
        Printed when the answer is off or is not a number.
    abs_tol : float
        Allowed absolute difference, in the answer's unit (for expected values near zero).
    unit : str
        ``"year"`` shows the answer as a year (``2028``, never ``2,028``).

    Nothing is returned (so a notebook cell shows only the verdict), and nothing is raised,
    whatever the answer: a wrong or blank answer never stops the cells after it.

    Examples
    --------
    >>> check_answer("Exercise 1", 13000, 13000.0)
    Exercise 1: correct (13,000).
    >>> check_answer("Exercise 1", 12000, 13000.0, hint="amount / months * 12")
    Exercise 1: not yet - 12,000 is too low (off by more than 1%). Hint: amount / months * 12
    >>> check_answer("Exercise 1", ..., 13000.0)
    Exercise 1: no answer yet - replace ... with your number and run the cell again.
    >>> check_answer("Exercise 2", 2028, 2028.0, rel_tol=0, unit="year")
    Exercise 2: correct (2028).
    """
    try:
        _check(label, answer, expected, rel_tol, hint, abs_tol, unit)
    except Exception as exc:  # noqa: BLE001 - a self-check must never stop a lesson
        print(f"{label}: could not check this answer ({type(exc).__name__}: {exc}).")


def _check(label: str, answer, expected, rel_tol: float, hint: str, abs_tol: float,
           unit: str = "") -> None:
    tail = f" Hint: {hint}" if hint else ""

    def text(x: float) -> str:  # years never get a thousands separator
        return formatting.number(x, unit)

    if answer is None or answer is Ellipsis:
        print(f"{label}: no answer yet - replace ... with your number and run the cell again.")
        return
    value, problem = _as_number(answer)
    if value is None:
        print(f"{label}: {problem}.{tail}")
        return
    target, problem = _as_number(expected)
    if target is None:
        print(f"{label}: cannot check - there is no expected value to compare with "
              f"({shown(expected)}).")
        return
    rel_tol, abs_tol = max(float(rel_tol), 0.0), max(float(abs_tol), 0.0)
    if math.isclose(value, target, rel_tol=rel_tol, abs_tol=abs_tol):
        print(f"{label}: correct ({text(value)}).")
        return
    side = "too high" if value > target else "too low"
    margin = f" (off by more than {rel_tol:.0%})" if rel_tol else ""
    print(f"{label}: not yet - {text(value)} is {side}{margin}.{tail}")
