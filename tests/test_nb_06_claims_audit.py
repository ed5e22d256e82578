"""06_claims-audit with non-default parameters (run in-process), and bad values stopping it."""

import pytest


def test_claims_audit_with_other_parameters(run_notebook):
    r = run_notebook("06_claims-audit", min_confidence="H", tolerance=0.15)
    assert r["claims"] == 48
    assert sum(v for k, v in r.items() if k.startswith("n_")) == 48
    # the recomputations do not depend on the parameters:
    # 6,500 / 8 x 12 = 9,750; 100,000 x 9,000-10,000 = 0.9-1.0 bn; 100,000 x 1,500 = 150 m;
    # 1,500 x 3-4 = 4,500-6,000; 100,000-150,000 x 9,000-10,000 = 0.9-1.5 bn;
    # 3.0 m / 75.6 m = 3.968 %, 3.5 m / 75.4 m = 4.642 %; 500 m / 100,000 = 5,000
    assert r["quota_annual_implied_usd"] == pytest.approx(9750)
    assert (r["scenario_revenue_1bn_usd_low"], r["scenario_revenue_1bn_usd_high"]) == \
        pytest.approx((0.9e9, 1.0e9))
    assert r["scenario_savings_200m_usd"] == pytest.approx(150e6)
    assert (r["savings_total_returnee_usd_low"], r["savings_total_returnee_usd_high"]) == \
        pytest.approx((4500, 6000))
    assert (r["ceiling_revenue_usd_low"], r["ceiling_revenue_usd_high"]) == \
        pytest.approx((0.9e9, 1.5e9))
    assert (r["foreign_workers_share_pct_low"], r["foreign_workers_share_pct_high"]) == \
        pytest.approx((3.96825, 4.64191), rel=1e-5)
    assert r["un_revenue_per_worker_usd"] == pytest.approx(5000)
    # H only, 15 %: 0.9 bn >= 0.85 bn and 4,500 >= 4,250 now agree; only the ceiling
    # (0.9-1.5 bn against 0.85-1.15 bn) still holds at one end; 150 m < 170 m still fails
    assert r["n_holds_only_at_one_end"] == 1
    assert r["n_contradicted_by_arithmetic"] == 1
    # counted from claims.csv and evidence.csv with grade H only (see tests/test_audit.py)
    assert r["n_no_independent_source"] == 29
    # covid_stranded's two official H figures count former permit holders only (context):
    # no counted source contradicts any claim
    assert r["n_contradicted_by_sources"] == 0


@pytest.mark.parametrize(("name", "value"), [("min_confidence", "X"), ("tolerance", -0.1)])
def test_bad_parameter_stops_at_the_validation_cell(stopped_by, name, value):
    error = stopped_by("06_claims-audit", {name: value})
    assert f"{name} = {value!r}" in error.evalue
