"""Figures of the implications lesson (``05_implications``): where gross pay goes, exposure
along a workforce path, and what each policy lever moves."""

from __future__ import annotations

from collections.abc import Iterable

import matplotlib as mpl
import matplotlib.pyplot as plt
import numpy as np
import pandas as pd

from dispatchlib.lessons.implications import OUTCOME_LABELS, OUTCOMES
from dispatchlib.plots import add_sources, colors, thousands, usd


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
    ax.barh(y, state, color=c[3], height=0.6, label="to the state")
    ax.barh(y, savings, left=state, color=c[2], height=0.6, label="savings kept")
    ax.barh(y, living, left=state + savings, color=c[0], height=0.6, alpha=0.6,
            label="living costs and the rest")
    gross = cases["gross_usd"].to_numpy()
    short = cases["shortfall_usd"].to_numpy()
    for yi, g, s in zip(y, gross, short, strict=True):
        ax.plot([g, g], [yi - 0.4, yi + 0.4], color="0.1", lw=2)
        if s > 0:
            ax.barh(yi, s, left=g, color="none", edgecolor="0.1", hatch="///", height=0.6)
            ax.annotate(f"does not fit: {usd(s)} over", (g + s, yi), xytext=(4, 0),
                        textcoords="offset points", va="center", fontsize="small")
    ax.plot([], [], color="0.1", lw=2, label="gross pay")
    ax.set_yticks(y, cases.index)
    ax.invert_yaxis()
    ax.xaxis.set_major_formatter(usd)
    ax.xaxis.set_major_locator(mpl.ticker.MaxNLocator(5))
    ax.set_xlim(0, max(gross.max(), (state + savings).max()) * 1.6)
    ax.set_xlabel("USD per worker per year")
    ax.set_title("Where one worker's pay goes")
    ax.legend(fontsize="small", loc="upper center", bbox_to_anchor=(0.4, -0.2), ncol=4)
    add_sources(fig, sources, "Same pay and savings in every row; only the state's share changes.")
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
    left.plot(x, table["person_years"], color=c[0], lw=2.5, label="person-years in Russia")
    left.bar(x, table["returnees"], color=c[1], width=0.7, label="returnees")
    left.set_ylabel("Persons (person-years) per year")
    left.set_title("Each year")
    left.legend(fontsize="small", loc="upper left")
    right.plot(x, table["people_exposed"], color=c[3], lw=2.5,
               label="people who have worked in Russia")
    right.plot(x, table["cumulative_returnees"], color=c[1], lw=2, ls="--",
               label="of whom back home")
    right.set_ylabel("Persons, cumulative")
    right.set_title("So far")
    right.legend(fontsize="small", loc="upper left")
    for ax in (left, right):
        ax.yaxis.set_major_formatter(thousands)
        ax.xaxis.set_major_locator(mpl.ticker.MaxNLocator(integer=True))
        ax.set_xlabel("Year")
    add_sources(fig, sources, "Workforce path of the chosen ramp; one posting per person.")
    return fig


def levers(table: pd.DataFrame, sources: Iterable[str] = ()):
    """One panel per outcome, one bar per lever, with the change against the baseline.

    Parameters
    ----------
    table : pandas.DataFrame
        From :func:`dispatchlib.implications.lever_table`; rows without numbers are left out.
    """
    table = table.dropna(subset=list(OUTCOMES))
    width = mpl.rcParams["figure.figsize"][0]
    fig, axes = plt.subplots(2, 2, figsize=(width * 1.4, 0.55 * len(table) * 2 + 2.5),
                             sharey=True)
    c = colors(len(table))
    y = np.arange(len(table))
    for ax, key in zip(axes.flat, OUTCOMES, strict=True):
        vals = table[key].to_numpy()
        ax.barh(y, vals, color=c, height=0.65)
        fmt = usd if key.endswith("_usd") else thousands
        top = max(vals.max(), 1.0)
        for yi, v, ch in zip(y, vals, table[f"{key}_change"], strict=True):
            text = fmt(v) + (f" ({ch:+.0%})" if pd.notna(ch) and yi else "")
            ax.annotate(text, (v, yi), xytext=(3, 0), textcoords="offset points",
                        va="center", fontsize="x-small")
        ax.set_xlim(0, top * 1.55)
        ax.xaxis.set_major_formatter(fmt)
        ax.xaxis.set_major_locator(mpl.ticker.MaxNLocator(3))
        ax.set_title(OUTCOME_LABELS[key].replace(" (", "\n("), fontsize="small")
    axes[0, 0].set_yticks(y, table.index, fontsize="small")
    axes[0, 0].invert_yaxis()
    fig.suptitle("What each lever moves", x=0.01, ha="left", fontweight="bold")
    add_sources(fig, sources, "Percentages: change against the baseline row.")
    return fig
