"""seaborn's theme for the three figure styles, written out so a kernel can apply it without
importing seaborn.

:func:`dispatchlib.plots.use_style` sets what ``seaborn.set_theme(context, style="whitegrid",
palette="colorblind", font_scale)`` would set. Importing seaborn just for those settings costs
about 0.9 s of CPU at every kernel start (seaborn loads scipy.stats and all of its plotting
modules), more than a third of an empty notebook's run. The values below are therefore copied
from seaborn 0.13.2, and ``tests/test_theme.py`` checks that they still equal what the installed
seaborn sets: after an upgrade of seaborn that test fails and prints the new values
(:func:`from_seaborn`). seaborn itself is imported where a figure draws with it.
"""

from __future__ import annotations

#: seaborn ``plotting_context`` name and font scale of each style
CONTEXTS = {"notebook": ("notebook", 1.0), "projector": ("talk", 1.15), "print": ("paper", 1.0)}

# seaborn.plotting_context("notebook"); "talk" is 1.5 times it and "paper" 0.8 times, and the
# font sizes are multiplied by the font scale on top
_NOTEBOOK = {
    "axes.linewidth": 1.25, "grid.linewidth": 1, "lines.linewidth": 1.5, "lines.markersize": 6,
    "patch.linewidth": 1, "xtick.major.width": 1.25, "ytick.major.width": 1.25,
    "xtick.minor.width": 1, "ytick.minor.width": 1, "xtick.major.size": 6,
    "ytick.major.size": 6, "xtick.minor.size": 4, "ytick.minor.size": 4,
}
_NOTEBOOK_FONTS = {
    "font.size": 12.0, "axes.labelsize": 12.0, "axes.titlesize": 12.0, "xtick.labelsize": 11.0,
    "ytick.labelsize": 11.0, "legend.fontsize": 11.0, "legend.title_fontsize": 12.0,
}
_CONTEXT_SCALE = {"notebook": 1.0, "talk": 1.5, "paper": 0.8}

#: seaborn.axes_style("whitegrid", rc={"font.family": "sans-serif"}) without "image.cmap": its
#: "rocket" colour map exists only once seaborn is imported (use_style sets cividis instead)
WHITEGRID = {
    "figure.facecolor": "white", "axes.labelcolor": ".15", "xtick.direction": "out",
    "ytick.direction": "out", "xtick.color": ".15", "ytick.color": ".15",
    "axes.axisbelow": True, "grid.linestyle": "-", "text.color": ".15",
    "font.family": "sans-serif",
    "font.sans-serif": ["Arial", "DejaVu Sans", "Liberation Sans", "Bitstream Vera Sans",
                        "sans-serif"],
    "lines.solid_capstyle": "round", "patch.edgecolor": "w", "patch.force_edgecolor": True,
    "xtick.top": False, "ytick.right": False, "axes.grid": True,
    "axes.facecolor": "white", "axes.edgecolor": ".8", "grid.color": ".8",
    "axes.spines.left": True, "axes.spines.bottom": True, "axes.spines.right": True,
    "axes.spines.top": True, "xtick.bottom": False, "ytick.left": False,
}

#: seaborn's "colorblind" palette (the colour cycle)
COLORBLIND = ["#0173B2", "#DE8F05", "#029E73", "#D55E00", "#CC78BC", "#CA9161", "#FBAFE4",
              "#949494", "#ECE133", "#56B4E9"]
#: the colours seaborn gives the shorthand codes "b", "g", "r", "m", "y", "c", "k"
#: ("colorblind6" and a near black)
COLOR_CODES = {"b": "#0173B2", "g": "#029E73", "r": "#D55E00", "m": "#CC78BC", "y": "#ECE133",
               "c": "#56B4E9", "k": (0.1, 0.1, 0.1)}


def rc(mode: str) -> dict:
    """The rcParams seaborn sets for a style (colour cycle, colour codes and colour map apart).

    Parameters
    ----------
    mode : {"notebook", "projector", "print"}
        A key of :data:`CONTEXTS`.
    """
    context, font_scale = CONTEXTS[mode]
    scale = _CONTEXT_SCALE[context]
    sizes = {k: v * scale for k, v in _NOTEBOOK.items()}
    sizes.update({k: v * scale * font_scale for k, v in _NOTEBOOK_FONTS.items()})
    return {**sizes, **WHITEGRID}


def from_seaborn(mode: str) -> dict:
    """What the installed seaborn sets for a style, in the form of :func:`rc` (imports seaborn;
    used by the tests to check the copy above)."""
    import seaborn as sns

    context, font_scale = CONTEXTS[mode]
    style = dict(sns.axes_style("whitegrid", rc={"font.family": "sans-serif"}))
    style.pop("image.cmap")
    return {**sns.plotting_context(context, font_scale), **style}
