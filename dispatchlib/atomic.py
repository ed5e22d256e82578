"""The package's one atomic write: every file a command writes (run records, results, HTML
pages, refreshed notebooks, student copies) goes through :func:`write_text`."""

from __future__ import annotations

import json
import os
import tempfile
from pathlib import Path


def write_json(target: Path, payload) -> None:
    """Write JSON (sorted keys, indented) atomically: see :func:`write_text`."""
    write_text(target, json.dumps(payload, indent=2, sort_keys=True) + "\n")


def write_text(target: Path, text: str) -> None:
    """Write text to ``target`` through a temporary file in the same folder and a rename.

    A reader sees the old file or the new one, never half of one; a run killed midway leaves
    the earlier file intact. The file gets the usual permissions (the umask applies), not the
    0600 of a bare ``mkstemp`` file.
    """
    target = Path(target)
    target.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=target.parent, prefix=f".{target.name}.", suffix=".tmp")
    umask = os.umask(0)
    os.umask(umask)
    try:
        os.chmod(tmp, 0o666 & ~umask)
        with os.fdopen(fd, "w", encoding="utf-8", newline="") as fh:
            fh.write(text)
        os.replace(tmp, target)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
