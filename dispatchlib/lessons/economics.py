"""Tables for the economics lesson (``02_economics``), built from the data package and the
formulas: what each source implies for the yearly payment one worker makes to the state, and
what a posting leaves the worker (:func:`net_capital`, :func:`posting_sensitivity`).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from dispatchlib.formatting import usd
from dispatchlib.model import formulas
from dispatchlib.tables.data import assumption, load


def per_worker_estimates(quota_usd: float, quota_months: float) -> pd.DataFrame:
    """Yearly payment to the state per worker, as each source implies it.

    Parameters
    ----------
    quota_usd, quota_months : float
        The amount paid over some months used by this run (USD, months).

    Returns
    -------
    pandas.DataFrame
        Columns ``label``, ``low``, ``high``, ``central`` (USD per worker per year), ``kind``
        (the brief / this run / independent report / UN aggregate / derived) and ``source_id``.
        Rows: the brief's stated range, this run's quota, the independent reports in
        ``evidence.csv`` for the claim ``quota_annual_implied``, the UN Panel's aggregate
        divided by its worker count, and the intelligence estimate of gross pay times the share
        said to go to the state.
    """
    from dispatchlib.i18n import _

    claims = load("claims").set_index("claim_id")
    brief = claims.loc["quota_annual_implied"]
    run = float(formulas.annual_quota(quota_usd, quota_months))
    rows = [
        {"label": _("Brief: stated yearly range"), "low": brief["low"], "high": brief["high"],
         "central": None, "kind": "the brief", "source_id": "LANKOV2025"},
        {"label": _("This run: {amount} over {months} months").format(
            amount=usd(quota_usd), months=f"{quota_months:g}"), "low": run,
         "high": run, "central": run, "kind": "this run", "source_id": "LANKOV2025"},
    ]
    evidence = load("evidence")
    reports = evidence[(evidence["claim_id"] == "quota_annual_implied")
                       & (evidence["source_id"] != "LANKOV2025") & evidence["low"].notna()]
    publishers = load("sources").set_index("source_id")["publisher"]
    for row in reports.itertuples():
        what = _("building-work quota") if "construction" in row.measure else _("quota reported")
        label = f"{publisher_label(publishers[row.source_id])}, {row.period_start[:4]} ({what})"
        rows.append({"label": label, "low": row.low, "high": row.high,
                     "central": None, "kind": "independent report", "source_id": row.source_id})
    un_total = assumption("un_revenue_usd")[1]
    un_workers = assumption("un_workers")[1]
    un = float(formulas.per_worker_revenue(un_total, un_workers))
    rows.append({"label": _("UN Panel: {total} / {workers} workers (all countries)").format(
                          total=usd(un_total), workers=f"{un_workers:,.0f}"),
                 "low": un, "high": un, "central": un, "kind": "UN aggregate",
                 "source_id": "RFA2024POE"})
    wage = assumption("gross_wage_usd_month")
    share = assumption("state_share")
    take = formulas.state_take([wage[1], wage[1]], [share[1], share[2]])
    rows.append({"label": _("Gross {wage}/month x {low}-{high} to the state").format(
                          wage=usd(wage[1]), low=f"{share[1]:.0%}", high=f"{share[2]:.0%}"),
                 "low": float(take[0]), "high": float(take[1]),
                 "central": None, "kind": "derived", "source_id": "MBN2024"})
    return pd.DataFrame(rows)


def publisher_label(publisher: str) -> str:
    """A publisher's name (column ``publisher`` of ``sources.csv``) in the current language, as
    a figure's row label shows it; the data keep the English. Any other name as it is.

    >>> publisher_label("Radio Free Asia"), publisher_label("Reuters")
    ('Radio Free Asia', 'Reuters')
    """
    from dispatchlib.i18n import _

    return {"Monthly Chosun": _("Monthly Chosun"),
            "Radio Free Asia": _("Radio Free Asia")}.get(publisher, publisher)


#: the inputs that decide what a posting leaves the worker (:func:`net_capital`)
POSTING_INPUTS = ("savings_usd", "years_abroad", "bribe_usd")


def net_capital(savings_usd, years_abroad, bribe_usd):
    """What a posting leaves the worker: savings over the posting minus the bribe paid for it.

    Parameters
    ----------
    savings_usd : float or array
        Saved per year (USD per worker per year).
    years_abroad : float or array
        Length of the posting (years).
    bribe_usd : float or array
        Bribe paid to be selected (USD).

    Returns
    -------
    numpy.ndarray
        USD per returnee: ``savings_usd * years_abroad - bribe_usd`` (1,500 x 3 - 400 = 4,100).
    """
    return formulas.returnee_capital(savings_usd, years_abroad) - np.asarray(bribe_usd,
                                                                               dtype=float)


def posting_sensitivity(s) -> pd.DataFrame:
    """One-way sensitivity of :func:`net_capital`: each of savings, years abroad and bribe at
    its low and high end, the other two at their central values.

    Parameters
    ----------
    s : dispatchlib.scenario.Scenario
        The scenario whose ranges are used.

    Returns
    -------
    pandas.DataFrame
        As :func:`dispatchlib.scenario.sensitivity`: index the inputs (largest swing first);
        columns ``low``, ``high``, ``at_low``, ``at_high``, ``swing``, ``base`` (USD per
        returnee).
    """
    centre = {name: getattr(s, name).central for name in POSTING_INPUTS}
    base = float(net_capital(**centre))
    rows = []
    for name in POSTING_INPUTS:
        r = getattr(s, name)
        at = [float(net_capital(**{**centre, name: end})) for end in (r.low, r.high)]
        rows.append({"input": name, "low": r.low, "high": r.high, "at_low": at[0],
                     "at_high": at[1], "swing": abs(at[1] - at[0]), "base": base})
    return pd.DataFrame(rows).set_index("input").sort_values("swing", ascending=False)
