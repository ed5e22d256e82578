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
