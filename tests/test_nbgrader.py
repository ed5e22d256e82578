"""nbgrader itself on the lessons (the optional extra ``classroom``, installed by ``make setup``).

In a temporary course folder with its own SQLite gradebook: ``nbgrader generate_assignment``
releases every lesson that has exercises (it refuses duplicate grade ids, changed locked cells
and malformed regions), then ``nbgrader autograde`` grades two submissions, one kernel run per
notebook each:

- a **blank** one: the student copies written by ``python -m dispatchlib student``, handed in
  unanswered. Their code cells are nbgrader's released copies' code cells, cell for cell (checked
  below), so this one execution is the proof for both: it scores 0, no cell fails outside the
  answer and test cells, and every answer cell stops at its stub (the check of the student
  copies, which tests/test_classroom.py runs itself only where nbgrader is missing);
- the **teacher's** copies handed in as a student's: every autograded test passes, so it scores
  the full autograded points. Written answers (markdown cells with points) are left to the
  teacher's manual grading: nbgrader flags them ``needs_manual_grade`` and counts them 0 until a
  teacher grades them (in the blank submission they are unchanged, so nbgrader scores them 0
  without asking).

The kernels nbgrader starts are warm ones (forked from the project's fork server,
``dispatchlib.run.warm``, which tests/test_warm.py proves give a lesson the same outputs as cold
ones): only the grading is under test here, not how a kernel starts.
"""

import shutil
from pathlib import Path

import nbformat
import pytest
from conftest import nbgrader, nbgrader_autograde, nbgrader_course

from dispatchlib.run import discovery

pytest.importorskip("nbgrader", reason="nbgrader is the optional extra 'classroom'")

ASSIGNMENT = "lessons"


def _graded(path: Path) -> bool:
    return any("nbgrader" in c.get("metadata", {})
               for c in nbformat.read(path, as_version=4).cells)


LESSONS = [p for p in discovery.notebooks() if _graded(p)]



@pytest.fixture(scope="module")
def course(tmp_path_factory):
    """A course folder: lessons released, then the student copies handed in blank and the
    teacher's copies, both graded."""
    from dispatchlib.teaching import classroom

    root = tmp_path_factory.mktemp("course")
    nbgrader_course(root, "dispatchlib")
    source = root / "source" / ASSIGNMENT
    source.mkdir(parents=True)
    for lesson in LESSONS:
        shutil.copy(lesson, source / lesson.name)
    nbgrader(root, "generate_assignment", ASSIGNMENT, "--force")
    classroom.write_student_copies(root / "submitted" / "blank" / ASSIGNMENT,
                                   [p.stem for p in LESSONS])
    target = root / "submitted" / "teacher" / ASSIGNMENT
    target.mkdir(parents=True)
    for lesson in LESSONS:
        shutil.copy(source / lesson.name, target / lesson.name)
    nbgrader_autograde(root, ASSIGNMENT)
    return root


def _scores(course: Path, student: str) -> dict[str, dict]:
    from nbgrader.api import Gradebook

    with Gradebook(f"sqlite:///{course / 'gradebook.db'}") as gb:
        return {nb.name: {"code": nb.code_score, "max_code": nb.max_code_score,
                          "written": nb.written_score, "max_written": nb.max_written_score,
                          "manual": nb.needs_manual_grade, "score": nb.score}
                for nb in gb.find_submission(ASSIGNMENT, student).notebooks}


def test_lessons_with_exercises_are_graded():
    stems = {p.stem for p in LESSONS}
    assert {"00_start-here", "02_economics"} <= stems, stems


def test_released_copies_match_the_student_command(course):
    """nbgrader's release and ``python -m dispatchlib student`` strip the same regions, and
    their code cells are the same cells in the same order (so running one runs the other)."""
    for lesson in LESSONS:
        released = nbformat.read(course / "release" / ASSIGNMENT / lesson.name, as_version=4)
        mine = nbformat.read(course / "submitted" / "blank" / ASSIGNMENT / lesson.name,
                             as_version=4)
        assert mine.metadata["dispatchlib"]["copy"] == "student", lesson.name
        theirs = {c.metadata["nbgrader"]["grade_id"]: c.source.strip()
                  for c in released.cells if "nbgrader" in c.metadata}
        for cell in mine.cells:
            if "nbgrader" in cell.metadata:
                assert cell.source.strip() == theirs[cell.metadata["nbgrader"]["grade_id"]], \
                    (lesson.name, cell.metadata["nbgrader"]["grade_id"])
        assert [c.source.strip() for c in mine.cells if c.cell_type == "code"] == \
            [c.source.strip() for c in released.cells if c.cell_type == "code"], lesson.name


def test_blank_submission_scores_zero_without_crashing(course):
    scores = _scores(course, "blank")
    assert set(scores) == {p.stem for p in LESSONS}
    for name, s in scores.items():
        assert s["score"] == 0 and s["code"] == 0 and s["max_code"] > 0, (name, s)
        assert not s["manual"], f"{name}: an unchanged written answer needs no grading"
    for lesson in LESSONS:
        graded = nbformat.read(course / "autograded" / "blank" / ASSIGNMENT / lesson.name,
                               as_version=4)
        for i, cell in enumerate(graded.cells):
            errors = [o for o in cell.get("outputs", []) if o["output_type"] == "error"]
            if errors and "nbgrader" not in cell.metadata:
                pytest.fail(f"{lesson.name} cell {i} failed outside the exercises: "
                            f"{errors[0]['ename']}: {errors[0]['evalue']}")
        assert graded.cells[-1].outputs, f"{lesson.name}: the last cell did not run"


def test_every_student_copy_runs_with_blank_answers(course):
    """Moved here from tests/test_classroom.py: the student copies, executed once by nbgrader's
    autograde with blank answers, fail only where the student has to write (answer cells,
    each stopping at its stub) and in the tests of those answers, and run to the housekeeping
    section at the end. Every lesson has a student copy."""
    from test_classroom import NOTEBOOKS, check_blank_run

    assert [p.name for p in LESSONS] == [p.name for p in NOTEBOOKS]
    for lesson in LESSONS:
        done = course / "autograded" / "blank" / ASSIGNMENT / lesson.name
        check_blank_run(lesson.name, nbformat.read(done, as_version=4).cells)


def test_teachers_copy_scores_full_autograded_marks(course):
    for name, s in _scores(course, "teacher").items():
        assert s["code"] == s["max_code"] > 0, (name, s)
        # written answers wait for the teacher: flagged, counted 0 until graded by hand
        assert s["manual"] == (s["max_written"] > 0), (name, s)
