"""The Korean lessons in class (issue 15, point 2): ``python -m dispatchlib student --lang ko``
makes Korean student copies by the same rules as the English ones, and nbgrader works on a Korean
lesson as on the English ones (tests/test_nbgrader.py does the same for every English lesson).

The Korean copies replace the solutions with Korean stubs (``# 여기에 코드를 작성하라`` /
``raise NotImplementedError()`` and ``여기에 답을 쓰라``), and a Korean course configures
nbgrader's ClearSolutions with the same texts (``classroom.nbgrader_config("ko")``, as
docs/classroom.md tells teachers). One Korean lesson with exercises (00_start-here: the quickest
to execute) is released with ``nbgrader generate_assignment`` in such a temporary course;
``nbgrader autograde`` then grades the released copy handed in blank (0 points; its written
answer, left as the Korean stub, scores 0 without manual grading) and the teacher's Korean copy
handed in as a student's (every autograded point). nbgrader's kernels are warm ones, as in
tests/test_nbgrader.py: only the grading is under test here, not how a kernel starts.
"""

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import nbformat
import pytest
from conftest import nbgrader, nbgrader_autograde, nbgrader_course

from dispatchlib.run import discovery
from dispatchlib.teaching import classroom

pytest.importorskip("nbgrader", reason="nbgrader is the optional extra 'classroom'")

LESSON = "00_start-here"
ASSIGNMENT = "lessons"
HANGUL = re.compile(r"[가-힣]")


@pytest.fixture(scope="module")
def lessons(tmp_path_factory) -> Path:
    """A copy of ``notebooks/`` holding the English lesson and its Korean edition in ``ko/``
    (as committed, or built from the catalogue when it is not built yet)."""
    from dispatchlib.i18n import build

    folder = tmp_path_factory.mktemp("notebooks")
    (folder / "ko").mkdir()
    source = discovery.notebooks([LESSON])[0]
    shutil.copy(source, folder / source.name)
    committed = discovery.notebooks_folder("ko") / source.name
    if committed.exists():
        shutil.copy(committed, folder / "ko" / source.name)
    else:
        nb = build.build(source, "ko", allow_stale=True)
        (folder / "ko" / source.name).write_text(build.dumps(nb), encoding="utf-8")
    return folder


@pytest.fixture(scope="module")
def course(tmp_path_factory, lessons) -> Path:
    """The Korean lesson released, then a blank and the teacher's submission autograded."""
    root = tmp_path_factory.mktemp("course")
    nbgrader_course(root, "dispatchlib-ko", classroom.nbgrader_config("ko"))
    source = root / "source" / ASSIGNMENT
    source.mkdir(parents=True)
    shutil.copy(lessons / "ko" / f"{LESSON}.ipynb", source)
    nbgrader(root, "generate_assignment", ASSIGNMENT, "--force", timeout=900)
    for student, folder in (("blank", root / "release" / ASSIGNMENT), ("teacher", source)):
        target = root / "submitted" / student / ASSIGNMENT
        target.mkdir(parents=True)
        shutil.copy(folder / f"{LESSON}.ipynb", target)
    nbgrader_autograde(root, ASSIGNMENT, timeout=900)
    return root


def _score(course: Path, student: str) -> dict:
    from nbgrader.api import Gradebook

    with Gradebook(f"sqlite:///{course / 'gradebook.db'}") as gb:
        (nb,) = gb.find_submission(ASSIGNMENT, student).notebooks
        return {"code": nb.code_score, "max_code": nb.max_code_score, "score": nb.score,
                "manual": nb.needs_manual_grade, "max_written": nb.max_written_score}


@pytest.fixture(scope="module")
def copy(tmp_path_factory, lessons) -> Path:
    """``student --lang ko`` for the lesson, through the command line."""
    out = tmp_path_factory.mktemp("student-ko")
    env = {**os.environ, "DISPATCHLIB_NOTEBOOKS_DIR": str(lessons)}
    done = subprocess.run([sys.executable, "-m", "dispatchlib", "student", "--lang", "ko",
                           "--out", str(out), LESSON], env=env, capture_output=True, text=True,
                          timeout=300)
    assert done.returncode == 0, done.stdout + done.stderr
    return out / f"{LESSON}.ipynb"


def test_korean_student_copy_follows_the_english_rules(copy, lessons):
    teacher = nbformat.read(lessons / "ko" / f"{LESSON}.ipynb", as_version=4)
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
        nbformat.read(lessons / f"{LESSON}.ipynb", as_version=4), LESSON)
    assert [c.id for c in student.cells] == [c.id for c in english.cells]
    assert 'dl.use_language("ko")' in text
    assert len(HANGUL.findall(text)) > 1000


def test_korean_copy_matches_nbgrader_release(course, copy):
    released = nbformat.read(course / "release" / ASSIGNMENT / f"{LESSON}.ipynb", as_version=4)
    theirs = {c.metadata["nbgrader"]["grade_id"]: c.source.strip()
              for c in released.cells if "nbgrader" in c.metadata}
    mine = nbformat.read(copy, as_version=4)
    graded = [c for c in mine.cells if "nbgrader" in c.metadata]
    assert graded
    for cell in graded:
        assert cell.source.strip() == theirs[cell.metadata["nbgrader"]["grade_id"]]


def test_blank_korean_submission_scores_zero(course):
    s = _score(course, "blank")
    assert s["score"] == 0 and s["code"] == 0 and s["max_code"] > 0, s
    # a written answer left as the Korean stub is recognised as blank: 0 without manual grading
    assert s["max_written"] > 0 and not s["manual"], s
    graded = nbformat.read(course / "autograded" / "blank" / ASSIGNMENT / f"{LESSON}.ipynb",
                           as_version=4)
    for i, cell in enumerate(graded.cells):
        errors = [o for o in cell.get("outputs", []) if o["output_type"] == "error"]
        assert not errors or "nbgrader" in cell.metadata, (i, errors[:1])


def test_solved_korean_submission_scores_full_marks(course):
    s = _score(course, "teacher")
    assert s["code"] == s["max_code"] > 0, s
    assert s["manual"] == (s["max_written"] > 0), s
