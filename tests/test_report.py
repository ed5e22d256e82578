"""The offline pages (dispatchlib.run.pages): number formatting, formulas drawn without MathJax,
escaping of everything a user can type, and the docstring examples of the run modules."""

import base64
import doctest

import nbformat
import pytest
from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook

from dispatchlib import results
from dispatchlib.run import compare, discovery, notebook_pages, runner, sweep
from dispatchlib.run import pages as report


@pytest.mark.parametrize(("value", "name", "text"), [
    (975_000_000.0, "", "975,000,000"),  # a whole float above 1e5: no decimals
    (1_234_567.891, "", "1,234,568"),
    (9750.0, "", "9,750"),
    (3.2, "", "3.2"),
    (0.0123456789, "", "0.0123457"),  # 6 significant digits
    (15000, "workers", "15,000"),
    (2035, "end_year", "2035"),  # a calendar year keeps no separator
    (3, "years_abroad", "3"),
    (2025, "seed", "2025"),  # a seed is a label: no separator (was "2,025")
    (12345, "seed", "12345"),
    (2025.0, "start_year", "2025"),  # a whole float year from a sweep table
    (20250, "workers", "20,250"),  # a quantity keeps its separator
    (2500.0, "years_abroad", "2,500"),  # "years" is a duration, not the word "year"
    (True, "", "True"),
    (None, "", ""),
    (["H", "M"], "", "H, M"),
])
def test_fmt(value, name, text):
    assert report.fmt(value, name) == text


def test_formulas_are_drawn_as_svg_and_unknown_ones_stay_tex():
    uri, depth = report.math_svg(r"\frac{a}{b} \times 12", display=True)
    assert uri.startswith("data:image/svg+xml;base64,")
    svg = base64.b64decode(uri.split(",", 1)[1]).decode()
    assert "<svg" in svg and "<dc:date>" not in svg  # no date: the same page every time
    assert depth > 0  # a fraction reaches below the baseline
    assert report.math_svg(r"\notacommand{x}") is None
    html = notebook_pages._math_html(r"\notacommand{<x>}", display=False)
    assert html == r'<code class="dl-tex">$\notacommand{&lt;x&gt;}$</code>'


@pytest.mark.parametrize("tex", [
    # 02 section 1: a display formula written over two lines
    "\\text{yearly quota} = \\frac{\\text{amount}}{\\text{months}} \\times 12, \\qquad\n"
    "\\text{state revenue} = \\text{workers} \\times \\text{yearly quota}",
    r"\log W_t = b_0 + b_2[t \ge s] + b_4[t \le r]",  # 03: \ge and \le (mathtext: \geq, \leq)
    r"m = t_0 + \ln\!\big((C - S)/S\big)/k",  # 04: mathtext has no \big, a plain ( instead
])
def test_formulas_mathtext_reads_only_in_another_spelling_are_drawn(tex):
    assert report.math_svg(tex, display=True) is not None
    page = notebook_pages._math_html(tex, display=True)
    assert "<img" in page and "dl-tex" not in page


def test_tex_is_put_on_one_line_with_mathtext_spellings():
    assert notebook_pages.mathtext_source("a \\ge b,\n  c \\le \\bigl(d\\bigr) \\geq e") == \
        "a \\geq b, c \\leq (d) \\geq e"
    assert notebook_pages.mathtext_source(r"\text{begin} \big(x\Big)") == r"\text{begin} (x)"


def test_a_page_has_no_script_and_its_formulas_and_figures_inline(tmp_path):
    nb = new_notebook(cells=[
        new_markdown_cell("# T\n\nInline $x^2$ and display $$y = \\frac{1}{2}$$ and money \\$5."),
        new_code_cell('x = "<script>alert(1)</script>"', outputs=[nbformat.v4.new_output(
            "display_data", data={"image/png": "iVBORw0KGgo=", "text/plain": "<Figure>"})]),
    ])
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3"}
    path = tmp_path / "01_t.ipynb"
    nbformat.write(nb, str(path))
    page = report.render_notebook(path, back_link="run <b>x</b>").read_text()
    assert "<script" not in page and "mathjax" not in page.lower()
    assert "&lt;script&gt;alert" in page  # code is shown, escaped by the highlighter
    assert page.count('src="data:image/svg+xml;base64,') == 2  # two formulas
    assert 'src="data:image/png;base64,iVBORw0KGgo="' in page
    assert "money $5." in page
    assert '<a href="index.html">\u2190 run &lt;b&gt;x&lt;/b&gt;</a>' in page
    assert (path.with_suffix(".html").stat().st_mode & 0o044) == 0o044  # readable by others


def test_index_escapes_what_users_type(tmp_path):
    record = {
        "name": "n", "status": "failed", "seconds": 1.0, "overrides": {"label": "<i>"},
        "unused": ["<u>"],
        "scenario": {"title": "<script>x</script>", "description": "a & b", "references": []},
        "parameters": {"01_a": {"label": "<i>"}},
        "notebooks": {"01_a": {"status": "failed", "seconds": 1.0, "error": "E: <img src=x>",
                               "results": {"key<q": "val>q"}}},
        "versions": {"x": "<1>"}, "data_sha256": "<h>",
    }
    page = report.write_index(tmp_path, record).read_text()
    for raw in ("<script>x", "<i>", "<u>", "<img src=x>", "key<q", "val>q", "<1>", "<h>"):
        assert raw not in page
    assert "&lt;script&gt;x&lt;/script&gt;" in page and "a &amp; b" in page
    assert "E: &lt;img src=x&gt;" in page


@pytest.mark.parametrize("module", [report, runner, sweep, compare], ids=lambda m: m.__name__)
def test_docstring_examples(module):
    failed, _ = doctest.testmod(module)
    assert failed == 0


# --------------------------------------------------------------------------- the answer first

@pytest.mark.parametrize(("value", "unit", "name", "text"), [
    (975_000_000.0, "USD", "state_revenue_usd", "USD 975 million"),
    (1_234_000_000.0, "USD", "", "USD 1.23 billion"),
    (9600, "persons", "workers", "9,600 persons"),  # one way for whole numbers...
    (9750.0, "persons", "workers", "9,750 persons"),  # ...ints and whole floats alike
    (-61.7293, "%", "sanctions_jump_pct", "-61.7%"),  # three significant digits
    (80460.1, "persons", "people_exposed", "80,460 persons"),  # no decimals from 100 up
    (2035, "year", "end_year", "2035"),
    (0.4567, "ratio", "share_of_pool_end", "0.457"),
    (6500.0, "USD", "annual_quota_usd", "USD 6,500"),
    (None, "USD", "", "not computed"),
    (-0.67, "fraction", "enforcement_people_exposed_change", "-67%"),
    (2.21, "fraction", "contract_household_money_change", "221%"),
    (154.285, "factor", "sanctions_jump_pct_interval_factor", "154×"),
    (7.7, "factor", "", "7.7×"),
    # a name with the word "year" and a unit is an amount, not a label
    (9600.0, "USD per year", "gross_usd_per_year", "USD 9,600 per year"),
    (0.5, "per year", "ramp_speed_per_year", "0.5 per year"),
    (13221, "entries", "entries_2024", "13,221 entries"),
])
def test_quantities_are_written_one_way(value, unit, name, text):
    assert report.quantity(value, unit, name) == text


@pytest.mark.parametrize(("key", "unit"), [
    ("state_revenue_usd_end_p50", "USD"), ("official_drop_2018_pct", "%"),
    ("level_2025_workers", "persons"), ("people_exposed_end", "persons"),
    ("bribe_payback_months", "months"), ("midpoint_year", "year"),
    ("ramp_speed_per_year", "per year"), ("gap_worker_years", "person-years"),
    ("share_of_pool_end", "ratio"), ("claims", ""),
    # a change as a fraction of the value before, not persons; a factor, not a percentage
    ("enforcement_people_exposed_change", "fraction"),
    ("contract_state_revenue_change", "fraction"),
    ("sanctions_jump_pct_interval_factor", "factor"),
    ("gross_usd_per_year", "USD per year"), ("living_usd_per_worker_year",
                                              "USD per worker per year"),
    ("state_take_per_worker_usd", "USD"), ("entries_2024", "entries"),
    ("sources_entries", ""),  # a count of sources
])
def test_result_units_come_from_the_words_of_the_name(key, unit):
    assert report.result_unit(key) == unit


def test_a_run_page_leads_with_the_answer_in_words_and_units(tmp_path):
    record = {
        "name": "big", "status": "ok", "seconds": 3.0, "overrides": {"ceiling": 0},
        "parameters": {"02_economics": {"workers": 100000},
                       "04_prospects": {"ceiling": 0, "end_year": 2035}},
        "notebooks": {
            "02_economics": {"status": "ok", "seconds": 2.0, "results": {
                "workers": 100000, "state_revenue_usd": 975_000_000.0,
                "state_revenue_usd_p5": 812_345_678.9, "state_revenue_usd_p50": 853_000_000.0,
                "state_revenue_usd_p95": 1.1e9,
                "household_savings_usd": 150_000_000.0, "bribe_payback_months": 3.2}},
            "03_sanctions": {"status": "ok", "seconds": 1.0, "results": {
                "sanctions_jump_pct": None, "sanctions_jump_pct_low": -98.1,
                "sanctions_jump_pct_high": 199.0, "sanctions_jump_pct_interval_factor": 154.2}},
            "04_prospects": {"status": "ok", "seconds": 1.0, "results": {
                "workers_end": 80460.1, "end_year": 2035}}},
        "versions": {}, "data_sha256": "h",
    }
    page = report.write_index(tmp_path, record).read_text()
    answer = page.index("<h2>Headline results</h2>")
    assert answer < page.index("<h2>Notebooks</h2>") < page.index("<h2>Parameters</h2>")
    assert page.index("<h2>Parameters</h2>") < page.index("<h2>Every recorded result</h2>")
    head = page[answer:page.index("<h2>Notebooks</h2>")]
    # the central value and the median of the draws are told apart; the range goes with the draws
    assert "<dt>State revenue a year (central value: the brief&#x27;s arithmetic)</dt>" \
           "<dd>USD 975 million <span" in head
    assert "<dt>State revenue a year (median of draws)</dt><dd>USD 853 million (range " \
           "USD 812 million to USD 1.1 billion)" in head
    # a change the lesson could not estimate is said in words, not printed as a finding
    assert "<dd>not estimable from these data (the interval spans a factor of 154)" in head
    assert "<dt>Workers at the end year</dt><dd>80,460 persons" in head
    assert "<dt>Months to pay back the bribe</dt><dd>3.2 months" in head
    # parameters: their unit and meaning; 0 of ceiling says what it stands for
    params = page[page.index("<h2>Parameters</h2>"):page.index("<h2>Every recorded result")]
    assert '<td class="unit">persons</td>' in params
    assert "0 (the ramp_scenario&#x27;s ceiling)" in params
    assert "most DPRK workers Russia could host" in params
    assert '<div class="wide"><table>' in params
    # every result further down, with its unit, one format
    rest = page[page.index("<h2>Every recorded result</h2>"):]
    assert '<td class="num">USD 812 million</td>' in rest and "3.2 months" in rest
    # a factor is so many times, not a percentage
    assert "<code>sanctions_jump_pct_interval_factor</code></td><td class=\"num\">154×</td>" \
        in rest


def test_every_headline_is_a_result_its_notebook_records():
    # the results each committed lesson recorded at its defaults (dl.record / dl.housekeeping)
    for stem, lines in report.HEADLINES.items():
        recorded = results.extract(discovery.notebooks([stem])[0])["results"]
        for label, *keys in lines:
            for key in filter(None, keys):
                assert key in recorded, f"{stem} records no {key!r} (headline {label!r})"
