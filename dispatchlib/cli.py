"""The command line: ``python -m dispatchlib COMMAND`` (alone, it lists the commands).

Commands
--------
scenario
    Compute a scenario (deterministic, and Monte Carlo with ``--draws``) without Jupyter.
data validate
    Check every table of ``data/`` against ``datapackage.json``.
params
    List every parameter of the notebooks: type, default, unit, allowed range, help.
run
    Check the parameters, execute notebooks with papermill in parallel into
    ``reports/<run>/``, write ``run.json`` and offline HTML pages with an ``index.html``.
sweep
    Run every combination of the values in a grid file; one row per run in ``sweep.csv``.
compare
    The parameters and headline results that differ between two runs.
refresh
    Re-execute the committed notebooks in place at their default parameters.
student
    Write student copies of the lessons: no solutions or teacher notes, outputs cleared.
audit
    Print the claims ledger of lesson 06 (table, ``--json`` or ``--csv``).
translate
    Update the Korean catalogues (``locales/ko/``) from the English lessons and build
    ``notebooks/ko/``; ``--check`` lists what is not translated or out of date.

Bad values exit with status 2 and a message naming the option or parameter and what is
allowed; a run or sweep in which a notebook failed exits with status 1.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Sequence

from dispatchlib.errors import DispatchlibError, ParameterError
from dispatchlib.i18n import LANGUAGES
from dispatchlib.i18n.command import add_parser as _add_translate
from dispatchlib.params import spec
from dispatchlib.run.ledger import add_parser as _add_audit
from dispatchlib.teaching.classroom import add_parser as _add_student

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
            return s.parse(text)  # the same reading as -p: 010000 is 10000, 1:30 is refused
        except ParameterError as exc:
            raise argparse.ArgumentTypeError(f"expected {exc.allowed}, got {text!r}") from None

    parse.__name__ = name  # argparse shows this name in its messages
    return parse


SCENARIO_OPTIONS = ("workers", "quota_usd", "quota_months", "savings_usd", "years_abroad",
                    "bribe_usd", "draws", "seed")
"""The ``scenario`` command's options: parameters of the registry, with its help and units."""


def _add_scenario(sub) -> None:
    p = sub.add_parser(
        "scenario", help="compute a scenario without Jupyter",
        description="State revenue, household savings, capital per returnee and bribe payback "
                    "for one scenario. Values you give become central values; inputs you leave "
                    "out keep the documented ranges of data/assumptions.csv.")
    for name in SCENARIO_OPTIONS:  # help, unit and default: the registry (parameters.json)
        s = spec(name)
        default = ("none: adds p5/p50/p95 of every output when given" if name == "draws"
                   else str(s.default) if name == "seed" else f"{s.default:,g}")
        p.add_argument(f"--{name.replace('_', '-')}", dest=name, type=_param(name),
                       help=f"{s.help}{', ' + s.unit if s.unit else ''} (default {default})",
                       metavar=s.kind.upper())
    p.add_argument("--json", action="store_true", help="print JSON instead of a table")
    p.set_defaults(func=_scenario)


def _scenario(args) -> int:
    from dispatchlib.model import scenario

    s = scenario.build(workers=args.workers, quota_usd=args.quota_usd,
                       quota_months=args.quota_months, savings_usd=args.savings_usd,
                       years_abroad=args.years_abroad, bribe_usd=args.bribe_usd)
    out = scenario.report(s, draws=args.draws,
                          seed=spec("seed").default if args.seed is None else args.seed)
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
    from dispatchlib.tables.data import validate

    problems = validate()
    for line in problems:
        print(line, file=sys.stderr)
    if problems:
        print(f"{len(problems)} problem(s) found in data/", file=sys.stderr)
        return 1
    print("data/: every table matches datapackage.json")
    return 0


def _jobs(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        value = 0
    if value < 1:
        raise argparse.ArgumentTypeError(f"expected a whole number >= 1, got {text!r}")
    return value


def _add_params(sub) -> None:
    p = sub.add_parser(
        "params", help="list the notebooks' parameters",
        description="Every parameter of the notebooks (or of those named): type, default, "
                    "unit, allowed range and help, read from the notebooks' parameters cells "
                    "and the library's registry.")
    p.add_argument("notebooks", nargs="*", metavar="NOTEBOOK",
                   help="notebooks (stem, number or file name; default all)")
    p.add_argument("--json", action="store_true", help="print JSON instead of tables")
    p.add_argument("--write-cells", action="store_true",
                   help="write the notebooks' parameters cells from the registry "
                        "(dispatchlib/parameters.json), then stop; refresh also does this")
    p.set_defaults(func=_params)


def _range(s) -> str:
    """The allowed values of a parameter in interval notation (``[0, 60]``, ``(0, 60]``)."""
    if s.choices:
        return "one of " + ", ".join(map(str, s.choices))
    if s.kind == "bool":
        return "True or False"
    if s.minimum is None and s.maximum is None:
        return "any"

    def num(x: float) -> str:
        if s.unit == "year":  # years never get a thousands separator: 1946, not 1,946
            return f"{x:.0f}" if float(x).is_integer() else f"{x:g}"
        return f"{x:,.0f}" if float(x).is_integer() else f"{x:g}"

    low = "-inf" if s.minimum is None else num(s.minimum)
    high = "inf" if s.maximum is None else num(s.maximum)
    left = "(" if s.minimum is None or s.exclusive_minimum else "["
    right = ")" if s.maximum is None else "]"
    return f"{left}{low}, {high}{right}"


def _params(args) -> int:
    from dispatchlib.run.discovery import declared, notebooks

    if args.write_cells:
        from dispatchlib.param_cells import write_cells

        for path in write_cells(notebooks(args.notebooks)):
            print(f"wrote the parameters cell of {path.name}")
        return 0
    out = {}
    for source in notebooks(args.notebooks):
        rows = []
        for name, d in declared(source).items():
            s = spec(name)
            rows.append({"name": name, "type": s.kind, "default": d.default, "unit": s.unit,
                         "allowed": _range(s), "help": s.help, "comment": d.comment,
                         "sources": list(s.sources)})
        out[source.stem] = rows
    if args.json:
        print(json.dumps(out, indent=2))
        return 0
    cols = ["name", "type", "default", "unit", "allowed", "help"]
    for stem, rows in out.items():
        print(f"{stem}: {len(rows)} parameter(s)")
        if not rows:
            continue
        text = [[str(r[c]) for c in cols] for r in rows]
        widths = [max(len(c), *(len(t[i]) for t in text)) for i, c in enumerate(cols)]
        print("  " + "  ".join(c.ljust(w) for c, w in zip(cols, widths, strict=True)).rstrip())
        for t in text:
            print("  " + "  ".join(v.ljust(w) for v, w in zip(t, widths, strict=True)).rstrip())
        print()
    return 0


def _add_run(sub) -> None:
    p = sub.add_parser(
        "run", help="check parameters, execute notebooks into reports/RUN/ with HTML",
        description="Check every parameter (name, type, range) before any kernel starts, "
                    "execute the notebooks with papermill in parallel into reports/RUN/, and "
                    "write run.json, one offline HTML page per notebook and index.html. "
                    "Exits 1 if a notebook failed (the others still finish).")
    p.add_argument("notebooks", nargs="*", metavar="NOTEBOOK",
                   help="notebooks to run (stem, number or file name; default all). When named, "
                        "every parameter given must be one of theirs")
    p.add_argument("-p", "--parameter", dest="parameters", nargs=2, action="append",
                   metavar=("NAME", "VALUE"), default=[],
                   help="set a parameter (VALUE read as YAML 1.2: 100000, 6.5, 1e5, true, [a, b]; "
                        "010000 is ten thousand, 1:30 and yes are text); "
                        "repeat for several; overrides -f")
    p.add_argument("-f", "--file", dest="files", action="append", default=[],
                   metavar="FILE.yaml",
                   help="scenario file (or the name of one in scenarios/, e.g. high), or a "
                        "flat file of parameter names and values as papermill -f reads "
                        "(checked like -p); repeatable, later files override earlier ones")
    p.add_argument("--name", help="run name, the folder under reports/ (default: 'default', "
                                  "or made from the notebooks named, the scenario names and "
                                  "-p values)")
    p.add_argument("--jobs", type=_jobs, default=None,
                   help="notebooks executed at once (default: the number of cores)")
    p.add_argument("--out", help="reports folder (default: reports/; never notebooks/ or data/)")
    p.add_argument("--replace", action="store_true",
                   help="replace whatever reports/RUN/ holds (without it, only an earlier run "
                        "of the same notebooks is replaced)")
    p.add_argument("--lang", choices=LANGUAGES, default="en",
                   help="language of the lessons and pages: ko runs the Korean lessons of "
                        "notebooks/ko/ and writes Korean pages; the run's default name then "
                        "ends in -ko (reports/default-ko/), so it never replaces an English "
                        "run (default: en)")
    _add_cold(p)
    p.set_defaults(func=_run)


def _add_cold(p) -> None:
    p.add_argument("--cold", action="store_true",
                   help="start every kernel as a new process (as before warm kernels): slower, "
                        "for comparison or where forking is unwelcome")


def _kernels(args) -> None:
    """``--cold``: tell the runner (and its worker processes) to start cold kernels."""
    if getattr(args, "cold", False):
        import os

        from dispatchlib.run.warm import COLD_ENV

        os.environ[COLD_ENV] = "1"


def _warm(command):
    """Run ``command`` with the fork server of warm kernels already starting (unless
    ``--cold``, or ``--scheduler``: the kernels then start elsewhere), so that its imports
    overlap the command's own start and checks; a command that stops early ends it at once."""
    import functools

    @functools.wraps(command)
    def wrapped(args) -> int:
        _kernels(args)
        if getattr(args, "cold", False) or getattr(args, "scheduler", None):
            return command(args)
        from dispatchlib.run.warm import start

        with start():  # what cannot start is said when the notebooks are about to run
            return command(args)

    return wrapped


@_warm
def _run(args) -> int:
    from pathlib import Path

    from dispatchlib.run import scenario_files as cases
    from dispatchlib.run.discovery import notebooks as notebooks_named
    from dispatchlib.run.planning import Text, slug
    from dispatchlib.run.runner import run
    from dispatchlib.run.workers import default_jobs

    _kernels(args)
    overrides: dict = {}
    notebooks = list(args.notebooks)
    loaded = [cases.load(f) for f in args.files]
    for case in loaded:
        overrides.update(case.parameters)
        if case.notebooks and not notebooks:
            notebooks = list(case.notebooks)
    typed = {name: Text(value) for name, value in args.parameters}
    overrides.update(typed)
    name = args.name
    if name is None:  # named notebooks lead the name: `run 02` never takes over `run`'s folder
        named = ([s.stem for s in notebooks_named(args.notebooks, args.lang)]
                 if args.notebooks else [])
        pieces = named + [c.name for c in loaded] + ([slug(typed)] if typed else [])
        name = "-".join(pieces) or "default"
        if args.lang != "en":
            name = f"{name}-{args.lang}"
        if len(name) > 100:
            import hashlib

            name = f"{name[:90].rstrip('._-')}-{hashlib.sha256(name.encode()).hexdigest()[:8]}"
    scenario = None
    if loaded:
        scenario = loaded[-1].summary() if len(loaded) == 1 else {
            "name": "+".join(c.name for c in loaded),
            "title": " + ".join(c.title for c in loaded),
            "description": " ".join(c.description for c in loaded),
            "references": sorted({r for c in loaded for r in c.references}),
            "file": ", ".join(c.summary()["file"] for c in loaded)}
    from_files = {n for c in loaded if not c.flat for n in c.parameters} - set(typed)
    folder = run(notebooks or None, name=name, parameters=overrides, jobs=args.jobs,
                 out=Path(args.out) if args.out else None, scenario=scenario,
                 each_declares=bool(args.notebooks) or None, from_files=from_files,
                 replace=args.replace, lang=args.lang)
    from dispatchlib.run.run_record import read

    record = read(folder)
    failed = [s for s, info in record["notebooks"].items() if info["status"] != "ok"]
    jobs = min(args.jobs or default_jobs(), len(record["notebooks"]))
    print(f"run {name}: {record['status']} ({len(record['notebooks']) - len(failed)} ok, "
          f"{len(failed)} failed, {record['seconds']:.0f} s, {jobs} at a time)")
    for stem in failed:
        print(f"  {stem} failed: {record['notebooks'][stem]['error']}", file=sys.stderr)
        print(f"  its partly executed copy: {folder / (stem + '.ipynb')}", file=sys.stderr)
    print(f"open {folder / 'index.html'}")
    return 0 if record["status"] == "ok" else 1


def _add_sweep(sub) -> None:
    p = sub.add_parser(
        "sweep", help="run every combination of a grid file's values",
        description="Run the product of the values listed under 'parameters:' in GRID.yaml, "
                    "in parallel; write reports/SWEEP/sweep.csv (one row per run). Runs "
                    "already done are skipped; a failed run does not stop the others.")
    p.add_argument("grid", metavar="GRID.yaml", help="grid file")
    p.add_argument("--jobs", type=_jobs, default=None,
                   help="notebooks executed at once (default: the number of cores)")
    p.add_argument("--name", help="sweep name (default: the grid file's stem)")
    p.add_argument("--out", help="reports folder (default: reports/; never notebooks/ or data/)")
    p.add_argument("--replace", action="store_true",
                   help="replace a sweep folder written from another grid (its runs the new "
                        "grid lacks are removed)")
    p.add_argument("--scheduler", metavar="ADDRESS",
                   help="run the notebooks on the Dask cluster of this scheduler (e.g. "
                        "tcp://10.0.0.5:8786); needs the 'cluster' extra here and on every "
                        "worker, with the same checkout; reports are written here")
    _add_cold(p)
    p.set_defaults(func=_sweep)


@_warm
def _sweep(args) -> int:
    from pathlib import Path

    from dispatchlib.run.sweep import sweep

    _kernels(args)
    folder, rows = sweep(args.grid, jobs=args.jobs, out=Path(args.out) if args.out else None,
                         name=args.name, replace=args.replace, scheduler=args.scheduler)
    failed = [r["run"] for r in rows if r["status"] != "ok"]
    # the summary (ok, failed, skipped) is on stderr with the progress, once
    print(f"open {folder / 'index.html'} (table: {folder / 'sweep.csv'})")
    return 0 if not failed else 1


def _add_compare(sub) -> None:
    p = sub.add_parser(
        "compare", help="parameters and results that differ between two runs",
        description="Side by side, the parameters and headline results that differ between "
                    "two runs (names under reports/, SWEEP/RUN, or run folders).")
    p.add_argument("run_a", metavar="RUN_A")
    p.add_argument("run_b", metavar="RUN_B")
    p.add_argument("--json", action="store_true", help="print JSON")
    p.add_argument("--all", action="store_true", dest="everything",
                   help="also list the values only one run has (a notebook the other did not "
                        "run); without it they are counted in one line")
    p.add_argument("--out", help="reports folder (default: reports/)")
    p.set_defaults(func=_compare)


def _compare(args) -> int:
    from pathlib import Path

    from dispatchlib.run.compare import compare, differing, format_table, locate
    from dispatchlib.run.run_record import read

    out = Path(args.out) if args.out else None
    a, b = locate(args.run_a, out), locate(args.run_b, out)
    diff = compare(read(a), read(b))
    if args.json:
        shown = diff if args.everything else differing(diff)
        print(json.dumps({k: [{"key": key, "a": x, "b": y} for key, x, y in v]
                          for k, v in shown.items()}, indent=2))
    else:
        print(format_table(args.run_a, args.run_b, diff, everything=args.everything))
    return 0


def _add_refresh(sub) -> None:
    p = sub.add_parser(
        "refresh", help="rewrite the committed notebooks in notebooks/ (maintainers)",
        description="WARNING: this rewrites the committed lesson notebooks in notebooks/ in "
                    "place: each is re-executed at its default parameters and its outputs are "
                    "replaced. It is meant for maintainers after a change to the library or "
                    "the data. To run the lessons with your own values without touching "
                    "notebooks/, use 'python -m dispatchlib run' (results go to reports/).")
    p.add_argument("notebooks", nargs="*", metavar="NOTEBOOK",
                   help="notebooks to rewrite (stem, number or file name; default all)")
    p.add_argument("--lang", choices=LANGUAGES, default=None,
                   help="only the lessons of this language (ko: notebooks/ko/); default the "
                        "English lessons and then the Korean ones that exist")
    _add_cold(p)
    p.set_defaults(func=_refresh)


@_warm
def _refresh(args) -> int:
    from dispatchlib.run.refresh import refresh

    _kernels(args)
    refresh(args.notebooks, lang=args.lang)
    return 0


COMMANDS = [_add_scenario, _add_data, _add_params, _add_run, _add_sweep, _add_compare,
            _add_refresh, _add_student, _add_audit, _add_translate]


DESCRIPTION = ("Rerunnable, sourced analysis of North Korean labour dispatch to Russia. "
               "New here? Open notebooks/00_start-here.ipynb in JupyterLab (make lab).")
EPILOG = "Run 'python -m dispatchlib COMMAND --help' for the options of one command."


def parser() -> argparse.ArgumentParser:
    """The command line's parser, every command registered (help texts are plain text)."""
    top = _Parser(prog="dispatchlib", description=DESCRIPTION, epilog=EPILOG,
                  usage="python -m dispatchlib COMMAND [options] (or: dispatchlib COMMAND)")
    sub = top.add_subparsers(dest="command", required=True, parser_class=_Parser,
                             title="commands", metavar="COMMAND", prog="dispatchlib")
    for add in COMMANDS:
        add(sub)
    return top


def commands() -> list[tuple[str, str]]:
    """``(name, one line)`` for every command, in the order of :data:`COMMANDS`."""
    sub = next(a for a in parser()._actions if isinstance(a, argparse._SubParsersAction))
    return [(c.dest, c.help) for c in sub._choices_actions]


def overview() -> str:
    """What ``python -m dispatchlib`` alone prints: the commands, one line each."""
    rows = commands()
    width = max(len(name) for name, _ in rows)
    lines = ["usage: python -m dispatchlib COMMAND [options] (or: dispatchlib COMMAND)", "",
             DESCRIPTION, "",
             "commands:"]
    lines += [f"  {name:<{width}}  {text}" for name, text in rows]
    return "\n".join([*lines, "", EPILOG])


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line; return the exit status."""
    argv = sys.argv[1:] if argv is None else list(argv)
    if not argv:
        print(overview())
        return 0
    args = parser().parse_args(argv)
    try:
        code = args.func(args)
        sys.stdout.flush()  # here, so that a closed pipe is met below, not at exit
        return code
    except DispatchlibError as exc:
        print(f"dispatchlib {args.command}: error: {exc}", file=sys.stderr)
        return EXIT_USAGE if isinstance(exc, ParameterError) else 1
    except BrokenPipeError:
        return _closed_pipe()
    except OSError as exc:  # a path the system refuses (too long, no permission, a file...)
        where = f"{exc.filename}: " if exc.filename else ""
        print(f"dispatchlib {args.command}: error: {where}{exc.strerror or exc}",
              file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        print(f"dispatchlib {args.command}: interrupted; earlier results are left as they were",
              file=sys.stderr)
        return 130


def _closed_pipe() -> int:
    """The reader of our output went away (``compare ... | head``): stop quietly, as Unix
    tools do, without a traceback at exit when Python flushes stdout."""
    import os

    try:
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
    except (OSError, ValueError):  # pragma: no cover - no real stdout
        pass
    return 1
