"""Run-side hardening of ``python -m dispatchlib run`` and ``sweep``.

- Bad parameters through the runner's doors (``-p``, ``-f`` files, sweep grids): one clear
  message naming the parameter, the value and what is allowed (the notebooks' cross-parameter
  rules included), exit status 2, no notebook executed and nothing written.
- Safe by construction: YAML read with a safe loader (a ``!!python/...`` tag is refused and
  nothing runs), parameter text reaches the notebook as plain text, user text is escaped in the
  pages, ``make lab`` binds 127.0.0.1 and keeps the token.
- A run killed (SIGKILL) at several moments leaves earlier runs whole and readable and no
  half-written file under a run's name; two runs at once into the same folder do not mix
  (same name: the second is refused through a lock).

- Issue 16: where a run may write (never ``notebooks/``, ``data/``, the repository or a folder
  holding them, through a link or an environment variable either), broken notebooks and run
  records named in one line, a closed pipe, names with a trailing newline, the kernel's noise
  in logs, progress that never shows more notebooks running than workers, workers that ask to
  die with the runner, and the library functions that write a notebook, page or results.

``tests/test_battery.py`` runs every case of issue 16 through the command line;
``tests/test_runner.py`` covers the other bad values (negative count, text, a whole number
given 1.5, zero draws, NaN, a list, an unknown name, a name a named notebook does not declare,
bad scenario files, unsafe run names) and the escaping of a scenario's title and description.
"""

import ast
import hashlib
import json
import os
import re
import shlex
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import commands
import nbformat
import pytest
from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook

from dispatchlib import paths
from dispatchlib.errors import DispatchlibError, ParameterError, shown
from dispatchlib.run import discovery, engine, folders, planning, run_record, runner, workers
from dispatchlib.run import pages as report

ROOT = paths.ROOT


def cli(*args, env=None, cwd=None, timeout=300, prefix=None):
    """``python -m dispatchlib ARGS`` (tests/commands.py), or ``python PREFIX ARGS``."""
    full = dict(os.environ, **(env or {}))
    if prefix is None:
        return commands.dispatchlib(*args, env=full, cwd=cwd, timeout=timeout)
    return subprocess.run([sys.executable, *prefix, *map(str, args)], capture_output=True,
                          text=True, timeout=timeout, env=full, cwd=cwd)


class Started:
    """``python -m dispatchlib ...`` running in its own session, stderr in a file: forked from
    the command driver (tests/commands.py), or with ``fresh`` a new interpreter (for a kill
    that must land while the command is still starting)."""

    def __init__(self, args, log: Path, env=None, cwd=None, fresh=False):
        self.log = log
        full = dict(os.environ, **(env or {}))
        if not fresh:
            self.proc = commands.start(*args, env=full, cwd=cwd, stdout=None, stderr=log)
            return
        with open(log, "w") as err:
            self.proc = subprocess.Popen(
                [sys.executable, "-m", "dispatchlib", *map(str, args)],
                stdout=subprocess.DEVNULL, stderr=err, text=True, env=full, cwd=cwd,
                start_new_session=True)

    def stderr(self) -> str:
        return self.log.read_text()

    def started(self) -> bool:
        """A worker has begun executing a notebook (the progress line ``started``)."""
        return "  started  " in self.stderr()

    def kill(self) -> None:
        os.killpg(self.proc.pid, signal.SIGKILL)  # the runner and its workers at once
        self.proc.wait(timeout=60)

    def wait(self, timeout=300) -> tuple[int, str]:
        return self.proc.wait(timeout=timeout), self.stderr()


def start(*args, log: Path, env=None, cwd=None, fresh=False) -> Started:
    return Started(args, log, env, cwd, fresh)


def wait_for(condition, run: Started | None = None, timeout=180.0, what=""):
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        if condition():
            return
        if run is not None and run.proc.poll() is not None:
            pytest.fail(f"the run ended ({run.proc.returncode}) before {what}:\n{run.stderr()}")
        time.sleep(0.05)
    pytest.fail(f"timed out waiting for {what}")


def main(*args, capsys):
    """The command line in this process (for the checks that stop before any kernel)."""
    from dispatchlib.cli import main as cli_main

    try:
        code = cli_main([str(a) for a in args])
    except SystemExit as exc:
        code = exc.code
    out, err = capsys.readouterr()
    return code, out, err


@pytest.fixture
def no_kernel(monkeypatch):
    """Fail if any notebook is about to execute."""

    def refuse(*args, **kwargs):
        raise AssertionError("a notebook was about to execute")

    monkeypatch.setattr(runner, "execute_plans", refuse)
    monkeypatch.setattr(runner, "execute_all", refuse)


def _params_cell(source):
    return new_code_cell(source, metadata={"tags": ["parameters"]})


def make_notebook(folder: Path, stem: str, cells) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    nb = new_notebook(cells=[new_markdown_cell(f"# {stem[:2]} · Test"), *cells])
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3",
                                 "language": "python"}
    nbformat.write(nb, str(folder / f"{stem}.ipynb"))
    return folder


def tree_digest(folder: Path) -> dict[str, str]:
    """SHA-256 of every file under ``folder``, by relative path."""
    return {p.relative_to(folder).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(folder.rglob("*")) if p.is_file()}


# =========================================================================== bad parameters

RULE = "; a rule of"
BAD_RUNS = [
    # wrong type
    (["02_economics", "-p", "workers", "true"],
     "parameter workers = True is not allowed: expected a whole number >= 0 and <= 1000000 "
     "(persons)"),
    (["02_economics", "-p", "quota_months", "[6]"],
     "parameter quota_months = [6] is not allowed: expected a number >= 1 and <= 60 (months)"),
    # text where a number belongs, code in the text (never evaluated)
    (["02_economics", "-p", "quota_usd", "lots"],
     "parameter quota_usd = 'lots' is not allowed: expected a number >= 0 and <= 100000 (USD)"),
    (["02_economics", "-p", "workers", "__import__('os').getcwd()"],
     "parameter workers = \"__import__('os').getcwd()\" is not allowed: expected a whole number"
     " >= 0 and <= 1000000 (persons)"),
    (["02_economics", "-p", "workers", ""],
     "parameter workers = '' is not allowed: expected a whole number >= 0 and <= 1000000 "
     "(persons)"),
    # out of range, NaN, infinite
    (["02_economics", "-p", "workers", "2000000"],
     "parameter workers = 2000000 is not allowed: expected a whole number >= 0 and <= 1000000 "
     "(persons)"),
    (["02_economics", "-p", "savings_usd", ".nan"],
     "parameter savings_usd = nan is not allowed: expected a number >= 1 and <= 50000 "
     "(USD per worker per year)"),
    (["02_economics", "-p", "bribe_usd", "inf"],
     "parameter bribe_usd = inf is not allowed: expected a number >= 0 and <= 100000 (USD)"),
    (["02_economics", "-p", "bribe_usd", ".inf"],
     "parameter bribe_usd = inf is not allowed: expected a number >= 0 and <= 100000 (USD)"),
    # negative counts, shares above 1, months of zero
    (["02_economics", "-p", "draws", "-5"],
     "parameter draws = -5 is not allowed: expected a whole number >= 1 and <= 10000000 "
     "(draws)"),
    (["04_prospects", "-p", "start_workers", "-1"],
     "parameter start_workers = -1 is not allowed: expected a whole number >= 0 and <= 1000000"
     " (persons)"),
    (["05_implications", "-p", "state_share", "1.5"],
     "parameter state_share = 1.5 is not allowed: expected a number >= 0 and <= 1 (ratio)"),
    (["05_implications", "-p", "outreach_share", "2"],
     "parameter outreach_share = 2 is not allowed: expected a number >= 0 and <= 1 (ratio)"),
    (["02_economics", "-p", "quota_months", "0"],
     "parameter quota_months = 0 is not allowed: expected a number >= 1 and <= 60 (months)"),
    # cross-parameter rules of the notebooks (dl.check(rules=...)), applied before any kernel
    (["04_prospects", "-p", "end_year", "2020"],
     "parameter end_year = 2020 is not allowed: expected a year after start_year = 2025 (year)"
     f"{RULE} 04_prospects"),
    (["-p", "end_year", "2020"],  # no notebook named: 04 and 05 both declare end_year
     "parameter end_year = 2020 is not allowed: expected a year after start_year = 2025 (year)"
     f"{RULE} 04_prospects"),
    (["03_sanctions", "-p", "revival_year", "2017"],
     "parameter revival_year = 2017 is not allowed: expected a year after sanctions_year = 2018"
     f" (sanctions before revival){RULE} 03_sanctions"),
    (["03_sanctions", "-p", "sanctions_year", "2008"],
     "parameter sanctions_year = 2008 is not allowed: expected a year after its_start_year = "
     f"2010{RULE} 03_sanctions"),
    (["04_prospects", "-p", "ceiling", "10000"],
     "parameter ceiling = 10000 is not allowed: expected more workers than start_workers = "
     f"15,000 (persons){RULE} 04_prospects"),
    (["05_implications", "-p", "contract_state_share", "0.9"],
     "parameter contract_state_share = 0.9 is not allowed: expected a share no higher than "
     "state_share = 0.5 (ratio): the lever leaves workers more, not less"
     f"{RULE} 05_implications"),
    (["01_history", "-p", "grades", "[]"],
     f"parameter grades = [] is not allowed: expected at least one value{RULE} 01_history"),
    (["01_history", "-p", "grades", "[X]"],
     "parameter grades = ['X'] is not allowed: expected a list of text values from: H, M, L"),
    # unknown names, a name the named notebook does not declare, a choice that is not one
    (["02_economics", "-p", "wrokers", "5"],
     "parameter wrokers = '5' is not allowed: expected a parameter of 02_economics, which "
     "declares no 'wrokers': did you mean 'workers'? its parameters are workers, quota_usd, "
     "quota_months, savings_usd, years_abroad, bribe_usd, draws, seed, interactive"),
    (["-p", "ramp_scenario", "central'); import os #"],
     "parameter ramp_scenario = \"central'); import os #\" is not allowed: expected a text "
     "value from: low, central, high"),
]


@pytest.mark.parametrize(("args", "expected"), BAD_RUNS, ids=lambda x: " ".join(x)
                         if isinstance(x, list) else None)
def test_bad_parameter_through_run_is_one_clear_line_and_nothing_runs(args, expected, tmp_path,
                                                                       capsys, no_kernel):
    out = tmp_path / "reports"
    code, stdout, err = main("run", *args, "--out", out, capsys=capsys)
    assert code == 2, err
    assert err.splitlines() == [f"dispatchlib run: error: {expected}"]
    assert stdout == "" and not out.exists()


def test_a_cross_parameter_rule_stops_the_command_before_any_kernel(tmp_path):
    # the same check in a real process: no progress line, no folder, exit status 2
    out, cwd = tmp_path / "reports", tmp_path / "cwd"
    cwd.mkdir()
    proc = cli("run", "04_prospects", "-p", "start_year", "2030", "-p", "end_year", "2028",
               "--out", out, cwd=cwd)
    assert proc.returncode == 2
    assert proc.stderr.splitlines() == [
        "dispatchlib run: error: parameter end_year = 2028 is not allowed: expected a year "
        "after start_year = 2030 (year); a rule of 04_prospects"]
    assert "started" not in proc.stderr and proc.stdout == ""
    assert not out.exists() and not any(cwd.iterdir())


BAD_FILES = [
    ("parameters:\n  workers: many\n",
     "parameter workers = 'many' is not allowed: expected a whole number >= 0 and <= 1000000 "
     "(persons)"),
    ("parameters:\n  savings_usd: .nan\n",
     "parameter savings_usd = nan is not allowed: expected a number >= 1 and <= 50000 "
     "(USD per worker per year)"),
    ("parameters:\n  state_share: 1.2\n",
     "parameter state_share = 1.2 is not allowed: expected a number >= 0 and <= 1 (ratio)"),
    ("parameters:\n  quota_months: 0\n",
     "parameter quota_months = 0 is not allowed: expected a number >= 1 and <= 60 (months)"),
    ("notebooks: [04_prospects]\nparameters:\n  start_year: 2030\n  end_year: 2028\n",
     "parameter end_year = 2028 is not allowed: expected a year after start_year = 2030 (year)"
     f"{RULE} 04_prospects"),
]


@pytest.mark.parametrize(("content", "expected"), BAD_FILES)
def test_bad_value_in_a_scenario_file(content, expected, tmp_path, capsys, no_kernel):
    case = tmp_path / "case.yaml"
    case.write_text(content)
    out = tmp_path / "reports"
    code, _, err = main("run", "-f", case, "--out", out, capsys=capsys)
    assert code == 2, err
    assert err.splitlines() == [f"dispatchlib run: error: {expected}"]
    assert not out.exists()


BAD_GRIDS = [
    ({"notebooks": ["02_economics"], "parameters": {"bribe_usd": [100, float("inf")]}},
     "parameter bribe_usd = inf is not allowed: expected a number >= 0 and <= 100000 (USD) "
     "(in the combination bribe_usd = inf of {grid})"),
    ({"notebooks": ["02_economics"], "parameters": {"quota_months": [6, "eight"]}},
     "parameter quota_months = 'eight' is not allowed: expected a number >= 1 and <= 60 "
     "(months) (in the combination quota_months = 'eight' of {grid})"),
    ({"notebooks": ["05_implications"], "parameters": {"outreach_share": [0.5, 1.5]}},
     "parameter outreach_share = 1.5 is not allowed: expected a number >= 0 and <= 1 (ratio) "
     "(in the combination outreach_share = 1.5 of {grid})"),
    ({"notebooks": ["02_economics"], "parameters": {"draws": [-1, 10]}},
     "parameter draws = -1 is not allowed: expected a whole number >= 1 and <= 10000000 "
     "(draws) (in the combination draws = -1 of {grid})"),
    # a combination that breaks a rule of the notebook: revival before sanctions
    ({"notebooks": ["03_sanctions"],
      "parameters": {"sanctions_year": [2018, 2020], "revival_year": [2019, 2022]}},
     "parameter sanctions_year = 2018 is not allowed: expected a year leaving at least 3 yearly "
     "values in its segment (it holds [2018]); a rule of 03_sanctions (in the combination "
     "sanctions_year = 2018, revival_year = 2019 of {grid})"),
    ({"notebooks": ["03_sanctions"], "parameters": {"sanctions_year": 2018,
                                                     "revival_year": [2022, 2016]}},
     "parameter revival_year = 2016 is not allowed: expected a year after sanctions_year = 2018"
     " (sanctions before revival); a rule of 03_sanctions (in the combination sanctions_year = "
     "2018, revival_year = 2016 of {grid})"),
]


@pytest.mark.parametrize(("content", "expected"), BAD_GRIDS)
def test_bad_value_in_a_sweep_grid_names_the_combination(content, expected, tmp_path, capsys,
                                                         no_kernel):
    import yaml

    grid = tmp_path / "grid.yaml"
    grid.write_text(yaml.safe_dump(content, sort_keys=False))
    out = tmp_path / "reports"
    code, _, err = main("sweep", grid, "--out", out, capsys=capsys)
    assert code == 2, err
    assert err.splitlines() == [f"dispatchlib sweep: error: {expected.format(grid=grid)}"]
    assert not out.exists()


def test_an_unknown_name_shows_the_value_given_through_every_runner_door(tmp_path, capsys,
                                                                         no_kernel):
    out = tmp_path / "reports"
    hint = "is not allowed: expected a known parameter name (did you mean 'workers'?): one of "
    code, _, err = main("run", "-p", "wrokers", "5", "--out", out, capsys=capsys)
    assert code == 2 and err.startswith(f"dispatchlib run: error: parameter wrokers = '5' {hint}")
    case = tmp_path / "case.yaml"
    case.write_text("parameters:\n  wrokers: 5\n")
    code, _, err = main("run", "-f", case, "--out", out, capsys=capsys)
    assert code == 2 and err.startswith(f"dispatchlib run: error: parameter wrokers = 5 {hint}")
    grid = tmp_path / "grid.yaml"
    grid.write_text("parameters:\n  wrokers: [5, 6]\n")
    code, _, err = main("sweep", grid, "--out", out, capsys=capsys)
    assert code == 2 and err.startswith(f"dispatchlib sweep: error: parameter wrokers = 5 {hint}")
    assert err.rstrip().endswith(f"(in the combination wrokers = 5 of {grid})")
    assert not out.exists()


# =========================================================================== safe by construction

EVIL_TAG = '!!python/object/apply:os.system ["touch {marker}"]'
UNSAFE_TAG = ("not valid YAML (could not determine a constructor for the tag "
              "'tag:yaml.org,2002:python/object/apply:os.system'")


def test_python_tags_in_files_and_values_are_refused_and_never_run(tmp_path, capsys, no_kernel):
    marker = tmp_path / "executed"
    out = tmp_path / "reports"
    tag = EVIL_TAG.format(marker=marker)
    case = tmp_path / "case.yaml"
    case.write_text(f"title: t\nparameters:\n  workers: {tag}\n")
    code, _, err = main("run", "-f", case, "--out", out, capsys=capsys)
    assert code == 1
    assert err.startswith(f"dispatchlib run: error: scenario file {case}: {UNSAFE_TAG}")
    grid = tmp_path / "grid.yaml"
    grid.write_text(f"parameters:\n  workers: [1, {tag}]\n")
    code, _, err = main("sweep", grid, "--out", out, capsys=capsys)
    assert code == 1
    assert err.startswith(f"dispatchlib sweep: error: grid file {grid}: {UNSAFE_TAG}")
    code, _, err = main("run", "02_economics", "-p", "workers", tag, "--out", out, capsys=capsys)
    assert code == 2
    assert err.splitlines() == [f"dispatchlib run: error: parameter workers = {shown(tag)} is not "
                                "allowed: expected a whole number >= 0 and <= 1000000 (persons)"]
    assert not marker.exists() and not out.exists()


UNSAFE_CALLS = {"eval", "exec", "unsafe_load", "full_load", "unsafe_load_all", "full_load_all",
                "load_all"}


def test_the_library_never_loads_yaml_unsafely_or_evaluates_text():
    found = []
    for path in sorted((ROOT / "dispatchlib").rglob("*.py")):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if not isinstance(node, ast.Call):
                continue
            func = node.func
            name = func.attr if isinstance(func, ast.Attribute) else getattr(func, "id", "")
            owner = getattr(getattr(func, "value", None), "id", "")
            if name in UNSAFE_CALLS or (name == "load" and owner == "yaml") \
                    or any(k.arg == "Loader" for k in node.keywords):
                found.append(f"{path.name}:{node.lineno}: {ast.unparse(node)[:80]}")
    assert found == []


TEXTS = {
    "text_a": "it's \"quoted\" \\ and 'single'",
    "text_b": "line one\nline two\n",
    "text_c": '"); open("{marker}1", "w").close(); ("',
    "text_d": "'''; open('{marker}2', 'w').close(); ''' \\",
    "text_e": '<script>alert("x")</script> & <b>bold</b>',
}
# registers five free-text parameters (no lesson has one), then runs the command line
WRAPPER = ("import sys\nfrom dispatchlib import params\n"
           + "".join(f"params.register(params.ParamSpec({n!r}, 'str', '', 'test text'))\n"
                     for n in TEXTS)
           + "from dispatchlib.cli import main\nsys.exit(main(sys.argv[1:]))\n")


def test_text_values_reach_the_notebook_as_plain_text_and_are_escaped_in_pages(tmp_path):
    marker = tmp_path / "hacked"
    texts = {n: t.format(marker=marker) for n, t in TEXTS.items()}
    cells = "\n".join(f'{n}: str = "plain"  # test text' for n in texts)
    nbs = make_notebook(tmp_path / "nb", "01_text", [
        _params_cell(cells),
        new_code_cell("import dispatchlib as dl"),
        new_code_cell(f'dl.record("01_text", {", ".join(f"{n}={n}" for n in texts)})'),
    ])
    out = tmp_path / "reports"
    args = [a for n, t in texts.items() for a in ("-p", n, t)]
    proc = cli("run", *args, "--name", "texts", "--out", out, prefix=("-c", WRAPPER),
               env={"DISPATCHLIB_NOTEBOOKS_DIR": str(nbs)})
    assert proc.returncode == 0, proc.stderr
    folder = out / "texts"
    record = json.loads((folder / "run.json").read_text())
    assert record["overrides"] == texts
    assert record["notebooks"]["01_text"]["results"] == texts  # as typed, character for character
    assert not list(tmp_path.glob("hacked*"))  # nothing in them ran
    index = (folder / "index.html").read_text()
    page = (folder / "01_text.html").read_text()
    for text in (index, page):
        assert "<script" not in text and "<b>bold" not in text
    assert ("&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt; &amp; &lt;b&gt;bold&lt;/b&gt;"
            in index)


EVIL = '<script>alert("x")</script><img src=x onerror=alert(1)> \'q\' "dq" &amp;'


def test_every_user_text_is_escaped_in_the_index_pages(tmp_path):
    record = {
        "name": EVIL, "sweep": EVIL, "status": "failed",
        "scenario": {"title": EVIL, "description": EVIL, "references": []},
        "overrides": {"workers": EVIL}, "unused": [EVIL],
        "parameters": {"01_x": {"workers": EVIL, EVIL: 1}},
        "notebooks": {"01_x": {"status": "failed", "seconds": 1.0, "results": {EVIL: EVIL},
                               "error": EVIL, "notebook": f'01_x.ipynb" onclick="{EVIL}',
                               "page": f'01_x.html" onclick="{EVIL}'}},
        "versions": {"python": EVIL}, "data_sha256": EVIL, "seconds": 1.0}
    pages = [report.write_index(tmp_path, record, back_link=EVIL).read_text()]
    sweep_dir = tmp_path / "sweep"
    sweep_dir.mkdir()
    pages.append(report.write_sweep_index(
        sweep_dir, EVIL, ["status", "workers", f"01_x.{EVIL}"],
        [{"run": EVIL, "status": "ok", "workers": EVIL, f"01_x.{EVIL}": EVIL}],
        title=EVIL, description=EVIL).read_text())
    escaped = ("&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;&lt;img src=x onerror=alert(1)"
               "&gt; &#x27;q&#x27; &quot;dq&quot; &amp;amp;")
    for page in pages:
        assert "<script" not in page and "<img" not in page and '" onclick=' not in page
        assert page.count(escaped) >= 4


def test_make_lab_binds_localhost_and_keeps_the_token():
    if shutil.which("make") is None:
        pytest.skip("make is not installed")
    proc = subprocess.run(["make", "-n", "lab"], cwd=ROOT, capture_output=True, text=True,
                          timeout=60)
    assert proc.returncode == 0, proc.stderr
    commands = [shlex.split(c) for c in proc.stdout.replace("\\\n", " ").splitlines()]
    (lab,) = [c for c in commands if "jupyter" in " ".join(c) and "lab" in c]
    options = [o for o in lab if o.startswith("--")]
    ips = [o.split("=", 1)[1] for o in options if o.split("=")[0].endswith(("-ip", ".ip"))]
    assert ips == ["127.0.0.1"], lab
    for option in options:
        key, _, value = option.partition("=")
        assert not (key.lower().endswith(("token", "password")) and value in ("", "''", '""')), \
            option
        assert "disable_check_xsrf" not in key and "allow_origin" not in key, option
    assert "JUPYTER_TOKEN" not in (ROOT / "Makefile").read_text()
    configs = [p for pattern in ("jupyter_*config.*", ".jupyter/*config.*")
               for p in ROOT.glob(pattern)]
    assert configs == []  # no config file that could open the server or drop the token


# =========================================================================== interrupted runs

def complete_files(folder: Path, stems=("02_economics",)) -> list[str]:
    return sorted(["run.json", "index.html", *(f"{s}{x}" for s in stems
                   for x in (".ipynb", ".html", ".log", ".results.json"))])


def assert_readable(out: Path) -> None:
    """Every file under a visible name is whole: JSON parses, pages end with </html>."""
    for path in out.rglob("*"):
        if any(part.startswith(".") for part in path.relative_to(out).parts) or path.is_dir():
            continue
        text = path.read_text(encoding="utf-8")
        if path.suffix in (".json", ".ipynb"):
            json.loads(text)
        elif path.suffix == ".html":
            assert text.rstrip().endswith("</html>"), path


def test_a_killed_run_leaves_earlier_runs_whole(tmp_path):
    """Runs killed (SIGKILL, the runner and its workers at once) at each moment of a run.

    The notebook is the gated one of :data:`GATED` (it waits for a file that never appears
    while a kill must come during its execution), not a lesson: what is under test is the
    folder swap, whatever the notebook computes. Its 40 formulas make drawing its page take
    a few tenths of a second, as a lesson's figures do, so that the last kill lands in that
    window. That a lesson gives the same results, byte for byte, in a new process is
    tests/test_reproducible.py's check."""
    formulas = "\n\n".join(f"$$y_{{{i}}} = \\frac{{a}}{{b}} \\times {i}$$" for i in range(40))
    nbs = make_notebook(tmp_path / "nb", "01_gated", [new_markdown_cell(formulas), *GATED])
    stems = ["01_gated"]
    env = {"DISPATCHLIB_NOTEBOOKS_DIR": str(nbs), "DL_TEST_GATE": ""}  # no wait
    held = dict(env, DL_TEST_GATE=str(tmp_path / "never"))  # waits while it is killed
    out = tmp_path / "reports"
    first = cli("run", "--name", "X", "--out", out, env=env)
    assert first.returncode == 0, first.stderr
    before = tree_digest(out / "X")
    assert sorted(before) == complete_files(out / "X", stems)
    moments = [  # (name, condition met when the kill comes, strict: X must be byte-identical,
        #          whether the notebook waits; the first from a new interpreter, still starting)
        ("while its parameters are checked", lambda r, t0: time.monotonic() - t0 > 1.0, True,
         held),
        ("while the notebook executes", lambda r, t0: r.started(), True, held),
        ("while the page is drawn or the run finishes",
         lambda r, t0: any(out.glob(".X.*.partial/01_gated.results.json")), False, env),
    ]
    for i, (what, condition, each_declares, how) in enumerate(moments):
        run = start("run", "--name", "X", "--out", out, log=tmp_path / f"{i}.err", env=how,
                    fresh=i == 0)
        t0 = time.monotonic()
        wait_for(lambda c=condition, r=run, t=t0: c(r, t), run, what=what)
        run.kill()
        assert [p.name for p in out.iterdir() if not p.name.startswith(".")] == ["X"], what
        assert_readable(out)
        now = tree_digest(out / "X")
        if each_declares:
            assert now == before, what  # the earlier run, byte for byte
        else:  # killed just before or after the swap: the earlier run or the new one, whole
            assert sorted(now) == complete_files(out / "X", stems), what
            assert json.loads((out / "X" / "run.json").read_text())["status"] == "ok", what

    # a sibling run killed midway: X is untouched and no Y appears
    last = tree_digest(out / "X")
    run = start("run", "--name", "Y", "--out", out, log=tmp_path / "y.err", env=held)
    wait_for(run.started, run, what="Y runs")
    run.kill()
    assert [p.name for p in out.iterdir() if not p.name.startswith(".")] == ["X"]
    assert tree_digest(out / "X") == last
    assert_readable(out)

    # the next run of X is not blocked by what the killed ones left, and clears it
    again = cli("run", "--name", "X", "--out", out, env=env)
    assert again.returncode == 0, again.stderr
    left = sorted(p.name for p in out.iterdir())
    assert left[1:] == [".Y.lock", "X"] and re.fullmatch(r"\.Y\.\d+\.partial", left[0]), left
    assert sorted(tree_digest(out / "X")) == complete_files(out / "X", stems)
    # same parameters and seed in a new process: the same headline results, byte for byte
    assert tree_digest(out / "X")["01_gated.results.json"] == \
        before["01_gated.results.json"]


def test_a_swap_cut_short_is_repaired_and_a_non_run_folder_is_never_replaced(tmp_path):
    # the two-rename fallback of _publish, interrupted between its renames (not on Linux)
    folder = tmp_path / "X"
    old = tmp_path / ".X.old"
    old.mkdir()
    record = {"name": "X", "status": "ok", "sweep": None, "parameters": {},
              "notebooks": {}}
    (old / "run.json").write_text(json.dumps(record))
    plan = planning.RunPlan("X", folder, [], {}, {})
    runner.tasks(plan)  # restores the earlier run, then works beside it
    assert json.loads((folder / "run.json").read_text()) == record
    assert not old.exists() and (tmp_path / f".X.{os.getpid()}.partial" / "run.json").is_file()
    runner._release(plan)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["X"]
    mine = tmp_path / "mine"
    mine.mkdir()
    (mine / "notes.txt").write_text("keep")
    with pytest.raises(DispatchlibError, match="not a run folder"):
        runner.tasks(planning.RunPlan("mine", mine, [], {}, {}))
    assert sorted(p.name for p in tmp_path.iterdir()) == ["X", "mine"]  # no lock, no work folder
    assert (mine / "notes.txt").read_text() == "keep"


def test_a_forked_worker_does_not_hold_the_run_lock(tmp_path):
    # workers forked by the runner inherit its descriptors; a worker that outlived a killed
    # runner must not keep the run name locked
    folder = tmp_path / "X"
    fd = folders.lock(folder)
    with pytest.raises(folders.RunLocked):
        folders.lock(folder)  # held
    read_end, write_end = os.pipe()
    ready_read, ready_write = os.pipe()
    pid = os.fork()
    if pid == 0:  # the worker (fork hooks have run): says it is up, lives on until told to stop
        os.close(write_end)
        os.close(ready_read)
        os.write(ready_write, b"1")
        os.read(read_end, 1)
        os._exit(0)
    os.close(read_end)
    os.close(ready_write)
    try:
        assert os.read(ready_read, 1) == b"1"
        folders._HELD_LOCKS.discard(fd)
        os.close(fd)  # the runner dies (its lock file stays behind)
        assert (tmp_path / ".X.lock").exists()
        again = folders.lock(folder)  # free, though the worker still lives
        folders.unlock(folder, again)
    finally:
        os.close(write_end)
        os.close(ready_read)
        os.waitpid(pid, 0)
    assert not (tmp_path / ".X.lock").exists()


# =========================================================================== runs at the same time

GATED = [
    _params_cell("seed: int = 1  # seed"),
    new_code_cell("import dispatchlib as dl\n\np = dl.check(seed=seed)"),
    # wait until the test opens the gate (a file), so that two runs overlap for sure
    new_code_cell("import os\nimport time\n\ngate, t0 = os.environ.get('DL_TEST_GATE', ''), "
                  "time.monotonic()\nwhile gate and not os.path.exists(gate) and "
                  "time.monotonic() - t0 < 120:\n    time.sleep(0.05)"),
    new_code_cell('dl.record("01_gated", seed=p.seed)'),
]


@pytest.fixture
def gated(tmp_path):
    nbs = make_notebook(tmp_path / "nb", "01_gated", GATED)
    gate = tmp_path / "gate"
    return {"DISPATCHLIB_NOTEBOOKS_DIR": str(nbs), "DL_TEST_GATE": str(gate)}, gate


def test_two_runs_at_once_into_one_folder_and_a_second_run_of_a_name_is_refused(tmp_path,
                                                                                gated):
    """Two runs with different names at once into one folder do not mix; while they run, a
    second run of one of their names is refused through its lock (one test, so that the two
    checks share the runs held at the gate)."""
    env, gate = gated
    out = tmp_path / "reports"
    a = start("run", "-p", "seed", "1", "--name", "a", "--out", out, env=env,
              log=tmp_path / "a.err")
    b = start("run", "-p", "seed", "2", "--name", "b", "--out", out, env=env,
              log=tmp_path / "b.err")
    wait_for(lambda: a.started() and b.started(), what="both runs to start")
    assert (out / ".a.lock").exists() and (out / ".b.lock").exists()
    second = cli("run", "-p", "seed", "2", "--name", "a", "--out", out, env=env)
    assert second.returncode == 1
    assert second.stderr.splitlines()[-1:] == [
        f"dispatchlib run: error: run 'a' is already being written into {out.resolve()} by "
        "another process (it holds .a.lock): wait for that run to finish, or choose another "
        "--name"]
    assert "started" not in second.stderr
    gate.touch()
    for run, name, seed in ((a, "a", 1), (b, "b", 2)):
        code, err = run.wait()
        assert code == 0, err
        record = json.loads((out / name / "run.json").read_text())
        assert record["status"] == "ok" and record["overrides"] == {"seed": seed}
        assert record["notebooks"]["01_gated"]["results"] == {"seed": seed}
        assert sorted(tree_digest(out / name)) == complete_files(out / name, ["01_gated"])
    assert sorted(p.name for p in out.iterdir()) == ["a", "b"]  # locks and work folders gone
    # once the first is done, the same name runs again and replaces it whole
    again = cli("run", "-p", "seed", "2", "--name", "a", "--out", out, env=env)
    assert again.returncode == 0, again.stderr
    record = json.loads((out / "a" / "run.json").read_text())
    assert record["overrides"] == {"seed": 2}
    assert json.loads((out / "a" / "01_gated.results.json").read_text())["results"] == \
        {"seed": 2}
    assert sorted(tree_digest(out / "a")) == complete_files(out / "a", ["01_gated"])


# =========================================================================== issue 16: run safety

@pytest.mark.parametrize(("out", "expected"), [
    (".", "expected a folder that is not the repository"),
    ("..", "expected a folder that is not the repository"),
    ("/", "expected a folder that is not the repository"),
    ("notebooks", "expected a folder outside"),
    ("notebooks/sub", "expected a folder outside"),
    ("data", "expected a folder outside"),
    ("data/runs/x", "expected a folder outside"),
    ("README.md", "expected a folder, not an existing file"),
    ("x" * 300, "expected a folder path the system accepts (File name too long"),
])
def test_reports_folders_that_are_refused(out, expected, monkeypatch):
    monkeypatch.chdir(ROOT)
    with pytest.raises(ParameterError, match=re.escape(expected)) as caught:
        folders.check_out(out)
    assert str(caught.value).startswith(f"parameter --out = {shown(out)} is not allowed")


def test_a_link_or_an_environment_cannot_lead_a_run_into_the_lessons(tmp_path, monkeypatch):
    (tmp_path / "link").symlink_to(ROOT / "notebooks")
    with pytest.raises(ParameterError, match="expected a folder outside"):
        folders.check_out(tmp_path / "link" / "x")
    lessons = tmp_path / "elsewhere" / "nb"
    lessons.mkdir(parents=True)
    monkeypatch.setenv("DISPATCHLIB_NOTEBOOKS_DIR", str(lessons))
    with pytest.raises(ParameterError, match="expected a folder that does not hold"):
        folders.check_out(tmp_path / "elsewhere")  # a run named 'nb' there would replace them
    assert folders.check_out(tmp_path / "reports") == (tmp_path / "reports").resolve()
    assert folders.check_out(ROOT / "reports") == (ROOT / "reports").resolve()


def test_names_with_a_trailing_newline_are_refused():
    for name in ("x\n", "run\n", "a\r", "b\x00"):
        with pytest.raises(folders.BadName):
            folders.check_name(name)
    assert not folders.SAFE_NAME.fullmatch("x\n") and not discovery.NOTEBOOK_NAME.fullmatch(
        "02_economics.ipynb\n")
    assert planning.slug({"label": "x\n"}) != "label-x"  # changed, so a hash is added


@pytest.mark.parametrize(("text", "message"), [
    ("", "the file is empty, not a notebook"),
    ("   \n", "the file is empty, not a notebook"),
    ("{not json", "not a notebook: not JSON"),
    ("[1, 2]", "not a notebook: no list of cells"),
    ('{"cells": {}}', "not a notebook: no list of cells"),
])
def test_a_broken_notebook_is_one_line_naming_it(tmp_path, text, message):
    path = tmp_path / "03_broken.ipynb"
    path.write_text(text)
    for read in (discovery.read_notebook, discovery.declared):
        with pytest.raises(DispatchlibError) as caught:
            read(path)
        assert str(caught.value).startswith(f"notebook {path}: {message}")
        assert "\n" not in str(caught.value)


def test_a_notebook_papermill_cannot_read_is_named(tmp_path):
    path = tmp_path / "03_odd.ipynb"
    path.write_text('{"cells": [{"cell_type": "code"}]}')  # JSON with cells, not nbformat
    with pytest.raises(DispatchlibError, match=re.escape(f"notebook {path}: not a readable")):
        discovery.declared(path)


@pytest.mark.parametrize(("text", "message"), [
    ("{not json", "not a run record: not JSON"),
    ("[]", "not a run record: expected a JSON object"),
    ('{"parameters": {}}', "not a run record: expected a JSON object"),
])
def test_a_broken_run_record_is_one_line_naming_it(tmp_path, text, message):
    (tmp_path / "run.json").write_text(text)
    with pytest.raises(DispatchlibError, match=re.escape(f"{tmp_path / 'run.json'}: {message}")):
        run_record.read(tmp_path)


def _record(folder: Path, name: str, **results) -> Path:
    folder.mkdir(parents=True)
    (folder / "run.json").write_text(json.dumps({
        "name": name, "status": "ok", "parameters": {"02_economics": {"workers": 1}},
        "notebooks": {"02_economics": {"status": "ok", "results": results}}}))
    return folder


def test_compare_into_a_closed_pipe_ends_quietly(tmp_path):
    for i in range(2):
        _record(tmp_path / f"r{i}", f"r{i}", **{f"value_{k}": k + i for k in range(2000)})
    proc = subprocess.Popen([sys.executable, "-m", "dispatchlib", "compare", "r0", "r1",
                             "--out", str(tmp_path)], stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True)
    proc.stdout.readline()  # `| head -1`: one line, then the reader goes
    proc.stdout.close()
    err = proc.stderr.read()
    assert proc.wait(timeout=60) == 1
    assert err == ""  # no traceback, no "Exception ignored" at exit


def test_the_kernels_transport_warning_is_dropped_from_a_log_and_the_rest_kept(tmp_path):
    log = tmp_path / "02_economics.log"
    log.write_text("[IPKernelApp] WARNING | Kernel is running over TCP without encryption. All "
                   "communication (including code and outputs) is sent in plain text.\n"
                   "UserWarning: a real warning from the notebook\n")
    workers._drop_noise(log)
    assert log.read_text() == "UserWarning: a real warning from the notebook\n"
    workers._drop_noise(tmp_path / "missing.log")  # nothing to do, no error


def test_progress_never_shows_more_notebooks_running_than_workers(tmp_path):
    import synthetic_notebooks

    nbs = synthetic_notebooks.make(tmp_path / "nb", "01_tiny", "02_other")
    env = dict(os.environ, DISPATCHLIB_NOTEBOOKS_DIR=str(nbs))
    started = {jobs: commands.start(  # the two runs at once, into one reports folder
        "run", "--jobs", jobs, "--name", f"j{jobs}", "--out", tmp_path / "r", env=env)
        for jobs in (1, 2)}
    for jobs, running in started.items():
        out, err = running.communicate(timeout=300)
        proc = subprocess.CompletedProcess(running.args, running.returncode, out, err)
        assert proc.returncode == 0, proc.stderr
        lines = proc.stderr.splitlines()
        assert lines[0].startswith(f"run j{jobs}: 2 notebook(s), {jobs} at a time")
        running = 0
        for line in lines:
            running += line.startswith("  started ") - line.startswith("  executed ")
            assert 0 <= running <= jobs, proc.stderr
        assert sum(line.startswith("  executed ") for line in lines) == 2
        assert "2 ok, 0 failed" in proc.stdout and f"{jobs} at a time)" in proc.stdout
        log = (tmp_path / "r" / f"j{jobs}" / "01_tiny.log").read_text()
        assert "without encryption" not in log


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="prctl is Linux's")
def test_a_worker_asks_to_die_with_its_runner():
    import ctypes

    pid = os.fork()
    if pid == 0:  # the worker
        code = 3
        try:
            workers._die_with_parent(os.getppid())
            got = ctypes.c_int()
            ctypes.CDLL(None).prctl(2, ctypes.byref(got), 0, 0, 0)  # PR_GET_PDEATHSIG
            code = 0 if got.value == signal.SIGKILL else 4
        finally:
            os._exit(code)
    assert os.waitstatus_to_exitcode(os.waitpid(pid, 0)[1]) == 0
    pid = os.fork()
    if pid == 0:  # a worker whose runner is already gone ends at once
        try:
            workers._die_with_parent(os.getppid() + 1_000_000)
        finally:
            os._exit(0)
    assert os.waitstatus_to_exitcode(os.waitpid(pid, 0)[1]) == 1


def test_no_library_writer_touches_the_lessons_or_the_data(tmp_path):
    # the neighbours of the run folder rule: the functions that write a notebook or a page
    lesson = ROOT / "notebooks" / "02_economics.ipynb"
    before = tree_digest(ROOT / "notebooks")
    with pytest.raises(DispatchlibError, match="refusing to write .*notebooks"):
        engine.execute(lesson, lesson)
    with pytest.raises(DispatchlibError, match="refusing to write .*02_economics.html"):
        report.render_notebook(lesson)
    with pytest.raises(DispatchlibError, match="refusing to write .*data"):
        engine.execute(lesson, ROOT / "data" / "x.ipynb")
    from dispatchlib import results

    with pytest.raises(DispatchlibError, match="refusing to write .*02_economics.results.json"):
        results.write(lesson)  # the lessons record results: this would write beside one
    assert tree_digest(ROOT / "notebooks") == before
    assert not (ROOT / "data" / "x.ipynb").exists()
    assert paths.refuse_protected(tmp_path / "x.ipynb") == (tmp_path / "x.ipynb").resolve()


def test_a_reports_folder_from_the_environment_is_checked_and_named(monkeypatch):
    monkeypatch.setenv("DISPATCHLIB_REPORTS_DIR", str(ROOT / "data"))
    with pytest.raises(ParameterError, match=r"^parameter DISPATCHLIB_REPORTS_DIR = "):
        planning.prepare(["02_economics"])
    from dispatchlib.run import sweep

    with pytest.raises(ParameterError, match=r"^parameter DISPATCHLIB_REPORTS_DIR = "):
        sweep.sweep(ROOT / "scenarios" / "grids" / "economics-2x2.yaml")


def test_parameters_are_read_as_papermill_reads_them(tmp_path):
    """discovery reads a Python notebook's parameters cell without papermill: the same names,
    types, defaults and comments as ``papermill.inspect_notebook``, for every lesson (both
    languages), the synthetic notebooks and a cell with multi-line, commented and odd lines."""
    import json

    import nbformat
    import papermill
    import synthetic_notebooks
    from nbformat.v4 import new_code_cell, new_notebook

    odd = new_notebook(cells=[new_code_cell(
        "# a comment\n\nshares: list = [1,  # first\n  2]  # two shares\nx = y = 3\n"
        "label = 'a # b'  # the label\nuntyped = 4\nhinted = 5  # type: int  help\n"
        "  indented: float = 1.5\nbad line\n", metadata={"tags": ["parameters"]})])
    odd.metadata["kernelspec"] = {"name": "python3", "language": "python"}
    nbformat.write(odd, str(tmp_path / "09_odd.ipynb"))
    synthetic_notebooks.make(tmp_path, *synthetic_notebooks.NOTEBOOKS)
    sources = (discovery.notebooks() + discovery.notebooks(lang="ko")
               + sorted(tmp_path.glob("*.ipynb")))
    for source in sources:
        nb = json.loads(source.read_text(encoding="utf-8"))
        assert discovery._plain_python(nb), source
        assert discovery._inspect_python(nb) == papermill.inspect_notebook(str(source)), source
