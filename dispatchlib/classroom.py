"""Student copies of the lessons: ``python -m dispatchlib student [--out DIR] [NOTEBOOK ...]``.

The committed notebooks are the teacher's copies: they hold worked solutions (cells tagged
``solution``) and teacher notes (cells tagged ``instructor``). A student copy keeps every other
cell as it is and

- drops the cells tagged ``solution`` or ``instructor``;
- clears every output and execution count (students run the notebook themselves);
- drops the widget state and papermill's run records from the metadata;
- drops the ``nbval-check-output`` tag (there is no stored output left to compare with);
- records ``{"dispatchlib": {"copy": "student", "source": "<name>.ipynb"}}`` in the notebook's
  metadata.

Exercises are leaves (no later cell uses an answer) and each self-check accepts a blank ``...``,
so a student copy runs from top to bottom before anything is filled in; the test suite executes
every copy to prove it.

Copies go to ``reports/student/`` unless ``--out`` names another folder; a folder inside
``notebooks/`` or ``data/`` is refused, so the teacher's copies and the data are never touched.
Each file is written to a temporary name first and then renamed, so an interrupted run never
leaves half a notebook.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from . import paths
from .errors import ParameterError

#: cells with any of these tags are left out of student copies
TEACHER_TAGS = ("solution", "instructor")
#: tags removed from the cells kept (nbval has no stored output to compare with)
DROPPED_TAGS = ("nbval-check-output",)
#: notebook-level metadata removed (run records and widget state)
DROPPED_METADATA = ("widgets", "papermill")
#: cell-level metadata removed
DROPPED_CELL_METADATA = ("papermill", "execution", "scrolled", "collapsed")


def default_out() -> Path:
    """``reports/student/`` (under ``DISPATCHLIB_REPORTS_DIR`` when that is set)."""
    return paths.reports_dir() / "student"


def student_copy(nb):
    """A student copy of one notebook (an ``nbformat`` node); the argument is not changed.

    Parameters
    ----------
    nb : nbformat.NotebookNode
        A lesson notebook (nbformat 4).

    Returns
    -------
    nbformat.NotebookNode
        The copy: teacher cells removed, outputs cleared, metadata cleaned (see the module
        docstring).
    """
    import copy

    out = copy.deepcopy(nb)
    for key in DROPPED_METADATA:
        out.metadata.pop(key, None)
    kept = []
    for cell in out.cells:
        tags = list(cell.get("metadata", {}).get("tags", []))
        if any(t in TEACHER_TAGS for t in tags):
            continue
        for key in DROPPED_CELL_METADATA:
            cell.metadata.pop(key, None)
        tags = [t for t in tags if t not in DROPPED_TAGS]
        if tags:
            cell.metadata["tags"] = tags
        else:
            cell.metadata.pop("tags", None)
        if cell.cell_type == "code":
            cell.outputs = []
            cell.execution_count = None
        kept.append(cell)
    out.cells = kept
    return out


def _forbidden() -> list[Path]:
    """Folders a student copy must never be written into."""
    found = {paths.notebooks_dir(), paths.data_dir(), paths.ROOT / "notebooks",
             paths.ROOT / "data"}
    return sorted({p.resolve() for p in found})


def check_out(out: Path | str) -> Path:
    """The output folder, resolved, if it is allowed.

    Raises
    ------
    ParameterError
        (as ``--out``) for a folder inside ``notebooks/`` or ``data/``, or a path that is an
        existing file.
    """
    target = Path(out).expanduser().resolve()
    for folder in _forbidden():
        if target == folder or folder in target.parents:
            raise ParameterError("--out", str(out),
                                 f"a folder outside {folder} (the teacher's notebooks and the "
                                 "data are never overwritten)")
    if target.exists() and not target.is_dir():
        raise ParameterError("--out", str(out), "a folder, not an existing file")
    return target


def _write_atomic(nb, target: Path) -> None:
    import nbformat

    from .results import write_text_atomic  # here: the rest of the command line needs none

    nbformat.validate(nb)
    text = nbformat.writes(nb)
    write_text_atomic(target, text if text.endswith("\n") else text + "\n")


def write_student_copies(out: Path | str | None = None,
                         names: Sequence[str] | None = None) -> list[Path]:
    """Write student copies of the lessons (all, or those named) into ``out``.

    Parameters
    ----------
    out : path, optional
        Folder to write into (created if missing); ``reports/student/`` by default.
    names : sequence of str, optional
        Notebooks by stem, number or file name (see :func:`dispatchlib.runner.notebooks`).

    Returns
    -------
    list of Path
        The copies written, in teaching order, with the teacher's file names.

    Raises
    ------
    ParameterError
        For a forbidden output folder or an unknown notebook name.
    """
    import nbformat

    from .runner import notebooks

    target = check_out(default_out() if out is None else out)
    sources = notebooks(names)
    target.mkdir(parents=True, exist_ok=True)
    written = []
    for source in sources:
        nb = student_copy(nbformat.read(source, as_version=4))
        nb.metadata["dispatchlib"] = {"copy": "student", "source": source.name}
        destination = target / source.name
        _write_atomic(nb, destination)
        written.append(destination)
    return written


def add_parser(subparsers) -> None:
    """Register the ``student`` command on the command line's subparsers."""
    p = subparsers.add_parser(
        "student", help="write student copies of the notebooks (no solutions, no outputs)",
        description="Write a copy of each lesson for students: cells tagged 'solution' or "
                    "'instructor' removed, outputs and widget state cleared. The teacher's "
                    "notebooks are not changed; folders inside notebooks/ or data/ are "
                    "refused.")
    p.add_argument("notebooks", nargs="*", metavar="NOTEBOOK",
                   help="notebooks to copy (stem, number or file name; default all)")
    p.add_argument("--out", metavar="DIR",
                   help="folder for the copies (default: reports/student/)")
    p.set_defaults(func=run_student)


def run_student(args) -> int:
    """Handler of ``student``: write the copies and list them; returns the exit status."""
    written = write_student_copies(args.out, args.notebooks or None)
    folder = written[0].parent if written else check_out(args.out or default_out())
    for path in written:
        print(f"  {path.name}")
    print(f"{len(written)} student cop{'y' if len(written) == 1 else 'ies'} written to {folder}")
    return 0
