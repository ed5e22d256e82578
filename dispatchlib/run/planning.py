"""Checking a run before any kernel starts: command-line text read by the registry
(:func:`coerce`), parameter names against the notebooks declaring them (:func:`plan`), the
cross-parameter rules of ``parameters.json`` (:func:`check_rules`), and the :class:`RunPlan` of
one run (:func:`prepare`).
"""

from __future__ import annotations

import difflib
import hashlib
import json
import re
import time
from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from dispatchlib import params
from dispatchlib.errors import DispatchlibError, ParameterError
from dispatchlib.run.discovery import declared, notebooks, notebooks_folder
from dispatchlib.run.folders import (
    SAFE_NAME,
    _check_replaceable,
    check_name,
    inside,
    reports_root,
)


def slug(values: Mapping[str, object]) -> str:
    """A readable, safe run name for a set of parameter values.

    Characters outside the safe set become ``~``; a name that was changed that way or cut to
    fit gets a short hash of the values, so different values never share a name.

    >>> slug({"workers": 100000, "seed": 7})
    'workers-100000_seed-7'
    >>> slug({})
    'default'
    """
    if not values:
        return "default"
    raw = "_".join(f"{k}-{_plain(v)}" for k, v in values.items())
    safe = re.sub(r"[^A-Za-z0-9._-]", "", raw)
    if safe != raw or len(safe) > 80 or not SAFE_NAME.fullmatch(safe):
        digest = hashlib.sha256(json.dumps(values, sort_keys=True, default=str).encode())
        safe = f"{safe[:80].strip('._-') or 'run'}-{digest.hexdigest()[:8]}"
    return safe

def _plain(value: object) -> str:
    if isinstance(value, list | tuple):
        return "+".join(_plain(v) for v in value)
    if isinstance(value, float) and value.is_integer() and abs(value) < 1e15:
        return f"{value:.1f}"
    return str(value)

class Text(str):
    """A value typed on the command line (``-p NAME VALUE``), parsed once its type is known."""

def coerce(spec: params.ParamSpec, value: object) -> object:
    """Convert and validate one value for a parameter.

    A :class:`Text` (typed on the command line) is read by
    :meth:`dispatchlib.params.ParamSpec.parse`: YAML 1.2 core rules (``010000`` is ten
    thousand, ``1:30`` is text), never ``eval``; text parameters keep the text as typed. So
    is text given for a number in a scenario or grid file (``100_000``). Any other value (read
    from a file by :func:`dispatchlib.yaml12.load`) is validated as it is.

    Raises
    ------
    ParameterError
        Naming the parameter, the value and what is allowed.
    """
    if isinstance(value, Text) or (isinstance(value, str) and spec.kind in ("int", "float")):
        return spec.parse(str(value))
    return spec.validate(value)

def plan(sources: Sequence[Path], overrides: Mapping[str, object], each_declares: bool = False,
         from_files: Collection[str] = ()) -> dict[str, dict[str, object]]:
    """Check parameter values against the notebooks; return what each notebook is given.

    Every name must be declared by at least one of the notebooks (by every one of them when
    ``strict``, i.e. when the notebooks were named explicitly); every value must pass the
    registry (:func:`dispatchlib.params.spec`). Names in ``optional`` (values from a scenario
    file, which may serve notebooks not in this run) need only be known to the registry.
    Nothing is executed.

    Parameters
    ----------
    sources : sequence of Path
        The notebooks.
    overrides : mapping
        Parameter values by name (:class:`Text` for command-line text).
    strict : bool
        A name a notebook does not declare is an error for that notebook.
    optional : collection of str
        Names that go to the notebooks declaring them and are otherwise left unused.

    Returns
    -------
    dict
        ``{stem: {name: value}}``: the checked values each notebook declares.

    Raises
    ------
    ParameterError
        For an unknown name (listing the valid names and the closest one), a name a notebook
        does not declare (when ``strict``), or a bad value.
    """
    decl = {s.stem: declared(s) for s in sources}
    valid = sorted(set().union(*decl.values())) if decl else []
    for name in overrides:
        if name in from_files:
            try:  # an unknown name still fails, with the closest known one
                params.spec(name)
            except ParameterError:
                raise params.unknown(name, params.SPECS, overrides[name]) from None
            continue
        if each_declares:
            for stem, names in decl.items():
                if name not in names:
                    close = difflib.get_close_matches(name, list(names), n=1)
                    hint = f"did you mean {close[0]!r}? " if close else ""
                    raise ParameterError(
                        name, overrides[name],
                        f"a parameter of {stem}, which declares no {name!r}: {hint}"
                        f"its parameters are {', '.join(names) or '(none)'}")
        if name not in valid:
            if not valid:
                raise ParameterError(name, overrides[name],
                                     "no parameter: the notebooks chosen declare none")
            raise params.unknown(name, valid, overrides[name])
    checked = {name: coerce(params.spec(name), value) for name, value in overrides.items()}
    injected = {stem: {n: v for n, v in checked.items() if n in names}
             for stem, names in decl.items()}
    check_rules(sources, injected)
    return injected

def values_used(sources: Sequence[Path], injected: Mapping[str, Mapping[str, object]]
              ) -> dict[str, dict[str, object]]:
    """Every parameter of every notebook: its default, replaced by the value given."""
    return {s.stem: {n: d.default for n, d in declared(s).items()} | dict(injected.get(s.stem, {}))
            for s in sources}

def check_rules(sources: Sequence[Path], injected: Mapping[str, Mapping[str, object]]) -> None:
    """Apply each notebook's cross-parameter rules (named for it in ``parameters.json``,
    :func:`dispatchlib.rules.for_notebook`) to the values it will run with
    (its defaults, replaced by the values given), before any kernel starts.

    Raises
    ------
    ParameterError
        The rule's own message (parameter, value, what is allowed), plus the notebook's name.
    """
    for source in sources:
        if not injected.get(source.stem):
            continue  # the defaults pass every rule (tests/test_notebooks.py runs them)
        from dispatchlib.rules import for_notebook

        rules = for_notebook(source.stem)
        if not rules:
            continue
        values = values_used([source], injected)[source.stem]
        try:
            params.check(rules=rules, **values)
        except ParameterError as exc:
            raise ParameterError(exc.name, exc.value,
                                 f"{exc.allowed}; a rule of {source.stem}") from None

@dataclass
class RunPlan:
    """Everything a run needs, checked before anything executes.

    Attributes
    ----------
    name : str
        Run name (the folder's name).
    folder : Path
        ``<reports>/<name>`` (or ``<reports>/<sweep>/<name>`` in a sweep).
    sources : list of Path
        The notebooks, in teaching order.
    injected : dict
        ``{stem: {name: value}}``: the values papermill injects into each notebook.
    overrides : dict
        The values asked for (checked), by name.
    scenario : dict, optional
        Title, description, references and file of the scenario file used.
    sweep : str, optional
        Name of the enclosing sweep (None for a run on its own).
    unused : list of str
        Names from a scenario file that no notebook of this run declares.
    replace : bool
        Replace whatever the run folder holds (``--replace``), not only an earlier run of the
        same notebooks.
    replaces : str, optional
        What the run will replace (an earlier run of this name), as checked by :func:`prepare`.
    work : Path, optional
        While the run executes: the hidden folder its files are written into.
    lang : str
        Language of the notebooks and of the run's pages (``en``, or ``ko``: the Korean
        lessons in ``notebooks/ko/``).
    """

    name: str
    folder: Path
    sources: list[Path]
    injected: dict[str, dict[str, object]]
    overrides: dict[str, object]
    scenario: dict | None = None
    sweep: str | None = None
    unused: list[str] = field(default_factory=list)
    outcomes: dict[str, dict] = field(default_factory=dict)
    started: float = field(default_factory=time.perf_counter)
    replace: bool = False
    replaces: str | None = None
    work: Path | None = None
    lang: str = "en"

def prepare(names: Sequence[str] | None = None, name: str = "default",
            overrides: Mapping[str, object] | None = None, out: Path | None = None,
            scenario: dict | None = None, each_declares: bool | None = None,
            parent: str | None = None, from_files: Collection[str] = (),
            replace: bool = False, lang: str = "en") -> RunPlan:
    """Check notebooks, parameters, run name and run folder; return the plan (nothing is
    written).

    ``lang`` chooses the lessons' language: ``ko`` runs ``notebooks/ko/NN_*.ipynb``.
    ``strict`` defaults to "notebooks were named": then every parameter must be declared by
    every notebook; otherwise a parameter goes to the notebooks that declare it. The reports
    folder must be allowed (:func:`check_out`) and the run folder absent, empty or an earlier
    run of the same notebooks, unless ``replace`` (:func:`_check_replaceable`).
    """
    check_name(name)
    sources = notebooks(names, lang)
    if not sources:
        hint = ("" if lang == "en" else
                "; the Korean lessons are built by `python -m dispatchlib translate`")
        raise DispatchlibError(f"no notebooks NN_topic.ipynb in {notebooks_folder(lang)}{hint}")
    each_declares = bool(names) if each_declares is None else each_declares
    injected = plan(sources, overrides or {}, each_declares=each_declares, from_files=from_files)
    root = reports_root(out)
    folder = inside(root, *([check_name(parent, "sweep name")] if parent else []), name)
    replaces = _check_replaceable(folder, [s.stem for s in sources], replace, parent)
    checked = {}
    for per_nb in injected.values():
        checked.update(per_nb)
    ordered = {n: checked[n] for n in (overrides or {}) if n in checked}
    unused = [n for n in (overrides or {}) if n not in checked]
    return RunPlan(name=name, folder=folder, sources=sources, injected=injected,
                   overrides=ordered, scenario=scenario, sweep=parent, unused=unused,
                   replace=replace, replaces=replaces, lang=lang)
