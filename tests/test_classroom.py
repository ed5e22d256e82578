"""The classroom layer of the lessons: exercises with self-checks and solutions, teacher notes,
discussion questions, explorers, and the student copies (``python -m dispatchlib student``).

Student copies are generated and every one of them is executed with blank exercises: that is
the proof that a blank answer never breaks a later cell.
"""

import hashlib
import json
import os
import re
import subprocess
import sys
from concurrent.futures import ProcessPoolExecutor
from multiprocessing import get_context
from pathlib import Path

import nbformat
import pytest

from dispatchlib import cli, paths
from dispatchlib.errors import DispatchlibError, ParameterError
from dispatchlib.run import discovery, engine, workers
from dispatchlib.teaching import classroom

NOTEBOOKS = discovery.notebooks()
LESSONS = [p for p in NOTEBOOKS if p.name[:2] != "00"]  # 01 to 06
EXPLORERS = {"01_history": "reconciled_figure", "02_economics": "revenue_figure",
             "04_prospects": "ramp_figure"}


def _cells(path):
    return nbformat.read(path, as_version=4).cells


def _src(cell):
    return cell.source if isinstance(cell.source, str) else "".join(cell.source)


def _tags(cell):
    return cell.get("metadata", {}).get("tags", [])


def _exercises(cells):
    """(index of the check cell, k) for every exercise: a code cell that is not a solution and
    assigns ``answer_k`` and calls check_answer."""
    out = []
    for i, cell in enumerate(cells):
        m = re.search(r"^answer_(\d+)\s*=", _src(cell), re.M)
        if (cell.cell_type == "code" and m and "solution" not in _tags(cell)
                and "check_answer(" in _src(cell)):
            out.append((i, int(m.group(1))))
    return out


# --------------------------------------------------------------------------- lesson structure

@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.stem)
def test_three_exercises_each_with_self_check_hint_and_solution(path):
    cells = _cells(path)
    exercises = _exercises(cells)
    assert [k for _, k in exercises] == list(range(1, len(exercises) + 1))
    assert len(exercises) >= 3, f"{path.stem}: at least three exercises"
    heading = next(i for i, c in enumerate(cells) if _src(c).startswith("## Exercises"))
    # rising difficulty: change a parameter and predict; compute something new with library
    # functions; an analysis of one's own (00, the first steps, asks for simpler things)
    kinds = (["predict", "compute something new", "your own analysis"] if path in LESSONS
             else ["predict", "", ""])
    for (i, k), kind in zip(exercises, kinds, strict=False):
        prompt = _src(cells[i - 1])
        assert cells[i - 1].cell_type == "markdown" and f"**Exercise {k}" in prompt
        assert re.search(kind, prompt, re.I), f"{path.stem} exercise {k}: {kind}?"
    for n, (i, k) in enumerate(exercises):
        check = _src(cells[i])
        assert i > heading
        assert re.search(rf"^answer_{k} = \.\.\.", check, re.M), "the answer starts blank"
        assert "hint=" in check, f"{path.stem} exercise {k}: the self-check gives a hint"
        end = exercises[n + 1][0] if n + 1 < len(exercises) else len(cells)
        solutions = [c for c in cells[i + 1:end] if "solution" in _tags(c)]
        assert solutions, f"{path.stem} exercise {k} has no cell tagged 'solution'"
        assert any("check_answer(" in _src(c) for c in solutions)


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.stem)
def test_text_discussing_a_solution_is_part_of_it(path):
    """Prose right after a solution (which would give the answer away in a student copy) is
    tagged ``solution`` too; what follows a solution is otherwise a new prompt or section."""
    cells = _cells(path)
    for before, cell in zip(cells, cells[1:], strict=False):
        if "solution" in _tags(before) and cell.cell_type == "markdown":
            assert ("solution" in _tags(cell) or "instructor" in _tags(cell)
                    or _src(cell).startswith(("**Exercise", "#"))), (path.stem, _src(cell)[:80])


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.stem)
def test_exercises_are_leaves(path):
    """No cell after an exercise uses its answer, except the exercise's own solution."""
    cells = _cells(path)
    for i, k in _exercises(cells):
        for cell in cells[i + 1:]:
            if "solution" in _tags(cell) or cell.cell_type != "code":
                continue
            assert not re.search(rf"\banswer_{k}\b", _src(cell)), (path.stem, k, _src(cell))


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.stem)
def test_teacher_notes_and_closing_discussion(path):
    cells = _cells(path)
    notes = [c for c in cells if "instructor" in _tags(c)]
    assert len(notes) == 1 and notes[0].cell_type == "markdown"
    text = _src(notes[0])
    for part in ("Timing", "Misconception", "Live demo"):
        assert part.lower() in text.lower(), f"{path.stem}: teacher notes lack {part}"
    titles = [_src(c).splitlines()[0] for c in cells if c.cell_type == "markdown"]
    sections = [t for t in titles if t.startswith("## ")]
    assert sections[-2:] == ["## Discussion", "## Sources"], "Discussion, then Sources, close it"
    discussion = next(_src(c) for c in cells if _src(c).startswith("## Discussion"))
    questions = re.findall(r"^\d+\. \*\*(.+?)\*\*", discussion, re.M)
    assert 3 <= len(questions) <= 4, questions
    assert any(re.search(r"source|reliab", q, re.I) for q in questions), questions
    assert any(re.search(r"rights", q, re.I) for q in questions), questions
    last_exercise = _exercises(cells)[-1][0]
    assert cells.index(next(c for c in cells if _src(c).startswith("## Discussion"))) \
        > last_exercise


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


@pytest.mark.parametrize("interactive", [False, True])
def test_the_interactive_parameter_switches_the_explorer(tmp_path, monkeypatch, interactive):
    """Without the headless variable, papermill still builds no widgets, whatever
    ``interactive`` says (no frontend to show them: see tests/test_headless.py); the recorded
    results are the same either way (nothing depends on the explorer)."""
    import papermill

    from dispatchlib import results
    from dispatchlib.results import MIME_TYPE

    monkeypatch.delenv("DISPATCHLIB_HEADLESS", raising=False)
    monkeypatch.delenv("NBGRADER_EXECUTION", raising=False)
    (source,) = discovery.notebooks(["02_economics"])
    target = tmp_path / "out.ipynb"
    # a timeout turns a stall into a failure, not a hang
    papermill.execute_notebook(str(source), str(target), kernel_name="python3",
                               parameters={"interactive": interactive, "draws": 2000},
                               progress_bar=False, execution_timeout=120)
    cells = nbformat.read(target, as_version=4).cells
    (explorer,) = [c for c in cells if _src(c).startswith("dl.teaching.explore(")]
    views = [o for o in explorer.outputs
             if "application/vnd.jupyter.widget-view+json" in o.get("data", {})]
    assert not views and explorer.execution_count  # ran, and stepped aside
    assert not [o for c in cells for o in c.get("outputs", []) if o["output_type"] == "error"]
    recorded = results.extract(target)["results"]
    assert recorded["state_revenue_usd"] == pytest.approx(146.25e6)  # 15,000 x 9,750
    assert any(MIME_TYPE in o.get("data", {}) for c in cells for o in c.get("outputs", []))


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
    nb.cells = [text, params, shown, solution, notes]
    before = nbformat.writes(nb)
    copy = classroom.student_copy(nb)
    assert nbformat.writes(nb) == before  # the teacher's notebook is not changed
    assert [c.source for c in copy.cells] == ["# 99 · Title", "x: int = 1  # unit", "print(x)"]
    assert copy.cells[1].metadata["tags"] == ["parameters"]
    assert copy.cells[2].outputs == [] and copy.cells[2].execution_count is None
    assert copy.cells[2].metadata == {}
    assert "widgets" not in copy.metadata and "papermill" not in copy.metadata
    nbformat.validate(copy)


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
    run = subprocess.run([sys.executable, "-m", "dispatchlib", "student", "01",
                          "--out", str(tmp_path / "copies")],
                         capture_output=True, text=True, env=env, cwd=paths.ROOT, timeout=120)
    assert run.returncode == 0, run.stderr
    assert (tmp_path / "copies" / "01_history.ipynb").is_file()
    bad = subprocess.run([sys.executable, "-m", "dispatchlib", "student", "--out", "notebooks"],
                         capture_output=True, text=True, env=env, cwd=paths.ROOT, timeout=120)
    assert bad.returncode == 2
    assert "parameter --out = 'notebooks' is not allowed" in bad.stderr


@pytest.fixture(scope="module")
def student_copies(tmp_path_factory):
    """Every student copy, then every copy executed with papermill (blank exercises)."""
    folder = tmp_path_factory.mktemp("student")
    before = _hash_tree(paths.ROOT / "notebooks")
    copies = classroom.write_student_copies(folder / "copies")
    assert _hash_tree(paths.ROOT / "notebooks") == before, "notebooks/ must not change"
    targets = [folder / "executed" / c.name for c in copies]
    # engine.execute runs papermill with DISPATCHLIB_HEADLESS=1, two notebooks at a time
    with ProcessPoolExecutor(max_workers=min(2, workers.default_jobs()),
                             mp_context=get_context("spawn")) as pool:
        executed = list(pool.map(engine.execute, copies, targets))
    return copies, executed


def test_student_copies_hold_no_solutions_notes_or_outputs(student_copies):
    copies, _ = student_copies
    assert [c.name for c in copies] == [p.name for p in NOTEBOOKS]
    for copy in copies:
        nb = nbformat.read(copy, as_version=4)
        assert nb.metadata["dispatchlib"] == {"copy": "student", "source": copy.name}
        assert "widgets" not in nb.metadata
        teacher = nbformat.read(paths.notebooks_dir() / copy.name, as_version=4)
        kept = [c for c in teacher.cells
                if not {"solution", "instructor"} & set(c.get("metadata", {}).get("tags", []))]
        assert [c.source for c in nb.cells] == [c.source for c in kept]
        for cell in nb.cells:
            assert not {"solution", "instructor"} & set(_tags(cell))
            if cell.cell_type == "code":
                assert cell.outputs == [] and cell.execution_count is None
        assert len(_exercises(nb.cells)) >= 3


def test_every_student_copy_runs_with_blank_exercises(student_copies):
    copies, executed = student_copies
    for copy, done in zip(copies, executed, strict=True):
        nb = json.loads(done.read_text(encoding="utf-8"))
        errors = [o for c in nb["cells"] for o in c.get("outputs", [])
                  if o["output_type"] == "error"]
        assert not errors, f"{copy.name}: {errors[0]['ename']}: {errors[0]['evalue']}"
        cells = nbformat.reads(json.dumps(nb), as_version=4).cells
        for i, k in _exercises(cells):
            text = "".join(o.get("text", "") for o in cells[i].outputs)
            assert f"Exercise {k}: no answer yet" in text, (copy.name, k, text)
        # the cells after the exercises ran too: the sources table is the last output
        assert cells[-1].outputs, f"{copy.name}: the last cell did not run"
        assert (done.parent / f"{done.stem}.results.json").is_file()


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
