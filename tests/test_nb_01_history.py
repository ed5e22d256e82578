"""01_history with non-default parameters (run in-process), and bad values stopping it early."""

import pytest


def test_history_with_other_parameters(run_notebook):
    r = run_notebook("01_history", measures=["stock_logging"], grades=["M"], grade_weight=1.0,
                     ci_level=0.9)
    # national M-graded logging counts: 1985, 1990, 1993 (two), 1994, 2006
    assert r["figures_fitted"] == 6
    assert r["sources_fitted"] == 5  # LANKOV2006 twice (1985, 2006)
    # the logging era holds 1985 and 1990, both "more than 20,000": a level of exactly 20,000
    assert r["level_1985_workers"] == pytest.approx(20000)
    assert r["level_1985_workers_low"] < 20000 < r["level_1985_workers_high"]
    # no logging counts after 2007: the sanctions and revival eras have no line
    assert r["level_2017_workers"] is None and r["level_2025_workers"] is None
    # fewer than 3 figures in the 1940s-1980s, 2000s, 2010s and 2020s
    assert r["thin_decades"] == 8
    assert r["spread_2018_ratio"] is None


@pytest.mark.parametrize(("parameters", "fragment"), [
    ({"measures": ["entries"]}, "measures = ['entries']"),        # a flow cannot be fitted
    ({"grades": ["H", "X"]}, "grades = ['H', 'X']"),
    ({"measures": ["stock"], "grades": ["L"]}, "grades = ['L']"),  # nothing left to fit
])
def test_bad_parameter_stops_at_the_validation_cell(stopped_by, parameters, fragment):
    error = stopped_by("01_history", parameters)
    assert fragment in error.evalue
