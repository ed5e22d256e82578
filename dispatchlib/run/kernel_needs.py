"""What a notebook's kernel needs, read from the notebook's code without running it.

The fork server (:mod:`dispatchlib.run.fork_server`) imports the stack once; what only some
notebooks use (:data:`ON_DEMAND`: seaborn, statsmodels' linear models) it imports just before
the first kernel whose notebook needs it (:func:`file_needs`), and where every notebook is
light (:func:`only_light_notebooks`) it imports hardly anything. The runner reads the same
answers to start first a notebook that makes the server import nothing
(:func:`dispatchlib.run.runner.execute_plans`). Nothing here imports the stack: a miss only
costs a kernel the import a cold kernel makes.
"""

from __future__ import annotations

import contextlib
import functools
import json
import os
import sys
from pathlib import Path
from typing import Any

#: what only some notebooks use, each imported by the fork server just before it forks the first
#: kernel that needs it (:func:`dispatchlib.run.fork_server.serve`), never for one that does not: a
#: command running one notebook (a rerun), or a sweep of one, pays for what its kernels would import
#: themselves, as cold kernels would, and nothing more. seaborn (about 0.7 s of CPU with the
#: scipy.stats it loads) for the one figure drawn with it, 02_economics' Monte Carlo histogram; of
#: statsmodels, the linear models that 01 and 03 fit (about 0.8 s with the part of SciPy they load;
#: its formula interface, which they also import, is left to them).
ON_DEMAND = {"seaborn": ("seaborn",), "statsmodels": ("statsmodels.regression.linear_model",)}
#: what a light notebook may use of dispatchlib (``dl.check``, ``dl.record``)
LIGHT_API = ("check", "record")
#: dispatchlib's modules a notebook never imports (the runner, the command line)
NOT_IN_NOTEBOOKS = ("dispatchlib.run", "dispatchlib.cli", "dispatchlib.__main__")


def only_light_notebooks() -> bool:
    """Whether every notebook a fork server may be asked for (``NN_*.ipynb`` in the notebooks
    folder and its language folders) is light: its code imports only the standard library and
    ``dispatchlib``, uses no more of dispatchlib than :data:`LIGHT_API`, and has no magic (the
    tiny notebooks of the runner's tests). Then importing the stack would cost more than the
    kernels save; the kernels are the same either way (what is not imported before the fork,
    a kernel imports itself, as a cold one does). ``False`` when none is found or one cannot be
    read."""
    import ast
    import re

    from dispatchlib import paths

    folder = paths.notebooks_dir()
    found = [p for p in [*folder.glob("*.ipynb"), *folder.glob("*/*.ipynb")]
             if re.fullmatch(r"\d\d_[a-z0-9-]+\.ipynb", p.name)]
    try:
        for path in found:
            for source in cell_sources(path, "code"):
                if not _light_code(ast.parse(source)):
                    return False
    except Exception:  # noqa: BLE001 - unreadable, or a magic (not Python): the whole stack
        return False
    return bool(found)


def file_needs(path: str | Path) -> frozenset[str]:
    """The keys of :data:`ON_DEMAND` that the notebook at ``path`` needs
    (:func:`notebook_needs`), read once per version of the file; all of them when it cannot be
    read. The runner asks too, to start a notebook that needs none of them first."""
    try:
        stat = os.stat(path)
        return _needs_of(str(path), stat.st_mtime_ns, stat.st_size)
    except Exception:  # noqa: BLE001 - unreadable: import as if it needed them all
        return frozenset(ON_DEMAND)


@functools.lru_cache(maxsize=64)
def _needs_of(path: str, _mtime_ns: int, _size: int) -> frozenset[str]:
    """:func:`notebook_needs` of the notebook at ``path``, read once per version of the file
    (a sweep asks for one notebook often)."""
    return frozenset(notebook_needs(cell_sources(path, "code")))


def notebook_needs(code: list[str]) -> set[str]:
    """The keys of :data:`ON_DEMAND` that notebook ``code`` (its code cells) needs: those it
    names itself (``import seaborn``), and those a function of dispatchlib it calls imports
    (:func:`_importers`: ``dl.plots.economics.distribution(...)`` draws with seaborn). Found by
    reading, not running: a miss only costs the kernel the import a cold kernel makes."""
    import re

    text = "\n".join(code)
    return {key for key, names in _importers().items()
            if re.search(rf"\b{key}\b", text)
            or (names and re.search(rf"\b(?:{'|'.join(map(re.escape, names))})\s*\(", text))}


@functools.cache
def _importers() -> dict[str, frozenset[str]]:
    """For each key of :data:`ON_DEMAND`, the names of dispatchlib's functions that import it
    when called: those whose body imports it, and those that call one of them, and so on. Read
    from the source of the modules a notebook may import (:func:`notebook_modules`): their
    functions and methods, parsed only in the files that mention such a name. Computed once
    per process."""
    import ast

    texts = {}
    for name, path in notebook_modules().items():
        with contextlib.suppress(Exception):
            texts[name] = path.read_text(encoding="utf-8")

    summaries: dict[str, list] = {}  # module: (name, modules it imports, names it calls)

    def functions(module: str) -> list[tuple[str, set[str], set[str]]]:
        if module not in summaries:
            summaries[module] = []
            tree = ast.parse(texts[module])
            for node in [*tree.body, *(n for c in tree.body if isinstance(c, ast.ClassDef)
                                       for n in c.body)]:  # functions and methods
                if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
                    imported, called = set(), set()
                    for inner in ast.walk(node):
                        if isinstance(inner, ast.Import):
                            imported |= {a.name.split(".")[0] for a in inner.names}
                        elif isinstance(inner, ast.ImportFrom) and not inner.level:
                            imported.add((inner.module or "").split(".")[0])
                        elif isinstance(inner, ast.Call):
                            called.add(getattr(inner.func, "attr", None)
                                       or getattr(inner.func, "id", ""))
                    summaries[module].append((node.name, imported, called))
        return summaries[module]

    importers = {}
    for key in ON_DEMAND:
        names = {name for module, text in texts.items()
                 if f"import {key}" in text or f"from {key}" in text
                 for name, imported, _ in functions(module) if key in imported}
        while names:  # the callers of those, until none is new
            more = {name for module, text in texts.items()
                    if any(f"{called}(" in text for called in names)
                    for name, _, calls in functions(module) if calls & names}
            if more <= names:
                break
            names |= more
        importers[key] = frozenset(names)
    return importers


def cell_sources(path: Path | str, cell_type: str) -> list[str]:
    """The source of every cell of ``cell_type`` (``"code"``, ``"markdown"``) of the notebook
    at ``path``, read as JSON (no nbformat: the fork server and the runner read notebooks
    before a kernel starts). Raises what reading or parsing raises."""
    cells = json.loads(Path(path).read_text(encoding="utf-8"))["cells"]
    return ["".join(c.get("source", "")) if isinstance(c.get("source"), list)
            else c.get("source", "") for c in cells if c.get("cell_type") == cell_type]


def _light_code(tree: Any) -> bool:
    """Whether parsed code is light (:func:`only_light_notebooks`)."""
    import ast

    aliases = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            for alias in node.names:
                if alias.name == "dispatchlib":
                    aliases.add(alias.asname or alias.name)
                elif alias.name.split(".")[0] not in sys.stdlib_module_names:
                    return False
        elif isinstance(node, ast.ImportFrom):
            if node.level or (node.module or "").split(".")[0] not in sys.stdlib_module_names:
                return False
    used = {id(a.value) for a in ast.walk(tree)
            if isinstance(a, ast.Attribute) and a.attr in LIGHT_API}
    return all(id(n) in used for n in ast.walk(tree)
               if isinstance(n, ast.Name) and n.id in aliases)


def notebook_modules() -> dict[str, Path]:
    """Every module of dispatchlib but those of :data:`NOT_IN_NOTEBOOKS`, with its file, found
    in the package's folder (nothing is imported: the runner reads them too, through
    :func:`file_needs`)."""
    import dispatchlib

    root = Path(dispatchlib.__file__).parent
    modules = {}
    for path in sorted(root.rglob("*.py")):
        parts = path.relative_to(root.parent).with_suffix("").parts
        name = ".".join(parts[:-1] if parts[-1] == "__init__" else parts)
        if name != "dispatchlib" and not name.startswith(NOT_IN_NOTEBOOKS):
            modules[name] = path
    return modules
