"""Parameters of the notebooks and the command line: the registry read from
``dispatchlib/parameters.json`` (names, types, defaults, units, allowed values, sources and the
notebooks declaring each) and the validator every door uses (notebooks, ``python -m
dispatchlib``, the library functions). The cross-parameter rules named in the same file are in
:mod:`dispatchlib.rules`.

Papermill only warns about unknown parameter names and checks no types, so every notebook
passes its ``parameters`` cell through :func:`check` in the next cell: a wrong value stops the
run there, with a message naming the parameter, the value given and what is allowed.

Examples
--------
>>> p = check(workers=15_000, quota_months=8)
>>> p.workers, p.quota_months
(15000, 8.0)
>>> try:
...     check(quota_months=0)
... except ParameterError as exc:
...     print(exc)
parameter quota_months = 0 is not allowed: expected a number >= 1 and <= 60 (months)
"""

from __future__ import annotations

import difflib
import json
import math
import numbers
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from types import SimpleNamespace

import numpy as np

from dispatchlib.errors import ParameterError


@dataclass(frozen=True)
class ParamSpec:
    """What one parameter may hold.

    Attributes
    ----------
    name : str
        Parameter name, the same in every notebook and on the command line.
    kind : {"int", "float", "bool", "str", "list[str]", "list[int]"}
        Type of the value.
    unit : str
        Unit of the value (``"persons"``, ``"USD"``, ``"months"``...), or ``""``.
    help : str
        One line on what the parameter means.
    minimum, maximum : float, optional
        Allowed range (inclusive unless ``exclusive_minimum``).
    exclusive_minimum : bool
        The value must be strictly above ``minimum``.
    choices : tuple, optional
        Allowed values (for ``str`` and the items of ``list[...]`` kinds).
    default : object, optional
        The value every notebook declaring the parameter writes in its ``parameters`` cell.
    sources : tuple of str
        Ids in ``data/sources.csv`` of the sources giving the default (empty: our choice).
    notebooks : tuple of str
        Stems of the notebooks declaring the parameter.
    comment : str
        The note beside the value in a notebook's ``parameters`` cell (unit and source).
    """

    name: str
    kind: str
    unit: str = ""
    help: str = ""
    minimum: float | None = None
    maximum: float | None = None
    exclusive_minimum: bool = False
    choices: tuple = field(default_factory=tuple)
    default: object = None
    sources: tuple = field(default_factory=tuple)
    notebooks: tuple = field(default_factory=tuple)
    comment: str = ""

    def allowed(self) -> str:
        """Plain-language description of the allowed values."""
        noun = {"int": "a whole number", "float": "a number", "bool": "True or False",
                "str": "a text value", "list[str]": "a list of text values",
                "list[int]": "a list of whole numbers"}[self.kind]
        parts = [noun]
        if self.choices:
            parts = [f"{noun} from: {', '.join(map(str, self.choices))}"]
        bounds = []
        if self.minimum is not None:
            bounds.append(f"{'>' if self.exclusive_minimum else '>='} {_plain(self.minimum)}")
        if self.maximum is not None:
            bounds.append(f"<= {_plain(self.maximum)}")
        if bounds:
            parts.append(" and ".join(bounds))
        text = " ".join(parts)
        return f"{text} ({self.unit})" if self.unit else text

    def validate(self, value: object) -> object:
        """Return ``value`` converted to the parameter's type, or raise ParameterError.

        Numbers may be Python or NumPy numbers (``int`` kinds also accept whole floats such as
        ``15000.0``); text, ``None``, booleans (for numbers), NaN and infinities are refused.
        ``list[...]`` kinds take a list or tuple whose every item is allowed.
        """
        fail = ParameterError(self.name, value, self.allowed())
        if self.kind.startswith("list["):
            if not isinstance(value, list | tuple):
                raise fail
            item = replace(self, kind=self.kind[5:-1])
            try:
                return [item.validate(v) for v in value]
            except ParameterError:
                raise fail from None
        if self.kind == "bool":
            if not isinstance(value, bool | np.bool_):
                raise fail
            return bool(value)
        if self.kind == "str":
            if not isinstance(value, str) or (self.choices and value not in self.choices):
                raise fail
            return str(value)
        value = _number(value, self.kind)
        if value is None:
            raise fail
        if self.minimum is not None:
            if value < self.minimum or (self.exclusive_minimum and value == self.minimum):
                raise fail
        if self.maximum is not None and value > self.maximum:
            raise fail
        if self.choices and value not in self.choices:
            raise fail
        return value


    def parse(self, text: str) -> object:
        """Read a value typed by a person (``-p NAME VALUE``, a command-line option) and
        validate it: the one place the package turns typed text into a parameter value.

        Text parameters keep the text as typed. Other kinds read it as YAML by the YAML 1.2
        core schema (:func:`dispatchlib.yaml12.load`): ``010000`` is ten thousand, ``1:30`` and
        ``yes`` are text (refused for a number or a boolean), ``1e5`` and ``100_000`` are
        numbers; anchors, aliases and deep nesting are refused.

        Raises
        ------
        ParameterError
            Naming the parameter, the text and what is allowed (and why YAML refused it).
        """
        from dispatchlib.yaml12 import YamlError, load

        if self.kind == "str":
            return self.validate(str(text))
        try:
            value = load(str(text))
        except YamlError as exc:
            why = f"; {exc}" if exc.refused else ""
            raise ParameterError(self.name, str(text), self.allowed() + why) from None
        if self.kind in ("int", "float") and isinstance(value, str):
            try:  # 100_000 (digit groups), nan, inf: numbers to Python (nan and inf refused)
                value = float(value.replace("_", ""))
            except ValueError:
                pass
        if value is None:
            raise ParameterError(self.name, str(text), self.allowed())
        return self.validate(value)


def _number(value: object, kind: str) -> int | float | None:
    """``value`` as a finite ``int`` (kind ``"int"``) or ``float``, or ``None`` if it is not one.

    Booleans are never numbers here (``True`` is an ``int`` to Python, not to a reader).
    """
    if isinstance(value, bool | np.bool_) or not isinstance(value, numbers.Real):
        return None
    if isinstance(value, numbers.Integral):
        whole = int(value)  # exact, however large; the bounds decide
        return whole if kind == "int" else _finite_float(whole)
    number = _finite_float(value)
    if number is None:
        return None
    if kind == "int":
        return int(number) if number.is_integer() else None
    return number


def _finite_float(value: object) -> float | None:
    try:
        number = float(value)
    except (OverflowError, ValueError, TypeError):
        return None
    return number if math.isfinite(number) else None


def _plain(x: float) -> str:
    """A bound as written in a message: ``60``, ``4294967295``, ``0.5``."""
    return str(int(x)) if float(x).is_integer() else repr(float(x))


REGISTRY = Path(__file__).with_name("parameters.json")
"""The registry file: every parameter and cross-parameter rule (see its ``about`` entry)."""


def read_registry(path: Path = REGISTRY) -> dict:
    """The registry file's JSON: ``{"about": ..., "parameters": {...}, "rules": {...}}``."""
    return json.loads(Path(path).read_text(encoding="utf-8"))


def _specs(registry: dict) -> dict[str, ParamSpec]:
    out = {}
    for name, e in registry["parameters"].items():
        out[name] = ParamSpec(
            name, e["type"], e.get("unit", ""), e.get("help", ""), e.get("minimum"),
            e.get("maximum"), bool(e.get("exclusive_minimum", False)),
            tuple(e.get("choices", ())), e.get("default"), tuple(e.get("sources", ())),
            tuple(e.get("notebooks", ())), e.get("comment", ""))
    return out


SPECS: dict[str, ParamSpec] = _specs(read_registry())
"""Every parameter of the registry file, by name."""


def register(*specs: ParamSpec) -> None:
    """Add parameter specifications (a name may be registered once): for tests and extensions;
    the package's own parameters are all in ``parameters.json``."""
    for spec in specs:
        if spec.name in SPECS and SPECS[spec.name] != spec:
            raise ValueError(f"parameter {spec.name!r} is already registered differently")
        SPECS[spec.name] = spec


def declared_by(stem: str) -> list[ParamSpec]:
    """The parameters notebook ``stem`` declares, in the order of its ``parameters`` cell."""
    return [s for s in SPECS.values() if stem in s.notebooks]


def spec(name: str) -> ParamSpec:
    """The specification of one parameter; an unknown name raises ParameterError with hints."""
    try:
        return SPECS[name]
    except KeyError:
        raise unknown(name, SPECS) from None


def text_of(name: str, field: str = "help") -> str:
    """A parameter's words for a reader in the current language: its ``help`` (what it means),
    the ``comment`` beside its value in a ``parameters`` cell, or its slider ``label``
    (``""`` when the registry gives none). The texts are marked for the catalogue in
    :mod:`dispatchlib.registry_texts`; in English they are the registry's own.

    Raises
    ------
    ParameterError
        For an unknown parameter name or a field other than help, comment or label.

    Examples
    --------
    >>> text_of("draws"), text_of("ceiling", "label")
    ('Monte Carlo draws', 'ceiling (persons)')
    """
    from dispatchlib.i18n import _

    if field not in ("help", "comment", "label"):
        raise ParameterError("field", field, "'help', 'comment' or 'label'")
    entry = read_registry()["parameters"].get(name) if field == "label" else None
    text = (entry or {}).get("explorer", {}).get("label", "") if field == "label" \
        else getattr(spec(name), field)
    return _(text) if text else ""


_NO_VALUE = object()


def unknown(name: str, valid: Sequence[str] | dict, value: object = _NO_VALUE) -> ParameterError:
    """Error for an unknown parameter name, listing the valid names and the closest one.

    The message reads ``parameter <name> = <value> is not allowed: expected a known parameter
    name (did you mean '<closest>'?): one of <names>``; without ``value`` it shows
    ``(unknown name)`` in place of the value.
    """
    names = sorted(valid)
    close = difflib.get_close_matches(str(name), names, n=1)
    hint = f" (did you mean {close[0]!r}?)" if close else ""
    shown = "(unknown name)" if value is _NO_VALUE else value
    return ParameterError(name, shown,
                          f"a known parameter name{hint}: one of {', '.join(names)}")


def check(rules: Sequence[Callable[[SimpleNamespace], None]] = (), **values) -> SimpleNamespace:
    """Validate parameter values by name; return them, converted, as attributes.

    Parameters
    ----------
    rules : sequence of callables, optional
        Extra checks across parameters (e.g. a low end above a high end); each receives the
        validated namespace and raises ParameterError.
    **values
        Parameter values by name.

    Returns
    -------
    types.SimpleNamespace
        The validated values.

    Raises
    ------
    ParameterError
        For the first value that is unknown, of the wrong type or out of range.
    """
    checked = {}
    for name, v in values.items():
        if name not in SPECS:
            raise unknown(name, SPECS, v)
        checked[name] = SPECS[name].validate(v)
    out = SimpleNamespace(**checked)
    for rule in rules:
        rule(out)
    return out
