"""Figures of the sanctions lesson (``03_sanctions``): the interrupted time series, entries by
purpose, and the revenue forgone against a no-sanctions counterfactual."""

from __future__ import annotations

from collections.abc import Iterable

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd

from dispatchlib.formatting import amount, amount_range, percent
from dispatchlib.i18n import _, current_language
from dispatchlib.lessons.history import decimal_year
from dispatchlib.plots import add_sources, colors, thousands, usd, usd_tick


#: events marked on the time series: event_id -> short label
def marked_events(_=str) -> dict[str, str]:
    """:data:`MARKED_EVENTS`, the words through ``_`` (``str``: English;
    ``dispatchlib.i18n._``: the current language)."""
    return {"unscr_2397": _("UNSCR 2397"), "repatriation_deadline": _("deadline"),
            "covid_border_closure": _("border closed"), "russia_invades_ukraine": _("invasion"),
            "treaty_signed": _("treaty")}


MARKED_EVENTS = marked_events()


def interrupted_series(series: pd.DataFrame, curve: pd.DataFrame, official: pd.DataFrame,
                       events: pd.DataFrame, sanctions_year: int, revival_year: int,
                       ci_level: float = 0.95, sources: Iterable[str] = ()):
    """The yearly workforce with the fitted segments, their band and the pre-sanctions line.

    Parameters
    ----------
    series : pandas.DataFrame
        From :func:`dispatchlib.sanctions.annual_series` (index year; ``workers``,
        ``lowest``, ``highest``; persons).
    curve : pandas.DataFrame
        From :meth:`dispatchlib.sanctions.SegmentedFit.curve`.
    official : pandas.DataFrame
        From :func:`dispatchlib.sanctions.official_counts` (``date``, ``workers``).
    events : pandas.DataFrame
        The events table (``event_id``, ``date``); those in :data:`MARKED_EVENTS` are drawn.
    sanctions_year, revival_year : int
        The break years (dotted lines).
    """
    fig, ax = plt.subplots(figsize=(9.0, 5.2))
    c = colors(4)
    # a yearly value stands for the whole year: drawn at mid-year; breaks fall on 1 January
    x = series.index.to_numpy(dtype=float) + 0.5
    ax.vlines(x, series["lowest"], series["highest"], color="0.6", lw=1.5,
              label=_("spread of the year's figures"))
    ax.plot(x, series["workers"], "o", color="0.25", ms=6, zorder=3,
            label=_("yearly value (weighted geometric mean)"))
    ot = [decimal_year(int(d[:4]), d) for d in official["date"]]
    ax.plot(ot, official["workers"], "D", color=c[3], ms=7, zorder=4, mec="white",
            label=_("Russia's official counts, at their dates"))
    first = True
    for seg in ("pre", "sanctions", "revival"):
        part = curve[curve["segment"] == seg]
        if part.empty:
            continue
        yr = part.index.to_numpy(dtype=float) + 0.5
        ax.fill_between(yr, part["low"], part["high"], color=c[0], alpha=0.22, lw=0,
                        label=_("{level} confidence band").format(level=percent(ci_level))
                        if first else None)
        ax.plot(yr, part["workers"], color=c[0], lw=2.2,
                label=_("segmented regression") if first else None)
        first = False
    after = curve[curve.index >= sanctions_year - 1]
    ax.plot(after.index.to_numpy(dtype=float) + 0.5, after["pre_trend"], color=c[0], lw=1.4,
            ls="--", label=_("pre-sanctions line carried on"))
    for year in (sanctions_year, revival_year):
        ax.axvline(year, color="0.2", lw=1, ls=":")
    marked = events[events["event_id"].isin(list(MARKED_EVENTS))]
    times = sorted((decimal_year(int(str(r.date)[:4]), str(r.date)), r.event_id)
                   for r in marked.itertuples())
    words = marked_events(_)
    for i, (t, event_id) in enumerate(times):
        # events less than half a year apart: labels on opposite sides of their ticks, set
        # further off so that they read as two; a lone label keeps clear of a break line
        after = bool(i) and t - times[i - 1][0] < 0.5
        before = i + 1 < len(times) and times[i + 1][0] - t < 0.5
        if after or before:
            side = "left" if after else "right"
        else:
            side = "left" if any(0 <= t - b < 0.3 for b in (sanctions_year, revival_year)) \
                else "right"
        gap = 5 if after or before else 2
        ax.annotate(words[event_id], (t, 1.0), xycoords=("data", "axes fraction"),
                    xytext=(-gap if side == "right" else gap, -4), textcoords="offset points",
                    rotation=90, ha=side, va="top", fontsize="x-small", color="0.3")
        ax.axvline(t, ymin=0.8, ymax=1.0, color="0.5", lw=0.8)
    ax.set_yscale("log")
    ax.set_ylim(100, 4e5)
    ax.yaxis.set_major_formatter(thousands)
    ax.set_xlim(series.index.min() - 0.2, curve.index.max() + 1.2)
    ax.set_xlabel(_("Year (yearly values at mid-year; dotted lines: breaks on 1 January "
                    "{sanctions_year} and {revival_year})").format(
                        sanctions_year=sanctions_year, revival_year=revival_year))
    ax.set_ylabel(_("DPRK workers in Russia (persons, log scale)"))
    ax.set_title(_("An interrupted time series of the workforce"))
    ax.legend(loc="lower left", fontsize="x-small", framealpha=0.9)
    add_sources(fig, sources, _("Stock-like national figures only; one value per year. Few "
                "points per segment: read the band, not the line."))
    return fig


def entries(table: pd.DataFrame, sources: Iterable[str] = ()):
    """Border entries of DPRK citizens by year: all purposes and study, with the study share.

    Parameters
    ----------
    table : pandas.DataFrame
        From :func:`dispatchlib.sanctions.entries_by_purpose`.
    """
    fig, ax = plt.subplots(figsize=(7.5, 4.0))
    c = colors(2)
    years = table.index.to_numpy()
    pos = np.arange(len(years))
    ax.bar(pos - 0.2, table["entries"], width=0.4, color=c[0], label=_("all purposes"))
    ax.bar(pos + 0.2, table["entries_study"].fillna(0), width=0.4, color=c[1],
           label=_("study given as purpose"))
    for i, row in enumerate(table.itertuples()):
        if pd.notna(row.study_share):
            ax.annotate(_("{share} study").format(share=percent(row.study_share)),
                        (pos[i], row.entries), xytext=(0, 4),
                        textcoords="offset points", ha="center", fontsize="small")
        if pd.isna(row.entries_study):
            ax.annotate(_("no full-year\nstudy count"), (pos[i] + 0.2, 0), xytext=(0, 4),
                        textcoords="offset points", ha="center", fontsize="x-small",
                        color="0.4")
    ax.set_xticks(pos, [str(y) for y in years])
    ax.yaxis.set_major_formatter(thousands)
    ax.set_ylim(0, table["entries"].max() * 1.18)
    ax.set_xlabel(_("Year (full-year counts only)"))
    ax.set_ylabel(_("Border entries (crossings per year)"))
    ax.set_title(_("Entries of DPRK citizens into Russia, by stated purpose"))
    ax.legend(fontsize="small", loc="upper right")
    add_sources(fig, sources, _("Entries are crossings, not people present: one person can "
                "enter twice, and a student entry need not be a worker."))
    return fig


def forgone(table: pd.DataFrame, sources: Iterable[str] = ()):
    """Counterfactual against fitted workers (top) and the revenue forgone each year (bottom).

    Parameters
    ----------
    table : pandas.DataFrame
        From :func:`dispatchlib.sanctions.forgone_revenue` (the ``total`` row is left out of
        the bars and written in the title).
    """
    years = table.drop(index="total")
    total = table.loc["total"]
    x = years.index.to_numpy(dtype=float)
    fig, (top, bottom) = plt.subplots(2, 1, figsize=(8.0, 6.4), sharex=True,
                                      gridspec_kw={"height_ratios": [1, 1.2]})
    c = colors(3)
    top.plot(x, years["counterfactual"], color=c[1], lw=2, ls="--",
             label=_("no-sanctions counterfactual"))
    top.plot(x, years["actual"], color=c[0], lw=2, marker="o", label=_("fitted workforce"))
    top.fill_between(x, years["actual"], years["counterfactual"], color=c[1], alpha=0.15,
                     label=_("workers missing (the gap)"))
    top.yaxis.set_major_formatter(thousands)
    top.set_ylim(0, 1.45 * max(years["counterfactual"].max(), years["actual"].max()))
    top.set_ylabel(_("Workers (persons)"))
    top.set_title(_("Revenue forgone: the gap in workers times the quota"))
    top.legend(fontsize="x-small", loc="upper center", ncol=3)
    err = np.vstack([years["forgone_usd"] - years["p5"], years["p95"] - years["forgone_usd"]])
    bottom.bar(x, years["forgone_usd"], color=c[2], width=0.6,
               label=_("at the central quota"))
    bottom.errorbar(x, years["forgone_usd"], yerr=np.clip(err, 0, None), fmt="none",
                    ecolor="0.2", capsize=3, label=_("5th-95th percentile of the quota draws"))
    bottom.axhline(0, color="0.3", lw=0.8)
    bottom.yaxis.set_major_formatter(usd_tick)
    bottom.set_ylabel(_("Revenue forgone (USD per year)"))
    bottom.set_xlabel(_("Year"))
    bottom.set_xticks(x, [str(int(v)) for v in x])
    bottom.legend(fontsize="x-small", loc="upper right")
    if current_language() == "ko":  # amounts in words: 17억 달러(10억 7,000만~17억 3,000만 달러)
        cumulative, spread = amount(total["forgone_usd"]), amount_range(total["p5"], total["p95"])
    else:
        cumulative, spread = usd(total["forgone_usd"]), f"{usd(total['p5'])} to {usd(total['p95'])}"
    bottom.set_title(_("Cumulative: {total} at the central quota ({range})").format(
                         total=cumulative, range=spread), fontsize="medium", fontweight="normal")
    add_sources(fig, sources, _("The band covers the quota per worker only, not the head counts "
                "or the counterfactual."))
    return fig
