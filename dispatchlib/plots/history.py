"""Figures of the history lesson (``01_history``): every head count by what it measures, and the
reconciled series with its bands, over the eras of dispatch."""

from __future__ import annotations

from collections.abc import Iterable

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
from matplotlib.lines import Line2D

from dispatchlib.lessons.history import LABELS, MEASURES, STOCK_MEASURES, decimal_year
from dispatchlib.plots import add_sources, colors, finished, thousands

#: one marker per measure: filled shapes for stock-like counts, triangles for flows
MARKERS = {
    "stock": "o", "stock_logging": "s", "stock_regional": "h", "permits": "D",
    "estimate": "^", "brief": "*", "visas_issued": "v", "entries": "<", "entries_study": ">",
    "forecast": "X", "cumulative": "P",
}


def measure_colors() -> dict:
    """A fixed colour for every measure (colour-blind palette; grey for cumulative totals)."""
    palette = colors(10)
    out = dict(zip(MEASURES[:10], palette, strict=True))
    out["cumulative"] = (0.45, 0.45, 0.45)
    return out


def _shade_eras(ax, eras: pd.DataFrame, label_y: float = 0.98, labels_from: int = 0) -> None:
    for i, row in enumerate(eras.sort_values("start_year").itertuples()):
        if row.start_year < labels_from:
            ax.axvspan(row.start_year, row.end_year + 1, color="0.5" if i % 2 else "0.85",
                       alpha=0.12, lw=0, zorder=0)
            continue
        ax.axvspan(row.start_year, row.end_year + 1, color="0.5" if i % 2 else "0.85",
                   alpha=0.12, lw=0, zorder=0)
        width = row.end_year + 1 - row.start_year
        mid = (row.start_year + row.end_year + 1) / 2
        ax.text(mid, label_y, row.name if width >= 10 else row.era_id,
                transform=ax.get_xaxis_transform(), ha="center", va="top", fontsize="x-small",
                color="0.25", rotation=0 if width >= 10 else 90)


#: years after this are drawn STRETCH times wider, so that the crowded recent decade is legible
RECENT = 2010
STRETCH = 3.0


def stretch_recent(ax, since: float = RECENT, factor: float = STRETCH) -> None:
    """Draw years after ``since`` ``factor`` times wider than earlier years (one x-axis)."""
    def forward(x):
        x = np.asarray(x, dtype=float)
        return np.where(x < since, x, since + factor * (x - since))

    def inverse(u):
        u = np.asarray(u, dtype=float)
        return np.where(u < since, u, since + (u - since) / factor)

    ax.set_xscale("function", functions=(forward, inverse))
    ax.set_xticks([1950, 1960, 1970, 1980, 1990, 2000, 2010, 2015, 2020, 2025])
    ax.xaxis.set_major_formatter(lambda x, _pos: f"{x:.0f}")
    ax.axvline(since, color="0.4", lw=0.8, ls=":", zorder=1)


def _times(table: pd.DataFrame) -> np.ndarray:
    return np.array([decimal_year(int(y), None if pd.isna(d) else str(d))
                     for y, d in zip(table["year"], table["date"], strict=True)])


def all_sources(workforce: pd.DataFrame, eras: pd.DataFrame, sources: Iterable[str] = ()):
    """Every workforce figure at its date, by what it measures, on a log scale.

    Parameters
    ----------
    workforce : pandas.DataFrame
        Rows of ``workforce.csv`` (all measures, all scopes).
    eras : pandas.DataFrame
        The eras table (shaded behind the points).

    Returns
    -------
    matplotlib.figure.Figure
        Marker and colour per measure; a vertical bar for each range (low to high) with the
        mark at its geometric middle; hollow marks for counts of one region.
    """
    fig, ax = plt.subplots(figsize=(10.0, 6.0))
    palette = measure_colors()
    t = _times(workforce)
    mid = np.sqrt(workforce["low"].astype(float) * workforce["high"].astype(float))
    for m in MEASURES:
        rows = (workforce["measure"] == m).to_numpy()
        if not rows.any():
            continue
        sub = workforce[rows]
        regional = (sub["scope"] == "regional").to_numpy()
        ranged = (sub["low"] != sub["high"]).to_numpy()
        x, y = t[rows], mid[rows].to_numpy()
        if ranged.any():
            ax.vlines(x[ranged], sub["low"].to_numpy()[ranged], sub["high"].to_numpy()[ranged],
                      color=palette[m], lw=2, alpha=0.7)
        for hollow in (False, True):
            keep = regional == hollow
            if keep.any():
                ax.plot(x[keep], y[keep], MARKERS[m], ls="none", ms=7 if m != "brief" else 11,
                        color=palette[m], mfc="none" if hollow else palette[m], mew=1.4,
                        alpha=0.9, zorder=3)
    ax.set_yscale("log")
    ax.set_ylim(1, 3e5)
    ax.yaxis.set_major_formatter(thousands)
    stretch_recent(ax)
    ax.set_xlim(1944, 2026.5)
    _shade_eras(ax, eras)
    ax.set_xlabel(f"Year (figures at their date; from {RECENT} on, one year is drawn "
                  f"{STRETCH:g} times wider)")
    ax.set_ylabel("Persons counted (log scale)")
    ax.set_title("Eight decades of head counts: every source, by what it measures")
    handles = [Line2D([], [], marker=MARKERS[m], ls="none", color=palette[m], ms=7,
                      label=LABELS[m]) for m in MEASURES if (workforce["measure"] == m).any()]
    handles += [Line2D([], [], color="0.3", lw=2, label="range (low to high)"),
                Line2D([], [], marker="o", ls="none", color="0.3", mfc="none",
                       label="hollow: one region only")]
    ax.legend(handles=handles, loc="lower left", ncol=2, fontsize="x-small", framealpha=0.9)
    add_sources(fig, sources, "Flows (visas, entries) count events in a year, not people "
                "present; they are shown, never added to the stocks.")
    return fig


def reconciled(curve: pd.DataFrame, figures: pd.DataFrame, others: pd.DataFrame,
               eras: pd.DataFrame, ci_level: float = 0.95, sources: Iterable[str] = (),
               zoom_from: int = RECENT):
    """The reconciled series: one line per era with its confidence and prediction bands, over
    the figures it was fitted to; the right panel repeats the years from ``zoom_from`` on.

    Parameters
    ----------
    curve : pandas.DataFrame
        From :meth:`dispatchlib.history.Reconciliation.predict` (columns ``t``, ``era``,
        ``workers``, ``low``, ``high``, ``pred_low``, ``pred_high``; persons).
    figures : pandas.DataFrame
        The fitted figures (from :func:`dispatchlib.history.select`), sized by weight.
    others : pandas.DataFrame
        Workforce rows not fitted, drawn in light grey.
    eras : pandas.DataFrame
        The eras table.
    ci_level : float
        Probability covered by the bands (for the legend).
    zoom_from : int
        First year of the right-hand panel.
    """
    fig, (ax, zoom) = plt.subplots(1, 2, figsize=(10.0, 5.6), sharey=True,
                                   gridspec_kw={"width_ratios": [1.7, 1.0]})
    palette = measure_colors()
    line = colors(10)[0]
    ot = _times(others) if len(others) else np.array([])
    om = np.sqrt(others["low"].astype(float) * others["high"].astype(float))
    size = 20 + 25 * figures["weight"] / figures["weight"].max()
    for panel in (ax, zoom):
        labels = panel is ax
        if len(others):
            panel.plot(ot, om, "o", ls="none", ms=4, color="0.65", alpha=0.6, zorder=1,
                       label="not fitted: flows, other measures or grades, regional counts"
                       if labels else None)
        first = labels
        for era_id in dict.fromkeys(curve["era"].dropna()):
            seg = curve[(curve["era"] == era_id) & curve["workers"].notna()]
            if seg.empty:
                continue
            panel.fill_between(seg["t"], seg["pred_low"], seg["pred_high"], color=line,
                               alpha=0.10, lw=0,
                               label=f"{ci_level:.0%} band for one more figure" if first else None)
            panel.fill_between(seg["t"], seg["low"], seg["high"], color=line, alpha=0.30, lw=0,
                               label=f"{ci_level:.0%} confidence band of the line"
                               if first else None)
            panel.plot(seg["t"], seg["workers"], color=line, lw=2.2,
                       label="reconciled series (one line per era)" if first else None)
            first = False
        for m in STOCK_MEASURES:
            sub = figures[figures["measure"] == m]
            if len(sub):
                panel.scatter(sub["t"], sub["value"], s=size[sub.index], marker=MARKERS[m],
                              color=palette[m], edgecolor="white", lw=0.5, zorder=3,
                              label=f"fitted: {LABELS[m].lower()}" if labels else None)
    ax.set_yscale("log")
    ax.set_ylim(100, 3e5)
    ax.yaxis.set_major_formatter(thousands)
    ax.set_xlim(1944, 2026.5)
    zoom.set_xlim(zoom_from, 2026.2)
    _shade_eras(ax, eras)
    _shade_eras(zoom, eras, labels_from=zoom_from)
    ax.axvspan(zoom_from, 2026.5, fill=False, ec="0.3", lw=0.8, ls="--")
    ax.set_xlabel("Year")
    zoom.set_xlabel(f"Year ({zoom_from}-2025 enlarged)")
    ax.set_ylabel("DPRK workers (persons, log scale)")
    ax.set_title("A reconciled series: what the selected figures agree on, era by era")
    handles, labels = ax.get_legend_handles_labels()
    add_sources(fig, sources, "Weighted least squares on log head counts, one straight line "
                "per era; larger marks weigh more (higher confidence grade).")
    # room under the axes for the legend, above the sources line
    fig.subplots_adjust(bottom=0.26)
    fig.legend(handles, labels, loc="lower center", bbox_to_anchor=(0.5, 0.005), ncol=3,
               fontsize="x-small", frameon=False)
    finished(fig)
    return fig


def per_decade(table: pd.DataFrame, sources: Iterable[str] = ()):
    """Bar chart of how many fitted figures (and sources) each decade holds."""
    fig, ax = plt.subplots(figsize=(8.0, 3.4))
    c = colors(2)
    x = np.arange(len(table))
    ax.bar(x - 0.2, table["figures"], width=0.4, color=c[0], label="figures")
    ax.bar(x + 0.2, table["sources"], width=0.4, color=c[1], label="distinct sources")
    ax.set_xticks(x, table.index)
    ax.set_ylabel("Count")
    ax.set_xlabel("Decade")
    ax.set_title("How many fitted figures each decade rests on")
    ax.legend(fontsize="small")
    add_sources(fig, sources)
    return fig
