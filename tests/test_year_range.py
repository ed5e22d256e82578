"""04_prospects and 05_implications work across the whole allowed range of years (1946-2100).

A window far from the years the ramps were set for (2070-2071, or 1946-2100) must give a finite
path: an earlier form of the ramp gave 0/0 there, a path of NaN and a figure without axes.
"""


import numpy as np
import pytest

from dispatchlib import params
from dispatchlib.lessons import prospects

LOW = int(params.spec("start_year").minimum)
HIGH = int(params.spec("end_year").maximum)
WINDOWS = [(LOW, LOW + 1), (LOW, HIGH), (2070, 2071), (2098, 2099), (HIGH - 1, HIGH)]


@pytest.mark.parametrize("ramp", sorted(prospects.PRESETS))
def test_every_window_gives_a_finite_rising_path(ramp):
    base = prospects.PRESETS[ramp]
    for start in range(LOW, HIGH):
        for end in (start + 1, HIGH):
            o = prospects.Outlook(ramp, start, end, 15000, base.ceiling, base.ramp_speed)
            path = o.path().to_numpy()
            assert np.isfinite(path).all(), (ramp, start, end)
            assert path[0] == pytest.approx(15000)  # the start year holds the start count
            assert (np.diff(path) >= 0).all() and (path <= base.ceiling).all()


def test_a_long_ramp_stays_finite_and_exact():
    # 150 years at k = 1.1: e^(-165) underflows; the path must be the ceiling, not NaN.
    # One year on: 125,000 / (1 + 7.3333 e^-1.1) = 125,000 / 3.441222 = 36,324.4
    path = prospects.logistic_path(np.arange(1950, 2101), 15000, 125000, 1.1)
    assert np.isfinite(path).all() and path[-1] == pytest.approx(125000)
    assert path[1] == pytest.approx(125000 / (1 + 110 / 15 * np.exp(-1.1)), rel=1e-12)


@pytest.mark.parametrize("stem", ["04_prospects", "05_implications"])
@pytest.mark.parametrize(("start", "end"), WINDOWS)
def test_lessons_run_across_the_allowed_years(run_notebook, stem, start, end, capsys):
    """Among the windows, those that crashed: 04_prospects at 2070-2071 and 05_implications
    at 2098-2099."""
    r = run_notebook(stem, start_year=start, end_year=end)  # in-process, no kernel
    numbers = [v for v in r.values() if isinstance(v, float)]
    assert numbers and np.isfinite(numbers).all(), r
    assert "nan" not in capsys.readouterr().out.lower()
    if (stem, start, end) == ("04_prospects", 2070, 2071):
        assert r["end_year"] == end
        # one year on the central ramp: 125,000 / (1 + 7.3333 e^-0.5) = 22,944.7
        assert r["workers_end"] == pytest.approx(125000 / (1 + 110 / 15 * np.exp(-0.5)), rel=1e-5)
