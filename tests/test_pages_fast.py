"""A notebook's page without nbconvert's BeautifulSoup pass (:func:`notebook_pages.accessible`
instead): the same document as that pass gives, images with alternative text, inputs and outputs
focusable."""

import re
from pathlib import Path

import nbformat
import pytest
from bs4 import BeautifulSoup
from nbconvert import HTMLExporter
from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook, new_output

from dispatchlib.run import notebook_pages

ROOT = Path(__file__).resolve().parents[1]

#: text/html outputs that a parser reads differently from a regular expression
TRICKY_HTML = [
    '<img src="a.png">',  # no alt: gets one
    '<img src="b.png" alt="">',  # an empty alt is an alt
    '<IMG SRC="c.png" ALT="C">',  # names in capitals
    "<img src='d.png' alt>",  # an alt without a value
    '<img src="e.png"/>',  # self-closing
    '<img title="alt=1 > 0" src="f.png">',  # ">" and "alt=" inside a quoted value
    "<img src=g.png width=10>",  # unquoted values
    '<!-- <img src="h.png"> --><script>var s = "<img src=i.png>";</script>',
    '<style>p::after { content: "<img>"; }</style>',
    '<div-x class="jp-OutputArea-output">a custom element, not a div</div-x>',
    '<div class="a jp-OutputArea-output" tabindex="-1">a div of an output class</div>',
    '<div class="jp-Cell-inputWrapper" tabindex="0">already focusable</div>',
    '<div class="JP-OUTPUTAREA-OUTPUT">class names match in their case</div>',
]


def _tree(page: str) -> str:
    """A page as BeautifulSoup's parser reads it, written out again."""
    return str(BeautifulSoup(page, features="html.parser"))


def _notebook(tmp_path: Path) -> Path:
    nb = new_notebook(cells=[
        new_markdown_cell("# T\n\nInline $x^2$, an image ![a cat](cat.png) and <img src=raw.png>."),
        new_code_cell("1", outputs=[
            new_output("display_data", data={"image/png": "iVBORw0KGgo=", "text/plain": "<F>"}),
            new_output("stream", name="stdout", text="out\n"),
        ]),
        *[new_code_cell(f"h{i}", outputs=[new_output("display_data", data={"text/html": html})])
          for i, html in enumerate(TRICKY_HTML)],
        new_code_cell("e", outputs=[new_output("error", ename="E", evalue="v", traceback=["t"])]),
    ])
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3"}
    path = tmp_path / "01_t.ipynb"
    nbformat.write(nb, str(path))
    return path


def test_accessible_gives_the_document_nbconverts_soup_pass_gives(tmp_path):
    """The page drawn with nbconvert's own from_notebook_node (template, then its BeautifulSoup
    pass) and with ours (template, then accessible) is the same document."""
    nb = nbformat.read(str(_notebook(tmp_path)), as_version=4)
    exporter = notebook_pages._exporter()
    ours, _ = exporter.from_notebook_node(nb, resources={"metadata": {"name": "t"}})
    theirs, _ = HTMLExporter.from_notebook_node(exporter, nb, resources={"metadata": {"name": "t"}})
    assert _tree(ours) == _tree(theirs)
    assert ours != theirs  # not the same bytes: the soup's pass writes the page out in its way
    # what the pass added is there, and no more
    # the png output, raw.png, a, e, f and g.png
    assert ours.count(f'alt="{notebook_pages.NO_ALT}"') == 6
    soup = BeautifulSoup(ours, features="html.parser")
    assert soup.select_one('img[src="b.png"]')["alt"] == ""
    assert soup.select_one('img[src="d.png"]')["alt"] == ""
    assert soup.select_one('img[src="raw.png"]')["alt"] == notebook_pages.NO_ALT
    assert soup.select_one('img[src="cat.png"]')["alt"] == "a cat"
    assert "<img src=i.png>" in ours and '<!-- <img src="h.png"> -->' in ours  # left alone
    assert not soup.select("div-x[tabindex]")


@pytest.mark.parametrize("lesson", ["02_economics", "ko/04_prospects"])
def test_a_lessons_page_has_alt_text_and_focusable_cells(tmp_path, lesson):
    source = ROOT / "notebooks" / f"{lesson}.ipynb"
    page = notebook_pages.render_notebook(source, tmp_path / "page.html").read_text()
    soup = BeautifulSoup(page, features="html.parser")
    images = soup.find_all("img")
    assert len(images) >= 4  # figures and formulas
    assert all(img.get("alt") for img in images)
    inputs = soup.select("div.jp-Cell-inputWrapper")
    outputs = soup.select("div.jp-OutputArea-output")
    assert len(inputs) > 10 and len(outputs) > 10
    assert all(div.get("tabindex") == "0" for div in inputs + outputs)
    # each was added once, in the tag itself: no attribute written twice
    assert not re.search(r"<div[^>]*tabindex[^>]*tabindex", page)


def test_accessible_changes_nothing_outside_the_tags_it_completes():
    page = ('<html><head><style>img{}</style></head><body class="jp-Notebook">'
            '<p>a &larr; b<br></p><div class="jp-OutputArea-output x">o</div></body></html>')
    assert notebook_pages.accessible(page) == page.replace(
        '"jp-OutputArea-output x">', '"jp-OutputArea-output x" tabindex="0">')
    # references to letters beyond ASCII become the letters, as in the soup's pass; others stay
    assert notebook_pages.accessible("<h1>&#49884;&#xC791; &#183; &#60;b&#62; &#150;</h1>"
                                     "<script>'&#49884;'</script>") == \
        "<h1>\uc2dc\uc791 \u00b7 &#60;b&#62; &#150;</h1><script>'&#49884;'</script>"
    # outside a .jp-Notebook body nothing is focusable, as with nbconvert's selector
    assert notebook_pages.accessible('<div class="jp-Cell-inputWrapper">') == \
        '<div class="jp-Cell-inputWrapper">'


def _through_a_figure(tex: str, display: bool, lang: str) -> tuple[str, float]:
    """A formula drawn as it was before :func:`notebook_pages._svg`: sized by mathtext, then
    a matplotlib Figure holding it saved as SVG."""
    import base64
    import io

    from matplotlib import mathtext
    from matplotlib.figure import Figure
    from matplotlib.font_manager import FontProperties

    text = f"${notebook_pages.mathtext_source(tex)}$"
    with notebook_pages._math_fonts(lang):
        prop = FontProperties(size=15 if display else 13)
        parsed = mathtext.MathTextParser("path").parse(text, dpi=72, prop=prop)
        fig = Figure(figsize=(parsed.width / 72, parsed.height / 72))
        fig.text(0, parsed.depth / parsed.height, text, fontproperties=prop)
        buf = io.BytesIO()
        fig.savefig(buf, format="svg", dpi=72, metadata={"Date": None})
    return "data:image/svg+xml;base64," + base64.b64encode(buf.getvalue()).decode(), parsed.depth


@pytest.mark.parametrize(("tex", "display", "lang"), [
    (r"x^2", False, "en"),
    ("\\text{yearly quota} = \\frac{\\text{amount}}{\\text{months}} \\times 12, \\qquad\n"
     "\\text{state revenue} = \\text{workers} \\times \\text{yearly quota}", True, "en"),
    (r"\sqrt{\sum_{i=1}^{n} \hat\beta_i^2} \geq \mathcal{L}", True, "en"),
    (r"\text{월 총임금} \times 12 \le \frac{a}{b}", True, "ko"),
    (r"\text{연간 할당액}_t", False, "ko"),
])
@pytest.mark.parametrize("rc", [
    {},  # matplotlib's own settings, as in the process that draws a run's pages
    {"text.color": ".15", "figure.facecolor": "#fafafa"},  # a style's colours
    {"savefig.facecolor": (0.2, 0.4, 0.6, 0.5)},
    {"savefig.transparent": True},
])
def test_a_formula_is_the_svg_a_figure_would_save(tex, display, lang, rc):
    """Drawn without a Figure, a formula's SVG is the same, byte for byte, in both fonts and
    in the colours matplotlib's settings give a figure."""
    import matplotlib as mpl

    with mpl.rc_context(rc={**mpl.rcParamsDefault, **rc}):
        notebook_pages._draw.cache_clear()
        ours = notebook_pages.math_svg(tex, display, lang)
        assert ours == _through_a_figure(tex, display, lang)
    notebook_pages._draw.cache_clear()


def test_highlighting_kept_for_the_same_code_is_per_lexer_and_magics_language(tmp_path):
    """Code highlighted once per process is reused only for the same code, lexer and cell
    magics language: the same source in a notebook of another language is highlighted anew."""
    from nbconvert.filters.highlight import Highlight2HTML

    source = "for i in range(3): print(f'{i}')  # a loop"
    pages = {}
    cell = new_code_cell(source)
    for lexer in ("ipython3", "bash", "ipython3"):
        nb = new_notebook(cells=[cell])
        nb.metadata["language_info"] = {"name": "x", "pygments_lexer": lexer}
        path = tmp_path / f"01_{lexer}.ipynb"
        nbformat.write(nb, str(path))
        page = notebook_pages.render_notebook(path).read_text()
        expected = Highlight2HTML(pygments_lexer=lexer)(source)
        assert expected in page
        assert pages.setdefault(lexer, page) == page  # drawn again from what was kept
    assert pages["ipython3"] != pages["bash"]
    magics = {"magics_language": "bash"}
    assert notebook_pages._highlight("ipython3", source, None, "bash") == \
        Highlight2HTML(pygments_lexer="ipython3")(source, None, magics)


def test_compiled_templates_are_kept_for_the_next_process_and_give_the_same_page(
        tmp_path, monkeypatch):
    """The page's templates are compiled once and kept in Jinja's cache folder (one per user,
    open to that user only): an exporter that finds them there compiles nothing and writes the
    same page, byte for byte, as one without a cache."""
    import jinja2

    default = notebook_pages._compiled_templates()
    assert isinstance(default, jinja2.FileSystemBytecodeCache)
    assert Path(default.directory).stat().st_mode & 0o077 == 0  # the user's only
    nb = new_notebook(cells=[new_markdown_cell("# Title\n\nSome *text*, $x^2$."),
                             new_code_cell("print(1)", outputs=[
                                 new_output("stream", name="stdout", text="1\n")])])
    compiled = []
    compile_ = jinja2.Environment.compile
    monkeypatch.setattr(jinja2.Environment, "compile",
                        lambda env, *a, **k: compiled.append(a[1]) or compile_(env, *a, **k))
    pages = []
    for cache in (None, jinja2.FileSystemBytecodeCache(str(tmp_path)),
                  jinja2.FileSystemBytecodeCache(str(tmp_path))):
        exporter = notebook_pages._exporter.__wrapped__()  # a new one, as a new process has
        exporter.environment.bytecode_cache = cache
        compiled.clear()
        pages.append(exporter.from_notebook_node(nb)[0])
        if cache is None:
            templates = list(compiled)
    assert len(templates) >= 5 and compiled == []  # the third compiled nothing
    assert len(list(tmp_path.glob("__jinja2_*.cache"))) == len(templates)
    assert pages[0] == pages[1] == pages[2]
