"""The parameter registry's texts for the translation catalogue.

The words ``dispatchlib/parameters.json`` gives each parameter (its ``help``, the ``comment``
beside its value in a ``parameters`` cell and its slider ``label``) are shown to readers: the
"meaning" column of a run's index page, the explorers' sliders, the ``parameters`` cells. The
catalogue's extractor reads only literal ``_("...")`` and ``N_("...")`` calls in the package's
modules, so this module holds those texts as ``N_`` marks: ``python -m dispatchlib translate``
takes them into ``locales/<lang>/LC_MESSAGES/dispatchlib.po`` like any other library text, and
:func:`dispatchlib.params.text_of` shows them in the current language.

The marks below are written from the registry by ``python -m dispatchlib.registry_texts``
(run it after changing a text in ``parameters.json``; ``tests/test_i18n_reports.py`` fails
while they differ).
"""

# ruff: noqa: E501 - the generated marks hold each registry text on one line

from __future__ import annotations

from pathlib import Path

from dispatchlib.i18n import N_

#: the registry fields whose texts are shown to readers
FIELDS = ("help", "comment", "label")
_MARKER = "# --- written by python -m dispatchlib.registry_texts; do not edit below ---\n"


def registry_texts(registry: dict | None = None) -> list[str]:
    """Every shown text of the registry (``help``, ``comment``, explorer ``label``), each once,
    in registry order."""
    from dispatchlib.params import read_registry

    registry = registry or read_registry()
    seen: dict[str, None] = {}
    for entry in registry["parameters"].values():
        for text in (entry.get("help"), entry.get("comment"),
                     entry.get("explorer", {}).get("label")):
            if text:
                seen.setdefault(text, None)
    return list(seen)


def marks_source(registry: dict | None = None) -> str:
    """The generated part of this module: one ``N_(...)`` line per registry text."""
    lines = [f"    N_({text!r})," for text in registry_texts(registry)]
    return _MARKER + "TEXTS = (\n" + "\n".join(lines) + "\n)\n"


def write(path: Path = Path(__file__)) -> bool:
    """Rewrite the marks of this module from the registry; True if the file changed."""
    old = path.read_text(encoding="utf-8")
    new = old.split(_MARKER)[0] + marks_source()
    if new != old:
        path.write_text(new, encoding="utf-8")
    return new != old


if __name__ == "__main__":
    print("updated" if write() else "unchanged", __file__)

# --- written by python -m dispatchlib.registry_texts; do not edit below ---
TEXTS = (
    N_('workforce measures fitted by the reconciled series (stock-like measures only)'),
    N_('measure names fitted; stock-like only (data/README.md)'),
    N_('confidence grades of the workforce figures fitted'),
    N_('confidence grades fitted (data/README.md, confidence)'),
    N_('weight of a figure relative to one a grade lower (H to M, M to L)'),
    N_('ratio: weight of an H figure over an M one, and of M over L (our choice)'),
    N_('grade weight (ratio)'),
    N_('first year of the sanctions segment (break in the time series)'),
    N_('year; first full year under the 2017 resolutions (ASIL2375, UN1718)'),
    N_('first year of the revival segment (break in the time series)'),
    N_('year; the invasion of Ukraine and the turn back to DPRK labour (brief sec. 5)'),
    N_('first year of the interrupted time series'),
    N_('year; first year of the time series (our choice)'),
    N_('workers in Russia without sanctions, in the year before the sanctions year'),
    N_('persons; official end-2017 count 30,023 (UNIMEDIA2019)'),
    N_('yearly growth of the no-sanctions workforce (0 holds it level)'),
    N_('percent per year; 0 holds the 2017 level (our choice)'),
    N_('named workforce ramp: preset ceiling, ramp speed and midpoint year'),
    N_('low, central or high: preset workforce ramp (table in 04_prospects, section 1)'),
    N_('first calendar year of a projection'),
    N_('year of the starting count (brief sec. 5)'),
    N_('last calendar year of a projection'),
    N_('last year of the projection'),
    N_('DPRK workers in Russia in start_year'),
    N_('persons in Russia in start_year (brief sec. 5, mid-2025; NIS via YTN2025: about 15,000 sent by Apr 2025)'),
    N_("most DPRK workers Russia could host; 0 takes the ramp_scenario's ceiling"),
    N_("persons; 0 keeps the ramp's ceiling (brief sec. 5: 100,000 to 150,000)"),
    N_('ceiling (persons)'),
    N_("growth rate of the workforce while far below the ceiling; higher reaches every level earlier; 0 takes the ramp_scenario's speed"),
    N_("per year; 0 keeps the ramp's speed; a higher speed arrives earlier (our assumption, no source)"),
    N_('ramp speed (per year)'),
    N_('year the ramp reaches half the ceiling (fastest growth); sets the speed instead of ramp_speed; 0 takes the speed'),
    N_('year of half the ceiling; sets the speed instead (our assumption)'),
    N_('gross monthly pay of a DPRK worker in Russia'),
    N_('USD per worker per month, gross pay (NIS, Oct 2024, via MBN2024)'),
    N_('share of gross pay handed to the state, 0-1 (a wage share, not the plan quota quota_usd)'),
    N_('ratio of gross pay handed to the state (brief sec. 2: about half by the late 2010s)'),
    N_('DPRK workers in Russia during the year'),
    N_('persons: DPRK workers in Russia (brief sec. 5, mid-2025; NIS via YTN2025: about 15,000 sent by Apr 2025)'),
    N_('workers (persons)'),
    N_('plan funds each worker pays the state over quota_months (not the wage share of 05_implications)'),
    N_('USD each worker pays the state over quota_months (brief sec. 3, 2022 papers)'),
    N_('quota (USD per worker per year)'),
    N_('months over which quota_usd is paid'),
    N_('months covered by quota_usd (brief sec. 3)'),
    N_('saved by a worker per year'),
    N_('USD saved per worker per year, 2010s (brief sec. 3)'),
    N_('length of one posting'),
    N_('years in one posting (brief: 3 to 5; other sources: usually 3)'),
    N_('bribe paid to be selected for a posting'),
    N_('USD bribe for a Russian posting, 2010s (brief sec. 4)'),
    N_('share of gross pay handed to the state under the contract-system lever (0-1)'),
    N_('ratio to the state under the contract lever (brief sec. 2: a third at first)'),
    N_('share of the workforce removed by stricter sanctions enforcement (0-1)'),
    N_('ratio of workers removed by enforcement (2017-18: about 30,000 to 10,000; official 30,023 to 11,490)'),
    N_('share of workers in Russia reached by information outreach (0-1)'),
    N_('ratio of workers reached by outreach (classroom assumption, no source)'),
    N_('lowest evidence grade that counts: H (H only), M (H and M) or L (all grades)'),
    N_('lowest evidence grade that counts: H (H only), M (H and M) or L (all grades); data/README.md'),
    N_("relative tolerance when a recomputed value is compared with the brief's figure"),
    N_("ratio: relative tolerance when a recomputed value is compared with the brief's figure"),
    N_('probability covered by confidence bands'),
    N_('probability covered by the bands (convention)'),
    N_('band level (probability)'),
    N_('Monte Carlo draws'),
    N_('seed of the random number generator'),
    N_('random seed: the same seed gives the same numbers'),
    N_('build the slider explorers (skipped when headless)'),
    N_('build the slider explorers (skipped under papermill/nbval)'),
)
