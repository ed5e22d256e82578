"""Parameter sweeps: every combination of some parameter values, run in parallel.

A grid file is YAML::

    title: Workforce against quota          # optional
    description: ...                        # optional
    notebooks: [02_economics]               # optional; default all notebooks
    parameters:
      workers: [15000, 50000, 100000]       # a list of values...
      quota_months: [6, 8]
      draws: 2000                           # ...or one value, used in every run

``python -m dispatchlib sweep GRID.yaml`` checks every combination before anything runs,
executes the notebooks of all runs in one pool of processes (``--jobs``), and writes into
``reports/<sweep>/`` (``<sweep>`` is the file's stem unless ``--name`` is given):

- one run folder per combination, named after the values that vary
  (``workers-15000_quota_months-6``), laid out like ``python -m dispatchlib run``
  (``run.json``, pages, ``index.html``);
- ``sweep.csv``: one row per run, its status, its parameter values and the headline results
  of every notebook (columns ``<notebook>.<result>``);
- ``index.html`` linking every run, and ``sweep.json`` (the grid).

A failed run is reported and the others go on; the command then exits non-zero. Running the
same sweep again skips every run already done with the same values, notebooks and data.
Progress shows the runs done, failed and left, with an estimate of the time left: a bar on a
terminal, one line per run otherwise (:mod:`dispatchlib.run.sweep_progress`).
``--scheduler ADDRESS`` executes the notebooks on a Dask cluster (:mod:`dispatchlib.run.cluster`).

A sweep holds a lock (``reports/.<sweep>.lock``) while it runs: a second sweep of the same name
into the same folder is refused until the first ends. A sweep folder written from another grid
(its ``sweep.json`` lists other values or notebooks) is not mixed with this one: that needs
``--replace`` (which also removes the runs of the old grid that the new one does not have) or
another ``--name``.
"""

from __future__ import annotations

import csv
import functools
import io
import itertools
import json
import shutil
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from dispatchlib import atomic
from dispatchlib.errors import DispatchlibError, ParameterError
from dispatchlib.run import folders, planning, run_record, runner
from dispatchlib.run import pages as report
from dispatchlib.run import scenario_files as cases
from dispatchlib.run.sweep_progress import SweepProgress


@dataclass(frozen=True)
class Grid:
    """A checked grid file.

    Attributes
    ----------
    name : str
        Sweep name (the file's stem by default).
    title, description : str
        Shown in the sweep's index.
    notebooks : tuple of str
        Notebooks to run (empty: all).
    parameters : dict
        ``{name: [values]}`` in the file's order.
    """

    name: str
    title: str
    description: str
    notebooks: tuple[str, ...]
    parameters: dict[str, list]

    def combinations(self) -> list[dict]:
        """Every combination of the values, the last parameter changing fastest.

        >>> Grid("g", "", "", (), {"a": [1, 2], "b": [3, 4]}).combinations()
        [{'a': 1, 'b': 3}, {'a': 1, 'b': 4}, {'a': 2, 'b': 3}, {'a': 2, 'b': 4}]
        """
        names = list(self.parameters)
        return [dict(zip(names, values, strict=True))
                for values in itertools.product(*self.parameters.values())]


def load_grid(path: str | Path, name: str | None = None) -> Grid:
    """Read and check a grid file.

    Raises
    ------
    DispatchlibError
        For a missing file, bad YAML, an unknown key, an empty list, a value listed twice or a
        bad sweep name.
    """
    path = Path(path)
    what = "grid file"
    if not path.is_file():
        raise DispatchlibError(f"{what} {path}: not found")
    data = cases.read_yaml(path, what)  # also refuses a key outside cases.KEYS
    raw = data.get("parameters")
    if not isinstance(raw, dict) or not raw:
        raise DispatchlibError(f"{what} {path}: 'parameters' must map each parameter name to "
                               f"a list of values, got {raw!r}")
    grid_params: dict[str, list] = {}
    for key, values in raw.items():
        values = values if isinstance(values, list) else [values]
        if not values:
            raise DispatchlibError(f"{what} {path}: parameter {key!r} has an empty list")
        seen = [json.dumps(v, sort_keys=True, default=str) for v in values]
        if len(set(seen)) != len(seen):
            raise DispatchlibError(f"{what} {path}: parameter {key!r} lists a value twice: "
                                   f"{values!r}")
        grid_params[str(key)] = values
    refs = tuple(str(r) for r in data.get("references") or [])
    cases.check_references(refs, path, what)
    notebooks = cases.names(data, "notebooks", path, what)  # [02, 04]: lessons 02 and 04
    sweep_name = folders.check_name(name or path.stem, "sweep name")
    return Grid(name=sweep_name, title=str(data.get("title") or ""),
                description=str(data.get("description") or ""),
                notebooks=notebooks, parameters=grid_params)


def _same(a: object, b: object) -> bool:
    return json.dumps(a, sort_keys=True) == json.dumps(b, sort_keys=True)


def already_done(plan: planning.RunPlan) -> dict | None:
    """The earlier record of this run if it succeeded with the same values, notebooks and data."""
    record = run_record.read_or_none(plan.folder)
    if (record is None or record.get("status") != "ok"
            or not _same(record.get("overrides"), plan.overrides)):
        return None
    sources = {s.stem: run_record.file_hash(s) for s in plan.sources}
    earlier = {k: v.get("source_sha256") for k, v in (record.get("notebooks") or {}).items()}
    if earlier != sources or record.get("data_sha256") != run_record.data_hash():
        return None
    return record


def table(records: Sequence[dict], names: Sequence[str]) -> tuple[list[str], list[dict]]:
    """Rows of ``sweep.csv``: run, status, parameter values, ``<notebook>.<result>`` columns.

    Returns
    -------
    (list of str, list of dict)
        The columns after ``run``, and one row per record.
    """
    result_cols: list[str] = []
    rows = []
    for rec in records:
        row = {"run": rec["name"], "status": rec["status"]}
        row.update({n: rec.get("overrides", {}).get(n) for n in names})
        for stem, info in rec["notebooks"].items():
            for key, value in (info.get("results") or {}).items():
                col = f"{stem}.{key}"
                if col not in result_cols:
                    result_cols.append(col)
                row[col] = value
        rows.append(row)
    return ["status", *names, *result_cols], rows


def _csv_text(header: Sequence[str], rows: Sequence[dict]) -> str:
    buf = io.StringIO()
    writer = csv.DictWriter(buf, fieldnames=["run", *header], lineterminator="\n",
                            extrasaction="ignore")
    writer.writeheader()
    for row in rows:
        writer.writerow({k: ("" if v is None else json.dumps(v) if isinstance(v, list) else v)
                         for k, v in row.items()})
    return buf.getvalue()


def _grid_record(grid: Grid) -> dict:
    return {"name": grid.name, "title": grid.title, "description": grid.description,
            "notebooks": list(grid.notebooks), "parameters": grid.parameters}


def _check_sweep_folder(folder: Path, grid: Grid, replace: bool) -> dict | None:
    """Refuse a sweep folder that is not this grid's (unless ``replace``); return the earlier
    grid record when it is another grid's and ``replace`` is given."""
    way = "give --replace to replace it, or choose another --name"
    if folder.is_symlink() or (folder.exists() and not folder.is_dir()):
        raise DispatchlibError(f"{folder} is not a folder: not writing a sweep there")
    if not folder.exists() or not any(folder.iterdir()):
        return None
    try:
        earlier = json.loads((folder / "sweep.json").read_text(encoding="utf-8"))
    except (OSError, ValueError):
        earlier = None
    if not isinstance(earlier, dict):
        if replace:
            return {}
        raise DispatchlibError(f"{folder} exists and is not a sweep folder (no readable "
                               f"sweep.json): not writing there; {way}")
    mine = _grid_record(grid)
    if any(not _same(earlier.get(k), mine[k]) for k in ("notebooks", "parameters")):
        if replace:
            return earlier
        raise DispatchlibError(
            f"{folder} holds sweep {folder.name!r} of another grid (parameters "
            f"{json.dumps(earlier.get('parameters'))}, notebooks "
            f"{json.dumps(earlier.get('notebooks'))}): not mixing the two; {way}")
    return None


def sweep(path: str | Path, jobs: int | None = None, out: Path | None = None,
          name: str | None = None, replace: bool = False,
          scheduler: str | None = None) -> tuple[Path, list[dict]]:
    """Run every combination of a grid file; return the sweep folder and one row per run.

    Every combination is checked (names, types, ranges) before any notebook starts. Runs
    already done (same values, notebooks and data, status ok) are skipped.

    Parameters
    ----------
    path : str or Path
        The grid file.
    jobs : int, optional
        Notebooks executed at once across all runs (default: the number of cores).
    out : Path, optional
        Reports folder (default ``reports/``); nothing is written outside it.
    name : str, optional
        Sweep name (default: the grid file's stem).
    replace : bool
        Replace a sweep folder of another grid, and run folders that are not this sweep's
        runs (``--replace``); without it they are refused before anything runs.
    scheduler : str, optional
        Address of a Dask scheduler (``--scheduler``): the notebooks execute on its workers
        and come back here (:mod:`dispatchlib.run.cluster`); ``jobs`` then defaults to the
        cluster's worker threads. Default: local worker processes.
    """
    grid = load_grid(path, name)
    root = folders.reports_root(out)
    varying = [k for k, v in grid.parameters.items() if len(v) > 1] or list(grid.parameters)
    plans = []
    for values in grid.combinations():
        run_name = planning.slug({k: values[k] for k in varying})
        try:
            plans.append(planning.prepare(grid.notebooks or None, run_name, values, out=root,
                                        parent=grid.name, replace=replace))
        except ParameterError as exc:
            if exc.name not in values:  # a notebook or sweep name: the same for every run
                raise
            combo = ", ".join(f"{k} = {v!r}" for k, v in values.items())
            raise ParameterError(exc.name, exc.value, f"{exc.allowed} (in the combination "
                                 f"{combo} of {path})") from None
    if len({p.name for p in plans}) != len(plans):
        raise DispatchlibError(f"grid file {path}: two combinations give the same run name")

    folder = folders.inside(root, grid.name)
    _check_sweep_folder(folder, grid, replace)  # before anything is written
    client = pool = None
    if scheduler is not None:
        from dispatchlib.run import cluster

        client = cluster.connect(scheduler)
        pool = functools.partial(cluster.execute_all, client=client, scheduler=scheduler)
    try:
        fd = folders.lock(folder, "sweep")
        try:
            return _sweep_locked(path, grid, folder, plans, jobs, replace, pool)
        finally:
            folders.unlock(folder, fd)
    finally:
        if client is not None:
            client.close()


def _sweep_locked(path: str | Path, grid: Grid, folder: Path, plans: list[planning.RunPlan],
                  jobs: int | None, replace: bool, pool=None) -> tuple[Path, list[dict]]:
    """The part of :func:`sweep` done under the sweep's lock."""
    earlier = _check_sweep_folder(folder, grid, replace)  # again, under the lock
    folder.mkdir(parents=True, exist_ok=True)
    if earlier is not None:  # --replace over another grid: its runs the new one lacks go
        names = {p.name for p in plans}
        for entry in folder.iterdir():
            if entry.name not in names and entry.is_dir() and not entry.is_symlink():
                record = folders.written_by_run(entry)
                if record is not None and record.get("sweep") == grid.name:
                    shutil.rmtree(entry)
    atomic.write_json(folder / "sweep.json", _grid_record(grid))

    done = {p.name: rec for p in plans if (rec := already_done(p)) is not None}
    todo = [p for p in plans if p.name not in done]
    notebooks_each = len(plans[0].sources) if plans else 0
    runner.progress(f"sweep {grid.name}: {len(plans)} run(s) x {notebooks_each} notebook(s); "
                    f"{len(done)} already done, {len(todo)} to run; into {folder}")
    records = {**done}
    with SweepProgress(len(plans), skipped=len(done)) as shown:
        for rec in runner.execute_plans(
                todo, jobs, on_finish=lambda p, rec: shown.run_done(p.name, rec["status"] == "ok"),
                pool=pool):
            records[rec["name"]] = rec

    ordered = [records[p.name] for p in plans]
    header, rows = table(ordered, list(grid.parameters))
    atomic.write_text(folders.inside(folder, "sweep.csv"), _csv_text(header, rows))
    report.write_sweep_index(folder, grid.name, header, rows, grid.title, grid.description)
    failed = [r for r in ordered if r["status"] != "ok"]
    for rec in failed:
        for stem, info in rec["notebooks"].items():
            if info["status"] != "ok":
                runner.progress(f"failed: run {rec['name']}, {stem}: {info.get('error')}")
    runner.progress(f"sweep {grid.name}: {len(ordered) - len(failed)} ok, {len(failed)} failed, "
                    f"{len(done)} skipped (already done); table: {folder / 'sweep.csv'}")
    return folder, rows
