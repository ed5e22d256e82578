"""The page machinery warms up while the first kernels work (``workers._warm_pages``): nbconvert
always, matplotlib's mathtext only when a notebook of the run has a formula (a run of notebooks
without one, like the tests' tiny notebooks, does not load it for nothing)."""

import json
import subprocess
import sys

import nbformat
from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook

from dispatchlib.run import workers

WARM = """
import json, sys
from pathlib import Path
from dispatchlib.run import workers
task = workers.Task("r", Path(sys.argv[1]), Path(sys.argv[1]), {}, "run r")
workers._warm_pages([task])
print(json.dumps(["nbconvert" in sys.modules, "matplotlib.mathtext" in sys.modules]))
"""


def _notebook(path, markdown):
    nbformat.write(new_notebook(cells=[new_markdown_cell(markdown), new_code_cell("1")]),
                   str(path))
    return path


def test_a_formula_is_a_dollar_in_a_markdown_cell(tmp_path):
    assert workers._has_formulas(_notebook(tmp_path / "a.ipynb", "Revenue: $w \\times q$"))
    assert not workers._has_formulas(_notebook(tmp_path / "b.ipynb", "No formula here"))
    code = new_notebook(cells=[new_code_cell("print('$5')")])
    nbformat.write(code, str(tmp_path / "c.ipynb"))
    assert not workers._has_formulas(tmp_path / "c.ipynb")  # code cells are not drawn as math
    (tmp_path / "d.ipynb").write_text("not json")
    assert workers._has_formulas(tmp_path / "d.ipynb")  # unreadable: warm up everything


def test_the_warm_up_loads_mathtext_only_for_a_run_with_formulas(tmp_path):
    loaded = {}
    for name, markdown in (("plain", "No formula"), ("math", "$x^2$")):
        path = _notebook(tmp_path / f"{name}.ipynb", markdown)
        out = subprocess.run([sys.executable, "-c", WARM, str(path)], capture_output=True,
                             text=True, timeout=120, check=True).stdout
        loaded[name] = json.loads(out.strip().splitlines()[-1])
    assert loaded == {"plain": [True, False], "math": [True, True]}
