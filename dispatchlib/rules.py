"""The cross-parameter rules named in ``dispatchlib/parameters.json``, by the same names.

Each rule takes the checked values of one notebook (a namespace, as :func:`dispatchlib.check`
returns) and raises :class:`~dispatchlib.errors.ParameterError` naming the parameter to change.
The registry file lists, for each rule, the parameters it reads, the notebooks applying it and
its message; :func:`for_notebook` gives a notebook's rules, which both its validation cell
(``dl.check(rules=dl.prospects.RULES, ...)``) and ``python -m dispatchlib run`` apply before
any kernel starts.

Examples
--------
>>> from types import SimpleNamespace as P
>>> try:
...     years_in_order(P(start_year=2030, end_year=2025))
... except ParameterError as exc:
...     print(exc)
parameter end_year = 2025 is not allowed: expected a year after start_year = 2030 (year)
"""

from __future__ import annotations

from collections.abc import Callable
from types import SimpleNamespace

from dispatchlib.errors import ParameterError
from dispatchlib.params import read_registry

Rule = Callable[[SimpleNamespace], None]


def _nonempty(name: str) -> Rule:
    def rule(p: SimpleNamespace) -> None:
        if hasattr(p, name) and not getattr(p, name):
            raise ParameterError(name, getattr(p, name), "at least one value")
    rule.__name__ = f"{name}_not_empty"
    return rule


measures_not_empty = _nonempty("measures")
grades_not_empty = _nonempty("grades")


def enough_figures(p: SimpleNamespace) -> None:
    """The chosen measures and grades leave more figures than the model has coefficients.

    Raises
    ------
    ParameterError
        Naming ``grades`` (or ``measures``) with the number of figures left.
    """
    from dispatchlib.lessons.history import DEFAULT_MEASURES, GRADES, era_design, select

    measures = getattr(p, "measures", DEFAULT_MEASURES)
    grades = getattr(p, "grades", GRADES)
    if not measures or not grades:
        return
    sel = select(measures=measures, grades=grades)
    k = era_design(sel["t"], sel["era"]).shape[1] if len(sel) else 0
    if len(sel) <= k:
        name = "grades" if hasattr(p, "grades") else "measures"
        raise ParameterError(
            name, getattr(p, name),
            f"measures and grades that leave more figures than coefficients to fit "
            f"(measures {list(measures)} with grades {list(grades)} leave {len(sel)} "
            f"figure(s) for {k} coefficient(s))")


def breaks_in_order(p: SimpleNamespace) -> None:
    """``its_start_year < sanctions_year < revival_year``.

    Raises
    ------
    ParameterError
        Naming ``revival_year`` (or ``sanctions_year``) and the order expected.
    """
    start = getattr(p, "its_start_year", None)
    s = getattr(p, "sanctions_year", None)
    r = getattr(p, "revival_year", None)
    if s is not None and r is not None and not s < r:
        raise ParameterError("revival_year", r,
                             f"a year after sanctions_year = {s} (sanctions before revival)")
    if start is not None and s is not None and not start < s:
        raise ParameterError("sanctions_year", s,
                             f"a year after its_start_year = {start}")


def enough_years(p: SimpleNamespace) -> None:
    """Every segment of the time series holds at least
    :data:`dispatchlib.sanctions.MIN_SEGMENT_YEARS` yearly values (default measures, grades).

    Raises
    ------
    ParameterError
        Naming ``its_start_year``, ``sanctions_year`` or ``revival_year``.
    """
    from dispatchlib.lessons.sanctions import annual_series, check_segments

    start = getattr(p, "its_start_year", 2010)
    s, r = getattr(p, "sanctions_year", 2018), getattr(p, "revival_year", 2022)
    years = annual_series(start_year=start).index.to_numpy()
    check_segments(years, s, r, pre_name="its_start_year", pre_value=start)


def years_in_order(p: SimpleNamespace) -> None:
    """``start_year`` before ``end_year``."""
    if p.end_year <= p.start_year:
        raise ParameterError("end_year", p.end_year,
                             f"a year after start_year = {p.start_year} (year)")


def ceiling_above_start(p: SimpleNamespace) -> None:
    """The ramp's ceiling (``ceiling``, or the ``ramp_scenario``'s) lies above
    ``start_workers``."""
    from dispatchlib.lessons.prospects import outlook

    o = outlook(p)
    if o.ceiling > o.start_workers:
        return
    if getattr(p, "ceiling", 0):
        raise ParameterError("ceiling", p.ceiling,
                             f"more workers than start_workers = {o.start_workers:,} (persons)")
    raise ParameterError("start_workers", p.start_workers,
                         f"fewer workers than the {o.ramp_scenario} ramp's ceiling of "
                         f"{o.ceiling:,} (persons), or set ceiling")


def midpoint_in_range(p: SimpleNamespace) -> None:
    """A midpoint year given is not before ``start_year``."""
    m = getattr(p, "midpoint_year", 0)
    if m and m < p.start_year:
        raise ParameterError("midpoint_year", m,
                             f"0 (the ramp's own year) or a year from start_year = "
                             f"{p.start_year} on (year)")


def whole_years_abroad(p: SimpleNamespace) -> None:
    """Postings of at least a year (the rotation steps a year at a time)."""
    if getattr(p, "years_abroad", 1) < 1:
        raise ParameterError("years_abroad", p.years_abroad,
                             "at least 1 year here: the rotation model steps a year at a time")


def contract_share_not_higher(p: SimpleNamespace) -> None:
    """The contract-system lever leaves workers at least as large a share as now
    (``contract_state_share <= state_share``)."""
    if p.contract_state_share > p.state_share:
        raise ParameterError("contract_state_share", p.contract_state_share,
                             f"a share no higher than state_share = {p.state_share:g} (ratio): "
                             "the lever leaves workers more, not less")


def pay_covers_state_and_savings(p: SimpleNamespace) -> None:
    """A year's gross pay holds the state's take and the savings, so that living costs (the
    rest, :func:`dispatchlib.implications.flow_of_funds`) are not negative.

    ``12 * gross_wage_usd * (1 - state_share) >= savings_usd``; the message names all three
    values and the most that can be saved (or the least pay needed) with the other two.

    Examples
    --------
    >>> from types import SimpleNamespace as P
    >>> pay_covers_state_and_savings(P(gross_wage_usd=800, state_share=0.5, savings_usd=1500))
    >>> try:
    ...     pay_covers_state_and_savings(P(gross_wage_usd=800, state_share=0.9,
    ...                                    savings_usd=1500))
    ... except ParameterError as exc:
    ...     print(exc)  # doctest: +NORMALIZE_WHITESPACE
    parameter savings_usd = 1500 is not allowed: expected at most 960 (USD per worker per year)
    with gross_wage_usd = 800 and state_share = 0.9: what is left of 9,600 a year of pay after
    the state's 8,640; more would make living costs negative (lower state_share or savings_usd,
    or raise gross_wage_usd to at least 1,250)
    """
    from dispatchlib.model.formulas import MONTHS_PER_YEAR, state_take

    gross = p.gross_wage_usd * MONTHS_PER_YEAR
    state = float(state_take(p.gross_wage_usd, p.state_share))
    left = gross - state
    if p.savings_usd <= left + 1e-9:
        return
    if p.state_share < 1:
        need = p.savings_usd / (MONTHS_PER_YEAR * (1 - p.state_share))
        fix = (f"lower state_share or savings_usd, or raise gross_wage_usd to at least "
               f"{need:,.0f}")
    else:
        fix = "a state_share of 1 leaves nothing: lower it"
    raise ParameterError(
        "savings_usd", p.savings_usd,
        f"at most {left:,.0f} (USD per worker per year) with gross_wage_usd = "
        f"{p.gross_wage_usd:,g} and state_share = {p.state_share:g}: what is left of "
        f"{gross:,.0f} a year of pay after the state's {state:,.0f}; more would make living "
        f"costs negative ({fix})")


RULES: dict[str, Rule] = {name: globals()[name] for name in read_registry()["rules"]}
"""Every rule of the registry file, by name (a name without a function here fails import)."""


def for_notebook(stem: str) -> tuple[Rule, ...]:
    """The rules notebook ``stem`` applies, in the registry file's order."""
    entries = read_registry()["rules"]
    return tuple(RULES[name] for name, e in entries.items() if stem in e["notebooks"])
