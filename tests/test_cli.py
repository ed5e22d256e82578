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


@pytest.mark.parametrize("args", [("scenario", "--json", "--workers", "100000"),
                                  ("scenario", "--workers", "-5"),
                                  ("run", "no_such_lesson")])
def test_a_command_forked_from_the_driver_answers_as_one_started_from_scratch(args):
    """tests/commands.py runs the suite's other commands forked from a driver that has
    imported the command line: the same exit status, output and error as a fresh ``python -m
    dispatchlib``."""
    import commands

    fresh, forked = run(*args), commands.dispatchlib(*args)
    assert (forked.returncode, forked.stdout, forked.stderr) == \
        (fresh.returncode, fresh.stdout, fresh.stderr)
    assert fresh.stdout or fresh.stderr


def test_a_command_the_driver_cannot_start_raises_as_popen_does(tmp_path):
    import commands

    with pytest.raises(OSError):
        subprocess.run([sys.executable, "-m", "dispatchlib"], cwd=tmp_path / "missing")
    with pytest.raises(OSError, match="FileNotFoundError"):
        commands.dispatchlib("scenario", "--json", cwd=tmp_path / "missing")
    assert commands.dispatchlib("scenario", "--json").returncode == 0  # and it goes on


def test_a_command_past_its_time_is_ended_with_what_it_started(tmp_path):
    """A forked command that runs past its time: ``TimeoutExpired``, as from
    ``subprocess.run``, and the kernel it started ends too; the next command is answered."""
    import os
    import time

    import commands
    import nbformat
    from nbformat.v4 import new_code_cell, new_notebook

    nbs, marker = tmp_path / "nb", tmp_path / "kernel.pid"
    nbs.mkdir()
    nb = new_notebook(cells=[new_code_cell(
        f"import os, time\nopen({str(marker)!r}, 'w').write(str(os.getpid()))\ntime.sleep(60)")])
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3",
                                 "language": "python"}
    nbformat.write(nb, str(nbs / "01_slow.ipynb"))
    env = dict(os.environ, DISPATCHLIB_NOTEBOOKS_DIR=str(nbs))
    with pytest.raises(subprocess.TimeoutExpired):
        commands.dispatchlib("run", "--out", tmp_path / "r", env=env, timeout=3)
    assert marker.exists(), "the kernel had not started within the command's 3 s"
    kernel = int(marker.read_text())
    deadline = time.monotonic() + 30
    while os.path.exists(f"/proc/{kernel}") and time.monotonic() < deadline:
        time.sleep(0.05)
    assert not os.path.exists(f"/proc/{kernel}"), "the kernel outlived its command"
    assert commands.dispatchlib("scenario", "--json").returncode == 0
