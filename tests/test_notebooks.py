"""Structural rules every lesson notebook follows (see README, "Notebooks")."""

import ast
import json
import re

import papermill
import pytest

from dispatchlib import params
from dispatchlib.results import MIME_TYPE
from dispatchlib.run import discovery

NOTEBOOKS = discovery.notebooks()
ABSOLUTE = re.compile(r"(/work/|/root/|/home/|/tmp/|/Users/|[A-Z]:\\\\)")


def _nb(path):
    return json.loads(path.read_text(encoding="utf-8"))


def _tags(cell):
    return cell.get("metadata", {}).get("tags", [])


def test_there_are_notebooks():
    assert NOTEBOOKS


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.stem)
def test_notebook_hygiene(path):
    nb = _nb(path)
    assert discovery.NOTEBOOK_NAME.match(path.name)
    assert nb["metadata"]["kernelspec"]["name"] == "python3"
    assert "papermill" not in nb["metadata"] and "widgets" not in nb["metadata"]
    cells = nb["cells"]
    assert cells[0]["cell_type"] == "markdown" and "".join(cells[0]["source"]).startswith("# ")
    tagged = [i for i, c in enumerate(cells) if "parameters" in _tags(c)]
    assert len(tagged) == 1, "exactly one cell tagged 'parameters'"
    after = cells[tagged[0] + 1]
    assert "dl.check(" in "".join(after["source"]), "the cell after the parameters validates them"
    assert not any("injected-parameters" in _tags(c) for c in cells)
    assert any("nbval-check-output" in _tags(c) for c in cells)
    recorded = False
    for cell in cells:
        meta = cell.get("metadata", {})
        assert "papermill" not in meta and "execution" not in meta
        for out in cell.get("outputs", []):
            assert out["output_type"] != "error", f"stored error in {path.name}"
            data = out.get("data", {})
            assert "image/svg+xml" not in data
            assert "application/vnd.jupyter.widget-view+json" not in data
            recorded |= MIME_TYPE in data
            assert not ABSOLUTE.search(json.dumps(out)), f"absolute path in {path.name} output"
    assert recorded, "the notebook records its results with dl.record"
    assert "## Housekeeping" in "".join("".join(c["source"]) for c in cells)  # sources, results


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.stem)
def test_parameters_are_typed_documented_and_registered(path):
    found = papermill.inspect_notebook(str(path))
    assert found
    for name, info in found.items():
        assert info["inferred_type_name"] != "None", f"{path.stem}: {name} has no type"
        assert info["help"], f"{path.stem}: {name} has no comment (unit and source)"
        spec = params.spec(name)  # raises for a name the library does not know
        default = ast.literal_eval(info["default"])
        spec.validate(default)
