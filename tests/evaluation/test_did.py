import math
import warnings

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
from shapely.geometry import Point, box

from hotspots.evaluation import choose_comparisons, did, panel, relative_effect_size
from hotspots.exceptions import CRSError, SchemaError

SE_7_1 = math.sqrt(1 / 100 + 1 / 70 + 1 / 200 + 1 / 190)


def two_by_two():
    return pd.DataFrame(
        {
            "place_id": ["T", "T", "C", "C"],
            "month": pd.to_datetime(["2023-01-01", "2024-01-01"] * 2),
            "count": [100, 70, 200, 190],
            "treated": [True, True, False, False],
        }
    )


def test_relative_effect_size_matches_oracle_7_1():
    res = relative_effect_size(100, 70, 200, 190)
    assert res.estimate == pytest.approx(1.357143, abs=1e-6)
    assert res.details["log_res"] == pytest.approx(0.305382, abs=1e-6)
    assert res.details["se_log_res"] == pytest.approx(0.185873, abs=1e-6)
    # METHODS rounds z to 1.96; we use the exact quantile (differs in the 6th digit)
    assert res.ci_low == pytest.approx(0.942773, abs=1e-5)
    assert res.ci_high == pytest.approx(1.953638, abs=2e-5)
    assert res.details["percent_change"] == pytest.approx(-26.3158, abs=1e-3)
    assert any("overdispersion" in c for c in res.caveats)


def test_relative_effect_size_overdispersion_widens_ci():
    res = relative_effect_size(100, 70, 200, 190, overdispersion=4.0)
    assert res.details["se_log_res"] == pytest.approx(2 * SE_7_1)
    assert res.estimate == pytest.approx(1.357143, abs=1e-6)
    assert not res.caveats


@pytest.mark.parametrize(
    ("args", "kw", "match"),
    [
        ((-1, 70, 200, 190), {}, "a must be a count >= 0"),
        ((100, float("nan"), 200, 190), {}, "b must be a count >= 0"),
        ((100, 70, 200, 190), {"overdispersion": -1.0}, "overdispersion must be > 0"),
        ((100, 70, 200, 190), {"ci_level": 1.5}, "ci_level must be in"),
    ],
    ids=["negative-count", "nan-count", "bad-D", "bad-level"],
)
def test_relative_effect_size_errors(args, kw, match):
    with pytest.raises(ValueError, match=match):
        relative_effect_size(*args, **kw)


def test_did_saturated_poisson_matches_oracle_7_1():
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        effect = did(
            two_by_two(),
            treatment_start="2024-01",
            family="poisson",
            cov_type="nonrobust",
        )
    assert effect.estimate == pytest.approx(1 / 1.357142857, abs=1e-6)
    assert effect.estimate == pytest.approx(0.736842, abs=1e-6)
    assert effect.details["beta"] == pytest.approx(-0.305382, abs=1e-6)
    assert effect.details["se"] == pytest.approx(SE_7_1, abs=1e-6)
    assert effect.ci_low == pytest.approx(0.511866, abs=1e-5)
    assert effect.ci_high == pytest.approx(1.060701, abs=2e-5)
    assert effect.n_treated == 1 and effect.n_comparison == 1
    assert any("only 1 pre-period months" in c for c in effect.caveats)


def test_did_negative_binomial_recovers_simulated_effect():
    rng = np.random.default_rng(7)
    months = pd.date_range("2022-01-01", periods=36, freq="MS")
    rows = []
    for i in range(60):
        level = rng.lognormal(1.5, 0.3)
        for m in months:
            treated = i < 30
            mu = level * (0.7 if treated and m >= months[24] else 1.0)
            rows.append((f"P{i}", m, rng.poisson(mu), treated))
    data = pd.DataFrame(rows, columns=["place_id", "month", "count", "treated"])
    effect = did(data, treatment_start=months[24])
    assert effect.ci_low < 0.7 < effect.ci_high
    assert "negative binomial" in effect.method
    assert effect.model is not None
    assert not any("pre-trends differ" in c for c in effect.caveats)


def test_did_flags_pre_trend():
    months = pd.date_range("2022-01-01", periods=24, freq="MS")
    rows = [
        (f"P{i}", m, int(20 + (k if i < 5 else 0)), i < 5)
        for i in range(10)
        for k, m in enumerate(months)
    ]
    data = pd.DataFrame(rows, columns=["place_id", "month", "count", "treated"])
    effect = did(data, treatment_start="2023-07", family="poisson")
    assert any("pre-trends differ" in c for c in effect.caveats)


@pytest.mark.parametrize(
    ("change", "kw", "exc", "match"),
    [
        (lambda d: d.drop(columns="treated"), {}, SchemaError, "missing column"),
        (
            lambda d: d.assign(treated=[True, False, False, False]),
            {},
            SchemaError,
            "constant within each place",
        ),
        (
            lambda d: d.assign(treated=False),
            {},
            ValueError,
            "need treated and comparison",
        ),
        (lambda d: d, {"treatment_start": "2030-01"}, ValueError, "before and after"),
        (lambda d: d, {"family": "gaussian"}, ValueError, "family must be"),
    ],
    ids=["no-treated-col", "varying", "no-treated", "no-post", "family"],
)
def test_did_errors(change, kw, exc, match):
    args = {"treatment_start": "2024-01", **kw}
    with pytest.raises(exc, match=match):
        did(change(two_by_two()), **args)


def test_panel_counts_with_zeros_and_columns():
    places = gpd.GeoDataFrame(
        {"place_id": ["A", "B"], "treated": [True, False]},
        geometry=[box(0, 0, 10, 10), box(10, 0, 20, 10)],
        crs=27700,
    )
    crimes = gpd.GeoDataFrame(
        {
            "month": pd.to_datetime(
                ["2024-01-01", "2024-01-01", "2024-02-01", "2025-01-01"]
            )
        },
        geometry=[Point(5, 5), Point(10, 5), Point(15, 5), Point(5, 5)],
        crs=27700,
    )
    out = panel(crimes, places, months=["2024-01", "2024-02"])
    assert list(out.columns) == ["place_id", "month", "count", "treated"]
    # the edge point (10, 5) counts once, in B: the edge rule's cell to the east
    assert out["count"].tolist() == [1, 0, 1, 1]
    assert out["treated"].tolist() == [True, True, False, False]


def test_panel_errors():
    places = gpd.GeoDataFrame(
        {"place_id": ["A", "A"]}, geometry=[box(0, 0, 1, 1)] * 2, crs=27700
    )
    crimes = gpd.GeoDataFrame(
        {"month": pd.to_datetime(["2024-01-01"])}, geometry=[Point(0, 0)], crs=27700
    )
    with pytest.raises(SchemaError, match="must be unique"):
        panel(crimes, places)
    with pytest.raises(CRSError, match="different CRSs"):
        panel(crimes.to_crs(32630), places.iloc[:1])
    with pytest.raises(SchemaError, match="id_column="):
        panel(crimes, places, id_column="cell")


@pytest.mark.slow
def test_did_recovers_planted_effect_where_naive_overstates(patrol_design):
    """SYNTHETIC data: naive before/after > 25% fall; matched DiD covers IRR 0.80."""
    truth, counts = patrol_design["truth"], patrol_design["panel"]
    patrol = truth["patrol"]
    start = pd.Timestamp(patrol["treatment_start"])
    treated = counts[counts["treated"]]
    before = treated.loc[treated["month"] < start, "count"].sum() / 24
    after = treated.loc[treated["month"] >= start, "count"].sum() / 12
    naive = after / before - 1
    assert naive < -0.25  # overstates the planted -20% (regression to the mean)

    matched = choose_comparisons(counts, pre_months=patrol["selection_months"], k=3)
    effect = did(matched.panel, treatment_start=start)
    planted = 1 - patrol["effect"]
    assert effect.ci_low < planted < effect.ci_high
    assert effect.estimate > 1 + naive  # closer to the truth than the naive change
    assert effect.n_treated == 18 and effect.n_comparison == 54
    assert any("only 18 treated places" in c for c in effect.caveats)
