"""HTML pages of a run that work offline: one page per executed notebook and an index.

nbconvert's stock templates load require.js and MathJax from a CDN, so a page opened without
internet shows raw TeX and logs errors. The pages here use nbconvert's ``lab`` template with
every ``<script>`` block removed, CSS inlined and figures embedded as ``data:`` URIs; formulas
are drawn at render time by matplotlib's mathtext as small SVG images (a formula mathtext cannot
draw stays as its TeX source in a ``<code>`` element). Opening a page fetches nothing outside
the run folder.

Every text that comes from the user (run name, scenario title and description, parameter
values, error messages) is escaped with :func:`html.escape`.

A run's pages are in its language (``run.json``'s ``lang``: ``en``, or ``ko`` for
``run --lang ko``), with that ``lang`` attribute on ``<html>``: the page's own texts go through
``dispatchlib.i18n._`` (catalogue ``locales/ko/LC_MESSAGES/dispatchlib.po``) and amounts are
written by :func:`dispatchlib.formatting.quantity` (``9억 7,500만 달러``, ``10만 명``).
"""

from __future__ import annotations

import html
from collections.abc import Mapping, Sequence
from pathlib import Path

from dispatchlib import formatting
from dispatchlib.atomic import write_text
from dispatchlib.formatting import LABEL_WORDS, quantity
from dispatchlib.i18n import _, language
from dispatchlib.run.notebook_pages import math_svg, render_notebook

_CSS = """
body { font: 15px/1.5 system-ui, -apple-system, "Segoe UI", sans-serif; color: #1d2430;
       max-width: 72rem; margin: 0 auto; padding: 1rem 1.5rem 3rem; }
h1 { font-size: 1.6rem; margin-bottom: 0.2rem; }
h2 { font-size: 1.2rem; margin-top: 2rem; border-bottom: 1px solid #d5dbe3; }
table { border-collapse: collapse; margin: 0.5rem 0 1rem; }
th, td { border: 1px solid #d5dbe3; padding: 0.25rem 0.6rem; text-align: left;
         vertical-align: top; }
th { background: #eef2f7; }
td.num { text-align: right; font-variant-numeric: tabular-nums; }
td.changed { background: #fff4d6; font-weight: 600; }
/* a unit is a word or two: never broken inside a word (a Korean one, 명 or 연도, not one
   syllable a line) */
td.unit { word-break: keep-all; min-width: 5rem; }
html:lang(ko) body { font-family: "Noto Sans KR", "Nanum Gothic", "Malgun Gothic",
                     "Apple SD Gothic Neo", sans-serif; word-break: keep-all; }
.status { display: inline-block; padding: 0.05rem 0.5rem; border-radius: 0.8rem;
          font-size: 0.85rem; font-weight: 600; }
.status.ok { background: #d9f2e3; color: #13532f; }
.status.failed { background: #fbdada; color: #7d1010; }
.status.running { background: #e5e5e5; color: #333; }
pre.error { background: #fdf0f0; border-left: 4px solid #b42323; padding: 0.5rem;
            white-space: pre-wrap; }
.muted { color: #5b6675; font-size: 0.9rem; }
a { color: #1f4e8c; }
/* a table wider than the page scrolls inside its box; the page keeps a normal width */
div.wide { max-width: 100%; overflow-x: auto; }
div.wide th { white-space: nowrap; }
div.wide td.muted { min-width: 18rem; }  /* a parameter's meaning: a few words a line */
/* the headline results, first on a run's page */
dl.answer { display: grid; grid-template-columns: max-content 1fr; gap: 0.2rem 1rem; }
dl.answer dt { font-weight: 600; }
dl.answer dd { margin: 0; font-variant-numeric: tabular-nums; }
"""


def fmt(value: object, name: str = "") -> str:
    """A recorded value as short readable text (thousands separators, 6 significant digits).

    A whole number whose name, split at underscores, has the word ``year`` or ``seed``
    (``end_year``, ``first_year_above``, ``seed``) is a label, a calendar year or a random seed,
    not a quantity, and is written without separators. ``years_abroad`` (a duration) is not
    such a name.

    >>> fmt(975000000.0), fmt(3.2), fmt(15000), fmt(True), fmt(None), fmt(2035, "end_year")
    ('975,000,000', '3.2', '15,000', 'True', '', '2035')
    >>> fmt(2025, "seed"), fmt(2025.0, "start_year"), fmt(20250, "workers")
    ('2025', '2025', '20,250')
    """
    if value is None:
        return ""
    if (isinstance(value, int | float) and not isinstance(value, bool)
            and float(value).is_integer() and LABEL_WORDS & set(name.lower().split("_"))):
        return str(int(value))
    if isinstance(value, bool) or not isinstance(value, int | float):
        if isinstance(value, list | tuple):
            return ", ".join(fmt(v) for v in value)
        return str(value)
    if isinstance(value, int) or (abs(value) >= 1e5 and float(value).is_integer()):
        return f"{int(value):,}"
    return formatting.number(value)

def _e(value: object, name: str = "") -> str:
    return html.escape(fmt(value, name) if not isinstance(value, str) else value, quote=True)

def _status(status: str) -> str:
    s = html.escape(status)
    shown = {"ok": _("ok"), "failed": _("failed"), "running": _("running")}.get(status, status)
    return f'<span class="status {s}">{html.escape(shown)}</span>'

def _page(title: str, body: str, lang: str = "en") -> str:
    return (f'<!DOCTYPE html>\n<html lang="{html.escape(lang, quote=True)}">\n<head>\n'
            f'<meta charset="utf-8">\n'
            f'<meta name="viewport" content="width=device-width, initial-scale=1">\n'
            f"<title>{html.escape(title)}</title>\n<style>{_CSS}</style>\n</head>\n"
            f"<body>\n{body}\n</body>\n</html>\n")

def _table(header: Sequence[str], rows: Sequence[Sequence[str]]) -> str:
    head = "".join(f"<th>{h}</th>" for h in header)
    body = "".join(f"<tr>{''.join(rows_i)}</tr>" for rows_i in rows)
    return f"<table><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>"

def _cell(value: object, changed: bool = False, name: str = "") -> str:
    classes = (["num"] if isinstance(value, int | float) and not isinstance(value, bool)
               else []) + (["changed"] if changed else [])
    attr = f' class="{" ".join(classes)}"' if classes else ""
    return f"<td{attr}>{_e(value, name)}</td>"

def _references(ids: Sequence[str]) -> str:
    if not ids:
        return ""
    try:
        from dispatchlib.tables.data import sources_for

        table = sources_for(list(ids))
        items = [f"<li><code>{_e(r.source_id)}</code>: {_e(r.author)}, <i>{_e(r.title)}</i>, "
                 f"{_e(r.publisher)}, {_e(r.date)}</li>" for r in table.itertuples()]
    except Exception:  # noqa: BLE001 - the page still lists the ids
        items = [f"<li><code>{_e(i)}</code></li>" for i in ids]
    return "<p>" + _("References:") + "</p><ul>" + "".join(items) + "</ul>"

def headlines(_=str) -> dict[str, list[tuple[str, str, str | None, str | None]]]:
    """:data:`HEADLINES`, the labels through ``_`` (``str``: English; ``dispatchlib.i18n._``:
    the current language)."""
    return {
        "00_start-here": [
            (_("Workers in Russia, 2025"), "workers_2025", "workers_2025_low",
             "workers_2025_high"),
            (_("State revenue from them, 2025 (median of draws)"), "state_revenue_2025_usd_p50",
             "state_revenue_2025_usd_p5", "state_revenue_2025_usd_p95")],
        "01_history": [(_("Workers in Russia, 2025 (fitted level)"), "level_2025_workers",
                        "level_2025_workers_low", "level_2025_workers_high")],
        "02_economics": [
            (_("Workers in this run"), "workers", None, None),
            (_("State revenue a year (central value: the brief's arithmetic)"),
             "state_revenue_usd", None, None),
            (_("State revenue a year (median of draws)"), "state_revenue_usd_p50",
             "state_revenue_usd_p5", "state_revenue_usd_p95"),
            (_("Household savings a year"), "household_savings_usd", None, None),
            (_("Months to pay back the bribe"), "bribe_payback_months", None, None)],
        "03_sanctions": [
            (_("Change in workers when the sanctions took effect (fitted)"),
             "sanctions_jump_pct", "sanctions_jump_pct_low", "sanctions_jump_pct_high"),
            (_("Quota revenue forgone, all years"), "forgone_cumulative_usd",
             "forgone_cumulative_usd_p5", "forgone_cumulative_usd_p95")],
        "04_prospects": [
            (_("Workers at the end year"), "workers_end", None, None),
            (_("State revenue at the end year (median of draws)"), "state_revenue_usd_end_p50",
             "state_revenue_usd_end_p5", "state_revenue_usd_end_p95"),
            (_("End year"), "end_year", None, None)],
        "05_implications": [
            (_("State revenue over the window"), "state_revenue_usd_window", None, None),
            (_("Money reaching households over the window"), "household_money_usd_window", None,
             None)],
        "06_claims-audit": [(_("Claims of the brief audited"), "claims", None, None),
                            (_("Claims recomputed from data"), "recomputed_claims", None, None)],
    }


#: the headline answers of each lesson, first on a run's page: (label in words, result, range
#: low, range high). Units come from :func:`result_unit`.
HEADLINES = headlines()

def result_unit(key: str) -> str:
    """The unit of a recorded result, read from the words of its name.

    A name ending in ``change`` is a change as a fraction of the value before (``-0.67``:
    67% fewer), written as a percentage (unit ``fraction``); one with the word ``factor`` is how
    many times one value is another (``factor``: ``154×``), whatever the other words say
    (``sanctions_jump_pct_interval_factor`` is the factor of an interval of percentages). USD
    per year or per worker and year say so (``gross_usd_per_year``); border entries
    (``entries_2024``) are counted as entries, not persons.

    >>> result_unit("state_revenue_usd_p5"), result_unit("sanctions_jump_pct_low")
    ('USD', '%')
    >>> result_unit("workers_end"), result_unit("end_year"), result_unit("bribe_payback_months")
    ('persons', 'year', 'months')
    >>> result_unit("enforcement_people_exposed_change")
    'fraction'
    >>> result_unit("sanctions_jump_pct_interval_factor")
    'factor'
    >>> result_unit("gross_usd_per_year"), result_unit("living_usd_per_worker_year")
    ('USD per year', 'USD per worker per year')
    >>> result_unit("state_take_per_worker_usd"), result_unit("entries_2024")
    ('USD', 'entries')
    """
    words = key.lower().split("_")
    if words[-1] == "change":
        return "fraction"
    if "factor" in words:
        return "factor"
    if "usd" in words and "per" in words:
        after = words[words.index("per") + 1:]
        if after[:2] == ["worker", "year"]:
            return "USD per worker per year"
        if after[:1] == ["year"]:
            return "USD per year"
    if words[0] == "entries":  # not sources_entries, a count of sources
        return "entries"
    for word, unit in (("usd", "USD"), ("pct", "%"), ("months", "months"),
                       ("prob", "probability"), ("share", "ratio"), ("ratio", "ratio")):
        if word in words:
            return unit
    if "per" in words and "year" in words:
        return "per year"
    if {"worker", "person"} & set(words) and "years" in words:
        return "person-years"
    if {"year", "seed"} & set(words):
        return "year" if "year" in words else ""
    if {"workers", "people", "returnees"} & set(words):
        return "persons"
    return ""

def _answer(nbs: Mapping) -> str:
    """The headline results of a run in words and units, as a definition list."""
    items = []
    for stem, info in nbs.items():
        res = info.get("results") or {}
        for label, key, low, high in headlines(_).get(stem, []):
            if key not in res:
                continue
            unit = result_unit(key)
            text = quantity(res[key], unit, key)
            factor = res.get(f"{key}_interval_factor")
            if res[key] is None and factor is not None:
                # the lesson left it blank: its interval is too wide to be a finding
                text = formatting.not_estimable(factor)
            if low and high and res.get(low) is not None and res.get(high) is not None:
                text += _(" (range {low} to {high})").format(
                    low=quantity(res[low], unit, low), high=quantity(res[high], unit, high))
            items.append(f'<dt>{_e(label)}</dt><dd>{_e(text)} <span class="muted">'
                         f'<a href="#{html.escape(stem, quote=True)}">{_e(stem)}</a></span></dd>')
    if not items:
        return ""
    note = _("Ranges are the spread of the inputs the notebook draws from (p5 to p95, or the "
             "low and high figures of the sources): what the data allow, not a forecast "
             "interval. Every recorded result is listed further down.")
    return ("<h2>" + _("Headline results") + '</h2>\n<dl class="answer">' + "".join(items)
            + f'</dl>\n<p class="muted">{note}</p>')

def _zero_means() -> dict[str, str]:
    """What 0 stands for in the registry's helps (the English words after ``0 takes``), in the
    current language."""
    return {"the ramp_scenario's ceiling": _("the ramp_scenario's ceiling"),
            "the ramp_scenario's speed": _("the ramp_scenario's speed"),
            "the speed": _("the speed")}


def _parameter_note(name: str, value: object) -> str:
    """What a parameter value means when the registry gives 0 a meaning (``ceiling 0``), in the
    current language."""
    from dispatchlib import params

    try:
        helptext = params.spec(name).help
    except Exception:  # noqa: BLE001 - a name the registry does not know
        return ""
    if value == 0 and not isinstance(value, bool) and "0 takes " in helptext:
        means = helptext.split("0 takes ", 1)[1].split(";")[0]
        return f" ({_zero_means().get(means, means)})"
    return ""

def write_index(folder: Path, record: Mapping, back_link: str | None = None) -> Path:
    """Write ``index.html`` for one run from its ``run.json`` record; return its path.

    Parameters
    ----------
    folder : Path
        The run folder (holding the notebooks' pages).
    record : mapping
        The run record (see :func:`dispatchlib.run.runner.finish`).
    back_link : str, optional
        Text of a link to ``../index.html`` (a sweep's index).

    The page is in the run's language (``record["lang"]``, English when absent), with that
    ``lang`` attribute on its ``<html>`` element.
    """
    lang = record.get("lang") or "en"
    with language(lang):
        page = _index(record, back_link)
    out = folder / "index.html"
    write_text(out, _page(page[0], page[1], lang))
    return out

def _index(record: Mapping, back_link: str | None) -> tuple[str, str]:
    """The title and body of a run's index page, in the current language."""
    name = record["name"]
    parts = []
    if back_link:
        parts.append(f'<p class="muted"><a href="../index.html">&larr; {_e(back_link)}</a></p>')
    title = _("Run {name}").format(name=name)
    parts.append(f"<h1>{_e(title)} {_status(record['status'])}</h1>")
    case = record.get("scenario")
    if case:
        parts.append(f"<p><b>{_e(case.get('title') or '')}</b></p>")
        if case.get("description"):
            parts.append(f"<p>{_e(case['description'])}</p>")
        parts.append(_references(case.get("references") or []))
    nbs = record["notebooks"]
    wall = record.get("seconds", 0)
    parts.append('<p class="muted">' + _e(_("{count} notebook(s); wall time {seconds} s.").format(
        count=len(nbs), seconds=f"{wall:.0f}")) + "</p>")
    parts.append(_answer(nbs))  # the answer first
    summary = []
    for stem, info in nbs.items():
        page = html.escape(info.get("page") or f"{stem}.html", quote=True)
        nb_file = html.escape(info.get("notebook") or f"{stem}.ipynb", quote=True)
        summary.append([f'<td><a href="{page}">{_e(stem)}</a></td>',
                        f"<td>{_status(info['status'])}</td>",
                        f'<td class="num">{info.get("seconds", 0.0):.1f}</td>',
                        _cell(len(info.get("results") or {})),
                        f'<td><a href="{nb_file}">{_e(nb_file)}</a></td>'])
    parts.append("<h2>" + _("Notebooks") + "</h2>")
    parts.append(_table([_("page"), _("status"), _("seconds"), _("results"),
                         _("executed notebook")], summary))

    # parameters: one row per name, one column per notebook
    stems = list(record["parameters"])
    names = sorted({n for p in record["parameters"].values() for n in p})
    overrides = record.get("overrides", {})
    rows = []
    from dispatchlib import params

    for n in names:
        try:
            spec = params.spec(n)
            unit, helptext = spec.unit, params.text_of(n)
        except Exception:  # noqa: BLE001 - a name the registry does not know
            unit, helptext = "", ""
        row = [f"<th><code>{_e(n)}</code></th>",
               f'<td class="unit">{_e(formatting.unit_text(unit))}</td>']
        for stem in stems:
            p = record["parameters"][stem]
            if n not in p:
                row.append("<td></td>")
                continue
            cell = _cell(p[n], n in overrides, n)
            note = _parameter_note(n, p[n])
            row.append(cell.replace("</td>", f"{_e(note)}</td>") if note else cell)
        row.append(f'<td class="muted">{_e(helptext)}</td>')
        rows.append(row)
    parts.append("<h2>" + _("Parameters") + "</h2>")
    parts.append('<p class="muted">' + _e(_(
        "Highlighted: set for this run (otherwise the notebook's default). An empty cell: the "
        "notebook has no such parameter.")) + "</p>")
    parts.append('<div class="wide">' + _table([_("parameter"), _("unit"),
                                                 *(_e(s) for s in stems), _("meaning")], rows)
                 + "</div>" if rows else "<p>" + _("No parameters.") + "</p>")
    if record.get("unused"):
        parts.append('<p class="muted">' + _e(_(
            "Set by the scenario but declared by no notebook of this run: {names}.").format(
                names=", ".join(record["unused"]))) + "</p>")

    # notebooks and their headline results
    parts.append("<h2>" + _("Every recorded result") + "</h2>")
    for stem, info in nbs.items():
        page = html.escape(info.get("page") or f"{stem}.html", quote=True)
        nb_file = html.escape(info.get("notebook") or f"{stem}.ipynb", quote=True)
        parts.append(f'<h3 id="{html.escape(stem, quote=True)}"><a href="{page}">{_e(stem)}</a> '
                     f'{_status(info["status"])} <span class="muted">'
                     + _e(_("{seconds} s").format(seconds=f'{info.get("seconds", 0):.1f}'))
                     + f' · <a href="{nb_file}">' + _("executed notebook") + "</a></span></h3>")
        if info.get("error"):
            parts.append(f'<pre class="error">{_e(info["error"])}</pre>')
        res = info.get("results") or {}
        if res:
            parts.append(_table([_("result"), _("value")], [
                [f"<td><code>{_e(k)}</code></td>",
                 f'<td class="num">{_e(quantity(v, result_unit(k), k))}</td>']
                for k, v in res.items()]))
        elif info["status"] == "ok":
            parts.append("<p>" + _("No results recorded.") + "</p>")

    versions = record.get("versions", {})
    parts.append("<h2>" + _("Reproducibility") + "</h2>")
    parts.append(_table([_("package"), _("version")],
                        [[f"<td>{_e(k)}</td>", f"<td>{_e(v)}</td>"] for k, v in versions.items()]))
    parts.append('<p class="muted">' + _(
        'SHA-256 of data/: {sha}. Machine-readable record: {link}.').format(
            sha=f'<code>{_e(record.get("data_sha256"))}</code>',
            link='<a href="run.json">run.json</a>') + "</p>")
    return title, "\n".join(parts)

def write_sweep_index(folder: Path, name: str, header: Sequence[str],
                      rows: Sequence[Mapping], title: str = "", description: str = "") -> Path:
    """Write a sweep's ``index.html``: one table row per run, linked to the run's index.

    Parameters
    ----------
    folder : Path
        The sweep folder.
    name : str
        Sweep name.
    header : sequence of str
        Columns after ``run`` (the same as ``sweep.csv``).
    rows : sequence of mappings
        One per run, with keys ``run``, ``status`` and the columns of ``header``.
    """
    parts = [f"<h1>Sweep {_e(name)}</h1>"]
    if title:
        parts.append(f"<p><b>{_e(title)}</b></p>")
    if description:
        parts.append(f"<p>{_e(description)}</p>")
    failed = sum(r["status"] != "ok" for r in rows)
    parts.append(f'<p class="muted">{len(rows)} run(s), {failed} failed. '
                 'Data: <a href="sweep.csv">sweep.csv</a>.</p>')
    table_rows = []
    for r in rows:
        link = html.escape(f"{r['run']}/index.html", quote=True)
        cells = [f'<td><a href="{link}">{_e(r["run"])}</a></td>',
                 f"<td>{_status(r['status'])}</td>"]
        cells += [_cell(r.get(h), name=h.rsplit(".", 1)[-1]) for h in header if h != "status"]
        table_rows.append(cells)
    parts.append('<div class="wide">' + _table(["run", *(_e(h) for h in header)], table_rows)
                 + "</div>")
    out = folder / "index.html"
    write_text(out, _page(f"Sweep {name}", "\n".join(parts)))
    return out

__all__ = ["fmt", "math_svg", "render_notebook", "write_index",
           "write_sweep_index"]


# one executed notebook's page (run/notebook_pages.py), reached from here as before
