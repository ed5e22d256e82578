"""Runs are reproducible and change nothing outside their output folder.

The Monte Carlo lessons 02_economics and 04_prospects run three times with the same parameters
and seed, each time in a new process, the three processes at the same time: a run with
``--jobs 1`` in the order 02, 04; a run with ``--jobs 1`` in the order 04, 02; a sweep holding
the same values with ``--jobs 2`` (both at once). Their headline results
(``<notebook>.results.json`` and the ``results`` of ``run.json``)
must be byte-identical. Around all of it, every file of ``notebooks/`` and ``data/`` is
hashed: a run never changes them, and writes nothing outside ``--out`` (not in the working
folder, not in the default reports folder).
"""

import hashlib
import json
import os
import subprocess
import sys

import pytest
import yaml

from dispatchlib import paths

ROOT = paths.ROOT
SAME = ["-p", "seed", "7", "-p", "draws", "2000"]
STEMS = ("02_economics", "04_prospects")


def tree_digest(folder):
    return {p.relative_to(folder).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(folder.rglob("*")) if p.is_file()}


def start(*args, cwd, env) -> subprocess.Popen:
    """A new interpreter for each (not tests/commands.py's driver): each process has its own
    string-hash seed, so a result that depended on the order of a set would differ."""
    return subprocess.Popen([sys.executable, "-m", "dispatchlib", *map(str, args)],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, cwd=cwd,
                            env=dict(os.environ, **env))


def finish(proc: subprocess.Popen) -> subprocess.CompletedProcess:
    out, err = proc.communicate(timeout=600)
    return subprocess.CompletedProcess(proc.args, proc.returncode, out, err)


@pytest.fixture(scope="module")
def runs(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("repro")
    out, cwd, default_reports = tmp / "reports", tmp / "cwd", tmp / "default-reports"
    cwd.mkdir()
    env = {"DISPATCHLIB_REPORTS_DIR": str(default_reports)}
    grid = tmp / "grid.yaml"
    grid.write_text(yaml.safe_dump({"notebooks": list(STEMS),
                                    "parameters": {"seed": 7, "draws": 2000}}))
    before = {d: tree_digest(ROOT / d) for d in ("notebooks", "data")}
    # the three processes at once (three run names in one reports folder)
    started = {
        "a": start("run", *STEMS, *SAME, "--jobs", "1", "--name", "a", "--out", out,
                   cwd=cwd, env=env),
        "b": start("run", *reversed(STEMS), *SAME, "--jobs", "1", "--name", "b", "--out", out,
                   cwd=cwd, env=env),
        "sweep": start("sweep", grid, "--jobs", "2", "--out", out, cwd=cwd, env=env),
    }
    procs = {name: finish(proc) for name, proc in started.items()}
    after = {d: tree_digest(ROOT / d) for d in ("notebooks", "data")}
    return {"procs": procs, "out": out, "cwd": cwd, "default": default_reports,
            "before": before, "after": after}


def record(runs, name):
    return json.loads((runs["out"] / name / "run.json").read_text(encoding="utf-8"))


def headline(rec):
    """The ``results`` part of a run record, as sorted JSON text."""
    return json.dumps({s: nb["results"] for s, nb in rec["notebooks"].items()}, sort_keys=True)


def test_the_runs_succeed(runs):
    for name, proc in runs["procs"].items():
        assert proc.returncode == 0, f"{name}: {proc.stderr}"
    # the notebooks really ran in the two orders asked for, one at a time
    for name, order in (("a", STEMS), ("b", tuple(reversed(STEMS)))):
        err = runs["procs"][name].stderr
        assert "1 at a time" in err
        started = [line.split()[1] for line in err.splitlines()
                   if line.strip().startswith("started")]
        assert tuple(started) == order, err


def test_same_seed_same_bytes_whatever_jobs_and_order(runs):
    a, b = runs["out"] / "a", runs["out"] / "b"
    for stem in STEMS:
        first = (a / f"{stem}.results.json").read_bytes()
        assert first == (b / f"{stem}.results.json").read_bytes(), stem
        results = json.loads(first)["results"]
        # Monte Carlo percentiles are among them (so the seed matters)
        assert any(k.endswith("_p5") for k in results) and any(k.endswith("_p95")
                                                              for k in results), results
    ra, rb = record(runs, "a"), record(runs, "b")
    assert headline(ra) == headline(rb)
    assert ra["parameters"] == rb["parameters"] and ra["overrides"] == rb["overrides"]
    assert ra["overrides"] == {"seed": 7, "draws": 2000}
    assert ra["data_sha256"] == rb["data_sha256"]


def test_a_sweep_with_two_jobs_gives_the_same_bytes_as_the_runs(runs):
    (folder,) = [p.parent for p in (runs["out"] / "grid").glob("*/run.json")]
    for stem in STEMS:
        assert (folder / f"{stem}.results.json").read_bytes() == \
            (runs["out"] / "a" / f"{stem}.results.json").read_bytes(), stem
    swept = json.loads((folder / "run.json").read_text(encoding="utf-8"))
    assert headline(swept) == headline(record(runs, "a"))
    assert swept["parameters"] == record(runs, "a")["parameters"]


def test_notebooks_and_data_are_never_modified_and_nothing_is_written_elsewhere(runs):
    for folder in ("notebooks", "data"):
        assert runs["after"][folder] == runs["before"][folder], f"a run changed {folder}/"
    assert not any(runs["cwd"].iterdir())  # the working folder stays empty
    assert not runs["default"].exists()  # with --out, the default reports folder is not made
    assert sorted(p.name for p in runs["out"].iterdir()) == ["a", "b", "grid"]
    hidden = [p for p in runs["out"].rglob(".*")]
    assert hidden == []  # no lock, work folder or temporary file left behind
