"""How numbers are written, everywhere: figures, tables, printed text and HTML pages.

One amount prints one way wherever it appears: :func:`usd` writes dollars compactly
(``$9,750``, ``$146M``, ``$1.44B``: two decimals below 10, one below 100, none from 100 up),
:func:`number` writes any other quantity with thousands separators and at most 6 significant
digits (whole units from 100,000 up), never in exponent notation (``1,440,230,000``, not
``1.44023e+09``), and a year is never given a thousands separator (``2035``, not ``2,035``).

Examples
--------
>>> usd(9750), usd(146_250_000), usd(1_440_230_000), usd(1.5e9), usd(12.5e9)
('$9,750', '$146M', '$1.44B', '$1.5B', '$12.5B')
>>> number(1_440_230_000.4), number(0.125), number(15000), number(2035, "year")
('1,440,230,000', '0.125', '15,000', '2035')
"""

from __future__ import annotations

import math

import numpy as np


def plain(x: float) -> str:
    """``x`` with thousands separators and up to two decimals, trailing zeros dropped:
    ``9,750``, ``1.5``, ``0.33``."""
    if float(x).is_integer():
        return f"{x:,.0f}"
    return f"{x:,.2f}".rstrip("0").rstrip(".")


def scaled(x: float) -> str:
    """A number of millions or billions: two decimals below 10, one below 100, none above."""
    digits = 2 if abs(x) < 10 else 1 if abs(x) < 100 else 0
    return plain(round(x, digits))


def usd(x: float, _pos=None) -> str:
    """US dollars, compactly: ``$950M``, ``$1.23B``, ``$9,750`` (also a matplotlib tick
    formatter: the second argument is the tick position, unused)."""
    sign = "-" if x < 0 else ""
    if abs(x) >= 1e9:
        return f"{sign}${scaled(abs(x) / 1e9)}B"
    if abs(x) >= 1e6:
        return f"{sign}${scaled(abs(x) / 1e6)}M"
    return f"{sign}${abs(x):,.0f}"


def thousands(x: float, _pos=None) -> str:
    """A count with thousands separators, no decimals (a tick formatter too)."""
    return f"{x:,.0f}"


def number(x: float, unit: str = "") -> str:
    """Any quantity: thousands separators, at most 6 significant digits, no exponent; a year
    (``unit == "year"``) without separators.

    Parameters
    ----------
    x : float
        The value.
    unit : str, optional
        Its unit; ``"year"`` means a calendar year.
    """
    x = float(x)
    if not math.isfinite(x):
        return str(x)
    if unit == "year":
        return f"{x:.0f}" if x.is_integer() else f"{x:g}"
    if x.is_integer() and abs(x) < 1e15:
        return f"{int(x):,}"
    if abs(x) >= 1e5:  # whole units are enough from a hundred thousand up
        return f"{x:,.0f}"
    text = np.format_float_positional(x, precision=6, unique=False, fractional=False,
                                      trim="-")
    whole, _, frac = text.partition(".")
    sign = "-" if whole.startswith("-") else ""
    whole = f"{int(whole.lstrip('-') or 0):,}"
    return sign + whole + ("." + frac if frac else "")


def not_estimable(factor: float, ci_level: float | None = None) -> str:
    """The words for a change whose interval is too wide to be a finding.

    Parameters
    ----------
    factor : float
        How many times the top of the interval is its bottom, on the scale of persons (ratio).
    ci_level : float, optional
        Probability covered by the interval, when known (for the text).

    Examples
    --------
    >>> not_estimable(524.6, 0.95)
    'not estimable from these data (the 95% interval spans a factor of 525)'
    >>> not_estimable(154.2)
    'not estimable from these data (the interval spans a factor of 154)'
    """
    level = f"{ci_level:.0%} " if ci_level is not None else ""
    return f"not estimable from these data (the {level}interval spans a factor of {factor:,.0f})"
