"""The arithmetic of labour dispatch: pure, vectorised functions with units.

Every function accepts scalars or NumPy arrays (broadcast against each other) and returns the
same shape. Amounts are in US dollars (USD) of the year the source refers to; head counts are
persons; durations are years or months as named.

Each argument has a domain (no negative amounts or head counts, months and divisors above 0,
shares from 0 to 1): a value outside it, or NaN or an infinity, raises
:class:`~dispatchlib.errors.ParameterError` naming the argument, never returns ``inf`` or
``nan``.

The figures used in the examples are those of Lankov (2025), sections 3 and 4:
$6,500 paid to the state over 8 months, about $1,500 saved a year, a $400 bribe for a Russian
posting, and the UN Panel of Experts' ~$500 million a year from ~100,000 workers abroad.
"""

from __future__ import annotations

import numpy as np
from numpy.typing import ArrayLike

from dispatchlib.errors import ParameterError

MONTHS_PER_YEAR = 12


def _domain(name: str, value: ArrayLike, *, positive: bool = False,
            at_most_one: bool = False) -> np.ndarray:
    """``value`` as a float array, every element finite and at least 0 (above 0 when
    ``positive``; at most 1 when ``at_most_one``), or ParameterError naming ``name`` and the
    first element outside."""
    try:
        arr = np.asarray(value, dtype=float)
    except (TypeError, ValueError):
        raise ParameterError(name, value, "a number or an array of numbers") from None
    bad = ~np.isfinite(arr) | ((arr <= 0) if positive else (arr < 0))
    if at_most_one:
        bad |= arr > 1
    if bad.any():
        first = arr[bad].flat[0] if arr.ndim else arr.item()
        shown = int(first) if float(first).is_integer() else float(first)
        allowed = ("a number above 0" if positive else
                   "a share from 0 to 1" if at_most_one else "a number of at least 0")
        raise ParameterError(name, shown, allowed)
    return arr


def annual_quota(amount_usd: ArrayLike, months: ArrayLike) -> np.ndarray:
    """Yearly payment to the state implied by an amount paid over some months.

    Parameters
    ----------
    amount_usd : array_like
        Amount paid to the state ("plan funds") over ``months``, USD per worker.
    months : array_like
        Length of the period the amount covers, months (> 0).

    Returns
    -------
    numpy.ndarray
        USD per worker per year: ``amount_usd / months * 12``.

    Examples
    --------
    >>> float(annual_quota(6500, 8))   # the brief's 2022 documents
    9750.0
    """
    return _domain("amount_usd", amount_usd) / _domain("months", months, positive=True) * (
        MONTHS_PER_YEAR)


def state_revenue(workers: ArrayLike, quota_usd_per_year: ArrayLike) -> np.ndarray:
    """Yearly revenue to the state from the workers' quota payments.

    Parameters
    ----------
    workers : array_like
        Workers abroad during the year, persons.
    quota_usd_per_year : array_like
        Payment to the state per worker, USD per worker per year.

    Returns
    -------
    numpy.ndarray
        USD per year: ``workers * quota_usd_per_year``.

    Examples
    --------
    >>> float(state_revenue(100_000, 9750))
    975000000.0
    """
    return _domain("workers", workers) * _domain("quota_usd_per_year", quota_usd_per_year)


def household_savings(workers: ArrayLike, savings_usd_per_year: ArrayLike) -> np.ndarray:
    """Yearly savings kept by all workers together (money for their households).

    Parameters
    ----------
    workers : array_like
        Workers abroad, persons.
    savings_usd_per_year : array_like
        Saved by one worker in a year, USD per worker per year.

    Returns
    -------
    numpy.ndarray
        USD per year: ``workers * savings_usd_per_year``.

    Examples
    --------
    >>> float(household_savings(100_000, 1500))
    150000000.0
    """
    return _domain("workers", workers) * _domain("savings_usd_per_year", savings_usd_per_year)


def returnee_capital(savings_usd_per_year: ArrayLike, years_abroad: ArrayLike) -> np.ndarray:
    """Capital one worker brings home at the end of a posting.

    Parameters
    ----------
    savings_usd_per_year : array_like
        Saved per year abroad, USD per worker per year.
    years_abroad : array_like
        Length of the posting, years.

    Returns
    -------
    numpy.ndarray
        USD per returnee: ``savings_usd_per_year * years_abroad``.

    Examples
    --------
    >>> float(returnee_capital(1500, 4))   # the brief's $5,000-6,000 after 3-4 years
    6000.0
    """
    return (_domain("savings_usd_per_year", savings_usd_per_year)
            * _domain("years_abroad", years_abroad))


def bribe_payback_months(bribe_usd: ArrayLike, savings_usd_per_year: ArrayLike) -> np.ndarray:
    """Months of a worker's savings needed to recover the bribe paid for the posting.

    Parameters
    ----------
    bribe_usd : array_like
        Bribe paid to be selected, USD.
    savings_usd_per_year : array_like
        Saved per year abroad, USD per worker per year (> 0).

    Returns
    -------
    numpy.ndarray
        Months: ``bribe_usd / (savings_usd_per_year / 12)``.

    Examples
    --------
    >>> float(bribe_payback_months(400, 1500))
    3.2
    """
    monthly = _domain("savings_usd_per_year", savings_usd_per_year, positive=True) / (
        MONTHS_PER_YEAR)
    return _domain("bribe_usd", bribe_usd) / monthly


def per_worker_revenue(total_usd_per_year: ArrayLike, workers: ArrayLike) -> np.ndarray:
    """Revenue per worker implied by an aggregate estimate.

    Parameters
    ----------
    total_usd_per_year : array_like
        Aggregate revenue, USD per year (e.g. the UN Panel's ~$500 million).
    workers : array_like
        Workers the aggregate covers, persons (> 0).

    Returns
    -------
    numpy.ndarray
        USD per worker per year: ``total_usd_per_year / workers``.

    Examples
    --------
    >>> float(per_worker_revenue(500e6, 100_000))
    5000.0
    """
    return (_domain("total_usd_per_year", total_usd_per_year)
            / _domain("workers", workers, positive=True))


def workers_needed(target_usd_per_year: ArrayLike, quota_usd_per_year: ArrayLike) -> np.ndarray:
    """Workers needed for the state's revenue to reach a target.

    Parameters
    ----------
    target_usd_per_year : array_like
        Revenue target, USD per year (e.g. $1 billion).
    quota_usd_per_year : array_like
        Payment to the state per worker, USD per worker per year (> 0).

    Returns
    -------
    numpy.ndarray
        Persons: ``target_usd_per_year / quota_usd_per_year`` (not rounded).

    Examples
    --------
    >>> round(float(workers_needed(1e9, 9750)))
    102564
    """
    target = _domain("target_usd_per_year", target_usd_per_year)
    return target / _domain("quota_usd_per_year", quota_usd_per_year, positive=True)


def state_take(gross_wage_usd_month: ArrayLike, state_share: ArrayLike) -> np.ndarray:
    """Yearly amount of one worker's gross pay handed to the state.

    Parameters
    ----------
    gross_wage_usd_month : array_like
        Gross pay, USD per worker per month.
    state_share : array_like
        Share of gross pay handed over, a ratio from 0 to 1.

    Returns
    -------
    numpy.ndarray
        USD per worker per year: ``gross_wage_usd_month * 12 * state_share``.

    Examples
    --------
    >>> float(state_take(800, 0.5))
    4800.0
    """
    gross_year = _domain("gross_wage_usd_month", gross_wage_usd_month) * MONTHS_PER_YEAR
    return gross_year * _domain("state_share", state_share, at_most_one=True)
