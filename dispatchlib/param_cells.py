"""The notebooks' ``parameters`` cells, written from the registry (``parameters.json``).

Papermill needs literal values in a tagged ``parameters`` cell; the registry is where they are
decided. :func:`cell_source` renders a notebook's cell from the registry (one line per
parameter: ``name: type = literal  # comment``, in the registry's order), :func:`write_cells`
writes it into the notebooks (``python -m dispatchlib params --write-cells``, and the first
step of ``refresh``), and :func:`differences` lists where a notebook's cell and the registry
disagree (tests/test_registry.py fails on any).

Examples
--------
>>> print(cell_source("00_start-here").splitlines()[0])  # doctest: +ELLIPSIS
workers: int = 15000  # persons: DPRK workers in Russia (brief sec. 5, mid-2025; ...)
"""

from __future__ import annotations

import ast
import json
from collections.abc import Sequence
from pathlib import Path

from dispatchlib.params import SPECS, ParamSpec, declared_by

_ANNOTATION = {"int": "int", "float": "float", "bool": "bool", "str": "str",
               "list[str]": "list", "list[int]": "list"}


def literal(spec: ParamSpec) -> str:
    """The default of ``spec`` as Python source: ``15000``, ``6500.0``, ``"central"``."""
    value = spec.default
    if spec.kind == "float":
        return repr(float(value))
    if spec.kind in ("str", "list[str]", "list[int]"):
        return json.dumps(value, ensure_ascii=False)
    return repr(value)


def cell_source(stem: str, lang: str | None = None) -> str:
    """The ``parameters`` cell of notebook ``stem`` as the registry gives it; with ``lang``
    (``"ko"``), the comments in that language (:func:`dispatchlib.params.text_of`, from
    ``dispatchlib.po``), the names and values unchanged."""
    from contextlib import nullcontext

    from dispatchlib.params import text_of

    if lang is None:
        words = nullcontext()
    else:
        from dispatchlib.i18n import language

        words = language(lang)
    lines = []
    with words:
        for s in declared_by(stem):
            text = text_of(s.name, "comment") if lang else s.comment
            comment = f"  # {text}" if text else ""
            lines.append(f"{s.name}: {_ANNOTATION[s.kind]} = {literal(s)}{comment}")
    return "\n".join(lines)


def _parameters_cell(nb: dict, path: Path) -> dict:
    for cell in nb["cells"]:
        if "parameters" in cell.get("metadata", {}).get("tags", []):
            return cell
    raise ValueError(f"notebook {path}: no cell tagged 'parameters'")


def cell_values(path: Path) -> dict[str, tuple[str, object]]:
    """``{name: (annotation, value)}`` as written in a notebook's ``parameters`` cell."""
    nb = json.loads(Path(path).read_text(encoding="utf-8"))
    out = {}
    for node in ast.parse("".join(_parameters_cell(nb, path)["source"])).body:
        if isinstance(node, ast.AnnAssign) and isinstance(node.target, ast.Name):
            out[node.target.id] = (ast.unparse(node.annotation),
                                   ast.literal_eval(node.value) if node.value else None)
    return out


def differences(path: Path) -> list[str]:
    """Where notebook ``path``'s ``parameters`` cell and the registry disagree, one line each
    naming the notebook and the parameter (empty when they agree)."""
    stem = Path(path).stem
    cell = cell_values(path)
    want = {s.name: s for s in declared_by(stem)}
    out = [f"{stem}: parameter {n} is in the cell but the registry gives {stem} no {n!r}"
           for n in cell if n not in want]
    for name, s in want.items():
        if name not in cell:
            out.append(f"{stem}: parameter {name} is in the registry but not in the cell")
            continue
        annotation, value = cell[name]
        if annotation != _ANNOTATION[s.kind]:
            out.append(f"{stem}: parameter {name} is annotated {annotation}, the registry "
                       f"says {s.kind}")
        if value != s.default or type(value) is not type(s.default) and s.kind != "float":
            out.append(f"{stem}: parameter {name} = {value!r} in the cell, {s.default!r} in "
                       f"the registry")
    if not out and list(cell) != list(want):
        out.append(f"{stem}: parameters in the order {list(cell)}, the registry's is "
                   f"{list(want)}")
    return out


def write_cells(sources: Sequence[Path]) -> list[Path]:
    """Write each notebook's ``parameters`` cell from the registry; return those changed.

    Only that cell's source changes (its outputs stay until the next ``refresh``). A notebook
    of another language (``metadata.dispatchlib.lang``, set by ``python -m dispatchlib
    translate``) gets its comments in that language, as the translation build writes them.
    """
    from dispatchlib.atomic import write_text

    changed = []
    for path in sources:
        nb = json.loads(Path(path).read_text(encoding="utf-8"))
        cell = _parameters_cell(nb, path)
        lang = nb.get("metadata", {}).get("dispatchlib", {}).get("lang")
        text = cell_source(Path(path).stem, None if lang in (None, "en") else lang)
        if "".join(cell["source"]) == text:
            continue
        cell["source"] = text.splitlines(keepends=True)
        write_text(Path(path), json.dumps(nb, indent=1, ensure_ascii=False) + "\n")
        changed.append(Path(path))
    return changed


__all__ = ["SPECS", "cell_source", "cell_values", "differences", "literal", "write_cells"]
