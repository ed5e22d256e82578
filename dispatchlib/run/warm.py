"""Warm kernels: each notebook's kernel forked from a server that has the stack imported.

A cold kernel is a new Python process that imports numpy, pandas, matplotlib, statsmodels and
dispatchlib before the notebook's first line does any work: about 2 s of CPU per notebook. The
**fork server** (:func:`serve`, one per run or sweep, started by :func:`start`) imports them
once, then forks one fresh process per notebook, which becomes an ipykernel with the connection
file jupyter_client wrote. Where every notebook it may be asked for is light (the standard
library, ``dl.check`` and ``dl.record``: the runner tests' tiny notebooks), it imports only the
kernel and NumPy (:func:`_only_light_notebooks`). The notebook's code runs only in that child,
which ends with it, so every notebook still starts from the server's state, never from another
notebook's.

Safety of the fork: the server runs no Python thread, creates no zmq context and draws no
figure before it forks (checked before every fork; imports only). The child starts a new
session, takes the file descriptors of its worker (stdin, stdout, stderr, sent over the Unix
socket), the worker's environment and working directory, reseeds ``random`` and NumPy's global
generator from the operating system (as a new process would be), and ends when its worker ends
or the server ends. OpenBLAS's own thread pool is prepared for a fork by OpenBLAS; the thread
settings (``OPENBLAS_NUM_THREADS``, ``OMP_NUM_THREADS``) are whatever the run's environment
says, as for cold kernels.

:class:`WarmProvisioner` plugs this into jupyter_client as a kernel provisioner (registered as
``dispatchlib-warm`` under ``jupyter_client.kernel_provisioners``); the runner passes it to the
kernel manager directly (:class:`WarmKernelManager`), so papermill and nbval used on their own
keep their usual kernels. When the server cannot be reached, or the kernel command is not
ipykernel's, the provisioner starts a cold kernel instead and says why
(:func:`last_launch`).
"""

from __future__ import annotations

import contextlib
import functools
import importlib
import json
import os
import signal
import socket
import subprocess
import sys
import tempfile
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from jupyter_client.asynchronous import AsyncKernelClient
from jupyter_client.manager import AsyncKernelManager
from jupyter_client.provisioning import LocalProvisioner
from traitlets import DottedObjectName, Type

SOCKET_ENV = "DISPATCHLIB_WARM_SOCKET"
"""Path of the fork server's Unix socket, set by :func:`start` for the worker processes (never
passed on to a kernel)."""
COLD_ENV = "DISPATCHLIB_COLD_KERNELS"
"""``1``: start every kernel cold, as before warm kernels (``--cold``)."""
SHARED_ENV = "DISPATCHLIB_SHARED_FORK_SERVER"
"""Socket of a fork server that a parent process keeps running for the commands it starts
(the test suite's, one per test process: ``tests/conftest.py``): :func:`start` then forks the
kernels from it instead of starting a server of its own. Unset, or empty, or not a socket:
every command starts its own, as always."""

#: imported once by the server, in this order (a module that fails to import is skipped),
#: then every module of dispatchlib a notebook may import (:func:`_notebook_modules`)
STACK = ("numpy", "pandas", "matplotlib", "matplotlib.pyplot", "matplotlib_inline.backend_inline",
         "ipykernel.kernelapp", "ipykernel.ipkernel", "ipykernel.zmqshell",
         "IPython.core.completer", "dispatchlib")
#: what only some notebooks use, each imported by the server just before it forks the first
#: kernel that needs it (:func:`_needs`), never for one that does not: a command running one
#: notebook (a rerun), or a sweep of one, pays for what its kernels would import themselves, as
#: cold kernels would, and nothing more. seaborn (about 0.7 s of CPU with the scipy.stats it
#: loads) for the one figure drawn with it, 02_economics' Monte Carlo histogram; of
#: statsmodels, the linear models that 01 and 03 fit (about 0.25 s; its formula interface,
#: which they also import, is left to them).
ON_DEMAND = {"seaborn": ("seaborn",), "statsmodels": ("statsmodels.regression.linear_model",)}
NOTEBOOK_ENV = "DISPATCHLIB_NOTEBOOK"
"""The notebook a worker is executing (set by :func:`dispatchlib.run.engine.execute`); the fork
server reads it in the kernel's request and does not pass it on to the kernel."""
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
#: light (:func:`_only_light_notebooks`): the kernel itself and NumPy (which ``dl.check`` loads);
#: such a kernel imports anything else itself, as a cold kernel would
LIGHT_STACK = ("numpy", "ipykernel.kernelapp", "ipykernel.ipkernel", "ipykernel.zmqshell",
               "IPython.core.completer", "dispatchlib",
               *(k for k in KERNEL if not k.startswith("pandas")))
#: what a light notebook may use of dispatchlib (``dl.check``, ``dl.record``)
LIGHT_API = ("check", "record")
#: dispatchlib's modules a notebook never imports (the runner, the command line)
NOT_IN_NOTEBOOKS = ("dispatchlib.run", "dispatchlib.cli", "dispatchlib.__main__")
CONNECT_TIMEOUT_S = 60.0
"""How long a worker waits for the server's answer (the first waits for its imports)."""

_MAX_REQUEST = 1 << 20


# ------------------------------------------------------------------------ the fork server

def serve(listener: socket.socket, parent: int) -> None:
    """Import :data:`STACK`, then fork one kernel per request on ``listener`` until it closes
    (importing what :data:`ON_DEMAND` lists before the first kernel that needs it).

    A request is one JSON message ``{"argv": [...], "env": {...}, "cwd": str,
    "watch": pid}`` with three file descriptors (the kernel's stdin, stdout, stderr); the
    answer is ``{"pid": int}`` with a pidfd of the child, or ``{"error": str}``.
    ``parent`` is the runner's pid: the server ends with it.
    """
    _die_with(parent)
    signal.signal(signal.SIGCHLD, _reap)  # so their CPU time counts as the server's children's
    os.environ.setdefault("MPLBACKEND", "module://matplotlib_inline.backend_inline")
    light = _only_light_notebooks()
    with _imports_kept():
        if light:
            _import_quietly(LIGHT_STACK)
        else:
            _import_as_in_a_kernel("pandas")
            for name in STACK:
                with contextlib.suppress(Exception):
                    importlib.import_module(name)
            _import_keeping_settings(_notebook_modules())
            _import_quietly(KERNEL)
    if os.environ.get("MPLBACKEND") == "module://matplotlib_inline.backend_inline":
        del os.environ["MPLBACKEND"]  # the child takes its worker's environment anyway
    forked, imported = 0, set()
    while True:
        fds: list[int] = []
        try:
            conn, _ = listener.accept()
        except OSError:
            return
        with conn:
            try:
                msg, fds, _, _ = socket.recv_fds(conn, _MAX_REQUEST, 3)
                request = json.loads(msg)
                if len(fds) != 3:
                    raise ValueError(f"expected 3 file descriptors, got {len(fds)}")
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
                    _child(request, fds)  # never returns
                pidfd = os.pidfd_open(pid)
                socket.send_fds(conn, [json.dumps({"pid": pid}).encode()], [pidfd])
                os.close(pidfd)
            except Exception as exc:  # noqa: BLE001 - told to the worker, which goes cold
                with contextlib.suppress(OSError):
                    conn.sendall(json.dumps({"error": f"{type(exc).__name__}: {exc}"}).encode())
            finally:
                for fd in fds:
                    with contextlib.suppress(OSError):
                        os.close(fd)


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


def _only_light_notebooks() -> bool:
    """Whether every notebook the server may be asked for (``NN_*.ipynb`` in the notebooks
    folder and its language folders) is light: its code imports only the standard library and
    ``dispatchlib``, uses no more of dispatchlib than :data:`LIGHT_API`, and has no magic (the
    tiny notebooks of the runner's tests). Then importing the stack would cost more than the
    kernels save; the kernels are the same either way (what is not imported before the fork,
    a kernel imports itself, as a cold one does). ``False`` when none is found or one cannot be
    read."""
    import ast
    import re

    from dispatchlib import paths

    folder = paths.notebooks_dir()
    found = [p for p in [*folder.glob("*.ipynb"), *folder.glob("*/*.ipynb")]
             if re.fullmatch(r"\d\d_[a-z0-9-]+\.ipynb", p.name)]
    try:
        for path in found:
            for source in cell_sources(path, "code"):
                if not _light_code(ast.parse(source)):
                    return False
    except Exception:  # noqa: BLE001 - unreadable, or a magic (not Python): the whole stack
        return False
    return bool(found)


def _needs(request: dict, forked: int) -> set[str]:
    """Which keys of :data:`ON_DEMAND` to import before forking the kernel ``request`` asks for.

    When the request names its notebook (:data:`NOTEBOOK_ENV`): those its code needs
    (:func:`notebook_needs`), whatever kernel it is (the kernel would import them itself, at
    the same cost); none otherwise. When it does not (papermill or nbgrader driving warm kernels
    themselves): all of them before the second kernel, as a command running one notebook should
    not pay for what its kernel may not need. A kernel whose notebook needs a module the server
    skipped imports it itself, as a cold kernel does.
    """
    path = (request.get("env") or {}).get(NOTEBOOK_ENV)
    if not path:
        return set(ON_DEMAND) if forked >= 1 else set()
    try:
        stat = os.stat(path)
        return set(_needs_of(path, stat.st_mtime_ns, stat.st_size))
    except Exception:  # noqa: BLE001 - unreadable: import as if it needed them all
        return set(ON_DEMAND)


@functools.lru_cache(maxsize=64)
def _needs_of(path: str, _mtime_ns: int, _size: int) -> frozenset[str]:
    """:func:`notebook_needs` of the notebook at ``path``, read once per version of the file
    (a sweep asks for one notebook often)."""
    return frozenset(notebook_needs(cell_sources(path, "code")))


def notebook_needs(code: list[str]) -> set[str]:
    """The keys of :data:`ON_DEMAND` that notebook ``code`` (its code cells) needs: those it
    names itself (``import seaborn``), and those a function of dispatchlib it calls imports
    (:func:`_importers`: ``dl.plots.economics.distribution(...)`` draws with seaborn). Found by
    reading, not running: a miss only costs the kernel the import a cold kernel makes."""
    import re

    text = "\n".join(code)
    return {key for key, names in _importers().items()
            if re.search(rf"\b{key}\b", text)
            or (names and re.search(rf"\b(?:{'|'.join(map(re.escape, names))})\s*\(", text))}


@functools.cache
def _importers() -> dict[str, frozenset[str]]:
    """For each key of :data:`ON_DEMAND`, the names of dispatchlib's functions that import it
    when called: those whose body imports it, and those that call one of them, and so on. Read
    from the source of the modules a notebook may import (:func:`_notebook_modules`): their
    functions and methods, parsed only in the files that mention such a name. Computed once
    per process."""
    import ast
    from importlib.util import find_spec

    texts = {}
    for name in _notebook_modules():
        with contextlib.suppress(Exception):
            texts[name] = Path(find_spec(name).origin).read_text(encoding="utf-8")

    summaries: dict[str, list] = {}  # module: (name, modules it imports, names it calls)

    def functions(module: str) -> list[tuple[str, set[str], set[str]]]:
        if module not in summaries:
            summaries[module] = []
            tree = ast.parse(texts[module])
            for node in [*tree.body, *(n for c in tree.body if isinstance(c, ast.ClassDef)
                                       for n in c.body)]:  # functions and methods
                if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
                    imported, called = set(), set()
                    for inner in ast.walk(node):
                        if isinstance(inner, ast.Import):
                            imported |= {a.name.split(".")[0] for a in inner.names}
                        elif isinstance(inner, ast.ImportFrom) and not inner.level:
                            imported.add((inner.module or "").split(".")[0])
                        elif isinstance(inner, ast.Call):
                            called.add(getattr(inner.func, "attr", None)
                                       or getattr(inner.func, "id", ""))
                    summaries[module].append((node.name, imported, called))
        return summaries[module]

    importers = {}
    for key in ON_DEMAND:
        names = {name for module, text in texts.items()
                 if f"import {key}" in text or f"from {key}" in text
                 for name, imported, _ in functions(module) if key in imported}
        while names:  # the callers of those, until none is new
            more = {name for module, text in texts.items()
                    if any(f"{called}(" in text for called in names)
                    for name, _, calls in functions(module) if calls & names}
            if more <= names:
                break
            names |= more
        importers[key] = frozenset(names)
    return importers


def cell_sources(path: Path | str, cell_type: str) -> list[str]:
    """The source of every cell of ``cell_type`` (``"code"``, ``"markdown"``) of the notebook
    at ``path``, read as JSON (no nbformat: the fork server and the runner read notebooks
    before a kernel starts). Raises what reading or parsing raises."""
    cells = json.loads(Path(path).read_text(encoding="utf-8"))["cells"]
    return ["".join(c.get("source", "")) if isinstance(c.get("source"), list)
            else c.get("source", "") for c in cells if c.get("cell_type") == cell_type]


def _light_code(tree: Any) -> bool:
    """Whether parsed code is light (:func:`_only_light_notebooks`)."""
    import ast

    aliases = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            for alias in node.names:
                if alias.name == "dispatchlib":
                    aliases.add(alias.asname or alias.name)
                elif alias.name.split(".")[0] not in sys.stdlib_module_names:
                    return False
        elif isinstance(node, ast.ImportFrom):
            if node.level or (node.module or "").split(".")[0] not in sys.stdlib_module_names:
                return False
    used = {id(a.value) for a in ast.walk(tree)
            if isinstance(a, ast.Attribute) and a.attr in LIGHT_API}
    return all(id(n) in used for n in ast.walk(tree)
               if isinstance(n, ast.Name) and n.id in aliases)


def _notebook_modules() -> list[str]:
    """Every module of dispatchlib but those of :data:`NOT_IN_NOTEBOOKS`."""
    import pkgutil

    import dispatchlib

    return [m.name for m in pkgutil.walk_packages(dispatchlib.__path__, "dispatchlib.")
            if not m.name.startswith(NOT_IN_NOTEBOOKS)]


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
        os.environ.pop(NOTEBOOK_ENV, None)
        os.environ.pop(SHARED_ENV, None)
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
        IPKernelApp.launch_instance(argv=request["argv"], parent_handle=int(request["watch"]))
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


def available() -> str | None:
    """Why warm kernels cannot run here, or ``None`` when they can (Linux: fork and pidfds)."""
    if not sys.platform.startswith("linux"):
        return f"no fork server on {sys.platform}"
    if not (hasattr(os, "fork") and hasattr(os, "pidfd_open") and hasattr(socket, "send_fds")):
        return "this Python has no os.fork, os.pidfd_open or socket.send_fds"
    return None


@contextlib.contextmanager
def start() -> Iterator[str | None]:
    """Start a fork server for the duration of the block; yield ``None``, or why it could not
    start (the runner then uses cold kernels).

    The socket is bound and listening before the server starts, so a worker may connect at
    once: its request waits until the server has imported the stack. ``SOCKET_ENV`` names it
    for the worker processes while the block runs.
    """
    why = available()
    if why is not None:
        yield why
        return
    if os.environ.get(SOCKET_ENV) in _STARTED:  # started by an enclosing block: used as it is
        yield None
        return
    shared = os.environ.get(SHARED_ENV, "")
    if shared and _is_socket(shared):  # kept running by a parent process (SHARED_ENV)
        with _socket_named(shared):
            yield None
        return
    folder = tempfile.mkdtemp(prefix="dispatchlib-warm-")
    path = os.path.join(folder, "fork.sock")
    listener = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    proc = None
    try:
        listener.bind(path)
        listener.listen(64)
        env = {**os.environ, "DISPATCHLIB_HEADLESS": "1"}  # as a worker sets for its kernels
        env.pop(SOCKET_ENV, None)
        env.pop(SHARED_ENV, None)
        env.pop("MPLBACKEND", None)
        proc = subprocess.Popen(
            [sys.executable, "-c", "import gc; gc.disable(); import sys; "  # _imports_kept
             "from dispatchlib.run.warm import _main; _main(int(sys.argv[1]), int(sys.argv[2]))",
             str(listener.fileno()),
             str(os.getpid())],
            stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, env=env,
            pass_fds=(listener.fileno(),))
    except OSError as exc:
        listener.close()
        with contextlib.suppress(OSError):
            os.unlink(path)
        os.rmdir(folder)
        yield f"the fork server did not start ({exc})"
        return
    _STARTED.add(path)
    try:
        with _socket_named(path):
            yield None
    finally:
        _STARTED.discard(path)
        listener.close()
        proc.kill()
        proc.wait()
        with contextlib.suppress(OSError):
            os.unlink(path)
        with contextlib.suppress(OSError):
            os.rmdir(folder)


@contextlib.contextmanager
def _socket_named(path: str) -> Iterator[None]:
    """:data:`SOCKET_ENV` names ``path`` for the worker processes while the block runs; what it
    said before (or its absence) comes back after."""
    before = os.environ.get(SOCKET_ENV)
    os.environ[SOCKET_ENV] = path
    try:
        yield
    finally:
        if before is None:
            os.environ.pop(SOCKET_ENV, None)
        else:
            os.environ[SOCKET_ENV] = before


def _is_socket(path: str) -> bool:
    """Whether ``path`` is a Unix socket (a fork server's, :data:`SHARED_ENV`)."""
    import stat

    try:
        return stat.S_ISSOCK(os.stat(path).st_mode)
    except OSError:
        return False


_STARTED: set[str] = set()
"""Sockets of the fork servers this process is running (a nested :func:`start` reuses one)."""


def _main(fd: int, parent: int) -> None:
    """Entry point of the server process (:func:`start`)."""
    serve(socket.socket(fileno=fd), parent)


def say_cold(why: str) -> bool:
    """Say on stderr, in one line, that cold kernels run instead of warm ones and why."""
    print(f"dispatchlib: warm kernels unavailable ({why}); running cold kernels",
          file=sys.stderr, flush=True)
    return True


# ------------------------------------------------------------------------ the provisioner

_LAUNCHES: list[tuple[str, str | None]] = []
"""(kind, why not warm) of each kernel started in this process, latest last."""


def last_launch() -> tuple[str, str | None]:
    """``("warm", None)`` or ``("cold", why)`` for the latest kernel started in this process
    (``why`` is ``None`` when cold kernels were asked for); ``("cold", None)`` if none."""
    return _LAUNCHES[-1] if _LAUNCHES else ("cold", None)


class _Forked:
    """What jupyter_client needs of a kernel process it did not start itself (a pidfd)."""

    stdin = stdout = stderr = None

    def __init__(self, pid: int, pidfd: int):
        self.pid, self._pidfd, self.returncode = pid, pidfd, None

    def poll(self) -> int | None:
        if self.returncode is None:
            import select

            if select.select([self._pidfd], [], [], 0)[0]:
                self.returncode = -signal.SIGKILL if self._killed else 1
                self.close()
        return self.returncode

    _killed = False

    def wait(self, timeout: float | None = None) -> int:
        import select

        if self.returncode is None:
            select.select([self._pidfd], [], [], timeout)
        code = self.poll()
        if code is None:
            raise subprocess.TimeoutExpired("kernel", timeout or 0)
        return code

    def send_signal(self, sig: int) -> None:
        if self.returncode is None:
            self._killed = self._killed or sig == signal.SIGKILL
            signal.pidfd_send_signal(self._pidfd, sig)

    def kill(self) -> None:
        self.send_signal(signal.SIGKILL)

    def terminate(self) -> None:
        self.send_signal(signal.SIGTERM)

    def close(self) -> None:
        if self._pidfd >= 0:
            os.close(self._pidfd)
            self._pidfd = -1

    async def ended(self) -> None:
        """Return once the process has ended: its pidfd becomes readable (no polling)."""
        import asyncio

        if self.returncode is not None or self._pidfd < 0:
            return
        loop = asyncio.get_running_loop()
        done = loop.create_future()
        try:
            loop.add_reader(self._pidfd, lambda: done.done() or done.set_result(None))
        except NotImplementedError:  # a loop that watches no file: the caller's polling waits
            return
        try:
            await done
        finally:
            loop.remove_reader(self._pidfd)
        self.poll()


def _fork_kernel(path: str, argv: list[str], env: dict, cwd: str) -> tuple[int, int]:
    """Ask the server at ``path`` for a kernel; return its pid and a pidfd."""
    with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as s, \
            open(os.devnull, "rb") as null:
        s.settimeout(CONNECT_TIMEOUT_S)
        s.connect(path)
        request = {"argv": argv, "env": env, "cwd": cwd, "watch": os.getpid()}
        socket.send_fds(s, [json.dumps(request).encode()],
                        [null.fileno(), sys.stdout.fileno(), sys.stderr.fileno()])
        msg, fds, _, _ = socket.recv_fds(s, 65536, 1)
    answer = json.loads(msg or b'{"error": "the fork server closed the connection"}')
    if "error" in answer or len(fds) != 1:
        for fd in fds:
            os.close(fd)
        raise RuntimeError(answer.get("error", "no pidfd in the answer"))
    return int(answer["pid"]), fds[0]


def _ipykernel_args(cmd: list[str]) -> list[str] | None:
    """The arguments after ``-m ipykernel_launcher`` of this Python, or ``None``."""
    if (len(cmd) >= 3 and cmd[1:3] == ["-m", "ipykernel_launcher"]
            and os.path.realpath(cmd[0]) == os.path.realpath(sys.executable)):
        return cmd[3:]
    return None


class WarmProvisioner(LocalProvisioner):
    """A kernel forked from the fork server named by :data:`SOCKET_ENV`; a cold kernel
    (:class:`LocalProvisioner`) when there is none, :data:`COLD_ENV` is ``1``, or the fork
    fails."""

    async def launch_kernel(self, cmd: list[str], **kwargs: Any) -> Any:
        env = dict(kwargs.get("env") or os.environ)
        env.pop(SOCKET_ENV, None)
        kwargs["env"] = env
        warm_env = {**env, "JPY_PARENT_PID": str(os.getpid())}  # as jupyter_client's launcher
        path = os.environ.get(SOCKET_ENV)
        args = _ipykernel_args(cmd)
        why = None
        if os.environ.get(COLD_ENV) == "1" or not path:
            pass
        elif args is None:
            why = f"the kernel command is not ipykernel's ({cmd[:3]})"
        else:
            cwd = str(kwargs.get("cwd") or Path.cwd())
            try:
                pid, pidfd = _fork_kernel(path, args, warm_env, cwd)
            except (OSError, RuntimeError, ValueError) as exc:
                why = f"{type(exc).__name__}: {exc}"
            else:
                self.process = _Forked(pid, pidfd)
                self.pid = self.pgid = pid  # the child leads its own session
                self.cwd = cwd
                _LAUNCHES.append(("warm", None))
                return self.connection_info
        _LAUNCHES.append(("cold", why))
        return await super().launch_kernel(cmd, **kwargs)

    async def cleanup(self, restart: bool = False) -> None:
        if isinstance(self.process, _Forked):
            self.process.close()
        await super().cleanup(restart)


FLUSH_S = 0.02
"""Seconds without a message that end the draining of IOPub once a kernel is ready
(:class:`ReadyClient`; jupyter_client waits 0.2 s)."""


DIED_AT_START = "Kernel died before replying to kernel_info"
"""What :class:`ReadyClient` raises, in jupyter_client's words, when a kernel ends before its
first answer, before any cell ran (the runner then starts a new one once:
:func:`dispatchlib.run.engine.execute`).

On a busy machine this is most often jupyter_client's port race: it picks free TCP ports for
the kernel, closes them, and the kernel binds them a moment later (a cold kernel after its
imports, a warm one after the fork server's on-demand imports); another process may take one
in between, and the kernel stops with ``Address already in use`` in the notebook's log."""


WARM_RECONNECT_MS = 5
"""Milliseconds between a warm kernel's client's attempts to connect to a kernel port
(:class:`ReadyClient`). A forked kernel binds its ports within tens of milliseconds of its
fork, so the client's first attempt often finds nothing there, and zmq's default 100 ms
before the next one was most of a warm kernel's start. A cold kernel binds after its imports,
a second or more: its client keeps zmq's default, rather than trying 200 times a second."""


def _forked(manager: Any) -> bool:
    """Whether the kernel of kernel manager ``manager`` was forked by the fork server."""
    return isinstance(getattr(getattr(manager, "provisioner", None), "process", None), _Forked)


class ReadyClient(AsyncKernelClient):
    """jupyter_client's asynchronous kernel client, less two fixed waits at the start.

    Once the kernel has answered ``kernel_info`` and IOPub has shown it is connected,
    jupyter_client drains IOPub until 0.2 s pass without a message: 0.2 s idle before every
    notebook (a notebook that only imports the stack took 0.52 s in a warm kernel, start to
    saved copy, and 0.33 s without that wait). This client does
    the same handshake and drains what arrives within :data:`FLUSH_S`; a status message of the
    handshake that comes later is skipped by nbclient, which reads only the messages whose
    parent is the cell it runs.

    The client of a warm kernel also tries to connect every :data:`WARM_RECONNECT_MS`
    milliseconds, not zmq's 100: a forked kernel binds its ports moments after the client's
    first attempt.
    """

    def start_channels(self, *args: Any, **kwargs: Any) -> None:
        if _forked(self.parent):  # before the channels' sockets are made: they take it
            import zmq

            self.context.setsockopt(zmq.RECONNECT_IVL, WARM_RECONNECT_MS)
        super().start_channels(*args, **kwargs)

    async def _async_wait_for_ready(self, timeout: float | None = None) -> None:
        import time
        from queue import Empty

        deadline = time.time() + (float("inf") if timeout is None else timeout)
        while True:
            self.kernel_info()
            try:
                msg = await self.shell_channel.get_msg(timeout=1)
            except Empty:
                pass
            else:
                if msg["msg_type"] == "kernel_info_reply":
                    try:  # IOPub is connected once it passes on the reply's status
                        await self.iopub_channel.get_msg(timeout=0.2)
                    except Empty:
                        pass
                    else:
                        self._handle_kernel_info_reply(msg)
                        break
            if not await self._async_is_alive():
                raise RuntimeError(DIED_AT_START)
            if time.time() > deadline:
                raise RuntimeError(f"Kernel didn't respond in {timeout:.0f} seconds")
        while True:
            try:
                await self.iopub_channel.get_msg(timeout=FLUSH_S)
            except Empty:
                break

    wait_for_ready = _async_wait_for_ready


class WarmKernelManager(AsyncKernelManager):
    """jupyter_client's kernel manager with :class:`WarmProvisioner` and :class:`ReadyClient`
    (what the runner gives nbclient as ``kernel_manager_class``; cold kernels use the same
    client)."""

    client_class = DottedObjectName("dispatchlib.run.warm.ReadyClient", config=True)
    client_factory = Type(ReadyClient, klass=AsyncKernelClient, config=True)

    async def _async_wait(self, pollinterval: float = 0.1) -> None:
        # jupyter_client checks every 0.1 s whether a killed kernel has ended: 0.1 s idle after
        # every notebook, as a kernel ends within milliseconds of its SIGKILL. A forked
        # kernel's pidfd says at once; a cold kernel is waited for as jupyter_client does.
        if _forked(self):
            await self.provisioner.process.ended()
        await super()._async_wait(pollinterval)

    async def _async_pre_start_kernel(self, **kw: Any) -> Any:
        if self.provisioner is None:
            import uuid

            self.kernel_id = self.kernel_id or kw.pop("kernel_id", str(uuid.uuid4()))
            self.provisioner = WarmProvisioner(kernel_id=self.kernel_id,
                                               kernel_spec=self.kernel_spec, parent=self)
        return await super()._async_pre_start_kernel(**kw)
