"""Figures of the prospects lesson (``04_prospects``): workforce ramps, Monte Carlo fan charts,
the chance of passing a revenue target, and returnees with the capital they carry home."""

from __future__ import annotations

from collections.abc import Iterable

import matplotlib as mpl
import matplotlib.pyplot as plt
import numpy as np
import pandas as pd

from dispatchlib.formatting import percent
from dispatchlib.i18n import _
from dispatchlib.plots import add_sources, colors, thousands, usd, usd_tick

_STYLES = {"low": ":", "central": "--", "high": "-."}


def ramp_name(name: str) -> str:
    """A named ramp (``low``, ``central``, ``high``) in the current language."""
    return {"low": _("low"), "central": _("central"), "high": _("high")}.get(name, name)


def ramps(paths: pd.DataFrame, points: pd.DataFrame | None = None,
          ceiling_range: tuple[float, float] | None = None, sources: Iterable[str] = ()):
    """Workforce paths of the named ramps and of this run, with counts and forecasts.

    Parameters
    ----------
    paths : pandas.DataFrame
        From :func:`dispatchlib.prospects.scenario_paths`: index year, one column per ramp
        (``this run`` drawn thickest), persons. When this run's path is one of the named
        ramps, that ramp is drawn once, thick, as "<name> ramp (this run)": one line, one
        legend entry.
    points : pandas.DataFrame, optional
        From :func:`dispatchlib.prospects.reference_points`: ``year``, ``workers``, ``label``.
    ceiling_range : (float, float), optional
        The brief's ceiling range, shaded (persons).
    """
    fig, ax = plt.subplots()
    c = colors(6)
    x = paths.index.to_numpy()
    if ceiling_range:
        ax.axhspan(*ceiling_range, color="0.5", alpha=0.12,
                   label=_("brief's ceiling: {low}-{high}").format(
                       low=thousands(ceiling_range[0]), high=thousands(ceiling_range[1])))
    named = [name for name in paths.columns if name != "this run"]
    same = next((name for name in named if "this run" in paths
                 and np.allclose(paths[name], paths["this run"])), None)
    if "this run" in paths and same is None:  # its own line, drawn first and thickest
        ax.plot(x, paths["this run"], color=c[0], lw=4, alpha=0.8, label=_("this run"))
    for i, col in enumerate(named):
        if col == same:
            ax.plot(x, paths[col], color=c[0], lw=4, alpha=0.8, ls=_STYLES.get(col, "-"),
                    label=_("{name} ramp (this run)").format(name=ramp_name(col)))
        else:
            ax.plot(x, paths[col], color=c[i + 1], lw=1.8, ls=_STYLES.get(col, "-"),
                    label=_("{name} ramp").format(name=ramp_name(col)))
    if points is not None and len(points):
        markers = ["o", "s", "D", "^"]
        for i, (label, grp) in enumerate(points.groupby("label", sort=False)):
            ax.plot(grp["year"], grp["workers"], markers[i % 4], color=c[4 + i % 2], ms=8,
                    ls="none", label=label)
    ax.yaxis.set_major_formatter(thousands)
    ax.xaxis.set_major_locator(mpl.ticker.MaxNLocator(integer=True))
    ax.set_ylim(0, max(float(paths.to_numpy().max()), ceiling_range[1] if ceiling_range else 0)
                * 1.45)
    ax.set_xlabel(_("Year"))
    ax.set_ylabel(_("DPRK workers in Russia (persons)"))
    ax.set_title(_("From about 15,000 toward the brief's ceiling: three ramps"))
    ax.legend(fontsize="small", loc="upper left", ncol=2)
    add_sources(fig, sources, _("Ceilings from the brief; speeds are our assumptions."))
    return fig


def fan_chart(band: pd.DataFrame, samples: np.ndarray | None = None, threshold: float | None = None,
              ylabel: str = "", title: str = "", sources: Iterable[str] = (), formatter=usd_tick,
              color_index: int = 0):
    """A Monte Carlo fan: median, 50/80/90% bands and a few sampled paths.

    Parameters
    ----------
    band : pandas.DataFrame
        From :func:`dispatchlib.prospects.fan`: index year; ``p5`` ... ``p95``.
    samples : numpy.ndarray, optional
        A few single draws, shape ``(k, years)``, drawn as thin lines.
    threshold : float, optional
        A horizontal reference line (e.g. $1 billion a year).
    ylabel, title : str
        Axis label (with unit) and title.
    """
    fig, ax = plt.subplots()
    x = band.index.to_numpy()
    col = colors(4)[color_index]
    for lo, hi, alpha, label in (("p5", "p95", 0.15, _("90% of draws")),
                                 ("p10", "p90", 0.25, _("80% of draws")),
                                 ("p25", "p75", 0.4, _("50% of draws"))):
        if lo in band and hi in band:
            ax.fill_between(x, band[lo], band[hi], color=col, alpha=alpha, lw=0, label=label)
    ax.plot(x, band["p50"], color=col, lw=2.5, label=_("median"))
    if samples is not None:
        for i, row in enumerate(np.atleast_2d(samples)):
            ax.plot(x, row, color="0.25", lw=0.8, alpha=0.7,
                    label=_("single draws") if i == 0 else None)
    if threshold is not None:
        ax.axhline(threshold, color="0.2", ls="--", lw=1)
        ax.annotate(_("{amount} a year").format(amount=formatter(threshold)), (x[0], threshold),
                    xytext=(2, 4),
                    textcoords="offset points", fontsize="small", color="0.2")
    ax.yaxis.set_major_formatter(formatter)
    ax.xaxis.set_major_locator(mpl.ticker.MaxNLocator(integer=True))
    ax.set_ylim(bottom=0)
    ax.set_xlabel(_("Year"))
    ax.set_ylabel(ylabel)
    ax.set_title(title)
    ax.legend(fontsize="small", loc="lower right")
    add_sources(fig, sources,
                _("Bands: shares of Monte Carlo draws, given the input ranges chosen."))
    return fig


def probability(prob: pd.Series, threshold: float, sources: Iterable[str] = ()):
    """Bars of the share of draws above a threshold, year by year.

    Parameters
    ----------
    prob : pandas.Series
        From :func:`dispatchlib.prospects.prob_above` (ratio, indexed by year).
    threshold : float
        The threshold, USD per year (for the title).
    """
    fig, ax = plt.subplots()
    c = colors(3)
    x = prob.index.to_numpy()
    ax.bar(x, prob.to_numpy(), color=c[2], width=0.7)
    ax.axhline(0.5, color="0.3", ls="--", lw=1)
    ax.annotate(_("one in two"), (x[0] - 0.35, 0.5), xytext=(0, 4), textcoords="offset points",
                fontsize="small", color="0.3")
    for xi, v in zip(x, prob.to_numpy(), strict=True):
        if v > 0:
            text = percent(v, 1) if v >= 0.0005 else "<0.1%"
            ax.annotate(text, (xi, v), xytext=(0, 2), textcoords="offset points",
                        ha="center", fontsize="x-small")
    ax.set_ylim(0, 1.05)
    ax.yaxis.set_major_formatter(mpl.ticker.PercentFormatter(1.0))
    ax.xaxis.set_major_locator(mpl.ticker.MaxNLocator(integer=True))
    ax.set_xlabel(_("Year"))
    ax.set_ylabel(_("Share of draws above the target"))
    ax.set_title(_("How often does state revenue pass {amount} a year?").format(
        amount=usd(threshold)))
    add_sources(fig, sources, _("A share of model draws, not a forecast probability."))
    return fig


def returnees(rot: pd.DataFrame, sources: Iterable[str] = ()):
    """Returnees per year and people exposed (left), capital carried home (right).

    Parameters
    ----------
    rot : pandas.DataFrame
        From :func:`dispatchlib.prospects.rotation` with ``savings_usd`` given.
    """
    width = mpl.rcParams["figure.figsize"][0]
    fig, (left, right) = plt.subplots(1, 2, figsize=(width * 1.25, width * 0.5))
    c = colors(4)
    x = rot.index.to_numpy()
    left.bar(x, rot["returnees"], color=c[0], width=0.7, label=_("returnees in the year"))
    left.plot(x, rot["cumulative_returnees"], color=c[1], lw=2, marker="o", ms=4,
              label=_("returnees so far"))
    left.plot(x, rot["people_exposed"], color=c[3], lw=2, ls="--",
              label=_("people who have worked there"))
    left.yaxis.set_major_formatter(thousands)
    left.set_ylabel(_("Persons"))
    left.set_title(_("Who comes home"))
    left.legend(fontsize="small", loc="upper left")
    right.bar(x, rot["capital_usd"], color=c[2], width=0.7, label=_("carried home in the year"))
    right.plot(x, rot["cumulative_capital_usd"], color=c[1], lw=2, marker="o", ms=4,
               label=_("carried home so far"))
    right.yaxis.set_major_formatter(usd_tick)
    right.set_ylabel(_("USD"))
    right.set_title(_("What they bring"))
    right.legend(fontsize="small", loc="upper left")
    for ax in (left, right):
        ax.set_xlabel(_("Year"))
        ax.xaxis.set_major_locator(mpl.ticker.MaxNLocator(integer=True))
    add_sources(fig, sources, _("Central path; everyone goes home after one posting."))
    return fig
