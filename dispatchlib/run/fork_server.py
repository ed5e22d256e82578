"""The fork server of warm kernels: one process that imports the stack once, then forks one
fresh kernel per request (:func:`serve`).

A cold kernel is a new Python process that imports numpy, pandas, matplotlib, statsmodels and
dispatchlib before the notebook's first line does any work: about 2 s of CPU per notebook. The
server (started by :func:`dispatchlib.run.warm.start`, one per run or sweep) imports them once,
then forks one fresh process per notebook, which becomes an ipykernel with the connection file
jupyter_client wrote. Where every notebook it may be asked for is light (the standard library,
``dl.check`` and ``dl.record``: the runner tests' tiny notebooks), it imports only the kernel
and NumPy. What a notebook needs is read from its code by :mod:`dispatchlib.run.kernel_needs`.
The notebook's code runs only in that child, which ends with it, so every notebook still starts
from the server's state, never from another notebook's.

Safety of the fork: the server runs no Python thread, creates no zmq context and draws no
figure before it forks (checked before every fork; imports only). The child starts a new
session, takes the file descriptors of its worker (stdin, stdout, stderr, sent over the Unix
socket), the worker's environment and working directory, reseeds ``random`` and NumPy's global
generator from the operating system (as a new process would be), and ends when its worker ends
or the server ends. OpenBLAS's own thread pool is prepared for a fork by OpenBLAS; the thread
settings (``OPENBLAS_NUM_THREADS``, ``OMP_NUM_THREADS``) are whatever the run's environment
says, as for cold kernels.

The side that asks for kernels (the provisioner plugged into jupyter_client) is
:mod:`dispatchlib.run.warm`.
"""

from __future__ import annotations

import contextlib
import importlib
import json
import os
import signal
import socket
import sys
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any, NamedTuple

from dispatchlib.run.kernel_needs import (
    ON_DEMAND,
    file_needs,
    notebook_modules,
    only_light_notebooks,
)

#: imported once by the server, in this order (a module that fails to import is skipped),
#: then every module of dispatchlib a notebook may import (:func:`kernel_needs.notebook_modules`)
STACK = ("numpy", "pandas", "matplotlib", "matplotlib.pyplot", "matplotlib_inline.backend_inline",
         "ipykernel.kernelapp", "ipykernel.ipkernel", "ipykernel.zmqshell",
         "IPython.core.completer", "dispatchlib")
#: what every kernel would otherwise import for itself between its fork and its last cell:
#: ipykernel's debugger (debugpy, a tenth of a second of CPU per kernel), IPython's history
#: (sqlite3), magics and inspectors, tornado's queues, psutil, and what displaying a table or
#: saving a PNG loads (imports only: none of them starts a thread or changes a setting)
KERNEL = ("ipykernel.debugger", "IPython.core.history", "sqlite3", "IPython.core.debugger",
          "IPython.core.completerlib", "IPython.core.oinspect", "IPython.core.logger",
          "IPython.core.magic_arguments", "IPython.core.magics.pylab",
          "IPython.extensions.storemagic", "IPython.utils.wildcard", "faulthandler", "psutil",
          "tornado.locks", "tornado.queues", "tornado.platform.asyncio", "zmq.utils.garbage",
          "pandas.io.formats.html", "pandas.io.formats.string", "pandas.core.methods.to_dict",
          "encodings.idna", "encodings.utf_8_sig")
#: what the server imports instead of all the above when every notebook it may be asked for is
#: light (:func:`kernel_needs.only_light_notebooks`): the kernel itself and NumPy (which
#: ``dl.check`` loads); such a kernel imports anything else itself, as a cold kernel would
LIGHT_STACK = ("numpy", "ipykernel.kernelapp", "ipykernel.ipkernel", "ipykernel.zmqshell",
               "IPython.core.completer", "dispatchlib",
               *(k for k in KERNEL if not k.startswith("pandas")))
_MAX_REQUEST = 1 << 20

# ------------------------------------------------------------------------ the fork server

def serve(listener: socket.socket, parent: int) -> None:
    """Import :data:`STACK`, then fork one kernel per request on ``listener`` until it closes
    (importing what :data:`ON_DEMAND` lists before the first kernel that needs it).

    A request is one JSON message ``{"argv": [...], "env": {...}, "cwd": str,
    "watch": pid, "notebook": path or null}`` with three file descriptors (the kernel's stdin,
    stdout, stderr); the answer is ``{"pid": int}`` with a pidfd of the child, or
    ``{"error": str}``. ``parent`` is the runner's pid: the server ends with it. Of the requests
    waiting together, one it can fork at once (nothing left to import) goes first.
    """
    _die_with(parent)
    signal.signal(signal.SIGCHLD, _reap)  # so their CPU time counts as the server's children's
    os.environ.setdefault("MPLBACKEND", "module://matplotlib_inline.backend_inline")
    light = only_light_notebooks()
    with _imports_kept():
        if light:
            _import_quietly(LIGHT_STACK)
        else:
            _import_as_in_a_kernel("pandas")
            for name in STACK:
                with contextlib.suppress(Exception):
                    importlib.import_module(name)
            _import_keeping_settings(list(notebook_modules()))
            _import_quietly(KERNEL)
    if os.environ.get("MPLBACKEND") == "module://matplotlib_inline.backend_inline":
        del os.environ["MPLBACKEND"]  # the child takes its worker's environment anyway
    forked, imported = 0, set()
    waiting: list[_Request] = []
    while True:
        if not _take_requests(listener, waiting):
            return
        # a kernel the server can fork at once goes before one it must first import for: while
        # the server imports statsmodels for one notebook, another's kernel already runs
        ready = [r for r in waiting if light or isinstance(r.message, Exception)
                 or _needs(r.message, forked) <= imported]
        conn, request, fds = turn = (ready or waiting)[0]
        waiting.remove(turn)
        try:
            if isinstance(request, Exception):
                raise request
            if not light:
                for key in _needs(request, forked) - imported:
                    imported.add(key)
                    with _imports_kept():
                        _import_keeping_settings(list(ON_DEMAND[key]))
            forked += 1
            if threading.active_count() != 1:
                raise RuntimeError("the fork server runs a thread: not forking")
            pid = os.fork()
            if pid == 0:
                listener.close()
                conn.close()
                for other in waiting:  # another worker's pipes stay that worker's
                    other.close()
                _child(request, fds)  # never returns
            pidfd = os.pidfd_open(pid)
            socket.send_fds(conn, [json.dumps({"pid": pid}).encode()], [pidfd])
            os.close(pidfd)
        except Exception as exc:  # noqa: BLE001 - told to the worker, which goes cold
            with contextlib.suppress(OSError):
                conn.sendall(json.dumps({"error": f"{type(exc).__name__}: {exc}"}).encode())
        finally:
            turn.close()


class _Request(NamedTuple):
    """A worker's request for a kernel, as read from its connection: the JSON message (or what
    reading it raised, told to the worker when its turn comes) and its three file descriptors."""

    conn: socket.socket
    message: Any
    fds: list[int]

    def close(self) -> None:
        for fd in self.fds:
            with contextlib.suppress(OSError):
                os.close(fd)
        self.conn.close()


def _take_requests(listener: socket.socket, waiting: list[_Request]) -> bool:
    """Add to ``waiting`` every request on ``listener``: at least one (waiting for it when none
    is waiting yet), then all that are already there. ``False`` when the listener is closed."""
    while True:
        try:
            if waiting:
                listener.setblocking(False)
            conn, _ = listener.accept()
        except BlockingIOError:
            return True
        except OSError:
            return bool(waiting)
        finally:
            with contextlib.suppress(OSError):
                listener.setblocking(True)
        conn.setblocking(True)
        fds: list[int] = []
        try:
            msg, fds, _, _ = socket.recv_fds(conn, _MAX_REQUEST, 3)
            message = json.loads(msg)
            if not isinstance(message, dict):
                raise ValueError("a request is a JSON object")
            if len(fds) != 3:
                raise ValueError(f"expected 3 file descriptors, got {len(fds)}")
        except Exception as exc:  # noqa: BLE001 - answered in its turn
            message = exc
        waiting.append(_Request(conn, message, fds))


@contextlib.contextmanager
def _imports_kept() -> Iterator[None]:
    """Import in the block with the garbage collector off, then move every object there is to
    its permanent generation (``gc.freeze``) and turn it back on.

    Imports make no garbage worth collecting, but each collection they trigger walks every
    object imported so far: a quarter of a second of the server's start. Frozen, those objects
    are never walked again, neither by the server nor by the kernels forked from it (whose own
    objects are collected as usual), and a collection in a kernel no longer writes to the pages
    it shares with the server.
    """
    import gc

    gc.disable()
    try:
        yield
    finally:
        gc.freeze()
        gc.enable()


def _needs(request: dict, forked: int) -> set[str]:
    """Which keys of :data:`ON_DEMAND` to import before forking the kernel ``request`` asks for.

    When the request names its notebook (``"notebook"``, from the worker's
    :data:`~dispatchlib.run.warm.NOTEBOOK_ENV`): those its code needs
    (:func:`~dispatchlib.run.kernel_needs.file_needs`), whatever kernel it is (the kernel would
    import them itself, at the same cost); none otherwise. When it does not (papermill or nbgrader
    driving warm kernels themselves): all of them before the second kernel, as a command running one
    notebook should not pay for what its kernel may not need. A kernel whose notebook needs a module
    the server skipped imports it itself, as a cold kernel does.
    """
    path = request.get("notebook")
    if not path:
        return set(ON_DEMAND) if forked >= 1 else set()
    return set(file_needs(path))


def _import_keeping_settings(names: list[str]) -> None:
    """Import ``names``; put matplotlib's and pandas' settings back if an import changed them
    (a cold kernel that never imports that module would not see the change)."""
    import matplotlib
    import pandas

    rc = dict(matplotlib.rcParams)
    options = {k: pandas.get_option(k) for k in pandas._config.config._registered_options}
    for name in names:
        with contextlib.suppress(Exception):
            importlib.import_module(name)
    if dict(matplotlib.rcParams) != rc:
        with contextlib.suppress(Exception):
            matplotlib.rcParams.update(rc)
    for key, value in options.items():
        with contextlib.suppress(Exception):
            if pandas.get_option(key) != value:
                pandas.set_option(key, value)


def _import_quietly(names: tuple[str, ...]) -> None:
    """Import ``names`` (skipping any that fails) with the server's stderr silenced (debugpy
    prints a note about frozen modules on import; a kernel's goes to its own log), and load
    Pillow's image plugins as saving a figure would."""
    saved = os.dup(2)
    try:
        with open(os.devnull, "wb") as null:
            os.dup2(null.fileno(), 2)
        for name in names:
            with contextlib.suppress(Exception):
                importlib.import_module(name)
        with contextlib.suppress(Exception):
            from PIL import Image

            Image.preinit()
    finally:
        os.dup2(saved, 2)
        os.close(saved)


def _reap(*_: object) -> None:
    """Collect every kernel that has ended (SIGCHLD handler of the server)."""
    while True:
        try:
            pid, _status = os.waitpid(-1, os.WNOHANG)
        except ChildProcessError:
            return
        if pid == 0:
            return


def _import_as_in_a_kernel(name: str) -> None:
    """Import ``name`` while ``get_ipython()`` answers as in a kernel.

    pandas decides some display defaults when imported, by asking whether it runs in a Jupyter
    kernel (``display.max_columns``: 20 in a kernel, 0 = the terminal's width elsewhere); the
    server imports it before any kernel exists, so it is told what a kernel would tell it.
    """
    import builtins

    class Kernel:
        kernel = True

    had = hasattr(builtins, "get_ipython")
    if not had:
        builtins.get_ipython = Kernel  # type: ignore[attr-defined] - pandas calls it
    try:
        with contextlib.suppress(Exception):
            importlib.import_module(name)
    finally:
        if not had:
            del builtins.get_ipython  # type: ignore[attr-defined]


def _child(request: dict, fds: list[int]) -> None:
    """Become the kernel: fresh session, the worker's streams, environment and folder."""
    code = 1
    try:
        os.setsid()
        for target, fd in enumerate(fds):
            os.dup2(fd, target)
            os.close(fd)
        for sig in (signal.SIGCHLD, signal.SIGTERM, signal.SIGPIPE):
            signal.signal(sig, signal.SIG_DFL)
        signal.signal(signal.SIGINT, signal.default_int_handler)
        os.environ.clear()
        os.environ.update(request["env"])
        os.chdir(request["cwd"])
        _reseed()
        _die_with(os.getppid())
        _watch(int(request["watch"]))
        from importlib.util import find_spec

        from ipykernel.kernelapp import IPKernelApp

        cwd = Path.cwd()
        sys.path[:] = [p for p in sys.path if p not in ("", str(cwd))]
        sys.argv = [find_spec("ipykernel_launcher").origin, *request["argv"]]
        # the kernel watches its worker, as a cold one does (JPY_PARENT_PID is read when
        # ipykernel is imported, here in the server, so it is given again)
        app = IPKernelApp.instance(parent_handle=int(request["watch"]))
        app.initialize(request["argv"])
        _inline_figures()
        app.start()
        code = 0
    except SystemExit as exc:
        code = exc.code if isinstance(exc.code, int) else 1
    except BaseException:  # noqa: BLE001 - reported on the kernel's stderr
        import traceback

        traceback.print_exc()
    finally:
        with contextlib.suppress(Exception):
            sys.stdout.flush()
            sys.stderr.flush()
        os._exit(code)


def _inline_figures() -> None:
    """Show figures inline, as in a cold kernel, even in a notebook without
    ``%matplotlib inline``.

    In a cold kernel, importing pyplot loads the inline backend, whose import hooks it into
    the kernel's shell (the PNG of each figure after a cell runs). Here the server loaded it
    before there was a shell, so the child does that step itself, once its shell exists.
    Nothing is done when pyplot is not loaded (a light server) or another backend is chosen.
    """
    backend = sys.modules.get("matplotlib_inline.backend_inline")
    if backend is not None and "matplotlib.pyplot" in sys.modules:
        backend._enable_matplotlib_integration()  # what the module runs when imported


def _reseed() -> None:
    """New seeds for the generators a new process would seed from the system."""
    import random

    random.seed()
    np = sys.modules.get("numpy")
    if np is not None:
        np.random.seed()


def _die_with(parent: int) -> None:
    """Receive SIGKILL when the parent process ends (Linux); end now if it already has."""
    import ctypes

    with contextlib.suppress(OSError, AttributeError):
        ctypes.CDLL(None, use_errno=True).prctl(1, signal.SIGKILL, 0, 0, 0)  # PR_SET_PDEATHSIG
    if os.getppid() != parent:
        os._exit(1)


def _watch(pid: int) -> None:
    """End this kernel when the worker that asked for it ends (as a cold kernel's parent
    poller does for its parent)."""
    try:
        pidfd = os.pidfd_open(pid)
    except OSError:
        os._exit(1)

    def wait() -> None:
        import select

        select.select([pidfd], [], [])
        os._exit(1)

    threading.Thread(target=wait, daemon=True, name="dispatchlib-worker-watch").start()


def _main(fd: int, parent: int) -> None:
    """Entry point of the server process (:func:`dispatchlib.run.warm.start`)."""
    serve(socket.socket(fileno=fd), parent)

