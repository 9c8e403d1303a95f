import math

import geopandas as gpd
import pytest
import shapely
from hypothesis import given, settings
from hypothesis import strategies as st

from hotspots.exceptions import CRSError
from hotspots.find._grid import make_grid
from hotspots.target._accuracy import (
    Accuracy,
    accuracy,
    hit_rate,
    max_capture,
    pai,
    pei,
    rri,
)


def points(xy, crs=27700):
    return gpd.GeoDataFrame(geometry=[shapely.Point(x, y) for x, y in xy], crs=crs)


# METHODS.md oracle 5.1: N = 200, A = 50 km², a = 1 km², n = 40, n* = 55;
# RRI with n1 = 40 of N1 = 200 and n2 = 30 of N2 = 180.
def test_oracle_5_1_scalars():
    assert hit_rate(40, 200) == pytest.approx(0.20, abs=1e-12)
    assert pai(40, 200, 1.0, 50.0) == pytest.approx(10.0, abs=1e-12)
    assert pei(40, 55) == pytest.approx(0.727273, abs=5e-7)
    assert rri(30, 180, 40, 200) == pytest.approx(0.833333, abs=5e-7)


def oracle_layout():
    """A 50 km x 1 km strip of 1 km cells: the predicted cell holds 40 test crimes,
    the busiest cell 55, the other 105 spread 5 per cell (200 in all)."""
    area = shapely.box(0, 0, 50_000, 1_000)
    grid = make_grid(boundary=gpd.GeoSeries([area], crs=27700), cell_size=1_000)
    xy = [(500, 500)] * 40 + [(1_500, 500)] * 55
    xy += [(2_500 + 1_000 * k, 500) for k in range(21) for _ in range(5)]
    places = grid.iloc[[0]]
    return area, grid, places, points(xy)


def test_accuracy_reproduces_oracle_5_1_from_geometry():
    area, grid, places, crimes = oracle_layout()
    result = accuracy(places, crimes, grid=grid)
    assert isinstance(result, Accuracy)
    assert (result.n, result.n_total, result.n_star) == (40, 200, 55)
    assert result.study_area_km2 == pytest.approx(50.0)
    assert result.area_share == pytest.approx(0.02)
    assert result.hit_rate == pytest.approx(0.20)
    assert result.pai == pytest.approx(10.0)
    assert result.pei == pytest.approx(0.727273, abs=5e-7)
    assert math.isnan(result.rri)
    # Same numbers without a grid, from the polygon study area (no PEI).
    by_polygon = accuracy(places, crimes, study_area=area)
    assert by_polygon.pai == pytest.approx(10.0)
    assert math.isnan(by_polygon.pei)


def test_accuracy_rri_from_two_periods():
    _, grid, places, _ = oracle_layout()
    fit = points([(500, 500)] * 40 + [(9_500, 500)] * 160)  # n1 = 40 of N1 = 200
    test = points([(500, 500)] * 30 + [(9_500, 500)] * 150)  # n2 = 30 of N2 = 180
    result = accuracy(places, test, grid=grid, fit_crimes=fit)
    assert (result.n_fit, result.n_total_fit) == (40, 200)
    assert result.rri == pytest.approx(0.833333, abs=5e-7)
    row = result.to_frame()
    headline = ["hit_rate", "pai", "pei", "pei_star", "rri", "area_share"]
    assert list(row.columns)[:6] == headline
    assert "PAI 8.33" in str(result)  # (30/180) / 0.02


def test_accuracy_rri_undefined_without_fitting_crimes_in_places():
    _, grid, places, crimes = oracle_layout()
    result = accuracy(places, crimes, grid=grid, fit_crimes=points([(9_500, 500)]))
    assert math.isnan(result.rri)
    assert any("RRI undefined" in c for c in result.caveats)


def test_accuracy_counts_only_crimes_in_the_study_area():
    area, _, places, crimes = oracle_layout()
    outside = points([(500, 5_000)] * 10)
    both = gpd.GeoDataFrame(
        geometry=list(crimes.geometry) + list(outside.geometry), crs=27700
    )
    assert accuracy(places, both, study_area=area).n_total == 200
    # An area in km² counts every crime given.
    assert accuracy(places, both, study_area=50.0).n_total == 210


def test_max_capture_fractional_cells():
    assert max_capture([5, 1, 9, 3], 2) == 14
    assert max_capture([5, 1, 9, 3], 2.5) == 15.5
    assert max_capture([5, 1], 5) == 6


@settings(max_examples=60, deadline=None)
@given(
    st.lists(
        st.tuples(st.floats(0, 1499.9), st.floats(0, 1499.9)), min_size=1, max_size=80
    ),
    st.sets(st.integers(0, 99), min_size=1, max_size=100),
)
def test_accuracy_properties(xy, chosen):
    grid = make_grid(
        boundary=gpd.GeoSeries([shapely.box(0, 0, 1500, 1500)], crs=27700),
        cell_size=150,
    )
    crimes = points(xy)
    places = grid.iloc[sorted(chosen)]
    result = accuracy(places, crimes, grid=grid, fit_crimes=crimes)
    assert 0 <= result.hit_rate <= 1
    assert 0 <= result.pei <= 1 + 1e-12
    assert result.pei_star == pytest.approx(result.pei)  # one cell size: the same
    assert result.n <= result.n_star + 1e-9
    assert result.pai * result.area_share == pytest.approx(result.hit_rate)
    assert result.rri == pytest.approx(1.0) or result.n == 0
    whole = accuracy(grid, crimes, grid=grid)
    assert whole.pai == pytest.approx(1.0)
    assert whole.hit_rate == pytest.approx(1.0)
    assert whole.pei == pytest.approx(1.0)
    assert whole.pei_star == pytest.approx(1.0)


@settings(max_examples=100, deadline=None)
@given(
    st.integers(0, 1000),
    st.integers(0, 1000),
    st.floats(0.01, 10),
    st.floats(1, 100),
)
def test_pai_is_hit_rate_over_area_share(n, extra, area, ratio):
    n_total, study = n + extra, area * ratio
    if n_total == 0:
        assert math.isnan(pai(n, n_total, area, study))
    else:
        assert hit_rate(n, n_total) <= 1
        assert pai(n, n_total, area, study) == pytest.approx(
            (n / n_total) / (area / study)
        )


@pytest.mark.parametrize(
    ("call", "match"),
    [
        (lambda: hit_rate(5, 4), "cannot exceed n_total"),
        (lambda: hit_rate(-1, 4), "count >= 0"),
        (lambda: pai(1, 4, 2.0, 1.0), "at least the flagged area"),
        (lambda: pai(1, 4, 0.0, 1.0), "area must be > 0"),
        (lambda: pei(5, 4), "best possible capture"),
    ],
    ids=["n>N", "negative", "a>A", "a=0", "n>n*"],
)
def test_scalar_errors(call, match):
    with pytest.raises(ValueError, match=match):
        call()


def test_accuracy_errors_say_what_to_do():
    _, grid, places, crimes = oracle_layout()
    with pytest.raises(ValueError, match="study_area="):
        accuracy(places, crimes)
    off_grid = gpd.GeoDataFrame(geometry=[shapely.box(0, 0, 700, 700)], crs=27700)
    with pytest.raises(ValueError, match="not cells of grid"):
        accuracy(off_grid, crimes, grid=grid)
    with pytest.raises(CRSError, match="to_crs"):
        accuracy(places, crimes.to_crs(3857), grid=grid)
