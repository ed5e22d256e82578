"""The figure styles equal seaborn's theme without importing seaborn (dispatchlib.plots.theme)."""

import matplotlib as mpl
import pytest
import seaborn as sns
from conftest import modules_after

import dispatchlib as dl
from dispatchlib.plots import theme


@pytest.mark.parametrize("mode", list(theme.CONTEXTS))
def test_the_copied_theme_equals_what_seaborn_sets(mode):
    seaborn_values = theme.from_seaborn(mode)
    assert theme.rc(mode) == seaborn_values, (
        f"seaborn {sns.__version__} sets other values for {mode!r}; copy these into "
        f"dispatchlib/plots/theme.py: {seaborn_values}")


def test_palette_and_color_codes_are_seaborns():
    assert [mpl.colors.to_hex(c) for c in sns.color_palette("colorblind")] == \
        [c.lower() for c in theme.COLORBLIND]
    assert dl.plots.colors(12)[10:] == dl.plots.colors(2)  # repeats after ten, like seaborn


@pytest.fixture
def color_codes():
    """Restore matplotlib's shorthand colours ("b", "g", ...) after the test."""
    saved = dict(mpl.colors.colorConverter.colors)
    yield
    mpl.colors.colorConverter.colors.clear()
    mpl.colors.colorConverter.colors.update(saved)


@pytest.mark.parametrize("mode", list(theme.CONTEXTS))
def test_use_style_sets_exactly_what_set_theme_sets(mode, monkeypatch, color_codes):
    monkeypatch.delenv("DISPATCHLIB_STYLE", raising=False)
    context, font_scale = theme.CONTEXTS[mode]
    with mpl.rc_context():
        mpl.rcdefaults()
        sns.set_theme(context=context, style="whitegrid", palette="colorblind",
                      font_scale=font_scale)
        codes = {c: mpl.colors.colorConverter.colors[c] for c in "bgrmyck"}
        dl.plots.use_style(mode)  # over seaborn's: sizes, title weight and colour map only
        expected = dict(mpl.rcParams)
    with mpl.rc_context():
        mpl.rcdefaults()
        for c in "bgrmyck":  # undo seaborn's colour codes, to see use_style set them
            mpl.colors.colorConverter.colors[c] = (0.0, 0.0, 0.0)
        dl.plots.use_style(mode)
        assert dict(mpl.rcParams) == expected
        assert {c: mpl.colors.colorConverter.colors[c] for c in "bgrmyck"} == codes


def test_setting_the_style_imports_neither_seaborn_nor_scipy():
    loaded = modules_after("import dispatchlib as dl; dl.plots.use_style()")
    assert "matplotlib" in loaded and not {"seaborn", "scipy"} & loaded


def test_dollar_ticks_write_zero_bare_in_korean_only():
    from dispatchlib.run.notebook_pages import language

    assert [dl.plots.usd_tick(v) for v in (0, 5e7, 1.5e9)] == ["$0", "$50M", "$1.5B"]
    with language("ko"):
        assert [dl.plots.usd_tick(v) for v in (0, 5e7, 1.5e9)] == \
            ["0", "5,000만 달러", "15억 달러"]
        assert dl.plots.usd(0) == "0달러"  # in a sentence the unit stays
