"""The scenario engine: defaults from the data, recentring, Monte Carlo and sensitivity."""

import numpy as np
import pandas as pd
import pytest

from dispatchlib import ParameterError
from dispatchlib.model import scenario
from dispatchlib.model.scenario import Range
from dispatchlib.tables.data import assumption


def test_documented_scenario_reproduces_the_brief():
    out = scenario.deterministic(scenario.documented())
    # quota 6,500 / 8 x 12 = 9,750; 15,000 workers x 9,750 = 146.25 million
    assert out["annual_quota_usd"] == pytest.approx(9750)
    assert out["workers"] == pytest.approx(assumption("workers")[1])
    assert out["state_revenue_usd"] == pytest.approx(out["workers"] * 9750)
    # 1,500 a year x 3 years = 4,500; 400 / (1,500 / 12) = 3.2 months
    assert out["returnee_capital_usd"] == pytest.approx(1500 * assumption("years_abroad")[1])
    assert out["bribe_payback_months"] == pytest.approx(3.2)


def test_given_values_set_the_mode_and_workers_are_fixed():
    base = scenario.documented()
    s = scenario.build(savings_usd=3000, years_abroad=4, workers=50_000)
    # 3,000 is above the documented high end: the range widens to include it
    assert s.savings_usd == Range(base.savings_usd.low, 3000, 3000)
    assert s.years_abroad == Range(base.years_abroad.low, 4, base.years_abroad.high)
    assert s.workers == Range.point(50_000)
    assert s.bribe_usd == base.bribe_usd
    # quota: 7,000 over 7 months = 12,000 a year, above the documented high end
    assert scenario.build(quota_usd=7000, quota_months=7).annual_quota_usd.high == 12000


def test_build_rejects_bad_values():
    with pytest.raises(ParameterError, match="quota_months"):
        scenario.build(quota_months=0)


def test_triangular_sampling_matches_its_moments():
    r = Range(1.0, 2.0, 6.0)
    x = scenario.triangular(np.random.default_rng(0).random(200_000), r)
    assert x.min() >= 1.0 and x.max() <= 6.0
    # mean of a triangular distribution = (a + b + c) / 3 = 3
    assert x.mean() == pytest.approx(3.0, rel=0.01)
    assert np.all(scenario.triangular(np.array([0.1, 0.9]), Range.point(5.0)) == 5.0)


def test_monte_carlo_is_reproducible_and_ordered():
    s = scenario.documented()
    a = scenario.monte_carlo(s, draws=5000, seed=7)
    b = scenario.monte_carlo(s, draws=5000, seed=7)
    pd.testing.assert_frame_equal(a, b)
    assert not a.equals(scenario.monte_carlo(s, draws=5000, seed=8))
    summary = scenario.summarize(a)
    assert (summary["p5"] <= summary["p50"]).all() and (summary["p50"] <= summary["p95"]).all()


def test_sensitivity_orders_inputs_by_swing():
    s = scenario.documented()
    sens = scenario.sensitivity(s, "state_revenue_usd")
    assert list(sens["swing"]) == sorted(sens["swing"], reverse=True)
    # savings, years and bribes do not enter state revenue
    assert sens.loc[["savings_usd", "years_abroad", "bribe_usd"], "swing"].eq(0).all()
    w = s.workers
    expected = (w.high - w.low) * s.annual_quota_usd.central
    assert sens.at["workers", "swing"] == pytest.approx(expected)


def test_revenue_by_workers_scales_linearly():
    s = scenario.documented()
    band = scenario.revenue_by_workers([0, 50_000, 100_000], s, draws=2000, seed=1)
    assert (band.loc[0.0] == 0).all()
    np.testing.assert_allclose(band.loc[100_000.0], 2 * band.loc[50_000.0])


def test_report_keys():
    out = scenario.report(scenario.documented(), draws=1000, seed=3)
    for key in scenario.OUTPUTS:
        assert out[f"{key}_p5"] <= out[f"{key}_p50"] <= out[f"{key}_p95"]
    assert out["units"]["state_revenue_usd"] == "USD per year"


def test_build_names_an_unknown_keyword_and_the_closest_one():
    with pytest.raises(ParameterError) as info:
        scenario.build(worker=100_000)
    assert info.value.name == "worker"
    assert str(info.value) == (
        "parameter worker = 100000 is not allowed: expected a known parameter name (did you "
        "mean 'workers'?): one of bribe_usd, quota_months, quota_usd, savings_usd, workers, "
        "years_abroad")


def test_summary_prints_readable_numbers_and_keeps_them_numbers():
    s = scenario.build(workers=100_000)
    summary = scenario.summarize(scenario.monte_carlo(s, draws=500, seed=2025))
    text = repr(summary)
    assert "e+" not in text and "e-" not in text
    first = text.splitlines()[1].split()
    assert first == ["workers", "100,000", "100,000", "100,000", "persons"]
    assert "USD per year" in text and "<td>" in summary._repr_html_()
    assert summary.at["workers", "p50"] == 100_000.0  # still a number
    assert isinstance(summary, scenario.Summary)
    assert type(summary["p50"] * 2).__name__ == "Series"
