"""Importing dispatchlib stays light: no plotting or statistics libraries until used."""

import subprocess
import sys


def test_import_loads_no_heavy_modules():
    code = ("import sys, dispatchlib; "
            "print(sorted(m for m in ('matplotlib', 'seaborn', 'statsmodels', 'scipy', "
            "'papermill', 'nbformat') if m in sys.modules))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"
