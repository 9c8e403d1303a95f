"""Tests for hotspots.cube: space-time weights, Gi* per bin, the tidy cube."""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
import shapely

import hotspots.find._cube as cube_module
from hotspots import space_time_cube
from hotspots.exceptions import CRSError, HotspotsWarning
from hotspots.find._cube import cube_gistar, space_time_weights
from hotspots.find._gistar import gistar_arrays
from hotspots.find._grid import make_grid
from hotspots.find._weights import spatial_weights

AREA = gpd.GeoSeries([shapely.box(1, 1, 399, 299)], crs=27700)  # 4 x 3 cells


@pytest.fixture
def small_grid():
    return make_grid(boundary=AREA, cell_size=100)


@pytest.mark.parametrize("time_lag", [0, 1, 2, 5])
def test_space_time_weights_match_brute_force(small_grid, time_lag):
    w = spatial_weights(small_grid, "queen").toarray()
    n, n_steps = len(w), 4
    expected = np.zeros((n * n_steps, n * n_steps))
    for t in range(n_steps):
        for s in range(n_steps):
            if 0 <= t - s <= time_lag:
                for i in range(n):
                    for j in range(n):
                        expected[t * n + i, s * n + j] = w[i, j]
    got = space_time_weights(spatial_weights(small_grid, "queen"), n_steps, time_lag)
    np.testing.assert_array_equal(got.toarray(), expected)
    assert (got.diagonal() == 1).all()


@pytest.mark.parametrize("block_limit", [10**9, 50], ids=["one-block", "blocks"])
@pytest.mark.parametrize("time_lag", [0, 1, 2])
def test_cube_gistar_matches_gistar_arrays(
    small_grid, time_lag, block_limit, monkeypatch
):
    monkeypatch.setattr(cube_module, "_MAX_BLOCK_NONZEROS", block_limit)
    counts = np.random.default_rng(5).poisson(2, size=(len(small_grid), 6))
    w = spatial_weights(small_grid, "queen")
    got = cube_gistar(counts, w, time_lag)
    full = space_time_weights(w, 6, time_lag)
    expected = gistar_arrays(counts.T.ravel(), full).reshape(6, -1).T
    np.testing.assert_allclose(got, expected, rtol=1e-12, atol=1e-12)


def _points(cells_months: list[tuple[float, float, str]]) -> gpd.GeoDataFrame:
    x, y, month = zip(*cells_months, strict=True)
    return gpd.GeoDataFrame(
        {"month": pd.to_datetime(list(month))},
        geometry=gpd.points_from_xy(x, y),
        crs=27700,
    )


def _random_points(n_months: int, seed: int = 2, start: str = "2023-01-01"):
    rng = np.random.default_rng(seed)
    months = pd.date_range(start, periods=n_months, freq="MS")
    size = 40 * n_months
    return gpd.GeoDataFrame(
        {"month": months[rng.integers(0, n_months, size)]},
        geometry=gpd.points_from_xy(
            rng.uniform(1, 399, size), rng.uniform(1, 299, size)
        ),
        crs=27700,
    )


def test_space_time_cube_columns_and_values(small_grid):
    points = _random_points(12)
    cube = space_time_cube(points, boundary=AREA, cell_size=100)
    assert list(cube.columns) == [
        "cell_id",
        "step",
        "period_start",
        "n",
        "gi_z",
        "p_value",
        "p_fdr",
        "significant",
    ]
    assert len(cube) == len(small_grid) * 12
    assert cube["n"].sum() == len(points)
    assert set(cube["significant"]) <= {-1, 0, 1}
    counts = cube.pivot(index="cell_id", columns="step", values="n").to_numpy()
    w = spatial_weights(small_grid, "queen")
    expected = gistar_arrays(counts.T.ravel(), space_time_weights(w, 12, 1))
    z = cube.pivot(index="cell_id", columns="step", values="gi_z").to_numpy()
    np.testing.assert_allclose(z, expected.reshape(12, -1).T)
    assert (cube["p_fdr"] >= cube["p_value"] - 1e-15).all()


def test_space_time_cube_keeps_empty_months():
    points = _points(
        [(50, 50, "2024-01-01"), (150, 50, "2024-01-01"), (50, 50, "2024-06-01")]
        + [(250, 150, "2024-03-01")] * 3
    )
    with pytest.warns(HotspotsWarning, match="little power"):
        cube = space_time_cube(points, boundary=AREA, cell_size=100)
    assert cube["step"].max() == 5  # January to June: six steps
    per_step = cube.groupby("period_start")["n"].sum()
    assert list(per_step) == [2, 0, 3, 0, 0, 1]


def test_space_time_cube_quarters_end_at_last_month():
    points = _random_points(14)  # 2023-01 .. 2024-02: leading 2 months left out
    with pytest.warns(HotspotsWarning, match="little power"):
        cube = space_time_cube(points, boundary=AREA, cell_size=100, period="quarter")
    assert cube["step"].max() == 3
    assert cube["period_start"].min() == pd.Timestamp("2023-03-01")
    dropped = cube.attrs["hotspots"]["n_dropped"]
    assert dropped == (points["month"] < "2023-03-01").sum() > 0
    assert cube["n"].sum() == len(points) - dropped


def test_space_time_cube_rejects_grid_in_other_crs(small_grid):
    points = _random_points(12).to_crs(3857)
    with pytest.raises(CRSError, match="to_crs"):
        space_time_cube(points, grid=small_grid)


def test_space_time_cube_rejects_non_dates():
    points = _random_points(12)
    points["month"] = points["month"].dt.strftime("%Y-%m")
    with pytest.raises(ValueError, match=r"pd\.to_datetime"):
        space_time_cube(points, cell_size=100)
