"""04_prospects with non-default parameters (run in-process), and bad values stopping it early."""

import pytest


def test_prospects_with_other_parameters(run_notebook):
    r = run_notebook("04_prospects", ramp_scenario="high", ceiling=140000, end_year=2032,
                     start_workers=20000, years_abroad=4.0, savings_usd=2000.0,
                     quota_usd=6000.0, quota_months=6.0, draws=2000, seed=7)
    # the high ramp's speed, with the ceiling overridden; the midpoint follows:
    # 2025 + ln(120,000 / 20,000) / 1.1 = 2025 + 1.791759 / 1.1 = 2026.63
    assert (r["ramp_scenario"], r["ceiling_workers"]) == ("high", 140000)
    assert (r["ramp_speed_per_year"], r["end_year"]) == (1.1, 2032)
    assert r["midpoint_year"] == pytest.approx(2026.63, abs=0.01)
    # 140,000 / (1 + 6 e^-7.7) = 140,000 / 1.0027170 = 139,620.7
    assert r["workers_end"] == pytest.approx(139620.7, abs=1)
    # 139,620.7 / 3,250,000 = 4.30 %
    assert r["share_of_pool_end"] == pytest.approx(139620.7 / 3.25e6, rel=1e-4)
    # 2,000 a year x 4 years = 8,000 per returnee
    assert r["returnee_capital_usd"] == pytest.approx(8000)
    assert r["capital_carried_home_usd"] == pytest.approx(8000 * r["cumulative_returnees"],
                                                          rel=1e-5)
    # everyone who came is still there or went home: exposed = workforce + returnees
    assert r["people_exposed"] == pytest.approx(r["workers_end"] + r["cumulative_returnees"],
                                                rel=1e-5)
    # the first workforce alone sends 20,000 / 4 = 5,000 home in each of 2026-2029
    assert r["cumulative_returnees"] >= 20000
    # quota 6,000 / 6 x 12 = 12,000 a year, the top of its range; ceiling at most 150,000
    assert r["state_revenue_usd_end_p5"] < r["state_revenue_usd_end_p50"] \
        < r["state_revenue_usd_end_p95"] <= 12000 * 150000
    assert 0 <= r["prob_revenue_above_1bn_end"] <= 1


@pytest.mark.parametrize(
    ("parameters", "fragment"),
    [({"ceiling": 10000}, "ceiling = 10000"),
     ({"ramp_scenario": "medium"}, "ramp_scenario = 'medium'"),
     ({"end_year": 2020}, "end_year = 2020")],
)
def test_bad_parameter_stops_at_the_validation_cell(stopped_by, parameters, fragment):
    error = stopped_by("04_prospects", parameters)
    assert fragment in error.evalue
