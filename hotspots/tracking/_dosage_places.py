"""Which hot spots hold each location ping: buffered polygons and a coarse grid.

The test is exact (shapely's point-in-polygon on the buffered polygon, edge
included), but it runs only on the pings a coarse grid says could be inside:
most pings of a force's radios are nowhere near a hot spot, and a grid lookup
is a few array operations per ping, where a polygon test is far dearer.
A ``geopandas.sjoin`` of the same pings was measured 20 to 40 times slower: it
builds a point geometry for every ping before it can query its tree (timings in
docs/methods/tracking.md).
"""

from __future__ import annotations

import logging
import math
import warnings
from dataclasses import dataclass

import numpy as np
import shapely

from hotspots._validate import check_projected
from hotspots.exceptions import CRSError, HotspotsWarning, SchemaError

__all__ = ["PlaceIndex", "check_places", "warn_no_overlap"]

logger = logging.getLogger(__name__)

#: The coarse grid never has more cells than this (memory: 4 bytes a cell).
GRID_MAX_CELLS = 4_000_000
#: Segments per quarter circle of the buffer's rounded corners (shapely's
#: default). The polygon's vertices lie on the true circle, so the buffered
#: polygon misses at most r(1 - cos(pi/32)) of a round corner: 5 cm at 10 m.
BUFFER_QUAD_SEGMENTS = 8


def check_places(places, id_column: str, buffer: float) -> tuple[tuple, np.ndarray]:
    """Return the place ids and their buffered polygons (EPSG:27700 metres).

    Parameters
    ----------
    places : GeoDataFrame
        Hot-spot polygons in British National Grid (EPSG:27700) metres with a
        unique ``id_column``.
    id_column : str
        Column of place ids.
    buffer : float
        Metres added round every polygon (0 keeps the polygon itself).

    Returns
    -------
    ids : tuple
        Place ids in input order.
    geoms : ndarray of shapely geometries, shape (n_places,)
        The buffered polygons, prepared for fast point tests.

    Raises
    ------
    TypeError
        If ``places`` is not a GeoDataFrame.
    CRSError
        If the CRS is missing, geographic or not EPSG:27700.
    SchemaError
        If ``id_column`` is missing, ids repeat or are missing, or a place has no
        area after buffering.
    """
    import geopandas as gpd

    if not isinstance(places, gpd.GeoDataFrame):
        raise TypeError(
            "places must be a GeoDataFrame of hot-spot polygons in EPSG:27700 "
            f"metres; got {type(places).__name__}. Build one with "
            "geopandas.GeoDataFrame(frame, geometry=..., crs=27700)."
        )
    if len(places) == 0:
        raise SchemaError("places is empty; dosage needs at least one hot spot.")
    if id_column not in places.columns:
        raise SchemaError(
            f"places has no {id_column!r} column; columns are {list(places.columns)}."
            " Pass id_column= naming the column of place ids."
        )
    check_projected(places, name="places")
    if places.crs.to_epsg() != 27700:
        raise CRSError(
            f"places use {places.crs.to_string()}, but pings are read in British "
            "National Grid (EPSG:27700) metres. Reproject first: "
            "places.to_crs(27700)."
        )
    ids = places[id_column]
    if ids.isna().any():
        raise SchemaError(
            f"{int(ids.isna().sum())} places have no {id_column!r}; give every "
            "place an id."
        )
    repeated = ids[ids.duplicated()].unique().tolist()
    if repeated:
        raise SchemaError(
            f"place ids must be unique; {len(repeated)} repeated in {id_column!r}: "
            f"{repeated[:10]}. Dissolve the rows of one place into one polygon "
            "(places.dissolve(by=...)) or rename them."
        )
    geoms = places.geometry.to_numpy()
    if buffer > 0:
        geoms = shapely.buffer(geoms, buffer, quad_segs=BUFFER_QUAD_SEGMENTS)
    flat = shapely.area(geoms) <= 0
    if flat.any():
        raise SchemaError(
            f"{int(flat.sum())} places have no area (points or lines with "
            f"buffer={buffer:g}), e.g. {ids[flat].tolist()[:5]}. Give polygons, "
            "or buffer > 0 metres."
        )
    geoms = np.asarray(geoms, dtype=object)
    shapely.prepare(geoms)
    return tuple(ids.tolist()), geoms


@dataclass(frozen=True)
class PlaceIndex:
    """Buffered places with a coarse grid of the cells each one touches.

    ``indptr`` and ``members`` list, for every grid cell (row-major, ``nx``
    cells a row), the places whose bounding box touches it (compressed sparse
    rows).
    """

    geoms: np.ndarray
    x0: float
    y0: float
    cell: float
    nx: int
    ny: int
    indptr: np.ndarray
    members: np.ndarray

    @classmethod
    def build(cls, geoms: np.ndarray) -> PlaceIndex:
        """Index buffered, prepared polygons on a grid of about their size.

        The cell side is the median of the places' longer bounding-box sides,
        enlarged if needed so the grid over all places has at most
        ``GRID_MAX_CELLS`` cells.
        """
        bounds = shapely.bounds(geoms)
        x0, y0 = float(bounds[:, 0].min()), float(bounds[:, 1].min())
        width = float(bounds[:, 2].max()) - x0
        height = float(bounds[:, 3].max()) - y0
        sides = np.maximum(bounds[:, 2] - bounds[:, 0], bounds[:, 3] - bounds[:, 1])
        cell = max(
            float(np.median(sides)), math.sqrt(width * height / GRID_MAX_CELLS), 1.0
        )
        nx = int(width // cell) + 1
        ny = int(height // cell) + 1
        ix0 = np.floor((bounds[:, 0] - x0) / cell).astype(np.int64)
        ix1 = np.minimum(np.floor((bounds[:, 2] - x0) / cell).astype(np.int64), nx - 1)
        iy0 = np.floor((bounds[:, 1] - y0) / cell).astype(np.int64)
        iy1 = np.minimum(np.floor((bounds[:, 3] - y0) / cell).astype(np.int64), ny - 1)
        cells, owners = [], []
        for place in range(len(geoms)):
            xs = np.arange(ix0[place], ix1[place] + 1)
            ys = np.arange(iy0[place], iy1[place] + 1)
            ids = (ys[:, None] * nx + xs[None, :]).ravel()
            cells.append(ids)
            owners.append(np.full(len(ids), place, dtype=np.int64))
        cell_ids, place_ids = np.concatenate(cells), np.concatenate(owners)
        order = np.argsort(cell_ids, kind="stable")
        counts = np.bincount(cell_ids, minlength=nx * ny)
        indptr = np.zeros(nx * ny + 1, dtype=np.int64)
        np.cumsum(counts, out=indptr[1:])
        logger.debug(
            "Place grid: %d x %d cells of %.0f m for %d places",
            nx,
            ny,
            cell,
            len(geoms),
        )
        return cls(geoms, x0, y0, cell, nx, ny, indptr, place_ids[order])

    def pairs(self, x: np.ndarray, y: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Every (ping, place) with the ping inside the buffered place.

        Parameters
        ----------
        x, y : ndarray of float, shape (n,)
            Ping coordinates, EPSG:27700 metres.

        Returns
        -------
        ping, place : ndarray of int64, shape (n_pairs,)
            Row of the ping and index of the place, sorted by ping then place.
            A ping on the buffered polygon's edge is inside.
        """
        fx = np.floor((x - self.x0) / self.cell)
        fy = np.floor((y - self.y0) / self.cell)
        near = (fx >= 0) & (fx < self.nx) & (fy >= 0) & (fy < self.ny)
        rows = np.flatnonzero(near)
        cell = fy[rows].astype(np.int64) * self.nx + fx[rows].astype(np.int64)
        first = self.indptr[cell]
        count = self.indptr[cell + 1] - first
        busy = count > 0
        rows, first, count = rows[busy], first[busy], count[busy]
        ping = np.repeat(rows, count)
        offset = np.arange(len(ping)) - np.repeat(np.cumsum(count) - count, count)
        place = self.members[np.repeat(first, count) + offset]
        inside = shapely.intersects_xy(self.geoms[place], x[ping], y[ping])
        # rows rise, and a cell lists its places in order: already sorted
        return ping[inside], place[inside]


def warn_no_overlap(
    n_pings: int, extent: np.ndarray, geoms: np.ndarray, buffer: float
) -> None:
    """Warn that no ping fell in any place, giving both extents in metres.

    Every place then has 0 patrol minutes, which is a finding only if the pings
    and the places cover the same ground; far more often the places are in
    another area or another CRS than the pings (the all-zero result of
    ``../cases`` kind 05: points and polygons that do not overlap).
    """
    px0, py0, px1, py1 = shapely.total_bounds(geoms)
    x0, y0, x1, y1 = extent
    gap = math.hypot(max(px0 - x1, x0 - px1, 0.0), max(py0 - y1, y0 - py1, 0.0))
    warnings.warn(
        f"None of the {n_pings:,} pings fell inside any of the {len(geoms):,} "
        f"places (buffered by {buffer:g} m), so every place has 0 patrol minutes. "
        f"The pings span x {x0:,.0f} to {x1:,.0f}, y {y0:,.0f} to {y1:,.0f} and the "
        f"places x {px0:,.0f} to {px1:,.0f}, y {py0:,.0f} to {py1:,.0f} (EPSG:27700 "
        "metres)"
        + (
            f": the two are {gap / 1000:,.1f} km apart. Check that the places are "
            "the patrolled hot spots and that both are in British National Grid."
            if gap > 1000
            else ". Check that the places are the patrolled hot spots and that "
            "the pings' units patrolled them in this period."
        ),
        HotspotsWarning,
        stacklevel=3,
    )
