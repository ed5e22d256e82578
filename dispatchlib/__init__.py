"""dispatchlib: rerunnable, sourced analysis of North Korean labour dispatch to Russia.

Built around the 2025 Sejong Policy Brief 2025-24 by Lankov, Andrei: "North Korean Labor
Dispatch to Russia: Current Issues and Prospects".

- :func:`load` returns the tables of ``data/`` (see ``data/README.md``) as typed DataFrames;
- :mod:`dispatchlib.formulas` holds the revenue and savings arithmetic;
- :mod:`dispatchlib.scenario` runs deterministic, Monte Carlo and sensitivity scenarios;
- :func:`check` validates notebook and command-line parameters;
- :func:`record` stores a notebook's headline results for later comparison;
- :mod:`dispatchlib.plots` draws the figures (imported on first use: importing the package
  loads neither matplotlib, seaborn nor statsmodels).
"""

from __future__ import annotations

import importlib

from . import (
    audit,
    economics,
    formulas,
    history,
    implications,
    prospects,
    sanctions,
    scenario,
    teaching,
)
from .data import load, resources, sources_for
from .errors import DataError, DispatchlibError, ParameterError
from .params import check
from .results import record

__version__ = "0.1.0"

__all__ = [
    "DataError", "DispatchlibError", "ParameterError", "__version__", "audit", "check",
    "economics", "formulas", "history", "implications", "load", "plots", "prospects", "record",
    "resources", "sanctions", "scenario", "sources_for", "teaching",
]

_LAZY = {"plots"}


def __getattr__(name: str):
    if name in _LAZY:
        return importlib.import_module(f"{__name__}.{name}")
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
