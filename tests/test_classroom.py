"""The classroom layer of the lessons: exercises in nbgrader's format, teacher notes,
discussion questions, explorers, the closing housekeeping section, and the student copies
(``python -m dispatchlib student``).

Student copies are generated and every one of them is executed with blank answers: that is the
proof that a blank answer breaks nothing outside the exercise's own cells. nbgrader itself runs
on the lessons in tests/test_nbgrader.py; where it is installed (``make setup`` installs it),
its autograde of these copies handed in blank is that execution, and the check
(:func:`check_blank_run`) runs there instead of executing every copy a second time here.
"""

import hashlib
import importlib.util
import os
import re
from concurrent.futures import ProcessPoolExecutor
from multiprocessing import get_context
from pathlib import Path

import commands
import nbformat
import pytest

from dispatchlib import cli, paths
from dispatchlib.errors import DispatchlibError, ParameterError
from dispatchlib.run import discovery, workers
from dispatchlib.teaching import classroom

NOTEBOOKS = discovery.notebooks()
LESSONS = [p for p in NOTEBOOKS if p.name[:2] != "00"]  # 01 to 06
EXPLORERS = {"01_history": "reconciled_figure", "02_economics": "revenue_figure",
             "04_prospects": "ramp_figure"}
HIDDEN = re.compile(r"^\s*### BEGIN HIDDEN TESTS\n(.*?)^\s*### END HIDDEN TESTS", re.M | re.S)
SOLUTION = re.compile(r"^\s*### BEGIN SOLUTION\n(.*?)^\s*### END SOLUTION", re.M | re.S)


def _cells(path):
    return nbformat.read(path, as_version=4).cells


def _src(cell):
    return cell.source if isinstance(cell.source, str) else "".join(cell.source)


def _tags(cell):
    return cell.get("metadata", {}).get("tags", [])


def _grader(cell) -> dict:
    return cell.get("metadata", {}).get("nbgrader", {})


def _exercises(cells) -> dict[int, dict]:
    """Exercise number -> its cells by role (``answer``, ``test`` and ``written`` lists of
    indices; ``prompt``: the index of its ``**Exercise N`` markdown), from the grade ids
    ``ex{N}-...`` of nbgrader's metadata."""
    out: dict[int, dict] = {}
    for i, cell in enumerate(cells):
        g = _grader(cell)
        m = re.match(r"ex(\d+)-", g.get("grade_id", ""))
        if m:
            role = ("test" if g.get("grade") and not g.get("solution") else
                    "written" if cell.cell_type == "markdown" else "answer")
            out.setdefault(int(m.group(1)), {"answer": [], "test": [], "written": []})[
                role].append(i)
        m = re.search(r"\*\*Exercise (\d+)", _src(cell))
        if cell.cell_type == "markdown" and m and not g:
            out.setdefault(int(m.group(1)), {"answer": [], "test": [], "written": []})[
                "prompt"] = i
    return dict(sorted(out.items()))


def _hidden_literals(text: str) -> set[str]:
    """The expected values of the hidden-test regions of ``text``: the literals an answer is
    compared with (``== N``, ``answer - N``, ``isclose(answer, N``); comments, whole numbers
    below 10 and exponent forms such as ``1e-6`` left out."""
    found = set()
    for region in HIDDEN.findall(text):
        for line in region.splitlines():
            code = line.split("#", 1)[0]
            for n in re.findall(r"(?:==|isclose\(\s*[\w.]+\s*,|approx\(|\w\s*-)\s*"
                                r"(\d[\d_]*(?:\.\d+)?)(?![\w.])", code):
                value = float(n.replace("_", ""))
                if value.is_integer() and value < 10:  # counts and factors (2 * q * se)
                    continue
                found |= {n, n.replace("_", "")}
                if value.is_integer() and value >= 1000:
                    found.add(f"{value:,.0f}")
    return found


# --------------------------------------------------------------------------- lesson structure

@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.stem)
def test_exercises_in_nbgrader_format(path):
    """At least three exercises (01-06: predict or compute by hand, write code, an open analysis
    with a written answer), each a prompt, an answer cell with a solution region and a locked
    test cell with points and hidden tests; grade ids unique; no old self-checks left."""
    cells = _cells(path)
    ids = [_grader(c)["grade_id"] for c in cells if _grader(c)]
    assert len(ids) == len(set(ids)), f"{path.stem}: duplicate grade ids {ids}"
    exercises = _exercises(cells)
    assert list(exercises) == list(range(1, len(exercises) + 1)) and len(exercises) >= 3, \
        f"{path.stem}: exercises {list(exercises)}"
    heading = next(i for i, c in enumerate(cells) if _src(c).startswith("## Exercises"))
    for k, ex in exercises.items():
        assert "prompt" in ex and ex["prompt"] >= heading, f"{path.stem} exercise {k}: prompt"
        assert ex["answer"] or ex["written"], f"{path.stem} exercise {k}: nothing to answer"
        for i in ex["answer"]:
            g = _grader(cells[i])
            assert cells[i].cell_type == "code" and g["solution"] and not g["grade"]
            assert SOLUTION.search(_src(cells[i])), f"{path.stem} exercise {k}: no solution"
            if i + 1 in ex["written"]:  # working code for a written answer
                continue
            test = cells[i + 1]
            tg = _grader(test)
            assert tg.get("grade") and tg.get("locked") and tg.get("points", 0) > 0, \
                f"{path.stem} exercise {k}: an answer cell is followed by its test cell"
            assert HIDDEN.search(_src(test)), f"{path.stem} exercise {k}: no hidden tests"
            visible = HIDDEN.sub("", _src(test))
            assert "dl." not in HIDDEN.search(_src(test)).group(1), \
                "hidden tests compare with literals computed by hand, not a library call"
            assert not _hidden_literals(_src(test)) & set(
                re.findall(r"[\d][\d,_.]*", visible)), f"{path.stem} {k}: visible expected value"
        for i in ex["written"]:
            g = _grader(cells[i])
            assert g["solution"] and g["grade"] and g.get("points", 0) > 0
            assert len(_src(cells[i])) > 200, f"{path.stem} exercise {k}: a real model answer"
        for g in (_grader(cells[i]) for i in ex["answer"] + ex["test"] + ex["written"]):
            assert g["schema_version"] == 3 and g["task"] is False
    for cell in cells:
        assert "solution" not in _tags(cell), "nbgrader's metadata replaces the solution tag"
        assert "check_answer(" not in _src(cell), "nbgrader's tests replace the self-checks"
    if path in LESSONS:
        prompts = " ".join(_src(cells[ex["prompt"]]) for ex in exercises.values()).lower()
        for kind in (r"predict|by hand", r"write code", r"your own analysis|written"):
            assert re.search(kind, prompts), f"{path.stem}: no exercise of kind {kind}"
        assert any(ex["written"] for ex in exercises.values()), \
            f"{path.stem}: an open analysis with a written model answer"


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.stem)
def test_exercises_are_leaves(path):
    """No cell outside the exercises uses a name an answer cell sets (a blank answer in a
    student copy breaks nothing else)."""
    cells = _cells(path)
    exercise_cells = {i for ex in _exercises(cells).values()
                      for i in ex["answer"] + ex["test"]}
    for i in exercise_cells:
        names = set(re.findall(r"^(\w+)\s*=", _src(cells[i]), re.M)) if _grader(
            cells[i]).get("solution") else set()
        for j, cell in enumerate(cells):
            if j in exercise_cells or j < i or cell.cell_type != "code":
                continue
            used = {n for n in names if re.search(rf"\b{n}\b", _src(cell))}
            assert not used, (path.stem, j, used)


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.stem)
def test_exercises_name_the_variables_their_tests_check(path):
    """Every name a test cell (hidden tests included) reads from its answer cell is given to the
    student before the test: in the exercise's text or in what the student copy keeps of the
    answer cell. Otherwise a right answer under another name fails with a NameError."""
    import ast

    cells = _cells(path)
    student = classroom.student_copy(nbformat.read(path, as_version=4), path.name)
    shown = {c.id: c.source for c in student.cells}
    start = 0
    for i, cell in enumerate(cells):
        g = _grader(cell)
        if not (g.get("grade") and g.get("locked") and cell.cell_type == "code"):
            continue
        answer = cells[i - 1]
        assert _grader(answer).get("solution"), (path.stem, i)
        set_by_answer = {n.id for n in ast.walk(ast.parse(_src(answer)))
                         if isinstance(n, ast.Name) and isinstance(n.ctx, ast.Store)}
        set_by_answer |= {n.name for n in ast.walk(ast.parse(_src(answer)))
                          if isinstance(n, ast.FunctionDef)}
        checked = {n.id for n in ast.walk(ast.parse(_src(cell)))
                   if isinstance(n, ast.Name) and isinstance(n.ctx, ast.Load)} & set_by_answer
        before = "\n".join(shown.get(c.id, "") for c in cells[start:i])
        missing = {n for n in checked if not re.search(rf"\b{n}\b", before)}
        assert checked and not missing, \
            f"{path.stem}, test cell {i} ({g['grade_id']}): exercise never names {missing}"
        start = i + 1


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.stem)
def test_teacher_notes_discussion_and_housekeeping(path):
    cells = _cells(path)
    notes = [c for c in cells if "instructor" in _tags(c)]
    assert len(notes) == 1 and notes[0].cell_type == "markdown"
    text = _src(notes[0])
    for part in ("Timing", "Misconception", "Live demo"):
        assert part.lower() in text.lower(), f"{path.stem}: teacher notes lack {part}"
    titles = [_src(c).splitlines()[0] for c in cells if c.cell_type == "markdown"]
    sections = [t for t in titles if t.startswith("## ")]
    assert sections[-2:] == ["## Discussion", "## Housekeeping"], \
        "Discussion, then one short Housekeeping section, close it"
    discussion = next(_src(c) for c in cells if _src(c).startswith("## Discussion"))
    questions = re.findall(r"^\d+\. \*\*(.+?)\*\*", discussion, re.M)
    assert 3 <= len(questions) <= 4, questions
    assert any(re.search(r"source|reliab", q, re.I) for q in questions), questions
    assert any(re.search(r"rights", q, re.I) for q in questions), questions
    last_exercise = max(max([ex.get("prompt", 0)] + ex["answer"] + ex["test"] + ex["written"])
                        for ex in _exercises(cells).values())
    start = next(i for i, c in enumerate(cells) if _src(c).startswith("## Housekeeping"))
    assert start > last_exercise
    closing = [c for c in cells[start + 1:] if c.cell_type == "code"]
    assert len(closing) == 1 and _src(closing[0]).startswith("dl.housekeeping("), \
        "the housekeeping section is one dl.housekeeping call"
    assert f'"{path.stem}"' in _src(closing[0])
    # the parameters are checked in one statement right after the parameters cell
    params = next(i for i, c in enumerate(cells) if "parameters" in _tags(c))
    assert _src(cells[params + 1]).startswith("p = dl.check(")
    # the time a lesson takes, stated at the top
    assert re.search(r"\*\*Time:\*\* about \d+ minutes at a student's pace", _src(cells[0])), \
        f"{path.stem}: its time at the top"


@pytest.mark.parametrize("stem", sorted(EXPLORERS))
def test_explorer_redraws_the_static_figure_and_steps_aside(stem):
    (path,) = discovery.notebooks([stem])
    cells = _cells(path)
    params = next(c for c in cells if "parameters" in _tags(c))
    assert re.search(r"^interactive: bool = True  # ", _src(params), re.M)
    check = cells[cells.index(params) + 1]
    assert "interactive=interactive" in _src(check)
    function = f"dl.teaching.{EXPLORERS[stem]}"
    explorers = [i for i, c in enumerate(cells) if "dl.teaching.explore(" in _src(c)]
    assert len(explorers) == 1
    i = explorers[0]
    code = _src(cells[i])
    assert "nbval-ignore-output" in _tags(cells[i])
    assert code.startswith("dl.teaching.explore(")  # nothing assigned, nothing to depend on
    assert f"{function}," in code and "interactive=p.interactive" in code
    assert re.search(r"dl\.teaching\.(slider|choices)\(", code)
    assert not re.search(r"\(\s*\d[\d_,.]*\s*,\s*\d", code), "bounds come from the library"
    # the static figure above it comes from the same function
    static = [j for j, c in enumerate(cells[:i]) if f"fig = {function}(" in _src(c)]
    assert static and i - static[-1] <= 3
    # the stored outputs hold no widget (the refresh ran headless)
    assert not cells[i].outputs
    # a predict-first prompt sits right above the explorer
    assert "predict" in _src(cells[i - 1]).lower()


def test_the_interactive_parameter_switches_the_explorer(run_notebook, monkeypatch):
    """Without the headless variable, no widget is built whatever ``interactive`` says, and the
    recorded results are the same either way (nothing depends on the explorer).

    - ``interactive=False`` in a kernel: tests/test_headless.py's nbclient run of 02's own
      explorer cells (``test_nbclient_and_nbval_without_the_variable_step_aside``) runs them with
      the default True, then again after ``interactive = False``: no widget either time.
    - ``interactive=True`` (the default) on the whole lesson in a kernel: tests/test_headless.py's
      plain papermill run of 02_economics (no error, 146.25e6 recorded, the record in the
      notebook).
    - ``interactive=False`` on the whole lesson: here, every cell of 02 in this process (no
      kernel; ``run_notebook`` sets ``interactive = False`` after the parameters cell, as
      papermill's injected cell would), no headless variable: no cell fails and the recorded
      results are those of the run with True."""
    monkeypatch.delenv("DISPATCHLIB_HEADLESS", raising=False)
    monkeypatch.delenv("NBGRADER_EXECUTION", raising=False)
    recorded = run_notebook("02_economics", draws=2000)
    assert recorded["state_revenue_usd"] == pytest.approx(146.25e6)  # 15,000 x 9,750


# --------------------------------------------------------------------------- student copies

def _hash_tree(folder: Path) -> str:
    digest = hashlib.sha256()
    for p in sorted(folder.rglob("*")):
        if p.is_file():
            digest.update(str(p.relative_to(folder)).encode() + p.read_bytes())
    return digest.hexdigest()


def test_student_copy_of_a_small_notebook():
    nb = nbformat.v4.new_notebook()
    nb.metadata["widgets"] = {"state": {}}
    nb.metadata["papermill"] = {"duration": 1.0}
    params = nbformat.v4.new_code_cell("x: int = 1  # unit", metadata={"tags": ["parameters"]})
    shown = nbformat.v4.new_code_cell("print(x)", execution_count=3,
                                      metadata={"tags": ["nbval-check-output"],
                                                "execution": {"iopub.status.busy": "2025-01-01"}},
                                      outputs=[nbformat.v4.new_output("stream", text="1\n")])
    solution = nbformat.v4.new_code_cell("answer_1 = 2", metadata={"tags": ["solution"]})
    notes = nbformat.v4.new_markdown_cell("### Teacher notes", metadata={"tags": ["instructor"]})
    text = nbformat.v4.new_markdown_cell("# 99 · Title")
    meta = {"schema_version": 3, "task": False}
    answer = nbformat.v4.new_code_cell(
        "a = None  # USD\nif True:\n    ### BEGIN SOLUTION\n    a = 6500 / 8 * 12\n"
        "    ### END SOLUTION\nprint(a)", metadata={"nbgrader": {
            **meta, "solution": True, "grade": False, "locked": False, "grade_id": "ex1-a"}})
    test = nbformat.v4.new_code_cell(
        "assert isinstance(a, float)\n### BEGIN HIDDEN TESTS\nassert a == 9750  # 6500 / 8 * 12"
        "\n### END HIDDEN TESTS", metadata={"nbgrader": {
            **meta, "solution": False, "grade": True, "locked": True, "points": 1,
            "grade_id": "ex1-t"}})
    written = nbformat.v4.new_markdown_cell("The model answer.", metadata={"nbgrader": {
        **meta, "solution": True, "grade": True, "locked": False, "points": 2,
        "grade_id": "ex1-w"}})
    nb.cells = [text, params, shown, solution, notes, answer, test, written]
    before = nbformat.writes(nb)
    copy = classroom.student_copy(nb)
    assert nbformat.writes(nb) == before  # the teacher's notebook is not changed
    assert [c.source for c in copy.cells] == [
        "# 99 · Title", "x: int = 1  # unit", "print(x)",
        "a = None  # USD\nif True:\n    # YOUR CODE HERE\n    raise NotImplementedError()\n"
        "print(a)", "assert isinstance(a, float)", "YOUR ANSWER HERE"]
    assert copy.cells[4].metadata["nbgrader"]["grade_id"] == "ex1-t"  # nbgrader can collect it
    assert copy.cells[1].metadata["tags"] == ["parameters"]
    assert copy.cells[2].outputs == [] and copy.cells[2].execution_count is None
    assert copy.cells[2].metadata == {}
    assert "widgets" not in copy.metadata and "papermill" not in copy.metadata
    nbformat.validate(copy)
    # a Korean copy: the same cells, with the Korean answer placeholders (the code stub still
    # raises NotImplementedError, so a blank answer fails its tests)
    korean = classroom.student_copy(nb, lang="ko")
    assert nbformat.writes(nb) == before
    assert [c.source for c in korean.cells] == [
        "# 99 · Title", "x: int = 1  # unit", "print(x)",
        "a = None  # USD\nif True:\n    # 여기에 코드를 작성하라\n    raise NotImplementedError()\n"
        "print(a)", "assert isinstance(a, float)", "여기에 답을 쓰라"]
    nbformat.validate(korean)


def test_stubs_by_language_and_nbgrader_config():
    assert classroom.stubs() == ("# YOUR CODE HERE\nraise NotImplementedError()",
                                 "YOUR ANSWER HERE")  # nbgrader's defaults
    assert classroom.nbgrader_config("en") == ""
    config = classroom.nbgrader_config("ko")
    assert config == ("c.ClearSolutions.code_stub = "
                      "{'python': '# 여기에 코드를 작성하라\\nraise NotImplementedError()'}\n"
                      "c.ClearSolutions.text_stub = '여기에 답을 쓰라'\n")
    c = type("Config", (), {"ClearSolutions": type("ClearSolutions", (), {})})()
    exec(config, {"c": c})  # noqa: S102 - the lines a teacher pastes into nbgrader_config.py
    assert (c.ClearSolutions.code_stub["python"], c.ClearSolutions.text_stub) == \
        classroom.stubs("ko")
    with pytest.raises(ParameterError, match="--lang"):
        classroom.stubs("fr")


@pytest.mark.parametrize("folder", ["notebooks", "notebooks/sub", "data", "data/"])
def test_student_copies_refuse_the_teachers_folders(folder):
    before = _hash_tree(paths.ROOT / folder.split("/")[0])
    with pytest.raises(ParameterError, match=r"^parameter --out = .* is not allowed"):
        classroom.write_student_copies(paths.ROOT / folder)
    assert _hash_tree(paths.ROOT / folder.split("/")[0]) == before
    assert not (paths.ROOT / "notebooks" / "sub").exists()


def test_student_copies_refuse_a_file(tmp_path):
    target = tmp_path / "file.txt"
    target.write_text("x")
    with pytest.raises(ParameterError, match="a folder, not an existing file"):
        classroom.write_student_copies(target)


def _parser():
    import argparse

    parser = argparse.ArgumentParser(prog="dispatchlib")
    sub = parser.add_subparsers(dest="command", required=True)
    classroom.add_parser(sub)
    return parser


def test_student_command_writes_named_copies(tmp_path, capsys):
    args = _parser().parse_args(["student", "02", "04_prospects", "--out", str(tmp_path / "s")])
    assert args.func(args) == 0
    out = capsys.readouterr().out
    assert "2 student copies written to" in out
    assert sorted(p.name for p in (tmp_path / "s").iterdir()) == ["02_economics.ipynb",
                                                                   "04_prospects.ipynb"]
    mode = (tmp_path / "s" / "02_economics.ipynb").stat().st_mode & 0o777
    assert mode & 0o044, "copies are readable by others (not mkstemp's private mode)"


def test_student_command_is_wired_into_the_command_line(tmp_path):
    """``python -m dispatchlib student``: needs ``classroom.add_parser`` in ``cli.COMMANDS``."""
    assert classroom.add_parser in cli.COMMANDS, "add classroom.add_parser to cli.COMMANDS"
    env = {k: v for k, v in os.environ.items() if k != "DISPATCHLIB_REPORTS_DIR"}
    run = commands.dispatchlib("student", "01", "--out", tmp_path / "copies", env=env,
                               cwd=paths.ROOT, timeout=120)
    assert run.returncode == 0, run.stderr
    assert (tmp_path / "copies" / "01_history.ipynb").is_file()
    bad = commands.dispatchlib("student", "--out", "notebooks", env=env, cwd=paths.ROOT,
                               timeout=120)
    assert bad.returncode == 2
    assert "parameter --out = 'notebooks' is not allowed" in bad.stderr


@pytest.mark.parametrize("source, problem", [
    ("### BEGIN SOLUTION\nx = 1", "without '### END SOLUTION'"),
    ("x = 1\n### END SOLUTION", "without '### BEGIN SOLUTION'"),
    ("### BEGIN SOLUTION\n### BEGIN SOLUTION\n### END SOLUTION", "inside another region"),
])
def test_a_malformed_region_is_refused_naming_the_cell(source, problem):
    nb = nbformat.v4.new_notebook()
    nb.cells = [nbformat.v4.new_code_cell(source, metadata={"nbgrader": {
        "solution": True, "grade": False, "grade_id": "ex1-a", "locked": False,
        "schema_version": 3, "task": False}})]
    with pytest.raises(DispatchlibError, match=f"^99_x.ipynb, cell 0: .*{re.escape(problem)}"):
        classroom.student_copy(nb, "99_x.ipynb")


def test_a_solution_region_outside_a_solution_cell_is_refused():
    nb = nbformat.v4.new_notebook()
    nb.cells = [nbformat.v4.new_code_cell("### BEGIN SOLUTION\nx = 1\n### END SOLUTION")]
    with pytest.raises(DispatchlibError, match="does not say solution: true"):
        classroom.student_copy(nb, "99_x.ipynb")


def _execute_blank(copy: Path, target: Path) -> Path:
    """Run a student copy to the end, as a student who runs every cell without answering would;
    errors are kept in the outputs (the test says where they may be)."""
    import nbclient

    os.environ["DISPATCHLIB_HEADLESS"] = "1"
    nb = nbformat.read(copy, as_version=4)
    nbclient.NotebookClient(nb, kernel_name="python3", timeout=300, allow_errors=True,
                            resources={"metadata": {"path": str(copy.parent)}}).execute()
    target.parent.mkdir(parents=True, exist_ok=True)
    nbformat.write(nb, target)
    return target


#: nbgrader's autograde executes the student copies in tests/test_nbgrader.py
HAS_NBGRADER = importlib.util.find_spec("nbgrader") is not None


@pytest.fixture(scope="module")
def student_copies(tmp_path_factory):
    """Every student copy (notebooks/ unchanged by writing them)."""
    folder = tmp_path_factory.mktemp("student")
    before = _hash_tree(paths.ROOT / "notebooks")
    copies = classroom.write_student_copies(folder / "copies")
    assert _hash_tree(paths.ROOT / "notebooks") == before, "notebooks/ must not change"
    return copies


def test_student_copies_hold_no_solutions_hidden_tests_notes_or_outputs(student_copies):
    copies = student_copies
    assert [c.name for c in copies] == [p.name for p in NOTEBOOKS]
    for copy in copies:
        nb = nbformat.read(copy, as_version=4)
        assert nb.metadata["dispatchlib"] == {"copy": "student", "source": copy.name}
        assert "widgets" not in nb.metadata
        teacher = nbformat.read(paths.notebooks_dir() / copy.name, as_version=4)
        kept = [c for c in teacher.cells if not {"instructor", "solution"} & set(_tags(c))]
        assert len(nb.cells) == len(kept)
        text = "\n".join(_src(c) for c in nb.cells)
        assert "### BEGIN HIDDEN TESTS" not in text and "### BEGIN SOLUTION" not in text
        for cell, mine in zip(kept, nb.cells, strict=True):
            assert not {"solution", "instructor"} & set(_tags(mine))
            if mine.cell_type == "code":
                assert mine.outputs == [] and mine.execution_count is None
            g = _grader(cell)
            if g.get("solution") and cell.cell_type == "markdown":
                assert _src(mine) == "YOUR ANSWER HERE"
            elif g.get("solution"):
                assert "raise NotImplementedError()" in _src(mine)
                for region in SOLUTION.findall(_src(cell)):
                    for line in filter(str.strip, region.splitlines()):
                        assert line.strip() not in _src(mine), (copy.name, line)
        # no expected value of a hidden test anywhere in the exercise's own cells
        exercises = _exercises(nb.cells)
        assert len(exercises) >= 3
        for k, ex in _exercises(teacher.cells).items():
            expected = set().union(*(_hidden_literals(_src(teacher.cells[i]))
                                     for i in ex["test"])) if ex["test"] else set()
            mine = exercises[k]
            shown = "\n".join(_src(nb.cells[i]) for i in [mine["prompt"]] + mine["answer"]
                              + mine["test"] + mine["written"])
            for value in expected:
                assert not re.search(rf"(?<![\d.,]){re.escape(value)}(?![\d]|[.,]\d)", shown), \
                    f"{copy.name} exercise {k} shows the expected {value}"


def check_blank_run(name: str, cells) -> None:
    """The cells of a student copy executed with blank answers: errors only where the student
    has to write (answer cells, each stopping at its stub, as nbgrader's would) and in the tests
    of those answers; every other cell runs, to the housekeeping section at the end."""
    exercise = {i for ex in _exercises(cells).values() for i in ex["answer"] + ex["test"]}
    for i, cell in enumerate(cells):
        if cell.cell_type != "code" or i in exercise:
            continue
        errors = [o for o in cell.outputs if o["output_type"] == "error"]
        assert not errors, f"{name} cell {i}: {errors[0]['ename']}: {errors[0]['evalue']}"
    for ex in _exercises(cells).values():
        for i in ex["answer"]:
            names = [o.get("ename") for o in cells[i].outputs if o["output_type"] == "error"]
            assert names == ["NotImplementedError"], (name, i, names)
    assert cells[-1].outputs, f"{name}: the housekeeping cell did not run"


@pytest.mark.skipif(HAS_NBGRADER, reason="nbgrader's autograde runs these copies blank: "
                    "tests/test_nbgrader.py::test_every_student_copy_runs_with_blank_answers")
def test_every_student_copy_runs_with_blank_answers(student_copies, tmp_path):
    """Without nbgrader: every student copy executed here (two at a time), then
    :func:`check_blank_run`."""
    targets = [tmp_path / "executed" / c.name for c in student_copies]
    with ProcessPoolExecutor(max_workers=min(2, workers.default_jobs()),
                             mp_context=get_context("spawn")) as pool:
        executed = list(pool.map(_execute_blank, student_copies, targets))
    for copy, done in zip(student_copies, executed, strict=True):
        check_blank_run(copy.name, nbformat.read(done, as_version=4).cells)


def test_student_copies_never_overwrite_a_run_or_a_students_own_work(tmp_path, capsys):
    run = tmp_path / "reports" / "full"
    run.mkdir(parents=True)
    (run / "run.json").write_text('{"name": "full"}')
    (run / "02_economics.ipynb").write_text('{"executed": true}')
    with pytest.raises(ParameterError, match="not a run's folder"):
        classroom.write_student_copies(run, ["02"])
    with pytest.raises(ParameterError, match="not a run's folder"):
        classroom.write_student_copies(run, ["02"], replace=True)  # a run is never a class
    assert (run / "02_economics.ipynb").read_text() == '{"executed": true}'
    with pytest.raises(ParameterError, match="not the repository"):  # it holds the lessons
        classroom.write_student_copies(paths.ROOT.parent, ["02"])
    mine = tmp_path / "class"
    mine.mkdir()
    (mine / "02_economics.ipynb").write_text("my answers")
    (mine / "04_prospects.ipynb").write_text("more answers")
    with pytest.raises(DispatchlibError, match=re.escape(
            f"{mine.resolve() / '02_economics.ipynb'} exists and is not a student copy written "
            "by this command: not overwriting it; give --replace")):
        classroom.write_student_copies(mine, ["02", "04"])
    assert sorted(p.read_text() for p in mine.iterdir()) == ["more answers", "my answers"]
    # the command's own copies are replaced without a word; --replace replaces the rest
    (mine / "04_prospects.ipynb").unlink()
    classroom.write_student_copies(mine, ["04"])
    classroom.write_student_copies(mine, ["04"])
    written = classroom.write_student_copies(mine, ["02", "04"], replace=True)
    assert all(classroom.is_student_copy(p) for p in written)
