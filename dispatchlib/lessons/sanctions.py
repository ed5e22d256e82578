"""The sanctions lesson (``03_sanctions``): the UN resolutions of 2017, Russia's official counts,
the student-visa channel, an interrupted time series of the workforce, and the state revenue
forgone against a no-sanctions counterfactual.

**Interrupted time series.** One value per calendar year: the grade-weighted mean of the log
head counts of that year's stock-like national figures (see :func:`annual_series`). The model is
a segmented regression fitted by ordinary least squares (statsmodels ``OLS``)::

    log(workers_t) = b0 + b1 (t - s)                                  # pre-sanctions line
                     + b2 [t >= s] + b3 (t - s) [t >= s]              # change at sanctions
                     + b4 [t >= r] + b5 (t - r) [t >= r]              # change at the revival

with ``s`` the sanctions year and ``r`` the revival year. ``b2`` and ``b4`` are jumps in level
(``exp(b) - 1`` is the percentage change), ``b3`` and ``b5`` changes in the yearly growth rate.
With about a dozen yearly values and six coefficients, only a few degrees of freedom remain:
standard errors are classical (t distribution, honest about the small sample) and, for
comparison, HC3 (robust to unequal variances, but itself unreliable with so few points). A
change whose interval spans more than :data:`MAX_INTERVAL_FACTOR` (top over bottom, in persons)
is reported as not estimable from the data (:func:`change_text`, :func:`recorded_changes`).

The tables of sections 1-3 are in :mod:`.sanctions_tables` and the **revenue forgone** of
section 5 in :mod:`.sanctions_forgone`; both are re-exported here.

Nothing here imports statsmodels at module level.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from dispatchlib import formatting
from dispatchlib import rules as _rules
from dispatchlib.errors import ParameterError
from dispatchlib.i18n import N_
from dispatchlib.lessons import history
from dispatchlib.lessons.sanctions_forgone import (  # noqa: F401  (dl.sanctions.<name> unchanged)
    LAST_YEAR,
    counterfactual_path,
    forgone,
    forgone_revenue,
    forgone_text,
)
from dispatchlib.lessons.sanctions_tables import (  # noqa: F401  (dl.sanctions.<name> unchanged)
    BRIEF_CLAIMS,
    PART_OF_YEAR,
    brief_vs_sources,
    entries_by_purpose,
    full_year,
    official_counts,
    timeline,
)
from dispatchlib.params import check

#: measures and grades that make up the yearly series by default
ITS_MEASURES = ("stock", "permits", "estimate")
ITS_GRADES = ("H", "M", "L")
#: a segment needs this many yearly values (so that it leaves a residual degree of freedom)
MIN_SEGMENT_YEARS = 3
COEFFICIENTS = ("const", "time", "sanctions_level", "sanctions_trend", "revival_level",
                "revival_trend")
COEFFICIENT_LABELS = {
    "const": "pre-sanctions level at the sanctions year (log persons)",
    "time": "pre-sanctions trend (log persons per year)",
    "sanctions_level": "jump at the sanctions year (log)",
    "sanctions_trend": "change of trend after sanctions (log per year)",
    "revival_level": "jump at the revival year (log)",
    "revival_trend": "change of trend after the revival (log per year)",
}
#: the changes of :data:`COEFFICIENT_LABELS` in words without their units, for sentences
_CHANGE_WORDS = {"sanctions_level": N_("jump at the sanctions year"),
                 "sanctions_trend": N_("change of trend after sanctions"),
                 "revival_level": N_("jump at the revival year"),
                 "revival_trend": N_("change of trend after the revival")}


def change_label(name: str) -> str:
    """A change of the segmented regression (``sanctions_level``, ``sanctions_trend``,
    ``revival_level``, ``revival_trend``) in words for a sentence, in the current language:
    :data:`COEFFICIENT_LABELS` without the units; any other name as it is.

    >>> change_label("revival_level"), change_label("time")
    ('jump at the revival year', 'time')
    """
    from dispatchlib.i18n import _

    return _(_CHANGE_WORDS[name]) if name in _CHANGE_WORDS else name


#: a change whose interval spans more than this factor (top of the interval over its bottom, on
#: the scale of persons) is reported as not estimable: one order of magnitude (our choice)
MAX_INTERVAL_FACTOR = 10.0

# --- parameter rules: dispatchlib/parameters.json names them, dispatchlib/rules.py holds them

breaks_in_order = _rules.breaks_in_order
enough_years = _rules.enough_years


def check_segments(years, sanctions_year: int, revival_year: int,
                   pre_name: str = "sanctions_year", pre_value: int | None = None) -> None:
    """Raise unless every segment holds at least :data:`MIN_SEGMENT_YEARS` of ``years``.

    Parameters
    ----------
    years : array_like
        Calendar years with a value.
    sanctions_year, revival_year : int
        The break years.
    pre_name, pre_value
        The parameter blamed when the pre-sanctions segment is too short.

    Raises
    ------
    ParameterError
        Naming the parameter whose segment is too short, with the years it holds.
    """
    years = np.asarray(years)
    segments = ((pre_name, pre_value if pre_value is not None else sanctions_year,
                 -np.inf, sanctions_year),
                ("sanctions_year", sanctions_year, sanctions_year, revival_year),
                ("revival_year", revival_year, revival_year, np.inf))
    for name, value, a, b in segments:
        inside = [int(y) for y in years[(years >= a) & (years < b)]]
        if len(inside) < MIN_SEGMENT_YEARS:
            raise ParameterError(name, value, f"a year leaving at least {MIN_SEGMENT_YEARS} "
                                 f"yearly values in its segment (it holds {inside})")


#: cross-parameter rules for ``dl.check(rules=RULES, ...)`` in the sanctions lesson
RULES = _rules.for_notebook("03_sanctions")


def annual_series(start_year: int = 2010, end_year: int = LAST_YEAR,
                  measures=ITS_MEASURES, grades=ITS_GRADES,
                  grade_weight: float = 2.0) -> pd.DataFrame:
    """One workforce value per calendar year: the grade-weighted geometric mean of that year's
    stock-like national figures.

    Parameters
    ----------
    start_year, end_year : int
        Years kept (inclusive).
    measures, grades, grade_weight
        As in :func:`dispatchlib.history.select`.

    Returns
    -------
    pandas.DataFrame
        Index ``year``; columns ``workers`` (persons), ``log_workers``, ``figures`` (how many
        figures were averaged), ``lowest`` and ``highest`` (persons) and ``sources``.
    """
    sel = history.select(measures=measures, grades=grades, grade_weight=grade_weight)
    sel = sel[sel["year"].between(start_year, end_year)]
    # plain arrays: a pandas group per year cost more than the arithmetic
    year_of = sel["year"].astype(int).to_numpy()
    weight, log_value = sel["weight"].to_numpy(), sel["log_value"].to_numpy()
    value, source = sel["value"].to_numpy(), sel["source_id"].tolist()
    rows = []
    for year in np.unique(year_of):
        at = np.flatnonzero(year_of == year)
        w = weight[at]
        log_mean = float(np.sum(w * log_value[at]) / np.sum(w))
        rows.append({"year": int(year), "workers": float(np.exp(log_mean)),
                     "log_workers": log_mean, "figures": len(at),
                     "lowest": float(value[at].min()), "highest": float(value[at].max()),
                     "sources": ", ".join(dict.fromkeys(source[i] for i in at))})
    cols = ["year", "workers", "log_workers", "figures", "lowest", "highest", "sources"]
    return pd.DataFrame(rows, columns=cols).set_index("year")


def design(years, sanctions_year: int, revival_year: int) -> pd.DataFrame:
    """Design matrix of the segmented regression (see the module notes).

    Parameters
    ----------
    years : array_like
        Years (calendar years, or decimal years for a smooth curve).
    sanctions_year, revival_year : int
        The two break years (``sanctions_year < revival_year``).

    Returns
    -------
    pandas.DataFrame
        Columns :data:`COEFFICIENTS`: ``const`` (1), ``time`` (years from the sanctions year),
        ``sanctions_level`` (1 from the sanctions year on), ``sanctions_trend`` (years since
        the sanctions year, 0 before), ``revival_level`` and ``revival_trend`` likewise.

    Examples
    --------
    >>> design([2017, 2018, 2023], 2018, 2022).to_numpy().tolist()[2]
    [1.0, 5.0, 1.0, 5.0, 1.0, 1.0]
    """
    if not sanctions_year < revival_year:
        raise ParameterError("revival_year", revival_year,
                             f"a year after sanctions_year = {sanctions_year}")
    t = np.asarray(years, dtype=float)
    after_s, after_r = t >= sanctions_year, t >= revival_year
    return pd.DataFrame({
        "const": np.ones_like(t),
        "time": t - sanctions_year,
        "sanctions_level": after_s.astype(float),
        "sanctions_trend": np.where(after_s, t - sanctions_year, 0.0),
        "revival_level": after_r.astype(float),
        "revival_trend": np.where(after_r, t - revival_year, 0.0),
    }, index=pd.Index(np.asarray(years), name="year"))


@dataclass(frozen=True)
class SegmentedFit:
    """A fitted interrupted time series: classical and HC3 results on the same data."""

    classical: object
    robust: object
    series: pd.DataFrame
    sanctions_year: int
    revival_year: int

    @property
    def n(self) -> int:
        """Number of yearly values fitted."""
        return int(self.classical.nobs)

    @property
    def df_resid(self) -> int:
        """Residual degrees of freedom (values minus coefficients)."""
        return int(self.classical.df_resid)

    def effects(self, ci_level: float = 0.95) -> pd.DataFrame:
        """Every coefficient with classical and HC3 intervals.

        Returns
        -------
        pandas.DataFrame
            Index :data:`COEFFICIENTS`; columns ``estimate``, ``se``, ``low``, ``high``
            (classical, t distribution), ``se_hc3``, ``low_hc3``, ``high_hc3``, ``p_value``
            (classical) and, for the jumps and trends, ``pct`` / ``pct_low`` / ``pct_high``:
            ``exp(b) - 1`` in percent (a level jump, or a change in yearly growth);
            ``interval_factor`` (``exp(high - low)``: how many times the top of the interval
            is its bottom, on the scale of persons) and ``estimable`` (see
            :func:`interval_factor`).
        """
        check(ci_level=ci_level)
        alpha = 1 - ci_level
        c, r = self.classical, self.robust
        ci, ci_r = np.asarray(c.conf_int(alpha)), np.asarray(r.conf_int(alpha))
        out = pd.DataFrame({
            "estimate": np.asarray(c.params), "se": np.asarray(c.bse),
            "low": ci[:, 0], "high": ci[:, 1],
            "se_hc3": np.asarray(r.bse), "low_hc3": ci_r[:, 0], "high_hc3": ci_r[:, 1],
            "p_value": np.asarray(c.pvalues),
        }, index=list(COEFFICIENTS))
        for col, src in (("pct", "estimate"), ("pct_low", "low"), ("pct_high", "high")):
            out[col] = (np.exp(out[src]) - 1) * 100
        out["interval_factor"] = interval_factor(out["low"], out["high"])
        out["estimable"] = out["interval_factor"] <= MAX_INTERVAL_FACTOR
        out.loc["const", ["pct", "pct_low", "pct_high", "interval_factor"]] = np.nan
        out.loc["const", "estimable"] = False
        return out

    def curve(self, years=None, ci_level: float = 0.95) -> pd.DataFrame:
        """Fitted workforce by year with its confidence band, and the pre-sanctions line
        carried on as if nothing had happened.

        Parameters
        ----------
        years : array_like, optional
            Years to evaluate; every calendar year from the first to the last fitted one by
            default (years without data included).
        ci_level : float
            Probability covered by the band.

        Returns
        -------
        pandas.DataFrame
            Index ``year``; columns ``segment`` (pre, sanctions, revival), ``workers``, ``low``,
            ``high`` (classical band) and ``pre_trend`` (persons).
        """
        check(ci_level=ci_level)
        if years is None:
            years = np.arange(int(self.series.index.min()), int(self.series.index.max()) + 1)
        X = design(years, self.sanctions_year, self.revival_year)
        frame = self.classical.get_prediction(X.to_numpy()).summary_frame(alpha=1 - ci_level)
        params = np.asarray(self.classical.params)
        pre = params[0] + params[1] * X["time"].to_numpy()
        t = np.asarray(years, dtype=float)
        segment = np.where(t < self.sanctions_year, "pre",
                           np.where(t < self.revival_year, "sanctions", "revival"))
        return pd.DataFrame({
            "segment": segment,
            "workers": np.exp(frame["mean"].to_numpy()),
            "low": np.exp(frame["mean_ci_lower"].to_numpy()),
            "high": np.exp(frame["mean_ci_upper"].to_numpy()),
            "pre_trend": np.exp(pre),
        }, index=pd.Index(np.asarray(years), name="year"))

    def pre_growth_pct(self) -> float:
        """Yearly growth of the pre-sanctions line, percent per year."""
        return float((np.exp(np.asarray(self.classical.params)[1]) - 1) * 100)


def segmented_fit(series: pd.DataFrame, sanctions_year: int = 2018,
                  revival_year: int = 2022) -> SegmentedFit:
    """Fit the segmented regression to a yearly series by OLS.

    Parameters
    ----------
    series : pandas.DataFrame
        Index ``year``, column ``log_workers`` (from :func:`annual_series`).
    sanctions_year, revival_year : int
        The break years.

    Returns
    -------
    SegmentedFit
        ``classical`` (nonrobust, t-based) and ``robust`` (HC3, t-based) statsmodels results.

    Raises
    ------
    ParameterError
        If a segment holds fewer than :data:`MIN_SEGMENT_YEARS` yearly values.
    """
    # the model class alone: statsmodels.api would load much more (time series, formulas, plots)
    from statsmodels.regression.linear_model import OLS

    years = series.index.to_numpy()
    check(sanctions_year=sanctions_year, revival_year=revival_year,
          rules=[breaks_in_order])
    check_segments(years, sanctions_year, revival_year)
    X = design(years, sanctions_year, revival_year).to_numpy()
    y = series["log_workers"].to_numpy()
    model = OLS(y, X)
    classical = model.fit(use_t=True)
    robust = model.fit(cov_type="HC3", use_t=True)
    return SegmentedFit(classical, robust, series, int(sanctions_year), int(revival_year))


def interval_factor(low, high):
    """How many times the top of an interval is its bottom, on the scale of persons.

    Parameters
    ----------
    low, high : array_like
        Ends of an interval for a coefficient on the log scale (log persons).

    Returns
    -------
    numpy.ndarray or float
        ``exp(high - low)`` (a ratio). Above :data:`MAX_INTERVAL_FACTOR` a change is reported as
        not estimable from the data.

    Examples
    --------
    >>> round(float(interval_factor(-0.128, 6.135)), 1)   # exp(6.263) = 524.79...
    524.8
    """
    return np.exp(np.asarray(high, dtype=float) - np.asarray(low, dtype=float))


def change_text(row: pd.Series, ci_level: float = 0.95) -> str:
    """One change of the segmented regression in words: a percentage with its interval, or
    "not estimable" when the interval spans more than :data:`MAX_INTERVAL_FACTOR`.

    Parameters
    ----------
    row : pandas.Series
        A row of :meth:`SegmentedFit.effects` (``pct``, ``pct_low``, ``pct_high``,
        ``interval_factor``, ``estimable``).
    ci_level : float
        Probability covered by the interval (for the text).

    Examples
    --------
    >>> row = pd.Series({"pct": 1916.0, "pct_low": -12.0, "pct_high": 46078.0,
    ...                  "interval_factor": 524.6, "estimable": False})
    >>> change_text(row)
    'not estimable from these data (the 95% interval spans a factor of 525)'
    >>> row = pd.Series({"pct": -55.1, "pct_low": -83.8, "pct_high": 24.6,
    ...                  "interval_factor": 7.7, "estimable": True})
    >>> change_text(row)
    '-55% (95% interval -84% to +25%)'
    """
    if not bool(row["estimable"]):
        return formatting.not_estimable(row["interval_factor"], ci_level)
    from dispatchlib.i18n import _

    return _("{pct} ({level} interval {low} to {high})").format(
        pct=f"{row['pct']:+.0f}%", level=f"{ci_level:.0%}", low=f"{row['pct_low']:+.0f}%",
        high=f"{row['pct_high']:+.0f}%")


def recorded_changes(effects: pd.DataFrame) -> dict[str, float | None]:
    """The level jumps of a fit as results to record, blank where not estimable.

    Parameters
    ----------
    effects : pandas.DataFrame
        From :meth:`SegmentedFit.effects`.

    Returns
    -------
    dict
        ``sanctions_jump_pct``, ``_low``, ``_high`` (percent, ``None`` when the change is not
        estimable) and ``sanctions_jump_pct_interval_factor`` (a ratio, always given); the
        same for ``revival_jump_pct``.
    """
    out: dict[str, float | None] = {}
    for name, key in (("sanctions_level", "sanctions_jump_pct"),
                      ("revival_level", "revival_jump_pct")):
        row = effects.loc[name]
        keep = bool(row["estimable"])
        for suffix, col in (("", "pct"), ("_low", "pct_low"), ("_high", "pct_high")):
            out[key + suffix] = float(row[col]) if keep else None
        out[key + "_interval_factor"] = float(row["interval_factor"])
    return out
