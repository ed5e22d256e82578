"""``python -m dispatchlib ARGS`` as the tests start it: forked from one driver process per test
process, which has imported the command line, papermill and nbconvert once.

The child of the driver takes the command's arguments, environment, working folder and standard
streams, and runs ``python -m dispatchlib`` as ``-m`` does (``runpy``), ending as Python ends
(its exit status, its traceback if any). That is the command as a user starts it, less starting
the interpreter and importing those modules again for each of the suite's commands (about half
a second of CPU each; no module reads the environment when it is imported). The tests that need
a command's own process from its first line (signals, a killed run, two commands at once, a
pipe read while the command writes, the command alone with no arguments) start it with
``subprocess`` as before, and so does tests/test_cli.py.
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

#: the driver: reads one JSON request per line on stdin, forks a child for it, answers the
#: child's pid, then its exit status, one JSON line each on stdout
DRIVER = r"""
import gc, json, os, runpy, sys, threading
# what every command imports first, and what its pages need, imported once
import dispatchlib.cli, dispatchlib.run.runner, dispatchlib.run.pages, papermill
import nbconvert.exporters.html
gc.freeze()  # as a fork server should: the children's collections skip what was imported
while True:
    line = sys.stdin.readline()
    if not line:
        sys.exit(0)
    case = json.loads(line)
    assert threading.active_count() == 1, "the driver forks with no other thread"
    pid = os.fork()
    if pid == 0:
        break
    print(json.dumps({"pid": pid}), flush=True)
    print(json.dumps({"code": os.waitstatus_to_exitcode(os.waitpid(pid, 0)[1])}), flush=True)
# the child: from here on, `python -m dispatchlib ARGS` in the case's folder and environment,
# in a session of its own (a command that runs past its time is ended with all it started)
os.setsid()
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
sys.argv = ["-m", *case["argv"]]
sys.path[0] = case["cwd"]
del json, line, case, pid
runpy.run_module("dispatchlib", run_name="__main__", alter_sys=True)
"""


class _Driver:
    """The driver process of this test process, started at its first command; it ends when
    this process does (its standard input closes)."""

    def __init__(self) -> None:
        self.proc: subprocess.Popen | None = None
        self.unread = b""  # what the driver has written beyond the last answer read

    def _answer(self, deadline: float | None) -> dict | None:
        """The driver's next answer, or ``None`` if none came by ``deadline`` (read straight
        from the pipe: a buffered reader could hold an answer that ``select`` never sees)."""
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
        return json.loads(line)

    def run(self, argv: list[str], env: dict, cwd: str, timeout: float,
            pipe: bool) -> subprocess.CompletedProcess:
        if self.proc is None or self.proc.poll() is not None:
            self.proc = subprocess.Popen([sys.executable, "-c", DRIVER], stdin=subprocess.PIPE,
                                         stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                                         bufsize=0, cwd=paths.ROOT)
            self.unread = b""
        with tempfile.TemporaryDirectory(prefix="dispatchlib-command-") as tmp:
            out, err = Path(tmp) / "out", Path(tmp) / "err"
            self.proc.stdin.write(json.dumps({"argv": argv, "env": env, "cwd": cwd,
                                              "pipe": pipe, "out": str(out),
                                              "err": str(err)}).encode() + b"\n")
            pid = self._answer(time.monotonic() + 60)["pid"]
            done = self._answer(time.monotonic() + timeout)
            if done is None:  # past its time: the command and all it started are ended
                with contextlib.suppress(ProcessLookupError):  # unless it has just ended
                    os.killpg(pid, signal.SIGKILL)
                self._answer(None)
                raise subprocess.TimeoutExpired(["python", "-m", "dispatchlib", *argv], timeout)
            return subprocess.CompletedProcess(
                [sys.executable, "-m", "dispatchlib", *argv], done["code"],
                "" if pipe else out.read_text(encoding="utf-8", errors="replace"),
                err.read_text(encoding="utf-8", errors="replace"))



_DRIVER = _Driver()


def dispatchlib(*args, env: dict | None = None, cwd: Path | str | None = None,
                timeout: float = 300, pipe: bool = False) -> subprocess.CompletedProcess:
    """``python -m dispatchlib ARGS`` with ``env`` (default: this process's environment) in
    ``cwd`` (default: this process's folder), its output captured as text, as
    ``subprocess.run(..., capture_output=True, text=True, timeout=timeout)`` gives it; with
    ``pipe``, its standard output is a pipe whose reader has gone (``stdout`` is then empty).
    Raises ``subprocess.TimeoutExpired`` after ``timeout`` seconds, the command ended."""
    return _DRIVER.run([str(a) for a in args], dict(os.environ if env is None else env),
                       str(cwd if cwd is not None else Path.cwd()), timeout, pipe)

