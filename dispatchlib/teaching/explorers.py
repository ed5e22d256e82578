"""Slider explorers: :func:`explore` binds sliders (and tick boxes) to a figure function with
``ipywidgets.interactive_output``. Slider bounds come from the documented ranges
(:func:`slider`: ``data/assumptions.csv``, the named ramps of
:mod:`dispatchlib.lessons.prospects`, the parameter registry), never from numbers typed into a
notebook. :func:`explore` returns ``None`` without importing ipywidgets when headless
(:func:`dispatchlib.teaching.selfcheck.headless`) or when a notebook passes
``interactive=False``. Importing this module loads neither matplotlib nor ipywidgets.
"""
from __future__ import annotations

import math
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass

from dispatchlib.errors import DispatchlibError, ParameterError
from dispatchlib.teaching.selfcheck import EXPLORER_CLASS, headless

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
    from dispatchlib.lessons import history, prospects
    from dispatchlib.params import spec
    from dispatchlib.tables.data import assumption

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
    from dispatchlib.params import spec

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
