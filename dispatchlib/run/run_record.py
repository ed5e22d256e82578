"""``run.json``, the record of one run: its type, its one writer and its one reader.

:class:`RunRecord` types it; ``dispatchlib/run/run_record.schema.json`` is the same shape as a
JSON Schema (the tests validate every ``run.json`` the suite writes against it). Not to be
confused with :func:`dispatchlib.record`, which stores a notebook's headline *results* (they
sit in ``RunRecord["notebooks"][stem]["results"]``).
"""

from __future__ import annotations

import functools
import hashlib
import json
import os
import platform
from collections.abc import Sequence
from pathlib import Path
from typing import Literal, NotRequired, TypedDict

from dispatchlib import paths
from dispatchlib.atomic import write_json
from dispatchlib.errors import DispatchlibError

FILE_NAME = "run.json"
SCHEMA = Path(__file__).with_name("run_record.schema.json")
"""The JSON Schema of ``run.json``."""
VALIDATE_ENV = "DISPATCHLIB_VALIDATE_RUN_RECORDS"
"""When this environment variable is ``1`` (the test suite sets it, for its own subprocesses
too), :func:`write` validates every record against :data:`SCHEMA` before writing it."""

Status = Literal["running", "ok", "failed"]


class Executor(TypedDict, total=False):
    """Where a notebook ran: ``kind`` ``local`` (this machine's worker processes) or ``dask``,
    with the ``scheduler``'s address and the ``worker`` that ran it."""

    kind: Literal["local", "dask"]
    scheduler: str
    worker: str


class NotebookEntry(TypedDict):
    """One notebook of a run: ``status``, ``seconds``, the ``results`` it stored (or None),
    the ``error`` (or None), the file names of its executed copy and page, the SHA-256
    of its source notebook, the ``executor`` that ran it, and the ``kernel`` it ran in:
    ``warm`` (forked from the fork server, :mod:`dispatchlib.run.warm`) or ``cold`` (a new
    process), ``None`` until it has run."""

    status: Status
    seconds: float
    results: dict | None
    error: str | None
    notebook: str
    page: str
    source_sha256: str
    executor: Executor
    kernel: Literal["warm", "cold"] | None


class RunRecord(TypedDict):
    """What ``run.json`` holds (see :func:`dispatchlib.run.runner.finish` and the schema file)."""

    name: str
    sweep: str | None
    status: Status
    scenario: dict | None
    overrides: dict[str, object]
    unused: list[str]
    parameters: dict[str, dict[str, object]]
    notebooks: dict[str, NotebookEntry]
    versions: dict[str, str]
    data_sha256: str
    seconds: float
    lang: NotRequired[Literal["en", "ko"]]
    """Language of the notebooks and pages; absent in records written before the Korean
    edition (English)."""


def path_of(folder: Path) -> Path:
    """The ``run.json`` of a run folder."""
    return Path(folder) / FILE_NAME


def write(folder: Path, record: RunRecord) -> Path:
    """Write ``record`` as ``folder/run.json`` (atomically); return the file's path."""
    target = path_of(folder)
    if os.environ.get(VALIDATE_ENV) == "1":
        validate(record)
    write_json(target, record)
    return target


def validate(record: object) -> None:
    """Raise ``jsonschema.ValidationError`` unless ``record`` matches :data:`SCHEMA`."""
    import jsonschema

    jsonschema.validate(json.loads(json.dumps(record)),
                        json.loads(SCHEMA.read_text(encoding="utf-8")))


def read(folder: Path) -> RunRecord:
    """The ``run.json`` record of a run folder.

    Raises
    ------
    DispatchlibError
        Naming the file, when it cannot be read or is not a run's record.
    """
    path = path_of(folder)
    try:
        record = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError) as exc:
        raise DispatchlibError(f"{path}: cannot be read ({exc.strerror or exc})") from None
    except ValueError as exc:
        raise DispatchlibError(f"{path}: not a run record: not JSON ({exc})") from None
    if not isinstance(record, dict) or not all(
            isinstance(record.get(k), dict) for k in ("parameters", "notebooks")):
        raise DispatchlibError(f"{path}: not a run record: expected a JSON object with "
                               "'parameters' and 'notebooks' objects")
    return record  # type: ignore[return-value]


def read_or_none(folder: Path) -> RunRecord | None:
    """The record of ``folder``, or ``None`` when it has none or an unreadable one."""
    try:
        return read(folder)
    except DispatchlibError:
        return None


# what a record states about the environment of a run

VERSIONED = ("pandas", "numpy", "matplotlib", "seaborn", "statsmodels", "papermill", "nbconvert")

def versions(names: Sequence[str] = VERSIONED) -> dict[str, str]:
    """Versions of Python, dispatchlib and the libraries ``names`` (default: the main libraries
    a run uses); a package that is not installed says so. (Looked up once per process: a
    sweep records them for every run.)"""
    return dict(_versions(tuple(names)))

@functools.cache
def _versions(names: tuple[str, ...]) -> dict[str, str]:
    from importlib import metadata

    from dispatchlib import __version__

    out = {"dispatchlib": __version__, "python": platform.python_version()}
    for name in names:
        try:
            out[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            out[name] = "not installed"
    return out

def data_hash(folder: Path | None = None) -> str:
    """SHA-256 over every file of the data folder (relative path and bytes, sorted by path)."""
    folder = folder or paths.data_dir()
    digest = hashlib.sha256()
    for path in sorted(p for p in folder.rglob("*") if p.is_file()):
        digest.update(path.relative_to(folder).as_posix().encode() + b"\0")
        digest.update(path.read_bytes() + b"\0")
    return digest.hexdigest()

def file_hash(path: Path) -> str:
    """SHA-256 of one file's bytes."""
    return hashlib.sha256(path.read_bytes()).hexdigest()
