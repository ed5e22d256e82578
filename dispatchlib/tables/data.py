"""Load the tables of ``data/`` as typed DataFrames, checked against ``datapackage.json``.

The descriptor is a Frictionless Data Package (Table Schema for each CSV). This module reads it
with the standard library and checks every rule the loader relies on, so that a CSV edited by
hand fails with a message naming the file, the row, the column and the rule it breaks:

- the descriptor is valid JSON and declares, for each table, a name, a path inside ``data/``
  and a schema whose fields have a name and a known type;
- the file exists and is UTF-8; its header has exactly the declared columns, each once;
- every row has one cell per column; each value parses as its field type (integer, number,
  boolean, string) and meets the field's constraints (required, enum, minimum, maximum,
  pattern, unique);
- primary keys are unique and every foreign key (each ``source_id`` ...) resolves;
- ranges are ordered: ``low <= high`` and ``low <= central <= high`` where those columns exist,
  likewise ``<prefix>_low <= <prefix>_high`` and ``start_year <= end_year``.

Every problem reads ``<file>, row N (line M), column 'c': <rule>, got '<value>'`` (header
problems say ``header row (line 1)``). :func:`load` raises :class:`~dispatchlib.errors.DataError`
on a table with problems (the first one in the message, all of them in ``exc.problems``);
:func:`validate` lists the problems of every table.

Loaded tables are cached in memory under a hash of the bytes of the descriptor and of every
table (a table's checks read the tables its foreign keys point to), so an edited file is always
read again, whatever its size or time stamp. The loader only reads: it never writes to ``data/``.

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

import copy
import hashlib
import threading
from collections import OrderedDict
from collections.abc import Iterable
from typing import TYPE_CHECKING

from dispatchlib import paths
from dispatchlib.errors import DataError

if TYPE_CHECKING:  # pandas is imported when a DataFrame is built, so assumption() needs none
    import pandas as pd
from dispatchlib.tables.schema import (
    _error,
    _parse,
    _parse_descriptor,
    _resource,
    _show,
    _Snapshot,
    _Table,
)

_CACHE_SIZE = 32

def descriptor() -> dict:
    """The parsed ``datapackage.json`` (a copy: changing it changes nothing on disk or in the
    cache).

    Raises
    ------
    DataError
        If the file is missing, is not valid JSON, or lacks what the loader needs (a list of
        resources, each with a name, a path inside ``data/`` and a schema of typed fields).
    """
    return copy.deepcopy(_snapshot().desc)

def resources() -> list[str]:
    """Names of the tables in the data package, in descriptor order."""
    return [r["name"] for r in _snapshot().desc["resources"]]

def resource(name: str) -> dict:
    """The descriptor entry of one table, with its schema (a copy)."""
    return copy.deepcopy(_resource(_snapshot().desc, name))

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
        ``df.attrs["fields"]`` holds each field's title and description. The frame is a copy:
        changing it never changes what the next call returns.

    Raises
    ------
    DataError
        If the file breaks its schema. The message gives the first problem as
        ``<file>, row N (line M), column 'c': <rule>, got '<value>'`` and says how many more
        there are; ``exc.problems`` lists them all. Nothing is cached for a table that failed.
    """
    return _table(name).frame().copy(deep=True)

def validate() -> list[str]:
    """Check every table; return the list of problems found (empty when the data are valid).

    Every problem of every table is listed (up to 20 per table, then a line counting the rest),
    each in the form ``<file>, row N (line M), column 'c': <rule>, got '<value>'``.
    """
    try:
        snap = _snapshot()
    except DataError as exc:
        return list(exc.problems)
    problems: list[str] = []
    for name in [r["name"] for r in snap.desc["resources"]]:
        _parse(snap, name, problems)
    return problems

def assumption(name: str) -> tuple[float, float, float]:
    """``(low, central, high)`` of one model input in ``data/assumptions.csv``.

    Parameters
    ----------
    name : str
        The row's ``name``, e.g. ``"savings_usd"``; units are in the row's ``unit`` column.
    """
    columns = _table("assumptions").columns  # the checked cells: no DataFrame, no pandas
    names = columns["name"]
    if name not in names:
        raise DataError(f"no assumption {name!r} in data/assumptions.csv; the names are: "
                        f"{', '.join(map(str, names))}")
    i = names.index(name)
    return tuple(float(columns[c][i]) for c in ("low", "central", "high"))

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
# reading: one snapshot of the bytes of every file, hashed

_CACHE: OrderedDict[tuple, _Table] = OrderedDict()

_LOCK = threading.Lock()

_DESCRIPTORS: OrderedDict[str, dict] = OrderedDict()

def _table(name: str) -> _Table:
    """One checked table, from the cache while no file of the package has changed."""
    snap = _snapshot()
    key = (snap.folder, name, snap.digest)
    with _LOCK:
        table = _CACHE.get(key)
        if table is not None:
            _CACHE.move_to_end(key)
    if table is None:
        problems: list[str] = []
        table = _parse(snap, name, problems)
        if problems:
            raise _error(problems)
        with _LOCK:
            _CACHE[key] = table
            while len(_CACHE) > _CACHE_SIZE:
                _CACHE.popitem(last=False)
    return table

def _snapshot() -> _Snapshot:
    """Read the descriptor and every table once; everything a check needs comes from here."""
    folder = paths.data_dir()
    desc_path = folder / "datapackage.json"
    where = _show(desc_path)
    try:
        raw = desc_path.read_bytes()
    except FileNotFoundError:
        raise _error([f"{where}: file not found (the data package descriptor)"]) from None
    except OSError as exc:
        raise _error([f"{where}: cannot be read ({exc.strerror})"]) from None
    digest = hashlib.blake2b(raw, digest_size=16)
    key = digest.hexdigest()
    with _LOCK:
        desc = _DESCRIPTORS.get(key)
    if desc is None:
        desc = _parse_descriptor(raw, where, folder)
        with _LOCK:
            _DESCRIPTORS[key] = desc
            while len(_DESCRIPTORS) > 4:
                _DESCRIPTORS.popitem(last=False)
    files: dict[str, bytes | OSError] = {}
    for res in desc["resources"]:
        try:
            content: bytes | OSError = (folder / res["path"]).read_bytes()
        except OSError as exc:
            content = exc
        files[res["path"]] = content
        data = content if isinstance(content, bytes) else repr(content).encode()
        digest.update(res["path"].encode() + b"\0" + str(len(data)).encode() + b"\0" + data)
    return _Snapshot(str(folder.resolve()), desc, files, digest.hexdigest())
