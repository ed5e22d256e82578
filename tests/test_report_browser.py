"""The report of a full run (every lesson at its defaults, as ``make report``), opened in a
real headless Chromium: every page loads with no error, shows its figures, and fetches nothing
from outside the report folder (a classroom without internet).

Chromium is Debian's ``chromium`` package (``.ci/run`` installs it when missing), driven by
Playwright without any browser download. The browser test is skipped only when Chromium is
missing outside CI; in CI (``CI=true``) a missing browser is a failure. Screenshots are kept in
``reports/browser-test/``.
"""

import json
import re
from pathlib import Path
from urllib.parse import unquote, urlparse

import pytest
from conftest import CHROMIUM_FLAGS, chromium_or_skip

from dispatchlib import paths
from dispatchlib.run import discovery, run_record, runner

SCREENSHOTS = paths.ROOT / "reports" / "browser-test"
HANGUL = re.compile(r"[가-힣]")


def _text(page: str) -> str:
    """The visible text of a page (tags, styles and embedded images left out)."""
    body = re.sub(r"<(style|script)[^>]*>.*?</\1>", " ", page, flags=re.S)
    return re.sub(r"<[^>]+>", " ", body)


@pytest.fixture(scope="module")
def report(tmp_path_factory):
    """``run`` over every lesson at its defaults, two at a time, into a temporary folder."""
    out = tmp_path_factory.mktemp("reports")
    folder = runner.run(name="default", jobs=2, out=out)
    return folder, run_record.read(folder)


def _png_outputs(notebook: Path) -> int:
    """Figures stored in an executed notebook."""
    nb = json.loads(notebook.read_text(encoding="utf-8"))
    return sum("image/png" in o.get("data", {}) for c in nb["cells"]
               for o in c.get("outputs", []))


def test_full_run_at_defaults_succeeds(report):
    folder, record = report
    assert record["status"] == "ok", {k: v["error"] for k, v in record["notebooks"].items()}
    assert list(record["notebooks"]) == [p.stem for p in discovery.notebooks()]
    for stem, info in record["notebooks"].items():
        assert info["results"], f"{stem} recorded no headline results"
        assert (folder / f"{stem}.html").is_file() and (folder / f"{stem}.ipynb").is_file()
    # the defaults are the notebooks' own
    for source in discovery.notebooks():
        declared = {n: d.default for n, d in discovery.declared(source).items()}
        assert record["parameters"][source.stem] == declared
    assert record["overrides"] == {}


def test_english_runs_are_unchanged(report):
    """Moved from tests/test_i18n_reports.py (the Korean edition's tests): an English run's
    record says ``lang`` "en", its pages are ``lang="en"``, the index's headings, title and
    status and each page's link back are English, and no page shows Korean."""
    folder, record = report
    assert record["lang"] == "en"
    index = (folder / "index.html").read_text(encoding="utf-8")
    assert '<html lang="en">' in index
    assert "<h2>Notebooks</h2>" in index and "<title>Run default</title>" in index
    assert '<span class="status ok">ok</span>' in index
    assert not HANGUL.search(_text(index))
    for stem in record["notebooks"]:
        page = (folder / f"{stem}.html").read_text(encoding="utf-8")
        assert '<html lang="en">' in page, stem
        assert "&larr; run default</a>" in page or "← run default</a>" in page, stem
        assert not HANGUL.search(_text(page)), stem


def test_pages_reference_nothing_online(report):
    folder, _ = report
    pages = sorted(folder.glob("*.html"))
    assert len(pages) == len(discovery.notebooks()) + 1
    for page in pages:
        text = page.read_text(encoding="utf-8")
        assert "<script" not in text, page.name
        assert not re.search(r"""<(img|link|iframe|source|video|audio)[^>]*\s(src|href)=["']?"""
                             r"""(https?:)?//""", text), page.name
        assert "cdnjs" not in text and "cdn.jsdelivr" not in text and "@import" not in text


class OfflineBrowser:
    """Headless Chromium that refuses (and records) every request outside the folder of the
    page it opens (``root``) and records console errors, page errors and failed requests."""

    def __init__(self, pw, executable: str):
        self.root: Path | None = None
        self.browser = pw.chromium.launch(executable_path=executable, headless=True,
                                          args=CHROMIUM_FLAGS)
        self.context = self.browser.new_context(viewport={"width": 1280, "height": 900})
        self.context.route("**/*", self._guard)
        self.page = self.context.new_page()
        self.errors: list[str] = []
        self.outside: list[str] = []
        self.page.on("console", lambda m: self.errors.append(f"console: {m.text}")
                     if m.type == "error" else None)
        self.page.on("pageerror", lambda e: self.errors.append(f"page error: {e}"))
        self.page.on("requestfailed", lambda r: self.errors.append(f"request failed: {r.url}"))

    def _guard(self, route):
        url = urlparse(route.request.url)
        local = (url.scheme == "file" and self.root is not None
                 and Path(unquote(url.path)).resolve().is_relative_to(self.root))
        if local or url.scheme == "data":
            route.continue_()
        else:  # a classroom without internet
            self.outside.append(route.request.url)
            route.abort()

    def open(self, path: Path, root: Path) -> list:
        """Load a page, allowing requests under ``root`` only; return the problems seen while
        loading it."""
        self.root = root.resolve()
        self.errors.clear()
        self.outside.clear()
        self.page.goto(path.as_uri(), wait_until="load")
        # "load" has waited for every image, stylesheet and script; fonts are the requests a
        # page can still start after it, and document.fonts.ready waits for them (Playwright's
        # "networkidle" would add half a second of quiet to every page)
        self.page.evaluate("document.fonts.ready.then(() => document.fonts.status)")
        return [*self.errors, *(f"outside request: {u}" for u in self.outside)]

    def close(self):
        self.browser.close()


@pytest.fixture(scope="module")
def browser():
    """One headless Chromium (and one Playwright driver) for the module: each test opens its
    own pages in it, each page allowed to read its own folder only."""
    sync_playwright, executable = chromium_or_skip()
    with sync_playwright() as pw:
        chromium = OfflineBrowser(pw, executable)
        try:
            yield chromium
        finally:
            chromium.close()


def test_the_browser_check_catches_online_resources_and_errors(tmp_path, browser):
    page = tmp_path / "bad.html"
    page.write_text('<!DOCTYPE html><html><head><script src="https://cdn.invalid/x.js">'
                    '</script><style>@font-face { font-family: Far; src: '
                    'url("https://fonts.invalid/far.woff2"); } body { font-family: Far; }'
                    '</style></head><body><img src="https://example.invalid/a.png">'
                    '<script>console.error("boom")</script></body></html>')
    problems = browser.open(page, tmp_path)
    assert "console: boom" in problems
    assert "outside request: https://cdn.invalid/x.js" in problems
    assert "outside request: https://example.invalid/a.png" in problems
    assert "outside request: https://fonts.invalid/far.woff2" in problems  # a web font


def test_every_page_loads_offline_in_chromium_with_its_figures(report, browser):
    folder, record = report
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    problems = {}
    page = browser.page
    problems["index.html"] = browser.open(folder / "index.html", folder)
    page.screenshot(path=str(SCREENSHOTS / "index.png"), full_page=True)
    links = page.eval_on_selector_all("a[href$='.html']", "els => els.map(e => e.href)")
    expected = {(folder / f"{stem}.html").resolve() for stem in record["notebooks"]}
    assert {Path(unquote(urlparse(u).path)).resolve() for u in links} == expected

    for stem in record["notebooks"]:
        problems[stem] = browser.open(folder / f"{stem}.html", folder)
        figures = page.locator(".jp-OutputArea-output img")
        sizes = figures.evaluate_all(
            "els => els.map(e => (e.complete && e.naturalWidth > 0) ?"
            " e.getBoundingClientRect().width : 0)")
        expected_figures = _png_outputs(folder / f"{stem}.ipynb")
        shown = sum(width > 50 for width in sizes)
        assert shown >= expected_figures, f"{stem}: {shown} of {expected_figures} shown"
        broken = page.eval_on_selector_all(
            "img", "els => els.filter(e => !(e.complete && e.naturalWidth > 0)).length")
        assert broken == 0, f"{stem}: {broken} image(s) did not load"
        assert page.locator("nav.dl-nav a[href='index.html']").count() == 1
        if expected_figures:  # the first figure, in its page
            figures.first.scroll_into_view_if_needed()
        page.screenshot(path=str(SCREENSHOTS / f"{stem}.png"))
    assert not any(problems.values()), {k: v for k, v in problems.items() if v}
    assert (SCREENSHOTS / "index.png").stat().st_size > 10_000


def test_index_pages_lead_with_the_answer_and_fit_a_normal_screen(tmp_path, browser):
    """A run's page shows its headline results in the first screen; a sweep's page of a wide
    grid (the trial's was 3,390 px wide) is no wider than the window: its table scrolls in
    its box. Pages made from records, no kernel."""
    from dispatchlib.run import pages as report

    stems = [p.stem for p in discovery.notebooks()]
    record = {"name": "default", "status": "ok", "seconds": 9.0, "overrides": {},
              "parameters": {s: {f"parameter_{i}": 1000 * i for i in range(30)} for s in stems},
              "notebooks": {s: {"status": "ok", "seconds": 1.0, "results": {
                  **{f"some_result_{i}_usd": 123456.7 * i for i in range(17)},
                  "workers": 15000, "state_revenue_usd": 146_250_000.0,
                  "state_revenue_usd_p5": 91_500_000.0, "state_revenue_usd_p95": 1.49e8}}
                  for s in stems},
              "versions": {"python": "3.11"}, "data_sha256": "0" * 64}
    run_folder = tmp_path / "run"
    run_folder.mkdir()
    report.write_index(run_folder, record)
    header = ["status", *(f"parameter_number_{i}" for i in range(4)),
              *(f"{s}.some_long_result_name_{i}_usd" for s in stems for i in range(6))]
    rows = [{"run": f"run-{k}", "status": "ok", **{h: 123456.789 * k for h in header[1:]}}
            for k in range(5)]
    sweep_folder = tmp_path / "sweep"
    sweep_folder.mkdir()
    report.write_sweep_index(sweep_folder, "wide", header, rows)
    page = browser.page
    problems = browser.open(run_folder / "index.html", tmp_path)
    top = page.eval_on_selector("dl.answer", "e => e.getBoundingClientRect().top")
    assert top < 300, f"the headline results start {top:.0f} px down"
    first = page.eval_on_selector("dl.answer dd", "e => e.textContent")
    assert first.startswith("15,000 persons"), first
    widths = {}
    for folder in (run_folder, sweep_folder):
        problems += browser.open(folder / "index.html", tmp_path)
        widths[folder.name] = page.evaluate("document.documentElement.scrollWidth")
    assert not problems, problems
    assert widths["run"] <= 1280 and widths["sweep"] <= 1280, widths
