"""Workforce ramps, Monte Carlo paths and the rotation model, against hand-computed values."""

import math

import numpy as np
import pandas as pd
import pytest

from dispatchlib import ParameterError, check
from dispatchlib.lessons import prospects
from dispatchlib.model.scenario import Range

DEFAULTS = dict(ramp_scenario="central", start_year=2025, end_year=2035, start_workers=15000,
                ceiling=0, ramp_speed=0.0, midpoint_year=0, years_abroad=3.0)


def test_logistic_path_hand_values():
    # S = 100, C = 300: r = (C - S) / S = 2; k = ln 2: W = 300 / (1 + 2 / 2^n)
    # -> 100, 150, 200 (= 300 / 1.5) in the start year and one and two years on
    path = prospects.logistic_path([2025, 2026, 2027], 100, 300, math.log(2))
    np.testing.assert_allclose(path, [100.0, 150.0, 200.0])


def test_logistic_path_is_half_the_ceiling_at_the_midpoint():
    # S = 15,000, C = 125,000, k = 0.5: midpoint 2025 + ln(110/15) / 0.5 = 2028.985;
    # a midpoint of ln(110/15) / ln(110/15) ... with k = ln(110/15) / 4 it falls on 2029 exactly
    k = math.log(110 / 15) / 4
    years = np.arange(2025, 2066)
    path = prospects.logistic_path(years, 15000, 125000, k)
    assert path[years == 2029][0] == pytest.approx(62500, rel=1e-12)
    assert prospects.midpoint(15000, 125000, k, 2025) == pytest.approx(2029)
    assert prospects.speed_for_midpoint(15000, 125000, 2029, 2025) == pytest.approx(k)
    assert path[0] == pytest.approx(15000)
    assert np.all(np.diff(path) >= 0) and path.max() <= 125000


def test_a_higher_speed_puts_every_later_year_higher():
    # the point of issue 13: with the old midpoint-fixed curve, raising the speed from 0.35 to
    # 0.9 lowered 2027 by about 5,000; now every year after the start rises with the speed
    years = np.arange(2025, 2036)
    slow, fast = (prospects.logistic_path(years, 15000, 125000, k) for k in (0.35, 0.9))
    assert slow[0] == fast[0] == pytest.approx(15000)
    assert (fast[1:] > slow[1:]).all()


def test_logistic_path_one_row_per_draw():
    # ceilings 300 and 500 from S = 100, k = ln 2: r = 2 and 4
    # -> [100, 150, 200] and [100, 500 / 3, 250]
    paths = prospects.logistic_path([2025, 2026, 2027], 100, np.array([300.0, 500.0]),
                                    math.log(2))
    assert paths.shape == (2, 3)
    np.testing.assert_allclose(paths, [[100, 150, 200], [100, 500 / 3, 250]])


def test_outlook_takes_presets_and_overrides():
    o = prospects.outlook(check(**DEFAULTS))
    assert (o.ceiling, o.ramp_speed) == (125000, 0.5)
    # 2025 + ln(110,000 / 15,000) / 0.5 = 2025 + 1.99243 / 0.5 = 2028.985
    assert o.midpoint_year == pytest.approx(2028.985, abs=1e-3)
    high = prospects.outlook(check(**{**DEFAULTS, "ramp_scenario": "high"}))
    assert (high.ceiling, high.ramp_speed) == (150000, 1.1)
    mixed = prospects.outlook(check(**{**DEFAULTS, "ramp_scenario": "low", "ceiling": 140000}))
    assert (mixed.ceiling, mixed.ramp_speed) == (140000, 0.25)
    assert mixed.table().at["ceiling", "from"].startswith("parameter")
    assert list(mixed.path().index) == list(range(2025, 2036))
    # a midpoint year sets the speed: ln(110 / 15) / (2031 - 2025) = 0.332072
    by_year = prospects.outlook(check(**{**DEFAULTS, "midpoint_year": 2031}))
    assert by_year.ramp_speed == pytest.approx(0.332072, abs=1e-6)
    with pytest.raises(ParameterError, match="midpoint_year"):
        prospects.outlook(check(**{**DEFAULTS, "midpoint_year": 2031, "ramp_speed": 0.4}))
    with pytest.raises(ParameterError, match="midpoint_year"):
        prospects.outlook(check(**{**DEFAULTS, "midpoint_year": 2030, "start_workers": 70000}))


def test_central_ramp_by_hand():
    # k = 0.5, r = 110,000 / 15,000 = 7.3333: W(2029) = 125,000 / (1 + 7.3333 e^-2)
    # = 125,000 / (1 + 0.992459) = 62,736.6
    path = prospects.outlook(check(**DEFAULTS)).path()
    assert path[2029] == pytest.approx(62736.6, abs=0.1)
    assert path[2025] == pytest.approx(15000, rel=1e-12)


@pytest.mark.parametrize(
    ("changes", "name"),
    [
        ({"ramp_scenario": "medium"}, "ramp_scenario"),
        ({"ceiling": 10000}, "ceiling"),
        ({"ramp_scenario": "low", "start_workers": 120000}, "start_workers"),
        ({"end_year": 2025}, "end_year"),
        ({"end_year": 2020}, "end_year"),
        ({"midpoint_year": 2020}, "midpoint_year"),
        ({"years_abroad": 0.5}, "years_abroad"),
        ({"ramp_speed": -1.0}, "ramp_speed"),
    ],
)
def test_bad_parameters_name_the_parameter(changes, name):
    with pytest.raises(ParameterError) as info:
        check(rules=prospects.RULES, **{**DEFAULTS, **changes})
    assert info.value.name == name
    assert name in str(info.value)


def test_preset_rejects_unknown_names():
    assert prospects.preset("low").ceiling == 100000
    with pytest.raises(ParameterError, match="ramp_scenario"):
        prospects.preset("medium")
    assert list(prospects.presets_table().index) == ["low", "central", "high"]


def test_share_of_pool():
    # 150,000 / 3,000,000 = 5 %; 125,000 / 3,250,000 = 3.846 %
    assert prospects.share_of_pool(150000, 3e6) == pytest.approx(0.05)
    t = prospects.pool_table({"ceiling": 125000})
    assert t.at["ceiling", "share_central"] == pytest.approx(125000 / 3.25e6)
    # the low share divides by the largest pool: 125,000 / 3,500,000 = 3.571 %
    assert t.at["ceiling", "share_low"] == pytest.approx(0.0357143, rel=1e-5)


def test_reference_points_are_head_counts():
    pts = prospects.reference_points()
    assert set(pts["source_id"]) == {"YTN2025", "BELENETS2025", "MT2025BBC"}
    ytn = pts[pts["source_id"] == "YTN2025"].iloc[0]
    assert (ytn["year"], ytn["workers"]) == (2025, 15000)
    assert (pts.loc[pts["label"].str.startswith("forecast"), "year"] == 2026).all()


def test_uncertain_inputs():
    o = prospects.outlook(check(**DEFAULTS))
    r = prospects.uncertain_inputs(o)
    assert r["ceiling"] == Range(100000, 125000, 150000)
    assert r["ramp_speed"] == Range(0.25, 0.5, 1.1)
    assert r["annual_quota_usd"].central == pytest.approx(9750)
    # a start above the documented low end of the ceiling raises that end
    big = prospects.outlook(check(**{**DEFAULTS, "start_workers": 110000}))
    assert prospects.uncertain_inputs(big)["ceiling"].low == 110000


def test_draw_is_reproducible_and_ordered():
    ranges = {"a": Range(0, 1, 2), "b": Range.point(5)}
    x, y = prospects.draw(ranges, 100, 3), prospects.draw(ranges, 100, 3)
    np.testing.assert_array_equal(x["a"], y["a"])
    assert (x["b"] == 5).all() and x["a"].min() >= 0 and x["a"].max() <= 2
    with pytest.raises(ParameterError, match="draws"):
        prospects.draw(ranges, 0, 3)


def test_simulate_with_fixed_inputs_is_the_deterministic_path():
    o = prospects.outlook(check(**DEFAULTS))
    fixed = {"ceiling": Range.point(125000), "ramp_speed": Range.point(0.5),
             "annual_quota_usd": Range.point(10000), "savings_usd": Range.point(2000)}
    sim = prospects.simulate(o, fixed, draws=4, seed=1)
    path = o.path().to_numpy()
    assert sim.workers.shape == (4, 11)
    # revenue = workers x 10,000; savings = workers x 2,000
    np.testing.assert_allclose(sim.state_revenue_usd, np.tile(path * 10000, (4, 1)))
    np.testing.assert_allclose(sim.household_savings_usd, np.tile(path * 2000, (4, 1)))


def test_simulate_is_reproducible():
    o = prospects.outlook(check(**DEFAULTS))
    r = prospects.uncertain_inputs(o)
    a, b = prospects.simulate(o, r, 500, 7), prospects.simulate(o, r, 500, 7)
    np.testing.assert_array_equal(a.state_revenue_usd, b.state_revenue_usd)
    assert (a.workers[:, 0] == 15000).all()
    assert (a.workers <= a.inputs["ceiling"][:, None] + 1e-6).all()


def test_fan_percentiles():
    # 101 draws 0..100 in year 1 and twice that in year 2: p5 = 5 and 10, p95 = 95 and 190
    samples = np.column_stack([np.arange(101.0), 2 * np.arange(101.0)])
    band = prospects.fan(samples, [2030, 2031])
    assert list(band.columns) == ["p5", "p10", "p25", "p50", "p75", "p90", "p95"]
    assert band.at[2030, "p5"] == pytest.approx(5) and band.at[2031, "p95"] == pytest.approx(190)
    assert band.at[2030, "p50"] == pytest.approx(50)


def test_prob_above_on_a_known_sample():
    # year 1: 1.5e9 and 2e9 are above 1e9 (1e9 itself is not): 2 of 4 = 0.5
    # year 2: 2e9, 2e9, 3e9: 3 of 4 = 0.75
    samples = np.array([[0.5e9, 2e9], [1.5e9, 0.8e9], [2e9, 2e9], [1e9, 3e9]])
    prob = prospects.prob_above(samples, [2030, 2031])
    assert list(prob) == [0.5, 0.75]
    assert prospects.first_year(prob, 0.6) == 2031
    assert prospects.first_year(prob, 0.5) == 2030
    assert prospects.first_year(prob, 0.9) is None


def test_rotation_steady_path():
    # 30 workers, 3-year postings: 30/3 = 10 of the first workforce leave in each of the next
    # three years and are replaced; 30 + 10 + 10 + 10 = 60 people have been there by year 4
    w = pd.Series([30.0, 30, 30, 30], index=[2025, 2026, 2027, 2028])
    rot = prospects.rotation(w, 3.0, savings_usd=1500)
    assert list(rot["returnees"]) == [0, 10, 10, 10]
    assert list(rot["arrivals"]) == [0, 10, 10, 10]
    assert list(rot["cumulative_returnees"]) == [0, 10, 20, 30]
    assert list(rot["people_exposed"]) == [30, 40, 50, 60]
    assert list(rot["person_years"]) == [30, 60, 90, 120]
    # each returnee brings 1,500 x 3 = 4,500: 10 x 4,500 = 45,000 a year
    assert list(rot["capital_usd"]) == [0, 45000, 45000, 45000]
    assert rot["cumulative_capital_usd"].iloc[-1] == 135000


def test_rotation_growing_path():
    # 30 -> 60 in year 1: 10 leave, so 30 + 10 = 40 arrive; years 2-3: 10 leave, 10 arrive;
    # year 4: the 40 of year 1 go home and are replaced
    w = pd.Series([30.0, 60, 60, 60, 60], index=range(5))
    rot = prospects.rotation(w, 3)
    assert list(rot["arrivals"]) == [0, 40, 10, 10, 40]
    assert list(rot["returnees"]) == [0, 10, 10, 10, 40]
    # the stock in year 4 is the arrivals of years 2, 3 and 4: 10 + 10 + 40 = 60
    assert rot["arrivals"].iloc[2:].sum() == 60


def test_rotation_fractional_posting():
    # 1.5-year postings: 30 / 1.5 = 20 of the first workforce leave in year 1, the last 10 in
    # year 2. Arrivals of year 1 (20) leave half in year 2, half in year 3: returnees stay 20
    w = pd.Series([30.0] * 5, index=range(5))
    rot = prospects.rotation(w, 1.5)
    assert list(rot["returnees"]) == [0, 20, 20, 20, 20]


def test_rotation_rejects_bad_input():
    with pytest.raises(ParameterError, match="years_abroad"):
        prospects.rotation(pd.Series([1.0, 2.0]), 0.5)
    with pytest.raises(ValueError, match="falls"):
        prospects.rotation(pd.Series([30.0, 5.0], index=[2025, 2026]), 3)


def test_ranges_table():
    t = prospects.ranges_table({"ceiling": Range(1, 2, 3)})
    assert list(t.loc["ceiling", ["low", "central", "high"]]) == [1, 2, 3]
    assert t.at["ceiling", "unit"] == "persons"
