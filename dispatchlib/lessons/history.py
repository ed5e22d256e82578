"""The history lesson (``01_history``): eras, events, every head count by what it measures, and
one reconciled series of the workforce with its uncertainty.

**What is reconciled.** Only stock-like figures (people present at a date: ``stock``,
``stock_logging``, ``permits``, ``estimate``, and on request the brief's own figures) of national
scope. Flows (visas issued, border entries), forecasts and cumulative totals are never fitted:
they count something else. Regional counts are left out because they cover one region only.

**The model.** Each figure becomes one point: its log-midpoint ``log(sqrt(low * high))`` at its
date as a decimal year. Within each era of ``data/eras.csv`` the log head count follows its own
straight line (a constant growth rate), fitted by weighted least squares (statsmodels ``WLS``)
with one residual variance shared by all eras. An era with fewer than three figures, or with
figures covering less than half its length, gets a level and no trend; an era with no figure
gets no line. Weights come from the confidence grade:
``grade_weight ** 2`` for H, ``grade_weight`` for M and 1 for L, so with the default of 2 an H
figure counts as much as four L figures.

**The bands.** The confidence band is the interval for the era's line (how well the selected
figures pin it down if they scatter at random around it); the wider prediction band is where
one more figure of grade M would be expected to fall. Neither band covers errors that all
sources share. Both are computed on the log scale and transformed back, so the line is a
geometric mean, not an arithmetic one.

Nothing here imports statsmodels at module level: it loads when a fit is made.
"""

from __future__ import annotations

import calendar
import re
from collections.abc import Iterator, Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

from dispatchlib import rules as _rules
from dispatchlib.lessons.history_tables import (  # noqa: F401  (dl.history.<name> unchanged)
    DEFAULT_MEASURES,
    FLOW_MEASURES,
    LABELS,
    MEASURES,
    STOCK_MEASURES,
    era_table,
    event_table,
    per_decade,
    per_measure,
    spread_by_year,
)
from dispatchlib.params import check
from dispatchlib.tables.data import load


def era_label(era_id: str) -> str:
    """An era's id (``early``, ``logging``, ``contract``, ``sanctions``, ``revival``: column
    ``era_id`` of ``eras.csv``) as a word for a reader: the id itself in English, its
    translation in another language (ids stay English in data and code); any other text as
    it is.

    >>> era_label("revival"), era_label("1990s")
    ('revival', '1990s')
    """
    from dispatchlib.i18n import _

    return {"early": _("early"), "logging": _("logging"), "contract": _("contract"),
            "sanctions": _("sanctions"), "revival": _("revival")}.get(era_id, era_id)


def era_name(name: str) -> str:
    """An era's name (column ``name`` of ``eras.csv``, e.g. ``Contract brigades``) in the
    current language, as a figure shows it; the data keep the English. Any other text as it
    is.

    >>> era_name("Contract brigades"), era_name("1990s")
    ('Contract brigades', '1990s')
    """
    from dispatchlib.i18n import _

    return {"Early recruitment": _("Early recruitment"),
            "State logging camps": _("State logging camps"),
            "Contract brigades": _("Contract brigades"),
            "UN ban and pandemic": _("UN ban and pandemic"),
            "Student-visa revival": _("Student-visa revival")}.get(name, name)

GRADES = ("H", "M", "L")
#: exponent of ``grade_weight`` for each confidence grade
GRADE_RANK = {"H": 2, "M": 1, "L": 0}
HEADLINE_YEARS = (1985, 2017, 2025)
#: an era gets a trend only with this many figures ...
MIN_TREND_FIGURES = 3
#: ... spread over at least this share of the era's length
MIN_TREND_SHARE = 0.5

# --- parameter rules: dispatchlib/parameters.json names them, dispatchlib/rules.py holds them

#: cross-parameter rules for ``dl.check(rules=RULES, ...)`` in the history lesson
RULES = _rules.for_notebook("01_history")
enough_figures = _rules.enough_figures


def decimal_year(year: int, date: str | None = None) -> float:
    """A date as a decimal year, the middle of the period it names.

    Parameters
    ----------
    year : int
        Calendar year, used when ``date`` is missing.
    date : str, optional
        ``YYYY``, ``YYYY-MM`` or ``YYYY-MM-DD``.

    Returns
    -------
    float
        Years: mid-year (``year + 0.5``) for a bare year, mid-month for a month, mid-day for a
        day.

    Examples
    --------
    >>> decimal_year(2017)
    2017.5
    >>> round(decimal_year(2017, "2017-12-31"), 4)   # 2017 + (11 + 30.5 / 31) / 12
    2017.9987
    """
    if date is None or (not isinstance(date, str)) or not date:
        return float(year) + 0.5
    m = re.fullmatch(r"(\d{4})(?:-(\d{2})(?:-(\d{2}))?)?", date)
    if not m:
        raise ValueError(f"date {date!r}: expected YYYY, YYYY-MM or YYYY-MM-DD")
    y = int(m.group(1))
    if m.group(2) is None:
        return y + 0.5
    month = int(m.group(2))
    if m.group(3) is None:
        return y + (month - 0.5) / 12
    days = calendar.monthrange(y, month)[1]
    return y + (month - 1 + (int(m.group(3)) - 0.5) / days) / 12


def era_of(years: Sequence[int] | np.ndarray, eras: pd.DataFrame | None = None) -> np.ndarray:
    """The ``era_id`` each calendar year falls in (``None`` outside every era)."""
    eras = load("eras") if eras is None else eras
    years = np.asarray(years)
    out = np.full(years.shape, None, dtype=object)
    for era_id, start, end in _era_bounds(eras):
        out[(years >= start) & (years <= end)] = era_id
    return out


def _era_bounds(eras: pd.DataFrame) -> Iterator[tuple[str, int, int]]:
    """``(era_id, start_year, end_year)`` of each era, in table order (plain values: cheaper
    than ``itertuples`` over every column of the table)."""
    return zip(eras["era_id"], eras["start_year"], eras["end_year"], strict=True)


def grade_weights(grades: Sequence[str], grade_weight: float = 2.0) -> np.ndarray:
    """Weights of figures from their confidence grades.

    Returns
    -------
    numpy.ndarray
        ``grade_weight ** 2`` for H, ``grade_weight`` for M, 1 for L (a ratio).

    Examples
    --------
    >>> grade_weights(["H", "M", "L"], 2.0).tolist()
    [4.0, 2.0, 1.0]
    """
    try:
        return np.array([float(grade_weight) ** GRADE_RANK[g] for g in grades])
    except KeyError as exc:
        raise ValueError(f"unknown confidence grade {exc.args[0]!r}; expected H, M or L") from None


def _as_list(values):
    """Sequences become lists; a bare string stays a string (so the validator rejects it)."""
    return values if isinstance(values, str) else list(values)


def select(table: pd.DataFrame | None = None, measures: Sequence[str] = DEFAULT_MEASURES,
           grades: Sequence[str] = GRADES, grade_weight: float = 2.0) -> pd.DataFrame:
    """The workforce figures that enter the reconciled series.

    Parameters
    ----------
    table : pandas.DataFrame, optional
        Rows shaped like ``workforce.csv``; the data package's table by default.
    measures : sequence of str
        Stock-like measures to keep (see :data:`STOCK_MEASURES`).
    grades : sequence of str
        Confidence grades to keep (H, M, L).
    grade_weight : float
        Weight ratio between grades (see :func:`grade_weights`).

    Returns
    -------
    pandas.DataFrame
        The rows of national scope with the chosen measures and grades, plus ``t`` (decimal
        year), ``value`` (the geometric midpoint of low and high, persons), ``log_value``,
        ``weight``, ``era`` and ``row`` (the row's index in ``table``); sorted by ``t``.

    Raises
    ------
    ParameterError
        For a measure that is not stock-like or unknown, or an unknown grade.
    """
    p = check(measures=_as_list(measures), grades=_as_list(grades), grade_weight=grade_weight)
    table = load("workforce") if table is None else table
    keep = (table["measure"].isin(p.measures) & table["confidence"].isin(p.grades)
            & (table["scope"] == "national"))
    out = table.loc[keep.fillna(False).to_numpy(dtype=bool)].copy()
    low, high = out["low"].astype(float), out["high"].astype(float)
    if ((low <= 0) | (high <= 0)).any():
        raise ValueError("a fitted figure must be above zero persons (log scale)")
    out["t"] = [decimal_year(int(y), None if pd.isna(d) else str(d))
                for y, d in zip(out["year"], out["date"], strict=True)]
    out["value"] = np.sqrt(low * high)
    out["log_value"] = np.log(out["value"])
    out["weight"] = grade_weights(out["confidence"].astype(str), p.grade_weight)
    out["era"] = era_of(out["year"].astype(int).to_numpy())
    out["row"] = out.index
    out = out.sort_values(["t", "source_id"]).reset_index(drop=True)
    out.attrs["grade_weight"] = p.grade_weight
    return out


def unfitted(table: pd.DataFrame, figures: pd.DataFrame) -> pd.DataFrame:
    """The rows of ``table`` that :func:`select` left out (flows, other measures or grades,
    regional counts), for drawing them apart from the fitted figures."""
    return table.drop(index=figures["row"])


def era_design(t: Sequence[float], era: Sequence[str],
               eras: pd.DataFrame | None = None) -> pd.DataFrame:
    """Design matrix of the era-specific lines.

    For every era holding at least one figure a column ``<era>:level`` (1 inside the era, 0
    outside); for every era with at least :data:`MIN_TREND_FIGURES` figures spread over at
    least half its length (:data:`MIN_TREND_SHARE`) a column ``<era>:trend`` (decades from the
    era's mid-point inside the era, 0 outside). Sparser eras get a level only: two figures five
    years apart cannot say which way a 25-year era went.

    Parameters
    ----------
    t : sequence of float
        Decimal years of the figures.
    era : sequence of str
        Era id of each figure.
    eras : pandas.DataFrame, optional
        The eras table (start and end years set the mid-points).

    Returns
    -------
    pandas.DataFrame
        One row per figure; columns in era order, level before trend.
    """
    eras = load("eras") if eras is None else eras
    t = np.asarray(t, dtype=float)
    era = np.asarray(era, dtype=object)
    cols: dict[str, np.ndarray] = {}
    for era_id, start, end in _era_bounds(eras):
        inside = era == era_id
        if not inside.any():
            continue
        cols[f"{era_id}:level"] = inside.astype(float)
        span = t[inside].max() - t[inside].min()
        length = end + 1 - start
        if inside.sum() >= MIN_TREND_FIGURES and span >= MIN_TREND_SHARE * length:
            centre = (start + end + 1) / 2
            cols[f"{era_id}:trend"] = np.where(inside, (t - centre) / 10, 0.0)
    return pd.DataFrame(cols)


@dataclass(frozen=True)
class Reconciliation:
    """A fitted reconciled series: the statsmodels WLS result and what it was fitted on."""

    result: object
    columns: tuple[str, ...]
    figures: pd.DataFrame
    eras: pd.DataFrame
    grade_weight: float = 2.0

    def predict(self, t: Sequence[float], ci_level: float = 0.95) -> pd.DataFrame:
        """The reconciled head count at decimal years ``t``, with bands.

        Returns
        -------
        pandas.DataFrame
            Columns ``t``, ``era``, ``workers`` (the line, persons), ``low``/``high`` (the
            confidence band) and ``pred_low``/``pred_high`` (the band for one more grade-M
            figure), all persons; ``NaN`` in eras without figures.
        """
        check(ci_level=ci_level)
        t = np.asarray(t, dtype=float)
        era = era_of(np.floor(t).astype(int), self.eras)
        X = pd.DataFrame(0.0, index=range(len(t)), columns=list(self.columns))
        fitted = np.zeros(len(t), dtype=bool)
        for era_id, start, end in _era_bounds(self.eras):
            inside = era == era_id
            level = f"{era_id}:level"
            if level not in X:
                continue
            fitted |= inside
            X.loc[inside, level] = 1.0
            if f"{era_id}:trend" in X:
                centre = (start + end + 1) / 2
                X.loc[inside, f"{era_id}:trend"] = (t[inside] - centre) / 10
        out = pd.DataFrame({"t": t, "era": era})
        for col in ("workers", "low", "high", "pred_low", "pred_high"):
            out[col] = np.nan
        if fitted.any():
            # the prediction band adds the residual variance of one grade-M figure
            frame = self.result.get_prediction(
                X[fitted].to_numpy(), weights=self.grade_weight).summary_frame(alpha=1 - ci_level)
            out.loc[fitted, "workers"] = np.exp(frame["mean"]).to_numpy()
            out.loc[fitted, "low"] = np.exp(frame["mean_ci_lower"]).to_numpy()
            out.loc[fitted, "high"] = np.exp(frame["mean_ci_upper"]).to_numpy()
            out.loc[fitted, "pred_low"] = np.exp(frame["obs_ci_lower"]).to_numpy()
            out.loc[fitted, "pred_high"] = np.exp(frame["obs_ci_upper"]).to_numpy()
        return out

    def at(self, years: Sequence[int], ci_level: float = 0.95) -> pd.DataFrame:
        """The reconciled head count in the middle of calendar years (persons), indexed by year."""
        frame = self.predict(np.asarray(years, dtype=float) + 0.5, ci_level)
        frame.index = pd.Index(list(years), name="year")
        return frame[["era", "workers", "low", "high"]]

    def growth(self) -> pd.Series:
        """Fitted yearly growth rate of each era with a trend, percent per year."""
        params = pd.Series(self.result.params, index=list(self.columns))
        trends = params[[c for c in self.columns if c.endswith(":trend")]]
        # a trend is log head count per decade: exp(b / 10) - 1 per year
        out = (np.exp(trends / 10) - 1) * 100
        out.index = [c.split(":")[0] for c in trends.index]
        return out


def reconcile(figures: pd.DataFrame, eras: pd.DataFrame | None = None,
              grade_weight: float | None = None) -> Reconciliation:
    """Fit the era-specific lines to selected figures (weighted least squares on log values).

    Parameters
    ----------
    figures : pandas.DataFrame
        From :func:`select` (columns ``t``, ``era``, ``log_value``, ``weight``).
    eras : pandas.DataFrame, optional
        The eras table; the data package's by default.
    grade_weight : float, optional
        The weight ratio used by :func:`select` (sets the weight of the "one more grade-M
        figure" in the prediction band); read from ``figures.attrs`` when not given.

    Returns
    -------
    Reconciliation
        ``result`` is the statsmodels ``WLS`` fit; ``predict``/``at`` give head counts.

    Raises
    ------
    ValueError
        If there are no more figures than coefficients (no residual variance to estimate).
    """
    # the model class alone: statsmodels.api would load much more (time series, formulas, plots)
    from statsmodels.regression.linear_model import WLS

    eras = load("eras") if eras is None else eras
    figures = figures[pd.notna(figures["era"])].copy()
    X = era_design(figures["t"], figures["era"], eras)
    if len(figures) <= X.shape[1]:
        raise ValueError(f"{len(figures)} figure(s) for {X.shape[1]} coefficient(s): choose "
                         "more measures or grades")
    result = WLS(figures["log_value"].to_numpy(), X.to_numpy(),
                 weights=figures["weight"].to_numpy()).fit()
    if grade_weight is None:
        grade_weight = float(figures.attrs.get("grade_weight", 2.0))
    return Reconciliation(result, tuple(X.columns), figures, eras, float(grade_weight))


def headline(rec: Reconciliation, years: Sequence[int] = HEADLINE_YEARS,
             ci_level: float = 0.95) -> pd.DataFrame:
    """Reconciled levels at some years with their band and the figures behind each era.

    Returns
    -------
    pandas.DataFrame
        Index ``year``; columns ``era``, ``workers``, ``low``, ``high`` (persons) and
        ``figures`` (how many fitted figures the era holds).
    """
    out = rec.at(years, ci_level)
    counts = rec.figures["era"].value_counts()
    out["figures"] = [int(counts.get(e, 0)) for e in out["era"]]
    return out


def describe(head: pd.DataFrame, ci_level: float = 0.95) -> str:
    """The headline levels as lines of text (persons, rounded to hundreds).

    Examples
    --------
    >>> head = pd.DataFrame({"era": ["logging", "early"], "workers": [20000.0, float("nan")],
    ...                      "low": [7432.6, float("nan")], "high": [53817.0, float("nan")],
    ...                      "figures": [2, 0]}, index=pd.Index([1985, 1950], name="year"))
    >>> print(describe(head))
    1985 (logging era, 2 figures): about 20,000 workers, 95% band 7,400 to 53,800
    1950 (early era, 0 figures): no line - no fitted figure in this era
    """
    from dispatchlib.i18n import _

    lines = []
    for year, row in head.iterrows():
        n = int(row["figures"])
        where = (_("{year} ({era} era, {n} figure)") if n == 1 else
                 _("{year} ({era} era, {n} figures)")).format(year=year, era=row["era"], n=n)
        if pd.isna(row["workers"]):
            lines.append(_("{where}: no line - no fitted figure in this era").format(where=where))
        else:
            lines.append(_("{where}: about {workers} workers, {level} band {low} to {high}").format(
                where=where, workers=f"{round(row['workers'], -2):,.0f}",
                level=f"{ci_level:.0%}", low=f"{round(row['low'], -2):,.0f}",
                high=f"{round(row['high'], -2):,.0f}"))
    return "\n".join(lines)
