"""05_implications with non-default parameters (run in-process), and bad values stopping it."""

import pytest


def test_implications_with_other_parameters(run_notebook):
    r = run_notebook("05_implications", gross_wage_usd=1000.0, state_share=0.6,
                     savings_usd=2000.0, years_abroad=3.0, ramp_scenario="low", end_year=2030,
                     quota_usd=6000.0, quota_months=6.0,
                     contract_state_share=0.4, enforcement_cut=0.5, outreach_share=0.1)
    # 1,000 x 12 = 12,000 gross; 60 % = 7,200 of pay; 12,000 - 7,200 - 2,000 = 2,800 left
    assert r["gross_usd_per_year"] == pytest.approx(12000)
    assert r["state_take_from_pay_usd"] == pytest.approx(7200)
    assert r["living_usd_per_worker_year"] == pytest.approx(2800)
    # the central value is the quota: 6,000 / 6 x 12 = 12,000 a year per worker;
    # at 60 % it needs 12,000 / 12 / 0.6 = 1,666.67 a month of pay
    assert r["state_take_per_worker_usd"] == pytest.approx(12000)
    assert r["gross_wage_for_brief_quota_usd_month"] == pytest.approx(1666.67, abs=0.01)
    # low ramp 2025-2030, k = 0.25: W = 100,000 / (1 + 5.6667 e^(-0.25 n)), n = 0..5:
    # 15,000 + 18,473.3 + 22,537.7 + 27,198.0 + 32,418.6 + 38,116.6 = 153,744.3 person-years
    assert r["person_years_window"] == pytest.approx(153744.3, abs=1)
    assert r["state_revenue_usd_window"] == pytest.approx(12000 * 153744.3, rel=1e-5)
    assert r["household_money_usd_window"] == pytest.approx(2000 * 153744.3, rel=1e-5)
    # contract lever at 40 % instead of 60 %: take 12,000 x 0.4 / 0.6 = 8,000 (-1/3);
    # kept 2,000 + 4,000 = 6,000 (+200 %)
    assert r["contract_state_revenue_change"] == pytest.approx(-1 / 3, abs=1e-5)
    assert r["contract_household_money_change"] == pytest.approx(2.0, abs=1e-5)
    assert r["enforcement_people_exposed_change"] == pytest.approx(-0.5)
    assert r["outreach_people_reached"] == pytest.approx(0.1 * r["people_exposed_end"], rel=1e-5)


@pytest.mark.parametrize(
    ("parameters", "fragment"),
    [({"state_share": 1.2}, "state_share = 1.2"),
     ({"contract_state_share": 0.7}, "contract_state_share = 0.7")],
)
def test_bad_parameter_stops_at_the_validation_cell(stopped_by, parameters, fragment):
    error = stopped_by("05_implications", parameters)
    assert fragment in error.evalue
