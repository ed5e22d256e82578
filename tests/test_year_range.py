"""04_prospects and 05_implications work across the whole allowed range of years (1946-2100).

A window that starts long after a ramp's midpoint (2070-2071 with a 2029 midpoint) used to give
0/0 in the logistic ramp: a path of NaN, and a figure that could not set its axis.
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
            o = prospects.Outlook(ramp, start, end, 15000, base.ceiling, base.ramp_speed,
                                  base.midpoint_year)
            path = o.path().to_numpy()
            assert np.isfinite(path).all(), (ramp, start, end)
            assert path[0] == pytest.approx(15000)  # the start year holds the start count
            assert (np.diff(path) >= 0).all() and (path <= base.ceiling).all()


def test_long_after_the_midpoint_the_gap_closes_at_the_ramp_speed():
    # with t0 far past the midpoint, 1 - L(t) ~ exp(-k (t - m)), so one year on the gap left is
    # exp(-k) of what it was: 15,000 + (125,000 - 15,000) x (1 - e^-0.6) = 64,630.7
    path = prospects.logistic_path([2070, 2071], 15000, 125000, 0.6, 2029)
    assert path[1] == pytest.approx(15000 + 110000 * (1 - np.exp(-0.6)), rel=1e-9)


@pytest.mark.parametrize("stem", ["04_prospects", "05_implications"])
@pytest.mark.parametrize(("start", "end"), WINDOWS)
def test_lessons_run_across_the_allowed_years(run_notebook, stem, start, end, capsys):
    r = run_notebook(stem, start_year=start, end_year=end)  # in-process, no kernel
    numbers = [v for v in r.values() if isinstance(v, float)]
    assert numbers and np.isfinite(numbers).all(), r
    assert "nan" not in capsys.readouterr().out.lower()


@pytest.mark.parametrize(("stem", "start", "end"), [("04_prospects", 2070, 2071),
                                                    ("05_implications", 2098, 2099)])
def test_lessons_run_at_the_windows_that_crashed(run_notebook, stem, start, end):
    r = run_notebook(stem, start_year=start, end_year=end)
    finite = [v for v in r.values() if isinstance(v, float)]
    assert finite and all(np.isfinite(finite))
    if stem == "04_prospects":
        assert r["end_year"] == end
        assert r["workers_end"] == pytest.approx(15000 + 110000 * (1 - np.exp(-0.6)), rel=1e-5)
