"""``python -m dispatchlib audit``: the claims ledger as a table, JSON and CSV, its options checked
like lesson 06's parameters, and a closed pipe ending it quietly."""

import csv
import io
import json
import subprocess
import sys

import commands
import pytest

from dispatchlib import load
from dispatchlib.lessons import audit
from dispatchlib.run import ledger


def run(*args):
    return commands.dispatchlib("audit", *args, timeout=120)


@pytest.fixture(scope="module")
def as_json():
    proc = run("--json")
    assert proc.returncode == 0, proc.stderr
    return json.loads(proc.stdout)


def test_json_has_one_object_per_claim(as_json):
    claims = load("claims")
    assert [r["claim_id"] for r in as_json] == list(claims["claim_id"])
    assert all(set(ledger.FIELDS) <= set(r) for r in as_json)
    by_id = {r["claim_id"]: r for r in as_json}
    # the same verdicts as lesson 06 at its defaults (L, 5 %)
    table = audit.audit("L", 0.05).set_index("claim_id")
    assert {k: r["verdict"] for k, r in by_id.items()} == table["verdict"].to_dict()
    crocus = by_id["crocus_deaths"]
    assert (crocus["low"], crocus["high"], crocus["unit"]) == (149, 149, "deaths")
    assert crocus["verdict"] == "consistent"
    assert crocus["stances"] == {"supports": 3, "partly": 2}
    assert {"RIA2026CROCUS", "MOSREGION2024"} <= set(crocus["sources"])
    # arithmetic: 100,000 x 1,500 = 150 m against "200 m or more"; 6,500 / 8 x 12 = 9,750
    assert by_id["scenario_savings_200m"]["arithmetic"] == "disagrees"
    assert by_id["quota_annual_implied"]["arithmetic"] == "agrees"
    assert by_id["un_revenue_overseas_labour"]["arithmetic"] == "not judged"  # per worker
    assert by_id["crocus_deaths"]["arithmetic"] is None
    # the author's 1967 is a flag beside the verdict, not a contradiction
    assert by_id["agreement_1966"]["verdict"] == "no independent source"
    assert by_id["agreement_1966"]["author_conflict"] == ["LANKOV2006", "LANKOV_BOOK"]
    assert by_id["agreement_1966"]["claim"] == "logging agreement signed"


def test_table_shows_every_claim_and_the_flag():
    proc = run()
    assert proc.returncode == 0, proc.stderr
    lines = proc.stdout.splitlines()
    assert lines[0] == "claims ledger: 48 claims; grades counted: H, M, L; tolerance: 5%"
    header = lines[1].split()
    assert header[:4] == ["claim_id", "section", "claim", "low"]
    assert "flag:" in header and "sources" in header
    body = {line.split()[0]: line for line in lines[2:-1]}
    assert list(body) == list(load("claims")["claim_id"])
    assert "contradicted by arithmetic" in body["scenario_savings_200m"]
    assert "LANKOV2006; LANKOV_BOOK" in body["agreement_1966"]
    assert " 1966 " in body["agreement_1966"]  # a year, without a thousands separator
    assert lines[-1].startswith("verdicts: consistent 13; partly supported 11;")


def test_csv_parses_and_matches_json(as_json):
    proc = run("--csv")
    assert proc.returncode == 0, proc.stderr
    reader = list(csv.DictReader(io.StringIO(proc.stdout)))
    assert list(reader[0]) == list(ledger.FIELDS)
    assert [r["claim_id"] for r in reader] == [r["claim_id"] for r in as_json]
    by_id = {r["claim_id"]: r for r in reader}
    assert float(by_id["ceiling_revenue"]["low"]) == 1e9
    assert by_id["agreement_1966"]["author_conflict"] == "LANKOV2006; LANKOV_BOOK"
    assert by_id["covid_stranded"]["stances"] == "1 partly, 4 context"


def test_options_change_the_ledger_like_the_lesson():
    strict = {r["claim_id"]: r for r in json.loads(run("--json", "--min-confidence", "H",
                                                       "--tolerance", "0.15").stdout)}
    expected = audit.audit("H", 0.15).set_index("claim_id")["verdict"].to_dict()
    assert {k: r["verdict"] for k, r in strict.items()} == expected
    # 0.9 bn >= 1 bn x 0.85: agrees at 15 %; every bribe report is grade L
    assert strict["scenario_revenue_1bn"]["arithmetic"] == "agrees"
    assert strict["bribe_russia_2010s"]["verdict"] == "no independent source"
    assert strict["bribe_russia_2010s"]["stances"] == {}


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--tolerance", "-0.1"],
         "dispatchlib audit: error: argument --tolerance: expected a number >= 0 and <= 1"),
        (["--tolerance", "lots"], "argument --tolerance: expected a number"),
        (["--min-confidence", "X"],
         "dispatchlib audit: error: argument --min-confidence: expected a text value from: H, "
         "M, L, got 'X'"),
        (["--json", "--csv"], "not allowed with argument"),
    ],
)
def test_bad_options_give_one_line_and_status_2(args, message):
    proc = run(*args)
    assert proc.returncode == 2
    assert proc.stdout == ""
    assert message in proc.stderr
    assert len(proc.stderr.strip().splitlines()) == 1


def test_closed_pipe_ends_quietly():
    # the reader is gone before the first write: no traceback, no "Exception ignored"
    proc = subprocess.Popen([sys.executable, "-m", "dispatchlib", "audit", "--json"],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    proc.stdout.close()
    _, err = proc.communicate(timeout=120)
    assert err.decode() == ""
    assert proc.returncode in (0, 1)


def test_head_in_a_shell_pipeline():
    proc = subprocess.run(f"'{sys.executable}' -m dispatchlib audit | head -n 1",
                          shell=True, capture_output=True, text=True, timeout=120)
    assert proc.stdout.startswith("claims ledger: 48 claims")
    assert "Traceback" not in proc.stderr and "Error" not in proc.stderr


def test_rows_checks_parameters_like_the_lesson():
    from dispatchlib import ParameterError

    with pytest.raises(ParameterError, match="tolerance"):
        ledger.rows("L", 2.0)
    with pytest.raises(ParameterError, match="min_confidence"):
        ledger.rows("Z", 0.05)
