"""Execute the lesson notebooks with papermill, record their results and render HTML.

``python -m dispatchlib run`` checks every parameter before any kernel starts, executes the
notebooks in parallel (``--jobs`` worker processes, a fresh kernel for every notebook) into
``reports/<run>/`` and writes there:

- ``<notebook>.ipynb``: the executed copy (a failed one keeps the cells run so far and the error);
- ``<notebook>.html``: the page, readable offline (see :mod:`dispatchlib.report`);
- ``<notebook>.results.json``: the headline results the notebook recorded with ``dl.record``;
- ``<notebook>.log``: what the kernel and papermill printed on stderr;
- ``run.json``: parameters, results, versions and a hash of the data (see :func:`finish`);
- ``index.html``: the parameters and results, with a link to every page.

These files are written into a hidden folder beside it, ``reports/.<run>.<pid>.partial/``, which
takes the place of ``reports/<run>/`` in one step once every notebook is done: an earlier run of
that name stays whole until then, and a run killed at any moment leaves no half-written file under
a run's name. A lock (``reports/.<run>.lock``), taken when the run's first notebook starts and
dropped when its last one ends, refuses a second run of the same name into the same folder while
the first one is running; a sweep of any size holds only a few at a time.

What a run may touch: never ``notebooks/`` or ``data/``, the repository's root or a folder
holding them (:func:`check_out`); and it replaces ``reports/<run>/`` only when that folder is
provably an earlier run of the same notebooks (:func:`written_by_run`), anything else being
refused before any kernel starts unless ``replace`` (``--replace``) is given. The worker
processes end with the runner, even when it is killed with SIGKILL (:func:`_die_with_parent`).

``python -m dispatchlib refresh`` re-executes the committed notebooks in place at their default
parameters and strips the run-specific metadata (timestamps, papermill's record of paths), so
that committed outputs hold no absolute paths, user names or times.

Parameters are checked by one validator, :mod:`dispatchlib.params`, against the names each
notebook declares in its ``parameters`` cell (read with ``papermill.inspect_notebook``).
"""

from __future__ import annotations

import ast
import difflib
import errno
import functools
import hashlib
import json
import os
import platform
import re
import shutil
import sys
import tempfile
import threading
import time
from collections.abc import Callable, Collection, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from dispatchlib import params, paths, results
from dispatchlib.errors import DispatchlibError, ParameterError
from dispatchlib.paths import protected, refuse_protected
from dispatchlib.run import record as run_record
from dispatchlib.run.record import NotebookEntry, RunRecord

NOTEBOOK_NAME = re.compile(r"\A\d\d_[a-z0-9-]+\.ipynb\Z")
KERNEL = "python3"
TIMEOUT_S = 600
#: run, sweep and scenario names: letters, digits, '.', '-', '_'; no path separators
#: (``\Z``, not ``$``, which would let a trailing newline through)
SAFE_NAME = re.compile(r"\A[A-Za-z0-9][A-Za-z0-9._-]{0,99}\Z")
NAME_RULE = ("letters, digits, '.', '-' and '_' only, starting with a letter or digit, "
             "at most 100 characters")
VERSIONED = ("pandas", "numpy", "matplotlib", "seaborn", "statsmodels", "papermill", "nbconvert")


class UnknownNotebook(ParameterError):
    """A notebook name that matches no ``notebooks/NN_*.ipynb``."""

    def __init__(self, name: str, found: Sequence[str]):
        super().__init__("notebook", name, "one of: " + ", ".join(found))
        close = difflib.get_close_matches(name, found, n=1)
        hint = f"did you mean {close[0]!r}? " if close else ""
        self.args = (f"no notebook {name!r}; {hint}the notebooks are: "
                     f"{', '.join(found) or '(none)'}",)


class BadName(ParameterError):
    """A run or sweep name that is not a plain, safe folder name."""

    def __init__(self, what: str, name: object):
        super().__init__(what, name, NAME_RULE)
        self.args = (f"{what} {name!r} is not allowed: expected {NAME_RULE}",)


def notebooks(names: Sequence[str] | None = None) -> list[Path]:
    """The lesson notebooks in teaching order, or those named (stem, number, file name or path).

    Raises
    ------
    UnknownNotebook
        For a name that matches no notebook (a ``ValueError``).
    """
    found = sorted(p for p in paths.notebooks_dir().glob("*.ipynb")
                   if NOTEBOOK_NAME.fullmatch(p.name))
    if not names:
        return found
    by_key = {}
    for p in found:
        by_key.update({p.name: p, p.stem: p, p.stem[:2]: p})
    chosen = []
    for name in names:
        key = Path(name).name
        if key not in by_key:
            raise UnknownNotebook(name, [p.stem for p in found])
        if by_key[key] not in chosen:
            chosen.append(by_key[key])
    return chosen


def execute(source: Path, target: Path, parameters: dict | None = None) -> Path:
    """Run one notebook with papermill into ``target`` and write its results next to it.

    The kernel sees ``DISPATCHLIB_HEADLESS=1``, so slider explorers step aside. Each notebook
    gets a fresh kernel, stopped as soon as its last cell has answered (nothing of it is used
    after that). The executed copy is written once, at the end, or when execution stops for any
    reason (a cell's error, a timeout, a dead kernel), with the cells run so far.

    Raises
    ------
    DispatchlibError
        If ``target`` lies inside ``notebooks/`` or ``data/`` (:func:`refuse_protected`):
        ``refresh`` executes into a temporary folder and then replaces the lesson itself.
    """
    import papermill

    refuse_protected(target)
    target.parent.mkdir(parents=True, exist_ok=True)
    os.environ["DISPATCHLIB_HEADLESS"] = "1"
    papermill.execute_notebook(str(source), str(target), parameters=parameters or {},
                               kernel_name=KERNEL, progress_bar=False,
                               execution_timeout=TIMEOUT_S, engine_name=_engine(),
                               shutdown_kernel="immediate")
    results.write(target)
    return target


ENGINE = "dispatchlib"
"""Name of the papermill engine :func:`execute` uses (registered by :func:`_engine`)."""


@functools.cache
def _engine() -> str:
    """Register, once per process, papermill's nbclient engine minus its saves after each cell.

    papermill's own engine writes the whole executed notebook (figures included) to disk before
    and after every cell: about half a second of CPU per lesson. This one writes it once, when
    execution ends however it ends; papermill then writes the final copy (or, after a cell's
    error, the copy with the error marked) as usual.
    """
    from papermill.engines import NBClientEngine, papermill_engines
    from papermill.iorw import write_ipynb

    class SaveAtEnd(NBClientEngine):
        @classmethod
        def execute_notebook(cls, nb, kernel_name, output_path=None, **kwargs):
            try:
                return super().execute_notebook(nb, kernel_name, output_path=None, **kwargs)
            except BaseException:
                if output_path:  # the cells run so far (the notebook is executed in place)
                    write_ipynb(nb, output_path)
                raise

    papermill_engines.register(ENGINE, SaveAtEnd)
    return ENGINE


def render_html(notebook_path: Path) -> Path:
    """Render an executed notebook to a standalone, offline HTML page next to it."""
    from dispatchlib.run import pages as report

    return report.render_notebook(notebook_path)


# --------------------------------------------------------------------------- names and paths

def check_name(name: str, what: str = "run name") -> str:
    """Return ``name`` if it is a safe folder name, else raise ParameterError.

    >>> check_name("high-2025")
    'high-2025'
    """
    if not isinstance(name, str) or not SAFE_NAME.fullmatch(name):
        raise BadName(what, name)
    return name


def inside(root: Path, *parts: str) -> Path:
    """``root / parts``, resolved, checked to lie inside ``root`` (symbolic links followed).

    Raises
    ------
    DispatchlibError
        If the path would leave ``root``.
    """
    base = Path(root).resolve()
    target = base.joinpath(*parts).resolve()
    if target != base and base not in target.parents:
        raise DispatchlibError(f"refusing to write {target}: it is outside {base}")
    return target


def reports_root(out: Path | str | None = None) -> Path:
    """The reports folder a command writes into: ``out`` (``--out``), else the default
    (``reports/``, or ``DISPATCHLIB_REPORTS_DIR``), checked by :func:`check_out`."""
    if out is not None:
        return check_out(out)
    return check_out(paths.reports_dir(), "DISPATCHLIB_REPORTS_DIR"
                     if os.environ.get("DISPATCHLIB_REPORTS_DIR") else "--out")


def check_out(out: Path | str, option: str = "--out") -> Path:
    """The folder a command writes into, resolved, if it is allowed; it is not created.

    Refused: a folder inside ``notebooks/`` or ``data/`` (or one of them), the repository's
    root or any folder holding ``notebooks/`` or ``data/`` (a run named ``notebooks`` there
    would replace the lessons), an existing file, and a path the system cannot take (too long).

    Raises
    ------
    ParameterError
        Naming ``option``, the path given and what is allowed.
    """
    given = str(out)
    try:
        target = Path(out).expanduser().resolve()
        os.stat(target)
    except FileNotFoundError:
        pass
    except (OSError, RuntimeError) as exc:  # ENAMETOOLONG, ELOOP, ...
        why = getattr(exc, "strerror", None) or str(exc)
        raise ParameterError(option, given, f"a folder path the system accepts ({why}, "
                             f"{len(given)} characters)") from None
    root = paths.ROOT.resolve()
    if target == root or target in root.parents:
        raise ParameterError(option, given, f"a folder that is not the repository {root} and "
                             "does not hold it (a run there could replace notebooks/ or data/);"
                             " the default is reports/")
    for folder in protected():
        if target == folder or folder in target.parents:
            raise ParameterError(option, given, f"a folder outside {folder} (nothing is ever "
                                 "written into the lessons or the data)")
        if target in folder.parents:
            raise ParameterError(option, given, f"a folder that does not hold {folder} "
                                 "(writing there could replace it); the default is reports/")
    if target.exists() and not target.is_dir():
        raise ParameterError(option, given, "a folder, not an existing file")
    return target


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


# --------------------------------------------------------------------------- parameters

@dataclass(frozen=True)
class Declared:
    """One parameter as a notebook declares it in its ``parameters`` cell.

    Attributes
    ----------
    name : str
        Parameter name.
    kind : str
        Type annotation in the notebook (``int``, ``float``...).
    default : object
        Default value (the literal in the cell; its text if it is not a literal).
    comment : str
        The comment after the value (unit and source).
    """

    name: str
    kind: str
    default: object
    comment: str


_DECLARED_CACHE: dict[tuple, dict[str, Declared]] = {}


def read_notebook(source: Path) -> dict:
    """A notebook file's JSON, checked to be a notebook.

    Raises
    ------
    DispatchlibError
        Naming the file, for an empty, unreadable or non-JSON file, or JSON that is not a
        notebook (no ``cells`` list).
    """
    try:
        text = Path(source).read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise DispatchlibError(f"notebook {source}: cannot be read ({exc})") from None
    if not text.strip():
        raise DispatchlibError(f"notebook {source}: the file is empty, not a notebook")
    try:
        nb = json.loads(text)
    except ValueError as exc:
        raise DispatchlibError(f"notebook {source}: not a notebook: not JSON ({exc})") from None
    if not isinstance(nb, dict) or not isinstance(nb.get("cells"), list):
        raise DispatchlibError(f"notebook {source}: not a notebook: no list of cells")
    return nb


def declared(source: Path) -> dict[str, Declared]:
    """The parameters a notebook declares, in the order of its ``parameters`` cell."""
    import papermill

    stat = source.stat()
    key = (str(source.resolve()), stat.st_mtime_ns, stat.st_size)
    if key not in _DECLARED_CACHE:
        read_notebook(source)  # a broken file: one line naming it
        try:
            found = papermill.inspect_notebook(str(source))
        except Exception as exc:  # noqa: BLE001 - JSON, but not a notebook papermill reads
            first = (str(exc).strip().splitlines() or [type(exc).__name__])[0][:200]
            raise DispatchlibError(f"notebook {source}: not a readable notebook ({first})"
                                   ) from None
        out = {}
        for name, info in found.items():
            try:
                default = ast.literal_eval(info["default"])
            except (ValueError, SyntaxError):
                default = info["default"]
            out[name] = Declared(name, info.get("inferred_type_name") or "", default,
                                 info.get("help") or "")
        _DECLARED_CACHE[key] = out
    return dict(_DECLARED_CACHE[key])


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


def plan(sources: Sequence[Path], overrides: Mapping[str, object], strict: bool = False,
         optional: Collection[str] = ()) -> dict[str, dict[str, object]]:
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
        if name in optional:
            try:  # an unknown name still fails, with the closest known one
                params.spec(name)
            except ParameterError:
                raise params.unknown(name, params.SPECS, overrides[name]) from None
            continue
        if strict:
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
    given = {stem: {n: v for n, v in checked.items() if n in names}
             for stem, names in decl.items()}
    check_rules(sources, given)
    return given


def effective(sources: Sequence[Path], given: Mapping[str, Mapping[str, object]]
              ) -> dict[str, dict[str, object]]:
    """Every parameter of every notebook: its default, replaced by the value given."""
    return {s.stem: {n: d.default for n, d in declared(s).items()} | dict(given.get(s.stem, {}))
            for s in sources}


def check_rules(sources: Sequence[Path], given: Mapping[str, Mapping[str, object]]) -> None:
    """Apply each notebook's cross-parameter rules (named for it in ``parameters.json``,
    :func:`dispatchlib.rules.for_notebook`) to the values it will run with
    (its defaults, replaced by the values given), before any kernel starts.

    Raises
    ------
    ParameterError
        The rule's own message (parameter, value, what is allowed), plus the notebook's name.
    """
    for source in sources:
        if not given.get(source.stem):
            continue  # the defaults pass every rule (tests/test_notebooks.py runs them)
        from dispatchlib.rules import for_notebook

        rules = for_notebook(source.stem)
        if not rules:
            continue
        values = effective([source], given)[source.stem]
        try:
            params.check(rules=rules, **values)
        except ParameterError as exc:
            raise ParameterError(exc.name, exc.value,
                                 f"{exc.allowed}; a rule of {source.stem}") from None


# --------------------------------------------------------------------------- environment

def versions(names: Sequence[str] = VERSIONED) -> dict[str, str]:
    """Versions of Python, dispatchlib and the libraries ``names`` (default: the main libraries
    a run uses); a package that is not installed says so. (Looked up once per process: a
    sweep records them for every run.)"""
    return dict(_versions(tuple(names)))


@functools.cache
def _versions(names: tuple[str, ...]) -> dict[str, str]:
    from importlib import metadata

    from dispatchlib import __version__

    out = {"dispatchlib": __version__, "python": platform.python_version()}
    for name in names:
        try:
            out[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            out[name] = "not installed"
    return out


def data_hash(folder: Path | None = None) -> str:
    """SHA-256 over every file of the data folder (relative path and bytes, sorted by path)."""
    folder = folder or paths.data_dir()
    digest = hashlib.sha256()
    for path in sorted(p for p in folder.rglob("*") if p.is_file()):
        digest.update(path.relative_to(folder).as_posix().encode() + b"\0")
        digest.update(path.read_bytes() + b"\0")
    return digest.hexdigest()


def file_hash(path: Path) -> str:
    """SHA-256 of one file's bytes."""
    return hashlib.sha256(path.read_bytes()).hexdigest()


def default_jobs() -> int:
    """Number of cores this process may use."""
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except AttributeError:  # pragma: no cover - not Linux
        return max(1, os.cpu_count() or 1)


# --------------------------------------------------------------------------- one run

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
    given : dict
        ``{stem: {name: value}}`` injected by papermill.
    overrides : dict
        The values asked for (checked), by name.
    scenario : dict, optional
        Title, description, references and file of the scenario file used.
    up : str, optional
        Label of the link to the enclosing sweep's index.
    unused : list of str
        Names from a scenario file that no notebook of this run declares.
    replace : bool
        Replace whatever the run folder holds (``--replace``), not only an earlier run of the
        same notebooks.
    replaces : str, optional
        What the run will replace (an earlier run of this name), as checked by :func:`prepare`.
    work : Path, optional
        While the run executes: the hidden folder its files are written into.
    lock : int, optional
        While the run executes: the file descriptor holding its lock (taken by :func:`tasks`
        when its first notebook is about to start, released when it ends).
    """

    name: str
    folder: Path
    sources: list[Path]
    given: dict[str, dict[str, object]]
    overrides: dict[str, object]
    scenario: dict | None = None
    up: str | None = None
    unused: list[str] = field(default_factory=list)
    outcomes: dict[str, dict] = field(default_factory=dict)
    started: float = field(default_factory=time.perf_counter)
    replace: bool = False
    replaces: str | None = None
    work: Path | None = None
    lock: int | None = None


def prepare(names: Sequence[str] | None = None, name: str = "default",
            overrides: Mapping[str, object] | None = None, out: Path | None = None,
            scenario: dict | None = None, strict: bool | None = None,
            parent: str | None = None, optional: Collection[str] = (),
            replace: bool = False) -> RunPlan:
    """Check notebooks, parameters, run name and run folder; return the plan (nothing is
    written).

    ``strict`` defaults to "notebooks were named": then every parameter must be declared by
    every notebook; otherwise a parameter goes to the notebooks that declare it. The reports
    folder must be allowed (:func:`check_out`) and the run folder absent, empty or an earlier
    run of the same notebooks, unless ``replace`` (:func:`_check_replaceable`).
    """
    check_name(name)
    sources = notebooks(names)
    if not sources:
        raise DispatchlibError(f"no notebooks NN_topic.ipynb in {paths.notebooks_dir()}")
    strict = bool(names) if strict is None else strict
    given = plan(sources, overrides or {}, strict=strict, optional=optional)
    root = reports_root(out)
    folder = inside(root, *([check_name(parent, "sweep name")] if parent else []), name)
    replaces = _check_replaceable(folder, [s.stem for s in sources], replace, parent)
    checked = {}
    for per_nb in given.values():
        checked.update(per_nb)
    ordered = {n: checked[n] for n in (overrides or {}) if n in checked}
    unused = [n for n in (overrides or {}) if n not in checked]
    return RunPlan(name=name, folder=folder, sources=sources, given=given,
                   overrides=ordered, scenario=scenario, up=parent, unused=unused,
                   replace=replace, replaces=replaces)


RUN_SUFFIXES = (".ipynb", ".html", ".log", ".results.json")
"""What a run writes per notebook ``<stem>``, besides its ``run.json`` and ``index.html``."""


class NotReplaceable(DispatchlibError):
    """A run folder that holds something a run of this name may not replace."""


def written_by_run(folder: Path) -> dict | None:
    """The ``run.json`` record of ``folder`` if the folder is provably a run's, else ``None``.

    Provably a run's: it holds a ``run.json`` naming this folder's run, and nothing but the
    files a run writes (``run.json``, ``index.html`` and, per notebook of that record, its
    executed copy, page, log and results).
    """
    record = run_record.read_or_none(folder)
    if record is None or record.get("name") != folder.name:
        return None
    allowed = {"run.json", "index.html"} | {
        f"{stem}{suffix}" for stem in record["notebooks"] for suffix in RUN_SUFFIXES}
    for entry in folder.iterdir():
        if entry.name not in allowed or entry.is_symlink() or not entry.is_file():
            return None
    return record


def _check_replaceable(folder: Path, stems: Collection[str] | None = None,
                       replace: bool = False, sweep: str | None = None) -> str | None:
    """Refuse ``folder`` unless a run may write there; return what it would replace.

    A run writes into a missing or empty folder, or replaces an earlier run of the same name,
    the same notebooks (``stems``) and the same sweep (:func:`written_by_run`). Anything else
    (a user's files, a run of other notebooks) is replaced only when ``replace`` is true.

    Returns
    -------
    str or None
        A short description of the earlier content that will be replaced, or ``None``.

    Raises
    ------
    NotReplaceable
        Naming the folder, what it holds, and ``--replace`` or another name as the way on.
    """
    way = "give --replace to replace it, or choose another --name"
    if folder.is_symlink() or (folder.exists() and not folder.is_dir()):
        raise NotReplaceable(f"{folder} is not a folder: not writing a run there")
    if not folder.exists() or not any(folder.iterdir()):
        return None
    record = written_by_run(folder)
    if record is None:
        if replace:
            return "a folder that is not a run (--replace)"
        if not (folder / "run.json").is_file():
            raise NotReplaceable(f"{folder} exists and is not a run folder (no run.json): not "
                                 f"overwriting it; {way}")
        raise NotReplaceable(f"{folder} is not a run folder (it holds files no run wrote, or "
                             f"a broken run.json): not overwriting it; {way}")
    earlier = sorted(record["notebooks"])
    if stems is not None and sorted(stems) != earlier and not replace:
        raise NotReplaceable(
            f"{folder} holds an earlier run {folder.name!r} of other notebooks "
            f"({', '.join(earlier) or 'none'}; this run: {', '.join(sorted(stems))}): not "
            f"replacing it; {way}")
    if record.get("sweep") != sweep and not replace:
        where = f"sweep {record.get('sweep')!r}" if record.get("sweep") else "no sweep"
        raise NotReplaceable(f"{folder} holds a run of {where}: not replacing it; {way}")
    return f"the earlier run {folder.name!r}"


# --------------------------------------------------------------------------- locks and swaps

class RunLocked(DispatchlibError):
    """Another process is writing a run of the same name into the same reports folder."""


def _lock_path(folder: Path) -> Path:
    return folder.parent / f".{folder.name}.lock"


def _staging(folder: Path, what: str) -> Path:
    return folder.parent / f".{folder.name}.{what}"


_HELD_LOCKS: set[int] = set()


def _close_held_locks() -> None:
    """In a forked child (a worker): close the run locks' descriptors it inherited, so that
    only the runner holds them, and a worker left behind by a killed runner cannot keep a run
    name locked."""
    for fd in _HELD_LOCKS:
        try:
            os.close(fd)
        except OSError:
            pass
    _HELD_LOCKS.clear()


if hasattr(os, "register_at_fork"):
    os.register_at_fork(after_in_child=_close_held_locks)


def lock(folder: Path, what: str = "run") -> int:
    """Take the lock of a run folder, ``.<run>.lock`` beside it; return its file descriptor.

    The lock is an ``flock`` on that file, which the system drops when the process ends however
    it ends, so a killed run never leaves a stale lock behind. (Where Python has no ``fcntl``,
    on Windows, the file is made but no lock is taken.)

    Raises
    ------
    RunLocked
        When another process holds it: a run of the same name into the same folder.
    """
    try:
        import fcntl
    except ImportError:  # pragma: no cover - Windows
        fcntl = None
    path = _lock_path(folder)
    path.parent.mkdir(parents=True, exist_ok=True)
    while True:
        fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o644)
        if fcntl is None:  # pragma: no cover
            return fd
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            os.close(fd)
            raise RunLocked(
                f"{what} {folder.name!r} is already being written into {folder.parent} by "
                f"another process (it holds {path.name}): wait for that {what} to finish, or "
                "choose another --name") from None
        try:
            mine = os.path.samestat(os.fstat(fd), os.stat(path))
        except FileNotFoundError:
            mine = False
        if mine:
            _HELD_LOCKS.add(fd)
            return fd
        os.close(fd)  # its holder removed the file as we opened it: lock the new one


def unlock(folder: Path, fd: int) -> None:
    """Release a lock taken with :func:`lock` and remove its file."""
    try:
        _lock_path(folder).unlink(missing_ok=True)
    finally:
        _HELD_LOCKS.discard(fd)
        os.close(fd)


def _exchange(a: Path, b: Path) -> bool:
    """Swap two folders in one step (Linux ``renameat2`` with ``RENAME_EXCHANGE``).

    Returns False where the system cannot do that (then nothing was changed).
    """
    import ctypes

    try:
        renameat2 = ctypes.CDLL(None, use_errno=True).renameat2
    except (OSError, AttributeError):
        return False
    at_fdcwd, rename_exchange = -100, 2
    if renameat2(at_fdcwd, os.fsencode(a), at_fdcwd, os.fsencode(b), rename_exchange) == 0:
        return True
    err = ctypes.get_errno()
    if err in (errno.ENOSYS, errno.EINVAL, errno.ENOTSUP):
        return False
    raise OSError(err, os.strerror(err), str(b))


def _publish(work: Path, folder: Path, check: Callable[[Path], object] = _check_replaceable
             ) -> None:
    """Put a finished run (``work``) in the place of ``folder``, replacing an earlier run whole.

    On Linux both folders are swapped in one step, so ``folder`` holds the complete earlier run
    or the complete new one at every moment; elsewhere it is missing between two renames.
    ``check(folder)`` runs first: it raises if ``folder`` may not be replaced.
    """
    if not (folder.exists() or folder.is_symlink()):
        os.rename(work, folder)
        return
    check(folder)
    if not _exchange(work, folder):
        old = _staging(folder, "old")
        os.rename(folder, old)
        os.rename(work, folder)
        work = old
    shutil.rmtree(work)


def _release(run_plan: RunPlan) -> None:
    """Drop a run's work folder if it is still there, and its lock (nothing if neither)."""
    if run_plan.work is not None:
        shutil.rmtree(run_plan.work, ignore_errors=True)
        run_plan.work = None
    if run_plan.lock is not None:
        unlock(run_plan.folder, run_plan.lock)
        run_plan.lock = None


@dataclass(frozen=True)
class Task:
    """One notebook to execute in a worker process."""

    run: str
    source: Path
    target: Path
    parameters: dict
    nav: str


def tasks(run_plan: RunPlan) -> list[Task]:
    """The notebooks of a run as tasks; takes the run's lock and makes its work folder.

    The notebooks execute into a hidden folder beside the run folder, ``.<run>.<pid>.partial``
    (with ``run.json`` = running); :func:`finish` puts it in the place of the run folder once
    every notebook is done. So an earlier run of the same name stays whole and readable until
    then, and a run killed at any moment leaves no half-written file under a run's name (the
    next run of that name clears what it left).

    Raises
    ------
    RunLocked
        If another process is writing a run of the same name into the same folder.
    DispatchlibError
        If the run folder exists and is not a run.
    """
    folder = run_plan.folder
    fd = lock(folder)
    try:
        old = _staging(folder, "old")
        if old.is_dir() and not folder.exists():
            os.rename(old, folder)  # a swap cut short between its two renames
        _check_replaceable(folder, [s.stem for s in run_plan.sources], run_plan.replace,
                           run_plan.up)
        left = re.compile(rf"\.{re.escape(folder.name)}\.(\d+\.partial|old)")
        for entry in folder.parent.iterdir():  # left by runs of this name that were killed
            if left.fullmatch(entry.name):
                if entry.is_symlink() or not entry.is_dir():
                    entry.unlink()
                else:
                    shutil.rmtree(entry, ignore_errors=True)
        work = _staging(folder, f"{os.getpid()}.partial")
        work.mkdir()
    except BaseException:
        unlock(run_plan.folder, fd)
        raise
    run_plan.lock, run_plan.work = fd, work
    run_plan.started = time.perf_counter()
    run_record.write(work, _run_record(run_plan, status="running"))
    label = f"run {run_plan.name}" if not run_plan.up else f"run {run_plan.up}/{run_plan.name}"
    return [Task(run_plan.name, s, inside(work, s.name), run_plan.given[s.stem], label)
            for s in run_plan.sources]


def _describe(exc: BaseException) -> str:
    ename = getattr(exc, "ename", None)
    if ename:
        where = getattr(exc, "exec_count", None)
        cell = f" (cell In [{where}])" if where is not None else ""
        return f"{ename}: {getattr(exc, 'evalue', '')}{cell}"
    return f"{type(exc).__name__}: {exc}"[:2000]


def _warm_pages() -> None:
    """Load what a page needs (nbconvert and its templates, matplotlib's mathtext) by rendering
    a two-cell page in a temporary folder. A failure is left for the real pages to report."""
    try:
        import nbformat
        from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook

        from dispatchlib.run import pages as report

        with tempfile.TemporaryDirectory() as tmp:
            path = Path(tmp) / "warm-up.ipynb"
            nb = new_notebook(cells=[new_markdown_cell("$x^2$"), new_code_cell("1")])
            nbformat.write(nb, str(path))
            report.render_notebook(path)
    except Exception:  # noqa: BLE001 - only a head start
        pass


def _work(task: Task) -> dict:
    """Execute one notebook and keep its results (runs in a worker; :func:`_page` then makes
    its page in the parent process)."""
    os.environ["DISPATCHLIB_HEADLESS"] = "1"
    os.environ.pop("MPLBACKEND", None)  # Agg would drop every inline figure
    start = time.perf_counter()
    out: dict = {"status": "ok", "error": None, "results": None}
    os.write(2, f"  started  {task.source.stem} ({task.nav})\n".encode())
    saved = os.dup(2)
    try:
        with open(task.target.with_suffix(".log"), "w", encoding="utf-8") as log:
            sys.stderr.flush()
            os.dup2(log.fileno(), 2)  # the kernel and papermill write here, not over the progress
            try:
                execute(task.source, task.target, task.parameters)
            except Exception as exc:  # noqa: BLE001 - reported in run.json, the run goes on
                out.update(status="failed", error=_describe(exc))
            finally:
                sys.stderr.flush()
                os.dup2(saved, 2)
    finally:
        os.close(saved)
    _drop_noise(task.target.with_suffix(".log"))
    os.write(2, f"  executed {task.source.stem} ({task.nav}) in "
                f"{time.perf_counter() - start:.1f} s; drawing its page\n".encode())
    if task.target.exists():
        payload = results.extract(task.target)
        if payload is not None:
            out["results"] = payload.get("results")
            if out["status"] != "ok":
                results.write(task.target)
    out["seconds"] = time.perf_counter() - start
    return out


#: lines of a kernel's stderr that say nothing about the notebook (dropped from its ``.log``)
NOISE = (re.compile(r".*Kernel is running over TCP without encryption\..*"),)


def _drop_noise(log: Path) -> None:
    """Remove the lines of :data:`NOISE` from a notebook's log; keep everything else."""
    try:
        lines = log.read_text(encoding="utf-8", errors="replace").splitlines(keepends=True)
    except OSError:
        return
    kept = [line for line in lines if not any(n.fullmatch(line.rstrip("\r\n")) for n in NOISE)]
    if len(kept) != len(lines):
        log.write_text("".join(kept), encoding="utf-8")


def _page(task: Task, outcome: dict) -> dict:
    """Render the page of an executed (or partly executed) notebook; a page that cannot be
    made fails the notebook. ``seconds`` becomes execution plus page, rounded."""
    start = time.perf_counter()
    if task.target.exists():
        try:
            from dispatchlib.run import pages as report

            report.render_notebook(task.target, nav=task.nav)
        except Exception as exc:  # noqa: BLE001
            if outcome["status"] == "ok":
                outcome.update(status="failed",
                               error=f"HTML page not rendered: {_describe(exc)}")
    outcome["seconds"] = round(outcome.get("seconds", 0.0) + time.perf_counter() - start, 1)
    return outcome


def _die_with_parent(parent: int) -> None:
    """Worker initializer: end this worker when the runner (``parent``) dies, however it dies.

    On Linux the kernel sends the worker SIGKILL the moment its parent ends (``prctl``'s
    ``PR_SET_PDEATHSIG``); elsewhere a daemon thread checks the parent's pid every second. A
    notebook's kernel watches its worker the same way (ipykernel's parent poller), so nothing
    is left running when a run is killed with SIGKILL.
    """
    import signal

    watched = False
    if sys.platform.startswith("linux"):
        import ctypes

        try:
            pr_set_pdeathsig = 1
            watched = ctypes.CDLL(None, use_errno=True).prctl(
                pr_set_pdeathsig, signal.SIGKILL, 0, 0, 0) == 0
        except (OSError, AttributeError):  # pragma: no cover - no prctl
            watched = False
    if os.getppid() != parent:  # the runner died before the line above
        os._exit(1)
    if not watched:  # pragma: no cover - not Linux

        def watch() -> None:
            while os.getppid() == parent:
                time.sleep(1.0)
            os._exit(1)

        threading.Thread(target=watch, daemon=True, name="dispatchlib-parent").start()


def execute_all(all_tasks: Sequence[Task], jobs: int | None = None,
                on_done: Callable[[Task, dict], None] | None = None,
                before: Callable[[Task], Task] | None = None) -> list[dict]:
    """Execute tasks in parallel worker processes, each notebook in its own fresh kernel.

    The workers are forked from this process where that is safe (see :func:`_start_method`),
    so that they start with what it has already imported; otherwise they are spawned clean.
    They end with this process, even when it is killed (:func:`_die_with_parent`).
    Pages are made here, in one thread, while the workers go on with the next notebooks: the
    page machinery loads once (while the first kernels work) instead of once per worker.

    Tasks are handed to the workers in order, at most ``2 * jobs`` at a time (executing, or
    waiting for their page): whatever a task holds open (a run's lock) is held by a bounded
    number of tasks however many there are.

    Parameters
    ----------
    all_tasks : sequence of Task
        Notebooks to execute; each worker starts its own kernel.
    jobs : int, optional
        Processes at once (default: the number of cores).
    on_done : callable, optional
        Called in this process with each task and its outcome once its page is made.
    before : callable, optional
        Called in this process with each task just before it is handed to a worker; returns
        the task to execute (:func:`execute_plans` opens the task's run there). An exception
        it raises stops everything and propagates.

    Returns
    -------
    list of dict
        Outcomes in the order of ``all_tasks``: ``status``, ``seconds``, ``results``, ``error``.
    """
    import multiprocessing
    from concurrent.futures import FIRST_COMPLETED, ProcessPoolExecutor, ThreadPoolExecutor, wait

    if not all_tasks:
        return []
    jobs = max(1, min(jobs or default_jobs(), len(all_tasks)))
    outcomes: dict[int, dict] = {}
    method = _start_method()
    if method == "fork":
        import papermill  # noqa: F401 - imported once, here, for every worker

        _engine()
    pool = ProcessPoolExecutor(max_workers=jobs, mp_context=multiprocessing.get_context(method),
                               initializer=_die_with_parent, initargs=(os.getpid(),))
    pages = None
    queue = iter(enumerate(all_tasks))
    given: dict[int, Task] = {}
    running: dict = {}
    rendering: dict = {}
    pending: set = set()

    def hand_out() -> None:
        while len(pending) < 2 * jobs:
            i, task = next(queue, (None, None))
            if task is None:
                return
            given[i] = before(task) if before else task
            fut = pool.submit(_work, given[i])  # the first forks the workers
            running[fut] = i
            pending.add(fut)

    try:
        hand_out()
        pages = ThreadPoolExecutor(max_workers=1, thread_name_prefix="dispatchlib-pages")
        pages.submit(_warm_pages)
        while pending:
            finished, pending = wait(pending, return_when=FIRST_COMPLETED)
            for fut in finished:
                if fut in running:
                    i = running.pop(fut)
                    try:
                        outcome = fut.result()
                    except Exception as exc:  # noqa: BLE001 - a worker that died
                        outcome = {"status": "failed", "error": _describe(exc),
                                   "results": None, "seconds": 0.0}
                    page = pages.submit(_page, given[i], outcome)
                    rendering[page] = i
                    pending.add(page)
                else:
                    i = rendering.pop(fut)
                    outcomes[i] = fut.result()
                    if on_done:
                        on_done(given[i], outcomes[i])
            hand_out()
    except BaseException:
        pool.shutdown(wait=False, cancel_futures=True)
        if pages is not None:
            pages.shutdown(wait=True, cancel_futures=True)
        raise
    pool.shutdown()
    pages.shutdown()
    return [outcomes[i] for i in range(len(all_tasks))]


def _start_method() -> str:
    """``fork`` on Linux when this process runs no other Python thread (as the command line
    does), else ``spawn``.

    A forked worker starts with the modules already loaded here (dispatchlib, pandas,
    papermill), where a spawned one would import them again: about a second of CPU per worker.
    Forking while another Python thread runs (a test session's helpers, say) could copy a lock
    that thread holds, so such a process spawns its workers, each starting clean. (Native
    thread pools such as OpenBLAS's prepare themselves for a fork.)
    """
    import _thread

    if not sys.platform.startswith("linux"):
        return "spawn"
    alone = threading.active_count() == 1 and getattr(_thread, "_count", lambda: 1)() == 0
    return "fork" if alone else "spawn"


def _run_record(run_plan: RunPlan, status: str) -> RunRecord:
    nbs: dict[str, NotebookEntry] = {}
    for s in run_plan.sources:
        o = run_plan.outcomes.get(s.stem, {"status": "running"})
        nbs[s.stem] = {"status": o["status"], "seconds": o.get("seconds", 0.0),
                       "results": o.get("results"), "error": o.get("error"),
                       "notebook": s.name, "page": f"{s.stem}.html",
                       "source_sha256": file_hash(s)}
    return {
        "name": run_plan.name,
        "sweep": run_plan.up,
        "status": status,
        "scenario": run_plan.scenario,
        "overrides": run_plan.overrides,
        "unused": run_plan.unused,
        "parameters": effective(run_plan.sources, run_plan.given),
        "notebooks": nbs,
        "versions": versions(),
        "data_sha256": data_hash(),
        "seconds": round(time.perf_counter() - run_plan.started, 1),
    }


def finish(run_plan: RunPlan) -> dict:
    """Write ``run.json`` and ``index.html`` once every notebook of a run is done.

    ``run.json`` holds: ``name``, ``sweep`` (or null), ``status`` (``ok`` when every notebook
    ran, else ``failed``), ``scenario`` (title, description, references, file, or null),
    ``overrides`` (the values asked for and used), ``unused`` (scenario-file names no notebook
    of the run declares), ``parameters`` (every parameter of every notebook,
    as used), ``notebooks`` (per notebook: ``status``, ``seconds``, ``results``, ``error``,
    file names and the SHA-256 of the source notebook), ``versions``, ``data_sha256`` and
    ``seconds``, the wall time from queueing the run's notebooks to the end of the last one.
    It holds no time stamp.
    """
    from dispatchlib.run import pages as report

    ok = all(run_plan.outcomes.get(s.stem, {}).get("status") == "ok" for s in run_plan.sources)
    record = _run_record(run_plan, status="ok" if ok else "failed")
    work = run_plan.work or run_plan.folder
    run_record.write(inside(work, run_record.FILE_NAME).parent, record)
    report.write_index(work, record, up=f"sweep {run_plan.up}" if run_plan.up else None)
    if run_plan.work is not None:
        _publish(run_plan.work, run_plan.folder, functools.partial(
            _check_replaceable, stems=[s.stem for s in run_plan.sources],
            replace=run_plan.replace, sweep=run_plan.up))
        run_plan.work = None
    _release(run_plan)
    return record


def progress(message: str) -> None:
    """One line of progress on stderr."""
    print(message, file=sys.stderr, flush=True)


def _longest_first(plans: Sequence[RunPlan]) -> list[tuple[RunPlan, Path]]:
    """Every run's notebooks, run after run, each run's longest first (by the seconds the last
    run of the same name took).

    Started first, the long notebooks do not end up alone at the end of a parallel run.
    Notebooks with no earlier time go first, in their order. Runs stay in their order, so that
    only a few runs are open (locked, with a work folder) at any moment.
    """
    order = []
    for p in plans:
        try:
            earlier = json.loads((p.folder / "run.json").read_text("utf-8"))["notebooks"]
        except (OSError, ValueError, KeyError, TypeError):
            earlier = {}
        seconds: dict[Path, float] = {}
        for s in p.sources:
            try:
                seconds[s] = float(earlier[s.stem]["seconds"])
            except (KeyError, TypeError, ValueError):
                pass
        order += [(p, s) for s in sorted(p.sources, key=lambda s: -seconds.get(s, float("inf")))]
    return order


def execute_plans(plans: Sequence[RunPlan], jobs: int | None = None,
                  on_finish: Callable[[RunPlan, dict], None] | None = None) -> list[dict]:
    """Execute several runs' notebooks in one pool; finish each run as its last notebook ends.

    A run is opened (its lock taken, its work folder made: :func:`tasks`) when its first
    notebook is handed to a worker, and closed when its last one is done, so a sweep of any
    size holds only a few locks at a time.
    """
    order = _longest_first(plans)
    owner: dict[int, RunPlan] = {}
    queued: list[Task] = []
    for p, s in order:  # placeholders: tasks() gives the real ones when the run opens
        label = f"run {p.name}" if not p.up else f"run {p.up}/{p.name}"
        task = Task(p.name, s, p.folder / s.name, p.given[s.stem], label)
        owner[id(task)] = p
        queued.append(task)
    opened: dict[int, dict[Path, Task]] = {}
    by_task: dict[int, RunPlan] = {}
    records: dict[str, dict] = {}
    done = 0
    wall = time.perf_counter()

    def before(task: Task) -> Task:
        p = owner[id(task)]
        if id(p) not in opened:
            if p.replaces:
                progress(f"  replacing {p.replaces} in {p.folder.parent}")
            opened[id(p)] = {t.source: t for t in tasks(p)}
        real = opened[id(p)][task.source]
        by_task[id(real)] = p
        return real

    def on_done(task: Task, outcome: dict) -> None:
        nonlocal done
        done += 1
        p = by_task[id(task)]
        p.outcomes[task.source.stem] = outcome
        word = "ok     " if outcome["status"] == "ok" else "FAILED "
        line = (f"  {word} {task.source.stem} ({task.nav}) in {outcome['seconds']:.1f} s "
                f"[{done}/{len(queued)}, {time.perf_counter() - wall:.0f} s]")
        if outcome.get("error"):
            line += f"\n           {outcome['error'].splitlines()[0][:300]}"
        progress(line)
        if len(p.outcomes) == len(p.sources):
            records[p.name] = finish(p)
            if on_finish:
                on_finish(p, records[p.name])

    try:
        execute_all(queued, jobs, on_done, before)
    finally:
        for p in plans:
            _release(p)  # a run that did not finish: its work folder and lock go
    return [records[p.name] for p in plans]


def run(names: Sequence[str] | None = None, name: str = "default",
        parameters: Mapping[str, object] | None = None, jobs: int | None = None,
        out: Path | None = None, scenario: dict | None = None,
        strict: bool | None = None, optional: Collection[str] = (),
        replace: bool = False) -> Path:
    """Check, execute and report one run into ``<reports>/<name>/``; return the folder.

    Parameters
    ----------
    names : sequence of str, optional
        Notebooks (stem, number or file name); default all.
    name : str
        Run name: letters, digits, ``.``, ``-``, ``_``.
    parameters : mapping, optional
        Parameter values by name; each goes to the notebooks that declare it.
    jobs : int, optional
        Notebooks executed at once (default: the number of cores).
    out : Path, optional
        Reports folder (default ``reports/``); nothing is written outside it.
    scenario : dict, optional
        Title, description, references and file of a scenario file, shown in the index.
    strict : bool, optional
        See :func:`prepare`.
    optional : collection of str
        Names (from scenario files) that may be declared by no notebook of the run.
    replace : bool
        Replace whatever ``<reports>/<name>/`` holds; without it only an earlier run of the
        same notebooks is replaced (see :func:`prepare`).

    The run's status is in ``<folder>/run.json`` (see :func:`finish`).
    """
    run_plan = prepare(names, name, parameters, out=out, scenario=scenario, strict=strict,
                       optional=optional, replace=replace)
    progress(f"run {name}: {len(run_plan.sources)} notebook(s), "
             f"{max(1, min(jobs or default_jobs(), len(run_plan.sources)))} at a time, "
             f"into {run_plan.folder}")
    execute_plans([run_plan], jobs)
    return run_plan.folder


# --------------------------------------------------------------------------- refresh

def clean(nb: dict) -> dict:
    """Drop the run-specific metadata papermill and nbclient add (times, paths, widget state)."""
    nb.get("metadata", {}).pop("papermill", None)
    nb.get("metadata", {}).pop("widgets", None)
    for cell in nb.get("cells", []):
        cell.get("metadata", {}).pop("papermill", None)
        cell.get("metadata", {}).pop("execution", None)
        if cell.get("metadata", {}).get("tags") == []:
            del cell["metadata"]["tags"]
    return nb


def refresh(names: Sequence[str] | None = None) -> list[Path]:
    """Write the notebooks' ``parameters`` cells from the registry
    (:func:`dispatchlib.param_cells.write_cells`), then re-execute them in place at those
    defaults and clean them."""
    from dispatchlib.atomic import write_text
    from dispatchlib.param_cells import write_cells

    done = []
    sources = notebooks(names)
    write_cells(sources)
    for source in sources:
        with tempfile.TemporaryDirectory() as tmp:
            target = Path(tmp) / source.name
            execute(source, target)
            nb = clean(json.loads(target.read_text(encoding="utf-8")))
        write_text(source, json.dumps(nb, indent=1, ensure_ascii=False) + "\n")
        shown = source.relative_to(paths.ROOT) if source.is_relative_to(paths.ROOT) else source
        print(f"refreshed {shown}")
        done.append(source)
    return done
