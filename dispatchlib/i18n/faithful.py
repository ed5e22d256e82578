"""Checks that a translation keeps everything of its English text that must not change: numbers
(with the scale words of each language read as values), ``code spans``, links, source ids,
parameter names, LaTeX math and nbgrader markers; and, for a code cell, the code itself (only
string contents and comments may differ). ``tests/test_i18n.py`` runs them on every entry of
every catalogue.

Numbers are compared as multisets of values: ``USD 975 million`` and ``9억 7,500만 달러`` are the
same number, ``100,000`` and ``10만``, ``15,000`` and ``1만 5,000`` too; English month names,
full or abbreviated (``Oct 2024``, ``Sept.``), count as their numbers (Korean writes 12월), and
an ISO date (``2020-03-10``) is its three numbers (``2020년 3월 10일``). Signs are ignored (a
translation may write the minus sign differently), as are digits glued to Latin letters
(``p95``, ``H2``, ``BELENETS2025``: those are compared as tokens). A number one side writes
as a word (``two``, ``third``; 두, 세 번째) may be in digits on the other; list and section
numbers are numbers like any other (the translation keeps them).

Examples
--------
>>> sorted(english_numbers("USD 975 million from 15,000 workers in 2025"))
[2025.0, 15000.0, 975000000.0]
>>> sorted(korean_numbers("2025년 노동자 1만 5,000명에게서 9억 7,500만 달러"))
[2025.0, 15000.0, 975000000.0]
"""

from __future__ import annotations

import ast
import re
from collections import Counter

_NUMBER = r"(?<![A-Za-z0-9_.])(\d{1,3}(?:,\d{3})+|\d+)(\.\d+)?"
_EN_SCALE = {"thousand": 1e3, "million": 1e6, "billion": 1e9, "trillion": 1e12}
_EN = re.compile(_NUMBER + r"(?:\s*(thousand|million|billion|trillion)\b)?", re.I)
_RANGE = re.compile(r"\s*(?:-|–|—|to|and|or)\s*(?:USD\s*)?\Z")
_MONTHS = ("January", "February", "March", "April", "May", "June", "July", "August",
           "September", "October", "November", "December")
_MONTH = re.compile(r"\b(" + "|".join(_MONTHS) + r"|Sept|(?:Jan|Feb|Mar|Apr|Jun|Jul|Aug|Sep|Oct"
                    r"|Nov|Dec)(?=\.|\s+\d))\b")  # Oct 2024, Sept. 2025: abbreviations too
_HALF = re.compile(r"\bhalf a (thousand|million|billion)\b", re.I)
_KO_BIG = {"조": 1e12, "억": 1e8, "만": 1e4}
_KO_SMALL = {"천": 1e3, "백": 1e2, "십": 10.0}
_KO = re.compile(_NUMBER + r"(?:([천백십])?([조억만])|([천백])(?!분))?")  # 5백분위수: p5
# names with digits that each language writes its own way (코로나19 for COVID-19)
_NAMES = re.compile(r"COVID-19|코로나\s?19")

_EN_WORDS = {w: i for i, w in enumerate(
    "zero one two three four five six seven eight nine ten eleven twelve".split())}
_EN_WORDS |= {w: i for i, w in enumerate(
    "_ first second third fourth fifth sixth seventh eighth ninth tenth eleventh "
    "twelfth".split()) if i}
_EN_WORDS |= {"once": 1, "twice": 2, "double": 2, "half": 2, "quarter": 4, "dozen": 12,
              "twenty": 20, "twentieth": 20, "hundred": 100, "thirty": 30, "forty": 40,
              "fifty": 50, "nineteenth": 19, "thousand": 1e3, "million": 1e6,
              "billion": 1e9}
_EN_WORD = re.compile(r"\b(" + "|".join(_EN_WORDS) + r")\b", re.I)
_KO_WORDS = {"영": 0, "한": 1, "하나": 1, "첫": 1, "두": 2, "둘": 2, "세": 3, "셋": 3, "네": 4,
             "넷": 4, "다섯": 5, "여섯": 6, "일곱": 7, "여덟": 8, "아홉": 9, "열": 10, "열한": 11,
             "열두": 12, "스무": 20, "스물": 20, "절반": 2, "반": 2, "십여": 10, "수십": 10,
             "백": 100, "천": 1000, "이중": 2, "일": 1, "이": 2, "삼": 3, "사": 4, "오": 5}
_KO_WORD = re.compile(r"(?<![가-힣])(" + "|".join(sorted(_KO_WORDS, key=len, reverse=True))
                      + r")(?=\s|번|째|배|분의|차례|가지|개|명|해|달|시기|단계|곳|쪽|사람|$)")


def _value(whole: str, frac: str | None) -> float:
    return float(whole.replace(",", "") + (frac or ""))


def english_numbers(text: str) -> Counter:
    """The numbers of an English text as values: ``975 million`` -> 975000000.0, a range
    sharing its scale word (``90-170 million``) read as two such values, month names as their
    numbers (``22 December 2019`` -> 22, 12, 2019: Korean writes 12월; abbreviated too, ``Oct
    2024`` and ``Sept. 2025``: an abbreviation counts when a dot or a number follows it, so the
    word "Dec" alone is no month), an ISO date as its parts (``2020-03-10`` -> 2020, 3, 10:
    ``2020년 3월 10일``), ``half a billion`` as 500000000.0."""
    text = _NAMES.sub(" ", text)
    found = list(_EN.finditer(text))
    out: Counter = Counter()
    for i, m in enumerate(found):
        word = m.group(3)
        if not word and i + 1 < len(found) and found[i + 1].group(3) \
                and _RANGE.match(text[m.end():found[i + 1].start()]):
            word = found[i + 1].group(3)  # 90-170 million: both ends are millions
        scale = _EN_SCALE[word.lower()] if word else 1.0
        out[round(_value(m.group(1), m.group(2)) * scale, 6)] += 1
    for m in _MONTH.finditer(text):
        out[float(next(i for i, name in enumerate(_MONTHS, 1)
                       if name.startswith(m.group(1)[:3])))] += 1
    for m in _HALF.finditer(text):
        out[_EN_SCALE[m.group(1).lower()] / 2] += 1
    return out


def korean_numbers(text: str) -> Counter:
    """The numbers of a Korean text as values, the units 천/백/십 and 조/억/만 read, and the parts
    of a compound (``9억 7,500만``, ``1만 5,000``: a larger unit then a smaller, separated by at
    most a space) added up. ``2020만`` (a year without a comma, then 만) is the year and the
    particle 만 ("only"); ``제8조`` is article 8."""
    text = _NAMES.sub(" ", text)
    parts: list[tuple[int, int, float, float]] = []  # (start, end, value, unit of the part)
    for m in _KO.finditer(text):
        number = _value(m.group(1), m.group(2))
        year = "," not in m.group(1) and not m.group(2) and 1800 <= number <= 2100
        if text[max(0, m.start() - 1):m.start()] == "제" or (year and m.group(4) == "만"):
            value, big = number, 1.0
        else:
            small = _KO_SMALL.get(m.group(3) or m.group(5) or "", 1.0)
            big = _KO_BIG.get(m.group(4) or "", 1.0)
            value = number * small * big
        parts.append((m.start(), m.end(), value, big))
    out: Counter = Counter()
    i = 0
    while i < len(parts):
        start, end, value, unit = parts[i]
        while (i + 1 < len(parts) and unit > 1 and text[end:parts[i + 1][0]] in ("", " ")
               and parts[i + 1][3] < unit and parts[i + 1][2] < unit):
            i += 1
            _, end, more, unit = parts[i]
            value += more
        out[round(value, 6)] += 1
        i += 1
    return out


def number_words(text: str, korean: bool = False) -> set[float]:
    """Numbers a text writes as words (``two``, ``third``, ``twice``; 두, 세 번째, 절반): a
    translation may write them in digits, or the other way round (and 1 always, for ``a
    year`` -> 1년)."""
    words, pattern = (_KO_WORDS, _KO_WORD) if korean else (_EN_WORDS, _EN_WORD)
    return {1.0} | {float(words[m.group(1) if korean else m.group(1).lower()])
                    for m in pattern.finditer(text)}


_FENCE = re.compile(r"```.*?```", re.S)
_SPAN = re.compile(r"`[^`]+`")
_URL = re.compile(r"https?://[^\s)>\]\"']+|\]\(([^)\s]+)\)")
_SOURCE_ID = re.compile(r"(?<![A-Za-z0-9_])[A-Z][A-Z0-9_]{4,}(?![A-Za-z0-9_])")
_MATH = re.compile(r"\$\$.+?\$\$|(?<![\\$])\$[^$\n]+?\$", re.S)
_TEXT = re.compile(r"\\text\{[^{}]*\}")
MARKERS = ("### BEGIN SOLUTION", "### END SOLUTION", "### BEGIN HIDDEN TESTS",
           "### END HIDDEN TESTS", "YOUR ANSWER HERE", "YOUR CODE HERE")
"""nbgrader's markers: each must appear as often in the translation as in the English."""


def code_spans(text: str) -> Counter:
    """The inline ``code spans`` of a markdown text, white space inside them normalised (a span
    may break across lines), fenced blocks counted whole."""
    fences = _FENCE.findall(text)
    spans = (" ".join(s.split()) for s in _SPAN.findall(_FENCE.sub("", text)))
    return Counter(spans) + Counter(fences)


def links(text: str) -> Counter:
    """URLs and markdown link targets."""
    return Counter((m.group(1) or m.group(0)).rstrip(".,;:") for m in _URL.finditer(text))


def source_ids(text: str, known=()) -> Counter:
    """Source ids: tokens of five or more capitals, digits and underscores that hold a digit or
    an underscore (``YTN2025``, ``UN1718``, ``FT_NKWATCH``) or are among ``known`` (the ids of
    ``data/sources.csv``, such as ``ASMOLOV``); an abbreviation in capitals that is no source
    id (``UNSCR``) may be translated."""
    return Counter(t for t in _SOURCE_ID.findall(text)
                   if t in known or any(c.isdigit() or c == "_" for c in t))


def math(text: str) -> Counter:
    """LaTeX math (``$...$``, ``$$...$$``) with the words inside ``\\text{...}`` blanked."""
    return Counter(_TEXT.sub(r"\\text{}", m) for m in _MATH.findall(_FENCE.sub("", text)))


def markers(text: str) -> Counter:
    """nbgrader's markers in a text."""
    return Counter({m: text.count(m) for m in MARKERS if m in text})


def parameter_names(text: str, names) -> Counter:
    """The parameters of ``names`` that a text names outside code spans (those with an
    underscore only: ``quota_usd``; a name that is also an English word, such as ``workers``,
    is compared inside code spans)."""
    bare = _SPAN.sub(" ", _FENCE.sub(" ", text))
    return Counter({n: c for n in names if "_" in n
                    and (c := len(re.findall(rf"(?<![A-Za-z0-9_]){re.escape(n)}"
                                             rf"(?![A-Za-z0-9_])", bare)))})


def _python(source: str) -> str:
    return "\n".join("" if line.lstrip().startswith(("%", "!")) else line
                     for line in source.split("\n"))


class _Mask(ast.NodeTransformer):
    def visit_Constant(self, node: ast.Constant) -> ast.Constant:  # noqa: N802 - ast API
        return ast.Constant("") if isinstance(node.value, str) else node

    def visit_JoinedStr(self, node: ast.JoinedStr) -> ast.JoinedStr:  # noqa: N802
        # the constant parts of an f-string are text; its placeholders stay, as a set
        values = [self.visit(v) for v in node.values if not isinstance(v, ast.Constant)]
        values.sort(key=ast.dump)
        return ast.JoinedStr(values=values)


def masked(source: str) -> str:
    """``ast.dump`` of a code cell with every string's text blanked (f-strings: their
    placeholders kept, in sorted order): two cells that differ only in texts and comments give
    the same dump. IPython ``%`` and ``!`` lines are left out.

    Raises
    ------
    SyntaxError
        When the cell is not valid Python.
    """
    tree = _Mask().visit(ast.parse(_python(source)))
    return ast.dump(tree, include_attributes=False)


CHECKS = {"numbers": None, "code spans": code_spans, "links": links, "source ids": source_ids,
          "LaTeX math": math, "nbgrader markers": markers}


def _diff(a: Counter, b: Counter) -> str:
    gone, added = a - b, b - a
    parts = []
    if gone:
        parts.append("missing " + ", ".join(f"{k!r}" + (f" x{v}" if v > 1 else "")
                                            for k, v in sorted(gone.items(), key=str)))
    if added:
        parts.append("extra " + ", ".join(f"{k!r}" + (f" x{v}" if v > 1 else "")
                                          for k, v in sorted(added.items(), key=str)))
    return "; ".join(parts)


def compare(english: str, korean: str, code: bool = False, names=(), ids=()) -> list[str]:
    """What a Korean translation changed that it must keep, one line each (empty when
    faithful).

    Parameters
    ----------
    english, korean : str
        The English text and its translation.
    code : bool
        The texts are code cells: their code must be the same once string contents and
        comments are blanked (:func:`masked`).
    names : iterable of str
        Parameter names (:func:`parameter_names`).
    ids : collection of str
        Source ids without a digit or underscore (:func:`source_ids`).
    """
    out = []
    en, ko = english_numbers(english), korean_numbers(korean)
    gone = Counter({k: v for k, v in (en - ko).items() if k not in number_words(korean, True)})
    added = Counter({k: v for k, v in (ko - en).items() if k not in number_words(english)})
    if gone or added:
        out.append(f"numbers differ: {_diff(gone, Counter()) or ''}"
                   f"{'; ' if gone and added else ''}{_diff(Counter(), added)}".strip())
    for what, find in CHECKS.items():
        if find is None or (code and what in ("code spans", "LaTeX math")):
            continue
        a, b = ((find(english, ids), find(korean, ids)) if find is source_ids
                else (find(english), find(korean)))
        if a != b:
            out.append(f"{what} differ: {_diff(a, b)}")
    a, b = parameter_names(english, names), parameter_names(korean, names)
    if a != b and not code:
        out.append(f"parameter names differ: {_diff(a, b)}")
    if code:
        try:
            if masked(english) != masked(korean):
                out.append("the code differs (not only its strings and comments)")
        except SyntaxError as exc:
            out.append(f"the translated code is not valid Python: {exc.msg}, line {exc.lineno}")
    return out
