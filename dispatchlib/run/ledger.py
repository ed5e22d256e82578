"""The claims ledger without Jupyter: ``python -m dispatchlib audit``.

One row per claim of the brief, as lesson ``06_claims-audit`` computes it with
:func:`dispatchlib.audit.audit`: the claim id, its section, the claim in a few words
(``claims.label``), the brief's low and high with their unit, the outcome of the arithmetic
check, the counts of counted independent stances, the verdict, the flag raised when the author's
earlier work disagrees with the brief, and every source id cited for the claim.

Output formats
--------------
text (default)
    An aligned table for reading in a terminal, headed by the grades counted and the tolerance.
``--json``
    A JSON list of objects, one per claim, with the keys of :data:`FIELDS`; ``arithmetic`` is
    ``null`` where nothing is recomputed, ``stances`` maps each stance to its count, and
    ``author_conflict`` and ``sources`` are lists of source ids.
``--csv``
    CSV with a header row on standard output; lists are joined with ``"; "``.

``--min-confidence`` and ``--tolerance`` are the parameters of lesson 06 (``min_confidence``,
``tolerance``), parsed and checked by the same parameter registry: a bad value exits with status 2
and a one-line message naming the option and what is allowed.
"""

from __future__ import annotations

import csv
import json
import math
import sys
from collections import Counter

FIELDS = ("claim_id", "section", "claim", "low", "high", "unit", "arithmetic", "stances",
          "verdict", "author_conflict", "sources")
"""Keys of one ledger row, in output order."""

NOT_JUDGED = "not judged"
"""Arithmetic outcome of a claim recomputed in another unit (shown, not judged)."""


def rows(min_confidence: str = "L", tolerance: float = 0.05) -> list[dict]:
    """The ledger as plain rows, one per claim, in the order of ``data/claims.csv``.

    Parameters
    ----------
    min_confidence : {"H", "M", "L"}
        Lowest evidence grade that counts (as in lesson 06).
    tolerance : float
        Relative tolerance of the arithmetic check, as a ratio (0.05 = 5 %).

    Returns
    -------
    list of dict
        Keys :data:`FIELDS`. ``low`` and ``high`` are in ``unit``; ``arithmetic`` is
        ``"agrees"``, ``"one end"``, ``"disagrees"``, ``"not judged"`` or None (no
        recomputation); ``stances`` is a dict of counts of the counted independent rows;
        ``author_conflict`` lists the author's earlier sources that contradict the brief;
        ``sources`` lists every source id of the claim's evidence rows.

    Raises
    ------
    ParameterError
        If ``min_confidence`` or ``tolerance`` is not allowed.
    """
    from dispatchlib.lessons import audit  # pandas and the audit load only when the ledger is built
    from dispatchlib.tables.data import load

    table = audit.audit(min_confidence=min_confidence, tolerance=tolerance)
    ev = audit.evidence_table(min_confidence)
    counted = ev[ev["counted"]].groupby("claim_id")["stance"].agg(list).to_dict()
    conflicts = {}
    for claim_id, group in ev.groupby("claim_id", sort=False):
        records = group.to_dict("records")
        conflicts[claim_id] = [r["source_id"] for r in audit.author_conflicts(records)]
    labels = load("claims").set_index("claim_id")["label"]
    out = []
    for r in table.to_dict("records"):
        arith = r["arithmetic"] if isinstance(r["arithmetic"], str) else None
        if arith is None and r["recomputed"]:
            arith = NOT_JUDGED
        counts = Counter(counted.get(r["claim_id"], []))
        out.append({
            "claim_id": r["claim_id"], "section": int(r["section"]),
            "claim": str(labels[r["claim_id"]]), "low": _number(r["low"]),
            "high": _number(r["high"]), "unit": r["unit"], "arithmetic": arith,
            "stances": {s: counts[s] for s in audit.STANCES if counts[s]},
            "verdict": r["verdict"], "author_conflict": conflicts.get(r["claim_id"], []),
            "sources": [s for s in r["sources"].split(", ") if s],
        })
    return out


def _number(x: float) -> int | float:
    """A whole number as int (so JSON shows 149, not 149.0), other values unchanged."""
    x = float(x)
    return int(x) if math.isfinite(x) and x.is_integer() else x


def _cell(key: str, row: dict) -> str:
    """One value of a ledger row as text for the table and the CSV."""
    value = row[key]
    if value is None:
        return ""
    if key == "stances":
        return ", ".join(f"{n} {s}" for s, n in value.items()) or "none"
    if key in ("low", "high"):
        if row["unit"] == "year" or not isinstance(value, int):
            return str(value)
        return f"{value:,}"
    if isinstance(value, list):
        return "; ".join(value)
    return str(value)


def write_csv(ledger: list[dict], stream) -> None:
    """Write the ledger as CSV (header row, ``"; "`` between list items, plain numbers)."""
    writer = csv.writer(stream, lineterminator="\n")
    writer.writerow(FIELDS)
    for row in ledger:
        writer.writerow([row[k] if k in ("low", "high") else _cell(k, row) for k in FIELDS])


def format_table(ledger: list[dict]) -> str:
    """The ledger as an aligned text table (the flag column only when a claim has a flag)."""
    keys = [k for k in FIELDS if k != "author_conflict" or any(r[k] for r in ledger)]
    head = {"author_conflict": "flag: author disagrees"}
    cells = [[head.get(k, k) for k in keys]]
    cells += [[_cell(k, r) or "-" for k in keys] for r in ledger]
    widths = [max(len(row[i]) for row in cells) for i in range(len(keys))]
    right = {"section", "low", "high"}
    lines = []
    for row in cells:
        parts = [c.rjust(w) if k in right else c.ljust(w)
                 for k, c, w in zip(keys, row, widths, strict=True)]
        lines.append("  ".join(parts).rstrip())
    return "\n".join(lines)


def _option(name: str):
    """An argparse type for one parameter of lesson 06, parsed and checked by the registry.

    The check is looked up when a value is parsed, so building the command line for another
    command loads neither the audit nor pandas.
    """
    def parse(text: str):
        from dispatchlib.cli import _param  # the same parsing and checks as every other option

        return _param(name)(text)

    parse.__name__ = name
    return parse


def add_parser(subparsers) -> None:
    """Register the ``audit`` command on the command line's subparsers."""
    p = subparsers.add_parser(
        "audit", help="print the claims ledger (lesson 06) without Jupyter",
        description="Every claim of the brief with its arithmetic check, the stances of the "
                    "counted independent sources, the verdict, a flag where the author's "
                    "earlier work disagrees, and its sources.")
    p.add_argument("--min-confidence", dest="min_confidence", type=_option("min_confidence"),
                   default="L", metavar="GRADE",
                   help="lowest evidence grade that counts: H, M or L (default L, all grades)")
    p.add_argument("--tolerance", type=_option("tolerance"), default=0.05, metavar="RATIO",
                   help="relative tolerance of the arithmetic check, 0-1 (default 0.05)")
    form = p.add_mutually_exclusive_group()
    form.add_argument("--json", action="store_true", help="print a JSON list of objects")
    form.add_argument("--csv", action="store_true", help="write CSV to standard output")
    p.set_defaults(func=run_audit)


def run_audit(args) -> int:
    """Handler of ``audit``: print the ledger in the chosen format; returns the exit status."""
    from dispatchlib.lessons.audit import VERDICTS, counted_grades

    ledger = rows(args.min_confidence, args.tolerance)
    if args.json:
        print(json.dumps(ledger, indent=2, ensure_ascii=False))
    elif args.csv:
        write_csv(ledger, sys.stdout)
    else:
        grades = ", ".join(counted_grades(args.min_confidence))
        counts = Counter(r["verdict"] for r in ledger)
        print(f"claims ledger: {len(ledger)} claims; grades counted: {grades}; "
              f"tolerance: {args.tolerance:.0%}")
        print(format_table(ledger))
        print("verdicts: " + "; ".join(f"{v} {counts[v]}" for v in VERDICTS))
    return 0


__all__ = ["FIELDS", "NOT_JUDGED", "add_parser", "format_table", "rows", "run_audit",
           "write_csv"]
