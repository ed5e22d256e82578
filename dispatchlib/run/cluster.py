"""Sweeps on a Dask cluster: ``python -m dispatchlib sweep GRID --scheduler ADDRESS``.

The client (the machine running the command) plans, locks and writes everything, exactly as for
a local sweep; the cluster's workers only execute notebooks. Each task carries the source
notebook's bytes and its parameters; the worker executes it in a temporary folder of its own
with the runner's usual entry point (:func:`dispatchlib.run.workers._work`; warm kernels from a
fork server each worker process starts once, or cold ones with ``--cold``) and sends back the
executed notebook, its log and its results as bytes. The client writes them into the run's
hidden work folder, draws the page and publishes the run folder in one step, as for a local
run. No shared file system is needed: only the same repository (for the library and ``data/``)
and environment on every worker, checked by the worker against the SHA-256 of the client's
``data/`` and dispatchlib's version.

A worker that dies while it runs a notebook loses nothing but that attempt: the scheduler hands
the task to another worker, and a task whose function itself raised is retried
(:data:`RETRIES`); a task that still fails is reported failed and the others finish. Running
the sweep again runs only what is missing.
"""

from __future__ import annotations

import atexit
import contextlib
import os
import tempfile
import threading
import time
from collections.abc import Callable, Sequence
from pathlib import Path

from dispatchlib.errors import DispatchlibError
from dispatchlib.run.workers import Task, _describe, _page, _work

RETRIES = 2
"""How many times a task whose function raised is tried again (``Client.submit(retries=)``);
a worker that dies is handled by the scheduler, which runs the task elsewhere."""

SUFFIXES = (".ipynb", ".log", ".results.json")
"""The files a worker sends back for each notebook (those that exist)."""


_WARM: list = []
"""This worker process's fork server for warm kernels, once started (:func:`_warm_kernels`)."""
_WARM_LOCK = threading.Lock()


def _warm_kernels(cold: bool) -> None:
    """Warm or cold kernels for the notebooks of this Dask worker process.

    Warm (``cold`` false): a fork server (:func:`dispatchlib.run.warm.start`) is started the
    first time and kept for the worker's life (it ends with the worker process); when it
    cannot start, the kernels start cold and each outcome's ``not_warm`` says why. Cold:
    :data:`~dispatchlib.run.warm.COLD_ENV` is set for the process, as ``--cold`` does locally.
    """
    from dispatchlib.run import warm

    with _WARM_LOCK:
        if cold:
            os.environ[warm.COLD_ENV] = "1"
            return
        os.environ.pop(warm.COLD_ENV, None)
        if not _WARM:
            stack = contextlib.ExitStack()
            stack.enter_context(warm.start())
            _WARM.append(stack)
            atexit.register(stack.close)


def execute_remote(name: str, source: bytes, parameters: dict, run_label: str,
                   data_sha256: str, version: str, cold: bool = False) -> dict:
    """Execute one notebook on a Dask worker; return its outcome and its files as bytes.

    A module-level function, so that Dask pickles it by reference (the worker imports it from
    its own checkout).

    Parameters
    ----------
    name : str
        The notebook's file name (``02_economics.ipynb``).
    source : bytes
        The source notebook.
    parameters : dict
        The checked values to inject.
    run_label : str
        ``run SWEEP/RUN``, for messages.
    data_sha256, version : str
        The client's hash of ``data/`` and dispatchlib version: a worker whose checkout differs
        refuses the task (a notebook failure naming the difference), so that no number comes
        from other data.
    cold : bool
        Cold kernels (``--cold`` on the client); else warm ones from this worker's fork server
        (:func:`_warm_kernels`).

    Returns
    -------
    dict
        ``status``, ``error``, ``results``, ``seconds`` as a local worker's outcome, plus
        ``files`` (``{suffix: bytes}``) and ``executor`` (``kind``, ``worker``).
    """
    from dispatchlib import __version__
    from dispatchlib.run.run_record import data_hash

    worker = _worker_address()
    executor = {"kind": "dask", "worker": worker}
    mine = data_hash()
    if mine != data_sha256 or __version__ != version:
        what = (f"data/ (SHA-256 {mine[:12]}..., the client's {data_sha256[:12]}...)"
                if mine != data_sha256 else f"dispatchlib {__version__} (the client's {version})")
        return {"status": "failed", "results": None, "seconds": 0.0, "files": {},
                "executor": executor,
                "error": f"worker {worker} has another {what}: install the same checkout of "
                         "the repository on every worker"}
    _warm_kernels(cold)
    with tempfile.TemporaryDirectory(prefix="dispatchlib-dask-") as tmp:
        src = Path(tmp) / "source" / name
        src.parent.mkdir()
        src.write_bytes(source)
        target = Path(tmp) / "out" / name
        target.parent.mkdir()
        outcome = _work(Task(run_label, src, target, parameters, run_label))
        stem = target.with_suffix("")
        files = {}
        for suffix in SUFFIXES:
            path = stem.with_name(stem.name + suffix)
            if path.is_file():
                files[suffix] = path.read_bytes()
    return {**outcome, "files": files, "executor": executor}


def _worker_address() -> str:
    try:
        from distributed import get_worker

        return str(get_worker().address)
    except (ImportError, ValueError):  # pragma: no cover - called outside a worker
        return "unknown"


def connect(address: str):
    """A ``distributed.Client`` of the scheduler at ``address`` (waiting for it as long as
    Dask's ``distributed.comm.timeouts.connect`` setting says, 30 s by default).

    Raises
    ------
    DispatchlibError
        When distributed is not installed or the scheduler does not answer, naming the address.
    """
    try:
        from distributed import Client
    except ImportError:
        raise DispatchlibError("--scheduler needs dask and distributed: pip install -c "
                               "constraints.txt -e \".[cluster]\"") from None
    try:
        return Client(address, set_as_default=False)
    except (OSError, TimeoutError) as exc:
        raise DispatchlibError(f"scheduler {address!r} does not answer: {exc}") from None


def execute_all(all_tasks: Sequence[Task], jobs: int | None = None,
                on_done: Callable[[Task, dict], None] | None = None,
                before: Callable[[Task], Task] | None = None, *, client,
                scheduler: str) -> list[dict]:
    """Execute tasks on a Dask cluster; the same contract as
    :func:`dispatchlib.run.workers.execute_all`. Each worker process runs warm kernels from
    a fork server of its own, or cold ones when ``--cold`` was given here.

    At most ``2 * jobs`` tasks are on the cluster at once (``jobs`` defaults to the number of
    worker threads), so a sweep of any size holds only a few runs open. Each returned notebook
    is written into its task's target folder, then its page is drawn here.

    Parameters
    ----------
    client : distributed.Client
        Connected to the scheduler.
    scheduler : str
        The scheduler's address, as recorded in ``run.json``.
    """
    from distributed import as_completed

    from dispatchlib import __version__
    from dispatchlib.run.run_record import data_hash
    from dispatchlib.run.warm import COLD_ENV, say_cold

    if not all_tasks:
        return []
    if jobs is None:
        jobs = max(1, sum(client.nthreads().values()))
    data_sha256 = data_hash()
    cold = os.environ.get(COLD_ENV) == "1"
    told = cold
    queue = iter(enumerate(all_tasks))
    injected: dict[int, Task] = {}
    outcomes: dict[int, dict] = {}
    index: dict = {}
    pending = as_completed(loop=client.loop)

    def hand_out() -> None:
        while pending.count() < 2 * jobs:
            i, task = next(queue, (None, None))
            if task is None:
                return
            injected[i] = before(task) if before else task
            fut = client.submit(execute_remote, task.source.name, task.source.read_bytes(),
                                injected[i].parameters, injected[i].run_label, data_sha256,
                                __version__, cold, pure=False, retries=RETRIES,
                                key=f"dispatchlib-{injected[i].run}-{task.source.stem}-"
                                    f"{os.getpid()}-{i}")
            index[fut.key] = i
            pending.add(fut)

    try:
        hand_out()
        while not pending.is_empty():
            fut = next(pending)
            i = index.pop(fut.key)
            task = injected[i]
            try:
                outcome = fut.result()
            except Exception as exc:  # noqa: BLE001 - a task lost or failed on every try
                outcome = {"status": "failed", "error": f"on the Dask cluster: {_describe(exc)}",
                           "results": None, "seconds": 0.0, "files": {},
                           "executor": {"kind": "dask", "worker": "unknown"}}
            fut.release()
            started = time.perf_counter()
            stem = task.target.with_suffix("")
            for suffix, data in outcome.pop("files").items():
                stem.with_name(stem.name + suffix).write_bytes(data)
            outcome["executor"] = {**outcome["executor"], "scheduler": scheduler}
            if outcome.get("not_warm") and not told:  # once, as for a local sweep
                told = say_cold(f"on worker {outcome['executor']['worker']}: "
                                f"{outcome['not_warm']}")
            outcome["seconds"] += time.perf_counter() - started
            outcomes[i] = _page(task, outcome)
            if on_done:
                on_done(task, outcomes[i])
            hand_out()
    except BaseException:
        for fut in list(pending.futures):
            fut.cancel()
        raise
    return [outcomes[i] for i in range(len(all_tasks))]
