"""00_start-here with non-default parameters (run in-process), and a bad value stopping it early."""

import pytest


def test_start_here_with_other_parameters(run_notebook):
    r = run_notebook("00_start-here", workers=100000, draws=3000, seed=7)
    assert r["workers"] == 100000
    # the central value (the brief's arithmetic): 100,000 x 9,750 = 975 million;
    # 100,000 x 1,500 = 150 million kept by households
    assert r["state_revenue_run_usd"] == pytest.approx(975e6)
    assert r["household_savings_run_usd"] == pytest.approx(150e6)
    assert r["state_take_per_worker_usd"] == pytest.approx(9750)  # 6,500 / 8 x 12
    # workers fixed at 100,000, quota drawn between 5,000 and 10,300: 0.5 to 1.03 billion
    assert 0.5e9 <= r["state_revenue_run_usd_p50"] <= 1.03e9
    # documented ranges (assumptions.csv): 10,000-15,000-21,000 now, 100,000-150,000 at most
    assert (r["workers_2025_low"], r["workers_2025"], r["workers_2025_high"]) == \
        (10000, 15000, 21000)
    assert (r["ceiling_workers_low"], r["ceiling_workers_high"]) == (100000, 150000)
    # 2025: between 10,000 x 5,000 = 50 m and 21,000 x 10,300 = 216 m a year
    assert 50e6 <= r["state_revenue_2025_usd_p5"] < r["state_revenue_2025_usd_p50"] \
        < r["state_revenue_2025_usd_p95"] <= 216.3e6
    # ceiling: between 100,000 x 5,000 = 0.5 bn and 150,000 x 10,300 = 1.545 bn
    assert 0.5e9 <= r["state_revenue_ceiling_usd_p5"] < r["state_revenue_ceiling_usd_p50"] \
        < r["state_revenue_ceiling_usd_p95"] <= 1.545e9
    # the state's median take is several times the households' in both scenarios
    assert r["state_revenue_2025_usd_p50"] > 3 * r["household_savings_2025_usd_p50"]
    assert r["state_revenue_ceiling_usd_p50"] > 3 * r["household_savings_ceiling_usd_p50"]


def test_bad_parameter_stops_at_the_validation_cell(stopped_by):
    error = stopped_by("00_start-here", {"workers": -5})
    assert "workers = -5" in error.evalue
