"""The headline numbers of 00_start-here: state revenue, household savings and the workers needed
for a revenue target at the low, central and high documented inputs, with the brief's own
figures beside them.
"""

from __future__ import annotations

from dataclasses import replace

import pandas as pd

from dispatchlib.lessons.claims_checks import format_range
from dispatchlib.model import scenario
from dispatchlib.params import check
from dispatchlib.tables.data import assumption


def headline_scenarios(workers: int) -> dict[str, scenario.Scenario]:
    """The three scenarios of the start-here headline.

    Parameters
    ----------
    workers : int
        Workers held fixed in the "this run" scenario, persons.

    Returns
    -------
    dict
        ``"2025 estimate"``: the documented scenario (workers 10,000-21,000, central 15,000);
        ``"this run"``: the same with ``workers`` fixed; ``"brief's ceiling"``: workers drawn
        from the brief's 100,000-150,000 (``assumptions.csv``: ``ceiling_workers``). The
        per-worker inputs keep their documented ranges in all three.
    """
    from dispatchlib.i18n import N_

    base = scenario.documented()
    return {  # the names are keys; headline_text shows them in the current language
        N_("2025 estimate"): base,
        N_("this run"): scenario.build(workers=workers),
        N_("brief's ceiling"): replace(base,
                                       workers=scenario.Range(*assumption("ceiling_workers"))),
    }

def headline(workers: int = 15_000, draws: int = 20_000, seed: int = 2025) -> pd.DataFrame:
    """How many workers, how much money and for whom: Monte Carlo percentiles per scenario.

    Parameters
    ----------
    workers : int
        Workers in the "this run" scenario, persons.
    draws, seed : int
        Monte Carlo draws and seed (the same seed for every scenario).

    Returns
    -------
    pandas.DataFrame
        Index: scenario (see :func:`headline_scenarios`). Columns ``workers_low``,
        ``workers_central``, ``workers_high`` (persons) and ``state_revenue_usd_p5`` / ``_p50``
        / ``_p95`` and ``household_savings_usd_p5`` / ``_p50`` / ``_p95`` (USD per year: what
        the state collects and what the workers keep for their households).
    """
    p = check(workers=workers, draws=draws, seed=seed)
    rows = {}
    for name, s in headline_scenarios(p.workers).items():
        pct = scenario.summarize(scenario.monte_carlo(s, draws=p.draws, seed=p.seed))
        row = {"workers_low": s.workers.low, "workers_central": s.workers.central,
               "workers_high": s.workers.high}
        for out in ("state_revenue_usd", "household_savings_usd"):
            for col in pct.columns:
                row[f"{out}_{col}"] = float(pct.at[out, col])
        rows[name] = row
    frame = pd.DataFrame.from_dict(rows, orient="index")
    frame.index.name = "scenario"
    return frame

def headline_text(table: pd.DataFrame) -> pd.DataFrame:
    """The headline table as text for printing (workers, then p5 / p50 / p95 in USD a year),
    the scenario names and amounts in the current language."""
    from dispatchlib.i18n import _

    out = pd.DataFrame(index=pd.Index([_(name) for name in table.index], name=table.index.name))
    out[_("workers (persons)")] = [
        format_range(r.workers_central, r.workers_central, "count")
        + ("" if r.workers_low == r.workers_high
           else f" ({format_range(r.workers_low, r.workers_high, 'count')})")
        for r in table.itertuples()]
    for key, label in (("state_revenue_usd", _("state")),
                       ("household_savings_usd", _("households"))):
        out[_("{who}: p5 / p50 / p95 (USD a year)").format(who=label)] = [
            " / ".join(format_range(v, v, "usd") for v in
                       (r[f"{key}_p5"], r[f"{key}_p50"], r[f"{key}_p95"]))
            for _, r in table.iterrows()]
    return out
