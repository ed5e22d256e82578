"""03_sanctions with non-default parameters (run in-process), and bad values stopping it early."""

import pytest


def test_sanctions_with_other_parameters(run_notebook):
    r = run_notebook("03_sanctions", sanctions_year=2019, revival_year=2022, its_start_year=2012,
                     counterfactual_workers=20000, counterfactual_growth=10.0, quota_usd=6000.0,
                     quota_months=6.0, ci_level=0.9, draws=3000, seed=7)
    # data, whatever the parameters: Russia's official counts and the 2024 entries
    assert (r["official_end2017_workers"], r["official_end2018_workers"],
            r["official_mar2020_workers"]) == (30023, 11490, 511)
    assert r["official_drop_2018_pct"] == pytest.approx(-61.7293, abs=1e-3)  # 11,490 / 30,023 - 1
    assert r["study_share_2024"] == pytest.approx(7887 / 13221, rel=1e-5)
    # yearly values 2012-2025 without 2014 and 2023: 12; minus 6 coefficients
    assert r["its_years"] == 12 and r["its_df_resid"] == 6
    # 6,000 / 6 x 12 = 12,000 a year; 20,000 x 1.1 ** (2025 - 2018) = 38,974.3
    assert r["annual_quota_usd"] == pytest.approx(12000)
    assert r["counterfactual_2025_workers"] == pytest.approx(38974.3, rel=1e-5)
    # revenue forgone = missing worker-years x quota, summed over 2019-2025
    assert r["forgone_cumulative_usd"] == pytest.approx(12000 * r["gap_worker_years"], rel=1e-5)
    # 12,000 is the top of the widened quota range (5,000 to 12,000): every draw is at or below it
    assert r["forgone_cumulative_usd_p5"] < r["forgone_cumulative_usd_p95"]
    assert r["forgone_cumulative_usd_p95"] <= r["forgone_cumulative_usd"] * (1 + 1e-5)
    # the jump at a 2019 break: its 90% interval spans a factor of about 79 (exp(high - low)),
    # above the limit of 10, so no percentage is recorded, only the factor
    assert r["sanctions_jump_pct_interval_factor"] == pytest.approx(78.98, rel=1e-3)
    assert (r["sanctions_jump_pct"], r["sanctions_jump_pct_low"],
            r["sanctions_jump_pct_high"]) == (None, None, None)
    # the state's take per worker is the annual quota: 6,000 / 6 x 12
    assert r["state_take_per_worker_usd"] == pytest.approx(12000)


@pytest.mark.parametrize(("parameters", "fragment"), [
    ({"sanctions_year": 2022, "revival_year": 2018}, "revival_year = 2018"),
    ({"revival_year": 2024}, "revival_year = 2024"),       # fewer than 3 years after the break
    ({"counterfactual_workers": -5}, "counterfactual_workers = -5"),
])
def test_bad_parameter_stops_at_the_validation_cell(stopped_by, parameters, fragment):
    error = stopped_by("03_sanctions", parameters)
    assert fragment in error.evalue
