"""The parameter registry (dispatchlib/parameters.json) is the one source of every parameter."""

import csv
import json
import re

import pytest

import dispatchlib as dl
from dispatchlib import param_cells, params, rules
from dispatchlib.errors import ParameterError
from dispatchlib.paths import ROOT
from dispatchlib.run import discovery, planning

SOURCES = {r["source_id"] for r in csv.DictReader(open(ROOT / "data/sources.csv"))}
REGISTRY = params.read_registry()
NOTEBOOKS = discovery.notebooks()


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.stem)
def test_each_parameters_cell_matches_the_registry(path):
    assert param_cells.differences(path) == []


def test_a_cell_that_differs_is_named_with_notebook_and_parameter(tmp_path):
    nb = json.loads(NOTEBOOKS[4].read_text())  # 04_prospects
    cell = next(c for c in nb["cells"] if "parameters" in c["metadata"].get("tags", []))
    cell["source"] = [line.replace("draws: int = 20000", "draws: int = 5000")
                      for line in cell["source"]]
    bad = tmp_path / NOTEBOOKS[4].name
    bad.write_text(json.dumps(nb))
    assert param_cells.differences(bad) == [
        "04_prospects: parameter draws = 5000 in the cell, 20000 in the registry"]
    param_cells.write_cells([bad])  # the project's writer puts the registry's value back
    assert param_cells.differences(bad) == []


def test_every_entry_is_complete_and_its_default_passes_its_own_check():
    for name, e in REGISTRY["parameters"].items():
        assert set(e) >= {"type", "default", "unit", "help", "sources", "notebooks", "comment"}
        s = params.spec(name)
        assert s.validate(s.default) == s.default, name
        assert set(s.sources) <= SOURCES, (name, set(s.sources) - SOURCES)
        assert s.notebooks and all(any(p.stem == n for p in NOTEBOOKS) for n in s.notebooks)


def test_the_same_name_has_one_default_everywhere():
    # draws was 5,000 in 04 and 20,000 elsewhere; the cells now come from one entry
    for path in NOTEBOOKS:
        for name, (_, value) in param_cells.cell_values(path).items():
            assert value == params.spec(name).default, (path.stem, name)
    assert params.spec("draws").default == 20_000


def test_choices_and_bounds_agree_with_the_lessons_constants():
    assert params.spec("ramp_scenario").choices == tuple(dl.prospects.PRESETS)
    assert params.spec("measures").choices == tuple(dl.history.STOCK_MEASURES)
    assert params.spec("grades").choices == tuple(dl.history.GRADES)
    assert params.spec("min_confidence").choices == tuple(dl.audit.GRADES)
    assert params.spec("sanctions_year").maximum == dl.sanctions.LAST_YEAR


def test_each_rule_has_its_function_parameters_and_notebooks():
    for name, e in REGISTRY["rules"].items():
        assert rules.RULES[name].__name__ == name
        assert e["message"] and set(e["parameters"]) <= set(params.SPECS)
        for stem in e["notebooks"]:
            declared = {s.name for s in params.declared_by(stem)}
            assert declared & set(e["parameters"]), (name, stem)


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.stem)
def test_each_validation_cell_applies_the_registrys_rules(path):
    nb = json.loads(path.read_text())
    text = next("".join(c["source"]) for c in nb["cells"]
                if c["cell_type"] == "code" and "dl.check(" in "".join(c["source"]))
    found = re.search(r"rules=dl\.(\w+)\.RULES", text)
    wanted = rules.for_notebook(path.stem)
    assert (getattr(dl, found.group(1)).RULES if found else ()) == wanted


def test_a_rule_from_the_registry_stops_a_plan_naming_the_parameter():
    with pytest.raises(ParameterError) as caught:
        planning.plan([p for p in NOTEBOOKS if p.stem == "04_prospects"],
                    {"start_year": 2030, "end_year": 2028})
    assert caught.value.name == "end_year"
    assert "a year after start_year = 2030" in str(caught.value)
    assert "a rule of 04_prospects" in str(caught.value)


def test_params_json_gives_every_entry_its_sources(capsys):
    from dispatchlib.cli import main

    assert main(["params", "--json"]) == 0
    out = json.loads(capsys.readouterr().out)
    assert set(out) == {p.stem for p in NOTEBOOKS}
    workers = next(e for e in out["02_economics"] if e["name"] == "workers")
    assert workers["sources"] == ["LANKOV2025", "YTN2025"]
    assert workers["default"] == 15000 and workers["unit"] == "persons"


def test_the_scenario_commands_help_comes_from_the_registry(capsys):
    from dispatchlib.cli import main

    with pytest.raises(SystemExit):
        main(["scenario", "--help"])
    text = " ".join(capsys.readouterr().out.split())
    assert "--quota-months FLOAT months over which quota_usd is paid, months (default 8)" in text
