"""Where the project's folders are. Every path used by the package is defined here, once.

The package is installed in editable mode from its repository, so the data, notebooks and
reports folders sit next to the package folder. ``DISPATCHLIB_DATA_DIR`` overrides the data
folder (used by tests that work on a broken copy of the data), ``DISPATCHLIB_NOTEBOOKS_DIR`` the
notebooks folder (used by tests that run small synthetic notebooks) and
``DISPATCHLIB_REPORTS_DIR`` the folder runs write into.
"""

from __future__ import annotations

import os
from pathlib import Path

from dispatchlib.errors import DispatchlibError

ROOT = Path(__file__).resolve().parent.parent


def data_dir() -> Path:
    """Folder holding ``datapackage.json`` and the CSV files."""
    return Path(os.environ.get("DISPATCHLIB_DATA_DIR", ROOT / "data"))


def notebooks_dir() -> Path:
    """Folder holding the lesson notebooks ``NN_topic.ipynb``."""
    return Path(os.environ.get("DISPATCHLIB_NOTEBOOKS_DIR", ROOT / "notebooks"))


def scenarios_dir() -> Path:
    """Folder holding the named scenario files ``<name>.yaml`` (``run -f NAME``)."""
    return ROOT / "scenarios"


def reports_dir() -> Path:
    """Folder where runs write executed notebooks, HTML and results (git-ignored)."""
    return Path(os.environ.get("DISPATCHLIB_REPORTS_DIR", ROOT / "reports"))


def protected() -> list[Path]:
    """Folders no command ever writes into: the lessons (``notebooks/``) and ``data/`` (those
    of the repository and those the environment points at), resolved."""
    found = {notebooks_dir(), data_dir(), ROOT / "notebooks",
             ROOT / "data"}
    return sorted({p.resolve() for p in found})


def refuse_protected(target: Path | str) -> Path:
    """``target`` resolved, unless it lies in ``notebooks/`` or ``data/`` (:func:`protected`).

    Raises
    ------
    DispatchlibError
        Naming the file and the folder it would change.
    """
    resolved = Path(target).expanduser().resolve()
    for folder in protected():
        if resolved == folder or folder in resolved.parents:
            raise DispatchlibError(f"refusing to write {resolved}: it is inside {folder}, which "
                                   "nothing but `refresh` ever changes")
    return resolved
