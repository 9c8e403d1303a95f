import dataclasses

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
from shapely.geometry import Point, box

from hotspots.evaluation import POLICEUK_CAVEATS, Evaluation, evaluate
from hotspots.evaluation._effect import FRAME_COLUMNS
from hotspots.exceptions import CRSError, SchemaError

ESTIMATORS = [
    "naive",
    "did_negative_binomial",
    "did_poisson",
    "randomisation",
    "its_level",
    "its_slope",
    "res",
    "wdq",
    "wdd",
]


def small_design(seed=5):
    """Three 150 m places over a uniform background, 24 + 12 months."""
    rng = np.random.default_rng(seed)
    months = pd.date_range("2022-01-01", periods=36, freq="MS")
    corners = [(0, 0), (1500, 0), (0, 1500)]
    places = gpd.GeoDataFrame(
        {"place_id": ["A", "B", "C"]},
        geometry=[box(x, y, x + 150, y + 150) for x, y in corners],
        crs=27700,
    )
    xs, ys, ms = [], [], []
    for k, month in enumerate(months):
        n = rng.poisson(600)
        xs.extend(rng.uniform(-1500, 3000, n))
        ys.extend(rng.uniform(-1500, 3000, n))
        ms.extend([month] * n)
        for x, y in corners:
            extra = rng.poisson(8 * (0.7 if k >= 24 else 1.0))
            xs.extend(rng.uniform(x, x + 150, extra))
            ys.extend(rng.uniform(y, y + 150, extra))
            ms.extend([month] * extra)
    crimes = gpd.GeoDataFrame(
        {"month": pd.to_datetime(ms)},
        geometry=[Point(x, y) for x, y in zip(xs, ys, strict=True)],
        crs=27700,
    )
    return crimes, places


@pytest.fixture(scope="module")
def small_evaluation():
    crimes, places = small_design()
    return evaluate(
        crimes,
        places,
        treatment_start="2024-01",
        comparisons_k=2,
        permutations=99,
        rng=1,
        progress=False,
    )


def test_evaluate_returns_all_effects_in_one_frame(small_evaluation):
    result = small_evaluation
    assert isinstance(result, Evaluation)
    frame = result.to_frame()
    assert list(frame.columns) == ["estimator", *FRAME_COLUMNS]
    assert frame["estimator"].tolist() == ESTIMATORS
    assert frame.loc[frame["estimator"] == "did_poisson", "n_treated"].item() == 3
    assert frame.loc[frame["estimator"] == "did_poisson", "n_comparison"].item() == 6
    assert list(result.balance.index) == ["level", "trend"]
    assert 1 <= result.sms_level <= 4
    assert set(POLICEUK_CAVEATS.values()) <= set(result.caveats)
    assert result.settings["cell_size"] == pytest.approx(150)
    assert result.settings["cell_size_auto"] is True
    assert result.settings["selection_months"][0] == "2023-01"
    assert result.settings["wdq_months"] == 12
    with pytest.raises(dataclasses.FrozenInstanceError):
        result.sms_level = 5


def test_evaluate_str_is_readable(small_evaluation):
    text = str(small_evaluation)
    assert text.startswith("Evaluation from 2024-01: 3 treated places, 6 matched")
    assert "Maryland SMS level" in text
    for name in ESTIMATORS:
        assert f"[{name}]" in text
    assert "Balance (pre-period):" in text
    assert "police.uk gives the month only" in text


def test_evaluate_naive_matches_hand_computation():
    crimes, places = small_design()
    result = evaluate(
        crimes,
        places,
        treatment_start="2024-01",
        comparisons_k=2,
        permutations=9,
        rng=1,
        progress=False,
    )
    inside = crimes[crimes.within(places.union_all())]
    before = (inside["month"] < "2024-01-01").sum() / 24
    after = (inside["month"] >= "2024-01-01").sum() / 12
    assert result.naive.estimate == pytest.approx(after / before)
    assert result.naive.details["percent_change"] == pytest.approx(
        (after / before - 1) * 100
    )


@pytest.mark.parametrize(
    ("change", "kw", "exc", "match"),
    [
        (lambda c, p: (c, p.to_crs(4326)), {}, CRSError, "to_crs"),
        (
            lambda c, p: (c, p.rename(columns={"place_id": "id"})),
            {},
            SchemaError,
            "id_column=",
        ),
        (lambda c, p: (c.drop(columns="month"), p), {}, SchemaError, "'month'"),
        (lambda c, p: (c, p.iloc[:1]), {}, ValueError, "at least 2 treated"),
        (
            lambda c, p: (c, p),
            {"treatment_start": "2025-06"},
            ValueError,
            "need at least 2 each",
        ),
        (
            lambda c, p: (c, p),
            {"ring_radius": 0},
            ValueError,
            "ring_radius must be > 0",
        ),
        (lambda c, p: (c, pd.DataFrame(p)), {}, TypeError, "GeoDataFrame"),
    ],
    ids=["crs", "id", "month", "one-place", "no-post", "radius", "not-gdf"],
)
def test_evaluate_errors(change, kw, exc, match):
    crimes, places = small_design()
    crimes, places = change(crimes.iloc[:2000], places)
    args = {"treatment_start": "2024-01", "progress": False, **kw}
    with pytest.raises(exc, match=match):
        evaluate(crimes, places, **args)


@pytest.mark.slow
def test_evaluate_recovers_planted_truth_on_synthetic_archive(patrol_design):
    """SYNTHETIC data: DiD covers the planted IRR 0.80, the naive change overstates
    it (regression to the mean), and the ring shows diffusion of benefits."""
    truth, violence = patrol_design["truth"], patrol_design["violence"]
    patrol = truth["patrol"]
    result = evaluate(
        violence,
        patrol_design["places"].drop(columns="treated"),
        treatment_start=patrol["treatment_start"],
        ring_radius=truth["ring"]["radius_m"],
        comparisons_k=3,
        permutations=999,
        rng=20240601,
        progress=False,
    )
    planted = 1 - patrol["effect"]
    did = result.did_negative_binomial
    assert did.ci_low < planted < did.ci_high
    assert result.did_poisson.ci_low < planted < result.did_poisson.ci_high
    assert result.naive.estimate - 1 < -0.25
    assert result.naive.estimate < did.estimate  # the naive change overstates
    assert "diffusion" in result.wdq.interpretation
    assert result.randomisation.p_value < 0.05
    assert result.settings["selection_months"] == patrol["selection_months"]
    assert did.n_treated == 18 and did.n_comparison == 54


def test_evaluate_warns_when_the_pre_period_is_only_the_selection_year(
    small_evaluation,
):
    crimes, places = small_design()
    short = crimes[crimes["month"] >= "2023-01-01"]
    result = evaluate(
        short,
        places,
        treatment_start="2024-01",
        comparisons_k=2,
        permutations=99,
        rng=1,
        progress=False,
    )
    assert any("are all selection months" in c for c in result.caveats)
    assert not any("are all selection months" in c for c in small_evaluation.caveats)
