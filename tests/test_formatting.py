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
