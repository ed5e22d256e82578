"""The offline pages (dispatchlib.report): number formatting, formulas drawn without MathJax,
escaping of everything a user can type, and the docstring examples of the run modules."""

import base64
import doctest

import nbformat
import pytest
from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook

from dispatchlib import compare, report, runner, sweep


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
    html = report._math_html(r"\notacommand{<x>}", display=False)
    assert html == r'<code class="dl-tex">$\notacommand{&lt;x&gt;}$</code>'


def test_a_page_has_no_script_and_its_formulas_and_figures_inline(tmp_path):
    nb = new_notebook(cells=[
        new_markdown_cell("# T\n\nInline $x^2$ and display $$y = \\frac{1}{2}$$ and money \\$5."),
        new_code_cell('x = "<script>alert(1)</script>"', outputs=[nbformat.v4.new_output(
            "display_data", data={"image/png": "iVBORw0KGgo=", "text/plain": "<Figure>"})]),
    ])
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3"}
    path = tmp_path / "01_t.ipynb"
    nbformat.write(nb, str(path))
    page = report.render_notebook(path, nav="run <b>x</b>").read_text()
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
