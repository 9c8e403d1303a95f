import logging
import warnings

import geopandas as gpd
import numpy as np
import pytest
import shapely
from geopandas.testing import assert_geodataframe_equal

from hotspots.exceptions import CRSError, HotspotsWarning
from hotspots.find._grid import count_points, make_grid
from hotspots.find._lisa import lisa_weights
from hotspots.find._local_moran import (
    CLUSTER_CLASSES,
    CLUSTER_NOT_TESTABLE,
    local_moran,
)
from hotspots.find._weights import spatial_weights

SIDE = 15  # cells per side of the planted grids


def _grid(side=SIDE, cell=100.0, shape="square"):
    far = side * cell - 1.0
    corners = gpd.GeoDataFrame(
        geometry=[shapely.Point(0, 0), shapely.Point(far, far)], crs=27700
    )
    return make_grid(corners, cell_size=cell, shape=shape)


def _clustered_cells(shape="square", seed=3):
    """Cells with Poisson counts around two bumps; mean not equal to any count."""
    cells = _grid(20, shape=shape)
    rng = np.random.default_rng(seed)
    row, col = cells["row"].to_numpy(), cells["col"].to_numpy()
    bump = 6 * np.exp(-((row - 5) ** 2 + (col - 6) ** 2) / 8.0)
    bump += 4 * np.exp(-((row - 14) ** 2 + (col - 13) ** 2) / 12.0)
    cells["n"] = rng.poisson(1.5 + bump)
    z = cells["n"] - cells["n"].mean()
    assert (np.abs(z) > 1e-6).all()  # no cell exactly at the mean (p overridden)
    return cells


def _esda(cells, neighbours, seed, keep=False):
    from esda.moran import Moran_Local
    from libpysal.graph import Graph

    graph = Graph.from_sparse(lisa_weights(cells, neighbours))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)
        return Moran_Local(
            cells["n"].to_numpy(float),
            graph,
            transformation="r",
            permutations=999,
            seed=seed,
            keep_simulations=keep,
        )


@pytest.mark.parametrize(
    ("shape", "neighbours"),
    [("square", "queen"), ("square", "rook"), ("hex", "queen"), ("square", 250.0)],
    ids=["queen", "rook", "hex", "distance-250m"],
)
def test_local_moran_matches_esda(shape, neighbours):
    cells = _clustered_cells(shape)
    out = local_moran(
        cells, value="n", neighbours=neighbours, rng=7, fdr=False, progress=False
    )
    lisa = _esda(cells, neighbours, seed=7)
    np.testing.assert_array_equal(out["moran_i"], lisa.Is)
    np.testing.assert_array_equal(out["quadrant"], lisa.q)
    np.testing.assert_array_equal(out["p_sim"], lisa.p_sim)
    # esda's default (simulations kept) gives the same p up to rounding
    np.testing.assert_allclose(
        out["p_sim"], _esda(cells, neighbours, 7, keep=True).p_sim, atol=1e-7
    )


def test_lisa_weights_match_libpysal_contiguity():
    from libpysal.graph import Graph

    cells = _grid(6)
    plain = cells[["geometry"]].reset_index(drop=True)
    for rook in (False, True):
        ours = lisa_weights(cells, "rook" if rook else "queen").toarray()
        theirs = Graph.build_contiguity(plain, rook=rook).sparse.toarray()
        assert (ours == (theirs > 0)).all()
    assert (lisa_weights(cells, "queen").diagonal() == 0).all()
    assert (spatial_weights(cells, "queen").diagonal() == 1).all()


def test_local_moran_classes_match_esda_labels_at_half_alpha():
    # esda labels p_sim < 0.05 (one-sided, directed); ours p_sim_two_sided < 0.1.
    cells = _clustered_cells()
    out = local_moran(cells, value="n", rng=11, fdr=False, alpha=0.1, progress=False)
    labels = _esda(cells, "queen", seed=11).get_cluster_labels(crit_value=0.05)
    names = {
        "High-High": "High-High cluster",
        "Low-Low": "Low-Low cluster",
        "High-Low": "High-Low outlier",
        "Low-High": "Low-High outlier",
        "Insignificant": "Not significant",
    }
    assert list(out["cluster"].astype(str)) == [names[v] for v in labels]
    assert (out["cluster"] != "Not significant").sum() > 10


def test_local_moran_z_agrees_with_esda_z_sim():
    from esda.moran import Moran_Local
    from libpysal.graph import Graph

    cells = _clustered_cells()
    out = local_moran(cells, value="n", rng=1, fdr=False, progress=False)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)
        lisa = Moran_Local(
            cells["n"].to_numpy(float),
            Graph.from_sparse(lisa_weights(cells, "queen")),
            permutations=9999,
            seed=2,
        )
    diff = np.abs(out["moran_z"] - lisa.z_sim)
    # Monte Carlo SD of z_sim with 9,999 draws is ~0.01-0.03 per cell.
    assert np.median(diff) < 0.03
    assert diff.max() < 0.25
    assert np.corrcoef(out["moran_z"], lisa.z_sim)[0, 1] > 0.999


def _planted_cells():
    """Low background; a high outlier, a low outlier and a high cluster planted."""
    cells = _grid()
    rng = np.random.default_rng(4)
    values = rng.integers(2, 5, size=(SIDE, SIDE)).astype(float)
    values[2:5, 2:5] = 0.0
    values[3, 3] = 40.0  # one high cell among low ones: High-Low outlier
    values[10:13, 2:5] = 14.0
    values[11, 3] = 0.0  # one low cell among high ones: Low-High outlier
    values[9:14, 9:14] = 16.0  # a block of high cells: High-High cluster
    cells["n"] = values[cells["row"], cells["col"]]
    return cells


def _class_at(out, row, col):
    hit = out[(out["row"] == row) & (out["col"] == col)].iloc[0]
    return hit["cluster"], hit["quadrant"]


def test_local_moran_finds_planted_outliers_and_cluster():
    out = local_moran(
        _planted_cells(), value="n", permutations=9999, rng=5, progress=False
    )
    assert _class_at(out, 3, 3) == ("High-Low outlier", 4)
    assert _class_at(out, 11, 3) == ("Low-High outlier", 2)
    assert _class_at(out, 11, 11) == ("High-High cluster", 1)
    centre_block = out[out["row"].between(10, 12) & out["col"].between(10, 12)]
    assert (centre_block["cluster"] == "High-High cluster").all()
    assert out.attrs["hotspots"]["class_counts"]["High-Low outlier"] >= 1


def test_local_moran_fdr_reduces_classes_on_a_null_pattern():
    cells = _grid(30)
    cells["n"] = np.random.default_rng(8).poisson(4.0, len(cells))
    raw = local_moran(cells, value="n", rng=3, fdr=False, progress=False)
    controlled = local_moran(cells, value="n", rng=3, fdr=True, progress=False)
    n_raw = (raw["cluster"] != "Not significant").sum()
    n_fdr = (controlled["cluster"] != "Not significant").sum()
    assert 10 <= n_raw <= 90  # about 5% of 900 cells by chance
    assert n_fdr < n_raw
    assert n_fdr <= 2


def test_local_moran_points_and_polygons_agree():
    rng = np.random.default_rng(2)
    xy = np.vstack([rng.uniform(0, 3000, (1500, 2)), rng.normal(1500, 300, (500, 2))])
    pts = gpd.GeoDataFrame(geometry=gpd.points_from_xy(*xy.T), crs=27700)
    from_points = local_moran(pts, cell_size=200, rng=9, progress=False)
    cells = count_points(pts, cell_size=200)
    from_cells = local_moran(cells, value="n", rng=9, progress=False)
    assert_geodataframe_equal(from_points, from_cells)
    assert from_points.attrs == from_cells.attrs
    assert (from_points["cluster"] == "High-High cluster").any()


def test_local_moran_columns_classes_and_attrs(caplog):
    with caplog.at_level(logging.INFO, logger="hotspots"):
        out = local_moran(_clustered_cells(), value="n", rng=4, progress=False)
    assert list(out.columns) == [
        "cell_id", "row", "col", "geometry", "n", "moran_i", "moran_z", "p_sim",
        "p_sim_two_sided", "p_fdr", "quadrant", "cluster",
    ]  # fmt: skip
    assert list(out["cluster"].cat.categories) == [
        "High-High cluster",
        "High-Low outlier",
        "Low-High outlier",
        "Low-Low cluster",
        "Not significant",
        CLUSTER_NOT_TESTABLE,
    ]
    assert list(CLUSTER_CLASSES) == [1, 4, 2, 3, 0]
    meta = out.attrs["hotspots"]
    assert meta["seed"] == 4 and meta["permutations"] == 999 and meta["fdr"]
    assert sum(meta["class_counts"].values()) == len(out)
    assert (out["p_sim_two_sided"] == np.minimum(1, 2 * out["p_sim"])).all()
    assert "Local Moran's I on 400 cells" in caplog.text


def test_local_moran_leaves_numpy_global_state_alone():
    cells = _clustered_cells()
    before = np.random.get_state()[1].copy()  # noqa: NPY002 - checking esda's seeding
    local_moran(cells, value="n", rng=1, progress=False)
    assert (np.random.get_state()[1] == before).all()  # noqa: NPY002
    gen = local_moran(cells, value="n", rng=np.random.default_rng(5), progress=False)
    again = local_moran(cells, value="n", rng=np.random.default_rng(5), progress=False)
    assert gen.attrs["hotspots"]["seed"] == again.attrs["hotspots"]["seed"]
    assert (gen["p_sim"] == again["p_sim"]).all()


def test_local_moran_value_at_the_mean_is_not_significant():
    cells = _planted_cells()
    others = cells["n"].sum() - cells.loc[0, "n"]
    cells.loc[0, "n"] = others / (len(cells) - 1)  # exactly the mean of all cells
    out = local_moran(cells, value="n", rng=1, fdr=False, progress=False)
    assert out.loc[0, "p_sim"] == 1.0
    assert out.loc[0, "cluster"] == "Not significant"


def test_local_moran_warns_when_permutations_are_too_few_for_fdr():
    cells = _planted_cells()
    with pytest.warns(HotspotsWarning, match="too coarse for FDR"):
        local_moran(cells, value="n", permutations=19, rng=1, progress=False)
    with pytest.warns(HotspotsWarning, match=r"permutations=\d+ or more, or fdr=False"):
        out = local_moran(cells, value="n", permutations=99, rng=1, progress=False)
    assert (out["cluster"] == "Not significant").all()
    small = _grid(5)
    small["n"] = np.arange(25) % 7
    with pytest.warns(HotspotsWarning, match="only 25 cells"):
        local_moran(small, value="n", rng=1, fdr=False, progress=False)


def test_local_moran_islands_are_not_testable():
    cells = _clustered_cells()
    ring = [0, 1, 2, 20, 22, 40, 41, 42]  # the 8 neighbours of cell 21 (row 1, col 1)
    lonely = cells[~cells["cell_id"].isin(ring)].reset_index(drop=True)
    with pytest.warns(HotspotsWarning, match="1 of 392 cells have no neighbour"):
        out = local_moran(lonely, value="n", rng=1, progress=False)
    island = out[out["cell_id"] == 21].iloc[0]
    assert island["cluster"] == CLUSTER_NOT_TESTABLE
    assert island["quadrant"] == 0 and np.isnan(island["p_sim"])
    assert out.attrs["hotspots"]["n_islands"] == 1


def test_local_moran_errors():
    cells = _clustered_cells()
    with pytest.raises(ValueError, match="value="):
        local_moran(cells, progress=False)
    with pytest.raises(ValueError, match="same 'n'"):
        local_moran(cells.assign(n=3), value="n", progress=False)
    with pytest.raises(ValueError, match="at least 5 cells"):
        local_moran(cells.iloc[:4], value="n", progress=False)
    with pytest.raises(ValueError, match="fill empty cells with 0"):
        local_moran(cells.assign(n=np.nan), value="n", progress=False)
    with pytest.raises(ValueError, match="permutations must be >= 1"):
        local_moran(cells, value="n", permutations=0, progress=False)
    with pytest.raises(ValueError, match="alpha"):
        local_moran(cells, value="n", alpha=5, progress=False)
    with pytest.raises(ValueError, match="no cell can be tested"):
        local_moran(cells, value="n", neighbours=50.0, progress=False)
    degrees = gpd.GeoDataFrame(geometry=[shapely.Point(-1.13, 52.63)] * 40, crs=4326)
    with pytest.raises(CRSError, match="to_crs"):
        local_moran(degrees, cell_size=100, progress=False)
    with pytest.raises(CRSError, match="to_crs"):
        local_moran(cells.to_crs(4326), value="n", progress=False)
