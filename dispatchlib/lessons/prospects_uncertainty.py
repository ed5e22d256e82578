"""The uncertain side of lesson 04: the documented ranges of the ramp and of the money
(uncertain_inputs, ranges_table), the Monte Carlo of the workforce and revenue paths (simulate),
their fan of percentile bands (fan), and how often revenue passes a target (prob_above,
first_year). dl.prospects.<name> gives each of them.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

from dispatchlib.lessons.prospects import (
    LEVELS,
    PRESETS,
    TARGET_USD,
    UNCERTAIN,
    Outlook,
    draw,
    logistic_path,
)
from dispatchlib.model import formulas, scenario
from dispatchlib.model.scenario import Range
from dispatchlib.params import SPECS
from dispatchlib.tables.data import assumption


def uncertain_inputs(o: Outlook, quota_usd: float | None = None,
                     quota_months: float | None = None,
                     savings_usd: float | None = None) -> dict[str, Range]:
    """The ranges drawn by :func:`simulate`.

    - ``ceiling`` (persons): the brief's 100,000-150,000 (``ceiling_workers`` in
      ``data/assumptions.csv``), most likely at this run's ceiling; the low end is raised to
      ``start_workers`` if needed, so every path grows.
    - ``ramp_speed`` (per year): from the low to the high ramp's speed, most likely at this run's.
    - ``annual_quota_usd`` and ``savings_usd`` (USD per worker per year): as in
      :func:`dispatchlib.scenario.build`, your value most likely, the documented ends kept.

    Returns
    -------
    dict of str to Range
        Keys of :data:`UNCERTAIN`.
    """
    low, _, high = assumption("ceiling_workers")
    floor = max(low, float(o.start_workers))
    ceiling = Range(min(floor, o.ceiling), o.ceiling, max(high, o.ceiling))
    k_low, k_high = PRESETS["low"].ramp_speed, PRESETS["high"].ramp_speed
    speed = Range(min(k_low, o.ramp_speed), o.ramp_speed, max(k_high, o.ramp_speed))
    s = scenario.build(quota_usd=quota_usd, quota_months=quota_months, savings_usd=savings_usd)
    return {"ceiling": ceiling, "ramp_speed": speed,
            "annual_quota_usd": s.annual_quota_usd, "savings_usd": s.savings_usd}

#: units of the uncertain inputs: the registry's (parameters.json), else the scenario model's
RANGE_UNITS = {k: SPECS[k].unit if k in SPECS else scenario.UNITS[k] for k in UNCERTAIN}

def ranges_table(ranges: Mapping[str, Range]) -> pd.DataFrame:
    """Ranges as a table: ``low``, ``central`` (most likely), ``high`` and ``unit``."""
    frame = pd.DataFrame({k: {"low": r.low, "central": r.central, "high": r.high}
                          for k, r in ranges.items()}).T
    frame["unit"] = [RANGE_UNITS.get(k, "") for k in frame.index]
    return frame

@dataclass(frozen=True)
class Simulation:
    """Monte Carlo paths: one row per draw, one column per year.

    Attributes
    ----------
    years : numpy.ndarray
        Calendar years.
    inputs : dict of str to numpy.ndarray
        The draws of :data:`UNCERTAIN` (units in :func:`uncertain_inputs`).
    workers : numpy.ndarray
        Persons, shape ``(draws, years)``.
    state_revenue_usd, household_savings_usd : numpy.ndarray
        USD per year, same shape.
    """

    years: np.ndarray
    inputs: dict
    workers: np.ndarray
    state_revenue_usd: np.ndarray
    household_savings_usd: np.ndarray

def simulate(o: Outlook, ranges: Mapping[str, Range], draws: int = 20_000,
             seed: int = 2025) -> Simulation:
    """Monte Carlo workforce, state revenue and household savings paths.

    Parameters
    ----------
    o : Outlook
        Window and start; each draw's midpoint follows from its ceiling and speed.
    ranges : mapping of str to Range
        From :func:`uncertain_inputs` (keys of :data:`UNCERTAIN`), possibly edited.
    draws, seed : int
        Number of draws and seed of the generator.

    Returns
    -------
    Simulation
        Revenue is workers times the quota drawn, savings workers times the savings drawn
        (:func:`dispatchlib.formulas.state_revenue`,
        :func:`~dispatchlib.formulas.household_savings`); each draw keeps its per-worker values
        for every year.
    """
    x = draw({k: ranges[k] for k in UNCERTAIN}, draws, seed)
    workers = np.atleast_2d(logistic_path(o.years, o.start_workers, x["ceiling"],
                                          x["ramp_speed"]))
    return Simulation(
        years=o.years, inputs=x, workers=workers,
        state_revenue_usd=formulas.state_revenue(workers, x["annual_quota_usd"][:, None]),
        household_savings_usd=formulas.household_savings(workers, x["savings_usd"][:, None]),
    )

def fan(samples: np.ndarray, years: Sequence[int], levels: Sequence[float] = LEVELS
        ) -> pd.DataFrame:
    """Percentile bands of Monte Carlo paths, year by year.

    Parameters
    ----------
    samples : numpy.ndarray
        Shape ``(draws, years)``.
    years : sequence of int
        Labels of the columns of ``samples``.
    levels : sequence of float
        Central intervals, percent (50 gives ``p25`` and ``p75``).

    Returns
    -------
    pandas.DataFrame
        Index ``year``; columns ``p50`` and the lower and upper percentile of each level
        (``p5``, ``p10``, ``p25``, ``p75``, ``p90``, ``p95`` for 50/80/90), in the units of
        ``samples``.
    """
    cuts = sorted({50.0} | {(100 - lv) / 2 for lv in levels} | {(100 + lv) / 2 for lv in levels})
    values = np.percentile(np.asarray(samples, dtype=float), cuts, axis=0).T
    return pd.DataFrame(values, index=pd.Index(list(years), name="year"),
                        columns=[f"p{c:g}" for c in cuts])

def prob_above(samples: np.ndarray, years: Sequence[int], threshold: float = TARGET_USD
               ) -> pd.Series:
    """Share of draws strictly above ``threshold`` in each year.

    Parameters
    ----------
    samples : numpy.ndarray
        Shape ``(draws, years)``.
    threshold : float
        In the units of ``samples`` (default: $1 billion a year).

    Returns
    -------
    pandas.Series
        Ratio 0-1, indexed by year.
    """
    share = (np.asarray(samples, dtype=float) > threshold).mean(axis=0)
    return pd.Series(share, index=pd.Index(list(years), name="year"), name="probability")

def first_year(prob: pd.Series, at_least: float = 0.5) -> int | None:
    """First year whose probability reaches ``at_least``, or ``None`` if none does."""
    hit = prob.index[prob.to_numpy() >= at_least]
    return int(hit[0]) if len(hit) else None


# ----------------------------------------------------------------------------------------------
# Rotation: returnees and what they bring home
