"""One executed notebook as an offline HTML page: nbconvert's HTML exporter with a template that
needs no network (formulas drawn as SVG with matplotlib's mathtext instead of MathJax, widgets
left out), and a link back to the run's index. The page's ``<html lang>`` is the notebook's
language (:func:`notebook_language`: a Korean lesson says ``ko``), as is the back link's text.
"""

from __future__ import annotations

import base64
import contextlib
import functools
import html
import io
import re
from collections.abc import Iterator
from pathlib import Path

from dispatchlib.atomic import write_text
from dispatchlib.i18n import _, current_language, language

#: a Korean lesson's first cell switches the library's texts: ``dl.use_language("ko")``
_USES_LANGUAGE = re.compile(r"""use_language\(\s*["']([a-z]{2})["']\s*\)""")


def notebook_language(nb: dict) -> str:
    """The language of a notebook: ``metadata.dispatchlib.lang`` when set, else the language
    its code switches to with ``use_language("..")`` (a Korean lesson does so in its first code
    cell), else English."""
    meta = (nb.get("metadata") or {}).get("dispatchlib") or {}
    if isinstance(meta, dict) and meta.get("lang"):
        return str(meta["lang"])
    for cell in nb.get("cells", []):
        if cell.get("cell_type") == "code":
            source = cell.get("source", "")
            found = _USES_LANGUAGE.search(source if isinstance(source, str) else "".join(source))
            if found:
                return found.group(1)
    return "en"

#: nbconvert template: the ``lab`` page without any script (require.js, MathJax, mermaid,
#: widgets), plus a link back to the run's index when ``resources["dispatchlib_nav"]`` is set.
_TEMPLATE = """\
{%- extends 'index.html.j2' -%}
{%- block html_head_js -%}{%- endblock html_head_js -%}
{%- block jupyter_widgets -%}{%- endblock jupyter_widgets -%}
{%- block html_head_js_mathjax -%}{%- endblock html_head_js_mathjax -%}
{%- block html_head_js_mermaidjs -%}{%- endblock html_head_js_mermaidjs -%}
{%- block extra_css -%}
<style type="text/css">
nav.dl-nav { font: 14px/1.4 system-ui, sans-serif; padding: 8px 16px; background: #eef2f7;
             border-bottom: 1px solid #c9d3df; }
nav.dl-nav a { color: #1f4e8c; }
.dl-math { display: block; text-align: center; margin: 0.6em 0; }
img.dl-math-inline { display: inline; margin: 0 0.1em; }
code.dl-tex { white-space: pre-wrap; }
/* papermill's notes around a failed cell: make them stand out */
.celltag_papermill-error-cell-tag p { color: #b42323; font-size: 1.3em; font-weight: 600; }
</style>
{%- endblock extra_css -%}
{#- the lab template passes highlighted code through bleach's sanitizer, a third of the page's
    cost; Pygments has already escaped every character of the source, so it is left out -#}
{%- block input -%}
<div class="jp-CodeMirrorEditor jp-Editor jp-InputArea-editor" data-type="inline">
     <div class="cm-editor cm-s-jupyter">
{{ cell.source | highlight_code(metadata=cell.metadata) }}
     </div>
</div>
{%- endblock input -%}
{%- block body_header -%}
{{ super() }}
{%- if resources.dispatchlib_nav %}
<nav class="dl-nav"><a href="index.html">\u2190 {{ resources.dispatchlib_nav | e }}</a></nav>
{%- endif %}
{%- endblock body_header -%}
"""

_TEMPLATE_NAME = "dispatchlib_offline.html.j2"

#: TeX that mathtext does not know, and the nearest thing it draws: ``\ge`` and ``\le`` are
#: ``\geq`` and ``\leq``; mathtext has no sized delimiters, so ``\big(`` is a plain ``(``
_TEX_EQUIVALENTS = [
    (re.compile(r"\\([gl]e)(?![A-Za-z])"), r"\\\1q"),
    (re.compile(r"\\[Bb]igg?[lrm]?(?![A-Za-z])\s*"), ""),
    (re.compile(r"\\tfrac(?![A-Za-z])"), r"\\frac"),
]


def mathtext_source(tex: str) -> str:
    """A TeX formula as mathtext reads it: on one line (mathtext parses a single line, and a
    display formula is often written over two) and with the equivalents of
    :data:`_TEX_EQUIVALENTS`.

    >>> mathtext_source("a \\\\ge b, \\\\qquad\\n c = \\\\ln\\\\!\\\\big(x\\\\big)")
    'a \\\\geq b, \\\\qquad c = \\\\ln\\\\!(x)'
    """
    text = re.sub(r"\s*\n\s*", " ", tex.strip())
    for pattern, replacement in _TEX_EQUIVALENTS:
        text = pattern.sub(replacement, text)
    return text


@contextlib.contextmanager
def _math_fonts(lang: str) -> Iterator[None]:
    """matplotlib's settings for drawing a formula in ``lang``: as they are in English; in
    Korean, mathtext's ``custom`` font set with Nanum Gothic (the font the Korean figures use,
    :mod:`dispatchlib.i18n.fonts`) for letters, so that ``\\text{월 총임금}`` is drawn in Hangul
    (mathtext's Computer Modern has none); symbols Nanum Gothic lacks come from its fallback."""
    import matplotlib as mpl

    if lang != "ko":
        yield
        return
    from dispatchlib.i18n import fonts

    family = fonts.register()
    with mpl.rc_context({"mathtext.fontset": "custom", "mathtext.rm": family,
                         "mathtext.it": f"{family}:italic", "mathtext.bf": f"{family}:bold",
                         "mathtext.sf": family, "mathtext.fallback": "cm",
                         # fonts matplotlib bundles, so no family lookup warns
                         "mathtext.cal": "cmsy10", "mathtext.tt": "DejaVu Sans Mono"}):
        yield


def math_svg(tex: str, display: bool = False, lang: str | None = None
             ) -> tuple[str, float] | None:
    """Draw a TeX formula with matplotlib's mathtext as an SVG ``data:`` URI.

    Parameters
    ----------
    tex : str
        The formula without its ``$`` delimiters, e.g. ``r"\\frac{a}{b}"``; it may span lines
        (see :func:`mathtext_source`).
    display : bool
        A display (block) formula is drawn a little larger than an inline one.
    lang : {"en", "ko"}, optional
        Language of the words in the formula (default: the current language,
        :func:`dispatchlib.i18n.current_language`); Korean words are drawn in Nanum Gothic.

    Returns
    -------
    (str, float) or None
        The ``data:image/svg+xml;base64,...`` URI and the depth below the baseline in points
        (for vertical alignment), or ``None`` when mathtext cannot parse the formula.
    """
    return _draw(mathtext_source(tex), display, lang or current_language())


@functools.lru_cache(maxsize=512)
def _draw(tex: str, display: bool, lang: str) -> tuple[str, float] | None:
    from matplotlib import mathtext
    from matplotlib.font_manager import FontProperties

    text = f"${tex}$"
    with _math_fonts(lang):
        prop = FontProperties(size=15 if display else 13)
        try:
            parsed = mathtext.MathTextParser("path").parse(text, dpi=72, prop=prop)
            width, height, depth = parsed.width, parsed.height, parsed.depth
            if width <= 0 or height <= 0:
                return None
            svg = _svg(text, prop, width, height, depth)
        except Exception:  # noqa: BLE001 - anything mathtext cannot draw stays as TeX
            return None
    uri = "data:image/svg+xml;base64," + base64.b64encode(svg.encode("utf-8")).decode("ascii")
    return uri, depth


def _svg(text: str, prop, width: float, height: float, depth: float) -> str:
    """The SVG of a formula, ``width`` by ``height`` points with its baseline ``depth`` points
    above the bottom: what matplotlib writes for a ``Figure`` of that size holding only
    ``Figure.text(0, depth / height, text)`` (``savefig(format="svg", dpi=72,
    metadata={"Date": None})``: no date, so the same notebook gives the same page), byte for
    byte, in the colours of the process's settings as a figure has them (``savefig.facecolor``
    or ``figure.facecolor``, ``savefig.transparent``, ``text.color``), but drawn straight with
    matplotlib's SVG renderer instead of through a figure: a third of the time of a formula,
    and no import of the figure module."""
    import matplotlib as mpl
    from matplotlib.backends.backend_svg import RendererSVG
    from matplotlib.colors import to_rgba
    from matplotlib.path import Path as Outline
    from matplotlib.transforms import Affine2D

    face = "none" if mpl.rcParams["savefig.transparent"] else mpl.rcParams["savefig.facecolor"]
    if face == "auto":
        face = mpl.rcParams["figure.facecolor"]
    fill = to_rgba(face)
    out = io.StringIO()
    renderer = RendererSVG(width, height, out, image_dpi=72, metadata={"Date": None})
    renderer.open_group("figure")  # as Figure.draw, Rectangle.draw and Text.draw group them
    renderer.open_group("patch")
    gc = renderer.new_gc()
    gc.set_linewidth(0)  # a figure's background has no edge
    renderer.draw_path(gc, Outline.unit_rectangle(), Affine2D().scale(width, height),
                       fill if fill[3] else None)
    renderer.close_group("patch")
    renderer.open_group("text")
    gc = renderer.new_gc()
    gc.set_foreground(mpl.rcParams["text.color"])
    renderer.draw_text(gc, 0, height - depth, text, prop, 0, ismath=True)
    renderer.close_group("text")
    renderer.close_group("figure")
    renderer.finalize()
    return out.getvalue()


def _math_html(tex: str, display: bool) -> str:
    drawn = math_svg(tex, display)
    alt = html.escape(tex.strip(), quote=True)
    if drawn is None:
        delim = "$$" if display else "$"
        code = f'<code class="dl-tex">{delim}{html.escape(tex)}{delim}</code>'
        return f'<span class="dl-math">{code}</span>' if display else code
    uri, depth = drawn
    if display:
        return f'<span class="dl-math"><img src="{uri}" alt="{alt}"></span>'
    return (f'<img class="dl-math-inline" src="{uri}" alt="{alt}" '
            f'style="vertical-align: -{depth:.1f}pt">')


#: nbconvert's HTMLExporter finishes a page by parsing it whole with BeautifulSoup to give every
#: ``<img>`` without an ``alt`` this text and make input wrappers and outputs focusable, then
#: writes the parsed page out again: :func:`accessible` does the same in one regular expression.
NO_ALT = "No description has been provided for this image"

#: what :func:`accessible` reads of a page: comments and the raw text of ``<script>`` and
#: ``<style>`` (skipped, as an HTML parser does), the opening tags of ``img``, ``div`` and
#: ``body``, with their attributes (quoted values may hold ``>``), and numeric character
#: references (nbconvert writes a heading's letters beyond ASCII as ``&#49884;``)
_TAGS = re.compile(
    r"""<!--.*?-->|<(script|style)(?=[\s/>]).*?</\1\s*>"""
    r"""|<(img|div|body)(?=[\s/>])((?:[^>"']|"[^"]*"|'[^']*')*?)(\s*/?)>"""
    r"""|&\#(?:([0-9]{3,7})|[xX]([0-9a-fA-F]{2,6}));""",
    re.DOTALL | re.IGNORECASE)
_ATTR = re.compile(
    r"""([^\s"'>/=][^\s"'>/=]*)(?:\s*=\s*("[^"]*"|'[^']*'|[^\s>]*))?""")
_FOCUSABLE = {"jp-Cell-inputWrapper", "jp-OutputArea-output"}


def _attributes(text: str) -> dict[str, str]:
    """The attributes of an opening tag (names in lower case, values unquoted, not unescaped)."""
    found: dict[str, str] = {}
    for match in _ATTR.finditer(text):
        value = match.group(2) or ""
        if value and value[0] in "\"'":
            value = value[1:-1]
        found.setdefault(match.group(1).lower(), value)
    return found


def _without(text: str, name: str) -> str:
    """The attributes of an opening tag less those called ``name``."""
    return _ATTR.sub(lambda m: "" if m.group(1).lower() == name else m.group(0), text)


def _character(match: re.Match) -> str:
    """A numeric character reference as its character, when it is a letter or sign beyond
    ASCII (``&#49884;`` is 시); references to ASCII (``&#60;`` is ``<``), to the C1 controls an
    HTML parser reads as Windows-1252 and to surrogates stay as they are."""
    code = int(match.group(5), 10) if match.group(5) else int(match.group(6), 16)
    if code < 0xA0 or 0xD800 <= code <= 0xDFFF or code > 0x10FFFF:
        return match.group(0)
    return chr(code)


def accessible(page: str) -> str:
    """A page as nbconvert's HTMLExporter leaves it after its BeautifulSoup pass, without
    parsing the page: each ``<img>`` without an ``alt`` attribute gets ``alt="`` :data:`NO_ALT`
    ``"``, and each ``<div>`` of class ``jp-Cell-inputWrapper`` or ``jp-OutputArea-output``
    inside a ``.jp-Notebook`` body gets ``tabindex="0"``; as that pass did, numeric references
    to characters beyond ASCII become the characters (a Korean heading stays legible in the
    page's source). Nothing else changes (BeautifulSoup's pass also wrote the rest of the page
    in its own spelling: ``<br/>``, named entities as characters), so the page's document
    tree is the same.

    Parameters
    ----------
    page : str
        An HTML page as nbconvert's template writes it.

    Returns
    -------
    str
        The page with those attributes and characters.

    >>> accessible('<body class="jp-Notebook"><div class="jp-OutputArea-output">'
    ...            '<img src="a.png"></div></body>')  # doctest: +NORMALIZE_WHITESPACE
    '<body class="jp-Notebook"><div class="jp-OutputArea-output" tabindex="0"><img
    src="a.png" alt="No description has been provided for this image"></div></body>'
    """
    in_notebook = False

    def tag(match: re.Match) -> str:
        nonlocal in_notebook
        name = (match.group(2) or "").lower()
        if match.group(5) or match.group(6):
            return _character(match)
        if not name:  # a comment, a script or a style sheet
            return match.group(0)
        attrs = _attributes(match.group(3))
        classes = set(attrs.get("class", "").split())  # as written: the page is no quirks
        if name == "body":
            in_notebook = in_notebook or "jp-Notebook" in classes
            return match.group(0)
        if name == "img" and "alt" not in attrs:
            extra = f' alt="{NO_ALT}"'
        elif name == "div" and in_notebook and classes & _FOCUSABLE:
            if attrs.get("tabindex") == "0":
                return match.group(0)
            extra = ' tabindex="0"'
            if "tabindex" in attrs:  # another value: BeautifulSoup's pass replaced it
                return f"<{match.group(2)}{_without(match.group(3), 'tabindex')}{extra}" \
                       f"{match.group(4)}>"
        else:
            return match.group(0)
        return f"<{match.group(2)}{match.group(3)}{extra}{match.group(4)}>"

    return _TAGS.sub(tag, page)


@functools.lru_cache(maxsize=1024)
def _highlight(lexer: str | None, source: str, language: str | None,
               magics_language: str | None) -> str:
    """A cell's code as nbconvert's Pygments filter highlights it for a notebook whose lexer is
    ``lexer``, once per process for the same code: the runs of a sweep show the same cells
    again and again, and highlighting them is two fifths of the time of such a page."""
    metadata = {"magics_language": magics_language} if magics_language else None
    return _highlighter(lexer)(source, language, metadata)


@functools.lru_cache(maxsize=8)
def _highlighter(lexer: str | None):
    """nbconvert's Pygments filter for notebooks whose lexer is ``lexer``."""
    from nbconvert.filters.highlight import Highlight2HTML

    return Highlight2HTML(pygments_lexer=lexer, parent=_exporter())


@functools.lru_cache(maxsize=1)
def _exporter():
    import jinja2
    from nbconvert import HTMLExporter
    from nbconvert.filters.markdown_mistune import IPythonRenderer, MarkdownWithMath

    class OfflineRenderer(IPythonRenderer):
        """Markdown renderer that draws formulas instead of leaving them to MathJax."""

        def block_math(self, body: str) -> str:
            return _math_html(body, display=True)

        def inline_math(self, body: str) -> str:
            return _math_html(body, display=False)

        def latex_environment(self, name: str, body: str) -> str:
            return _math_html(f"\\begin{{{name}}}{body}\\end{{{name}}}", display=True)

    class OfflineHTMLExporter(HTMLExporter):
        """HTMLExporter whose markdown cells use :class:`OfflineRenderer`."""

        def markdown2html(self, context, source):
            cell = context.get("cell", {})
            path = context.get("resources", {}).get("metadata", {}).get("path", "")
            renderer = OfflineRenderer(
                escape=False, attachments=cell.get("attachments", {}),
                embed_images=self.embed_images, path=path,
                anchor_link_text=self.anchor_link_text,
                exclude_anchor_links=self.exclude_anchor_links, **self.lexer_options)
            return MarkdownWithMath(renderer=renderer).render(source)

        def from_notebook_node(self, nb, resources=None, **kw):
            """HTMLExporter's own, less its BeautifulSoup pass (:func:`accessible` instead)."""
            from nbconvert.exporters.templateexporter import TemplateExporter
            from nbconvert.filters.widgetsdatatypefilter import WidgetsDataTypeFilter

            langinfo = nb.metadata.get("language_info", {})
            lexer = langinfo.get("pygments_lexer", langinfo.get("name", None))

            def highlight_code(source, language=None, metadata=None):
                # of a cell's metadata, the filter reads only magics_language
                return _highlight(lexer, source, language,
                                  (metadata or {}).get("magics_language"))

            self.register_filter("highlight_code", highlight_code)
            resources = self._init_resources(resources)
            self.register_filter("filter_data_type", WidgetsDataTypeFilter(
                notebook_metadata=self._nb_metadata, parent=self, resources=resources))
            page, resources = TemplateExporter.from_notebook_node(self, nb, resources, **kw)
            return accessible(page), resources

    # markdown2html is registered as a context filter in HTMLExporter
    OfflineHTMLExporter.markdown2html = jinja2.pass_context(OfflineHTMLExporter.markdown2html)
    # optimistic_validation: the notebook is checked against its schema once, after nbconvert's
    # preprocessors, instead of after each of its twelve (most of them switched off)
    exporter = OfflineHTMLExporter(
        template_name="lab", template_file=_TEMPLATE_NAME, embed_images=True,
        optimistic_validation=True,
        extra_loaders=[jinja2.DictLoader({_TEMPLATE_NAME: _TEMPLATE})])
    exporter.environment.bytecode_cache = _compiled_templates()
    return exporter


def _compiled_templates():
    """Jinja's cache of compiled templates, shared by every process of this user (a folder
    only they can open, ``_jinja2-cache-<uid>`` in the temporary folder), or ``None`` where it
    cannot be made.

    A page's ten nbconvert templates are compiled to Python anew in each process, before its
    first page, in every ``run``, ``sweep`` and ``refresh``; cached, they load in a few
    milliseconds (a lesson's first page: 0.51 s of CPU against 0.57 s, medians of ten fresh
    processes each). An entry is used only by the same Python and Jinja and only while its
    template's source is unchanged; it is written to a temporary file and then renamed, so two
    processes never read half of one.
    """
    import jinja2

    try:
        return jinja2.FileSystemBytecodeCache()
    except (OSError, RuntimeError):  # no temporary folder, or one that is not safe
        return None

def _back(label: str) -> str:
    """The back link's text in the current language (``run NAME``, ``sweep NAME/RUN``)."""
    kind, _sep, name = label.partition(" ")
    if kind == "run" and name:
        return _("run {name}").format(name=name)
    return label


def render_notebook(notebook_path: Path, target: Path | None = None,
                    back_link: str | None = None, lang: str | None = None) -> Path:
    """Render an executed notebook to a self-contained HTML page.

    Parameters
    ----------
    notebook_path : Path
        The executed ``.ipynb``.
    target : Path, optional
        Where to write the page (default: next to the notebook, suffix ``.html``).
    back_link : str, optional
        Text of a link back to ``index.html`` in the same folder (the run's index), e.g.
        ``run default`` (in Korean ``실행 default``).
    lang : str, optional
        Language of the page, its ``<html lang>`` attribute (default: the notebook's own,
        :func:`notebook_language`).

    Returns
    -------
    Path
        The page written.
    """
    import nbformat

    from dispatchlib.paths import refuse_protected

    out = target or notebook_path.with_suffix(".html")
    refuse_protected(out)  # a page beside a lesson would change notebooks/
    nb = nbformat.read(str(notebook_path), as_version=4)
    lang = lang or notebook_language(nb)
    resources = {"metadata": {"name": notebook_path.stem}}
    if back_link:
        with language(lang):
            resources["dispatchlib_nav"] = _back(back_link)
    exporter = _exporter()
    exporter.language_code = lang  # nbconvert's template writes it as <html lang="...">
    with language(lang):  # the formulas' words are drawn in a font of the page's language
        body, _resources = exporter.from_notebook_node(nb, resources=resources)
    write_text(out, body)
    return out
