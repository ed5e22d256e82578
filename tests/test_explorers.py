"""Slider explorers take their names, bounds, defaults and units from the parameter registry
(the ``explorer`` entries of dispatchlib/parameters.json), not from an if-chain over lessons."""

import inspect

import pytest

from dispatchlib import params, teaching
from dispatchlib.errors import ParameterError
from dispatchlib.lessons import prospects
from dispatchlib.tables.data import assumption
from dispatchlib.teaching import explorers


def test_every_slider_is_a_registered_parameter_read_from_its_entry():
    assert set(explorers.explorable()) == {"workers", "quota_usd", "ceiling", "ramp_speed",
                                           "grade_weight", "ci_level"}
    for name in explorers.explorable():
        s = teaching.slider(name)
        spec = params.spec(name)
        assert spec.minimum <= s.low < s.high <= spec.maximum, name  # inside what check allows
        assert s.low <= s.start <= s.high and s.label
    assert "if name ==" not in inspect.getsource(explorers), "no if-chain over the lessons"


def test_slider_ends_follow_the_documented_ranges():
    # data/assumptions.csv: workers 10,000 (2025 low) to the ceiling's 150,000; quota
    # 5,000-10,300 a year, central 9,750; ceiling 100,000-150,000
    w = teaching.slider("workers", 15000)
    assert (w.low, w.high, w.step, w.default) == (10000, 150000, 1000, 15000)
    assert (w.low, w.high) == (assumption("workers")[0], assumption("ceiling_workers")[2])
    q = teaching.slider("quota_usd")
    assert (q.low, q.high, q.default) == (5000, 10300, 9750)  # a year's quota, its central
    assert q.label == "quota (USD per worker per year)"
    c = teaching.slider("ceiling")  # the registry's default, 0, is off the slider: the middle
    assert (c.low, c.high, c.default) == (100000, 150000, 125000)
    speeds = [r.ramp_speed for r in prospects.PRESETS.values()]
    s = teaching.slider("ramp_speed")
    assert (s.low, s.high) == (min(speeds), max(speeds)) and s.label == "ramp speed (per year)"
    g = teaching.slider("grade_weight")  # the registry's whole range, log, its default 2
    assert (g.low, g.high, g.log, g.default) == (1, 100, True, 2.0)
    assert teaching.slider("workers", 500000).start == 150000  # moved inside the range


def test_a_parameter_without_a_slider_is_refused_with_the_list():
    with pytest.raises(ParameterError, match=r"^parameter slider = 'bribe_usd' is not allowed.*"
                                             r"explorer entry in dispatchlib/parameters\.json: "
                                             r".*workers"):
        teaching.slider("bribe_usd")
