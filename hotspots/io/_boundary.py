"""Read a study-area boundary (GeoJSON, GeoPackage, shapefile; gzip allowed)."""

from __future__ import annotations

import gzip
import io
from pathlib import Path

import geopandas as gpd

from hotspots.exceptions import CRSError, InputFileError
from hotspots.io._schema import BNG

__all__ = ["read_boundary"]


def read_boundary(path: str | Path) -> gpd.GeoDataFrame:
    """Read polygons of a study area and return them in British National Grid.

    Parameters
    ----------
    path : str or Path
        Any vector file GDAL reads (GeoJSON, GeoPackage, shapefile...); a
        ``.gz``-compressed file is decompressed in memory.

    Returns
    -------
    GeoDataFrame
        The polygons in EPSG:27700 (metres), attributes kept.

    Raises
    ------
    InputFileError
        If the file is missing, unreadable, empty or holds no polygons.
    CRSError
        If the file has no CRS.

    Examples
    --------
    >>> from hotspots.demo import lsoa_path
    >>> len(read_boundary(lsoa_path()))
    611
    """
    path = Path(path)
    if not path.exists():
        raise InputFileError(f"{path}: no such boundary file. Check the path.")
    try:
        data = path.read_bytes()
        source = io.BytesIO(gzip.decompress(data)) if data[:2] == b"\x1f\x8b" else path
        area = gpd.read_file(source)
    except Exception as err:  # GDAL raises several types for unreadable files
        raise InputFileError(
            f"{path.name}: cannot be read as a boundary ({type(err).__name__}: {err}). "
            "Pass a GeoJSON, GeoPackage or shapefile of the study area's polygons."
        ) from err
    if (
        area.empty
        or not area.geometry.geom_type.isin(["Polygon", "MultiPolygon"]).any()
    ):
        raise InputFileError(
            f"{path.name}: holds no polygons (found "
            f"{sorted(area.geom_type.unique())}). A boundary must be an area."
        )
    if area.crs is None:
        raise CRSError(
            f"{path.name}: has no CRS. Save it with one (e.g. EPSG:27700 or EPSG:4326)."
        )
    return area.to_crs(BNG)
