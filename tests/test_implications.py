"""Flow of funds, exposure and policy levers, against hand-computed values."""

import numpy as np
import pandas as pd
import pytest

from dispatchlib import ParameterError, check
from dispatchlib.lessons import implications, prospects
from dispatchlib.model import formulas
from dispatchlib.run import discovery, planning

DEFAULTS = dict(ramp_scenario="central", start_year=2025, end_year=2035, start_workers=15000,
                years_abroad=3.0, gross_wage_usd=800.0, state_share=0.5, savings_usd=1500.0,
                contract_state_share=0.33, enforcement_cut=0.67, outreach_share=0.25)


def test_flow_of_funds_adds_up_to_gross_pay():
    # 800 x 12 = 9,600 gross; half = 4,800 to the state; 9,600 - 4,800 - 1,500 = 3,300 left
    f = implications.flow_of_funds(800, 0.5, 1500)
    assert float(f["gross_usd"]) == 9600
    assert float(f["state_usd"]) == 4800
    assert float(f["living_usd"]) == 3300
    assert float(f["shortfall_usd"]) == 0
    assert float(f["state_usd"] + f["savings_usd"] + f["living_usd"]) == 9600


def test_flow_of_funds_flags_figures_that_do_not_fit():
    # 90 %: 8,640 to the state + 1,500 saved = 10,140 > 9,600: 540 short
    f = implications.flow_of_funds(800, [0.33, 0.9], 1500)
    np.testing.assert_allclose(f["state_usd"], [3168, 8640])
    np.testing.assert_allclose(f["living_usd"], [4932, -540])
    np.testing.assert_allclose(f["shortfall_usd"], [0, 540])
    np.testing.assert_allclose(f["state_usd"] + f["savings_usd"] + f["living_usd"], 9600)


def test_implied_gross_wage_inverts_state_take():
    # 9,750 a year at half of pay: 9,750 / 12 / 0.5 = 1,625 a month
    assert float(implications.implied_gross_wage(9750, 0.5)) == pytest.approx(1625)
    assert float(formulas.state_take(implications.implied_gross_wage(4000, 0.4), 0.4)) == \
        pytest.approx(4000)


def test_split_cases_use_the_documented_shares():
    # this run's half is the brief's "about half": one row, marked, not two equal rows
    cases = implications.split_cases(800, 0.5, 1500)
    assert list(cases["state_share"]) == [0.33, 0.5, 0.9]
    assert cases.index[1].endswith("(this run)")
    assert cases["state_usd"].iloc[0] == pytest.approx(3168)  # 9,600 x 0.33
    assert cases["source_id"].iloc[-1] == "MBN2024"
    # a share of its own gets its own first row; the quota row hands over a fixed amount:
    # 9,600 - 9,750 - 1,500 = -1,650 of living costs, 1,650 over the pay
    own = implications.split_cases(800, 0.6, 1500, state_usd=9750)
    assert list(own["state_share"].iloc[:4]) == [0.6, 0.33, 0.5, 0.9]
    assert own.index[0].endswith("(this run)")
    quota = own.iloc[-1]
    assert (quota["state_usd"], quota["living_usd"], quota["shortfall_usd"]) == (9750, -1650,
                                                                                 1650)


def test_state_take_range_sets_the_two_sources_side_by_side():
    # 800 x 12 x 0.5 = 4,800 from the NIS pay; the quota 9,750 needs 9,750 / 12 / 0.5 = 1,625
    t = implications.state_take_range(800, 0.5, 9750)
    assert t["state_usd"].tolist() == [4800, 9750]
    assert t["pay_needed_usd_month"].tolist() == [800, 1625]


def test_yearly_flows():
    # 10 workers x 9,750 = 97,500 to the state, 10 x 1,500 = 15,000 kept; then 20 workers
    flows = implications.yearly_flows(pd.Series([10.0, 20.0], index=[2025, 2026]), 9750, 1500)
    assert list(flows["state_revenue_usd"]) == [97500, 195000]
    assert list(flows["household_money_usd"]) == [15000, 30000]


def test_exposure_reuses_the_rotation():
    w = pd.Series([30.0, 30, 30, 30], index=[2025, 2026, 2027, 2028])
    e = implications.exposure(w, 3)
    assert list(e["person_years"]) == [30, 30, 30, 30]
    assert list(e["cumulative_person_years"]) == [30, 60, 90, 120]
    assert list(e["returnees"]) == [0, 10, 10, 10]
    assert list(e["people_exposed"]) == [30, 40, 50, 60]


def test_lever_table_by_hand():
    # path of 30 workers for 4 years: 120 person-years; 60 people exposed (see test above)
    w = pd.Series([30.0, 30, 30, 30], index=[2025, 2026, 2027, 2028])
    # the state's take 4,800 a year stands for half of pay
    table = implications.lever_table(w, 4800, 0.5, 1500, 3,
                                     implications.levers(0.25, 0.5, 0.2))
    base, contract, enforce, outreach, package, rights = table.index
    # baseline: 120 x 4,800 = 576,000 to the state; 120 x 1,500 = 180,000 kept
    assert table.at[base, "state_revenue_usd"] == pytest.approx(576000)
    assert table.at[base, "household_money_usd"] == pytest.approx(180000)
    assert table.at[base, "people_exposed"] == pytest.approx(60)
    # contract system at 25 %: 4,800 x 0.25 / 0.5 = 2,400 to the state (120 x = 288,000);
    # the 2,400 freed goes to the worker: 1,500 + 2,400 = 3,900 kept (120 x = 468,000, +160 %)
    assert table.at[contract, "state_revenue_usd"] == pytest.approx(288000)
    assert table.at[contract, "household_money_usd"] == pytest.approx(468000)
    assert table.at[contract, "household_money_usd_change"] == pytest.approx(1.6)
    assert table.at[contract, "people_exposed_change"] == pytest.approx(0)
    # enforcement cutting half the workers halves all three
    for k in ("state_revenue_usd", "household_money_usd", "people_exposed"):
        assert table.at[enforce, f"{k}_change"] == pytest.approx(-0.5)
    # outreach reaching 20 % of the 60 exposed: 12 people, no money moved
    assert table.at[outreach, "people_reached"] == pytest.approx(12)
    assert table.at[outreach, "state_revenue_usd_change"] == pytest.approx(0)
    assert table.at[package, "people_reached"] == pytest.approx(12)
    assert table.at[package, "state_revenue_usd"] == pytest.approx(288000)
    assert np.isnan(table.at[rights, "state_revenue_usd"])
    assert np.isnan(table.at[base, "people_reached_change"])  # baseline 0: no ratio
    # the takeaway is built from the table: the contract system and the package cut the
    # state's money (-50 %) while families gain (+160 %) and exposure holds (+0 %)
    said = implications.lever_takeaway(table)
    assert f"{contract} (state -50%, families +160%, people exposed +0%)" in said
    assert said.endswith("or the exposure: " + contract + ", " + package + ".")
    text = implications.formatted_levers(table)
    assert text.at[contract, "household_money_usd"] == "$468,000 (+160%)"
    assert text.at[rights, "people_exposed"] == "-"


def test_defaults_pass_and_path_comes_from_prospects():
    p = check(rules=implications.RULES, **DEFAULTS)
    path = prospects.outlook(p).path()
    assert path.iloc[0] == 15000 and len(path) == 11


@pytest.mark.parametrize(
    ("changes", "name"),
    [
        ({"state_share": 1.2}, "state_share"),
        ({"state_share": -0.1}, "state_share"),
        ({"contract_state_share": 0.6}, "contract_state_share"),
        ({"enforcement_cut": 1.5}, "enforcement_cut"),
        ({"outreach_share": 2.0}, "outreach_share"),
        ({"gross_wage_usd": 0.0}, "gross_wage_usd"),
        ({"ramp_scenario": "huge"}, "ramp_scenario"),
        ({"end_year": 2024}, "end_year"),
    ],
)
def test_bad_parameters_name_the_parameter(changes, name):
    with pytest.raises(ParameterError) as info:
        check(rules=implications.RULES, **{**DEFAULTS, **changes})
    assert info.value.name == name
    assert name in str(info.value)


# --------------------------------------------------------------------------- impossible pay splits

@pytest.mark.parametrize(
    ("gross", "share", "savings", "most"),
    [(800, 0.9, 1500, "960"),      # 9,600 - 8,640 = 960 left
     (1625, 0.9, 2400, "1,950"),   # the old high case: 19,500 - 17,550 = 1,950 left
     (500, 1.0, 1, "0")],          # the state takes everything
)
def test_pay_that_cannot_hold_the_savings_is_refused_naming_the_values(gross, share, savings,
                                                                       most):
    with pytest.raises(ParameterError) as info:
        check(rules=implications.RULES, **{**DEFAULTS, "gross_wage_usd": float(gross),
                                           "state_share": share, "savings_usd": float(savings)})
    message = str(info.value)
    assert info.value.name == "savings_usd"
    assert f"expected at most {most} (USD per worker per year)" in message
    assert f"gross_wage_usd = {gross:,}" in message and f"state_share = {share:g}" in message
    assert "living costs negative" in message


def test_pay_that_just_holds_the_savings_passes():
    # 800 x 12 x (1 - 0.8) = 1,920: saving all of it leaves living costs of exactly 0
    check(rules=implications.RULES, **{**DEFAULTS, "state_share": 0.8, "savings_usd": 1920.0})
    f = implications.flow_of_funds(800, 0.8, 1920)
    assert float(f["living_usd"]) == pytest.approx(0, abs=1e-9)


def test_every_shipped_scenario_passes_every_rule_of_every_lesson():
    from dispatchlib.rules import for_notebook
    from dispatchlib.run import scenario_files as cases

    sources = discovery.notebooks()
    for name in cases.available():
        case = cases.load(name)
        injected = planning.plan(sources, case.parameters, from_files=set(case.parameters))
        for stem, values in planning.values_used(sources, injected).items():
            p = check(rules=for_notebook(stem), **values)
            if stem == "05_implications":  # the pay split has no negative part
                f = implications.flow_of_funds(p.gross_wage_usd, p.state_share, p.savings_usd)
                assert float(f["living_usd"]) >= 0, name


def test_high_case_keeps_living_costs_positive():
    from dispatchlib.run import scenario_files as cases

    v = cases.load("high").parameters
    # 1,625 x 12 = 19,500; half to the state = 9,750; 19,500 - 9,750 - 2,400 = 7,350
    f = implications.flow_of_funds(v["gross_wage_usd"], v["state_share"], v["savings_usd"])
    assert float(f["living_usd"]) == 7350
