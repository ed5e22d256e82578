"""The battery of issue 16: every bad input of the newcomer's trial and the attack, through the
real command line (``python -m dispatchlib ...``, each case in a process of its own), each with
its exit status and a fragment of its one-line message; afterwards ``notebooks/``, ``data/``,
``reports/`` and every earlier report folder of the battery are byte-identical.

Each case's process is forked from the test process's command driver (tests/commands.py),
which has imported the command line, papermill and nbconvert once: the child runs
``python -m dispatchlib`` (``runpy``, as ``-m`` does) with the case's arguments, environment,
working folder and standard streams, and ends as Python ends (its exit status, its traceback
if any). That is the command as a user starts it, less starting the interpreter and importing
those modules about 60 times (tests/commands.py lists what differs from a new interpreter,
and which tests start one).

To add a case, append a :class:`Case` to :data:`CASES`. ``argv`` may use these placeholders:

- ``{out}``: a reports folder holding earlier results the case must leave alone (see
  :func:`earlier`): ``earlier`` (a finished run of 02_economics), ``big`` (the same run with
  other workers and without most results), ``mine`` (a user's files, of the suffixes a run
  writes), ``broken`` (a ``run.json`` that is not JSON), ``class`` (a student's own notebook
  named like a lesson) and ``grid`` (a sweep of another grid);
- ``{tmp}``: a folder of inputs: ``grid.yaml`` (a 1-run grid), ``nb-empty/`` and ``nb-bad/``
  (lessons folders holding an empty and a non-JSON notebook), ``to-notebooks`` (a symbolic link
  to ``notebooks/``) and the scenario and grid files of :data:`VALUE_FILES` (leading zeros,
  base 60, alias bombs);
- ``{long}``: a path too long for the system.

Only one kernel runs (the earlier run, the fastest lesson); every case is refused before any
other kernel would start. Cases that need several processes at once (two sweeps of one name,
a sweep killed with SIGKILL, a 150-run sweep) are in ``test_sweep.py``.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
from dataclasses import dataclass, field
from pathlib import Path

import commands
import pytest

from dispatchlib import paths

ROOT = paths.ROOT


@dataclass(frozen=True)
class Case:
    """One command and what it must answer.

    Attributes
    ----------
    id : str
        Short name shown by pytest.
    argv : tuple of str
        Arguments after ``python -m dispatchlib`` (placeholders: see the module docstring).
    code : int
        Expected exit status (2: a bad value or option; 1: a refusal or a broken file).
    message : str
        Fragment expected in ``stream`` ("" with ``pipe``: nothing at all on stderr).
    stream : str
        ``stderr`` (default) or ``stdout``.
    absent : str
        Fragment that must not appear in the output.
    env : dict
        Extra environment variables (placeholders allowed).
    pipe : bool
        Stdout is a pipe whose reader has gone (``compare ... | head``).
    """

    id: str
    argv: tuple[str, ...]
    code: int
    message: str
    stream: str = "stderr"
    absent: str = ""
    env: dict = field(default_factory=dict)
    pipe: bool = False


NB = "02_economics"
#: a 306-byte billion-laughs value: nine levels of nine aliases
BOMB = "[" + ", ".join(["&a [lol,lol,lol,lol,lol,lol,lol,lol,lol]"] + [
    f"&{chr(98 + i)} [" + ",".join([f"*{chr(97 + i)}"] * 9) + "]" for i in range(8)]) + "]"
#: value files of the cases above, written into ``{tmp}``
VALUE_FILES = {
    "base60.yaml": "title: t\nnotebooks: [02_economics]\nparameters:\n  workers: 1:30\n",
    "octal.yaml": "title: t\nnotebooks: [04_prospects]\nparameters:\n  start_workers: 0200000\n"
                  "  ceiling: 0150000\n",
    "grid-base60.yaml": "notebooks: [02_economics]\nparameters:\n  workers: [1:30]\n",
    "grid-octal.yaml": "notebooks: [04_prospects]\nparameters:\n  start_workers: [0200000]\n"
                       "  ceiling: [0150000]\n",
    "bomb.yaml": f"title: t\nparameters:\n  workers: {BOMB}\n",
    "grid-bomb.yaml": f"parameters:\n  workers: {BOMB}\n",
    "flat-typo.yaml": "workerz: 100000\n",
    "flat-base60.yaml": "workers: 1:30\n",
    "flat-octal.yaml": "start_workers: 0200000\nceiling: 0150000\n",
    "flat-negative.yaml": "workers: -5\nquota_months: 6\n",
    "flat-bomb.yaml": f"workers: {BOMB}\n",
    "top-level-parameter.yaml": "title: Big\nworkers: 100000\n",
    "grid-top-level-parameter.yaml": "parameters:\n  seed: [1, 2]\nworkers: [1, 2]\n",
}
CASES: list[Case] = [
    # ----------------------------------------------------------------- loses work
    Case("out-root-name-notebooks", ("run", NB, "--out", ".", "--name", "notebooks"), 2,
         "parameter --out = '.' is not allowed: expected a folder that is not the repository"),
    Case("out-notebooks", ("run", NB, "--out", "notebooks"), 2,
         "parameter --out = 'notebooks' is not allowed: expected a folder outside"),
    Case("out-data", ("run", NB, "--out", "data"), 2,
         "parameter --out = 'data' is not allowed: expected a folder outside"),
    Case("out-inside-data", ("run", NB, "--out", "data/runs"), 2, "expected a folder outside"),
    Case("out-above-the-repository", ("run", NB, "--out", "..", "--name", ROOT.name), 2,
         "expected a folder that is not the repository"),
    Case("out-link-to-notebooks", ("run", NB, "--out", "{tmp}/to-notebooks"), 2,
         "expected a folder outside"),
    Case("sweep-out-data", ("sweep", "{tmp}/grid.yaml", "--out", "data"), 2,
         "parameter --out = 'data' is not allowed"),
    Case("users-files-in-reports-name", ("run", NB, "--out", "{out}", "--name", "mine"), 1,
         "is not a run folder (no run.json): not overwriting it; give --replace"),
    Case("reuse-name-other-notebooks",
         ("run", "06_claims-audit", "--out", "{out}", "--name", "earlier"), 1,
         "holds an earlier run 'earlier' of other notebooks (02_economics; this run: "
         "06_claims-audit): not replacing it; give --replace to replace it, or choose another "
         "--name"),
    Case("student-into-a-run", ("student", "--out", "{out}/earlier"), 2,
         "expected a folder of its own, not a run's folder"),
    Case("student-into-notebooks", ("student", "--out", "notebooks"), 2,
         "parameter --out = 'notebooks' is not allowed"),
    Case("student-over-a-students-own-file", ("student", NB, "--out", "{out}/class"), 1,
         "02_economics.ipynb exists and is not a student copy written by this command"),
    Case("sweep-same-name-other-grid", ("sweep", "{tmp}/grid.yaml", "--out", "{out}"), 1,
         "holds sweep 'grid' of another grid"),
    # ----------------------------------------------------------------- tracebacks
    Case("out-is-a-file", ("run", NB, "--out", "README.md"), 2,
         "parameter --out = 'README.md' is not allowed: expected a folder, not an existing file",
         absent="Traceback"),
    Case("out-too-long", ("run", NB, "--out", "{long}"), 2,
         "expected a folder path the system accepts (File name too long", absent="Traceback"),
    Case("sweep-out-too-long", ("sweep", "{tmp}/grid.yaml", "--out", "{long}"), 2,
         "expected a folder path the system accepts", absent="Traceback"),
    Case("student-out-too-long", ("student", "--out", "{long}"), 2,
         "expected a folder path the system accepts", absent="Traceback"),
    Case("scenario-file-too-long", ("run", "-f", "{long}.yaml", "--out", "{out}"), 1,
         "reports.yaml: File name too long", absent="Traceback"),
    Case("grid-file-too-long", ("sweep", "{long}.yaml", "--out", "{out}"), 1,
         "reports.yaml: File name too long", absent="Traceback"),
    Case("compare-name-too-long", ("compare", "{long}", "earlier", "--out", "{out}"), 1,
         "reports: File name too long", absent="Traceback"),
    Case("empty-notebook", ("run", "--out", "{out}", "--name", "x"), 1,
         "nb-empty/03_empty.ipynb: the file is empty, not a notebook", absent="Traceback",
         env={"DISPATCHLIB_NOTEBOOKS_DIR": "{tmp}/nb-empty"}),
    Case("non-json-notebook", ("params",), 1,
         "nb-bad/03_bad.ipynb: not a notebook: not JSON", absent="Traceback",
         env={"DISPATCHLIB_NOTEBOOKS_DIR": "{tmp}/nb-bad"}),
    Case("non-json-notebook-student", ("student", "--out", "{tmp}/copies"), 1,
         "nb-bad/03_bad.ipynb: not a notebook: not JSON", absent="Traceback",
         env={"DISPATCHLIB_NOTEBOOKS_DIR": "{tmp}/nb-bad"}),
    Case("compare-broken-run-json", ("compare", "earlier", "broken", "--out", "{out}"), 1,
         "broken/run.json: not a run record: not JSON", absent="Traceback"),
    Case("compare-into-closed-pipe", ("compare", "earlier", "big", "--all", "--out", "{out}"),
         1, "", pipe=True),
    Case("name-with-trailing-newline", ("run", NB, "--out", "{out}", "--name", "x\n"), 2,
         "run name 'x\\n' is not allowed"),
    Case("sweep-name-with-trailing-newline",
         ("sweep", "{tmp}/grid.yaml", "--out", "{out}", "--name", "g\n"), 2,
         "sweep name 'g\\n' is not allowed"),
    # ----------------------------------------------------------------- values read as meant
    # YAML 1.1 read 02000000 as octal (524,288: allowed, and a kernel started) and 1:30 as 90
    Case("p-leading-zero-is-decimal", ("run", NB, "-p", "workers", "02000000", "--out", "{out}"),
         2, "parameter workers = 2000000 is not allowed: expected a whole number >= 0 and "
            "<= 1000000 (persons)"),
    Case("p-leading-zeros-in-a-rule", ("run", "04_prospects", "-p", "start_workers", "0200000",
                                       "-p", "ceiling", "0150000", "--out", "{out}"), 2,
         "parameter ceiling = 150000 is not allowed: expected more workers than start_workers = "
         "200,000 (persons)"),
    Case("p-base-60", ("run", NB, "-p", "workers", "1:30", "--out", "{out}"), 2,
         "parameter workers = '1:30' is not allowed: expected a whole number"),
    Case("scenario-command-leading-zero", ("scenario", "--workers", "02000000"), 2,
         "argument --workers: expected a whole number >= 0 and <= 1000000 (persons), "
         "got '02000000'"),
    Case("scenario-file-base-60", ("run", "-f", "{tmp}/base60.yaml", "--out", "{out}"), 2,
         "parameter workers = '1:30' is not allowed: expected a whole number"),
    Case("scenario-file-leading-zeros", ("run", "-f", "{tmp}/octal.yaml", "--out", "{out}"), 2,
         "parameter ceiling = 150000 is not allowed: expected more workers than start_workers = "
         "200,000 (persons)"),
    Case("grid-file-base-60", ("sweep", "{tmp}/grid-base60.yaml", "--out", "{out}"), 2,
         "parameter workers = '1:30' is not allowed: expected a whole number"),
    Case("grid-file-leading-zeros", ("sweep", "{tmp}/grid-octal.yaml", "--out", "{out}"), 2,
         "parameter ceiling = 150000 is not allowed: expected more workers than start_workers = "
         "200,000 (persons)"),
    # ----------------------------------------------------------------- exhausts the machine
    Case("p-alias-bomb", ("run", NB, "-p", "workers", BOMB, "--out", "{out}"), 2,
         "anchors and aliases (&name, *name) are not accepted, found an anchor 'a'"),
    Case("scenario-file-alias-bomb", ("run", "-f", "{tmp}/bomb.yaml", "--out", "{out}"), 1,
         "bomb.yaml: anchors and aliases (&name, *name) are not accepted"),
    Case("grid-file-alias-bomb", ("sweep", "{tmp}/grid-bomb.yaml", "--out", "{out}"), 1,
         "grid-bomb.yaml: anchors and aliases (&name, *name) are not accepted"),
    Case("p-nested-500-deep", ("run", NB, "-p", "workers", "[" * 500 + "]" * 500, "--out",
                               "{out}"), 2, "nested more than 20 levels deep",
         absent="Traceback"),
    # ----------------------------------------------------------------- impossible numbers
    Case("high-with-the-90-percent-share",
         ("run", "-f", "high", "-p", "state_share", "0.9", "--out", "{out}"), 2,
         "parameter savings_usd = 2400.0 is not allowed: expected at most 1,950 (USD per worker "
         "per year) with gross_wage_usd = 1,625 and state_share = 0.9"),
    Case("pay-below-state-share-and-savings",
         ("run", "05_implications", "-p", "state_share", "0.9", "--out", "{out}"), 2,
         "living costs negative"),
    # ----------------------------------------------------------------- a newcomer's way
    Case("compare-shows-what-differs-first", ("compare", "earlier", "big", "--out", "{out}"),
         0, "02_economics.workers", stream="stdout", absent="(absent)"),
    # ----------------------------------------------------------------- flat parameter files
    Case("flat-file-unknown-name", ("run", NB, "-f", "{tmp}/flat-typo.yaml", "--out", "{out}"),
         2, "parameter workerz = 100000 is not allowed: expected a parameter of 02_economics, "
            "which declares no 'workerz': did you mean 'workers'?"),
    Case("flat-file-base60-is-text",
         ("run", NB, "-f", "{tmp}/flat-base60.yaml", "--out", "{out}"), 2,
         "parameter workers = '1:30' is not allowed"),
    Case("flat-file-leading-zeros-are-decimal",
         ("run", "04_prospects", "-f", "{tmp}/flat-octal.yaml", "--out", "{out}"), 2,
         "ceiling = 150000"),
    Case("flat-file-negative-workers",
         ("run", NB, "-f", "{tmp}/flat-negative.yaml", "--out", "{out}"), 2,
         "parameter workers = -5 is not allowed: expected a whole number >= 0"),
    Case("flat-file-alias-bomb", ("run", NB, "-f", "{tmp}/flat-bomb.yaml", "--out", "{out}"), 1,
         "flat-bomb.yaml: anchors and aliases (&name, *name) are not accepted"),
    Case("scenario-parameter-at-the-top",
         ("run", NB, "-f", "{tmp}/top-level-parameter.yaml", "--out", "{out}"), 1,
         "'workers' is a parameter, not a key of a scenario file: put it under 'parameters:'"),
    Case("grid-parameter-at-the-top",
         ("sweep", "{tmp}/grid-top-level-parameter.yaml", "--out", "{out}"), 1,
         "'workers' is a parameter, not a key of a grid file: put it under 'parameters:'"),
]


def tree(folder: Path) -> dict[str, str]:
    """SHA-256 of every file (and the target of every link) under ``folder``, hidden ones too."""
    if not folder.exists():
        return {}
    out = {}
    for p in sorted(folder.rglob("*")):
        key = p.relative_to(folder).as_posix()
        if p.is_symlink():
            out[key] = "-> " + os.readlink(p)
        elif p.is_file():
            out[key] = hashlib.sha256(p.read_bytes()).hexdigest()
        else:
            out[key] = "dir"
    return out


GRID = "parameters:\n  workers: [15000]\n"


@pytest.fixture(scope="module")
def earlier(tmp_path_factory):
    """A reports folder of earlier results and a folder of inputs (see the module docstring)."""
    tmp = tmp_path_factory.mktemp("battery")
    out = tmp / "reports"
    first = commands.dispatchlib("run", NB, "--out", out, "--name", "earlier")
    assert first.returncode == 0, first.stderr
    big = out / "big"
    shutil.copytree(out / "earlier", big)
    record = json.loads((big / "run.json").read_text())
    record["name"] = "big"
    record["parameters"][NB]["workers"] = 100000
    results = record["notebooks"][NB]["results"]
    record["notebooks"][NB]["results"] = {"workers": 100000, **{
        k: v for k, v in list(results.items())[:2] if k != "workers"}}
    record["notebooks"]["01_history"] = {"status": "ok", "results": {"figures_fitted": 9}}
    record["parameters"]["01_history"] = {"grades": ["H", "M"]}
    (big / "run.json").write_text(json.dumps(record))
    (out / "mine").mkdir()
    (out / "mine" / "notes.ipynb").write_text("{}")  # the suffixes of a run, not a run
    (out / "mine" / "draft.html").write_text("<p>mine</p>")
    (out / "broken").mkdir()
    (out / "broken" / "run.json").write_text("{not json")
    (out / "class").mkdir()
    (out / "class" / f"{NB}.ipynb").write_text('{"cells": [], "metadata": {}}')
    (out / "grid").mkdir()
    (out / "grid" / "sweep.json").write_text(json.dumps(
        {"name": "grid", "notebooks": [], "parameters": {"workers": [1, 2]}}))
    (tmp / "grid.yaml").write_text(GRID)
    for name, text in VALUE_FILES.items():
        (tmp / name).write_text(text)
    for folder, stem, text in (("nb-empty", "03_empty", ""), ("nb-bad", "03_bad", "not json")):
        (tmp / folder).mkdir()
        shutil.copy(ROOT / "notebooks" / f"{NB}.ipynb", tmp / folder)
        (tmp / folder / f"{stem}.ipynb").write_text(text)
    (tmp / "to-notebooks").symlink_to(ROOT / "notebooks")
    return {"out": out, "tmp": tmp}


# folders of reports/ that the browser tests write while other tests run beside them (pytest -n)
BROWSER_TEST_FOLDERS = ("lab-test/", "browser-test/")


def _unshared(files: dict[str, str]) -> dict[str, str]:
    """``files`` less the browser tests' screenshots, which may change while the battery runs."""
    return {k: v for k, v in files.items()
            if not (k + "/").startswith(BROWSER_TEST_FOLDERS)}


def _fill(text: str, where: dict) -> str:
    long = str(where["tmp"] / ("x" * 300) / "reports")
    return text.replace("{out}", str(where["out"])).replace("{tmp}", str(where["tmp"])) \
        .replace("{long}", long)


def _run_all(cases: list[Case], where: dict) -> list[tuple[int, str, str]]:
    """(exit status, stdout, stderr) of each case, run as the module docstring says."""
    done = []
    for case in cases:
        proc = commands.dispatchlib(*(_fill(a, where) for a in case.argv),
                                    env=dict(os.environ, **{k: _fill(v, where)
                                                            for k, v in case.env.items()}),
                                    cwd=ROOT, pipe=case.pipe, timeout=300)
        done.append((proc.returncode, proc.stdout, proc.stderr))
    return done


def test_every_case_answers_in_one_line_and_nothing_earlier_changes(earlier):
    guarded = {"notebooks": ROOT / "notebooks", "data": ROOT / "data",
               "reports": ROOT / "reports", "battery reports": earlier["out"]}
    before = {name: _unshared(tree(folder)) for name, folder in guarded.items()}
    problems = []
    for case, (code, out, err) in zip(CASES, _run_all(CASES, earlier), strict=True):
        text = out if case.stream == "stdout" else err
        got = f"{case.id}: exit {code}\nstdout: {out[-600:]}\nstderr: {err[-600:]}"
        if code != case.code:
            problems.append(f"expected exit {case.code}; {got}")
        elif case.pipe and err:
            problems.append(f"expected nothing on stderr; {got}")
        elif case.message not in text:
            problems.append(f"expected {case.message!r}; {got}")
        elif case.absent and case.absent in out + err:
            problems.append(f"did not expect {case.absent!r}; {got}")
        elif case.stream == "stderr" and not case.pipe and len(err.strip().splitlines()) != 1:
            problems.append(f"expected one line on stderr; {got}")
    after = {name: _unshared(tree(folder)) for name, folder in guarded.items()}
    changed = {name: sorted(k for k in before[name].keys() | after[name].keys()
                            if before[name].get(k) != after[name].get(k))
               for name in guarded if after[name] != before[name]}
    assert not problems, "\n\n".join(problems)
    assert not changed, f"changed while the battery ran: {changed}"


def test_the_cases_are_well_formed():
    ids = [c.id for c in CASES]
    assert len(ids) == len(set(ids)), "two cases share an id"
    for c in CASES:
        assert c.code in (0, 1, 2) and c.stream in ("stdout", "stderr"), c.id
        assert c.message or c.pipe, c.id
