"""The README stays true: its notebook map lists every notebook with all of its parameters,
and the folders and commands it names exist."""

import re

from dispatchlib import paths
from dispatchlib.cli import COMMANDS, _Parser
from dispatchlib.run import discovery

README = (paths.ROOT / "README.md").read_text(encoding="utf-8")


def test_notebook_map_lists_every_notebook_and_parameter():
    rows = {m.group(1): m.group(0) for m in re.finditer(r"^\| `(\d\d_[a-z0-9-]+)` \|.*$",
                                                          README, flags=re.M)}
    for source in discovery.notebooks():
        assert source.stem in rows, f"README notebook map misses {source.stem}"
        listed = set(re.findall(r"`([a-z_]+)`", rows[source.stem].rsplit("|", 2)[-2]))
        assert listed == set(discovery.declared(source)), source.stem


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


def test_python_examples_run_as_written(tmp_path):
    import os
    import subprocess
    import sys

    blocks = re.findall(r"```python\n(.*?)```", README, flags=re.S)
    assert blocks, "the README shows no Python"
    env = {**os.environ, "MPLBACKEND": "Agg"}
    for block in blocks:
        run = subprocess.run([sys.executable, "-c", block], capture_output=True, text=True,
                             timeout=300, cwd=tmp_path, env=env)
        assert run.returncode == 0, f"README example failed:\n{block}\n{run.stderr[-2000:]}"


def test_command_examples_parse():
    """Every ``python -m dispatchlib ...`` line of the README is a valid command line."""
    import shlex

    from dispatchlib.cli import parser

    lines = [line.split("#")[0].strip() for line in README.splitlines()]
    commands = [line.split("-m dispatchlib", 1)[1] for line in lines
                if re.match(r"^(\.venv/bin/)?python -m dispatchlib ", line) and "[" not in line
                and "..." not in line]
    assert len(commands) > 10
    for command in commands:
        parser().parse_args(shlex.split(command))  # exits with status 2 on a bad line
