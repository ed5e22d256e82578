"""``python -m dispatchlib params`` and ``run``: checks before any kernel, records, pages,
a failing notebook, run names and scenario files.

Runs use the tiny notebooks of ``synthetic_notebooks.py`` (a few seconds each), pointed at with
``DISPATCHLIB_NOTEBOOKS_DIR``; the full run of the lessons is in ``test_report_browser.py``.
"""

import ast
import json
import os
import re

import commands
import papermill
import pytest
import synthetic_notebooks
import yaml

from dispatchlib import params, paths
from dispatchlib.errors import DispatchlibError, ParameterError
from dispatchlib.run import discovery, folders, planning, run_record, runner
from dispatchlib.run import scenario_files as cases


def cli(*args, notebooks_dir=None, timeout=300):
    env = dict(os.environ)
    if notebooks_dir is not None:
        env["DISPATCHLIB_NOTEBOOKS_DIR"] = str(notebooks_dir)
    return commands.dispatchlib(*args, env=env, timeout=timeout)


def main(*args, capsys):
    """The command line in this process (fast, for the checks that stop before any kernel)."""
    from dispatchlib.cli import main as cli_main

    try:
        code = cli_main([str(a) for a in args])
    except SystemExit as exc:  # argparse's own errors
        code = exc.code
    out, err = capsys.readouterr()
    return code, out, err


@pytest.fixture
def tiny(tmp_path, monkeypatch):
    folder = synthetic_notebooks.make(tmp_path / "nb", "01_tiny", "02_other")
    monkeypatch.setenv("DISPATCHLIB_NOTEBOOKS_DIR", str(folder))
    return folder


# --------------------------------------------------------------------------- params

def test_params_lists_every_declared_parameter_from_notebook_and_registry():
    proc = cli("params", "--json")
    assert proc.returncode == 0, proc.stderr
    listed = json.loads(proc.stdout)
    assert set(listed) == {p.stem for p in discovery.notebooks()}
    for source in discovery.notebooks():
        found = papermill.inspect_notebook(str(source))
        rows = {r["name"]: r for r in listed[source.stem]}
        assert list(rows) == list(found)  # the notebook's own order, nothing added by hand
        for name, row in rows.items():
            spec = params.spec(name)
            assert row["type"] == spec.kind and row["unit"] == spec.unit
            assert row["help"] == spec.help and row["comment"] == found[name]["help"]
            assert row["default"] == ast.literal_eval(found[name]["default"])
            assert row["allowed"]


def test_params_table_for_one_notebook(capsys):
    code, out, _ = main("params", "02_economics", capsys=capsys)
    assert code == 0
    (source,) = discovery.notebooks(["02_economics"])
    count = len(papermill.inspect_notebook(str(source)))
    assert out.startswith(f"02_economics: {count} parameter(s)")
    from dispatchlib.cli import _range

    line = next(x for x in out.splitlines() if x.strip().startswith("quota_months"))
    assert line.split()[:4] == ["quota_months", "float", "8.0", "months"]
    assert _range(params.spec("quota_months")) in line


@pytest.mark.parametrize(("spec", "text"), [
    (params.ParamSpec("x", "float", minimum=0, maximum=60, exclusive_minimum=True), "(0, 60]"),
    (params.ParamSpec("x", "int", minimum=0, maximum=1_000_000), "[0, 1,000,000]"),
    (params.ParamSpec("x", "float", minimum=0.5), "[0.5, inf)"),
    (params.ParamSpec("x", "float", maximum=1), "(-inf, 1]"),
    (params.ParamSpec("x", "float"), "any"),
    (params.ParamSpec("x", "bool"), "True or False"),
    (params.ParamSpec("x", "str", choices=("low", "high")), "one of low, high"),
])
def test_allowed_range_in_interval_notation(spec, text):
    from dispatchlib.cli import _range

    assert _range(spec) == text


def test_params_unknown_notebook_suggests_the_closest(capsys):
    code, _, err = main("params", "02_economic", capsys=capsys)
    assert code == 2
    assert "did you mean '02_economics'" in err


# --------------------------------------------------------------------------- checks first

def test_unknown_name_exits_before_any_kernel_and_suggests(tiny, tmp_path):
    out = tmp_path / "reports"
    proc = cli("run", "-p", "wrokers", "5", "--out", out, notebooks_dir=tiny)
    assert proc.returncode == 2
    err = proc.stderr
    assert "wrokers" in err and "did you mean 'workers'" in err
    for name in ("draws", "seed", "workers"):  # the valid names of the notebooks
        assert name in err
    assert not out.exists()  # nothing started, nothing written


@pytest.mark.parametrize(("name", "value", "expected"), [
    ("workers", "-3", "parameter workers = -3 is not allowed: expected a whole number >= 0"),
    ("workers", "lots", "parameter workers = 'lots' is not allowed: expected a whole number"),
    ("seed", "1.5", "parameter seed = 1.5 is not allowed: expected a whole number"),
    ("draws", "0", "parameter draws = 0 is not allowed: expected a whole number >= 1"),
    ("workers", "nan", "parameter workers = nan is not allowed"),
    ("workers", "[1, 2]", "parameter workers = [1, 2] is not allowed"),
])
def test_bad_value_names_parameter_value_and_what_is_allowed(tiny, tmp_path, capsys, name,
                                                              value, expected):
    out = tmp_path / "reports"
    code, _, err = main("run", "-p", name, value, "--out", out, capsys=capsys)
    assert code == 2, err
    assert expected in err
    assert len(err.strip().splitlines()) == 1
    assert not out.exists()


def test_a_name_a_named_notebook_does_not_declare_is_an_error_for_it(tiny, tmp_path, capsys):
    code, _, err = main("run", "02_other", "-p", "workers", "5", "--out", tmp_path / "r",
                        capsys=capsys)
    assert code == 2
    assert "parameter workers = '5' is not allowed: expected a parameter of 02_other" in err
    assert "its parameters are seed, draws" in err
    assert not (tmp_path / "r").exists()


def test_bad_scenario_file_is_refused_before_running(tiny, tmp_path, capsys):
    bad = tmp_path / "bad.yaml"
    bad.write_text("title: x\nparamaters:\n  workers: 5\n")
    code, _, err = main("run", "-f", bad, "--out", tmp_path / "r", capsys=capsys)
    assert code == 1
    assert "unknown key 'paramaters'" in err and str(bad) in err
    bad.write_text("parameters:\n  workers: -1\n")
    code, _, err = main("run", "-f", bad, "--out", tmp_path / "r", capsys=capsys)
    assert code == 2 and "workers = -1" in err
    bad.write_text("parameters: [workers, 1]\n")
    code, _, err = main("run", "-f", bad, "--out", tmp_path / "r", capsys=capsys)
    assert code == 1 and "'parameters' must map names to values" in err
    code, _, err = main("run", "-f", "no-such-case", "--out", tmp_path / "r", capsys=capsys)
    assert code == 1 and "central" in err  # lists the named scenarios
    assert not (tmp_path / "r").exists()


def test_bad_jobs_is_refused(tiny, tmp_path, capsys):
    code, _, err = main("run", "--jobs", "0", "--out", tmp_path / "r", capsys=capsys)
    assert code == 2 and "--jobs" in err and "expected a whole number >= 1" in err


def test_values_are_read_as_yaml_never_evaluated():
    workers, months = params.spec("workers"), params.spec("quota_months")
    text = params.ParamSpec("label", "str")
    names = params.ParamSpec("names", "list[str]")
    assert planning.coerce(workers, planning.Text("100000")) == 100000
    assert planning.coerce(workers, planning.Text("1e5")) == 100000  # a float to YAML 1.2
    assert planning.coerce(workers, planning.Text("100_000")) == 100000
    assert planning.coerce(months, planning.Text("6")) == 6.0
    assert planning.coerce(text, planning.Text("yes")) == "yes"  # text stays text, not True
    assert planning.coerce(names, planning.Text("[a, b]")) == ["a", "b"]
    assert planning.coerce(params.spec("interactive"), planning.Text("false")) is False
    with pytest.raises(ParameterError, match="workers"):
        planning.coerce(workers, planning.Text("__import__('os').getcwd()"))
    with pytest.raises(ParameterError, match="quota_months"):
        planning.coerce(months, planning.Text("{"))  # not YAML


def test_plan_gives_each_notebook_the_values_it_declares(tiny):
    sources = discovery.notebooks()
    injected = planning.plan(sources, {"workers": planning.Text("7"), "seed": 3})
    assert injected == {"01_tiny": {"workers": 7, "seed": 3}, "02_other": {"seed": 3}}
    # a scenario-file name no notebook declares is left unused, but must still be known
    injected = planning.plan(sources, {"quota_usd": 1.0}, from_files={"quota_usd"})
    assert injected == {"01_tiny": {}, "02_other": {}}
    with pytest.raises(ParameterError, match="did you mean 'quota_usd'"):
        planning.plan(sources, {"quota_uds": 1.0}, from_files={"quota_uds"})


# --------------------------------------------------------------------------- names and paths

@pytest.mark.parametrize("name", ["../evil", "a/b", ".hidden", "-x", "", "a b", "x" * 101,
                                  "/tmp/abs", "..", "<b>"])
def test_unsafe_run_names_are_refused(tiny, tmp_path, capsys, name):
    code, _, err = main("run", f"--name={name}", "--out", tmp_path / "r", capsys=capsys)
    assert code == 2, err
    assert "run name" in err and "letters, digits" in err
    assert not (tmp_path / "r").exists() and not (tmp_path / "evil").exists()


def test_inside_refuses_paths_that_leave_the_folder(tmp_path):
    root = tmp_path / "reports"
    root.mkdir()
    assert folders.inside(root, "run", "a.html") == (root / "run" / "a.html").resolve()
    with pytest.raises(DispatchlibError, match="outside"):
        folders.inside(root, "..", "x")
    (root / "link").symlink_to(tmp_path)
    with pytest.raises(DispatchlibError, match="outside"):
        folders.inside(root, "link", "x")


def test_slug_is_safe_and_distinct():
    assert planning.slug({"workers": 100000, "quota_months": 6.0}) == \
        "workers-100000_quota_months-6.0"
    odd = planning.slug({"label": "a b/c"})
    assert folders.SAFE_NAME.match(odd) and odd != planning.slug({"label": "a bc"})


def test_an_existing_folder_that_is_not_a_run_is_left_alone(tiny, tmp_path, capsys):
    out = tmp_path / "r"
    (out / "mine").mkdir(parents=True)
    (out / "mine" / "notes.txt").write_text("keep me")
    code, _, err = main("run", "--name", "mine", "--out", out, capsys=capsys)
    assert code == 1 and "not a run folder" in err
    assert (out / "mine" / "notes.txt").read_text() == "keep me"


# --------------------------------------------------------------------------- runs

def test_run_writes_record_pages_and_index(tiny, tmp_path):
    out = tmp_path / "reports"
    case = tmp_path / "case.yaml"
    case.write_text(yaml.safe_dump({
        "title": "<script>alert('title')</script> & more",
        "description": "Values <b>not</b> markup",
        "references": ["LANKOV2025"],
        "parameters": {"workers": 20, "seed": 3, "quota_usd": 5.0}}))
    proc = cli("run", "-f", case, "-p", "workers", "21", "--jobs", "2", "--out", out,
               "--name", "t1", notebooks_dir=tiny)
    assert proc.returncode == 0, proc.stderr
    folder = out / "t1"
    # every file the run wrote is inside its folder
    assert sorted(p.name for p in out.iterdir()) == ["t1"]
    record = json.loads((folder / "run.json").read_text())
    assert record["name"] == "t1" and record["status"] == "ok"
    # -p overrides the file; quota_usd is declared by neither notebook, so it is unused
    assert record["overrides"] == {"workers": 21, "seed": 3}
    assert record["unused"] == ["quota_usd"]
    assert record["parameters"] == {"01_tiny": {"workers": 21, "seed": 3},
                                    "02_other": {"seed": 3, "draws": 10}}
    # 21 x 2 = 42; 10 + 3 = 13
    assert record["notebooks"]["01_tiny"]["results"] == {"doubled": 42, "seed": 3}
    assert record["notebooks"]["02_other"]["results"] == {"draws_plus_seed": 13}
    assert set(record["versions"]) == {"dispatchlib", "python", "pandas", "numpy", "matplotlib",
                                       "seaborn", "statsmodels", "papermill", "nbconvert"}
    assert record["data_sha256"] == run_record.data_hash()
    assert record["scenario"]["title"].startswith("<script>")
    assert json.loads((folder / "01_tiny.results.json").read_text())["results"]["doubled"] == 42
    # progress: one line per notebook start and finish, on stderr
    assert proc.stderr.count("started") == 2 and proc.stderr.count(" ok ") >= 2
    index = (folder / "index.html").read_text()
    assert 'href="01_tiny.html"' in index and 'href="02_other.html"' in index
    assert "&lt;script&gt;alert(&#x27;title&#x27;)&lt;/script&gt; &amp; more" in index
    assert "Values &lt;b&gt;not&lt;/b&gt; markup" in index and "<script" not in index
    for page in ("01_tiny.html", "02_other.html", "index.html"):
        text = (folder / page).read_text()
        assert "<script" not in text
        assert not re.search(r"""(src|href)=["']?(https?:)?//""", text)
    tiny_page = (folder / "01_tiny.html").read_text()
    assert 'class="dl-math"' in tiny_page and "data:image/svg+xml;base64," in tiny_page
    # the same name for fewer notebooks: refused; with --replace the folder is replaced whole
    proc = cli("run", "01_tiny", "--name", "t1", "--out", out, notebooks_dir=tiny)
    assert proc.returncode == 1 and "give --replace" in proc.stderr
    assert (folder / "02_other.html").exists()
    proc = cli("run", "01_tiny", "--name", "t1", "--out", out, "--replace", notebooks_dir=tiny)
    assert proc.returncode == 0, proc.stderr
    assert "replacing the earlier run 't1'" in proc.stderr
    assert not (folder / "02_other.html").exists()


def test_failing_notebook_keeps_its_partial_copy_and_the_others_finish(tmp_path):
    nbs = synthetic_notebooks.make(tmp_path / "nb", "01_tiny", "03_broken")
    out = tmp_path / "reports"
    proc = cli("run", "--name", "broken", "--jobs", "2", "--out", out, notebooks_dir=nbs)
    assert proc.returncode == 1
    assert "03_broken failed: ValueError: deliberate failure for the test" in proc.stderr
    folder = out / "broken"
    record = json.loads((folder / "run.json").read_text())
    assert record["status"] == "failed"
    assert record["notebooks"]["01_tiny"]["status"] == "ok"
    assert record["notebooks"]["01_tiny"]["results"]["doubled"] == 200
    broken = record["notebooks"]["03_broken"]
    assert broken["status"] == "failed" and broken["results"] is None
    assert broken["error"].startswith("ValueError: deliberate failure for the test")
    nb = json.loads((folder / "03_broken.ipynb").read_text())
    outputs = [o for c in nb["cells"] if c["cell_type"] == "code" for o in c.get("outputs", [])]
    assert any("this line ran before the error" in "".join(o.get("text", ""))
               for o in outputs)
    assert any(o["output_type"] == "error" and o["ename"] == "ValueError" for o in outputs)
    assert not any("never reached" in "".join(o.get("text", "")) for o in outputs)
    page = (folder / "03_broken.html").read_text()
    assert "deliberate failure for the test" in page
    index = (folder / "index.html").read_text()
    assert 'class="status failed"' in index and "deliberate failure" in index


# --------------------------------------------------------------------------- scenario files

SCENARIOS = sorted(paths.scenarios_dir().glob("*.yaml"))


def test_the_named_cases_are_there():
    names = {p.stem for p in SCENARIOS}
    assert {"low", "central", "high", "brief", "sanctions-enforced"} <= names


@pytest.mark.parametrize("path", SCENARIOS, ids=lambda p: p.stem)
def test_scenario_file_is_documented_sourced_and_valid(path):
    case = cases.load(path.stem)  # by name; checks keys and that references are source ids
    assert case.title and len(case.description) > 80 and case.references
    sources = discovery.notebooks(list(case.notebooks) or None)
    injected = planning.plan(sources, case.parameters, from_files=set(case.parameters))
    used = {name for per_nb in injected.values() for name in per_nb}
    # every value reaches at least one lesson (no name kept for a notebook that is gone)
    assert used == set(case.parameters), set(case.parameters) - used


def test_scenario_references_must_be_sources(tmp_path):
    bad = tmp_path / "case.yaml"
    bad.write_text("title: t\nreferences: [NO_SUCH_SOURCE]\nparameters: {workers: 1}\n")
    with pytest.raises(DispatchlibError, match="NO_SUCH_SOURCE"):
        cases.load(bad)


def _run_folder(folder, name=None, stems=("02_economics",), sweep=None, extra=()):
    folder.mkdir(parents=True)
    record = {"name": name or folder.name, "sweep": sweep, "parameters": {s: {} for s in stems},
              "notebooks": {s: {} for s in stems}}
    (folder / "run.json").write_text(json.dumps(record))
    (folder / "index.html").write_text("<html></html>")
    for stem in stems:
        for suffix in folders.RUN_SUFFIXES:
            (folder / f"{stem}{suffix}").write_text("x")
    for file in extra:
        (folder / file).write_text("mine")
    return folder


def test_only_a_folder_a_run_provably_wrote_is_replaced(tmp_path):
    check = folders._check_replaceable
    assert check(tmp_path / "absent", ["02_economics"]) is None
    (tmp_path / "empty").mkdir()
    assert check(tmp_path / "empty", ["02_economics"]) is None
    earlier = _run_folder(tmp_path / "full", stems=("01_history", "02_economics"))
    assert check(earlier, ["02_economics", "01_history"]) == "the earlier run 'full'"
    refused = [  # (folder, notebooks of the new run, sweep, what the message says)
        (earlier, ["06_claims-audit"], None, "holds an earlier run 'full' of other notebooks "
         "(01_history, 02_economics; this run: 06_claims-audit): not replacing it; give "
         "--replace to replace it, or choose another --name"),
        (_run_folder(tmp_path / "mine", extra=["notes.txt"]), ["02_economics"], None,
         "is not a run folder (it holds files no run wrote"),
        (_run_folder(tmp_path / "old", name="other"), ["02_economics"], None,
         "is not a run folder"),  # run.json of another run: copied in by hand
        (_run_folder(tmp_path / "lessons", stems=()), ["02_economics"], None,
         "is not a run folder (it holds files no run wrote"),
        (_run_folder(tmp_path / "swept", sweep="grid"), ["02_economics"], None,
         "holds a run of sweep 'grid'"),
    ]
    (tmp_path / "lessons" / "02_economics.ipynb").write_text("{}")  # a lesson, no run of it
    no_record = tmp_path / "no-record"  # only files a run writes, but no run.json
    no_record.mkdir()
    (no_record / "02_economics.ipynb").write_text("{}")
    refused.append((no_record, ["02_economics"], None, "not a run folder (no run.json)"))
    for folder, stems, sweep, message in refused:
        before = sorted(p.name for p in folder.iterdir())
        with pytest.raises(folders.NotReplaceable, match=re.escape(message)):
            check(folder, stems, sweep=sweep)
        assert check(folder, stems, replace=True, sweep=sweep)  # --replace: allowed
        assert sorted(p.name for p in folder.iterdir()) == before  # nothing touched
    (tmp_path / "file").write_text("x")
    with pytest.raises(folders.NotReplaceable, match="is not a folder"):
        check(tmp_path / "file", ["02_economics"], replace=True)


def test_reusing_a_run_name_for_other_notebooks_is_refused_before_any_kernel(tiny, tmp_path,
                                                                            capsys, monkeypatch):
    monkeypatch.setattr(runner, "execute_plans", lambda *a, **k: pytest.fail("executed"))
    out = tmp_path / "r"
    _run_folder(out / "full", stems=("01_tiny", "02_other"))
    before = {p.name: p.read_bytes() for p in (out / "full").iterdir()}
    code, _, err = main("run", "02_other", "--name", "full", "--out", out, capsys=capsys)
    assert code == 1
    assert err.splitlines() == [
        f"dispatchlib run: error: {(out / 'full').resolve()} holds an earlier run 'full' of "
        "other notebooks (01_tiny, 02_other; this run: 02_other): not replacing it; give "
        "--replace to replace it, or choose another --name"]
    assert {p.name: p.read_bytes() for p in (out / "full").iterdir()} == before
    assert planning.prepare(["02_other"], "full", out=out, replace=True).replaces


def test_versions_of_named_libraries():
    import platform

    import numpy

    import dispatchlib

    got = run_record.versions(["numpy", "no-such-package-here"])
    assert got == {"dispatchlib": dispatchlib.__version__, "python": platform.python_version(),
                   "numpy": numpy.__version__, "no-such-package-here": "not installed"}
    assert set(run_record.versions()) == {"dispatchlib", "python", *run_record.VERSIONED}


def test_the_default_run_name_starts_with_the_notebooks_named(tiny, tmp_path, capsys,
                                                             monkeypatch):
    # `run 02` and then `run` (all notebooks) must not share a folder: the second would be
    # refused as a run of other notebooks
    names = []

    def fake_run(notebooks, name, **kwargs):
        names.append(name)
        folder = tmp_path / name
        folder.mkdir()
        (folder / "run.json").write_text(json.dumps(
            {"status": "ok", "seconds": 0, "parameters": {}, "notebooks": {}}))
        return folder

    monkeypatch.setattr(runner, "run", fake_run)
    for args in (["02"], [], ["01_tiny", "02_other", "-p", "seed", "3"], ["-p", "seed", "3"]):
        code, _, err = main("run", *args, capsys=capsys)
        assert code == 0, err
    assert names == ["02_other", "default", "01_tiny-02_other-seed-3", "seed-3"]
