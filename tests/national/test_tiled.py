"""Tiles with halos: the tiled Gi* and KDE equal the untiled ones (SYNTHETIC points)."""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import pytest

from hotspots.find import gistar, kde, make_grid
from hotspots.national import tiled
from hotspots.national._tiles import grid_spec

#: Tile sides (metres, 100 m cells): one cell (smaller than any halo), tiles smaller
#: than a 350 m band's halo, tiles that cut the clusters, and one tile for everything.
TILE_SIZES = (100, 200, 300, 1000, 10_000)


@pytest.fixture(scope="module")
def planted() -> gpd.GeoDataFrame:
    """SYNTHETIC: background, clusters across 1000 m tile edges, points on edges."""
    rng = np.random.default_rng(22)
    xy = np.vstack(
        [
            rng.uniform(0, 4000, (1500, 2)),
            rng.normal((2000, 2000), 80, (300, 2)),  # on the corner of four tiles
            rng.normal((1000, 2500), 50, (200, 2)),  # across a vertical tile edge
            rng.normal((3200, 3000), 60, (150, 2)),  # across a horizontal tile edge
            np.tile([[1000.0, 1000.0]], (5, 1)),  # exactly on a tile corner
            np.tile([[2000.0, 3300.0]], (7, 1)),  # exactly on a tile edge
            np.tile([[4000.0, 4000.0]], (3, 1)),  # on the grid's outer corner
        ]
    )
    weight = rng.uniform(0, 3, len(xy))
    return gpd.GeoDataFrame(
        {"harm": weight}, geometry=gpd.points_from_xy(*xy.T), crs=27700
    )


def test_grid_spec_is_the_grid_make_grid_builds(planted):
    xy = np.column_stack([planted.geometry.x, planted.geometry.y])
    spec = grid_spec(xy[:, 0], xy[:, 1], 100)
    grid = make_grid(planted, cell_size=100)
    assert (spec.nrow * spec.ncol, (spec.x0, spec.y0)) == (
        len(grid),
        grid.attrs["hotspots"]["origin"],
    )
    assert (spec.assign(xy[:, 0], xy[:, 1]) >= 0).all()


@pytest.mark.parametrize("neighbours", ["queen", "rook", 350.0])
@pytest.mark.parametrize("tile_size", TILE_SIZES)
def test_tiled_gistar_equals_untiled(planted, neighbours, tile_size):
    whole = gistar(planted, cell_size=100, neighbours=neighbours, progress=False)
    tiles = tiled(
        "gistar",
        planted,
        cell_size=100,
        tile_size=tile_size,
        neighbours=neighbours,
        progress=False,
    )
    assert tiles["cell_id"].tolist() == whole["cell_id"].tolist()
    assert tiles.geometry.equals(whole.geometry)
    assert (tiles["n"].to_numpy() == whole["n"].to_numpy()).all()
    for column in ("gi_z", "p_value", "p_fdr"):
        np.testing.assert_allclose(tiles[column], whole[column], rtol=0, atol=1e-12)
    assert (tiles["gi_bin"].to_numpy() == whole["gi_bin"].to_numpy()).all()
    assert tiles["hotspot_class"].astype(str).equals(whole["hotspot_class"].astype(str))
    assert (whole["gi_bin"] == 3).sum() > 10  # the planted clusters are found
    assert tiles.attrs["hotspots"]["path"] == "in-process"


@pytest.mark.parametrize("fdr", [True, False])
def test_tiled_gistar_with_weights_equals_untiled(planted, fdr):
    whole = gistar(planted, cell_size=100, weights="harm", fdr=fdr, progress=False)
    tiles = tiled(
        "gistar",
        planted,
        cell_size=100,
        tile_size=300,
        weights="harm",
        fdr=fdr,
        progress=False,
    )
    np.testing.assert_allclose(tiles["weighted_n"], whole["weighted_n"], rtol=1e-15)
    for column in ("gi_z", "p_value", "p_fdr"):
        np.testing.assert_allclose(tiles[column], whole[column], rtol=0, atol=1e-12)
    assert tiles["hotspot_class"].astype(str).equals(whole["hotspot_class"].astype(str))


@pytest.mark.parametrize("kernel", ["quartic", "gaussian"])
@pytest.mark.parametrize("tile_size", [100, 300, 1000, 10_000])
def test_tiled_kde_equals_untiled_exact(planted, kernel, tile_size):
    whole = kde(planted, cell_size=100, bandwidth=300, kernel=kernel, method="exact")
    tiles = tiled(
        "kde",
        planted,
        cell_size=100,
        tile_size=tile_size,
        bandwidth=300,
        kernel=kernel,
        weights=None,
        progress=False,
    )
    assert tiles["cell_id"].tolist() == whole["cell_id"].tolist()
    np.testing.assert_allclose(tiles["kde"], whole["kde"], rtol=1e-12, atol=0)
    assert tiles.attrs["hotspots"]["halo_m"] == (300 if kernel == "quartic" else 2400)


def test_tiled_kde_with_weights_equals_untiled(planted):
    whole = kde(planted, cell_size=100, bandwidth=250, weights="harm", method="exact")
    tiles = tiled(
        "kde",
        planted,
        cell_size=100,
        tile_size=700,
        bandwidth=250,
        weights="harm",
        progress=False,
    )
    np.testing.assert_allclose(tiles["kde"], whole["kde"], rtol=1e-12, atol=0)


def test_tiled_refuses_a_halo_narrower_than_the_neighbourhood(planted):
    with pytest.raises(ValueError, match="narrower than the Gi"):
        tiled(
            "gistar", planted, cell_size=100, neighbours=350.0, halo=200, progress=False
        )
    with pytest.raises(ValueError, match="narrower than the kernel"):
        tiled("kde", planted, cell_size=100, bandwidth=300, halo=250, progress=False)


def test_tiled_refuses_unknown_statistics_and_settings(planted):
    with pytest.raises(ValueError, match="func must be"):
        tiled("lisa", planted, cell_size=100, progress=False)  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="permutations"):
        tiled("gistar", planted, cell_size=100, permutations=99, progress=False)


def test_tiled_gistar_band_shorter_than_cells_is_refused_like_untiled(planted):
    with pytest.raises(ValueError, match="no cell"):
        gistar(planted, cell_size=100, neighbours=50.0, progress=False)
    with pytest.raises(ValueError, match="no cell"):
        tiled("gistar", planted, cell_size=100, neighbours=50.0, progress=False)


def test_tiled_kde_warns_of_a_bandwidth_below_the_cell_size_like_untiled(planted):
    from hotspots.exceptions import HotspotsWarning

    with pytest.warns(HotspotsWarning, match="smaller than the cell size"):
        whole = kde(planted, cell_size=100, bandwidth=60, method="exact")
    with pytest.warns(HotspotsWarning, match="smaller than the cell size"):
        tiles = tiled("kde", planted, cell_size=100, bandwidth=60, progress=False)
    np.testing.assert_allclose(tiles["kde"], whole["kde"], rtol=1e-12, atol=0)
