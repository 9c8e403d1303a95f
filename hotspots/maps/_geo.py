"""Frames to map coordinates: longitude/latitude, empty geometries dropped, rounded."""

from __future__ import annotations

import logging

import geopandas as gpd
import numpy as np
import shapely

from hotspots.exceptions import CRSError

__all__ = ["round_coordinates", "to_wgs84"]

logger = logging.getLogger(__name__)

_DECIMALS = 6  # ~0.1 m in latitude: enough for cells and points, keeps files small


def round_coordinates(geoms: np.ndarray, decimals: int = _DECIMALS) -> np.ndarray:
    """Return the geometries with coordinates rounded to ``decimals`` places.

    Examples
    --------
    >>> from shapely.geometry import Point
    >>> round_coordinates(np.array([Point(-1.1234567, 52.6)]), 3)[0].x
    -1.123
    """
    return shapely.transform(geoms, lambda xy: np.round(xy, decimals))


def to_wgs84(
    frame: gpd.GeoDataFrame, name: str, *, decimals: int = _DECIMALS
) -> gpd.GeoDataFrame:
    """Return ``frame`` in longitude/latitude with empty geometries dropped.

    Coordinates are rounded to ``decimals`` places (6: about 0.1 m).

    Raises
    ------
    TypeError
        If ``frame`` is not a GeoDataFrame.
    CRSError
        If it has no CRS.
    ValueError
        If nothing is left to map.
    """
    if not isinstance(frame, gpd.GeoDataFrame):
        raise TypeError(f"{name} must be a GeoDataFrame; got {type(frame).__name__}")
    if frame.crs is None:
        raise CRSError(
            f"{name} have no CRS, so they cannot be placed on a map. Set it first, "
            f"e.g. {name}.set_crs(27700) for British National Grid coordinates."
        )
    geoms = frame.geometry
    keep = ~(geoms.isna() | geoms.is_empty)
    if not keep.all():
        logger.info("%s: %d rows without a geometry not mapped.", name, (~keep).sum())
    out = frame.loc[keep.to_numpy()].to_crs(4326)
    if len(out) == 0:
        raise ValueError(f"{name} is empty: there is nothing to map.")
    rounded = round_coordinates(out.geometry.to_numpy(), decimals)
    return out.set_geometry(gpd.GeoSeries(rounded, index=out.index, crs=4326))
