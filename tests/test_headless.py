"""The slider explorers step aside wherever no notebook frontend can show them (papermill,
nbclient, nbval, plain Python) with no environment variable set, and build for a frontend.

The lessons with explorers (01, 02, 04) are run here the way the README shows: plain
``papermill`` on the command line, from an environment without ``DISPATCHLIB_HEADLESS`` (which
the rest of the suite sets). That the explorers render in JupyterLab itself is checked by
``tests/test_lab_browser.py``.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from dispatchlib import results, teaching
from dispatchlib.run import discovery

EXPLORED = ["01_history", "02_economics", "04_prospects"]
WIDGET = "application/vnd.jupyter.widget-view+json"
BIN = Path(sys.executable).parent


def _plain_env() -> dict:
    env = {k: v for k, v in os.environ.items()
           if k not in teaching.HEADLESS_VARIABLES and k != "MPLBACKEND"}
    return env


def _explorer_cells(path: Path) -> list:
    nb = json.loads(path.read_text(encoding="utf-8"))
    return [c for c in nb["cells"] if c["cell_type"] == "code"
            and "dl.teaching.explore(" in "".join(c["source"])]


def _explorer_outputs(path: Path) -> list:
    cells = _explorer_cells(path)
    assert cells, f"{path.name} has no explorer cell"
    assert all(c.get("execution_count") for c in cells), "the explorer cell did not run"
    return [o for c in cells for o in c.get("outputs", [])]


def test_no_frontend_in_plain_python(monkeypatch):
    for name in teaching.HEADLESS_VARIABLES:
        monkeypatch.delenv(name, raising=False)
    assert not teaching.frontend()
    assert teaching.headless()  # nothing set, and still no explorer outside Jupyter
    assert teaching.explore(lambda **kw: None, {"x": (0, 10, 1, 5)}) is None


@pytest.mark.parametrize("stem", EXPLORED)
def test_plain_papermill_runs_the_lessons_with_explorers_and_they_step_aside(stem, tmp_path):
    (source,) = discovery.notebooks([stem])
    target = tmp_path / source.name
    run = subprocess.run([str(BIN / "papermill"), str(source), str(target), "--no-progress-bar",
                          "--execution-timeout", "300"],
                         capture_output=True, text=True, timeout=600, env=_plain_env(),
                         cwd=tmp_path)
    assert run.returncode == 0, run.stderr[-2000:]
    outputs = _explorer_outputs(target)
    assert not any(WIDGET in o.get("data", {}) for o in outputs), outputs
    nb = json.loads(target.read_text(encoding="utf-8"))
    assert "widgets" not in nb["metadata"]
    assert not [o for c in nb["cells"] for o in c.get("outputs", [])
                if o["output_type"] == "error"]
    if stem == "02_economics":
        # the run of tests/test_classroom.py's interactive=True case (the default), checked here:
        # the recorded results are those of interactive=False there (nothing depends on the
        # explorer), and the record is in the notebook
        recorded = results.extract(target)["results"]
        assert recorded["state_revenue_usd"] == pytest.approx(146.25e6)  # 15,000 x 9,750
        assert any(results.MIME_TYPE in o.get("data", {}) for c in nb["cells"]
                   for o in c.get("outputs", []))


def _explorer_only(source: Path, folder: Path) -> Path:
    """A notebook of the lesson's own parameters, validation and explorer cells (with the one
    value the explorer reads from the cells between, ``annual``, computed as 02 does): what
    nbclient needs to show the explorer steps aside, without the rest of the lesson."""
    import nbformat

    nb = nbformat.read(source, as_version=4)
    code = [c for c in nb.cells if c.cell_type == "code"]
    i = next(i for i, c in enumerate(code) if "parameters" in c.metadata.get("tags", []))
    explorer = next(c for c in code if "dl.teaching.explore(" in c.source)
    assert "annual" in explorer.source and code[i + 1].source.startswith("p = dl.check(")
    nb.cells = [code[i], nbformat.v4.new_code_cell("import dispatchlib as dl"), code[i + 1],
                nbformat.v4.new_code_cell("annual = p.quota_usd / p.quota_months * 12"),
                explorer,
                # again with interactive=False (tests/test_classroom.py's switch, in a kernel)
                nbformat.v4.new_code_cell("interactive = False"),
                nbformat.v4.new_code_cell(code[i + 1].source),
                nbformat.v4.new_code_cell("assert p.interactive is False"),
                nbformat.v4.new_code_cell(explorer.source)]
    path = folder / "explorer-only.ipynb"
    nbformat.write(nb, path)
    return path


def test_nbclient_and_nbval_without_the_variable_step_aside(tmp_path):
    """nbclient on 02's explorer (its own cells, not the whole lesson: the lesson's whole run
    is the papermill one above), with ``interactive`` True and then False; nbval on the whole
    lesson, which compares stored outputs."""
    (source,) = discovery.notebooks(["02_economics"])
    code = ("import sys, nbformat, nbclient; nb = nbformat.read(sys.argv[1], as_version=4); "
            "nbclient.NotebookClient(nb, timeout=300, kernel_name='python3').execute(); "
            "nbformat.write(nb, sys.argv[2])")
    target = tmp_path / "nbclient.ipynb"
    run = subprocess.run([sys.executable, "-c", code, str(_explorer_only(source, tmp_path)),
                          str(target)],
                         capture_output=True, text=True, timeout=600, env=_plain_env(),
                         cwd=tmp_path)
    assert run.returncode == 0, run.stderr[-2000:]
    assert len(_explorer_cells(target)) == 2  # interactive True (the default), then False
    assert not any(WIDGET in o.get("data", {}) for o in _explorer_outputs(target))
    # nbval, outside this suite's conftest (which sets DISPATCHLIB_HEADLESS): a copy of the
    # notebook in an empty folder, checked against its committed outputs
    copy = tmp_path / "nbval" / source.name
    copy.parent.mkdir()
    copy.write_bytes(source.read_bytes())
    run = subprocess.run([sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider",
                          "-p", "no:randomly", "--nbval-lax", "--nbval-current-env",
                          str(copy)], capture_output=True, text=True, timeout=600,
                         env=_plain_env(), cwd=copy.parent)
    assert run.returncode == 0, run.stdout[-3000:]


def test_a_frontend_request_builds_the_explorer():
    """A kernel asked to run the explorer cell the way JupyterLab asks (the cell's id in the
    request's metadata) builds the widget; the same request without it builds nothing."""
    from jupyter_client.manager import start_new_kernel

    code = ("import dispatchlib as dl\n"
            "dl.teaching.explore(dl.teaching.revenue_figure, "
            "{'workers': dl.teaching.slider('workers', 15000)}, quota_usd=9750.0, draws=200)")
    km, kc = start_new_kernel(kernel_name="python3", env=_plain_env())
    try:
        seen = {}
        for label, metadata in (("frontend", {"cellId": "abc-123"}), ("batch", {})):
            msg = kc.session.msg("execute_request",
                                 {"code": code, "silent": False, "store_history": True,
                                  "user_expressions": {}, "allow_stdin": False,
                                  "stop_on_error": True}, metadata=metadata)
            kc.shell_channel.send(msg)
            reply = kc.get_shell_msg(timeout=120)
            while reply["parent_header"].get("msg_id") != msg["header"]["msg_id"]:
                reply = kc.get_shell_msg(timeout=120)
            assert reply["content"]["status"] == "ok", reply["content"]
            mimes = set()
            while True:
                out = kc.get_iopub_msg(timeout=120)
                if out["parent_header"].get("msg_id") != msg["header"]["msg_id"]:
                    continue
                if out["msg_type"] in ("execute_result", "display_data"):
                    mimes |= set(out["content"]["data"])
                if out["msg_type"] == "status" and out["content"]["execution_state"] == "idle":
                    break
            seen[label] = mimes
        assert WIDGET in seen["frontend"]
        assert WIDGET not in seen["batch"]
    finally:
        kc.stop_channels()
        km.shutdown_kernel(now=True)
