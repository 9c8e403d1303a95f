"""The work of one tile: Gi* z-scores or kernel densities of its core cells.

Module-level functions of plain arrays, so Dask can ship them to workers. The
statistics are the package's own: :func:`hotspots.find._gistar.gistar_arrays`,
:func:`hotspots.find._weights.spatial_weights` and
:func:`hotspots.find._kde_arrays.kde_arrays`.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from hotspots.national._tiles import GridSpec, Tile

__all__ = ["gistar_tile", "kde_tile", "tile_cells_frame"]


def tile_cells_frame(
    spec: GridSpec,
    r0: int,
    r1: int,
    c0: int,
    c1: int,
    crs=None,
    *,
    polygons: bool = True,
):
    """Return the cells of rows ``r0:r1``, columns ``c0:c1`` as ``make_grid`` has them.

    Same ``row``/``col`` numbers, polygons (so the same centroids) and
    ``attrs["hotspots"]`` (shape, cell size, origin) as the untiled grid's cells.
    ``polygons=False`` returns a plain DataFrame of the numbers, which is all
    contiguity weights need (building polygons costs more than the tile's maths).
    """
    import pandas as pd

    rows, cols = np.meshgrid(np.arange(r0, r1), np.arange(c0, c1), indexing="ij")
    row, col = rows.ravel(), cols.ravel()
    columns = {"cell_id": row * spec.ncol + col, "row": row, "col": col}
    if polygons:
        import geopandas as gpd
        import shapely

        left, bottom = spec.x0 + col * spec.size, spec.y0 + row * spec.size
        geometry = shapely.box(left, bottom, left + spec.size, bottom + spec.size)
        frame = gpd.GeoDataFrame(columns, geometry=geometry, crs=crs)
    else:
        frame = pd.DataFrame(columns)
    frame.attrs["hotspots"] = {
        "cell_size": spec.size,
        "shape": "square",
        "origin": (spec.x0, spec.y0),
    }
    return frame


def _rest_of_grid(
    values: np.ndarray, hist_values: np.ndarray, hist_counts: np.ndarray
) -> np.ndarray:
    """Return the values of every cell outside this tile's window, as a multiset.

    ``hist_values``/``hist_counts`` tally the values of all cells of the grid;
    taking this window's values away leaves the other cells' values (in another
    order). Appended to the window's values they give a vector with the grid's
    exact ``n``, mean and standard deviation, which is all Gi* needs from outside.
    """
    own_values, own_counts = np.unique(values, return_counts=True)
    where = np.searchsorted(hist_values, own_values)
    counts = hist_counts.copy()
    counts[where] -= own_counts
    return np.repeat(hist_values, counts)


def gistar_tile(
    tile: Tile,
    *,
    spec: GridSpec,
    halo_cells: int,
    neighbours: Any,
    cells: np.ndarray,
    values: np.ndarray,
    hist_values: np.ndarray,
    hist_counts: np.ndarray,
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Gi* z-scores of a tile's core cells.

    Parameters
    ----------
    tile : Tile
        The core block of cells.
    spec : GridSpec
        The whole grid.
    halo_cells : int
        Cells of halo around the core (the neighbourhood's reach in cells).
    neighbours : "queen", "rook" or float
        As :func:`hotspots.gistar`.
    cells, values : ndarray
        Numbers and values of the occupied (non-zero) cells in or near the window.
    hist_values, hist_counts : ndarray
        Every value in the grid and how many cells hold it (zeros included).

    Returns
    -------
    cell_id, z, off : ndarray
        The core cells' numbers, z-scores, and number of neighbours other than
        the cell itself (0 = an island).
    """
    import scipy.sparse as sp

    from hotspots.find._gistar import gistar_arrays
    from hotspots.find._weights import spatial_weights

    wr0, wr1 = max(0, tile.r0 - halo_cells), min(spec.nrow, tile.r1 + halo_cells)
    wc0, wc1 = max(0, tile.c0 - halo_cells), min(spec.ncol, tile.c1 + halo_cells)
    # contiguity comes from row/col numbers; a distance band needs the centroids
    polygons = not isinstance(neighbours, str)
    window = tile_cells_frame(spec, wr0, wr1, wc0, wc1, polygons=polygons)
    width = wc1 - wc0
    x = np.zeros(len(window))
    row, col = np.divmod(cells, spec.ncol)
    ok = (row >= wr0) & (row < wr1) & (col >= wc0) & (col < wc1)
    x[(row[ok] - wr0) * width + (col[ok] - wc0)] = values[ok]
    w = spatial_weights(window, neighbours)
    rows, cols = np.meshgrid(
        np.arange(tile.r0, tile.r1), np.arange(tile.c0, tile.c1), indexing="ij"
    )
    core = ((rows - wr0) * width + (cols - wc0)).ravel()
    w_core = w[core]
    padded = sp.csr_matrix(
        (w_core.data, w_core.indices, w_core.indptr), shape=(len(core), spec.n)
    )
    full = np.concatenate([x, _rest_of_grid(x, hist_values, hist_counts)])
    z = gistar_arrays(full, padded)
    off = np.diff(w_core.indptr) - 1
    return (rows * spec.ncol + cols).ravel(), z, off


def kde_tile(
    tile: Tile,
    *,
    spec: GridSpec,
    px: np.ndarray,
    py: np.ndarray,
    weights: np.ndarray | None,
    bandwidth: float,
    kernel: str,
) -> tuple[np.ndarray, np.ndarray]:
    """Kernel density (events per m²) at a tile's core cell centres, exact mode.

    ``px``, ``py`` (and ``weights``) are the events within the kernel's support of
    the core (the halo); events farther away contribute exactly zero (quartic) or
    are cut off as in untiled exact mode (Gaussian, 8 bandwidths).
    """
    from hotspots.find._kde_arrays import kde_arrays

    rows, cols = np.meshgrid(
        np.arange(tile.r0, tile.r1), np.arange(tile.c0, tile.c1), indexing="ij"
    )
    cell_id = (rows * spec.ncol + cols).ravel()
    cx, cy = spec.centres(rows.ravel(), cols.ravel())
    if len(px) == 0:
        return cell_id, np.zeros(len(cell_id))
    density = kde_arrays(
        px,
        py,
        cx,
        cy,
        bandwidth=bandwidth,
        kernel=kernel,  # type: ignore[arg-type]
        weights=weights,
        method="exact",
    )
    return cell_id, density
