"""Shared argument checks at the public boundary (STYLE 2.5)."""

from __future__ import annotations

import functools
import numbers

import numpy as np

from hotspots.exceptions import CRSError

__all__ = [
    "EDGE_NUDGE_M",
    "MAX_SCALE_ERROR",
    "as_rng",
    "check_positive",
    "check_projected",
    "check_weights",
]

#: A CRS whose map metres differ from ground metres by more than this share at the
#: data's location is refused (Web Mercator's scale is 1/cos(latitude): 1.65 at
#: Leicester; British National Grid's is within 0.04% across Great Britain).
MAX_SCALE_ERROR = 0.01
#: The edge rule: a point on a shared edge belongs to the cell or place that holds
#: the point moved this many metres north and east (see docs/methods/grid.md).
EDGE_NUDGE_M = 1e-6


def as_rng(rng: int | np.random.Generator | None) -> np.random.Generator:
    """Resolve ``rng`` (None, an int seed or a Generator) to a Generator (SPEC 7)."""
    if rng is None or isinstance(rng, numbers.Integral | np.random.Generator):
        return np.random.default_rng(rng)
    raise TypeError(
        f"rng must be None, an int seed or a numpy.random.Generator; got {rng!r}"
    )


def check_positive(value: float, name: str) -> float:
    """Return ``value`` as float, or raise ``ValueError`` if it is not > 0."""
    if not isinstance(value, numbers.Real) or not np.isfinite(value) or value <= 0:
        raise ValueError(f"{name} must be > 0; got {value!r}")
    return float(value)


def check_projected(gdf, name: str = "points") -> None:
    """Check a frame's CRS and coordinates before any distance is measured.

    Raises :class:`CRSError` unless ``gdf`` has a projected CRS whose units are
    ground metres where the data are (a map unit called a metre that is not one on
    the ground, as in Web Mercator, is refused with how to reproject), and
    :class:`SchemaError` when any geometry is missing, empty or has non-finite
    coordinates (police.uk "No Location" rows read without the package's reader
    become such points), naming the rows and what to do.
    """
    crs = gdf.crs
    if crs is None:
        raise CRSError(
            f"{name} have no CRS; distances need metres. Set it first, e.g. "
            f"{name}.set_crs(27700) for British National Grid coordinates."
        )
    if crs.is_geographic:
        raise CRSError(
            f"{name} use a geographic CRS ({crs.to_string()}, degrees); cell_size and "
            f"bandwidth need metres. Reproject first: {name}.to_crs(27700)."
        )
    unit = crs.axis_info[0].unit_name if crs.axis_info else ""
    if unit not in ("metre", "meter"):
        raise CRSError(
            f"{name} use a CRS in {unit!r}, not metres ({crs.to_string()}). "
            f"Reproject first: {name}.to_crs(27700)."
        )
    _check_coordinates(gdf, name)
    _check_ground_metres(gdf, name)


def _check_coordinates(gdf, name: str) -> None:
    """Refuse missing, empty or non-finite geometries, naming the rows."""
    import shapely

    from hotspots.exceptions import SchemaError

    geoms = gdf.geometry.to_numpy()
    if len(geoms) == 0:
        return
    bad = shapely.is_missing(geoms) | shapely.is_empty(geoms)
    coords, index = shapely.get_coordinates(geoms, return_index=True)
    if len(coords):
        nonfinite = ~np.isfinite(coords).all(axis=1)
        if nonfinite.any():
            bad[np.unique(index[nonfinite])] = True
    if bad.any():
        labels = list(gdf.index[bad][:5])
        raise SchemaError(
            f"{int(bad.sum()):,} of {len(geoms):,} rows of {name} have no usable "
            f"location (missing, empty, NaN or infinite coordinates), e.g. rows "
            f"{labels}. A verb cannot place them, and dropping them silently would "
            "lose crimes. Read the source with hotspots.read_policeuk or "
            "read_force_extract, which set such rows aside with a reason, or count "
            "and remove them yourself before this step."
        )


def _check_ground_metres(gdf, name: str) -> None:
    """Refuse a CRS whose metres are not ground metres where the data are."""
    crs = gdf.crs
    minx, miny, maxx, maxy = gdf.total_bounds
    x, y = (minx + maxx) / 2, (miny + maxy) / 2
    if not (np.isfinite(x) and np.isfinite(y)):
        return
    # one reading per CRS and kilometre square: verbs check the same frame often
    scale = _scale_error(crs.to_wkt(), round(x, -3), round(y, -3))
    if np.isfinite(scale) and scale > MAX_SCALE_ERROR:
        raise CRSError(
            f"{name} use {crs.to_string()} ({crs.name}), whose metres are not ground "
            f"metres where the data are: the map scale there is "
            f"{1 + scale:.2f}, so a '250 m' cell would be {250 / (1 + scale):.0f} m "
            f"on the ground. Reproject first: {name}.to_crs(27700) in Great Britain "
            f"(or {name}.to_crs({name}.estimate_utm_crs()) elsewhere)."
        )


def check_weights(points, weights: str | None) -> np.ndarray | None:
    """Return the ``weights`` column of ``points`` as floats (None if not asked for).

    Raises
    ------
    ValueError
        If the column is missing or holds missing, infinite or negative values.
    """
    if weights is None:
        return None
    if weights not in points.columns:
        raise ValueError(
            f"weights column {weights!r} not found; columns are {list(points.columns)}."
        )
    w = points[weights].to_numpy(dtype=float)
    bad = ~np.isfinite(w) | (w < 0)
    if bad.any():
        raise ValueError(
            f"weights column {weights!r} has {int(bad.sum())} missing, infinite or "
            "negative value(s); fill or drop them first."
        )
    return w


@functools.lru_cache(maxsize=256)
def _scale_error(wkt: str, x: float, y: float) -> float:
    """Largest departure of the map scale from 1 at (x, y); NaN if unmeasurable."""
    from pyproj import CRS, Proj, Transformer
    from pyproj.exceptions import CRSError as ProjCRSError
    from pyproj.exceptions import ProjError

    try:
        crs = CRS.from_wkt(wkt)
        lon, lat = Transformer.from_crs(crs, "EPSG:4326", always_xy=True).transform(
            x, y
        )
        factors = Proj(crs).get_factors(lon, lat)
    except (ProjError, ProjCRSError, ValueError):  # pyproj cannot measure it
        return float("nan")
    return float(
        max(abs(factors.meridional_scale - 1), abs(factors.parallel_scale - 1))
    )
