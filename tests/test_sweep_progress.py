"""A sweep's progress: done, failed and left runs with the time left, as a bar redrawn with
carriage returns on a terminal (a pty here) and one line per run otherwise (a pipe).

The sweep into a pipe is also tests/test_sweep.py's failed run (moved here, the same sweep):
one failed run is reported and the others finish, and a second sweep skips what succeeded.

The sweeps use the tiny notebooks of ``synthetic_notebooks.py`` (01_tiny refuses seed 13).
"""

import csv
import io
import os
import pty
import re
import subprocess
import sys

import commands
import synthetic_notebooks
import yaml

from dispatchlib.run.sweep_progress import SweepProgress, duration


class Clock:
    def __init__(self):
        self.now = 100.0

    def __call__(self):
        return self.now


class Terminal(io.StringIO):
    def isatty(self):
        return True


def test_lines_count_runs_and_estimate_from_the_mean_time_per_run():
    clock, out = Clock(), io.StringIO()
    with SweepProgress(5, skipped=1, stream=out, clock=clock) as shown:
        clock.now += 20  # two runs took 20 s: 10 s a run, two runs left
        shown.run_done("a", ok=True)
        shown.run_done("b", ok=False)
        clock.now += 10
        shown.run_done("c", ok=True)
        shown.run_done("d", ok=True)
    assert out.getvalue().splitlines() == [
        "run 2/5 a ok: 2 ok, 0 failed, 3 left, about 1 min left",   # 20 s / 1 run x 3 left
        "run 3/5 b failed: 2 ok, 1 failed, 2 left, about 20 s left",  # 20 s / 2 x 2
        "run 4/5 c ok: 3 ok, 1 failed, 1 left, about 10 s left",    # 30 s / 3 x 1
        "run 5/5 d ok: 4 ok, 1 failed, 0 left, done",
    ]


def test_on_a_terminal_one_bar_is_redrawn_in_place_below_the_lines():
    clock, out = Clock(), Terminal()
    with SweepProgress(4, stream=out, clock=clock) as shown:
        shown.note("  ok      01_tiny (run g/a)")
        clock.now += 30
        shown.run_done("a", ok=True)
    text = out.getvalue()
    assert "\n" not in text.split("  ok      01_tiny (run g/a)\n")[0].replace("\r\x1b[K", "")
    frames = [f for f in text.split("\r\x1b[K") if f]
    assert frames[0] == "[------------------------] 0/4 runs: 0 ok, 0 failed, 4 left, " \
                        "estimating the time left"
    assert frames[1] == "  ok      01_tiny (run g/a)\n"  # a line, above the bar
    assert frames[-1] == ("[######------------------] 1/4 runs: 1 ok, 0 failed, 3 left, "
                          "about 1 min 30 s left\n")  # 30 s a run x 3; ends on its own line


def test_durations_read_as_estimates():
    assert [duration(s) for s in (0, 4.2, 44, 61, 80, 600, 3725)] == [
        "5 s", "5 s", "45 s", "1 min", "1 min 20 s", "10 min", "1 h 2 min"]


def _sweep_with(tmp_path, stderr):
    nbs = synthetic_notebooks.make(tmp_path / "nb", "01_tiny")
    grid = tmp_path / "g.yaml"
    grid.write_text(yaml.safe_dump({"notebooks": ["01_tiny"],
                                    "parameters": {"seed": [1, 13], "workers": 5}}))
    return subprocess.Popen(
        [sys.executable, "-m", "dispatchlib", "sweep", grid, "--jobs", "2", "--out",
         tmp_path / "r"], stdout=subprocess.PIPE, stderr=stderr, text=False,
        env=dict(os.environ, DISPATCHLIB_NOTEBOOKS_DIR=str(nbs)))


def test_a_sweep_into_a_pipe_writes_one_line_per_run(tmp_path):
    proc = _sweep_with(tmp_path, subprocess.PIPE)
    _, err = proc.communicate(timeout=180)
    lines = err.decode().splitlines()
    assert proc.returncode == 1  # seed 13 fails
    runs = [line for line in lines if line.startswith("run ")]
    assert len(runs) == 2 and "\r" not in err.decode()
    assert {re.sub(r"about .* left", "about T left", r) for r in runs} <= {
        "run 1/2 seed-1 ok: 1 ok, 0 failed, 1 left, about T left",
        "run 1/2 seed-13 failed: 0 ok, 1 failed, 1 left, about T left",
        "run 2/2 seed-1 ok: 1 ok, 1 failed, 0 left, done",
        "run 2/2 seed-13 failed: 1 ok, 1 failed, 0 left, done"}
    assert sum("  started  01_tiny" in line for line in lines) == 2  # the notebooks' lines stay
    # one failed run is reported and the others finish (moved from tests/test_sweep.py)
    assert "failed: run seed-13, 01_tiny: RuntimeError: seed 13 is refused" in err.decode()
    out = tmp_path / "r" / "g"
    with open(out / "sweep.csv", newline="") as fh:
        rows = {r["run"]: r for r in csv.DictReader(fh)}
    assert rows["seed-1"]["status"] == "ok"
    assert rows["seed-1"]["01_tiny.doubled"] == "10"
    assert rows["seed-13"]["status"] == "failed"
    assert (out / "seed-13" / "01_tiny.ipynb").is_file()
    # again: the run that succeeded is skipped, the failed one is tried again
    again = commands.dispatchlib("sweep", tmp_path / "g.yaml", "--out", tmp_path / "r",
                                 env=dict(os.environ,
                                          DISPATCHLIB_NOTEBOOKS_DIR=str(tmp_path / "nb")))
    assert again.returncode == 1 and "1 already done, 1 to run" in again.stderr


def test_a_sweep_on_a_terminal_draws_a_bar_and_keeps_the_workers_lines_off_it(tmp_path):
    main, child = pty.openpty()
    proc = _sweep_with(tmp_path, child)
    os.close(child)
    chunks = []
    while True:
        try:
            chunk = os.read(main, 4096)
        except OSError:  # the sweep closed its end
            break
        if not chunk:
            break
        chunks.append(chunk)
    os.close(main)
    assert proc.wait(timeout=180) == 1
    text = b"".join(chunks).decode()
    frames = text.split("\r\x1b[K")
    bars = [f for f in frames if f.startswith("[")]
    assert bars[0].startswith("[------------------------] 0/2 runs: 0 ok, 0 failed, 2 left")
    assert bars[-1].startswith("[########################] 2/2 runs: 1 ok, 1 failed, 0 left, done")
    assert any(re.search(r"\] 1/2 runs: .* 1 left, about \d", b) for b in bars)
    assert "started  01_tiny" not in text and "executed 01_tiny" not in text
    assert "FAILED  01_tiny (run g/seed-13)" in text
    assert "sweep g: 1 ok, 1 failed, 0 skipped" in text.splitlines()[-1]
