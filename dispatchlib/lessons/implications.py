"""The two edges of labour dispatch in numbers (the ``05_implications`` lesson).

The brief (sections 6-7) weighs money for the state against money for workers' families, and
sets both against the outside world the workers see. This module gives each side a number:

- :func:`flow_of_funds`: where one worker's gross pay goes in a year: to the state
  (:func:`dispatchlib.formulas.state_take`), into savings, and on living costs (the rest);
- :func:`yearly_flows`: the state's take and the savings summed over a workforce path, year by
  year. The state's take per worker is the lessons' one central value, the brief's quota
  (``quota_usd`` over ``quota_months``, USD 9,750 a year at the defaults), as in
  ``02_economics`` and ``04_prospects``; the NIS pay figure times the wage share gives about
  half of it, and :func:`state_take_range` sets the two side by side with their sources;
- :func:`exposure`: person-years in Russia, returnees and people exposed, from the rotation
  of :func:`dispatchlib.prospects.rotation`;
- :func:`levers` and :func:`lever_table`: the brief's recommendations (and the sanctions path it
  weighs them against) as changes to these inputs, with what each moves;
  :func:`lever_takeaway` states in words what the table shows.

Parameters registered here (see :mod:`dispatchlib.params`): ``gross_wage_usd``, ``state_share``,
``contract_state_share``, ``enforcement_cut``, ``outreach_share``.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

from dispatchlib import rules as _rules
from dispatchlib.formatting import usd
from dispatchlib.lessons import prospects
from dispatchlib.model import formulas
from dispatchlib.tables.data import assumption

MONTHS = formulas.MONTHS_PER_YEAR
OUTCOMES = ("state_revenue_usd", "household_money_usd", "people_exposed", "people_reached")
"""Outcomes of :func:`lever_table`: USD over the window (first two), persons by its end."""
OUTCOME_LABELS = {
    "state_revenue_usd": "Money to the state (USD, whole window)",
    "household_money_usd": "Money kept by workers' families (USD, whole window)",
    "people_exposed": "People who have worked in Russia (persons, by the last year)",
    "people_reached": "People reached by outreach (persons, by the last year)",
}

# parameter rules: dispatchlib/parameters.json names them, dispatchlib/rules.py holds them
contract_share_not_higher = _rules.contract_share_not_higher
pay_covers_state_and_savings = _rules.pay_covers_state_and_savings
RULES = _rules.for_notebook("05_implications")
"""Cross-parameter rules of the ``05_implications`` lesson, for ``dl.check(rules=...)``."""


# ----------------------------------------------------------------------------------------------
# Money

def flow_of_funds(gross_wage_usd, state_share, savings_usd) -> dict[str, np.ndarray]:
    """Where one worker's gross pay goes in a year.

    Parameters
    ----------
    gross_wage_usd : array_like
        Gross pay, USD per worker per month.
    state_share : array_like
        Share of gross pay handed to the state, ratio 0-1.
    savings_usd : array_like
        Kept and brought home, USD per worker per year.

    Returns
    -------
    dict of numpy.ndarray
        USD per worker per year: ``gross_usd`` (12 months of pay), ``state_usd``
        (:func:`dispatchlib.formulas.state_take`), ``savings_usd``, ``living_usd`` (the rest:
        food, housing, travel, deductions; negative when the three figures do not fit in the
        pay) and ``shortfall_usd`` (how far they overshoot, else 0). ``state_usd + savings_usd
        + living_usd == gross_usd`` always.

    Examples
    --------
    >>> f = flow_of_funds(800, 0.5, 1500)
    >>> float(f["state_usd"]), float(f["living_usd"])   # 9,600 - 4,800 - 1,500
    (4800.0, 3300.0)
    """
    gross = np.asarray(gross_wage_usd, dtype=float) * MONTHS
    state = formulas.state_take(gross_wage_usd, state_share)
    savings = np.broadcast_to(np.asarray(savings_usd, dtype=float), np.shape(state)).copy()
    living = gross - state - savings
    return {"gross_usd": gross, "state_usd": state, "savings_usd": savings,
            "living_usd": living, "shortfall_usd": np.maximum(-living, 0.0)}


def implied_gross_wage(state_usd_per_year, state_share) -> np.ndarray:
    """Monthly gross pay at which the state's share equals a yearly payment.

    Parameters
    ----------
    state_usd_per_year : array_like
        Paid to the state, USD per worker per year.
    state_share : array_like
        Share of gross pay handed over, ratio (> 0).

    Returns
    -------
    numpy.ndarray
        USD per worker per month: ``state_usd_per_year / 12 / state_share`` (the inverse of
        :func:`dispatchlib.formulas.state_take`).

    Examples
    --------
    >>> float(implied_gross_wage(9750, 0.5))   # the brief's quota at half of pay
    1625.0
    """
    return (np.asarray(state_usd_per_year, dtype=float) / MONTHS
            / np.asarray(state_share, dtype=float))


def split_cases(gross_wage_usd: float, state_share: float, savings_usd: float,
                state_usd: float | None = None) -> pd.DataFrame:
    """The flow of funds for the state shares the sources report, and for the brief's quota.

    Rows: a third (the brief, early contract system); about half (the brief, late 2010s); about
    90 percent (a KINU researcher with NIS figures, ``MBN2024``); all at this run's pay and
    savings, shares from ``state_share`` in ``data/assumptions.csv``. The row whose share is
    this run's is marked "(this run)"; a share of this run that matches none of them gets a row
    of its own. With ``state_usd``, a last row hands the state that fixed amount (the brief's
    quota) out of the same pay.

    Returns
    -------
    pandas.DataFrame
        Index ``case``; columns of :func:`flow_of_funds` (USD per worker per year),
        ``state_share`` (ratio; for the quota row, the share of pay it amounts to) and
        ``source_id``.
    """
    from dispatchlib.i18n import _

    low, mid, high = assumption("state_share")
    cases = [  # the labels in the current language (shown, never looked up)
        (_("A third ({share}): brief, early contract system").format(share=f"{low:.0%}"), low,
         "LANKOV2025"),
        (_("About half ({share}): brief, late 2010s").format(share=f"{mid:.0%}"), mid,
         "LANKOV2025"),
        (_("About {share}: KINU researcher via NIS").format(share=f"{high:.0%}"), high,
         "MBN2024"),
    ]
    if not any(np.isclose(share, state_share) for _label, share, _source in cases):
        cases.insert(0, (_("{share} of pay").format(share=f"{state_share:.0%}"), state_share,
                         "parameter"))
    rows = []
    for label, share, source in cases:
        f = flow_of_funds(gross_wage_usd, share, savings_usd)
        case = _("{case} (this run)").format(case=label) if np.isclose(share, state_share) \
            else label
        rows.append({"case": case, "state_share": share,
                     **{k: float(v) for k, v in f.items()}, "source_id": source})
    if state_usd is not None:
        gross = float(gross_wage_usd) * MONTHS
        living = gross - state_usd - savings_usd
        rows.append({"case": _("The brief's quota: {amount} a year").format(
                         amount=usd(state_usd)),
                     "state_share": state_usd / gross, "gross_usd": gross,
                     "state_usd": float(state_usd), "savings_usd": float(savings_usd),
                     "living_usd": living, "shortfall_usd": max(-living, 0.0),
                     "source_id": "LANKOV2025"})
    return pd.DataFrame(rows).set_index("case")


def state_take_range(gross_wage_usd: float, state_share: float, annual_quota_usd: float
                     ) -> pd.DataFrame:
    """The state's yearly take per worker as two sources give it, side by side.

    Parameters
    ----------
    gross_wage_usd : float
        Gross pay, USD per worker per month (NIS, ``MBN2024``).
    state_share : float
        Share of pay handed over, ratio (the brief: about half by the late 2010s).
    annual_quota_usd : float
        The brief's quota, USD per worker per year (USD 6,500 over eight months in 2022).

    Returns
    -------
    pandas.DataFrame
        Index ``figure``; columns ``state_usd`` (USD per worker per year), ``how`` and
        ``sources``: the NIS pay times the share (low end), the brief's quota (the central
        value every lesson uses), and the monthly pay at which both would hold
        (:func:`implied_gross_wage`), as ``pay_needed_usd_month``.

    Examples
    --------
    >>> t = state_take_range(800, 0.5, 9750)
    >>> t["state_usd"].tolist(), float(t["pay_needed_usd_month"].iloc[1])
    ([4800.0, 9750.0], 1625.0)
    """
    from dispatchlib.i18n import _

    from_pay = float(formulas.state_take(gross_wage_usd, state_share))
    need = float(implied_gross_wage(annual_quota_usd, state_share))
    return pd.DataFrame([  # the words in the current language (shown, never looked up)
        {"figure": _("NIS pay x the brief's share"), "state_usd": from_pay,
         "how": _("{pay} a month x 12 x {share}").format(pay=usd(gross_wage_usd),
                                                         share=f"{state_share:.0%}"),
         "sources": "MBN2024, LANKOV2025", "pay_needed_usd_month": float(gross_wage_usd)},
        {"figure": _("the brief's quota (central value)"), "state_usd": float(annual_quota_usd),
         "how": _("plan funds of 2022, scaled to a year"), "sources": "LANKOV2025, RFA2019QUOTA",
         "pay_needed_usd_month": need},
    ]).set_index("figure")


def yearly_flows(workers: pd.Series, state_usd: float, savings_usd: float) -> pd.DataFrame:
    """Money to the state and to families in each year of a workforce path.

    Parameters
    ----------
    workers : pandas.Series
        Workers in each year, persons, indexed by year.
    state_usd : float
        The state's take, USD per worker per year (the lessons' central value: the brief's
        quota).
    savings_usd : float
        Kept and brought home, USD per worker per year.

    Returns
    -------
    pandas.DataFrame
        Index ``year``; columns ``workers`` (persons), ``state_revenue_usd`` and
        ``household_money_usd`` (USD per year: workers times the per-worker amounts, through
        :func:`dispatchlib.formulas.state_revenue` and
        :func:`~dispatchlib.formulas.household_savings`).
    """
    w = workers.to_numpy(dtype=float)
    return pd.DataFrame({
        "workers": w,
        "state_revenue_usd": formulas.state_revenue(w, state_usd),
        "household_money_usd": formulas.household_savings(w, savings_usd),
    }, index=pd.Index(workers.index, name="year"))


# ----------------------------------------------------------------------------------------------
# Exposure

def exposure(workers: pd.Series, years_abroad: float) -> pd.DataFrame:
    """Contact with the outside world along a workforce path.

    Parameters
    ----------
    workers : pandas.Series
        Workers in each year, persons, indexed by year.
    years_abroad : float
        Length of a posting, years (>= 1).

    Returns
    -------
    pandas.DataFrame
        Index ``year``; columns ``person_years`` (worker-years spent in Russia that year),
        ``cumulative_person_years``, ``returnees`` (persons going home that year),
        ``cumulative_returnees`` and ``people_exposed`` (everyone who has worked in Russia in the
        window so far), all from :func:`dispatchlib.prospects.rotation`.
    """
    rot = prospects.rotation(workers, years_abroad)
    return pd.DataFrame({
        "person_years": rot["workers"],
        "cumulative_person_years": rot["person_years"],
        "returnees": rot["returnees"],
        "cumulative_returnees": rot["cumulative_returnees"],
        "people_exposed": rot["people_exposed"],
    })


# ----------------------------------------------------------------------------------------------
# Levers

@dataclass(frozen=True)
class Lever:
    """A policy choice as changes to the model's inputs.

    Attributes
    ----------
    label : str
        Short name for tables and figures.
    state_share : float or None
        Share of gross pay to the state under the lever (ratio); ``None`` keeps this run's.
    workforce_factor : float
        Multiplies the workforce in every year (1 = unchanged).
    outreach_share : float
        Share of the people exposed who are reached by outreach (ratio).
    brief_recommends : bool
        Whether the brief recommends it (section 6).
    modelled : bool
        False for a lever whose effect this model cannot show.
    not_captured : str
        What the numbers leave out.
    """

    label: str
    state_share: float | None = None
    workforce_factor: float = 1.0
    outreach_share: float = 0.0
    brief_recommends: bool = False
    modelled: bool = True
    not_captured: str = ""


def levers(contract_state_share: float, enforcement_cut: float,
           outreach_share: float) -> list[Lever]:
    """The levers of the lesson, in table order.

    Parameters
    ----------
    contract_state_share : float
        State share of pay under the contract-system lever, ratio.
    enforcement_cut : float
        Share of the workforce removed by stricter enforcement, ratio.
    outreach_share : float
        Share of workers reached by outreach, ratio.

    Returns
    -------
    list of Lever
        Baseline; contract system; stricter enforcement; outreach; the brief's package
        (contract system and outreach together); human-rights advocacy (not modelled).
    """
    from dispatchlib.i18n import _

    return [  # names and notes in the current language (they are shown, never looked up)
        Lever(_("Baseline (this run)"), not_captured=_("every lever is compared with this row")),
        Lever(_("Contract system: state takes {share}").format(share=f"{contract_state_share:.0%}"),
              state_share=contract_state_share, brief_recommends=True,
              not_captured=_("more autonomy may also mean more outside contact per worker")),
        Lever(_("Stricter enforcement: {share} fewer workers").format(
                  share=f"{enforcement_cut:.0%}"),
              workforce_factor=1.0 - enforcement_cut,
              not_captured=_("workers may move to other countries or to irregular status")),
        Lever(_("Information outreach: {share} reached").format(share=f"{outreach_share:.0%}"),
              outreach_share=outreach_share, brief_recommends=True,
              not_captured=_("what the reached workers believe or repeat at home")),
        Lever(_("Brief's package: contract system and outreach"),
              state_share=contract_state_share, outreach_share=outreach_share,
              brief_recommends=True, not_captured=_("as for the two levers")),
        Lever(_("Human-rights advocacy (safety, Russian labour law)"), brief_recommends=True,
              modelled=False,
              not_captured=_("changes working conditions, not these totals: not modelled")),
    ]


def lever_table(workers: pd.Series, state_usd: float, state_share: float,
                savings_usd: float, years_abroad: float,
                lever_list: Sequence[Lever]) -> pd.DataFrame:
    """What each lever moves, over the whole window of a workforce path.

    A lever's state share scales the state's take in proportion: ``state_usd * lever share /
    state_share`` (a third instead of half leaves two thirds of it). Living costs per worker
    stay at the baseline's, so what the state no longer takes goes into the worker's pocket:
    household money per worker is ``savings + (baseline take - lever's take)``. A workforce
    factor scales every year's workforce (and so money and exposure alike). Outreach reaches a
    share of the people exposed and moves no money.

    Parameters
    ----------
    workers : pandas.Series
        Baseline workers in each year, persons.
    state_usd : float
        Baseline take of the state, USD per worker per year (the brief's quota).
    state_share : float
        Baseline share of pay that take stands for, ratio (> 0).
    savings_usd : float
        Baseline savings, USD per worker per year.
    years_abroad : float
        Length of a posting, years (>= 1).
    lever_list : sequence of Lever
        From :func:`levers` (the first is taken as the baseline).

    Returns
    -------
    pandas.DataFrame
        Index: lever labels. Columns: :data:`OUTCOMES` (USD over the window; persons by its
        last year); ``<outcome>_change`` (ratio against the first row; empty where the
        baseline is 0); ``brief_recommends``; ``not_captured``. A lever that is not modelled
        has empty outcomes.
    """
    rows = []
    for lever in lever_list:
        row = {"lever": lever.label}
        if lever.modelled:
            share = state_share if lever.state_share is None else lever.state_share
            state = float(state_usd) * share / state_share
            kept = float(savings_usd) + float(state_usd) - state
            path = workers * lever.workforce_factor
            exposed = float(exposure(path, years_abroad)["people_exposed"].iloc[-1])
            person_years = float(path.sum())
            row.update(state_revenue_usd=float(formulas.state_revenue(person_years, state)),
                       household_money_usd=float(formulas.household_savings(person_years,
                                                                            kept)),
                       people_exposed=exposed, people_reached=exposed * lever.outreach_share)
        else:
            row.update({k: np.nan for k in OUTCOMES})
        row.update(brief_recommends=lever.brief_recommends, not_captured=lever.not_captured)
        rows.append(row)
    table = pd.DataFrame(rows).set_index("lever")
    first = table.iloc[0]
    for k in OUTCOMES:
        table[f"{k}_change"] = (table[k] / first[k] - 1) if first[k] else np.nan
    order = list(OUTCOMES) + [f"{k}_change" for k in OUTCOMES] + ["brief_recommends",
                                                                   "not_captured"]
    return table[order]


def lever_takeaway(table: pd.DataFrame) -> str:
    """What a lever table says, in one paragraph built from its numbers.

    For each modelled lever after the baseline, the signed change of the state's money, the
    families' money and the people exposed (``lever_table``'s ``_change`` columns); then the
    levers that cut the state's money without lowering the other two, if any.

    Examples
    --------
    >>> t = pd.DataFrame({"state_revenue_usd_change": [np.nan, -0.34, -0.5],
    ...                   "household_money_usd_change": [np.nan, 1.09, -0.5],
    ...                   "people_exposed_change": [np.nan, 0.0, -0.5]},
    ...                  index=["Baseline", "Contract", "Enforcement"])
    >>> print(lever_takeaway(t))  # doctest: +NORMALIZE_WHITESPACE
    Contract (state -34%, families +109%, people exposed +0%); Enforcement (state -50%,
    families -50%, people exposed -50%). Cutting the state's money without lowering the families'
    money or the exposure: Contract.
    """
    from dispatchlib.i18n import _

    keys = ("state_revenue_usd_change", "household_money_usd_change", "people_exposed_change")
    names = (_("state"), _("families"), _("people exposed"))
    rows = table.iloc[1:].dropna(subset=list(keys))
    parts = [f"{lever} (" + ", ".join(f"{n} {row[k]:+.0%}" for n, k in zip(names, keys,
                                                                             strict=True)) + ")"
             for lever, row in rows.iterrows()]
    eps = 1e-9
    wins = [lever for lever, row in rows.iterrows() if row[keys[0]] < -eps
            and row[keys[1]] >= -eps and row[keys[2]] >= -eps]
    close = _("Cutting the state's money without lowering the families' money or the "
              "exposure: {levers}.").format(levers=", ".join(wins) if wins else _("no lever"))
    return "; ".join(parts) + ". " + close


def formatted_levers(table: pd.DataFrame) -> pd.DataFrame:
    """A lever table as text for printing: dollars ($2.62B, $409M), persons, and signed percent
    changes against the first row; ``-`` where a lever is not modelled. The columns
    ``brief_recommends`` (yes/no) and ``not_captured`` follow."""
    out = pd.DataFrame(index=table.index)
    for k in OUTCOMES:
        change = table[f"{k}_change"]
        if k.endswith("_usd"):
            vals = [usd(v) if pd.notna(v) else "-" for v in table[k]]
        else:
            vals = [f"{v:,.0f}" if pd.notna(v) else "-" for v in table[k]]
        pct = [f" ({c:+.0%})" if pd.notna(c) and i else "" for i, c in enumerate(change)]
        out[k] = [v + c for v, c in zip(vals, pct, strict=True)]
    from dispatchlib.i18n import _

    out["brief_recommends"] = [_("yes") if b else _("no") for b in table["brief_recommends"]]
    out["not_captured"] = table["not_captured"]
    return out
