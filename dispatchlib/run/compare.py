"""Compare two runs: the parameters and headline results that differ, side by side.

``python -m dispatchlib compare RUN_A RUN_B`` reads ``reports/RUN_A/run.json`` and
``reports/RUN_B/run.json`` (a run of a sweep is ``SWEEP/RUN``; a folder path works too) and
prints one line per parameter or result whose value differs, plus the status, data hash and
library versions when those differ. Values only one of the runs has (a notebook the other did
not run) are counted, not listed, unless ``--all`` is given. Timings are never compared.
"""

from __future__ import annotations

import json
import math
from collections.abc import Mapping
from pathlib import Path

from dispatchlib import paths
from dispatchlib.errors import DispatchlibError
from dispatchlib.run import folders

MISSING = "(absent)"


def locate(ref: str, out: Path | None = None) -> Path:
    """The run folder meant by ``ref``: a run name, ``SWEEP/RUN``, or a folder holding run.json.

    Raises
    ------
    DispatchlibError
        If no ``run.json`` is found; the message lists the runs in the reports folder.
    """
    root = Path(out) if out is not None else paths.reports_dir()
    candidate = Path(ref)
    if candidate.is_dir() and (candidate / "run.json").is_file():
        return candidate
    if candidate.name == "run.json" and candidate.is_file():
        return candidate.parent
    parts = ref.strip("/").split("/")
    if 1 <= len(parts) <= 2 and all(folders.SAFE_NAME.fullmatch(p) for p in parts):
        folder = folders.inside(root, *parts)
        if (folder / "run.json").is_file():
            return folder
    found = [*root.glob("*/run.json"), *root.glob("*/*/run.json")]
    # hidden folders (".NAME.<pid>.partial") are runs still being written, or killed ones
    known = sorted(p.parent.relative_to(root).as_posix() for p in found
                   if not any(part.startswith(".") for part in p.relative_to(root).parts))
    raise DispatchlibError(f"no run {ref!r} in {root}; the runs are: "
                           f"{', '.join(known) or '(none)'}")


def _flat(record: Mapping, section: str) -> dict[str, object]:
    out = {}
    if section == "parameters":
        for stem, values in record.get("parameters", {}).items():
            for name, value in values.items():
                out[f"{stem}.{name}"] = value
    else:
        for stem, info in record.get("notebooks", {}).items():
            for name, value in (info.get("results") or {}).items():
                out[f"{stem}.{name}"] = value
            if info.get("status") != "ok":
                out[f"{stem}.status"] = info.get("status")
    return out


def _differs(a: object, b: object) -> bool:
    if isinstance(a, int | float) and isinstance(b, int | float) and not isinstance(a, bool) \
            and not isinstance(b, bool):
        return not math.isclose(a, b, rel_tol=1e-9, abs_tol=0.0)
    return json.dumps(a, sort_keys=True) != json.dumps(b, sort_keys=True)


def compare(a: Mapping, b: Mapping) -> dict[str, list[tuple[str, object, object]]]:
    """What differs between two run records.

    Parameters
    ----------
    a, b : mapping
        ``run.json`` records.

    Returns
    -------
    dict
        ``{"parameters": [...], "results": [...], "context": [...]}``, each a list of
        ``(key, value_a, value_b)`` for the values that differ; a key present in one run only
        has :data:`MISSING` on the other side. Keys are ``<notebook>.<name>``.

    Examples
    --------
    >>> a = {"parameters": {"02": {"workers": 1}}, "notebooks": {}}
    >>> b = {"parameters": {"02": {"workers": 2}}, "notebooks": {}}
    >>> compare(a, b)["parameters"]
    [('02.workers', 1, 2)]
    """
    out: dict[str, list[tuple[str, object, object]]] = {}
    for section in ("parameters", "results"):
        fa, fb = _flat(a, section), _flat(b, section)
        keys = list(fa) + [k for k in fb if k not in fa]
        out[section] = [(k, fa.get(k, MISSING), fb.get(k, MISSING)) for k in keys
                        if k not in fa or k not in fb or _differs(fa[k], fb[k])]
    context = []
    for key in ("status", "data_sha256"):
        if a.get(key) != b.get(key):
            context.append((key, a.get(key), b.get(key)))
    va, vb = a.get("versions", {}), b.get("versions", {})
    for key in list(va) + [k for k in vb if k not in va]:
        if va.get(key) != vb.get(key):
            context.append((f"versions.{key}", va.get(key, MISSING), vb.get(key, MISSING)))
    out["context"] = context
    return out


def one_side_only(diff: Mapping[str, list]) -> dict[str, list[tuple[str, object, object]]]:
    """The entries of a :func:`compare` result that only one run has (one side
    :data:`MISSING`): values one run computed and the other did not, not differences.
    (Status, data and versions are always shown: they are not in it.)"""
    return {k: [e for e in v if MISSING in (e[1], e[2]) and k != "context"]
            for k, v in diff.items()}


def differing(diff: Mapping[str, list]) -> dict[str, list[tuple[str, object, object]]]:
    """The entries of a :func:`compare` result that both runs have, with different values.

    >>> differing({"results": [("02.x", 1, 2), ("01.y", MISSING, 3)]})
    {'results': [('02.x', 1, 2)]}
    """
    return {k: [e for e in v if MISSING not in (e[1], e[2]) or k == "context"]
            for k, v in diff.items()}


def _notebooks_of_one(diff: Mapping[str, list], name_a: str, name_b: str) -> list[str]:
    """Lines naming the notebooks whose values only one run has, per run."""
    only: dict[str, set[str]] = {name_a: set(), name_b: set()}
    for entries in one_side_only(diff).values():
        for key, x, _ in entries:
            only[name_b if x == MISSING else name_a].add(key.split(".", 1)[0])
    return [f"{', '.join(sorted(stems))} only in {name}" for name, stems in only.items() if stems]


def format_table(name_a: str, name_b: str, diff: Mapping[str, list],
                 everything: bool = False) -> str:
    """The differences as a plain-text table: the values both runs have and that differ first
    (parameters, results, then status, data and versions).

    Values only one run has (a notebook the other did not run) are counted in one closing
    line, and listed only when ``everything`` (``compare --all``).
    """
    from dispatchlib.run.pages import fmt

    def show(v: object, key: str = "") -> str:
        if key == "data_sha256" and isinstance(v, str) and len(v) > 16:
            return v[:12] + "..."  # enough to tell two apart; run.json holds the whole hash
        return v if isinstance(v, str) else fmt(v, key.rsplit(".", 1)[-1])

    shown_diff = dict(differing(diff))
    absent = one_side_only(diff)
    count = sum(len(v) for v in absent.values())
    if everything:
        shown_diff.update({f"{k} (one run only)": v for k, v in absent.items() if v})
    rows = [(k, show(x, k), show(y, k)) for section in shown_diff.values() for k, x, y in section]
    lines = []
    if rows:
        w0 = max(len("parameter / result"), *(len(r[0]) for r in rows)) + 2
        w1 = max(len(name_a), *(len(r[1]) for r in rows)) + 2
        w2 = max(len(name_b), *(len(r[2]) for r in rows))
        lines.append(f"{'':<{w0}}{name_a:>{w1}}  {name_b:>{w2}}")
        titles = {"parameters": "parameters that differ", "results": "results that differ",
                  "context": "status, data and versions"}
        for section, entries in shown_diff.items():
            if not entries:
                continue
            lines.append(titles.get(section, section))
            for key, x, y in entries:
                lines.append(f"  {key:<{w0 - 2}}{show(x, key):>{w1}}  {show(y, key):>{w2}}")
    else:
        lines.append(f"{name_a} and {name_b}: same parameters and same headline results"
                     + (" where both have them" if count else ""))
    if count and not everything:
        lines.append(f"({count} parameter(s) and result(s) only one run has, not shown: "
                     f"{'; '.join(_notebooks_of_one(diff, name_a, name_b))}; --all lists "
                     "them)")
    return "\n".join(lines)
