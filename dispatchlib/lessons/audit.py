"""The claims audit (``06_claims-audit``) and the headline numbers (``00_start-here``).

Every quantitative claim of Lankov (2025) is a row of ``data/claims.csv``. The audit sets each
one beside two kinds of check:

1. **Arithmetic.** Where the brief's figure follows from other figures of the brief (or from a
   documented input such as Russia's labour force), :data:`RECOMPUTATIONS` says which function of
   :mod:`dispatchlib.formulas` recomputes it and from which rows. The mapping is defined here,
   once. Each input is a ``(low, high)`` range; the formula is evaluated at every combination of
   the ends, and the smallest and largest results are the recomputed range (all formulas used are
   monotone in each input, so the corners hold the extremes).
2. **Independent sources.** The rows of ``data/evidence.csv`` for the claim whose source is
   flagged ``independent`` in ``data/sources.csv`` and whose ``confidence`` grade counts (see
   :func:`counted_grades`). Rows from the brief's author (``independent = false``) are shown
   separately and never count. ``context`` rows are shown but neither support nor refute.

The verdict rule
----------------
A recomputed range is compared with the claim's *acceptance interval*: the claim's low and high
ends widened by the relative ``tolerance`` (:func:`acceptance_interval`; "over X" and "at least
X" are open upwards, "up to X" downwards). The arithmetic then **agrees** (the whole recomputed
range lies inside), holds at **one end** (part of it does) or **disagrees** (none of it does).

The first rule that applies gives the verdict (:func:`verdict`):

==========================  ====================================================================
verdict                     when
==========================  ====================================================================
contradicted by arithmetic  the brief's own figures, put through the formula, miss the claim
holds only at one end       only part of the recomputed range meets the claim: the claim needs
                            the extreme of a range
contradicted by sources     a counted independent row has stance ``contradicts``
consistent                  the arithmetic agrees, or a counted independent row ``supports``
partly supported            counted independent rows are only ``partly`` in agreement
no independent source       no counted independent row with a stance (only context, only the
                            author's own earlier work, or nothing at all)
==========================  ====================================================================

"No independent source" is not "false": it says only that the data package holds nothing that
could confirm or refute the figure.

The author's own earlier work never enters the verdict, but it is not hidden either: when a
same-author row (not the brief itself) has stance ``contradicts``, the claim carries a flag,
``author_conflict``, naming those rows (:func:`author_conflicts`). The brief's 1966 date for the
logging agreement, against the 1967 of the author's earlier book and article, is one.

The stance rule
---------------
``data/README.md`` allows ``contradicts`` only for a figure about the same thing at the same time:
a figure that differs only in date or measure is ``partly`` or ``context``. Each claim and each
evidence row carries a ``measure`` and a ``period_start``/``period_end`` (months, ``YYYY-MM``), so
the rule can be checked by a program: :func:`same_period` and :func:`stance_rule_problems`.

Units follow ``data/README.md``: ``usd``, ``usd_per_year`` (a national total per year),
``usd_per_worker_year``, ``persons``, ``percent``, ``year``, ``years``, ``months``, ``deaths``.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable

import numpy as np
import pandas as pd

from dispatchlib.lessons.claims_checks import (
    RECOMPUTATIONS,
    SECTIONS,
    STANCES,
    VERDICTS,
    _claims_indexed,
    arithmetic_check,
    counted_grades,
    format_range,
    recompute,
    verdict,
)
from dispatchlib.params import check
from dispatchlib.tables.data import load


def evidence_table(min_confidence: str = "L", evidence: pd.DataFrame | None = None,
                   sources: pd.DataFrame | None = None) -> pd.DataFrame:
    """The evidence rows with the flags the audit uses.

    Returns
    -------
    pandas.DataFrame
        ``evidence.csv`` plus ``kind`` (of the source), ``independent`` (bool: the source is not
        by the brief's author) and ``counted`` (bool: independent and graded at least
        ``min_confidence``).
    """
    grades = counted_grades(min_confidence)
    evidence = load("evidence") if evidence is None else evidence.copy()
    sources = load("sources") if sources is None else sources
    flags = sources.set_index("source_id")[["kind", "independent"]]
    out = evidence.join(flags, on="source_id")
    missing = out["independent"].isna()
    if missing.any():
        raise ValueError("evidence rows cite unknown source ids: "
                         f"{', '.join(sorted(set(out.loc[missing, 'source_id'])))}")
    out["independent"] = out["independent"].astype(bool)
    out["counted"] = out["independent"] & out["confidence"].isin(grades).astype(bool)
    return out

def _stance_text(stances: Iterable[str]) -> str:
    """Counts of stances as text: ``3 supports, 2 partly`` (in Korean ``뒷받침 3, 부분 일치 2``)."""
    from dispatchlib.i18n import _, current_language

    counts = Counter(stances)
    ko = current_language() == "ko"
    return ", ".join(f"{verdict_label(s)} {counts[s]}" if ko else f"{counts[s]} {s}"
                     for s in STANCES if s in counts) or _("none")

def _rows_text(rows: list[dict]) -> str:
    return "; ".join(
        f"{r['source_id']} ({verdict_label(r['stance'])}, {r['confidence']}"
        + (f": {format_range(r['low'], r['high'], str(r['unit']))}" if pd.notna(r["low"]) else "")
        + ")"
        for r in rows)

#: the evidence columns the audit reads, per row
_EVIDENCE_FIELDS = ["claim_id", "source_id", "stance", "confidence", "low", "high", "unit",
                    "independent", "counted"]

def author_conflicts(rows: Iterable[dict], claim_source: str = "LANKOV2025") -> list[dict]:
    """The author's earlier work that disagrees with the brief, among one claim's evidence rows.

    Parameters
    ----------
    rows : iterable of dict
        Evidence rows with ``source_id``, ``independent`` and ``stance``.
    claim_source : str
        The claim's own source (the brief); its derived rows check arithmetic, not earlier work.

    Returns
    -------
    list of dict
        Rows by the same author (``independent`` false), other than the brief itself, whose
        stance is ``contradicts``. They never change the verdict; the audit shows them as a flag.
    """
    return [r for r in rows if not r["independent"] and r["source_id"] != claim_source
            and r["stance"] == "contradicts"]

def _evidence_by_claim(ev: pd.DataFrame) -> dict[str, list[dict]]:
    """The rows of :func:`evidence_table` as plain dicts, grouped by claim id, in table order.

    The audit reads a few rows per claim; plain dicts keep that cheap (filtering the whole
    DataFrame once per claim cost most of an audit's time).
    """
    by_claim: dict[str, list[dict]] = {}
    for row in ev[_EVIDENCE_FIELDS].to_dict("records"):
        by_claim.setdefault(row["claim_id"], []).append(row)
    return by_claim

def audit(min_confidence: str = "L", tolerance: float = 0.05,
          claims: pd.DataFrame | None = None, evidence: pd.DataFrame | None = None,
          sources: pd.DataFrame | None = None) -> pd.DataFrame:
    """Audit every claim of the brief.

    Parameters
    ----------
    min_confidence : {"H", "M", "L"}
        Lowest evidence grade that counts (see :func:`counted_grades`).
    tolerance : float
        Relative tolerance for the arithmetic check (0.05 = 5 %).
    claims, evidence, sources : pandas.DataFrame, optional
        The tables (default: loaded from ``data/``); tests pass small synthetic ones.

    Returns
    -------
    pandas.DataFrame
        One row per claim, in the order of the claims table. Columns: ``claim_id``, ``section``,
        ``topic``, ``label`` (a few plain words), ``paraphrase``, ``qualifier``, ``unit``, ``low``,
        ``high`` (the brief's figure), ``brief`` (formatted), ``recomputed_low``,
        ``recomputed_high``, ``recomputed`` (formatted, empty where no formula applies),
        ``arithmetic`` (outcome or None), ``independent_low``, ``independent_high`` (range of the
        counted independent rows with a stance other than context, in the claim's unit),
        ``independent`` (formatted), ``n_counted`` (counted independent rows, context included),
        ``stances`` (their counts), ``independent_sources`` and ``same_author`` (the rows, as text),
        ``verdict``, ``author_conflict`` (the author's earlier rows that contradict the brief, as
        text; empty when there are none: a flag beside the verdict, see :func:`author_conflicts`)
        and ``sources`` (every source id of the claim's evidence rows, comma-separated).

    Raises
    ------
    ParameterError
        If ``min_confidence`` or ``tolerance`` is not allowed.
    """
    p = check(min_confidence=min_confidence, tolerance=tolerance)
    claims = _claims_indexed(claims)
    ev = _evidence_by_claim(evidence_table(p.min_confidence, evidence, sources))
    rows = []
    for claim_id, c in zip(claims.index, claims.to_dict("records"), strict=True):
        own = ev.get(claim_id, [])
        counted = [r for r in own if r["counted"]]
        same_author = [r for r in own if not r["independent"]]
        conflicts = author_conflicts(own, str(c.get("source_id", "LANKOV2025")))
        # a figure in the claim's unit (a missing unit never matches), stance other than context
        ranged = [r for r in counted if r["stance"] != "context" and pd.notna(r["low"])
                  and isinstance(r["unit"], str) and r["unit"] == c["unit"]]
        highs = [r["high"] for r in ranged if pd.notna(r["high"])]
        ind_low = float(min(r["low"] for r in ranged)) if ranged else np.nan
        ind_high = float(max(highs)) if highs else np.nan
        stances = [r["stance"] for r in counted]
        rec_low = rec_high = np.nan
        recomputed, arith = "", None
        if claim_id in RECOMPUTATIONS:
            rec = RECOMPUTATIONS[claim_id]
            rec_low, rec_high = recompute(claim_id, claims)
            recomputed = format_range(rec_low, rec_high, rec.unit or c["unit"])
            if rec.comparable:
                arith = arithmetic_check(rec_low, rec_high, float(c["low"]), float(c["high"]),
                                         c["qualifier"], p.tolerance)
            else:
                from dispatchlib.i18n import _

                recomputed += _(" (other unit: not judged)")
        rows.append({
            "claim_id": claim_id, "section": int(c["section"]), "topic": c["topic"],
            "label": c.get("label", ""), "paraphrase": c["paraphrase"],
            "qualifier": c["qualifier"], "unit": c["unit"],
            "low": float(c["low"]), "high": float(c["high"]),
            "brief": format_range(c["low"], c["high"], c["unit"], c["qualifier"]),
            "recomputed_low": rec_low, "recomputed_high": rec_high, "recomputed": recomputed,
            "arithmetic": arith, "independent_low": ind_low, "independent_high": ind_high,
            "independent": ("" if np.isnan(ind_low)
                            else format_range(ind_low, ind_high, c["unit"])),
            "n_counted": len(counted), "stances": _stance_text(stances),
            "independent_sources": _rows_text(counted), "same_author": _rows_text(same_author),
            "verdict": verdict(arith, stances),
            "author_conflict": _rows_text(conflicts),
            "sources": ", ".join(dict.fromkeys(r["source_id"] for r in own)),
        })
    return pd.DataFrame(rows)

def view(table: pd.DataFrame) -> pd.DataFrame:
    """The audit table as shown in the notebook: the columns a reader needs, renamed.

    Columns: claim_id, section, paraphrase, brief value, recomputed, independent range,
    independent evidence (stance counts), same author (rows), verdict, and the flag (the
    author's earlier work that disagrees with the brief).
    """
    from dispatchlib.i18n import _

    cols = {"claim_id": "claim_id", "section": _("section"), "paraphrase": _("paraphrase"),
            "brief": _("brief value"), "recomputed": _("recomputed"),
            "independent": _("independent range"), "stances": _("independent evidence"),
            "same_author": _("same author"), "verdict": _("verdict"),
            "author_conflict": _("flag: author's earlier work disagrees")}
    return table[list(cols)].rename(columns=cols).set_index("claim_id")

def summary(table: pd.DataFrame) -> pd.DataFrame:
    """Claims per section and verdict, with totals.

    Returns
    -------
    pandas.DataFrame
        Index: section names (:data:`SECTIONS`) and ``total``; columns: every verdict of
        :data:`VERDICTS` (zeros included) and ``total``. Counts of claims.
    """
    sections = table["section"].map(SECTIONS)
    order = [SECTIONS[s] for s in sorted(table["section"].unique())]
    counts = pd.crosstab(sections, pd.Categorical(table["verdict"], categories=VERDICTS),
                         dropna=False).reindex(index=order, columns=list(VERDICTS), fill_value=0)
    counts.index.name, counts.columns.name = "section", "verdict"
    counts.loc["total"] = counts.sum()
    counts["total"] = counts.sum(axis=1)
    return counts.astype(int)

def verdict_counts(table: pd.DataFrame) -> pd.Series:
    """Number of claims per verdict, every verdict listed (zeros included), in :data:`VERDICTS`
    order."""
    return table["verdict"].value_counts().reindex(list(VERDICTS), fill_value=0).astype(int)


# ---------------------------------------------------------------------------------------------
# Formatting


# The rules (claims_checks) and the headline numbers of 00 (headline) live in their own modules;
# the notebooks reach them as dl.audit.<name>, as before.
from dispatchlib.lessons.claims_checks import (  # noqa: E402
    ARITHMETIC,
    GRADES,
    Recomputation,
    acceptance_interval,
    qualified,
    recomputations,
    same_period,
    share_percent,
    stance_rule_problems,
    verdict_label,
)
from dispatchlib.lessons.headline import (  # noqa: E402
    headline,
    headline_scenarios,
    headline_text,
)

__all__ = ["ARITHMETIC", "GRADES", "RECOMPUTATIONS", "SECTIONS", "STANCES", "VERDICTS",
           "Recomputation", "acceptance_interval", "arithmetic_check", "audit",
           "author_conflicts", "counted_grades", "evidence_table", "format_range", "headline",
           "headline_scenarios", "headline_text", "qualified", "recompute", "recomputations",
           "same_period", "share_percent", "stance_rule_problems", "summary", "verdict",
           "verdict_counts", "verdict_label", "view"]
