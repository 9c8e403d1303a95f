"""Checking pings held in a frame: the in-memory path of ``Pings.from_frame``.

The same rules as the CSV reader, on columns that are already typed: text,
datetimes or integers for time; numbers for coordinates and officers.
"""

from __future__ import annotations

import logging
import warnings

import numpy as np
import pandas as pd

from hotspots.exceptions import HotspotsWarning, SchemaError
from hotspots.tracking._pings_project import lattice
from hotspots.tracking._pings_rules import (
    Reasons,
    check_officers,
    check_points,
)
from hotspots.tracking._pings_store import (
    finish_bucket,
    mark_times,
    quarantine_frame,
    quarantine_piece,
    split_units,
)
from hotspots.tracking._pings_time import times_from_series

__all__ = ["check_frame", "warn_set_aside"]

logger = logging.getLogger(__name__)

#: Default fastest plausible speed of a patrol unit, metres per second (252 km/h).
MAX_SPEED = 70.0
#: Rows per bucket of pings built in memory by ``Pings.from_frame``.
FRAME_BUCKET_ROWS = 1_000_000


def check_frame(frame, *, timezone: str, max_speed: float, boundary) -> dict:
    """Check a frame of pings; return the parts of a Pings (see ``from_frame``)."""
    if not isinstance(frame, pd.DataFrame):
        raise TypeError(
            f"Pings.from_frame needs a pandas DataFrame; got {type(frame).__name__}"
        )
    kind = "bng" if {"x", "y"} <= set(frame.columns) else "lonlat"
    first, second = ("x", "y") if kind == "bng" else ("longitude", "latitude")
    missing = [c for c in ("unit", "time", first, second) if c not in frame]
    if missing:
        raise SchemaError(
            f"Pings.from_frame: column(s) {missing} not found. Columns present: "
            f"{list(frame.columns)}. Pass unit, time and x, y (metres, "
            "EPSG:27700) or longitude, latitude; rename columns first."
        )
    n = len(frame)
    reasons = Reasons(n)
    times = times_from_series(frame["time"].reset_index(drop=True), timezone)
    mark_times(reasons, times.status)
    units = frame["unit"].to_numpy(dtype=object)
    text = np.array(
        ["" if _is_missing(u) else str(u).strip() for u in units], dtype=object
    )
    reasons.mark(text == "", "no_unit")
    a = pd.to_numeric(frame[first], errors="coerce").to_numpy(dtype=float)
    b = pd.to_numeric(frame[second], errors="coerce").to_numpy(dtype=float)
    x, y = check_points(
        reasons, a, b, kind=kind, boundary=boundary, project=lattice().transform
    )
    officers = np.ones(n, dtype=np.int16)
    if "officers" in frame:
        raw = frame["officers"]
        values = pd.to_numeric(raw, errors="coerce").to_numpy(dtype=float)
        text_bad = np.isnan(values) & ~np.array([_is_missing(v) for v in raw])
        officers = check_officers(reasons, np.where(text_bad, -1.0, values))
    ok = reasons.ok
    names, codes = np.unique(text[ok].astype(str), return_inverse=True)
    names = names.astype(object)
    done = finish_bucket(
        codes.astype(np.int32),
        times.ns[ok],
        x[ok],
        y[ok],
        officers[ok],
        np.flatnonzero(ok).astype(np.int64),
        max_speed=max_speed,
        unit_names=names,
    )
    bad = np.flatnonzero(~ok)
    quarantine = quarantine_frame(
        [
            quarantine_piece(0, bad + 1, reasons.codes(bad), reasons.reasons(bad)),
            quarantine_piece(
                0, done.flagged_seq + 1, done.flagged_code, done.flagged_reason
            ),
        ],
        ["frame"],
    )
    buckets = split_units(done.table, FRAME_BUCKET_ROWS) if len(done.table) else []
    rules = {
        "timezone": timezone,
        "max_speed": max_speed,
        "max_speed_default": max_speed == MAX_SPEED,
        "boundary": boundary is not None,
        "columns": {
            f: f for f in ("unit", "time", first, second, "officers") if f in frame
        },
        "coordinates": kind,
        "naive_times": int(times.naive.sum()),
        "chunk_rows": FRAME_BUCKET_ROWS,
        "buckets": len(buckets),
        "spill_files": 0,
        "sources": ["frame"],
    }
    return {
        "buckets": buckets,
        "unit_names": names,
        "rows_read": n,
        "quarantine": quarantine,
        "rules": rules,
    }


def _is_missing(value) -> bool:
    if value is None or value is pd.NA or value is pd.NaT:
        return True
    return isinstance(value, float) and np.isnan(value)


def warn_set_aside(pings, caller: str, *, stacklevel: int) -> None:
    """Log the counts and warn (HotspotsWarning) when rows were set aside."""
    logger.info("%s: %s", caller, pings)
    if not len(pings.quarantine):
        return
    found = pings._counts()
    counts = ", ".join(f"{code} {n:,}" for code, n in found.items())
    message = (
        f"{caller}: set aside {len(pings.quarantine):,} of {pings.rows_read:,} rows "
        f"({counts}); see .quarantine for each row and .summary() for the reasons."
    )
    local = {"ambiguous_local_time", "nonexistent_local_time"}
    if local & set(found):
        message += (
            f" Times without a UTC offset were read as {pings.rules['timezone']} "
            "local time, which repeats an hour when the clocks go back and skips "
            "one when they go forward; an export with UTC offsets (ISO 8601 such "
            "as 2024-10-27T01:30:00+01:00, or Z for UTC) avoids this."
        )
    warnings.warn(message, HotspotsWarning, stacklevel=stacklevel + 1)
