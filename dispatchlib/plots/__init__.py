"""Figures for the notebooks, drawn with matplotlib in seaborn's theme: one module per lesson topic
(``plots.economics``, ``plots.history``...) on top of the shared style defined here.

Every figure function returns a :class:`matplotlib.figure.Figure` with labelled axes (units
included) and a sources line under the plot. Call :func:`use_style` once per notebook: it sets
the seaborn context, figure size and the colour-blind-safe palette together (seaborn's values
are kept in :mod:`dispatchlib.plots.theme`, so setting the style does not import seaborn).

Importing :mod:`dispatchlib` does not import this package; it loads on first use, and each
topic module loads when first named (``dl.plots.economics``).
"""

from __future__ import annotations

import contextlib
import os
from collections.abc import Iterable, Iterator

import matplotlib as mpl

from dispatchlib import formatting
from dispatchlib.plots import theme

#: figure size (inches) and dpi of each style; seaborn context and font scale: theme.CONTEXTS
STYLES = {
    "notebook": ((8.0, 4.5), 100),
    "projector": ((11.0, 6.0), 100),
    "print": ((6.5, 3.8), 150),
}
#: sequential colour map for shaded values: readable with every common colour-vision deficiency
COLORMAP = "cividis"
#: set this environment variable to a mode (e.g. ``projector``) to override every notebook's
#: ``use_style`` call, so a whole class session switches style without editing the notebooks
STYLE_VARIABLE = "DISPATCHLIB_STYLE"
#: the mode last applied by :func:`use_style` (``None`` before the first call)
current: str | None = None


def use_style(mode: str = "notebook") -> None:
    """Set context, sizes and a colour-blind-safe palette for all later figures, together.

    Parameters
    ----------
    mode : {"notebook", "projector", "print"}
        ``notebook``: seaborn's notebook context, 8 x 4.5 inch figures at 100 dpi.
        ``projector``: the larger ``talk`` context (text, lines and markers about 1.5 times
        the notebook's) and wide 11 x 6 inch figures, for a classroom screen.
        ``print``: the compact ``paper`` context, 6.5 x 3.8 inch figures at 150 dpi.
        Every mode uses seaborn's colour-blind palette and the cividis colour map. When the
        environment variable ``DISPATCHLIB_STYLE`` holds a mode, it wins over ``mode``.
        In Korean (``dispatchlib.use_language("ko")``) the text is drawn with Nanum Gothic
        (:func:`dispatchlib.i18n.fonts.use_korean_font`); English figures keep the style's
        fonts. In a notebook, figures are shown at their own size
        (:func:`show_at_figure_size`).

    Nothing is returned (the setup cell shows no output); the mode in effect is
    :data:`current` afterwards.

    Raises
    ------
    ParameterError
        For an unknown mode (in the argument or in ``DISPATCHLIB_STYLE``).
    """
    from dispatchlib.errors import ParameterError

    override = os.environ.get(STYLE_VARIABLE, "").strip()
    name, mode = (STYLE_VARIABLE, override) if override else ("mode", mode)
    if mode not in STYLES:
        raise ParameterError(name, mode, f"one of {', '.join(STYLES)}")
    from cycler import cycler

    size, dpi = STYLES[mode]
    # what seaborn.set_theme(context, style="whitegrid", palette="colorblind", font_scale) sets
    mpl.rcParams.update(theme.rc(mode))
    mpl.rcParams["axes.prop_cycle"] = cycler(color=colors(len(theme.COLORBLIND)))
    for code, color in theme.COLOR_CODES.items():
        mpl.colors.colorConverter.colors[code] = mpl.colors.to_rgb(color)
    mpl.rcParams.update({"figure.figsize": size, "figure.dpi": dpi, "savefig.dpi": dpi,
                         "axes.titleweight": "bold", "axes.titlelocation": "left",
                         "image.cmap": COLORMAP})
    show_at_figure_size()
    from dispatchlib.i18n import current_language

    if current_language() == "ko":  # Hangul: Nanum Gothic first, the style's families behind
        from dispatchlib.i18n.fonts import use_korean_font

        use_korean_font()
    global current
    current = mode


def show_at_figure_size() -> None:
    """In a notebook, show figures at their own size, not trimmed to what they draw.

    IPython's inline backend trims each figure to the box around everything it draws
    (``bbox_inches="tight"``), which lays the whole figure out once more before drawing it: a
    third of the cost of showing one. Every figure of this package fits its frame already (its
    axes are laid out with :meth:`~matplotlib.figure.Figure.tight_layout` and the sources line
    sits inside it, :func:`add_sources`), so :func:`use_style` turns the trimming off; the
    backend's other options (formats, ``pil_kwargs``) are kept. Outside IPython, or without
    matplotlib-inline, nothing changes. To trim again (for figures of your own drawn without a
    layout)::

        %config InlineBackend.print_figure_kwargs = {"bbox_inches": "tight"}
    """
    import sys

    ipython = sys.modules.get("IPython")
    if ipython is None or ipython.get_ipython() is None:
        return
    try:
        from matplotlib_inline.config import InlineBackend
    except ImportError:
        return
    backend = InlineBackend.instance()
    if backend.print_figure_kwargs.get("bbox_inches") is not None:
        backend.print_figure_kwargs = {**backend.print_figure_kwargs, "bbox_inches": None}


def colors(n: int) -> list[tuple[float, float, float]]:
    """``n`` colours (RGB) of seaborn's colour-blind-safe palette, repeated when ``n`` > 10."""
    return [mpl.colors.to_rgb(theme.COLORBLIND[i % len(theme.COLORBLIND)]) for i in range(n)]


# the package's one way of writing dollars and counts (dispatchlib/formatting.py), under the
# names figures use as tick formatters
usd = formatting.usd
thousands = formatting.thousands


def usd_tick(x: float, _pos=None) -> str:
    """A dollar tick label (USD): :func:`usd`, except that zero is a bare ``0`` in Korean (the
    axis label names the unit; English keeps ``$0``)."""
    from dispatchlib.i18n import current_language

    return "0" if x == 0 and current_language() == "ko" else usd(x)


def add_sources(fig, source_ids: Iterable[str], note: str = "") -> float:
    """Write "Sources: ..." (and an optional note) under the plot, wrapped to the figure's
    width, and lay the figure out: the last step of every figure function (see
    :func:`finished`).

    The figure grows by the height of the sources line, so its axes keep their size, and it
    grows wider if a title, legend or label would stick out at the left or right
    (:func:`_fit_width`): everything drawn lies inside the figure, which is shown at its own
    size, untrimmed (:func:`show_at_figure_size`).

    Returns
    -------
    float
        The height the sources line takes at the bottom of the figure, as a fraction of the
        figure's height (for a figure that places a legend or adjusts its axes afterwards).
    """
    ids = ", ".join(dict.fromkeys(i for i in source_ids if i))
    from dispatchlib.i18n import _, current_language

    # a Korean line that already says 출처 ("59곳의 출처: ...") is not prefixed with it again
    if current_language() == "ko" and "출처" in ids:
        text = f"{ids}."
    else:
        text = _("Sources: {ids}.").format(ids=ids)
    text += f" {note}" if note else ""
    line = fig.text(MARGIN, 0.0, "", ha="left", va="bottom", fontsize="small", color="0.3")
    band_in = _whole_pixels(fig, _wrap(fig, line, text) + 2 * PAD_IN)
    fig.set_figheight(fig.get_figheight() + band_in)
    line.set_y(PAD_IN / fig.get_figheight())
    band = band_in / fig.get_figheight()
    _lay_out(fig, band)
    _fit_width(fig, band)
    finished(fig)
    return band


#: left and right margin of the sources line (fraction of the figure's width), and the space
#: above and below it and around what would stick out of the figure (inches)
MARGIN = 0.01
PAD_IN = 0.06


def _wrap(fig, line, text: str) -> float:
    """Set ``text`` on ``line``, broken at spaces so that every line fits between the
    margins (a single word longer than that stays whole), and return its height (inches)."""
    import textwrap

    width_px = fig.get_figwidth() * fig.dpi * (1 - 2 * MARGIN)

    def widest(lines: list[str]) -> float:
        line.set_text("\n".join(lines))
        return line.get_window_extent().width

    def wrapped(chars: int) -> list[str]:
        return [part for paragraph in text.split("\n")
                for part in textwrap.wrap(paragraph, chars, break_long_words=False,
                                          break_on_hyphens=False) or [""]]

    lines = text.split("\n")
    full = widest(lines)
    if full > width_px:  # first guess from the average width of a character, then narrower
        chars = max(10, int(max(map(len, lines)) * width_px / full))
        while True:
            lines = wrapped(chars)
            if chars <= 10 or widest(lines) <= width_px:
                break
            chars = max(10, int(chars * 0.95))
    return line.get_window_extent().height / fig.dpi


def _whole_pixels(fig, inches: float) -> float:
    """``inches`` rounded up to a whole number of pixels at the figure's dpi (so that sizes
    stay whole, e.g. ``<Figure size 800x497>``)."""
    import math

    return math.ceil(inches * fig.dpi - 1e-6) / fig.dpi


def _fit_width(fig, band: float) -> None:
    """Widen the figure when a title, legend, annotation or text sticks out at its left or
    right (a title wider than its axes, a legend of long labels), and lay it out again.

    tight_layout makes room for tick labels and axis labels, not for these; the inline
    backend's trimming used to include them by making the picture wider, and this does the
    same to the figure itself. Only those artists are measured, not the whole figure.
    """
    from matplotlib.legend import Legend
    from matplotlib.text import Text

    def sticking_out() -> tuple[float, float]:
        width = fig.get_figwidth() * fig.dpi
        left = right = 0.0
        parts = [*fig.legends, *(t for t in fig.texts if t.get_text())]
        for ax in fig.axes:
            parts += [c for c in ax.get_children()
                      if isinstance(c, Legend) or (isinstance(c, Text) and c.get_text())]
        for part in parts:
            if not part.get_visible():
                continue
            box = part.get_window_extent()
            left, right = max(left, -box.x0), max(right, box.x1 - width)
        return left / fig.dpi, right / fig.dpi

    for _attempt in range(2):
        left, right = sticking_out()
        if left <= 0 and right <= 0:
            return
        fig.set_figwidth(fig.get_figwidth()
                         + _whole_pixels(fig, max(left, 0) + max(right, 0) + 2 * PAD_IN))
        _lay_out(fig, band)


def _lay_out(fig, band: float) -> None:
    """``fig.tight_layout`` above the sources band (``band``: fraction of the height), once.

    ``tight_layout`` leaves a placeholder layout engine on the figure, and matplotlib draws a
    figure that has a layout engine twice whenever it is saved or shown inline: once unseen, to
    let the engine lay it out, then for the picture. A placeholder lays nothing out, so that
    first drawing (about a sixth of the cost of showing a figure) is wasted; the figure is left
    without one, as it was before (the placeholder allows what no engine allows:
    ``subplots_adjust`` and colour bars in their own grid cell). A figure made with a layout
    engine of its own, or under ``figure.autolayout``, keeps it.
    """
    from matplotlib.layout_engine import PlaceHolderLayoutEngine

    before = fig.get_layout_engine()
    with _boxes_measured_once(fig):
        fig.tight_layout(rect=(0, band, 1, 1))
    if before is None and isinstance(fig.get_layout_engine(), PlaceHolderLayoutEngine):
        with mpl.rc_context({"figure.autolayout": False, "figure.constrained_layout.use": False}):
            fig.set_layout_engine(None)


@contextlib.contextmanager
def _boxes_measured_once(fig) -> Iterator[None]:
    """While the block runs, each Axes of ``fig`` measures its layout box once.

    ``tight_layout`` with a ``rect`` (the band kept for the sources line) measures every Axes
    twice, the second time only to place the same boxes in the smaller rectangle: nothing moves
    in between, so the second measurement (ticks, tick labels and titles laid out again) gives
    the same box. The first answer is kept for the second: the seven lessons' cells take about a
    tenth less CPU time (3.5 s to 3.15 s in one process), and every figure comes out the same
    to the pixel (tests/test_figures_fit.py).
    """
    kept: dict = {}

    def measured_once(ax, plain):
        def get_tightbbox(renderer=None, *args, **kwargs):
            try:
                key = (id(ax), id(renderer), args, tuple(sorted(kwargs.items())))
                hash(key)
            except TypeError:  # e.g. a list of extra artists: not kept
                return plain(renderer, *args, **kwargs)
            if key not in kept:
                kept[key] = plain(renderer, *args, **kwargs)
            return kept[key]
        return get_tightbbox

    axes = list(fig.axes)
    for ax in axes:
        ax.get_tightbbox = measured_once(ax, ax.get_tightbbox)
    try:
        yield
    finally:
        for ax in axes:
            vars(ax).pop("get_tightbbox", None)


def finished(fig) -> None:
    """Mark a complete figure as needing no redraw when the notebook shows it inline.

    After each cell pyplot renders every figure that changed, and then the inline backend
    renders it again to make the PNG it shows: the first rendering is wasted (about a third of
    the cost of a figure). Under the inline backend only, this marks the figure as drawn, so
    only the PNG is rendered; a later change to the figure marks it for redrawing again. Other
    backends (``%matplotlib widget``, a window) need that redraw and are left alone.
    """
    backend = mpl.get_backend(auto_select=False) or ""
    if "inline" in backend.lower():
        fig.stale = False


def __getattr__(name: str):
    import importlib

    try:
        return importlib.import_module(f"{__name__}.{name}")
    except ModuleNotFoundError as exc:
        if exc.name != f"{__name__}.{name}":
            raise
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}") from None
