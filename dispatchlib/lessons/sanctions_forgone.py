"""Revenue forgone under the sanctions (``03_sanctions``, section 5): the quota revenue the state
did not collect, against a no-sanctions counterfactual.

``(counterfactual workers - fitted workers) * annual quota`` for every year from the sanctions
year to 2025, through :func:`dispatchlib.formulas.state_revenue`; the band comes from Monte Carlo
draws of the annual quota over its documented range (:mod:`dispatchlib.scenario`). The same draw
of the quota applies to every year, so the cumulative band is that of one uncertain constant.
:mod:`.sanctions` re-exports everything here (``dl.sanctions.forgone_revenue`` unchanged).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from dispatchlib.model import formulas, scenario
from dispatchlib.params import check

#: last calendar year counted
LAST_YEAR = 2025


def counterfactual_path(years, workers: float, growth_pct: float, base_year: int) -> np.ndarray:
    """Workers without sanctions: ``workers`` in ``base_year``, growing ``growth_pct`` a year.

    Returns
    -------
    numpy.ndarray
        Persons: ``workers * (1 + growth_pct / 100) ** (years - base_year)``.

    Examples
    --------
    >>> counterfactual_path([2018, 2019], 30000, 10.0, 2017).round(1).tolist()
    [33000.0, 36300.0]
    """
    t = np.asarray(years, dtype=float)
    return float(workers) * (1 + float(growth_pct) / 100) ** (t - base_year)


def forgone(counterfactual_workers, actual_workers, quota_usd_per_year) -> np.ndarray:
    """Quota revenue the state did not collect because fewer workers were abroad.

    Parameters
    ----------
    counterfactual_workers, actual_workers : array_like
        Workers without and with sanctions, persons.
    quota_usd_per_year : array_like
        Payment to the state per worker, USD per worker per year.

    Returns
    -------
    numpy.ndarray
        USD per year: ``(counterfactual - actual) * quota`` (negative when more workers were
        abroad than in the counterfactual).

    Examples
    --------
    >>> float(forgone(30000, 10000, 9750))
    195000000.0
    """
    gap = np.asarray(counterfactual_workers, dtype=float) - np.asarray(actual_workers, float)
    # a negative gap (more workers than the counterfactual) is a gain: the revenue formula
    # takes head counts (never negative), so the sign is put back afterwards
    return np.sign(gap) * formulas.state_revenue(np.abs(gap), quota_usd_per_year)


def forgone_revenue(actual: pd.Series, counterfactual_workers: float = 30000,
                    counterfactual_growth: float = 0.0, sanctions_year: int = 2018,
                    quota_usd: float | None = None, quota_months: float | None = None,
                    draws: int = 20000, seed: int = 2025,
                    percentiles=(5, 50, 95)) -> pd.DataFrame:
    """Revenue forgone per year and in total, against a no-sanctions counterfactual.

    Parameters
    ----------
    actual : pandas.Series
        Workers in Russia by year (persons), e.g. the fitted curve; years before
        ``sanctions_year`` or after 2025 are ignored.
    counterfactual_workers : float
        Workers without sanctions in the year before ``sanctions_year``, persons.
    counterfactual_growth : float
        Their yearly growth, percent per year (0 holds the level).
    sanctions_year : int
        First year counted.
    quota_usd, quota_months : float, optional
        Paid to the state over some months (USD, months); ``None`` keeps the brief's $6,500
        over 8 months. The annual quota is drawn over its documented range around that value
        (:func:`dispatchlib.scenario.build`).
    draws, seed : int
        Monte Carlo draws of the quota and the generator's seed.

    Returns
    -------
    pandas.DataFrame
        Index ``year`` plus a last row ``total``; columns ``counterfactual``, ``actual``,
        ``gap`` (persons; blank in the total row), ``forgone_usd`` (at the central quota, USD
        per year; USD in the total) and ``p5``/``p50``/``p95`` (Monte Carlo percentiles, USD).
    """
    p = check(counterfactual_workers=counterfactual_workers,
              counterfactual_growth=counterfactual_growth, sanctions_year=sanctions_year,
              draws=draws, seed=seed)
    s = scenario.build(quota_usd=quota_usd, quota_months=quota_months)
    quota = scenario.draw_inputs(s, p.draws, p.seed)["annual_quota_usd"]
    central_quota = s.annual_quota_usd.central
    actual = actual[(actual.index >= p.sanctions_year) & (actual.index <= LAST_YEAR)]
    years = actual.index.to_numpy()
    cf = counterfactual_path(years, p.counterfactual_workers, p.counterfactual_growth,
                             p.sanctions_year - 1)
    act = actual.to_numpy(dtype=float)
    by_draw = forgone(cf[:, None], act[:, None], quota[None, :])  # years x draws
    names = [f"p{q:g}" for q in percentiles]
    out = pd.DataFrame({"counterfactual": cf, "actual": act, "gap": cf - act,
                        "forgone_usd": forgone(cf, act, central_quota)},
                       index=pd.Index(years.astype(object), name="year"))
    out[names] = np.percentile(by_draw, percentiles, axis=1).T
    total = {"counterfactual": np.nan, "actual": np.nan, "gap": np.nan,
             "forgone_usd": float(out["forgone_usd"].sum())}
    total.update(dict(zip(names, np.percentile(by_draw.sum(axis=0), percentiles),
                          strict=True)))
    out.loc["total"] = total
    out.attrs["annual_quota_usd"] = central_quota
    return out


def forgone_text(table: pd.DataFrame) -> str:
    """A revenue-forgone table (from :func:`forgone_revenue`) as text: persons with thousands
    separators, money in millions of USD.

    """
    def people(x: float) -> str:
        return "" if pd.isna(x) else f"{x:,.0f}"

    def money(x: float) -> str:
        return f"{x / 1e6:,.0f}M"

    formatters = {c: people for c in ("counterfactual", "actual", "gap")}
    formatters.update({c: money for c in table.columns if c not in formatters})
    return table.to_string(formatters=formatters, na_rep="")
