"""Importing dispatchlib stays light: no plotting or statistics libraries until used."""

import subprocess
import sys

from conftest import modules_after


def test_import_loads_no_heavy_modules():
    heavy = {"matplotlib", "seaborn", "statsmodels", "scipy", "papermill", "nbformat", "pandas"}
    assert not heavy & modules_after("import dispatchlib")  # modules load on first use


def test_korean_texts_load_their_catalogue_without_nbformat():
    """A Korean lesson's kernel reads the catalogue (babel), not the tooling that reads
    notebooks to build it (nbformat, with jsonschema: 60 ms of every warm server's start)."""
    loaded = modules_after("import dispatchlib as dl; dl.use_language('ko'); "
                           "from dispatchlib.i18n import _; "
                           "assert _('Sources: {ids}.') != 'Sources: {ids}.'")
    assert "dispatchlib.i18n.catalog" in loaded
    assert "nbformat" not in loaded


def test_scenario_command_loads_no_pandas():
    loaded = modules_after("import contextlib, io; from dispatchlib.cli import main; "
                            "contextlib.redirect_stdout(io.StringIO()).__enter__(); "
                            "main(['scenario', '--json'])")
    assert "numpy" in loaded
    assert "pandas" not in loaded
    assert not {"dispatchlib.lessons.history", "dispatchlib.lessons.audit"} & loaded


def test_lazy_names_resolve_and_are_listed():
    # in a fresh process: a function first, then the modules behind the names
    code = ("from dispatchlib import check; import dispatchlib as dl; "
            "from dispatchlib import data, params, results; "
            "assert dl.check is params.check and dl.load is data.load; "
            "assert dl.record is results.record; "
            "assert dl.history.__name__ == 'dispatchlib.lessons.history'; "
            "names = {'load', 'check', 'history', 'plots', 'data', 'params', 'paths'}; "
            "assert names <= set(dir(dl)); "
            "assert dl.paths.ROOT.is_dir(); "
            "ns = {}; exec('from dispatchlib import *', ns); "
            "assert {'load', 'scenario', 'teaching'} <= set(ns); "
            "print('ok')")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert out.stdout.strip() == "ok", out.stderr
    import dispatchlib as dl
    try:
        dl.no_such_name  # noqa: B018
    except AttributeError as exc:
        assert "no_such_name" in str(exc)
    else:
        raise AssertionError("an unknown attribute must raise AttributeError")


def test_every_parameter_is_known_without_importing_a_lesson():
    # the registry is a data file: checking a lesson's parameter loads no lesson module
    code = ("import sys; from dispatchlib import params; "
            "params.check(workers=1, sanctions_year=2018, min_confidence='M'); "
            "assert params.spec('sanctions_year').unit == 'year'; "
            "assert not [m for m in sys.modules if m.split('.')[-1] in "
            "('history', 'sanctions', 'prospects', 'implications', 'audit')], sys.modules; "
            "assert 'pandas' not in sys.modules; print('ok')")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert out.stdout.strip() == "ok", out.stderr


def test_no_module_a_notebook_uses_imports_the_run_package():
    # the notebooks reach the package through dl.<name> only; none of those modules, nor
    # anything they import, may load dispatchlib.run (runs execute notebooks, not the reverse)
    import ast
    from pathlib import Path

    import dispatchlib as dl

    root = Path(dl.__file__).parent
    for path in sorted(root.rglob("*.py")):
        rel = path.relative_to(root)
        if rel.parts[0] == "run" or str(rel) in ("cli.py", "__main__.py",
                                                 "teaching/classroom.py"):
            continue  # the commands (classroom is `student`): they find and run notebooks
        for node in ast.walk(ast.parse(path.read_text())):
            names = ([a.name for a in node.names] if isinstance(node, ast.Import) else
                     [node.module or ""] if isinstance(node, ast.ImportFrom) else [])
            assert not [n for n in names if n.startswith("dispatchlib.run")], rel
    code = ("import sys, dispatchlib as dl; "
            + "; ".join(f"dl.{n}" for n in sorted(dl._MODULES)) + "; "
            "print(sorted(m for m in sys.modules if m.startswith('dispatchlib.run')))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert out.stdout.strip() == "[]", out.stderr
