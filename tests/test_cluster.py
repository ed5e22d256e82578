"""``python -m dispatchlib sweep GRID --scheduler ADDRESS``: sweeps on a Dask cluster.

One ``LocalCluster`` of two worker processes on 127.0.0.1 serves the module: a 2 x 2 grid of
02_economics written by the client as a local sweep is, with each notebook's executor in
``run.json`` (warm kernels from each worker's fork server); and a sweep with ``--cold`` whose
worker is killed (SIGKILL) while it runs a notebook, which
still completes (the scheduler runs the notebook elsewhere) or reports only that run failed,
and which a second run completes.
"""

from __future__ import annotations

import csv
import json
import os
import signal
import subprocess
import sys
import time

import pytest
import yaml

distributed = pytest.importorskip("distributed")


@pytest.fixture(scope="module")
def cluster():
    with distributed.LocalCluster(n_workers=2, processes=True, threads_per_worker=1,
                                  host="127.0.0.1", dashboard_address=None) as local:
        with distributed.Client(local, set_as_default=False) as client:
            yield local.scheduler_address, client


def grid_file(folder, name, **parameters):
    path = folder / f"{name}.yaml"
    path.write_text(yaml.safe_dump({"notebooks": ["02_economics"], "parameters": parameters},
                                   sort_keys=False))
    return path


def sweep_cli(*args):
    return subprocess.Popen([sys.executable, "-m", "dispatchlib", "sweep", *map(str, args)],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


def rows(folder):
    with open(folder / "sweep.csv", newline="") as fh:
        return list(csv.DictReader(fh))


def test_a_two_by_two_grid_runs_on_the_cluster_and_is_written_here(cluster, tmp_path):
    address, client = cluster
    workers = set(client.scheduler_info()["workers"])
    grid = grid_file(tmp_path, "g", workers=[15000, 100000], quota_months=[6, 8], draws=2000)
    out = tmp_path / "reports"
    proc = sweep_cli(grid, "--scheduler", address, "--out", out)
    stdout, stderr = proc.communicate(timeout=240)
    assert proc.returncode == 0, stderr
    folder = out / "g"
    table = rows(folder)
    assert [r["run"] for r in table] == [
        "workers-15000_quota_months-6", "workers-15000_quota_months-8",
        "workers-100000_quota_months-6", "workers-100000_quota_months-8"]
    # 6,500 USD over 6 months is 13,000 a year; over 8 months 9,750; times the workers
    assert [float(r["02_economics.annual_quota_usd"]) for r in table] == [
        13000.0, 9750.0, 13000.0, 9750.0]
    assert [float(r["02_economics.state_revenue_usd"]) for r in table] == [
        195e6, 146.25e6, 1.3e9, 975e6]
    assert {r["status"] for r in table} == {"ok"}
    for r in table:
        run = folder / r["run"]
        assert sorted(p.name for p in run.iterdir()) == [
            "02_economics.html", "02_economics.ipynb", "02_economics.log",
            "02_economics.results.json", "index.html", "run.json"]
        record = json.loads((run / "run.json").read_text())
        assert record["status"] == "ok" and record["sweep"] == "g"
        executor = record["notebooks"]["02_economics"]["executor"]
        assert executor["kind"] == "dask" and executor["scheduler"] == address
        assert executor["worker"] in workers
        assert record["notebooks"]["02_economics"]["kernel"] == "warm"  # the worker's own server
        results = json.loads((run / "02_economics.results.json").read_text())
        assert results["results"] == record["notebooks"]["02_economics"]["results"]
    # nothing half-written is left beside the runs, and no lock
    assert sorted(p.name for p in out.iterdir()) == ["g"]
    assert sorted(p.name for p in folder.iterdir() if not p.is_dir()) == [
        "index.html", "sweep.csv", "sweep.json"]
    # again: every run is already done, nothing goes to the cluster
    again = sweep_cli(grid, "--scheduler", address, "--out", out)
    _, stderr = again.communicate(timeout=120)
    assert again.returncode == 0 and "4 already done, 0 to run" in stderr


def test_a_worker_killed_mid_sweep_loses_at_most_its_run(cluster, tmp_path):
    address, client = cluster
    pids = client.run(os.getpid)
    grid = grid_file(tmp_path, "k", workers=[15000, 100000], draws=2000)
    out = tmp_path / "reports"
    proc = sweep_cli(grid, "--scheduler", address, "--out", out, "--cold")
    deadline = time.monotonic() + 120
    victim = None
    while victim is None and time.monotonic() < deadline and proc.poll() is None:
        busy = [w for w, keys in client.processing().items()
                if any(str(k).startswith("dispatchlib-") for k in keys)]
        victim = busy[0] if busy else None
        time.sleep(0.05)
    assert victim is not None, "no notebook reached a worker"
    time.sleep(1.0)  # its kernel is running (a lesson takes several seconds)
    assert any(str(k).startswith("dispatchlib-") for k in client.processing()[victim])
    os.kill(pids[victim], signal.SIGKILL)
    _, stderr = proc.communicate(timeout=240)
    table = rows(out / "k")
    failed = [r["run"] for r in table if r["status"] != "ok"]
    assert len(table) == 2 and len(failed) <= 1, stderr
    assert proc.returncode == (1 if failed else 0), stderr
    for r in table:  # what the killed worker was running came back from another one, or failed
        if r["status"] == "ok":
            record = json.loads((out / "k" / r["run"] / "run.json").read_text())
            assert record["notebooks"]["02_economics"]["executor"]["worker"] != victim
            assert record["notebooks"]["02_economics"]["kernel"] == "cold"  # --cold reached it
    client.wait_for_workers(2, timeout=60)  # the nanny restarts the killed worker
    again = sweep_cli(grid, "--scheduler", address, "--out", out)
    _, stderr = again.communicate(timeout=240)
    assert again.returncode == 0, stderr
    assert f"{2 - len(failed)} already done, {len(failed)} to run" in stderr
    assert {r["status"] for r in rows(out / "k")} == {"ok"}
    for r in rows(out / "k"):
        record = json.loads((out / "k" / r["run"] / "run.json").read_text())
        assert record["notebooks"]["02_economics"]["executor"]["worker"] != "unknown"


def test_a_scheduler_that_does_not_answer_is_named_in_one_line(tmp_path):
    grid = grid_file(tmp_path, "n", workers=[15000], draws=2000)
    proc = subprocess.run([sys.executable, "-m", "dispatchlib", "sweep", str(grid),
                           "--scheduler", "tcp://127.0.0.1:9", "--out", str(tmp_path / "r")],
                          capture_output=True, text=True, timeout=120,
                          env=dict(os.environ, DASK_DISTRIBUTED__COMM__TIMEOUTS__CONNECT="2s"))
    assert proc.returncode != 0
    assert "scheduler 'tcp://127.0.0.1:9' does not answer" in proc.stderr
    assert "Traceback" not in proc.stderr
    assert not (tmp_path / "r" / "n").exists()


def test_a_worker_with_other_data_refuses_the_notebook():
    from dispatchlib import __version__
    from dispatchlib.run import cluster

    outcome = cluster.execute_remote("02_economics.ipynb", b"{}", {}, "run t", "0" * 64,
                                     __version__)
    assert outcome["status"] == "failed" and outcome["files"] == {}
    assert outcome["error"].startswith("worker unknown has another data/ (SHA-256 ")
    assert "the client's 000000000000...): install the same checkout" in outcome["error"]
    from dispatchlib.run.run_record import data_hash

    outcome = cluster.execute_remote("02_economics.ipynb", b"{}", {}, "run t", data_hash(),
                                     "0.0.0")
    assert f"has another dispatchlib {__version__} (the client's 0.0.0)" in outcome["error"]
