"""The Jupyter tools still work with the pinned jsonschema, and nbformat loads quickly.

jsonschema is held below 4.25 (see pyproject.toml): from 4.25 its ``format-nongpl`` extra, which
jupyter-events requires, adds ``rfc3987-syntax``, and that package builds a lark grammar each
time nbformat is imported (1-2 s on every papermill, nbval, nbconvert and JupyterLab start).
These tests check that the pin leaves pip's resolver satisfied, that nbformat no longer pulls the
grammar in, and that papermill, nbval, nbconvert, jupyter-events and JupyterLab still run.

Each uses a two-cell notebook written into the test's temporary folder, so the lessons
(tested elsewhere) are not needed here. The last tests cover how the runner drives papermill for
speed: its engine writes the executed notebook once (a timed-out one too, with the cells run so
far), workers are forked only from a process with no other thread, and the notebooks that took
longest last time start first.
"""

import json
import os
import subprocess
import sys
from importlib import metadata
from pathlib import Path

import nbformat
import pytest
from nbformat.v4 import new_code_cell, new_notebook, new_output

from dispatchlib.run import engine, planning, warm

BIN = Path(sys.executable).parent
SLOW_IMPORTS = ("rfc3987_syntax", "lark")


def _run(*args, cwd=None, timeout=180):
    env = dict(os.environ)
    env.pop("MPLBACKEND", None)
    return subprocess.run([str(a) for a in args], capture_output=True, text=True, cwd=cwd,
                          timeout=timeout, env=env)


def _notebook(path: Path, stored: str) -> Path:
    """A notebook with a parameters cell and one checked cell whose stored output is ``stored``."""
    params = new_code_cell("a: int = 2  # a number", metadata={"tags": ["parameters"]})
    check = new_code_cell("print(a + 2)", metadata={"tags": ["nbval-check-output"]},
                          outputs=[new_output("stream", name="stdout", text=stored)],
                          execution_count=2)
    params.execution_count = 1
    nb = new_notebook(cells=[params, check])
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3",
                                 "language": "python"}
    nbformat.write(nb, str(path))
    return path


def test_pip_finds_no_broken_requirement():
    proc = _run(sys.executable, "-m", "pip", "check", "--disable-pip-version-check")
    assert proc.returncode == 0, proc.stdout + proc.stderr


def test_importing_nbformat_does_not_build_the_iri_grammar():
    code = ("import sys, nbformat, jsonschema; "
            f"print([m for m in {SLOW_IMPORTS!r} if m in sys.modules])")
    proc = _run(sys.executable, "-c", code)
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.strip() == "[]"


def test_jsonschema_format_checks_still_run():
    # the checks jupyter-events relies on (format-nongpl): uri through rfc3986-validator,
    # date-time through rfc3339-validator
    from jsonschema import Draft202012Validator, ValidationError

    schema = {"type": "object", "properties": {"u": {"type": "string", "format": "uri"},
                                               "t": {"type": "string", "format": "date-time"}}}
    validator = Draft202012Validator(schema, format_checker=Draft202012Validator.FORMAT_CHECKER)
    validator.validate({"u": "https://example.org/a", "t": "2025-06-17T10:00:00Z"})
    with pytest.raises(ValidationError):
        validator.validate({"u": "not a uri"})
    with pytest.raises(ValidationError):
        validator.validate({"t": "17 June 2025"})


def test_jupyter_events_validates_and_writes_an_event():
    import io
    import logging

    from jsonschema import ValidationError
    from jupyter_events import EventLogger

    schema = {"$id": "https://example.org/dispatchlib/test-event", "version": "1",
              "type": "object", "properties": {"n": {"type": "integer"}}, "required": ["n"]}
    sink = io.StringIO()
    logger = EventLogger(handlers=[logging.StreamHandler(sink)])
    logger.register_event_schema(schema)
    logger.emit(schema_id=schema["$id"], data={"n": 3})
    assert json.loads(sink.getvalue())["n"] == 3
    with pytest.raises(ValidationError):
        logger.emit(schema_id=schema["$id"], data={"n": "three"})


def test_papermill_command_line_runs_a_notebook_with_a_parameter(tmp_path):
    source = _notebook(tmp_path / "in.ipynb", "4\n")
    target = tmp_path / "out.ipynb"
    proc = _run(BIN / "papermill", source, target, "-p", "a", "40", "-k", "python3",
                "--no-progress-bar")
    assert proc.returncode == 0, proc.stderr
    cells = json.loads(target.read_text())["cells"]
    assert "".join(cells[-1]["outputs"][0]["text"]) == "42\n"  # 40 + 2


def test_nbval_compares_stored_outputs(tmp_path):
    _notebook(tmp_path / "good.ipynb", "4\n")  # 2 + 2
    _notebook(tmp_path / "bad.ipynb", "5\n")
    proc = _run(sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "--nbval-lax",
                "--nbval-current-env", "good.ipynb", "bad.ipynb", cwd=tmp_path)
    # two items per notebook (one per cell): only the bad notebook's checked cell fails
    summary = proc.stdout.strip().splitlines()[-1]
    assert summary.startswith("1 failed, 3 passed"), proc.stdout[-2000:]
    assert "FAILED bad.ipynb::Cell 1" in proc.stdout


def test_nbconvert_executes_and_renders_html(tmp_path):
    source = _notebook(tmp_path / "nb.ipynb", "")
    proc = _run(BIN / "jupyter", "nbconvert", "--to", "html", "--execute", source)
    assert proc.returncode == 0, proc.stderr
    page = (tmp_path / "nb.html").read_text()
    assert "print" in page and "4" in page


def test_jupyter_lab_starts_and_reports_its_version():
    proc = _run(BIN / "jupyter", "lab", "--version")
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.strip() == metadata.version("jupyterlab")


# --------------------------------------------------------------------------- the runner's engine

def test_runner_engine_writes_a_timed_out_notebook_with_the_cells_run_so_far(tmp_path,
                                                                            monkeypatch):
    # the runner's papermill engine saves once, at the end: also when a cell times out
    from nbclient.exceptions import CellTimeoutError


    nb = new_notebook(cells=[new_code_cell('print("first")'),
                             new_code_cell("import time\ntime.sleep(60)"),
                             new_code_cell('print("never")')])
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3",
                                 "language": "python"}
    source = tmp_path / "slow.ipynb"
    nbformat.write(nb, str(source))
    monkeypatch.setattr(engine, "TIMEOUT_S", 2)  # seconds (an int); a print takes ms
    with pytest.raises(CellTimeoutError):
        engine.execute(source, tmp_path / "out" / "slow.ipynb")
    cells = json.loads((tmp_path / "out" / "slow.ipynb").read_text())["cells"]
    assert "".join(cells[0]["outputs"][0]["text"]) == "first\n"
    assert cells[2]["outputs"] == []


def test_a_kernel_that_ends_before_answering_is_started_once_more(tmp_path, monkeypatch, capfd):
    """jupyter_client picks a kernel's TCP ports, closes them, and the kernel binds them a moment
    later; on a busy machine another process may take one in between and the kernel ends with
    "Address already in use" before any cell ran (seen once in the suite's Korean run). The
    engine then starts a new kernel once, and says so; a second such end, or any other error,
    is reported as it is."""
    import shutil

    import papermill

    source = tmp_path / "tiny.ipynb"
    nbformat.write(new_notebook(cells=[new_code_cell("1")]), str(source))
    target = tmp_path / "out" / "tiny.ipynb"
    calls = []

    def ends(times: int, error: str = warm.DIED_AT_START):
        def execute_notebook(src, out, **kwargs):
            calls.append(kwargs["kernel_manager_class"])
            if len(calls) <= times:
                raise RuntimeError(error)
            shutil.copy(src, out)
        return execute_notebook

    monkeypatch.setattr(papermill, "execute_notebook", ends(1))
    assert engine.execute(source, target) == target and target.exists()
    assert len(calls) == 2
    assert "tiny.ipynb ended before it answered" in capfd.readouterr().err
    calls.clear()
    monkeypatch.setattr(papermill, "execute_notebook", ends(2))
    with pytest.raises(RuntimeError, match="Kernel died before replying to kernel_info"):
        engine.execute(source, target)
    assert len(calls) == 2
    calls.clear()
    monkeypatch.setattr(papermill, "execute_notebook", ends(1, "Kernel didn't respond in 60 s"))
    with pytest.raises(RuntimeError, match="didn't respond"):
        engine.execute(source, target)
    assert len(calls) == 1


def test_runner_forks_its_workers_only_when_no_other_thread_runs():
    code = ("import sys, threading, time\n"
            "from dispatchlib.run import workers\n"
            "alone = workers._start_method()\n"
            "t = threading.Thread(target=time.sleep, args=(0.5,)); t.start()\n"
            "print(alone, workers._start_method())\n"
            "t.join()\n")
    proc = _run(sys.executable, "-c", code)
    assert proc.returncode == 0, proc.stderr
    expected = "fork spawn" if sys.platform.startswith("linux") else "spawn spawn"
    assert proc.stdout.split() == expected.split()


def test_runner_starts_the_notebooks_that_took_longest_first(tmp_path):
    from dispatchlib.run import runner

    folder = tmp_path / "run"
    folder.mkdir()
    earlier = {"notebooks": {"01_a": {"seconds": 2.0}, "02_b": {"seconds": 9.5},
                             "04_d": {"seconds": 4.0}}}
    (folder / "run.json").write_text(json.dumps(earlier))
    sources = [Path(f"{stem}.ipynb") for stem in ("01_a", "02_b", "03_c", "04_d")]
    plan = planning.RunPlan("run", folder, sources, {}, {})
    other = planning.RunPlan("other", tmp_path / "other", sources[:2], {}, {})
    ordered = runner._longest_first([plan, other])
    # no earlier time (03_c) first, then 9.5 s, 4.0 s, 2.0 s; the next run after this one
    assert [(p.name, s.stem) for p, s in ordered] == [
        ("run", "03_c"), ("run", "02_b"), ("run", "04_d"), ("run", "01_a"),
        ("other", "01_a"), ("other", "02_b")]
    (folder / "run.json").write_text("not json")
    assert runner._longest_first([plan]) == [(plan, s) for s in sources]
