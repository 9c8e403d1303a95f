"""Coordinate text read as numbers and projected, once per distinct point.

police.uk snaps every crime to one of a force's anonymised map points, so a file of
n rows holds far fewer distinct (longitude, latitude) texts: 39,578 in 1M SYNTHETIC
rows. :func:`read_coordinates` therefore
dictionary-encodes each text column (Arrow), reads each distinct text as a number
and projects each distinct pair with PROJ, then spreads the results back to the
rows. A projection depends on its point alone, so every row gets exactly the value
that projecting the rows one by one would give (``tests/io/test_coordinates.py``
compares the two). A piece of 63,000 SYNTHETIC rows holds about 24,000 distinct
pairs: reading and projecting it took 22 ms instead of 55 ms.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
from pyproj import Transformer

from hotspots.io._pools import KeptPool
from hotspots.io._schema import BNG, WGS84

__all__ = [
    "Coordinates",
    "parse_numbers",
    "project",
    "read_coordinates",
    "to_text",
    "warm_projection",
]

_NUMBER_RE = r"^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$"
#: The one thread that projects, kept for the process. PROJ gives each thread its
#: own copy of a transformer, and building one (its SQLite queries for the
#: candidate operations) costs about 40 ms of CPU; on one thread that is paid once
#: per process and direction, not once per thread that reads.
_PROJECTION = KeptPool(1, "hotspots-proj")
_TRANSFORMERS: dict[str, Transformer] = {}  # used on that thread only
_CRS = {"lonlat": (WGS84, BNG), "bng": (BNG, WGS84)}


def _transformer(kind: str) -> Transformer:
    found = _TRANSFORMERS.get(kind)
    if found is None:
        source, target = _CRS[kind]
        found = _TRANSFORMERS[kind] = Transformer.from_crs(
            source, target, always_xy=True
        )
    return found


def _transform(kind: str, a, b) -> tuple[np.ndarray, np.ndarray]:
    u, v = _transformer(kind).transform(a, b)
    return np.asarray(u, dtype=float), np.asarray(v, dtype=float)


def project(a, b, *, kind: str = "lonlat") -> tuple[np.ndarray, np.ndarray]:
    """Project coordinates with PROJ, on the one projecting thread.

    ``kind="lonlat"``: WGS84 longitude, latitude (degrees) to British National Grid
    easting, northing (metres); ``kind="bng"``: the reverse. ``a`` and ``b`` are
    arrays of one shape (or scalars); returns two float arrays of that shape, the
    values ``pyproj.Transformer.from_crs(..., always_xy=True).transform`` gives.
    Safe to call from any thread but the projecting one.
    """
    return _PROJECTION.submit(_transform, kind, a, b).result()


def warm_projection(kind: str = "lonlat") -> None:
    """Build the transformer now, on its thread, without waiting for it.

    A reader calls it as it starts, so that the 40 ms overlap the first parse.
    """
    _PROJECTION.submit(_transformer, kind)


# bytes that may begin or end a value utf8_trim_whitespace would change: ASCII
# white space and any byte of a multi-byte character (Unicode spaces such as U+00A0)
_MAY_TRIM = np.zeros(256, dtype=bool)
_MAY_TRIM[[9, 10, 11, 12, 13, 32]] = True
_MAY_TRIM[128:] = True


def _needs_trim(arr: pa.Array) -> bool:
    """Return False when no value of a string array has white space at either end."""
    if arr.type != pa.string() or arr.null_count or not len(arr):
        return bool(len(arr))
    offsets = np.frombuffer(arr.buffers()[1], np.int32)[
        arr.offset : arr.offset + len(arr) + 1
    ]
    if arr.buffers()[2] is None or offsets[-1] == offsets[0]:
        return False  # every value is empty
    data = np.frombuffer(arr.buffers()[2], np.uint8)
    start, end = offsets[:-1], offsets[1:]
    filled = end > start
    return bool(
        _MAY_TRIM[data[start[filled]]].any() or _MAY_TRIM[data[end[filled] - 1]].any()
    )


def to_text(arr: pa.ChunkedArray | pa.Array) -> pa.ChunkedArray | pa.Array:
    """Trim surrounding white space from a text column (no copy when none has any)."""
    if isinstance(arr, pa.ChunkedArray):
        return pa.chunked_array([to_text(c) for c in arr.chunks], type=arr.type)
    return pc.utf8_trim_whitespace(arr) if _needs_trim(arr) else arr


def parse_numbers(text) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Return (value, is_blank, is_number) for a trimmed text column.

    Fast path: cast the whole column (blanks as NaN); only if some value is not a
    number, or casts to a non-finite one, does the regex decide, value by value,
    which are numbers ("nan" and "inf" are not; "1e400" is, and is infinite). So a
    value's verdict never depends on the other values read with it (a piece of a
    file once gave "nan" another reason's words than the whole file did).
    """
    blank = pc.equal(pc.utf8_length(text), 0)
    blank_np = blank.to_numpy(zero_copy_only=False)
    try:
        values = pc.cast(
            pc.if_else(blank, pa.scalar("nan"), text), pa.float64()
        ).to_numpy(zero_copy_only=False)
        if np.isfinite(values[~blank_np]).all():
            return values, blank_np, ~blank_np
    except (pa.ArrowInvalid, pa.ArrowNotImplementedError):
        pass
    is_number = pc.match_substring_regex(text, _NUMBER_RE)
    safe = pc.if_else(is_number, text, pa.scalar("nan"))
    values = pc.cast(safe, pa.float64()).to_numpy(zero_copy_only=False)
    return values, blank_np, is_number.to_numpy(zero_copy_only=False)


@dataclass(frozen=True)
class Coordinates:
    """Coordinate text columns read as numbers and projected, before any check.

    ``a``/``b`` are the values as written (longitude/latitude or easting/northing,
    NaN where blank or not a number), with per-row ``*_blank`` and ``*_number``
    flags; ``lon``, ``lat``, ``x``, ``y`` are both systems (EPSG:4326 degrees and
    EPSG:27700 metres), not yet masked. Computed per parsed piece, off the main
    thread (:mod:`hotspots.io._stream_prepare`), then checked per batch.
    """

    kind: str
    a: np.ndarray
    b: np.ndarray
    a_blank: np.ndarray
    b_blank: np.ndarray
    a_number: np.ndarray
    b_number: np.ndarray
    lon: np.ndarray
    lat: np.ndarray
    x: np.ndarray
    y: np.ndarray

    @classmethod
    def concat(cls, parts: list[Coordinates]) -> Coordinates:
        """Join the coordinates of consecutive pieces (one kind)."""
        if len(parts) == 1:
            return parts[0]
        names = [f for f in cls.__dataclass_fields__ if f != "kind"]
        joined = {n: np.concatenate([getattr(p, n) for p in parts]) for n in names}
        return cls(kind=parts[0].kind, **joined)


def _distinct(column) -> tuple[np.ndarray, tuple[np.ndarray, ...], int]:
    """Codes per row, (value, blank, number) per distinct text, number of texts."""
    if isinstance(column, pa.ChunkedArray):  # one dictionary for every chunk
        column = column.combine_chunks()  # (text first: 4x faster than after)
    encoded = pc.dictionary_encode(column, null_encoding="encode")
    codes = encoded.indices.to_numpy(zero_copy_only=False).astype(np.int64)
    texts = to_text(pc.fill_null(encoded.dictionary, ""))
    return codes, parse_numbers(texts), len(texts)


def read_coordinates(first, second, *, kind: str = "lonlat") -> Coordinates:
    """Read two coordinate text columns as numbers and project them (no checks).

    ``kind="lonlat"``: WGS84 longitude, latitude, projected to British National
    Grid; ``kind="bng"``: easting, northing, projected to WGS84. Values that are
    blank or not numbers are NaN and project to infinity or NaN; the checks in
    :func:`~hotspots.io._checks.check_coordinates` set those rows aside before the
    values are used. Each distinct text is read, and each distinct pair projected,
    once (see the module's text).
    """
    a_code, (a_v, a_blank, a_num), _ = _distinct(first)
    b_code, (b_v, b_blank, b_num), n_b = _distinct(second)
    width = max(n_b, 1)  # a pair's key: its two texts' codes
    pair, keys = pd.factorize(a_code * width + b_code, sort=False)
    ua, ub = a_v[keys // width], b_v[keys % width]
    u1, u2 = project(ua, ub, kind=kind)
    a, b, p1, p2 = a_v[a_code], b_v[b_code], u1[pair], u2[pair]
    lon, lat, x, y = (a, b, p1, p2) if kind == "lonlat" else (p1, p2, a, b)
    return Coordinates(
        kind,
        a,
        b,
        a_blank[a_code],
        b_blank[b_code],
        a_num[a_code],
        b_num[b_code],
        lon,
        lat,
        x,
        y,
    )
