"""Figures shared by a lesson's static cell and its explorer, so that a slider redraws exactly
the figure printed above it (:func:`revenue_figure`, :func:`ramp_figure`,
:func:`reconciled_figure`). matplotlib loads when a figure is drawn.
"""
from __future__ import annotations

from collections.abc import Sequence
from dataclasses import asdict, replace

from dispatchlib import formatting
from dispatchlib.errors import ParameterError
from dispatchlib.i18n import _

# --------------------------------------------------------------------------- figures shared
# by a lesson's static cell and its explorer


def revenue_figure(workers: int, quota_usd: float, quota_months: float = 12.0,
                   draws: int = 20_000, seed: int = 2025):
    """State revenue against the number of workers, with the quota's Monte Carlo bands
    (``02_economics``, section 2).

    Parameters
    ----------
    workers : int
        Workers in Russia (persons), marked as "this run".
    quota_usd : float
        Paid to the state per worker over ``quota_months`` (USD); with ``quota_months=12``
        this is the annual quota.
    quota_months : float
        Months covered by ``quota_usd``.
    draws : int
        Monte Carlo draws of the quota.
    seed : int
        Seed of the random number generator.

    Returns
    -------
    matplotlib.figure.Figure
        Bands for 0-160,000 workers (USD per year), this run's point and the brief's
        100,000 workers / $1 billion, with the $1 billion line.
    """
    import numpy as np
    import pandas as pd

    from dispatchlib.model import scenario
    from dispatchlib.plots import economics

    s = scenario.build(workers=workers, quota_usd=quota_usd, quota_months=quota_months)
    band = scenario.revenue_by_workers(np.linspace(0, 160_000, 81), s, draws=draws, seed=seed)
    revenue = scenario.deterministic(s)["state_revenue_usd"]
    marks = pd.DataFrame([
        {"workers": workers, "revenue_usd": revenue,
         "label": _("This run, central value: {workers} workers").format(
             workers=formatting.thousands(workers))},
        {"workers": 100_000, "revenue_usd": 1e9,
         "label": _("Brief: 100,000 workers, over $1 billion")},
    ])
    return economics.revenue_vs_workers(band, marks, target_usd=1e9,
                                        sources=["LANKOV2025", "RFA2024POE", "RFA2019QUOTA"])


def ramp_figure(o, ceiling: int | None = None, ramp_speed: float | None = None):
    """The three named ramps and this run's toward the brief's ceiling (``04_prospects``,
    section 1).

    Parameters
    ----------
    o : dispatchlib.prospects.Outlook
        The lesson's projection window and ramp.
    ceiling : int, optional
        Replaces the ceiling of this run's ramp (persons).
    ramp_speed : float, optional
        Replaces the speed of this run's ramp (per year).

    Raises
    ------
    ParameterError
        For a ceiling or speed out of range, or a ceiling not above the starting workforce.
    """
    from dispatchlib.lessons import prospects
    from dispatchlib.params import check
    from dispatchlib.plots import prospects as figures
    from dispatchlib.tables.data import assumption

    p = check(ceiling=o.ceiling if ceiling is None else ceiling,
              ramp_speed=o.ramp_speed if ramp_speed is None else ramp_speed)
    run = replace(o, ceiling=int(p.ceiling), ramp_speed=float(p.ramp_speed))
    prospects.ceiling_above_start(check(**asdict(run)))
    if run.ramp_speed <= 0:
        raise ParameterError("ramp_speed", run.ramp_speed, "a speed above 0 (per year)")
    low, _, high = assumption("ceiling_workers")
    return figures.ramps(prospects.scenario_paths(run), prospects.reference_points(),
                         ceiling_range=(low, high),
                         sources=["LANKOV2025", "YTN2025", "BELENETS2025", "MT2025BBC"])


def reconciled_figure(measures: Sequence[str], grades: Sequence[str], grade_weight: float = 2.0,
                      ci_level: float = 0.95):
    """The reconciled workforce series fitted to the chosen figures (``01_history``,
    section 4): which measures and confidence grades to believe, and how much more a better
    grade weighs.

    Parameters
    ----------
    measures : sequence of str
        Stock-like measures fitted (see :data:`dispatchlib.history.STOCK_MEASURES`).
    grades : sequence of str
        Confidence grades fitted (H, M, L).
    grade_weight : float
        Weight of a figure relative to one a grade lower (ratio).
    ci_level : float
        Probability covered by the bands.

    Raises
    ------
    ParameterError
        For an empty or unknown choice, or one that leaves too few figures to fit.
    """
    import numpy as np

    from dispatchlib.lessons import history
    from dispatchlib.params import check
    from dispatchlib.plots import history as figures
    from dispatchlib.tables.data import load

    p = check(rules=history.RULES, measures=list(measures), grades=list(grades),
              grade_weight=grade_weight, ci_level=ci_level)
    workforce = load("workforce")
    sel = history.select(workforce, measures=p.measures, grades=p.grades,
                         grade_weight=p.grade_weight)
    curve = history.reconcile(sel).predict(np.arange(1946, 2026, 0.25), ci_level=p.ci_level)
    return figures.reconciled(
        curve, sel, history.unfitted(workforce, sel), load("eras"), ci_level=p.ci_level,
        sources=[_("the {count} sources of the fitted figures (data/workforce.csv)").format(
            count=sel["source_id"].nunique())])
