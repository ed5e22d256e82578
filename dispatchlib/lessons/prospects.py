"""Workforce paths toward the brief's ceiling, with their money and their returnees (the
``04_prospects`` lesson; ``05_implications`` reuses the paths).

The brief (section 5) puts what the DPRK could plausibly supply at 100,000-150,000 workers,
against about 15,000 in Russia by mid-2025. Nobody knows how fast, or whether, the gap closes.
This module draws the gap as a **logistic ramp** (Verhulst's logistic growth):

.. math::

    W(t) = \\frac{C}{1 + \\frac{C - S}{S}\\, e^{-k (t - t_0)}}

with ``S`` the workers in the start year ``t0`` (persons), ``C`` the ceiling (persons) and ``k``
the ramp speed (per year): while the workforce is far below the ceiling it grows by about
``k`` (as a continuous rate) a year. The path starts exactly at ``S``, never passes ``C`` and
approaches it as the years go by. A higher speed puts every later year higher: the speed does
what its name says. Growth is fastest in the **midpoint year**, when the path reaches half the
ceiling: ``m = t0 + ln((C - S) / S) / k`` (after the start only when ``S < C / 2``). A ramp can
be given by its speed or by its midpoint year; the other follows.

Three named ramps (:data:`PRESETS`: low, central, high) fix the ceiling, speed and midpoint
together; their sources and reasons are stated with them. Monte Carlo draws (:func:`simulate`)
vary the ceiling, the ramp speed, the quota per worker and the savings per worker at once, each
from a triangular distribution (:func:`dispatchlib.scenario.triangular`), with one seeded
generator in a fixed order. :func:`rotation` sends every worker home after ``years_abroad``
years and counts returnees, new arrivals, the people who have been to Russia and the capital
they carry home.

Parameters registered here (see :mod:`dispatchlib.params`): ``ramp_scenario``, ``start_year``,
``end_year``, ``start_workers``, ``ceiling``, ``ramp_speed``, ``midpoint_year`` (an alternative
to ``ramp_speed``: the speed is derived from it).
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass
from types import SimpleNamespace

import numpy as np
import pandas as pd

from dispatchlib import rules as _rules
from dispatchlib.errors import ParameterError
from dispatchlib.model import formulas, scenario
from dispatchlib.params import check
from dispatchlib.tables.data import assumption, load

TARGET_USD = 1e9

"""The brief's "about one billion dollars a year" for the state (claims ``ceiling_revenue``,
``scenario_revenue_1bn``), USD per year."""

LEVELS = (50, 80, 90)

"""Central intervals drawn in fan charts, percent of draws."""

UNCERTAIN = ("ceiling", "ramp_speed", "annual_quota_usd", "savings_usd")

"""Inputs drawn in :func:`simulate`, in the order the uniforms are used."""

@dataclass(frozen=True)
class Preset:
    """A named ramp: ceiling (persons) and ramp speed (per year), with reasons.

    Attributes
    ----------
    name : str
        ``low``, ``central`` or ``high``.
    ceiling : int
        Most workers reached, persons.
    ramp_speed : float
        Growth rate ``k`` while the workforce is small, per year.
    source_ids : tuple of str
        Sources behind the choice (``data/sources.csv``).
    basis : str
        Why these numbers.
    """

    name: str
    ceiling: int
    ramp_speed: float
    source_ids: tuple[str, ...]
    basis: str

    def midpoint_year(self, start_workers: float = 15_000, start_year: int = 2025) -> float:
        """Year this ramp reaches half its ceiling from ``start_workers`` in ``start_year``."""
        return midpoint(start_workers, self.ceiling, self.ramp_speed, start_year)

PRESETS: dict[str, Preset] = {
    "low": Preset(
        "low", 100_000, 0.25, ("LANKOV2025", "DAILYNK2025PLAN"),
        "ceiling: the low end of the brief's 100,000-150,000. Slow ramp (our assumption): "
        "loyalty screening and labour needs at home limit supply (brief sec. 5); the 2025 plan "
        "reported for Russia was 24,200 new workers (one anonymous source)."),
    "central": Preset(
        "central", 125_000, 0.5, ("LANKOV2025", "YTN2025"),
        "ceiling: the middle of the brief's range. Ramp (our assumption): fastest growth in "
        "2029, when half the ceiling is reached, close to the ceiling by the mid-2030s."),
    "high": Preset(
        "high", 150_000, 1.1, ("LANKOV2025", "BELENETS2025", "MT2025BBC"),
        "ceiling: the high end of the brief's range. Fast ramp (our assumption): reaches the "
        "50,000 an industry aide forecast for end-2025 (SK intelligence, via the BBC, gave the "
        "same figure without a date) about a year late, and the ceiling by about 2031."),
}

"""The named ramps. Ceilings come from the brief; speeds are teaching assumptions (no source
gives a pace), chosen to span the forecasts in ``data/workforce.csv``: from 15,000 in 2025 they
reach half their ceiling in about 2032 (low), 2029 (central) and 2027 (high)."""

def preset(name: str) -> Preset:
    """The named ramp ``name`` (``low``, ``central`` or ``high``).

    Raises
    ------
    ParameterError
        For any other name (as parameter ``ramp_scenario``).
    """
    check(ramp_scenario=name)
    return PRESETS[name]


# ----------------------------------------------------------------------------------------------
# The ramp

def logistic_path(years, start_workers, ceiling, ramp_speed,
                  start_year: int | None = None) -> np.ndarray:
    """Workers in each year on a logistic ramp from ``start_workers`` toward ``ceiling``.

    Parameters
    ----------
    years : array_like
        Calendar years (the last axis of the result).
    start_workers : float
        Workers in ``start_year``, persons (> 0).
    ceiling : array_like
        Level approached, persons (> ``start_workers``). An array of shape ``(n,)`` gives
        ``n`` paths (one row each), for Monte Carlo draws.
    ramp_speed : array_like
        Growth rate ``k`` while the workforce is small, per year (> 0); broadcast like
        ``ceiling``. A higher speed gives more workers in every year after the start.
    start_year : int, optional
        Year the path equals ``start_workers``; the first of ``years`` by default.

    Returns
    -------
    numpy.ndarray
        Persons, shape ``(len(years),)`` for scalar inputs, else ``(n, len(years))``.

    Examples
    --------
    >>> import math
    >>> # C = 300, S = 100: (C - S) / S = 2; k = ln 2, one year on: 300 / (1 + 2 / 2) = 150
    >>> round(float(logistic_path([2025, 2026], 100, 300, math.log(2))[1]), 6)
    150.0
    """
    t = np.asarray(years, dtype=float)
    t0 = float(t.flat[0] if start_year is None else start_year)
    c = np.asarray(ceiling, dtype=float)
    k = np.asarray(ramp_speed, dtype=float)
    if c.ndim or k.ndim:  # one path per draw: rows
        c, k = c[..., None], k[..., None]
    # C / (1 + r e^{-k (t - t0)}) with r = (C - S) / S, the exponent taken in logs so that it
    # neither overflows before the start nor loses the gap long after it
    log_r = np.log(c - start_workers) - np.log(start_workers)
    path = c * np.exp(-np.logaddexp(0.0, log_r - k * (t - t0)))
    return np.where(t == t0, float(start_workers), path)  # exact in the start year


def midpoint(start_workers, ceiling, ramp_speed, start_year: int = 2025):
    """Year a logistic ramp reaches half its ceiling, where it grows fastest.

    Parameters
    ----------
    start_workers, ceiling : float
        Persons in ``start_year`` and the ceiling.
    ramp_speed : float
        Per year (> 0).
    start_year : int
        Year of ``start_workers``.

    Returns
    -------
    float
        Calendar year ``t0 + ln((C - S) / S) / k`` (before ``start_year`` when ``S > C / 2``).

    Examples
    --------
    >>> round(midpoint(100, 300, 0.5, 2025), 6)  # ln 2 / 0.5 = 1.386 years on
    2026.386294
    """
    return start_year + math.log((ceiling - start_workers) / start_workers) / ramp_speed


def speed_for_midpoint(start_workers, ceiling, midpoint_year, start_year: int = 2025) -> float:
    """The ramp speed (per year) that reaches half the ceiling in ``midpoint_year``.

    Raises
    ------
    ParameterError
        When ``midpoint_year`` is not after ``start_year`` or the start is already at half the
        ceiling or above (no such year after the start).

    Examples
    --------
    >>> round(speed_for_midpoint(100, 300, 2027, 2025), 6)  # ln 2 / 2
    0.346574
    """
    if midpoint_year <= start_year:
        raise ParameterError("midpoint_year", midpoint_year,
                             f"0 or a year after start_year = {start_year} (year)")
    if 2 * start_workers >= ceiling:
        raise ParameterError("midpoint_year", midpoint_year,
                             f"0: start_workers = {start_workers:,} is already half the ceiling "
                             f"of {ceiling:,} or more, so no later year reaches half of it")
    return math.log((ceiling - start_workers) / start_workers) / (midpoint_year - start_year)

@dataclass(frozen=True)
class Outlook:
    """One projection window and ramp, with every preset resolved.

    Attributes
    ----------
    ramp_scenario : str
        The named ramp the values come from (or were overridden from).
    start_year, end_year : int
        First and last calendar year.
    start_workers, ceiling : int
        Workers in ``start_year`` and the ceiling, persons.
    ramp_speed : float
        Per year.
    """

    ramp_scenario: str
    start_year: int
    end_year: int
    start_workers: int
    ceiling: int
    ramp_speed: float

    @property
    def midpoint_year(self) -> float:
        """Year the ramp reaches half the ceiling (fastest growth), from :func:`midpoint`."""
        return midpoint(self.start_workers, self.ceiling, self.ramp_speed, self.start_year)

    @property
    def years(self) -> np.ndarray:
        """``start_year`` to ``end_year``, inclusive."""
        return np.arange(self.start_year, self.end_year + 1)

    def path(self) -> pd.Series:
        """Workers in each year (persons), indexed by year."""
        values = logistic_path(self.years, self.start_workers, self.ceiling, self.ramp_speed)
        return pd.Series(values, index=pd.Index(self.years, name="year"), name="workers")

    def table(self) -> pd.DataFrame:
        """The settings as a table: value, unit and where each came from."""
        base = PRESETS[self.ramp_scenario]
        rows = [
            ("start_year", self.start_year, "year", "parameter"),
            ("end_year", self.end_year, "year", "parameter"),
            ("start_workers", self.start_workers, "persons", "parameter"),
        ]
        for name, unit in (("ceiling", "persons"), ("ramp_speed", "per year")):
            value = getattr(self, name)
            origin = (f"{self.ramp_scenario} ramp" if value == getattr(base, name)
                      else "parameter (overrides the ramp)")
            rows.append((name, round(value, 4) if isinstance(value, float) else value, unit,
                         origin))
        rows.append(("midpoint_year", round(self.midpoint_year, 1), "year",
                     "follows from the start, ceiling and speed"))
        frame = pd.DataFrame(rows, columns=["setting", "value", "unit", "from"])
        frame["value"] = [f"{v:,}" if isinstance(v, int) and v > 9999 else f"{v:g}"
                          for v in frame["value"]]
        return frame.set_index("setting")

def outlook(p: SimpleNamespace | Mapping) -> Outlook:
    """Resolve parameters into an :class:`Outlook`: a ``ceiling`` or ``ramp_speed`` of 0 (or
    absent) takes the value of the ``ramp_scenario`` preset; a ``midpoint_year`` other than 0
    sets the speed that reaches half the ceiling in that year (:func:`speed_for_midpoint`).

    Parameters
    ----------
    p : types.SimpleNamespace or mapping
        Validated parameters (from :func:`dispatchlib.check`) with ``ramp_scenario``,
        ``start_year``, ``end_year``, ``start_workers`` and optionally the three overrides.
    """
    get = p.get if isinstance(p, Mapping) else (lambda k, d=None: getattr(p, k, d))
    base = PRESETS[get("ramp_scenario", "central")]
    start_year, start_workers = int(get("start_year")), int(get("start_workers"))
    ceiling = int(get("ceiling", 0) or base.ceiling)
    speed = float(get("ramp_speed", 0) or base.ramp_speed)
    if get("midpoint_year", 0):
        if get("ramp_speed", 0):
            raise ParameterError("midpoint_year", get("midpoint_year"),
                                 "0 when ramp_speed is set: give the speed or the midpoint year, "
                                 "not both")
        speed = speed_for_midpoint(start_workers, ceiling, int(get("midpoint_year")), start_year)
    return Outlook(ramp_scenario=base.name, start_year=start_year, end_year=int(get("end_year")),
                   start_workers=start_workers, ceiling=ceiling, ramp_speed=speed)

# parameter rules: dispatchlib/parameters.json names them, dispatchlib/rules.py holds them
years_in_order = _rules.years_in_order

ceiling_above_start = _rules.ceiling_above_start

midpoint_in_range = _rules.midpoint_in_range

whole_years_abroad = _rules.whole_years_abroad

RULES = _rules.for_notebook("04_prospects")

"""Cross-parameter rules of the ``04_prospects`` lesson, for ``dl.check(rules=...)``."""

def ramp_label(name: str) -> str:
    """A ramp's name (``low``, ``central``, ``high``, ``this run``) as a reader sees it: the
    name itself in English, its translation in another language (the names stay English as
    column names and parameter values); any other text as it is.

    >>> ramp_label("central"), ramp_label("this run"), ramp_label("2025 start")
    ('central', 'this run', '2025 start')
    """
    from dispatchlib.i18n import _

    return {"low": _("low"), "central": _("central"), "high": _("high"),
            "this run": _("this run")}.get(name, name)


def scenario_paths(o: Outlook) -> pd.DataFrame:
    """The three named ramps and this run's over the same years (persons).

    Returns
    -------
    pandas.DataFrame
        Index ``year``; columns ``low``, ``central``, ``high`` and ``this run``.
    """
    cols = {name: logistic_path(o.years, o.start_workers, pr.ceiling, pr.ramp_speed)
            for name, pr in PRESETS.items()}
    cols["this run"] = o.path().to_numpy()
    return pd.DataFrame(cols, index=pd.Index(o.years, name="year"))

def presets_table() -> pd.DataFrame:
    """The named ramps with their sources and reasons, one row each."""
    return pd.DataFrame([{"ramp": p.name, "ceiling": p.ceiling, "ramp_speed": p.ramp_speed,
                          "midpoint_year": round(p.midpoint_year(), 1),
                          "sources": ", ".join(p.source_ids),
                          "basis": p.basis} for p in PRESETS.values()]).set_index("ramp")

def share_of_pool(workers, pool) -> np.ndarray:
    """DPRK workers as a share of all foreign workers in Russia.

    Parameters
    ----------
    workers : array_like
        DPRK workers, persons.
    pool : array_like
        Foreign workers in Russia, persons (> 0); the brief gives 3-3.5 million for 2022-23.

    Returns
    -------
    numpy.ndarray
        Ratio (0.04 = 4 percent).

    Examples
    --------
    >>> float(share_of_pool(150_000, 3_000_000))
    0.05
    """
    return np.asarray(workers, dtype=float) / np.asarray(pool, dtype=float)

def pool_table(workers: Mapping[str, float]) -> pd.DataFrame:
    """Shares of Russia's foreign workforce (``russia_foreign_workers`` in
    ``data/assumptions.csv``: low, central, high) for some numbers of DPRK workers.

    Parameters
    ----------
    workers : mapping of str to float
        Label -> persons.

    Returns
    -------
    pandas.DataFrame
        Index: the labels; columns ``workers`` (persons) and ``share_low``, ``share_central``,
        ``share_high`` (ratios). ``share_low`` divides by the *largest* pool (3.5 million),
        ``share_high`` by the smallest.
    """
    small, mid, large = assumption("russia_foreign_workers")
    rows = {label: {"workers": float(w), "share_low": float(share_of_pool(w, large)),
                    "share_central": float(share_of_pool(w, mid)),
                    "share_high": float(share_of_pool(w, small))}
            for label, w in workers.items()}
    return pd.DataFrame(rows).T

#: one legend entry for the two 50,000 forecasts: BELENETS2025 dates it to end-2025, MT2025BBC
#: gives no date; both are drawn at 2026
FORECASTS = "forecasts of 50,000 (end-2025, or undated)"


def reference_points() -> pd.DataFrame:
    """Counts and forecasts to set beside the ramps (from ``data/workforce.csv``).

    The NIS figure of April 2025 (about 15,000 sent; ``YTN2025``), an industry aide's forecast of
    about 50,000 by the end of 2025 (``BELENETS2025``) and South Korean intelligence's undated
    "could reach 50,000" (``MT2025BBC``). Flows (visas, entries,
    dispatch plans) and additions announced for Kursk are left out: they are not head counts.

    Returns
    -------
    pandas.DataFrame
        Columns ``year`` (both forecasts are placed at 2026), ``workers`` (persons),
        ``label`` and ``source_id``.
    """
    wf = load("workforce")
    rows = []
    for source_id, measure, label in (("YTN2025", "estimate", "NIS, sent by Apr 2025"),
                                      ("BELENETS2025", "forecast", FORECASTS),
                                      ("MT2025BBC", "forecast", FORECASTS)):
        hit = wf[(wf["source_id"] == source_id) & (wf["measure"] == measure)]
        for row in hit.itertuples():
            year = int(row.year) + (1 if measure == "forecast" else 0)
            rows.append({"year": year, "workers": float(row.high), "label": label,
                         "source_id": source_id})
    return pd.DataFrame(rows)


# ----------------------------------------------------------------------------------------------
# Monte Carlo

draw = scenario.draw_ranges

def rotation(workers: pd.Series, years_abroad: float,
             savings_usd: float | None = None) -> pd.DataFrame:
    """Arrivals, returnees and people who have been to Russia, when every worker goes home
    after ``years_abroad`` years and is replaced.

    Yearly steps. The workforce of the first year is taken to have arrived evenly over the
    ``years_abroad`` years before it, so ``1 / years_abroad`` of it leaves in each following
    year. A group arriving in year ``s`` goes home in year ``s + years_abroad``; a fractional
    posting (3.5 years) sends the fraction home a year later (half in ``s + 3``, half in
    ``s + 4``). New arrivals in a year replace the returnees and add the growth of the path.

    Parameters
    ----------
    workers : pandas.Series
        Workers in each year (persons), indexed by consecutive years; non-decreasing.
    years_abroad : float
        Length of a posting, years (>= 1).
    savings_usd : float, optional
        Saved per worker per year abroad, USD; adds the capital columns.

    Returns
    -------
    pandas.DataFrame
        Index ``year``. Columns (persons): ``workers``, ``arrivals`` (new workers in the year;
        0 in the first year), ``returnees`` (0 in the first year), ``cumulative_returnees``,
        ``people_exposed`` (everyone who has worked in Russia in the window so far: the first
        year's workforce plus all later arrivals), ``person_years`` (cumulative worker-years).
        With ``savings_usd``: ``capital_usd`` (returnees times
        :func:`dispatchlib.formulas.returnee_capital`, USD) and ``cumulative_capital_usd``.

    Raises
    ------
    ParameterError
        If ``years_abroad`` is below 1.
    ValueError
        If the path falls faster than workers go home.
    """
    if not years_abroad >= 1:
        raise ParameterError("years_abroad", years_abroad,
                             "at least 1 year here: the rotation model steps a year at a time")
    w = workers.to_numpy(dtype=float)
    n = len(w)
    whole = math.floor(years_abroad)
    frac = years_abroad - whole
    lag_share = {whole: 1.0 - frac, whole + 1: frac}

    returnees = np.zeros(n)
    arrivals = np.zeros(n)
    # the first year's workforce: w[0] / years_abroad leaves each year until none is left
    left = w[0]
    for t in range(1, n):
        out = min(w[0] / years_abroad, left)
        returnees[t] += out
        left -= out
    for t in range(1, n):
        for lag, share in lag_share.items():
            if share and t - lag >= 1:
                returnees[t] += arrivals[t - lag] * share
        arrivals[t] = w[t] - w[t - 1] + returnees[t]
        if arrivals[t] < -1e-9 * max(1.0, w[t - 1]):
            raise ValueError(f"the path falls by {w[t - 1] - w[t]:,.0f} workers in "
                             f"{workers.index[t]}, more than go home that year")
    frame = pd.DataFrame({
        "workers": w, "arrivals": arrivals, "returnees": returnees,
        "cumulative_returnees": returnees.cumsum(),
        "people_exposed": w[0] + arrivals.cumsum(),
        "person_years": w.cumsum(),
    }, index=pd.Index(workers.index, name="year"))
    if savings_usd is not None:
        per_head = float(formulas.returnee_capital(savings_usd, years_abroad))
        frame["capital_usd"] = frame["returnees"] * per_head
        frame["cumulative_capital_usd"] = frame["capital_usd"].cumsum()
    return frame


# The Monte Carlo side of the lesson has its own module; the notebook reaches it as
# dl.prospects.<name> (imported last: it builds on the Outlook defined above).
from dispatchlib.lessons.prospects_uncertainty import (  # noqa: E402
    RANGE_UNITS,
    Simulation,
    fan,
    first_year,
    prob_above,
    ranges_table,
    simulate,
    uncertain_inputs,
)

__all__ = ["LEVELS", "PRESETS", "RANGE_UNITS", "RULES", "TARGET_USD", "UNCERTAIN", "Outlook",
           "Preset", "Simulation", "ceiling_above_start", "fan", "first_year", "logistic_path",
           "midpoint", "midpoint_in_range", "outlook", "pool_table", "preset", "presets_table",
           "prob_above", "ramp_label", "ranges_table", "reference_points", "rotation",
           "scenario_paths",
           "share_of_pool", "simulate", "speed_for_midpoint", "uncertain_inputs",
           "whole_years_abroad", "years_in_order"]
