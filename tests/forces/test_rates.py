"""force_populations, force_rates and rate_change."""

from __future__ import annotations

import logging

import numpy as np
import pandas as pd
import pytest
from scipy import stats

from hotspots.exceptions import HotspotsWarning, SchemaError
from hotspots.forces import (
    force_populations,
    force_rates,
    load_recorded_crime,
    rate_change,
)
from hotspots.forces._exact_ratio import exact_ratio_interval
from hotspots.io import FORCES


def _counts(rows):
    """Counts frame from (slug, year, quarter, count) tuples, group serious violence."""
    names = FORCES.set_index("slug")["name"]
    frame = pd.DataFrame(
        rows, columns=["force_slug", "financial_year", "quarter", "count"]
    )
    frame.insert(0, "force", frame["force_slug"].map(names))
    frame.insert(4, "group", "serious violence")
    return frame


POPS = pd.DataFrame(
    {"force_slug": ["leicestershire", "derbyshire"], "population": [1000, 4000]}
)
COUNTS = _counts(
    [
        ("leicestershire", "2016/17", 4, 1),
        ("leicestershire", "2017/18", 1, 10),
        ("leicestershire", "2017/18", 2, 20),
        ("derbyshire", "2017/18", 1, 30),
        ("derbyshire", "2017/18", 2, 50),
    ]
)


def test_force_populations_every_territorial_force():
    pop = force_populations()
    assert list(pop.columns) == ["force", "force_slug", "population"]
    territorial = set(FORCES.loc[FORCES["outline_shipped"], "slug"])
    assert set(pop["force_slug"]) == territorial and len(pop) == 43
    assert (pop["population"] > 0).all()
    assert pop["population"].sum() == 56_075_912  # 2011 Census, England and Wales
    by_slug = pop.set_index("force_slug")["population"]
    assert by_slug["leicestershire"] == 1_017_697
    assert by_slug["city-of-london"] == 7_375


def test_force_rates_known_answer():
    rates = force_rates(COUNTS, periods="2017/18", populations=POPS)
    assert list(rates.columns) == ["force", "force_slug", "count", "population", "rate"]
    got = rates.set_index("force_slug")
    assert got.loc["leicestershire", "count"] == 30
    assert got.loc["leicestershire", "rate"] == pytest.approx(30 / 1000 * 1000)
    assert got.loc["derbyshire", "rate"] == pytest.approx(80 / 4000 * 1000)
    per_100k = force_rates(COUNTS, periods="2017/18 Q2", populations=POPS, per=100_000)
    assert per_100k.set_index("force_slug").loc["derbyshire", "rate"] == pytest.approx(
        50 / 4000 * 100_000
    )


def test_force_rates_several_periods_and_names_for_populations():
    pops = pd.DataFrame(
        {"force": ["Leicestershire", "Derbyshire"], "population": [1000, 4000]}
    )
    rates = force_rates(COUNTS, periods=["2016/17 Q4", "2017/18 Q1"], populations=pops)
    assert rates.set_index("force_slug").loc["leicestershire", "count"] == 11
    assert rates.attrs["hotspots"]["periods"] == ["2016/17 Q4", "2017/18 Q1"]


def test_force_rates_default_is_the_latest_year_logged_and_recorded(caplog):
    full = _counts([("leicestershire", "2017/18", q, 5) for q in (1, 2, 3, 4)])
    with caplog.at_level(logging.INFO, logger="hotspots.forces"):
        rates = force_rates(full, populations=POPS)
    assert "latest financial year" in caplog.text and "periods=" in caplog.text
    assert rates.attrs["hotspots"]["periods_auto"] is True
    assert rates["count"].tolist() == [20]


def test_force_rates_warns_when_the_latest_year_is_partial():
    with pytest.warns(HotspotsWarning, match="only 2 quarter"):
        force_rates(COUNTS, populations=POPS)


def test_force_rates_on_the_shipped_table_leaves_out_btp():
    rates = force_rates(load_recorded_crime(), periods="2017/18")
    assert len(rates) == 43 and "btp" not in set(rates["force_slug"])
    assert rates.attrs["hotspots"]["left_out"] == ["btp"]
    ranked = rates.sort_values("rate", ascending=False).reset_index(drop=True)
    leics = ranked[ranked["force_slug"] == "leicestershire"].iloc[0]
    assert leics["count"] == 9115
    assert leics["rate"] == pytest.approx(9115 / 1_017_697 * 1000)
    assert leics.name + 1 == 32  # rank 32 of 43, highest rate first
    national = rates["count"].sum() / rates["population"].sum() * 1000
    assert leics["rate"] < national


def test_force_rates_warns_when_a_territorial_force_has_no_population():
    pops = POPS.iloc[[0]]
    with pytest.warns(HotspotsWarning, match="derbyshire"):
        rates = force_rates(COUNTS, periods="2017/18", populations=pops)
    assert rates["force_slug"].tolist() == ["leicestershire"]


@pytest.mark.parametrize(
    ("kwargs", "error", "match"),
    [
        ({"group": "burglary"}, ValueError, "choose one of"),
        ({"periods": "2015/16"}, ValueError, "available"),
        ({"periods": "2017-19"}, ValueError, "not understood"),
        ({"per": 0}, ValueError, "per must be > 0"),
        ({"populations": pd.DataFrame({"x": [1]})}, SchemaError, "population"),
        ({"populations": POPS.assign(population=[0, 1])}, ValueError, "> 0"),
    ],
    ids=["group", "period-absent", "period-bad", "per", "pop-columns", "pop-zero"],
)
def test_force_rates_errors_say_what_to_do(kwargs, error, match):
    kwargs = {"periods": "2017/18", "populations": POPS, **kwargs}
    with pytest.raises(error, match=match):
        force_rates(COUNTS, **kwargs)


def test_force_rates_needs_count_columns():
    with pytest.raises(SchemaError, match="load_recorded_crime"):
        force_rates(COUNTS.drop(columns="group"))


def _clopper_pearson_ratio(a, b, exposure=1.0):
    ci = stats.binomtest(a, a + b).proportion_ci(confidence_level=0.95, method="exact")
    low = ci.low / (1 - ci.low) / exposure
    high = ci.high / (1 - ci.high) / exposure if ci.high < 1 else np.inf
    return a / b / exposure, low, high


@pytest.mark.parametrize(("a", "b"), [(10, 20), (2451, 2066), (0, 7), (3, 1)])
def test_exact_ratio_interval_matches_scipy_clopper_pearson(a, b):
    ratio, low, high = exact_ratio_interval(np.array([a]), np.array([b]))
    assert (ratio[0], low[0], high[0]) == pytest.approx(_clopper_pearson_ratio(a, b))


def test_exact_ratio_interval_hand_computed():
    # a=10, b=20: p = 1/3; Clopper-Pearson 95% for 10/30 is 0.17287-0.52812
    ratio, low, high = exact_ratio_interval(np.array([10]), np.array([20]))
    assert ratio[0] == pytest.approx(0.5)
    assert low[0] == pytest.approx(0.172869 / (1 - 0.172869), rel=1e-4)
    assert high[0] == pytest.approx(0.528119 / (1 - 0.528119), rel=1e-4)


def test_exact_ratio_interval_covers_the_true_ratio():
    rng = np.random.default_rng(20240601)
    before = rng.poisson(40.0, size=4000)
    after = rng.poisson(40.0 * 1.3, size=4000)
    _, low, high = exact_ratio_interval(after, before)
    covered = np.mean((low <= 1.3) & (high >= 1.3))
    assert covered >= 0.95  # exact intervals are conservative


def test_rate_change_known_answer():
    change = rate_change(
        COUNTS, before="2017/18 Q1", after="2017/18 Q2", populations=POPS
    )
    assert list(change.columns) == [
        "force", "force_slug", "population", "count_before", "count_after",
        "rate_before", "rate_after", "ratio", "ci_low", "ci_high", "p_value",
    ]  # fmt: skip
    row = change.set_index("force_slug").loc["leicestershire"]
    assert (row["count_before"], row["count_after"]) == (10, 20)
    assert row["rate_before"] == pytest.approx(10.0) and row["rate_after"] == 20.0
    ratio, low, high = _clopper_pearson_ratio(20, 10)
    assert (row["ratio"], row["ci_low"], row["ci_high"]) == pytest.approx(
        (ratio, low, high)
    )
    assert row["p_value"] == pytest.approx(stats.binomtest(20, 30, 0.5).pvalue)


def test_rate_change_periods_of_different_length_compare_rates_per_quarter():
    change = rate_change(
        COUNTS, before="2016/17 Q4", after="2017/18", populations=POPS.iloc[[0]]
    )
    row = change.iloc[0]
    assert row["ratio"] == pytest.approx((30 / 2) / (1 / 1))
    _, low, high = _clopper_pearson_ratio(30, 1, exposure=2.0)
    assert (row["ci_low"], row["ci_high"]) == pytest.approx((low, high))
    assert row["p_value"] == pytest.approx(stats.binomtest(30, 31, 2 / 3).pvalue)


def test_rate_change_refuses_overlapping_periods():
    with pytest.raises(ValueError, match="share"):
        rate_change(COUNTS, before="2017/18", after="2017/18 Q2", populations=POPS)


def test_rate_change_without_counts_gives_nan_and_warns():
    counts = _counts(
        [("leicestershire", "2017/18", 1, 0), ("leicestershire", "2017/18", 2, 0)]
    )
    with pytest.warns(HotspotsWarning, match="no ratio"):
        change = rate_change(
            counts, before="2017/18 Q1", after="2017/18 Q2", populations=POPS
        )
    assert np.isnan(change["ratio"]).all()


def test_rate_change_on_the_shipped_table():
    change = rate_change(load_recorded_crime(), before="2017/18 Q1", after="2017/18 Q4")
    assert len(change) == 43
    assert (change["ci_low"] < change["ratio"]).all()
    assert (change["ratio"] < change["ci_high"]).all()
    leics = change.set_index("force_slug").loc["leicestershire"]
    assert (leics["count_before"], leics["count_after"]) == (2066, 2451)
