"""Checks and descriptions shared by the grid-cell maps (cells, Gi*, change)."""

from __future__ import annotations

from collections.abc import Sequence

import geopandas as gpd
import numpy as np

from hotspots.exceptions import SchemaError

__all__ = [
    "cell_headings",
    "cell_size_text",
    "first_location",
    "place_names",
    "require_columns",
    "values_of",
]


def require_columns(
    frame: gpd.GeoDataFrame, columns: Sequence[str], name: str, hint: str
) -> None:
    """Raise :class:`SchemaError` naming the missing columns and what to run."""
    missing = [c for c in columns if c not in frame.columns]
    if missing:
        raise SchemaError(
            f"{name} lacks column(s) {missing}; columns present: "
            f"{list(frame.columns)}. {hint}"
        )


def values_of(frame: gpd.GeoDataFrame, column: str, name: str) -> np.ndarray:
    """Return a numeric column as floats; raise if it has missing values."""
    try:
        values = frame[column].to_numpy(dtype=float)
    except (TypeError, ValueError) as err:
        raise SchemaError(
            f"{name}[{column!r}] must be numeric to colour the map; got dtype "
            f"{frame[column].dtype}."
        ) from err
    bad = ~np.isfinite(values)
    if bad.any():
        raise SchemaError(
            f"{name}[{column!r}] has {int(bad.sum())} missing or infinite values; "
            "fill them (e.g. with 0 for counts) or drop those cells first."
        )
    return values


def cell_size_text(frame: gpd.GeoDataFrame) -> str | None:
    """Describe the cells, e.g. "250 m square cells" (None if unknown).

    Reads ``attrs["hotspots"]`` (``cell_size``, ``shape``) as written by
    :func:`hotspots.make_grid`; otherwise estimates the size from the cell areas
    when the CRS is in metres.
    """
    meta = frame.attrs.get("hotspots", {}) if hasattr(frame, "attrs") else {}
    size = meta.get("cell_size")
    shape = meta.get("shape", "square")
    if size:
        return f"{float(size):,.0f} m {shape} cells"
    crs = frame.crs
    if crs is None or crs.is_geographic or len(frame) == 0:
        return None
    side = float(np.sqrt(np.median(frame.geometry.area)))
    return f"cells of about {side:,.0f} m"


def first_location(top_locations: object) -> str:
    """Return the busiest location of ``"East Gates (151); Fox Lane (45)"``.

    Examples
    --------
    >>> first_location("East Gates (151); Fox Lane (45)"), first_location(None)
    ('East Gates', '')
    """
    if top_locations is None or (
        isinstance(top_locations, float) and np.isnan(top_locations)
    ):
        return ""
    first = str(top_locations).split(";")[0].strip()
    return first.rsplit(" (", 1)[0] if first.endswith(")") else first


def place_names(frame: gpd.GeoDataFrame) -> list[str]:
    """Name each row by its busiest police.uk location ("" where unknown).

    Reads ``top_locations`` as written by :func:`hotspots.quality.describe_places`
    (through :func:`hotspots.find_hotspots` and :func:`hotspots.select_places`).
    """
    if "top_locations" not in frame.columns:
        return [""] * len(frame)
    return [first_location(v) for v in frame["top_locations"].tolist()]


def cell_headings(frame: gpd.GeoDataFrame) -> list[str] | None:
    """Popup headings of grid cells: the busiest location, else "Cell <id>"."""
    names = place_names(frame)
    ids = frame["cell_id"].tolist() if "cell_id" in frame.columns else None
    if ids is None and not any(names):
        return None
    return [
        name or (f"Cell {ids[i]}" if ids is not None else "")
        for i, name in enumerate(names)
    ]
