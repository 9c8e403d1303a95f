"""Send grid cells back from Dask workers without their polygons.

A force's grid has hundreds of thousands of cells; serialising their polygons costs
more than computing the statistic. Cells of :func:`hotspots.make_grid` are fully
described by ``row``, ``col`` and the grid's origin, size and shape, so a worker
returns the table without ``geometry`` and the client rebuilds the polygons with the
same arithmetic as ``make_grid`` (the same floating-point values).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

__all__ = ["Stripped", "rebuild", "strip"]


@dataclass
class Stripped:
    """A grid's cells without polygons: the table, its CRS and ``attrs``."""

    frame: Any
    geometry_name: str
    crs: Any
    attrs: dict


def strip(result: Any) -> Any:
    """Return grid cells as :class:`Stripped`; anything else unchanged."""
    import geopandas as gpd

    if not isinstance(result, gpd.GeoDataFrame):
        return result
    meta = result.attrs.get("hotspots", {})
    grid_like = {"row", "col"} <= set(result.columns) and "origin" in meta
    if not grid_like or meta.get("shape") not in ("square", "hex"):
        return result
    name = result.geometry.name
    frame = result.drop(columns=name)
    return Stripped(frame, name, result.crs, dict(result.attrs))


def rebuild(payload: Any) -> Any:
    """Return the GeoDataFrame a :class:`Stripped` stands for (others unchanged)."""
    if not isinstance(payload, Stripped):
        return payload
    import geopandas as gpd
    import shapely

    from hotspots.find._hex import hex_row_height, hexagons

    frame, name = payload.frame, payload.geometry_name
    meta = payload.attrs["hotspots"]
    size, (x0, y0) = meta["cell_size"], meta["origin"]
    row = frame["row"].to_numpy()
    col = frame["col"].to_numpy()
    if meta["shape"] == "square":
        left, bottom = x0 + col * size, y0 + row * size
        geometry = shapely.box(left, bottom, left + size, bottom + size)
    else:
        cx = x0 + size * (col + 0.5 * (row % 2))
        cy = y0 + row * hex_row_height(size)
        geometry = hexagons(np.asarray(cx), np.asarray(cy), size)
    position = list(frame.columns).index("col") + 1
    out = gpd.GeoDataFrame(frame, geometry=geometry, crs=payload.crs)
    out = out.rename_geometry(name) if name != "geometry" else out
    columns = list(frame.columns)
    out = out[[*columns[:position], name, *columns[position:]]]
    out.attrs = payload.attrs
    return out
