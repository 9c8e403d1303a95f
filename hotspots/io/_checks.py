"""Vectorised row checks shared by the police.uk and force-extract readers.

Each check marks rows that fail it with a reason code, unless an earlier check has
already set the row aside; :class:`RowReasons` keeps that bookkeeping so that every
row ends up either kept or quarantined under exactly one reason.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
import shapely

from hotspots.io._coordinates import Coordinates, read_coordinates, to_text
from hotspots.io._hashing import mix, text_hashes
from hotspots.io._quarantine import FILTER_REASONS, REASONS
from hotspots.io._schema import UK_BOUNDS

__all__ = [
    "Coordinates",
    "IdColumn",
    "KeptIds",
    "RowReasons",
    "categorical",
    "check_coordinates",
    "check_duplicates",
    "coded",
    "force_codes",
    "read_coordinates",
    "read_ids",
    "to_text",
]

_CODES = list(REASONS)
# British National Grid false-origin box, metres (OS: 0-700 km E, 0-1300 km N).
_BNG_BOX = (0.0, 0.0, 700_000.0, 1_300_000.0)
#: Values that records systems write when a crime was never located: 0 (the
#: National Grid's false origin, or the Equator), -1 and runs of nines.
PLACEHOLDER_VALUES = np.array(
    [
        0.0,
        -1.0,
        *(float("9" * n) for n in range(1, 8)),
        *(-float("9" * n) for n in range(1, 8)),
    ]
)


def categorical(codes: np.ndarray, values: list[str]) -> pd.Categorical:
    """Return a sorted categorical from :func:`coded` output."""
    categories = sorted(set(values))
    remap = np.array([categories.index(v) for v in values], dtype=np.int64)
    return pd.Categorical.from_codes(remap[codes], categories=categories)


def coded(arr) -> tuple[np.ndarray, list[str]]:
    """Dictionary-encode a text column: (codes per row, trimmed distinct values).

    Checks on columns with few distinct values (month, force, crime type) then run
    once per distinct value instead of once per row.
    """
    encoded = pc.dictionary_encode(arr).combine_chunks()
    codes = encoded.indices.to_numpy(zero_copy_only=False).astype(np.int64)
    values = [v.strip() for v in encoded.dictionary.to_pylist()]
    return codes, values


class RowReasons:
    """One reason slot per row: -1 while the row is still kept."""

    def __init__(self, n: int) -> None:
        self.code = np.full(n, -1, dtype=np.int16)
        self.detail = np.full(n, None, dtype=object)

    @property
    def ok(self) -> np.ndarray:
        """Boolean mask of rows not yet set aside."""
        return self.code < 0

    def mark(self, mask: np.ndarray, reason: str, detail=None) -> np.ndarray:
        """Set aside rows in ``mask`` (not already set aside) under ``reason``.

        ``detail`` is one text for all hit rows, or a callable taking the hit mask
        and returning one text per hit row (called only when a row is hit).
        """
        hit = np.asarray(mask, dtype=bool) & self.ok
        if not hit.any():
            return hit
        self.code[hit] = _CODES.index(reason)
        if callable(detail):
            self.detail[hit] = np.asarray(detail(hit), dtype=object)
        elif detail is not None:
            self.detail[hit] = detail
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


def check_coordinates(
    reasons: RowReasons,
    first,
    second,
    *,
    kind: str = "lonlat",
    boundary=None,
    read: Coordinates | None = None,
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Check coordinate text columns; return (lon, lat, x, y) with NaN where bad.

    Parameters
    ----------
    reasons : RowReasons
        Updated in place: ``no_coordinates``, ``bad_coordinates``,
        ``placeholder_coordinates``, ``outside_uk``, ``outside_boundary``.
    first, second : pyarrow arrays of text
        Longitude and latitude (``kind="lonlat"``, WGS84 degrees) or easting and
        northing (``kind="bng"``, EPSG:27700 metres). Ignored when ``read`` is
        given.
    boundary : shapely geometry in EPSG:27700, optional
        Rows outside it are set aside as ``outside_boundary``.
    read : Coordinates, optional
        The columns already read by :func:`read_coordinates` (same ``kind``).
    """
    c = read if read is not None else read_coordinates(first, second, kind=kind)
    a, b = c.a, c.b
    reasons.mark(c.a_blank | c.b_blank, "no_coordinates")
    reasons.mark(~(c.a_number & c.b_number), "bad_coordinates")
    finite = np.isfinite(a) & np.isfinite(b)
    reasons.mark(~finite, "bad_coordinates", "not a finite number")
    _check_placeholders(reasons, a, b, kind=c.kind)
    lon, lat, x, y = c.lon, c.lat, c.x, c.y
    if c.kind == "lonlat":
        min_lon, min_lat, max_lon, max_lat = UK_BOUNDS
        inside = (
            (lon >= min_lon) & (lon <= max_lon) & (lat >= min_lat) & (lat <= max_lat)
        )
        reasons.mark(
            finite & ~inside,
            "outside_uk",
            lambda hit: np.where(
                (lat[hit] >= min_lon)
                & (lat[hit] <= max_lon)
                & (lon[hit] >= min_lat)
                & (lon[hit] <= max_lat),
                "latitude and longitude look swapped",
                "",
            ),
        )
    else:
        min_x, min_y, max_x, max_y = _BNG_BOX
        inside = (x >= min_x) & (x <= max_x) & (y >= min_y) & (y <= max_y)
        reasons.mark(
            finite & ~inside,
            "outside_uk",
            lambda hit: np.where(
                (y[hit] >= min_x)
                & (y[hit] <= max_x)
                & (x[hit] >= min_y)
                & (x[hit] > y[hit]),
                "easting and northing look swapped",
                "",
            ),
        )
    if boundary is not None:
        ok = reasons.ok
        outside = np.zeros(len(x), dtype=bool)
        shapely.prepare(boundary)
        # closed: a point on the boundary line is inside (the edge rule)
        outside[ok] = ~shapely.intersects_xy(boundary, x[ok], y[ok])
        reasons.mark(outside, "outside_boundary")
    return lon, lat, x, y


def _check_placeholders(reasons: RowReasons, a, b, *, kind: str) -> None:
    """Set aside (0, 0) and other placeholder pairs (see :data:`PLACEHOLDER_VALUES`).

    In eastings/northings either value being a placeholder marks the row (no place
    in Great Britain has easting or northing exactly 0). In longitude/latitude only
    the latitude counts, which catches (0, 0): longitude 0 (Greenwich) and -1 (the
    East Midlands) are real places.
    """
    a_ph, b_ph = np.isin(a, PLACEHOLDER_VALUES), np.isin(b, PLACEHOLDER_VALUES)
    hit = (a_ph | b_ph) if kind == "bng" else b_ph
    reasons.mark(
        hit,
        "placeholder_coordinates",
        lambda rows: [f"({x:g}, {y:g})" for x, y in zip(a[rows], b[rows], strict=True)],
    )


@dataclass(frozen=True)
class IdColumn:
    """A Crime ID column trimmed, with each value's byte length and 64-bit hash.

    ``hashes`` are :func:`~hotspots.io._hashing.text_hashes` of ``text`` (equal
    texts, equal hashes). Read per parsed piece, off the main thread
    (:mod:`hotspots.io._stream_prepare`).
    """

    text: pa.Array | pa.ChunkedArray
    length: np.ndarray
    hashes: np.ndarray

    @classmethod
    def concat(cls, parts: list[IdColumn]) -> IdColumn:
        """Join the columns of consecutive pieces (the texts are not copied)."""
        if len(parts) == 1:
            return parts[0]
        return cls(
            pa.chunked_array([p.text for p in parts], type=pa.string()),
            np.concatenate([p.length for p in parts]),
            np.concatenate([p.hashes for p in parts]),
        )


def read_ids(crime_id) -> IdColumn:
    """Trim a Crime ID text column and hash every value (see :class:`IdColumn`)."""
    ids = to_text(crime_id)
    if isinstance(ids, pa.ChunkedArray):
        ids = ids.combine_chunks()
    length = pc.binary_length(ids).to_numpy(zero_copy_only=False)
    return IdColumn(ids, length, text_hashes(ids))


@dataclass(frozen=True)
class KeptIds:
    """The rows left with a non-blank Crime ID after :func:`check_duplicates`."""

    rows: np.ndarray  # row numbers in the batch
    ids: pa.Array | pa.ChunkedArray  # the batch's trimmed IDs, every row
    force: np.ndarray  # their force, as codes into ``forces``
    forces: list  # distinct force values
    hashes: np.ndarray  # uint64 hash of (force, ID): :func:`text_hashes` mixed


def force_codes(force, rows: np.ndarray | None = None) -> tuple[np.ndarray, list]:
    """Return ``force[rows]`` (every row if None) as (codes, distinct values).

    Equal values get equal codes. ``force`` is a text array or a
    :class:`pandas.Categorical`, whose codes are used as they are (the checking
    engine passes one, so its texts are not hashed again).
    """
    if isinstance(force, pd.Categorical):
        codes = force.codes if rows is None else force.codes[rows]
        return codes.astype(np.int64), list(force.categories)
    values = np.asarray(force, dtype=object)
    codes, distinct = pd.factorize(values if rows is None else values[rows])
    return codes.astype(np.int64), list(distinct)


def check_duplicates(
    reasons: RowReasons, force, crime_id, *, read: IdColumn | None = None
) -> KeptIds:
    """Set aside repeats of a non-blank Crime ID within a force (first one kept).

    Hashes each (force, trimmed ID) to 64 bits (:func:`text_hashes`); only rows
    sharing a hash with another are compared as text, so the result is exact and
    the usual case, every ID once, costs one pass. Returns the rows still kept
    with an ID, the IDs and the rows' hashes (for the check across batches).
    ``read`` is the column already read by :func:`read_ids` (``crime_id`` is then
    ignored).
    """
    c = read if read is not None else read_ids(crime_id)
    rows = np.flatnonzero(reasons.ok & (c.length > 0))
    force_code, forces = force_codes(force, rows)
    with np.errstate(over="ignore"):
        salt = mix(force_code.astype(np.uint64) + np.uint64(1))
        hashes = c.hashes[rows] ^ salt
    shared = pd.Series(hashes).duplicated(keep=False).to_numpy()
    if shared.any():  # compare the texts of the rows that share a hash
        taken = c.text.take(pa.array(rows[shared]))
        if isinstance(taken, pa.ChunkedArray):
            taken = taken.combine_chunks()
        text = pc.dictionary_encode(taken)
        id_code = text.indices.to_numpy(zero_copy_only=False).astype(np.int64)
        key = force_code[shared] * (len(text.dictionary) + 1) + id_code
        repeat = np.zeros(len(rows), dtype=bool)
        repeat[shared] = pd.Series(key).duplicated(keep="first").to_numpy()
        dup = np.zeros(len(reasons.ok), dtype=bool)
        dup[rows[repeat]] = True
        reasons.mark(dup, "duplicate_crime_id")
        keep = ~repeat
        rows, force_code, hashes = rows[keep], force_code[keep], hashes[keep]
    return KeptIds(rows, c.text, force_code, forces, hashes)
