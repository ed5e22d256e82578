"""The progress of a sweep: runs done, failed and left, and an estimate of the time left.

On a terminal (stderr is a TTY) one bar is redrawn in place with carriage returns, below the
scrolling lines of the notebooks::

    [##########--------------]  5/12 runs: 4 ok, 1 failed, 7 left, about 35 s left

while the sweep runs, what the worker processes would print on stderr goes to a temporary file
instead of over the bar, and is shown after it (without the lines that only say a notebook
started or was executed). Otherwise (a file, a pipe, a log) one line is written per run::

    run 5/12 workers-100000_seed-2 failed: 4 ok, 1 failed, 7 left, about 35 s left

The estimate is the mean wall time per run finished so far in this sweep (runs skipped as
already done take none), times the runs left.
"""

from __future__ import annotations

import os
import re
import sys
import tempfile
import time
from collections.abc import Callable
from typing import TextIO

ACTIVE: SweepProgress | None = None
"""The bar being drawn on a terminal, if any: :func:`dispatchlib.run.runner.progress` writes
its lines above it."""

WIDTH = 24
"""Characters of the bar between its brackets."""

QUIET = re.compile(r"  (started|executed) ")
"""Lines of the worker processes not replayed after a bar (the bar says the same)."""


def duration(seconds: float) -> str:
    """A time left in words, rounded to what an estimate can say.

    >>> duration(4.2), duration(44), duration(80), duration(3725)
    ('5 s', '45 s', '1 min 20 s', '1 h 2 min')
    """
    if seconds < 60:
        return f"{max(5, 5 * round(seconds / 5)):.0f} s"
    if seconds < 3600:
        minutes, rest = divmod(10 * round(seconds / 10), 60)
        return f"{minutes:.0f} min {rest:.0f} s" if rest else f"{minutes:.0f} min"
    hours, rest = divmod(round(seconds / 60), 60)
    return f"{hours:.0f} h {rest:.0f} min"


class SweepProgress:
    """Counts a sweep's runs as they end and shows them (a bar on a terminal, else lines).

    Use as a context manager around the execution; call :meth:`run_done` as each run ends.

    Parameters
    ----------
    total : int
        Runs of the sweep, including those already done.
    skipped : int
        Runs already done (counted as ok, taking no time).
    stream : text stream, optional
        Where to write (default ``sys.stderr``); a bar when it is a TTY.
    clock : callable
        Seconds, monotonic (for the tests).
    """

    def __init__(self, total: int, skipped: int = 0, stream: TextIO | None = None,
                 clock: Callable[[], float] = time.monotonic) -> None:
        self.total, self.skipped = total, skipped
        self.ok, self.failed = skipped, 0
        self.stream = stream or sys.stderr
        self.tty = bool(getattr(self.stream, "isatty", lambda: False)())
        self.clock = clock
        self.start = clock()
        self._out: int | None = None   # the terminal, while fd 2 goes to _held
        self._held = None

    # ---------------------------------------------------------------- what is shown
    def left(self) -> int:
        """Runs not finished yet."""
        return self.total - self.ok - self.failed

    def estimate(self) -> float | None:
        """Seconds left: the mean time per run run so far times the runs left (None before
        the first run ends)."""
        ran = self.ok + self.failed - self.skipped
        if ran <= 0:
            return None
        return (self.clock() - self.start) / ran * self.left()

    def counts(self) -> str:
        """``4 ok, 1 failed, 7 left, about 35 s left``."""
        eta = self.estimate()
        when = ("done" if not self.left() else "estimating the time left" if eta is None
                else f"about {duration(eta)} left")
        return f"{self.ok} ok, {self.failed} failed, {self.left()} left, {when}"

    def bar(self) -> str:
        """The bar line (without carriage return)."""
        done = self.ok + self.failed
        full = round(WIDTH * done / self.total) if self.total else WIDTH
        width = len(str(self.total))
        return (f"[{'#' * full}{'-' * (WIDTH - full)}] {done:>{width}}/{self.total} runs: "
                f"{self.counts()}")

    # ---------------------------------------------------------------- events
    def run_done(self, name: str, ok: bool) -> None:
        """Count one run that ended (``ok`` or failed) and show it."""
        if ok:
            self.ok += 1
        else:
            self.failed += 1
        if self.tty:
            self._draw()
        else:
            done = self.ok + self.failed
            self._write(f"run {done}/{self.total} {name} {'ok' if ok else 'failed'}: "
                        f"{self.counts()}\n")

    def note(self, message: str) -> None:
        """A line above the bar (or just a line)."""
        if self.tty:
            self._write(f"\r\x1b[K{message}\n")
            self._draw()
        else:
            self._write(message + "\n")

    def _draw(self) -> None:
        self._write(f"\r\x1b[K{self.bar()}")

    def _write(self, text: str) -> None:
        if self._out is not None:
            os.write(self._out, text.encode())
        else:
            self.stream.write(text)
            self.stream.flush()

    # ---------------------------------------------------------------- the terminal
    def __enter__(self) -> SweepProgress:
        global ACTIVE
        if self.tty:
            ACTIVE = self
            try:
                fd = self.stream.fileno()
            except (AttributeError, OSError, ValueError):
                fd = -1
            if fd == 2:  # worker processes inherit fd 2: hold what they print until the end
                self.stream.flush()
                self._out = os.dup(2)
                self._held = tempfile.TemporaryFile()
                os.dup2(self._held.fileno(), 2)
            self._draw()
        return self

    def __exit__(self, *exc: object) -> None:
        global ACTIVE
        if not self.tty:
            return
        ACTIVE = None
        self._write(f"\r\x1b[K{self.bar()}\n")
        if self._out is not None:
            sys.stderr.flush()
            os.dup2(self._out, 2)
            os.close(self._out)
            self._out = None
            self._held.seek(0)
            held = self._held.read().decode(errors="replace").splitlines(keepends=True)
            self._held.close()
            kept = "".join(line for line in held if not QUIET.match(line))
            if kept:
                self.stream.write(kept)
                self.stream.flush()
