"""The rules of the claims audit (lesson 06): the recomputation of each checkable claim from the
documented inputs, the acceptance interval of a claim, the arithmetic check, the verdict rule,
the same-period rule for evidence, and how a claimed range is written.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable, Iterable
from dataclasses import dataclass

import numpy as np
import pandas as pd

from dispatchlib import formatting
from dispatchlib.i18n import N_
from dispatchlib.model import formulas
from dispatchlib.params import check
from dispatchlib.tables.data import assumption, load

GRADES = ("H", "M", "L")

"""Evidence grades, strongest first (``data/README.md``, "confidence")."""

VERDICTS = (N_("consistent"), N_("partly supported"), N_("holds only at one end"),
            N_("contradicted by arithmetic"), N_("contradicted by sources"),
            N_("no independent source"))

"""Every verdict, in the order tables and figures show them."""

ARITHMETIC = (N_("agrees"), N_("one end"), N_("disagrees"))

"""Outcomes of comparing a recomputed range with the claim (:func:`arithmetic_check`)."""

STANCES = (N_("supports"), N_("partly"), N_("contradicts"), N_("context"))


def verdict_label(word: str) -> str:
    """A verdict (:data:`VERDICTS`), an arithmetic outcome (:data:`ARITHMETIC`) or a stance
    (:data:`STANCES`) as a reader sees it: the word itself in English, its translation from
    ``dispatchlib.po`` in another language (:func:`dispatchlib.i18n.use_language`). The words
    stay English in data and code; any other text is returned as it is.

    >>> verdict_label("holds only at one end"), verdict_label("one end"), verdict_label("x")
    ('holds only at one end', 'one end', 'x')
    """
    from dispatchlib.i18n import _

    return _(word) if word in (*VERDICTS, *ARITHMETIC, *STANCES) else word

SECTIONS = {1: "1 Introduction", 2: "2 History", 3: "3 Economics", 4: "4 Politics",
            5: "5 Sanctions and war", 6: "6 Implications", 7: "7 Conclusion"}

"""Short names of the brief's sections, for tables and figures."""




# ---------------------------------------------------------------------------------------------
# Recomputations

def share_percent(part, whole) -> np.ndarray:
    """Share of a whole, in percent.

    Parameters
    ----------
    part, whole : array_like
        Two counts in the same unit (e.g. persons); ``whole`` > 0.

    Returns
    -------
    numpy.ndarray
        Percent: ``part / whole * 100``.

    Examples
    --------
    >>> round(float(share_percent(3.0e6, 75.5e6)), 2)   # foreign workers in Russia's labour force
    3.97
    """
    return np.asarray(part, dtype=float) / np.asarray(whole, dtype=float) * 100

@dataclass(frozen=True)
class Recomputation:
    """How one claim is recomputed.

    Attributes
    ----------
    formula : str
        Name of a function of :mod:`dispatchlib.formulas` (or ``"share_percent"`` of this
        module).
    inputs : tuple of str
        The formula's arguments, in order, as ``"claims:<claim_id>"`` (the brief's own figure,
        low and high) or ``"assumptions:<name>"`` (a documented input, low and high).
    working : str
        How the recomputation reads, in words (shown in tables).
    comparable : bool
        False when the result is in another unit than the claim: it is shown, but it does not
        enter the verdict.
    unit : str, optional
        Unit of the result when it differs from the claim's.
    """

    formula: str
    inputs: tuple[str, ...]
    working: str
    comparable: bool = True
    unit: str | None = None

    def function(self) -> Callable:
        """The function that computes it."""
        if self.formula == "share_percent":
            return share_percent
        return getattr(formulas, self.formula)

RECOMPUTATIONS: dict[str, Recomputation] = {
    "quota_annual_implied": Recomputation(
        "annual_quota", ("claims:quota_amount_2022", "claims:quota_months_2022"),
        "payment over the months, scaled to 12 months"),
    "scenario_revenue_1bn": Recomputation(
        "state_revenue", ("claims:scenario_workers_100k", "claims:quota_annual_implied"),
        "workers in the scenario x the brief's yearly quota per worker"),
    "scenario_savings_200m": Recomputation(
        "household_savings", ("claims:scenario_workers_100k", "claims:savings_per_year_2010s"),
        "workers in the scenario x the brief's yearly savings per worker"),
    "savings_total_returnee": Recomputation(
        "returnee_capital", ("claims:savings_per_year_2010s", "claims:savings_accumulation_years"),
        "the brief's yearly savings x the years it says they take"),
    "ceiling_revenue": Recomputation(
        "state_revenue", ("claims:supply_ceiling", "claims:quota_annual_implied"),
        "the brief's ceiling on workers x its yearly quota per worker"),
    "foreign_workers_share": Recomputation(
        "share_percent", ("claims:russia_foreign_workers", "assumptions:russia_labour_force"),
        "foreign workers / Russia's labour force (Rosstat, early 2023)"),
    "un_revenue_overseas_labour": Recomputation(
        "per_worker_revenue", ("claims:un_revenue_overseas_labour", "claims:un_workers_abroad"),
        "the UN-cited total / the workers abroad: revenue per worker, not a check of the total",
        comparable=False, unit="usd_per_worker_year"),
}

"""claim_id -> how the package recomputes it (the only place this mapping is defined)."""

def _input_range(ref: str, claims: pd.DataFrame) -> tuple[float, float]:
    table, _, key = ref.partition(":")
    if table == "claims":
        row = claims.loc[key]
        return float(row["low"]), float(row["high"])
    if table == "assumptions":
        low, _, high = assumption(key)
        return low, high
    raise ValueError(f"recomputation input {ref!r}: expected 'claims:<id>' or 'assumptions:<name>'")

def recompute(claim_id: str, claims: pd.DataFrame | None = None) -> tuple[float, float]:
    """The range the package recomputes for one claim.

    Parameters
    ----------
    claim_id : str
        A key of :data:`RECOMPUTATIONS`.
    claims : pandas.DataFrame, optional
        The claims table (default: ``load("claims")``), used for the brief's inputs.

    Returns
    -------
    tuple of float
        ``(low, high)`` in the claim's unit (or the recomputation's ``unit``).

    Examples
    --------
    >>> recompute("quota_annual_implied")   # 6,500 over 8 months
    (9750.0, 9750.0)
    """
    if claim_id not in RECOMPUTATIONS:
        raise KeyError(f"no recomputation for claim {claim_id!r}; the recomputed claims are: "
                       f"{', '.join(RECOMPUTATIONS)}")
    rec = RECOMPUTATIONS[claim_id]
    claims = _claims_indexed(claims)
    ranges = [_input_range(ref, claims) for ref in rec.inputs]
    func = rec.function()
    values = [float(func(*corner)) for corner in itertools.product(*ranges)]
    return min(values), max(values)

def _working_text(claim_id: str, claims: pd.DataFrame) -> str:
    """The recomputation written out with its inputs, e.g. ``annual_quota(6,500 usd, 8 months)``."""
    rec = RECOMPUTATIONS[claim_id]
    parts = []
    for ref in rec.inputs:
        low, high = _input_range(ref, claims)
        table, _, key = ref.partition(":")
        unit = claims.at[key, "unit"] if table == "claims" else load("assumptions").set_index(
            "name").at[key, "unit"]
        parts.append(format_range(low, high, unit))
    return f"{rec.formula}({', '.join(parts)})"

def recomputations(claims: pd.DataFrame | None = None) -> pd.DataFrame:
    """Every recomputation with its inputs and result.

    Returns
    -------
    pandas.DataFrame
        One row per claim of :data:`RECOMPUTATIONS`: ``claim_id``, ``formula``,
        ``description`` (in words), ``working`` (the call with its inputs), ``recomputed_low``,
        ``recomputed_high``, ``unit``, ``comparable``, ``recomputed`` (formatted text).
    """
    claims = _claims_indexed(claims)
    rows = []
    for claim_id, rec in RECOMPUTATIONS.items():
        low, high = recompute(claim_id, claims)
        unit = rec.unit or claims.at[claim_id, "unit"]
        rows.append({"claim_id": claim_id, "formula": rec.formula,
                     "description": rec.working, "working": _working_text(claim_id, claims),
                     "recomputed_low": low, "recomputed_high": high, "unit": unit,
                     "comparable": rec.comparable, "recomputed": format_range(low, high, unit)})
    return pd.DataFrame(rows)


# ---------------------------------------------------------------------------------------------
# Comparison rules

def counted_grades(min_confidence: str) -> tuple[str, ...]:
    """Grades that count at a minimum grade: ``"H"`` -> H only, ``"M"`` -> H and M, ``"L"`` -> all.

    Examples
    --------
    >>> counted_grades("M")
    ('H', 'M')
    """
    check(min_confidence=min_confidence)
    return GRADES[: GRADES.index(min_confidence) + 1]

def acceptance_interval(low: float, high: float, qualifier: str,
                        tolerance: float) -> tuple[float, float]:
    """Values that count as meeting a claim, given its qualifier and a relative tolerance.

    Parameters
    ----------
    low, high : float
        The claim's range (equal for a point value), >= 0, in the claim's unit.
    qualifier : str
        ``more_than`` and ``at_least`` are open upwards; ``up_to`` is open downwards (from 0);
        every other qualifier (``exact``, ``about``, ``nearly``, ``range``) is two-sided.
    tolerance : float
        Relative tolerance (0.05 = 5 %), applied to each end.

    Returns
    -------
    tuple of float
        ``(lowest, highest)`` accepted value.

    Examples
    --------
    >>> acceptance_interval(9000, 10000, "range", 0.05)
    (8550.0, 10500.0)
    >>> acceptance_interval(1e9, 1e9, "more_than", 0.05)
    (950000000.0, inf)
    """
    check(tolerance=tolerance)
    lo = low * (1 - tolerance)
    hi = high * (1 + tolerance)
    if qualifier in ("more_than", "at_least"):
        hi = float("inf")
    elif qualifier == "up_to":
        lo = 0.0
    return float(lo), float(hi)

def arithmetic_check(recomputed_low: float, recomputed_high: float, low: float, high: float,
                     qualifier: str, tolerance: float) -> str:
    """Compare a recomputed range with a claim: ``"agrees"``, ``"one end"`` or ``"disagrees"``.

    ``agrees``: the whole recomputed range lies in the acceptance interval
    (:func:`acceptance_interval`); ``one end``: the two overlap only in part; ``disagrees``: they
    do not overlap.

    Examples
    --------
    >>> arithmetic_check(9e8, 1e9, 1e9, 1e9, "more_than", 0.05)   # 0.9-1.0 bn vs over 1 bn
    'one end'
    """
    lo, hi = acceptance_interval(low, high, qualifier, tolerance)
    if recomputed_high < lo or recomputed_low > hi:
        return "disagrees"
    if lo <= recomputed_low and recomputed_high <= hi:
        return "agrees"
    return "one end"

def verdict(arithmetic: str | None, stances: Iterable[str]) -> str:
    """The verdict on one claim (the rule in the module notes, first match wins).

    Parameters
    ----------
    arithmetic : {"agrees", "one end", "disagrees"} or None
        Outcome of :func:`arithmetic_check`; None when no comparable recomputation exists.
    stances : iterable of str
        Stances of the *counted independent* evidence rows (``supports``, ``partly``,
        ``contradicts``, ``context``).

    Returns
    -------
    str
        One of :data:`VERDICTS`.

    Examples
    --------
    >>> verdict(None, ["supports", "contradicts"])
    'contradicted by sources'
    >>> verdict("agrees", [])
    'consistent'
    """
    if arithmetic is not None and arithmetic not in ARITHMETIC:
        raise ValueError(f"arithmetic must be one of {', '.join(ARITHMETIC)} or None, "
                         f"got {arithmetic!r}")
    stances = set(stances)
    unknown = stances - set(STANCES)
    if unknown:
        raise ValueError(f"unknown stance(s) {', '.join(sorted(unknown))}; expected "
                         f"{', '.join(STANCES)}")
    if arithmetic == "disagrees":
        return "contradicted by arithmetic"
    if arithmetic == "one end":
        return "holds only at one end"
    if "contradicts" in stances:
        return "contradicted by sources"
    if arithmetic == "agrees" or "supports" in stances:
        return "consistent"
    if "partly" in stances:
        return "partly supported"
    return "no independent source"


# ---------------------------------------------------------------------------------------------
# The stance rule

def _blank(value) -> bool:
    return value is None or value is pd.NA or (isinstance(value, float) and np.isnan(value)) \
        or value == ""

def same_period(claim_start, claim_end, evidence_start, evidence_end) -> bool:
    """Whether an evidence row is about the same period as its claim.

    Parameters
    ----------
    claim_start, claim_end, evidence_start, evidence_end : str or None
        Months as ``YYYY-MM`` (empty or missing when no period applies, e.g. when the figure is
        itself a date).

    Returns
    -------
    bool
        True when neither side has a period, or when the evidence's months lie inside the
        claim's; False otherwise (one side without a period, or months outside the claim's).

    Examples
    --------
    >>> same_period("2020-01", "2020-12", "2020-03", "2020-03")
    True
    >>> same_period("2010-01", "2019-12", "2021-01", "2021-01")   # a 2021 report, a 2010s claim
    False
    >>> same_period(None, None, None, None)                       # two dates of the same event
    True
    """
    claim = [_blank(claim_start), _blank(claim_end)]
    ev = [_blank(evidence_start), _blank(evidence_end)]
    if all(claim) and all(ev):
        return True
    if any(claim) or any(ev):
        return False
    return str(claim_start) <= str(evidence_start) and str(evidence_end) <= str(claim_end)

def stance_rule_problems(claims: pd.DataFrame | None = None,
                         evidence: pd.DataFrame | None = None) -> list[str]:
    """Evidence rows whose stance ``contradicts`` breaks the rule of ``data/README.md``.

    A row may contradict its claim only when it has the claim's ``measure`` and is about the
    same period (:func:`same_period`); otherwise it differs in measure or date, which makes it
    ``partly`` or ``context``. A ``contradicts`` row must also carry a figure.

    Returns
    -------
    list of str
        One message per broken row, naming the claim id and the source id, e.g.
        ``"covid_stranded / KBS2020: contradicts, but measure former_permit_holders is not the
        claim's workers_stranded"``; empty when every row keeps the rule.
    """
    claims = _claims_indexed(claims)
    evidence = load("evidence") if evidence is None else evidence
    problems = []
    for r in evidence[evidence["stance"] == "contradicts"].to_dict("records"):
        c = claims.loc[r["claim_id"]]
        why = []
        if r["measure"] != c["measure"]:
            why.append(f"measure {r['measure']} is not the claim's {c['measure']}")
        if not same_period(c["period_start"], c["period_end"], r["period_start"],
                           r["period_end"]):
            shown = [("-" if _blank(v) else str(v)) for v in
                     (r["period_start"], r["period_end"], c["period_start"], c["period_end"])]
            why.append(f"period {shown[0]}..{shown[1]} is not within the claim's "
                       f"{shown[2]}..{shown[3]}")
        if _blank(r["low"]):
            why.append("it gives no figure")
        if why:
            problems.append(f"{r['claim_id']} / {r['source_id']}: contradicts, but "
                            + "; ".join(why))
    return problems


# ---------------------------------------------------------------------------------------------
# The audit table

def _claims_indexed(claims: pd.DataFrame | None) -> pd.DataFrame:
    claims = load("claims") if claims is None else claims
    return claims if claims.index.name == "claim_id" else claims.set_index("claim_id")

_PREFIX = {"more_than": "over ", "at_least": "at least ", "about": "about ", "nearly": "nearly ",
           "up_to": "up to "}

_SUFFIX = {"usd_per_year": " a year", "usd_per_worker_year": " per worker a year",
           "usd_per_month": " a month", "persons": " persons", "years": " years",
           "months": " months", "deaths": " deaths"}

_num = formatting.plain

_scaled = formatting.scaled

def format_range(low: float, high: float, unit: str, qualifier: str = "exact") -> str:
    """A value or range as short text with its unit.

    Parameters
    ----------
    low, high : float
        The range (equal for a point value).
    unit : str
        A unit of ``data/README.md``; dollar amounts of a million or more are shown in millions
        (``m``) or billions (``bn``), both ends on the scale of the high end; head counts of a
        million or more in millions.
    qualifier : str
        ``more_than`` gives "over ...", ``about`` "about ...", etc.

    Examples
    --------
    >>> format_range(9e8, 1e9, "usd_per_year", "more_than")
    'over $0.9–1 bn a year'
    >>> format_range(2017, 2017, "year")
    '2017'
    """
    if pd.isna(low) or pd.isna(high):
        return ""
    low, high = float(low), float(high)
    from dispatchlib.i18n import current_language

    if current_language() == "ko":
        return _format_range_ko(low, high, unit, qualifier)
    if unit == "year":
        text = f"{low:.0f}" if low == high else f"{low:.0f}–{high:.0f}"
    elif unit.startswith("usd"):
        scale, tag = (1e9, " bn") if high >= 1e9 else (1e6, " m") if high >= 1e6 else (1, "")
        fmt = _num if scale == 1 else _scaled
        a, b = fmt(low / scale), fmt(high / scale)
        text = f"${a}{tag}" if low == high else f"${a}–{b}{tag}"
    elif unit == "persons" and high >= 1e6:
        a, b = _scaled(low / 1e6), _scaled(high / 1e6)
        text = (a if low == high else f"{a}–{b}") + " m"
    else:
        a, b = _num(low), _num(high)
        text = a if low == high else f"{a}–{b}"
        if unit == "percent":
            text += "%"
        elif unit == "ratio":
            text += " (ratio)"
    return _PREFIX.get(qualifier, "") + text + _SUFFIX.get(unit, "")


_PREFIX_KO = {"about": "약 ", "up_to": "최대 "}
_AFTER_KO = {"more_than": " 초과", "at_least": " 이상", "nearly": " 가까이"}


def qualified(qualifier: str, text: str) -> str:
    """An amount already written out (``text``) with a claim's qualifier key, as a reader
    sees it: the key itself before the amount in English (``more_than $1B``: the lesson
    teaches the key), its meaning in Korean (``10억 달러 초과``, ``약 5,000명``). An
    unknown qualifier (``exact``, ``range``) adds nothing in Korean.

    >>> qualified("more_than", "$1B"), qualified("exact", "$1B")
    ('more_than $1B', 'exact $1B')
    """
    from dispatchlib.i18n import current_language

    if current_language() != "ko":
        return f"{qualifier} {text}"
    return _PREFIX_KO.get(qualifier, "") + text + _AFTER_KO.get(qualifier, "")
_PER_KO = {"usd_per_year": "연 ", "usd_per_worker_year": "노동자 1인당 연 ", "usd_per_month": "월 "}
_UNIT_KO = {"persons": "명", "years": "년", "months": "개월", "deaths": "명"}


def _format_range_ko(low: float, high: float, unit: str, qualifier: str) -> str:
    """:func:`format_range` in Korean: the same rounded values, large ones in 억 and 만
    (``연 9억~10억 달러 초과``, ``연 약 10억 달러``, ``약 5,000명``,
    ``노동자 1인당 연 9,750달러``)."""
    if unit == "year":
        text = f"{low:.0f}" if low == high else f"{low:.0f}–{high:.0f}"
        return _PREFIX_KO.get(qualifier, "") + text + _AFTER_KO.get(qualifier, "")

    def rounded(v: float) -> str:
        if unit.startswith("usd") or (unit == "persons" and high >= 1e6):
            scale = 1e9 if high >= 1e9 else 1e6 if high >= 1e6 else 1
            if scale > 1:
                v = float(_scaled(v / scale).replace(",", "")) * scale
            return formatting.korean_number(round(v)) if v.is_integer() or scale > 1 \
                else _num(v)
        return formatting.korean_number(round(v)) if v.is_integer() and abs(v) >= 1e4 \
            else _num(v)

    a, b = rounded(low), rounded(high)
    text = a if low == high else f"{a}~{b}"
    per = ""
    if unit.startswith("usd"):
        per, text = _PER_KO.get(unit, ""), formatting._with_unit(text, "달러")
    elif unit in _UNIT_KO:
        text = formatting._with_unit(text, _UNIT_KO[unit])
    elif unit == "percent":
        text += "%"
    elif unit == "ratio":
        text += "(비율)"
    return per + _PREFIX_KO.get(qualifier, "") + text + _AFTER_KO.get(qualifier, "")


# ---------------------------------------------------------------------------------------------
# Headline numbers (00_start-here)
