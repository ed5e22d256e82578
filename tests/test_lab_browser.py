"""JupyterLab in a real browser: open the economics lesson, run every cell, move a slider of its
explorer and see the figure change, with no error output anywhere.

JupyterLab is started on 127.0.0.1 with a random token and a free port, over a temporary copy
of ``notebooks/`` and with every Jupyter folder (configuration, data, runtime, IPython) in the
test's temporary folder, so nothing leaks into the user's set-up. Its environment lacks
``DISPATCHLIB_HEADLESS`` (which the test suite sets), so the explorers build as they do in
class. As root (as in CI) it gets ``--allow-root``.

Chromium is Debian's ``chromium`` package (``.ci/run`` installs it when missing), driven by
Playwright with its executable path pointed at it; no browser is downloaded. The test is
skipped only when Chromium or Playwright is missing outside CI; in CI (``CI=true``) that is a
failure. The browser may reach nothing but the local server. Every wait is capped, the server
is stopped (and its kernels shut down) even when the test fails, and screenshots plus the
server's log go to ``reports/lab-test/``.
"""

import json
import os
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from urllib.parse import urlparse

import pytest
from conftest import CHROMIUM_FLAGS, chromium_or_skip

from dispatchlib import paths
from dispatchlib.run import discovery
from dispatchlib.teaching import EXPLORER_CLASS

SHOTS = paths.ROOT / "reports" / "lab-test"
NOTEBOOK = "02_economics.ipynb"
WAIT_MS = 120_000  # no single wait may take longer
START_S = 90  # for the server to answer
PANEL = ".jp-NotebookPanel:not(.lm-mod-hidden)"
#: JupyterLab settings: every cell in the page (the test reads them all), no news, no updates
SETTINGS = {
    "@jupyterlab/notebook-extension/tracker.jupyterlab-settings": {"windowingMode": "none"},
    "@jupyterlab/apputils-extension/notification.jupyterlab-settings": {
        "checkForUpdates": False, "fetchNews": "false"},
}


@pytest.fixture(scope="module")
def chromium():
    """Playwright's sync API and Debian's Chromium, or skip (outside CI) / fail (in CI)."""
    return chromium_or_skip()


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _answers(url: str) -> bool:
    try:
        with urllib.request.urlopen(url, timeout=2) as response:  # noqa: S310 - local server
            return response.status == 200
    except OSError:
        return False


def _stop(proc: subprocess.Popen, base: str, token: str) -> None:
    """Shut the server down through its API (it stops its kernels), then by signal."""
    if proc.poll() is None:
        request = urllib.request.Request(f"{base}/api/shutdown", method="POST",
                                         headers={"Authorization": f"token {token}"})
        try:
            urllib.request.urlopen(request, timeout=5)  # noqa: S310 - local server
        except OSError:
            pass
        try:
            proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            pass
    for sig in (signal.SIGTERM, signal.SIGKILL):
        if proc.poll() is not None:
            break
        try:
            os.killpg(proc.pid, sig)  # the server's own process group, started below
        except ProcessLookupError:
            break
        try:
            proc.wait(timeout=15)
        except subprocess.TimeoutExpired:
            continue


@pytest.fixture
def lab(chromium, tmp_path):
    """A JupyterLab server over a copy of the notebooks; stopped afterwards, whatever happens."""
    folder = tmp_path / "notebooks"
    folder.mkdir()
    for source in discovery.notebooks():
        shutil.copy2(source, folder / source.name)
    home = {name: tmp_path / name for name in ("config", "data", "runtime", "ipython")}
    for path in home.values():
        path.mkdir()
    for name, values in SETTINGS.items():
        target = home["config"] / "lab" / "user-settings" / name
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(json.dumps(values), encoding="utf-8")
    env = {k: v for k, v in os.environ.items()
           if k not in ("DISPATCHLIB_HEADLESS", "NBGRADER_EXECUTION", "MPLBACKEND",
                        "DISPATCHLIB_STYLE", "JUPYTER_PATH", "JUPYTER_CONFIG_PATH")}
    env.update(JUPYTER_CONFIG_DIR=str(home["config"]), JUPYTER_DATA_DIR=str(home["data"]),
               JUPYTER_RUNTIME_DIR=str(home["runtime"]), IPYTHONDIR=str(home["ipython"]))
    port, token = _free_port(), secrets.token_hex(16)
    command = [sys.executable, "-m", "jupyter", "lab", "--ip=127.0.0.1", f"--port={port}",
               "--ServerApp.port_retries=0", "--no-browser",
               f"--IdentityProvider.token={token}", f"--notebook-dir={folder}",
               "--LabApp.extension_manager=readonly",
               "--LabApp.check_for_updates_class="
               "jupyterlab.handlers.announcements.NeverCheckForUpdate"]
    if os.geteuid() == 0:
        command.append("--allow-root")
    log_path = tmp_path / "jupyterlab.log"
    base = f"http://127.0.0.1:{port}"
    with open(log_path, "wb") as log:
        proc = subprocess.Popen(command, stdout=log, stderr=subprocess.STDOUT, env=env,
                                cwd=tmp_path, start_new_session=True)
    try:
        deadline = time.monotonic() + START_S
        while not _answers(f"{base}/api/status?token={token}"):
            if proc.poll() is not None or time.monotonic() > deadline:
                pytest.fail("JupyterLab did not start:\n"
                            + log_path.read_text(errors="replace")[-3000:])
            time.sleep(0.1)
        yield {"base": base, "token": token, "log": log_path, "folder": folder}
    finally:
        _stop(proc, base, token)
        SHOTS.mkdir(parents=True, exist_ok=True)
        shutil.copy(log_path, SHOTS / "jupyterlab.log")


def _kernel_idle(page) -> None:
    page.wait_for_function(
        "() => (document.querySelector('#jp-main-statusbar') || {innerText: ''})"
        ".innerText.includes('| Idle')", timeout=WAIT_MS)


def _menu(page, menu: str, command: str) -> None:
    page.locator(".lm-MenuBar-item", has_text=menu).first.click()
    page.locator(f".lm-Menu-item[data-command='{command}']").click()


#: true once every code cell has an execution count, or as soon as an error is shown (the
#: cells after it would never run)
ALL_RUN = f"""() => {{
    const prompts = [...document.querySelectorAll('{PANEL} .jp-CodeCell .jp-InputPrompt')]
        .map(e => e.textContent.trim());
    const failed = [...document.querySelectorAll('{PANEL} .jp-OutputArea-output')]
        .some(e => e.textContent.includes('Traceback'));
    return failed || (prompts.length > 0 && prompts.every(t => /^\\[\\d+\\]:$/.test(t)));
}}"""


def test_explorer_slider_redraws_the_figure_in_jupyterlab(chromium, lab):
    sync_playwright, executable = chromium
    started = time.monotonic()
    outside: list[str] = []
    page_errors: list[str] = []
    allowed = urlparse(lab["base"]).netloc

    def guard(route):
        url = urlparse(route.request.url)
        if url.scheme in ("data", "blob") or url.netloc == allowed:
            route.continue_()
        else:  # a classroom without internet: nothing else may be fetched
            outside.append(route.request.url)
            route.abort()

    SHOTS.mkdir(parents=True, exist_ok=True)
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=executable, headless=True,
                                     args=CHROMIUM_FLAGS)
        page = None
        try:
            context = browser.new_context(viewport={"width": 1400, "height": 1000})
            context.route("**/*", guard)
            page = context.new_page()
            page.set_default_timeout(WAIT_MS)
            page.on("pageerror", lambda e: page_errors.append(str(e)))
            page.goto(f"{lab['base']}/lab/tree/{NOTEBOOK}?reset&token={lab['token']}")
            page.wait_for_selector(f"{PANEL} .jp-CodeCell")
            _kernel_idle(page)

            # clear the stored outputs, so that every count seen afterwards is from this run
            _menu(page, "Edit", "editmenu:clear-all")
            page.wait_for_function(f"""() => [...document.querySelectorAll(
                '{PANEL} .jp-CodeCell .jp-InputPrompt')].every(e => !/\\d/.test(e.textContent))""",
                                   timeout=WAIT_MS)
            _menu(page, "Run", "runmenu:run-all")
            page.wait_for_function(ALL_RUN, timeout=WAIT_MS)
            _kernel_idle(page)
            page.screenshot(path=str(SHOTS / "01-after-run-all.png"))
            tracebacks = [t for t in page.locator(f"{PANEL} .jp-OutputArea-output")
                          .all_text_contents() if "Traceback" in t]
            assert not tracebacks, f"a cell failed in JupyterLab:\n{tracebacks[0][-2000:]}"

            explorer = page.locator(f"{PANEL} .{EXPLORER_CLASS}")
            assert explorer.count() == 1, "the explorer of 02_economics did not appear"
            explorer.scroll_into_view_if_needed()
            image = explorer.locator(".widget-output img")
            image.wait_for()
            before = image.get_attribute("src")
            readouts = explorer.locator(".widget-readout")
            assert readouts.all_text_contents() == ["15000", "9750"]  # the parameters' values
            page.screenshot(path=str(SHOTS / "02-explorer-before.png"))

            # move the workers slider three steps (1,000 persons each) with the keyboard
            handle = explorer.locator(".noUi-handle").first
            handle.focus()
            for _ in range(3):
                handle.press("ArrowRight")
            page.wait_for_function(
                """([box, old]) => {
                    const img = document.querySelector(box + ' .widget-output img');
                    return img !== null && img.getAttribute('src') !== old; }""",
                arg=[f"{PANEL} .{EXPLORER_CLASS}", before], timeout=WAIT_MS)
            page.wait_for_function(
                f"""() => document.querySelector('{PANEL} .{EXPLORER_CLASS} .widget-readout')
                       .textContent.trim() === '18000'""", timeout=WAIT_MS)
            _kernel_idle(page)
            page.wait_for_timeout(500)  # the last redraw reaches the page
            after = image.get_attribute("src")
            assert after and after != before, "moving the slider did not change the figure"
            assert image.count() == 1, "the redraw left more than one figure"
            page.screenshot(path=str(SHOTS / "03-explorer-after.png"))

            # no error output anywhere in the notebook
            stderr = page.locator(f"{PANEL} .jp-OutputArea-output"
                                  "[data-mime-type='application/vnd.jupyter.stderr']")
            bad = [t for t in stderr.all_text_contents() if "Traceback" in t or "Error" in t]
            assert not bad, bad
            texts = page.locator(f"{PANEL} .jp-RenderedText").all_text_contents()
            assert not [t for t in texts if "Error" in t or "Traceback" in t]
            assert "cannot be drawn" not in explorer.inner_text()
            assert not page_errors, page_errors
            assert not outside, f"the page tried to reach the internet: {outside}"
        finally:
            if page is not None:
                page.screenshot(path=str(SHOTS / "99-last.png"), full_page=False)
            browser.close()
    (SHOTS / "timing.txt").write_text(
        f"browser part: {time.monotonic() - started:.1f} s\n", encoding="utf-8")
