"""Execute the lesson notebooks with papermill, record their results and render HTML.

``python -m dispatchlib run`` checks every parameter before any kernel starts, executes the
notebooks in parallel (one process and one fresh kernel per notebook) into ``reports/<run>/``
and writes there:

- ``<notebook>.ipynb``: the executed copy (a failed one keeps the cells run so far and the error);
- ``<notebook>.html``: the page, readable offline (see :mod:`dispatchlib.report`);
- ``<notebook>.results.json``: the headline results the notebook recorded with ``dl.record``;
- ``<notebook>.log``: what the kernel and papermill printed on stderr;
- ``run.json``: parameters, results, versions and a hash of the data (see :func:`finish`);
- ``index.html``: the parameters and results, with a link to every page.

``python -m dispatchlib refresh`` re-executes the committed notebooks in place at their default
parameters and strips the run-specific metadata (timestamps, papermill's record of paths), so
that committed outputs hold no absolute paths, user names or times.

Parameters are checked by one validator, :mod:`dispatchlib.params`, against the names each
notebook declares in its ``parameters`` cell (read with ``papermill.inspect_notebook``).
"""

from __future__ import annotations

import ast
import difflib
import hashlib
import json
import os
import platform
import re
import shutil
import sys
import tempfile
import time
from collections.abc import Callable, Collection, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from . import params, paths, results
from .errors import DispatchlibError, ParameterError

NOTEBOOK_NAME = re.compile(r"^\d\d_[a-z0-9-]+\.ipynb$")
KERNEL = "python3"
TIMEOUT_S = 600
#: run, sweep and scenario names: letters, digits, '.', '-', '_'; no path separators
SAFE_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,99}$")
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
    found = sorted(p for p in paths.notebooks_dir().glob("*.ipynb") if NOTEBOOK_NAME.match(p.name))
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

    The kernel sees ``DISPATCHLIB_HEADLESS=1``, so slider explorers step aside.
    """
    import papermill

    target.parent.mkdir(parents=True, exist_ok=True)
    os.environ["DISPATCHLIB_HEADLESS"] = "1"
    papermill.execute_notebook(str(source), str(target), parameters=parameters or {},
                               kernel_name=KERNEL, progress_bar=False,
                               execution_timeout=TIMEOUT_S)
    results.write(target)
    return target


def render_html(notebook_path: Path) -> Path:
    """Render an executed notebook to a standalone, offline HTML page next to it."""
    from . import report

    return report.render_notebook(notebook_path)


# --------------------------------------------------------------------------- names and paths

def check_name(name: str, what: str = "run name") -> str:
    """Return ``name`` if it is a safe folder name, else raise ParameterError.

    >>> check_name("high-2025")
    'high-2025'
    """
    if not isinstance(name, str) or not SAFE_NAME.match(name):
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
    if safe != raw or len(safe) > 80 or not SAFE_NAME.match(safe):
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


def declared(source: Path) -> dict[str, Declared]:
    """The parameters a notebook declares, in the order of its ``parameters`` cell."""
    import papermill

    stat = source.stat()
    key = (str(source.resolve()), stat.st_mtime_ns, stat.st_size)
    if key not in _DECLARED_CACHE:
        found = papermill.inspect_notebook(str(source))
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

    A :class:`Text` is read as a YAML scalar (``yaml.safe_load``, never ``eval``), except for
    text parameters, which keep the text as typed. For numeric parameters a text such as
    ``1e5`` (which YAML reads as a string) is read as a number.

    Raises
    ------
    ParameterError
        Naming the parameter, the value and what is allowed.
    """
    import yaml

    if isinstance(value, Text):
        if spec.kind == "str":
            value = str(value)
        else:
            text = str(value)
            try:
                value = yaml.safe_load(text)
            except yaml.YAMLError:
                raise ParameterError(spec.name, text, spec.allowed()) from None
            if value is None:
                raise ParameterError(spec.name, text, spec.allowed())
    if spec.kind in ("int", "float") and isinstance(value, str):
        try:
            value = float(value.replace("_", ""))
        except ValueError:
            pass
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
            params.spec(name)  # an unknown name still fails, with the closest known one
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
            raise params.unknown(name, valid)
    checked = {name: coerce(params.spec(name), value) for name, value in overrides.items()}
    return {stem: {n: v for n, v in checked.items() if n in names}
            for stem, names in decl.items()}


def effective(sources: Sequence[Path], given: Mapping[str, Mapping[str, object]]
              ) -> dict[str, dict[str, object]]:
    """Every parameter of every notebook: its default, replaced by the value given."""
    return {s.stem: {n: d.default for n, d in declared(s).items()} | dict(given.get(s.stem, {}))
            for s in sources}


# --------------------------------------------------------------------------- environment

def versions() -> dict[str, str]:
    """Versions of Python, dispatchlib and the main libraries a run used."""
    from importlib import metadata

    from . import __version__

    out = {"dispatchlib": __version__, "python": platform.python_version()}
    for name in VERSIONED:
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


def prepare(names: Sequence[str] | None = None, name: str = "default",
            overrides: Mapping[str, object] | None = None, out: Path | None = None,
            scenario: dict | None = None, strict: bool | None = None,
            parent: str | None = None, optional: Collection[str] = ()) -> RunPlan:
    """Check notebooks, parameters and run name; return the plan (nothing is written).

    ``strict`` defaults to "notebooks were named": then every parameter must be declared by
    every notebook; otherwise a parameter goes to the notebooks that declare it.
    """
    check_name(name)
    sources = notebooks(names)
    if not sources:
        raise DispatchlibError(f"no notebooks NN_topic.ipynb in {paths.notebooks_dir()}")
    strict = bool(names) if strict is None else strict
    given = plan(sources, overrides or {}, strict=strict, optional=optional)
    root = Path(out) if out is not None else paths.reports_dir()
    folder = inside(root, *([check_name(parent, "sweep name")] if parent else []), name)
    checked = {}
    for per_nb in given.values():
        checked.update(per_nb)
    ordered = {n: checked[n] for n in (overrides or {}) if n in checked}
    unused = [n for n in (overrides or {}) if n not in checked]
    return RunPlan(name=name, folder=folder, sources=sources, given=given,
                   overrides=ordered, scenario=scenario, up=parent, unused=unused)


RUN_FILES = (".ipynb", ".html", ".json", ".log")
"""Suffixes of the files a run writes (an older run without run.json holds only these)."""


def _fresh_folder(folder: Path) -> None:
    """Empty ``folder`` if it holds an earlier run; refuse to touch any other folder.

    A folder is an earlier run when it has a ``run.json``, or holds nothing but files a run
    writes (executed notebooks, pages, results, logs); anything else is left alone.
    """
    if folder.is_symlink() or (folder.exists() and not folder.is_dir()):
        raise DispatchlibError(f"{folder} is not a folder: not writing a run there")
    if folder.exists() and any(folder.iterdir()):
        earlier = (folder / "run.json").is_file() or all(
            e.is_file() and not e.is_symlink() and e.suffix in RUN_FILES
            for e in folder.iterdir())
        if not earlier:
            raise DispatchlibError(
                f"{folder} exists and is not a run folder (no run.json, and files a run does "
                "not write): not overwriting it; choose another --name")
        shutil.rmtree(folder)
    folder.mkdir(parents=True, exist_ok=True)


@dataclass(frozen=True)
class Task:
    """One notebook to execute in a worker process."""

    run: str
    source: Path
    target: Path
    parameters: dict
    nav: str


def tasks(run_plan: RunPlan) -> list[Task]:
    """The notebooks of a run as tasks; prepares the run folder (``run.json`` = running)."""
    _fresh_folder(run_plan.folder)
    run_plan.started = time.perf_counter()
    record = _record(run_plan, status="running")
    results.write_json_atomic(run_plan.folder / "run.json", record)
    label = f"run {run_plan.name}" if not run_plan.up else f"run {run_plan.up}/{run_plan.name}"
    return [Task(run_plan.name, s, inside(run_plan.folder, s.name), run_plan.given[s.stem], label)
            for s in run_plan.sources]


def _describe(exc: BaseException) -> str:
    ename = getattr(exc, "ename", None)
    if ename:
        where = getattr(exc, "exec_count", None)
        cell = f" (cell In [{where}])" if where is not None else ""
        return f"{ename}: {getattr(exc, 'evalue', '')}{cell}"
    return f"{type(exc).__name__}: {exc}"[:2000]


def _work(task: Task) -> dict:
    """Execute one notebook, keep its results and render its page (runs in a worker)."""
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
    if task.target.exists():
        payload = results.extract(task.target)
        if payload is not None:
            out["results"] = payload.get("results")
            if out["status"] != "ok":
                results.write(task.target)
        try:
            from . import report

            report.render_notebook(task.target, nav=task.nav)
        except Exception as exc:  # noqa: BLE001
            if out["status"] == "ok":
                out.update(status="failed", error=f"HTML page not rendered: {_describe(exc)}")
    out["seconds"] = round(time.perf_counter() - start, 1)
    return out


def execute_all(all_tasks: Sequence[Task], jobs: int | None = None,
                on_done: Callable[[Task, dict], None] | None = None) -> list[dict]:
    """Execute tasks in parallel worker processes (``spawn``: each starts clean).

    Parameters
    ----------
    all_tasks : sequence of Task
        Notebooks to execute; each worker starts its own kernel.
    jobs : int, optional
        Processes at once (default: the number of cores).
    on_done : callable, optional
        Called in this process with each task and its outcome as it finishes.

    Returns
    -------
    list of dict
        Outcomes in the order of ``all_tasks``: ``status``, ``seconds``, ``results``, ``error``.
    """
    import multiprocessing
    from concurrent.futures import ProcessPoolExecutor, as_completed

    if not all_tasks:
        return []
    jobs = max(1, min(jobs or default_jobs(), len(all_tasks)))
    outcomes: dict[int, dict] = {}
    pool = ProcessPoolExecutor(max_workers=jobs, mp_context=multiprocessing.get_context("spawn"))
    try:
        futures = {pool.submit(_work, t): i for i, t in enumerate(all_tasks)}
        for fut in as_completed(futures):
            i = futures[fut]
            try:
                outcome = fut.result()
            except Exception as exc:  # noqa: BLE001 - a worker that died
                outcome = {"status": "failed", "error": _describe(exc), "results": None,
                           "seconds": 0.0}
            outcomes[i] = outcome
            if on_done:
                on_done(all_tasks[i], outcome)
    except BaseException:
        pool.shutdown(wait=False, cancel_futures=True)
        raise
    pool.shutdown()
    return [outcomes[i] for i in range(len(all_tasks))]


def _record(run_plan: RunPlan, status: str) -> dict:
    nbs = {}
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
    from . import report

    ok = all(run_plan.outcomes.get(s.stem, {}).get("status") == "ok" for s in run_plan.sources)
    record = _record(run_plan, status="ok" if ok else "failed")
    results.write_json_atomic(inside(run_plan.folder, "run.json"), record)
    report.write_index(run_plan.folder, record, up=f"sweep {run_plan.up}" if run_plan.up else None)
    return record


def progress(message: str) -> None:
    """One line of progress on stderr."""
    print(message, file=sys.stderr, flush=True)


def execute_plans(plans: Sequence[RunPlan], jobs: int | None = None,
                  on_finish: Callable[[RunPlan, dict], None] | None = None) -> list[dict]:
    """Execute several runs' notebooks in one pool; finish each run as its last notebook ends."""
    all_tasks: list[Task] = []
    owner: dict[int, RunPlan] = {}
    for p in plans:
        for t in tasks(p):
            owner[len(all_tasks)] = p
            all_tasks.append(t)
    by_task = {id(t): owner[i] for i, t in enumerate(all_tasks)}
    records: dict[str, dict] = {}
    done = 0
    wall = time.perf_counter()

    def on_done(task: Task, outcome: dict) -> None:
        nonlocal done
        done += 1
        p = by_task[id(task)]
        p.outcomes[task.source.stem] = outcome
        word = "ok     " if outcome["status"] == "ok" else "FAILED "
        line = (f"  {word} {task.source.stem} ({task.nav}) in {outcome['seconds']:.1f} s "
                f"[{done}/{len(all_tasks)}, {time.perf_counter() - wall:.0f} s]")
        if outcome.get("error"):
            line += f"\n           {outcome['error'].splitlines()[0][:300]}"
        progress(line)
        if len(p.outcomes) == len(p.sources):
            records[p.name] = finish(p)
            if on_finish:
                on_finish(p, records[p.name])

    execute_all(all_tasks, jobs, on_done)
    return [records[p.name] for p in plans]


def run(names: Sequence[str] | None = None, name: str = "default",
        parameters: Mapping[str, object] | None = None, jobs: int | None = None,
        out: Path | None = None, scenario: dict | None = None,
        strict: bool | None = None, optional: Collection[str] = ()) -> Path:
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

    The run's status is in ``<folder>/run.json`` (see :func:`finish`).
    """
    run_plan = prepare(names, name, parameters, out=out, scenario=scenario, strict=strict,
                       optional=optional)
    progress(f"run {name}: {len(run_plan.sources)} notebook(s), "
             f"{max(1, min(jobs or default_jobs(), len(run_plan.sources)))} at a time, "
             f"into {run_plan.folder}")
    execute_plans([run_plan], jobs)
    return run_plan.folder


def load_record(folder: Path) -> dict:
    """The ``run.json`` record of a run folder."""
    return json.loads((Path(folder) / "run.json").read_text(encoding="utf-8"))


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
    """Re-execute committed notebooks in place at default parameters, then clean them."""
    done = []
    for source in notebooks(names):
        with tempfile.TemporaryDirectory() as tmp:
            target = Path(tmp) / source.name
            execute(source, target)
            nb = clean(json.loads(target.read_text(encoding="utf-8")))
        text = json.dumps(nb, indent=1, ensure_ascii=False) + "\n"
        tmp_file = source.with_suffix(".ipynb.tmp")
        tmp_file.write_text(text, encoding="utf-8")
        shutil.move(tmp_file, source)
        shown = source.relative_to(paths.ROOT) if source.is_relative_to(paths.ROOT) else source
        print(f"refreshed {shown}")
        done.append(source)
    return done
