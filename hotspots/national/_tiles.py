"""The global grid, its square tiles, and what each tile needs from beyond its edge.

A grid too large for one piece of work is cut into square tiles of whole cells. Each
tile is computed on its own (core) cells plus a halo: the cells, or the points,
within reach of the statistic's neighbourhood. Only the core cells are kept, so every
cell is computed exactly once and sees everything it would see untiled.
:doc:`/docs/methods/scale` explains why the tiled result equals the untiled one.
"""

from __future__ import annotations

import math
import warnings
from dataclasses import dataclass

import numpy as np

from hotspots.exceptions import HotspotsWarning
from hotspots.find._cell_size import resolve_cell_size, stray_points

__all__ = ["GridSpec", "Tile", "grid_spec", "spread", "tiles"]


@dataclass(frozen=True)
class GridSpec:
    """A square grid as :func:`hotspots.make_grid` makes it over points.

    Attributes
    ----------
    x0, y0 : float
        Origin (south-west corner) in metres, a multiple of the cell size.
    size : float
        Cell side in metres.
    nrow, ncol : int
        Rows (south to north) and columns (west to east); cell ``row * ncol + col``.
    auto, rule
        Whether the cell size was chosen automatically, and by which rule.
    """

    x0: float
    y0: float
    size: float
    nrow: int
    ncol: int
    auto: bool = False
    rule: str | None = None

    @property
    def n(self) -> int:
        """Number of cells."""
        return self.nrow * self.ncol

    def centres(
        self, row: np.ndarray, col: np.ndarray
    ) -> tuple[np.ndarray, np.ndarray]:
        """Return cell centres in metres, computed as ``cell_centres`` does."""
        row, col = np.asarray(row, dtype=float), np.asarray(col, dtype=float)
        return self.x0 + (col + 0.5) * self.size, self.y0 + (row + 0.5) * self.size

    def assign(self, x: np.ndarray, y: np.ndarray) -> np.ndarray:
        """Cell number of each point, -1 outside; the edge rule of ``assign_cells``."""
        row = np.floor((y - self.y0) / self.size)
        col = np.floor((x - self.x0) / self.size)

        def inside(r, c):
            return (r >= 0) & (r < self.nrow) & (c >= 0) & (c < self.ncol)

        out = np.where(inside(row, col), row * self.ncol + col, -1.0)
        west = np.isclose((x - self.x0) / self.size, col)
        south = np.isclose((y - self.y0) / self.size, row)
        for dr, dc, on in ((0, -1, west), (-1, 0, south), (-1, -1, west & south)):
            retry = (out < 0) & on & inside(row + dr, col + dc)
            out[retry] = ((row + dr) * self.ncol + (col + dc))[retry]
        return out.astype(np.int64)


def grid_spec(x: np.ndarray, y: np.ndarray, cell_size) -> GridSpec:
    """Return the grid :func:`hotspots.make_grid` would put over these points.

    Same origin, cell size (automatic ones logged), rows and columns, and the same
    treatment of strays (left out of the extent, with a warning), without building
    the cells' polygons.

    Raises
    ------
    ValueError
        If there are no points.
    """
    if len(x) == 0:
        raise ValueError("points is empty: there is nothing to put a grid over.")
    strays = stray_points(x, y)
    if strays.any():
        keep = ~strays
        bounds = (x[keep].min(), y[keep].min(), x[keep].max(), y[keep].max())
        warnings.warn(
            f"{int(strays.sum())} of {len(x):,} points lie far outside where the rest "
            "are; the grid covers the rest and leaves them out (as make_grid does).",
            HotspotsWarning,
            stacklevel=3,
        )
    else:
        bounds = (x.min(), y.min(), x.max(), y.max())
    size, auto, rule = resolve_cell_size(cell_size, bounds)
    minx, miny, maxx, maxy = bounds
    x0 = math.floor(minx / size) * size
    y0 = math.floor(miny / size) * size
    ncol = max(1, math.floor((maxx - x0) / size) + 1)
    nrow = max(1, math.floor((maxy - y0) / size) + 1)
    return GridSpec(x0, y0, size, nrow, ncol, auto, rule)


@dataclass(frozen=True)
class Tile:
    """A block of whole cells: core rows ``r0:r1``, columns ``c0:c1``, tile (ty, tx)."""

    ty: int
    tx: int
    r0: int
    r1: int
    c0: int
    c1: int


def tiles(spec: GridSpec, tile_cells: int) -> list[Tile]:
    """Cut the grid into square tiles of ``tile_cells`` a side (fewer at edges)."""
    out = []
    for ty, r0 in enumerate(range(0, spec.nrow, tile_cells)):
        for tx, c0 in enumerate(range(0, spec.ncol, tile_cells)):
            r1, c1 = min(spec.nrow, r0 + tile_cells), min(spec.ncol, c0 + tile_cells)
            out.append(Tile(ty, tx, r0, r1, c0, c1))
    return out


def spread(
    u: np.ndarray, v: np.ndarray, step: float, reach: float, n_u: int, n_v: int
) -> tuple[np.ndarray, np.ndarray]:
    """Pair each item with every tile whose core, grown by ``reach``, holds it.

    Parameters
    ----------
    u, v : ndarray
        Item positions along columns and rows, in the tiles' units (cells or metres
        from the origin); tile ``t`` covers ``[t * step, (t + 1) * step)``.
    step : float
        Tile side, in the same units.
    reach : float
        The halo: how far beyond its core a tile must see.
    n_u, n_v : int
        Number of tiles along columns and rows.

    Returns
    -------
    tile, item : ndarray of int64
        Tile number (``ty * n_u + tx``) and item index of each pair, sorted by tile.
        An item within ``reach`` of a core (edges included) is in that tile's list.
    """
    lo_u = np.clip(np.ceil((u - reach) / step - 1), 0, n_u - 1).astype(np.int64)
    hi_u = np.clip(np.floor((u + reach) / step), 0, n_u - 1).astype(np.int64)
    lo_v = np.clip(np.ceil((v - reach) / step - 1), 0, n_v - 1).astype(np.int64)
    hi_v = np.clip(np.floor((v + reach) / step), 0, n_v - 1).astype(np.int64)
    wu, wv = hi_u - lo_u + 1, hi_v - lo_v + 1
    reps = wu * wv
    item = np.repeat(np.arange(len(u), dtype=np.int64), reps)
    # position of each pair within its item's block of wu x wv tiles
    k = np.arange(len(item), dtype=np.int64) - np.repeat(np.cumsum(reps) - reps, reps)
    wu_i = wu[item]
    tx = lo_u[item] + k % wu_i
    ty = lo_v[item] + k // wu_i
    tile = ty * n_u + tx
    order = np.argsort(tile, kind="stable")
    return tile[order], item[order]
