"""Argument checks and the seed of :func:`hotspots.synthetic.simulate_pings`."""

from __future__ import annotations

import logging
import math
import numbers

import geopandas as gpd
import numpy as np
import shapely

from hotspots._validate import as_rng, check_projected

__all__ = [
    "check_int",
    "check_minutes",
    "check_places",
    "is_number",
    "resolve_seed",
]

logger = logging.getLogger("hotspots.synthetic._pings")


def check_places(places) -> tuple[list[str], np.ndarray]:
    if not isinstance(places, gpd.GeoDataFrame) or "place_id" not in places.columns:
        columns = list(getattr(places, "columns", []))
        raise ValueError(
            "places must be a GeoDataFrame of polygons with a 'place_id' column; "
            f"got {type(places).__name__} with columns {columns}. Use e.g. "
            "hotspots.select_places or build one with geopandas."
        )
    check_projected(places, name="places")
    ids = places["place_id"].astype(str).tolist()
    if len(set(ids)) != len(ids) or not ids:
        raise ValueError(
            f"place_id must be unique and places not empty; got {len(ids)} rows with "
            f"{len(set(ids))} distinct ids. Drop or rename the duplicates."
        )
    shapes = places.geometry.to_numpy()
    kinds = shapely.get_type_id(shapes)
    bad = [
        p
        for p, k, s in zip(ids, kinds, shapes, strict=True)
        if k not in (3, 6) or s.area <= 0
    ]
    if bad:
        raise ValueError(
            f"places {bad[:5]} are not polygons with an area: visits stand inside "
            "each place. Buffer points first, e.g. places.buffer(75)."
        )
    return ids, shapes


def is_number(value) -> bool:
    return (
        isinstance(value, numbers.Real)
        and not isinstance(value, bool)
        and math.isfinite(value)
    )


def check_int(value, name: str, low: int, high: int | None = None) -> None:
    ok = isinstance(value, numbers.Integral) and not isinstance(value, bool)
    if not ok or value < low or (high is not None and value > high):
        limit = f"from {low} to {high}" if high is not None else f">= {low}"
        raise ValueError(f"{name} must be a whole number {limit}; got {value!r}")


def check_minutes(value) -> tuple[float, float]:
    pair = (
        (value, value)
        if is_number(value)
        else tuple(value)
        if isinstance(value, tuple | list)
        else ()
    )
    if (
        len(pair) != 2
        or not all(is_number(v) and v > 0 for v in pair)
        or pair[0] > pair[1]
    ):
        raise ValueError(
            "visit_minutes must be minutes > 0, or a (low, high) pair to draw each "
            f"visit's length between; got {value!r}"
        )
    return float(pair[0]), float(pair[1])


def resolve_seed(seed) -> tuple[int | None, bool, np.random.Generator]:
    """Return the seed to record, whether it was drawn, and the generator."""
    if isinstance(seed, np.random.Generator):
        return None, False, seed
    if seed is None:
        drawn = int(np.random.default_rng().integers(2**32))
        logger.info(
            "simulate_pings: seed drawn, %d; pass seed=%d to get the same pings again.",
            drawn,
            drawn,
        )
        return drawn, True, as_rng(drawn)
    return int(seed), False, as_rng(seed)
