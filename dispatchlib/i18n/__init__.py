"""Languages: the Korean edition's catalogues (``catalog``) and the language that the library's
own texts (figure labels, table headers, report pages) are written in.

``use_language("ko")`` switches the library's texts to Korean for the rest of the process (a
Korean notebook calls it in its first cell); ``_(text)`` returns the text in the current language,
from ``locales/<lang>/LC_MESSAGES/dispatchlib.po`` (the English text itself when the language is
English or the entry is missing or out of date).

Figures in Korean need a font with Hangul: ``use_language("ko")`` registers Nanum Gothic and
puts it first in matplotlib's ``font.family`` (:func:`dispatchlib.i18n.fonts.use_korean_font`)
when matplotlib is already imported, and never imports matplotlib itself. The figure style
(``dispatchlib/plots/theme.py``) resets the fonts, so it calls ``use_korean_font()`` after its
rcParams whenever ``current_language() == "ko"``. ``use_language("en")`` puts the style's own
fonts back.
"""

from __future__ import annotations

import sys
from collections.abc import Iterator
from contextlib import contextmanager
from functools import cache

from dispatchlib.errors import ParameterError

LANGUAGES = ("en", "ko")
_state = {"lang": "en"}


def use_language(lang: str) -> None:
    """Make ``lang`` ("en" or "ko") the language of the library's texts in this process.

    With ``"ko"`` and matplotlib imported, figures also get a font with Hangul
    (:func:`dispatchlib.i18n.fonts.use_korean_font`); ``"en"`` undoes that.

    Raises
    ------
    ParameterError
        For a language other than those of :data:`LANGUAGES`.

    Examples
    --------
    >>> import dispatchlib as dl
    >>> dl.use_language("ko"); dl.current_language()
    'ko'
    >>> dl.use_language("en")
    """
    if lang not in LANGUAGES:
        raise ParameterError("lang", lang, "one of " + ", ".join(repr(x) for x in LANGUAGES))
    _state["lang"] = lang
    if "matplotlib" in sys.modules:
        from dispatchlib.i18n import fonts

        if lang == "ko":
            fonts.use_korean_font()
        else:
            fonts.use_default_font()


@contextmanager
def language(lang: str) -> Iterator[None]:
    """The library's texts in ``lang`` inside the ``with`` block, the language before after it."""
    before = current_language()
    use_language(lang)
    try:
        yield
    finally:
        use_language(before)


def current_language() -> str:
    """The language set by ``use_language`` ("en" until then)."""
    return _state["lang"]


@cache
def _messages(lang: str) -> dict[str, str]:
    from dispatchlib.i18n.catalog import po_path, read

    path = po_path("dispatchlib", lang)
    if not path.exists():
        return {}
    return {m.id: m.string for m in read(path, lang)
            if m.id and m.string and "fuzzy" not in m.flags and isinstance(m.id, str)}


def N_(text: str) -> str:  # noqa: N802 - gettext's name for it
    """Mark ``text`` for the catalogue without translating it now (a text kept in a table or
    constant and passed to ``_()`` where it is shown); returns ``text`` unchanged."""
    return text


def _(text: str) -> str:
    """``text`` in the current language (English is the source, so it passes through)."""
    lang = _state["lang"]
    if lang == "en":
        return text
    return _messages(lang).get(text, text)
