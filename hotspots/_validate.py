"""Shared argument checks at the public boundary (STYLE 2.5)."""

from __future__ import annotations

import numbers

import numpy as np

from hotspots.exceptions import CRSError

__all__ = ["as_rng", "check_positive", "check_projected", "check_weights"]


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
    """Raise :class:`CRSError` unless ``gdf`` has a projected CRS in metres."""
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
