"""Optimized hot spot analysis: Gi* at a scale chosen from the data, as ESRI does it.

Points are counted on a grid, locational outliers are found and reported, global
Moran's I is measured over ten widening distance bands (incremental spatial
autocorrelation), and :func:`hotspots.gistar` runs at the band where clustering
peaks, with FDR control. Every choice is logged and recorded
(:doc:`/docs/methods/optimized`).
"""

from __future__ import annotations

import logging
from collections.abc import Sequence

import geopandas as gpd
import numpy as np

from hotspots._validate import check_projected
from hotspots.find._gistar import gistar
from hotspots.find._grid import count_points
from hotspots.find._incremental import (
    auto_distance_bands,
    choose_distance,
    incremental_autocorrelation,
    locational_outliers,
    warn_if_wide_start,
)

__all__ = ["optimized_hotspots"]

logger = logging.getLogger(__name__)

#: ESRI's minimum numbers: incidents with a boundary (twice as many without one,
#: where empty cells are dropped), and cells to analyse.
MIN_POINTS = 30
MIN_CELLS = 30
_REASONS = {
    "first peak": "the first peak of Moran's I z-score",
    "maximum z": "no peak, so the largest Moran's I z-score",
}


def optimized_hotspots(
    points: gpd.GeoDataFrame,
    *,
    cell_size: float | None = None,
    boundary=None,
    weights: str | None = None,
    distances: Sequence[float] | None = None,
    fdr: bool = True,
    permutations: int = 0,
    rng: int | np.random.Generator | None = None,
    progress: bool = True,
) -> gpd.GeoDataFrame:
    """Find hot and cold spots with Gi* at the distance where clustering peaks.

    Parameters
    ----------
    points : GeoDataFrame
        Point events in a projected CRS in metres.
    cell_size : float, optional
        Grid cell size in metres; None chooses it automatically
        (:func:`hotspots.auto_cell_size`, logged and recorded).
    boundary : GeoDataFrame, GeoSeries, shapely geometry or str, optional
        Where events are possible (e.g. the force area). With a boundary every
        cell in it is analysed, empty ones included; without one only cells
        holding at least one point are (ESRI's rule for a fishnet without
        bounding polygons).
    weights : str, optional
        Column of non-negative harm weights; ``weighted_n`` is then tested.
    distances : sequence of float, optional
        Distance bands (metres) to try; None uses ESRI's automatic bands (see
        :func:`hotspots.find.incremental_autocorrelation`).
    fdr : bool, default True
        Benjamini-Hochberg control of the false discovery rate in Gi*.
    permutations : int, default 0
        Gi* conditional permutations; 0 uses the analytic normal p.
    rng : int, Generator or None
        Seed for the permutations.
    progress : bool, default True
        Show progress bars (bands; permutations).

    Returns
    -------
    GeoDataFrame
        The cells analysed, with the columns of :func:`hotspots.gistar` run at the
        chosen distance band (``gi_z``, ``p_value``, ``p_fdr``, ``gi_bin``,
        ``hotspot_class``...). ``attrs["hotspots"]`` adds ``n_points``,
        ``n_point_outliers``, ``cells_analysed`` (rule), ``n_cells``,
        ``n_cells_in_grid``, the band rule's ``band_start``, ``band_increment``
        and ``n_cell_outliers``, ``distances``, ``moran_i``, ``moran_z``,
        ``distance`` (chosen, metres), ``distance_reason`` ("first peak" or
        "maximum z") and ``incremental`` (the table as a list of rows).

    Raises
    ------
    CRSError
        If the points are not in a projected CRS in metres.
    ValueError
        If there are too few points (30 with a boundary, 60 without) or cells
        (30), or the counts do not vary.

    Warns
    -----
    HotspotsWarning
        When isolated cells push the automatic first band beyond 5 times the mean
        nearest-cell distance (pass ``boundary=`` or ``distances=``), and as
        :func:`hotspots.count_points` and :func:`hotspots.gistar` warn (points
        outside the grid; cells with no neighbour at the chosen band).

    Notes
    -----
    1. *Points*: locational outliers, points whose nearest other point is at least
       3 standard deviations further than the mean such distance, are counted and
       reported; they stay in the counts.
    2. *Cells*: points are counted on the grid; without a boundary the empty
       cells are dropped.
    3. *Scale*: :func:`hotspots.find.incremental_autocorrelation` over
       automatic bands: the first band gives every cell that is not a locational
       outlier a neighbour, each band adds the mean nearest-cell distance, ten
       bands, capped at the standard distance. The first peak of the z-score
       (above 1.65) is chosen; with no peak, the band with the largest z (ESRI
       falls back to the distance of the k nearest neighbours instead).
    4. *Hot spots*: :func:`hotspots.gistar` with that distance band and FDR.

    References
    ----------
    Esri. *How Optimized Hot Spot Analysis works* and *How Incremental Spatial
    Autocorrelation works*. ArcGIS Pro documentation.
    Getis, A. & Ord, J. K. (1992). *Geographical Analysis* 24(3), 189-206.

    Examples
    --------
    >>> import geopandas as gpd, numpy as np
    >>> rng = np.random.default_rng(1)
    >>> xy = np.vstack([rng.uniform(0, 4000, (1500, 2)),
    ...                 rng.normal(2000, 250, (500, 2))])
    >>> pts = gpd.GeoDataFrame(geometry=gpd.points_from_xy(*xy.T), crs=27700)
    >>> cells = optimized_hotspots(pts, cell_size=100, progress=False)
    >>> cells.attrs["hotspots"]["distance_reason"]
    'first peak'
    """
    check_projected(points, "points")
    if not points.geometry.geom_type.isin(["Point"]).all():
        raise ValueError(
            "points must all be Point geometries; found "
            f"{sorted(points.geometry.geom_type.unique())}. For polygons that "
            "already hold counts use hotspots.find.incremental_autocorrelation and "
            "hotspots.gistar."
        )
    needed = MIN_POINTS if boundary is not None else 2 * MIN_POINTS
    if len(points) < needed:
        raise ValueError(
            f"optimized hot spot analysis needs at least {needed} points "
            f"({'with' if boundary is not None else 'without'} a boundary); got "
            f"{len(points)}. Use a longer period or a larger area."
        )
    x, y = points.geometry.x.to_numpy(), points.geometry.y.to_numpy()
    n_point_outliers = int(locational_outliers(x, y).sum())
    grid = count_points(points, cell_size=cell_size, boundary=boundary, weights=weights)
    value = "weighted_n" if weights else "n"
    if boundary is None:
        cells = grid.loc[grid["n"] > 0].reset_index(drop=True)
        cells.attrs = dict(grid.attrs)
        rule = "cells holding at least one point (no boundary)"
    else:
        cells = grid
        rule = "every cell in the boundary"
    if len(cells) < MIN_CELLS:
        raise ValueError(
            f"only {len(cells)} cells to analyse ({rule}); optimized hot spot "
            f"analysis needs at least {MIN_CELLS}. Use smaller cells or more points."
        )
    if cells[value].nunique() < 2:
        raise ValueError(
            f"every cell analysed holds the same {value!r}, so there is nothing to "
            "find. Pass a boundary (to include empty cells) or larger cells."
        )
    logger.info(
        "Optimized hot spots: %d points (%d locational outliers, kept), %d of %d "
        "cells analysed (%s).",
        len(points),
        n_point_outliers,
        len(cells),
        len(grid),
        rule,
    )
    band_meta: dict = {"distances_auto": distances is None}
    bands: Sequence[float] | np.ndarray | None = distances
    if bands is None:
        bands, info = auto_distance_bands(cells)
        warn_if_wide_start(info)
        band_meta |= info
    table = incremental_autocorrelation(cells, value, bands, progress=progress)
    distance, reason = choose_distance(table)
    logger.info(
        "Distance band set automatically to %s m: %s over %d bands (%s). Pass "
        "distances= to try others.",
        f"{distance:,.2f}".rstrip("0").rstrip("."),
        _REASONS[reason],
        len(table),
        "; ".join(
            f"{d:g} m: I={i:.3f}, z={z:.1f}"
            for d, i, z in table[["distance", "moran_i", "z"]].to_numpy()
        ),
    )
    out = gistar(
        cells,
        value=value,
        neighbours=distance,
        permutations=permutations,
        fdr=fdr,
        rng=rng,
        progress=progress,
    )
    out.attrs["hotspots"] = {
        **out.attrs["hotspots"],
        **band_meta,
        "n_points": len(points),
        "n_point_outliers": n_point_outliers,
        "cells_analysed": rule,
        "n_cells": len(cells),
        "n_cells_in_grid": len(grid),
        "distances": [float(d) for d in table["distance"]],
        "moran_i": [float(v) for v in table["moran_i"]],
        "moran_z": [float(v) for v in table["z"]],
        "distance": distance,
        "distance_reason": reason,
        "incremental": table.to_dict("records"),
    }
    return out
