import math

import geopandas as gpd
import numpy as np
import pytest
from shapely.geometry import box

from hotspots.evaluation import rings, wdq
from hotspots.exceptions import CRSError


def test_wdq_matches_oracle_6_1():
    result = wdq(120, 84, 60, 54, 2000, 1900)
    assert result.measure == "WDQ"
    assert result.details["success_measure"] == pytest.approx(-0.01578947, abs=1e-8)
    assert result.details["buffer_measure"] == pytest.approx(-0.00157895, abs=1e-8)
    assert result.estimate == pytest.approx(0.1000, abs=1e-10)
    assert result.details["total_net_effect"] == pytest.approx(33.0, abs=1e-9)
    assert result.interpretation.startswith("some diffusion of benefits")
    assert not result.has_ci


@pytest.mark.parametrize(
    ("ba", "verdict"),
    [
        (20, "diffusion of benefits greater"),  # BM < SM: WDQ > 1
        (54, "some diffusion"),
        (57, "no evidence"),  # BM = 0
        (60, "displacement, but smaller"),
        (100, "counter-productive"),
    ],
    ids=["wdq>1", "0<wdq<=1", "zero", "-1<=wdq<0", "wdq<-1"],
)
def test_wdq_verdicts_follow_the_table(ba, verdict):
    assert verdict in wdq(120, 84, 60, ba, 2000, 1900).interpretation


def test_wdq_not_interpretable_when_target_did_not_improve():
    result = wdq(100, 120, 60, 54, 2000, 1900)
    assert result.interpretation.startswith("not interpretable")
    assert any("must not be interpreted" in c for c in result.caveats)


def test_wdq_flags_small_counts():
    result = wdq(12, 8, 6, 5, 2000, 1900)
    assert any("unstable" in c for c in result.caveats)


def test_wdq_is_nan_when_the_places_kept_pace_with_the_control():
    # SM = 95/1900 - 100/2000 = 0 exactly: no quotient, and the words say why
    result = wdq(100, 95, 60, 54, 2000, 1900)
    assert result.details["success_measure"] == 0
    assert math.isnan(result.estimate)
    assert result.interpretation.startswith("not interpretable")
    assert "WDQ NA (no CI)" in str(result)


def test_wdq_with_no_crimes_in_places_or_rings_is_nan_not_an_error():
    result = wdq(0, 0, 0, 0, 2000, 1900)
    assert math.isnan(result.estimate)
    assert result.details["total_net_effect"] == 0
    assert any("must not be interpreted" in c for c in result.caveats)
    assert any("small counts (rb=0, ra=0, bb=0, ba=0" in c for c in result.caveats)


def test_wdq_accepts_numpy_and_fractional_counts():
    result = wdq(np.int64(120), np.float64(84.0), 60.5, 54, 2000, 1900)
    assert math.isfinite(result.estimate)


@pytest.mark.parametrize(
    ("args", "match"),
    [
        ((120, 84, 60, 54, 0, 1900), "control counts must be > 0"),
        ((120, 84, 60, 54, 2000, 0), "control counts must be > 0"),
        ((-1, 84, 60, 54, 2000, 1900), "rb must be a count"),
        ((120, "84", 60, 54, 2000, 1900), "ra must be a count"),
        ((120, 84, math.nan, 54, 2000, 1900), "bb must be a count"),
        ((120, 84, 60, math.inf, 2000, 1900), "ba must be a count"),
        ((120, 84, 60, 54, None, 1900), "cb must be a count"),
        ((True, 84, 60, 54, 2000, 1900), "rb must be a count"),
    ],
    ids=[
        "zero-control-before",
        "zero-control-after",
        "negative",
        "string",
        "nan",
        "inf",
        "none",
        "bool",
    ],
)
def test_wdq_errors(args, match):
    with pytest.raises(ValueError, match=match):
        wdq(*args)


def test_rings_exclude_every_place_and_keep_columns():
    places = gpd.GeoDataFrame(
        {"place_id": ["A", "B"]},
        geometry=[box(0, 0, 150, 150), box(300, 0, 450, 150)],
        crs=27700,
    )
    out = rings(places, radius=250)
    assert list(out.columns) == ["place_id", "geometry", "overlaps_other_ring"]
    assert out["place_id"].tolist() == ["A", "B"]
    for geom in out.geometry:
        assert geom.intersection(places.union_all()).area == pytest.approx(0, abs=1e-6)
    # ring A = (150 + 500)^2 with rounded corners, minus both squares' overlap
    buffered = places.geometry.iloc[0].buffer(250)
    expected = buffered.area - buffered.intersection(places.union_all()).area
    assert out.geometry.iloc[0].area == pytest.approx(expected)
    assert out["overlaps_other_ring"].tolist() == [True, True]
    assert out.attrs["hotspots"]["radius"] == 250
    assert places.geometry.iloc[0].area == pytest.approx(150 * 150)  # input unchanged


def test_rings_errors():
    places = gpd.GeoDataFrame(geometry=[box(0, 0, 1, 1)], crs=4326)
    with pytest.raises(CRSError, match="to_crs"):
        rings(places)
    with pytest.raises(ValueError, match="radius must be > 0"):
        rings(places.set_crs(27700, allow_override=True), radius=-5)


@pytest.mark.slow
def test_wdq_on_synthetic_rings_shows_diffusion(displacement_counts):
    """SYNTHETIC data: the ring's planted -10% is diffusion of benefits (WDQ > 0)."""
    result = wdq(*displacement_counts)
    assert result.details["success_measure"] < 0
    assert result.details["buffer_measure"] < 0
    assert 0 < result.estimate <= 1
    assert "diffusion" in result.interpretation
    assert math.isfinite(result.details["total_net_effect"])
