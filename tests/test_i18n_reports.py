"""Korean reports (issue 15, point 2): ``python -m dispatchlib run --lang ko`` executes the Korean
lessons of ``notebooks/ko/`` and writes every page in Korean, with ``lang="ko"``.

One Korean run of every lesson is shared by the tests (in a temporary copy of ``notebooks/``:
the Korean lessons as committed, or built from the catalogues when they are not built yet).
That English runs are as before (``lang="en"``) is checked on tests/test_report_browser.py's
full English run (``test_english_runs_are_unchanged``, moved there from here, where it ran a
tiny notebook of its own).
"""

import json
import os
import re
import shutil
import subprocess
from pathlib import Path

import commands
import pytest
from synthetic_notebooks import make

from dispatchlib.run import discovery, refresh, run_record

HANGUL = re.compile(r"[가-힣]")
LESSONS = [p.stem for p in discovery.notebooks()]


def _korean_lessons(folder: Path) -> Path:
    """``folder`` holding the English lessons and their Korean editions in ``ko/``."""
    from dispatchlib.i18n import build

    (folder / "ko").mkdir(parents=True)
    for source in discovery.notebooks():
        shutil.copy(source, folder / source.name)
        committed = discovery.notebooks_folder("ko") / source.name
        if committed.exists():
            shutil.copy(committed, folder / "ko" / source.name)
        else:  # not built yet: a draft from the catalogues (what `translate` would write)
            nb = build.build(source, "ko", allow_stale=True)
            (folder / "ko" / source.name).write_text(build.dumps(nb), encoding="utf-8")
    return folder


def _run(notebooks: Path, reports: Path, *args: str) -> subprocess.CompletedProcess:
    env = {**os.environ, "DISPATCHLIB_NOTEBOOKS_DIR": str(notebooks),
           "DISPATCHLIB_REPORTS_DIR": str(reports)}
    return commands.dispatchlib("run", *args, env=env, timeout=900)


@pytest.fixture(scope="module")
def korean(tmp_path_factory) -> Path:
    """The folder of one Korean run of every lesson (its default name: default-ko)."""
    root = tmp_path_factory.mktemp("korean-run")
    done = _run(_korean_lessons(root / "notebooks"), root / "reports", "--lang", "ko",
                "--jobs", "2")
    assert done.returncode == 0, done.stdout + done.stderr
    return root / "reports" / "default-ko"


def _text(page: str) -> str:
    """The visible text of a page (tags, styles and embedded images left out)."""
    body = re.sub(r"<(style|script)[^>]*>.*?</\1>", " ", page, flags=re.S)
    return re.sub(r"<[^>]+>", " ", body)


def test_the_korean_run_records_its_language(korean):
    record = run_record.read(korean)
    run_record.validate(record)
    assert record["lang"] == "ko" and record["status"] == "ok"
    assert list(record["notebooks"]) == LESSONS
    assert korean.name == "default-ko"  # never the English run's folder


def test_every_page_of_the_korean_run_is_korean(korean):
    pages = sorted(korean.glob("*.html"))
    assert [p.stem for p in pages if p.stem != "index"] == LESSONS
    for page in pages:
        html = page.read_text(encoding="utf-8")
        assert '<html lang="ko">' in html, page.name
        if page.stem == "index":
            continue
        # the lesson's own title, translated, and the link back to the run in Korean
        title = re.search(r"<h1[^>]*>(.*?)</h1>", html, re.S)
        assert title and HANGUL.search(_text(title.group(1))), (page.name, title)
        assert "&larr; 실행 default-ko</a>" in html or "← 실행 default-ko</a>" in html, page.name
        text = _text(html)
        assert len(HANGUL.findall(text)) > 500, f"{page.name}: hardly any Korean"


def test_the_korean_index_speaks_korean(korean):
    html = (korean / "index.html").read_text(encoding="utf-8")
    headings = re.findall(r"<h2>(.*?)</h2>", html)
    assert headings == ["주요 결과", "노트북", "매개변수", "기록된 결과 전체", "재현성"]
    assert "<title>실행 default-ko</title>" in html
    assert '<span class="status ok">완료</span>' in html
    for english in ("Headline results", "Every recorded result", "Reproducibility",
                    "executed notebook", "Highlighted: set for this run"):
        assert english not in html, english
    # the headline answers in Korean words and units: 만 / 억, 명, 달러
    answer = html[html.index('<dl class="answer">'):html.index("</dl>")]
    assert "러시아 내 노동자, 2025년" in answer
    assert re.search(r"<dd>\d[\d,]*만( [\d,]+)? ?명", answer), answer[:600]  # 1만 5,000명
    assert re.search(r"\d(억|만)( [\d,]+만)? 달러", answer), answer[:600]
    assert "USD " not in answer and "persons" not in answer
    # what 0 of a parameter stands for, in Korean
    assert "the ramp_scenario" not in html and "(the speed)" not in html
    assert "0 (ramp_scenario의 상한을 씀)" in html
    # results in their units: a fractional change as a percentage, a factor as so many times,
    # yearly dollars with separators
    for key, shown in (("enforcement_people_exposed_change", "-67%"),
                       ("sanctions_jump_pct_interval_factor", "154배"),
                       ("gross_usd_per_year", "연 9,600달러"),
                       ("living_usd_per_worker_year", "노동자 1인당 연 3,300달러"),
                       ("entries_2024", "1만 3,221건")):
        assert f'<code>{key}</code></td><td class="num">{shown}</td>' in html, key
    # a unit is never broken inside a word; Hangul fonts named for lang="ko"
    assert '<td class="unit">명</td>' in html and "word-break: keep-all" in html
    assert '"Noto Sans KR", "Nanum Gothic", "Malgun Gothic"' in html


def _glyph_warnings(caplog) -> list[str]:
    return [r.getMessage() for r in caplog.records if "glyph" in r.getMessage().lower()]


def test_korean_formulas_are_drawn_in_hangul(tmp_path, caplog):
    """A formula with Korean words on a Korean page is drawn with a font that has Hangul
    (mathtext's own fonts have none: it warns "Font 'rm' does not have a glyph" and draws
    boxes); the same formula on an English page is drawn as before."""
    import logging

    import nbformat
    from nbformat.v4 import new_markdown_cell, new_notebook

    from dispatchlib.run import notebook_pages

    tex = r"12 \times \text{월 총임금} = \text{국가 몫} + \text{저축} + \text{생활비}"
    nb = new_notebook(cells=[new_markdown_cell(f"# 함의\n\n$${tex}$$\n\n"
                                               r"$\text{상실}_t = (C - S)/S$")])
    nb.metadata["dispatchlib"] = {"lang": "ko"}
    path = tmp_path / "05_t.ipynb"
    nbformat.write(nb, str(path))
    notebook_pages._draw.cache_clear()  # drawn anew, so any warning is logged now
    caplog.set_level(logging.WARNING, logger="matplotlib")
    page = notebook_pages.render_notebook(path).read_text(encoding="utf-8")
    assert _glyph_warnings(caplog) == []
    assert page.count('src="data:image/svg+xml;base64,') == 2
    assert '<code class="dl-tex">' not in page  # none left as TeX
    korean = notebook_pages.math_svg(tex, display=True, lang="ko")
    # in English the page's fonts stay mathtext's own (which is what would draw boxes here)
    caplog.clear()
    english = notebook_pages.math_svg(tex, display=True, lang="en")
    assert _glyph_warnings(caplog), "mathtext's own font unexpectedly has Hangul"
    assert english != korean
    assert notebook_pages.math_svg(r"\frac{a}{b}", lang="en") == \
        notebook_pages.math_svg(r"\frac{a}{b}")  # English is the default, as before


def _glyphs_missing(executed: Path) -> tuple[int, list[str]]:
    """The figures (PNG outputs) of an executed notebook, and every output that says a
    character was drawn without its glyph (matplotlib warns "Glyph ... missing from font" on
    the kernel's stderr, which the executed copy keeps)."""
    nb = json.loads(executed.read_text(encoding="utf-8"))
    outputs = [o for c in nb["cells"] for o in c.get("outputs", [])]
    return (sum("image/png" in o.get("data", {}) for o in outputs),
            [text for o in outputs if "missing from font" in (text := "".join(o.get("text", "")))])


@pytest.mark.parametrize("stem", LESSONS)
def test_every_korean_figure_has_every_glyph(korean, stem):
    """Every figure of every Korean lesson drew every character, in the kernel of the Korean
    run (the figures as a reader sees them)."""
    figures, missing = _glyphs_missing(korean / f"{stem}.ipynb")
    assert figures, f"notebooks/ko/{stem}: no figure was drawn"
    assert not missing, f"notebooks/ko/{stem}: {missing[0][:300]}"
    assert "missing from font" not in (korean / f"{stem}.log").read_text(encoding="utf-8")


def test_the_glyph_check_fails_without_the_korean_font(tmp_path, monkeypatch):
    """The check above can fail: a Hangul title set in a font without Hangul (DejaVu Sans, as
    the lessons' figures would be without the Korean font) leaves the warning in the executed
    copy. A warm kernel, as the run's."""
    import nbformat
    from nbformat.v4 import new_code_cell, new_notebook

    from dispatchlib.run import engine, warm

    source = tmp_path / "01_glyph.ipynb"
    nbformat.write(new_notebook(cells=[new_code_cell(
        "%matplotlib inline\nimport matplotlib.pyplot as plt\n"
        "fig, ax = plt.subplots()\nax.set_title('한글', fontfamily='DejaVu Sans')")]),
        str(source))
    monkeypatch.setenv("DISPATCHLIB_HEADLESS", "1")  # engine.execute sets them: put back after
    monkeypatch.setenv(warm.NOTEBOOK_ENV, "")
    with warm.start():
        engine.execute(source, tmp_path / "out" / source.name)
    figures, missing = _glyphs_missing(tmp_path / "out" / source.name)
    assert figures == 1 and missing and "Glyph" in missing[0], missing
    assert warm.last_launch()[0] == "warm"


def test_the_korean_notebooks_ran_in_korean(korean):
    # the library's own texts came out in Korean: a figure's sources line, a table header
    nb = json.loads((korean / "00_start-here.ipynb").read_text(encoding="utf-8"))
    printed = "".join("".join(o.get("text", "")) for c in nb["cells"]
                      for o in c.get("outputs", []))
    assert "노동자(명)" in printed and "workers (persons)" not in printed


def test_refresh_takes_both_languages_unless_told(tmp_path, monkeypatch):
    folder = make(tmp_path / "notebooks", "01_tiny", "02_other")
    make(folder / "ko", "02_other")
    monkeypatch.setenv("DISPATCHLIB_NOTEBOOKS_DIR", str(folder))
    both = [p.relative_to(folder).as_posix() for p in refresh.sources_of()]
    assert both == ["01_tiny.ipynb", "02_other.ipynb", "ko/02_other.ipynb"]
    assert [p.relative_to(folder).as_posix() for p in refresh.sources_of(["01"])] == \
        ["01_tiny.ipynb"]  # no Korean 01 yet: the English one only
    assert [p.relative_to(folder).as_posix() for p in refresh.sources_of(lang="ko")] == \
        ["ko/02_other.ipynb"]
    assert [p.relative_to(folder).as_posix() for p in refresh.sources_of(lang="en")] == \
        ["01_tiny.ipynb", "02_other.ipynb"]


@pytest.mark.parametrize(("value", "unit", "name", "korean", "english"), [
    (975_000_000.0, "USD", "state_revenue_usd", "9억 7,500만 달러", "USD 975 million"),
    (1_234_000_000.0, "USD", "", "12억 3,000만 달러", "USD 1.23 billion"),  # 3 digits kept
    (100_000, "persons", "workers", "10만 명", "100,000 persons"),
    (15_000, "persons", "workers", "1만 5,000명", "15,000 persons"),
    (80_460.1, "persons", "people_exposed", "8만 460명", "80,460 persons"),
    (9_600, "persons", "workers", "9,600명", "9,600 persons"),
    (6_500.0, "USD", "annual_quota_usd", "6,500달러", "USD 6,500"),
    (3.2, "months", "bribe_payback_months", "3.2개월", "3.2 months"),
    (-61.7293, "%", "sanctions_jump_pct", "-61.7%", "-61.7%"),
    (2035, "year", "end_year", "2035", "2035"),
    (0.4567, "ratio", "share_of_pool_end", "0.457", "0.457"),
    (None, "USD", "", "계산되지 않음", "not computed"),
])
def test_amounts_in_words_in_both_languages(value, unit, name, korean, english):
    from dispatchlib.formatting import quantity
    from dispatchlib.i18n.faithful import english_numbers, korean_numbers

    assert quantity(value, unit, name, lang="ko") == korean
    assert quantity(value, unit, name, lang="en") == english
    # the same number in both: 9억 7,500만 is 975 million
    assert korean_numbers(korean) == english_numbers(english)


def test_a_change_too_uncertain_to_report_reads_in_korean():
    from dispatchlib import formatting
    from dispatchlib.i18n import language

    english = formatting.not_estimable(524.6, 0.95)
    with language("ko"):
        korean = formatting.not_estimable(524.6, 0.95)
    assert english == ("not estimable from these data (the 95% interval spans a factor of "
                       "525)")
    assert korean == "이 자료로는 추정할 수 없다(95% 구간의 위쪽 끝이 아래쪽 끝의 525배다)"
    assert formatting.not_estimable(524.6, 0.95) == english  # the language is back


@pytest.mark.parametrize(("show", "key", "english", "korean"), [
    ("dispatchlib.lessons.audit:verdict_label", "holds only at one end",
     "holds only at one end", "한쪽 끝에서만 성립"),
    ("dispatchlib.lessons.audit:verdict_label", "one end", "one end", "한쪽 끝만 일치"),
    ("dispatchlib.lessons.audit:verdict_label", "context", "context", "맥락"),
    ("dispatchlib.lessons.history:era_label", "revival", "revival", "재개"),
    ("dispatchlib.lessons.prospects:ramp_label", "this run", "this run", "이번 실행"),
    ("dispatchlib.lessons.sanctions:change_label", "revival_level", "jump at the revival year",
     "재개 연도의 도약"),
    ("dispatchlib.model.scenario:label_of", "savings_usd", "Savings per worker",
     "노동자 1인당 저축"),
    ("dispatchlib.lessons.history:era_name", "Contract brigades", "Contract brigades",
     "청부 작업반"),
    ("dispatchlib.lessons.economics:publisher_label", "Monthly Chosun", "Monthly Chosun",
     "월간조선"),
    ("dispatchlib.lessons.economics:publisher_label", "Radio Free Asia", "Radio Free Asia",
     "자유아시아방송(RFA)"),
])
def test_data_keys_shown_as_words_keep_english_and_read_in_korean(show, key, english, korean):
    """A key that code compares (a verdict, an era id, a ramp name) stays English in data and
    code; the helper a lesson prints it with gives the English key itself in English and the
    Korean word in Korean."""
    import importlib

    from dispatchlib.i18n import language

    module, name = show.split(":")
    label = getattr(importlib.import_module(module), name)
    assert label(key) == english
    with language("ko"):
        assert label(key) == korean
        assert label("not a key") == "not a key"
    assert label(key) == english  # the language is back


def _figure_texts(fig) -> list[str]:
    """Every text drawn on a figure (titles, tick labels, annotations, legends, notes)."""
    from matplotlib.text import Text

    fig.canvas.draw()  # tick labels are set when drawn
    return [t.get_text() for t in fig.findobj(Text) if t.get_text()]


def _in_language(lang: str, draw):
    import matplotlib.pyplot as plt

    from dispatchlib.i18n import language

    with language(lang):
        fig = draw()
        texts = _figure_texts(fig)
    return fig, texts, plt


def test_the_korean_headline_and_history_figures_show_no_english_keys():
    """The start-here figure names its scenarios, and the history overview its eras, as the
    Korean tables do; in English the keys and the data's names are shown as before."""
    import dispatchlib as dl

    table = dl.audit.headline(draws=500)
    fig, texts, plt = _in_language("ko", lambda: dl.plots.audit.headline(table))
    assert {"2025년 추정치", "이번 실행", "보고서의 상한"} <= set(texts)
    assert not {"2025 estimate", "this run", "brief's ceiling"} & set(texts)
    plt.close(fig)
    fig, texts, plt = _in_language("en", lambda: dl.plots.audit.headline(table))
    assert {"2025 estimate", "this run", "brief's ceiling"} <= set(texts)
    plt.close(fig)

    workforce, eras = dl.load("workforce"), dl.load("eras")
    draw = lambda: dl.plots.history.all_sources(  # noqa: E731
        workforce, eras, sources=["59곳의 출처: data/workforce.csv"])
    fig, texts, plt = _in_language("ko", draw)
    assert {"초기 모집", "국영 벌목장", "청부 작업반", "청부", "제재", "재개"} <= set(texts)
    english = set(eras["name"]) | set(eras["era_id"])
    assert not english & set(texts), english & set(texts)
    assert "연도(각 수치는 해당 날짜 위치에 표시)" in texts
    note = next(t for t in texts if "data/workforce.csv" in t)
    assert note.startswith("59곳의 출처: data/workforce.csv.") and note.count("출처") == 1
    plt.close(fig)
    fig, texts, plt = _in_language("en", lambda: dl.plots.history.all_sources(
        workforce, eras, sources=["59 sources in data/workforce.csv"]))
    assert {"Early recruitment", "State logging camps", "Contract brigades"} <= set(texts)
    assert any(t.startswith("Sources: 59 sources in data/workforce.csv.") for t in texts)
    plt.close(fig)


def _sanctions_inputs():
    import dispatchlib as dl

    series = dl.sanctions.annual_series(start_year=2010)
    curve = dl.sanctions.segmented_fit(series, 2018, 2022).curve(ci_level=0.95)
    return series, curve


@pytest.mark.parametrize(("lang", "words", "legend"), [
    ("ko", ("안보리 결의 2397호", "송환 시한", "국경 폐쇄", "침공"),
     "해당 날짜의 러시아 공식 집계"),
    ("en", ("UNSCR 2397", "deadline", "border closed", "invasion"),
     "Russia's official counts, at their dates"),
])
def test_the_event_labels_of_the_interrupted_series_stand_apart(lang, words, legend):
    """The two events a month apart (repatriation deadline, border closure) are labelled on
    opposite sides of their ticks without touching; no label lies on a break line."""
    import dispatchlib as dl

    series, curve = _sanctions_inputs()
    fig, texts, plt = _in_language(lang, lambda: dl.plots.sanctions.interrupted_series(
        series, curve, dl.sanctions.official_counts(), dl.load("events"), 2018, 2022))
    assert set(words) <= set(texts) and legend in texts
    ax = fig.axes[0]
    boxes = {a.get_text(): a.get_window_extent() for a in ax.texts}
    deadline, closed = boxes[words[1]], boxes[words[2]]
    assert deadline.x1 < closed.x0 - 4, (deadline, closed)  # pixels of white between them
    for year in (2018, 2022):
        x = ax.transData.transform((year, 1))[0]
        assert not any(b.x0 <= x <= b.x1 for b in boxes.values()), year
    plt.close(fig)


def test_the_forgone_revenue_figure_writes_amounts_as_the_korean_text_does():
    """The cumulative total reads like formatting.amount / amount_range in Korean, and the
    zero tick of the dollar axis is a bare 0; English keeps $1.7B ($1.07B to $1.73B) and $0."""
    import dispatchlib as dl
    from dispatchlib import formatting
    from dispatchlib.i18n import language

    series, curve = _sanctions_inputs()
    table = dl.sanctions.forgone_revenue(curve["workers"], counterfactual_workers=30_000,
                                         sanctions_year=2018, draws=2000, seed=2025)
    total = table.loc["total"]
    fig, texts, plt = _in_language("ko", lambda: dl.plots.sanctions.forgone(table))
    with language("ko"):
        title = (f"누적: 중심 추정값의 계획분 기준 {formatting.amount(total['forgone_usd'])}"
                 f"({formatting.amount_range(total['p5'], total['p95'])})")
    assert title in texts and "억 달러(" in title and "~" in title
    assert "0" in texts and "0달러" not in texts  # the tick labels, as drawn in Korean
    plt.close(fig)
    fig, texts, plt = _in_language("en", lambda: dl.plots.sanctions.forgone(table))
    usd = formatting.usd
    assert (f"Cumulative: {usd(total['forgone_usd'])} at the central quota "
            f"({usd(total['p5'])} to {usd(total['p95'])})") in texts
    assert "$0" in texts
    plt.close(fig)


def test_the_per_worker_figure_names_korean_publishers_in_korean():
    import dispatchlib as dl

    table = dl.economics.per_worker_estimates(6500, 8)
    draw = lambda: dl.plots.economics.range_comparison(  # noqa: E731
        dl.economics.per_worker_estimates(6500, 8), "USD", "t")
    fig, texts, plt = _in_language("ko", draw)
    assert any(t.startswith("월간조선, 2021") for t in texts)
    assert any(t.startswith("자유아시아방송(RFA), 2019") for t in texts)
    assert not any("Monthly Chosun" in t or "Radio Free Asia" in t for t in texts)
    plt.close(fig)
    assert any(label.startswith("Monthly Chosun, 2021") for label in table["label"])


def test_audit_ranges_read_in_korean_units():
    from dispatchlib.i18n import language
    from dispatchlib.lessons.claims_checks import format_range

    cases = [  # (args, English as before, Korean: the same rounded values in 억 and 만)
        ((9e8, 1e9, "usd_per_year", "more_than"), "over $0.9–1 bn a year", "연 9억~10억 달러 초과"),
        ((85_676_400, 85_676_400, "usd"), "$85.7 m", "8,570만 달러"),
        ((9750, 9750, "usd_per_worker_year"), "$9,750 per worker a year",
         "노동자 1인당 연 9,750달러"),
        ((5000, 5000, "persons", "about"), "about 5,000 persons", "약 5,000명"),
        ((15_000, 30_000, "persons"), "15,000–30,000 persons", "1만 5,000~3만 명"),
        ((3e6, 3.5e6, "persons"), "3–3.5 m persons", "300만~350만 명"),
    ]
    for args, english, korean in cases:
        assert format_range(*args) == english
        with language("ko"):
            assert format_range(*args) == korean



def test_claim_qualifiers_and_stance_counts_read_in_korean():
    """A qualifier key printed beside an amount (06) and the stance counts of the audit table
    keep the English as before and read as Korean words in Korean."""
    from dispatchlib import formatting
    from dispatchlib.i18n import language
    from dispatchlib.lessons import audit

    cases = [("more_than", "more_than $1B", "10억 달러 초과"),   # the amount: usd(1e9)
             ("at_least", "at_least $1B", "10억 달러 이상"),
             ("about", "about $1B", "약 10억 달러"),
             ("exact", "exact $1B", "10억 달러")]
    stances = ["partly", "supports", "supports", "partly", "supports"]
    rows = [{"source_id": "LANKOV2006", "stance": "contradicts", "confidence": "M",
             "low": 1967.0, "high": 1967.0, "unit": "year"}]
    with language("en"):
        for qualifier, english, _korean in cases:
            assert audit.qualified(qualifier, formatting.usd(1e9)) == english
        assert audit._stance_text(stances) == "3 supports, 2 partly"
        assert audit._stance_text([]) == "none"
        assert audit._rows_text(rows) == "LANKOV2006 (contradicts, M: 1967)"
    with language("ko"):
        for qualifier, _english, korean in cases:
            assert audit.qualified(qualifier, formatting.usd(1e9)) == korean
        assert audit._stance_text(stances) == "뒷받침 3, 부분 일치 2"
        assert audit._stance_text([]) == "없음"
        assert audit._rows_text(rows) == "LANKOV2006 (반박, M: 1967)"

def test_the_registry_texts_are_marked_for_the_catalogue():
    """Every help, comment and slider label of parameters.json is in registry_texts (rerun
    ``python -m dispatchlib.registry_texts`` after changing one), so translate takes it into
    dispatchlib.po; the run pages and the sliders show it in Korean."""
    from dispatchlib import params, registry_texts
    from dispatchlib.i18n import language

    source = Path(registry_texts.__file__).read_text(encoding="utf-8")
    assert source.endswith(registry_texts.marks_source())
    assert set(registry_texts.TEXTS) == set(registry_texts.registry_texts())
    assert "Monte Carlo draws" in registry_texts.TEXTS
    assert params.text_of("draws") == "Monte Carlo draws"
    assert params.text_of("ceiling", "label") == "ceiling (persons)"
    with language("ko"):
        assert params.text_of("draws") == "몬테카를로 추출 횟수"
        assert params.text_of("ceiling", "label") == "상한(명)"
        assert params.text_of("interactive", "label") == ""   # no slider, no label
    with pytest.raises(ValueError, match="field"):
        params.text_of("draws", "unit")


def test_a_parameters_cell_can_be_written_with_korean_comments():
    """cell_source(stem, "ko"): the same names and values as the English cell, the comments
    from dispatchlib.po (for the Korean edition's parameters cells)."""
    import ast

    from dispatchlib.param_cells import cell_source

    english, korean = cell_source("02_economics"), cell_source("02_economics", "ko")
    assert ast.dump(ast.parse(english)) == ast.dump(ast.parse(korean))  # comments aside
    assert "draws: int = 20000  # 몬테카를로 추출 횟수" in korean.splitlines()
    assert "draws: int = 20000  # Monte Carlo draws" in english.splitlines()
    assert cell_source("02_economics") == english  # the language is back
