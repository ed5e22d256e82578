"""Execute the lesson notebooks with papermill, record their results and render HTML.

``python -m dispatchlib run`` writes everything into ``reports/<run>/``; ``python -m dispatchlib
refresh`` re-executes the committed notebooks in place at their default parameters and strips
the run-specific metadata (timestamps, papermill's record of paths), so that committed outputs
hold no absolute paths, user names or times.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import tempfile
from collections.abc import Sequence
from pathlib import Path

from . import paths, results

NOTEBOOK_NAME = re.compile(r"^\d\d_[a-z0-9-]+\.ipynb$")
KERNEL = "python3"
TIMEOUT_S = 600


def notebooks(names: Sequence[str] | None = None) -> list[Path]:
    """The lesson notebooks in teaching order, or those named (stem, file name or path)."""
    found = sorted(p for p in paths.notebooks_dir().glob("*.ipynb") if NOTEBOOK_NAME.match(p.name))
    if not names:
        return found
    by_key = {}
    for p in found:
        by_key.update({p.name: p, p.stem: p, p.stem[:2]: p})
    chosen = []
    for name in names:
        key = Path(name).name
        if key not in by_key:
            raise ValueError(f"no notebook {name!r}; the notebooks are: "
                             f"{', '.join(p.stem for p in found)}")
        chosen.append(by_key[key])
    return chosen


def execute(source: Path, target: Path, parameters: dict | None = None) -> Path:
    """Run one notebook with papermill into ``target`` and write its results next to it.

    The kernel sees ``DISPATCHLIB_HEADLESS=1``, so slider explorers step aside.
    """
    import papermill

    target.parent.mkdir(parents=True, exist_ok=True)
    os.environ["DISPATCHLIB_HEADLESS"] = "1"
    papermill.execute_notebook(str(source), str(target), parameters=parameters or {},
                               kernel_name=KERNEL, progress_bar=False,
                               execution_timeout=TIMEOUT_S)
    results.write(target)
    return target


def render_html(notebook_path: Path) -> Path:
    """Render an executed notebook to a standalone HTML page next to it."""
    from nbconvert import HTMLExporter

    body, _ = HTMLExporter(template_name="lab").from_filename(str(notebook_path))
    out = notebook_path.with_suffix(".html")
    out.write_text(body, encoding="utf-8")
    return out


def run(names: Sequence[str] | None = None, name: str = "default",
        parameters: dict | None = None) -> Path:
    """Execute notebooks into ``reports/<name>/`` and render each to HTML; return the folder."""
    out_dir = paths.reports_dir() / name
    for source in notebooks(names):
        target = execute(source, out_dir / source.name, parameters)
        render_html(target)
        print(f"ran {source.name} -> {target.with_suffix('.html')}")
    return out_dir


def clean(nb: dict) -> dict:
    """Drop the run-specific metadata papermill and nbclient add (times, paths, widget state)."""
    nb.get("metadata", {}).pop("papermill", None)
    nb.get("metadata", {}).pop("widgets", None)
    for cell in nb.get("cells", []):
        cell.get("metadata", {}).pop("papermill", None)
        cell.get("metadata", {}).pop("execution", None)
        if cell.get("metadata", {}).get("tags") == []:
            del cell["metadata"]["tags"]
    return nb


def refresh(names: Sequence[str] | None = None) -> list[Path]:
    """Re-execute committed notebooks in place at default parameters, then clean them."""
    done = []
    for source in notebooks(names):
        with tempfile.TemporaryDirectory() as tmp:
            target = Path(tmp) / source.name
            execute(source, target)
            nb = clean(json.loads(target.read_text(encoding="utf-8")))
        text = json.dumps(nb, indent=1, ensure_ascii=False) + "\n"
        tmp_file = source.with_suffix(".ipynb.tmp")
        tmp_file.write_text(text, encoding="utf-8")
        shutil.move(tmp_file, source)
        print(f"refreshed {source.relative_to(paths.ROOT)}")
        done.append(source)
    return done
