"""The command line: ``python -m dispatchlib COMMAND``.

Commands
--------
scenario
    Compute a scenario (deterministic, and Monte Carlo with ``--draws``) without Jupyter.
data validate
    Check every table of ``data/`` against ``datapackage.json``.
run
    Execute notebooks with papermill into ``reports/<run>/`` and render HTML.
refresh
    Re-execute the committed notebooks in place at their default parameters.

Bad values exit with status 2 and one line naming the option and what is allowed.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Sequence

from .errors import DispatchlibError, ParameterError
from .params import spec

EXIT_USAGE = 2


class _Parser(argparse.ArgumentParser):
    """An argument parser whose errors are one line: ``dispatchlib: error: ...``."""

    def error(self, message: str):  # noqa: D401 - argparse API
        self.exit(EXIT_USAGE, f"{self.prog}: error: {message}\n")


def _param(name: str):
    """An argparse type that parses text and validates it against the parameter registry."""
    s = spec(name)

    def parse(text: str):
        try:
            value = float(text) if s.kind in ("int", "float") else text
        except ValueError:
            raise argparse.ArgumentTypeError(
                f"expected {s.allowed()}, got {text!r}") from None
        if s.kind == "int" and value == int(value):
            value = int(value)
        try:
            return s.validate(value)
        except DispatchlibError:
            raise argparse.ArgumentTypeError(f"expected {s.allowed()}, got {text!r}") from None

    parse.__name__ = name  # argparse shows this name in its messages
    return parse


def _add_scenario(sub) -> None:
    p = sub.add_parser(
        "scenario", help="compute a scenario without Jupyter",
        description="State revenue, household savings, capital per returnee and bribe payback "
                    "for one scenario. Values you give become central values; inputs you leave "
                    "out keep the documented ranges of data/assumptions.csv.")
    options = {
        "workers": "workers in Russia, persons (default: the 2025 figure, 15,000)",
        "quota_usd": "paid to the state over --quota-months, USD (default 6,500)",
        "quota_months": "months over which --quota-usd is paid (default 8)",
        "savings_usd": "saved per worker per year, USD (default 1,500)",
        "years_abroad": "length of a posting, years (default 3)",
        "bribe_usd": "bribe for a posting, USD (default 400)",
        "draws": "Monte Carlo draws; adds p5/p50/p95 of every output",
        "seed": "seed of the random number generator (default 2025)",
    }
    for name, text in options.items():
        p.add_argument(f"--{name.replace('_', '-')}", dest=name, type=_param(name), help=text,
                       metavar=spec(name).kind.upper())
    p.add_argument("--json", action="store_true", help="print JSON instead of a table")
    p.set_defaults(func=_scenario)


def _scenario(args) -> int:
    from . import scenario

    s = scenario.build(workers=args.workers, quota_usd=args.quota_usd,
                       quota_months=args.quota_months, savings_usd=args.savings_usd,
                       years_abroad=args.years_abroad, bribe_usd=args.bribe_usd)
    out = scenario.report(s, draws=args.draws, seed=2025 if args.seed is None else args.seed)
    if args.json:
        print(json.dumps(out, indent=2, sort_keys=True))
        return 0
    print(f"{'output':<24}{'central':>16}" + ("" if not args.draws else
          f"{'p5':>16}{'p50':>16}{'p95':>16}") + "  unit")
    def fmt(x: float) -> str:
        return f"{x:>16,.1f}" if abs(x) < 100 else f"{x:>16,.0f}"

    for key in scenario.OUTPUTS:
        line = f"{key:<24}{fmt(out[key])}"
        if args.draws:
            line += "".join(fmt(out[f"{key}_{p}"]) for p in ("p5", "p50", "p95"))
        print(f"{line}  {scenario.UNITS[key]}")
    return 0


def _add_data(sub) -> None:
    p = sub.add_parser("data", help="check the data package")
    p.add_argument("action", choices=["validate"], help="validate: check every table")
    p.set_defaults(func=_data)


def _data(args) -> int:
    from .data import validate

    problems = validate()
    for line in problems:
        print(line, file=sys.stderr)
    if problems:
        print(f"{len(problems)} problem(s) found in data/", file=sys.stderr)
        return 1
    print("data/: every table matches datapackage.json")
    return 0


def _add_run(sub) -> None:
    p = sub.add_parser("run", help="execute notebooks with papermill into reports/RUN/")
    p.add_argument("notebooks", nargs="*", help="notebooks to run (default: all)")
    p.add_argument("--name", default="default", help="run name: the folder under reports/")
    p.set_defaults(func=_run)


def _run(args) -> int:
    from .runner import run

    out = run(args.notebooks, name=args.name)
    print(f"open {out}/ (one .html page per notebook)")
    return 0


def _add_refresh(sub) -> None:
    p = sub.add_parser("refresh", help="re-execute the committed notebooks at default parameters")
    p.add_argument("notebooks", nargs="*", help="notebooks to refresh (default: all)")
    p.set_defaults(func=_refresh)


def _refresh(args) -> int:
    from .runner import refresh

    refresh(args.notebooks)
    return 0


COMMANDS = [_add_scenario, _add_data, _add_run, _add_refresh]


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line; return the exit status."""
    parser = _Parser(prog="dispatchlib", description=__doc__.split("\n\n")[0])
    sub = parser.add_subparsers(dest="command", required=True, parser_class=_Parser)
    for add in COMMANDS:
        add(sub)
    args = parser.parse_args(argv)
    try:
        return args.func(args)
    except DispatchlibError as exc:
        print(f"dispatchlib {args.command}: error: {exc}", file=sys.stderr)
        return EXIT_USAGE if isinstance(exc, ParameterError) else 1
