"""Benchmarks of dispatchlib: every figure beside its floor, measured in the same run.

Run it with ``make bench`` (or ``.venv/bin/python benchmarks/bench.py``). It prints a table and
writes it to ``benchmarks/results.md`` (and the raw samples to ``benchmarks/results.json``),
with the machine, the versions used and the date. See ``benchmarks/README.md`` for what each
figure means and why each floor is the right comparison.

Each figure is the median of ``--repeat`` runs (default 5; commands under a second run at least
``QUICK_REPEAT`` times). A figure and its floor are measured
back to back in each repetition, in alternating order, so that a change in the machine's load
touches both. Wall time is what the targets use; the CPU time of the whole process tree
(kernels included) is shown too, because it moves much less when other work shares the machine.

Options: ``--repeat N``; ``--tests`` also times ``make test`` once (it takes minutes, so it is
off by default); ``--only NAME ...`` runs some sections (import, scenario, full, shell, rerun,
tests). A section not run this time keeps its last figures from ``results.json``, shown with
the date they were measured.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import re
import resource
import shlex
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
HERE = ROOT / "benchmarks"
PY = sys.executable
BIN = Path(PY).parent
TIMEOUT_S = 1800

#: what a lesson's kernel imports besides dispatchlib: the floor notebook imports exactly this
FLOOR_SOURCE = """\
%matplotlib inline
import numpy
import pandas
import matplotlib.pyplot
import seaborn
import statsmodels.api
"""
HEAVY = ("pandas", "matplotlib", "seaborn", "statsmodels", "scipy", "papermill", "nbformat",
         "nbconvert")
FORBIDDEN = ("seaborn", "matplotlib", "statsmodels")
VERSIONS = ("numpy", "pandas", "matplotlib", "seaborn", "statsmodels", "papermill",
            "nbclient", "nbconvert", "ipykernel", "jupyter_client", "jsonschema")
#: runs of each command that takes a fraction of a second (at least ``--repeat``): its median
#: moves by tens of milliseconds from one run to the next, as much as the difference measured
QUICK_REPEAT = 15
SECTIONS = ("import", "scenario", "full", "shell", "rerun", "sweep", "tests")
#: the sweep of the sweep section: 12 runs of 02_economics (6 workforces x 2 quota periods)
SWEEP_GRID = """\
title: Benchmark sweep, 12 runs of 02_economics
notebooks: [02_economics]
parameters:
  workers: [15000, 30000, 50000, 75000, 100000, 150000]
  quota_months: [6, 8]
"""


# --------------------------------------------------------------------------- measuring

@dataclass
class Sample:
    """One timed command: wall seconds, CPU seconds of its process tree, exit status."""

    wall: float
    cpu: float
    rc: int
    error: str = ""


@dataclass
class Series:
    """Repeated samples of one command."""

    label: str
    command: str
    samples: list[Sample] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return bool(self.samples) and all(s.rc == 0 for s in self.samples)

    @property
    def wall(self) -> float:
        return statistics.median(s.wall for s in self.samples)

    @property
    def cpu(self) -> float:
        return statistics.median(s.cpu for s in self.samples)


def _env(**extra: str) -> dict[str, str]:
    env = dict(os.environ)
    env.pop("MPLBACKEND", None)  # Agg would drop the inline figures
    env["DISPATCHLIB_HEADLESS"] = "1"  # as the runner sets it for its kernels, for every tool
    env.update(extra)
    return env


def timed(cmd: list[str], env: dict | None = None, cwd: Path = ROOT) -> Sample:
    """Run ``cmd`` to its end; wall time, and user + system CPU time of it and its children."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    proc = subprocess.run(cmd, cwd=cwd, env=env or _env(), capture_output=True,
                          text=True, timeout=TIMEOUT_S)
    wall = time.perf_counter() - start
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    error = ""
    if proc.returncode != 0:
        lines = (proc.stderr or proc.stdout).strip().splitlines()
        error = "\n".join([x for x in lines if "FAILED" in x or "rror" in x][-6:] or lines[-6:])
        print(f"    ! exit {proc.returncode}: {_show(cmd)[:120]}", error, sep="\n      ",
              file=sys.stderr)
    return Sample(round(wall, 3), round(cpu, 3), proc.returncode, error)


def pairs(label_a: str, cmd_a: list[str], label_b: str, cmd_b: list[str], repeat: int,
          env_a: dict | None = None, env_b: dict | None = None) -> tuple[Series, Series]:
    """Time two commands ``repeat`` times, back to back, alternating which goes first."""
    a, b = Series(label_a, _show(cmd_a)), Series(label_b, _show(cmd_b))
    for i in range(repeat):
        order = [(a, cmd_a, env_a), (b, cmd_b, env_b)]
        for series, cmd, env in (order if i % 2 == 0 else order[::-1]):
            if not cmd:  # measured elsewhere
                continue
            series.samples.append(timed(cmd, env))
            s = series.samples[-1]
            print(f"  {series.label:<44} {s.wall:7.2f} s wall {s.cpu:7.2f} s cpu", flush=True)
    return a, b


def _show(cmd: list[str]) -> str:
    text = shlex.join(cmd).replace(PY, "python").replace(str(BIN) + "/", "")
    text = re.sub(r"/\S*/dispatchlib-bench-[^/\s]+", "$TMP", text)
    return text.replace(str(ROOT) + "/", "")


# --------------------------------------------------------------------------- fixtures

def floor_notebooks(folder: Path, count: int) -> Path:
    """``count`` copies of the floor notebook (a title and one cell of imports) in ``folder``."""
    import nbformat
    from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook

    folder.mkdir(parents=True, exist_ok=True)
    for i in range(count):
        nb = new_notebook(cells=[new_markdown_cell(f"# {i:02d} · Floor"),
                                 new_code_cell(FLOOR_SOURCE)])
        nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3",
                                     "language": "python"}
        nbformat.write(nb, str(folder / f"{i:02d}_floor.ipynb"))
    return folder


def lessons() -> list[Path]:
    return sorted((ROOT / "notebooks").glob("[0-9][0-9]_*.ipynb"))


def run_cmd(*args: str, out: Path) -> list[str]:
    return [PY, "-m", "dispatchlib", "run", *args, "--out", str(out)]


# --------------------------------------------------------------------------- sections

def bench_import(repeat: int) -> dict:
    repeat = max(repeat, QUICK_REPEAT)
    ours, ref = pairs("python -c 'import dispatchlib'", [PY, "-c", "import dispatchlib"],
                      "python -c 'import pandas'", [PY, "-c", "import pandas"], repeat)
    code = f"import sys, dispatchlib; print([m for m in {HEAVY!r} if m in sys.modules])"
    loaded = subprocess.run([PY, "-c", code], capture_output=True, text=True, cwd=ROOT,
                            env=_env(), check=True).stdout.strip()
    return {"ours": ours, "ref": ref, "loaded": json.loads(loaded.replace("'", '"'))}


def bench_scenario(repeat: int) -> dict:
    repeat = max(repeat, QUICK_REPEAT)
    scen = [PY, "-m", "dispatchlib", "scenario", "--json"]
    ours, ref = pairs("scenario --json", scen, "python -c 'import numpy'",
                      [PY, "-c", "import numpy"], repeat)
    mc, base = pairs("scenario --json --draws 1000000", [*scen, "--draws", "1000000"],
                     "scenario --json", scen, repeat)
    # compute alone: scenario.report with a million draws minus without, in one warm process
    code = (
        "import json, statistics, time\n"
        "from dispatchlib.model import scenario\n"
        "s = scenario.build()\n"
        "scenario.report(s, draws=1000)\n"
        "t = []\n"
        f"for _ in range({max(5, repeat)}):\n"
        "    a = time.perf_counter(); scenario.report(s); b = time.perf_counter()\n"
        "    scenario.report(s, draws=1_000_000); c = time.perf_counter()\n"
        "    t.append((c - b) - (b - a))\n"
        "print(json.dumps(t))\n")
    proc = subprocess.run([PY, "-c", code], capture_output=True, text=True, cwd=ROOT, env=_env())
    compute = json.loads(proc.stdout) if proc.returncode == 0 else []
    return {"ours": ours, "ref": ref, "mc": mc, "mc_base": base, "compute": compute}


def bench_full(repeat: int, tmp: Path) -> dict:
    n = len(lessons())
    floors = floor_notebooks(tmp / f"floor{n}", n)
    out = {}
    for jobs in (1, 2):
        ours, floor = pairs(
            f"run, {n} lessons, --jobs {jobs}",
            run_cmd("--jobs", str(jobs), "--name", f"lessons-j{jobs}", out=tmp / "reports"),
            f"run, {n} floor notebooks, cold kernels, --jobs {jobs}",
            run_cmd("--jobs", str(jobs), "--cold", "--name", f"floor-j{jobs}",
                    out=tmp / "reports"),
            repeat, env_b=_env(DISPATCHLIB_NOTEBOOKS_DIR=str(floors)))
        out[jobs] = {"ours": ours, "floor": floor}
    record = tmp / "reports" / "lessons-j1" / "run.json"
    if record.is_file():
        out["per_notebook"] = {k: v["seconds"]
                               for k, v in json.loads(record.read_text())["notebooks"].items()}
    floor_record = tmp / "reports" / "floor-j1" / "run.json"
    if floor_record.is_file():
        seconds = [v["seconds"] for v in json.loads(floor_record.read_text())["notebooks"].values()]
        out["floor_notebook"] = statistics.median(seconds)
    return out


def bench_shell(repeat: int, tmp: Path, full: dict | None) -> dict:
    """papermill from the shell, one notebook after another, as a user would without us."""
    target = tmp / "shell"
    target.mkdir(exist_ok=True)
    loop = ('for nb in notebooks/[0-9][0-9]_*.ipynb; do '
            f'"{BIN}/papermill" "$nb" "{target}/$(basename "$nb")" || exit 1; done')
    series = Series("papermill from the shell, one by one", "for nb in notebooks/NN_*.ipynb; "
                    "do papermill $nb out/$nb; done")
    ours = full[2]["ours"] if full else Series(f"run, {len(lessons())} lessons, --jobs 2",
                                                  _show(run_cmd("--jobs", "2", out=tmp)))
    for _ in range(repeat):
        if not full:  # the full-run section was skipped: time our --jobs 2 run here
            ours.samples.append(timed(run_cmd("--jobs", "2", "--name", "lessons-j2",
                                              out=tmp / "reports")))
        series.samples.append(timed(["bash", "-c", loop]))
        s = series.samples[-1]
        print(f"  {series.label:<44} {s.wall:7.2f} s wall {s.cpu:7.2f} s cpu", flush=True)
    return {"shell": series, "ours": ours}


def bench_rerun(repeat: int, tmp: Path) -> dict:
    """One notebook: warm against ``--cold`` (what a rerun cost before warm kernels), and the
    cold floor notebook."""
    one = floor_notebooks(tmp / "floor1", 1)
    rerun = ["02_economics", "-p", "workers", "100000"]
    ours, cold = pairs(
        "run 02_economics -p workers 100000",
        run_cmd(*rerun, "--name", "rerun", out=tmp / "reports"),
        "run 02_economics -p workers 100000 --cold",
        run_cmd(*rerun, "--cold", "--name", "rerun-cold", out=tmp / "reports"), repeat)
    _, floor = pairs(
        "run 02_economics -p workers 100000", [],
        "run, 1 floor notebook, cold kernel",
        run_cmd("--cold", "--name", "floor-1", out=tmp / "reports"),
        repeat, env_b=_env(DISPATCHLIB_NOTEBOOKS_DIR=str(one)))
    return {"ours": ours, "cold": cold, "floor": floor}


def bench_sweep(repeat: int, tmp: Path) -> dict:
    """A sweep of 12 runs of 02_economics (:data:`SWEEP_GRID`), warm against ``--cold``, each
    time into an empty folder (a sweep skips the runs it has already done)."""
    grid = tmp / "bench-sweep.yaml"
    grid.write_text(SWEEP_GRID, encoding="utf-8")

    def cmd(*flags: str) -> list[str]:
        folder = tmp / "sweeps"
        sweep = shlex.join([PY, "-m", "dispatchlib", "sweep", str(grid), "--jobs", "2",
                            *flags, "--out", str(folder)])
        return ["bash", "-c", f"rm -rf {shlex.quote(str(folder))} && {sweep}"]

    ours, cold = pairs("sweep, 12 runs of 02_economics, --jobs 2", cmd(),
                       "the same sweep with --cold", cmd("--cold"), repeat)
    return {"ours": ours, "cold": cold}


def bench_tests() -> dict:
    print("  make test (once; this takes minutes)", flush=True)
    # "after set-up": bring .venv up to date first, untimed
    subprocess.run(["make", "--no-print-directory", "setup"], cwd=ROOT, env=_env(),
                   capture_output=True, check=False)
    series = Series("make test (after set-up)", "make test")
    series.samples.append(timed(["make", "--no-print-directory", "test"], env=_env()))
    s = series.samples[-1]
    print(f"  {series.label:<44} {s.wall:7.2f} s wall {s.cpu:7.2f} s cpu", flush=True)
    return {"ours": series}


# --------------------------------------------------------------------------- report

def _now() -> str:
    return datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC")


def machine() -> dict:
    cpu = "unknown"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    try:
        mem = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 2**30
    except (ValueError, OSError):
        mem = float("nan")
    try:
        cores = len(os.sched_getaffinity(0))
    except AttributeError:
        cores = os.cpu_count() or 1
    return {"cpu": cpu, "cores": cores, "memory_gib": round(mem, 1),
            "os": f"{platform.system()} {platform.release()}",
            "python": platform.python_version()}


def versions() -> dict:
    """dispatchlib, Python and the libraries that set the cost of a run (the runner's list)."""
    from dispatchlib.run.run_record import versions as installed

    return installed(VERSIONS)


def _fmt(x: float) -> str:
    return f"{x:.2f}"


def rows(res: dict) -> list[dict]:
    """The table: one row per figure, with its floor, the target and whether it is met."""
    out = []

    section: dict = {}

    def add(figure, ours: Series | None, floor_text, value_text, target, met, cpu=""):
        if ours is not None and not ours.ok:
            value_text, met = "failed", False
        if section.get("carried"):
            value_text += f" (measured {section['date']}, carried over)"
        out.append({"figure": figure, "ours": _fmt(ours.wall) if ours else "",
                    "floor": floor_text, "value": value_text, "target": target,
                    "met": met, "cpu": cpu})

    full = section = res.get("full")
    if full:
        for jobs in (1, 2):
            o, f = full[jobs]["ours"], full[jobs]["floor"]
            ratio = o.wall / f.wall
            limit = 0.6 if jobs == 2 else 1.3
            add(f"full run, `--jobs {jobs}`", o, f"{_fmt(f.wall)} ({f.label})", f"{ratio:.2f}×",
                f"≤ {limit}× cold floor", ratio <= limit and f.ok,
                f"{_fmt(o.cpu)} / {_fmt(f.cpu)}")
        speed = full[1]["ours"].wall / full[2]["ours"].wall
        add("full run, `--jobs 1` ÷ `--jobs 2`", full[2]["ours"],
            f"{_fmt(full[1]['ours'].wall)} (`--jobs 1`)", f"{speed:.2f}× faster", "≥ 1.6×",
            speed >= 1.6 and full[1]["ours"].ok)
    shell = section = res.get("shell")
    if shell and shell["ours"] is not None:
        s, o = shell["shell"], shell["ours"]
        speed = s.wall / o.wall
        add("full run `--jobs 2` vs papermill from the shell", o, f"{_fmt(s.wall)} ({s.command})",
            f"{speed:.2f}× faster", "≥ 2×", speed >= 2 and s.ok and o.ok,
            f"{_fmt(o.cpu)} / {_fmt(s.cpu)}")
    rerun = section = res.get("rerun")
    if rerun:
        o, f = rerun["ours"], rerun["floor"]
        diff = o.wall - f.wall
        add("rerun: `run 02_economics -p workers 100000`", o, f"{_fmt(f.wall)} ({f.label})",
            f"{diff:+.2f} s", "≤ floor + 2 s", diff <= 2 and f.ok,
            f"{_fmt(o.cpu)} / {_fmt(f.cpu)}")
        c = rerun.get("cold")
        if c is not None:
            add("rerun, warm against `--cold`", o, f"{_fmt(c.wall)} ({c.label})",
                f"{o.wall / c.wall:.2f}×", "≤ 1× (not slower than cold kernels)",
                o.wall <= c.wall and c.ok, f"{_fmt(o.cpu)} / {_fmt(c.cpu)}")
    sweep = section = res.get("sweep")
    if sweep:
        o, c = sweep["ours"], sweep["cold"]
        ratio = o.wall / c.wall
        add("sweep of 12 runs of 02_economics, `--jobs 2`", o, f"{_fmt(c.wall)} ({c.label})",
            f"{ratio:.2f}×", "≤ 0.5× the same sweep with `--cold`", ratio <= 0.5 and c.ok,
            f"{_fmt(o.cpu)} / {_fmt(c.cpu)}")
    scen = section = res.get("scenario")
    if scen:
        o, f = scen["ours"], scen["ref"]
        ratio = o.wall / f.wall
        add("`python -m dispatchlib scenario --json`", o, f"{_fmt(f.wall)} ({f.label})",
            f"{ratio:.2f}×", "≤ 1.5× `import numpy`", ratio <= 1.5 and f.ok,
            f"{_fmt(o.cpu)} / {_fmt(f.cpu)}")
        m, b = scen["mc"], scen["mc_base"]
        compute = statistics.median(scen["compute"]) if scen["compute"] else float("nan")
        add("`scenario --json --draws 1000000`", m, f"{_fmt(b.wall)} (without `--draws`)",
            f"{compute:.3f} s of compute (wall +{m.wall - b.wall:.2f} s)",
            "≤ 0.3 s of compute", compute <= 0.3, f"{_fmt(m.cpu)} / {_fmt(b.cpu)}")
    imp = section = res.get("import")
    if imp:
        o, f = imp["ours"], imp["ref"]
        bad = [m for m in imp["loaded"] if m in FORBIDDEN]
        add("`python -c 'import dispatchlib'`", o, f"{_fmt(f.wall)} ({f.label})",
            f"{o.wall / f.wall:.2f}×; loads {', '.join(imp['loaded']) or 'none'} of "
            f"{', '.join(HEAVY)}", "imports none of seaborn, matplotlib, statsmodels", not bad,
            f"{_fmt(o.cpu)} / {_fmt(f.cpu)}")
    tests = section = res.get("tests")
    if tests:
        o = tests["ours"]
        add("`make test` after set-up", o, "", f"{o.wall / 60:.1f} min", "≤ 10 min",
            o.wall <= 600)
    return out


def markdown(res: dict, table: list[dict], meta: dict) -> str:
    m, v = meta["machine"], meta["versions"]
    lines = [
        "# Benchmark results",
        "",
        f"Measured {meta['date']} by `make bench` (`benchmarks/bench.py`, "
        f"{meta['repeat']} repetitions, {max(meta['repeat'], QUICK_REPEAT)} for the commands "
        f"under a second; each figure is the median). Machine: {m['cpu']}, "
        f"{m['cores']} cores, {m['memory_gib']} GiB, {m['os']}, Python {m['python']}. "
        f"Load average (1 min) {meta['load_before']:.2f} before and {meta['load_after']:.2f} "
        "after: a load well above 0 means other work shared the cores and the wall times are "
        "pessimistic.",
        "",
        "Versions: " + ", ".join(f"{k} {val}" for k, val in v.items()) + ".",
        "",
        "| figure | ours (s) | floor or reference (s) | result | target | met "
        "| CPU s, ours / floor |",
        "|---|---:|---|---|---|---|---|",
    ]
    for r in table:
        lines.append(f"| {r['figure']} | {r['ours']} | {r['floor']} | {r['value']} | "
                     f"{r['target']} | {'yes' if r['met'] else '**no**'} | {r['cpu']} |")
    full = res.get("full")
    if full and full.get("per_notebook"):
        lines += ["", "Seconds per notebook inside the `--jobs 1` run (kernel start to HTML "
                  "page), beside a floor notebook in the floor's `--jobs 1` run "
                  f"({full.get('floor_notebook', 0):.1f} s):",
                  "", "| notebook | seconds |", "|---|---:|"]
        lines += [f"| {k} | {val:.1f} |" for k, val in full["per_notebook"].items()]
    lines += ["", "Commands, with every sample (wall / CPU seconds):", ""]
    for s in _all_series(res):
        samples = ", ".join(f"{x.wall:.2f}/{x.cpu:.2f}" + ("" if x.rc == 0 else f" (exit {x.rc})")
                            for x in s.samples)
        lines.append(f"- {s.label}: `{s.command}`: {samples}")
        for x in s.samples:
            if x.error:
                lines.append("  - exit {}: `{}`".format(x.rc, x.error.replace("\n", " / ")[:400]))
    if res.get("scenario", {}).get("compute"):
        lines.append("- a million draws, compute only (`scenario.report` with and without "
                     "`draws=1_000_000` in one process): "
                     + ", ".join(f"{x:.3f}" for x in res["scenario"]["compute"]))
    carried = [k for k, v in res.items() if v.get("carried")]
    if carried:
        lines += ["", "Not measured in this run, carried over from `results.json` with the date "
                  f"they were measured: {', '.join(carried)}. (`make test` is timed only with "
                  "`make bench BENCH_ARGS=--tests`.)"]
    if "tests" not in res:
        lines += ["", "`make test` has not been timed yet: `make bench BENCH_ARGS=--tests`."]
    lines += ["", "What each figure and floor means: `benchmarks/README.md`.", ""]
    return "\n".join(lines)


def _all_series(res: dict) -> list[Series]:
    out = []
    for key in ("full", "shell", "rerun", "sweep", "scenario", "import", "tests"):
        part = res.get(key)
        if not part:
            continue
        values = [part[1]["ours"], part[1]["floor"], part[2]["ours"], part[2]["floor"]] \
            if key == "full" else list(part.values())
        for v in values:
            key = (v.label, v.command, [s.wall for s in v.samples]) \
                if isinstance(v, Series) else None
            if key and v.command and all(key != (x.label, x.command, [s.wall for s in x.samples])
                                         for x in out):
                out.append(v)
    return out


def _to_json(obj):
    if isinstance(obj, Series):
        return {"label": obj.label, "command": obj.command,
                "samples": [vars(s) for s in obj.samples]}
    if isinstance(obj, dict):
        return {str(k): _to_json(v) for k, v in obj.items()}
    if isinstance(obj, list):
        return [_to_json(v) for v in obj]
    return obj


def _from_json(obj):
    if isinstance(obj, dict) and {"label", "command", "samples"} <= set(obj):
        return Series(obj["label"], obj["command"], [Sample(**s) for s in obj["samples"]])
    if isinstance(obj, dict):
        return {int(k) if k.isdigit() else k: _from_json(v) for k, v in obj.items()}
    if isinstance(obj, list):
        return [_from_json(v) for v in obj]
    return obj


def _earlier(path: Path) -> dict:
    """The sections of an earlier ``results.json`` (each with its date), or nothing."""
    try:
        old = json.loads(path.read_text())
        sections = _from_json(old["results"])
        for section in sections.values():
            section.setdefault("date", old["meta"]["date"])
            section["carried"] = True
        return sections
    except (OSError, KeyError, ValueError, TypeError, AttributeError):
        return {}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--repeat", type=int, default=5, help="runs per figure (median)")
    parser.add_argument("--tests", action="store_true", help="also time `make test` (minutes)")
    parser.add_argument("--only", nargs="+", choices=SECTIONS, help="run only these sections")
    parser.add_argument("--out", type=Path, default=HERE / "results.md",
                        help="markdown file to write (raw samples go next to it as .json)")
    args = parser.parse_args(argv)
    chosen = set(args.only or SECTIONS) - (set() if args.tests or args.only else {"tests"})
    if args.tests:
        chosen.add("tests")
    start = time.perf_counter()
    load_before = os.getloadavg()[0]
    print(f"benchmarks: {args.repeat} repetitions; load average {load_before:.2f}", flush=True)
    res: dict = {}
    tmp = Path(tempfile.mkdtemp(prefix="dispatchlib-bench-"))
    try:
        # warm the file cache and the kernel spec lookup once, untimed
        timed(run_cmd("--name", "warm-up", out=tmp / "reports"),
              _env(DISPATCHLIB_NOTEBOOKS_DIR=str(floor_notebooks(tmp / "warm", 1))))
        if "import" in chosen:
            print("import", flush=True)
            res["import"] = bench_import(args.repeat)
        if "scenario" in chosen:
            print("scenario", flush=True)
            res["scenario"] = bench_scenario(args.repeat)
        if "rerun" in chosen:
            print("rerun", flush=True)
            res["rerun"] = bench_rerun(args.repeat, tmp)
        if "full" in chosen:
            print("full run", flush=True)
            res["full"] = bench_full(args.repeat, tmp)
        if "sweep" in chosen:
            print("sweep", flush=True)
            res["sweep"] = bench_sweep(args.repeat, tmp)
        if "shell" in chosen:
            print("papermill from the shell", flush=True)
            res["shell"] = bench_shell(args.repeat, tmp, res.get("full"))
        if "tests" in chosen:
            print("tests", flush=True)
            res["tests"] = bench_tests()
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    for key in res:
        res[key]["date"] = _now()
    for key, section in _earlier(args.out.with_suffix(".json")).items():
        if key in SECTIONS and key not in res:
            res[key] = section
    res = {key: res[key] for key in SECTIONS if key in res}
    meta = {"date": _now(), "repeat": args.repeat, "machine": machine(), "versions": versions(),
            "load_before": load_before, "load_after": os.getloadavg()[0],
            "seconds": round(time.perf_counter() - start, 1)}
    table = rows(res)
    text = markdown(res, table, meta)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(text, encoding="utf-8")
    args.out.with_suffix(".json").write_text(
        json.dumps({"meta": meta, "results": _to_json(res)}, indent=1) + "\n", encoding="utf-8")
    print()
    print(text)
    print(f"written to {args.out} in {meta['seconds']:.0f} s")
    failed = [s.label for s in _all_series(res) if not s.ok]
    if failed:
        print("commands that failed: " + "; ".join(failed), file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
