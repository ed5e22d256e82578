"""Executing one notebook with papermill: a fresh kernel, the parameters injected, the notebook
saved once at the end (the ``dispatchlib`` papermill engine).
"""

from __future__ import annotations

import functools
import os
import sys
from pathlib import Path

from dispatchlib import results
from dispatchlib.paths import refuse_protected

KERNEL = "python3"

TIMEOUT_S = 600
#: run, sweep and scenario names: letters, digits, '.', '-', '_'; no path separators
#: (``\Z``, not ``$``, which would let a trailing newline through)

def execute(source: Path, target: Path, parameters: dict | None = None) -> Path:
    """Run one notebook with papermill into ``target`` and write its results next to it.

    The kernel sees ``DISPATCHLIB_HEADLESS=1``, so slider explorers step aside. Each notebook
    gets a fresh kernel (warm, forked from the run's fork server, when one is running and
    ``--cold`` was not given: :mod:`dispatchlib.run.warm`), stopped as soon as its last cell
    has answered (nothing of it is used after that). The executed copy is written once, at the
    end, or when execution stops for any reason (a cell's error, a timeout, a dead kernel),
    with the cells run so far.

    Raises
    ------
    DispatchlibError
        If ``target`` lies inside ``notebooks/`` or ``data/`` (:func:`refuse_protected`):
        ``refresh`` executes into a temporary folder and then replaces the lesson itself.
    """
    import papermill

    from dispatchlib.run.warm import DIED_AT_START, NOTEBOOK_ENV, WarmKernelManager

    refuse_protected(target)
    target.parent.mkdir(parents=True, exist_ok=True)
    os.environ["DISPATCHLIB_HEADLESS"] = "1"
    os.environ[NOTEBOOK_ENV] = str(Path(source).resolve())  # for the fork server, not the kernel
    for attempt in range(1 + START_RETRIES):
        try:
            papermill.execute_notebook(str(source), str(target), parameters=parameters or {},
                                       kernel_name=KERNEL, progress_bar=False,
                                       execution_timeout=TIMEOUT_S, engine_name=_engine(),
                                       shutdown_kernel="immediate",
                                       kernel_manager_class=WarmKernelManager)
            break
        except RuntimeError as exc:
            if attempt == START_RETRIES or str(exc) != DIED_AT_START:
                raise
            print(f"dispatchlib: the kernel for {Path(source).name} ended before it answered "
                  "(most often a port taken by another process between its choice and the "
                  "kernel's start); starting a new kernel", file=sys.stderr, flush=True)
    results.write(target)
    return target


START_RETRIES = 1
"""Kernels started again with new ports after one ended before its first answer
(:data:`dispatchlib.run.warm.DIED_AT_START`: no cell has run yet)."""

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
