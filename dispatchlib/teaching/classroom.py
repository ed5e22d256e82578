"""Student copies of the lessons: ``python -m dispatchlib student [--out DIR] [NOTEBOOK ...]``.

The committed notebooks are the teacher's copies: their exercises are in nbgrader's format
(``docs/classroom.md``), and they hold teacher notes (cells tagged ``instructor``). A student
copy strips the same regions as ``nbgrader generate_assignment``, without needing nbgrader:

- the code between ``### BEGIN SOLUTION`` and ``### END SOLUTION`` becomes
  ``# YOUR CODE HERE`` / ``raise NotImplementedError()`` (indented as the region was), and a
  markdown cell marked as a solution in its ``nbgrader`` metadata becomes ``YOUR ANSWER HERE``
  (in a Korean copy ``# 여기에 코드를 작성하라`` / ``raise NotImplementedError()`` and
  ``여기에 답을 쓰라``: :data:`STUBS`; a Korean nbgrader course sets the same texts in its
  configuration, :func:`nbgrader_config`);
- the lines between ``### BEGIN HIDDEN TESTS`` and ``### END HIDDEN TESTS`` are removed;

and then it

- drops the cells tagged ``solution`` or ``instructor``;
- clears every output and execution count (students run the notebook themselves);
- drops the widget state and papermill's run records from the metadata;
- drops the ``nbval-check-output`` tag (there is no stored output left to compare with);
- records ``{"dispatchlib": {"copy": "student", "source": "<name>.ipynb"}}`` in the notebook's
  metadata.

Exercises are leaves (no later cell uses an answer), so a student copy runs from top to bottom
before anything is filled in, with errors only in the answer and test cells (the test suite
executes every copy to prove it).

Copies go to ``reports/student/`` unless ``--out`` names another folder; a folder inside
``notebooks/`` or ``data/``, the repository's root or a folder holding them is refused, so the
teacher's copies and the data are never touched. An existing file is replaced only when it is a
student copy written by this command (its metadata says so); anything else (a run's executed
notebook, a student's own work) needs ``--replace``, and a run or sweep folder is refused.
Each file is written to a temporary name first and then renamed, so an interrupted run never
leaves half a notebook.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from dispatchlib import paths
from dispatchlib.errors import DispatchlibError, ParameterError
from dispatchlib.i18n import LANGUAGES

#: cells with any of these tags are left out of student copies
TEACHER_TAGS = ("solution", "instructor")
#: tags removed from the cells kept (nbval has no stored output to compare with)
DROPPED_TAGS = ("nbval-check-output",)
#: notebook-level metadata removed (run records and widget state)
DROPPED_METADATA = ("widgets", "papermill")
#: cell-level metadata removed
DROPPED_CELL_METADATA = ("papermill", "execution", "scrolled", "collapsed")
#: nbgrader's delimiters and the text that replaces a solution (nbgrader's defaults)
BEGIN_SOLUTION, END_SOLUTION = "### BEGIN SOLUTION", "### END SOLUTION"
BEGIN_HIDDEN, END_HIDDEN = "### BEGIN HIDDEN TESTS", "### END HIDDEN TESTS"
CODE_STUB = "# YOUR CODE HERE\nraise NotImplementedError()"
TEXT_STUB = "YOUR ANSWER HERE"
#: (code stub, text stub) by lesson language; the code stub always ends in
#: ``raise NotImplementedError()``, so a blank answer still fails its tests under autograde
STUBS = {"en": (CODE_STUB, TEXT_STUB),
         "ko": ("# 여기에 코드를 작성하라\nraise NotImplementedError()", "여기에 답을 쓰라")}


def stubs(lang: str = "en") -> tuple[str, str]:
    """The code stub and the text stub that replace a solution in a copy in language ``lang``.

    Raises
    ------
    ParameterError
        (as ``--lang``) for a language without stubs.
    """
    if lang not in STUBS:
        raise ParameterError("--lang", lang, "one of " + ", ".join(sorted(STUBS)))
    return STUBS[lang]


def nbgrader_config(lang: str = "en") -> str:
    """Lines for a course's ``nbgrader_config.py`` that make ``nbgrader generate_assignment``
    write the stubs of :func:`stubs` (nbgrader's ``ClearSolutions.code_stub`` and
    ``text_stub``), so its released copies match ``student --lang LANG`` cell for cell and a
    written answer left as its stub scores 0 under autograde; empty for English (nbgrader's
    defaults)."""
    if lang == "en":
        return ""
    code, text = stubs(lang)
    return (f"c.ClearSolutions.code_stub = {{'python': {code!r}}}\n"
            f"c.ClearSolutions.text_stub = {text!r}\n")


def _source(cell) -> str:
    return cell.source if isinstance(cell.source, str) else "".join(cell.source)


def _replace_regions(text: str, begin: str, end: str, stub: str | None, where: str) -> str:
    """``text`` with every region from a ``begin`` line to an ``end`` line replaced by ``stub``
    (indented as the ``begin`` line; ``None`` removes the region)."""
    out: list[str] = []
    inside = False
    for line in text.split("\n"):
        if line.strip() == begin:
            if inside:
                raise DispatchlibError(f"{where}: {begin!r} inside another region")
            inside = True
            if stub is not None:
                indent = line[:len(line) - len(line.lstrip())]
                out.extend(indent + s for s in stub.split("\n"))
        elif line.strip() == end:
            if not inside:
                raise DispatchlibError(f"{where}: {end!r} without {begin!r}")
            inside = False
        elif not inside:
            out.append(line)
    if inside:
        raise DispatchlibError(f"{where}: {begin!r} without {end!r}")
    return "\n".join(out)


def strip_regions(nb, name: str = "notebook", lang: str = "en"):
    """Strip nbgrader's solution and hidden-test regions from notebook ``nb`` in place.

    Parameters
    ----------
    nb : nbformat.NotebookNode
        A lesson notebook (nbformat 4), changed in place.
    name : str
        Named in errors.
    lang : {"en", "ko"}
        Language of the stubs that replace the solutions (:data:`STUBS`).

    Raises
    ------
    DispatchlibError
        For an unclosed or nested region, or a solution region in a cell that nbgrader's
        metadata does not mark as a solution (``nbgrader generate_assignment`` refuses both).
    """
    code_stub, text_stub = stubs(lang)
    for i, cell in enumerate(nb.cells):
        where = f"{name}, cell {i}"
        grader = cell.get("metadata", {}).get("nbgrader", {})
        text = _source(cell)
        if (BEGIN_SOLUTION in text or END_SOLUTION in text) and not grader.get("solution"):
            raise DispatchlibError(f"{where}: a solution region in a cell whose nbgrader "
                                   "metadata does not say solution: true")
        if grader.get("solution"):
            if cell.cell_type == "code":
                text = (_replace_regions(text, BEGIN_SOLUTION, END_SOLUTION, code_stub, where)
                        if BEGIN_SOLUTION in text or END_SOLUTION in text else code_stub)
            else:
                text = text_stub
        text = _replace_regions(text, BEGIN_HIDDEN, END_HIDDEN, None, where)
        cell.source = text
    return nb


def default_out(lang: str = "en") -> Path:
    """``reports/student/`` (under ``DISPATCHLIB_REPORTS_DIR`` when that is set); the Korean
    copies ``reports/student-ko/``, so that they never replace the English ones (the file names
    are the same)."""
    return paths.reports_dir() / ("student" if lang == "en" else f"student-{lang}")


def student_copy(nb, name: str = "notebook", lang: str = "en"):
    """A student copy of one notebook (an ``nbformat`` node); the argument is not changed.

    Parameters
    ----------
    nb : nbformat.NotebookNode
        A lesson notebook (nbformat 4).
    name : str
        Named in errors.
    lang : {"en", "ko"}
        Language of the stubs that replace the solutions (:data:`STUBS`).

    Returns
    -------
    nbformat.NotebookNode
        The copy: solution and hidden-test regions stripped, teacher cells removed, outputs
        cleared, metadata cleaned (see the module docstring).

    Raises
    ------
    DispatchlibError
        For a malformed region (:func:`strip_regions`).
    """
    from dispatchlib.nbclean import clean

    out = clean(nb, drop_notebook_metadata=DROPPED_METADATA,
                drop_cell_metadata=DROPPED_CELL_METADATA, remove_cells_tagged=TEACHER_TAGS,
                drop_tags=DROPPED_TAGS, clear_outputs=True)
    return strip_regions(out, name, lang)


def check_out(out: Path | str) -> Path:
    """The output folder, resolved, if it is allowed (:func:`dispatchlib.run.runner.check_out`):
    never inside ``notebooks/`` or ``data/``, never the repository's root or a folder holding
    them, never an existing file; and never a run's or a sweep's folder.

    Raises
    ------
    ParameterError
        (as ``--out``) naming the folder and what is allowed.
    """
    from dispatchlib.run.folders import check_out as allowed

    target = allowed(out)
    for marker, what in (("run.json", "a run's folder"), ("sweep.json", "a sweep's folder")):
        if (target / marker).is_file():
            raise ParameterError("--out", str(out), f"a folder of its own, not {what} (it "
                                 f"holds {marker}): the run's executed notebooks would be "
                                 "overwritten")
    return target


def is_student_copy(path: Path) -> bool:
    """Whether ``path`` is a student copy written by this command (its metadata says so)."""
    import json

    try:
        nb = json.loads(path.read_text(encoding="utf-8"))
        return nb["metadata"]["dispatchlib"]["copy"] == "student"
    except (OSError, ValueError, KeyError, TypeError):
        return False


def _write_atomic(nb, target: Path) -> None:
    import nbformat

    from dispatchlib.atomic import write_text

    nbformat.validate(nb)
    text = nbformat.writes(nb)
    write_text(target, text if text.endswith("\n") else text + "\n")


def write_student_copies(out: Path | str | None = None,
                         names: Sequence[str] | None = None,
                         replace: bool = False, lang: str = "en") -> list[Path]:
    """Write student copies of the lessons (all, or those named) into ``out``.

    Parameters
    ----------
    out : path, optional
        Folder to write into (created if missing); ``reports/student/`` by default.
    names : sequence of str, optional
        Notebooks by stem, number or file name (see :func:`dispatchlib.run.runner.notebooks`).
    replace : bool
        Overwrite files of the same name that are not student copies (``--replace``).
    lang : {"en", "ko"}
        The lessons' language: ``ko`` copies the Korean lessons of ``notebooks/ko/`` (by
        default into ``reports/student-ko/``), stripped by the same rules, with the Korean
        stubs.

    Returns
    -------
    list of Path
        The copies written, in teaching order, with the teacher's file names.

    Raises
    ------
    ParameterError
        For a forbidden output folder or an unknown notebook name.
    DispatchlibError
        For a file in the way that is not a student copy (unless ``replace``), or a lesson
        that is not a readable notebook; nothing is written then.
    """
    import nbformat

    from dispatchlib.run.discovery import notebooks, notebooks_folder, read_notebook

    target = check_out(default_out(lang) if out is None else out)
    sources = notebooks(names, lang)
    if not sources:
        raise DispatchlibError(f"no lessons NN_topic.ipynb in {notebooks_folder(lang)}"
                               + ("" if lang == "en" else "; the Korean lessons are built by "
                                  "`python -m dispatchlib translate`"))
    for source in sources:
        # a broken file or a malformed region: one line naming it, before anything is written
        student_copy(read_notebook(source), source.name, lang)
        destination = target / source.name
        if (destination.exists() or destination.is_symlink()) and not replace and \
                not is_student_copy(destination):
            raise DispatchlibError(f"{destination} exists and is not a student copy written "
                                   "by this command: not overwriting it; give --replace to "
                                   "replace it, or choose another --out")
    target.mkdir(parents=True, exist_ok=True)
    written = []
    for source in sources:
        nb = student_copy(nbformat.read(source, as_version=4), source.name, lang)
        nb.metadata["dispatchlib"] = {"copy": "student", "source": source.name,
                                      **({"lang": lang} if lang != "en" else {})}
        destination = target / source.name
        _write_atomic(nb, destination)
        written.append(destination)
    return written


def add_parser(subparsers) -> None:
    """Register the ``student`` command on the command line's subparsers."""
    p = subparsers.add_parser(
        "student", help="write student copies of the notebooks (no solutions, no outputs)",
        description="Write a copy of each lesson for students, as nbgrader's "
                    "generate_assignment would but without nbgrader: solution regions "
                    "replaced by 'raise NotImplementedError()' or 'YOUR ANSWER HERE', hidden "
                    "tests removed (a Korean copy has Korean stubs), teacher notes removed, "
                    "outputs and widget state cleared. The teacher's notebooks are not "
                    "changed; folders inside notebooks/ or data/ are refused.")
    p.add_argument("notebooks", nargs="*", metavar="NOTEBOOK",
                   help="notebooks to copy (stem, number or file name; default all)")
    p.add_argument("--out", metavar="DIR",
                   help="folder for the copies (default: reports/student/)")
    p.add_argument("--replace", action="store_true",
                   help="overwrite files of the same name that are not student copies")
    p.add_argument("--lang", choices=LANGUAGES, default="en",
                   help="language of the lessons: ko copies the Korean lessons of "
                        "notebooks/ko/ into reports/student-ko/ unless --out is given "
                        "(default: en)")
    p.set_defaults(func=run_student)


def run_student(args) -> int:
    """Handler of ``student``: write the copies and list them; returns the exit status."""
    lang = getattr(args, "lang", "en")
    written = write_student_copies(args.out, args.notebooks or None, replace=args.replace,
                                   lang=lang)
    folder = written[0].parent if written else check_out(args.out or default_out(lang))
    for path in written:
        print(f"  {path.name}")
    print(f"{len(written)} student cop{'y' if len(written) == 1 else 'ies'} written to {folder}")
    return 0
