"""A lesson's computed sentences (``dispatchlib.teaching.prose.Markdown``) show amounts as
amounts: every dollar sign is escaped, so neither JupyterLab nor a run's page reads two amounts
in one paragraph as a formula."""

import nbformat
from nbformat.v4 import new_code_cell, new_notebook, new_output

from dispatchlib.run import notebook_pages
from dispatchlib.teaching.prose import Markdown, dollars

SENTENCE = "The identity leaves $3,300 a year ($275 a month) for living costs."


def test_every_dollar_sign_is_escaped_once():
    assert dollars(SENTENCE) == ("The identity leaves \\$3,300 a year (\\$275 a month) for "
                                 "living costs.")
    assert dollars(dollars(SENTENCE)) == dollars(SENTENCE)  # an escaped one stays as it is
    assert dollars("no amount") == "no amount"
    assert Markdown(SENTENCE)._repr_markdown_() == dollars(SENTENCE)


def test_a_page_shows_the_amounts_as_text_not_as_a_formula(tmp_path):
    cell = new_code_cell("Markdown(sentence)", execution_count=1)
    cell.outputs = [new_output("display_data", data={
        "text/markdown": Markdown(SENTENCE)._repr_markdown_(), "text/plain": "<Markdown>"})]
    path = tmp_path / "page.ipynb"
    nbformat.write(new_notebook(cells=[cell]), str(path))
    html = notebook_pages.render_notebook(path).read_text(encoding="utf-8")
    assert "$3,300 a year ($275 a month)" in html
    assert "dl-math" not in html.split("</style>")[-1]  # no formula drawn in the body
