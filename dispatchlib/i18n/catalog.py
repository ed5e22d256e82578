"""Translation catalogues of the lessons: one gettext ``.po`` file per English notebook.

The English notebooks are the source. Each translatable text of a notebook is one catalogue
entry, keyed by a context that names the notebook, the cell (its nbformat cell id) and the part:

- a paragraph of a markdown cell (``02_economics:d760aba6:p3``, paragraphs split on blank lines,
  so a changed sentence makes only its paragraph out of date);
- a whole code cell that holds prose (a comment, or a text in a string), ``…:code``: its
  translation is the same code with the prose in the target language (a test checks that the
  code is otherwise identical).

The ``parameters`` cells are not entries: they are written from the parameter registry.
Files: ``locales/<lang>/LC_MESSAGES/<notebook stem>.po``, read and written with Babel.
"""

from __future__ import annotations

import ast
import io
import re
from dataclasses import dataclass
from pathlib import Path

import nbformat
from babel.messages.catalog import Catalog
from babel.messages.pofile import read_po, write_po

from dispatchlib.paths import ROOT

LOCALES = ROOT / "locales"
_PROSE = re.compile(r"[^\W\d_]{2,}[^\w]+[^\W\d_]{2,}")  # two words of letters
_COMMENT = re.compile(r"#\s*[^\W\d_]")


@dataclass(frozen=True)
class Entry:
    """One translatable text of a notebook.

    Attributes
    ----------
    context : str
        ``<stem>:<cell id>:p<k>`` (paragraph k of a markdown cell) or ``<stem>:<cell id>:code``.
    text : str
        The English text.
    cell : int
        Index of the cell in the notebook (0-based), for messages.
    """

    context: str
    text: str
    cell: int


def paragraphs(markdown: str) -> list[str]:
    """Split a markdown cell into paragraphs at blank lines, keeping ``$$`` blocks and code
    fences whole."""
    out: list[str] = []
    block: list[str] = []
    fenced = False
    for line in markdown.split("\n"):
        if line.strip().startswith(("```", "$$")) and not (
            line.strip().startswith("$$") and line.strip().endswith("$$") and len(line.strip()) > 2
        ):
            fenced = not fenced
        if not line.strip() and not fenced:
            if block:
                out.append("\n".join(block))
                block = []
            continue
        block.append(line)
    if block:
        out.append("\n".join(block))
    return out


def _python(source: str) -> str:
    """The cell's source with IPython magics and shell lines blanked, so ``ast`` can read it."""
    return "\n".join("" if line.lstrip().startswith(("%", "!")) else line for line in source.split("\n"))


def has_prose(source: str) -> bool:
    """True when a code cell holds text for a reader: a comment or a string of two or more words."""
    if _COMMENT.search(source):
        return True
    try:
        tree = ast.parse(_python(source))
    except SyntaxError:
        return False
    return any(
        isinstance(node, ast.Constant) and isinstance(node.value, str) and _PROSE.search(node.value)
        for node in ast.walk(tree)
    )


def entries(notebook: Path) -> list[Entry]:
    """Every translatable text of an English notebook, in cell order."""
    nb = nbformat.read(notebook, as_version=4)
    stem = notebook.stem
    out: list[Entry] = []
    for index, cell in enumerate(nb.cells):
        if "parameters" in cell.metadata.get("tags", []):
            continue
        if cell.cell_type == "markdown":
            for k, para in enumerate(paragraphs(cell.source)):
                out.append(Entry(f"{stem}:{cell.id}:p{k}", para, index))
        elif cell.cell_type == "code" and has_prose(cell.source):
            out.append(Entry(f"{stem}:{cell.id}:code", cell.source, index))
    return out


def po_path(stem: str, lang: str) -> Path:
    """``locales/<lang>/LC_MESSAGES/<stem>.po``."""
    return LOCALES / lang / "LC_MESSAGES" / f"{stem}.po"


def read(path: Path, lang: str) -> Catalog:
    """Read a catalogue (an empty one when the file does not exist yet)."""
    if not path.exists():
        return Catalog(locale=lang, project="dispatchlib", fuzzy=False)
    with path.open("rb") as fh:
        return read_po(fh, locale=lang)


def write(catalog: Catalog, path: Path) -> None:
    """Write a catalogue, wide lines kept whole (no re-wrapping), sorted as the notebook."""
    buf = io.BytesIO()
    write_po(buf, catalog, width=0, omit_header=False, ignore_obsolete=True, include_previous=True)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(buf.getvalue())


def update(notebook: Path, lang: str) -> Catalog:
    """Bring a notebook's catalogue in step with the English notebook.

    An entry whose English text is unchanged keeps its translation. When the text of an entry
    changed (same context, new text) its translation is kept but marked fuzzy, with the old
    English kept as ``#| msgid`` so the translator sees what changed. When a text moved (same
    text, new context within the notebook) its translation follows it. New texts come in
    untranslated; texts that no longer exist are dropped.
    """
    path = po_path(notebook.stem, lang)
    old = read(path, lang)
    by_context = {m.context: m for m in old if m.id and m.context}
    by_text = {m.id: m for m in old if m.id and m.string and "fuzzy" not in m.flags}
    new = Catalog(locale=lang, project="dispatchlib", fuzzy=False)
    new.language_team = old.language_team
    for entry in entries(notebook):
        comment = f"{notebook.name} cell {entry.cell}"
        prev = by_context.get(entry.context)
        if prev is not None and prev.id == entry.text:
            new.add(entry.text, prev.string, auto_comments=[comment], flags=prev.flags,
                    context=entry.context, previous_id=prev.previous_id)
        elif entry.text in by_text:
            new.add(entry.text, by_text[entry.text].string, auto_comments=[comment],
                    context=entry.context)
        elif prev is not None and prev.string:
            new.add(entry.text, prev.string, auto_comments=[comment], flags={"fuzzy"},
                    context=entry.context, previous_id=prev.id)
        else:
            new.add(entry.text, "", auto_comments=[comment], context=entry.context)
    write(new, path)
    return new
