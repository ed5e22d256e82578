"""Importing dispatchlib stays light: no plotting or statistics libraries until used."""

import subprocess
import sys

from conftest import modules_after


def test_import_loads_no_heavy_modules():
    heavy = {"matplotlib", "seaborn", "statsmodels", "scipy", "papermill", "nbformat", "pandas"}
    assert not heavy & modules_after("import dispatchlib")  # modules load on first use


def test_scenario_command_loads_no_pandas():
    loaded = modules_after("import contextlib, io; from dispatchlib.cli import main; "
                            "contextlib.redirect_stdout(io.StringIO()).__enter__(); "
                            "main(['scenario', '--json'])")
    assert "numpy" in loaded
    assert "pandas" not in loaded
    assert not {"dispatchlib.history", "dispatchlib.audit"} & loaded  # topic specs not needed


def test_lazy_names_resolve_and_are_listed():
    # in a fresh process: a function first, then the modules behind the names
    code = ("from dispatchlib import check; import dispatchlib as dl; "
            "from dispatchlib import data, params, results; "
            "assert dl.check is params.check and dl.load is data.load; "
            "assert dl.record is results.record and dl.history.__name__ == 'dispatchlib.history'; "
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
