"""05_implications with non-default parameters (run in-process), and bad values stopping it."""

import pytest


def test_implications_with_other_parameters(run_notebook):
    r = run_notebook("05_implications", gross_wage_usd=1000.0, state_share=0.6,
                     savings_usd=2000.0, years_abroad=3.0, ramp_scenario="low", end_year=2030,
                     contract_state_share=0.4, enforcement_cut=0.5, outreach_share=0.1)
    # 1,000 x 12 = 12,000 gross; 60 % = 7,200 to the state; 12,000 - 7,200 - 2,000 = 2,800
    assert r["gross_usd_per_year"] == pytest.approx(12000)
    assert r["state_usd_per_worker_year"] == pytest.approx(7200)
    assert r["living_usd_per_worker_year"] == pytest.approx(2800)
    # the brief's 9,750 at 60 %: 9,750 / 12 / 0.6 = 1,354.17 a month
    assert r["gross_wage_for_brief_quota_usd_month"] == pytest.approx(1354.17, abs=0.01)
    # low ramp 2025-2030: 15,000 + 17,738.5 + 21,335.0 + 25,930.4 + 31,600.6 + 38,302.9
    # = 149,907.4 person-years; x 7,200 to the state and x 2,000 kept
    assert r["person_years_window"] == pytest.approx(149907.4, abs=1)
    assert r["state_revenue_usd_window"] == pytest.approx(7200 * 149907.4, rel=1e-5)
    assert r["household_money_usd_window"] == pytest.approx(2000 * 149907.4, rel=1e-5)
    # contract lever at 40 %: state 4,800 instead of 7,200 (-1/3); kept 2,000 + 2,400 = 4,400
    assert r["contract_state_revenue_change"] == pytest.approx(-1 / 3, abs=1e-5)
    assert r["contract_household_money_change"] == pytest.approx(1.2, abs=1e-5)
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
