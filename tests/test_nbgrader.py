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

The Korean lessons in class (issue 15, point 2; moved here from tests/test_i18n_classroom.py so
that one course, one ``nbgrader autograde`` and one fork server grade both languages):
``python -m dispatchlib student --lang ko`` makes Korean student copies by the same rules as the
English ones, with Korean stubs (``# 여기에 코드를 작성하라`` / ``raise NotImplementedError()``
and ``여기에 답을 쓰라``). The Korean 00_start-here (the quickest lesson to execute) is released
as a second assignment of the same course, ``lessons-ko``, with the course's
``nbgrader_config.py`` holding ``classroom.nbgrader_config("ko")`` (as docs/classroom.md tells
teachers of a Korean course); autograde then grades the released copy handed in blank (0
points; its written answer, left as the Korean stub, scores 0 without manual grading) and the
teacher's Korean copy (every autograded point).
"""

import os
import re
import shutil
from pathlib import Path

import commands
import nbformat
import pytest
from conftest import nbgrader, nbgrader_autograde, nbgrader_course

from dispatchlib.run import discovery
from dispatchlib.teaching import classroom

pytest.importorskip("nbgrader", reason="nbgrader is the optional extra 'classroom'")

ASSIGNMENT = "lessons"
KO_ASSIGNMENT = "lessons-ko"
KO_LESSON = "00_start-here"
HANGUL = re.compile(r"[가-힣]")


def _graded(path: Path) -> bool:
    return any("nbgrader" in c.get("metadata", {})
               for c in nbformat.read(path, as_version=4).cells)


LESSONS = [p for p in discovery.notebooks() if _graded(p)]



@pytest.fixture(scope="module")
def lessons(tmp_path_factory) -> Path:
    """A copy of ``notebooks/`` holding the Korean lesson's English source and its Korean
    edition in ``ko/`` (as committed, or built from the catalogue when it is not built yet)."""
    from dispatchlib.i18n import build

    folder = tmp_path_factory.mktemp("notebooks")
    (folder / "ko").mkdir()
    source = discovery.notebooks([KO_LESSON])[0]
    shutil.copy(source, folder / source.name)
    committed = discovery.notebooks_folder("ko") / source.name
    if committed.exists():
        shutil.copy(committed, folder / "ko" / source.name)
    else:
        nb = build.build(source, "ko", allow_stale=True)
        (folder / "ko" / source.name).write_text(build.dumps(nb), encoding="utf-8")
    return folder


@pytest.fixture(scope="module")
def course(tmp_path_factory, lessons):
    """A course folder: the English lessons released, then the student copies handed in blank
    and the teacher's copies; the Korean lesson released as ``lessons-ko`` with the Korean
    stubs, then handed in blank (its released copy) and as the teacher's Korean copy. Both
    assignments graded by one ``nbgrader autograde``."""
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
    # the Korean assignment, released with the Korean stubs (the course's config from now on)
    config = root / "nbgrader_config.py"
    config.write_text(config.read_text(encoding="utf-8") + classroom.nbgrader_config("ko"),
                      encoding="utf-8")
    ko_source = root / "source" / KO_ASSIGNMENT
    ko_source.mkdir(parents=True)
    shutil.copy(lessons / "ko" / f"{KO_LESSON}.ipynb", ko_source)
    nbgrader(root, "generate_assignment", KO_ASSIGNMENT, "--force")
    for student, folder in (("blank", root / "release" / KO_ASSIGNMENT), ("teacher", ko_source)):
        ko_target = root / "submitted" / student / KO_ASSIGNMENT
        ko_target.mkdir(parents=True)
        shutil.copy(folder / f"{KO_LESSON}.ipynb", ko_target)
    nbgrader_autograde(root, f"{ASSIGNMENT}*")  # both assignments (nbgrader globs the id)
    return root


def _scores(course: Path, student: str, assignment: str = ASSIGNMENT) -> dict[str, dict]:
    from nbgrader.api import Gradebook

    with Gradebook(f"sqlite:///{course / 'gradebook.db'}") as gb:
        return {nb.name: {"code": nb.code_score, "max_code": nb.max_code_score,
                          "written": nb.written_score, "max_written": nb.max_written_score,
                          "manual": nb.needs_manual_grade, "score": nb.score}
                for nb in gb.find_submission(assignment, student).notebooks}


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


# --------------------------------------------------------------------------- the Korean lessons

@pytest.fixture(scope="module")
def copy(tmp_path_factory, lessons) -> Path:
    """``student --lang ko`` for the lesson, through the command line."""
    out = tmp_path_factory.mktemp("student-ko")
    env = {**os.environ, "DISPATCHLIB_NOTEBOOKS_DIR": str(lessons)}
    done = commands.dispatchlib("student", "--lang", "ko", "--out", out, KO_LESSON, env=env)
    assert done.returncode == 0, done.stdout + done.stderr
    return out / f"{KO_LESSON}.ipynb"


def test_korean_student_copy_follows_the_english_rules(copy, lessons):
    teacher = nbformat.read(lessons / "ko" / f"{KO_LESSON}.ipynb", as_version=4)
    student = nbformat.read(copy, as_version=4)
    assert student.metadata["dispatchlib"] == {"copy": "student", "source": copy.name,
                                               "lang": "ko"}
    text = "\n".join(c.source for c in student.cells)
    for marker in ("### BEGIN SOLUTION", "### END SOLUTION", "### BEGIN HIDDEN TESTS"):
        assert marker in "\n".join(c.source for c in teacher.cells)  # there was one to strip
        assert marker not in text
    assert "raise NotImplementedError()" in text
    # the answer placeholders are Korean: the code stub keeps nbgrader's exception
    code_stub, text_stub = classroom.stubs("ko")
    assert code_stub == "# 여기에 코드를 작성하라\nraise NotImplementedError()"
    assert text_stub == "여기에 답을 쓰라"
    answers = [c for c in student.cells if c.metadata.get("nbgrader", {}).get("solution")]
    assert any(c.cell_type == "code" for c in answers)
    assert any(c.cell_type == "markdown" for c in answers)
    for cell in answers:
        if cell.cell_type == "markdown":
            assert cell.source == text_stub
        else:
            assert code_stub in "\n".join(line.strip() for line in cell.source.split("\n"))
    assert "YOUR CODE HERE" not in text and "YOUR ANSWER HERE" not in text
    tags = {t for c in student.cells for t in c.metadata.get("tags", [])}
    assert not tags & {"solution", "instructor"}
    assert all(not c.get("outputs") for c in student.cells if c.cell_type == "code")
    # the same cells as the English student copy, in Korean
    english = classroom.student_copy(
        nbformat.read(lessons / f"{KO_LESSON}.ipynb", as_version=4), KO_LESSON)
    assert [c.id for c in student.cells] == [c.id for c in english.cells]
    assert 'dl.use_language("ko")' in text
    assert len(HANGUL.findall(text)) > 1000


def test_korean_copy_matches_nbgrader_release(course, copy):
    released = nbformat.read(course / "release" / KO_ASSIGNMENT / f"{KO_LESSON}.ipynb",
                             as_version=4)
    theirs = {c.metadata["nbgrader"]["grade_id"]: c.source.strip()
              for c in released.cells if "nbgrader" in c.metadata}
    mine = nbformat.read(copy, as_version=4)
    graded = [c for c in mine.cells if "nbgrader" in c.metadata]
    assert graded
    for cell in graded:
        assert cell.source.strip() == theirs[cell.metadata["nbgrader"]["grade_id"]]


def test_blank_korean_submission_scores_zero(course):
    (s,) = _scores(course, "blank", KO_ASSIGNMENT).values()
    assert s["score"] == 0 and s["code"] == 0 and s["max_code"] > 0, s
    # a written answer left as the Korean stub is recognised as blank: 0 without manual grading
    assert s["max_written"] > 0 and not s["manual"], s
    graded = nbformat.read(
        course / "autograded" / "blank" / KO_ASSIGNMENT / f"{KO_LESSON}.ipynb", as_version=4)
    for i, cell in enumerate(graded.cells):
        errors = [o for o in cell.get("outputs", []) if o["output_type"] == "error"]
        assert not errors or "nbgrader" in cell.metadata, (i, errors[:1])


def test_solved_korean_submission_scores_full_marks(course):
    (s,) = _scores(course, "teacher", KO_ASSIGNMENT).values()
    assert s["code"] == s["max_code"] > 0, s
    assert s["manual"] == (s["max_written"] > 0), s
