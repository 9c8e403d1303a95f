import geopandas as gpd
import numpy as np
import pytest
import shapely

from hotspots.exceptions import CRSError, HotspotsWarning
from hotspots.find._grid import assign_cells, auto_cell_size, count_points, make_grid


def _points(x, y, crs=27700):
    return gpd.GeoDataFrame(geometry=gpd.points_from_xy(x, y), crs=crs)


@pytest.mark.parametrize(
    ("bounds", "expected"),
    [((0, 0, 23_700, 31_000), 400.0), ((0, 0, 4_000, 9_000), 80.0)],
    ids=["oracle-3.1-rounded", "oracle-3.1-small"],
)
def test_auto_cell_size_sfhotspot_rule_matches_worked_example(bounds, expected):
    assert auto_cell_size(bounds, rule="sfhotspot") == expected


def test_auto_cell_size_patrol_rule_is_150_m_and_grows_only_for_huge_extents():
    assert auto_cell_size((0, 0, 23_700, 31_000)) == 150.0
    assert auto_cell_size((0, 0, 60_000, 60_000)) == 150.0  # a force: 160,000 cells
    # England and Wales (about 650 km x 600 km): the smallest multiple of 50 m
    # that keeps the grid under two million cells
    size = auto_cell_size((0, 0, 650_000, 600_000))
    assert size % 50 == 0 and (650_000 / size + 1) * (600_000 / size + 1) <= 2e6
    assert (650_000 / (size - 50) + 1) * (600_000 / (size - 50) + 1) > 2e6
    with pytest.raises(ValueError, match="rule must be one of"):
        auto_cell_size((0, 0, 1, 1), rule="esri")


@pytest.mark.parametrize(
    ("cell_size", "expected", "rule"),
    [
        (None, 150.0, "patrol"),
        ("patrol", 150.0, "patrol"),
        ("sfhotspot", 400.0, "sfhotspot"),
    ],
)
def test_auto_cell_size_is_reported_and_recorded(caplog, cell_size, expected, rule):
    pts = _points([0, 23_700], [0, 31_000])
    with caplog.at_level("INFO", logger="hotspots"):
        grid = make_grid(pts, cell_size=cell_size)
    assert f"Cell size set automatically to {expected:.0f} m" in caplog.text
    assert grid.attrs["hotspots"]["cell_size"] == expected
    assert grid.attrs["hotspots"]["cell_size_auto"] is True
    assert grid.attrs["hotspots"]["cell_size_rule"] == rule


def test_make_grid_leaves_out_strays_with_a_warning():
    rng = np.random.default_rng(4)
    x = np.r_[rng.uniform(450_000, 460_000, 999), 200_000.0]  # one row in Cornwall
    y = np.r_[rng.uniform(300_000, 310_000, 999), 50_000.0]
    with pytest.warns(HotspotsWarning, match="1 of 1,000 points lie far outside"):
        grid = make_grid(_points(x, y), cell_size=500)
    assert grid.attrs["hotspots"]["n_strays"] == 1
    minx, miny, _, _ = grid.total_bounds
    assert minx >= 449_000 and miny >= 299_000  # the grid spans the bulk only


@pytest.mark.parametrize("shape", ["square", "hex"])
def test_count_points_matches_spatial_join(shape):
    rng = np.random.default_rng(7)
    pts = _points(rng.uniform(1000, 6000, 5000), rng.uniform(2000, 5000, 5000))
    counted = count_points(pts, cell_size=300, shape=shape)
    joined = gpd.sjoin(pts, counted[["cell_id", "geometry"]], predicate="within")
    brute = joined.groupby("cell_id").size().reindex(counted["cell_id"], fill_value=0)
    assert (brute.to_numpy() == counted["n"].to_numpy()).all()
    assert counted["n"].sum() == len(pts)
    assert list(counted.columns) == ["cell_id", "row", "col", "geometry", "n"]


def test_hex_cells_have_the_right_area_and_tile():
    grid = make_grid(_points([0, 2000], [0, 2000]), cell_size=200, shape="hex")
    assert np.allclose(grid.area, np.sqrt(3) / 2 * 200**2)
    union = grid.geometry.union_all()
    assert abs(union.area - grid.area.sum()) < 1e-3  # no overlaps


def test_count_points_weighted_and_bad_weights():
    pts = _points([50, 60, 150], [50, 60, 50])
    pts["harm"] = [2.0, 3.0, 10.0]
    out = count_points(pts, cell_size=100, weights="harm")
    assert out.set_index(["row", "col"]).loc[(0, 0), "weighted_n"] == 5.0
    pts.loc[1, "harm"] = np.nan
    with pytest.raises(ValueError, match="missing, infinite or negative"):
        count_points(pts, cell_size=100, weights="harm")


def test_boundary_drops_cells_and_counts_outside_points():
    pts = _points([50, 950], [50, 950])
    boundary = gpd.GeoSeries([shapely.box(0, 0, 500, 500)], crs=27700)
    with pytest.warns(HotspotsWarning, match="1 of 2 points fall in no cell"):
        out = count_points(pts, cell_size=100, boundary=boundary)
    assert len(out) == 25  # cells overlapping the 500 m box; edge-touching ones dropped
    assert out["n"].sum() == 1 and out.attrs["hotspots"]["n_outside"] == 1


def test_grid_errors_on_degrees_single_point_and_empty():
    with pytest.raises(CRSError, match="to_crs"):
        make_grid(_points([-1.1], [52.6], crs=4326), cell_size=100)
    with pytest.raises(ValueError, match="cell_size"):
        # one point: no extent for sfhotspot's automatic size
        make_grid(_points([1.0], [1.0]), cell_size="sfhotspot")
    assert len(make_grid(_points([1.0], [1.0]))) == 1  # one 150 m micro-place
    with pytest.raises(ValueError, match="empty"):
        make_grid(_points([], []), cell_size=100)
    single = count_points(_points([1.0], [1.0]), cell_size=100)
    assert single["n"].tolist() == [1]


def test_all_points_in_one_cell():
    out = count_points(_points([10, 20, 30], [10, 20, 30]), cell_size=100)
    assert out["n"].tolist() == [3]


def test_assign_cells_needs_grid_metadata():
    grid = make_grid(_points([0, 500], [0, 500]), cell_size=100)
    plain = gpd.GeoDataFrame(grid[["cell_id", "row", "col", "geometry"]])
    plain.attrs = {}
    with pytest.raises(ValueError, match="make_grid"):
        assign_cells(plain, np.array([1.0]), np.array([1.0]))


@pytest.mark.parametrize("shape", ["square", "hex"])
def test_cell_centres_match_polygon_centroids(shape):
    from hotspots.find._grid import cell_centres

    grid = make_grid(_points([0, 3000], [0, 2000]), cell_size=170, shape=shape)
    x, y = cell_centres(grid)
    centroids = grid.geometry.centroid
    assert np.allclose(x, centroids.x, atol=1e-6) and np.allclose(
        y, centroids.y, atol=1e-6
    )
