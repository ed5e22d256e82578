"""The Korean edition (issue 15): catalogues in step with the English lessons, faithful
translations, the glossary's terms used, ``notebooks/ko`` as the build makes them, and English
figures keeping their fonts. That every Korean figure is drawn with every glyph is checked on
the Korean run of every lesson, in their kernels (tests/test_i18n_reports.py), not by executing
the lessons again here.

Each failure names the lesson, the cell number (0-based, as in the English notebook), the cell
id and what is wrong. ``python -m dispatchlib translate --check`` lists the same stale entries.
"""

from __future__ import annotations

import ast
import csv
import io
import json
import re
import shutil
import tokenize

import matplotlib
import pytest

from dispatchlib import cli, paths
from dispatchlib.i18n import build, catalog, faithful, fonts
from dispatchlib.params import SPECS

LANG = "ko"
NOTEBOOKS = catalog.english_notebooks()
STEMS = [nb.stem for nb in NOTEBOOKS]
PARAMS = [s.name for s in SPECS.values()]
with (paths.ROOT / "data" / "sources.csv").open(encoding="utf-8", newline="") as _fh:
    SOURCE_IDS = frozenset(row["source_id"] for row in csv.DictReader(_fh))
GLOSSARY = paths.ROOT / "locales" / LANG / "glossary.csv"
FIX = ("run python -m dispatchlib translate (make translate), then fill the msgstr of each "
       "entry in locales/ko/LC_MESSAGES/<lesson>.po")


def _cells(notebook) -> dict[str, int]:
    """``{context: cell number}`` of an English notebook's entries."""
    return {e.context: e.cell for e in catalog.entries(notebook)}


def _where(message, cells: dict[str, int]) -> str:
    if message.context:  # <stem>:<cell id>:<part>
        stem, cell_id, part = message.context.split(":")
        return f"{stem}, cell {cells.get(message.context, '?')} (id {cell_id}, {part})"
    files = ", ".join(sorted({loc for loc, _ in message.locations})) or "?"
    return f"dispatchlib.po ({files})"


def _translated(stem: str):
    """``(message, cells)`` of every translated entry of a catalogue (lesson or library)."""
    cat = catalog.read(catalog.po_path(stem, LANG), LANG)
    cells = _cells(paths.notebooks_dir() / f"{stem}.ipynb") if stem != catalog.LIBRARY else {}
    return [m for m in cat if m.id and m.string], cells


# -- 1. in step --------------------------------------------------------------------------


@pytest.mark.parametrize("notebook", NOTEBOOKS, ids=STEMS)
def test_catalogue_in_step_with_the_english_lesson(notebook):
    found = catalog.problems(notebook, LANG)
    assert not found, (f"{len(found)} entr(ies) of locales/ko/LC_MESSAGES/{notebook.stem}.po "
                       f"not in step ({FIX}):\n" + "\n".join(map(str, found)))


def test_library_catalogue_in_step_with_the_library():
    found = catalog.library_problems(LANG)
    assert not found, (f"{len(found)} entr(ies) of locales/ko/LC_MESSAGES/dispatchlib.po not in "
                       f"step (the library's _() and N_() texts; {FIX}):\n"
                       + "\n".join(map(str, found)))


def _copy_lesson(tmp_path, stem: str, monkeypatch):
    """A copy of an English lesson and of the Korean catalogues, in tmp_path; the package's
    locales folder points at the copy (DISPATCHLIB_LOCALES_DIR), so nothing touches locales/."""
    notebooks = tmp_path / "notebooks"
    notebooks.mkdir()
    source = notebooks / f"{stem}.ipynb"
    shutil.copy(paths.notebooks_dir() / source.name, source)
    shutil.copytree(catalog.locales_dir(), tmp_path / "locales")
    monkeypatch.setenv("DISPATCHLIB_LOCALES_DIR", str(tmp_path / "locales"))
    return source, tmp_path / "locales"


def test_a_changed_english_sentence_makes_its_entry_fuzzy_and_is_named(tmp_path, monkeypatch,
                                                                      capsys):
    stem = "02_economics"
    source, locales = _copy_lesson(tmp_path, stem, monkeypatch)
    po = catalog.po_path(stem, LANG, locales)
    catalog.update(source, LANG, locales)  # in step first, whatever the committed state
    before = {m.context: m for m in catalog.read(po, LANG) if m.id}
    # the first translated paragraph that is a whole sentence of prose
    entry = next(e for e in catalog.entries(source) if e.context.endswith(":p1")
                 and before[e.context].string and not before[e.context].fuzzy)
    nb = json.loads(source.read_text(encoding="utf-8"))
    cell = nb["cells"][entry.cell]
    text = "".join(cell["source"])
    changed = entry.text.replace(" ", " really ", 1)
    cell["source"] = text.replace(entry.text, changed).splitlines(keepends=True)
    source.write_text(json.dumps(nb, indent=1, ensure_ascii=False) + "\n", encoding="utf-8")

    catalog.update(source, LANG, locales)
    after = {m.context: m for m in catalog.read(po, LANG) if m.id}
    message = after[entry.context]
    assert message.id == changed and message.fuzzy
    assert message.string == before[entry.context].string, "the old translation is kept"
    assert message.previous_id == [entry.text], "the old English is kept as #| msgid"
    catalog.update(source, LANG, locales)  # a second update keeps the old English
    again = {m.context: m for m in catalog.read(po, LANG) if m.id}[entry.context]
    assert again.fuzzy and again.previous_id == [entry.text]
    assert "#| msgid " in po.read_text(encoding="utf-8")
    others = [c for c in after if c != entry.context]
    assert all(after[c].string == before[c].string and after[c].fuzzy == before[c].fuzzy
               for c in others), "only the changed entry is touched"

    found = catalog.problems(source, LANG, locales)
    assert [(p.lesson, p.cell, p.kind) for p in found] == [(stem, entry.cell, "fuzzy")]
    cell_id = entry.context.split(":")[1]
    assert f"{stem}, cell {entry.cell} (id {cell_id}): fuzzy" in str(found[0])

    # the command names it too, writes nothing and exits 1; the build refuses it
    monkeypatch.setenv("DISPATCHLIB_NOTEBOOKS_DIR", str(source.parent))
    text_before = po.read_bytes()
    assert cli.main(["translate", "--check", stem]) == 1
    out = capsys.readouterr().out
    assert f"{stem}, cell {entry.cell} (id {cell_id}): fuzzy" in out
    assert po.read_bytes() == text_before and not (source.parent / LANG).exists()
    with pytest.raises(build.StaleTranslation, match=rf"cell {entry.cell} \(id {cell_id}\)"):
        build.write([source], LANG, locales)
    assert not (source.parent / LANG).exists()

    # translated again (msgstr filled, fuzzy flag dropped): the command builds and is in step
    fixed = catalog.read(po, LANG)
    message = fixed.get(changed, context=entry.context)
    message.string, message.flags, message.previous_id = message.string + " (수정)", set(), []
    catalog.write(fixed, po)
    capsys.readouterr()
    assert cli.main(["translate", stem]) == 0
    assert f"wrote {source.parent / LANG / source.name}" in capsys.readouterr().out
    korean = json.loads((source.parent / LANG / source.name).read_text(encoding="utf-8"))
    assert message.string in "".join(korean["cells"][entry.cell]["source"])
    assert cli.main(["translate", "--check", stem]) == 0


def test_updating_twice_writes_the_same_bytes_and_no_dates(tmp_path, monkeypatch):
    source, locales = _copy_lesson(tmp_path, "00_start-here", monkeypatch)
    po = catalog.po_path(source.stem, LANG, locales)
    catalog.update(source, LANG, locales)
    first = po.read_bytes()
    catalog.update(source, LANG, locales)
    assert po.read_bytes() == first
    assert b"Creation-Date" not in first and b"Revision-Date" not in first


def test_a_comment_that_starts_with_a_quote_is_prose_and_a_hash_in_a_string_is_not():
    setup = 'dl.plots.use_style("notebook")  # "projector" for a classroom screen'
    assert catalog.has_prose(setup)
    assert catalog.comments("%matplotlib inline\n" + setup) == [
        '# "projector" for a classroom screen']
    assert not catalog.has_prose('colour = "#ff0000"\nx = 1  # 2\ny = f(x)')
    setups = [e for nb in NOTEBOOKS for e in catalog.entries(nb)
              if '# "projector" for a classroom screen' in e.text]
    assert len(setups) == len(NOTEBOOKS), "every lesson's set-up cell is an entry"


def test_no_python_format_flag_and_no_old_english_once_translated_again(tmp_path,
                                                                         monkeypatch):
    package = tmp_path / "pkg"
    package.mkdir()
    (package / "mod.py").write_text('_("A 95% interval")\n_("Kept")\n', encoding="utf-8")
    locales = tmp_path / "locales"
    cat = catalog.update_library(LANG, locales, package=package)
    assert all("python-format" not in m.flags for m in cat)
    message = cat.get("A 95% interval")
    message.string = "95% 구간"
    old = cat.get("Kept")
    old.string, old.flags, old.previous_id = "유지", {"fuzzy"}, ["Kept!"]
    catalog.write(cat, catalog.po_path(catalog.LIBRARY, LANG, locales))
    cat = catalog.update_library(LANG, locales, package=package)
    assert list(cat.check()) == [], "Babel's check passes on a text with %"
    assert cat.get("Kept").previous_id == ["Kept!"], "a fuzzy entry keeps its old English"
    fixed = cat.get("Kept")
    fixed.flags = set()  # translated again, the #| msgid line left behind by the translator
    catalog.write(cat, catalog.po_path(catalog.LIBRARY, LANG, locales))
    catalog.update_library(LANG, locales, package=package)
    text = catalog.po_path(catalog.LIBRARY, LANG, locales).read_text(encoding="utf-8")
    assert "\n#| msgid" not in text and "python-format" not in text
    for path in sorted(catalog.locales_dir().glob(f"{LANG}/LC_MESSAGES/*.po")):
        lines = path.read_text(encoding="utf-8").split("\n")
        assert not [n for n, line in enumerate(lines, 1) if "python-format" in line], path.name
        cat = catalog.read(path, LANG)
        left = [m.id[:40] for m in cat if m.id and m.previous_id and not m.fuzzy]
        assert not left, f"{path.name}: old English left on entries no longer fuzzy: {left}"
        assert list(cat.check()) == [], f"{path.name}: Babel's check fails"


# -- 2. faithful -------------------------------------------------------------------------


def _format_fields(text: str) -> set[str]:
    import string

    try:
        return {f for _, f, _, _ in string.Formatter().parse(text) if f is not None}
    except ValueError:
        return {"<unbalanced braces>"}


@pytest.mark.parametrize("stem", [*STEMS, catalog.LIBRARY])
def test_translations_keep_numbers_code_links_ids_and_markers(stem):
    messages, cells = _translated(stem)
    wrong = []
    for m in messages:
        code = (m.context or "").endswith(":code")
        for problem in faithful.compare(m.id, m.string, code=code, names=PARAMS,
                                        ids=SOURCE_IDS):
            wrong.append(f"{_where(m, cells)}: {problem}")
        if stem == catalog.LIBRARY and _format_fields(m.id) != _format_fields(m.string):
            wrong.append(f"{_where(m, cells)}: placeholders {sorted(_format_fields(m.string))}, "
                         f"the English has {sorted(_format_fields(m.id))}")
    assert not wrong, f"{stem}: {len(wrong)} unfaithful entr(ies):\n" + "\n".join(wrong)


def test_the_faithfulness_check_catches_what_it_must():
    ok = faithful.compare("Pay USD 975 million by 2025 (`quota_usd`, YTN2025).",
                          "2025년까지 9억 7,500만 달러를 낸다(`quota_usd`, YTN2025).")
    assert ok == []
    assert faithful.compare("About 100,000 workers.", "노동자 약 1만 명.") == [
        "numbers differ: missing 100000.0; extra 10000.0"]
    assert "code spans differ" in faithful.compare("Set `seed`.", "`draws`를 정하라.")[0]
    assert "source ids differ" in faithful.compare("See YTN2025.", "YTN2024 참고.")[-1]
    assert faithful.compare("ASMOLOV says", "말한다", ids={"ASMOLOV"}) == [
        "source ids differ: missing 'ASMOLOV'"]
    assert faithful.compare("UNSCR 2397", "안보리 결의 2397호", ids={"ASMOLOV"}) == []
    assert "links differ" in faithful.compare("[a](https://a.org)", "[가](https://b.org)")[0]
    assert faithful.compare("$x = \\text{workers}$", "$x = \\text{노동자}$") == []
    assert "LaTeX" in faithful.compare("$x = 1$", "$x = 2$")[-1]
    assert "nbgrader" in faithful.compare("### BEGIN SOLUTION\nx", "### 풀이 시작\nx")[-1]
    code = 'x = f"{n} workers"  # the count\nprint("total", x)'
    assert faithful.compare(code, 'x = f"노동자 {n}명"  # 인원\nprint("합계", x)', code=True) == []
    assert faithful.compare(code, 'y = f"노동자 {n}명"\nprint("합계", y)', code=True) == [
        "the code differs (not only its strings and comments)"]
    assert faithful.compare(code, 'x = f"노동자 {m}명"\nprint("합계", x)', code=True) == [
        "the code differs (not only its strings and comments)"]
    # month names, full or abbreviated, and ISO dates are their numbers
    assert faithful.compare("NIS, Oct 2024; by Apr. 2025; Sept 2023; May 2022",
                            "국가정보원, 2024년 10월; 2025년 4월까지; 2023년 9월; 2022년 5월") == []
    assert faithful.compare("On 2020-03-10 Russia reported", "2020년 3월 10일에 러시아는") == []
    assert faithful.compare("by Oct 2024", "2024년 11월까지") == [
        "numbers differ: missing 10.0; extra 11.0"]
    assert faithful.english_numbers("a Dec meeting") == {}


def test_korean_commands_and_paths_point_at_the_korean_edition():
    assert build.localized("`python -m dispatchlib run -p NAME VALUE`로", LANG) == \
        "`python -m dispatchlib run --lang ko -p NAME VALUE`로"
    assert build.localized("`python -m dispatchlib student`", LANG) == \
        "`python -m dispatchlib student --lang ko`"
    assert build.localized("`python -m dispatchlib run --lang ko 01`", LANG) == \
        "`python -m dispatchlib run --lang ko 01`"
    assert build.localized("`python -m dispatchlib runs`, `python -m dispatchlib compare`",
                           LANG) == "`python -m dispatchlib runs`, `python -m dispatchlib compare`"
    assert build.localized("`papermill notebooks/00_start-here.ipynb x.ipynb`", LANG) == \
        "`papermill notebooks/ko/00_start-here.ipynb x.ipynb`"
    assert build.localized("notebooks/ko/00_start-here.ipynb", LANG) == \
        "notebooks/ko/00_start-here.ipynb"
    assert build.localized("python -m dispatchlib run", "en") == "python -m dispatchlib run"
    code = ('path = "notebooks/00_start-here.ipynb"  # 또는 notebooks/01_history.ipynb\n'
            'print("한글 python -m dispatchlib student")\n')
    assert build.localized_code(code, LANG) == (
        'path = "notebooks/00_start-here.ipynb"  # 또는 notebooks/ko/01_history.ipynb\n'
        'print("한글 python -m dispatchlib student --lang ko")\n'), \
        "comments and shown strings change; a path the code uses does not"
    stale = re.compile(r"python -m dispatchlib (?:run|student)\b(?!\s+--lang)"
                       r"|(?<![\w./-])notebooks/\d\d_")
    for notebook in NOTEBOOKS:
        cells = json.loads(build.target(notebook, LANG).read_text(encoding="utf-8"))["cells"]
        for n, cell in enumerate(cells):
            if cell["cell_type"] == "markdown":
                found = stale.findall("".join(cell["source"]))
                assert not found, f"{notebook.stem}, cell {n}: {found} not for the Korean lessons"


# -- 3. glossary -------------------------------------------------------------------------


def _glossary() -> list[dict[str, str]]:
    with GLOSSARY.open(encoding="utf-8", newline="") as fh:
        return list(csv.DictReader(fh))


def test_glossary_rows_have_english_korean_and_a_source():
    with GLOSSARY.open(encoding="utf-8", newline="") as fh:
        header = next(csv.reader(fh))
    assert header == ["english", "korean", "source", "note"], header
    rows = _glossary()
    assert rows, "the glossary is empty"
    for n, row in enumerate(rows, start=2):
        for column in ("english", "korean", "source"):
            assert (row[column] or "").strip(), \
                f"glossary.csv line {n} ({row['english']!r}): no {column}"
    terms = [row["english"].lower() for row in rows]
    assert len(terms) == len(set(terms)), "a term is listed twice"


def _term_pattern(term: str) -> re.Pattern:
    words = [re.escape(w).replace("labour", "labou?r") for w in term.split()]
    last = words[-1][:-1] + "s?" if words[-1].endswith("s") else words[-1] + "(?:s|es)?"
    return re.compile(r"\b" + r"[\s-]+".join([*words[:-1], last]) + r"\b", re.I)


def _korean_pattern(term: str) -> re.Pattern:
    return re.compile(r"\s*".join(re.escape(w) for w in term.split()))


def _prose_pairs(english: str, korean: str) -> list[tuple[str, str]]:
    """The texts of a code cell a reader sees, English and Korean side by side: its comments
    and the strings the translation changed (strings left in English are data keys)."""
    def strings(code: str) -> list[str]:
        # each string literal whole: an f-string's text parts joined around its placeholders
        out: list[str] = []

        def visit(node) -> None:
            if isinstance(node, ast.JoinedStr):
                out.append("{}".join(v.value for v in node.values
                                     if isinstance(v, ast.Constant)))
            elif isinstance(node, ast.Constant) and isinstance(node.value, str):
                out.append(node.value)
            else:
                for child in ast.iter_child_nodes(node):
                    visit(child)

        visit(ast.parse(faithful._python(code)))
        return out

    def comments(code: str) -> list[str]:
        tokens = tokenize.generate_tokens(io.StringIO(faithful._python(code)).readline)
        return [t.string for t in tokens if t.type == tokenize.COMMENT]

    en, ko = strings(english), strings(korean)
    pairs = [(a, b) for a, b in zip(en, ko, strict=False) if a != b]
    ce, ck = comments(english), comments(korean)
    if len(ce) == len(ck):
        pairs += list(zip(ce, ck, strict=True))
    else:
        pairs.append((" ".join(ce), " ".join(ck)))
    return pairs


def _visible(english: str) -> str:
    """English text without code spans, links and names written as code (``dl.sanctions``,
    ``quota_usd``): those stay as they are."""
    text = faithful._SPAN.sub(" ", faithful._FENCE.sub(" ", english))
    return re.sub(r"\b\w+(?:[._]\w+)+\b", " ", faithful._URL.sub(" ", text))


@pytest.mark.parametrize("stem", [*STEMS, catalog.LIBRARY])
def test_glossary_terms_are_translated_with_the_glossary_korean(stem):
    terms = [(_term_pattern(r["english"]), _korean_pattern(r["korean"]), r["english"],
              r["korean"]) for r in _glossary()]
    messages, cells = _translated(stem)
    wrong = []
    for m in messages:
        if (m.context or "").endswith(":code"):
            pairs = [(_visible(a), b) for a, b in _prose_pairs(m.id, m.string)]
        else:
            pairs = [(_visible(m.id), m.string)]
        for english, korean in pairs:
            for pattern, korean_term, term, ko in terms:
                if pattern.search(english) and not korean_term.search(korean):
                    wrong.append(f"{_where(m, cells)}: {term!r} is not translated as {ko!r}: "
                                 f"{' '.join(korean.split())[:80]!r}")
    assert not wrong, (f"{stem}: {len(wrong)} glossary term(s) not used "
                       f"(locales/ko/glossary.csv):\n" + "\n".join(wrong))


# -- 4. notebooks/ko as built ------------------------------------------------------------


@pytest.mark.parametrize("notebook", NOTEBOOKS, ids=STEMS)
def test_korean_notebook_is_what_the_build_makes(notebook):
    path = build.target(notebook, LANG)
    assert path.exists(), f"{path.name}: not built ({FIX})"
    have = json.loads(path.read_text(encoding="utf-8"))
    want = build.build(notebook, LANG, previous=have)
    found = build.differences(want, have)
    assert not found, (f"notebooks/ko/{notebook.name} differs from its build (make translate):\n"
                       + "\n".join(found))
    assert have["metadata"]["dispatchlib"] == {"lang": LANG, "source": f"../{notebook.name}"}


@pytest.mark.parametrize("notebook", NOTEBOOKS, ids=STEMS)
def test_korean_code_is_the_english_code(notebook):
    english = json.loads(notebook.read_text(encoding="utf-8"))["cells"]
    korean = json.loads(build.target(notebook, LANG).read_text(encoding="utf-8"))["cells"]
    assert [c["id"] for c in english] == [c["id"] for c in korean]
    switch = f'dl.use_language("{LANG}")'
    switched = []
    for n, (en, ko) in enumerate(zip(english, korean, strict=True)):
        if en["cell_type"] != "code":
            continue
        lines = "".join(ko["source"]).split("\n")
        if any(line.strip() == switch for line in lines):
            switched.append(n)
            lines = [line for line in lines if line.strip() != switch]
        assert faithful.masked("".join(en["source"])) == faithful.masked("\n".join(lines)), \
            (f"{notebook.stem}, cell {n} (id {en['id']}): the Korean code differs from the "
             f"English beyond its strings and comments")
    first = next(n for n, c in enumerate(english) if c["cell_type"] == "code"
                 and build.IMPORT in "".join(c["source"]))
    assert switched == [first], (f"{notebook.stem}: {switch} must be in cell {first} only (the "
                                 f"import of dispatchlib), found in {switched}")


# -- 5. English fonts kept (Hangul figures: tests/test_i18n_reports.py) --------------------


def test_english_figures_keep_their_fonts():
    import matplotlib.pyplot as plt

    import dispatchlib as dl
    from dispatchlib.plots.theme import rc

    with matplotlib.rc_context():
        dl.use_language("en")
        dl.plots.use_style("notebook")
        english = list(plt.rcParams["font.family"])
        assert english == [rc("notebook")["font.family"]] and fonts.FAMILY not in english
        try:
            dl.use_language("ko")
            assert plt.rcParams["font.family"][0] == fonts.FAMILY
            dl.plots.use_style("notebook")
            assert plt.rcParams["font.family"][0] == fonts.FAMILY, "use_style in Korean"
        finally:
            dl.use_language("en")
        assert list(plt.rcParams["font.family"]) == english
        dl.plots.use_style("notebook")
        assert list(plt.rcParams["font.family"]) == english


def test_the_font_comes_from_the_package_without_importing_it():
    import sys

    files = fonts.font_files()
    assert any(f.name == "NanumGothic.ttf" for f in files)
    assert all(f.parent.name == "fonts" and f.parent.parent.name == fonts.PACKAGE for f in files)
    fonts.register()
    assert fonts.PACKAGE not in sys.modules
