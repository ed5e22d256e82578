"""Warm kernels (``dispatchlib.run.warm``): every notebook still starts from a fresh state, a
kernel that crashes fails alone, ``--cold`` gives cold kernels, a failed warm start falls back
to a cold kernel and says so once, ``run.json`` says which kind ran each notebook, a lesson's
outputs are the same warm or cold, and papermill used on its own keeps its usual kernels.
"""

import json
import os
import subprocess
import sys
from pathlib import Path

import commands
import nbformat
import pytest
from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook

from dispatchlib import paths
from dispatchlib.run import engine, fork_server, kernel_needs, run_record, warm, workers

pytestmark = [pytest.mark.skipif(warm.available() is not None, reason="no fork server here"),
              # not the suite's shared server, except in the tests that name it (suite_server)
              pytest.mark.usefixtures("own_fork_servers_in_module")]

STATE = ('import matplotlib, pandas\n'
         'print("leaked" in globals(), matplotlib.rcParams["lines.linewidth"], '
         'pandas.get_option("display.max_rows"), matplotlib.get_backend())')

#: the kernel's process, its parent, whether the stack is imported before the notebook's own
#: first line imports anything, and whether statsmodels' linear models and seaborn are
#: (kernel_needs.ON_DEMAND; the names in two parts, so that this code mentions neither: 05_check
#: alone mentions statsmodels, none seaborn), and whether the kernel was told which notebook it
#: runs (warm.NOTEBOOK_ENV: the fork server is, with the request; a warm kernel never is) or
#: of a shared fork server (warm.SHARED_ENV, for commands, not kernels)
PIDS = ('import os, sys\nprint(os.getpid(), os.getppid(), "numpy" in sys.modules, '
        '"dispatchlib.tables" in sys.modules, '
        '"stats" "models.regression.linear_model" in sys.modules, "sea" "born" in sys.modules, '
        'any(v in os.environ for v in ("DISPATCHLIB_NOTEBOOK", '
        '"DISPATCHLIB_SHARED_FORK_SERVER")))')

NOTEBOOKS = {
    # changes the state a later notebook would see if kernels were shared or reused
    "01_set": [PIDS, "leaked = 42\nimport matplotlib, pandas\n"
               "matplotlib.rcParams['lines.linewidth'] = 9.5\n"
               "pandas.set_option('display.max_rows', 3)", STATE],
    "02_exit": ["import os\nos._exit(3)"],
    # ... and draws a figure with no %matplotlib inline: shown as a PNG warm or cold
    "03_check": [PIDS, STATE, "import matplotlib.pyplot as plt\nplt.plot([1, 2])"],
    "04_segfault": ["import ctypes\nctypes.string_at(0)"],
    "05_check": [PIDS, STATE, "import statsmodels.regression.linear_model"],
}
#: what a fresh kernel prints for STATE (matplotlib's and pandas' defaults, inline figures)
FRESH = "False 1.5 60 module://matplotlib_inline.backend_inline\n"


def make(folder: Path, names=tuple(NOTEBOOKS)) -> Path:
    folder.mkdir(parents=True)
    for name in names:
        cells = [new_markdown_cell(f"# {name}")] + [new_code_cell(c) for c in NOTEBOOKS[name]]
        nbformat.write(new_notebook(cells=cells), str(folder / f"{name}.ipynb"))
    return folder


def cli(*args, notebooks_dir, extra_env=None):
    env = {**os.environ, "DISPATCHLIB_NOTEBOOKS_DIR": str(notebooks_dir), **(extra_env or {})}
    env.pop(warm.COLD_ENV, None)
    return commands.dispatchlib(*args, env=env)


def shown(folder: Path, stem: str) -> list[list[str]]:
    """The MIME types of each figure or other display in an executed notebook."""
    nb = json.loads((folder / f"{stem}.ipynb").read_text())
    return [sorted(o["data"]) for c in nb["cells"] if c["cell_type"] == "code"
            for o in c.get("outputs", []) if o["output_type"] == "display_data"]


def printed(folder: Path, stem: str) -> list[str]:
    nb = json.loads((folder / f"{stem}.ipynb").read_text())
    return ["".join(o.get("text", "")) for c in nb["cells"] if c["cell_type"] == "code"
            for o in c.get("outputs", []) if o["output_type"] == "stream"]


@pytest.fixture
def suite_server(shared_fork_server, monkeypatch) -> str:
    """The suite's own fork server (tests/conftest.py), named again for this test: for the tests
    of a warm kernel, not of a server's start, which need no server of their own."""
    assert shared_fork_server, "the suite's fork server did not start"
    monkeypatch.setenv(warm.SHARED_ENV, shared_fork_server)
    return shared_fork_server


@pytest.fixture(scope="module")
def runs(tmp_path_factory):
    """The five notebooks run one after the other (``--jobs 1``), warm, and with ``--cold``
    (the two runs at once, into one reports folder)."""
    tmp = tmp_path_factory.mktemp("warm")
    nbs = make(tmp / "nb")
    env = {**os.environ, "DISPATCHLIB_NOTEBOOKS_DIR": str(nbs)}
    env.pop(warm.COLD_ENV, None)
    started = {kind: commands.start("run", "--jobs", "1", "--name", kind, "--out",
                                    tmp / "reports", *flags, env=env)
               for kind, flags in (("warm", []), ("cold", ["--cold"]))}
    out = {}
    for kind, proc in started.items():
        stdout, stderr = proc.communicate(timeout=300)
        out[kind] = (subprocess.CompletedProcess(proc.args, proc.returncode, stdout, stderr),
                     tmp / "reports" / kind)
    return out


@pytest.mark.parametrize("kind", ["warm", "cold"])
def test_each_notebook_starts_fresh_and_a_crash_fails_alone(runs, kind):
    proc, folder = runs[kind]
    assert proc.returncode == 1  # two notebooks crash their kernels
    record = run_record.read(folder)
    run_record.validate(record)
    nbs = record["notebooks"]
    assert {s: e["kernel"] for s, e in nbs.items()} == dict.fromkeys(NOTEBOOKS, kind)
    assert {s: e["status"] for s, e in nbs.items()} == {
        "01_set": "ok", "02_exit": "failed", "03_check": "ok", "04_segfault": "failed",
        "05_check": "ok"}
    assert "DeadKernelError" in nbs["02_exit"]["error"]
    assert "DeadKernelError" in nbs["04_segfault"]["error"]
    # 01 changed its own state; 03 and 05 (after a crash each) see none of it
    assert printed(folder, "01_set")[1:] == [
        "True 9.5 3 module://matplotlib_inline.backend_inline\n"]
    assert printed(folder, "03_check")[1:] == [FRESH]
    assert printed(folder, "05_check")[1:] == [FRESH]
    # a figure drawn without %matplotlib inline is shown as in a cold kernel (the inline
    # backend hooked into the shell, fork_server._inline_figures)
    assert shown(folder, "03_check") == [["image/png", "text/plain"]]
    assert "warm kernels unavailable" not in proc.stderr


@pytest.mark.parametrize("kind", ["warm", "cold"])
def test_a_kernel_is_a_new_process_forked_from_the_server(runs, kind):
    """Three warm kernels of one run (01, 03 and 05 of the run above): different processes, all
    children of the fork server (not of the worker), with the stack already imported when the
    notebook starts; cold ones import nothing before the notebook does."""
    _, folder = runs[kind]
    seen = [printed(folder, s)[0].split() for s in ("01_set", "03_check", "05_check")]
    assert len({s[0] for s in seen}) == 3  # three processes
    if kind == "warm":
        assert seen[0][1] == seen[1][1] == seen[2][1]  # one parent: the fork server
        assert [s[2:4] for s in seen] == [["True", "True"]] * 3
        assert [s[6] for s in seen] == ["False"] * 3  # the request named it, not the env
    else:
        assert [s[2:6] for s in seen] == [["False"] * 4] * 3


def test_statsmodels_comes_with_the_first_kernel_that_needs_it_and_the_server_prints_nothing(
        runs):
    """On the warm run above (its notebooks import pandas: not light, fork_server.LIGHT_STACK):
    the fork server imports statsmodels' linear models (kernel_needs.ON_DEMAND) only before
    forking a kernel whose notebook mentions statsmodels (05, the fifth), not before the second
    or third when theirs do not (03 lacks them: a sweep of 02_economics never pays for them), and
    seaborn never, as no notebook here needs it; cold kernels never have them before the
    notebook imports them. Its pre-imports print no debugger warning."""
    for kind, expected in (("warm", ["False", "False", "True"]), ("cold", ["False"] * 3)):
        proc, folder = runs[kind]
        seen = [printed(folder, s)[0].split() for s in ("01_set", "03_check", "05_check")]
        assert [s[4] for s in seen] == expected, kind
        assert [s[5] for s in seen] == ["False"] * 3, kind
    assert "Debugger warning" not in runs["warm"][0].stderr


def test_the_server_reads_which_lessons_need_seaborn_or_statsmodels():
    """What the fork server imports only for the kernels that need it (kernel_needs.ON_DEMAND),
    read from a notebook's code: a module it names, or a function of dispatchlib it calls that
    imports it (02_economics draws its Monte Carlo histogram with seaborn through
    dl.plots.economics.distribution; 01 and 03 fit statsmodels' linear models, 01 through
    dl.history.reconcile). Both editions alike. A request that names no notebook gets them all
    before its second kernel, none before its first."""
    from dispatchlib.run import discovery

    assert {"distribution"} <= kernel_needs._importers()["seaborn"]
    assert {"reconcile", "segmented_fit"} <= kernel_needs._importers()["statsmodels"]
    for lang in ("en", "ko"):
        needs = {p.stem: kernel_needs.notebook_needs(kernel_needs.cell_sources(p, "code"))
                 for p in discovery.notebooks(lang=lang)}
        assert needs == {"00_start-here": set(), "01_history": {"statsmodels"},
                         "02_economics": {"seaborn"}, "03_sanctions": {"statsmodels"},
                         "04_prospects": set(), "05_implications": set(),
                         "06_claims-audit": set()}, lang
    assert kernel_needs.notebook_needs(["import seaborn as sns"]) == {"seaborn"}
    assert kernel_needs.notebook_needs(["fig = dl.plots.economics.distribution(draws)"]) \
        == {"seaborn"}
    assert kernel_needs.notebook_needs(["x = 1  # the distribution of x"]) == set()
    assert fork_server._needs({}, forked=0) == set()
    assert fork_server._needs({}, forked=1) == set(kernel_needs.ON_DEMAND)
    economics = str(discovery.notebooks(["02_economics"])[0])  # as the worker names it
    assert fork_server._needs({"notebook": economics}, forked=0) == {"seaborn"}


def test_the_server_forks_first_a_kernel_it_needs_to_import_nothing_for(tmp_path, monkeypatch):
    """Two requests waiting together when the server has imported the stack: the first for 05
    (which needs statsmodels), the second for 03 (nothing more). 03's kernel is forked first,
    then statsmodels is imported for 05: a core runs a kernel while the server imports. (The
    kernels are asked only for ipykernel's version, so they end at once.) A request that is not
    a JSON object gets an error, not a server that stops."""
    import selectors
    import socket

    nbs = make(tmp_path / "nb", ["03_check", "05_check"])
    monkeypatch.setenv("DISPATCHLIB_NOTEBOOKS_DIR", str(nbs))
    with warm.start() as why, open(os.devnull, "rb") as null, open(os.devnull, "wb") as sink:
        assert why is None
        conns = {}
        for stem in ("05_check", "03_check"):  # both queued before the server takes either
            conn = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
            conn.connect(os.environ[warm.SOCKET_ENV])
            request = {"argv": ["--version"], "env": {"PATH": os.environ["PATH"]},
                       "cwd": str(tmp_path), "watch": os.getpid(),
                       "notebook": str(nbs / f"{stem}.ipynb")}
            socket.send_fds(conn, [json.dumps(request).encode()],
                            [null.fileno(), sink.fileno(), sink.fileno()])
            conns[conn] = stem
        answered = []
        with selectors.DefaultSelector() as sel:
            for conn in conns:
                sel.register(conn, selectors.EVENT_READ)
            while len(answered) < 2:
                events = sel.select(timeout=120)
                assert events, f"the fork server answered {answered} in 120 s"
                for key, _ in events:
                    msg, fds, _, _ = socket.recv_fds(key.fileobj, 65536, 1)
                    for fd in fds:
                        os.close(fd)
                    answered.append((conns[key.fileobj], json.loads(msg)["pid"]))
                    sel.unregister(key.fileobj)
        for conn in conns:
            conn.close()
        with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as conn:  # not an object
            conn.connect(os.environ[warm.SOCKET_ENV])
            socket.send_fds(conn, [b"[]"], [null.fileno(), sink.fileno(), sink.fileno()])
            assert "error" in json.loads(conn.recv(65536))
    assert [stem for stem, _ in answered] == ["03_check", "05_check"]
    assert answered[0][1] < answered[1][1]  # forked in that order


def test_the_runner_starts_a_notebook_that_needs_no_import_while_the_server_imports(
        monkeypatch):
    """The lessons, longest first: 01 and 03 both need statsmodels, so with two jobs 04 (the
    longest that needs nothing more) goes first; not with one job, cold kernels, or when a
    notebook of the first two needs nothing; never a notebook of a later run."""
    from types import SimpleNamespace

    from dispatchlib.run import discovery, runner

    lessons = {p.stem: p for p in discovery.notebooks()}
    longest = ["01_history", "03_sanctions", "02_economics", "04_prospects", "05_implications",
               "06_claims-audit", "00_start-here"]
    plan, later = SimpleNamespace(sources=list(lessons.values())), SimpleNamespace()
    order = [(plan, lessons[s]) for s in longest] + [(later, lessons["00_start-here"])]

    def stems(jobs):
        return [s.stem for _, s in runner._while_the_server_imports(order, jobs)]

    monkeypatch.delenv(warm.COLD_ENV, raising=False)
    assert stems(2) == ["04_prospects", *[s for s in longest if s != "04_prospects"],
                        "00_start-here"]
    assert stems(3) == stems(2)  # 02 needs seaborn
    assert stems(1) == [*longest, "00_start-here"]
    assert [s.stem for _, s in runner._while_the_server_imports(order[1:], 2)][:3] == \
        ["04_prospects", "03_sanctions", "02_economics"]  # 03 and 02: both need one
    assert [s.stem for _, s in runner._while_the_server_imports(order[2:], 2)][:2] == \
        ["02_economics", "04_prospects"]  # 04 already in the first two: as it was
    assert [s.stem for _, s in runner._while_the_server_imports(
        [order[0], order[1], order[-1]], 2)][0] == "01_history"  # 00 is a later run's
    monkeypatch.setenv(warm.COLD_ENV, "1")
    assert stems(2) == [*longest, "00_start-here"]


def test_a_kernel_client_skips_the_idle_wait_and_no_output_is_lost(tmp_path, monkeypatch,
                                                                  suite_server):
    """The runner's kernel client drains IOPub for FLUSH_S, not 0.2 s, after the handshake;
    every output of a first cell that prints at once still arrives, warm and cold."""
    assert isinstance(warm.WarmKernelManager(kernel_name="python3").client(), warm.ReadyClient)
    assert warm.FLUSH_S < 0.2
    cells = [new_code_cell('print("first")'), new_code_cell("from IPython.display import "
                                                            "display\ndisplay(41 + 1)")]
    source = tmp_path / "01_quick.ipynb"
    nbformat.write(new_notebook(cells=cells), str(source))
    monkeypatch.delenv(warm.COLD_ENV, raising=False)
    with warm.start() as why:
        assert why is None
        for kind in ("warm", "warm", "cold"):
            if kind == "cold":
                monkeypatch.setenv(warm.COLD_ENV, "1")
            target = engine.execute(source, tmp_path / kind / source.name)
            assert warm.last_launch() == (kind, None)
            outs = [c["outputs"] for c in json.loads(target.read_text())["cells"]]
            assert "".join(outs[0][0]["text"]) == "first\n"
            assert "".join(outs[1][0]["data"]["text/plain"]) == "42"


def test_a_blocking_client_skips_the_idle_wait_too(monkeypatch, suite_server):
    """nbval's kernels in this suite (tests/conftest.py) come from the blocking warm manager:
    a forked kernel whose client drains IOPub for FLUSH_S after the handshake, and answers."""
    with warm.start() as why:
        assert why is None
        km = warm.WarmBlockingKernelManager(kernel_name="python3")
        km.start_kernel()
        try:
            assert warm._forked(km)
            kc = km.client()
            assert isinstance(kc, warm.ReadyBlockingClient)
            kc.start_channels()  # its sockets made with the 5 ms reconnect
            waits, get_msg = [], kc.iopub_channel.get_msg

            def recorded(*args, timeout=None, **kwargs):
                waits.append(timeout)
                return get_msg(*args, timeout=timeout, **kwargs)

            monkeypatch.setattr(kc.iopub_channel, "get_msg", recorded)
            kc.wait_for_ready(timeout=60)
            assert waits[-1] == warm.FLUSH_S  # the drain after the handshake, not 0.2 s
            reply = kc.execute_interactive("print(6 * 7)", output_hook=lambda m: waits.append(
                m["content"].get("text")), timeout=60)
            assert reply["content"]["status"] == "ok" and "42\n" in waits
            kc.stop_channels()
        finally:
            km.shutdown_kernel(now=True)


class _Provisioner:
    """What jupyter_client's kernel manager reads of a provisioner: its process."""

    has_process = True

    def __init__(self, process):
        self.process = process

    async def poll(self):
        return self.process.poll()


@pytest.fixture
def sleeper():
    """A process to stand for a kernel, with a pidfd as the fork server hands one over."""
    proc = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(60)"])
    yield proc, warm._Forked(proc.pid, os.pidfd_open(proc.pid))
    proc.kill()
    proc.wait()


MANAGERS = [warm.WarmKernelManager, warm.WarmBlockingKernelManager]  # the runner's, nbval's


@pytest.mark.parametrize("manager", MANAGERS)
def test_a_killed_warm_kernel_is_waited_for_on_its_pidfd_not_by_polling(sleeper, monkeypatch,
                                                                        manager):
    """jupyter_client checks every 0.1 s whether a killed kernel has ended; a forked kernel's
    manager waits on its pidfd instead, so no such sleep happens."""
    import asyncio

    proc, forked = sleeper
    km = manager(kernel_name="python3")
    km.provisioner = _Provisioner(forked)
    slept = []
    real_sleep = asyncio.sleep

    async def sleep(delay, *args):
        slept.append(delay)
        return await real_sleep(delay, *args)

    monkeypatch.setattr(asyncio, "sleep", sleep)
    assert asyncio.run(km._async_is_alive())
    forked.kill()
    asyncio.run(asyncio.wait_for(km._async_wait(), 5))
    assert slept == []
    assert forked.returncode == -9 and proc.wait(5) == -9


@pytest.mark.parametrize("manager", MANAGERS)
def test_only_a_warm_kernels_client_retries_its_connection_every_few_ms(sleeper, manager):
    """A forked kernel binds its ports moments after its client first tries them: that client
    tries again after WARM_RECONNECT_MS, not zmq's default 100 ms, which a cold kernel's client
    keeps (its kernel binds them after a second or more of imports)."""
    import zmq

    proc, forked = sleeper
    seen = {}
    for kind, process in (("warm", forked), ("cold", proc)):
        km = manager(kernel_name="python3")
        km.provisioner = _Provisioner(process)
        km.write_connection_file()
        try:
            client = km.client()
            client.start_channels(hb=False)  # no heartbeat thread pinging nothing
            try:
                seen[kind] = {name: getattr(client, f"{name}_channel").socket.getsockopt(
                    zmq.RECONNECT_IVL) for name in ("shell", "iopub", "stdin", "control")}
            finally:
                client.stop_channels()
        finally:
            km.cleanup_connection_file()
    assert warm.WARM_RECONNECT_MS == 5
    assert set(seen["warm"].values()) == {5}
    assert set(seen["cold"].values()) == {100}


def test_when_the_server_cannot_start_the_run_goes_cold_and_says_so_once(tmp_path,
                                                                          monkeypatch, capfd):
    nbs = make(tmp_path / "nb", ("03_check",))  # and a light one: cold kernels are slow
    nbformat.write(new_notebook(cells=[new_code_cell("print('light')")]),
                   str(nbs / "06_light.ipynb"))
    monkeypatch.setattr(warm, "available", lambda: "no fork here (test)")
    (tmp_path / "out").mkdir()
    tasks = [workers.Task("t", s, tmp_path / "out" / s.name, {}, "run t")
             for s in sorted(nbs.glob("*.ipynb"))]
    outcomes = workers.execute_all(tasks, jobs=2)
    assert [o["status"] for o in outcomes] == ["ok", "ok"], outcomes
    assert [o["kernel"] for o in outcomes] == ["cold", "cold"]
    err = capfd.readouterr().err
    assert err.count("warm kernels unavailable") == 1
    assert "dispatchlib: warm kernels unavailable (no fork here (test)); running cold kernels" \
        in err
    assert printed(tmp_path / "out", "03_check")[1:] == [FRESH]


def test_a_failed_warm_start_gives_a_cold_kernel_and_the_reason(tmp_path, monkeypatch):
    nbs = make(tmp_path / "nb", ("03_check",))
    monkeypatch.setenv(warm.SOCKET_ENV, str(tmp_path / "no-such-server.sock"))
    monkeypatch.delenv(warm.COLD_ENV, raising=False)
    engine.execute(nbs / "03_check.ipynb", tmp_path / "out" / "03_check.ipynb")
    kind, why = warm.last_launch()
    assert kind == "cold" and why.startswith("FileNotFoundError")
    assert printed(tmp_path / "out", "03_check")[1:] == [FRESH]


def test_a_lesson_gives_the_same_outputs_warm_or_cold(tmp_path, monkeypatch, suite_server):
    """02_economics (tables, a pandas frame's repr, figures) executed warm and cold."""
    source = paths.notebooks_dir() / "02_economics.ipynb"
    monkeypatch.delenv(warm.COLD_ENV, raising=False)
    outputs = {}
    with warm.start() as why:
        assert why is None
        for kind in ("warm", "cold"):
            if kind == "cold":
                monkeypatch.setenv(warm.COLD_ENV, "1")
            target = engine.execute(source, tmp_path / kind / source.name)
            assert warm.last_launch() == (kind, None)
            nb = json.loads(target.read_text())
            outputs[kind] = [_merged(c.get("outputs", [])) for c in nb["cells"]
                             if c["cell_type"] == "code"]
    assert any(outputs["warm"]) and outputs["warm"] == outputs["cold"]


def _merged(outputs: list[dict]) -> list[dict]:
    """Outputs with consecutive writes to one stream joined: how a kernel splits a printed
    text into stream messages depends on timing, not on the kernel's kind."""
    merged: list[dict] = []
    for o in outputs:
        if (o["output_type"] == "stream" and merged and merged[-1]["output_type"] == "stream"
                and merged[-1]["name"] == o["name"]):
            merged[-1] = {**merged[-1], "text": "".join(merged[-1]["text"]) + "".join(o["text"])}
        else:
            merged.append(o if o["output_type"] != "stream"
                          else {**o, "text": "".join(o["text"])})
    return merged


def test_papermill_and_nbval_on_their_own_keep_their_usual_kernels(monkeypatch):
    """Only the runner asks for warm kernels: the python3 kernel spec names no provisioner, so
    jupyter_client (papermill, nbval, JupyterLab) starts its local one, even where a fork
    server's socket is in the environment; nbclient's default manager is jupyter_client's."""
    from jupyter_client.kernelspec import KernelSpecManager
    from jupyter_client.manager import AsyncKernelManager
    from jupyter_client.provisioning import KernelProvisionerFactory, LocalProvisioner
    from nbclient import NotebookClient

    monkeypatch.setenv(warm.SOCKET_ENV, "/nonexistent.sock")
    spec = KernelSpecManager().get_kernel_spec("python3")
    assert "kernel_provisioner" not in spec.metadata
    made = KernelProvisionerFactory.instance().create_provisioner_instance("k", spec, None)
    assert type(made) is LocalProvisioner
    assert NotebookClient(new_notebook()).kernel_manager_class is AsyncKernelManager


def test_the_provisioner_is_registered_under_its_entry_point():
    from importlib.metadata import entry_points

    eps = entry_points(group="jupyter_client.kernel_provisioners")
    found = [ep for ep in eps if ep.name == "dispatchlib-warm"]
    assert found and found[0].load() is warm.WarmProvisioner


def test_refresh_uses_warm_kernels_unless_cold(tmp_path, suite_server):
    """``refresh`` (here of two notebooks of a temporary folder): warm kernels find numpy
    already imported; with ``--cold`` it is not."""
    nbs = tmp_path / "nb"
    nbs.mkdir()
    for name in ("01_a", "02_b"):
        cells = [new_code_cell("seed: int = 1  # seed", metadata={"tags": ["parameters"]}),
                 new_code_cell('import sys\nprint("numpy" in sys.modules)')]
        nbformat.write(new_notebook(cells=cells), str(nbs / f"{name}.ipynb"))
    for flags, seen in (([], "True\n"), (["--cold"], "False\n")):
        proc = cli("refresh", *flags, notebooks_dir=nbs)
        assert proc.returncode == 0, proc.stderr
        assert "warm kernels unavailable" not in proc.stderr
        assert [printed(nbs, s) for s in ("01_a", "02_b")] == [[seen], [seen]]


@pytest.mark.parametrize(("code", "light"), [
    ("import dispatchlib as dl\np = dl.check(seed=1)\ndl.record('01_a', x=p.seed)", True),
    ("import os, sys, json\nfrom pathlib import Path\nprint(os.getpid())", True),
    ("import dispatchlib as dl\ndl.plot_revenue()", False),
    ("import dispatchlib as dl\nf = dl", False),
    ("import dispatchlib.tables", False),
    ("from dispatchlib import check", False),
    ("import pandas as pd", False),
    ("from matplotlib import pyplot", False),
    ("from . import x", False),
])
def test_light_code_is_the_standard_library_and_check_and_record(code, light):
    import ast

    assert kernel_needs._light_code(ast.parse(code)) is light


def test_light_notebooks_get_a_light_server_and_the_same_outputs(tmp_path):
    """A folder of light notebooks only (the runner tests' tiny ones): the server imports the
    kernel and NumPy, not pandas; the kernels are warm and print what cold ones print."""
    nbs = tmp_path / "nb"
    nbs.mkdir()
    code = ("import sys\nimport dispatchlib as dl\np = dl.check(seed=4)\n"
            "print('pandas' in sys.modules, p.seed)\ndl.record('01_a', seed=p.seed)")
    nbformat.write(new_notebook(cells=[new_code_cell(code)]), str(nbs / "01_a.ipynb"))
    (nbs / "ko").mkdir()
    nbformat.write(new_notebook(cells=[new_code_cell(code)]), str(nbs / "ko" / "01_a.ipynb"))
    outs = {}
    for kind, flags in (("warm", []), ("cold", ["--cold"])):
        proc = cli("run", "--name", kind, "--out", tmp_path / "r", *flags, notebooks_dir=nbs)
        assert proc.returncode == 0, proc.stderr
        assert run_record.read(tmp_path / "r" / kind)["notebooks"]["01_a"]["kernel"] == kind
        outs[kind] = printed(tmp_path / "r" / kind, "01_a")
    assert outs["warm"] == outs["cold"] == ["False 4\n"]
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("DISPATCHLIB_NOTEBOOKS_DIR", str(nbs))
        assert kernel_needs.only_light_notebooks()
        nbformat.write(new_notebook(cells=[new_code_cell("%matplotlib inline")]),
                       str(nbs / "ko" / "02_b.ipynb"))
        assert not kernel_needs.only_light_notebooks()  # one notebook that is not: the whole stack
    assert not kernel_needs.only_light_notebooks()  # the lessons


def test_nbval_in_the_suite_runs_warm_kernels_and_compares_their_outputs(tmp_path):
    """The suite's nbval kernels (tests/conftest.py's WarmNbval) are forked from a fork server:
    a notebook whose stored output says the stack was imported before its first line passes,
    and one whose stored output is wrong still fails (nbval compares as before)."""
    code = ('# NBVAL_CHECK_OUTPUT\nimport os, sys\n'
            'print("numpy" in sys.modules, os.environ.get("DISPATCHLIB_HEADLESS"))')
    for name, text in (("ok", "True 1\n"), ("wrong", "False 1\n")):
        output = nbformat.v4.new_output("stream", name="stdout", text=text)
        cell = new_code_cell(code, execution_count=1, outputs=[output])
        nbformat.write(new_notebook(cells=[cell]), str(tmp_path / f"{name}.ipynb"))
    env = {**os.environ, "PYTHONPATH": str(Path(__file__).parent)}
    env.pop(warm.SOCKET_ENV, None)
    proc = subprocess.run(
        [sys.executable, "-m", "pytest", "-p", "conftest", "-p", "no:randomly", "-q",
         "--nbval-lax", "--nbval-current-env", "--rootdir", str(tmp_path),
         str(tmp_path / "ok.ipynb"), str(tmp_path / "wrong.ipynb")],
        capture_output=True, text=True, timeout=300, env=env, cwd=tmp_path)
    assert "1 failed, 1 passed" in proc.stdout, proc.stdout + proc.stderr
    assert "wrong.ipynb::Cell 0" in proc.stdout


def test_commands_fork_their_kernels_from_a_shared_server_when_one_is_named(tmp_path,
                                                                          shared_fork_server):
    """warm.SHARED_ENV names a fork server a parent keeps running (here the suite's,
    conftest.py): two commands fork their kernels from it (one parent, outliving both, which
    record warm kernels); a name that is not a socket is ignored (the command starts its own
    server)."""
    nbs = make(tmp_path / "nb", names=("03_check",))
    parents = []
    for name in ("one", "two"):
        proc = cli("run", "--name", name, "--out", tmp_path / "r", notebooks_dir=nbs,
                   extra_env={warm.SHARED_ENV: shared_fork_server})
        assert proc.returncode == 0, proc.stderr
        seen = printed(tmp_path / "r" / name, "03_check")[0].split()
        parents.append(seen[1])
        assert seen[6] == "False"  # the kernel sees neither the notebook's nor the server's
        assert run_record.read(tmp_path / "r" / name)["notebooks"]["03_check"]["kernel"] \
            == "warm"
    proc = cli("run", "--name", "own", "--out", tmp_path / "r", notebooks_dir=nbs,
               extra_env={warm.SHARED_ENV: str(tmp_path / "not-a-socket")})
    assert proc.returncode == 0, proc.stderr
    own = printed(tmp_path / "r" / "own", "03_check")[0].split()[1]
    assert parents[0] == parents[1] != own
