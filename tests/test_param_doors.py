"""The same bad parameter values through every door, each refused with a clear message.

Doors: (a) ``dl.check``; (b) library functions (``scenario.build``, ``scenario.monte_carlo``,
``scenario.revenue_by_workers``); (c) ``python -m dispatchlib scenario --OPTION VALUE`` (exit 2,
one line on stderr naming the option and what is allowed); (d) papermill on
``notebooks/02_economics.ipynb`` (the run stops at the validation cell right after the injected
parameters, with ParameterError: one kernel run; the other values go through papermill's injected
cell and the notebook's own cells in-process). Parameter strings holding quotes, line breaks or
code reach the notebook as plain strings, are refused as non-numbers, and are never executed.
"""

import ast
import json
import math

import commands
import numpy as np
import papermill
import pytest

import dispatchlib as dl
from dispatchlib import ParameterError, paths
from dispatchlib.errors import shown
from dispatchlib.model import scenario
from dispatchlib.params import spec

NOTEBOOK = paths.notebooks_dir() / "02_economics.ipynb"
BUILD = ("workers", "quota_usd", "quota_months", "savings_usd", "years_abroad", "bribe_usd")

# name, bad value, the same value as command-line text (None: no text form)
CASES = [
    ("workers", "abc", "abc"),
    ("workers", math.nan, "nan"),
    ("workers", math.inf, "inf"),
    ("workers", -5, "-5"),
    ("workers", 1.5, "1.5"),
    ("workers", 2_000_000, "2000000"),
    ("workers", True, None),
    ("workers", None, None),
    ("workers", [15000], None),
    ("workers", "15000", None),
    ("quota_usd", -1.0, "-1"),
    ("quota_months", 0, "0"),
    ("savings_usd", -math.inf, None),
    ("years_abroad", 0.0, "0"),
    ("bribe_usd", 1e9, "1e9"),
    ("draws", 0, "0"),
    ("seed", -1, "-1"),
    ("seed", 1.5, "1.5"),
]
INJECTIONS = [
    "x'); import os; os.system('echo hacked') #",
    'x"); open("{marker}1", "w").close() #',
    "1\nopen('{marker}2', 'w').close()\n",
    '"""; open("{marker}3", "w").close(); """ \\',
]


def message(name, value):
    return f"parameter {name} = {shown(value)} is not allowed: expected {spec(name).allowed()}"


def _ids(case):
    return f"{case[0]}={case[1]!r}"


# ------------------------------------------------------------------------------ (a) dl.check


@pytest.mark.parametrize("case", CASES, ids=_ids)
def test_check_door(case):
    name, value, _ = case
    with pytest.raises(ParameterError) as info:
        dl.check(**{name: value})
    assert str(info.value) == message(name, value)
    assert (info.value.name, info.value.value) == (name, value)


@pytest.mark.parametrize("text", [t.format(marker="/tmp/x") for t in INJECTIONS])
def test_check_door_refuses_code_in_strings(text):
    with pytest.raises(ParameterError) as info:
        dl.check(workers=text)
    assert str(info.value) == message("workers", text)
    assert "\n" not in str(info.value)  # a line break shows as \n: the message stays one line


def test_unknown_name_door():
    with pytest.raises(ParameterError) as info:
        dl.check(wokers=15000)
    assert str(info.value).startswith("parameter wokers = 15000 is not allowed: expected a "
                                      "known parameter name (did you mean 'workers'?): one of ")


def test_errors_survive_pickling():
    # a kernel, a process pool or pytest-xdist may pickle an exception; before the hardening
    # ParameterError could not be rebuilt (TypeError: missing 2 required arguments)
    import pickle

    error = pickle.loads(pickle.dumps(ParameterError("workers", -5, "a whole number")))
    assert (error.name, error.value, str(error)) == (
        "workers", -5, "parameter workers = -5 is not allowed: expected a whole number")
    data = pickle.loads(pickle.dumps(dl.DataError("first", problems=["first", "second"])))
    assert data.problems == ["first", "second"]


# ------------------------------------------------------------------------ (b) library functions


@pytest.mark.parametrize("case", [c for c in CASES if c[1] is not None], ids=_ids)
def test_library_door(case):
    name, value, _ = case
    with pytest.raises(ParameterError) as info:
        if name in BUILD:
            scenario.build(**{name: value})
        else:
            scenario.monte_carlo(scenario.documented(), **{name: value})
    assert str(info.value) == message(name, value)


def test_library_door_for_draws_and_seed_elsewhere():
    s = scenario.documented()
    with pytest.raises(ParameterError, match=r"^parameter draws = 0 is not allowed"):
        scenario.revenue_by_workers([1000, 2000], s, draws=0)
    with pytest.raises(ParameterError, match=r"^parameter seed = -1 is not allowed"):
        scenario.report(s, draws=10, seed=-1)


def test_numpy_values_pass_the_library_door():
    # values computed with NumPy (np.int64 from a table, np.float64 from arithmetic) are
    # numbers; before the hardening np.int64 was refused as "not a whole number"
    s = scenario.build(workers=np.int64(20_000), savings_usd=np.float64(1800.0))
    assert s.workers.central == 20_000 and s.savings_usd.central == 1800.0
    assert len(scenario.monte_carlo(s, draws=np.int64(10), seed=np.int64(3))) == 10


# --------------------------------------------------------------------------- (c) command line


def cli(*args):
    return commands.dispatchlib("scenario", "--json", *args, timeout=120)


@pytest.mark.parametrize(
    "case",
    [c for c in CASES if c[2] is not None],
    ids=_ids,
)
def test_command_line_door(case):
    name, _, text = case
    option = f"--{name.replace('_', '-')}"
    proc = cli(option, text)
    assert proc.returncode == 2, proc.stderr
    assert proc.stdout == ""
    assert proc.stderr.splitlines() == [
        f"dispatchlib scenario: error: argument {option}: expected {spec(name).allowed()}, "
        f"got {text!r}"]


# ------------------------------------------------------------------------------ (d) papermill


def run_bad(tmp_path, **parameters):
    """Run 02_economics with bad parameters; return the error and the executed notebook."""
    target = tmp_path / "out.ipynb"
    with pytest.raises(papermill.PapermillExecutionError) as info:
        papermill.execute_notebook(str(NOTEBOOK), str(target), parameters=parameters,
                                   kernel_name="python3", progress_bar=False)
    return info.value, json.loads(target.read_text(encoding="utf-8"))


def stops_at_validation(error, nb):
    """The error is ParameterError, raised by the first code cell after the injected
    parameters (the one calling dl.check), and no later cell ran."""
    assert error.ename == "ParameterError"
    assert "dl.check(" in error.source
    code = [c for c in nb["cells"] if c["cell_type"] == "code"]
    injected = next(i for i, c in enumerate(code)
                    if "injected-parameters" in c["metadata"].get("tags", []))
    failing = code[injected + 1]
    assert "".join(failing["source"]) == error.source
    assert [o["ename"] for o in failing["outputs"] if o["output_type"] == "error"] == [
        "ParameterError"]
    assert all(c.get("execution_count") is None and not c.get("outputs")
               for c in code[injected + 2:])
    return "".join(code[injected]["source"])


def test_notebook_papermill_text_for_a_count_stops_at_validation(tmp_path):
    marker = str(tmp_path / "hacked")
    texts = [t.format(marker=marker) for t in INJECTIONS[1:]]
    error, nb = run_bad(tmp_path, workers="abc", quota_usd=texts[0], quota_months=texts[1],
                        savings_usd=texts[2])
    injected = stops_at_validation(error, nb)
    assert error.evalue == message("workers", "abc")
    # the injected cell is plain assignments of string constants: nothing in them can run
    assigned = {}
    for node in ast.parse(injected).body:
        assert isinstance(node, ast.Assign) and isinstance(node.value, ast.Constant)
        assigned[node.targets[0].id] = node.value.value
    assert assigned == {"workers": "abc", "quota_usd": texts[0], "quota_months": texts[1],
                        "savings_usd": texts[2]}
    assert not list(tmp_path.glob("hacked*"))


def injected_and_stopped(**parameters):
    """Papermill's injected cell for these values (built by papermill, no kernel), then the
    notebook's cells run in-process up to its validation cell: return the ParameterError that
    cell raises and the injected source. The kernel run above proves papermill stops there."""
    from papermill.iorw import load_notebook_node
    from papermill.parameterize import parameterize_notebook

    nb = parameterize_notebook(load_notebook_node(str(NOTEBOOK)), parameters,
                               kernel_name="python3")
    code = [c for c in nb.cells if c.cell_type == "code"]
    injected = next(i for i, c in enumerate(code)
                    if "injected-parameters" in c.metadata.get("tags", []))
    namespace: dict = {}
    exec("import dispatchlib as dl", namespace)
    for cell in code[:injected + 1]:  # IPython magics (%matplotlib) are for a kernel only
        exec("\n".join(line for line in cell.source.splitlines()
                       if not line.startswith("%")), namespace)
    assert "dl.check(" in code[injected + 1].source
    with pytest.raises(ParameterError) as info:
        exec(code[injected + 1].source, namespace)
    return info.value, code[injected].source


def test_notebook_code_in_a_string_is_refused_not_run(tmp_path, capfd):
    error, injected = injected_and_stopped(workers=INJECTIONS[0])
    assert str(error) == message("workers", INJECTIONS[0])
    assert "hacked" not in capfd.readouterr().out
    assert [type(n.value) for n in ast.parse(injected).body] == [ast.Constant]


def test_notebook_nan_stops_at_validation():
    error, _ = injected_and_stopped(savings_usd=math.nan)
    assert str(error) == message("savings_usd", math.nan)


def test_notebook_negative_count_stops_at_validation():
    # zero months (quota_months=0) is checked the same way in tests/test_nb_02_economics.py
    error, _ = injected_and_stopped(workers=-5)
    assert str(error) == message("workers", -5)
