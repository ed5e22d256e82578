"""Headline results that a notebook records, so that runs can be compared later.

A notebook calls :func:`record` once, near its end. The results travel inside the executed
notebook as one output with the MIME type :data:`MIME_TYPE` (plus a readable table), and
:func:`extract` reads them back from any executed copy. :func:`write` stores them as
``<notebook>.results.json`` next to the executed notebook (the runner and ``make report`` do
this for every notebook they execute).

Values are rounded to 6 significant digits when recorded, so that the same parameters and seed
give byte-identical files.
"""

from __future__ import annotations

import json
import math
from pathlib import Path

from dispatchlib import atomic as _atomic
from dispatchlib.paths import refuse_protected

MIME_TYPE = "application/vnd.dispatchlib.results+json"


def _clean(value):
    if isinstance(value, dict):
        return {str(k): _clean(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_clean(v) for v in value]
    if hasattr(value, "item"):  # numpy scalar
        value = value.item()
    if isinstance(value, bool) or value is None or isinstance(value, str):
        return value
    if isinstance(value, int):
        return value
    if isinstance(value, float):
        if not math.isfinite(value):
            return None
        return float(f"{value:.6g}")
    raise TypeError(f"cannot record a value of type {type(value).__name__}: {value!r}")


def record(notebook: str, **results) -> None:
    """Record a notebook's headline results in its output.

    Parameters
    ----------
    notebook : str
        The notebook's stem, e.g. ``"02_economics"``.
    **results
        Named numbers (or short strings/lists); units belong in the names
        (``state_revenue_usd``, ``workers``...).

    Nothing is returned (so the cell shows only the table); :func:`extract` reads the payload
    ``{"notebook": ..., "results": {...}}`` back from the executed notebook.
    """
    payload = {"notebook": notebook, "results": _clean(results)}
    width = max((len(k) for k in payload["results"]), default=0)
    text = "\n".join(f"{k:<{width}}  {v}" for k, v in payload["results"].items())
    try:
        from IPython.display import display

        display({MIME_TYPE: payload, "text/plain": text}, raw=True)
    except ImportError:  # pragma: no cover - outside Jupyter
        print(text)


def extract(notebook_path: str | Path) -> dict | None:
    """The results recorded in an executed notebook, or ``None`` if it recorded none."""
    nb = json.loads(Path(notebook_path).read_text(encoding="utf-8"))
    for cell in nb.get("cells", []):
        for output in cell.get("outputs", []):
            data = output.get("data", {})
            if MIME_TYPE in data:
                return data[MIME_TYPE]
    return None


def write(notebook_path: str | Path) -> Path | None:
    """Write ``<notebook>.results.json`` next to an executed notebook; return its path.

    The file is written atomically (temporary file, then rename), so a reader never sees a
    half-written file. Never beside a lesson in ``notebooks/`` (or in ``data/``): that raises
    :class:`~dispatchlib.errors.DispatchlibError`.
    """

    payload = extract(notebook_path)
    if payload is None:
        return None
    target = Path(notebook_path).with_suffix(".results.json")
    refuse_protected(target)
    _atomic.write_json(target, payload)
    return target


