"""``python -m dispatchlib ARGS`` as the tests start it: forked from one driver process per test
process, which has imported the command line, papermill and nbconvert once.

The child of the driver takes the command's arguments, environment, working folder and standard
streams, starts a session of its own (as ``start_new_session=True`` does), and only then is
reported started; it runs ``python -m dispatchlib`` as ``-m`` does (``runpy``), ending as
Python ends (its exit status, its traceback if any). That is the command as a user starts it,
less starting the interpreter and importing those modules again for each of the suite's
commands (about half a second of CPU each). Signals, kills, several commands at once and their
descendants are as with ``subprocess.Popen``; when the driver ends (the test process has, or a
signal), it kills the commands still running.

What differs from a new interpreter, and which tests therefore start one:

- the modules the driver imported are already there: a command that lacked an import of its
  own would still work (the from-scratch commands below would not);
- what a module reads from the environment when it is imported (tqdm's ``TQDM_*``, some of
  jupyter_core's paths) is the test process's, and what it prints then goes to the driver (no
  test sets those for a command);
- every command has the driver's string-hash seed (tests/test_reproducible.py starts its three
  runs from scratch, so that each has its own).

From scratch, with ``subprocess``: tests/test_cli.py (which also checks that both ways answer
alike), tests/test_reproducible.py, the tests that read a command's output while it writes (a
pipe, a terminal: tests/test_sweep_progress.py, the closed-pipe tests of ``audit`` and
``compare``; the battery's closed pipe has no reader, and is forked), the command alone
(tests/test_newcomer.py), a kill while a command is still starting
(tests/test_run_safety.py), and the cluster's commands (tests/test_cluster.py).
"""

from __future__ import annotations

import contextlib
import json
import os
import select
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from dispatchlib import paths

#: the driver: reads one JSON request per line on stdin, forks a child for each, answers
#: ``{"pid": ...}`` when it has started and ``{"pid": ..., "code": ...}`` when it has ended
DRIVER = r"""
import gc, json, os, runpy, select, signal, sys, threading
# what every command imports first, and what its pages need, imported once
import dispatchlib.cli, dispatchlib.run.runner, dispatchlib.run.pages, papermill
import nbconvert.exporters.html
gc.freeze()  # as a fork server should: the children's collections skip what was imported
def say(answer):
    os.write(1, (json.dumps(answer) + "\n").encode())
signal.signal(signal.SIGTERM, lambda *_: sys.exit(1))  # so that the commands end with it
unread, running, pid = b"", {}, None  # running: pidfd -> pid
try:
    while True:
        if b"\n" not in unread:
            ready = select.select([0, *running], [], [])[0]
            for fd in ready:
                if fd != 0:
                    pid = running.pop(fd)
                    os.close(fd)
                    code = os.waitstatus_to_exitcode(os.waitpid(pid, 0)[1])
                    say({"pid": pid, "code": code})
            if 0 in ready:
                chunk = os.read(0, 65536)
                if not chunk:  # the test process has ended
                    sys.exit(0)
                unread += chunk
            continue
        line, unread = unread.split(b"\n", 1)
        case = json.loads(line)
        assert threading.active_count() == 1, "the driver forks with no other thread"
        ready_read, ready_write = os.pipe()
        pid = os.fork()
        if pid == 0:
            break
        os.close(ready_write)
        with os.fdopen(ready_read, "rb") as ready:  # empty once the child is set up
            problem = ready.read().decode(errors="replace")
        running[os.pidfd_open(pid)] = pid
        say({"pid": pid, "problem": problem})
finally:
    if pid != 0:  # the driver ends (the test process has, or a signal): so do its commands
        for pid in running.values():
            try:
                os.killpg(pid, signal.SIGKILL)
            except OSError:
                pass
# the child: from here on, `python -m dispatchlib ARGS` in the case's folder, environment
# and session; the driver hears of it once all that is set up
try:
    os.close(ready_read)
    for fd in running:
        os.close(fd)
    os.setsid()
    signal.signal(signal.SIGTERM, signal.SIG_DFL)
    os.environ.clear()
    os.environ.update(case["env"])
    os.chdir(case["cwd"])
    os.dup2(os.open(os.devnull, os.O_RDONLY), 0)
    if case["pipe"]:  # stdout is a pipe whose reader has gone
        read, write = os.pipe()
        os.close(read)
        os.dup2(write, 1)
    else:
        os.dup2(os.open(case["out"], os.O_WRONLY | os.O_CREAT | os.O_TRUNC), 1)
    os.dup2(os.open(case["err"], os.O_WRONLY | os.O_CREAT | os.O_TRUNC), 2)
except BaseException as exc:
    os.write(ready_write, f"{type(exc).__name__}: {exc}".encode())
    os._exit(127)
os.close(ready_write)
sys.argv = ["-m", *case["argv"]]
sys.path[0] = case["cwd"]
del json, select, line, unread, running, case, pid, say, ready_read, ready_write
runpy.run_module("dispatchlib", run_name="__main__", alter_sys=True)
"""


class _Driver:
    """The driver process of this test process, started at its first command; it ends when
    this process does (its standard input closes)."""

    def __init__(self) -> None:
        self.proc: subprocess.Popen | None = None
        self.unread = b""  # what the driver has written beyond the last answer read
        self.ended: dict[int, int] = {}  # pid -> exit status, as the driver says them

    def start(self, request: dict) -> int:
        if self.proc is None or self.proc.poll() is not None:
            self.proc = subprocess.Popen([sys.executable, "-c", DRIVER], stdin=subprocess.PIPE,
                                         stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                                         bufsize=0, cwd=paths.ROOT)
            self.unread = b""
        self.proc.stdin.write(json.dumps(request).encode() + b"\n")
        while True:
            answer = self._answer(time.monotonic() + 60)
            if answer is None:  # the driver is stuck: the next command gets a new one
                self.proc.kill()
                self.proc.wait()
                raise RuntimeError("the command driver did not start the command in 60 s")
            if "code" not in answer:
                if answer["problem"]:  # as Popen raises for a folder or file it cannot use
                    raise OSError(f"the command could not start: {answer['problem']}")
                return answer["pid"]

    def status(self, pid: int, deadline: float | None) -> int | None:
        """The exit status of ``pid``, once it has ended; ``None`` if not by ``deadline``."""
        while pid not in self.ended:
            if self._answer(deadline) is None:
                return None
        return self.ended[pid]

    def _answer(self, deadline: float | None) -> dict | None:
        """The driver's next answer (an ended command's is also kept in :attr:`ended`), or
        ``None`` if none came by ``deadline``. Read straight from the pipe: a buffered reader
        could hold an answer that ``select`` never sees."""
        assert self.proc is not None and self.proc.stdout is not None
        fd = self.proc.stdout.fileno()
        while b"\n" not in self.unread:
            wait = None if deadline is None else max(0.0, deadline - time.monotonic())
            if not select.select([fd], [], [], wait)[0]:
                return None
            chunk = os.read(fd, 65536)
            if not chunk:
                raise RuntimeError("the command driver ended: "
                                   + self.proc.stderr.read().decode(errors="replace")[-2000:])
            self.unread += chunk
        line, self.unread = self.unread.split(b"\n", 1)
        answer = json.loads(line)
        if "code" in answer:
            self.ended[answer["pid"]] = answer["code"]
        return answer


_DRIVER = _Driver()


class Command:
    """A started command, used as a :class:`subprocess.Popen` is: ``pid``, ``poll``, ``wait``,
    ``communicate``, ``send_signal``, ``kill``, ``returncode``. Its output goes to files
    (``stdout``: ``None`` for nothing kept, a path, or a temporary file read by
    ``communicate``)."""

    def __init__(self, args, env: dict | None, cwd, stdout: Path | None | str, stderr,
                 pipe: bool = False):
        self._tmp = tempfile.TemporaryDirectory(prefix="dispatchlib-command-")
        self.args = [sys.executable, "-m", "dispatchlib", *(str(a) for a in args)]
        self._out = Path(self._tmp.name) / "out" if stdout == "capture" else stdout
        self._err = Path(self._tmp.name) / "err" if stderr == "capture" else stderr
        self.returncode: int | None = None
        for path in (self._out, self._err):  # there from the start, as an opened file is
            if path is not None:
                Path(path).write_bytes(b"")
        self.pid = _DRIVER.start({
            "argv": self.args[3:], "env": dict(os.environ if env is None else env),
            "cwd": str(cwd if cwd is not None else Path.cwd()), "pipe": pipe,
            "out": str(self._out or os.devnull), "err": str(self._err or os.devnull)})

    def poll(self) -> int | None:
        if self.returncode is None:
            self.returncode = _DRIVER.status(self.pid, time.monotonic())
        return self.returncode

    def wait(self, timeout: float | None = None) -> int:
        if self.returncode is None:
            deadline = None if timeout is None else time.monotonic() + timeout
            self.returncode = _DRIVER.status(self.pid, deadline)
            if self.returncode is None:
                raise subprocess.TimeoutExpired(self.args, timeout)
        return self.returncode

    def communicate(self, timeout: float | None = None) -> tuple[str, str]:
        """Wait for the end, then (stdout, stderr) as text (empty for what was not kept)."""
        self.wait(timeout)

        def read(path):
            return path.read_text(encoding="utf-8") if path else ""  # strict, as text=True
        return read(self._out), read(self._err)

    def send_signal(self, sig: int) -> None:
        if self.poll() is None:
            os.kill(self.pid, sig)

    def kill(self) -> None:
        self.send_signal(signal.SIGKILL)


def start(*args, env: dict | None = None, cwd: Path | str | None = None,
          stdout: Path | None | str = "capture", stderr: Path | None | str = "capture"
          ) -> Command:
    """Start ``python -m dispatchlib ARGS`` with ``env`` (default: this process's environment)
    in ``cwd`` (default: this process's folder), in a session of its own. ``stdout`` and
    ``stderr``: ``"capture"`` (read by :meth:`Command.communicate`), a file's path, or
    ``None`` (not kept)."""
    return Command(args, env, cwd, stdout, stderr)


def dispatchlib(*args, env: dict | None = None, cwd: Path | str | None = None,
                timeout: float = 300, pipe: bool = False) -> subprocess.CompletedProcess:
    """``python -m dispatchlib ARGS`` run to its end, as ``subprocess.run(...,
    capture_output=True, text=True, timeout=timeout)`` runs it; with ``pipe``, its standard
    output is a pipe whose reader has gone (``stdout`` is then empty). After ``timeout``
    seconds the command and everything in its session are ended, and
    ``subprocess.TimeoutExpired`` is raised."""
    command = Command(args, env, cwd, None if pipe else "capture", "capture", pipe=pipe)
    try:
        out, err = command.communicate(timeout)
    except subprocess.TimeoutExpired:
        with contextlib.suppress(ProcessLookupError):  # unless it has just ended
            os.killpg(command.pid, signal.SIGKILL)
        command.wait(60)
        raise
    return subprocess.CompletedProcess(command.args, command.returncode, out, err)
