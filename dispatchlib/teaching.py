"""Classroom helpers: self-checks for exercises, and the switch that keeps interactive parts out
of batch runs.

A self-check never raises: it prints whether an answer is within tolerance and, if not, a hint.
A blank answer (``None`` or ``...``) prints a reminder, so later cells still run.
"""

from __future__ import annotations

import math
import os

HEADLESS_VARIABLES = ("DISPATCHLIB_HEADLESS", "NBGRADER_EXECUTION")


def headless() -> bool:
    """True when the notebook runs in a batch (papermill via the runner, nbval, nbgrader).

    The runner and the test suite set ``DISPATCHLIB_HEADLESS=1``; nbgrader sets
    ``NBGRADER_EXECUTION``.
    """
    return any(os.environ.get(v) for v in HEADLESS_VARIABLES)


def check_answer(label: str, answer, expected: float, rel_tol: float = 0.01,
                 hint: str = "") -> None:
    """Compare an exercise answer with the expected value and print the verdict.

    Parameters
    ----------
    label : str
        Name of the exercise, printed with the verdict.
    answer : float or None
        The student's answer; ``None`` or ``...`` means "not answered yet".
    expected : float
        The value computed by the library for the same question.
    rel_tol : float
        Allowed relative difference (0.01 = 1 %).
    hint : str
        Printed when the answer is off.

    Nothing is returned (so a notebook cell shows only the verdict); it never raises.
    """
    if answer is None or answer is Ellipsis:
        print(f"{label}: no answer yet - replace ... with your number and run the cell again.")
        return
    try:
        value = float(answer)
    except (TypeError, ValueError):
        print(f"{label}: expected a number, got {answer!r}.")
        return
    if math.isclose(value, expected, rel_tol=rel_tol, abs_tol=1e-9):
        print(f"{label}: correct ({value:,.6g}).")
        return
    print(f"{label}: not yet - {value:,.6g} is off by more than {rel_tol:.0%}." +
          (f" Hint: {hint}" if hint else ""))
