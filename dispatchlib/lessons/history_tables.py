"""Tables of the history lesson (``01_history``): the eras, the dated events, and counts of the
workforce figures by measure, by decade and by year of disagreement.

The reconciled series (selection, weights and the fit) lives in :mod:`.history`, which re-exports
everything here, so ``dl.history.era_table`` and the rest keep their names.
"""

from __future__ import annotations

from collections.abc import Sequence

import pandas as pd

from dispatchlib.tables.data import load

MEASURES = ("stock", "stock_logging", "stock_regional", "permits", "visas_issued", "entries",
            "entries_study", "estimate", "brief", "forecast", "cumulative")
#: measures that count people present, and so may enter the reconciled series
STOCK_MEASURES = ("stock", "stock_logging", "permits", "estimate", "brief")
#: measures counting events during a year (shown, never fitted)
FLOW_MEASURES = ("visas_issued", "entries", "entries_study")
DEFAULT_MEASURES = ("stock", "stock_logging", "permits", "estimate")


def labels(_=str) -> dict[str, str]:
    """Each measure in words, through ``_``: ``str`` (the default) gives the English,
    ``dispatchlib.i18n._`` the current language."""
    return {
        "stock": _("Stock (people present)"),
        "stock_logging": _("Stock, loggers only"),
        "stock_regional": _("Stock, one region"),
        "permits": _("Valid work permits"),
        "visas_issued": _("Visas issued (flow)"),
        "entries": _("Border entries (flow)"),
        "entries_study": _("Entries for study (flow)"),
        "estimate": _("Estimate (intelligence, experts, press)"),
        "brief": _("The brief's figure"),
        "forecast": _("Forecast or plan"),
        "cumulative": _("Cumulative recruits"),
    }


#: each measure in words (English; ``labels(dispatchlib.i18n._)`` in the current language)
LABELS = labels()


def era_table() -> pd.DataFrame:
    """The five eras as a table for reading: years, who controlled the workers, sectors, pay
    and the typical head count.

    Returns
    -------
    pandas.DataFrame
        Index ``era_id``; columns ``years``, ``name``, ``control_model``, ``main_sectors``,
        ``pay_arrangement``, ``workers`` (the era's low-high head count as text, persons) and
        ``source_id``.
    """
    eras = load("eras").set_index("era_id")

    def count(lo: float, hi: float) -> str:
        if pd.isna(lo):
            return "no count"
        return f"{lo:,.0f}" if lo == hi else f"{lo:,.0f}-{hi:,.0f}"

    out = pd.DataFrame({
        "years": [f"{a}-{b}" for a, b in zip(eras["start_year"], eras["end_year"], strict=True)],
        "name": eras["name"],
        "control_model": eras["control_model"],
        "main_sectors": eras["main_sectors"],
        "pay_arrangement": eras["pay_arrangement"],
        "workers": [count(lo, hi) for lo, hi in
                    zip(eras["workers_low"], eras["workers_high"], strict=True)],
        "source_id": eras["source_id"],
    }, index=eras.index)
    return out

def event_table(kinds: Sequence[str] | None = None, start_year: int = 1946,
                end_year: int = 2025) -> pd.DataFrame:
    """Dated events from ``data/events.csv``, oldest first.

    Parameters
    ----------
    kinds : sequence of str, optional
        Keep only these ``kind`` values (``agreement``, ``un_resolution``, ...); all by default.
    start_year, end_year : int
        Years to keep (inclusive).

    Returns
    -------
    pandas.DataFrame
        Columns ``date``, ``year``, ``kind``, ``title``, ``description``, ``source_id``.
    """
    events = load("events")
    keep = events["year"].between(start_year, end_year)
    if kinds is not None:
        unknown = sorted(set(kinds) - set(events["kind"].dropna()))
        if unknown:
            raise ValueError(f"unknown event kind(s) {unknown}; the kinds in data/events.csv "
                             f"are {sorted(set(events['kind'].dropna()))}")
        keep &= events["kind"].isin(list(kinds))
    cols = ["date", "year", "kind", "title", "description", "source_id"]
    return events.loc[keep, cols].sort_values(["date", "title"]).reset_index(drop=True)

def per_decade(figures: pd.DataFrame, start: int = 1940, end: int = 2020) -> pd.DataFrame:
    """How many figures, and from how many sources, each decade holds.

    Returns
    -------
    pandas.DataFrame
        Index ``decade`` (``1940s`` ...); columns ``figures`` and ``sources``.
    """
    decade = (figures["year"].astype(int) // 10) * 10
    rows = []
    for d in range(start, end + 1, 10):
        inside = decade == d
        rows.append({"decade": f"{d}s", "figures": int(inside.sum()),
                     "sources": int(figures.loc[inside, "source_id"].nunique())})
    return pd.DataFrame(rows).set_index("decade")

def per_measure(table: pd.DataFrame | None = None) -> pd.DataFrame:
    """Figures and distinct sources for every measure of ``workforce.csv``.

    Returns
    -------
    pandas.DataFrame
        Index: the measures in :data:`MEASURES` order; columns ``figures``, ``sources``,
        ``first_year``, ``last_year`` and ``kind`` (stock-like, flow or other).
    """
    table = load("workforce") if table is None else table
    rows = []
    for m in MEASURES:
        sub = table[table["measure"] == m]
        kind = "stock-like" if m in STOCK_MEASURES else "flow" if m in FLOW_MEASURES else "other"
        if m == "stock_regional":
            kind = "stock, regional"
        rows.append({"measure": m, "figures": len(sub), "sources": sub["source_id"].nunique(),
                     "first_year": int(sub["year"].min()) if len(sub) else None,
                     "last_year": int(sub["year"].max()) if len(sub) else None, "kind": kind})
    return pd.DataFrame(rows).set_index("measure")

def spread_by_year(figures: pd.DataFrame, min_figures: int = 3) -> pd.DataFrame:
    """Years in which several figures disagree: lowest and highest value and their ratio.

    Parameters
    ----------
    figures : pandas.DataFrame
        From :func:`select` (uses ``year``, ``value``).
    min_figures : int
        Keep years with at least this many figures.

    Returns
    -------
    pandas.DataFrame
        Index ``year``; columns ``figures``, ``lowest``, ``highest`` (persons) and ``ratio``
        (highest / lowest), sorted by ratio, largest first.
    """
    g = figures.groupby(figures["year"].astype(int))["value"]
    out = pd.DataFrame({"figures": g.size(), "lowest": g.min(), "highest": g.max()})
    out = out[out["figures"] >= min_figures]
    out["ratio"] = out["highest"] / out["lowest"]
    out.index.name = "year"
    return out.sort_values("ratio", ascending=False)
