import logging

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
import shapely
from scipy import sparse

from hotspots.exceptions import CRSError, HotspotsWarning
from hotspots.find._gistar import gistar
from hotspots.find._grid import count_points, make_grid
from hotspots.find._incremental import (
    _peaks,
    auto_distance_bands,
    choose_distance,
    incremental_autocorrelation,
    locational_outliers,
    moran_row_standardised,
)
from hotspots.find._lisa import lisa_weights
from hotspots.find._optimized import optimized_hotspots


def _box(side):
    return gpd.GeoSeries([shapely.box(0, 0, side, side)], crs=27700)


def _blobs(sd, side, n_blobs, per_blob, background, seed):
    """Uniform background plus Gaussian blobs of standard deviation ``sd`` metres."""
    rng = np.random.default_rng(seed)
    parts = [rng.uniform(0, side, (background, 2))]
    for centre in rng.uniform(0.2 * side, 0.8 * side, (n_blobs, 2)):
        parts.append(rng.normal(centre, sd, (per_blob, 2)))
    xy = np.vstack(parts)
    xy = xy[(xy >= 0).all(axis=1) & (xy < side).all(axis=1)]
    return gpd.GeoDataFrame(geometry=gpd.points_from_xy(*xy.T), crs=27700)


def _gradient_points(seed=0):
    """Density rising steadily from west to east: clustering grows with distance."""
    rng = np.random.default_rng(seed)
    x = 4000 * np.sqrt(rng.uniform(0, 1, 6000))
    return gpd.GeoDataFrame(
        geometry=gpd.points_from_xy(x, rng.uniform(0, 4000, 6000)), crs=27700
    )


# ------------------------------------------------------------ Moran's I by hand
def test_moran_row_standardised_matches_hand_computation_and_esda():
    from esda.moran import Moran
    from libpysal.graph import Graph

    # 3 x 3 grid, rook neighbours, values row by row
    values = np.array([1.0, 2.0, 6.0, 0.0, 4.0, 8.0, 1.0, 3.0, 9.0])
    n = 9
    a = np.zeros((n, n))
    for i in range(n):
        for j in range(n):
            ri, ci, rj, cj = i // 3, i % 3, j // 3, j % 3
            a[i, j] = abs(ri - rj) + abs(ci - cj) == 1
    w = a / a.sum(axis=1, keepdims=True)
    z = values - values.mean()
    s0 = w.sum()
    moran_i = (
        n
        / s0
        * sum(w[i, j] * z[i] * z[j] for i in range(n) for j in range(n))
        / (z @ z)
    )
    s1 = 0.5 * sum((w[i, j] + w[j, i]) ** 2 for i in range(n) for j in range(n))
    s2 = sum((w[i, :].sum() + w[:, i].sum()) ** 2 for i in range(n))
    b2 = n * (z**4).sum() / (z @ z) ** 2
    e_i = -1 / (n - 1)
    e_i2 = (
        n * ((n**2 - 3 * n + 3) * s1 - n * s2 + 3 * s0**2)
        - b2 * ((n**2 - n) * s1 - 2 * n * s2 + 6 * s0**2)
    ) / ((n - 1) * (n - 2) * (n - 3) * s0**2)
    var_i = e_i2 - e_i**2
    ours = moran_row_standardised(values, a)
    assert moran_i == pytest.approx(0.5104166666666667, abs=1e-12)  # by hand: 49/96
    assert ours["moran_i"] == pytest.approx(moran_i, abs=1e-12)
    assert ours["variance"] == pytest.approx(var_i, abs=1e-12)
    assert ours["z"] == pytest.approx((moran_i - e_i) / np.sqrt(var_i), abs=1e-10)
    esda = Moran(
        values,
        Graph.from_sparse(sparse.csr_matrix(a)),
        transformation="r",
        permutations=0,
    )
    assert pytest.approx(moran_i, abs=1e-12) == esda.I
    assert esda.VI_rand == pytest.approx(var_i, abs=1e-12)
    assert esda.z_rand == pytest.approx(ours["z"], abs=1e-10)
    assert esda.p_rand == pytest.approx(ours["p_value"], abs=1e-12)


def test_incremental_table_matches_esda_moran_at_each_band():
    from esda.moran import Moran
    from libpysal.graph import Graph

    pts = _blobs(200, 2000, 2, 200, 800, seed=5)
    cells = count_points(pts, cell_size=100, boundary=_box(2000))
    table = incremental_autocorrelation(cells, "n", progress=False)
    x = cells["n"].to_numpy(float)
    centres = cells.set_geometry(cells.centroid)
    assert len(table) == 10
    for row in table.itertuples():
        # weights built by libpysal from the cell centres, independently of ours
        graph = Graph.build_distance_band(centres, row.distance * (1 + 1e-9))
        esda = Moran(x, graph, transformation="r", permutations=0)
        assert row.n_cells == len(cells)
        assert row.moran_i == pytest.approx(esda.I, abs=1e-12)
        assert row.expected_i == pytest.approx(esda.EI, abs=1e-15)
        assert row.variance == pytest.approx(esda.VI_rand, rel=1e-10)
        assert row.z == pytest.approx(esda.z_rand, rel=1e-10)
        assert row.p_value == pytest.approx(esda.p_rand, rel=1e-9, abs=1e-300)


def test_incremental_leaves_out_cells_without_a_neighbour_in_a_band():
    cells = count_points(_blobs(250, 3000, 3, 300, 1500, seed=5), cell_size=100)
    cells = cells.loc[cells["n"] > 0].reset_index(drop=True)
    table = incremental_autocorrelation(cells, "n", [100.0], progress=False)
    w = lisa_weights(cells, 100.0)
    keep = np.diff(w.indptr) > 0
    assert table["n_cells"].iloc[0] == keep.sum() < len(cells)
    sub = moran_row_standardised(cells["n"].to_numpy(float)[keep], w[keep][:, keep])
    assert table["moran_i"].iloc[0] == pytest.approx(sub["moran_i"], abs=1e-14)


# ------------------------------------------------------------ bands and peaks
def test_auto_distance_bands_follow_esri_rule():
    grid = make_grid(_blobs(100, 3000, 1, 10, 100, seed=1), cell_size=100)
    bands, info = auto_distance_bands(grid)
    np.testing.assert_allclose(bands, np.arange(100, 1001, 100))
    assert info["band_start"] == 100 and info["band_increment"] == 100
    assert not info["capped"] and info["n_cell_outliers"] == 0
    # an isolated cell far away is a locational outlier and does not set the start
    far = make_grid(_blobs(100, 3000, 1, 10, 100, seed=1), cell_size=100)
    lone = far.iloc[[0]].copy()
    lone["geometry"] = lone.translate(xoff=9000)
    mixed = pd.concat([far.iloc[:400], lone], ignore_index=True)
    mixed.attrs = {}
    bands, info = auto_distance_bands(mixed)
    assert info["n_cell_outliers"] == 1 and info["band_start"] == 100
    # a small area: the bands stop short of its standard distance
    small = make_grid(_blobs(100, 1500, 1, 10, 100, seed=1), cell_size=100)
    bands, info = auto_distance_bands(small)
    assert info["capped"] and bands[-1] < info["standard_distance"]
    assert bands[0] == 100.0 and len(bands) == 10


def test_locational_outliers_rule():
    x = np.r_[np.arange(0, 3000, 100.0), 30_000.0]
    flagged = locational_outliers(x, np.zeros(31))
    assert flagged.nonzero()[0].tolist() == [30]
    # coincident points do not count as spacing; a constant spacing flags nothing
    assert not locational_outliers(np.r_[x[:-1], x[:-1]], np.zeros(60)).any()


@pytest.mark.parametrize(
    ("z", "peaks"),
    [
        ([1, 3, 5, 4, 6, 2], [2, 4]),
        ([1, 2, 2, 1], [2]),  # a plateau peaks at its end
        ([0.5, 1.0, 0.8, 3, 2], [3]),  # peaks must exceed z = 1.65
        ([5, 4, 3, 2], []),  # the first band is never a peak
        ([1, 2, 3, 4], []),  # nor the last
    ],
)
def test_peaks_follow_esri_rule(z, peaks):
    assert _peaks(np.array(z, dtype=float)) == peaks


def test_choose_distance_first_peak_else_maximum():
    table = pd.DataFrame({"distance": [100.0, 200, 300, 400], "z": [2, 4, 3, 5.0]})
    assert choose_distance(table) == (200.0, "first peak")
    rising = table.assign(z=[1, 2, 3, 2.5])
    assert choose_distance(rising) == (300.0, "first peak")
    monotone = table.assign(z=[1, 2, 3, 4.0])
    assert choose_distance(monotone) == (400.0, "maximum z")
    with pytest.raises(ValueError, match="no distance band"):
        choose_distance(table.assign(z=np.nan))


# ------------------------------------------------------------ the whole tool
@pytest.fixture(scope="module")
def planted_300m():
    pts = _blobs(300, 6000, 6, 600, 4000, seed=1)
    return pts, optimized_hotspots(
        pts, cell_size=100, boundary=_box(6000), progress=False
    )


def test_optimized_chosen_distance_tracks_planted_scale(planted_300m):
    # Moran's z over widening bands peaks at about 2-3 planted SDs for Gaussian
    # clusters; tolerance: the chosen band lies within 1.5-3.5 SDs of the planted
    # scale, for 300 m clusters on 100 m cells and 1 km clusters on 300 m cells.
    small = planted_300m[1].attrs["hotspots"]
    large_pts = _blobs(1000, 20000, 6, 3000, 4000, seed=1)
    large = optimized_hotspots(
        large_pts, cell_size=300, boundary=_box(20000), progress=False
    ).attrs["hotspots"]
    for meta, sd in ((small, 300), (large, 1000)):
        assert meta["distance_reason"] == "first peak"
        assert 1.5 * sd <= meta["distance"] <= 3.5 * sd
    assert large["distance"] >= 2 * small["distance"]


def test_optimized_classes_equal_gistar_at_chosen_distance(planted_300m):
    pts, out = planted_300m
    meta = out.attrs["hotspots"]
    cells = count_points(pts, cell_size=100, boundary=_box(6000))
    direct = gistar(cells, value="n", neighbours=meta["distance"], progress=False)
    assert (out["hotspot_class"] == direct["hotspot_class"]).all()
    np.testing.assert_array_equal(out["gi_z"], direct["gi_z"])
    assert meta["neighbours"] == meta["distance"] and meta["fdr"]
    assert (out["gi_bin"] == 3).sum() > 50


def test_optimized_records_every_choice(planted_300m, caplog):
    meta = planted_300m[1].attrs["hotspots"]
    for key in (
        "cell_size", "n_points", "n_point_outliers", "cells_analysed", "n_cells",
        "band_start", "band_increment", "n_cell_outliers", "distances", "moran_i",
        "moran_z", "distance", "distance_reason", "incremental",
    ):  # fmt: skip
        assert key in meta, key
    assert meta["cells_analysed"] == "every cell in the boundary"
    assert len(meta["distances"]) == len(meta["moran_z"]) == 10
    assert meta["distance"] in meta["distances"]
    table = pd.DataFrame(meta["incremental"])
    assert table.loc[table["peak"], "distance"].iloc[0] == meta["distance"]
    pts = _blobs(250, 3000, 3, 300, 1500, seed=5)
    with caplog.at_level(logging.INFO, logger="hotspots"):
        out = optimized_hotspots(pts, progress=False)
    assert "Cell size set automatically to 150 m" in caplog.text
    assert "locational outliers" in caplog.text
    assert "Distance band set automatically to" in caplog.text
    assert out.attrs["hotspots"]["cell_size_auto"]
    assert out.attrs["hotspots"]["cells_analysed"].startswith("cells holding")
    assert (out["n"] > 0).all()


def test_optimized_without_a_peak_chooses_the_maximum_and_says_so(caplog):
    with caplog.at_level(logging.INFO, logger="hotspots"):
        out = optimized_hotspots(
            _gradient_points(), cell_size=200, boundary=_box(4000), progress=False
        )
    meta = out.attrs["hotspots"]
    assert meta["distance_reason"] == "maximum z"
    assert meta["distance"] == meta["distances"][-1]
    assert np.all(np.diff(meta["moran_z"]) > 0)
    assert "no peak, so the largest Moran's I z-score" in caplog.text


def test_optimized_uses_the_distances_given():
    pts = _blobs(300, 6000, 6, 600, 4000, seed=1)
    out = optimized_hotspots(
        pts,
        cell_size=100,
        boundary=_box(6000),
        distances=[400, 1000, 800],
        progress=False,
    )
    meta = out.attrs["hotspots"]
    assert meta["distances"] == [400.0, 800.0, 1000.0]
    assert meta["distance"] == 800.0 and meta["distance_reason"] == "first peak"
    assert not meta["distances_auto"]


def test_optimized_errors():
    pts = _blobs(300, 6000, 1, 50, 50, seed=1)
    with pytest.raises(ValueError, match="at least 60 points"):
        optimized_hotspots(pts.iloc[:59], progress=False)
    with pytest.raises(CRSError, match="to_crs"):
        optimized_hotspots(pts.to_crs(4326), progress=False)
    with pytest.raises(ValueError, match="only 1 cells"):
        optimized_hotspots(pts, cell_size=50_000, progress=False)
    grid = make_grid(pts, cell_size=500)
    one_each = gpd.GeoDataFrame(geometry=grid.centroid, crs=27700)
    with pytest.raises(ValueError, match="same 'n'"):
        optimized_hotspots(one_each, cell_size=500, progress=False)
    with pytest.raises(ValueError, match="Point geometries"):
        optimized_hotspots(grid, progress=False)
    with pytest.raises(ValueError, match="positive numbers of metres"):
        optimized_hotspots(pts, distances=[-1, 100], progress=False)


def test_incremental_warns_when_isolated_cells_push_the_first_band_out():
    # 400 cells 100 m apart and 55 cells 5 km apart (12%: too many to be
    # locational outliers), so the first band must reach 5 km.
    block = [shapely.box(c * 100, r * 100, c * 100 + 100, r * 100 + 100)
             for r in range(20) for c in range(20)]  # fmt: skip
    lone = [
        shapely.box(10_000 + k * 5000, 0, 10_100 + k * 5000, 100) for k in range(55)
    ]
    cells = gpd.GeoDataFrame(geometry=block + lone, crs=27700)
    cells["n"] = np.random.default_rng(1).poisson(3, len(cells))
    with pytest.warns(HotspotsWarning, match=r"first distance band \(5,000 m\)"):
        table = incremental_autocorrelation(cells, "n", progress=False)
    assert table.attrs["hotspots"]["n_cell_outliers"] == 0
    assert table["distance"].iloc[0] == 5000.0
