"""nbgrader itself on the lessons (the optional extra ``classroom``, installed by ``make setup``).

In a temporary course folder with its own SQLite gradebook: ``nbgrader generate_assignment``
releases every lesson that has exercises (it refuses duplicate grade ids, changed locked cells
and malformed regions), then ``nbgrader autograde`` grades two submissions, one kernel run per
notebook each:

- a **blank** one, the released copies as they are: it scores 0 and no cell fails outside the
  answer and test cells;
- the **teacher's** copies handed in as a student's: every autograded test passes, so it scores
  the full autograded points. Written answers (markdown cells with points) are left to the
  teacher's manual grading: nbgrader flags them ``needs_manual_grade`` and counts them 0 until a
  teacher grades them (in the blank submission they are unchanged, so nbgrader scores them 0
  without asking).
"""

import os
import shutil
import subprocess
import sys
from pathlib import Path

import nbformat
import pytest

from dispatchlib.run import discovery

pytest.importorskip("nbgrader", reason="nbgrader is the optional extra 'classroom'")

ASSIGNMENT = "lessons"


def _graded(path: Path) -> bool:
    return any("nbgrader" in c.get("metadata", {})
               for c in nbformat.read(path, as_version=4).cells)


LESSONS = [p for p in discovery.notebooks() if _graded(p)]


def _nbgrader(course: Path, *args: str) -> subprocess.CompletedProcess:
    # nbgrader runs alembic (its gradebook migrations) as a command: the venv's, on the PATH
    env = {**os.environ, "DISPATCHLIB_HEADLESS": "1",
           "PATH": os.pathsep.join([str(Path(sys.executable).parent), os.environ["PATH"]])}
    run = subprocess.run([sys.executable, "-m", "nbgrader", *args], cwd=course, env=env,
                         capture_output=True, text=True, timeout=1800)
    assert run.returncode == 0, f"nbgrader {' '.join(args)}:\n{run.stdout}\n{run.stderr}"
    return run


@pytest.fixture(scope="module")
def course(tmp_path_factory):
    """A course folder: lessons released, then a blank and the teacher's submission graded."""
    root = tmp_path_factory.mktemp("course")
    (root / "nbgrader_config.py").write_text(
        "c = get_config()\n"
        f"c.CourseDirectory.root = {str(root)!r}\n"
        "c.CourseDirectory.course_id = 'dispatchlib'\n"
        f"c.CourseDirectory.db_url = 'sqlite:///{root / 'gradebook.db'}'\n"
        "c.Execute.timeout = 300\n"  # seconds per cell (nbgrader's default is 30)
        "c.ExecutePreprocessor.kernel_name = 'python3'\n", encoding="utf-8")
    source = root / "source" / ASSIGNMENT
    source.mkdir(parents=True)
    for lesson in LESSONS:
        shutil.copy(lesson, source / lesson.name)
    _nbgrader(root, "db", "student", "add", "blank")
    _nbgrader(root, "db", "student", "add", "teacher")
    _nbgrader(root, "generate_assignment", ASSIGNMENT, "--force")
    released = root / "release" / ASSIGNMENT
    for student, folder in (("blank", released), ("teacher", source)):
        target = root / "submitted" / student / ASSIGNMENT
        target.mkdir(parents=True)
        for lesson in LESSONS:
            shutil.copy(folder / lesson.name, target / lesson.name)
    _nbgrader(root, "autograde", ASSIGNMENT, "--force")
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


def test_released_copies_match_the_student_command(course, tmp_path):
    """nbgrader's release and ``python -m dispatchlib student`` strip the same regions."""
    from dispatchlib.teaching import classroom

    ours = classroom.write_student_copies(tmp_path, [p.stem for p in LESSONS])
    for copy in ours:
        released = nbformat.read(course / "release" / ASSIGNMENT / copy.name, as_version=4)
        mine = nbformat.read(copy, as_version=4)
        theirs = {c.metadata["nbgrader"]["grade_id"]: c.source.strip()
                  for c in released.cells if "nbgrader" in c.metadata}
        for cell in mine.cells:
            if "nbgrader" in cell.metadata:
                assert cell.source.strip() == theirs[cell.metadata["nbgrader"]["grade_id"]], \
                    (copy.name, cell.metadata["nbgrader"]["grade_id"])


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


def test_teachers_copy_scores_full_autograded_marks(course):
    for name, s in _scores(course, "teacher").items():
        assert s["code"] == s["max_code"] > 0, (name, s)
        # written answers wait for the teacher: flagged, counted 0 until graded by hand
        assert s["manual"] == (s["max_written"] > 0), (name, s)
