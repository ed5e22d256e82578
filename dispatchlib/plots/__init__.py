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

import os
from collections.abc import Iterable

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
        fonts.

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
    from dispatchlib.i18n import current_language

    if current_language() == "ko":  # Hangul: Nanum Gothic first, the style's families behind
        from dispatchlib.i18n.fonts import use_korean_font

        use_korean_font()
    global current
    current = mode


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


def add_sources(fig, source_ids: Iterable[str], note: str = "") -> None:
    """Write "Sources: ..." (and an optional note) under the figure: the last step of every
    figure function (see :func:`finished`)."""
    ids = ", ".join(dict.fromkeys(i for i in source_ids if i))
    from dispatchlib.i18n import _, current_language

    # a Korean line that already says 출처 ("59곳의 출처: ...") is not prefixed with it again
    if current_language() == "ko" and "출처" in ids:
        text = f"{ids}."
    else:
        text = _("Sources: {ids}.").format(ids=ids)
    text += f" {note}" if note else ""
    fig.tight_layout()
    fig.text(0.01, 0.0, text, ha="left", va="top", fontsize="small", wrap=True, color="0.3")
    finished(fig)


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
