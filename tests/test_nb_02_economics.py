"""02_economics with non-default parameters (run in-process), and a bad value stopping it early."""

import pytest

from dispatchlib.teaching import prose


def test_economics_with_other_parameters(run_notebook):
    r = run_notebook("02_economics", workers=100000, quota_usd=6500.0, quota_months=6.0,
                     savings_usd=2000.0, years_abroad=4.0, bribe_usd=1000.0, draws=5000, seed=7)
    # 6,500 / 6 x 12 = 13,000 a year; x 100,000 = 1.3 billion; 1e9 / 13,000 = 76,923
    assert r["annual_quota_usd"] == pytest.approx(13000)
    assert r["state_revenue_usd"] == pytest.approx(1.3e9)
    assert r["workers_for_1bn"] == pytest.approx(76923.1)
    # 100,000 x 2,000 = 200 million; 2,000 x 4 = 8,000; 1,000 / (2,000 / 12) = 6 months
    assert r["household_savings_usd"] == pytest.approx(2e8)
    assert r["returnee_capital_usd"] == pytest.approx(8000)
    assert r["bribe_payback_months"] == pytest.approx(6.0)
    assert r["state_take_per_worker_usd"] == pytest.approx(13000)
    assert r["net_capital_usd"] == pytest.approx(7000)  # 8,000 - 1,000
    # 13,000 is above the documented high end, so it is the top of the quota range
    assert r["state_revenue_usd_p5"] < r["state_revenue_usd_p95"] <= r["state_revenue_usd"]


def test_bad_parameter_stops_at_the_validation_cell(stopped_by):
    error = stopped_by("02_economics", {"quota_months": 0})
    assert "quota_months = 0" in error.evalue


def test_the_prose_follows_the_run(run_notebook, monkeypatch):
    """Every sentence built from this run's numbers says 50,000 workers and USD 487.5 million
    (50,000 x 6,500 / 8 x 12), and none still reads the defaults' USD 975 million as this run's."""
    said = []

    class Recorded(prose.Markdown):
        def __init__(self, data=None, *args, **kwargs):
            said.append(data)
            super().__init__(data, *args, **kwargs)

    monkeypatch.setattr(prose, "Markdown", Recorded)
    r = run_notebook("02_economics", workers=50000, draws=2000)
    assert r["workers"] == 50000 and r["state_revenue_usd"] == pytest.approx(487.5e6)
    this_run = said[0].split("**The brief's claim:**")[0]
    assert "50,000 workers" in this_run and "USD 487.5 million a year" in this_run
    assert "975" not in this_run and "15,000" not in " ".join(said)
    # 100,000 workers at the brief's quota is the brief's claim, stated as such
    assert "100,000 workers would bring USD 975 million" in said[0]
    median = next(s for s in said if s.startswith("**Central value or median?**"))
    assert "With 50,000 workers the central value of the state's revenue is USD 487.5 million" \
        in median
