"""Building the lessons of another language (``notebooks/<lang>/NN_*.ipynb``) from the English
notebooks and their catalogues (:mod:`dispatchlib.i18n.catalog`).

Each cell of the English notebook becomes the same cell (same id, type and metadata, nbgrader's
included) with its texts in the target language:

- a markdown cell is rebuilt from its translated paragraphs, joined with blank lines;
- a code cell holding prose is replaced by its translation (the same code, the comments and the
  texts shown to a reader translated: ``tests/test_i18n.py`` checks that nothing else differs);
- the ``parameters`` cell is written from the registry, as in the English notebook
  (:func:`dispatchlib.param_cells.cell_source`), with the same names and values and its
  comments in the target language (``refresh`` writes it the same way);
- every other cell is copied.

Commands and paths that a reader is told to use are then pointed at the same edition
(:func:`localized`): ``python -m dispatchlib run`` and ``student`` get ``--lang <lang>`` (unless
a ``--lang`` follows already) and ``notebooks/NN_topic.ipynb`` becomes
``notebooks/<lang>/NN_topic.ipynb`` (``papermill notebooks/00_start-here.ipynb`` too), in the
markdown and, in a code cell, only in its comments and in the strings it shows (a
``Markdown(...)``, ``print(...)`` or ``display(...)`` argument), so the code does the same thing.
The catalogues keep the English commands (a test checks each translation keeps every code span
of its English text); this step is the build's.

The first code cell that imports ``dispatchlib as dl`` gets ``dl.use_language("<lang>")`` on the
line after that import, so the library's figure labels, tables and messages come in the same
language. The notebook's metadata records ``{"dispatchlib": {"lang": ..., "source": ...}}``.

Outputs: a cell whose source is the same as in the notebook already built keeps that notebook's
outputs; any other code cell has none until ``python -m dispatchlib refresh`` (``make execute``)
executes the notebook.

An untranslated or out-of-date (fuzzy) entry stops the build with a message naming the notebook,
the cell and the start of its English text; ``allow_stale=True`` puts the English text in its
place instead (drafts only: such a notebook is half English).
"""

from __future__ import annotations

import ast
import copy
import io
import json
import re
import tokenize
from collections.abc import Sequence
from pathlib import Path

from dispatchlib.errors import DispatchlibError
from dispatchlib.i18n.catalog import Problem, entries, paragraphs, po_path, problems, read

IMPORT = "import dispatchlib as dl"


class StaleTranslation(DispatchlibError):
    """Entries of a catalogue that are untranslated or out of date: the message lists each one
    (notebook, cell number, cell id, what is wrong and the start of the English text).

    Attributes
    ----------
    problems : list of Problem
    """

    def __init__(self, notebook: Path, found: Sequence[Problem], lang: str):
        self.problems = list(found)
        lines = "\n".join(f"  {p}" for p in self.problems)
        super().__init__(
            f"{notebook.name}: {len(self.problems)} entr{'y' if len(found) == 1 else 'ies'} of "
            f"locales/{lang}/LC_MESSAGES/{notebook.stem}.po not translated or out of date "
            f"(fill their msgstr; --allow-stale builds a draft with the English in their "
            f"place):\n{lines}")


def target(notebook: Path, lang: str) -> Path:
    """Where the ``lang`` edition of an English notebook is written: ``notebooks/<lang>/``."""
    return notebook.parent / lang / notebook.name


def _lines(text: str) -> list[str]:
    return text.splitlines(keepends=True)


def _text(source) -> str:
    return "".join(source) if isinstance(source, list) else source


def with_language(code: str, lang: str) -> str:
    """``code`` with ``dl.use_language(lang)`` on the line after ``import dispatchlib as dl``
    (same indentation); unchanged when the cell has no such line."""
    lines = code.split("\n")
    for i, line in enumerate(lines):
        if line.strip() == IMPORT:
            indent = line[: len(line) - len(line.lstrip())]
            lines.insert(i + 1, f'{indent}dl.use_language("{lang}")')
            return "\n".join(lines)
    return code


_COMMAND = re.compile(r"(python -m dispatchlib (?:run|student))\b(?!\s+--lang\b)")
_LESSON = re.compile(r"(?<![\w./-])notebooks/(\d\d_[\w-]+\.ipynb)")
_SHOWN = {"Markdown", "print", "display"}


def localized(text: str, lang: str) -> str:
    """A text with the commands and lesson paths it tells a reader to use pointed at the
    ``lang`` edition: ``python -m dispatchlib run``/``student`` followed by ``--lang <lang>``
    (unless ``--lang`` already follows) and ``notebooks/NN_topic.ipynb`` written
    ``notebooks/<lang>/NN_topic.ipynb``; English (``en``) texts are returned as they are.

    Examples
    --------
    >>> localized("`python -m dispatchlib run 01 -p seed 7`", "ko")
    '`python -m dispatchlib run --lang ko 01 -p seed 7`'
    >>> localized("`papermill notebooks/00_start-here.ipynb out.ipynb`", "ko")
    '`papermill notebooks/ko/00_start-here.ipynb out.ipynb`'
    >>> localized("`python -m dispatchlib student --lang ko`", "ko")
    '`python -m dispatchlib student --lang ko`'
    """
    if lang == "en":
        return text
    text = _COMMAND.sub(rf"\1 --lang {lang}", text)
    return _LESSON.sub(rf"notebooks/{lang}/\1", text)


def localized_code(code: str, lang: str) -> str:
    """:func:`localized` applied to what a code cell shows a reader and nothing else: its
    comments and the string literals given to ``Markdown``, ``print`` or ``display`` (a
    string the code uses otherwise, a path it opens, is left alone, so the cell does the
    same thing). A cell that does not parse is returned unchanged."""
    if lang == "en":
        return code
    lines = code.split("\n")
    offsets = [0]
    for line in lines:
        offsets.append(offsets[-1] + len(line) + 1)
    spans = []  # (start, end) character offsets of the texts to localise

    def at(line: int, byte: int) -> int:  # ast counts columns in UTF-8 bytes
        return offsets[line - 1] + len(lines[line - 1].encode()[:byte].decode())

    try:
        python = "\n".join("" if line.lstrip().startswith(("%", "!")) else line
                           for line in lines)
        spans += [(offsets[t.start[0] - 1] + t.start[1], offsets[t.end[0] - 1] + t.end[1])
                  for t in tokenize.generate_tokens(io.StringIO(python).readline)
                  if t.type == tokenize.COMMENT]
        for node in ast.walk(ast.parse(python)):
            if isinstance(node, ast.Call) and getattr(node.func, "id", None) in _SHOWN:
                spans += [(at(a.lineno, a.col_offset), at(a.end_lineno, a.end_col_offset))
                          for a in node.args if isinstance(a, ast.Constant)
                          and isinstance(a.value, str)]
    except (SyntaxError, tokenize.TokenError):
        return code
    for start, end in sorted(spans, reverse=True):
        code = code[:start] + localized(code[start:end], lang) + code[end:]
    return code


def translations(notebook: Path, lang: str, locales: Path | None = None,
                 allow_stale: bool = False) -> dict[str, str]:
    """``{context: translated text}`` for every entry of an English notebook.

    Raises
    ------
    StaleTranslation
        When an entry is missing, untranslated or fuzzy, unless ``allow_stale`` (the English
        text is then used for it).
    """
    stale = [p for p in problems(notebook, lang, locales) if p.kind != "obsolete"]
    if stale and not allow_stale:
        raise StaleTranslation(notebook, stale, lang)
    catalog = read(po_path(notebook.stem, lang, locales), lang)
    done = {m.context: m.string for m in catalog
            if m.context and m.id and m.string and not m.fuzzy}
    by_text = {m.context: m.id for m in catalog if m.context and m.id}
    return {e.context: done[e.context] if e.context in done and by_text[e.context] == e.text
            else e.text for e in entries(notebook)}


def build(notebook: Path, lang: str = "ko", locales: Path | None = None,
          allow_stale: bool = False, previous: dict | None = None) -> dict:
    """The ``lang`` edition of an English notebook, as a notebook dict (nbformat 4 JSON).

    Parameters
    ----------
    notebook : Path
        The English notebook (``notebooks/NN_topic.ipynb``).
    lang : str
        Target language; its catalogue is ``locales/<lang>/LC_MESSAGES/<stem>.po``.
    locales : Path, optional
        The ``locales/`` folder (default :func:`dispatchlib.i18n.catalog.locales_dir`).
    allow_stale : bool
        Use the English text where an entry is untranslated or fuzzy instead of refusing.
    previous : dict, optional
        The edition built before (its outputs are kept for cells whose source is unchanged).

    Raises
    ------
    StaleTranslation
        An untranslated or fuzzy entry, unless ``allow_stale``.
    """
    from dispatchlib.param_cells import cell_source

    english = json.loads(notebook.read_text(encoding="utf-8"))
    texts = translations(notebook, lang, locales, allow_stale)
    old = {c.get("id"): c for c in (previous or {}).get("cells", [])}
    nb = copy.deepcopy(english)
    imported = False
    for cell in nb["cells"]:
        source = _text(cell["source"])
        key = f"{notebook.stem}:{cell.get('id')}"
        if "parameters" in cell.get("metadata", {}).get("tags", []):
            source = cell_source(notebook.stem, lang)  # comments from dispatchlib.po
        elif cell["cell_type"] == "markdown":
            source = localized("\n\n".join(texts.get(f"{key}:p{k}", para)
                                            for k, para in enumerate(paragraphs(source))), lang)
        elif cell["cell_type"] == "code":
            source = localized_code(texts.get(f"{key}:code", source), lang)
        if cell["cell_type"] == "code" and not imported and any(
                line.strip() == IMPORT for line in source.split("\n")):
            source, imported = with_language(source, lang), True
        cell["source"] = _lines(source)
        if cell["cell_type"] == "code":
            before = old.get(cell.get("id"))
            same = (before is not None and before.get("cell_type") == "code"
                    and _text(before["source"]) == source)
            cell["outputs"] = copy.deepcopy(before["outputs"]) if same else []
            cell["execution_count"] = before.get("execution_count") if same else None
    nb["metadata"]["dispatchlib"] = {"lang": lang, "source": f"../{notebook.name}"}
    nb["metadata"] = dict(sorted(nb["metadata"].items()))  # as refresh writes it (nbformat)
    return nb


def dumps(nb: dict) -> str:
    """A notebook as the project writes it (the same form as ``refresh``)."""
    return json.dumps(nb, indent=1, ensure_ascii=False) + "\n"


def write(notebooks: Sequence[Path], lang: str = "ko", locales: Path | None = None,
          allow_stale: bool = False) -> list[Path]:
    """Build the ``lang`` edition of each English notebook into ``notebooks/<lang>/``; return
    the files written (a file already holding the same notebook is left alone).

    Every notebook is built before any is written, so a stale entry anywhere leaves every file
    as it was; the error lists the stale entries of all the notebooks.
    """
    from dispatchlib.atomic import write_text

    built, stale = [], []
    for notebook in notebooks:
        path = target(notebook, lang)
        previous = json.loads(path.read_text(encoding="utf-8")) if path.exists() else None
        try:
            built.append((path, dumps(build(notebook, lang, locales, allow_stale, previous))))
        except StaleTranslation as exc:
            stale.append(exc)
    if stale:
        if len(stale) == 1:
            raise stale[0]
        raise DispatchlibError("\n".join(str(e) for e in stale))
    changed = []
    for path, text in built:
        if path.exists() and path.read_text(encoding="utf-8") == text:
            continue
        write_text(path, text)
        changed.append(path)
    return changed


def differences(want: dict, have: dict) -> list[str]:
    """Where notebook ``have`` differs from ``want`` outputs aside (cell ids, types, sources and
    metadata; the notebook's metadata but for ``language_info``, which the kernel writes), one
    line each naming the cell."""
    out = []

    def meta(nb: dict) -> dict:
        return {k: v for k, v in nb.get("metadata", {}).items() if k != "language_info"}

    if meta(want) != meta(have):
        out.append("notebook metadata differs")
    a, b = want["cells"], have["cells"]
    if [c.get("id") for c in a] != [c.get("id") for c in b]:
        return [*out, f"cells differ: ids {[c.get('id') for c in b]}, the build gives "
                      f"{[c.get('id') for c in a]}"]
    for i, (x, y) in enumerate(zip(a, b, strict=True)):
        for key in ("cell_type", "source", "metadata"):
            if (_text(x[key]) if key == "source" else x[key]) != \
                    (_text(y[key]) if key == "source" else y[key]):
                out.append(f"cell {i} (id {x.get('id')}): {key} differs from the build")
    return out
