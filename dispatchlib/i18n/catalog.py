"""Translation catalogues of the lessons: one gettext ``.po`` file per English notebook.

The English notebooks are the source. Each translatable text of a notebook is one catalogue
entry, keyed by a context that names the notebook, the cell (its nbformat cell id) and the part:

- a paragraph of a markdown cell (``02_economics:d760aba6:p3``, paragraphs split on blank lines,
  so a changed sentence makes only its paragraph out of date);
- a whole code cell that holds prose (a comment, or a text in a string), ``…:code``: its
  translation is the same code with the prose in the target language (a test checks that the
  code is otherwise identical).

The ``parameters`` cells are not entries: they are written from the parameter registry.
Files: ``locales/<lang>/LC_MESSAGES/<notebook stem>.po``, read and written with Babel; the
library's own texts (every ``_("...")`` of ``dispatchlib/``) are ``dispatchlib.po``
(:func:`update_library`). ``DISPATCHLIB_LOCALES_DIR`` overrides the ``locales/`` folder (tests
work on a copy).

Writes are deterministic: the header holds no date, no translator and no tool version, and a
file is rewritten only when its content changes. :func:`problems` lists every entry that is not
in step (missing, untranslated, out of date or obsolete), naming the lesson, the cell and the
start of the English text.
"""

from __future__ import annotations

import ast
import io
import os
import re
import tokenize
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from babel.messages.catalog import Catalog
from babel.messages.pofile import read_po, write_po

from dispatchlib.paths import ROOT, notebooks_dir

LIBRARY = "dispatchlib"
"""Stem of the library's catalogue (``dispatchlib.po``)."""


def locales_dir() -> Path:
    """The ``locales/`` folder (``DISPATCHLIB_LOCALES_DIR`` overrides it)."""
    return Path(os.environ.get("DISPATCHLIB_LOCALES_DIR", ROOT / "locales"))


def english_notebooks() -> list[Path]:
    """The English lessons ``notebooks/NN_*.ipynb``, in teaching order."""
    return sorted(notebooks_dir().glob("[0-9][0-9]_*.ipynb"))
_PROSE = re.compile(r"[^\W\d_]{2,}[^\w]+[^\W\d_]{2,}")  # two words of letters
_WORD = re.compile(r"[^\W\d_]{2,}")  # a word of two or more letters


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
    return "\n".join("" if line.lstrip().startswith(("%", "!")) else line
                     for line in source.split("\n"))


def comments(source: str) -> list[str]:
    """The ``#`` comments of a code cell (its comment tokens, so a ``#`` inside a string is
    none), IPython magics and shell lines left out; ``[]`` when the cell does not tokenize."""
    try:
        tokens = list(tokenize.generate_tokens(io.StringIO(_python(source)).readline))
    except (tokenize.TokenError, SyntaxError):
        return []
    return [t.string for t in tokens if t.type == tokenize.COMMENT]


def has_prose(source: str) -> bool:
    """True when a code cell holds text for a reader: a comment holding a word (two letters or
    more, whatever comes first: ``# "projector" for a classroom screen``) or a string of two or
    more words."""
    if any(_WORD.search(c) for c in comments(source)):
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
    import nbformat  # here: a Korean lesson's kernel reads the catalogue, never a notebook

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


def po_path(stem: str, lang: str, locales: Path | None = None) -> Path:
    """``locales/<lang>/LC_MESSAGES/<stem>.po`` (``locales`` defaults to :func:`locales_dir`)."""
    return (locales or locales_dir()) / lang / "LC_MESSAGES" / f"{stem}.po"


def read(path: Path, lang: str) -> Catalog:
    """Read a catalogue (an empty one when the file does not exist yet), with the previous
    English of each fuzzy entry (its ``#| msgid`` lines, which Babel's reader skips) and
    without the ``python-format`` flag Babel's reader puts on any text holding a ``%``."""
    if not path.exists():
        return Catalog(locale=lang, project="dispatchlib", fuzzy=False)
    data = path.read_bytes()
    catalog = read_po(io.BytesIO(data), locale=lang)
    for message in catalog:  # Babel's reader flags any text with a % (see _tidy)
        message.flags.discard("python-format")
    for (context, msgid), previous in _previous(data.decode("utf-8")).items():
        message = catalog.get(msgid, context=context)
        if message is not None:
            message.previous_id = [previous]
    return catalog


def _previous(text: str) -> dict[tuple[str | None, str], str]:
    """``{(msgctxt, msgid): previous msgid}`` of the entries of a ``.po`` text that have
    ``#| msgid`` lines."""
    from babel.messages.pofile import unescape

    def joined(lines: list[str]) -> str:
        return "".join(unescape(line) for line in lines)

    out = {}
    for block in re.split(r"\n\s*\n", text):
        fields: dict[str, list[str]] = {}
        key = None
        for line in block.split("\n"):
            if line.startswith("#|"):
                line, prefix = line[2:].strip(), "previous "
            elif line.startswith("#") or not line.strip():
                continue
            else:
                prefix = ""
            word, _, rest = line.partition(" ")
            if word in ("msgid", "msgctxt", "msgstr"):
                key = prefix + word
                line = rest.strip()
            elif prefix and key and not key.startswith("previous"):
                key = None
            if key and line.startswith('"'):
                fields.setdefault(key, []).append(line)
        if "previous msgid" in fields and "msgid" in fields:
            context = joined(fields["msgctxt"]) if "msgctxt" in fields else None
            out[(context, joined(fields["msgid"]))] = joined(fields["previous msgid"])
    return out


def render(catalog: Catalog, stem: str) -> bytes:
    """The ``.po`` text of a catalogue: a fixed header (no dates, names or tool versions), then
    the entries in the order they were added, wide lines kept whole (no re-wrapping)."""
    lang = str(catalog.locale) if catalog.locale else ""
    source = ("every _(\"...\") of dispatchlib/" if stem == LIBRARY
              else f"notebooks/{stem}.ipynb")
    head = (f"# {lang} translation of {source} (dispatchlib Korean edition).\n"
            "# Made by python -m dispatchlib translate: fill the msgstr lines; the msgid\n"
            "# (English) comes from the source, never edited here. '#, fuzzy': the English\n"
            "# changed since the translation ('#| msgid': the old English).\n"
            'msgid ""\nmsgstr ""\n'
            '"Project-Id-Version: dispatchlib\\n"\n'
            f'"Language: {lang}\\n"\n'
            f'"Plural-Forms: {catalog.plural_forms}\\n"\n'
            '"MIME-Version: 1.0\\n"\n'
            '"Content-Type: text/plain; charset=utf-8\\n"\n'
            '"Content-Transfer-Encoding: 8bit\\n"\n')
    # Babel writes a previous msgid wrapped at 76 columns, quotes split, and cannot read it
    # back: each is written here instead, one quoted line per English line, as msgid is
    from babel.messages.pofile import normalize

    saved = {}
    for n, message in enumerate(m for m in catalog if m.id and m.previous_id):
        saved[f"@previous-{n}@"] = (message, message.previous_id)
        message.previous_id = [f"@previous-{n}@"]
    buf = io.BytesIO()
    try:
        write_po(buf, catalog, width=0, omit_header=True, ignore_obsolete=True,
                 include_previous=True, include_lineno=False)
    finally:
        for message, previous in saved.values():
            message.previous_id = previous
    body = buf.getvalue().decode("utf-8")
    for token, (_, previous) in saved.items():
        lines = normalize(previous[0], width=0).split("\n")
        block = "\n".join(("#| msgid " if i == 0 else "#| ") + line
                          for i, line in enumerate(lines))
        body = body.replace(f'#| msgid "{token}"', block, 1)
    return (head + "\n" + body).encode("utf-8")


def write(catalog: Catalog, path: Path) -> bool:
    """Write a catalogue to ``path`` unless the file already holds exactly that text; return
    whether it was written."""
    from dispatchlib.atomic import write_text

    data = render(catalog, path.stem)
    if path.exists() and path.read_bytes() == data:
        return False
    path.parent.mkdir(parents=True, exist_ok=True)
    write_text(path, data.decode("utf-8"))
    return True


def update(notebook: Path, lang: str, locales: Path | None = None, *,
           save: bool = True) -> Catalog:
    """Bring a notebook's catalogue in step with the English notebook.

    An entry whose English text is unchanged keeps its translation. When the text of an entry
    changed (same context, new text) its translation is kept but marked fuzzy, with the old
    English kept as ``#| msgid`` so the translator sees what changed. When a text moved (same
    text, new context within the notebook) its translation follows it. New texts come in
    untranslated; texts that no longer exist are dropped. The file is re-read from disk here
    (translators may be saving it) and written only when it changes, and not at all when
    ``save`` is false.
    """
    path = po_path(notebook.stem, lang, locales)
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
                    context=entry.context,
                    previous_id=prev.previous_id if prev.fuzzy else [])
        elif entry.text in by_text:
            new.add(entry.text, by_text[entry.text].string, auto_comments=[comment],
                    context=entry.context)
        elif prev is not None and prev.string:
            new.add(entry.text, prev.string, auto_comments=[comment], flags={"fuzzy"},
                    context=entry.context, previous_id=prev.id)
        else:
            new.add(entry.text, "", auto_comments=[comment], context=entry.context)
    _tidy(new)
    if save:
        write(new, path)
    return new


def _tidy(catalog: Catalog) -> None:
    """Drop what Babel adds that does not fit these texts: the ``python-format`` flag (Babel
    sets it on any text with a ``%``, such as "a 95% interval", and ``Catalog.check`` and
    ``msgfmt -c`` then refuse the translation, which has no ``%`` format either), and the old
    English (``#| msgid``) of an entry that is no longer fuzzy (translated again)."""
    for message in catalog:
        message.flags.discard("python-format")
        if not message.fuzzy:
            message.previous_id = []


def library_messages(package: Path | None = None) -> list[tuple[str, str]]:
    """``(text, file)`` of every ``_("...")`` call in the package's modules, extracted with
    Babel's Python extractor (keywords ``_`` and ``N_``, the mark of a text translated later,
    where it is shown), first occurrence first; ``file`` is relative to
    the repository (``dispatchlib/plots/history.py``)."""
    from babel.messages.extract import extract_from_file

    package = package or ROOT / "dispatchlib"
    seen: dict[str, str] = {}
    for path in sorted(package.rglob("*.py")):
        if "__pycache__" in path.parts:
            continue
        for _lineno, message, _comments, _context in extract_from_file(
                "python", path, keywords={"_": None, "N_": None}):
            if isinstance(message, str) and message and message not in seen:
                seen[message] = path.relative_to(package.parent).as_posix()
    return list(seen.items())


def update_library(lang: str, locales: Path | None = None, *, save: bool = True,
                   package: Path | None = None) -> Catalog:
    """Bring ``dispatchlib.po`` in step with the library's ``_("...")`` texts.

    Merged with Babel's ``Catalog.update``: an unchanged text keeps its translation; a text
    that changed a little takes the translation of the old one, marked fuzzy with the old
    English as ``#| msgid`` (kept by later updates while the entry stays fuzzy); new texts come
    in untranslated; texts no longer used are dropped.
    """
    path = po_path(LIBRARY, lang, locales)
    catalog = read(path, lang)
    template = Catalog(locale=lang, project="dispatchlib", fuzzy=False)
    for text, file in library_messages(package):
        template.add(text, locations=[(file, None)])
    previous = {m.id: m.previous_id for m in catalog if m.id and m.fuzzy and m.previous_id}
    catalog.update(template, update_creation_date=False)
    catalog.obsolete.clear()
    for message in catalog:  # Babel's update drops the old English of a text still fuzzy
        if message.fuzzy and not message.previous_id and message.id in previous:
            message.previous_id = previous[message.id]
    _tidy(catalog)
    if save:
        write(catalog, path)
    return catalog


@dataclass(frozen=True)
class Problem:
    """An entry of a catalogue that is not in step with its English source.

    Attributes
    ----------
    lesson : str
        Notebook stem (``02_economics``), or ``dispatchlib`` for the library's texts.
    cell : int or None
        Index of the cell in the English notebook (0-based); None for the library.
    cell_id : str
        The cell's id (for the library: the file holding the text).
    kind : str
        ``missing`` (not in the catalogue yet), ``changed`` (the catalogue holds an older
        English text), ``untranslated``, ``fuzzy`` (translated from an older English text) or
        ``obsolete`` (the English text is gone).
    text : str
        The English text.
    """

    lesson: str
    cell: int | None
    cell_id: str
    kind: str
    text: str

    def __str__(self) -> str:
        start = " ".join(self.text.split())
        start = start if len(start) <= 70 else start[:67] + "..."
        where = (f"{self.lesson}, {self.cell_id}" if self.cell is None
                 else f"{self.lesson}, cell {self.cell} (id {self.cell_id})")
        return f"{where}: {self.kind}: {start!r}"


def _state(message, text: str | None) -> str | None:
    if message is None:
        return "missing"
    if text is not None and message.id != text:
        return "changed"
    if not message.string:
        return "untranslated"
    if message.fuzzy:
        return "fuzzy"
    return None


def problems(notebook: Path, lang: str, locales: Path | None = None) -> list[Problem]:
    """Every entry of the notebook's catalogue (as on disk) that is not in step with the
    English notebook, in cell order; obsolete entries last."""
    catalog = read(po_path(notebook.stem, lang, locales), lang)
    by_context = {m.context: m for m in catalog if m.id and m.context}
    out = []
    wanted = set()
    for entry in entries(notebook):
        wanted.add(entry.context)
        kind = _state(by_context.get(entry.context), entry.text)
        if kind:
            out.append(Problem(notebook.stem, entry.cell, entry.context.split(":")[1], kind,
                               entry.text))
    for context, message in by_context.items():
        if context not in wanted:
            out.append(Problem(notebook.stem, None, context, "obsolete", message.id))
    return out


def library_problems(lang: str, locales: Path | None = None,
                     package: Path | None = None) -> list[Problem]:
    """The same as :func:`problems` for ``dispatchlib.po`` and the library's ``_()`` texts."""
    catalog = read(po_path(LIBRARY, lang, locales), lang)
    by_id = {m.id: m for m in catalog if m.id}
    out = []
    used = library_messages(package)
    for text, file in used:
        kind = _state(by_id.get(text), None)
        if kind:
            out.append(Problem(LIBRARY, None, file, kind, text))
    for text in set(by_id) - {t for t, _ in used}:
        out.append(Problem(LIBRARY, None, "dispatchlib.po", "obsolete", str(text)))
    return out


def all_problems(lang: str, locales: Path | None = None,
                 notebooks: Iterable[Path] | None = None) -> list[Problem]:
    """:func:`problems` of every English lesson (or those given) and of the library."""
    out = []
    for notebook in english_notebooks() if notebooks is None else notebooks:
        out += problems(notebook, lang, locales)
    return out + library_problems(lang, locales)
