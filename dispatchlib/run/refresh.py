"""``python -m dispatchlib refresh``: the notebooks' ``parameters`` cells written from the
registry, then each notebook re-executed in place at its defaults and stripped of run-specific
metadata (nbconvert's preprocessors, :func:`clean`).
"""

from __future__ import annotations

import contextlib
import json
import os
import tempfile
from collections.abc import Sequence
from pathlib import Path

from dispatchlib import paths
from dispatchlib.run.discovery import UnknownNotebook, notebooks, notebooks_folder
from dispatchlib.run.engine import execute
from dispatchlib.run.warm import COLD_ENV, last_launch, say_cold, start


def clean(nb: dict) -> dict:
    """Drop the run-specific metadata papermill and nbclient add (times, paths, widget state)
    with nbconvert's ``ClearMetadataPreprocessor`` (:func:`dispatchlib.nbclean.clean`)."""
    from dispatchlib.nbclean import clean as drop

    return drop(nb, drop_notebook_metadata=("papermill", "widgets"),
                drop_cell_metadata=("papermill", "execution"))


def sources_of(names: Sequence[str] | None = None, lang: str | None = None) -> list[Path]:
    """The notebooks ``refresh`` rewrites: those of ``lang`` (``en``: ``notebooks/``, ``ko``:
    ``notebooks/ko/``), or with no language the English ones and then the Korean ones that
    exist (a name with no Korean notebook yet is refreshed in English only)."""
    if lang is not None:
        return notebooks(names, lang)
    found = notebooks(names)
    if notebooks_folder("ko").is_dir():
        for name in names or [None]:
            try:
                found += [p for p in notebooks([name] if name else None, "ko") if p not in found]
            except UnknownNotebook:
                continue
    return found


def refresh(names: Sequence[str] | None = None, lang: str | None = None) -> list[Path]:
    """Write the notebooks' ``parameters`` cells from the registry
    (:func:`dispatchlib.param_cells.write_cells`), then re-execute them in place at those
    defaults and clean them. The kernels are warm, forked from one fork server, unless
    ``--cold`` (:data:`~dispatchlib.run.warm.COLD_ENV`): the outputs are the same either way.

    Parameters
    ----------
    names : sequence of str, optional
        Notebooks by stem, number or file name; default all.
    lang : {"en", "ko"}, optional
        Only the notebooks of this language; default the English ones and the Korean ones
        in ``notebooks/ko/`` (:func:`sources_of`).
    """
    from dispatchlib.atomic import write_text
    from dispatchlib.param_cells import write_cells

    done = []
    sources = sources_of(names, lang)
    write_cells(sources)
    told = os.environ.get(COLD_ENV) == "1"
    with contextlib.ExitStack() as stack:
        why = None if told else stack.enter_context(start())
        for source in sources:
            if why and not told:
                told = say_cold(why)
            with tempfile.TemporaryDirectory() as tmp:
                target = Path(tmp) / source.name
                execute(source, target)
                nb = clean(json.loads(target.read_text(encoding="utf-8")))
            why = why or last_launch()[1]
            write_text(source, json.dumps(nb, indent=1, ensure_ascii=False) + "\n")
            shown = source.relative_to(paths.ROOT) if source.is_relative_to(paths.ROOT) \
                else source
            print(f"refreshed {shown}")
            done.append(source)
    return done
