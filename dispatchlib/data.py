"""Load the tables of ``data/`` as typed DataFrames, checked against ``datapackage.json``.

The descriptor is a Frictionless Data Package (Table Schema for each CSV). This module reads it
with the standard library and checks every rule the loader relies on, so that a CSV edited by
hand fails with a message naming the file, the row, the column and the rule it breaks:

- the file exists and is UTF-8; its header has exactly the declared columns;
- each value parses as its field type (integer, number, boolean, string) and meets the field's
  constraints (required, enum, minimum, maximum, pattern, unique);
- primary keys are unique and every foreign key (each ``source_id`` ...) resolves;
- ranges are ordered: ``low <= high`` and ``low <= central <= high`` where those columns exist.

The full Frictionless validator (``frictionless validate data/datapackage.json``) is run by the
test suite as a second, independent check.

Examples
--------
>>> from dispatchlib import load
>>> workforce = load("workforce")
>>> workforce.attrs["units"]["low"]
'persons'
"""

from __future__ import annotations

import csv
import io
import json
import re
from collections.abc import Iterable
from functools import lru_cache
from pathlib import Path

import pandas as pd

from . import paths
from .errors import DataError

_DTYPES = {"integer": "Int64", "number": "float64", "boolean": "boolean", "string": "string"}
_MAX_ERRORS = 20


def descriptor() -> dict:
    """The parsed ``datapackage.json``.

    Raises
    ------
    DataError
        If the file is missing or is not valid JSON.
    """
    path = paths.data_dir() / "datapackage.json"
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise DataError(f"{_show(path)}: file not found (the data package descriptor)") from None
    except (ValueError, UnicodeDecodeError) as exc:
        raise DataError(f"{_show(path)}: not a valid JSON descriptor: {exc}") from None


def resources() -> list[str]:
    """Names of the tables in the data package, in descriptor order."""
    return [r["name"] for r in descriptor()["resources"]]


def resource(name: str) -> dict:
    """The descriptor entry of one table, with its schema."""
    for res in descriptor()["resources"]:
        if res["name"] == name:
            return res
    raise DataError(
        f"no table named {name!r} in datapackage.json; the tables are: {', '.join(resources())}"
    )


def load(name: str) -> pd.DataFrame:
    """Load one table, typed from its schema and fully checked.

    Parameters
    ----------
    name : str
        Resource name, e.g. ``"workforce"``, ``"claims"``, ``"sources"`` (see :func:`resources`).

    Returns
    -------
    pandas.DataFrame
        One column per schema field with dtypes ``Int64`` (integer), ``float64`` (number),
        ``boolean`` or ``string``; missing values are ``<NA>``/``NaN``. ``df.attrs["units"]``
        maps column names to units (e.g. ``"persons"``, ``"USD per worker per year"``) and
        ``df.attrs["fields"]`` holds each field's title and description.

    Raises
    ------
    DataError
        If the file breaks its schema; the message names file, row, column and rule.
    """
    desc = descriptor()
    stamp = tuple(
        (r["name"], _mtime(paths.data_dir() / r["path"])) for r in desc["resources"]
    )
    return _load_cached(str(paths.data_dir()), name, stamp).copy()


def validate() -> list[str]:
    """Check every table; return the list of problems found (empty when the data are valid)."""
    problems: list[str] = []
    try:
        names = resources()
    except DataError as exc:
        return [str(exc)]
    for name in names:
        try:
            _parse(name, collect=problems)
        except DataError as exc:
            if str(exc) not in problems:
                problems.append(str(exc))
    return problems


def assumption(name: str) -> tuple[float, float, float]:
    """``(low, central, high)`` of one model input in ``data/assumptions.csv``.

    Parameters
    ----------
    name : str
        The row's ``name``, e.g. ``"savings_usd"``; units are in the row's ``unit`` column.
    """
    table = load("assumptions").set_index("name")
    if name not in table.index:
        raise DataError(f"no assumption {name!r} in data/assumptions.csv; the names are: "
                        f"{', '.join(table.index)}")
    return tuple(float(table.at[name, c]) for c in ("low", "central", "high"))


def sources_for(ids: Iterable[str]) -> pd.DataFrame:
    """Rows of the ``sources`` table for the given ids, in first-seen order, without repeats.

    Parameters
    ----------
    ids : iterable of str
        Source ids (``NA`` and empty values are skipped).
    """
    wanted = list(dict.fromkeys(str(i) for i in ids if isinstance(i, str) and i))
    table = load("sources").set_index("source_id")
    missing = [i for i in wanted if i not in table.index]
    if missing:
        raise DataError(f"unknown source id(s): {', '.join(missing)} (not in data/sources.csv)")
    return table.loc[wanted].reset_index()


# ----------------------------------------------------------------------------------------------


def _show(path: Path) -> str:
    try:
        return str(path.resolve().relative_to(paths.ROOT))
    except ValueError:
        return str(path)


def _mtime(path: Path) -> tuple[int, int]:
    try:
        st = path.stat()
    except FileNotFoundError:
        return (0, 0)
    return (st.st_mtime_ns, st.st_size)


@lru_cache(maxsize=64)
def _load_cached(_data_dir: str, name: str, _stamp: tuple) -> pd.DataFrame:
    return _parse(name, collect=None)


def _read_rows(path: Path, name: str) -> tuple[list[str], list[list[str]]]:
    try:
        raw = path.read_bytes()
    except FileNotFoundError:
        raise DataError(
            f"{_show(path)}: file not found (table {name!r} is declared in datapackage.json)"
        ) from None
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = raw[: exc.start].count(b"\n") + 1
        raise DataError(
            f"{_show(path)}, line {line}: not UTF-8 (byte {raw[exc.start]:#04x} at offset "
            f"{exc.start}); save the file with UTF-8 encoding"
        ) from None
    rows = list(csv.reader(io.StringIO(text, newline="")))
    if not rows:
        raise DataError(f"{_show(path)}: empty file, expected a header row")
    return rows[0], rows[1:]


def _convert(kind: str, value: str, field: dict) -> object:
    """Convert one non-empty cell; raise ValueError with what was expected."""
    if kind == "integer":
        if not re.fullmatch(r"[+-]?\d+", value):
            raise ValueError("expected a whole number")
        return int(value)
    if kind == "number":
        try:
            number = float(value)
        except ValueError:
            raise ValueError("expected a number") from None
        if number != number or number in (float("inf"), float("-inf")):
            raise ValueError("expected a finite number")
        return number
    if kind == "boolean":
        true = field.get("trueValues", ["true"])
        false = field.get("falseValues", ["false"])
        if value in true:
            return True
        if value in false:
            return False
        raise ValueError(f"expected one of {true + false}")
    return value


def _check_constraints(value: object, cons: dict) -> str | None:
    if "enum" in cons and value not in cons["enum"]:
        return f"expected one of {', '.join(map(str, cons['enum']))}"
    if "minimum" in cons and value < cons["minimum"]:
        return f"expected a value >= {cons['minimum']}"
    if "maximum" in cons and value > cons["maximum"]:
        return f"expected a value <= {cons['maximum']}"
    if "pattern" in cons and not re.fullmatch(cons["pattern"], str(value)):
        return f"expected text matching the pattern {cons['pattern']}"
    return None


def _as_list(keys: str | list[str]) -> list[str]:
    return [keys] if isinstance(keys, str) else list(keys)


def _parse(name: str, collect: list[str] | None) -> pd.DataFrame:
    """Parse and check one table. With ``collect`` given, append every problem to it and go on;
    otherwise raise on the first problem."""
    res = resource(name)
    path = paths.data_dir() / res["path"]
    where = _show(path)
    problems: list[str] = []

    def problem(msg: str) -> None:
        if collect is None:
            raise DataError(msg)
        if len(problems) < _MAX_ERRORS:
            problems.append(msg)

    try:
        header, rows = _read_rows(path, name)
    except DataError as exc:
        if collect is None:
            raise
        collect.append(str(exc))
        return pd.DataFrame()
    schema = res["schema"]
    fields = schema["fields"]
    names = [f["name"] for f in fields]
    missing = [n for n in names if n not in header]
    extra = [h for h in header if h not in names]
    if missing or extra:
        parts = []
        if missing:
            parts.append(f"missing column(s) {', '.join(missing)}")
        if extra:
            parts.append(f"unexpected column(s) {', '.join(extra)}")
        msg = f"{where}, header: {'; '.join(parts)}; expected the columns {', '.join(names)}"
        if collect is None:
            raise DataError(msg)
        collect.append(msg)
        return pd.DataFrame()

    missing_values = set(schema.get("missingValues", [""]))
    columns: dict[str, list[object]] = {n: [] for n in names}
    position = {h: i for i, h in enumerate(header)}
    for r, row in enumerate(rows, start=1):
        loc = f"{where}, row {r} (line {r + 1})"
        if len(row) != len(header):
            problem(f"{loc}: {len(row)} cells, expected {len(header)} (one per column)")
            for n in names:
                columns[n].append(None)
            continue
        for field in fields:
            n = field["name"]
            cell = row[position[n]]
            cons = field.get("constraints", {})
            if cell in missing_values:
                if cons.get("required"):
                    problem(f"{loc}, column {n!r}: a value is required, the cell is empty")
                columns[n].append(None)
                continue
            try:
                value = _convert(field.get("type", "string"), cell, field)
            except ValueError as exc:
                problem(f"{loc}, column {n!r}: {exc}, got {cell!r}")
                columns[n].append(None)
                continue
            rule = _check_constraints(value, cons)
            if rule:
                problem(f"{loc}, column {n!r}: {rule}, got {cell!r}")
            columns[n].append(value)

    frame = pd.DataFrame(
        {
            f["name"]: pd.array(columns[f["name"]], dtype=_DTYPES[f.get("type", "string")])
            for f in fields
        }
    )
    _check_keys(frame, res, where, problem)
    _check_ranges(frame, where, problem)
    if collect is not None:
        collect.extend(problems)
    frame.attrs["resource"] = name
    frame.attrs["units"] = {f["name"]: f["unit"] for f in fields if "unit" in f}
    frame.attrs["fields"] = {
        f["name"]: {"title": f.get("title", f["name"]), "description": f.get("description", "")}
        for f in fields
    }
    return frame


def _check_keys(frame: pd.DataFrame, res: dict, where: str, problem) -> None:
    schema = res["schema"]
    unique_sets = [_as_list(schema["primaryKey"])] if "primaryKey" in schema else []
    unique_sets += [[f["name"]] for f in schema["fields"] if f.get("constraints", {}).get("unique")]
    for keys in unique_sets:
        dup = frame.duplicated(subset=keys, keep="first")
        for i in frame.index[dup]:
            values = ", ".join(f"{k}={frame.at[i, k]}" for k in keys)
            problem(f"{where}, row {i + 1} (line {i + 2}), column {keys[0]!r}: "
                    f"duplicate key ({values}); each key must be unique")
    for fk in schema.get("foreignKeys", []):
        local = _as_list(fk["fields"])
        ref = fk["reference"]
        target = ref.get("resource") or res["name"]
        if target == res["name"]:
            known = set(frame[_as_list(ref["fields"])[0]].dropna())
        else:
            ref_res = resource(target)
            ref_header, ref_rows = _read_rows(paths.data_dir() / ref_res["path"], target)
            col = ref_header.index(_as_list(ref["fields"])[0])
            known = {row[col] for row in ref_rows if len(row) > col}
        for i, value in frame[local[0]].items():
            if value is not pd.NA and value is not None and value not in known:
                problem(f"{where}, row {i + 1} (line {i + 2}), column {local[0]!r}: "
                        f"{value!r} is not a {target} id; expected one of the ids in "
                        f"{ref_res_path(target)}")


def ref_res_path(name: str) -> str:
    """Path of a table's CSV as shown in messages."""
    return _show(paths.data_dir() / resource(name)["path"])


def _check_ranges(frame: pd.DataFrame, where: str, problem) -> None:
    ordered = [c for c in ("low", "central", "high") if c in frame.columns]
    for a, b in zip(ordered, ordered[1:], strict=False):
        bad = (frame[a] > frame[b]).fillna(False)
        for i in frame.index[bad.to_numpy(dtype=bool)]:
            problem(f"{where}, row {i + 1} (line {i + 2}), column {a!r}: {a} = {frame.at[i, a]:g}"
                    f" is above {b} = {frame.at[i, b]:g}; expected {a} <= {b}")
