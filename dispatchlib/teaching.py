"""Classroom helpers: self-checks for exercises, slider explorers, and the switch that keeps
interactive parts out of batch runs.

**Self-checks.** :func:`check_answer` never raises: it prints whether an answer is within
tolerance and, if not, which way it is off and a hint. A blank answer (``None`` or ``...``)
prints a reminder, so the cells after it still run.

**Explorers.** :func:`explore` binds sliders (and tick boxes) to a figure function with
``ipywidgets.interactive_output``. The figure functions here (:func:`revenue_figure`,
:func:`ramp_figure`, :func:`reconciled_figure`) are the ones the lessons call for their static
figure as well, so a slider redraws exactly the figure printed above it. Slider bounds come from
the documented ranges (:func:`slider`: ``data/assumptions.csv``, the named ramps of
:mod:`dispatchlib.prospects`, the parameter registry), never from numbers typed into a notebook.

**Headless runs.** An explorer is built only for a notebook frontend that can show it
(:func:`frontend`: JupyterLab, Jupyter Notebook 7, VS Code). Under papermill, nbclient, nbval,
nbconvert or nbgrader, as under plain Python, :func:`explore` returns ``None`` without importing
ipywidgets, as it does when a notebook passes ``interactive=False``; so no cell waits on a
frontend that is not there. No environment variable is needed for this; setting
``DISPATCHLIB_HEADLESS=1`` (``python -m dispatchlib run`` and the test suite do) or nbgrader's
``NBGRADER_EXECUTION`` turns the explorers off even in JupyterLab. Nothing in a lesson depends
on an explorer.

Importing this module loads neither matplotlib nor ipywidgets; they load when a figure is drawn
or an explorer is built.
"""

from __future__ import annotations

import math
import os
import re
import sys
from collections.abc import Callable, Mapping, Sequence
from dataclasses import asdict, dataclass, replace

from .errors import DispatchlibError, ParameterError, shown

HEADLESS_VARIABLES = ("DISPATCHLIB_HEADLESS", "NBGRADER_EXECUTION")
#: CSS class of every explorer's outer box (the browser test looks for it)
EXPLORER_CLASS = "dispatchlib-explorer"


def frontend() -> bool:
    """True when this code runs in a Jupyter kernel for a notebook frontend that shows widgets.

    A notebook frontend (JupyterLab, Jupyter Notebook 7, VS Code) sends the id of the cell it
    runs with every request (``cellId`` in the request's metadata); papermill, nbclient, nbval,
    nbconvert and ``jupyter_client`` send none. A frontend that has opened ipywidgets' control
    channel counts as well. Plain Python and terminal IPython have no frontend.
    """
    try:
        from IPython import get_ipython
    except ImportError:  # pragma: no cover - IPython comes with Jupyter
        return False
    shell = get_ipython()
    kernel = getattr(shell, "kernel", None)
    if kernel is None:
        return False
    widget = sys.modules.get("ipywidgets.widgets.widget")
    if widget is not None and getattr(widget.Widget, "_control_comm", None) is not None:
        return True
    try:
        parent = kernel.get_parent("shell")
    except (AttributeError, TypeError):  # pragma: no cover - ipykernel < 6
        parent = getattr(shell, "parent_header", None)
    metadata = (parent or {}).get("metadata") or {}
    return bool(metadata.get("cellId"))


def headless() -> bool:
    """True when no explorer should be built: no notebook frontend (:func:`frontend`), or
    ``DISPATCHLIB_HEADLESS`` / ``NBGRADER_EXECUTION`` set (an empty value counts as unset)."""
    return any(os.environ.get(v) for v in HEADLESS_VARIABLES) or not frontend()


# --------------------------------------------------------------------------- self-checks

_NUMBER_TEXT = re.compile(r"^[+-]?(\d+(\.\d*)?|\.\d+)(e[+-]?\d+)?$", re.IGNORECASE)


def _as_number(answer) -> tuple[float | None, str]:
    """``(value, "")`` for an answer that is one number, else ``(None, reason)``.

    Accepts Python and NumPy numbers, one-element arrays or Series, and text such as
    ``"13,000"`` or ``"$13,000"`` (commas, spaces, underscores and a leading ``$`` are ignored).
    """
    if isinstance(answer, bool):
        return None, f"expected a number, got {answer!r}"
    if isinstance(answer, str):
        text = re.sub(r"[\s,_]", "", answer).removeprefix("$").removeprefix("US$")
        if not _NUMBER_TEXT.match(text):
            return None, f"expected a number, got the text {shown(answer)}"
        answer = text
    if hasattr(answer, "to_numpy"):  # a pandas Series or one-cell DataFrame
        answer = answer.to_numpy()
    if hasattr(answer, "reshape") and hasattr(answer, "size"):  # a NumPy array or scalar
        if answer.size != 1:
            return None, f"expected one number, got {answer.size} values"
        answer = answer.reshape(-1)[0]
        answer = answer.item() if hasattr(answer, "item") else answer
        if isinstance(answer, bool):
            return None, f"expected a number, got {answer!r}"
    try:
        value = float(answer)
    except (TypeError, ValueError, OverflowError):
        return None, f"expected a number, got {type(answer).__name__} {shown(answer)}"
    if math.isnan(value):
        return None, "the answer is NaN (not a number): check the calculation"
    return value, ""


def check_answer(label: str, answer, expected: float, rel_tol: float = 0.01,
                 hint: str = "", abs_tol: float = 1e-9, unit: str = "") -> None:
    """Compare an exercise answer with the expected value and print the verdict.

    Parameters
    ----------
    label : str
        Name of the exercise, printed with the verdict.
    answer : float, str or None
        The student's answer; ``None`` or ``...`` means "not answered yet". Text holding one
        number (``"13,000"``, ``"$13,000"``) is read as that number.
    expected : float
        The value computed by the library for the same question (in the exercise's unit).
    rel_tol : float
        Allowed relative difference (0.01 = 1 %; 0 for whole numbers such as years).
    hint : str
        Printed when the answer is off or is not a number.
    abs_tol : float
        Allowed absolute difference, in the answer's unit (for expected values near zero).
    unit : str
        ``"year"`` shows the answer as a year (``2028``, never ``2,028``).

    Nothing is returned (so a notebook cell shows only the verdict), and nothing is raised,
    whatever the answer: a wrong or blank answer never stops the cells after it.

    Examples
    --------
    >>> check_answer("Exercise 1", 13000, 13000.0)
    Exercise 1: correct (13,000).
    >>> check_answer("Exercise 1", 12000, 13000.0, hint="amount / months * 12")
    Exercise 1: not yet - 12,000 is too low (off by more than 1%). Hint: amount / months * 12
    >>> check_answer("Exercise 1", ..., 13000.0)
    Exercise 1: no answer yet - replace ... with your number and run the cell again.
    >>> check_answer("Exercise 2", 2028, 2028.0, rel_tol=0, unit="year")
    Exercise 2: correct (2028).
    """
    try:
        _check(label, answer, expected, rel_tol, hint, abs_tol, unit)
    except Exception as exc:  # noqa: BLE001 - a self-check must never stop a lesson
        print(f"{label}: could not check this answer ({type(exc).__name__}: {exc}).")


def _check(label: str, answer, expected, rel_tol: float, hint: str, abs_tol: float,
           unit: str = "") -> None:
    tail = f" Hint: {hint}" if hint else ""

    def text(x: float) -> str:  # years never get a thousands separator
        return f"{x:.6g}" if unit == "year" else f"{x:,.6g}"

    if answer is None or answer is Ellipsis:
        print(f"{label}: no answer yet - replace ... with your number and run the cell again.")
        return
    value, problem = _as_number(answer)
    if value is None:
        print(f"{label}: {problem}.{tail}")
        return
    target, problem = _as_number(expected)
    if target is None:
        print(f"{label}: cannot check - there is no expected value to compare with "
              f"({shown(expected)}).")
        return
    rel_tol, abs_tol = max(float(rel_tol), 0.0), max(float(abs_tol), 0.0)
    if math.isclose(value, target, rel_tol=rel_tol, abs_tol=abs_tol):
        print(f"{label}: correct ({text(value)}).")
        return
    side = "too high" if value > target else "too low"
    margin = f" (off by more than {rel_tol:.0%})" if rel_tol else ""
    print(f"{label}: not yet - {text(value)} is {side}{margin}.{tail}")


# --------------------------------------------------------------------------- controls

@dataclass(frozen=True)
class Slider:
    """A numeric control of an explorer.

    Attributes
    ----------
    low, high : float
        Ends of the slider, in the parameter's unit (for ``log`` sliders too).
    step : float
        Step in the parameter's unit; for ``log`` sliders, in powers of ten.
    default : float
        Starting value (moved inside ``[low, high]`` if it lies outside).
    label : str
        Text next to the slider (name and unit).
    log : bool
        Logarithmic slider (each step multiplies the value).
    """

    low: float
    high: float
    step: float
    default: float
    label: str = ""
    log: bool = False

    def __post_init__(self):
        if not self.low < self.high or self.step <= 0:
            raise ValueError(f"a slider needs low < high and a positive step, got {self}")

    @property
    def start(self) -> float:
        """The default, moved inside ``[low, high]``."""
        return min(max(self.default, self.low), self.high)

    @property
    def whole(self) -> bool:
        """True when every value on the slider is a whole number."""
        return (not self.log and all(float(v).is_integer()
                                     for v in (self.low, self.high, self.step, self.start)))


@dataclass(frozen=True)
class Choices:
    """A tick box per option; the figure function receives the ticked options as a list.

    Attributes
    ----------
    options : tuple of str
        Every option, in display order.
    default : tuple of str
        Options ticked at the start.
    label : str
        Text in front of the boxes.
    """

    options: tuple[str, ...]
    default: tuple[str, ...] = ()
    label: str = ""


def _documented(name: str) -> tuple[float, float, float, str, bool]:
    """``(low, high, step, label, log)`` of a slider, from the documented ranges."""
    from . import history, prospects
    from .data import assumption
    from .params import spec

    if name == "workers":  # from the 2025 low to the top of the brief's ceiling
        return (assumption("workers")[0], assumption("ceiling_workers")[2], 1000.0,
                "workers (persons)", False)
    if name == "annual_quota_usd":
        low, _, high = assumption("annual_quota_usd")
        return low, high, 50.0, "quota (USD per worker per year)", False
    if name == "ceiling":
        low, _, high = assumption("ceiling_workers")
        return low, high, 5000.0, "ceiling (persons)", False
    if name == "ramp_speed":
        speeds = [p.ramp_speed for p in prospects.PRESETS.values()]
        return min(speeds), max(speeds), 0.05, "ramp speed (per year)", False
    if name == "grade_weight":  # the registry's whole range, on a log scale
        s = spec("grade_weight")
        return float(s.minimum), float(s.maximum), 0.05, "grade weight (ratio)", True
    if name == "ci_level":
        s = spec("ci_level")
        return float(s.minimum), 0.99, 0.01, "band level (probability)", False
    raise ParameterError("slider", name, "one of workers, annual_quota_usd, ceiling, "
                         f"ramp_speed, grade_weight, ci_level (documented ranges; see "
                         f"{history.__name__} and {prospects.__name__})")


def slider(name: str, default: float | None = None, label: str | None = None) -> Slider:
    """A slider over the documented range of one quantity.

    Parameters
    ----------
    name : str
        ``workers`` (persons: the 2025 low of ``assumptions.csv`` to the top of the brief's
        ceiling, 10,000-150,000), ``annual_quota_usd`` (USD per worker per year, the
        documented 5,000-10,300), ``ceiling`` (persons, the brief's 100,000-150,000),
        ``ramp_speed`` (per year, from the slowest to the fastest named ramp, 0.35-0.9),
        ``grade_weight`` (ratio, the registry's 1-100 on a log scale) or ``ci_level``
        (probability, 0.5-0.99).
    default : float, optional
        Starting value (the notebook's parameter); the middle of the range when not given.
    label : str, optional
        Text next to the slider; a name with the unit by default.

    Raises
    ------
    ParameterError
        For a name with no documented range.
    """
    low, high, step, text, log = _documented(name)
    if default is None:
        default = math.sqrt(low * high) if log else (low + high) / 2
    return Slider(low, high, step, float(default), label or text, log)


def choices(name: str, default: Sequence[str] | None = None, label: str | None = None
            ) -> Choices:
    """Tick boxes for a list parameter, one per value the registry allows.

    Parameters
    ----------
    name : str
        A ``list[str]`` parameter with allowed values, e.g. ``measures`` or ``grades``
        (:mod:`dispatchlib.history`).
    default : sequence of str, optional
        Values ticked at the start (the notebook's parameter); all of them when not given.
    label : str, optional
        Text in front of the boxes; the parameter's name by default.

    Raises
    ------
    ParameterError
        For a name that is not a list parameter with allowed values, or a default value that
        is not allowed.
    """
    from .params import spec

    s = spec(name)
    if not s.kind.startswith("list[") or not s.choices:
        raise ParameterError("choices", name, "a list parameter with allowed values, such as "
                             "measures or grades")
    ticked = tuple(s.validate(list(s.choices if default is None else default)))
    return Choices(tuple(s.choices), ticked, label or name)


def _widget(name: str, control):
    """The ipywidgets control(s) for one entry of ``controls``: ``{key: widget}``."""
    import ipywidgets as widgets

    style = {"description_width": "initial"}
    if isinstance(control, Choices):
        return {f"{name}\0{option}": widgets.Checkbox(value=option in control.default,
                                                      description=option, indent=False,
                                                      layout=widgets.Layout(width="auto"))
                for option in control.options}
    if not isinstance(control, Slider):
        low, high, step, default = control
        control = Slider(float(low), float(high), float(step), float(default), name)
    common = dict(description=control.label or name, continuous_update=False, style=style,
                  layout=widgets.Layout(width="480px"))
    if control.log:
        return {name: widgets.FloatLogSlider(value=control.start, base=10,
                                             min=math.log10(control.low),
                                             max=math.log10(control.high),
                                             step=control.step, readout_format=".3g", **common)}
    if control.whole:
        return {name: widgets.IntSlider(value=int(control.start), min=int(control.low),
                                        max=int(control.high), step=int(control.step),
                                        **common)}
    return {name: widgets.FloatSlider(value=control.start, min=control.low, max=control.high,
                                      step=control.step, readout_format=".3g", **common)}


def _values(flat: Mapping[str, object], controls: Mapping) -> dict:
    """Widget values back into the figure function's arguments (tick boxes into lists)."""
    out: dict = {}
    for name, control in controls.items():
        if isinstance(control, Choices):
            out[name] = [o for o in control.options if flat[f"{name}\0{o}"]]
        else:
            out[name] = flat[name]
    return out


def explore(figure_function: Callable, controls: Mapping[str, Slider | Choices | tuple],
            interactive: bool = True, **fixed):
    """Sliders that redraw a figure: ``figure_function(**slider_values, **fixed)``.

    Parameters
    ----------
    figure_function : callable
        Returns a matplotlib figure; the same function the lesson calls for its static figure.
    controls : mapping
        Argument name to a :class:`Slider` (see :func:`slider`), a :class:`Choices` or a
        tuple ``(low, high, step, default)``.
    interactive : bool
        The notebook's ``interactive`` parameter; ``False`` builds nothing.
    **fixed
        Further arguments passed unchanged on every redraw.

    Returns
    -------
    ipywidgets.VBox or None
        The controls above a figure area of fixed minimum height (so the page does not jump
        on a redraw), or ``None`` when headless or not interactive. A value the figure cannot
        be drawn with is explained in the figure area instead of raising.
    """
    if not interactive or headless():
        return None
    try:
        import ipywidgets as widgets
    except ImportError:  # pragma: no cover - ipywidgets is a dependency
        print("ipywidgets is not installed: the explorer is not available.")
        return None
    import matplotlib as mpl
    import matplotlib.pyplot as plt
    from IPython.display import display

    flat: dict = {}
    rows = []
    for name, control in controls.items():
        made = _widget(name, control)
        flat.update(made)
        if isinstance(control, Choices):
            rows.append(widgets.HBox([widgets.Label(control.label or name), *made.values()]))
        else:
            rows.extend(made.values())

    def draw(**values):
        try:
            fig = figure_function(**_values(values, controls), **fixed)
        except (DispatchlibError, ValueError) as exc:
            plt.close("all")
            print(f"This choice cannot be drawn: {exc}")
            return
        display(fig)
        plt.close(fig)

    out = widgets.interactive_output(draw, flat)
    width, height = mpl.rcParams["figure.figsize"]
    out.layout = widgets.Layout(min_height=f"{int(height * mpl.rcParams['figure.dpi']) + 80}px")
    box = widgets.VBox([*rows, out])
    box.add_class(EXPLORER_CLASS)
    return box


# --------------------------------------------------------------------------- figures shared
# by a lesson's static cell and its explorer


def revenue_figure(workers: int, quota_usd: float, quota_months: float = 12.0,
                   draws: int = 20_000, seed: int = 2025):
    """State revenue against the number of workers, with the quota's Monte Carlo bands
    (``02_economics``, section 2).

    Parameters
    ----------
    workers : int
        Workers in Russia (persons), marked as "this run".
    quota_usd : float
        Paid to the state per worker over ``quota_months`` (USD); with ``quota_months=12``
        this is the annual quota.
    quota_months : float
        Months covered by ``quota_usd``.
    draws : int
        Monte Carlo draws of the quota.
    seed : int
        Seed of the random number generator.

    Returns
    -------
    matplotlib.figure.Figure
        Bands for 0-160,000 workers (USD per year), this run's point and the brief's
        100,000 workers / $1 billion, with the $1 billion line.
    """
    import numpy as np
    import pandas as pd

    from . import scenario
    from .plots import economics

    s = scenario.build(workers=workers, quota_usd=quota_usd, quota_months=quota_months)
    band = scenario.revenue_by_workers(np.linspace(0, 160_000, 81), s, draws=draws, seed=seed)
    revenue = scenario.deterministic(s)["state_revenue_usd"]
    marks = pd.DataFrame([
        {"workers": workers, "revenue_usd": revenue, "label": f"This run: {workers:,} workers"},
        {"workers": 100_000, "revenue_usd": 1e9,
         "label": "Brief: 100,000 workers, over $1 billion"},
    ])
    return economics.revenue_vs_workers(band, marks, target_usd=1e9,
                                        sources=["LANKOV2025", "RFA2024POE", "RFA2019QUOTA"])


def ramp_figure(o, ceiling: int | None = None, ramp_speed: float | None = None):
    """The three named ramps and this run's toward the brief's ceiling (``04_prospects``,
    section 1).

    Parameters
    ----------
    o : dispatchlib.prospects.Outlook
        The lesson's projection window and ramp.
    ceiling : int, optional
        Replaces the ceiling of this run's ramp (persons).
    ramp_speed : float, optional
        Replaces the speed of this run's ramp (per year).

    Raises
    ------
    ParameterError
        For a ceiling or speed out of range, or a ceiling not above the starting workforce.
    """
    from . import prospects
    from .data import assumption
    from .params import check
    from .plots import prospects as figures

    p = check(ceiling=o.ceiling if ceiling is None else ceiling,
              ramp_speed=o.ramp_speed if ramp_speed is None else ramp_speed)
    run = replace(o, ceiling=int(p.ceiling), ramp_speed=float(p.ramp_speed))
    prospects.ceiling_above_start(check(**asdict(run)))
    if run.ramp_speed <= 0:
        raise ParameterError("ramp_speed", run.ramp_speed, "a speed above 0 (per year)")
    low, _, high = assumption("ceiling_workers")
    return figures.ramps(prospects.scenario_paths(run), prospects.reference_points(),
                         ceiling_range=(low, high),
                         sources=["LANKOV2025", "YTN2025", "BELENETS2025", "MT2025BBC"])


def reconciled_figure(measures: Sequence[str], grades: Sequence[str], grade_weight: float = 2.0,
                      ci_level: float = 0.95):
    """The reconciled workforce series fitted to the chosen figures (``01_history``,
    section 4): which measures and confidence grades to believe, and how much more a better
    grade weighs.

    Parameters
    ----------
    measures : sequence of str
        Stock-like measures fitted (see :data:`dispatchlib.history.STOCK_MEASURES`).
    grades : sequence of str
        Confidence grades fitted (H, M, L).
    grade_weight : float
        Weight of a figure relative to one a grade lower (ratio).
    ci_level : float
        Probability covered by the bands.

    Raises
    ------
    ParameterError
        For an empty or unknown choice, or one that leaves too few figures to fit.
    """
    import numpy as np

    from . import history
    from .data import load
    from .params import check
    from .plots import history as figures

    p = check(rules=history.RULES, measures=list(measures), grades=list(grades),
              grade_weight=grade_weight, ci_level=ci_level)
    workforce = load("workforce")
    sel = history.select(workforce, measures=p.measures, grades=p.grades,
                         grade_weight=p.grade_weight)
    curve = history.reconcile(sel).predict(np.arange(1946, 2026, 0.25), ci_level=p.ci_level)
    return figures.reconciled(
        curve, sel, history.unfitted(workforce, sel), load("eras"), ci_level=p.ci_level,
        sources=[f"the {sel['source_id'].nunique()} sources of the fitted figures "
                 "(data/workforce.csv)"])
