"""Each formula against values computed by hand (the working is in the comments)."""

import numpy as np
import pytest

from dispatchlib.errors import ParameterError
from dispatchlib.model import formulas as f


def test_annual_quota_brief_documents():
    # 6,500 / 8 months = 812.5 a month; x 12 = 9,750 a year
    assert f.annual_quota(6500, 8) == pytest.approx(9750.0)


def test_annual_quota_vectorised():
    # 1,200 over 12 months = 1,200 a year; 600 over 3 months = 200 a month = 2,400 a year
    assert np.allclose(f.annual_quota([1200, 600], [12, 3]), [1200.0, 2400.0])


def test_state_revenue():
    # 100,000 workers x 9,750 = 975,000,000
    assert f.state_revenue(100_000, 9750) == pytest.approx(975e6)
    # 15,000 x 9,750 = 146,250,000
    assert f.state_revenue(15_000, f.annual_quota(6500, 8)) == pytest.approx(146.25e6)


def test_household_savings():
    # 100,000 x 1,500 = 150 million (the brief says 200 million or more)
    assert f.household_savings(100_000, 1500) == pytest.approx(150e6)


def test_returnee_capital():
    # 1,500 a year x 3 years = 4,500; x 4 years = 6,000
    assert np.allclose(f.returnee_capital(1500, [3, 4]), [4500.0, 6000.0])


def test_bribe_payback_months():
    # 1,500 a year = 125 a month; 400 / 125 = 3.2 months; 2,000 / 125 = 16 months
    assert np.allclose(f.bribe_payback_months([400, 2000], 1500), [3.2, 16.0])


def test_per_worker_revenue_un_panel():
    # 500 million / 100,000 workers = 5,000 per worker per year
    assert f.per_worker_revenue(500e6, 100_000) == pytest.approx(5000.0)


def test_workers_needed():
    # 1e9 / 9,750 = 102,564.1...; 1e9 / 5,000 = 200,000
    assert f.workers_needed(1e9, 9750) == pytest.approx(102_564.102564, rel=1e-9)
    assert f.workers_needed(1e9, 5000) == pytest.approx(200_000.0)


def test_state_take():
    # 800 a month x 12 = 9,600 a year; half = 4,800; 90% = 8,640
    assert np.allclose(f.state_take(800, [0.5, 0.9]), [4800.0, 8640.0])


def test_broadcasting_shapes():
    workers = np.array([[1.0], [2.0]])
    quota = np.array([10.0, 20.0, 30.0])
    assert f.state_revenue(workers, quota).shape == (2, 3)


@pytest.mark.parametrize(("call", "name", "value", "expected"), [
    # zero months: 6,500 / 0 would be inf
    (lambda: f.annual_quota(6500, 0), "months", 0, "a number above 0"),
    (lambda: f.annual_quota(-1, 8), "amount_usd", -1, "a number of at least 0"),
    # negative workers: a negative revenue is not a revenue
    (lambda: f.state_revenue(-5, 9750), "workers", -5, "a number of at least 0"),
    (lambda: f.household_savings([10, -2], 1500), "workers", -2, "a number of at least 0"),
    (lambda: f.returnee_capital(1500, float("nan")), "years_abroad", float("nan"),
     "a number of at least 0"),
    # zero savings: 400 / 0 would be inf months
    (lambda: f.bribe_payback_months(400, 0), "savings_usd_per_year", 0, "a number above 0"),
    (lambda: f.per_worker_revenue(500e6, 0), "workers", 0, "a number above 0"),
    (lambda: f.workers_needed(1e9, 0), "quota_usd_per_year", 0, "a number above 0"),
    # a share above 1 hands the state more than the pay
    (lambda: f.state_take(800, 1.5), "state_share", 1.5, "a share from 0 to 1"),
    (lambda: f.state_take(800, [0.5, -0.1]), "state_share", -0.1, "a share from 0 to 1"),
    (lambda: f.state_revenue(float("inf"), 9750), "workers", float("inf"),
     "a number of at least 0"),
])
def test_a_value_outside_the_domain_names_the_argument(call, name, value, expected):
    with pytest.raises(ParameterError) as caught:
        call()
    assert caught.value.name == name and caught.value.allowed == expected
    assert (caught.value.value == value) or (value != value and caught.value.value != value)


def test_the_edges_of_the_domain_are_allowed():
    # a share of exactly 0 or 1, zero workers and zero years are in the domain
    assert f.state_take(800, 1) == pytest.approx(9600.0)   # 800 x 12 x 1
    assert f.state_take(800, 0) == 0.0
    assert f.state_revenue(0, 9750) == 0.0
    assert f.returnee_capital(1500, 0) == 0.0
