"""One set of central values (issue 13, point 4): a quantity recorded by several lessons has the
same value in each of them at the default parameters.

Nothing is executed here: the committed notebooks are the teacher's copies, executed at their
defaults by ``python -m dispatchlib refresh``, and each stores its ``dl.record`` results in its
output (:func:`dispatchlib.results.extract` reads them back).
"""

import math
from pathlib import Path

import pytest

from dispatchlib import params, results

NOTEBOOKS = sorted((Path(__file__).resolve().parents[1] / "notebooks").glob("[0-9][0-9]_*.ipynb"))
#: the lessons that use the state's yearly take per worker, and so must record it
USES_STATE_TAKE = ("00_start-here", "02_economics", "03_sanctions", "04_prospects",
                   "05_implications", "06_claims-audit")


@pytest.fixture(scope="module")
def recorded() -> dict[str, dict]:
    out = {}
    for nb in NOTEBOOKS:
        payload = results.extract(nb)
        assert payload is not None, f"{nb.name} records no results (dl.record / dl.housekeeping)"
        out[nb.stem] = payload["results"]
    return out


def test_every_lesson_that_uses_the_state_take_records_it(recorded):
    missing = [stem for stem in USES_STATE_TAKE
               if "state_take_per_worker_usd" not in recorded[stem]]
    assert not missing, f"no state_take_per_worker_usd recorded by {', '.join(missing)}"


def test_the_state_take_is_the_brief_quota_in_every_lesson(recorded):
    # from the registry's defaults, by hand: USD 6,500 over 8 months, scaled to 12 = 9,750
    quota = params.spec("quota_usd").default / params.spec("quota_months").default * 12
    assert quota == pytest.approx(9750)
    values = {stem: r["state_take_per_worker_usd"] for stem, r in recorded.items()
              if "state_take_per_worker_usd" in r}
    assert len(values) >= 2
    wrong = {stem: v for stem, v in values.items() if not math.isclose(v, quota, rel_tol=1e-6)}
    assert not wrong, f"state_take_per_worker_usd differs from {quota:,.0f}: {wrong}"


def test_every_quantity_recorded_by_several_lessons_agrees(recorded):
    # the same name means the same quantity (issue 13): e.g. workers, annual_quota_usd and
    # returnee_capital_usd are recorded by two lessons each and must match at the defaults
    by_name: dict[str, dict[str, object]] = {}
    for stem, r in recorded.items():
        for name, value in r.items():
            by_name.setdefault(name, {})[stem] = value
    shared = {name: v for name, v in by_name.items() if len(v) > 1}
    assert "state_take_per_worker_usd" in shared
    disagree = {}
    for name, per_lesson in shared.items():
        first = next(iter(per_lesson.values()))
        for value in per_lesson.values():
            same = (math.isclose(value, first, rel_tol=1e-6)
                    if isinstance(value, int | float) and isinstance(first, int | float)
                    else value == first)
            if not same:
                disagree[name] = per_lesson
    assert not disagree, f"recorded under one name with different values: {disagree}"
