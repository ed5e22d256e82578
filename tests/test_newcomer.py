"""What a newcomer meets first: the command line with no arguments, its help, and the library in a
plain Python shell (names, did-you-mean, readable numbers)."""

from __future__ import annotations

import argparse
import re
import subprocess
import sys

import pytest

import dispatchlib as dl
from dispatchlib import cli, params
from dispatchlib.errors import DataError, ParameterError

MARKUP = re.compile(r"`|\*\*|:func:|:mod:|:class:|:data:")


def test_the_command_alone_lists_every_command_one_line_each():
    run = subprocess.run([sys.executable, "-m", "dispatchlib"], capture_output=True, text=True,
                         timeout=120)
    assert run.returncode == 0 and run.stderr == ""
    out = run.stdout
    assert "notebooks/00_start-here.ipynb" in out and "make lab" in out
    listed = {line.split()[0] for line in out.splitlines() if line.startswith("  ")}
    assert listed == {name for name, _ in cli.commands()}
    assert {"run", "sweep", "compare", "refresh", "params", "scenario", "student"} <= listed
    for name, text in cli.commands():
        assert text and "\n" not in text, name
        assert f"  {name}  " in out or f"  {name} " in out


def _parsers():
    top = cli.parser()
    sub = next(a for a in top._actions if isinstance(a, argparse._SubParsersAction))
    return [("", top), *sub.choices.items()]


@pytest.mark.parametrize(("name", "parser"), _parsers(), ids=lambda x: x if isinstance(x, str)
                         else "")
def test_help_is_plain_text(name, parser):
    text = parser.format_help()
    assert not MARKUP.search(text), f"markup in the help of {name or 'dispatchlib'}"


def test_refresh_help_warns_that_it_rewrites_the_committed_notebooks():
    (refresh,) = [p for n, p in _parsers() if n == "refresh"]
    text = " ".join(refresh.format_help().split())
    assert "WARNING: this rewrites the committed lesson notebooks in notebooks/" in text
    assert "python -m dispatchlib run" in text
    assert "rewrite the committed notebooks" in dict(cli.commands())["refresh"]


def test_years_never_get_a_thousands_separator(capsys):
    for name in ("start_year", "end_year", "midpoint_year"):
        text = cli._range(params.spec(name))
        assert not re.search(r"\d,\d", text), text
    assert cli._range(params.spec("start_year")) == "[1946, 2100]"
    assert cli._range(params.spec("workers")) == "[0, 1,000,000]"  # other numbers keep them
    assert cli.main(["params", "04_prospects"]) == 0
    out = capsys.readouterr().out
    assert "[1946, 2100]" in out and "1,946" not in out and "2,100" not in out


def test_load_suggests_the_table_meant():
    with pytest.raises(DataError) as info:
        dl.load("Workforce")
    assert "no table named 'Workforce' in datapackage.json (did you mean 'workforce'?)" \
        in str(info.value)
    with pytest.raises(DataError, match=r"did you mean 'claims'\?"):
        dl.load("claim")


def test_build_with_a_misspelt_keyword_is_a_parameter_error():
    with pytest.raises(ParameterError, match=r"^parameter worker = 5 is not allowed: expected a "
                                             r"known parameter name \(did you mean 'workers'\?\)"):
        dl.scenario.build(worker=5)


def test_dir_lists_only_the_public_names():
    names = dir(dl)
    assert "annotations" not in names and "importlib" not in names
    assert not [n for n in names if n.startswith("_") and n != "__version__"]
    assert {"load", "check", "scenario", "formulas", "plots", "teaching"} <= set(names)
    for name in names:
        getattr(dl, name)  # every name listed is there
