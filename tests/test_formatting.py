"""One way of writing numbers: figures, tables, printed text and pages agree."""

import pytest

import dispatchlib as dl
from dispatchlib import formatting
from dispatchlib.lessons import claims_checks


@pytest.mark.parametrize(("amount", "text"), [
    (9_750, "$9,750"),            # below a million: whole dollars
    (146_250_000, "$146M"),       # 15,000 x 9,750; none from 100 up
    (1_440_230_000, "$1.44B"),    # two decimals below 10
    (1_500_000_000, "$1.5B"),     # trailing zero dropped
    (12_460_000_000, "$12.5B"),   # one decimal below 100
    (-2_000_000, "-$2M"),
])
def test_dollars_print_the_same_in_figures_tables_and_text(amount, text):
    assert formatting.usd(amount) == text
    assert dl.plots.usd(amount) == text          # tick labels and figure titles
    assert dl.implications.usd(amount) == text   # the lever table of 05


def test_the_audit_ranges_use_the_same_rounding():
    assert claims_checks._scaled(1.44023) == formatting.scaled(1.44023) == "1.44"
    assert claims_checks._num(0.33) == formatting.plain(0.33) == "0.33"


@pytest.mark.parametrize(("value", "unit", "text"), [
    (1.44023e9, "", "1,440,230,000"),   # never 1.44023e+09
    (1234567.891, "", "1,234,568"),
    (0.000012345678, "", "0.0000123457"),
    (3.14159265, "", "3.14159"),
    (2035, "year", "2035"),             # years never get a separator
    (2035.0, "year", "2035"),
    (15000, "", "15,000"),
])
def test_number_has_separators_no_exponent_and_plain_years(value, unit, text):
    assert formatting.number(value, unit) == text


@pytest.mark.parametrize(("args", "english", "korean"), [
    # 15,000 workers x USD 9,750 = 146,250,000: two decimals of a million
    ((146_250_000,), "USD 146.25 million", "1억 4,625만 달러"),
    # the start-here median at the ceiling, 1,050,970,000: 1.05 billion = 10억 5,000만
    ((1_050_970_000,), "USD 1.05 billion", "10억 5,000만 달러"),
    # 127,099,000 rounded to whole millions: 127 million = 1억 2,700만
    ((127_099_000, 0), "USD 127 million", "1억 2,700만 달러"),
    # 25,430,900 to one decimal of a million: 25.4 million = 2,540만
    ((25_430_900, 1), "USD 25.4 million", "2,540만 달러"),
    # 1,703,540,000 in billions, one decimal: 1.7 billion = 17억
    ((1_703_540_000, 1, "billion"), "USD 1.7 billion", "17억 달러"),
    # 100,000 x 9,750 = 975,000,000: below a billion, so millions
    ((975_000_000,), "USD 975 million", "9억 7,500만 달러"),
    ((9_750,), "USD 9,750", "9,750달러"),        # below a million: dollars
])
def test_amount_in_words_in_english_and_korean(args, english, korean):
    assert formatting.amount(*args) == english
    assert formatting.amount(*args, lang="ko") == korean
    dl.use_language("ko")
    try:
        assert formatting.amount(*args) == korean   # the current language by default
    finally:
        dl.use_language("en")


def test_amount_range_puts_both_ends_on_one_scale():
    # 5th to 95th percentile at the ceiling: 743,643,000 and 1,309,580,000 in billions
    assert formatting.amount_range(743_643_000, 1_309_580_000) == "USD 0.74 to 1.31 billion"
    assert formatting.amount_range(743_643_000, 1_309_580_000, lang="ko") == \
        "7억 4,000만~13억 1,000만 달러"
    # 91.5 and 148.7 million, whole millions: 92 and 149
    assert formatting.amount_range(91.5e6, 148.7e6, 0, sep=" and ") == "USD 92 and 149 million"
    assert formatting.amount_range(91.5e6, 148.7e6, 0, lang="ko") == "9,200만~1억 4,900만 달러"
    assert formatting.amount_range(149.2e6, 279.4e6, 0, "million", "-") == "USD 149-279 million"
    assert formatting.amount_range(5e6, 5e6, 0) == formatting.amount(5e6, 0) == "USD 5 million"


def test_amount_names_a_wrong_scale():
    with pytest.raises(ValueError, match="scale"):
        formatting.amount(1e6, scale="lakh")


@pytest.mark.parametrize(("text", "korean"), [
    ("2020-03-10", "2020년 3월 10일"),   # leading zeros of month and day dropped
    ("2017-12-31", "2017년 12월 31일"),
    ("2020-03", "2020년 3월"),           # a month only
    ("2024", "2024년"),                  # a year only
    ("late 2017", "late 2017"),          # not an ISO date: as it is
])
def test_dates_of_the_data_read_as_iso_in_english_and_as_korean_dates(text, korean):
    assert formatting.date(text) == text                 # English: the ISO text unchanged
    assert formatting.date(text, lang="ko") == korean
    dl.use_language("ko")
    try:
        assert formatting.date(text) == korean           # the current language by default
    finally:
        dl.use_language("en")
    assert formatting.date(text) == text
