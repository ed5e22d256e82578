"""Slider explorers: :func:`explore` binds sliders (and tick boxes) to a figure function with
``ipywidgets.interactive_output``. Sliders are described by the parameter
registry (:func:`slider`: the ``explorer`` entry of a parameter in ``parameters.json`` names its
ends, step and label, the ends referring to ``data/assumptions.csv``, the named ramps of
:mod:`dispatchlib.lessons.prospects` or the parameter's allowed range), never by numbers typed
into a notebook or an if-chain here. :func:`explore` returns ``None`` without importing
ipywidgets when headless (:func:`dispatchlib.teaching.selfcheck.headless`) or when a notebook
passes ``interactive=False``. Importing this module loads neither matplotlib nor ipywidgets.
"""
from __future__ import annotations

import math
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass

from dispatchlib.errors import DispatchlibError, ParameterError
from dispatchlib.i18n import _
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


def _bound(name: str, value) -> float:
    """One end of a slider as the registry gives it: a number, ``{"assumption": NAME, "end":
    "low" | "central" | "high"}`` (a documented range of ``data/assumptions.csv``),
    ``{"ramps": "min" | "max"}`` (the slowest or fastest named ramp of
    :mod:`dispatchlib.lessons.prospects`) or ``"minimum"`` / ``"maximum"`` (the parameter's own
    allowed range)."""
    from dispatchlib.params import spec

    if isinstance(value, int | float):
        return float(value)
    if value in ("minimum", "maximum"):
        return float(getattr(spec(name), value))
    if isinstance(value, dict) and "assumption" in value:
        from dispatchlib.tables.data import assumption

        ends = ("low", "central", "high")
        return float(assumption(value["assumption"])[ends.index(value["end"])])
    if isinstance(value, dict) and "ramps" in value:
        from dispatchlib.lessons import prospects

        speeds = [r.ramp_speed for r in prospects.PRESETS.values()]
        return float(min(speeds) if value["ramps"] == "min" else max(speeds))
    raise ValueError(f"parameters.json, {name}.explorer: cannot read the slider end {value!r}")


def explorable() -> tuple[str, ...]:
    """The parameters the registry (``dispatchlib/parameters.json``) gives a slider for."""
    from dispatchlib.params import read_registry

    return tuple(n for n, e in read_registry()["parameters"].items() if "explorer" in e)


def slider(name: str, default: float | None = None, label: str | None = None) -> Slider:
    """A slider over the documented range of one parameter, as the registry describes it.

    The registry entry of the parameter (``dispatchlib/parameters.json``) holds an
    ``explorer`` object: its ``low`` and ``high`` ends (numbers or references to the documented
    ranges, see :func:`_bound`), its ``step``, whether it is ``log`` (each step multiplies) and
    optionally a ``label`` (otherwise the name with the registry's unit) and a ``default`` (when
    the slider's unit differs from the parameter's, as for a year's quota).

    Parameters
    ----------
    name : str
        A parameter with an ``explorer`` entry (:func:`explorable`: ``workers``, ``quota_usd``,
        ``ceiling``, ``ramp_speed``, ``grade_weight``, ``ci_level``).
    default : float, optional
        Starting value (the notebook's parameter); when not given, the explorer entry's
        ``default``, else the registry's default if it lies on the slider, else the middle of
        the range (geometric for a log slider).
    label : str, optional
        Text next to the slider; the registry's by default.

    Raises
    ------
    ParameterError
        For a name the registry gives no slider.
    """
    from dispatchlib.params import SPECS, read_registry

    entry = read_registry()["parameters"].get(name, {}).get("explorer")
    if entry is None:
        raise ParameterError("slider", name, "a parameter with an explorer entry in "
                             f"dispatchlib/parameters.json: {', '.join(explorable())}")
    low, high = _bound(name, entry["low"]), _bound(name, entry["high"])
    log = bool(entry.get("log", False))
    if default is None and "default" in entry:
        default = _bound(name, entry["default"])
    if default is None:
        registered = SPECS[name].default
        inside = isinstance(registered, int | float) and low <= registered <= high
        default = registered if inside else math.sqrt(low * high) if log else (low + high) / 2
    from dispatchlib.i18n import _

    text = label or (_(entry["label"]) if entry.get("label") else f"{name} ({SPECS[name].unit})")
    return Slider(low, high, float(entry["step"]), float(default), text, log)


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
            print(_("This choice cannot be drawn: {error}").format(error=exc))
            return
        display(fig)
        plt.close(fig)

    out = widgets.interactive_output(draw, flat)
    width, height = mpl.rcParams["figure.figsize"]
    out.layout = widgets.Layout(min_height=f"{int(height * mpl.rcParams['figure.dpi']) + 80}px")
    box = widgets.VBox([*rows, out])
    box.add_class(EXPLORER_CLASS)
    return box
