"""Figures of the implications lesson (``05_implications``): where gross pay goes, exposure
along a workforce path, and what each policy lever moves."""

from __future__ import annotations

from collections.abc import Iterable

import matplotlib as mpl
import matplotlib.pyplot as plt
import numpy as np
import pandas as pd

from dispatchlib.i18n import _
from dispatchlib.lessons.implications import OUTCOMES
from dispatchlib.plots import add_sources, colors, thousands, usd, usd_tick


def flow_of_funds(cases: pd.DataFrame, sources: Iterable[str] = ()):
    """Stacked bars: one worker's gross pay split into state, savings and living costs.

    Parameters
    ----------
    cases : pandas.DataFrame
        From :func:`dispatchlib.implications.split_cases` (USD per worker per year).
        Where state and savings exceed the pay, the overshoot is drawn hatched past the line
        marking gross pay.
    """
    width = mpl.rcParams["figure.figsize"][0]
    fig, ax = plt.subplots(figsize=(width, 0.75 * len(cases) + 1.8))
    c = colors(4)
    y = np.arange(len(cases))
    state = cases["state_usd"].to_numpy()
    savings = cases["savings_usd"].to_numpy()
    living = np.maximum(cases["living_usd"].to_numpy(), 0)
    ax.barh(y, state, color=c[3], height=0.6, label=_("to the state"))
    ax.barh(y, savings, left=state, color=c[2], height=0.6, label=_("savings kept"))
    ax.barh(y, living, left=state + savings, color=c[0], height=0.6, alpha=0.6,
            label=_("living costs and the rest"))
    gross = cases["gross_usd"].to_numpy()
    short = cases["shortfall_usd"].to_numpy()
    for yi, g, s in zip(y, gross, short, strict=True):
        ax.plot([g, g], [yi - 0.4, yi + 0.4], color="0.1", lw=2)
        if s > 0:
            ax.barh(yi, s, left=g, color="none", edgecolor="0.1", hatch="///", height=0.6)
            ax.annotate(_("does not fit: {amount} over").format(amount=usd(s)), (g + s, yi),
                        xytext=(4, 0),
                        textcoords="offset points", va="center", fontsize="small")
    ax.plot([], [], color="0.1", lw=2, label=_("gross pay"))
    ax.set_yticks(y, cases.index)
    ax.invert_yaxis()
    ax.xaxis.set_major_formatter(usd_tick)
    ax.xaxis.set_major_locator(mpl.ticker.MaxNLocator(5))
    ax.set_xlim(0, max(gross.max(), (state + savings).max()) * 1.6)
    ax.set_xlabel(_("USD per worker per year"))
    ax.set_title(_("Where one worker's pay goes"))
    ax.legend(fontsize="small", loc="upper center", bbox_to_anchor=(0.4, -0.2), ncol=4)
    add_sources(fig, sources,
                _("Same pay and savings in every row; only the state's take changes."))
    return fig


def exposure(table: pd.DataFrame, sources: Iterable[str] = ()):
    """Person-years and returnees each year (left); people exposed so far (right).

    Parameters
    ----------
    table : pandas.DataFrame
        From :func:`dispatchlib.implications.exposure` (persons).
    """
    width = mpl.rcParams["figure.figsize"][0]
    fig, (left, right) = plt.subplots(1, 2, figsize=(width * 1.25, width * 0.5))
    c = colors(4)
    x = table.index.to_numpy()
    left.plot(x, table["person_years"], color=c[0], lw=2.5, label=_("person-years in Russia"))
    left.bar(x, table["returnees"], color=c[1], width=0.7, label=_("returnees"))
    left.set_ylabel(_("Persons (person-years) per year"))
    left.set_title(_("Each year"))
    left.legend(fontsize="small", loc="upper left")
    right.plot(x, table["people_exposed"], color=c[3], lw=2.5,
               label=_("people who have worked in Russia"))
    right.plot(x, table["cumulative_returnees"], color=c[1], lw=2, ls="--",
               label=_("of whom back home"))
    right.set_ylabel(_("Persons, cumulative"))
    right.set_title(_("So far"))
    right.legend(fontsize="small", loc="upper left")
    for ax in (left, right):
        ax.yaxis.set_major_formatter(thousands)
        ax.xaxis.set_major_locator(mpl.ticker.MaxNLocator(integer=True))
        ax.set_xlabel(_("Year"))
    add_sources(fig, sources, _("Workforce path of the chosen ramp; one posting per person."))
    return fig


#: outcomes drawn in :func:`levers`, with their plain-word labels (people reached is in the table)
def lever_outcomes(_=str) -> dict[str, str]:
    """:data:`LEVER_OUTCOMES`, the labels through ``_`` (``str``: English;
    ``dispatchlib.i18n._``: the current language)."""
    return {"state_revenue_usd": _("money to the state"),
            "household_money_usd": _("money kept by families"),
            "people_exposed": _("people who have worked in Russia")}


LEVER_OUTCOMES = lever_outcomes()


def levers(table: pd.DataFrame, sources: Iterable[str] = ()):
    """One panel: each lever's change against the baseline, three bars per lever (the state's
    money, the families' money, the people exposed), labelled in percent.

    Parameters
    ----------
    table : pandas.DataFrame
        From :func:`dispatchlib.implications.lever_table`; the first row is the baseline and is
        not drawn (every change is measured from it); rows without numbers are left out.
    """
    table = table.dropna(subset=list(OUTCOMES)).iloc[1:]
    width = mpl.rcParams["figure.figsize"][0]
    fig, ax = plt.subplots(figsize=(width * 1.15, 1.1 * len(table) + 1.6))
    c = colors(4)
    y = np.arange(len(table))
    bar = 0.26
    hatches = ("", "//", "..")
    for i, (key, label) in enumerate(lever_outcomes(_).items()):
        change = table[f"{key}_change"].to_numpy() * 100
        pos = y + (i - 1) * bar
        ax.barh(pos, change, height=bar * 0.9, color=c[(3, 2, 0)[i]], hatch=hatches[i],
                edgecolor="white", label=label)
        for yi, v in zip(pos, change, strict=True):
            ax.annotate(f"{v:+.0f}%", (v, yi), xytext=(3 if v >= 0 else -3, 0),
                        textcoords="offset points", va="center",
                        ha="left" if v >= 0 else "right", fontsize="x-small")
    ax.axvline(0, color="0.2", lw=1)
    low = min(-100.0, float(np.nanmin(table[[f"{k}_change" for k in LEVER_OUTCOMES]])) * 100)
    high = max(50.0, float(np.nanmax(table[[f"{k}_change" for k in LEVER_OUTCOMES]])) * 100)
    ax.set_xlim(low * 1.25, high * 1.25)
    ax.set_yticks(y, table.index, fontsize="small")
    ax.invert_yaxis()
    ax.xaxis.set_major_formatter(mpl.ticker.FuncFormatter(lambda v, _: f"{v:+.0f}%"))
    ax.set_xlabel(_("Change against the baseline over the whole window (percent)"))
    ax.set_title(_("What each lever moves"))
    ax.legend(fontsize="small", loc="upper center",
              bbox_to_anchor=(0.5, -0.16 - 0.25 / len(table)), ncol=3)
    add_sources(fig, sources, _("Baseline: this run's workforce, quota and savings. "
                "People reached: see the table."))
    return fig
