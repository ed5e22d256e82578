"""How numbers are written, everywhere: figures, tables, printed text and HTML pages.

One amount prints one way wherever it appears: :func:`usd` writes dollars compactly
(``$9,750``, ``$146M``, ``$1.44B``: two decimals below 10, one below 100, none from 100 up),
:func:`number` writes any other quantity with thousands separators and at most 6 significant
digits (whole units from 100,000 up), never in exponent notation (``1,440,230,000``, not
``1.44023e+09``), and a year is never given a thousands separator (``2035``, not ``2,035``).

Examples
--------
>>> usd(9750), usd(146_250_000), usd(1_440_230_000), usd(1.5e9), usd(12.5e9)
('$9,750', '$146M', '$1.44B', '$1.5B', '$12.5B')
>>> number(1_440_230_000.4), number(0.125), number(15000), number(2035, "year")
('1,440,230,000', '0.125', '15,000', '2035')
"""

from __future__ import annotations

import math

import numpy as np


def plain(x: float) -> str:
    """``x`` with thousands separators and up to two decimals, trailing zeros dropped:
    ``9,750``, ``1.5``, ``0.33``."""
    if float(x).is_integer():
        return f"{x:,.0f}"
    return f"{x:,.2f}".rstrip("0").rstrip(".")


def scaled(x: float) -> str:
    """A number of millions or billions: two decimals below 10, one below 100, none above."""
    digits = 2 if abs(x) < 10 else 1 if abs(x) < 100 else 0
    return plain(round(x, digits))


def usd(x: float, _pos=None) -> str:
    """US dollars, compactly: ``$950M``, ``$1.23B``, ``$9,750`` (also a matplotlib tick
    formatter: the second argument is the tick position, unused).

    In Korean (:func:`dispatchlib.i18n.use_language`) the same amounts are written in 억
    (10^8) and 만 (10^4) with the same rule for decimals: ``9.5억 달러``, ``12.3억 달러``,
    ``9,750달러``.

    >>> from dispatchlib.i18n import use_language
    >>> use_language("ko"); usd(950e6), usd(1.23e9), usd(146_250_000), usd(9750), usd(97.5e6)
    ('9.5억 달러', '12.3억 달러', '1.46억 달러', '9,750달러', '9,750만 달러')
    >>> use_language("en"); usd(950e6)
    '$950M'
    """
    from dispatchlib.i18n import current_language

    sign = "-" if x < 0 else ""
    if current_language() == "ko":
        for big, word in ((1e8, "억 "), (1e4, "만 ")):
            if abs(x) >= big and abs(x) / big >= (1 if big == 1e8 else 100):
                return f"{sign}{scaled(abs(x) / big)}{word}달러"
        return f"{sign}{abs(x):,.0f}달러"
    if abs(x) >= 1e9:
        return f"{sign}${scaled(abs(x) / 1e9)}B"
    if abs(x) >= 1e6:
        return f"{sign}${scaled(abs(x) / 1e6)}M"
    return f"{sign}${abs(x):,.0f}"


def percent(share: float, digits: int = 0, _pos=None) -> str:
    """A share (0.95) as a percentage (``95%``), with ``digits`` decimals.

    >>> percent(0.95), percent(0.0123, 1)
    ('95%', '1.2%')
    """
    return f"{share:.{digits}%}"


def thousands(x: float, _pos=None) -> str:
    """A count with thousands separators, no decimals (a tick formatter too)."""
    return f"{x:,.0f}"


def number(x: float, unit: str = "") -> str:
    """Any quantity: thousands separators, at most 6 significant digits, no exponent; a year
    (``unit == "year"``) without separators.

    Parameters
    ----------
    x : float
        The value.
    unit : str, optional
        Its unit; ``"year"`` means a calendar year.
    """
    x = float(x)
    if not math.isfinite(x):
        return str(x)
    if unit == "year":
        return f"{x:.0f}" if x.is_integer() else f"{x:g}"
    if x.is_integer() and abs(x) < 1e15:
        return f"{int(x):,}"
    if abs(x) >= 1e5:  # whole units are enough from a hundred thousand up
        return f"{x:,.0f}"
    text = np.format_float_positional(x, precision=6, unique=False, fractional=False,
                                      trim="-")
    whole, _, frac = text.partition(".")
    sign = "-" if whole.startswith("-") else ""
    whole = f"{int(whole.lstrip('-') or 0):,}"
    return sign + whole + ("." + frac if frac else "")


#: words that mark a whole number as a label (a calendar year, a random seed), not a quantity
LABEL_WORDS = frozenset({"year", "seed"})

#: the Korean words of the units :func:`quantity` writes after a number
_KO_UNITS = {"persons": "명", "months": "개월", "person-years": "인년", "per year": "/년",
             "entries": "건"}

#: USD per something: the Korean words around the amount (``노동자 1인당 연 9,750달러``, as
#: the audit's ranges read) and the English after it (``USD 9,600 per year``)
_USD_PER = {"USD per year": ("연 ", "per year"),
            "USD per worker per year": ("노동자 1인당 연 ", "per worker per year"),
            "USD per worker per month": ("노동자 1인당 월 ", "per worker per month"),
            "USD per returnee": ("귀국자 1인당 ", "per returnee")}


def unit_text(unit: str) -> str:
    """A unit of the registry or of the scenario engine (``persons``, ``USD per year``...) in
    the current language, as an axis label or a table shows it; an unknown unit as it is."""
    from dispatchlib.i18n import _

    return {"persons": _("persons"), "years": _("years"), "year": _("year"),
            "months": _("months"), "USD": _("USD"), "USD per year": _("USD per year"),
            "USD per worker per year": _("USD per worker per year"),
            "USD per worker per month": _("USD per worker per month"),
            "USD per returnee": _("USD per returnee"), "per year": _("per year"),
            "percent per year": _("percent per year"), "ratio": _("ratio"),
            "probability": _("probability"), "person-years": _("person-years"),
            "draws": _("draws")
            }.get(unit, unit)


def korean_number(n: int) -> str:
    """A whole number in Korean units of ten thousand (만) and a hundred million (억), each
    part with thousands separators.

    >>> korean_number(975_000_000), korean_number(100_000), korean_number(80_460)
    ('9억 7,500만', '10만', '8만 460')
    >>> korean_number(9_600), korean_number(1_440_000_000), korean_number(-20_000)
    ('9,600', '14억 4,000만', '-2만')
    """
    sign, n = ("-" if n < 0 else ""), abs(int(n))
    if n < 10_000:
        return f"{sign}{n:,}"
    parts = [f"{v:,}{word}" for v, word in ((n // 10**8, "억"), (n // 10**4 % 10**4, "만"),
                                          (n % 10**4, "")) if v]
    return sign + " ".join(parts)


def _with_unit(number_text: str, word: str) -> str:
    """A Korean unit word after a number: joined to digits (``9,600명``), after a space when
    the number ends in a unit of its own (``10만 명``)."""
    return number_text + ("" if number_text[-1:].isdigit() else " ") + word


def quantity(value: object, unit: str = "", name: str = "", lang: str | None = None) -> str:
    """A value with its unit in words, the one way amounts are written on the run pages.

    Whole numbers and numbers of 100 or more get thousands separators and no decimals; smaller
    ones three significant digits; USD amounts of a million or more are written in millions or
    billions (three significant digits); years and seeds (a ``unit`` of ``year``, or no unit
    and a ``name`` with the word ``year`` or ``seed``) are labels, without separators. A
    ``fraction`` (a change of ``-0.67``) is written as a percentage (``-67%``), a ``factor`` as
    so many times (``154×``, in Korean ``154배``). In Korean (``lang="ko"``, default
    :func:`dispatchlib.i18n.current_language`) large numbers are written in 만 and 억 and the
    unit follows the number.

    Parameters
    ----------
    value : object
        The value (a number, or anything else, written as text; None: not computed).
    unit : str
        ``USD``, ``USD per year`` (and the other ``USD per ...`` of the registry), ``%``,
        ``fraction``, ``factor``, ``persons``, ``entries``, ``months``, ``person-years``,
        ``per year``, ``year``, ``ratio``, ``probability`` or ``""``.
    name : str
        The value's name (a result key), read for the words ``year`` and ``seed``.
    lang : {"en", "ko"}, optional
        Language of the words.

    Examples
    --------
    >>> quantity(975000000.0, "USD"), quantity(-61.7293, "%"), quantity(80460.1, "persons")
    ('USD 975 million', '-61.7%', '80,460 persons')
    >>> quantity(9600, "persons"), quantity(2035, "year"), quantity(None), quantity(0.4567)
    ('9,600 persons', '2035', 'not computed', '0.457')
    >>> quantity(975000000.0, "USD", lang="ko"), quantity(100000, "persons", lang="ko")
    ('9억 7,500만 달러', '10만 명')
    >>> quantity(6500.0, "USD", lang="ko"), quantity(3.2, "months", lang="ko")
    ('6,500달러', '3.2개월')
    >>> quantity(-0.67, "fraction"), quantity(154.285, "factor"), quantity(7.7, "factor", lang="ko")
    ('-67%', '154×', '7.7배')
    >>> quantity(9600.0, "USD per year", "gross_usd_per_year")
    'USD 9,600 per year'
    >>> quantity(3300.0, "USD per worker per year", lang="ko")
    '노동자 1인당 연 3,300달러'
    """
    from dispatchlib.i18n import _, current_language

    ko = (lang or current_language()) == "ko"
    if value is None:
        return "계산되지 않음" if ko else "not computed"
    if isinstance(value, bool) or not isinstance(value, int | float):
        if isinstance(value, list | tuple):
            return ", ".join(str(v) for v in value)
        return str(value)
    if unit == "year" or (not unit and LABEL_WORDS & set(name.lower().split("_"))):
        return f"{value:.0f}" if float(value).is_integer() else f"{value:g}"
    if unit == "fraction":
        return quantity(value * 100, "%", lang=lang)
    if unit in _USD_PER:
        before, after = _USD_PER[unit]
        amount = quantity(value, "USD", lang=lang)
        return before + amount if ko else f"{amount} {after}"
    if ko and unit == "USD" and abs(value) >= 1e6:
        return _with_unit(korean_number(int(float(f"{value:.3g}"))), "달러")
    if unit == "USD" and abs(value) >= 1e6:
        big, word = (1e9, "billion") if abs(value) >= 1e9 else (1e6, "million")
        return f"USD {value / big:,.3g} {word}"
    whole = float(value).is_integer() or abs(value) >= 100
    if ko and whole:
        text = korean_number(round(value))
    else:
        text = f"{round(value):,}" if whole else f"{value:.3g}"
    if unit == "%":
        return f"{text}%"
    if unit == "factor":
        return _with_unit(text, "배") if ko else f"{text}×"
    if ko:
        if unit == "USD":
            return _with_unit(text, "달러")
        return _with_unit(text, _KO_UNITS.get(unit, _(unit))) \
            if unit and unit not in ("ratio", "probability") else text
    if unit == "USD":
        return f"USD {text}"
    return f"{text} {unit}" if unit and unit not in ("ratio", "probability") else text


#: the scales :func:`amount` writes an amount in (English words and their size)
AMOUNT_SCALES = {"billion": 1e9, "million": 1e6, "": 1.0}


def amount(x: float, digits: int = 2, scale: str | None = None,
           lang: str | None = None) -> str:
    """A dollar amount for a sentence, in words: ``USD 146.25 million`` in English,
    ``1억 4,625만 달러`` in Korean (the same rounded value, in 억 and 만).

    Parameters
    ----------
    x : float
        The amount (USD).
    digits : int
        Decimals kept on the scale of the words (millions or billions; trailing zeros dropped).
    scale : {"million", "billion", ""}, optional
        Write the amount in millions or billions (``""``: in dollars); by default billions from
        USD 1 billion, millions from USD 1 million, dollars below.
    lang : {"en", "ko"}, optional
        Language (default :func:`dispatchlib.i18n.current_language`).

    Examples
    --------
    >>> amount(146_250_000), amount(127_099_000, 0), amount(1_050_970_000), amount(9750)
    ('USD 146.25 million', 'USD 127 million', 'USD 1.05 billion', 'USD 9,750')
    >>> amount(146_250_000, lang="ko"), amount(1_050_970_000, lang="ko")
    ('1억 4,625만 달러', '10억 5,000만 달러')
    >>> amount(25_430_900, 1, lang="ko"), amount(9750, lang="ko")
    ('2,540만 달러', '9,750달러')
    """
    return amount_range(x, x, digits, scale, lang=lang)


def amount_range(low: float, high: float, digits: int = 2, scale: str | None = None,
                 sep: str = " to ", lang: str | None = None) -> str:
    """A range of dollar amounts in words, both ends on one scale (that of the larger end,
    unless ``scale`` is given): ``USD 0.74 to 1.31 billion``; in Korean ``7억 4,000만~13억
    1,000만 달러``. Equal ends give one amount (:func:`amount`).

    Parameters
    ----------
    low, high : float
        The ends (USD).
    digits, scale, lang
        As for :func:`amount`.
    sep : str
        What stands between the ends in English (``" to "``, ``" and "``, ``"-"``); Korean
        writes ``~``.

    Examples
    --------
    >>> amount_range(743_643_000, 1_309_580_000), amount_range(91.5e6, 148.7e6, 0, sep=" and ")
    ('USD 0.74 to 1.31 billion', 'USD 92 and 149 million')
    >>> amount_range(743_643_000, 1_309_580_000, lang="ko")
    '7억 4,000만~13억 1,000만 달러'
    """
    from dispatchlib.errors import ParameterError
    from dispatchlib.i18n import current_language

    if scale is None:
        top = max(abs(low), abs(high))
        scale = "billion" if top >= 1e9 else "million" if top >= 1e6 else ""
    if scale not in AMOUNT_SCALES:
        raise ParameterError("scale", scale, "'million', 'billion' or ''")
    big = AMOUNT_SCALES[scale]
    ends = [round(v / big, digits) for v in (low, high)]
    if (lang or current_language()) == "ko":
        words = [korean_number(round(v * big)) for v in ends]
        return _with_unit(words[0] if ends[0] == ends[1] else "~".join(words), "달러")
    text = plain(ends[0]) if ends[0] == ends[1] else f"{plain(ends[0])}{sep}{plain(ends[1])}"
    return f"USD {text}" + (f" {scale}" if scale else "")


def date(text: str, lang: str | None = None) -> str:
    """A date of the data (ISO text: ``2020-03-10``, a month ``2020-03`` or a year ``2020``)
    as a sentence shows it: the ISO text unchanged in English, the Korean date in Korean.

    Parameters
    ----------
    text : str
        ``YYYY-MM-DD``, ``YYYY-MM`` or ``YYYY``; any other text is returned as it is.
    lang : {"en", "ko"}, optional
        Language (default :func:`dispatchlib.i18n.current_language`).

    Examples
    --------
    >>> date("2020-03-10"), date("2020-03-10", lang="ko"), date("2020-03", lang="ko")
    ('2020-03-10', '2020년 3월 10일', '2020년 3월')
    >>> date("2017", lang="ko"), date("late 2017", lang="ko")
    ('2017년', 'late 2017')
    """
    from dispatchlib.i18n import current_language

    text = str(text)
    if (lang or current_language()) != "ko":
        return text
    parts = text.split("-")
    if not (1 <= len(parts) <= 3 and all(p.isdigit() for p in parts) and len(parts[0]) == 4):
        return text
    return " ".join(f"{int(p)}{word}" for p, word in zip(parts, ("년", "월", "일"), strict=False))


def not_estimable(factor: float, ci_level: float | None = None) -> str:
    """The words for a change whose interval is too wide to be a finding.

    Parameters
    ----------
    factor : float
        How many times the top of the interval is its bottom, on the scale of persons (ratio).
    ci_level : float, optional
        Probability covered by the interval, when known (for the text).

    Examples
    --------
    >>> not_estimable(524.6, 0.95)
    'not estimable from these data (the 95% interval spans a factor of 525)'
    >>> not_estimable(154.2)
    'not estimable from these data (the interval spans a factor of 154)'
    """
    from dispatchlib.i18n import _

    level = f"{ci_level:.0%} " if ci_level is not None else ""
    return _("not estimable from these data (the {level}interval spans a factor of "
             "{factor})").format(level=level, factor=f"{factor:,.0f}")
