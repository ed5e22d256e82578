"""Figures of the start-here headline (``00_start-here``) and the claims audit
(``06_claims-audit``): the headline ranges, verdicts by section of the brief, and head-count
claims beside the independent sources."""

from __future__ import annotations

from collections.abc import Iterable

import matplotlib as mpl
import matplotlib.pyplot as plt
import numpy as np
import pandas as pd

from dispatchlib.i18n import _
from dispatchlib.lessons.audit import VERDICTS
from dispatchlib.lessons.audit import verdict_label as lessons_verdict_label
from dispatchlib.plots import add_sources, colors, thousands, usd, usd_tick

# colour-blind palette positions (seaborn "colorblind") and hatches: two cues per verdict
_VERDICT_STYLE = {
    "consistent": (2, ""),
    "partly supported": (9, ""),
    "holds only at one end": (1, ".."),
    "contradicted by arithmetic": (4, "\\\\"),
    "contradicted by sources": (3, "//"),
    "no independent source": (7, ""),
}


def verdict_label(verdict: str) -> str:
    """A verdict of :data:`VERDICTS` in the current language, as a legend shows it
    (:func:`dispatchlib.audit.verdict_label`)."""
    return lessons_verdict_label(verdict)


def verdict_colors() -> dict[str, tuple]:
    """Colour of each verdict (the same in every figure)."""
    palette = colors(10)
    return {v: palette[_VERDICT_STYLE[v][0]] for v in VERDICTS}


def _log_limits(values: pd.DataFrame, low: float, high: float) -> tuple[float, float]:
    """Axis limits for a log scale: at least ``low`` to ``high``, widened to show every positive
    value with a margin (zeros cannot be drawn on a log scale and are left out)."""
    v = values.to_numpy(dtype=float)
    v = v[np.isfinite(v) & (v > 0)]
    if v.size:
        low, high = min(low, v.min() / 2), max(high, v.max() * 2)
    return low, high


def headline(table: pd.DataFrame, target_usd: float | None = 1e9, sources: Iterable[str] = ()):
    """How many workers, how much money, for whom: the start-here figure.

    Parameters
    ----------
    table : pandas.DataFrame
        From :func:`dispatchlib.audit.headline`: one row per scenario with workers (low,
        central, high; persons) and p5/p50/p95 of state revenue and household savings (USD per
        year).
    target_usd : float, optional
        A reference line on the money panel (USD per year), e.g. the brief's $1 billion.

    Returns
    -------
    matplotlib.figure.Figure
        Left: workers per scenario (bar = range, dot = central). Right: money per year for the
        state and for the workers' households (bar = 90% Monte Carlo interval, dot = median).
        Both axes are logarithmic.
    """
    width = mpl.rcParams["figure.figsize"][0]
    fig, (left, right) = plt.subplots(1, 2, figsize=(width * 1.25, 3.6),
                                      gridspec_kw={"width_ratios": [1, 1.5]})
    c = colors(3)
    names = [_(name) for name in table.index]  # scenario names are keys: shown translated
    y = np.arange(len(names))
    left.hlines(y, table["workers_low"], table["workers_high"], color=c[0], lw=8, alpha=0.45)
    left.plot(table["workers_central"], y, "o", color=c[0], ms=7)
    left.set_yticks(y, names)
    left.set_ylim(len(names) - 0.5, -0.5)
    left.grid(axis="y", visible=False)
    left.set_xscale("log")
    left.set_xlim(*_log_limits(table[["workers_low", "workers_high"]], 5_000, 300_000))
    left.xaxis.set_major_formatter(thousands)
    left.set_xlabel(_("DPRK workers in Russia (persons, log scale)"))
    left.set_title(_("How many workers"))

    for k, (key, label, marker) in enumerate((("state_revenue_usd", _("to the state"), "o"),
                                              ("household_savings_usd", _("kept by households"),
                                               "s"))):
        yy = y + (-0.15 if k == 0 else 0.15)
        right.hlines(yy, table[f"{key}_p5"], table[f"{key}_p95"], color=c[k + 1], lw=7,
                     alpha=0.45)
        right.plot(table[f"{key}_p50"], yy, marker, color=c[k + 1], ms=7, label=label)
    if target_usd:
        right.axvline(target_usd, color="0.3", ls="--", lw=1)
        right.annotate(_("{amount} (the brief)").format(amount=usd(target_usd)),
                       (target_usd, -0.5),
                       xytext=(-4, -4), textcoords="offset points", ha="right", va="top",
                       fontsize="small", color="0.3")
    right.set_yticks(y, [""] * len(names))
    right.set_ylim(len(names) - 0.5, -0.5)
    right.grid(axis="y", visible=False)
    right.set_xscale("log")
    right.set_xlim(*_log_limits(table.filter(like="_usd_p"), 5e6, 3e9))
    right.xaxis.set_major_formatter(usd_tick)
    right.set_xlabel(_("USD per year (log scale)"))
    right.set_title(_("How much money, and for whom"))
    right.legend(fontsize="small", loc="lower left")
    add_sources(fig, sources, _("Bars: range of workers (left), 90% Monte Carlo interval (right); "
                              "dots: central value and median."))
    return fig


def verdicts_by_section(summary: pd.DataFrame, sources: Iterable[str] = ()):
    """Stacked bars: how many claims of each section of the brief got each verdict.

    Parameters
    ----------
    summary : pandas.DataFrame
        From :func:`dispatchlib.audit.summary` (the ``total`` row and column are dropped).
    """
    counts = summary.drop(index="total", columns="total", errors="ignore")
    counts = counts[[v for v in VERDICTS if v in counts.columns]]
    fig, ax = plt.subplots(figsize=(mpl.rcParams["figure.figsize"][0],
                                    0.45 * len(counts) + 2.4))
    palette = verdict_colors()
    left = np.zeros(len(counts))
    y = np.arange(len(counts))
    for v in counts.columns:
        values = counts[v].to_numpy(dtype=float)
        ax.barh(y, values, left=left, color=palette[v], hatch=_VERDICT_STYLE[v][1],
                edgecolor="white", label=verdict_label(v), height=0.65)
        for yi, (x0, n) in enumerate(zip(left, values, strict=True)):
            if n:
                ax.text(x0 + n / 2, yi, f"{n:.0f}", ha="center", va="center", fontsize="small",
                        color="black")
        left += values
    ax.set_yticks(y, counts.index)
    ax.invert_yaxis()
    ax.set_xlabel(_("Claims of the brief (count)"))
    ax.set_ylabel("")
    ax.set_title(_("Verdicts on the brief's figures, by section"))
    ax.xaxis.set_major_locator(mpl.ticker.MaxNLocator(integer=True))
    ax.legend(fontsize="small", ncols=3, loc="upper center", bbox_to_anchor=(0.5, -0.2),
              frameon=False)
    add_sources(fig, sources,
                _("Verdicts follow the rule in dispatchlib/lessons/claims_checks.py."))
    return fig


def headcount_label(row) -> str:
    """A claim's row label in plain words: its ``label`` from ``data/claims.csv`` (capitalised),
    else its ``claim_id`` with the underscores turned into spaces."""
    label = row.get("label") if hasattr(row, "get") else None
    text = label if isinstance(label, str) and label else str(row["claim_id"]).replace("_", " ")
    return text[:1].upper() + text[1:]


def headcounts(table: pd.DataFrame, evidence: pd.DataFrame, sources: Iterable[str] = ()):
    """Head-count claims: the brief's figure beside what counted independent sources report.

    Parameters
    ----------
    table : pandas.DataFrame
        From :func:`dispatchlib.audit.audit`; rows with unit ``persons`` are drawn.
    evidence : pandas.DataFrame
        From :func:`dispatchlib.audit.evidence_table`; counted rows with a stance other than
        ``context`` and unit ``persons`` are drawn as points.

    Returns
    -------
    matplotlib.figure.Figure
        One row per claim (log scale), labelled in plain words (:func:`headcount_label`): the
        brief's value or range as a black line with small open triangles at its ends, drawn
        just above the row's centre, and the independent range just below it as a shaded bar
        coloured by verdict, each independent figure as a dot, so neither hides the other.
    """
    rows = table[table["unit"] == "persons"].reset_index(drop=True)
    fig, ax = plt.subplots(figsize=(mpl.rcParams["figure.figsize"][0] * 1.1,
                                    0.42 * len(rows) + 1.8))
    palette = verdict_colors()
    ev = evidence[evidence["counted"] & (evidence["stance"] != "context")
                  & (evidence["unit"] == "persons") & evidence["low"].notna()]
    seen = set()
    up, down = -0.17, 0.14  # the brief above the row's centre, the sources below
    for y, r in rows.iterrows():
        color = palette[r["verdict"]]
        if pd.notna(r["independent_low"]):
            lab = verdict_label(r["verdict"]) if r["verdict"] not in seen else None
            seen.add(r["verdict"])
            ax.plot([r["independent_low"], r["independent_high"]], [y + down] * 2, color=color,
                    lw=7, alpha=0.5, solid_capstyle="butt", label=lab)
            pts = ev[ev["claim_id"] == r["claim_id"]]
            values = pd.concat([pts["low"], pts["high"]]).unique()
            ax.plot(values, [y + down] * len(values), "o", color=color, ms=4.5)
        ax.plot([r["low"], r["high"]], [y + up] * 2, color="black", lw=1.2)
        ax.plot([r["low"], r["high"]], [y + up] * 2, "v", mec="black", mfc="white", mew=1.1,
                ms=5, label=_("the brief") if y == 0 else None)
    ax.set_yticks(range(len(rows)), [headcount_label(r) for _, r in rows.iterrows()])
    ax.set_ylim(len(rows) + 0.6, -0.6)  # an empty row at the bottom holds the legend
    ax.set_xscale("log")
    ax.xaxis.set_major_formatter(thousands)
    ax.set_xlabel(_("Persons (log scale)"))
    ax.set_title(_("Head counts: the brief beside independent sources"))
    ax.set_xlim(left=2)
    ax.legend(fontsize="small", loc="lower center", ncols=4, columnspacing=1.0,
              handlelength=1.5)
    add_sources(fig, sources, _("Black line with open triangles: the brief (both ends of a "
                              "range); shaded bar below it: the independent figures' range; "
                              "dots: each figure."))
    return fig
