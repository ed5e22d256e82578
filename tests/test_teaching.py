"""Classroom helpers: self-checks, explorers and their figure functions, and the style switch."""

import subprocess
import sys

import matplotlib as mpl
import pytest
import seaborn as sns

import dispatchlib as dl
from dispatchlib import teaching
from dispatchlib.errors import ParameterError


def said(capsys) -> str:
    return capsys.readouterr().out.strip()


# --------------------------------------------------------------------------- headless

def test_headless_follows_the_environment(monkeypatch):
    monkeypatch.delenv("DISPATCHLIB_HEADLESS", raising=False)
    monkeypatch.delenv("NBGRADER_EXECUTION", raising=False)
    monkeypatch.setattr(teaching.selfcheck, "frontend", lambda: True)  # as in JupyterLab
    assert not teaching.headless()
    monkeypatch.setenv("NBGRADER_EXECUTION", "autograde")
    assert teaching.headless()
    monkeypatch.setenv("NBGRADER_EXECUTION", "")
    assert not teaching.headless()


# --------------------------------------------------------------------------- controls

# sliders: tests/test_explorers.py (the registry's explorer entries)


def test_choices_come_from_the_registry():
    m = teaching.choices("measures", ["stock", "permits"])
    assert m.options == ("stock", "stock_logging", "permits", "estimate", "brief")
    assert m.default == ("stock", "permits")
    assert teaching.choices("grades").default == ("H", "M", "L")
    with pytest.raises(ParameterError, match="measures"):
        teaching.choices("measures", ["entries"])  # a flow is not a choice
    with pytest.raises(ParameterError, match="choices = 'workers'"):
        teaching.choices("workers")


# --------------------------------------------------------------------------- explore

def test_explore_steps_aside_without_importing_ipywidgets():
    code = ("import os, sys; os.environ['DISPATCHLIB_HEADLESS'] = '1'; import dispatchlib as dl; "
            "assert 'matplotlib' not in sys.modules; "
            "r = dl.teaching.explore(dl.teaching.revenue_figure, "
            "{'workers': dl.teaching.slider('workers', 15000)}, quota_usd=9750.0); "
            "assert r is None; assert 'ipywidgets' not in sys.modules; print('ok')")
    run = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         timeout=120)
    assert run.returncode == 0 and run.stdout.strip() == "ok", run.stderr


def test_explore_is_off_when_not_interactive(monkeypatch):
    monkeypatch.delenv("DISPATCHLIB_HEADLESS", raising=False)
    called = []
    assert teaching.explore(lambda **kw: called.append(kw), {"x": (0, 10, 1, 5)},
                            interactive=False) is None
    assert not called


@pytest.fixture
def style():
    """Restore matplotlib's settings after a test that changes the style."""
    with mpl.rc_context():
        yield
    dl.plots.current = None


def test_explore_builds_sliders_that_redraw(monkeypatch, capsys, style):
    import ipywidgets as widgets
    import matplotlib.pyplot as plt

    monkeypatch.delenv("DISPATCHLIB_HEADLESS", raising=False)
    monkeypatch.delenv("NBGRADER_EXECUTION", raising=False)
    monkeypatch.setattr(teaching.selfcheck, "frontend", lambda: True)  # as in JupyterLab
    calls = []

    def figure(workers, grades, weight, label):
        calls.append((workers, grades, weight, label))
        return plt.figure()

    box = teaching.explore(
        figure, {"workers": teaching.slider("workers", 15000),
                 "grades": teaching.choices("grades", ["H", "M"]),
                 "weight": teaching.slider("grade_weight", 2.0)},
        label="fixed")
    assert isinstance(box, widgets.VBox) and teaching.EXPLORER_CLASS in box._dom_classes
    workers, grades, weight, out = box.children
    assert isinstance(workers, widgets.IntSlider)
    assert (workers.min, workers.max, workers.step, workers.value) == (10000, 150000, 1000, 15000)
    assert not workers.continuous_update
    assert isinstance(weight, widgets.FloatLogSlider)
    assert (weight.min, weight.max, weight.value) == (0, 2, 2.0)  # powers of ten: 1 to 100
    assert isinstance(out, widgets.Output) and out.layout.min_height
    assert calls == [(15000, ["H", "M"], 2.0, "fixed")]  # drawn once when built
    workers.value = 40000
    grades.children[3].value = True  # tick L
    assert calls[-2:] == [(40000, ["H", "M"], 2.0, "fixed"), (40000, ["H", "M", "L"], 2.0,
                                                              "fixed")]
    assert plt.get_fignums() == []  # every drawn figure is closed after display


def test_explore_explains_a_value_it_cannot_draw(monkeypatch, capsys, style):
    monkeypatch.delenv("DISPATCHLIB_HEADLESS", raising=False)
    monkeypatch.delenv("NBGRADER_EXECUTION", raising=False)
    monkeypatch.setattr(teaching.selfcheck, "frontend", lambda: True)  # as in JupyterLab
    box = teaching.explore(teaching.reconciled_figure,
                           {"grades": teaching.choices("grades", ["H", "M", "L"])},
                           measures=["stock"], grade_weight=2.0)
    capsys.readouterr()
    for box_ in box.children[0].children[1:]:
        box_.value = False  # untick every grade
    out = said(capsys)
    assert "This choice cannot be drawn: parameter grades = [] is not allowed" in out


# --------------------------------------------------------------------------- figure functions

def _line(fig, label):
    (line,) = [ln for ax in fig.axes for ln in ax.get_lines() if ln.get_label() == label]
    return line


def test_revenue_figure_marks_this_run(style):
    fig = teaching.revenue_figure(50000, 9750.0, 12.0, draws=2000, seed=1)
    # 50,000 workers x 9,750 USD = 487.5 million USD a year
    run = _line(fig, "This run, central value: 50,000 workers")
    assert run.get_xdata()[0] == 50000 and run.get_ydata()[0] == pytest.approx(487.5e6)
    brief = _line(fig, "Brief: 100,000 workers, over $1 billion")
    assert brief.get_ydata()[0] == 1e9
    # 6,500 over 8 months is the same 9,750 a year: the same mark
    same = teaching.revenue_figure(50000, 6500.0, 8.0, draws=2000, seed=1)
    mark = _line(same, "This run, central value: 50,000 workers")
    assert mark.get_ydata()[0] == pytest.approx(487.5e6)
    with pytest.raises(ParameterError, match="workers"):
        teaching.revenue_figure(-1, 9750.0)
    mpl.pyplot.close("all")


def test_ramp_figure_draws_this_runs_ramp(style):
    o = dl.prospects.outlook({"ramp_scenario": "central", "start_year": 2025, "end_year": 2035,
                              "start_workers": 15000})
    fig = teaching.ramp_figure(o, ceiling=140000, ramp_speed=0.5)
    run = _line(fig, "this run")
    # W(t) = C / (1 + (C - S) / S e^(-k (t - 2025))): C = 140,000, S = 15,000, k = 0.5:
    # W(2035) = 140,000 / (1 + 8.33333 e^-5) = 140,000 / 1.056149 = 132,557.1
    assert run.get_ydata()[0] == pytest.approx(15000)
    assert run.get_ydata()[-1] == pytest.approx(132557.1, rel=1e-5)
    # at the defaults this run is the central ramp: one line, one legend entry
    default = _line(teaching.ramp_figure(o), "central ramp (this run)").get_ydata()
    # the central ramp (04_prospects): 125,000 / (1 + 7.33333 e^-5) = 119,114.5
    assert default[-1] == pytest.approx(119114.5, abs=1)
    with pytest.raises(ParameterError, match="ceiling"):
        teaching.ramp_figure(o, ceiling=10000)  # below the 15,000 at the start
    with pytest.raises(ParameterError, match="ramp_speed"):
        teaching.ramp_figure(o, ramp_speed=9.0)
    mpl.pyplot.close("all")


def test_reconciled_figure_follows_the_choice(style):
    # national M-graded logging counts: 1985, 1990, 1993 (two), 1994, 2006 (01_history test)
    fig = teaching.reconciled_figure(["stock_logging"], ["M"], 1.0, 0.9)
    left = fig.axes[0]
    points = sum(len(c.get_offsets()) for c in left.collections
                 if c.get_label().startswith("fitted:"))
    assert points == 6
    assert left.get_yscale() == "log"
    with pytest.raises(ParameterError, match="grades"):
        teaching.reconciled_figure(["stock"], ["L"])  # nothing left to fit
    mpl.pyplot.close("all")


# --------------------------------------------------------------------------- style switch

def _sizes():
    rc = mpl.rcParams
    return (tuple(rc["figure.figsize"]), rc["figure.dpi"], rc["axes.labelsize"],
            rc["lines.linewidth"])


def test_each_style_sets_context_sizes_and_palette_together(style, monkeypatch):
    monkeypatch.delenv("DISPATCHLIB_STYLE", raising=False)
    colorblind = [mpl.colors.to_hex(c) for c in sns.color_palette("colorblind")]
    seen = {}
    for mode in ("notebook", "projector", "print"):
        mpl.rcdefaults()
        assert dl.plots.use_style(mode) is None and dl.plots.current == mode
        seen[mode] = _sizes()
        cycle = [mpl.colors.to_hex(c) for c in mpl.rcParams["axes.prop_cycle"].by_key()["color"]]
        assert cycle == colorblind
        assert mpl.rcParams["image.cmap"] == "cividis"
    assert seen["notebook"][:2] == ((8.0, 4.5), 100)
    assert seen["projector"][:2] == ((11.0, 6.0), 100)
    assert seen["print"][:2] == ((6.5, 3.8), 150)
    # seaborn scales text and lines by 1 (notebook), 1.5 (talk) and 0.8 (paper); the projector
    # adds a font scale of 1.15: labels 1.5 x 1.15 = 1.725 times the notebook's
    assert seen["projector"][2] / seen["notebook"][2] == pytest.approx(1.725)
    assert seen["projector"][3] / seen["notebook"][3] == pytest.approx(1.5)
    assert seen["print"][2] / seen["notebook"][2] == pytest.approx(0.8)
    # switching back restores every part, not just some
    dl.plots.use_style("projector")
    dl.plots.use_style("notebook")
    assert _sizes() == seen["notebook"]


def test_style_override_and_bad_modes(style, monkeypatch):
    monkeypatch.setenv("DISPATCHLIB_STYLE", "projector")
    dl.plots.use_style("notebook")
    assert dl.plots.current == "projector" and tuple(mpl.rcParams["figure.figsize"]) == (11, 6)
    monkeypatch.setenv("DISPATCHLIB_STYLE", "huge")
    with pytest.raises(ParameterError, match="^parameter DISPATCHLIB_STYLE = 'huge' is not"):
        dl.plots.use_style("notebook")
    monkeypatch.delenv("DISPATCHLIB_STYLE")
    with pytest.raises(ValueError, match="expected one of notebook, projector, print"):
        dl.plots.use_style("slides")


_STALE_CHECK = """
import matplotlib
matplotlib.use({backend!r})
import matplotlib.pyplot as plt
import dispatchlib as dl
fig, ax = plt.subplots()
ax.plot([0, 1], [0, 1])
dl.plots.add_sources(fig, ["LANKOV2025"])
print(fig.stale)
ax.set_title("changed afterwards")
print(fig.stale)
"""


@pytest.mark.parametrize(("backend", "after_sources"), [
    ("module://matplotlib_inline.backend_inline", "False"),  # the PNG is the only rendering
    ("agg", "True"),  # other backends keep pyplot's redraw
])
def test_finished_figures_skip_the_extra_inline_redraw(backend, after_sources):
    out = subprocess.run([sys.executable, "-c", _STALE_CHECK.format(backend=backend)],
                         capture_output=True, text=True, check=True)
    assert out.stdout.split() == [after_sources, "True"]  # a later change needs a redraw again


# --------------------------------------------------------------------------- housekeeping

def test_housekeeping_records_results_and_shows_each_source_once(monkeypatch):
    shown = []
    monkeypatch.setattr("IPython.display.display", lambda obj, **kw: shown.append(obj))
    assert dl.housekeeping is teaching.housekeeping
    dl.housekeeping("02_economics", ["LANKOV2025", "YTN2025", "LANKOV2025"],
                    state_take_per_worker_usd=9750.0, workers=15000)
    payload, table = shown
    assert payload[dl.results.MIME_TYPE] == {
        "notebook": "02_economics",
        "results": {"state_take_per_worker_usd": 9750.0, "workers": 15000}}
    assert table["source_id"].tolist() == ["LANKOV2025", "YTN2025"]
    assert list(table.columns) == ["source_id", "author", "title", "publisher", "date"]


def test_housekeeping_refuses_an_unknown_source_before_recording(monkeypatch):
    shown = []
    monkeypatch.setattr("IPython.display.display", lambda obj, **kw: shown.append(obj))
    with pytest.raises(dl.DataError, match="NOSUCHSOURCE"):
        dl.housekeeping("02_economics", ["NOSUCHSOURCE"], workers=1)
    assert shown == []
