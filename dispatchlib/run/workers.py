"""The worker pool: notebooks executed in parallel worker processes (``--jobs``), each writing its
executed copy, log, results and HTML page; workers end with the runner, even when it is killed
(:func:`_die_with_parent`).
"""

from __future__ import annotations

import os
import re
import sys
import tempfile
import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

from dispatchlib import results
from dispatchlib.run.engine import _engine, execute
from dispatchlib.run.kernel_needs import cell_sources
from dispatchlib.run.warm import COLD_ENV, last_launch, say_cold, start


def default_jobs() -> int:
    """Number of cores this process may use."""
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except AttributeError:  # pragma: no cover - not Linux
        return max(1, os.cpu_count() or 1)

@dataclass(frozen=True)
class Task:
    """One notebook to execute in a worker process."""

    run: str
    source: Path
    target: Path
    parameters: dict
    run_label: str

def _describe(exc: BaseException) -> str:
    ename = getattr(exc, "ename", None)
    if ename:
        where = getattr(exc, "exec_count", None)
        cell = f" (cell In [{where}])" if where is not None else ""
        return f"{ename}: {getattr(exc, 'evalue', '')}{cell}"
    return f"{type(exc).__name__}: {exc}"[:2000]

def _warm_pages(tasks: Sequence[Task] = ()) -> None:
    """Load what a page needs (nbconvert and its templates; matplotlib's mathtext too when a
    notebook of ``tasks`` has a formula, :func:`_has_formulas`) by rendering a two-cell page in
    a temporary folder. A failure is left for the real pages to report."""
    try:
        import nbformat
        from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook

        from dispatchlib.run import pages as report

        sources = dict.fromkeys(t.source for t in tasks)  # a sweep runs one notebook often
        text = "$x^2$" if any(_has_formulas(source) for source in sources) else "x"
        with tempfile.TemporaryDirectory() as tmp:
            path = Path(tmp) / "warm-up.ipynb"
            nb = new_notebook(cells=[new_markdown_cell(text), new_code_cell("1")])
            nbformat.write(nb, str(path))
            report.render_notebook(path)
    except Exception:  # noqa: BLE001 - only a head start
        pass

def _has_formulas(source: Path) -> bool:
    """Whether a markdown cell of the notebook at ``source`` has a ``$`` (a formula, drawn with
    mathtext on its page); ``True`` when it cannot be read."""
    try:
        return any("$" in text for text in cell_sources(source, "markdown"))
    except Exception:  # noqa: BLE001 - the worker reports an unreadable notebook
        return True


def _work(task: Task) -> dict:
    """Execute one notebook and keep its results (runs in a worker; :func:`_page` then makes
    its page in the parent process)."""
    os.environ["DISPATCHLIB_HEADLESS"] = "1"
    os.environ.pop("MPLBACKEND", None)  # Agg would drop every inline figure
    start = time.perf_counter()
    out: dict = {"status": "ok", "error": None, "results": None}
    os.write(2, f"  started  {task.source.stem} ({task.run_label})\n".encode())
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
                out["kernel"], out["not_warm"] = last_launch()
                sys.stderr.flush()
                os.dup2(saved, 2)
    finally:
        os.close(saved)
    _drop_noise(task.target.with_suffix(".log"))
    os.write(2, f"  executed {task.source.stem} ({task.run_label}) in "
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

            report.render_notebook(task.target, back_link=task.run_label)
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
    """Execute tasks in parallel worker processes, each notebook in its own fresh kernel:
    warm, forked from one fork server started for the call (:mod:`dispatchlib.run.warm`),
    unless :data:`~dispatchlib.run.warm.COLD_ENV` is ``1`` (``--cold``). When warm kernels
    cannot start, the notebooks run in cold kernels and one line on stderr says why.
    """
    if not all_tasks:
        return []
    if os.environ.get(COLD_ENV) == "1":
        return _execute_all(all_tasks, jobs, on_done, before)
    with start() as why:
        told = [why is not None]
        if why is not None:
            say_cold(why)

        def done(task: Task, outcome: dict) -> None:
            if outcome.get("not_warm") and not told[0]:
                told[0] = True
                say_cold(outcome["not_warm"])
            if on_done:
                on_done(task, outcome)

        return _execute_all(all_tasks, jobs, done, before)

def _execute_all(all_tasks: Sequence[Task], jobs: int | None = None,
                 on_done: Callable[[Task, dict], None] | None = None,
                 before: Callable[[Task], Task] | None = None) -> list[dict]:
    """The pool of :func:`execute_all`.

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
    injected: dict[int, Task] = {}
    running: dict = {}
    rendering: dict = {}
    pending: set = set()

    def hand_out() -> None:
        while len(pending) < 2 * jobs:
            i, task = next(queue, (None, None))
            if task is None:
                return
            injected[i] = before(task) if before else task
            fut = pool.submit(_work, injected[i])  # the first forks the workers
            running[fut] = i
            pending.add(fut)

    try:
        hand_out()
        pages = ThreadPoolExecutor(max_workers=1, thread_name_prefix="dispatchlib-pages")
        pages.submit(_warm_pages, all_tasks)
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
                    page = pages.submit(_page, injected[i], outcome)
                    rendering[page] = i
                    pending.add(page)
                else:
                    i = rendering.pop(fut)
                    outcomes[i] = fut.result()
                    if on_done:
                        on_done(injected[i], outcomes[i])
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
