"""Scenario files: named sets of parameter values with a title, a description and sources.

A scenario file is YAML (read by :func:`dispatchlib.yaml12.load`: YAML 1.2 core rules, so
``010000`` is ten thousand and ``1:30`` is text; no anchors or aliases) with these keys:

``title`` (text), ``description`` (text), ``references`` (source ids of ``data/sources.csv``),
``notebooks`` (optional list of notebooks; default all), ``parameters`` (name: value).

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
    """

    name: str
    title: str
    description: str
    references: tuple[str, ...]
    notebooks: tuple[str, ...]
    parameters: dict = field(default_factory=dict)
    path: Path = Path()

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
    for key in data:
        if key not in KEYS:
            raise DispatchlibError(f"{what} {path}: unknown key {key!r}; the keys are: "
                                   f"{', '.join(KEYS)}")
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

    Raises
    ------
    DispatchlibError
        For a missing file, bad YAML, an unknown key or a key of the wrong type.
    DataError
        For a reference that is not a source id.
    """
    path = find(ref)
    what = "scenario file"
    data = read_yaml(path, what)
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
