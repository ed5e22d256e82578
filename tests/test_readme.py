"""The README stays true: its notebook map lists every notebook with all of its parameters,
and the folders and commands it names exist."""

import re

from dispatchlib import paths, runner
from dispatchlib.cli import COMMANDS, _Parser

README = (paths.ROOT / "README.md").read_text(encoding="utf-8")


def test_notebook_map_lists_every_notebook_and_parameter():
    rows = {m.group(1): m.group(0) for m in re.finditer(r"^\| `(\d\d_[a-z0-9-]+)` \|.*$",
                                                          README, flags=re.M)}
    for source in runner.notebooks():
        assert source.stem in rows, f"README notebook map misses {source.stem}"
        listed = set(re.findall(r"`([a-z_]+)`", rows[source.stem].rsplit("|", 2)[-2]))
        assert listed == set(runner.declared(source)), source.stem


def test_folders_named_in_the_layout_table_exist():
    for name in re.findall(r"^\| `([a-z_.]+)/` \|", README, flags=re.M):
        assert (paths.ROOT / name).is_dir(), name


def test_every_command_is_documented():
    parser = _Parser(prog="dispatchlib")
    sub = parser.add_subparsers(dest="command")
    for add in COMMANDS:
        add(sub)
    for command in sub.choices:
        assert f"python -m dispatchlib {command}" in README, command
