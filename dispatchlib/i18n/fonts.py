"""A font with Hangul for the Korean figures: NanumGothic, from the registry package
``koreanize-matplotlib`` (a project dependency; it bundles the Nanum Gothic TTF files, SIL Open
Font License).

That package is never imported: importing it changes matplotlib's global font at once, for every
figure, English ones included. Its ``fonts/`` folder is found with ``importlib`` instead and
each TTF file is registered with ``matplotlib.font_manager.fontManager.addfont``.

:func:`use_korean_font` registers the font and puts it first in ``rcParams["font.family"]``
(the figure style's families follow it, so a glyph Nanum Gothic lacks, such as the minus sign,
comes from them). ``dispatchlib.use_language("ko")`` calls it when matplotlib is already
imported (a notebook's ``%matplotlib inline`` imports it); **the figure style must call it
again after setting its rcParams** (``dispatchlib.plots.use_style`` in
``dispatchlib/plots/theme.py``: when ``current_language() == "ko"``), since the style resets
``font.family``. :func:`use_default_font` puts back the family the style had (English figures
keep their fonts).
"""

from __future__ import annotations

import importlib.util
from pathlib import Path

from dispatchlib.errors import DispatchlibError

PACKAGE = "koreanize_matplotlib"
"""The registry package bundling the font (PyPI ``koreanize-matplotlib``)."""
FAMILY = "NanumGothic"
"""The font family name matplotlib gives the bundled files."""

_state = {"registered": False}


def font_files() -> list[Path]:
    """The TTF files bundled by ``koreanize-matplotlib`` (found without importing it).

    Raises
    ------
    DispatchlibError
        When the package is not installed.
    """
    spec = importlib.util.find_spec(PACKAGE)
    if spec is None or not spec.submodule_search_locations:
        raise DispatchlibError(
            "Korean figures need the package koreanize-matplotlib (a dependency of dispatchlib: "
            "make setup, or pip install -c constraints.txt -e .)")
    files = sorted(Path(next(iter(spec.submodule_search_locations)), "fonts").glob("*.ttf"))
    if not files:
        raise DispatchlibError(f"{PACKAGE} is installed but holds no fonts/*.ttf")
    return files


def register() -> str:
    """Add the bundled Nanum Gothic files to matplotlib's font manager (once per process);
    return the family name."""
    if not _state["registered"]:
        from matplotlib import font_manager

        for path in font_files():
            font_manager.fontManager.addfont(str(path))
        _state["registered"] = True
    return FAMILY


def use_korean_font() -> None:
    """Draw the figures that follow with Nanum Gothic (Hangul), the current families behind it.

    Registers the font (:func:`register`) and sets ``rcParams["font.family"]`` to
    ``["NanumGothic", <the families set before>]``; calling it again changes nothing.
    """
    import matplotlib as mpl

    family = register()
    current = mpl.rcParams["font.family"]
    current = [current] if isinstance(current, str) else list(current)
    if current and current[0] == family:
        return
    mpl.rcParams["font.family"] = [family, *current]


def use_default_font() -> None:
    """Undo :func:`use_korean_font`: the families set before it (nothing when it was not used
    or matplotlib is not imported)."""
    import sys

    if "matplotlib" not in sys.modules:
        return
    import matplotlib as mpl

    current = mpl.rcParams["font.family"]
    current = [current] if isinstance(current, str) else list(current)
    if current and current[0] == FAMILY:
        mpl.rcParams["font.family"] = current[1:] or ["sans-serif"]
