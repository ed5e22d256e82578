"""``python -m dispatchlib sweep`` and ``compare``: a 2 x 2 grid, a repeated sweep that skips
what is done, and comparisons of runs. A failed run that does not stop the others is
tests/test_sweep_progress.py's sweep into a pipe (the same sweep, checked there).

Uses the tiny notebooks of ``synthetic_notebooks.py``: 01_tiny records ``doubled`` = 2 x
workers and refuses seed 13.
"""

import csv
import json
import os
import signal
import subprocess
import sys
import time

import commands
import pytest
import synthetic_notebooks
import yaml

from dispatchlib.errors import DispatchlibError, ParameterError
from dispatchlib.run import compare, planning, sweep


def cli(*args, notebooks_dir, timeout=300):
    env = dict(os.environ, DISPATCHLIB_NOTEBOOKS_DIR=str(notebooks_dir))
    return commands.dispatchlib(*args, env=env, timeout=timeout)


def grid_file(folder, **content):
    path = folder / "grid.yaml"
    path.write_text(yaml.safe_dump(content, sort_keys=False))
    return path


@pytest.fixture(scope="module")
def swept(tmp_path_factory):
    """A 2 x 2 sweep over workers and seed, run once, then run again."""
    tmp = tmp_path_factory.mktemp("sweep")
    nbs = synthetic_notebooks.make(tmp / "nb", "01_tiny", "02_other")
    grid = grid_file(tmp, title="Two by two", notebooks=["01_tiny"],
                     parameters={"workers": [10, 20], "seed": [1, 2]})
    out = tmp / "reports"
    first = cli("sweep", grid, "--jobs", "2", "--out", out, notebooks_dir=nbs)
    records = {p.parent.name: p.stat().st_mtime_ns for p in (out / "grid").glob("*/run.json")}
    second = cli("sweep", grid, "--jobs", "2", "--out", out, notebooks_dir=nbs)
    return {"first": first, "second": second, "out": out, "folder": out / "grid",
            "mtimes": records, "nbs": nbs, "tmp": tmp}


def test_two_by_two_sweep_writes_one_row_per_run(swept):
    assert swept["first"].returncode == 0, swept["first"].stderr
    with open(swept["folder"] / "sweep.csv", newline="") as fh:
        rows = list(csv.DictReader(fh))
    assert [r["run"] for r in rows] == ["workers-10_seed-1", "workers-10_seed-2",
                                        "workers-20_seed-1", "workers-20_seed-2"]
    assert list(rows[0]) == ["run", "status", "workers", "seed", "01_tiny.doubled",
                             "01_tiny.seed"]
    for row in rows:
        assert row["status"] == "ok"
        # the notebook doubles the number of workers: 10 -> 20, 20 -> 40
        assert int(row["01_tiny.doubled"]) == 2 * int(row["workers"])
        assert row["01_tiny.seed"] == row["seed"]
    index = (swept["folder"] / "index.html").read_text()
    assert all(f'href="{r["run"]}/index.html"' in index for r in rows)
    run_index = (swept["folder"] / "workers-10_seed-1" / "index.html").read_text()
    assert 'href="../index.html"' in run_index
    record = json.loads((swept["folder"] / "workers-20_seed-2" / "run.json").read_text())
    assert record["sweep"] == "grid" and record["overrides"] == {"workers": 20, "seed": 2}


def test_running_the_same_sweep_again_skips_the_runs_done(swept):
    second = swept["second"]
    assert second.returncode == 0, second.stderr
    assert "4 already done, 0 to run" in second.stderr
    assert "started" not in second.stderr  # no kernel
    after = {p.parent.name: p.stat().st_mtime_ns
             for p in swept["folder"].glob("*/run.json")}
    assert after == swept["mtimes"]


def test_grid_errors_stop_before_any_run(tmp_path, monkeypatch):
    nbs = synthetic_notebooks.make(tmp_path / "nb", "01_tiny")
    monkeypatch.setenv("DISPATCHLIB_NOTEBOOKS_DIR", str(nbs))
    out = tmp_path / "reports"
    cases = [
        ({"parameters": {"wrokers": [1, 2]}}, ParameterError, "did you mean 'workers'"),
        ({"parameters": {"workers": [1, -2]}}, ParameterError, "workers = -2"),
        ({"parameters": {"workers": []}}, DispatchlibError, "empty list"),
        ({"parameters": {"workers": [1, 1]}}, DispatchlibError, "lists a value twice"),
        ({"parameter": {"workers": [1]}}, DispatchlibError, "unknown key 'parameter'"),
        ({"notebooks": ["09_none"], "parameters": {"seed": [1]}}, ParameterError, "09_none"),
    ]
    for content, error, message in cases:
        with pytest.raises(error, match=message):
            sweep.sweep(grid_file(tmp_path, **content), out=out)
    assert not out.exists()
    with pytest.raises(ParameterError, match="sweep name"):
        sweep.sweep(grid_file(tmp_path, parameters={"seed": [1]}), out=out, name="../x")


def test_compare_shows_what_differs_side_by_side(swept):
    out, nbs = swept["out"], swept["nbs"]
    proc = cli("compare", "grid/workers-10_seed-1", "grid/workers-20_seed-1", "--out", out,
               notebooks_dir=nbs)
    assert proc.returncode == 0, proc.stderr
    lines = proc.stdout.splitlines()
    assert lines[0].split() == ["grid/workers-10_seed-1", "grid/workers-20_seed-1"]
    assert "parameters that differ" in lines and "results that differ" in lines
    assert any(line.split() == ["01_tiny.workers", "10", "20"] for line in lines)
    assert any(line.split() == ["01_tiny.doubled", "20", "40"] for line in lines)
    assert not any("seed" in line for line in lines[1:])  # same seed: not shown
    same = cli("compare", "grid/workers-10_seed-1", swept["folder"] / "workers-10_seed-1",
               "--out", out, notebooks_dir=nbs)
    assert "same parameters and same headline results" in same.stdout
    as_json = cli("compare", "grid/workers-10_seed-1", "grid/workers-20_seed-2", "--json",
                  "--out", out, notebooks_dir=nbs)
    diff = json.loads(as_json.stdout)
    assert {d["key"] for d in diff["parameters"]} == {"01_tiny.workers", "01_tiny.seed"}
    missing = cli("compare", "grid/workers-10_seed-1", "nope", "--out", out,
                  notebooks_dir=nbs)
    assert missing.returncode == 1 and "grid/workers-10_seed-1" in missing.stderr


def test_compare_records():
    a = {"status": "ok", "parameters": {"02": {"workers": 15000, "seed": 1}},
         "notebooks": {"02": {"status": "ok", "results": {"revenue_usd": 1.0e8, "x": 1}}},
         "versions": {"numpy": "2.0"}, "data_sha256": "aa"}
    b = {"status": "failed", "parameters": {"02": {"workers": 100000, "seed": 1}},
         "notebooks": {"02": {"status": "failed", "results": {"revenue_usd": 1.0e8}}},
         "versions": {"numpy": "2.1"}, "data_sha256": "aa"}
    diff = compare.compare(a, b)
    assert diff["parameters"] == [("02.workers", 15000, 100000)]
    assert diff["results"] == [("02.x", 1, compare.MISSING), ("02.status", compare.MISSING,
                                                              "failed")]
    assert diff["context"] == [("status", "ok", "failed"), ("versions.numpy", "2.0", "2.1")]
    text = compare.format_table("a", "b", diff)
    assert "15,000" in text and "100,000" in text


def test_the_example_grid_plans_four_runs_of_the_economics_lesson():
    from dispatchlib import paths

    grid = sweep.load_grid(paths.scenarios_dir() / "grids" / "economics-2x2.yaml")
    combos = grid.combinations()
    assert len(combos) == 4 and combos[0] == {"workers": 15000, "quota_months": 6, "draws": 5000}
    for values in combos:  # every combination passes the checks; nothing runs
        plan = planning.prepare(grid.notebooks, planning.slug(values), values, parent=grid.name)
        assert plan.injected["02_economics"] == {"workers": values["workers"],
                                              "quota_months": float(values["quota_months"]),
                                              "draws": 5000}


# --------------------------------------------------------------------------- run safety (issue 16)

MANY_RUNS = """
import json, resource, sys
from pathlib import Path

from dispatchlib.run import planning, runner, workers

out, source = Path(sys.argv[1]), Path(sys.argv[2])
soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
resource.setrlimit(resource.RLIMIT_NOFILE, (int(sys.argv[3]), hard))


def work(task):  # no kernel: the notebook's output is a copy of it
    task.target.write_text(task.source.read_text())
    return {"status": "ok", "error": None, "results": {"n": 1}, "seconds": 0.0}


workers._work = work
workers._page = lambda task, outcome: outcome
workers._warm_pages = lambda *_: None
plans = [planning.RunPlan(f"r{i}", out / "big" / f"r{i}", [source], {source.stem: {}}, {},
                            sweep="big") for i in range(int(sys.argv[4]))]
records = runner.execute_plans(plans, jobs=2)
print(json.dumps({"ok": sum(r["status"] == "ok" for r in records)}))
"""


def test_a_sweep_of_150_runs_holds_only_a_few_files_open(tmp_path):
    # every run's lock used to be taken before the first notebook started: 1,200 runs died of
    # "Too many open files". With 64 descriptors allowed, all 150 (more than twice 64: a
    # descriptor kept per run would fail as 1,200 did) must finish now.
    source = synthetic_notebooks.make(tmp_path / "nb", "01_tiny") / "01_tiny.ipynb"
    out = tmp_path / "reports"
    proc = subprocess.run([sys.executable, "-c", MANY_RUNS, str(out), str(source), "64", "150"],
                          capture_output=True, text=True, timeout=600)
    assert proc.returncode == 0, proc.stderr[-3000:]
    assert json.loads(proc.stdout.splitlines()[-1]) == {"ok": 150}
    folders = sorted(p.name for p in (out / "big").iterdir())
    assert len(folders) == 150 and all(not n.startswith(".") for n in folders)  # no lock left
    assert json.loads((out / "big" / "r149" / "run.json").read_text())["status"] == "ok"


def _descendants(pid: int) -> set[int]:
    """Every process below ``pid`` (read from /proc)."""
    children: dict[int, list[int]] = {}
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                stat = open(f"/proc/{entry}/stat").read()
            except OSError:
                continue
            ppid = int(stat.rsplit(")", 1)[1].split()[1])
            children.setdefault(ppid, []).append(int(entry))
    found, todo = set(), [pid]
    while todo:
        for child in children.get(todo.pop(), []):
            if child not in found:
                found.add(child)
                todo.append(child)
    return found


def _alive(pid: int) -> bool:
    try:
        stat = open(f"/proc/{pid}/stat").read()
    except OSError:
        return False
    return stat.rsplit(")", 1)[1].split()[0] != "Z"  # a zombie has ended


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="reads /proc")
def test_workers_and_kernels_end_when_a_sweep_is_killed(tmp_path, own_fork_servers):
    from test_run_safety import GATED, make_notebook, start, wait_for

    nbs = make_notebook(tmp_path / "nb", "01_gated", GATED)
    grid = grid_file(tmp_path, parameters={"seed": [1, 2]})
    env = {"DISPATCHLIB_NOTEBOOKS_DIR": str(nbs), "DL_TEST_GATE": str(tmp_path / "never")}
    sweep_run = start("sweep", grid, "--jobs", "2", "--out", tmp_path / "reports", env=env,
                      log=tmp_path / "err")
    wait_for(lambda: sweep_run.stderr().count("  started  ") == 2, sweep_run,
             what="both notebooks to start")
    below = set()
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:  # two workers, each with its kernel
        below = _descendants(sweep_run.proc.pid)
        if len(below) >= 4:
            break
        time.sleep(0.1)
    assert len(below) >= 4, below
    try:
        os.kill(sweep_run.proc.pid, signal.SIGKILL)  # the runner alone, not its group
        sweep_run.proc.wait(timeout=30)
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline and any(_alive(p) for p in below):
            time.sleep(0.2)
        assert not [p for p in below if _alive(p)], "processes outlived the killed sweep"
    finally:
        for pid in below:  # only what this test started
            if _alive(pid):
                os.kill(pid, signal.SIGKILL)


def test_two_sweeps_of_one_name_never_mix(tmp_path):
    from test_run_safety import GATED, make_notebook, start, wait_for

    nbs = make_notebook(tmp_path / "nb", "01_gated", GATED)
    gate = tmp_path / "gate"
    env = {"DISPATCHLIB_NOTEBOOKS_DIR": str(nbs), "DL_TEST_GATE": str(gate)}
    out = tmp_path / "reports"
    grids = tmp_path / "a", tmp_path / "b"
    for folder, seeds in zip(grids, ([1, 2], [3, 4, 5]), strict=True):
        folder.mkdir()
        grid_file(folder, parameters={"seed": seeds})
    first = start("sweep", grids[0] / "grid.yaml", "--out", out, env=env, log=tmp_path / "a.err")
    wait_for(first.started, first, what="the first sweep to start")
    full = dict(os.environ, **env)
    other_grid = commands.dispatchlib("sweep", grids[1] / "grid.yaml", "--out", out, env=full,
                                      timeout=120)
    assert other_grid.returncode == 1
    assert other_grid.stderr.splitlines() == [
        f"dispatchlib sweep: error: {(out / 'grid').resolve()} holds sweep 'grid' of another "
        'grid (parameters {"seed": [1, 2]}, notebooks []): not mixing the two; give --replace '
        "to replace it, or choose another --name"]
    same_grid = commands.dispatchlib("sweep", grids[0] / "grid.yaml", "--out", out, env=full,
                                     timeout=120)
    assert same_grid.returncode == 1
    assert "sweep 'grid' is already being written into" in same_grid.stderr
    assert "started" not in other_grid.stderr + same_grid.stderr
    gate.touch()
    code, err = first.wait()
    assert code == 0, err
    assert err.count("sweep grid: 2 ok, 0 failed") == 1  # the summary, once
    with open(out / "grid" / "sweep.csv", newline="") as fh:
        rows = list(csv.DictReader(fh))
    assert [r["seed"] for r in rows] == ["1", "2"]
    assert json.loads((out / "grid" / "sweep.json").read_text())["parameters"] == \
        {"seed": [1, 2]}
    # --replace: the other grid runs, and the runs of the old grid it lacks go
    replaced = commands.dispatchlib("sweep", grids[1] / "grid.yaml", "--out", out, "--replace",
                                    env=full)
    assert replaced.returncode == 0, replaced.stderr
    assert sorted(p.name for p in (out / "grid").iterdir()) == [
        "index.html", "seed-3", "seed-4", "seed-5", "sweep.csv", "sweep.json"]
    index = (out / "grid" / "index.html").read_text()
    assert '<div class="wide"><table>' in index and "overflow-x: auto" in index


def test_compare_shows_what_differs_first_and_counts_what_one_run_lacks():
    a = {"status": "ok", "data_sha256": "a" * 64, "versions": {},
         "parameters": {"01_h": {"grades": ["H"]}, "02_e": {"workers": 15000}},
         "notebooks": {"01_h": {"status": "ok", "results": {"fitted": 9, "sources": 4}},
                       "02_e": {"status": "ok", "results": {"revenue_usd": 1.0e8}}}}
    b = {"status": "ok", "data_sha256": "b" * 64, "versions": {},
         "parameters": {"02_e": {"workers": 100000}},
         "notebooks": {"02_e": {"status": "ok", "results": {"revenue_usd": 6.5e8}}}}
    diff = compare.compare(a, b)
    assert compare.differing(diff)["parameters"] == [("02_e.workers", 15000, 100000)]
    assert [k for k, _, _ in compare.one_side_only(diff)["results"]] == ["01_h.fitted",
                                                                         "01_h.sources"]
    lines = compare.format_table("default", "big", diff).splitlines()
    assert [line.split() for line in lines] == [
        ["default", "big"],
        ["parameters", "that", "differ"], ["02_e.workers", "15,000", "100,000"],
        ["results", "that", "differ"], ["02_e.revenue_usd", "100,000,000", "650,000,000"],
        ["status,", "data", "and", "versions"], ["data_sha256", "aaaaaaaaaaaa...",
                                                 "bbbbbbbbbbbb..."],
        "(3 parameter(s) and result(s) only one run has, not shown: 01_h only in default; "
        "--all lists them)".split()]
    everything = compare.format_table("default", "big", diff, everything=True)
    assert "results (one run only)" in everything and "01_h.sources" in everything
    assert compare.MISSING in everything and compare.MISSING not in "\n".join(lines)
    same = compare.format_table("a", "b", compare.compare(a, {**a, "notebooks": {
        "02_e": a["notebooks"]["02_e"]}, "parameters": {"02_e": {"workers": 15000}}}))
    assert same.splitlines() == [
        "a and b: same parameters and same headline results where both have them",
        "(3 parameter(s) and result(s) only one run has, not shown: 01_h only in a; --all "
        "lists them)"]
