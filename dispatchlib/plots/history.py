"""Figures of the history lesson (``01_history``): every head count by what it measures, and the
reconciled series with its bands, over the eras of dispatch."""

from __future__ import annotations

from collections.abc import Iterable

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
from matplotlib.lines import Line2D

from dispatchlib.formatting import percent
from dispatchlib.i18n import _, current_language
from dispatchlib.lessons.history import decimal_year, era_label, era_name
from dispatchlib.lessons.history_tables import labels
from dispatchlib.plots import add_sources, colors, finished, thousands


#: four classes a reader can tell apart at a glance (each measure belongs to one)
def classes(_=str) -> dict[str, tuple[str, str, int | None]]:
    """The classes of :data:`CLASSES`, their labels through ``_`` (``str``: English;
    ``dispatchlib.i18n._``: the current language)."""
    return {
        "present": (_("People present (stocks, valid permits, estimates)"), "o", 0),
        "brief": (_("The brief's own figures"), "*", 1),
        "flow": (_("Flows: visas issued, border entries (events in a year)"), "v", 2),
        "other": (_("Other: one region only, forecasts, cumulative recruits"), "s", None),
    }


CLASSES = classes()
#: the class of each measure (regional counts go to "other" whatever their measure)
MEASURE_CLASS = {
    "stock": "present", "stock_logging": "present", "permits": "present", "estimate": "present",
    "brief": "brief", "visas_issued": "flow", "entries": "flow", "entries_study": "flow",
    "stock_regional": "other", "forecast": "other", "cumulative": "other",
}
#: lowest value drawn on the log axis (persons); smaller values sit on the bottom edge
FLOOR = 100


def class_colors() -> dict:
    """One colour per class of :data:`CLASSES` (colour-blind palette; grey for "other")."""
    palette = colors(3)
    return {k: (palette[i] if i is not None else (0.55, 0.55, 0.55))
            for k, (_label, _marker, i) in CLASSES.items()}


def figure_class(table: pd.DataFrame) -> np.ndarray:
    """The class of :data:`CLASSES` of each workforce row (regional rows are "other")."""
    cls = table["measure"].map(MEASURE_CLASS).fillna("other").to_numpy(dtype=object)
    cls[(table["scope"] == "regional").to_numpy(dtype=bool)] = "other"
    return cls


def _shade_eras(ax, eras: pd.DataFrame, label_y: float = 0.98, start: float = 0,
                min_width: float = 0) -> None:
    for i, row in enumerate(eras.sort_values("start_year").itertuples()):
        ax.axvspan(row.start_year, row.end_year + 1, color="0.5" if i % 2 else "0.85",
                   alpha=0.12, lw=0, zorder=0)
        lo = max(row.start_year, start)
        if row.end_year + 1 - lo <= min_width:
            continue  # too narrow for a label (the recent panel names it)
        mid = (lo + row.end_year + 1) / 2
        ax.text(mid, label_y,
                era_name(row.name) if row.end_year + 1 - lo >= 12 else era_label(row.era_id),
                transform=ax.get_xaxis_transform(), ha="center", va="top", fontsize="x-small",
                color="0.25")


#: first year of the recent panel of :func:`all_sources`
RECENT = 2010


def _times(table: pd.DataFrame) -> np.ndarray:
    return np.array([decimal_year(int(y), None if pd.isna(d) else str(d))
                     for y, d in zip(table["year"], table["date"], strict=True)])


def _draw_classes(ax, workforce: pd.DataFrame, t: np.ndarray, palette: dict) -> None:
    cls = figure_class(workforce)
    low = workforce["low"].astype(float).to_numpy()
    high = workforce["high"].astype(float).to_numpy()
    mid = np.sqrt(low * high)
    for key, (_label, marker, _i) in CLASSES.items():
        rows = cls == key
        if not rows.any():
            continue
        ranged = rows & (low != high)
        ax.vlines(t[ranged], np.maximum(low[ranged], FLOOR), high[ranged], color=palette[key],
                  lw=2, alpha=0.6)
        y = np.maximum(mid[rows], FLOOR)
        ax.plot(t[rows], y, marker, ls="none", ms=12 if key == "brief" else 7,
                color=palette[key], mec="white" if key != "other" else palette[key],
                mfc="none" if key == "other" else palette[key], mew=0.8 if key != "other" else 1.4,
                alpha=0.9, zorder=3 if key != "other" else 2, clip_on=False)


def all_sources(workforce: pd.DataFrame, eras: pd.DataFrame, sources: Iterable[str] = ()):
    """Every workforce figure at its date, in four classes, on a log scale.

    The top panel covers 1944-2026 on an even time axis; the bottom panel enlarges 2010-2026,
    where most figures fall, on the same vertical scale. Values below :data:`FLOOR` persons sit
    on the bottom edge and are named in the note under the figure.

    Parameters
    ----------
    workforce : pandas.DataFrame
        Rows of ``workforce.csv`` (all measures, all scopes).
    eras : pandas.DataFrame
        The eras table (shaded behind the points).

    Returns
    -------
    matplotlib.figure.Figure
        One marker and colour per class (:data:`CLASSES`); a vertical bar for each range (low
        to high) with the mark at its geometric middle.
    """
    fig, (ax, zoom) = plt.subplots(2, 1, figsize=(10.0, 8.0), sharey=True,
                                   gridspec_kw={"height_ratios": [1.0, 1.0]})
    palette = class_colors()
    t = _times(workforce)
    recent = t >= RECENT
    _draw_classes(ax, workforce, t, palette)
    _draw_classes(zoom, workforce[recent], t[recent], palette)
    ax.set_yscale("log")
    ax.set_ylim(FLOOR, 3e5)
    ax.yaxis.set_major_formatter(thousands)
    ax.set_xlim(1944, 2026.5)
    zoom.set_xlim(RECENT, 2026.2)
    _shade_eras(ax, eras, min_width=8)
    _shade_eras(zoom, eras, start=RECENT)
    ax.axvspan(RECENT, 2026.5, fill=False, ec="0.3", lw=0.8, ls="--")
    ax.text(RECENT + 0.3, 0.04, _("enlarged below"), transform=ax.get_xaxis_transform(),
            fontsize="x-small", color="0.3")
    ax.set_xlabel(_("Year (each figure at its date)"))
    zoom.set_xlabel(_("Year: {start}-2025 enlarged, same vertical scale").format(start=RECENT))
    for panel in (ax, zoom):
        panel.set_ylabel(_("Persons counted (log scale)"))
    ax.set_title(_("Eight decades of head counts, by what each source counted"))
    handles = [Line2D([], [], marker=m, ls="none", color=palette[k], ms=11 if k == "brief" else 7,
                      mfc="none" if k == "other" else palette[k], label=label)
               for k, (label, m, _i) in classes(_).items()]
    handles.append(Line2D([], [], color="0.3", lw=2, label=_("range (low to high)")))
    fig.legend(handles=handles, loc="upper center", bbox_to_anchor=(0.5, 0.955), ncol=3,
               fontsize="x-small", frameon=False)
    low = workforce["low"].astype(float)
    below = workforce[np.sqrt(low * workforce["high"].astype(float)) < FLOOR]
    note = _("Flows count events in a year, not people present; they are shown, never added "
             "to the stocks.")
    if len(below):
        words = labels(_)
        if current_language() == "en":
            words = {k: v.lower() for k, v in words.items()}
        listed = "; ".join(f"{thousands(r.low)} ({words[r.measure]}, {r.year})"
                           for r in below.itertuples())
        note += " " + _("Drawn on the bottom edge, below {floor}: {listed}.").format(
            floor=thousands(FLOOR), listed=listed)
    add_sources(fig, sources, note)
    fig.subplots_adjust(top=0.86)
    finished(fig)
    return fig


def reconciled(curve: pd.DataFrame, figures: pd.DataFrame, others: pd.DataFrame,
               eras: pd.DataFrame, ci_level: float = 0.95, sources: Iterable[str] = (),
               start: int = 1980):
    """The reconciled series: one line per era with its confidence and prediction bands, over
    the figures it was fitted to, drawn only over the years those figures cover.

    Parameters
    ----------
    curve : pandas.DataFrame
        From :meth:`dispatchlib.history.Reconciliation.predict` (columns ``t``, ``era``,
        ``workers``, ``low``, ``high``, ``pred_low``, ``pred_high``; persons).
    figures : pandas.DataFrame
        The fitted figures (from :func:`dispatchlib.history.select`): filled marks with a
        dark edge, sized by weight.
    others : pandas.DataFrame
        Workforce rows not fitted: small grey crosses.
    eras : pandas.DataFrame
        The eras table.
    ci_level : float
        Probability covered by the bands (for the legend).
    start : int
        First year shown (no fitted figure comes earlier at any choice of parameters).
    """
    fig, ax = plt.subplots(figsize=(10.0, 5.6))
    line = colors(10)[0]
    fitted_colour = colors(10)[1]
    others = others[_times(others) >= start] if len(others) else others
    if len(others):
        om = np.sqrt(others["low"].astype(float) * others["high"].astype(float))
        ax.plot(_times(others), np.maximum(om, FLOOR), "x", ls="none", ms=4, color="0.6",
                zorder=1, clip_on=False,
                label=_("not fitted: flows, other measures or grades, one region"))
    first = True
    for era_id in dict.fromkeys(curve["era"].dropna()):
        ft = figures.loc[figures["era"] == era_id, "t"]
        seg = curve[(curve["era"] == era_id) & curve["workers"].notna()]
        if ft.empty or seg.empty:
            continue
        # the line stops where the era's figures stop: no extrapolation inside the era
        lo, hi = np.floor(ft.min() * 4) / 4, np.ceil(ft.max() * 4) / 4
        seg = seg[(seg["t"] >= lo) & (seg["t"] <= hi)]
        if len(seg) < 2:
            seg = curve[(curve["era"] == era_id)].iloc[[0, -1]].assign(
                t=[ft.min() - 0.5, ft.max() + 0.5])
        ax.fill_between(seg["t"], seg["pred_low"], seg["pred_high"], color=line, alpha=0.10,
                        lw=0, label=_("{level} band for one more figure").format(
                            level=percent(ci_level)) if first else None)
        ax.fill_between(seg["t"], seg["low"], seg["high"], color=line, alpha=0.30, lw=0,
                        label=_("{level} confidence band of the line").format(
                            level=percent(ci_level)) if first else None)
        ax.plot(seg["t"], seg["workers"], color=line, lw=2.2,
                label=_("reconciled series (one line per era)") if first else None)
        first = False
    size = 25 + 45 * figures["weight"] / figures["weight"].max()
    ax.scatter(figures["t"], figures["value"], s=size, marker="o", color=fitted_colour,
               edgecolor="black", lw=0.8, zorder=3,
               label=_("fitted: the chosen figures (larger = higher confidence grade)"))
    ax.set_yscale("log")
    ax.set_ylim(FLOOR, 3e5)
    ax.yaxis.set_major_formatter(thousands)
    ax.set_xlim(start, 2026.5)
    _shade_eras(ax, eras, start=start)
    ax.set_xlabel(_("Year"))
    ax.set_ylabel(_("DPRK workers (persons, log scale)"))
    ax.set_title(_("A reconciled series: what the selected figures agree on, era by era"))
    handles, labels = ax.get_legend_handles_labels()
    band = add_sources(fig, sources, _("Weighted least squares on log head counts, one "
                       "straight line (or a flat level) per era, drawn only over the years its "
                       "figures cover."))
    fig.subplots_adjust(bottom=band + 0.255)  # the legend goes between the axes and the line
    fig.legend(handles, labels, loc="lower center", bbox_to_anchor=(0.5, band), ncol=2,
               fontsize="x-small", frameon=False)
    finished(fig)
    return fig


def per_decade(table: pd.DataFrame, sources: Iterable[str] = ()):
    """Bar chart of how many fitted figures (and sources) each decade holds."""
    fig, ax = plt.subplots(figsize=(8.0, 3.4))
    c = colors(2)
    x = np.arange(len(table))
    ax.bar(x - 0.2, table["figures"], width=0.4, color=c[0], label=_("figures"))
    ax.bar(x + 0.2, table["sources"], width=0.4, color=c[1], label=_("distinct sources"))
    ax.set_xticks(x, table.index)
    ax.set_ylabel(_("Count"))
    ax.set_xlabel(_("Decade"))
    ax.set_title(_("How many fitted figures each decade rests on"))
    ax.legend(fontsize="small")
    add_sources(fig, sources)
    return fig
