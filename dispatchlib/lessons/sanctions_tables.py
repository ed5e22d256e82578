"""Tables of the sanctions lesson (``03_sanctions``, sections 1-3): the events of the ban,
Russia's official counts, the brief's figures beside other sources, and border entries by
purpose. :mod:`.sanctions` re-exports everything here (``dl.sanctions.official_counts``
unchanged).
"""

from __future__ import annotations

import re

import numpy as np
import pandas as pd

from dispatchlib.lessons import history
from dispatchlib.lessons.sanctions_forgone import LAST_YEAR
from dispatchlib.tables.data import load

#: a note naming part of a year (a quarter, a half, some months): not a full-year count.
#: Only the note's first clause (up to the first semicolon) is read, because that is where a
#: row states what it covers; later clauses may quote a quarterly breakdown of a full year.
PART_OF_YEAR = re.compile(r"\b(Q[1-4]|first half|H1|Jan-\w+|Sep 20\d\d-)")


def timeline(start_year: int = 2017, end_year: int = LAST_YEAR) -> pd.DataFrame:
    """The events of the sanctions story: resolutions, deadlines, data releases, the pandemic,
    the war, summits and the treaty.

    Returns
    -------
    pandas.DataFrame
        Columns ``date``, ``kind``, ``title``, ``source_id``, oldest first.
    """
    kinds = ["un_resolution", "deadline", "data", "pandemic", "war", "summit", "treaty",
             "announcement"]
    table = history.event_table(kinds=kinds, start_year=start_year, end_year=end_year)
    return table[["date", "kind", "title", "source_id"]]


def official_counts() -> pd.DataFrame:
    """Russia's official counts of DPRK workers during the ban: the H-graded national stock and
    permit figures of 2017-2020, by date.

    Returns
    -------
    pandas.DataFrame
        Columns ``date``, ``workers`` (persons), ``measure``, ``source_id``, ``note`` and
        ``change_pct`` (percent change from the first count).
    """
    wf = load("workforce")
    keep = (wf["measure"].isin(["stock", "permits"]) & (wf["confidence"] == "H")
            & (wf["scope"] == "national") & wf["year"].between(2017, 2020) & wf["date"].notna())
    out = wf.loc[keep.to_numpy(dtype=bool), ["date", "low", "measure", "source_id", "note"]]
    out = out.rename(columns={"low": "workers"}).sort_values("date").reset_index(drop=True)
    out["change_pct"] = (out["workers"] / out["workers"].iloc[0] - 1) * 100
    return out


#: the brief's figures on the sanctions years (claim ids of ``data/claims.csv``)
BRIEF_CLAIMS = ("russia_workers_presanctions", "compliance_stock", "covid_stranded",
                "student_visa_arrivals_2024", "stock_mid_2025")


def brief_vs_sources(claim_ids=BRIEF_CLAIMS) -> pd.DataFrame:
    """The brief's head counts for the sanctions years beside what other sources report.

    Parameters
    ----------
    claim_ids : sequence of str
        Claim ids of ``data/claims.csv`` (persons).

    Returns
    -------
    pandas.DataFrame
        One row per evidence row with a figure: ``claim_id``, ``brief`` (the brief's figure,
        persons), ``source_id``, ``reported`` (the source's figure, persons; the low end of a
        range), ``stance`` and ``confidence``; in the order of ``claim_ids``, strongest grade
        first within a claim.
    """
    claims = load("claims").set_index("claim_id")
    unknown = [c for c in claim_ids if c not in claims.index]
    if unknown:
        raise ValueError(f"unknown claim id(s) {unknown}; see data/claims.csv")
    ev = load("evidence")
    ev = ev[ev["claim_id"].isin(list(claim_ids)) & ev["low"].notna()].copy()
    ev["brief"] = ev["claim_id"].map(claims["low"])
    ev["order"] = ev["claim_id"].map({c: i for i, c in enumerate(claim_ids)})
    ev["rank"] = ev["confidence"].map(history.GRADE_RANK)
    ev = ev.sort_values(["order", "rank"], ascending=[True, False], kind="stable")
    ev = ev.rename(columns={"low": "reported"})
    cols = ["claim_id", "brief", "source_id", "reported", "stance", "confidence"]
    return ev[cols].reset_index(drop=True)


def full_year(notes: pd.Series, dates: pd.Series) -> np.ndarray:
    """True where a row counts a whole calendar year: no month in ``date`` and no part of a year
    (a quarter, a half, a run of months) named in the note's first clause.

    Only the text before the first semicolon is read: notes state their coverage first, and a
    later clause may quote the quarters of a full-year total ("all entries; FSB quarterly:
    Q1 153, ...") without making the row a part-year count.

    Examples
    --------
    >>> full_year(pd.Series(["Q1 2025 only", "all entries; Q1 153, Q2 213"]),
    ...           pd.Series([None, None])).tolist()
    [False, True]
    """
    text = notes.fillna("").astype(str).str.split(";", n=1).str[0]
    part = text.map(lambda s: bool(PART_OF_YEAR.search(s))).to_numpy(dtype=bool)
    dated = dates.fillna("").astype(str).str.len().to_numpy() > 4
    return ~part & ~dated


def entries_by_purpose(years: tuple[int, int] = (2017, LAST_YEAR)) -> pd.DataFrame:
    """Full-year border entries of DPRK citizens into Russia, all purposes and study, by year.

    Where several full-year rows count the same thing in a year, the best-graded one is kept
    (H before M before L).

    Returns
    -------
    pandas.DataFrame
        Index ``year``; columns ``entries`` and ``entries_study`` (entries, a flow),
        ``study_share`` (a ratio, ``entries_study / entries``) and ``source_id`` (of both).
    """
    wf = load("workforce")
    keep = (wf["measure"].isin(["entries", "entries_study"]) & (wf["scope"] == "national")
            & wf["year"].between(*years)).to_numpy(dtype=bool)
    rows = wf.loc[keep].copy()
    rows = rows[full_year(rows["note"], rows["date"])]
    rows["rank"] = rows["confidence"].map(history.GRADE_RANK)
    rows = rows.sort_values("rank", ascending=False).drop_duplicates(["year", "measure"])
    out = rows.pivot(index="year", columns="measure", values="low")
    src = rows.pivot(index="year", columns="measure", values="source_id")
    out = out.reindex(columns=["entries", "entries_study"])
    out.index = out.index.astype(int)
    out["study_share"] = out["entries_study"] / out["entries"]
    out["source_id"] = [", ".join(dict.fromkeys(str(v) for v in src.loc[y].dropna()))
                        for y in src.index]
    return out.sort_index()
