"""Shared test set-up.

- Notebook kernels started by nbval and papermill inherit ``DISPATCHLIB_HEADLESS=1`` (slider
  explorers step aside) and never ``MPLBACKEND=Agg`` (which would drop every figure).
- nbval does not compare ``stderr`` (library warnings differ between machines).
- Every ``run.json`` written is validated against its JSON Schema
  (``DISPATCHLIB_VALIDATE_RUN_RECORDS=1``, inherited by the commands the tests start).
- ``broken`` is a copy of ``data/`` that a test may break (the loader reads it instead);
  ``modules_after(code)`` lists the modules a fresh Python process holds after running ``code``.
- ``run_notebook`` executes a notebook with papermill into the test's temporary folder and
  returns its recorded results; ``stopped_by`` checks bad parameters without a kernel (the
  planning step refuses them, and the notebook's own validation cell, run in-process, stops
  with the same ParameterError); tests/test_param_doors.py proves it once through papermill.
"""

import contextlib
import gc
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from dispatchlib.run import discovery

#: how the browser tests start Debian's Chromium: headless, as root, never reaching the network
CHROMIUM_FLAGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                  "--disable-background-networking", "--disable-component-update",
                  "--disable-sync"]

#: nbgrader's Execute preprocessor passes jupyter_client's AsyncKernelManager to nbclient
#: itself (so a config value cannot replace it): a course's nbgrader_config.py that starts with
#: these lines swaps in the warm one (tests/test_nbgrader.py, English and Korean)
NBGRADER_WARM_CONFIG = ("import nbgrader.preprocessors.execute as _execute\n"
                        "from dispatchlib.run.warm import WarmKernelManager\n"
                        "_execute.AsyncKernelManager = WarmKernelManager\n")
#: nbgrader runs alembic (its gradebook migrations) as a command: the venv's, on the PATH
NBGRADER_PATH = os.pathsep.join([str(Path(sys.executable).parent), os.environ["PATH"]])


def nbgrader(course: Path, *args: str, timeout: float = 1800) -> subprocess.CompletedProcess:
    """Run ``nbgrader ARGS`` in a course folder (the venv's alembic on the PATH); it must pass."""
    env = {**os.environ, "DISPATCHLIB_HEADLESS": "1", "PATH": NBGRADER_PATH}
    run = subprocess.run([sys.executable, "-m", "nbgrader", *args], cwd=course, env=env,
                         capture_output=True, text=True, timeout=timeout)
    assert run.returncode == 0, f"nbgrader {' '.join(args)}:\n{run.stdout}\n{run.stderr}"
    return run


def nbgrader_course(root: Path, course_id: str, extra_config: str = "") -> None:
    """A course folder: its nbgrader_config.py (warm kernels where the fork server can start,
    300 s a cell) and the students ``blank`` and ``teacher`` in its gradebook, added through
    nbgrader's own API (no two extra nbgrader processes)."""
    from nbgrader.api import Gradebook

    from dispatchlib.run import warm

    (root / "nbgrader_config.py").write_text(
        (NBGRADER_WARM_CONFIG if warm.available() is None else "")
        + "c = get_config()\n"
        f"c.CourseDirectory.root = {str(root)!r}\n"
        f"c.CourseDirectory.course_id = {course_id!r}\n"
        f"c.CourseDirectory.db_url = 'sqlite:///{root / 'gradebook.db'}'\n"
        "c.Execute.timeout = 300\n"  # seconds per cell (nbgrader's default is 30)
        "c.ExecutePreprocessor.kernel_name = 'python3'\n" + extra_config, encoding="utf-8")
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("PATH", NBGRADER_PATH)
        with Gradebook(f"sqlite:///{root / 'gradebook.db'}", course_id=course_id) as gb:
            for student in ("blank", "teacher"):
                gb.add_student(student)


def nbgrader_autograde(root: Path, assignment: str, timeout: float = 1800) -> None:
    """``nbgrader autograde`` of every submission, in warm kernels where they can start."""
    from dispatchlib.run import warm

    with warm.start() if warm.available() is None else contextlib.nullcontext():
        nbgrader(root, "autograde", assignment, "--force", timeout=timeout)

os.environ["DISPATCHLIB_HEADLESS"] = "1"
# every run.json the package writes during the suite (in this process or a command's) is
# validated against dispatchlib/run/run_record.schema.json before it is written
os.environ["DISPATCHLIB_VALIDATE_RUN_RECORDS"] = "1"
os.environ.pop("MPLBACKEND", None)


def pytest_unconfigure(config):
    """Last thing in each test process: freeze what the garbage collector tracks, so that the
    interpreter's exit does not walk it all again at each of its collections (as
    ``python -m dispatchlib`` does, :mod:`dispatchlib.__main__`)."""
    gc.freeze()


def pytest_collectstart(collector):
    if collector.path is not None and collector.path.suffix == ".ipynb":
        collector.skip_compare += ("stderr",)


# The test modules' assertion-rewritten bytecode is cached in tests/__pycache__ (git-ignored)
# even where PYTHONDONTWRITEBYTECODE is set, as `make setup` compiles the package: pytest reads
# that cache whatever the setting, and rewriting the ~60 test modules again costs each test
# process about 1.4 s. Only while the tests are collected; the setting is as it was after.
_WRITE_BYTECODE = sys.dont_write_bytecode
sys.dont_write_bytecode = False


#: the slowest test modules, with their seconds on two cores (make test, 2026-12-01): they are
#: handed out first. Under ``--dist loadscope`` a module goes whole to one test process; in
#: collection order the longest ones could start last and leave the other process idle for
#: their whole length (test_lab_browser's 15 s did), while longest-first leaves only short
#: modules for the end. pyproject's addopts turn off xdist's own reordering (by the number of
#: tests in a module, which puts the many quick parametrized tests first). Scheduling only: a
#: module not listed runs after these, in collection order, and no test depends on the order.
SLOW_MODULES = {"test_warm": 38, "test_nbgrader": 35, "test_headless": 21,
                "test_report_browser": 21, "test_cluster": 19, "test_run_safety": 18,
                "test_lab_browser": 15, "test_sweep": 15, "test_tools_work": 14,
                "test_battery": 10, "test_reproducible": 10, "test_i18n_reports": 8,
                "test_runner": 8, "test_i18n": 7, "test_sweep_progress": 7, "test_year_range": 6,
                "test_audit_cli": 6, "test_data_errors": 5, "test_param_doors": 5}


def pytest_collection_modifyitems(config, items):
    """The modules of :data:`SLOW_MODULES` first, longest first (a stable sort: each module's
    tests keep their order)."""
    items.sort(key=lambda item: -SLOW_MODULES.get(item.path.stem, 0))


def pytest_collection_finish(session):
    sys.dont_write_bytecode = _WRITE_BYTECODE


def pytest_configure(config):
    # a plugin, not this conftest's own hooks: those apply to tests/ only, not to notebooks/
    config.pluginmanager.register(WarmNbval(), "dispatchlib-warm-nbval")


class WarmNbval:
    """nbval's kernels (``--nbval-current-env``) are warm ones, forked from one fork server per
    test process, started when its first notebook cell runs (tests/test_warm.py proves that a
    lesson gives the same outputs warm or cold): nbval's kernel manager is the warm one (the
    project's provisioner, and no fixed waits at a kernel's start and end, as for the runner's
    kernels), and the server's socket is in the environment only while a notebook's cells run,
    so every other test sees the environment as before. Where warm kernels cannot run, nbval's
    kernels are cold ones, as before."""

    def __init__(self):
        self.server = contextlib.ExitStack()
        self.socket: str | None = None

    @pytest.hookimpl(hookwrapper=True)
    def pytest_runtest_protocol(self, item, nextitem):
        if item.path.suffix != ".ipynb" or not self.started():
            yield
            return
        from dispatchlib.run import warm

        before = os.environ.get(warm.SOCKET_ENV)
        os.environ[warm.SOCKET_ENV] = self.socket
        try:
            yield
        finally:
            if before is None:
                os.environ.pop(warm.SOCKET_ENV, None)
            else:
                os.environ[warm.SOCKET_ENV] = before

    def started(self) -> bool:
        """Start the fork server (once) and have nbval start its kernels with the warm kernel
        manager; ``False`` where warm kernels cannot run."""
        from dispatchlib.run import warm

        if self.socket is None:
            from nbval import kernel

            if self.server.enter_context(warm.start()) is not None:
                self.socket = ""
                return False
            self.socket = os.environ.pop(warm.SOCKET_ENV)
            # what nbval starts its kernels with: the warm provisioner, no fixed waits
            kernel.KernelManager = warm.WarmBlockingKernelManager
        return bool(self.socket)

    def pytest_sessionfinish(self, session):
        self.server.close()


@pytest.fixture(scope="session", autouse=True)
def shared_fork_server():
    """One fork server per test process, kept running for the session, from which every run,
    sweep and refresh the tests start (in this process or as commands) forks its kernels
    (``warm.SHARED_ENV``) instead of starting a server of its own: each would import the
    stack again. Its socket is in the environment for the whole session. The tests of the
    server itself (tests/test_warm.py, tests/test_cluster.py) and of what a killed command
    leaves running take it out of their environment (:func:`own_fork_servers`)."""
    from dispatchlib.run import warm

    if warm.available() is not None:
        yield None
        return
    with warm.start() as why:
        socket = os.environ.pop(warm.SOCKET_ENV, None)
        if why is None and socket:
            os.environ[warm.SHARED_ENV] = socket
        try:
            yield socket
        finally:
            os.environ.pop(warm.SHARED_ENV, None)
            if socket:
                os.environ[warm.SOCKET_ENV] = socket  # as start() left it, for its clean-up


@contextlib.contextmanager
def _without_shared_server():
    from dispatchlib.run import warm

    saved = os.environ.pop(warm.SHARED_ENV, None)
    try:
        yield
    finally:
        if saved is not None:
            os.environ[warm.SHARED_ENV] = saved


@pytest.fixture
def own_fork_servers():
    """Commands started by this test start their own fork servers, as outside the suite."""
    with _without_shared_server():
        yield


@pytest.fixture(scope="module")
def own_fork_servers_in_module():
    """:func:`own_fork_servers` for a whole module, its module fixtures included (name it in
    the module's ``pytestmark`` usefixtures: tests/test_warm.py, where the server itself is
    under test, and tests/test_cluster.py, where a killed worker takes its kernels with it)."""
    with _without_shared_server():
        yield


@pytest.fixture
def broken(tmp_path, monkeypatch):
    """A copy of data/ that a test may break; the loader reads it instead of the original."""
    from dispatchlib import paths

    copy = tmp_path / "data"
    shutil.copytree(paths.ROOT / "data", copy)
    monkeypatch.setenv("DISPATCHLIB_DATA_DIR", str(copy))
    return copy


def modules_after(code: str) -> set[str]:
    """Names in ``sys.modules`` of a fresh Python process once it has run ``code``."""
    listing = "; import sys; sys.stderr.write(' '.join(sys.modules))"
    out = subprocess.run([sys.executable, "-c", code + listing],
                         capture_output=True, text=True, check=True)
    return set(out.stderr.split())


@pytest.fixture
def run_notebook(monkeypatch):
    """Execute ``notebooks/<stem>.ipynb`` with parameters in this process, no kernel: its code
    cells in order (IPython magics left out, figures drawn with Agg and closed), the values set
    right after the ``parameters`` cell as papermill's injected cell does; return what the
    notebook recorded with ``dl.record`` (rounded as ``dl.record`` rounds). Kernel runs are
    proven elsewhere (nbval, tests/test_param_doors.py, the run and report tests)."""
    import json

    import matplotlib
    import matplotlib.pyplot as plt

    import dispatchlib
    from dispatchlib import results

    def run(stem: str, **parameters) -> dict:
        (source,) = discovery.notebooks([stem])
        cells = json.loads(source.read_text(encoding="utf-8"))["cells"]
        recorded: dict = {}
        monkeypatch.setattr(dispatchlib, "record",
                            lambda _stem, **r: recorded.update(results._clean(r)),
                            raising=False)
        backend = matplotlib.get_backend()
        matplotlib.use("Agg")
        namespace: dict = {"display": lambda *a, **k: None}  # IPython's, for a kernel only
        try:
            for cell in cells:
                if cell["cell_type"] != "code":
                    continue
                code = "\n".join(line for line in "".join(cell["source"]).splitlines()
                                 if not line.startswith("%"))
                if "parameters" in cell.get("metadata", {}).get("tags", []):
                    code += "".join(f"\n{k} = {v!r}" for k, v in parameters.items())
                    code += "\ninteractive = False"
                exec(compile(code, f"{stem} cell", "exec"), namespace)  # our own notebook
                plt.close("all")
        finally:
            matplotlib.use(backend)
        assert recorded, f"{stem} recorded no results"
        return recorded

    return run


@pytest.fixture
def stopped_by():
    """Bad parameters for ``notebooks/<stem>.ipynb``, checked without a kernel at both doors:
    the planning step of ``run`` refuses them before any kernel starts, and the notebook's own
    validation cell (the code cell right after ``parameters``, run here in-process after the
    parameters cell and the values papermill would inject) stops with the same ParameterError.
    Returns an object whose ``evalue`` is the cell's message, as papermill reports it."""
    import json
    from types import SimpleNamespace

    from dispatchlib.errors import ParameterError
    from dispatchlib.run import planning

    def run(stem: str, parameters: dict) -> SimpleNamespace:
        (source,) = discovery.notebooks([stem])
        with pytest.raises(ParameterError) as planned:
            planning.plan([source], parameters)
        code = [c for c in json.loads(source.read_text(encoding="utf-8"))["cells"]
                if c["cell_type"] == "code"]
        i = next(i for i, c in enumerate(code) if "parameters" in c["metadata"].get("tags", []))
        check_cell = "".join(code[i + 1]["source"])
        assert "dl.check(" in check_cell  # the cell right after the parameters
        namespace: dict = {}
        exec("import dispatchlib as dl", namespace)
        exec("".join(code[i]["source"]), namespace)
        namespace.update(parameters)  # what papermill's injected cell does
        with pytest.raises(ParameterError) as stopped:
            exec(check_cell, namespace)
        assert (stopped.value.name, stopped.value.value) == (planned.value.name,
                                                             planned.value.value)
        return SimpleNamespace(ename="ParameterError", evalue=str(stopped.value))

    return run


def chromium_or_skip():
    """Playwright's sync API and Debian's Chromium executable for the browser tests.

    Skips the test when either is missing outside CI; fails it in CI (``CI=true``), where the
    browser tests must run.
    """
    executable = next((p for p in ("/usr/bin/chromium", shutil.which("chromium"),
                                   shutil.which("chromium-browser")) if p and Path(p).exists()),
                      None)
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        sync_playwright = None
    problem = ("chromium is not installed (apt-get install chromium)" if not executable
               else "the playwright package is missing" if sync_playwright is None else None)
    if problem:
        if os.environ.get("CI", "").lower() == "true":
            pytest.fail(f"the browser test cannot run in CI: {problem}")
        pytest.skip(problem)
    return sync_playwright, executable
