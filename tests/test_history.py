"""The history lesson's library: dates, selection of figures, the era design and the reconciled
series, checked against values worked out by hand."""

import math

import numpy as np
import pandas as pd
import pytest

from dispatchlib import ParameterError, check, load
from dispatchlib.lessons import history

ERAS = pd.DataFrame({"era_id": ["a", "b"], "start_year": [2000, 2010],
                     "end_year": [2009, 2019]})


def test_decimal_year_is_the_middle_of_the_period_named():
    assert history.decimal_year(2017) == 2017.5
    assert history.decimal_year(2017, "2017") == 2017.5
    # March: 2017 + (3 - 0.5) / 12
    assert history.decimal_year(2018, "2018-03") == pytest.approx(2018 + 2.5 / 12)
    # 31 December: 2017 + (11 + 30.5 / 31) / 12 = 2017 + 11.98387 / 12 = 2017.998656
    assert history.decimal_year(2017, "2017-12-31") == pytest.approx(2017.998656, abs=1e-6)
    # 10 March 2020 (31 days in March): 2020 + (2 + 9.5 / 31) / 12 = 2020 + 2.306452 / 12
    assert history.decimal_year(2020, "2020-03-10") == pytest.approx(2020.192204, abs=1e-6)
    with pytest.raises(ValueError, match="YYYY"):
        history.decimal_year(2020, "March 2020")


def test_grade_weights_are_powers_of_the_ratio():
    assert history.grade_weights(["H", "M", "L"], 3.0).tolist() == [9.0, 3.0, 1.0]
    assert history.grade_weights(["L", "H"], 1.0).tolist() == [1.0, 1.0]
    with pytest.raises(ValueError, match="grade 'X'"):
        history.grade_weights(["X"])


def test_era_of_maps_years_to_eras():
    assert history.era_of([1950, 1966, 1990, 1991, 2017, 2025]).tolist() == [
        "early", "logging", "logging", "contract", "sanctions", "revival"]
    assert history.era_of([1999], ERAS).tolist() == [None]


def test_select_filters_by_measure_grade_and_scope():
    sel = history.select(measures=["permits"], grades=["H"])
    # the two official permit counts in Russia's midterm report
    assert sel["value"].tolist() == [30023.0, 11490.0]
    assert set(sel["source_id"]) == {"UNIMEDIA2019"}
    assert sel["era"].tolist() == ["sanctions", "sanctions"]
    everything = history.select(measures=history.STOCK_MEASURES, grades=history.GRADES)
    assert (everything["scope"] == "national").all()
    assert not everything["measure"].isin(history.FLOW_MEASURES).any()


def test_select_uses_the_geometric_midpoint_and_grade_weights():
    sel = history.select(measures=["stock_logging"], grades=["M"], grade_weight=3.0)
    row = sel[sel["source_id"] == "MAEIL1994"].iloc[0]
    # 7,000-8,000 -> sqrt(7,000 x 8,000) = 7,483.3
    assert row["value"] == pytest.approx(7483.315, abs=1e-3)
    assert row["log_value"] == pytest.approx(math.log(7483.315), abs=1e-6)
    assert (sel["weight"] == 3.0).all()  # every M figure weighs grade_weight ** 1
    # the 1964 Khabarovsk loggers are a regional count: never fitted
    assert 1964 not in sel["year"].tolist()


@pytest.mark.parametrize(("kwargs", "name"), [
    ({"measures": ["entries"]}, "measures"),       # a flow
    ({"measures": ["stocks"]}, "measures"),        # unknown
    ({"measures": ["forecast"]}, "measures"),      # not an observation
    ({"grades": ["A"]}, "grades"),
    ({"grades": "H"}, "grades"),                   # a string, not a list
    ({"grade_weight": 0.5}, "grade_weight"),
])
def test_select_rejects_bad_choices_naming_the_parameter(kwargs, name):
    with pytest.raises(ParameterError) as info:
        history.select(**kwargs)
    assert info.value.name == name


@pytest.mark.parametrize(("values", "name"), [
    ({"measures": []}, "measures"),
    ({"grades": []}, "grades"),
    ({"measures": ["stock"], "grades": ["L"]}, "grades"),   # no figure left at all
    ({"measures": ["brief"], "grades": ["L"]}, "grades"),   # one figure for one coefficient
    ({"ci_level": 1.0}, "ci_level"),
])
def test_rules_reject_selections_that_cannot_be_fitted(values, name):
    with pytest.raises(ParameterError) as info:
        check(rules=history.RULES, **values)
    assert info.value.name == name


def test_check_accepts_the_defaults():
    p = check(measures=list(history.DEFAULT_MEASURES), grades=["H", "M", "L"],
              grade_weight=2.0, ci_level=0.95, rules=history.RULES)
    assert p.measures == ["stock", "stock_logging", "permits", "estimate"]


def test_era_design_gives_trends_only_to_well_covered_eras():
    # era a (2000-2009, mid-point 2005): 3 figures over 8 years >= half of 10 -> level and trend
    # era b: one figure -> level only
    X = history.era_design([2001.0, 2005.0, 2009.0, 2012.0], ["a", "a", "a", "b"], ERAS)
    assert list(X.columns) == ["a:level", "a:trend", "b:level"]
    assert X["a:level"].tolist() == [1, 1, 1, 0]
    assert X["a:trend"].tolist() == pytest.approx([-0.4, 0.0, 0.4, 0.0])  # decades from 2005
    assert X["b:level"].tolist() == [0, 0, 0, 1]
    # three figures over 2 years (< half of the 10-year era): no trend
    X = history.era_design([2001.0, 2002.0, 2003.0], ["a"] * 3, ERAS)
    assert list(X.columns) == ["a:level"]


def _synthetic():
    """Era a on a known line, log = 9 + 0.1 (t - 2005), with pairs 0.1 above and below it;
    era b: two figures in one year, log 10 (grade H) and 10.5 (grade L)."""
    t = np.repeat([2001.0, 2005.0, 2009.0], 2)
    logs = 9 + 0.1 * (t - 2005) + np.tile([0.1, -0.1], 3)
    rows = pd.DataFrame({"t": np.r_[t, 2012.5, 2012.5], "era": ["a"] * 6 + ["b", "b"],
                         "log_value": np.r_[logs, 10.0, 10.5],
                         "confidence": ["M"] * 6 + ["H", "L"]})
    rows["weight"] = history.grade_weights(rows["confidence"], 2.0)
    rows["value"] = np.exp(rows["log_value"])
    rows["year"] = np.floor(rows["t"]).astype(int)
    rows["source_id"] = [f"S{i}" for i in range(len(rows))]
    return rows


def test_reconcile_recovers_a_known_line_and_a_weighted_level():
    rec = history.reconcile(_synthetic(), ERAS, grade_weight=2.0)
    params = dict(zip(rec.columns, rec.result.params, strict=True))
    # era a: the pairs cancel, so the line is exact: level 9 at the mid-point, 1.0 per decade
    assert params["a:level"] == pytest.approx(9.0)
    assert params["a:trend"] == pytest.approx(1.0)
    # era b: weights 4 (H) and 1 (L): (4 x 10 + 1 x 10.5) / 5 = 10.1
    assert params["b:level"] == pytest.approx(10.1)
    at = rec.at([2005, 2012], ci_level=0.95)
    # mid-2005 is half a year past the mid-point: exp(9 + 0.1 x 0.5)
    assert at.at[2005, "workers"] == pytest.approx(math.exp(9.05))
    assert at.at[2012, "workers"] == pytest.approx(math.exp(10.1))
    assert (at["low"] < at["workers"]).all() and (at["workers"] < at["high"]).all()
    # 0.1 per year -> exp(0.1) - 1 = 10.517 percent a year
    assert rec.growth()["a"] == pytest.approx(10.517, abs=1e-3)


def test_prediction_band_is_wider_and_eras_without_figures_are_blank():
    rec = history.reconcile(_synthetic(), ERAS, grade_weight=2.0)
    curve = rec.predict([2003.5, 2015.5, 2030.5], ci_level=0.9)
    assert curve["era"].iloc[:2].tolist() == ["a", "b"] and pd.isna(curve["era"].iloc[2])
    inner = curve.iloc[:2]
    assert (inner["pred_low"] < inner["low"]).all() and (inner["pred_high"] > inner["high"]).all()
    assert curve.iloc[2][["workers", "low", "high"]].isna().all()
    narrow = rec.predict([2003.5], ci_level=0.5)
    assert narrow.at[0, "high"] - narrow.at[0, "low"] < curve.at[0, "high"] - curve.at[0, "low"]


def test_reconcile_needs_more_figures_than_coefficients():
    rows = _synthetic().iloc[[0, 2, 4]]  # three figures: a level, a trend and one residual
    assert history.reconcile(rows, ERAS).result.df_resid == 1
    with pytest.raises(ValueError, match="1 figure"):  # one figure for one level
        history.reconcile(rows.iloc[:1], ERAS)


def test_headline_on_the_data():
    sel = history.select()
    rec = history.reconcile(sel)
    head = history.headline(rec, ci_level=0.95)
    assert list(head.index) == [1985, 2017, 2025]
    # the logging era holds two national figures, both 20,000 loggers: a level of exactly 20,000
    assert head.at[1985, "workers"] == pytest.approx(20000)
    assert head.at[1985, "figures"] == 2
    assert (head["low"] < head["workers"]).all() and (head["workers"] < head["high"]).all()
    # no national figure at all before 1966: the early era has no line
    assert rec.at([1950])["workers"].isna().all()


def test_per_decade_counts_figures_and_sources():
    rows = pd.DataFrame({"year": [1985, 1990, 1993, 1993], "source_id": ["A", "B", "B", "B"]})
    table = history.per_decade(rows, start=1980, end=2000)
    assert table["figures"].tolist() == [1, 3, 0]
    assert table["sources"].tolist() == [1, 1, 0]
    assert list(table.index) == ["1980s", "1990s", "2000s"]


def test_per_measure_covers_every_row():
    table = history.per_measure()
    assert list(table.index) == list(history.MEASURES)
    assert table["figures"].sum() == len(load("workforce"))
    assert table.at["entries", "kind"] == "flow" and table.at["stock", "kind"] == "stock-like"


def test_spread_by_year_finds_2018():
    spread = history.spread_by_year(history.select())
    # 2018: 2,000 (MVD deputy head, L) to 35,000 (Galushka, Minister for the Development of
    # the Russian Far East, counting DPRK nationals): 17.5 times
    assert spread.index[0] == 2018
    assert spread.iloc[0][["lowest", "highest", "ratio"]].tolist() == [2000.0, 35000.0, 17.5]
    note = load("workforce").query("source_id == 'SPUTNIK2018' and measure == 'stock'")["note"]
    assert note.str.contains("Far East Development Minister").all()
    assert not note.str.contains("Deputy PM|deputy prime minister", case=False).any()


def test_era_and_event_tables():
    eras = history.era_table()
    assert list(eras.index) == ["early", "logging", "contract", "sanctions", "revival"]
    assert eras.at["logging", "workers"] == "15,000-30,000"
    assert eras.at["early", "workers"] == "5,000"
    events = history.event_table(kinds=["un_resolution"], start_year=2017, end_year=2017)
    assert events["title"].str.contains("2371|2375|2397").all() and len(events) == 3
    with pytest.raises(ValueError, match="unknown event kind"):
        history.event_table(kinds=["coup"])


def test_unfitted_is_the_complement_of_the_selection():
    table = load("workforce")
    sel = history.select(measures=["permits"], grades=["H"])
    rest = history.unfitted(table, sel)
    assert len(rest) == len(table) - 2
    assert not ((rest["measure"] == "permits") & (rest["confidence"] == "H")).any()


# --------------------------------------------------------------------------- figures


def test_history_figures_use_four_classes_a_floor_and_no_extrapolation():
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    from dispatchlib.plots import history as figures

    rows = pd.DataFrame({"measure": ["stock", "stock", "entries_study", "brief", "forecast"],
                         "scope": ["national", "regional", "national", "national", "national"]})
    # a regional stock is "other", whatever its measure
    assert figures.figure_class(rows).tolist() == ["present", "other", "flow", "brief", "other"]
    assert set(figures.MEASURE_CLASS) == set(history.MEASURES)
    workforce = load("workforce")
    fig = figures.all_sources(workforce, load("eras"), sources=["X"])
    # values under the floor (3 and 62 entries for study) are named in the note, not hidden
    # (read as one line: where the note wraps depends on the style set before this test)
    note = fig.texts[-1].get_text().replace("\n", " ")
    assert "62 (entries for study (flow), 2023)" in note and "3 (entries for study" in note
    assert fig.axes[0].get_ylim()[0] == figures.FLOOR
    # the reconciled line stops at the era's last figure: 2021.5 in the sanctions era
    sel = history.select()
    curve = history.reconcile(sel).predict(np.arange(1946, 2026, 0.25))
    fig = figures.reconciled(curve, sel, history.unfitted(workforce, sel), load("eras"))
    lines = [ln for ln in fig.axes[0].lines if ln.get_label().startswith("reconciled")
             or ln.get_label().startswith("_child")]
    ends = sorted(max(ln.get_xdata()) for ln in lines if len(ln.get_xdata()) > 1)
    assert 2021.5 in ends and max(ends) <= 2025.75
    plt.close("all")
