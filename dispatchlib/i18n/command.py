"""``python -m dispatchlib translate``: bring the catalogues of a language in step with the English
lessons and the library, then build that language's notebooks (``notebooks/<lang>/``).

``--check`` writes nothing: it lists every entry that is missing, untranslated, out of date or
obsolete (lesson, cell, cell id, start of the English text) and every built notebook that differs
from what the build would write, and exits 1 if there is any (0 when all is in step).
"""

from __future__ import annotations

import sys
from pathlib import Path

from dispatchlib.i18n import LANGUAGES

#: the languages a translation is built for (English is the source)
LANGS = tuple(lang for lang in LANGUAGES if lang != "en")


def add_parser(sub) -> None:
    """Register the ``translate`` command on the command line's subparsers."""
    p = sub.add_parser(
        "translate", help="update the Korean catalogues (locales/ko/) and build notebooks/ko/",
        description="Update the translation catalogues locales/LANG/LC_MESSAGES/*.po from the "
                    "English notebooks and the library (a changed English text makes its entry "
                    "fuzzy, keeping the old translation for reference), then write "
                    "notebooks/LANG/ from them. Stops, naming the lesson, cell and text, when "
                    "an entry is untranslated or fuzzy: fill its msgstr and run it again.")
    p.add_argument("notebooks", nargs="*", metavar="NOTEBOOK",
                   help="English lessons (stem, number or file name; default all; the "
                        "library's catalogue is updated only when none is named)")
    p.add_argument("--lang", choices=LANGS, default="ko", help="target language (default ko)")
    p.add_argument("--check", action="store_true",
                   help="write nothing; list every entry not in step and every built notebook "
                        "that is out of date; exit 1 if there is any")
    p.add_argument("--allow-stale", action="store_true",
                   help="build even with untranslated or fuzzy entries, their English text in "
                        "place (a draft; never commit such notebooks)")
    p.set_defaults(func=run)


def _shown(path: Path) -> str:
    from dispatchlib.paths import ROOT

    return str(path.relative_to(ROOT)) if path.is_relative_to(ROOT) else str(path)


def out_of_date(sources: list[Path], lang: str) -> list[str]:
    """Built notebooks that differ (outputs aside) from what the build would write now, one line
    each; only for lessons whose catalogue is in step (the others are listed as entries)."""
    import json

    from dispatchlib.i18n import build
    from dispatchlib.i18n.catalog import problems

    out = []
    for source in sources:
        if [p for p in problems(source, lang) if p.kind != "obsolete"]:
            continue
        path = build.target(source, lang)
        if not path.exists():
            out.append(f"{_shown(path)}: not built yet")
            continue
        have = json.loads(path.read_text(encoding="utf-8"))
        want = build.build(source, lang, previous=have)
        for line in build.differences(want, have):
            out.append(f"{_shown(path)}: {line}")
    return out


def english(names: list[str]) -> list[Path]:
    """The English lessons named (stem, number or file name), in teaching order; all when none
    is named.

    Raises
    ------
    ParameterError
        For a name that matches no lesson.
    """
    from dispatchlib.errors import ParameterError
    from dispatchlib.i18n.catalog import english_notebooks

    found = english_notebooks()
    chosen = set()
    for name in names:
        match = [p for p in found if name in (p.stem, p.name, p.stem[:2], str(p))
                 or Path(name).name == p.name]
        if not match:
            raise ParameterError("notebook", name, "one of " + ", ".join(p.stem for p in found))
        chosen.update(match)
    return [p for p in found if p in chosen] if names else found


def run(args) -> int:
    """The ``translate`` command; returns the exit status."""
    from dispatchlib.i18n import build, catalog

    sources = english(args.notebooks)
    lang = args.lang
    if args.check:
        entries = [str(p) for s in sources for p in catalog.problems(s, lang)]
        if not args.notebooks:
            entries += [str(p) for p in catalog.library_problems(lang)]
        built = out_of_date(sources, lang)
        for line in entries + built:
            print(line)
        if entries:
            print(f"{len(entries)} catalogue entr(ies) not in step: run python -m dispatchlib "
                  f"translate, then fill the msgstr of each one in "
                  f"locales/{lang}/LC_MESSAGES/<lesson>.po (and drop its fuzzy flag)",
                  file=sys.stderr)
        if built:
            print(f"{len(built)} difference(s) between notebooks/{lang}/ and its build: run "
                  f"python -m dispatchlib translate", file=sys.stderr)
        if entries or built:
            return 1
        print(f"the {lang} catalogues and notebooks/{lang}/ are in step with the English")
        return 0
    paths = [catalog.po_path(s.stem, lang) for s in sources]
    if not args.notebooks:
        paths.append(catalog.po_path(catalog.LIBRARY, lang))
    before = {p: p.read_bytes() if p.exists() else None for p in paths}
    for source in sources:
        catalog.update(source, lang)
    if not args.notebooks:
        catalog.update_library(lang)
    for path in paths:
        if path.exists() and path.read_bytes() != before[path]:
            print(f"updated {_shown(path)}")
    for path in build.write(sources, lang, allow_stale=args.allow_stale):
        print(f"wrote {_shown(path)}" + (" (draft: stale entries in English)"
                                         if args.allow_stale else ""))
    return 0
