"""Read a study-area boundary from a file, or name a police force to use its area."""

from __future__ import annotations

import gzip
import io
from pathlib import Path

import geopandas as gpd

from hotspots.exceptions import CRSError, InputFileError
from hotspots.io._areas import force_area
from hotspots.io._forces import lookup_force
from hotspots.io._schema import BNG

__all__ = ["read_boundary"]


def read_boundary(path: str | Path) -> gpd.GeoDataFrame:
    """Read polygons of a study area and return them in British National Grid.

    Parameters
    ----------
    path : str or Path
        Any vector file GDAL reads (GeoJSON, GeoPackage, shapefile...); a
        ``.gz``-compressed file is decompressed in memory. Or, when no such file
        exists, the slug or name of a police force of England and Wales
        (``"leicestershire"``, ``"Leicestershire Police"``): its force area, as
        :func:`hotspots.io.force_area` returns it.

    Returns
    -------
    GeoDataFrame
        The polygons in EPSG:27700 (metres), attributes kept.

    Raises
    ------
    InputFileError
        If the file is missing (and the text names no force), unreadable, empty or
        holds no polygons.
    CRSError
        If the file has no CRS.
    ValueError
        If the text names a force without a shipped area (British Transport
        Police, Police Service of Northern Ireland).

    Examples
    --------
    >>> from hotspots.demo import lsoa_path
    >>> len(read_boundary(lsoa_path()))
    611
    >>> read_boundary("leicestershire")["name"].iloc[0]
    'Leicestershire Police'
    """
    text = str(path)
    path = Path(path)
    if not path.exists():
        if lookup_force(text) is not None:
            return force_area(text)
        raise InputFileError(
            f"{path}: no such boundary file, and not the name of a police force. "
            "Check the path, or pass a force's slug or name (e.g. 'leicestershire'; "
            "see hotspots.io.FORCES)."
        )
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
