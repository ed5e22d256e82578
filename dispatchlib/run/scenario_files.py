"""Scenario files: named sets of parameter values with a title, a description and sources.

A scenario file is YAML (read by :func:`dispatchlib.yaml12.load`: YAML 1.2 core rules, so
``010000`` is ten thousand and ``1:30`` is text; no anchors or aliases) with these keys:

``title`` (text), ``description`` (text), ``references`` (source ids of ``data/sources.csv``),
``notebooks`` (optional list of notebooks; default all), ``parameters`` (name: value).
A file holding only parameter names and values (``workers: 100000``), the flat mapping that
``papermill -f`` reads, is accepted too (:func:`is_flat`).

The project's own cases live in ``scenarios/`` and can be named without path or suffix::

    python -m dispatchlib run -f high            # scenarios/high.yaml
    python -m dispatchlib run -f my-case.yaml    # any file

Parameter values are checked later, against the notebooks that run (see
:func:`dispatchlib.run.runner.plan`); this module checks the file's shape and its references.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

from dispatchlib import paths
from dispatchlib.errors import DataError, DispatchlibError

KEYS = ("title", "description", "references", "notebooks", "parameters")


@dataclass(frozen=True)
class Case:
    """One scenario file, checked.

    Attributes
    ----------
    name : str
        The file's stem (``high`` for ``scenarios/high.yaml``).
    title, description : str
        Shown in the run's ``index.html``.
    references : tuple of str
        Source ids of ``data/sources.csv`` backing the values.
    notebooks : tuple of str
        Notebooks the case is meant for (empty: all).
    parameters : dict
        Parameter values by name (checked when the run is planned).
    path : Path
        The file.
    flat : bool
        A flat parameter file (:func:`is_flat`): its names are checked like ``-p`` names.
    """

    name: str
    title: str
    description: str
    references: tuple[str, ...]
    notebooks: tuple[str, ...]
    parameters: dict = field(default_factory=dict)
    path: Path = Path()
    flat: bool = False

    def summary(self) -> dict:
        """Title, description, references and file, as stored in ``run.json``."""
        return {"name": self.name, "title": self.title, "description": self.description,
                "references": list(self.references), "file": shown(self.path)}


def shown(path: Path) -> str:
    """A path relative to the repository when inside it (no absolute paths in records)."""
    resolved = Path(path).resolve()
    if resolved.is_relative_to(paths.ROOT):
        return resolved.relative_to(paths.ROOT).as_posix()
    return resolved.name


def available() -> list[str]:
    """Names of the scenario files in ``scenarios/``."""
    return sorted(p.stem for p in paths.scenarios_dir().glob("*.yaml"))


def find(ref: str | Path) -> Path:
    """The file meant by ``ref``: a path, or the name of a file in ``scenarios/``."""
    path = Path(ref)
    if path.is_file():
        return path
    named = paths.scenarios_dir() / f"{ref}.yaml"
    if "/" not in str(ref) and "\\" not in str(ref) and named.is_file():
        return named
    raise DispatchlibError(f"scenario file {str(ref)!r} not found; the named scenarios are: "
                           f"{', '.join(available()) or '(none)'}")


def read_yaml(path: Path, what: str) -> dict:
    """A YAML mapping from ``path`` (:func:`dispatchlib.yaml12.load`: YAML 1.2 core rules, no
    anchors or aliases, bounded nesting) whose keys are all in :data:`KEYS` (scenario and grid
    files share them); errors name the file."""
    data = _read_mapping(path, what)
    check_keys(data, path, what)
    return data


def check_keys(data: Mapping, path: Path, what: str) -> None:
    """Refuse a key outside :data:`KEYS`, saying to put it under ``parameters:`` when it is a
    parameter's name.

    Raises
    ------
    DispatchlibError
        Naming the file and the key.
    """
    from dispatchlib.params import SPECS

    for key in data:
        if key in KEYS:
            continue
        if key in SPECS:
            raise DispatchlibError(
                f"{what} {path}: {key!r} is a parameter, not a key of a {what}: put it under "
                f"'parameters:' (indented below it), or give a file of parameter values only")
        raise DispatchlibError(f"{what} {path}: unknown key {key!r}; the keys are: "
                               f"{', '.join(KEYS)}")


def is_flat(data: Mapping) -> bool:
    """Whether ``data`` is a flat mapping of parameter names to values, as ``papermill -f``
    reads (no key of a scenario file, nor a near miss of one such as ``paramaters``).

    >>> is_flat({"workers": 100000, "quota_months": 6})
    True
    >>> is_flat({"title": "t", "workers": 1}), is_flat({"paramaters": {"workers": 1}}), is_flat({})
    (False, False, False)
    """
    import difflib

    return bool(data) and not any(
        key in KEYS or difflib.get_close_matches(str(key), KEYS, n=1, cutoff=0.8)
        for key in data)


def _read_mapping(path: Path, what: str) -> dict:
    """A YAML mapping from ``path``, any keys; errors name the file."""
    from dispatchlib.yaml12 import YamlError, load

    try:
        data = load(Path(path).read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError) as exc:
        raise DispatchlibError(f"{what} {path}: cannot read it ({exc})") from None
    except YamlError as exc:
        raise DispatchlibError(f"{what} {path}: {exc}") from None
    if not isinstance(data, dict):
        raise DispatchlibError(f"{what} {path}: expected a mapping of keys "
                               f"({', '.join(KEYS)}), got {type(data).__name__}")
    return data


def _text(data: Mapping, key: str, path: Path, what: str) -> str:
    value = data.get(key, "")
    if value is None:
        return ""
    if not isinstance(value, str):
        raise DispatchlibError(f"{what} {path}: '{key}' must be text, got {value!r}")
    return value.strip()


def names(data: Mapping, key: str, path: Path, what: str) -> tuple[str, ...]:
    """The list under ``key`` as names; a whole number is a lesson number (``[02, 4]`` names
    lessons ``02`` and ``04``: YAML reads ``02`` as the number 2)."""
    value = data.get(key) or []
    if not isinstance(value, list) or not all(isinstance(v, str | int) and not isinstance(v, bool)
                                              for v in value):
        raise DispatchlibError(f"{what} {path}: '{key}' must be a list of names, got {value!r}")
    return tuple(v if isinstance(v, str) else f"{v:02d}" for v in value)


def check_references(ids: tuple[str, ...], path: Path, what: str) -> None:
    """Raise DataError naming the file and the id for a reference missing from sources.csv."""
    if not ids:
        return
    from dispatchlib.tables.data import load

    known = set(load("sources")["source_id"])
    for ref in ids:
        if ref not in known:
            raise DataError(f"{what} {path}: reference {ref!r} is not a source_id of "
                            "data/sources.csv")


def load(ref: str | Path) -> Case:
    """Read and check a scenario file (a path, or a name in ``scenarios/``).

    A file of parameter names and values only (``workers: 100000``, what ``papermill -f``
    reads; :func:`is_flat`) is a case of those values, without title or references; its
    names and values are checked like ``-p`` values when the run is planned.

    Raises
    ------
    DispatchlibError
        For a missing file, bad YAML, an unknown key (a parameter's name at the top level of
        a scenario file: it belongs under ``parameters:``) or a key of the wrong type.
    DataError
        For a reference that is not a source id.
    """
    path = find(ref)
    what = "scenario file"
    data = _read_mapping(path, what)
    if is_flat(data):  # parameter names and values only, as papermill -f reads
        if not all(isinstance(k, str) for k in data):
            raise DispatchlibError(f"{what} {path}: parameter names must be text, got "
                                   f"{[k for k in data if not isinstance(k, str)]!r}")
        return Case(name=path.stem, title=f"Parameter file {path.name}", description="",
                    references=(), notebooks=(), parameters=dict(data), path=path, flat=True)
    check_keys(data, path, what)
    parameters = data.get("parameters") or {}
    if not isinstance(parameters, dict) or not all(isinstance(k, str) for k in parameters):
        raise DispatchlibError(f"{what} {path}: 'parameters' must map names to values, "
                               f"got {parameters!r}")
    references = names(data, "references", path, what)
    check_references(references, path, what)
    return Case(name=path.stem, title=_text(data, "title", path, what),
                description=_text(data, "description", path, what), references=references,
                notebooks=names(data, "notebooks", path, what), parameters=dict(parameters),
                path=path)
