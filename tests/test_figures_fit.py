"""Figures fit their own frame: the sources line sits inside the figure, wrapped to its width,
below the axes; a title or legend wider than the axes makes the figure wider; and in a notebook
the inline backend shows the figure at its own size instead of trimming it (which would lay it
out a second time). Hand-built figures, in-process (the lessons' own figures are drawn by
nbval and the glyph test of the Korean figures).
"""

import json
import subprocess
import sys

import matplotlib
import pytest

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402

from dispatchlib import plots  # noqa: E402

LONG_IDS = [f"SOURCE{i:02d}LONGNAME2025" for i in range(30)]


@pytest.fixture(autouse=True)
def _close():
    yield
    plt.close("all")


def _inside(fig, artist, tolerance_px=1.0) -> bool:
    box = artist.get_window_extent()
    return (box.x0 >= -tolerance_px and box.y0 >= -tolerance_px
            and box.x1 <= fig.bbox.width + tolerance_px
            and box.y1 <= fig.bbox.height + tolerance_px)


def _sources_line(fig):
    return fig.texts[-1]


def test_a_long_sources_line_wraps_inside_the_figure_below_the_axes():
    plots.use_style("notebook")
    fig, ax = plt.subplots()
    ax.plot([0, 1], [0, 1])
    ax.set_title("A title")
    height = fig.get_figheight()
    band = plots.add_sources(fig, LONG_IDS, "A note that adds a few more words to the line.")
    line = _sources_line(fig)
    lines = line.get_text().split("\n")
    assert len(lines) >= 3  # 30 long ids cannot fit on one 8-inch line
    assert " ".join(lines) == "Sources: " + ", ".join(LONG_IDS) + (
        ". A note that adds a few more words to the line.")
    assert _inside(fig, line)
    box = line.get_window_extent()
    assert box.x1 <= fig.bbox.width * (1 - plots.MARGIN) + 1
    # the figure grew by the line's band, which the axes (and their labels) stay above
    assert fig.get_figheight() == pytest.approx(height + band * fig.get_figheight())
    assert ax.get_tightbbox().y0 >= box.y1 - 1
    # the band is the line's height and its padding, rounded up to a whole pixel
    band_px = band * fig.bbox.height
    assert box.height + 2 * plots.PAD_IN * fig.dpi <= band_px + 1e-6
    assert band_px < box.height + 2 * plots.PAD_IN * fig.dpi + 1
    assert fig.bbox.height == pytest.approx(round(fig.bbox.height))


def test_a_short_sources_line_stays_on_one_line():
    plots.use_style("notebook")
    fig, ax = plt.subplots()
    ax.plot([0, 1], [0, 1])
    plots.add_sources(fig, ["LANKOV2025"])
    assert _sources_line(fig).get_text() == "Sources: LANKOV2025."


def test_a_title_and_legend_wider_than_the_axes_widen_the_figure():
    plots.use_style("notebook")
    fig, ax = plt.subplots()
    for k in range(4):
        ax.plot([0, 1], [k, k + 1], label=f"a rather long legend label number {k}")
    ax.set_ylabel("y")
    ax.set_yticks([0, 2, 4], ["a very long tick label on the left side", "b", "c"])
    ax.set_title("A title far wider than what is left of the axes after the tick labels, "
                 "on purpose")
    ax.legend(loc="upper center", bbox_to_anchor=(0.5, -0.15), ncol=4)
    width = fig.get_figwidth()
    plots.add_sources(fig, ["LANKOV2025"])
    assert fig.get_figwidth() > width
    for artist in [ax.get_legend(), *[c for c in ax.get_children()
                                      if isinstance(c, matplotlib.text.Text) and c.get_text()]]:
        assert _inside(fig, artist), artist


def test_a_figure_that_fits_keeps_its_width():
    plots.use_style("notebook")
    fig, ax = plt.subplots()
    ax.plot([0, 1], [0, 1], label="line")
    ax.legend()
    width = fig.get_figwidth()
    plots.add_sources(fig, ["LANKOV2025"])
    assert fig.get_figwidth() == width


def _draws_when_saved(fig) -> int:
    """How many times saving ``fig`` as a PNG draws the whole figure."""
    import io

    from matplotlib.figure import Figure

    calls = []
    draw = Figure.draw

    def counted(self, renderer):
        calls.append(self)
        return draw(self, renderer)

    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(Figure, "draw", counted)
        fig.savefig(io.BytesIO(), format="png")
    return len(calls)


def test_a_finished_figure_is_drawn_once_when_saved_or_shown():
    """tight_layout leaves a placeholder layout engine, which makes matplotlib draw the whole
    figure once unseen before each save; add_sources leaves none, so a figure is drawn once,
    and the picture is the same byte for byte. One made under figure.autolayout keeps its
    engine (and its two drawings)."""
    import io

    plots.use_style("notebook")

    def figure():
        fig, ax = plt.subplots()
        ax.plot([0, 1], [0, 1], label="line")
        ax.set_title("a title")
        ax.legend()
        return fig

    fig = figure()
    plots.add_sources(fig, ["LANKOV2025"], "A note.")
    assert fig.get_layout_engine() is None
    assert _draws_when_saved(fig) == 1
    fig.tight_layout(rect=(0, 0.1, 1, 1))  # what tight_layout alone leaves
    assert type(fig.get_layout_engine()).__name__ == "PlaceHolderLayoutEngine"
    assert _draws_when_saved(fig) == 2
    with_placeholder, without = io.BytesIO(), io.BytesIO()
    fig.savefig(with_placeholder, format="png")
    fig.set_layout_engine(None)
    fig.savefig(without, format="png")
    assert with_placeholder.getvalue() == without.getvalue()
    with matplotlib.rc_context({"figure.autolayout": True}):
        auto = figure()
        plots.add_sources(auto, ["LANKOV2025"])
    assert auto.get_layout_engine() is not None


def test_the_layout_measures_each_axes_once_and_draws_the_same_pixels():
    """tight_layout with the sources band measures every Axes twice, the second time with
    nothing moved; add_sources keeps the first measurement, so each Axes is measured once per
    layout, and the figure is the same to the pixel as with the second measurement made."""
    import io

    from matplotlib.axes import Axes

    plots.use_style("notebook")

    def figure():
        fig, (left, right) = plt.subplots(1, 2)
        left.plot([0, 1000], [0, 2e6])
        left.set_title("a long title over the first axes")
        left.set_ylabel("USD")
        right.bar(["one", "two", "three"], [3, 1, 2])
        return fig

    measured = []
    plain = Axes.get_tightbbox

    def counted(self, *args, **kwargs):
        measured.append(self)
        return plain(self, *args, **kwargs)

    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(Axes, "get_tightbbox", counted)
        fig = figure()
        plots._lay_out(fig, 0.1)
        assert sorted(map(id, measured)) == sorted(map(id, fig.axes))  # once each
        assert all("get_tightbbox" not in vars(ax) for ax in fig.axes)  # nothing left behind
        measured.clear()
        again = figure()
        again.tight_layout(rect=(0, 0.1, 1, 1))  # matplotlib's own: twice each
        assert len(measured) == 2 * len(again.axes)
    again.set_layout_engine(None)
    ours, theirs = io.BytesIO(), io.BytesIO()
    fig.savefig(ours, format="png")
    again.savefig(theirs, format="png")
    assert [ax.get_position().bounds for ax in fig.axes] == \
        [ax.get_position().bounds for ax in again.axes]
    assert ours.getvalue() == theirs.getvalue()


SHOW = """
import json
from IPython.core.interactiveshell import InteractiveShell
from matplotlib_inline.config import InlineBackend
shell = InteractiveShell.instance()
backend = InlineBackend.instance()
backend.print_figure_kwargs = {"bbox_inches": "tight", "pil_kwargs": {"compress_level": 3}}
import dispatchlib as dl
dl.plots.use_style()
print(json.dumps(backend.print_figure_kwargs))
"""


def test_in_ipython_figures_are_shown_at_their_own_size_other_options_kept():
    out = subprocess.run([sys.executable, "-c", SHOW], capture_output=True, text=True,
                         timeout=120, check=True).stdout
    assert json.loads(out.strip().splitlines()[-1]) == {
        "bbox_inches": None, "pil_kwargs": {"compress_level": 3}}


def test_outside_ipython_nothing_is_configured():
    code = ("import sys, dispatchlib as dl\ndl.plots.use_style()\n"
            "print('matplotlib_inline.config' in sys.modules)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         timeout=120, check=True).stdout
    assert out.strip() == "False"
