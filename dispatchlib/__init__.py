"""dispatchlib: rerunnable, sourced analysis of North Korean labour dispatch to Russia.

Built around the 2025 Sejong Policy Brief 2025-24 by Lankov, Andrei: "North Korean Labor
Dispatch to Russia: Current Issues and Prospects".

Layout (README.md, "Architecture"): ``tables/`` reads ``data/``; ``model/`` holds the pure
arithmetic; ``lessons/`` one module per lesson; ``plots/`` and ``teaching/`` serve the notebooks;
``run/`` executes them and writes reports; ``parameters.json`` is the parameter registry.

- :func:`load` returns the tables of ``data/`` (see ``data/README.md``) as typed DataFrames;
- :mod:`dispatchlib.formulas` holds the revenue and savings arithmetic;
- :mod:`dispatchlib.scenario` runs deterministic, Monte Carlo and sensitivity scenarios;
- :func:`check` validates notebook and command-line parameters;
- :func:`record` stores a notebook's headline results for later comparison;
- :func:`housekeeping` closes a lesson: records its results and shows its sources table;
- :mod:`dispatchlib.plots` draws the figures;
- :func:`use_language` switches the library's texts (and figure fonts) to Korean (``"ko"``).

Each module and function above is imported on first use, so ``import dispatchlib`` loads
neither pandas nor matplotlib, seaborn or statsmodels.
"""

import importlib as _importlib

from dispatchlib.errors import DataError, DispatchlibError, ParameterError

__version__ = "0.1.0"

__all__ = [
    "DataError", "DispatchlibError", "ParameterError", "__version__", "audit", "check",
    "economics", "formulas", "history", "housekeeping", "implications", "load", "plots",
    "prospects", "record", "resources", "sanctions", "scenario", "sources_for", "teaching",
    "use_language", "current_language",
]

# Everything else is imported on first use (``dl.history``, ``dl.load``), so a command such as
# ``python -m dispatchlib scenario`` starts without pandas, and a notebook loads only what it uses.
# ``dl.<name>`` -> where it lives (the tree reads data -> model -> lessons -> notebooks -> runs;
# README.md, "Architecture"). The run package (``dispatchlib.run``) is not among them: notebooks
# never import it.
_MODULES = {"audit": "lessons.audit", "economics": "lessons.economics",
            "history": "lessons.history", "implications": "lessons.implications",
            "prospects": "lessons.prospects", "sanctions": "lessons.sanctions",
            "formulas": "model.formulas", "scenario": "model.scenario", "data": "tables.data",
            "plots": "plots", "teaching": "teaching", "errors": "errors", "params": "params",
            "paths": "paths", "results": "results", "rules": "rules"}
_FUNCTIONS = {"load": "tables.data", "resources": "tables.data", "sources_for": "tables.data",
              "check": "params", "record": "results",
              "housekeeping": "teaching.housekeeping",
              "use_language": "i18n", "current_language": "i18n"}


def __getattr__(name: str):
    if name in _MODULES:
        return _importlib.import_module(f"{__name__}.{_MODULES[name]}")
    if name in _FUNCTIONS:
        value = getattr(_importlib.import_module(f"{__name__}.{_FUNCTIONS[name]}"), name)
        globals()[name] = value  # found directly from now on
        return value
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def __dir__() -> list[str]:
    # the public names only: no ``_importlib``, no ``__builtins__``
    public = {n for n in globals() if not n.startswith("_")} | {"__version__"}
    return sorted(public | set(__all__) | set(_MODULES) | set(_FUNCTIONS))
