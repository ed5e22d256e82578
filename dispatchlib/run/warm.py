"""Warm kernels: each notebook's kernel forked from a server that has the stack imported.

:func:`start` runs a fork server (:mod:`dispatchlib.run.fork_server`) for the duration of a
run or sweep. :class:`WarmProvisioner` plugs it into jupyter_client as a kernel provisioner
(registered as ``dispatchlib-warm`` under ``jupyter_client.kernel_provisioners``); the runner
passes it to the kernel manager directly (:class:`WarmKernelManager`), so papermill and nbval
used on their own keep their usual kernels. When the server cannot be reached, or the kernel
command is not ipykernel's, the provisioner starts a cold kernel instead and says why
(:func:`last_launch`).
"""

from __future__ import annotations

import contextlib
import json
import os
import signal
import socket
import subprocess
import sys
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from jupyter_client.asynchronous import AsyncKernelClient
from jupyter_client.blocking import BlockingKernelClient
from jupyter_client.manager import AsyncKernelManager, KernelManager
from jupyter_client.provisioning import LocalProvisioner
from jupyter_client.utils import run_sync
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

NOTEBOOK_ENV = "DISPATCHLIB_NOTEBOOK"
"""The notebook a worker is executing (set by :func:`dispatchlib.run.engine.execute`): sent to
the fork server with the kernel's request (it imports what that notebook needs first), never
passed on to a warm kernel."""
CONNECT_TIMEOUT_S = 60.0
"""How long a worker waits for the server's answer (the first waits for its imports)."""


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
            [sys.executable, "-c", "import gc; gc.disable(); import sys; "  # as _imports_kept
             "from dispatchlib.run.fork_server import _main; "
             "_main(int(sys.argv[1]), int(sys.argv[2]))",
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


def _fork_kernel(path: str, argv: list[str], env: dict, cwd: str,
                 notebook: str | None = None) -> tuple[int, int]:
    """Ask the server at ``path`` for a kernel (for ``notebook``, when known: the server
    imports what it needs first); return its pid and a pidfd."""
    with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as s, \
            open(os.devnull, "rb") as null:
        s.settimeout(CONNECT_TIMEOUT_S)
        s.connect(path)
        request = {"argv": argv, "env": env, "cwd": cwd, "watch": os.getpid(),
                   "notebook": notebook}
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
        notebook = warm_env.pop(NOTEBOOK_ENV, None)  # for the server, not the kernel
        warm_env.pop(SHARED_ENV, None)
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
                pid, pidfd = _fork_kernel(path, args, warm_env, cwd, notebook)
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


class _ReadyStart:
    """The start of a kernel client (:class:`ReadyClient`, :class:`ReadyBlockingClient`),
    less two fixed waits.

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

        from jupyter_core.utils import ensure_async  # the channels of either kind of client

        deadline = time.time() + (float("inf") if timeout is None else timeout)
        while True:
            self.kernel_info()
            try:
                msg = await ensure_async(self.shell_channel.get_msg(timeout=1))
            except Empty:
                pass
            else:
                if msg["msg_type"] == "kernel_info_reply":
                    try:  # IOPub is connected once it passes on the reply's status
                        await ensure_async(self.iopub_channel.get_msg(timeout=0.2))
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
                await ensure_async(self.iopub_channel.get_msg(timeout=FLUSH_S))
            except Empty:
                break


class ReadyClient(_ReadyStart, AsyncKernelClient):
    """jupyter_client's asynchronous kernel client, less two fixed waits at the start
    (:class:`_ReadyStart`): what nbclient, papermill and nbgrader use."""

    wait_for_ready = _ReadyStart._async_wait_for_ready


class ReadyBlockingClient(_ReadyStart, BlockingKernelClient):
    """jupyter_client's blocking kernel client, less the same two waits: what nbval uses."""

    wait_for_ready = run_sync(_ReadyStart._async_wait_for_ready)


class _WarmManager:
    """What a kernel manager does for warm kernels (:class:`WarmKernelManager`,
    :class:`WarmBlockingKernelManager`): the warm provisioner, and no polling for a killed
    kernel's end."""

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


class WarmKernelManager(_WarmManager, AsyncKernelManager):
    """jupyter_client's kernel manager with :class:`WarmProvisioner` and :class:`ReadyClient`
    (what the runner gives nbclient as ``kernel_manager_class``; cold kernels use the same
    client)."""

    client_class = DottedObjectName("dispatchlib.run.warm.ReadyClient", config=True)
    client_factory = Type(ReadyClient, klass=AsyncKernelClient, config=True)


class WarmBlockingKernelManager(_WarmManager, KernelManager):
    """The same for a blocking client (nbval's kernels in ``make test``,
    tests/conftest.py)."""

    client_class = DottedObjectName("dispatchlib.run.warm.ReadyBlockingClient", config=True)
    client_factory = Type(ReadyBlockingClient, klass=BlockingKernelClient, config=True)
