"""``run -f FILE.yaml`` with a flat file of parameter names and values, as ``papermill -f``
reads: read by the project's YAML 1.2 reader and checked like ``-p``; a parameter's name at the
top level of a scenario file is answered with where it belongs.

Uses the tiny notebooks of ``synthetic_notebooks.py`` (01_tiny records ``doubled`` = 2 x
workers; 02_other declares no ``workers``).
"""

import json
import os
import re

import commands
import pytest
import synthetic_notebooks

from dispatchlib.errors import DispatchlibError
from dispatchlib.run import scenario_files as cases


@pytest.fixture
def tiny(tmp_path, monkeypatch):
    folder = synthetic_notebooks.make(tmp_path / "nb", "01_tiny", "02_other")
    monkeypatch.setenv("DISPATCHLIB_NOTEBOOKS_DIR", str(folder))
    return folder


def main(*args, capsys):
    from dispatchlib.cli import main as cli_main

    try:
        code = cli_main([str(a) for a in args])
    except SystemExit as exc:
        code = exc.code
    _, err = capsys.readouterr()
    return code, err


def write(folder, name, text):
    path = folder / name
    path.write_text(text, encoding="utf-8")
    return path


def test_a_flat_file_is_read_as_yaml_1_2_into_a_case_of_its_values(tmp_path):
    flat = write(tmp_path, "values.yaml", "workers: 010000\nseed: 7\nlabel: 1:30\n")
    case = cases.load(flat)
    assert case.flat and case.parameters == {"workers": 10000, "seed": 7, "label": "1:30"}
    assert (case.name, case.references, case.notebooks) == ("values", (), ())
    assert case.title == "Parameter file values.yaml"


def test_a_flat_file_runs_like_the_same_values_given_with_p(tiny, tmp_path):
    flat = write(tmp_path, "values.yaml", "workers: 010000\n")
    out = tmp_path / "r"
    proc = commands.dispatchlib("run", "01_tiny", "-f", flat, "--out", out, timeout=180,
                                env=dict(os.environ, DISPATCHLIB_NOTEBOOKS_DIR=str(tiny)))
    assert proc.returncode == 0, proc.stderr
    record = json.loads((out / "01_tiny-values" / "run.json").read_text())
    assert record["overrides"] == {"workers": 10000}
    assert record["notebooks"]["01_tiny"]["results"]["doubled"] == 20000  # 2 x 10,000
    assert record["scenario"]["title"] == "Parameter file values.yaml"


@pytest.mark.parametrize(("text", "code", "message"), [
    # an unknown name: the -p answer, with the closest name
    ("workerz: 5\n", 2, "parameter workerz = 5 is not allowed: expected a parameter of 01_tiny, "
                        "which declares no 'workerz': did you mean 'workers'?"),
    # a name the named notebook does not declare: refused, as with -p (papermill only warns)
    ("draws: 5\n", 2, "parameter draws = 5 is not allowed: expected a parameter of 01_tiny"),
    ("workers: -5\n", 2, "parameter workers = -5 is not allowed: expected a whole number >= 0"),
    ("workers: 1:30\n", 2, "parameter workers = '1:30' is not allowed"),  # base 60 is text
    ("workers: [1, 2]\n", 2, "parameter workers = [1, 2] is not allowed"),
])
def test_a_flat_file_is_checked_like_p(tiny, tmp_path, capsys, text, code, message):
    flat = write(tmp_path, "values.yaml", text)
    got, err = main("run", "01_tiny", "-f", flat, "--out", tmp_path / "r", capsys=capsys)
    assert (got, err.count("\n")) == (code, 1), err
    assert message in err
    assert not (tmp_path / "r").exists()
    name, value = text.split(": ")
    by_p = main("run", "01_tiny", "-p", name, value.strip(), "--out", tmp_path / "r",
                capsys=capsys)[1]
    assert by_p.replace("'", "") == err.replace("'", "")  # as -p (which quotes typed text)


def test_a_parameter_at_the_top_of_a_scenario_file_is_sent_under_parameters(tmp_path):
    mixed = write(tmp_path, "case.yaml", "title: Big\nworkers: 100000\n")
    with pytest.raises(DispatchlibError) as info:
        cases.load(mixed)
    assert str(info.value) == (
        f"scenario file {mixed}: 'workers' is a parameter, not a key of a scenario file: put it "
        "under 'parameters:' (indented below it), or give a file of parameter values only")


def test_a_grid_file_answers_the_same(tmp_path):
    from dispatchlib.run import sweep

    grid = write(tmp_path, "grid.yaml", "parameters:\n  seed: [1, 2]\nworkers: [1, 2]\n")
    with pytest.raises(DispatchlibError, match="'workers' is a parameter, not a key of a grid "
                                               "file: put it under 'parameters:'"):
        sweep.load_grid(grid)


@pytest.mark.parametrize(("text", "message"), [
    ("paramaters:\n  workers: 5\n", "unknown key 'paramaters'; the keys are: title"),
    ("title: t\nsomething: 1\n", "unknown key 'something'"),
    ("1: 5\n", "parameter names must be text, got [1]"),
])
def test_other_keys_are_still_refused(tmp_path, text, message):
    with pytest.raises(DispatchlibError, match=re.escape(message)):
        cases.load(write(tmp_path, "case.yaml", text))
