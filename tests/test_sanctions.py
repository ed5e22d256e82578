"""The sanctions lesson's library: official counts, entries by purpose, the segmented design and
fit, and the revenue forgone, checked against values worked out by hand."""

import math

import numpy as np
import pandas as pd
import pytest

from dispatchlib import ParameterError, check
from dispatchlib.lessons import sanctions


def test_design_matrix_on_a_tiny_series():
    X = sanctions.design([2016, 2017, 2018, 2019, 2020, 2021, 2022], 2018, 2021)
    assert list(X.columns) == list(sanctions.COEFFICIENTS)
    expected = [
        # const, time (years from 2018), level/trend after 2018, level/trend after 2021
        [1, -2, 0, 0, 0, 0],
        [1, -1, 0, 0, 0, 0],
        [1, 0, 1, 0, 0, 0],
        [1, 1, 1, 1, 0, 0],
        [1, 2, 1, 2, 0, 0],
        [1, 3, 1, 3, 1, 0],
        [1, 4, 1, 4, 1, 1],
    ]
    assert X.to_numpy().tolist() == expected
    assert list(X.index) == [2016, 2017, 2018, 2019, 2020, 2021, 2022]


def test_design_rejects_breaks_in_the_wrong_order():
    with pytest.raises(ParameterError) as info:
        sanctions.design([2018], 2022, 2018)
    assert info.value.name == "revival_year"


def _known_series():
    """log workers = 10 + 0.1 (t - 2015) - 1.0 [t >= 2015] - 0.2 (t - 2015) [t >= 2015]
    + 0.5 [t >= 2018] + 0.3 (t - 2018) [t >= 2018], for 2012-2021."""
    t = np.arange(2012, 2022)
    after_s, after_r = (t >= 2015), (t >= 2018)
    log = (10 + 0.1 * (t - 2015) - 1.0 * after_s - 0.2 * (t - 2015) * after_s
           + 0.5 * after_r + 0.3 * (t - 2018) * after_r)
    return pd.DataFrame({"log_workers": log, "workers": np.exp(log)},
                        index=pd.Index(t, name="year"))


def test_segmented_fit_recovers_known_coefficients():
    fit = sanctions.segmented_fit(_known_series(), 2015, 2018)
    assert np.asarray(fit.classical.params) == pytest.approx([10, 0.1, -1.0, -0.2, 0.5, 0.3])
    assert fit.n == 10 and fit.df_resid == 4
    eff = fit.effects(ci_level=0.95)
    # a jump of -1.0 in log is exp(-1) - 1 = -63.212 percent
    assert eff.at["sanctions_level", "pct"] == pytest.approx(-63.212, abs=1e-3)
    # +0.5: exp(0.5) - 1 = +64.872 percent
    assert eff.at["revival_level", "pct"] == pytest.approx(64.872, abs=1e-3)
    assert math.isnan(eff.at["const", "pct"])
    # pre-sanctions growth 0.1 per year: exp(0.1) - 1 = 10.517 percent
    assert fit.pre_growth_pct() == pytest.approx(10.517, abs=1e-3)
    curve = fit.curve(ci_level=0.95)
    assert curve["workers"].to_numpy() == pytest.approx(_known_series()["workers"].to_numpy())
    # carried on without the breaks: 2020 = exp(10 + 0.1 x 5)
    assert curve.at[2020, "pre_trend"] == pytest.approx(math.exp(10.5))
    assert curve["segment"].tolist() == ["pre"] * 3 + ["sanctions"] * 3 + ["revival"] * 4


def test_segmented_fit_bands_and_robust_errors_on_noisy_data():
    series = _known_series()
    series["log_workers"] += np.tile([0.05, -0.05], 5)
    fit = sanctions.segmented_fit(series, 2015, 2018)
    eff = fit.effects(ci_level=0.9)
    assert (eff["low"] < eff["estimate"]).all() and (eff["estimate"] < eff["high"]).all()
    assert (eff["se_hc3"] > 0).all()
    curve = fit.curve(ci_level=0.9)
    assert ((curve["low"] < curve["workers"]) & (curve["workers"] < curve["high"])).all()


def test_segments_need_three_years_each():
    series = _known_series().loc[2012:2020]  # 2018-2020: three years after the revival
    sanctions.segmented_fit(series, 2015, 2018)
    with pytest.raises(ParameterError) as info:
        sanctions.segmented_fit(series, 2015, 2019)  # 2019-2020: two years
    assert info.value.name == "revival_year"


@pytest.mark.parametrize(("values", "name"), [
    ({"sanctions_year": 2022, "revival_year": 2018}, "revival_year"),
    ({"sanctions_year": 2018, "revival_year": 2018}, "revival_year"),
    ({"its_start_year": 2018, "sanctions_year": 2018, "revival_year": 2022}, "sanctions_year"),
    ({"its_start_year": 2010, "sanctions_year": 2018, "revival_year": 2024}, "revival_year"),
    ({"its_start_year": 2016, "sanctions_year": 2018, "revival_year": 2022}, "its_start_year"),
    ({"sanctions_year": 1980}, "sanctions_year"),
    ({"counterfactual_workers": -1}, "counterfactual_workers"),
    ({"counterfactual_growth": 80.0}, "counterfactual_growth"),
])
def test_bad_parameters_are_rejected_by_name(values, name):
    with pytest.raises(ParameterError) as info:
        check(rules=sanctions.RULES, **values)
    assert info.value.name == name


def test_defaults_pass():
    p = check(its_start_year=2010, sanctions_year=2018, revival_year=2022,
              counterfactual_workers=30000, counterfactual_growth=0.0, rules=sanctions.RULES)
    assert (p.sanctions_year, p.revival_year) == (2018, 2022)


def test_annual_series_is_a_grade_weighted_geometric_mean():
    series = sanctions.annual_series()
    # 2018: 2,000 (L, weight 1), 35,000 and 11,000 (M, 2 each), 11,490 (H, 4)
    log_mean = (math.log(2000) + 2 * math.log(35000) + 2 * math.log(11000)
                + 4 * math.log(11490)) / 9
    assert series.at[2018, "log_workers"] == pytest.approx(log_mean)
    assert series.at[2018, "workers"] == pytest.approx(math.exp(log_mean))
    assert series.at[2018, "figures"] == 4
    # 2020: 1,000 and 511, both H: sqrt(1,000 x 511) = 714.8
    assert series.at[2020, "workers"] == pytest.approx(math.sqrt(511_000))
    assert series.index.min() >= 2010 and 2014 not in series.index  # no figure for 2014


def test_official_counts_during_the_ban():
    table = sanctions.official_counts()
    assert table["workers"].tolist() == [30023, 11490, 1000, 511]
    # (11,490 / 30,023 - 1) x 100 = -61.73; (511 / 30,023 - 1) x 100 = -98.30
    assert table["change_pct"].iloc[1] == pytest.approx(-61.729, abs=1e-3)
    assert table["change_pct"].iloc[3] == pytest.approx(-98.298, abs=1e-3)


def test_full_year_reads_dates_and_notes():
    notes = pd.Series(["Q1 2024 only", "first half of 2024", "MVD registrations, Jan-Sep 2020",
                       "new workers, Sep 2017-Jul 2018", "all DPRK entries", "all entries",
                       "all entries in 2023; FSB quarterly: Q1 153, Q2 213",
                       "Q3 2023 only; work-purpose entries that quarter: 3"])
    dates = pd.Series([None, None, None, None, None, "2017-09", None, None])
    # only the first clause (before the first ";") states the coverage: a quarterly breakdown
    # quoted after it does not make a full-year total a part-year count
    assert sanctions.full_year(notes, dates).tolist() == [False, False, False, False, True,
                                                          False, True, False]


def test_entries_by_purpose():
    table = sanctions.entries_by_purpose()
    # 2024: 7,887 education entries of 13,221: 0.59655
    assert table.at[2024, "entries"] == 13221 and table.at[2024, "entries_study"] == 7887
    assert table.at[2024, "study_share"] == pytest.approx(7887 / 13221)
    # 2019: 3,200 of 21,000 = 0.15238
    assert table.at[2019, "study_share"] == pytest.approx(0.152381, abs=1e-6)
    # 2023: the full-year 1,117 entries (its note quotes FSB quarters after a semicolon) are
    # kept; the only study count is one quarter (62 in Q3), so there is no full-year share
    assert table.at[2023, "entries"] == 1117
    assert math.isnan(table.at[2023, "entries_study"])
    assert math.isnan(table.at[2023, "study_share"])
    assert table.index.tolist() == [2019, 2022, 2023, 2024]


def test_counterfactual_and_forgone_arithmetic():
    # held: 30,000 every year; trended at 10 percent: 30,000 x 1.1 = 33,000, x 1.1 = 36,300
    assert sanctions.counterfactual_path([2018, 2019], 30000, 0.0, 2017).tolist() == [30000] * 2
    assert sanctions.counterfactual_path([2018, 2019], 30000, 10.0, 2017) == pytest.approx(
        [33000, 36300])
    # (30,000 - 11,490) x 9,750 = 180,472,500
    assert float(sanctions.forgone(30000, 11490, 9750)) == pytest.approx(180_472_500)
    assert float(sanctions.forgone(10000, 12000, 9750)) == pytest.approx(-19_500_000)


def test_forgone_revenue_per_year_and_in_total():
    actual = pd.Series({2017: 1.0, 2018: 10000.0, 2019: 20000.0, 2026: 5.0})
    table = sanctions.forgone_revenue(actual, counterfactual_workers=30000,
                                      counterfactual_growth=0.0, sanctions_year=2018,
                                      quota_usd=6500, quota_months=8, draws=4000, seed=1)
    assert list(table.index) == [2018, 2019, "total"]
    # 6,500 / 8 x 12 = 9,750; gaps 20,000 and 10,000: 195 million and 97.5 million
    assert table.attrs["annual_quota_usd"] == pytest.approx(9750)
    assert table.loc[2018, "forgone_usd"] == pytest.approx(195e6)
    assert table.loc[2019, "forgone_usd"] == pytest.approx(97.5e6)
    assert table.loc["total", "forgone_usd"] == pytest.approx(292.5e6)
    # the quota is drawn from its documented range, 5,000 to 10,300 a year
    for row in (2018, 2019, "total"):
        p5, p50, p95 = table.loc[row, ["p5", "p50", "p95"]]
        assert p5 <= p50 <= p95
    assert table.loc["total", "p95"] <= 30000 * 10300 + 1
    assert table.loc["total", "p5"] >= 30000 * 5000 - 1
    # the same quota draw applies to every year: the total's percentiles scale with the gap
    assert table.loc["total", "p50"] == pytest.approx(3 * table.loc[2019, "p50"])


def test_forgone_revenue_trended_counterfactual():
    actual = pd.Series({2018: 0.0, 2019: 0.0})
    table = sanctions.forgone_revenue(actual, counterfactual_workers=20000,
                                      counterfactual_growth=50.0, sanctions_year=2018,
                                      quota_usd=6000, quota_months=6, draws=1000, seed=1)
    # 20,000 x 1.5 = 30,000 and x 1.5 again = 45,000; 6,000 / 6 x 12 = 12,000 a year
    assert table.loc[[2018, 2019], "counterfactual"].tolist() == pytest.approx([30000, 45000])
    assert table.loc["total", "forgone_usd"] == pytest.approx(75000 * 12000)


def test_brief_vs_sources():
    table = sanctions.brief_vs_sources(["covid_stranded"])
    # the brief's "about 5,000" stranded beside the official 1,000 and 511, strongest first;
    # those count former work-permit holders only, another measure: context, not contradicts
    assert (table["brief"] == 5000).all()
    assert table["confidence"].iloc[0] == "H"
    official = table[table["source_id"].isin(["REUTERS2020", "KBS2020"])]
    assert official["reported"].tolist() == [1000, 511]
    assert set(official["stance"]) == {"context"}
    with pytest.raises(ValueError, match="unknown claim"):
        sanctions.brief_vs_sources(["no_such_claim"])


def test_forgone_text_formats_people_and_millions():
    t = pd.DataFrame({"counterfactual": [30000.0, np.nan], "actual": [10000.0, np.nan],
                      "gap": [20000.0, np.nan], "forgone_usd": [195e6, 195e6],
                      "p5": [1e8, 1e8], "p50": [1.7e8, 1.7e8], "p95": [2e8, 2e8]},
                     index=pd.Index([2018, "total"], name="year"))
    lines = sanctions.forgone_text(t).splitlines()
    assert lines[2].split() == ["2018", "30,000", "10,000", "20,000", "195M", "100M", "170M",
                                "200M"]
    assert lines[3].split() == ["total", "195M", "100M", "170M", "200M"]


def test_a_change_whose_interval_spans_a_factor_above_ten_is_not_estimable():
    # exp(ln 10) = 10 is the limit itself; exp(ln 20) = 20 is beyond it
    assert sanctions.interval_factor(0.0, math.log(10)) == pytest.approx(10.0)
    assert sanctions.interval_factor(-math.log(2), math.log(10)) == pytest.approx(20.0)
    row = pd.Series({"pct": -50.0, "pct_low": -90.0, "pct_high": 100.0,
                     "interval_factor": 20.0, "estimable": False})
    assert sanctions.change_text(row).startswith("not estimable from these data")
    assert "%" not in sanctions.change_text(row).replace("95%", "")
    row = pd.Series({"pct": -50.0, "pct_low": -60.0, "pct_high": -37.5,
                     "interval_factor": 1.5625, "estimable": True})
    assert sanctions.change_text(row, 0.9) == "-50% (90% interval -60% to -38%)"


def test_effects_flag_the_revival_jump_as_not_estimable_on_the_data():
    fit = sanctions.segmented_fit(sanctions.annual_series(start_year=2010), 2018, 2022)
    eff = fit.effects()
    # the revival jump: estimate 3.004, interval -0.128 to 6.135 on the log scale, so the top of
    # the interval is exp(6.263) = about 525 times its bottom
    assert eff.at["revival_level", "interval_factor"] == pytest.approx(524.6, rel=2e-3)
    assert not eff.at["revival_level", "estimable"]
    assert not eff.at["sanctions_level", "estimable"]  # -98% to +199%: a factor of about 154
    assert eff.at["sanctions_trend", "estimable"]       # -84% to +25%: a factor of about 7.7


def test_recorded_changes_leave_unestimable_jumps_blank():
    eff = pd.DataFrame({"pct": [-50.0, 1916.0], "pct_low": [-60.0, -12.0],
                        "pct_high": [-37.5, 46078.0], "interval_factor": [1.5625, 524.6],
                        "estimable": [True, False]},
                       index=["sanctions_level", "revival_level"])
    assert sanctions.recorded_changes(eff) == {
        "sanctions_jump_pct": -50.0, "sanctions_jump_pct_low": -60.0,
        "sanctions_jump_pct_high": -37.5, "sanctions_jump_pct_interval_factor": 1.5625,
        "revival_jump_pct": None, "revival_jump_pct_low": None, "revival_jump_pct_high": None,
        "revival_jump_pct_interval_factor": 524.6}
