"""The checks behind dispatchlib.tables.data: the data package descriptor (datapackage.json) parsed
and checked, and every CSV row read, typed and checked against its Table Schema (types,
constraints, primary and foreign keys, ordered ranges). Every problem names the file, the row,
the column and the rule it breaks.
"""

from __future__ import annotations

import csv
import io
import json
import re
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path, PurePosixPath
from typing import TYPE_CHECKING

from dispatchlib import paths
from dispatchlib.errors import DataError

if TYPE_CHECKING:  # pandas is imported when a DataFrame is built, so assumption() needs none
    import pandas as pd



_DTYPES = {"integer": "Int64", "number": "float64", "boolean": "boolean", "string": "string"}

_MAX_ERRORS = 20  # problems listed per table; the rest are counted

# Frictionless defaults for boolean fields (Table Schema)
_TRUE = ["true", "True", "TRUE", "1"]

_FALSE = ["false", "False", "FALSE", "0"]

# plain decimal notation only: no "1_000", " 5", "0x10", "nan", "inf" or non-ASCII digits
_INTEGER = re.compile(r"[+-]?[0-9]+")

_NUMBER = re.compile(r"[+-]?(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+)(?:[eE][+-]?[0-9]+)?")

_SURROGATE = re.compile("[\udc80-\udcff]")

@dataclass
class _Table:
    """One parsed and checked table: the typed cells of each column (``None`` where missing)."""

    res: dict
    columns: dict[str, list[object]]
    _frame: pd.DataFrame | None = None

    def frame(self) -> pd.DataFrame:
        """The table as a typed DataFrame, built on first use (callers copy it)."""
        if self._frame is None:
            self._frame = _to_frame(self.res, self.columns)
        return self._frame

@dataclass(frozen=True)
class _Snapshot:
    folder: str
    desc: dict
    files: dict[str, bytes | OSError]  # resource path -> bytes, or the error reading it
    digest: str

def _parse_descriptor(raw: bytes, where: str, folder: Path) -> dict:
    """Parse ``datapackage.json`` and check the structure the loader relies on."""
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = raw[: exc.start].count(b"\n") + 1
        raise _error([f"{where}, line {line}: not UTF-8 (byte {raw[exc.start]:#04x}); save the "
                      "descriptor with UTF-8 encoding"]) from None
    try:
        desc = json.loads(text)
    except json.JSONDecodeError as exc:
        raise _error([f"{where}, line {exc.lineno}, column {exc.colno}: not valid JSON "
                      f"({exc.msg}); the data package descriptor must be a JSON object"]) from None
    problems: list[str] = []
    if not isinstance(desc, dict):
        problems.append(f"{where}: expected a JSON object, got {type(desc).__name__}")
    elif not isinstance(desc.get("resources"), list) or not desc["resources"]:
        problems.append(f"{where}: expected a non-empty list 'resources', got "
                        f"{desc.get('resources')!r:.60}")
    else:
        seen: set[str] = set()
        for i, res in enumerate(desc["resources"]):
            problems.extend(_descriptor_problems(res, i, where, folder, seen))
        names = {r.get("name") for r in desc["resources"] if isinstance(r, dict)}
        for res in desc["resources"]:
            if not isinstance(res, dict) or not isinstance(res.get("schema"), dict):
                continue
            for fk in res["schema"].get("foreignKeys", []):
                target = fk.get("reference", {}).get("resource") if isinstance(fk, dict) else None
                if target not in (None, "", *names):
                    problems.append(f"{where}, resource {res.get('name')!r}: a foreign key "
                                    f"points to an unknown table, got {target!r}")
    if problems:
        raise _error(problems)
    return desc

def _descriptor_problems(res: object, i: int, where: str, folder: Path,
                         seen: set[str]) -> list[str]:
    if not isinstance(res, dict):
        return [f"{where}, resources[{i}]: expected an object, got {res!r:.60}"]
    name = res.get("name")
    at = f"{where}, resource {name!r}" if isinstance(name, str) else f"{where}, resources[{i}]"
    out = []
    if not isinstance(name, str) or not name:
        out.append(f"{at}: expected a 'name' (text), got {name!r:.60}")
    elif name in seen:
        out.append(f"{at}: the name is used twice; each table needs its own name")
    else:
        seen.add(name)
    path = res.get("path")
    if not isinstance(path, str) or not path:
        out.append(f"{at}: expected a 'path' (a CSV file in data/), got {path!r:.60}")
    else:
        pure = PurePosixPath(path)
        if pure.is_absolute() or ".." in pure.parts or "\\" in path or ":" in path:
            out.append(f"{at}: expected a 'path' inside {_show(folder)}, got {path!r}")
    schema = res.get("schema")
    if not isinstance(schema, dict) or not isinstance(schema.get("fields"), list):
        out.append(f"{at}: expected a 'schema' with a list of 'fields', got {schema!r:.60}")
        return out
    fields: list[str] = []
    for j, f in enumerate(schema["fields"]):
        if not isinstance(f, dict) or not isinstance(f.get("name"), str) or not f["name"]:
            out.append(f"{at}, field {j + 1}: expected an object with a 'name', got {f!r:.60}")
            continue
        fat = f"{at}, field {f['name']!r}"
        if f["name"] in fields:
            out.append(f"{fat}: declared twice; each field once")
        fields.append(f["name"])
        kind = f.get("type", "string")
        if kind not in _DTYPES:
            out.append(f"{fat}: unknown type; expected one of {', '.join(_DTYPES)}, got {kind!r}")
        cons = f.get("constraints", {})
        if not isinstance(cons, dict):
            out.append(f"{fat}: 'constraints' must be an object, got {cons!r:.60}")
        elif "enum" in cons and not isinstance(cons["enum"], list):
            out.append(f"{fat}: 'enum' must be a list, got {cons['enum']!r:.60}")
        else:
            for bound in ("minimum", "maximum"):
                if bound in cons and (isinstance(cons[bound], bool)
                                      or not isinstance(cons[bound], int | float)):
                    out.append(f"{fat}: {bound!r} must be a number, got {cons[bound]!r:.60}")
            if "pattern" in cons:
                try:
                    re.compile(cons["pattern"])
                except (re.error, TypeError) as exc:
                    out.append(f"{fat}: 'pattern' is not a regular expression ({exc}), got "
                               f"{cons['pattern']!r:.60}")
    key_lists = [("primaryKey", schema.get("primaryKey", []))]
    for fk in schema.get("foreignKeys", []):
        if not isinstance(fk, dict) or not isinstance(fk.get("reference"), dict):
            out.append(f"{at}: a foreign key needs 'fields' and a 'reference', got {fk!r:.60}")
            continue
        key_lists.append(("foreignKeys", fk.get("fields", [])))
    for label, keys in key_lists:
        for k in _as_list(keys):
            if k not in fields:
                out.append(f"{at}: {label} names a column that is not a field, got {k!r}")
    return out

def _resource(desc: dict, name: str) -> dict:
    for res in desc["resources"]:
        if res["name"] == name:
            return res
    names = [r["name"] for r in desc["resources"]]
    import difflib

    same = [n for n in names if n.lower() == str(name).strip().lower()]
    close = same or difflib.get_close_matches(str(name).lower(), names, n=1)
    hint = f" (did you mean {close[0]!r}?)" if close else ""
    raise DataError(f"no table named {name!r} in datapackage.json{hint}; the tables are: "
                    f"{', '.join(names)}")

def _error(problems: list[str]) -> DataError:
    """One DataError for a list of problems: the first in the message, all in ``.problems``."""
    first = problems[0]
    rest = len([p for p in problems[1:] if not p.startswith("... ")])
    if rest:
        first += (f" (and {rest} more problem(s); `python -m dispatchlib data validate` "
                  "lists them all)")
    return DataError(first, problems=problems)

def _show(path: Path) -> str:
    try:
        return str(path.resolve().relative_to(paths.ROOT))
    except ValueError:
        return str(path)

def _shown(cell: str) -> str:
    """A cell as quoted in a message: undecodable bytes appear as ``\\xe9``."""
    if _SURROGATE.search(cell):
        cell = cell.encode("utf-8", "surrogateescape").decode("utf-8", "backslashreplace")
        return "'" + cell.replace("'", "\\'") + "'"
    return repr(cell)

def _read_rows(snap: _Snapshot, res: dict, problem: Callable[[str], None]
               ) -> tuple[list[str], list[tuple[int, list[str]]]] | None:
    """Header and ``(line, cells)`` of every row, or ``None`` when the file cannot be read."""
    path = paths.data_dir() / res["path"]
    where = _show(path)
    content = snap.files[res["path"]]
    if isinstance(content, FileNotFoundError):
        problem(f"{where}: file not found (table {res['name']!r} is declared in "
                "datapackage.json)")
        return None
    if isinstance(content, OSError):
        problem(f"{where}: cannot be read ({content.strerror})")
        return None
    text = content.decode("utf-8-sig", "surrogateescape")
    reader = csv.reader(io.StringIO(text, newline=""))
    rows: list[tuple[int, list[str]]] = []
    line = 1
    try:
        for cells in reader:
            rows.append((line, cells))
            line = reader.line_num + 1
    except csv.Error as exc:
        problem(f"{where}, line {line}: not valid CSV ({exc}); expected comma-separated cells, "
                'quoted with " where they hold a comma, quote or line break')
        return None
    if not rows:
        problem(f"{where}: empty file, expected a header row")
        return None
    header = rows[0][1]
    if _SURROGATE.search("".join(header)):
        for j, h in enumerate(header):
            if _SURROGATE.search(h):
                problem(f"{where}, header row (line 1), column {j + 1}: not UTF-8 text (save "
                        f"the file with UTF-8 encoding), got {_shown(h)}")
        return None
    return header, rows[1:]

def _convert(kind: str, value: str, field: dict) -> object:
    """Convert one non-empty cell; raise ValueError with what was expected."""
    if kind == "integer":
        if not _INTEGER.fullmatch(value):
            raise ValueError("expected a whole number")
        return int(value)
    if kind == "number":
        if not _NUMBER.fullmatch(value):
            raise ValueError("expected a number")
        number = float(value)
        if number in (float("inf"), float("-inf")):
            raise ValueError("expected a finite number")
        return number
    if kind == "boolean":
        true = field.get("trueValues", _TRUE)
        false = field.get("falseValues", _FALSE)
        if value in true:
            return True
        if value in false:
            return False
        raise ValueError(f"expected one of {', '.join(true + false)}")
    return value

def _check_constraints(value: object, cons: dict) -> str | None:
    if "enum" in cons and value not in cons["enum"]:
        return f"expected one of {', '.join(map(str, cons['enum']))}"
    if "minimum" in cons and isinstance(value, int | float) and value < cons["minimum"]:
        return f"expected a value >= {cons['minimum']}"
    if "maximum" in cons and isinstance(value, int | float) and value > cons["maximum"]:
        return f"expected a value <= {cons['maximum']}"
    if "pattern" in cons and not re.fullmatch(cons["pattern"], str(value)):
        return f"expected text matching the pattern {cons['pattern']}"
    return None

def _as_list(keys: str | list[str]) -> list[str]:
    return [keys] if isinstance(keys, str) else list(keys)

def _parse(snap: _Snapshot, name: str, collect: list[str]) -> _Table:
    """Parse and check one table; append every problem found to ``collect``."""
    res = _resource(snap.desc, name)
    where = _show(paths.data_dir() / res["path"])
    problems: list[str] = []

    def problem(msg: str) -> None:
        problems.append(msg)

    columns = _parse_rows(snap, res, where, problem)
    collect.extend(problems[:_MAX_ERRORS])
    if len(problems) > _MAX_ERRORS:
        collect.append(f"... {where}: {len(problems) - _MAX_ERRORS} more problem(s) not shown")
    return _Table(res, columns or {})

def _parse_rows(snap: _Snapshot, res: dict, where: str,
                problem: Callable[[str], None]) -> dict[str, list[object]] | None:
    """The typed cells of each column; ``None`` when the file or its header is unusable."""
    read = _read_rows(snap, res, problem)
    if read is None:
        return None
    header, rows = read
    schema = res["schema"]
    fields = schema["fields"]
    names = [f["name"] for f in fields]
    head = f"{where}, header row (line 1)"
    bad_header = False
    for j, h in enumerate(header):
        if h in header[:j]:
            problem(f"{head}, column {h!r}: the column appears twice; expected each column "
                    f"once, got {h!r} in columns {header.index(h) + 1} and {j + 1}")
            bad_header = True
        elif h not in names:
            problem(f"{head}, column {h!r}: unexpected column, not declared in datapackage.json;"
                    f" expected the columns {', '.join(names)}, got {h!r}")
            bad_header = True
    for n in names:
        if n not in header:
            problem(f"{head}, column {n!r}: missing column; expected the columns "
                    f"{', '.join(names)}, got {', '.join(header)}")
            bad_header = True
    if bad_header:
        return None

    missing_values = set(schema.get("missingValues", [""]))
    columns: dict[str, list[object]] = {n: [] for n in names}
    raw: dict[str, list[str]] = {n: [] for n in names}
    where_row: list[str] = []
    position = {h: i for i, h in enumerate(header)}
    for r, (line, row) in enumerate(rows, start=1):
        loc = f"{where}, row {r} (line {line})"
        where_row.append(loc)
        for j, cell in enumerate(row):
            if _SURROGATE.search(cell):
                col = repr(header[j]) if j < len(header) else str(j + 1)
                problem(f"{loc}, column {col}: not UTF-8 text (save the file with UTF-8 "
                        f"encoding), got {_shown(cell)}")
        if len(row) != len(header):
            if len(row) < len(header):
                problem(f"{loc}, column {header[len(row)]!r}: too few cells, expected "
                        f"{len(header)} (one per column), got {len(row)} cells")
            else:
                problem(f"{loc}, column {len(header) + 1} (after {header[-1]!r}): too many "
                        f"cells, expected {len(header)} (one per column; quote a cell that "
                        f"holds a comma), got {len(row)} cells")
            for n in names:
                columns[n].append(None)
                raw[n].append("")
            continue
        for field in fields:
            n = field["name"]
            cell = row[position[n]]
            raw[n].append(cell)
            cons = field.get("constraints", {})
            if _SURROGATE.search(cell):  # reported above
                columns[n].append(None)
                continue
            if cell in missing_values:
                if cons.get("required"):
                    problem(f"{loc}, column {n!r}: a value is required, got an empty cell ''")
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

    _check_keys(snap, columns, raw, where_row, res, problem)
    _check_ranges(columns, raw, where_row, problem)
    return columns

def _to_frame(res: dict, columns: dict[str, list[object]]) -> pd.DataFrame:
    """A checked table as a DataFrame typed from its schema, with units and field titles."""
    import pandas as pd

    fields = res["schema"]["fields"]
    arrays = {}
    for f in fields:
        try:
            arrays[f["name"]] = pd.array(columns.get(f["name"], []),
                                         dtype=_DTYPES[f.get("type", "string")])
        except (OverflowError, TypeError, ValueError) as exc:  # e.g. a whole number > 2**63
            where = _show(paths.data_dir() / res["path"])
            raise DataError(f"{where}, column {f['name']!r}: the values do not fit the column "
                            f"type {f.get('type', 'string')} ({exc})") from None
    frame = pd.DataFrame(arrays)
    frame.attrs["resource"] = res["name"]
    frame.attrs["units"] = {f["name"]: f["unit"] for f in fields if "unit" in f}
    frame.attrs["fields"] = {
        f["name"]: {"title": f.get("title", f["name"]), "description": f.get("description", "")}
        for f in fields
    }
    return frame

def _check_keys(snap: _Snapshot, columns: dict[str, list[object]], raw: dict[str, list[str]],
                where_row: list[str], res: dict, problem: Callable[[str], None]) -> None:
    schema = res["schema"]
    where = _show(paths.data_dir() / res["path"])
    unique_sets = [_as_list(schema["primaryKey"])] if "primaryKey" in schema else []
    unique_sets += [[f["name"]] for f in schema["fields"] if f.get("constraints", {}).get("unique")
                    and [f["name"]] not in unique_sets]  # a key that is also unique: once
    na = {c: [v is None for v in values] for c, values in columns.items()}
    for keys in unique_sets:
        first_seen: dict[tuple, int] = {}
        for i in range(len(where_row)):
            values = tuple(raw[k][i] for k in keys)
            if any(na[k][i] for k in keys):
                continue  # a missing value is reported as such, and is never a duplicate
            if values in first_seen:
                j = first_seen[values]
                got = (repr(values[0]) if len(keys) == 1 else
                       "(" + ", ".join(f"{k}={v!r}" for k, v in zip(keys, values, strict=True))
                       + ")")
                rule = "duplicate key" if len(keys) == 1 else f"duplicate key ({', '.join(keys)})"
                problem(f"{where_row[i]}, column {keys[0]!r}: {rule}, expected each key once "
                        f"(already in {where_row[j].split(', ', 1)[1]}), got {got}")
            else:
                first_seen[values] = i
    for fk in schema.get("foreignKeys", []):
        local = _as_list(fk["fields"])[0]
        ref = fk["reference"]
        target = ref.get("resource") or res["name"]
        ref_field = _as_list(ref["fields"])[0]
        if target == res["name"]:
            known = set(raw[ref_field])
            ref_where = where
        else:
            ref_res = _resource(snap.desc, target)
            ref_where = _show(paths.data_dir() / ref_res["path"])
            unreadable: list[str] = []
            read = _read_rows(snap, ref_res, unreadable.append)
            if read is None or ref_field not in read[0]:
                why = unreadable[0] if unreadable else f"it has no column {ref_field!r}"
                problem(f"{where}, column {local!r}: the ids cannot be checked against "
                        f"{ref_where} ({why}); expected a readable {target} table")
                continue
            col = read[0].index(ref_field)
            known = {cells[col] for _, cells in read[1] if len(cells) > col}
        for i, value in enumerate(raw[local]):
            if na[local][i] or value in known:
                continue
            problem(f"{where_row[i]}, column {local!r}: unknown id ({value!r} is not a "
                    f"{target} id), expected one of the ids in column {ref_field!r} of "
                    f"{ref_where}, got {value!r}")

def _range_pairs(columns: list[str]) -> list[tuple[str, str, str | None]]:
    """Ordered column pairs ``(low, high, central or None)`` of a table."""
    pairs: list[tuple[str, str, str | None]] = []
    if {"low", "high"} <= set(columns):
        pairs.append(("low", "high", "central" if "central" in columns else None))
    for c in columns:
        if c.endswith("_low") and c[:-4] + "_high" in columns:
            pairs.append((c, c[:-4] + "_high", None))
    if {"start_year", "end_year"} <= set(columns):
        pairs.append(("start_year", "end_year", None))
    return pairs

def _check_ranges(columns: dict[str, list[object]], raw: dict[str, list[str]],
                  where_row: list[str], problem: Callable[[str], None]) -> None:
    for lo, hi, mid in _range_pairs(list(columns)):
        for i, (a, b) in enumerate(zip(columns[lo], columns[hi], strict=True)):
            if a is None or b is None:  # a missing end is reported elsewhere, if required
                continue
            if a > b:
                problem(f"{where_row[i]}, column {lo!r}: expected {lo} <= {hi} ({hi} is "
                        f"{raw[hi][i]}), got {raw[lo][i]!r}")
                continue
            if mid is None:
                continue
            c = columns[mid][i]
            if c is not None and not a <= c <= b:
                problem(f"{where_row[i]}, column {mid!r}: expected {lo} <= {mid} <= {hi} ({lo} "
                        f"is {raw[lo][i]}, {hi} is {raw[hi][i]}), got {raw[mid][i]!r}")
