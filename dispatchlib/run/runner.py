"""Execute the lesson notebooks with papermill, record their results and render HTML.

``python -m dispatchlib run`` checks every parameter before any kernel starts, executes the
notebooks in parallel (``--jobs`` worker processes, a fresh kernel for every notebook) into
``reports/<run>/`` and writes there:

- ``<notebook>.ipynb``: the executed copy (a failed one keeps the cells run so far and the error);
- ``<notebook>.html``: the page, readable offline (see :mod:`dispatchlib.run.pages`);
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
notebook declares in its ``parameters`` cell (read as ``papermill.inspect_notebook`` reads it:
:func:`dispatchlib.run.discovery.declared`).
"""

from __future__ import annotations

import functools
import json
import os
import re
import shutil
import sys
import time
from collections.abc import Callable, Collection, Mapping, Sequence
from pathlib import Path

from dispatchlib.run import run_record
from dispatchlib.run.folders import (
    _check_replaceable,
    _publish,
    _staging,
    inside,
    lock,
    unlock,
)
from dispatchlib.run.planning import RunPlan, prepare, values_used
from dispatchlib.run.run_record import NotebookEntry, RunRecord, data_hash, file_hash, versions
from dispatchlib.run.workers import Task, default_jobs, execute_all

_LOCKS: dict[Path, int] = {}
"""The file descriptor holding the lock of each run executing in this process, by run folder
(taken by :func:`tasks` when the run's first notebook is about to start, released by
:func:`_release` when it ends); kept here, not in the plan, so a plan is plain data."""


def _release(run_plan: RunPlan) -> None:
    """Drop a run's work folder if it is still there, and its lock (nothing if neither)."""
    if run_plan.work is not None:
        shutil.rmtree(run_plan.work, ignore_errors=True)
        run_plan.work = None
    fd = _LOCKS.pop(run_plan.folder, None)
    if fd is not None:
        unlock(run_plan.folder, fd)

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
                           run_plan.sweep)
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
    _LOCKS[run_plan.folder], run_plan.work = fd, work
    run_plan.started = time.perf_counter()
    run_record.write(work, _run_record(run_plan, status="running"))
    label = f"run {run_plan.sweep}/{run_plan.name}" if run_plan.sweep else f"run {run_plan.name}"
    return [Task(run_plan.name, s, inside(work, s.name), run_plan.injected[s.stem], label)
            for s in run_plan.sources]

def _run_record(run_plan: RunPlan, status: str) -> RunRecord:
    nbs: dict[str, NotebookEntry] = {}
    for s in run_plan.sources:
        o = run_plan.outcomes.get(s.stem, {"status": "running"})
        nbs[s.stem] = {"status": o["status"], "seconds": o.get("seconds", 0.0),
                       "results": o.get("results"), "error": o.get("error"),
                       "notebook": s.name, "page": f"{s.stem}.html",
                       "source_sha256": file_hash(s),
                       "executor": o.get("executor", {"kind": "local"}),
                       "kernel": o.get("kernel")}
    return {
        "name": run_plan.name,
        "sweep": run_plan.sweep,
        "status": status,
        "scenario": run_plan.scenario,
        "overrides": run_plan.overrides,
        "unused": run_plan.unused,
        "parameters": values_used(run_plan.sources, run_plan.injected),
        "notebooks": nbs,
        "versions": versions(),
        "data_sha256": data_hash(),
        "seconds": round(time.perf_counter() - run_plan.started, 1),
        "lang": run_plan.lang,
    }

def finish(run_plan: RunPlan) -> dict:
    """Write ``run.json`` and ``index.html`` once every notebook of a run is done.

    ``run.json`` holds: ``name``, ``sweep`` (or null), ``status`` (``ok`` when every notebook
    ran, else ``failed``), ``scenario`` (title, description, references, file, or null),
    ``overrides`` (the values asked for and used), ``unused`` (scenario-file names no notebook
    of the run declares), ``parameters`` (every parameter of every notebook,
    as used), ``notebooks`` (per notebook: ``status``, ``seconds``, ``results``, ``error``,
    file names, the SHA-256 of the source notebook and ``kernel``, ``warm`` or ``cold``: see
    :mod:`dispatchlib.run.warm`), ``versions``, ``data_sha256`` and
    ``seconds``, the wall time from queueing the run's notebooks to the end of the last one,
    and ``lang``, the language of the notebooks and pages (``en`` or ``ko``).
    It holds no time stamp.
    """
    from dispatchlib.run import pages as report

    ok = all(run_plan.outcomes.get(s.stem, {}).get("status") == "ok" for s in run_plan.sources)
    record = _run_record(run_plan, status="ok" if ok else "failed")
    work = run_plan.work or run_plan.folder
    run_record.write(inside(work, run_record.FILE_NAME).parent, record)
    report.write_index(work, record,
                       back_link=f"sweep {run_plan.sweep}" if run_plan.sweep else None)
    if run_plan.work is not None:
        _publish(run_plan.work, run_plan.folder, functools.partial(
            _check_replaceable, stems=[s.stem for s in run_plan.sources],
            replace=run_plan.replace, sweep=run_plan.sweep))
        run_plan.work = None
    _release(run_plan)
    return record

def progress(message: str) -> None:
    """One line of progress on stderr (above a sweep's progress bar on a terminal)."""
    from dispatchlib.run import sweep_progress

    if sweep_progress.ACTIVE is not None:
        sweep_progress.ACTIVE.note(message)
        return
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

def _while_the_server_imports(order: list[tuple[RunPlan, Path]], jobs: int
                              ) -> list[tuple[RunPlan, Path]]:
    """``order`` with a notebook that makes the fork server import nothing first, when every
    notebook of the first ``jobs`` does.

    The fork server imports what only some notebooks need (statsmodels: about 0.8 s of CPU)
    just before it forks the first kernel that needs it, and forks a kernel that needs nothing
    more first (:mod:`dispatchlib.run.fork_server`). When the longest notebooks all need such
    an import, every core but the server's would wait for it; the longest notebook of the first
    run that needs none (:func:`~dispatchlib.run.kernel_needs.file_needs`) runs meanwhile.
    Warm kernels and two jobs or more only: a cold kernel imports for itself.
    """
    from dispatchlib.run.kernel_needs import file_needs
    from dispatchlib.run.warm import COLD_ENV

    if jobs < 2 or len(order) <= jobs or os.environ.get(COLD_ENV) == "1":
        return order
    first = order[0][0]
    if len(first.sources) <= jobs or any(
            not file_needs(source) for _, source in order[:jobs]):
        return order
    for i, (plan, source) in enumerate(order[jobs:], jobs):
        if plan is not first:
            break
        if not file_needs(source):
            return [order[i], *order[:i], *order[i + 1:]]
    return order


def execute_plans(plans: Sequence[RunPlan], jobs: int | None = None,
                  on_finish: Callable[[RunPlan, dict], None] | None = None,
                  pool: Callable[..., list[dict]] | None = None) -> list[dict]:
    """Execute several runs' notebooks in one pool; finish each run as its last notebook ends.

    A run is opened (its lock taken, its work folder made: :func:`tasks`) when its first
    notebook is handed to a worker, and closed when its last one is done, so a sweep of any
    size holds only a few locks at a time. ``pool`` executes the tasks (default: local worker
    processes, :func:`dispatchlib.run.workers.execute_all`; a Dask cluster:
    :func:`dispatchlib.run.cluster.execute_all`).
    """
    order = _while_the_server_imports(_longest_first(plans), jobs or default_jobs())
    owner: dict[int, RunPlan] = {}
    queued: list[Task] = []
    for p, s in order:  # placeholders: tasks() gives the real ones when the run opens
        label = f"run {p.name}" if not p.sweep else f"run {p.sweep}/{p.name}"
        task = Task(p.name, s, p.folder / s.name, p.injected[s.stem], label)
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
        line = (f"  {word} {task.source.stem} ({task.run_label}) in {outcome['seconds']:.1f} s "
                f"[{done}/{len(queued)}, {time.perf_counter() - wall:.0f} s]")
        if outcome.get("error"):
            line += f"\n           {outcome['error'].splitlines()[0][:300]}"
        progress(line)
        if len(p.outcomes) == len(p.sources):
            records[p.name] = finish(p)
            if on_finish:
                on_finish(p, records[p.name])

    try:
        (pool or execute_all)(queued, jobs, on_done, before)
    finally:
        for p in plans:
            _release(p)  # a run that did not finish: its work folder and lock go
    return [records[p.name] for p in plans]

def run(names: Sequence[str] | None = None, name: str = "default",
        parameters: Mapping[str, object] | None = None, jobs: int | None = None,
        out: Path | None = None, scenario: dict | None = None,
        each_declares: bool | None = None, from_files: Collection[str] = (),
        replace: bool = False, lang: str = "en") -> Path:
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
    lang : {"en", "ko"}
        The lessons' language: ``ko`` runs ``notebooks/ko/`` and writes Korean pages.

    The run's status is in ``<folder>/run.json`` (see :func:`finish`).
    """
    run_plan = prepare(names, name, parameters, out=out, scenario=scenario,
                       each_declares=each_declares, from_files=from_files, replace=replace,
                       lang=lang)
    progress(f"run {name}: {len(run_plan.sources)} notebook(s), "
             f"{max(1, min(jobs or default_jobs(), len(run_plan.sources)))} at a time, "
             f"into {run_plan.folder}")
    execute_plans([run_plan], jobs)
    return run_plan.folder
