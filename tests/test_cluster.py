"""``python -m dispatchlib sweep GRID --scheduler ADDRESS``: sweeps on a Dask cluster.

One ``LocalCluster`` of two worker processes on 127.0.0.1 serves the module: a 2 x 2 grid of a
small notebook written by the client as a local sweep is, with each notebook's executor in
``run.json`` (warm kernels from each worker's fork server); and a sweep with ``--cold`` whose
worker is killed (SIGKILL) while it runs a notebook, which
still completes (the scheduler runs the notebook elsewhere) or reports only that run failed,
and which a second run completes.

The notebooks are the synthetic ones of tests/synthetic_notebooks.py and a gated one that waits
for a file until the worker is killed (the client sends each notebook's bytes to the workers):
what is under test is the cluster's part, not a lesson, whose runs are checked elsewhere.
"""

from __future__ import annotations

import csv
import json
import os
import signal
import subprocess
import sys
import time

import nbformat
import pytest
import synthetic_notebooks
import yaml

distributed = pytest.importorskip("distributed")
# the workers start their own fork servers, as on a real cluster (not the suite's shared one)
pytestmark = pytest.mark.usefixtures("own_fork_servers_in_module")


@pytest.fixture(scope="module")
def cluster():
    with distributed.LocalCluster(n_workers=2, processes=True, threads_per_worker=1,
                                  host="127.0.0.1", dashboard_address=None) as local:
        with distributed.Client(local, set_as_default=False) as client:
            yield local.scheduler_address, client


def grid_file(folder, name, notebook="02_economics", **parameters):
    path = folder / f"{name}.yaml"
    path.write_text(yaml.safe_dump({"notebooks": [notebook], "parameters": parameters},
                                   sort_keys=False))
    return path


def sweep_cli(*args, notebooks_dir=None):
    env = dict(os.environ, **({"DISPATCHLIB_NOTEBOOKS_DIR": str(notebooks_dir)}
                              if notebooks_dir else {}))
    return subprocess.Popen([sys.executable, "-m", "dispatchlib", "sweep", *map(str, args)],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env)


def gated_notebook(folder, gate):
    """``01_gated``: records its seed once the file ``gate`` exists (waits at most 120 s)."""
    cells = [
        nbformat.v4.new_markdown_cell("# 01 · Gated"),
        nbformat.v4.new_code_cell("seed: int = 1  # seed", metadata={"tags": ["parameters"]}),
        nbformat.v4.new_code_cell("import dispatchlib as dl\n\np = dl.check(seed=seed)"),
        nbformat.v4.new_code_cell(
            f"import os, time\n\nt0 = time.monotonic()\nwhile not os.path.exists({str(gate)!r})"
            " and time.monotonic() - t0 < 120:\n    time.sleep(0.05)"),
        nbformat.v4.new_code_cell('dl.record("01_gated", seed=p.seed)'),
    ]
    nb = nbformat.v4.new_notebook(cells=cells)
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3",
                                 "language": "python"}
    folder.mkdir(parents=True)
    nbformat.write(nb, str(folder / "01_gated.ipynb"))
    return folder


def rows(folder):
    with open(folder / "sweep.csv", newline="") as fh:
        return list(csv.DictReader(fh))


def test_a_two_by_two_grid_runs_on_the_cluster_and_is_written_here(cluster, tmp_path):
    address, client = cluster
    workers = set(client.scheduler_info()["workers"])
    nbs = synthetic_notebooks.make(tmp_path / "nb", "01_tiny")
    grid = grid_file(tmp_path, "g", "01_tiny", workers=[15000, 100000], seed=[1, 2])
    out = tmp_path / "reports"
    proc = sweep_cli(grid, "--scheduler", address, "--out", out, notebooks_dir=nbs)
    stdout, stderr = proc.communicate(timeout=240)
    assert proc.returncode == 0, stderr
    folder = out / "g"
    table = rows(folder)
    assert [r["run"] for r in table] == [
        "workers-15000_seed-1", "workers-15000_seed-2",
        "workers-100000_seed-1", "workers-100000_seed-2"]
    # the notebook records twice its workers, and its seed: each run got its own values
    assert [int(r["01_tiny.doubled"]) for r in table] == [30000, 30000, 200000, 200000]
    assert [int(r["01_tiny.seed"]) for r in table] == [1, 2, 1, 2]
    assert {r["status"] for r in table} == {"ok"}
    for r in table:
        run = folder / r["run"]
        assert sorted(p.name for p in run.iterdir()) == [
            "01_tiny.html", "01_tiny.ipynb", "01_tiny.log",
            "01_tiny.results.json", "index.html", "run.json"]
        record = json.loads((run / "run.json").read_text())
        assert record["status"] == "ok" and record["sweep"] == "g"
        executor = record["notebooks"]["01_tiny"]["executor"]
        assert executor["kind"] == "dask" and executor["scheduler"] == address
        assert executor["worker"] in workers
        assert record["notebooks"]["01_tiny"]["kernel"] == "warm"  # the worker's own server
        results = json.loads((run / "01_tiny.results.json").read_text())
        assert results["results"] == record["notebooks"]["01_tiny"]["results"]
    # nothing half-written is left beside the runs, and no lock
    assert sorted(p.name for p in out.iterdir()) == ["g"]
    assert sorted(p.name for p in folder.iterdir() if not p.is_dir()) == [
        "index.html", "sweep.csv", "sweep.json"]
    # again: every run is already done, nothing goes to the cluster
    again = sweep_cli(grid, "--scheduler", address, "--out", out, notebooks_dir=nbs)
    _, stderr = again.communicate(timeout=120)
    assert again.returncode == 0 and "4 already done, 0 to run" in stderr


def test_a_worker_killed_mid_sweep_loses_at_most_its_run(cluster, tmp_path):
    address, client = cluster
    pids = client.run(os.getpid)
    gate = tmp_path / "gate"
    nbs = gated_notebook(tmp_path / "nb", gate)
    grid = grid_file(tmp_path, "k", "01_gated", seed=[1, 2])
    out = tmp_path / "reports"
    proc = sweep_cli(grid, "--scheduler", address, "--out", out, "--cold", notebooks_dir=nbs)
    deadline = time.monotonic() + 120
    victim = None
    while victim is None and time.monotonic() < deadline and proc.poll() is None:
        busy = [w for w, keys in client.processing().items()
                if any(str(k).startswith("dispatchlib-") for k in keys)]
        victim = busy[0] if busy else None
        time.sleep(0.05)
    assert victim is not None, "no notebook reached a worker"
    time.sleep(1.0)  # its kernel is running (and waits for the gate)
    assert any(str(k).startswith("dispatchlib-") for k in client.processing()[victim])
    os.kill(pids[victim], signal.SIGKILL)
    gate.touch()  # the notebooks still running, and the one run again, may finish
    _, stderr = proc.communicate(timeout=240)
    table = rows(out / "k")
    failed = [r["run"] for r in table if r["status"] != "ok"]
    assert len(table) == 2 and len(failed) <= 1, stderr
    assert proc.returncode == (1 if failed else 0), stderr
    for r in table:  # what the killed worker was running came back from another one, or failed
        if r["status"] == "ok":
            record = json.loads((out / "k" / r["run"] / "run.json").read_text())
            assert record["notebooks"]["01_gated"]["executor"]["worker"] != victim
            assert record["notebooks"]["01_gated"]["kernel"] == "cold"  # --cold reached it
    client.wait_for_workers(2, timeout=60)  # the nanny restarts the killed worker
    again = sweep_cli(grid, "--scheduler", address, "--out", out, notebooks_dir=nbs)
    _, stderr = again.communicate(timeout=240)
    assert again.returncode == 0, stderr
    assert f"{2 - len(failed)} already done, {len(failed)} to run" in stderr
    assert {r["status"] for r in rows(out / "k")} == {"ok"}
    for r in rows(out / "k"):
        record = json.loads((out / "k" / r["run"] / "run.json").read_text())
        assert record["notebooks"]["01_gated"]["executor"]["worker"] != "unknown"


def test_a_scheduler_that_does_not_answer_is_named_in_one_line(tmp_path):
    grid = grid_file(tmp_path, "n", workers=[15000], draws=2000)
    proc = subprocess.run([sys.executable, "-m", "dispatchlib", "sweep", str(grid),
                           "--scheduler", "tcp://127.0.0.1:9", "--out", str(tmp_path / "r")],
                          capture_output=True, text=True, timeout=120,
                          env=dict(os.environ, DASK_DISTRIBUTED__COMM__TIMEOUTS__CONNECT="1s"))
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
