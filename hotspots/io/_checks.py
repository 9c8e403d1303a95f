"""Vectorised row checks shared by the police.uk and force-extract readers.

Each check marks rows that fail it with a reason code, unless an earlier check has
already set the row aside; :class:`RowReasons` keeps that bookkeeping so that every
row ends up either kept or quarantined under exactly one reason.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
import shapely
from pyproj import Transformer

from hotspots.io.quarantine import FILTER_REASONS, REASONS
from hotspots.io.schema import BNG, UK_BOUNDS, WGS84

__all__ = ["RowReasons", "check_coordinates", "check_duplicates", "to_text"]

_CODES = list(REASONS)
_NUMBER_RE = r"^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$"
# British National Grid false-origin box, metres (OS: 0-700 km E, 0-1300 km N).
_BNG_BOX = (0.0, 0.0, 700_000.0, 1_300_000.0)
_TO_BNG = Transformer.from_crs(WGS84, BNG, always_xy=True)
_TO_WGS84 = Transformer.from_crs(BNG, WGS84, always_xy=True)


def to_text(arr: pa.ChunkedArray | pa.Array) -> pa.ChunkedArray | pa.Array:
    """Trim surrounding white space from a text column."""
    return pc.utf8_trim_whitespace(arr)


class RowReasons:
    """One reason slot per row: -1 while the row is still kept."""

    def __init__(self, n: int) -> None:
        self.code = np.full(n, -1, dtype=np.int16)
        self.detail = np.full(n, None, dtype=object)

    @property
    def ok(self) -> np.ndarray:
        """Boolean mask of rows not yet set aside."""
        return self.code < 0

    def mark(self, mask: np.ndarray, reason: str, detail: np.ndarray | None = None):
        """Set aside rows in ``mask`` (not already set aside) under ``reason``."""
        hit = np.asarray(mask, dtype=bool) & self.ok
        self.code[hit] = _CODES.index(reason)
        if detail is not None:
            self.detail[hit] = np.asarray(detail, dtype=object)[hit]
        return hit

    def codes(self, mask: np.ndarray) -> np.ndarray:
        """Reason codes (text) of the rows in ``mask``."""
        return np.asarray(_CODES, dtype=object)[self.code[mask]]

    def reasons(self, mask: np.ndarray) -> np.ndarray:
        """Human reasons of the rows in ``mask``, with any per-row detail appended."""
        base = np.asarray(list(REASONS.values()), dtype=object)[self.code[mask]]
        detail = self.detail[mask]
        return np.array(
            [f"{b}: {d}" if d else b for b, d in zip(base, detail, strict=True)],
            dtype=object,
        )

    def is_filter(self, mask: np.ndarray) -> np.ndarray:
        """Return True for rows in ``mask`` set aside by the caller's own filters."""
        return np.isin(self.codes(mask), list(FILTER_REASONS))


def _parse_numbers(text) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Return (value, is_blank, is_number) for a trimmed text column."""
    blank = pc.equal(pc.utf8_length(text), 0)
    is_number = pc.match_substring_regex(text, _NUMBER_RE)
    safe = pc.if_else(is_number, text, pa.scalar("nan"))
    values = pc.cast(safe, pa.float64()).to_numpy(zero_copy_only=False)
    return (
        values,
        blank.to_numpy(zero_copy_only=False),
        is_number.to_numpy(zero_copy_only=False),
    )


def check_coordinates(
    reasons: RowReasons,
    first,
    second,
    *,
    kind: str = "lonlat",
    boundary=None,
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Check coordinate text columns; return (lon, lat, x, y) with NaN where bad.

    Parameters
    ----------
    reasons : RowReasons
        Updated in place: ``no_coordinates``, ``bad_coordinates``, ``outside_uk``,
        ``outside_boundary``.
    first, second : pyarrow arrays of text
        Longitude and latitude (``kind="lonlat"``, WGS84 degrees) or easting and
        northing (``kind="bng"``, EPSG:27700 metres).
    boundary : shapely geometry in EPSG:27700, optional
        Rows outside it are set aside as ``outside_boundary``.
    """
    a, a_blank, a_num = _parse_numbers(to_text(first))
    b, b_blank, b_num = _parse_numbers(to_text(second))
    reasons.mark(a_blank | b_blank, "no_coordinates")
    reasons.mark(~(a_num & b_num), "bad_coordinates")
    finite = np.isfinite(a) & np.isfinite(b)
    reasons.mark(~finite, "bad_coordinates", np.full(len(a), "not a finite number"))
    if kind == "lonlat":
        lon, lat = a, b
        x, y = _TO_BNG.transform(lon, lat)
        x, y = np.asarray(x, dtype=float), np.asarray(y, dtype=float)
        min_lon, min_lat, max_lon, max_lat = UK_BOUNDS
        inside = (
            (lon >= min_lon) & (lon <= max_lon) & (lat >= min_lat) & (lat <= max_lat)
        )
        swapped = (
            (lat >= min_lon) & (lat <= max_lon) & (lon >= min_lat) & (lon <= max_lat)
        )
        detail = np.where(swapped, "latitude and longitude look swapped", "")
        reasons.mark(finite & ~inside, "outside_uk", detail)
    else:
        x, y = a, b
        min_x, min_y, max_x, max_y = _BNG_BOX
        inside = (x >= min_x) & (x <= max_x) & (y >= min_y) & (y <= max_y)
        swapped = (y >= min_x) & (y <= max_x) & (x >= min_y) & (x <= max_y) & (x > y)
        detail = np.where(swapped, "easting and northing look swapped", "")
        reasons.mark(finite & ~inside, "outside_uk", detail)
        lon, lat = _TO_WGS84.transform(x, y)
        lon, lat = np.asarray(lon, dtype=float), np.asarray(lat, dtype=float)
    if boundary is not None:
        ok = reasons.ok
        outside = np.zeros(len(x), dtype=bool)
        shapely.prepare(boundary)
        outside[ok] = ~shapely.contains_xy(boundary, x[ok], y[ok])
        reasons.mark(outside, "outside_boundary")
    return lon, lat, x, y


def check_duplicates(reasons: RowReasons, force, crime_id) -> None:
    """Set aside repeats of a non-blank Crime ID within a force (first one kept)."""
    ids = to_text(crime_id).to_numpy(zero_copy_only=False)
    candidate = reasons.ok & (ids != "")
    if not candidate.any():
        return
    frame = pd.DataFrame(
        {
            "force": np.asarray(force, dtype=object)[candidate],
            "id": ids[candidate],
        }
    )
    dup = np.zeros(len(ids), dtype=bool)
    dup[candidate] = frame.duplicated(keep="first").to_numpy()
    reasons.mark(dup, "duplicate_crime_id")
