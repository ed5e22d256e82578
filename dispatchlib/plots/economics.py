"""Figures of the economics lesson (``02_economics``): revenue against workers, estimates from
several sources side by side, Monte Carlo distributions and the tornado chart."""

from __future__ import annotations

from collections.abc import Iterable

import matplotlib as mpl
import matplotlib.pyplot as plt
import numpy as np
import pandas as pd

from dispatchlib import formatting
from dispatchlib.i18n import _
from dispatchlib.model.scenario import label_of, unit_of
from dispatchlib.plots import add_sources, colors, thousands, usd, usd_tick


def revenue_vs_workers(band: pd.DataFrame, marks: pd.DataFrame | None = None,
                       target_usd: float | None = 1e9, sources: Iterable[str] = ()):
    """State revenue as a function of the number of workers, with Monte Carlo bands.

    Parameters
    ----------
    band : pandas.DataFrame
        From :func:`dispatchlib.scenario.revenue_by_workers`: index workers, columns p5, p25,
        p50, p75, p95 (USD per year).
    marks : pandas.DataFrame, optional
        Points to mark, with columns ``workers``, ``revenue_usd``, ``label``.
    target_usd : float, optional
        A horizontal reference line (USD per year), e.g. the brief's $1 billion.
    """
    fig, ax = plt.subplots()
    x = band.index.to_numpy()
    c = colors(4)
    ax.fill_between(x, band["p5"], band["p95"], color=c[0], alpha=0.2,
                    label=_("90% interval (p5-p95)"))
    ax.fill_between(x, band["p25"], band["p75"], color=c[0], alpha=0.4,
                    label=_("50% interval (p25-p75)"))
    ax.plot(x, band["p50"], color=c[0], lw=2, label=_("median of the draws"))
    if target_usd:
        ax.axhline(target_usd, color="0.3", ls="--", lw=1)
        ax.annotate(_("{amount} a year").format(amount=usd(target_usd)), (x[-1], target_usd),
                    xytext=(-4, 4),
                    textcoords="offset points", fontsize="small", color="0.3", ha="right")
    if marks is not None:
        markers = ["o", "s", "D", "^", "v"]
        for i, row in enumerate(marks.itertuples()):
            ax.plot(row.workers, row.revenue_usd, markers[i % 5], color=c[1 + i % 3], ms=8,
                    label=row.label, ls="none")
    ax.xaxis.set_major_formatter(thousands)
    ax.yaxis.set_major_formatter(usd_tick)
    ax.set_xlabel(_("DPRK workers in Russia (persons)"))
    ax.set_ylabel(_("State revenue (USD per year)"))
    ax.set_title(_("Quota revenue to the state grows in step with the workforce"))
    ax.legend(loc="upper left", fontsize="small")
    add_sources(fig, sources, _("Bands: spread of the quota per worker, not of the workforce."))
    return fig


def kind_label(kind: str) -> str:
    """A kind of estimate (the ``kind`` column of
    :func:`dispatchlib.economics.per_worker_estimates`) in the current language."""
    return {"the brief": _("the brief"), "this run": _("this run"),
            "independent report": _("independent report"), "UN aggregate": _("UN aggregate"),
            "derived": _("derived")}.get(kind, kind)


def range_comparison(table: pd.DataFrame, value_label: str, title: str,
                     sources: Iterable[str] = (), formatter=usd_tick):
    """Estimates from several sources as ranges (bars) with central marks, one row each.

    Parameters
    ----------
    table : pandas.DataFrame
        Columns ``label``, ``low``, ``high``, ``kind`` (legend group) and optionally ``central``.
    value_label : str
        Axis label, with unit.
    """
    fig, ax = plt.subplots(figsize=(mpl.rcParams["figure.figsize"][0], 0.5 * len(table) + 1.5))
    kinds = list(dict.fromkeys(table["kind"]))
    palette = dict(zip(kinds, colors(len(kinds)), strict=False))
    markers = dict(zip(kinds, ["o", "s", "D", "^", "v", "P"], strict=False))
    seen = set()
    for y, row in enumerate(table.itertuples()):
        color = palette[row.kind]
        label = kind_label(row.kind) if row.kind not in seen else None
        seen.add(row.kind)
        ax.plot([row.low, row.high], [y, y], color=color, lw=6, alpha=0.6, solid_capstyle="butt")
        mid = getattr(row, "central", None)
        mid = (row.low + row.high) / 2 if mid is None or pd.isna(mid) else mid
        ax.plot(mid, y, markers[row.kind], color=color, ms=8, label=label)
    ax.set_yticks(range(len(table)), table["label"])
    ax.invert_yaxis()
    ax.xaxis.set_major_formatter(formatter)
    ax.xaxis.set_major_locator(mpl.ticker.MaxNLocator(5))  # wide dollar labels must not touch
    ax.set_xlabel(value_label)
    ax.set_title(title)
    # below the axes, where it can cover no bar
    ax.legend(fontsize="small", loc="upper center", bbox_to_anchor=(0.5, -0.18),
              ncol=min(len(kinds), 3), frameon=False)
    add_sources(fig, sources, _("Bars: the range each source gives; marks: its central value, or "
                "the middle of its range where it gives none."))
    return fig


def distribution(draws: pd.Series, threshold: float | None = None, sources: Iterable[str] = (),
                 formatter=usd_tick, central: float | None = None):
    """Histogram of Monte Carlo draws of one output, with its 90% interval, its median, the
    central value and a threshold.

    Parameters
    ----------
    draws : pandas.Series
        Draws of one output; its name picks the label and unit.
    threshold : float, optional
        Marked with a line; the share of draws above it is printed on the figure.
    central : float, optional
        The output with every input at its central value, marked with its own line.
    """
    import seaborn as sns  # loaded by the one figure that draws with it, not at kernel start

    name = draws.name
    fig, ax = plt.subplots()
    sns.histplot(draws, bins=60, stat="probability", ax=ax, color=colors(1)[0], edgecolor=None)
    lo, hi = np.percentile(draws, [5, 95])
    ax.axvspan(lo, hi, color="0.5", alpha=0.12, label=_("90% of draws (p5-p95)"))
    median = float(np.median(draws))
    ax.axvline(median, color=colors(2)[1], lw=2,
               label=_("median of the draws: {value}").format(value=formatter(median)))
    if central is not None:
        ax.axvline(central, color="0.2", ls=":", lw=2,
                   label=_("every input central: {value}").format(value=formatter(central)))
    if threshold is not None:
        share = float((draws > threshold).mean())
        ax.axvline(threshold, color="0.2", ls="--", lw=1.2,
                   label=_("{value}: {share} of draws above").format(
                       value=formatter(threshold), share=formatting.percent(share)))
    ax.xaxis.set_major_formatter(formatter)
    ax.set_xlabel(f"{label_of(name)} ({unit_of(name)})")
    ax.set_ylabel(_("Share of draws"))
    ax.set_title(_("Monte Carlo: {output}").format(output=label_of(name, lower=True)))
    ax.legend(fontsize="small", loc="upper left")
    add_sources(fig, sources, _("The spread reflects the input ranges chosen, not a forecast."))
    return fig


def _num(x: float) -> str:
    return formatting.number(float(f"{x:.3g}")) if abs(x) < 100 else formatting.thousands(x)


def tornado(sens: pd.DataFrame, output: str = "state_revenue_usd", sources: Iterable[str] = (),
            formatter=usd_tick, output_label: str | None = None):
    """Tornado chart of one-way sensitivity (from :func:`dispatchlib.scenario.sensitivity` or
    :func:`dispatchlib.economics.posting_sensitivity`).

    Parameters
    ----------
    output_label : str, optional
        Axis label with unit; by default the output's label and unit in
        :mod:`dispatchlib.scenario`.
    """
    sens = sens[sens["swing"] > 0]
    fig, ax = plt.subplots(figsize=(mpl.rcParams["figure.figsize"][0], 0.7 * len(sens) + 1.8))
    base = float(sens["base"].iloc[0]) if len(sens) else 0.0
    c = colors(2)
    for y, row in enumerate(sens.to_dict("records")):
        for end, color, lab in (("at_low", c[0], _("input at its low end")),
                                ("at_high", c[1], _("input at its high end"))):
            ax.barh(y, row[end] - base, left=base, color=color, height=0.6,
                    label=lab if y == 0 else None)
    ax.axvline(base, color="0.2", lw=1)
    ax.set_yticks(range(len(sens)), [
        label_of(i) + "\n" + _("{low} to {high} {unit}").format(
            low=_num(r["low"]), high=_num(r["high"]), unit=unit_of(i)).rstrip()
        for i, r in sens.iterrows()])
    ax.invert_yaxis()
    ax.xaxis.set_major_formatter(formatter)
    ax.xaxis.set_major_locator(mpl.ticker.MaxNLocator(5))
    ax.set_xlabel(output_label or f"{label_of(output)} ({unit_of(output)})")
    ax.set_title(_("Which input moves the result most?"))
    ax.legend(fontsize="small", loc="best")
    add_sources(fig, sources, _("Each bar moves one input over its range, others held central."))
    return fig
