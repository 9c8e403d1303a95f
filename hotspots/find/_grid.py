"""Square and hexagonal grids over points or a boundary, and counts per cell.

Modelled on sfhotspot's ``hotspot_count()`` and ``set_cell_size()`` (Ashby, R package
sfhotspot), in metres, with the automatic cell size reported to the user.
"""

from __future__ import annotations

import logging
import math
import warnings
from typing import Literal

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from hotspots._validate import EDGE_NUDGE_M, check_projected, check_weights
from hotspots.exceptions import CRSError, HotspotsWarning
from hotspots.find._cell_size import (
    CELL_SIZE_RULES,
    PATROL_CELL_SIZE,
    auto_cell_size,
    resolve_cell_size,
    stray_points,
)
from hotspots.find._hex import hex_row_col, hex_row_height, hexagons

__all__ = [
    "CELL_SIZE_RULES",
    "PATROL_CELL_SIZE",
    "assign_cells",
    "auto_cell_size",
    "cell_centres",
    "count_points",
    "make_grid",
    "stray_points",
]

logger = logging.getLogger(__name__)

#: Refuse grids larger than this (memory): usually a sign of stray far-away points.
_MAX_CELLS = 5_000_000

Shape = Literal["square", "hex"]


def _boundary_geometry(boundary, crs):
    if boundary is None:
        return None
    if isinstance(boundary, str):
        from hotspots.io import force_area  # a force's name or slug: its area

        boundary = force_area(boundary)
    if isinstance(boundary, gpd.GeoDataFrame | gpd.GeoSeries):
        if boundary.crs is None or crs is None:
            raise CRSError(
                "boundary and points both need a CRS; set it with set_crs()."
            )
        return boundary.to_crs(crs).geometry.union_all()
    return boundary


def make_grid(
    points: gpd.GeoDataFrame | None = None,
    *,
    cell_size: float | None = None,
    shape: Shape = "square",
    boundary=None,
) -> gpd.GeoDataFrame:
    """Return a grid of square or hexagonal cells covering points or a boundary.

    Parameters
    ----------
    points : GeoDataFrame, optional
        Points in a projected CRS in metres; the grid covers their extent when no
        ``boundary`` is given.
    cell_size : float or {"patrol", "sfhotspot"}, optional
        Metres: the side of a square, or the distance between the flat sides of a
        hexagon (= the distance between neighbouring centres). None (or
        "patrol") chooses 150 m micro-places, "sfhotspot" sfhotspot's rule (see
        :func:`auto_cell_size`); the choice is logged and recorded.
    shape : {"square", "hex"}, default "square"
        Cell shape. Hexagons are pointy-topped, in rows offset by half a cell.
    boundary : GeoDataFrame, GeoSeries, shapely geometry or str, optional
        Study area. The grid covers its extent and cells that do not overlap it
        (including cells that only touch its edge) are dropped. A bare shapely
        geometry must be in the points' CRS; a string names a police force
        ("leicestershire", "Leicestershire Police") whose area is used. Without
        a boundary the grid covers the points, except strays far outside the rest
        (:func:`stray_points`), which are left out with a warning.

    Returns
    -------
    GeoDataFrame
        Columns ``cell_id`` (0..n-1), ``row``, ``col`` (integer cell coordinates;
        for hexagons, odd rows are shifted right by half a cell) and ``geometry``.
        ``attrs["hotspots"]`` records ``cell_size``, ``cell_size_auto``,
        ``cell_size_rule``, ``shape``, the grid ``origin`` and ``n_strays``.

    Raises
    ------
    CRSError
        If the CRS is missing or not in metres.

    Examples
    --------
    >>> import geopandas as gpd, shapely
    >>> pts = gpd.GeoDataFrame(geometry=[shapely.Point(0, 0), shapely.Point(950, 450)],
    ...                        crs=27700)
    >>> len(make_grid(pts, cell_size=100))
    50
    """
    if points is None and boundary is None:
        raise ValueError("make_grid needs points or a boundary to cover.")
    if isinstance(boundary, str):
        from hotspots.io import force_area  # a force's name or slug: its area

        boundary = force_area(boundary)
    crs = points.crs if points is not None else getattr(boundary, "crs", None)
    if points is not None:
        check_projected(points, "points")
    elif isinstance(boundary, gpd.GeoDataFrame | gpd.GeoSeries):
        check_projected(boundary, "boundary")
    if shape not in ("square", "hex"):
        raise ValueError(f"shape must be 'square' or 'hex'; got {shape!r}")
    area = _boundary_geometry(boundary, crs)
    n_strays = 0
    if area is not None:
        bounds = tuple(shapely.bounds(area))
    if area is None:
        if len(points) == 0:  # type: ignore[arg-type]
            raise ValueError("points is empty: there is nothing to put a grid over.")
        x = points.geometry.x.to_numpy()  # type: ignore[union-attr]
        y = points.geometry.y.to_numpy()  # type: ignore[union-attr]
        strays = stray_points(x, y)
        n_strays = int(strays.sum())
        if n_strays:
            keep = ~strays
            bounds = (x[keep].min(), y[keep].min(), x[keep].max(), y[keep].max())
            far = np.flatnonzero(strays)[:3]
            examples = ", ".join(f"({x[i]:.0f}, {y[i]:.0f})" for i in far)
            warnings.warn(
                f"{n_strays} of {len(x):,} points lie far outside where the rest are "
                f"(e.g. {examples}); the grid covers the rest and leaves them out. "
                "Pass boundary= (a polygon, or a force name such as "
                "boundary='leicestershire') to set the study area.",
                HotspotsWarning,
                stacklevel=3,
            )
        else:
            bounds = tuple(points.total_bounds)  # type: ignore[union-attr]
    size, auto, rule = resolve_cell_size(cell_size, bounds)
    minx, miny, maxx, maxy = bounds
    # Anchor the origin on multiples of the cell size, so grids of the same size align.
    x0 = math.floor(minx / size) * size
    y0 = math.floor(miny / size) * size
    if shape == "square":
        ncol = max(1, math.floor((maxx - x0) / size) + 1)
        nrow = max(1, math.floor((maxy - y0) / size) + 1)
        _check_size(nrow, ncol, size, bounds)
        row, col = np.divmod(np.arange(nrow * ncol), ncol)
        left, bottom = x0 + col * size, y0 + row * size
        geometry = shapely.box(left, bottom, left + size, bottom + size)
    else:
        height = hex_row_height(size)
        nrow = max(1, math.floor((maxy - y0) / height) + 2)
        ncol = max(1, math.floor((maxx - x0) / size) + 2)
        _check_size(nrow, ncol, size, bounds)
        row, col = np.divmod(np.arange(nrow * ncol), ncol)
        cx = x0 + size * (col + 0.5 * (row % 2))
        cy = y0 + row * height
        geometry = hexagons(cx, cy, size)
    grid = gpd.GeoDataFrame({"row": row, "col": col}, geometry=geometry, crs=crs)
    if area is not None:
        shapely.prepare(area)
        cells = grid.geometry.values
        # Keep cells that overlap the area, not ones that only touch its edge.
        grid = grid.loc[shapely.intersects(area, cells) & ~shapely.touches(area, cells)]
    elif shape == "hex":
        # Hexagon rows overhang the extent; keep only cells touching it.
        extent = shapely.box(*bounds)
        grid = grid.loc[shapely.intersects(extent, grid.geometry.values)]
    grid = grid.reset_index(drop=True)
    grid.insert(0, "cell_id", np.arange(len(grid)))
    grid.attrs["hotspots"] = {
        "cell_size": size,
        "cell_size_auto": auto,
        "cell_size_rule": rule,
        "shape": shape,
        "origin": (x0, y0),
        "n_strays": n_strays,
    }
    return grid


def _check_size(nrow: int, ncol: int, size: float, bounds) -> None:
    minx, miny, maxx, maxy = bounds
    if nrow * ncol > _MAX_CELLS:
        raise ValueError(
            f"cell_size {size:g} m would make {nrow * ncol:,} cells over an extent of "
            f"{(maxx - minx) / 1000:,.1f} km × {(maxy - miny) / 1000:,.1f} km. Check "
            "for stray points far from the study area (map them), pass boundary= "
            "to limit the grid (a polygon file, or a force name such as "
            "boundary='Derbyshire'), or choose a larger cell_size."
        )


def cell_centres(grid: gpd.GeoDataFrame) -> tuple[np.ndarray, np.ndarray]:
    """Return the x and y of each cell's centre, in metres.

    Worked out from the grid's origin, cell size and ``row``/``col`` when the grid
    comes from :func:`make_grid` (exact and fast); otherwise the polygons'
    centroids.
    """
    meta = grid.attrs.get("hotspots", {})
    if {"row", "col"} <= set(grid.columns) and "origin" in meta:
        size, (x0, y0) = meta["cell_size"], meta["origin"]
        row = grid["row"].to_numpy(dtype=float)
        col = grid["col"].to_numpy(dtype=float)
        if meta["shape"] == "square":
            return x0 + (col + 0.5) * size, y0 + (row + 0.5) * size
        return x0 + size * (col + 0.5 * (row % 2)), y0 + row * hex_row_height(size)
    centres = grid.geometry.centroid
    return centres.x.to_numpy(), centres.y.to_numpy()


def assign_cells(grid: gpd.GeoDataFrame, x: np.ndarray, y: np.ndarray) -> np.ndarray:
    """Return the ``cell_id`` of the grid cell holding each point (-1 if none).

    Works arithmetically from the grid's origin and cell size (no spatial join):
    squares by floor division, hexagons by the nearest of the candidate centres in
    the two nearest rows (a hexagonal grid is the Voronoi diagram of its centres).

    **The edge rule** (the same in counts, places, panels and named places): a
    point on a shared edge belongs to the cell to its north-east (holding the point
    moved a millionth of a metre north and east); on the grid's outer edge, where
    there is none, to the cell it touches (squares: the cell to the south or west;
    hexagons: the point moved a millionth of a metre south-west instead).
    """
    meta = grid.attrs.get("hotspots", {})
    if "cell_size" not in meta:
        raise ValueError(
            "grid has no cell-size metadata (attrs['hotspots']); make it with "
            "hotspots.make_grid() and pass it straight in."
        )
    size, (x0, y0) = meta["cell_size"], meta["origin"]
    x, y = np.asarray(x, dtype=float), np.asarray(y, dtype=float)
    lookup = pd.Series(
        grid["cell_id"].to_numpy(),
        index=pd.MultiIndex.from_arrays(
            [grid["row"].to_numpy(), grid["col"].to_numpy()]
        ),
    )

    def find(row, col, where):
        ok = where & np.isfinite(row) & np.isfinite(col)
        keys = pd.MultiIndex.from_arrays(
            [row[ok].astype(np.int64), col[ok].astype(np.int64)]
        )
        found = np.full(x.shape, -1, dtype=np.int64)
        found[ok] = lookup.reindex(keys).fillna(-1).to_numpy(dtype=np.int64)
        return found

    everywhere = np.ones(x.shape, dtype=bool)
    if meta["shape"] != "square":
        # ties between hexagons go north-east; on the outer edge, where that
        # neighbour is not in the grid, to the hexagon on the other side
        ne_row, ne_col = hex_row_col(x + EDGE_NUDGE_M, y + EDGE_NUDGE_M, size, x0, y0)
        out = find(ne_row, ne_col, everywhere)
        retry = out < 0
        if retry.any():
            sw_row, sw_col = hex_row_col(
                x - EDGE_NUDGE_M, y - EDGE_NUDGE_M, size, x0, y0
            )
            out[retry] = find(sw_row, sw_col, retry)[retry]
        return out
    row = np.floor((y - y0) / size)
    col = np.floor((x - x0) / size)
    out = find(row, col, everywhere)
    # on the grid's outer north or east edge: the cell the point touches
    west = np.isclose((x - x0) / size, col)
    south = np.isclose((y - y0) / size, row)
    for dr, dc, on in ((0, -1, west), (-1, 0, south), (-1, -1, west & south)):
        retry = (out < 0) & on
        if retry.any():
            out[retry] = find(row + dr, col + dc, retry)[retry]
    return out


def count_points(
    points: gpd.GeoDataFrame,
    *,
    grid: gpd.GeoDataFrame | None = None,
    cell_size: float | None = None,
    shape: Shape = "square",
    boundary=None,
    weights: str | None = None,
) -> gpd.GeoDataFrame:
    """Count points per grid cell, optionally weighted (e.g. by harm).

    Parameters
    ----------
    points : GeoDataFrame
        Point events in a projected CRS in metres.
    grid : GeoDataFrame, optional
        A grid from :func:`make_grid`; None makes one from the other arguments.
    cell_size, shape, boundary
        Passed to :func:`make_grid` when ``grid`` is None.
    weights : str, optional
        Column of non-negative weights (e.g. from :func:`hotspots.harm_weights`).

    Returns
    -------
    GeoDataFrame
        The grid's columns plus ``n`` (points per cell) and, with ``weights``,
        ``weighted_n``. ``attrs["hotspots"]`` also records ``n_points``,
        ``n_outside`` (points in no cell, e.g. outside the boundary).

    Raises
    ------
    CRSError
        If points and grid use different CRSs, or the CRS is not in metres.
    ValueError
        If the weights are missing, negative or not finite.

    Examples
    --------
    >>> import geopandas as gpd, shapely
    >>> pts = gpd.GeoDataFrame(geometry=[shapely.Point(50, 50)] * 3, crs=27700)
    >>> int(count_points(pts, cell_size=100)["n"].sum())
    3
    """
    check_projected(points, "points")
    if not points.geometry.geom_type.isin(["Point"]).all():
        raise ValueError(
            "points must all be Point geometries; found "
            f"{sorted(points.geometry.geom_type.unique())}. Use .centroid for polygons."
        )
    if grid is None:
        grid = make_grid(points, cell_size=cell_size, shape=shape, boundary=boundary)
    elif grid.crs != points.crs:
        raise CRSError(
            f"points ({points.crs}) and grid ({grid.crs}) use different CRSs. "
            "Reproject one with to_crs()."
        )
    cells = assign_cells(
        grid, points.geometry.x.to_numpy(), points.geometry.y.to_numpy()
    )
    inside = cells >= 0
    out = grid.copy()
    out["n"] = np.bincount(cells[inside], minlength=len(grid)).astype(np.int64)
    w = check_weights(points, weights)
    if w is not None:
        out["weighted_n"] = np.bincount(
            cells[inside], weights=w[inside], minlength=len(grid)
        )
    out.attrs["hotspots"] = {
        **grid.attrs.get("hotspots", {}),
        "n_points": len(points),
        "n_outside": int((~inside).sum()),
    }
    lost = int((~inside).sum())
    if len(points) and lost == len(points):
        raise ValueError(
            f"none of the {len(points):,} points falls in a cell of the grid: the "
            "grid (or boundary) and the points do not overlap, so every count would "
            "be zero. Map both to check; a boundary of another area, or points in "
            "another CRS read as metres, give this."
        )
    if lost:
        warnings.warn(
            f"{lost:,} of {len(points):,} points fall in no cell of the grid (outside "
            "the boundary or grid) and are not counted; "
            f"{len(points) - lost:,} are.",
            HotspotsWarning,
            stacklevel=2,
        )
    return out
