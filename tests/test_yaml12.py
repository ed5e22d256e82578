"""Values are read as a person means them (YAML 1.2 core), at every door, and YAML that would
exhaust the machine (alias bombs, deep nesting) is refused at once with one line."""

from __future__ import annotations

import time

import pytest

from dispatchlib import params
from dispatchlib.cli import main as cli_main
from dispatchlib.errors import DispatchlibError, ParameterError
from dispatchlib.run import discovery, planning, sweep
from dispatchlib.run import scenario_files as cases
from dispatchlib.yaml12 import MAX_DEPTH, YamlError, load

# A 306-byte billion-laughs value: nine levels of nine aliases (9**9 items once expanded).
BOMB = "[" + ", ".join(["&a [lol,lol,lol,lol,lol,lol,lol,lol,lol]"] + [
    f"&{chr(98 + i)} [" + ",".join([f"*{chr(97 + i)}"] * 9) + "]" for i in range(8)]) + "]"
DEEP = "[" * 500 + "]" * 500


@pytest.mark.parametrize(("text", "value"), [
    ("010000", 10000),        # YAML 1.1: 4096 (octal)
    ("1:30", "1:30"),         # YAML 1.1: 90 (base 60)
    ("yes", "yes"), ("no", "no"), ("on", "on"), ("off", "off"),  # YAML 1.1: booleans
    ("true", True), ("False", False),
    ("1e5", 100000.0),        # YAML 1.1: text
    ("6.5", 6.5), (".5", 0.5), ("-010", -10), ("+5", 5),
    ("0o17", 15), ("0x1F", 31),
    ("2025-01-01", "2025-01-01"),  # YAML 1.1: a date
    ("100_000", "100_000"),
    ("~", None), ("", None), ("null", None),
    ("[a, 010]", ["a", 10]),
    ("!!int 010", 10), ("!!float 010", 10.0),
])
def test_yaml_1_2_core_schema(text, value):
    assert load(text) == value
    assert type(load(text)) is type(value)


@pytest.mark.parametrize(("text", "message"), [
    ("&a 1", "anchors and aliases (&name, *name) are not accepted, found an anchor 'a' "
             "(line 1, column 1)"),
    (BOMB, "anchors and aliases (&name, *name) are not accepted, found an anchor 'a' "
           "(line 1, column 2)"),
    (DEEP, f"nested more than {MAX_DEPTH} levels deep (line 1, column 21); no value here "
           "needs that"),
    ("{a: 1, a: 2}", "key 'a' is given twice (line 1, column 8)"),
    ("!!bool yes", "expected true or false for !!bool, got 'yes' (line 1, column 1)"),
    ("!!int 1:30", "expected a whole number for !!int, got '1:30' (line 1, column 1)"),
])
def test_refused_at_once_in_one_line(text, message):
    start = time.perf_counter()
    with pytest.raises(YamlError) as info:
        load(text)
    assert time.perf_counter() - start < 1.0
    assert str(info.value) == message and info.value.refused


def test_not_yaml_is_one_line():
    with pytest.raises(YamlError) as info:
        load("a: [1, 2")
    assert "\n" not in str(info.value) and str(info.value).startswith("not valid YAML (")
    assert not info.value.refused


def test_nesting_to_the_limit_is_accepted():
    assert load("[" * MAX_DEPTH + "]" * MAX_DEPTH) is not None


# ----------------------------------------------------------------------------- every door

WORKERS = params.spec("workers")


@pytest.mark.parametrize(("text", "value"), [
    ("010000", 10000), ("1e5", 100000), ("100_000", 100000), ("15000.0", 15000)])
def test_typed_numbers_read_as_meant(text, value):
    assert WORKERS.parse(text) == value
    assert planning.coerce(WORKERS, planning.Text(text)) == value


@pytest.mark.parametrize("text", ["1:30", "0:10:00", "yes", "2025-01-01", "010000x"])
def test_typed_text_for_a_number_is_refused(text):
    with pytest.raises(ParameterError, match=r"^parameter workers = .* is not allowed: "
                                             r"expected a whole number >= 0"):
        planning.coerce(WORKERS, planning.Text(text))


def test_booleans_are_only_true_and_false():
    interactive = params.spec("interactive")
    assert interactive.parse("true") is True and interactive.parse("FALSE") is False
    for text in ("yes", "no", "on", "off", "y", "1"):
        with pytest.raises(ParameterError, match="expected True or False"):
            interactive.parse(text)
    label = params.ParamSpec("label", "str")
    assert label.parse("yes") == "yes" and label.parse("010") == "010"  # text as typed


@pytest.mark.parametrize("text", [BOMB, DEEP])
def test_bombs_and_deep_values_are_refused_through_p(text):
    start = time.perf_counter()
    with pytest.raises(ParameterError) as info:
        planning.coerce(WORKERS, planning.Text(text))
    assert time.perf_counter() - start < 1.0
    assert "\n" not in str(info.value) and "workers" in str(info.value)
    assert ("anchors and aliases" in str(info.value)) or ("nested more than" in str(info.value))


def test_scenario_command_reads_values_like_p(capsys):
    assert cli_main(["scenario", "--workers", "010000", "--json"]) == 0
    assert '"workers": 10000' in capsys.readouterr().out
    with pytest.raises(SystemExit) as info:
        cli_main(["scenario", "--workers", "1:30"])
    assert info.value.code == 2
    err = capsys.readouterr().err.strip()
    assert err == ("dispatchlib scenario: error: argument --workers: expected a whole number "
                   ">= 0 and <= 1000000 (persons), got '1:30'")


def _case(tmp_path, workers: str):
    path = tmp_path / "case.yaml"
    path.write_text(f"title: t\nparameters:\n  workers: {workers}\n", encoding="utf-8")
    return path


def test_scenario_files_read_as_meant(tmp_path):
    assert cases.load(_case(tmp_path, "010000")).parameters == {"workers": 10000}
    assert cases.load(_case(tmp_path, "1:30")).parameters == {"workers": "1:30"}
    sources = discovery.notebooks(["02_economics"])
    with pytest.raises(ParameterError, match=r"parameter workers = '1:30' is not allowed"):
        planning.plan(sources, cases.load(_case(tmp_path, "1:30")).parameters)
    assert planning.plan(sources, {"workers": "100_000"})["02_economics"]["workers"] == 100000


@pytest.mark.parametrize("value", [BOMB, DEEP])
def test_scenario_and_grid_files_refuse_bombs_at_once(tmp_path, value):
    case = _case(tmp_path, value)
    grid = tmp_path / "grid.yaml"
    grid.write_text(f"parameters:\n  workers: {value}\n", encoding="utf-8")
    for load_file, path, what in ((cases.load, case, "scenario file"),
                                  (sweep.load_grid, grid, "grid file")):
        start = time.perf_counter()
        with pytest.raises(DispatchlibError) as info:
            load_file(path)
        assert time.perf_counter() - start < 1.0
        message = str(info.value)
        assert message.startswith(f"{what} {path}: ") and "\n" not in message
        assert "anchors and aliases" in message or "nested more than" in message


def test_grid_files_read_as_meant(tmp_path):
    grid = tmp_path / "grid.yaml"
    grid.write_text("notebooks: [02_economics]\nparameters:\n  workers: [010000, 1:30]\n",
                    encoding="utf-8")
    assert sweep.load_grid(grid).parameters == {"workers": [10000, "1:30"]}


def test_lesson_numbers_keep_their_leading_zero(tmp_path):
    case = tmp_path / "case.yaml"
    case.write_text("title: t\nnotebooks: [02, 4, 05_implications]\nparameters: {}\n",
                    encoding="utf-8")
    assert cases.load(case).notebooks == ("02", "04", "05_implications")
    assert [p.stem for p in discovery.notebooks(list(cases.load(case).notebooks))] == [
        "02_economics", "04_prospects", "05_implications"]
    grid = tmp_path / "grid.yaml"
    grid.write_text("notebooks: [02]\nparameters:\n  workers: [1, 2]\n", encoding="utf-8")
    assert sweep.load_grid(grid).notebooks == ("02",)
    grid.write_text("notebooks: 02\nparameters:\n  workers: [1, 2]\n", encoding="utf-8")
    with pytest.raises(DispatchlibError, match="'notebooks' must be a list of names, got 2"):
        sweep.load_grid(grid)
