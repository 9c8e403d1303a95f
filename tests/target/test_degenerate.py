"""Degenerate inputs of concentration and accuracy: NaN with a reason, or an error.

No crimes, places without area, a study area of zero, a single cell, all crimes
in one cell: each gives a caveat starting "not estimable" with NaN where a number
would mislead, or a ValueError that says what to do.
"""

import math
import warnings

import geopandas as gpd
import pytest
import shapely
from hypothesis import given, settings
from hypothesis import strategies as st

from hotspots.find._grid import make_grid
from hotspots.target._accuracy import accuracy
from hotspots.target._concentration import concentration

AREA = shapely.box(0, 0, 1000, 100)
PLACES = gpd.GeoDataFrame(geometry=[shapely.box(0, 0, 100, 100)], crs=27700)


def grid_of(box, cell_size=100.0):
    return make_grid(boundary=gpd.GeoSeries([box], crs=27700), cell_size=cell_size)


def points(xy):
    return gpd.GeoDataFrame(geometry=[shapely.Point(x, y) for x, y in xy], crs=27700)


def test_accuracy_with_no_test_period_crimes_is_not_estimable():
    for crimes in (points([]), points([(5_000, 5_000)])):  # none, or none inside
        result = accuracy(PLACES, crimes, study_area=AREA)
        assert math.isnan(result.hit_rate) and math.isnan(result.pai)
        assert result.n_total == 0
        assert result.caveats[0].startswith("not estimable: no test-period crimes")
    grid = grid_of(AREA)
    on_grid = accuracy(grid.iloc[[0]], points([]), grid=grid)
    assert math.isnan(on_grid.pei) and on_grid.n_star == 0
    assert on_grid.caveats[0].startswith("not estimable")


@pytest.mark.parametrize(
    "place",
    [shapely.Point(50, 50), shapely.LineString([(0, 50), (100, 50)])],
    ids=["point", "line"],
)
def test_accuracy_refuses_places_without_area(place):
    places = gpd.GeoDataFrame(geometry=[place], crs=27700)
    with pytest.raises(ValueError, match=r"no area \(points or lines\?\).*buffer"):
        accuracy(places, points([(50, 50)]), study_area=AREA)


@pytest.mark.parametrize(
    "study_area", [0.0, math.nan, shapely.Polygon()], ids=["zero", "nan", "empty"]
)
def test_accuracy_refuses_a_study_area_without_area(study_area):
    with pytest.raises(ValueError, match="must be a positive area"):
        accuracy(PLACES, points([(50, 50)]), study_area=study_area)


def test_accuracy_of_a_single_place_that_is_the_whole_area():
    grid = grid_of(shapely.box(0, 0, 100, 100))
    result = accuracy(grid, points([(50, 50)] * 40), grid=grid)
    assert (result.hit_rate, result.pai, result.pei) == (1.0, 1.0, 1.0)
    assert result.area_share == 1.0
    assert not result.caveats


def test_concentration_of_a_single_cell_is_not_estimable():
    result = concentration(points([(50, 50)] * 5))
    assert result.n_cells == 1
    assert math.isnan(result.gini) and math.isnan(result.gini_places)
    assert result.caveats[0].startswith("not estimable: the grid has a single cell")


def test_concentration_with_every_crime_in_one_cell():
    result = concentration(points([(75, 75)] * 7 + [(1425, 1425)]))
    assert result.n_cells == 100 and result.n_places == 2
    one = concentration(points([(75, 75)] * 7), grid=grid_of(AREA))
    assert one.n_places == 1
    assert one.gini == pytest.approx(0.9)  # 1 of 10 cells: (n - 1) / n
    assert math.isnan(one.gini_places)
    assert any(c.startswith("not estimable: every crime falls") for c in one.caveats)


def test_concentration_flags_top_shares_rounded_up_from_few_units():
    # 10 cells, 2 with crime: the "top 1%" of places is 1 of 2 (50%)
    grid = grid_of(AREA)
    result = concentration(points([(50, 50)] * 3 + [(950, 50)]), grid=grid)
    coarse = [c for c in result.caveats if c.startswith("too few units")]
    assert len(coarse) == 1
    assert "top 1% of places = 1 of 2" in coarse[0]
    assert "top 1% of cells = 1 of 10" in coarse[0]
    # 1,000 cells of 10 m, 100 with crime: 1% is a whole number of each
    many = concentration(
        points([(x, 50) for x in range(5, 1000, 10)]), grid=grid_of(AREA, 10.0)
    )
    assert (many.n_cells, many.n_places) == (1000, 100)
    assert not [c for c in many.caveats if c.startswith("too few units")]


@settings(max_examples=40, deadline=None)
@given(
    st.lists(
        st.tuples(st.integers(0, 999), st.integers(0, 99)), min_size=1, max_size=30
    ),
    st.sampled_from([50.0, 100.0, 500.0, 2000.0]),
)
def test_concentration_is_a_number_or_nan_with_why(xy, cell_size):
    grid = grid_of(AREA, cell_size)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        result = concentration(points(xy), grid=grid)
    pairs = ((result.gini, result.n_cells), (result.gini_places, result.n_places))
    for value, units in pairs:
        if units > 1:
            assert 0 <= value < 1
        else:
            assert math.isnan(value)
            assert any(c.startswith("not estimable") for c in result.caveats)
    assert result.top["share_of_crimes"].between(0, 1).all()
