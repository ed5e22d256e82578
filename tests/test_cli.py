"""``python -m dispatchlib scenario``: the brief's arithmetic, JSON keys and one-line errors."""

import json
import subprocess
import sys

import pytest

KEYS = ["workers", "annual_quota_usd", "state_revenue_usd", "household_savings_usd",
        "returnee_capital_usd", "bribe_payback_months"]


def run(*args):
    return subprocess.run([sys.executable, "-m", "dispatchlib", *args],
                          capture_output=True, text=True, timeout=120)


def test_scenario_json_reproduces_the_brief():
    proc = run("scenario", "--json", "--workers", "100000")
    assert proc.returncode == 0, proc.stderr
    out = json.loads(proc.stdout)
    assert set(KEYS) <= set(out)
    # 6,500 / 8 x 12 = 9,750 per worker; x 100,000 = 975 million
    assert out["annual_quota_usd"] == pytest.approx(9750)
    assert out["state_revenue_usd"] == pytest.approx(975e6)
    # 100,000 x 1,500 = 150 million; 1,500 x 3 = 4,500; 400 / 125 = 3.2
    assert out["household_savings_usd"] == pytest.approx(150e6)
    assert out["returnee_capital_usd"] == pytest.approx(4500)
    assert out["bribe_payback_months"] == pytest.approx(3.2)


def test_scenario_options_change_the_arithmetic():
    proc = run("scenario", "--json", "--workers", "1000", "--quota-usd", "6000",
               "--quota-months", "12", "--savings-usd", "2400", "--years-abroad", "5",
               "--bribe-usd", "600")
    out = json.loads(proc.stdout)
    assert out["annual_quota_usd"] == pytest.approx(6000)
    assert out["state_revenue_usd"] == pytest.approx(6e6)
    assert out["returnee_capital_usd"] == pytest.approx(12000)
    assert out["bribe_payback_months"] == pytest.approx(3.0)  # 600 / 200


def test_scenario_monte_carlo_percentiles_are_seeded():
    a = json.loads(run("scenario", "--json", "--draws", "20000", "--seed", "11").stdout)
    b = json.loads(run("scenario", "--json", "--draws", "20000", "--seed", "11").stdout)
    assert a == b
    for key in KEYS:
        assert a[f"{key}_p5"] <= a[f"{key}_p50"] <= a[f"{key}_p95"]


@pytest.mark.parametrize(
    ("args", "option"),
    [
        (["--workers", "-3"], "--workers"),
        (["--quota-months", "0"], "--quota-months"),
        (["--savings-usd", "lots"], "--savings-usd"),
        (["--draws", "0"], "--draws"),
        (["--seed", "1.5"], "--seed"),
        (["--years-abroad", "nan"], "--years-abroad"),
    ],
)
def test_scenario_bad_values_exit_with_one_line(args, option):
    proc = run("scenario", "--json", *args)
    assert proc.returncode == 2
    lines = proc.stderr.strip().splitlines()
    assert len(lines) == 1, proc.stderr
    assert option in lines[0] and "expected" in lines[0]
    assert proc.stdout == ""


def test_scenario_table_output():
    proc = run("scenario")
    assert proc.returncode == 0
    assert "state_revenue_usd" in proc.stdout and "USD per year" in proc.stdout
